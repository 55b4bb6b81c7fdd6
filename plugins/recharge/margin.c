/* margin.c: the provider's internal cost of an hour by grade, and margins. */
#include "recharge.h"

#include <stdlib.h>
#include <string.h>

/* The issued invoice lines of provider ?1 and month ?2 that bill work (an
 * expense recovers its cost and is no part of the margin); credits of
 * them; the entries they bill, and those written off from them (the work
 * was done and cost the provider, billed or not); an entry credited to be
 * billed again counts where it is billed next. */
#define RC_MARGIN_WITH "WITH lines AS (SELECT l.id, l.engagement_id, " \
	"l.amount FROM recharge_lines l JOIN recharge_invoices i ON i.id = " \
	"l.invoice_id WHERE i.provider_id = ?1 AND i.period = ?2 AND i.kind = " \
	"'invoice' AND i.state != 'draft' AND l.expense_id IS NULL), " \
	"credits AS (SELECT o.engagement_id, -c.amount AS amount FROM " \
	"recharge_lines c JOIN recharge_invoices ci ON ci.id = c.invoice_id " \
	"JOIN lines o ON o.id = c.credits_line_id WHERE ci.state != 'draft'), " \
	"billed AS (SELECT engagement_id, sum(amount) AS pence FROM (SELECT " \
	"engagement_id, amount FROM lines UNION ALL SELECT engagement_id, " \
	"amount FROM credits) GROUP BY engagement_id), " \
	"work AS (SELECT b.entry_id, l.engagement_id FROM recharge_billed b " \
	"JOIN lines l ON l.id = b.line_id UNION SELECT r.entry_id, " \
	"l.engagement_id FROM recharge_released r JOIN lines l ON l.id = " \
	"r.line_id WHERE r.settle = 'write_off'), " \
	"costed AS (SELECT w.engagement_id, t.minutes, (SELECT " \
	"c.pence_per_hour FROM recharge_cost_rates c WHERE c.provider_id = ?1 " \
	"AND c.grade = x.grade AND c.effective_from <= t.entry_date ORDER BY " \
	"c.effective_from DESC LIMIT 1) AS rate FROM work w JOIN time_entries " \
	"t ON t.id = w.entry_id JOIN engagements e ON e.id = t.engagement_id " \
	"JOIN experts x ON x.id = e.expert_id) "

/* One row per engagement billed in the month, then the invoice-level
 * lines (caps, discounts) as engagement 0. */
#define RC_MARGIN_ROWS RC_MARGIN_WITH "SELECT coalesce(b.engagement_id, 0), " \
	"coalesce(q.title, ''), coalesce(c.code, ''), b.pence, " \
	"coalesce((SELECT sum(k.minutes) FROM costed k WHERE k.engagement_id " \
	"IS b.engagement_id), 0), coalesce((SELECT sum(k.minutes * k.rate) " \
	"FROM costed k WHERE k.engagement_id IS b.engagement_id AND k.rate IS " \
	"NOT NULL), 0), coalesce((SELECT sum(k.minutes) FROM costed k WHERE " \
	"k.engagement_id IS b.engagement_id AND k.rate IS NULL), 0) FROM " \
	"billed b LEFT JOIN engagements g ON g.id = b.engagement_id LEFT JOIN " \
	"requests q ON q.id = g.request_id LEFT JOIN organisations c ON c.id = " \
	"g.consumer_id ORDER BY b.engagement_id IS NULL, b.engagement_id"

/* Pence for sum(minutes x pence an hour) / 60, the half to even: the
 * one rounding of a margin, once per engagement and month. */
int64_t
rch_cost_round(int64_t minute_pence)
{
	int64_t q = minute_pence / 60, r = minute_pence % 60;

	if (r < 0) {
		r += 60;
		q--;
	}
	if (r * 2 > 60 || (r * 2 == 60 && (q % 2) != 0))
		q++;
	return q;
}

/*
 * The provider's margin for a month, engagement by engagement: fn gets
 * each row and the totals are left in *total (its engagement 0).
 */
