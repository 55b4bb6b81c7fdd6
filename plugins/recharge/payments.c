/* payments.c: payments received, allocated to invoices, reversed, and
 * settlement by netting. */
#include "recharge.h"

#include <stdlib.h>
#include <string.h>

/* Appends text as a JSON string, quotes included. */
void
rch_buf_json(struct rch_buf *b, const char *text)
{
	const unsigned char *p = (const unsigned char *)(text ? text : "");

	rch_buf_add(b, "\"");
	for (; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			rch_buf_add(b, "\\%c", *p);
		else if (*p < 0x20)
			rch_buf_add(b, "\\u%04x", *p);
		else
			rch_buf_add(b, "%c", *p);
	}
	rch_buf_add(b, "\"");
}

/* An organisation's id from its code, or 0. */
int64_t
rch_org_id(ep_db *db, const char *code)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT id FROM organisations WHERE "
	    "code = ?");
	int64_t id = 0;

	if (s == NULL || code == NULL)
		return 0;
	h->stmt_bind_text(s, 1, code);
	if (h->stmt_step(s) == EP_STEP_ROW)
		id = h->stmt_int64(s, 0);
	h->stmt_reset(s);
	return id;
}

/* What an issued invoice still has to be paid, in pence. */
int64_t
rch_outstanding(ep_db *db, int64_t invoice_id)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT outstanding_pence FROM "
	    "recharge_outstanding WHERE invoice_id = ?");
	int64_t v = 0;

	h->stmt_bind_int64(s, 1, invoice_id);
	if (h->stmt_step(s) == EP_STEP_ROW)
		v = h->stmt_int64(s, 0);
	h->stmt_reset(s);
	return v;
}

/* Moves an invoice between issued and paid as its balance says; a
 * credited invoice stays credited. */
static int
rch_pay_state(ep_db *db, int64_t invoice_id, const char *date)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "UPDATE recharge_invoices SET state = "
	    "CASE WHEN o.outstanding_pence <= 0 THEN 'paid' ELSE 'issued' END, "
	    "paid_at = CASE WHEN o.outstanding_pence <= 0 THEN ?2 END FROM "
	    "recharge_outstanding o WHERE o.invoice_id = recharge_invoices.id "
	    "AND recharge_invoices.id = ?1 AND recharge_invoices.state IN "
	    "('issued', 'paid')");
	int rc;

	h->stmt_bind_int64(s, 1, invoice_id);
	h->stmt_bind_text(s, 2, date);
	rc = h->stmt_step(s);
	h->stmt_reset(s);
	return rc == EP_STEP_DONE ? 0 : -1;
}

/* Checks one allocation against its invoice: the payee's, to the payer,
 * issued, and no more than it owes. */
static int
rch_alloc_check(ep_db *db, int64_t payer, int64_t payee,
    const struct rch_alloc *a, char *err, size_t len)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT i.provider_id, i.consumer_id, "
	    "i.kind, i.state, o.outstanding_pence FROM recharge_invoices i JOIN "
	    "recharge_outstanding o ON o.invoice_id = i.id WHERE i.id = ?");
	char money[32];
	int rc = -1;

	h->stmt_bind_int64(s, 1, a->invoice);
	if (h->stmt_step(s) != EP_STEP_ROW || h->stmt_int64(s, 0) != payee ||
	    h->stmt_int64(s, 1) != payer)
		snprintf(err, len, "%s: %s is not an issued invoice from the "
		    "payee to the payer", a->field, a->key);
	else if (h->stmt_int64(s, 4) <= 0)
		snprintf(err, len, "%s: %s has nothing left to pay", a->field,
		    a->key);
	else if (a->amount > h->stmt_int64(s, 4)) {
		h->pence_text(money, sizeof money, h->stmt_int64(s, 4));
		snprintf(err, len, "%s: %s has only %s left to pay", a->field,
		    a->key, money);
	} else
		rc = 0;
	h->stmt_reset(s);
	return rc;
}

/* The checks on a payment before anything is written: date, amount,
 * reference, and allocations that add up to the amount. */
