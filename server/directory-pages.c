/* directory-pages.c: the expert directory's pages. */
#include "server.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <sqlite3.h>

#define EXPERTS_PER_PAGE 50

struct org_options {
	const char *(*opts)[2];
	char **texts;
	size_t n;
};

static const char *const grade_options[][2] = {
	{ "", "Choose a grade" },
	{ "junior", "Junior" },
	{ "standard", "Standard" },
	{ "senior", "Senior" },
	{ "principal", "Principal" },
	{ NULL, NULL },
};

static const char *const all_options[][2] = {
	{ "yes", "Include inactive experts" },
	{ NULL, NULL },
};

/* True when the search asks for inactive experts too. */
int
directory_all(struct ep_req *r)
{
	const char *all = http_query(r, "all");

	return all != NULL && (strcmp(all, "yes") == 0 || strcmp(all, "1") == 0 ||
	    strcmp(all, "true") == 0);
}

static int
directory_all_checked(const char *value, void *arg)
{
	(void)value;
	return directory_all(arg);
}

/* The organisations as select options, after a first {"", first} one. */
static void
org_options_load(struct org_options *o, const char *first)
{
	sqlite3_stmt *s = db_stmt(http_db(),
	    "SELECT code, code || ' \xe2\x80\x93 ' || name FROM organisations "
	    "ORDER BY code");
	size_t cap = 8;

	o->opts = xcalloc(cap, sizeof *o->opts);
	o->texts = xcalloc(2 * cap, sizeof *o->texts);
	o->opts[0][0] = "";
	o->opts[0][1] = first;
	o->n = 1;
	while (s != NULL && sqlite3_step(s) == SQLITE_ROW) {
		if (o->n + 2 > cap) {
			cap *= 2;
			o->opts = xrealloc(o->opts, cap * sizeof *o->opts);
			o->texts = xrealloc(o->texts, 2 * cap * sizeof *o->texts);
		}
		o->texts[2 * o->n] = xstrdup((const char *)sqlite3_column_text(s, 0));
		o->texts[2 * o->n + 1] =
		    xstrdup((const char *)sqlite3_column_text(s, 1));
		o->opts[o->n][0] = o->texts[2 * o->n];
		o->opts[o->n][1] = o->texts[2 * o->n + 1];
		o->n++;
	}
	if (s != NULL)
		sqlite3_reset(s);
	o->opts[o->n][0] = o->opts[o->n][1] = NULL;
}

static void
org_options_free(struct org_options *o)
{
	size_t i;

	for (i = 1; i < o->n; i++) {
		free(o->texts[2 * i]);
		free(o->texts[2 * i + 1]);
	}
	free(o->texts);
	free(o->opts);
}

/* True when the signed-in person may open this expert's own page. */
static int
directory_can_open(struct ep_req *r, int64_t org_id)
{
	return (r->who.roles & DIRECTORY_KEEPERS) != 0 || r->who.org_id == org_id;
}

static void
directory_cell(struct evbuffer *b, const char *text)
{
	html_printf(b, "<td class=\"govuk-table__cell\">%s</td>", text);
}

/* Today in London and the day some days on, as YYYY-MM-DD. */
static void
directory_dates(char today[11], char later[11], int days)
{
	int64_t now = london_day((int64_t)time(NULL));

	day_format(now, today);
	day_format(now + days, later);
}

/* --- Pages --- */

static void
directory_search_form(struct evbuffer *b, struct ep_req *r,
    const struct form_errors *e)
{
	struct org_options orgs;

	org_options_load(&orgs, "Any provider");
	html_printf(b, "<form method=\"get\" action=\"/experts\" novalidate "
	    "class=\"ep-search\">\n<h2 class=\"govuk-heading-m\">Search</h2>\n");
	form_select_blank(b, e, "area", "Skill area", NULL, "Any area",
	    skill_areas, http_query(r, "area"));
	form_input(b, e, "speciality", "Speciality (optional)", "For example, "
	    "planning-law or network-security", "text",
	    http_query(r, "speciality"), "govuk-!-width-one-half");
	form_select(b, e, "provider", "Provider", NULL,
	    (const char *const(*)[2])orgs.opts, http_query(r, "provider"));
	form_input(b, e, "from", "Available from (optional)", "As YYYY-MM-DD",
	    "text", http_query(r, "from"), "govuk-input--width-10");
	form_input(b, e, "to", "Available to (optional)", "As YYYY-MM-DD; shows "
	    "free hours in these dates", "text", http_query(r, "to"),
	    "govuk-input--width-10");
	if (r->who.roles & DIRECTORY_KEEPERS)
		form_checkboxes(b, e, "all", "Inactive experts", all_options,
		    directory_all_checked, r);
	form_end(b, "Search");
	org_options_free(&orgs);
}

