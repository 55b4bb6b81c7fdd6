/* timesheet.h: the timesheet plugin's own header, one section per file. */
#ifndef TIMESHEET_H
#define TIMESHEET_H

#define _GNU_SOURCE 1 /* strptime, timegm */

#include <stddef.h>
#include <stdint.h>

#include <expertpool/plugin.h>

#define TS_ROLES_APPROVE (EP_ROLE_APPROVER | EP_ROLE_ADMIN)

/* Owner SQL for routes naming an entry or an engagement. */
#define ENTRY_CONSUMER "SELECT e.consumer_id FROM time_entries t JOIN " \
	"engagements e ON e.id = t.engagement_id WHERE t.id = ?1"
#define ENTRY_PARTIES ENTRY_CONSUMER " UNION SELECT e.provider_id FROM " \
	"time_entries t JOIN engagements e ON e.id = t.engagement_id WHERE " \
	"t.id = ?1"
#define ENGAGEMENT_CONSUMER "SELECT consumer_id FROM engagements WHERE id = ?1"
/* The condition of the index time_entries_state (migration 9): a query
 * on entries of more than one of its states names it to use the index. */
#define TS_STATE_INDEXED "(t.state = 'draft' OR t.state = 'submitted' OR " \
	"t.state = 'queried')"
/* The state of entry t as people see it: invoiced when an issued invoice
 * holds it, though its row may still say approved (migration 10). */
#define TS_STATE_SEEN "(CASE WHEN t.state = 'approved' AND EXISTS (SELECT " \
	"1 FROM timesheet_invoiced_entries v WHERE v.entry_id = t.id) THEN " \
	"'invoiced' ELSE t.state END)"

extern const struct ep_host *ts_host;
extern ep_plugin *ts_self;

struct ts_tell;

/* entry.c */
/* Who acts: the signed-in person, or a person named on the command line. */
struct ts_actor {
	int64_t person, org;
	unsigned roles;
	ep_req *req;     /* the request, for the audit trail; NULL on the CLI */
	char login[65];  /* put in the audit summary when there is no request */
	int job;         /* a job doing what the person asked: audited as them */
	struct ts_tell *tell; /* messages gathered for one action, or NULL */
};
struct ts_engagement {
	int64_t id, expert_id, expert_person, provider_id, consumer_id;
	int64_t agreement_id, budget, weekly_minutes;
	char starts[11], ends[11], state[12], basis[12], grade[16];
	char consumer[16], provider[16], ruleset[65], title[201], vat;
	char calendar;	/* the provider's, as struct ep_fee_entry has it */
};
struct ts_entry_in {
	int64_t engagement;
	const char *date, *duration, *activity, *note;
	int billable, out_of_hours;
};
struct ts_result {
	int64_t id;
	int64_t minutes;
	int64_t priced; /* pence */
	int warning;   /* 0, 80 or 100: the budget used, once past a mark */
	char state[12];
	char created[21]; /* a new entry's created_at, as stored */
};
/* What the rules read from the store for one entry (ts_entry_check). */
struct ts_context {
	struct ts_engagement g;
	int found;       /* the engagement exists */
	int64_t day;     /* minutes the expert has on the date, but this entry */
	int64_t allowed; /* pence: the budget with variations; -1 none */
	int64_t used;    /* pence charged on the engagement, but this entry */
	int64_t was;     /* pence this entry was charged before the change */
};
/* An entry that passed the rules, as it is written. */
struct ts_checked {
	int64_t minutes;
	int64_t priced;
	int warning;
	int mark;        /* 80 or 100 when this entry passes that mark, else 0 */
	int64_t allowed; /* pence: the budget with variations; -1 none */
	char ruleset_hash[80];
};
struct ts_entry_row {
	int64_t id, engagement, minutes, created_by, adjusts, provider;
	int64_t consumer;
	char state[12], date[11], activity[16];
	int billable, ooh;
	int queried;	/* an approver has queried it (it may be a draft again) */
};
extern const char *const ts_activities[][2];
void ts_actor_of(ep_req *r, struct ts_actor *a);
int ts_actor_login(ep_db *db, const char *login, struct ts_actor *a);
int ts_actor_person(ep_db *db, int64_t person, struct ts_actor *a);
int ts_audit(ep_db *db, const struct ts_actor *a, const char *action,
    const char *entity, const char *entity_id, int64_t org_id,
    const char *summary_json);
