/* plugin-host.c: the host table handed to every plugin, and its adapters. */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <sqlite3.h>

static int
host_route_add(ep_plugin *p, const char *method, const char *pattern,
    unsigned roles, ep_handler_fn fn, void *arg)
{
	if (!plugin_may_register(p, "route_add"))
		return -1;
	return route_add(p, method, pattern, roles, fn, arg);
}

static int
host_hook_add(ep_plugin *p, const char *event, ep_hook_fn fn, void *arg)
{
	if (!plugin_may_register(p, "hook_add"))
		return -1;
	return hook_add(p, event, fn, arg);
}

static int
host_command_add(ep_plugin *p, const char *name, const char *usage,
    ep_command_fn fn, void *arg)
{
	if (!plugin_may_register(p, "command_add"))
		return -1;
	return plugin_command_add(p, name, usage, fn, arg);
}

static int
host_migration_add(ep_plugin *p, int version, const char *sql)
{
	if (!plugin_may_register(p, "migration_add"))
		return -1;
	return plugin_migration_add(p, version, sql);
}

static int
host_job_add(ep_plugin *p, const char *name, ep_job_fn fn, void *arg)
{
	if (!plugin_may_register(p, "job_add"))
		return -1;
	return job_add(p, name, fn, arg);
}

static void
host_log(ep_plugin *p, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, p && p->info ? p->info->name : "plugin", fmt, ap);
	va_end(ap);
}

static const char *
host_req_method(ep_req *r)
{
	return http_req_method(r);
}

static const char *
host_req_path(ep_req *r)
{
	return r->path;
}

static const char *
host_req_id(ep_req *r)
{
	return r->rid;
}

static ep_db *
host_req_db(ep_req *r)
{
	(void)r;
	return http_db();
}

static ep_stmt *
host_db_prepare(ep_db *db, const char *sql)
{
	return (ep_stmt *)db_stmt(db, sql);
}

static int
host_bind_int64(ep_stmt *s, int idx, int64_t v)
{
	return sqlite3_bind_int64((sqlite3_stmt *)s, idx, v) == SQLITE_OK ? 0 : -1;
}

static int
host_bind_text(ep_stmt *s, int idx, const char *v)
{
	return sqlite3_bind_text((sqlite3_stmt *)s, idx, v, -1,
	    SQLITE_TRANSIENT) == SQLITE_OK ? 0 : -1;
}

static int
host_bind_null(ep_stmt *s, int idx)
{
	return sqlite3_bind_null((sqlite3_stmt *)s, idx) == SQLITE_OK ? 0 : -1;
}

static int
host_step(ep_stmt *s)
{
	switch (sqlite3_step((sqlite3_stmt *)s)) {
	case SQLITE_ROW:
		return EP_STEP_ROW;
	case SQLITE_DONE:
		return EP_STEP_DONE;
	default:
		return EP_STEP_ERROR;
	}
}

static int64_t
host_int64(ep_stmt *s, int col)
{
	return sqlite3_column_int64((sqlite3_stmt *)s, col);
}

static const char *
host_text(ep_stmt *s, int col)
{
	return (const char *)sqlite3_column_text((sqlite3_stmt *)s, col);
}

static int
host_is_null(ep_stmt *s, int col)
{
	return sqlite3_column_type((sqlite3_stmt *)s, col) == SQLITE_NULL;
}

static void
host_reset(ep_stmt *s)
{
	sqlite3_reset((sqlite3_stmt *)s);
}

static int64_t
host_last_id(ep_db *db)
{
	return sqlite3_last_insert_rowid(db->sql);
}

static int
host_changes(ep_db *db)
{
	return sqlite3_changes(db->sql);
}

static int
host_route_add_owned(ep_plugin *p, const char *method, const char *pattern,
    unsigned roles, const char *owner_sql, ep_handler_fn fn, void *arg)
{
	if (!plugin_may_register(p, "route_add_owned"))
		return -1;
	return route_add_owned(p, method, pattern, roles, owner_sql, fn, arg);
}

