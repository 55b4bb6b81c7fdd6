/* request-pages.c: a council's requests on the web: the list and its
 * filters, the form, a request's page with its offers and engagement,
 * withdrawing, completing and milestones. */
#include "server.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <sqlite3.h>

#define REQUEST_OWNERS "SELECT consumer_id FROM requests WHERE id = ?1 UNION " \
	"SELECT provider_id FROM offers WHERE request_id = ?1"
#define REQUEST_CONSUMER "SELECT consumer_id FROM requests WHERE id = ?1"
#define CONSORTIUM (EP_ROLE_ADMIN | EP_ROLE_POOL_MANAGER)

/* --- My requests --- */

#define REQUESTS_PER_PAGE 50
/* The filters: the council's requests (?2) unless everyone's are shown,
 * then title (?3), purchase order (?4) and state (?5). A filter not asked
 * for is left out of the statement rather than written as "?N IS NULL OR",
 * so the council's requests are read through requests_consumer in id order
 * instead of by scanning every request in the pool. */
#define REQUESTS_WHERE_MAX 192
static const char *const request_states[][2] = {
	{ "", "Any state" },
	{ "submitted", "Submitted" },
	{ "offered", "Offered" },
	{ "engaged", "Engaged" },
	{ "completed", "Completed" },
	{ "closed", "Closed" },
	{ "withdrawn", "Withdrawn" },
	{ "declined", "Declined" },
	{ "cancelled", "Cancelled" },
	{ NULL, NULL },
};

/* What the list is narrowed to, read from the address once. */
struct request_filter {
	int all;
	char *title;
	char *po;
	const char *state;
};

/* The address's filters; a state not in the list is an error on its field
 * and filters nothing. */
static void
request_filter_read(struct ep_req *r, struct request_filter *f,
    struct form_errors *e)
{
	const char *state = http_query(r, "state");
	size_t i;

	f->all = (r->who.roles & CONSORTIUM) != 0;
	f->title = db_like(http_query(r, "q"));
	f->po = db_like(http_query(r, "po"));
	f->state = NULL;
	if (state == NULL || *state == '\0')
		return;
	for (i = 1; request_states[i][0] != NULL; i++)
		if (strcmp(state, request_states[i][0]) == 0)
			f->state = request_states[i][0];
	if (f->state == NULL)
		errs_add(e, "state", "Choose a state from the list");
}

/* The WHERE clause for the filters asked for, into w (REQUESTS_WHERE_MAX
 * bytes): at most sixteen texts, each prepared once by db_stmt. */
static void
request_filter_where(char *w, const struct request_filter *f)
{
	snprintf(w, REQUESTS_WHERE_MAX, " WHERE %s%s%s%s",
	    f->all ? "1" : "r.consumer_id = ?2",
	    f->title != NULL ? " AND r.title LIKE ?3 ESCAPE '\\'" : "",
	    f->po != NULL ? " AND r.po_reference LIKE ?4 ESCAPE '\\'" : "",
	    f->state != NULL ? " AND r.state = ?5" : "");
}

static void
request_filter_bind(sqlite3_stmt *s, struct ep_req *r,
    const struct request_filter *f)
{
	if (!f->all)
		sqlite3_bind_int64(s, 2, r->who.org_id);
	if (f->title != NULL)
		sqlite3_bind_text(s, 3, f->title, -1, SQLITE_TRANSIENT);
	if (f->po != NULL)
		sqlite3_bind_text(s, 4, f->po, -1, SQLITE_TRANSIENT);
	if (f->state != NULL)
		sqlite3_bind_text(s, 5, f->state, -1, SQLITE_STATIC);
}

/* The filters above the list, holding what was asked for. */
static void
request_filter_form(struct evbuffer *b, struct ep_req *r,
    const struct form_errors *e)
{
	html_filter_begin(b, "/requests", "Filter requests");
	form_input(b, e, "q", "Title contains", NULL, "search",
	    http_query(r, "q"), NULL);
	form_input(b, e, "po", "Purchase order contains", NULL, "text",
	    http_query(r, "po"), "govuk-input--width-20");
	form_select(b, e, "state", "State", NULL, request_states,
	    http_query(r, "state"));
	html_filter_end(b, "/requests");
}