static void
directory_results(struct evbuffer *b, struct ep_req *r,
    const struct expert_list *l)
{
	static const char *const keep[] = { "area", "speciality", "provider",
		"from", "to", "all", NULL };
	char weekly[32], freeh[32], skills[512], *path;
	int64_t page = html_page_number(r, (int64_t)l->n, EXPERTS_PER_PAGE);
	size_t i, end;

	if (l->n == 0) {
		html_printf(b, "<p class=\"govuk-body\">No experts match your "
		    "search.</p>\n");
		return;
	}
	html_scroll_open(b, l->n == 1 ? "1 expert" : "Experts");
	html_printf(b, "<table class=\"govuk-table\">\n<caption class=\"govuk-"
	    "table__caption govuk-table__caption--m\">%D %R</caption>\n<thead "
	    "class=\"govuk-table__head\"><tr class=\"govuk-table__row\">",
	    (int64_t)l->n, l->n == 1 ? "expert" : "experts");
	html_printf(b, "<th scope=\"col\" class=\"govuk-table__header\">Name</th>"
	    "<th scope=\"col\" class=\"govuk-table__header\">Provider</th>"
	    "<th scope=\"col\" class=\"govuk-table__header\">Grade</th>"
	    "<th scope=\"col\" class=\"govuk-table__header\">Skills (level 1 to "
	    "5)</th><th scope=\"col\" class=\"govuk-table__header govuk-table__"
	    "header--numeric\">Weekly hours</th>");
	if (l->window)
		html_printf(b, "<th scope=\"col\" class=\"govuk-table__header "
		    "govuk-table__header--numeric\">Free hours</th>");
	html_printf(b, "</tr></thead>\n<tbody class=\"govuk-table__body\">\n");
	i = (size_t)(page - 1) * EXPERTS_PER_PAGE;
	end = i + EXPERTS_PER_PAGE < l->n ? i + EXPERTS_PER_PAGE : l->n;
	for (; i < end; i++) {
		const struct expert_row *x = &l->rows[i];

		units_hours_text(weekly, sizeof weekly, x->weekly);
		expert_skills_format(x, skills, sizeof skills);
		html_printf(b, "<tr class=\"govuk-table__row\">");
		html_printf(b, "<td class=\"govuk-table__cell\">");
		if (directory_can_open(r, x->org_id))
			html_printf(b, "<a class=\"govuk-link\" href=\"/experts/%D\">"
			    "%s</a>", x->id, x->name);
		else
			html_printf(b, "%s", x->name);
		html_printf(b, "%R</td>", x->active ? "" : " <strong class=\""
		    "govuk-tag govuk-tag--grey\">Inactive</strong>");
		directory_cell(b, x->org_code);
		directory_cell(b, x->grade);
		directory_cell(b, skills);
		html_printf(b, "<td class=\"govuk-table__cell govuk-table__cell--"
		    "numeric\">%s</td>", weekly);
		if (l->window) {
			units_hours_text(freeh, sizeof freeh, x->free);
			html_printf(b, "<td class=\"govuk-table__cell govuk-table__"
			    "cell--numeric\">%s</td>", freeh);
		}
		html_printf(b, "</tr>\n");
	}
	html_table_close(b);
	path = html_list_path(r, "/experts", keep);
	html_pagination(b, path, page, EXPERTS_PER_PAGE, (int64_t)l->n,
	    "experts");
	free(path);
}

