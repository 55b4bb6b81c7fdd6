/* server.h: the core's one internal header, one section per source file. */
#ifndef EXPERTPOOL_SERVER_H
#define EXPERTPOOL_SERVER_H

#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <expertpool/plugin.h>

struct event_base;
struct evbuffer;
struct evhttp_request;
struct evkeyvalq;
struct json_t;
struct sqlite3;
struct sqlite3_stmt;

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

/* log.c */
void log_init(int level);
void log_set_level(int level);
int log_level(void);
void log_attach(struct event_base *base);
void log_detach(void);
void log_msg(int level, const char *fmt, ...) EP_PRINTF(2, 3);
void log_vmsg(int level, const char *prefix, const char *fmt, va_list ap);
void log_line(const char *line, size_t len);
void log_flush(void);
#define log_error(...) log_msg(EP_LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(EP_LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(EP_LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(EP_LOG_DEBUG, __VA_ARGS__)

/* util.c */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xprintf(const char *fmt, ...) EP_PRINTF(1, 2);
uint64_t now_usec(void);
uint64_t mono_usec(void);
int parse_int64(const char *s, int64_t min, int64_t max, int64_t *out);
int parse_listen(const char *s, char **host, int *port);

/* units.c */
#define UNITS_MAX_HOURS 100000
#define UNITS_MAX_POUNDS 100000000000LL
int units_date_ok(const char *s);
int units_month_ok(const char *s);
void units_date_words(char *out, size_t len, const char *date);
int units_hours_parse(const char *s, int64_t *minutes);
void units_hours_text(char *out, size_t len, int64_t minutes);
void units_hours_clock(char *out, size_t len, int64_t minutes);
int units_money_parse(const char *s, int64_t *pence);
void units_money_text(char *out, size_t len, int64_t pence);
void units_money_plain(char *out, size_t len, int64_t pence);

/* config.c */
enum config_type { CONFIG_STRING, CONFIG_INT, CONFIG_BOOL };
struct config {
	char *listen;
	char *db;
	char *plugins;
	char *rules;
	int64_t max_header_bytes;
	int64_t max_body_bytes;
	int64_t request_timeout;
	int64_t max_connections;
	int64_t max_connections_per_client;
	int64_t request_deadline;
	int64_t max_request_memory;
	int64_t busy_timeout_ms;
	int64_t shutdown_grace;
	int64_t log_requests;
	int64_t tls;
	int64_t session_idle;
	int64_t session_max;
	int64_t login_limit_account;
	int64_t login_limit_address;
	int64_t login_queue;
	int64_t job_threads;
	int64_t job_queue;
	int64_t jobs_per_person;
	int64_t token_days;
	int64_t audit_anchor_seconds;
	char *assets;
	char *sendmail;
	char *public_url;
	char *trusted_proxies;
	char *metrics_from;
	int64_t requesters_choose;
	char *accessibility_contact;
	char *accessibility_date;
	char *sealing_key_file;
	int64_t two_factor_required;
	int64_t two_factor_fresh;
};
/* A string option's max: it may be set to "" (nothing). */
#define CONFIG_MAY_BE_EMPTY 1
struct config_option {
	const char *name;
	enum config_type type;
	size_t offset;
	int64_t min;
	int64_t max;		/* CONFIG_MAY_BE_EMPTY for a string */
	const char *def;
	const char *help;
};
extern struct config cfg;
extern const struct config_option config_options[];
extern const size_t config_noptions;
void config_defaults(struct config *c);
void config_free(struct config *c);
int config_set(struct config *c, const char *name, const char *value,
    char **err);
int config_load(struct config *c, const char *path, char **err);
void config_help(FILE *f);
const char *config_get(const char *name);

/* cursor.c */
struct cursor {
	int64_t limit, after, last, n;
	int more;
};
int cursor_read(struct ep_req *r, int64_t def, int64_t max, struct cursor *c);
int cursor_take(struct cursor *c, int64_t id);
void cursor_reply(struct ep_req *r, const char *path,
    const char *const *keep, const struct cursor *c, struct json_t *items);

/* db.c */
#define DB_RECENT 256
struct db_recent {
	const char *sql;		/* the caller's pointer */
	struct db_cache_slot *slot;
};
struct ep_db {
	struct sqlite3 *sql;
	char *path;
	struct db_cache_slot *cache;
	size_t cache_size;
	size_t cache_used;
	int tx_depth;
	int audit_known;	/* audit_last is the chain's end (audit.c) */
	unsigned char audit_last[32];
	int64_t busy_timeout_ms;
	int nowait;		/* the busy handler gives up at once */
	uint64_t serial;	/* distinguishes connections, even at one address */
	struct db_recent recent[DB_RECENT];
};
struct ep_db *db_open(const char *path, int64_t busy_timeout_ms, char **err);
void db_close(struct ep_db *db);
struct sqlite3_stmt *db_stmt(struct ep_db *db, const char *sql);
const char *db_text(struct sqlite3_stmt *s, int i);
int db_exec(struct ep_db *db, const char *sql);
int db_run_id(struct ep_db *db, const char *sql, int64_t id);
int64_t db_int_id(struct ep_db *db, const char *sql, int64_t id);
int db_begin(struct ep_db *db);
int db_begin_nowait(struct ep_db *db);
void db_busy_note(void);
int db_commit(struct ep_db *db);
int db_rollback(struct ep_db *db);
int db_ping(struct ep_db *db);
int db_read_begin(struct ep_db *db);
int db_generation(struct ep_db *db, const char *name, int64_t *gen);
void db_read_end(struct ep_db *db);
char *db_like(const char *text);
const char *db_errmsg(struct ep_db *db);
uint64_t db_busy_retries(void);
size_t db_cache_count(struct ep_db *db);
int db_user_version(struct ep_db *db);

/* migrate.c */
struct migration {
	int version;
	const char *name;
	const char *sql;
};
extern const struct migration core_migrations[];
extern const size_t core_nmigrations;
int migrate_core(struct ep_db *db, int *applied, char **err);
int migrate_plugin(struct ep_db *db, const char *plugin, int version,
    const char *sql, int *applied, char **err);
int migrate_all(struct ep_db *db, int *applied, char **err);

/* route.c */
#define ROUTE_MAX_PARAMS 8
struct route {
	const char *method;
	char *pattern;
	unsigned roles;
	char *owner_sql; /* org ids owning the record named by the first param */
	ep_handler_fn fn;
	void *arg;
	struct ep_plugin *owner;
	char **segs;
	int nsegs;
	size_t index;
};
struct route_params {
	int n;
	const char *name[ROUTE_MAX_PARAMS];
	char *value[ROUTE_MAX_PARAMS];
};
enum route_result { ROUTE_FOUND, ROUTE_NOT_FOUND, ROUTE_BAD_METHOD };
int route_add(struct ep_plugin *owner, const char *method, const char *pattern,
    unsigned roles, ep_handler_fn fn, void *arg);
int route_add_owned(struct ep_plugin *owner, const char *method,
    const char *pattern, unsigned roles, const char *owner_sql,
    ep_handler_fn fn, void *arg);
void route_remove_owner(struct ep_plugin *owner);
void route_clear(void);
enum route_result route_match(const char *method, const char *path,
    const struct route **out, struct route_params *params);
