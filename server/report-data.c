/* report-data.c: the five reports' figures, read from the summaries. */
#include "server.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <sqlite3.h>

static int report_volumes(struct ep_db *, struct report *, int64_t, int,
    const char *);
static int report_unit_costs(struct ep_db *, struct report *, int64_t, int,
    const char *);
static int report_savings(struct ep_db *, struct report *, int64_t, int,
    const char *);
static int report_benchmark(struct ep_db *, struct report *, int64_t, int,
    const char *);
static int report_resilience(struct ep_db *, struct report *, int64_t, int,
    const char *);

const struct report_def report_defs[] = {
	{ "volumes", "Volumes and flow", 0, report_volumes },
	{ "unit-costs", "Unit costs", 0, report_unit_costs },
	{ "savings", "Savings", 0, report_savings },
	{ "benchmark", "Benchmarks", 0, report_benchmark },
	{ "resilience", "Resilience", 1, report_resilience },
	{ "quality", "Quality", 0, report_quality },
	{ "overheads", "Overheads", 0, report_overheads },
	{ "case", "Business case", 0, report_case },
};
const size_t report_ndefs = nitems(report_defs);

const struct report_def *
report_def_find(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < report_ndefs; i++)
		if (strcmp(report_defs[i].name, name) == 0)
			return &report_defs[i];
	return NULL;
}

/* A statement over one organisation and the period's months (?1 ?2 ?3). */
static sqlite3_stmt *
rep_stmt(struct ep_db *db, const char *sql, int64_t org_id,
    const struct report *rep)
{
	sqlite3_stmt *s = db_stmt(db, sql);

	if (s == NULL)
		return NULL;
	sqlite3_bind_int64(s, 1, org_id);
	sqlite3_bind_text(s, 2, rep->period.first, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, rep->period.last, -1, SQLITE_STATIC);
	return s;
}

static const char *
col_text(sqlite3_stmt *s, int i)
{
	const char *t = (const char *)sqlite3_column_text(s, i);

	return t ? t : "";
}

/* --- Volumes --- */

static const struct rep_col hours_cols[] = {
	{ "area", "Skill area", REP_TEXT },
	{ "consumed_minutes", "Hours used", REP_MINUTES },
	{ "provided_minutes", "Hours provided", REP_MINUTES },
	{ "spend_pence", "Spend (priced)", REP_PENCE },
	{ "income_pence", "Income (priced)", REP_PENCE },
};
static const struct rep_col invoice_cols[] = {
	{ "side", "Side", REP_TEXT },
	{ "documents", "Invoices and credit notes", REP_INT },
	{ "net_pence", "Net", REP_PENCE },
	{ "vat_pence", "VAT", REP_PENCE },
	{ "total_pence", "Total", REP_PENCE },
};
static const struct rep_col flow_cols[] = {
	{ "area", "Skill area", REP_TEXT },
	{ "requests", "Requests", REP_INT },
	{ "offered", "Offered", REP_INT },
	{ "engaged", "Engaged", REP_INT },
	{ "mean_offer_minutes", "Mean time to first offer (hours)", REP_MINUTES },
	{ "mean_engage_minutes", "Mean time to engagement (hours)", REP_MINUTES },
	{ "within_target", "Offered within target", REP_INT },
	{ "within_target_bp", "Share within target", REP_BP },
};

/* One skill area's hours and pence, used [0] and provided [1]. */
struct vol_area {
	char *area;
	int64_t minutes[2], pence[2];
};

static int
vol_area_cmp(const void *a, const void *b)
{
	return strcmp(((const struct vol_area *)a)->area,
	    ((const struct vol_area *)b)->area);
}

/*
 * Hours used and provided, priced, by skill area, with a total row. The
 * summary's rows for each side are added up here, by area, and the
 * areas put in order after: a grouped and sorted union of both sides
 * cost the store twice as much as reading them.
 */
static int
volumes_hours(struct ep_db *db, struct report *rep, int64_t org_id)
{
	static const char *const sql[2] = {
		"SELECT area, minutes, pence FROM report_hours WHERE consumer_id = "
		"?1 AND month BETWEEN ?2 AND ?3",
		"SELECT area, minutes, pence FROM report_hours WHERE provider_id = "
		"?1 AND month BETWEEN ?2 AND ?3",
	};
	struct rep_table *t = report_table(rep, "hours", "Hours by skill area",
	    hours_cols, nitems(hours_cols));
	struct vol_area *v = NULL;
	int64_t sum[4] = { 0, 0, 0, 0 };
	size_t n = 0, cap = 0, i, k, side;
	int rc = -1;

	t->chart = 1;
	t->note = "Approved and invoiced time, by the month it was worked, "
	    "priced as approved.";
	for (side = 0; side < 2; side++) {
		sqlite3_stmt *s = rep_stmt(db, sql[side], org_id, rep);

		if (s == NULL)
			goto out;
		while (sqlite3_step(s) == SQLITE_ROW) {
			const char *area = col_text(s, 0);

			for (k = 0; k < n && strcmp(v[k].area, area) != 0; k++)
				;
			if (k == n) {
				if (n == cap) {
					cap = cap ? cap * 2 : 8;
					v = xrealloc(v, cap * sizeof *v);
				}
				memset(&v[n], 0, sizeof v[n]);
				v[n++].area = xstrdup(area);
			}
			v[k].minutes[side] += sqlite3_column_int64(s, 1);
			v[k].pence[side] += sqlite3_column_int64(s, 2);
		}
		sqlite3_reset(s);
	}
	if (n > 1)
		qsort(v, n, sizeof *v, vol_area_cmp);
	for (k = 0; k < n; k++) {
		const int64_t f[4] = { v[k].minutes[0], v[k].minutes[1],
			v[k].pence[0], v[k].pence[1] };

		report_row(t);
		report_text(t, 0, v[k].area);
		for (i = 0; i < 4; i++) {
			report_int(t, i + 1, f[i]);
			sum[i] += f[i];
		}
	}
	if (t->nrows > 1) {
		report_row(t);
		report_text(t, 0, "All areas");
		for (i = 0; i < 4; i++)
			report_int(t, i + 1, sum[i]);
	}
	rc = 0;
out:
	for (k = 0; k < n; k++)
		free(v[k].area);
	free(v);
	return rc;
}

