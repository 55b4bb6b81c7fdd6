/* expense-pages.c: an engagement's expenses on the web, in CSV and JSON. */
#include "timesheet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whose routes: the engagement's two councils; its consumer; its provider. */
#define TS_ENG_PARTIES "SELECT consumer_id FROM engagements WHERE id = ?1 " \
	"UNION SELECT provider_id FROM engagements WHERE id = ?1"
#define TS_ENG_PROVIDER "SELECT provider_id FROM engagements WHERE id = ?1"
#define TS_EXPENSE_CONSUMER "SELECT e.consumer_id FROM expenses x JOIN " \
	"engagements e ON e.id = x.engagement_id WHERE x.id = ?1"
#define TS_EXPENSE_PROVIDER "SELECT e.provider_id FROM expenses x JOIN " \
	"engagements e ON e.id = x.engagement_id WHERE x.id = ?1"

/* What the page says after an action, by the word its address carries. */
static const char *const ts_expense_notices[][2] = {
	{ "saved", "Expense saved as a draft" },
	{ "submitted", "Expenses submitted for approval" },
	{ "approve", "Expense approved" },
	{ "query", "Expense queried: the expert has been asked" },
	{ "reject", "Expense rejected: it will not be billed" },
	{ "deleted", "Expense deleted" },
	{ NULL, NULL },
};

/* A row's drawing context. */
struct ts_rows {
	const struct ep_host *h;
	ep_page *b;
	ep_req *r;
	const ep_errors *e;
	int approver, expert;
	int64_t person, total;
};

static int64_t
ts_expense_param(ep_req *r)
{
	const char *p = ts_host->req_param(r, "id");
	char *end;
	long long v = p ? strtoll(p, &end, 10) : 0;

	return p && *end == '\0' && v > 0 ? (int64_t)v : 0;
}

static const char *
ts_vat_words(char vat)
{
	return vat == 'O' ? "Outside the scope" : "Standard rate (20%)";
}

/* One approver's decision form for a submitted expense. */
static void
ts_expense_decide_form(const struct ts_rows *w, const struct ts_expense *x)
{
	const struct ep_host *h = w->h;
	char action[64], field[32], described[64];
	const char *msg;

	snprintf(action, sizeof action, "/expenses/%lld/decide",
	    (long long)x->id);
	snprintf(field, sizeof field, "comment-%lld", (long long)x->id);
	msg = w->e != NULL ? h->errors_get(w->e, field) : NULL;
	described[0] = '\0';
	if (msg != NULL)
		snprintf(described, sizeof described, " aria-describedby=\"%s-"
		    "error\"", field);
	h->form_begin(w->b, w->r, action);
	h->html(w->b, "<div class=\"govuk-form-group%R\"><label class=\"govuk-"
	    "label\" for=\"%s\">Comment on %s (needed to query or reject)"
	    "</label>", msg ? " govuk-form-group--error" : "", field,
	    x->description);
	if (msg != NULL)
		h->html(w->b, "<p id=\"%s-error\" class=\"govuk-error-message\">"
		    "<span class=\"govuk-visually-hidden\">Error:</span> %s</p>",
		    field, msg);
	h->html(w->b, "<textarea class=\"govuk-textarea%R\" id=\"%s\" name=\""
	    "comment\" rows=\"2\"%R></textarea></div>\n<div class=\"govuk-"
	    "button-group\"><button type=\"submit\" class=\"govuk-button\" "
	    "name=\"action\" value=\"approve\">Approve<span class=\"govuk-"
	    "visually-hidden\"> %s</span></button><button type=\"submit\" "
	    "class=\"govuk-button govuk-button--secondary\" name=\"action\" "
	    "value=\"query\">Query<span class=\"govuk-visually-hidden\"> %s"
	    "</span></button><button type=\"submit\" class=\"govuk-button "
	    "govuk-button--warning\" name=\"action\" value=\"reject\">Reject"
	    "<span class=\"govuk-visually-hidden\"> %s</span></button></div>"
	    "</form>\n", msg ? " govuk-textarea--error" : "", field, described,
	    x->description, x->description, x->description);
}

