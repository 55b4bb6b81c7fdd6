/* report-overheads.c: the overheads report, and full unit costs. */
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

static const struct rep_col share_cols[] = {
	{ "month", "Month", REP_TEXT },
	{ "rule", "Rule", REP_TEXT },
	{ "recorded_pence", "Pool overheads", REP_PENCE },
	{ "basis", "Your basis", REP_INT },
	{ "basis_total", "Every council's basis", REP_INT },
	{ "share_pence", "Your share", REP_PENCE },
};
static const struct rep_col recorded_cols[] = {
	{ "month", "Month", REP_TEXT },
	{ "costs_pence", "Running costs", REP_PENCE },
	{ "time_minutes", "Overhead time", REP_MINUTES },
	{ "time_pence", "Overhead time costed", REP_PENCE },
	{ "recorded_pence", "Overheads recorded", REP_PENCE },
	{ "apportioned_pence", "Apportioned", REP_PENCE },
	{ "unapportioned_pence", "Not apportioned (no consumer)", REP_PENCE },
};
static const struct rep_col council_cols[] = {
	{ "month", "Month", REP_TEXT },
	{ "organisation", "Organisation", REP_TEXT },
	{ "rule", "Rule", REP_TEXT },
	{ "basis", "Basis", REP_INT },
	{ "share_pence", "Share", REP_PENCE },
};
static const struct rep_col full_cols[] = {
	{ "area", "Skill area", REP_TEXT },
	{ "minutes", "Hours", REP_MINUTES },
	{ "direct_pence", "Direct cost", REP_PENCE },
	{ "overhead_pence", "Overhead", REP_PENCE },
	{ "full_pence", "Full cost", REP_PENCE },
	{ "direct_pence_per_hour", "Direct per hour", REP_PENCE },
	{ "overhead_pence_per_hour", "Overhead per hour", REP_PENCE },
	{ "full_pence_per_hour", "Full per hour", REP_PENCE },
};

/* The unit of a basis under a rule: minutes, pence or a count. */
static enum rep_kind
oh_basis_kind(const struct oh_month *m)
{
	if (m->equal_fallback || strcmp(m->rule, "equal") == 0)
		return REP_INT;
	return strcmp(m->rule, "spend") == 0 ? REP_PENCE : REP_MINUTES;
}

/* The rule as a table shows it: with the fallback when nobody spent. */
static const char *
oh_rule_text(const struct oh_month *m)
{
	return m->equal_fallback ? "equal (no spend)" : m->rule;
}

/* An organisation's code, into out. */
static void
oh_org_code(struct ep_db *db, int64_t id, char *out, size_t len)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT code FROM organisations WHERE "
	    "id = ?");

	snprintf(out, len, "%lld", (long long)id);
	if (s == NULL)
		return;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW)
		snprintf(out, len, "%s", db_text(s, 0));
	sqlite3_reset(s);
}

/* One month's rows of the report's three tables. */
static void
oh_month_rows(struct ep_db *db, const struct oh_month *m, int64_t org_id,
    struct rep_table *mine, struct rep_table *rec, struct rep_table *all)
{
	enum rep_kind k = oh_basis_kind(m);
	char code[16];
	size_t i;

	report_row(rec);
	report_text(rec, 0, m->month);
	report_int(rec, 1, m->costs_pence);
	report_int(rec, 2, m->time_minutes);
	report_int(rec, 3, m->time_pence);
	report_int(rec, 4, m->recorded_pence);
	report_int(rec, 5, m->apportioned_pence);
	report_int(rec, 6, m->unapportioned_pence);
	report_row(mine);
	report_text(mine, 0, m->month);
	report_text(mine, 1, oh_rule_text(m));
	report_int(mine, 2, m->recorded_pence);
	report_int_kind(mine, 3, 0, k);
	report_int(mine, 5, 0);
	if (m->n > 0)
		report_int_kind(mine, 4, m->basis_total, k);
	for (i = 0; i < m->n; i++) {
		if (m->shares[i].org_id == org_id) {
			report_int_kind(mine, 3, m->shares[i].basis, k);
			report_int(mine, 5, m->shares[i].pence);
		}
		if (all == NULL)
			continue;
		report_row(all);
		report_text(all, 0, m->month);
		oh_org_code(db, m->shares[i].org_id, code, sizeof code);
		report_text(all, 1, code);
		report_text(all, 2, oh_rule_text(m));
		report_int_kind(all, 3, m->shares[i].basis, k);
		report_int(all, 4, m->shares[i].pence);
	}
}

