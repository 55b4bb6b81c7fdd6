/* pages.c: the invoice pages: the run, drafts, review, issue, credit. */
#include "recharge.h"
#include "../pager.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define RC_WHERE_KEY "(id = ?1 OR number = ?1)"
/* Drafts are the provider's alone; issued documents are both parties'. */
#define RC_OWNERS "SELECT provider_id FROM recharge_invoices WHERE " \
	RC_WHERE_KEY " UNION SELECT consumer_id FROM recharge_invoices WHERE " \
	RC_WHERE_KEY " AND state != 'draft'"
#define RC_PROVIDER "SELECT provider_id FROM recharge_invoices WHERE " \
	RC_WHERE_KEY

static const char *const rc_th = "<th scope=\"col\" class=\"govuk-table__"
    "header\">";
static const char *const rc_thn = "<th scope=\"col\" class=\"govuk-table__"
    "header govuk-table__header--numeric\">";

static int64_t
rc_param_invoice(ep_req *r)
{
	return rc_lookup(rc_host->req_db(r), rc_host->req_param(r, "id"));
}

#define RC_PER_PAGE 50
/* A side's documents: ?1 the council, ?2 received (issued to it, never
 * its provider's drafts) or issued by it; then the filters, each NULL for
 * any: ?3 number, ?4 the other council's code or name, ?5 state. */
#define RC_LIST_FROM " FROM recharge_invoices i JOIN organisations p ON " \
	"p.id = i.provider_id JOIN organisations c ON c.id = i.consumer_id " \
	"WHERE CASE WHEN ?2 THEN i.consumer_id = ?1 AND i.state != 'draft' " \
	"ELSE i.provider_id = ?1 END AND (?3 IS NULL OR coalesce(i.number, " \
	"'Draft ' || i.id) LIKE ?3 ESCAPE '\\') AND (?4 IS NULL OR CASE WHEN " \
	"?2 THEN p.code LIKE ?4 ESCAPE '\\' OR p.name LIKE ?4 ESCAPE '\\' " \
	"ELSE c.code LIKE ?4 ESCAPE '\\' OR c.name LIKE ?4 ESCAPE '\\' END) " \
	"AND (?5 IS NULL OR i.state = ?5)"

static const char *const rc_states[][2] = {
	{ "", "Any state" },
	{ "draft", "Draft" },
	{ "issued", "Issued" },
	{ "paid", "Paid" },
	{ "credited", "Credited" },
	{ NULL, NULL },
};

/* What the lists are narrowed to, from the address. */
struct rc_filter {
	char *number, *council;
	const char *state;
};

static void
rc_filter_bind(ep_stmt *s, ep_req *r, const struct rc_filter *f,
    int received)
{
	const struct ep_host *h = rc_host;

	h->stmt_bind_int64(s, 1, h->req_org(r));
	h->stmt_bind_int64(s, 2, received);
	if (f->number != NULL)
		h->stmt_bind_text(s, 3, f->number);
	if (f->council != NULL)
		h->stmt_bind_text(s, 4, f->council);
	if (f->state != NULL)
		h->stmt_bind_text(s, 5, f->state);
}

static int64_t
rc_list_count(ep_req *r, const struct rc_filter *f, int received)
{
	const struct ep_host *h = rc_host;
	ep_stmt *s = h->db_prepare(h->req_db(r), "SELECT count(*)"
	    RC_LIST_FROM);
	int64_t n = 0;

	rc_filter_bind(s, r, f, received);
	if (h->stmt_step(s) == EP_STEP_ROW)
		n = h->stmt_int64(s, 0);
	h->stmt_reset(s);
	return n;
}