void route_params_free(struct route_params *params);
size_t route_count(void);
const struct route *route_at(size_t i);

/* http.c */
struct evkeyvalq *http_parse_multipart(const char *type, const char *body,
    size_t len);
int http_multipart_part(const char *type, const char *body, size_t len,
    const char *name, const char **data, size_t *dlen);
struct principal {
	int64_t person_id;
	int64_t org_id;
	unsigned roles;
	int64_t session_id; /* 0 when signed in with a bearer token */
	char login[72];
	char name[128];
	char org_code[16];
	char csrf[48];
	int64_t factor_at;	/* when the session last showed a second factor */
	int factor_enrolled;	/* the person has a confirmed second factor */
};
struct ep_req {
	struct evhttp_request *ev;
	const struct route *route;
	char *path;
	struct route_params params;
	struct evkeyvalq *query;
	char *body;
	uint64_t start;
	char rid[20];
	struct evkeyvalq *form;
	struct principal who;
	int authed;
	int deferred;
	int replied;
	int status;
	char client[64];	/* the client's address, once worked out */
	int waiting_factor;	/* signed in, but the second factor is not shown */
};
int http_start(struct event_base *base, struct ep_db *db, char **err);
int http_port(void);
void http_drain(void (*done)(void));
void http_stop(void);
void http_reply(struct ep_req *r, int status, const char *type,
    const char *body, size_t len);
void http_reply_buffer(struct ep_req *r, int status, const char *type,
    struct evbuffer *body);
void http_reply_header(struct ep_req *r, const char *name, const char *value);
const char *http_param(struct ep_req *r, const char *name);
const char *http_query(struct ep_req *r, const char *name);
const char *http_header(struct ep_req *r, const char *name);
int http_peer_listed(struct ep_req *r, const char *list);
const char *http_body(struct ep_req *r, size_t *len);
const char *http_form(struct ep_req *r, const char *name);
const char *http_form_text(struct ep_req *r, const char *name);
void http_form_each(struct ep_req *r, const char *name,
    void (*fn)(const char *value, void *arg), void *arg);
const char *http_client_address(struct ep_req *r);
void http_defer(struct ep_req *r);
void http_redirect(struct ep_req *r, const char *location);
void http_json_error(struct ep_req *r, int status, const char *code,
    const char *field, const char *message);
int http_wants_json(struct ep_req *r);
const char *http_method_name(int type);
const char *http_req_method(struct ep_req *r);
struct ep_db *http_db(void);
int http_open_connections(void);
int http_listed(const char *addr, const char *list);

/* conn.c */
struct evhttp;
struct evhttp_connection;
struct evconnlistener;
void conn_start(struct event_base *base, struct evhttp *http,
    struct evconnlistener *listener);
void conn_unlisten(void);
void conn_stop(void);
int conn_request_read(struct evhttp_connection *evcon);
void conn_replied(struct evhttp_connection *evcon);
int conn_count(void);
void conn_refusals(uint64_t *per_client, uint64_t *memory, uint64_t *deadline);

/* html.c */
#define FORM_MAX_ERRORS 24
struct form_errors {
	int n;
	char *field[FORM_MAX_ERRORS];
	char *msg[FORM_MAX_ERRORS];
};
void errs_add(struct form_errors *e, const char *field, const char *fmt, ...)
    EP_PRINTF(3, 4);
const char *errs_get(const struct form_errors *e, const char *field);
void errs_free(struct form_errors *e);
void errs_print(const struct form_errors *e, FILE *f);
void html_escape(struct evbuffer *b, const char *s);
/* A writer gathering a page's many small pieces into few evbuffer_adds. */
struct html_w {
	struct evbuffer *b;
	size_t n;
	char buf[8192];
};
void html_w_begin(struct html_w *w, struct evbuffer *b);
void html_w_end(struct html_w *w);
void html_w_spill(struct html_w *w, const char *p, size_t len);
/* Inline: a report's page makes tens of thousands of these calls. */
static inline void
html_w_put(struct html_w *w, const char *p, size_t len)
{
	if (len > sizeof w->buf - w->n) {
		html_w_spill(w, p, len);
		return;
	}
	memcpy(w->buf + w->n, p, len);
	w->n += len;
}
/* A string literal, its length known when compiled. */
#define html_w_lit(w, s) html_w_put((w), "" s, sizeof(s) - 1)
void html_w_text(struct html_w *w, const char *s);
void html_w_int(struct html_w *w, int64_t v);
void html_w_printf(struct html_w *w, const char *fmt, ...);
void html_w_vprintf(struct html_w *w, const char *fmt, va_list ap);
void html_printf(struct evbuffer *b, const char *fmt, ...);
void html_vprintf(struct evbuffer *b, const char *fmt, va_list ap);
size_t html_int_text(char *, int64_t);
int nav_add(struct ep_plugin *owner, unsigned roles, const char *href,
    const char *label, const char *description);
void nav_remove_owner(struct ep_plugin *owner);
void nav_home_links(struct evbuffer *b, unsigned roles);
void html_scroll_open(struct evbuffer *b, const char *label);
void html_scroll_close(struct evbuffer *b);
void html_table_open(struct evbuffer *b, const char *caption,
    const char *const *heads);
void html_table_close(struct evbuffer *b);
void html_cell(struct evbuffer *b, const char *text);
void html_notice(struct evbuffer *b, const char *heading);
void html_progress_link(struct evbuffer *b, const char *path, int64_t id);
int64_t html_page_number(struct ep_req *r, int64_t total, int64_t per);
void html_pagination(struct evbuffer *b, const char *path, int64_t page,
    int64_t per, int64_t total, const char *things);
int64_t html_page_number_of(struct ep_req *r, const char *param,
    int64_t total, int64_t per);
void html_pagination_of(struct evbuffer *b, const char *path,
    const char *param, int64_t page, int64_t per, int64_t total,
    const char *things);
void html_summary_row(struct evbuffer *b, const char *key, const char *value);
void html_summary_change(struct evbuffer *b, const char *key,
    const char *value, const char *href);
char *html_list_path(struct ep_req *r, const char *base,
    const char *const *keep);
void html_filter_begin(struct evbuffer *b, const char *action,
    const char *legend);
void html_filter_end(struct evbuffer *b, const char *clear);
struct evbuffer *page_begin(struct ep_req *r, const char *title,
    const struct form_errors *e);
void page_end(struct ep_req *r, struct evbuffer *b, int status);
void page_message(struct ep_req *r, int status, const char *title,
    const char *message);
/* A form's page: drawn fresh (200, no errors) or again with errors. */
typedef void form_page_fn(struct ep_req *r, int status,
    const struct form_errors *e);
struct form_page {
	form_page_fn *draw;
};
void form_page_cb(struct ep_req *r, void *arg);
int64_t page_id(struct ep_req *r, const char *what);
void form_saved(struct ep_req *r, int rc, struct form_errors *e,
    form_page_fn *form, int status, const char *where, int64_t id,
    const char *done);
void form_begin(struct evbuffer *b, struct ep_req *r, const char *action);
void form_end(struct evbuffer *b, const char *button);
void form_input(struct evbuffer *b, const struct form_errors *e,
    const char *name, const char *label, const char *hint, const char *type,
    const char *value, const char *extra_class);