/* The directory: a search form over every provider's experts. */
static void
experts_list_cb(struct ep_req *r, void *arg)
{
	struct expert_filter f = {
		.area = http_query(r, "area"),
		.speciality = http_query(r, "speciality"),
		.org = http_query(r, "provider"),
		.from = http_query(r, "from"),
		.to = http_query(r, "to"),
		.all = (r->who.roles & DIRECTORY_KEEPERS) && directory_all(r),
	};
	struct form_errors e = { 0 };
	struct expert_list l;
	struct evbuffer *b;
	int rc;

	(void)arg;
	rc = expert_search(http_db(), &f, &e, &l);
	b = page_begin(r, "Experts", &e);
	html_printf(b, "<h1 class=\"govuk-heading-l\">Experts</h1>\n"
	    "<p class=\"govuk-body\">Experts of every provider in the consortium, "
	    "by skill and free time.</p>\n");
	if (r->who.roles & DIRECTORY_KEEPERS)
		html_printf(b, "<a href=\"/experts/new\" role=\"button\" class=\""
		    "govuk-button govuk-button--secondary\">Add an expert</a>\n");
	directory_search_form(b, r, &e);
	if (rc == 0)
		directory_results(b, r, &l);
	page_end(r, b, rc == 0 ? 200 : 400);
	expert_list_free(&l);
	errs_free(&e);
}

static void
expert_form(struct ep_req *r, int status, const struct form_errors *e)
{
	struct evbuffer *b = page_begin(r, "Add an expert", e);
	struct org_options orgs;

	org_options_load(&orgs, "Choose an organisation");
	html_printf(b, "<h1 class=\"govuk-heading-l\">Add an expert</h1>\n");
	form_begin(b, r, "/experts");
	form_select(b, e, "org", "Provider", "The organisation that employs the "
	    "expert", (const char *const(*)[2])orgs.opts, http_form(r, "org"));
	form_input(b, e, "name", "Full name", NULL, "text", http_form(r, "name"),
	    NULL);
	form_select(b, e, "grade", "Grade", "Fees are charged by grade",
	    grade_options, http_form(r, "grade"));
	form_input(b, e, "capacity", "Weekly capacity in hours", "For example, "
	    "37.5 or 37:30", "text", http_form(r, "capacity"),
	    "govuk-input--width-5");
	form_input(b, e, "login", "Login (optional)", "The expert's own sign-in, "
	    "if they have one: same organisation, with the expert role", "text",
	    http_form(r, "login"), "govuk-!-width-one-half");
	form_textarea(b, e, "skills", "Skills", "One a line, as area/speciality:"
	    "level, level 1 to 5; for example legal/planning-law:4 or "
	    "procurement:3. Areas: legal, it, procurement, hr, finance, planning",
	    http_form(r, "skills"));
	form_end(b, "Save expert");
	page_end(r, b, status);
	org_options_free(&orgs);
}

static void
expert_new_cb(struct ep_req *r, void *arg)
{
	(void)arg;
	expert_form(r, 200, NULL);
}

/*
 * Splits a list of skills typed one a line (or separated by commas) into
 * at most max trimmed items, in place; one more than max is kept so the
 * caller can say there are too many.
 */
static size_t
directory_split_skills(char *text, const char **items, size_t max)
{
	size_t n = 0;
	char *p, *save = NULL;

	for (p = strtok_r(text, ",\r\n", &save); p != NULL;
	    p = strtok_r(NULL, ",\r\n", &save)) {
		char *end = p + strlen(p);

		while (*p == ' ' || *p == '\t')
			p++;
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (*p == '\0')
			continue;
		if (n == max + 1)
			break;
		items[n++] = p;
	}
	return n;
}

static void
expert_create_cb(struct ep_req *r, void *arg)
{
	const char *skills[EXPERT_MAX_SKILLS + 1];
	const char *typed = http_form(r, "skills");
	struct expert_input in = {
		.org_code = http_form(r, "org"),
		.name = http_form(r, "name"),
		.grade = http_form(r, "grade"),
		.capacity = http_form(r, "capacity"),
		.login = http_form(r, "login"),
		.skills = skills,
	};
	struct form_errors e = { 0 };
	struct audit_actor actor;
	char *copy = xstrdup(typed ? typed : "");
	char loc[64];
	int64_t id;

	(void)arg;
	in.nskills = directory_split_skills(copy, skills, EXPERT_MAX_SKILLS);
	audit_actor_of(&actor, &r->who);
	if (expert_add(http_db(), &actor, &in, &e, &id) != 0) {
		expert_form(r, 400, &e);
		goto out;
	}
	snprintf(loc, sizeof loc, "/experts/%lld?done=expert", (long long)id);
	http_redirect(r, loc);
out:
	errs_free(&e);
	free(copy);
}