/* One table of documents for the list page, a page at a time. */
static void
rc_list_table(ep_req *r, ep_page *b, const struct rc_filter *f,
    const char *caption, const char *id, int received)
{
	const struct ep_host *h = rc_host;
	const char *param = received ? "received_page" : "issued_page";
	int64_t total = rc_list_count(r, f, received);
	int64_t page = pager_page(h, r, param, total, RC_PER_PAGE);
	ep_stmt *s = h->db_prepare(h->req_db(r), "SELECT i.id, "
	    "coalesce(i.number, 'Draft ' || i.id), i.kind, i.state, i.period, "
	    "CASE WHEN ?2 THEN p.name ELSE c.name END, i.vat_category, "
	    "i.total_pence" RC_LIST_FROM " ORDER BY i.period DESC, i.state = "
	    "'draft' DESC, i.id DESC LIMIT ?6 OFFSET ?7");
	const char *const keep[] = { "number", "council", "state", received ?
	    "issued_page" : "received_page", NULL };
	char *path;
	int any = 0;

	rc_filter_bind(s, r, f, received);
	h->stmt_bind_int64(s, 6, RC_PER_PAGE);
	h->stmt_bind_int64(s, 7, (page - 1) * RC_PER_PAGE);
	h->html(b, "<div class=\"ep-table-scroll\" role=\"region\" aria-label="
	    "\"%s\" tabindex=\"0\">", caption);
	h->html(b, "<table class=\"govuk-table\" id=\"%s\"><caption class=\""
	    "govuk-table__caption govuk-table__caption--m\">%s</caption><thead "
	    "class=\"govuk-table__head\"><tr class=\"govuk-table__row\">%RInvoice"
	    "</th>%RMonth</th>%R%s</th>%RVAT</th>%RState</th>%RTotal</th></tr>"
	    "</thead><tbody class=\"govuk-table__body\">\n", id, caption, rc_th,
	    rc_th, rc_th, received ? "From" : "To", rc_th, rc_th, rc_thn);
	while (h->stmt_step(s) == EP_STEP_ROW) {
		any = 1;
		h->html(b, "<tr class=\"govuk-table__row\"><td class=\"govuk-table__"
		    "cell\"><a class=\"govuk-link\" href=\"/invoices/%D\">%s</a>%s"
		    "</td><td class=\"govuk-table__cell\">%s</td><td class=\"govuk-"
		    "table__cell\">%s</td><td class=\"govuk-table__cell\">%s</td><td "
		    "class=\"govuk-table__cell\">%s</td><td class=\"govuk-table__cell "
		    "govuk-table__cell--numeric\">%P</td></tr>\n", h->stmt_int64(s, 0),
		    h->stmt_text(s, 1), strcmp(h->stmt_text(s, 2), "credit") == 0 ?
		    " (credit note)" : "", h->stmt_text(s, 4), h->stmt_text(s, 5),
		    h->stmt_text(s, 6), h->stmt_text(s, 3), h->stmt_int64(s, 7));
	}
	h->stmt_reset(s);
	if (!any)
		h->html(b, "<tr class=\"govuk-table__row\"><td class=\"govuk-table__"
		    "cell\" colspan=\"6\">None yet.</td></tr>\n");
	h->html(b, "</tbody></table></div>\n");
	/* A table's page links keep the other table's page and the filters. */
	if ((path = pager_path(h, r, "/invoices", keep)) != NULL)
		pager_draw(h, b, path, param, page, RC_PER_PAGE, total, received ?
		    "invoices received" : "invoices issued");
	free(path);
}

/* The filters from the address; an unknown state is an error on its field
 * and filters nothing. */
static void
rc_filter_read(ep_req *r, struct rc_filter *f, ep_errors *e)
{
	const struct ep_host *h = rc_host;
	const char *state = h->req_query(r, "state");
	size_t i;

	f->number = pager_like(h->req_query(r, "number"));
	f->council = pager_like(h->req_query(r, "council"));
	f->state = NULL;
	if (state == NULL || *state == '\0')
		return;
	for (i = 1; rc_states[i][0] != NULL; i++)
		if (strcmp(state, rc_states[i][0]) == 0)
			f->state = rc_states[i][0];
	if (f->state == NULL)
		h->errors_add(e, "state", "Choose a state from the list");
}

/* The filters above the tables, a GET form holding what was asked for. */
static void
rc_filter_form(ep_req *r, ep_page *b, const ep_errors *e)
{
	const struct ep_host *h = rc_host;

	h->html(b, "<form method=\"get\" action=\"/invoices\" novalidate id=\""
	    "filters\">\n<fieldset class=\"govuk-fieldset\">\n<legend class=\""
	    "govuk-fieldset__legend govuk-fieldset__legend--m\">Filter invoices"
	    "</legend>\n");
	h->form_input(b, e, "number", "Number contains", NULL, "search",
	    h->req_query(r, "number"), "govuk-input--width-20");
	h->form_input(b, e, "council", "Council (code or name) contains", NULL,
	    "search", h->req_query(r, "council"), "govuk-input--width-20");
	h->form_select(b, e, "state", "State", NULL, rc_states,
	    h->req_query(r, "state"));
	h->html(b, "</fieldset>\n<div class=\"govuk-button-group\"><button "
	    "type=\"submit\" class=\"govuk-button govuk-button--secondary\" "
	    "data-module=\"govuk-button\">Apply filters</button><a class=\""
	    "govuk-link\" href=\"/invoices\" id=\"clear-filters\">Clear filters"
	    "</a></div>\n</form>\n");
}

/* Months whose last run is still running or stopped before its end:
 * their drafts so far are whole, and running the month again ends it. */
