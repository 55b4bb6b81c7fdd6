/* entry-api.c: the timesheet's JSON API under /api/v1/entries. */
#include "timesheet.h"
#include "../pager.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* Roles that see every council's hours. */
#define TS_ROLES_ALL (EP_ROLE_ADMIN | EP_ROLE_POOL_MANAGER)
/* Roles that see their council's hours as the consumer of the time. */
#define TS_ROLES_CONSUMER (EP_ROLE_APPROVER | EP_ROLE_REQUESTER | \
	EP_ROLE_FINANCE)

#define ENTRY_COLUMNS "SELECT t.id, t.engagement_id, t.entry_date, " \
	"t.minutes, t.activity, t.note, t.billable, t.out_of_hours, " \
	TS_STATE_SEEN ", " \
	"t.adjusts_id, t.reason, t.query_comment, t.priced_pence, " \
	"t.created_at FROM time_entries t"

/* Fields in the order a 422 names them; the first present is "field". */
const char *const ts_fields[] = { "engagement", "date", "duration",
	"activity", "note", "billable", "out_of_hours", "comment", "reason",
	NULL };

static int64_t
ts_api_id(ep_req *r)
{
	const char *p = ts_host->req_param(r, "id");
	char *end;
	long long v = p ? strtoll(p, &end, 10) : 0;

	return p && *end == '\0' && v > 0 ? (int64_t)v : 0;
}

static void
ts_api_reply(ep_req *r, int status, json_t *o)
{
	char *text = json_dumps(o, JSON_COMPACT);

	ts_host->reply(r, status, "application/json", text, strlen(text));
	free(text);
	json_decref(o);
}

/* 422 naming the first bad field, with every problem listed. */
static void
ts_api_invalid(ep_req *r, const ep_errors *e, const char *duration_field)
{
	const struct ep_host *h = ts_host;
	json_t *o, *list = json_array();
	const char *first = NULL, *first_msg = NULL, *msg, *name;
	size_t i;

	for (i = 0; ts_fields[i] != NULL; i++) {
		if ((msg = h->errors_get(e, ts_fields[i])) == NULL)
			continue;
		name = strcmp(ts_fields[i], "duration") == 0 && duration_field ?
		    duration_field : ts_fields[i];
		if (first == NULL) {
			first = name;
			first_msg = msg;
		}
		json_array_append_new(list, json_pack("{s:s,s:s}", "field", name,
		    "message", msg));
	}
	if (first == NULL) {
		json_decref(list);
		h->json_error(r, 422, "invalid", NULL, "the entry was refused");
		return;
	}
	o = json_pack("{s:{s:s,s:s,s:s,s:o}}", "error", "code", "invalid",
	    "field", first, "message", first_msg, "errors", list);
	ts_api_reply(r, 422, o);
}

static json_t *
ts_text_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* One row of ENTRY_COLUMNS as the API shows an entry. */
static json_t *
ts_entry_json(ep_stmt *s)
{
	const struct ep_host *h = ts_host;
	char duration[32];
	json_t *o;

	ts_host->hours_clock(duration, sizeof duration, h->stmt_int64(s, 3));
	o = json_pack("{s:I,s:I,s:s,s:I,s:s,s:s,s:s,s:b,s:b,s:s,s:I,s:s}",
	    "id", (json_int_t)h->stmt_int64(s, 0),
	    "engagement", (json_int_t)h->stmt_int64(s, 1),
	    "date", h->stmt_text(s, 2),
	    "minutes", (json_int_t)h->stmt_int64(s, 3),
	    "duration", duration,
	    "activity", h->stmt_text(s, 4),
	    "note", h->stmt_text(s, 5),
	    "billable", (int)h->stmt_int64(s, 6),
	    "out_of_hours", (int)h->stmt_int64(s, 7),
	    "state", h->stmt_text(s, 8),
	    "priced_pence", (json_int_t)h->stmt_int64(s, 12),
	    "created_at", h->stmt_text(s, 13));
	json_object_set_new(o, "adjusts", h->stmt_is_null(s, 9) ? json_null() :
	    json_integer(h->stmt_int64(s, 9)));
	json_object_set_new(o, "reason", ts_text_or_null(h->stmt_is_null(s, 10) ?
	    NULL : h->stmt_text(s, 10)));
	json_object_set_new(o, "query_comment", ts_text_or_null(
	    h->stmt_is_null(s, 11) ? NULL : h->stmt_text(s, 11)));
	return o;
}