static void
requests_list_rows(struct evbuffer *b, sqlite3_stmt *s, int all)
{
	char wanted[32];

	while (sqlite3_step(s) == SQLITE_ROW) {
		html_printf(b, "<tr class=\"govuk-table__row\"><td class=\"govuk-"
		    "table__cell\"><a class=\"govuk-link\" href=\"/requests/%D\">%s"
		    "</a>%R%s</td>", (int64_t)sqlite3_column_int64(s, 0), db_text(s, 1),
		    all ? "<br><span class=\"govuk-body-s\">" : "",
		    all ? db_text(s, 8) : "");
		if (all)
			html_printf(b, "</span>");
		snprintf(wanted, sizeof wanted, "%s to %s", db_text(s, 5), db_text(s, 6));
		html_printf(b, "<td class=\"govuk-table__cell\">%s%R%s</td>",
		    db_text(s, 2), *db_text(s, 3) ? "/" : "", db_text(s, 3));
		html_cell(b, db_text(s, 4));
		html_cell(b, wanted);
		html_printf(b, "<td class=\"govuk-table__cell\">");
		html_state_tag(b, db_text(s, 7));
		html_printf(b, "</td></tr>\n");
	}
	sqlite3_reset(s);
}

static void
requests_list_cb(struct ep_req *r, void *arg)
{
	static const char *heads[] = { "Request", "Skill", "Urgency", "Wanted",
		"State", NULL };
	static const char *const keep[] = { "q", "po", "state", NULL };
	struct form_errors e = { 0 };
	struct request_filter f;
	struct evbuffer *b;
	char where[REQUESTS_WHERE_MAX], sql[REQUESTS_WHERE_MAX + 256];
	sqlite3_stmt *s;
	int64_t total = 0, page;
	char *path;

	(void)arg;
	request_filter_read(r, &f, &e);
	b = page_begin(r, f.all ? "Requests" : "Your requests", &e);
	request_filter_where(where, &f);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM requests r%s", where);
	s = db_stmt(http_db(), sql);
	request_filter_bind(s, r, &f);
	if (sqlite3_step(s) == SQLITE_ROW)
		total = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	page = html_page_number(r, total, REQUESTS_PER_PAGE);
	html_printf(b, "<h1 class=\"govuk-heading-l\">%s</h1>\n", f.all ?
	    "Requests" : "Your organisation's requests");
	if (r->who.roles & EP_ROLE_REQUESTER)
		html_printf(b, "<a href=\"/requests/new\" role=\"button\" class=\""
		    "govuk-button\">Ask for expert time</a>\n");
	request_filter_form(b, r, &e);
	snprintf(sql, sizeof sql, "SELECT r.id, r.title, r.area, r.speciality, "
	    "r.urgency, r.wanted_start, r.wanted_end, r.state, o.code FROM "
	    "requests r JOIN organisations o ON o.id = r.consumer_id%s ORDER BY "
	    "r.id DESC LIMIT ?6 OFFSET ?7", where);
	s = db_stmt(http_db(), sql);
	request_filter_bind(s, r, &f);
	sqlite3_bind_int64(s, 6, REQUESTS_PER_PAGE);
	sqlite3_bind_int64(s, 7, (page - 1) * REQUESTS_PER_PAGE);
	html_table_open(b, "Newest first", heads);
	requests_list_rows(b, s, f.all);
	html_table_close(b);
	path = html_list_path(r, "/requests", keep);
	html_pagination(b, path, page, REQUESTS_PER_PAGE, total, "requests");
	free(path);
	free(f.title);
	free(f.po);
	page_end(r, b, e.n > 0 ? 400 : 200);
	errs_free(&e);
}

/* --- The request form --- */

/* The preferred expert, chosen by name from the active experts of the
 * directory (or none): the pool still decides whom to offer. */
void
request_preferred_select(struct evbuffer *b, const struct form_errors *e,
    const char *value)
{
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT x.id, x.name, o.code, "
	    "x.grade FROM experts x JOIN organisations o ON o.id = x.org_id "
	    "WHERE x.active = 1 ORDER BY x.name, o.code LIMIT 1000");
	const char *(*options)[2] = xcalloc(1002, sizeof *options);
	char (*text)[2][160] = xcalloc(1001, sizeof *text);
	size_t n = 0;

	options[n][0] = "";
	options[n++][1] = "No preference";
	while (s != NULL && sqlite3_step(s) == SQLITE_ROW && n < 1001) {
		snprintf(text[n][0], sizeof text[n][0], "%lld",
		    (long long)sqlite3_column_int64(s, 0));
		snprintf(text[n][1], sizeof text[n][1], "%s (%s, %s)", db_text(s, 1),
		    db_text(s, 2), db_text(s, 3));
		options[n][0] = text[n][0];
		options[n][1] = text[n][1];
		n++;
	}
	if (s != NULL)
		sqlite3_reset(s);
	form_select(b, e, "preferred_expert", "Preferred expert (optional)",
	    "The pool offers the work to whoever is best placed; a preference "
	    "is taken into account", (const char *const (*)[2])options, value);
	free(options);
	free(text);
}

