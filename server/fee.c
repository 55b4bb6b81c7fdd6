/* fee.c: the Lua fee engine: sandboxed states per rule set, limits, versions. */
#include "fee-int.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <sodium.h>
#include <sqlite3.h>

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

/* YYYY-MM-DD naming a day that exists; pricing trusts no other form. */
int
fee_valid_date(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int y, m, d, i;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (i = 0; i < 10; i++) {
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	}
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1900 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return 0;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 0;
	return 1;
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

/* YYYY-MM, a month. */
int
fee_valid_period(const char *s)
{
	char day[11];

	if (s == NULL || strlen(s) != 7)
		return 0;
	snprintf(day, sizeof day, "%s-01", s);
	return fee_valid_date(day);
}

void
fee_lines_free(struct fee_lines *l)
{
	free(l->v);
	memset(l, 0, sizeof *l);
}

/*
 * The allocator every state uses: it refuses growth past the state's limit
 * so a script cannot take the process's memory. While an error is being
 * reported a little slack lets the message and traceback be built.
 */
static void *
fee_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct fee_vm *vm = ud;
	size_t limit = vm->mem_limit + (vm->in_error ? FEE_ERROR_SLACK : 0);
	void *p;

	if (ptr == NULL)
		osize = 0;
	if (nsize == 0) {
		free(ptr);
		vm->mem -= osize;
		return NULL;
	}
	if (nsize > osize && vm->mem + (nsize - osize) > limit) {
		/* Sticky, like the budget: a pcall cannot carry on past it. */
		if (!vm->oom && vm->L != NULL && vm->depth > 0) {
			vm->oom = 1;
			vm->in_error = 1;
			lua_sethook(vm->L, fee_hook, LUA_MASKCOUNT | LUA_MASKLINE,
			    1);
		}
		return NULL;
	}
	p = realloc(ptr, nsize);
	if (p == NULL)
		return NULL;
	vm->mem = vm->mem - osize + nsize;
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

	if (!vm->spent && !vm->oom) {
		vm->spent = 1;
		lua_sethook(L, fee_hook, LUA_MASKCOUNT | LUA_MASKLINE, 1);
	}
	lua_getinfo(L, "Sl", ar);
	lua_pushfstring(L, "%s:%d: %s limit reached", ar->short_src,
	    ar->currentline, vm->oom ? "memory" : "instruction");
	lua_error(L);
}

/* A contract error: the script gave the engine something it must refuse. */
static int
fee_contract(lua_State *L, const char *fmt, ...)
{
	struct fee_vm *vm = fee_vm_of(L);
	va_list ap;

	vm->contract = 1;
	luaL_where(L, 1);
	va_start(ap, fmt);
	lua_pushvfstring(L, fmt, ap);
	va_end(ap);
	lua_concat(L, 2);
	return lua_error(L);
}

/* Whether msg starts with a position, "FILE:LINE:". */
static int
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
static int
fee_msgh(lua_State *L)
{
	struct fee_vm *vm = fee_vm_of(L);
	const char *msg = lua_tostring(L, 1);
	lua_Debug ar;
	int level;

	vm->in_error = 1;
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

	if (vm->depth == 0) {
		vm->cwork = 0;
		vm->cwork_limit = (uint64_t)budget * FEE_CWORK_PER_INSN;
		if (vm->cwork_limit > FEE_CWORK_MAX)
			vm->cwork_limit = FEE_CWORK_MAX;
		vm->spent = 0;
		vm->oom = 0;
		vm->contract = 0;
		vm->input = 0;
		vm->in_error = 0;
		/* Uncounted: no hook but the watchdog's (fee_fast_ok). */
		if (!vm->fast)
			lua_sethook(L, fee_hook, LUA_MASKCOUNT, budget);
	}
	vm->depth++;
	st = lua_pcall(L, nargs, nres, msgh);
	vm->depth--;
	if (vm->depth == 0)
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
			    vm->rs->chunk + 1, vm->mem_limit >> 10);
		else
			*err = xstrndup(msg, n);
	}
	lua_pop(L, 1);
	if (vm->depth > 0)
		return FEE_E_RUNTIME;
	vm->in_error = 0;
	if (st == LUA_ERRMEM || vm->oom)
		return FEE_E_MEMORY;
	if (vm->spent)
		return FEE_E_LIMIT;
	if (vm->input)
		return FEE_E_INPUT;
	if (vm->contract)
		return FEE_E_CONTRACT;
	return FEE_E_RUNTIME;
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

/* Makes a fresh _ENV for one chunk, reading through to the allow-list. */
static void
fee_push_env(lua_State *L, struct fee_vm *vm)
{
	lua_newtable(L);
	lua_createtable(L, 0, 2);
	lua_rawgeti(L, LUA_REGISTRYINDEX, vm->ref_base);
	lua_setfield(L, -2, "__index");
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_setmetatable(L, -2);
}

/* Compiles source text (never bytecode) and gives it its own _ENV. */
int
fee_load_chunk(lua_State *L, struct fee_vm *vm, const char *src, size_t len,
    const char *chunk)
{
	int st = luaL_loadbufferx(L, src, len, chunk, "t");
	const char *msg;

	if (st != LUA_OK) {
		/* The parser's own limit (nesting past the C stack's) names
		 * no line: it names the file at least. */
		msg = lua_tostring(L, -1);
		if (st != LUA_ERRMEM && msg != NULL && !fee_has_where(msg)) {
			lua_pushfstring(L, "%s: %s", chunk + (*chunk == '=' ||
			    *chunk == '@'), msg);
			lua_replace(L, -2);
		}
		return st;
	}
	fee_push_env(L, vm);
	if (lua_setupvalue(L, -2, 1) == NULL)
		lua_pop(L, 1);
	return LUA_OK;
}