void form_input_auto(struct evbuffer *b, const struct form_errors *e,
    const char *name, const char *label, const char *hint, const char *type,
    const char *value, const char *extra_class, const char *autocomplete);
void form_textarea(struct evbuffer *b, const struct form_errors *e,
    const char *name, const char *label, const char *hint, const char *value);
void form_select(struct evbuffer *b, const struct form_errors *e,
    const char *name, const char *label, const char *hint,
    const char *const options[][2], const char *value);
void html_state_tag(struct evbuffer *b, const char *state);
void form_select_blank(struct evbuffer *b, const struct form_errors *e,
    const char *name, const char *label, const char *hint, const char *blank,
    const char *const options[][2], const char *value);
void form_checkboxes(struct evbuffer *b, const struct form_errors *e,
    const char *name, const char *legend, const char *const options[][2],
    int (*checked)(const char *value, void *arg), void *arg);

/* api.c */
void api_reply(struct ep_req *r, int status, struct json_t *o);
void api_invalid(struct ep_req *r, const struct form_errors *e);
struct json_t *api_object(struct ep_req *r);
const char *api_text(struct json_t *o, const char *key, struct form_errors *e);
int64_t api_id(struct ep_req *r);

/* audit.c */
struct audit_actor {
	int64_t id; /* the person, or 0 for the CLI and the system */
	const char *name;
};
int audit_record(struct ep_db *db, const struct audit_actor *actor,
    const char *action, const char *entity, const char *entity_id,
    int64_t org_id, const char *summary);
int audit_json(struct ep_db *db, const struct audit_actor *actor,
    const char *action, const char *entity, const char *entity_id,
    int64_t org_id, struct json_t *summary);
int audit_json_id(struct ep_db *db, const struct audit_actor *actor,
    const char *action, const char *entity, int64_t id, int64_t org_id,
    struct json_t *summary);
int64_t audit_verify(struct ep_db *db, char **err);

/* audit-diff.c */
void audit_diff_text(struct json_t *before, struct json_t *after,
    const char *field, const char *old, const char *new);
void audit_diff_int(struct json_t *before, struct json_t *after,
    const char *field, int64_t old, int64_t new);
char *audit_diff_dump(struct json_t *before, struct json_t *after);

/* seal.c */
#define SEAL_KEY_BYTES 32
int seal_key(unsigned char key[SEAL_KEY_BYTES], char *err, size_t len);
int seal_derive(unsigned char key[SEAL_KEY_BYTES], const char *context,
    char *err, size_t len);
int audit_anchor(struct ep_db *db, char **err);
int64_t audit_verify_anchors(struct ep_db *db, int64_t *last_event,
    int *unkeyed, char **err);
void audit_actor_cli(struct audit_actor *a);
void audit_actor_of(struct audit_actor *a, const struct principal *who);

/* auth.c */
#define SESSION_COOKIE "ep_session"
int auth_check(struct ep_req *r);
int auth_owns(struct ep_db *db, const struct route *route, const char *param,
    int64_t org_id);
int auth_cookie_value(struct ep_req *r, const char *name, char *out,
    size_t len);
int auth_csrf_valid(struct ep_req *r);

/* session.c */
#define TOKEN_HASH_BYTES 32
void token_new(char *out, size_t len, const char *prefix);
void token_hash(unsigned char out[TOKEN_HASH_BYTES], const char *token);
int session_create(struct ep_db *db, int64_t person_id, char *token,
    size_t len);
int session_lookup(struct ep_db *db, const char *token, struct principal *who);
int session_end(struct ep_db *db, int64_t session_id);
int session_end_person(struct ep_db *db, int64_t person_id);
int apitoken_create(struct ep_db *db, int64_t person_id, const char *label,
    int64_t days, char *token, size_t len, int64_t *id);
int apitoken_revoke_person(struct ep_db *db, int64_t person_id);
int apitoken_lookup(struct ep_db *db, const char *token, struct principal *who);
int session_factor_shown(struct ep_db *db, int64_t session_id);

/* login-pages.c (for reset-pages.c and totp.c) */
const char *login_safe_next(const char *next);
void login_count_failure(const char *login, const char *address);
void login_forgive(const char *login, const char *address);
int login_password_work(struct ep_req *r, void (*work)(void *),
    void (*done)(void *), void *arg);

/* reset-pages.c */
void reset_routes_register(void);

/* totp.c */
int totp_role_required(unsigned roles);
int totp_needed(struct ep_db *db, int64_t person_id, unsigned roles);
int totp_is_on(struct ep_db *db, int64_t person_id);
int totp_reset(struct ep_db *db, const struct audit_actor *actor,
    int64_t person_id);
int totp_fresh(struct ep_req *r, const char *next);
void totp_routes_register(void);

/* token-pages.c */
void tokens_routes_register(void);

/* org.c */
struct org_input {
	const char *code, *name, *kind, *billing_address, *vat_number;
	const char *invoice_email, *payment_terms, *po_required;
	const char *calendar;	/* NULL or "": England and Wales */
};
extern const char *const org_kinds[][2];
int email_ok(const char *s);
int org_add(struct ep_db *db, const struct audit_actor *actor,
    const struct org_input *in, struct form_errors *e, int64_t *id);
int64_t org_id_by_code(struct ep_db *db, const char *code);
int org_update(struct ep_db *db, const struct audit_actor *actor, int64_t id,
    const struct org_input *in, struct form_errors *e, int *changed);
const char *org_calendar_label(const char *calendar);

/* The organisations that may open an agreement: its two parties, or for
 * the consortium-wide default every organisation. */
#define AGREEMENT_OWNER_SQL "SELECT provider_id FROM agreements WHERE id = " \
	"?1 UNION ALL SELECT consumer_id FROM agreements WHERE id = ?1 UNION " \
	"ALL SELECT o.id FROM organisations o JOIN agreements a ON a.id = ?1 " \
	"AND a.provider_id IS NULL"

/* person.c */
struct person_input {
	const char *login, *name, *org_code, *password;
	unsigned roles;
};
extern const char *const role_names[][2];
int roles_parse(const char *csv, unsigned *out, char *bad, size_t badlen);
unsigned role_bit(const char *name);
void roles_format(unsigned roles, char *out, size_t len);
int password_hash(const char *password, char *out);
void password_free(char *password);
int password_check(const char *hash, const char *password, int *rehash);
int person_add(struct ep_db *db, const struct audit_actor *actor,
    const struct person_input *in, struct form_errors *e, int64_t *id);
int64_t person_id_by_login(struct ep_db *db, const char *login);
int login_ok(const char *s);
void password_validate(const char *pw, const char *field,
    struct form_errors *e);
int person_set_password_hash(struct ep_db *db,
    const struct audit_actor *actor, int64_t person_id, const char *hash,
    struct form_errors *e);
int person_set_password(struct ep_db *db, const struct audit_actor *actor,
    int64_t person_id, const char *password, struct form_errors *e);
int person_store_rehash(struct ep_db *db, int64_t person_id, const char *hash);
int person_disable(struct ep_db *db, const struct audit_actor *actor,
    int64_t person_id);
