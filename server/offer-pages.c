/* offer-pages.c: offers on the web: the pool's queue and brokering
 * (choosing an expert and making the offer), and the expert's offers
 * and engagements, accepted or declined. */
#include "server.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <sqlite3.h>

#define REQUEST_CONSUMER "SELECT consumer_id FROM requests WHERE id = ?1"
#define OFFER_PROVIDER "SELECT provider_id FROM offers WHERE id = ?1"
#define CONSORTIUM (EP_ROLE_ADMIN | EP_ROLE_POOL_MANAGER)

unsigned
broker_roles(void)
{
	return CONSORTIUM | (cfg.requesters_choose ? EP_ROLE_REQUESTER : 0);
}

static void
broker_page(struct ep_req *r, int status, const struct form_errors *e)
{
	static const char *heads[] = { "Choose", "Expert", "Score", "Why", NULL };
	struct broker_candidate *v = NULL;
	struct evbuffer *b;
	char action[64], score[24], radio[40];
	int64_t id = 0;
	size_t n = 0, total = 0, i;

	parse_int64(http_param(r, "id"), 1, INT64_MAX, &id);
	if (broker_rank(http_db(), id, BROKER_SHOWN, &v, &n, &total) != 0) {
		page_message(r, 404, "Page not found", "There is no such request.");
		return;
	}
	b = page_begin(r, "Find an expert", e);
	html_printf(b, "<span class=\"govuk-caption-l\">Request %D</span>\n<h1 "
	    "class=\"govuk-heading-l\">Find an expert</h1>\n<p class=\"govuk-body"
	    "\">Candidates ranked by skill, free time over the wanted dates, "
	    "price and a fair spread of work across providers.</p>\n", id);
	if (n == 0) {
		html_printf(b, "<p class=\"govuk-body\">No active expert holds this "
		    "skill.</p>\n");
		page_end(r, b, status);
		return;
	}
	snprintf(action, sizeof action, "/requests/%lld/offers", (long long)id);
	form_begin(b, r, action);
	html_printf(b, "<div class=\"govuk-form-group%R\">\n", e &&
	    errs_get(e, "expert") ? " govuk-form-group--error" : "");
	if (e && errs_get(e, "expert"))
		html_printf(b, "<p id=\"expert-error\" class=\"govuk-error-message\">"
		    "<span class=\"govuk-visually-hidden\">Error:</span> %s</p>\n",
		    errs_get(e, "expert"));
	snprintf(score, sizeof score, "%zu", total);
	html_printf(b, "<p class=\"govuk-body\">The best %d of %s candidates."
	    "</p>\n", (int)n, score);
	html_table_open(b, "Ranked candidates", heads);
	for (i = 0; i < n; i++) {
		snprintf(score, sizeof score, "%lld", (long long)v[i].score);
		if (i == 0)
			snprintf(radio, sizeof radio, "expert");
		else
			snprintf(radio, sizeof radio, "expert-%lld",
			    (long long)v[i].expert_id);
		html_printf(b, "<tr class=\"govuk-table__row\"><td class=\"govuk-"
		    "table__cell\"><div class=\"govuk-radios govuk-radios--small\">"
		    "<div class=\"govuk-radios__item\"><input class=\"govuk-radios__"
		    "input\" type=\"radio\" name=\"expert\" id=\"%s\" value=\"%D\""
		    "%R><label class=\"govuk-label govuk-radios__label\" for=\"%s\">"
		    "<span class=\"govuk-visually-hidden\">Offer to %s, ranked </span>"
		    "%d</label></div></div></td>", radio, v[i].expert_id,
		    i == 0 ? " checked" : "", radio, v[i].name, (int)i + 1);
		html_printf(b, "<td class=\"govuk-table__cell\">%s<br><span class="
		    "\"govuk-body-s\">%s, %s</span></td>", v[i].name, v[i].provider,
		    v[i].grade);
		html_cell(b, score);
		html_printf(b, "<td class=\"govuk-table__cell govuk-body-s\">%s</td>"
		    "</tr>\n", v[i].reasons);
	}
	html_table_close(b);
	html_printf(b, "</div>\n");
	form_select(b, e, "basis", "Basis", NULL, engagement_bases,
	    http_form(r, "basis"));
	form_input(b, e, "budget", "Budget in pounds", "Needed for fixed fee and "
	    "capped engagements: the fixed fee, or the most the time may cost",
	    "text", http_form(r, "budget"), "govuk-input--width-10");
	form_input(b, e, "bonus", "On-time bonus in pounds (optional)", "Paid "
	    "if the work is marked complete by the wanted end date; nothing is "
	    "taken off if it is late", "text", http_form(r, "bonus"),
	    "govuk-input--width-10");
	form_textarea(b, e, "milestones", "Milestones (optional, fixed fee "
	    "only)", "One a line: what is delivered, then its amount, such as "
	    "\"Draft report 1500.00\". They must add up to the fixed fee; each "
	    "is invoiced in the month it is marked done, and any left are done "
	    "when the work is complete", http_form(r, "milestones"));
	form_end(b, "Make the offer");
	free(v);
	page_end(r, b, status);
}