static int
rch_pay_check(ep_db *db, const struct rch_payment *p, char *err, size_t len)
{
	const struct ep_host *h = rch_host;
	char today[11], a[32], b[32];
	int64_t sum = 0;
	size_t i, j;

	h->today(today);
	if (p->date == NULL || !h->date_ok(p->date)) {
		snprintf(err, len, "date: enter the date it was paid as "
		    "YYYY-MM-DD, for example 2026-11-30");
		return -1;
	}
	if (strcmp(p->date, today) > 0) {
		snprintf(err, len, "date: a payment cannot be dated after today");
		return -1;
	}
	if (p->amount <= 0) {
		snprintf(err, len, "amount: enter the amount paid, more than "
		    "£0.00, for example 1,234.56");
		return -1;
	}
	if (p->reference == NULL || *p->reference == '\0' ||
	    strlen(p->reference) > 100) {
		snprintf(err, len, "reference: enter the payment's reference "
		    "(its remittance or bank reference), up to 100 characters");
		return -1;
	}
	if (p->nalloc == 0) {
		snprintf(err, len, "allocations: say which invoices the payment "
		    "settles, and how much of each");
		return -1;
	}
	for (i = 0; i < p->nalloc; i++) {
		for (j = 0; j < i; j++) {
			if (p->alloc[j].invoice == p->alloc[i].invoice) {
				snprintf(err, len, "%s: %s is allocated twice",
				    p->alloc[i].field, p->alloc[i].key);
				return -1;
			}
		}
		if (rch_alloc_check(db, p->payer, p->payee, &p->alloc[i], err,
		    len) != 0)
			return -1;
		sum += p->alloc[i].amount;
	}
	if (sum != p->amount) {
		h->pence_text(a, sizeof a, sum);
		h->pence_text(b, sizeof b, p->amount);
		snprintf(err, len, "amount: the allocations add up to %s, not the "
		    "%s paid", a, b);
		return -1;
	}
	return 0;
}

/* Writes a checked payment, its allocations and the invoices' states;
 * audits it with what each invoice owed before and after. */
static int
rch_pay_write(ep_db *db, ep_req *r, const struct rch_payment *p, int64_t *id)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "INSERT INTO recharge_payments (payer_id, "
	    "payee_id, paid_on, amount_pence, reference, method, netting_period, "
	    "recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	struct rch_buf j = { 0 };
	char idtext[24], money[32];
	int64_t before;
	size_t i;
	int rc = -1;

	h->stmt_bind_int64(s, 1, p->payer);
	h->stmt_bind_int64(s, 2, p->payee);
	h->stmt_bind_text(s, 3, p->date);
	h->stmt_bind_int64(s, 4, p->amount);
	h->stmt_bind_text(s, 5, p->reference);
	h->stmt_bind_text(s, 6, p->netting ? "netting" : "transfer");
	if (p->netting != NULL)
		h->stmt_bind_text(s, 7, p->netting);
	else
		h->stmt_bind_null(s, 7);
	if (r != NULL && h->req_person(r) != 0)
		h->stmt_bind_int64(s, 8, h->req_person(r));
	else
		h->stmt_bind_null(s, 8);
	if (h->stmt_step(s) != EP_STEP_DONE) {
		h->stmt_reset(s);
		return -1;
	}
	h->stmt_reset(s);
	*id = h->db_last_id(db);
	h->money_plain(money, sizeof money, p->amount);
	rch_buf_add(&j, "{\"before\":null,\"after\":{\"paid_on\":\"%s\","
	    "\"amount\":\"%s\",\"method\":\"%s\",\"reference\":", p->date, money,
	    p->netting ? "netting" : "transfer");
	rch_buf_json(&j, p->reference);
	rch_buf_add(&j, ",\"allocations\":[");
	for (i = 0; i < p->nalloc; i++) {
		before = rch_outstanding(db, p->alloc[i].invoice);
		s = h->db_prepare(db, "INSERT INTO recharge_allocations (payment_id, "
		    "invoice_id, amount_pence) VALUES (?, ?, ?)");
		h->stmt_bind_int64(s, 1, *id);
		h->stmt_bind_int64(s, 2, p->alloc[i].invoice);
		h->stmt_bind_int64(s, 3, p->alloc[i].amount);
		if (h->stmt_step(s) != EP_STEP_DONE) {
			h->stmt_reset(s);
			goto out;
		}
		h->stmt_reset(s);
		if (rch_pay_state(db, p->alloc[i].invoice, p->date) != 0)
			goto out;
		h->money_plain(money, sizeof money, p->alloc[i].amount);
		rch_buf_add(&j, "%s{\"invoice\":", i ? "," : "");
		rch_buf_json(&j, p->alloc[i].key);
		rch_buf_add(&j, ",\"amount\":\"%s\",\"owed_before\":\"", money);
		h->money_plain(money, sizeof money, before);
		rch_buf_add(&j, "%s\",\"owed_after\":\"", money);
		h->money_plain(money, sizeof money, rch_outstanding(db,
		    p->alloc[i].invoice));
		rch_buf_add(&j, "%s\"}", money);
	}
	rch_buf_add(&j, "]}}");
	snprintf(idtext, sizeof idtext, "%lld", (long long)*id);
	rc = h->audit(db, r, "record", "payment", idtext, p->payee, j.s);
