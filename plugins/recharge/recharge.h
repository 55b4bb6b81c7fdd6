/* recharge.h: the recharge plugin's own header, one section per file. */
#ifndef RECHARGE_H
#define RECHARGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <expertpool/plugin.h>

#define RC_ROLES (EP_ROLE_FINANCE)
#define RC_VAT_S_BP 2000 /* UK standard rate, 20% */

extern const struct ep_host *rch_host;
extern ep_plugin *rch_self;

/* expense-lines.c */
/* The draft an engagement's expenses go on. */
struct rch_expense_draft {
	int64_t invoice, engagement;
	const char *next;	/* the first day after the month */
	const char *po;
	char vat;
};
int rch_expense_lines(ep_db *db, const struct rch_expense_draft *d,
    int64_t *position, int64_t *amount, int64_t *nlines, char *err,
    size_t len);
int rch_expenses_issue(ep_db *db, int64_t invoice);
int rch_expenses_credit(ep_db *db, int64_t credit);

/* margin.c */
struct rch_buf;
/* One engagement's month for its provider: billed less the cost of the
 * hours billed (engagement 0: invoice-level lines, or the totals). */
struct rch_margin {
	int64_t engagement, billed, cost, margin, minutes;
	int64_t unrated;	/* minutes of a grade with no cost rate then */
	char title[201], consumer[16];
};
/* A grade's internal cost of an hour, from a date. */
struct rch_cost_rate {
	int64_t id, pence;
	char grade[33], from[11], by[121], at[21];
};
int64_t rch_cost_round(int64_t minute_pence);
int rch_margins(ep_db *db, int64_t provider, const char *month,
    void (*fn)(const struct rch_margin *m, void *arg), void *arg,
    struct rch_margin *total);
int rch_cost_rates(ep_db *db, int64_t provider,
    void (*fn)(const struct rch_cost_rate *c, void *arg), void *arg);
int rch_cost_rate_set(ep_db *db, ep_req *r, int64_t provider,
    const char *grade, const char *rate, const char *from, char *err,
    size_t len);
void rch_margin_csv_field(struct rch_buf *b, const char *v, int last);
int rch_margin_csv(ep_db *db, int64_t provider, const char *month,
    struct rch_buf *b);
int rch_cost_rate_command(ep_db *db, int argc, char **argv, void *arg);
int rch_margin_command(ep_db *db, int argc, char **argv, void *arg);

/* margin-pages.c */
void rch_margin_routes(void);

/* util.c */
struct rch_buf {
	char *s;
	size_t len, cap;
};
void rch_buf_add(struct rch_buf *b, const char *fmt, ...) EP_PRINTF(2, 3);
void rch_buf_xml(struct rch_buf *b, const char *text);
void rch_buf_free(struct rch_buf *b);
int64_t rch_vat(int64_t net, int64_t bp);
void rch_period_next(const char *p, char out[11]);
int rch_copy(char *out, size_t len, const char *in);
int64_t rch_lookup(ep_db *db, const char *key);
/*
 * Engagement terms carried forward. A milestone done, or work completed,
 * in a month whose invoice for the engagement was issued before it
 * happened, is billed by no run of that month (the issued terms stand);
 * the next month's run takes it, presented as done on its first day.
 * Taken means some earlier month's terms (draft or issued) saw it done
 * within their own month; terms kept without their inputs (before
 * recharge migration 4) count as having taken a completion. For the
 * engagement e, the period ?1 and its first day ?3.
 */
#define RC_MS_CARRIED(m) "(" m ".done < ?3 AND NOT EXISTS (SELECT 1 FROM " \
	"recharge_terms ct JOIN recharge_invoices ci ON ci.id = ct.invoice_id, " \
	"json_each(ct.inputs, '$.milestones') cj WHERE ct.engagement_id = " \
	"e.id AND ci.kind = 'invoice' AND ci.period < ?1 AND cj.key = " m \
	".position - 1 AND substr(json_extract(cj.value, '$.done'), 1, 7) = " \
	"ci.period) AND EXISTS (SELECT 1 FROM recharge_terms ct JOIN " \
	"recharge_invoices ci ON ci.id = ct.invoice_id WHERE ct.engagement_id " \
	"= e.id AND ci.kind = 'invoice' AND ci.state != 'draft' AND ci.period " \
	"= substr(" m ".done, 1, 7)))"