int
rch_margins(ep_db *db, int64_t provider, const char *month,
    void (*fn)(const struct rch_margin *m, void *arg), void *arg,
    struct rch_margin *total)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, RC_MARGIN_ROWS);
	struct rch_margin m;
	int step;

	memset(total, 0, sizeof *total);
	if (s == NULL)
		return -1;
	h->stmt_bind_int64(s, 1, provider);
	h->stmt_bind_text(s, 2, month);
	while ((step = h->stmt_step(s)) == EP_STEP_ROW) {
		memset(&m, 0, sizeof m);
		m.engagement = h->stmt_int64(s, 0);
		rch_copy(m.title, sizeof m.title, h->stmt_text(s, 1));
		rch_copy(m.consumer, sizeof m.consumer, h->stmt_text(s, 2));
		m.billed = h->stmt_int64(s, 3);
		m.minutes = h->stmt_int64(s, 4);
		m.cost = rch_cost_round(h->stmt_int64(s, 5));
		m.unrated = h->stmt_int64(s, 6);
		m.margin = m.billed - m.cost;
		total->billed += m.billed;
		total->cost += m.cost;
		total->minutes += m.minutes;
		total->unrated += m.unrated;
		if (fn != NULL)
			fn(&m, arg);
	}
	h->stmt_reset(s);
	total->margin = total->billed - total->cost;
	return step == EP_STEP_DONE ? 0 : -1;
}

/* Each cost rate of the provider, newest first, with who set it. */
int
rch_cost_rates(ep_db *db, int64_t provider,
    void (*fn)(const struct rch_cost_rate *c, void *arg), void *arg)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT c.id, c.grade, "
	    "c.effective_from, c.pence_per_hour, coalesce(p.name, 'the system'), "
	    "c.set_at FROM recharge_cost_rates c LEFT JOIN people p ON p.id = "
	    "c.set_by WHERE c.provider_id = ? ORDER BY c.grade, "
	    "c.effective_from DESC");
	struct rch_cost_rate c;
	int step;

	if (s == NULL)
		return -1;
	h->stmt_bind_int64(s, 1, provider);
	while ((step = h->stmt_step(s)) == EP_STEP_ROW) {
		memset(&c, 0, sizeof c);
		c.id = h->stmt_int64(s, 0);
		rch_copy(c.grade, sizeof c.grade, h->stmt_text(s, 1));
		rch_copy(c.from, sizeof c.from, h->stmt_text(s, 2));
		c.pence = h->stmt_int64(s, 3);
		rch_copy(c.by, sizeof c.by, h->stmt_text(s, 4));
		rch_copy(c.at, sizeof c.at, h->stmt_text(s, 5));
		fn(&c, arg);
	}
	h->stmt_reset(s);
	return step == EP_STEP_DONE ? 0 : -1;
}

/* Whether a grade is written as grades are: lower-case words, hyphens. */
static int
rch_grade_ok(const char *g)
{
	size_t n = 0;

	if (g == NULL || *g == '\0')
		return 0;
	for (; *g != '\0'; g++, n++)
		if (!((*g >= 'a' && *g <= 'z') || *g == '-') || n >= 32)
			return 0;
	return 1;
}

/* The newest rate's date for the grade, into last ("" for none). */
static void
rch_cost_last(ep_db *db, int64_t provider, const char *grade, char last[11],
    int64_t *pence)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT effective_from, pence_per_hour "
	    "FROM recharge_cost_rates WHERE provider_id = ? AND grade = ? "
	    "ORDER BY effective_from DESC LIMIT 1");

	last[0] = '\0';
	*pence = -1;
	if (s == NULL)
		return;
	h->stmt_bind_int64(s, 1, provider);
	h->stmt_bind_text(s, 2, grade);
	if (h->stmt_step(s) == EP_STEP_ROW) {
		rch_copy(last, 11, h->stmt_text(s, 0));
		*pence = h->stmt_int64(s, 1);
	}
	h->stmt_reset(s);
}

/*
 * Sets a grade's internal cost of an hour from a date, in the caller's
 * transaction, audited with the rate it follows. A rate is never
 * rewritten: a new one takes effect after the newest. On a bad field,
 * -1 with err as "field: why".
 */
