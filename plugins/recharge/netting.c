/* netting.c: the netting statement: positions and the fewest transfers. */
#include "recharge.h"

#include <stdlib.h>
#include <string.h>

#define RC_EXACT_MAX 20 /* organisations settled exactly (2^n subsets) */

struct rch_party {
	int64_t id, receivable, payable, net;
	char code[16], name[128];
};

struct rch_transfer {
	size_t from, to;
	int64_t amount;
};

struct rch_netting_data {
	struct rch_party *p;
	size_t n;
	struct rch_transfer *t;
	size_t nt;
	int64_t invoices, pairs;
};

static size_t
rch_party_find(struct rch_netting_data *d, int64_t id, const char *code,
    const char *name)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		if (d->p[i].id == id)
			return i;
	}
	if ((d->p = realloc(d->p, (d->n + 1) * sizeof *d->p)) == NULL)
		abort();
	memset(&d->p[d->n], 0, sizeof d->p[d->n]);
	d->p[d->n].id = id;
	rch_copy(d->p[d->n].code, sizeof d->p[d->n].code, code);
	rch_copy(d->p[d->n].name, sizeof d->p[d->n].name, name);
	return d->n++;
}

static void
rch_transfer_add(struct rch_netting_data *d, size_t from, size_t to,
    int64_t amount)
{
	if ((d->t = realloc(d->t, (d->nt + 1) * sizeof *d->t)) == NULL)
		abort();
	d->t[d->nt].from = from;
	d->t[d->nt].to = to;
	d->t[d->nt].amount = amount;
	d->nt++;
}

/* Settles a group whose balances add to zero in (size - 1) transfers at
 * most: the largest debtor pays the largest creditor, repeatedly. */
static void
rch_settle_group(struct rch_netting_data *d, const size_t *idx, size_t k,
    int64_t *bal)
{
	for (;;) {
		size_t i, hi = k, lo = k;
		int64_t x;

		for (i = 0; i < k; i++) {
			if (bal[idx[i]] > 0 && (hi == k || bal[idx[i]] > bal[idx[hi]]))
				hi = i;
			if (bal[idx[i]] < 0 && (lo == k || bal[idx[i]] < bal[idx[lo]]))
				lo = i;
		}
		if (hi == k || lo == k)
			return;
		x = bal[idx[hi]] < -bal[idx[lo]] ? bal[idx[hi]] : -bal[idx[lo]];
		rch_transfer_add(d, idx[lo], idx[hi], x);
		bal[idx[hi]] -= x;
		bal[idx[lo]] += x;
	}
}

/*
 * The fewest transfers: n parties with non-zero balances need n - g
 * transfers, g being the most groups they split into that each sum to
 * zero. Found exactly over subsets for up to RC_EXACT_MAX parties (dp over
 * masks), else one group settled greedily (at most n - 1 transfers).
 */
static void
rch_settle(struct rch_netting_data *d)
{
	size_t nz = 0, i, *idx, *order, norder = 0;
	int64_t *bal, *sum = NULL;
	uint8_t *dp = NULL;
	uint32_t mask, full, m;

	idx = calloc(d->n + 1, sizeof *idx);
	order = calloc(d->n + 1, sizeof *order);
	bal = calloc(d->n + 1, sizeof *bal);
	if (idx == NULL || order == NULL || bal == NULL)
		abort();
	for (i = 0; i < d->n; i++) {
		bal[i] = d->p[i].net;
		if (bal[i] != 0)
			idx[nz++] = i;
	}
	if (nz == 0)
		goto out;
	if (nz > RC_EXACT_MAX) {
		rch_settle_group(d, idx, nz, bal);
		goto out;
	}
	full = (uint32_t)((1u << nz) - 1);
	sum = calloc((size_t)full + 1, sizeof *sum);
	dp = calloc((size_t)full + 1, 1);
	if (sum == NULL || dp == NULL)
		abort();
	for (mask = 1; mask <= full; mask++) {
		uint32_t low = mask & (~mask + 1);
		size_t b = (size_t)__builtin_ctz(low);

		sum[mask] = sum[mask ^ low] + bal[idx[b]];
		for (m = mask; m != 0; m &= m - 1) {
			uint32_t bit = m & (~m + 1);

			if (dp[mask ^ bit] > dp[mask])
				dp[mask] = dp[mask ^ bit];
		}
		if (sum[mask] == 0)
			dp[mask]++;
	}
	/* Walk back: the removal order, cut where the remaining sum is 0. */
	mask = full;
	while (mask != 0) {
		uint8_t want = (uint8_t)(dp[mask] - (sum[mask] == 0));

		for (m = mask; m != 0; m &= m - 1) {
			uint32_t bit = m & (~m + 1);

			if (dp[mask ^ bit] == want) {
				order[norder++] = idx[__builtin_ctz(bit)];
				mask ^= bit;
				break;
			}
		}
		if (sum[mask] == 0 && norder > 0) {
			rch_settle_group(d, order, norder, bal);
			norder = 0;
		}
	}
out:
	free(sum);
	free(dp);
	free(idx);
	free(order);
	free(bal);
}

