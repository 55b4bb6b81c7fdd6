/* issue.c: issuing, credit notes, exclusions, payment; the canonical form. */
#include "recharge.h"

#include <stdlib.h>
#include <string.h>

/* Appends text with the separators of the canonical form escaped. */
static void
rch_canon_text(struct rch_buf *b, const char *t)
{
	const char *p;

	for (p = t ? t : ""; *p != '\0'; p++) {
		if (*p == '%' || *p == '|' || *p == '\n' || *p == '\r')
			rch_buf_add(b, "%%%02X", (unsigned char)*p);
		else
			rch_buf_add(b, "%c", *p);
	}
}

/*
 * The text a document's signature covers: every field that makes it what
 * it is, one per line in a fixed order, then each line and the entries it
 * bills. Built from the store the same way at issue and at verify.
 */
int
rch_canonical(ep_db *db, int64_t invoice_id, struct rch_buf *out)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT i.kind, coalesce(i.number, ''), "
	    "coalesce(c.number, ''), p.code, o.code, i.period, "
	    "coalesce(i.issue_date, ''), coalesce(i.due_date, ''), "
	    "i.vat_category, i.vat_rate_bp, i.vat_reason, i.po_reference, "
	    "i.buyer_reference, i.net_pence, i.vat_pence, i.total_pence, "
	    "i.reason FROM recharge_invoices i JOIN organisations p ON p.id = "
	    "i.provider_id JOIN organisations o ON o.id = i.consumer_id LEFT JOIN "
	    "recharge_invoices c ON c.id = i.credits_id WHERE i.id = ?");
	static const char *const names[] = { "kind", "number", "credits",
		"provider", "consumer", "period", "issue_date", "due_date",
		"vat_category", "vat_rate_bp", "vat_reason", "po_reference",
		"buyer_reference", "net", "vat", "total", "reason" };
	size_t i;
	int rc = -1;

	h->stmt_bind_int64(s, 1, invoice_id);
	if (h->stmt_step(s) != EP_STEP_ROW) {
		h->stmt_reset(s);
		return -1;
	}
	rch_buf_add(out, "expertpool-invoice 1\n");
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		rch_buf_add(out, "%s=", names[i]);
		rch_canon_text(out, h->stmt_text(s, (int)i));
		rch_buf_add(out, "\n");
	}
	h->stmt_reset(s);
	s = h->db_prepare(db, "SELECT l.position, l.kind, "
	    "coalesce(l.engagement_id, 0), l.description, l.unit, l.quantity, "
	    "l.unit_price, l.amount, l.vat, l.ruleset_hash, l.po_reference, "
	    "coalesce(c.position, 0) FROM recharge_lines l LEFT JOIN "
	    "recharge_lines c ON c.id = l.credits_line_id WHERE l.invoice_id = ? "
	    "ORDER BY l.position");
	h->stmt_bind_int64(s, 1, invoice_id);
	while (h->stmt_step(s) == EP_STEP_ROW) {
		rch_buf_add(out, "line=%lld|%s|%lld|", (long long)h->stmt_int64(s, 0),
		    h->stmt_text(s, 1), (long long)h->stmt_int64(s, 2));
		rch_canon_text(out, h->stmt_text(s, 3));
		rch_buf_add(out, "|");
		rch_canon_text(out, h->stmt_text(s, 4));
		rch_buf_add(out, "|%lld|%lld|%lld|%s|%s|", (long long)h->stmt_int64(s, 5),
		    (long long)h->stmt_int64(s, 6), (long long)h->stmt_int64(s, 7),
		    h->stmt_text(s, 8), h->stmt_text(s, 9));
		rch_canon_text(out, h->stmt_text(s, 10));
		rch_buf_add(out, "|%lld\n", (long long)h->stmt_int64(s, 11));
	}
	h->stmt_reset(s);
	s = h->db_prepare(db, "SELECT l.position, b.entry_id FROM (SELECT "
	    "b.entry_id, b.line_id FROM recharge_lines k JOIN recharge_billed b "
	    "ON b.line_id = k.id WHERE k.invoice_id = ?1 UNION ALL SELECT "
	    "entry_id, line_id FROM recharge_released WHERE invoice_id = ?1) b "
	    "JOIN recharge_lines l ON l.id = b.line_id ORDER BY l.position, "
	    "b.entry_id");
	h->stmt_bind_int64(s, 1, invoice_id);
	{
		int64_t last = -1;

		while (h->stmt_step(s) == EP_STEP_ROW) {
			int64_t pos = h->stmt_int64(s, 0);

			if (pos != last)
				rch_buf_add(out, "%sentries=%lld:", last < 0 ? "" :
				    "\n", (long long)pos);
			else
				rch_buf_add(out, ",");
			rch_buf_add(out, "%lld", (long long)h->stmt_int64(s, 1));
			last = pos;
		}
		if (last >= 0)
			rch_buf_add(out, "\n");
	}
	h->stmt_reset(s);
	/* A credit note's written-off lines (recharge migration 8); none on
	 * documents made before, whose form stays as it was. */
	s = h->db_prepare(db, "SELECT position FROM recharge_lines WHERE "
	    "invoice_id = ? AND settle = 'write_off' ORDER BY position");
	h->stmt_bind_int64(s, 1, invoice_id);
	{
		int first = 1;

		while (h->stmt_step(s) == EP_STEP_ROW) {
			rch_buf_add(out, "%s%lld", first ? "write_off=" : ",",
			    (long long)h->stmt_int64(s, 0));
			first = 0;
		}
		if (!first)
			rch_buf_add(out, "\n");
	}
	h->stmt_reset(s);
	rc = 0;
	return rc;
}

