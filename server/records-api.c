/* records-api.c: the JSON API that reads and corrects the records people
 * keep: organisations, people and agreements (experts: directory-pages.c). */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#define REC_FIELD_MAX 512

/* A body's members as text, kept until rec_body_free. */
struct rec_body {
	json_t *root;
	char buf[16][REC_FIELD_MAX];
	int n;
};

/* The body as a JSON object, or a 400 reply and -1. */
static int
rec_body_parse(struct ep_req *r, struct rec_body *b)
{
	b->n = 0;
	b->root = api_object(r);
	return b->root != NULL ? 0 : -1;
}

/*
 * One member as the text the record's own checks read: absent is NULL
 * (the field stays as it is), null is "" (cleared), a number is written
 * out, true and false are "yes" and "no", a list of strings is joined
 * with commas (roles). Anything else is an error on the field.
 */
static const char *
rec_field(struct rec_body *b, const char *key, struct form_errors *e)
{
	json_t *v = json_object_get(b->root, key), *item;
	char *out;
	size_t i, used = 0;

	if (v == NULL)
		return NULL;
	if (json_is_null(v))
		return "";
	if (json_is_string(v))
		return json_string_value(v);
	if (b->n >= (int)nitems(b->buf)) {
		errs_add(e, key, "%s: too many fields", key);
		return NULL;
	}
	out = b->buf[b->n++];
	out[0] = '\0';
	if (json_is_integer(v))
		snprintf(out, REC_FIELD_MAX, "%lld",
		    (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(out, REC_FIELD_MAX, "%.15g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(out, REC_FIELD_MAX, "%s", json_is_true(v) ? "yes" : "no");
	else if (json_is_array(v)) {
		json_array_foreach(v, i, item) {
			if (!json_is_string(item) || used >= REC_FIELD_MAX) {
				errs_add(e, key, "%s must be a list of strings", key);
				return NULL;
			}
			used += (size_t)snprintf(out + used, REC_FIELD_MAX - used,
			    "%s%s", i ? "," : "", json_string_value(item));
		}
	} else {
		errs_add(e, key, "%s must be a string", key);
		return NULL;
	}
	return out;
}

/* Names the first member that is not one of the fields a record has. */
static int
rec_known(struct rec_body *b, const char *const *fields,
    struct form_errors *e)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(b->root, key, v) {
		for (i = 0; fields[i] != NULL; i++) {
			if (strcmp(fields[i], key) == 0)
				break;
		}
		if (fields[i] == NULL) {
			errs_add(e, key, "%s is not a field that can be changed here",
			    key);
			return -1;
		}
	}
	return 0;
}

/* True when the query for one id finds a row. */
static int
rec_exists(const char *sql, int64_t id)
{
	sqlite3_stmt *s = db_stmt(http_db(), sql);
	int found;

	if (s == NULL)
		return 0;
	sqlite3_bind_int64(s, 1, id);
	found = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_reset(s);
	return found;
}

/* Renames the errors on a form's field to the API member's name. */
static void
rec_rename(struct form_errors *e, const char *from, const char *to)
{
	int i;

	for (i = 0; i < e->n; i++) {
		if (strcmp(e->field[i], from) == 0) {
			free(e->field[i]);
			e->field[i] = xstrdup(to);
		}
	}
}

/* --- Organisations --- */

static json_t *
rec_org(int64_t id)
{
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT code, name, kind, "
	    "billing_address, vat_number, invoice_email, payment_terms_days, "
	    "po_required, calendar FROM organisations WHERE id = ?");
	json_t *o = NULL;

	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:i,s:b,s:s}", "id",
		    (json_int_t)id, "code", sqlite3_column_text(s, 0), "name",
		    sqlite3_column_text(s, 1), "kind", sqlite3_column_text(s, 2),
		    "billing_address", sqlite3_column_text(s, 3), "invoice_email",
		    sqlite3_column_text(s, 5), "payment_terms_days",
		    sqlite3_column_int(s, 6), "po_required",
		    sqlite3_column_int(s, 7), "calendar", sqlite3_column_text(s, 8));
		json_object_set_new(o, "vat_number", sqlite3_column_type(s, 4) ==
		    SQLITE_NULL ? json_null() : json_string((const char *)
		    sqlite3_column_text(s, 4)));
	}
	sqlite3_reset(s);
	return o;
}

static void
rec_org_get_cb(struct ep_req *r, void *arg)
{
	json_t *o = rec_org(api_id(r));

	(void)arg;
	if (o == NULL)
		http_json_error(r, 404, "not_found", NULL, "no such organisation");
	else
		api_reply(r, 200, o);
}

