/* finance-pages.c: netting and finance pages: positions, income and spend. */
#include "recharge.h"
#include "../pager.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RC_FINANCE_ROLES (EP_ROLE_FINANCE | EP_ROLE_POOL_MANAGER | \
	EP_ROLE_ADMIN)
#define RC_MONTHS 12 /* months on the dashboard */

struct rch_month {
	char period[8];
	int64_t income, spend;
};

static const char *const rch_fth = "<th scope=\"col\" class=\"govuk-table__"
    "header\">";
static const char *const rch_fthn = "<th scope=\"col\" class=\"govuk-table__"
    "header govuk-table__header--numeric\">";

static void
rch_netting_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = rch_host;
	const char *period = h->req_query(r, "period");
	ep_page *b;

	(void)arg;
	b = h->page_begin(r, "Netting statement", NULL);
	h->html(b, "<h1 class=\"govuk-heading-l\">Netting statement</h1>\n"
	    "<form method=\"get\" action=\"/netting\"><div class=\"govuk-form-"
	    "group\"><label class=\"govuk-label\" for=\"period\">Month (YYYY-MM)"
	    "</label><input class=\"govuk-input govuk-input--width-10\" id=\""
	    "period\" name=\"period\" type=\"text\" value=\"%s\"></div><button "
	    "class=\"govuk-button\" type=\"submit\">Show</button></form>\n",
	    period ? period : "");
	if (period != NULL && !rch_host->month_ok(period))
		h->html(b, "<p class=\"govuk-error-message\">Enter the month as "
		    "YYYY-MM</p>\n");
	else if (period != NULL)
		/* Administrators see the consortium; a finance officer, the
		 * council's own part. */
		rch_netting(h->req_db(r), period, h->req_roles(r) & EP_ROLE_ADMIN ?
		    NULL : h->req_org_code(r), NULL, b);
	h->page_end(r, b, 200);
}

void
rch_netting_routes(void)
{
	rch_host->route_add(rch_self, "GET", "/netting", RC_ROLES | EP_ROLE_ADMIN,
	    rch_netting_cb, NULL);
}

/* Pool managers and administrators see every organisation's documents;
 * a finance officer sees their own organisation's. */
static int
rch_sees_all(ep_req *r)
{
	return (rch_host->req_roles(r) & (EP_ROLE_POOL_MANAGER |
	    EP_ROLE_ADMIN)) != 0;
}

/* Income (issued) and spend (received) by month, net of VAT, credit notes
 * taken off; the newest RC_MONTHS months, returned oldest first. */
static size_t
rch_finance_months(ep_req *r, struct rch_month *m)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(h->req_db(r), "SELECT period, "
	    "sum(CASE WHEN ?2 OR provider_id = ?1 THEN v ELSE 0 END), "
	    "sum(CASE WHEN ?2 OR consumer_id = ?1 THEN v ELSE 0 END) FROM "
	    "(SELECT period, provider_id, consumer_id, CASE kind WHEN 'credit' "
	    "THEN -abs(net_pence) ELSE net_pence END AS v FROM recharge_invoices "
	    "WHERE state != 'draft') WHERE ?2 OR provider_id = ?1 OR "
	    "consumer_id = ?1 GROUP BY period ORDER BY period DESC LIMIT 12");
	size_t n = 0, i;

	h->stmt_bind_int64(s, 1, h->req_org(r));
	h->stmt_bind_int64(s, 2, rch_sees_all(r));
	while (n < RC_MONTHS && h->stmt_step(s) == EP_STEP_ROW) {
		rch_copy(m[n].period, sizeof m[n].period, h->stmt_text(s, 0));
		m[n].income = h->stmt_int64(s, 1);
		m[n].spend = h->stmt_int64(s, 2);
		n++;
	}
	h->stmt_reset(s);
	for (i = 0; i < n / 2; i++) {
		struct rch_month t = m[i];

		m[i] = m[n - 1 - i];
		m[n - 1 - i] = t;
	}
	return n;
}

/* The bars' colours, as attributes: the pages' Content-Security-Policy
 * allows no inline <style>. */
