/* outbox.c: messages to people, kept in the store and handed to sendmail. */
#include "server.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <sodium.h>
#include <sqlite3.h>

/* Runs one of the queueing statements, whose ?1, ?2 and ?3 are the
 * message's subject, body and link; the caller has bound the rest. */
static int
outbox_insert(sqlite3_stmt *s, const char *subject, const char *body,
    const char *link)
{
	int rc;

	sqlite3_bind_text(s, 1, subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, body, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, link ? link : "", -1, SQLITE_STATIC);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(s);
	return rc;
}

/* Queues one message to a person, inside the caller's transaction: by
 * e-mail as well unless they chose the messages page only. link is the
 * page it is about ("/requests/12"), or NULL. */
int
outbox_queue_person(struct ep_db *db, int64_t person_id, const char *subject,
    const char *body, const char *link)
{
	sqlite3_stmt *s = db_stmt(db, "INSERT INTO outbox (to_person, "
	    "to_address, subject, body, link, by_email) SELECT id, email, ?1, "
	    "?2, ?3, notify_by = 'email' FROM people WHERE id = ?4 AND "
	    "disabled = 0");

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 4, person_id);
	return outbox_insert(s, subject, body, link);
}

/* Queues one message to everyone holding any of the roles, in one
 * organisation or anywhere when org_id is 0, as outbox_queue_person. */
int
outbox_queue_role(struct ep_db *db, unsigned roles, int64_t org_id,
    const char *subject, const char *body, const char *link)
{
	sqlite3_stmt *s = db_stmt(db, "INSERT INTO outbox (to_person, "
	    "to_address, subject, body, link, by_email) SELECT id, email, ?1, "
	    "?2, ?3, notify_by = 'email' FROM people WHERE disabled = 0 AND "
	    "(roles & ?4) != 0 AND (?5 = 0 OR org_id = ?5)");

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 4, (int64_t)roles);
	sqlite3_bind_int64(s, 5, org_id);
	return outbox_insert(s, subject, body, link);
}

/* Queues one e-mail to an address that is nobody's account (an
 * organisation's invoice address): always by e-mail. */
int
outbox_queue_address(struct ep_db *db, const char *address,
    const char *subject, const char *body, const char *link)
{
	sqlite3_stmt *s;

	if (!outbox_address_ok(address))
		return -1;
	s = db_stmt(db, "INSERT INTO outbox (subject, body, link, to_address, "
	    "by_email) VALUES (?1, ?2, ?3, ?4, 1)");
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 4, address, -1, SQLITE_STATIC);
	return outbox_insert(s, subject, body, link);
}

/* A file's name or MIME type as a mail header may carry it unquoted:
 * letters, digits and the few marks allowed, never a leading dot. */
static int
outbox_token_ok(const char *s, const char *marks, size_t max)
{
	const char *p;

	if (s == NULL || *s == '\0' || *s == '.' || strlen(s) > max)
		return 0;
	for (p = s; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr(marks, *p) != NULL))
			return 0;
	}
	return 1;
}

/* A file name to send: "AVD-2026-000001.pdf", nothing to escape. */
int
outbox_file_name_ok(const char *name)
{
	return outbox_token_ok(name, ".-_", 100);
}

/* A MIME type as type/subtype, one slash, nothing to escape. */
static int
outbox_type_ok(const char *type)
{
	const char *slash = type ? strchr(type, '/') : NULL;

	return outbox_token_ok(type, "/.+-", 100) && slash != NULL &&
	    slash != type && slash[1] != '\0' && strchr(slash + 1, '/') == NULL;
}

/* Keeps one file with a queued message. */
static int
outbox_file_insert(struct ep_db *db, int64_t id, int position,
    const struct ep_mail_file *f)
{
	sqlite3_stmt *s = db_stmt(db, "INSERT INTO outbox_files (outbox_id, "
	    "position, name, content_type, data) VALUES (?, ?, ?, ?, ?)");
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, position);
	sqlite3_bind_text(s, 3, f->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, f->content_type, -1, SQLITE_STATIC);
	sqlite3_bind_blob64(s, 5, f->data, f->len, SQLITE_STATIC);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(s);
	return rc;
}

/* Queues one e-mail to an address with files attached, as
 * outbox_queue_address, inside the caller's transaction: the message's
 * id, or -1 with nothing kept by this call's statements. */