static void
expert_leave_table(struct evbuffer *b, int64_t id)
{
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT starts, ends, note FROM "
	    "expert_leave WHERE expert_id = ? ORDER BY starts");
	char days[24];
	int any = 0;

	html_printf(b, "<h2 class=\"govuk-heading-m\">Leave</h2>\n");
	sqlite3_bind_int64(s, 1, id);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *from = (const char *)sqlite3_column_text(s, 0);
		const char *to = (const char *)sqlite3_column_text(s, 1);

		if (!any)
			html_printf(b, "<div class=\"ep-table-scroll\" role=\"region\" "
			    "aria-label=\"Leave\" tabindex=\"0\">\n"
			    "<table class=\"govuk-table\">\n<thead class=\""
			    "govuk-table__head\"><tr class=\"govuk-table__row\">"
			    "<th scope=\"col\" class=\"govuk-table__header\">From</th>"
			    "<th scope=\"col\" class=\"govuk-table__header\">To</th>"
			    "<th scope=\"col\" class=\"govuk-table__header govuk-table"
			    "__header--numeric\">Working days</th><th scope=\"col\" "
			    "class=\"govuk-table__header\">Note</th></tr></thead>\n"
			    "<tbody class=\"govuk-table__body\">\n");
		any = 1;
		snprintf(days, sizeof days, "%lld",
		    (long long)expert_workdays(from, to));
		html_printf(b, "<tr class=\"govuk-table__row\">");
		directory_cell(b, from);
		directory_cell(b, to);
		html_printf(b, "<td class=\"govuk-table__cell govuk-table__cell--"
		    "numeric\">%s</td>", days);
		directory_cell(b, (const char *)sqlite3_column_text(s, 2));
		html_printf(b, "</tr>\n");
	}
	sqlite3_reset(s);
	if (any)
		html_table_close(b);
	else
		html_printf(b, "<p class=\"govuk-body\">No leave booked.</p>\n");
}

/* A summary row, with a Change link for those who keep the directory. */
static void
directory_row(struct ep_req *r, struct evbuffer *b, const char *key,
    const char *value, const char *href)
{
	if (r->who.roles & DIRECTORY_KEEPERS)
		html_summary_change(b, key, value, href);
	else
		html_summary_row(b, key, value);
}

/* The form that changes an expert's grade, capacity and skills, filled
 * from the store or with what was typed when shown again with errors. */
static void
expert_edit_form(struct ep_req *r, int status, const struct form_errors *e)
{
	struct expert_row *x = xcalloc(1, sizeof *x);
	struct evbuffer *b;
	char hours[32], skills[1024], action[64], title[160];
	const char *typed;
	size_t i, used = 0;
	int64_t id;

	if (parse_int64(http_param(r, "id"), 1, INT64_MAX, &id) != 0 ||
	    expert_get(http_db(), id, x) != 0) {
		page_message(r, 404, "Page not found", "There is no such expert.");
		free(x);
		return;
	}
	units_hours_text(hours, sizeof hours, x->weekly);
	skills[0] = '\0';
	for (i = 0; i < x->nskills && used < sizeof skills; i++)
		used += (size_t)snprintf(skills + used, sizeof skills - used,
		    "%s%s%s:%d\n", x->skills[i].area, *x->skills[i].speciality ?
		    "/" : "", x->skills[i].speciality, x->skills[i].level);
	snprintf(title, sizeof title, "Change %s", x->name);
	snprintf(action, sizeof action, "/experts/%lld/edit", (long long)id);
	b = page_begin(r, title, e);
	html_printf(b, "<span class=\"govuk-caption-l\">%s</span>\n<h1 class=\""
	    "govuk-heading-l\">Change the expert's grade, capacity or skills"
	    "</h1>\n", x->name);
	form_begin(b, r, action);
	typed = http_form(r, "grade");
	form_select(b, e, "grade", "Grade", "Fees are charged by grade",
	    grade_options, typed ? typed : x->grade);
	typed = http_form(r, "capacity");
	form_input(b, e, "capacity", "Weekly capacity in hours", "For example, "
	    "37.5 or 37:30", "text", typed ? typed : hours,
	    "govuk-input--width-5");
	typed = http_form(r, "skills");
	form_textarea(b, e, "skills", "Skills", "One a line, as area/speciality:"
	    "level, level 1 to 5; for example legal/planning-law:4 or "
	    "procurement:3. Areas: legal, it, procurement, hr, finance, planning",
	    typed ? typed : skills);
	form_end(b, "Save changes");
	page_end(r, b, status);
	free(x);
}