/* What issued invoices and credit notes say the organisation spent and
 * earned: the cash side of the recharges. */
static int
volumes_invoices(struct ep_db *db, struct report *rep, int64_t org_id)
{
	static const char *const sides[2] = { "Spend (as consumer)",
		"Income (as provider)" };
	static const char *const sql[2] = {
		"SELECT count(*), coalesce(sum(documents), 0), coalesce(sum("
		"net_pence), 0), coalesce(sum(vat_pence), 0), coalesce(sum("
		"total_pence), 0) FROM report_invoices WHERE consumer_id = ?1 AND "
		"month BETWEEN ?2 AND ?3",
		"SELECT count(*), coalesce(sum(documents), 0), coalesce(sum("
		"net_pence), 0), coalesce(sum(vat_pence), 0), coalesce(sum("
		"total_pence), 0) FROM report_invoices WHERE provider_id = ?1 AND "
		"month BETWEEN ?2 AND ?3",
	};
	struct rep_table *t = report_table(rep, "invoices",
	    "Spend and income invoiced", invoice_cols, nitems(invoice_cols));
	size_t i, k;

	t->chart = 2;
	t->note = "Issued recharge invoices less credit notes, by the period "
	    "they bill.";
	for (i = 0; i < 2; i++) {
		sqlite3_stmt *s = rep_stmt(db, sql[i], org_id, rep);

		if (s == NULL)
			return -1;
		if (sqlite3_step(s) == SQLITE_ROW) {
			report_row(t);
			report_text(t, 0, sides[i]);
			for (k = 1; k <= 4; k++)
				report_int(t, k, sqlite3_column_int64(s, (int)k));
		}
		sqlite3_reset(s);
	}
	return 0;
}

/* One flow row from its sums. */
static void
flow_row(struct rep_table *t, const char *area, const int64_t v[6])
{
	report_row(t);
	report_text(t, 0, area);
	report_int(t, 1, v[0]);
	report_int(t, 2, v[1]);
	report_int(t, 3, v[2]);
	if (v[1] > 0)
		report_int(t, 4, report_div(v[3], v[1]));
	if (v[2] > 0)
		report_int(t, 5, report_div(v[4], v[2]));
	report_int(t, 6, v[5]);
	report_int(t, 7, report_bp(v[5], v[0]));
}

/* Requests submitted in the period and how quickly the pool answered. */
static int
volumes_flow(struct ep_db *db, struct report *rep, int64_t org_id)
{
	struct rep_table *t = report_table(rep, "flow", "Requests and response",
	    flow_cols, nitems(flow_cols));
	sqlite3_stmt *s = rep_stmt(db, "SELECT area, sum(requests), "
	    "sum(offered), sum(engaged), sum(offer_minutes), "
	    "sum(engage_minutes), sum(within_target) FROM report_flow WHERE "
	    "consumer_id = ?1 AND month BETWEEN ?2 AND ?3 GROUP BY area ORDER BY "
	    "area", org_id, rep);
	int64_t v[6], sum[6] = { 0, 0, 0, 0, 0, 0 }, target;
	size_t i;
	char *note;

	if (s == NULL)
		return -1;
	t->chart = 1;
	while (sqlite3_step(s) == SQLITE_ROW) {
		for (i = 0; i < 6; i++) {
			v[i] = sqlite3_column_int64(s, (int)i + 1);
			sum[i] += v[i];
		}
		flow_row(t, col_text(s, 0), v);
	}
	sqlite3_reset(s);
	if (t->nrows > 1)
		flow_row(t, "All areas", sum);
	if ((target = report_target_get(db)) < 0)
		return -1;
	note = xprintf("Requests by the month they were submitted. The "
	    "consortium's target is a first offer within %lld hours; the means "
	    "are in hours, rounded half to even to the minute.",
	    (long long)(target / 60));
	snprintf(rep->note_buf, sizeof rep->note_buf, "%s", note);
	free(note);
	t->note = rep->note_buf;
	return 0;
}

static int
report_volumes(struct ep_db *db, struct report *rep, int64_t org_id,
    int names, const char *at)
{
	(void)names;
	(void)at;
	if (volumes_hours(db, rep, org_id) != 0 ||
	    volumes_invoices(db, rep, org_id) != 0 ||
	    volumes_flow(db, rep, org_id) != 0)
		return -1;
	return 0;
}

/* --- Unit costs --- */

static const struct rep_col grade_cols[] = {
	{ "area", "Skill area", REP_TEXT },
	{ "grade", "Grade", REP_TEXT },
	{ "minutes", "Hours", REP_MINUTES },
	{ "pence", "Cost", REP_PENCE },
	{ "pence_per_hour", "Cost per hour", REP_PENCE },
};
static const struct rep_col area_cost_cols[] = {
	{ "area", "Skill area", REP_TEXT },
	{ "minutes", "Hours", REP_MINUTES },
	{ "pence", "Cost", REP_PENCE },
	{ "pence_per_hour", "Cost per hour", REP_PENCE },
};

/* What an hour of pooled expertise cost the organisation, by skill area
 * and grade and by area alone. */