static void
rc_unfinished_runs(ep_req *r, ep_page *b)
{
	const struct ep_host *h = rc_host;
	ep_stmt *s = h->db_prepare(h->req_db(r), "SELECT period, state, "
	    "started_at, pid, error FROM recharge_runs WHERE state IN ("
	    "'running', 'failed') AND id IN (SELECT max(id) FROM recharge_runs "
	    "WHERE provider_id IS NULL OR provider_id = ?1 GROUP BY period) "
	    "ORDER BY period DESC LIMIT 12");

	h->stmt_bind_int64(s, 1, h->req_org(r));
	while (h->stmt_step(s) == EP_STEP_ROW) {
		const char *state = h->stmt_text(s, 1);

		if (strcmp(state, "running") == 0 &&
		    rc_run_alive(h->stmt_int64(s, 3)))
			h->html(b, "<div class=\"govuk-inset-text\" id=\"run-%s\">"
			    "The run of %s started at %s is building its drafts; "
			    "each one shows here once it is saved.</div>\n",
			    h->stmt_text(s, 0), h->stmt_text(s, 0),
			    h->stmt_text(s, 2));
		else
			h->html(b, "<div class=\"govuk-warning-text\" id=\"run-%s\">"
			    "<strong class=\"govuk-warning-text__text\">The run of %s "
			    "started at %s stopped before it finished%s%s. Its drafts "
			    "so far are whole; run the month again to finish it."
			    "</strong></div>\n", h->stmt_text(s, 0),
			    h->stmt_text(s, 0), h->stmt_text(s, 2),
			    *h->stmt_text(s, 4) ? ": " : "", h->stmt_text(s, 4));
	}
	h->stmt_reset(s);
}

static void
rc_list_page(ep_req *r, int status, const ep_errors *e)
{
	const struct ep_host *h = rc_host;
	ep_errors *fe = h->errors_new();
	struct rc_filter f;
	ep_page *b;

	/* The run form's errors, or else the filters'. */
	rc_filter_read(r, &f, fe);
	if (e == NULL && h->errors_count(fe) > 0) {
		e = fe;
		status = 400;
	}
	b = h->page_begin(r, "Invoices", e);

	h->html(b, "<h1 class=\"govuk-heading-l\">Recharge invoices</h1>\n"
	    "<h2 class=\"govuk-heading-m\">Run a month</h2>\n<p class=\"govuk-body"
	    "\">The run prices every approved entry of your council's experts "
	    "not yet billed and builds one draft per council served, agreement, "
	    "VAT treatment and purchase order, saving each draft as it is made. "
	    "It builds your council's drafts only. Running a month again "
	    "refreshes them; it never bills an entry twice.</p>\n");
	rc_unfinished_runs(r, b);
	h->form_begin(b, r, "/invoices/run");
	h->form_input(b, e, "period", "Month", "As YYYY-MM, for example 2026-10",
	    "text", h->req_form(r, "period"), "govuk-input--width-10");
	h->form_end(b, "Run the month");
	rc_filter_form(r, b, e);
	rc_list_table(r, b, &f, "Issued by your council", "issued", 0);
	rc_list_table(r, b, &f, "Received by your council", "received", 1);
	free(f.number);
	free(f.council);
	h->page_end(r, b, status);
	h->errors_free(fe);
}

static void
rc_list_cb(ep_req *r, void *arg)
{
	(void)arg;
	rc_list_page(r, 200, NULL);
}

static void
rc_run_post_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = rc_host;
	const char *period = h->req_form(r, "period");
	ep_errors *e;
	int64_t job;
	char loc[64], jarg[32];

	(void)arg;
	if (!rc_host->month_ok(period)) {
		e = h->errors_new();
		h->errors_add(e, "period", "Enter the month as YYYY-MM, for example "
		    "2026-10");
		rc_list_page(r, 400, e);
		h->errors_free(e);
		return;
	}
	/* The run is of this council's drafts alone, never the others'. */
	snprintf(jarg, sizeof jarg, "%s:%lld", period, (long long)h->req_org(r));
	if ((job = h->job_start_as(r, "recharge-run", jarg)) < 0) {
		if (job == EP_JOB_ERROR)
			h->page_message(r, 500, "Sorry, there is a problem", "The "
			    "run could not be started. Try again.");
		else {
			h->reply_header(r, "Retry-After", "30");
			h->page_message(r, 503, "The run could not start yet",
			    job == EP_JOB_PERSON_BUSY ? "You already have jobs "
			    "running. Wait for one to finish, then start the run "
			    "again." : "The server is busy with other jobs. Try "
			    "again in a minute.");
		}
		return;
	}
	snprintf(loc, sizeof loc, "/invoices/run?job=%lld", (long long)job);
	h->redirect(r, loc);
}

/* A run's progress: while it runs, as the run counts it (its writes show
 * only when it commits), with a link to check again and the script that
 * checks for the person where scripts run. Only the council whose run it
 * is sees it. */