/* An entry by id as JSON, or NULL. */
static json_t *
ts_entry_load_json(ep_db *db, int64_t id)
{
	const struct ep_host *h = ts_host;
	ep_stmt *s = h->db_prepare(db, ENTRY_COLUMNS " WHERE t.id = ?");
	json_t *o = NULL;

	h->stmt_bind_int64(s, 1, id);
	if (h->stmt_step(s) == EP_STEP_ROW)
		o = ts_entry_json(s);
	h->stmt_reset(s);
	return o;
}

/* A string field, or NULL when absent; -1 when it is not a string. */
static int
ts_json_str(json_t *root, const char *name, const char **out)
{
	json_t *v = json_object_get(root, name);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	*out = json_string_value(v);
	return 0;
}

/* A yes/no field: true/false or 1/0; def when absent, -1 when neither. */
static int
ts_json_flag(json_t *root, const char *name, int def)
{
	json_t *v = json_object_get(root, name);

	if (v == NULL || json_is_null(v))
		return def;
	if (json_is_boolean(v))
		return json_is_true(v);
	if (json_is_integer(v) && (json_integer_value(v) == 0 ||
	    json_integer_value(v) == 1))
		return (int)json_integer_value(v);
	return -1;
}

/*
 * Reads the entry's fields from the body into w, checking only their JSON
 * types (the rules are the data layer's, inside the transaction). A field
 * left out of a PATCH keeps its stored value; out of a create or PUT it is
 * missing, and the rules say so.
 */
static void
ts_read_entry(struct ts_write *w)
{
	const struct ep_host *h = ts_host;
	json_t *v;
	int flag;

	v = json_object_get(w->root, "engagement");
	if (v != NULL && json_is_integer(v) && json_integer_value(v) > 0)
		w->in.engagement = (int64_t)json_integer_value(v);
	else if (v != NULL && !json_is_null(v))
		h->errors_add(w->e, "engagement", "engagement must be the id of "
		    "one of your engagements, a whole number");
	if (ts_json_str(w->root, "date", &w->in.date) != 0)
		h->errors_add(w->e, "date", "date must be a string, YYYY-MM-DD");
	if (ts_json_str(w->root, "activity", &w->in.activity) != 0)
		h->errors_add(w->e, "activity", "activity must be a string");
	if (ts_json_str(w->root, "note", &w->in.note) != 0)
		h->errors_add(w->e, "note", "note must be a string");
	v = json_object_get(w->root, "minutes");
	if (v != NULL && !json_is_null(v)) {
		w->duration_field = "minutes";
		if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
		    json_integer_value(v) > 1440)
			h->errors_add(w->e, "duration", "minutes must be a whole "
			    "number from 1 to 1440");
		else {
			snprintf(w->minutes, sizeof w->minutes, "%lldm",
			    (long long)json_integer_value(v));
			w->in.duration = w->minutes;
		}
	} else if (ts_json_str(w->root, "duration", &w->in.duration) != 0)
		h->errors_add(w->e, "duration", "duration must be a string such "
		    "as \"1:30\", \"1.5\", \"90m\" or \"1h30\"");
	if ((flag = ts_json_flag(w->root, "billable", -2)) == -1)
		h->errors_add(w->e, "billable", "billable must be true or false");
	w->in.billable = flag == -2 ? -1 : flag;
	if ((flag = ts_json_flag(w->root, "out_of_hours", -2)) == -1)
		h->errors_add(w->e, "out_of_hours", "out_of_hours must be true or "
		    "false");
	w->in.out_of_hours = flag == -2 ? -1 : flag;
}

