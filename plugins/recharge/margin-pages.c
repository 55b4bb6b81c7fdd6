/* margin-pages.c: the provider's cost rates and margins on the web. */
#include "recharge.h"

#include <stdlib.h>
#include <string.h>

/* Who sees a council's own costs and margins: its finance officers and
 * administrators; never another council. */
#define RC_MARGIN_ROLES (EP_ROLE_FINANCE | EP_ROLE_ADMIN)

static const char *const rch_th = "<th scope=\"col\" class=\"govuk-table__"
    "header\">";
static const char *const rch_thn = "<th scope=\"col\" class=\"govuk-table__"
    "header govuk-table__header--numeric\">";
static const char *const rch_td = "<td class=\"govuk-table__cell\">";
static const char *const rch_tdn = "<td class=\"govuk-table__cell "
    "govuk-table__cell--numeric\">";

/* The month asked for, or this month when none is: 0, or -1 when what
 * was asked for is not a month. */
static int
rch_margin_month(ep_req *r, char out[8])
{
	const struct ep_host *h = rch_host;
	const char *m = h->req_query(r, "month");
	char today[11];

	if (m == NULL || *m == '\0') {
		h->today(today);
		memcpy(out, today, 7);
		out[7] = '\0';
		return 0;
	}
	if (!h->month_ok(m)) {
		h->today(today);
		memcpy(out, today, 7);
		out[7] = '\0';
		return -1;
	}
	rch_copy(out, 8, m);
	return 0;
}

static void
rch_margin_row_cb(const struct rch_margin *m, void *arg)
{
	const struct ep_host *h = rch_host;
	ep_page *b = arg;
	char hours[32];

	h->hours_text(hours, sizeof hours, m->minutes);
	h->html(b, "<tr class=\"govuk-table__row\">%R", rch_td);
	if (m->engagement)
		h->html(b, "<a class=\"govuk-link\" href=\"/engagements/%D/"
		    "expenses\">%s</a></td>%R%s</td>", m->engagement, m->title,
		    rch_td, m->consumer);
	else
		h->html(b, "Invoice adjustments (caps, discounts)</td>%R</td>",
		    rch_td);
	h->html(b, "%R%s</td>%R%P</td>%R%P</td>%R%P</td></tr>\n", rch_tdn,
	    hours, rch_tdn, m->billed, rch_tdn, m->cost, rch_tdn, m->margin);
}

