/* finance.c: netting and finance pages: positions, income and spend. */
#include "recharge.h"

#include <string.h>

static void
rc_netting_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = rc_host;
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
	if (period != NULL && !rc_period_ok(period))
		h->html(b, "<p class=\"govuk-error-message\">Enter the month as "
		    "YYYY-MM</p>\n");
	else if (period != NULL)
		rc_netting(h->req_db(r), period, NULL, b);
	h->page_end(r, b, 200);
}

void
rc_netting_routes(void)
{
	rc_host->route_add(rc_self, "GET", "/netting", RC_ROLES, rc_netting_cb,
	    NULL);
}

void
rc_finance_routes(void)
{
}