/* PATCH: what the body left out comes from the stored entry. */
static void
ts_patch_merge(ep_db *db, struct ts_write *w, const struct ts_entry_row *t)
{
	const struct ep_host *h = ts_host;
	ep_stmt *s;

	if (w->in.engagement == 0)
		w->in.engagement = t->engagement;
	if (w->in.date == NULL) {
		memcpy(w->date, t->date, sizeof w->date);
		w->in.date = w->date;
	}
	if (w->in.activity == NULL) {
		snprintf(w->activity, sizeof w->activity, "%s", t->activity);
		w->in.activity = w->activity;
	}
	if (w->in.duration == NULL) {
		snprintf(w->minutes, sizeof w->minutes, "%lldm",
		    (long long)t->minutes);
		w->in.duration = w->minutes;
	}
	if (w->in.billable < 0)
		w->in.billable = t->billable;
	if (w->in.out_of_hours < 0)
		w->in.out_of_hours = t->ooh;
	if (w->in.note == NULL) {
		s = h->db_prepare(db, "SELECT note FROM time_entries WHERE id = ?");
		h->stmt_bind_int64(s, 1, t->id);
		if (h->stmt_step(s) == EP_STEP_ROW)
			snprintf(w->note, sizeof w->note, "%s", h->stmt_text(s, 0));
		h->stmt_reset(s);
		w->in.note = w->note;
	}
}

static int
ts_fail(struct ts_write *w, int status, const char *fmt, ...) EP_PRINTF(3, 4);

static int
ts_fail(struct ts_write *w, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->err, sizeof w->err, fmt, ap);
	va_end(ap);
	w->status = status;
	return -1;
}

static int
ts_editable_state(const char *state)
{
	return strcmp(state, "draft") == 0 || strcmp(state, "queried") == 0;
}

/*
 * The write itself, inside the group commit's shared transaction (in its
 * own savepoint: a failure here undoes this request alone). Checks that
 * need the store happen here, so they see the batch's earlier writes.
 */
static int
ts_write_apply(ep_db *db, struct ts_write *w)
{
	struct ts_entry_row t;
	int mine;

	if (w->op == TS_CREATE) {
		if (ts_entry_save(db, &w->actor, 0, &w->in, NULL, w->e,
		    &w->res) != 0)
			return ts_fail(w, 422, "the entry was refused");
		return 0;
	}
	if (ts_entry_get(db, w->id, &t) != 0)
		return ts_fail(w, 404, "no such entry");
	mine = t.created_by == w->actor.person;
	switch (w->op) {
	case TS_UPDATE:
	case TS_PATCH:
		if (!mine)
			return ts_fail(w, 404, "no such entry of yours");
		if (!ts_editable_state(t.state))
			return ts_fail(w, 409, "entry %lld is %s: only a draft or a "
			    "queried entry changes; adjust an approved one",
			    (long long)t.id, t.state);
		if (w->op == TS_PATCH)
			ts_patch_merge(db, w, &t);
		if (ts_entry_save(db, &w->actor, w->id, &w->in, NULL, w->e,
		    &w->res) != 0)
			return ts_fail(w, 422, "the entry was refused");
		return 0;
	case TS_SUBMIT:
		if (!mine)
			return ts_fail(w, 404, "no such entry of yours");
		if (!ts_editable_state(t.state))
			return ts_fail(w, 409, "entry %lld is %s, not a draft",
			    (long long)t.id, t.state);
		if (ts_entry_submit(db, &w->actor, w->id, w->err,
		    sizeof w->err) != 0) {
			w->status = 409;
			return -1;
		}
		return 0;
	case TS_APPROVE:
	case TS_QUERY:
		if (strcmp(t.state, "submitted") != 0)
			return ts_fail(w, 409, "entry %lld is %s, not submitted",
			    (long long)t.id, t.state);
		if (w->op == TS_QUERY && (w->comment == NULL ||
		    *w->comment == '\0')) {
			ts_host->errors_add(w->e, "comment", "Say what is wrong: a "
			    "query needs a comment");
			return ts_fail(w, 422, "a query needs a comment");
		}
		if (ts_entry_decide(db, &w->actor, w->id, w->op == TS_APPROVE,
		    w->comment, w->err, sizeof w->err) != 0) {
			w->status = 409;
			return -1;
		}
		return 0;
	case TS_ADJUST:
		if (!mine)
			return ts_fail(w, 404, "no such entry of yours");
		if (strcmp(t.state, "approved") != 0 &&
		    strcmp(t.state, "invoiced") != 0)
			return ts_fail(w, 409, "entry %lld is %s: only approved or "
			    "invoiced entries are adjusted", (long long)t.id, t.state);
		if (ts_entry_adjust(db, &w->actor, w->id, w->duration, w->reason,
		    w->e, &w->res) != 0)
			return ts_fail(w, 422, "the adjustment was refused");
		return 0;
	case TS_CREATE:
		break;
	}
	return -1;
}

