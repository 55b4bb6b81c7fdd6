/* bad-abi.c: a test plugin built for another ABI major version. */
#include <expertpool/plugin.h>

static int
bad_init(ep_plugin *p, const struct ep_host *h)
{
	(void)p;
	(void)h;
	return 0;
}

EP_EXPORT const struct ep_plugin_info *EP_PLUGIN_ENTRY(void);

const struct ep_plugin_info *
EP_PLUGIN_ENTRY(void)
{
	static const struct ep_plugin_info info = {
		.size = sizeof(struct ep_plugin_info),
		.magic = EP_PLUGIN_MAGIC,
		.abi_major = EP_ABI_MAJOR + 1,
		.abi_minor = 0,
		.host_size = sizeof(struct ep_host),
		.name = "bad-abi",
		.version = "1.0",
		.init = bad_init,
	};
	return &info;
}
