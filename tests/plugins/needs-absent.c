/* needs-absent.c: a test plugin that requires a plugin nobody installed. */
#include <expertpool/plugin.h>

static int
needs_init(ep_plugin *p, const struct ep_host *h)
{
	(void)p;
	(void)h;
	return 0;
}

static const char *const needs_requires[] = { "hello", "absent-plugin",
	NULL };

EP_PLUGIN_DECLARE("needs-absent", "1.0", needs_requires, needs_init, NULL)
