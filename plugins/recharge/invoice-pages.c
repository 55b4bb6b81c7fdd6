/* invoice-pages.c: the invoice pages: the run, drafts, review, issue, credit. */
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

static const char *const rch_th = "<th scope=\"col\" class=\"govuk-table__"
    "header\">";
static const char *const rch_thn = "<th scope=\"col\" class=\"govuk-table__"
    "header govuk-table__header--numeric\">";

static int64_t
rch_param_invoice(ep_req *r)
{
	return rch_lookup(rch_host->req_db(r), rch_host->req_param(r, "id"));
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

static const char *const rch_states[][2] = {
	{ "", "Any state" },
	{ "draft", "Draft" },
	{ "issued", "Issued" },
	{ "paid", "Paid" },
	{ "credited", "Credited" },
	{ NULL, NULL },
};

/* What the lists are narrowed to, from the address. */
struct rch_filter {
	char *number, *council;
	const char *state;
};

static void
rch_filter_bind(ep_stmt *s, ep_req *r, const struct rch_filter *f,
    int received)
{
	const struct ep_host *h = rch_host;

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
rch_list_count(ep_req *r, const struct rch_filter *f, int received)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(h->req_db(r), "SELECT count(*)"
	    RC_LIST_FROM);
	int64_t n = 0;

	rch_filter_bind(s, r, f, received);
	if (h->stmt_step(s) == EP_STEP_ROW)
		n = h->stmt_int64(s, 0);
	h->stmt_reset(s);
	return n;
}

/* One table of documents for the list page, a page at a time. */
static void
rch_list_table(ep_req *r, ep_page *b, const struct rch_filter *f,
    const char *caption, const char *id, int received)
{
	const struct ep_host *h = rch_host;
	const char *param = received ? "received_page" : "issued_page";
	int64_t total = rch_list_count(r, f, received);
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

	rch_filter_bind(s, r, f, received);
	h->stmt_bind_int64(s, 6, RC_PER_PAGE);
	h->stmt_bind_int64(s, 7, (page - 1) * RC_PER_PAGE);
	h->html(b, "<div class=\"ep-table-scroll\" role=\"region\" aria-label="
	    "\"%s\" tabindex=\"0\">", caption);
	h->html(b, "<table class=\"govuk-table\" id=\"%s\"><caption class=\""
	    "govuk-table__caption govuk-table__caption--m\">%s</caption><thead "
	    "class=\"govuk-table__head\"><tr class=\"govuk-table__row\">%RInvoice"
	    "</th>%RMonth</th>%R%s</th>%RVAT</th>%RState</th>%RTotal</th></tr>"
	    "</thead><tbody class=\"govuk-table__body\">\n", id, caption, rch_th,
	    rch_th, rch_th, received ? "From" : "To", rch_th, rch_th, rch_thn);
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
rch_filter_read(ep_req *r, struct rch_filter *f, ep_errors *e)
{
	const struct ep_host *h = rch_host;
	const char *state = h->req_query(r, "state");
	size_t i;

	f->number = pager_like(h->req_query(r, "number"));
	f->council = pager_like(h->req_query(r, "council"));
	f->state = NULL;
	if (state == NULL || *state == '\0')
		return;
	for (i = 1; rch_states[i][0] != NULL; i++)
		if (strcmp(state, rch_states[i][0]) == 0)
			f->state = rch_states[i][0];
	if (f->state == NULL)
		h->errors_add(e, "state", "Choose a state from the list");
}

/* The filters above the tables, a GET form holding what was asked for. */
static void
rch_filter_form(ep_req *r, ep_page *b, const ep_errors *e)
{
	const struct ep_host *h = rch_host;

	h->html(b, "<form method=\"get\" action=\"/invoices\" novalidate id=\""
	    "filters\">\n<fieldset class=\"govuk-fieldset\">\n<legend class=\""
	    "govuk-fieldset__legend govuk-fieldset__legend--m\">Filter invoices"
	    "</legend>\n");
	h->form_input(b, e, "number", "Number contains", NULL, "search",
	    h->req_query(r, "number"), "govuk-input--width-20");
	h->form_input(b, e, "council", "Council (code or name) contains", NULL,
	    "search", h->req_query(r, "council"), "govuk-input--width-20");
	h->form_select(b, e, "state", "State", NULL, rch_states,
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
rch_unfinished_runs(ep_req *r, ep_page *b)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(h->req_db(r), "SELECT period, state, "
	    "started_at, pid, error FROM recharge_runs WHERE state IN ("
	    "'running', 'failed') AND id IN (SELECT max(id) FROM recharge_runs "
	    "WHERE provider_id IS NULL OR provider_id = ?1 GROUP BY period) "
	    "ORDER BY period DESC LIMIT 12");

	h->stmt_bind_int64(s, 1, h->req_org(r));
	while (h->stmt_step(s) == EP_STEP_ROW) {
		const char *state = h->stmt_text(s, 1);

		if (strcmp(state, "running") == 0 &&
		    rch_run_alive(h->stmt_int64(s, 3)))
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
rch_list_page(ep_req *r, int status, const ep_errors *e)
{
	const struct ep_host *h = rch_host;
	ep_errors *fe = h->errors_new();
	struct rch_filter f;
	ep_page *b;

	/* The run form's errors, or else the filters'. */
	rch_filter_read(r, &f, fe);
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
	rch_unfinished_runs(r, b);
	h->form_begin(b, r, "/invoices/run");
	h->form_input(b, e, "period", "Month", "As YYYY-MM, for example 2026-10",
	    "text", h->req_form(r, "period"), "govuk-input--width-10");
	h->form_end(b, "Run the month");
	rch_filter_form(r, b, e);
	rch_list_table(r, b, &f, "Issued by your council", "issued", 0);
	rch_list_table(r, b, &f, "Received by your council", "received", 1);
	free(f.number);
	free(f.council);
	h->page_end(r, b, status);
	h->errors_free(fe);
}

static void
rch_list_cb(ep_req *r, void *arg)
{
	(void)arg;
	rch_list_page(r, 200, NULL);
}

static void
rch_run_post_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = rch_host;
	const char *period = h->req_form(r, "period");
	ep_errors *e;
	int64_t job;
	char loc[64], jarg[32];

	(void)arg;
	if (!rch_host->month_ok(period)) {
		e = h->errors_new();
		h->errors_add(e, "period", "Enter the month as YYYY-MM, for example "
		    "2026-10");
		rch_list_page(r, 400, e);
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
rch_run_get_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = rch_host;
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
		rch_copy(state, sizeof state, h->stmt_text(s, 0));
		done = h->stmt_int64(s, 1);
		total = h->stmt_int64(s, 2);
		rch_copy(msg, sizeof msg, h->stmt_text(s, 3));
		if (rch_run_arg(h->stmt_text(s, 4), period, &provider) != 0 ||
		    provider != h->req_org(r))
			state[0] = '\0';
	}
	h->stmt_reset(s);
	if (strcmp(state, "running") == 0)
		rch_run_live(period, provider, &done, &total);
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
	    " aria-label=\"Entries priced\"", period, running ?
	    " data-ep-progress aria-live=\"polite\"" : "", state);
	/* Until the run has counted what it will price, it says so rather
	 * than "0 of 0". */
	if (running && total == 0)
		h->html(b, ">Counting</progress> Counting the entries to price");
	else
		h->html(b, " max=\"%D\" value=\"%D\">%D of %D</progress> %D of %D "
		    "entries priced", total > 0 ? total : 1, done, done, total,
		    done, total);
	h->html(b, "</p></div>\n");
	if (running)
		h->html(b, "<p class=\"govuk-body\"><a class=\"govuk-link\" id=\""
		    "check-progress\" href=\"/invoices/run?job=%D\">Check progress"
		    "</a></p>\n<script src=\"/assets/progress.js\" defer></script>"
		    "\n", q ? strtoll(q, NULL, 10) : 0);
	if (*msg)
		h->html(b, "<div class=\"govuk-error-summary\"><p class=\"govuk-body"
		    "\">%s</p></div>\n", msg);
	if (strcmp(state, "done") == 0)
		h->html(b, "<p class=\"govuk-body\"><a class=\"govuk-link\" id=\""
		    "see-drafts\" href=\"/invoices?state=draft#issued\">See the "
		    "drafts to check and issue</a></p>\n");
	h->html(b, "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\""
	    "/invoices\">Back to invoices</a></p>\n");
	h->page_end(r, b, 200);
}

struct rch_ids {
	int64_t v[256];
	size_t n;
};

static void
rch_ids_cb(const char *value, void *arg)
{
	struct rch_ids *ids = arg;

	if (ids->n < 256 && value != NULL)
		ids->v[ids->n++] = strtoll(value, NULL, 10);
}

/* The lines of a document: what each bills in words, the engagement's
 * title and the purchase order, a credit's choice, and a draft's
 * controls to leave a line to next month (secondary: issuing is the
 * page's one main action). */
static void
rch_lines_table(ep_req *r, ep_page *b, int64_t id, int draft)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(h->req_db(r), "SELECT l.id, l.position, "
	    "l.description, l.quantity, l.unit, l.unit_price, l.amount, "
	    "(SELECT count(*) FROM recharge_billed WHERE line_id = l.id), "
	    "EXISTS (SELECT 1 FROM recharge_lines c WHERE c.credits_line_id = "
	    "l.id), coalesce(q.title, ''), l.po_reference, l.settle, "
	    "l.credits_line_id IS NOT NULL FROM recharge_lines l LEFT JOIN "
	    "engagements e ON e.id = l.engagement_id LEFT JOIN requests q ON "
	    "q.id = e.request_id WHERE l.invoice_id = ? ORDER BY l.position");
	char action[80], qty[48], rate[64];

	h->stmt_bind_int64(s, 1, id);
	h->html(b, "<div class=\"ep-table-scroll\" role=\"region\" "
	    "aria-label=\"Lines\" tabindex=\"0\">"
	    "<table class=\"govuk-table\" id=\"lines\"><caption class=\""
	    "govuk-table__caption govuk-table__caption--m\">Lines</caption><thead "
	    "class=\"govuk-table__head\"><tr class=\"govuk-table__row\">%R#</th>"
	    "%RDescription</th>%RQuantity</th>%RRate</th>%RAmount</th>%R%s</th>"
	    "</tr></thead><tbody class=\"govuk-table__body\">\n", rch_th,
	    rch_th, rch_thn, rch_thn, rch_thn, rch_th, draft ? "Leave to next month" :
	    "Status");
	while (h->stmt_step(s) == EP_STEP_ROW) {
		int64_t line = h->stmt_int64(s, 0), pos = h->stmt_int64(s, 1);

		rch_line_quantity(qty, sizeof qty, h->stmt_int64(s, 3),
		    h->stmt_text(s, 4));
		rch_line_rate(rate, sizeof rate, h->stmt_text(s, 4),
		    h->stmt_int64(s, 5));
		h->html(b, "<tr class=\"govuk-table__row\" id=\"line-%D\"><td class="
		    "\"govuk-table__cell\">%D</td><td class=\"govuk-table__cell\">%s",
		    pos, pos, h->stmt_text(s, 2));
		if (*h->stmt_text(s, 9))
			h->html(b, "<br><span class=\"govuk-body-s\">Engagement: %s"
			    "</span>", h->stmt_text(s, 9));
		if (*h->stmt_text(s, 10))
			h->html(b, "<br><span class=\"govuk-body-s\">Purchase order: "
			    "%s</span>", h->stmt_text(s, 10));
		h->html(b, "</td><td class=\"govuk-table__cell govuk-table__cell--"
		    "numeric\">%s</td><td class=\"govuk-table__cell govuk-table__"
		    "cell--numeric\">%s</td><td class=\"govuk-table__cell govuk-"
		    "table__cell--numeric\">%P</td><td class=\"govuk-table__cell\">",
		    qty, rate, h->stmt_int64(s, 6));
		if (draft && h->stmt_int64(s, 7) > 0) {
			snprintf(action, sizeof action, "/invoices/%lld/exclude",
			    (long long)id);
			h->form_begin(b, r, action);
			h->html(b, "<input type=\"hidden\" name=\"line\" value=\"%D\">"
			    "<label class=\"govuk-label govuk-body-s\" for=\"reason-%D\">"
			    "Reason to leave line %D to next month</label><input class=\""
			    "govuk-input govuk-input--width-20\" id=\"reason-%D\" name=\""
			    "reason\" type=\"text\"><button type=\"submit\" class=\"govuk-"
			    "button govuk-button--secondary ep-small\" data-module=\""
			    "govuk-button\">Leave line %D out</button>\n</form>\n", line,
			    line, pos, line, pos);
		} else if (h->stmt_int64(s, 12))
			h->html(b, "<strong class=\"govuk-tag govuk-tag--%s\">%s"
			    "</strong>", strcmp(h->stmt_text(s, 11), "write_off") == 0 ?
			    "grey" : "blue", strcmp(h->stmt_text(s, 11), "write_off") ==
			    0 ? "Written off" : "To bill again");
		else if (h->stmt_int64(s, 8))
			h->html(b, "Credited");
		h->html(b, "</td></tr>\n");
	}
	h->stmt_reset(s);
	h->html(b, "</tbody></table></div>\n");
}

/* Is the line id among those ticked on the form? */
static int
rch_ticked(const struct rch_ids *ticked, int64_t line)
{
	size_t i;

	for (i = 0; i < ticked->n; i++)
		if (ticked->v[i] == line)
			return 1;
	return 0;
}

/* A pair of radios, bill again or write off, named name, holding the
 * value the form was sent with (value NULL: none chosen). */
static void
rch_settle_radios(ep_page *b, const ep_errors *e, const char *name,
    const char *legend, const char *value)
{
	const struct ep_host *h = rch_host;
	const char *msg = e ? h->errors_get(e, name) : NULL;
	char described[80] = "";

	if (msg)
		snprintf(described, sizeof described, " aria-describedby=\"%s-"
		    "error\"", name);
	h->html(b, "<div class=\"govuk-form-group%R\"><fieldset class=\"govuk-"
	    "fieldset\"%R><legend class=\"govuk-fieldset__legend govuk-fieldset__"
	    "legend--s\">%s</legend>", msg ? " govuk-form-group--error" : "",
	    described, legend);
	if (msg)
		h->html(b, "<p class=\"govuk-error-message\" id=\"%s-error\"><span "
		    "class=\"govuk-visually-hidden\">Error:</span> %s</p>", name, msg);
	h->html(b, "<div class=\"govuk-radios govuk-radios--small\"><div class=\""
	    "govuk-radios__item\"><input class=\"govuk-radios__input\" id=\"%s\" "
	    "name=\"%s\" type=\"radio\" value=\"rebill\"%R><label class=\"govuk-"
	    "label govuk-radios__label\" for=\"%s\">Bill again: the price or rate "
	    "was wrong, its time goes to the next run</label></div><div class=\""
	    "govuk-radios__item\"><input class=\"govuk-radios__input\" id=\"%s-wo"
	    "\" name=\"%s\" type=\"radio\" value=\"write_off\"%R><label class=\""
	    "govuk-label govuk-radios__label\" for=\"%s-wo\">Write off: never "
	    "charge for it</label></div></div></fieldset></div>\n", name, name,
	    value && strcmp(value, "rebill") == 0 ? " checked" : "", name, name,
	    name, value && strcmp(value, "write_off") == 0 ? " checked" : "",
	    name);
}

/*
 * The credit note form: the whole invoice or only the lines ticked is a
 * choice of its own (ticking nothing credits nothing), each line says
 * whether it is billed again or written off, and every choice sent
 * comes back as it was when the form is shown again with an error.
 */
static void
rch_credit_form(ep_req *r, ep_page *b, int64_t id, const ep_errors *e)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(h->req_db(r), "SELECT l.id, l.position, "
	    "l.description, l.amount, l.quantity, l.unit, l.unit_price FROM "
	    "recharge_lines l WHERE l.invoice_id = ? AND NOT EXISTS (SELECT 1 "
	    "FROM recharge_lines c WHERE c.credits_line_id = l.id) ORDER BY "
	    "l.position");
	const char *scope = h->req_form(r, "scope");
	const char *msg;
	struct rch_ids ticked;
	char action[80], name[40], legend[80], words[120], cid[40];
	int first = 1;

	ticked.n = 0;
	h->req_form_each(r, "line", rch_ids_cb, &ticked);
	h->html(b, "<h2 class=\"govuk-heading-m\" id=\"credit-note\">Credit "
	    "note</h2>\n");
	snprintf(action, sizeof action, "/invoices/%lld/credit", (long long)id);
	h->form_begin(b, r, action);
	msg = e ? h->errors_get(e, "scope") : NULL;
	h->html(b, "<div class=\"govuk-form-group%R\"><fieldset class=\"govuk-"
	    "fieldset\"><legend class=\"govuk-fieldset__legend govuk-fieldset__"
	    "legend--s\">What to credit</legend>", msg ?
	    " govuk-form-group--error" : "");
	if (msg)
		h->html(b, "<p class=\"govuk-error-message\" id=\"scope-error\">"
		    "<span class=\"govuk-visually-hidden\">Error:</span> %s</p>",
		    msg);
	h->html(b, "<div class=\"govuk-radios\"><div class=\"govuk-radios__item"
	    "\"><input class=\"govuk-radios__input\" id=\"scope\" name=\"scope\" "
	    "type=\"radio\" value=\"lines\"%R><label class=\"govuk-label govuk-"
	    "radios__label\" for=\"scope\">Only the lines I tick below</label>"
	    "</div><div class=\"govuk-radios__item\"><input class=\"govuk-radios"
	    "__input\" id=\"scope-whole\" name=\"scope\" type=\"radio\" value=\""
	    "whole\"%R><label class=\"govuk-label govuk-radios__label\" for=\""
	    "scope-whole\">The whole invoice: every line not yet credited</label>"
	    "</div></div></fieldset></div>\n", scope && strcmp(scope, "lines") ==
	    0 ? " checked" : "", scope && strcmp(scope, "whole") == 0 ?
	    " checked" : "");
	msg = e ? h->errors_get(e, "line") : NULL;
	h->html(b, "<div class=\"govuk-form-group%R\"><fieldset class=\"govuk-"
	    "fieldset\"><legend class=\"govuk-fieldset__legend govuk-fieldset__"
	    "legend--s\">Lines to credit</legend>", msg ?
	    " govuk-form-group--error" : "");
	if (msg)
		h->html(b, "<p class=\"govuk-error-message\" id=\"line-error\">"
		    "<span class=\"govuk-visually-hidden\">Error:</span> %s</p>",
		    msg);
	h->html(b, "<div class=\"govuk-checkboxes govuk-checkboxes--small\">\n");
	h->stmt_bind_int64(s, 1, id);
	while (h->stmt_step(s) == EP_STEP_ROW) {
		int64_t line = h->stmt_int64(s, 0), pos = h->stmt_int64(s, 1);

		rch_line_words(words, sizeof words, h->stmt_int64(s, 4),
		    h->stmt_text(s, 5), h->stmt_int64(s, 6));
		/* The first box is the one the error summary links to. */
		if (first)
			snprintf(cid, sizeof cid, "line");
		else
			snprintf(cid, sizeof cid, "credit-%lld", (long long)line);
		h->html(b, "<div class=\"govuk-checkboxes__item\"><input class=\""
		    "govuk-checkboxes__input\" type=\"checkbox\" name=\"line\" "
		    "value=\"%D\" id=\"%s\"%R><label class=\"govuk-label "
		    "govuk-checkboxes__label\" for=\"%s\">Line %D: %s, %s: %P"
		    "</label></div>\n<div class=\"govuk-checkboxes__conditional\">",
		    line, cid, rch_ticked(&ticked, line) ? " checked" : "", cid, pos,
		    h->stmt_text(s, 2), words, h->stmt_int64(s, 3));
		snprintf(name, sizeof name, "settle-%lld", (long long)line);
		snprintf(legend, sizeof legend, "Line %lld, if credited",
		    (long long)pos);
		rch_settle_radios(b, e, name, legend, h->req_form(r, name));
		h->html(b, "</div>\n");
		first = 0;
	}
	h->stmt_reset(s);
	h->html(b, "</div></fieldset></div>\n");
	rch_settle_radios(b, e, "settle-all", "The whole invoice, if credited",
	    h->req_form(r, "settle-all"));
	h->form_input(b, e, "reason", "Reason for the credit note", "Printed on "
	    "the credit note, for example \"Travel is not chargeable under the "
	    "agreement\"", "text", h->req_form(r, "reason"), NULL);
	h->form_end(b, "Issue a credit note");
}

/* One party of a document: its name, address and, under standard
 * rating, its VAT number. */
static void
rch_party_row(ep_req *r, ep_page *b, const char *label, const char *id,
    int64_t org, int with_vat)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(h->req_db(r), "SELECT name, "
	    "billing_address, coalesce(vat_number, '') FROM organisations "
	    "WHERE id = ?");

	h->stmt_bind_int64(s, 1, org);
	if (h->stmt_step(s) == EP_STEP_ROW) {
		h->html(b, "<div class=\"govuk-summary-list__row\"><dt class=\""
		    "govuk-summary-list__key\">%s</dt><dd class=\"govuk-summary-"
		    "list__value ep-address\" id=\"%s\"><strong>%s</strong>",
		    label, id, h->stmt_text(s, 0));
		if (*h->stmt_text(s, 1))
			h->html(b, "<br>%s", h->stmt_text(s, 1));
		if (with_vat && *h->stmt_text(s, 2))
			h->html(b, "<br>VAT number %s", h->stmt_text(s, 2));
		h->html(b, "</dd></div>");
	}
	h->stmt_reset(s);
}

