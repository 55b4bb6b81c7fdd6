/* outbox.c: messages to people, kept in the store and handed to sendmail. */
#include "server.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <sqlite3.h>

/* Queues one message to a person, inside the caller's transaction. */
int
outbox_notify_person(struct ep_db *db, int64_t person_id, const char *subject,
    const char *body)
{
	sqlite3_stmt *s = db_stmt(db, "INSERT INTO outbox (to_person, "
	    "to_address, subject, body) SELECT id, email, ?, ? FROM people WHERE "
	    "id = ? AND disabled = 0");
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, body, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, person_id);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(s);
	return rc;
}

/* Queues a message about a request to everyone holding a role (in one
 * organisation, or anywhere when org_id is 0). */
int
outbox_notify_role(struct ep_db *db, unsigned role, int64_t org_id,
    const char *subject, const char *what, int64_t request_id)
{
	sqlite3_stmt *s = db_stmt(db, "INSERT INTO outbox (to_person, "
	    "to_address, subject, body) SELECT id, email, ?1, ?2 FROM people "
	    "WHERE disabled = 0 AND (roles & ?3) != 0 AND (?4 = 0 OR org_id = ?4)");
	char *body;
	int rc;

	if (s == NULL)
		return -1;
	body = xprintf("%s\n\nRequest %lld: %s\n", subject, (long long)request_id,
	    what);
	sqlite3_bind_text(s, 1, subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, body, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, (int)role);
	sqlite3_bind_int64(s, 4, org_id);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(s);
	free(body);
	return rc;
}

struct outbox_send {
	int64_t id;
	char *to;
	char *subject;
	char *body;
	int status;
	char error[128];
};

static struct event *outbox_timer;
static int outbox_busy;

static void outbox_timer_cb(evutil_socket_t fd, short events, void *arg);

/* On a worker thread: pipe one message into the sendmail command. */
static void
outbox_send_work(void *arg)
{
	struct outbox_send *m = arg;
	char *cmd = xprintf("%s", cfg.sendmail);
	FILE *p = popen(cmd, "w");
	int st;

	free(cmd);
	if (p == NULL) {
		m->status = -1;
		snprintf(m->error, sizeof m->error, "cannot run %s", cfg.sendmail);
		return;
	}
	fprintf(p, "To: %s\nSubject: %s\nContent-Type: text/plain; "
	    "charset=utf-8\n\n%s", m->to, m->subject, m->body);
	st = pclose(p);
	m->status = (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0) ? 0 : -1;
	if (m->status != 0)
		snprintf(m->error, sizeof m->error, "%s exited with status %d",
		    cfg.sendmail, st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1);
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
	free(m->to);
	free(m->subject);
	free(m->body);
	free(m);
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
	s = db_stmt(http_db(), "SELECT id, to_address, subject, body FROM outbox "
	    "WHERE state = 'pending' AND to_address != '' ORDER BY id LIMIT 1");
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
	sqlite3_reset(s);
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

/* A person's messages, newest first: with no sendmail command configured
 * this is where notifications are read; otherwise a copy of what was sent. */
static void
outbox_page_cb(struct ep_req *r, void *arg)
{
	static const char *heads[] = { "When", "Subject", "Message", "Delivery",
		NULL };
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
	    "to_address FROM outbox WHERE to_person = ? ORDER BY id DESC LIMIT ? "
	    "OFFSET ?");
	html_printf(b, "<h1 class=\"govuk-heading-l\">Your messages</h1>\n");
	sqlite3_bind_int64(s, 1, r->who.person_id);
	sqlite3_bind_int64(s, 2, MESSAGES_PER_PAGE);
	sqlite3_bind_int64(s, 3, (page - 1) * MESSAGES_PER_PAGE);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *state = (const char *)sqlite3_column_text(s, 3);
		const char *to = (const char *)sqlite3_column_text(s, 4);

		if (!any)
			html_table_open(b, "Newest first", heads);
		any = 1;
		html_printf(b, "<tr class=\"govuk-table__row\">");
		html_cell(b, (const char *)sqlite3_column_text(s, 0));
		html_cell(b, (const char *)sqlite3_column_text(s, 1));
		html_printf(b, "<td class=\"govuk-table__cell\"><pre class=\"ep-"
		    "message\">%s</pre></td>", (const char *)sqlite3_column_text(s,
		    2));
		html_cell(b, strcmp(state, "sent") == 0 ? "Sent by email" :
		    strcmp(state, "failed") == 0 ? "Email failed" : *to == '\0' ?
		    "Here only: no email address" : cfg.sendmail[0] ? "Waiting to "
		    "be emailed" : "Here only: email is not set up");
		html_printf(b, "</tr>\n");
	}
	sqlite3_reset(s);
	if (any) {
		html_table_close(b);
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
