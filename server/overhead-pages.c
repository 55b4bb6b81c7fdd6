/* overhead-pages.c: pages and JSON for overhead time, running costs, settings. */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>
#include <sqlite3.h>

/* Who logs overhead time, who sees the costs, who changes the settings. */
#define OH_LOGGERS (EP_ROLE_EXPERT | EP_ROLE_POOL_MANAGER)
#define OH_READERS (EP_ROLE_FINANCE | EP_ROLE_POOL_MANAGER | EP_ROLE_ADMIN)
#define OH_TIME_PER 50
/* Overhead time belongs to its logger's council, for the route table;
 * running costs are the pool's, kept by the host council. */
#define OH_TIME_OWNER "SELECT p.org_id FROM overhead_time t JOIN people p " \
	"ON p.id = t.person_id WHERE t.id = ?1"

/* --- Overhead time --- */

/* The time form's fields, filled from the form or from an entry. */
static void
oh_time_fields(struct evbuffer *b, const struct form_errors *e,
    const char *date, const char *hours, const char *activity,
    const char *note)
{
	form_input(b, e, "date", "Date", "YYYY-MM-DD, such as 2026-10-14",
	    "text", date, "govuk-input--width-10");
	form_input(b, e, "hours", "Hours", "Such as 1.5 or 1:30", "text", hours,
	    "govuk-input--width-5");
	form_select_blank(b, e, "activity", "Activity", NULL, "Choose an "
	    "activity", overhead_activities, activity);
	form_input(b, e, "note", "Note (optional)", NULL, "text", note, NULL);
}

/* The person's overhead time, newest first, paged, and the form to log. */
static void
oh_time_page(struct ep_req *r, int status, const struct form_errors *e)
{
	static const char *const heads[] = { "Date", "Activity", "Hours",
		"Note", "Action", NULL };
	struct ep_db *db = http_db();
	sqlite3_stmt *s;
	struct evbuffer *b;
	int64_t total, page;
	char hours[32];

	total = db_int_id(db, "SELECT count(*) FROM overhead_time WHERE "
	    "person_id = ?", r->who.person_id);
	page = html_page_number(r, total, OH_TIME_PER);
	b = page_begin(r, "Overhead time", e);
	html_printf(b, "<h1 class=\"govuk-heading-l\">Overhead time</h1>\n<p "
	    "class=\"govuk-body\">Time you spend running the pool rather than "
	    "on an engagement: brokering, managing the pool, training and "
	    "governance. It is never billed; the pool's overheads, shared among "
	    "the councils, include it at your internal cost rate.</p>\n");
	form_begin(b, r, "/overheads/time");
	oh_time_fields(b, e, http_form(r, "date"), http_form(r, "hours"),
	    http_form(r, "activity"), http_form(r, "note"));
	form_end(b, "Log time");
	html_printf(b, "<h2 class=\"govuk-heading-m\">Your overhead time</h2>\n");
	html_table_open(b, "Your overhead time, newest first", heads);
	s = db_stmt(db, "SELECT entry_date, activity, minutes, note, id FROM "
	    "overhead_time WHERE person_id = ? ORDER BY entry_date DESC, id DESC "
	    "LIMIT ? OFFSET ?");
	if (s != NULL) {
		sqlite3_bind_int64(s, 1, r->who.person_id);
		sqlite3_bind_int64(s, 2, OH_TIME_PER);
		sqlite3_bind_int64(s, 3, (page - 1) * OH_TIME_PER);
		while (sqlite3_step(s) == SQLITE_ROW) {
			units_hours_text(hours, sizeof hours, sqlite3_column_int64(s, 2));
			html_printf(b, "<tr class=\"govuk-table__row\">");
			html_cell(b, db_text(s, 0));
			html_cell(b, db_text(s, 1));
			html_cell(b, hours);
			html_cell(b, db_text(s, 3));
			html_printf(b, "<td class=\"govuk-table__cell\"><a class=\""
			    "govuk-link\" href=\"/overheads/time/%D\">Correct<span "
			    "class=\"govuk-visually-hidden\"> %s %s</span></a></td></tr>\n",
			    (int64_t)sqlite3_column_int64(s, 4), db_text(s, 0),
			    db_text(s, 1));
		}
		sqlite3_reset(s);
	}
	html_table_close(b);
	html_pagination(b, "/overheads/time?", page, OH_TIME_PER, total,
	    "entries");
	page_end(r, b, status);
}