#define RC_INCOME_FILL "#1d70b8"
#define RC_SPEND_FILL "#d4351c"

/* One bar of the chart, scaled to the largest figure; a negative month
 * (more credited than invoiced) is drawn as an empty bar. */
static void
rch_chart_bar(ep_page *b, int x, int64_t v, int64_t max, const char *cls,
    const char *what, const char *period)
{
	const int top = 20, height = 180;
	int h = v > 0 && max > 0 ? (int)(v * height / max) : 0;
	char money[32];

	rch_host->pence_text(money, sizeof money, v);
	rch_host->html(b, "<rect class=\"%s\" fill=\"%s\" x=\"%d\" y=\"%d\" "
	    "width=\"18\" height=\"%d\"><title>%s %s: %s</title></rect>\n", cls,
	    strcmp(cls, "rc-income") == 0 ? RC_INCOME_FILL : RC_SPEND_FILL, x,
	    top + height - h, h, what, period, money);
}

/* Income and spend by month as an SVG bar chart, drawn on the server so
 * it needs no script, with the same figures in a table beside it. */
static void
rch_finance_dashboard(ep_req *r, ep_page *b)
{
	const struct ep_host *h = rch_host;
	struct rch_month m[RC_MONTHS];
	size_t n = rch_finance_months(r, m), i;
	int64_t max = 0;
	int width;

	h->html(b, "<h2 class=\"govuk-heading-m\" id=\"dashboard\">Recharge "
	    "income and spend by month</h2>\n");
	if (n == 0) {
		h->html(b, "<p class=\"govuk-body\">No invoices issued or received "
		    "yet.</p>\n");
		return;
	}
	for (i = 0; i < n; i++) {
		if (m[i].income > max)
			max = m[i].income;
		if (m[i].spend > max)
			max = m[i].spend;
	}
	/* Wide enough for the legend; the stylesheet scales it down to fit. */
	width = 40 + (int)n * 52 < 200 ? 200 : 40 + (int)n * 52;
	h->html(b, "<div class=\"rc-dashboard\"><figure class=\"rc-chart\">"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
	    "aria-labelledby=\"rc-chart-title rc-chart-desc\" font-family=\""
	    "Arial, sans-serif\" font-size=\"12\" fill=\"#0b0c0c\" width=\"%d\" "
	    "height=\"240\" viewBox=\"0 0 %d 240\"><title id=\"rc-chart-title\">"
	    "Recharge income and spend by month</title><desc id=\"rc-chart-desc"
	    "\">Bars for each month from %s to %s: income from invoices issued, "
	    "spend on invoices received, net of VAT. The table beside the chart "
	    "gives the figures.</desc>\n<line x1=\"30\" y1=\"200\" x2=\"%d\" y2=\"200\" "
	    "stroke=\"#0b0c0c\"/>\n", width, width, m[0].period,
	    m[n - 1].period, width);
	for (i = 0; i < n; i++) {
		int x = 40 + (int)i * 52;

		rch_chart_bar(b, x, m[i].income, max, "rc-income", "Income",
		    m[i].period);
		rch_chart_bar(b, x + 20, m[i].spend, max, "rc-spend", "Spend",
		    m[i].period);
		h->html(b, "<text x=\"%d\" y=\"216\" text-anchor=\"middle\">"
		    "%s</text>\n", x + 19, m[i].period + 2);
	}
	h->html(b, "<rect class=\"rc-income\" fill=\"" RC_INCOME_FILL "\" x=\"40\" "
	    "y=\"226\" width=\"10\" height=\"10\"/><text x=\"54\" y=\"235\">"
	    "Income</text><rect class=\"rc-spend\" fill=\"" RC_SPEND_FILL "\" "
	    "x=\"110\" y=\"226\" width=\"10\" height=\"10\"/><text x=\"124\" "
	    "y=\"235\">Spend</text></svg></figure>\n"
	    "<div class=\"ep-table-scroll\" role=\"region\" "
	    "aria-label=\"Income and spend by month\" tabindex=\"0\">"
	    "<table class=\"govuk-table\" id=\"by-month\"><caption class=\"govuk-"
	    "table__caption govuk-table__caption--s\">Income and spend by month, "
	    "net of VAT</caption><thead class=\"govuk-table__head\"><tr class=\""
	    "govuk-table__row\">%RMonth</th>%RIncome</th>%RSpend</th></tr></thead>"
	    "<tbody class=\"govuk-table__body\">\n", rch_fth, rch_fthn, rch_fthn);
	for (i = 0; i < n; i++)
		h->html(b, "<tr class=\"govuk-table__row\"><th scope=\"row\" "
		    "class=\"govuk-table__header\">%s</th><td class=\"govuk-table__"
		    "cell govuk-table__cell--numeric\">%P</td><td class=\"govuk-"
		    "table__cell govuk-table__cell--numeric\">%P</td></tr>\n",
		    m[i].period, m[i].income, m[i].spend);
	h->html(b, "</tbody></table></div></div>\n");
}