static void
expert_edit_cb(struct ep_req *r, void *arg)
{
	(void)arg;
	expert_edit_form(r, 200, NULL);
}

/* Saves the expert's form: every field is sent, so every one is checked. */
static void
expert_update_cb(struct ep_req *r, void *arg)
{
	const char *skills[EXPERT_MAX_SKILLS + 1];
	const char *typed = http_form(r, "skills");
	struct expert_edit in = {
		.grade = http_form_text(r, "grade"),
		.capacity = http_form_text(r, "capacity"),
		.skills = skills,
	};
	struct form_errors e = { 0 };
	struct audit_actor actor;
	char *copy = xstrdup(typed ? typed : "");
	char loc[64];
	int64_t id;
	int changed;

	(void)arg;
	if (parse_int64(http_param(r, "id"), 1, INT64_MAX, &id) != 0)
		id = 0;
	in.nskills = directory_split_skills(copy, skills, EXPERT_MAX_SKILLS);
	audit_actor_of(&actor, &r->who);
	if (expert_update(http_db(), &actor, id, &in, &e, &changed) != 0) {
		expert_edit_form(r, 400, &e);
		goto out;
	}
	snprintf(loc, sizeof loc, "/experts/%lld?done=expert-updated", (long long)id);
	http_redirect(r, loc);
out:
	errs_free(&e);
	free(copy);
}

/* An expert's page: details, skills, leave, and for keepers the forms. */
static void
expert_page(struct ep_req *r, int status, const struct form_errors *e)
{
	struct expert_row x;
	struct evbuffer *b;
	char text[512], today[11], later[11], action[64];
	int64_t id;
	size_t i;

	if (parse_int64(http_param(r, "id"), 1, INT64_MAX, &id) != 0 ||
	    expert_get(http_db(), id, &x) != 0) {
		page_message(r, 404, "Page not found", "There is no such expert.");
		return;
	}
	b = page_begin(r, x.name, e);
	html_printf(b, "<span class=\"govuk-caption-l\">%s \xe2\x80\x93 %s</span>\n"
	    "<h1 class=\"govuk-heading-l\">%s</h1>\n<dl class=\"govuk-summary-"
	    "list\">\n", x.org_code, x.org_name, x.name);
	snprintf(action, sizeof action, "/experts/%lld/edit#grade", (long long)id);
	directory_row(r, b, "Grade", x.grade, action);
	units_hours_text(text, sizeof text, x.weekly);
	snprintf(action, sizeof action, "/experts/%lld/edit#capacity",
	    (long long)id);
	directory_row(r, b, "Weekly capacity", text, action);
	directory_dates(today, later, 27);
	units_hours_text(text, sizeof text, expert_free_minutes(http_db(), id,
	    today, later));
	html_summary_row(b, "Free in the next four weeks", text);
	html_summary_row(b, "Login", *x.login ? x.login : "None");
	html_summary_row(b, "State", x.active ? "Active" : "Inactive");
	html_printf(b, "</dl>\n<h2 class=\"govuk-heading-m\">Skills</h2>\n"
	    "<ul class=\"govuk-list govuk-list--bullet\">\n");
	for (i = 0; i < x.nskills; i++)
		html_printf(b, "<li>%s%R%s, level %d</li>\n", x.skills[i].area,
		    *x.skills[i].speciality ? "/" : "", x.skills[i].speciality,
		    x.skills[i].level);
	html_printf(b, "</ul>\n");
	if (r->who.roles & DIRECTORY_KEEPERS)
		html_printf(b, "<p class=\"govuk-body\"><a class=\"govuk-link\" "
		    "href=\"/experts/%D/edit#skills\">Change skills<span class=\""
		    "govuk-visually-hidden\"> of %s</span></a></p>\n", id, x.name);
	expert_leave_table(b, id);
	if (r->who.roles & DIRECTORY_KEEPERS) {
		html_printf(b, "<h2 class=\"govuk-heading-m\">Book leave</h2>\n");
		snprintf(action, sizeof action, "/experts/%lld/leave", (long long)id);
		form_begin(b, r, action);
		form_input(b, e, "from", "First day", "As YYYY-MM-DD", "text",
		    http_form(r, "from"), "govuk-input--width-10");
		form_input(b, e, "to", "Last day", "As YYYY-MM-DD", "text",
		    http_form(r, "to"), "govuk-input--width-10");
		form_input(b, e, "note", "Note (optional)", NULL, "text",
		    http_form(r, "note"), NULL);
		form_end(b, "Book leave");
		snprintf(action, sizeof action, "/experts/%lld/active",
		    (long long)id);
		form_begin(b, r, action);
		html_printf(b, "<input type=\"hidden\" name=\"active\" value=\"%R\">\n"
		    "<button type=\"submit\" class=\"govuk-button govuk-button--"
		    "secondary\">%R</button>\n</form>\n", x.active ? "no" : "yes",
		    x.active ? "Mark as inactive" : "Mark as active");
	}
	page_end(r, b, status);
}

