/* entry.c: time entries: durations, the rules on entry, budgets, states. */
#include "timesheet.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *const ts_activities[][2] = {
	{ "advice", "Advice" },
	{ "drafting", "Drafting" },
	{ "meeting", "Meeting" },
	{ "research", "Research" },
	{ "travel", "Travel" },
	{ "court", "Court" },
	{ "other", "Other" },
	{ NULL, NULL },
};

static int
ts_activity_ok(const char *a)
{
	size_t i;

	for (i = 0; a != NULL && ts_activities[i][0] != NULL; i++) {
		if (strcmp(ts_activities[i][0], a) == 0)
			return 1;
	}
	return 0;
}

/*
 * A duration as people type it, in the units grammar ("1:30", "1.5",
 * "90m", "1h30", "1 h 30 m"): zero, or more than a day, is refused.
 */
int
ts_parse_duration(const char *s, int64_t *minutes)
{
	int64_t m;

	if (ts_host->hours_parse(s, &m) != 0 || m <= 0 || m > 1440)
		return -1;
	*minutes = m;
	return 0;
}

/* Today as a council counts it: the date in London, from the host. */
int
ts_today(char out[11])
{
	ts_host->today(out);
	return 0;
}

/* Now as the store's timestamps read: 2026-01-31T09:15:00Z. */
void
ts_now_text(char *out, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	if (strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0 && len > 0)
		out[0] = '\0';
}

static void
ts_copy(char *out, size_t len, const char *in)
{
	snprintf(out, len, "%s", in ? in : "");
}

/* The signed-in person of a request, as the data layer sees them. */
void
ts_actor_of(ep_req *r, struct ts_actor *a)
{
	const struct ep_host *h = ts_host;

	memset(a, 0, sizeof *a);
	a->person = h->req_person(r);
	a->org = h->req_org(r);
	a->roles = h->req_roles(r);
	a->req = r;
	ts_copy(a->login, sizeof a->login, h->req_login(r));
}

/* A person named on the command line: 0, or -1 when there is no such
 * person or they are disabled. */
int
ts_actor_login(ep_db *db, const char *login, struct ts_actor *a)
{
	const struct ep_host *h = ts_host;
	ep_stmt *s = h->db_prepare(db, "SELECT id, org_id, roles FROM people "
	    "WHERE login = ? AND disabled = 0");
	int rc = -1;

	memset(a, 0, sizeof *a);
	if (s == NULL || login == NULL)
		return -1;
	h->stmt_bind_text(s, 1, login);
	if (h->stmt_step(s) == EP_STEP_ROW) {
		a->person = h->stmt_int64(s, 0);
		a->org = h->stmt_int64(s, 1);
		a->roles = (unsigned)h->stmt_int64(s, 2);
		ts_copy(a->login, sizeof a->login, login);
		rc = 0;
	}
	h->stmt_reset(s);
	return rc;
}

/* A person by id, for work done later on their behalf (an import job):
 * 0, or -1 when there is no such person or they are disabled. */
int
ts_actor_person(ep_db *db, int64_t person, struct ts_actor *a)
{
	const struct ep_host *h = ts_host;
	ep_stmt *s = h->db_prepare(db, "SELECT login, org_id, roles FROM people "
	    "WHERE id = ? AND disabled = 0");
	int rc = -1;

	memset(a, 0, sizeof *a);
	if (s == NULL)
		return -1;
	h->stmt_bind_int64(s, 1, person);
	if (h->stmt_step(s) == EP_STEP_ROW) {
		a->person = person;
		a->org = h->stmt_int64(s, 1);
		a->roles = (unsigned)h->stmt_int64(s, 2);
		ts_copy(a->login, sizeof a->login, h->stmt_text(s, 0));
		rc = 0;
	}
	h->stmt_reset(s);
	return rc;
}

/*
 * Appends to the audit chain as the actor. The host knows a request's
 * person; without one (the CLI) the event is the system's, so the summary
 * says on whose behalf: {"by":"login",...}.
 */
int
ts_audit(ep_db *db, const struct ts_actor *a, const char *action,
    const char *entity, const char *entity_id, int64_t org_id,
    const char *summary)
{
	char buf[1024], login[140];
	size_t i, n = 0;

	if (a != NULL && a->req == NULL && a->job && a->person > 0)
		return ts_host->audit_as(db, a->person, action, entity,
		    entity_id, org_id, summary);
	if (a == NULL || a->req != NULL || a->login[0] == '\0' ||
	    summary[0] != '{')
		return ts_host->audit(db, a ? a->req : NULL, action, entity,
		    entity_id, org_id, summary);
	for (i = 0; a->login[i] != '\0' && n + 2 < sizeof login; i++) {
		unsigned char c = (unsigned char)a->login[i];

		if (c == '"' || c == '\\')
			login[n++] = '\\';
		login[n++] = c < 0x20 ? '?' : (char)c;
	}
	login[n] = '\0';
	snprintf(buf, sizeof buf, "{\"by\":\"%s\"%s%s", login,
	    summary[1] == '}' ? "" : ",", summary + 1);
	return ts_host->audit(db, NULL, action, entity, entity_id, org_id, buf);
}

/* Everything the rules need about an engagement: columns 0 to 18. */
#define ENGAGEMENT_COLUMNS "SELECT e.id, e.expert_id, " \
	"coalesce(x.person_id, 0), e.provider_id, e.consumer_id, " \
	"coalesce(e.agreement_id, 0), coalesce(e.budget_pence, -1), " \
	"x.weekly_capacity_minutes, e.starts, e.ends, e.state, e.basis, " \
	"x.grade, c.code, p.code, coalesce(a.ruleset, 'standard'), " \
	"coalesce(a.vat_category, 'S'), r.title, p.calendar"
