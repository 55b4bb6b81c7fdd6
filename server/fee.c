/* fee.c: the fee engine's pricing calls, lines:add and shared helpers. */
#include "fee-int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct fee_engine *fee_server_engine;

static const char *const fee_status_names[] = {
	"ok", "fee-io", "fee-syntax", "fee-runtime", "fee-contract",
	"fee-instructions", "fee-memory", "fee-test", "fee-input",
	"fee-not-found", "fee-store",
};

/*
 * The server's engine, for handlers (quotes on the request form, the
 * what-if and reload pages). Event-loop thread only: job threads open
 * their own with fee_open.
 */
void
fee_set_server(struct fee_engine *fe)
{
	fee_server_engine = fe;
}

struct fee_engine *
fee_server(void)
{
	return fee_server_engine;
}

/* The stable code callers put in API errors and logs. */
const char *
fee_status_name(int status)
{
	if (status < 0 || (size_t)status >= nitems(fee_status_names))
		return "fee-unknown";
	return fee_status_names[status];
}

/*
 * The bank holiday calendars an organisation may keep, as the rules see
 * them (e.calendar) and as people read them; the store's CHECK on
 * organisations.calendar and plugin.h's one-letter codes follow this order.
 */
const char *const fee_calendars[][2] = {
	{ "england-and-wales", "England and Wales" },
	{ "scotland", "Scotland" },
	{ "northern-ireland", "Northern Ireland" },
	{ NULL, NULL },
};

/* One of fee_calendars. */
int
fee_valid_calendar(const char *s)
{
	size_t i;

	for (i = 0; s != NULL && fee_calendars[i][0] != NULL; i++) {
		if (strcmp(s, fee_calendars[i][0]) == 0)
			return 1;
	}
	return 0;
}

void
fee_lines_free(struct fee_lines *l)
{
	free(l->v);
	memset(l, 0, sizeof *l);
}

/* Sets *err (when err is not NULL) to the formatted message. */
void
fee_set_error(char **err, const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	free(*err);
	*err = xstrdup(buf);
}

/* Reads a whole source file, bounded; NULL with errno on failure. */
char *
fee_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0, got;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = xrealloc(buf, cap);
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (n > FEE_MAX_SOURCE) {
			errno = EFBIG;
			goto fail;
		}
		if (got == 0)
			break;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	fclose(f);
	free(buf);
	return NULL;
}

/* "dir/name.lua" as messages name it: the last two path components. */
char *
fee_chunk_name(const char *path)
{
	const char *p = path + strlen(path);
	int slashes = 0;

	while (p > path) {
		if (p[-1] == '/' && ++slashes == 2)
			break;
		p--;
	}
	return xprintf("@%s", p);
}

/* A whole number from the script, refusing floats: money is never a float. */
int64_t
fee_arg_int(lua_State *L, int i, const char *what)
{
	if (!lua_isinteger(L, i)) {
		if (lua_type(L, i) == LUA_TNUMBER)
			fee_contract(L, "%s must be an integer, not the float %f",
			    what, lua_tonumber(L, i));
		fee_contract(L, "%s must be an integer, not %s", what,
		    luaL_typename(L, i));
	}
	return (int64_t)lua_tointeger(L, i);
}

static const char *
fee_arg_text(lua_State *L, int i, const char *what, size_t max, size_t *len)
{
	const char *s;

	if (lua_type(L, i) != LUA_TSTRING)
		fee_contract(L, "%s must be a string, not %s", what,
		    luaL_typename(L, i));
	s = lua_tolstring(L, i, len);
	if (*len >= max)
		fee_contract(L, "%s is longer than %d bytes", what, (int)max - 1);
	if (memchr(s, '\0', *len) != NULL)
		fee_contract(L, "%s holds a NUL byte", what);
	return s;
}

static char
fee_arg_vat(lua_State *L, int i)
{
	size_t len;
	const char *v = fee_arg_text(L, i, "vat", 2, &len);

	if (len != 1 || (v[0] != 'S' && v[0] != 'Z' && v[0] != 'E' &&
	    v[0] != 'O'))
		fee_contract(L, "vat must be \"S\", \"Z\", \"E\" or \"O\", not "
		    "\"%s\"", v);
	return v[0];
}

