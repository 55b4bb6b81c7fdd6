/* cmd.c: the CLI's command table, global flags and dispatch. */
#include "server.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

/* Every core command; plugins add theirs at load. Alphabetical. */
const struct cmd_entry *const cmd_table[] = {
	&cmd_agreement_entry,
	&cmd_audit_entry,
	&cmd_backup_entry,
	&cmd_baseline_entry,
	&cmd_expert_entry,
	&cmd_fees_entry,
	&cmd_help_entry,
	&cmd_init_entry,
	&cmd_migrate_entry,
	&cmd_org_entry,
	&cmd_overhead_entry,
	&cmd_plugins_entry,
	&cmd_report_entry,
	&cmd_routes_entry,
	&cmd_token_entry,
	&cmd_user_entry,
	&cmd_version_entry,
};
const size_t cmd_count = nitems(cmd_table);

const struct cmd_entry *
cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < cmd_count; i++) {
		if (strcmp(cmd_table[i]->name, name) == 0)
			return cmd_table[i];
	}
	return NULL;
}

/* Prints a command's usage line to stderr; returns CMD_USAGE. */
int
cmd_usage(const char *name)
{
	const struct cmd_entry *e = cmd_find(name);
	const struct plugin_command *pc = plugin_command_find(name);

	fprintf(stderr, "usage: expertpool %s %s\n", name,
	    e ? e->usage : pc ? pc->usage : "");
	return CMD_USAGE;
}

/*
 * A subcommand's options by its table, in place of a getopt_long loop of
 * its own: each option's argument kept, flag set or callback called; then
 * exactly operands arguments must follow. Returns the first operand's
 * index, or -1 after printing cmd's usage line.
 */
int
cmd_options(const char *cmd, int argc, char **argv,
    const struct cmd_option *opts, int operands)
{
	struct option lo[CMD_MAX_OPTIONS + 1];
	const struct cmd_option *o;
	size_t n = 0;
	int c;

	for (o = opts; o->name != NULL && n < CMD_MAX_OPTIONS; o++, n++) {
		lo[n].name = o->name;
		lo[n].has_arg = o->flag != NULL ? no_argument : required_argument;
		lo[n].flag = NULL;
		lo[n].val = (int)n + 1;
	}
	memset(&lo[n], 0, sizeof lo[n]);
	optind = 0;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (c < 1 || (size_t)c > n) {
			cmd_usage(cmd);
			return -1;
		}
		o = &opts[c - 1];
		if (o->flag != NULL)
			*o->flag = o->set;
		else if (o->each != NULL)
			o->each(optarg, o->arg);
		else
			*o->value = optarg;
	}
	if (argc - optind != operands) {
		cmd_usage(cmd);
		return -1;
	}
	return optind;
}

static void
cmd_global_usage(FILE *f)
{
	fprintf(f, "usage: expertpool [--db PATH] [--config FILE] [--plugins DIR] "
	    "[--rules DIR] COMMAND [ARGS]\n"
	    "       expertpool help   lists the commands\n");
}

/*
 * expertpool [global flags] COMMAND [ARGS]: loads the configuration and the
 * plugins (whose commands join the table), opens and migrates the store when
 * the command needs it, and runs the command. One function for the same
 * reason as the server's main: the order of its steps is the point.
 */
int
cmd_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "plugins", required_argument, NULL, 'p' },
		{ "rules", required_argument, NULL, 'r' },
		/* The old name of --rules, for scripts written before it. */
		{ "scripts", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db_path = NULL, *config_path = NULL, *plugins_dir = NULL;
	const char *rules_dir = NULL;
	const struct cmd_entry *e;
	const struct plugin_command *pc = NULL;
	struct ep_db *db = NULL;
	struct fee_engine *fees = NULL;
	char *err = NULL;
	int c, applied = 0, rc = CMD_ERROR;

	config_defaults(&cfg);
	log_init(EP_LOG_WARN);
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db_path = optarg;
			break;
		case 'c':
			config_path = optarg;
			break;
		case 'p':
			plugins_dir = optarg;
			break;
		case 'r':
			rules_dir = optarg;
			break;
		case 'h':
			cmd_global_usage(stdout);
			rc = CMD_OK;
			goto out;
		default:
			cmd_global_usage(stderr);
			rc = CMD_USAGE;
			goto out;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		cmd_global_usage(stderr);
		rc = CMD_USAGE;
		goto out;
	}
	if ((config_path != NULL && config_load(&cfg, config_path, &err) != 0) ||
	    (db_path != NULL && config_set(&cfg, "db", db_path, &err) != 0) ||
	    (plugins_dir != NULL &&
	    config_set(&cfg, "plugins", plugins_dir, &err) != 0) ||
	    (rules_dir != NULL &&
	    config_set(&cfg, "rules", rules_dir, &err) != 0)) {
		rc = CMD_USAGE;
		goto fail;
	}
	if (sodium_init() < 0) {
		err = xstrdup("libsodium failed to initialise");
		goto fail;
	}
	if (plugin_load_dir(cfg.plugins, &err) != 0)
		goto fail;
	e = cmd_find(argv[0]);
	if (e == NULL && (pc = plugin_command_find(argv[0])) == NULL) {
		fprintf(stderr, "expertpool: unknown command \"%s\"; "
		    "\"expertpool help\" lists them\n", argv[0]);
		rc = CMD_USAGE;
		goto out;
	}
	if (pc != NULL || e->needs_db) {
		db = db_open(cfg.db, cfg.busy_timeout_ms, &err);
		if (db == NULL)
			goto fail;
		if (migrate_all(db, &applied, &err) != 0)
			goto fail;
	}
	optind = 1;
	if (pc != NULL) {
		/* Plugin commands price with the fee rules, as the server does;
		 * without them, pricing says so to the plugin that asks. */
		if ((fees = fee_open(cfg.rules, db, &err)) == NULL) {
			log_info("fees: %s; no fee rule sets", err);
			free(err);
			err = NULL;
		} else
			fee_reload(fees, NULL);
		fee_set_server(fees);
		rc = pc->fn(db, argc, argv, pc->arg);
		fee_set_server(NULL);
		fee_close(fees);
	} else
		rc = e->exec(db, argc, argv);
	goto out;
fail:
	fprintf(stderr, "expertpool: %s\n", err ? err : "failed");
	free(err);
out:
	log_flush();
	db_close(db);
	plugin_unload_all();
	route_clear();
	config_free(&cfg);
	return rc;
}