/* The next number of the provider's gapless sequence for the year. */
static int
rch_number(ep_db *db, int64_t provider, const char *code, const char *date,
    char *number, size_t nlen, int64_t *year, int64_t *seq)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "INSERT INTO recharge_sequences "
	    "(provider_id, year, last) VALUES (?, ?, 1) ON CONFLICT (provider_id, "
	    "year) DO UPDATE SET last = last + 1 RETURNING last");
	int rc;

	*year = atoi(date);
	h->stmt_bind_int64(s, 1, provider);
	h->stmt_bind_int64(s, 2, *year);
	rc = h->stmt_step(s);
	*seq = rc == EP_STEP_ROW ? h->stmt_int64(s, 0) : 0;
	if (rc == EP_STEP_ROW)
		rc = h->stmt_step(s);
	h->stmt_reset(s);
	if (rc != EP_STEP_DONE || *seq <= 0 || *seq > 999999)
		return -1;
	snprintf(number, nlen, "%s-%04lld-%06lld", code, (long long)*year,
	    (long long)*seq);
	return 0;
}

/* Tells the consumer an invoice or credit note is issued: at its invoice
 * address, or its finance officers when it has none. */
static int
rch_tell_issued(ep_db *db, int64_t id)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT i.kind, i.number, i.period, "
	    "i.total_pence, coalesce(i.due_date, ''), p.name, c.name, "
	    "c.invoice_email, c.id FROM recharge_invoices i JOIN organisations p "
	    "ON p.id = i.provider_id JOIN organisations c ON c.id = "
	    "i.consumer_id WHERE i.id = ?");
	char subject[200], body[800], total[32], link[40], to[256];
	int credit, rc = -1;
	int64_t consumer;

	h->stmt_bind_int64(s, 1, id);
	if (h->stmt_step(s) != EP_STEP_ROW) {
		h->stmt_reset(s);
		return -1;
	}
	credit = strcmp(h->stmt_text(s, 0), "credit") == 0;
	h->pence_text(total, sizeof total, h->stmt_int64(s, 3));
	snprintf(subject, sizeof subject, "%s %s from %s", credit ? "Credit note" :
	    "Invoice", h->stmt_text(s, 1), h->stmt_text(s, 5));
	if (credit)
		snprintf(body, sizeof body, "%s has issued credit note %s to %s "
		    "for %s (period %s). It reduces what you owe.",
		    h->stmt_text(s, 5), h->stmt_text(s, 1), h->stmt_text(s, 6),
		    total, h->stmt_text(s, 2));
	else
		snprintf(body, sizeof body, "%s has issued invoice %s to %s for "
		    "%s (period %s), due on %s. Pay it by the due date; the "
		    "invoice, its lines and its Peppol UBL are on its page.",
		    h->stmt_text(s, 5), h->stmt_text(s, 1), h->stmt_text(s, 6),
		    total, h->stmt_text(s, 2), h->stmt_text(s, 4));
	rch_copy(to, sizeof to, h->stmt_text(s, 7));
	consumer = h->stmt_int64(s, 8);
	h->stmt_reset(s);
	snprintf(link, sizeof link, "/invoices/%lld", (long long)id);
	/* An address the store holds that is not one reaches nobody: the
	 * consumer's finance officers are told instead. */
	if (to[0] != '\0' && h->notify_address(db, to, subject, body,
	    link) == 0)
		return 0;
	rc = h->notify_role(db, EP_ROLE_FINANCE, consumer, subject, body, link);
	return rc;
}

/* Numbers, dates and signs a document that has its lines and totals:
 * the part issuing and crediting share. */
static int
rch_finalise(ep_db *db, ep_req *r, int64_t id, int64_t provider,
    const char *code, int64_t terms_days, const char *state, int tell,
    char *err, size_t len)
{
	const struct ep_host *h = rch_host;
	struct rch_buf canon = { 0 };
	char number[40], today[11], due[11], pub[65], sig[129];
	char summary[200], idtext[24];
	int64_t year, seq;
	ep_stmt *s;
	int rc = -1, step;

	/* Issued today in London; due after the terms in London days. */
	h->today(today);
	s = h->db_prepare(db, "SELECT date(?, '+' || ? || ' days')");
	h->stmt_bind_text(s, 1, today);
	h->stmt_bind_int64(s, 2, terms_days);
	h->stmt_step(s);
	rch_copy(due, sizeof due, h->stmt_text(s, 0));
	h->stmt_reset(s);
	if (rch_number(db, provider, code, today, number, sizeof number, &year,
	    &seq) != 0) {
		snprintf(err, len, "cannot allocate the next number: %s",
		    h->db_errmsg(db));
		goto out;
	}
	s = h->db_prepare(db, "UPDATE recharge_invoices SET state = ?, number = "
	    "?, seq_year = ?, seq = ?, issue_date = ?, due_date = CASE kind WHEN "
	    "'credit' THEN NULL ELSE ? END WHERE id = ?");
	h->stmt_bind_text(s, 1, state);
	h->stmt_bind_text(s, 2, number);
	h->stmt_bind_int64(s, 3, year);
	h->stmt_bind_int64(s, 4, seq);
	h->stmt_bind_text(s, 5, today);
	h->stmt_bind_text(s, 6, due);
	h->stmt_bind_int64(s, 7, id);
	step = h->stmt_step(s);
	h->stmt_reset(s);
	if (step != EP_STEP_DONE) {
		snprintf(err, len, "cannot number the invoice: %s", h->db_errmsg(db));
		goto out;
	}
	if (rch_canonical(db, id, &canon) != 0 ||
	    rch_sign(db, provider, &canon, pub, sig, err, len) != 0)
		goto out;
	s = h->db_prepare(db, "UPDATE recharge_invoices SET public_key = ?, "
	    "signature = ? WHERE id = ? AND signature IS NULL");
	h->stmt_bind_text(s, 1, pub);
	h->stmt_bind_text(s, 2, sig);
	h->stmt_bind_int64(s, 3, id);
	step = h->stmt_step(s);
	h->stmt_reset(s);
	if (step != EP_STEP_DONE || h->db_changes(db) != 1) {
		snprintf(err, len, "cannot keep the signature: %s", h->db_errmsg(db));
		goto out;
	}
	snprintf(idtext, sizeof idtext, "%lld", (long long)id);
	snprintf(summary, sizeof summary, "{\"number\":\"%s\",\"id\":%lld}",
	    number, (long long)id);
	if (h->audit(db, r, strcmp(state, "issued") == 0 ? "issue" : "credit",
	    "invoice", number, provider, summary) != 0) {
		snprintf(err, len, "cannot record the audit event");
		goto out;
	}
	if (tell && rch_tell_issued(db, id) != 0) {
		snprintf(err, len, "cannot queue the message to the consumer: %s",
		    h->db_errmsg(db));
		goto out;
	}
	h->hook_fire("invoice.issued", summary);
	rc = 0;
out:
	rch_buf_free(&canon);
	return rc;
}

