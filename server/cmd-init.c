/* cmd-init.c: expertpool init and expertpool migrate. */
#include "server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The store was opened and migrated by cmd_main; say what it holds now. */
static int
cmd_init_exec(struct ep_db *db, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return cmd_usage("init");
	printf("store %s ready: schema %d, %zu plugin migration%s known\n",
	    db->path, db_user_version(db), plugin_nmigrations(),
	    plugin_nmigrations() == 1 ? "" : "s");
	return CMD_OK;
}

const struct cmd_entry cmd_init_entry = {
	.name = "init",
	.usage = "",
	.help = "create the store if missing and bring its schema up to date",
	.needs_db = 1,
	.exec = cmd_init_exec,
};

const struct cmd_entry cmd_migrate_entry = {
	.name = "migrate",
	.usage = "",
	.help = "apply pending core and plugin migrations (same as init)",
	.needs_db = 1,
	.exec = cmd_init_exec,
};
