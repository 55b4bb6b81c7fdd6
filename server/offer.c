/* offer.c: offers to experts, their answers, engagements and completion. */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

const char *const engagement_bases[][2] = {
	{ "hourly", "Hourly" },
	{ "daily", "Daily" },
	{ "fixed", "Fixed fee" },
	{ "capped", "Hourly, capped at the budget" },
	{ NULL, NULL },
};

static int
basis_ok(const char *b)
{
	size_t i;

	for (i = 0; b != NULL && engagement_bases[i][0] != NULL; i++) {
		if (strcmp(engagement_bases[i][0], b) == 0)
			return 1;
	}
	return 0;
}

/*
 * Splits a form's milestones text, one milestone a line, into names and
 * amounts in place: the amount is the line's last word, the name what
 * comes before it less a trailing colon, comma or dash. Blank lines are
 * skipped; a line with one word is a name with no amount.
 */
void
offer_milestone_lines(struct offer_input *in, char *text)
{
	char *line, *next, *end, *sp;

	in->nms = 0;
	for (line = text; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		end = line + strlen(line);
		while (end > line && strchr(" \t\r", end[-1]) != NULL)
			*--end = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line == '\0')
			continue;
		if (in->nms > MILESTONES_MAX)
			return;
		sp = strrchr(line, ' ');
		if (sp == NULL || (strrchr(line, '\t') != NULL &&
		    strrchr(line, '\t') > sp))
			sp = strrchr(line, '\t');
		if (sp == NULL) {
			in->ms_name[in->nms] = line;
			in->ms_amount[in->nms++] = "";
			continue;
		}
		*sp = '\0';
		in->ms_amount[in->nms] = sp + 1;
		while (sp > line && strchr(" \t:,-", sp[-1]) != NULL)
			*--sp = '\0';
		in->ms_name[in->nms++] = line;
	}
}

/* Is s a milestone's name: 1 to 80 bytes, no control characters? */
static int
milestone_name_ok(const char *s)
{
	size_t n = 0;

	for (; s != NULL && *s != '\0'; s++, n++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	}
	return n >= 1 && n <= 80;
}

/*
 * Checks an offer's bonus and milestones into *bonus and amounts[]:
 * milestones only on a fixed fee, each named and priced, adding up to
 * the fee.
 */
static void
offer_terms_check(const struct offer_input *in, int64_t budget,
    int64_t *bonus, int64_t *amounts, struct form_errors *e)
{
	char a[32], b[32];
	int64_t sum = 0;
	size_t i;

	*bonus = 0;
	if (in->bonus != NULL && *in->bonus != '\0' &&
	    parse_money(in->bonus, bonus) != 0)
		errs_add(e, "bonus", "Bonus must be an amount in pounds and pence, "
		    "such as 250.00");
	if (in->nms == 0)
		return;
	if (in->basis == NULL || strcmp(in->basis, "fixed") != 0) {
		errs_add(e, "milestones", "Only a fixed fee engagement has "
		    "milestones");
		return;
	}
	if (in->nms > MILESTONES_MAX) {
		errs_add(e, "milestones", "Enter %d milestones or fewer",
		    MILESTONES_MAX);
		return;
	}
	for (i = 0; i < in->nms; i++) {
		if (!milestone_name_ok(in->ms_name[i])) {
			errs_add(e, "milestones", "Milestone %zu: enter a name of 1 "
			    "to 80 characters, then its amount", i + 1);
			return;
		}
		if (in->ms_amount[i] == NULL || parse_money(in->ms_amount[i],
		    &amounts[i]) != 0 || amounts[i] == 0) {
			errs_add(e, "milestones", "Milestone %zu (%s): enter its "
			    "amount after its name, in pounds and pence, such as "
			    "2000.00", i + 1, in->ms_name[i]);
			return;
		}
		sum += amounts[i];
	}
	if (budget >= 0 && sum != budget) {
		html_pence(a, sizeof a, sum);
		html_pence(b, sizeof b, budget);
		errs_add(e, "milestones", "The milestones add up to %s; they must "
		    "add up to the fixed fee, %s", a, b);
	}
}

