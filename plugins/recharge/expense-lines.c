/* expense-lines.c: approved expenses billed as lines of their own. */
#include "recharge.h"

#include <stdio.h>
#include <string.h>

/* An approved expense of the month or earlier on no draft yet: ?1 the
 * engagement, ?2 the first day after the month. */
#define RC_EXPENSES_OPEN "x.engagement_id = ?1 AND x.state = 'approved' AND " \
	"x.spent_on < ?2 AND NOT EXISTS (SELECT 1 FROM recharge_lines l JOIN " \
	"recharge_invoices i ON i.id = l.invoice_id WHERE l.expense_id = x.id " \
	"AND i.state = 'draft')"

/*
 * Appends a line per approved expense of the engagement to the draft,
 * each its own: quantity one, at the expense's amount, with the
 * description the expense keeps ("Mileage: 42 miles at £0.45 a mile",
 * "Rail fare, receipt R123"), in the invoice's VAT category (one an
 * invoice: the rules give an expense its agreement's). *amount is their sum;
 * *position the draft's last line; *nlines counts the lines added.
 */
int
rch_expense_lines(ep_db *db, const struct rch_expense_draft *d,
    int64_t *position, int64_t *amount, int64_t *nlines, char *err,
    size_t len)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "INSERT INTO recharge_lines (invoice_id, "
	    "position, kind, engagement_id, description, unit, quantity, "
	    "unit_price, amount, vat, ruleset_hash, po_reference, expense_id) "
	    "SELECT ?3, ?4 + row_number() OVER (ORDER BY x.spent_on, x.id), "
	    "'engagement', x.engagement_id, x.description, 'each', 1, "
	    "x.amount_pence, x.amount_pence, ?6, coalesce((SELECT "
	    "ruleset_hash FROM recharge_terms WHERE invoice_id = ?3 AND "
	    "engagement_id = ?1), ''), ?5, x.id FROM expenses x WHERE "
	    RC_EXPENSES_OPEN " ORDER BY x.spent_on, x.id "
	    "RETURNING amount");
	char vat[2] = { d->vat, '\0' };
	int step;

	*amount = 0;
	*nlines = 0;
	if (s == NULL) {
		snprintf(err, len, "expenses: %s", h->db_errmsg(db));
		return -1;
	}
	h->stmt_bind_int64(s, 1, d->engagement);
	h->stmt_bind_text(s, 2, d->next);
	h->stmt_bind_int64(s, 3, d->invoice);
	h->stmt_bind_int64(s, 4, *position);
	h->stmt_bind_text(s, 5, d->po ? d->po : "");
	h->stmt_bind_text(s, 6, vat);
	while ((step = h->stmt_step(s)) == EP_STEP_ROW) {
		*amount += h->stmt_int64(s, 0);
		(*nlines)++;
	}
	h->stmt_reset(s);
	if (step != EP_STEP_DONE) {
		snprintf(err, len, "engagement %lld: expense lines: %s",
		    (long long)d->engagement, h->db_errmsg(db));
		return -1;
	}
	*position += *nlines;
	return 0;
}

/*
 * At issue, the invoice's expenses become invoiced: -1 when one of them
 * is no longer approved (decided again since the run), 0 otherwise.
 */
int
rch_expenses_issue(ep_db *db, int64_t invoice)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT count(*) FROM recharge_lines "
	    "WHERE invoice_id = ? AND expense_id IS NOT NULL");
	int64_t want = -1;
	int step;

	if (s == NULL)
		return -1;
	h->stmt_bind_int64(s, 1, invoice);
	if (h->stmt_step(s) == EP_STEP_ROW)
		want = h->stmt_int64(s, 0);
	h->stmt_reset(s);
	if (want <= 0)
		return want == 0 ? 0 : -1;
	s = h->db_prepare(db, "UPDATE expenses SET state = 'invoiced' WHERE "
	    "state = 'approved' AND id IN (SELECT expense_id FROM recharge_lines "
	    "WHERE invoice_id = ?)");
	if (s == NULL)
		return -1;
	h->stmt_bind_int64(s, 1, invoice);
	step = h->stmt_step(s);
	h->stmt_reset(s);
	return step == EP_STEP_DONE && h->db_changes(db) == want ? 0 : -1;
}

/*
 * After a credit note: its expense lines to be billed again put their
 * expenses back to approved for a later run; written-off ones stay
 * invoiced, never billed again.
 */
int
rch_expenses_credit(ep_db *db, int64_t credit)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "UPDATE expenses SET state = 'approved' "
	    "WHERE state = 'invoiced' AND id IN (SELECT o.expense_id FROM "
	    "recharge_lines c JOIN recharge_lines o ON o.id = c.credits_line_id "
	    "WHERE c.invoice_id = ? AND c.settle = 'rebill' AND o.expense_id IS "
	    "NOT NULL)");
	int step;

	if (s == NULL)
		return -1;
	h->stmt_bind_int64(s, 1, credit);
	step = h->stmt_step(s);
	h->stmt_reset(s);
	return step == EP_STEP_DONE ? 0 : -1;
}