/* load(text [, name [, mode [, env]]]) for scripts: text only, own env. */
static int
fee_lua_load(lua_State *L)
{
	struct fee_vm *vm = fee_vm_of(L);
	size_t len;
	const char *src;

	if (lua_type(L, 1) != LUA_TSTRING)
		return fee_contract(L, "load accepts source text only");
	src = lua_tolstring(L, 1, &len);
	if (luaL_loadbufferx(L, src, len, "=load", "t") != LUA_OK) {
		luaL_pushfail(L);
		lua_insert(L, -2);
		return 2;
	}
	if (lua_type(L, 4) == LUA_TTABLE)
		lua_pushvalue(L, 4);
	else
		fee_push_env(L, vm);
	lua_setupvalue(L, -2, 1);
	return 1;
}

static const struct fee_module *
fee_module_find(struct fee_ruleset *rs, const char *name)
{
	size_t i;

	for (i = 0; i < rs->nmods; i++) {
		if (strcmp(rs->mods[i].name, name) == 0)
			return &rs->mods[i];
	}
	return NULL;
}

/*
 * require(NAME): only the helper library, from scripts/fees/lib/NAME.lua
 * (or, for a version loaded from the store, the copy stored with it).
 * Each module is read once per rule set so every state sees the same text.
 */
static int
fee_lua_require(lua_State *L)
{
	struct fee_vm *vm = fee_vm_of(L);
	struct fee_ruleset *rs = vm->rs;
	const struct fee_module *m;
	const char *name = luaL_checkstring(L, 1);
	const char *p;
	char *path, *chunk;
	int st;

	for (p = name; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || *p == '_' ||
		    (p != name && *p >= '0' && *p <= '9')))
			return luaL_error(L, "require: no module \"%s\" in the "
			    "helper library", name);
	}
	if (*name == '\0' || p - name > 32)
		return luaL_error(L, "require: bad module name");
	lua_rawgeti(L, LUA_REGISTRYINDEX, vm->ref_loaded);
	if (lua_getfield(L, -1, name) != LUA_TNIL)
		return 1;
	lua_pop(L, 1);
	m = fee_module_find(rs, name);
	if (m == NULL && !rs->from_store && rs->fe != NULL) {
		struct fee_module nm;

		path = xprintf("%s/fees/lib/%s.lua", rs->fe->dir, name);
		nm.source = fee_read_file(path, &nm.len);
		free(path);
		if (nm.source != NULL) {
			nm.name = xstrdup(name);
			rs->mods = xrealloc(rs->mods,
			    (rs->nmods + 1) * sizeof *rs->mods);
			rs->mods[rs->nmods++] = nm;
			m = &rs->mods[rs->nmods - 1];
		}
	}
	if (m == NULL)
		return luaL_error(L, "require: no module \"%s\" in the helper "
		    "library", name);
	chunk = xprintf("@lib/%s.lua", name);
	st = fee_load_chunk(L, vm, m->source, m->len, chunk);
	free(chunk);
	if (st != LUA_OK)
		return lua_error(L);
	lua_call(L, 0, 1);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		lua_pushboolean(L, 1);
	}
	lua_pushvalue(L, -1);
	lua_setfield(L, -3, name);
	return 1;
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

	vm->cwork = n > UINT64_MAX - vm->cwork ? UINT64_MAX : vm->cwork + n;
	if (vm->cwork_limit == 0 || vm->cwork <= vm->cwork_limit)
		return;
	vm->spent = 1;
	lua_sethook(L, fee_hook, LUA_MASKCOUNT | LUA_MASKLINE, 1);
	luaL_error(L, "%s: work limit reached (%I steps in C this call)",
	    what, (lua_Integer)vm->cwork_limit);
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
			fee_vm_of(L)->spent = 1;	/* a limit, as fee_cwork's */
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
static void
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

/* __newindex of a read-only library: says which. */
static int
fee_lua_read_only_set(lua_State *L)
{
	return luaL_error(L, "%s is read-only", lua_tostring(L,
	    lua_upvalueindex(1)));
}

/*
 * setmetatable for scripts: a finalizer (__gc) would run with hooks off,
 * unbounded, whenever the collector chose, so a metatable with one is
 * refused.
 */
static int
fee_lua_setmetatable(lua_State *L)
{
	if (lua_type(L, 2) == LUA_TTABLE &&
	    lua_getfield(L, 2, "__gc") != LUA_TNIL)
		return luaL_error(L, "setmetatable: a finalizer (__gc) is not "
		    "allowed in fee rules");
	lua_settop(L, 2);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, 2, 1);
	return 1;
}

/* The library table at -1 made read-only: a proxy that reads through. */
static void
fee_read_only(lua_State *L, const char *lib)
{
	lua_newtable(L);		/* proxy */
	lua_createtable(L, 0, 3);	/* its metatable */
	lua_pushvalue(L, -3);
	lua_setfield(L, -2, "__index");
	lua_pushstring(L, lib);
	lua_pushcclosure(L, fee_lua_read_only_set, 1);
	lua_setfield(L, -2, "__newindex");
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_setmetatable(L, -2);
	lua_remove(L, -2);
}

