/* admin.c: the administrator's pages: organisations, people, agreements. */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <sqlite3.h>

static const char *const yes_no[][2] = {
	{ "no", "No" },
	{ "yes", "Yes" },
	{ NULL, NULL },
};

static const char *const vat_options[][2] = {
	{ "S", "Standard rated (S, 20%)" },
	{ "O", "Outside the scope of VAT (O)" },
	{ NULL, NULL },
};

/* --- Organisations --- */

static void
orgs_list_cb(struct ep_req *r, void *arg)
{
	static const char *heads[] = { "Code", "Name", "Kind", "VAT number",
		"PO required", "Bank holidays", NULL };
	struct evbuffer *b = page_begin(r, "Organisations", NULL);
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT id, code, name, kind, "
	    "coalesce(vat_number, ''), po_required, calendar FROM organisations "
	    "ORDER BY code");

	(void)arg;
	html_printf(b, "<h1 class=\"govuk-heading-l\">Organisations</h1>\n"
	    "<a href=\"/admin/organisations/new\" role=\"button\" class=\"govuk-"
	    "button\">Add an organisation</a>\n");
	html_table_open(b, "Members of the consortium", heads);
	while (s != NULL && sqlite3_step(s) == SQLITE_ROW) {
		html_printf(b, "<tr class=\"govuk-table__row\"><td class=\"govuk-"
		    "table__cell\"><a class=\"govuk-link\" href=\"/organisations/%D\">"
		    "%s</a></td>", (int64_t)sqlite3_column_int64(s, 0),
		    (const char *)sqlite3_column_text(s, 1));
		html_cell(b, (const char *)sqlite3_column_text(s, 2));
		html_cell(b, (const char *)sqlite3_column_text(s, 3));
		html_cell(b, (const char *)sqlite3_column_text(s, 4));
		html_cell(b, (const char *)(sqlite3_column_int(s, 5) ?
		    "Yes" : "No"));
		html_cell(b, org_calendar_label((const char *)
		    sqlite3_column_text(s, 6)));
		html_printf(b, "</tr>\n");
	}
	if (s != NULL)
		sqlite3_reset(s);
	html_table_close(b);
	page_end(r, b, 200);
}

static void
org_form(struct ep_req *r, int status, const struct form_errors *e)
{
	struct evbuffer *b = page_begin(r, "Add an organisation", e);
	const char *po = http_form(r, "po_required");

	html_printf(b, "<h1 class=\"govuk-heading-l\">Add an organisation</h1>\n");
	form_begin(b, r, "/admin/organisations");
	form_input(b, e, "code", "Code", "2 to 12 capital letters or digits, "
	    "used in invoice numbers", "text", http_form(r, "code"),
	    "govuk-input--width-10");
	form_input(b, e, "name", "Name", NULL, "text", http_form(r, "name"), NULL);
	form_select(b, e, "kind", "Kind", NULL, org_kinds, http_form(r, "kind"));
	form_select(b, e, "calendar", "Bank holiday calendar", "The part of the "
	    "UK the organisation's experts work in: their time on its bank "
	    "holidays is priced out of hours", fee_calendars,
	    http_form(r, "calendar") ? http_form(r, "calendar") :
	    fee_calendars[0][0]);
	form_textarea(b, e, "billing_address", "Billing address", NULL,
	    http_form(r, "billing_address"));
	form_input(b, e, "vat_number", "VAT number (optional)", "For example, "
	    "GB123456789", "text", http_form(r, "vat_number"),
	    "govuk-input--width-20");
	form_input(b, e, "invoice_email", "Invoice contact email", NULL, "email",
	    http_form(r, "invoice_email"), NULL);
	form_input(b, e, "payment_terms", "Payment terms in days", NULL, "text",
	    http_form(r, "payment_terms") ? http_form(r, "payment_terms") : "30",
	    "govuk-input--width-3");
	form_select(b, e, "po_required", "Purchase order or buyer reference "
	    "required on requests and invoices", NULL, yes_no, po ? po : "no");
	form_end(b, "Save organisation");
	page_end(r, b, status);
}

static void
org_new_cb(struct ep_req *r, void *arg)
{
	(void)arg;
	org_form(r, 200, NULL);
}

