/* fees-bench.c: prices 1,000,000 entries through the standard rule set and
 * through a bare Lua function (units x rate, one lua_pcall an entry). */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <sodium.h>

#define N 1000000

static const char *const grades[] = { "junior", "standard", "senior",
    "principal" };
static const char *const acts[] = { "advice", "drafting", "meeting",
    "travel", "advice" };

/* The simplest pricing Lua can do: the floor we measure ourselves against. */
static double
bench_bare(int64_t *sum)
{
	lua_State *L = luaL_newstate();
	uint64_t t0;
	int i;

	luaL_openlibs(L);
	if (luaL_dostring(L, "return function(minutes, rate) "
	    "return (minutes + 5) // 6 * rate end") != LUA_OK) {
		fprintf(stderr, "%s\n", lua_tostring(L, -1));
		exit(1);
	}
	*sum = 0;
	t0 = mono_usec();
	for (i = 0; i < N; i++) {
		lua_pushvalue(L, 1);
		lua_pushinteger(L, i % 480 + 1);
		lua_pushinteger(L, 850);
		if (lua_pcall(L, 2, 1, 0) != LUA_OK)
			exit(1);
		*sum += lua_tointeger(L, -1);
		lua_pop(L, 1);
	}
	lua_close(L);
	return (double)(mono_usec() - t0) / 1e6;
}

/* The engine end to end: fee_price on varied entries, from C. */
static double
bench_ours(struct fee_ruleset *rs, int64_t *sum)
{
	static char dates[31][11];
	struct fee_lines lines = { 0 };
	struct fee_entry e;
	char *err = NULL;
	uint64_t t0;
	int i;

	for (i = 0; i < 31; i++)
		snprintf(dates[i], sizeof dates[i], "2025-03-%02d", i + 1);
	memset(&e, 0, sizeof e);
	e.basis = "hourly";
	e.consumer = "AVD";
	e.provider = "NRC";
	e.agreement = 1;
	e.vat = 'S';
	*sum = 0;
	t0 = mono_usec();
	for (i = 0; i < N; i++) {
		e.minutes = i % 480 + 1;
		e.date = dates[i % 31];
		e.activity = acts[i % 5];
		e.grade = grades[i % 4];
		e.out_of_hours = i % 11 == 0;
		if (fee_price(rs, &e, &lines, &err) != FEE_OK) {
			fprintf(stderr, "fee_price: %s\n", err);
			exit(1);
		}
		*sum += lines.total;
	}
	fee_lines_free(&lines);
	return (double)(mono_usec() - t0) / 1e6;
}

int
main(int argc, char **argv)
{
	struct fee_engine *fe;
	struct fee_ruleset *rs;
	char *err = NULL;
	int64_t sum;
	double t;

	if (argc != 3 || (strcmp(argv[2], "bare") != 0 &&
	    strcmp(argv[2], "ours") != 0)) {
		fprintf(stderr, "usage: fees-bench SCRIPTS_DIR bare|ours\n");
		return 2;
	}
	log_init(EP_LOG_WARN);
	if (sodium_init() < 0)
		return 1;
	if (strcmp(argv[2], "bare") == 0) {
		t = bench_bare(&sum);
	} else {
		if ((fe = fee_open(argv[1], NULL, &err)) == NULL ||
		    (rs = fee_ruleset(fe, "standard", &err)) == NULL) {
			fprintf(stderr, "fees-bench: %s\n", err);
			return 1;
		}
		t = bench_ours(rs, &sum);
		fee_close(fe);
	}
	printf("%.4f %lld\n", t, (long long)sum);
	return 0;
}