/* What a document page shows above its lines. */
struct rch_head {
	char kind[8], state[12], number[40], period[8], vat[2], reason[256];
	char po[201], issue[11], due[11], credits[40], credit_reason[256];
	int64_t net, vat_pence, total, provider, consumer, terms, lines;
};

static int
rch_head_read(ep_req *r, int64_t id, struct rch_head *d)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(h->req_db(r), "SELECT i.kind, i.state, "
	    "coalesce(i.number, ''), i.period, i.vat_category, i.vat_reason, "
	    "i.po_reference, coalesce(i.issue_date, ''), coalesce(i.due_date, "
	    "''), coalesce(o.number, ''), i.reason, i.net_pence, i.vat_pence, "
	    "i.total_pence, i.provider_id, i.consumer_id, i.terms_days, (SELECT "
	    "count(*) FROM recharge_lines WHERE invoice_id = i.id) FROM "
	    "recharge_invoices i LEFT JOIN recharge_invoices o ON o.id = "
	    "i.credits_id WHERE i.id = ?");
	int rc = -1;

	memset(d, 0, sizeof *d);
	h->stmt_bind_int64(s, 1, id);
	if (h->stmt_step(s) == EP_STEP_ROW) {
		rch_copy(d->kind, sizeof d->kind, h->stmt_text(s, 0));
		rch_copy(d->state, sizeof d->state, h->stmt_text(s, 1));
		rch_copy(d->number, sizeof d->number, h->stmt_text(s, 2));
		rch_copy(d->period, sizeof d->period, h->stmt_text(s, 3));
		rch_copy(d->vat, sizeof d->vat, h->stmt_text(s, 4));
		rch_copy(d->reason, sizeof d->reason, h->stmt_text(s, 5));
		rch_copy(d->po, sizeof d->po, h->stmt_text(s, 6));
		rch_copy(d->issue, sizeof d->issue, h->stmt_text(s, 7));
		rch_copy(d->due, sizeof d->due, h->stmt_text(s, 8));
		rch_copy(d->credits, sizeof d->credits, h->stmt_text(s, 9));
		rch_copy(d->credit_reason, sizeof d->credit_reason,
		    h->stmt_text(s, 10));
		d->net = h->stmt_int64(s, 11);
		d->vat_pence = h->stmt_int64(s, 12);
		d->total = h->stmt_int64(s, 13);
		d->provider = h->stmt_int64(s, 14);
		d->consumer = h->stmt_int64(s, 15);
		d->terms = h->stmt_int64(s, 16);
		d->lines = h->stmt_int64(s, 17);
		rc = 0;
	}
	h->stmt_reset(s);
	return rc;
}

