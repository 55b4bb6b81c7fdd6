/* week-pages.c: the expert's weekly grid: one row per engagement, a column a day. */
#include "timesheet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TS_MAX_ROWS 40

static const char *const ts_day_names[] = { "Mon", "Tue", "Wed", "Thu", "Fri",
	"Sat", "Sun" };

struct ts_week {
	char days[7][11];
	char prev[11], next[11];
};

/* A success banner at the top of a page, as GOV.UK Frontend draws one. */
void
ts_notice(ep_page *b, const char *notice)
{
	ts_host->html(b, "<div class=\"govuk-notification-banner govuk-"
	    "notification-banner--success\" role=\"alert\" id=\"notice\">"
	    "<div class=\"govuk-notification-banner__content\"><p class=\""
	    "govuk-notification-banner__heading\">%s</p></div></div>\n", notice);
}

/* The seven dates of the week holding `date` (any day), Monday first. */
static int
ts_week_of(const char *date, struct ts_week *w)
{
	struct tm tm;
	time_t t;
	int i, back;

	memset(&tm, 0, sizeof tm);
	if (!ts_host->date_ok(date) || strptime(date, "%Y-%m-%d", &tm) == NULL)
		return -1;
	tm.tm_hour = 12;
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	back = (tm.tm_wday + 6) % 7;
	t -= (time_t)back * 86400;
	for (i = 0; i < 7; i++) {
		time_t d = t + (time_t)i * 86400;

		gmtime_r(&d, &tm);
		strftime(w->days[i], 11, "%Y-%m-%d", &tm);
	}
	t -= 7 * 86400;
	gmtime_r(&t, &tm);
	strftime(w->prev, 11, "%Y-%m-%d", &tm);
	t += 14 * 86400;
	gmtime_r(&t, &tm);
	strftime(w->next, 11, "%Y-%m-%d", &tm);
	return 0;
}

struct ts_row {
	int64_t engagement;
	char title[201], consumer[16], starts[11], ends[11];
	int64_t entry[7];	/* the day's entry id, 0 for none */
	int64_t minutes[7];
	char state[7][12];
	char activity[16];
	int billable;
	int64_t used, allowed;
};

/* The expert's engagements that touch the week, with that week's entries. */
static int
ts_rows(ep_db *db, ep_req *r, const struct ts_week *w, struct ts_row *rows)
{
	const struct ep_host *h = ts_host;
	ep_stmt *s = h->db_prepare(db, "SELECT e.id, q.title, c.code, e.starts, "
	    "e.ends FROM engagements e JOIN experts x ON x.id = e.expert_id JOIN "
	    "requests q ON q.id = e.request_id JOIN organisations c ON "
	    "c.id = e.consumer_id WHERE x.person_id = ?1 AND ((e.state IN "
	    "('active', 'cancelled') AND e.starts <= ?3 AND e.ends >= ?2) OR EXISTS (SELECT 1 "
	    "FROM time_entries t WHERE t.engagement_id = e.id AND t.entry_date "
	    "BETWEEN ?2 AND ?3)) ORDER BY e.starts, e.id LIMIT 40");
	int n = 0, i, d;

	h->stmt_bind_int64(s, 1, h->req_person(r));
	h->stmt_bind_text(s, 2, w->days[0]);
	h->stmt_bind_text(s, 3, w->days[6]);
	while (n < TS_MAX_ROWS && h->stmt_step(s) == EP_STEP_ROW) {
		struct ts_row *row = &rows[n++];

		memset(row, 0, sizeof *row);
		row->engagement = h->stmt_int64(s, 0);
		snprintf(row->title, sizeof row->title, "%s", h->stmt_text(s, 1));
		snprintf(row->consumer, sizeof row->consumer, "%s",
		    h->stmt_text(s, 2));
		snprintf(row->starts, sizeof row->starts, "%s", h->stmt_text(s, 3));
		snprintf(row->ends, sizeof row->ends, "%s", h->stmt_text(s, 4));
		snprintf(row->activity, sizeof row->activity, "advice");
		row->billable = 1;
	}
	h->stmt_reset(s);
	s = h->db_prepare(db, "SELECT t.id, t.entry_date, t.minutes, "
	    TS_STATE_SEEN ", t.activity, t.billable FROM time_entries t WHERE "
	    "t.engagement_id = ? AND t.entry_date BETWEEN ? AND ? AND "
	    "t.adjusts_id IS NULL ORDER BY t.id");
	for (i = 0; i < n; i++) {
		h->stmt_bind_int64(s, 1, rows[i].engagement);
		h->stmt_bind_text(s, 2, w->days[0]);
		h->stmt_bind_text(s, 3, w->days[6]);
		while (h->stmt_step(s) == EP_STEP_ROW) {
			for (d = 0; d < 7; d++) {
				if (strcmp(w->days[d], h->stmt_text(s, 1)) == 0)
					break;
			}
			if (d == 7)
				continue;
			if (rows[i].entry[d] == 0) {
				rows[i].entry[d] = h->stmt_int64(s, 0);
				snprintf(rows[i].state[d], sizeof rows[i].state[d], "%s",
				    h->stmt_text(s, 3));
			}
			rows[i].minutes[d] += h->stmt_int64(s, 2);
			snprintf(rows[i].activity, sizeof rows[i].activity, "%s",
			    h->stmt_text(s, 4));
			rows[i].billable = (int)h->stmt_int64(s, 5);
		}
		h->stmt_reset(s);
		{
			struct ts_engagement g;

			rows[i].used = ts_budget_used(db, rows[i].engagement);
			rows[i].allowed = ts_engagement_load(db, rows[i].engagement,
			    &g) == 0 ? ts_budget_allowed(db, &g) : -1;
		}
	}
	return n;
}

