/* send.c: an issued document sent by e-mail, PDF and UBL attached. */
#include "recharge.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* The outbox's messages that sent the document id its files: to an
 * address, linked to its page, with files (the notice of its issue has
 * none). */
#define RC_SENT_WHERE(id) "o.link = '/invoices/' || " id " AND o.to_person " \
	"IS NULL AND EXISTS (SELECT 1 FROM outbox_files f WHERE f.outbox_id = " \
	"o.id)"

/* The document as the consumer's address needs it: number, kind, the
 * consumer's invoice address and code, how often it was sent before. */
struct rch_send_doc {
	char number[40], kind[8], state[12], to[256], consumer[16];
	int64_t provider, sent;
};

static int
rch_send_read(ep_db *db, int64_t id, struct rch_send_doc *d)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT coalesce(i.number, ''), i.kind, "
	    "i.state, c.invoice_email, c.code, i.provider_id, (SELECT count(*) "
	    "FROM outbox o WHERE " RC_SENT_WHERE("i.id") ") FROM "
	    "recharge_invoices i JOIN organisations c ON c.id = i.consumer_id "
	    "WHERE i.id = ?");
	int rc = -1;

	memset(d, 0, sizeof *d);
	h->stmt_bind_int64(s, 1, id);
	if (h->stmt_step(s) == EP_STEP_ROW) {
		rch_copy(d->number, sizeof d->number, h->stmt_text(s, 0));
		rch_copy(d->kind, sizeof d->kind, h->stmt_text(s, 1));
		rch_copy(d->state, sizeof d->state, h->stmt_text(s, 2));
		rch_copy(d->to, sizeof d->to, h->stmt_text(s, 3));
		rch_copy(d->consumer, sizeof d->consumer, h->stmt_text(s, 4));
		d->provider = h->stmt_int64(s, 5);
		d->sent = h->stmt_int64(s, 6);
		rc = 0;
	}
	h->stmt_reset(s);
	return rc;
}

/* Queues the message with both files and records it in the audit trail,
 * all in the caller's transaction. */
static int
rch_send_queue(ep_db *db, ep_req *r, int64_t id, const struct rch_send_doc *d,
    const struct rch_buf *pdf, const struct rch_buf *ubl, int64_t *message_id,
    char *err, size_t len)
{
	const struct ep_host *h = rch_host;
	struct ep_mail_file files[2];
	char base[48], names[2][56], subject[120], body[600], link[40];
	char summary[800];
	const char *what = strcmp(d->kind, "credit") == 0 ? "Credit note" :
	    "Invoice";

	rch_pdf_basename(d->number, base, sizeof base);
	snprintf(names[0], sizeof names[0], "%s.pdf", base);
	snprintf(names[1], sizeof names[1], "%s.xml", base);
	files[0] = (struct ep_mail_file){ sizeof files[0], names[0],
		"application/pdf", pdf->s, pdf->len };
	files[1] = (struct ep_mail_file){ sizeof files[1], names[1],
		"application/xml", ubl->s, ubl->len };
	snprintf(subject, sizeof subject, "%s %s: PDF and e-invoice", what,
	    d->number);
	snprintf(body, sizeof body, "%s %s is attached: %s to read and print, "
	    "with the same e-invoice inside it, and %s (UBL, Peppol BIS Billing "
	    "3.0) for your finance system.\n", what, d->number, names[0],
	    names[1]);
	snprintf(link, sizeof link, "/invoices/%lld", (long long)id);
	*message_id = h->notify_address_files(db, d->to, subject, body, link,
	    files, 2);
	if (*message_id < 0) {
		snprintf(err, len, "the message could not be queued: %s",
		    h->db_errmsg(db));
		return -1;
	}
	snprintf(summary, sizeof summary, "{\"number\":\"%s\",\"to\":\"%s\","
	    "\"message\":%lld,\"files\":[\"%s\",\"%s\"],\"before\":{\"sent\":"
	    "%lld},\"after\":{\"sent\":%lld}}", d->number, d->to,
	    (long long)*message_id, names[0], names[1], (long long)d->sent,
	    (long long)d->sent + 1);
	if (h->audit(db, r, "send", "invoice", d->number, d->provider,
	    summary) != 0) {
		snprintf(err, len, "cannot record the audit event");
		return -1;
	}
	return 0;
}

