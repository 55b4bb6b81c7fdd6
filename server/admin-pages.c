/* admin-pages.c: the administrator's pages: organisations, people, agreements,
 * and the forms that change them. */
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

#define ADMIN_PER_PAGE 50

/*
 * The rows a list holds in all, for its pagination. sql takes no
 * parameter, or ?1 a LIKE pattern alone, or ?1 a flag and ?2 an
 * organisation (and then ?3 the pattern).
 */
static int64_t
admin_count(const char *sql, int flag, int64_t org, const char *like)
{
	sqlite3_stmt *s = db_stmt(http_db(), sql);
	int64_t n = 0;

	if (s == NULL)
		return 0;
	if (sqlite3_bind_parameter_count(s) >= 2) {
		sqlite3_bind_int(s, 1, flag);
		sqlite3_bind_int64(s, 2, org);
	}
	if (like != NULL)
		sqlite3_bind_text(s, sqlite3_bind_parameter_count(s), like, -1,
		    SQLITE_TRANSIENT);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return n;
}

/* --- Organisations --- */

static void
orgs_list_cb(struct ep_req *r, void *arg)
{
	static const char *heads[] = { "Code", "Name", "Kind", "VAT number",
		"PO required", "Bank holidays", NULL };
	struct evbuffer *b = page_begin(r, "Organisations", NULL);
	int64_t total = admin_count("SELECT count(*) FROM organisations", 0, 0,
	    NULL);
	int64_t page = html_page_number(r, total, ADMIN_PER_PAGE);
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT id, code, name, kind, "
	    "coalesce(vat_number, ''), po_required, calendar FROM organisations "
	    "ORDER BY code LIMIT ?1 OFFSET ?2");

	(void)arg;
	sqlite3_bind_int64(s, 1, ADMIN_PER_PAGE);
	sqlite3_bind_int64(s, 2, (page - 1) * ADMIN_PER_PAGE);
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
	html_pagination(b, "/admin/organisations?", page, ADMIN_PER_PAGE, total,
	    "organisations");
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

/* An organisation's fields as the new and the edit forms send them. */
static void
org_input_read(struct ep_req *r, struct org_input *in)
{
	memset(in, 0, sizeof *in);
	in->code = http_form(r, "code");
	in->name = http_form(r, "name");
	in->kind = http_form(r, "kind");
	in->billing_address = http_form(r, "billing_address");
	in->vat_number = http_form(r, "vat_number");
	in->invoice_email = http_form(r, "invoice_email");
	in->payment_terms = http_form(r, "payment_terms");
	in->po_required = http_form(r, "po_required");
	in->calendar = http_form(r, "calendar");
}

static void
org_create_cb(struct ep_req *r, void *arg)
{
	struct org_input in;
	struct form_errors e = { 0 };
	struct audit_actor actor;
	int64_t id = 0;
	int rc;

	(void)arg;
	org_input_read(r, &in);
	audit_actor_of(&actor, &r->who);
	rc = org_add(http_db(), &actor, &in, &e, &id);
	form_saved(r, rc, &e, org_form, 400, "/organisations", id,
	    "organisation");
}

/* A summary row, with a Change link to the edit form's field for admins. */
static void
admin_row(struct ep_req *r, struct evbuffer *b, const char *key,
    const char *value, const char *edit, const char *field)
{
	char href[160];

	if ((r->who.roles & EP_ROLE_ADMIN) == 0 || edit == NULL) {
		html_summary_row(b, key, value);
		return;
	}
	snprintf(href, sizeof href, "%s#%s", edit, field);
	html_summary_change(b, key, value, href);
}

/* An organisation's details: its members see their own, admins all;
 * admins have a Change link on each detail. */
