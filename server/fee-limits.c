/* fee-limits.c: what bounds a state: memory, instructions, work done in C. */
#include "fee-int.h"

#include <stdlib.h>
#include <string.h>

/*
 * The allocator every state uses: it refuses growth past the state's limit
 * so a script cannot take the process's memory. While an error is being
 * reported a little slack lets the message and traceback be built.
 */
void *
fee_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct fee_vm *vm = ud;
	size_t limit = vm->lim.mem_limit + (vm->lim.in_error ? FEE_ERROR_SLACK : 0);
	void *p;

	if (ptr == NULL)
		osize = 0;
	if (nsize == 0) {
		free(ptr);
		vm->lim.mem -= osize;
		return NULL;
	}
	if (nsize > osize && vm->lim.mem + (nsize - osize) > limit) {
		/* Sticky, like the budget: a pcall cannot carry on past it. */
		if (!vm->lim.oom && vm->L != NULL && vm->lim.depth > 0) {
			vm->lim.oom = 1;
			vm->lim.in_error = 1;
			lua_sethook(vm->L, fee_hook, LUA_MASKCOUNT | LUA_MASKLINE,
			    1);
		}
		return NULL;
	}
	p = realloc(ptr, nsize);
	if (p == NULL)
		return NULL;
	vm->lim.mem = vm->lim.mem - osize + nsize;
	return p;
}

/*
 * The instruction budget is spent: from now on fire on every line and
 * every instruction, so a pcall in the script cannot swallow the error.
 */
void
fee_hook(lua_State *L, lua_Debug *ar)
{
	struct fee_vm *vm = fee_vm_of(L);

	if (!vm->lim.spent && !vm->lim.oom) {
		vm->lim.spent = 1;
		lua_sethook(L, fee_hook, LUA_MASKCOUNT | LUA_MASKLINE, 1);
	}
	lua_getinfo(L, "Sl", ar);
	lua_pushfstring(L, "%s:%d: %s limit reached", ar->short_src,
	    ar->currentline, vm->lim.oom ? "memory" : "instruction");
	lua_error(L);
}

/* A contract error: the script gave the engine something it must refuse. */
int
fee_contract(lua_State *L, const char *fmt, ...)
{
	struct fee_vm *vm = fee_vm_of(L);
	va_list ap;

	vm->lim.contract = 1;
	luaL_where(L, 1);
	va_start(ap, fmt);
	lua_pushvfstring(L, fmt, ap);
	va_end(ap);
	lua_concat(L, 2);
	return lua_error(L);
}

/* Whether msg starts with a position, "FILE:LINE:". */
int
fee_has_where(const char *msg)
{
	size_t n = strcspn(msg, ":\n");

	if (n == 0 || msg[n] != ':')
		return 0;
	msg += n + 1;
	n = strspn(msg, "0123456789");
	return n > 0 && msg[n] == ':';
}

/*
 * Keeps the first line ("FILE:LINE: message") and logs the traceback. An
 * error a library function raises (string.rep's bad argument, under its
 * metered wrapper) names no line: it gets the script's innermost one.
 */
int
fee_msgh(lua_State *L)
{
	struct fee_vm *vm = fee_vm_of(L);
	const char *msg = lua_tostring(L, 1);
	lua_Debug ar;
	int level;

	vm->lim.in_error = 1;
	if (msg == NULL)
		msg = lua_pushfstring(L, "error object is a %s value",
		    luaL_typename(L, 1));
	for (level = 1; !fee_has_where(msg) && lua_getstack(L, level, &ar);
	    level++) {
		if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0)
			msg = lua_pushfstring(L, "%s:%d: %s", ar.short_src,
			    ar.currentline, msg);
	}
	luaL_traceback(L, L, msg, 1);
	return 1;
}

/*
 * Runs the function under the arguments on the stack (message handler
 * below it) within the budget; maps the outcome to a status and
 * "FILE:LINE: message" in *err.
 */
