/* abi-1.c: a test plugin as ABI 1.x built them, magic first, no size. */
#include <expertpool/plugin.h>

/* The info block of ABI 1.x, as a 1.6 plugin returned it. */
struct info_1 {
	uint32_t magic;
	uint16_t abi_major;
	uint16_t abi_minor;
	uint32_t info_size;
	uint32_t host_size;
	const char *name;
	const char *version;
	int (*init)(ep_plugin *self, const struct ep_host *host);
	void (*fini)(ep_plugin *self);
};

static int
old_init(ep_plugin *p, const struct ep_host *h)
{
	(void)p;
	(void)h;
	return 0;
}

EP_EXPORT const struct ep_plugin_info *EP_PLUGIN_ENTRY(void);

const struct ep_plugin_info *
EP_PLUGIN_ENTRY(void)
{
	static const struct info_1 info = {
		.magic = EP_PLUGIN_MAGIC,
		.abi_major = 1,
		.abi_minor = 6,
		.info_size = sizeof(struct info_1),
		.host_size = 700,
		.name = "abi-1",
		.version = "1.0",
		.init = old_init,
	};
	return (const struct ep_plugin_info *)(const void *)&info;
}
