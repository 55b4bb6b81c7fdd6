/* fees-bench.c: prices 1,000,000 entries through the standard rule set and
 * through a bare Lua function (units x rate, one lua_pcall an entry). */
/*
 * Two references place the grouped figure: "floor", the one-line rule set
 * of fees-floor.lua through the engine, and "shape", the same price in a
 * bare state under a driver of the contract's shape with no engine (see
 * bench_shape): bare to shape is what the contract's shape costs, shape to
 * floor what the engine adds, floor to grouped what the standard rule set
 * adds.
 *
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

/*
 * "shape": the contract with no engine. A bare state runs the floor rule
 * set's price under a driver like the engine's (the same Lua text), with
 * an nxt() handing out minutes, date, today, activity, out_of_hours and,
 * when the group changed, true; a grp() for the group fields; and a
 * lines:add that copies its line unchecked. Strings are pushed from a
 * table of those made before, found by the caller's pointer: the least a
 * C caller can do. No validation, budget, cache or sandbox: what any
 * engine honouring the contract pays.
 */
#define SHAPE_SLOTS 256		/* strings by pointer; the bench has ~60 */

struct shape {
	const struct fee_entry *v;	/* the batch */
	struct fee_lines *out;
	struct fee_lines *cur;		/* the entry being priced */
	int i, n;
	int new_group;			/* grp() has not handed it out */
	struct fee_entry g;		/* the group fields handed out last */
	const char *p[SHAPE_SLOTS];
	int idx[SHAPE_SLOTS];
	int nstr;
};

static struct shape *
shape_of(lua_State *L)
{
	return *(struct shape **)lua_getextraspace(L);
}

/* Pushes s, made once into the table at upvalue 1. */
static void
shape_push(lua_State *L, struct shape *sh, const char *s)
{
	size_t slot = ((uintptr_t)s >> 3) % SHAPE_SLOTS;

	while (sh->p[slot] != NULL && sh->p[slot] != s)
		slot = (slot + 1) % SHAPE_SLOTS;
	if (sh->p[slot] == NULL) {
		if (sh->nstr == SHAPE_SLOTS / 2) {
			fprintf(stderr, "shape: too many strings\n");
			exit(1);
		}
		lua_pushstring(L, s);
		lua_rawseti(L, lua_upvalueindex(1), ++sh->nstr);
		sh->p[slot] = s;
		sh->idx[slot] = sh->nstr;
	}
	lua_rawgeti(L, lua_upvalueindex(1), sh->idx[slot]);
}

static int
shape_next(lua_State *L)
{
	struct shape *sh = shape_of(L);
	const struct fee_entry *e;

	if (sh->i == sh->n)
		return 0;
	e = &sh->v[sh->i];
	sh->cur = &sh->out[sh->i++];
	sh->cur->n = 0;
	sh->cur->total = 0;
	if (e->grade != sh->g.grade || e->basis != sh->g.basis ||
	    e->vat != sh->g.vat || e->consumer != sh->g.consumer ||
	    e->provider != sh->g.provider || e->agreement != sh->g.agreement ||
	    e->calendar != sh->g.calendar) {
		sh->g = *e;
		sh->new_group = 1;
	}
	lua_pushinteger(L, e->minutes);
	shape_push(L, sh, e->date);
	lua_pushvalue(L, -1);		/* today: the entry's date */
	shape_push(L, sh, e->activity);
	lua_pushboolean(L, e->out_of_hours);
	if (!sh->new_group)
		return 5;
	lua_pushboolean(L, 1);
	return 6;
}

static int
shape_group(lua_State *L)
{
	struct shape *sh = shape_of(L);

	shape_push(L, sh, sh->g.grade);
	shape_push(L, sh, sh->g.basis);
	lua_pushstring(L, sh->g.vat == 'O' ? "O" : "S");
	shape_push(L, sh, sh->g.consumer);
	shape_push(L, sh, sh->g.provider);
	lua_pushinteger(L, sh->g.agreement);
	shape_push(L, sh, sh->g.calendar ? sh->g.calendar :
	    "england-and-wales");
	sh->new_group = 0;
	return 7;
}

/* Copies a string argument into a line's field; the bench's always fit. */
static void
shape_text(lua_State *L, int i, char *dst, size_t size)
{
	size_t len;
	const char *s = lua_tolstring(L, i, &len);

	if (s == NULL || len >= size) {
		fprintf(stderr, "shape: bad line\n");
		exit(1);
	}
	memcpy(dst, s, len + 1);
}

static int
shape_add(lua_State *L)
{
	struct fee_lines *out = shape_of(L)->cur;
	struct fee_line *ln;

	if (out->n == out->cap) {
		out->cap = out->cap ? out->cap * 2 : 8;
		out->v = realloc(out->v, out->cap * sizeof *out->v);
		if (out->v == NULL)
			exit(1);
	}
	ln = &out->v[out->n++];
	shape_text(L, 2, ln->description, sizeof ln->description);
	ln->quantity = lua_tointeger(L, 3);
	shape_text(L, 4, ln->unit, sizeof ln->unit);
	ln->unit_price = lua_tointeger(L, 5);
	ln->amount = lua_tointeger(L, 6);
	ln->vat = *lua_tostring(L, 7);
	out->total += ln->amount;
	return 0;
}