struct rch_inv {
	int64_t id, provider, consumer, terms, net, credits;
	char state[12], kind[8], code[16], number[40];
};

/* Ends a step's transaction: commits when it went well, else rolls back,
 * so a step is all there or not there. */
static int
rch_finish(ep_db *db, int rc, char *err, size_t len)
{
	const struct ep_host *h = rch_host;

	if (rc == 0 && h->db_commit(db) != 0) {
		snprintf(err, len, "cannot commit: %s", h->db_errmsg(db));
		rc = -1;
	}
	if (rc != 0)
		h->db_rollback(db);
	return rc;
}

static int
rch_inv_load(ep_db *db, int64_t id, struct rch_inv *v)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT i.id, i.provider_id, "
	    "i.consumer_id, i.terms_days, i.net_pence, coalesce(i.credits_id, 0), "
	    "i.state, i.kind, p.code, coalesce(i.number, '') FROM "
	    "recharge_invoices i JOIN organisations p ON p.id = i.provider_id "
	    "WHERE i.id = ?");
	int rc = -1;

	h->stmt_bind_int64(s, 1, id);
	if (h->stmt_step(s) == EP_STEP_ROW) {
		v->id = h->stmt_int64(s, 0);
		v->provider = h->stmt_int64(s, 1);
		v->consumer = h->stmt_int64(s, 2);
		v->terms = h->stmt_int64(s, 3);
		v->net = h->stmt_int64(s, 4);
		v->credits = h->stmt_int64(s, 5);
		rch_copy(v->state, sizeof v->state, h->stmt_text(s, 6));
		rch_copy(v->kind, sizeof v->kind, h->stmt_text(s, 7));
		rch_copy(v->code, sizeof v->code, h->stmt_text(s, 8));
		rch_copy(v->number, sizeof v->number, h->stmt_text(s, 9));
		rc = 0;
	}
	h->stmt_reset(s);
	return rc;
}

/* Only the provider's finance officers (or an administrator) act on its
 * invoices; r is NULL from the command line. */
static int
rch_may_act(ep_req *r, const struct rch_inv *v)
{
	if (r == NULL)
		return 1;
	return rch_host->req_org(r) == v->provider ||
	    (rch_host->req_roles(r) & EP_ROLE_ADMIN) != 0;
}

int
rch_exec_id(ep_db *db, const char *sql, int64_t a, int64_t b)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, sql);
	int rc;

	if (s == NULL)
		return -1;
	h->stmt_bind_int64(s, 1, a);
	if (b != 0)
		h->stmt_bind_int64(s, 2, b);
	rc = h->stmt_step(s);
	h->stmt_reset(s);
	return rc == EP_STEP_DONE ? h->db_changes(db) : -1;
}

/*
 * Has an engagement on the draft changed since the run priced its terms
 * (its fee, its bonus, a milestone marked done or the work completed in
 * the month)? Then issuing would bill what the engagement no longer says,
 * or miss what it now does: the month must be run again. Terms recorded
 * before their inputs were kept cannot tell, and pass. 0, 1 (its id in
 * *eng) or -1.
 */
static int
rch_terms_changed(ep_db *db, int64_t invoice_id, int64_t *eng)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT t.engagement_id, t.inputs, "
	    "i.period FROM recharge_terms t JOIN recharge_invoices i ON i.id = "
	    "t.invoice_id WHERE t.invoice_id = ? AND t.engagement_id != 0 AND "
	    "t.inputs IS NOT NULL ORDER BY t.engagement_id");
	ep_stmt *now;
	char period[8], start[11], next[11], *kept;
	int rc = 0, step;

	if (s == NULL)
		return -1;
	h->stmt_bind_int64(s, 1, invoice_id);
	while (rc == 0 && (step = h->stmt_step(s)) == EP_STEP_ROW) {
		*eng = h->stmt_int64(s, 0);
		rch_copy(period, sizeof period, h->stmt_text(s, 2));
		snprintf(start, sizeof start, "%s-01", period);
		rch_period_next(period, next);
		if ((kept = strdup(h->stmt_text(s, 1))) == NULL ||
		    (now = h->db_prepare(db, RC_ENG_INPUTS)) == NULL) {
			free(kept);
			rc = -1;
			break;
		}
		h->stmt_bind_text(now, 1, period);
		h->stmt_bind_text(now, 2, next);
		h->stmt_bind_text(now, 3, start);
		h->stmt_bind_int64(now, 4, *eng);
		if (h->stmt_step(now) != EP_STEP_ROW)
			rc = -1;
		else if (strcmp(h->stmt_text(now, 0), kept) != 0)
			rc = 1;
		h->stmt_reset(now);
		free(kept);
	}
	h->stmt_reset(s);
	return rc;
}