static int
report_unit_costs(struct ep_db *db, struct report *rep, int64_t org_id,
    int names, const char *at)
{
	struct rep_table *g = report_table(rep, "by-grade",
	    "Cost per hour by skill area and grade", grade_cols,
	    nitems(grade_cols));
	struct rep_table *a = report_table(rep, "by-area",
	    "Cost per hour by skill area", area_cost_cols,
	    nitems(area_cost_cols));
	sqlite3_stmt *s;
	int64_t m, p;

	(void)names;
	(void)at;
	g->chart = 4;
	a->chart = 3;
	g->note = "Approved and invoiced time used by the organisation; cost per "
	    "hour is cost \xc3\x97 60 / minutes in pence, rounded half to even.";
	s = rep_stmt(db, "SELECT area, grade, sum(minutes), sum(pence) FROM "
	    "report_hours WHERE consumer_id = ?1 AND month BETWEEN ?2 AND ?3 "
	    "GROUP BY area, grade ORDER BY area, grade", org_id, rep);
	if (s == NULL)
		return -1;
	while (sqlite3_step(s) == SQLITE_ROW) {
		m = sqlite3_column_int64(s, 2);
		p = sqlite3_column_int64(s, 3);
		report_row(g);
		report_text(g, 0, col_text(s, 0));
		report_text(g, 1, col_text(s, 1));
		report_int(g, 2, m);
		report_int(g, 3, p);
		if (m > 0)
			report_int(g, 4, report_per_hour(p, m));
	}
	sqlite3_reset(s);
	s = rep_stmt(db, "SELECT area, sum(minutes), sum(pence) FROM "
	    "report_consumer WHERE consumer_id = ?1 AND month BETWEEN ?2 AND ?3 "
	    "GROUP BY area ORDER BY area", org_id, rep);
	if (s == NULL)
		return -1;
	while (sqlite3_step(s) == SQLITE_ROW) {
		m = sqlite3_column_int64(s, 1);
		p = sqlite3_column_int64(s, 2);
		report_row(a);
		report_text(a, 0, col_text(s, 0));
		report_int(a, 1, m);
		report_int(a, 2, p);
		if (m > 0)
			report_int(a, 3, report_per_hour(p, m));
	}
	sqlite3_reset(s);
	return report_full_costs(db, rep, org_id);
}

/* --- Savings --- */

static const struct rep_col saving_cols[] = {
	{ "area", "Skill area", REP_TEXT },
	{ "minutes", "Hours used", REP_MINUTES },
	{ "spend_pence", "Spend (priced)", REP_PENCE },
	{ "compared_minutes", "Hours with a baseline", REP_MINUTES },
	{ "compared_spend_pence", "Spend on those hours", REP_PENCE },
	{ "market_cost_pence", "At the market rate", REP_PENCE },
	{ "market_saving_pence", "Cashable saving against the market",
	  REP_PENCE },
	{ "market_saving_bp", "Share saved against the market", REP_BP },
	{ "inhouse_cost_pence", "At the in-house cost", REP_PENCE },
	{ "inhouse_saving_pence", "Saving against in-house", REP_PENCE },
	{ "inhouse_saving_bp", "Share saved against in-house", REP_BP },
};

struct saving_sum {
	char area[16];
	int64_t minutes, spend, cmin, cspend;
	int64_t market_pm, inhouse_pm;	/* pence x minutes per hour */
};

/* One savings row: baseline costs are rate x minutes / 60, rounded half
 * to even once per area, after summing over the months. */
static void
saving_row(struct rep_table *t, const struct saving_sum *v)
{
	int64_t market = report_div(v->market_pm, 60);
	int64_t inhouse = report_div(v->inhouse_pm, 60);

	report_row(t);
	report_text(t, 0, v->area);
	report_int(t, 1, v->minutes);
	report_int(t, 2, v->spend);
	report_int(t, 3, v->cmin);
	report_int(t, 4, v->cspend);
	if (v->cmin == 0)
		return;
	report_int(t, 5, market);
	report_int(t, 6, market - v->cspend);
	report_int(t, 7, report_bp(market - v->cspend, market));
	report_int(t, 8, inhouse);
	report_int(t, 9, inhouse - v->cspend);
	report_int(t, 10, report_bp(inhouse - v->cspend, inhouse));
}

/*
 * Against what the same hours would have cost at the organisation's
 * baselines: for each month, the baseline of that area in force on the
 * month's first day. Months without one are left out of the comparison
 * (the compared hours say how much was compared).
 */
