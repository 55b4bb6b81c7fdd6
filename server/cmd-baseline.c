/* cmd-baseline.c: expertpool baseline set|list. */
#include "server.h"

#include <getopt.h>
#include <string.h>

#include <sqlite3.h>

static int
cmd_baseline_set(struct ep_db *db, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "org", required_argument, NULL, 'o' },
		{ "skill", required_argument, NULL, 's' },
		{ "inhouse", required_argument, NULL, 'i' },
		{ "market", required_argument, NULL, 'm' },
		{ "from", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct baseline_input in = { 0 };
	struct form_errors e = { 0 };
	struct audit_actor actor;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o': in.org_code = optarg; break;
		case 's': in.area = optarg; break;
		case 'i': in.inhouse = optarg; break;
		case 'm': in.market = optarg; break;
		case 'f': in.from = optarg; break;
		default: return cmd_usage("baseline");
		}
	}
	if (optind != argc)
		return cmd_usage("baseline");
	audit_actor_cli(&actor);
	if (baseline_set(db, &actor, &in, &e) != 0) {
		errs_print(&e, stderr);
		errs_free(&e);
		return CMD_ERROR;
	}
	printf("baseline for %s %s from %s set\n", in.org_code, in.area, in.from);
	return CMD_OK;
}

static int
cmd_baseline_list(struct ep_db *db)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT o.code, b.area, b.valid_from, "
	    "b.inhouse_pence, b.market_pence FROM baselines b JOIN organisations "
	    "o ON o.id = b.org_id ORDER BY o.code, b.area, b.valid_from");

	if (s == NULL)
		return CMD_ERROR;
	printf("%-12s %-12s %-10s %10s %10s\n", "ORG", "AREA", "FROM",
	    "INHOUSE", "MARKET");
	while (sqlite3_step(s) == SQLITE_ROW)
		printf("%-12s %-12s %-10s %10lld %10lld\n",
		    sqlite3_column_text(s, 0), sqlite3_column_text(s, 1),
		    sqlite3_column_text(s, 2),
		    (long long)sqlite3_column_int64(s, 3),
		    (long long)sqlite3_column_int64(s, 4));
	sqlite3_reset(s);
	return CMD_OK;
}

static int
cmd_baseline_exec(struct ep_db *db, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "set") == 0)
		return cmd_baseline_set(db, argc - 1, argv + 1);
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return cmd_baseline_list(db);
	return cmd_usage("baseline");
}

const struct cmd_entry cmd_baseline_entry = {
	.name = "baseline",
	.usage = "set --org CODE --skill AREA --inhouse PENCE --market PENCE "
	    "--from YYYY-MM-DD | list",
	.help = "cost baselines per organisation and skill area (pence an hour)",
	.needs_db = 1,
	.exec = cmd_baseline_exec,
};