#define RC_DONE_CARRIED "(london_date(e.completed_at) < ?3 AND NOT " \
	"EXISTS (SELECT 1 FROM recharge_terms ct JOIN recharge_invoices ci ON " \
	"ci.id = ct.invoice_id WHERE ct.engagement_id = e.id AND ci.kind = " \
	"'invoice' AND ci.period < ?1 AND (ct.inputs IS NULL OR " \
	"substr(json_extract(ct.inputs, '$.completed'), 1, 7) = ci.period)) " \
	"AND EXISTS (SELECT 1 FROM recharge_terms ct JOIN recharge_invoices ci " \
	"ON ci.id = ct.invoice_id WHERE ct.engagement_id = e.id AND ci.kind = " \
	"'invoice' AND ci.state != 'draft' AND ci.period = " \
	"substr(london_date(e.completed_at), 1, 7)))"

/*
 * An engagement's pricing inputs as JSON (kept with its terms: recharge
 * migration 4), as the engagement stands seen from the end of the period
 * ?1 (first day ?3, the day after ?2): a completion or milestone after
 * it is not done yet, and one carried forward (above) is done on ?3,
 * with the due date moved with a completion that was on time. ?4 the
 * engagement. The budget is the one time was logged against: the
 * engagement's plus the variations its requester approved. The run
 * records it; issuing a draft checks it has not changed since.
 */
#define RC_ENG_INPUTS "SELECT json_object('basis', e.basis, 'budget', " \
	"coalesce(e.budget_pence + (SELECT coalesce(sum(v.extra_pence), 0) " \
	"FROM budget_variations v WHERE v.engagement_id = e.id), -1), " \
	"'fixed_fee', CASE WHEN e.basis = " \
	"'fixed' AND e.budget_pence > 0 THEN e.budget_pence ELSE 0 END, " \
	"'bonus', e.bonus_pence, 'due', CASE WHEN " RC_DONE_CARRIED " AND " \
	"london_date(e.completed_at) <= e.ends AND e.ends < ?3 THEN ?3 ELSE " \
	"e.ends END, 'completed', CASE WHEN e.completed_at IS NULL OR " \
	"london_date(e.completed_at) >= ?2 THEN NULL WHEN " RC_DONE_CARRIED \
	" THEN ?3 ELSE london_date(e.completed_at) END, 'milestones', " \
	"(SELECT json_group_array(json_object('name', m.name, 'amount', " \
	"m.amount_pence, 'done', CASE WHEN m.done IS NULL OR m.done >= ?2 THEN " \
	"NULL WHEN " RC_MS_CARRIED("m") " THEN ?3 ELSE m.done END)) FROM " \
	"(SELECT * FROM milestones WHERE offer_id = e.offer_id ORDER BY " \
	"position) m)) FROM engagements e WHERE e.id = ?4"
#define RC_MILESTONES 20
/* An engagement's pricing inputs read back from the JSON kept with its
 * terms (recharge migration 4), with room for the strings. */
struct rch_eng_inputs {
	struct ep_fee_milestone ms[RC_MILESTONES];
	size_t nms;
	char basis[12], due[11], completed[11];
	char name[RC_MILESTONES][81], done[RC_MILESTONES][11];
};
int rch_eng_inputs_read(ep_db *db, const char *json,
    struct ep_fee_engagement *in, struct rch_eng_inputs *kept, char *err,
    size_t len);
int rch_eng_price(ep_fees *f, const char *ruleset, const char *hash,
    const struct ep_fee_engagement *in, const struct rch_eng_inputs *kept,
    struct ep_fee_result *out);

/* run.c */
struct rch_run_summary {
	int64_t entries, invoices, lines, net;
};
typedef void (*rch_progress_fn)(int64_t done, int64_t total, void *arg);
int rch_run(ep_db *db, ep_fees *f, const char *period, int64_t provider,
    int dry_run, int64_t tell, FILE *report, rch_progress_fn progress,
    void *parg,
    struct rch_run_summary *out, char *err, size_t len);
int rch_run_arg(const char *arg, char period[8], int64_t *provider);
void rch_run_routes(void);
int rch_run_job(ep_job *job, ep_db *db, const char *arg, void *udata);
int rch_run_live(const char *period, int64_t provider, int64_t *done,
    int64_t *total);
int rch_run_alive(int64_t pid);

/* issue.c */
int rch_issue(ep_db *db, ep_req *r, int64_t invoice_id, char *err,
    size_t len);
int rch_issue_as(ep_db *db, ep_req *r, int64_t invoice_id, int tell,
    char *err, size_t len);
int rch_issue_tell(ep_db *db, int64_t invoice_id, char *err, size_t len);
int rch_exec_id(ep_db *db, const char *sql, int64_t a, int64_t b);

/* mark.c */
/* The most entries a marking marks in one transaction when someone waits
 * for it: the run, "expertpool invoice mark". */
