/* engagement.c: changes to an engagement's terms, proposed and agreed. */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

const char *const engagement_change_kinds[][2] = {
	{ "extend", "Extend the end date" },
	{ "budget", "Vary the budget" },
	{ "basis", "Vary the basis" },
	{ "cancel", "Cancel the engagement" },
	{ NULL, NULL },
};

/* The words for a change's kind, or NULL for no such kind. */
const char *
engagement_kind_label(const char *kind)
{
	size_t i;

	for (i = 0; kind != NULL && engagement_change_kinds[i][0] != NULL; i++) {
		if (strcmp(engagement_change_kinds[i][0], kind) == 0)
			return engagement_change_kinds[i][1];
	}
	return NULL;
}

static void
copy_col(char *out, size_t len, sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	snprintf(out, len, "%s", t != NULL ? (const char *)t : "");
}

/* An engagement's terms and the people on each side; -1 if none. */
int
engagement_load(struct ep_db *db, int64_t id, struct engagement_terms *g)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT e.id, e.request_id, "
	    "e.consumer_id, e.provider_id, coalesce(x.person_id, 0), e.offer_id, "
	    "e.basis, coalesce(e.budget_pence, -1), e.starts, e.ends, e.state, "
	    "r.title, x.name, (SELECT count(*) FROM milestones m WHERE "
	    "m.offer_id = e.offer_id) FROM engagements e JOIN requests r ON "
	    "r.id = e.request_id JOIN experts x ON x.id = e.expert_id WHERE "
	    "e.id = ?");
	int rc = -1;

	memset(g, 0, sizeof *g);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		g->id = sqlite3_column_int64(s, 0);
		g->request_id = sqlite3_column_int64(s, 1);
		g->consumer_id = sqlite3_column_int64(s, 2);
		g->provider_id = sqlite3_column_int64(s, 3);
		g->expert_person = sqlite3_column_int64(s, 4);
		g->offer_id = sqlite3_column_int64(s, 5);
		copy_col(g->basis, sizeof g->basis, s, 6);
		g->budget = sqlite3_column_int64(s, 7);
		copy_col(g->starts, sizeof g->starts, s, 8);
		copy_col(g->ends, sizeof g->ends, s, 9);
		copy_col(g->state, sizeof g->state, s, 10);
		copy_col(g->title, sizeof g->title, s, 11);
		copy_col(g->expert, sizeof g->expert, s, 12);
		g->milestones = sqlite3_column_int(s, 13);
		rc = 0;
	}
	sqlite3_reset(s);
	return rc;
}

static int
basis_known(const char *b)
{
	size_t i;

	for (i = 0; b != NULL && engagement_bases[i][0] != NULL; i++) {
		if (strcmp(engagement_bases[i][0], b) == 0)
			return 1;
	}
	return 0;
}

/*
 * The last day with hours the consumer has approved (or been invoiced
 * for), into out ("" when none): a cancellation cannot end the work
 * before hours already accepted. The hours are the timesheet plugin's;
 * without it there are none.
 */
static void
engagement_last_approved(struct ep_db *db, int64_t id, char out[11])
{
	sqlite3_stmt *s;

	out[0] = '\0';
	s = db_stmt(db, "SELECT 1 FROM sqlite_schema WHERE type = 'view' AND "
	    "name = 'timesheet_counted_entries'");
	if (s == NULL)
		return;
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		return;
	}
	sqlite3_reset(s);
	s = db_stmt(db, "SELECT max(entry_date) FROM timesheet_counted_entries "
	    "WHERE engagement_id = ?");
	if (s == NULL)
		return;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW &&
	    sqlite3_column_type(s, 0) != SQLITE_NULL)
		copy_col(out, 11, s, 0);
	sqlite3_reset(s);
}

/* The extension's checks: a real date after the current end. */
static void
change_check_extend(const struct engagement_terms *g,
    const struct change_input *in, struct change_terms *to,
    struct form_errors *e)
{
	if (in->ends == NULL || *in->ends == '\0')
		errs_add(e, "ends", "Enter the new end date");
	else if (!units_date_ok(in->ends))
		errs_add(e, "ends", "The new end date must be a real date, as "
		    "YYYY-MM-DD");
	else if (strcmp(in->ends, g->ends) <= 0)
		errs_add(e, "ends", "The new end date must be after the current "
		    "end date, %s", g->ends);
	else
		snprintf(to->ends, sizeof to->ends, "%s", in->ends);
}

