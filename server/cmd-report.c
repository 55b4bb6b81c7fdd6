/* cmd-report.c: expertpool report NAME|rebuild|check|target. */
#include "server.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <jansson.h>

/* Prints one summary's count (and, checking, its differing rows). */
static void
cmd_report_sum_cb(const char *table, int64_t rows, int64_t differ, void *arg)
{
	int check = *(int *)arg;

	if (check)
		printf("%-16s %8lld rows %8lld differ\n", table, (long long)rows,
		    (long long)differ);
	else
		printf("%-16s %8lld rows\n", table, (long long)rows);
}

/* report rebuild | check: recreate the summaries, or compare them. */
static int
cmd_report_sums(struct ep_db *db, int check)
{
	int64_t n = report_sum_rebuild(db, check, cmd_report_sum_cb, &check);

	if (n < 0) {
		fprintf(stderr, "expertpool: report: %s\n", db_errmsg(db));
		return CMD_ERROR;
	}
	if (check && n > 0) {
		fprintf(stderr, "expertpool: report: %lld summary rows differ from "
		    "a rebuild\n", (long long)n);
		return CMD_ERROR;
	}
	return CMD_OK;
}

/* report target --hours N: the consortium's response target. */
static int
cmd_report_target(struct ep_db *db, int argc, char **argv)
{
	struct audit_actor actor;
	int64_t minutes;

	if (argc != 4 || strcmp(argv[2], "--hours") != 0 ||
	    report_target_parse(argv[3], &minutes) != 0) {
		fprintf(stderr, "expertpool: report: target --hours takes a whole "
		    "number of hours from 1 to %d\n", REPORT_TARGET_MAX_HOURS);
		return CMD_ERROR;
	}
	audit_actor_cli(&actor);
	if (report_target_set(db, &actor, minutes) != 0) {
		fprintf(stderr, "expertpool: report: %s\n", db_errmsg(db));
		return CMD_ERROR;
	}
	printf("response target %lld hours\n", (long long)(minutes / 60));
	return CMD_OK;
}

/* Writes the buffer to standard output. */
static int
cmd_report_out(struct evbuffer *b)
{
	fflush(stdout);
	while (evbuffer_get_length(b) > 0)
		if (evbuffer_write(b, STDOUT_FILENO) < 0)
			return -1;
	return 0;
}

static int
cmd_report_exec(struct ep_db *db, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "org", required_argument, NULL, 'o' },
		{ "period", required_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'f' },
		{ "table", required_argument, NULL, 't' },
		{ "at", required_argument, NULL, 'a' },
		{ "names", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *org = NULL, *period = NULL, *format = "csv", *table = NULL;
	const char *at = NULL;
	const struct report_def *def;
	struct report rep;
	struct evbuffer *b = NULL;
	char err[256];
	int64_t org_id = 0;
	int c, names = 0, rc = CMD_ERROR;
	size_t i;

	if (argc == 2 && strcmp(argv[1], "rebuild") == 0)
		return cmd_report_sums(db, 0);
	if (argc == 2 && strcmp(argv[1], "check") == 0)
		return cmd_report_sums(db, 1);
	if (argc >= 2 && strcmp(argv[1], "target") == 0)
		return cmd_report_target(db, argc, argv);
	if (argc < 2 || (def = report_def_find(argv[1])) == NULL)
		return cmd_usage("report");
	optind = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o': org = optarg; break;
		case 'p': period = optarg; break;
		case 'f': format = optarg; break;
		case 't': table = optarg; break;
		case 'a': at = optarg; break;
		case 'n': names = 1; break;
		default: return cmd_usage("report");
		}
	}
	if (optind != argc - 1 || (strcmp(format, "csv") != 0 &&
	    strcmp(format, "json") != 0 && strcmp(format, "pdf") != 0))
		return cmd_usage("report");
	if (!def->consortium) {
		if (org == NULL || (org_id = org_id_by_code(db, org)) <= 0) {
			fprintf(stderr, "expertpool: report: --org names no "
			    "organisation\n");
			return CMD_ERROR;
		}
	}
	if (report_build(db, def, org_id, period, names, at, 0, &rep, err,
	    sizeof err) != 0) {
		fprintf(stderr, "expertpool: report: %s\n", err);
		return CMD_ERROR;
	}
	b = evbuffer_new();
	if (strcmp(format, "pdf") == 0) {
		char *title = def->consortium ? xprintf("%s, %s", def->title,
		    rep.period.label) : xprintf("%s: %s, %s", def->title,
		    rep.org_name, rep.period.label);

		c = report_pdf(&rep, title, b);
		free(title);
		if (c != 0) {
			fprintf(stderr, "expertpool: report: the PDF could not be "
			    "made\n");
			goto out;
		}
	} else if (strcmp(format, "json") == 0) {
		json_t *o = report_json(&rep);
		char *text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		evbuffer_add_printf(b, "%s\n", text);
		free(text);
		json_decref(o);
	} else if (table != NULL) {
		struct rep_table *t = report_find_table(&rep, table);

		if (t == NULL) {
			fprintf(stderr, "expertpool: report: %s has no table %s\n",
			    def->name, table);
			goto out;
		}
		report_csv(t, b);
	} else {
		/* Every table, each with its header, a blank line between. */
		for (i = 0; i < rep.ntables; i++) {
			if (i > 0)
				evbuffer_add(b, "\r\n", 2);
			report_csv(rep.tables[i], b);
		}
	}
	rc = cmd_report_out(b) == 0 ? CMD_OK : CMD_ERROR;
out:
	evbuffer_free(b);
	report_free(&rep);
	return rc;
}

const struct cmd_entry cmd_report_entry = {
	.name = "report",
	.usage = "volumes|unit-costs|savings|benchmark|resilience|quality|"
	    "overheads|case [--org CODE] [--period 2026-10|2026-Q3|2026/27] "
	    "[--format csv|json|pdf] [--table ID] "
	    "[--at YYYY-MM-DD] [--names] | rebuild | check | target --hours N",
	.help = "business-case reports; rebuild or check their summaries; set "
	    "the response target",
	.needs_db = 1,
	.exec = cmd_report_exec,
};