/*
 * String argument i of lines:add, checked by fee_arg_text (vat by
 * fee_arg_vat): unless it is the very string accepted last time for this
 * argument, which lines:add keeps alive as its upvalue "up" and so needs
 * no second look. lua_topointer tells it by its address in one call: Lua
 * does not move objects, and no other object can share a live one's.
 */
static const char *
fee_arg_kept(lua_State *L, int i, int up, const char *what, size_t max,
    size_t *len)
{
	struct fee_kept *k = &fee_vm_of(L)->add.kept[up - 1];
	const void *o = lua_topointer(L, i);
	const char *s;

	if (o != NULL && o == k->obj) {
		*len = k->len;
		return k->s;
	}
	if (max == 0) {
		fee_arg_vat(L, i);
		s = lua_tolstring(L, i, len);
	} else
		s = fee_arg_text(L, i, what, max, len);
	lua_copy(L, i, lua_upvalueindex(up));
	k->obj = o;
	k->s = s;
	k->len = *len;
	return s;
}

/*
 * The description, argument 2 of lines:add, checked by fee_arg_text
 * unless it is a string accepted before and still in its slot, which the
 * table at upvalue 1 keeps alive: so its address cannot be another
 * string's.
 */
static const char *
fee_arg_desc(lua_State *L, size_t *len)
{
	const void *o = lua_topointer(L, 2);
	size_t slot = ((uintptr_t)o >> 4) & (FEE_KEPT_DESC - 1);
	struct fee_kept *k = &fee_vm_of(L)->add.desc[slot];
	const char *s;

	if (o != NULL && o == k->obj) {
		*len = k->len;
		return k->s;
	}
	s = fee_arg_text(L, 2, "description", FEE_DESC_MAX, len);
	lua_pushvalue(L, 2);
	lua_rawseti(L, lua_upvalueindex(1), (lua_Integer)slot + 1);
	k->obj = o;
	k->s = s;
	k->len = *len;
	return s;
}

/*
 * lines:add(description, quantity, unit, unit_price, amount, vat): the one
 * way a script emits a charge line; checked here, stored straight into the
 * caller's C array.
 */
int
fee_lua_add(lua_State *L)
{
	struct fee_vm *vm = fee_vm_of(L);
	struct fee_lines *out = vm->add.out;
	struct fee_line *ln;
	const char *desc, *unit;
	int64_t qty, price, amount, total;
	size_t dlen, ulen, vlen;
	char vat;

	if (out == NULL)
		return fee_contract(L, "lines:add outside a pricing call");
	desc = fee_arg_desc(L, &dlen);
	qty = fee_arg_int(L, 3, "quantity");
	unit = fee_arg_kept(L, 4, 2, "unit", FEE_UNIT_MAX, &ulen);
	price = fee_arg_int(L, 5, "unit price");
	amount = fee_arg_int(L, 6, "amount");
	vat = fee_arg_kept(L, 7, 3, "vat", 0, &vlen)[0];
	if (qty < 0)
		return fee_contract(L, "quantity must not be negative");
	if (!vm->add.negative_ok && (amount < 0 || price < 0))
		return fee_contract(L, "amount must not be negative (%I)",
		    (lua_Integer)amount);
	if (__builtin_add_overflow(out->total, amount, &total))
		return fee_contract(L, "total overflows");
	if (out->n == FEE_MAX_LINES)
		return fee_contract(L, "more than %d lines", FEE_MAX_LINES);
	if (out->n == out->cap) {
		out->cap = out->cap ? out->cap * 2 : 8;
		out->v = xrealloc(out->v, out->cap * sizeof *out->v);
	}
	ln = &out->v[out->n++];
	memcpy(ln->description, desc, dlen + 1);
	memcpy(ln->unit, unit, ulen + 1);
	ln->quantity = qty;
	ln->unit_price = price;
	ln->amount = amount;
	ln->vat = vat;
	out->total = total;
	return 0;
}

