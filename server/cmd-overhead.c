/* cmd-overhead.c: expertpool overhead log|costs|rule|rate|apportion. */
#include "server.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

/* Every option the subcommands take; each reads the ones it needs. */
struct oh_args {
	const char *login, *date, *hours, *activity, *note, *month, *category;
	const char *amount, *rule, *from, *rate, *period, *format;
};

/* Reads the options after the subcommand; -1 on an unknown one. */
static int
oh_args_parse(int argc, char **argv, struct oh_args *a)
{
	static const struct option opts[] = {
		{ "login", required_argument, NULL, 'l' },
		{ "date", required_argument, NULL, 'd' },
		{ "hours", required_argument, NULL, 'h' },
		{ "activity", required_argument, NULL, 'a' },
		{ "note", required_argument, NULL, 'n' },
		{ "month", required_argument, NULL, 'm' },
		{ "category", required_argument, NULL, 'c' },
		{ "amount", required_argument, NULL, 'A' },
		{ "rule", required_argument, NULL, 'r' },
		{ "from", required_argument, NULL, 'f' },
		{ "rate", required_argument, NULL, 'R' },
		{ "period", required_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	const char **slot[128] = { 0 };
	int c;

	memset(a, 0, sizeof *a);
	slot['l'] = &a->login;
	slot['d'] = &a->date;
	slot['h'] = &a->hours;
	slot['a'] = &a->activity;
	slot['n'] = &a->note;
	slot['m'] = &a->month;
	slot['c'] = &a->category;
	slot['A'] = &a->amount;
	slot['r'] = &a->rule;
	slot['f'] = &a->from;
	slot['R'] = &a->rate;
	slot['p'] = &a->period;
	slot['F'] = &a->format;
	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c <= 0 || c >= 128 || slot[c] == NULL)
			return -1;
		*slot[c] = optarg;
	}
	return optind == argc ? 0 : -1;
}

/* Prints the errors, frees them, and says the command failed. */
static int
oh_fail(struct form_errors *e)
{
	errs_print(e, stderr);
	errs_free(e);
	return CMD_ERROR;
}

/* overhead log: a person's overhead time. */
static int
cmd_overhead_log(struct ep_db *db, const struct oh_args *a)
{
	struct overhead_time_input in = { 0 };
	struct form_errors e = { 0 };
	struct audit_actor actor;
	int64_t id;

	in.person_id = a->login ? person_id_by_login(db, a->login) : 0;
	in.date = a->date;
	in.hours = a->hours;
	in.activity = a->activity;
	in.note = a->note;
	audit_actor_cli(&actor);
	if (overhead_time_log(db, &actor, &in, &e, &id) != 0)
		return oh_fail(&e);
	printf("overhead time %lld logged\n", (long long)id);
	return CMD_OK;
}

/* overhead costs list: every running cost of a month, or all, and totals. */
static int
cmd_overhead_list(struct ep_db *db, const struct oh_args *a)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT id, month, category, pence, note "
	    "FROM overhead_costs WHERE ?1 IS NULL OR month = ?1 ORDER BY month, "
	    "id");
	int64_t total = 0;
	char money[32];

	if (s == NULL)
		return CMD_ERROR;
	if (a->month != NULL)
		sqlite3_bind_text(s, 1, a->month, -1, SQLITE_STATIC);
	printf("%-6s %-7s %-13s %12s  %s\n", "ID", "MONTH", "CATEGORY",
	    "AMOUNT", "NOTE");
	while (sqlite3_step(s) == SQLITE_ROW) {
		units_money_plain(money, sizeof money, sqlite3_column_int64(s, 3));
		total += sqlite3_column_int64(s, 3);
		printf("%-6lld %-7s %-13s %12s  %s\n",
		    (long long)sqlite3_column_int64(s, 0), db_text(s, 1),
		    db_text(s, 2), money, db_text(s, 4));
	}
	sqlite3_reset(s);
	units_money_plain(money, sizeof money, total);
	printf("%-6s %-7s %-13s %12s\n", "", "", "total", money);
	return CMD_OK;
}

/* overhead costs add | edit ID | list. */
static int
cmd_overhead_costs(struct ep_db *db, int argc, char **argv)
{
	struct overhead_cost_input in = { 0 };
	struct form_errors e = { 0 };
	struct audit_actor actor;
	struct oh_args a;
	int64_t id = 0;
	int edit;

	if (argc < 2)
		return cmd_usage("overhead");
	edit = strcmp(argv[1], "edit") == 0;
	if (edit && (argc < 3 || parse_int64(argv[2], 1, INT64_MAX, &id) != 0))
		return cmd_usage("overhead");
	if (oh_args_parse(argc - 1 - edit, argv + 1 + edit, &a) != 0)
		return cmd_usage("overhead");
	if (strcmp(argv[1], "list") == 0)
		return cmd_overhead_list(db, &a);
	if (!edit && strcmp(argv[1], "add") != 0)
		return cmd_usage("overhead");
	in.month = a.month;
	in.category = a.category;
	in.amount = a.amount;
	in.note = a.note;
	audit_actor_cli(&actor);
	if (edit) {
		if (overhead_cost_edit(db, &actor, id, &in, &e) != 0) {
			if (e.n == 0)
				errs_add(&e, "id", "There is no running cost %lld",
				    (long long)id);
			return oh_fail(&e);
		}
		printf("running cost %lld saved\n", (long long)id);
		return CMD_OK;
	}
	if (overhead_cost_add(db, &actor, &in, &e, &id) != 0)
		return oh_fail(&e);
	printf("running cost %lld recorded\n", (long long)id);
	return CMD_OK;
}