/* A "Mark paid" button for an issued invoice of the signed-in person's
 * organisation (the route checks the provider again). */
static void
rch_finance_paid_form(ep_req *r, ep_page *b, int64_t id)
{
	char action[64];

	snprintf(action, sizeof action, "/invoices/%lld/paid", (long long)id);
	rch_host->form_begin(b, r, action);
	rch_host->form_end(b, "Mark paid");
}

#define RC_DOCUMENTS_PER_PAGE 50
/* ?1 the organisation, ?2 everyone's, ?3 a month or '' for all. */
#define RC_DOCUMENTS_FROM " FROM recharge_invoices i JOIN organisations p " \
	"ON p.id = i.provider_id JOIN organisations c ON c.id = i.consumer_id " \
	"WHERE (?2 OR i.provider_id = ?1 OR (i.consumer_id = ?1 AND i.state " \
	"!= 'draft')) AND (?3 = '' OR i.period = ?3)"

/* Invoices and credit notes issued and received, per organisation and
 * month, with their state; drafts are the provider's alone. */
static void
rch_finance_documents(ep_req *r, ep_page *b, const char *period)
{
	const struct ep_host *h = rch_host;
	static const char *const keep[] = { "period", NULL };
	ep_stmt *s = h->db_prepare(h->req_db(r), "SELECT count(*)"
	    RC_DOCUMENTS_FROM);
	int any = 0, all = rch_sees_all(r);
	int64_t total = 0, page;
	char *path;

	h->stmt_bind_int64(s, 1, h->req_org(r));
	h->stmt_bind_int64(s, 2, all);
	h->stmt_bind_text(s, 3, period ? period : "");
	if (h->stmt_step(s) == EP_STEP_ROW)
		total = h->stmt_int64(s, 0);
	h->stmt_reset(s);
	page = pager_page(h, r, "page", total, RC_DOCUMENTS_PER_PAGE);
	s = h->db_prepare(h->req_db(r), "SELECT i.id, coalesce(i.number, "
	    "'Draft ' || i.id), i.kind, i.state, i.period, p.name, c.name, "
	    "i.total_pence, i.provider_id = ?1" RC_DOCUMENTS_FROM " ORDER BY "
	    "i.period DESC, p.code, c.code, i.id LIMIT ?4 OFFSET ?5");
	h->stmt_bind_int64(s, 1, h->req_org(r));
	h->stmt_bind_int64(s, 2, all);
	h->stmt_bind_text(s, 3, period ? period : "");
	h->stmt_bind_int64(s, 4, RC_DOCUMENTS_PER_PAGE);
	h->stmt_bind_int64(s, 5, (page - 1) * RC_DOCUMENTS_PER_PAGE);
	h->html(b, "<div class=\"ep-table-scroll\" role=\"region\" "
	    "aria-label=\"Invoices issued and received\" tabindex=\"0\">"
	    "<table class=\"govuk-table\" id=\"documents\"><caption "
	    "class=\"govuk-table__caption govuk-table__caption--m\">Invoices "
	    "issued and received</caption><thead class=\"govuk-table__head\"><tr "
	    "class=\"govuk-table__row\">%RMonth</th>%RInvoice</th>%RFrom</th>"
	    "%RTo</th>%RState</th>%RTotal</th>%R<span class=\"govuk-visually-"
	    "hidden\">Actions</span></th></tr></thead><tbody class=\"govuk-table"
	    "__body\">\n", rch_fth, rch_fth, rch_fth, rch_fth, rch_fth, rch_fthn,
	    rch_fth);
	while (h->stmt_step(s) == EP_STEP_ROW) {
		int64_t id = h->stmt_int64(s, 0);
		int ours = (int)h->stmt_int64(s, 8);

		any = 1;
		h->html(b, "<tr class=\"govuk-table__row\"><td class=\"govuk-table__"
		    "cell\">%s</td><td class=\"govuk-table__cell\"><a class=\"govuk-"
		    "link\" href=\"/invoices/%D\">%s</a>%s</td><td class=\"govuk-"
		    "table__cell\">%s</td><td class=\"govuk-table__cell\">%s</td><td "
		    "class=\"govuk-table__cell\"><strong class=\"govuk-tag\">%s"
		    "</strong></td><td class=\"govuk-table__cell govuk-table__cell--"
		    "numeric\">%P</td><td class=\"govuk-table__cell\">",
		    h->stmt_text(s, 4), id, h->stmt_text(s, 1),
		    strcmp(h->stmt_text(s, 2), "credit") == 0 ? " (credit note)" : "",
		    h->stmt_text(s, 5), h->stmt_text(s, 6), h->stmt_text(s, 3),
		    h->stmt_int64(s, 7));
		if (ours && strcmp(h->stmt_text(s, 2), "invoice") == 0 &&
		    strcmp(h->stmt_text(s, 3), "issued") == 0)
			rch_finance_paid_form(r, b, id);
		h->html(b, "</td></tr>\n");
	}
	h->stmt_reset(s);
	if (!any)
		h->html(b, "<tr class=\"govuk-table__row\"><td class=\"govuk-table__"
		    "cell\" colspan=\"7\">None.</td></tr>\n");
	h->html(b, "</tbody></table></div>\n");
	if ((path = pager_path(h, r, "/finance", keep)) != NULL)
		pager_draw(h, b, path, "page", page, RC_DOCUMENTS_PER_PAGE, total,
		    "invoices and credit notes");
	free(path);
}

