/* request-edit-pages.c: changing a request before any offer is made for it. */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <jansson.h>
#include <sqlite3.h>

static void
copy_col(char *out, size_t len, sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	snprintf(out, len, "%s", t != NULL ? (const char *)t : "");
}

/*
 * A request's fields as its form shows them, into v, and in pointing at
 * them; its state and whether any offer was ever made. -1 if no request.
 */
int
request_current(struct ep_db *db, int64_t id, struct request_values *v,
    struct request_input *in)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT area, speciality, title, "
	    "description, urgency, wanted_start, wanted_end, estimated_minutes, "
	    "budget_pence, cost_centre, po_reference, preferred_expert_id, "
	    "state, consumer_id, (SELECT count(*) FROM offers f WHERE "
	    "f.request_id = r.id) FROM requests r WHERE id = ?");
	int rc = -1;

	memset(v, 0, sizeof *v);
	memset(in, 0, sizeof *in);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		copy_col(v->area, sizeof v->area, s, 0);
		copy_col(v->speciality, sizeof v->speciality, s, 1);
		copy_col(v->title, sizeof v->title, s, 2);
		copy_col(v->description, sizeof v->description, s, 3);
		copy_col(v->urgency, sizeof v->urgency, s, 4);
		copy_col(v->wanted_start, sizeof v->wanted_start, s, 5);
		copy_col(v->wanted_end, sizeof v->wanted_end, s, 6);
		units_hours_text(v->hours, sizeof v->hours,
		    sqlite3_column_int64(s, 7));
		if (sqlite3_column_type(s, 8) != SQLITE_NULL)
			units_money_plain(v->budget, sizeof v->budget,
			    sqlite3_column_int64(s, 8));
		copy_col(v->cost_centre, sizeof v->cost_centre, s, 9);
		copy_col(v->po_reference, sizeof v->po_reference, s, 10);
		copy_col(v->preferred, sizeof v->preferred, s, 11);
		copy_col(v->state, sizeof v->state, s, 12);
		v->consumer_id = sqlite3_column_int64(s, 13);
		v->offers = sqlite3_column_int(s, 14);
		rc = 0;
	}
	sqlite3_reset(s);
	in->area = v->area;
	in->speciality = v->speciality;
	in->title = v->title;
	in->description = v->description;
	in->urgency = v->urgency;
	in->wanted_start = v->wanted_start;
	in->wanted_end = v->wanted_end;
	in->estimated_hours = v->hours;
	in->budget = v->budget;
	in->cost_centre = v->cost_centre;
	in->po_reference = v->po_reference;
	in->preferred_expert = v->preferred;
	return rc;
}

/* Why a request in this state cannot be changed, or NULL if it can. */
static const char *
request_fixed_because(const struct request_values *v)
{
	if (v->offers > 0)
		return "An offer has been made for this request, so it can no "
		    "longer be changed. Ask the pool to withdraw the offer, or "
		    "withdraw the request and send a new one";
	if (strcmp(v->state, "submitted") != 0 && strcmp(v->state, "draft") != 0)
		return "This request can no longer be changed";
	return NULL;
}

/* The stored fields as the audit records them. */
static json_t *
request_fields_json(const struct request_input *in,
    const struct request_clean *c)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:o,s:s,s:s,s:o}",
	    "area", in->area ? in->area : "", "speciality", in->speciality ?
	    in->speciality : "", "title", in->title ? in->title : "",
	    "description", in->description ? in->description : "", "urgency",
	    in->urgency ? in->urgency : "", "wanted_start", in->wanted_start ?
	    in->wanted_start : "", "wanted_end", in->wanted_end ?
	    in->wanted_end : "", "estimated_minutes", (json_int_t)c->minutes,
	    "budget_pence", c->budget >= 0 ? json_integer(c->budget) :
	    json_null(), "cost_centre", in->cost_centre ? in->cost_centre : "",
	    "po_reference", in->po_reference ? in->po_reference : "",
	    "preferred_expert", c->preferred > 0 ? json_integer(c->preferred) :
	    json_null());
}

/* The audit summary: before and after, of the fields that changed only;
 * NULL when none did. */