/* A budget typed into pence in *out, with errors named for field. */
static void
change_parse_budget(const char *field, const char *text, int64_t *out,
    struct form_errors *e)
{
	if (text == NULL || *text == '\0')
		errs_add(e, field, "Enter the budget in pounds and pence, such as "
		    "2500.00");
	else if (units_money_parse(text, out) != 0)
		errs_add(e, field, "The budget must be an amount in pounds and "
		    "pence, such as 2500.00");
}

/* The budget's checks: an amount, not the one it has, and never a fixed
 * fee split into milestones (they must add up to it). */
static void
change_check_budget(const struct engagement_terms *g,
    const struct change_input *in, struct change_terms *to,
    struct form_errors *e)
{
	int64_t pence = -1;
	char now[32];

	if (strcmp(g->basis, "fixed") == 0 && g->milestones > 0) {
		errs_add(e, "budget", "This fixed fee is split into milestones, "
		    "which must add up to it: it cannot be varied");
		return;
	}
	change_parse_budget("budget", in->budget, &pence, e);
	if (e->n > 0)
		return;
	if (pence == g->budget) {
		units_money_text(now, sizeof now, pence);
		errs_add(e, "budget", "The budget is %s already: enter a different "
		    "amount", now);
		return;
	}
	to->budget = pence;
}

/* The basis's checks: a different basis, with a budget where it needs
 * one (a fixed fee or a cap), and none away from a fixed fee's
 * milestones. */
static void
change_check_basis(const struct engagement_terms *g,
    const struct change_input *in, struct change_terms *to,
    struct form_errors *e)
{
	int64_t pence = -1;

	if (!basis_known(in->basis)) {
		errs_add(e, "basis", "Choose the new basis: hourly, daily, fixed "
		    "fee or capped");
		return;
	}
	if (strcmp(in->basis, g->basis) == 0) {
		errs_add(e, "basis", "The engagement is %s already: choose a "
		    "different basis", g->basis);
		return;
	}
	if (g->milestones > 0) {
		errs_add(e, "basis", "This fixed fee is split into milestones: "
		    "its basis cannot be varied");
		return;
	}
	if (in->budget != NULL && *in->budget != '\0')
		change_parse_budget("budget", in->budget, &pence, e);
	if (e->n > 0)
		return;
	if (pence < 0 && g->budget < 0 && (strcmp(in->basis, "fixed") == 0 ||
	    strcmp(in->basis, "capped") == 0))
		errs_add(e, "budget", "A %s engagement needs a budget: enter it",
		    strcmp(in->basis, "fixed") == 0 ? "fixed fee" : "capped");
	snprintf(to->basis, sizeof to->basis, "%s", in->basis);
	if (pence >= 0)
		to->budget = pence;
}

/* The cancellation's checks: the last day of work inside the engagement
 * and not before hours already approved. */
static void
change_check_cancel(struct ep_db *db, const struct engagement_terms *g,
    const struct change_input *in, struct change_terms *to,
    struct form_errors *e)
{
	char approved[11];

	if (in->last_day == NULL || *in->last_day == '\0') {
		errs_add(e, "last_day", "Enter the last day of work");
		return;
	}
	if (!units_date_ok(in->last_day)) {
		errs_add(e, "last_day", "The last day of work must be a real date, "
		    "as YYYY-MM-DD");
		return;
	}
	if (strcmp(in->last_day, g->starts) < 0) {
		errs_add(e, "last_day", "The last day of work must be on or after "
		    "the start date, %s", g->starts);
		return;
	}
	if (strcmp(in->last_day, g->ends) > 0) {
		errs_add(e, "last_day", "The last day of work must be on or before "
		    "the end date, %s: extend the engagement instead", g->ends);
		return;
	}
	engagement_last_approved(db, g->id, approved);
	if (approved[0] != '\0' && strcmp(in->last_day, approved) < 0) {
		errs_add(e, "last_day", "Hours on %s are approved already: the last "
		    "day of work must be on or after it", approved);
		return;
	}
	snprintf(to->ends, sizeof to->ends, "%s", in->last_day);
}

