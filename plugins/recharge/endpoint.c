/* endpoint.c: each organisation's Peppol endpoint: checks, CLI and page. */
#include "recharge.h"
#include "../pager.h"

#include <string.h>

#define RC_ENDPOINT_ROLES (EP_ROLE_FINANCE | EP_ROLE_ADMIN)

/* The schemes an endpoint may use, for the form's select. */
static const char *const rch_schemes[][2] = {
	{ "0088", "0088: Global Location Number (GLN)" },
	{ "9932", "9932: United Kingdom VAT number" },
	{ NULL, NULL },
};

static int
rch_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
	}
	return s[n] == '\0';
}

/* A GLN: 13 digits, the last a GS1 check digit (weights 3 and 1 from the
 * right, so the sum with the check digit is a multiple of 10). */
static int
rch_gln_check(const char *id, char *err, size_t len)
{
	int sum = 0, i, check;

	if (strlen(id) != 13 || !rch_digits(id, 13)) {
		snprintf(err, len, "id: a GLN is 13 digits, not \"%s\"", id);
		return -1;
	}
	for (i = 0; i < 12; i++)
		sum += (id[i] - '0') * (i % 2 == 0 ? 1 : 3);
	check = (10 - sum % 10) % 10;
	if (id[12] - '0' != check) {
		snprintf(err, len, "id: %s is not a GLN: its check digit should be "
		    "%d", id, check);
		return -1;
	}
	return 0;
}

/* A UK VAT endpoint: GB and 9 digits, GB and 12 (a branch), or GBGD or
 * GBHA and 3 (government departments, health authorities). */
static int
rch_ukvat_check(const char *id, char *err, size_t len)
{
	if (strncmp(id, "GB", 2) == 0 && ((strlen(id) == 11 &&
	    rch_digits(id + 2, 9)) || (strlen(id) == 14 && rch_digits(id + 2, 12)) ||
	    (strlen(id) == 7 && (strncmp(id + 2, "GD", 2) == 0 ||
	    strncmp(id + 2, "HA", 2) == 0) && rch_digits(id + 4, 3))))
		return 0;
	snprintf(err, len, "id: a UK VAT endpoint is GB and 9 or 12 digits, or "
	    "GBGD or GBHA and 3, not \"%s\"", id);
	return -1;
}

/* Checks a scheme and identifier; the message starts with the field. */
int
rch_endpoint_check(const char *scheme, const char *id, char *err, size_t len)
{
	if (scheme == NULL || *scheme == '\0') {
		snprintf(err, len, "scheme: choose 0088 (GLN) or 9932 (UK VAT)");
		return -1;
	}
	if (id == NULL || *id == '\0') {
		snprintf(err, len, "id: enter the endpoint identifier");
		return -1;
	}
	if (strcmp(scheme, "0088") == 0)
		return rch_gln_check(id, err, len);
	if (strcmp(scheme, "9932") == 0)
		return rch_ukvat_check(id, err, len);
	snprintf(err, len, "scheme: \"%s\" is not supported: use 0088 (GLN) or "
	    "9932 (UK VAT)", scheme);
	return -1;
}

/* Sets an organisation's endpoint, audited, in one transaction. */
int
rch_endpoint_set(ep_db *db, ep_req *r, const char *org, const char *scheme,
    const char *id, char *err, size_t len)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s;
	char summary[160];
	int64_t org_id = 0;
	int rc = -1;

	if (rch_endpoint_check(scheme, id, err, len) != 0)
		return -1;
	if (h->db_begin(db) != 0) {
		snprintf(err, len, "cannot begin: %s", h->db_errmsg(db));
		return -1;
	}
	s = h->db_prepare(db, "SELECT id FROM organisations WHERE code = ?");
	h->stmt_bind_text(s, 1, org ? org : "");
	if (h->stmt_step(s) == EP_STEP_ROW)
		org_id = h->stmt_int64(s, 0);
	h->stmt_reset(s);
	if (org_id == 0) {
		snprintf(err, len, "org: there is no organisation \"%s\"",
		    org ? org : "");
		goto out;
	}
	s = h->db_prepare(db, "INSERT INTO recharge_endpoints (org_id, scheme, "
	    "endpoint) VALUES (?, ?, ?) ON CONFLICT (org_id) DO UPDATE SET "
	    "scheme = excluded.scheme, endpoint = excluded.endpoint");
	h->stmt_bind_int64(s, 1, org_id);
	h->stmt_bind_text(s, 2, scheme);
	h->stmt_bind_text(s, 3, id);
	rc = h->stmt_step(s);
	h->stmt_reset(s);
	if (rc != EP_STEP_DONE) {
		snprintf(err, len, "saving the endpoint: %s", h->db_errmsg(db));
		rc = -1;
		goto out;
	}
	snprintf(summary, sizeof summary, "{\"scheme\":\"%s\",\"id\":\"%s\"}",
	    scheme, id);
	if (h->audit(db, r, "set", "peppol-endpoint", org, org_id, summary) != 0) {
		snprintf(err, len, "audit: %s", h->db_errmsg(db));
		rc = -1;
		goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		h->db_rollback(db);
	else if (h->db_commit(db) != 0) {
		snprintf(err, len, "cannot commit: %s", h->db_errmsg(db));
		h->db_rollback(db);
		rc = -1;
	}
	return rc;
}