static int
host_nav_add(ep_plugin *p, unsigned roles, const char *href,
    const char *label, const char *description)
{
	if (!plugin_may_register(p, "nav_add"))
		return -1;
	return nav_add(p, roles, href, label, description);
}

static int64_t
host_req_person(ep_req *r)
{
	return r->authed ? r->who.person_id : 0;
}

static int64_t
host_req_org(ep_req *r)
{
	return r->authed ? r->who.org_id : 0;
}

static unsigned
host_req_roles(ep_req *r)
{
	return r->authed ? r->who.roles : 0;
}

static const char *
host_req_login(ep_req *r)
{
	return r->authed ? r->who.login : NULL;
}

static const char *
host_req_org_code(ep_req *r)
{
	return r->authed ? r->who.org_code : NULL;
}

static int
host_audit(ep_db *db, ep_req *r, const char *action, const char *entity,
    const char *entity_id, int64_t org_id, const char *summary)
{
	struct audit_actor actor = { 0, "system" };

	if (r != NULL && r->authed)
		audit_actor_of(&actor, &r->who);
	return audit_record(db, &actor, action, entity, entity_id, org_id,
	    summary);
}

static int
host_audit_as(ep_db *db, int64_t person_id, const char *action,
    const char *entity, const char *entity_id, int64_t org_id,
    const char *summary)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT login FROM people WHERE id = ?");
	struct audit_actor actor = { person_id, NULL };
	char login[128];
	int rc = -1;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, person_id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		snprintf(login, sizeof login, "%s", sqlite3_column_text(s, 0));
		actor.name = login;
		rc = 0;
	}
	sqlite3_reset(s);
	if (rc != 0)
		return -1;
	return audit_record(db, &actor, action, entity, entity_id, org_id,
	    summary);
}

static int
host_req_file(ep_req *r, const char *name, const char **data, size_t *len)
{
	size_t blen;
	const char *body = http_body(r, &blen);

	return http_multipart_part(http_header(r, "Content-Type"), body, blen,
	    name, data, len);
}

static int64_t
host_job_start_as(ep_req *r, const char *name, const char *arg)
{
	return job_start_for(r->authed ? r->who.person_id : 0, name, arg);
}

static ep_page *
host_page_begin(ep_req *r, const char *title, const ep_errors *e)
{
	return (ep_page *)page_begin(r, title, (const struct form_errors *)e);
}

static void
host_page_end(ep_req *r, ep_page *b, int status)
{
	page_end(r, (struct evbuffer *)b, status);
}

static void
host_html(ep_page *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	html_vprintf((struct evbuffer *)b, fmt, ap);
	va_end(ap);
}

static ep_errors *
host_errors_new(void)
{
	return xcalloc(1, sizeof(struct form_errors));
}

static void
host_errors_add(ep_errors *e, const char *field, const char *message)
{
	errs_add((struct form_errors *)e, field, "%s", message);
}

static int
host_errors_count(const ep_errors *e)
{
	return ((const struct form_errors *)e)->n;
}

static const char *
host_errors_get(const ep_errors *e, const char *field)
{
	return errs_get((const struct form_errors *)e, field);
}

static void
host_errors_free(ep_errors *e)
{
	if (e == NULL)
		return;
	errs_free((struct form_errors *)e);
	free(e);
}

static void
host_form_begin(ep_page *b, ep_req *r, const char *action)
{
	form_begin((struct evbuffer *)b, r, action);
}

static void
host_form_end(ep_page *b, const char *button)
{
	form_end((struct evbuffer *)b, button);
}

static void
host_form_input(ep_page *b, const ep_errors *e, const char *name,
    const char *label, const char *hint, const char *type, const char *value,
    const char *css_class)
{
	form_input((struct evbuffer *)b, (const struct form_errors *)e, name,
	    label, hint, type, value, css_class);
}