void
fee_set_text(lua_State *L, int t, const char *k, const char *v)
{
	if (v != NULL)
		lua_pushstring(L, v);
	else
		lua_pushnil(L);
	lua_setfield(L, t, k);
}

void
fee_set_int(lua_State *L, int t, const char *k, int64_t v)
{
	lua_pushinteger(L, (lua_Integer)v);
	lua_setfield(L, t, k);
}

void
fee_set_vat(lua_State *L, int t, char vat)
{
	char s[2] = { vat ? vat : 'S', '\0' };

	lua_pushlstring(L, s, 1);
	lua_setfield(L, t, "vat");
}

/* Refuses an entry the caller should never have built, naming the field. */
int
fee_entry_check(const struct fee_entry *e, char **err)
{
	if (e->minutes < 0 || e->minutes > 1440)
		fee_set_error(err, "minutes: must be between 0 and 1440");
	else if (!units_date_ok(e->date))
		fee_set_error(err, "date: must be a date, YYYY-MM-DD");
	else if (e->today != NULL && !units_date_ok(e->today))
		fee_set_error(err, "today: must be a date, YYYY-MM-DD");
	else if (e->activity == NULL || *e->activity == '\0' ||
	    strlen(e->activity) > 32)
		fee_set_error(err, "activity: must be 1 to 32 bytes");
	else if (e->grade == NULL || *e->grade == '\0' || strlen(e->grade) > 32)
		fee_set_error(err, "grade: must be 1 to 32 bytes");
	else if (e->basis == NULL || (strcmp(e->basis, "hourly") != 0 &&
	    strcmp(e->basis, "daily") != 0 && strcmp(e->basis, "fixed") != 0 &&
	    strcmp(e->basis, "capped") != 0))
		fee_set_error(err, "basis: must be hourly, daily, fixed or capped");
	else if (e->vat != 0 && e->vat != 'S' && e->vat != 'O')
		fee_set_error(err, "vat: must be S or O");
	else if (e->calendar != NULL && !fee_valid_calendar(e->calendar))
		fee_set_error(err, FEE_CALENDAR_ERROR);
	else
		return 0;
	return -1;
}

/* Fills the reused entry and ctx tables in place: no allocation per entry. */
void
fee_fill_entry(lua_State *L, const struct fee_entry *e)
{
	int t = lua_gettop(L);

	fee_set_int(L, t, "minutes", e->minutes);
	fee_set_text(L, t, "date", e->date);
	fee_set_text(L, t, "activity", e->activity);
	lua_pushboolean(L, e->out_of_hours);
	lua_setfield(L, t, "out_of_hours");
	fee_set_text(L, t, "grade", e->grade);
	fee_set_text(L, t, "basis", e->basis);
	fee_set_text(L, t, "consumer", e->consumer);
	fee_set_text(L, t, "provider", e->provider);
	fee_set_text(L, t, "calendar", fee_calendar_of(e));
	fee_set_int(L, t, "agreement", e->agreement);
}

void
fee_fill_ctx(lua_State *L, char vat, const char *today, const char *period)
{
	int t = lua_gettop(L);

	fee_set_vat(L, t, vat);
	fee_set_text(L, t, "today", today);
	fee_set_text(L, t, "period", period);
}

/* Pushes message handler and the named function of the rules table. */
int
fee_push_fn(struct fee_vm *vm, const char *fn)
{
	lua_State *L = vm->L;

	lua_rawgeti(L, LUA_REGISTRYINDEX, vm->ref.msgh);
	lua_rawgeti(L, LUA_REGISTRYINDEX, vm->ref.rules);
	if (lua_getfield(L, -1, fn) != LUA_TFUNCTION) {
		lua_pop(L, 3);
		return -1;
	}
	lua_remove(L, -2);
	return 0;
}

/*
 * Runs the driver over entries start to stop - 1 (nxt hands them out);
 * entries not looked up yet and priced before come from the cache, and a
 * run the cache answers whole never enters the state.
 */
