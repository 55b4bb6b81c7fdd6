/* fees-pages.c: the fee rules' pages: versions, reload, what-if pricing. */
#include "server.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <sqlite3.h>

#define CANDIDATES_MAX 32

/* The rule-set files an administrator may try: scripts/fees/NAME.lua, not
 * the tests. Sorted; names only, never paths typed by a person. */
static size_t
fees_candidates(char names[][65], size_t max)
{
	char *dir = xprintf("%s/fees", cfg.scripts);
	struct dirent **list = NULL;
	size_t n = 0;
	int k, i;

	k = scandir(dir, &list, NULL, alphasort);
	for (i = 0; i < k; i++) {
		const char *f = list[i]->d_name;
		size_t len = strlen(f);

		if (n < max && len > 4 && len - 4 < 65 &&
		    strcmp(f + len - 4, ".lua") == 0 &&
		    strstr(f, "_test.lua") == NULL && f[0] != '.') {
			memcpy(names[n], f, len - 4);
			names[n][len - 4] = '\0';
			n++;
		}
		free(list[i]);
	}
	free(list);
	free(dir);
	return n;
}

static void
fees_page(struct ep_req *r, int status, const struct form_errors *e,
    const char *notice, struct evbuffer *results)
{
	static const char *heads[] = { "Rule set", "Version (BLAKE2b)",
		"First seen", NULL };
	char names[CANDIDATES_MAX][65];
	const char *options[CANDIDATES_MAX + 1][2];
	struct evbuffer *b = page_begin(r, "Fee rules", e);
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT name, hash, first_seen FROM "
	    "fee_rulesets ORDER BY name, first_seen DESC");
	size_t n = fees_candidates(names, CANDIDATES_MAX), i;

	html_printf(b, "<h1 class=\"govuk-heading-l\">Fee rules</h1>\n");
	if (notice != NULL)
		html_printf(b, "<div class=\"govuk-inset-text\" id=\"notice\">%s</div>"
		    "\n", notice);
	html_printf(b, "<table class=\"govuk-table\">\n<caption class=\"govuk-"
	    "table__caption govuk-table__caption--m\">Versions on record</caption>"
	    "\n<thead class=\"govuk-table__head\"><tr class=\"govuk-table__row\">");
	for (i = 0; heads[i] != NULL; i++)
		html_printf(b, "<th scope=\"col\" class=\"govuk-table__header\">%s"
		    "</th>", heads[i]);
	html_printf(b, "</tr></thead>\n<tbody class=\"govuk-table__body\">\n");
	while (s != NULL && sqlite3_step(s) == SQLITE_ROW)
		html_printf(b, "<tr class=\"govuk-table__row\"><td class=\"govuk-"
		    "table__cell\">%s</td><td class=\"govuk-table__cell govuk-body-s\">"
		    "<code>%s</code></td><td class=\"govuk-table__cell\">%s</td></tr>\n",
		    (const char *)sqlite3_column_text(s, 0),
		    (const char *)sqlite3_column_text(s, 1),
		    (const char *)sqlite3_column_text(s, 2));
	if (s != NULL)
		sqlite3_reset(s);
	html_printf(b, "</tbody>\n</table>\n");
	if (r->who.roles & EP_ROLE_ADMIN) {
		html_printf(b, "<h2 class=\"govuk-heading-m\">Reload</h2>\n<p class="
		    "\"govuk-body\">Reads the rule-set files again. A changed rule set "
		    "becomes active only if it loads and passes its tests; otherwise "
		    "the version in use stays.</p>\n");
		form_begin(b, r, "/admin/fees/reload");
		form_end(b, "Reload fee rules");
	}
	html_printf(b, "<h2 class=\"govuk-heading-m\">What if</h2>\n<p class="
	    "\"govuk-body\">Prices a past month's entries again with a candidate "
	    "rule set and shows each consumer's old and new totals. Nothing is "
	    "changed.</p>\n");
	for (i = 0; i < n; i++) {
		options[i][0] = names[i];
		options[i][1] = names[i];
	}
	options[n][0] = options[n][1] = NULL;
	form_begin(b, r, "/admin/fees/whatif");
	form_input(b, e, "period", "Month", "As YYYY-MM, for example 2026-10",
	    "text", http_form(r, "period"), "govuk-input--width-5");
	form_select(b, e, "ruleset", "Candidate rule set", "A file in the fee "
	    "rules directory", options, http_form(r, "ruleset"));
	form_end(b, "Price the month again");
	if (results != NULL) {
		evbuffer_add_buffer(b, results);
		evbuffer_free(results);
	}
	page_end(r, b, status);
}

static void
fees_get_cb(struct ep_req *r, void *arg)
{
	(void)arg;
	fees_page(r, 200, NULL, NULL, NULL);
}

/* Re-reads the rule sets; the message says what was refused and why. */
static void
fees_reload_cb(struct ep_req *r, void *arg)
{
	struct fee_engine *fe = fee_server();
	struct audit_actor actor;
	char *err = NULL, *msg;
	int refused;

	(void)arg;
	if (fe == NULL) {
		fees_page(r, 409, NULL, "No fee engine is running: start the server "
		    "with a scripts directory.", NULL);
		return;
	}
	refused = fee_reload(fe, &err);
	audit_actor_of(&actor, &r->who);
	if (db_begin(http_db()) == 0) {
		if (audit_record(http_db(), &actor, "reload", "fee-rules", "",
		    0, refused ? "{\"refused\":true}" : "{}") != 0 ||
		    db_commit(http_db()) != 0)
			db_rollback(http_db());
	}
	if (refused)
		msg = xprintf("%d rule set%s refused; the versions in use stay: %s",
		    refused, refused == 1 ? " was" : "s were", err ? err : "");
	else
		msg = xstrdup("Fee rules reloaded.");
	fees_page(r, refused ? 422 : 200, NULL, msg, NULL);
	free(msg);
	free(err);
}

