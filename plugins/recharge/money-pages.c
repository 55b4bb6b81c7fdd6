/* money-pages.c: the finance officer's pages for payments, aged debt,
 * VAT figures and the ledger journal. */
#include "recharge.h"

#include <stdlib.h>
#include <string.h>

#define RC_PAY_OWNERS "SELECT payer_id FROM recharge_payments WHERE id = ?1 " \
	"UNION SELECT payee_id FROM recharge_payments WHERE id = ?1"
#define RC_PAY_PAYEE "SELECT payee_id FROM recharge_payments WHERE id = ?1"

static const char *const rch_mth = "<th scope=\"col\" class=\"govuk-table__"
    "header\">";
static const char *const rch_mthn = "<th scope=\"col\" class=\"govuk-table__"
    "header govuk-table__header--numeric\">";
static const char *const rch_mtd = "<td class=\"govuk-table__cell\">";
static const char *const rch_mtdn = "<td class=\"govuk-table__cell "
    "govuk-table__cell--numeric\">";

/* A success banner, as GOV.UK Frontend draws one. */
static void
rch_money_notice(ep_page *b, const char *text)
{
	rch_host->html(b, "<div class=\"govuk-notification-banner govuk-"
	    "notification-banner--success\" role=\"alert\" id=\"notice\"><div "
	    "class=\"govuk-notification-banner__header\"><h2 class=\"govuk-"
	    "notification-banner__title\" id=\"govuk-notification-banner-title"
	    "\">Success</h2></div><div class=\"govuk-notification-banner__"
	    "content\"><p class=\"govuk-notification-banner__heading\">%s</p>"
	    "</div></div>\n", text);
}

/* Opens a table in its scrolling region, with its caption. */
static void
rch_money_table(ep_page *b, const char *id, const char *caption)
{
	rch_host->html(b, "<div class=\"ep-table-scroll\" role=\"region\" "
	    "aria-label=\"%s\" tabindex=\"0\"><table class=\"govuk-table\" id=\""
	    "%s\"><caption class=\"govuk-table__caption govuk-table__caption--m"
	    "\">%s</caption><thead class=\"govuk-table__head\"><tr class=\""
	    "govuk-table__row\">", caption, id, caption);
}

/* Splits "field: why" into an error on that field, else on dflt. */
static ep_errors *
rch_money_errors(char *err, const char *dflt)
{
	const struct ep_host *h = rch_host;
	ep_errors *e = h->errors_new();
	char *colon = strstr(err, ": ");

	if (colon != NULL && colon - err < 32 && strchr(err, ' ') > colon) {
		*colon = '\0';
		h->errors_add(e, err, colon + 2);
	} else
		h->errors_add(e, dflt, err);
	return e;
}

/* The payments to and from the council, newest first. */
static void
rch_payments_table(ep_req *r, ep_page *b)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(h->req_db(r), "SELECT p.id, p.paid_on, "
	    "a.name, c.name, p.amount_pence, p.method, p.reference, "
	    "p.reversed_on IS NOT NULL FROM recharge_payments p JOIN "
	    "organisations a ON a.id = p.payer_id JOIN organisations c ON c.id "
	    "= p.payee_id WHERE ?1 IN (p.payer_id, p.payee_id) ORDER BY "
	    "p.paid_on DESC, p.id DESC LIMIT 200");
	int any = 0;

	rch_money_table(b, "payments", "Payments");
	h->html(b, "%RPayment</th>%RDate</th>%RFrom</th>%RTo</th>%RReference"
	    "</th>%RAmount</th></tr></thead><tbody class=\"govuk-table__body\">"
	    "\n", rch_mth, rch_mth, rch_mth, rch_mth, rch_mth, rch_mthn);
	h->stmt_bind_int64(s, 1, h->req_org(r));
	while (h->stmt_step(s) == EP_STEP_ROW) {
		any = 1;
		h->html(b, "<tr class=\"govuk-table__row\">%R<a class=\"govuk-link"
		    "\" href=\"/payments/%D\">Payment %D</a>%s</td>%R%s</td>%R%s"
		    "</td>%R%s</td>%R%s%s</td>%R%P</td></tr>\n", rch_mtd,
		    h->stmt_int64(s, 0), h->stmt_int64(s, 0), h->stmt_int64(s, 7) ?
		    " (reversed)" : "", rch_mtd, h->stmt_text(s, 1), rch_mtd,
		    h->stmt_text(s, 2), rch_mtd, h->stmt_text(s, 3), rch_mtd,
		    h->stmt_text(s, 6), strcmp(h->stmt_text(s, 5), "netting") == 0 ?
		    " (netting)" : "", rch_mtdn, h->stmt_int64(s, 4));
	}
	h->stmt_reset(s);
	if (!any)
		h->html(b, "<tr class=\"govuk-table__row\"><td class=\"govuk-table"
		    "__cell\" colspan=\"6\">No payments recorded yet.</td></tr>\n");
	h->html(b, "</tbody></table></div>\n");
}

/* GET /payments: payments, links to record one, and settling a month by
 * its netting statement. */