/*
 * Gives strings a metatable of their own: methods from the library proxy
 * at -1, the arithmetic metamethods Lua 5.4 coerces strings with ("10" +
 * 0) from the library's, and none of it visible to getmetatable.
 */
static void
fee_string_metatable(lua_State *L)
{
	static const char *const arith[] = { "__add", "__sub", "__mul",
	    "__mod", "__pow", "__div", "__idiv", "__unm", NULL };
	const char *const *a;

	lua_pushliteral(L, "");
	if (!lua_getmetatable(L, -1))
		lua_newtable(L);
	lua_createtable(L, 0, 10);
	for (a = arith; *a != NULL; a++) {
		lua_getfield(L, -2, *a);
		lua_setfield(L, -2, *a);
	}
	lua_pushvalue(L, -4);
	lua_setfield(L, -2, "__index");
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_setmetatable(L, -3);
	lua_pop(L, 2);
}

/* Copies the named fields of the table at -1 into a new table at -1. */
static void
fee_copy_fields(lua_State *L, const char *const *names)
{
	lua_newtable(L);
	for (; *names != NULL; names++) {
		lua_getfield(L, -2, *names);
		lua_setfield(L, -2, *names);
	}
	lua_remove(L, -2);
}

/*
 * The allow-list: only these names exist for a script. Opened libraries
 * are left in the registry, out of reach; scripts see copies.
 */
static void
fee_build_base(lua_State *L, struct fee_vm *vm)
{
	static const char *const base[] = { "assert", "error", "getmetatable",
	    "ipairs", "next", "pairs", "pcall", "rawequal", "rawget", "rawlen",
	    "rawset", "select", "setmetatable", "tonumber", "tostring", "type",
	    "xpcall", "_VERSION", NULL };
	static const char *const string[] = { "byte", "char", "find", "format",
	    "gmatch", "gsub", "len", "lower", "match", "pack", "packsize", "rep",
	    "reverse", "sub", "unpack", "upper", NULL };
	static const char *const table[] = { "concat", "insert", "move", "pack",
	    "remove", "sort", "unpack", NULL };
	static const char *const math[] = { "abs", "ceil", "floor", "fmod",
	    "huge", "max", "maxinteger", "min", "mininteger", "modf", "tointeger",
	    "type", "ult", "pi", "sqrt", "exp", "log", NULL };
	static const char *const utf8[] = { "char", "charpattern", "codepoint",
	    "codes", "len", "offset", NULL };

	luaL_requiref(L, LUA_GNAME, luaopen_base, 0);
	fee_copy_fields(L, base);
	lua_getfield(L, -1, "setmetatable");
	lua_pushcclosure(L, fee_lua_setmetatable, 1);
	lua_setfield(L, -2, "setmetatable");
	/* Libraries are metered copies behind read-only proxies; strings'
	 * methods are the same proxy, and their metatable is hidden, so
	 * getmetatable("").__index cannot reach the whole string library
	 * (string.dump with it). */
	luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 0);
	fee_copy_fields(L, string);
	fee_meter_all(L, "string");
	fee_read_only(L, "string");
	fee_string_metatable(L);
	lua_setfield(L, -2, "string");
	luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 0);
	fee_copy_fields(L, table);
	fee_meter_all(L, "table");
	fee_read_only(L, "table");
	lua_setfield(L, -2, "table");
	luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 0);
	fee_copy_fields(L, math);
	fee_read_only(L, "math");
	lua_setfield(L, -2, "math");
	luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 0);
	fee_copy_fields(L, utf8);
	fee_meter_all(L, "utf8");
	fee_read_only(L, "utf8");
	lua_setfield(L, -2, "utf8");
	lua_pushcfunction(L, fee_lua_load);
	lua_setfield(L, -2, "load");
	lua_pushcfunction(L, fee_lua_require);
	lua_setfield(L, -2, "require");
	lua_pushvalue(L, -1);
	lua_setfield(L, -2, "_G");
	vm->ref_base = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_newtable(L);
	vm->ref_loaded = luaL_ref(L, LUA_REGISTRYINDEX);
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
	struct fee_kept *k = &fee_vm_of(L)->kept[up - 1];
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
 * lines:add(description, quantity, unit, unit_price, amount, vat): the one
 * way a script emits a charge line; checked here, stored straight into the
 * caller's C array.
 */