int
fee_vm_pcall(struct fee_vm *vm, int nargs, int nres, int msgh, int budget,
    char **err)
{
	lua_State *L = vm->L;
	const char *msg;
	size_t n;
	int st;

	if (vm->lim.depth == 0) {
		vm->lim.cwork = 0;
		vm->lim.cwork_limit = (uint64_t)budget * FEE_CWORK_PER_INSN;
		if (vm->lim.cwork_limit > FEE_CWORK_MAX)
			vm->lim.cwork_limit = FEE_CWORK_MAX;
		vm->lim.spent = 0;
		vm->lim.oom = 0;
		vm->lim.contract = 0;
		vm->lim.input = 0;
		vm->lim.in_error = 0;
		/* Uncounted: no hook but the watchdog's (fee_fast_ok). */
		if (!vm->watch.fast)
			lua_sethook(L, fee_hook, LUA_MASKCOUNT, budget);
	}
	vm->lim.depth++;
	st = lua_pcall(L, nargs, nres, msgh);
	vm->lim.depth--;
	if (vm->lim.depth == 0)
		lua_sethook(L, NULL, 0, 0);
	if (st == LUA_OK)
		return FEE_OK;
	msg = lua_tostring(L, -1);
	if (msg == NULL)
		msg = "error object is not a string";
	log_debug("fee: %s", msg);
	n = strcspn(msg, "\n");
	if (err != NULL) {
		free(*err);
		if (st == LUA_ERRMEM)	/* raised with no line to name */
			*err = xprintf("%s: memory limit of %zu KiB reached",
			    vm->rs->chunk + 1, vm->lim.mem_limit >> 10);
		else
			*err = xstrndup(msg, n);
	}
	lua_pop(L, 1);
	if (vm->lim.depth > 0)
		return FEE_E_RUNTIME;
	vm->lim.in_error = 0;
	if (st == LUA_ERRMEM || vm->lim.oom)
		return FEE_E_MEMORY;
	if (vm->lim.spent)
		return FEE_E_LIMIT;
	if (vm->lim.input)
		return FEE_E_INPUT;
	if (vm->lim.contract)
		return FEE_E_CONTRACT;
	return FEE_E_RUNTIME;
}

/*
 * Charges n steps of work done in C to the call under way. Past its
 * budget the call fails as if its instructions were spent, and, as with
 * them, the hook then fires on every line so a pcall cannot carry on.
 */
static void
fee_cwork(lua_State *L, uint64_t n, const char *what)
{
	struct fee_vm *vm = fee_vm_of(L);

	vm->lim.cwork = n > UINT64_MAX - vm->lim.cwork ? UINT64_MAX :
	    vm->lim.cwork + n;
	if (vm->lim.cwork_limit == 0 || vm->lim.cwork <= vm->lim.cwork_limit)
		return;
	vm->lim.spent = 1;
	lua_sethook(L, fee_hook, LUA_MASKCOUNT | LUA_MASKLINE, 1);
	luaL_error(L, "%s: work limit reached (%I steps in C this call)",
	    what, (lua_Integer)vm->lim.cwork_limit);
}

/* The length of argument i when it is a string, else 0. */
static uint64_t
fee_arg_len(lua_State *L, int i)
{
	size_t n = 0;

	if (lua_type(L, i) == LUA_TSTRING)
		lua_tolstring(L, i, &n);
	return n;
}

/* a * b, saturating. */
static uint64_t
fee_mul_sat(uint64_t a, uint64_t b)
{
	return a != 0 && b > UINT64_MAX / a ? UINT64_MAX : a * b;
}

/*
 * The most steps a Lua pattern can take over a subject of n bytes: each
 * start (one when anchored), and for each variable repetition (*, + or
 * -) each length it may try, so (n + 1) to the power (repetitions + 1),
 * doubled for each ?.
 * Refuses, naming what, a pattern too long or with too many repetitions.
 */
static uint64_t
fee_pattern_cost(lua_State *L, const char *what, const char *p, size_t plen,
    uint64_t n)
{
	/* Anchored (^, but for gmatch), a pattern has one start. */
	uint64_t cost = plen > 0 && p[0] == '^' &&
	    strcmp(what, "string.gmatch") != 0 ? 1 : n + 1;
	int reps = 0, opt = 0;
	size_t i;

	if (plen > FEE_PATTERN_MAX)
		luaL_error(L, "%s: a pattern of %d bytes at most, not %d", what,
		    FEE_PATTERN_MAX, (int)plen);
	for (i = 0; i < plen; i++) {
		if (p[i] == '%') {
			i++;
			continue;
		}
		if (p[i] == '*' || p[i] == '+' || p[i] == '-')
			reps++;
		else if (p[i] == '?')
			opt++;
	}
	if (reps > FEE_PATTERN_REPS)
		luaL_error(L, "%s: a pattern with %d repetitions (*, + or -) at "
		    "most, not %d", what, FEE_PATTERN_REPS, reps);
	while (reps-- > 0)
		cost = fee_mul_sat(cost, n + 1);
	while (opt-- > 0)
		cost = fee_mul_sat(cost, 2);
	return cost;
}

enum fee_meter {
	FEE_METER_TEXT,		/* work as long as its strings */
	FEE_METER_PATTERN,	/* find, match, gmatch, gsub */
	FEE_METER_REP,		/* string.rep: as long as what it makes */
	FEE_METER_TABLE,	/* table functions: as long as the table */
	FEE_METER_SORT,		/* table.sort: n log n */
	FEE_METER_MOVE		/* table.move: as many as it moves */
};