static int
ts_editable(const char *state)
{
	return state[0] == '\0' || strcmp(state, "draft") == 0 ||
	    strcmp(state, "queried") == 0;
}

static int64_t
ts_capacity(ep_db *db, ep_req *r)
{
	const struct ep_host *h = ts_host;
	ep_stmt *s = h->db_prepare(db, "SELECT coalesce(sum("
	    "weekly_capacity_minutes), 0) FROM experts WHERE person_id = ?");
	int64_t v = 0;

	h->stmt_bind_int64(s, 1, h->req_person(r));
	if (h->stmt_step(s) == EP_STEP_ROW)
		v = h->stmt_int64(s, 0);
	h->stmt_reset(s);
	return v;
}

/* The week's queried hours, with what the approver asked: the expert
 * answers by changing them and submitting the week again. */
static void
ts_week_queries(ep_req *r, ep_page *b, const struct ts_week *w)
{
	const struct ep_host *h = ts_host;
	ep_stmt *s = h->db_prepare(h->req_db(r), "SELECT t.id, t.entry_date, "
	    "q.title, coalesce(t.query_comment, ''), coalesce(p.name, "
	    "'your approver') FROM time_entries t JOIN engagements e ON e.id = "
	    "t.engagement_id JOIN requests q ON q.id = e.request_id LEFT JOIN "
	    "people p ON p.id = t.decided_by WHERE t.created_by = ?1 AND "
	    "t.state IN ('queried', 'draft') AND " TS_STATE_INDEXED " AND "
	    "t.query_comment IS NOT NULL AND "
	    "t.entry_date BETWEEN ?2 AND ?3 ORDER BY "
	    "t.entry_date, t.id");
	int any = 0;

	h->stmt_bind_int64(s, 1, h->req_person(r));
	h->stmt_bind_text(s, 2, w->days[0]);
	h->stmt_bind_text(s, 3, w->days[6]);
	while (h->stmt_step(s) == EP_STEP_ROW) {
		if (!any)
			h->html(b, "<div class=\"govuk-inset-text\" id=\"queries\">"
			    "<h2 class=\"govuk-heading-s\">Hours queried</h2>\n<ul "
			    "class=\"govuk-list\">\n");
		any = 1;
		h->html(b, "<li id=\"query-%D\">%s, <a class=\"govuk-link\" href="
		    "\"/timesheet/entries/%D\">%s</a>: %s asked \xe2\x80\x9c%s\xe2\x80\x9d</li>\n",
		    h->stmt_int64(s, 0), (const char *)h->stmt_text(s, 1),
		    h->stmt_int64(s, 0), (const char *)h->stmt_text(s, 2),
		    (const char *)h->stmt_text(s, 4),
		    (const char *)h->stmt_text(s, 3));
	}
	h->stmt_reset(s);
	if (any)
		h->html(b, "</ul>\n<p class=\"govuk-body\">Change the hours if "
		    "they need it, then submit the week again: they go back to "
		    "whoever queried them.</p></div>\n");
}