static void
rc_run_get_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = rc_host;
	const char *q = h->req_query(r, "job");
	ep_stmt *s = h->db_prepare(h->req_db(r), "SELECT state, done, total, "
	    "coalesce(message, ''), arg FROM jobs WHERE id = ? AND name = "
	    "'recharge-run'");
	ep_page *b;
	char state[12] = "";
	int64_t done = 0, total = 0;
	char msg[512] = "", period[8] = "";
	int64_t provider = 0;
	int running;

	(void)arg;
	h->stmt_bind_int64(s, 1, q ? strtoll(q, NULL, 10) : 0);
	if (h->stmt_step(s) == EP_STEP_ROW) {
		rc_copy(state, sizeof state, h->stmt_text(s, 0));
		done = h->stmt_int64(s, 1);
		total = h->stmt_int64(s, 2);
		rc_copy(msg, sizeof msg, h->stmt_text(s, 3));
		if (rc_run_arg(h->stmt_text(s, 4), period, &provider) != 0 ||
		    provider != h->req_org(r))
			state[0] = '\0';
	}
	h->stmt_reset(s);
	if (strcmp(state, "running") == 0)
		rc_run_live(period, provider, &done, &total);
	b = h->page_begin(r, "Invoice run", NULL);
	if (*state == '\0') {
		h->html(b, "<h1 class=\"govuk-heading-l\">Invoice run</h1>\n<p "
		    "class=\"govuk-body\">There is no such run. <a class=\"govuk-link"
		    "\" href=\"/invoices\">Start one</a>.</p>\n");
		h->page_end(r, b, 200);
		return;
	}
	running = strcmp(state, "queued") == 0 || strcmp(state, "running") == 0;
	h->html(b, "<h1 class=\"govuk-heading-l\">Invoice run for %s</h1>\n<div"
	    "%R><p class=\"govuk-body\">State: <strong id=\"run-state\">%s"
	    "</strong></p>\n<p class=\"govuk-body\"><progress id=\"run-progress\""
	    " aria-label=\"Entries priced\" max=\"%D\" value=\"%D\">%D of %D"
	    "</progress> %D of %D entries priced</p></div>\n", period, running ?
	    " data-ep-progress aria-live=\"polite\"" : "", state,
	    total > 0 ? total : 1, done, done, total, done, total);
	if (running)
		h->html(b, "<p class=\"govuk-body\"><a class=\"govuk-link\" id=\""
		    "check-progress\" href=\"/invoices/run?job=%D\">Check progress"
		    "</a></p>\n<script src=\"/assets/progress.js\" defer></script>"
		    "\n", q ? strtoll(q, NULL, 10) : 0);
	if (*msg)
		h->html(b, "<div class=\"govuk-error-summary\"><p class=\"govuk-body"
		    "\">%s</p></div>\n", msg);
	h->html(b, "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\""
	    "/invoices\">Back to invoices</a></p>\n");
	h->page_end(r, b, 200);
}

