/* directory-api.c: the expert directory in the JSON API (/api/v1/experts). */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

/* An expert as the API shows one; free time only for a date window. */
static json_t *
api_expert(const struct expert_row *x, int window)
{
	char hours[32];
	json_t *skills = json_array();
	json_t *o;
	size_t i;

	for (i = 0; i < x->nskills; i++)
		json_array_append_new(skills, json_pack("{s:s,s:s,s:i}", "area",
		    x->skills[i].area, "speciality", x->skills[i].speciality,
		    "level", x->skills[i].level));
	units_hours_clock(hours, sizeof hours, x->weekly);
	o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:I,s:s,s:b,s:o}", "id",
	    (json_int_t)x->id, "name", x->name, "org", x->org_code, "org_name",
	    x->org_name, "grade", x->grade, "weekly_capacity_minutes",
	    (json_int_t)x->weekly, "capacity", hours, "active", x->active,
	    "skills", skills);
	json_object_set_new(o, "org_calendar", json_string(x->org_calendar));
	if (window)
		json_object_set_new(o, "free_minutes", json_integer(x->free));
	return o;
}

/* qsort order for a page of experts: the newest (highest id) first. */
static int
api_expert_newest(const void *a, const void *b)
{
	const struct expert_row *x = a, *y = b;

	return x->id < y->id ? 1 : x->id > y->id ? -1 : 0;
}

/* GET /api/v1/experts: the directory's search, a page at a time. */
static void
api_experts_list_cb(struct ep_req *r, void *arg)
{
	struct expert_filter f = {
		.area = http_query(r, "area"),
		.speciality = http_query(r, "speciality"),
		.org = http_query(r, "provider"),
		.from = http_query(r, "from"),
		.to = http_query(r, "to"),
		.all = (r->who.roles & DIRECTORY_KEEPERS) && directory_all(r),
	};
	static const char *const keep[] = { "area", "speciality", "provider",
		"from", "to", "all", NULL };
	struct form_errors e = { 0 };
	struct expert_list l;
	struct cursor c;
	json_t *list;
	size_t i;

	(void)arg;
	if (cursor_read(r, 100, 500, &c) != 0)
		return;
	if (expert_search(http_db(), &f, &e, &l) != 0) {
		api_invalid(r, &e);
		errs_free(&e);
		return;
	}
	/* Newest first by id, so that after= walks the list however its
	 * rows would sort by name or free time. */
	if (l.n > 1)
		qsort(l.rows, l.n, sizeof *l.rows, api_expert_newest);
	list = json_array();
	for (i = 0; i < l.n; i++)
		if (l.rows[i].id < c.after &&
		    cursor_take(&c, l.rows[i].id) == 0)
			json_array_append_new(list, api_expert(&l.rows[i],
			    l.window));
		else if (c.more)
			break;
	expert_list_free(&l);
	cursor_reply(r, "/api/v1/experts", keep, &c, list);
}

/* Skills as ["legal/contracts:4", ...] or [{"area", "speciality",
 * "level"}, ...], into "area/speciality:level" texts kept in bufs. */
static size_t
api_skills(json_t *o, char bufs[][96], const char **items, size_t max,
    struct form_errors *e)
{
	json_t *list = json_object_get(o, "skills"), *v;
	size_t i, n = 0;

	if (list == NULL || json_is_null(list))
		return 0;
	if (!json_is_array(list)) {
		errs_add(e, "skills", "skills must be a list");
		return 0;
	}
	json_array_foreach(list, i, v) {
		if (n == max + 1)
			break;
		if (json_is_string(v) && strlen(json_string_value(v)) >= 96) {
			errs_add(e, "skills", "Skill %zu is too long", i + 1);
			return 0;
		} else if (json_is_string(v))
			snprintf(bufs[n], 96, "%s", json_string_value(v));
		else if (json_is_object(v) &&
		    json_is_string(json_object_get(v, "area")) &&
		    json_is_integer(json_object_get(v, "level"))) {
			const char *spec = json_string_value(json_object_get(v,
			    "speciality"));

			snprintf(bufs[n], 96, "%s%s%s:%lld",
			    json_string_value(json_object_get(v, "area")),
			    spec && *spec ? "/" : "", spec ? spec : "",
			    (long long)json_integer_value(json_object_get(v,
			    "level")));
		} else {
			errs_add(e, "skills", "Skill %zu must be a string such as "
			    "legal/contracts:4, or an object with area, speciality "
			    "and level", i + 1);
			return 0;
		}
		items[n] = bufs[n];
		n++;
	}
	return n;
}

/* POST /api/v1/experts: adds an expert, checked as the form checks. */
static void
api_expert_create_cb(struct ep_req *r, void *arg)
{
	char bufs[EXPERT_MAX_SKILLS + 1][96];
	const char *items[EXPERT_MAX_SKILLS + 1];
	struct expert_input in = { 0 };
	struct form_errors e = { 0 };
	struct audit_actor actor;
	struct expert_row x;
	json_t *body;
	char loc[64];
	int64_t id;

	(void)arg;
	if ((body = api_object(r)) == NULL)
		return;
	in.org_code = api_text(body, "org", &e);
	in.name = api_text(body, "name", &e);
	in.grade = api_text(body, "grade", &e);
	in.capacity = api_text(body, "capacity", &e);
	in.login = api_text(body, "login", &e);
	in.nskills = api_skills(body, bufs, items, EXPERT_MAX_SKILLS, &e);
	in.skills = items;
	audit_actor_of(&actor, &r->who);
	if (e.n > 0 || expert_add(http_db(), &actor, &in, &e, &id) != 0) {
		api_invalid(r, &e);
		goto out;
	}
	snprintf(loc, sizeof loc, "/api/v1/experts/%lld", (long long)id);
	http_reply_header(r, "Location", loc);
	if (expert_get(http_db(), id, &x) != 0)
		http_json_error(r, 500, "internal", NULL, "the expert was saved "
		    "but could not be read back");
	else
		api_reply(r, 201, api_expert(&x, 0));
out:
	errs_free(&e);
	json_decref(body);
}