/*
 * An engagement whose completion or milestone falls in the draft's month
 * and was marked after the month's last finished run, and which is on no
 * invoice of the month: that run could not see it, and only running the
 * month again bills it. Its id, 0 for none, -1 on error. Only those
 * completed or with a milestone marked since the run are read (c, by the
 * indexes of core migration 0024), not every engagement.
 */
static int64_t
rch_terms_unseen(ep_db *db, int64_t invoice_id)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "WITH m AS (SELECT period, period || "
	    "'-01' AS start, date(period || '-01', '+1 month') AS next, (SELECT "
	    "max(r.started_at) FROM recharge_runs r WHERE r.period = i.period "
	    "AND r.state = 'done') AS ran FROM recharge_invoices i WHERE i.id = "
	    "?1), c(id) AS (SELECT e.id FROM m, engagements e WHERE "
	    "e.completed_at >= m.ran UNION SELECT e.id FROM m, milestones x "
	    "JOIN engagements e ON e.offer_id = x.offer_id WHERE x.done_at >= "
	    "m.ran) SELECT e.id FROM m CROSS JOIN c CROSS JOIN engagements e "
	    "ON e.id = c.id WHERE m.ran IS NOT NULL AND "
	    "((london_date(e.completed_at) >= m.start AND london_date("
	    "e.completed_at) < m.next AND e.completed_at >= m.ran) OR EXISTS ("
	    "SELECT 1 FROM "
	    "milestones x WHERE x.offer_id = e.offer_id AND x.done >= m.start AND "
	    "x.done < m.next AND x.done_at >= m.ran)) AND NOT EXISTS (SELECT 1 "
	    "FROM recharge_terms t JOIN recharge_invoices j ON j.id = "
	    "t.invoice_id WHERE t.engagement_id = e.id AND j.period = m.period) "
	    "ORDER BY e.id LIMIT 1");
	int64_t id = 0;
	int step;

	if (s == NULL)
		return -1;
	h->stmt_bind_int64(s, 1, invoice_id);
	if ((step = h->stmt_step(s)) == EP_STEP_ROW)
		id = h->stmt_int64(s, 0);
	else if (step != EP_STEP_DONE)
		id = -1;
	h->stmt_reset(s);
	return id;
}

/*
 * Of the draft's entries, those another issued invoice already holds:
 * billed on a line of its, or written off by its credit note. Then
 * records the draft as an issued invoice whose entries are not yet
 * marked. 0 when none is held, a count when some are, -1 on error.
 * Only the links are read, line against line of the same engagement as
 * the run finds an entry's lines (migration 3), never the entries' rows:
 * those are scattered over the table, a page read for nearly each, and
 * an approved entry never changes but by an invoice.
 */
static int
rch_issue_held(ep_db *db, int64_t invoice_id)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT count(*) FROM (SELECT "
	    "b.entry_id FROM recharge_lines l JOIN recharge_lines o ON "
	    "o.engagement_id = l.engagement_id AND o.invoice_id != ?1 JOIN "
	    "recharge_invoices j ON j.id = o.invoice_id AND j.state != 'draft' "
	    "JOIN recharge_billed b ON b.line_id = l.id JOIN recharge_billed x "
	    "ON x.line_id = o.id AND x.entry_id = b.entry_id WHERE l.invoice_id "
	    "= ?1 UNION SELECT b.entry_id FROM recharge_lines l JOIN "
	    "recharge_lines o ON o.engagement_id = l.engagement_id JOIN "
	    "recharge_released r ON r.line_id = o.id AND r.settle = 'write_off' "
	    "JOIN recharge_billed b ON b.line_id = l.id AND b.entry_id = "
	    "r.entry_id WHERE l.invoice_id = ?1)");
	int64_t n = -1;

	if (s == NULL)
		return -1;
	h->stmt_bind_int64(s, 1, invoice_id);
	if (h->stmt_step(s) == EP_STEP_ROW)
		n = h->stmt_int64(s, 0);
	h->stmt_reset(s);
	if (n != 0)
		return n < 0 ? -1 : (int)(n > 1000000 ? 1000000 : n);
	return rch_exec_id(db, "INSERT INTO recharge_unmarked (invoice_id) "
	    "VALUES (?1)", invoice_id, 0) == 1 ? 0 : -1;
}

/*
 * Issues a draft in one transaction: the next number of the provider's
 * gapless sequence, the dates from the agreement's terms, the entries
 * held as invoiced, the canonical form signed, and the consumer told.
 * A crash leaves it issued or not, never half.
 */
int
rch_issue(ep_db *db, ep_req *r, int64_t invoice_id, char *err, size_t len)
{
	return rch_issue_as(db, r, invoice_id, 1, err, len);
}

/*
 * Tells the consumer of an issued document, in a transaction of its own:
 * for an issue meant to be sent whose sending failed, so that the
 * consumer hears of it once all the same.
 */
int
rch_issue_tell(ep_db *db, int64_t invoice_id, char *err, size_t len)
{
	const struct ep_host *h = rch_host;
	int rc = -1;

	if (h->db_begin(db) != 0) {
		snprintf(err, len, "the store is busy: try again");
		return -1;
	}
	if (rch_tell_issued(db, invoice_id) != 0)
		snprintf(err, len, "cannot queue the message to the consumer: "
		    "%s", h->db_errmsg(db));
	else
		rc = 0;
	return rch_finish(db, rc, err, len);
}

/*
 * Issues a draft as rch_issue() does; tell 0 leaves out the notice to the
 * consumer, for an issue that sends the document itself straight after
 * (the message with its files is the notice: one issue, one message).
 */