static int
report_savings(struct ep_db *db, struct report *rep, int64_t org_id,
    int names, const char *at)
{
	struct rep_table *t = report_table(rep, "savings",
	    "Savings against the baselines", saving_cols, nitems(saving_cols));
	sqlite3_stmt *s, *b;
	struct saving_sum cur, all;
	int any = 0, nareas = 0;

	(void)names;
	(void)at;
	t->chart = 6;
	t->note = "Baselines are the organisation's own per-hour figures for "
	    "each skill area. Shares are savings over the baseline cost, in per "
	    "cent to two places, rounded half to even.";
	memset(&cur, 0, sizeof cur);
	memset(&all, 0, sizeof all);
	snprintf(all.area, sizeof all.area, "All areas");
	s = rep_stmt(db, "SELECT area, month, sum(minutes), sum(pence) FROM "
	    "report_consumer WHERE consumer_id = ?1 AND month BETWEEN ?2 AND ?3 "
	    "GROUP BY area, month ORDER BY area, month", org_id, rep);
	if (s == NULL)
		return -1;
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *area = col_text(s, 0);
		char day[11];
		int64_t m = sqlite3_column_int64(s, 2), p = sqlite3_column_int64(s, 3);

		if (any && strcmp(cur.area, area) != 0) {
			saving_row(t, &cur);
			nareas++;
			memset(&cur, 0, sizeof cur);
		}
		any = 1;
		snprintf(cur.area, sizeof cur.area, "%s", area);
		cur.minutes += m;
		cur.spend += p;
		all.minutes += m;
		all.spend += p;
		snprintf(day, sizeof day, "%s-01", col_text(s, 1));
		b = db_stmt(db, "SELECT inhouse_pence, market_pence FROM baselines "
		    "WHERE org_id = ? AND area = ? AND valid_from <= ? ORDER BY "
		    "valid_from DESC LIMIT 1");
		if (b == NULL)
			break;
		sqlite3_bind_int64(b, 1, org_id);
		sqlite3_bind_text(b, 2, area, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(b, 3, day, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(b) == SQLITE_ROW) {
			int64_t in = sqlite3_column_int64(b, 0);
			int64_t mk = sqlite3_column_int64(b, 1);

			cur.cmin += m;
			cur.cspend += p;
			cur.inhouse_pm += in * m;
			cur.market_pm += mk * m;
			all.cmin += m;
			all.cspend += p;
			all.inhouse_pm += in * m;
			all.market_pm += mk * m;
		}
		sqlite3_reset(b);
	}
	sqlite3_reset(s);
	if (any) {
		saving_row(t, &cur);
		nareas++;
	}
	if (nareas > 1)
		saving_row(t, &all);
	return 0;
}

/* --- Benchmarks --- */

static const struct rep_col bench_cols[] = {
	{ "metric", "Measure", REP_TEXT },
	{ "unit", "Unit", REP_UNIT },
	{ "yours", "Yours", REP_INT },
	{ "organisations", "Organisations compared", REP_INT },
	{ "lower_quartile", "Lower quartile", REP_INT },
	{ "median", "Median", REP_INT },
	{ "upper_quartile", "Upper quartile", REP_INT },
};
static const struct rep_col bench_org_cols[] = {
	{ "organisation", "Organisation", REP_TEXT },
	{ "name", "Name", REP_TEXT },
	{ "minutes", "Hours used", REP_MINUTES },
	{ "pence_per_hour", "Cost per hour", REP_PENCE },
	{ "mean_offer_minutes", "Mean time to first offer", REP_MINUTES },
	{ "within_target_bp", "Share within target", REP_BP },
};

/* One organisation's figures for the period, as benchmarks compare them. */
struct bench_org {
	int64_t id;
	int64_t minutes[7], pence[7];	/* by bench_areas index; [0] all */
	int64_t requests, offered, offer_minutes, engaged, engage_minutes;
	int64_t within;
};

static const char *const bench_areas[] = { "", "legal", "it", "procurement",
	"hr", "finance", "planning" };

/* The index of id in v (sorted by id), or where it would go. */
static size_t
bench_at(const struct bench_org *v, size_t n, int64_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* An organisation's figures in v, or NULL. */
static const struct bench_org *
bench_lookup(const struct bench_org *v, size_t n, int64_t id)
{
	size_t i = bench_at(v, n, id);

	return i < n && v[i].id == id ? &v[i] : NULL;
}

/*
 * Every organisation's figures for the period from report_period_orgs
 * (migration 0023): one row each, the areas of bench_areas as columns
 * in its order, read in organisation id order into v.
 */
static int
bench_load(struct ep_db *db, const struct report *rep, struct bench_org **v,
    size_t *n)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT consumer_id, minutes, pence, "
	    "legal_minutes, legal_pence, it_minutes, it_pence, "
	    "procurement_minutes, procurement_pence, hr_minutes, hr_pence, "
	    "finance_minutes, finance_pence, planning_minutes, planning_pence, "
	    "requests, offered, offer_minutes, engaged, engage_minutes, "
	    "within_target FROM report_period_orgs WHERE period = ? ORDER BY "
	    "consumer_id");
	struct bench_org *o;
	size_t a, cap = 0;
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, rep->period.label, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			*v = xrealloc(*v, cap * sizeof **v);
		}
		o = &(*v)[(*n)++];
		memset(o, 0, sizeof *o);
		o->id = sqlite3_column_int64(s, 0);
		for (a = 0; a < nitems(bench_areas); a++) {
			o->minutes[a] = sqlite3_column_int64(s, 1 + 2 * (int)a);
			o->pence[a] = sqlite3_column_int64(s, 2 + 2 * (int)a);
		}
		o->requests = sqlite3_column_int64(s, 15);
		o->offered = sqlite3_column_int64(s, 16);
		o->offer_minutes = sqlite3_column_int64(s, 17);
		o->engaged = sqlite3_column_int64(s, 18);
		o->engage_minutes = sqlite3_column_int64(s, 19);
		o->within = sqlite3_column_int64(s, 20);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

enum bench_metric { BM_COST, BM_OFFER, BM_ENGAGE, BM_WITHIN };

/* One organisation's value of a measure; 0 when it has none. */
static int
bench_value(const struct bench_org *o, enum bench_metric m, size_t area,
    int64_t *out)
{
	switch (m) {
	case BM_COST:
		if (o->minutes[area] <= 0)
			return 0;
		*out = report_per_hour(o->pence[area], o->minutes[area]);
		return 1;
	case BM_OFFER:
		if (o->offered == 0)
			return 0;
		*out = report_div(o->offer_minutes, o->offered);
		return 1;
	case BM_ENGAGE:
		if (o->engaged == 0)
			return 0;
		*out = report_div(o->engage_minutes, o->engaged);
		return 1;
	case BM_WITHIN:
		if (o->requests == 0)
			return 0;
		*out = report_bp(o->within, o->requests);
		return 1;
	}
	return 0;
}