static void
org_view_cb(struct ep_req *r, void *arg)
{
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT code, name, kind, "
	    "billing_address, coalesce(vat_number, 'None'), invoice_email, "
	    "payment_terms_days, po_required, calendar FROM organisations WHERE "
	    "id = ?");
	struct evbuffer *b;
	char terms[32], edit[64];

	(void)arg;
	sqlite3_bind_text(s, 1, http_param(r, "id"), -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		page_message(r, 404, "Page not found", "There is no such "
		    "organisation.");
		return;
	}
	snprintf(edit, sizeof edit, "/admin/organisations/%s/edit",
	    http_param(r, "id"));
	b = page_begin(r, (const char *)sqlite3_column_text(s, 1), NULL);
	html_printf(b, "<span class=\"govuk-caption-l\">%s</span>\n<h1 class=\""
	    "govuk-heading-l\">%s</h1>\n<dl class=\"govuk-summary-list\">\n",
	    (const char *)sqlite3_column_text(s, 0),
	    (const char *)sqlite3_column_text(s, 1));
	snprintf(terms, sizeof terms, "%d days", sqlite3_column_int(s, 6));
	admin_row(r, b, "Name", (const char *)sqlite3_column_text(s, 1), edit,
	    "name");
	admin_row(r, b, "Kind", (const char *)sqlite3_column_text(s, 2), edit,
	    "kind");
	admin_row(r, b, "Billing address", (const char *)sqlite3_column_text(s,
	    3), edit, "billing_address");
	admin_row(r, b, "VAT number", (const char *)sqlite3_column_text(s, 4),
	    edit, "vat_number");
	admin_row(r, b, "Invoice email", (const char *)sqlite3_column_text(s, 5),
	    edit, "invoice_email");
	admin_row(r, b, "Payment terms", terms, edit, "payment_terms");
	admin_row(r, b, "Purchase order required", sqlite3_column_int(s, 7) ?
	    "Yes" : "No", edit, "po_required");
	admin_row(r, b, "Bank holiday calendar", org_calendar_label(
	    (const char *)sqlite3_column_text(s, 8)), edit, "calendar");
	html_printf(b, "</dl>\n");
	if (r->who.roles & EP_ROLE_ADMIN)
		html_printf(b, "<p class=\"govuk-body\"><a class=\"govuk-link\" "
		    "href=\"/admin/organisations/%s/sso\">Council account sign-in"
		    "</a> (OpenID Connect)</p>\n", http_param(r, "id"));
	sqlite3_reset(s);
	page_end(r, b, 200);
}

/* A field's value on the edit form: as typed, else as stored. */
static const char *
admin_value(struct ep_req *r, const char *name, sqlite3_stmt *s, int col)
{
	const char *typed = http_form(r, name);

	if (typed != NULL || s == NULL)
		return typed;
	return (const char *)sqlite3_column_text(s, col);
}

/* The form that changes an organisation, filled from the store or with
 * what was typed when it is shown again with errors. */
static void
org_edit_form(struct ep_req *r, int status, const struct form_errors *e)
{
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT code, name, kind, "
	    "billing_address, coalesce(vat_number, ''), invoice_email, "
	    "payment_terms_days, CASE po_required WHEN 1 THEN 'yes' ELSE 'no' "
	    "END, calendar FROM organisations WHERE id = ?");
	struct evbuffer *b;
	char action[64], title[160];

	sqlite3_bind_text(s, 1, http_param(r, "id"), -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		page_message(r, 404, "Page not found", "There is no such "
		    "organisation.");
		return;
	}
	snprintf(title, sizeof title, "Change %s", sqlite3_column_text(s, 1));
	snprintf(action, sizeof action, "/admin/organisations/%s/edit",
	    http_param(r, "id"));
	b = page_begin(r, title, e);
	html_printf(b, "<span class=\"govuk-caption-l\">%s</span>\n<h1 class=\""
	    "govuk-heading-l\">Change the organisation's details</h1>\n",
	    (const char *)sqlite3_column_text(s, 0));
	form_begin(b, r, action);
	form_input(b, e, "name", "Name", NULL, "text", admin_value(r, "name", s,
	    1), NULL);
	form_select(b, e, "kind", "Kind", NULL, org_kinds, admin_value(r, "kind",
	    s, 2));
	form_textarea(b, e, "billing_address", "Billing address", NULL,
	    admin_value(r, "billing_address", s, 3));
	form_input(b, e, "vat_number", "VAT number (optional)", "For example, "
	    "GB123456789", "text", admin_value(r, "vat_number", s, 4),
	    "govuk-input--width-20");
	form_input(b, e, "invoice_email", "Invoice contact email", NULL, "email",
	    admin_value(r, "invoice_email", s, 5), NULL);
	form_input(b, e, "payment_terms", "Payment terms in days", NULL, "text",
	    admin_value(r, "payment_terms", s, 6), "govuk-input--width-3");
	form_select(b, e, "po_required", "Purchase order or buyer reference "
	    "required on requests and invoices", NULL, yes_no,
	    admin_value(r, "po_required", s, 7));
	form_select(b, e, "calendar", "Bank holiday calendar", "The part of the "
	    "UK the organisation's experts work in: their time on its bank "
	    "holidays is priced out of hours", fee_calendars,
	    admin_value(r, "calendar", s, 8));
	form_end(b, "Save changes");
	sqlite3_reset(s);
	page_end(r, b, status);
}

/* Saves the edit form: every field is sent, so every field is checked. */
static void
org_update_cb(struct ep_req *r, void *arg)
{
	struct org_input in;
	struct form_errors e = { 0 };
	struct audit_actor actor;
	int64_t id;
	int changed = 0, rc;

	(void)arg;
	org_input_read(r, &in);
	in.code = NULL;		/* invoice numbers carry it: it never changes */
	if ((id = page_id(r, "organisation")) == 0)
		return;
	if (in.name == NULL)
		in.name = "";
	audit_actor_of(&actor, &r->who);
	rc = org_update(http_db(), &actor, id, &in, &e, &changed);
	form_saved(r, rc, &e, org_edit_form, errs_get(&e, "id") ? 404 : 400,
	    "/organisations", id, changed ? "organisation-updated" : "unchanged");
}