static void
broker_cb(struct ep_req *r, void *arg)
{
	(void)arg;
	broker_page(r, 200, NULL);
}

static void
offer_create_cb(struct ep_req *r, void *arg)
{
	struct offer_input in = {
		.expert = http_form(r, "expert"),
		.basis = http_form(r, "basis"),
		.budget = http_form(r, "budget"),
		.bonus = http_form(r, "bonus"),
		.note = "",
	};
	struct form_errors e = { 0 };
	char loc[48], *ms;
	int64_t id = 0, offer;
	int rc;

	(void)arg;
	parse_int64(http_param(r, "id"), 1, INT64_MAX, &id);
	ms = xstrdup(http_form_text(r, "milestones"));
	offer_milestone_lines(&in, ms);
	rc = offer_make(http_db(), &r->who, id, &in, &e, &offer);
	free(ms);
	if (rc != 0) {
		broker_page(r, 400, &e);
		errs_free(&e);
		return;
	}
	snprintf(loc, sizeof loc, "/requests/%lld?done=offered", (long long)id);
	http_redirect(r, loc);
}

/* --- The queue and capacity --- */

#define QUEUE_PER_PAGE 100
#define QUEUE_EXPERTS_PER_PAGE 100

static void
queue_cb(struct ep_req *r, void *arg)
{
	static const char *qheads[] = { "Request", "Consumer", "Skill",
		"Urgency", "Waiting", "State", NULL };
	static const char *cheads[] = { "Expert", "Provider", "Capacity",
		"Committed or on leave", "Free", NULL };
	struct evbuffer *b = page_begin(r, "Queue and capacity", NULL);
	sqlite3_stmt *s;
	static const char *const keep_experts[] = { "experts_page", NULL };
	static const char *const keep_page[] = { "page", NULL };
	char text[64], today[11], until[11], *path;
	int64_t from = london_day((int64_t)time(NULL)), to = from + 55;
	int64_t total = 0, page, experts = 0, epage;

	(void)arg;
	day_format(from, today);
	day_format(to, until);
	html_printf(b, "<h1 class=\"govuk-heading-l\">Queue and capacity</h1>\n");
	s = db_stmt(http_db(), "SELECT count(*) FROM requests WHERE state IN "
	    "('submitted', 'offered')");
	if (sqlite3_step(s) == SQLITE_ROW)
		total = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	page = html_page_number(r, total, QUEUE_PER_PAGE);
	html_table_open(b, "Open requests, oldest first", qheads);
	s = db_stmt(http_db(), "SELECT r.id, r.title, o.code, r.area, "
	    "r.speciality, r.urgency, CAST(julianday('now') - julianday("
	    "r.submitted_at) AS INTEGER), r.state FROM requests r JOIN "
	    "organisations o ON o.id = r.consumer_id WHERE r.state IN "
	    "('submitted', 'offered') ORDER BY r.submitted_at, r.id LIMIT ?1 "
	    "OFFSET ?2");
	sqlite3_bind_int64(s, 1, QUEUE_PER_PAGE);
	sqlite3_bind_int64(s, 2, (page - 1) * QUEUE_PER_PAGE);
	while (sqlite3_step(s) == SQLITE_ROW) {
		html_printf(b, "<tr class=\"govuk-table__row\"><td class=\"govuk-"
		    "table__cell\"><a class=\"govuk-link\" href=\"/requests/%D\">%s"
		    "</a></td>", (int64_t)sqlite3_column_int64(s, 0), db_text(s, 1));
		html_cell(b, db_text(s, 2));
		snprintf(text, sizeof text, "%s%s%s", db_text(s, 3), *db_text(s, 4) ? "/" :
		    "", db_text(s, 4));
		html_cell(b, text);
		html_cell(b, db_text(s, 5));
		snprintf(text, sizeof text, "%d day%s", sqlite3_column_int(s, 6),
		    sqlite3_column_int(s, 6) == 1 ? "" : "s");
		html_cell(b, text);
		html_printf(b, "<td class=\"govuk-table__cell\">");
		html_state_tag(b, db_text(s, 7));
		html_printf(b, "</td></tr>\n");
	}
	sqlite3_reset(s);
	html_table_close(b);
	path = html_list_path(r, "/queue", keep_experts);
	html_pagination(b, path, page, QUEUE_PER_PAGE, total, "open requests");
	free(path);
	snprintf(text, sizeof text, "The next eight weeks: %s to %s", today,
	    until);
	html_table_open(b, text, cheads);
	/* Free time as the directory and the broker count it: capacity less
	 * leave less each engagement's share of the window. */
	s = db_stmt(http_db(), "SELECT count(*) FROM experts WHERE active = 1");
	if (sqlite3_step(s) == SQLITE_ROW)
		experts = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	epage = html_page_number_of(r, "experts_page", experts,
	    QUEUE_EXPERTS_PER_PAGE);
	s = db_stmt(http_db(), "SELECT x.id, x.name, o.code, "
	    "x.weekly_capacity_minutes FROM experts x JOIN organisations o ON "
	    "o.id = x.org_id WHERE x.active = 1 ORDER BY o.code, x.name, x.id "
	    "LIMIT ?1 OFFSET ?2");
	sqlite3_bind_int64(s, 1, QUEUE_EXPERTS_PER_PAGE);
	sqlite3_bind_int64(s, 2, (epage - 1) * QUEUE_EXPERTS_PER_PAGE);
	while (sqlite3_step(s) == SQLITE_ROW) {
		int64_t weekly = sqlite3_column_int64(s, 3);
		int64_t capacity = weekly * working_days(from, to) / 5;
		int64_t free_m = expert_free_minutes(http_db(),
		    sqlite3_column_int64(s, 0), today, until);
		int64_t committed = capacity - (free_m > 0 ? free_m : 0);

		html_printf(b, "<tr class=\"govuk-table__row\">");
		html_cell(b, db_text(s, 1));
		html_cell(b, db_text(s, 2));
		units_hours_text(text, sizeof text, capacity);
		html_cell(b, text);
		units_hours_text(text, sizeof text, committed);
		html_cell(b, text);
		units_hours_text(text, sizeof text, capacity > committed ?
		    capacity - committed : 0);
		html_cell(b, text);
		html_printf(b, "</tr>\n");
	}
	sqlite3_reset(s);
	html_table_close(b);
	path = html_list_path(r, "/queue", keep_page);
	html_pagination_of(b, path, "experts_page", epage,
	    QUEUE_EXPERTS_PER_PAGE, experts, "experts");
	free(path);
	page_end(r, b, 200);
}