out:
	rch_buf_free(&j);
	return rc;
}

/*
 * Records a payment from payer to payee, allocated explicitly to the
 * payee's invoices to the payer: all of it or nothing, in one
 * transaction. 0 with *id, or -1 with "field: why" in err.
 */
int
rch_payment_record(ep_db *db, ep_req *r, const struct rch_payment *p,
    int64_t *id, char *err, size_t len)
{
	const struct ep_host *h = rch_host;
	int rc = -1;

	if (h->db_begin(db) != 0) {
		snprintf(err, len, "date: the store is busy: try again");
		return -1;
	}
	if (rch_pay_check(db, p, err, len) != 0)
		goto out;
	if (rch_pay_write(db, r, p, id) != 0) {
		snprintf(err, len, "amount: the store failed: %s",
		    h->db_errmsg(db));
		goto out;
	}
	rc = 0;
out:
	if (rc == 0 && h->db_commit(db) != 0) {
		snprintf(err, len, "amount: cannot commit: %s", h->db_errmsg(db));
		rc = -1;
	}
	if (rc != 0)
		h->db_rollback(db);
	return rc;
}

/* The invoices a payment settled, each moved back to what it owes. */
static int
rch_reverse_states(ep_db *db, int64_t id, const char *today)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT invoice_id FROM "
	    "recharge_allocations WHERE payment_id = ?");
	int64_t inv[256];
	size_t n = 0, i;

	h->stmt_bind_int64(s, 1, id);
	while (n < 256 && h->stmt_step(s) == EP_STEP_ROW)
		inv[n++] = h->stmt_int64(s, 0);
	h->stmt_reset(s);
	for (i = 0; i < n; i++) {
		if (rch_pay_state(db, inv[i], today) != 0)
			return -1;
	}
	return 0;
}

/*
 * Reverses a payment, with a reason: it stays on record, marked
 * reversed, and its invoices owe again what it paid. org, when not 0, is
 * the council that must be its payee. 0, or -1 with "field: why".
 */
int
rch_payment_reverse(ep_db *db, ep_req *r, int64_t id, int64_t org,
    const char *reason, char *err, size_t len)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s;
	struct rch_buf j = { 0 };
	char today[11], idtext[24];
	int64_t payee = 0;
	int rc = -1, step;

	if (reason == NULL || *reason == '\0' || strlen(reason) > 500) {
		snprintf(err, len, "reason: say why the payment is reversed, up "
		    "to 500 characters");
		return -1;
	}
	if (h->db_begin(db) != 0) {
		snprintf(err, len, "reason: the store is busy: try again");
		return -1;
	}
	h->today(today);
	s = h->db_prepare(db, "SELECT payee_id, reversed_on IS NOT NULL FROM "
	    "recharge_payments WHERE id = ?");
	h->stmt_bind_int64(s, 1, id);
	step = h->stmt_step(s);
	if (step == EP_STEP_ROW) {
		payee = h->stmt_int64(s, 0);
		step = h->stmt_int64(s, 1) ? -2 : EP_STEP_ROW;
	}
	h->stmt_reset(s);
	if (step != EP_STEP_ROW && step != -2) {
		snprintf(err, len, "payment: there is no payment %lld",
		    (long long)id);
		goto out;
	}
	if (org != 0 && payee != org) {
		snprintf(err, len, "payment: there is no payment %lld",
		    (long long)id);
		goto out;
	}
	if (step == -2) {
		snprintf(err, len, "payment: payment %lld is already reversed",
		    (long long)id);
		goto out;
	}
	s = h->db_prepare(db, "UPDATE recharge_payments SET reversed_on = ?, "
	    "reversed_reason = ?, reversed_by = ? WHERE id = ?");
	h->stmt_bind_text(s, 1, today);
	h->stmt_bind_text(s, 2, reason);
	if (r != NULL && h->req_person(r) != 0)
		h->stmt_bind_int64(s, 3, h->req_person(r));
	else
		h->stmt_bind_null(s, 3);
	h->stmt_bind_int64(s, 4, id);
	step = h->stmt_step(s);
	h->stmt_reset(s);
	rch_buf_add(&j, "{\"before\":{\"reversed\":false},\"after\":{"
	    "\"reversed\":true,\"reversed_on\":\"%s\",\"reason\":", today);
	rch_buf_json(&j, reason);
	rch_buf_add(&j, "}}");
	snprintf(idtext, sizeof idtext, "%lld", (long long)id);
	if (step != EP_STEP_DONE || rch_reverse_states(db, id, today) != 0 ||
	    h->audit(db, r, "reverse", "payment", idtext, payee, j.s) != 0) {
		snprintf(err, len, "reason: the store failed: %s",
		    h->db_errmsg(db));
		goto out;
	}
	rc = 0;