/*
 * Sends an issued invoice or credit note to the consumer's invoice
 * address through the outbox, its PDF (with the UBL inside) and its UBL
 * attached: queued and audited in one transaction, sent by the outbox
 * when the transaction is done. r is NULL from the command line.
 */
int
rch_send(ep_db *db, ep_req *r, int64_t invoice_id, int64_t *message_id,
    char *err, size_t len)
{
	const struct ep_host *h = rch_host;
	struct rch_send_doc d;
	struct rch_buf pdf = { 0 }, ubl = { 0 };
	int rc = -1;

	if (rch_send_read(db, invoice_id, &d) != 0) {
		snprintf(err, len, "there is no such invoice");
		return -1;
	}
	if (*d.number == '\0') {
		snprintf(err, len, "a draft cannot be sent: issue it first");
		return -1;
	}
	if (*d.to == '\0') {
		snprintf(err, len, "%s has no invoice address: an administrator "
		    "sets it on the organisation (expertpool org set %s --email "
		    "ADDRESS)", d.consumer, d.consumer);
		return -1;
	}
	if (rch_pdf(db, invoice_id, &pdf, err, len) != 0 ||
	    rch_export(db, invoice_id, "ubl", &ubl, err, len) != 0)
		goto out;
	if (h->db_begin(db) != 0) {
		snprintf(err, len, "the store is busy: try again");
		goto out;
	}
	if (rch_send_queue(db, r, invoice_id, &d, &pdf, &ubl, message_id, err,
	    len) != 0 || h->db_commit(db) != 0) {
		h->db_rollback(db);
		goto out;
	}
	rc = 0;
out:
	rch_buf_free(&pdf);
	rch_buf_free(&ubl);
	return rc;
}

/* On a draft's issue form: a box to send it as soon as it is issued,
 * naming where it goes, or saying why it cannot go. */
void
rch_send_choice(ep_req *r, ep_page *b, int64_t invoice_id)
{
	struct rch_send_doc d;

	if (rch_send_read(rch_host->req_db(r), invoice_id, &d) != 0)
		return;
	if (*d.to == '\0') {
		rch_host->html(b, "<p class=\"govuk-body\" id=\"send-none\">%s has "
		    "no invoice address, so it cannot be sent by email when "
		    "issued.</p>\n", d.consumer);
		return;
	}
	rch_host->html(b, "<div class=\"govuk-form-group\"><div class=\"govuk-"
	    "checkboxes govuk-checkboxes--small\" data-module=\"govuk-checkboxes"
	    "\"><div class=\"govuk-checkboxes__item\"><input class=\"govuk-"
	    "checkboxes__input\" id=\"send\" name=\"send\" type=\"checkbox\" "
	    "value=\"yes\"><label class=\"govuk-label govuk-checkboxes__"
	    "label\" for=\"send\">Send it to %s when issued, as a PDF and as "
	    "UBL</label></div></div></div>\n", d.to);
}

/* After an issue from the page: send it when the box was ticked (the
 * issue told nobody then). The issue stands either way; a failure to
 * send says so on the page, and the consumer is told of the issue
 * instead, so that each issue reaches them once. */
void
rch_send_after_issue(ep_req *r, int64_t invoice_id)
{
	const struct ep_host *h = rch_host;
	const char *send = h->req_form(r, "send");
	char err[512], loc[80];
	int64_t msg;

	if (send == NULL || strcmp(send, "yes") != 0) {
		snprintf(loc, sizeof loc, "/invoices/%lld?done=issued",
		    (long long)invoice_id);
		h->redirect(r, loc);
		return;
	}
	if (rch_send(h->req_db(r), r, invoice_id, &msg, err, sizeof err) != 0) {
		snprintf(loc, sizeof loc, "/invoices/%lld?done=issued-unsent",
		    (long long)invoice_id);
		h->log(rch_self, EP_LOG_WARN, "invoice %lld issued, not sent: %s",
		    (long long)invoice_id, err);
		if (rch_issue_tell(h->req_db(r), invoice_id, err,
		    sizeof err) != 0)
			h->log(rch_self, EP_LOG_WARN, "invoice %lld: %s",
			    (long long)invoice_id, err);
		h->redirect(r, loc);
		return;
	}
	snprintf(loc, sizeof loc, "/invoices/%lld?done=issued-sent",
	    (long long)invoice_id);
	h->redirect(r, loc);
}