static void
request_form(struct ep_req *r, int status, const struct form_errors *e,
    const struct request_clean *est)
{
	struct evbuffer *b = page_begin(r, "Ask for expert time", e);
	const char *key = http_form(r, "idem_key");
	char fresh[48], low[32], high[32], hint[160];

	if (key == NULL || *key == '\0') {
		token_new(fresh, sizeof fresh, "");
		key = fresh;
	}
	html_printf(b, "<h1 class=\"govuk-heading-l\">Ask for expert time</h1>\n");
	if (est != NULL) {
		if (est->estimate_high > 0) {
			units_money_text(low, sizeof low, est->estimate_low);
			units_money_text(high, sizeof high, est->estimate_high);
			html_printf(b, "<div class=\"govuk-inset-text\" id=\"estimate\">"
			    "<h2 class=\"govuk-heading-s\">Fee estimate</h2><p class="
			    "\"govuk-body\">%s to %s for these hours, depending on the "
			    "grade of the expert, under your agreement's fee rules.</p>"
			    "<p class=\"govuk-body-s ep-wrap\">Rule set version %s</p>"
			    "</div>\n", low, high, est->ruleset);
		} else
			html_printf(b, "<div class=\"govuk-inset-text\" id=\"estimate\">"
			    "No estimate can be given: your organisation has no "
			    "agreement with fee rules in force on the start date. The "
			    "pool will price the request.</div>\n");
	}
	form_begin(b, r, "/requests");
	html_printf(b, "<input type=\"hidden\" name=\"idem_key\" value=\"%s\">\n",
	    key);
	form_select(b, e, "area", "Skill area", NULL, skill_areas,
	    http_form(r, "area"));
	form_input(b, e, "speciality", "Speciality (optional)", "For example, "
	    "planning-law, contracts, network-security", "text",
	    http_form(r, "speciality"), "govuk-!-width-one-half");
	form_input(b, e, "title", "Title", "A short name for the work", "text",
	    http_form(r, "title"), NULL);
	form_textarea(b, e, "description", "Description", "What you need and "
	    "why", http_form(r, "description"));
	form_select(b, e, "urgency", "Urgency", NULL, request_urgencies,
	    http_form(r, "urgency"));
	form_input(b, e, "wanted_start", "Wanted from", "As YYYY-MM-DD", "text",
	    http_form(r, "wanted_start"), "govuk-input--width-10");
	form_input(b, e, "wanted_end", "Wanted until", "As YYYY-MM-DD", "text",
	    http_form(r, "wanted_end"), "govuk-input--width-10");
	form_input(b, e, "estimated_hours", "Estimated hours", "For example, 12 "
	    "or 7.5", "text", http_form(r, "estimated_hours"),
	    "govuk-input--width-5");
	form_input(b, e, "budget", "Budget cap in pounds (optional)", "For "
	    "example, 2500.00", "text", http_form(r, "budget"),
	    "govuk-input--width-10");
	form_input(b, e, "cost_centre", "Cost centre (optional)", NULL, "text",
	    http_form(r, "cost_centre"), "govuk-input--width-10");
	snprintf(hint, sizeof hint, "%s", request_po_required(http_db(),
	    r->who.org_id) ? "Your council may require one: you will be "
	    "told if this request needs it" : "Optional");
	form_input(b, e, "po_reference", "Purchase order or buyer reference", hint,
	    "text", http_form(r, "po_reference"), "govuk-input--width-20");
	request_preferred_select(b, e, http_form(r, "preferred_expert"));
	html_printf(b, "<div class=\"govuk-button-group\">\n<button type=\""
	    "submit\" name=\"action\" value=\"estimate\" class=\"govuk-button "
	    "govuk-button--secondary\">Check the fee estimate</button>\n"
	    "<button type=\"submit\" name=\"action\" value=\"send\" class=\""
	    "govuk-button\">Send request</button>\n</div>\n</form>\n");
	page_end(r, b, status);
}

