/* request.c: requests for expert time: validation, creation, their states. */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

const char *const request_urgencies[][2] = {
	{ "routine", "Routine: within a month" },
	{ "soon", "Soon: within two weeks" },
	{ "urgent", "Urgent: this week" },
	{ NULL, NULL },
};

/*
 * The one table of allowed request transitions. Everything that changes a
 * request's state goes through request_transition, which consults it.
 */
static const struct {
	const char *from;
	const char *to;
} request_moves[] = {
	{ "draft", "submitted" },
	{ "draft", "withdrawn" },
	{ "submitted", "offered" },
	{ "submitted", "withdrawn" },
	{ "submitted", "declined" },
	{ "submitted", "cancelled" },
	{ "offered", "offered" },
	{ "offered", "engaged" },
	{ "offered", "submitted" },
	{ "offered", "withdrawn" },
	{ "offered", "cancelled" },
	{ "engaged", "completed" },
	{ "engaged", "cancelled" },
	{ "completed", "closed" },
};

int
request_move_allowed(const char *from, const char *to)
{
	size_t i;

	for (i = 0; i < nitems(request_moves); i++) {
		if (strcmp(request_moves[i].from, from) == 0 &&
		    strcmp(request_moves[i].to, to) == 0)
			return 1;
	}
	return 0;
}

static int
choice_ok(const char *const options[][2], const char *v)
{
	size_t i;

	for (i = 0; v != NULL && options[i][0] != NULL; i++) {
		if (strcmp(options[i][0], v) == 0)
			return 1;
	}
	return 0;
}

/*
 * Must this request carry a purchase order? The council's local policy
 * decides from the request and its estimate (the top of its range) when it
 * has a po_required rule; otherwise the organisation's setting stands. A
 * policy that fails is logged and the setting stands.
 */
static int
request_po_needed(struct ep_db *db, const struct request_input *in,
    int64_t consumer_id, int64_t minutes)
{
	struct fee_engine *fe = fee_server();
	struct fee_request fr = { 0 };
	sqlite3_stmt *s;
	char code[16] = "", ruleset[80];
	int64_t low = 0, high = 0;
	int yes = request_po_required(db, consumer_id);
	char *err = NULL;

	if (fe == NULL || (s = db_stmt(db, "SELECT code FROM organisations "
	    "WHERE id = ?")) == NULL)
		return yes;
	sqlite3_bind_int64(s, 1, consumer_id);
	if (sqlite3_step(s) == SQLITE_ROW)
		snprintf(code, sizeof code, "%s", sqlite3_column_text(s, 0));
	sqlite3_reset(s);
	request_estimate(db, consumer_id, in->area, minutes, in->wanted_start,
	    &low, &high, ruleset, sizeof ruleset);
	fr.consumer = code;
	fr.area = in->area;
	fr.cost_centre = in->cost_centre ? in->cost_centre : "";
	fr.date = in->wanted_start;
	fr.minutes = minutes;
	fr.estimate = high;
	switch (fee_policy_po_required(fe, code, &fr, &yes, &err)) {
	case FEE_OK:
	case FEE_E_NOTFOUND:
		break;
	default:
		log_warn("request: %s's purchase order rule failed: %s", code,
		    err ? err : "?");
		yes = request_po_required(db, consumer_id);
	}
	free(err);
	return yes;
}

