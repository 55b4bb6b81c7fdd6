/* cmd-plugins.c: expertpool plugins, listing what loaded. */
#include "server.h"

static int
cmd_plugins_exec(struct ep_db *db, int argc, char **argv)
{
	struct ep_plugin *p;

	(void)db;
	(void)argv;
	if (argc != 1)
		return cmd_usage("plugins");
	printf("plugin directory %s (ABI %d.%d)\n", cfg.plugins, EP_ABI_MAJOR,
	    EP_ABI_MINOR);
	for (p = plugin_first(); p != NULL; p = p->next)
		printf("  %-12s %-8s ABI %u.%u  %s\n", p->info->name,
		    p->info->version ? p->info->version : "-", p->info->abi_major,
		    p->info->abi_minor, p->path);
	return CMD_OK;
}

const struct cmd_entry cmd_plugins_entry = {
	.name = "plugins",
	.usage = "",
	.help = "list the plugins that load from the plugin directory",
	.exec = cmd_plugins_exec,
};
