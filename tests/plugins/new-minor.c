/* new-minor.c: a test plugin built for a minor newer than its host's. */
#include <stdio.h>

#include <expertpool/plugin.h>

/*
 * The host table as the next minor will have it: this one's, and a member
 * after. EP_HOST_HAS's rule, applied to it, must find the new member
 * absent in this host, so the plugin does without it.
 */
struct next_host {
	struct ep_host now;
	void (*later)(const char *what);
};
#define NEXT_HAS(h, member) ((h)->size >= offsetof(struct next_host, \
	member) + sizeof(((struct next_host *)0)->member))

static const struct ep_host *host;
static int has_later;

/* Says which members the probes found. */
static void
new_cb(ep_req *r, void *arg)
{
	char body[128];
	int n;

	(void)arg;
	n = snprintf(body, sizeof body, "job_person %s, later %s\n",
	    EP_HOST_HAS(host, job_person) ? "present" : "absent",
	    has_later ? "present" : "absent");
	host->reply(r, 200, "text/plain; charset=utf-8", body, (size_t)n);
}

static int
new_init(ep_plugin *p, const struct ep_host *h)
{
	host = h;
	has_later = NEXT_HAS(h, later);
	if (has_later)
		((const struct next_host *)(const void *)h)->later("init");
	return h->route_add(p, "GET", "/new-minor", EP_ROLE_PUBLIC, new_cb,
	    NULL);
}

EP_EXPORT const struct ep_plugin_info *EP_PLUGIN_ENTRY(void);

const struct ep_plugin_info *
EP_PLUGIN_ENTRY(void)
{
	static const struct ep_plugin_info info = {
		.size = sizeof(struct ep_plugin_info),
		.magic = EP_PLUGIN_MAGIC,
		.abi_major = EP_ABI_MAJOR,
		.abi_minor = EP_ABI_MINOR + 1,
		.host_size = sizeof(struct next_host),
		.name = "new-minor",
		.version = "1.0",
		.init = new_init,
	};
	return &info;
}