static void
oh_time_cb(struct ep_req *r, void *arg)
{
	(void)arg;
	oh_time_page(r, 200, NULL);
}

static void
oh_time_log_cb(struct ep_req *r, void *arg)
{
	struct overhead_time_input in = { 0 };
	struct form_errors e = { 0 };
	struct audit_actor actor;
	int64_t id;

	(void)arg;
	in.person_id = r->who.person_id;
	in.date = http_form(r, "date");
	in.hours = http_form(r, "hours");
	in.activity = http_form(r, "activity");
	in.note = http_form(r, "note");
	audit_actor_of(&actor, &r->who);
	if (overhead_time_log(http_db(), &actor, &in, &e, &id) != 0) {
		oh_time_page(r, 400, &e);
		errs_free(&e);
		return;
	}
	http_redirect(r, "/overheads/time?done=overhead-time");
}

/* Whose overhead time a person may correct: their own, or (0) anyone's
 * for a pool manager, who keeps the pool's record. */
static int64_t
oh_time_whose(const struct ep_req *r)
{
	return (r->who.roles & EP_ROLE_POOL_MANAGER) != 0 ? 0 : r->who.person_id;
}

/* The form to correct an overhead time entry. */
static void
oh_time_edit_page(struct ep_req *r, int status, const struct form_errors *e)
{
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT entry_date, minutes, "
	    "activity, note FROM overhead_time WHERE id = ?1 AND (?2 = 0 OR "
	    "person_id = ?2)");
	char date[11], hours[16], activity[16], *note, *action;
	struct evbuffer *b;
	int64_t id = api_id(r);

	if (s != NULL) {
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, oh_time_whose(r));
	}
	if (s == NULL || sqlite3_step(s) != SQLITE_ROW) {
		if (s != NULL)
			sqlite3_reset(s);
		page_message(r, 404, "Page not found", "You have no such overhead "
		    "time.");
		return;
	}
	snprintf(date, sizeof date, "%s", db_text(s, 0));
	units_hours_clock(hours, sizeof hours, sqlite3_column_int64(s, 1));
	snprintf(activity, sizeof activity, "%s", db_text(s, 2));
	note = xstrdup(db_text(s, 3));
	sqlite3_reset(s);
	b = page_begin(r, "Correct overhead time", e);
	html_printf(b, "<h1 class=\"govuk-heading-l\">Correct overhead time"
	    "</h1>\n<p class=\"govuk-body\">The change is audited with the time "
	    "before and after.</p>\n");
	action = xprintf("/overheads/time/%lld", (long long)id);
	form_begin(b, r, action);
	free(action);
	if (e != NULL)
		oh_time_fields(b, e, http_form(r, "date"), http_form(r, "hours"),
		    http_form(r, "activity"), http_form(r, "note"));
	else
		oh_time_fields(b, e, date, hours, activity, note);
	form_end(b, "Save correction");
	html_printf(b, "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\""
	    "/overheads/time\">Back to your overhead time</a></p>\n");
	free(note);
	page_end(r, b, status);
}

static void
oh_time_edit_cb(struct ep_req *r, void *arg)
{
	(void)arg;
	oh_time_edit_page(r, 200, NULL);
}

static void
oh_time_save_cb(struct ep_req *r, void *arg)
{
	struct overhead_time_input in = { 0 };
	struct form_errors e = { 0 };
	struct audit_actor actor;

	(void)arg;
	in.person_id = oh_time_whose(r);
	in.date = http_form(r, "date");
	in.hours = http_form(r, "hours");
	in.activity = http_form(r, "activity");
	in.note = http_form(r, "note");
	audit_actor_of(&actor, &r->who);
	if (overhead_time_edit(http_db(), &actor, api_id(r), &in, &e) != 0) {
		if (e.n == 0)
			page_message(r, 404, "Page not found", "You have no such "
			    "overhead time.");
		else
			oh_time_edit_page(r, 400, &e);
		errs_free(&e);
		return;
	}
	http_redirect(r, "/overheads/time?done=overhead-time-updated");
}

/* --- Running costs --- */

