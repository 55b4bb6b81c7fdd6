/* report-pages.c: the report pages, their CSV and JSON, and baselines. */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>
#include <sqlite3.h>

/* Who reads an organisation's reports: its officers, and the consortium
 * roles for every organisation (decided in auth.c). */
#define REPORT_READERS (EP_ROLE_REQUESTER | EP_ROLE_APPROVER | \
	EP_ROLE_FINANCE | EP_ROLE_POOL_MANAGER | EP_ROLE_ADMIN)
#define REPORT_CONSORTIUM (EP_ROLE_POOL_MANAGER | EP_ROLE_ADMIN)
#define BASELINE_KEEPERS (EP_ROLE_FINANCE | EP_ROLE_ADMIN)
/* The organisation a report path names, by code; by id only when no
 * organisation has that code, so a numeric code never reaches another. */
#define REPORT_OWNER_SQL "SELECT id FROM organisations WHERE code = ?1 " \
	"UNION ALL SELECT id FROM organisations WHERE id = ?1 AND NOT EXISTS " \
	"(SELECT 1 FROM organisations WHERE code = ?1)"

/* The organisation the path names, as the owner check resolved it. */
static int64_t
report_org(struct ep_req *r)
{
	sqlite3_stmt *s = db_stmt(http_db(), REPORT_OWNER_SQL);
	int64_t id = 0;

	if (s == NULL)
		return 0;
	sqlite3_bind_text(s, 1, http_param(r, "org"), -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return id;
}

static int
report_sees_all(struct ep_req *r)
{
	return (r->who.roles & REPORT_CONSORTIUM) != 0;
}

/* The period picker and links to the other reports. */
static void
report_nav(struct evbuffer *b, const struct report *rep, const char *self,
    const struct report_def *def)
{
	size_t i;
	char *enc = evhttp_encode_uri(rep->period.label);

	html_printf(b, "<form method=\"get\" action=\"%s\" class=\"ep-report-"
	    "period\" novalidate>\n<div class=\"govuk-form-group\"><label "
	    "class=\"govuk-label\" for=\"period\">Period</label><div class=\""
	    "govuk-hint\" id=\"period-hint\">A month (2026-10), a quarter of the "
	    "financial year (2026-Q3 is October to December 2026) or a "
	    "financial year (2026/27)</div><input class=\"govuk-input govuk-"
	    "input--width-10\" id=\"period\" name=\"period\" type=\"text\" "
	    "value=\"%s\" aria-describedby=\"period-hint\"></div>\n<button "
	    "type=\"submit\" class=\"govuk-button govuk-button--secondary\" "
	    "data-module=\"govuk-button\">Show</button>\n</form>\n", self,
	    rep->period.label);
	if (!def->consortium) {
		html_printf(b, "<ul class=\"govuk-list ep-report-links\">");
		for (i = 0; i < report_ndefs; i++) {
			if (report_defs[i].consortium)
				continue;
			if (&report_defs[i] == def)
				html_printf(b, "<li><strong>%s</strong></li>",
				    report_defs[i].title);
			else
				html_printf(b, "<li><a class=\"govuk-link\" href=\"/reports/"
				    "%s/%s?period=%s\">%s</a></li>", rep->org_code,
				    report_defs[i].name, enc, report_defs[i].title);
		}
		html_printf(b, "<li><a class=\"govuk-link\" href=\"/reports/%s/"
		    "baselines\">Baselines</a></li></ul>\n", rep->org_code);
	}
	free(enc);
}

/* Sends one table as CSV, or says which tables there are. */
static void
report_send_csv(struct ep_req *r, struct report *rep)
{
	const char *id = http_query(r, "table");
	struct rep_table *t = report_find_table(rep, id ? id :
	    rep->tables[0]->id);
	struct evbuffer *b;
	char name[128], *p;

	if (t == NULL) {
		page_message(r, 404, "Page not found", "This report has no table "
		    "of that name.");
		return;
	}
	snprintf(name, sizeof name, "attachment; filename=\"%s-%s%s%s-%s.csv\"",
	    rep->name, rep->org_code, *rep->org_code ? "-" : "",
	    rep->period.label, t->id);
	for (p = strchr(name, '"') + 1; *p != '\0'; p++)
		if (*p == '/')
			*p = '-';
	b = evbuffer_new();
	report_csv(t, b);
	http_reply_header(r, "Content-Disposition", name);
	http_reply_header(r, "Cache-Control", "no-store");
	http_reply_buffer(r, 200, "text/csv; charset=utf-8; header=present", b);
	evbuffer_free(b);
}

static void
report_send_json(struct ep_req *r, struct report *rep)
{
	json_t *o = report_json(rep);
	char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

	http_reply_header(r, "Cache-Control", "no-store");
	http_reply(r, 200, "application/json", text, strlen(text));
	free(text);
	json_decref(o);
}

/* A report's PDF, made on a reader thread: laying out pages takes long
 * enough that the event loop must not wait for it. */
struct report_pdf_task {
	const struct report_def *def;
	int64_t org_id;
	int names;
	char *period, *at;
	struct evbuffer *pdf;
	char disposition[160];
	char err[256];
};

static int
report_pdf_work(struct ep_db *db, void *arg)
{
	struct report_pdf_task *t = arg;
	struct report rep;
	char *title, *p;
	int rc;

	if (report_build(db, t->def, t->org_id, t->period, t->names, t->at, 0,
	    &rep, t->err, sizeof t->err) != 0)
		return -1;
	title = t->def->consortium ? xprintf("%s, %s", t->def->title,
	    rep.period.label) : xprintf("%s: %s, %s", t->def->title,
	    rep.org_name, rep.period.label);
	snprintf(t->disposition, sizeof t->disposition, "attachment; "
	    "filename=\"%s-%s%s%s.pdf\"", rep.name, rep.org_code,
	    *rep.org_code ? "-" : "", rep.period.label);
	for (p = strchr(t->disposition, '"') + 1; *p != '\0'; p++)
		if (*p == '/')
			*p = '-';
	rc = report_pdf(&rep, title, t->pdf);
	if (rc != 0)
		snprintf(t->err, sizeof t->err, "The PDF could not be made");
	free(title);
	report_free(&rep);
	return rc;
}

static void
report_pdf_done(struct ep_req *r, int rc, void *arg)
{
	struct report_pdf_task *t = arg;

	if (rc == 0) {
		http_reply_header(r, "Content-Disposition", t->disposition);
		http_reply_header(r, "Cache-Control", "no-store");
		http_reply_buffer(r, 200, "application/pdf", t->pdf);
	} else
		page_message(r, 500, "Sorry, there is a problem", t->err[0] ?
		    t->err : "The report could not be read");
	evbuffer_free(t->pdf);
	free(t->period);
	free(t->at);
	free(t);
}

/* Queues a report's PDF, after checking its period on the loop. */
static void
report_send_pdf(struct ep_req *r, const struct report_def *def,
    int64_t org_id)
{
	struct report_pdf_task *t;
	struct rep_period period;
	const char *label = http_query(r, "period"), *at = http_query(r, "at");

	if (label != NULL && *label != '\0' &&
	    report_period_parse(label, &period) != 0) {
		page_message(r, 400, "There is a problem", "Enter a period as a "
		    "month (2026-10), a quarter of the financial year (2026-Q3) "
		    "or a financial year (2026/27)");
		return;
	}
	t = xcalloc(1, sizeof *t);
	t->def = def;
	t->org_id = org_id;
	t->names = report_sees_all(r);
	t->period = label != NULL ? xstrdup(label) : NULL;
	t->at = at != NULL ? xstrdup(at) : NULL;
	t->pdf = evbuffer_new();
	if (reader_run(r, report_pdf_work, report_pdf_done, t) != 0) {
		evbuffer_free(t->pdf);
		free(t->period);
		free(t->at);
		free(t);
		http_reply_header(r, "Retry-After", "5");
		page_message(r, 503, "Busy", "Too many reports are being made; "
		    "try again in a few seconds.");
	}
}

/*
 * A report for the organisation in the path (or the consortium): a page
 * of charts and tables, ?format=csv&table=ID for one table as CSV, or
 * ?format=json. The organisation's own figures only, and distributions.
 */
static void
report_cb(struct ep_req *r, void *arg)
{
	const struct report_def *def = arg;
	const char *format = http_query(r, "format"), *page, *at;
	struct report rep;
	struct evbuffer *b;
	char err[256], *self, *csv, *enc, *title;
	int64_t org_id = def->consortium ? 0 : report_org(r);
	size_t shown = 0;	/* the page shown, from 1; 0 for every row */

	if (format != NULL && strcmp(format, "pdf") == 0) {
		report_send_pdf(r, def, org_id);
		return;
	}
	/* A page of long tables; CSV and JSON carry every row. */
	if (format == NULL && !http_wants_json(r)) {
		page = http_query(r, "page");
		shown = 1;
		if (page != NULL && strspn(page, "0123456789") == strlen(page) &&
		    strlen(page) > 0 && strlen(page) < 7 && atoi(page) > 0)
			shown = (size_t)atoi(page);
	}
	if (report_build(http_db(), def, org_id, http_query(r, "period"),
	    report_sees_all(r), http_query(r, "at"), shown, &rep, err,
	    sizeof err) != 0) {
		if (format != NULL || http_wants_json(r))
			http_json_error(r, 400, "invalid", "period", err);
		else
			page_message(r, 400, "There is a problem", err);
		return;
	}
	if (format != NULL && strcmp(format, "csv") == 0) {
		report_send_csv(r, &rep);
		goto out;
	}
	if ((format != NULL && strcmp(format, "json") == 0) ||
	    http_wants_json(r)) {
		report_send_json(r, &rep);
		goto out;
	}
	self = def->consortium ? xprintf("/reports/%s", def->name) :
	    xprintf("/reports/%s/%s", rep.org_code, def->name);
	enc = evhttp_encode_uri(rep.period.label);
	/* The date the windows count from, kept by the links (checked). */
	at = http_query(r, "at");
	csv = xprintf("%s?period=%s%s%s", self, enc, at ? "&at=" : "",
	    at ? at : "");
	title = def->consortium ? xprintf("%s, %s", def->title,
	    rep.period.label) : xprintf("%s: %s, %s", def->title, rep.org_name,
	    rep.period.label);
	b = page_begin(r, title, NULL);
	html_printf(b, "<span class=\"govuk-caption-l\">%s</span>\n<h1 class="
	    "\"govuk-heading-l\">%s</h1>\n", def->consortium ? "The consortium" :
	    rep.org_name, def->title);
	report_nav(b, &rep, self, def);
	report_html(b, &rep, csv);
	html_printf(b, "<p class=\"govuk-body-s\"><a class=\"govuk-link\" href="
	    "\"%s&amp;format=json\">All tables as JSON</a>. <a class=\"govuk-"
	    "link\" href=\"%s&amp;format=pdf\" download>The report as a PDF"
	    "</a> (A4). The columns are described in the reports guide "
	    "(docs/reports.md).</p>\n", csv, csv);
	page_end(r, b, 200);
	free(title);
	free(csv);
	free(enc);
	free(self);
out:
	report_free(&rep);
}

/* The reports' front page: which report, for whom, for when. */
static void
reports_index_cb(struct ep_req *r, void *arg)
{
	const char *name = http_query(r, "name"), *org = http_query(r, "org");
	const char *period = http_query(r, "period");
	const struct report_def *def = report_def_find(name);
	struct evbuffer *b;
	char current[16], *enc, *loc;
	sqlite3_stmt *s;
	size_t i;

	(void)arg;
	if (def != NULL && !def->consortium && org == NULL)
		org = r->who.org_code;
	if (def != NULL && (def->consortium ? report_sees_all(r) : 1)) {
		enc = evhttp_encode_uri(period ? period : "");
		loc = def->consortium ? xprintf("/reports/%s?period=%s", def->name,
		    enc) : xprintf("/reports/%s/%s?period=%s", org, def->name, enc);
		http_redirect(r, loc);
		free(loc);
		free(enc);
		return;
	}
	report_period_current(current, sizeof current);
	enc = evhttp_encode_uri(current);
	b = page_begin(r, "Reports", NULL);
	html_printf(b, "<h1 class=\"govuk-heading-l\">Reports</h1>\n<p class="
	    "\"govuk-body\">What pooling expertise costs and saves, how quickly "
	    "the pool answers, and how resilient it is. Each report is a page "
	    "with charts and their tables, and a CSV download.</p>\n");
	html_printf(b, "<h2 class=\"govuk-heading-m\">%s, %s</h2>\n<ul class="
	    "\"govuk-list\">", r->who.org_code, current);
	for (i = 0; i < report_ndefs; i++) {
		if (report_defs[i].consortium)
			continue;
		html_printf(b, "<li><a class=\"govuk-link\" href=\"/reports/%s/%s?"
		    "period=%s\">%s</a></li>", r->who.org_code, report_defs[i].name,
		    enc, report_defs[i].title);
	}
	html_printf(b, "<li><a class=\"govuk-link\" href=\"/reports/%s/"
	    "baselines\">Baselines</a></li></ul>\n", r->who.org_code);
	if (report_sees_all(r)) {
		html_printf(b, "<h2 class=\"govuk-heading-m\">The consortium</h2>\n"
		    "<ul class=\"govuk-list\"><li><a class=\"govuk-link\" href=\""
		    "/reports/resilience\">Resilience</a></li>%R</ul>\n<h2 class=\""
		    "govuk-heading-m\">Every organisation</h2>\n<ul class=\"govuk-"
		    "list\">", (r->who.roles & EP_ROLE_ADMIN) != 0 ? "<li><a class="
		    "\"govuk-link\" href=\"/reports/target\">Response target</a>"
		    "</li>" : "");
		s = db_stmt(http_db(), "SELECT code, name FROM organisations "
		    "ORDER BY code");
		while (s != NULL && sqlite3_step(s) == SQLITE_ROW)
			html_printf(b, "<li><a class=\"govuk-link\" href=\"/reports/%s/"
			    "volumes?period=%s\">%s</a></li>", sqlite3_column_text(s, 0),
			    enc, (const char *)sqlite3_column_text(s, 1));
		if (s != NULL)
			sqlite3_reset(s);
		html_printf(b, "</ul>\n");
	}
	free(enc);
	page_end(r, b, 200);
}

/* --- Baselines --- */

/* The baselines in force and the form to add one. */
static void
baselines_page(struct ep_req *r, int status, const struct form_errors *e)
{
	int64_t org_id = report_org(r);
	sqlite3_stmt *s;
	struct evbuffer *b;
	static const char *const heads[] = { "Skill area", "From",
		"In-house cost per hour", "Market rate per hour", NULL };
	char code[16] = "", name[128] = "", *action;

	s = db_stmt(http_db(), "SELECT code, name FROM organisations WHERE "
	    "id = ?");
	if (s != NULL) {
		sqlite3_bind_int64(s, 1, org_id);
		if (sqlite3_step(s) == SQLITE_ROW) {
			snprintf(code, sizeof code, "%s", sqlite3_column_text(s, 0));
			snprintf(name, sizeof name, "%s", sqlite3_column_text(s, 1));
		}
		sqlite3_reset(s);
	}
	b = page_begin(r, "Baselines", e);
	html_printf(b, "<span class=\"govuk-caption-l\">%s</span>\n<h1 class="
	    "\"govuk-heading-l\">Baselines</h1>\n<p class=\"govuk-body\">What "
	    "each skill area cost before or outside the pool, per hour: the "
	    "in-house cost (salary and overheads) and the rate a private firm "
	    "would charge. The savings report compares each month with the "
	    "baseline in force on its first day.</p>\n", name);
	html_table_open(b, "Baselines", heads);
	s = db_stmt(http_db(), "SELECT area, valid_from, inhouse_pence, "
	    "market_pence FROM baselines WHERE org_id = ? ORDER BY area, "
	    "valid_from");
	if (s != NULL) {
		sqlite3_bind_int64(s, 1, org_id);
		while (sqlite3_step(s) == SQLITE_ROW)
			html_printf(b, "<tr class=\"govuk-table__row\"><td class=\"govuk-"
			    "table__cell\">%s</td><td class=\"govuk-table__cell\">%s</td>"
			    "<td class=\"govuk-table__cell\">%P</td><td class=\"govuk-"
			    "table__cell\">%P</td></tr>\n",
			    (const char *)sqlite3_column_text(s, 0),
			    (const char *)sqlite3_column_text(s, 1),
			    (int64_t)sqlite3_column_int64(s, 2),
			    (int64_t)sqlite3_column_int64(s, 3));
		sqlite3_reset(s);
	}
	html_table_close(b);
	if ((r->who.roles & BASELINE_KEEPERS) != 0) {
		html_printf(b, "<h2 class=\"govuk-heading-m\">Set a baseline</h2>\n");
		action = xprintf("/reports/%s/baselines", code);
		form_begin(b, r, action);
		free(action);
		form_select_blank(b, e, "area", "Skill area", NULL,
		    "Choose a skill area", skill_areas, http_form(r, "area"));
		form_input(b, e, "inhouse", "In-house cost per hour", "In pounds, "
		    "salary plus overheads, such as 52.40", "text",
		    http_form(r, "inhouse"), "govuk-input--width-10");
		form_input(b, e, "market", "Market rate per hour", "In pounds, what "
		    "a private firm would charge, such as 95.00", "text",
		    http_form(r, "market"), "govuk-input--width-10");
		form_input(b, e, "from", "Applies from", "YYYY-MM-DD, such as "
		    "2026-04-01", "text", http_form(r, "from"),
		    "govuk-input--width-10");
		form_end(b, "Save baseline");
	}
	page_end(r, b, status);
}

static void
baselines_cb(struct ep_req *r, void *arg)
{
	(void)arg;
	baselines_page(r, 200, NULL);
}

static void
baseline_set_cb(struct ep_req *r, void *arg)
{
	struct baseline_input in;
	struct form_errors e = { 0 };
	struct audit_actor actor;
	sqlite3_stmt *s;
	char code[16] = "", *loc;
	int64_t org_id = report_org(r);

	(void)arg;
	s = db_stmt(http_db(), "SELECT code FROM organisations WHERE id = ?");
	if (s != NULL) {
		sqlite3_bind_int64(s, 1, org_id);
		if (sqlite3_step(s) == SQLITE_ROW)
			snprintf(code, sizeof code, "%s", sqlite3_column_text(s, 0));
		sqlite3_reset(s);
	}
	memset(&in, 0, sizeof in);
	in.org_code = code;
	in.area = http_form(r, "area");
	in.inhouse = http_form(r, "inhouse");
	in.market = http_form(r, "market");
	in.from = http_form(r, "from");
	in.pounds = 1;
	audit_actor_of(&actor, &r->who);
	if (baseline_set(http_db(), &actor, &in, &e) != 0) {
		baselines_page(r, 400, &e);
		errs_free(&e);
		return;
	}
	loc = xprintf("/reports/%s/baselines", code);
	http_redirect(r, loc);
	free(loc);
}

/* --- The response target --- */

/* The consortium's response target and the form to change it
 * (administrators only, as the route says). */
static void
target_page(struct ep_req *r, int status, const struct form_errors *e)
{
	int64_t minutes = report_target_get(http_db());
	const char *typed = http_form(r, "hours");
	char now[24];
	struct evbuffer *b;

	if (minutes < 0) {
		page_message(r, 500, "Sorry, there is a problem", "The store "
		    "failed; try again later.");
		return;
	}
	snprintf(now, sizeof now, "%lld", (long long)(minutes / 60));
	b = page_begin(r, "Response target", e);
	html_printf(b, "<span class=\"govuk-caption-l\">The consortium</span>\n"
	    "<h1 class=\"govuk-heading-l\">Response target</h1>\n<p class=\""
	    "govuk-body\">A request is answered within the target when its "
	    "first offer comes within this many hours of its submission. The "
	    "volumes and benchmark reports count requests against it; a change "
	    "recounts every request, past ones included.</p>\n<p class=\"govuk-"
	    "body\" id=\"target-now\">The target is a first offer within "
	    "<strong>%s hour%R</strong>.</p>\n", now, minutes == 60 ? "" : "s");
	form_begin(b, r, "/reports/target");
	form_input(b, e, "hours", "First offer within (hours)", "A whole number "
	    "of hours, such as 48", "text", typed != NULL ? typed : now,
	    "govuk-input--width-5");
	form_end(b, "Change the target");
	page_end(r, b, status);
}

static void
target_cb(struct ep_req *r, void *arg)
{
	(void)arg;
	target_page(r, 200, NULL);
}

/*
 * Changes the response target: audited, and the flow summaries recounted
 * in the same transaction (report_target_set()).
 */
static void
target_set_cb(struct ep_req *r, void *arg)
{
	struct form_errors e = { 0 };
	struct audit_actor actor;
	int64_t minutes;

	(void)arg;
	if (report_target_parse(http_form(r, "hours"), &minutes) != 0)
		errs_add(&e, "hours", "Enter the response target as a whole number "
		    "of hours from 1 to %d", REPORT_TARGET_MAX_HOURS);
	if (e.n == 0) {
		audit_actor_of(&actor, &r->who);
		if (report_target_set(http_db(), &actor, minutes) != 0)
			errs_add(&e, "hours", "The target could not be saved: %s",
			    db_errmsg(http_db()));
	}
	if (e.n > 0) {
		target_page(r, 400, &e);
		errs_free(&e);
		return;
	}
	http_redirect(r, "/reports/target");
}

void
report_routes_register(void)
{
	char *path;
	size_t i;

	route_add(NULL, "GET", "/reports", REPORT_READERS, reports_index_cb,
	    NULL);
	for (i = 0; i < report_ndefs; i++) {
		const struct report_def *d = &report_defs[i];

		if (d->consortium) {
			path = xprintf("/reports/%s", d->name);
			route_add(NULL, "GET", path, REPORT_CONSORTIUM, report_cb,
			    (void *)(uintptr_t)d);
		} else {
			path = xprintf("/reports/{org}/%s", d->name);
			route_add_owned(NULL, "GET", path, REPORT_READERS,
			    REPORT_OWNER_SQL, report_cb, (void *)(uintptr_t)d);
		}
		free(path);
	}
	route_add(NULL, "GET", "/reports/target", EP_ROLE_ADMIN, target_cb,
	    NULL);
	route_add(NULL, "POST", "/reports/target", EP_ROLE_ADMIN,
	    target_set_cb, NULL);
	route_add_owned(NULL, "GET", "/reports/{org}/baselines", REPORT_READERS,
	    REPORT_OWNER_SQL, baselines_cb, NULL);
	route_add_owned(NULL, "POST", "/reports/{org}/baselines",
	    BASELINE_KEEPERS, REPORT_OWNER_SQL, baseline_set_cb, NULL);
}