/*
 * The week's page: its grid of engagements by day with what was logged
 * and can still be, the queries to answer, and the submit form. One
 * function because the grid's rows, cells and totals are written in one
 * pass over one statement's rows, and the pass's running state (the
 * row, the day, the week's totals) is what ties them together.
 */
static void
ts_week_page(ep_req *r, int status, const ep_errors *e, const char *date,
    const char *notice)
{
	const struct ep_host *h = ts_host;
	ep_db *db = h->req_db(r);
	struct ts_row rows[TS_MAX_ROWS];
	struct ts_week w;
	int64_t day_total[7] = { 0 }, week_total = 0, capacity;
	char text[32], name[64], today[11];
	ep_page *b;
	int n, i, d;

	ts_today(today);
	if (date == NULL || ts_week_of(date, &w) != 0)
		ts_week_of(today, &w);
	n = ts_rows(db, r, &w, rows);
	capacity = ts_capacity(db, r);
	b = h->page_begin(r, "Your timesheet", e);
	h->html(b, "<span class=\"govuk-caption-l\">Week of %s</span>\n<h1 class="
	    "\"govuk-heading-l\">Your timesheet</h1>\n<p class=\"govuk-body\">"
	    "<a class=\"govuk-link\" href=\"/timesheet?week=%s\">Previous week</a>"
	    " \xc2\xb7 <a class=\"govuk-link\" href=\"/timesheet?week=%s\">Next "
	    "week</a></p>\n", w.days[0], w.prev, w.next);
	if (notice != NULL)
		ts_notice(b, notice);
	if (n == 0) {
		h->html(b, "<p class=\"govuk-body\">You have no engagements this "
		    "week.</p>\n");
		h->page_end(r, b, status);
		return;
	}
	ts_week_queries(r, b, &w);
	h->form_begin(b, r, "/timesheet");
	h->html(b, "<input type=\"hidden\" name=\"week\" value=\"%s\">\n"
	    "<div class=\"ep-table-scroll\" role=\"region\" aria-label=\"Hours "
	    "by day\" tabindex=\"0\">\n<table "
	    "class=\"govuk-table ep-grid\">\n<caption class=\"govuk-table__"
	    "caption govuk-table__caption--m\">Hours by day, typed as 1:30, 1.5, "
	    "90m or 1h30</caption>\n<thead class=\"govuk-table__head\"><tr class="
	    "\"govuk-table__row\"><th scope=\"col\" class=\"govuk-table__header\">"
	    "Engagement</th>", w.days[0]);
	for (d = 0; d < 7; d++)
		h->html(b, "<th scope=\"col\" class=\"govuk-table__header\">%s "
		    "%s</th>", ts_day_names[d], w.days[d] + 8);
	h->html(b, "<th scope=\"col\" class=\"govuk-table__header\">Total</th>"
	    "</tr></thead>\n<tbody class=\"govuk-table__body\">\n");
	for (i = 0; i < n; i++) {
		struct ts_row *row = &rows[i];
		int64_t row_total = 0;

		h->html(b, "<tr class=\"govuk-table__row\"><th scope=\"row\" class="
		    "\"govuk-table__header\">%s<br><span class=\"govuk-body-s\">%s, "
		    "%s to %s</span>", row->title, row->consumer, row->starts,
		    row->ends);
		if (row->allowed > 0 && row->used * 100 >= row->allowed * 80) {
			h->html(b, "<br><strong class=\"govuk-tag govuk-tag--%R\">"
			    "%d%% of budget</strong>", row->used >= row->allowed ?
			    "red" : "orange", (int)(row->used * 100 / row->allowed));
		}
		h->html(b, "</th>");
		for (d = 0; d < 7; d++) {
			const char *typed, *bad;

			snprintf(name, sizeof name, "t_%lld_%s",
			    (long long)row->engagement, w.days[d]);
			typed = h->req_form(r, name);
			text[0] = '\0';
			if (row->minutes[d] > 0)
				ts_host->hours_clock(text, sizeof text,
				    row->minutes[d]);
			bad = e ? h->errors_get(e, name) : NULL;
			if (bad != NULL) {
				/* In the cell, the reason alone: the summary's
				 * "DATE, ENGAGEMENT: " is the cell's own place. */
				char lead[256];
				size_t len = (size_t)snprintf(lead, sizeof lead,
				    "%s, %s: ", w.days[d], row->title);

				if (len < sizeof lead && strncmp(bad, lead, len) == 0)
					bad += len;
			}
			if (ts_editable(row->state[d]) && bad != NULL)
				/* The cell's own error, tied to it for a screen
				 * reader as well as the summary's link. */
				h->html(b, "<td class=\"govuk-table__cell\"><label class=\""
				    "govuk-visually-hidden\" for=\"%s\">%s, %s %s</label>"
				    "<p class=\"govuk-error-message\" id=\"%s-error\"><span "
				    "class=\"govuk-visually-hidden\">Error:</span> %s</p>"
				    "<input class=\"govuk-input govuk-input--width-3 govuk-"
				    "input--error\" id=\"%s\" name=\"%s\" type=\"text\" "
				    "value=\"%s\" aria-invalid=\"true\" aria-describedby=\""
				    "%s-error\"></td>", name, row->title, ts_day_names[d],
				    w.days[d], name, bad, name, name, typed ? typed : text,
				    name);
			else if (ts_editable(row->state[d]))
				h->html(b, "<td class=\"govuk-table__cell\"><label class=\""
				    "govuk-visually-hidden\" for=\"%s\">%s, %s %s</label>"
				    "<input class=\"govuk-input govuk-input--width-3\" "
				    "id=\"%s\" name=\"%s\" type=\"text\" value=\"%s\">%R%s%R"
				    "</td>", name, row->title, ts_day_names[d], w.days[d],
				    name, name, typed ? typed : text,
				    strcmp(row->state[d], "queried") == 0 ?
				    "<br><strong class=\"govuk-tag govuk-tag--red\">" : "",
				    strcmp(row->state[d], "queried") == 0 ? "queried" : "",
				    strcmp(row->state[d], "queried") == 0 ? "</strong>" : "");
			else {
				/* Locked: read, not typed, so written as hours. */
				int locked = strcmp(row->state[d], "approved") == 0 ||
				    strcmp(row->state[d], "invoiced") == 0;

				ts_host->hours_text(text, sizeof text, row->minutes[d]);
				h->html(b, "<td class=\"govuk-table__cell\">%s<br>"
				    "<strong class=\"govuk-tag govuk-tag--%R\">%s"
				    "</strong></td>", text, locked ? "green" : "blue",
				    locked ? "locked" : row->state[d]);
			}
			row_total += row->minutes[d];
			day_total[d] += row->minutes[d];
		}
		week_total += row_total;
		ts_host->hours_text(text, sizeof text, row_total);
		h->html(b, "<td class=\"govuk-table__cell\">%s</td></tr>\n", text);
	}
	h->html(b, "<tr class=\"govuk-table__row\"><th scope=\"row\" class=\""
	    "govuk-table__header\">Day total</th>");
	for (d = 0; d < 7; d++) {
		ts_host->hours_text(text, sizeof text, day_total[d]);
		h->html(b, "<td class=\"govuk-table__cell\">%s</td>", text);
	}
	ts_host->hours_text(text, sizeof text, week_total);
	h->html(b, "<td class=\"govuk-table__cell\"><strong>%s</strong></td></tr>"
	    "\n</tbody>\n</table>\n</div>\n", text);
	ts_host->hours_text(text, sizeof text, capacity);
	h->html(b, "<p class=\"govuk-body\" id=\"capacity\">Contracted capacity "
	    "%s a week; ", text);
	ts_host->hours_text(text, sizeof text, capacity - week_total);
	h->html(b, "%s left this week.</p>\n", text);
	for (i = 0; i < n; i++) {
		static const char *const yes_no[][2] = { { "1", "Billable" },
			{ "0", "Not billable" }, { NULL, NULL } };
		char label[256];

		snprintf(name, sizeof name, "a_%lld", (long long)rows[i].engagement);
		snprintf(label, sizeof label, "Activity for %s", rows[i].title);
		h->form_select(b, e, name, label, NULL, ts_activities,
		    h->req_form(r, name) ? h->req_form(r, name) : rows[i].activity);
		snprintf(name, sizeof name, "b_%lld", (long long)rows[i].engagement);
		snprintf(label, sizeof label, "Billing for %s", rows[i].title);
		h->form_select(b, e, name, label, NULL, yes_no,
		    h->req_form(r, name) ? h->req_form(r, name) :
		    rows[i].billable ? "1" : "0");
		snprintf(name, sizeof name, "n_%lld", (long long)rows[i].engagement);
		snprintf(label, sizeof label, "Note for %s (optional)", rows[i].title);
		h->form_input(b, e, name, label, NULL, "text", h->req_form(r, name),
		    NULL);
	}
	h->html(b, "<div class=\"govuk-button-group\">\n<button type=\"submit\" "
	    "name=\"action\" value=\"save\" class=\"govuk-button govuk-button--"
	    "secondary\">Save as draft</button>\n<button type=\"submit\" name=\""
	    "action\" value=\"submit\" class=\"govuk-button\">Submit the week"
	    "</button>\n</div>\n</form>\n");
	ts_expense_links(r, b);
	h->page_end(r, b, status);
}