/* Changes the members given; the code never changes. */
static void
rec_org_patch_cb(struct ep_req *r, void *arg)
{
	static const char *const fields[] = { "name", "kind", "billing_address",
		"vat_number", "invoice_email", "payment_terms_days", "po_required",
		"calendar", NULL };
	struct rec_body b;
	struct org_input in = { 0 };
	struct form_errors e = { 0 };
	struct audit_actor actor;
	int64_t id = api_id(r);
	int changed;

	(void)arg;
	if (!rec_exists("SELECT 1 FROM organisations WHERE id = ?", id)) {
		http_json_error(r, 404, "not_found", NULL, "no such organisation");
		return;
	}
	if (rec_body_parse(r, &b) != 0)
		return;
	if (rec_known(&b, fields, &e) == 0) {
		in.name = rec_field(&b, "name", &e);
		in.kind = rec_field(&b, "kind", &e);
		in.billing_address = rec_field(&b, "billing_address", &e);
		in.vat_number = rec_field(&b, "vat_number", &e);
		in.invoice_email = rec_field(&b, "invoice_email", &e);
		in.payment_terms = rec_field(&b, "payment_terms_days", &e);
		in.po_required = rec_field(&b, "po_required", &e);
		in.calendar = rec_field(&b, "calendar", &e);
	}
	audit_actor_of(&actor, &r->who);
	if (e.n > 0 || org_update(http_db(), &actor, id, &in, &e,
	    &changed) != 0) {
		rec_rename(&e, "payment_terms", "payment_terms_days");
		api_invalid(r, &e);
	} else
		api_reply(r, 200, rec_org(id));
	errs_free(&e);
	json_decref(b.root);
}

/* --- People --- */

static json_t *
rec_person(int64_t id)
{
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT p.login, p.name, p.email, "
	    "p.roles, p.disabled, o.code FROM people p JOIN organisations o ON "
	    "o.id = p.org_id WHERE p.id = ?");
	json_t *o = NULL, *roles;
	size_t i;

	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		roles = json_array();
		for (i = 0; role_names[i][0] != NULL; i++) {
			if (sqlite3_column_int(s, 3) & (1 << i))
				json_array_append_new(roles,
				    json_string(role_names[i][0]));
		}
		o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:o,s:b}", "id",
		    (json_int_t)id, "login", sqlite3_column_text(s, 0), "name",
		    sqlite3_column_text(s, 1), "email", sqlite3_column_text(s, 2),
		    "org", sqlite3_column_text(s, 5), "roles", roles, "disabled",
		    sqlite3_column_int(s, 4));
	}
	sqlite3_reset(s);
	return o;
}

/* Changes a person's name, email, roles or state (disabled: true|false). */
static void
rec_person_patch_cb(struct ep_req *r, void *arg)
{
	static const char *const fields[] = { "name", "email", "roles",
		"disabled", NULL };
	struct rec_body b;
	struct person_edit in = { .disabled = -1 };
	struct form_errors e = { 0 };
	struct audit_actor actor;
	const char *dis;
	int64_t id = api_id(r);
	int changed;

	(void)arg;
	if (!rec_exists("SELECT 1 FROM people WHERE id = ?", id)) {
		http_json_error(r, 404, "not_found", NULL, "no such person");
		return;
	}
	if (rec_body_parse(r, &b) != 0)
		return;
	if (rec_known(&b, fields, &e) == 0) {
		in.name = rec_field(&b, "name", &e);
		in.email = rec_field(&b, "email", &e);
		in.roles = rec_field(&b, "roles", &e);
		dis = json_object_get(b.root, "disabled") == NULL ? NULL :
		    rec_field(&b, "disabled", &e);
		if (dis != NULL && strcmp(dis, "yes") != 0 &&
		    strcmp(dis, "no") != 0)
			errs_add(&e, "disabled", "disabled must be true or false");
		else if (dis != NULL)
			in.disabled = strcmp(dis, "yes") == 0;
	}
	audit_actor_of(&actor, &r->who);
	if (e.n > 0 || person_update(http_db(), &actor, id, &in, &e,
	    &changed) != 0)
		api_invalid(r, &e);
	else
		api_reply(r, 200, rec_person(id));
	errs_free(&e);
	json_decref(b.root);
}

/* --- Agreements --- */