int64_t
outbox_queue_files(struct ep_db *db, const char *address, const char *subject,
    const char *body, const char *link, const struct ep_mail_file *files,
    size_t nfiles)
{
	int64_t id;
	size_t i;

	for (i = 0; i < nfiles; i++) {
		if (!outbox_file_name_ok(files[i].name) ||
		    !outbox_type_ok(files[i].content_type) ||
		    (files[i].data == NULL && files[i].len > 0))
			return -1;
	}
	if (db_exec(db, "SAVEPOINT outbox_files") != 0)
		return -1;
	if (outbox_queue_address(db, address, subject, body, link) != 0)
		goto fail;
	id = sqlite3_last_insert_rowid(db->sql);
	for (i = 0; i < nfiles; i++) {
		if (outbox_file_insert(db, id, (int)i + 1, &files[i]) != 0)
			goto fail;
	}
	if (db_exec(db, "RELEASE outbox_files") != 0)
		goto fail;
	return id;
fail:
	db_exec(db, "ROLLBACK TO outbox_files");
	db_exec(db, "RELEASE outbox_files");
	return -1;
}

/* An e-mail address as a person may give one: local@domain, printable,
 * no spaces, nothing a mail header could be split at. */
int
outbox_address_ok(const char *a)
{
	const char *at, *p;

	if (a == NULL || *a == '\0' || strlen(a) > 254)
		return 0;
	for (p = a; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == ',' ||
		    *p == '<' || *p == '>' || *p == '"' || *p == '(' ||
		    *p == ')' || *p == ';' || *p == '\\')
			return 0;
	}
	at = strchr(a, '@');
	return at != NULL && at != a && strchr(at + 1, '@') == NULL &&
	    strchr(at + 1, '.') != NULL && at[1] != '.' &&
	    a[strlen(a) - 1] != '.';
}

/* Queues one message to a person, inside the caller's transaction. */
int
outbox_notify_person(struct ep_db *db, int64_t person_id, const char *subject,
    const char *body)
{
	return outbox_queue_person(db, person_id, subject, body, NULL);
}

/* A request's title, for naming it in a message ("" when there is no
 * such request); the caller frees it. */
char *
outbox_request_title(struct ep_db *db, int64_t request_id)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT title FROM requests WHERE id = ?");
	char *title = NULL;

	if (s != NULL) {
		sqlite3_bind_int64(s, 1, request_id);
		if (sqlite3_step(s) == SQLITE_ROW)
			title = xstrdup((const char *)sqlite3_column_text(s, 0));
		sqlite3_reset(s);
	}
	return title != NULL ? title : xstrdup("");
}

/* Queues a message about a request, named by its title in the subject
 * and the body, to everyone holding a role (in one organisation, or
 * anywhere when org_id is 0); what says what to do. */
int
outbox_notify_role(struct ep_db *db, unsigned role, int64_t org_id,
    const char *subject, const char *what, int64_t request_id)
{
	char *title, *full, *body, link[40];
	int rc;

	title = outbox_request_title(db, request_id);
	full = xprintf("%s: %s", subject, title);
	body = xprintf("%s: \"%s\".\n\n%s\n", subject, title, what);
	snprintf(link, sizeof link, "/requests/%lld", (long long)request_id);
	rc = outbox_queue_role(db, role, org_id, full, body, link);
	free(title);
	free(full);
	free(body);
	return rc;
}

struct outbox_file {
	char *name;
	char *type;
	unsigned char *data;
	size_t len;
};

struct outbox_send {
	int64_t id;
	char *to;
	char *subject;
	char *body;
	char *link;
	struct outbox_file *files;
	size_t nfiles;
	int status;
	char error[128];
};

static struct event *outbox_timer;
static int outbox_busy;

static void outbox_timer_cb(evutil_socket_t fd, short events, void *arg);

/* The site's address for links in e-mails, without a closing slash. */
static const char *
outbox_base(void)
{
	static char base[512];
	size_t n;

	snprintf(base, sizeof base, "%s", cfg.public_url ? cfg.public_url : "");
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		base[--n] = '\0';
	return base;
}

/* A header's text as RFC 2047 has it when it is not plain ASCII (base64
 * UTF-8), with line breaks, which would start a new header, as spaces. */
