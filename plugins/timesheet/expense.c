/* expense.c: expenses and disbursements on an engagement, checked and kept. */
#include "timesheet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define TS_MILES_MAX 100000	/* tenths of a mile: 10,000 miles */
#define TS_EXPENSE_MAX 1000000	/* pence: £10,000 an item */
#define TS_RECEIPT_MAX 64
#define TS_NOTE_MAX 500

static void ts_expense_fill(ep_stmt *s, struct ts_expense *x);
static int ts_expense_check(ep_db *db, const struct ts_actor *a,
    const struct ts_engagement *g, const struct ts_expense_in *in,
    ep_errors *e, struct ts_expense *x);
static int ts_expense_describe(struct ts_expense *x);
static char *ts_expense_summary(const struct ts_expense *before,
    const struct ts_expense *after);

/* The kinds, as stored and as people read them. */
const char *const ts_expense_kinds[][2] = {
	{ "mileage", "Mileage" },
	{ "rail", "Rail fare" },
	{ "travel", "Other travel (bus, taxi, parking)" },
	{ "subsistence", "Subsistence (meals)" },
	{ "accommodation", "Accommodation" },
	{ NULL, NULL },
};

#define TS_EXPENSE_COLUMNS "SELECT x.id, x.engagement_id, x.spent_on, " \
	"x.kind, coalesce(x.miles_tenths, 0), coalesce(x.rate_pence, -1), " \
	"x.amount_pence, x.receipt, x.note, x.vat, x.state, " \
	"coalesce(x.query_comment, ''), x.description, " \
	"coalesce(x.created_by, 0), e.consumer_id, e.provider_id " \
	"FROM expenses x JOIN engagements e ON e.id = x.engagement_id "

/* The label people read for a kind, or NULL for no such kind. */
const char *
ts_expense_kind_label(const char *kind)
{
	size_t i;

	for (i = 0; kind != NULL && ts_expense_kinds[i][0] != NULL; i++)
		if (strcmp(ts_expense_kinds[i][0], kind) == 0)
			return ts_expense_kinds[i][1];
	return NULL;
}

/*
 * Reads miles as typed, a whole number or one with a decimal place
 * ("42", "42.5"), into tenths of a mile: 0, or -1 for anything else.
 */
int
ts_expense_parse_miles(const char *s, int64_t *tenths)
{
	int64_t v = 0;
	int digits = 0, decimals = -1;

	if (s == NULL)
		return -1;
	while (*s == ' ')
		s++;
	for (; *s != '\0' && *s != ' '; s++) {
		if (*s == '.' && decimals < 0 && digits > 0) {
			decimals = 0;
			continue;
		}
		if (*s < '0' || *s > '9' || decimals >= 1 || digits >= 6)
			return -1;
		v = v * 10 + (*s - '0');
		if (decimals >= 0)
			decimals++;
		else
			digits++;
	}
	while (*s == ' ')
		s++;
	if (*s != '\0' || digits == 0 || decimals == 0)
		return -1;
	*tenths = decimals == 1 ? v : v * 10;
	return 0;
}

/* Miles in tenths as people write them: "42" or "42.5". */
void
ts_expense_miles_text(char *out, size_t len, int64_t tenths)
{
	if (tenths % 10 == 0)
		snprintf(out, len, "%lld", (long long)(tenths / 10));
	else
		snprintf(out, len, "%lld.%lld", (long long)(tenths / 10),
		    (long long)(tenths % 10));
}

/* Pence for miles (tenths) at a rate, the half penny to even. */
int64_t
ts_expense_mileage(int64_t tenths, int64_t rate)
{
	int64_t v = tenths * rate, q = v / 10, rem = v % 10;

	if (rem > 5 || (rem == 5 && (q % 2) != 0))
		q++;
	return q;
}

