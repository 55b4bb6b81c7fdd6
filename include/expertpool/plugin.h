/* expertpool plugin ABI: the only header a plugin includes. */
#ifndef EXPERTPOOL_PLUGIN_H
#define EXPERTPOOL_PLUGIN_H

/*
 * A plugin is a shared object in the plugins directory that exports one
 * function, EP_PLUGIN_ENTRY, returning a constant struct ep_plugin_info.
 * The host compares that block field by field with its own ABI before it
 * calls anything else, then calls init() with the host table.  Routes,
 * hooks, commands, migrations and jobs may be registered only inside
 * init(); afterwards the registration functions refuse.
 *
 * Versions.  EP_ABI_MAJOR changes when a change breaks plugins already
 * built; EP_ABI_MINOR when the host table gains members at its end (it
 * only ever grows there, as sqlite3ext.h's does).  The loader loads a
 * plugin whose major equals its own, whatever the two minors: a plugin
 * built for an older minor sees a longer table than it knows of, and one
 * built for a newer minor a shorter one than its header declares.  So a
 * plugin calls the members of its major's first version (x.0) directly,
 * and tests every member added since with EP_HOST_HAS before calling it:
 * it does without, or fails its init saying which host it needs.  The
 * loader refuses another major, and an info block shorter than x.0's.
 *
 * Sizes.  Every struct that crosses the boundary carries its size in its
 * first member, set by whoever fills it in (sizeof the struct as that
 * side was built): the host table and info block by their makers, the
 * fee inputs (ep_fee_entry, ep_fee_engagement, ep_fee_milestone,
 * ep_fee_invoice) and ep_fee_result by the plugin.  The host reads an
 * input only within its size (later members count as zero), writes a
 * result only within its size, and steps through an array by its first
 * element's size, so each of these may grow at its end within a major.
 * A size below the major's first version is refused.
 *
 * Requirements.  A plugin that reads another's tables or calls on what
 * it provides names it in the info block's requires; the loader starts
 * plugins in an order that puts each after those it requires (so their
 * migrations run first) and refuses one whose requirement is absent,
 * naming it.
 *
 * The schema.  A plugin owns its tables and every trigger and view on
 * them, and creates them only through its own migrations; the core never
 * writes a plugin's schema.  What the core reads of a plugin's data it
 * reads through views the plugin provides (see "Views the core reads"
 * below); a plugin keeps those views' columns as documented.
 *
 * ABI 2.0 (from 1.6): a size first in the info block and in every fee
 * struct; the info block's requires; the host's second_factor_fresh, the
 * units (date_ok to money_plain) and notify_address_files.  Plugins built
 * for 1.x are refused.
 *
 * No libevent, SQLite or Lua types appear here: only opaque handles.
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EP_ABI_MAJOR 2
#define EP_ABI_MINOR 1
#define EP_PLUGIN_MAGIC 0x4550504cu /* "EPPL" */

/* What job_start_as answers when it does not start a job. */
#define EP_JOB_ERROR (-1)
#define EP_JOB_PERSON_BUSY (-2)
#define EP_JOB_FULL (-3)

#define EP_PLUGIN_ENTRY expertpool_plugin
#define EP_PLUGIN_ENTRY_NAME "expertpool_plugin"

#if defined(__GNUC__)
#define EP_EXPORT __attribute__((visibility("default")))
#define EP_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define EP_EXPORT
#define EP_PRINTF(a, b)
#endif

/* Roles a route admits.  EP_ROLE_PUBLIC needs no sign-in. */
enum ep_role {
	EP_ROLE_PUBLIC = 0,
	EP_ROLE_REQUESTER = 1u << 0,
	EP_ROLE_APPROVER = 1u << 1,
	EP_ROLE_EXPERT = 1u << 2,
	EP_ROLE_POOL_MANAGER = 1u << 3,
	EP_ROLE_FINANCE = 1u << 4,
	EP_ROLE_ADMIN = 1u << 5,
	EP_ROLE_ANY = (1u << 6) - 1 /* any signed-in person */
};

