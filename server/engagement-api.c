/* engagement-api.c: engagement changes in the JSON API, mirroring the forms. */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#define ENGAGEMENT_PARTIES "SELECT consumer_id FROM engagements WHERE " \
	"id = ?1 UNION SELECT provider_id FROM engagements WHERE id = ?1"
#define CHANGE_CONSUMER "SELECT e.consumer_id FROM engagement_changes c " \
	"JOIN engagements e ON e.id = c.engagement_id WHERE c.id = ?1"

static json_t *
budget_json(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? json_null() :
	    json_integer(sqlite3_column_int64(s, i));
}

/* GET /api/v1/engagements/{id}/changes: every change, newest first. */
static void
api_changes_cb(struct ep_req *r, void *arg)
{
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT c.id, c.kind, c.state, "
	    "c.ends_before, c.ends_after, c.budget_before, c.budget_after, "
	    "c.basis_before, c.basis_after, c.reason, coalesce(p.login, ''), "
	    "c.proposed_at, d.login, c.decided_at, c.decline_reason FROM "
	    "engagement_changes c LEFT JOIN people p ON p.id = c.proposed_by "
	    "LEFT JOIN people d ON d.id = c.decided_by WHERE c.engagement_id = "
	    "? ORDER BY c.id DESC LIMIT 500");
	json_t *list = json_array();

	(void)arg;
	sqlite3_bind_int64(s, 1, api_id(r));
	while (sqlite3_step(s) == SQLITE_ROW)
		json_array_append_new(list, json_pack("{s:I,s:s,s:s,s:{s:s,s:o,"
		    "s:s},s:{s:s,s:o,s:s},s:s,s:s,s:s,s:s?,s:s?,s:s}", "id",
		    (json_int_t)sqlite3_column_int64(s, 0), "kind",
		    sqlite3_column_text(s, 1), "state", sqlite3_column_text(s, 2),
		    "before", "ends", sqlite3_column_text(s, 3), "budget_pence",
		    budget_json(s, 5), "basis", sqlite3_column_text(s, 7), "after",
		    "ends", sqlite3_column_text(s, 4), "budget_pence",
		    budget_json(s, 6), "basis", sqlite3_column_text(s, 8), "reason",
		    sqlite3_column_text(s, 9), "proposed_by",
		    sqlite3_column_text(s, 10), "proposed_at",
		    sqlite3_column_text(s, 11), "decided_by",
		    (const char *)sqlite3_column_text(s, 12), "decided_at",
		    (const char *)sqlite3_column_text(s, 13), "decline_reason",
		    sqlite3_column_text(s, 14)));
	sqlite3_reset(s);
	api_reply(r, 200, list);
}

/* POST /api/v1/engagements/{id}/changes: the pool proposes a change. */
static void
api_change_propose_cb(struct ep_req *r, void *arg)
{
	struct form_errors e = { 0 };
	struct change_input in;
	json_t *o;
	int64_t id;

	(void)arg;
	if ((o = api_object(r)) == NULL)
		return;
	in.kind = api_text(o, "kind", &e);
	in.ends = api_text(o, "ends", &e);
	in.budget = api_text(o, "budget", &e);
	in.basis = api_text(o, "basis", &e);
	in.last_day = api_text(o, "last_day", &e);
	in.reason = api_text(o, "reason", &e);
	if (e.n > 0 || engagement_change_propose(http_db(), &r->who, api_id(r),
	    &in, &e, &id) != 0)
		api_invalid(r, &e);
	else
		api_reply(r, 201, json_pack("{s:I,s:s}", "id", (json_int_t)id,
		    "state", "proposed"));
	errs_free(&e);
	json_decref(o);
}

/* POST /api/v1/engagement-changes/{id}/agree and .../decline. */
static void
api_change_decide_cb(struct ep_req *r, void *arg)
{
	int agree = arg != NULL;
	struct form_errors e = { 0 };
	const char *reason;
	char err[200];
	int64_t engagement = 0;
	json_t *o;

	if ((o = api_object(r)) == NULL)
		return;
	reason = agree ? NULL : api_text(o, "reason", &e);
	if (e.n > 0)
		api_invalid(r, &e);
	else if (engagement_change_decide(http_db(), &r->who, api_id(r), agree,
	    reason, &engagement, err, sizeof err) != 0)
		http_json_error(r, 409, "conflict", NULL, err);
	else
		api_reply(r, 200, json_pack("{s:I,s:I,s:s}", "id",
		    (json_int_t)api_id(r), "engagement", (json_int_t)engagement,
		    "state", agree ? "agreed" : "declined"));
	errs_free(&e);
	json_decref(o);
}

void
engagement_api_routes_register(void)
{
	route_add_owned(NULL, "GET", "/api/v1/engagements/{id}/changes",
	    EP_ROLE_ANY, ENGAGEMENT_PARTIES, api_changes_cb, NULL);
	route_add_owned(NULL, "POST", "/api/v1/engagements/{id}/changes",
	    EP_ROLE_POOL_MANAGER, ENGAGEMENT_PARTIES, api_change_propose_cb,
	    NULL);
	route_add_owned(NULL, "POST", "/api/v1/engagement-changes/{id}/agree",
	    EP_ROLE_REQUESTER | EP_ROLE_APPROVER, CHANGE_CONSUMER,
	    api_change_decide_cb, (void *)"agree");
	route_add_owned(NULL, "POST", "/api/v1/engagement-changes/{id}/decline",
	    EP_ROLE_REQUESTER | EP_ROLE_APPROVER, CHANGE_CONSUMER,
	    api_change_decide_cb, NULL);
}