/* A change to a person: NULL fields and disabled -1 stay as they are. */
struct person_edit {
	const char *name, *email, *roles; /* roles as "requester,finance" */
	int disabled;
};
int person_update(struct ep_db *db, const struct audit_actor *actor,
    int64_t id, const struct person_edit *in, struct form_errors *e,
    int *changed);

/* agreement.c */
struct agreement_input {
	const char *provider, *consumer, *ruleset, *payment_terms;
	const char *monthly_cap, *vat, *valid_from, *valid_to;
};
int agreement_add(struct ep_db *db, const struct audit_actor *actor,
    const struct agreement_input *in, struct form_errors *e, int64_t *id);
int agreement_vary(struct ep_db *db, const struct audit_actor *actor,
    int64_t id, const struct agreement_input *in, struct form_errors *e,
    int64_t *new_id);

/* expert.c */
#define EXPERT_MAX_SKILLS 20
struct expert_input {
	const char *org_code, *name, *grade, *capacity, *login;
	const char *const *skills; /* each "area/speciality:level" */
	size_t nskills;
};
struct leave_input {
	const char *from, *to, *note;
};
struct expert_skill {
	char area[16];
	char speciality[48];
	int level;
};
struct expert_row {
	int64_t id, org_id;
	int64_t weekly; /* minutes a week */
	int64_t free;	/* minutes free in the searched range */
	int active;
	char org_code[16];
	char org_name[128];
	char org_calendar[24];	/* the organisation's bank holidays */
	char name[128];
	char grade[16];
	char login[72];
	struct expert_skill skills[EXPERT_MAX_SKILLS];
	size_t nskills;
};
struct expert_filter {
	const char *area, *speciality, *org, *from, *to;
	int all; /* inactive experts too */
};
struct expert_list {
	struct expert_row *rows;
	size_t n, alloc;
	int window; /* free is set: a date range was searched */
};
extern const char *const expert_grades[][2];
extern const char *const skill_areas[][2];
int expert_grade_ok(const char *grade);
int expert_area_ok(const char *area);
int expert_parse_hours(const char *s, int64_t *minutes);
int expert_parse_skill(const char *s, struct expert_skill *out, char *why,
    size_t whylen);
int expert_add(struct ep_db *db, const struct audit_actor *actor,
    const struct expert_input *in, struct form_errors *e, int64_t *id);
int64_t expert_org_id(struct ep_db *db, int64_t expert_id);
int expert_leave_add(struct ep_db *db, const struct audit_actor *actor,
    int64_t expert_id, const struct leave_input *in, struct form_errors *e,
    int64_t *id);
int expert_set_active(struct ep_db *db, const struct audit_actor *actor,
    int64_t expert_id, int active);
/* A change to an expert: NULL fields stay; skills NULL keeps the list. */
struct expert_edit {
	const char *grade, *capacity;
	const char *const *skills;
	size_t nskills;
};
int expert_update(struct ep_db *db, const struct audit_actor *actor,
    int64_t id, const struct expert_edit *in, struct form_errors *e,
    int *changed);
int64_t expert_workdays(const char *from, const char *to);
/* Leave (minutes unused) or an engagement, in day numbers. */
struct expert_span {
	int64_t expert_id;
	int64_t starts, ends;
	int64_t minutes;
};
void expert_spans(struct sqlite3_stmt *s, int64_t expert_id,
    const char *from, const char *to, struct expert_span **v, size_t *n);
int64_t expert_free_of(int64_t weekly, int64_t a, int64_t b,
    const struct expert_span *leave, size_t nleave,
    const struct expert_span *commits, size_t ncommits);
int64_t expert_free_minutes(struct ep_db *db, int64_t expert_id,
    const char *from, const char *to);
int expert_get(struct ep_db *db, int64_t id, struct expert_row *x);
int expert_search(struct ep_db *db, const struct expert_filter *f,
    struct form_errors *e, struct expert_list *out);
void expert_list_free(struct expert_list *l);
void expert_skills_format(const struct expert_row *x, char *out, size_t len);

/* group.c */
int group_commit(struct ep_req *r, int (*work)(struct ep_db *, struct ep_req *,
    void *), void (*done)(struct ep_req *, int, void *), void *arg);
void group_start(struct event_base *base, struct ep_db *db);
void group_stop(void);
void group_close(void);
void group_stats(uint64_t *batches, uint64_t *items, uint64_t *syncs);

/* worker.c */
enum worker_kind {
	WORKER_GENERAL,		/* the group commit's fsync, the outbox */
	WORKER_PASSWORD,	/* Argon2id for sign-ins, bounded */
	WORKER_READ,		/* long reads for requests (req_read), bounded */
	WORKER_SSO,		/* calls to identity providers, bounded */
	WORKER_NKINDS
};
int worker_start(struct event_base *base, enum worker_kind kind, int nthreads,
    int max_queued);
void worker_stop(void);
int worker_run(void (*work)(void *), void (*done)(void *), void *arg);
int worker_run_in(enum worker_kind kind, void (*work)(void *),
    void (*done)(void *), void *arg);
int worker_queued(enum worker_kind kind);
void worker_on_exit(enum worker_kind kind, void (*fn)(void));

/* reader.c */
int reader_start(struct event_base *base);
int reader_run(struct ep_req *r, int (*work)(struct ep_db *db, void *arg),
    void (*done)(struct ep_req *r, int rc, void *arg), void *arg);
const char *job_db(void);

/* home-pages.c */
void home_routes_register(void);

/* login-pages.c */
void login_routes_register(void);
int login_limited(const char *login, const char *address, int *retry_after);
uint64_t login_hash_count(void);
const char *login_next(const char *next);

/* calendar.c */
int64_t day_number(int y, int m, int d);
int64_t day_of(const char *date);
int weekday_of(int64_t day);
int64_t working_days(int64_t from, int64_t to);
void day_format(int64_t day, char out[11]);
int london_offset(int64_t t);
int64_t london_day(int64_t t);
void london_today(char out[11]);

/* request.c */
struct request_input {
	const char *area, *speciality, *title, *description, *urgency;
	const char *wanted_start, *wanted_end, *estimated_hours, *budget;
	const char *cost_centre, *po_reference, *preferred_expert, *idem_key;
	int once_a_day;	/* the web form: the same request again finds it */
};
struct request_clean {
	int64_t minutes;
	int64_t budget; /* pence, -1 when none */
	int64_t preferred;
	int64_t estimate_low, estimate_high; /* pence, 0 when unknown */
	char ruleset[80];
};
extern const char *const request_urgencies[][2];
int request_move_allowed(const char *from, const char *to);
void request_validate(struct ep_db *db, const struct request_input *in,
    int64_t consumer_id, struct request_clean *out, struct form_errors *e);
int request_po_required(struct ep_db *db, int64_t org_id);
int request_create(struct ep_db *db, const struct principal *who,
    const struct request_input *in, struct form_errors *e, int64_t *id,
    int *existing);
void request_fire(int64_t id, const char *event);
int request_state(struct ep_db *db, int64_t id, char *out, size_t len);
int request_transition(struct ep_db *db, const struct audit_actor *actor,
    int64_t id, const char *to, const char *reason, char *err, size_t errlen);