/* One expense as a table row, with what the reader may do to it. */
static void
ts_expense_row(const struct ts_expense *x, void *arg)
{
	struct ts_rows *w = arg;
	const struct ep_host *h = w->h;
	char day[40], action[64];

	h->date_words(day, sizeof day, x->date);
	w->total += strcmp(x->state, "rejected") != 0 ? x->amount : 0;
	h->html(w->b, "<tr class=\"govuk-table__row\" id=\"expense-%D\"><td "
	    "class=\"govuk-table__cell\">%s</td><td class=\"govuk-table__cell\">"
	    "%s", x->id, day, x->description);
	if (x->note[0] != '\0')
		h->html(w->b, "<br><span class=\"govuk-hint\">%s</span>", x->note);
	if (x->query[0] != '\0')
		h->html(w->b, "<br><strong>Approver's comment:</strong> %s",
		    x->query);
	h->html(w->b, "</td><td class=\"govuk-table__cell\">%s</td><td class="
	    "\"govuk-table__cell govuk-table__cell--numeric\">%P</td><td class="
	    "\"govuk-table__cell\"><strong class=\"govuk-tag\">%s</strong></td>"
	    "<td class=\"govuk-table__cell\">", ts_vat_words(x->vat), x->amount,
	    x->state);
	if (w->approver && strcmp(x->state, "submitted") == 0 &&
	    x->created_by != w->person)
		ts_expense_decide_form(w, x);
	else if (w->expert && (strcmp(x->state, "draft") == 0 ||
	    strcmp(x->state, "queried") == 0)) {
		snprintf(action, sizeof action, "/expenses/%lld/delete",
		    (long long)x->id);
		h->form_begin(w->b, w->r, action);
		h->html(w->b, "<button type=\"submit\" class=\"govuk-button govuk-"
		    "button--secondary\">Delete<span class=\"govuk-visually-hidden"
		    "\"> %s</span></button></form>", x->description);
	}
	h->html(w->b, "</td></tr>\n");
}

/* The expert's form for a new expense, kept as typed on an error. */
static void
ts_expense_form(ep_req *r, ep_page *b, const ep_errors *e,
    const struct ts_engagement *g)
{
	const struct ep_host *h = ts_host;
	char action[64], rate_text[32], err[200], ruleset[65], today[11];
	char vat = 'S';
	int64_t rate = -1;
	const char *kind = h->req_form(r, "kind");

	h->today(today);
	if (ts_expense_agreement(h->req_db(r), g, strcmp(today, g->ends) > 0 ?
	    g->ends : today, ruleset, sizeof ruleset, &vat) != 0)
		snprintf(ruleset, sizeof ruleset, "%s", g->ruleset);

	snprintf(action, sizeof action, "/engagements/%lld/expenses",
	    (long long)g->id);
	h->html(b, "<h2 class=\"govuk-heading-m\">Add an expense</h2>\n");
	if (EP_HOST_HAS(h, fee_expense) && h->fee_expense(NULL, ruleset,
	    g->consumer, "mileage", vat, &rate, &vat, err, sizeof err) == 0 &&
	    rate >= 0) {
		h->pence_text(rate_text, sizeof rate_text, rate);
		h->html(b, "<p class=\"govuk-body\" id=\"mileage-rate\">Mileage is "
		    "paid at %s a mile under the %s fee rules. Other expenses are "
		    "paid at cost and need a receipt reference. VAT: %s.</p>\n",
		    rate_text, ruleset, ts_vat_words(vat));
	}
	h->form_begin(b, r, action);
	h->form_input(b, e, "date", "Date", "Within the engagement, from "
	    "the start to the end date. For example, 2026-11-02", "text",
	    h->req_form(r, "date"), "govuk-input--width-10");
	h->form_select(b, e, "kind", "Kind of expense", NULL, ts_expense_kinds,
	    kind ? kind : "mileage");
	h->form_input(b, e, "miles", "Miles (mileage only)", "A whole or "
	    "decimal number, like 42 or 42.5", "text", h->req_form(r, "miles"),
	    "govuk-input--width-5");
	h->form_input(b, e, "amount", "Amount in pounds (other expenses)",
	    "What the receipt says, like 38.40", "text",
	    h->req_form(r, "amount"), "govuk-input--width-10");
	h->form_input(b, e, "receipt", "Receipt reference", "Needed for "
	    "everything but mileage, like R123", "text",
	    h->req_form(r, "receipt"), "govuk-input--width-20");
	h->form_textarea(b, e, "note", "Note (optional)", NULL,
	    h->req_form(r, "note"));
	h->form_end(b, "Save expense");
}