/* Checks every field of a request; fills the cleaned values into out. */
void
request_validate(struct ep_db *db, const struct request_input *in,
    int64_t consumer_id, struct request_clean *out, struct form_errors *e)
{
	memset(out, 0, sizeof *out);
	out->budget = -1;
	if (!choice_ok(skill_areas, in->area))
		errs_add(e, "area", "Choose the skill area you need");
	if (in->speciality != NULL && strlen(in->speciality) > 60)
		errs_add(e, "speciality", "Speciality must be 60 characters or fewer");
	if (in->title == NULL || *in->title == '\0')
		errs_add(e, "title", "Enter a title for the request");
	else if (strlen(in->title) > 200)
		errs_add(e, "title", "Title must be 200 characters or fewer");
	if (in->description != NULL && strlen(in->description) > 5000)
		errs_add(e, "description", "Description must be 5000 characters or "
		    "fewer");
	if (!choice_ok(request_urgencies, in->urgency))
		errs_add(e, "urgency", "Choose how urgent the request is");
	if (in->wanted_start == NULL || *in->wanted_start == '\0')
		errs_add(e, "wanted_start", "Enter the date you want the work to "
		    "start");
	else if (!units_date_ok(in->wanted_start))
		errs_add(e, "wanted_start", "Start date must be a real date, as "
		    "YYYY-MM-DD");
	if (in->wanted_end == NULL || *in->wanted_end == '\0')
		errs_add(e, "wanted_end", "Enter the date the work must end by");
	else if (!units_date_ok(in->wanted_end))
		errs_add(e, "wanted_end", "End date must be a real date, as "
		    "YYYY-MM-DD");
	else if (units_date_ok(in->wanted_start) &&
	    strcmp(in->wanted_end, in->wanted_start) < 0)
		errs_add(e, "wanted_end", "End date must be on or after the start "
		    "date");
	if (in->estimated_hours == NULL || *in->estimated_hours == '\0')
		errs_add(e, "estimated_hours", "Enter the hours you expect the work "
		    "to take");
	else if (units_hours_parse(in->estimated_hours, &out->minutes) != 0 ||
	    out->minutes <= 0 || out->minutes > 2000 * 60)
		errs_add(e, "estimated_hours", "Estimated hours must be a number of "
		    "hours from 0.1 to 2000, such as 12 or 7.5");
	if (in->budget != NULL && *in->budget != '\0' &&
	    units_money_parse(in->budget, &out->budget) != 0)
		errs_add(e, "budget", "Budget cap must be an amount in pounds and "
		    "pence, such as 2500.00");
	if (in->cost_centre != NULL && strlen(in->cost_centre) > 40)
		errs_add(e, "cost_centre", "Cost centre must be 40 characters or "
		    "fewer");
	if (in->po_reference != NULL && strlen(in->po_reference) > 60)
		errs_add(e, "po_reference", "Purchase order must be 60 characters "
		    "or fewer");
	else if ((in->po_reference == NULL || *in->po_reference == '\0') &&
	    e->n == 0 && request_po_needed(db, in, consumer_id, out->minutes))
		errs_add(e, "po_reference", "Enter the purchase order or buyer "
		    "reference: your council requires one for this request");
	if (in->preferred_expert != NULL && *in->preferred_expert != '\0') {
		sqlite3_stmt *s = db_stmt(db,
		    "SELECT id FROM experts WHERE id = ? AND active = 1");

		if (parse_int64(in->preferred_expert, 1, INT64_MAX,
		    &out->preferred) != 0 || s == NULL)
			out->preferred = 0;
		else {
			sqlite3_bind_int64(s, 1, out->preferred);
			if (sqlite3_step(s) != SQLITE_ROW)
				out->preferred = 0;
			sqlite3_reset(s);
		}
		if (out->preferred == 0)
			errs_add(e, "preferred_expert", "Choose an expert from the "
			    "directory, or none");
	}
}

int
request_po_required(struct ep_db *db, int64_t org_id)
{
	sqlite3_stmt *s = db_stmt(db,
	    "SELECT po_required FROM organisations WHERE id = ?");
	int yes = 0;

	if (s == NULL)
		return 0;
	sqlite3_bind_int64(s, 1, org_id);
	if (sqlite3_step(s) == SQLITE_ROW)
		yes = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	return yes;
}

static void
bind_text_or_empty(sqlite3_stmt *s, int i, const char *v)
{
	sqlite3_bind_text(s, i, v ? v : "", -1, SQLITE_STATIC);
}