/* Runs in the shared transaction; a changed entry is read back there too,
 * so the reply needs no store access of its own after the commit. A new
 * entry is not read back: every column of it is known (ts_create_json). */
static int
ts_write_work(ep_db *db, ep_req *r, void *arg)
{
	struct ts_write *w = arg;

	(void)r;
	if (ts_write_apply(db, w) != 0)
		return -1;
	if (w->op != TS_CREATE)
		w->entry = ts_entry_load_json(db, w->res.id ? w->res.id : w->id);
	return 0;
}

/* Appends s as a JSON string, escaped as json_dumps escapes it. */
static char *
ts_json_put(char *p, const char *end, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;

	*p++ = '"';
	for (; (c = (unsigned char)*s) != '\0' && end - p > 8; s++) {
		switch (c) {
		case '"':
		case '\\':
			*p++ = '\\';
			*p++ = (char)c;
			break;
		case '\b':
			*p++ = '\\';
			*p++ = 'b';
			break;
		case '\f':
			*p++ = '\\';
			*p++ = 'f';
			break;
		case '\n':
			*p++ = '\\';
			*p++ = 'n';
			break;
		case '\r':
			*p++ = '\\';
			*p++ = 'r';
			break;
		case '\t':
			*p++ = '\\';
			*p++ = 't';
			break;
		default:
			if (c < 0x20) {
				memcpy(p, "\\u00", 4);
				p[4] = hex[c >> 4];
				p[5] = hex[c & 0xf];
				p += 6;
			} else
				*p++ = (char)c;
			break;
		}
	}
	*p++ = '"';
	return p;
}

/*
 * A new entry as GET /api/v1/entries/{id} shows it (the same fields in
 * the same order), from what was saved: the reply to a create needs no
 * read of the store. The note is at most 500 bytes, so it fits escaped.
 */
static void
ts_create_reply(ep_req *r, const struct ts_write *w)
{
	char body[4096], duration[32];
	char *p = body, *end = body + sizeof body;

	ts_host->hours_clock(duration, sizeof duration, w->res.minutes);
	p += snprintf(p, (size_t)(end - p), "{\"id\":%lld,\"engagement\":%lld,"
	    "\"date\":", (long long)w->res.id, (long long)w->in.engagement);
	p = ts_json_put(p, end, w->in.date);
	p += snprintf(p, (size_t)(end - p), ",\"minutes\":%lld,\"duration\":\"%s\","
	    "\"activity\":", (long long)w->res.minutes, duration);
	p = ts_json_put(p, end, w->in.activity);
	memcpy(p, ",\"note\":", 8);
	p = ts_json_put(p + 8, end - 600, w->in.note ? w->in.note : "");
	p += snprintf(p, (size_t)(end - p), ",\"billable\":%s,\"out_of_hours\":%s,"
	    "\"state\":\"%s\",\"priced_pence\":%lld,\"created_at\":\"%s\","
	    "\"adjusts\":null,\"reason\":null,\"query_comment\":null,"
	    "\"budget_warning\":%d}", w->in.billable ? "true" : "false",
	    w->in.out_of_hours ? "true" : "false", w->res.state,
	    (long long)w->res.priced, w->res.created, w->res.warning);
	ts_host->reply(r, 201, "application/json", body, (size_t)(p - body));
}

/*
 * Answered writes are kept for reuse, up to the clients a busy server has
 * at once: at over a kilobyte each, allocating one per request showed in
 * profiles. Only the event loop makes and frees them.
 */
#define TS_WRITES_KEPT 128

static struct ts_write *ts_writes_kept[TS_WRITES_KEPT];
static int ts_nwrites_kept;

static struct ts_write *
ts_write_new(void)
{
	struct ts_write *w;

	if (ts_nwrites_kept == 0)
		return calloc(1, sizeof *w);
	w = ts_writes_kept[--ts_nwrites_kept];
	memset(w, 0, sizeof *w);
	return w;
}