/* The engagement's expenses: the table, and the forms the reader may use. */
static void
ts_expense_page_of(ep_req *r, int status, int64_t engagement,
    const ep_errors *e)
{
	const struct ep_host *h = ts_host;
	ep_db *db = h->req_db(r);
	struct ts_engagement g;
	struct ts_rows w;
	const char *done = h->req_query(r, "done");
	char action[80];
	ep_page *b;
	size_t i;

	if (ts_engagement_load(db, engagement, &g) != 0) {
		h->page_message(r, 404, "Page not found", "There is no such "
		    "engagement.");
		return;
	}
	memset(&w, 0, sizeof w);
	w.h = h;
	w.r = r;
	w.e = e;
	w.person = h->req_person(r);
	w.expert = w.person == g.expert_person;
	w.approver = (h->req_roles(r) & TS_ROLES_APPROVE) != 0 &&
	    (h->req_org(r) == g.consumer_id ||
	    (h->req_roles(r) & EP_ROLE_ADMIN) != 0);
	b = w.b = h->page_begin(r, "Expenses", e);
	for (i = 0; done != NULL && ts_expense_notices[i][0] != NULL; i++)
		if (strcmp(done, ts_expense_notices[i][0]) == 0)
			ts_notice(b, ts_expense_notices[i][1]);
	h->html(b, "<span class=\"govuk-caption-l\">%s</span>\n<h1 class=\""
	    "govuk-heading-l\">Expenses</h1>\n<p class=\"govuk-body\">From %s "
	    "to %s, for %s. <a class=\"govuk-link\" href=\"/engagements/%D/"
	    "expenses/csv\">Download as CSV</a></p>\n", g.title, g.starts,
	    g.ends, g.consumer, g.id);
	h->html(b, "<div class=\"ep-table-scroll\" role=\"region\" aria-label="
	    "\"Expenses claimed\" tabindex=\"0\"><table class=\"govuk-table\" "
	    "id=\"expenses\"><caption class=\"govuk-table__"
	    "caption govuk-table__caption--m\">Expenses claimed</caption><thead "
	    "class=\"govuk-table__head\"><tr class=\"govuk-table__row\"><th "
	    "scope=\"col\" class=\"govuk-table__header\">Date</th><th scope=\""
	    "col\" class=\"govuk-table__header\">Expense</th><th scope=\"col\" "
	    "class=\"govuk-table__header\">VAT</th><th scope=\"col\" class=\""
	    "govuk-table__header govuk-table__header--numeric\">Amount</th><th "
	    "scope=\"col\" class=\"govuk-table__header\">Status</th><th scope="
	    "\"col\" class=\"govuk-table__header\"><span class=\"govuk-visually-"
	    "hidden\">Actions</span></th></tr></thead><tbody class=\"govuk-"
	    "table__body\">\n");
	ts_expense_each(db, g.id, ts_expense_row, &w);
	h->html(b, "</tbody></table></div>\n<p class=\"govuk-body\" id=\"expense-"
	    "total\">Claimed, not counting rejected: %P</p>\n", w.total);
	if (w.expert) {
		snprintf(action, sizeof action, "/engagements/%lld/expenses/submit",
		    (long long)g.id);
		h->form_begin(b, r, action);
		h->form_end(b, "Submit expenses for approval");
		ts_expense_form(r, b, e, &g);
	}
	h->page_end(r, b, status);
}