static int
fee_lua_add(lua_State *L)
{
	struct fee_vm *vm = fee_vm_of(L);
	struct fee_lines *out = vm->out;
	struct fee_line *ln;
	const char *desc, *unit;
	int64_t qty, price, amount, total;
	size_t dlen, ulen, vlen;
	char vat;

	if (out == NULL)
		return fee_contract(L, "lines:add outside a pricing call");
	desc = fee_arg_kept(L, 2, 1, "description", FEE_DESC_MAX, &dlen);
	qty = fee_arg_int(L, 3, "quantity");
	unit = fee_arg_kept(L, 4, 2, "unit", FEE_UNIT_MAX, &ulen);
	price = fee_arg_int(L, 5, "unit price");
	amount = fee_arg_int(L, 6, "amount");
	vat = fee_arg_kept(L, 7, 3, "vat", 0, &vlen)[0];
	if (qty < 0)
		return fee_contract(L, "quantity must not be negative");
	if (!vm->negative_ok && (amount < 0 || price < 0))
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
	else if (!fee_valid_date(e->date))
		fee_set_error(err, "date: must be a date, YYYY-MM-DD");
	else if (e->today != NULL && !fee_valid_date(e->today))
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

/* Does a string of len bytes pass as the entry field "as"? */
static int
fee_intern_ok(const char *s, size_t len, int as)
{
	switch (as) {
	case FEE_AS_TEXT:
		return len > 0;
	case FEE_AS_DATE:
		return fee_valid_date(s);
	case FEE_AS_BASIS:
		return strcmp(s, "hourly") == 0 || strcmp(s, "daily") == 0 ||
		    strcmp(s, "fixed") == 0 || strcmp(s, "capped") == 0;
	case FEE_AS_CALENDAR:
		return fee_valid_calendar(s);
	default:
		return 1;
	}
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

	lua_rawgeti(L, LUA_REGISTRYINDEX, vm->ref_msgh);
	lua_rawgeti(L, LUA_REGISTRYINDEX, vm->ref_rules);
	if (lua_getfield(L, -1, fn) != LUA_TFUNCTION) {
		lua_pop(L, 3);
		return -1;
	}
	lua_remove(L, -2);
	return 0;
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
	seen = &vm->seen[((uintptr_t)s * UINT64_C(0x9e3779b97f4a7c15)) >>
	    (64 - FEE_SEEN_BITS)];
	if (seen->p == s) {
		in = &vm->intern[seen->slot];
		if (in->idx != 0 && (in->as & as) != 0) {
			*slotp = seen->slot;
			if (seen->call == vm->call)
				return in->idx;
			for (p = s; *p == in->s[p - s]; p++) {
				if (*p == '\0') {
					seen->call = vm->call;
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
		in = &vm->intern[slot & (FEE_INTERN_SLOTS - 1)];
		if (in->idx == 0)
			break;
		if (in->hash == h && in->len == len && memcmp(in->s, s, len) == 0) {
			if ((in->as & as) == 0) {
				if (!fee_intern_ok(s, len, as))
					return -1;
				in->as |= (unsigned char)as;
			}
			seen->p = s;
			*slotp = seen->slot = (size_t)(in - vm->intern);
			seen->call = vm->call;
			return in->idx;
		}
	}
	if (!fee_intern_ok(s, len, as))
		return -1;
	if (vm->nintern == FEE_INTERN_SLOTS / 2) {
		/* Full: start again; the Lua table's slots are reused. */
		memset(vm->intern, 0, FEE_INTERN_SLOTS * sizeof *vm->intern);
		memset(vm->seen, 0, sizeof vm->seen);
		vm->nintern = 0;
		vm->intern_epoch++;
		in = &vm->intern[h & (FEE_INTERN_SLOTS - 1)];
	}
	/* The Lua side first: it may raise, and must not leave a slot. */
	lua_pushlstring(L, s, len);
	lua_rawseti(L, lua_upvalueindex(1), vm->nintern + 1);
	in->hash = h;
	in->idx = ++vm->nintern;
	in->len = (unsigned char)len;
	in->as = (unsigned char)as;
	memcpy(in->s, s, len + 1);
	seen->p = s;
	*slotp = seen->slot = (size_t)(in - vm->intern);
	seen->call = vm->call;
	return in->idx;
}

/* Refuses the caller's entry from inside the pricing call. */
static int
fee_input_error(lua_State *L, struct fee_vm *vm, const char *msg)
{
	vm->input = 1;
	lua_pushstring(L, msg);
	return lua_error(L);
}

/*
 * The cache key of an entry: every input price sees (the entry's fields,
 * ctx.vat and ctx.today) as the driver hands them to Lua, padded to 8
 * bytes; the calendar as its index in fee_calendars (nxt() refuses any
 * other). 0 when a string is too long to be worth caching.
 */
static size_t
fee_memo_key(const struct fee_entry *e, unsigned char *k)
{
	const char *text[7] = { e->date, e->today ? e->today : e->date,
	    e->activity, e->grade, e->basis, e->consumer, e->provider };
	int64_t fixed[2] = { e->minutes, e->agreement };
	const char *cal = fee_calendar_of(e);
	size_t i, n, len;

	memcpy(k, fixed, sizeof fixed);
	n = sizeof fixed;
	k[n++] = e->out_of_hours != 0;
	k[n++] = (unsigned char)(e->vat ? e->vat : 'S');
	for (i = 0; fee_calendars[i][0] != NULL; i++) {
		if (strcmp(cal, fee_calendars[i][0]) == 0)
			break;
	}
	k[n++] = (unsigned char)i;	/* past the list: refused, never kept */
	for (i = 0; i < nitems(text); i++) {
		if (text[i] == NULL) {
			k[n++] = 0xff;	/* nil, unlike "" */
			continue;
		}
		len = strnlen(text[i], FEE_MEMO_TEXT + 1);
		if (len > FEE_MEMO_TEXT)
			return 0;
		k[n++] = (unsigned char)len;
		memcpy(k + n, text[i], len);
		n += len;
	}
	while (n % 8 != 0)
		k[n++] = 0;
	return n;
}

static uint64_t
fee_memo_hash(const unsigned char *k, size_t n)
{
	uint64_t h = n, w;
	size_t i;

	for (i = 0; i < n; i += 8) {
		memcpy(&w, k + i, sizeof w);
		h = (h ^ w) * UINT64_C(0x9e3779b97f4a7c15);
		h ^= h >> 29;
	}
	return h;
}

static unsigned char *
fee_memo_keyof(struct fee_memo_rec *r)
{
	return (unsigned char *)&r->lines[r->nlines];
}

/* The record for key k, or NULL and in *at the free slot it would take. */
static struct fee_memo_rec *
fee_memo_find(struct fee_memo *m, const unsigned char *k, size_t n,
    uint64_t h, size_t *at)
{
	size_t mask = ((size_t)1 << FEE_MEMO_BITS) - 1;
	size_t i = (size_t)(h >> (64 - FEE_MEMO_BITS));
	struct fee_memo_rec *r;

	for (;; i = (i + 1) & mask) {
		if ((r = m->slot[i].rec) == NULL) {
			*at = i;
			return NULL;
		}
		if (m->slot[i].hash == h && r->keylen == n &&
		    memcmp(fee_memo_keyof(r), k, n) == 0)
			return r;
	}
}

void
fee_memo_clear(struct fee_memo *m)
{
	if (m == NULL)
		return;
	memset(m->slot, 0, sizeof *m->slot << FEE_MEMO_BITS);
	m->used = 0;
	m->n = 0;
}

static void
fee_memo_free(struct fee_memo *m)
{
	if (m == NULL)
		return;
	free(m->slot);
	free(m->arena);
	free(m);
}

/*
 * Keeps the lines entry e was priced to; drops everything when full. The
 * key is the one fee_memo_serve made when it missed e, or made again.
 */
void
fee_memo_put(struct fee_memo *m, const struct fee_entry *e,
    const struct fee_lines *l)
{
	const unsigned char *k = m->key;
	struct fee_memo_rec *r;
	size_t n = m->keylen, size, at;
	uint64_t h = m->hash;

	if (m->missed != e) {
		if ((n = fee_memo_key(e, m->key)) == 0)
			return;
		h = fee_memo_hash(k, n);
	}
	m->missed = NULL;
	if (n == 0)
		return;
	size = sizeof *r + l->n * sizeof *l->v + n;
	if (size > FEE_MEMO_BYTES)
		return;
	if (m->n == (size_t)1 << (FEE_MEMO_BITS - 1) ||
	    m->used + size > FEE_MEMO_BYTES)
		fee_memo_clear(m);
	if (fee_memo_find(m, k, n, h, &at) != NULL)
		return;
	r = (struct fee_memo_rec *)(void *)(m->arena + m->used);
	m->used += size;
	r->hash = h;
	r->keylen = (uint32_t)n;
	r->nlines = (uint32_t)l->n;
	r->total = l->total;
	if (l->n > 0)
		memcpy(r->lines, l->v, l->n * sizeof *l->v);
	memcpy(fee_memo_keyof(r), k, n);
	m->slot[at].hash = h;
	m->slot[at].rec = r;
	m->n++;
}

/*
 * Once warm, the cache is judged every FEE_MEMO_WINDOW look-ups: a miss
 * (the look-up and keeping the result) costs about a fifth of pricing
 * an entry, so when fewer than FEE_MEMO_KEEP in a hundred hit, the cache
 * sits out a rest (neither looked up nor filled), twice as long each time
 * it fails again, then is tried again.
 */
static void
fee_memo_judge(struct fee_memo *m, int hit)
{
	if (++m->lookups < FEE_MEMO_WARM)
		return;
	m->window_hits += (uint32_t)hit;
	if (++m->window < FEE_MEMO_WINDOW)
		return;
	if (m->window_hits * 100 < m->window * FEE_MEMO_KEEP) {
		if (m->next_rest == 0)
			m->next_rest = FEE_MEMO_REST;
		m->rest = m->next_rest;
		if (m->next_rest < FEE_MEMO_REST_MAX)
			m->next_rest *= 2;
	} else
		m->next_rest = 0;
	m->window = 0;
	m->window_hits = 0;
}

/*
 * Answers batch entries from the cache, from batch_i on, until one that
 * was not priced before (left for price) or batch_stop. Each entry is
 * looked up once, however often this runs.
 */
static void
fee_memo_serve(struct fee_vm *vm)
{
	struct fee_memo *m = vm->memo;
	const struct fee_entry *e;
	struct fee_memo_rec *r;
	struct fee_lines *out;
	size_t at;

	while (m != NULL && vm->batch_i < vm->batch_stop &&
	    vm->memo_checked <= vm->batch_i) {
		e = &vm->batch[vm->batch_i];
		vm->memo_checked = vm->batch_i + 1;
		if (m->rest > 0) {
			m->rest--;
			m->missed = NULL;
			m->misses++;
			return;
		}
		m->missed = e;
		m->keylen = fee_memo_key(e, m->key);
		m->hash = fee_memo_hash(m->key, m->keylen);
		if (m->keylen == 0 || (r = fee_memo_find(m, m->key, m->keylen,
		    m->hash, &at)) == NULL) {
			m->misses++;
			fee_memo_judge(m, 0);
			return;
		}
		m->missed = NULL;
		m->hits++;
		fee_memo_judge(m, 1);
		out = &vm->batch_out[vm->batch_i++];
		fee_lines_reset(out, e->vat ? e->vat : 'S');
		if (out->cap < r->nlines) {
			out->cap = r->nlines < 8 ? 8 : r->nlines;
			out->v = xrealloc(out->v, out->cap * sizeof *out->v);
		}
		if (r->nlines > 0)
			memcpy(out->v, r->lines, r->nlines * sizeof *out->v);
		out->n = r->nlines;
		out->total = r->total;
	}
}

/* The state's cache, made on first use; NULL where prices are not kept. */
static struct fee_memo *
fee_memo_of(struct fee_vm *vm)
{
	if (vm->memo == NULL && vm->memo_on) {
		vm->memo = xcalloc(1, sizeof *vm->memo);
		vm->memo->slot = xcalloc((size_t)1 << FEE_MEMO_BITS,
		    sizeof *vm->memo->slot);
		vm->memo->arena = xmalloc(FEE_MEMO_BYTES);
	}
	return vm->memo;
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
	if (l->epoch != vm->intern_epoch)
		return 0;
	for (a = s, b = vm->intern[l->slot].s; *a == *b; a++, b++) {
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
static void
fee_last_forget(struct fee_vm *vm)
{
	int f;

	for (f = 0; f < FEE_NFIELDS; f++)
		vm->last[f].p = NULL;
	vm->call++;
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
	struct fee_last *l = &vm->last[f];
	size_t slot;
	int idx;

	l->kept = 0;
	l->p = NULL;
	if ((idx = fee_intern(L, vm, s, as, &slot)) > 0) {
		l->kept = 1;
		l->p = s;
		l->slot = slot;
		l->epoch = vm->intern_epoch;
	}
	return idx;
}

/*
 * Pushes string s as per-entry field f: the Lua string returned for f
 * last time (upvalue 2 + f) when s is the same text, else the interned
 * one, kept for next time. -1 when the field refuses s.
 */
static int
fee_push_field(lua_State *L, struct fee_vm *vm, enum fee_field f,
    const char *s, int as)
{
	int idx;

	if (fee_same(vm, &vm->last[f], s)) {
		lua_pushvalue(L, lua_upvalueindex(2 + (int)f));
		return 0;
	}
	if ((idx = fee_take(L, vm, f, s, as)) < 0)
		return -1;
	if (idx == 0) {		/* too long to intern: pushed as it is */
		lua_pushstring(L, s);
		return 0;
	}
	lua_rawgeti(L, lua_upvalueindex(1), idx);
	lua_copy(L, -1, lua_upvalueindex(2 + (int)f));
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
		if (vm->last[f].kept == 2)
			return 0;
		vm->last[f].kept = 2;	/* nil */
		return 1;
	}
	if (fee_same(vm, &vm->last[f], s))
		return 0;
	if ((vm->group_idx[f] = fee_take(L, vm, f, s, as)) < 0)
		return -1;
	vm->group_epoch[f] = vm->intern_epoch;
	return 1;
}

/*
 * Pushes group field f of the entry: the interned string nxt() took,
 * while the intern table holds it, else interned again when it can be.
 */
static void
fee_push_group(lua_State *L, struct fee_vm *vm, enum fee_field f,
    const char *s, int as)
{
	size_t slot;
	int idx;

	if (s == NULL)
		lua_pushnil(L);
	else if (vm->group_epoch[f] == vm->intern_epoch && vm->group_idx[f] > 0)
		lua_rawgeti(L, lua_upvalueindex(1), vm->group_idx[f]);
	else if ((idx = fee_intern(L, vm, s, as, &slot)) > 0)
		lua_rawgeti(L, lua_upvalueindex(1), idx);
	else
		lua_pushstring(L, s);
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

	if (vm->batch == NULL)
		return fee_contract(L, "no entry to price");
	if (vm->memo_pending) {
		/* price came back for the last one: it went well. */
		vm->memo_pending = 0;
		fee_memo_put(vm->memo, &vm->batch[vm->batch_i - 1],
		    &vm->batch_out[vm->batch_i - 1]);
	}
	if (vm->fast && vm->batch_i - vm->chunk_start >= vm->chunk_len)
		fee_fast_step(L, vm);
	fee_memo_serve(vm);
	if (vm->batch_i == vm->batch_stop)
		return 0;
	e = &vm->batch[vm->batch_i];
	if (vm->memo != NULL && vm->memo->missed == e) {
		if (vm->fast)
			vm->priced[vm->npriced++] = vm->batch_i;
		else
			vm->memo_pending = 1;
	}
	vm->out = &vm->batch_out[vm->batch_i++];
	vm->cwork = 0;		/* each entry has a call's budget */
	fee_lines_reset(vm->out, e->vat ? e->vat : 'S');
	if (vm->batch_budget && !vm->fast && !vm->spent && !vm->oom)
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
	/* Unknown until the end: an error on the way means a new group. */
	ch = !vm->group_known;
	vm->group_known = 0;
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
	if (ch || vat != vm->group_vat || e->agreement != vm->group_agreement) {
		vm->group_vat = vat;
		vm->group_agreement = e->agreement;
		vm->group++;
	}
	vm->group_known = 1;
	if (vm->group == vm->group_given)
		return 5;
	lua_pushboolean(L, 1);
	return 6;
}

/*
 * grp(): the group fields of the entry nxt() handed out last: grade,
 * basis, vat, consumer, provider, agreement, calendar.
 */
static int
fee_lua_group(lua_State *L)
{
	struct fee_vm *vm = fee_vm_of(L);
	const struct fee_entry *e;

	if (vm->batch == NULL || vm->batch_i == 0)
		return fee_contract(L, "no entry to price");
	e = &vm->batch[vm->batch_i - 1];
	fee_push_group(L, vm, FEE_F_GRADE, e->grade, FEE_AS_TEXT);
	fee_push_group(L, vm, FEE_F_BASIS, e->basis, FEE_AS_BASIS);
	lua_pushstring(L, e->vat == 'O' ? "O" : "S");
	fee_push_group(L, vm, FEE_F_CONSUMER, e->consumer, FEE_AS_ANY);
	fee_push_group(L, vm, FEE_F_PROVIDER, e->provider, FEE_AS_ANY);
	lua_pushinteger(L, (lua_Integer)e->agreement);
	fee_push_group(L, vm, FEE_F_CALENDAR, fee_calendar_of(e),
	    FEE_AS_CALENDAR);
	vm->group_given = vm->group;
	return 7;
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

	vm->batch_i = start;
	vm->batch_stop = stop;
	vm->memo_pending = 0;
	vm->npriced = 0;
	fee_memo_serve(vm);
	if (vm->batch_i == stop)
		return FEE_OK;
	top = lua_gettop(L);
	lua_rawgeti(L, LUA_REGISTRYINDEX, vm->ref_msgh);
	lua_rawgeti(L, LUA_REGISTRYINDEX, vm->ref_price);
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
	const struct fee_entry *batch = vm->batch;
	struct fee_lines *batch_out = vm->batch_out, *was_out = vm->out;
	size_t batch_n = vm->batch_n, batch_i = vm->batch_i, i, start, stop;
	size_t batch_stop = vm->batch_stop, memo_checked = vm->memo_checked;
	int batch_budget = vm->batch_budget, negative_ok = vm->negative_ok;
	int memo_pending = vm->memo_pending, st = FEE_OK;

	if (failed != NULL)
		*failed = 0;
	if (n == 0)
		return FEE_OK;
	if (n > (size_t)LUA_MAXINTEGER) {
		fee_set_error(err, "batch: too many entries");
		return FEE_E_INPUT;
	}
	vm->batch = v;
	vm->batch_out = out;
	vm->batch_n = n;
	vm->batch_budget = vm->depth == 0;
	vm->negative_ok = 0;
	vm->batch_i = 0;
	vm->batch_stop = n;
	vm->memo_checked = 0;
	vm->memo_pending = 0;
	fee_last_forget(vm);
	fee_memo_of(vm);
	fee_memo_serve(vm);
	for (start = vm->batch_i; start < n;) {
		if (fee_fast_ok(vm, n - start)) {
			if ((start = fee_vm_run_fast(vm, start, n)) == n)
				break;
			stop = n - start > vm->chunk_len ? start + vm->chunk_len : n;
		} else
			stop = n;
		st = fee_vm_run(vm, start, stop, err);
		if (st != FEE_OK)
			break;
		start = stop;
	}
	if (st != FEE_OK && failed != NULL)
		*failed = vm->batch_i > 0 ? vm->batch_i - 1 : 0;
	vm->batch = batch;
	vm->batch_out = batch_out;
	vm->batch_n = batch_n;
	vm->batch_i = batch_i;
	vm->batch_stop = batch_stop;
	vm->batch_budget = batch_budget;
	vm->negative_ok = negative_ok;
	vm->memo_checked = memo_checked;
	vm->memo_pending = memo_pending;
	vm->out = was_out;
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
	if (!fee_valid_period(eng->period)) {
		fee_set_error(err, "period: must be a month, YYYY-MM");
		return FEE_E_INPUT;
	}
	if ((eng->due != NULL && !fee_valid_date(eng->due)) ||
	    (eng->completed != NULL && !fee_valid_date(eng->completed))) {
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
	lua_rawgeti(L, LUA_REGISTRYINDEX, vm->ref_period_ctx);
	fee_fill_ctx(L, eng->vat, NULL, eng->period);
	lua_rawgeti(L, LUA_REGISTRYINDEX, vm->ref_lines);
	vm->out = out;
	vm->negative_ok = 1;
	st = fee_vm_pcall(vm, 3, 0, top + 1, FEE_CALL_BUDGET, err);
	vm->out = NULL;
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
	if (!fee_valid_period(inv->period)) {
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
	lua_rawgeti(L, LUA_REGISTRYINDEX, vm->ref_period_ctx);
	fee_fill_ctx(L, inv->vat, NULL, inv->period);
	lua_rawgeti(L, LUA_REGISTRYINDEX, vm->ref_lines);
	vm->out = out;
	vm->negative_ok = 1;
	st = fee_vm_pcall(vm, 3, 1, top + 1, FEE_CALL_BUDGET, err);
	vm->out = NULL;
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

/*
 * The driver: one call from C prices a whole batch (see fee_driver). Not
 * static: bench/fees measures the contract's shape with the same loop.
 */
const char fee_driver_source[] =
    "local entry, ctx, lines, price, nxt, grp = ...\n"
    "local g, b, v, c, p, ag, cal\n"
    "return function()\n"
    "while true do\n"
    "local m, d, td, a, o, new = nxt()\n"
    "if not m then return end\n"
    "if new then g, b, v, c, p, ag, cal = grp() end\n"
    "entry.minutes = m entry.date = d entry.activity = a\n"
    "entry.out_of_hours = o entry.grade = g entry.basis = b\n"
    "entry.consumer = c entry.provider = p entry.agreement = ag\n"
    "entry.calendar = cal\n"
    "ctx.vat = v ctx.today = td\n"
    "local r = price(entry, ctx, lines)\n"
    "if r ~= nil then return r end\n"
    "end\n"
    "end\n";

/*
 * Replaces the price function on top of the stack by the driver: for each
 * entry nxt() hands it (C, interned strings) until there are none, stores
 * them into the reused entry and ctx tables with Lua's own constant-key
 * stores, and calls price. One call from C prices a whole batch and the
 * per-entry path allocates nothing.
 */
static int
fee_driver(struct fee_vm *vm)
{
	lua_State *L = vm->L;
	int i;

	if (fee_load_chunk(L, vm, fee_driver_source,
	    sizeof fee_driver_source - 1, "=price") != LUA_OK) {
		lua_pop(L, 1);
		return FEE_E_MEMORY;
	}
	lua_rawgeti(L, LUA_REGISTRYINDEX, vm->ref_entry);
	lua_rawgeti(L, LUA_REGISTRYINDEX, vm->ref_ctx);
	lua_rawgeti(L, LUA_REGISTRYINDEX, vm->ref_lines);
	lua_pushvalue(L, -5);
	lua_createtable(L, FEE_INTERN_SLOTS / 2, 0);
	lua_pushvalue(L, -1);
	lua_pushcclosure(L, fee_lua_group, 1);
	lua_insert(L, -2);
	for (i = 0; i < FEE_NFIELDS; i++)
		lua_pushnil(L);		/* what nxt() returned last */
	lua_pushcclosure(L, fee_lua_next, 1 + FEE_NFIELDS);
	lua_insert(L, -2);
	if (lua_pcall(L, 6, 1, 0) != LUA_OK) {
		lua_pop(L, 1);
		return FEE_E_MEMORY;
	}
	lua_replace(L, -2);
	vm->intern = xcalloc(FEE_INTERN_SLOTS, sizeof *vm->intern);
	return FEE_OK;
}

/*
 * Opens a state for the rule set: the allow-list, the contract tables, and
 * the rule set's chunk run to get its table of functions.
 */
int
fee_vm_open(struct fee_vm *vm, struct fee_ruleset *rs, char **err)
{
	lua_State *L;
	int st;

	memset(vm, 0, sizeof *vm);
	vm->rs = rs;
	vm->mem_limit = FEE_MEMORY_LIMIT;
	vm->memo_on = !rs->policy;
	vm->L = L = lua_newstate(fee_alloc, vm);
	if (L == NULL) {
		fee_set_error(err, "%s: cannot create a Lua state", rs->chunk + 1);
		return FEE_E_MEMORY;
	}
	*(struct fee_vm **)lua_getextraspace(L) = vm;
	fee_build_base(L, vm);
	lua_pushcfunction(L, fee_msgh);
	vm->ref_msgh = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_createtable(L, 0, 11);
	vm->ref_entry = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_createtable(L, 0, 4);
	vm->ref_ctx = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_createtable(L, 0, 4);
	vm->ref_period_ctx = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_createtable(L, 0, 1);
	lua_pushnil(L);
	lua_pushnil(L);
	lua_pushnil(L);
	lua_pushcclosure(L, fee_lua_add, 3);
	lua_setfield(L, -2, "add");
	vm->ref_lines = luaL_ref(L, LUA_REGISTRYINDEX);

	lua_rawgeti(L, LUA_REGISTRYINDEX, vm->ref_msgh);
	st = fee_load_chunk(L, vm, rs->source, rs->len, rs->chunk);
	if (st != LUA_OK) {
		fee_set_error(err, "%s", lua_tostring(L, -1));
		lua_pop(L, 2);
		return st == LUA_ERRMEM ? FEE_E_MEMORY : FEE_E_SYNTAX;
	}
	st = fee_vm_pcall(vm, 0, 1, -2, FEE_LOAD_BUDGET, err);
	if (st != FEE_OK) {
		lua_pop(L, 1);
		return st;
	}
	if (!lua_istable(L, -1)) {
		fee_set_error(err, "%s: must return a table, not %s",
		    rs->chunk + 1, luaL_typename(L, -1));
		lua_pop(L, 2);
		return FEE_E_CONTRACT;
	}
	lua_getfield(L, -1, "price");
	if (rs->policy && !lua_isnil(L, -1)) {
		fee_set_error(err, "%s: a local policy may not define price; "
		    "prices belong to the provider's rule set", rs->chunk + 1);
		lua_pop(L, 3);
		return FEE_E_CONTRACT;
	}
	if (!rs->policy && !lua_isfunction(L, -1)) {
		fee_set_error(err, "%s: the returned table has no price function",
		    rs->chunk + 1);
		lua_pop(L, 3);
		return FEE_E_CONTRACT;
	}
	if (!rs->policy && fee_driver(vm) != FEE_OK) {
		fee_set_error(err, "%s: cannot set up the price call",
		    rs->chunk + 1);
		lua_pop(L, 3);
		return FEE_E_MEMORY;
	}
	vm->ref_price = luaL_ref(L, LUA_REGISTRYINDEX);
	vm->ref_rules = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_pop(L, 1);
	lua_gc(L, LUA_GCGEN, 0, 0);
	return FEE_OK;
}

void
fee_vm_close(struct fee_vm *vm)
{
	if (vm->L != NULL)
		lua_close(vm->L);
	fee_lines_free(&vm->scratch);
	free(vm->intern);
	vm->intern = NULL;
	fee_fast_close(vm);
	fee_memo_free(vm->memo);
	vm->memo = NULL;
	fee_replay_free(vm);
	vm->L = NULL;
}