static void
ts_write_free(struct ts_write *w)
{
	json_decref(w->entry);
	json_decref(w->root);
	ts_host->errors_free(w->e);
	if (ts_nwrites_kept < TS_WRITES_KEPT)
		ts_writes_kept[ts_nwrites_kept++] = w;
	else
		free(w);
}

/* At unload: the kept writes go back to the allocator. */
void
ts_api_fini(void)
{
	while (ts_nwrites_kept > 0)
		free(ts_writes_kept[--ts_nwrites_kept]);
}

/* After the durable commit: the entry as stored, or why not. */
static void
ts_write_done(ep_req *r, int rc, void *arg)
{
	const struct ep_host *h = ts_host;
	struct ts_write *w = arg;
	json_t *o = w->entry;

	if (rc != 0) {
		switch (w->status) {
		case 422:
			ts_api_invalid(r, w->e, w->duration_field);
			break;
		case 404:
			h->json_error(r, 404, "not_found", NULL, w->err);
			break;
		case 409:
			h->json_error(r, 409, "conflict", NULL, w->err);
			break;
		default:
			h->json_error(r, 503, "unavailable", NULL, "the store could "
			    "not save this; nothing was saved; try again");
			break;
		}
		ts_write_free(w);
		return;
	}
	if (w->op == TS_CREATE) {
		ts_create_reply(r, w);
		ts_write_free(w);
		return;
	}
	if (o == NULL) {
		h->json_error(r, 500, "internal", NULL, "the entry was saved but "
		    "cannot be read back");
		ts_write_free(w);
		return;
	}
	if (w->op == TS_CREATE || w->op == TS_UPDATE || w->op == TS_PATCH)
		json_object_set_new(o, "budget_warning", json_integer(
		    w->res.warning));
	w->entry = NULL;
	ts_api_reply(r, w->op == TS_CREATE || w->op == TS_ADJUST ? 201 : 200, o);
	ts_write_free(w);
}

/*
 * Every write starts here: parse the body (400 bad_json), check the JSON
 * types (422 before anything is queued), then hand the write to the group
 * commit, which replies through ts_write_done once it is durable.
 */
void
ts_write_start(ep_req *r, enum ts_op op)
{
	const struct ep_host *h = ts_host;
	struct ts_write *w;
	json_error_t jerr;
	const char *body;
	size_t len = 0;

	w = ts_write_new();
	if (w == NULL) {
		h->json_error(r, 503, "unavailable", NULL, "out of memory");
		return;
	}
	w->op = op;
	w->id = ts_api_id(r);
	ts_actor_of(r, &w->actor);
	w->e = h->errors_new();
	w->duration_field = "duration";
	body = h->req_body(r, &len);
	if (len > 0 || op == TS_CREATE || op == TS_UPDATE || op == TS_PATCH ||
	    op == TS_ADJUST) {
		w->root = json_loadb(body, len, 0, &jerr);
		if (w->root == NULL || !json_is_object(w->root)) {
			char msg[256];

			snprintf(msg, sizeof msg, "the body must be a JSON object%s%s",
			    w->root ? "" : ": ", w->root ? "" : jerr.text);
			h->json_error(r, 400, "bad_json", NULL, msg);
			ts_write_free(w);
			return;
		}
	}
	switch (op) {
	case TS_CREATE:
	case TS_UPDATE:
	case TS_PATCH:
		ts_read_entry(w);
		if (op != TS_PATCH) {
			if (w->in.billable < 0)
				w->in.billable = 1;
			if (w->in.out_of_hours < 0)
				w->in.out_of_hours = 0;
		}
		break;
	case TS_QUERY:
		if (ts_json_str(w->root, "comment", &w->comment) != 0)
			h->errors_add(w->e, "comment", "comment must be a string");
		break;
	case TS_ADJUST:
		if (ts_json_str(w->root, "reason", &w->reason) != 0)
			h->errors_add(w->e, "reason", "reason must be a string");
		if (ts_json_str(w->root, "duration", &w->duration) != 0)
			h->errors_add(w->e, "duration", "duration must be the "
			    "correct total time as a string, such as \"1:30\"");
		break;
	case TS_SUBMIT:
	case TS_APPROVE:
		break;
	}
	if (h->errors_count(w->e) > 0) {
		ts_api_invalid(r, w->e, w->duration_field);
		ts_write_free(w);
		return;
	}
	if (h->group_commit(r, ts_write_work, ts_write_done, w) != 0) {
		h->json_error(r, 503, "unavailable", NULL, "the server is not "
		    "taking writes now; try again");
		ts_write_free(w);
	}
}