static void
rch_payments_page(ep_req *r, int status, const ep_errors *e)
{
	const struct ep_host *h = rch_host;
	const char *done = h->req_query(r, "done");
	const char *period = h->req_form(r, "period");
	ep_page *b = h->page_begin(r, "Payments", e);
	char today[11];

	h->today(today);
	if (done != NULL && strcmp(done, "netting") == 0)
		rch_money_notice(b, "The netting settlement is recorded");
	else if (done != NULL && strcmp(done, "reminders") == 0)
		rch_money_notice(b, "Reminders sent for overdue invoices");
	h->html(b, "<h1 class=\"govuk-heading-l\">Payments</h1>\n<p class=\""
	    "govuk-body\"><a class=\"govuk-button\" href=\"/payments/new\">"
	    "Record a payment received</a></p>\n<p class=\"govuk-body\">See "
	    "<a class=\"govuk-link\" href=\"/debt\">aged debt and overdue "
	    "invoices</a>.</p>\n");
	rch_payments_table(r, b);
	h->html(b, "<h2 class=\"govuk-heading-m\">Settle a month by netting"
	    "</h2>\n<p class=\"govuk-body\">Records every invoice of the month "
	    "between your council and another that is still owed as paid by "
	    "netting: what is owed each way is set off, and the <a class=\""
	    "govuk-link\" href=\"/netting\">netting statement</a>'s transfers "
	    "move the difference.</p>\n");
	h->form_begin(b, r, "/payments/netting");
	h->form_input(b, e, "period", "Month (YYYY-MM)", "For example 2026-10",
	    "text", period ? period : "", "govuk-input--width-10");
	h->form_input(b, e, "date", "Date settled (YYYY-MM-DD)", NULL, "text",
	    h->req_form(r, "date") ? h->req_form(r, "date") : today,
	    "govuk-input--width-10");
	h->form_end(b, "Record the netting settlement");
	h->page_end(r, b, status);
}

static void
rch_payments_cb(ep_req *r, void *arg)
{
	(void)arg;
	rch_payments_page(r, 200, NULL);
}

static void
rch_netting_post_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = rch_host;
	char err[256];
	ep_errors *e;
	int made;

	(void)arg;
	if (rch_netting_settle(h->req_db(r), r, h->req_form(r, "period"),
	    h->req_org(r), h->req_form(r, "date"), &made, err, sizeof err) == 0) {
		h->redirect(r, "/payments?done=netting");
		return;
	}
	e = rch_money_errors(err, "period");
	rch_payments_page(r, 400, e);
	h->errors_free(e);
}

/* The payer chosen on the new payment form: a council that owes ours. */
static void
rch_payer_select(ep_req *r, ep_page *b, const ep_errors *e)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(h->req_db(r), "SELECT DISTINCT c.code, "
	    "c.name FROM recharge_invoices i JOIN recharge_outstanding o ON "
	    "o.invoice_id = i.id JOIN organisations c ON c.id = i.consumer_id "
	    "WHERE i.provider_id = ? AND o.outstanding_pence > 0 ORDER BY c.code");
	const char *(*opt)[2] = NULL;
	char (*text)[160] = NULL;
	size_t n = 0, i;

	h->stmt_bind_int64(s, 1, h->req_org(r));
	while (h->stmt_step(s) == EP_STEP_ROW) {
		if ((opt = realloc(opt, (n + 2) * sizeof *opt)) == NULL ||
		    (text = realloc(text, (n + 1) * 2 * sizeof *text)) == NULL)
			abort();
		rch_copy(text[n * 2], sizeof text[0], h->stmt_text(s, 0));
		snprintf(text[n * 2 + 1], sizeof text[0], "%s (%s)",
		    h->stmt_text(s, 1), h->stmt_text(s, 0));
		n++;
	}
	h->stmt_reset(s);
	if (n == 0) {
		h->html(b, "<p class=\"govuk-body\" id=\"nothing-owed\">No council "
		    "owes yours anything.</p>\n");
		goto out;
	}
	for (i = 0; i < n; i++) {
		opt[i][0] = text[i * 2];
		opt[i][1] = text[i * 2 + 1];
	}
	opt[n][0] = opt[n][1] = NULL;
	h->html(b, "<form method=\"get\" action=\"/payments/new\" novalidate>");
	h->form_select(b, e, "from", "Who paid", NULL,
	    (const char *const (*)[2])opt, h->req_query(r, "from"));
	h->html(b, "<button class=\"govuk-button\" type=\"submit\">Continue"
	    "</button></form>\n");
out:
	free(opt);
	free(text);
}