/* Issued invoices less credit notes of the month, per pair of parties. */
static int
rch_netting_load(ep_db *db, const char *period, struct rch_netting_data *d)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT i.provider_id, p.code, p.name, "
	    "i.consumer_id, c.code, c.name, sum(CASE i.kind WHEN 'credit' THEN "
	    "-i.total_pence ELSE i.total_pence END), sum(i.kind = 'invoice') FROM "
	    "recharge_invoices i JOIN organisations p ON p.id = i.provider_id "
	    "JOIN organisations c ON c.id = i.consumer_id WHERE i.period = ? AND "
	    "i.state != 'draft' GROUP BY i.provider_id, i.consumer_id ORDER BY "
	    "p.code, c.code");
	int64_t *pair = NULL;
	size_t npair = 0, i, j;

	if (s == NULL)
		return -1;
	h->stmt_bind_text(s, 1, period);
	while (h->stmt_step(s) == EP_STEP_ROW) {
		size_t a = rch_party_find(d, h->stmt_int64(s, 0), h->stmt_text(s, 1),
		    h->stmt_text(s, 2));
		size_t b = rch_party_find(d, h->stmt_int64(s, 3), h->stmt_text(s, 4),
		    h->stmt_text(s, 5));
		int64_t amount = h->stmt_int64(s, 6);

		d->p[a].receivable += amount;
		d->p[b].payable += amount;
		d->invoices += h->stmt_int64(s, 7);
		if ((pair = realloc(pair, (npair + 1) * 3 * sizeof *pair)) == NULL)
			abort();
		pair[npair * 3] = (int64_t)a;
		pair[npair * 3 + 1] = (int64_t)b;
		pair[npair * 3 + 2] = amount;
		npair++;
	}
	h->stmt_reset(s);
	/* Pairwise netting: one payment per pair whose mutual amounts differ. */
	for (i = 0; i < npair; i++) {
		int64_t net = pair[i * 3 + 2];

		for (j = 0; j < npair; j++) {
			if (pair[j * 3] == pair[i * 3 + 1] &&
			    pair[j * 3 + 1] == pair[i * 3])
				net -= pair[j * 3 + 2];
		}
		if (net > 0)
			d->pairs++;
	}
	free(pair);
	for (i = 0; i < d->n; i++)
		d->p[i].net = d->p[i].receivable - d->p[i].payable;
	return 0;
}

/*
 * The statement for a month: each organisation's receivable, payable and
 * net position, and the fewest transfers that settle everything, as text
 * (the command) or into a page. With only (an organisation's code) the
 * page shows that organisation's position and the transfers it makes or
 * receives: a council sees its own part, not the others' positions.
 */
int
rch_netting(ep_db *db, const char *period, const char *only,
    struct rch_buf *text, ep_page *b)
{
	const struct ep_host *h = rch_host;
	struct rch_netting_data d;
	char x[32], y[32], z[32];
	size_t i, shown;

