/* fee-harness.c: the test harness a rule set's NAME_test.lua runs against. */
#include "fee-int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *
fee_tbl_text(lua_State *L, int t, const char *k)
{
	const char *s = NULL;

	if (lua_getfield(L, t, k) == LUA_TSTRING)
		s = lua_tostring(L, -1);
	lua_pop(L, 1);	/* the table keeps the string alive */
	return s;
}

static int64_t
fee_tbl_int(lua_State *L, int t, const char *k, int64_t def)
{
	int64_t v = def;

	if (lua_getfield(L, t, k) != LUA_TNIL)
		v = fee_arg_int(L, -1, k);
	lua_pop(L, 1);
	return v;
}

static char
fee_tbl_vat(lua_State *L, int t)
{
	const char *v = fee_tbl_text(L, t, "vat");

	return v != NULL ? v[0] : 'S';
}

/* Turns lines into {total =, vat =, vat_reason =, [i] = {line}}. */
static void
fee_push_lines(lua_State *L, const struct fee_lines *l)
{
	size_t i;
	int t;

	lua_createtable(L, (int)l->n, 3);
	t = lua_gettop(L);
	fee_set_int(L, t, "total", l->total);
	fee_set_vat(L, t, l->vat);
	fee_set_text(L, t, "vat_reason", l->vat_reason);
	for (i = 0; i < l->n; i++) {
		const struct fee_line *ln = &l->v[i];

		lua_createtable(L, 0, 6);
		fee_set_text(L, t + 1, "description", ln->description);
		fee_set_int(L, t + 1, "quantity", ln->quantity);
		fee_set_text(L, t + 1, "unit", ln->unit);
		fee_set_int(L, t + 1, "unit_price", ln->unit_price);
		fee_set_int(L, t + 1, "amount", ln->amount);
		fee_set_vat(L, t + 1, ln->vat);
		lua_rawseti(L, t, (lua_Integer)i + 1);
	}
}

/* Keeps a t.price call that priced, entry and lines, to price it again. */
static void
fee_replay_add(struct fee_vm *vm, const struct fee_entry *e,
    const struct fee_lines *l)
{
	struct fee_replay *r;

	vm->test.replay = xrealloc(vm->test.replay,
	    (vm->test.nreplay + 1) * sizeof *r);
	r = &vm->test.replay[vm->test.nreplay++];
	memset(r, 0, sizeof *r);
	r->e = *e;
	r->e.date = r->text[0] = e->date ? xstrdup(e->date) : NULL;
	r->e.activity = r->text[1] = e->activity ? xstrdup(e->activity) : NULL;
	r->e.grade = r->text[2] = e->grade ? xstrdup(e->grade) : NULL;
	r->e.basis = r->text[3] = e->basis ? xstrdup(e->basis) : NULL;
	r->e.consumer = r->text[4] = e->consumer ? xstrdup(e->consumer) : NULL;
	r->e.provider = r->text[5] = e->provider ? xstrdup(e->provider) : NULL;
	r->e.today = r->text[6] = e->today ? xstrdup(e->today) : NULL;
	r->e.calendar = r->text[7] = e->calendar ? xstrdup(e->calendar) : NULL;
	r->lines = *l;
	r->lines.v = l->n > 0 ? xmalloc(l->n * sizeof *l->v) : NULL;
	if (l->n > 0)
		memcpy(r->lines.v, l->v, l->n * sizeof *l->v);
	r->lines.cap = l->n;
	r->ncase = vm->test.ncase;
}

void
fee_replay_free(struct fee_vm *vm)
{
	size_t i, j;

	for (i = 0; i < vm->test.nreplay; i++) {
		for (j = 0; j < nitems(vm->test.replay[i].text); j++)
			free(vm->test.replay[i].text[j]);
		fee_lines_free(&vm->test.replay[i].lines);
	}
	free(vm->test.replay);
	vm->test.replay = NULL;
	vm->test.nreplay = 0;
}