static void
org_create_cb(struct ep_req *r, void *arg)
{
	struct org_input in = {
		.code = http_form(r, "code"),
		.name = http_form(r, "name"),
		.kind = http_form(r, "kind"),
		.billing_address = http_form(r, "billing_address"),
		.vat_number = http_form(r, "vat_number"),
		.invoice_email = http_form(r, "invoice_email"),
		.payment_terms = http_form(r, "payment_terms"),
		.po_required = http_form(r, "po_required"),
		.calendar = http_form(r, "calendar"),
	};
	struct form_errors e = { 0 };
	struct audit_actor actor;
	char loc[64];
	int64_t id;

	(void)arg;
	audit_actor_of(&actor, &r->who);
	if (org_add(http_db(), &actor, &in, &e, &id) != 0) {
		org_form(r, 400, &e);
		errs_free(&e);
		return;
	}
	snprintf(loc, sizeof loc, "/organisations/%lld?done=organisation",
	    (long long)id);
	http_redirect(r, loc);
}

/* An organisation's details: its members see their own, admins all. */
static void
org_view_cb(struct ep_req *r, void *arg)
{
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT code, name, kind, "
	    "billing_address, coalesce(vat_number, 'none'), invoice_email, "
	    "payment_terms_days, po_required, calendar FROM organisations WHERE "
	    "id = ?");
	struct evbuffer *b;
	char terms[32];

	(void)arg;
	sqlite3_bind_text(s, 1, http_param(r, "id"), -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		page_message(r, 404, "Page not found", "There is no such "
		    "organisation.");
		return;
	}
	b = page_begin(r, (const char *)sqlite3_column_text(s, 1), NULL);
	html_printf(b, "<span class=\"govuk-caption-l\">%s</span>\n<h1 class=\""
	    "govuk-heading-l\">%s</h1>\n<dl class=\"govuk-summary-list\">\n",
	    (const char *)sqlite3_column_text(s, 0),
	    (const char *)sqlite3_column_text(s, 1));
	snprintf(terms, sizeof terms, "%d days", sqlite3_column_int(s, 6));
	html_summary_row(b, "Kind", (const char *)sqlite3_column_text(s, 2));
	html_summary_row(b, "Billing address", (const char *)sqlite3_column_text(s, 3));
	html_summary_row(b, "VAT number", (const char *)sqlite3_column_text(s, 4));
	html_summary_row(b, "Invoice email", (const char *)sqlite3_column_text(s, 5));
	html_summary_row(b, "Payment terms", terms);
	html_summary_row(b, "Purchase order required",
	    sqlite3_column_int(s, 7) ? "Yes" : "No");
	html_summary_row(b, "Bank holiday calendar", org_calendar_label(
	    (const char *)sqlite3_column_text(s, 8)));
	html_printf(b, "</dl>\n");
	sqlite3_reset(s);
	page_end(r, b, 200);
}

/* --- People --- */

static void
people_list_cb(struct ep_req *r, void *arg)
{
	static const char *heads[] = { "Login", "Name", "Organisation", "Roles",
		"State", NULL };
	struct evbuffer *b = page_begin(r, "People", NULL);
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT p.id, p.login, p.name, "
	    "o.code, p.roles, p.disabled FROM people p JOIN organisations o ON "
	    "o.id = p.org_id ORDER BY o.code, p.login");
	char roles[128];

	(void)arg;
	html_printf(b, "<h1 class=\"govuk-heading-l\">People</h1>\n<a href=\""
	    "/admin/people/new\" role=\"button\" class=\"govuk-button\">Add a "
	    "person</a>\n");
	html_table_open(b, "Accounts", heads);
	while (s != NULL && sqlite3_step(s) == SQLITE_ROW) {
		roles_format((unsigned)sqlite3_column_int(s, 4), roles, sizeof roles);
		html_printf(b, "<tr class=\"govuk-table__row\"><td class=\"govuk-"
		    "table__cell\"><a class=\"govuk-link\" href=\"/admin/people/%D\">"
		    "%s</a></td>", (int64_t)sqlite3_column_int64(s, 0),
		    (const char *)sqlite3_column_text(s, 1));
		html_cell(b, (const char *)sqlite3_column_text(s, 2));
		html_cell(b, (const char *)sqlite3_column_text(s, 3));
		html_cell(b, (const char *)roles);
		html_cell(b, (const char *)(sqlite3_column_int(s, 5) ?
		    "Disabled" : "Active"));
		html_printf(b, "</tr>\n");
	}
	if (s != NULL)
		sqlite3_reset(s);
	html_table_close(b);
	page_end(r, b, 200);
}

struct role_pick {
	struct ep_req *r;
	unsigned roles;
};

static void
role_pick_cb(const char *value, void *arg)
{
	struct role_pick *p = arg;

	p->roles |= role_bit(value);
}

static int
role_checked(const char *value, void *arg)
{
	const struct role_pick *p = arg;

	return (p->roles & role_bit(value)) != 0;
}