static json_t *
rec_agreement(int64_t id)
{
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT p.code, c.code, "
	    "a.ruleset, a.payment_terms_days, a.monthly_cap_pence, "
	    "a.vat_category, a.valid_from, a.valid_to, a.replaces FROM "
	    "agreements a LEFT JOIN organisations p ON p.id = a.provider_id "
	    "LEFT JOIN organisations c ON c.id = a.consumer_id WHERE a.id = ?");
	json_t *o = NULL;
	int i;

	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		o = json_pack("{s:I,s:s,s:i,s:s,s:s}", "id", (json_int_t)id,
		    "ruleset", sqlite3_column_text(s, 2), "payment_terms_days",
		    sqlite3_column_int(s, 3), "vat", sqlite3_column_text(s, 5),
		    "valid_from", sqlite3_column_text(s, 6));
		for (i = 0; i < 9; i++) {
			static const char *const names[] = { "provider",
				"consumer", NULL, NULL, "monthly_cap_pence", NULL,
				NULL, "valid_to", "replaces" };

			if (names[i] == NULL)
				continue;
			if (sqlite3_column_type(s, i) == SQLITE_NULL)
				json_object_set_new(o, names[i], json_null());
			else if (sqlite3_column_type(s, i) == SQLITE_INTEGER)
				json_object_set_new(o, names[i], json_integer(
				    sqlite3_column_int64(s, i)));
			else
				json_object_set_new(o, names[i], json_string(
				    (const char *)sqlite3_column_text(s, i)));
		}
	}
	sqlite3_reset(s);
	return o;
}

static void
rec_agreement_get_cb(struct ep_req *r, void *arg)
{
	json_t *o = rec_agreement(api_id(r));

	(void)arg;
	if (o == NULL)
		http_json_error(r, 404, "not_found", NULL, "no such agreement");
	else
		api_reply(r, 200, o);
}

/* A new version from valid_from; members not given carry over, and null
 * clears the cap or the end date. */
static void
rec_agreement_vary_cb(struct ep_req *r, void *arg)
{
	static const char *const fields[] = { "valid_from", "ruleset",
		"payment_terms_days", "monthly_cap", "vat", "valid_to", NULL };
	struct rec_body b;
	struct agreement_input in = { 0 };
	struct form_errors e = { 0 };
	struct audit_actor actor;
	char loc[64];
	int64_t id = api_id(r), new_id;

	(void)arg;
	if (!rec_exists("SELECT 1 FROM agreements WHERE id = ?", id)) {
		http_json_error(r, 404, "not_found", NULL, "no such agreement");
		return;
	}
	if (rec_body_parse(r, &b) != 0)
		return;
	if (rec_known(&b, fields, &e) == 0) {
		in.valid_from = rec_field(&b, "valid_from", &e);
		in.ruleset = rec_field(&b, "ruleset", &e);
		in.payment_terms = rec_field(&b, "payment_terms_days", &e);
		in.monthly_cap = rec_field(&b, "monthly_cap", &e);
		in.vat = rec_field(&b, "vat", &e);
		in.valid_to = rec_field(&b, "valid_to", &e);
	}
	audit_actor_of(&actor, &r->who);
	if (e.n > 0 || agreement_vary(http_db(), &actor, id, &in, &e,
	    &new_id) != 0) {
		rec_rename(&e, "payment_terms", "payment_terms_days");
		api_invalid(r, &e);
	} else {
		snprintf(loc, sizeof loc, "/api/v1/agreements/%lld",
		    (long long)new_id);
		http_reply_header(r, "Location", loc);
		api_reply(r, 201, rec_agreement(new_id));
	}
	errs_free(&e);
	json_decref(b.root);
}

void
records_api_routes_register(void)
{
	route_add_owned(NULL, "GET", "/api/v1/organisations/{id}", EP_ROLE_ANY,
	    "SELECT id FROM organisations WHERE id = ?1", rec_org_get_cb, NULL);
	route_add_owned(NULL, "PATCH", "/api/v1/organisations/{id}",
	    EP_ROLE_ADMIN, "SELECT id FROM organisations WHERE id = ?1",
	    rec_org_patch_cb, NULL);
	route_add_owned(NULL, "PATCH", "/api/v1/people/{id}", EP_ROLE_ADMIN,
	    "SELECT org_id FROM people WHERE id = ?1", rec_person_patch_cb, NULL);
	route_add_owned(NULL, "GET", "/api/v1/agreements/{id}", EP_ROLE_ADMIN,
	    AGREEMENT_OWNER_SQL, rec_agreement_get_cb, NULL);
	route_add_owned(NULL, "POST", "/api/v1/agreements/{id}/versions",
	    EP_ROLE_ADMIN, AGREEMENT_OWNER_SQL, rec_agreement_vary_cb, NULL);
}