/* A date in words ("2 November 2026"), or the text for none. */
static void
rch_date(char *out, size_t len, const char *date, const char *none)
{
	if (*date == '\0' || !rch_host->date_ok(date))
		snprintf(out, len, "%s", none);
	else
		rch_host->date_words(out, len, date);
}

/* The summary list of a document: parties, dates, order, VAT, totals. */
static void
rch_head_list(ep_req *r, ep_page *b, const struct rch_head *d, const char *due)
{
	const struct ep_host *h = rch_host;
	int std = d->vat[0] == 'S';
	char issued[40], when[40];

	rch_date(issued, sizeof issued, d->issue, "Not issued yet");
	rch_date(when, sizeof when, due, "-");
	h->html(b, "<dl class=\"govuk-summary-list\">"
	    "<div class=\"govuk-summary-list__row\"><dt class=\"govuk-summary-"
	    "list__key\">State</dt><dd class=\"govuk-summary-list__value\" id=\""
	    "state\">%s</dd></div>", d->state);
	rch_party_row(r, b, "From", "from", d->provider, std);
	rch_party_row(r, b, "To", "to", d->consumer, std);
	if (*d->credits)
		h->html(b, "<div class=\"govuk-summary-list__row\"><dt class=\"govuk-"
		    "summary-list__key\">Credits</dt><dd class=\"govuk-summary-list__"
		    "value\">Invoice %s: %s</dd></div>", d->credits,
		    d->credit_reason);
	h->html(b, "<div class=\"govuk-summary-list__row\"><dt class=\"govuk-"
	    "summary-list__key\">Purchase order</dt><dd class=\"govuk-summary-list"
	    "__value\">%s</dd></div><div class=\"govuk-summary-list__row\"><dt "
	    "class=\"govuk-summary-list__key\">Issued</dt><dd class=\"govuk-"
	    "summary-list__value\">%s</dd></div>", *d->po ? d->po : "None",
	    issued);
	if (strcmp(d->kind, "invoice") == 0)
		h->html(b, "<div class=\"govuk-summary-list__row\"><dt class=\""
		    "govuk-summary-list__key\">Due</dt><dd class=\"govuk-summary-"
		    "list__value\" id=\"due\">%s</dd></div>", when);
	h->html(b, "<div class=\"govuk-summary-list__row\"><dt class=\"govuk-"
	    "summary-list__key\">VAT</dt><dd class=\"govuk-summary-list__value\">"
	    "%s</dd></div><div class=\"govuk-summary-list__row\"><dt class=\""
	    "govuk-summary-list__key\">Net, VAT, total</dt><dd class=\"govuk-"
	    "summary-list__value\" id=\"totals\">%P, %P, <strong>%P</strong></dd>"
	    "</div></dl>\n", std ? "Standard rated, 20%" : *d->reason ?
	    d->reason : "Outside the scope of VAT", d->net, d->vat_pence,
	    d->total);
}