/* The page of the engagement the route's {id} names. */
static void
ts_expense_page(ep_req *r, int status, const ep_errors *e)
{
	ts_expense_page_of(r, status, ts_expense_param(r), e);
}

static void
ts_expense_get_cb(ep_req *r, void *arg)
{
	(void)arg;
	ts_expense_page(r, 200, NULL);
}

/* Redirects to the engagement's expenses with a notice word. */
static void
ts_expense_back(ep_req *r, int64_t engagement, const char *done)
{
	char loc[96];

	snprintf(loc, sizeof loc, "/engagements/%lld/expenses?done=%s",
	    (long long)engagement, done);
	ts_host->redirect(r, loc);
}

static void
ts_expense_fields(ep_req *r, struct ts_expense_in *in)
{
	const struct ep_host *h = ts_host;

	in->date = h->req_form(r, "date");
	in->kind = h->req_form(r, "kind");
	in->miles = h->req_form(r, "miles");
	in->amount = h->req_form(r, "amount");
	in->receipt = h->req_form(r, "receipt");
	in->note = h->req_form(r, "note");
}

static void
ts_expense_add_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = ts_host;
	ep_db *db = h->req_db(r);
	ep_errors *e = h->errors_new();
	struct ts_expense_in in;
	struct ts_actor a;
	int64_t id = 0;

	(void)arg;
	ts_actor_of(r, &a);
	ts_expense_fields(r, &in);
	if (h->db_begin(db) != 0 || ts_expense_save(db, &a, ts_expense_param(r),
	    0, &in, e, &id) != 0 || h->db_commit(db) != 0) {
		h->db_rollback(db);
		if (h->errors_count(e) == 0)
			h->errors_add(e, "kind", "The expense could not be saved");
		ts_expense_page(r, 400, e);
		h->errors_free(e);
		return;
	}
	h->errors_free(e);
	ts_expense_back(r, ts_expense_param(r), "saved");
}

/* Shows a one-field error on the engagement's page. */
static void
ts_expense_refuse(ep_req *r, int64_t engagement, const char *field,
    const char *err)
{
	const struct ep_host *h = ts_host;
	ep_errors *e = h->errors_new();

	h->errors_add(e, field, err);
	ts_expense_page_of(r, 400, engagement, e);
	h->errors_free(e);
}

static void
ts_expense_submit_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = ts_host;
	ep_db *db = h->req_db(r);
	struct ts_actor a;
	char err[160];
	int n;

	(void)arg;
	ts_actor_of(r, &a);
	if (h->db_begin(db) != 0 || ts_expense_submit(db, &a,
	    ts_expense_param(r), &n, err, sizeof err) != 0 ||
	    h->db_commit(db) != 0) {
		h->db_rollback(db);
		ts_expense_refuse(r, ts_expense_param(r), "kind", err);
		return;
	}
	ts_expense_back(r, ts_expense_param(r), "submitted");
}

static void
ts_expense_decide_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = ts_host;
	ep_db *db = h->req_db(r);
	const char *action = h->req_form(r, "action"), *field;
	struct ts_expense x;
	struct ts_actor a;
	char err[160], name[40];
	ep_errors *e;

	(void)arg;
	ts_actor_of(r, &a);
	if (ts_expense_get(db, ts_expense_param(r), &x) != 0) {
		h->page_message(r, 404, "Page not found", "There is no such "
		    "expense.");
		return;
	}
	if (h->db_begin(db) != 0 || ts_expense_decide(db, &a, x.id, action,
	    h->req_form(r, "comment"), &field, err, sizeof err) != 0 ||
	    h->db_commit(db) != 0) {
		h->db_rollback(db);
		e = h->errors_new();
		snprintf(name, sizeof name, "comment-%lld", (long long)x.id);
		h->errors_add(e, name, err);
		ts_expense_page_of(r, 400, x.engagement, e);
		h->errors_free(e);
		return;
	}
	ts_expense_back(r, x.engagement, action);
}

