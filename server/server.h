/* server.h: the core's one internal header, one section per source file. */
#ifndef EXPERTPOOL_SERVER_H
#define EXPERTPOOL_SERVER_H

#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <expertpool/plugin.h>

struct event_base;
struct evbuffer;
struct evhttp_request;
struct evkeyvalq;
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
int parse_money(const char *s, int64_t *pence);

/* config.c */
enum config_type { CONFIG_STRING, CONFIG_INT, CONFIG_BOOL };
struct config {
	char *listen;
	char *db;
	char *plugins;
	char *scripts;
	int64_t max_header_bytes;
	int64_t max_body_bytes;
	int64_t request_timeout;
	int64_t max_connections;
	int64_t busy_timeout_ms;
	int64_t shutdown_grace;
	int64_t log_requests;
	int64_t tls;
	int64_t session_idle;
	int64_t session_max;
	int64_t login_limit_account;
	int64_t login_limit_address;
	char *assets;
};
struct config_option {
	const char *name;
	enum config_type type;
	size_t offset;
	int64_t min;
	int64_t max;
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

/* db.c */
struct ep_db {
	struct sqlite3 *sql;
	char *path;
	struct db_cache_slot *cache;
	size_t cache_size;
	size_t cache_used;
	int tx_depth;
	int64_t busy_timeout_ms;
};
struct ep_db *db_open(const char *path, int64_t busy_timeout_ms, char **err);
void db_close(struct ep_db *db);
struct sqlite3_stmt *db_stmt(struct ep_db *db, const char *sql);
int db_exec(struct ep_db *db, const char *sql);
int db_begin(struct ep_db *db);
int db_commit(struct ep_db *db);
int db_rollback(struct ep_db *db);
int db_ping(struct ep_db *db);
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
struct principal {
	int64_t person_id;
	int64_t org_id;
	unsigned roles;
	int64_t session_id; /* 0 when signed in with a bearer token */
	char login[72];
	char name[128];
	char org_code[16];
	char csrf[48];
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
const char *http_body(struct ep_req *r, size_t *len);
const char *http_form(struct ep_req *r, const char *name);
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

/* html.c */
#define FORM_MAX_ERRORS 24
struct form_errors {
	int n;
	const char *field[FORM_MAX_ERRORS];
	char *msg[FORM_MAX_ERRORS];
};
void errs_add(struct form_errors *e, const char *field, const char *fmt, ...)
    EP_PRINTF(3, 4);
const char *errs_get(const struct form_errors *e, const char *field);
void errs_free(struct form_errors *e);
void errs_print(const struct form_errors *e, FILE *f);
void html_escape(struct evbuffer *b, const char *s);
void html_pence(char *out, size_t len, int64_t pence);
void html_printf(struct evbuffer *b, const char *fmt, ...);
struct evbuffer *page_begin(struct ep_req *r, const char *title,
    const struct form_errors *e);
void page_end(struct ep_req *r, struct evbuffer *b, int status);
void page_message(struct ep_req *r, int status, const char *title,
    const char *message);
void form_begin(struct evbuffer *b, struct ep_req *r, const char *action);
void form_end(struct evbuffer *b, const char *button);
void form_input(struct evbuffer *b, const struct form_errors *e,
    const char *name, const char *label, const char *hint, const char *type,
    const char *value, const char *extra_class);
void form_textarea(struct evbuffer *b, const struct form_errors *e,
    const char *name, const char *label, const char *hint, const char *value);
void form_select(struct evbuffer *b, const struct form_errors *e,
    const char *name, const char *label, const char *hint,
    const char *const options[][2], const char *value);
void form_checkboxes(struct evbuffer *b, const struct form_errors *e,
    const char *name, const char *legend, const char *const options[][2],
    int (*checked)(const char *value, void *arg), void *arg);

/* audit.c */
struct audit_actor {
	int64_t id; /* the person, or 0 for the CLI and the system */
	const char *name;
};
int audit_record(struct ep_db *db, const struct audit_actor *actor,
    const char *action, const char *entity, const char *entity_id,
    int64_t org_id, const char *summary);
int64_t audit_verify(struct ep_db *db, char **err);
void audit_actor_cli(struct audit_actor *a);
void audit_actor_of(struct audit_actor *a, const struct principal *who);

/* auth.c */
#define SESSION_COOKIE "ep_session"
int auth_check(struct ep_req *r);
int auth_owns(struct ep_db *db, const struct route *route, const char *param,
    int64_t org_id);
int auth_cookie_value(struct ep_req *r, const char *name, char *out,
    size_t len);

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
    char *token, size_t len, int64_t *id);
int apitoken_lookup(struct ep_db *db, const char *token, struct principal *who);

/* org.c */
struct org_input {
	const char *code, *name, *kind, *billing_address, *vat_number;
	const char *invoice_email, *payment_terms, *po_required;
};
extern const char *const org_kinds[][2];
int email_ok(const char *s);
int org_add(struct ep_db *db, const struct audit_actor *actor,
    const struct org_input *in, struct form_errors *e, int64_t *id);
int64_t org_id_by_code(struct ep_db *db, const char *code);

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
int password_check(const char *hash, const char *password, int *rehash);
int person_add(struct ep_db *db, const struct audit_actor *actor,
    const struct person_input *in, struct form_errors *e, int64_t *id);
int64_t person_id_by_login(struct ep_db *db, const char *login);
int person_set_password(struct ep_db *db, const struct audit_actor *actor,
    int64_t person_id, const char *password, struct form_errors *e);
int person_store_rehash(struct ep_db *db, int64_t person_id, const char *hash);
int person_disable(struct ep_db *db, const struct audit_actor *actor,
    int64_t person_id);

/* agreement.c */
struct agreement_input {
	const char *provider, *consumer, *ruleset, *payment_terms;
	const char *monthly_cap, *vat, *valid_from, *valid_to;
};
int date_ok(const char *s);
int agreement_add(struct ep_db *db, const struct audit_actor *actor,
    const struct agreement_input *in, struct form_errors *e, int64_t *id);

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
extern const char *const expert_areas[][2];
int expert_grade_ok(const char *grade);
int expert_area_ok(const char *area);
int expert_parse_hours(const char *s, int64_t *minutes);
void expert_format_hours(int64_t minutes, char *out, size_t len);
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
int64_t expert_workdays(const char *from, const char *to);
int64_t expert_free_minutes(struct ep_db *db, int64_t expert_id,
    const char *from, const char *to);
int expert_get(struct ep_db *db, int64_t id, struct expert_row *x);
int expert_search(struct ep_db *db, const struct expert_filter *f,
    struct form_errors *e, struct expert_list *out);
void expert_list_free(struct expert_list *l);
void expert_skills_format(const struct expert_row *x, char *out, size_t len);

/* worker.c */
int worker_start(struct event_base *base, int nthreads);
void worker_stop(void);
int worker_run(void (*work)(void *), void (*done)(void *), void *arg);

/* login.c */
void login_routes_register(void);
int login_limited(const char *login, const char *address, int *retry_after);
uint64_t login_hash_count(void);

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
void job_progress(ep_job *job, int64_t done, int64_t total);
void job_fail(ep_job *job, const char *message);
void job_set_db_path(const char *path);
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
extern const struct ep_host host_table;
int plugin_load(const char *path, char **err);
int plugin_load_dir(const char *dir, char **err);
void plugin_unload_all(void);
struct ep_plugin *plugin_first(void);
size_t plugin_nmigrations(void);
const struct plugin_migration *plugin_migration_at(size_t i);
size_t plugin_ncommands(void);
const struct plugin_command *plugin_command_at(size_t i);
const struct plugin_command *plugin_command_find(const char *name);

/* core_routes.c */
void core_routes_register(void);
void routes_register_all(void);

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
const struct cmd_entry *cmd_find(const char *name);
int cmd_usage(const char *name);
int cmd_main(int argc, char **argv);

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
extern const struct cmd_entry cmd_routes_entry;
extern const struct cmd_entry cmd_expert_entry;
int read_password(const char *prompt, char *buf, size_t len);

/* assets.c */
void assets_routes_register(void);
void assets_free(void);

/* admin.c */
void admin_routes_register(void);

/* directory.c */
void directory_routes_register(void);

#endif /* EXPERTPOOL_SERVER_H */