static int
fee_lines_equal(const struct fee_lines *a, const struct fee_lines *b)
{
	size_t i;

	if (a->n != b->n || a->total != b->total)
		return 0;
	for (i = 0; i < a->n; i++) {
		const struct fee_line *x = &a->v[i], *y = &b->v[i];

		if (strcmp(x->description, y->description) != 0 ||
		    strcmp(x->unit, y->unit) != 0 || x->quantity != y->quantity ||
		    x->unit_price != y->unit_price || x->amount != y->amount ||
		    x->vat != y->vat)
			return 0;
	}
	return 1;
}

/*
 * Prices every entry the test cases priced again, last first, and wants
 * the same lines: price must be a pure function of entry and ctx (the
 * engine caches its results), so one that keeps state between calls is
 * refused here, before it can price anything.
 */
static int
fee_replay_check(struct fee_vm *vm, int cases, char **err)
{
	lua_State *L = vm->L;
	struct fee_replay *r;
	char *perr = NULL, *again;
	size_t i;
	int st;

	for (i = vm->test.nreplay; i-- > 0;) {
		r = &vm->test.replay[i];
		st = fee_vm_price(vm, &r->e, 1, &vm->test.scratch, NULL, &perr);
		if (st == FEE_OK && fee_lines_equal(&vm->test.scratch, &r->lines))
			continue;
		if (st == FEE_OK)
			again = xprintf("%lld pence",
			    (long long)vm->test.scratch.total);
		else
			again = xprintf("an error (%s)", perr);
		lua_rawgeti(L, cases, r->ncase);
		lua_rawgeti(L, -1, 1);
		fee_set_error(err, "%s: price keeps state between calls: an entry "
		    "of case \"%s\" priced %lld pence, then %s when priced again "
		    "after other entries; price must be a pure function of entry "
		    "and ctx", vm->rs->chunk + 1, lua_tostring(L, -1),
		    (long long)r->lines.total, again);
		lua_pop(L, 2);
		free(again);
		free(perr);
		return FEE_E_CONTRACT;
	}
	free(perr);
	return FEE_OK;
}

/* Re-raises a pricing failure inside a test case, keeping its location. */
static int
fee_harness_fail(lua_State *L, char *err)
{
	lua_pushstring(L, err ? err : "pricing failed");
	free(err);
	return lua_error(L);
}

/* t.price(entry [, ctx]): the same path as fee_price, from a test. */
static int
fee_harness_price(lua_State *L)
{
	struct fee_vm *vm = fee_vm_of(L);
	struct fee_entry e;
	char *err = NULL;

	luaL_checktype(L, 1, LUA_TTABLE);
	memset(&e, 0, sizeof e);
	e.minutes = fee_tbl_int(L, 1, "minutes", 0);
	e.date = fee_tbl_text(L, 1, "date");
	e.activity = fee_tbl_text(L, 1, "activity");
	if (e.activity == NULL)
		e.activity = "advice";
	lua_getfield(L, 1, "out_of_hours");
	e.out_of_hours = lua_toboolean(L, -1);
	lua_pop(L, 1);
	e.grade = fee_tbl_text(L, 1, "grade");
	e.basis = fee_tbl_text(L, 1, "basis");
	if (e.basis == NULL)
		e.basis = "hourly";
	e.consumer = fee_tbl_text(L, 1, "consumer");
	e.provider = fee_tbl_text(L, 1, "provider");
	e.agreement = fee_tbl_int(L, 1, "agreement", 0);
	e.vat = fee_tbl_vat(L, 1);
	e.today = fee_tbl_text(L, 1, "today");
	e.calendar = fee_tbl_text(L, 1, "calendar");
	if (fee_vm_price(vm, &e, 1, &vm->test.scratch, NULL, &err) != FEE_OK)
		return fee_harness_fail(L, err);
	if (vm->test.ncase > 0)
		fee_replay_add(vm, &e, &vm->test.scratch);
	fee_push_lines(L, &vm->test.scratch);
	return 1;
}