/* The period the costs page lists: ?period=, else this financial year. */
static int
oh_costs_period(struct ep_req *r, struct rep_period *p)
{
	const char *q = http_query(r, "period");
	char label[16];

	if (q == NULL || *q == '\0')
		report_period_current(label, sizeof label);
	else
		snprintf(label, sizeof label, "%s", q);
	return report_period_parse(label, p);
}

/* The costs of the period, month by month with each month's total. */
static void
oh_costs_table(struct evbuffer *b, struct ep_req *r, const struct rep_period *p,
    int keeper)
{
	static const char *const heads[] = { "Month", "Category", "Amount",
		"Note", "Action", NULL };
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT id, month, category, "
	    "pence, note FROM overhead_costs WHERE month BETWEEN ? AND ? "
	    "ORDER BY month, id");
	char month[8] = "", money[32], caption[64];
	int64_t sub = 0, total = 0;

	(void)r;
	snprintf(caption, sizeof caption, "Running costs, %s", p->label);
	html_table_open(b, caption, heads);
	if (s == NULL)
		goto out;
	sqlite3_bind_text(s, 1, p->first, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, p->last, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (*month != '\0' && strcmp(month, db_text(s, 1)) != 0) {
			html_printf(b, "<tr class=\"govuk-table__row\"><th scope=\"row\" "
			    "class=\"govuk-table__header\" colspan=\"2\">Total for %s"
			    "</th><td class=\"govuk-table__cell\"><strong>%P</strong>"
			    "</td><td class=\"govuk-table__cell\"></td><td class=\"govuk-"
			    "table__cell\"></td></tr>\n", month, sub);
			sub = 0;
		}
		snprintf(month, sizeof month, "%s", db_text(s, 1));
		sub += sqlite3_column_int64(s, 3);
		total += sqlite3_column_int64(s, 3);
		units_money_text(money, sizeof money, sqlite3_column_int64(s, 3));
		html_printf(b, "<tr class=\"govuk-table__row\">");
		html_cell(b, month);
		html_cell(b, db_text(s, 2));
		html_cell(b, money);
		html_cell(b, db_text(s, 4));
		if (keeper)
			html_printf(b, "<td class=\"govuk-table__cell\"><a class=\""
			    "govuk-link\" href=\"/overheads/costs/%D\">Correct<span "
			    "class=\"govuk-visually-hidden\"> %s %s</span></a></td>",
			    (int64_t)sqlite3_column_int64(s, 0), month, db_text(s, 2));
		else
			html_cell(b, "");
		html_printf(b, "</tr>\n");
	}
	sqlite3_reset(s);
	if (*month != '\0')
		html_printf(b, "<tr class=\"govuk-table__row\"><th scope=\"row\" "
		    "class=\"govuk-table__header\" colspan=\"2\">Total for %s</th>"
		    "<td class=\"govuk-table__cell\"><strong>%P</strong></td><td "
		    "class=\"govuk-table__cell\"></td><td class=\"govuk-table__cell\">"
		    "</td></tr>\n", month, sub);
out:
	html_printf(b, "<tr class=\"govuk-table__row\"><th scope=\"row\" class=\""
	    "govuk-table__header\" colspan=\"2\">Total for %s</th><td class=\""
	    "govuk-table__cell\" id=\"costs-total\"><strong>%P</strong></td><td "
	    "class=\"govuk-table__cell\"></td><td class=\"govuk-table__cell\">"
	    "</td></tr>\n", p->label, total);
	html_table_close(b);
}

/* The cost form's fields, filled from the form or from a cost. */
static void
oh_cost_fields(struct evbuffer *b, const struct form_errors *e,
    const char *month, const char *category, const char *amount,
    const char *note)
{
	form_input(b, e, "month", "Month", "YYYY-MM, such as 2026-10", "text",
	    month, "govuk-input--width-10");
	form_select_blank(b, e, "category", "Category", NULL, "Choose a "
	    "category", overhead_categories, category);
	form_input(b, e, "amount", "Amount", "In pounds, such as 1250.00",
	    "text", amount, "govuk-input--width-10");
	form_input(b, e, "note", "Note (optional)", NULL, "text", note, NULL);
}