/* Log levels for ep_host.log. */
enum ep_log_level { EP_LOG_ERROR, EP_LOG_WARN, EP_LOG_INFO, EP_LOG_DEBUG };

/* Results of ep_host.stmt_step. */
enum ep_step { EP_STEP_ERROR = -1, EP_STEP_DONE = 0, EP_STEP_ROW = 1 };

typedef struct ep_plugin ep_plugin; /* the host's record of one plugin */
typedef struct ep_req ep_req;       /* one HTTP request in flight */
typedef struct ep_db ep_db;         /* one store connection */
typedef struct ep_stmt ep_stmt;     /* a prepared, cached statement */
typedef struct ep_job ep_job;       /* one running background job */
typedef struct ep_page ep_page;     /* a page being written */
typedef struct ep_errors ep_errors; /* a form's errors by field */
typedef struct ep_fees ep_fees;     /* a fee engine of one's own */

/* One time entry to price with the fee rules. */
struct ep_fee_entry {
	uint32_t size;        /* sizeof(struct ep_fee_entry) */
	int64_t minutes;
	const char *date;     /* YYYY-MM-DD */
	const char *activity; /* advice, drafting, meeting, travel, court... */
	int out_of_hours;
	const char *grade;    /* junior, standard, senior, principal */
	const char *basis;    /* hourly, daily, fixed, capped */
	const char *consumer; /* organisation codes */
	const char *provider;
	int64_t agreement;    /* agreement id, 0 for none */
	char vat;             /* S or O */
	/* The provider's bank holiday calendar: 'E' (or 0) England and
	 * Wales, 'S' Scotland, 'N' Northern Ireland. */
	char calendar;
};

#define EP_FEE_MAX_LINES 8
#define EP_FEE_DESCRIPTION 96 /* a charge line's description, with its NUL */
#define EP_FEE_UNIT 16
#define EP_FEE_VAT_REASON 128
/* An engagement's month, for its fixed fees, milestones and bonus. */
struct ep_fee_engagement {
	uint32_t size;          /* sizeof(struct ep_fee_engagement) */
	int64_t id;
	const char *basis;
	const char *period;     /* YYYY-MM */
	const char *consumer;
	const char *provider;
	int64_t agreement;
	char vat;
	int64_t fixed_fee;      /* pence; fixed basis */
	int64_t budget;         /* pence; -1 when none */
	int64_t bonus;          /* pence for on-time completion; 0 none */
	const char *due;        /* YYYY-MM-DD, or NULL */
	const char *completed;  /* YYYY-MM-DD, or NULL */
	int64_t priced;         /* entry charges this period */
	int64_t billed_before;  /* charged in earlier periods */
};

/* One milestone of a fixed-fee engagement. */
struct ep_fee_milestone {
	uint32_t size;          /* sizeof(struct ep_fee_milestone) */
	const char *name;
	int64_t amount;         /* pence */
	const char *done;       /* YYYY-MM-DD, or NULL while outstanding */
};

/* An invoice's terms: caps, volume discounts, VAT treatment. */
struct ep_fee_invoice {
	uint32_t size;          /* sizeof(struct ep_fee_invoice) */
	const char *period;     /* YYYY-MM */
	const char *consumer;
	const char *provider;
	int64_t agreement;
	char vat;
	int64_t subtotal;       /* pence: entry and engagement lines */
	int64_t cap;            /* the agreement's monthly cap; -1 when none */
	int64_t consumer_before; /* the consumer's month total on earlier invoices */
};

/* What pricing one entry gave: its charge lines and the rule set's hash.
 * The caller sets size; the host writes the rest. */