int ts_parse_duration(const char *s, int64_t *minutes);
int ts_today(char out[11]);
void ts_now_text(char *out, size_t len);
int ts_engagement_load(ep_db *db, int64_t id, struct ts_engagement *e);
int ts_entry_get(ep_db *db, int64_t id, struct ts_entry_row *t);
int64_t ts_day_minutes(ep_db *db, int64_t expert_id, const char *date);
int ts_entry_check(ep_fees *f, const struct ts_actor *a,
    const struct ts_context *c, const struct ts_entry_in *in,
    const char *prefix, ep_errors *e, struct ts_checked *out);
int ts_entry_write(ep_db *db, const struct ts_actor *a, int64_t entry_id,
    const struct ts_entry_in *in, const struct ts_engagement *g,
    const struct ts_checked *k, const char *prefix, ep_errors *e,
    struct ts_result *out);
int ts_entry_save(ep_db *db, const struct ts_actor *a, int64_t entry_id,
    const struct ts_entry_in *in, const char *field_prefix, ep_errors *e,
    struct ts_result *out);
int ts_entry_delete_draft(ep_db *db, const struct ts_actor *a,
    int64_t entry_id);
int ts_entry_submit(ep_db *db, const struct ts_actor *a, int64_t entry_id,
    char *err, size_t len);
int ts_entry_decide(ep_db *db, const struct ts_actor *a, int64_t entry_id,
    int approve, const char *comment, char *err, size_t len);
int ts_entry_adjust(ep_db *db, const struct ts_actor *a, int64_t entry_id,
    const char *duration, const char *reason, ep_errors *e,
    struct ts_result *out);
int64_t ts_budget_used(ep_db *db, int64_t engagement);
int64_t ts_budget_allowed(ep_db *db, const struct ts_engagement *e);
int ts_variation_add(ep_db *db, const struct ts_actor *a, int64_t engagement,
    const char *amount, const char *reason, ep_errors *e);

/* expense.c */
/* An expense as typed: text, checked by ts_expense_save. */
struct ts_expense_in {
	const char *date, *kind, *miles, *amount, *receipt, *note;
};
/* An expense as kept. */
struct ts_expense {
	int64_t id, engagement, miles_tenths, rate, amount, created_by;
	int64_t consumer, provider;
	char date[11], kind[16], receipt[65], note[501], state[12];
	char query[501], description[120], ruleset[65], vat;
};
extern const char *const ts_expense_kinds[][2];
const char *ts_expense_kind_label(const char *kind);
int ts_expense_parse_miles(const char *s, int64_t *tenths);
void ts_expense_miles_text(char *out, size_t len, int64_t tenths);
int64_t ts_expense_mileage(int64_t tenths, int64_t rate);
int ts_expense_agreement(ep_db *db, const struct ts_engagement *g,
    const char *date, char *ruleset, size_t len, char *vat);
int ts_expense_get(ep_db *db, int64_t id, struct ts_expense *x);
int ts_expense_each(ep_db *db, int64_t engagement,
    void (*fn)(const struct ts_expense *x, void *arg), void *arg);
int ts_expense_save(ep_db *db, const struct ts_actor *a, int64_t engagement,
    int64_t id, const struct ts_expense_in *in, ep_errors *e,
    int64_t *out_id);
int ts_expense_submit(ep_db *db, const struct ts_actor *a, int64_t engagement,
    int *n, char *err, size_t len);
int ts_expense_decide(ep_db *db, const struct ts_actor *a, int64_t id,
    const char *action, const char *comment, const char **field, char *err,
    size_t len);
int ts_expense_delete(ep_db *db, const struct ts_actor *a, int64_t id);

/* expense-pages.c */
void ts_expense_routes(void);
void ts_expense_links(ep_req *r, ep_page *b);
void ts_expense_waiting(ep_req *r, ep_page *b);

/* expense-api.c */
void ts_expense_api_routes(void);

/* week-pages.c */
void ts_notice(ep_page *b, const char *notice);
int ts_week_bounds(const char *date, char monday[11], char sunday[11]);
void ts_week_routes(void);

/* approval-pages.c */
void ts_approve_routes(void);

/* entry-api.c (the write's shape is here for the JSON fuzz target) */
struct json_t;
enum ts_op { TS_CREATE, TS_UPDATE, TS_PATCH, TS_SUBMIT, TS_APPROVE, TS_QUERY,
	TS_ADJUST };