/* --- People --- */

/* People by name or login, when the administrator searches for one. */
#define PEOPLE_WHERE " WHERE ?1 IS NULL OR p.name LIKE ?1 ESCAPE '\\' OR " \
	"p.login LIKE ?1 ESCAPE '\\'"

static void
people_list_cb(struct ep_req *r, void *arg)
{
	static const char *heads[] = { "Login", "Name", "Organisation", "Roles",
		"State", NULL };
	static const char *const keep[] = { "name", NULL };
	struct evbuffer *b = page_begin(r, "People", NULL);
	char *like = db_like(http_query(r, "name")), *path, roles[128];
	int64_t total = admin_count("SELECT count(*) FROM people p"
	    PEOPLE_WHERE, 0, 0, like);
	int64_t page = html_page_number(r, total, ADMIN_PER_PAGE);
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT p.id, p.login, p.name, "
	    "o.code, p.roles, p.disabled FROM people p JOIN organisations o ON "
	    "o.id = p.org_id" PEOPLE_WHERE " ORDER BY o.code, p.login LIMIT ?2 "
	    "OFFSET ?3");

	(void)arg;
	if (like != NULL)
		sqlite3_bind_text(s, 1, like, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, ADMIN_PER_PAGE);
	sqlite3_bind_int64(s, 3, (page - 1) * ADMIN_PER_PAGE);
	html_printf(b, "<h1 class=\"govuk-heading-l\">People</h1>\n<a href=\""
	    "/admin/people/new\" role=\"button\" class=\"govuk-button\">Add a "
	    "person</a>\n");
	html_filter_begin(b, "/admin/people", "Find a person");
	form_input(b, NULL, "name", "Name or login contains", NULL, "search",
	    http_query(r, "name"), NULL);
	html_filter_end(b, "/admin/people");
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
	path = html_list_path(r, "/admin/people", keep);
	html_pagination(b, path, page, ADMIN_PER_PAGE, total, "people");
	free(path);
	free(like);
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