static void
ts_expense_fill(ep_stmt *s, struct ts_expense *x)
{
	const struct ep_host *h = ts_host;

	memset(x, 0, sizeof *x);
	x->id = h->stmt_int64(s, 0);
	x->engagement = h->stmt_int64(s, 1);
	snprintf(x->date, sizeof x->date, "%s", h->stmt_text(s, 2));
	snprintf(x->kind, sizeof x->kind, "%s", h->stmt_text(s, 3));
	x->miles_tenths = h->stmt_int64(s, 4);
	x->rate = h->stmt_int64(s, 5);
	x->amount = h->stmt_int64(s, 6);
	snprintf(x->receipt, sizeof x->receipt, "%s", h->stmt_text(s, 7));
	snprintf(x->note, sizeof x->note, "%s", h->stmt_text(s, 8));
	x->vat = h->stmt_text(s, 9)[0];
	snprintf(x->state, sizeof x->state, "%s", h->stmt_text(s, 10));
	snprintf(x->query, sizeof x->query, "%s", h->stmt_text(s, 11));
	snprintf(x->description, sizeof x->description, "%s",
	    h->stmt_text(s, 12));
	x->created_by = h->stmt_int64(s, 13);
	x->consumer = h->stmt_int64(s, 14);
	x->provider = h->stmt_int64(s, 15);
}

/* One expense by id: 0, or -1 when there is none. */
int
ts_expense_get(ep_db *db, int64_t id, struct ts_expense *x)
{
	const struct ep_host *h = ts_host;
	ep_stmt *s = h->db_prepare(db, TS_EXPENSE_COLUMNS "WHERE x.id = ?");
	int rc = -1;

	if (s == NULL)
		return -1;
	h->stmt_bind_int64(s, 1, id);
	if (h->stmt_step(s) == EP_STEP_ROW) {
		ts_expense_fill(s, x);
		rc = 0;
	}
	h->stmt_reset(s);
	return rc;
}

/* Calls fn for each of an engagement's expenses, by date. */
int
ts_expense_each(ep_db *db, int64_t engagement,
    void (*fn)(const struct ts_expense *x, void *arg), void *arg)
{
	const struct ep_host *h = ts_host;
	ep_stmt *s = h->db_prepare(db, TS_EXPENSE_COLUMNS "WHERE "
	    "x.engagement_id = ? ORDER BY x.spent_on, x.id");
	struct ts_expense x;
	int step;

	if (s == NULL)
		return -1;
	h->stmt_bind_int64(s, 1, engagement);
	while ((step = h->stmt_step(s)) == EP_STEP_ROW) {
		ts_expense_fill(s, &x);
		fn(&x, arg);
	}
	h->stmt_reset(s);
	return step == EP_STEP_DONE ? 0 : -1;
}

/* The line an invoice will carry for the expense, kept with it. */
static int
ts_expense_describe(struct ts_expense *x)
{
	const struct ep_host *h = ts_host;
	char miles[24], rate[32];

	if (strcmp(x->kind, "mileage") == 0) {
		ts_expense_miles_text(miles, sizeof miles, x->miles_tenths);
		h->pence_text(rate, sizeof rate, x->rate);
		snprintf(x->description, sizeof x->description, "Mileage: %s "
		    "mile%s at %s a mile", miles, x->miles_tenths == 10 ? "" : "s",
		    rate);
	} else
		snprintf(x->description, sizeof x->description, "%s, receipt %s",
		    ts_expense_kind_label(x->kind), x->receipt);
	return 0;
}

/*
 * The rule set and VAT category of the agreement the invoice run will
 * bill the engagement under on a date: its own, or the provider's with
 * the consumer then in force, or the consortium's default.
 */