int
rch_issue_as(ep_db *db, ep_req *r, int64_t invoice_id, int tell, char *err,
    size_t len)
{
	const struct ep_host *h = rch_host;
	struct rch_inv v;
	int64_t eng = 0;
	int n, rc = -1;

	if (h->db_begin(db) != 0) {
		snprintf(err, len, "the store is busy: try again");
		return -1;
	}
	if (rch_inv_load(db, invoice_id, &v) != 0 || !rch_may_act(r, &v)) {
		snprintf(err, len, "there is no such invoice");
		goto out;
	}
	if (strcmp(v.state, "draft") != 0) {
		snprintf(err, len, "invoice %s is already %s", v.number, v.state);
		goto out;
	}
	if (v.net < 0) {
		snprintf(err, len, "the draft's total is negative: exclude the "
		    "corrections or credit the invoice they correct");
		goto out;
	}
	switch (rch_terms_changed(db, invoice_id, &eng)) {
	case 0:
		break;
	case 1:
		snprintf(err, len, "engagement %lld has changed since this draft "
		    "was made (its fee, bonus, milestones or completion): run the "
		    "month again", (long long)eng);
		goto out;
	default:
		snprintf(err, len, "the draft's engagement terms cannot be "
		    "checked: %s", h->db_errmsg(db));
		goto out;
	}
	if ((eng = rch_terms_unseen(db, invoice_id)) != 0) {
		if (eng > 0)
			snprintf(err, len, "engagement %lld has a milestone done or "
			    "its work completed since the month was run: run the "
			    "month again", (long long)eng);
		else
			snprintf(err, len, "the month's engagements cannot be "
			    "checked: %s", h->db_errmsg(db));
		goto out;
	}
	/* The entries are invoiced by the invoice being issued, not by a
	 * mark on each (recharge migration 12): none may be held by another
	 * issued invoice. */
	if ((n = rch_issue_held(db, invoice_id)) != 0) {
		if (n > 0)
			snprintf(err, len, "%d of the draft's entries %s already "
			    "on an issued invoice: run the month again", n,
			    n == 1 ? "is" : "are");
		else
			snprintf(err, len, "the draft's entries cannot be checked: "
			    "%s", h->db_errmsg(db));
		goto out;
	}
	if (rch_expenses_issue(db, invoice_id) != 0) {
		snprintf(err, len, "some of the draft's expenses are no longer "
		    "approved: run the month again");
		goto out;
	}
	if (rch_finalise(db, r, invoice_id, v.provider, v.code, v.terms,
	    "issued", tell, err, len) != 0)
		goto out;
	rc = 0;
out:
	return rch_finish(db, rc, err, len);
}

/* Copies one line of the invoice onto the credit note, with what the
 * credit means for it: billed again or written off. */
static int
rch_credit_line(ep_db *db, int64_t credit, int64_t invoice, int64_t line,
    int64_t position, int write_off, int64_t *amount)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "INSERT INTO recharge_lines (invoice_id, "
	    "position, kind, engagement_id, description, unit, quantity, "
	    "unit_price, amount, vat, ruleset_hash, po_reference, "
	    "credits_line_id, settle) SELECT ?1, ?2, kind, engagement_id, "
	    "description, unit, quantity, unit_price, amount, vat, ruleset_hash, "
	    "po_reference, id, ?5 FROM recharge_lines l WHERE l.id = ?3 AND "
	    "l.invoice_id = ?4 AND NOT EXISTS (SELECT 1 FROM recharge_lines c "
	    "JOIN recharge_invoices i ON i.id = c.invoice_id WHERE "
	    "c.credits_line_id = l.id AND i.state != 'draft') RETURNING amount");
	int rc;

	h->stmt_bind_int64(s, 1, credit);
	h->stmt_bind_int64(s, 2, position);
	h->stmt_bind_int64(s, 3, line);
	h->stmt_bind_int64(s, 4, invoice);
	h->stmt_bind_text(s, 5, write_off ? "write_off" : "rebill");
	rc = h->stmt_step(s);
	if (rc == EP_STEP_ROW) {
		*amount = h->stmt_int64(s, 0);
		rc = h->stmt_step(s);
	} else
		rc = EP_STEP_ERROR;
	h->stmt_reset(s);
	return rc == EP_STEP_DONE ? 0 : -1;
}

/*
 * An entry cannot be both billed again and written off: a line to bill
 * again on the credit note whose entries another of its lines writes
 * off, or an earlier credit note wrote off. The first such line's
 * position on the invoice, 0 for none, -1 on error.
 */
static int64_t
rch_credit_clash(ep_db *db, int64_t credit)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT o.position FROM recharge_lines c "
	    "JOIN recharge_lines o ON o.id = c.credits_line_id JOIN "
	    "recharge_billed b ON b.line_id = c.credits_line_id WHERE "
	    "c.invoice_id = ?1 AND c.settle = 'rebill' AND (EXISTS (SELECT 1 "
	    "FROM recharge_lines w JOIN recharge_billed x ON x.line_id = "
	    "w.credits_line_id WHERE w.invoice_id = ?1 AND w.settle = "
	    "'write_off' AND x.entry_id = b.entry_id) OR EXISTS (SELECT 1 FROM "
	    "recharge_released r WHERE r.entry_id = b.entry_id AND r.settle = "
	    "'write_off')) ORDER BY o.position LIMIT 1");
	int64_t pos = 0;
	int step;

	if (s == NULL)
		return -1;
	h->stmt_bind_int64(s, 1, credit);
	if ((step = h->stmt_step(s)) == EP_STEP_ROW)
		pos = h->stmt_int64(s, 0);
	else if (step != EP_STEP_DONE)
		pos = -1;
	h->stmt_reset(s);
	return pos;
}

/* Records what the credit note took and how: the lines billed again and
 * written off, the invoice's state before and after. */