/* The document's downloads: a draft has no UBL (it is made on issue). */
static void
rch_downloads(ep_page *b, int64_t id, int draft)
{
	const struct ep_host *h = rch_host;

	h->html(b, "<h2 class=\"govuk-heading-s\">Download and print</h2>\n"
	    "<ul class=\"govuk-list\">");
	if (!draft)
		h->html(b, "<li><a class=\"govuk-link\" id=\"download-ubl\" href=\""
		    "/invoices/%D/ubl\" download>E-invoice (Peppol UBL XML)</a></li>",
		    id);
	h->html(b, "<li><a class=\"govuk-link\" id=\"download-csv\" href=\""
	    "/invoices/%D/csv\" download>Lines as a spreadsheet (CSV)</a></li>"
	    "<li><a class=\"govuk-link\" id=\"download-html\" href=\"/invoices/"
	    "%D/html\">Printable %s</a></li>", id, id, draft ? "draft" :
	    "invoice");
	if (!draft)
		h->html(b, "<li><a class=\"govuk-link\" id=\"verify\" href=\""
		    "/invoices/%D/verify\">Verify the signature and prices</a></li>",
		    id);
	h->html(b, "</ul>\n");
}

static void
rch_invoice_view(ep_req *r, int status, const char *error, const ep_errors *e)
{
	const struct ep_host *h = rch_host;
	int64_t id = rch_param_invoice(r);
	struct rch_head d;
	char action[80], title[64];
	int provider, draft, issued, credit;
	ep_page *b;

	if (rch_head_read(r, id, &d) != 0) {
		h->page_message(r, 404, "Page not found", "There is no such invoice.");
		return;
	}
	provider = d.provider == h->req_org(r) ||
	    (h->req_roles(r) & EP_ROLE_ADMIN) != 0;
	draft = strcmp(d.state, "draft") == 0;
	issued = strcmp(d.state, "issued") == 0 || strcmp(d.state, "paid") == 0;
	credit = strcmp(d.kind, "credit") == 0;
	snprintf(title, sizeof title, "%s %s", credit ? "Credit note" : "Invoice",
	    draft ? "(draft)" : d.number);
	b = h->page_begin(r, title, e);
	if (error != NULL)
		h->html(b, "<div class=\"govuk-error-summary\" role=\"alert\"><h2 "
		    "class=\"govuk-error-summary__title\">There is a problem</h2><p "
		    "class=\"govuk-body\" id=\"error\">%s</p></div>\n", error);
	h->html(b, "<span class=\"govuk-caption-l\">%s for %s</span>\n<h1 class=\""
	    "govuk-heading-l\">%s</h1>\n", credit ? "Credit note" : "Invoice",
	    d.period, title);
	rch_head_list(r, b, &d, d.due);
	if (draft && provider) {
		h->html(b, "<div class=\"govuk-button-group\"><a href=\"/invoices/%D/"
		    "check\" role=\"button\" draggable=\"false\" class=\"govuk-button"
		    "\" data-module=\"govuk-button\" id=\"check-issue\">Check and "
		    "issue</a></div>\n", id);
	}
	rch_lines_table(r, b, id, draft && provider);
	rch_downloads(b, id, draft);
	if (!draft)
		rch_send_section(r, b, id, provider);
	if (issued && provider && !credit) {
		rch_credit_form(r, b, id, e);
		if (strcmp(d.state, "issued") == 0) {
			snprintf(action, sizeof action, "/invoices/%lld/paid",
			    (long long)id);
			h->form_begin(b, r, action);
			h->html(b, "<button type=\"submit\" class=\"govuk-button govuk-"
			    "button--secondary\" data-module=\"govuk-button\">Mark as "
			    "paid</button>\n</form>\n");
		}
	}
	h->page_end(r, b, status);
}