struct ep_fee_result {
	uint32_t size;         /* sizeof(struct ep_fee_result) */
	size_t nlines;
	struct {
		char description[EP_FEE_DESCRIPTION];
		char unit[EP_FEE_UNIT];
		int64_t quantity;
		int64_t unit_price; /* pence */
		int64_t amount;     /* pence */
		char vat;
	} lines[EP_FEE_MAX_LINES];
	int64_t total; /* pence */
	char ruleset_hash[80];
	char vat;              /* invoice(): the invoice's VAT category */
	char vat_reason[EP_FEE_VAT_REASON]; /* invoice(): exemption, or "" */
	char error[256];
};

/* A file sent with an e-mail: its name as the receiver sees it (letters,
 * digits, '.', '-' and '_'), its MIME type, its bytes. The caller sets
 * size. */
struct ep_mail_file {
	uint32_t size;         /* sizeof(struct ep_mail_file) */
	const char *name;
	const char *content_type;
	const void *data;
	size_t len;
};

/* Answers a request: must end with exactly one ep_host.reply. */
typedef void (*ep_handler_fn)(ep_req *req, void *arg);
/* Called when an event fires; json is the event's payload object. */
typedef void (*ep_hook_fn)(const char *event, const char *json, void *arg);
/* A CLI subcommand: argv[0] is the command name. Returns the exit status. */
typedef int (*ep_command_fn)(ep_db *db, int argc, char **argv, void *arg);
/* A background job body, on its own thread with its own store connection.
 * Returns 0 on success; on failure sets a message with job_fail. */
typedef int (*ep_job_fn)(ep_job *job, ep_db *db, const char *arg, void *udata);

struct ep_host {
	uint32_t size; /* sizeof(struct ep_host) in the running host */
	uint16_t abi_major;
	uint16_t abi_minor;
	const char *version; /* expertpool's package version */

	/* Registration: only during init. Each returns 0, or -1 with a log line. */
	int (*route_add)(ep_plugin *p, const char *method, const char *pattern,
	    unsigned roles, ep_handler_fn fn, void *arg);
	int (*hook_add)(ep_plugin *p, const char *event, ep_hook_fn fn, void *arg);
	int (*command_add)(ep_plugin *p, const char *name, const char *usage,
	    ep_command_fn fn, void *arg);
	int (*migration_add)(ep_plugin *p, int version, const char *sql);
	int (*job_add)(ep_plugin *p, const char *name, ep_job_fn fn, void *arg);

	/* Logging and events. */
	void (*log)(ep_plugin *p, int level, const char *fmt, ...) EP_PRINTF(3, 4);
	void (*hook_fire)(const char *event, const char *json);

	/* The request being answered. Strings live until the reply. */
	const char *(*req_method)(ep_req *r);
	const char *(*req_path)(ep_req *r);
	const char *(*req_param)(ep_req *r, const char *name);
	const char *(*req_query)(ep_req *r, const char *name);
	const char *(*req_header)(ep_req *r, const char *name);
	const char *(*req_body)(ep_req *r, size_t *len);
	const char *(*req_id)(ep_req *r);
	ep_db *(*req_db)(ep_req *r);
	void (*reply_header)(ep_req *r, const char *name, const char *value);
	void (*reply)(ep_req *r, int status, const char *content_type,
	    const char *body, size_t len);

	/* The store. Statements come from a per-connection cache: reset them,
	 * never finalize them. */
	ep_stmt *(*db_prepare)(ep_db *db, const char *sql);
	int (*stmt_bind_int64)(ep_stmt *s, int idx, int64_t v);
	int (*stmt_bind_text)(ep_stmt *s, int idx, const char *v);
	int (*stmt_bind_null)(ep_stmt *s, int idx);
	int (*stmt_step)(ep_stmt *s);
	int64_t (*stmt_int64)(ep_stmt *s, int col);
	const char *(*stmt_text)(ep_stmt *s, int col);
	int (*stmt_is_null)(ep_stmt *s, int col);
	void (*stmt_reset)(ep_stmt *s);
	int (*db_exec)(ep_db *db, const char *sql);
	int (*db_begin)(ep_db *db);
	int (*db_commit)(ep_db *db);
	int (*db_rollback)(ep_db *db);
	int64_t (*db_last_id)(ep_db *db);
	int (*db_changes)(ep_db *db);
	const char *(*db_errmsg)(ep_db *db);

