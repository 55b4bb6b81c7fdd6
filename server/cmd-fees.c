/* cmd-fees.c: expertpool fees check|quote|whatif, the fee engine's CLI. */
#include "server.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

struct quote_agreement {
	char ruleset[65];
	char consumer[16];
	char provider[16];
	char calendar[24];	/* the provider's; "" when none is named */
	char vat;
	char valid_from[11];
	char valid_to[11];
};

static int
fees_fail(const char *what, int st, const char *err)
{
	fprintf(stderr, "expertpool: fees %s: %s [%s]\n", what,
	    err ? err : "failed", fee_status_name(st));
	return CMD_ERROR;
}

/* The store the command needs, opened and migrated as cmd_main would. */
static struct ep_db *
fees_db(void)
{
	struct ep_db *db;
	char *err = NULL;
	int applied = 0;

	db = db_open(cfg.db, cfg.busy_timeout_ms, &err);
	if (db == NULL || migrate_all(db, &applied, &err) != 0) {
		fprintf(stderr, "expertpool: %s\n", err);
		free(err);
		db_close(db);
		return NULL;
	}
	return db;
}

static struct fee_engine *
fees_engine(struct ep_db *db)
{
	struct fee_engine *fe;
	char *err = NULL;

	fe = fee_open(cfg.rules, db, &err);
	if (fe == NULL) {
		fprintf(stderr, "expertpool: %s\n", err);
		free(err);
	}
	return fe;
}

/* fees check FILE: load it sandboxed and run FILE's NAME_test.lua. */
static int
fees_check(int argc, char **argv)
{
	struct fee_engine *fe;
	struct fee_ruleset *rs;
	char *err = NULL;
	int n, st, rc = CMD_ERROR;

	if (argc != 3)
		return cmd_usage("fees");
	if ((fe = fees_engine(NULL)) == NULL)
		return CMD_ERROR;
	st = fee_check(fe, argv[2], &n, &err);
	if (st != FEE_OK) {
		rc = fees_fail("check", st, err);
		goto out;
	}
	rs = fee_load(fe, argv[2], 0, &err);
	if (rs == NULL) {
		rc = fees_fail("check", FEE_E_RUNTIME, err);
		goto out;
	}
	printf("%s: ok, %d test case%s pass, version %s\n", argv[2], n,
	    n == 1 ? "" : "s", fee_ruleset_hash(rs));
	fee_ruleset_free(rs);
	rc = CMD_OK;
out:
	free(err);
	fee_close(fe);
	return rc;
}

/* The agreement's rule set, parties and terms; 0, or -1 with a message. */
static int
fees_agreement(struct ep_db *db, int64_t id, struct quote_agreement *a)
{
	sqlite3_stmt *s = db_stmt(db,
	    "SELECT a.ruleset, c.code, p.code, a.vat_category, a.valid_from, "
	    "coalesce(a.valid_to, ''), coalesce(p.calendar, '') FROM agreements a "
	    "LEFT JOIN organisations c ON c.id = a.consumer_id "
	    "LEFT JOIN organisations p ON p.id = a.provider_id WHERE a.id = ?");
	int found;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	found = sqlite3_step(s) == SQLITE_ROW;
	if (found) {
		const char *c = (const char *)sqlite3_column_text(s, 1);
		const char *p = (const char *)sqlite3_column_text(s, 2);

		snprintf(a->ruleset, sizeof a->ruleset, "%s",
		    sqlite3_column_text(s, 0));
		snprintf(a->consumer, sizeof a->consumer, "%s", c ? c : "");
		snprintf(a->provider, sizeof a->provider, "%s", p ? p : "");
		a->vat = (char)sqlite3_column_text(s, 3)[0];
		snprintf(a->valid_from, sizeof a->valid_from, "%s",
		    sqlite3_column_text(s, 4));
		snprintf(a->valid_to, sizeof a->valid_to, "%s",
		    sqlite3_column_text(s, 5));
		snprintf(a->calendar, sizeof a->calendar, "%s",
		    sqlite3_column_text(s, 6));
	}
	sqlite3_reset(s);
	if (!found)
		fprintf(stderr, "expertpool: fees quote: --agreement: no "
		    "agreement %lld\n", (long long)id);
	return found ? 0 : -1;
}