#define RC_ENDPOINTS_PER_PAGE 50

/* The endpoints as a table: one organisation's, or every one's, a page of
 * organisations at a time. */
static void
rch_endpoint_table(ep_req *r, ep_page *b, int all)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(h->req_db(r), "SELECT count(*) FROM "
	    "organisations o WHERE ?1 OR o.id = ?2");
	int64_t total = 0, page;

	h->stmt_bind_int64(s, 1, all);
	h->stmt_bind_int64(s, 2, h->req_org(r));
	if (h->stmt_step(s) == EP_STEP_ROW)
		total = h->stmt_int64(s, 0);
	h->stmt_reset(s);
	page = pager_page(h, r, "page", total, RC_ENDPOINTS_PER_PAGE);
	s = h->db_prepare(h->req_db(r), "SELECT o.code, o.name, "
	    "coalesce(e.scheme, ''), coalesce(e.endpoint, '') FROM organisations "
	    "o LEFT JOIN recharge_endpoints e ON e.org_id = o.id WHERE ?1 OR "
	    "o.id = ?2 ORDER BY o.code LIMIT ?3 OFFSET ?4");
	h->stmt_bind_int64(s, 1, all);
	h->stmt_bind_int64(s, 2, h->req_org(r));
	h->stmt_bind_int64(s, 3, RC_ENDPOINTS_PER_PAGE);
	h->stmt_bind_int64(s, 4, (page - 1) * RC_ENDPOINTS_PER_PAGE);
	h->html(b, "<div class=\"ep-table-scroll\" role=\"region\" "
	    "aria-label=\"Endpoints\" tabindex=\"0\">"
	    "<table class=\"govuk-table\" id=\"endpoints\"><caption class="
	    "\"govuk-table__caption govuk-table__caption--m\">Endpoints</caption>"
	    "<thead class=\"govuk-table__head\"><tr class=\"govuk-table__row\">"
	    "<th scope=\"col\" class=\"govuk-table__header\">Organisation</th>"
	    "<th scope=\"col\" class=\"govuk-table__header\">Scheme</th><th "
	    "scope=\"col\" class=\"govuk-table__header\">Identifier</th></tr>"
	    "</thead><tbody class=\"govuk-table__body\">\n");
	while (h->stmt_step(s) == EP_STEP_ROW)
		h->html(b, "<tr class=\"govuk-table__row\"><td class=\"govuk-table__"
		    "cell\">%s (%s)</td><td class=\"govuk-table__cell\">%s</td><td "
		    "class=\"govuk-table__cell\">%s</td></tr>\n", h->stmt_text(s, 1),
		    h->stmt_text(s, 0), *h->stmt_text(s, 2) ? h->stmt_text(s, 2) :
		    "none", h->stmt_text(s, 3));
	h->stmt_reset(s);
	h->html(b, "</tbody></table></div>\n");
	pager_draw(h, b, "/endpoints?", "page", page, RC_ENDPOINTS_PER_PAGE,
	    total, "organisations");
}