	/* Jobs: start one by name (returns its id, or -1: busy or an error;
	 * job_start_as says which), report progress. */
	int64_t (*job_start)(const char *name, const char *arg);
	void (*job_progress)(ep_job *job, int64_t done, int64_t total);
	void (*job_fail)(ep_job *job, const char *message);

	/* Records owned by organisations, the signed-in person,
	 * forms, pages in the house style, the audit trail, the fee rules. */
	int (*route_add_owned)(ep_plugin *p, const char *method,
	    const char *pattern, unsigned roles, const char *owner_sql,
	    ep_handler_fn fn, void *arg);
	int (*nav_add)(ep_plugin *p, unsigned roles, const char *href,
	    const char *label, const char *description);
	int64_t (*req_person)(ep_req *r); /* 0 when nobody signed in */
	int64_t (*req_org)(ep_req *r);
	unsigned (*req_roles)(ep_req *r);
	const char *(*req_login)(ep_req *r);
	const char *(*req_org_code)(ep_req *r);
	const char *(*req_form)(ep_req *r, const char *name);
	void (*req_form_each)(ep_req *r, const char *name,
	    void (*fn)(const char *value, void *arg), void *arg);
	void (*req_defer)(ep_req *r);
	void (*redirect)(ep_req *r, const char *location);
	void (*json_error)(ep_req *r, int status, const char *code,
	    const char *field, const char *message);
	/* Appends to the audit chain inside the caller's transaction; the
	 * actor is the request's person, or the system when r is NULL. */
	int (*audit)(ep_db *db, ep_req *r, const char *action,
	    const char *entity, const char *entity_id, int64_t org_id,
	    const char *summary_json);
	ep_page *(*page_begin)(ep_req *r, const char *title, const ep_errors *e);
	void (*page_end)(ep_req *r, ep_page *b, int status);
	void (*page_message)(ep_req *r, int status, const char *title,
	    const char *message);
	/* printf for HTML: %s escaped text, %R raw markup, %d int, %D int64_t,
	 * %P pence as pounds. */
	void (*html)(ep_page *b, const char *fmt, ...);
	ep_errors *(*errors_new)(void);
	void (*errors_add)(ep_errors *e, const char *field, const char *message);
	int (*errors_count)(const ep_errors *e);
	const char *(*errors_get)(const ep_errors *e, const char *field);
	void (*errors_free)(ep_errors *e);
	void (*form_begin)(ep_page *b, ep_req *r, const char *action);
	void (*form_end)(ep_page *b, const char *button);
	void (*form_input)(ep_page *b, const ep_errors *e, const char *name,
	    const char *label, const char *hint, const char *type,
	    const char *value, const char *css_class);
	void (*form_textarea)(ep_page *b, const ep_errors *e, const char *name,
	    const char *label, const char *hint, const char *value);
	void (*form_select)(ep_page *b, const ep_errors *e, const char *name,
	    const char *label, const char *hint, const char *const options[][2],
	    const char *value);
	/* Prices one entry with a rule set by name; 0, or -1 with out->error. */
	int (*fee_price)(const char *ruleset, const struct ep_fee_entry *entry,
	    struct ep_fee_result *out);
	/* The consumer's local policy: should this entry be approved without
	 * an approver? 1 yes, 0 no, -1 error (out_error gets why). */
	int (*fee_auto_approve)(const char *consumer,
	    const struct ep_fee_entry *entry, char *out_error, size_t len);
	void (*pence_text)(char *out, size_t len, int64_t pence);
	/* Group commit: work() runs inside one transaction shared with every
	 * write queued meanwhile (in its own savepoint; non-zero undoes it);
	 * done() replies once the commit is durable (its WAL frames fsynced,
	 * one fsync shared by every batch committed meanwhile). */
	int (*group_commit)(ep_req *r,
	    int (*work)(ep_db *db, ep_req *r, void *arg),
	    void (*done)(ep_req *r, int rc, void *arg), void *arg);
	/* A setting's value as text ("" when unset, NULL when unknown). */
	const char *(*config_get)(const char *name);
	/* A fee engine of one's own, for a job thread (the server's is the
	 * event loop's). Rule sets by name (the active version) or, to
	 * re-price exactly, by the hash a line recorded. */
	ep_fees *(*fees_open)(ep_db *db, char *err, size_t len);
	void (*fees_close)(ep_fees *f);
	int (*fees_price)(ep_fees *f, const char *ruleset, const char *hash,
	    const struct ep_fee_entry *entry, struct ep_fee_result *out);
	int (*fees_engagement)(ep_fees *f, const char *ruleset, const char *hash,
	    const struct ep_fee_engagement *eng, struct ep_fee_result *out);
	int (*fees_invoice)(ep_fees *f, const char *ruleset, const char *hash,
	    const struct ep_fee_invoice *inv, struct ep_fee_result *out);
	/* Prices entries[0..n-1] into out[0..n-1] with one call into
	 * the rule set, as an invoice run does; each entry has the budget of a
	 * fees_price call. 0, or -1 with *failed the index of the entry that
	 * failed and out[*failed].error saying why (every out then empty). */
	int (*fees_price_batch)(ep_fees *f, const char *ruleset,
	    const char *hash, const struct ep_fee_entry *entries, size_t n,
	    struct ep_fee_result *out, size_t *failed);
	/* fees_engagement with the engagement's milestones, in
	 * order (struct ep_fee_engagement cannot grow to carry them). */
	int (*fees_engagement_milestones)(ep_fees *f, const char *ruleset,
	    const char *hash, const struct ep_fee_engagement *eng,
	    const struct ep_fee_milestone *milestones, size_t n,
	    struct ep_fee_result *out);
	/* Audit as a person, not the system, where no request
	 * carries them: a job doing what that person asked for. -1 when
	 * there is no such person. */
	int (*audit_as)(ep_db *db, int64_t person_id, const char *action,
	    const char *entity, const char *entity_id, int64_t org_id,
	    const char *summary_json);
	/* A part of a multipart/form-data request (a file upload),
	 * file or not: *data points into the body, *len its length. 0, or -1
	 * when the request has no such part. */
	int (*req_file)(ep_req *r, const char *name, const char **data,
	    size_t *len);
	/* Today as a council counts it, the date in London (not
	 * UTC: at 00:30 on 1 April in summer time it is April), YYYY-MM-DD.
	 * Dates of entries, issues, due days and months are London dates;
	 * stored instants stay UTC. */
	void (*today)(char out[11]);
	/* A job for the person the request is from, which counts
	 * against their limit of jobs queued or running. Its id, or
	 * EP_JOB_ERROR, EP_JOB_PERSON_BUSY (they have too many: tell them to
	 * wait for one), EP_JOB_FULL (the server has too many: try later). */
	int64_t (*job_start_as)(ep_req *r, const char *name, const char *arg);
	/* The 32-byte sealing key from the file sealing_key_file
	 * names, kept outside the store; 0, or -1 with why in err. Wipe it
	 * (sodium_memzero) when done. */
	int (*sealing_key)(unsigned char key[32], char *err, size_t len);
	/* struct ep_fee_entry's calendar code for a calendar as the
	 * store names it (organisations.calendar): 'E', 'S' or 'N'; NULL is
	 * 'E'; an unknown name '?', which pricing refuses. */
	char (*calendar_code)(const char *name);
	/* Long read-only work for a request, off the event loop:
	 * work(db, arg) runs on a reader thread with a store connection of
	 * its own that may only read (open a fee engine on it with fees_open
	 * if need be), then done(r, rc, arg) replies on the event loop with
	 * work's return. 0, or -1 when the readers have too much queued:
	 * nothing is called, and the handler answers 503 with Retry-After. */
	int (*req_read)(ep_req *r, int (*work)(ep_db *db, void *arg),
	    void (*done)(ep_req *r, int rc, void *arg), void *arg);
	/* A message that tells people something, queued inside
	 * the caller's transaction, so an action rolled back sends nothing.
	 * It shows on each person's messages page and goes by e-mail to
	 * those who chose e-mail; link is the page it is about ("/invoices/
	 * 12"), shown as a full address in the e-mail, or NULL. Each returns
	 * 0, or -1 when the store failed or an address is not one. */
	int (*notify_person)(ep_db *db, int64_t person_id, const char *subject,
	    const char *body, const char *link);
	/* To everyone holding any of the roles in an organisation,
	 * or in every organisation when org_id is 0. */
	int (*notify_role)(ep_db *db, unsigned roles, int64_t org_id,
	    const char *subject, const char *body, const char *link);
	/* To an address that is nobody's account (an organisation's
	 * invoice address), always by e-mail. */
	int (*notify_address)(ep_db *db, const char *address,
	    const char *subject, const char *body, const char *link);
	/* The person a job runs for (started with job_start_as),
	 * to tell them when it ends; 0 when it runs for nobody. */
	int64_t (*job_person)(ep_job *job);
	/* A fresh second factor before an action that moves
	 * money: 0 when the person needs none, or their session showed one
	 * recently enough; otherwise the host has replied (a page to the code form
	 * that comes back to next, or 403 to an API client) and it is -1. */
	int (*second_factor_fresh)(ep_req *r, const char *next);
	/*
	 * Units, with the core's one grammar and print form each.
	 * Dates: date_ok is YYYY-MM-DD naming a real day (1900 to 9999),
	 * month_ok YYYY-MM; date_words writes "2 November 2026". Hours:
	 * hours_parse reads what people type ("1.5", "1:30", "90m", "1h30",
	 * "1 h 30 m") as minutes from 0, 0 or -1 (the caller refuses zero or
	 * its own limit); hours_text writes "1 h 30 m" for people,
	 * hours_clock "1:30" for machines and form fields. Money:
	 * money_parse reads "£1,234.56" or "1234.5" as pence, never
	 * negative, more than two decimals refused, 0 or -1; pence_text
	 * (above) writes "£1,234.56" for pages, money_plain "1234.56" for
	 * CSV and UBL.
	 */
	int (*date_ok)(const char *s);
	int (*month_ok)(const char *s);
	void (*date_words)(char *out, size_t len, const char *date);
	int (*hours_parse)(const char *s, int64_t *minutes);
	void (*hours_text)(char *out, size_t len, int64_t minutes);
	void (*hours_clock)(char *out, size_t len, int64_t minutes);
	int (*money_parse)(const char *s, int64_t *pence);
	void (*money_plain)(char *out, size_t len, int64_t pence);
	/* notify_address with files attached (an invoice's PDF
	 * and UBL), queued in the caller's transaction. The message's id in
	 * the outbox, or -1 when the store failed, the address is not one
	 * or a file's name or type could break the message. */
	int64_t (*notify_address_files)(ep_db *db, const char *address,
	    const char *subject, const char *body, const char *link,
	    const struct ep_mail_file *files, size_t nfiles);
	/* 2.1: */
	/* An expense kind's terms under a rule set, with the consumer
	 * council's overlay: *rate pence a unit (a mile), or -1 at cost,
	 * and *vat the category ('S' or 'O') under the agreement's vat.
	 * f NULL: the server's rules. 0, or -1 with err saying why. */
	int (*fee_expense)(ep_fees *f, const char *ruleset,
	    const char *consumer, const char *kind, char vat, int64_t *rate,
	    char *out_vat, char *err, size_t len);
};