/* The running costs page: a period's costs by month, and the form. */
static void
oh_costs_page(struct ep_req *r, int status, const struct form_errors *e)
{
	struct rep_period p;
	struct evbuffer *b;
	int keeper = overhead_keeps_costs(http_db(), &r->who);

	if (oh_costs_period(r, &p) != 0) {
		page_message(r, 400, "There is a problem", "Enter a period as a "
		    "month (2026-10), a quarter of the financial year (2026-Q3) or "
		    "a financial year (2026/27)");
		return;
	}
	b = page_begin(r, "Running costs", e);
	html_printf(b, "<h1 class=\"govuk-heading-l\">Running costs</h1>\n<p "
	    "class=\"govuk-body\">What the pool costs to run each month: "
	    "accommodation, systems, governance and other costs. With the "
	    "pool's overhead time they make the overheads shared among the "
	    "councils (the overheads report).</p>\n");
	html_printf(b, "<form method=\"get\" action=\"/overheads/costs\" "
	    "novalidate><div class=\"govuk-form-group\"><label class=\"govuk-"
	    "label\" for=\"period\">Period</label><div class=\"govuk-hint\" id="
	    "\"period-hint\">A month (2026-10), a quarter (2026-Q3) or a "
	    "financial year (2026/27)</div><input class=\"govuk-input govuk-"
	    "input--width-10\" id=\"period\" name=\"period\" type=\"text\" value="
	    "\"%s\" aria-describedby=\"period-hint\"></div><button type=\"submit\" "
	    "class=\"govuk-button govuk-button--secondary\" data-module=\"govuk-"
	    "button\">Show</button></form>\n", p.label);
	oh_costs_table(b, r, &p, keeper);
	if (keeper) {
		html_printf(b, "<h2 class=\"govuk-heading-m\">Record a running "
		    "cost</h2>\n");
		form_begin(b, r, "/overheads/costs");
		oh_cost_fields(b, e, http_form(r, "month"), http_form(r,
		    "category"), http_form(r, "amount"), http_form(r, "note"));
		form_end(b, "Record cost");
	}
	page_end(r, b, status);
}

static void
oh_costs_cb(struct ep_req *r, void *arg)
{
	(void)arg;
	oh_costs_page(r, 200, NULL);
}

/* Only the host's finance officers and administrators keep the costs. */
static int
oh_refuse_non_keeper(struct ep_req *r)
{
	if (overhead_keeps_costs(http_db(), &r->who))
		return 0;
	page_message(r, 403, "You cannot change running costs", "Running "
	    "costs are kept by the host council's finance officers and by "
	    "administrators.");
	return 1;
}

static void
oh_cost_add_cb(struct ep_req *r, void *arg)
{
	struct overhead_cost_input in = { 0 };
	struct form_errors e = { 0 };
	struct audit_actor actor;
	int64_t id;
	char *loc;

	(void)arg;
	if (oh_refuse_non_keeper(r))
		return;
	in.month = http_form(r, "month");
	in.category = http_form(r, "category");
	in.amount = http_form(r, "amount");
	in.note = http_form(r, "note");
	audit_actor_of(&actor, &r->who);
	if (overhead_cost_add(http_db(), &actor, &in, &e, &id) != 0) {
		oh_costs_page(r, 400, &e);
		errs_free(&e);
		return;
	}
	loc = xprintf("/overheads/costs?period=%s&done=overhead-cost", in.month);
	http_redirect(r, loc);
	free(loc);
}

/* The form to correct one running cost, filled from the store. */
static void
oh_cost_edit_page(struct ep_req *r, int status, const struct form_errors *e)
{
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT month, category, pence, "
	    "note FROM overhead_costs WHERE id = ?");
	char month[8], category[16], amount[32], *note, *action;
	struct evbuffer *b;
	int64_t id = api_id(r);

	if (s == NULL || (sqlite3_bind_int64(s, 1, id), sqlite3_step(s)) !=
	    SQLITE_ROW) {
		if (s != NULL)
			sqlite3_reset(s);
		page_message(r, 404, "Page not found", "There is no such running "
		    "cost.");
		return;
	}
	snprintf(month, sizeof month, "%s", db_text(s, 0));
	snprintf(category, sizeof category, "%s", db_text(s, 1));
	units_money_plain(amount, sizeof amount, sqlite3_column_int64(s, 2));
	note = xstrdup(db_text(s, 3));
	sqlite3_reset(s);
	b = page_begin(r, "Correct a running cost", e);
	html_printf(b, "<h1 class=\"govuk-heading-l\">Correct a running cost"
	    "</h1>\n<p class=\"govuk-body\">The change is audited with the cost "
	    "before and after.</p>\n");
	action = xprintf("/overheads/costs/%lld", (long long)id);
	form_begin(b, r, action);
	free(action);
	if (e != NULL)
		oh_cost_fields(b, e, http_form(r, "month"), http_form(r,
		    "category"), http_form(r, "amount"), http_form(r, "note"));
	else
		oh_cost_fields(b, e, month, category, amount, note);
	form_end(b, "Save correction");
	html_printf(b, "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\""
	    "/overheads/costs?period=%s\">Back to running costs</a></p>\n", month);
	free(note);
	page_end(r, b, status);
}

