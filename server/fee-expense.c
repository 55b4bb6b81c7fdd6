/* fee-expense.c: what the rules say an expense kind costs and its VAT. */
#include "fee-int.h"

#include <string.h>

static int fee_expense_read(struct fee_ruleset *rs, const char *fn,
    struct fee_expense *out, char **err);
static int fee_expense_call(struct fee_ruleset *rs, const char *fn,
    const char *kind, char vat, struct fee_expense *out, char **err);

/* Reads { rate = pence or nil, vat = "S" or "O" } off the stack's top. */
static int
fee_expense_read(struct fee_ruleset *rs, const char *fn,
    struct fee_expense *out, char **err)
{
	lua_State *L = rs->vm.L;
	const char *s;
	int isnum;
	lua_Integer rate;

	if (!lua_istable(L, -1)) {
		fee_set_error(err, "%s: %s returned a %s, not a table",
		    rs->chunk + 1, fn, luaL_typename(L, -1));
		return FEE_E_CONTRACT;
	}
	if (lua_getfield(L, -1, "rate") != LUA_TNIL) {
		rate = lua_tointegerx(L, -1, &isnum);
		if (!isnum || rate < 0 || rate > 100000) {
			fee_set_error(err, "%s: %s rate must be whole pence from 0 "
			    "to 100000", rs->chunk + 1, fn);
			return FEE_E_CONTRACT;
		}
		out->rate = (int64_t)rate;
	}
	lua_pop(L, 1);
	if (lua_getfield(L, -1, "vat") == LUA_TSTRING) {
		s = lua_tostring(L, -1);
		if (strcmp(s, "S") != 0 && strcmp(s, "O") != 0) {
			fee_set_error(err, "%s: %s vat must be S or O (an invoice "
			    "carries one category)", rs->chunk + 1, fn);
			return FEE_E_CONTRACT;
		}
		out->vat = s[0];
	}
	lua_pop(L, 1);
	return FEE_OK;
}

/* Calls fn(expense, ctx) of a rule set or overlay, where it has one. */
static int
fee_expense_call(struct fee_ruleset *rs, const char *fn, const char *kind,
    char vat, struct fee_expense *out, char **err)
{
	lua_State *L = rs->vm.L;
	int top = lua_gettop(L), t, st;

	if (fee_push_fn(&rs->vm, fn) != 0)
		return FEE_OK;
	lua_createtable(L, 0, 3);
	t = lua_gettop(L);
	fee_set_text(L, t, "kind", kind);
	if (out->rate >= 0)
		fee_set_int(L, t, "rate", out->rate);
	fee_set_vat(L, t, out->vat);
	lua_createtable(L, 0, 1);
	fee_set_vat(L, lua_gettop(L), vat);
	st = fee_vm_pcall(&rs->vm, 2, 1, top + 1, FEE_CALL_BUDGET, err);
	if (st == FEE_OK && !lua_isnil(L, -1))
		st = fee_expense_read(rs, fn, out, err);
	lua_settop(L, top);
	return st;
}

/*
 * The terms of an expense kind: the rule set's expense function says the
 * rate (mileage) or at cost, and the VAT category under the agreement's;
 * the consumer's overlay, with an expense function, may change either.
 */
int
fee_expense_terms(struct fee_engine *fe, const char *ruleset,
    const char *consumer, const char *kind, char vat,
    struct fee_expense *out, char **err)
{
	struct fee_ruleset *rs, *policy;
	int st;

	out->rate = -1;
	out->vat = vat;
	if (kind == NULL || *kind == '\0' || strlen(kind) > 32) {
		fee_set_error(err, "kind: must be 1 to 32 bytes");
		return FEE_E_INPUT;
	}
	if ((rs = fee_ruleset(fe, ruleset ? ruleset : "", err)) == NULL)
		return FEE_E_NOTFOUND;
	if (fee_push_fn(&rs->vm, "expense") != 0) {
		fee_set_error(err, "%s: the rule set prices no expenses",
		    rs->chunk + 1);
		return FEE_E_CONTRACT;
	}
	lua_pop(rs->vm.L, 2);
	if ((st = fee_expense_call(rs, "expense", kind, vat, out, err)) != FEE_OK)
		return st;
	if (consumer == NULL || *consumer == '\0')
		return FEE_OK;
	if ((policy = fee_policy(fe, consumer, err)) == NULL)
		return FEE_E_CONTRACT;
	if (policy->missing)
		return FEE_OK;
	return fee_expense_call(policy, "expense", kind, vat, out, err);
}