/*
 * True when the running host's table has the member.  Needed only for
 * members added after the major's first version: a host of an older
 * minor loads the plugin all the same, with a shorter table.
 */
#define EP_HOST_HAS(host, member)                                      \
	((host)->size >= offsetof(struct ep_host, member) +              \
	        sizeof((host)->member))

/*
 * The block a plugin's entry point returns.  size and magic come first in
 * every major, so the loader can tell a block of another major and say so.
 */
struct ep_plugin_info {
	uint32_t size;      /* sizeof(struct ep_plugin_info) */
	uint32_t magic;     /* EP_PLUGIN_MAGIC */
	uint16_t abi_major; /* EP_ABI_MAJOR the plugin was built against */
	uint16_t abi_minor; /* EP_ABI_MINOR the plugin was built against */
	uint32_t host_size; /* sizeof(struct ep_host) the plugin was built with */
	const char *name;
	const char *version;
	/* The plugins this one requires, by name, ending with NULL; or NULL
	 * for none.  They start first; without one, this one is refused. */
	const char *const *requires;
	int (*init)(ep_plugin *self, const struct ep_host *host);
	void (*fini)(ep_plugin *self); /* may be NULL */
};

typedef const struct ep_plugin_info *(*ep_plugin_entry_fn)(void);

/* Declares the entry point of a plugin with the current ABI; requires_
 * is NULL or a NULL-terminated array of plugin names. */