static int
rch_credit_audit(ep_db *db, ep_req *r, const struct rch_inv *v, int64_t id)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT json_object('credit_note', "
	    "c.number, 'reason', c.reason, 'before', json_object('state', ?2), "
	    "'after', json_object('state', i.state), 'rebill', (SELECT "
	    "json_group_array(o.position) FROM recharge_lines l JOIN "
	    "recharge_lines o ON o.id = l.credits_line_id WHERE l.invoice_id = "
	    "c.id AND l.settle = 'rebill'), 'write_off', (SELECT "
	    "json_group_array(o.position) FROM recharge_lines l JOIN "
	    "recharge_lines o ON o.id = l.credits_line_id WHERE l.invoice_id = "
	    "c.id AND l.settle = 'write_off')) FROM recharge_invoices c JOIN "
	    "recharge_invoices i ON i.id = c.credits_id WHERE c.id = ?1");
	char *summary = NULL;
	int rc = -1;

	if (s == NULL)
		return -1;
	h->stmt_bind_int64(s, 1, id);
	h->stmt_bind_text(s, 2, v->state);
	if (h->stmt_step(s) == EP_STEP_ROW)
		summary = strdup(h->stmt_text(s, 0));
	h->stmt_reset(s);
	if (summary != NULL)
		rc = h->audit(db, r, "credit_lines", "invoice", v->number,
		    v->provider, summary);
	free(summary);
	return rc;
}

/* Every line of the invoice not yet credited, for a credit of the whole. */
static size_t
rch_credit_all(ep_db *db, int64_t invoice_id, int64_t **all)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT l.id FROM recharge_lines l WHERE "
	    "l.invoice_id = ? AND NOT EXISTS (SELECT 1 FROM recharge_lines "
	    "c WHERE c.credits_line_id = l.id) ORDER BY l.position");
	size_t n = 0;

	*all = NULL;
	h->stmt_bind_int64(s, 1, invoice_id);
	while (h->stmt_step(s) == EP_STEP_ROW) {
		if ((*all = realloc(*all, (n + 1) * sizeof **all)) == NULL)
			abort();
		(*all)[n++] = h->stmt_int64(s, 0);
	}
	h->stmt_reset(s);
	return n;
}

/*
 * A credit note against an issued invoice, for all of it (q->nlines 0)
 * or some of its lines, with a reason: its own number from the same
 * sequence, signed. Each line is credited to be billed again (its
 * entries go back to approved for a later run) or written off (its
 * entries stay invoiced, never billed again). One function because it is
 * one transaction, read top to bottom: each step's failure rolls back
 * everything before it.
 */
int
rch_credit(ep_db *db, ep_req *r, int64_t invoice_id,
    const struct rch_credit_ask *q, int64_t *credit_id, char *err, size_t len)
{
	const struct ep_host *h = rch_host;
	struct rch_inv v;
	ep_stmt *s;
	const int64_t *lines = q->lines;
	int64_t *all = NULL, net = 0, amount, vat, id, clash;
	size_t nlines = q->nlines, i;
	int rc = -1, step, wo;

	*credit_id = 0;
	if (q->reason == NULL || *q->reason == '\0') {
		snprintf(err, len, "reason: say why the invoice is credited");
		return -1;
	}
	if (h->db_begin(db) != 0) {
		snprintf(err, len, "the store is busy: try again");
		return -1;
	}
	if (rch_inv_load(db, invoice_id, &v) != 0 || !rch_may_act(r, &v) ||
	    strcmp(v.kind, "invoice") != 0) {
		snprintf(err, len, "there is no such invoice");
		goto out;
	}
	if (strcmp(v.state, "issued") != 0 && strcmp(v.state, "paid") != 0) {
		snprintf(err, len, "invoice %s%s is %s: only an issued invoice is "
		    "credited", v.number, *v.number ? "" : "(draft)", v.state);
		goto out;
	}
	if (nlines == 0) {
		nlines = rch_credit_all(db, invoice_id, &all);
		lines = all;
	}
	if (nlines == 0) {
		snprintf(err, len, "everything on %s is already credited", v.number);
		goto out;
	}
	s = h->db_prepare(db, "INSERT INTO recharge_invoices (kind, period, "
	    "provider_id, consumer_id, agreement_id, ruleset, vat_category, "
	    "vat_rate_bp, vat_reason, po_reference, buyer_reference, terms_days, "
	    "credits_id, reason, calendar) SELECT 'credit', period, "
	    "provider_id, consumer_id, agreement_id, ruleset, vat_category, "
	    "vat_rate_bp, vat_reason, po_reference, buyer_reference, "
	    "terms_days, id, ?, calendar FROM recharge_invoices WHERE id = ?");
	h->stmt_bind_text(s, 1, q->reason);
	h->stmt_bind_int64(s, 2, invoice_id);
	step = h->stmt_step(s);
	h->stmt_reset(s);
	if (step != EP_STEP_DONE) {
		snprintf(err, len, "cannot make the credit note: %s",
		    h->db_errmsg(db));
		goto out;
	}
	id = h->db_last_id(db);
	for (i = 0; i < nlines; i++) {
		wo = all != NULL ? q->write_off_all : q->write_off != NULL &&
		    q->write_off[i];
		if (rch_credit_line(db, id, invoice_id, lines[i], (int64_t)i + 1,
		    wo, &amount) != 0) {
			snprintf(err, len, "line %lld is not on %s or is already "
			    "credited", (long long)lines[i], v.number);
			goto out;
		}
		net += amount;
	}
	if ((clash = rch_credit_clash(db, id)) != 0) {
		if (clash > 0)
			snprintf(err, len, "line %lld: its time entries are also "
			    "on a line written off, so they cannot be billed again: "
			    "write it off too", (long long)clash);
		else
			snprintf(err, len, "cannot check the credited lines: %s",
			    h->db_errmsg(db));
		goto out;
	}
	s = h->db_prepare(db, "SELECT vat_rate_bp FROM recharge_invoices WHERE "
	    "id = ?");
	h->stmt_bind_int64(s, 1, id);
	h->stmt_step(s);
	vat = rch_vat(net, h->stmt_int64(s, 0));
	h->stmt_reset(s);
	s = h->db_prepare(db, "UPDATE recharge_invoices SET net_pence = ?, "
	    "vat_pence = ?, total_pence = ? WHERE id = ?");
	h->stmt_bind_int64(s, 1, net);
	h->stmt_bind_int64(s, 2, vat);
	h->stmt_bind_int64(s, 3, net + vat);
	h->stmt_bind_int64(s, 4, id);
	step = h->stmt_step(s);
	h->stmt_reset(s);
	/* Release the credited lines' links; an entry to be billed again goes
	 * back to approved once no line bills it any more (one priced into
	 * two lines stays invoiced while the other line stands); a written-off
	 * entry stays invoiced, so no run takes it again. Entries not yet
	 * marked invoiced (recharge_unmarked) are still marked approved: the
	 * released links alone say which of them are invoiced. */
	if (step != EP_STEP_DONE ||
	    rch_exec_id(db, "INSERT INTO recharge_released (entry_id, invoice_id, "
	    "line_id, credit_id, settle) SELECT b.entry_id, l.invoice_id, "
	    "b.line_id, ?1, c.settle FROM recharge_lines c JOIN recharge_billed "
	    "b ON b.line_id = c.credits_line_id JOIN recharge_lines l ON l.id = "
	    "b.line_id WHERE c.invoice_id = ?1", id, 0) < 0 ||
	    rch_exec_id(db, "DELETE FROM recharge_billed WHERE line_id IN (SELECT "
	    "credits_line_id FROM recharge_lines WHERE invoice_id = ?1)", id,
	    0) < 0 ||
	    rch_exec_id(db, "UPDATE time_entries SET state = 'approved' WHERE "
	    "state = 'invoiced' AND id IN (SELECT entry_id FROM recharge_released WHERE credit_id = ?1 "
	    "AND settle = 'rebill') AND NOT EXISTS (SELECT 1 FROM "
	    "recharge_released w WHERE w.entry_id = time_entries.id AND "
	    "w.settle = 'write_off') AND NOT EXISTS (SELECT 1 FROM "
	    "recharge_lines l JOIN recharge_billed b ON b.line_id = l.id AND "
	    "b.entry_id = time_entries.id WHERE l.engagement_id = "
	    "time_entries.engagement_id)", id, 0) < 0 ||
	    rch_expenses_credit(db, id) != 0 ||
	    rch_exec_id(db, "UPDATE recharge_invoices SET state = 'credited' "
	    "WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM recharge_lines l WHERE "
	    "l.invoice_id = ?1 AND NOT EXISTS (SELECT 1 FROM recharge_lines c "
	    "WHERE c.credits_line_id = l.id))", invoice_id, 0) < 0) {
		snprintf(err, len, "cannot release the credited entries: %s",
		    h->db_errmsg(db));
		goto out;
	}
	if (rch_finalise(db, r, id, v.provider, v.code, v.terms, "issued", 1,
	    err, len) != 0)
		goto out;
	if (rch_credit_audit(db, r, &v, id) != 0) {
		snprintf(err, len, "cannot record the audit event");
		goto out;
	}
	*credit_id = id;
	rc = 0;
out:
	free(all);
	return rch_finish(db, rc, err, len);
}