static char *
outbox_header_text(const char *text)
{
	const unsigned char *p;
	char *out, *b64;
	size_t n = strlen(text), i;
	int plain = 1;

	for (p = (const unsigned char *)text; *p != '\0'; p++)
		if (*p >= 0x80)
			plain = 0;
	if (plain) {
		out = xstrdup(text);
		for (i = 0; i < n; i++)
			if (out[i] == '\r' || out[i] == '\n')
				out[i] = ' ';
		return out;
	}
	b64 = xcalloc(1, sodium_base64_ENCODED_LEN(n,
	    sodium_base64_VARIANT_ORIGINAL));
	sodium_bin2base64(b64, sodium_base64_ENCODED_LEN(n,
	    sodium_base64_VARIANT_ORIGINAL), (const unsigned char *)text, n,
	    sodium_base64_VARIANT_ORIGINAL);
	out = xprintf("=?UTF-8?B?%s?=", b64);
	free(b64);
	return out;
}

/* A file's bytes in base64, in lines of 76 characters (RFC 2045). */
static void
outbox_base64(FILE *p, const unsigned char *data, size_t len)
{
	char line[80];
	size_t off, n;

	for (off = 0; off < len; off += n) {
		n = len - off < 57 ? len - off : 57;
		sodium_bin2base64(line, sizeof line, data + off, n,
		    sodium_base64_VARIANT_ORIGINAL);
		fprintf(p, "%s\n", line);
	}
}

/* A message with files: multipart/mixed, the words first, then each file
 * in base64 under a boundary of random hex no text can hold by chance. */
static void
outbox_write_multipart(FILE *p, const struct outbox_send *m,
    const char *subject)
{
	unsigned char rnd[16];
	char boundary[2 * sizeof rnd + 1];
	size_t i;

	randombytes_buf(rnd, sizeof rnd);
	sodium_bin2hex(boundary, sizeof boundary, rnd, sizeof rnd);
	fprintf(p, "To: %s\nSubject: %s\nMIME-Version: 1.0\nContent-Type: "
	    "multipart/mixed; boundary=\"=_%s\"\n\nThis message has files "
	    "attached.\n\n--=_%s\nContent-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: 8bit\n\n%s\n", m->to, subject, boundary,
	    boundary, m->body);
	if (m->link[0] != '\0')
		fprintf(p, "\n%s\n", m->link);
	for (i = 0; i < m->nfiles; i++) {
		fprintf(p, "\n--=_%s\nContent-Type: %s; name=\"%s\"\n"
		    "Content-Disposition: attachment; filename=\"%s\"\n"
		    "Content-Transfer-Encoding: base64\n\n", boundary,
		    m->files[i].type, m->files[i].name, m->files[i].name);
		outbox_base64(p, m->files[i].data, m->files[i].len);
	}
	fprintf(p, "\n--=_%s--\n", boundary);
}