static void
rch_invoice_page(ep_req *r, int status, const char *error)
{
	rch_invoice_view(r, status, error, NULL);
}

static void
rch_invoice_cb(ep_req *r, void *arg)
{
	(void)arg;
	rch_invoice_page(r, 200, NULL);
}

/*
 * GET /invoices/{id}/check: what issuing will do, before it does it: to
 * whom and where it is sent, its dates, lines and totals, and that an
 * issued invoice never changes; then the one button that issues it.
 */
static void
rch_check_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = rch_host;
	int64_t id = rch_param_invoice(r);
	ep_stmt *s;
	struct rch_head d;
	char action[80], due[11] = "", today[11], loc[64], to[256] = "";
	ep_page *b;

	(void)arg;
	if (rch_head_read(r, id, &d) != 0) {
		h->page_message(r, 404, "Page not found", "There is no such invoice.");
		return;
	}
	if (strcmp(d.state, "draft") != 0) {
		snprintf(loc, sizeof loc, "/invoices/%lld", (long long)id);
		h->redirect(r, loc);
		return;
	}
	h->today(today);
	s = h->db_prepare(h->req_db(r), "SELECT date(?, '+' || ? || ' days'), "
	    "(SELECT invoice_email FROM organisations WHERE id = ?)");
	h->stmt_bind_text(s, 1, today);
	h->stmt_bind_int64(s, 2, d.terms);
	h->stmt_bind_int64(s, 3, d.consumer);
	if (h->stmt_step(s) == EP_STEP_ROW) {
		rch_copy(due, sizeof due, h->stmt_text(s, 0));
		rch_copy(to, sizeof to, h->stmt_text(s, 1));
	}
	h->stmt_reset(s);
	rch_copy(d.issue, sizeof d.issue, today);
	b = h->page_begin(r, "Check the invoice before you issue it", NULL);
	h->html(b, "<span class=\"govuk-caption-l\">Draft invoice for %s</span>\n"
	    "<h1 class=\"govuk-heading-l\">Check the invoice before you issue it"
	    "</h1>\n<p class=\"govuk-body\" id=\"check-summary\">You are about to "
	    "issue an invoice of <strong>%P</strong> (%P before VAT) with %D %s, "
	    "numbered next in your council's sequence and signed. %s</p>\n",
	    d.period, d.total, d.net, d.lines, d.lines == 1 ? "line" : "lines",
	    *to ? "The consumer is told at its invoice address." : "The "
	    "consumer's finance officers are told.");
	rch_head_list(r, b, &d, due);
	rch_lines_table(r, b, id, 0);
	h->html(b, "<div class=\"govuk-warning-text\"><span class=\"govuk-"
	    "warning-text__icon\" aria-hidden=\"true\">!</span><strong class=\""
	    "govuk-warning-text__text\"><span class=\"govuk-visually-hidden\">"
	    "Warning</span>An issued invoice never changes: a mistake is put "
	    "right with a credit note.</strong></div>\n");
	snprintf(action, sizeof action, "/invoices/%lld/issue", (long long)id);
	h->form_begin(b, r, action);
	rch_send_choice(r, b, id);
	h->html(b, "<div class=\"govuk-button-group\"><button type=\"submit\" "
	    "class=\"govuk-button\" data-module=\"govuk-button\" id=\"issue\">"
	    "Issue this invoice</button><a class=\"govuk-link\" href=\"/invoices/"
	    "%D\">Back to the draft</a></div>\n</form>\n", id);
	h->page_end(r, b, 200);
}