#define ENGAGEMENT_FROM " FROM engagements e JOIN experts x ON " \
	"x.id = e.expert_id JOIN organisations c ON c.id = e.consumer_id " \
	"JOIN organisations p ON p.id = e.provider_id JOIN requests r ON " \
	"r.id = e.request_id LEFT JOIN agreements a ON a.id = e.agreement_id " \
	"WHERE e.id = ?1"

static void
ts_engagement_fill(ep_stmt *s, struct ts_engagement *e)
{
	const struct ep_host *h = ts_host;

	e->id = h->stmt_int64(s, 0);
	e->expert_id = h->stmt_int64(s, 1);
	e->expert_person = h->stmt_int64(s, 2);
	e->provider_id = h->stmt_int64(s, 3);
	e->consumer_id = h->stmt_int64(s, 4);
	e->agreement_id = h->stmt_int64(s, 5);
	e->budget = h->stmt_int64(s, 6);
	e->weekly_minutes = h->stmt_int64(s, 7);
	ts_copy(e->starts, sizeof e->starts, h->stmt_text(s, 8));
	ts_copy(e->ends, sizeof e->ends, h->stmt_text(s, 9));
	ts_copy(e->state, sizeof e->state, h->stmt_text(s, 10));
	ts_copy(e->basis, sizeof e->basis, h->stmt_text(s, 11));
	ts_copy(e->grade, sizeof e->grade, h->stmt_text(s, 12));
	ts_copy(e->consumer, sizeof e->consumer, h->stmt_text(s, 13));
	ts_copy(e->provider, sizeof e->provider, h->stmt_text(s, 14));
	ts_copy(e->ruleset, sizeof e->ruleset, h->stmt_text(s, 15));
	e->vat = h->stmt_text(s, 16)[0];
	ts_copy(e->title, sizeof e->title, h->stmt_text(s, 17));
	e->calendar = h->calendar_code(h->stmt_text(s, 18));
}

/* Everything the rules need about an engagement, in one read. */
int
ts_engagement_load(ep_db *db, int64_t id, struct ts_engagement *e)
{
	const struct ep_host *h = ts_host;
	ep_stmt *s = h->db_prepare(db, ENGAGEMENT_COLUMNS ENGAGEMENT_FROM);
	int rc = -1;

	if (s == NULL)
		return -1;
	h->stmt_bind_int64(s, 1, id);
	if (h->stmt_step(s) == EP_STEP_ROW) {
		ts_engagement_fill(s, e);
		rc = 0;
	}
	h->stmt_reset(s);
	return rc;
}

/*
 * The engagement, and in the same read the minutes its expert has on a
 * day across all their engagements, but one entry (the one being
 * changed): what saving an entry needs, in one statement.
 */
static int
ts_engagement_day(ep_db *db, int64_t id, const char *date, int64_t except,
    struct ts_engagement *e, int64_t *day_minutes)
{
	const struct ep_host *h = ts_host;
	ep_stmt *s = h->db_prepare(db, ENGAGEMENT_COLUMNS ", (SELECT "
	    "coalesce(sum(t.minutes), 0) FROM time_entries t JOIN engagements "
	    "d ON d.id = t.engagement_id WHERE d.expert_id = e.expert_id AND "
	    "t.entry_date = ?2 AND t.id != ?3)" ENGAGEMENT_FROM);
	int rc = -1;

	if (s == NULL)
		return -1;
	h->stmt_bind_int64(s, 1, id);
	if (date != NULL)
		h->stmt_bind_text(s, 2, date);
	else
		h->stmt_bind_null(s, 2);
	h->stmt_bind_int64(s, 3, except);
	if (h->stmt_step(s) == EP_STEP_ROW) {
		ts_engagement_fill(s, e);
		*day_minutes = h->stmt_int64(s, 19);
		rc = 0;
	}
	h->stmt_reset(s);
	return rc;
}

/* Pence charged so far on an engagement, as priced when each was saved. */
int64_t
ts_budget_used(ep_db *db, int64_t engagement)
{
	const struct ep_host *h = ts_host;
	ep_stmt *s = h->db_prepare(db, "SELECT coalesce(sum(priced_pence), 0) "
	    "FROM time_entries WHERE engagement_id = ? AND billable = 1");
	int64_t v = 0;

	h->stmt_bind_int64(s, 1, engagement);
	if (h->stmt_step(s) == EP_STEP_ROW)
		v = h->stmt_int64(s, 0);
	h->stmt_reset(s);
	return v;
}

/* The budget plus approved variations; -1 when there is no budget. */
int64_t
ts_budget_allowed(ep_db *db, const struct ts_engagement *e)
{
	const struct ep_host *h = ts_host;
	ep_stmt *s;
	int64_t extra = 0;

	if (e->budget < 0)
		return -1;
	s = h->db_prepare(db, "SELECT coalesce(sum(extra_pence), 0) FROM "
	    "budget_variations WHERE engagement_id = ?");
	h->stmt_bind_int64(s, 1, e->id);
	if (h->stmt_step(s) == EP_STEP_ROW)
		extra = h->stmt_int64(s, 0);
	h->stmt_reset(s);
	return e->budget + extra;
}

static void
ts_err(ep_errors *e, const char *prefix, const char *field, const char *fmt,
    ...) EP_PRINTF(4, 5);