int request_estimate(struct ep_db *db, int64_t consumer_id, const char *area,
    int64_t minutes, const char *date, int64_t *low, int64_t *high,
    char *ruleset, size_t len);

/* request-edit-pages.c */
/* A request's fields as its form shows them. */
struct request_values {
	char area[16], speciality[64], title[208], description[5008];
	char urgency[16], wanted_start[11], wanted_end[11], hours[24];
	char budget[32], cost_centre[48], po_reference[64], preferred[24];
	char state[16];
	int64_t consumer_id;
	int offers;	/* offers ever made for it */
};
int request_current(struct ep_db *db, int64_t id, struct request_values *v,
    struct request_input *in);
int request_update(struct ep_db *db, const struct principal *who, int64_t id,
    const struct request_input *in, struct form_errors *e, int *changed);
void request_edit_routes_register(void);

/* estimate.c */
struct grade_price {
	char grade[16];
	int64_t pence;
	char ruleset[80];
};
size_t estimate_by_grade(struct ep_db *db, int64_t consumer_id,
    const char *area, int64_t minutes, const char *date,
    struct grade_price *out, size_t max);

/* broker.c */
struct broker_candidate {
	int64_t expert_id, provider_id;
	char name[128], provider[16], grade[16];
	int speciality_level, area_level;
	int64_t weekly_minutes, leave_days, free_minutes;
	int64_t price, share_permille, score;
	char reasons[512];
};
#define BROKER_SHOWN 50
int broker_rank(struct ep_db *db, int64_t request_id, size_t limit,
    struct broker_candidate **out, size_t *n, size_t *total);

/* offer.c */
#define MILESTONES_MAX 20
struct offer_input {
	const char *expert, *basis, *budget, *note;
	const char *bonus;	/* pence for finishing by the end date; "" none */
	/* A fixed fee's milestones, in order: names and amounts as typed. */
	const char *ms_name[MILESTONES_MAX + 1];
	const char *ms_amount[MILESTONES_MAX + 1];
	size_t nms;		/* up to MILESTONES_MAX + 1, one too many */
};
void offer_milestone_lines(struct offer_input *in, char *text);
extern const char *const engagement_bases[][2];
int offer_make(struct ep_db *db, const struct principal *who,
    int64_t request_id, const struct offer_input *in, struct form_errors *e,
    int64_t *id);
int offer_accept(struct ep_db *db, const struct principal *who,
    int64_t offer_id, int64_t *engagement_id, char *err, size_t errlen);
int offer_decline(struct ep_db *db, const struct principal *who,
    int64_t offer_id, const char *reason, struct form_errors *e);
int request_finish(struct ep_db *db, const struct principal *who,
    int64_t request_id, const char *to, char *err, size_t errlen);
int milestone_done(struct ep_db *db, const struct principal *who,
    int64_t request_id, const char *number, char *err, size_t errlen);

/* engagement.c, engagement-pages.c, engagement-api.c */
struct engagement_terms {
	int64_t id, request_id, consumer_id, provider_id, expert_person;
	int64_t offer_id, budget; /* pence, -1 when none */
	int milestones;
	char basis[8], starts[11], ends[11], state[12];
	char title[201], expert[128];
};
/* A change as typed: its kind and the fields that kind reads. */
struct change_input {
	const char *kind, *ends, *budget, *basis, *last_day, *reason;
};
/* The terms a change gives: end date, budget (-1 none) and basis. */
struct change_terms {
	char ends[11], basis[8];
	int64_t budget;
};
extern const char *const engagement_change_kinds[][2];
const char *engagement_kind_label(const char *kind);
int engagement_load(struct ep_db *db, int64_t id, struct engagement_terms *g);
void engagement_change_check(struct ep_db *db,
    const struct engagement_terms *g, const struct change_input *in,
    struct change_terms *to, struct form_errors *e);
int engagement_change_propose(struct ep_db *db, const struct principal *who,
    int64_t engagement_id, const struct change_input *in,
    struct form_errors *e, int64_t *id);
int engagement_change_decide(struct ep_db *db, const struct principal *who,
    int64_t change_id, int agree, const char *reason, int64_t *engagement_id,
    char *err, size_t len);
void engagement_routes_register(void);
void engagement_api_routes_register(void);

/* request-pages.c */
void request_pages_routes_register(void);
void offer_terms_rows(struct evbuffer *b, int64_t offer);
void offer_milestones_table(struct evbuffer *b, struct ep_req *r,
    int64_t offer, int64_t request, int can_mark);

/* offer-pages.c */
unsigned broker_roles(void);
void offer_pages_routes_register(void);

/* market-api.c (requests, offers and engagements in the JSON API) */
void market_api_routes_register(void);
void api_request_input(struct json_t *body, struct request_input *in,
    struct form_errors *e);
void request_preferred_select(struct evbuffer *b,
    const struct form_errors *e, const char *value);

/* oidc.c */
#define OIDC_LEEWAY 120		/* seconds of clock difference allowed */
struct oidc_meta {
	char authorization_endpoint[512];
	char token_endpoint[512];
	char jwks_uri[512];
};
/* What a verified ID token says about the person. */
struct oidc_identity {
	char subject[256];
	char email[256];
	char name[128];
	int email_verified;	/* 1 yes, 0 no, -1 not said */
};
void oidc_init(void);
void oidc_cleanup(void);
int oidc_url_ok(const char *url);
int oidc_discover(const char *issuer, struct oidc_meta *m, char *err,
    size_t len);
int oidc_exchange(const struct oidc_meta *m, const char *client_id,
    const char *secret, const char *code, const char *verifier,
    const char *redirect_uri, char **id_token, char *err, size_t len);
int oidc_verify(const char *issuer, const struct oidc_meta *m,
    const char *client_id, const char *id_token, const char *nonce,
    int64_t now, struct oidc_identity *who, char *err, size_t len);
void oidc_pkce_challenge(const char *verifier, char *out, size_t len);

/* oidc-org.c */
#define OIDC_SECRET_MAX 512
struct oidc_org {
	int64_t org_id;
	char code[16];
	char name[128];
	char issuer[513];
	char client_id[257];
	char secret[OIDC_SECRET_MAX + 1];	/* unsealed, or "" */
	int has_secret;
	char domains[1025];
	int passwords;
};
/* A change to an organisation's provider: NULL fields stay as they are;
 * secret "" removes the client secret. */
struct oidc_org_input {
	const char *issuer, *client_id, *secret, *domains, *passwords;
};
int oidc_org_load(struct ep_db *db, int64_t org_id, int unseal,
    struct oidc_org *o, char *err, size_t len);
int oidc_org_set(struct ep_db *db, const struct audit_actor *actor,
    int64_t org_id, const struct oidc_org_input *in, struct form_errors *e,
    int *changed);
int oidc_org_remove(struct ep_db *db, const struct audit_actor *actor,
    int64_t org_id, int *changed);
int oidc_org_domain_allowed(const char *domains, const char *email);
int oidc_passwords_off(struct ep_db *db, int64_t person_id);

/* oidc-pages.c */
void oidc_routes_register(void);
void oidc_login_choices(struct evbuffer *b);

/* outbox.c */
int outbox_queue_person(struct ep_db *db, int64_t person_id,
    const char *subject, const char *body, const char *link);