/* The lines of a document, with a draft's exclude controls. */
static void
rc_lines_table(ep_req *r, ep_page *b, int64_t id, int draft)
{
	const struct ep_host *h = rc_host;
	ep_stmt *s = h->db_prepare(h->req_db(r), "SELECT l.id, l.position, "
	    "l.description, l.quantity, l.unit, l.unit_price, l.amount, "
	    "(SELECT count(*) FROM recharge_billed WHERE line_id = l.id), "
	    "EXISTS (SELECT 1 FROM recharge_lines c WHERE c.credits_line_id = "
	    "l.id), coalesce(l.engagement_id, 0) FROM recharge_lines l WHERE "
	    "l.invoice_id = ? ORDER BY l.position");
	char action[80], field[32];

	h->stmt_bind_int64(s, 1, id);
	h->html(b, "<div class=\"ep-table-scroll\" role=\"region\" "
	    "aria-label=\"Lines\" tabindex=\"0\">"
	    "<table class=\"govuk-table\" id=\"lines\"><caption class=\""
	    "govuk-table__caption govuk-table__caption--m\">Lines</caption><thead "
	    "class=\"govuk-table__head\"><tr class=\"govuk-table__row\">%R#</th>"
	    "%RDescription</th>%RQuantity</th>%RUnit price</th>%RAmount</th>%R"
	    "<span class=\"govuk-visually-hidden\">Actions</span></th></tr>"
	    "</thead><tbody class=\"govuk-table__body\">\n", rc_th,
	    rc_th, rc_thn, rc_thn, rc_thn, rc_th);
	while (h->stmt_step(s) == EP_STEP_ROW) {
		int64_t line = h->stmt_int64(s, 0);

		h->html(b, "<tr class=\"govuk-table__row\" id=\"line-%D\"><td class="
		    "\"govuk-table__cell\">%D</td><td class=\"govuk-table__cell\">%s%R"
		    "%D%R</td><td class=\"govuk-table__cell govuk-table__cell--numeric"
		    "\">%D %s</td><td class=\"govuk-table__cell govuk-table__cell--"
		    "numeric\">%P</td><td class=\"govuk-table__cell govuk-table__cell"
		    "--numeric\">%P</td><td class=\"govuk-table__cell\">",
		    h->stmt_int64(s, 1), h->stmt_int64(s, 1), h->stmt_text(s, 2),
		    h->stmt_int64(s, 9) ? " <span class=\"govuk-hint\">engagement "
		    : "<span hidden>", h->stmt_int64(s, 9), "</span>",
		    h->stmt_int64(s, 3), h->stmt_text(s, 4), h->stmt_int64(s, 5),
		    h->stmt_int64(s, 6));
		if (draft && h->stmt_int64(s, 7) > 0) {
			snprintf(action, sizeof action, "/invoices/%lld/exclude",
			    (long long)id);
			h->form_begin(b, r, action);
			h->html(b, "<input type=\"hidden\" name=\"line\" value=\"%D\">"
			    "<label class=\"govuk-label\" for=\"reason-%D\">Reason to "
			    "leave it to next month</label><input class=\"govuk-input\" "
			    "id=\"reason-%D\" name=\"reason\" type=\"text\">", line,
			    line, line);
			snprintf(field, sizeof field, "Exclude line %lld",
			    (long long)h->stmt_int64(s, 1));
			h->form_end(b, field);
		}
		else if (h->stmt_int64(s, 8))
			h->html(b, "credited");
		h->html(b, "</td></tr>\n");
	}
	h->stmt_reset(s);
	h->html(b, "</tbody></table></div>\n");
}

/* The lines a credit note may still take, as checkboxes. */
static void
rc_credit_choices(ep_req *r, ep_page *b, int64_t id)
{
	const struct ep_host *h = rc_host;
	ep_stmt *s = h->db_prepare(h->req_db(r), "SELECT l.id, l.position, "
	    "l.description, l.amount FROM recharge_lines l WHERE l.invoice_id = ? "
	    "AND NOT EXISTS (SELECT 1 FROM recharge_lines c WHERE "
	    "c.credits_line_id = l.id) ORDER BY l.position");

	h->stmt_bind_int64(s, 1, id);
	h->html(b, "<div class=\"govuk-checkboxes govuk-checkboxes--small\">\n");
	while (h->stmt_step(s) == EP_STEP_ROW)
		h->html(b, "<div class=\"govuk-checkboxes__item\"><input class=\""
		    "govuk-checkboxes__input\" type=\"checkbox\" name=\"line\" "
		    "value=\"%D\" id=\"credit-%D\"><label class=\"govuk-label "
		    "govuk-checkboxes__label\" for=\"credit-%D\">Line %D: %s, %P"
		    "</label></div>\n", h->stmt_int64(s, 0), h->stmt_int64(s, 1),
		    h->stmt_int64(s, 1), h->stmt_int64(s, 1), h->stmt_text(s, 2),
		    h->stmt_int64(s, 3));
	h->stmt_reset(s);
	h->html(b, "</div>\n");
}