int
fee_vm_run(struct fee_vm *vm, size_t start, size_t stop, char **err)
{
	lua_State *L = vm->L;
	int top, st;

	vm->batch.i = start;
	vm->batch.stop = stop;
	vm->cache.pending = 0;
	vm->watch.npriced = 0;
	fee_memo_serve(vm);
	if (vm->batch.i == stop)
		return FEE_OK;
	top = lua_gettop(L);
	vm->names.group_given = -1;	/* the driver's locals start empty */
	lua_rawgeti(L, LUA_REGISTRYINDEX, vm->ref.msgh);
	lua_rawgeti(L, LUA_REGISTRYINDEX, vm->ref.price);
	st = fee_vm_pcall(vm, 0, 1, top + 1, FEE_CALL_BUDGET, err);
	if (st == FEE_OK && !lua_isnil(L, -1)) {
		fee_set_error(err, "%s: price returned a %s; charge lines are "
		    "added with lines:add", vm->rs->chunk + 1,
		    luaL_typename(L, -1));
		st = FEE_E_CONTRACT;
	}
	lua_settop(L, top);
	return st;
}

/*
 * Prices v[0..n-1] into out[0..n-1] with one call into the state: the
 * driver takes each entry from nxt() and calls price. A large batch runs
 * uncounted, chunk by chunk, a chunk in doubt again counted; the rest
 * counted throughout. Saves and restores the batch so a nested call (a
 * test's t.price) cannot confuse an outer one.
 */
int
fee_vm_price(struct fee_vm *vm, const struct fee_entry *v, size_t n,
    struct fee_lines *out, size_t *failed, char **err)
{
	const struct fee_entry *batch = vm->batch.v;
	struct fee_lines *batch_out = vm->batch.out, *was_out = vm->add.out;
	size_t batch_n = vm->batch.n, batch_i = vm->batch.i, i, start, stop;
	size_t batch_stop = vm->batch.stop, memo_checked = vm->cache.checked;
	int batch_budget = vm->batch.budget, negative_ok = vm->add.negative_ok;
	int memo_pending = vm->cache.pending, st = FEE_OK;

	if (failed != NULL)
		*failed = 0;
	if (n == 0)
		return FEE_OK;
	if (n > (size_t)LUA_MAXINTEGER) {
		fee_set_error(err, "batch: too many entries");
		return FEE_E_INPUT;
	}
	vm->batch.v = v;
	vm->batch.out = out;
	vm->batch.n = n;
	vm->batch.budget = vm->lim.depth == 0;
	vm->add.negative_ok = 0;
	vm->batch.i = 0;
	vm->batch.stop = n;
	vm->cache.checked = 0;
	vm->cache.pending = 0;
	fee_last_forget(vm);
	fee_memo_of(vm);
	fee_memo_serve(vm);
	for (start = vm->batch.i; start < n;) {
		if (fee_fast_ok(vm, n - start)) {
			if ((start = fee_vm_run_fast(vm, start, n)) == n)
				break;
			stop = n - start > vm->watch.chunk_len ?
			    start + vm->watch.chunk_len : n;
		} else
			stop = n;
		st = fee_vm_run(vm, start, stop, err);
		if (st != FEE_OK)
			break;
		start = stop;
	}
	if (st != FEE_OK && failed != NULL)
		*failed = vm->batch.i > 0 ? vm->batch.i - 1 : 0;
	vm->batch.v = batch;
	vm->batch.out = batch_out;
	vm->batch.n = batch_n;
	vm->batch.i = batch_i;
	vm->batch.stop = batch_stop;
	vm->batch.budget = batch_budget;
	vm->add.negative_ok = negative_ok;
	vm->cache.checked = memo_checked;
	vm->cache.pending = memo_pending;
	vm->add.out = was_out;
	vm->names.group_given = -1;	/* an outer run's group is not ours */
	fee_last_forget(vm);
	if (st != FEE_OK) {
		/* Never half a batch: every entry's lines are emptied. */
		for (i = 0; i < n; i++)
			fee_lines_reset(&out[i], v[i].vat ? v[i].vat : 'S');
	}
	return st;
}

