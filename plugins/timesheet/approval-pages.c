/* approval-pages.c: approving and querying hours, adjustments, variations. */
#include "timesheet.h"
#include "../pager.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int64_t
ts_param_id(ep_req *r)
{
	const char *p = ts_host->req_param(r, "id");
	char *end;
	long long v = p ? strtoll(p, &end, 10) : 0;

	return p && *end == '\0' && v > 0 ? (int64_t)v : 0;
}

#define TS_WEEKS_PER_PAGE 20
/* The Monday of an entry's week (weeks run Monday to Sunday). */
#define TS_WEEK "date(t.entry_date, 'weekday 0', '-6 days')"
/* Entries waiting for this approver: ?1 the council, ?2 an administrator,
 * ?3 the person; an answer to a query shows only to whoever asked it. */
#define TS_WAITING "FROM time_entries t JOIN engagements e ON e.id = " \
	"t.engagement_id WHERE t.state = 'submitted' AND (e.consumer_id = ?1 " \
	"OR ?2) AND (t.query_comment IS NULL OR t.decided_by = ?3 OR ?2)"
/* Of those, the ones a week's button approves: never an answer to a query
 * (it is looked at on its own) nor the approver's own hours. */
#define TS_SWEPT "t.query_comment IS NULL AND t.created_by != ?3"

static void
ts_waiting_bind(const struct ep_host *h, ep_stmt *s, ep_req *r)
{
	h->stmt_bind_int64(s, 1, h->req_org(r));
	h->stmt_bind_int64(s, 2, (h->req_roles(r) & EP_ROLE_ADMIN) != 0);
	h->stmt_bind_int64(s, 3, h->req_person(r));
}

/* A week's heading, and its button when any of its entries can go with it:
 * the button carries the engagement, the Monday and the newest entry shown,
 * so that hours logged after the page was drawn are not approved unseen. */
static void
ts_week_head(const struct ep_host *h, ep_page *b, ep_stmt *s)
{
	int64_t eng = h->stmt_int64(s, 11), n = h->stmt_int64(s, 13);
	const char *name = h->stmt_text(s, 1), *wk = h->stmt_text(s, 12);

	h->html(b, "<section class=\"ep-week\" id=\"week-%D-%s\" aria-labelledby="
	    "\"week-%D-%s-title\">\n<h2 class=\"govuk-heading-m\" id=\"week-%D-"
	    "%s-title\">%s, week of %s<span class=\"govuk-caption-m\">%s</span>"
	    "</h2>\n", eng, wk, eng, wk, eng, wk, name, wk, h->stmt_text(s, 2));
	if (n > 0)
		h->html(b, "<button type=\"submit\" class=\"govuk-button\" name=\""
		    "week\" value=\"%D/%s/%D\" formaction=\"/approvals/week\">"
		    "Approve %R%D %R for %s week of %s</button>\n", eng, wk,
		    h->stmt_int64(s, 14), n > 1 ? "all " : "", n, n > 1 ?
		    "entries" : "entry", name, wk);
	if (h->stmt_int64(s, 15) > n)
		h->html(b, "<p class=\"govuk-body\">Answers to your queries%R are "
		    "decided one by one below.</p>\n", h->stmt_int64(s, 16) > 0 ?
		    " and hours you logged yourself" : "");
}

