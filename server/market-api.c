/* market-api.c: the marketplace's JSON API under /api/v1/, mirroring the forms. */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#define CONSORTIUM (EP_ROLE_ADMIN | EP_ROLE_POOL_MANAGER)

static json_t *
api_row_request(sqlite3_stmt *s)
{
	json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:s}",
	    "id", (json_int_t)sqlite3_column_int64(s, 0),
	    "consumer", sqlite3_column_text(s, 1),
	    "area", sqlite3_column_text(s, 2),
	    "speciality", sqlite3_column_text(s, 3),
	    "title", sqlite3_column_text(s, 4),
	    "urgency", sqlite3_column_text(s, 5),
	    "wanted_start", sqlite3_column_text(s, 6),
	    "wanted_end", sqlite3_column_text(s, 7),
	    "estimated_minutes", (json_int_t)sqlite3_column_int64(s, 8),
	    "state", sqlite3_column_text(s, 9));

	json_object_set_new(o, "budget_pence", sqlite3_column_type(s, 10) ==
	    SQLITE_NULL ? json_null() : json_integer(sqlite3_column_int64(s, 10)));
	json_object_set_new(o, "estimate_pence", sqlite3_column_type(s, 11) ==
	    SQLITE_NULL ? json_null() : json_integer(sqlite3_column_int64(s, 11)));
	return o;
}

#define REQUEST_COLUMNS "SELECT r.id, o.code, r.area, r.speciality, r.title, " \
	"r.urgency, r.wanted_start, r.wanted_end, r.estimated_minutes, r.state, " \
	"r.budget_pence, r.estimate_pence FROM requests r JOIN organisations o " \
	"ON o.id = r.consumer_id"

static void
api_requests_list_cb(struct ep_req *r, void *arg)
{
	static const char *const keep[] = { NULL };
	int all = (r->who.roles & CONSORTIUM) != 0;
	sqlite3_stmt *s = db_stmt(http_db(), all ? REQUEST_COLUMNS " WHERE ?2 "
	    "AND r.id < ?4 ORDER BY r.id DESC LIMIT ?3" : REQUEST_COLUMNS
	    " WHERE r.consumer_id = ?2 AND r.id < ?4 ORDER BY r.id DESC LIMIT "
	    "?3");
	struct cursor c;
	json_t *list;

	(void)arg;
	if (cursor_read(r, 50, 500, &c) != 0)
		return;
	list = json_array();
	sqlite3_bind_int64(s, 2, all ? 1 : r->who.org_id);
	sqlite3_bind_int64(s, 3, c.limit + 1);
	sqlite3_bind_int64(s, 4, c.after);
	while (sqlite3_step(s) == SQLITE_ROW &&
	    cursor_take(&c, sqlite3_column_int64(s, 0)) == 0)
		json_array_append_new(list, api_row_request(s));
	sqlite3_reset(s);
	cursor_reply(r, "/api/v1/requests", keep, &c, list);
}

static void
api_request_get_cb(struct ep_req *r, void *arg)
{
	sqlite3_stmt *s = db_stmt(http_db(), REQUEST_COLUMNS " WHERE r.id = ?");
	json_t *o = NULL;

	(void)arg;
	sqlite3_bind_int64(s, 1, api_id(r));
	if (sqlite3_step(s) == SQLITE_ROW)
		o = api_row_request(s);
	sqlite3_reset(s);
	if (o == NULL) {
		http_json_error(r, 404, "not_found", NULL, "no such request");
		return;
	}
	api_reply(r, 200, o);
}

/* POST /api/v1/requests: the form's fields as JSON; Idempotency-Key makes
 * a retried call return the first request instead of a second one. */
/* A request's fields from a JSON body; an API client says what is a
 * repeat with its Idempotency-Key, so no same-day matching. */