#define RC_EXCLUDE_MAX 64

/*
 * The draft's line and every line sharing an entry with it, and with
 * those in turn (an entry priced into two lines waits whole): at most
 * max ids, the line itself first. 0 when the line is not on the draft,
 * -1 when there are more than max.
 */
static int
rch_exclude_set(ep_db *db, int64_t invoice_id, int64_t line_id,
    int64_t *out, size_t max)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "WITH RECURSIVE ex(id) AS (SELECT id "
	    "FROM recharge_lines WHERE id = ?1 AND invoice_id = ?2 UNION SELECT "
	    "l2.id FROM ex JOIN recharge_lines l1 ON l1.id = ex.id JOIN "
	    "recharge_lines l2 ON l2.invoice_id = l1.invoice_id AND "
	    "l2.engagement_id = l1.engagement_id AND l2.kind = 'entries' WHERE "
	    "EXISTS (SELECT 1 FROM recharge_billed x JOIN recharge_billed y ON "
	    "y.line_id = l2.id AND y.entry_id = x.entry_id WHERE x.line_id = "
	    "ex.id)) SELECT id FROM ex ORDER BY id != ?1, id");
	size_t n = 0;
	int rc = 0;

	if (s == NULL)
		return -1;
	h->stmt_bind_int64(s, 1, line_id);
	h->stmt_bind_int64(s, 2, invoice_id);
	while (h->stmt_step(s) == EP_STEP_ROW) {
		if (n == max) {
			rc = -1;
			break;
		}
		out[n++] = h->stmt_int64(s, 0);
	}
	h->stmt_reset(s);
	return rc < 0 ? -1 : (int)n;
}

/*
 * Takes a draft line off its invoice: its entries wait for next month's
 * run (a deferral for this month, with the reason), and the draft's
 * totals are recomputed without it. Lines that bill some of the same
 * entries go with it, so no entry is left half on the draft.
 */
