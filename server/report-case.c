/* report-case.c: one council's business case for a period, from the other reports. */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

static const struct rep_col case_cols[] = {
	{ "measure", "Measure", REP_TEXT },
	{ "unit", NULL, REP_TEXT },	/* the page formats each figure */
	{ "value", "Yours", REP_INT },
	{ "consortium_median", "Consortium median", REP_INT },
	{ "source", "From the report", REP_TEXT },
};
static const struct rep_col reach_cols[] = {
	{ "area", "Skill area", REP_TEXT },
	{ "minutes", "Hours bought", REP_MINUTES },
	{ "providers", "Councils that provided them", REP_INT },
};

/* The quality report's measures of the service the council received. */
static const char *const case_quality[] = {
	"Share of hours queried",
	"Share of entries adjusted after approval",
	"Credits as a share of invoiced value",
	"Engagements completed by the wanted end date",
	"Ratings satisfied or very satisfied",
};

/* The reports a business case reads, built once each for the period. */
enum case_src { CS_VOLUMES, CS_UNIT_COSTS, CS_SAVINGS, CS_BENCHMARK,
	CS_QUALITY, CS_OVERHEADS, CS_N };
static const char *const case_src_names[CS_N] = { "volumes", "unit-costs",
	"savings", "benchmark", "quality", "overheads" };

struct case_ctx {
	struct report src[CS_N];
	struct rep_table *t;
};

/* The column of a table by its CSV id, or -1. */
static int
case_col(const struct rep_table *t, const char *id)
{
	size_t c;

	for (c = 0; c < t->ncols; c++)
		if (strcmp(t->cols[c].id, id) == 0)
			return (int)c;
	return -1;
}

/*
 * A figure of another report: the row whose first column reads key, or
 * with key NULL the table's total (its "All areas" row, or its one row
 * when there is only one). 0 when the report has no such figure.
 */
static int
case_figure(const struct report *r, const char *table, const char *key,
    const char *col, int64_t *out)
{
	const struct rep_table *t = report_find_table((struct report *)r, table);
	const struct rep_cell *c;
	size_t row;
	int ci;

	*out = 0;
	if (t == NULL || (ci = case_col(t, col)) < 0 || t->nrows == 0)
		return 0;
	if (key == NULL && t->nrows == 1)
		row = 0;
	else {
		const char *want = key != NULL ? key : "All areas";

		for (row = 0; row < t->nrows; row++) {
			c = &t->cells[row * t->ncols];
			if (c->text != NULL && strcmp(c->text, want) == 0)
				break;
		}
		if (row == t->nrows)
			return 0;
	}
	c = &t->cells[row * t->ncols + (size_t)ci];
	if (!c->set)
		return 0;
	*out = c->v;
	return 1;
}

/* One row of the case: a measure, its unit, the council's figure, the
 * consortium's median when there is one, and the report it comes from. */
static void
case_row(struct case_ctx *cx, const char *measure, enum rep_kind kind,
    int have, int64_t v, int have_median, int64_t median, enum case_src src)
{
	static const char *const units[] = {
		[REP_TEXT] = "text", [REP_INT] = "count",
		[REP_MINUTES] = "minutes", [REP_PENCE] = "pence",
		[REP_BP] = "basis_points",
	};
	struct rep_table *t = cx->t;

	report_row(t);
	report_text(t, 0, measure);
	report_text(t, 1, units[kind]);
	if (have)
		report_int_kind(t, 2, v, kind);
	if (have_median)
		report_int_kind(t, 3, median, kind);
	report_text(t, 4, case_src_names[src]);
}

/* A figure from a report, straight into the case. Volumes with no rows
 * are none bought or sold, so they read 0; a saving with none is no
 * comparison at all, and reads as no figure. */
static void
case_copy(struct case_ctx *cx, const char *measure, enum rep_kind kind,
    enum case_src src, const char *table, const char *key, const char *col)
{
	int64_t v;
	int have = case_figure(&cx->src[src], table, key, col, &v);

	if (!have && src == CS_VOLUMES)
		have = 1;

	case_row(cx, measure, kind, have, v, 0, 0, src);
}

/* A compared figure (the benchmark's, or quality's as a consumer) beside
 * the consortium's median. */
static void
case_compared(struct case_ctx *cx, const char *measure, enum rep_kind kind,
    enum case_src src, const char *table, const char *metric)
{
	const struct report *b = &cx->src[src];
	int64_t v, median;
	int have = case_figure(b, table, metric, "yours", &v);
	int have_m = case_figure(b, table, metric, "median", &median);

