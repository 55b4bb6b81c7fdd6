/* report-quality.c: the quality measures, their benchmark and their rebuild. */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

/*
 * report_quality (migration 0020) is kept by triggers: the core's on
 * engagements and engagement_ratings, the timesheet's on time_entries
 * (its migration 7) and the recharge plugin's on recharge_invoices (its
 * migration 10). The rebuild below sums the same rows the same way, the
 * plugins' only through their views.
 */

/* The three period labels of a date (YYYY-MM-DD), over k in 0..2. */
#define Q_FY(d) "(CAST(substr(" d ", 1, 4) AS INTEGER) - " \
	"(substr(" d ", 6, 2) < '04'))"
#define Q_PERIOD(d) "CASE k.k WHEN 0 THEN substr(" d ", 1, 7) WHEN 1 THEN " \
	"printf('%04d-Q%d', " Q_FY(d) ", (CAST(substr(" d ", 6, 2) AS INTEGER) " \
	"+ 8) % 12 / 3 + 1) ELSE printf('%04d/%02d', " Q_FY(d) ", (" Q_FY(d) \
	" + 1) % 100) END"
#define Q_K "(SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) k"
/* The London date of a stored UTC instant, in SQL alone (as triggers
 * run in any connection): summer time from 01:00 UTC on the last Sunday
 * of March to 01:00 UTC on the last Sunday of October. */
#define Q_LONDON(t) "date(" t ", CASE WHEN " t " >= date(substr(" t ", 1, 4) " \
	"|| '-03-25', 'weekday 0') || 'T01:00:00Z' AND " t " < date(substr(" t \
	", 1, 4) || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours' " \
	"ELSE '+0 hours' END)"

static const char q_part_engagements[] =
    "SELECT " Q_PERIOD(Q_LONDON("e.completed_at")) " AS period, e.provider_id "
    "AS p, e.consumer_id AS c, 0 AS entries, 0 AS minutes, 0 AS queried, 0 "
    "AS adjusted, 0 AS invoiced, 0 AS credited, 1 AS completed, ("
    Q_LONDON("e.completed_at") " <= r.wanted_end) AS on_time, (g.score IS "
    "NOT NULL) AS ratings, coalesce(g.score >= 4, 0) AS satisfied FROM "
    "engagements e JOIN requests r ON r.id = e.request_id LEFT JOIN "
    "engagement_ratings g ON g.engagement_id = e.id, " Q_K " WHERE "
    "e.completed_at IS NOT NULL";
static const char q_part_entries[] =
    "SELECT " Q_PERIOD("t.entry_date") ", e.provider_id, e.consumer_id, "
    "sum(t.adjusts_id IS NULL), sum(t.minutes * (t.adjusts_id IS NULL)), "
    "sum(t.minutes * (t.adjusts_id IS NULL AND t.queried)), count(DISTINCT "
    "t.adjusts_id), 0, 0, 0, 0, 0, 0 FROM timesheet_quality_entries t JOIN "
    "engagements e ON e.id = t.engagement_id, " Q_K " GROUP BY 1, 2, 3";
static const char q_part_documents[] =
    "SELECT " Q_PERIOD("(d.period || '-01')") ", d.provider_id, "
    "d.consumer_id, 0, 0, 0, 0, CASE WHEN d.kind = 'credit' THEN 0 ELSE "
    "d.net_pence END, CASE WHEN d.kind = 'credit' THEN abs(d.net_pence) "
    "ELSE 0 END, 0, 0, 0, 0 FROM recharge_documents d, " Q_K;

/* True when the schema has a view of that name. */
static int
q_view(struct ep_db *db, const char *name)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT 1 FROM sqlite_master WHERE "
	    "type = 'view' AND name = ?");
	int found;

	if (s == NULL)
		return 0;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	found = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_reset(s);
	return found;
}

/*
 * Recreates report_quality from the raw rows (the plugins' through their
 * views, when installed); the caller holds a transaction.
 */
int
report_quality_rebuild(struct ep_db *db)
{
	int entries = q_view(db, "timesheet_quality_entries");
	int documents = q_view(db, "recharge_documents");
	char *sql;
	int rc;

	sql = xprintf("DELETE FROM report_quality; INSERT INTO report_quality "
	    "(period, provider_id, consumer_id, entries, minutes, "
	    "queried_minutes, adjusted, invoiced_pence, credited_pence, "
	    "completed, on_time, ratings, satisfied) SELECT period, p, c, "
	    "sum(entries), sum(minutes), sum(queried), sum(adjusted), "
	    "sum(invoiced), sum(credited), sum(completed), sum(on_time), "
	    "sum(ratings), sum(satisfied) FROM (%s%s%s%s%s) GROUP BY 1, 2, 3",
	    q_part_engagements, entries ? " UNION ALL " : "", entries ?
	    q_part_entries : "", documents ? " UNION ALL " : "", documents ?
	    q_part_documents : "");
	rc = db_exec(db, sql);
	free(sql);
	return rc;
}