static void
rc_invoice_page(ep_req *r, int status, const char *error)
{
	const struct ep_host *h = rc_host;
	ep_db *db = h->req_db(r);
	int64_t id = rc_param_invoice(r);
	ep_stmt *s = h->db_prepare(db, "SELECT i.kind, i.state, "
	    "coalesce(i.number, ''), i.period, p.name, c.name, i.vat_category, "
	    "i.vat_reason, i.po_reference, i.buyer_reference, "
	    "coalesce(i.issue_date, ''), coalesce(i.due_date, ''), i.net_pence, "
	    "i.vat_pence, i.total_pence, i.provider_id, coalesce(o.number, ''), "
	    "i.reason FROM recharge_invoices i JOIN organisations p ON p.id = "
	    "i.provider_id JOIN organisations c ON c.id = i.consumer_id LEFT JOIN "
	    "recharge_invoices o ON o.id = i.credits_id WHERE i.id = ?");
	char kind[8], state[12], number[40], action[80], title[64];
	int provider, draft, issued;
	ep_page *b;

	h->stmt_bind_int64(s, 1, id);
	if (h->stmt_step(s) != EP_STEP_ROW) {
		h->stmt_reset(s);
		h->page_message(r, 404, "Page not found", "There is no such invoice.");
		return;
	}
	rc_copy(kind, sizeof kind, h->stmt_text(s, 0));
	rc_copy(state, sizeof state, h->stmt_text(s, 1));
	rc_copy(number, sizeof number, h->stmt_text(s, 2));
	provider = h->stmt_int64(s, 15) == h->req_org(r) ||
	    (h->req_roles(r) & EP_ROLE_ADMIN) != 0;
	draft = strcmp(state, "draft") == 0;
	issued = strcmp(state, "issued") == 0 || strcmp(state, "paid") == 0;
	snprintf(title, sizeof title, "%s %s", strcmp(kind, "credit") == 0 ?
	    "Credit note" : "Invoice", draft ? "(draft)" : number);
	b = h->page_begin(r, title, NULL);
	if (error != NULL)
		h->html(b, "<div class=\"govuk-error-summary\" role=\"alert\"><h2 "
		    "class=\"govuk-error-summary__title\">There is a problem</h2><p "
		    "class=\"govuk-body\" id=\"error\">%s</p></div>\n", error);
	h->html(b, "<span class=\"govuk-caption-l\">%s for %s</span>\n<h1 class=\""
	    "govuk-heading-l\">%s</h1>\n<dl class=\"govuk-summary-list\">"
	    "<div class=\"govuk-summary-list__row\"><dt class=\"govuk-summary-list"
	    "__key\">State</dt><dd class=\"govuk-summary-list__value\" id=\"state"
	    "\">%s</dd></div><div class=\"govuk-summary-list__row\"><dt class=\""
	    "govuk-summary-list__key\">From</dt><dd class=\"govuk-summary-list__"
	    "value\">%s</dd></div><div class=\"govuk-summary-list__row\"><dt class"
	    "=\"govuk-summary-list__key\">To</dt><dd class=\"govuk-summary-list__"
	    "value\">%s</dd></div>", strcmp(kind, "credit") == 0 ? "Credit note" :
	    "Invoice", h->stmt_text(s, 3), title, state, h->stmt_text(s, 4),
	    h->stmt_text(s, 5));
	if (*h->stmt_text(s, 16))
		h->html(b, "<div class=\"govuk-summary-list__row\"><dt class=\"govuk-"
		    "summary-list__key\">Credits</dt><dd class=\"govuk-summary-list__"
		    "value\">%s: %s</dd></div>", h->stmt_text(s, 16),
		    h->stmt_text(s, 17));
	h->html(b, "<div class=\"govuk-summary-list__row\"><dt class=\"govuk-"
	    "summary-list__key\">Purchase order</dt><dd class=\"govuk-summary-list"
	    "__value\">%s</dd></div><div class=\"govuk-summary-list__row\"><dt "
	    "class=\"govuk-summary-list__key\">Issued / due</dt><dd class=\"govuk-"
	    "summary-list__value\">%s / %s</dd></div><div class=\"govuk-summary-"
	    "list__row\"><dt class=\"govuk-summary-list__key\">VAT</dt><dd class="
	    "\"govuk-summary-list__value\">%s %s</dd></div><div class=\"govuk-"
	    "summary-list__row\"><dt class=\"govuk-summary-list__key\">Net, VAT, "
	    "total</dt><dd class=\"govuk-summary-list__value\" id=\"totals\">%P, "
	    "%P, <strong>%P</strong></dd></div></dl>\n", *h->stmt_text(s, 8) ?
	    h->stmt_text(s, 8) : "none", *h->stmt_text(s, 10) ?
	    h->stmt_text(s, 10) : "not issued", *h->stmt_text(s, 11) ?
	    h->stmt_text(s, 11) : "-", h->stmt_text(s, 6), h->stmt_text(s, 7),
	    h->stmt_int64(s, 12), h->stmt_int64(s, 13), h->stmt_int64(s, 14));
	h->stmt_reset(s);
	rc_lines_table(r, b, id, draft && provider);
	h->html(b, "<p class=\"govuk-body\">Download: <a class=\"govuk-link\" "
	    "id=\"download-ubl\" href=\"/invoices/%D/ubl\" download>UBL (Peppol "
	    "BIS 3.0)</a> | <a class=\"govuk-link\" id=\"download-csv\" href=\""
	    "/invoices/%D/csv\" download>CSV of lines</a> | <a class=\"govuk-link"
	    "\" id=\"download-html\" href=\"/invoices/%D/html\">printable</a>",
	    id, id, id);
	if (!draft)
		h->html(b, " | <a class=\"govuk-link\" id=\"verify\" href=\""
		    "/invoices/%D/verify\">verify</a>", id);
	h->html(b, "</p>\n");
	if (!draft)
		rc_send_section(r, b, id, provider);
	snprintf(action, sizeof action, "/invoices/%lld/issue", (long long)id);
	if (draft && provider) {
		h->form_begin(b, r, action);
		rc_send_choice(r, b, id);
		h->form_end(b, "Issue this invoice");
	}
	if (issued && provider && strcmp(kind, "invoice") == 0) {
		h->html(b, "<h2 class=\"govuk-heading-m\">Credit note</h2>\n<p class="
		    "\"govuk-body\">Tick lines to credit only those; tick none to "
		    "credit everything not yet credited.</p>\n");
		snprintf(action, sizeof action, "/invoices/%lld/credit", (long long)id);
		h->form_begin(b, r, action);
		rc_credit_choices(r, b, id);
		h->form_input(b, NULL, "reason", "Reason for the credit note", NULL,
		    "text", NULL, NULL);
		h->form_end(b, "Issue a credit note");
		if (strcmp(state, "issued") == 0) {
			snprintf(action, sizeof action, "/invoices/%lld/paid",
			    (long long)id);
			h->form_begin(b, r, action);
			h->form_end(b, "Mark as paid");
		}
	}
	h->page_end(r, b, status);
}