/*
 * Checks a proposed change against the engagement it changes and works
 * out the terms it would give (to starts as the terms now). Errors name
 * the field.
 */
void
engagement_change_check(struct ep_db *db, const struct engagement_terms *g,
    const struct change_input *in, struct change_terms *to,
    struct form_errors *e)
{
	snprintf(to->ends, sizeof to->ends, "%s", g->ends);
	snprintf(to->basis, sizeof to->basis, "%s", g->basis);
	to->budget = g->budget;
	if (engagement_kind_label(in->kind) == NULL) {
		errs_add(e, "kind", "Choose what to change");
		return;
	}
	if (strcmp(g->state, "active") != 0) {
		errs_add(e, "kind", "The engagement is %s: it can no longer be "
		    "changed", g->state);
		return;
	}
	if (strcmp(in->kind, "extend") == 0)
		change_check_extend(g, in, to, e);
	else if (strcmp(in->kind, "budget") == 0)
		change_check_budget(g, in, to, e);
	else if (strcmp(in->kind, "basis") == 0)
		change_check_basis(g, in, to, e);
	else
		change_check_cancel(db, g, in, to, e);
	if (in->reason == NULL || *in->reason == '\0')
		errs_add(e, "reason", "Enter why the engagement should change");
	else if (strlen(in->reason) > 500)
		errs_add(e, "reason", "The reason must be 500 characters or fewer");
}

/* The terms as JSON for the audit: end date, budget (null for none),
 * basis, and the state. */
static json_t *
terms_json(const char *ends, int64_t budget, const char *basis,
    const char *state)
{
	return json_pack("{s:s,s:o,s:s,s:s}", "ends", ends, "budget_pence",
	    budget >= 0 ? json_integer(budget) : json_null(), "basis", basis,
	    "state", state);
}

static int
change_audit(struct ep_db *db, const struct audit_actor *actor,
    const char *action, int64_t change_id, int64_t org, json_t *sum)
{
	return audit_json_id(db, actor, action, "engagement-change", change_id,
	    org, sum);
}

/* A budget in a sentence: "£5,000.00", or "no budget". */
static void
budget_words(char *out, size_t len, int64_t pence)
{
	if (pence < 0)
		snprintf(out, len, "no budget");
	else
		units_money_text(out, len, pence);
}

/* A basis in a sentence: "hourly", "fixed fee". */
static void
basis_words(char *out, size_t len, const char *basis)
{
	size_t i;

	snprintf(out, len, "%s", basis);
	for (i = 0; engagement_bases[i][0] != NULL; i++) {
		if (strcmp(engagement_bases[i][0], basis) == 0) {
			snprintf(out, len, "%s", engagement_bases[i][1]);
			if (out[0] >= 'A' && out[0] <= 'Z')
				out[0] = (char)(out[0] - 'A' + 'a');
		}
	}
}

/* What a change does, as a sentence or two of a message. */
static char *
change_words(const char *kind, const struct engagement_terms *g,
    const struct change_terms *to)
{
	char a[64], b[64], c[64];

	if (strcmp(kind, "extend") == 0) {
		units_date_words(a, sizeof a, g->ends);
		units_date_words(b, sizeof b, to->ends);
		return xprintf("Extend the end date from %s to %s.", a, b);
	}
	if (strcmp(kind, "budget") == 0) {
		budget_words(a, sizeof a, g->budget);
		budget_words(b, sizeof b, to->budget);
		return xprintf("Change the budget from %s to %s.", a, b);
	}
	if (strcmp(kind, "basis") == 0) {
		basis_words(a, sizeof a, g->basis);
		basis_words(b, sizeof b, to->basis);
		budget_words(c, sizeof c, to->budget);
		return xprintf("Change the basis from %s to %s, with a budget of "
		    "%s.", a, b, c);
	}
	units_date_words(a, sizeof a, to->ends);
	units_date_words(b, sizeof b, g->ends);
	return xprintf("Cancel the engagement, with %s as the last day of work "
	    "(it was to end on %s). Hours logged up to and on that day stay "
	    "billable; hours after it cannot be logged, submitted or approved.",
	    a, b);
}