static void
ts_create_cb(ep_req *r, void *arg)
{
	(void)arg;
	ts_write_start(r, TS_CREATE);
}

static void
ts_update_cb(ep_req *r, void *arg)
{
	(void)arg;
	ts_write_start(r, strcmp(ts_host->req_method(r), "PATCH") == 0 ?
	    TS_PATCH : TS_UPDATE);
}

static void
ts_submit_cb(ep_req *r, void *arg)
{
	(void)arg;
	ts_write_start(r, TS_SUBMIT);
}

static void
ts_decide_api_cb(ep_req *r, void *arg)
{
	ts_write_start(r, arg != NULL ? TS_APPROVE : TS_QUERY);
}

static void
ts_adjust_api_cb(ep_req *r, void *arg)
{
	(void)arg;
	ts_write_start(r, TS_ADJUST);
}

static void
ts_get_cb(ep_req *r, void *arg)
{
	json_t *o = ts_entry_load_json(ts_host->req_db(r), ts_api_id(r));

	(void)arg;
	if (o == NULL) {
		ts_host->json_error(r, 404, "not_found", NULL, "no such entry");
		return;
	}
	ts_api_reply(r, 200, o);
}

/* The list and, when there is more, the address of its next page: the
 * same filters, after the last entry shown (next is null at the end). */
static void
ts_list_reply(ep_req *r, json_t *list, long long last, long long limit)
{
	static const char *const keep[] = { "engagement", "week", "state",
		NULL };
	char *path = last > 0 ? pager_path(ts_host, r, "/api/v1/entries", keep) :
	    NULL;
	json_t *next = json_null();

	if (path != NULL) {
		next = json_sprintf("%safter=%lld&limit=%lld", path, last, limit);
		free(path);
	}
	ts_api_reply(r, 200, json_pack("{s:o,s:o}", "items", list, "next",
	    next ? next : json_null()));
}

/*
 * GET /api/v1/entries: what the caller may see (an expert their own, a
 * council's approvers, requesters and finance its hours as consumer,
 * finance also its experts' hours as provider, the pool and administrators
 * all), narrowed by engagement, week and state, newest first, a page at a
 * time: after=ID goes on below that entry.
 */