/* What a message's state says to people. */
static const char *
rch_send_state(const char *state)
{
	if (strcmp(state, "sent") == 0)
		return "Sent";
	if (strcmp(state, "failed") == 0)
		return "Failed";
	return "Waiting to be sent";
}

/* The table of what was sent: when, to whom, which files, how it went. */
static void
rch_send_table(ep_req *r, ep_page *b, int64_t invoice_id)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(h->req_db(r), "SELECT london_date(o.created_at), "
	    "substr(o.created_at, 12, 5), o.to_address, o.state, coalesce("
	    "o.last_error, ''), coalesce((SELECT group_concat(f.name, ', ') FROM "
	    "(SELECT name FROM outbox_files WHERE outbox_id = o.id ORDER BY "
	    "position) f), '') FROM outbox o WHERE " RC_SENT_WHERE("?") " ORDER "
	    "BY o.id");
	char when[40];
	int any = 0;

	h->stmt_bind_int64(s, 1, invoice_id);
	while (h->stmt_step(s) == EP_STEP_ROW) {
		if (!any)
			h->html(b, "<div class=\"ep-table-scroll\" role=\"region\" "
			    "aria-label=\"What was sent\" tabindex=\"0\">"
			    "<table class=\"govuk-table\" id=\"sendings\">"
			    "<caption class=\"govuk-table__caption govuk-table__"
			    "caption--s\">What was sent</caption><thead class=\"govuk-"
			    "table__head\"><tr class=\"govuk-table__row\"><th scope="
			    "\"col\" class=\"govuk-table__header\">When</th><th scope="
			    "\"col\" class=\"govuk-table__header\">To</th><th scope="
			    "\"col\" class=\"govuk-table__header\">Files</th><th scope="
			    "\"col\" class=\"govuk-table__header\">State</th></tr>"
			    "</thead><tbody class=\"govuk-table__body\">\n");
		any = 1;
		h->date_words(when, sizeof when, h->stmt_text(s, 0));
		h->html(b, "<tr class=\"govuk-table__row\"><td class=\"govuk-table"
		    "__cell\">%s, %s UTC</td><td class=\"govuk-table__cell govuk-!-"
		    "text-break-word\">%s</td><td class=\"govuk-table__cell\">%s</td>"
		    "<td class=\"govuk-table__cell\">%s%s%s</td></tr>\n", when,
		    h->stmt_text(s, 1), h->stmt_text(s, 2), h->stmt_text(s, 5),
		    rch_send_state(h->stmt_text(s, 3)), *h->stmt_text(s, 4) ? ": " :
		    "", h->stmt_text(s, 4));
	}
	h->stmt_reset(s);
	if (any)
		h->html(b, "</tbody></table></div>\n");
	else
		h->html(b, "<p class=\"govuk-body\" id=\"sendings-none\">It has "
		    "not been sent by email.</p>\n");
}

/* On an issued document's page: the PDF to download, what was sent,
 * and, for its provider, a button to send it (again). */
void
rch_send_section(ep_req *r, ep_page *b, int64_t invoice_id, int provider)
{
	const struct ep_host *h = rch_host;
	struct rch_send_doc d;
	char action[64], base[48];

	if (rch_send_read(h->req_db(r), invoice_id, &d) != 0 ||
	    *d.number == '\0')
		return;
	rch_pdf_basename(d.number, base, sizeof base);
	h->html(b, "<h2 class=\"govuk-heading-m\">PDF and sending</h2>\n<p "
	    "class=\"govuk-body\"><a class=\"govuk-link\" id=\"download-pdf\" "
	    "href=\"/invoices/%D/pdf\" download=\"%s.pdf\">Download %s.pdf</a> "
	    "(A4, with the UBL e-invoice inside)</p>\n", invoice_id, base, base);
	rch_send_table(r, b, invoice_id);
	if (!provider)
		return;
	if (*d.to == '\0') {
		h->html(b, "<p class=\"govuk-body\" id=\"send-none\">%s has no "
		    "invoice address, so this cannot be sent by email.</p>\n",
		    d.consumer);
		return;
	}
	snprintf(action, sizeof action, "/invoices/%lld/send",
	    (long long)invoice_id);
	h->form_begin(b, r, action);
	h->html(b, "<p class=\"govuk-body\">Sends the PDF and the UBL to %s.</p>\n",
	    d.to);
	h->form_end(b, d.sent > 0 ? "Send it again" : "Send it");
}

