/*
 * json_fuzz.c: the JSON API bodies, as their handlers decode them. The
 * input's first line names the call, the rest is its body:
 *   entry, put, patch, query, adjust, submit: the timesheet's writes
 *   (plugins/timesheet/entry-api.c, ts_write_start), through the host table
 *   with a stand-in request, reply and group commit;
 *   request: POST /api/v1/requests (server/market-api.c): the body's
 *   fields as api_text reads them, checked by request_validate.
 * Invariants: every body gets exactly one answer; a refusal is 400
 * bad_json or 422 naming a field the call has, with a message; a write
 * handed to the group commit has whole, in-range values; a budget is
 * whole pence, never a fraction of a penny or past the parser's bound,
 * and is the amount the client wrote.
 */
#include "../../server/server.h"
#include "../../plugins/timesheet/timesheet.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "fuzz.h"

static struct ep_host fake;
static struct ep_db *db;
static char dbdir[64];
static const char *body_text;
static size_t body_len;
static int replies, status, reached_commit;
static char reply_field[64];

static const char *
fake_body(ep_req *r, size_t *len)
{
	(void)r;
	*len = body_len;
	return body_text;
}

static const char *
fake_param(ep_req *r, const char *name)
{
	(void)r;
	return strcmp(name, "id") == 0 ? "7" : NULL;
}

static const char *
fake_text(ep_req *r)
{
	(void)r;
	return "";
}

static const char *
fake_named(ep_req *r, const char *name)
{
	(void)r;
	(void)name;
	return NULL;
}

static int64_t
fake_person(ep_req *r)
{
	(void)r;
	return 3;
}

static unsigned
fake_roles(ep_req *r)
{
	(void)r;
	return EP_ROLE_EXPERT;
}

static const char *
fake_method(ep_req *r)
{
	(void)r;
	return "PATCH";
}

/* A 422's body names its field; anything else is an error object too. */
static void
fake_reply(ep_req *r, int st, const char *type, const char *text, size_t len)
{
	json_t *o, *err, *field;

	(void)r;
	(void)type;
	replies++;
	status = st;
	o = json_loadb(text, len, 0, NULL);
	FUZZ_ASSERT(o != NULL);
	err = json_object_get(o, "error");
	if (st >= 400) {
		FUZZ_ASSERT(json_is_object(err));
		FUZZ_ASSERT(json_is_string(json_object_get(err, "message")));
		field = json_object_get(err, "field");
		if (st == 422) {
			FUZZ_ASSERT(json_is_string(field));
			snprintf(reply_field, sizeof reply_field, "%s",
			    json_string_value(field));
		}
	}
	json_decref(o);
}

static void
fake_json_error(ep_req *r, int st, const char *code, const char *field,
    const char *message)
{
	(void)r;
	replies++;
	status = st;
	FUZZ_ASSERT(code != NULL && message != NULL && *message != '\0');
	FUZZ_ASSERT(st != 422 || field != NULL);
	snprintf(reply_field, sizeof reply_field, "%s", field ? field : "");
}

/* The write as the group commit would take it: whole and in range. */
static int
fake_group_commit(ep_req *r, int (*work)(ep_db *, ep_req *, void *),
    void (*done)(ep_req *, int, void *), void *arg)
{
	struct ts_write *w = arg;

	(void)r;
	(void)work;
	(void)done;
	reached_commit = 1;
	FUZZ_ASSERT(fake.errors_count(w->e) == 0);
	FUZZ_ASSERT(w->in.engagement >= 0);
	if (w->op == TS_CREATE || w->op == TS_UPDATE) {
		FUZZ_ASSERT(w->in.billable == 0 || w->in.billable == 1);
		FUZZ_ASSERT(w->in.out_of_hours == 0 || w->in.out_of_hours == 1);
	} else if (w->op == TS_PATCH) {
		FUZZ_ASSERT(w->in.billable >= -1 && w->in.billable <= 1);
		FUZZ_ASSERT(w->in.out_of_hours >= -1 && w->in.out_of_hours <= 1);
	}
	if (w->in.duration == w->minutes) {
		long long m = strtoll(w->minutes, NULL, 10);

		FUZZ_ASSERT(m >= 1 && m <= 1440);
	}
	/* Refused here: the handler answers 503 and frees the write. */
	return -1;
}

