/* fees-bench.c: prices 1,000,000 entries through the standard rule set and
 * through a bare Lua function (units x rate, one lua_pcall an entry). */
/*
 * The entries repeat with a period of 163,680 (minutes 1-480, 31 dates,
 * activity and grade following the minutes, an out-of-hours flag), 29,760
 * of them distinct. "wide" spreads them over WIDE agreements as well, so
 * about 13 times as many are distinct: more than the price cache holds,
 * and every field changes from one entry to the next. "grouped" is an
 * invoice run's order: entries by agreement and engagement (ENGAGED of
 * them an engagement, its grade, basis, consumer and provider shared),
 * dates rising through the month, activities in runs, and minutes from 6
 * to 480 scattered, so that few entries repeat.
 */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <sodium.h>

#define N 1000000
#define BATCH 1000	/* entries a fee_price_batch call, as an invoice run */
#define WIDE 13		/* agreements in the wide variant; prime to 480, 31 */
#define ENGAGED 40	/* entries an engagement in the grouped variant */

static const char *const grades[] = { "junior", "standard", "senior",
    "principal" };
static const char *const acts[] = { "advice", "drafting", "meeting",
    "travel", "advice" };
static const char *const consumers[] = { "AVD", "BRC", "CDC", "DNC", "ERC",
    "FHD", "GWB", "HTC", "ISD", "JMC", "KVD", "LBC", "MWD" };
static const char *const providers[] = { "NRC", "AVD", "CDC" };

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

/* The varied entry number i, the same for both engine paths. */
static void
bench_entry(struct fee_entry *e, int i, int agreements)
{
	static char dates[31][11];
	static int ready;
	int d;

	if (!ready) {
		for (d = 0; d < 31; d++)
			snprintf(dates[d], sizeof dates[d], "2025-03-%02d", d + 1);
		ready = 1;
	}
	memset(e, 0, sizeof *e);
	e->basis = "hourly";
	e->consumer = "AVD";
	e->provider = "NRC";
	e->agreement = i % agreements + 1;
	e->vat = 'S';
	e->minutes = i % 480 + 1;
	e->date = dates[i % 31];
	e->activity = acts[i % 5];
	e->grade = grades[i % 4];
	e->out_of_hours = i % 11 == 0;
}

/* Entry number i in an invoice run's order (see the top). */
static void
bench_grouped_entry(struct fee_entry *e, int i)
{
	static char dates[31][11];
	static int ready;
	uint32_t h = (uint32_t)i * 2654435761u;
	int k = i / ENGAGED, j = i % ENGAGED, d;

	if (!ready) {
		for (d = 0; d < 31; d++)
			snprintf(dates[d], sizeof dates[d], "2025-03-%02d", d + 1);
		ready = 1;
	}
	memset(e, 0, sizeof *e);
	e->basis = k % 20 == 0 ? "daily" : k % 20 == 1 ? "capped" : "hourly";
	e->agreement = k % 97 + 1;
	e->consumer = consumers[e->agreement % 13];
	e->provider = providers[e->agreement % 3];
	e->vat = e->agreement % 7 == 0 ? 'O' : 'S';
	e->grade = grades[k % 4];
	e->date = dates[j * 31 / ENGAGED];
	e->activity = acts[(k + j / 2) % 5];
	e->minutes = 6 + (h >> 8) % 475;
	e->out_of_hours = (h >> 4) % 16 == 0;
}

/* The engine end to end, one fee_price call an entry, from C. */
static double
bench_single(struct fee_ruleset *rs, int64_t *sum)
{
	struct fee_lines lines = { 0 };
	struct fee_entry e;
	char *err = NULL;
	uint64_t t0;
	int i;

	*sum = 0;
	t0 = mono_usec();
	for (i = 0; i < N; i++) {
		bench_entry(&e, i, 1);
		if (fee_price(rs, &e, &lines, &err) != FEE_OK) {
			fprintf(stderr, "fee_price: %s\n", err);
			exit(1);
		}
		*sum += lines.total;
	}
	fee_lines_free(&lines);
	return (double)(mono_usec() - t0) / 1e6;
}

/*
 * The path an invoice run takes: entries gathered BATCH at a time and
 * priced with one fee_price_batch call each, from C, over this many
 * agreements (0: the grouped variant).
 */
static double
bench_batch(struct fee_ruleset *rs, int agreements, int64_t *sum)
{
	static struct fee_entry v[BATCH];
	static struct fee_lines out[BATCH];
	char *err = NULL;
	size_t failed;
	uint64_t t0;
	int i, j;

	*sum = 0;
	t0 = mono_usec();
	for (i = 0; i < N; i += BATCH) {
		for (j = 0; j < BATCH; j++) {
			if (agreements > 0)
				bench_entry(&v[j], i + j, agreements);
			else
				bench_grouped_entry(&v[j], i + j);
		}
		if (fee_price_batch(rs, v, BATCH, out, &failed, &err) != FEE_OK) {
			fprintf(stderr, "fee_price_batch: entry %zu: %s\n",
			    (size_t)i + failed, err);
			exit(1);
		}
		for (j = 0; j < BATCH; j++)
			*sum += out[j].total;
	}
	for (j = 0; j < BATCH; j++)
		fee_lines_free(&out[j]);
	return (double)(mono_usec() - t0) / 1e6;
}

int
main(int argc, char **argv)
{
	struct fee_engine *fe;
	struct fee_ruleset *rs;
	char *err = NULL;
	uint64_t hits = 0, misses = 0;
	int64_t sum;
	double t;

	if (argc != 3 || (strcmp(argv[2], "bare") != 0 &&
	    strcmp(argv[2], "batch") != 0 && strcmp(argv[2], "single") != 0 &&
	    strcmp(argv[2], "wide") != 0 && strcmp(argv[2], "grouped") != 0)) {
		fprintf(stderr, "usage: fees-bench SCRIPTS_DIR "
		    "bare|batch|single|wide|grouped\n");
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
		if (strcmp(argv[2], "batch") == 0)
			t = bench_batch(rs, 1, &sum);
		else if (strcmp(argv[2], "wide") == 0)
			t = bench_batch(rs, WIDE, &sum);
		else if (strcmp(argv[2], "grouped") == 0)
			t = bench_batch(rs, 0, &sum);
		else
			t = bench_single(rs, &sum);
		fee_memo_stats(rs, &hits, &misses);
		fee_close(fe);
	}
	/* seconds, the sum of the prices, the cache's hit rate */
	printf("%.4f %lld %.4f\n", t, (long long)sum,
	    hits + misses > 0 ? (double)hits / (double)(hits + misses) : 0.0);
	return 0;
}