/* Saves an offer's milestones, in order. */
static int
offer_milestones_save(struct ep_db *db, int64_t offer,
    const struct offer_input *in, const int64_t *amounts)
{
	sqlite3_stmt *s = db_stmt(db, "INSERT INTO milestones (offer_id, "
	    "position, name, amount_pence) VALUES (?, ?, ?, ?)");
	size_t i;
	int rc = 0;

	if (s == NULL)
		return -1;
	for (i = 0; i < in->nms && rc == 0; i++) {
		sqlite3_bind_int64(s, 1, offer);
		sqlite3_bind_int64(s, 2, (int64_t)i + 1);
		sqlite3_bind_text(s, 3, in->ms_name[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, amounts[i]);
		if (sqlite3_step(s) != SQLITE_DONE)
			rc = -1;
		sqlite3_reset(s);
	}
	return rc;
}

/* audit_json_id unless an earlier step failed (*rc != 0); takes summary. */
static void
audit_simple(struct ep_db *db, const struct audit_actor *actor,
    const char *action, const char *entity, int64_t id, int64_t org,
    json_t *summary, int *rc)
{
	if (*rc != 0) {
		json_decref(summary);
		return;
	}
	if (audit_json_id(db, actor, action, entity, id, org, summary) != 0)
		*rc = -1;
}

/* The person behind an expert record, or 0 when none is linked. */
static int64_t
expert_person(struct ep_db *db, int64_t expert_id, int64_t *provider,
    char *name, size_t len)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT coalesce(person_id, 0), org_id, "
	    "name FROM experts WHERE id = ? AND active = 1");
	int64_t person = -1;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, expert_id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		person = sqlite3_column_int64(s, 0);
		*provider = sqlite3_column_int64(s, 1);
		snprintf(name, len, "%s", sqlite3_column_text(s, 2));
	}
	sqlite3_reset(s);
	return person;
}

/*
 * Offers a request to an expert: the request must be submitted or already
 * offered, the expert active and not yet offered it. The expert is told.
 */