static void
ts_expense_delete_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = ts_host;
	ep_db *db = h->req_db(r);
	struct ts_expense x;
	struct ts_actor a;

	(void)arg;
	ts_actor_of(r, &a);
	if (ts_expense_get(db, ts_expense_param(r), &x) != 0 ||
	    h->db_begin(db) != 0) {
		h->page_message(r, 404, "Page not found", "There is no such "
		    "expense.");
		return;
	}
	if (ts_expense_delete(db, &a, x.id) != 0 || h->db_commit(db) != 0) {
		h->db_rollback(db);
		h->page_message(r, 409, "The expense was not deleted", "Only your "
		    "own draft or queried expenses can be deleted.");
		return;
	}
	ts_expense_back(r, x.engagement, "deleted");
}

/* Appends one CSV field, quoted when it needs to be. */
static void
ts_csv_field(char **buf, size_t *len, size_t *cap, const char *s, int last)
{
	size_t need = strlen(s) * 2 + 4;

	if (*len + need >= *cap) {
		*cap = (*len + need) * 2;
		if ((*buf = realloc(*buf, *cap)) == NULL)
			abort();
	}
	(*buf)[(*len)++] = '"';
	for (; *s != '\0'; s++) {
		if (*s == '"')
			(*buf)[(*len)++] = '"';
		(*buf)[(*len)++] = *s;
	}
	(*buf)[(*len)++] = '"';
	(*buf)[(*len)++] = last ? '\n' : ',';
	(*buf)[*len] = '\0';
}

struct ts_csv_out {
	char *buf;
	size_t len, cap;
};

static void
ts_expense_csv_row(const struct ts_expense *x, void *arg)
{
	struct ts_csv_out *o = arg;
	char miles[24] = "", rate[24] = "", amount[24], id[24], vat[2];

	snprintf(id, sizeof id, "%lld", (long long)x->id);
	if (x->miles_tenths > 0) {
		ts_expense_miles_text(miles, sizeof miles, x->miles_tenths);
		ts_host->money_plain(rate, sizeof rate, x->rate);
	}
	ts_host->money_plain(amount, sizeof amount, x->amount);
	vat[0] = x->vat;
	vat[1] = '\0';
	ts_csv_field(&o->buf, &o->len, &o->cap, id, 0);
	ts_csv_field(&o->buf, &o->len, &o->cap, x->date, 0);
	ts_csv_field(&o->buf, &o->len, &o->cap, x->kind, 0);
	ts_csv_field(&o->buf, &o->len, &o->cap, miles, 0);
	ts_csv_field(&o->buf, &o->len, &o->cap, rate, 0);
	ts_csv_field(&o->buf, &o->len, &o->cap, amount, 0);
	ts_csv_field(&o->buf, &o->len, &o->cap, x->receipt, 0);
	ts_csv_field(&o->buf, &o->len, &o->cap, vat, 0);
	ts_csv_field(&o->buf, &o->len, &o->cap, x->state, 0);
	ts_csv_field(&o->buf, &o->len, &o->cap, x->description, 1);
}

/* The engagement's expenses as CSV, one row each. */
static void
ts_expense_csv_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = ts_host;
	struct ts_csv_out o = { NULL, 0, 0 };
	const char *head = "id,date,kind,miles,rate_pounds,amount_pounds,"
	    "receipt,vat,state,description\n";
	char disp[96];

	(void)arg;
	o.cap = 4096;
	if ((o.buf = malloc(o.cap)) == NULL)
		abort();
	o.len = strlen(head);
	memcpy(o.buf, head, o.len + 1);
	if (ts_expense_each(h->req_db(r), ts_expense_param(r),
	    ts_expense_csv_row, &o) != 0) {
		free(o.buf);
		h->page_message(r, 500, "Sorry, there is a problem", "The expenses "
		    "could not be read.");
		return;
	}
	snprintf(disp, sizeof disp, "attachment; filename=\"engagement-%lld-"
	    "expenses.csv\"", (long long)ts_expense_param(r));
	h->reply_header(r, "Content-Disposition", disp);
	h->reply(r, 200, "text/csv; charset=utf-8", o.buf, o.len);
	free(o.buf);
}