/* --- The expert's offers and engagements --- */

#define OFFERS_PER_PAGE 50
#define OPEN_OFFERS_PER_PAGE 10

static int64_t
offers_open_count(struct ep_req *r)
{
	return db_int_id(http_db(), "SELECT count(*) FROM offers f "
	    "JOIN experts x ON x.id = f.expert_id WHERE x.person_id = ? AND "
	    "f.state = 'open'",
	    r->who.person_id);
}

/* The expert's open offers, a page of them, each with its terms and
 * accept and decline forms. */
static void
offers_open_section(struct evbuffer *b, struct ep_req *r,
    const struct form_errors *e)
{
	static const char *const keep_page[] = { "page", NULL };
	sqlite3_stmt *s;
	char action[64], text[64], field[40], label[400], *path;
	int64_t open_total, open_page;
	int any = 0;

	html_printf(b, "<h2 class=\"govuk-heading-m\">Open offers</h2>\n");
	s = db_stmt(http_db(), "SELECT f.id, r.id, r.title, o.code, r.area, "
	    "r.wanted_start, r.wanted_end, r.estimated_minutes, f.basis, "
	    "r.description FROM offers f JOIN requests r ON r.id = f.request_id "
	    "JOIN organisations o ON o.id = r.consumer_id JOIN experts x ON "
	    "x.id = f.expert_id WHERE x.person_id = ? AND f.state = 'open' ORDER "
	    "BY f.id LIMIT ? OFFSET ?");
	open_total = offers_open_count(r);
	open_page = html_page_number_of(r, "open_page", open_total,
	    OPEN_OFFERS_PER_PAGE);
	sqlite3_bind_int64(s, 1, r->who.person_id);
	sqlite3_bind_int64(s, 2, OPEN_OFFERS_PER_PAGE);
	sqlite3_bind_int64(s, 3, (open_page - 1) * OPEN_OFFERS_PER_PAGE);
	while (sqlite3_step(s) == SQLITE_ROW) {
		int64_t offer = sqlite3_column_int64(s, 0);

		any = 1;
		html_printf(b, "<div class=\"govuk-summary-card\"><div class=\""
		    "govuk-summary-card__title-wrapper\"><h3 class=\"govuk-summary-"
		    "card__title\">%s (request %D, %s)</h3></div><div class=\"govuk-"
		    "summary-card__content\"><dl class=\"govuk-summary-list\">\n",
		    db_text(s, 2), (int64_t)sqlite3_column_int64(s, 1), db_text(s, 3));
		html_summary_row(b, "Skill", db_text(s, 4));
		snprintf(text, sizeof text, "%s to %s", db_text(s, 5), db_text(s, 6));
		html_summary_row(b, "Dates", text);
		units_hours_text(text, sizeof text, sqlite3_column_int64(s, 7));
		html_summary_row(b, "Hours", text);
		html_summary_row(b, "Basis", db_text(s, 8));
		offer_terms_rows(b, offer);
		html_summary_row(b, "Description", db_text(s, 9));
		html_printf(b, "</dl>\n");
		offer_milestones_table(b, r, offer, 0, 0);
		snprintf(action, sizeof action, "/offers/%lld/accept",
		    (long long)offer);
		/* Each button and box names the request it acts on, for
		 * a screen reader's list of them; each box an id of its own. */
		form_begin(b, r, action);
		html_printf(b, "<button type=\"submit\" class=\"govuk-button\">"
		    "Accept offer<span class=\"govuk-visually-hidden\">: %s "
		    "(request %D)</span></button>\n</form>\n", db_text(s, 2),
		    (int64_t)sqlite3_column_int64(s, 1));
		snprintf(action, sizeof action, "/offers/%lld/decline",
		    (long long)offer);
		form_begin(b, r, action);
		snprintf(field, sizeof field, "reason-%lld", (long long)offer);
		snprintf(label, sizeof label, "Reason for declining %s",
		    db_text(s, 2));
		form_input(b, e, field, label, NULL, "text", NULL, NULL);
		html_printf(b, "<button type=\"submit\" class=\"govuk-button govuk-"
		    "button--secondary\">Decline offer<span class=\"govuk-visually-"
		    "hidden\">: %s (request %D)</span></button>\n</form>\n</div>"
		    "</div>\n", db_text(s, 2), (int64_t)sqlite3_column_int64(s, 1));
	}
	sqlite3_reset(s);
	if (!any)
		html_printf(b, "<p class=\"govuk-body\">You have no open offers.</p>\n");
	else {
		path = html_list_path(r, "/offers", keep_page);
		html_pagination_of(b, path, "open_page", open_page,
		    OPEN_OFFERS_PER_PAGE, open_total, "open offers");
		free(path);
	}
}