int
offer_make(struct ep_db *db, const struct principal *who, int64_t request_id,
    const struct offer_input *in, struct form_errors *e, int64_t *id)
{
	char state[16], name[128], note[512], err[160], *title;
	int64_t provider = 0, person = 0, expert = 0, budget = -1, bonus = 0;
	int64_t amounts[MILESTONES_MAX];
	struct audit_actor actor;
	sqlite3_stmt *s;
	int rc = 0;

	if (request_state(db, request_id, state, sizeof state) != 0) {
		errs_add(e, "request", "There is no such request");
		return -1;
	}
	if (strcmp(state, "submitted") != 0 && strcmp(state, "offered") != 0)
		errs_add(e, "expert", "A %s request cannot be offered", state);
	if (in->expert == NULL || parse_int64(in->expert, 1, INT64_MAX,
	    &expert) != 0 || (person = expert_person(db, expert, &provider, name,
	    sizeof name)) < 0)
		errs_add(e, "expert", "Choose an expert from the ranked list");
	if (!basis_ok(in->basis))
		errs_add(e, "basis", "Choose the basis: hourly, daily, fixed fee "
		    "or capped");
	if (in->budget != NULL && *in->budget != '\0' &&
	    parse_money(in->budget, &budget) != 0)
		errs_add(e, "budget", "Budget must be an amount in pounds and pence, "
		    "such as 2500.00");
	if (in->basis != NULL && (strcmp(in->basis, "fixed") == 0 ||
	    strcmp(in->basis, "capped") == 0) && budget < 0 && e->n == 0)
		errs_add(e, "budget", "A %s engagement needs a budget",
		    strcmp(in->basis, "fixed") == 0 ? "fixed fee" : "capped");
	offer_terms_check(in, budget, &bonus, amounts, e);
	if (e->n > 0)
		return -1;
	audit_actor_of(&actor, who);
	if (db_begin(db) != 0)
		goto fail;
	s = db_stmt(db, "INSERT INTO offers (request_id, expert_id, provider_id, "
	    "offered_by, basis, budget_pence, rank_note, bonus_pence) VALUES (?, "
	    "?, ?, ?, ?, ?, ?, ?)");
	if (s == NULL)
		goto rollback;
	sqlite3_bind_int64(s, 1, request_id);
	sqlite3_bind_int64(s, 2, expert);
	sqlite3_bind_int64(s, 3, provider);
	sqlite3_bind_int64(s, 4, who->person_id);
	sqlite3_bind_text(s, 5, in->basis, -1, SQLITE_STATIC);
	if (budget >= 0)
		sqlite3_bind_int64(s, 6, budget);
	sqlite3_bind_text(s, 7, in->note ? in->note : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 8, bonus);
	if (sqlite3_step(s) != SQLITE_DONE) {
		int dup = sqlite3_extended_errcode(db->sql) ==
		    SQLITE_CONSTRAINT_UNIQUE;

		sqlite3_reset(s);
		db_rollback(db);
		errs_add(e, "expert", dup ? "%s has already been offered this "
		    "request" : "The offer could not be saved", name);
		return -1;
	}
	sqlite3_reset(s);
	*id = sqlite3_last_insert_rowid(db->sql);
	if (offer_milestones_save(db, *id, in, amounts) != 0)
		goto rollback;
	if (request_transition(db, &actor, request_id, "offered", name, err,
	    sizeof err) != 0) {
		db_rollback(db);
		errs_add(e, "expert", "%s", err);
		return -1;
	}
	{
		json_t *sum = json_pack("{s:{s:s,s:s,s:I,s:I}}", "after", "state",
		    "open", "basis", in->basis, "bonus_pence", (json_int_t)bonus,
		    "milestones", (json_int_t)in->nms);

		audit_simple(db, &actor, "create", "offer", *id, provider, sum,
		    &rc);
	}
	title = outbox_request_title(db, request_id);
	snprintf(note, sizeof note, "You have been offered the request \"%s\"."
	    "\n\nWhat to do: on your offers page, accept it, or decline it "
	    "with a reason so that the pool can offer it to someone else.",
	    title);
	free(title);
	if (rc == 0 && person > 0 &&
	    outbox_queue_person(db, person, "A request has been offered to you",
	    note, "/offers") != 0)
		rc = -1;
	if (rc != 0 || db_commit(db) != 0)
		goto rollback;
	request_fire(request_id, "request.offered");
	return 0;
rollback:
	db_rollback(db);
fail:
	errs_add(e, "expert", "The offer could not be saved: %s", db_errmsg(db));
	return -1;
}

struct offer_row {
	int64_t request, expert, provider, consumer, requester, person;
	int64_t budget, minutes;
	char state[16], basis[16], start[11], end[11];
};

static int
offer_load(struct ep_db *db, int64_t id, struct offer_row *o)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT f.request_id, f.expert_id, "
	    "f.provider_id, r.consumer_id, r.requester_id, coalesce(x.person_id, "
	    "0), coalesce(f.budget_pence, -1), r.estimated_minutes, f.state, "
	    "f.basis, r.wanted_start, r.wanted_end FROM offers f JOIN requests r "
	    "ON r.id = f.request_id JOIN experts x ON x.id = f.expert_id WHERE "
	    "f.id = ?");
	int rc = -1;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		o->request = sqlite3_column_int64(s, 0);
		o->expert = sqlite3_column_int64(s, 1);
		o->provider = sqlite3_column_int64(s, 2);
		o->consumer = sqlite3_column_int64(s, 3);
		o->requester = sqlite3_column_int64(s, 4);
		o->person = sqlite3_column_int64(s, 5);
		o->budget = sqlite3_column_int64(s, 6);
		o->minutes = sqlite3_column_int64(s, 7);
		snprintf(o->state, sizeof o->state, "%s", sqlite3_column_text(s, 8));
		snprintf(o->basis, sizeof o->basis, "%s", sqlite3_column_text(s, 9));
		snprintf(o->start, sizeof o->start, "%s", sqlite3_column_text(s, 10));
		snprintf(o->end, sizeof o->end, "%s", sqlite3_column_text(s, 11));
		rc = 0;
	}
	sqlite3_reset(s);
	return rc;
}