/* A list of links to engagements' expense pages, under a heading. */
static void
ts_expense_list(ep_req *r, ep_page *b, const char *sql, int64_t who,
    const char *heading, const char *id, const char *none)
{
	const struct ep_host *h = ts_host;
	ep_stmt *s = h->db_prepare(h->req_db(r), sql);
	int n = 0;

	if (s == NULL)
		return;
	h->stmt_bind_int64(s, 1, who);
	h->html(b, "<h2 class=\"govuk-heading-m\">%s</h2>\n<ul class=\"govuk-"
	    "list\" id=\"%s\">\n", heading, id);
	while (h->stmt_step(s) == EP_STEP_ROW) {
		n++;
		h->html(b, "<li><a class=\"govuk-link\" href=\"/engagements/%D/"
		    "expenses\">%s</a> (%s)</li>\n", h->stmt_int64(s, 0),
		    h->stmt_text(s, 1), h->stmt_text(s, 2));
	}
	h->stmt_reset(s);
	h->html(b, "</ul>\n");
	if (n == 0)
		h->html(b, "<p class=\"govuk-body\">%s</p>\n", none);
}

/* On the timesheet: where the expert claims expenses, engagement by
 * engagement. */
void
ts_expense_links(ep_req *r, ep_page *b)
{
	ts_expense_list(r, b, "SELECT e.id, q.title, c.name FROM engagements e "
	    "JOIN experts x ON x.id = e.expert_id JOIN requests q ON q.id = "
	    "e.request_id JOIN organisations c ON c.id = e.consumer_id WHERE "
	    "x.person_id = ?1 AND e.state = 'active' ORDER BY e.id LIMIT 50",
	    ts_host->req_person(r), "Expenses", "expense-links",
	    "You have no active engagements to claim expenses on.");
}

/* On the approvals page: engagements with expenses waiting for the
 * approver's council. */
void
ts_expense_waiting(ep_req *r, ep_page *b)
{
	ts_expense_list(r, b, "SELECT e.id, q.title, count(*) || CASE count(*) "
	    "WHEN 1 THEN ' expense' ELSE ' expenses' END FROM expenses x JOIN "
	    "engagements e ON e.id = x.engagement_id JOIN requests q ON q.id = "
	    "e.request_id WHERE x.state = 'submitted' AND e.consumer_id = ?1 "
	    "GROUP BY e.id ORDER BY e.id LIMIT 50", ts_host->req_org(r),
	    "Expenses to approve", "expenses-waiting",
	    "No expenses are waiting for approval.");
}

void
ts_expense_routes(void)
{
	const struct ep_host *h = ts_host;

	h->route_add_owned(ts_self, "GET", "/engagements/{id}/expenses",
	    EP_ROLE_ANY, TS_ENG_PARTIES, ts_expense_get_cb, NULL);
	h->route_add_owned(ts_self, "GET", "/engagements/{id}/expenses/csv",
	    EP_ROLE_ANY, TS_ENG_PARTIES, ts_expense_csv_cb, NULL);
	h->route_add_owned(ts_self, "POST", "/engagements/{id}/expenses",
	    EP_ROLE_EXPERT, TS_ENG_PROVIDER, ts_expense_add_cb, NULL);
	h->route_add_owned(ts_self, "POST",
	    "/engagements/{id}/expenses/submit", EP_ROLE_EXPERT,
	    TS_ENG_PROVIDER, ts_expense_submit_cb, NULL);
	h->route_add_owned(ts_self, "POST", "/expenses/{id}/decide",
	    TS_ROLES_APPROVE, TS_EXPENSE_CONSUMER, ts_expense_decide_cb, NULL);
	h->route_add_owned(ts_self, "POST", "/expenses/{id}/delete",
	    EP_ROLE_EXPERT, TS_EXPENSE_PROVIDER, ts_expense_delete_cb, NULL);
	ts_expense_api_routes();
}