/* The form that adds a person; posted back, it keeps the roles ticked. */
static void
person_form(struct ep_req *r, int status, const struct form_errors *e)
{
	struct evbuffer *b = page_begin(r, "Add a person", e);
	struct role_pick pick = { r, 0 };
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
	http_form_each(r, "roles", role_pick_cb, &pick);
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
person_create_cb(struct ep_req *r, void *arg)
{
	struct role_pick pick = { r, 0 };
	struct person_input in;
	struct form_errors e = { 0 };
	struct audit_actor actor;
	int64_t id = 0;
	int rc;

	(void)arg;
	http_form_each(r, "roles", role_pick_cb, &pick);
	in.login = http_form(r, "login");
	in.name = http_form(r, "name");
	in.org_code = http_form(r, "org");
	in.password = http_form(r, "password");
	in.roles = pick.roles;
	audit_actor_of(&actor, &r->who);
	rc = person_add(http_db(), &actor, &in, &e, &id);
	form_saved(r, rc, &e, person_form, 400, "/admin/people", id, "person");
}

/* The button that enables a disabled account again. */
static void
person_enable_form(struct evbuffer *b, struct ep_req *r)
{
	char action[64];

	snprintf(action, sizeof action, "/admin/people/%s/enable",
	    http_param(r, "id"));
	html_printf(b, "<h2 class=\"govuk-heading-m\">Enable this account</h2>\n"
	    "<p class=\"govuk-body\">The person will be able to sign in again "
	    "with their password; API tokens ended when the account was "
	    "disabled stay ended.</p>\n");
	form_begin(b, r, action);
	html_printf(b, "<button type=\"submit\" class=\"govuk-button\">Enable "
	    "account</button>\n</form>\n");
}

/* The confirmed form that disables an account. */
static void
person_disable_form(struct evbuffer *b, struct ep_req *r,
    const struct form_errors *e)
{
	static const char *const confirm[][2] = {
		{ "yes", "Yes, disable this account and end its sessions" },
		{ NULL, NULL },
	};
	struct role_pick none = { r, 0 };
	char action[64];

	snprintf(action, sizeof action, "/admin/people/%s/disable",
	    http_param(r, "id"));
	html_printf(b, "<h2 class=\"govuk-heading-m\">Disable this account</h2>\n");
	form_begin(b, r, action);
	form_checkboxes(b, e, "confirm", "Confirm", confirm, role_checked, &none);
	html_printf(b, "<button type=\"submit\" class=\"govuk-button govuk-"
	    "button--warning\">Disable account</button>\n</form>\n");
}

/* For a person who lost their authenticator app. */
static void
person_two_factor_form(struct evbuffer *b, struct ep_req *r)
{
	char action[80];

	snprintf(action, sizeof action, "/admin/people/%s/two-factor/reset",
	    http_param(r, "id"));
	html_printf(b, "<h2 class=\"govuk-heading-m\">Reset two-factor sign-in"
	    "</h2>\n<p class=\"govuk-body\">If this person has lost the phone "
	    "or app that makes their codes, and their recovery codes, reset it: "
	    "their sessions end, they sign in with their password and set up "
	    "two-factor sign-in again.</p>\n");
	form_begin(b, r, action);
	html_printf(b, "<button type=\"submit\" class=\"govuk-button govuk-"
	    "button--secondary\">Reset two-factor sign-in</button>\n</form>\n");
}

/* Ends a person's second factor, from their page. */
static void
person_two_factor_reset_cb(struct ep_req *r, void *arg)
{
	struct audit_actor actor;
	char *loc;
	int64_t id = api_id(r);
	int rc;

	(void)arg;
	audit_actor_of(&actor, &r->who);
	rc = totp_reset(http_db(), &actor, id);
	if (rc < 0) {
		page_message(r, 500, "Sorry, there is a problem",
		    "Two-factor sign-in could not be reset. Try again shortly.");
		return;
	}
	loc = xprintf("/admin/people/%lld?done=%s", (long long)id,
	    rc == 0 ? "two-factor-reset" : "two-factor-was-off");
	http_redirect(r, loc);
	free(loc);
}

static void
person_page(struct ep_req *r, int status, const struct form_errors *e)
{
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT p.login, p.name, o.code, "
	    "p.roles, p.disabled, p.created_at, p.email FROM people p JOIN "
	    "organisations o ON o.id = p.org_id WHERE p.id = ?");
	struct evbuffer *b;
	char roles[128], edit[64];
	const char *email;
	int64_t id = api_id(r);
	int two_factor;

	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		page_message(r, 404, "Page not found", "There is no such person.");
		return;
	}
	roles_format((unsigned)sqlite3_column_int(s, 3), roles, sizeof roles);
	snprintf(edit, sizeof edit, "/admin/people/%s/edit", http_param(r, "id"));
	email = (const char *)sqlite3_column_text(s, 6);
	b = page_begin(r, (const char *)sqlite3_column_text(s, 1), e);
	html_printf(b, "<h1 class=\"govuk-heading-l\">%s</h1>\n<dl class=\""
	    "govuk-summary-list\">\n", (const char *)sqlite3_column_text(s, 1));
	html_summary_row(b, "Login", (const char *)sqlite3_column_text(s, 0));
	admin_row(r, b, "Full name", (const char *)sqlite3_column_text(s, 1),
	    edit, "name");
	admin_row(r, b, "Email", *email ? email : "None: messages stay on the "
	    "messages page", edit, "email");
	html_summary_row(b, "Organisation", (const char *)sqlite3_column_text(s, 2));
	admin_row(r, b, "Roles", roles, edit, "roles");
	html_summary_row(b, "State", sqlite3_column_int(s, 4) ? "Disabled" : "Active");
	html_summary_row(b, "Created", (const char *)sqlite3_column_text(s, 5));
	two_factor = totp_is_on(http_db(), id);
	html_summary_row(b, "Two-factor sign-in", two_factor ? "On" : "Off");
	html_printf(b, "</dl>\n");
	if (two_factor)
		person_two_factor_form(b, r);
	if (sqlite3_column_int(s, 4))
		person_enable_form(b, r);
	else
		person_disable_form(b, r, e);
	sqlite3_reset(s);
	page_end(r, b, status);
}

/* The form that changes a person's name, email address and roles. */
static void
person_edit_form(struct ep_req *r, int status, const struct form_errors *e)
{
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT login, name, email, roles "
	    "FROM people WHERE id = ?");
	struct role_pick pick = { r, 0 };
	struct evbuffer *b;
	char action[64], title[160];

	sqlite3_bind_text(s, 1, http_param(r, "id"), -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		page_message(r, 404, "Page not found", "There is no such person.");
		return;
	}
	if (http_form(r, "csrf") != NULL)
		http_form_each(r, "roles", role_pick_cb, &pick);
	else
		pick.roles = (unsigned)sqlite3_column_int(s, 3);
	snprintf(title, sizeof title, "Change %s", sqlite3_column_text(s, 1));
	snprintf(action, sizeof action, "/admin/people/%s/edit",
	    http_param(r, "id"));
	b = page_begin(r, title, e);
	html_printf(b, "<span class=\"govuk-caption-l\">%s</span>\n<h1 class=\""
	    "govuk-heading-l\">Change the person's details</h1>\n",
	    (const char *)sqlite3_column_text(s, 0));
	form_begin(b, r, action);
	form_input(b, e, "name", "Full name", NULL, "text", admin_value(r, "name",
	    s, 1), NULL);
	form_input_auto(b, e, "email", "Email address (optional)", "Where their "
	    "messages are sent; empty keeps them on the messages page only",
	    "email", admin_value(r, "email", s, 2), NULL, "off");
	form_checkboxes(b, e, "roles", "Roles", role_names, role_checked, &pick);
	form_end(b, "Save changes");
	sqlite3_reset(s);
	page_end(r, b, status);
}

