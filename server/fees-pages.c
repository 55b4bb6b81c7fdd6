/* fees-pages.c: the fee rules' pages: versions, reload, what-if pricing. */
#include "server.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <sqlite3.h>

#define CANDIDATES_MAX 32

/* The rule-set files an administrator may try: rules/fees/NAME.lua, not
 * the tests. Sorted; names only, never paths typed by a person. */
static size_t
fees_candidates(char names[][65], size_t max)
{
	char *dir = xprintf("%s/fees", cfg.rules);
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
	html_scroll_open(b, "Versions on record");
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
	html_table_close(b);
	if (r->who.roles & EP_ROLE_ADMIN) {
		html_printf(b, "<h2 class=\"govuk-heading-m\">Reload</h2>\n<p class="
		    "\"govuk-body\">Reads the rule-set files again. A changed rule set "
		    "becomes active only if it loads and passes its tests; otherwise "
		    "the version in use stays.</p>\n");
		form_begin(b, r, "/admin/fees/reload");
		form_end(b, "Reload fee rules");
	}
	html_printf(b, "<h2 class=\"govuk-heading-m\">What if</h2>\n<p class="
	    "\"govuk-body\">Prices a past month's invoices again with a "
	    "candidate rule set, whole: their hours, their engagements' fixed "
	    "fees, milestones, bonuses and budgets, and their invoice terms "
	    "(volume discounts, monthly caps). It shows what each consumer was "
	    "invoiced before VAT and what it would be: the invoices your council "
	    "sent or received (an administrator's, every council's). Nothing is "
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
		    "with a rules directory.", NULL);
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

/*
 * What-if pricing runs as a job, on its own thread, store connection and
 * fee engine: a month may hold a million entries, and the event loop must
 * not wait for them. The job's rows are kept here, in memory, for its page:
 * the newest WHATIF_KEEP results (a what-if changes nothing, so one lost
 * to a restart is simply run again).
 */
#define WHATIF_JOB "fees-whatif"
#define WHATIF_KEEP 16

struct whatif_row {
	char consumer[16];
	int64_t invoices, entries, old_total, new_total;
};
struct whatif_result {
	int64_t job;
	struct whatif_row *rows;
	size_t n;
};
static struct whatif_result whatif_kept[WHATIF_KEEP];
static size_t whatif_next;
static pthread_mutex_t whatif_lock = PTHREAD_MUTEX_INITIALIZER;

struct whatif_collect {
	ep_job *job;
	struct whatif_row *rows;
	size_t n;
};

static void
whatif_collect_cb(const struct fee_whatif_row *row, void *arg)
{
	struct whatif_collect *c = arg;
	struct whatif_row *w;

	c->rows = xrealloc(c->rows, (c->n + 1) * sizeof *c->rows);
	w = &c->rows[c->n++];
	snprintf(w->consumer, sizeof w->consumer, "%s", row->consumer);
	w->invoices = row->invoices;
	w->entries = row->entries;
	w->old_total = row->old_total;
	w->new_total = row->new_total;
}

static void
whatif_progress_cb(int64_t done, void *arg)
{
	struct whatif_collect *c = arg;

	job_progress(c->job, done, 0);
}

/* Keeps a finished job's rows (taking them), dropping the oldest. */
static void
whatif_keep(int64_t job, struct whatif_row *rows, size_t n)
{
	struct whatif_result *k;

	pthread_mutex_lock(&whatif_lock);
	k = &whatif_kept[whatif_next++ % WHATIF_KEEP];
	free(k->rows);
	k->job = job;
	k->rows = rows;
	k->n = n;
	pthread_mutex_unlock(&whatif_lock);
}

/*
 * The job: arg is "ORG YYYY-MM NAME PARTY", checked by the form: the id of
 * the organisation of the person who asked (the page's owner), the month,
 * the candidate, and the organisation code whose entries are priced, or
 * "*" for all (an administrator's). A month with no priced entries is a
 * result (no rows); a candidate that fails to load or to price an entry
 * fails the job with the reason.
 */
static int
whatif_job(ep_job *job, struct ep_db *db, const char *arg, void *udata)
{
	struct whatif_collect c = { job, NULL, 0 };
	struct fee_engine *fe;
	char period[8], name[65], party[16], *path, *err = NULL;
	int rc;

	(void)udata;
	if (sscanf(arg, "%*d %7s %64s %15s", period, name, party) != 3) {
		job_fail(job, "the job's period and rule set are missing");
		return -1;
	}
	if ((fe = fee_open(cfg.rules, db, &err)) == NULL) {
		job_fail(job, err);
		free(err);
		return -1;
	}
	path = xprintf("%s/fees/%s.lua", cfg.rules, name);
	rc = fee_whatif(db, fe, period, strcmp(party, "*") == 0 ? NULL : party,
	    path, whatif_collect_cb, whatif_progress_cb, &c, &err);
	free(path);
	fee_close(fe);
	if (rc != FEE_OK && rc != FEE_E_NOTFOUND) {
		job_fail(job, err ? err : "the candidate failed");
		free(err);
		free(c.rows);
		return -1;
	}
	free(err);
	whatif_keep(job_id(job), c.rows, c.n);
	return 0;
}

/* Starts a what-if; the answer is its page, which follows the job. */
static void
fees_whatif_cb(struct ep_req *r, void *arg)
{
	const char *period = http_form(r, "period");
	const char *name = http_form(r, "ruleset");
	char names[CANDIDATES_MAX][65], loc[64], *jarg;
	struct form_errors e = { 0 };
	size_t n = fees_candidates(names, CANDIDATES_MAX), i;
	int64_t job;

	(void)arg;
	if (period == NULL || !units_month_ok(period))
		errs_add(&e, "period", "Enter a month as YYYY-MM, such as 2026-10");
	for (i = 0; name != NULL && i < n; i++) {
		if (strcmp(names[i], name) == 0)
			break;
	}
	if (name == NULL || i == n)
		errs_add(&e, "ruleset", "Choose a rule set from the list");
	if (e.n > 0) {
		fees_page(r, 400, &e, NULL, NULL);
		errs_free(&e);
		return;
	}
	/* Finance officers price what their council is a party to;
	 * administrators, the whole consortium. */
	jarg = xprintf("%lld %s %s %s", (long long)r->who.org_id, period, name,
	    r->who.roles & EP_ROLE_ADMIN ? "*" : r->who.org_code);
	job = job_start_for(r->who.person_id, WHATIF_JOB, jarg);
	free(jarg);
	if (job < 0) {
		fees_page(r, 503, NULL, job == EP_JOB_PERSON_BUSY ? "You already "
		    "have jobs running. Wait for one to finish, then try the "
		    "what-if again." : job == EP_JOB_FULL ? "The server is busy "
		    "with other jobs. Try again in a minute." : "The what-if could "
		    "not be started; the server's log says why. Try again.", NULL);
		return;
	}
	snprintf(loc, sizeof loc, "/admin/fees/whatif/%lld", (long long)job);
	http_redirect(r, loc);
}

/* The result table of a finished what-if, into a new buffer. */
static struct evbuffer *
whatif_table(const struct whatif_result *k, const char *period,
    const char *name)
{
	struct evbuffer *b = evbuffer_new();
	int64_t old_sum = 0, new_sum = 0;
	size_t i;

	html_printf(b, "<div class=\"ep-table-scroll\" role=\"region\" "
	    "aria-label=\"%s priced with %s\" tabindex=\"0\">\n", period, name);
	html_printf(b, "<table class=\"govuk-table\" id=\"whatif\">\n<caption "
	    "class=\"govuk-table__caption govuk-table__caption--m\">%s priced with "
	    "%s</caption>\n<thead class=\"govuk-table__head\"><tr class=\"govuk-"
	    "table__row\"><th scope=\"col\" class=\"govuk-table__header\">Consumer"
	    "</th><th scope=\"col\" class=\"govuk-table__header govuk-table__"
	    "header--numeric\">Invoices</th><th scope=\"col\" class=\"govuk-"
	    "table__header govuk-table__header--numeric\">Entries</th><th scope="
	    "\"col\" class=\"govuk-table__header govuk-table__header--numeric\">"
	    "Invoiced, before VAT</th><th scope=\"col\" "
	    "class=\"govuk-table__header govuk-table__header--numeric\">With the "
	    "candidate</th><th scope=\"col\" class=\"govuk-table__header govuk-"
	    "table__header--numeric\">Difference</th></tr></thead>\n<tbody class="
	    "\"govuk-table__body\">\n", period, name);
	for (i = 0; i < k->n; i++) {
		const struct whatif_row *w = &k->rows[i];

		html_printf(b, "<tr class=\"govuk-table__row\"><td class=\"govuk-"
		    "table__cell\">%s</td><td class=\"govuk-table__cell govuk-table__"
		    "cell--numeric\">%D</td><td class=\"govuk-table__cell govuk-table__"
		    "cell--numeric\">%D</td><td class=\"govuk-table__cell govuk-table"
		    "__cell--numeric\">%P</td><td class=\"govuk-table__cell govuk-"
		    "table__cell--numeric\">%P</td><td class=\"govuk-table__cell "
		    "govuk-table__cell--numeric\">%P</td></tr>\n", w->consumer,
		    w->invoices, w->entries, w->old_total, w->new_total,
		    w->new_total - w->old_total);
		old_sum += w->old_total;
		new_sum += w->new_total;
	}
	html_printf(b, "<tr class=\"govuk-table__row\"><th scope=\"row\" class="
	    "\"govuk-table__header\">Total</th><td class=\"govuk-table__cell\">"
	    "</td><td class=\"govuk-table__cell\"></td><td class=\"govuk-table__cell govuk-table__cell--numeric\">%P"
	    "</td><td class=\"govuk-table__cell govuk-table__cell--numeric\">%P"
	    "</td><td class=\"govuk-table__cell govuk-table__cell--numeric\">%P"
	    "</td></tr>\n</tbody>\n</table>\n</div>\n", old_sum, new_sum,
	    new_sum - old_sum);
	return b;
}

/*
 * A what-if's page: while it runs, how far it has gone, with a link to
 * check again (and a script that checks for the person where scripts run);
 * then its table, or why the candidate failed.
 */
static void
fees_whatif_get_cb(struct ep_req *r, void *arg)
{
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT state, done, "
	    "coalesce(message, ''), arg FROM jobs WHERE id = ? AND name = ?");
	char state[12] = "", msg[512] = "", period[8] = "", name[65] = "";
	struct evbuffer *results = NULL;
	struct form_errors e = { 0 };
	int64_t id = 0, done = 0;
	struct evbuffer *b;
	size_t i;

	(void)arg;
	if (s == NULL || parse_int64(http_param(r, "id"), 1, INT64_MAX, &id)
	    != 0) {
		page_message(r, 404, "Page not found", "There is no such "
		    "what-if.");
		return;
	}
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, WHATIF_JOB, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		snprintf(state, sizeof state, "%s", sqlite3_column_text(s, 0));
		done = sqlite3_column_int64(s, 1);
		snprintf(msg, sizeof msg, "%s", sqlite3_column_text(s, 2));
		if (sscanf((const char *)sqlite3_column_text(s, 3),
		    "%*d %7s %64s", period, name) != 2)
			period[0] = name[0] = '\0';
	}
	sqlite3_reset(s);
	if (*state == '\0') {
		page_message(r, 404, "Page not found", "There is no such "
		    "what-if.");
		return;
	}
	if (strcmp(state, "failed") == 0) {
		errs_add(&e, "ruleset", "%s failed: %s", name, msg);
		fees_page(r, 200, &e, NULL, NULL);
		errs_free(&e);
		return;
	}
	if (strcmp(state, "done") != 0) {
		b = page_begin(r, "What if", NULL);
		html_printf(b, "<h1 class=\"govuk-heading-l\">What if</h1>\n"
		    "<div data-ep-progress aria-live=\"polite\"><p class=\""
		    "govuk-body ep-wrap\" id=\"whatif-state\">Pricing %s with %s: "
		    "%D entries so far.</p></div>\n", period, name, done);
		html_progress_link(b, "/admin/fees/whatif/", id);
		page_end(r, b, 200);
		return;
	}
	pthread_mutex_lock(&whatif_lock);
	for (i = 0; i < WHATIF_KEEP; i++) {
		if (whatif_kept[i].job == id) {
			if (whatif_kept[i].n > 0)
				results = whatif_table(&whatif_kept[i], period,
				    name);
			break;
		}
	}
	pthread_mutex_unlock(&whatif_lock);
	if (i == WHATIF_KEEP)
		fees_page(r, 200, NULL, "This what-if's results are no longer "
		    "held (the server keeps the latest few, until it restarts). "
		    "Price the month again.", NULL);
	else if (results == NULL)
		fees_page(r, 200, NULL, "There are no invoices in this store for "
		    "that month.", NULL);
	else
		fees_page(r, 200, NULL, NULL, results);
}

void
fees_routes_register(void)
{
	static int job_added;

	route_add(NULL, "GET", "/admin/fees", EP_ROLE_ADMIN | EP_ROLE_FINANCE,
	    fees_get_cb, NULL);
	route_add(NULL, "POST", "/admin/fees/reload", EP_ROLE_ADMIN,
	    fees_reload_cb, NULL);
	route_add(NULL, "POST", "/admin/fees/whatif", EP_ROLE_ADMIN |
	    EP_ROLE_FINANCE, fees_whatif_cb, NULL);
	/* A what-if belongs to the organisation of the person who asked:
	 * the first number of its job's argument. */
	route_add_owned(NULL, "GET", "/admin/fees/whatif/{id}", EP_ROLE_ADMIN |
	    EP_ROLE_FINANCE, "SELECT CAST(arg AS INTEGER) FROM jobs WHERE id = ?1 "
	    "AND name = '" WHATIF_JOB "'", fees_whatif_get_cb, NULL);
	if (!job_added && job_add(NULL, WHATIF_JOB, whatif_job, NULL) == 0)
		job_added = 1;
}
