/* fee-intern.c: the entry path: nxt() and grp() hand entries to the driver. */
#include "fee-int.h"

#include <stdlib.h>
#include <string.h>

/* Does a string of len bytes pass as the entry field "as"? */
static int
fee_intern_ok(const char *s, size_t len, int as)
{
	switch (as) {
	case FEE_AS_TEXT:
		return len > 0;
	case FEE_AS_DATE:
		return units_date_ok(s);
	case FEE_AS_BASIS:
		return strcmp(s, "hourly") == 0 || strcmp(s, "daily") == 0 ||
		    strcmp(s, "fixed") == 0 || strcmp(s, "capped") == 0;
	case FEE_AS_CALENDAR:
		return fee_valid_calendar(s);
	default:
		return 1;
	}
}

/*
 * The string s as entry field "as" would take it: its index in the state's
 * table of interned strings (made on first sight; its slot in *slotp), 0
 * for a long string to push as it is, -1 when the field refuses it.
 * Checks run once per string, so a month of entries validates its dates a
 * few dozen times.
 */
static int
fee_intern(lua_State *L, struct fee_vm *vm, const char *s, int as,
    size_t *slotp)
{
	struct fee_seen *seen;
	struct fee_intern *in;
	const char *p;
	uint32_t h = 2166136261u, slot;
	size_t len;

	/* Callers reuse their strings (the same grade, the same date): a
	 * pointer seen before needs one comparison, no hash. */
	seen = &vm->names.seen[((uintptr_t)s * UINT64_C(0x9e3779b97f4a7c15)) >>
	    (64 - FEE_SEEN_BITS)];
	if (seen->p == s) {
		in = &vm->names.intern[seen->slot];
		if (in->idx != 0 && (in->as & as) != 0) {
			*slotp = seen->slot;
			if (seen->call == vm->names.call)
				return in->idx;
			for (p = s; *p == in->s[p - s]; p++) {
				if (*p == '\0') {
					seen->call = vm->names.call;
					return in->idx;
				}
			}
		}
	}
	for (p = s; *p != '\0' && p - s <= FEE_INTERN_MAX; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	if (*p != '\0')
		return as == FEE_AS_ANY ? 0 : -1;
	len = (size_t)(p - s);
	for (slot = h;; slot++) {
		in = &vm->names.intern[slot & (FEE_INTERN_SLOTS - 1)];
		if (in->idx == 0)
			break;
		if (in->hash == h && in->len == len && memcmp(in->s, s, len) == 0) {
			if ((in->as & as) == 0) {
				if (!fee_intern_ok(s, len, as))
					return -1;
				in->as |= (unsigned char)as;
			}
			seen->p = s;
			*slotp = seen->slot = (size_t)(in - vm->names.intern);
			seen->call = vm->names.call;
			return in->idx;
		}
	}
	if (!fee_intern_ok(s, len, as))
		return -1;
	if (vm->names.nintern == FEE_INTERN_SLOTS / 2) {
		/* Full: start again; the Lua table's slots are reused. */
		memset(vm->names.intern, 0,
		    FEE_INTERN_SLOTS * sizeof *vm->names.intern);
		memset(vm->names.seen, 0, sizeof vm->names.seen);
		vm->names.nintern = 0;
		vm->names.epoch++;
		in = &vm->names.intern[h & (FEE_INTERN_SLOTS - 1)];
	}
	/* The Lua side first: it may raise, and must not leave a slot. */
	lua_pushlstring(L, s, len);
	lua_rawseti(L, lua_upvalueindex(1), vm->names.nintern + 1);
	in->hash = h;
	in->idx = ++vm->names.nintern;
	in->len = (unsigned char)len;
	in->as = (unsigned char)as;
	memcpy(in->s, s, len + 1);
	seen->p = s;
	*slotp = seen->slot = (size_t)(in - vm->names.intern);
	seen->call = vm->names.call;
	return in->idx;
}

/* Refuses the caller's entry from inside the pricing call. */
static int
fee_input_error(lua_State *L, struct fee_vm *vm, const char *msg)
{
	vm->lim.input = 1;
	lua_pushstring(L, msg);
	return lua_error(L);
}

/*
 * Is s the text field f held last time? Not if it held nil (kept 2), nor
 * once the intern table has been started again.
 */
static inline int
fee_same(struct fee_vm *vm, struct fee_last *l, const char *s)
{
	const char *a, *b;

	if (l->kept != 1)
		return 0;
	if (l->p == s)
		return 1;
	if (l->epoch != vm->names.epoch)
		return 0;
	for (a = s, b = vm->names.intern[l->slot].s; *a == *b; a++, b++) {
		if (*a == '\0') {
			l->p = s;
			return 1;
		}
	}
	return 0;
}

/*
 * Forgets the caller's pointers fee_same and fee_intern trust: they stand
 * for their text only while one pricing call lasts.
 */
void
fee_last_forget(struct fee_vm *vm)
{
	int f;

	for (f = 0; f < FEE_NFIELDS; f++)
		vm->names.last[f].p = NULL;
	vm->names.call++;
}

/*
 * Checks string s as field f, as "as" takes it, interning it, and keeps
 * where its text is for fee_same. Returns its index in the intern table,
 * 0 for a string too long to intern (never the same), -1 when refused.
 */
static int
fee_take(lua_State *L, struct fee_vm *vm, enum fee_field f, const char *s,
    int as)
{
	struct fee_last *l = &vm->names.last[f];
	size_t slot;
	int idx;

	l->kept = 0;
	l->p = NULL;
	if ((idx = fee_intern(L, vm, s, as, &slot)) > 0) {
		l->kept = 1;
		l->p = s;
		l->slot = slot;
		l->idx = idx;
		l->epoch = vm->names.epoch;
	}
	return idx;
}

/*
 * Pushes string s as per-entry field f: the interned string, found by
 * the pointer field f held last time when s is that pointer, else by
 * fee_take (a pointer seen before in the call needs no look at its
 * text). -1 when the field refuses s.
 */
static int
fee_push_field(lua_State *L, struct fee_vm *vm, enum fee_field f,
    const char *s, int as)
{
	struct fee_last *l = &vm->names.last[f];
	int idx;

	if (l->kept == 1 && l->p == s && l->epoch == vm->names.epoch)
		idx = l->idx;
	else if ((idx = fee_take(L, vm, f, s, as)) < 0)
		return -1;
	if (idx == 0) {		/* too long to intern: pushed as it is */
		lua_pushstring(L, s);
		return 0;
	}
	lua_rawgeti(L, lua_upvalueindex(1), idx);
	return 0;
}

/*
 * A group field of entry e (grade, basis, consumer, provider: NULL only
 * where "as" is FEE_AS_ANY): 1 when it differs from the last entry's and
 * is accepted, 0 when the same, -1 when refused.
 */
static int
fee_group_field(lua_State *L, struct fee_vm *vm, enum fee_field f,
    const char *s, int as)
{
	if (s == NULL) {
		if (as != FEE_AS_ANY)
			return -1;
		if (vm->names.last[f].kept == 2)
			return 0;
		vm->names.last[f].kept = 2;	/* nil */
		return 1;
	}
	if (fee_same(vm, &vm->names.last[f], s))
		return 0;
	if ((vm->names.group_idx[f] = fee_take(L, vm, f, s, as)) < 0)
		return -1;
	vm->names.group_epoch[f] = vm->names.epoch;
	return 1;
}

/*
 * Pushes group field f of the entry: the interned string nxt() took,
 * while the intern table holds it, else interned again when it can be.
 * Returns its index in the intern table, -1 for nil, 0 for a string
 * pushed as it is.
 */
static int
fee_push_group(lua_State *L, struct fee_vm *vm, enum fee_field f,
    const char *s, int as)
{
	size_t slot;
	int idx;

	if (s == NULL) {
		lua_pushnil(L);
		return -1;
	}
	if (vm->names.group_epoch[f] == vm->names.epoch &&
	    vm->names.group_idx[f] > 0)
		idx = vm->names.group_idx[f];
	else if ((idx = fee_intern(L, vm, s, as, &slot)) <= 0) {
		lua_pushstring(L, s);
		return 0;
	}
	lua_rawgeti(L, lua_upvalueindex(1), idx);
	return idx;
}

/* Is slot pp kept for this group? */
static int
fee_prep_is(const struct fee_vm *vm, const struct fee_prep *pp,
    const int idx[5])
{
	return pp->used && pp->epoch == vm->names.epoch &&
	    pp->vat == vm->names.group_vat &&
	    pp->agreement == vm->names.group_agreement &&
	    memcmp(pp->idx, idx, sizeof pp->idx) == 0;
}

/*
 * Pushes what the rule set's prepare (upvalue 3 of grp()) returns for the
 * group fields on top of the stack (grade, basis, vat, consumer,
 * provider, agreement, calendar; idx their interned strings), called with
 * the reused tables at upvalues 4 and 5. prepare is a pure function of
 * them (the contract), so what it returned is kept (in the table at
 * upvalue 2, a slot among FEE_PREP_PROBE by the group's hash) and given
 * again for the same group. A test run forgets them all before its
 * second look (fee_prep_forget), which so catches a prepare that keeps
 * state, or a price that changes what prepare returned, as it catches a
 * price that keeps state.
 */
static void
fee_push_prepared(lua_State *L, struct fee_vm *vm, const int idx[5])
{
	static const char *const names[] = { "grade", "basis", "vat",
	    "consumer", "provider", "agreement", "calendar" };
	struct fee_prep *pp = NULL, *p;
	uint32_t h = (uint32_t)vm->names.group_vat;
	int i, top = lua_gettop(L);

	for (i = 0; i < 5; i++) {
		if (idx[i] == 0)
			break;		/* a long string: not kept */
		h = (h ^ (uint32_t)idx[i]) * 16777619u;
	}
	if (i == 5) {
		h = (h ^ (uint32_t)vm->names.group_agreement) * 16777619u;
		h ^= h >> 16;
		for (i = 0; i < FEE_PREP_PROBE; i++) {
			p = &vm->names.prep[(h + (uint32_t)i) &
			    (FEE_PREP_SLOTS - 1)];
			if (fee_prep_is(vm, p, idx)) {
				lua_rawgeti(L, lua_upvalueindex(2),
				    p - vm->names.prep + 1);
				return;
			}
			if (pp == NULL && (!p->used ||
			    p->epoch != vm->names.epoch))
				pp = p;
		}
		if (pp == NULL)		/* all taken: the first gives way */
			pp = &vm->names.prep[h & (FEE_PREP_SLOTS - 1)];
	}
	lua_pushvalue(L, lua_upvalueindex(3));
	lua_pushvalue(L, lua_upvalueindex(4));
	for (i = 0; i < 7; i++) {
		if (i == 2)
			continue;	/* vat goes in ctx */
		lua_pushvalue(L, top - 6 + i);
		lua_setfield(L, -2, names[i]);
	}
	lua_pushvalue(L, lua_upvalueindex(5));
	lua_pushvalue(L, top - 4);
	lua_setfield(L, -2, "vat");
	lua_call(L, 2, 1);
	if (pp != NULL) {
		lua_pushvalue(L, -1);
		lua_rawseti(L, lua_upvalueindex(2), pp - vm->names.prep + 1);
		pp->used = 1;
		memcpy(pp->idx, idx, sizeof pp->idx);
		pp->vat = vm->names.group_vat;
		pp->agreement = vm->names.group_agreement;
		pp->epoch = vm->names.epoch;
	}
}

/* Forgets what prepare returned for every group. */
void
fee_prep_forget(struct fee_vm *vm)
{
	memset(vm->names.prep, 0, sizeof vm->names.prep);
}

/*
 * Does entry e hold the very group fields (the caller's same pointers) of
 * the last entry nxt() took whole in this call? Then they passed, and the
 * group is unchanged, with no look at their text.
 */
static inline int
fee_group_as_last(struct fee_vm *vm, const struct fee_entry *e)
{
	const struct fee_names *n = &vm->names;

	return n->gp_call == n->call && n->group_known &&
	    e->grade == n->gp[0] && e->basis == n->gp[1] &&
	    e->consumer == n->gp[2] && e->provider == n->gp[3] &&
	    e->calendar == n->gp[4] && e->vat == n->gp_vat &&
	    e->agreement == n->gp_agreement;
}

/*
 * nxt(): the next entry of the batch for the driver, as minutes, date,
 * today, activity, out_of_hours, and true when its group fields (grade,
 * basis, vat, consumer, provider, agreement, calendar: an engagement's,
 * so they seldom change) are not those grp() handed out last; or nothing
 * at batch_stop.
 * Keeps what price made of the previous entry and answers entries priced
 * before from the cache, in C. Checks the entry as fee_entry_check does,
 * in the same order and words, strings only when they differ from the
 * last entry's; points lines:add at its lines; and gives it a fresh
 * instruction budget when the batch is the outermost call and counted.
 */
static int
fee_lua_next(lua_State *L)
{
	struct fee_vm *vm = fee_vm_of(L);
	const struct fee_entry *e;
	char vat;
	int ch;

	if (vm->batch.v == NULL)
		return fee_contract(L, "no entry to price");
	if (vm->cache.pending) {
		/* price came back for the last one: it went well. */
		vm->cache.pending = 0;
		fee_memo_put(vm->cache.memo, &vm->batch.v[vm->batch.i - 1],
		    &vm->batch.out[vm->batch.i - 1]);
	}
	if (vm->watch.fast &&
	    vm->batch.i - vm->watch.chunk_start >= vm->watch.chunk_len)
		fee_fast_step(L, vm);
	if (vm->cache.memo != NULL && vm->cache.checked <= vm->batch.i)
		fee_memo_serve(vm);
	if (vm->batch.i == vm->batch.stop)
		return 0;
	e = &vm->batch.v[vm->batch.i];
	if (vm->cache.memo != NULL && vm->cache.memo->missed == e) {
		if (vm->watch.fast)
			vm->watch.priced[vm->watch.npriced++] = vm->batch.i;
		else
			vm->cache.pending = 1;
	}
	vm->add.out = &vm->batch.out[vm->batch.i++];
	vm->lim.cwork = 0;		/* each entry has a call's budget */
	fee_lines_reset(vm->add.out, e->vat ? e->vat : 'S');
	if (vm->batch.budget && !vm->watch.fast && !vm->lim.spent && !vm->lim.oom)
		lua_sethook(L, fee_hook, LUA_MASKCOUNT, FEE_CALL_BUDGET);
	if (e->minutes < 0 || e->minutes > 1440)
		return fee_input_error(L, vm, "minutes: must be between 0 and "
		    "1440");
	lua_pushinteger(L, (lua_Integer)e->minutes);
	if (e->date == NULL ||
	    fee_push_field(L, vm, FEE_F_DATE, e->date, FEE_AS_DATE) != 0)
		return fee_input_error(L, vm, "date: must be a date, YYYY-MM-DD");
	if (e->today == NULL)
		lua_pushvalue(L, -1);
	else if (fee_push_field(L, vm, FEE_F_TODAY, e->today,
	    FEE_AS_DATE) != 0)
		return fee_input_error(L, vm, "today: must be a date, YYYY-MM-DD");
	if (e->activity == NULL || fee_push_field(L, vm, FEE_F_ACTIVITY,
	    e->activity, FEE_AS_TEXT) != 0)
		return fee_input_error(L, vm, "activity: must be 1 to 32 bytes");
	lua_pushboolean(L, e->out_of_hours);
	if (fee_group_as_last(vm, e))
		goto given;
	/* Unknown until the end: an error on the way means a new group. */
	ch = !vm->names.group_known;
	vm->names.group_known = 0;
	if (e->grade == NULL || (ch |= fee_group_field(L, vm, FEE_F_GRADE,
	    e->grade, FEE_AS_TEXT)) < 0)
		return fee_input_error(L, vm, "grade: must be 1 to 32 bytes");
	if (e->basis == NULL || (ch |= fee_group_field(L, vm, FEE_F_BASIS,
	    e->basis, FEE_AS_BASIS)) < 0)
		return fee_input_error(L, vm, "basis: must be hourly, daily, "
		    "fixed or capped");
	if (e->vat != 0 && e->vat != 'S' && e->vat != 'O')
		return fee_input_error(L, vm, "vat: must be S or O");
	vat = e->vat == 'O' ? 'O' : 'S';
	ch |= fee_group_field(L, vm, FEE_F_CONSUMER, e->consumer, FEE_AS_ANY);
	ch |= fee_group_field(L, vm, FEE_F_PROVIDER, e->provider, FEE_AS_ANY);
	if ((ch |= fee_group_field(L, vm, FEE_F_CALENDAR, fee_calendar_of(e),
	    FEE_AS_CALENDAR)) < 0)
		return fee_input_error(L, vm, FEE_CALENDAR_ERROR);
	if (ch || vat != vm->names.group_vat ||
	    e->agreement != vm->names.group_agreement) {
		vm->names.group_vat = vat;
		vm->names.group_agreement = e->agreement;
		vm->names.group++;
	}
	vm->names.group_known = 1;
	vm->names.gp[0] = e->grade;
	vm->names.gp[1] = e->basis;
	vm->names.gp[2] = e->consumer;
	vm->names.gp[3] = e->provider;
	vm->names.gp[4] = e->calendar;
	vm->names.gp_vat = e->vat;
	vm->names.gp_agreement = e->agreement;
	vm->names.gp_call = vm->names.call;
given:
	if (vm->names.group == vm->names.group_given)
		return 5;
	lua_pushboolean(L, 1);
	return 6;
}

/*
 * grp(): the group fields of the entry nxt() handed out last: grade,
 * basis, vat, consumer, provider, agreement, calendar; and what the rule
 * set's prepare returns for them (nothing without one).
 */
static int
fee_lua_group(lua_State *L)
{
	struct fee_vm *vm = fee_vm_of(L);
	const struct fee_entry *e;
	int idx[5];

	if (vm->batch.v == NULL || vm->batch.i == 0)
		return fee_contract(L, "no entry to price");
	e = &vm->batch.v[vm->batch.i - 1];
	idx[0] = fee_push_group(L, vm, FEE_F_GRADE, e->grade, FEE_AS_TEXT);
	idx[1] = fee_push_group(L, vm, FEE_F_BASIS, e->basis, FEE_AS_BASIS);
	lua_pushstring(L, e->vat == 'O' ? "O" : "S");
	idx[2] = fee_push_group(L, vm, FEE_F_CONSUMER, e->consumer, FEE_AS_ANY);
	idx[3] = fee_push_group(L, vm, FEE_F_PROVIDER, e->provider, FEE_AS_ANY);
	lua_pushinteger(L, (lua_Integer)e->agreement);
	idx[4] = fee_push_group(L, vm, FEE_F_CALENDAR, fee_calendar_of(e),
	    FEE_AS_CALENDAR);
	vm->names.group_given = vm->names.group;
	if (lua_isnil(L, lua_upvalueindex(3)))
		return 7;
	fee_push_prepared(L, vm, idx);
	return 8;
}

/*
 * The driver: one call from C prices a whole batch (see fee_driver). Not
 * static: bench/fees measures the contract's shape with the same loop.
 */
const char fee_driver_source[] =
    "local entry, ctx, lines, price, nxt, grp = ...\n"
    "return function()\n"
    "local entry, ctx, lines, price, nxt, grp = entry, ctx, lines, price, "
    "nxt, grp\n"
    "local g, b, v, c, p, ag, cal, t\n"
    "while true do\n"
    "local m, d, td, a, o, new = nxt()\n"
    "if not m then return end\n"
    "if new then g, b, v, c, p, ag, cal, t = grp() end\n"
    "entry.minutes = m entry.date = d entry.activity = a\n"
    "entry.out_of_hours = o entry.grade = g entry.basis = b\n"
    "entry.consumer = c entry.provider = p entry.agreement = ag\n"
    "entry.calendar = cal\n"
    "ctx.vat = v ctx.today = td\n"
    "local r = price(entry, ctx, lines, t)\n"
    "if r ~= nil then return r end\n"
    "end\n"
    "end\n";

/*
 * Replaces the price function on top of the stack (the rules table below
 * it) by the driver: for each entry nxt() hands it (C, interned strings)
 * until there are none, stores them into the reused entry and ctx tables
 * with Lua's own constant-key stores, and calls price. One call from C
 * prices a whole batch and the per-entry path allocates nothing. The
 * driver keeps what it works with in locals, the group fields too: so
 * nxt() says "new group" for the first entry of every run (fee_vm_run)
 * and after a nested one. When the rule set has a prepare function,
 * grp() gives what it returns for each new group (fee_push_prepared),
 * and the driver passes it to price for every entry of the group.
 */
int
fee_driver(struct fee_vm *vm)
{
	lua_State *L = vm->L;

	if (fee_load_chunk(L, vm, fee_driver_source,
	    sizeof fee_driver_source - 1, "=price") != LUA_OK) {
		lua_pop(L, 1);
		return FEE_E_MEMORY;
	}
	lua_rawgeti(L, LUA_REGISTRYINDEX, vm->ref.entry);
	lua_rawgeti(L, LUA_REGISTRYINDEX, vm->ref.ctx);
	lua_rawgeti(L, LUA_REGISTRYINDEX, vm->ref.lines);
	lua_pushvalue(L, -5);
	lua_createtable(L, FEE_INTERN_SLOTS / 2, 0);
	lua_pushvalue(L, -1);
	lua_createtable(L, FEE_PREP_SLOTS, 0);
	if (lua_getfield(L, -10, "prepare") != LUA_TFUNCTION) {
		lua_pop(L, 1);
		lua_pushnil(L);		/* not a function: not the engine's */
	}
	lua_createtable(L, 0, 6);	/* prepare's group and ctx */
	lua_createtable(L, 0, 1);
	lua_pushcclosure(L, fee_lua_group, 5);
	lua_insert(L, -2);
	lua_pushcclosure(L, fee_lua_next, 1);
	lua_insert(L, -2);
	if (lua_pcall(L, 6, 1, 0) != LUA_OK) {
		lua_pop(L, 1);
		return FEE_E_MEMORY;
	}
	lua_replace(L, -2);
	vm->names.intern = xcalloc(FEE_INTERN_SLOTS, sizeof *vm->names.intern);
	return FEE_OK;
}