#define RC_MARK_CHUNK 20000
/* How a marking goes: at most chunk entries a transaction; with hold,
 * as many as keep the store's write lock about hold microseconds, resting
 * after each as long as it held it; marked, what it marked. */
struct rch_mark_pace {
	int64_t chunk;
	int64_t hold;
	int64_t marked;
};
int rch_mark_invoiced(ep_db *db);
int rch_mark_chunked(ep_db *db, struct rch_mark_pace *p, char *err,
    size_t len);
void rch_mark_soon(void);
int rch_mark_register(ep_plugin *self);
/* What a credit note takes: the invoice's lines (none: every line not yet
 * credited), each billed again or written off (write_off[i], or
 * write_off_all for the whole invoice), and why. */
struct rch_credit_ask {
	const int64_t *lines;
	const int *write_off;
	size_t nlines;
	int write_off_all;
	const char *reason;
};
int rch_credit(ep_db *db, ep_req *r, int64_t invoice_id,
    const struct rch_credit_ask *q, int64_t *credit_id, char *err, size_t len);
int rch_exclude(ep_db *db, ep_req *r, int64_t invoice_id, int64_t line_id,
    const char *reason, char *err, size_t len);
int rch_mark_paid(ep_db *db, ep_req *r, int64_t invoice_id, char *err,
    size_t len);
int rch_canonical(ep_db *db, int64_t invoice_id, struct rch_buf *out);

/* sign.c */
int rch_sign(ep_db *db, int64_t org_id, const struct rch_buf *msg,
    char pub_hex[65], char sig_hex[129], char *err, size_t len);
int rch_sign_check(const char *pub_hex, const char *sig_hex,
    const struct rch_buf *msg);

/* verify.c */
int rch_verify(ep_db *db, ep_fees *f, int64_t invoice_id, struct rch_buf *out);

/* export.c */
/* A party to a document, as every form of it shows the party. */
struct rch_party_doc {
	char code[16], name[256], address[512], vat[32], email[256];
	char scheme[8], endpoint[80];
};
/* An invoice or credit note as its UBL, CSV, page and PDF show it:
 * vat_reason is the VAT exemption's words, reason a credit note's why,
 * end the last day of the period it bills. */
struct rch_doc {
	int64_t id, net, vat, total, bp, terms;
	char kind[8], number[40], credits[40], period[8], issue[11], due[11];
	char end[11], category[2], vat_reason[256], po[201], buyer[201];
	char state[12], reason[501], public_key[65];
	struct rch_party_doc seller, buyer_party;
};
int rch_doc_read(ep_db *db, int64_t id, struct rch_doc *d);
int rch_export(ep_db *db, int64_t invoice_id, const char *format,
    struct rch_buf *out, char *err, size_t len);

/* pdf.c */
int rch_pdf(ep_db *db, int64_t invoice_id, struct rch_buf *out, char *err,
    size_t len);
void rch_pdf_basename(const char *number, char *out, size_t len);

/* send.c */
int rch_send(ep_db *db, ep_req *r, int64_t invoice_id, int64_t *message_id,
    char *err, size_t len);
void rch_send_choice(ep_req *r, ep_page *b, int64_t invoice_id);
void rch_send_after_issue(ep_req *r, int64_t invoice_id);
void rch_send_section(ep_req *r, ep_page *b, int64_t invoice_id,
    int provider);
void rch_send_routes(void);
int rch_send_command(ep_db *db, int64_t invoice_id);

/* netting.c */
int rch_netting(ep_db *db, const char *period, const char *only,
    struct rch_buf *text, ep_page *page);
void rch_netting_routes(void);

/* invoice-pages.c */
void rch_pages_routes(void);

/* finance-pages.c */
void rch_finance_routes(void);

/* endpoint.c */
int rch_endpoint_check(const char *scheme, const char *id, char *err,
    size_t len);
int rch_endpoint_set(ep_db *db, ep_req *r, const char *org, const char *scheme,
    const char *id, char *err, size_t len);
void rch_endpoint_routes(void);
int rch_endpoint_command(ep_db *db, int argc, char **argv);

/* words.c */
void rch_line_words(char *out, size_t len, int64_t quantity, const char *unit,
    int64_t unit_price);
void rch_line_quantity(char *out, size_t len, int64_t quantity,
    const char *unit);
void rch_line_rate(char *out, size_t len, const char *unit, int64_t unit_price);

/* cmd-invoice.c */
int rch_invoice_command(ep_db *db, int argc, char **argv, void *arg);
int rch_netting_command(ep_db *db, int argc, char **argv, void *arg);

/* payments.c */
#define RC_ALLOC_MAX 64
/* One allocation: an invoice, the pence paid to it, the form field and
 * invoice number that errors name. */