/* One waiting entry: what it is, its tick, its approve and query buttons. */
static void
ts_entry_card(const struct ep_host *h, ep_page *b, ep_req *r,
    const ep_errors *e, ep_stmt *s)
{
	int64_t id = h->stmt_int64(s, 0);
	const char *name = h->stmt_text(s, 1), *day = h->stmt_text(s, 3);
	char text[32], action[64], field[48], what[400];

	ts_host->hours_text(text, sizeof text, h->stmt_int64(s, 4));
	h->html(b, "<div class=\"govuk-summary-card\" id=\"entry-%D\"><div "
	    "class=\"govuk-summary-card__title-wrapper\"><h3 class=\"govuk-"
	    "summary-card__title\">%s: %s on %s</h3></div><div class=\""
	    "govuk-summary-card__content\"><p class=\"govuk-body\">%s, %s, %P"
	    "%R%s</p>\n", id, name, text, day,
	    (const char *)h->stmt_text(s, 2), (const char *)h->stmt_text(s, 5),
	    h->stmt_int64(s, 9), *h->stmt_text(s, 6) ? ". Note: " : "",
	    (const char *)h->stmt_text(s, 6));
	if (!h->stmt_is_null(s, 7))
		h->html(b, "<p class=\"govuk-body\">Adjusts entry %D: %s</p>\n",
		    h->stmt_int64(s, 7), (const char *)h->stmt_text(s, 8));
	if (*h->stmt_text(s, 10))
		h->html(b, "<div class=\"govuk-inset-text\" id=\"answer-%D\">"
		    "You queried this: \xe2\x80\x9c%s\xe2\x80\x9d. It is sent "
		    "again as it stands now.</div>\n", id,
		    (const char *)h->stmt_text(s, 10));
	h->html(b, "<div class=\"govuk-checkboxes govuk-checkboxes--small\" "
	    "data-module=\"govuk-checkboxes\"><div class=\"govuk-checkboxes__"
	    "item\"><input class=\"govuk-checkboxes__input\" id=\"tick-%D\" "
	    "name=\"entry\" type=\"checkbox\" value=\"%D\"><label class=\""
	    "govuk-label govuk-checkboxes__label\" for=\"tick-%D\">Tick %s's "
	    "%s on %s to approve it with the others ticked</label></div>"
	    "</div>\n", id, id, id, name, text, day);
	snprintf(action, sizeof action, "/approvals/%lld/approve",
	    (long long)id);
	snprintf(what, sizeof what, "Approve %s's %s on %s", name, text, day);
	h->html(b, "<button type=\"submit\" class=\"govuk-button\" "
	    "formaction=\"%s\">%s</button>\n", action, what);
	snprintf(action, sizeof action, "/approvals/%lld/query",
	    (long long)id);
	snprintf(field, sizeof field, "comment-%lld", (long long)id);
	snprintf(what, sizeof what, "What is wrong with %s's %s on %s (to "
	    "query it)", name, text, day);
	h->form_input(b, e, field, what, NULL, "text", h->req_form(r, field),
	    NULL);
	snprintf(what, sizeof what, "Query %s's %s on %s", name, text, day);
	h->html(b, "<button type=\"submit\" class=\"govuk-button govuk-"
	    "button--secondary\" formaction=\"%s\">%s</button>\n</div>"
	    "</div>\n", action, what);
}

/* How many engagement weeks have hours waiting, for the pagination. */
static int64_t
ts_weeks_waiting(const struct ep_host *h, ep_req *r)
{
	ep_stmt *s = h->db_prepare(h->req_db(r), "SELECT count(*) FROM (SELECT "
	    "1 " TS_WAITING " GROUP BY t.engagement_id, " TS_WEEK ")");
	int64_t n = 0;

	ts_waiting_bind(h, s, r);
	if (h->stmt_step(s) == EP_STEP_ROW)
		n = h->stmt_int64(s, 0);
	h->stmt_reset(s);
	return n;
}

/* Hours waiting for this council's approvers, a section per engagement
 * and week, the week waiting longest first, paged by weeks so that a
 * week's button never approves hours on another page. */