/* Saves the person's form; the ticked roles replace theirs. */
static void
person_update_cb(struct ep_req *r, void *arg)
{
	struct role_pick pick = { r, 0 };
	struct person_edit in = { .disabled = -1 };
	struct form_errors e = { 0 };
	struct audit_actor actor;
	char roles[128];
	int64_t id;
	int changed = 0, rc;

	(void)arg;
	if ((id = page_id(r, "person")) == 0)
		return;
	http_form_each(r, "roles", role_pick_cb, &pick);
	roles_format(pick.roles, roles, sizeof roles);
	in.name = http_form_text(r, "name");
	in.email = http_form_text(r, "email");
	in.roles = roles;
	audit_actor_of(&actor, &r->who);
	rc = person_update(http_db(), &actor, id, &in, &e, &changed);
	form_saved(r, rc, &e, person_edit_form, errs_get(&e, "id") ? 404 : 400,
	    "/admin/people", id, changed ? "person-updated" : "unchanged");
}

/* Enables a disabled account: one button, nothing to confirm. */
static void
person_enable_cb(struct ep_req *r, void *arg)
{
	struct person_edit in = { .disabled = 0 };
	struct form_errors e = { 0 };
	struct audit_actor actor;
	char loc[96];
	int64_t id;
	int changed;

	(void)arg;
	if ((id = page_id(r, "person")) == 0)
		return;
	audit_actor_of(&actor, &r->who);
	if (person_update(http_db(), &actor, id, &in, &e, &changed) != 0) {
		if (errs_get(&e, "id"))
			page_message(r, 404, "Page not found", "There is no such "
			    "person.");
		else
			person_page(r, 400, &e);
		errs_free(&e);
		return;
	}
	snprintf(loc, sizeof loc, "/admin/people/%lld?done=enabled",
	    (long long)id);
	http_redirect(r, loc);
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
	if ((id = page_id(r, "person")) == 0)
		return;
	audit_actor_of(&actor, &r->who);
	if (person_disable(http_db(), &actor, id) != 0) {
		page_message(r, 500, "Sorry, there is a problem",
		    "The account could not be disabled.");
		return;
	}
	http_redirect(r, "/admin/people?done=disabled");
}

/* --- Agreements --- */

/* The agreements a council is party to, or (?1) all of them. */
#define AGREEMENTS_WHERE " WHERE ?1 OR a.provider_id IS NULL OR " \
	"a.provider_id = ?2 OR a.consumer_id = ?2"

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
	    "coalesce(a.valid_to, ''), a.id FROM agreements a LEFT JOIN organisations p "
	    "ON p.id = a.provider_id LEFT JOIN organisations c ON "
	    "c.id = a.consumer_id" AGREEMENTS_WHERE " ORDER BY a.id LIMIT ?3 "
	    "OFFSET ?4");
	int64_t total = admin_count("SELECT count(*) FROM agreements a"
	    AGREEMENTS_WHERE, all, r->who.org_id, NULL);
	int64_t page = html_page_number(r, total, ADMIN_PER_PAGE);
	char cap[32], terms[32], valid[40];

	(void)arg;
	sqlite3_bind_int(s, 1, all);
	sqlite3_bind_int64(s, 2, r->who.org_id);
	sqlite3_bind_int64(s, 3, ADMIN_PER_PAGE);
	sqlite3_bind_int64(s, 4, (page - 1) * ADMIN_PER_PAGE);
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
			units_money_text(cap, sizeof cap, sqlite3_column_int64(s, 4));
		snprintf(terms, sizeof terms, "%d days", sqlite3_column_int(s, 3));
		snprintf(valid, sizeof valid, "%s to %s", sqlite3_column_text(s, 6),
		    *sqlite3_column_text(s, 7) ? (const char *)
		    sqlite3_column_text(s, 7) : "open");
		html_printf(b, "<tr class=\"govuk-table__row\"><td class=\"govuk-"
		    "table__cell\"><a class=\"govuk-link\" href=\"/admin/"
		    "agreements/%D\">%s<span class=\"govuk-visually-hidden\"> to "
		    "%s from %s</span></a></td>",
		    (int64_t)sqlite3_column_int64(s, 8),
		    (const char *)sqlite3_column_text(s, 0),
		    (const char *)sqlite3_column_text(s, 1),
		    (const char *)sqlite3_column_text(s, 6));
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
	html_pagination(b, "/admin/agreements?", page, ADMIN_PER_PAGE, total,
	    "agreements");
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
	int rc;

	(void)arg;
	audit_actor_of(&actor, &r->who);
	rc = agreement_add(http_db(), &actor, &in, &e, &id);
	form_saved(r, rc, &e, agreement_form, 400, "/admin/agreements", 0,
	    "agreement");
}