struct rch_alloc {
	int64_t invoice, amount;
	char field[32], key[40];
};
/* A payment as recorded: netting is the month of a netting settlement,
 * NULL for a transfer. */
struct rch_payment {
	int64_t payer, payee, amount;
	const char *date, *reference, *netting;
	struct rch_alloc alloc[RC_ALLOC_MAX];
	size_t nalloc;
};
void rch_buf_json(struct rch_buf *b, const char *text);
int64_t rch_org_id(ep_db *db, const char *code);
int64_t rch_outstanding(ep_db *db, int64_t invoice_id);
int rch_payment_record(ep_db *db, ep_req *r, const struct rch_payment *p,
    int64_t *id, char *err, size_t len);
int rch_payment_reverse(ep_db *db, ep_req *r, int64_t id, int64_t org,
    const char *reason, char *err, size_t len);
int rch_netting_settle(ep_db *db, ep_req *r, const char *period, int64_t org,
    const char *date, int *made, char *err, size_t len);


/* cmd-payment.c */
int rch_payment_command(ep_db *db, int argc, char **argv, void *arg);
const char *rch_arg(int argc, char **argv, const char *name);

/* debt.c */
#define RC_AGES 5
#define RC_AGED_HEADER "date,side,council,invoices,current,days_1_30," \
	"days_31_60,days_61_90,days_over_90,total\r\n"
/* One council's outstanding invoices, aged: current, 1-30, 31-60, 61-90
 * and over 90 days past due. */
struct rch_aged_row {
	char code[16], name[128];
	int64_t age[RC_AGES], total, invoices;
};
extern const char *const rch_age_names[RC_AGES];
int rch_aged(ep_db *db, int64_t org, const char *date, int owed,
    struct rch_aged_row **out);
void rch_aged_csv(struct rch_buf *b, const char *date, const char *side,
    const struct rch_aged_row *rows, int n);
int rch_remind(ep_db *db, int64_t org, int64_t *sent);
int rch_debt_command(ep_db *db, int argc, char **argv, void *arg);

/* vat.c */
/* The VAT figures: box 1 output VAT, box 6 standard-rated net sales,
 * outside-the-scope net apart; credit notes taken off. */
struct rch_vat_figures {
	int64_t box1, box6, outside, invoices, credits;
};
/* One document behind the figures, signed as the figures count it. */
struct rch_vat_doc {
	char number[40], kind[8], date[11], consumer[16], category;
	int64_t standard, vat, outside;
};
typedef void (*rch_vat_doc_fn)(const struct rch_vat_doc *d, void *arg);
int rch_vat_figures(ep_db *db, int64_t org, const char *from, const char *to,
    struct rch_vat_figures *v, rch_vat_doc_fn fn, void *arg);
int rch_vat_csv(ep_db *db, int64_t org, const char *from, const char *to,
    struct rch_buf *b);
int rch_vat_command(ep_db *db, int argc, char **argv, void *arg);

/* ledger.c */
#define RC_CODES 7
enum { RC_CODE_INCOME, RC_CODE_RECEIVABLE, RC_CODE_VAT_OUTPUT,
	RC_CODE_EXPENDITURE, RC_CODE_PAYABLE, RC_CODE_VAT_INPUT,
	RC_CODE_COST_CENTRE };
/* A council's nominal codes and cost centre, as rch_code_names lists. */
struct rch_codes {
	char v[RC_CODES][65];
};
/* One journal posting: an account of the council's, debit or credit. */
struct rch_posting {
	const struct rch_codes *codes;
	char period[8], date[11], number[40], kind[8], other[16];
	char cost_centre[65];
	int provider, account;
	int64_t debit, credit;
};
typedef void (*rch_posting_fn)(const struct rch_posting *p, void *arg);
#define RC_JOURNAL_HEADER "period,date,document,document_type,side," \
	"counterparty,account,nominal_code,cost_centre,debit,credit\r\n"
extern const char *const rch_code_names[RC_CODES];
extern const char *const rch_code_labels[RC_CODES];
void rch_codes_load(ep_db *db, int64_t org, struct rch_codes *c);
int rch_codes_set(ep_db *db, ep_req *r, int64_t org, const char *const *v,
    char *err, size_t len);
int rch_journal(ep_db *db, int64_t org, const char *period, rch_posting_fn fn,
    void *arg);
int rch_journal_csv(ep_db *db, int64_t org, const char *period,
    struct rch_buf *b);
int rch_ledger_command(ep_db *db, int argc, char **argv, void *arg);

/* money-pages.c */
void rch_money_routes(void);

#endif