/* One name by id ("" when there is none): a person's or an
 * organisation's, as sql selects it. */
static void
name_of(struct ep_db *db, const char *sql, int64_t id, char *out, size_t len)
{
	sqlite3_stmt *s = db_stmt(db, sql);

	out[0] = '\0';
	if (s == NULL)
		return;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW)
		copy_col(out, len, s, 0);
	sqlite3_reset(s);
}

#define SQL_PERSON_NAME "SELECT name FROM people WHERE id = ?"
#define SQL_ORG_NAME "SELECT name FROM organisations WHERE id = ?"

/* Tells the consumer's requesters and approvers a change awaits them,
 * with a link to the engagement where they agree or decline it. */
static int
change_notify_proposed(struct ep_db *db, const struct principal *who,
    const struct engagement_terms *g, const struct change_input *in,
    const struct change_terms *to)
{
	char proposer[128], council[128], link[48], *what, *subject, *body;
	int rc;

	name_of(db, SQL_PERSON_NAME, who->person_id, proposer, sizeof proposer);
	name_of(db, SQL_ORG_NAME, g->consumer_id, council, sizeof council);
	what = change_words(in->kind, g, to);
	subject = xprintf("Agree or decline a change: %s", g->title);
	body = xprintf("%s, the pool manager, proposes a change to the "
	    "engagement of %s on \"%s\":\n\n%s\n\nTheir reason: %s\n\nWhat to "
	    "do: open the engagement to agree or decline the change. Nothing "
	    "changes until a requester or approver of %s agrees it.",
	    proposer[0] ? proposer : "The pool", g->expert, g->title, what,
	    in->reason, council);
	snprintf(link, sizeof link, "/engagements/%lld", (long long)g->id);
	rc = outbox_queue_role(db, EP_ROLE_REQUESTER | EP_ROLE_APPROVER,
	    g->consumer_id, subject, body, link);
	free(what);
	free(subject);
	free(body);
	return rc;
}

/*
 * The pool manager proposes a change: checked, saved as proposed, audited
 * and the consumer told. Nothing about the engagement changes yet.
 */
int
engagement_change_propose(struct ep_db *db, const struct principal *who,
    int64_t engagement_id, const struct change_input *in,
    struct form_errors *e, int64_t *id)
{
	struct engagement_terms g;
	struct change_terms to;
	struct audit_actor actor;
	sqlite3_stmt *s;
	json_t *sum;

	if (engagement_load(db, engagement_id, &g) != 0) {
		errs_add(e, "kind", "There is no such engagement");
		return -1;
	}
	engagement_change_check(db, &g, in, &to, e);
	if (e->n > 0)
		return -1;
	audit_actor_of(&actor, who);
	if (db_begin(db) != 0)
		goto fail;
	s = db_stmt(db, "INSERT INTO engagement_changes (engagement_id, kind, "
	    "ends_before, ends_after, budget_before, budget_after, basis_before, "
	    "basis_after, reason, proposed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
	    "?, ?)");
	if (s == NULL)
		goto rollback;
	sqlite3_bind_int64(s, 1, g.id);
	sqlite3_bind_text(s, 2, in->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, g.ends, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, to.ends, -1, SQLITE_STATIC);
	if (g.budget >= 0)
		sqlite3_bind_int64(s, 5, g.budget);
	if (to.budget >= 0)
		sqlite3_bind_int64(s, 6, to.budget);
	sqlite3_bind_text(s, 7, g.basis, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, to.basis, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, in->reason, -1, SQLITE_STATIC);
	if (who->person_id > 0)
		sqlite3_bind_int64(s, 10, who->person_id);
	if (sqlite3_step(s) != SQLITE_DONE) {
		int dup = sqlite3_extended_errcode(db->sql) ==
		    SQLITE_CONSTRAINT_UNIQUE;

		sqlite3_reset(s);
		db_rollback(db);
		if (!dup)
			goto fail;
		errs_add(e, "kind", "%s is proposed already: it must be agreed or "
		    "declined first", engagement_kind_label(in->kind));
		return -1;
	}
	sqlite3_reset(s);
	*id = sqlite3_last_insert_rowid(db->sql);
	sum = json_pack("{s:I,s:s,s:s,s:o,s:o}", "engagement", (json_int_t)g.id,
	    "kind", in->kind, "reason", in->reason, "before", terms_json(g.ends,
	    g.budget, g.basis, g.state), "after", terms_json(to.ends, to.budget,
	    to.basis, strcmp(in->kind, "cancel") == 0 ? "cancelled" : g.state));
	if (change_audit(db, &actor, "propose", *id, g.consumer_id, sum) != 0 ||
	    change_notify_proposed(db, who, &g, in, &to) != 0 ||
	    db_commit(db) != 0)
		goto rollback;
	return 0;
rollback:
	db_rollback(db);
fail:
	errs_add(e, "kind", "The change could not be saved: %s", db_errmsg(db));
	return -1;
}

