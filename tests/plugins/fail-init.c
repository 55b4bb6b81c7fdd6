/* fail-init.c: a test plugin whose init registers a route, then fails. */
#include <expertpool/plugin.h>

static void
never_cb(ep_req *r, void *arg)
{
	(void)r;
	(void)arg;
}

static int
fail_init(ep_plugin *p, const struct ep_host *h)
{
	h->route_add(p, "GET", "/half-registered", EP_ROLE_PUBLIC, never_cb, NULL);
	return -1;
}

EP_PLUGIN_DECLARE("fail-init", "1.0", NULL, fail_init, NULL)