/* GET /finance/margins?month=YYYY-MM: the council's margin as provider. */
static void
rch_margins_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = rch_host;
	struct rch_margin t;
	char month[8], hours[32];
	int bad = rch_margin_month(r, month);
	ep_page *b = h->page_begin(r, "Margins", NULL);

	(void)arg;
	h->html(b, "<h1 class=\"govuk-heading-l\">Margins</h1>\n<p class=\""
	    "govuk-body\">What your council billed for its experts' time in a "
	    "month (issued invoices less their credit notes) and what that time "
	    "cost you at your <a class=\"govuk-link\" href=\"/finance/cost-"
	    "rates\">internal cost rates</a>. Expenses are recharged at cost and "
	    "are not counted. Only your council sees this page.</p>\n<form "
	    "method=\"get\" action=\"/finance/margins\" novalidate><div class=\""
	    "govuk-form-group%R\"><label class=\"govuk-label\" for=\"month\">"
	    "Month (YYYY-MM)</label>", bad ? " govuk-form-group--error" : "");
	if (bad)
		h->html(b, "<p class=\"govuk-error-message\" id=\"month-error\">"
		    "<span class=\"govuk-visually-hidden\">Error:</span> Enter the "
		    "month as YYYY-MM</p>");
	h->html(b, "<input class=\"govuk-input govuk-input--width-10\" id=\""
	    "month\" name=\"month\" type=\"text\" value=\"%s\"%R></div><button "
	    "class=\"govuk-button govuk-button--secondary\" type=\"submit\">"
	    "Show</button></form>\n", month, bad ?
	    " aria-describedby=\"month-error\"" : "");
	h->html(b, "<div class=\"ep-table-scroll\" role=\"region\" aria-label=\""
	    "Margins for %s\" tabindex=\"0\"><table class=\"govuk-table\" id=\""
	    "margins\"><caption class=\"govuk-table__caption govuk-table__caption"
	    "--m\">Margins for %s</caption><thead class=\"govuk-table__head\"><tr "
	    "class=\"govuk-table__row\">%REngagement</th>%RFor</th>%RHours "
	    "billed</th>%RBilled</th>%RCost</th>%RMargin</th></tr></thead><tbody "
	    "class=\"govuk-table__body\">\n", month, month, rch_th, rch_th,
	    rch_thn, rch_thn, rch_thn, rch_thn);
	if (rch_margins(h->req_db(r), h->req_org(r), month, rch_margin_row_cb, b,
	    &t) != 0)
		memset(&t, 0, sizeof t);
	h->hours_text(hours, sizeof hours, t.minutes);
	h->html(b, "</tbody><tfoot><tr class=\"govuk-table__row\"><th scope=\""
	    "row\" class=\"govuk-table__header\" colspan=\"2\">Total</th>%R%s"
	    "</td>%R%P</td>%R%P</td>%R<span id=\"margin-total\">%P</span></td>"
	    "</tr></tfoot></table></div>\n", rch_tdn, hours, rch_tdn, t.billed,
	    rch_tdn, t.cost, rch_tdn, t.margin);
	if (t.billed == 0 && t.minutes == 0)
		h->html(b, "<p class=\"govuk-body\" id=\"margins-none\">Your "
		    "council issued no invoices for its experts' time for %s.</p>\n",
		    month);
	if (t.unrated > 0) {
		h->hours_text(hours, sizeof hours, t.unrated);
		h->html(b, "<div class=\"govuk-warning-text\"><span class=\"govuk-"
		    "warning-text__icon\" aria-hidden=\"true\">!</span><strong "
		    "class=\"govuk-warning-text__text\"><span class=\"govuk-visually-"
		    "hidden\">Warning</span> %s of the hours billed are of a grade "
		    "with no cost rate on their date: their cost counts as nothing."
		    "</strong></div>\n", hours);
	}
	h->html(b, "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\""
	    "/finance/margins/csv?month=%s\" download>Download %s as CSV</a>"
	    "</p>\n", month, month);
	h->page_end(r, b, bad ? 400 : 200);
}

static void
rch_margins_csv_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = rch_host;
	struct rch_buf out = { 0 };
	char month[8], disp[96];

	(void)arg;
	if (rch_margin_month(r, month) != 0) {
		h->page_message(r, 400, "Wrong month", "Give the month as "
		    "month=YYYY-MM.");
		return;
	}
	if (rch_margin_csv(h->req_db(r), h->req_org(r), month, &out) != 0) {
		rch_buf_free(&out);
		h->page_message(r, 500, "Sorry, there is a problem", "The margins "
		    "could not be read.");
		return;
	}
	snprintf(disp, sizeof disp, "attachment; filename=\"margins-%s-%s.csv\"",
	    h->req_org_code(r), month);
	h->reply_header(r, "Content-Disposition", disp);
	h->reply(r, 200, "text/csv; charset=utf-8", out.s, out.len);
	rch_buf_free(&out);
}

static void
rch_cost_row_cb(const struct rch_cost_rate *c, void *arg)
{
	const struct ep_host *h = rch_host;
	ep_page *b = arg;
	char day[40];

	h->date_words(day, sizeof day, c->from);
	h->html(b, "<tr class=\"govuk-table__row\">%R%s</td>%R%s</td>%R%P</td>"
	    "%R%s</td></tr>\n", rch_td, c->grade, rch_td, day, rch_tdn, c->pence,
	    rch_td, c->by);
}