int
rch_cost_rate_set(ep_db *db, ep_req *r, int64_t provider,
    const char *grade, const char *rate, const char *from, char *err,
    size_t len)
{
	const struct ep_host *h = rch_host;
	char last[11], idtext[24], summary[400], before[160] = "null";
	int64_t pence = 0, was;
	ep_stmt *s;
	int step;

	if (!rch_grade_ok(grade)) {
		snprintf(err, len, "grade: enter a grade, like senior (lower-case "
		    "letters, at most 32)");
		return -1;
	}
	if (rate == NULL || *rate == '\0' || *rate == '-' ||
	    h->money_parse(rate, &pence) != 0 || pence > 10000000) {
		snprintf(err, len, "rate: enter the cost of an hour in pounds, "
		    "like 52.40; it cannot be negative");
		return -1;
	}
	if (from == NULL || !h->date_ok(from)) {
		snprintf(err, len, "from: enter the date it takes effect as "
		    "YYYY-MM-DD");
		return -1;
	}
	rch_cost_last(db, provider, grade, last, &was);
	if (last[0] != '\0' && strcmp(from, last) <= 0) {
		snprintf(err, len, "from: enter a date after %s, when the "
		    "current %s rate took effect: rates are never rewritten",
		    last, grade);
		return -1;
	}
	s = h->db_prepare(db, "INSERT INTO recharge_cost_rates (provider_id, "
	    "grade, effective_from, pence_per_hour, set_by) VALUES (?, ?, ?, ?, "
	    "nullif(?, 0))");
	if (s == NULL) {
		snprintf(err, len, "grade: the rate could not be saved");
		return -1;
	}
	h->stmt_bind_int64(s, 1, provider);
	h->stmt_bind_text(s, 2, grade);
	h->stmt_bind_text(s, 3, from);
	h->stmt_bind_int64(s, 4, pence);
	h->stmt_bind_int64(s, 5, r != NULL ? h->req_person(r) : 0);
	step = h->stmt_step(s);
	h->stmt_reset(s);
	if (step != EP_STEP_DONE) {
		snprintf(err, len, "grade: the rate could not be saved: %s",
		    h->db_errmsg(db));
		return -1;
	}
	snprintf(idtext, sizeof idtext, "%lld", (long long)h->db_last_id(db));
	if (was >= 0)
		snprintf(before, sizeof before, "{\"grade\":\"%s\",\"from\":\"%s\","
		    "\"pence_per_hour\":%lld}", grade, last, (long long)was);
	snprintf(summary, sizeof summary, "{\"before\":%s,\"after\":{\"grade\":"
	    "\"%s\",\"from\":\"%s\",\"pence_per_hour\":%lld}}", before, grade,
	    from, (long long)pence);
	if (h->audit(db, r, "cost-rate", "cost-rate", idtext, provider,
	    summary) != 0) {
		snprintf(err, len, "grade: the change could not be audited");
		return -1;
	}
	return 0;
}

/* Appends one CSV field, quoted; a leading formula sign is neutralised. */
void
rch_margin_csv_field(struct rch_buf *b, const char *v, int last)
{
	const char *p;

	rch_buf_add(b, "\"%s", v != NULL && strchr("=+-@", *v) != NULL &&
	    *v != '\0' ? "'" : "");
	for (p = v ? v : ""; *p != '\0'; p++)
		rch_buf_add(b, "%s%c", *p == '"' ? "\"" : "", *p);
	rch_buf_add(b, "\"%c", last ? '\n' : ',');
}

static void
rch_margin_csv_row(const struct rch_margin *m, void *arg)
{
	const struct ep_host *h = rch_host;
	struct rch_buf *b = arg;
	char id[24], hours[32], billed[32], cost[32], margin[32];

	snprintf(id, sizeof id, "%lld", (long long)m->engagement);
	h->hours_clock(hours, sizeof hours, m->minutes);
	h->money_plain(billed, sizeof billed, m->billed);
	h->money_plain(cost, sizeof cost, m->cost);
	h->money_plain(margin, sizeof margin, m->margin);
	rch_margin_csv_field(b, m->engagement ? id : "", 0);
	rch_margin_csv_field(b, m->engagement ? m->title :
	    "Invoice adjustments (caps, discounts)", 0);
	rch_margin_csv_field(b, m->consumer, 0);
	rch_margin_csv_field(b, hours, 0);
	rch_margin_csv_field(b, billed, 0);
	rch_margin_csv_field(b, cost, 0);
	rch_margin_csv_field(b, margin, 1);
}

/* The month's margins as CSV: a row per engagement, then the total. */
int
rch_margin_csv(ep_db *db, int64_t provider, const char *month,
    struct rch_buf *b)
{
	struct rch_margin t;

	rch_buf_add(b, "engagement,title,consumer,hours,billed_pounds,"
	    "cost_pounds,margin_pounds\n");
	if (rch_margins(db, provider, month, rch_margin_csv_row, b, &t) != 0)
		return -1;
	rch_margin_csv_field(b, "", 0);
	rch_margin_csv_field(b, "Total", 0);
	rch_margin_csv_field(b, "", 0);
	{
		char hours[32], billed[32], cost[32], margin[32];

		rch_host->hours_clock(hours, sizeof hours, t.minutes);
		rch_host->money_plain(billed, sizeof billed, t.billed);
		rch_host->money_plain(cost, sizeof cost, t.cost);
		rch_host->money_plain(margin, sizeof margin, t.margin);
		rch_margin_csv_field(b, hours, 0);
		rch_margin_csv_field(b, billed, 0);
		rch_margin_csv_field(b, cost, 0);
		rch_margin_csv_field(b, margin, 1);
	}
	return 0;
}