/* One benchmark row: the organisation's figure beside everyone's spread. */
static void
bench_row(struct rep_table *t, const struct bench_org *v, size_t n,
    const struct bench_org *mine, const char *label, enum bench_metric m,
    size_t area)
{
	static const char *const units[] = { "pence_per_hour", "minutes",
		"minutes", "basis_points" };
	static const enum rep_kind kinds[] = { REP_PENCE, REP_MINUTES,
		REP_MINUTES, REP_BP };
	int64_t *vals = xcalloc(n + 1, sizeof *vals), x;
	struct rep_spread sp;
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (bench_value(&v[i], m, area, &x))
			vals[k++] = x;
	report_spread(vals, k, &sp);
	free(vals);
	if (k == 0)
		return;
	report_row(t);
	report_text(t, 0, label);
	report_text(t, 1, units[m]);
	if (mine != NULL && bench_value(mine, m, area, &x))
		report_int_kind(t, 2, x, kinds[m]);
	report_int(t, 3, sp.n);
	report_int_kind(t, 4, sp.q1, kinds[m]);
	report_int_kind(t, 5, sp.median, kinds[m]);
	report_int_kind(t, 6, sp.q3, kinds[m]);
}

/*
 * The named table: every organisation's figures, for consortium roles,
 * in code order. A paged build keeps its page's rows only, the others
 * counted for the pager: the page shows a hundred organisations, and
 * copying every other one's code and name was much of its cost. A page
 * past the last shows the last, found once the rows are counted.
 */
static int
bench_named(struct ep_db *db, struct report *rep, const struct bench_org *v,
    size_t n)
{
	struct rep_table *t = report_table(rep, "organisations",
	    "Every organisation", bench_org_cols, nitems(bench_org_cols));
	sqlite3_stmt *s = db_stmt(db, "SELECT id, code, name FROM "
	    "organisations ORDER BY code");
	size_t first = 0, end = SIZE_MAX, k;
	int64_t x;

	if (s == NULL)
		return -1;
	t->chart = 3;
	t->page_rows = 100;
	t->note = "Shown to pool managers and administrators only.";
	if (rep->paged) {
		first = rep->page * t->page_rows;
		end = first + t->page_rows;
	}
again:
	k = 0;
	while (sqlite3_step(s) == SQLITE_ROW) {
		const struct bench_org *o = bench_lookup(v, n,
		    sqlite3_column_int64(s, 0));

		if (o == NULL)
			continue;
		if (k < first || k >= end) {
			report_rows_counted(t, 1);
			k++;
			continue;
		}
		k++;
		report_row(t);
		report_text(t, 0, col_text(s, 1));
		report_text(t, 1, col_text(s, 2));
		report_int(t, 2, o->minutes[0]);
		if (bench_value(o, BM_COST, 0, &x))
			report_int(t, 3, x);
		if (bench_value(o, BM_OFFER, 0, &x))
			report_int(t, 4, x);
		if (bench_value(o, BM_WITHIN, 0, &x))
			report_int(t, 5, x);
	}
	sqlite3_reset(s);
	if (k > 0 && first >= k) {
		report_page_span(k, t->page_rows, rep->page, &first, &end);
		t->nrows = 0;
		goto again;
	}
	return 0;
}

/*
 * The organisation's unit costs and response times beside the
 * consortium's spread of the same figures, one value per organisation
 * that has one. No other organisation is named unless names is set
 * (pool managers, administrators).
 */
static int
report_benchmark(struct ep_db *db, struct report *rep, int64_t org_id,
    int names, const char *at)
{
	struct rep_table *t = report_table(rep, "benchmark",
	    "Your figures beside the consortium's", bench_cols,
	    nitems(bench_cols));
	struct bench_org *v = NULL, *mine = NULL;
	char label[64];
	size_t n = 0, i;
	int rc = -1;

	(void)at;
	t->chart = 2;
	t->marker = 5;
	t->note = "Quartiles by the nearest-rank method over the organisations "
	    "with a figure; the red tick on each bar is the consortium's "
	    "median. Other organisations are not named.";
	if (bench_load(db, rep, &v, &n) != 0)
		goto out;
	for (i = 0; i < n; i++)
		if (v[i].id == org_id)
			mine = &v[i];
	bench_row(t, v, n, mine, "Cost per hour, all areas", BM_COST, 0);
	for (i = 1; i < nitems(bench_areas); i++) {
		snprintf(label, sizeof label, "Cost per hour, %s", bench_areas[i]);
		bench_row(t, v, n, mine, label, BM_COST, i);
	}
	bench_row(t, v, n, mine, "Mean time to first offer", BM_OFFER, 0);
	bench_row(t, v, n, mine, "Mean time to engagement", BM_ENGAGE, 0);
	bench_row(t, v, n, mine, "Share offered within target", BM_WITHIN, 0);
	if (names && bench_named(db, rep, v, n) != 0)
		goto out;
	rc = 0;
out:
	free(v);
	return rc;
}

/* --- Resilience --- */

static const struct rep_col single_cols[] = {
	{ "area", "Skill area", REP_TEXT },
	{ "speciality", "Speciality", REP_TEXT },
	{ "expert", "The one expert", REP_TEXT },
	{ "organisation", "Employed by", REP_TEXT },
};
static const struct rep_col cover_cols[] = {
	{ "area", "Skill area", REP_TEXT },
	{ "experts", "Experts", REP_INT },
	{ "weekly_minutes", "Weekly capacity (hours)", REP_MINUTES },
	{ "free_minutes", "Free in the next 8 weeks (hours)", REP_MINUTES },
};
static const struct rep_col load_cols[] = {
	{ "expert", "Expert", REP_TEXT },
	{ "organisation", "Employed by", REP_TEXT },
	{ "weekly_minutes", "Weekly capacity (hours)", REP_MINUTES },
	{ "last_minutes", "Logged, last 8 weeks (hours)", REP_MINUTES },
	{ "last_load_bp", "Load, last 8 weeks", REP_BP },
	{ "next_free_minutes", "Free, next 8 weeks (hours)", REP_MINUTES },
	{ "next_load_bp", "Booked, next 8 weeks", REP_BP },
};