/* The council's cost rates, their history, and the form for a new one. */
static void
rch_cost_page(ep_req *r, int status, const ep_errors *e)
{
	const struct ep_host *h = rch_host;
	ep_page *b = h->page_begin(r, "Internal cost rates", e);

	if (h->req_query(r, "done") != NULL && status == 200)
		h->html(b, "<div class=\"govuk-notification-banner govuk-"
		    "notification-banner--success\" role=\"alert\" id=\"notice\">"
		    "<div class=\"govuk-notification-banner__header\"><h2 class=\""
		    "govuk-notification-banner__title\" id=\"govuk-notification-"
		    "banner-title\">Success</h2></div><div class=\"govuk-"
		    "notification-banner__content\"><p class=\"govuk-notification-"
		    "banner__heading\">Cost rate set</p></div></div>\n");
	h->html(b, "<h1 class=\"govuk-heading-l\">Internal cost rates</h1>\n<p "
	    "class=\"govuk-body\">What an hour of an expert of each grade costs "
	    "your council (salary and on-costs), kept apart from the rates "
	    "other councils are billed. A new rate takes effect from its date; "
	    "earlier rates stay as they were for the months before it. Only "
	    "your council sees these.</p>\n");
	h->html(b, "<table class=\"govuk-table\" id=\"cost-rates\"><caption "
	    "class=\"govuk-table__caption govuk-table__caption--m\">Rates and "
	    "their history</caption><thead class=\"govuk-table__head\"><tr "
	    "class=\"govuk-table__row\">%RGrade</th>%RFrom</th>%RCost of an "
	    "hour</th>%RSet by</th></tr></thead><tbody class=\"govuk-table__"
	    "body\">\n", rch_th, rch_th, rch_thn, rch_th);
	rch_cost_rates(h->req_db(r), h->req_org(r), rch_cost_row_cb, b);
	h->html(b, "</tbody></table>\n<h2 class=\"govuk-heading-m\">Set a cost "
	    "rate</h2>\n");
	h->form_begin(b, r, "/finance/cost-rates");
	h->form_input(b, e, "grade", "Grade", "As your experts' grades are "
	    "written, like senior", "text", h->req_form(r, "grade"),
	    "govuk-input--width-20");
	h->form_input(b, e, "rate", "Cost of an hour, in pounds", "For "
	    "example, 52.40", "text", h->req_form(r, "rate"),
	    "govuk-input--width-10");
	h->form_input(b, e, "from", "Takes effect from", "A date after the "
	    "grade's current rate, as YYYY-MM-DD", "text",
	    h->req_form(r, "from"), "govuk-input--width-10");
	h->form_end(b, "Set cost rate");
	h->page_end(r, b, status);
}

static void
rch_cost_get_cb(ep_req *r, void *arg)
{
	(void)arg;
	rch_cost_page(r, 200, NULL);
}

static void
rch_cost_post_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = rch_host;
	ep_db *db = h->req_db(r);
	char err[256], *colon;
	ep_errors *e;

	(void)arg;
	if (h->db_begin(db) != 0 || rch_cost_rate_set(db, r, h->req_org(r),
	    h->req_form(r, "grade"), h->req_form(r, "rate"),
	    h->req_form(r, "from"), err, sizeof err) != 0 ||
	    h->db_commit(db) != 0) {
		h->db_rollback(db);
		e = h->errors_new();
		if ((colon = strstr(err, ": ")) != NULL) {
			*colon = '\0';
			colon[2] = (char)(colon[2] >= 'a' && colon[2] <= 'z' ?
			    colon[2] - 'a' + 'A' : colon[2]);
			h->errors_add(e, err, colon + 2);
		} else
			h->errors_add(e, "grade", err);
		rch_cost_page(r, 400, e);
		h->errors_free(e);
		return;
	}
	h->redirect(r, "/finance/cost-rates?done=1");
}

void
rch_margin_routes(void)
{
	const struct ep_host *h = rch_host;

	h->route_add(rch_self, "GET", "/finance/margins", RC_MARGIN_ROLES,
	    rch_margins_cb, NULL);
	h->route_add(rch_self, "GET", "/finance/margins/csv", RC_MARGIN_ROLES,
	    rch_margins_csv_cb, NULL);
	h->route_add(rch_self, "GET", "/finance/cost-rates", RC_MARGIN_ROLES,
	    rch_cost_get_cb, NULL);
	h->route_add(rch_self, "POST", "/finance/cost-rates", RC_MARGIN_ROLES,
	    rch_cost_post_cb, NULL);
}