/* Adds an error under "prefix" (a grid cell) or the plain field name. */
static void
ts_err(ep_errors *e, const char *prefix, const char *field, const char *fmt,
    ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	ts_host->errors_add(e, prefix ? prefix : field, msg);
}

/* What the fee rules see of one entry on an engagement. */
static struct ep_fee_entry
ts_fee_entry(const struct ts_engagement *g, const char *date, int64_t minutes,
    const char *activity, int ooh)
{
	struct ep_fee_entry fe = {
		.size = sizeof(struct ep_fee_entry), .minutes = minutes, .date = date, .activity = activity,
		.out_of_hours = ooh, .grade = g->grade, .basis = g->basis,
		.consumer = g->consumer, .provider = g->provider,
		.agreement = g->agreement_id, .vat = g->vat,
		.calendar = g->calendar,
	};

	return fe;
}

/* Prices one entry with the engagement's rule set: with the server's
 * engine on the event loop, or a job's own (f). */
static int
ts_price(ep_fees *f, const struct ts_engagement *g, const char *date,
    int64_t minutes, const char *activity, int ooh, struct ep_fee_result *out)
{
	struct ep_fee_entry fe = ts_fee_entry(g, date, minutes, activity, ooh);

	out->size = sizeof *out;
	if (f != NULL)
		return ts_host->fees_price(f, g->ruleset, NULL, &fe, out);
	return ts_host->fee_price(g->ruleset, &fe, out);
}

/* "date, row" for a message about a cell, made only when one is needed. */
static const char *
ts_when(char *buf, size_t len, const char *date, const char *row)
{
	snprintf(buf, len, "%s, %s", date ? date : "?", row);
	return buf;
}
#define TS_WHEN ts_when(when, sizeof when, in->date, row)

/* The minutes an expert has logged on a day across their engagements. */
int64_t
ts_day_minutes(ep_db *db, int64_t expert_id, const char *date)
{
	const struct ep_host *h = ts_host;
	ep_stmt *s = h->db_prepare(db, "SELECT coalesce(sum(t.minutes), 0) "
	    "FROM engagements d JOIN time_entries t ON t.engagement_id = d.id "
	    "WHERE d.expert_id = ?1 AND t.entry_date = ?2");
	int64_t v = 0;

	h->stmt_bind_int64(s, 1, expert_id);
	h->stmt_bind_text(s, 2, date);
	if (h->stmt_step(s) == EP_STEP_ROW)
		v = h->stmt_int64(s, 0);
	h->stmt_reset(s);
	return v;
}

/* What the rules read for one entry, from the store; entry_id is the entry
 * being changed (0 for a new one), left out of the day and the budget. */
static void
ts_entry_context(ep_db *db, int64_t entry_id, const struct ts_entry_in *in,
    struct ts_context *c)
{
	const struct ep_host *h = ts_host;
	ep_stmt *s;

	memset(c, 0, sizeof *c);
	c->found = ts_engagement_day(db, in->engagement, in->date, entry_id,
	    &c->g, &c->day) == 0;
	if (!c->found)
		return;
	c->allowed = ts_budget_allowed(db, &c->g);
	c->used = c->allowed >= 0 ? ts_budget_used(db, c->g.id) : 0;
	if (c->allowed >= 0 && entry_id > 0) {
		s = h->db_prepare(db, "SELECT priced_pence FROM time_entries WHERE "
		    "id = ? AND billable = 1");
		h->stmt_bind_int64(s, 1, entry_id);
		if (h->stmt_step(s) == EP_STEP_ROW)
			c->was = h->stmt_int64(s, 0);
		c->used -= c->was;
		h->stmt_reset(s);
	}
}

/*
 * Every rule on an entry, against what the store held (c): a real
 * duration, a date inside the engagement and not in the future, at most
 * 24 hours a day for the expert, an active engagement, and the budget
 * (past 100% only with an approved variation); then its price. Reads
 * nothing itself, so an import can check a whole file before it writes.
 * Errors name the grid cell (prefix) or the field.
 */