static void
rc_invoice_cb(ep_req *r, void *arg)
{
	(void)arg;
	rc_invoice_page(r, 200, NULL);
}

/* To a document's page after an action on it, saying what was done (the
 * host's success banner reads the key). */
static void
rc_redirect_invoice(ep_req *r, int64_t id, const char *done)
{
	char loc[80];

	snprintf(loc, sizeof loc, "/invoices/%lld?done=%s", (long long)id, done);
	rc_host->redirect(r, loc);
}

static void
rc_issue_cb(ep_req *r, void *arg)
{
	char err[512];
	int64_t id = rc_param_invoice(r);
	char back[64];

	(void)arg;
	snprintf(back, sizeof back, "/invoices/%lld", (long long)id);
	/* Issuing asks for a recent second factor, where the host has one. */
	if (rc_host->size >= offsetof(struct ep_host, second_factor_fresh) +
	    sizeof rc_host->second_factor_fresh &&
	    rc_host->second_factor_fresh(r, back) != 0)
		return;
	if (rc_issue(rc_host->req_db(r), r, id, err, sizeof err) != 0) {
		rc_invoice_page(r, 409, err);
		return;
	}
	rc_send_after_issue(r, id);
}

static void
rc_paid_cb(ep_req *r, void *arg)
{
	char err[512];
	int64_t id = rc_param_invoice(r);

	(void)arg;
	if (rc_mark_paid(rc_host->req_db(r), r, id, err, sizeof err) != 0) {
		rc_invoice_page(r, 409, err);
		return;
	}
	rc_redirect_invoice(r, id, "paid");
}

static void
rc_exclude_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = rc_host;
	const char *line = h->req_form(r, "line");
	char err[512];
	int64_t id = rc_param_invoice(r);

	(void)arg;
	if (rc_exclude(h->req_db(r), r, id, line ? strtoll(line, NULL, 10) : 0,
	    h->req_form(r, "reason"), err, sizeof err) != 0) {
		rc_invoice_page(r, 400, err);
		return;
	}
	rc_redirect_invoice(r, id, "excluded");
}

struct rc_ids {
	int64_t v[256];
	size_t n;
};

static void
rc_ids_cb(const char *value, void *arg)
{
	struct rc_ids *ids = arg;

	if (ids->n < 256 && value != NULL)
		ids->v[ids->n++] = strtoll(value, NULL, 10);
}

static void
rc_credit_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = rc_host;
	struct rc_ids ids;
	char err[512];
	int64_t id = rc_param_invoice(r), credit;

	(void)arg;
	ids.n = 0;
	h->req_form_each(r, "line", rc_ids_cb, &ids);
	if (rc_credit(h->req_db(r), r, id, ids.v, ids.n, h->req_form(r,
	    "reason"), &credit, err, sizeof err) != 0) {
		rc_invoice_page(r, 400, err);
		return;
	}
	rc_redirect_invoice(r, credit, "credited");
}

/* A verify on a reader thread: it prices the whole invoice again. */
struct rc_verify_task {
	int64_t id;
	struct rc_buf out;
	char err[256];
};

static int
rc_verify_work(ep_db *db, void *arg)
{
	const struct ep_host *h = rc_host;
	struct rc_verify_task *t = arg;
	ep_fees *f;
	int n;

	if ((f = h->fees_open(db, t->err, sizeof t->err)) == NULL)
		return -2;
	n = rc_verify(db, f, t->id, &t->out);
	h->fees_close(f);
	return n;
}