/* On a worker thread: pipe one message into the sendmail command. */
static void
outbox_send_work(void *arg)
{
	struct outbox_send *m = arg;
	FILE *p;
	char *subject;
	int st;

	if (!outbox_address_ok(m->to)) {
		m->status = -1;
		snprintf(m->error, sizeof m->error, "not an e-mail address");
		return;
	}
	if ((p = popen(cfg.sendmail, "w")) == NULL) {
		m->status = -1;
		snprintf(m->error, sizeof m->error, "cannot run %s", cfg.sendmail);
		return;
	}
	subject = outbox_header_text(m->subject);
	if (m->nfiles > 0)
		outbox_write_multipart(p, m, subject);
	else {
		fprintf(p, "To: %s\nSubject: %s\nMIME-Version: 1.0\nContent-"
		    "Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: "
		    "8bit\n\n%s", m->to, subject, m->body);
		if (m->link[0] != '\0')
			fprintf(p, "\n\n%s\n", m->link);
	}
	free(subject);
	st = pclose(p);
	m->status = (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0) ? 0 : -1;
	if (m->status != 0)
		snprintf(m->error, sizeof m->error, "%s exited with status %d",
		    cfg.sendmail, st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* Frees a message handed to the worker. */
static void
outbox_send_free(struct outbox_send *m)
{
	size_t i;

	for (i = 0; i < m->nfiles; i++) {
		free(m->files[i].name);
		free(m->files[i].type);
		free(m->files[i].data);
	}
	free(m->files);
	free(m->to);
	free(m->subject);
	free(m->body);
	free(m->link);
	free(m);
}

/* The files queued with a message, read into it for the worker. */
static void
outbox_send_files(struct outbox_send *m)
{
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT name, content_type, data "
	    "FROM outbox_files WHERE outbox_id = ? ORDER BY position");
	struct outbox_file *f;
	size_t len;

	if (s == NULL)
		return;
	sqlite3_bind_int64(s, 1, m->id);
	while (sqlite3_step(s) == SQLITE_ROW) {
		m->files = xrealloc(m->files, sizeof *m->files * (m->nfiles + 1));
		f = &m->files[m->nfiles++];
		f->name = xstrdup((const char *)sqlite3_column_text(s, 0));
		f->type = xstrdup((const char *)sqlite3_column_text(s, 1));
		len = (size_t)sqlite3_column_bytes(s, 2);
		f->data = xcalloc(1, len + 1);
		if (len > 0)
			memcpy(f->data, sqlite3_column_blob(s, 2), len);
		f->len = len;
	}
	sqlite3_reset(s);
}

/* Back on the loop: record the outcome; three failures and it stays failed. */
static void
outbox_send_done(void *arg)
{
	struct outbox_send *m = arg;
	sqlite3_stmt *s = db_stmt(http_db(), "UPDATE outbox SET attempts = "
	    "attempts + 1, state = CASE WHEN ?2 = 0 THEN 'sent' WHEN attempts + 1 "
	    ">= 3 THEN 'failed' ELSE 'pending' END, last_error = ?3, sent_at = "
	    "CASE WHEN ?2 = 0 THEN strftime('%Y-%m-%dT%H:%M:%SZ', 'now') END "
	    "WHERE id = ?1");

	if (s != NULL) {
		sqlite3_bind_int64(s, 1, m->id);
		sqlite3_bind_int(s, 2, m->status);
		if (m->status != 0)
			sqlite3_bind_text(s, 3, m->error, -1, SQLITE_STATIC);
		sqlite3_step(s);
		sqlite3_reset(s);
	}
	if (m->status != 0)
		log_warn("outbox: message %lld to %s: %s", (long long)m->id, m->to,
		    m->error);
	outbox_send_free(m);
	outbox_busy = 0;
	outbox_timer_cb(-1, 0, NULL); /* the next one, without waiting */
}

/* Every few seconds: hand the oldest pending message with an address to
 * the worker. Without a sendmail setting, messages stay in the outbox. */
static void
outbox_timer_cb(evutil_socket_t fd, short events, void *arg)
{
	struct outbox_send *m;
	sqlite3_stmt *s;

	(void)fd;
	(void)events;
	(void)arg;
	if (outbox_busy || cfg.sendmail == NULL || *cfg.sendmail == '\0')
		return;
	s = db_stmt(http_db(), "SELECT id, to_address, subject, body, link FROM "
	    "outbox WHERE state = 'pending' AND by_email = 1 AND to_address != "
	    "'' ORDER BY id LIMIT 1");
	if (s == NULL || sqlite3_step(s) != SQLITE_ROW) {
		if (s != NULL)
			sqlite3_reset(s);
		return;
	}
	m = xcalloc(1, sizeof *m);
	m->id = sqlite3_column_int64(s, 0);
	m->to = xstrdup((const char *)sqlite3_column_text(s, 1));
	m->subject = xstrdup((const char *)sqlite3_column_text(s, 2));
	m->body = xstrdup((const char *)sqlite3_column_text(s, 3));
	m->link = sqlite3_column_bytes(s, 4) > 0 ? xprintf("%s%s", outbox_base(),
	    (const char *)sqlite3_column_text(s, 4)) : xstrdup("");
	sqlite3_reset(s);
	outbox_send_files(m);
	outbox_busy = 1;
	if (worker_run(outbox_send_work, outbox_send_done, m) != 0) {
		outbox_send_work(m);
		outbox_send_done(m);
	}
}

void
outbox_start(struct event_base *base)
{
	struct timeval tv = { 0, 500000 };

	outbox_timer = event_new(base, -1, EV_PERSIST, outbox_timer_cb, NULL);
	event_add(outbox_timer, &tv);
}

void
outbox_stop(void)
{
	if (outbox_timer != NULL) {
		event_free(outbox_timer);
		outbox_timer = NULL;
	}
}

#define MESSAGES_PER_PAGE 50

/* How a message went, or why it stays on the messages page. */
static const char *
outbox_delivery(const char *state, const char *to, int by_email)
{
	if (strcmp(state, "sent") == 0)
		return "Sent by email";
	if (strcmp(state, "failed") == 0)
		return "Email failed";
	if (!by_email)
		return "Here only: you chose the messages page";
	if (*to == '\0')
		return "Here only: no email address";
	return cfg.sendmail[0] ? "Waiting to be emailed" :
	    "Here only: email is not set up";
}

/* One message on the messages page: its subject (linked to the page it
 * is about) as a heading, when and how it went, and its words. */
static void
outbox_page_item(struct evbuffer *b, sqlite3_stmt *s)
{
	const char *subject = (const char *)sqlite3_column_text(s, 1);
	const char *link = (const char *)sqlite3_column_text(s, 6);

	html_printf(b, "<li class=\"govuk-!-text-break-word\">\n<h2 class=\""
	    "govuk-heading-s govuk-!-margin-bottom-1\">");
	if (*link != '\0')
		html_printf(b, "<a class=\"govuk-link\" href=\"%s\">%s</a>", link,
		    subject);
	else
		html_printf(b, "%s", subject);
	html_printf(b, "</h2>\n<p class=\"govuk-body-s govuk-!-margin-bottom-2"
	    "\">%s. %s</p>\n<div class=\"govuk-body ep-message\">%s</div>\n<hr "
	    "class=\"govuk-section-break govuk-section-break--m govuk-section-"
	    "break--visible\">\n</li>\n", (const char *)sqlite3_column_text(s,
	    0), outbox_delivery((const char *)sqlite3_column_text(s, 3),
	    (const char *)sqlite3_column_text(s, 4), sqlite3_column_int(s, 5)),
	    (const char *)sqlite3_column_text(s, 2));
}

/* A person's messages, newest first: with no sendmail command configured
 * this is where notifications are read; otherwise a copy of what was sent.
 * A list, not a table, so that long messages wrap on a narrow screen. */
static void
outbox_page_cb(struct ep_req *r, void *arg)
{
	struct evbuffer *b = page_begin(r, "Your messages", NULL);
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT count(*) FROM outbox "
	    "WHERE to_person = ?");
	int64_t total = 0, page;
	int any = 0;

	(void)arg;
	sqlite3_bind_int64(s, 1, r->who.person_id);
	if (sqlite3_step(s) == SQLITE_ROW)
		total = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	page = html_page_number(r, total, MESSAGES_PER_PAGE);
	s = db_stmt(http_db(), "SELECT created_at, subject, body, state, "
	    "to_address, by_email, link FROM outbox WHERE to_person = ? ORDER BY "
	    "id DESC LIMIT ? OFFSET ?");
	html_printf(b, "<h1 class=\"govuk-heading-l\">Your messages</h1>\n"
	    "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/account/"
	    "notifications\">Choose how you are told</a>: by email and here, or "
	    "here only.</p>\n");
	sqlite3_bind_int64(s, 1, r->who.person_id);
	sqlite3_bind_int64(s, 2, MESSAGES_PER_PAGE);
	sqlite3_bind_int64(s, 3, (page - 1) * MESSAGES_PER_PAGE);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (!any)
			html_printf(b, "<p class=\"govuk-body\">Newest first.</p>\n"
			    "<ol class=\"govuk-list\" id=\"messages\">\n");
		any = 1;
		outbox_page_item(b, s);
	}
	sqlite3_reset(s);
	if (any) {
		html_printf(b, "</ol>\n");
		html_pagination(b, "/messages?", page, MESSAGES_PER_PAGE, total,
		    "messages");
	} else
		html_printf(b, "<p class=\"govuk-body\">You have no messages.</p>\n");
	page_end(r, b, 200);
}

void
outbox_routes_register(void)
{
	route_add(NULL, "GET", "/messages", EP_ROLE_ANY, outbox_page_cb, NULL);
}