static void
request_new_cb(struct ep_req *r, void *arg)
{
	(void)arg;
	request_form(r, 200, NULL, NULL);
}

static void
request_input_from_form(struct ep_req *r, struct request_input *in)
{
	in->area = http_form(r, "area");
	in->speciality = http_form(r, "speciality");
	in->title = http_form(r, "title");
	in->description = http_form(r, "description");
	in->urgency = http_form(r, "urgency");
	in->wanted_start = http_form(r, "wanted_start");
	in->wanted_end = http_form(r, "wanted_end");
	in->estimated_hours = http_form(r, "estimated_hours");
	in->budget = http_form(r, "budget");
	in->cost_centre = http_form(r, "cost_centre");
	in->po_reference = http_form(r, "po_reference");
	in->preferred_expert = http_form(r, "preferred_expert");
	in->idem_key = http_form(r, "idem_key");
	in->once_a_day = 1;
}

/* "Check the fee estimate" shows the form again with the estimate; "Send
 * request" saves it (once, however often the form is sent). */
static void
request_create_cb(struct ep_req *r, void *arg)
{
	const char *action = http_form(r, "action");
	struct request_input in;
	struct request_clean c;
	struct form_errors e = { 0 };
	char loc[48];
	int64_t id;
	int existing;

	(void)arg;
	request_input_from_form(r, &in);
	if (action != NULL && strcmp(action, "estimate") == 0) {
		request_validate(http_db(), &in, r->who.org_id, &c, &e);
		if (e.n == 0)
			request_estimate(http_db(), r->who.org_id, in.area, c.minutes,
			    in.wanted_start, &c.estimate_low, &c.estimate_high,
			    c.ruleset, sizeof c.ruleset);
		request_form(r, e.n ? 400 : 200, &e, e.n ? NULL : &c);
		errs_free(&e);
		return;
	}
	if (request_create(http_db(), &r->who, &in, &e, &id, &existing) != 0) {
		request_form(r, 400, &e, NULL);
		errs_free(&e);
		return;
	}
	snprintf(loc, sizeof loc, "/requests/%lld%s", (long long)id,
	    existing == 2 ? "?sent=already" : "?done=sent");
	http_redirect(r, loc);
}

/* --- One request --- */

static void
action_button(struct evbuffer *b, struct ep_req *r, const char *action,
    const char *label, const char *style)
{
	form_begin(b, r, action);
	html_printf(b, "<button type=\"submit\" class=\"govuk-button%R\">%s"
	    "</button>\n</form>\n", style, label);
}

static void
request_offers_table(struct evbuffer *b, int64_t id)
{
	static const char *heads[] = { "Expert", "Provider", "Basis", "State",
		"Note", NULL };
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT x.name, o.code, f.basis, "
	    "f.state, coalesce(f.decline_reason, f.rank_note) FROM offers f JOIN "
	    "experts x ON x.id = f.expert_id JOIN organisations o ON "
	    "o.id = f.provider_id WHERE f.request_id = ? ORDER BY f.id");

	sqlite3_bind_int64(s, 1, id);
	html_table_open(b, "Offers", heads);
	while (sqlite3_step(s) == SQLITE_ROW) {
		html_printf(b, "<tr class=\"govuk-table__row\">");
		html_cell(b, db_text(s, 0));
		html_cell(b, db_text(s, 1));
		html_cell(b, db_text(s, 2));
		html_printf(b, "<td class=\"govuk-table__cell\">");
		html_state_tag(b, db_text(s, 3));
		html_printf(b, "</td>");
		html_cell(b, db_text(s, 4));
		html_printf(b, "</tr>\n");
	}
	sqlite3_reset(s);
	html_table_close(b);
}

/*
 * Summary rows for the money terms in row s: the budget (the fixed fee on
 * that basis) and the bonus for finishing by the due date, each when set.
 */
static void
money_terms_rows(struct evbuffer *b, sqlite3_stmt *s, int basis, int budget,
    int bonus, int due)
{
	char text[160], money[32];

	if (sqlite3_column_type(s, budget) != SQLITE_NULL) {
		units_money_text(text, sizeof text, sqlite3_column_int64(s, budget));
		html_summary_row(b, strcmp(db_text(s, basis), "fixed") == 0 ?
		    "Fixed fee" : "Budget", text);
	}
	if (sqlite3_column_int64(s, bonus) > 0) {
		units_money_text(money, sizeof money, sqlite3_column_int64(s, bonus));
		snprintf(text, sizeof text, "%s for finishing by %s", money,
		    db_text(s, due));
		html_summary_row(b, "On-time bonus", text);
	}
}