int outbox_queue_role(struct ep_db *db, unsigned roles, int64_t org_id,
    const char *subject, const char *body, const char *link);
int outbox_queue_address(struct ep_db *db, const char *address,
    const char *subject, const char *body, const char *link);
int outbox_address_ok(const char *address);
int64_t outbox_queue_files(struct ep_db *db, const char *address,
    const char *subject, const char *body, const char *link,
    const struct ep_mail_file *files, size_t nfiles);
int outbox_file_name_ok(const char *name);
int outbox_notify_person(struct ep_db *db, int64_t person_id,
    const char *subject, const char *body);
int outbox_notify_role(struct ep_db *db, unsigned role, int64_t org_id,
    const char *subject, const char *what, int64_t request_id);
char *outbox_request_title(struct ep_db *db, int64_t request_id);
void outbox_start(struct event_base *base);
void outbox_routes_register(void);
void outbox_stop(void);

/* notify-pages.c */
void notify_settings_routes_register(void);

/* metrics.c */
void metrics_observe(const struct route *route, int status, uint64_t usec);
void metrics_render(struct evbuffer *out);
void metrics_reset(void);

/* hook.c */
int hook_add(struct ep_plugin *owner, const char *event, ep_hook_fn fn,
    void *arg);
void hook_remove_owner(struct ep_plugin *owner);
void hook_fire(const char *event, const char *json);
size_t hook_count(const char *event);

/* job.c */
int job_add(struct ep_plugin *owner, const char *name, ep_job_fn fn, void *arg);
void job_remove_owner(struct ep_plugin *owner);
int64_t job_start(const char *name, const char *arg);
int64_t job_start_for(int64_t person_id, const char *name, const char *arg);
int job_pool_start(int nthreads);
void job_pool_stop(void);
void job_progress(ep_job *job, int64_t done, int64_t total);
int64_t job_id(const ep_job *job);
int64_t job_person(ep_job *job);
void job_fail(ep_job *job, const char *message);
void job_set_db_path(const char *path);
int job_reap(struct ep_db *db);
int job_wait_all(int64_t timeout_ms);
int job_running(void);

/* plugin.c */
struct ep_plugin {
	char *path;
	void *handle;
	const struct ep_plugin_info *info;
	int registering;
	struct ep_plugin *next;
};
struct plugin_migration {
	struct ep_plugin *owner;
	int version;
	const char *sql;
};
struct plugin_command {
	struct ep_plugin *owner;
	char *name;
	char *usage;
	ep_command_fn fn;
	void *arg;
};
int plugin_may_register(struct ep_plugin *p, const char *what);
int plugin_command_add(struct ep_plugin *p, const char *name,
    const char *usage, ep_command_fn fn, void *arg);
int plugin_migration_add(struct ep_plugin *p, int version, const char *sql);
int plugin_load(const char *path, char **err);
int plugin_load_dir(const char *dir, char **err);
void plugin_unload_all(void);
struct ep_plugin *plugin_first(void);
size_t plugin_nmigrations(void);
const struct plugin_migration *plugin_migration_at(size_t i);
size_t plugin_ncommands(void);
const struct plugin_command *plugin_command_at(size_t i);
const struct plugin_command *plugin_command_find(const char *name);

/* plugin-host.c */
extern const struct ep_host host_table;

/* routes-core.c */
void core_routes_register(void);
void routes_register_all(void);

/* fee.c */
#define FEE_DESC_MAX 96
#define FEE_UNIT_MAX 16
enum fee_status {
	FEE_OK,
	FEE_E_IO,		/* a file cannot be read */
	FEE_E_SYNTAX,		/* the source does not compile */
	FEE_E_RUNTIME,		/* the script raised an error */
	FEE_E_CONTRACT,		/* the script broke the rule-set contract */
	FEE_E_LIMIT,		/* instruction budget spent */
	FEE_E_MEMORY,		/* memory limit reached */
	FEE_E_TEST,		/* its test file fails */
	FEE_E_INPUT,		/* the caller's input is invalid */
	FEE_E_NOTFOUND,		/* no such rule set, version or policy */
	FEE_E_STORE		/* the store failed */
};
struct fee_line {
	char description[FEE_DESC_MAX];
	char unit[FEE_UNIT_MAX];
	int64_t quantity;
	int64_t unit_price;	/* pence */
	int64_t amount;		/* pence */
	char vat;		/* S, Z, E or O */
};
struct fee_lines {
	struct fee_line *v;
	size_t n;
	size_t cap;
	int64_t total;		/* pence, the sum of the amounts */
	char vat;		/* invoice(): the invoice's VAT category */
	char vat_reason[128];	/* invoice(): the exemption reason, or "" */
};
struct fee_entry {
	int64_t minutes;
	const char *date;	/* YYYY-MM-DD */
	const char *activity;
	int out_of_hours;
	const char *grade;
	const char *basis;	/* hourly, daily, fixed or capped */
	const char *consumer;	/* organisation codes */
	const char *provider;
	int64_t agreement;
	char vat;		/* the agreement's VAT category, S or O */
	const char *today;	/* the pricing date; NULL means the entry's date */
	const char *calendar;	/* the provider's, of fee_calendars; NULL: E&W */
};
struct fee_milestone {
	const char *name;
	int64_t amount;		/* pence */
	const char *done;	/* YYYY-MM-DD, or NULL */
};
struct fee_engagement_in {
	int64_t id;
	const char *basis;
	const char *period;	/* YYYY-MM */
	const char *consumer;
	const char *provider;
	int64_t agreement;
	char vat;
	int64_t fixed_fee;	/* pence; fixed basis */
	int64_t budget;		/* pence; -1 when none */
	int64_t bonus;		/* pence paid for on-time completion; 0 none */
	const char *due;	/* YYYY-MM-DD, or NULL */
	const char *completed;	/* YYYY-MM-DD, or NULL */
	int64_t priced;		/* entry charges of this engagement this period */
	int64_t billed_before;	/* charged in earlier periods */
	const struct fee_milestone *milestones;
	size_t nmilestones;
};
struct fee_invoice_in {
	const char *period;	/* YYYY-MM */
	const char *consumer;
	const char *provider;
	int64_t agreement;
	char vat;
	int64_t subtotal;	/* pence: entry and engagement lines */
	int64_t cap;		/* agreement's monthly cap; -1 when none */
	int64_t consumer_before; /* consumer's month total on earlier invoices */
};
struct fee_request {
	const char *consumer;
	const char *provider;
	const char *area;
	const char *cost_centre;
	const char *date;
	int64_t minutes;
	int64_t estimate;	/* pence */
};
struct fee_engine;
struct fee_ruleset;
struct fee_engine *fee_open(const char *rules_dir, struct ep_db *db,
    char **err);
void fee_close(struct fee_engine *fe);
struct fee_ruleset *fee_ruleset(struct fee_engine *fe, const char *name,
    char **err);
struct fee_ruleset *fee_ruleset_version(struct fee_engine *fe,
    const char *hash, char **err);
struct fee_ruleset *fee_load(struct fee_engine *fe, const char *path,
    int run_tests, char **err);