#define EP_PLUGIN_DECLARE(name_, version_, requires_, init_, fini_)       \
	EP_EXPORT const struct ep_plugin_info *EP_PLUGIN_ENTRY(void);      \
	const struct ep_plugin_info *EP_PLUGIN_ENTRY(void)                 \
	{                                                                  \
		static const struct ep_plugin_info info = {                \
			.size = sizeof(struct ep_plugin_info),             \
			.magic = EP_PLUGIN_MAGIC,                          \
			.abi_major = EP_ABI_MAJOR,                         \
			.abi_minor = EP_ABI_MINOR,                         \
			.host_size = sizeof(struct ep_host),               \
			.name = (name_),                                   \
			.version = (version_),                             \
			.requires = (requires_),                           \
			.init = (init_),                                   \
			.fini = (fini_),                                   \
		};                                                         \
		return &info;                                              \
	}

/*
 * Views the core reads.  The core reads a plugin's data only through
 * these, each created and kept by its plugin's migrations; when a view is
 * absent (its plugin is not installed) the core reads nothing from it.
 *
 * timesheet_counted_entries (timesheet): the entries the reports count,
 *   approved or invoiced: engagement_id, entry_date, minutes, billable,
 *   priced_pence.
 * recharge_documents (recharge): invoices and credit notes issued:
 *   consumer_id, provider_id, period, kind, net_pence, vat_pence,
 *   total_pence (credit notes' amounts as stored).
 * timesheet_quality_entries (timesheet): the same entries for the
 *   quality measures: id, engagement_id, entry_date, minutes, adjusts_id,
 *   queried (1 when an approver queried it before approving it).
 * fee_priced_entries, fee_priced_terms (recharge): what the fee what-if
 *   prices again; their columns are documented in its migration 5.
 *
 * Between plugins: timesheet_invoiced_entries (timesheet migration 10):
 *   entry_id of each entry an issued invoice holds; recharge (migration
 *   12) replaces it to name the entries its invoices hold, so a later
 *   timesheet migration that remakes it must leave recharge's in place.
 *
 * A plugin's migrations may also install triggers on its own tables that
 * keep the core's report summaries (report_hours, report_consumer,
 * report_load, report_period_hours, report_invoices, report_quality)
 * in step.
 */

#ifdef __cplusplus
}
#endif

#endif /* EXPERTPOOL_PLUGIN_H */