void
api_request_input(json_t *body, struct request_input *in,
    struct form_errors *e)
{
	memset(in, 0, sizeof *in);
	in->area = api_text(body, "area", e);
	in->speciality = api_text(body, "speciality", e);
	in->title = api_text(body, "title", e);
	in->description = api_text(body, "description", e);
	in->urgency = api_text(body, "urgency", e);
	in->wanted_start = api_text(body, "wanted_start", e);
	in->wanted_end = api_text(body, "wanted_end", e);
	in->estimated_hours = api_text(body, "estimated_hours", e);
	in->budget = api_text(body, "budget", e);
	in->cost_centre = api_text(body, "cost_centre", e);
	in->po_reference = api_text(body, "po_reference", e);
	in->preferred_expert = api_text(body, "preferred_expert", e);
}

static void
api_request_create_cb(struct ep_req *r, void *arg)
{
	struct request_input in;
	struct form_errors e = { 0 };
	json_t *body;
	int64_t id;
	int existing;

	(void)arg;
	if ((body = api_object(r)) == NULL)
		return;
	api_request_input(body, &in, &e);
	in.idem_key = http_header(r, "Idempotency-Key");
	if (e.n > 0 ||
	    request_create(http_db(), &r->who, &in, &e, &id, &existing) != 0)
		api_invalid(r, &e);
	else
		api_reply(r, existing ? 200 : 201, json_pack("{s:I,s:s,s:b}", "id",
		    (json_int_t)id, "state", "submitted", "repeated", existing));
	errs_free(&e);
	json_decref(body);
}

/* A field from the body when it is there, else what the request holds. */
static const char *
api_text_or(json_t *body, const char *name, const char *was,
    struct form_errors *e)
{
	return json_object_get(body, name) != NULL ?
	    api_text(body, name, e) : was;
}

/* PATCH /api/v1/requests/{id}: changes the fields the body names, before
 * any offer; the rest stay as they are. */
static void
api_request_update_cb(struct ep_req *r, void *arg)
{
	json_t *body;
	struct request_values v;
	struct request_input in;
	struct form_errors e = { 0 };
	int changed;

	(void)arg;
	if ((body = api_object(r)) == NULL)
		return;
	if (request_current(http_db(), api_id(r), &v, &in) != 0) {
		json_decref(body);
		http_json_error(r, 404, "not_found", NULL, "no such request");
		return;
	}
	in.area = api_text_or(body, "area", in.area, &e);
	in.speciality = api_text_or(body, "speciality", in.speciality, &e);
	in.title = api_text_or(body, "title", in.title, &e);
	in.description = api_text_or(body, "description", in.description, &e);
	in.urgency = api_text_or(body, "urgency", in.urgency, &e);
	in.wanted_start = api_text_or(body, "wanted_start", in.wanted_start, &e);
	in.wanted_end = api_text_or(body, "wanted_end", in.wanted_end, &e);
	in.estimated_hours = api_text_or(body, "estimated_hours",
	    in.estimated_hours, &e);
	in.budget = api_text_or(body, "budget", in.budget, &e);
	in.cost_centre = api_text_or(body, "cost_centre", in.cost_centre, &e);
	in.po_reference = api_text_or(body, "po_reference", in.po_reference, &e);
	in.preferred_expert = api_text_or(body, "preferred_expert",
	    in.preferred_expert, &e);
	if (e.n > 0 || request_update(http_db(), &r->who, api_id(r), &in, &e,
	    &changed) != 0) {
		if (errs_get(&e, "request") != NULL)
			http_json_error(r, 409, "conflict", NULL,
			    errs_get(&e, "request"));
		else
			api_invalid(r, &e);
	} else
		api_reply(r, 200, json_pack("{s:I,s:b}", "id",
		    (json_int_t)api_id(r), "changed", changed));
	errs_free(&e);
	json_decref(body);
}

static void
api_candidates_cb(struct ep_req *r, void *arg)
{
	struct broker_candidate *v = NULL;
	json_t *list;
	size_t n = 0, total = 0, i;
	int64_t limit = BROKER_SHOWN;

	(void)arg;
	if (http_query(r, "limit") != NULL &&
	    parse_int64(http_query(r, "limit"), 1, 1000, &limit) != 0) {
		http_json_error(r, 400, "invalid", "limit",
		    "limit must be a whole number from 1 to 1000");
		return;
	}
	if (broker_rank(http_db(), api_id(r), (size_t)limit, &v, &n,
	    &total) != 0) {
		http_json_error(r, 404, "not_found", NULL, "no such request");
		return;
	}
	list = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(list, json_pack("{s:I,s:s,s:s,s:s,s:I,s:I,"
		    "s:I,s:s}", "expert", (json_int_t)v[i].expert_id, "name",
		    v[i].name, "provider", v[i].provider, "grade", v[i].grade,
		    "score", (json_int_t)v[i].score, "free_minutes",
		    (json_int_t)v[i].free_minutes, "price_pence",
		    (json_int_t)v[i].price, "reasons", v[i].reasons));
	free(v);
	api_reply(r, 200, list);
}