/* Keeps the quote as given, with the version that priced it. */
static int64_t
fees_save_quote(struct ep_db *db, int64_t agreement, const char *hash,
    const struct fee_entry *e, int64_t total)
{
	sqlite3_stmt *s = db_stmt(db, "INSERT INTO fee_quotes (agreement_id, "
	    "ruleset_hash, entry_date, minutes, activity, out_of_hours, grade, "
	    "basis, total_pence, calendar) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	int64_t id = -1;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, agreement);
	sqlite3_bind_text(s, 2, hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, e->date, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, e->minutes);
	sqlite3_bind_text(s, 5, e->activity, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 6, e->out_of_hours);
	sqlite3_bind_text(s, 7, e->grade, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, e->basis, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 9, total);
	sqlite3_bind_text(s, 10, e->calendar, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(db->sql);
	sqlite3_reset(s);
	return id;
}

static void
fees_print_lines(const struct fee_lines *l)
{
	char up[32], am[32];
	size_t i;

	for (i = 0; i < l->n; i++) {
		const struct fee_line *ln = &l->v[i];

		units_money_text(up, sizeof up, ln->unit_price);
		units_money_text(am, sizeof am, ln->amount);
		printf("  %-40s %4lld x %-8s @ %10s = %10s  VAT %c\n",
		    ln->description, (long long)ln->quantity, ln->unit, up, am,
		    ln->vat);
	}
}

/*
 * fees quote --agreement ID --minutes N --date D --activity A --grade G
 * [--basis B] [--out-of-hours] [--calendar NAME]: prices one entry under
 * the agreement's active rule set, in its provider's bank holiday
 * calendar (--calendar where the agreement names no provider; England
 * and Wales without it), and records the quote. Most of its length is
 * the options' parsing and their errors, each naming its option.
 */
static int
fees_quote(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "agreement", required_argument, NULL, 'a' },
		{ "minutes", required_argument, NULL, 'm' },
		{ "date", required_argument, NULL, 'd' },
		{ "activity", required_argument, NULL, 'A' },
		{ "grade", required_argument, NULL, 'g' },
		{ "basis", required_argument, NULL, 'b' },
		{ "out-of-hours", no_argument, NULL, 'o' },
		{ "calendar", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	struct quote_agreement a;
	struct fee_entry e;
	struct fee_lines lines = { 0 };
	struct ep_db *db = NULL;
	struct fee_engine *fe = NULL;
	struct fee_ruleset *rs;
	const char *agreement = NULL, *minutes = NULL, *calendar = NULL;
	char *err = NULL, money[32];
	int64_t id = 0, quote;
	int c, st, rc = CMD_ERROR;

	memset(&e, 0, sizeof e);
	e.basis = "hourly";
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "+", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': agreement = optarg; break;
		case 'm': minutes = optarg; break;
		case 'd': e.date = optarg; break;
		case 'A': e.activity = optarg; break;
		case 'g': e.grade = optarg; break;
		case 'b': e.basis = optarg; break;
		case 'o': e.out_of_hours = 1; break;
		case 'c': calendar = optarg; break;
		default: return cmd_usage("fees");
		}
	}
	if (optind + 1 != argc)
		return cmd_usage("fees");
	if (agreement == NULL || parse_int64(agreement, 1, INT64_MAX, &id) != 0) {
		fprintf(stderr, "expertpool: fees quote: --agreement: must be an "
		    "agreement number\n");
		return CMD_USAGE;
	}
	if (minutes == NULL || parse_int64(minutes, 0, 1440, &e.minutes) != 0) {
		fprintf(stderr, "expertpool: fees quote: --minutes: must be a "
		    "whole number from 0 to 1440\n");
		return CMD_USAGE;
	}
	if (!units_date_ok(e.date)) {
		fprintf(stderr, "expertpool: fees quote: --date: must be a date, "
		    "YYYY-MM-DD\n");
		return CMD_USAGE;
	}
	if (e.activity == NULL || e.grade == NULL) {
		fprintf(stderr, "expertpool: fees quote: --%s: missing\n",
		    e.activity == NULL ? "activity" : "grade");
		return CMD_USAGE;
	}
	if (calendar != NULL && !fee_valid_calendar(calendar)) {
		fprintf(stderr, "expertpool: fees quote: --calendar: must be "
		    "england-and-wales, scotland or northern-ireland\n");
		return CMD_USAGE;
	}
	if ((db = fees_db()) == NULL || (fe = fees_engine(db)) == NULL)
		goto out;
	if (fees_agreement(db, id, &a) != 0)
		goto out;
	if (strcmp(e.date, a.valid_from) < 0 ||
	    (a.valid_to[0] != '\0' && strcmp(e.date, a.valid_to) > 0)) {
		fprintf(stderr, "expertpool: fees quote: --date: %s is outside "
		    "agreement %lld (%s to %s)\n", e.date, (long long)id,
		    a.valid_from, a.valid_to[0] ? a.valid_to : "open");
		goto out;
	}
	if (calendar != NULL && a.calendar[0] != '\0' &&
	    strcmp(calendar, a.calendar) != 0) {
		fprintf(stderr, "expertpool: fees quote: --calendar: agreement "
		    "%lld's provider %s keeps the %s calendar\n", (long long)id,
		    a.provider, a.calendar);
		goto out;
	}
	e.consumer = a.consumer;
	e.provider = a.provider;
	e.agreement = id;
	e.vat = a.vat;
	e.calendar = a.calendar[0] != '\0' ? a.calendar : calendar != NULL ?
	    calendar : fee_calendars[0][0];
	if ((rs = fee_ruleset(fe, a.ruleset, &err)) == NULL) {
		rc = fees_fail("quote", FEE_E_NOTFOUND, err);
		goto out;
	}
	st = fee_price(rs, &e, &lines, &err);
	if (st != FEE_OK) {
		rc = fees_fail("quote", st, err);
		goto out;
	}
	quote = fees_save_quote(db, id, fee_ruleset_hash(rs), &e, lines.total);
	if (quote < 0) {
		fprintf(stderr, "expertpool: fees quote: store: %s\n",
		    db_errmsg(db));
		goto out;
	}
	printf("quote %lld: agreement %lld, %s for %s, rule set %s %s, "
	    "calendar %s\n", (long long)quote, (long long)id,
	    a.provider[0] ? a.provider : "-", a.consumer[0] ? a.consumer : "-",
	    a.ruleset, fee_ruleset_hash(rs), e.calendar);
	fees_print_lines(&lines);
	units_money_text(money, sizeof money, lines.total);
	printf("total %s (%lldp), VAT category %c\n", money,
	    (long long)lines.total, lines.vat);
	rc = CMD_OK;
out:
	free(err);
	fee_lines_free(&lines);
	fee_close(fe);
	db_close(db);
	return rc;
}