static void
rch_endpoint_page(ep_req *r, int status, const ep_errors *e)
{
	const struct ep_host *h = rch_host;
	int admin = (h->req_roles(r) & EP_ROLE_ADMIN) != 0;
	const char *org = h->req_form(r, "org");
	ep_page *b = h->page_begin(r, "Peppol endpoints", e);

	h->html(b, "<h1 class=\"govuk-heading-l\">Peppol endpoints</h1>\n<p "
	    "class=\"govuk-body\">Where each council receives e-invoices: the "
	    "scheme and identifier written into every UBL invoice and credit "
	    "note it sends or receives.</p>\n");
	rch_endpoint_table(r, b, admin);
	h->html(b, "<h2 class=\"govuk-heading-m\">Set an endpoint</h2>\n");
	h->form_begin(b, r, "/endpoints");
	if (admin)
		h->form_input(b, e, "org", "Organisation code", "For example AVD",
		    "text", org, "govuk-input--width-10");
	h->form_select(b, e, "scheme", "Scheme", NULL, rch_schemes,
	    h->req_form(r, "scheme"));
	h->form_input(b, e, "id", "Identifier", "A GLN of 13 digits for 0088; "
	    "GB and 9 digits for 9932", "text", h->req_form(r, "id"),
	    "govuk-input--width-20");
	h->form_end(b, "Save the endpoint");
	h->page_end(r, b, status);
}

static void
rch_endpoint_get_cb(ep_req *r, void *arg)
{
	(void)arg;
	rch_endpoint_page(r, 200, NULL);
}

/* A finance officer sets their own organisation's endpoint; an
 * administrator any organisation's. */
static void
rch_endpoint_post_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = rch_host;
	const char *org = (h->req_roles(r) & EP_ROLE_ADMIN) ?
	    h->req_form(r, "org") : h->req_org_code(r);
	char err[256], *colon;
	ep_errors *e;

	(void)arg;
	if (rch_endpoint_set(h->req_db(r), r, org, h->req_form(r, "scheme"),
	    h->req_form(r, "id"), err, sizeof err) == 0) {
		h->redirect(r, "/endpoints?done=endpoint");
		return;
	}
	/* The message names its field first: org, scheme or id. */
	e = h->errors_new();
	if ((colon = strchr(err, ':')) != NULL && colon[1] == ' ') {
		*colon = '\0';
		if (strcmp(err, "org") != 0 && strcmp(err, "scheme") != 0 &&
		    strcmp(err, "id") != 0)
			*colon = ':';
	}
	if (colon != NULL && *colon == '\0')
		h->errors_add(e, err, colon + 2);
	else
		h->errors_add(e, "id", err);
	rch_endpoint_page(r, 400, e);
	h->errors_free(e);
}

void
rch_endpoint_routes(void)
{
	const struct ep_host *h = rch_host;

	h->route_add(rch_self, "GET", "/endpoints", RC_ENDPOINT_ROLES,
	    rch_endpoint_get_cb, NULL);
	h->route_add(rch_self, "POST", "/endpoints", RC_ENDPOINT_ROLES,
	    rch_endpoint_post_cb, NULL);
}

/* expertpool invoice endpoint set --org CODE --scheme S --id ID | list */
int
rch_endpoint_command(ep_db *db, int argc, char **argv)
{
	const struct ep_host *h = rch_host;
	const char *org = NULL, *scheme = NULL, *id = NULL;
	char err[256];
	int i;

	if (argc > 2 && strcmp(argv[2], "list") == 0) {
		ep_stmt *s = h->db_prepare(db, "SELECT o.code, e.scheme, "
		    "e.endpoint FROM recharge_endpoints e JOIN organisations o ON "
		    "o.id = e.org_id ORDER BY o.code");

		while (h->stmt_step(s) == EP_STEP_ROW)
			printf("%s\t%s\t%s\n", h->stmt_text(s, 0), h->stmt_text(s, 1),
			    h->stmt_text(s, 2));
		h->stmt_reset(s);
		return 0;
	}
	if (argc < 3 || strcmp(argv[2], "set") != 0) {
		fprintf(stderr, "usage: expertpool invoice endpoint set --org CODE "
		    "--scheme 0088|9932 --id ID | list\n");
		return 2;
	}
	for (i = 3; i < argc - 1; i += 2) {
		if (strcmp(argv[i], "--org") == 0)
			org = argv[i + 1];
		else if (strcmp(argv[i], "--scheme") == 0)
			scheme = argv[i + 1];
		else if (strcmp(argv[i], "--id") == 0)
			id = argv[i + 1];
		else {
			fprintf(stderr, "expertpool: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (org == NULL) {
		fprintf(stderr, "expertpool: org: --org CODE is required\n");
		return 2;
	}
	if (rch_endpoint_set(db, NULL, org, scheme, id, err, sizeof err) != 0) {
		fprintf(stderr, "expertpool: %s\n", err);
		return 1;
	}
	printf("%s\t%s\t%s\n", org, scheme, id);
	return 0;
}