static void
ts_approvals_page(ep_req *r, int status, const ep_errors *e)
{
	const struct ep_host *h = ts_host;
	ep_stmt *s = h->db_prepare(h->req_db(r), "WITH g AS (SELECT "
	    "t.engagement_id AS eng, " TS_WEEK " AS wk, min(t.submitted_at) AS "
	    "since, sum(" TS_SWEPT ") AS n, max(CASE WHEN " TS_SWEPT " THEN t.id "
	    "END) AS upto, count(*) AS total, sum(t.created_by = ?3) AS own "
	    TS_WAITING " GROUP BY 1, 2 ORDER BY since, eng, wk LIMIT ?4 OFFSET "
	    "?5) SELECT t.id, x.name, q.title, t.entry_date, t.minutes, "
	    "t.activity, t.note, t.adjusts_id, t.reason, t.priced_pence, "
	    "coalesce(t.query_comment, ''), g.eng, g.wk, g.n, coalesce(g.upto, "
	    "0), g.total, g.own FROM g JOIN time_entries t ON t.engagement_id = "
	    "g.eng AND " TS_WEEK " = g.wk JOIN engagements e ON e.id = g.eng "
	    "JOIN experts x ON x.id = e.expert_id JOIN requests q ON q.id = "
	    "e.request_id WHERE t.state = 'submitted' AND (t.query_comment IS "
	    "NULL OR t.decided_by = ?3 OR ?2) ORDER BY g.since, g.eng, g.wk, "
	    "t.entry_date, t.id");
	int64_t total = ts_weeks_waiting(h, r), page, eng = 0;
	ep_page *b = h->page_begin(r, "Approvals", e);
	char wk[11] = "";

	page = pager_page(h, r, "page", total, TS_WEEKS_PER_PAGE);
	ts_waiting_bind(h, s, r);
	h->stmt_bind_int64(s, 4, TS_WEEKS_PER_PAGE);
	h->stmt_bind_int64(s, 5, (page - 1) * TS_WEEKS_PER_PAGE);
	h->html(b, "<h1 class=\"govuk-heading-l\">Hours to approve</h1>\n");
	/* One form: each entry's buttons post to its own address
	 * (formaction); the last button approves every ticked entry. */
	h->form_begin(b, r, "/approvals/approve");
	/* The form's first button is the one Enter in a comment box would
	 * press: disabled, so that Enter decides nothing by mistake. */
	h->html(b, "<button type=\"submit\" disabled hidden aria-hidden=\"true\">"
	    "</button>\n");
	while (h->stmt_step(s) == EP_STEP_ROW) {
		if (h->stmt_int64(s, 11) != eng ||
		    strcmp(h->stmt_text(s, 12), wk) != 0) {
			if (eng != 0)
				h->html(b, "</section>\n");
			eng = h->stmt_int64(s, 11);
			snprintf(wk, sizeof wk, "%s", h->stmt_text(s, 12));
			ts_week_head(h, b, s);
		}
		ts_entry_card(h, b, r, e, s);
	}
	h->stmt_reset(s);
	if (eng == 0)
		h->html(b, "<p class=\"govuk-body\">Nothing is waiting for "
		    "approval.</p>\n</form>\n");
	else {
		h->html(b, "</section>\n<p class=\"govuk-body\" id=\"tick\">Or "
		    "tick the hours above that are right and approve them "
		    "together.</p>\n");
		h->form_end(b, "Approve the ticked hours");
	}
	pager_draw(h, b, "/approvals?", "page", page, TS_WEEKS_PER_PAGE, total,
	    "weeks of hours");
	ts_expense_waiting(r, b);
	h->page_end(r, b, status);
}

static void
ts_approvals_cb(ep_req *r, void *arg)
{
	(void)arg;
	ts_approvals_page(r, 200, NULL);
}

/* An approver's decision on the page, through group commit. */
struct ts_decision {
	int64_t id;
	int approve;
	char *comment;
	char err[256];
};

static int
ts_decide_work(ep_db *db, ep_req *r, void *arg)
{
	struct ts_decision *d = arg;
	struct ts_actor a;

	ts_actor_of(r, &a);
	return ts_entry_decide(db, &a, d->id, d->approve, d->comment, d->err,
	    sizeof d->err) != 0 ? -1 : 0;
}

static void
ts_decide_done(ep_req *r, int rc, void *arg)
{
	struct ts_decision *d = arg;

	if (rc == 0)
		ts_host->redirect(r, d->approve ? "/approvals?done=approved" :
		    "/approvals?done=queried");
	else if (d->err[0] != '\0')
		ts_host->page_message(r, 409, "This entry cannot be decided",
		    d->err);
	else
		ts_host->page_message(r, 500, "Sorry, there is a problem",
		    "Try again.");
	free(d->comment);
	free(d);
}

