/* fee-sandbox.c: a rule set's Lua state: the allow-list, loading, require. */
#include "fee-int.h"

#include <stdlib.h>
#include <string.h>

#include <lualib.h>

/* Makes a fresh _ENV for one chunk, reading through to the allow-list. */
static void
fee_push_env(lua_State *L, struct fee_vm *vm)
{
	lua_newtable(L);
	lua_createtable(L, 0, 2);
	lua_rawgeti(L, LUA_REGISTRYINDEX, vm->ref.base);
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
 * require(NAME): only the helper library, from rules/fees/lib/NAME.lua
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
	lua_rawgeti(L, LUA_REGISTRYINDEX, vm->ref.loaded);
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
	vm->ref.base = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_newtable(L);
	vm->ref.loaded = luaL_ref(L, LUA_REGISTRYINDEX);
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
	vm->lim.mem_limit = FEE_MEMORY_LIMIT;
	vm->cache.on = !rs->policy;
	vm->L = L = lua_newstate(fee_alloc, vm);
	if (L == NULL) {
		fee_set_error(err, "%s: cannot create a Lua state", rs->chunk + 1);
		return FEE_E_MEMORY;
	}
	*(struct fee_vm **)lua_getextraspace(L) = vm;
	fee_build_base(L, vm);
	lua_pushcfunction(L, fee_msgh);
	vm->ref.msgh = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_createtable(L, 0, 11);
	vm->ref.entry = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_createtable(L, 0, 4);
	vm->ref.ctx = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_createtable(L, 0, 4);
	vm->ref.period_ctx = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_createtable(L, 0, 1);
	lua_createtable(L, FEE_KEPT_DESC, 0);
	lua_pushnil(L);
	lua_pushnil(L);
	lua_pushcclosure(L, fee_lua_add, 3);
	lua_setfield(L, -2, "add");
	vm->ref.lines = luaL_ref(L, LUA_REGISTRYINDEX);

	lua_rawgeti(L, LUA_REGISTRYINDEX, vm->ref.msgh);
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
	vm->ref.price = luaL_ref(L, LUA_REGISTRYINDEX);
	vm->ref.rules = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_pop(L, 1);
	lua_gc(L, LUA_GCGEN, 0, 0);
	return FEE_OK;
}

void
fee_vm_close(struct fee_vm *vm)
{
	if (vm->L != NULL)
		lua_close(vm->L);
	fee_lines_free(&vm->test.scratch);
	free(vm->names.intern);
	vm->names.intern = NULL;
	fee_fast_close(vm);
	fee_memo_free(vm->cache.memo);
	vm->cache.memo = NULL;
	fee_replay_free(vm);
	vm->L = NULL;
}