/*
 * Creates a submitted request. The form's key makes a double submission
 * find the first request instead of making a second (*existing 1); the
 * same request sent again within a day finds it too (*existing 2). One
 * function because it is one transaction: check, find a repeat, insert,
 * audit, tell the pool.
 */
int
request_create(struct ep_db *db, const struct principal *who,
    const struct request_input *in, struct form_errors *e, int64_t *id,
    int *existing)
{
	struct request_clean c;
	struct audit_actor actor;
	sqlite3_stmt *s;
	json_t *sum;

	*existing = 0;
	if (in->idem_key != NULL && *in->idem_key != '\0') {
		s = db_stmt(db, "SELECT id FROM requests WHERE idem_key = ? AND "
		    "requester_id = ?");
		sqlite3_bind_text(s, 1, in->idem_key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, who->person_id);
		if (sqlite3_step(s) == SQLITE_ROW) {
			*id = sqlite3_column_int64(s, 0);
			*existing = 1;
		}
		sqlite3_reset(s);
		if (*existing)
			return 0;
	}
	request_validate(db, in, who->org_id, &c, e);
	if (e->n > 0)
		return -1;
	/* The same request again from the same person within a day, still
	 * open: the form sent a second time after going back to it (its
	 * page is not cached, so it came with a new key). */
	s = !in->once_a_day ? NULL : db_stmt(db, "SELECT id FROM requests "
	    "WHERE requester_id = ?1 AND title = ?2 AND area = ?3 AND description = ?4 AND wanted_start = "
	    "?5 AND wanted_end = ?6 AND estimated_minutes = ?7 AND state NOT IN "
	    "('withdrawn', 'closed') AND submitted_at >= strftime("
	    "'%Y-%m-%dT%H:%M:%SZ', 'now', '-1 day') ORDER BY id LIMIT 1");
	if (s != NULL) {
		sqlite3_bind_int64(s, 1, who->person_id);
		bind_text_or_empty(s, 2, in->title);
		bind_text_or_empty(s, 3, in->area);
		bind_text_or_empty(s, 4, in->description);
		bind_text_or_empty(s, 5, in->wanted_start);
		bind_text_or_empty(s, 6, in->wanted_end);
		sqlite3_bind_int64(s, 7, c.minutes);
		if (sqlite3_step(s) == SQLITE_ROW) {
			*id = sqlite3_column_int64(s, 0);
			*existing = 2;
		}
		sqlite3_reset(s);
	}
	if (*existing)
		return 0;
	request_estimate(db, who->org_id, in->area, c.minutes, in->wanted_start,
	    &c.estimate_low, &c.estimate_high, c.ruleset, sizeof c.ruleset);
	if (db_begin(db) != 0)
		goto fail;
	s = db_stmt(db, "INSERT INTO requests (consumer_id, requester_id, area, "
	    "speciality, title, description, urgency, wanted_start, wanted_end, "
	    "estimated_minutes, budget_pence, cost_centre, po_reference, "
	    "preferred_expert_id, state, estimate_pence, estimate_ruleset, "
	    "idem_key, submitted_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?, ?, ?, 'submitted', ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', "
	    "'now'), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))");
	if (s == NULL)
		goto rollback;
	sqlite3_bind_int64(s, 1, who->org_id);
	sqlite3_bind_int64(s, 2, who->person_id);
	bind_text_or_empty(s, 3, in->area);
	bind_text_or_empty(s, 4, in->speciality);
	bind_text_or_empty(s, 5, in->title);
	bind_text_or_empty(s, 6, in->description);
	bind_text_or_empty(s, 7, in->urgency);
	bind_text_or_empty(s, 8, in->wanted_start);
	bind_text_or_empty(s, 9, in->wanted_end);
	sqlite3_bind_int64(s, 10, c.minutes);
	if (c.budget >= 0)
		sqlite3_bind_int64(s, 11, c.budget);
	bind_text_or_empty(s, 12, in->cost_centre);
	bind_text_or_empty(s, 13, in->po_reference);
	if (c.preferred > 0)
		sqlite3_bind_int64(s, 14, c.preferred);
	if (c.estimate_high > 0)
		sqlite3_bind_int64(s, 15, c.estimate_high);
	if (c.ruleset[0] != '\0')
		sqlite3_bind_text(s, 16, c.ruleset, -1, SQLITE_STATIC);
	if (in->idem_key != NULL && *in->idem_key != '\0')
		sqlite3_bind_text(s, 17, in->idem_key, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_reset(s);
		goto rollback;
	}
	sqlite3_reset(s);
	*id = sqlite3_last_insert_rowid(db->sql);
	sum = json_pack("{s:{s:s,s:s,s:s,s:I,s:s}}", "after", "state",
	    "submitted", "area", in->area, "title", in->title, "minutes",
	    (json_int_t)c.minutes, "urgency", in->urgency);
	audit_actor_of(&actor, who);
	if (audit_json_id(db, &actor, "submit", "request", *id, who->org_id,
	    sum) != 0)
		goto rollback;
	if (outbox_notify_role(db, EP_ROLE_POOL_MANAGER, 0, "New request",
	    "What to do: open the request and offer it to an expert.", *id) != 0)
		goto rollback;
	if (db_commit(db) != 0)
		goto rollback;
	request_fire(*id, "request.submitted");
	return 0;
rollback:
	db_rollback(db);
fail:
	errs_add(e, "title", "The request could not be saved: %s", db_errmsg(db));
	return -1;
}