/*
 * Approve or query from the approvals page. The decision is written by
 * group commit, as the API's are: while another connection holds the
 * store's write lock it waits off the event loop.
 */
static void
ts_decide_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = ts_host;
	struct ts_decision *d;
	char field[48];
	const char *comment;

	if ((d = calloc(1, sizeof *d)) == NULL)
		goto fail;
	d->id = ts_param_id(r);
	d->approve = arg != NULL;
	snprintf(field, sizeof field, "comment-%lld", (long long)d->id);
	comment = h->req_form(r, field);
	if (comment == NULL)
		comment = h->req_form(r, "comment");
	if (!d->approve && (comment == NULL || *comment == '\0')) {
		/* The page again, the box in error: nothing is lost. */
		ep_errors *e = h->errors_new();

		h->errors_add(e, field, "Say what is wrong with the hours to "
		    "query them");
		ts_approvals_page(r, 400, e);
		h->errors_free(e);
		free(d);
		return;
	}
	if (comment != NULL && (d->comment = strdup(comment)) == NULL)
		goto fail;
	if (h->group_commit(r, ts_decide_work, ts_decide_done, d) == 0)
		return;
fail:
	if (d != NULL)
		free(d->comment);
	free(d);
	h->page_message(r, 503, "Sorry, there is a problem", "The server is not "
	    "taking changes now. Try again.");
}

/* The ticked entries approved together: all of them, or none. */
struct ts_ticked {
	int64_t ids[200];
	size_t n;
	char err[256];
};

static void
ts_ticked_add(const char *value, void *arg)
{
	struct ts_ticked *t = arg;
	char *end;
	long long v = strtoll(value, &end, 10);

	if (*end == '\0' && v > 0 && t->n < sizeof t->ids / sizeof t->ids[0])
		t->ids[t->n++] = (int64_t)v;
}

static int
ts_ticked_work(ep_db *db, ep_req *r, void *arg)
{
	struct ts_ticked *t = arg;
	struct ts_actor a;
	struct ts_tell tell;
	size_t i;

	ts_actor_of(r, &a);
	/* One message to each expert for the lot. */
	ts_tell_begin(&tell);
	a.tell = &tell;
	for (i = 0; i < t->n; i++) {
		if (ts_entry_decide(db, &a, t->ids[i], 1, NULL, t->err,
		    sizeof t->err) != 0) {
			ts_tell_free(&tell);
			return -1;
		}
	}
	return ts_tell_flush(db, &tell);
}

static void
ts_ticked_done(ep_req *r, int rc, void *arg)
{
	struct ts_ticked *t = arg;

	if (rc == 0)
		ts_host->redirect(r, "/approvals?done=approved");
	else if (t->err[0] != '\0')
		ts_host->page_message(r, 409, "These hours cannot all be approved",
		    t->err);
	else
		ts_host->page_message(r, 500, "Sorry, there is a problem",
		    "Try again.");
	free(t);
}

static void
ts_approve_ticked_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = ts_host;
	struct ts_ticked *t = calloc(1, sizeof *t);

	(void)arg;
	if (t == NULL) {
		h->page_message(r, 503, "Sorry, there is a problem", "Try again.");
		return;
	}
	h->req_form_each(r, "entry", ts_ticked_add, t);
	if (t->n == 0) {
		ep_errors *e = h->errors_new();

		free(t);
		h->errors_add(e, "tick", "Tick the hours to approve, or use "
		    "the button beside each entry");
		ts_approvals_page(r, 400, e);
		h->errors_free(e);
		return;
	}
	if (h->group_commit(r, ts_ticked_work, ts_ticked_done, t) != 0) {
		free(t);
		h->page_message(r, 503, "Sorry, there is a problem", "The server "
		    "is not taking changes now. Try again.");
	}
}

/* A week of an engagement approved in one action: the entries its button
 * promised, read again under the write lock, all of them or none. */