static void
person_form(struct ep_req *r, int status, const struct form_errors *e,
    unsigned roles)
{
	struct evbuffer *b = page_begin(r, "Add a person", e);
	struct role_pick pick = { r, roles };
	sqlite3_stmt *s = db_stmt(http_db(),
	    "SELECT code, code || ' \xe2\x80\x93 ' || name FROM organisations "
	    "ORDER BY code");
	const char *(*opts)[2] = NULL;
	char **texts = NULL;
	size_t n = 0, i;

	while (s != NULL && sqlite3_step(s) == SQLITE_ROW) {
		opts = xrealloc(opts, sizeof *opts * (n + 2));
		texts = xrealloc(texts, sizeof *texts * (2 * n + 2));
		texts[2 * n] = xstrdup((const char *)sqlite3_column_text(s, 0));
		texts[2 * n + 1] = xstrdup((const char *)sqlite3_column_text(s, 1));
		opts[n][0] = texts[2 * n];
		opts[n][1] = texts[2 * n + 1];
		n++;
	}
	if (s != NULL)
		sqlite3_reset(s);
	opts = xrealloc(opts, sizeof *opts * (n + 1));
	opts[n][0] = opts[n][1] = NULL;
	html_printf(b, "<h1 class=\"govuk-heading-l\">Add a person</h1>\n");
	form_begin(b, r, "/admin/people");
	/* Another person's details: the browser must not offer the
	 * administrator's own. */
	form_input_auto(b, e, "login", "Login name", "Lower-case letters, digits, "
	    "dots or dashes", "text", http_form(r, "login"),
	    "govuk-!-width-one-half", "off");
	form_input_auto(b, e, "name", "Full name", NULL, "text",
	    http_form(r, "name"), NULL, "off");
	form_select(b, e, "org", "Organisation", NULL,
	    (const char *const(*)[2])opts, http_form(r, "org"));
	form_checkboxes(b, e, "roles", "Roles", role_names, role_checked, &pick);
	form_input(b, e, "password", "First password", "At least 10 characters; "
	    "give it to the person privately", "password", NULL,
	    "govuk-!-width-one-half");
	form_end(b, "Save person");
	page_end(r, b, status);
	for (i = 0; i < 2 * n; i++)
		free(texts[i]);
	free(texts);
	free(opts);
}

static void
person_new_cb(struct ep_req *r, void *arg)
{
	(void)arg;
	person_form(r, 200, NULL, 0);
}

static void
person_create_cb(struct ep_req *r, void *arg)
{
	struct role_pick pick = { r, 0 };
	struct person_input in;
	struct form_errors e = { 0 };
	struct audit_actor actor;
	char loc[64];
	int64_t id;

	(void)arg;
	http_form_each(r, "roles", role_pick_cb, &pick);
	in.login = http_form(r, "login");
	in.name = http_form(r, "name");
	in.org_code = http_form(r, "org");
	in.password = http_form(r, "password");
	in.roles = pick.roles;
	audit_actor_of(&actor, &r->who);
	if (person_add(http_db(), &actor, &in, &e, &id) != 0) {
		person_form(r, 400, &e, pick.roles);
		errs_free(&e);
		return;
	}
	snprintf(loc, sizeof loc, "/admin/people/%lld?done=person", (long long)id);
	http_redirect(r, loc);
}

static void
person_page(struct ep_req *r, int status, const struct form_errors *e)
{
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT p.login, p.name, o.code, "
	    "p.roles, p.disabled, p.created_at FROM people p JOIN organisations o "
	    "ON o.id = p.org_id WHERE p.id = ?");
	struct evbuffer *b;
	char roles[128], action[64];

	sqlite3_bind_text(s, 1, http_param(r, "id"), -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		page_message(r, 404, "Page not found", "There is no such person.");
		return;
	}
	roles_format((unsigned)sqlite3_column_int(s, 3), roles, sizeof roles);
	b = page_begin(r, (const char *)sqlite3_column_text(s, 1), e);
	html_printf(b, "<h1 class=\"govuk-heading-l\">%s</h1>\n<dl class=\""
	    "govuk-summary-list\">\n", (const char *)sqlite3_column_text(s, 1));
	html_summary_row(b, "Login", (const char *)sqlite3_column_text(s, 0));
	html_summary_row(b, "Organisation", (const char *)sqlite3_column_text(s, 2));
	html_summary_row(b, "Roles", roles);
	html_summary_row(b, "State", sqlite3_column_int(s, 4) ? "Disabled" : "Active");
	html_summary_row(b, "Created", (const char *)sqlite3_column_text(s, 5));
	html_printf(b, "</dl>\n");
	if (!sqlite3_column_int(s, 4)) {
		snprintf(action, sizeof action, "/admin/people/%s/disable",
		    http_param(r, "id"));
		html_printf(b, "<h2 class=\"govuk-heading-m\">Disable this "
		    "account</h2>\n");
		form_begin(b, r, action);
		{
			static const char *const confirm[][2] = {
				{ "yes", "Yes, disable this account and end its "
				  "sessions" },
				{ NULL, NULL },
			};
			struct role_pick none = { r, 0 };

			form_checkboxes(b, e, "confirm", "Confirm", confirm,
			    role_checked, &none);
		}
		html_printf(b, "<button type=\"submit\" class=\"govuk-button govuk-"
		    "button--warning\">Disable account</button>\n</form>\n");
	}
	sqlite3_reset(s);
	page_end(r, b, status);
}