/* t.engagement(eng): engagement() with the same conversions as from C. */
static int
fee_harness_engagement(lua_State *L)
{
	struct fee_vm *vm = fee_vm_of(L);
	struct fee_engagement_in g;
	struct fee_milestone ms[32];
	char *err = NULL;
	size_t i;

	luaL_checktype(L, 1, LUA_TTABLE);
	memset(&g, 0, sizeof g);
	g.id = fee_tbl_int(L, 1, "id", 1);
	g.basis = fee_tbl_text(L, 1, "basis");
	g.period = fee_tbl_text(L, 1, "period");
	g.consumer = fee_tbl_text(L, 1, "consumer");
	g.provider = fee_tbl_text(L, 1, "provider");
	g.agreement = fee_tbl_int(L, 1, "agreement", 0);
	g.vat = fee_tbl_vat(L, 1);
	g.fixed_fee = fee_tbl_int(L, 1, "fixed_fee", 0);
	g.budget = fee_tbl_int(L, 1, "budget", -1);
	g.bonus = fee_tbl_int(L, 1, "bonus", 0);
	g.due = fee_tbl_text(L, 1, "due");
	g.completed = fee_tbl_text(L, 1, "completed");
	g.priced = fee_tbl_int(L, 1, "priced", 0);
	g.billed_before = fee_tbl_int(L, 1, "billed_before", 0);
	if (lua_getfield(L, 1, "milestones") == LUA_TTABLE) {
		int mt = lua_gettop(L);

		for (i = 0; i < nitems(ms); i++) {
			if (lua_rawgeti(L, mt, (lua_Integer)i + 1) != LUA_TTABLE) {
				lua_pop(L, 1);
				break;
			}
			ms[i].name = fee_tbl_text(L, -1, "name");
			ms[i].amount = fee_tbl_int(L, lua_gettop(L), "amount", 0);
			ms[i].done = fee_tbl_text(L, -1, "done");
			lua_pop(L, 1);
		}
		g.milestones = ms;
		g.nmilestones = i;
	}
	if (fee_vm_engagement(vm, &g, &vm->test.scratch, &err) != FEE_OK)
		return fee_harness_fail(L, err);
	fee_push_lines(L, &vm->test.scratch);
	return 1;
}

/* t.invoice(inv): invoice() with the same conversions as from C. */
static int
fee_harness_invoice(lua_State *L)
{
	struct fee_vm *vm = fee_vm_of(L);
	struct fee_invoice_in v;
	char *err = NULL;

	luaL_checktype(L, 1, LUA_TTABLE);
	memset(&v, 0, sizeof v);
	v.period = fee_tbl_text(L, 1, "period");
	v.consumer = fee_tbl_text(L, 1, "consumer");
	v.provider = fee_tbl_text(L, 1, "provider");
	v.agreement = fee_tbl_int(L, 1, "agreement", 0);
	v.vat = fee_tbl_vat(L, 1);
	v.subtotal = fee_tbl_int(L, 1, "subtotal", 0);
	v.cap = fee_tbl_int(L, 1, "cap", -1);
	v.consumer_before = fee_tbl_int(L, 1, "consumer_before", 0);
	if (fee_vm_invoice(vm, &v, &vm->test.scratch, &err) != FEE_OK)
		return fee_harness_fail(L, err);
	fee_push_lines(L, &vm->test.scratch);
	return 1;
}

/* t.eq(got, want [, what]): equal values of equal types; 1 ~= 1.0 here. */
static int
fee_harness_eq(lua_State *L)
{
	const char *what = luaL_optstring(L, 3, "value");

	lua_settop(L, 3);
	if (lua_type(L, 1) == lua_type(L, 2) &&
	    lua_isinteger(L, 1) == lua_isinteger(L, 2) && lua_rawequal(L, 1, 2))
		return 0;
	luaL_where(L, 1);
	lua_pushfstring(L, "%s: expected %s, got %s", what,
	    luaL_tolstring(L, 2, NULL), luaL_tolstring(L, 1, NULL));
	lua_remove(L, -2);
	lua_remove(L, -2);
	lua_concat(L, 2);
	return lua_error(L);
}