/* To a document's page after an action on it, saying what was done (the
 * host's success banner reads the key). */
static void
rch_redirect_invoice(ep_req *r, int64_t id, const char *done)
{
	char loc[80];

	snprintf(loc, sizeof loc, "/invoices/%lld?done=%s", (long long)id, done);
	rch_host->redirect(r, loc);
}

static void
rch_issue_cb(ep_req *r, void *arg)
{
	char err[512];
	int64_t id = rch_param_invoice(r);
	char back[64];
	const char *send;

	(void)arg;
	snprintf(back, sizeof back, "/invoices/%lld", (long long)id);
	/* Issuing asks for a recent second factor (every ABI 2 host has it). */
	if (rch_host->second_factor_fresh(r, back) != 0)
		return;
	/* Sending straight after: the message with the files is the
	 * notice of the issue, so the issue itself tells nobody. */
	send = rch_host->req_form(r, "send");
	if (rch_issue_as(rch_host->req_db(r), r, id, send == NULL ||
	    strcmp(send, "yes") != 0, err, sizeof err) != 0) {
		rch_invoice_page(r, 409, err);
		return;
	}
	rch_mark_soon();
	rch_send_after_issue(r, id);
}

static void
rch_paid_cb(ep_req *r, void *arg)
{
	char err[512];
	int64_t id = rch_param_invoice(r);

	(void)arg;
	if (rch_mark_paid(rch_host->req_db(r), r, id, err, sizeof err) != 0) {
		rch_invoice_page(r, 409, err);
		return;
	}
	rch_redirect_invoice(r, id, "paid");
}

static void
rch_exclude_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = rch_host;
	const char *line = h->req_form(r, "line");
	char err[512];
	int64_t id = rch_param_invoice(r);

	(void)arg;
	if (rch_exclude(h->req_db(r), r, id, line ? strtoll(line, NULL, 10) : 0,
	    h->req_form(r, "reason"), err, sizeof err) != 0) {
		rch_invoice_page(r, 400, err);
		return;
	}
	rch_redirect_invoice(r, id, "excluded");
}

/*
 * POST /invoices/{id}/credit: scope "whole" or "lines" (a choice of its
 * own), the ticked lines, each one's settle-ID (rebill or write_off), or
 * settle-all for the whole invoice, and a reason. Every missing choice is
 * named at once, and the form comes back holding what was sent.
 */