/* --- The report --- */

enum q_measure { QM_QUERIED, QM_ADJUSTED, QM_CREDITED, QM_ON_TIME,
	QM_SATISFIED, QM_OFFER, QM_WITHIN, QM_COUNT };

static const struct {
	const char *label, *unit;
	enum rep_kind kind;
	int consumer_only;	/* counted when a request is made */
} q_measures[QM_COUNT] = {
	[QM_QUERIED] = { "Share of hours queried", "basis_points", REP_BP, 0 },
	[QM_ADJUSTED] = { "Share of entries adjusted after approval",
	    "basis_points", REP_BP, 0 },
	[QM_CREDITED] = { "Credits as a share of invoiced value",
	    "basis_points", REP_BP, 0 },
	[QM_ON_TIME] = { "Engagements completed by the wanted end date",
	    "basis_points", REP_BP, 0 },
	[QM_SATISFIED] = { "Ratings satisfied or very satisfied",
	    "basis_points", REP_BP, 0 },
	[QM_OFFER] = { "Mean time to first offer", "minutes", REP_MINUTES, 1 },
	[QM_WITHIN] = { "Share offered within target", "basis_points", REP_BP,
	    1 },
};

/* One organisation's sums on one side (as provider or as consumer). */
struct q_org {
	int64_t id;
	int64_t entries, minutes, queried, adjusted, invoiced, credited;
	int64_t completed, on_time, ratings, satisfied;
	int64_t requests, offered, offer_minutes, within;
};

/* A measure's part and whole for an organisation. */
static int
q_value(const struct q_org *o, enum q_measure m, int64_t *out)
{
	int64_t part = 0, whole = 0;

	switch (m) {
	case QM_QUERIED:
		part = o->queried, whole = o->minutes;
		break;
	case QM_ADJUSTED:
		part = o->adjusted, whole = o->entries;
		break;
	case QM_CREDITED:
		part = o->credited, whole = o->invoiced;
		break;
	case QM_ON_TIME:
		part = o->on_time, whole = o->completed;
		break;
	case QM_SATISFIED:
		part = o->satisfied, whole = o->ratings;
		break;
	case QM_OFFER:
		if (o->offered <= 0)
			return 0;
		*out = report_div(o->offer_minutes, o->offered);
		return 1;
	case QM_WITHIN:
		part = o->within, whole = o->requests;
		break;
	default:
		return 0;
	}
	if (whole <= 0)
		return 0;
	*out = report_bp(part, whole);
	return 1;
}

/* The organisation with that id in v, added if new. */
static struct q_org *
q_find(struct q_org **v, size_t *n, int64_t id)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if ((*v)[i].id == id)
			return &(*v)[i];
	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	memset(&(*v)[*n], 0, sizeof **v);
	(*v)[*n].id = id;
	return &(*v)[(*n)++];
}

/* Every organisation's sums for a period on one side ("provider_id" or
 * "consumer_id": constant text), with the consumers' response times. */
static int
q_load(struct ep_db *db, const char *period, const char *side,
    struct q_org **v, size_t *n)
{
	char *sql = xprintf("SELECT %s, sum(entries), sum(minutes), "
	    "sum(queried_minutes), sum(adjusted), sum(invoiced_pence), "
	    "sum(credited_pence), sum(completed), sum(on_time), sum(ratings), "
	    "sum(satisfied) FROM report_quality WHERE period = ? GROUP BY 1",
	    side);
	sqlite3_stmt *s = db_stmt(db, sql);
	struct q_org *o;

	free(sql);
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, period, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW) {
		o = q_find(v, n, sqlite3_column_int64(s, 0));
		o->entries = sqlite3_column_int64(s, 1);
		o->minutes = sqlite3_column_int64(s, 2);
		o->queried = sqlite3_column_int64(s, 3);
		o->adjusted = sqlite3_column_int64(s, 4);
		o->invoiced = sqlite3_column_int64(s, 5);
		o->credited = sqlite3_column_int64(s, 6);
		o->completed = sqlite3_column_int64(s, 7);
		o->on_time = sqlite3_column_int64(s, 8);
		o->ratings = sqlite3_column_int64(s, 9);
		o->satisfied = sqlite3_column_int64(s, 10);
	}
	sqlite3_reset(s);
	if (strcmp(side, "consumer_id") != 0)
		return 0;
	s = db_stmt(db, "SELECT consumer_id, requests, offered, offer_minutes, "
	    "within_target FROM report_period_flow WHERE period = ?");
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, period, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW) {
		o = q_find(v, n, sqlite3_column_int64(s, 0));
		o->requests = sqlite3_column_int64(s, 1);
		o->offered = sqlite3_column_int64(s, 2);
		o->offer_minutes = sqlite3_column_int64(s, 3);
		o->within = sqlite3_column_int64(s, 4);
	}
	sqlite3_reset(s);
	return 0;
}