static double
bench_shape(const char *rules, int64_t *sum)
{
	static struct fee_entry v[BATCH];
	static struct fee_lines out[BATCH];
	static struct shape sh;
	lua_State *L = luaL_newstate();
	uint64_t t0;
	int i, j;

	luaL_openlibs(L);
	*(struct shape **)lua_getextraspace(L) = &sh;
	/* The engine's own driver loop, around a trivial nxt() and add. */
	if (luaL_loadbufferx(L, fee_driver_source, strlen(fee_driver_source),
	    "=driver", "t") != LUA_OK || luaL_loadfilex(L, rules, "t") != LUA_OK ||
	    lua_pcall(L, 0, 1, 0) != LUA_OK) {
		fprintf(stderr, "shape: %s\n", lua_tostring(L, -1));
		exit(1);
	}
	lua_getfield(L, -1, "price");
	lua_replace(L, -2);			/* driver, price */
	lua_createtable(L, 0, 10);		/* entry */
	lua_createtable(L, 0, 2);		/* ctx */
	lua_createtable(L, 0, 1);		/* lines */
	lua_pushcfunction(L, shape_add);
	lua_setfield(L, -2, "add");
	lua_rotate(L, -4, 3);			/* driver, entry, ctx, lines, price */
	lua_createtable(L, SHAPE_SLOTS / 2, 0);
	lua_pushvalue(L, -1);
	lua_pushcclosure(L, shape_next, 1);
	lua_insert(L, -2);
	lua_pushcclosure(L, shape_group, 1);
	if (lua_pcall(L, 6, 1, 0) != LUA_OK) {
		fprintf(stderr, "shape: %s\n", lua_tostring(L, -1));
		exit(1);
	}
	*sum = 0;
	t0 = mono_usec();
	for (i = 0; i < N; i += BATCH) {
		for (j = 0; j < BATCH; j++)
			bench_grouped_entry(&v[j], i + j);
		sh.v = v;
		sh.out = out;
		sh.i = 0;
		sh.n = BATCH;
		sh.g.grade = NULL;	/* a call's first entry: a new group */
		lua_pushvalue(L, -1);
		if (lua_pcall(L, 0, 1, 0) != LUA_OK) {
			fprintf(stderr, "shape: %s\n", lua_tostring(L, -1));
			exit(1);
		}
		lua_pop(L, 1);
		for (j = 0; j < BATCH; j++)
			*sum += out[j].total;
	}
	for (j = 0; j < BATCH; j++)
		fee_lines_free(&out[j]);
	lua_close(L);
	return (double)(mono_usec() - t0) / 1e6;
}

int
main(int argc, char **argv)
{
	static const char *const variants[] = { "bare", "batch", "single",
	    "wide", "grouped", "floor", "shape" };
	struct fee_engine *fe;
	struct fee_ruleset *rs;
	char *err = NULL, *dir, *slash;
	uint64_t hits = 0, misses = 0;
	const char *v;
	int64_t sum;
	size_t i;
	double t;

	for (i = 0; argc == 3 && i < nitems(variants); i++) {
		if (strcmp(argv[2], variants[i]) == 0)
			break;
	}
	if (argc != 3 || i == nitems(variants)) {
		fprintf(stderr, "usage: fees-bench RULES_DIR "
		    "bare|batch|single|wide|grouped\n"
		    "       fees-bench RULES.lua floor|shape\n");
		return 2;
	}
	v = argv[2];
	log_init(EP_LOG_WARN);
	if (sodium_init() < 0)
		return 1;
	if (strcmp(v, "bare") == 0) {
		t = bench_bare(&sum);
	} else if (strcmp(v, "shape") == 0) {
		t = bench_shape(argv[1], &sum);
	} else if (strcmp(v, "floor") == 0) {
		/* The rule file's directory stands for the rules directory. */
		dir = xstrdup(argv[1]);
		if ((slash = strrchr(dir, '/')) != NULL)
			*slash = '\0';
		if ((fe = fee_open(slash != NULL ? dir : ".", NULL, &err)) ==
		    NULL || (rs = fee_load(fe, argv[1], 0, &err)) == NULL) {
			fprintf(stderr, "fees-bench: %s\n", err);
			return 1;
		}
		free(dir);
		t = bench_batch(rs, 0, &sum);
		fee_memo_stats(rs, &hits, &misses);
		fee_ruleset_free(rs);
		fee_close(fe);
	} else {
		if ((fe = fee_open(argv[1], NULL, &err)) == NULL ||
		    (rs = fee_ruleset(fe, "standard", &err)) == NULL) {
			fprintf(stderr, "fees-bench: %s\n", err);
			return 1;
		}
		if (strcmp(v, "batch") == 0)
			t = bench_batch(rs, 1, &sum);
		else if (strcmp(v, "wide") == 0)
			t = bench_batch(rs, WIDE, &sum);
		else if (strcmp(v, "grouped") == 0)
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