/*
 * Summary rows for an offer's money terms: its budget or fixed fee, its
 * on-time bonus and its milestones with, once engaged, the day each was
 * done.
 */
void
offer_terms_rows(struct evbuffer *b, int64_t offer)
{
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT f.basis, f.budget_pence, "
	    "f.bonus_pence, r.wanted_end FROM offers f JOIN requests r ON r.id = "
	    "f.request_id WHERE f.id = ?");

	sqlite3_bind_int64(s, 1, offer);
	if (sqlite3_step(s) == SQLITE_ROW)
		money_terms_rows(b, s, 0, 1, 2, 3);
	sqlite3_reset(s);
}

/* The milestones of an offer, in a table; with buttons to mark them done
 * when the viewer may (the consumer, while the work is engaged). */
void
offer_milestones_table(struct evbuffer *b, struct ep_req *r, int64_t offer,
    int64_t request, int can_mark)
{
	static const char *heads[] = { "Milestone", "Amount", "Done", NULL };
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT position, name, "
	    "amount_pence, coalesce(done, '') FROM milestones WHERE offer_id = ? "
	    "ORDER BY position");
	char text[32], action[64];
	int any = 0;

	sqlite3_bind_int64(s, 1, offer);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (!any)
			html_table_open(b, "Milestones", heads);
		any = 1;
		html_printf(b, "<tr class=\"govuk-table__row\">");
		html_cell(b, db_text(s, 1));
		units_money_text(text, sizeof text, sqlite3_column_int64(s, 2));
		html_cell(b, text);
		html_printf(b, "<td class=\"govuk-table__cell\">");
		if (*db_text(s, 3) != '\0')
			html_printf(b, "%s", db_text(s, 3));
		else if (can_mark) {
			snprintf(action, sizeof action, "/requests/%lld/milestone-done",
			    (long long)request);
			form_begin(b, r, action);
			html_printf(b, "<input type=\"hidden\" name=\"milestone\" "
			    "value=\"%D\"><button type=\"submit\" class=\"govuk-button "
			    "govuk-button--secondary govuk-!-margin-bottom-0\">Mark "
			    "done<span class=\"govuk-visually-hidden\">: %s</span>"
			    "</button>\n</form>", (int64_t)sqlite3_column_int64(s, 0),
			    db_text(s, 1));
		} else
			html_printf(b, "Not yet");
		html_printf(b, "</td></tr>\n");
	}
	sqlite3_reset(s);
	if (any)
		html_table_close(b);
}

static void
request_engagement(struct evbuffer *b, struct ep_req *r, int64_t id,
    int can_mark)
{
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT e.id, x.name, o.code, "
	    "e.basis, e.starts, e.ends, e.state, e.committed_minutes, "
	    "e.budget_pence, e.bonus_pence, e.offer_id FROM engagements e JOIN "
	    "experts x ON x.id = e.expert_id JOIN organisations o ON o.id = "
	    "e.provider_id WHERE e.request_id = ?");
	char text[96];
	int64_t offer = 0;

	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		html_printf(b, "<h2 class=\"govuk-heading-m\" id=\"engagement\">"
		    "Engagement %D</h2>\n<dl class=\"govuk-summary-list\">\n",
		    (int64_t)sqlite3_column_int64(s, 0));
		snprintf(text, sizeof text, "%s (%s)", db_text(s, 1), db_text(s, 2));
		html_summary_row(b, "Expert", text);
		html_summary_row(b, "Basis", db_text(s, 3));
		snprintf(text, sizeof text, "%s to %s", db_text(s, 4), db_text(s, 5));
		html_summary_row(b, "Dates", text);
		units_hours_text(text, sizeof text, sqlite3_column_int64(s, 7));
		html_summary_row(b, "Hours committed", text);
		money_terms_rows(b, s, 3, 8, 9, 5);
		html_summary_row(b, "State", db_text(s, 6));
		html_printf(b, "</dl>\n<p class=\"govuk-body\"><a class=\"govuk-"
		    "link\" href=\"/engagements/%D\">The engagement's terms and "
		    "changes</a></p>\n", (int64_t)sqlite3_column_int64(s, 0));
		offer = sqlite3_column_int64(s, 10);
		can_mark = can_mark && strcmp(db_text(s, 6), "active") == 0;
	}
	sqlite3_reset(s);
	if (offer > 0)
		offer_milestones_table(b, r, offer, id, can_mark);
}

