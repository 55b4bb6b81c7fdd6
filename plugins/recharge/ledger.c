/* ledger.c: a council's recharge journal for its finance system, and the
 * nominal codes and cost centre it posts to. */
#include "recharge.h"

#include <stdlib.h>
#include <string.h>

/* The settings, in the order of their columns, form fields and options. */
const char *const rch_code_names[RC_CODES] = {
	"income", "receivable", "vat_output", "expenditure", "payable",
	"vat_input", "cost_centre",
};
const char *const rch_code_labels[RC_CODES] = {
	"Income", "Receivable (debtors)", "VAT on sales (output VAT)",
	"Expenditure", "Payable (creditors)", "VAT on purchases (input VAT)",
	"Cost centre",
};
static const char *const rch_code_defaults[RC_CODES] = {
	"4000", "1100", "2200", "5000", "2100", "2201", "",
};

/* A council's codes: its own, or the defaults where it has set none. */
void
rch_codes_load(ep_db *db, int64_t org, struct rch_codes *c)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT income, receivable, vat_output, "
	    "expenditure, payable, vat_input, cost_centre FROM "
	    "recharge_ledger_codes WHERE org_id = ?");
	int i, row;

	h->stmt_bind_int64(s, 1, org);
	row = h->stmt_step(s) == EP_STEP_ROW;
	for (i = 0; i < RC_CODES; i++)
		rch_copy(c->v[i], sizeof c->v[i], row ? h->stmt_text(s, i) :
		    rch_code_defaults[i]);
	h->stmt_reset(s);
}

/* A code is 1 to 32 letters, digits, spaces and . _ / - (a cost centre
 * may be empty, and up to 64). NULL, or why not. */
static const char *
rch_code_bad(int i, const char *v)
{
	size_t n = strlen(v), k;
	size_t max = i == RC_CODES - 1 ? 64 : 32;

	if (n == 0 && i != RC_CODES - 1)
		return "enter a code";
	if (n > max)
		return i == RC_CODES - 1 ? "at most 64 characters" :
		    "at most 32 characters";
	for (k = 0; k < n; k++) {
		if (!((v[k] >= 'A' && v[k] <= 'Z') || (v[k] >= 'a' &&
		    v[k] <= 'z') || (v[k] >= '0' && v[k] <= '9') ||
		    strchr(" ._/-", v[k]) != NULL))
			return "use only letters, digits, spaces and . _ / -";
	}
	return NULL;
}

/*
 * Sets a council's codes (NULL leaves one as it is), audited with the
 * fields before and after. 0, or -1 with "field: why" in err; nothing is
 * saved when any is wrong.
 */