static void
rch_cost_print(const struct rch_cost_rate *c, void *arg)
{
	char pounds[32];

	(void)arg;
	rch_host->money_plain(pounds, sizeof pounds, c->pence);
	printf("%s\t%s\t%s\t%s\n", c->grade, c->from, pounds, c->by);
}

/* expertpool cost-rate set --org CODE --grade G --rate POUNDS --from DATE
 * | list --org CODE */
int
rch_cost_rate_command(ep_db *db, int argc, char **argv, void *arg)
{
	const struct ep_host *h = rch_host;
	const char *code = rch_arg(argc, argv, "--org");
	int64_t org = rch_org_id(db, code);
	char err[256];

	(void)arg;
	if (argc < 2 || org == 0 || (strcmp(argv[1], "set") != 0 &&
	    strcmp(argv[1], "list") != 0)) {
		fprintf(stderr, "usage: expertpool cost-rate set --org CODE "
		    "--grade GRADE --rate POUNDS --from YYYY-MM-DD | list --org "
		    "CODE\n");
		return 2;
	}
	if (strcmp(argv[1], "list") == 0)
		return rch_cost_rates(db, org, rch_cost_print, NULL) == 0 ? 0 : 1;
	if (h->db_begin(db) != 0) {
		fprintf(stderr, "expertpool: the store is busy\n");
		return 1;
	}
	if (rch_cost_rate_set(db, NULL, org, rch_arg(argc, argv, "--grade"),
	    rch_arg(argc, argv, "--rate"), rch_arg(argc, argv, "--from"), err,
	    sizeof err) != 0 || h->db_commit(db) != 0) {
		h->db_rollback(db);
		fprintf(stderr, "expertpool: %s\n", err);
		return 1;
	}
	return 0;
}

static void
rch_margin_print(const struct rch_margin *m, void *arg)
{
	const struct ep_host *h = rch_host;
	char hours[32], billed[32], cost[32], margin[32];

	(void)arg;
	h->hours_clock(hours, sizeof hours, m->minutes);
	h->money_plain(billed, sizeof billed, m->billed);
	h->money_plain(cost, sizeof cost, m->cost);
	h->money_plain(margin, sizeof margin, m->margin);
	printf("%lld\t%s\t%s\t%s\t%s\t%s\t%s\n", (long long)m->engagement,
	    m->engagement ? m->title : "Invoice adjustments", m->consumer,
	    hours, billed, cost, margin);
}

/* expertpool margin --org CODE --period YYYY-MM [--csv] */
int
rch_margin_command(ep_db *db, int argc, char **argv, void *arg)
{
	const struct ep_host *h = rch_host;
	const char *code = rch_arg(argc, argv, "--org");
	const char *month = rch_arg(argc, argv, "--period");
	int64_t org = rch_org_id(db, code);
	struct rch_buf b = { 0 };
	struct rch_margin t;
	int i, csv = 0, rc;

	(void)arg;
	for (i = 1; i < argc; i++)
		csv |= strcmp(argv[i], "--csv") == 0;
	if (org == 0 || month == NULL || !h->month_ok(month)) {
		fprintf(stderr, "usage: expertpool margin --org CODE --period "
		    "YYYY-MM [--csv]\n");
		return 2;
	}
	if (csv) {
		rc = rch_margin_csv(db, org, month, &b);
		if (rc == 0)
			fwrite(b.s, 1, b.len, stdout);
		rch_buf_free(&b);
		return rc == 0 ? 0 : 1;
	}
	printf("engagement\ttitle\tconsumer\thours\tbilled\tcost\tmargin\n");
	if (rch_margins(db, org, month, rch_margin_print, NULL, &t) != 0)
		return 1;
	t.engagement = 0;
	rch_copy(t.consumer, sizeof t.consumer, "");
	{
		char hours[32], billed[32], cost[32], margin[32];

		h->hours_clock(hours, sizeof hours, t.minutes);
		h->money_plain(billed, sizeof billed, t.billed);
		h->money_plain(cost, sizeof cost, t.cost);
		h->money_plain(margin, sizeof margin, t.margin);
		printf("total\t%s %s\t\t%s\t%s\t%s\t%s\n", code, month, hours,
		    billed, cost, margin);
	}
	if (t.unrated > 0)
		printf("warning: %lld minutes billed have no cost rate for their "
		    "grade: their cost counts as nothing\n", (long long)t.unrated);
	return 0;
}