/*
 * Prices one time entry into charge lines (out is reused between calls;
 * its array grows once and stays). On failure out is empty: never half.
 */
int
fee_price(struct fee_ruleset *rs, const struct fee_entry *e,
    struct fee_lines *out, char **err)
{
	return fee_vm_price(&rs->vm, e, 1, out, NULL, err);
}

/*
 * Prices n entries with one call into the rule set's state: what an
 * invoice run uses. out[i] receives entry i's lines, each reused between
 * calls like fee_price's. Each entry has the budget of a fee_price call.
 * On failure every out[i] is empty and *failed names the entry.
 */
int
fee_price_batch(struct fee_ruleset *rs, const struct fee_entry *v, size_t n,
    struct fee_lines *out, size_t *failed, char **err)
{
	return fee_vm_price(&rs->vm, v, n, out, failed, err);
}

int
fee_vm_engagement(struct fee_vm *vm, const struct fee_engagement_in *eng,
    struct fee_lines *out, char **err)
{
	lua_State *L = vm->L;
	int top = lua_gettop(L), t, st;
	size_t i;

	fee_lines_reset(out, eng->vat ? eng->vat : 'S');
	if (!units_month_ok(eng->period)) {
		fee_set_error(err, "period: must be a month, YYYY-MM");
		return FEE_E_INPUT;
	}
	if ((eng->due != NULL && !units_date_ok(eng->due)) ||
	    (eng->completed != NULL && !units_date_ok(eng->completed))) {
		fee_set_error(err, "due/completed: must be dates, YYYY-MM-DD");
		return FEE_E_INPUT;
	}
	if (fee_push_fn(vm, "engagement") != 0)
		return FEE_OK;
	lua_createtable(L, 0, 16);
	t = lua_gettop(L);
	fee_set_int(L, t, "id", eng->id);
	fee_set_text(L, t, "basis", eng->basis);
	fee_set_text(L, t, "period", eng->period);
	fee_set_text(L, t, "consumer", eng->consumer);
	fee_set_text(L, t, "provider", eng->provider);
	fee_set_int(L, t, "agreement", eng->agreement);
	fee_set_int(L, t, "fixed_fee", eng->fixed_fee);
	if (eng->budget >= 0)
		fee_set_int(L, t, "budget", eng->budget);
	fee_set_int(L, t, "bonus", eng->bonus);
	fee_set_text(L, t, "due", eng->due);
	fee_set_text(L, t, "completed", eng->completed);
	fee_set_int(L, t, "priced", eng->priced);
	fee_set_int(L, t, "billed_before", eng->billed_before);
	lua_createtable(L, (int)eng->nmilestones, 0);
	for (i = 0; i < eng->nmilestones; i++) {
		lua_createtable(L, 0, 3);
		fee_set_text(L, lua_gettop(L), "name", eng->milestones[i].name);
		fee_set_int(L, lua_gettop(L), "amount", eng->milestones[i].amount);
		fee_set_text(L, lua_gettop(L), "done", eng->milestones[i].done);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, t, "milestones");
	lua_rawgeti(L, LUA_REGISTRYINDEX, vm->ref.period_ctx);
	fee_fill_ctx(L, eng->vat, NULL, eng->period);
	lua_rawgeti(L, LUA_REGISTRYINDEX, vm->ref.lines);
	vm->add.out = out;
	vm->add.negative_ok = 1;
	st = fee_vm_pcall(vm, 3, 0, top + 1, FEE_CALL_BUDGET, err);
	vm->add.out = NULL;
	lua_settop(L, top);
	if (st == FEE_OK && eng->priced + out->total < 0) {
		fee_set_error(err, "%s: engagement lines take engagement %lld "
		    "below zero", vm->rs->chunk + 1, (long long)eng->id);
		st = FEE_E_CONTRACT;
	}
	if (st != FEE_OK)
		fee_lines_reset(out, out->vat);
	return st;
}