/*
 * A library function as scripts see it: upvalue 1 the function, 2 its
 * name, 3 its kind of work (enum fee_meter). Charges the work first, so
 * a call that would take too long never starts.
 */
static int
fee_lua_metered(lua_State *L)
{
	const char *what = lua_tostring(L, lua_upvalueindex(2));
	int kind = (int)lua_tointeger(L, lua_upvalueindex(3)), i;
	int top = lua_gettop(L);
	uint64_t cost = 1, n;
	size_t plen;
	const char *p;

	switch (kind) {
	case FEE_METER_PATTERN:
		n = fee_arg_len(L, 1);
		p = lua_type(L, 2) == LUA_TSTRING ? lua_tolstring(L, 2, &plen) :
		    NULL;
		if (p == NULL || (strcmp(what, "string.find") == 0 &&
		    lua_toboolean(L, 4)))
			cost = n + fee_arg_len(L, 2) + 1;
		else
			cost = fee_pattern_cost(L, what, p, plen, n);
		cost += fee_arg_len(L, 3);
		break;
	case FEE_METER_REP:
		n = lua_isinteger(L, 2) && lua_tointeger(L, 2) > 0 ?
		    (uint64_t)lua_tointeger(L, 2) : 0;
		cost = fee_mul_sat(n, fee_arg_len(L, 1) + fee_arg_len(L, 3));
		if (cost > FEE_REP_MAX) {
			fee_vm_of(L)->lim.spent = 1;	/* a limit, as fee_cwork's */
			lua_sethook(L, fee_hook, LUA_MASKCOUNT | LUA_MASKLINE, 1);
			luaL_error(L, "%s: would make more than %I bytes", what,
			    (lua_Integer)FEE_REP_MAX);
		}
		break;
	case FEE_METER_TABLE:
	case FEE_METER_SORT:
		n = lua_type(L, 1) == LUA_TTABLE ? lua_rawlen(L, 1) : 0;
		cost = n + 1;
		if (kind == FEE_METER_SORT)	/* n log n compares */
			for (; n > 1; n >>= 1)
				cost += lua_rawlen(L, 1);
		break;
	case FEE_METER_MOVE:
		if (lua_isinteger(L, 2) && lua_isinteger(L, 3) &&
		    lua_tointeger(L, 3) >= lua_tointeger(L, 2))
			cost = (uint64_t)lua_tointeger(L, 3) -
			    (uint64_t)lua_tointeger(L, 2) + 1;
		break;
	default:
		for (i = 1; i <= top; i++)
			cost += fee_arg_len(L, i);
	}
	fee_cwork(L, cost, what);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, top, LUA_MULTRET);
	if (kind == FEE_METER_TABLE && lua_type(L, 1) == LUA_TSTRING)
		fee_cwork(L, fee_arg_len(L, 1), what);	/* concat's result */
	return lua_gettop(L);
}

/* The kind of work a library function does, for fee_lua_metered. */
static enum fee_meter
fee_meter_kind(const char *lib, const char *name)
{
	static const char *const patterns[] = { "find", "match", "gmatch",
	    "gsub", NULL };
	const char *const *p;

	if (strcmp(lib, "table") == 0)
		return strcmp(name, "sort") == 0 ? FEE_METER_SORT :
		    strcmp(name, "move") == 0 ? FEE_METER_MOVE : FEE_METER_TABLE;
	if (strcmp(lib, "string") == 0) {
		for (p = patterns; *p != NULL; p++)
			if (strcmp(name, *p) == 0)
				return FEE_METER_PATTERN;
		if (strcmp(name, "rep") == 0)
			return FEE_METER_REP;
	}
	return FEE_METER_TEXT;
}

/* Replaces every function of library table at -1 with its metered self. */
void
fee_meter_all(lua_State *L, const char *lib)
{
	int t = lua_gettop(L);

	lua_pushnil(L);
	while (lua_next(L, t) != 0) {
		if (lua_type(L, -1) != LUA_TFUNCTION ||
		    lua_type(L, -2) != LUA_TSTRING) {
			lua_pop(L, 1);
			continue;
		}
		lua_pushfstring(L, "%s.%s", lib, lua_tostring(L, -2));
		lua_pushinteger(L, fee_meter_kind(lib, lua_tostring(L, -3)));
		lua_pushcclosure(L, fee_lua_metered, 3);
		lua_pushvalue(L, -2);
		lua_insert(L, -2);
		lua_rawset(L, t);	/* an existing field: next() goes on */
	}
}