/* The payer's outstanding invoices, each with a field for its share. */
static void
rch_alloc_fields(ep_req *r, ep_page *b, const ep_errors *e, int64_t payer)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(h->req_db(r), "SELECT i.id, i.number, "
	    "i.due_date, o.outstanding_pence FROM recharge_invoices i JOIN "
	    "recharge_outstanding o ON o.invoice_id = i.id WHERE i.provider_id = "
	    "? AND i.consumer_id = ? AND o.outstanding_pence > 0 ORDER BY "
	    "i.due_date, i.id LIMIT 64");
	char field[32], label[96], hint[96], money[32];

	h->html(b, "<fieldset class=\"govuk-fieldset\"><legend class=\"govuk-"
	    "fieldset__legend govuk-fieldset__legend--m\">What it pays</legend>"
	    "<p class=\"govuk-body\">Enter how much of the payment goes to each "
	    "invoice; leave the others empty. They must add up to the amount "
	    "paid.</p>\n");
	h->stmt_bind_int64(s, 1, h->req_org(r));
	h->stmt_bind_int64(s, 2, payer);
	while (h->stmt_step(s) == EP_STEP_ROW) {
		snprintf(field, sizeof field, "alloc-%lld",
		    (long long)h->stmt_int64(s, 0));
		snprintf(label, sizeof label, "Invoice %s", h->stmt_text(s, 1));
		h->pence_text(money, sizeof money, h->stmt_int64(s, 3));
		snprintf(hint, sizeof hint, "%s to pay, due %s", money,
		    h->stmt_text(s, 2));
		h->form_input(b, e, field, label, hint, "text",
		    h->req_form(r, field), "govuk-input--width-10");
	}
	h->stmt_reset(s);
	h->html(b, "</fieldset>\n");
}

/* GET (or a refused POST of) /payments/new. */
static void
rch_new_payment_page(ep_req *r, int status, const ep_errors *e)
{
	const struct ep_host *h = rch_host;
	const char *from = h->req_query(r, "from");
	int64_t payer = rch_org_id(h->req_db(r), from);
	ep_page *b = h->page_begin(r, "Record a payment", e);
	char action[64];

	h->html(b, "<h1 class=\"govuk-heading-l\">Record a payment received"
	    "</h1>\n");
	if (payer == 0 || payer == h->req_org(r)) {
		rch_payer_select(r, b, e);
		goto out;
	}
	snprintf(action, sizeof action, "/payments/new?from=%s", from);
	h->form_begin(b, r, action);
	h->form_input(b, e, "date", "Date paid (YYYY-MM-DD)", NULL, "text",
	    h->req_form(r, "date"), "govuk-input--width-10");
	h->form_input(b, e, "amount", "Amount paid", "In pounds, for example "
	    "1,234.56", "text", h->req_form(r, "amount"), "govuk-input--width-10");
	h->form_input(b, e, "reference", "Reference", "The remittance or bank "
	    "reference", "text", h->req_form(r, "reference"),
	    "govuk-input--width-20");
	rch_alloc_fields(r, b, e, payer);
	h->form_end(b, "Record the payment");
out:
	h->page_end(r, b, status);
}

static void
rch_new_payment_cb(ep_req *r, void *arg)
{
	(void)arg;
	rch_new_payment_page(r, 200, NULL);
}

/* Reads the form's alloc-ID fields into p; -1 with "field: why". */
static int
rch_form_allocs(ep_req *r, struct rch_payment *p, char *err, size_t len)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(h->req_db(r), "SELECT i.id, i.number FROM "
	    "recharge_invoices i JOIN recharge_outstanding o ON o.invoice_id = "
	    "i.id WHERE i.provider_id = ? AND i.consumer_id = ? AND "
	    "o.outstanding_pence > 0 ORDER BY i.due_date, i.id LIMIT 64");
	const char *v;
	char field[32];
	int rc = 0;

	h->stmt_bind_int64(s, 1, p->payee);
	h->stmt_bind_int64(s, 2, p->payer);
	while (rc == 0 && h->stmt_step(s) == EP_STEP_ROW) {
		struct rch_alloc *a = &p->alloc[p->nalloc];

		snprintf(field, sizeof field, "alloc-%lld",
		    (long long)h->stmt_int64(s, 0));
		if ((v = h->req_form(r, field)) == NULL || *v == '\0')
			continue;
		a->invoice = h->stmt_int64(s, 0);
		rch_copy(a->field, sizeof a->field, field);
		rch_copy(a->key, sizeof a->key, h->stmt_text(s, 1));
		if (h->money_parse(v, &a->amount) != 0 || a->amount <= 0) {
			snprintf(err, len, "%s: enter an amount of money for %s, "
			    "for example 250.00", field, a->key);
			rc = -1;
		}
		p->nalloc++;
	}
	h->stmt_reset(s);
	return rc;
}

static void
rch_new_payment_post_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = rch_host;
	struct rch_payment *p = calloc(1, sizeof *p);
	const char *amount = h->req_form(r, "amount");
	char err[256], loc[64];
	ep_errors *e;
	int64_t id;

	(void)arg;
	if (p == NULL)
		abort();
	p->payee = h->req_org(r);
	p->payer = rch_org_id(h->req_db(r), h->req_query(r, "from"));
	p->date = h->req_form(r, "date");
	p->reference = h->req_form(r, "reference");
	if (p->date == NULL || !h->date_ok(p->date))
		snprintf(err, sizeof err, "date: enter the date it was paid as "
		    "YYYY-MM-DD, for example 2026-11-30");
	else if (amount == NULL || h->money_parse(amount, &p->amount) != 0)
		snprintf(err, sizeof err, "amount: enter the amount paid in "
		    "pounds, for example 1,234.56");
	else if (p->payer == 0 || p->payer == p->payee)
		snprintf(err, sizeof err, "from: choose the council that paid");
	else if (rch_form_allocs(r, p, err, sizeof err) == 0 &&
	    rch_payment_record(h->req_db(r), r, p, &id, err, sizeof err) == 0) {
		snprintf(loc, sizeof loc, "/payments/%lld?done=recorded",
		    (long long)id);
		h->redirect(r, loc);
		free(p);
		return;
	}
	free(p);
	e = rch_money_errors(err, "amount");
	rch_new_payment_page(r, 400, e);
	h->errors_free(e);
}