static void
expert_view_cb(struct ep_req *r, void *arg)
{
	(void)arg;
	expert_page(r, 200, NULL);
}

static void
expert_leave_cb(struct ep_req *r, void *arg)
{
	struct leave_input in = {
		.from = http_form(r, "from"),
		.to = http_form(r, "to"),
		.note = http_form(r, "note"),
	};
	struct form_errors e = { 0 };
	struct audit_actor actor;
	char loc[64];
	int64_t id, leave;

	(void)arg;
	if (parse_int64(http_param(r, "id"), 1, INT64_MAX, &id) != 0) {
		page_message(r, 404, "Page not found", "There is no such expert.");
		return;
	}
	audit_actor_of(&actor, &r->who);
	if (expert_leave_add(http_db(), &actor, id, &in, &e, &leave) != 0) {
		expert_page(r, errs_get(&e, "expert") ? 404 : 400, &e);
		errs_free(&e);
		return;
	}
	snprintf(loc, sizeof loc, "/experts/%lld?done=leave", (long long)id);
	http_redirect(r, loc);
}

static void
expert_active_cb(struct ep_req *r, void *arg)
{
	const char *active = http_form(r, "active");
	struct audit_actor actor;
	char loc[64];
	int64_t id;

	(void)arg;
	if (parse_int64(http_param(r, "id"), 1, INT64_MAX, &id) != 0 ||
	    expert_org_id(http_db(), id) <= 0) {
		page_message(r, 404, "Page not found", "There is no such expert.");
		return;
	}
	if (active == NULL || (strcmp(active, "yes") != 0 &&
	    strcmp(active, "no") != 0)) {
		page_message(r, 400, "There is a problem", "Say whether the expert "
		    "is active: yes or no.");
		return;
	}
	audit_actor_of(&actor, &r->who);
	if (expert_set_active(http_db(), &actor, id, strcmp(active, "yes") == 0)
	    != 0) {
		page_message(r, 500, "Sorry, there is a problem",
		    "The expert could not be changed.");
		return;
	}
	snprintf(loc, sizeof loc, "/experts/%lld?done=%s", (long long)id,
	    strcmp(active, "yes") == 0 ? "active" : "inactive");
	http_redirect(r, loc);
}

void
directory_routes_register(void)
{
	route_add(NULL, "GET", "/experts", EP_ROLE_ANY, experts_list_cb, NULL);
	route_add(NULL, "GET", "/experts/new", DIRECTORY_KEEPERS, expert_new_cb,
	    NULL);
	route_add(NULL, "POST", "/experts", DIRECTORY_KEEPERS, expert_create_cb,
	    NULL);
	route_add_owned(NULL, "GET", "/experts/{id}", EP_ROLE_ANY,
	    DIRECTORY_OWNER_SQL, expert_view_cb, NULL);
	route_add_owned(NULL, "POST", "/experts/{id}/leave", DIRECTORY_KEEPERS,
	    DIRECTORY_OWNER_SQL, expert_leave_cb, NULL);
	route_add_owned(NULL, "POST", "/experts/{id}/active", DIRECTORY_KEEPERS,
	    DIRECTORY_OWNER_SQL, expert_active_cb, NULL);
	route_add_owned(NULL, "GET", "/experts/{id}/edit", DIRECTORY_KEEPERS,
	    DIRECTORY_OWNER_SQL, expert_edit_cb, NULL);
	route_add_owned(NULL, "POST", "/experts/{id}/edit", DIRECTORY_KEEPERS,
	    DIRECTORY_OWNER_SQL, expert_update_cb, NULL);
}
