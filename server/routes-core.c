/* routes-core.c: the core's own routes: health and metrics. */
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

/*
 * For the monitoring on the host itself: only a direct request from an
 * address metrics_from names, never one a proxy forwarded. Anyone else
 * is told there is nothing here.
 */
static void
metrics_cb(struct ep_req *r, void *arg)
{
	struct evbuffer *out;

	(void)arg;
	if (!http_peer_listed(r, cfg.metrics_from) ||
	    http_header(r, "X-Forwarded-For") != NULL) {
		http_reply(r, 404, "text/plain; charset=utf-8", "not found\n", 10);
		return;
	}
	out = evbuffer_new();
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
	home_routes_register();
	login_routes_register();
	oidc_routes_register();
	reset_routes_register();
	totp_routes_register();
	tokens_routes_register();
	admin_routes_register();
	records_api_routes_register();
	fees_routes_register();
	request_pages_routes_register();
	offer_pages_routes_register();
	outbox_routes_register();
	notify_settings_routes_register();
	market_api_routes_register();
	engagement_routes_register();
	request_edit_routes_register();
	engagement_api_routes_register();
	directory_routes_register();
	directory_api_routes_register();
	report_routes_register();
	report_quality_routes_register();
	rating_routes_register();
	overhead_routes_register();
	statement_routes_register();
}
