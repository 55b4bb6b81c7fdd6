/* cmd-help.c: expertpool help and expertpool version. */
#include "server.h"

#include <string.h>

static int
cmd_help_exec(struct ep_db *db, int argc, char **argv)
{
	size_t i;

	(void)db;
	if (argc > 2)
		return cmd_usage("help");
	if (argc == 2) {
		const struct cmd_entry *e = cmd_find(argv[1]);
		const struct plugin_command *pc = plugin_command_find(argv[1]);

		if (e == NULL && pc == NULL) {
			fprintf(stderr, "expertpool: no command \"%s\"\n", argv[1]);
			return CMD_ERROR;
		}
		printf("usage: expertpool %s %s\n", argv[1],
		    e ? e->usage : pc->usage);
		if (e != NULL)
			printf("\n%s\n", e->help);
		return CMD_OK;
	}
	printf("usage: expertpool [--db PATH] [--config FILE] [--plugins DIR] "
	    "COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < cmd_count; i++)
		printf("  %-10s %s\n", cmd_table[i]->name, cmd_table[i]->help);
	for (i = 0; i < plugin_ncommands(); i++) {
		const struct plugin_command *pc = plugin_command_at(i);

		printf("  %-10s %s (plugin %s)\n", pc->name, pc->usage,
		    pc->owner->info->name);
	}
	return CMD_OK;
}

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.usage = "[COMMAND]",
	.help = "list the commands, or show one command's usage",
	.exec = cmd_help_exec,
};

static int
cmd_version_exec(struct ep_db *db, int argc, char **argv)
{
	(void)db;
	(void)argv;
	if (argc != 1)
		return cmd_usage("version");
	printf("expertpool %s (plugin ABI %d.%d, schema %d)\n", PACKAGE_VERSION,
	    EP_ABI_MAJOR, EP_ABI_MINOR,
	    core_nmigrations ? core_migrations[core_nmigrations - 1].version : 0);
	return CMD_OK;
}

const struct cmd_entry cmd_version_entry = {
	.name = "version",
	.usage = "",
	.help = "print the version, plugin ABI and schema version",
	.exec = cmd_version_exec,
};