struct ts_week {
	int64_t eng, upto;
	char wk[11];
	struct ts_ticked t;
};

static int
ts_week_work(ep_db *db, ep_req *r, void *arg)
{
	const struct ep_host *h = ts_host;
	struct ts_week *w = arg;
	ep_stmt *s = h->db_prepare(db, "SELECT t.id " TS_WAITING " AND " TS_SWEPT
	    " AND t.engagement_id = ?4 AND " TS_WEEK " = ?5 AND t.id <= ?6 "
	    "ORDER BY t.id");
	size_t max = sizeof w->t.ids / sizeof w->t.ids[0];
	int rc = EP_STEP_DONE;

	ts_waiting_bind(h, s, r);
	h->stmt_bind_int64(s, 4, w->eng);
	h->stmt_bind_text(s, 5, w->wk);
	h->stmt_bind_int64(s, 6, w->upto);
	while ((rc = h->stmt_step(s)) == EP_STEP_ROW && w->t.n < max)
		w->t.ids[w->t.n++] = h->stmt_int64(s, 0);
	h->stmt_reset(s);
	if (rc == EP_STEP_ROW) {
		snprintf(w->t.err, sizeof w->t.err, "the week of %s has more than "
		    "%zu entries: approve them by ticking", w->wk, max);
		return -1;
	}
	if (w->t.n == 0) {
		snprintf(w->t.err, sizeof w->t.err, "nothing in the week of %s "
		    "is waiting for your approval now", w->wk);
		return -1;
	}
	return ts_ticked_work(db, r, &w->t);
}

static void
ts_week_done(ep_req *r, int rc, void *arg)
{
	struct ts_week *w = arg;
	struct ts_ticked *t = malloc(sizeof *t);

	/* ts_ticked_done answers and frees its own copy. */
	if (t == NULL) {
		ts_host->page_message(r, 500, "Sorry, there is a problem",
		    "Try again.");
		free(w);
		return;
	}
	*t = w->t;
	free(w);
	ts_ticked_done(r, rc, t);
}

/* Reads "engagement/monday/newest" from the week's button. */
static int
ts_week_parse(const char *v, struct ts_week *w)
{
	long long eng, upto;
	int end = 0;

	if (v == NULL || sscanf(v, "%lld/%10[0-9-]/%lld%n", &eng, w->wk, &upto,
	    &end) != 3 || v[end] != '\0' || eng <= 0 || upto <= 0 ||
	    strlen(w->wk) != 10)
		return -1;
	w->eng = (int64_t)eng;
	w->upto = (int64_t)upto;
	return 0;
}

static void
ts_approve_week_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = ts_host;
	struct ts_week *w = calloc(1, sizeof *w);

	(void)arg;
	if (w == NULL) {
		h->page_message(r, 503, "Sorry, there is a problem", "Try again.");
		return;
	}
	if (ts_week_parse(h->req_form(r, "week"), w) != 0) {
		free(w);
		h->page_message(r, 400, "Choose a week to approve", "Use a week's "
		    "button on the approvals page.");
		return;
	}
	if (h->group_commit(r, ts_week_work, ts_week_done, w) != 0) {
		free(w);
		h->page_message(r, 503, "Sorry, there is a problem", "The server "
		    "is not taking changes now. Try again.");
	}
}