/* The payment's allocations, invoice by invoice. */
static void
rch_payment_allocs(ep_req *r, ep_page *b, int64_t id)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(h->req_db(r), "SELECT i.id, i.number, "
	    "a.amount_pence, o.outstanding_pence FROM recharge_allocations a "
	    "JOIN recharge_invoices i ON i.id = a.invoice_id JOIN "
	    "recharge_outstanding o ON o.invoice_id = i.id WHERE a.payment_id = "
	    "? ORDER BY i.id");

	rch_money_table(b, "allocations", "What it paid");
	h->html(b, "%RInvoice</th>%RPaid to it</th>%RStill to pay</th></tr>"
	    "</thead><tbody class=\"govuk-table__body\">\n", rch_mth, rch_mthn,
	    rch_mthn);
	h->stmt_bind_int64(s, 1, id);
	while (h->stmt_step(s) == EP_STEP_ROW)
		h->html(b, "<tr class=\"govuk-table__row\">%R<a class=\"govuk-link"
		    "\" href=\"/invoices/%D\">%s</a></td>%R%P</td>%R%P</td></tr>\n",
		    rch_mtd, h->stmt_int64(s, 0), h->stmt_text(s, 1), rch_mtdn,
		    h->stmt_int64(s, 2), rch_mtdn, h->stmt_int64(s, 3));
	h->stmt_reset(s);
	h->html(b, "</tbody></table></div>\n");
}

/* GET /payments/{id}: the payment, what it paid, and reversing it. */
static void
rch_payment_page(ep_req *r, int status, const ep_errors *e)
{
	const struct ep_host *h = rch_host;
	int64_t id = strtoll(h->req_param(r, "id"), NULL, 10), payee = 0;
	ep_stmt *s = h->db_prepare(h->req_db(r), "SELECT p.paid_on, a.name, "
	    "c.name, p.amount_pence, p.reference, p.method, coalesce(p.reversed_on, "
	    "''), p.reversed_reason, p.payee_id FROM recharge_payments p JOIN "
	    "organisations a ON a.id = p.payer_id JOIN organisations c ON c.id = "
	    "p.payee_id WHERE p.id = ?");
	const char *done = h->req_query(r, "done");
	char title[48], action[48];
	int reversed = 0;
	ep_page *b;

	snprintf(title, sizeof title, "Payment %lld", (long long)id);
	b = h->page_begin(r, title, e);
	if (done != NULL)
		rch_money_notice(b, strcmp(done, "reversed") == 0 ? "The payment is "
		    "reversed" : "The payment is recorded");
	h->html(b, "<h1 class=\"govuk-heading-l\">%s</h1>\n", title);
	h->stmt_bind_int64(s, 1, id);
	if (h->stmt_step(s) == EP_STEP_ROW) {
		reversed = *h->stmt_text(s, 6) != '\0';
		payee = h->stmt_int64(s, 8);
		h->html(b, "<dl class=\"govuk-summary-list\" id=\"payment\">"
		    "<div class=\"govuk-summary-list__row\"><dt class=\"govuk-"
		    "summary-list__key\">Paid on</dt><dd class=\"govuk-summary-list__"
		    "value\">%s</dd></div><div class=\"govuk-summary-list__row\"><dt "
		    "class=\"govuk-summary-list__key\">From</dt><dd class=\"govuk-"
		    "summary-list__value\">%s</dd></div><div class=\"govuk-summary-"
		    "list__row\"><dt class=\"govuk-summary-list__key\">To</dt><dd "
		    "class=\"govuk-summary-list__value\">%s</dd></div><div class=\""
		    "govuk-summary-list__row\"><dt class=\"govuk-summary-list__key\">"
		    "Amount</dt><dd class=\"govuk-summary-list__value\">%P</dd></div>"
		    "<div class=\"govuk-summary-list__row\"><dt class=\"govuk-"
		    "summary-list__key\">Reference</dt><dd class=\"govuk-summary-"
		    "list__value\">%s (%s)</dd></div>", h->stmt_text(s, 0),
		    h->stmt_text(s, 1), h->stmt_text(s, 2), h->stmt_int64(s, 3),
		    h->stmt_text(s, 4), h->stmt_text(s, 5));
		if (reversed)
			h->html(b, "<div class=\"govuk-summary-list__row\"><dt class=\""
			    "govuk-summary-list__key\">Reversed</dt><dd class=\"govuk-"
			    "summary-list__value\">On %s: %s</dd></div>",
			    h->stmt_text(s, 6), h->stmt_text(s, 7));
		h->html(b, "</dl>\n");
	}
	h->stmt_reset(s);
	rch_payment_allocs(r, b, id);
	if (!reversed && payee == h->req_org(r)) {
		h->html(b, "<h2 class=\"govuk-heading-m\">Reverse this payment"
		    "</h2>\n<p class=\"govuk-body\">A payment recorded in error, or "
		    "returned by the bank, is reversed: it stays on record and its "
		    "invoices owe again what it paid.</p>\n");
		snprintf(action, sizeof action, "/payments/%lld/reverse",
		    (long long)id);
		h->form_begin(b, r, action);
		h->form_textarea(b, e, "reason", "Why it is reversed", NULL,
		    h->req_form(r, "reason"));
		h->html(b, "<button class=\"govuk-button govuk-button--warning\" "
		    "type=\"submit\">Reverse the payment</button></form>\n");
	}
	h->page_end(r, b, status);
}

