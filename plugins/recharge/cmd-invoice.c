/* cmd-invoice.c: expertpool invoice run|list|issue|credit|paid|verify|export|
 * endpoint, and expertpool netting. */
#include "recharge.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A progress bar on a terminal: redrawn in place, at most 100 times. */
static void
rch_bar_cb(int64_t done, int64_t total, void *arg)
{
	int *last = arg, pct = total > 0 ? (int)(done * 100 / total) : 100;
	char bar[41];
	int i;

	if (pct == *last)
		return;
	*last = pct;
	for (i = 0; i < 40; i++)
		bar[i] = i < pct * 40 / 100 ? '#' : '.';
	bar[40] = '\0';
	fprintf(stderr, "\r[%s] %3d%% %lld/%lld entries", bar, pct,
	    (long long)done, (long long)total);
	if (done >= total)
		fprintf(stderr, "\n");
}

static const char *
rch_opt(int argc, char **argv, const char *name)
{
	int i;

	for (i = 2; i < argc - 1; i++) {
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	}
	return NULL;
}

static int
rch_flag(int argc, char **argv, const char *name)
{
	int i;

	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], name) == 0)
			return 1;
	}
	return 0;
}

static int
rch_cmd_run(ep_db *db, int argc, char **argv)
{
	const struct ep_host *h = rch_host;
	const char *period = rch_opt(argc, argv, "--period");
	const char *code = rch_opt(argc, argv, "--provider");
	int dry = rch_flag(argc, argv, "--dry-run"), last = -1, rc;
	struct rch_run_summary sum;
	char err[512], money[32];
	int64_t provider = 0;
	ep_fees *f;

	if (period == NULL) {
		fprintf(stderr, "usage: expertpool invoice run --period YYYY-MM "
		    "[--provider CODE] [--dry-run]\n");
		return 2;
	}
	if (code != NULL) {
		ep_stmt *s = h->db_prepare(db, "SELECT id FROM organisations "
		    "WHERE code = ?");

		h->stmt_bind_text(s, 1, code);
		if (h->stmt_step(s) == EP_STEP_ROW)
			provider = h->stmt_int64(s, 0);
		h->stmt_reset(s);
		if (provider == 0) {
			fprintf(stderr, "expertpool: invoice run: --provider: no "
			    "organisation has the code \"%s\"\n", code);
			return 1;
		}
	}
	if ((f = h->fees_open(db, err, sizeof err)) == NULL) {
		fprintf(stderr, "expertpool: %s\n", err);
		return 1;
	}
	rc = rch_run(db, f, period, provider, dry, 0, stdout,
	    isatty(STDERR_FILENO) && isatty(STDOUT_FILENO) ? rch_bar_cb : NULL,
	    &last, &sum, err, sizeof err);
	h->fees_close(f);
	if (rc != 0) {
		fprintf(stderr, "expertpool: invoice run %s: %s\n", period, err);
		return 1;
	}
	rch_host->money_plain(money, sizeof money, sum.net);
	printf("%s%s%s%s: %lld entries on %lld lines in %lld draft invoices, "
	    "net %s\n", dry ? "dry run, nothing saved: " : "", period,
	    code ? " for " : "", code ? code : "", (long long)sum.entries,
	    (long long)sum.lines, (long long)sum.invoices, money);
	return 0;
}