static void
oh_cost_edit_cb(struct ep_req *r, void *arg)
{
	(void)arg;
	if (oh_refuse_non_keeper(r))
		return;
	oh_cost_edit_page(r, 200, NULL);
}

static void
oh_cost_save_cb(struct ep_req *r, void *arg)
{
	struct overhead_cost_input in = { 0 };
	struct form_errors e = { 0 };
	struct audit_actor actor;
	char *loc;

	(void)arg;
	if (oh_refuse_non_keeper(r))
		return;
	in.month = http_form(r, "month");
	in.category = http_form(r, "category");
	in.amount = http_form(r, "amount");
	in.note = http_form(r, "note");
	audit_actor_of(&actor, &r->who);
	if (overhead_cost_edit(http_db(), &actor, api_id(r), &in, &e) != 0) {
		if (e.n == 0)
			page_message(r, 404, "Page not found", "There is no such "
			    "running cost.");
		else
			oh_cost_edit_page(r, 400, &e);
		errs_free(&e);
		return;
	}
	loc = xprintf("/overheads/costs?period=%s&done=overhead-cost-updated",
	    in.month);
	http_redirect(r, loc);
	free(loc);
}

/* --- Settings --- */

/* The apportionment rule and the consortium's rate (administrators). */
static void
oh_settings_page(struct ep_req *r, int status, const struct form_errors *e)
{
	static const char *const heads[] = { "From", "Rule", NULL };
	sqlite3_stmt *s;
	struct evbuffer *b;
	char rate[32];
	const char *typed = http_form(r, "rate");

	units_money_plain(rate, sizeof rate, overhead_default_rate(http_db()));
	b = page_begin(r, "Overhead settings", e);
	html_printf(b, "<h1 class=\"govuk-heading-l\">Overhead settings</h1>\n"
	    "<p class=\"govuk-body\">How each month's overheads are shared among "
	    "the councils that used pooled time that month, and the rate that "
	    "costs overhead time of people without an internal cost rate of "
	    "their own. Before the first rule set, overheads are shared by hours "
	    "consumed.</p>\n");
	html_table_open(b, "Rules in force", heads);
	s = db_stmt(http_db(), "SELECT from_month, rule FROM overhead_rules "
	    "ORDER BY from_month");
	while (s != NULL && sqlite3_step(s) == SQLITE_ROW) {
		html_printf(b, "<tr class=\"govuk-table__row\">");
		html_cell(b, db_text(s, 0));
		html_cell(b, db_text(s, 1));
		html_printf(b, "</tr>\n");
	}
	if (s != NULL)
		sqlite3_reset(s);
	html_table_close(b);
	html_printf(b, "<h2 class=\"govuk-heading-m\">Change the rule</h2>\n");
	form_begin(b, r, "/overheads/settings/rule");
	form_select_blank(b, e, "rule", "Share overheads", NULL, "Choose a rule",
	    overhead_rules, http_form(r, "rule"));
	form_input(b, e, "from", "From month", "YYYY-MM, such as 2026-04",
	    "text", http_form(r, "from"), "govuk-input--width-10");
	form_end(b, "Save rule");
	html_printf(b, "<h2 class=\"govuk-heading-m\">Rate for overhead time"
	    "</h2>\n");
	form_begin(b, r, "/overheads/settings/rate");
	form_input(b, e, "rate", "Pounds an hour", "For people without an "
	    "internal cost rate of their own, such as 45.00", "text",
	    typed != NULL ? typed : rate, "govuk-input--width-10");
	form_end(b, "Save rate");
	page_end(r, b, status);
}

