/* vat.c: a provider's VAT figures for a period: boxes 1 and 6 of a UK
 * VAT return, outside-the-scope supplies apart. */
#include "recharge.h"

#include <string.h>

/* Each issued document of provider ?1 dated from month ?2 to ?3: its
 * standard-rated net, its VAT and its outside-the-scope net, a credit
 * note's taken off. */
#define RC_VAT_DOCS "SELECT i.number, i.kind, i.issue_date, c.code, " \
	"i.vat_category, s * coalesce((SELECT sum(l.amount) FROM " \
	"recharge_lines l WHERE l.invoice_id = i.id AND l.vat = 'S' AND " \
	"i.vat_category = 'S'), 0), s * abs(i.vat_pence), s * " \
	"coalesce((SELECT sum(l.amount) FROM recharge_lines l WHERE " \
	"l.invoice_id = i.id AND (l.vat = 'O' OR i.vat_category = 'O')), 0) " \
	"FROM (SELECT *, CASE kind WHEN 'credit' THEN -1 ELSE 1 END AS s FROM " \
	"recharge_invoices) i JOIN organisations c ON c.id = i.consumer_id " \
	"WHERE i.provider_id = ?1 AND i.state != 'draft' AND " \
	"substr(i.issue_date, 1, 7) BETWEEN ?2 AND ?3 ORDER BY i.issue_date, " \
	"i.number"

/*
 * The figures for provider org from month from to month to (inclusive,
 * by issue date, the tax point), each document through fn when it is
 * not NULL. 0, or -1 when the store failed.
 */
int
rch_vat_figures(ep_db *db, int64_t org, const char *from, const char *to,
    struct rch_vat_figures *v, rch_vat_doc_fn fn, void *arg)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, RC_VAT_DOCS);
	struct rch_vat_doc d;
	int step;

	memset(v, 0, sizeof *v);
	if (s == NULL)
		return -1;
	h->stmt_bind_int64(s, 1, org);
	h->stmt_bind_text(s, 2, from);
	h->stmt_bind_text(s, 3, to);
	while ((step = h->stmt_step(s)) == EP_STEP_ROW) {
		rch_copy(d.number, sizeof d.number, h->stmt_text(s, 0));
		rch_copy(d.kind, sizeof d.kind, h->stmt_text(s, 1));
		rch_copy(d.date, sizeof d.date, h->stmt_text(s, 2));
		rch_copy(d.consumer, sizeof d.consumer, h->stmt_text(s, 3));
		d.category = *h->stmt_text(s, 4);
		d.standard = h->stmt_int64(s, 5);
		d.vat = h->stmt_int64(s, 6);
		d.outside = h->stmt_int64(s, 7);
		v->box1 += d.vat;
		v->box6 += d.standard;
		v->outside += d.outside;
		if (strcmp(d.kind, "credit") == 0)
			v->credits++;
		else
			v->invoices++;
		if (fn != NULL)
			fn(&d, arg);
	}
	h->stmt_reset(s);
	return step == EP_STEP_DONE ? 0 : -1;
}

/* One document as a CSV row. */
static void
rch_vat_csv_cb(const struct rch_vat_doc *d, void *arg)
{
	const struct ep_host *h = rch_host;
	struct rch_buf *b = arg;
	char x[32], y[32], z[32];

	h->money_plain(x, sizeof x, d->standard);
	h->money_plain(y, sizeof y, d->vat);
	h->money_plain(z, sizeof z, d->outside);
	rch_buf_add(b, "%s,%s,%s,%s,%c,%s,%s,%s\r\n", d->number, d->kind,
	    d->date, d->consumer, d->category, x, y, z);
}

/* The documents behind the figures as CSV (docs/ledger.md). */
int
rch_vat_csv(ep_db *db, int64_t org, const char *from, const char *to,
    struct rch_buf *b)
{
	struct rch_vat_figures v;

	rch_buf_add(b, "number,kind,issue_date,consumer,vat_category,"
	    "standard_net,vat,outside_scope_net\r\n");
	return rch_vat_figures(db, org, from, to, &v, rch_vat_csv_cb, b);
}

/* expertpool vat --org CODE --period YYYY-MM [--to YYYY-MM] [--csv] */
int
rch_vat_command(ep_db *db, int argc, char **argv, void *arg)
{
	const struct ep_host *h = rch_host;
	const char *code = rch_arg(argc, argv, "--org");
	const char *from = rch_arg(argc, argv, "--period");
	const char *to = rch_arg(argc, argv, "--to");
	struct rch_vat_figures v;
	struct rch_buf b = { 0 };
	char x[32], y[32], z[32];
	int64_t org = rch_org_id(db, code);
	int i, csv = 0;

	(void)arg;
	for (i = 1; i < argc; i++)
		csv |= strcmp(argv[i], "--csv") == 0;
	if (to == NULL)
		to = from;
	if (org == 0 || from == NULL || !h->month_ok(from) || !h->month_ok(to) ||
	    strcmp(from, to) > 0) {
		fprintf(stderr, "usage: expertpool vat --org CODE --period YYYY-MM "
		    "[--to YYYY-MM] [--csv]\n");
		return 2;
	}
	if (csv) {
		i = rch_vat_csv(db, org, from, to, &b);
		if (b.s != NULL)
			fwrite(b.s, 1, b.len, stdout);
		rch_buf_free(&b);
		return i == 0 ? 0 : 1;
	}
	if (rch_vat_figures(db, org, from, to, &v, NULL, NULL) != 0)
		return 1;
	h->money_plain(x, sizeof x, v.box1);
	h->money_plain(y, sizeof y, v.box6);
	h->money_plain(z, sizeof z, v.outside);
	printf("%s %s to %s: %lld invoices, %lld credit notes\n"
	    "box 1 (VAT due on sales): %s\nbox 6 (net sales, standard rated): "
	    "%s\noutside the scope of VAT (not in box 6): %s\n", code, from, to,
	    (long long)v.invoices, (long long)v.credits, x, y, z);
	return 0;
}