int
rch_codes_set(ep_db *db, ep_req *r, int64_t org, const char *const *v,
    char *err, size_t len)
{
	const struct ep_host *h = rch_host;
	struct rch_codes old, c;
	struct rch_buf before = { 0 }, after = { 0 }, j = { 0 };
	const char *bad;
	ep_stmt *s;
	char idtext[24];
	int i, rc = -1;

	rch_codes_load(db, org, &old);
	c = old;
	for (i = 0; i < RC_CODES; i++) {
		if (v[i] == NULL)
			continue;
		if ((bad = rch_code_bad(i, v[i])) != NULL) {
			snprintf(err, len, "%s: %s", rch_code_names[i], bad);
			return -1;
		}
		rch_copy(c.v[i], sizeof c.v[i], v[i]);
		if (strcmp(old.v[i], c.v[i]) != 0) {
			rch_buf_add(&before, "%s\"%s\":", before.len ? "," : "",
			    rch_code_names[i]);
			rch_buf_json(&before, old.v[i]);
			rch_buf_add(&after, "%s\"%s\":", after.len ? "," : "",
			    rch_code_names[i]);
			rch_buf_json(&after, c.v[i]);
		}
	}
	if (after.len == 0)
		return 0;
	if (h->db_begin(db) != 0) {
		snprintf(err, len, "income: the store is busy: try again");
		goto out;
	}
	s = h->db_prepare(db, "INSERT OR REPLACE INTO recharge_ledger_codes "
	    "(org_id, income, receivable, vat_output, expenditure, payable, "
	    "vat_input, cost_centre) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	h->stmt_bind_int64(s, 1, org);
	for (i = 0; i < RC_CODES; i++)
		h->stmt_bind_text(s, 2 + i, c.v[i]);
	i = h->stmt_step(s);
	h->stmt_reset(s);
	rch_buf_add(&j, "{\"before\":{%s},\"after\":{%s}}", before.s, after.s);
	snprintf(idtext, sizeof idtext, "%lld", (long long)org);
	if (i != EP_STEP_DONE || h->audit(db, r, "set", "ledger-codes", idtext,
	    org, j.s) != 0 || h->db_commit(db) != 0) {
		snprintf(err, len, "income: the store failed: %s",
		    h->db_errmsg(db));
		h->db_rollback(db);
		goto out;
	}
	rc = 0;
out:
	rch_buf_free(&before);
	rch_buf_free(&after);
	rch_buf_free(&j);
	return rc;
}

/* Passes one posting to fn: a positive amount is a debit, a negative a
 * credit; nothing for nought. */
static void
rch_post(struct rch_posting *p, int account, const char *cost_centre,
    int64_t amount, rch_posting_fn fn, void *arg)
{
	if (amount == 0)
		return;
	p->account = account;
	rch_copy(p->cost_centre, sizeof p->cost_centre, cost_centre);
	p->debit = amount > 0 ? amount : 0;
	p->credit = amount < 0 ? -amount : 0;
	fn(p, arg);
}

/* The consumer's expenditure on one document, by the cost centre each
 * engagement's ledger code gives (the council's own where it has none). */
static void
rch_post_spend(ep_db *db, int64_t id, int sign, const struct rch_codes *c,
    struct rch_posting *p, rch_posting_fn fn, void *arg)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT coalesce(nullif(e.ledger_code, "
	    "''), ?2), sum(l.amount) FROM recharge_lines l LEFT JOIN engagements "
	    "e ON e.id = l.engagement_id WHERE l.invoice_id = ?1 GROUP BY 1 "
	    "ORDER BY 1");
	char cc[65];

	h->stmt_bind_int64(s, 1, id);
	h->stmt_bind_text(s, 2, c->v[RC_CODE_COST_CENTRE]);
	while (h->stmt_step(s) == EP_STEP_ROW) {
		rch_copy(cc, sizeof cc, h->stmt_text(s, 0));
		rch_post(p, RC_CODE_EXPENDITURE, cc, sign * h->stmt_int64(s, 1), fn,
		    arg);
	}
	h->stmt_reset(s);
}

/* The provider's income on one document: the sum of its lines. */
static int64_t
rch_lines_sum(ep_db *db, int64_t id)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT coalesce(sum(amount), 0) FROM "
	    "recharge_lines WHERE invoice_id = ?");
	int64_t v = 0;

	h->stmt_bind_int64(s, 1, id);
	if (h->stmt_step(s) == EP_STEP_ROW)
		v = h->stmt_int64(s, 0);
	h->stmt_reset(s);
	return v;
}

/* One document's postings for the council, provider or consumer. */
static void
rch_journal_doc(ep_db *db, int64_t id, int provider, int64_t vat,
    int64_t total, const struct rch_codes *c, struct rch_posting *p,
    rch_posting_fn fn, void *arg)
{
	int sign = strcmp(p->kind, "credit") == 0 ? -1 : 1;
	const char *cc = c->v[RC_CODE_COST_CENTRE];

	if (provider) {
		rch_post(p, RC_CODE_RECEIVABLE, cc, sign * total, fn, arg);
		rch_post(p, RC_CODE_INCOME, cc, -sign * rch_lines_sum(db, id), fn,
		    arg);
		rch_post(p, RC_CODE_VAT_OUTPUT, cc, -sign * vat, fn, arg);
	} else {
		rch_post_spend(db, id, sign, c, p, fn, arg);
		rch_post(p, RC_CODE_VAT_INPUT, cc, sign * vat, fn, arg);
		rch_post(p, RC_CODE_PAYABLE, cc, -sign * total, fn, arg);
	}
}

/*
 * The council org's journal for a month: every invoice and credit note
 * it issued or received, dated (by issue date) in the month, posted to
 * its codes, each posting through fn. The provider's side debits
 * receivable with the total and credits income and output VAT; the
 * consumer's debits expenditure and input VAT and credits payable; a
 * credit note the other way about. 0, or -1 when the store failed.
 */