static void
rch_payment_cb(ep_req *r, void *arg)
{
	(void)arg;
	rch_payment_page(r, 200, NULL);
}

static void
rch_reverse_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = rch_host;
	int64_t id = strtoll(h->req_param(r, "id"), NULL, 10);
	char err[256], loc[64];
	ep_errors *e;

	(void)arg;
	if (rch_payment_reverse(h->req_db(r), r, id, h->req_org(r),
	    h->req_form(r, "reason"), err, sizeof err) == 0) {
		snprintf(loc, sizeof loc, "/payments/%lld?done=reversed",
		    (long long)id);
		h->redirect(r, loc);
		return;
	}
	e = rch_money_errors(err, "reason");
	rch_payment_page(r, 400, e);
	h->errors_free(e);
}

/* One aged-debt table: owed to the council or by it. */
static void
rch_aged_table(ep_req *r, ep_page *b, const char *today, int owed)
{
	const struct ep_host *h = rch_host;
	struct rch_aged_row *rows = NULL;
	int n = rch_aged(h->req_db(r), h->req_org(r), today, owed, &rows), i, k;

	rch_money_table(b, owed ? "owed-to-us" : "owed-by-us", owed ?
	    "Owed to your council" : "Owed by your council");
	h->html(b, "%RCouncil</th>", rch_mth);
	for (k = 0; k < RC_AGES; k++)
		h->html(b, "%R%s</th>", rch_mthn, rch_age_names[k]);
	h->html(b, "%RTotal</th></tr></thead><tbody class=\"govuk-table__body"
	    "\">\n", rch_mthn);
	for (i = 0; i < n; i++) {
		h->html(b, "<tr class=\"govuk-table__row\"><th scope=\"row\" "
		    "class=\"govuk-table__header\">%s (%s)</th>", rows[i].name,
		    rows[i].code);
		for (k = 0; k < RC_AGES; k++)
			h->html(b, "%R%P</td>", rch_mtdn, rows[i].age[k]);
		h->html(b, "%R%P</td></tr>\n", rch_mtdn, rows[i].total);
	}
	if (n <= 0)
		h->html(b, "<tr class=\"govuk-table__row\"><td class=\"govuk-table"
		    "__cell\" colspan=\"7\">Nothing outstanding.</td></tr>\n");
	h->html(b, "</tbody></table></div>\n");
	free(rows);
}

/* GET /debt: aged debt both ways on today's date, and reminders. */
static void
rch_debt_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = rch_host;
	const char *done = h->req_query(r, "done");
	ep_page *b = h->page_begin(r, "Aged debt", NULL);
	char today[11], words[40];

	(void)arg;
	h->today(today);
	h->date_words(words, sizeof words, today);
	if (done != NULL && strcmp(done, "reminders") == 0)
		rch_money_notice(b, "Reminders sent for overdue invoices");
	h->html(b, "<h1 class=\"govuk-heading-l\">Aged debt</h1>\n<p class=\""
	    "govuk-body\">What is still to be paid on %s, by days past each "
	    "invoice's due date (from its agreement's payment terms).</p>\n",
	    words);
	rch_aged_table(r, b, today, 1);
	rch_aged_table(r, b, today, 0);
	h->html(b, "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\""
	    "/debt/csv\" download>Download the aged debt (CSV)</a></p>\n<h2 "
	    "class=\"govuk-heading-m\">Remind councils that owe yours</h2>\n<p "
	    "class=\"govuk-body\">Sends each council's invoice address and "
	    "finance officers a reminder for every overdue invoice still owed; "
	    "an invoice is reminded at most once a day.</p>\n");
	h->form_begin(b, r, "/debt/remind");
	h->form_end(b, "Send reminders");
	h->page_end(r, b, 200);
}

static void
rch_debt_csv_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = rch_host;
	struct rch_aged_row *rows;
	struct rch_buf out = { 0 };
	char today[11];
	int owed, n;

	(void)arg;
	h->today(today);
	rch_buf_add(&out, RC_AGED_HEADER);
	for (owed = 1; owed >= 0; owed--) {
		rows = NULL;
		n = rch_aged(h->req_db(r), h->req_org(r), today, owed, &rows);
		rch_aged_csv(&out, today, owed ? "owed-to-us" : "owed-by-us", rows,
		    n);
		free(rows);
	}
	h->reply_header(r, "Content-Disposition", "attachment; filename=\""
	    "aged-debt.csv\"");
	h->reply(r, 200, "text/csv; charset=utf-8", out.s, out.len);
	rch_buf_free(&out);
}