/* overhead rule --rule R --from YYYY-MM. */
static int
cmd_overhead_rule(struct ep_db *db, const struct oh_args *a)
{
	struct form_errors e = { 0 };
	struct audit_actor actor;

	audit_actor_cli(&actor);
	if (overhead_rule_set(db, &actor, a->rule, a->from, &e) != 0)
		return oh_fail(&e);
	printf("overheads shared by %s from %s\n", a->rule, a->from);
	return CMD_OK;
}

/* overhead rate --rate POUNDS [--login L]. */
static int
cmd_overhead_rate(struct ep_db *db, const struct oh_args *a)
{
	struct form_errors e = { 0 };
	struct audit_actor actor;
	int64_t person = 0;

	if (a->login != NULL &&
	    (person = person_id_by_login(db, a->login)) <= 0) {
		errs_add(&e, "login", "There is no person with login %s",
		    a->login);
		return oh_fail(&e);
	}
	audit_actor_cli(&actor);
	if (overhead_rate_set(db, &actor, person, a->rate, &e) != 0)
		return oh_fail(&e);
	printf("overhead rate %s an hour for %s\n", a->rate, a->login ?
	    a->login : "everyone without their own");
	return CMD_OK;
}

/* One month's apportionment as CSV rows. */
static void
oh_csv_month(struct ep_db *db, const struct oh_month *m)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT code FROM organisations WHERE "
	    "id = ?");
	size_t i;

	printf("%s,,%s,%lld,%lld\r\n", m->month, m->equal_fallback ? "equal" :
	    m->rule, (long long)m->recorded_pence,
	    (long long)m->unapportioned_pence);
	for (i = 0; s != NULL && i < m->n; i++) {
		sqlite3_bind_int64(s, 1, m->shares[i].org_id);
		if (sqlite3_step(s) == SQLITE_ROW)
			printf("%s,%s,%s,%lld,%lld\r\n", m->month, db_text(s, 0),
			    m->equal_fallback ? "equal" : m->rule,
			    (long long)m->shares[i].basis,
			    (long long)m->shares[i].pence);
		sqlite3_reset(s);
	}
}

/*
 * overhead apportion --period P: each month's overheads recorded (the
 * row without an organisation: rule, recorded, unapportioned) and every
 * consuming council's basis and share, as CSV.
 */
static int
cmd_overhead_apportion(struct ep_db *db, const struct oh_args *a)
{
	struct rep_period p;
	struct oh_month m;
	char month[8];

	if (a->period == NULL || report_period_parse(a->period, &p) != 0) {
		fprintf(stderr, "expertpool: overhead: --period: enter a month "
		    "(2026-10), a quarter (2026-Q3) or a financial year (2026/27)\n");
		return CMD_ERROR;
	}
	printf("month,organisation,rule,basis,share_pence\r\n");
	snprintf(month, sizeof month, "%s", p.first);
	for (; strcmp(month, p.last) <= 0; overhead_month_next(month)) {
		if (overhead_month(db, month, &m) != 0) {
			fprintf(stderr, "expertpool: overhead: %s\n", db_errmsg(db));
			return CMD_ERROR;
		}
		oh_csv_month(db, &m);
		overhead_month_free(&m);
	}
	return CMD_OK;
}

static int
cmd_overhead_exec(struct ep_db *db, int argc, char **argv)
{
	struct oh_args a;

	if (argc >= 2 && strcmp(argv[1], "costs") == 0)
		return cmd_overhead_costs(db, argc - 1, argv + 1);
	if (argc < 2 || oh_args_parse(argc - 1, argv + 1, &a) != 0)
		return cmd_usage("overhead");
	if (strcmp(argv[1], "log") == 0)
		return cmd_overhead_log(db, &a);
	if (strcmp(argv[1], "rule") == 0)
		return cmd_overhead_rule(db, &a);
	if (strcmp(argv[1], "rate") == 0)
		return cmd_overhead_rate(db, &a);
	if (strcmp(argv[1], "apportion") == 0)
		return cmd_overhead_apportion(db, &a);
	return cmd_usage("overhead");
}

const struct cmd_entry cmd_overhead_entry = {
	.name = "overhead",
	.usage = "log --login L --date YYYY-MM-DD --hours H --activity "
	    "brokering|management|training|governance [--note TEXT] | costs "
	    "add|edit ID --month YYYY-MM --category accommodation|systems|"
	    "governance|other --amount POUNDS [--note TEXT] | costs list "
	    "[--month YYYY-MM] | rule --rule hours|spend|equal --from YYYY-MM | "
	    "rate --rate POUNDS [--login L] | apportion --period P",
	.help = "the pool's overhead time and running costs, the rule that "
	    "shares them, and each council's share",
	.needs_db = 1,
	.exec = cmd_overhead_exec,
};