/* Only the expert named on an offer may answer it. */
static int
offer_mine(const struct offer_row *o, const struct principal *who)
{
	return o->person > 0 && o->person == who->person_id;
}

static int64_t
offer_agreement(struct ep_db *db, int64_t provider, int64_t consumer,
    const char *date)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT id FROM agreements WHERE "
	    "((provider_id = ?1 AND consumer_id = ?2) OR provider_id IS NULL) AND "
	    "valid_from <= ?3 AND (valid_to IS NULL OR valid_to >= ?3) ORDER BY "
	    "provider_id IS NULL, valid_from DESC LIMIT 1");
	int64_t id = 0;

	if (s == NULL)
		return 0;
	sqlite3_bind_int64(s, 1, provider);
	sqlite3_bind_int64(s, 2, consumer);
	sqlite3_bind_text(s, 3, date, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return id;
}

/*
 * The code the consumer's ledger posts this work to: its local policy's
 * cost_centre mapping of the request's cost centre, or the request's own
 * when the policy has none. A policy that fails is logged and the
 * request's own code stands, as the purchase order rule does.
 */
static void
offer_ledger_code(struct ep_db *db, const struct offer_row *o, char *out,
    size_t len)
{
	struct fee_engine *fe = fee_server();
	struct fee_request fr = { 0 };
	sqlite3_stmt *s = db_stmt(db, "SELECT c.code, p.code, r.area, "
	    "r.cost_centre, r.wanted_start FROM requests r JOIN organisations c "
	    "ON c.id = r.consumer_id JOIN organisations p ON p.id = ?2 WHERE "
	    "r.id = ?1");
	char *err = NULL;

	*out = '\0';
	if (s == NULL)
		return;
	sqlite3_bind_int64(s, 1, o->request);
	sqlite3_bind_int64(s, 2, o->provider);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		return;
	}
	fr.consumer = db_text(s, 0);
	fr.provider = db_text(s, 1);
	fr.area = db_text(s, 2);
	fr.cost_centre = db_text(s, 3);
	fr.date = db_text(s, 4);
	fr.minutes = o->minutes;
	fr.estimate = o->budget > 0 ? o->budget : 0;
	snprintf(out, len, "%s", fr.cost_centre);
	if (fe != NULL && fee_policy_cost_centre(fe, fr.consumer, &fr, out, len,
	    &err) != FEE_OK) {
		log_warn("offer: %s's cost centre rule failed: %s", fr.consumer,
		    err ? err : "?");
		snprintf(out, len, "%s", db_text(s, 3));
	}
	sqlite3_reset(s);
	free(err);
}

/*
 * The expert accepts: the offer becomes an engagement (basis, budget, the
 * wanted dates, the agreement between the two organisations), other open
 * offers lapse and the request is engaged. All in one transaction.
 */