/*
 * Engagement-level pricing, once per engagement and period: fixed fees,
 * milestones, bonuses, engagement caps. A rule set without engagement()
 * adds nothing.
 */
int
fee_engagement(struct fee_ruleset *rs, const struct fee_engagement_in *eng,
    struct fee_lines *out, char **err)
{
	return fee_vm_engagement(&rs->vm, eng, out, err);
}

int
fee_vm_invoice(struct fee_vm *vm, const struct fee_invoice_in *inv,
    struct fee_lines *out, char **err)
{
	lua_State *L = vm->L;
	int top = lua_gettop(L), t, st;

	fee_lines_reset(out, inv->vat ? inv->vat : 'S');
	if (!units_month_ok(inv->period)) {
		fee_set_error(err, "period: must be a month, YYYY-MM");
		return FEE_E_INPUT;
	}
	if (inv->subtotal < 0 || inv->consumer_before < 0) {
		fee_set_error(err, "subtotal: must not be negative");
		return FEE_E_INPUT;
	}
	if (fee_push_fn(vm, "invoice") != 0)
		return FEE_OK;
	lua_createtable(L, 0, 10);
	t = lua_gettop(L);
	fee_set_text(L, t, "period", inv->period);
	fee_set_text(L, t, "consumer", inv->consumer);
	fee_set_text(L, t, "provider", inv->provider);
	fee_set_int(L, t, "agreement", inv->agreement);
	fee_set_vat(L, t, inv->vat);
	fee_set_int(L, t, "subtotal", inv->subtotal);
	if (inv->cap >= 0)
		fee_set_int(L, t, "cap", inv->cap);
	fee_set_int(L, t, "consumer_before", inv->consumer_before);
	lua_rawgeti(L, LUA_REGISTRYINDEX, vm->ref.period_ctx);
	fee_fill_ctx(L, inv->vat, NULL, inv->period);
	lua_rawgeti(L, LUA_REGISTRYINDEX, vm->ref.lines);
	vm->add.out = out;
	vm->add.negative_ok = 1;
	st = fee_vm_pcall(vm, 3, 1, top + 1, FEE_CALL_BUDGET, err);
	vm->add.out = NULL;
	if (st == FEE_OK && lua_istable(L, -1)) {
		const char *s;

		if (lua_getfield(L, -1, "vat") == LUA_TSTRING) {
			s = lua_tostring(L, -1);
			if (strlen(s) == 1 && strchr("SZEO", s[0]) != NULL)
				out->vat = s[0];
			else {
				fee_set_error(err, "%s: invoice vat must be S, Z, E "
				    "or O", vm->rs->chunk + 1);
				st = FEE_E_CONTRACT;
			}
		}
		lua_pop(L, 1);
		if (lua_getfield(L, -1, "vat_reason") == LUA_TSTRING) {
			s = lua_tostring(L, -1);
			snprintf(out->vat_reason, sizeof out->vat_reason, "%s", s);
		}
		lua_pop(L, 1);
	} else if (st == FEE_OK && !lua_isnil(L, -1)) {
		fee_set_error(err, "%s: invoice returned a %s, not a table",
		    vm->rs->chunk + 1, luaL_typename(L, -1));
		st = FEE_E_CONTRACT;
	}
	lua_settop(L, top);
	if (st == FEE_OK && inv->subtotal + out->total < 0) {
		fee_set_error(err, "%s: invoice lines take the invoice below zero",
		    vm->rs->chunk + 1);
		st = FEE_E_CONTRACT;
	}
	if (st != FEE_OK)
		fee_lines_reset(out, out->vat);
	return st;
}

/*
 * Invoice-level terms, once per invoice: the agreement's monthly cap,
 * volume discounts, VAT category and exemption reason. Adjustment lines
 * may be negative; the invoice never goes below zero.
 */
int
fee_invoice(struct fee_ruleset *rs, const struct fee_invoice_in *inv,
    struct fee_lines *out, char **err)
{
	return fee_vm_invoice(&rs->vm, inv, out, err);
}