static void
api_offer_create_cb(struct ep_req *r, void *arg)
{
	json_t *body;
	struct offer_input in;
	struct form_errors e = { 0 };
	char amounts[MILESTONES_MAX + 1][32];
	json_t *ms, *m;
	size_t i;
	int64_t id;

	(void)arg;
	if ((body = api_object(r)) == NULL)
		return;
	memset(&in, 0, sizeof in);
	in.expert = api_text(body, "expert", &e);
	in.basis = api_text(body, "basis", &e);
	in.budget = api_text(body, "budget", &e);
	in.bonus = api_text(body, "bonus", &e);
	in.note = api_text(body, "note", &e);
	ms = json_object_get(body, "milestones");
	if (ms != NULL && !json_is_null(ms) && !json_is_array(ms))
		errs_add(&e, "milestones", "milestones must be an array of "
		    "{\"name\", \"amount\"}");
	json_array_foreach(ms, i, m) {
		json_t *name = json_object_get(m, "name");
		json_t *amount = json_object_get(m, "amount");

		if (in.nms > MILESTONES_MAX)
			break;
		in.ms_name[in.nms] = json_is_string(name) ?
		    json_string_value(name) : "";
		if (json_is_string(amount))
			in.ms_amount[in.nms] = json_string_value(amount);
		else if (json_is_integer(amount)) {
			snprintf(amounts[in.nms], sizeof amounts[in.nms], "%lld",
			    (long long)json_integer_value(amount));
			in.ms_amount[in.nms] = amounts[in.nms];
		} else
			in.ms_amount[in.nms] = "";
		in.nms++;
	}
	if (e.n > 0)
		api_invalid(r, &e);
	else if (offer_make(http_db(), &r->who, api_id(r), &in, &e, &id) != 0)
		api_invalid(r, &e);
	else
		api_reply(r, 201, json_pack("{s:I,s:s}", "id", (json_int_t)id,
		    "state", "open"));
	errs_free(&e);
	json_decref(body);
}

static void
api_offers_list_cb(struct ep_req *r, void *arg)
{
	static const char *const keep[] = { NULL };
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT f.id, f.request_id, r.title, "
	    "f.basis, f.state FROM offers f JOIN requests r ON r.id = "
	    "f.request_id JOIN experts x ON x.id = f.expert_id WHERE x.person_id = "
	    "?1 AND f.id < ?3 ORDER BY f.id DESC LIMIT ?2");
	struct cursor c;
	json_t *list;

	(void)arg;
	if (cursor_read(r, 100, 500, &c) != 0)
		return;
	list = json_array();
	sqlite3_bind_int64(s, 1, r->who.person_id);
	sqlite3_bind_int64(s, 2, c.limit + 1);
	sqlite3_bind_int64(s, 3, c.after);
	while (sqlite3_step(s) == SQLITE_ROW &&
	    cursor_take(&c, sqlite3_column_int64(s, 0)) == 0)
		json_array_append_new(list, json_pack("{s:I,s:I,s:s,s:s,s:s}", "id",
		    (json_int_t)sqlite3_column_int64(s, 0), "request",
		    (json_int_t)sqlite3_column_int64(s, 1), "title",
		    sqlite3_column_text(s, 2), "basis", sqlite3_column_text(s, 3),
		    "state", sqlite3_column_text(s, 4)));
	sqlite3_reset(s);
	cursor_reply(r, "/api/v1/offers", keep, &c, list);
}