int
ts_expense_agreement(ep_db *db, const struct ts_engagement *g,
    const char *date, char *ruleset, size_t len, char *vat)
{
	const struct ep_host *h = ts_host;
	ep_stmt *s = h->db_prepare(db, "SELECT coalesce(a.ruleset, "
	    "'standard'), coalesce(a.vat_category, 'S') FROM engagements e "
	    "LEFT JOIN agreements a ON a.id = coalesce(e.agreement_id, (SELECT "
	    "b.id FROM agreements b WHERE b.provider_id = e.provider_id AND "
	    "b.consumer_id = e.consumer_id AND b.valid_from <= ?2 AND "
	    "(b.valid_to IS NULL OR b.valid_to >= ?2) ORDER BY b.valid_from "
	    "DESC LIMIT 1), (SELECT b.id FROM agreements b WHERE b.provider_id "
	    "IS NULL AND b.valid_from <= ?2 AND (b.valid_to IS NULL OR "
	    "b.valid_to >= ?2) ORDER BY b.valid_from DESC LIMIT 1)) WHERE "
	    "e.id = ?1");
	int rc = -1;

	if (s == NULL)
		return -1;
	h->stmt_bind_int64(s, 1, g->id);
	h->stmt_bind_text(s, 2, date);
	if (h->stmt_step(s) == EP_STEP_ROW) {
		snprintf(ruleset, len, "%s", h->stmt_text(s, 0));
		*vat = h->stmt_text(s, 1)[0];
		rc = 0;
	}
	h->stmt_reset(s);
	return rc;
}

/* Fills x from what was typed, or adds an error per bad field. */
static int
ts_expense_check(ep_db *db, const struct ts_actor *a,
    const struct ts_engagement *g, const struct ts_expense_in *in,
    ep_errors *e, struct ts_expense *x)
{
	const struct ep_host *h = ts_host;
	char err[256], today[11], vat = 0;
	int64_t rate = -1;

	memset(x, 0, sizeof *x);
	x->engagement = g->id;
	if (a->person != g->expert_person)
		h->errors_add(e, "engagement", "Only the engagement's expert "
		    "records its expenses");
	else if (strcmp(g->state, "active") != 0) {
		snprintf(err, sizeof err, "The engagement is %s: it takes no "
		    "more expenses", g->state);
		h->errors_add(e, "engagement", err);
	}
	if (ts_today(today) != 0)
		today[0] = '\0';
	if (in->date == NULL || !h->date_ok(in->date))
		h->errors_add(e, "date", "Enter the date as YYYY-MM-DD, like "
		    "2026-11-02");
	else if (strcmp(in->date, today) > 0)
		h->errors_add(e, "date", "Enter a date that is not in the future");
	else if (strcmp(in->date, g->starts) < 0 || strcmp(in->date,
	    g->ends) > 0) {
		snprintf(err, sizeof err, "Enter a date within the engagement, "
		    "from %s to %s", g->starts, g->ends);
		h->errors_add(e, "date", err);
	} else
		snprintf(x->date, sizeof x->date, "%s", in->date);
	if (ts_expense_kind_label(in->kind) == NULL) {
		h->errors_add(e, "kind", "Choose the kind of expense");
		return -1;
	}
	snprintf(x->kind, sizeof x->kind, "%s", in->kind);
	if (ts_expense_agreement(db, g, x->date[0] ? x->date : g->starts,
	    x->ruleset, sizeof x->ruleset, &vat) != 0) {
		h->errors_add(e, "engagement", "The engagement's agreement cannot "
		    "be read");
		return -1;
	}
	/* A host of an older minor has no fee_expense in its table. */
	if (!EP_HOST_HAS(h, fee_expense)) {
		h->errors_add(e, "kind", "This server cannot price expenses: "
		    "upgrade it");
		return -1;
	}
	if (h->fee_expense(NULL, x->ruleset, g->consumer, x->kind, vat,
	    &rate, &vat, err, sizeof err) != 0) {
		h->errors_add(e, "kind", err);
		return -1;
	}
	x->vat = vat;
	if (strcmp(x->kind, "mileage") == 0) {
		if (rate < 0)
			h->errors_add(e, "kind", "The fee rules set no mileage rate");
		else if (ts_expense_parse_miles(in->miles, &x->miles_tenths) != 0 ||
		    x->miles_tenths == 0 || x->miles_tenths > TS_MILES_MAX)
			h->errors_add(e, "miles", "Enter the miles as a whole or "
			    "decimal number more than 0, like 42 or 42.5");
		else {
			x->rate = rate;
			x->amount = ts_expense_mileage(x->miles_tenths, rate);
		}
	} else {
		x->rate = -1;
		if (in->amount == NULL || *in->amount == '\0' || in->amount[0] ==
		    '-' || h->money_parse(in->amount, &x->amount) != 0)
			h->errors_add(e, "amount", "Enter the amount in pounds and "
			    "pence, like 12.50; it cannot be negative");
		else if (x->amount <= 0 || x->amount > TS_EXPENSE_MAX)
			h->errors_add(e, "amount", "Enter an amount more than £0.00 "
			    "and at most £10,000.00");
		if (in->receipt == NULL || *in->receipt == '\0')
			h->errors_add(e, "receipt", "Enter the receipt reference: "
			    "expenses at cost need one");
	}
	if (in->receipt != NULL && strlen(in->receipt) > TS_RECEIPT_MAX)
		h->errors_add(e, "receipt", "Enter a receipt reference of at most "
		    "64 characters");
	else if (in->receipt != NULL)
		snprintf(x->receipt, sizeof x->receipt, "%s", in->receipt);
	if (in->note != NULL && strlen(in->note) > TS_NOTE_MAX)
		h->errors_add(e, "note", "Enter a note of at most 500 characters");
	else if (in->note != NULL)
		snprintf(x->note, sizeof x->note, "%s", in->note);
	if (h->errors_count(e) > 0)
		return -1;
	return ts_expense_describe(x);
}