int
offer_accept(struct ep_db *db, const struct principal *who, int64_t offer_id,
    int64_t *engagement_id, char *err, size_t errlen)
{
	struct offer_row o;
	struct audit_actor actor;
	sqlite3_stmt *s;
	int64_t agreement;
	char ledger[65];
	char link[40], *title, *note;
	int rc = 0;

	if (offer_load(db, offer_id, &o) != 0 || !offer_mine(&o, who)) {
		snprintf(err, errlen, "there is no such offer for you");
		return -1;
	}
	if (strcmp(o.state, "open") != 0) {
		snprintf(err, errlen, "this offer is %s, not open", o.state);
		return -1;
	}
	audit_actor_of(&actor, who);
	agreement = offer_agreement(db, o.provider, o.consumer, o.start);
	offer_ledger_code(db, &o, ledger, sizeof ledger);
	if (db_begin(db) != 0)
		goto store;
	s = db_stmt(db, "UPDATE offers SET state = CASE WHEN id = ?1 THEN "
	    "'accepted' ELSE 'lapsed' END, decided_at = strftime("
	    "'%Y-%m-%dT%H:%M:%SZ', 'now') WHERE request_id = ?2 AND state = 'open'");
	sqlite3_bind_int64(s, 1, offer_id);
	sqlite3_bind_int64(s, 2, o.request);
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = -1;
	sqlite3_reset(s);
	s = db_stmt(db, "INSERT INTO engagements (request_id, offer_id, "
	    "expert_id, provider_id, consumer_id, agreement_id, basis, "
	    "budget_pence, starts, ends, committed_minutes, bonus_pence, "
	    "ledger_code) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, bonus_pence, "
	    "?12 FROM offers WHERE id = ?2");
	if (rc == 0 && s != NULL) {
		sqlite3_bind_int64(s, 1, o.request);
		sqlite3_bind_int64(s, 2, offer_id);
		sqlite3_bind_int64(s, 3, o.expert);
		sqlite3_bind_int64(s, 4, o.provider);
		sqlite3_bind_int64(s, 5, o.consumer);
		if (agreement > 0)
			sqlite3_bind_int64(s, 6, agreement);
		sqlite3_bind_text(s, 7, o.basis, -1, SQLITE_STATIC);
		if (o.budget >= 0)
			sqlite3_bind_int64(s, 8, o.budget);
		sqlite3_bind_text(s, 9, o.start, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 10, o.end, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 11, o.minutes);
		sqlite3_bind_text(s, 12, ledger, -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE)
			rc = -1;
		sqlite3_reset(s);
		*engagement_id = sqlite3_last_insert_rowid(db->sql);
	}
	if (rc == 0 && request_transition(db, &actor, o.request, "engaged",
	    "offer accepted", err, errlen) != 0) {
		db_rollback(db);
		return -1;
	}
	audit_simple(db, &actor, "accept", "offer", offer_id, o.provider,
	    json_pack("{s:{s:s},s:{s:s}}", "before", "state", "open", "after",
	    "state", "accepted"), &rc);
	audit_simple(db, &actor, "create", "engagement", *engagement_id,
	    o.consumer, json_pack("{s:{s:s}}", "after", "state", "active"), &rc);
	snprintf(link, sizeof link, "/requests/%lld", (long long)o.request);
	title = outbox_request_title(db, o.request);
	note = xprintf("An expert has accepted your request \"%s\" and can "
	    "start work.\n\nThere is nothing you need to do now: the request's "
	    "page shows the engagement, and the hours logged on it come to your "
	    "council's approvers.", title);
	if (rc == 0 && outbox_queue_person(db, o.requester, "Your request is "
	    "engaged", note, link) != 0)
		rc = -1;
	free(title);
	free(note);
	if (rc != 0 || db_commit(db) != 0) {
		db_rollback(db);
		goto store;
	}
	request_fire(o.request, "request.engaged");
	return 0;
store:
	snprintf(err, errlen, "the store failed: %s", db_errmsg(db));
	return -1;
}

/* Tells the requester an expert declined, with the reason, and whether
 * the request has gone back to the pool manager for another expert. */
static int
offer_tell_declined(struct ep_db *db, const struct offer_row *o,
    const char *reason, int open)
{
	char *title, *body, link[40];
	int rc;

	title = outbox_request_title(db, o->request);
	body = xprintf("An expert has declined your request \"%s\".\n\nTheir "
	    "reason: %s\n\n%s", title, reason, open > 0 ?
	    "Other experts still have the offer." : "The pool manager will "
	    "offer it to another expert. You need not do anything now.");
	snprintf(link, sizeof link, "/requests/%lld", (long long)o->request);
	rc = outbox_queue_person(db, o->requester, "An expert declined your "
	    "request", body, link);
	free(title);
	free(body);
	return rc;
}

/* The expert declines, with a reason. With no open offer left, the request
 * goes back to the queue. */