static void
api_offer_accept_cb(struct ep_req *r, void *arg)
{
	char err[160];
	int64_t engagement;

	(void)arg;
	if (offer_accept(http_db(), &r->who, api_id(r), &engagement, err,
	    sizeof err) != 0) {
		http_json_error(r, 409, "conflict", NULL, err);
		return;
	}
	api_reply(r, 200, json_pack("{s:s,s:I}", "state", "accepted",
	    "engagement", (json_int_t)engagement));
}

static void
api_offer_decline_cb(struct ep_req *r, void *arg)
{
	json_t *body;
	struct form_errors e = { 0 };
	const char *reason;

	(void)arg;
	if ((body = api_object(r)) == NULL)
		return;
	reason = api_text(body, "reason", &e);
	if (e.n > 0 ||
	    offer_decline(http_db(), &r->who, api_id(r), reason, &e) != 0)
		api_invalid(r, &e);
	else
		api_reply(r, 200, json_pack("{s:s}", "state", "declined"));
	errs_free(&e);
	json_decref(body);
}

static void
api_request_move_cb(struct ep_req *r, void *arg)
{
	char err[160];

	if (request_finish(http_db(), &r->who, api_id(r), arg, err,
	    sizeof err) != 0) {
		http_json_error(r, 409, "conflict", NULL, err);
		return;
	}
	api_reply(r, 200, json_pack("{s:s}", "state", (const char *)arg));
}

static void
api_milestone_done_cb(struct ep_req *r, void *arg)
{
	json_t *body;
	char err[160];

	(void)arg;
	if ((body = api_object(r)) == NULL)
		return;
	if (milestone_done(http_db(), &r->who, api_id(r), api_text(body,
	    "milestone", NULL), err, sizeof err) != 0)
		http_json_error(r, 409, "conflict", NULL, err);
	else
		api_reply(r, 200, json_pack("{s:s}", "state", "done"));
	json_decref(body);
}

/* An engagement's milestones, in order, with the day each was done. */
static json_t *
api_milestones(int64_t offer)
{
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT position, name, "
	    "amount_pence, done FROM milestones WHERE offer_id = ? ORDER BY "
	    "position");
	json_t *list = json_array();

	sqlite3_bind_int64(s, 1, offer);
	while (sqlite3_step(s) == SQLITE_ROW)
		json_array_append_new(list, json_pack("{s:I,s:s,s:I,s:s?}",
		    "number", (json_int_t)sqlite3_column_int64(s, 0), "name",
		    sqlite3_column_text(s, 1), "amount_pence",
		    (json_int_t)sqlite3_column_int64(s, 2), "done",
		    (const char *)sqlite3_column_text(s, 3)));
	sqlite3_reset(s);
	return list;
}

#define ENGAGEMENTS_MAX 200

static void
api_engagements_cb(struct ep_req *r, void *arg)
{
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT e.id, e.request_id, x.name, "
	    "p.code, c.code, e.basis, e.starts, e.ends, e.committed_minutes, "
	    "e.state, e.budget_pence, e.bonus_pence, e.offer_id FROM engagements "
	    "e JOIN experts x ON x.id = e.expert_id JOIN organisations p ON p.id = "
	    "e.provider_id JOIN organisations c ON c.id = e.consumer_id WHERE (?1 "
	    "OR e.consumer_id = ?2 OR e.provider_id = ?2) AND e.id < ?4 ORDER BY "
	    "e.id DESC LIMIT ?3");
	static const char *const keep[] = { NULL };
	json_t *list, *budget;
	int64_t offers[ENGAGEMENTS_MAX];
	struct cursor c;
	size_t n = 0, i;

	(void)arg;
	if (cursor_read(r, ENGAGEMENTS_MAX, ENGAGEMENTS_MAX, &c) != 0)
		return;
	list = json_array();
	sqlite3_bind_int(s, 1, (r->who.roles & CONSORTIUM) != 0);
	sqlite3_bind_int64(s, 2, r->who.org_id);
	sqlite3_bind_int64(s, 3, c.limit + 1);
	sqlite3_bind_int64(s, 4, c.after);
	while (sqlite3_step(s) == SQLITE_ROW &&
	    cursor_take(&c, sqlite3_column_int64(s, 0)) == 0) {
		offers[n++] = sqlite3_column_int64(s, 12);
		budget = sqlite3_column_type(s, 10) == SQLITE_NULL ? json_null() :
		    json_integer(sqlite3_column_int64(s, 10));
		json_array_append_new(list, json_pack("{s:I,s:I,s:s,s:s,s:s,s:s,"
		    "s:s,s:s,s:I,s:s,s:o,s:I}", "id",
		    (json_int_t)sqlite3_column_int64(s, 0),
		    "request", (json_int_t)sqlite3_column_int64(s, 1), "expert",
		    sqlite3_column_text(s, 2), "provider", sqlite3_column_text(s, 3),
		    "consumer", sqlite3_column_text(s, 4), "basis",
		    sqlite3_column_text(s, 5), "starts", sqlite3_column_text(s, 6),
		    "ends", sqlite3_column_text(s, 7), "committed_minutes",
		    (json_int_t)sqlite3_column_int64(s, 8), "state",
		    sqlite3_column_text(s, 9), "budget_pence", budget,
		    "bonus_pence", (json_int_t)sqlite3_column_int64(s, 11)));
	}
	sqlite3_reset(s);
	for (i = 0; i < n; i++)
		json_object_set_new(json_array_get(list, i), "milestones",
		    api_milestones(offers[i]));
	cursor_reply(r, "/api/v1/engagements", keep, &c, list);
}