/* A change as stored, for deciding it. */
struct change_row {
	int64_t id, engagement, proposed_by, budget_before, budget_after;
	char kind[8], state[12], ends_before[11], ends_after[11];
	char basis_before[8], basis_after[8];
};

static int
change_load(struct ep_db *db, int64_t id, struct change_row *c)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT id, engagement_id, "
	    "coalesce(proposed_by, 0), coalesce(budget_before, -1), "
	    "coalesce(budget_after, -1), kind, state, ends_before, ends_after, "
	    "basis_before, basis_after FROM engagement_changes WHERE id = ?");
	int rc = -1;

	memset(c, 0, sizeof *c);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		c->id = sqlite3_column_int64(s, 0);
		c->engagement = sqlite3_column_int64(s, 1);
		c->proposed_by = sqlite3_column_int64(s, 2);
		c->budget_before = sqlite3_column_int64(s, 3);
		c->budget_after = sqlite3_column_int64(s, 4);
		copy_col(c->kind, sizeof c->kind, s, 5);
		copy_col(c->state, sizeof c->state, s, 6);
		copy_col(c->ends_before, sizeof c->ends_before, s, 7);
		copy_col(c->ends_after, sizeof c->ends_after, s, 8);
		copy_col(c->basis_before, sizeof c->basis_before, s, 9);
		copy_col(c->basis_after, sizeof c->basis_after, s, 10);
		rc = 0;
	}
	sqlite3_reset(s);
	return rc;
}

/*
 * Whether who may decide change c on engagement g: a requester or
 * approver of the consuming council who did not propose it. Fills err.
 */
static int
change_decider_ok(const struct principal *who, const struct engagement_terms *g,
    const struct change_row *c, char *err, size_t len)
{
	if (who->org_id != g->consumer_id || (who->roles & (EP_ROLE_REQUESTER |
	    EP_ROLE_APPROVER)) == 0) {
		snprintf(err, len, "only a requester or approver of the consuming "
		    "council can agree or decline this change");
		return 0;
	}
	if (c->proposed_by == who->person_id) {
		snprintf(err, len, "you proposed this change: another requester or "
		    "approver of your council must agree it");
		return 0;
	}
	if (strcmp(c->state, "proposed") != 0) {
		snprintf(err, len, "this change is %s already", c->state);
		return 0;
	}
	return 1;
}

/*
 * Applies an agreed change to the engagement row, and a cancellation to
 * its request; the engagement must still hold the terms it was proposed
 * against. A cancelled engagement is not completed: no fixed fee or
 * bonus falls due, only the hours and milestones done up to its end.
 */