int
ts_entry_check(ep_fees *f, const struct ts_actor *a,
    const struct ts_context *c, const struct ts_entry_in *in,
    const char *prefix, ep_errors *e, struct ts_checked *out)
{
	const struct ep_host *h = ts_host;
	const struct ts_engagement *g = &c->g;
	struct ep_fee_result price;
	char today[11], when[300];
	int64_t minutes = 0;
	int before = h->errors_count(e);
	const char *row;

	memset(out, 0, sizeof *out);
	if (!c->found || g->expert_person != a->person) {
		ts_err(e, prefix, "engagement", "Choose one of your engagements");
		return -1;
	}
	row = g->title;
	ts_today(today);
	if (in->duration == NULL || ts_parse_duration(in->duration,
	    &minutes) != 0)
		ts_err(e, prefix, "duration", "%s: enter the time as 1:30, 1.5, "
		    "90m or 1h30, up to 24 hours", TS_WHEN);
	if (!ts_host->date_ok(in->date))
		ts_err(e, prefix, "date", "%s: the date must be a real date as "
		    "YYYY-MM-DD", row);
	else if (strcmp(in->date, today) > 0)
		ts_err(e, prefix, "date", "%s: is in the future; time can only "
		    "be logged once worked", TS_WHEN);
	else if (strcmp(in->date, g->starts) < 0)
		ts_err(e, prefix, "date", "%s: is before the engagement starts "
		    "(%s)", TS_WHEN, g->starts);
	else if (strcmp(in->date, g->ends) > 0 && strcmp(g->state,
	    "cancelled") == 0)
		ts_err(e, prefix, "date", "%s: is after the engagement's last day "
		    "of work (%s); it was cancelled", TS_WHEN, g->ends);
	else if (strcmp(in->date, g->ends) > 0)
		ts_err(e, prefix, "date", "%s: is after the engagement ends (%s)",
		    TS_WHEN, g->ends);
	/* A cancelled engagement takes time up to its last day (its end). */
	if (strcmp(g->state, "active") != 0 && strcmp(g->state,
	    "cancelled") != 0)
		ts_err(e, prefix, "engagement", "%s: the engagement is %s; no time "
		    "can be logged on it", row, g->state);
	if (!ts_activity_ok(in->activity))
		ts_err(e, prefix, "activity", "%s: choose an activity", row);
	if (in->note != NULL && strlen(in->note) > 500)
		ts_err(e, prefix, "note", "%s: the note must be 500 characters or "
		    "fewer", row);
	if (h->errors_count(e) > before)
		return -1;
	if (c->day + minutes > 1440) {
		ts_err(e, prefix, "duration", "%s: more than 24 hours in a day "
		    "across your engagements", TS_WHEN);
		return -1;
	}
	if (ts_price(f, g, in->date, minutes, in->activity, in->out_of_hours,
	    &price) != 0) {
		ts_err(e, prefix, "duration", "%s: the fee rules could not price "
		    "this: %s", TS_WHEN, price.error);
		return -1;
	}
	if (!in->billable)
		price.total = 0;
	if (c->allowed >= 0 && c->used + price.total > c->allowed) {
		char cap[32];

		h->pence_text(cap, sizeof cap, c->allowed);
		ts_err(e, prefix, "duration", "%s: this would take the engagement "
		    "past its budget of %s; the requester must approve a budget "
		    "variation first", TS_WHEN, cap);
		return -1;
	}
	if (c->allowed > 0)
		out->warning = (c->used + price.total) * 100 >= c->allowed * 100 ?
		    100 : (c->used + price.total) * 100 >= c->allowed * 80 ? 80 : 0;
	out->mark = ts_budget_mark(c->used + c->was, c->used + price.total,
	    c->allowed);
	out->allowed = c->allowed;
	out->minutes = minutes;
	out->priced = price.total;
	snprintf(out->ruleset_hash, sizeof out->ruleset_hash, "%s",
	    price.ruleset_hash);
	return 0;
}

/*
 * Writes a checked entry: creates it (entry_id 0) or changes a draft or
 * queried one, and audits it, inside the caller's transaction.
 */
int
ts_entry_write(ep_db *db, const struct ts_actor *a, int64_t entry_id,
    const struct ts_entry_in *in, const struct ts_engagement *g,
    const struct ts_checked *k, const char *prefix, ep_errors *e,
    struct ts_result *out)
{
	const struct ep_host *h = ts_host;
	const char *row = g->title;
	char when[300], idtext[24], summary[256];
	ep_stmt *s;

	memset(out, 0, sizeof *out);
	if (entry_id == 0) {
		/* created_at is given rather than defaulted, so the caller
		 * knows the whole row without reading it back. */
		ts_now_text(out->created, sizeof out->created);
		s = h->db_prepare(db, "INSERT INTO time_entries (engagement_id, "
		    "entry_date, minutes, activity, note, billable, out_of_hours, "
		    "created_by, priced_pence, ruleset_hash, created_at) VALUES "
		    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
		h->stmt_bind_int64(s, 1, g->id);
		h->stmt_bind_text(s, 11, out->created);
	} else {
		s = h->db_prepare(db, "UPDATE time_entries SET engagement_id = ?1, "
		    "entry_date = ?2, minutes = ?3, activity = ?4, note = ?5, "
		    "billable = ?6, out_of_hours = ?7, priced_pence = ?9, "
		    "ruleset_hash = ?10, state = 'draft' WHERE id = ?11 AND "
		    "created_by = ?8 AND state IN ('draft', 'queried')");
		h->stmt_bind_int64(s, 1, g->id);
		h->stmt_bind_int64(s, 11, entry_id);
	}
	h->stmt_bind_text(s, 2, in->date);
	h->stmt_bind_int64(s, 3, k->minutes);
	h->stmt_bind_text(s, 4, in->activity);
	h->stmt_bind_text(s, 5, in->note ? in->note : "");
	h->stmt_bind_int64(s, 6, in->billable ? 1 : 0);
	h->stmt_bind_int64(s, 7, in->out_of_hours ? 1 : 0);
	h->stmt_bind_int64(s, 8, a->person);
	h->stmt_bind_int64(s, 9, k->priced);
	h->stmt_bind_text(s, 10, k->ruleset_hash);
	if (h->stmt_step(s) != EP_STEP_DONE || (entry_id > 0 &&
	    h->db_changes(db) == 0)) {
		h->stmt_reset(s);
		ts_err(e, prefix, "duration", "%s: this entry cannot be changed "
		    "now (it is submitted, approved or not yours)", TS_WHEN);
		return -1;
	}
	h->stmt_reset(s);
	out->id = entry_id ? entry_id : h->db_last_id(db);
	out->minutes = k->minutes;
	out->priced = k->priced;
	out->warning = k->warning;
	snprintf(out->state, sizeof out->state, "draft");
	snprintf(idtext, sizeof idtext, "%lld", (long long)out->id);
	snprintf(summary, sizeof summary, "{\"after\":{\"date\":\"%s\","
	    "\"minutes\":%lld,\"engagement\":%lld,\"state\":\"draft\"}}",
	    in->date, (long long)k->minutes, (long long)g->id);
	if (ts_audit(db, a, entry_id ? "update" : "create", "time-entry",
	    idtext, g->provider_id, summary) != 0) {
		ts_err(e, prefix, "duration", "%s: could not be recorded",
		    TS_WHEN);
		return -1;
	}
	if (k->mark > 0 && ts_tell_budget(db, g, k->mark, k->allowed) != 0) {
		ts_err(e, prefix, "duration", "%s: the budget message could not "
		    "be queued", TS_WHEN);
		return -1;
	}
	return 0;
}

/*
 * Creates (entry_id 0) or changes a draft or queried entry after every
 * rule (ts_entry_check), reading what the rules need inside the caller's
 * transaction; errors name the grid cell or field.
 */
int
ts_entry_save(ep_db *db, const struct ts_actor *a, int64_t entry_id,
    const struct ts_entry_in *in, const char *prefix, ep_errors *e,
    struct ts_result *out)
{
	struct ts_context c;
	struct ts_checked k;

