/* needs-hello.c: a test plugin that requires hello, and sorts before it. */
#include <expertpool/plugin.h>

static int
needs_init(ep_plugin *p, const struct ep_host *h)
{
	return h->migration_add(p, 1, "CREATE VIEW needs_hello_visits AS "
	    "SELECT item FROM hello_visits");
}

static const char *const needs_requires[] = { "hello", NULL };

EP_PLUGIN_DECLARE("a-needs-hello", "1.0", needs_requires, needs_init, NULL)