	memset(&d, 0, sizeof d);
	if (rch_netting_load(db, period, &d) != 0)
		return -1;
	rch_settle(&d);
	if (text != NULL) {
		rch_buf_add(text, "netting %s: %zu organisations\n", period, d.n);
		rch_buf_add(text, "%-12s %14s %14s %14s\n", "organisation",
		    "receivable", "payable", "net");
		for (i = 0; i < d.n; i++) {
			rch_host->money_plain(x, sizeof x, d.p[i].receivable);
			rch_host->money_plain(y, sizeof y, d.p[i].payable);
			rch_host->money_plain(z, sizeof z, d.p[i].net);
			rch_buf_add(text, "%-12s %14s %14s %14s\n", d.p[i].code, x, y,
			    z);
		}
		rch_buf_add(text, "transfers:\n");
		for (i = 0; i < d.nt; i++) {
			rch_host->money_plain(x, sizeof x, d.t[i].amount);
			rch_buf_add(text, "  %s pays %s %s\n", d.p[d.t[i].from].code,
			    d.p[d.t[i].to].code, x);
		}
		rch_buf_add(text, "invoice by invoice: %lld %s; pairwise netted: "
		    "%lld; fewest: %zu\n", (long long)d.invoices, d.invoices == 1 ?
		    "payment" : "payments", (long long)d.pairs, d.nt);
	}
	if (b != NULL) {
		h->html(b, "<div class=\"ep-table-scroll\" role=\"region\" "
		    "aria-label=\"Positions\" tabindex=\"0\">"
		    "<table class=\"govuk-table\" id=\"positions\"><caption "
		    "class=\"govuk-table__caption govuk-table__caption--m\">Positions"
		    "</caption><thead class=\"govuk-table__head\"><tr class=\"govuk-"
		    "table__row\"><th scope=\"col\" class=\"govuk-table__header\">"
		    "Organisation</th><th scope=\"col\" class=\"govuk-table__header "
		    "govuk-table__header--numeric\">Receivable</th><th scope=\"col\" "
		    "class=\"govuk-table__header govuk-table__header--numeric\">"
		    "Payable</th><th scope=\"col\" class=\"govuk-table__header "
		    "govuk-table__header--numeric\">Net</th></tr></thead><tbody "
		    "class=\"govuk-table__body\">\n");
		for (i = 0, shown = 0; i < d.n; i++) {
			if (only != NULL && strcmp(d.p[i].code, only) != 0)
				continue;
			shown++;
			h->html(b, "<tr class=\"govuk-table__row\"><th scope=\"row\" "
			    "class=\"govuk-table__header\">%s (%s)</th><td class=\""
			    "govuk-table__cell govuk-table__cell--numeric\">%P</td><td "
			    "class=\"govuk-table__cell govuk-table__cell--numeric\">%P"
			    "</td><td class=\"govuk-table__cell govuk-table__cell--"
			    "numeric\">%P</td></tr>\n", d.p[i].name, d.p[i].code,
			    d.p[i].receivable, d.p[i].payable, d.p[i].net);
		}
		if (shown == 0)
			h->html(b, "<tr class=\"govuk-table__row\"><td class=\""
			    "govuk-table__cell\" colspan=\"4\">No invoice was issued "
			    "%s this month.</td></tr>\n", only != NULL ? "to or by your "
			    "council" : "in the consortium");
		h->html(b, "</tbody></table></div>\n<h2 class=\"govuk-heading-m\">"
		    "Transfers that settle everything</h2>\n<ul class=\"govuk-list "
		    "govuk-list--bullet\" id=\"transfers\">\n");
		for (i = 0, shown = 0; i < d.nt; i++) {
			if (only != NULL && strcmp(d.p[d.t[i].from].code, only) != 0 &&
			    strcmp(d.p[d.t[i].to].code, only) != 0)
				continue;
			h->html(b, "<li>%s pays %s %P</li>\n", d.p[d.t[i].from].name,
			    d.p[d.t[i].to].name, d.t[i].amount);
			shown++;
		}
		if (d.nt == 0)
			h->html(b, "<li>Nothing to settle.</li>\n");
		else if (shown == 0)
			h->html(b, "<li>Your council neither pays nor is paid.</li>\n");
		h->html(b, "</ul>\n<p class=\"govuk-body\" id=\"counts\">%d "
		    "%s instead of %D %s invoice by invoice (%D after netting each "
		    "pair).</p>\n", (int)d.nt, d.nt == 1 ? "transfer" : "transfers",
		    d.invoices, d.invoices == 1 ? "payment" : "payments", d.pairs);
	}
	free(d.p);
	free(d.t);
	return 0;
}