	memset(out, 0, sizeof *out);
	ts_entry_context(db, entry_id, in, &c);
	if (ts_entry_check(NULL, a, &c, in, prefix, e, &k) != 0)
		return -1;
	return ts_entry_write(db, a, entry_id, in, &c.g, &k, prefix, e, out);
}

/* Removes a draft (a cleared grid cell). */
int
ts_entry_delete_draft(ep_db *db, const struct ts_actor *a, int64_t entry_id)
{
	const struct ep_host *h = ts_host;
	ep_stmt *s = h->db_prepare(db, "DELETE FROM time_entries WHERE id = ? "
	    "AND created_by = ? AND state = 'draft'");
	char idtext[24];

	h->stmt_bind_int64(s, 1, entry_id);
	h->stmt_bind_int64(s, 2, a->person);
	if (h->stmt_step(s) != EP_STEP_DONE) {
		h->stmt_reset(s);
		return -1;
	}
	h->stmt_reset(s);
	if (h->db_changes(db) == 0)
		return 0;
	snprintf(idtext, sizeof idtext, "%lld", (long long)entry_id);
	return ts_audit(db, a, "delete", "time-entry", idtext, a->org,
	    "{\"before\":{\"state\":\"draft\"}}");
}

/* One entry with the parties of its engagement. */
int
ts_entry_get(ep_db *db, int64_t id, struct ts_entry_row *t)
{
	const struct ep_host *h = ts_host;
	ep_stmt *s = h->db_prepare(db, "SELECT t.id, t.engagement_id, t.minutes, "
	    "coalesce(t.created_by, 0), coalesce(t.adjusts_id, 0), e.provider_id, "
	    "e.consumer_id, " TS_STATE_SEEN ", t.entry_date, t.activity, "
	    "t.billable, "
	    "t.out_of_hours, t.query_comment IS NOT NULL FROM time_entries t "
	    "JOIN engagements e ON e.id = t.engagement_id WHERE t.id = ?");
	int rc = -1;

	h->stmt_bind_int64(s, 1, id);
	if (h->stmt_step(s) == EP_STEP_ROW) {
		t->id = h->stmt_int64(s, 0);
		t->engagement = h->stmt_int64(s, 1);
		t->minutes = h->stmt_int64(s, 2);
		t->created_by = h->stmt_int64(s, 3);
		t->adjusts = h->stmt_int64(s, 4);
		t->provider = h->stmt_int64(s, 5);
		t->consumer = h->stmt_int64(s, 6);
		ts_copy(t->state, sizeof t->state, h->stmt_text(s, 7));
		ts_copy(t->date, sizeof t->date, h->stmt_text(s, 8));
		ts_copy(t->activity, sizeof t->activity, h->stmt_text(s, 9));
		t->billable = (int)h->stmt_int64(s, 10);
		t->ooh = (int)h->stmt_int64(s, 11);
		t->queried = (int)h->stmt_int64(s, 12);
		rc = 0;
	}
	h->stmt_reset(s);
	return rc;
}

/* Moves an entry between states; a NULL actor is the system (a council's
 * local policy approving on its own). */
static int
ts_set_state(ep_db *db, const struct ts_actor *a, const struct ts_entry_row *t,
    const char *to, const char *comment, const char *event)
{
	const struct ep_host *h = ts_host;
	ep_stmt *s = h->db_prepare(db, "UPDATE time_entries SET state = ?1, "
	    "query_comment = coalesce(?2, query_comment), submitted_at = CASE "
	    "WHEN ?1 = 'submitted' THEN strftime('%Y-%m-%dT%H:%M:%SZ', 'now') "
	    "ELSE submitted_at END, decided_at = CASE WHEN ?1 IN ('approved', "
	    "'queried') THEN strftime('%Y-%m-%dT%H:%M:%SZ', 'now') ELSE "
	    "decided_at END, decided_by = CASE WHEN ?1 IN ('approved', "
	    "'queried') THEN ?3 ELSE decided_by END WHERE id = ?4 AND state = ?5");
	char idtext[24], summary[256];
	int64_t who = a != NULL ? a->person : 0;

	h->stmt_bind_text(s, 1, to);
	if (comment != NULL)
		h->stmt_bind_text(s, 2, comment);
	else
		h->stmt_bind_null(s, 2);
	if (who > 0)
		h->stmt_bind_int64(s, 3, who);
	else
		h->stmt_bind_null(s, 3);
	h->stmt_bind_int64(s, 4, t->id);
	h->stmt_bind_text(s, 5, t->state);
	if (h->stmt_step(s) != EP_STEP_DONE || h->db_changes(db) != 1) {
		h->stmt_reset(s);
		return -1;
	}
	h->stmt_reset(s);
	snprintf(idtext, sizeof idtext, "%lld", (long long)t->id);
	snprintf(summary, sizeof summary, "{\"before\":{\"state\":\"%s\"},"
	    "\"after\":{\"state\":\"%s\"}}", t->state, to);
	if (ts_audit(db, a, event + 6, "time-entry", idtext, t->consumer,
	    summary) != 0)
		return -1;
	snprintf(summary, sizeof summary, "{\"entry\":%lld,\"engagement\":%lld}",
	    (long long)t->id, (long long)t->engagement);
	h->hook_fire(event, summary);
	return 0;
}

/* The approver who queried an entry, 0 when nobody did, and what they
 * asked, into query. */
static int64_t
ts_queried_by(ep_db *db, int64_t entry_id, char *query, size_t len)
{
	const struct ep_host *h = ts_host;
	ep_stmt *s = h->db_prepare(db, "SELECT coalesce(decided_by, 0), "
	    "query_comment FROM time_entries WHERE id = ? AND query_comment IS "
	    "NOT NULL");
	int64_t v = 0;

	query[0] = '\0';
	h->stmt_bind_int64(s, 1, entry_id);
	if (h->stmt_step(s) == EP_STEP_ROW) {
		v = h->stmt_int64(s, 0);
		snprintf(query, len, "%s", h->stmt_text(s, 1));
	}
	h->stmt_reset(s);
	return v;
}

/*
 * An entry dated after a cancelled engagement's last day of work can be
 * neither submitted nor approved: 1 with err saying so.
 */
static int
ts_after_cancellation(ep_db *db, const struct ts_entry_row *t, char *err,
    size_t len)
{
	struct ts_engagement g;

	if (ts_engagement_load(db, t->engagement, &g) != 0 ||
	    strcmp(g.state, "cancelled") != 0 || strcmp(t->date, g.ends) <= 0)
		return 0;
	snprintf(err, len, "entry %lld is dated %s, after the engagement's last "
	    "day of work (%s): the engagement was cancelled", (long long)t->id,
	    t->date, g.ends);
	return 1;
}

/*
 * The expert submits a draft (or a queried entry they changed). The
 * consuming council's local policy may approve it at once.
 */
int
ts_entry_submit(ep_db *db, const struct ts_actor *a, int64_t entry_id,
    char *err, size_t len)
{
	const struct ep_host *h = ts_host;
	struct ts_entry_row t;
	struct ts_engagement g;
	struct ep_fee_entry fe;
	char perr[256], query[1024];
	int64_t asker;
	int auto_ok, was_queried;

	if (ts_entry_get(db, entry_id, &t) != 0 || t.created_by != a->person) {
		snprintf(err, len, "there is no entry %lld of yours",
		    (long long)entry_id);
		return -1;
	}
	if (strcmp(t.state, "draft") != 0 && strcmp(t.state, "queried") != 0) {
		snprintf(err, len, "entry %lld is %s, not a draft", (long long)t.id,
		    t.state);
		return -1;
	}
	if (ts_after_cancellation(db, &t, err, len))
		return -1;
	/* An answer to a query goes back to the approver who asked it:
	 * local policy never approves it on its own. */
	was_queried = t.queried;
	if (ts_set_state(db, a, &t, "submitted", NULL, "entry.submitted") != 0)
		goto store;
	snprintf(t.state, sizeof t.state, "submitted");
	if (was_queried) {
		asker = ts_queried_by(db, t.id, query, sizeof query);
		if (ts_tell_add(db, a, asker > 0 ? TS_TELL_ANSWERED :
		    TS_TELL_SUBMITTED, &t, asker, 0, query) != 0)
			goto store;
		return 0;
	}
	if (ts_engagement_load(db, t.engagement, &g) != 0)
		goto store;
	fe = ts_fee_entry(&g, t.date, t.minutes, t.activity, t.ooh);
	auto_ok = h->fee_auto_approve(g.consumer, &fe, perr, sizeof perr);
	if (auto_ok < 0) {
		snprintf(err, len, "%s's local policy failed: %s", g.consumer, perr);
		return -1;
	}
	if (auto_ok == 1) {
		if (ts_set_state(db, NULL, &t, "approved", "approved by the "
		    "council's local policy", "entry.approved") != 0 ||
		    ts_tell_add(db, a, TS_TELL_APPROVED, &t, t.created_by, 0,
		    NULL) != 0)
			goto store;
	} else if (ts_tell_add(db, a, TS_TELL_SUBMITTED, &t, 0, 0, NULL) != 0)
		goto store;
	return 0;
store:
	snprintf(err, len, "the store failed: %s", h->db_errmsg(db));
	return -1;
}

/*
 * An answer to a query is for the approver who asked it (or an
 * administrator): 1 with err saying who, when someone else would decide.
 */
static int
ts_queried_by_other(ep_db *db, const struct ts_actor *a, int64_t entry_id,
    char *err, size_t len)
{
	const struct ep_host *h = ts_host;
	ep_stmt *s = h->db_prepare(db, "SELECT p.id, p.name FROM time_entries t "
	    "JOIN people p ON p.id = t.decided_by WHERE t.id = ? AND "
	    "t.query_comment IS NOT NULL");
	int other = 0;

	h->stmt_bind_int64(s, 1, entry_id);
	if (h->stmt_step(s) == EP_STEP_ROW && h->stmt_int64(s, 0) != a->person &&
	    (a->roles & EP_ROLE_ADMIN) == 0) {
		snprintf(err, len, "entry %lld answers a query of %s's: they "
		    "decide it", (long long)entry_id, h->stmt_text(s, 1));
		other = 1;
	}
	h->stmt_reset(s);
	return other;
}

/* An approver of the consuming council approves, or queries with a
 * comment that sends the entry back to the expert. */
int
ts_entry_decide(ep_db *db, const struct ts_actor *a, int64_t entry_id,
    int approve, const char *comment, char *err, size_t len)
{
	const struct ep_host *h = ts_host;
	struct ts_entry_row t;

	if (ts_entry_get(db, entry_id, &t) != 0 || (t.consumer != a->org &&
	    (a->roles & EP_ROLE_ADMIN) == 0)) {
		snprintf(err, len, "there is no entry %lld for your council",
		    (long long)entry_id);
		return -1;
	}
	if (strcmp(t.state, "submitted") != 0) {
		snprintf(err, len, "entry %lld is %s, not submitted",
		    (long long)t.id, t.state);
		return -1;
	}
	/* Hours are checked by someone other than whoever logged them, even
	 * where one person is both expert and approver. */
	if (t.created_by == a->person) {
		snprintf(err, len, "entry %lld is your own: another approver of "
		    "your council must decide it", (long long)t.id);
		return -1;
	}
	if (!approve && (comment == NULL || *comment == '\0')) {
		snprintf(err, len, "say what is wrong: a query needs a comment");
		return -1;
	}
	if (ts_queried_by_other(db, a, t.id, err, len))
		return -1;
	if (approve && ts_after_cancellation(db, &t, err, len))
		return -1;
	if (ts_set_state(db, a, &t, approve ? "approved" : "queried",
	    approve ? NULL : comment, approve ? "entry.approved" :
	    "entry.queried") != 0 || (approve ? ts_tell_add(db, a,
	    TS_TELL_APPROVED, &t, t.created_by, a->person, NULL) :
	    ts_tell_queried(db, a, &t, comment)) != 0) {
		snprintf(err, len, "the store failed: %s", h->db_errmsg(db));
		return -1;
	}
	return 0;
}

/*
 * Corrects an approved or invoiced entry without touching it: a new entry
 * of the difference in minutes that points at the original, with a reason,
 * submitted for approval and billed in the next run. One function because
 * it is one transaction: read the original, check, insert the difference
 * and audit it.
 */
int
ts_entry_adjust(ep_db *db, const struct ts_actor *a, int64_t entry_id,
    const char *duration, const char *reason, ep_errors *e,
    struct ts_result *out)
{
	const struct ep_host *h = ts_host;
	struct ts_entry_row t, made;
	struct ts_engagement g;
	struct ep_fee_result price;
	int64_t minutes = 0, delta, adjusted = 0, day = 0, allowed, priced;
	char idtext[24], summary[256], cap[32];
	ep_stmt *s;