static void
host_form_textarea(ep_page *b, const ep_errors *e, const char *name,
    const char *label, const char *hint, const char *value)
{
	form_textarea((struct evbuffer *)b, (const struct form_errors *)e, name,
	    label, hint, value);
}

static void
host_form_select(ep_page *b, const ep_errors *e, const char *name,
    const char *label, const char *hint, const char *const options[][2],
    const char *value)
{
	form_select((struct evbuffer *)b, (const struct form_errors *)e, name,
	    label, hint, options, value);
}

/* Copies text into a fixed field, cut to fit. */
static void
host_fee_text(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/*
 * Copies fee lines out into the plugin's fixed-size result, field by field
 * (a result is 1.7 KB; clearing it whole a million times costs more than
 * the pricing it reports).
 */
static int
host_fee_result(const struct fee_lines *lines, const char *hash,
    struct ep_fee_result *out)
{
	size_t i;

	if (lines->n > EP_FEE_MAX_LINES) {
		snprintf(out->error, sizeof out->error, "%zu charge lines, more "
		    "than %d", lines->n, EP_FEE_MAX_LINES);
		return -1;
	}
	for (i = 0; i < lines->n; i++) {
		host_fee_text(out->lines[i].description,
		    sizeof out->lines[i].description, lines->v[i].description);
		host_fee_text(out->lines[i].unit, sizeof out->lines[i].unit,
		    lines->v[i].unit);
		out->lines[i].quantity = lines->v[i].quantity;
		out->lines[i].unit_price = lines->v[i].unit_price;
		out->lines[i].amount = lines->v[i].amount;
		out->lines[i].vat = lines->v[i].vat;
	}
	out->nlines = lines->n;
	out->total = lines->total;
	out->vat = lines->vat;
	host_fee_text(out->vat_reason, sizeof out->vat_reason,
	    lines->vat_reason);
	host_fee_text(out->ruleset_hash, sizeof out->ruleset_hash, hash);
	out->error[0] = '\0';
	return 0;
}

/* The fee structs of ABI 2.0 end at these members: no 2.x plugin passes
 * less. A member added later is read only when the size covers it. */
#define HOST_FIRST(type, last) (offsetof(type, last) + sizeof(((type *)0)->last))
#define HOST_ENTRY_FIRST HOST_FIRST(struct ep_fee_entry, calendar)
#define HOST_ENG_FIRST HOST_FIRST(struct ep_fee_engagement, billed_before)
#define HOST_MS_FIRST HOST_FIRST(struct ep_fee_milestone, done)
#define HOST_INV_FIRST HOST_FIRST(struct ep_fee_invoice, consumer_before)
#define HOST_RESULT_FIRST HOST_FIRST(struct ep_fee_result, error)

/* The result's text fields hold what the engine's lines hold, no less. */
_Static_assert(EP_FEE_DESCRIPTION == FEE_DESC_MAX,
    "ep_fee_result descriptions are the fee engine's");
_Static_assert(EP_FEE_UNIT == FEE_UNIT_MAX,
    "ep_fee_result units are the fee engine's");
_Static_assert(EP_FEE_VAT_REASON == sizeof(((struct fee_lines *)0)->vat_reason),
    "ep_fee_result's VAT reason is the fee engine's");
_Static_assert(sizeof(((struct ep_fee_result *)0)->ruleset_hash) > 64,
    "ep_fee_result holds a SHA-256 in hex");

/* The i-th element of a plugin's array, stepping by the plugin's size. */
static const void *
host_at(const void *base, size_t stride, size_t i)
{
	return (const char *)base + i * stride;
}

/* The i-th result of a plugin's array, stepping by the plugin's size. */
static struct ep_fee_result *
host_out_at(struct ep_fee_result *base, size_t stride, size_t i)
{
	return (struct ep_fee_result *)(void *)((char *)base + i * stride);
}

/* A result the host may write into; else logged, and nothing written. */
static int
host_result_ok(const struct ep_fee_result *out)
{
	if (out->size >= HOST_RESULT_FIRST)
		return 1;
	log_error("plugin: struct ep_fee_result of %u bytes, less than ABI "
	    "%d.0's %zu (is its size set?)", out->size, EP_ABI_MAJOR,
	    HOST_RESULT_FIRST);
	return 0;
}

/* Empties a result within its size, keeping the size. */
static void
host_result_clear(struct ep_fee_result *out)
{
	uint32_t size = out->size;

	memset(out, 0, size);
	out->size = size;
}

/* An input struct big enough for ABI 2.0; else why not, in out->error. */
static int
host_input_ok(const char *what, uint32_t size, size_t first,
    struct ep_fee_result *out)
{
	if (size >= first)
		return 1;
	snprintf(out->error, sizeof out->error, "struct %s of %u bytes, less "
	    "than ABI %d.0's %zu (is its size set?)", what, size, EP_ABI_MAJOR,
	    first);
	return 0;
}

/*
 * A plugin's calendar code as the fee engine names it: 0 and 'E' England
 * and Wales, 'S' Scotland, 'N' Northern Ireland; anything else a name
 * the engine refuses, saying which field.
 */
static const char *
host_fee_calendar(char c)
{
	switch (c) {
	case 0:
	case 'E':
		return fee_calendars[0][0];
	case 'S':
		return fee_calendars[1][0];
	case 'N':
		return fee_calendars[2][0];
	default:
		return "?";
	}
}

/* The one-letter code of a calendar as the store names it, for a
 * plugin's entry: 'E', 'S' or 'N'; '?' (refused by the engine) else. */
static char
host_calendar_code(const char *name)
{
	static const char codes[] = "ESN";
	size_t i;

	if (name == NULL)
		return 'E';
	for (i = 0; fee_calendars[i][0] != NULL && i < sizeof codes - 1; i++)
		if (strcmp(name, fee_calendars[i][0]) == 0)
			return codes[i];
	return '?';
}

/* A plugin's entry as the fee engine takes it (VAT standard unless set). */
static void
host_fee_entry(struct fee_entry *e, const struct ep_fee_entry *x)
{
	memset(e, 0, sizeof *e);
	e->minutes = x->minutes;
	e->date = x->date;
	e->activity = x->activity;
	e->out_of_hours = x->out_of_hours;
	e->grade = x->grade;
	e->basis = x->basis;
	e->consumer = x->consumer;
	e->provider = x->provider;
	e->agreement = x->agreement;
	e->vat = x->vat ? x->vat : 'S';
	e->calendar = host_fee_calendar(x->calendar);
}

enum host_fee_call { HOST_FEE_ENTRY, HOST_FEE_ENGAGEMENT, HOST_FEE_INVOICE };

/* An engagement to price, with its milestones. */
struct host_fee_eng {
	const struct ep_fee_engagement *eng;
	const struct ep_fee_milestone *ms;
	size_t n;
};

/* The call's inputs are big enough for ABI 2.0; else why not, in out. */
static int
host_fee_input_ok(enum host_fee_call call, const void *in,
    struct ep_fee_result *out)
{
	const struct host_fee_eng *g = in;

	switch (call) {
	case HOST_FEE_ENTRY:
		return host_input_ok("ep_fee_entry",
		    ((const struct ep_fee_entry *)in)->size, HOST_ENTRY_FIRST, out);
	case HOST_FEE_ENGAGEMENT:
		return host_input_ok("ep_fee_engagement", g->eng->size,
		    HOST_ENG_FIRST, out) && (g->n == 0 ||
		    host_input_ok("ep_fee_milestone", g->ms[0].size, HOST_MS_FIRST,
		    out));
	default:
		return host_input_ok("ep_fee_invoice",
		    ((const struct ep_fee_invoice *)in)->size, HOST_INV_FIRST, out);
	}
}

/* One pricing call on an engine: the rule set by hash when given (the
 * exact version a line recorded), else the active one by name. */
static int
host_fee_call(struct fee_engine *fe, const char *ruleset, const char *hash,
    enum host_fee_call call, const void *in, struct ep_fee_result *out)
{
	struct fee_lines lines = { 0 };
	struct fee_ruleset *rs;
	char *err = NULL;
	int rc = -1, st = FEE_E_INPUT;

	if (!host_result_ok(out))
		return -1;
	host_result_clear(out);
	if (!host_fee_input_ok(call, in, out))
		return -1;
	if (fe == NULL) {
		snprintf(out->error, sizeof out->error, "no fee rules are loaded");
		return -1;
	}
	rs = hash != NULL && *hash != '\0' ? fee_ruleset_version(fe, hash, &err) :
	    fee_ruleset(fe, ruleset ? ruleset : "", &err);
	if (rs == NULL)
		goto out;
	if (call == HOST_FEE_ENTRY) {
		const struct ep_fee_entry *x = in;
		struct fee_entry e;

		host_fee_entry(&e, x);
		st = fee_price(rs, &e, &lines, &err);
	} else if (call == HOST_FEE_ENGAGEMENT) {
		const struct host_fee_eng *call_in = in;
		const struct ep_fee_engagement *x = call_in->eng;
		struct fee_milestone ms[64];
		struct fee_engagement_in g;
		size_t i;

		if (call_in->n > nitems(ms)) {
			snprintf(out->error, sizeof out->error, "milestones: at most "
			    "%zu an engagement", nitems(ms));
			return -1;
		}
		for (i = 0; i < call_in->n; i++) {
			const struct ep_fee_milestone *m = host_at(call_in->ms,
			    call_in->ms[0].size, i);

			ms[i].name = m->name;
			ms[i].amount = m->amount;
			ms[i].done = m->done;
		}
		memset(&g, 0, sizeof g);
		g.milestones = call_in->n > 0 ? ms : NULL;
		g.nmilestones = call_in->n;
		g.id = x->id;
		g.basis = x->basis;
		g.period = x->period;
		g.consumer = x->consumer;
		g.provider = x->provider;
		g.agreement = x->agreement;
		g.vat = x->vat ? x->vat : 'S';
		g.fixed_fee = x->fixed_fee;
		g.budget = x->budget;
		g.bonus = x->bonus;
		g.due = x->due;
		g.completed = x->completed;
		g.priced = x->priced;
		g.billed_before = x->billed_before;
		st = fee_engagement(rs, &g, &lines, &err);
	} else {
		const struct ep_fee_invoice *x = in;
		struct fee_invoice_in v;

		memset(&v, 0, sizeof v);
		v.period = x->period;
		v.consumer = x->consumer;
		v.provider = x->provider;
		v.agreement = x->agreement;
		v.vat = x->vat ? x->vat : 'S';
		v.subtotal = x->subtotal;
		v.cap = x->cap;
		v.consumer_before = x->consumer_before;
		st = fee_invoice(rs, &v, &lines, &err);
	}
	if (st == FEE_OK)
		rc = host_fee_result(&lines, fee_ruleset_hash(rs), out);
out:
	if (rc != 0 && out->error[0] == '\0')
		snprintf(out->error, sizeof out->error, "%s", err ? err :
		    "pricing failed");
	free(err);
	fee_lines_free(&lines);
	return rc;
}

/* The fee rules for plugins: the server's engine, on the event loop. */
static int
host_fee_price(const char *ruleset, const struct ep_fee_entry *in,
    struct ep_fee_result *out)
{
	return host_fee_call(fee_server(), ruleset, NULL, HOST_FEE_ENTRY, in,
	    out);
}

/*
 * A plugin's own fee engine, with the scratch its batches price into:
 * kept between calls so a run of a million entries allocates once.
 */
struct host_fees {
	struct fee_engine *fe;
	struct fee_entry *in;
	struct fee_lines *lines;
	size_t cap;
};

static ep_fees *
host_fees_open(ep_db *db, char *err, size_t len)
{
	char *e = NULL;
	struct fee_engine *fe = fee_open(cfg.rules, db, &e);
	struct host_fees *hf;

	if (fe == NULL) {
		snprintf(err, len, "%s", e ? e : "cannot open the fee rules");
		free(e);
		return NULL;
	}
	hf = xcalloc(1, sizeof *hf);
	hf->fe = fe;
	return (ep_fees *)hf;
}

static void
host_fees_close(ep_fees *f)
{
	struct host_fees *hf = (struct host_fees *)f;
	size_t i;

	if (hf == NULL)
		return;
	for (i = 0; i < hf->cap; i++)
		fee_lines_free(&hf->lines[i]);
	free(hf->lines);
	free(hf->in);
	fee_close(hf->fe);
	free(hf);
}

static int
host_fees_price(ep_fees *f, const char *ruleset, const char *hash,
    const struct ep_fee_entry *in, struct ep_fee_result *out)
{
	return host_fee_call(((struct host_fees *)f)->fe, ruleset, hash,
	    HOST_FEE_ENTRY, in, out);
}

static int
host_fees_engagement(ep_fees *f, const char *ruleset, const char *hash,
    const struct ep_fee_engagement *in, struct ep_fee_result *out)
{
	struct host_fee_eng call = { in, NULL, 0 };

	return host_fee_call(((struct host_fees *)f)->fe, ruleset, hash,
	    HOST_FEE_ENGAGEMENT, &call, out);
}

static int
host_fees_engagement_milestones(ep_fees *f, const char *ruleset,
    const char *hash, const struct ep_fee_engagement *in,
    const struct ep_fee_milestone *ms, size_t n, struct ep_fee_result *out)
{
	struct host_fee_eng call = { in, ms, n };

	return host_fee_call(((struct host_fees *)f)->fe, ruleset, hash,
	    HOST_FEE_ENGAGEMENT, &call, out);
}

static int
host_fees_invoice(ep_fees *f, const char *ruleset, const char *hash,
    const struct ep_fee_invoice *in, struct ep_fee_result *out)
{
	return host_fee_call(((struct host_fees *)f)->fe, ruleset, hash,
	    HOST_FEE_INVOICE, in, out);
}

/* Says in every result of a failed batch that it failed, and in the
 * failed one's why. */
static void
host_batch_failed(struct ep_fee_result *out, size_t stride, size_t n,
    size_t failed, const char *why)
{
	struct ep_fee_result *o;
	size_t i;

	for (i = 0; i < n; i++) {
		o = host_out_at(out, stride, i);
		o->nlines = 0;
		o->total = 0;
		o->error[0] = '\0';
	}
	o = host_out_at(out, stride, failed);
	snprintf(o->error, sizeof o->error, "%s", why);
}

/*
 * Many entries in one call into the rule set (fee_price_batch), each
 * array stepped by its first element's size. Only the fields a result
 * needs are written: a result is 1.7 KB, and clearing it whole a million
 * times costs more than the pricing it reports.
 */
static int
host_fees_price_batch(ep_fees *f, const char *ruleset, const char *hash,
    const struct ep_fee_entry *in, size_t n, struct ep_fee_result *out,
    size_t *failed)
{
	struct host_fees *hf = (struct host_fees *)f;
	struct fee_ruleset *rs;
	char *err = NULL;
	size_t i, bad = 0, istride, ostride;
	int st;

	*failed = 0;
	if (n == 0)
		return 0;
	if (!host_result_ok(out))
		return -1;
	ostride = out->size;
	out->error[0] = '\0';
	if (!host_input_ok("ep_fee_entry", in->size, HOST_ENTRY_FIRST, out))
		return -1;
	istride = in->size;
	if (hf == NULL) {
		snprintf(out->error, sizeof out->error, "no fee rules are loaded");
		return -1;
	}
	rs = hash != NULL && *hash != '\0' ? fee_ruleset_version(hf->fe, hash,
	    &err) : fee_ruleset(hf->fe, ruleset ? ruleset : "", &err);
	if (rs == NULL) {
		snprintf(out->error, sizeof out->error, "%s", err ? err :
		    "no such rule set");
		free(err);
		return -1;
	}
	if (n > hf->cap) {
		if (n > SIZE_MAX / sizeof *hf->lines) {
			snprintf(out->error, sizeof out->error, "batch: too many "
			    "entries");
			return -1;
		}
		hf->in = xrealloc(hf->in, n * sizeof *hf->in);
		hf->lines = xrealloc(hf->lines, n * sizeof *hf->lines);
		memset(hf->lines + hf->cap, 0, (n - hf->cap) * sizeof *hf->lines);
		hf->cap = n;
	}
	for (i = 0; i < n; i++)
		host_fee_entry(&hf->in[i], host_at(in, istride, i));
	st = fee_price_batch(rs, hf->in, n, hf->lines, &bad, &err);
	if (st != FEE_OK) {
		*failed = bad < n ? bad : 0;
		host_batch_failed(out, ostride, n, *failed, err ? err :
		    "pricing failed");
		free(err);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (host_fee_result(&hf->lines[i], fee_ruleset_hash(rs),
		    host_out_at(out, ostride, i)) != 0) {
			*failed = i;
			return -1;
		}
	}
	return 0;
}

static int
host_fee_auto_approve(const char *consumer, const struct ep_fee_entry *in,
    char *out_error, size_t len)
{
	struct fee_engine *fe = fee_server();
	struct fee_entry e;
	char *err = NULL;
	int yes = 0, rc;

	if (in->size < HOST_ENTRY_FIRST) {
		snprintf(out_error, len, "struct ep_fee_entry of %u bytes, less "
		    "than ABI %d.0's %zu (is its size set?)", in->size,
		    EP_ABI_MAJOR, HOST_ENTRY_FIRST);
		return -1;
	}
	if (fe == NULL)
		return 0;
	host_fee_entry(&e, in);
	rc = fee_policy_auto_approve(fe, consumer, &e, &yes, &err);
	if (rc == FEE_E_NOTFOUND) {
		free(err);
		return 0; /* no local policy: approvers decide */
	}
	if (rc != FEE_OK) {
		snprintf(out_error, len, "%s", err ? err : "policy failed");
		free(err);
		return -1;
	}
	return yes ? 1 : 0;
}

/* An expense kind's terms, from the plugin's engine or the server's. */
static int
host_fee_expense(ep_fees *f, const char *ruleset, const char *consumer,
    const char *kind, char vat, int64_t *rate, char *out_vat, char *err,
    size_t len)
{
	struct fee_engine *fe = f != NULL ? ((struct host_fees *)f)->fe :
	    fee_server();
	struct fee_expense x;
	char *e = NULL;

	if (fe == NULL) {
		snprintf(err, len, "no fee rules are loaded");
		return -1;
	}
	if (fee_expense_terms(fe, ruleset, consumer, kind, vat ? vat : 'S', &x,
	    &e) != FEE_OK) {
		snprintf(err, len, "%s", e ? e : "the rules failed");
		free(e);
		return -1;
	}
	*rate = x.rate;
	*out_vat = x.vat;
	return 0;
}

/* The table every plugin receives. Add to the end only. */
/*
 * The files as the plugin built them, each read within its own size (the
 * array is stepped by the first one's), handed to the outbox as this
 * host's struct. At most 16 files; a size below 2.0's is refused.
 */
static int64_t
host_notify_address_files(ep_db *db, const char *address, const char *subject,
    const char *body, const char *link, const struct ep_mail_file *files,
    size_t nfiles)
{
	struct ep_mail_file copy[16];
	const unsigned char *p = (const unsigned char *)files;
	uint32_t step;
	size_t i;

	if (nfiles > nitems(copy) || (nfiles > 0 && files[0].size <
	    sizeof(struct ep_mail_file)))
		return -1;
	step = nfiles > 0 ? files[0].size : 0;
	for (i = 0; i < nfiles; i++, p += step) {
		memcpy(&copy[i], p, sizeof copy[i]);
		copy[i].size = sizeof copy[i];
	}
	return outbox_queue_files(db, address, subject, body, link, copy,
	    nfiles);
}

const struct ep_host host_table = {
	.size = sizeof(struct ep_host),
	.abi_major = EP_ABI_MAJOR,
	.abi_minor = EP_ABI_MINOR,
	.version = PACKAGE_VERSION,
	.route_add = host_route_add,
	.hook_add = host_hook_add,
	.command_add = host_command_add,
	.migration_add = host_migration_add,
	.job_add = host_job_add,
	.log = host_log,
	.hook_fire = hook_fire,
	.req_method = host_req_method,
	.req_path = host_req_path,
	.req_param = http_param,
	.req_query = http_query,
	.req_header = http_header,
	.req_body = http_body,
	.req_id = host_req_id,
	.req_db = host_req_db,
	.reply_header = http_reply_header,
	.reply = http_reply,
	.db_prepare = host_db_prepare,
	.stmt_bind_int64 = host_bind_int64,
	.stmt_bind_text = host_bind_text,
	.stmt_bind_null = host_bind_null,
	.stmt_step = host_step,
	.stmt_int64 = host_int64,
	.stmt_text = host_text,
	.stmt_is_null = host_is_null,
	.stmt_reset = host_reset,
	.db_exec = db_exec,
	.db_begin = db_begin,
	.db_commit = db_commit,
	.db_rollback = db_rollback,
	.db_last_id = host_last_id,
	.db_changes = host_changes,
	.db_errmsg = db_errmsg,
	.job_start = job_start,
	.job_progress = job_progress,
	.job_fail = job_fail,
	.route_add_owned = host_route_add_owned,
	.nav_add = host_nav_add,
	.req_person = host_req_person,
	.req_org = host_req_org,
	.req_roles = host_req_roles,
	.req_login = host_req_login,
	.req_org_code = host_req_org_code,
	.req_form = http_form,
	.req_form_each = http_form_each,
	.req_defer = http_defer,
	.redirect = http_redirect,
	.json_error = http_json_error,
	.audit = host_audit,
	.audit_as = host_audit_as,
	.req_file = host_req_file,
	.today = london_today,
	.job_start_as = host_job_start_as,
	.sealing_key = seal_key,
	.calendar_code = host_calendar_code,
	.page_begin = host_page_begin,
	.page_end = host_page_end,
	.page_message = page_message,
	.html = host_html,
	.errors_new = host_errors_new,
	.errors_add = host_errors_add,
	.errors_count = host_errors_count,
	.errors_get = host_errors_get,
	.errors_free = host_errors_free,
	.form_begin = host_form_begin,
	.form_end = host_form_end,
	.form_input = host_form_input,
	.form_textarea = host_form_textarea,
	.form_select = host_form_select,
	.fee_price = host_fee_price,
	.fee_auto_approve = host_fee_auto_approve,
	.pence_text = units_money_text,
	.group_commit = group_commit,
	.config_get = config_get,
	.fees_open = host_fees_open,
	.fees_close = host_fees_close,
	.fees_price = host_fees_price,
	.fees_engagement = host_fees_engagement,
	.fees_engagement_milestones = host_fees_engagement_milestones,
	.fees_invoice = host_fees_invoice,
	.fees_price_batch = host_fees_price_batch,
	.req_read = reader_run,
	.notify_person = outbox_queue_person,
	.notify_role = outbox_queue_role,
	.notify_address = outbox_queue_address,
	.job_person = job_person,
	.second_factor_fresh = totp_fresh,
	.date_ok = units_date_ok,
	.month_ok = units_month_ok,
	.date_words = units_date_words,
	.hours_parse = units_hours_parse,
	.hours_text = units_hours_text,
	.hours_clock = units_hours_clock,
	.money_parse = units_money_parse,
	.money_plain = units_money_plain,
	.notify_address_files = host_notify_address_files,
	.fee_expense = host_fee_expense,
};