static void
person_view_cb(struct ep_req *r, void *arg)
{
	(void)arg;
	person_page(r, 200, NULL);
}

/* Disabling needs the confirmation box ticked: a bare POST changes nothing. */
static void
person_disable_cb(struct ep_req *r, void *arg)
{
	const char *confirm = http_form(r, "confirm");
	struct form_errors e = { 0 };
	struct audit_actor actor;
	int64_t id;

	(void)arg;
	if (confirm == NULL || strcmp(confirm, "yes") != 0) {
		errs_add(&e, "confirm", "Tick the box to confirm");
		person_page(r, 400, &e);
		errs_free(&e);
		return;
	}
	if (parse_int64(http_param(r, "id"), 1, INT64_MAX, &id) != 0) {
		page_message(r, 404, "Page not found", "There is no such person.");
		return;
	}
	audit_actor_of(&actor, &r->who);
	if (person_disable(http_db(), &actor, id) != 0) {
		page_message(r, 500, "Sorry, there is a problem",
		    "The account could not be disabled.");
		return;
	}
	http_redirect(r, "/admin/people?done=disabled");
}

/* --- Agreements --- */

static void
agreements_list_cb(struct ep_req *r, void *arg)
{
	static const char *heads[] = { "Provider", "Consumer", "Fee rules",
		"Terms", "Monthly cap", "VAT", "Valid", NULL };
	struct evbuffer *b = page_begin(r, "Agreements", NULL);
	int all = (r->who.roles & EP_ROLE_ADMIN) != 0;
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT coalesce(p.code, 'Any'), "
	    "coalesce(c.code, 'Any'), a.ruleset, a.payment_terms_days, "
	    "a.monthly_cap_pence, a.vat_category, a.valid_from, "
	    "coalesce(a.valid_to, '') FROM agreements a LEFT JOIN organisations p "
	    "ON p.id = a.provider_id LEFT JOIN organisations c ON "
	    "c.id = a.consumer_id WHERE ?1 OR a.provider_id IS NULL OR "
	    "a.provider_id = ?2 OR a.consumer_id = ?2 ORDER BY a.id");
	char cap[32], terms[32], valid[40];

	(void)arg;
	sqlite3_bind_int(s, 1, all);
	sqlite3_bind_int64(s, 2, r->who.org_id);
	html_printf(b, "<h1 class=\"govuk-heading-l\">Agreements</h1>\n");
	if (all)
		html_printf(b, "<a href=\"/admin/agreements/new\" role=\"button\" "
		    "class=\"govuk-button\">Add an agreement</a>\n");
	html_table_open(b, all ? "All agreements" : "Agreements your "
	    "organisation is party to", heads);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (sqlite3_column_type(s, 4) == SQLITE_NULL)
			snprintf(cap, sizeof cap, "None");
		else
			html_pence(cap, sizeof cap, sqlite3_column_int64(s, 4));
		snprintf(terms, sizeof terms, "%d days", sqlite3_column_int(s, 3));
		snprintf(valid, sizeof valid, "%s to %s", sqlite3_column_text(s, 6),
		    *sqlite3_column_text(s, 7) ? (const char *)
		    sqlite3_column_text(s, 7) : "open");
		html_printf(b, "<tr class=\"govuk-table__row\">");
		html_cell(b, (const char *)sqlite3_column_text(s, 0));
		html_cell(b, (const char *)sqlite3_column_text(s, 1));
		html_cell(b, (const char *)sqlite3_column_text(s, 2));
		html_cell(b, (const char *)terms);
		html_cell(b, (const char *)cap);
		html_cell(b, (const char *)sqlite3_column_text(s, 5));
		html_cell(b, (const char *)valid);
		html_printf(b, "</tr>\n");
	}
	sqlite3_reset(s);
	html_table_close(b);
	page_end(r, b, 200);
}