void fee_ruleset_free(struct fee_ruleset *rs);
const char *fee_ruleset_hash(const struct fee_ruleset *rs);
const char *fee_ruleset_name(const struct fee_ruleset *rs);
int fee_reload(struct fee_engine *fe, char **err);
int fee_price(struct fee_ruleset *rs, const struct fee_entry *e,
    struct fee_lines *out, char **err);
extern const char fee_driver_source[];
int fee_price_batch(struct fee_ruleset *rs, const struct fee_entry *v,
    size_t n, struct fee_lines *out, size_t *failed, char **err);
void fee_memo_stats(const struct fee_ruleset *rs, uint64_t *hits,
    uint64_t *misses);
int fee_engagement(struct fee_ruleset *rs, const struct fee_engagement_in *eng,
    struct fee_lines *out, char **err);
int fee_invoice(struct fee_ruleset *rs, const struct fee_invoice_in *inv,
    struct fee_lines *out, char **err);
int fee_check(struct fee_engine *fe, const char *path, int *ncases,
    char **err);
int fee_policy_auto_approve(struct fee_engine *fe, const char *consumer,
    const struct fee_entry *e, int *yes, char **err);
int fee_policy_po_required(struct fee_engine *fe, const char *consumer,
    const struct fee_request *r, int *yes, char **err);
int fee_policy_cost_centre(struct fee_engine *fe, const char *consumer,
    const struct fee_request *r, char *out, size_t outsz, char **err);
void fee_lines_free(struct fee_lines *l);
const char *fee_status_name(int status);
extern const char *const fee_calendars[][2];
int fee_valid_calendar(const char *s);
void fee_set_server(struct fee_engine *fe);
struct fee_engine *fee_server(void);

/* fee-expense.c */
/* What an expense of a kind costs and how VAT treats it. */
struct fee_expense {
	int64_t rate;	/* pence a unit (a mile); -1: at cost */
	char vat;	/* S or O */
};
int fee_expense_terms(struct fee_engine *fe, const char *ruleset,
    const char *consumer, const char *kind, char vat,
    struct fee_expense *out, char **err);

/* fee-whatif.c */
struct fee_whatif_row {
	const char *consumer;
	int64_t invoices;
	int64_t entries;
	int64_t old_total;	/* pence before VAT, as invoiced */
	int64_t new_total;	/* pence before VAT, under the candidate */
	int64_t changed;	/* entries whose charge differs */
};
typedef void (*fee_whatif_cb)(const struct fee_whatif_row *row, void *arg);
typedef void (*fee_whatif_progress_cb)(int64_t done, void *arg);
int fee_whatif(struct ep_db *db, struct fee_engine *fe, const char *period,
    const char *party, const char *candidate_path, fee_whatif_cb cb,
    fee_whatif_progress_cb progress, void *arg, char **err);

/* cmd.c */
#define CMD_OK 0
#define CMD_ERROR 1
#define CMD_USAGE 2
struct cmd_entry {
	const char *name;
	const char *usage;
	const char *help;
	int needs_db;
	int (*exec)(struct ep_db *db, int argc, char **argv);
};
extern const struct cmd_entry *const cmd_table[];
extern const size_t cmd_count;
/* One option of a subcommand: with an argument kept in *value (or given
 * to each, for an option that may be repeated), or a flag that sets *flag
 * to set. */
#define CMD_MAX_OPTIONS 16
struct cmd_option {
	const char *name;
	const char **value;
	int *flag;
	int set;
	void (*each)(const char *value, void *arg);
	void *arg;
};
int cmd_options(const char *cmd, int argc, char **argv,
    const struct cmd_option *opts, int operands);
const struct cmd_entry *cmd_find(const char *name);
int cmd_usage(const char *name);
int cmd_main(int argc, char **argv);

/* cmd-fees.c */
extern const struct cmd_entry cmd_fees_entry;

/* cmd-help.c */
extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_version_entry;

/* cmd-init.c */
extern const struct cmd_entry cmd_init_entry;
extern const struct cmd_entry cmd_migrate_entry;

/* cmd-plugins.c */
extern const struct cmd_entry cmd_plugins_entry;

/* cmd-org.c, cmd-user.c, cmd-agreement.c, cmd-token.c, cmd-audit.c,
 * cmd-routes.c, cmd-expert.c */
extern const struct cmd_entry cmd_org_entry;
extern const struct cmd_entry cmd_user_entry;
extern const struct cmd_entry cmd_agreement_entry;
extern const struct cmd_entry cmd_token_entry;
extern const struct cmd_entry cmd_audit_entry;
extern const struct cmd_entry cmd_backup_entry;
extern const struct cmd_entry cmd_routes_entry;
extern const struct cmd_entry cmd_expert_entry;
extern const struct cmd_entry cmd_baseline_entry;
extern const struct cmd_entry cmd_report_entry;
int read_password(const char *prompt, char *buf, size_t len);

/* assets.c */
void assets_routes_register(void);
void assets_free(void);

/* admin-pages.c */
void admin_routes_register(void);

/* records-api.c */
void records_api_routes_register(void);

/* report.c */
#define REP_MAX_TABLES 8
/* REP_UNIT: text naming another cell's unit ("minutes"): the name in CSV
 * and JSON, words on pages. */
enum rep_kind { REP_TEXT, REP_INT, REP_MINUTES, REP_PENCE, REP_BP, REP_UNIT };
struct rep_col {
	const char *id;		/* the CSV and JSON name */
	const char *title;	/* NULL: in CSV and JSON, not on the page */
	enum rep_kind kind;
};
struct rep_cell {
	char *text;
	int64_t v;
	enum rep_kind kind;	/* REP_TEXT: the column's */
	int set;
};
struct rep_table {
	const char *id, *title, *note;
	const struct rep_col *cols;
	size_t ncols;
	struct rep_cell *cells;	/* rows [from, from + kept) */
	size_t nrows, cap, from, kept;
	int chart;		/* the column drawn as bars; 0 none */
	int marker;		/* a column drawn as a tick on each bar; 0 none */
	size_t page_rows;	/* rows a page shows, 0 all; CSV and JSON all */
	size_t source_col;	/* 1 + the "source" column's index; 0 none */
};
struct rep_period {
	char label[16];
	char first[8], last[8];	/* YYYY-MM, inclusive */
	char from[11];		/* the first day */
};
struct report {
	const char *name;
	char org_code[16];
	char org_name[128];
	struct rep_period period;
	struct rep_table *tables[REP_MAX_TABLES];
	size_t ntables;
	char note_buf[256];
	size_t page;		/* of tables with page_rows, from 0 */
	int paged;		/* only that page's rows need every figure */
};
struct rep_spread {
	int64_t n, q1, median, q3;
};
int64_t report_div(int64_t num, int64_t den);
int64_t report_per_hour(int64_t pence, int64_t minutes);
int64_t report_bp(int64_t part, int64_t whole);
void report_spread(int64_t *v, size_t n, struct rep_spread *out);
int report_period_parse(const char *s, struct rep_period *p);
void report_period_current(char *out, size_t len);
struct rep_table *report_table(struct report *rep, const char *id,
    const char *title, const struct rep_col *cols, size_t ncols);