#define RES_AREAS 8		/* skill areas the cover table counts */

/*
 * What resilience reads from the directory alone (experts, their skills,
 * leave and engagements, organisations' codes) for one day: the single
 * points of failure, each active expert's free time over the next eight
 * weeks, and cover by area. None of it moves as entries are approved, so
 * it is kept between requests while the directory's generation
 * (migration 0007) and the day are those it was computed for; the
 * approved time of the last eight weeks is always read afresh.
 */
struct res_single {
	char *area, *speciality, *expert, *org;
};
struct res_expert {
	int64_t id, weekly, free_m;
	char *name, *org;
};
struct res_area {
	char area[16];
	int64_t n, weekly, free;
};
struct res_dir {
	int valid;
	int64_t gen;
	char at[11];
	struct res_single *single;
	struct res_expert *experts;
	struct res_area areas[RES_AREAS];
	size_t nsingle, nexperts, nareas;
};

static struct res_dir res_kept;
static pthread_mutex_t res_lock = PTHREAD_MUTEX_INITIALIZER;

static void
res_dir_free(struct res_dir *d)
{
	size_t i;

	for (i = 0; i < d->nsingle; i++) {
		free(d->single[i].area);
		free(d->single[i].speciality);
		free(d->single[i].expert);
		free(d->single[i].org);
	}
	for (i = 0; i < d->nexperts; i++) {
		free(d->experts[i].name);
		free(d->experts[i].org);
	}
	free(d->single);
	free(d->experts);
	memset(d, 0, sizeof *d);
}

/* A date some days from another, as YYYY-MM-DD. */
static void
rep_day_add(const char *date, int days, char out[11])
{
	day_format(day_of(date) + days, out);
}

/* Skills only one active expert holds. */
static int
res_dir_single(struct ep_db *db, struct res_dir *d)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT k.area, k.speciality, "
	    "min(x.name), min(o.code) FROM expert_skills k JOIN experts x ON "
	    "x.id = k.expert_id AND x.active = 1 JOIN organisations o ON "
	    "o.id = x.org_id GROUP BY k.area, k.speciality HAVING count(*) = 1 "
	    "ORDER BY k.area, k.speciality");
	size_t cap = 0;
	int rc;

	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct res_single *k;

		if (d->nsingle == cap) {
			cap = cap ? cap * 2 : 16;
			d->single = xrealloc(d->single, cap * sizeof *d->single);
		}
		k = &d->single[d->nsingle++];
		k->area = xstrdup(col_text(s, 0));
		k->speciality = xstrdup(col_text(s, 1));
		k->expert = xstrdup(col_text(s, 2));
		k->org = xstrdup(col_text(s, 3));
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Every active expert's leave and engagements over the next window, and
 * skill areas, each list sorted by expert.
 */
struct res_skill {
	int64_t expert_id;
	char area[16];
};
struct res_spans {
	struct expert_span *leave, *commits;
	struct res_skill *skills;
	size_t nleave, ncommits, nskills;
};

static void
resilience_spans_free(struct res_spans *sp)
{
	free(sp->leave);
	free(sp->commits);
	free(sp->skills);
}

/* One grouped query each, not a query per expert. */
static int
resilience_spans(struct ep_db *db, const char *from, const char *to,
    struct res_spans *sp)
{
	sqlite3_stmt *s;
	size_t cap;

	memset(sp, 0, sizeof *sp);
	s = db_stmt(db, "SELECT expert_id, starts, ends, 0 FROM expert_leave "
	    "WHERE starts <= ?2 AND ends >= ?3 ORDER BY expert_id, starts");
	if (s == NULL)
		return -1;
	expert_spans(s, 0, from, to, &sp->leave, &sp->nleave);
	s = db_stmt(db, "SELECT expert_id, starts, ends, committed_minutes FROM "
	    "engagements WHERE state = 'active' AND starts <= ?2 AND ends >= ?3 "
	    "ORDER BY expert_id");
	if (s == NULL)
		return -1;
	expert_spans(s, 0, from, to, &sp->commits, &sp->ncommits);
	s = db_stmt(db, "SELECT DISTINCT expert_id, area FROM expert_skills "
	    "ORDER BY expert_id, area");
	if (s == NULL)
		return -1;
	for (cap = 0; sqlite3_step(s) == SQLITE_ROW;) {
		struct res_skill *k;

		if (sp->nskills == cap) {
			cap = cap ? cap * 2 : 256;
			sp->skills = xrealloc(sp->skills, cap * sizeof *sp->skills);
		}
		k = &sp->skills[sp->nskills++];
		k->expert_id = sqlite3_column_int64(s, 0);
		snprintf(k->area, sizeof k->area, "%s", col_text(s, 1));
	}
	sqlite3_reset(s);
	return 0;
}

/*
 * The run of elements belonging to one expert in a list sorted by expert,
 * each element of size bytes and starting with its expert's id.
 */
