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

static void
audit_simple(struct ep_db *db, const struct audit_actor *actor,
    const char *action, const char *entity, int64_t id, int64_t org,
    const char *summary, int *rc)
{
	char idtext[24];

	snprintf(idtext, sizeof idtext, "%lld", (long long)id);
	if (*rc == 0 && audit_record(db, actor, action, entity, idtext, org,
	    summary) != 0)
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
	char state[16], name[128], note[256], err[160];
	int64_t provider = 0, person = 0, expert = 0, budget = -1;
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
	if (e->n > 0)
		return -1;
	audit_actor_of(&actor, who);
	if (db_begin(db) != 0)
		goto fail;
	s = db_stmt(db, "INSERT INTO offers (request_id, expert_id, provider_id, "
	    "offered_by, basis, budget_pence, rank_note) VALUES (?, ?, ?, ?, ?, ?, "
	    "?)");
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
	if (request_transition(db, &actor, request_id, "offered", name, err,
	    sizeof err) != 0) {
		db_rollback(db);
		errs_add(e, "expert", "%s", err);
		return -1;
	}
	audit_simple(db, &actor, "create", "offer", *id, provider,
	    "{\"after\":{\"state\":\"open\"}}", &rc);
	snprintf(note, sizeof note, "You have been offered request %lld. "
	    "Accept or decline it on your offers page.", (long long)request_id);
	if (rc == 0 && person > 0 &&
	    outbox_notify_person(db, person, "A request has been offered to you",
	    note) != 0)
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
	    "budget_pence, starts, ends, committed_minutes) VALUES (?, ?, ?, ?, ?, "
	    "?, ?, ?, ?, ?, ?)");
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
	    "{\"before\":{\"state\":\"open\"},\"after\":{\"state\":\"accepted\"}}",
	    &rc);
	audit_simple(db, &actor, "create", "engagement", *engagement_id,
	    o.consumer, "{\"after\":{\"state\":\"active\"}}", &rc);
	if (rc == 0 && outbox_notify_person(db, o.requester, "Your request is "
	    "engaged", "An expert has accepted your request. You can follow the "
	    "engagement on the request's page.") != 0)
		rc = -1;
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
	char *text, err[160];
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
	text = json_dumps(sum, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(sum);
	audit_simple(db, &actor, "decline", "offer", offer_id, o.provider, text,
	    &rc);
	free(text);
	if (rc == 0 && outbox_notify_role(db, EP_ROLE_POOL_MANAGER, 0,
	    "An offer was declined", reason, o.request) != 0)
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
	    "complete", "Its hours can be invoiced.", request_id) != 0)
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