/* One entry: its state and, for the expert, a correction form. */
static void
ts_entry_page(ep_req *r, int status, const ep_errors *e)
{
	const struct ep_host *h = ts_host;
	ep_db *db = h->req_db(r);
	ep_stmt *s = h->db_prepare(db, "SELECT t.id, q.title, t.entry_date, "
	    "t.minutes, t.activity, " TS_STATE_SEEN ", coalesce(t.query_comment, "
	    "''), "
	    "t.created_by, t.priced_pence FROM time_entries t JOIN engagements e "
	    "ON e.id = t.engagement_id JOIN requests q ON q.id = e.request_id "
	    "WHERE t.id = ?");
	int64_t id = ts_param_id(r);
	char text[32], action[64], state[12];
	int mine;
	ep_page *b;

	h->stmt_bind_int64(s, 1, id);
	if (h->stmt_step(s) != EP_STEP_ROW) {
		h->stmt_reset(s);
		h->page_message(r, 404, "Page not found", "There is no such entry.");
		return;
	}
	ts_host->hours_text(text, sizeof text, h->stmt_int64(s, 3));
	snprintf(state, sizeof state, "%s", h->stmt_text(s, 5));
	mine = h->stmt_int64(s, 7) == h->req_person(r);
	b = h->page_begin(r, "Time entry", e);
	h->html(b, "<span class=\"govuk-caption-l\">Entry %D</span>\n<h1 class=\""
	    "govuk-heading-l\">%s on %s</h1>\n<p class=\"govuk-body\">%s, %s, %P. "
	    "State: <strong id=\"state\">%s</strong></p>\n", id,
	    text, (const char *)h->stmt_text(s, 2), (const char *)h->stmt_text(s, 1),
	    (const char *)h->stmt_text(s, 4), h->stmt_int64(s, 8), state);
	if (*h->stmt_text(s, 6))
		h->html(b, "<div class=\"govuk-inset-text\">Query: %s</div>\n",
		    (const char *)h->stmt_text(s, 6));
	h->stmt_reset(s);
	if (mine && (strcmp(state, "approved") == 0 ||
	    strcmp(state, "invoiced") == 0)) {
		snprintf(action, sizeof action, "/timesheet/entries/%lld/adjust",
		    (long long)id);
		h->html(b, "<h2 class=\"govuk-heading-m\">Correct this entry</h2>\n"
		    "<p class=\"govuk-body\">The entry itself is locked. A correction "
		    "is a new entry for the difference, sent for approval and billed "
		    "in the next invoice run.</p>\n");
		h->form_begin(b, r, action);
		h->form_input(b, e, "duration", "The correct total time", "As 1:30, "
		    "1.5, 90m or 1h30", "text", h->req_form(r, "duration"),
		    "govuk-input--width-5");
		h->form_input(b, e, "reason", "Reason", NULL, "text",
		    h->req_form(r, "reason"), NULL);
		h->form_end(b, "Send the correction");
	}
	h->page_end(r, b, status);
}

static void
ts_entry_get_cb(ep_req *r, void *arg)
{
	(void)arg;
	ts_entry_page(r, 200, NULL);
}

static void
ts_adjust_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = ts_host;
	ep_db *db = h->req_db(r);
	ep_errors *e = h->errors_new();
	struct ts_result res;
	struct ts_actor a;
	char loc[64];

	(void)arg;
	ts_actor_of(r, &a);
	if (h->db_begin(db) != 0 || ts_entry_adjust(db, &a, ts_param_id(r),
	    h->req_form(r, "duration"), h->req_form(r, "reason"), e, &res) != 0 ||
	    h->db_commit(db) != 0) {
		h->db_rollback(db);
		if (h->errors_count(e) == 0)
			h->errors_add(e, "duration", "The correction could not be saved");
		ts_entry_page(r, 400, e);
		h->errors_free(e);
		return;
	}
	h->errors_free(e);
	snprintf(loc, sizeof loc, "/timesheet/entries/%lld", (long long)res.id);
	h->redirect(r, loc);
}