static int
rch_cmd_list(ep_db *db, int argc, char **argv)
{
	const struct ep_host *h = rch_host;
	const char *period = rch_opt(argc, argv, "--period");
	ep_stmt *s = h->db_prepare(db, "SELECT i.id, coalesce(i.number, '-'), "
	    "i.kind, i.state, i.period, p.code, c.code, i.vat_category, "
	    "i.net_pence, i.vat_pence, i.total_pence FROM recharge_invoices i "
	    "JOIN organisations p ON p.id = i.provider_id JOIN organisations c "
	    "ON c.id = i.consumer_id WHERE ?1 IS NULL OR i.period = ?1 ORDER BY "
	    "i.period, p.code, c.code, i.id");
	char a[32], b[32], c[32];

	if (period != NULL)
		h->stmt_bind_text(s, 1, period);
	while (h->stmt_step(s) == EP_STEP_ROW) {
		rch_host->money_plain(a, sizeof a, h->stmt_int64(s, 8));
		rch_host->money_plain(b, sizeof b, h->stmt_int64(s, 9));
		rch_host->money_plain(c, sizeof c, h->stmt_int64(s, 10));
		printf("%lld\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
		    (long long)h->stmt_int64(s, 0), h->stmt_text(s, 1),
		    h->stmt_text(s, 2), h->stmt_text(s, 3), h->stmt_text(s, 4),
		    h->stmt_text(s, 5), h->stmt_text(s, 6), h->stmt_text(s, 7),
		    a, b, c);
	}
	h->stmt_reset(s);
	return 0;
}

static int
rch_cmd_verify(ep_db *db, int64_t id, const char *key)
{
	const struct ep_host *h = rch_host;
	struct rch_buf out = { 0 };
	char err[512];
	ep_fees *f;
	int n;

	if ((f = h->fees_open(db, err, sizeof err)) == NULL) {
		fprintf(stderr, "expertpool: %s\n", err);
		return 1;
	}
	n = rch_verify(db, f, id, &out);
	h->fees_close(f);
	if (n < 0) {
		fprintf(stderr, "expertpool: %s is not an issued invoice or credit "
		    "note\n", key);
		rch_buf_free(&out);
		return 1;
	}
	fwrite(out.s, 1, out.len, stdout);
	rch_buf_free(&out);
	return n == 0 ? 0 : 1;
}

/* invoice credit NUMBER --reason TEXT: --line ID to bill a line again,
 * --write-off ID to write it off; neither credits the whole invoice,
 * billed again or, with --write-off-all, written off. */
static int
rch_cmd_credit(ep_db *db, int argc, char **argv, int64_t id)
{
	struct rch_credit_ask q;
	int64_t lines[64], credit;
	int wo[64];
	size_t n = 0;
	char err[512];
	int i;

	memset(&q, 0, sizeof q);
	q.reason = rch_opt(argc, argv, "--reason");
	for (i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--write-off-all") == 0)
			q.write_off_all = 1;
		if (i + 1 == argc || n == 64)
			continue;
		if (strcmp(argv[i], "--line") == 0 ||
		    strcmp(argv[i], "--write-off") == 0) {
			wo[n] = strcmp(argv[i], "--write-off") == 0;
			lines[n++] = strtoll(argv[i + 1], NULL, 10);
		}
	}
	if (n > 0 && q.write_off_all) {
		fprintf(stderr, "expertpool: --write-off-all credits the whole "
		    "invoice: give no --line or --write-off with it\n");
		return 1;
	}
	q.lines = lines;
	q.write_off = wo;
	q.nlines = n;
	if (rch_credit(db, NULL, id, &q, &credit, err, sizeof err) != 0) {
		fprintf(stderr, "expertpool: %s\n", err);
		return 1;
	}
	{
		ep_stmt *s = rch_host->db_prepare(db, "SELECT number FROM "
		    "recharge_invoices WHERE id = ?");

		rch_host->stmt_bind_int64(s, 1, credit);
		if (rch_host->stmt_step(s) == EP_STEP_ROW)
			printf("%s\n", rch_host->stmt_text(s, 0));
		rch_host->stmt_reset(s);
	}
	return 0;
}

/*
 * expertpool invoice mark: marks invoiced, now, the entries of invoices
 * issued but not yet marked (after issuing from the command line, which
 * leaves them to the next run).
 */
static int
rch_cmd_mark(ep_db *db, int argc)
{
	struct rch_mark_pace pace = { RC_MARK_CHUNK, 0, 0 };
	char err[512];

	if (argc != 2) {
		fprintf(stderr, "usage: expertpool invoice mark\n");
		return 2;
	}
	if (rch_mark_chunked(db, &pace, err, sizeof err) != 0) {
		fprintf(stderr, "expertpool: %s\n", err);
		return 1;
	}
	printf("marked %lld entr%s invoiced\n", (long long)pace.marked,
	    pace.marked == 1 ? "y" : "ies");
	return 0;
}