/* Every version of the agreement id belongs to, oldest first: the chain
 * of versions each replacing the one before. */
#define AGREEMENT_VERSIONS "WITH RECURSIVE up(id, replaces) AS (SELECT id, " \
	"replaces FROM agreements WHERE id = ?1 UNION SELECT a.id, a.replaces " \
	"FROM agreements a JOIN up ON a.id = up.replaces), down(id) AS (SELECT " \
	"id FROM agreements WHERE id = ?1 UNION SELECT a.id FROM agreements a " \
	"JOIN down ON a.replaces = down.id) SELECT a.id, a.ruleset, " \
	"a.payment_terms_days, coalesce(a.monthly_cap_pence, -1), " \
	"a.vat_category, a.valid_from, coalesce(a.valid_to, '') FROM " \
	"agreements a WHERE a.id IN (SELECT id FROM up UNION SELECT id FROM " \
	"down) ORDER BY a.valid_from"

/* "standard rules, 30 days, cap £15,000.00, VAT S": one version's terms. */
static void
agreement_terms_text(sqlite3_stmt *s, char *out, size_t len)
{
	char cap[32];

	if (sqlite3_column_int64(s, 3) < 0)
		snprintf(cap, sizeof cap, "no cap");
	else {
		snprintf(cap, sizeof cap, "cap ");
		units_money_text(cap + 4, sizeof cap - 4, sqlite3_column_int64(s, 3));
	}
	snprintf(out, len, "%s rules, %d days to pay, %s, VAT %s",
	    sqlite3_column_text(s, 1), sqlite3_column_int(s, 2), cap,
	    sqlite3_column_text(s, 4));
}

/* The versions of an agreement: dates and terms, this one marked. */
static void
agreement_versions_table(struct evbuffer *b, int64_t id)
{
	static const char *heads[] = { "From", "To", "Terms", NULL };
	sqlite3_stmt *s = db_stmt(http_db(), AGREEMENT_VERSIONS);
	char terms[192];

	sqlite3_bind_int64(s, 1, id);
	html_table_open(b, "Versions", heads);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *to = (const char *)sqlite3_column_text(s, 6);

		agreement_terms_text(s, terms, sizeof terms);
		html_printf(b, "<tr class=\"govuk-table__row\"><td class=\"govuk-"
		    "table__cell\"><a class=\"govuk-link\" href=\"/admin/"
		    "agreements/%D\"%R>%s</a>%R</td>",
		    (int64_t)sqlite3_column_int64(s, 0),
		    sqlite3_column_int64(s, 0) == id ? " aria-current=\"page\"" : "",
		    (const char *)sqlite3_column_text(s, 5),
		    sqlite3_column_int64(s, 0) == id ? " (this version)" : "");
		html_cell(b, *to ? to : "No end");
		html_cell(b, terms);
		html_printf(b, "</tr>\n");
	}
	sqlite3_reset(s);
	html_table_close(b);
}

/* One version of an agreement, its place among the others, and for
 * admins the way to vary it from a date. */
static void
agreement_view_cb(struct ep_req *r, void *arg)
{
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT coalesce(p.code || ' "
	    "\xe2\x80\x93 ' || p.name, 'Any provider'), coalesce(c.code || ' "
	    "\xe2\x80\x93 ' || c.name, 'Any consumer'), a.ruleset, "
	    "a.payment_terms_days, coalesce(a.monthly_cap_pence, -1), "
	    "a.vat_category, a.valid_from, coalesce(a.valid_to, ''), "
	    "(SELECT n.id FROM agreements n WHERE n.replaces = a.id) FROM "
	    "agreements a LEFT JOIN organisations p ON p.id = a.provider_id "
	    "LEFT JOIN organisations c ON c.id = a.consumer_id WHERE a.id = ?");
	struct evbuffer *b;
	char text[64], title[64];
	int64_t id;

	(void)arg;
	if (parse_int64(http_param(r, "id"), 1, INT64_MAX, &id) != 0)
		id = 0;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		page_message(r, 404, "Page not found", "There is no such "
		    "agreement.");
		return;
	}
	snprintf(title, sizeof title, "Agreement %lld", (long long)id);
	b = page_begin(r, title, NULL);
	html_printf(b, "<h1 class=\"govuk-heading-l\">%s</h1>\n<dl class=\""
	    "govuk-summary-list\">\n", title);
	html_summary_row(b, "Provider", (const char *)sqlite3_column_text(s, 0));
	html_summary_row(b, "Consumer", (const char *)sqlite3_column_text(s, 1));
	html_summary_row(b, "Fee rules", (const char *)sqlite3_column_text(s, 2));
	snprintf(text, sizeof text, "%d days", sqlite3_column_int(s, 3));
	html_summary_row(b, "Payment terms", text);
	if (sqlite3_column_int64(s, 4) < 0)
		snprintf(text, sizeof text, "None");
	else
		units_money_text(text, sizeof text, sqlite3_column_int64(s, 4));
	html_summary_row(b, "Monthly cap", text);
	html_summary_row(b, "VAT", (const char *)sqlite3_column_text(s, 5));
	html_summary_row(b, "Valid from", (const char *)sqlite3_column_text(s, 6));
	html_summary_row(b, "Valid to", *sqlite3_column_text(s, 7) ?
	    (const char *)sqlite3_column_text(s, 7) : "No end");
	html_printf(b, "</dl>\n");
	if (sqlite3_column_type(s, 8) != SQLITE_NULL)
		html_printf(b, "<div class=\"govuk-inset-text\">These terms were "
		    "replaced: see <a class=\"govuk-link\" href=\"/admin/"
		    "agreements/%D\">the version that followed</a>.</div>\n",
		    (int64_t)sqlite3_column_int64(s, 8));
	else if (r->who.roles & EP_ROLE_ADMIN)
		html_printf(b, "<p class=\"govuk-body\">Terms are never rewritten: "
		    "new terms start from a date, and these end the day before."
		    "</p>\n<a href=\"/admin/agreements/%D/vary\" role=\"button\" "
		    "draggable=\"false\" class=\"govuk-button\" data-module=\""
		    "govuk-button\">Vary these terms</a>\n", id);
	sqlite3_reset(s);
	agreement_versions_table(b, id);
	page_end(r, b, 200);
}