static const struct rep_col q_bench_cols[] = {
	{ "metric", "Measure", REP_TEXT },
	{ "unit", "Unit", REP_TEXT },
	{ "yours", "Yours", REP_INT },
	{ "part", "Counted", REP_INT },
	{ "organisations", "Organisations compared", REP_INT },
	{ "lower_quartile", "Lower quartile", REP_INT },
	{ "median", "Median", REP_INT },
	{ "upper_quartile", "Upper quartile", REP_INT },
};

/* How many the measure is over (hours as minutes, pence, a count). */
static void
q_whole(struct rep_table *t, const struct q_org *o, enum q_measure m)
{
	static const enum rep_kind kinds[QM_COUNT] = { REP_MINUTES, REP_INT,
		REP_PENCE, REP_INT, REP_INT, REP_INT, REP_INT };
	const int64_t wholes[QM_COUNT] = { o->minutes, o->entries, o->invoiced,
		o->completed, o->ratings, o->offered, o->requests };

	report_int_kind(t, 3, wholes[m], kinds[m]);
}

/* One side's table: each measure, yours beside the consortium's spread. */
static void
q_bench(struct report *rep, const char *id, const char *title,
    const struct q_org *v, size_t n, int64_t org_id, int consumer)
{
	struct rep_table *t = report_table(rep, id, title, q_bench_cols,
	    nitems(q_bench_cols));
	const struct q_org *mine = NULL;
	int64_t *vals = xcalloc(n + 1, sizeof *vals), x;
	struct rep_spread sp;
	size_t i, k, m;

	t->chart = 3;
	t->marker = 7;
	t->note = "Yours beside the consortium's lower quartile, median and "
	    "upper quartile (nearest rank) over the organisations with a "
	    "figure; other organisations are not named. \"Counted\" is what "
	    "the share is over: hours, entries, pence invoiced, engagements "
	    "completed, ratings, requests offered or requests made.";
	for (i = 0; i < n; i++)
		if (v[i].id == org_id)
			mine = &v[i];
	for (m = 0; m < QM_COUNT; m++) {
		if (q_measures[m].consumer_only && !consumer)
			continue;
		for (i = 0, k = 0; i < n; i++)
			if (q_value(&v[i], (enum q_measure)m, &x))
				vals[k++] = x;
		report_spread(vals, k, &sp);
		report_row(t);
		report_text(t, 0, q_measures[m].label);
		report_text(t, 1, q_measures[m].unit);
		if (mine != NULL && q_value(mine, (enum q_measure)m, &x)) {
			report_int_kind(t, 2, x, q_measures[m].kind);
			q_whole(t, mine, (enum q_measure)m);
		}
		report_int(t, 4, sp.n);
		if (k > 0) {
			report_int_kind(t, 5, sp.q1, q_measures[m].kind);
			report_int_kind(t, 6, sp.median, q_measures[m].kind);
			report_int_kind(t, 7, sp.q3, q_measures[m].kind);
		}
	}
	free(vals);
}

static const struct rep_col q_trend_cols[] = {
	{ "quarter", "Quarter", REP_TEXT },
	{ "side", "As", REP_TEXT },
	{ "queried_bp", "Hours queried", REP_BP },
	{ "adjusted_bp", "Entries adjusted", REP_BP },
	{ "credited_bp", "Credited", REP_BP },
	{ "on_time_bp", "Completed on time", REP_BP },
	{ "satisfied_bp", "Satisfied", REP_BP },
	{ "ratings", "Ratings", REP_INT },
	{ "median_on_time_bp", "Consortium median, on time", REP_BP },
	{ "median_satisfied_bp", "Consortium median, satisfied", REP_BP },
};

/* The consortium's median of one measure over v; 0 when nobody has it. */
static int
q_median(const struct q_org *v, size_t n, enum q_measure m, int64_t *out)
{
	int64_t *vals = xcalloc(n + 1, sizeof *vals), x;
	struct rep_spread sp;
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (q_value(&v[i], m, &x))
			vals[k++] = x;
	report_spread(vals, k, &sp);
	free(vals);
	*out = sp.median;
	return k > 0;
}