static void
rch_finance_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = rch_host;
	const char *period = h->req_query(r, "period");
	ep_page *b;
	int bad;

	(void)arg;
	if (period != NULL && period[0] == '\0')
		period = NULL;
	bad = period != NULL && !rch_host->month_ok(period);
	b = h->page_begin(r, "Recharge finance", NULL);
	h->html(b, "<h1 class=\"govuk-heading-l\">Recharge finance</h1>\n"
	    "<p class=\"govuk-body\">%s</p>\n", rch_sees_all(r) ? "Every "
	    "organisation's invoices and credit notes." : "Your organisation's "
	    "invoices and credit notes, as provider (issued) and consumer "
	    "(received).");
	rch_finance_dashboard(r, b);
	h->html(b, "<form method=\"get\" action=\"/finance\"><div class=\""
	    "govuk-form-group%s\"><label class=\"govuk-label\" for=\"period\">"
	    "Month (YYYY-MM), or empty for all</label>%R<input class=\"govuk-"
	    "input govuk-input--width-10\" id=\"period\" name=\"period\" type=\""
	    "text\" value=\"%s\"></div><button class=\"govuk-button govuk-"
	    "button--secondary\" type=\"submit\">Show</button></form>\n",
	    bad ? " govuk-form-group--error" : "", bad ? "<p class=\"govuk-error-"
	    "message\" id=\"period-error\">Enter the month as YYYY-MM</p>" : "",
	    period ? period : "");
	rch_finance_documents(r, b, bad ? NULL : period);
	h->page_end(r, b, bad ? 400 : 200);
}

void
rch_finance_routes(void)
{
	rch_host->route_add(rch_self, "GET", "/finance", RC_FINANCE_ROLES,
	    rch_finance_cb, NULL);
}