static void
ts_list_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = ts_host;
	ep_stmt *s = h->db_prepare(h->req_db(r), ENTRY_COLUMNS " JOIN "
	    "engagements e ON e.id = t.engagement_id JOIN experts x ON "
	    "x.id = e.expert_id WHERE (?1 OR (?2 AND (x.person_id = ?3 OR "
	    "t.created_by = ?3)) OR (?4 AND e.consumer_id = ?5) OR (?6 AND "
	    "e.provider_id = ?5)) AND (?7 IS NULL OR t.engagement_id = ?7) AND "
	    "(?8 IS NULL OR t.entry_date BETWEEN ?8 AND ?9) AND (?10 IS NULL OR "
	    TS_STATE_SEEN " = ?10) AND t.id < ?12 ORDER BY t.id DESC LIMIT ?11");
	const char *engagement = h->req_query(r, "engagement");
	const char *week = h->req_query(r, "week");
	const char *state = h->req_query(r, "state");
	const char *limit_text = h->req_query(r, "limit");
	const char *after_text = h->req_query(r, "after");
	static const char *const states[] = { "draft", "submitted", "approved",
		"queried", "invoiced", NULL };
	unsigned roles = h->req_roles(r);
	char monday[11], sunday[11], *end;
	long long eng = 0, limit = 200, after = INT64_MAX, last = 0;
	json_t *list;
	size_t i, n = 0;

	(void)arg;
	if (engagement != NULL && ((eng = strtoll(engagement, &end, 10)) <= 0 ||
	    *end != '\0')) {
		h->json_error(r, 400, "invalid", "engagement", "engagement must be "
		    "an engagement id");
		return;
	}
	if (week != NULL && ts_week_bounds(week, monday, sunday) != 0) {
		h->json_error(r, 400, "invalid", "week", "week must be a date, "
		    "YYYY-MM-DD, in the week wanted");
		return;
	}
	for (i = 0; state != NULL && states[i] != NULL; i++) {
		if (strcmp(states[i], state) == 0)
			break;
	}
	if (state != NULL && states[i] == NULL) {
		h->json_error(r, 400, "invalid", "state", "state must be draft, "
		    "submitted, approved, queried or invoiced");
		return;
	}
	if (limit_text != NULL && ((limit = strtoll(limit_text, &end, 10)) < 1 ||
	    limit > 1000 || *end != '\0')) {
		h->json_error(r, 400, "invalid", "limit", "limit must be a whole "
		    "number from 1 to 1000");
		return;
	}
	if (after_text != NULL && ((after = strtoll(after_text, &end, 10)) < 1 ||
	    *end != '\0')) {
		h->json_error(r, 400, "invalid", "after", "after must be the id of "
		    "an entry from the list");
		return;
	}
	h->stmt_bind_int64(s, 1, (roles & TS_ROLES_ALL) != 0);
	h->stmt_bind_int64(s, 2, (roles & EP_ROLE_EXPERT) != 0);
	h->stmt_bind_int64(s, 3, h->req_person(r));
	h->stmt_bind_int64(s, 4, (roles & TS_ROLES_CONSUMER) != 0);
	h->stmt_bind_int64(s, 5, h->req_org(r));
	h->stmt_bind_int64(s, 6, (roles & EP_ROLE_FINANCE) != 0);
	if (engagement != NULL)
		h->stmt_bind_int64(s, 7, eng);
	else
		h->stmt_bind_null(s, 7);
	if (week != NULL) {
		h->stmt_bind_text(s, 8, monday);
		h->stmt_bind_text(s, 9, sunday);
	} else {
		h->stmt_bind_null(s, 8);
		h->stmt_bind_null(s, 9);
	}
	if (state != NULL)
		h->stmt_bind_text(s, 10, state);
	else
		h->stmt_bind_null(s, 10);
	h->stmt_bind_int64(s, 11, limit + 1);
	h->stmt_bind_int64(s, 12, after);
	list = json_array();
	/* One row more than the limit says whether there is a next page. */
	while (h->stmt_step(s) == EP_STEP_ROW && n++ < (size_t)limit) {
		last = h->stmt_int64(s, 0);
		json_array_append_new(list, ts_entry_json(s));
	}
	h->stmt_reset(s);
	ts_list_reply(r, list, n > (size_t)limit ? last : 0, limit);
}

void
ts_api_routes(void)
{
	const struct ep_host *h = ts_host;

	h->route_add(ts_self, "POST", "/api/v1/entries", EP_ROLE_EXPERT,
	    ts_create_cb, NULL);
	h->route_add(ts_self, "GET", "/api/v1/entries", EP_ROLE_ANY,
	    ts_list_cb, NULL);
	h->route_add_owned(ts_self, "GET", "/api/v1/entries/{id}", EP_ROLE_ANY,
	    ENTRY_PARTIES, ts_get_cb, NULL);
	h->route_add_owned(ts_self, "PATCH", "/api/v1/entries/{id}",
	    EP_ROLE_EXPERT, ENTRY_PARTIES, ts_update_cb, NULL);
	h->route_add_owned(ts_self, "PUT", "/api/v1/entries/{id}",
	    EP_ROLE_EXPERT, ENTRY_PARTIES, ts_update_cb, NULL);
	h->route_add_owned(ts_self, "POST", "/api/v1/entries/{id}/submit",
	    EP_ROLE_EXPERT, ENTRY_PARTIES, ts_submit_cb, NULL);
	h->route_add_owned(ts_self, "POST", "/api/v1/entries/{id}/approve",
	    TS_ROLES_APPROVE, ENTRY_CONSUMER, ts_decide_api_cb, (void *)"approve");
	h->route_add_owned(ts_self, "POST", "/api/v1/entries/{id}/query",
	    TS_ROLES_APPROVE, ENTRY_CONSUMER, ts_decide_api_cb, NULL);
	h->route_add_owned(ts_self, "POST", "/api/v1/entries/{id}/adjust",
	    EP_ROLE_EXPERT, ENTRY_PARTIES, ts_adjust_api_cb, NULL);
}
