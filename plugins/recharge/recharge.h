/* recharge.h: the recharge plugin's own header, one section per file. */
#ifndef RECHARGE_H
#define RECHARGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <expertpool/plugin.h>

#define RC_ROLES (EP_ROLE_FINANCE)
#define RC_VAT_S_BP 2000 /* UK standard rate, 20% */

extern const struct ep_host *rc_host;
extern ep_plugin *rc_self;

/* util.c */
struct rc_buf {
	char *s;
	size_t len, cap;
};
void rc_buf_add(struct rc_buf *b, const char *fmt, ...) EP_PRINTF(2, 3);
void rc_buf_xml(struct rc_buf *b, const char *text);
void rc_buf_free(struct rc_buf *b);
int64_t rc_vat(int64_t net, int64_t bp);
void rc_period_next(const char *p, char out[11]);
int rc_copy(char *out, size_t len, const char *in);
int64_t rc_lookup(ep_db *db, const char *key);
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
struct rc_eng_inputs {
	struct ep_fee_milestone ms[RC_MILESTONES];
	size_t nms;
	char basis[12], due[11], completed[11];
	char name[RC_MILESTONES][81], done[RC_MILESTONES][11];
};
int rc_eng_inputs_read(ep_db *db, const char *json,
    struct ep_fee_engagement *in, struct rc_eng_inputs *kept, char *err,
    size_t len);
int rc_eng_price(ep_fees *f, const char *ruleset, const char *hash,
    const struct ep_fee_engagement *in, const struct rc_eng_inputs *kept,
    struct ep_fee_result *out);

/* run.c */
struct rc_run_summary {
	int64_t entries, invoices, lines, net;
};
typedef void (*rc_progress_fn)(int64_t done, int64_t total, void *arg);
int rc_run(ep_db *db, ep_fees *f, const char *period, int64_t provider,
    int dry_run, int64_t tell, FILE *report, rc_progress_fn progress,
    void *parg,
    struct rc_run_summary *out, char *err, size_t len);
int rc_run_arg(const char *arg, char period[8], int64_t *provider);
void rc_run_routes(void);
int rc_run_job(ep_job *job, ep_db *db, const char *arg, void *udata);
int rc_run_live(const char *period, int64_t provider, int64_t *done,
    int64_t *total);
int rc_run_alive(int64_t pid);

/* issue.c */
int rc_issue(ep_db *db, ep_req *r, int64_t invoice_id, char *err,
    size_t len);
int rc_credit(ep_db *db, ep_req *r, int64_t invoice_id,
    const int64_t *lines, size_t nlines, const char *reason,
    int64_t *credit_id, char *err, size_t len);
int rc_exclude(ep_db *db, ep_req *r, int64_t invoice_id, int64_t line_id,
    const char *reason, char *err, size_t len);
int rc_mark_paid(ep_db *db, ep_req *r, int64_t invoice_id, char *err,
    size_t len);
int rc_canonical(ep_db *db, int64_t invoice_id, struct rc_buf *out);

/* sign.c */
int rc_sign(ep_db *db, int64_t org_id, const struct rc_buf *msg,
    char pub_hex[65], char sig_hex[129], char *err, size_t len);
int rc_sign_check(const char *pub_hex, const char *sig_hex,
    const struct rc_buf *msg);

/* verify.c */
int rc_verify(ep_db *db, ep_fees *f, int64_t invoice_id, struct rc_buf *out);

/* export.c */
int rc_export(ep_db *db, int64_t invoice_id, const char *format,
    struct rc_buf *out, char *err, size_t len);

/* pdf.c */
int rc_pdf(ep_db *db, int64_t invoice_id, struct rc_buf *out, char *err,
    size_t len);
void rc_pdf_basename(const char *number, char *out, size_t len);

/* send.c */
int rc_send(ep_db *db, ep_req *r, int64_t invoice_id, int64_t *message_id,
    char *err, size_t len);
void rc_send_choice(ep_req *r, ep_page *b, int64_t invoice_id);
void rc_send_after_issue(ep_req *r, int64_t invoice_id);
void rc_send_section(ep_req *r, ep_page *b, int64_t invoice_id,
    int provider);
void rc_send_routes(void);
int rc_send_command(ep_db *db, int64_t invoice_id);

/* netting.c */
int rc_netting(ep_db *db, const char *period, const char *only,
    struct rc_buf *text, ep_page *page);
void rc_netting_routes(void);

/* pages.c */
void rc_pages_routes(void);

/* finance.c */
void rc_finance_routes(void);

/* endpoint.c */
int rc_endpoint_check(const char *scheme, const char *id, char *err,
    size_t len);
int rc_endpoint_set(ep_db *db, ep_req *r, const char *org, const char *scheme,
    const char *id, char *err, size_t len);
void rc_endpoint_routes(void);
int rc_endpoint_command(ep_db *db, int argc, char **argv);

/* cmd.c */
int rc_invoice_command(ep_db *db, int argc, char **argv, void *arg);
int rc_netting_command(ep_db *db, int argc, char **argv, void *arg);

#endif