/* The engagement's budget, and the requester's variation form. */
static void
ts_budget_page(ep_req *r, int status, const ep_errors *e)
{
	const struct ep_host *h = ts_host;
	ep_db *db = h->req_db(r);
	struct ts_engagement g;
	char action[64];
	int64_t used, allowed;
	ep_page *b;

	if (ts_engagement_load(db, ts_param_id(r), &g) != 0) {
		h->page_message(r, 404, "Page not found", "There is no such "
		    "engagement.");
		return;
	}
	used = ts_budget_used(db, g.id);
	allowed = ts_budget_allowed(db, &g);
	b = h->page_begin(r, "Engagement budget", e);
	h->html(b, "<span class=\"govuk-caption-l\">Engagement %D</span>\n<h1 "
	    "class=\"govuk-heading-l\">%s</h1>\n<p class=\"govuk-body\" id=\""
	    "budget\">Used %P", g.id, g.title, used);
	if (allowed >= 0)
		h->html(b, " of %P (%d%%)", allowed, allowed > 0 ?
		    (int)(used * 100 / allowed) : 100);
	else
		h->html(b, "; there is no budget cap");
	h->html(b, ".</p>\n");
	if ((h->req_roles(r) & EP_ROLE_REQUESTER) && g.budget >= 0) {
		snprintf(action, sizeof action, "/engagements/%lld/variation",
		    (long long)g.id);
		h->html(b, "<h2 class=\"govuk-heading-m\">Approve a budget "
		    "variation</h2>\n");
		h->form_begin(b, r, action);
		h->form_input(b, e, "amount", "Extra budget in pounds", "For "
		    "example, 500.00", "text", h->req_form(r, "amount"),
		    "govuk-input--width-10");
		h->form_input(b, e, "reason", "Reason", NULL, "text",
		    h->req_form(r, "reason"), NULL);
		h->form_end(b, "Approve the variation");
	}
	h->page_end(r, b, status);
}

static void
ts_budget_get_cb(ep_req *r, void *arg)
{
	(void)arg;
	ts_budget_page(r, 200, NULL);
}

static void
ts_variation_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = ts_host;
	ep_db *db = h->req_db(r);
	ep_errors *e = h->errors_new();
	struct ts_actor a;
	char loc[64];

	(void)arg;
	ts_actor_of(r, &a);
	if (h->db_begin(db) != 0 || ts_variation_add(db, &a, ts_param_id(r),
	    h->req_form(r, "amount"), h->req_form(r, "reason"), e) != 0 ||
	    h->db_commit(db) != 0) {
		h->db_rollback(db);
		if (h->errors_count(e) == 0)
			h->errors_add(e, "amount", "The variation could not be saved");
		ts_budget_page(r, 400, e);
		h->errors_free(e);
		return;
	}
	h->errors_free(e);
	snprintf(loc, sizeof loc, "/engagements/%lld/budget",
	    (long long)ts_param_id(r));
	h->redirect(r, loc);
}

void
ts_approve_routes(void)
{
	const struct ep_host *h = ts_host;

	h->route_add(ts_self, "GET", "/approvals", TS_ROLES_APPROVE,
	    ts_approvals_cb, NULL);
	h->route_add(ts_self, "POST", "/approvals/week", TS_ROLES_APPROVE,
	    ts_approve_week_cb, NULL);
	h->route_add(ts_self, "POST", "/approvals/approve", TS_ROLES_APPROVE,
	    ts_approve_ticked_cb, NULL);
	h->route_add_owned(ts_self, "POST", "/approvals/{id}/approve",
	    TS_ROLES_APPROVE, ENTRY_CONSUMER, ts_decide_cb, (void *)"approve");
	h->route_add_owned(ts_self, "POST", "/approvals/{id}/query",
	    TS_ROLES_APPROVE, ENTRY_CONSUMER, ts_decide_cb, NULL);
	h->route_add_owned(ts_self, "GET", "/timesheet/entries/{id}",
	    EP_ROLE_ANY, ENTRY_PARTIES, ts_entry_get_cb, NULL);
	h->route_add_owned(ts_self, "POST", "/timesheet/entries/{id}/adjust",
	    EP_ROLE_EXPERT, ENTRY_PARTIES, ts_adjust_cb, NULL);
	h->route_add_owned(ts_self, "GET", "/engagements/{id}/budget",
	    EP_ROLE_ANY, "SELECT consumer_id FROM engagements WHERE id = ?1 "
	    "UNION SELECT provider_id FROM engagements WHERE id = ?1",
	    ts_budget_get_cb, NULL);
	h->route_add_owned(ts_self, "POST", "/engagements/{id}/variation",
	    EP_ROLE_REQUESTER, ENGAGEMENT_CONSUMER, ts_variation_cb, NULL);
}