/* The audit summary: the expense before and after, as JSON. */
static json_t *
ts_expense_json_of(const struct ts_expense *x)
{
	char vat[2] = { x->vat, '\0' };
	json_t *o = json_pack("{s:I,s:s,s:s,s:I,s:s,s:s,s:s}",
	    "engagement", (json_int_t)x->engagement, "date", x->date,
	    "kind", x->kind, "amount_pence", (json_int_t)x->amount,
	    "receipt", x->receipt, "vat", vat, "state", x->state);

	if (x->miles_tenths > 0) {
		json_object_set_new(o, "miles_tenths",
		    json_integer(x->miles_tenths));
		json_object_set_new(o, "rate_pence", json_integer(x->rate));
	}
	return o;
}

static char *
ts_expense_summary(const struct ts_expense *before,
    const struct ts_expense *after)
{
	json_t *o = json_object();
	char *text;

	if (before != NULL)
		json_object_set_new(o, "before", ts_expense_json_of(before));
	if (after != NULL)
		json_object_set_new(o, "after", ts_expense_json_of(after));
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return text;
}

/* Audits one change to an expense, before and after. */
static int
ts_expense_audit(ep_db *db, const struct ts_actor *a, const char *action,
    int64_t id, int64_t org, const struct ts_expense *before,
    const struct ts_expense *after)
{
	char idtext[24], *summary = ts_expense_summary(before, after);
	int rc;

	snprintf(idtext, sizeof idtext, "%lld", (long long)id);
	rc = ts_audit(db, a, action, "expense", idtext, org, summary);
	free(summary);
	return rc;
}

/*
 * Records a new expense (id 0) or changes a draft or queried one, in the
 * caller's transaction: every field checked first, nothing written when
 * one is wrong. *out_id is the expense's id.
 */
