/* core_routes.c: the core's own routes: health and metrics. */
#include "server.h"

#include <event2/buffer.h>

/* 200 "ok" while the store answers, 503 otherwise: for load balancers. */
static void
health_cb(struct ep_req *r, void *arg)
{
	(void)arg;
	if (db_ping(http_db()) == 0)
		http_reply(r, 200, "text/plain; charset=utf-8", "ok\n", 3);
	else
		http_reply(r, 503, "text/plain; charset=utf-8", "store unavailable\n",
		    18);
}

static void
metrics_cb(struct ep_req *r, void *arg)
{
	struct evbuffer *out = evbuffer_new();

	(void)arg;
	metrics_render(out);
	http_reply_buffer(r, 200, "text/plain; version=0.0.4; charset=utf-8", out);
	evbuffer_free(out);
}

void
core_routes_register(void)
{
	route_add(NULL, "GET", "/healthz", EP_ROLE_PUBLIC, health_cb, NULL);
	route_add(NULL, "GET", "/metrics", EP_ROLE_PUBLIC, metrics_cb, NULL);
}

/* Every core route, in one place: the server and `expertpool routes`. */
void
routes_register_all(void)
{
	core_routes_register();
	assets_routes_register();
	login_routes_register();
	admin_routes_register();
	fees_routes_register();
	market_routes_register();
	outbox_routes_register();
	market_api_routes_register();
	directory_routes_register();
	report_routes_register();
}