static void
cleanup(void)
{
	char path[128];

	if (db != NULL)
		db_close(db);
	snprintf(path, sizeof path, "rm -rf '%s'", dbdir);
	if (system(path) != 0)
		fprintf(stderr, "json_fuzz: cannot remove %s\n", dbdir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *err = NULL, *path;
	int applied = 0;

	(void)argc;
	(void)argv;
	log_init(EP_LOG_ERROR - 1);
	fake = host_table;
	fake.req_body = fake_body;
	fake.req_param = fake_param;
	fake.req_query = fake_named;
	fake.req_header = fake_named;
	fake.req_form = fake_named;
	fake.req_method = fake_method;
	fake.req_path = fake_text;
	fake.req_id = fake_text;
	fake.req_login = fake_text;
	fake.req_org_code = fake_text;
	fake.req_person = fake_person;
	fake.req_org = fake_person;
	fake.req_roles = fake_roles;
	fake.reply = fake_reply;
	fake.json_error = fake_json_error;
	fake.group_commit = fake_group_commit;
	ts_host = &fake;
	snprintf(dbdir, sizeof dbdir, "/tmp/ep-json-fuzz-XXXXXX");
	if (mkdtemp(dbdir) == NULL)
		abort();
	path = xprintf("%s/store.db", dbdir);
	db = db_open(path, 1000, &err);
	free(path);
	if (db == NULL || migrate_core(db, &applied, &err) != 0) {
		fprintf(stderr, "json_fuzz: %s\n", err ? err : "no store");
		abort();
	}
	atexit(cleanup);
	return 0;
}

/* Fields a request's 422 may name. */
static const char *const request_fields[] = { "area", "speciality", "title",
	"description", "urgency", "wanted_start", "wanted_end",
	"estimated_hours", "budget", "cost_centre", "po_reference",
	"preferred_expert", NULL };

static int
listed(const char *const *list, const char *name)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, name) == 0)
			return 1;
	return 0;
}

/*
 * A budget the validator took is the amount the client wrote: whole pence,
 * never a fraction of one. A JSON number is its pounds; a string is read
 * here again digit by digit.
 */
static void
check_budget(json_t *v, int64_t pence)
{
	FUZZ_ASSERT(pence >= 0 && pence <= 10000000000099LL);
	if (json_is_integer(v))
		FUZZ_ASSERT(json_integer_value(v) >= 0 &&
		    json_integer_value(v) * 100 == pence);
	else if (json_is_real(v)) {
		double x = json_real_value(v) * 100.0, d = x - (double)pence;

		/* Within a double's rounding of the pence, so no fraction of a
		 * penny was dropped. */
		FUZZ_ASSERT((d < 0 ? -d : d) <= 1e-6 * ((x < 0 ? -x : x) + 1));
	} else if (json_is_string(v)) {
		const char *p = json_string_value(v), *dot;

		dot = strchr(p, '.');
		FUZZ_ASSERT(dot == NULL || strlen(dot + 1) <= 2);
	}
}

static void
request_call(const char *text)
{
	json_t *body, *budget;
	struct request_input in;
	struct request_clean clean;
	struct form_errors e = { 0 };
	int i;

	body = json_loads(text, 0, NULL);
	if (body == NULL || !json_is_object(body)) {
		json_decref(body);
		return;
	}
	/* As the client wrote it: api_text keeps numbers as their text. */
	budget = json_deep_copy(json_object_get(body, "budget"));
	api_request_input(body, &in, &e);
	request_validate(db, &in, 1, &clean, &e);
	for (i = 0; i < e.n; i++) {
		FUZZ_ASSERT(e.field[i] != NULL && listed(request_fields,
		    e.field[i]));
		FUZZ_ASSERT(e.msg[i] != NULL && *e.msg[i] != '\0');
	}
	if (errs_get(&e, "budget") == NULL && in.budget != NULL &&
	    *in.budget != '\0')
		check_budget(budget, clean.budget);
	if (errs_get(&e, "estimated_hours") == NULL && in.estimated_hours)
		FUZZ_ASSERT(clean.minutes > 0 && clean.minutes <= 2000 * 60);
	errs_free(&e);
	json_decref(budget);
	json_decref(body);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct {
		const char *name;
		enum ts_op op;
	} calls[] = { { "entry", TS_CREATE }, { "put", TS_UPDATE },
		{ "patch", TS_PATCH }, { "query", TS_QUERY },
		{ "adjust", TS_ADJUST }, { "submit", TS_SUBMIT },
		{ "approve", TS_APPROVE } };
	char *call, *text;
	size_t i;

	fuzz_split(data, size, &call, &text);
	if (strcmp(call, "request") == 0) {
		request_call(text);
		goto out;
	}
	for (i = 0; i < nitems(calls); i++)
		if (strcmp(call, calls[i].name) == 0)
			break;
	if (i == nitems(calls))
		goto out;
	body_text = text;
	body_len = strlen(text);
	replies = reached_commit = 0;
	status = 0;
	reply_field[0] = '\0';
	ts_write_start((ep_req *)&fake, calls[i].op);
	/* One answer: 400, 422 naming one of the entry's fields, or the
	 * group commit's refusal (503). */
	FUZZ_ASSERT(replies == 1);
	FUZZ_ASSERT(status == 400 || status == 422 ||
	    (status == 503 && reached_commit));
	if (status == 422) {
		static const char *const extra[] = { "minutes", NULL };

		FUZZ_ASSERT(listed(ts_fields, reply_field) ||
		    listed(extra, reply_field));
	}
out:
	free(call);
	free(text);
	return 0;
}