int
ts_expense_save(ep_db *db, const struct ts_actor *a, int64_t engagement,
    int64_t id, const struct ts_expense_in *in, ep_errors *e,
    int64_t *out_id)
{
	const struct ep_host *h = ts_host;
	struct ts_engagement g;
	struct ts_expense x, was;
	ep_stmt *s;
	int step;

	if (id != 0) {
		if (ts_expense_get(db, id, &was) != 0) {
			h->errors_add(e, "kind", "There is no such expense");
			return -1;
		}
		if (strcmp(was.state, "draft") != 0 &&
		    strcmp(was.state, "queried") != 0) {
			h->errors_add(e, "kind", "Only a draft or queried expense "
			    "can be changed");
			return -1;
		}
		engagement = was.engagement;
	}
	if (ts_engagement_load(db, engagement, &g) != 0) {
		h->errors_add(e, "engagement", "There is no such engagement");
		return -1;
	}
	if (ts_expense_check(db, a, &g, in, e, &x) != 0)
		return -1;
	snprintf(x.state, sizeof x.state, "draft");
	if (id == 0)
		s = h->db_prepare(db, "INSERT INTO expenses (engagement_id, "
		    "spent_on, kind, miles_tenths, rate_pence, amount_pence, "
		    "receipt, note, vat, ruleset, description, created_by) VALUES "
		    "(?1, ?2, ?3, nullif(?4, 0), nullif(?5, -1), ?6, ?7, ?8, ?9, "
		    "?10, ?11, ?12)");
	else
		s = h->db_prepare(db, "UPDATE expenses SET spent_on = ?2, kind = "
		    "?3, miles_tenths = nullif(?4, 0), rate_pence = nullif(?5, "
		    "-1), amount_pence = ?6, receipt = ?7, note = ?8, vat = ?9, "
		    "ruleset = ?10, description = ?11, state = 'draft' WHERE id = "
		    "?13 AND created_by = ?12");
	if (s == NULL)
		return -1;
	h->stmt_bind_int64(s, 1, engagement);
	h->stmt_bind_text(s, 2, x.date);
	h->stmt_bind_text(s, 3, x.kind);
	h->stmt_bind_int64(s, 4, x.miles_tenths);
	h->stmt_bind_int64(s, 5, x.rate);
	h->stmt_bind_int64(s, 6, x.amount);
	h->stmt_bind_text(s, 7, x.receipt);
	h->stmt_bind_text(s, 8, x.note);
	h->stmt_bind_text(s, 9, x.vat == 'O' ? "O" : "S");
	h->stmt_bind_text(s, 10, x.ruleset);
	h->stmt_bind_text(s, 11, x.description);
	h->stmt_bind_int64(s, 12, a->person);
	if (id != 0)
		h->stmt_bind_int64(s, 13, id);
	step = h->stmt_step(s);
	h->stmt_reset(s);
	if (step != EP_STEP_DONE || (id != 0 && h->db_changes(db) != 1)) {
		h->errors_add(e, "kind", "The expense could not be saved");
		return -1;
	}
	x.id = id != 0 ? id : h->db_last_id(db);
	*out_id = x.id;
	return ts_expense_audit(db, a, id != 0 ? "update" : "create", x.id,
	    g.provider_id, id != 0 ? &was : NULL, &x);
}

/* Moves one expense from a state to another, audited with both. */
static int
ts_expense_move(ep_db *db, const struct ts_actor *a, struct ts_expense *x,
    const char *action, const char *to, const char *comment, int64_t org)
{
	const struct ep_host *h = ts_host;
	struct ts_expense after = *x;
	ep_stmt *s = h->db_prepare(db, "UPDATE expenses SET state = ?2, "
	    "query_comment = CASE WHEN ?2 = 'submitted' THEN query_comment "
	    "ELSE nullif(?3, '') END, submitted_at = CASE WHEN ?2 = 'submitted' "
	    "THEN strftime('%Y-%m-%dT%H:%M:%SZ', 'now') ELSE submitted_at END, "
	    "decided_at = CASE WHEN ?2 = 'submitted' THEN decided_at ELSE "
	    "strftime('%Y-%m-%dT%H:%M:%SZ', 'now') END, decided_by = CASE WHEN "
	    "?2 = 'submitted' THEN decided_by ELSE ?4 END WHERE id = ?1 AND "
	    "state = ?5");
	int step;

	if (s == NULL)
		return -1;
	h->stmt_bind_int64(s, 1, x->id);
	h->stmt_bind_text(s, 2, to);
	h->stmt_bind_text(s, 3, comment ? comment : "");
	h->stmt_bind_int64(s, 4, a->person);
	h->stmt_bind_text(s, 5, x->state);
	step = h->stmt_step(s);
	h->stmt_reset(s);
	if (step != EP_STEP_DONE || h->db_changes(db) != 1)
		return -1;
	snprintf(after.state, sizeof after.state, "%s", to);
	return ts_expense_audit(db, a, action, x->id, org, x, &after);
}

/*
 * Submits the expert's draft and queried expenses on an engagement for
 * the consuming council's approval; *n says how many went.
 */