static void
ts_week_get_cb(ep_req *r, void *arg)
{
	const char *saved = ts_host->req_query(r, "saved");

	(void)arg;
	ts_week_page(r, 200, NULL, ts_host->req_query(r, "week"),
	    saved == NULL ? NULL : strcmp(saved, "submitted") == 0 ?
	    "Your week was submitted for approval" : "Your week was saved as a "
	    "draft");
}

/* A week's grid being saved, through group commit. */
struct ts_week_save {
	struct ts_week w;
	int submit;
	ep_errors *e;
};

/*
 * Saves every cell in the group's transaction (its own savepoint): any
 * bad cell and nothing is saved, the errors kept for the page.
 */
static int
ts_week_save_work(ep_db *db, ep_req *r, void *arg)
{
	const struct ep_host *h = ts_host;
	struct ts_week_save *sv = arg;
	struct ts_row rows[TS_MAX_ROWS];
	struct ts_actor a;
	struct ts_tell tell;
	char name[64], err[256];
	int n, i, d;

	ts_actor_of(r, &a);
	n = ts_rows(db, r, &sv->w, rows);
	for (i = 0; i < n; i++) {
		struct ts_entry_in in;
		const char *billable;

		memset(&in, 0, sizeof in);
		in.engagement = rows[i].engagement;
		snprintf(name, sizeof name, "a_%lld", (long long)rows[i].engagement);
		in.activity = h->req_form(r, name);
		snprintf(name, sizeof name, "n_%lld", (long long)rows[i].engagement);
		in.note = h->req_form(r, name);
		snprintf(name, sizeof name, "b_%lld", (long long)rows[i].engagement);
		billable = h->req_form(r, name);
		in.billable = billable == NULL || strcmp(billable, "0") != 0;
		for (d = 0; d < 7; d++) {
			const char *typed;
			struct ts_result res;

			if (!ts_editable(rows[i].state[d]))
				continue;
			snprintf(name, sizeof name, "t_%lld_%s",
			    (long long)rows[i].engagement, sv->w.days[d]);
			typed = h->req_form(r, name);
			if (typed == NULL || *typed == '\0') {
				if (rows[i].entry[d] != 0 && ts_entry_delete_draft(db, &a,
				    rows[i].entry[d]) != 0)
					h->errors_add(sv->e, name, "This day's draft could "
					    "not be removed");
				continue;
			}
			in.date = sv->w.days[d];
			in.duration = typed;
			ts_entry_save(db, &a, rows[i].entry[d], &in, name, sv->e,
			    &res);
		}
	}
	if (h->errors_count(sv->e) == 0 && sv->submit) {
		ep_stmt *s = h->db_prepare(db, "SELECT t.id FROM time_entries t JOIN "
		    "engagements g ON g.id = t.engagement_id JOIN experts x ON "
		    "x.id = g.expert_id WHERE x.person_id = ? AND t.state = 'draft' "
		    "AND t.entry_date BETWEEN ? AND ?");
		int64_t ids[TS_MAX_ROWS * 7];
		int k = 0, j;

		h->stmt_bind_int64(s, 1, h->req_person(r));
		h->stmt_bind_text(s, 2, sv->w.days[0]);
		h->stmt_bind_text(s, 3, sv->w.days[6]);
		while (k < TS_MAX_ROWS * 7 && h->stmt_step(s) == EP_STEP_ROW)
			ids[k++] = h->stmt_int64(s, 0);
		h->stmt_reset(s);
		/* One message to each person, however many days went. */
		ts_tell_begin(&tell);
		a.tell = &tell;
		for (j = 0; j < k; j++) {
			if (ts_entry_submit(db, &a, ids[j], err, sizeof err) != 0)
				h->errors_add(sv->e, "week", err);
		}
		a.tell = NULL;
		if (h->errors_count(sv->e) > 0)
			ts_tell_free(&tell);
		else if (ts_tell_flush(db, &tell) != 0)
			h->errors_add(sv->e, "week", "The approvers could not be "
			    "told: nothing was submitted");
	}
	return h->errors_count(sv->e) > 0 ? -1 : 0;
}