/*
 * The pool's overheads month by month, the rule that shared them and the
 * organisation's share; pool managers and administrators also get every
 * council's share.
 */
int
report_overheads(struct ep_db *db, struct report *rep, int64_t org_id,
    int names, const char *at)
{
	struct rep_table *mine, *rec, *all = NULL;
	struct oh_month m;
	char month[8];

	(void)at;
	mine = report_table(rep, "shares", "Your share of the pool's overheads",
	    share_cols, nitems(share_cols));
	mine->chart = 5;
	mine->note = "Each month's overheads are shared among the councils that "
	    "used pooled time that month, by the rule in force; the shares add "
	    "up to the overheads to the penny (largest remainder).";
	rec = report_table(rep, "recorded", "The pool's overheads",
	    recorded_cols, nitems(recorded_cols));
	rec->chart = 4;
	if (names) {
		all = report_table(rep, "councils", "Every council's share",
		    council_cols, nitems(council_cols));
		all->page_rows = 100;
	}
	snprintf(month, sizeof month, "%s", rep->period.first);
	for (; strcmp(month, rep->period.last) <= 0; overhead_month_next(month)) {
		if (overhead_month(db, month, &m) != 0)
			return -1;
		oh_month_rows(db, &m, org_id, mine, rec, all);
		overhead_month_free(&m);
	}
	return 0;
}

/* One row of full costs: direct, overhead, full, and each per hour. */
static void
oh_full_row(struct rep_table *t, const char *area, int64_t minutes,
    int64_t direct, int64_t overhead)
{
	report_row(t);
	report_text(t, 0, area);
	report_int(t, 1, minutes);
	report_int(t, 2, direct);
	report_int(t, 3, overhead);
	report_int(t, 4, direct + overhead);
	if (minutes <= 0)
		return;
	report_int(t, 5, report_per_hour(direct, minutes));
	report_int(t, 6, report_per_hour(overhead, minutes));
	report_int(t, 7, report_per_hour(direct + overhead, minutes));
}

/*
 * The unit-costs report's full costs: the organisation's share of the
 * overheads over the period spread over its areas by their minutes
 * (largest remainder, so the areas add up to the share), beside the
 * direct cost of each.
 */
int
report_full_costs(struct ep_db *db, struct report *rep, int64_t org_id)
{
	struct rep_table *t = report_table(rep, "full-costs", "Direct, overhead "
	    "and full cost per hour", full_cols, nitems(full_cols));
	sqlite3_stmt *s;
	int64_t share, *w = NULL, *d = NULL, *o = NULL, sm = 0, sd = 0;
	char **areas = NULL;
	size_t n = 0, cap = 0, i;

	t->chart = 7;
	t->note = "Direct cost is the priced time; overhead is the "
	    "organisation's share of the pool's overheads over the period, "
	    "spread over its areas by hours; full is the two together.";
	if (overhead_org_share(db, org_id, &rep->period, &share) != 0)
		return -1;
	s = db_stmt(db, "SELECT area, sum(minutes), sum(pence) FROM "
	    "report_consumer WHERE consumer_id = ?1 AND month BETWEEN ?2 AND ?3 "
	    "GROUP BY area ORDER BY area");
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, org_id);
	sqlite3_bind_text(s, 2, rep->period.first, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, rep->period.last, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			areas = xrealloc(areas, cap * sizeof *areas);
			w = xrealloc(w, cap * sizeof *w);
			d = xrealloc(d, cap * sizeof *d);
		}
		areas[n] = xstrdup(db_text(s, 0));
		w[n] = sqlite3_column_int64(s, 1);
		d[n] = sqlite3_column_int64(s, 2);
		n++;
	}
	sqlite3_reset(s);
	o = xcalloc(n ? n : 1, sizeof *o);
	overhead_split(share, w, n, o);
	for (i = 0; i < n; i++) {
		oh_full_row(t, areas[i], w[i], d[i], o[i]);
		sm += w[i];
		sd += d[i];
		free(areas[i]);
	}
	if (n > 1 || (n == 0 && share != 0))
		oh_full_row(t, "All areas", sm, sd, share);
	free(areas);
	free(w);
	free(d);
	free(o);
	return 0;
}