/* Back on the event loop: the checks as JSON. */
static void
rc_verify_done(ep_req *r, int n, void *arg)
{
	const struct ep_host *h = rc_host;
	struct rc_verify_task *t = arg;
	struct rc_buf json = { 0 };
	const char *p, *nl;
	int first = 1;

	if (n == -2) {
		h->json_error(r, 503, "fees_unavailable", NULL, t->err);
		goto out;
	}
	if (n < 0) {
		h->json_error(r, 409, "not_issued", NULL, "only an issued invoice "
		    "or credit note is verified");
		goto out;
	}
	rc_buf_add(&json, "{\"ok\":%s,\"differences\":%d,\"report\":[",
	    n == 0 ? "true" : "false", n);
	for (p = t->out.s; p != NULL && *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			break;
		rc_buf_add(&json, "%s\"", first ? "" : ",");
		for (; p < nl; p++) {
			if (*p == '"' || *p == '\\')
				rc_buf_add(&json, "\\%c", *p);
			else if ((unsigned char)*p < 0x20)
				rc_buf_add(&json, "\\u%04x", (unsigned char)*p);
			else
				rc_buf_add(&json, "%c", *p);
		}
		rc_buf_add(&json, "\"");
		first = 0;
	}
	rc_buf_add(&json, "]}\n");
	h->reply(r, 200, "application/json", json.s, json.len);
	rc_buf_free(&json);
out:
	rc_buf_free(&t->out);
	free(t);
}

/* GET /invoices/{id}/verify: the checks, as JSON, made on a reader
 * thread so that pricing a long invoice again holds up no one else. */
static void
rc_verify_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = rc_host;
	struct rc_verify_task *t = calloc(1, sizeof *t);

	(void)arg;
	if (t == NULL)
		abort();
	t->id = rc_param_invoice(r);
	if (h->req_read(r, rc_verify_work, rc_verify_done, t) != 0) {
		free(t);
		h->reply_header(r, "Retry-After", "5");
		h->json_error(r, 503, "busy", NULL, "the server is busy "
		    "verifying other invoices: try again shortly");
	}
}

/* The downloads: UBL, CSV of lines, printable HTML. */
static void
rc_download_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = rc_host;
	const char *fmt = arg;
	struct rc_buf out = { 0 };
	char err[256], disp[128];
	int64_t id = rc_param_invoice(r);

	if (rc_export(h->req_db(r), id, fmt, &out, err, sizeof err) != 0) {
		h->page_message(r, 409, "This cannot be downloaded", err);
		return;
	}
	if (strcmp(fmt, "html") != 0) {
		snprintf(disp, sizeof disp, "attachment; filename=\"invoice-%lld.%s\"",
		    (long long)id, strcmp(fmt, "ubl") == 0 ? "xml" : "csv");
		h->reply_header(r, "Content-Disposition", disp);
	}
	h->reply(r, 200, strcmp(fmt, "ubl") == 0 ? "application/xml" :
	    strcmp(fmt, "csv") == 0 ? "text/csv; charset=utf-8" :
	    "text/html; charset=utf-8", out.s, out.len);
	rc_buf_free(&out);
}

void
rc_pages_routes(void)
{
	const struct ep_host *h = rc_host;

	h->route_add(rc_self, "GET", "/invoices", RC_ROLES, rc_list_cb, NULL);
	h->route_add(rc_self, "POST", "/invoices/run", RC_ROLES, rc_run_post_cb,
	    NULL);
	h->route_add(rc_self, "GET", "/invoices/run", RC_ROLES, rc_run_get_cb,
	    NULL);
	h->route_add_owned(rc_self, "GET", "/invoices/{id}", RC_ROLES, RC_OWNERS,
	    rc_invoice_cb, NULL);
	h->route_add_owned(rc_self, "POST", "/invoices/{id}/issue", RC_ROLES,
	    RC_PROVIDER, rc_issue_cb, NULL);
	h->route_add_owned(rc_self, "POST", "/invoices/{id}/exclude", RC_ROLES,
	    RC_PROVIDER, rc_exclude_cb, NULL);
	h->route_add_owned(rc_self, "POST", "/invoices/{id}/credit", RC_ROLES,
	    RC_PROVIDER, rc_credit_cb, NULL);
	h->route_add_owned(rc_self, "POST", "/invoices/{id}/paid", RC_ROLES,
	    RC_PROVIDER, rc_paid_cb, NULL);
	h->route_add_owned(rc_self, "GET", "/invoices/{id}/verify", RC_ROLES,
	    RC_OWNERS, rc_verify_cb, NULL);
	h->route_add_owned(rc_self, "GET", "/invoices/{id}/ubl", RC_ROLES,
	    RC_OWNERS, rc_download_cb, (void *)"ubl");
	h->route_add_owned(rc_self, "GET", "/invoices/{id}/csv", RC_ROLES,
	    RC_OWNERS, rc_download_cb, (void *)"csv");
	h->route_add_owned(rc_self, "GET", "/invoices/{id}/html", RC_ROLES,
	    RC_OWNERS, rc_download_cb, (void *)"html");
}