static void
rch_remind_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = rch_host;
	int64_t sent;

	(void)arg;
	if (rch_remind(h->req_db(r), h->req_org(r), &sent) != 0) {
		h->page_message(r, 503, "Reminders not sent", "The store is busy: "
		    "try again.");
		return;
	}
	h->redirect(r, "/debt?done=reminders");
}

/* One VAT document as a table row. */
static void
rch_vat_row_cb(const struct rch_vat_doc *d, void *arg)
{
	const struct ep_host *h = rch_host;
	ep_page *b = arg;

	h->html(b, "<tr class=\"govuk-table__row\">%R%s</td>%R%s</td>%R%s"
	    "</td>%R%s</td>%R%P</td>%R%P</td>%R%P</td></tr>\n", rch_mtd,
	    d->number, rch_mtd, strcmp(d->kind, "credit") == 0 ? "Credit note" :
	    "Invoice", rch_mtd, d->date, rch_mtd, d->consumer, rch_mtdn,
	    d->standard, rch_mtdn, d->vat, rch_mtdn, d->outside);
}

/* The month range a page asks for: from and to, to defaulting to from,
 * from to this month. 0, or -1 when one is not a month. */
static int
rch_months(ep_req *r, char from[8], char to[8])
{
	const struct ep_host *h = rch_host;
	const char *f = h->req_query(r, "from"), *t = h->req_query(r, "to");
	char today[11];

	h->today(today);
	if (f == NULL || *f == '\0')
		f = NULL;
	if (t == NULL || *t == '\0')
		t = f;
	rch_copy(from, 8, f ? f : today);
	rch_copy(to, 8, t ? t : today);
	from[7] = to[7] = '\0';
	return h->month_ok(from) && h->month_ok(to) && strcmp(from, to) <= 0 ?
	    0 : -1;
}

/* A GET form for a month range (or one month, period). */
static void
rch_month_form(ep_page *b, const char *action, const char *from,
    const char *to, const char *error)
{
	const struct ep_host *h = rch_host;

	h->html(b, "<form method=\"get\" action=\"%s\" novalidate>", action);
	if (error != NULL)
		h->html(b, "<p class=\"govuk-error-message\" id=\"month-error\">"
		    "<span class=\"govuk-visually-hidden\">Error:</span> %s</p>",
		    error);
	h->html(b, "<div class=\"govuk-form-group\"><label class=\"govuk-label"
	    "\" for=\"from\">%s (YYYY-MM)</label><input class=\"govuk-input "
	    "govuk-input--width-10\" id=\"from\" name=\"from\" type=\"text\" "
	    "value=\"%s\"></div>", to ? "From month" : "Month", from);
	if (to != NULL)
		h->html(b, "<div class=\"govuk-form-group\"><label class=\"govuk-"
		    "label\" for=\"to\">To month (YYYY-MM)</label><input class=\""
		    "govuk-input govuk-input--width-10\" id=\"to\" name=\"to\" type="
		    "\"text\" value=\"%s\"></div>", to);
	h->html(b, "<button class=\"govuk-button govuk-button--secondary\" "
	    "type=\"submit\">Show</button></form>\n");
}

/* GET /vat?from=YYYY-MM&to=YYYY-MM: the council's VAT figures. */
static void
rch_vat_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = rch_host;
	struct rch_vat_figures v;
	char from[8], to[8];
	int bad = rch_months(r, from, to);
	ep_page *b = h->page_begin(r, "VAT figures", NULL);

	(void)arg;
	h->html(b, "<h1 class=\"govuk-heading-l\">VAT figures</h1>\n<p class=\""
	    "govuk-body\">Your council's sales to other councils by the date "
	    "each invoice and credit note was issued (its tax point), for boxes "
	    "1 and 6 of your VAT return. Supplies outside the scope of VAT are "
	    "shown apart and are not in box 6.</p>\n");
	rch_month_form(b, "/vat", from, to, bad ? "Enter the months as YYYY-MM, "
	    "the first no later than the second" : NULL);
	if (bad || rch_vat_figures(h->req_db(r), h->req_org(r), from, to, &v,
	    NULL, NULL) != 0)
		goto out;
	h->html(b, "<dl class=\"govuk-summary-list\" id=\"vat-boxes\"><div "
	    "class=\"govuk-summary-list__row\"><dt class=\"govuk-summary-list__"
	    "key\">Box 1: VAT due on sales</dt><dd class=\"govuk-summary-list__"
	    "value\" id=\"box1\">%P</dd></div><div class=\"govuk-summary-list__"
	    "row\"><dt class=\"govuk-summary-list__key\">Box 6: net sales, "
	    "standard rated</dt><dd class=\"govuk-summary-list__value\" id=\""
	    "box6\">%P</dd></div><div class=\"govuk-summary-list__row\"><dt "
	    "class=\"govuk-summary-list__key\">Outside the scope of VAT (not in "
	    "box 6)</dt><dd class=\"govuk-summary-list__value\" id=\"outside\">"
	    "%P</dd></div><div class=\"govuk-summary-list__row\"><dt class=\""
	    "govuk-summary-list__key\">Documents</dt><dd class=\"govuk-summary-"
	    "list__value\">%D invoices, %D credit notes</dd></div></dl>\n",
	    v.box1, v.box6, v.outside, v.invoices, v.credits);
	rch_money_table(b, "vat-documents", "Invoices and credit notes");
	h->html(b, "%RNumber</th>%RType</th>%RIssued</th>%RTo</th>%RStandard-"
	    "rated net</th>%RVAT</th>%ROutside the scope</th></tr></thead><tbody "
	    "class=\"govuk-table__body\">\n", rch_mth, rch_mth, rch_mth, rch_mth,
	    rch_mthn, rch_mthn, rch_mthn);
	rch_vat_figures(h->req_db(r), h->req_org(r), from, to, &v,
	    rch_vat_row_cb, b);
	h->html(b, "</tbody></table></div>\n<p class=\"govuk-body\"><a class=\""
	    "govuk-link\" href=\"/vat/csv?from=%s&amp;to=%s\" download>Download "
	    "the documents (CSV)</a></p>\n", from, to);