void
market_api_routes_register(void)
{
	unsigned viewers = EP_ROLE_REQUESTER | EP_ROLE_APPROVER |
	    EP_ROLE_FINANCE | CONSORTIUM;
	const char *owners = "SELECT consumer_id FROM requests WHERE id = ?1 "
	    "UNION SELECT provider_id FROM offers WHERE request_id = ?1";
	const char *consumer = "SELECT consumer_id FROM requests WHERE id = ?1";
	const char *provider = "SELECT provider_id FROM offers WHERE id = ?1";
	unsigned brokers = CONSORTIUM |
	    (cfg.requesters_choose ? EP_ROLE_REQUESTER : 0);

	route_add(NULL, "GET", "/api/v1/requests", viewers,
	    api_requests_list_cb, NULL);
	route_add(NULL, "POST", "/api/v1/requests", EP_ROLE_REQUESTER,
	    api_request_create_cb, NULL);
	route_add_owned(NULL, "GET", "/api/v1/requests/{id}", EP_ROLE_ANY,
	    owners, api_request_get_cb, NULL);
	route_add_owned(NULL, "PATCH", "/api/v1/requests/{id}",
	    EP_ROLE_REQUESTER, consumer, api_request_update_cb, NULL);
	route_add_owned(NULL, "GET", "/api/v1/requests/{id}/candidates",
	    brokers, consumer, api_candidates_cb, NULL);
	route_add_owned(NULL, "POST", "/api/v1/requests/{id}/offers",
	    brokers, consumer, api_offer_create_cb, NULL);
	route_add_owned(NULL, "POST", "/api/v1/requests/{id}/withdraw",
	    EP_ROLE_REQUESTER, consumer, api_request_move_cb, "withdrawn");
	route_add_owned(NULL, "POST", "/api/v1/requests/{id}/complete",
	    EP_ROLE_REQUESTER | EP_ROLE_POOL_MANAGER, consumer,
	    api_request_move_cb, "completed");
	route_add_owned(NULL, "POST", "/api/v1/requests/{id}/milestone-done",
	    EP_ROLE_REQUESTER | EP_ROLE_POOL_MANAGER, consumer,
	    api_milestone_done_cb, NULL);
	route_add(NULL, "GET", "/api/v1/offers", EP_ROLE_EXPERT,
	    api_offers_list_cb, NULL);
	route_add_owned(NULL, "POST", "/api/v1/offers/{id}/accept",
	    EP_ROLE_EXPERT, provider, api_offer_accept_cb, NULL);
	route_add_owned(NULL, "POST", "/api/v1/offers/{id}/decline",
	    EP_ROLE_EXPERT, provider, api_offer_decline_cb, NULL);
	route_add(NULL, "GET", "/api/v1/engagements", EP_ROLE_ANY,
	    api_engagements_cb, NULL);
}