/*
 * One write, from the handler to the group commit and back. Everything
 * work() needs is copied here (or owned by the parsed body), so it never
 * goes back to the request; the request's own strings stay valid until
 * done() replies.
 */
struct ts_write {
	enum ts_op op;
	struct ts_actor actor;
	int64_t id;                 /* the entry in the path */
	struct ts_entry_in in;
	const char *comment, *reason, *duration;
	const char *duration_field; /* "duration" or "minutes", as sent */
	struct json_t *root;        /* owns the strings above */
	struct json_t *entry;       /* the entry as saved, read in work() */
	ep_errors *e;
	int status;                 /* why work() failed: 404, 409 or 422 */
	char err[256];
	char minutes[16];           /* "90m", from an integer "minutes" */
	char date[11], activity[16], note[512]; /* PATCH: the stored values */
	struct ts_result res;
};

extern const char *const ts_fields[];
void ts_write_start(ep_req *r, enum ts_op op);
void ts_api_routes(void);
void ts_api_fini(void);

/* csv.c */
#define TS_CSV_COLUMNS 6
#define TS_CSV_MAX_RECORD 4096     /* characters in one record */
/* One record at a time: its fields point into buf. */
struct ts_csv {
	const char *p, *end;
	int line;                   /* the next record's first line */
	int record_line;            /* the current record's first line */
	int nfield;
	char *field[TS_CSV_COLUMNS + 1];
	char buf[TS_CSV_MAX_RECORD + 16];
	char err[96];
};
void ts_csv_init(struct ts_csv *c, const char *text, size_t len);
int ts_csv_next(struct ts_csv *c);

/* import.c */
#define TS_IMPORT_MAX_BYTES (64 * 1024 * 1024) /* the largest file read */
/* One bad line, for the report. */
struct ts_import_error {
	int line;
	char *message;
};

/* What an import did: every line read, and each bad one with why. */
struct ts_import {
	int lines;              /* data lines read */
	int64_t minutes;
	struct ts_import_error *errors;
	int nerrors, cap;
	int bad;                /* bad lines, whether held in errors or not */
	char failure[256];      /* a failure that is no line's fault */
};

/* What a caller may add to an import: progress as lines are checked, and
 * work of its own inside the import's transaction, before it commits. */
struct ts_import_hooks {
	void (*progress)(int64_t done, int64_t total, void *arg);
	int (*finish)(ep_db *db, const struct ts_import *im, void *arg);
	void *arg;
};

void ts_import_error(struct ts_import *im, int line, const char *fmt, ...)
    EP_PRINTF(3, 4);
void ts_import_free(struct ts_import *im);
int ts_import_run(ep_db *db, ep_fees *f, const struct ts_actor *a,
    const char *text, size_t len, const struct ts_import_hooks *hooks,
    struct ts_import *im);
int ts_import_command(ep_db *db, int argc, char **argv, void *arg);

/* import-pages.c */
#define TS_IMPORT_JOB "timesheet-import"
int ts_import_job(ep_job *job, ep_db *db, const char *arg, void *udata);
void ts_import_routes(void);

/* notify.c */
enum { TS_TELL_SUBMITTED, TS_TELL_ANSWERED, TS_TELL_APPROVED };
/* One entry a message will name. */
struct ts_told {
	int kind;
	int64_t to;      /* the person told; 0: the council's approvers */
	int64_t by;      /* who approved; 0: the council's local policy */
	int64_t consumer, expert, engagement, minutes, adjusts;
	char date[11], activity[16];
	char *query;     /* the approver's question, for an answer to it */
};
/* What one action owes people, sent as one message to each. */
struct ts_tell {
	struct ts_told *v;
	size_t n, cap;
};
void ts_tell_begin(struct ts_tell *tl);
void ts_tell_free(struct ts_tell *tl);
int ts_tell_add(ep_db *db, const struct ts_actor *a, int kind,
    const struct ts_entry_row *t, int64_t to, int64_t by, const char *query);
int ts_tell_flush(ep_db *db, struct ts_tell *tl);
int ts_tell_queried(ep_db *db, const struct ts_actor *a,
    const struct ts_entry_row *t, const char *comment);
int ts_tell_budget(ep_db *db, const struct ts_engagement *g, int mark,
    int64_t allowed);
int ts_budget_mark(int64_t before, int64_t after, int64_t allowed);

#endif