int
rch_journal(ep_db *db, int64_t org, const char *period, rch_posting_fn fn,
    void *arg)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT i.id, i.number, i.kind, "
	    "i.issue_date, i.provider_id = ?1, CASE WHEN i.provider_id = ?1 THEN "
	    "c.code ELSE p.code END, abs(i.vat_pence), abs(i.total_pence) FROM "
	    "recharge_invoices i JOIN organisations p ON p.id = i.provider_id "
	    "JOIN organisations c ON c.id = i.consumer_id WHERE ?1 IN "
	    "(i.provider_id, i.consumer_id) AND i.state != 'draft' AND "
	    "substr(i.issue_date, 1, 7) = ?2 ORDER BY i.issue_date, i.id");
	struct rch_codes c;
	struct rch_posting p;
	int step;

	rch_codes_load(db, org, &c);
	memset(&p, 0, sizeof p);
	p.codes = &c;
	rch_copy(p.period, sizeof p.period, period);
	h->stmt_bind_int64(s, 1, org);
	h->stmt_bind_text(s, 2, period);
	while ((step = h->stmt_step(s)) == EP_STEP_ROW) {
		int64_t id = h->stmt_int64(s, 0), vat = h->stmt_int64(s, 6);
		int64_t total = h->stmt_int64(s, 7);
		int provider = (int)h->stmt_int64(s, 4);

		rch_copy(p.number, sizeof p.number, h->stmt_text(s, 1));
		rch_copy(p.kind, sizeof p.kind, h->stmt_text(s, 2));
		rch_copy(p.date, sizeof p.date, h->stmt_text(s, 3));
		rch_copy(p.other, sizeof p.other, h->stmt_text(s, 5));
		p.provider = provider;
		rch_journal_doc(db, id, provider, vat, total, &c, &p, fn, arg);
	}
	h->stmt_reset(s);
	return step == EP_STEP_DONE ? 0 : -1;
}

/* Appends text as one CSV field, quoted when it needs to be. */
static void
rch_csv_field(struct rch_buf *b, const char *text)
{
	const char *q;

	if (strpbrk(text, ",\"\r\n") == NULL) {
		rch_buf_add(b, "%s", text);
		return;
	}
	rch_buf_add(b, "\"");
	for (q = text; *q != '\0'; q++)
		rch_buf_add(b, *q == '"' ? "\"\"" : "%c", *q);
	rch_buf_add(b, "\"");
}

/* One posting as a row of the CSV docs/ledger.md describes. */
static void
rch_journal_csv_cb(const struct rch_posting *p, void *arg)
{
	const struct ep_host *h = rch_host;
	struct rch_buf *b = arg;
	char dr[32] = "", cr[32] = "";

	if (p->debit)
		h->money_plain(dr, sizeof dr, p->debit);
	if (p->credit)
		h->money_plain(cr, sizeof cr, p->credit);
	rch_buf_add(b, "%s,%s,%s,%s,%s,%s,", p->period, p->date, p->number,
	    p->kind, p->provider ? "provider" : "consumer", p->other);
	rch_buf_add(b, "%s,", rch_code_names[p->account]);
	rch_csv_field(b, p->codes->v[p->account]);
	rch_buf_add(b, ",");
	rch_csv_field(b, p->cost_centre);
	rch_buf_add(b, ",%s,%s\r\n", dr, cr);
}

/* The month's journal for org as CSV with its header row. */
int
rch_journal_csv(ep_db *db, int64_t org, const char *period, struct rch_buf *b)
{
	rch_buf_add(b, RC_JOURNAL_HEADER);
	return rch_journal(db, org, period, rch_journal_csv_cb, b);
}

/* expertpool ledger journal --period YYYY-MM --org CODE | codes --org
 * CODE [--income CODE] ... */
int
rch_ledger_command(ep_db *db, int argc, char **argv, void *arg)
{
	const struct ep_host *h = rch_host;
	const char *sub = argc > 1 ? argv[1] : "";
	const char *period = rch_arg(argc, argv, "--period");
	int64_t org = rch_org_id(db, rch_arg(argc, argv, "--org"));
	const char *v[RC_CODES];
	struct rch_buf b = { 0 };
	struct rch_codes c;
	char opt[24], err[256];
	int i, rc;

	(void)arg;
	if (strcmp(sub, "journal") == 0 && org != 0 && period != NULL &&
	    h->month_ok(period)) {
		rc = rch_journal_csv(db, org, period, &b);
		fwrite(b.s, 1, b.len, stdout);
		rch_buf_free(&b);
		return rc == 0 ? 0 : 1;
	}
	if (strcmp(sub, "codes") != 0 || org == 0) {
		fprintf(stderr, "usage: expertpool ledger journal --period YYYY-MM "
		    "--org CODE | codes --org CODE [--income CODE] [--receivable "
		    "CODE] [--vat_output CODE] [--expenditure CODE] [--payable "
		    "CODE] [--vat_input CODE] [--cost_centre CODE]\n");
		return 2;
	}
	for (i = 0; i < RC_CODES; i++) {
		snprintf(opt, sizeof opt, "--%s", rch_code_names[i]);
		v[i] = rch_arg(argc, argv, opt);
	}
	if (rch_codes_set(db, NULL, org, v, err, sizeof err) != 0) {
		fprintf(stderr, "expertpool: ledger codes: %s\n", err);
		return 1;
	}
	rch_codes_load(db, org, &c);
	for (i = 0; i < RC_CODES; i++)
		printf("%s\t%s\n", rch_code_names[i], c.v[i]);
	return 0;
}
