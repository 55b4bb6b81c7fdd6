/* expense-api.c: an engagement's expenses in the JSON API. */
#include "timesheet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static const char *const ts_expense_fields[] = { "engagement", "date",
	"kind", "miles",
	"amount", "receipt", "note", NULL };

static int64_t
ts_api_param(ep_req *r)
{
	const char *p = ts_host->req_param(r, "id");
	char *end;
	long long v = p ? strtoll(p, &end, 10) : 0;

	return p && *end == '\0' && v > 0 ? (int64_t)v : 0;
}

static void
ts_expense_reply(ep_req *r, int status, json_t *o)
{
	char *text = json_dumps(o, JSON_COMPACT);

	ts_host->reply(r, status, "application/json", text, strlen(text));
	free(text);
	json_decref(o);
}

static json_t *
ts_expense_json(const struct ts_expense *x)
{
	char vat[2] = { x->vat, '\0' }, miles[24];
	json_t *o = json_pack("{s:I,s:I,s:s,s:s,s:I,s:s,s:s,s:s,s:s,s:s}",
	    "id", (json_int_t)x->id, "engagement", (json_int_t)x->engagement,
	    "date", x->date, "kind", x->kind,
	    "amount_pence", (json_int_t)x->amount, "receipt", x->receipt,
	    "note", x->note, "vat", vat, "state", x->state,
	    "description", x->description);

	if (x->miles_tenths > 0) {
		ts_expense_miles_text(miles, sizeof miles, x->miles_tenths);
		json_object_set_new(o, "miles", json_string(miles));
		json_object_set_new(o, "rate_pence", json_integer(x->rate));
	}
	if (x->query[0] != '\0')
		json_object_set_new(o, "comment", json_string(x->query));
	return o;
}

/* 422 naming the first bad field, with every problem listed. */
static void
ts_expense_invalid(ep_req *r, const ep_errors *e)
{
	const struct ep_host *h = ts_host;
	json_t *list = json_array();
	const char *first = NULL, *first_msg = NULL, *msg;
	size_t i;

	for (i = 0; ts_expense_fields[i] != NULL; i++) {
		if ((msg = h->errors_get(e, ts_expense_fields[i])) == NULL)
			continue;
		if (first == NULL) {
			first = ts_expense_fields[i];
			first_msg = msg;
		}
		json_array_append_new(list, json_pack("{s:s,s:s}", "field",
		    ts_expense_fields[i], "message", msg));
	}
	if (first == NULL) {
		json_decref(list);
		h->json_error(r, 422, "invalid", NULL, "the expense was refused");
		return;
	}
	ts_expense_reply(r, 422, json_pack("{s:{s:s,s:s,s:s,s:o}}", "error",
	    "code", "invalid", "field", first, "message", first_msg, "errors",
	    list));
}

static void
ts_expense_list_row(const struct ts_expense *x, void *arg)
{
	json_array_append_new(arg, ts_expense_json(x));
}

static void
ts_expense_list_cb(ep_req *r, void *arg)
{
	json_t *list = json_array();

	(void)arg;
	if (ts_expense_each(ts_host->req_db(r), ts_api_param(r),
	    ts_expense_list_row, list) != 0) {
		json_decref(list);
		ts_host->json_error(r, 500, "store", NULL, "cannot read expenses");
		return;
	}
	ts_expense_reply(r, 200, json_pack("{s:o}", "expenses", list));
}

/* A member as text: strings as they are, whole numbers and decimals
 * written out (miles may come as 42.5), anything else NULL. */
static const char *
ts_json_text(json_t *o, const char *key, char *buf, size_t len)
{
	json_t *v = json_object_get(o, key);

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	if (json_is_real(v)) {
		snprintf(buf, len, "%.10g", json_real_value(v));
		return buf;
	}
	return v == NULL || json_is_null(v) ? NULL : "?";
}