int
rch_exclude(ep_db *db, ep_req *r, int64_t invoice_id, int64_t line_id,
    const char *reason, char *err, size_t len)
{
	const struct ep_host *h = rch_host;
	struct rch_inv v;
	ep_stmt *s;
	int64_t net = 0, bp = 0, lines[RC_EXCLUDE_MAX];
	int rc = -1, step, nlines, n;
	size_t i;
	char idtext[24], summary[1400];

	if (reason == NULL || *reason == '\0') {
		snprintf(err, len, "reason: say why the line waits for next month");
		return -1;
	}
	if (h->db_begin(db) != 0) {
		snprintf(err, len, "the store is busy: try again");
		return -1;
	}
	if (rch_inv_load(db, invoice_id, &v) != 0 || !rch_may_act(r, &v)) {
		snprintf(err, len, "there is no such invoice");
		goto out;
	}
	if (strcmp(v.state, "draft") != 0) {
		snprintf(err, len, "invoice %s is %s: only a draft's lines are "
		    "excluded", v.number, v.state);
		goto out;
	}
	if ((nlines = rch_exclude_set(db, invoice_id, line_id, lines,
	    RC_EXCLUDE_MAX)) <= 0) {
		snprintf(err, len, nlines == 0 ? "line %lld is not on this draft" :
		    "line %lld shares its entries with too many lines",
		    (long long)line_id);
		goto out;
	}
	for (i = 0; i < (size_t)nlines; i++) {
		s = h->db_prepare(db, "INSERT INTO recharge_deferrals (entry_id, "
		    "period, reason, by_person) SELECT b.entry_id, i.period, ?3, "
		    "nullif(?4, 0) FROM recharge_billed b JOIN recharge_lines l ON "
		    "l.id = b.line_id JOIN recharge_invoices i ON i.id = "
		    "l.invoice_id WHERE b.line_id = ?1 AND l.invoice_id = ?2 "
		    "ON CONFLICT DO NOTHING");
		h->stmt_bind_int64(s, 1, lines[i]);
		h->stmt_bind_int64(s, 2, invoice_id);
		h->stmt_bind_text(s, 3, reason);
		h->stmt_bind_int64(s, 4, r ? h->req_person(r) : 0);
		step = h->stmt_step(s);
		h->stmt_reset(s);
		if (step != EP_STEP_DONE ||
		    rch_exec_id(db, "DELETE FROM recharge_billed WHERE line_id = ?1",
		    lines[i], 0) < 0 ||
		    rch_exec_id(db, "DELETE FROM recharge_lines WHERE id = ?1 AND "
		    "invoice_id = ?2", lines[i], invoice_id) != 1) {
			snprintf(err, len, "line %lld: the store failed: %s",
			    (long long)lines[i], h->db_errmsg(db));
			goto out;
		}
	}
	s = h->db_prepare(db, "SELECT coalesce(sum(l.amount), 0), i.vat_rate_bp "
	    "FROM recharge_invoices i LEFT JOIN recharge_lines l ON l.invoice_id "
	    "= i.id WHERE i.id = ?");
	h->stmt_bind_int64(s, 1, invoice_id);
	if (h->stmt_step(s) == EP_STEP_ROW) {
		net = h->stmt_int64(s, 0);
		bp = h->stmt_int64(s, 1);
	}
	h->stmt_reset(s);
	s = h->db_prepare(db, "UPDATE recharge_invoices SET net_pence = ?, "
	    "vat_pence = ?, total_pence = ? WHERE id = ?");
	h->stmt_bind_int64(s, 1, net);
	h->stmt_bind_int64(s, 2, rch_vat(net, bp));
	h->stmt_bind_int64(s, 3, net + rch_vat(net, bp));
	h->stmt_bind_int64(s, 4, invoice_id);
	step = h->stmt_step(s);
	h->stmt_reset(s);
	snprintf(idtext, sizeof idtext, "%lld", (long long)invoice_id);
	n = snprintf(summary, sizeof summary, "{\"excluded_line\":%lld",
	    (long long)line_id);
	if (nlines > 1) {
		n += snprintf(summary + n, sizeof summary - (size_t)n,
		    ",\"with_lines\":[");
		for (i = 1; i < (size_t)nlines; i++)
			n += snprintf(summary + n, sizeof summary - (size_t)n,
			    "%s%lld", i > 1 ? "," : "", (long long)lines[i]);
		n += snprintf(summary + n, sizeof summary - (size_t)n, "]");
	}
	snprintf(summary + n, sizeof summary - (size_t)n, "}");
	if (step != EP_STEP_DONE || h->audit(db, r, "exclude", "invoice", idtext,
	    v.provider, summary) != 0) {
		snprintf(err, len, "the store failed: %s", h->db_errmsg(db));
		goto out;
	}
	rc = 0;
out:
	return rch_finish(db, rc, err, len);
}

/*
 * Records that the consumer paid an issued invoice in full: a payment of
 * what it still owes, dated today, allocated to it, as payments.c records
 * any other, so that the payments list and aged debt agree with it.
 */
int
rch_mark_paid(ep_db *db, ep_req *r, int64_t invoice_id, char *err, size_t len)
{
	const struct ep_host *h = rch_host;
	struct rch_payment p;
	struct rch_inv v;
	char today[11], ref[64];
	int64_t pid;

	if (rch_inv_load(db, invoice_id, &v) != 0 || !rch_may_act(r, &v) ||
	    strcmp(v.kind, "invoice") != 0) {
		snprintf(err, len, "there is no such invoice");
		return -1;
	}
	if (strcmp(v.state, "issued") != 0) {
		snprintf(err, len, "invoice %s is %s, not issued and unpaid",
		    *v.number ? v.number : "(draft)", v.state);
		return -1;
	}
	memset(&p, 0, sizeof p);
	h->today(today);
	snprintf(ref, sizeof ref, "Marked paid: %s", v.number);
	p.payer = v.consumer;
	p.payee = v.provider;
	p.amount = rch_outstanding(db, invoice_id);
	if (p.amount <= 0) {
		snprintf(err, len, "invoice %s has nothing left to pay",
		    v.number);
		return -1;
	}
	p.date = today;
	p.reference = ref;
	p.alloc[0].invoice = invoice_id;
	p.alloc[0].amount = p.amount;
	snprintf(p.alloc[0].field, sizeof p.alloc[0].field, "invoice");
	snprintf(p.alloc[0].key, sizeof p.alloc[0].key, "%s", v.number);
	p.nalloc = 1;
	return rch_payment_record(db, r, &p, &pid, err, len);
}
