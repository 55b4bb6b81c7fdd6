/* debt.c: overdue invoices: the aged-debt report and reminders. */
#include "recharge.h"

#include <stdlib.h>
#include <string.h>

const char *const rch_age_names[RC_AGES] = {
	"Current", "1 to 30 days", "31 to 60 days", "61 to 90 days",
	"Over 90 days",
};

/* Each council's outstanding invoices to (owed) or from (!owed) org on
 * the day ?2, aged by days past their due date. */
#define RC_AGED_SQL "SELECT o2.code, o2.name, " \
	"sum(CASE WHEN d <= 0 THEN v ELSE 0 END), " \
	"sum(CASE WHEN d BETWEEN 1 AND 30 THEN v ELSE 0 END), " \
	"sum(CASE WHEN d BETWEEN 31 AND 60 THEN v ELSE 0 END), " \
	"sum(CASE WHEN d BETWEEN 61 AND 90 THEN v ELSE 0 END), " \
	"sum(CASE WHEN d > 90 THEN v ELSE 0 END), sum(v), count(*) FROM " \
	"(SELECT CASE WHEN ?3 THEN i.consumer_id ELSE i.provider_id END AS " \
	"other, o.outstanding_pence AS v, CAST(julianday(?2) - " \
	"julianday(i.due_date) AS INTEGER) AS d FROM recharge_invoices i JOIN " \
	"recharge_outstanding o ON o.invoice_id = i.id WHERE " \
	"o.outstanding_pence > 0 AND CASE WHEN ?3 THEN i.provider_id ELSE " \
	"i.consumer_id END = ?1) x JOIN organisations o2 ON o2.id = x.other " \
	"GROUP BY o2.id ORDER BY o2.code"

/*
 * The aged debt owed to org (owed) or by it (!owed) on the day date,
 * one row per other council; rows are malloc'd into *out. The count, or
 * -1 when the store failed.
 */
int
rch_aged(ep_db *db, int64_t org, const char *date, int owed,
    struct rch_aged_row **out)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, RC_AGED_SQL);
	struct rch_aged_row *rows = NULL;
	int n = 0, k, step;

	if (s == NULL)
		return -1;
	h->stmt_bind_int64(s, 1, org);
	h->stmt_bind_text(s, 2, date);
	h->stmt_bind_int64(s, 3, owed);
	while ((step = h->stmt_step(s)) == EP_STEP_ROW) {
		if ((rows = realloc(rows, (size_t)(n + 1) * sizeof *rows)) == NULL)
			abort();
		rch_copy(rows[n].code, sizeof rows[n].code, h->stmt_text(s, 0));
		rch_copy(rows[n].name, sizeof rows[n].name, h->stmt_text(s, 1));
		for (k = 0; k < RC_AGES; k++)
			rows[n].age[k] = h->stmt_int64(s, 2 + k);
		rows[n].total = h->stmt_int64(s, 7);
		rows[n].invoices = h->stmt_int64(s, 8);
		n++;
	}
	h->stmt_reset(s);
	*out = rows;
	return step == EP_STEP_DONE ? n : -1;
}

/* The aged debt as CSV, with the columns docs/ledger.md describes. */
void
rch_aged_csv(struct rch_buf *b, const char *date, const char *side,
    const struct rch_aged_row *rows, int n)
{
	const struct ep_host *h = rch_host;
	char money[32];
	int i, k;

	for (i = 0; i < n; i++) {
		rch_buf_add(b, "%s,%s,%s,%lld", date, side, rows[i].code,
		    (long long)rows[i].invoices);
		for (k = 0; k < RC_AGES; k++) {
			h->money_plain(money, sizeof money, rows[i].age[k]);
			rch_buf_add(b, ",%s", money);
		}
		h->money_plain(money, sizeof money, rows[i].total);
		rch_buf_add(b, ",%s\r\n", money);
	}
}

/* Tells the consumer of one overdue invoice: its invoice address and its
 * finance officers. 0, or -1 when the store failed. */
static int
rch_remind_one(ep_db *db, int64_t id, const char *number, int64_t consumer,
    const char *address, const char *provider, const char *due,
    int64_t owed, const char *today)
{
	const struct ep_host *h = rch_host;
	char subject[160], body[512], link[48], money[32], when[40];
	char summary[256];

	h->pence_text(money, sizeof money, owed);
	h->date_words(when, sizeof when, due);
	snprintf(subject, sizeof subject, "Invoice %s is overdue", number);
	snprintf(body, sizeof body, "%s's invoice %s was due on %s. %s is "
	    "still to be paid. Please pay it, or tell %s's finance team why "
	    "not.", provider, number, when, money, provider);
	snprintf(link, sizeof link, "/invoices/%lld", (long long)id);
	h->money_plain(money, sizeof money, owed);
	snprintf(summary, sizeof summary, "{\"before\":null,\"after\":{"
	    "\"sent_on\":\"%s\",\"owed\":\"%s\",\"due\":\"%s\"}}", today, money,
	    due);
	if (*address != '\0' && h->notify_address(db, address, subject, body,
	    link) != 0)
		return -1;
	if (h->notify_role(db, EP_ROLE_FINANCE, consumer, subject, body,
	    link) != 0)
		return -1;
	return h->audit(db, NULL, "remind", "invoice", number, consumer,
	    summary);
}