	memset(out, 0, sizeof *out);
	if (ts_entry_get(db, entry_id, &t) != 0 || t.created_by != a->person) {
		h->errors_add(e, "entry", "There is no such entry of yours");
		return -1;
	}
	if (t.adjusts != 0) {
		ts_err(e, NULL, "entry", "This is a correction of entry %lld: "
		    "correct that entry instead", (long long)t.adjusts);
		return -1;
	}
	if (strcmp(t.state, "approved") != 0 && strcmp(t.state, "invoiced") != 0)
		h->errors_add(e, "entry", "Only approved or invoiced entries are "
		    "adjusted; change a draft or queried entry instead");
	if (duration == NULL || ts_parse_duration(duration, &minutes) != 0)
		h->errors_add(e, "duration", "Enter the correct total time as 1:30, "
		    "1.5, 90m or 1h30");
	if (reason == NULL || *reason == '\0')
		h->errors_add(e, "reason", "Enter the reason for the correction");
	if (h->errors_count(e) > 0)
		return -1;
	/* The correct total counts every correction made already, so the
	 * same correction sent twice adds nothing the second time. */
	s = h->db_prepare(db, "SELECT coalesce(sum(minutes), 0) FROM "
	    "time_entries WHERE adjusts_id = ?");
	h->stmt_bind_int64(s, 1, t.id);
	if (h->stmt_step(s) == EP_STEP_ROW)
		adjusted = h->stmt_int64(s, 0);
	h->stmt_reset(s);
	delta = minutes - (t.minutes + adjusted);
	if (delta == 0) {
		h->errors_add(e, "duration", "The correct time is the time already "
		    "logged with its corrections: nothing to adjust");
		return -1;
	}
	if (ts_engagement_day(db, t.engagement, t.date, 0, &g, &day) != 0 ||
	    ts_price(NULL, &g, t.date, delta < 0 ? -delta : delta, t.activity,
	    t.ooh, &price) != 0) {
		h->errors_add(e, "duration", "The fee rules could not price the "
		    "correction");
		return -1;
	}
	/* A correction keeps every rule an entry keeps. */
	if (strcmp(g.state, "active") != 0 && strcmp(g.state, "completed") != 0) {
		ts_err(e, NULL, "entry", "The engagement is %s; its time can no "
		    "longer be corrected", g.state);
		return -1;
	}
	if (delta > 0 && day + delta > 1440) {
		ts_err(e, NULL, "duration", "The correction would make more than "
		    "24 hours on %s across your engagements", t.date);
		return -1;
	}
	priced = t.billable ? (delta < 0 ? -price.total : price.total) : 0;
	allowed = ts_budget_allowed(db, &g);
	if (priced > 0 && allowed >= 0 &&
	    ts_budget_used(db, g.id) + priced > allowed) {
		h->pence_text(cap, sizeof cap, allowed);
		ts_err(e, NULL, "duration", "The correction would take the "
		    "engagement past its budget of %s; the requester must approve "
		    "a budget variation first", cap);
		return -1;
	}
	s = h->db_prepare(db, "INSERT INTO time_entries (engagement_id, "
	    "entry_date, minutes, activity, note, billable, out_of_hours, state, "
	    "adjusts_id, reason, created_by, submitted_at, priced_pence, "
	    "ruleset_hash) VALUES (?, ?, ?, ?, 'adjustment', ?, ?, 'submitted', ?, "
	    "?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?, ?)");
	h->stmt_bind_int64(s, 1, t.engagement);
	h->stmt_bind_text(s, 2, t.date);
	h->stmt_bind_int64(s, 3, delta);
	h->stmt_bind_text(s, 4, t.activity);
	h->stmt_bind_int64(s, 5, t.billable);
	h->stmt_bind_int64(s, 6, t.ooh);
	h->stmt_bind_int64(s, 7, t.id);
	h->stmt_bind_text(s, 8, reason);
	h->stmt_bind_int64(s, 9, a->person);
	h->stmt_bind_int64(s, 10, priced);
	h->stmt_bind_text(s, 11, price.ruleset_hash);
	if (h->stmt_step(s) != EP_STEP_DONE) {
		h->stmt_reset(s);
		h->errors_add(e, "duration", "The adjustment could not be saved");
		return -1;
	}
	h->stmt_reset(s);
	out->id = h->db_last_id(db);
	out->minutes = delta;
	out->priced = priced;
	snprintf(out->state, sizeof out->state, "submitted");
	snprintf(idtext, sizeof idtext, "%lld", (long long)out->id);
	snprintf(summary, sizeof summary, "{\"after\":{\"adjusts\":%lld,"
	    "\"minutes\":%lld}}", (long long)t.id, (long long)delta);
	if (ts_audit(db, a, "adjust", "time-entry", idtext, t.consumer,
	    summary) != 0)
		return -1;
	/* The correction waits for the consuming council's approvers. */
	if (ts_entry_get(db, out->id, &made) != 0 || ts_tell_add(db, a,
	    TS_TELL_SUBMITTED, &made, 0, 0, NULL) != 0) {
		h->errors_add(e, "duration", "The adjustment could not be saved");
		return -1;
	}
	snprintf(summary, sizeof summary, "{\"entry\":%lld,\"adjusts\":%lld}",
	    (long long)out->id, (long long)t.id);
	h->hook_fire("entry.adjusted", summary);
	return 0;
}

/* The requester's council approves going past the budget by an amount. */
int
ts_variation_add(ep_db *db, const struct ts_actor *a, int64_t engagement,
    const char *amount, const char *reason, ep_errors *e)
{
	const struct ep_host *h = ts_host;
	struct ts_engagement g;
	int64_t pence = 0, pounds = 0;
	char idtext[24], summary[128];
	const char *p = amount;
	ep_stmt *s;
	int frac = -1;

	if (ts_engagement_load(db, engagement, &g) != 0 ||
	    g.consumer_id != a->org) {
		h->errors_add(e, "amount", "There is no such engagement for your "
		    "council");
		return -1;
	}
	for (; p != NULL && *p != '\0'; p++) {
		if (*p == '.' && frac < 0)
			frac = 0;
		else if (isdigit((unsigned char)*p) && frac < 2 && pounds < 10000000) {
			if (frac >= 0) {
				pence = pence * 10 + (*p - '0');
				frac++;
			} else
				pounds = pounds * 10 + (*p - '0');
		} else {
			pounds = -1;
			break;
		}
	}
	if (frac == 1)
		pence *= 10;
	if (amount == NULL || pounds < 0 || frac == 0 || pounds * 100 + pence <= 0)
		h->errors_add(e, "amount", "Enter the extra budget in pounds and "
		    "pence, such as 500.00");
	if (reason == NULL || *reason == '\0')
		h->errors_add(e, "reason", "Enter why the budget may be exceeded");
	if (h->errors_count(e) > 0)
		return -1;
	s = h->db_prepare(db, "INSERT INTO budget_variations (engagement_id, "
	    "extra_pence, reason, approved_by) VALUES (?, ?, ?, ?)");
	h->stmt_bind_int64(s, 1, engagement);
	h->stmt_bind_int64(s, 2, pounds * 100 + pence);
	h->stmt_bind_text(s, 3, reason);
	h->stmt_bind_int64(s, 4, a->person);
	if (h->stmt_step(s) != EP_STEP_DONE) {
		h->stmt_reset(s);
		h->errors_add(e, "amount", "The variation could not be saved");
		return -1;
	}
	h->stmt_reset(s);
	snprintf(idtext, sizeof idtext, "%lld", (long long)engagement);
	snprintf(summary, sizeof summary, "{\"after\":{\"extra_pence\":%lld}}",
	    (long long)(pounds * 100 + pence));
	return ts_audit(db, a, "budget-variation", "engagement", idtext,
	    g.consumer_id, summary);
}