/* One PDF download, made on a reader thread: pango and qpdf take tens of
 * milliseconds a page, which the event loop would otherwise wait out. */
struct rch_pdf_task {
	int64_t id;
	struct rch_buf out;
	char number[40], err[512];
};

/* On the reader thread: the document's number and its PDF. */
static int
rch_send_pdf_work(ep_db *db, void *arg)
{
	struct rch_pdf_task *t = arg;
	struct rch_send_doc d;

	if (rch_send_read(db, t->id, &d) != 0) {
		snprintf(t->err, sizeof t->err, "There is no such invoice.");
		return -1;
	}
	rch_copy(t->number, sizeof t->number, d.number);
	return rch_pdf(db, t->id, &t->out, t->err, sizeof t->err);
}

/* Back on the event loop: the PDF, named by the document's number, or
 * why there is none. */
static void
rch_send_pdf_done(ep_req *r, int rc, void *arg)
{
	const struct ep_host *h = rch_host;
	struct rch_pdf_task *t = arg;
	char base[48], disp[128];

	if (rc != 0)
		h->page_message(r, 409, "This cannot be downloaded", t->err);
	else {
		rch_pdf_basename(t->number, base, sizeof base);
		snprintf(disp, sizeof disp, "attachment; filename=\"%s.pdf\"",
		    base);
		h->reply_header(r, "Content-Disposition", disp);
		h->reply(r, 200, "application/pdf", t->out.s, t->out.len);
	}
	rch_buf_free(&t->out);
	free(t);
}

/* GET /invoices/{id}/pdf: the PDF, made off the event loop. */
static void
rch_send_pdf_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = rch_host;
	struct rch_pdf_task *t = calloc(1, sizeof *t);

	(void)arg;
	if (t == NULL)
		abort();
	t->id = rch_lookup(h->req_db(r), h->req_param(r, "id"));
	if (h->req_read(r, rch_send_pdf_work, rch_send_pdf_done, t) != 0) {
		free(t);
		h->reply_header(r, "Retry-After", "5");
		h->page_message(r, 503, "The server is busy", "Too many "
		    "documents are being made just now: try again in a few "
		    "seconds.");
	}
}

/* POST /invoices/{id}/send: sends it now, back to its page. */
static void
rch_send_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = rch_host;
	ep_db *db = h->req_db(r);
	int64_t id = rch_lookup(db, h->req_param(r, "id")), msg;
	char err[512], loc[80];

	(void)arg;
	if (rch_send(db, r, id, &msg, err, sizeof err) != 0) {
		h->page_message(r, 409, "This could not be sent", err);
		return;
	}
	snprintf(loc, sizeof loc, "/invoices/%lld?done=invoice-sent", (long long)id);
	h->redirect(r, loc);
}

/* Drafts are the provider's alone; issued documents are both parties'. */
#define RC_SEND_KEY "(id = ?1 OR number = ?1)"
#define RC_SEND_OWNERS "SELECT provider_id FROM recharge_invoices WHERE " \
	RC_SEND_KEY " UNION SELECT consumer_id FROM recharge_invoices WHERE " \
	RC_SEND_KEY " AND state != 'draft'"
#define RC_SEND_PROVIDER "SELECT provider_id FROM recharge_invoices WHERE " \
	RC_SEND_KEY

void
rch_send_routes(void)
{
	const struct ep_host *h = rch_host;

	h->route_add_owned(rch_self, "GET", "/invoices/{id}/pdf", RC_ROLES,
	    RC_SEND_OWNERS, rch_send_pdf_cb, NULL);
	h->route_add_owned(rch_self, "POST", "/invoices/{id}/send", RC_ROLES,
	    RC_SEND_PROVIDER, rch_send_cb, NULL);
}

/* expertpool invoice send NUMBER: queues it for the server's outbox. */
int
rch_send_command(ep_db *db, int64_t invoice_id)
{
	char err[512];
	int64_t msg;

	if (rch_send(db, NULL, invoice_id, &msg, err, sizeof err) != 0) {
		fprintf(stderr, "expertpool: %s\n", err);
		return 1;
	}
	printf("queued as message %lld\n", (long long)msg);
	return 0;
}