static void
rch_credit_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = rch_host;
	const char *scope = h->req_form(r, "scope"), *v, *reason;
	struct rch_credit_ask q;
	struct rch_ids ids;
	ep_errors *e = h->errors_new();
	char err[512], name[40], msg[120];
	int64_t id = rch_param_invoice(r), credit;
	int wo[256];
	size_t i;

	(void)arg;
	memset(&q, 0, sizeof q);
	ids.n = 0;
	h->req_form_each(r, "line", rch_ids_cb, &ids);
	reason = h->req_form(r, "reason");
	if (scope == NULL || (strcmp(scope, "whole") != 0 &&
	    strcmp(scope, "lines") != 0))
		h->errors_add(e, "scope", "Choose whether to credit the whole "
		    "invoice or only the lines you tick");
	else if (strcmp(scope, "lines") == 0 && ids.n == 0)
		h->errors_add(e, "line", "Tick the lines to credit, or choose the "
		    "whole invoice");
	else if (strcmp(scope, "whole") == 0 && ids.n > 0)
		h->errors_add(e, "line", "You chose the whole invoice: untick the "
		    "lines, or choose only the lines you tick");
	if (scope != NULL && strcmp(scope, "lines") == 0) {
		for (i = 0; i < ids.n; i++) {
			snprintf(name, sizeof name, "settle-%lld", (long long)ids.v[i]);
			v = h->req_form(r, name);
			if (v == NULL || (strcmp(v, "rebill") != 0 &&
			    strcmp(v, "write_off") != 0)) {
				snprintf(msg, sizeof msg, "Choose whether the ticked line "
				    "is billed again or written off");
				h->errors_add(e, name, msg);
			}
			wo[i] = v != NULL && strcmp(v, "write_off") == 0;
		}
	}
	if (scope != NULL && strcmp(scope, "whole") == 0) {
		v = h->req_form(r, "settle-all");
		if (v == NULL || (strcmp(v, "rebill") != 0 &&
		    strcmp(v, "write_off") != 0))
			h->errors_add(e, "settle-all", "Choose whether the invoice's "
			    "lines are billed again or written off");
		q.write_off_all = v != NULL && strcmp(v, "write_off") == 0;
	}
	if (reason == NULL || *reason == '\0')
		h->errors_add(e, "reason", "Enter why the invoice is credited");
	if (h->errors_count(e) > 0) {
		rch_invoice_view(r, 400, NULL, e);
		goto out;
	}
	q.lines = ids.v;
	q.write_off = wo;
	q.nlines = strcmp(scope, "lines") == 0 ? ids.n : 0;
	q.reason = reason;
	if (rch_credit(h->req_db(r), r, id, &q, &credit, err, sizeof err) != 0) {
		rch_invoice_view(r, 400, err, NULL);
		goto out;
	}
	rch_redirect_invoice(r, credit, "credited");
out:
	h->errors_free(e);
}

/* A verify on a reader thread: it prices the whole invoice again. */
struct rch_verify_task {
	int64_t id;
	struct rch_buf out;
	char err[256];
};

static int
rch_verify_work(ep_db *db, void *arg)
{
	const struct ep_host *h = rch_host;
	struct rch_verify_task *t = arg;
	ep_fees *f;
	int n;

	if ((f = h->fees_open(db, t->err, sizeof t->err)) == NULL)
		return -2;
	n = rch_verify(db, f, t->id, &t->out);
	h->fees_close(f);
	return n;
}

/* Does the client ask for a page (a browser) rather than JSON? */
static int
rch_wants_html(ep_req *r)
{
	const char *accept = rch_host->req_header(r, "Accept");

	return accept != NULL && strstr(accept, "text/html") != NULL;
}

/* The checks as a page: each one passed or a difference, in words. */
static void
rch_verify_page(ep_req *r, int n, const struct rch_buf *report, int64_t id)
{
	const struct ep_host *h = rch_host;
	const char *p, *nl;
	char line[512];
	size_t k;
	ep_page *b = h->page_begin(r, "Verify the invoice", NULL);

	h->html(b, "<h1 class=\"govuk-heading-l\">Verify the invoice</h1>\n");
	if (n < 0) {
		h->html(b, "<p class=\"govuk-body\" id=\"verify-result\">Only an "
		    "issued invoice or credit note is verified: this one is a draft."
		    "</p>\n<p class=\"govuk-body\"><a class=\"govuk-link\" href=\""
		    "/invoices/%D\">Back to the invoice</a></p>\n", id);
		h->page_end(r, b, 409);
		return;
	}
	if (n == 0)
		h->html(b, "<div class=\"govuk-panel govuk-panel--confirmation\">"
		    "<h2 class=\"govuk-panel__title\" id=\"verify-result\">It "
		    "verifies</h2><div class=\"govuk-panel__body\">The signature is "
		    "good and pricing it again gives the same lines and totals</div>"
		    "</div>\n");
	else
		h->html(b, "<div class=\"govuk-error-summary\" role=\"alert\"><h2 "
		    "class=\"govuk-error-summary__title\" id=\"verify-result\">%D "
		    "%s found</h2><p class=\"govuk-body\">What was signed or priced "
		    "differs from the store now: see the checks below.</p></div>\n",
		    (int64_t)n, n == 1 ? "difference" : "differences");
	h->html(b, "<h2 class=\"govuk-heading-m\">The checks</h2>\n<ul class=\""
	    "govuk-list govuk-list--bullet\" id=\"checks\">\n");
	for (p = report->s; p != NULL && *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		k = (size_t)(nl - p) < sizeof line - 1 ? (size_t)(nl - p) :
		    sizeof line - 1;
		memcpy(line, p, k);
		line[k] = '\0';
		if (strncmp(line, "ok: ", 4) == 0)
			h->html(b, "<li>Passed: %s</li>\n", line + 4);
		else if (strncmp(line, "difference: ", 12) == 0)
			h->html(b, "<li><strong>Difference:</strong> %s</li>\n",
			    line + 12);
		else
			h->html(b, "<li>%s</li>\n", line);
	}
	h->html(b, "</ul>\n<p class=\"govuk-body\">The same checks are "
	    "available as JSON: ask for <code>application/json</code>.</p>\n<p "
	    "class=\"govuk-body\"><a class=\"govuk-link\" href=\"/invoices/%D\">"
	    "Back to the invoice</a></p>\n", id);
	h->page_end(r, b, 200);
}

