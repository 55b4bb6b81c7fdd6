/* fee-policy.c: councils' local policy overlays, rules/policy/CODE.lua. */
#include "fee-int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/*
 * The consumer council's overlay, or a remembered "none" (negative cache).
 * An overlay is loaded like a rule set (own state, own limits) and may
 * not define prices.
 */
struct fee_ruleset *
fee_policy(struct fee_engine *fe, const char *code, char **err)
{
	struct fee_ruleset *rs;
	struct stat sb;
	char *path, *test_path;

	if (!fee_valid_name(code, 1)) {
		fee_set_error(err, "consumer: \"%s\" is not an organisation code",
		    code ? code : "");
		return NULL;
	}
	for (rs = fe->policies; rs != NULL; rs = rs->next)
		if (strcmp(rs->name, code) == 0)
			return rs;
	path = xprintf("%s/policy/%s.lua", fe->dir, code);
	if (stat(path, &sb) != 0) {
		rs = fee_ruleset_new(fe, code, path);
		rs->missing = 1;
	} else {
		test_path = xprintf("%s/policy/%s_test.lua", fe->dir, code);
		rs = fee_load_kind(fe, path, stat(test_path, &sb) == 0, 1, err);
		free(test_path);
		if (rs == NULL) {
			free(path);
			return NULL;
		}
	}
	free(path);
	rs->next = fe->policies;
	fe->policies = rs;
	return rs;
}

/* Calls the pushed policy function (arg, ctx); leaves its result on top. */
static int
fee_policy_call(struct fee_ruleset *rs, int top, char **err)
{
	struct fee_vm *vm = &rs->vm;
	lua_State *L = vm->L;

	lua_rawgeti(L, LUA_REGISTRYINDEX, vm->ref.ctx);
	fee_fill_ctx(L, 'S', NULL, NULL);
	return fee_vm_pcall(vm, 2, 1, top + 1, FEE_CALL_BUDGET, err);
}

static void
fee_push_request(lua_State *L, const struct fee_request *r)
{
	int t;

	lua_createtable(L, 0, 8);
	t = lua_gettop(L);
	fee_set_text(L, t, "consumer", r->consumer);
	fee_set_text(L, t, "provider", r->provider);
	fee_set_text(L, t, "area", r->area);
	fee_set_text(L, t, "cost_centre", r->cost_centre);
	fee_set_text(L, t, "date", r->date);
	fee_set_int(L, t, "minutes", r->minutes);
	fee_set_int(L, t, "estimate", r->estimate);
}

/* Reads a boolean answer; anything else breaks the policy contract. */
static int
fee_policy_bool(struct fee_ruleset *rs, const char *fn, int st, int *yes,
    char **err)
{
	lua_State *L = rs->vm.L;

	if (st != FEE_OK)
		return st;
	if (!lua_isboolean(L, -1)) {
		fee_set_error(err, "%s: %s must return true or false, not %s",
		    rs->chunk + 1, fn, luaL_typename(L, -1));
		return FEE_E_CONTRACT;
	}
	*yes = lua_toboolean(L, -1);
	return FEE_OK;
}

/*
 * Does the consumer's policy approve this entry without a person looking?
 * No overlay, or no auto_approve in it, means no.
 */
int
fee_policy_auto_approve(struct fee_engine *fe, const char *consumer,
    const struct fee_entry *e, int *yes, char **err)
{
	struct fee_ruleset *rs;
	lua_State *L;
	int top, st;

	*yes = 0;
	if ((rs = fee_policy(fe, consumer, err)) == NULL)
		return FEE_E_CONTRACT;
	if (rs->missing)
		return FEE_OK;
	if (fee_entry_check(e, err) != 0)
		return FEE_E_INPUT;
	L = rs->vm.L;
	top = lua_gettop(L);
	if (fee_push_fn(&rs->vm, "auto_approve") != 0)
		return FEE_OK;
	lua_rawgeti(L, LUA_REGISTRYINDEX, rs->vm.ref.entry);
	fee_fill_entry(L, e);
	st = fee_policy_bool(rs, "auto_approve",
	    fee_policy_call(rs, top, err), yes, err);
	lua_settop(L, top);
	return st;
}

/*
 * Must this request carry a purchase order? The overlay decides; without
 * one the organisation's po_required flag (the caller's) stands.
 */
int
fee_policy_po_required(struct fee_engine *fe, const char *consumer,
    const struct fee_request *r, int *yes, char **err)
{
	struct fee_ruleset *rs;
	lua_State *L;
	int top, st;

	if ((rs = fee_policy(fe, consumer, err)) == NULL)
		return FEE_E_CONTRACT;
	if (rs->missing)
		return FEE_OK;
	L = rs->vm.L;
	top = lua_gettop(L);
	if (fee_push_fn(&rs->vm, "po_required") != 0)
		return FEE_OK;
	fee_push_request(L, r);
	st = fee_policy_bool(rs, "po_required",
	    fee_policy_call(rs, top, err), yes, err);
	lua_settop(L, top);
	return st;
}

/*
 * The ledger cost centre for a request's cost centre: the overlay's
 * mapping, or the request's own when there is none.
 */
int
fee_policy_cost_centre(struct fee_engine *fe, const char *consumer,
    const struct fee_request *r, char *out, size_t outsz, char **err)
{
	struct fee_ruleset *rs;
	lua_State *L;
	int top, st;

	snprintf(out, outsz, "%s", r->cost_centre ? r->cost_centre : "");
	if ((rs = fee_policy(fe, consumer, err)) == NULL)
		return FEE_E_CONTRACT;
	if (rs->missing)
		return FEE_OK;
	L = rs->vm.L;
	top = lua_gettop(L);
	if (fee_push_fn(&rs->vm, "cost_centre") != 0)
		return FEE_OK;
	fee_push_request(L, r);
	st = fee_policy_call(rs, top, err);
	if (st == FEE_OK) {
		size_t len;
		const char *s;

		if (lua_type(L, -1) != LUA_TSTRING ||
		    (s = lua_tolstring(L, -1, &len), len == 0 || len >= outsz)) {
			fee_set_error(err, "%s: cost_centre must return a string of "
			    "1 to %zu bytes", rs->chunk + 1, outsz - 1);
			st = FEE_E_CONTRACT;
		} else
			memcpy(out, s, len + 1);
	}
	lua_settop(L, top);
	return st;
}