/* Fires a plugin hook for a request event, with a small JSON payload. */
void
request_fire(int64_t id, const char *event)
{
	char json[64];

	snprintf(json, sizeof json, "{\"request\":%lld}", (long long)id);
	hook_fire(event, json);
}

/* The request's state now, into out; -1 if there is no such request. */
int
request_state(struct ep_db *db, int64_t id, char *out, size_t len)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT state FROM requests WHERE id = ?");
	int rc = -1;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		snprintf(out, len, "%s", sqlite3_column_text(s, 0));
		rc = 0;
	}
	sqlite3_reset(s);
	return rc;
}

/*
 * Moves a request to a new state, inside the caller's transaction: checks
 * the move against the one table, records when it happened, audits it.
 * The caller fires the hook after committing (request_fire).
 */
int
request_transition(struct ep_db *db, const struct audit_actor *actor,
    int64_t id, const char *to, const char *reason, char *err, size_t errlen)
{
	char from[16];
	sqlite3_stmt *s;
	json_t *sum;
	int64_t org = 0;
	int rc;

	if (request_state(db, id, from, sizeof from) != 0) {
		snprintf(err, errlen, "there is no request %lld", (long long)id);
		return -1;
	}
	if (!request_move_allowed(from, to)) {
		snprintf(err, errlen, "a %s request cannot become %s", from, to);
		return -1;
	}
	s = db_stmt(db, "UPDATE requests SET state = ?2, updated_at = "
	    "strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), first_offer_at = CASE WHEN "
	    "?2 = 'offered' AND first_offer_at IS NULL THEN strftime("
	    "'%Y-%m-%dT%H:%M:%SZ', 'now') ELSE first_offer_at END, engaged_at = "
	    "CASE WHEN ?2 = 'engaged' THEN strftime('%Y-%m-%dT%H:%M:%SZ', 'now') "
	    "ELSE engaged_at END WHERE id = ?1 RETURNING consumer_id");
	if (s == NULL)
		goto store;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, to, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		org = sqlite3_column_int64(s, 0);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		goto store;
	sum = json_pack("{s:{s:s},s:{s:s},s:s}", "before", "state", from, "after",
	    "state", to, "reason", reason ? reason : "");
	if (audit_json_id(db, actor, strcmp(from, to) == 0 ? "update" : to,
	    "request", id, org, sum) != 0)
		goto store;
	return 0;
store:
	snprintf(err, errlen, "the store failed: %s", db_errmsg(db));
	return -1;
}