static const void *
resilience_run(const void *v, size_t n, size_t size, int64_t expert_id,
    size_t *len)
{
	const char *base = v;
	size_t lo = 0, hi = n;
	int64_t id;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		memcpy(&id, base + mid * size, sizeof id);
		if (id < expert_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (hi = lo; hi < n; hi++) {
		memcpy(&id, base + hi * size, sizeof id);
		if (id != expert_id)
			break;
	}
	*len = hi - lo;
	return base + lo * size;
}

/* Adds an expert's capacity and free time to the cover of one area. */
static void
res_dir_cover(struct res_dir *d, const char *area, int64_t weekly,
    int64_t free_m)
{
	size_t i;

	for (i = 0; i < d->nareas && strcmp(d->areas[i].area, area) != 0; i++)
		;
	if (i == d->nareas && d->nareas == RES_AREAS)
		return;
	if (i == d->nareas)
		snprintf(d->areas[d->nareas++].area, sizeof d->areas[0].area, "%s",
		    area);
	d->areas[i].n++;
	d->areas[i].weekly += weekly;
	d->areas[i].free += free_m;
}

/*
 * Each active expert's free time over the next eight weeks from at
 * (capacity less leave and engagements, as the broker counts them), in
 * the load table's order, and cover by area from the same figures.
 */
static int
res_dir_experts(struct ep_db *db, struct res_dir *d, const char *at)
{
	sqlite3_stmt *s;
	char next_to[11];
	struct res_spans sp;
	size_t cap = 0, j;
	int64_t day = day_of(at);
	int rc;

	rep_day_add(at, 55, next_to);
	if (resilience_spans(db, at, next_to, &sp) != 0)
		goto fail;
	s = db_stmt(db, "SELECT x.id, x.name, o.code, x.weekly_capacity_minutes "
	    "FROM experts x JOIN organisations o ON o.id = x.org_id WHERE "
	    "x.active = 1 ORDER BY o.code, x.name, x.id");
	if (s == NULL)
		goto fail;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const struct expert_span *lv, *cm;
		const struct res_skill *sk;
		struct res_expert *x;
		size_t nlv, ncm, nsk;

		if (d->nexperts == cap) {
			cap = cap ? cap * 2 : 256;
			d->experts = xrealloc(d->experts, cap * sizeof *d->experts);
		}
		x = &d->experts[d->nexperts++];
		x->id = sqlite3_column_int64(s, 0);
		x->name = xstrdup(col_text(s, 1));
		x->org = xstrdup(col_text(s, 2));
		x->weekly = sqlite3_column_int64(s, 3);
		lv = resilience_run(sp.leave, sp.nleave, sizeof *lv, x->id, &nlv);
		cm = resilience_run(sp.commits, sp.ncommits, sizeof *cm, x->id, &ncm);
		sk = resilience_run(sp.skills, sp.nskills, sizeof *sk, x->id, &nsk);
		x->free_m = expert_free_of(x->weekly, day, day + 55, lv, nlv, cm,
		    ncm);
		for (j = 0; j < nsk; j++)
			res_dir_cover(d, sk[j].area, x->weekly, x->free_m);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		goto fail;
	resilience_spans_free(&sp);
	return 0;
fail:
	resilience_spans_free(&sp);
	return -1;
}

/*
 * The directory's figures for at, as the store stands in the caller's
 * read transaction: those kept when the generation and day match, else
 * computed now and kept. Called with res_lock held.
 */
static const struct res_dir *
res_dir_get(struct ep_db *db, const char *at)
{
	struct res_dir d;
	int64_t gen = 0;
	int known = db_generation(db, "directory", &gen);

	if (known && res_kept.valid && res_kept.gen == gen &&
	    strcmp(res_kept.at, at) == 0) {
		return &res_kept;
	}
	memset(&d, 0, sizeof d);
	if (res_dir_single(db, &d) != 0 || res_dir_experts(db, &d, at) != 0) {
		res_dir_free(&d);
		return NULL;
	}
	d.valid = known;
	d.gen = gen;
	snprintf(d.at, sizeof d.at, "%s", at);
	res_dir_free(&res_kept);
	res_kept = d;
	return &res_kept;
}

static void
resilience_tables(struct report *rep, const struct res_dir *d)
{
	struct rep_table *t = report_table(rep, "single-points",
	    "Skills held by only one expert", single_cols, nitems(single_cols));
	struct rep_table *c = report_table(rep, "cover",
	    "Cover by skill area", cover_cols, nitems(cover_cols));
	size_t i;

	t->note = "Single points of failure: each of these skills is lost if "
	    "its one expert leaves or is away.";
	for (i = 0; i < d->nsingle; i++) {
		report_row(t);
		report_text(t, 0, d->single[i].area);
		report_text(t, 1, d->single[i].speciality);
		report_text(t, 2, d->single[i].expert);
		report_text(t, 3, d->single[i].org);
	}
	c->chart = 3;
	for (i = 0; i < d->nareas; i++) {
		report_row(c);
		report_text(c, 0, d->areas[i].area);
		report_int(c, 1, d->areas[i].n);
		report_int(c, 2, d->areas[i].weekly);
		report_int(c, 3, d->areas[i].free);
	}
}

/*
 * The approved minutes each expert of d's [first, end) logged in the
 * weeks [from, to), into last (indexed from first): one statement over
 * the page's experts, given as a JSON array of their ids, instead of
 * one statement for each.
 */
static int
resilience_logged(struct ep_db *db, const struct res_dir *d, size_t first,
    size_t end, const char *from, const char *to, int64_t *last)
{
	sqlite3_stmt *s;
	struct evbuffer *ids;
	size_t i, k;
	char num[24];
	int rc;

	if (first >= end)
		return 0;
	s = db_stmt(db, "SELECT j.key, (SELECT coalesce(sum(l.minutes), 0) "
	    "FROM report_load l WHERE l.expert_id = j.value AND l.week >= ?2 "
	    "AND l.week < ?3) FROM json_each(?1) j");
	if (s == NULL)
		return -1;
	ids = evbuffer_new();
	for (i = first; i < end; i++) {
		evbuffer_add(ids, i == first ? "[" : ",", 1);
		evbuffer_add(ids, num, html_int_text(num, d->experts[i].id));
	}
	evbuffer_add(ids, "]", 1);
	sqlite3_bind_text(s, 1, (const char *)evbuffer_pullup(ids, -1),
	    (int)evbuffer_get_length(ids), SQLITE_TRANSIENT);
	evbuffer_free(ids);
	sqlite3_bind_text(s, 2, from, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, to, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		k = (size_t)sqlite3_column_int64(s, 0);
		if (k < end - first)
			last[k] = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Load by expert: approved time logged over the eight whole weeks before
 * at's, read from report_load, beside the next eight weeks' free time.
 * A page of the report fills its own rows only, the others left empty
 * (counted for the pager, never shown): reading every expert's logged
 * time is what would cost.
 */
static int
resilience_load(struct ep_db *db, struct report *rep, const struct res_dir *d,
    const char *at)
{
	struct rep_table *l = report_table(rep, "load",
	    "Load on each expert", load_cols, nitems(load_cols));
	char last_from[11], monday[11];
	size_t i, first = 0, end = d->nexperts;
	int64_t day = day_of(at), *last;
	int rc = -1;

	l->chart = 4;
	l->marker = 6;
	l->page_rows = 100;
	l->note = "Load is approved time over eight weeks of capacity; booked is "
	    "the share of the next eight weeks' capacity taken by engagements "
	    "and leave (the red tick).";
	day_format(day - weekday_of(day), monday); /* this week's: Monday is 0 */
	rep_day_add(monday, -56, last_from);
	if (rep->paged)
		report_page_span(d->nexperts, l->page_rows, rep->page, &first,
		    &end);
	last = xcalloc(end - first + 1, sizeof *last);
	if (resilience_logged(db, d, first, end, last_from, monday, last) != 0)
		goto out;
	report_rows_counted(l, first);	/* not shown: only counted */
	for (i = first; i < end; i++) {
		const struct res_expert *x = &d->experts[i];
		int64_t week8 = x->weekly * 8;

		report_row(l);
		report_text(l, 0, x->name);
		report_text(l, 1, x->org);
		report_int(l, 2, x->weekly);
		report_int(l, 3, last[i - first]);
		report_int(l, 4, report_bp(last[i - first], week8));
		report_int(l, 5, x->free_m);
		report_int(l, 6, report_bp(week8 - x->free_m, week8));
	}
	report_rows_counted(l, d->nexperts - end);
	rc = 0;
out:
	free(last);
	return rc;
}

/*
 * The pool manager's view: skills held by one expert, cover by area and
 * load by expert. The directory's part comes from res_dir_get(), the
 * logged time from the summary, both in the caller's read transaction.
 */
static int
report_resilience(struct ep_db *db, struct report *rep, int64_t org_id,
    int names, const char *at)
{
	const struct res_dir *d;
	int rc = -1;

	(void)org_id;
	(void)names;
	pthread_mutex_lock(&res_lock);
	d = res_dir_get(db, at);
	if (d != NULL) {
		resilience_tables(rep, d);
		rc = resilience_load(db, rep, d, at);
	}
	pthread_mutex_unlock(&res_lock);
	return rc;
}

/*
 * Builds a report for an organisation (ignored by consortium reports) and
 * a period, inside one read transaction so every table agrees. at is
 * today unless given (YYYY-MM-DD), for the resilience windows. page 0
 * builds every row in full (CSV, JSON); page n from 1 is for a page that
 * shows the nth page_rows of long tables, whose other rows may lack the
 * figures that cost most to read.
 */
int
report_build(struct ep_db *db, const struct report_def *def, int64_t org_id,
    const char *period, int names, const char *at, size_t page,
    struct report *rep, char *err, size_t errlen)
{
	char today[11], label[16];
	int rc, own;

	memset(rep, 0, sizeof *rep);
	rep->name = def->name;
	if (page > 0) {
		rep->paged = 1;
		rep->page = page - 1;
	}
	if (period == NULL || *period == '\0')
		report_period_current(label, sizeof label);
	else
		snprintf(label, sizeof label, "%s", period);
	if (report_period_parse(label, &rep->period) != 0) {
		snprintf(err, errlen, "Enter a period as a month (2026-10), a "
		    "quarter of the financial year (2026-Q3) or a financial year "
		    "(2026/27)");
		return -1;
	}
	if (at == NULL || *at == '\0') {
		london_today(today);
		at = today;
	} else if (!units_date_ok(at)) {
		snprintf(err, errlen, "Enter the date as YYYY-MM-DD");
		return -1;
	}
	if (!def->consortium) {
		sqlite3_stmt *s = db_stmt(db, "SELECT code, name FROM organisations "
		    "WHERE id = ?");

		if (s == NULL)
			goto store;
		sqlite3_bind_int64(s, 1, org_id);
		if (sqlite3_step(s) != SQLITE_ROW) {
			sqlite3_reset(s);
			snprintf(err, errlen, "No such organisation");
			return -1;
		}
		snprintf(rep->org_code, sizeof rep->org_code, "%s", col_text(s, 0));
		snprintf(rep->org_name, sizeof rep->org_name, "%s", col_text(s, 1));
		sqlite3_reset(s);
	}
	/* The server reads a GET inside one transaction already. */
	own = db->tx_depth == 0;
	if (own && db_read_begin(db) != 0)
		goto store;
	rc = def->build(db, rep, org_id, names, at);
	if (own)
		db_read_end(db);
	if (rc == 0)
		return 0;
store:
	snprintf(err, errlen, "The store failed: %s", db_errmsg(db));
	report_free(rep);
	return -1;
}