static int
change_apply(struct ep_db *db, const struct audit_actor *actor,
    const struct engagement_terms *g, const struct change_row *c, char *err,
    size_t len)
{
	int cancel = strcmp(c->kind, "cancel") == 0;
	int extend = strcmp(c->kind, "extend") == 0;
	int budget = strcmp(c->kind, "budget") == 0;
	int basis = strcmp(c->kind, "basis") == 0;
	sqlite3_stmt *s;
	char approved[11];
	int rc;

	if (strcmp(g->state, "active") != 0) {
		snprintf(err, len, "the engagement is %s: it can no longer be "
		    "changed", g->state);
		return -1;
	}
	/* Only what this kind of change touches must be as it was: an
	 * extension and a new budget proposed together may both be agreed. */
	if ((extend && strcmp(g->ends, c->ends_before) != 0) ||
	    ((budget || basis) && g->budget != c->budget_before) ||
	    (basis && strcmp(g->basis, c->basis_before) != 0)) {
		snprintf(err, len, "the engagement has changed since this was "
		    "proposed: decline it and propose it again");
		return -1;
	}
	engagement_last_approved(db, g->id, approved);
	if (cancel && approved[0] != '\0' && strcmp(c->ends_after,
	    approved) < 0) {
		snprintf(err, len, "hours on %s have been approved since this was "
		    "proposed: decline it and propose a later last day", approved);
		return -1;
	}
	s = db_stmt(db, "UPDATE engagements SET ends = CASE WHEN ?6 THEN ?2 "
	    "ELSE ends END, budget_pence = CASE WHEN ?7 THEN ?3 ELSE "
	    "budget_pence END, basis = CASE WHEN ?8 THEN ?4 ELSE basis END, "
	    "state = CASE WHEN ?5 THEN 'cancelled' ELSE state END WHERE id = ?1");
	if (s == NULL)
		goto store;
	sqlite3_bind_int64(s, 1, g->id);
	sqlite3_bind_text(s, 2, c->ends_after, -1, SQLITE_STATIC);
	if (c->budget_after >= 0)
		sqlite3_bind_int64(s, 3, c->budget_after);
	sqlite3_bind_text(s, 4, c->basis_after, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 5, cancel);
	sqlite3_bind_int(s, 6, extend || cancel);
	sqlite3_bind_int(s, 7, budget || basis);
	sqlite3_bind_int(s, 8, basis);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		goto store;
	if (cancel) {
		if (request_transition(db, actor, g->request_id, "cancelled",
		    "engagement cancelled", err, len) != 0)
			return -1;
		s = db_stmt(db, "UPDATE engagement_changes SET state = "
		    "'withdrawn', decided_at = strftime('%Y-%m-%dT%H:%M:%SZ', "
		    "'now') WHERE engagement_id = ? AND state = 'proposed' AND "
		    "id != ?");
		if (s == NULL)
			goto store;
		sqlite3_bind_int64(s, 1, g->id);
		sqlite3_bind_int64(s, 2, c->id);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
		if (rc != SQLITE_DONE)
			goto store;
	}
	return 0;
store:
	snprintf(err, len, "the store failed: %s", db_errmsg(db));
	return -1;
}

/* What an agreed change means for the expert doing the work. */
static const char *
change_for_expert(const char *kind)
{
	if (strcmp(kind, "extend") == 0)
		return "You can log time on it up to the new end date.";
	if (strcmp(kind, "cancel") == 0)
		return "Log no time after the last day of work: it would be "
		    "refused.";
	return "Log your time as before; the new terms price it.";
}

/* Tells the proposer (and, when agreed, the expert) how it was decided,
 * each with a link to the engagement. */
static int
change_notify_decided(struct ep_db *db, const struct principal *who,
    const struct engagement_terms *g, const struct change_row *c, int agree,
    const char *reason)
{
	struct engagement_terms from = *g;
	struct change_terms to;
	char decider[128], council[128], link[48], *what, *subject, *body;
	int rc = 0;

	/* The terms it was proposed against, as the change keeps them. */
	snprintf(from.ends, sizeof from.ends, "%s", c->ends_before);
	snprintf(from.basis, sizeof from.basis, "%s", c->basis_before);
	from.budget = c->budget_before;
	memset(&to, 0, sizeof to);
	snprintf(to.ends, sizeof to.ends, "%s", c->ends_after);
	snprintf(to.basis, sizeof to.basis, "%s", c->basis_after);
	to.budget = c->budget_after;
	name_of(db, SQL_PERSON_NAME, who->person_id, decider, sizeof decider);
	name_of(db, SQL_ORG_NAME, g->consumer_id, council, sizeof council);
	what = change_words(c->kind, &from, &to);
	snprintf(link, sizeof link, "/engagements/%lld", (long long)g->id);
	subject = xprintf("Change %s: %s", agree ? "agreed" : "declined",
	    g->title);
	if (agree)
		body = xprintf("%s of %s has agreed the change you proposed to the "
		    "engagement of %s on \"%s\":\n\n%s\n\nThe engagement has its "
		    "new terms now. There is nothing more for you to do.", decider,
		    council, g->expert, g->title, what);
	else
		body = xprintf("%s of %s has declined the change you proposed to "
		    "the engagement of %s on \"%s\":\n\n%s\n\nTheir reason: %s\n\n"
		    "The engagement keeps its terms. What to do: if the change is "
		    "still needed, talk to %s and propose it again from the "
		    "engagement's page.", decider, council, g->expert, g->title, what,
		    reason != NULL && *reason != '\0' ? reason : "none given",
		    council);
	if (c->proposed_by > 0)
		rc = outbox_queue_person(db, c->proposed_by, subject, body, link);
	if (rc == 0 && agree && g->expert_person > 0 &&
	    g->expert_person != c->proposed_by) {
		free(subject);
		free(body);
		subject = xprintf("Your engagement has changed: %s", g->title);
		body = xprintf("%s has agreed a change to your engagement on "
		    "\"%s\":\n\n%s\n\n%s", council, g->title, what,
		    change_for_expert(c->kind));
		rc = outbox_queue_person(db, g->expert_person, subject, body, link);
	}
	free(what);
	free(subject);
	free(body);
	return rc;
}