void report_row(struct rep_table *t);
void report_rows_counted(struct rep_table *t, size_t n);
void report_text(struct rep_table *t, size_t col, const char *text);
void report_int(struct rep_table *t, size_t col, int64_t v);
void report_int_kind(struct rep_table *t, size_t col, int64_t v,
    enum rep_kind kind);
void report_free(struct report *rep);
struct rep_table *report_find_table(struct report *rep, const char *id);
void report_csv(const struct rep_table *t, struct evbuffer *b);
struct json_t *report_json(const struct report *rep);
size_t report_page_span(size_t nrows, size_t page_rows, size_t page,
    size_t *first, size_t *end);
void report_html(struct evbuffer *b, const struct report *rep,
    const char *csv_base);
void report_cell_text(const struct rep_table *t, size_t r, size_t c,
    char *out, size_t len);
int report_cell_numeric(const struct rep_table *t, size_t c);
/* report-pdf.c */
int report_pdf(const struct report *rep, const char *title,
    struct evbuffer *out);

/* report-data.c */
struct report_def {
	const char *name;
	const char *title;
	int consortium;		/* about the consortium, not one organisation */
	int (*build)(struct ep_db *db, struct report *rep, int64_t org_id,
	    int names, const char *at);
};
extern const struct report_def report_defs[];
extern const size_t report_ndefs;
const struct report_def *report_def_find(const char *name);
/* report-case.c */
int report_case(struct ep_db *db, struct report *rep, int64_t org_id,
    int names, const char *at);
int report_build(struct ep_db *db, const struct report_def *def,
    int64_t org_id, const char *period, int names, const char *at,
    size_t page, struct report *rep, char *err, size_t errlen);

/* report-sum.c */
int report_sum_install(struct ep_db *db, char **err);
int64_t report_sum_rebuild(struct ep_db *db, int check,
    void (*cb)(const char *table, int64_t rows, int64_t differ, void *arg),
    void *arg);
#define REPORT_TARGET_MAX_HOURS (24 * 366)
int report_target_parse(const char *hours, int64_t *minutes);
int64_t report_target_get(struct ep_db *db);
int report_target_set(struct ep_db *db, const struct audit_actor *actor,
    int64_t minutes);

/* baseline.c */
struct baseline_input {
	const char *org_code, *area, *inhouse, *market, *from;
	int pounds;		/* rates typed in pounds, not whole pence */
};
int baseline_set(struct ep_db *db, const struct audit_actor *actor,
    const struct baseline_input *in, struct form_errors *e);

/* report-pages.c */
void report_routes_register(void);

/* report-quality.c */
int report_quality_rebuild(struct ep_db *db);
int report_quality(struct ep_db *db, struct report *rep, int64_t org_id,
    int names, const char *at);
void report_quality_routes_register(void);

/* rating.c */
#define RATERS (EP_ROLE_REQUESTER | EP_ROLE_APPROVER)	/* who may rate */
#define RATING_COMMENT_MAX 1000
struct rating {
	int64_t engagement_id, consumer_id, score, rated_by;
	int completed, open;	/* open: may still be given or changed */
	char completed_at[24], closes_at[24], updated_at[24];
	char closes_on[11];	/* the UTC date of closes_at */
	char comment[1004];
};
extern const char *const rating_scores[][2];
const char *rating_label(int64_t score);
int rating_load(struct ep_db *db, int64_t engagement_id, struct rating *g);
int rating_set(struct ep_db *db, const struct principal *who,
    int64_t engagement_id, const char *score, const char *comment,
    struct form_errors *e);
int rating_offer_path(struct ep_db *db, const struct principal *who,
    int64_t request_id, char *out, size_t len);
/* rating-pages.c */
void rating_section(struct evbuffer *b, struct ep_req *r,
    int64_t engagement_id);
void rating_routes_register(void);

/* statement-pages.c */
void statement_routes_register(void);

/* fees-pages.c */
void fees_routes_register(void);

/* directory-pages.c */
/* Roles that keep the directory: add experts, book leave. */
#define DIRECTORY_KEEPERS (EP_ROLE_POOL_MANAGER | EP_ROLE_ADMIN)
/* Who may open an expert's own page: their organisation (pool managers
 * and admins see every organisation's, decided in auth.c). */
#define DIRECTORY_OWNER_SQL "SELECT org_id FROM experts WHERE id = ?1"
void directory_routes_register(void);
int directory_all(struct ep_req *r);

/* directory-api.c */
void directory_api_routes_register(void);

/* overhead.c */
struct overhead_time_input {
	int64_t person_id;
	const char *date, *hours, *activity, *note;
};
struct overhead_cost_input {
	const char *month, *category, *amount, *note;
};
extern const char *const overhead_activities[][2];
extern const char *const overhead_categories[][2];
extern const char *const overhead_rules[][2];
int overhead_option_ok(const char *const opts[][2], const char *s);
int64_t overhead_host(struct ep_db *db);
int overhead_keeps_costs(struct ep_db *db, const struct principal *who);
int overhead_time_log(struct ep_db *db, const struct audit_actor *actor,
    const struct overhead_time_input *in, struct form_errors *e, int64_t *id);
int overhead_time_edit(struct ep_db *db, const struct audit_actor *actor,
    int64_t id, const struct overhead_time_input *in, struct form_errors *e);
int overhead_cost_add(struct ep_db *db, const struct audit_actor *actor,
    const struct overhead_cost_input *in, struct form_errors *e, int64_t *id);
int overhead_cost_edit(struct ep_db *db, const struct audit_actor *actor,
    int64_t id, const struct overhead_cost_input *in, struct form_errors *e);
void overhead_rule_at(struct ep_db *db, const char *month, char out[8]);
int overhead_rule_set(struct ep_db *db, const struct audit_actor *actor,
    const char *rule, const char *from, struct form_errors *e);
int64_t overhead_default_rate(struct ep_db *db);
int overhead_rate_set(struct ep_db *db, const struct audit_actor *actor,
    int64_t person_id, const char *rate, struct form_errors *e);

/* overhead-share.c */
struct oh_share {
	int64_t org_id;
	int64_t basis;		/* minutes, pence or 1, by the rule */
	int64_t pence;
};
struct oh_month {
	char month[8];
	char rule[8];
	int equal_fallback;	/* the rule's basis summed to 0 */
	int64_t costs_pence, time_minutes, time_pence, recorded_pence;
	int64_t apportioned_pence, unapportioned_pence, basis_total;
	struct oh_share *shares;
	size_t n;
};
void overhead_split(int64_t total, const int64_t *w, size_t n, int64_t *out);
void overhead_month_next(char m[8]);
int overhead_month(struct ep_db *db, const char *month, struct oh_month *m);
void overhead_month_free(struct oh_month *m);
int overhead_org_share(struct ep_db *db, int64_t org_id,
    const struct rep_period *p, int64_t *pence);

/* overhead-pages.c */
void overhead_routes_register(void);

/* report-overheads.c */
int report_overheads(struct ep_db *db, struct report *rep, int64_t org_id,
    int names, const char *at);
int report_full_costs(struct ep_db *db, struct report *rep, int64_t org_id);

/* cmd-overhead.c */
extern const struct cmd_entry cmd_overhead_entry;

#endif /* EXPERTPOOL_SERVER_H */
