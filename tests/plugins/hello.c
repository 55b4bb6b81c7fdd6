/* hello.c: a test plugin that proves the plugin path end to end. */
#include <stdio.h>
#include <string.h>

#include <expertpool/plugin.h>

static const struct ep_host *host;
static ep_plugin *self;
static int hook_calls;
static char last_event[64];

static void
hello_cb(ep_req *r, void *arg)
{
	char body[256];
	const char *who = host->req_query(r, "name");
	int n;

	(void)arg;
	host->hook_fire("hello.greeted", "{}");
	n = snprintf(body, sizeof body, "hello %s from plugin (hooks %d, last %s)\n",
	    who ? who : "world", hook_calls, last_event);
	host->reply(r, 200, "text/plain; charset=utf-8", body, (size_t)n);
}

static void
item_cb(ep_req *r, void *arg)
{
	ep_stmt *s;
	char body[256];
	int n;

	(void)arg;
	s = host->db_prepare(host->req_db(r),
	    "SELECT count(*) FROM hello_visits WHERE item = ?");
	host->stmt_bind_text(s, 1, host->req_param(r, "id"));
	host->stmt_step(s);
	n = snprintf(body, sizeof body, "item %s seen %lld times\n",
	    host->req_param(r, "id"), (long long)host->stmt_int64(s, 0));
	host->stmt_reset(s);
	host->reply(r, 200, "text/plain; charset=utf-8", body, (size_t)n);
}

static void
visit_cb(ep_req *r, void *arg)
{
	ep_stmt *s;

	(void)arg;
	s = host->db_prepare(host->req_db(r),
	    "INSERT INTO hello_visits (item) VALUES (?)");
	host->stmt_bind_text(s, 1, host->req_param(r, "id"));
	if (host->stmt_step(s) != EP_STEP_DONE) {
		host->stmt_reset(s);
		host->reply(r, 500, "text/plain", "store error\n", 12);
		return;
	}
	host->stmt_reset(s);
	host->reply(r, 201, "text/plain", "saved\n", 6);
}

static void
on_event(const char *event, const char *json, void *arg)
{
	(void)json;
	(void)arg;
	hook_calls++;
	snprintf(last_event, sizeof last_event, "%s", event);
}

/* A hook that tries to register outside init: the host must refuse. */
static void
late_cb(ep_req *r, void *arg)
{
	int rc = host->route_add(self, "GET", "/late", EP_ROLE_PUBLIC, late_cb,
	    NULL);

	(void)arg;
	host->reply(r, 200, "text/plain", rc == 0 ? "accepted\n" : "refused\n",
	    rc == 0 ? 9 : 8);
}

static int
hello_command(ep_db *db, int argc, char **argv, void *arg)
{
	ep_stmt *s = host->db_prepare(db, "SELECT count(*) FROM hello_visits");

	(void)arg;
	(void)argv;
	host->stmt_step(s);
	printf("hello from the CLI: %d args, %lld visits\n", argc,
	    (long long)host->stmt_int64(s, 0));
	host->stmt_reset(s);
	return 0;
}

static int
hello_init(ep_plugin *p, const struct ep_host *h)
{
	host = h;
	self = p;
	if (h->route_add(p, "GET", "/hello", EP_ROLE_PUBLIC, hello_cb, NULL) ||
	    h->route_add(p, "GET", "/hello/items/{id}", EP_ROLE_PUBLIC, item_cb,
	    NULL) ||
	    h->route_add(p, "POST", "/hello/items/{id}", EP_ROLE_PUBLIC, visit_cb,
	    NULL) ||
	    h->route_add(p, "GET", "/hello/late", EP_ROLE_PUBLIC, late_cb, NULL) ||
	    h->hook_add(p, "hello.greeted", on_event, NULL) ||
	    h->command_add(p, "hello", "[ARGS]", hello_command, NULL) ||
	    h->migration_add(p, 1,
	    "CREATE TABLE hello_visits (id INTEGER PRIMARY KEY, item TEXT NOT NULL)"))
		return -1;
	return 0;
}

EP_PLUGIN_DECLARE("hello", "1.0", NULL, hello_init, NULL)