/* The expert's engagements, newest first, a page of them. */
static void
offers_engagements_section(struct evbuffer *b, struct ep_req *r)
{
	static const char *eheads[] = { "Engagement", "Consumer", "Basis",
		"Dates", "State", NULL };
	static const char *const keep_open[] = { "open_page", NULL };
	sqlite3_stmt *s;
	char text[64], *path;
	int64_t total = 0, page;

	s = db_stmt(http_db(), "SELECT count(*) FROM engagements e JOIN "
	    "experts x ON x.id = e.expert_id WHERE x.person_id = ?");
	sqlite3_bind_int64(s, 1, r->who.person_id);
	if (sqlite3_step(s) == SQLITE_ROW)
		total = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	page = html_page_number(r, total, OFFERS_PER_PAGE);
	html_table_open(b, "Your engagements", eheads);
	s = db_stmt(http_db(), "SELECT e.id, r.title, o.code, e.basis, e.starts, "
	    "e.ends, e.state, r.id FROM engagements e JOIN requests r ON "
	    "r.id = e.request_id JOIN organisations o ON o.id = e.consumer_id JOIN "
	    "experts x ON x.id = e.expert_id WHERE x.person_id = ? ORDER BY "
	    "e.id DESC LIMIT ? OFFSET ?");
	sqlite3_bind_int64(s, 1, r->who.person_id);
	sqlite3_bind_int64(s, 2, OFFERS_PER_PAGE);
	sqlite3_bind_int64(s, 3, (page - 1) * OFFERS_PER_PAGE);
	while (sqlite3_step(s) == SQLITE_ROW) {
		html_printf(b, "<tr class=\"govuk-table__row\"><td class=\"govuk-"
		    "table__cell\"><a class=\"govuk-link\" href=\"/requests/%D\">%s"
		    "</a></td>", (int64_t)sqlite3_column_int64(s, 7), db_text(s, 1));
		html_cell(b, db_text(s, 2));
		html_cell(b, db_text(s, 3));
		snprintf(text, sizeof text, "%s to %s", db_text(s, 4), db_text(s, 5));
		html_cell(b, text);
		html_printf(b, "<td class=\"govuk-table__cell\">");
		html_state_tag(b, db_text(s, 6));
		html_printf(b, "</td></tr>\n");
	}
	sqlite3_reset(s);
	html_table_close(b);
	path = html_list_path(r, "/offers", keep_open);
	html_pagination(b, path, page, OFFERS_PER_PAGE, total, "engagements");
	free(path);
}

