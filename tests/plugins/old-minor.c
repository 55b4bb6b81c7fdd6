/* old-minor.c: a test plugin built for the first minor of this major. */
#include <stdio.h>

#include <expertpool/plugin.h>

/*
 * Its block is written out as a plugin built against ABI x.0 has it: minor
 * 0, and a host table that ends at notify_address_files, x.0's last
 * member. A host of a newer minor hands it a longer table, which it never
 * looks past.
 */
#define OLD_HOST_SIZE (offsetof(struct ep_host, notify_address_files) + \
	sizeof(((struct ep_host *)0)->notify_address_files))

static const struct ep_host *host;

/* Answers with what the plugin saw of the host, through x.0's members. */
static void
old_cb(ep_req *r, void *arg)
{
	char body[128];
	int n;

	(void)arg;
	n = snprintf(body, sizeof body, "old plugin on a host of ABI %u.%u\n",
	    host->abi_major, host->abi_minor);
	host->reply(r, 200, "text/plain; charset=utf-8", body, (size_t)n);
}

static int
old_init(ep_plugin *p, const struct ep_host *h)
{
	host = h;
	if (!EP_HOST_HAS(h, second_factor_fresh))
		return -1;
	return h->route_add(p, "GET", "/old-minor", EP_ROLE_PUBLIC, old_cb,
	    NULL) || h->migration_add(p, 1, "CREATE TABLE old_minor_seen "
	    "(id INTEGER PRIMARY KEY)");
}

EP_EXPORT const struct ep_plugin_info *EP_PLUGIN_ENTRY(void);

const struct ep_plugin_info *
EP_PLUGIN_ENTRY(void)
{
	static const struct ep_plugin_info info = {
		.size = sizeof(struct ep_plugin_info),
		.magic = EP_PLUGIN_MAGIC,
		.abi_major = EP_ABI_MAJOR,
		.abi_minor = 0,
		.host_size = OLD_HOST_SIZE,
		.name = "old-minor",
		.version = "1.0",
		.init = old_init,
	};
	return &info;
}
