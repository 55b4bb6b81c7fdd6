/* statement-pages.c: the accessibility statement, in the GOV.UK model. */
#include "server.h"

#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>

/*
 * The day the statement was prepared, as "3 March 2031": the
 * accessibility_date setting (YYYY-MM-DD) where the operator reviewed it,
 * else the day this build was made, never the day the page is read.
 */
static void
statement_date(char *out, size_t len)
{
	static const char abbr[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	const char *p;
	int y, d;
	char mon[4], date[40];

	if (units_date_ok(cfg.accessibility_date)) {
		units_date_words(out, len, cfg.accessibility_date);
		return;
	}
	if (sscanf(__DATE__, "%3s %d %d", mon, &d, &y) == 3 &&
	    (p = strstr(abbr, mon)) != NULL) {
		snprintf(date, sizeof date, "%04d-%02d-%02d", y,
		    (int)(p - abbr) / 3 + 1, d);
		units_date_words(out, len, date);
		return;
	}
	snprintf(out, len, "%s", __DATE__);
}

/* How to tell the operator about a problem: their address, or where to
 * find it. */
static void
statement_contact(struct evbuffer *b)
{
	const char *c = cfg.accessibility_contact;

	if (c != NULL && *c != '\0' && strchr(c, '@') != NULL &&
	    strchr(c, ' ') == NULL)
		html_printf(b, "<ul class=\"govuk-list govuk-list--bullet\"><li>"
		    "email <a class=\"govuk-link ep-wrap\" href=\"mailto:%s\">%s</a>"
		    "</li></ul>\n", c, c);
	else if (c != NULL && *c != '\0')
		html_printf(b, "<p class=\"govuk-body ep-wrap\">%s</p>\n", c);
	else
		html_printf(b, "<p class=\"govuk-body\">Contact the team at your "
		    "council or regional centre that gave you your account for "
		    "this service (your IT service desk can tell you who they "
		    "are), and say that your message is about expertpool's "
		    "accessibility.</p>\n");
}

static void
statement_cb(struct ep_req *r, void *arg)
{
	struct evbuffer *b = page_begin(r, "Accessibility statement", NULL);
	char date[48];

	(void)arg;
	statement_date(date, sizeof date);
	html_printf(b, "<h1 class=\"govuk-heading-l\">Accessibility statement "
	    "for expertpool</h1>\n"
	    "<p class=\"govuk-body\">This accessibility statement applies to "
	    "expertpool, the service councils use to ask for expert time, log "
	    "hours, approve them and send each other invoices for them, at this "
	    "address.</p>\n"
	    "<p class=\"govuk-body\">This service is run by the councils and "
	    "regional centre that share it. We want as many people as possible "
	    "to be able to use it. For example, that means you should be able "
	    "to:</p>\n<ul class=\"govuk-list govuk-list--bullet\">\n"
	    "<li>change colours, contrast levels and fonts using browser or "
	    "device settings</li>\n"
	    "<li>zoom in up to 400%% without the text spilling off the screen "
	    "or the page scrolling sideways</li>\n"
	    "<li>navigate the whole service using just a keyboard</li>\n"
	    "<li>navigate the service using speech recognition software</li>\n"
	    "<li>listen to the service using a screen reader</li>\n"
	    "<li>use it without JavaScript: no page needs it</li>\n</ul>\n"
	    "<p class=\"govuk-body\">We have also made the text as simple as "
	    "we can. <a class=\"govuk-link\" href=\"https://mcmw.abilitynet.org"
	    ".uk/\">AbilityNet</a> has advice on making your device easier to "
	    "use if you have a disability.</p>\n"
	    "<h2 class=\"govuk-heading-m\">How accessible this service is</h2>\n"
	    "<p class=\"govuk-body\">We believe every page meets the Web "
	    "Content Accessibility Guidelines version 2.2 to level AA. Wide "
	    "tables (a timesheet week, a list of invoices) scroll sideways "
	    "inside their own box on a narrow screen; the rest of the page "
	    "does not.</p>\n"
	    "<h2 class=\"govuk-heading-m\">Feedback and contact information"
	    "</h2>\n<p class=\"govuk-body\">If you find a problem with the "
	    "accessibility of this service, or need information from it in a "
	    "different format such as large print, audio or braille:</p>\n");
	statement_contact(b);
	html_printf(b, "<p class=\"govuk-body\">We will consider your request "
	    "and get back to you within 10 working days.</p>\n"
	    "<h2 class=\"govuk-heading-m\">Enforcement procedure</h2>\n"
	    "<p class=\"govuk-body\">The Equality and Human Rights Commission "
	    "(EHRC) is responsible for enforcing the Public Sector Bodies "
	    "(Websites and Mobile Applications) (No. 2) Accessibility "
	    "Regulations 2018 (the accessibility regulations). If you are not "
	    "happy with how we respond to your complaint, <a class=\"govuk-link"
	    "\" href=\"https://www.equalityadvisoryservice.com/\">contact the "
	    "Equality Advisory and Support Service (EASS)</a>.</p>\n"
	    "<p class=\"govuk-body\">If you are in Northern Ireland and are not "
	    "happy with how we respond to your complaint you can contact the "
	    "<a class=\"govuk-link\" href=\"https://www.equalityni.org/Home\">"
	    "Equality Commission for Northern Ireland</a> (ECNI), who are "
	    "responsible for enforcing the accessibility regulations in "
	    "Northern Ireland.</p>\n"
	    "<h2 class=\"govuk-heading-m\">Technical information about this "
	    "service's accessibility</h2>\n"
	    "<p class=\"govuk-body\">The councils that share this service are "
	    "committed to making it accessible, in accordance with the Public "
	    "Sector Bodies (Websites and Mobile Applications) (No. 2) "
	    "Accessibility Regulations 2018.</p>\n"
	    "<h3 class=\"govuk-heading-s\">Compliance status</h3>\n"
	    "<p class=\"govuk-body\">This service is fully compliant with the "
	    "<a class=\"govuk-link\" href=\"https://www.w3.org/TR/WCAG22/\">Web "
	    "Content Accessibility Guidelines version 2.2</a> AA standard.</p>\n"
	    "<h3 class=\"govuk-heading-s\">Content that is not within the scope "
	    "of the accessibility regulations</h3>\n"
	    "<p class=\"govuk-body\">Invoices sent as Peppol documents (XML) "
	    "and ledger exports (CSV) are data for other systems, not pages; "
	    "the same figures are shown on the service's own pages.</p>\n"
	    "<h2 class=\"govuk-heading-m\">How we tested this service</h2>\n"
	    "<p class=\"govuk-body\">Every release is tested automatically. "
	    "A browser signs in as each kind of user (requester, approver, "
	    "expert, pool manager, finance officer and administrator) and "
	    "opens every page that person can reach, with and without the "
	    "errors a form shows when it is sent empty. On each page it:</p>\n"
	    "<ul class=\"govuk-list govuk-list--bullet\">\n"
	    "<li>runs axe, Deque's accessibility engine, against WCAG 2.2 A "
	    "and AA and axe's best practices</li>\n"
	    "<li>checks that, 320 pixels wide (a 1280 pixel screen at 400%% "
	    "zoom), the page does not scroll sideways</li>\n"
	    "<li>checks that the page has one main heading, a title and a "
	    "language</li>\n</ul>\n"
	    "<p class=\"govuk-body\">The pages are also used with a keyboard "
	    "alone, and without JavaScript.</p>\n"
	    "<h2 class=\"govuk-heading-m\">Preparation of this accessibility "
	    "statement</h2>\n<p class=\"govuk-body\" id=\"prepared\">This "
	    "statement was prepared on %s. It was last reviewed on %s.</p>\n",
	    date, date);
	page_end(r, b, 200);
}

void
statement_routes_register(void)
{
	route_add(NULL, "GET", "/accessibility", EP_ROLE_PUBLIC, statement_cb,
	    NULL);
}