static void
agreement_form(struct ep_req *r, int status, const struct form_errors *e)
{
	struct evbuffer *b = page_begin(r, "Add an agreement", e);

	html_printf(b, "<h1 class=\"govuk-heading-l\">Add an agreement</h1>\n");
	form_begin(b, r, "/admin/agreements");
	form_input(b, e, "provider", "Provider code", "Leave both codes empty for "
	    "the consortium-wide default", "text", http_form(r, "provider"),
	    "govuk-input--width-10");
	form_input(b, e, "consumer", "Consumer code", NULL, "text",
	    http_form(r, "consumer"), "govuk-input--width-10");
	form_input(b, e, "ruleset", "Fee rule set", "For example, standard",
	    "text", http_form(r, "ruleset"), "govuk-input--width-20");
	form_input(b, e, "payment_terms", "Payment terms in days", NULL, "text",
	    http_form(r, "payment_terms") ? http_form(r, "payment_terms") : "30",
	    "govuk-input--width-3");
	form_input(b, e, "monthly_cap", "Monthly cap in pounds (optional)",
	    "For example, 15000.00", "text", http_form(r, "monthly_cap"),
	    "govuk-input--width-10");
	form_select(b, e, "vat", "VAT treatment", NULL, vat_options,
	    http_form(r, "vat"));
	form_input(b, e, "valid_from", "Valid from", "As YYYY-MM-DD; empty for "
	    "today", "text", http_form(r, "valid_from"), "govuk-input--width-10");
	form_input(b, e, "valid_to", "Valid to (optional)", "As YYYY-MM-DD", "text",
	    http_form(r, "valid_to"), "govuk-input--width-10");
	form_end(b, "Save agreement");
	page_end(r, b, status);
}

static void
agreement_new_cb(struct ep_req *r, void *arg)
{
	(void)arg;
	agreement_form(r, 200, NULL);
}

static void
agreement_create_cb(struct ep_req *r, void *arg)
{
	struct agreement_input in = {
		.provider = http_form(r, "provider"),
		.consumer = http_form(r, "consumer"),
		.ruleset = http_form(r, "ruleset"),
		.payment_terms = http_form(r, "payment_terms"),
		.monthly_cap = http_form(r, "monthly_cap"),
		.vat = http_form(r, "vat"),
		.valid_from = http_form(r, "valid_from"),
		.valid_to = http_form(r, "valid_to"),
	};
	struct form_errors e = { 0 };
	struct audit_actor actor;
	int64_t id;

	(void)arg;
	audit_actor_of(&actor, &r->who);
	if (agreement_add(http_db(), &actor, &in, &e, &id) != 0) {
		agreement_form(r, 400, &e);
		errs_free(&e);
		return;
	}
	http_redirect(r, "/admin/agreements?done=agreement");
}

void
admin_routes_register(void)
{
	route_add(NULL, "GET", "/admin/organisations", EP_ROLE_ADMIN,
	    orgs_list_cb, NULL);
	route_add(NULL, "GET", "/admin/organisations/new", EP_ROLE_ADMIN,
	    org_new_cb, NULL);
	route_add(NULL, "POST", "/admin/organisations", EP_ROLE_ADMIN,
	    org_create_cb, NULL);
	route_add_owned(NULL, "GET", "/organisations/{id}", EP_ROLE_ANY,
	    "SELECT id FROM organisations WHERE id = ?1", org_view_cb, NULL);
	route_add(NULL, "GET", "/admin/people", EP_ROLE_ADMIN, people_list_cb,
	    NULL);
	route_add(NULL, "GET", "/admin/people/new", EP_ROLE_ADMIN, person_new_cb,
	    NULL);
	route_add(NULL, "POST", "/admin/people", EP_ROLE_ADMIN, person_create_cb,
	    NULL);
	route_add_owned(NULL, "GET", "/admin/people/{id}", EP_ROLE_ADMIN,
	    "SELECT org_id FROM people WHERE id = ?1", person_view_cb, NULL);
	route_add_owned(NULL, "POST", "/admin/people/{id}/disable", EP_ROLE_ADMIN,
	    "SELECT org_id FROM people WHERE id = ?1", person_disable_cb, NULL);
	route_add(NULL, "GET", "/admin/agreements", EP_ROLE_ADMIN |
	    EP_ROLE_FINANCE, agreements_list_cb, NULL);
	route_add(NULL, "GET", "/admin/agreements/new", EP_ROLE_ADMIN,
	    agreement_new_cb, NULL);
	route_add(NULL, "POST", "/admin/agreements", EP_ROLE_ADMIN,
	    agreement_create_cb, NULL);
}
