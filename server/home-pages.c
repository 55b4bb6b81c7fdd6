/* home-pages.c: the start page: what a signed-in person's roles let them do. */
#include "server.h"

#include <event2/buffer.h>

struct home_link {
	unsigned roles;
	const char *href;
	const char *label;
	const char *what;
};

static const struct home_link home_links[] = {
	{ EP_ROLE_REQUESTER, "/requests/new", "Ask for expert time",
	  "Request an expert, with a fee estimate before you send" },
	{ EP_ROLE_REQUESTER | EP_ROLE_APPROVER | EP_ROLE_FINANCE, "/requests",
	  "Your organisation's requests", "Follow requests, offers and "
	  "engagements" },
	{ EP_ROLE_POOL_MANAGER | EP_ROLE_ADMIN, "/queue", "Queue and capacity",
	  "Open requests by age and skill; each expert's free hours" },
	{ EP_ROLE_EXPERT, "/offers", "Your offers and engagements",
	  "Accept or decline offers; see your work" },
	{ EP_ROLE_ADMIN, "/admin/organisations", "Organisations",
	  "Councils, the regional centre and partners, with billing details" },
	{ EP_ROLE_ADMIN, "/admin/people", "People",
	  "Accounts, roles and access" },
	{ EP_ROLE_ADMIN | EP_ROLE_FINANCE, "/admin/agreements", "Agreements",
	  "Terms between providers and consumers: fee rules, payment, caps" },
	{ EP_ROLE_ANY, "/experts", "Experts",
	  "The directory: every provider's experts by skill and free time" },
	{ EP_ROLE_ADMIN | EP_ROLE_FINANCE, "/admin/fees", "Fee rules",
	  "Rule-set versions, reload, and what-if pricing of a past month" },
	{ EP_ROLE_ANY, "/account/password", "Change your password",
	  "Signs you out everywhere" },
	{ EP_ROLE_ANY, "/account/two-factor", "Two-factor sign-in",
	  "A code from an authenticator app as well as your password" },
	{ EP_ROLE_ANY, "/account/tokens", "API tokens",
	  "Tokens for programs that use the API: when each ends and was "
	  "last used" },
	{ EP_ROLE_ANY, "/account/notifications", "How you are told",
	  "Your email address, and email or your messages page only" },
};

/* The signed-in start page: what this person's roles let them do. */
static void
home_cb(struct ep_req *r, void *arg)
{
	struct evbuffer *b;
	char roles[128];
	size_t i;

	(void)arg;
	if (!r->authed) {
		http_redirect(r, r->waiting_factor ? "/login/two-factor" : "/login");
		return;
	}
	roles_format(r->who.roles, roles, sizeof roles);
	b = page_begin(r, "Home", NULL);
	html_printf(b, "<h1 class=\"govuk-heading-l\">Welcome, %s</h1>\n"
	    "<p class=\"govuk-body\">%s \xc2\xb7 roles: %s</p>\n"
	    "<ul class=\"govuk-list\">\n", r->who.name, r->who.org_code, roles);
	for (i = 0; i < nitems(home_links); i++) {
		if (r->who.roles & home_links[i].roles)
			html_printf(b, "<li><a class=\"govuk-link\" href=\"%s\">%s</a>"
			    " \xe2\x80\x93 %s</li>\n", home_links[i].href,
			    home_links[i].label, home_links[i].what);
	}
	nav_home_links(b, r->who.roles);
	html_printf(b, "</ul>\n");
	page_end(r, b, 200);
}

/* The start page is public so that a stranger is sent to sign in. */
void
home_routes_register(void)
{
	route_add(NULL, "GET", "/", EP_ROLE_PUBLIC, home_cb, NULL);
}