/* Once the save is durable: the week again, or why nothing was saved. */
static void
ts_week_save_done(ep_req *r, int rc, void *arg)
{
	const struct ep_host *h = ts_host;
	struct ts_week_save *sv = arg;
	char loc[80];

	if (rc == 0) {
		snprintf(loc, sizeof loc, "/timesheet?week=%s&saved=%s",
		    sv->w.days[0], sv->submit ? "submitted" : "draft");
		h->redirect(r, loc);
	} else if (h->errors_count(sv->e) > 0)
		ts_week_page(r, 400, sv->e, sv->w.days[0], NULL);
	else
		h->page_message(r, 500, "Sorry, there is a problem",
		    "Your hours could not be saved. Try again later.");
	h->errors_free(sv->e);
	free(sv);
}

/*
 * Saves the week's grid by group commit, as the API writes entries:
 * while another connection holds the store's write lock the save waits
 * off the event loop.
 */
static void
ts_week_post_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = ts_host;
	const char *week = h->req_form(r, "week");
	const char *action = h->req_form(r, "action");
	struct ts_week_save *sv = NULL;

	(void)arg;
	if (week == NULL || (sv = calloc(1, sizeof *sv)) == NULL ||
	    ts_week_of(week, &sv->w) != 0) {
		free(sv);
		h->page_message(r, 400, "Sorry, this week cannot be saved",
		    "The week is missing from the form. Go back and try again.");
		return;
	}
	sv->submit = action != NULL && strcmp(action, "submit") == 0;
	sv->e = h->errors_new();
	if (h->group_commit(r, ts_week_save_work, ts_week_save_done, sv) != 0) {
		h->errors_free(sv->e);
		free(sv);
		h->page_message(r, 503, "Sorry, there is a problem", "The server "
		    "is not taking changes now. Try again.");
	}
}

/* Monday and Sunday of the week holding a date, for the API's ?week=. */
int
ts_week_bounds(const char *date, char monday[11], char sunday[11])
{
	struct ts_week w;

	if (ts_week_of(date, &w) != 0)
		return -1;
	memcpy(monday, w.days[0], 11);
	memcpy(sunday, w.days[6], 11);
	return 0;
}

void
ts_week_routes(void)
{
	ts_host->route_add(ts_self, "GET", "/timesheet", EP_ROLE_EXPERT,
	    ts_week_get_cb, NULL);
	ts_host->route_add(ts_self, "POST", "/timesheet", EP_ROLE_EXPERT,
	    ts_week_post_cb, NULL);
}