/* Whether any offer was ever made for a request. */
static int
request_has_offers(int64_t id)
{
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT 1 FROM offers WHERE "
	    "request_id = ? LIMIT 1");
	int yes;

	sqlite3_bind_int64(s, 1, id);
	yes = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_reset(s);
	return yes;
}

static void
request_view_cb(struct ep_req *r, void *arg)
{
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT r.title, o.code, r.area, "
	    "r.speciality, r.urgency, r.wanted_start, r.wanted_end, "
	    "r.estimated_minutes, r.budget_pence, r.cost_centre, r.po_reference, "
	    "r.state, r.estimate_pence, r.description, r.consumer_id, p.name "
	    "FROM requests r JOIN organisations o ON o.id = r.consumer_id JOIN "
	    "people p ON p.id = r.requester_id WHERE r.id = ?");
	char text[96], state[16], path[64];
	int64_t id = 0, consumer;
	struct evbuffer *b;
	int mine;

	(void)arg;
	parse_int64(http_param(r, "id"), 1, INT64_MAX, &id);
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		page_message(r, 404, "Page not found", "There is no such request.");
		return;
	}
	consumer = sqlite3_column_int64(s, 14);
	mine = consumer == r->who.org_id;
	snprintf(state, sizeof state, "%s", db_text(s, 11));
	b = page_begin(r, db_text(s, 0), NULL);
	if (mine && http_query(r, "sent") != NULL &&
	    strcmp(http_query(r, "sent"), "already") == 0)
		html_printf(b, "<div class=\"govuk-notification-banner\" role=\""
		    "region\" aria-labelledby=\"sent-title\" id=\"sent-already\">"
		    "<div class=\"govuk-notification-banner__header\"><h2 class=\""
		    "govuk-notification-banner__title\" id=\"sent-title\">Important"
		    "</h2></div><div class=\"govuk-notification-banner__content\">"
		    "<p class=\"govuk-notification-banner__heading\">You had sent "
		    "this request already. It was not sent twice.</p></div></div>\n");
	html_printf(b, "<span class=\"govuk-caption-l\">Request %D from %s</span>"
	    "\n<h1 class=\"govuk-heading-l\">%s</h1>\n<p class=\"govuk-body\">",
	    id, db_text(s, 1), db_text(s, 0));
	html_state_tag(b, state);
	html_printf(b, "</p>\n<dl class=\"govuk-summary-list\">\n");
	snprintf(text, sizeof text, "%s%s%s", db_text(s, 2), *db_text(s, 3) ? "/" : "",
	    db_text(s, 3));
	html_summary_row(b, "Skill", text);
	html_summary_row(b, "Requested by", db_text(s, 15));
	html_summary_row(b, "Description", db_text(s, 13));
	html_summary_row(b, "Urgency", db_text(s, 4));
	snprintf(text, sizeof text, "%s to %s", db_text(s, 5), db_text(s, 6));
	html_summary_row(b, "Wanted", text);
	units_hours_text(text, sizeof text, sqlite3_column_int64(s, 7));
	html_summary_row(b, "Estimated hours", text);
	if (sqlite3_column_type(s, 8) != SQLITE_NULL) {
		units_money_text(text, sizeof text, sqlite3_column_int64(s, 8));
		html_summary_row(b, "Budget cap", text);
	}
	if (sqlite3_column_type(s, 12) != SQLITE_NULL) {
		units_money_text(text, sizeof text, sqlite3_column_int64(s, 12));
		html_summary_row(b, "Estimate (highest grade)", text);
	}
	if (mine || (r->who.roles & CONSORTIUM)) {
		html_summary_row(b, "Cost centre", db_text(s, 9));
		html_summary_row(b, "Purchase order", db_text(s, 10));
	}
	html_printf(b, "</dl>\n");
	sqlite3_reset(s);
	request_offers_table(b, id);
	request_engagement(b, r, id, (mine && (r->who.roles &
	    EP_ROLE_REQUESTER)) || (r->who.roles & EP_ROLE_POOL_MANAGER));
	html_printf(b, "<div class=\"govuk-button-group\">\n");
	if ((r->who.roles & broker_roles()) &&
	    (strcmp(state, "submitted") == 0 || strcmp(state, "offered") == 0))
		html_printf(b, "<a class=\"govuk-button\" href=\"/requests/%D/"
		    "broker\">Find an expert</a>\n", id);
	html_printf(b, "</div>\n");
	if (mine && (r->who.roles & EP_ROLE_REQUESTER) &&
	    (strcmp(state, "submitted") == 0 || strcmp(state, "offered") == 0)) {
		if (strcmp(state, "submitted") == 0 && !request_has_offers(id))
			html_printf(b, "<p class=\"govuk-body\"><a class=\"govuk-link"
			    "\" href=\"/requests/%D/edit\">Change request</a></p>\n",
			    id);
		snprintf(path, sizeof path, "/requests/%lld/withdraw", (long long)id);
		action_button(b, r, path, "Withdraw request", " govuk-button--warning");
	}
	if (strcmp(state, "engaged") == 0 && ((mine && (r->who.roles &
	    EP_ROLE_REQUESTER)) || (r->who.roles & EP_ROLE_POOL_MANAGER))) {
		snprintf(path, sizeof path, "/requests/%lld/complete", (long long)id);
		action_button(b, r, path, "Mark the work complete", "");
	}
	page_end(r, b, 200);
}

