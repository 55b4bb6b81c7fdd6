/* cmd-agreement.c: expertpool agreement add|vary|list. */
#include "server.h"

#include <getopt.h>
#include <string.h>

#include <sqlite3.h>

static int
cmd_agreement_add(struct ep_db *db, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "provider", required_argument, NULL, 'p' },
		{ "consumer", required_argument, NULL, 'c' },
		{ "default", no_argument, NULL, 'd' },
		{ "ruleset", required_argument, NULL, 'r' },
		{ "terms", required_argument, NULL, 't' },
		{ "cap", required_argument, NULL, 'm' },
		{ "vat", required_argument, NULL, 'v' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	struct agreement_input in = { 0 };
	struct form_errors e = { 0 };
	struct audit_actor actor;
	int64_t id;
	int c, dflt = 0;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': in.provider = optarg; break;
		case 'c': in.consumer = optarg; break;
		case 'd': dflt = 1; break;
		case 'r': in.ruleset = optarg; break;
		case 't': in.payment_terms = optarg; break;
		case 'm': in.monthly_cap = optarg; break;
		case 'v': in.vat = optarg; break;
		case 'f': in.valid_from = optarg; break;
		case 'u': in.valid_to = optarg; break;
		default: return cmd_usage("agreement");
		}
	}
	if (optind != argc || (dflt && (in.provider || in.consumer)) ||
	    (!dflt && (in.provider == NULL || in.consumer == NULL))) {
		fprintf(stderr, "expertpool: give --provider and --consumer, or "
		    "--default\n");
		return cmd_usage("agreement");
	}
	audit_actor_cli(&actor);
	if (agreement_add(db, &actor, &in, &e, &id) != 0) {
		errs_print(&e, stderr);
		errs_free(&e);
		return CMD_ERROR;
	}
	printf("agreement %lld created\n", (long long)id);
	return CMD_OK;
}

/* A new version of an agreement from a date, with the terms given. */
static int
cmd_agreement_vary(struct ep_db *db, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "ruleset", required_argument, NULL, 'r' },
		{ "terms", required_argument, NULL, 't' },
		{ "cap", required_argument, NULL, 'm' },
		{ "vat", required_argument, NULL, 'v' },
		{ "to", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	struct agreement_input in = { 0 };
	struct form_errors e = { 0 };
	struct audit_actor actor;
	int64_t id, new_id;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f': in.valid_from = optarg; break;
		case 'r': in.ruleset = optarg; break;
		case 't': in.payment_terms = optarg; break;
		case 'm': in.monthly_cap = optarg; break;
		case 'v': in.vat = optarg; break;
		case 'u': in.valid_to = optarg; break;
		default: return cmd_usage("agreement");
		}
	}
	if (optind != argc - 1)
		return cmd_usage("agreement");
	if (parse_int64(argv[optind], 1, INT64_MAX, &id) != 0) {
		fprintf(stderr, "expertpool: id: give the agreement's id, a number "
		    "(see expertpool agreement list)\n");
		return CMD_USAGE;
	}
	audit_actor_cli(&actor);
	if (agreement_vary(db, &actor, id, &in, &e, &new_id) != 0) {
		errs_print(&e, stderr);
		errs_free(&e);
		return CMD_ERROR;
	}
	printf("agreement %lld varied: version %lld from %s\n", (long long)id,
	    (long long)new_id, in.valid_from);
	return CMD_OK;
}

static int
cmd_agreement_list(struct ep_db *db)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT a.id, coalesce(p.code, '*'), "
	    "coalesce(c.code, '*'), a.ruleset, a.payment_terms_days, "
	    "a.monthly_cap_pence, a.vat_category, a.valid_from, "
	    "coalesce(a.valid_to, '-') FROM agreements a LEFT JOIN organisations "
	    "p ON p.id = a.provider_id LEFT JOIN organisations c ON "
	    "c.id = a.consumer_id ORDER BY a.id");
	char cap[32];

	if (s == NULL)
		return CMD_ERROR;
	printf("%-4s %-8s %-8s %-12s %-5s %-14s %-3s %-10s %s\n", "ID",
	    "PROVIDER", "CONSUMER", "RULESET", "TERMS", "MONTHLY CAP", "VAT",
	    "FROM", "TO");
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (sqlite3_column_type(s, 5) == SQLITE_NULL)
			snprintf(cap, sizeof cap, "-");
		else
			units_money_text(cap, sizeof cap, sqlite3_column_int64(s, 5));
		printf("%-4lld %-8s %-8s %-12s %-5d %-14s %-3s %-10s %s\n",
		    (long long)sqlite3_column_int64(s, 0), sqlite3_column_text(s, 1),
		    sqlite3_column_text(s, 2), sqlite3_column_text(s, 3),
		    sqlite3_column_int(s, 4), cap, sqlite3_column_text(s, 6),
		    sqlite3_column_text(s, 7), sqlite3_column_text(s, 8));
	}
	sqlite3_reset(s);
	return CMD_OK;
}

static int
cmd_agreement_exec(struct ep_db *db, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return cmd_agreement_add(db, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "vary") == 0)
		return cmd_agreement_vary(db, argc - 1, argv + 1);
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return cmd_agreement_list(db);
	return cmd_usage("agreement");
}

const struct cmd_entry cmd_agreement_entry = {
	.name = "agreement",
	.usage = "add (--provider CODE --consumer CODE | --default) --ruleset NAME "
	    "[--terms DAYS] [--cap POUNDS] [--vat S|O] [--from DATE] [--to DATE] "
	    "| vary ID --from DATE [--ruleset NAME] [--terms DAYS] "
	    "[--cap POUNDS|''] [--vat S|O] [--to DATE|''] | list",
	.help = "add, vary (a new version from a date) or list agreements "
	    "between providers and consumers",
	.needs_db = 1,
	.exec = cmd_agreement_exec,
};