out:
	h->page_end(r, b, bad ? 400 : 200);
}

static void
rch_vat_csv_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = rch_host;
	struct rch_buf out = { 0 };
	char from[8], to[8], disp[96];

	(void)arg;
	if (rch_months(r, from, to) != 0) {
		h->page_message(r, 400, "Wrong months", "Give the months as "
		    "from=YYYY-MM and to=YYYY-MM.");
		return;
	}
	rch_vat_csv(h->req_db(r), h->req_org(r), from, to, &out);
	snprintf(disp, sizeof disp, "attachment; filename=\"vat-%s-%s-%s.csv\"",
	    h->req_org_code(r), from, to);
	h->reply_header(r, "Content-Disposition", disp);
	h->reply(r, 200, "text/csv; charset=utf-8", out.s, out.len);
	rch_buf_free(&out);
}

/* Debits and credits of the journal shown, to show it balances. */
struct rch_journal_page {
	ep_page *b;
	int64_t debit, credit, rows;
};

static void
rch_journal_row_cb(const struct rch_posting *p, void *arg)
{
	const struct ep_host *h = rch_host;
	struct rch_journal_page *j = arg;

	j->debit += p->debit;
	j->credit += p->credit;
	j->rows++;
	h->html(j->b, "<tr class=\"govuk-table__row\">%R%s</td>%R%s</td>%R%s"
	    "</td>%R%s %s</td>%R%s</td>%R", rch_mtd, p->date, rch_mtd,
	    p->number, rch_mtd, p->other, rch_mtd, rch_code_labels[p->account],
	    p->codes->v[p->account], rch_mtd, p->cost_centre, rch_mtdn);
	if (p->debit)
		h->html(j->b, "%P", p->debit);
	h->html(j->b, "</td>%R", rch_mtdn);
	if (p->credit)
		h->html(j->b, "%P", p->credit);
	h->html(j->b, "</td></tr>\n");
}

/* GET /ledger?from=YYYY-MM: the council's journal for the month. */
static void
rch_ledger_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = rch_host;
	struct rch_journal_page j;
	char from[8], to[8];
	int bad = rch_months(r, from, to);
	ep_page *b = h->page_begin(r, "Ledger journal", NULL);

	(void)arg;
	memset(&j, 0, sizeof j);
	j.b = b;
	h->html(b, "<h1 class=\"govuk-heading-l\">Ledger journal</h1>\n<p "
	    "class=\"govuk-body\">Every invoice and credit note your council "
	    "issued or received in the month, posted to <a class=\"govuk-link\" "
	    "href=\"/ledger/codes\">your nominal codes and cost centre</a>, "
	    "ready for your finance system.</p>\n");
	rch_month_form(b, "/ledger", from, NULL, bad ? "Enter the month as "
	    "YYYY-MM" : NULL);
	if (bad)
		goto out;
	rch_money_table(b, "journal", "Journal");
	h->html(b, "%RDate</th>%RDocument</th>%RCouncil</th>%RAccount</th>%R"
	    "Cost centre</th>%RDebit</th>%RCredit</th></tr></thead><tbody class="
	    "\"govuk-table__body\">\n", rch_mth, rch_mth, rch_mth, rch_mth, rch_mth,
	    rch_mthn, rch_mthn);
	rch_journal(h->req_db(r), h->req_org(r), from, rch_journal_row_cb, &j);
	if (j.rows == 0)
		h->html(b, "<tr class=\"govuk-table__row\"><td class=\"govuk-table"
		    "__cell\" colspan=\"7\">No invoices or credit notes this month."
		    "</td></tr>\n");
	h->html(b, "</tbody><tfoot><tr class=\"govuk-table__row\"><th scope=\""
	    "row\" class=\"govuk-table__header\" colspan=\"5\">Totals</th>%R%P"
	    "</td>%R%P</td></tr></tfoot></table></div>\n<p class=\"govuk-body\" "
	    "id=\"balance\">%s</p>\n<p class=\"govuk-body\"><a class=\"govuk-"
	    "link\" href=\"/ledger/csv?from=%s\" download>Download the journal "
	    "(CSV)</a></p>\n", rch_mtdn, j.debit, rch_mtdn, j.credit,
	    j.debit == j.credit ? "Debits equal credits: the journal balances." :
	    "Debits and credits differ: tell the system's administrators.",
	    from);