	case_row(cx, measure, kind, have, v, have_m, median, src);
}

/* The sum of a column over a table's rows. */
static int64_t
case_sum(const struct report *r, const char *table, const char *col)
{
	const struct rep_table *t = report_find_table((struct report *)r, table);
	int64_t sum = 0;
	size_t row;
	int ci;

	if (t == NULL || (ci = case_col(t, col)) < 0)
		return 0;
	for (row = 0; row < t->nrows; row++)
		sum += t->cells[row * t->ncols + (size_t)ci].v;
	return sum;
}

/*
 * The council's share of the pool's overheads in the period, what an
 * hour bought cost once that share is carried (the unit-cost report's
 * full costs), and the saving against the market less that share: the
 * saving falls by exactly the share.
 */
static void
case_overheads(struct case_ctx *cx)
{
	const struct report *u = &cx->src[CS_UNIT_COSTS];
	int64_t share = case_sum(&cx->src[CS_OVERHEADS], "shares", "share_pence");
	int64_t minutes = case_sum(u, "full-costs", "minutes");
	int64_t full = case_sum(u, "full-costs", "full_pence"), saving;
	int64_t all_m, all_full;
	int have;

	/* Full costs have an "All areas" row when there are several. */
	if (case_figure(u, "full-costs", "All areas", "minutes", &all_m) &&
	    case_figure(u, "full-costs", "All areas", "full_pence", &all_full)) {
		minutes = all_m;
		full = all_full;
	}
	case_row(cx, "Share of the pool's overheads", REP_PENCE, 1, share, 0, 0,
	    CS_OVERHEADS);
	case_row(cx, "Full cost per hour bought (with overheads)", REP_PENCE,
	    minutes > 0, report_per_hour(full, minutes), 0, 0, CS_UNIT_COSTS);
	have = case_figure(&cx->src[CS_SAVINGS], "savings", NULL,
	    "market_saving_pence", &saving);
	case_row(cx, "Saving against the market after overheads", REP_PENCE,
	    have, saving - share, 0, 0, CS_SAVINGS);
}

/* A baseline's rate an hour over the hours compared with it. */
static void
case_rate(struct case_ctx *cx, const char *measure, const char *cost_col)
{
	const struct report *s = &cx->src[CS_SAVINGS];
	int64_t cost, minutes;
	int have = case_figure(s, "savings", NULL, cost_col, &cost) &&
	    case_figure(s, "savings", NULL, "compared_minutes", &minutes) &&
	    minutes > 0;

	case_row(cx, measure, REP_PENCE, have,
	    have ? report_per_hour(cost, minutes) : 0, 0, 0, CS_SAVINGS);
}

/* What an hour bought through the pool cost, over every area. */
static void
case_unit_cost(struct case_ctx *cx)
{
	const struct rep_table *t = report_find_table(&cx->src[CS_UNIT_COSTS],
	    "by-area");
	const struct report *b = &cx->src[CS_BENCHMARK];
	int64_t minutes = 0, pence = 0, median;
	int have_m;
	size_t r;

	for (r = 0; t != NULL && r < t->nrows; r++) {
		minutes += t->cells[r * t->ncols + 1].v;
		pence += t->cells[r * t->ncols + 2].v;
	}
	have_m = case_figure(b, "benchmark", "Cost per hour, all areas",
	    "median", &median);
	case_row(cx, "Cost per hour bought", REP_PENCE, minutes > 0,
	    report_per_hour(pence, minutes), have_m, median, CS_UNIT_COSTS);
}

/*
 * Skills the council reached only through the pool: areas it bought time
 * in from other councils in the period while none of its own active
 * experts holds the area.
 */