static char *
request_change_summary(json_t *before, json_t *after)
{
	const char *key;
	json_t *value, *sum;
	void *tmp;
	char *text = NULL;

	json_object_foreach_safe(after, tmp, key, value) {
		if (json_equal(value, json_object_get(before, key))) {
			json_object_del(before, key);
			json_object_del(after, key);
		}
	}
	if (json_object_size(after) > 0) {
		sum = json_pack("{s:O,s:O}", "before", before, "after", after);
		text = json_dumps(sum, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(sum);
	}
	return text;
}

static void
bind_text(sqlite3_stmt *s, int i, const char *v)
{
	sqlite3_bind_text(s, i, v ? v : "", -1, SQLITE_STATIC);
}

/* Writes the new fields and their estimate, only while no offer exists. */
static int
request_write(struct ep_db *db, int64_t id, const struct request_input *in,
    const struct request_clean *c)
{
	sqlite3_stmt *s = db_stmt(db, "UPDATE requests SET area = ?2, "
	    "speciality = ?3, title = ?4, description = ?5, urgency = ?6, "
	    "wanted_start = ?7, wanted_end = ?8, estimated_minutes = ?9, "
	    "budget_pence = ?10, cost_centre = ?11, po_reference = ?12, "
	    "preferred_expert_id = ?13, estimate_pence = ?14, estimate_ruleset "
	    "= ?15, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE "
	    "id = ?1 AND state IN ('draft', 'submitted') AND NOT EXISTS (SELECT "
	    "1 FROM offers WHERE request_id = ?1)");
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	bind_text(s, 2, in->area);
	bind_text(s, 3, in->speciality);
	bind_text(s, 4, in->title);
	bind_text(s, 5, in->description);
	bind_text(s, 6, in->urgency);
	bind_text(s, 7, in->wanted_start);
	bind_text(s, 8, in->wanted_end);
	sqlite3_bind_int64(s, 9, c->minutes);
	if (c->budget >= 0)
		sqlite3_bind_int64(s, 10, c->budget);
	bind_text(s, 11, in->cost_centre);
	bind_text(s, 12, in->po_reference);
	if (c->preferred > 0)
		sqlite3_bind_int64(s, 13, c->preferred);
	if (c->estimate_high > 0)
		sqlite3_bind_int64(s, 14, c->estimate_high);
	if (c->ruleset[0] != '\0')
		sqlite3_bind_text(s, 15, c->ruleset, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return -1;
	return sqlite3_changes(db->sql) == 1 ? 0 : 1;
}

/*
 * Changes a request before any offer is made for it: every field checked
 * as the request form checks it, its estimate worked out again, the
 * fields that changed audited before and after. *changed says whether
 * anything did. Errors name the field, or "request" when the request
 * cannot be changed at all; nothing is half-saved.
 */
int
request_update(struct ep_db *db, const struct principal *who, int64_t id,
    const struct request_input *in, struct form_errors *e, int *changed)
{
	struct request_values v;
	struct request_input was;
	struct request_clean c, old;
	struct form_errors ignore = { 0 };
	struct audit_actor actor;
	const char *why;
	char idtext[24], *text;
	json_t *before, *after;
	int rc;

	*changed = 0;
	if (request_current(db, id, &v, &was) != 0) {
		errs_add(e, "request", "There is no such request");
		return -1;
	}
	if ((why = request_fixed_because(&v)) != NULL) {
		errs_add(e, "request", "%s", why);
		return -1;
	}
	request_validate(db, in, v.consumer_id, &c, e);
	if (e->n > 0)
		return -1;
	request_validate(db, &was, v.consumer_id, &old, &ignore);
	errs_free(&ignore);
	before = request_fields_json(&was, &old);
	after = request_fields_json(in, &c);
	text = request_change_summary(before, after);
	json_decref(before);
	json_decref(after);
	if (text == NULL)
		return 0;
	request_estimate(db, v.consumer_id, in->area, c.minutes,
	    in->wanted_start, &c.estimate_low, &c.estimate_high, c.ruleset,
	    sizeof c.ruleset);
	audit_actor_of(&actor, who);
	snprintf(idtext, sizeof idtext, "%lld", (long long)id);
	if (db_begin(db) != 0)
		goto fail;
	if ((rc = request_write(db, id, in, &c)) != 0) {
		db_rollback(db);
		free(text);
		if (rc < 0)
			goto store;
		errs_add(e, "request", "%s", "An offer has just been made for "
		    "this request, so it can no longer be changed");
		return -1;
	}
	if (audit_record(db, &actor, "update", "request", idtext, v.consumer_id,
	    text) != 0 || db_commit(db) != 0) {
		db_rollback(db);
		goto fail;
	}
	free(text);
	*changed = 1;
	request_fire(id, "request.updated");
	return 0;
fail:
	free(text);
store:
	errs_add(e, "title", "The request could not be saved: %s",
	    db_errmsg(db));
	return -1;
}

/* --- The "Change request" form --- */

static int64_t
param_id(struct ep_req *r)
{
	int64_t id = 0;

	parse_int64(http_param(r, "id"), 1, INT64_MAX, &id);
	return id;
}

/* The form, filled from in (the stored request, or what was sent). */
static void
request_edit_form(struct ep_req *r, int status, const struct form_errors *e,
    int64_t id, const struct request_input *in)
{
	struct evbuffer *b = page_begin(r, "Change your request", e);
	char action[48];

	snprintf(action, sizeof action, "/requests/%lld/edit", (long long)id);
	html_printf(b, "<span class=\"govuk-caption-l\">Request %D</span>\n<h1 "
	    "class=\"govuk-heading-l\">Change your request</h1>\n<p class=\""
	    "govuk-body\">You can change a request until an offer is made for "
	    "it.</p>\n", id);
	form_begin(b, r, action);
	form_select(b, e, "area", "Skill area", NULL, skill_areas, in->area);
	form_input(b, e, "speciality", "Speciality (optional)", "For example, "
	    "planning-law, contracts, network-security", "text", in->speciality,
	    "govuk-!-width-one-half");
	form_input(b, e, "title", "Title", "A short name for the work", "text",
	    in->title, NULL);
	form_textarea(b, e, "description", "Description", "What you need and "
	    "why", in->description);
	form_select(b, e, "urgency", "Urgency", NULL, request_urgencies,
	    in->urgency);
	form_input(b, e, "wanted_start", "Wanted from", "As YYYY-MM-DD", "text",
	    in->wanted_start, "govuk-input--width-10");
	form_input(b, e, "wanted_end", "Wanted until", "As YYYY-MM-DD", "text",
	    in->wanted_end, "govuk-input--width-10");
	form_input(b, e, "estimated_hours", "Estimated hours", "For example, 12 "
	    "or 7.5", "text", in->estimated_hours, "govuk-input--width-5");
	form_input(b, e, "budget", "Budget cap in pounds (optional)", "For "
	    "example, 2500.00", "text", in->budget, "govuk-input--width-10");
	form_input(b, e, "cost_centre", "Cost centre (optional)", NULL, "text",
	    in->cost_centre, "govuk-input--width-10");
	form_input(b, e, "po_reference", "Purchase order or buyer reference",
	    NULL, "text", in->po_reference, "govuk-input--width-20");
	request_preferred_select(b, e, in->preferred_expert);
	form_end(b, "Save the changes");
	html_printf(b, "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\""
	    "/requests/%D\">Back to the request</a></p>\n", id);
	page_end(r, b, status);
}

static void
request_edit_cb(struct ep_req *r, void *arg)
{
	struct request_values v;
	struct request_input in;
	const char *why;
	int64_t id = param_id(r);

	(void)arg;
	if (request_current(http_db(), id, &v, &in) != 0) {
		page_message(r, 404, "Page not found", "There is no such request.");
		return;
	}
	if ((why = request_fixed_because(&v)) != NULL) {
		page_message(r, 409, "This request cannot be changed", why);
		return;
	}
	request_edit_form(r, 200, NULL, id, &in);
}

static void
request_update_cb(struct ep_req *r, void *arg)
{
	struct request_input in = {
		.area = http_form(r, "area"),
		.speciality = http_form(r, "speciality"),
		.title = http_form(r, "title"),
		.description = http_form(r, "description"),
		.urgency = http_form(r, "urgency"),
		.wanted_start = http_form(r, "wanted_start"),
		.wanted_end = http_form(r, "wanted_end"),
		.estimated_hours = http_form(r, "estimated_hours"),
		.budget = http_form(r, "budget"),
		.cost_centre = http_form(r, "cost_centre"),
		.po_reference = http_form(r, "po_reference"),
		.preferred_expert = http_form(r, "preferred_expert"),
	};
	struct form_errors e = { 0 };
	char loc[64];
	int64_t id = param_id(r);
	int changed;

	(void)arg;
	if (request_update(http_db(), &r->who, id, &in, &e, &changed) != 0) {
		if (errs_get(&e, "request") != NULL)
			page_message(r, 409, "This request cannot be changed",
			    errs_get(&e, "request"));
		else
			request_edit_form(r, 400, &e, id, &in);
		errs_free(&e);
		return;
	}
	snprintf(loc, sizeof loc, "/requests/%lld?done=%s", (long long)id,
	    changed ? "request-changed" : "unchanged");
	http_redirect(r, loc);
}

void
request_edit_routes_register(void)
{
	const char *consumer = "SELECT consumer_id FROM requests WHERE id = ?1";

	route_add_owned(NULL, "GET", "/requests/{id}/edit", EP_ROLE_REQUESTER,
	    consumer, request_edit_cb, NULL);
	route_add_owned(NULL, "POST", "/requests/{id}/edit", EP_ROLE_REQUESTER,
	    consumer, request_update_cb, NULL);
}