static void
oh_settings_cb(struct ep_req *r, void *arg)
{
	(void)arg;
	oh_settings_page(r, 200, NULL);
}

static void
oh_rule_cb(struct ep_req *r, void *arg)
{
	struct form_errors e = { 0 };
	struct audit_actor actor;

	(void)arg;
	audit_actor_of(&actor, &r->who);
	if (overhead_rule_set(http_db(), &actor, http_form(r, "rule"),
	    http_form(r, "from"), &e) != 0) {
		oh_settings_page(r, 400, &e);
		errs_free(&e);
		return;
	}
	http_redirect(r, "/overheads/settings?done=overhead-settings");
}

static void
oh_rate_cb(struct ep_req *r, void *arg)
{
	struct form_errors e = { 0 };
	struct audit_actor actor;

	(void)arg;
	audit_actor_of(&actor, &r->who);
	if (overhead_rate_set(http_db(), &actor, 0, http_form(r, "rate"),
	    &e) != 0) {
		oh_settings_page(r, 400, &e);
		errs_free(&e);
		return;
	}
	http_redirect(r, "/overheads/settings?done=overhead-settings");
}

/* --- JSON --- */

/* GET /api/v1/overheads/costs?period=P: the period's running costs. */
static void
oh_api_costs_cb(struct ep_req *r, void *arg)
{
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT id, month, category, "
	    "pence, note FROM overhead_costs WHERE month BETWEEN ? AND ? ORDER "
	    "BY month, id");
	json_t *list = json_array();
	struct rep_period p;
	int64_t total = 0;

	(void)arg;
	if (oh_costs_period(r, &p) != 0 || s == NULL) {
		json_decref(list);
		http_json_error(r, 400, "invalid", "period", "Enter a period as a "
		    "month (2026-10), a quarter (2026-Q3) or a financial year "
		    "(2026/27)");
		return;
	}
	sqlite3_bind_text(s, 1, p.first, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, p.last, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW) {
		total += sqlite3_column_int64(s, 3);
		json_array_append_new(list, json_pack("{s:I,s:s,s:s,s:I,s:s}",
		    "id", (json_int_t)sqlite3_column_int64(s, 0), "month",
		    db_text(s, 1), "category", db_text(s, 2), "pence",
		    (json_int_t)sqlite3_column_int64(s, 3), "note", db_text(s, 4)));
	}
	sqlite3_reset(s);
	api_reply(r, 200, json_pack("{s:s,s:o,s:I}", "period", p.label, "costs",
	    list, "total_pence", (json_int_t)total));
}

/* POST /api/v1/overheads/costs: {month, category, amount, note}. */
static void
oh_api_cost_add_cb(struct ep_req *r, void *arg)
{
	struct overhead_cost_input in = { 0 };
	struct form_errors e = { 0 };
	struct audit_actor actor;
	json_t *body;
	int64_t id;

	(void)arg;
	if (!overhead_keeps_costs(http_db(), &r->who)) {
		http_json_error(r, 403, "forbidden", NULL, "running costs are kept "
		    "by the host council's finance officers and administrators");
		return;
	}
	if ((body = api_object(r)) == NULL)
		return;
	in.month = api_text(body, "month", &e);
	in.category = api_text(body, "category", &e);
	in.amount = api_text(body, "amount", &e);
	in.note = api_text(body, "note", &e);
	audit_actor_of(&actor, &r->who);
	if (e.n > 0 || overhead_cost_add(http_db(), &actor, &in, &e, &id) != 0)
		api_invalid(r, &e);
	else
		api_reply(r, 201, json_pack("{s:I}", "id", (json_int_t)id));
	errs_free(&e);
	json_decref(body);
}