/* The form for new terms from a date, filled with the current terms. */
static void
agreement_vary_form(struct ep_req *r, int status, const struct form_errors *e)
{
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT a.ruleset, "
	    "a.payment_terms_days, a.monthly_cap_pence, a.vat_category, "
	    "coalesce(a.valid_to, ''), a.valid_from FROM agreements a WHERE "
	    "a.id = ?");
	struct evbuffer *b;
	char action[64], title[64], hint[160], cap[32] = "";
	const char *typed;

	sqlite3_bind_text(s, 1, http_param(r, "id"), -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		page_message(r, 404, "Page not found", "There is no such "
		    "agreement.");
		return;
	}
	snprintf(title, sizeof title, "Vary agreement %s", http_param(r, "id"));
	snprintf(action, sizeof action, "/admin/agreements/%s/vary",
	    http_param(r, "id"));
	snprintf(hint, sizeof hint, "As YYYY-MM-DD, after %s, when the current "
	    "terms started; they end the day before", sqlite3_column_text(s, 5));
	b = page_begin(r, title, e);
	html_printf(b, "<h1 class=\"govuk-heading-l\">%s</h1>\n<p class=\""
	    "govuk-body\">The new terms apply from the date you give; work "
	    "already priced keeps the terms it was priced under.</p>\n", title);
	form_begin(b, r, action);
	form_input(b, e, "valid_from", "New terms start from", hint, "text",
	    http_form(r, "valid_from"), "govuk-input--width-10");
	form_input(b, e, "ruleset", "Fee rule set", "For example, standard",
	    "text", admin_value(r, "ruleset", s, 0), "govuk-input--width-20");
	form_input(b, e, "payment_terms", "Payment terms in days", NULL, "text",
	    admin_value(r, "payment_terms", s, 1), "govuk-input--width-3");
	if (sqlite3_column_type(s, 2) != SQLITE_NULL)
		units_money_plain(cap, sizeof cap, sqlite3_column_int64(s, 2));
	typed = http_form(r, "monthly_cap");
	form_input(b, e, "monthly_cap", "Monthly cap in pounds (optional)",
	    "For example, 15000.00; empty for no cap", "text",
	    typed != NULL ? typed : cap, "govuk-input--width-10");
	form_select(b, e, "vat", "VAT treatment", NULL, vat_options,
	    admin_value(r, "vat", s, 3));
	form_input(b, e, "valid_to", "Valid to (optional)", "As YYYY-MM-DD; "
	    "empty for no end", "text", admin_value(r, "valid_to", s, 4),
	    "govuk-input--width-10");
	form_end(b, "Save new terms");
	sqlite3_reset(s);
	page_end(r, b, status);
}