/* expertpool invoice SUBCOMMAND ... */
int
rch_invoice_command(ep_db *db, int argc, char **argv, void *arg)
{
	const char *sub = argc > 1 ? argv[1] : "", *key = argc > 2 ? argv[2] : "";
	struct rch_buf out = { 0 };
	char err[512];
	int64_t id;
	int rc = 1;

	(void)arg;
	if (strcmp(sub, "run") == 0)
		return rch_cmd_run(db, argc, argv);
	if (strcmp(sub, "list") == 0)
		return rch_cmd_list(db, argc, argv);
	if (strcmp(sub, "endpoint") == 0)
		return rch_endpoint_command(db, argc, argv);
	if (strcmp(sub, "mark") == 0)
		return rch_cmd_mark(db, argc);
	if (strcmp(sub, "issue") != 0 && strcmp(sub, "credit") != 0 &&
	    strcmp(sub, "verify") != 0 && strcmp(sub, "export") != 0 &&
	    strcmp(sub, "paid") != 0 && strcmp(sub, "send") != 0) {
		fprintf(stderr, "usage: expertpool invoice run|list|issue|mark|"
		    "credit|paid|verify|export|send|endpoint ...\n");
		return 2;
	}
	if ((id = rch_lookup(db, key)) == 0) {
		fprintf(stderr, "expertpool: there is no invoice \"%s\"\n", key);
		return 1;
	}
	if (strcmp(sub, "verify") == 0)
		return rch_cmd_verify(db, id, key);
	if (strcmp(sub, "credit") == 0)
		return rch_cmd_credit(db, argc, argv, id);
	if (strcmp(sub, "send") == 0)
		return rch_send_command(db, id);
	if (strcmp(sub, "export") == 0) {
		const char *fmt = rch_opt(argc, argv, "--format");

		if ((fmt != NULL && strcmp(fmt, "pdf") == 0 ? rch_pdf(db, id, &out,
		    err, sizeof err) : rch_export(db, id, fmt ? fmt : "", &out, err,
		    sizeof err)) != 0)
			fprintf(stderr, "expertpool: %s\n", err);
		else {
			fwrite(out.s, 1, out.len, stdout);
			rc = 0;
		}
		rch_buf_free(&out);
		return rc;
	}
	if ((strcmp(sub, "issue") == 0 ? rch_issue(db, NULL, id, err, sizeof err) :
	    rch_mark_paid(db, NULL, id, err, sizeof err)) != 0) {
		fprintf(stderr, "expertpool: %s\n", err);
		return 1;
	}
	{
		ep_stmt *s = rch_host->db_prepare(db, "SELECT number FROM "
		    "recharge_invoices WHERE id = ?");

		rch_host->stmt_bind_int64(s, 1, id);
		if (rch_host->stmt_step(s) == EP_STEP_ROW)
			printf("%s\n", rch_host->stmt_text(s, 0));
		rch_host->stmt_reset(s);
	}
	return 0;
}

/* expertpool netting --period YYYY-MM */
int
rch_netting_command(ep_db *db, int argc, char **argv, void *arg)
{
	const char *period = NULL;
	struct rch_buf out = { 0 };
	int i, rc;

	(void)arg;
	for (i = 1; i < argc - 1; i++) {
		if (strcmp(argv[i], "--period") == 0)
			period = argv[i + 1];
	}
	if (!rch_host->month_ok(period)) {
		fprintf(stderr, "usage: expertpool netting --period YYYY-MM\n");
		return 2;
	}
	rc = rch_netting(db, period, NULL, &out, NULL);
	if (out.s != NULL)
		fwrite(out.s, 1, out.len, stdout);
	rch_buf_free(&out);
	return rc == 0 ? 0 : 1;
}