struct whatif_totals {
	int64_t old_total;
	int64_t new_total;
	int rows;
};

static void
fees_whatif_cb(const struct fee_whatif_row *r, void *arg)
{
	struct whatif_totals *t = arg;
	char o[32], n[32], d[32];

	if (t->rows++ == 0)
		printf("%-12s %8s %8s %14s %14s %14s %8s\n", "consumer",
		    "invoices", "entries", "old", "new", "difference", "changed");
	units_money_text(o, sizeof o, r->old_total);
	units_money_text(n, sizeof n, r->new_total);
	units_money_text(d, sizeof d, r->new_total - r->old_total);
	printf("%-12s %8lld %8lld %14s %14s %14s %8lld\n", r->consumer,
	    (long long)r->invoices, (long long)r->entries, o, n, d,
	    (long long)r->changed);
	t->old_total += r->old_total;
	t->new_total += r->new_total;
}

/* fees whatif --period YYYY-MM --ruleset FILE: re-price, change nothing. */
static int
fees_whatif(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "period", required_argument, NULL, 'p' },
		{ "ruleset", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct whatif_totals t = { 0, 0, 0 };
	struct ep_db *db = NULL;
	struct fee_engine *fe = NULL;
	const char *period = NULL, *ruleset = NULL;
	char *err = NULL, o[32], n[32], d[32];
	struct stat sb;
	int c, st, rc = CMD_ERROR;

	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "+", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': period = optarg; break;
		case 'r': ruleset = optarg; break;
		default: return cmd_usage("fees");
		}
	}
	if (optind + 1 != argc)
		return cmd_usage("fees");
	if (!units_month_ok(period)) {
		fprintf(stderr, "expertpool: fees whatif: --period: must be a "
		    "month, YYYY-MM\n");
		return CMD_USAGE;
	}
	if (ruleset == NULL || stat(ruleset, &sb) != 0) {
		fprintf(stderr, "expertpool: fees whatif: --ruleset: %s\n",
		    ruleset ? "no such file" : "missing");
		return CMD_USAGE;
	}
	if ((db = fees_db()) == NULL || (fe = fees_engine(db)) == NULL)
		goto out;
	st = fee_whatif(db, fe, period, NULL, ruleset, fees_whatif_cb, NULL,
	    &t, &err);
	if (st == FEE_E_NOTFOUND) {
		printf("%s\n", err);
		rc = CMD_OK;
		goto out;
	}
	if (st != FEE_OK) {
		rc = fees_fail("whatif", st, err);
		goto out;
	}
	if (t.rows == 0)
		printf("no invoices in %s\n", period);
	else {
		units_money_text(o, sizeof o, t.old_total);
		units_money_text(n, sizeof n, t.new_total);
		units_money_text(d, sizeof d, t.new_total - t.old_total);
		printf("%-12s %8s %8s %14s %14s %14s\n", "total", "", "", o, n,
		    d);
		printf("old: what the month's invoices came to before VAT; new: "
		    "what they would under %s\n", ruleset);
	}
	rc = CMD_OK;
out:
	free(err);
	fee_close(fe);
	db_close(db);
	return rc;
}

static int
cmd_fees_exec(struct ep_db *db, int argc, char **argv)
{
	(void)db;
	if (argc < 2)
		return cmd_usage("fees");
	if (strcmp(argv[1], "check") == 0)
		return fees_check(argc, argv);
	if (strcmp(argv[1], "quote") == 0)
		return fees_quote(argc, argv);
	if (strcmp(argv[1], "whatif") == 0)
		return fees_whatif(argc, argv);
	fprintf(stderr, "expertpool: fees: unknown subcommand \"%s\"\n",
	    argv[1]);
	return cmd_usage("fees");
}

const struct cmd_entry cmd_fees_entry = {
	.name = "fees",
	.usage = "check FILE | quote --agreement ID --minutes N --date "
	    "YYYY-MM-DD --activity A --grade G [--basis B] [--out-of-hours] "
	    "[--calendar NAME] | whatif --period YYYY-MM --ruleset FILE",
	.help = "check a fee rule set, quote an entry, or re-price a past month "
	    "with a candidate rule set",
	.exec = cmd_fees_exec,
};