int
offer_decline(struct ep_db *db, const struct principal *who, int64_t offer_id,
    const char *reason, struct form_errors *e)
{
	struct offer_row o;
	struct audit_actor actor;
	sqlite3_stmt *s;
	json_t *sum;
	char *what, err[160];
	int open = 0, rc = 0;

	if (offer_load(db, offer_id, &o) != 0 || !offer_mine(&o, who)) {
		errs_add(e, "reason", "There is no such offer for you");
		return -1;
	}
	if (strcmp(o.state, "open") != 0)
		errs_add(e, "reason", "This offer is %s, not open", o.state);
	if (reason == NULL || *reason == '\0')
		errs_add(e, "reason", "Enter why you are declining");
	else if (strlen(reason) > 500)
		errs_add(e, "reason", "Reason must be 500 characters or fewer");
	if (e->n > 0)
		return -1;
	audit_actor_of(&actor, who);
	if (db_begin(db) != 0)
		goto store;
	s = db_stmt(db, "UPDATE offers SET state = 'declined', decline_reason = ?, "
	    "decided_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?");
	sqlite3_bind_text(s, 1, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, offer_id);
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = -1;
	sqlite3_reset(s);
	s = db_stmt(db, "SELECT count(*) FROM offers WHERE request_id = ? AND "
	    "state = 'open'");
	sqlite3_bind_int64(s, 1, o.request);
	if (sqlite3_step(s) == SQLITE_ROW)
		open = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	if (rc == 0 && open == 0 && request_transition(db, &actor, o.request,
	    "submitted", "every offer declined", err, sizeof err) != 0)
		rc = -1;
	sum = json_pack("{s:{s:s},s:{s:s},s:s}", "before", "state", "open",
	    "after", "state", "declined", "reason", reason);
	audit_simple(db, &actor, "decline", "offer", offer_id, o.provider, sum,
	    &rc);
	what = xprintf("The expert's reason: %s\n\n%s", reason, open > 0 ?
	    "Other experts still have the offer: there is nothing to do yet." :
	    "What to do: no expert has the offer now. Open the request and "
	    "offer it to another expert.");
	if (rc == 0 && outbox_notify_role(db, EP_ROLE_POOL_MANAGER, 0,
	    "An offer was declined", what, o.request) != 0)
		rc = -1;
	free(what);
	if (rc == 0 && offer_tell_declined(db, &o, reason, open) != 0)
		rc = -1;
	if (rc != 0 || db_commit(db) != 0) {
		db_rollback(db);
		goto store;
	}
	request_fire(o.request, open == 0 ? "request.submitted" :
	    "request.offer-declined");
	return 0;
store:
	errs_add(e, "reason", "The answer could not be saved: %s", db_errmsg(db));
	return -1;
}

/*
 * Marks done, today, the milestones of the request's active engagement
 * that are not done yet: n of them, or only number when it is not 0
 * (then exactly that one must be outstanding). Each is audited.
 */
static int
milestones_mark(struct ep_db *db, const struct audit_actor *actor,
    int64_t request_id, int64_t number, int *n)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT m.id, m.name, e.consumer_id "
	    "FROM milestones m JOIN engagements e ON e.offer_id = "
	    "m.offer_id WHERE e.request_id = ?1 AND e.state = 'active' AND "
	    "m.done IS NULL AND (?2 = 0 OR m.position = ?2) ORDER BY m.position");
	sqlite3_stmt *u = db_stmt(db, "UPDATE milestones SET done = ?, done_by = "
	    "?, done_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?");
	int64_t ids[MILESTONES_MAX], org = 0;
	char today[11];
	json_t *sum;
	int i, k = 0, rc = 0;

	*n = 0;
	london_today(today);
	if (s == NULL || u == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, request_id);
	sqlite3_bind_int64(s, 2, number);
	while (sqlite3_step(s) == SQLITE_ROW && k < MILESTONES_MAX) {
		ids[k++] = sqlite3_column_int64(s, 0);
		org = sqlite3_column_int64(s, 2);
	}
	sqlite3_reset(s);
	for (i = 0; i < k && rc == 0; i++) {
		sqlite3_bind_text(u, 1, today, -1, SQLITE_STATIC);
		if (actor->id > 0)
			sqlite3_bind_int64(u, 2, actor->id);
		else
			sqlite3_bind_null(u, 2);
		sqlite3_bind_int64(u, 3, ids[i]);
		if (sqlite3_step(u) != SQLITE_DONE)
			rc = -1;
		sqlite3_reset(u);
		sum = json_pack("{s:{s:n},s:{s:s}}", "before", "done", "after",
		    "done", today);
		audit_simple(db, actor, "done", "milestone", ids[i], org, sum, &rc);
	}
	*n = k;
	return rc;
}