/* GET /api/v1/experts/{id}: one expert. */
static void
api_expert_view_cb(struct ep_req *r, void *arg)
{
	sqlite3_stmt *s;
	struct expert_row x;
	json_t *o, *leave;
	int64_t id;

	(void)arg;
	if (parse_int64(http_param(r, "id"), 1, INT64_MAX, &id) != 0 ||
	    expert_get(http_db(), id, &x) != 0) {
		http_json_error(r, 404, "not_found", NULL, "no such expert");
		return;
	}
	o = api_expert(&x, 0);
	json_object_set_new(o, "login", *x.login ? json_string(x.login) :
	    json_null());
	leave = json_array();
	s = db_stmt(http_db(), "SELECT id, starts, ends, note FROM expert_leave "
	    "WHERE expert_id = ? ORDER BY starts");
	sqlite3_bind_int64(s, 1, id);
	while (sqlite3_step(s) == SQLITE_ROW)
		json_array_append_new(leave, json_pack("{s:I,s:s,s:s,s:s}", "id",
		    (json_int_t)sqlite3_column_int64(s, 0), "from",
		    (const char *)sqlite3_column_text(s, 1), "to",
		    (const char *)sqlite3_column_text(s, 2), "note",
		    (const char *)sqlite3_column_text(s, 3)));
	sqlite3_reset(s);
	json_object_set_new(o, "leave", leave);
	api_reply(r, 200, o);
}

/* POST /api/v1/experts/{id}/leave: books a period of leave. */
static void
api_expert_leave_cb(struct ep_req *r, void *arg)
{
	struct leave_input in = { 0 };
	struct form_errors e = { 0 };
	struct audit_actor actor;
	json_t *body;
	int64_t id, leave;

	(void)arg;
	if (parse_int64(http_param(r, "id"), 1, INT64_MAX, &id) != 0) {
		http_json_error(r, 404, "not_found", NULL, "no such expert");
		return;
	}
	if ((body = api_object(r)) == NULL)
		return;
	in.from = api_text(body, "from", &e);
	in.to = api_text(body, "to", &e);
	in.note = api_text(body, "note", &e);
	audit_actor_of(&actor, &r->who);
	if (e.n > 0 || expert_leave_add(http_db(), &actor, id, &in, &e,
	    &leave) != 0) {
		if (errs_get(&e, "expert") != NULL)
			http_json_error(r, 404, "not_found", NULL, "no such expert");
		else
			api_invalid(r, &e);
		goto out;
	}
	api_reply(r, 201, json_pack("{s:I,s:I,s:s,s:s,s:s}", "id",
	    (json_int_t)leave, "expert", (json_int_t)id, "from", in.from, "to",
	    in.to, "note", in.note ? in.note : ""));
out:
	errs_free(&e);
	json_decref(body);
}

/* Changes an expert's grade, capacity or skills: members not given stay;
 * skills given replace the whole list. */
static void
api_expert_patch_cb(struct ep_req *r, void *arg)
{
	char bufs[EXPERT_MAX_SKILLS + 1][96];
	const char *items[EXPERT_MAX_SKILLS + 1];
	struct expert_edit in = { 0 };
	struct form_errors e = { 0 };
	struct audit_actor actor;
	struct expert_row x;
	json_t *body;
	int64_t id;
	int changed;

	(void)arg;
	if (parse_int64(http_param(r, "id"), 1, INT64_MAX, &id) != 0 ||
	    expert_org_id(http_db(), id) <= 0) {
		http_json_error(r, 404, "not_found", NULL, "no such expert");
		return;
	}
	if ((body = api_object(r)) == NULL)
		return;
	in.grade = api_text(body, "grade", &e);
	in.capacity = api_text(body, "capacity", &e);
	if (json_object_get(body, "skills") != NULL) {
		in.nskills = api_skills(body, bufs, items, EXPERT_MAX_SKILLS, &e);
		in.skills = items;
	}
	audit_actor_of(&actor, &r->who);
	if (e.n > 0 || expert_update(http_db(), &actor, id, &in, &e,
	    &changed) != 0)
		api_invalid(r, &e);
	else if (expert_get(http_db(), id, &x) != 0)
		http_json_error(r, 500, "internal", NULL, "the expert was saved "
		    "but could not be read back");
	else
		api_reply(r, 200, api_expert(&x, 0));
	errs_free(&e);
	json_decref(body);
}

/* The API's expert routes, owned like the pages by the expert's org. */
void
directory_api_routes_register(void)
{
	route_add(NULL, "GET", "/api/v1/experts", EP_ROLE_ANY,
	    api_experts_list_cb, NULL);
	route_add(NULL, "POST", "/api/v1/experts", DIRECTORY_KEEPERS,
	    api_expert_create_cb, NULL);
	route_add_owned(NULL, "GET", "/api/v1/experts/{id}", EP_ROLE_ANY,
	    DIRECTORY_OWNER_SQL, api_expert_view_cb, NULL);
	route_add_owned(NULL, "POST", "/api/v1/experts/{id}/leave",
	    DIRECTORY_KEEPERS, DIRECTORY_OWNER_SQL, api_expert_leave_cb, NULL);
	route_add_owned(NULL, "PATCH", "/api/v1/experts/{id}",
	    DIRECTORY_KEEPERS, DIRECTORY_OWNER_SQL, api_expert_patch_cb, NULL);
}