/* GET /api/v1/overheads/apportionment?period=P: every council's share. */
static void
oh_api_apportion_cb(struct ep_req *r, void *arg)
{
	struct rep_period p;
	struct oh_month m;
	json_t *months = json_array(), *shares;
	char month[8];
	size_t i;

	(void)arg;
	if (oh_costs_period(r, &p) != 0) {
		json_decref(months);
		http_json_error(r, 400, "invalid", "period", "Enter a period as a "
		    "month (2026-10), a quarter (2026-Q3) or a financial year "
		    "(2026/27)");
		return;
	}
	snprintf(month, sizeof month, "%s", p.first);
	for (; strcmp(month, p.last) <= 0; overhead_month_next(month)) {
		if (overhead_month(http_db(), month, &m) != 0) {
			json_decref(months);
			http_json_error(r, 500, "store", NULL, "the store failed");
			return;
		}
		shares = json_array();
		for (i = 0; i < m.n; i++)
			json_array_append_new(shares, json_pack("{s:I,s:I,s:I}",
			    "organisation_id", (json_int_t)m.shares[i].org_id, "basis",
			    (json_int_t)m.shares[i].basis, "share_pence",
			    (json_int_t)m.shares[i].pence));
		json_array_append_new(months, json_pack("{s:s,s:s,s:b,s:I,s:I,s:I,"
		    "s:I,s:I,s:I,s:o}", "month", m.month, "rule", m.rule,
		    "equal_fallback", m.equal_fallback, "costs_pence",
		    (json_int_t)m.costs_pence, "time_minutes",
		    (json_int_t)m.time_minutes, "time_pence",
		    (json_int_t)m.time_pence, "recorded_pence",
		    (json_int_t)m.recorded_pence, "apportioned_pence",
		    (json_int_t)m.apportioned_pence, "unapportioned_pence",
		    (json_int_t)m.unapportioned_pence, "shares", shares));
		overhead_month_free(&m);
	}
	api_reply(r, 200, json_pack("{s:s,s:o}", "period", p.label, "months",
	    months));
}

/* The overhead pages' routes, and their links on the home page. */
void
overhead_routes_register(void)
{
	nav_add(NULL, OH_LOGGERS, "/overheads/time", "Overhead time", "log the "
	    "time you spend running the pool");
	nav_add(NULL, OH_READERS, "/overheads/costs", "Running costs", "the "
	    "pool's monthly costs, shared among the councils");
	nav_add(NULL, EP_ROLE_ADMIN, "/overheads/settings", "Overhead settings",
	    "how overheads are shared, and the rate for overhead time");
	route_add(NULL, "GET", "/overheads/time", OH_LOGGERS, oh_time_cb, NULL);
	route_add(NULL, "POST", "/overheads/time", OH_LOGGERS, oh_time_log_cb,
	    NULL);
	route_add_owned(NULL, "GET", "/overheads/time/{id}", OH_LOGGERS,
	    OH_TIME_OWNER, oh_time_edit_cb, NULL);
	route_add_owned(NULL, "POST", "/overheads/time/{id}", OH_LOGGERS,
	    OH_TIME_OWNER, oh_time_save_cb, NULL);
	route_add(NULL, "GET", "/overheads/costs", OH_READERS, oh_costs_cb,
	    NULL);
	route_add(NULL, "POST", "/overheads/costs", EP_ROLE_FINANCE |
	    EP_ROLE_ADMIN, oh_cost_add_cb, NULL);
	route_add(NULL, "GET", "/overheads/costs/{id}", EP_ROLE_FINANCE |
	    EP_ROLE_ADMIN, oh_cost_edit_cb, NULL);
	route_add(NULL, "POST", "/overheads/costs/{id}", EP_ROLE_FINANCE |
	    EP_ROLE_ADMIN, oh_cost_save_cb, NULL);
	route_add(NULL, "GET", "/overheads/settings", EP_ROLE_ADMIN,
	    oh_settings_cb, NULL);
	route_add(NULL, "POST", "/overheads/settings/rule", EP_ROLE_ADMIN,
	    oh_rule_cb, NULL);
	route_add(NULL, "POST", "/overheads/settings/rate", EP_ROLE_ADMIN,
	    oh_rate_cb, NULL);
	route_add(NULL, "GET", "/api/v1/overheads/costs", OH_READERS,
	    oh_api_costs_cb, NULL);
	route_add(NULL, "POST", "/api/v1/overheads/costs", EP_ROLE_FINANCE |
	    EP_ROLE_ADMIN, oh_api_cost_add_cb, NULL);
	route_add(NULL, "GET", "/api/v1/overheads/apportionment",
	    EP_ROLE_POOL_MANAGER | EP_ROLE_ADMIN, oh_api_apportion_cb, NULL);
}