int
ts_expense_submit(ep_db *db, const struct ts_actor *a, int64_t engagement,
    int *n, char *err, size_t len)
{
	const struct ep_host *h = ts_host;
	ep_stmt *s = h->db_prepare(db, "SELECT id FROM expenses WHERE "
	    "engagement_id = ? AND created_by = ? AND state IN ('draft', "
	    "'queried') ORDER BY id");
	int64_t ids[256];
	size_t count = 0, i;
	struct ts_expense x;

	*n = 0;
	if (s == NULL)
		return -1;
	h->stmt_bind_int64(s, 1, engagement);
	h->stmt_bind_int64(s, 2, a->person);
	while (count < 256 && h->stmt_step(s) == EP_STEP_ROW)
		ids[count++] = h->stmt_int64(s, 0);
	h->stmt_reset(s);
	if (count == 0) {
		snprintf(err, len, "There are no draft expenses to submit");
		return -1;
	}
	for (i = 0; i < count; i++) {
		if (ts_expense_get(db, ids[i], &x) != 0 ||
		    ts_expense_move(db, a, &x, "submit", "submitted", NULL,
		    x.consumer) != 0) {
			snprintf(err, len, "The expenses could not be submitted");
			return -1;
		}
	}
	*n = (int)count;
	return 0;
}

/*
 * The consuming council's approver decides a submitted expense: approve,
 * query (back to the expert, with a question) or reject (never billed).
 */
int
ts_expense_decide(ep_db *db, const struct ts_actor *a, int64_t id,
    const char *action, const char *comment, const char **field, char *err,
    size_t len)
{
	struct ts_expense x;
	const char *to;

	*field = "action";
	if (ts_expense_get(db, id, &x) != 0 || (x.consumer != a->org &&
	    (a->roles & EP_ROLE_ADMIN) == 0)) {
		snprintf(err, len, "There is no such expense");
		return -1;
	}
	if (action == NULL || (strcmp(action, "approve") != 0 &&
	    strcmp(action, "query") != 0 && strcmp(action, "reject") != 0)) {
		snprintf(err, len, "Choose approve, query or reject");
		return -1;
	}
	if (strcmp(x.state, "submitted") != 0) {
		snprintf(err, len, "Only a submitted expense is decided; this one "
		    "is %s", x.state);
		return -1;
	}
	if (x.created_by == a->person) {
		snprintf(err, len, "You cannot decide your own expense");
		return -1;
	}
	if (strcmp(action, "approve") != 0 && (comment == NULL ||
	    *comment == '\0' || strlen(comment) > TS_NOTE_MAX)) {
		*field = "comment";
		snprintf(err, len, "Say why (at most 500 characters): the expert "
		    "reads it");
		return -1;
	}
	to = strcmp(action, "approve") == 0 ? "approved" :
	    strcmp(action, "query") == 0 ? "queried" : "rejected";
	if (ts_expense_move(db, a, &x, action, to, comment, x.consumer) != 0) {
		snprintf(err, len, "The expense could not be %s", to);
		return -1;
	}
	return 0;
}

/* Withdraws the expert's own draft or queried expense, audited. */
int
ts_expense_delete(ep_db *db, const struct ts_actor *a, int64_t id)
{
	const struct ep_host *h = ts_host;
	struct ts_expense x;
	ep_stmt *s;
	int step;

	if (ts_expense_get(db, id, &x) != 0 || x.created_by != a->person ||
	    (strcmp(x.state, "draft") != 0 && strcmp(x.state, "queried") != 0))
		return -1;
	s = h->db_prepare(db, "DELETE FROM expenses WHERE id = ? AND state IN "
	    "('draft', 'queried')");
	if (s == NULL)
		return -1;
	h->stmt_bind_int64(s, 1, id);
	step = h->stmt_step(s);
	h->stmt_reset(s);
	if (step != EP_STEP_DONE || h->db_changes(db) != 1)
		return -1;
	return ts_expense_audit(db, a, "delete", id, x.provider, &x, NULL);
}