out:
	h->page_end(r, b, bad ? 400 : 200);
}

static void
rch_ledger_csv_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = rch_host;
	struct rch_buf out = { 0 };
	char from[8], to[8], disp[96];

	(void)arg;
	if (rch_months(r, from, to) != 0) {
		h->page_message(r, 400, "Wrong month", "Give the month as "
		    "from=YYYY-MM.");
		return;
	}
	rch_journal_csv(h->req_db(r), h->req_org(r), from, &out);
	snprintf(disp, sizeof disp, "attachment; filename=\"journal-%s-%s.csv\"",
	    h->req_org_code(r), from);
	h->reply_header(r, "Content-Disposition", disp);
	h->reply(r, 200, "text/csv; charset=utf-8", out.s, out.len);
	rch_buf_free(&out);
}

/* GET (or a refused POST of) /ledger/codes. */
static void
rch_codes_page(ep_req *r, int status, const ep_errors *e)
{
	const struct ep_host *h = rch_host;
	const char *done = h->req_query(r, "done");
	ep_page *b = h->page_begin(r, "Ledger codes", e);
	struct rch_codes c;
	const char *v;
	int i;

	rch_codes_load(h->req_db(r), h->req_org(r), &c);
	if (done != NULL)
		rch_money_notice(b, "The ledger codes are saved");
	h->html(b, "<h1 class=\"govuk-heading-l\">Ledger codes</h1>\n<p class="
	    "\"govuk-body\">The nominal codes your council's recharge journal "
	    "posts to, and the cost centre for income (and for spend on work "
	    "whose request gave no ledger code).</p>\n");
	h->form_begin(b, r, "/ledger/codes");
	for (i = 0; i < RC_CODES; i++) {
		v = h->req_form(r, rch_code_names[i]);
		h->form_input(b, e, rch_code_names[i], rch_code_labels[i], NULL,
		    "text", v ? v : c.v[i], "govuk-input--width-10");
	}
	h->form_end(b, "Save the codes");
	h->page_end(r, b, status);
}

static void
rch_codes_cb(ep_req *r, void *arg)
{
	(void)arg;
	rch_codes_page(r, 200, NULL);
}

static void
rch_codes_post_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = rch_host;
	const char *v[RC_CODES];
	char err[256];
	ep_errors *e;
	int i;

	(void)arg;
	for (i = 0; i < RC_CODES; i++)
		v[i] = h->req_form(r, rch_code_names[i]);
	if (rch_codes_set(h->req_db(r), r, h->req_org(r), v, err,
	    sizeof err) == 0) {
		h->redirect(r, "/ledger/codes?done=saved");
		return;
	}
	e = rch_money_errors(err, "income");
	rch_codes_page(r, 400, e);
	h->errors_free(e);
}

void
rch_money_routes(void)
{
	const struct ep_host *h = rch_host;

	h->route_add(rch_self, "GET", "/payments", RC_ROLES, rch_payments_cb,
	    NULL);
	h->route_add(rch_self, "GET", "/payments/new", RC_ROLES,
	    rch_new_payment_cb, NULL);
	h->route_add(rch_self, "POST", "/payments/new", RC_ROLES,
	    rch_new_payment_post_cb, NULL);
	h->route_add(rch_self, "POST", "/payments/netting", RC_ROLES,
	    rch_netting_post_cb, NULL);
	h->route_add_owned(rch_self, "GET", "/payments/{id}", RC_ROLES,
	    RC_PAY_OWNERS, rch_payment_cb, NULL);
	h->route_add_owned(rch_self, "POST", "/payments/{id}/reverse", RC_ROLES,
	    RC_PAY_PAYEE, rch_reverse_cb, NULL);
	h->route_add(rch_self, "GET", "/debt", RC_ROLES, rch_debt_cb, NULL);
	h->route_add(rch_self, "GET", "/debt/csv", RC_ROLES, rch_debt_csv_cb,
	    NULL);
	h->route_add(rch_self, "POST", "/debt/remind", RC_ROLES, rch_remind_cb,
	    NULL);
	h->route_add(rch_self, "GET", "/vat", RC_ROLES, rch_vat_cb, NULL);
	h->route_add(rch_self, "GET", "/vat/csv", RC_ROLES, rch_vat_csv_cb, NULL);
	h->route_add(rch_self, "GET", "/ledger", RC_ROLES, rch_ledger_cb, NULL);
	h->route_add(rch_self, "GET", "/ledger/csv", RC_ROLES, rch_ledger_csv_cb,
	    NULL);
	h->route_add(rch_self, "GET", "/ledger/codes", RC_ROLES, rch_codes_cb,
	    NULL);
	h->route_add(rch_self, "POST", "/ledger/codes", RC_ROLES,
	    rch_codes_post_cb, NULL);
}