static int
case_reach(struct ep_db *db, struct report *rep, int64_t org_id)
{
	struct rep_table *t = report_table(rep, "reach",
	    "Skills reached only through the pool", reach_cols,
	    nitems(reach_cols));
	sqlite3_stmt *s = db_stmt(db, "SELECT h.area, sum(h.minutes), "
	    "count(DISTINCT h.provider_id) FROM report_hours h WHERE "
	    "h.consumer_id = ?1 AND h.provider_id <> ?1 AND h.month BETWEEN ?2 "
	    "AND ?3 AND NOT EXISTS (SELECT 1 FROM experts e JOIN expert_skills k "
	    "ON k.expert_id = e.id WHERE e.org_id = ?1 AND e.active = 1 AND "
	    "k.area = h.area) GROUP BY h.area HAVING sum(h.minutes) <> 0 "
	    "ORDER BY h.area");

	if (s == NULL)
		return -1;
	t->chart = 1;
	t->note = "Skill areas the council bought time in from other councils "
	    "in the period and has no active expert of its own to cover: the "
	    "resilience sharing gave it.";
	sqlite3_bind_int64(s, 1, org_id);
	sqlite3_bind_text(s, 2, rep->period.first, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, rep->period.last, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const unsigned char *area = sqlite3_column_text(s, 0);

		report_row(t);
		report_text(t, 0, area != NULL ? (const char *)area : "");
		report_int(t, 1, sqlite3_column_int64(s, 1));
		report_int(t, 2, sqlite3_column_int64(s, 2));
	}
	sqlite3_reset(s);
	return 0;
}

/* Builds the reports the case reads, each for the same council and
 * period, inside the caller's read transaction. */
static int
case_sources(struct ep_db *db, struct case_ctx *cx, const struct report *rep,
    int64_t org_id, const char *at)
{
	size_t i;

	for (i = 0; i < CS_N; i++) {
		const struct report_def *def = report_def_find(case_src_names[i]);
		struct report *r = &cx->src[i];

		memset(r, 0, sizeof *r);
		r->name = def->name;
		r->period = rep->period;
		memcpy(r->org_code, rep->org_code, sizeof r->org_code);
		memcpy(r->org_name, rep->org_name, sizeof r->org_name);
		if (def->build(db, r, org_id, 0, at) != 0)
			return -1;
	}
	return 0;
}

/*
 * The business case of one council for one period: what it bought and
 * sold through the pool, what an hour cost it beside its baselines and
 * the consortium, the saving and its sign, how quickly it was served,
 * and the skills it reached only through the pool. Every figure is read
 * from the report it names, built in the same transaction, so the case
 * and its sources cannot disagree.
 */
int
report_case(struct ep_db *db, struct report *rep, int64_t org_id, int names,
    const char *at)
{
	struct case_ctx cx;
	size_t i;
	int rc = -1;

	(void)names;
	memset(&cx, 0, sizeof cx);
	cx.t = report_table(rep, "case", "What sharing gave the council",
	    case_cols, nitems(case_cols));
	cx.t->note = "Each figure is taken from the report named beside it, for "
	    "the same period; follow the link for how it is made. Savings are "
	    "against the council's own baselines, over the hours that had one.";
	if (case_sources(db, &cx, rep, org_id, at) != 0)
		goto out;
	case_copy(&cx, "Spent through the pool (net of credit notes)", REP_PENCE,
	    CS_VOLUMES, "invoices", "Spend (as consumer)", "net_pence");
	case_copy(&cx, "Earned through the pool (net of credit notes)",
	    REP_PENCE, CS_VOLUMES, "invoices", "Income (as provider)",
	    "net_pence");
	case_copy(&cx, "Hours bought", REP_MINUTES, CS_VOLUMES, "hours", NULL,
	    "consumed_minutes");
	case_copy(&cx, "Hours provided", REP_MINUTES, CS_VOLUMES, "hours", NULL,
	    "provided_minutes");
	case_unit_cost(&cx);
	case_rate(&cx, "In-house cost per hour (baseline)", "inhouse_cost_pence");
	case_rate(&cx, "Market rate per hour (baseline)", "market_cost_pence");
	case_copy(&cx, "Saving against the market", REP_PENCE, CS_SAVINGS,
	    "savings", NULL, "market_saving_pence");
	case_copy(&cx, "Share saved against the market", REP_BP, CS_SAVINGS,
	    "savings", NULL, "market_saving_bp");
	case_copy(&cx, "Saving against in-house", REP_PENCE, CS_SAVINGS,
	    "savings", NULL, "inhouse_saving_pence");
	case_overheads(&cx);
	case_compared(&cx, "Mean time to first offer", REP_MINUTES,
	    CS_BENCHMARK, "benchmark", "Mean time to first offer");
	case_compared(&cx, "Share offered within target", REP_BP, CS_BENCHMARK,
	    "benchmark", "Share offered within target");
	for (i = 0; i < nitems(case_quality); i++)
		case_compared(&cx, case_quality[i], REP_BP, CS_QUALITY,
		    "consumer", case_quality[i]);
	if (case_reach(db, rep, org_id) != 0)
		goto out;
	rc = 0;
out:
	for (i = 0; i < CS_N; i++)
		report_free(&cx.src[i]);
	return rc;
}