out:
	rch_buf_free(&j);
	if (rc == 0 && h->db_commit(db) != 0) {
		snprintf(err, len, "reason: cannot commit: %s", h->db_errmsg(db));
		rc = -1;
	}
	if (rc != 0)
		h->db_rollback(db);
	return rc;
}

/* One pair's netting payment: every invoice of the month from payee to
 * payer that still owes, allocated in full. */
static int
rch_settle_pair(ep_db *db, ep_req *r, const char *period, const char *date,
    int64_t payer, int64_t payee, int64_t *made)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT i.id, i.number, "
	    "o.outstanding_pence FROM recharge_invoices i JOIN "
	    "recharge_outstanding o ON o.invoice_id = i.id WHERE i.period = ? "
	    "AND i.consumer_id = ? AND i.provider_id = ? AND "
	    "o.outstanding_pence > 0 ORDER BY i.id LIMIT ?");
	struct rch_payment p;
	char ref[64];
	int64_t id;

	memset(&p, 0, sizeof p);
	h->stmt_bind_text(s, 1, period);
	h->stmt_bind_int64(s, 2, payer);
	h->stmt_bind_int64(s, 3, payee);
	h->stmt_bind_int64(s, 4, RC_ALLOC_MAX);
	while (h->stmt_step(s) == EP_STEP_ROW) {
		struct rch_alloc *a = &p.alloc[p.nalloc++];

		a->invoice = h->stmt_int64(s, 0);
		rch_copy(a->key, sizeof a->key, h->stmt_text(s, 1));
		rch_copy(a->field, sizeof a->field, "period");
		a->amount = h->stmt_int64(s, 2);
		p.amount += a->amount;
	}
	h->stmt_reset(s);
	if (p.nalloc == 0)
		return 0;
	snprintf(ref, sizeof ref, "Netting statement %s", period);
	p.payer = payer;
	p.payee = payee;
	p.date = date;
	p.reference = ref;
	p.netting = period;
	if (rch_pay_write(db, r, &p, &id) != 0)
		return -1;
	(*made)++;
	return 0;
}

/*
 * Settles a month by its netting statement: for each pair of councils,
 * the invoices of the month still owed are paid in full by a payment of
 * method netting (what is owed each way is set off, and the statement's
 * transfers move the difference). org, when not 0, limits it to the
 * pairs that council is in. *made counts the payments.
 */
int
rch_netting_settle(ep_db *db, ep_req *r, const char *period, int64_t org,
    const char *date, int *made, char *err, size_t len)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s;
	int64_t pairs[256][2], n = 0, i, count = 0;
	char today[11];
	int rc = -1;

	*made = 0;
	h->today(today);
	if (period == NULL || !h->month_ok(period)) {
		snprintf(err, len, "period: enter the month as YYYY-MM");
		return -1;
	}
	if (date == NULL || !h->date_ok(date) || strcmp(date, today) > 0) {
		snprintf(err, len, "date: enter the settlement date as "
		    "YYYY-MM-DD, not after today");
		return -1;
	}
	if (h->db_begin(db) != 0) {
		snprintf(err, len, "period: the store is busy: try again");
		return -1;
	}
	s = h->db_prepare(db, "SELECT DISTINCT i.consumer_id, i.provider_id "
	    "FROM recharge_invoices i JOIN recharge_outstanding o ON "
	    "o.invoice_id = i.id WHERE i.period = ?1 AND o.outstanding_pence > "
	    "0 AND (?2 = 0 OR ?2 IN (i.consumer_id, i.provider_id)) ORDER BY "
	    "1, 2");
	h->stmt_bind_text(s, 1, period);
	h->stmt_bind_int64(s, 2, org);
	while (n < 256 && h->stmt_step(s) == EP_STEP_ROW) {
		pairs[n][0] = h->stmt_int64(s, 0);
		pairs[n][1] = h->stmt_int64(s, 1);
		n++;
	}
	h->stmt_reset(s);
	if (n == 0) {
		snprintf(err, len, "period: nothing issued in %s is still owed",
		    period);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (rch_settle_pair(db, r, period, date, pairs[i][0], pairs[i][1],
		    &count) != 0) {
			snprintf(err, len, "period: the store failed: %s",
			    h->db_errmsg(db));
			goto out;
		}
	}
	*made = (int)count;
	rc = 0;
out:
	if (rc == 0 && h->db_commit(db) != 0) {
		snprintf(err, len, "period: cannot commit: %s", h->db_errmsg(db));
		rc = -1;
	}
	if (rc != 0)
		h->db_rollback(db);
	return rc;
}