struct whatif_table {
	struct evbuffer *b;
	int64_t old_sum, new_sum;
	int rows;
};

static void
whatif_row_cb(const struct fee_whatif_row *row, void *arg)
{
	struct whatif_table *t = arg;

	html_printf(t->b, "<tr class=\"govuk-table__row\"><td class=\"govuk-"
	    "table__cell\">%s</td><td class=\"govuk-table__cell govuk-table__cell"
	    "--numeric\">%D</td><td class=\"govuk-table__cell govuk-table__cell--"
	    "numeric\">%P</td><td class=\"govuk-table__cell govuk-table__cell--"
	    "numeric\">%P</td><td class=\"govuk-table__cell govuk-table__cell--"
	    "numeric\">%P</td></tr>\n", row->consumer, row->entries,
	    row->old_total, row->new_total, row->new_total - row->old_total);
	t->old_sum += row->old_total;
	t->new_sum += row->new_total;
	t->rows++;
}

static void
fees_whatif_cb(struct ep_req *r, void *arg)
{
	const char *period = http_form(r, "period");
	const char *name = http_form(r, "ruleset");
	char names[CANDIDATES_MAX][65];
	struct form_errors e = { 0 };
	struct whatif_table t = { 0 };
	size_t n = fees_candidates(names, CANDIDATES_MAX), i;
	char *path = NULL, *err = NULL;
	int rc;

	(void)arg;
	if (period == NULL || !fee_valid_period(period))
		errs_add(&e, "period", "Enter a month as YYYY-MM, such as 2026-10");
	for (i = 0; name != NULL && i < n; i++) {
		if (strcmp(names[i], name) == 0)
			break;
	}
	if (name == NULL || i == n)
		errs_add(&e, "ruleset", "Choose a rule set from the list");
	if (e.n == 0 && fee_server() == NULL)
		errs_add(&e, "ruleset", "No fee engine is running");
	if (e.n > 0)
		goto invalid;
	path = xprintf("%s/fees/%s.lua", cfg.scripts, name);
	t.b = evbuffer_new();
	html_printf(t.b, "<table class=\"govuk-table\" id=\"whatif\">\n<caption "
	    "class=\"govuk-table__caption govuk-table__caption--m\">%s priced with "
	    "%s</caption>\n<thead class=\"govuk-table__head\"><tr class=\"govuk-"
	    "table__row\"><th scope=\"col\" class=\"govuk-table__header\">Consumer"
	    "</th><th scope=\"col\" class=\"govuk-table__header govuk-table__"
	    "header--numeric\">Entries</th><th scope=\"col\" class=\"govuk-table__"
	    "header govuk-table__header--numeric\">Charged</th><th scope=\"col\" "
	    "class=\"govuk-table__header govuk-table__header--numeric\">With the "
	    "candidate</th><th scope=\"col\" class=\"govuk-table__header govuk-"
	    "table__header--numeric\">Difference</th></tr></thead>\n<tbody class="
	    "\"govuk-table__body\">\n", period, name);
	rc = fee_whatif(http_db(), fee_server(), period, path, whatif_row_cb, &t,
	    &err);
	free(path);
	if (rc == FEE_E_NOTFOUND) {
		evbuffer_free(t.b);
		fees_page(r, 200, NULL, "There are no priced entries in this store "
		    "for that month.", NULL);
		free(err);
		return;
	}
	if (rc != FEE_OK) {
		evbuffer_free(t.b);
		errs_add(&e, "ruleset", "%s", err ? err : "the candidate failed");
		free(err);
		goto invalid;
	}
	html_printf(t.b, "<tr class=\"govuk-table__row\"><th scope=\"row\" class="
	    "\"govuk-table__header\">Total</th><td class=\"govuk-table__cell\">"
	    "</td><td class=\"govuk-table__cell govuk-table__cell--numeric\">%P"
	    "</td><td class=\"govuk-table__cell govuk-table__cell--numeric\">%P"
	    "</td><td class=\"govuk-table__cell govuk-table__cell--numeric\">%P"
	    "</td></tr>\n</tbody>\n</table>\n", t.old_sum, t.new_sum,
	    t.new_sum - t.old_sum);
	fees_page(r, 200, NULL, NULL, t.b);
	return;
invalid:
	fees_page(r, 400, &e, NULL, NULL);
	errs_free(&e);
}

void
fees_routes_register(void)
{
	route_add(NULL, "GET", "/admin/fees", EP_ROLE_ADMIN | EP_ROLE_FINANCE,
	    fees_get_cb, NULL);
	route_add(NULL, "POST", "/admin/fees/reload", EP_ROLE_ADMIN,
	    fees_reload_cb, NULL);
	route_add(NULL, "POST", "/admin/fees/whatif", EP_ROLE_ADMIN |
	    EP_ROLE_FINANCE, fees_whatif_cb, NULL);
}