/*
 * Sends a reminder for each overdue invoice that still owes (org's, or
 * every council's when org is 0), never twice for one invoice on one
 * day: the day's row in recharge_reminders is claimed first. One
 * transaction. The count sent, or -1.
 */
int
rch_remind(ep_db *db, int64_t org, int64_t *sent)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s, *claim;
	char today[11];
	int rc = -1;

	*sent = 0;
	h->today(today);
	if (h->db_begin(db) != 0)
		return -1;
	s = h->db_prepare(db, "SELECT i.id, i.number, i.consumer_id, "
	    "c.invoice_email, p.name, i.due_date, o.outstanding_pence FROM "
	    "recharge_invoices i JOIN recharge_outstanding o ON o.invoice_id = "
	    "i.id JOIN organisations c ON c.id = i.consumer_id JOIN "
	    "organisations p ON p.id = i.provider_id WHERE o.outstanding_pence "
	    "> 0 AND i.due_date < ?1 AND (?2 = 0 OR i.provider_id = ?2) AND NOT "
	    "EXISTS (SELECT 1 FROM recharge_reminders m WHERE m.invoice_id = "
	    "i.id AND m.sent_on = ?1) ORDER BY i.id");
	h->stmt_bind_text(s, 1, today);
	h->stmt_bind_int64(s, 2, org);
	while (h->stmt_step(s) == EP_STEP_ROW) {
		claim = h->db_prepare(db, "INSERT OR IGNORE INTO recharge_reminders "
		    "(invoice_id, sent_on, address) VALUES (?, ?, ?)");
		h->stmt_bind_int64(claim, 1, h->stmt_int64(s, 0));
		h->stmt_bind_text(claim, 2, today);
		h->stmt_bind_text(claim, 3, h->stmt_text(s, 3));
		if (h->stmt_step(claim) != EP_STEP_DONE) {
			h->stmt_reset(claim);
			goto out;
		}
		h->stmt_reset(claim);
		if (h->db_changes(db) != 1)
			continue;
		if (rch_remind_one(db, h->stmt_int64(s, 0), h->stmt_text(s, 1),
		    h->stmt_int64(s, 2), h->stmt_text(s, 3), h->stmt_text(s, 4),
		    h->stmt_text(s, 5), h->stmt_int64(s, 6), today) != 0)
			goto out;
		(*sent)++;
	}
	rc = 0;
out:
	h->stmt_reset(s);
	if (rc == 0 && h->db_commit(db) != 0)
		rc = -1;
	if (rc != 0) {
		h->db_rollback(db);
		*sent = 0;
	}
	return rc;
}

/* expertpool debt aged --org CODE [--date YYYY-MM-DD] | remind [--org CODE] */
int
rch_debt_command(ep_db *db, int argc, char **argv, void *arg)
{
	const struct ep_host *h = rch_host;
	const char *sub = argc > 1 ? argv[1] : "", *code = rch_arg(argc, argv,
	    "--org"), *date = rch_arg(argc, argv, "--date");
	int64_t org = code ? rch_org_id(db, code) : 0, sent;
	struct rch_aged_row *rows = NULL;
	struct rch_buf b = { 0 };
	char today[11];
	int n, owed;

	(void)arg;
	if (code != NULL && org == 0) {
		fprintf(stderr, "expertpool: debt: org: there is no organisation "
		    "\"%s\"\n", code);
		return 1;
	}
	if (strcmp(sub, "remind") == 0) {
		if (rch_remind(db, org, &sent) != 0) {
			fprintf(stderr, "expertpool: debt remind: the store "
			    "failed: %s\n", h->db_errmsg(db));
			return 1;
		}
		printf("%lld reminders sent\n", (long long)sent);
		return 0;
	}
	h->today(today);
	if (strcmp(sub, "aged") != 0 || org == 0 || (date != NULL &&
	    !h->date_ok(date))) {
		fprintf(stderr, "usage: expertpool debt aged --org CODE [--date "
		    "YYYY-MM-DD] | remind [--org CODE]\n");
		return 2;
	}
	rch_buf_add(&b, RC_AGED_HEADER);
	for (owed = 1; owed >= 0; owed--) {
		if ((n = rch_aged(db, org, date ? date : today, owed, &rows)) < 0)
			return 1;
		rch_aged_csv(&b, date ? date : today, owed ? "owed-to-us" :
		    "owed-by-us", rows, n);
		free(rows);
	}
	fwrite(b.s, 1, b.len, stdout);
	rch_buf_free(&b);
	return 0;
}