static void
offers_page(struct ep_req *r, int status, const struct form_errors *e)
{
	struct evbuffer *b = page_begin(r, "Your offers and engagements", e);

	html_printf(b, "<h1 class=\"govuk-heading-l\">Your offers and "
	    "engagements</h1>\n");
	offers_open_section(b, r, e);
	offers_engagements_section(b, r);
	page_end(r, b, status);
}

static void
offers_cb(struct ep_req *r, void *arg)
{
	(void)arg;
	offers_page(r, 200, NULL);
}

static void
offer_accept_cb(struct ep_req *r, void *arg)
{
	char err[160];
	int64_t id = 0, engagement;

	(void)arg;
	parse_int64(http_param(r, "id"), 1, INT64_MAX, &id);
	if (offer_accept(http_db(), &r->who, id, &engagement, err,
	    sizeof err) != 0) {
		page_message(r, 409, "The offer cannot be accepted", err);
		return;
	}
	http_redirect(r, "/offers?done=accepted");
}

static void
offer_decline_cb(struct ep_req *r, void *arg)
{
	struct form_errors e = { 0 };
	const char *reason;
	char field[40];
	int64_t id = 0;
	int i;

	(void)arg;
	parse_int64(http_param(r, "id"), 1, INT64_MAX, &id);
	/* The page names each offer's box for the offer. */
	snprintf(field, sizeof field, "reason-%lld", (long long)id);
	if ((reason = http_form(r, field)) == NULL)
		reason = http_form(r, "reason");
	if (offer_decline(http_db(), &r->who, id, reason, &e) != 0) {
		for (i = 0; i < e.n; i++) {
			if (strcmp(e.field[i], "reason") == 0) {
				free(e.field[i]);
				e.field[i] = xstrdup(field);
			}
		}
		offers_page(r, 400, &e);
		errs_free(&e);
		return;
	}
	http_redirect(r, "/offers?done=declined");
}

void
offer_pages_routes_register(void)
{
	route_add_owned(NULL, "GET", "/requests/{id}/broker", broker_roles(),
	    REQUEST_CONSUMER, broker_cb, NULL);
	route_add_owned(NULL, "POST", "/requests/{id}/offers", broker_roles(),
	    REQUEST_CONSUMER, offer_create_cb, NULL);
	route_add(NULL, "GET", "/queue", CONSORTIUM, queue_cb, NULL);
	route_add(NULL, "GET", "/offers", EP_ROLE_EXPERT, offers_cb, NULL);
	route_add_owned(NULL, "POST", "/offers/{id}/accept", EP_ROLE_EXPERT,
	    OFFER_PROVIDER, offer_accept_cb, NULL);
	route_add_owned(NULL, "POST", "/offers/{id}/decline", EP_ROLE_EXPERT,
	    OFFER_PROVIDER, offer_decline_cb, NULL);
}