/* One quarter's row for one side. */
static int
q_trend_row(struct ep_db *db, struct rep_table *t, const char *quarter,
    int consumer, int64_t org_id)
{
	static const enum q_measure ms[] = { QM_QUERIED, QM_ADJUSTED,
		QM_CREDITED, QM_ON_TIME, QM_SATISFIED };
	struct q_org *v = NULL, *mine = NULL;
	size_t n = 0, i;
	int64_t x;

	if (q_load(db, quarter, consumer ? "consumer_id" : "provider_id", &v,
	    &n) != 0) {
		free(v);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (v[i].id == org_id)
			mine = &v[i];
	report_row(t);
	report_text(t, 0, quarter);
	report_text(t, 1, consumer ? "Consumer" : "Provider");
	for (i = 0; mine != NULL && i < nitems(ms); i++)
		if (q_value(mine, ms[i], &x))
			report_int(t, 2 + i, x);
	if (mine != NULL)
		report_int(t, 7, mine->ratings);
	if (q_median(v, n, QM_ON_TIME, &x))
		report_int(t, 8, x);
	if (q_median(v, n, QM_SATISFIED, &x))
		report_int(t, 9, x);
	free(v);
	return 0;
}

/* The four quarters of the financial year the period starts in. */
static int
q_trend(struct ep_db *db, struct report *rep, int64_t org_id)
{
	struct rep_table *t = report_table(rep, "trend", "Trend by quarter",
	    q_trend_cols, nitems(q_trend_cols));
	int y = atoi(rep->period.first), mo = atoi(rep->period.first + 5), q;
	char label[16];

	t->note = "Your measures in each quarter of the financial year, as "
	    "consumer and as provider, beside the consortium's medians.";
	if (mo < 4)
		y--;
	for (q = 1; q <= 4; q++) {
		snprintf(label, sizeof label, "%04d-Q%d", y, q);
		if (q_trend_row(db, t, label, 1, org_id) != 0 ||
		    q_trend_row(db, t, label, 0, org_id) != 0)
			return -1;
	}
	return 0;
}

/*
 * The quality report: the organisation's measures as consumer and as
 * provider beside the consortium's spread, and their trend by quarter.
 */
int
report_quality(struct ep_db *db, struct report *rep, int64_t org_id,
    int names, const char *at)
{
	struct q_org *v = NULL;
	size_t n = 0;
	int rc = -1;

	(void)names;
	(void)at;
	if (q_load(db, rep->period.label, "consumer_id", &v, &n) != 0)
		goto out;
	q_bench(rep, "consumer", "As a consumer: the work you bought", v, n,
	    org_id, 1);
	free(v);
	v = NULL;
	n = 0;
	if (q_load(db, rep->period.label, "provider_id", &v, &n) != 0)
		goto out;
	q_bench(rep, "provider", "As a provider: the work your experts did", v,
	    n, org_id, 0);
	rc = q_trend(db, rep, org_id);
out:
	free(v);
	return rc;
}

/* GET /api/v1/reports/quality[?org=CODE&period=P]: the report as JSON,
 * for the caller's organisation; the pool may name another. */
static void
api_quality_cb(struct ep_req *r, void *arg)
{
	const struct report_def *def = report_def_find("quality");
	const char *org = http_query(r, "org");
	struct report rep;
	sqlite3_stmt *s;
	char err[256];
	int64_t org_id = r->who.org_id;

	(void)arg;
	if (org != NULL && strcmp(org, r->who.org_code) != 0) {
		if ((r->who.roles & (EP_ROLE_POOL_MANAGER | EP_ROLE_ADMIN)) == 0) {
			http_json_error(r, 404, "not-found", "org", "No such "
			    "organisation");
			return;
		}
		s = db_stmt(http_db(), "SELECT id FROM organisations WHERE code = "
		    "?");
		org_id = 0;
		if (s != NULL) {
			sqlite3_bind_text(s, 1, org, -1, SQLITE_TRANSIENT);
			if (sqlite3_step(s) == SQLITE_ROW)
				org_id = sqlite3_column_int64(s, 0);
			sqlite3_reset(s);
		}
		if (org_id == 0) {
			http_json_error(r, 404, "not-found", "org", "No such "
			    "organisation");
			return;
		}
	}
	if (def == NULL || report_build(http_db(), def, org_id, http_query(r,
	    "period"), 0, NULL, 0, &rep, err, sizeof err) != 0) {
		http_json_error(r, 400, "invalid", "period", err);
		return;
	}
	api_reply(r, 200, report_json(&rep));
	report_free(&rep);
}

/* The quality report's JSON route; its page, CSV and JSON per
 * organisation come with the other reports' (report-pages.c). */
void
report_quality_routes_register(void)
{
	route_add(NULL, "GET", "/api/v1/reports/quality", EP_ROLE_REQUESTER |
	    EP_ROLE_APPROVER | EP_ROLE_FINANCE | EP_ROLE_POOL_MANAGER |
	    EP_ROLE_ADMIN, api_quality_cb, NULL);
}