static void
request_move_cb(struct ep_req *r, void *arg)
{
	const char *to = arg;
	char err[160], loc[64];
	int64_t id = 0;

	parse_int64(http_param(r, "id"), 1, INT64_MAX, &id);
	if (request_finish(http_db(), &r->who, id, to, err, sizeof err) != 0) {
		page_message(r, 409, "This cannot be done now", err);
		return;
	}
	snprintf(loc, sizeof loc, "/requests/%lld?done=%s", (long long)id, to);
	/* The requesting council is asked, at once, how the work went (loc
	 * stays as it is when they may not rate it). */
	if (strcmp(to, "completed") == 0 && (r->who.roles & (EP_ROLE_REQUESTER |
	    EP_ROLE_APPROVER)))
		(void)rating_offer_path(http_db(), &r->who, id, loc, sizeof loc);
	http_redirect(r, loc);
}

static void
milestone_done_cb(struct ep_req *r, void *arg)
{
	char err[160], loc[48];
	int64_t id = 0;

	(void)arg;
	parse_int64(http_param(r, "id"), 1, INT64_MAX, &id);
	if (milestone_done(http_db(), &r->who, id, http_form(r, "milestone"),
	    err, sizeof err) != 0) {
		page_message(r, 409, "This cannot be done now", err);
		return;
	}
	snprintf(loc, sizeof loc, "/requests/%lld?done=milestone#engagement",
	    (long long)id);
	http_redirect(r, loc);
}

/* --- Brokering --- */

/* Who may rank and offer: the pool, and requesters for their own
 * requests when the consortium lets them choose (decided at start-up, so
 * the route table says it). */
void
request_pages_routes_register(void)
{
	unsigned viewers = EP_ROLE_REQUESTER | EP_ROLE_APPROVER |
	    EP_ROLE_FINANCE | CONSORTIUM;

	route_add(NULL, "GET", "/requests", viewers, requests_list_cb, NULL);
	route_add(NULL, "GET", "/requests/new", EP_ROLE_REQUESTER,
	    request_new_cb, NULL);
	route_add(NULL, "POST", "/requests", EP_ROLE_REQUESTER,
	    request_create_cb, NULL);
	route_add_owned(NULL, "GET", "/requests/{id}", EP_ROLE_ANY,
	    REQUEST_OWNERS, request_view_cb, NULL);
	route_add_owned(NULL, "POST", "/requests/{id}/withdraw",
	    EP_ROLE_REQUESTER, REQUEST_CONSUMER, request_move_cb, "withdrawn");
	route_add_owned(NULL, "POST", "/requests/{id}/complete",
	    EP_ROLE_REQUESTER | EP_ROLE_POOL_MANAGER, REQUEST_CONSUMER,
	    request_move_cb, "completed");
	route_add_owned(NULL, "POST", "/requests/{id}/milestone-done",
	    EP_ROLE_REQUESTER | EP_ROLE_POOL_MANAGER, REQUEST_CONSUMER,
	    milestone_done_cb, NULL);
}
