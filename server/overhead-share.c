/* overhead-share.c: a month's overheads, and each consuming council's share. */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

/* One part of a largest-remainder split, for sorting. */
struct oh_part {
	size_t i;
	__int128 rem;
};

/* Larger remainder first; between equal ones, the earlier in the list. */
static int
oh_part_cmp(const void *a, const void *b)
{
	const struct oh_part *x = a, *y = b;

	if (x->rem != y->rem)
		return x->rem > y->rem ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/*
 * Splits total (>= 0) in proportion to weights (each >= 0, not all 0) by
 * the largest-remainder method: each part is total × w / W rounded down,
 * and the pence left over go one each to the largest remainders, ties to
 * the earlier in the list. The parts add up to total exactly.
 */
void
overhead_split(int64_t total, const int64_t *w, size_t n, int64_t *out)
{
	struct oh_part *p;
	__int128 sum = 0, given = 0, num;
	size_t i, k;

	for (i = 0; i < n; i++)
		sum += w[i] > 0 ? w[i] : 0;
	if (n == 0)
		return;
	if (sum == 0) {
		for (i = 0; i < n; i++)
			out[i] = 0;
		return;
	}
	p = xcalloc(n, sizeof *p);
	for (i = 0; i < n; i++) {
		num = (__int128)total * (w[i] > 0 ? w[i] : 0);
		out[i] = (int64_t)(num / sum);
		p[i].i = i;
		p[i].rem = num % sum;
		given += out[i];
	}
	qsort(p, n, sizeof *p, oh_part_cmp);
	for (k = 0; given < total; k++, given++)
		out[p[k % n].i]++;
	free(p);
}

/* The month after m (YYYY-MM), in place. */
void
overhead_month_next(char m[8])
{
	int y = atoi(m), mo = atoi(m + 5) + 1;

	if (mo > 12) {
		mo = 1;
		y++;
	}
	snprintf(m, 8, "%04u-%02u", (unsigned)y % 10000u, (unsigned)mo % 100u);
}

/* The month's running costs, and its time costed at each person's rate. */
static int
oh_recorded(struct ep_db *db, struct oh_month *m)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT coalesce(sum(pence), 0) FROM "
	    "overhead_costs WHERE month = ?");

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, m->month, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		m->costs_pence = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	s = db_stmt(db, "SELECT sum(t.minutes), coalesce(r.pence_per_hour, "
	    "(SELECT default_rate_pence FROM overhead_settings WHERE id = 1)) "
	    "FROM overhead_time t LEFT JOIN overhead_rates r ON r.person_id = "
	    "t.person_id WHERE t.entry_date BETWEEN ?1 || '-01' AND ?1 || "
	    "'-31' GROUP BY t.person_id");
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, m->month, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW) {
		int64_t min = sqlite3_column_int64(s, 0);

		m->time_minutes += min;
		m->time_pence += report_div(min * sqlite3_column_int64(s, 1), 60);
	}
	sqlite3_reset(s);
	m->recorded_pence = m->costs_pence + m->time_pence;
	return 0;
}

/* The councils that consumed time in the month, with their weights. */
static int
oh_consumers(struct ep_db *db, struct oh_month *m)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT consumer_id, sum(minutes), "
	    "sum(pence) FROM report_consumer WHERE month = ? GROUP BY "
	    "consumer_id HAVING sum(minutes) > 0 ORDER BY consumer_id");
	size_t cap = 0;
	int64_t sum = 0, v;
	size_t i;

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, m->month, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (m->n == cap) {
			cap = cap ? cap * 2 : 32;
			m->shares = xrealloc(m->shares, cap * sizeof *m->shares);
		}
		if (strcmp(m->rule, "hours") == 0)
			v = sqlite3_column_int64(s, 1);
		else if (strcmp(m->rule, "spend") == 0)
			v = sqlite3_column_int64(s, 2);
		else
			v = 1;
		m->shares[m->n].org_id = sqlite3_column_int64(s, 0);
		m->shares[m->n].basis = v > 0 ? v : 0;
		m->shares[m->n].pence = 0;
		sum += v > 0 ? v : 0;
		m->n++;
	}
	sqlite3_reset(s);
	if (m->n > 0 && sum == 0) {	/* nobody spent: shared equally */
		m->equal_fallback = 1;
		for (i = 0; i < m->n; i++)
			m->shares[i].basis = 1;
		sum = (int64_t)m->n;
	}
	m->basis_total = sum;
	return 0;
}

/*
 * A month's overheads (running costs and costed time) and each consuming
 * council's share by the rule in force for it. A month in which nobody
 * consumed keeps its overheads unapportioned.
 */
int
overhead_month(struct ep_db *db, const char *month, struct oh_month *m)
{
	int64_t *w, *out;
	size_t i;

	memset(m, 0, sizeof *m);
	snprintf(m->month, sizeof m->month, "%s", month);
	overhead_rule_at(db, month, m->rule);
	if (oh_recorded(db, m) != 0 || oh_consumers(db, m) != 0) {
		overhead_month_free(m);
		return -1;
	}
	if (m->n == 0) {
		m->unapportioned_pence = m->recorded_pence;
		return 0;
	}
	w = xcalloc(m->n, sizeof *w);
	out = xcalloc(m->n, sizeof *out);
	for (i = 0; i < m->n; i++)
		w[i] = m->shares[i].basis;
	overhead_split(m->recorded_pence, w, m->n, out);
	for (i = 0; i < m->n; i++) {
		m->shares[i].pence = out[i];
		m->apportioned_pence += out[i];
	}
	free(w);
	free(out);
	return 0;
}

void
overhead_month_free(struct oh_month *m)
{
	free(m->shares);
	m->shares = NULL;
	m->n = 0;
}

/* An organisation's share of the overheads over a period's months. */
int
overhead_org_share(struct ep_db *db, int64_t org_id,
    const struct rep_period *p, int64_t *pence)
{
	struct oh_month m;
	char month[8];
	size_t i;

	*pence = 0;
	snprintf(month, sizeof month, "%s", p->first);
	for (; strcmp(month, p->last) <= 0; overhead_month_next(month)) {
		/* A month with nothing recorded gives everyone a share of
		 * nothing: its consumers' weights need not be read. */
		memset(&m, 0, sizeof m);
		snprintf(m.month, sizeof m.month, "%s", month);
		if (oh_recorded(db, &m) != 0)
			return -1;
		if (m.recorded_pence == 0)
			continue;
		if (overhead_month(db, month, &m) != 0)
			return -1;
		for (i = 0; i < m.n; i++)
			if (m.shares[i].org_id == org_id)
				*pence += m.shares[i].pence;
		overhead_month_free(&m);
	}
	return 0;
}