/* t.case(name, fn): registers a case; they run after the file returns. */
static int
fee_harness_case(lua_State *L)
{
	luaL_checkstring(L, 1);
	luaL_checktype(L, 2, LUA_TFUNCTION);
	lua_createtable(L, 2, 0);
	lua_pushvalue(L, 1);
	lua_rawseti(L, -2, 1);
	lua_pushvalue(L, 2);
	lua_rawseti(L, -2, 2);
	lua_rawseti(L, lua_upvalueindex(1),
	    (lua_Integer)lua_rawlen(L, lua_upvalueindex(1)) + 1);
	return 0;
}

/*
 * Runs the rule set's test file in a throwaway state holding the rule set:
 * every case must pass, and every entry they priced must price the same
 * again in another order. The first failure is the error, with its line.
 */
int
fee_run_tests(struct fee_ruleset *rs, const char *test_path, int *ncases,
    char **err)
{
	static const luaL_Reg harness[] = {
		{ "price", fee_harness_price },
		{ "engagement", fee_harness_engagement },
		{ "invoice", fee_harness_invoice },
		{ "eq", fee_harness_eq },
		{ NULL, NULL },
	};
	struct fee_vm vm;
	lua_State *L;
	char *src = NULL, *chunk = NULL;
	size_t len, i, n;
	int st, cases;

	*ncases = 0;
	src = fee_read_file(test_path, &len);
	if (src == NULL) {
		fee_set_error(err, "%s: cannot read the test file: %s", test_path,
		    strerror(errno));
		return FEE_E_IO;
	}
	chunk = fee_chunk_name(test_path);
	st = fee_vm_open(&vm, rs, err);
	if (st != FEE_OK)
		goto out;
	vm.cache.on = 0;	/* every t.price runs price, and so does the replay */
	L = vm.L;
	lua_rawgeti(L, LUA_REGISTRYINDEX, vm.ref.msgh);
	lua_newtable(L);
	cases = lua_gettop(L);
	if (fee_load_chunk(L, &vm, src, len, chunk) != LUA_OK) {
		fee_set_error(err, "%s", lua_tostring(L, -1));
		st = FEE_E_SYNTAX;
		goto out;
	}
	luaL_newlib(L, harness);
	lua_pushvalue(L, cases);
	lua_pushcclosure(L, fee_harness_case, 1);
	lua_setfield(L, -2, "case");
	lua_rawgeti(L, LUA_REGISTRYINDEX, vm.ref.rules);
	st = fee_vm_pcall(&vm, 2, 0, cases - 1, FEE_LOAD_BUDGET, err);
	if (st != FEE_OK)
		goto out;
	n = lua_rawlen(L, cases);
	if (n == 0) {
		fee_set_error(err, "%s: no test cases", chunk + 1);
		st = FEE_E_TEST;
		goto out;
	}
	for (i = 1; i <= n; i++) {
		lua_rawgeti(L, cases, (lua_Integer)i);
		lua_rawgeti(L, -1, 2);
		vm.test.ncase = (int)i;
		st = fee_vm_pcall(&vm, 0, 0, cases - 1, FEE_LOAD_BUDGET, err);
		vm.test.ncase = 0;
		if (st != FEE_OK) {
			char *msg;

			lua_rawgeti(L, -1, 1);
			msg = xprintf("%s: case \"%s\" fails: %s", chunk + 1,
			    lua_tostring(L, -1), *err);
			free(*err);
			*err = msg;
			st = FEE_E_TEST;
			goto out;
		}
		lua_pop(L, 1);
		(*ncases)++;
	}
	fee_prep_forget(&vm);	/* prepare runs again for the second look */
	st = fee_replay_check(&vm, cases, err);
out:
	if (st != FEE_OK && st != FEE_E_IO)
		st = st == FEE_E_SYNTAX ? FEE_E_SYNTAX : FEE_E_TEST;
	fee_vm_close(&vm);
	free(chunk);
	free(src);
	return st;
}