/* Back on the event loop: the checks as a page for a browser, else as
 * JSON. */
static void
rch_verify_done(ep_req *r, int n, void *arg)
{
	const struct ep_host *h = rch_host;
	struct rch_verify_task *t = arg;
	struct rch_buf json = { 0 };
	const char *p, *nl;
	int first = 1;

	if (n == -2) {
		h->json_error(r, 503, "fees_unavailable", NULL, t->err);
		goto out;
	}
	if (rch_wants_html(r)) {
		rch_verify_page(r, n, &t->out, t->id);
		goto out;
	}
	if (n < 0) {
		h->json_error(r, 409, "not_issued", NULL, "only an issued invoice "
		    "or credit note is verified");
		goto out;
	}
	rch_buf_add(&json, "{\"ok\":%s,\"differences\":%d,\"report\":[",
	    n == 0 ? "true" : "false", n);
	for (p = t->out.s; p != NULL && *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			break;
		rch_buf_add(&json, "%s\"", first ? "" : ",");
		for (; p < nl; p++) {
			if (*p == '"' || *p == '\\')
				rch_buf_add(&json, "\\%c", *p);
			else if ((unsigned char)*p < 0x20)
				rch_buf_add(&json, "\\u%04x", (unsigned char)*p);
			else
				rch_buf_add(&json, "%c", *p);
		}
		rch_buf_add(&json, "\"");
		first = 0;
	}
	rch_buf_add(&json, "]}\n");
	h->reply(r, 200, "application/json", json.s, json.len);
	rch_buf_free(&json);
out:
	rch_buf_free(&t->out);
	free(t);
}

/* GET /invoices/{id}/verify: the checks, as JSON, made on a reader
 * thread so that pricing a long invoice again holds up no one else. */
static void
rch_verify_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = rch_host;
	struct rch_verify_task *t = calloc(1, sizeof *t);

	(void)arg;
	if (t == NULL)
		abort();
	t->id = rch_param_invoice(r);
	if (h->req_read(r, rch_verify_work, rch_verify_done, t) != 0) {
		free(t);
		h->reply_header(r, "Retry-After", "5");
		h->json_error(r, 503, "busy", NULL, "the server is busy "
		    "verifying other invoices: try again shortly");
	}
}

/* The downloads: UBL, CSV of lines, printable HTML. */
static void
rch_download_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = rch_host;
	const char *fmt = arg;
	struct rch_buf out = { 0 };
	char err[256], disp[128];
	int64_t id = rch_param_invoice(r);

	if (rch_export(h->req_db(r), id, fmt, &out, err, sizeof err) != 0) {
		h->page_message(r, 409, "This cannot be downloaded", err);
		return;
	}
	/* Named by the document's number; a draft, which has none, by its
	 * place in the list ("draft-12"). */
	if (strcmp(fmt, "html") != 0) {
		ep_stmt *s = h->db_prepare(h->req_db(r), "SELECT "
		    "coalesce(number, 'draft-' || id) FROM recharge_invoices WHERE "
		    "id = ?");

		h->stmt_bind_int64(s, 1, id);
		snprintf(disp, sizeof disp, "attachment; filename=\"%s.%s\"",
		    h->stmt_step(s) == EP_STEP_ROW ? h->stmt_text(s, 0) : "invoice",
		    strcmp(fmt, "ubl") == 0 ? "xml" : "csv");
		h->stmt_reset(s);
		h->reply_header(r, "Content-Disposition", disp);
	}
	h->reply(r, 200, strcmp(fmt, "ubl") == 0 ? "application/xml" :
	    strcmp(fmt, "csv") == 0 ? "text/csv; charset=utf-8" :
	    "text/html; charset=utf-8", out.s, out.len);
	rch_buf_free(&out);
}

void
rch_pages_routes(void)
{
	const struct ep_host *h = rch_host;

	h->route_add(rch_self, "GET", "/invoices", RC_ROLES, rch_list_cb, NULL);
	h->route_add(rch_self, "POST", "/invoices/run", RC_ROLES, rch_run_post_cb,
	    NULL);
	h->route_add(rch_self, "GET", "/invoices/run", RC_ROLES, rch_run_get_cb,
	    NULL);
	h->route_add_owned(rch_self, "GET", "/invoices/{id}", RC_ROLES, RC_OWNERS,
	    rch_invoice_cb, NULL);
	h->route_add_owned(rch_self, "GET", "/invoices/{id}/check", RC_ROLES,
	    RC_PROVIDER, rch_check_cb, NULL);
	h->route_add_owned(rch_self, "POST", "/invoices/{id}/issue", RC_ROLES,
	    RC_PROVIDER, rch_issue_cb, NULL);
	h->route_add_owned(rch_self, "POST", "/invoices/{id}/exclude", RC_ROLES,
	    RC_PROVIDER, rch_exclude_cb, NULL);
	h->route_add_owned(rch_self, "POST", "/invoices/{id}/credit", RC_ROLES,
	    RC_PROVIDER, rch_credit_cb, NULL);
	h->route_add_owned(rch_self, "POST", "/invoices/{id}/paid", RC_ROLES,
	    RC_PROVIDER, rch_paid_cb, NULL);
	h->route_add_owned(rch_self, "GET", "/invoices/{id}/verify", RC_ROLES,
	    RC_OWNERS, rch_verify_cb, NULL);
	h->route_add_owned(rch_self, "GET", "/invoices/{id}/ubl", RC_ROLES,
	    RC_OWNERS, rch_download_cb, (void *)"ubl");
	h->route_add_owned(rch_self, "GET", "/invoices/{id}/csv", RC_ROLES,
	    RC_OWNERS, rch_download_cb, (void *)"csv");
	h->route_add_owned(rch_self, "GET", "/invoices/{id}/html", RC_ROLES,
	    RC_OWNERS, rch_download_cb, (void *)"html");
}