/* On completion every milestone still outstanding is done that day. */
static int
milestones_complete(struct ep_db *db, const struct audit_actor *actor,
    int64_t request_id)
{
	int n;

	return milestones_mark(db, actor, request_id, 0, &n);
}

/*
 * The consumer says milestone number (1, 2, ...) of the request's
 * engagement is done: it is billed in this month's invoice run.
 */
int
milestone_done(struct ep_db *db, const struct principal *who,
    int64_t request_id, const char *number, char *err, size_t errlen)
{
	struct audit_actor actor;
	int64_t pos = 0;
	int n;

	if (number == NULL || parse_int64(number, 1, MILESTONES_MAX, &pos) != 0) {
		snprintf(err, errlen, "milestone: choose a milestone by its number");
		return -1;
	}
	audit_actor_of(&actor, who);
	if (db_begin(db) != 0)
		goto store;
	if (milestones_mark(db, &actor, request_id, pos, &n) != 0) {
		db_rollback(db);
		goto store;
	}
	if (n == 0) {
		db_rollback(db);
		snprintf(err, errlen, "milestone %lld is not an outstanding "
		    "milestone of an active engagement", (long long)pos);
		return -1;
	}
	if (db_commit(db) != 0) {
		db_rollback(db);
		goto store;
	}
	request_fire(request_id, "request.milestone-done");
	return 0;
store:
	snprintf(err, errlen, "the store failed: %s", db_errmsg(db));
	return -1;
}

/* A request moved by its requester or the pool: withdrawn, or its
 * engagement completed. Open offers are withdrawn with the request. */
int
request_finish(struct ep_db *db, const struct principal *who,
    int64_t request_id, const char *to, char *err, size_t errlen)
{
	struct audit_actor actor;
	sqlite3_stmt *s;
	int rc = 0;

	audit_actor_of(&actor, who);
	if (db_begin(db) != 0)
		goto store;
	if (request_transition(db, &actor, request_id, to, NULL, err,
	    errlen) != 0) {
		db_rollback(db);
		return -1;
	}
	if (strcmp(to, "completed") == 0 &&
	    milestones_complete(db, &actor, request_id) != 0) {
		db_rollback(db);
		goto store;
	}
	if (strcmp(to, "withdrawn") == 0 || strcmp(to, "cancelled") == 0)
		s = db_stmt(db, "UPDATE offers SET state = 'withdrawn', decided_at = "
		    "strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE request_id = ? AND "
		    "state = 'open'");
	else
		s = db_stmt(db, "UPDATE engagements SET state = 'completed', "
		    "completed_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE "
		    "request_id = ? AND state = 'active'");
	sqlite3_bind_int64(s, 1, request_id);
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = -1;
	sqlite3_reset(s);
	if (rc == 0 && strcmp(to, "completed") == 0 &&
	    outbox_notify_role(db, EP_ROLE_FINANCE, 0, "An engagement is "
	    "complete", "Its approved hours are invoiced in the next monthly "
	    "invoice run. There is nothing to do now.", request_id) != 0)
		rc = -1;
	if (rc != 0 || db_commit(db) != 0) {
		db_rollback(db);
		goto store;
	}
	{
		char event[40];

		snprintf(event, sizeof event, "request.%s", to);
		request_fire(request_id, event);
	}
	return 0;
store:
	snprintf(err, errlen, "the store failed: %s", db_errmsg(db));
	return -1;
}