/*
 * The consumer's requester or approver agrees (the engagement takes the
 * change's terms) or declines, with an optional reason. All in one
 * transaction, audited with the engagement's terms before and after.
 */
int
engagement_change_decide(struct ep_db *db, const struct principal *who,
    int64_t change_id, int agree, const char *reason, int64_t *engagement_id,
    char *err, size_t len)
{
	struct engagement_terms g;
	struct change_row c;
	struct audit_actor actor;
	sqlite3_stmt *s;
	json_t *sum;
	int rc;

	if (change_load(db, change_id, &c) != 0 ||
	    engagement_load(db, c.engagement, &g) != 0) {
		snprintf(err, len, "there is no such change");
		return -1;
	}
	*engagement_id = g.id;
	if (!change_decider_ok(who, &g, &c, err, len))
		return -1;
	if (reason != NULL && strlen(reason) > 500) {
		snprintf(err, len, "the reason must be 500 characters or fewer");
		return -1;
	}
	audit_actor_of(&actor, who);
	if (db_begin(db) != 0)
		goto store;
	if (agree && change_apply(db, &actor, &g, &c, err, len) != 0) {
		db_rollback(db);
		return -1;
	}
	s = db_stmt(db, "UPDATE engagement_changes SET state = ?2, decided_by = "
	    "?3, decided_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), "
	    "decline_reason = ?4 WHERE id = ?1 AND state = 'proposed'");
	if (s == NULL)
		goto rollback;
	sqlite3_bind_int64(s, 1, c.id);
	sqlite3_bind_text(s, 2, agree ? "agreed" : "declined", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, who->person_id);
	sqlite3_bind_text(s, 4, agree || reason == NULL ? "" : reason, -1,
	    SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE || sqlite3_changes(db->sql) != 1)
		goto rollback;
	sum = agree ? json_pack("{s:I,s:s,s:o,s:o}", "engagement",
	    (json_int_t)g.id, "kind", c.kind, "before", terms_json(g.ends,
	    g.budget, g.basis, g.state), "after", terms_json(c.ends_after,
	    c.budget_after, c.basis_after, strcmp(c.kind, "cancel") == 0 ?
	    "cancelled" : g.state)) : json_pack("{s:I,s:s,s:{s:s},s:{s:s},s:s}",
	    "engagement", (json_int_t)g.id, "kind", c.kind, "before", "state",
	    "proposed", "after", "state", "declined", "reason", reason ? reason :
	    "");
	if (change_audit(db, &actor, agree ? "agree" : "decline", c.id,
	    g.consumer_id, sum) != 0 || change_notify_decided(db, who, &g, &c,
	    agree, reason) != 0 || db_commit(db) != 0)
		goto rollback;
	if (agree && strcmp(c.kind, "cancel") == 0)
		request_fire(g.request_id, "request.cancelled");
	return 0;
rollback:
	db_rollback(db);
store:
	snprintf(err, len, "the store failed: %s", db_errmsg(db));
	return -1;
}