/* Saves new terms from a date as a new version of the agreement. */
static void
agreement_vary_cb(struct ep_req *r, void *arg)
{
	const char *f[] = { "valid_from", "ruleset", "payment_terms",
		"monthly_cap", "vat", "valid_to" };
	const char *v[6];
	struct agreement_input in;
	struct form_errors e = { 0 };
	struct audit_actor actor;
	int64_t id, new_id = 0;
	size_t i;
	int rc;

	(void)arg;
	if ((id = page_id(r, "agreement")) == 0)
		return;
	for (i = 0; i < nitems(f); i++)
		v[i] = http_form_text(r, f[i]);
	memset(&in, 0, sizeof in);
	in.valid_from = v[0];
	in.ruleset = v[1];
	in.payment_terms = v[2];
	in.monthly_cap = v[3];
	in.vat = v[4];
	in.valid_to = v[5];
	audit_actor_of(&actor, &r->who);
	rc = agreement_vary(http_db(), &actor, id, &in, &e, &new_id);
	/* The form answers 404 itself when there is no agreement. */
	form_saved(r, rc, &e, agreement_vary_form, 400, "/admin/agreements",
	    new_id, "agreement-varied");
}

/* The forms' GET routes draw them fresh through form_page_cb. */
void
admin_routes_register(void)
{
	static struct form_page org_new_page = { org_form };
	static struct form_page org_edit_page = { org_edit_form };
	static struct form_page person_new_page = { person_form };
	static struct form_page person_edit_page = { person_edit_form };
	static struct form_page agreement_new_page = { agreement_form };
	static struct form_page agreement_vary_new_page = { agreement_vary_form };

	route_add(NULL, "GET", "/admin/organisations", EP_ROLE_ADMIN,
	    orgs_list_cb, NULL);
	route_add(NULL, "GET", "/admin/organisations/new", EP_ROLE_ADMIN,
	    form_page_cb, &org_new_page);
	route_add(NULL, "POST", "/admin/organisations", EP_ROLE_ADMIN,
	    org_create_cb, NULL);
	route_add_owned(NULL, "GET", "/organisations/{id}", EP_ROLE_ANY,
	    "SELECT id FROM organisations WHERE id = ?1", org_view_cb, NULL);
	route_add_owned(NULL, "GET", "/admin/organisations/{id}/edit",
	    EP_ROLE_ADMIN, "SELECT id FROM organisations WHERE id = ?1",
	    form_page_cb, &org_edit_page);
	route_add_owned(NULL, "POST", "/admin/organisations/{id}/edit",
	    EP_ROLE_ADMIN, "SELECT id FROM organisations WHERE id = ?1",
	    org_update_cb, NULL);
	route_add(NULL, "GET", "/admin/people", EP_ROLE_ADMIN, people_list_cb,
	    NULL);
	route_add(NULL, "GET", "/admin/people/new", EP_ROLE_ADMIN, form_page_cb,
	    &person_new_page);
	route_add(NULL, "POST", "/admin/people", EP_ROLE_ADMIN, person_create_cb,
	    NULL);
	route_add_owned(NULL, "GET", "/admin/people/{id}", EP_ROLE_ADMIN,
	    "SELECT org_id FROM people WHERE id = ?1", person_view_cb, NULL);
	route_add_owned(NULL, "POST", "/admin/people/{id}/disable", EP_ROLE_ADMIN,
	    "SELECT org_id FROM people WHERE id = ?1", person_disable_cb, NULL);
	route_add_owned(NULL, "POST", "/admin/people/{id}/enable", EP_ROLE_ADMIN,
	    "SELECT org_id FROM people WHERE id = ?1", person_enable_cb, NULL);
	route_add_owned(NULL, "POST", "/admin/people/{id}/two-factor/reset",
	    EP_ROLE_ADMIN, "SELECT org_id FROM people WHERE id = ?1",
	    person_two_factor_reset_cb, NULL);
	route_add_owned(NULL, "GET", "/admin/people/{id}/edit", EP_ROLE_ADMIN,
	    "SELECT org_id FROM people WHERE id = ?1", form_page_cb,
	    &person_edit_page);
	route_add_owned(NULL, "POST", "/admin/people/{id}/edit", EP_ROLE_ADMIN,
	    "SELECT org_id FROM people WHERE id = ?1", person_update_cb, NULL);
	route_add(NULL, "GET", "/admin/agreements", EP_ROLE_ADMIN |
	    EP_ROLE_FINANCE, agreements_list_cb, NULL);
	route_add(NULL, "GET", "/admin/agreements/new", EP_ROLE_ADMIN,
	    form_page_cb, &agreement_new_page);
	route_add(NULL, "POST", "/admin/agreements", EP_ROLE_ADMIN,
	    agreement_create_cb, NULL);
	route_add_owned(NULL, "GET", "/admin/agreements/{id}", EP_ROLE_ADMIN |
	    EP_ROLE_FINANCE, AGREEMENT_OWNER_SQL, agreement_view_cb, NULL);
	route_add_owned(NULL, "GET", "/admin/agreements/{id}/vary",
	    EP_ROLE_ADMIN, AGREEMENT_OWNER_SQL, form_page_cb,
	    &agreement_vary_new_page);
	route_add_owned(NULL, "POST", "/admin/agreements/{id}/vary",
	    EP_ROLE_ADMIN, AGREEMENT_OWNER_SQL, agreement_vary_cb, NULL);
}