static void
ts_expense_create_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = ts_host;
	ep_db *db = h->req_db(r);
	struct ts_expense_in in;
	struct ts_expense x;
	struct ts_actor a;
	json_error_t jerr;
	json_t *body;
	ep_errors *e;
	const char *text;
	char miles[40], amount[40];
	size_t len;
	int64_t id = 0;

	(void)arg;
	text = h->req_body(r, &len);
	body = text != NULL ? json_loadb(text, len, 0, &jerr) : NULL;
	if (!json_is_object(body)) {
		json_decref(body);
		h->json_error(r, 400, "bad-json", NULL, "the body must be a JSON "
		    "object");
		return;
	}
	memset(&in, 0, sizeof in);
	in.date = json_string_value(json_object_get(body, "date"));
	in.kind = json_string_value(json_object_get(body, "kind"));
	in.miles = ts_json_text(body, "miles", miles, sizeof miles);
	in.amount = ts_json_text(body, "amount", amount, sizeof amount);
	in.receipt = json_string_value(json_object_get(body, "receipt"));
	in.note = json_string_value(json_object_get(body, "note"));
	ts_actor_of(r, &a);
	e = h->errors_new();
	if (h->db_begin(db) != 0 || ts_expense_save(db, &a, ts_api_param(r), 0,
	    &in, e, &id) != 0 || h->db_commit(db) != 0) {
		h->db_rollback(db);
		ts_expense_invalid(r, e);
	} else if (ts_expense_get(db, id, &x) == 0)
		ts_expense_reply(r, 201, json_pack("{s:o}", "expense",
		    ts_expense_json(&x)));
	else
		h->json_error(r, 500, "store", NULL, "cannot read the expense");
	h->errors_free(e);
	json_decref(body);
}

static void
ts_expense_submit_api_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = ts_host;
	ep_db *db = h->req_db(r);
	struct ts_actor a;
	char err[160];
	int n = 0;

	(void)arg;
	ts_actor_of(r, &a);
	if (h->db_begin(db) != 0 || ts_expense_submit(db, &a, ts_api_param(r),
	    &n, err, sizeof err) != 0 || h->db_commit(db) != 0) {
		h->db_rollback(db);
		h->json_error(r, 409, "conflict", NULL, err);
		return;
	}
	ts_expense_reply(r, 200, json_pack("{s:i}", "submitted", n));
}

static void
ts_expense_decide_api_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = ts_host;
	ep_db *db = h->req_db(r);
	struct ts_expense x;
	struct ts_actor a;
	json_error_t jerr;
	json_t *body;
	const char *text, *field;
	char err[160];
	size_t len;

	(void)arg;
	text = h->req_body(r, &len);
	body = text != NULL ? json_loadb(text, len, 0, &jerr) : NULL;
	if (!json_is_object(body)) {
		json_decref(body);
		h->json_error(r, 400, "bad-json", NULL, "the body must be a JSON "
		    "object");
		return;
	}
	ts_actor_of(r, &a);
	if (h->db_begin(db) != 0 || ts_expense_decide(db, &a, ts_api_param(r),
	    json_string_value(json_object_get(body, "action")),
	    json_string_value(json_object_get(body, "comment")), &field, err,
	    sizeof err) != 0 || h->db_commit(db) != 0) {
		h->db_rollback(db);
		h->json_error(r, 422, "invalid", field, err);
	} else if (ts_expense_get(db, ts_api_param(r), &x) == 0)
		ts_expense_reply(r, 200, json_pack("{s:o}", "expense",
		    ts_expense_json(&x)));
	else
		h->json_error(r, 500, "store", NULL, "cannot read the expense");
	json_decref(body);
}

void
ts_expense_api_routes(void)
{
	const struct ep_host *h = ts_host;

	h->route_add_owned(ts_self, "GET", "/api/v1/engagements/{id}/expenses",
	    EP_ROLE_ANY, "SELECT consumer_id FROM engagements WHERE id = ?1 "
	    "UNION SELECT provider_id FROM engagements WHERE id = ?1",
	    ts_expense_list_cb, NULL);
	h->route_add_owned(ts_self, "POST", "/api/v1/engagements/{id}/expenses",
	    EP_ROLE_EXPERT, "SELECT provider_id FROM engagements WHERE id = ?1",
	    ts_expense_create_cb, NULL);
	h->route_add_owned(ts_self, "POST",
	    "/api/v1/engagements/{id}/expenses/submit", EP_ROLE_EXPERT,
	    "SELECT provider_id FROM engagements WHERE id = ?1",
	    ts_expense_submit_api_cb, NULL);
	h->route_add_owned(ts_self, "POST", "/api/v1/expenses/{id}/decide",
	    TS_ROLES_APPROVE, "SELECT e.consumer_id FROM expenses x JOIN "
	    "engagements e ON e.id = x.engagement_id WHERE x.id = ?1",
	    ts_expense_decide_api_cb, NULL);
}
