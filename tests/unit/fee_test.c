/* fee_test.c: the fee engine: sandbox, limits, contract, versions, policies. */
#include "server.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>

struct fixture {
	char dir[64];
	char *rules;
	struct ep_db *db;
	struct fee_engine *fe;
	struct fee_lines lines;
};

static const char *srcdir;

static void
sh(const char *fmt, ...)
{
	va_list ap;
	char cmd[1024];

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

/* A private copy of rules/ and a fresh store for every test. */
static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	char *err = NULL, *path;
	int applied = 0;

	log_init(EP_LOG_ERROR - 1);
	strcpy(f->dir, "/tmp/ep-fee-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	sh("cp -R '%s/rules' '%s/rules'", srcdir, f->dir);
	f->rules = xprintf("%s/rules", f->dir);
	path = xprintf("%s/test.db", f->dir);
	f->db = db_open(path, 1000, &err);
	free(path);
	assert_non_null(f->db);
	assert_int_equal(migrate_core(f->db, &applied, &err), 0);
	f->fe = fee_open(f->rules, f->db, &err);
	assert_non_null(f->fe);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	fee_lines_free(&f->lines);
	fee_close(f->fe);
	db_close(f->db);
	sh("rm -rf '%s'", f->dir);
	free(f->rules);
	free(f);
	return 0;
}

static struct fee_entry
entry(int64_t minutes, const char *date, const char *activity,
    const char *grade)
{
	struct fee_entry e;

	memset(&e, 0, sizeof e);
	e.minutes = minutes;
	e.date = date;
	e.activity = activity;
	e.grade = grade;
	e.basis = "hourly";
	e.consumer = "AVD";
	e.provider = "NRC";
	e.agreement = 1;
	e.vat = 'S';
	return e;
}

/* Loads a fixture from tests/fees and prices one entry with it. */
static int
escape(struct fixture *f, const char *name, char **err)
{
	struct fee_entry e = entry(60, "2025-03-04", "advice", "standard");
	struct fee_ruleset *rs;
	char *path = xprintf("%s/tests/fees/%s.lua", srcdir, name);
	int st;

	rs = fee_load(f->fe, path, 0, err);
	free(path);
	if (rs == NULL)
		return -1;
	st = fee_price(rs, &e, &f->lines, err);
	if (st != FEE_OK) {
		/* Never half a pricing: a failed call leaves no lines. */
		assert_int_equal(f->lines.n, 0);
		assert_int_equal(f->lines.total, 0);
	}
	fee_ruleset_free(rs);
	return st;
}

static void
assert_contains(const char *s, const char *part)
{
	if (s == NULL || strstr(s, part) == NULL)
		fail_msg("\"%s\" does not contain \"%s\"", s ? s : "(null)", part);
}

static void
test_standard_prices(void **state)
{
	struct fixture *f = *state;
	struct fee_entry e = entry(7, "2025-03-04", "advice", "senior");
	struct fee_ruleset *rs;
	char *err = NULL;

	rs = fee_ruleset(f->fe, "standard", &err);
	assert_non_null(rs);
	assert_int_equal(strlen(fee_ruleset_hash(rs)), 64);
	assert_int_equal(fee_price(rs, &e, &f->lines, &err), FEE_OK);
	assert_int_equal(f->lines.n, 1);
	assert_int_equal(f->lines.total, 2200);
	assert_int_equal(f->lines.v[0].quantity, 2);
	assert_int_equal(f->lines.v[0].unit_price, 1100);
	assert_string_equal(f->lines.v[0].unit, "6 min");
	assert_int_equal(f->lines.v[0].vat, 'S');
	e.activity = "travel";
	assert_int_equal(fee_price(rs, &e, &f->lines, &err), FEE_OK);
	assert_int_equal(f->lines.total, 1100);
	e.activity = "advice";
	e.date = "2025-12-25";
	assert_int_equal(fee_price(rs, &e, &f->lines, &err), FEE_OK);
	assert_int_equal(f->lines.total, 3300);
	assert_ptr_equal(fee_ruleset(f->fe, "standard", &err), rs);
}

static void
test_bad_entries_name_the_field(void **state)
{
	struct fixture *f = *state;
	struct fee_entry e = entry(60, "2025-02-29", "advice", "senior");
	struct fee_ruleset *rs = fee_ruleset(f->fe, "standard", NULL);
	char *err = NULL;

	assert_non_null(rs);
	assert_int_equal(fee_price(rs, &e, &f->lines, &err), FEE_E_INPUT);
	assert_contains(err, "date:");
	e.date = "2025-03-04";
	e.minutes = -1;
	assert_int_equal(fee_price(rs, &e, &f->lines, &err), FEE_E_INPUT);
	assert_contains(err, "minutes:");
	e.minutes = 60;
	e.basis = "weekly";
	assert_int_equal(fee_price(rs, &e, &f->lines, &err), FEE_E_INPUT);
	assert_contains(err, "basis:");
	e.basis = "hourly";
	e.grade = "intern";
	assert_int_equal(fee_price(rs, &e, &f->lines, &err), FEE_E_RUNTIME);
	assert_contains(err, "fees/standard.lua:");
	assert_contains(err, "unknown grade");
	free(err);
}

static void
test_engagement_and_invoice(void **state)
{
	struct fixture *f = *state;
	struct fee_engagement_in g;
	struct fee_invoice_in v;
	struct fee_ruleset *rs = fee_ruleset(f->fe, "standard", NULL);
	char *err = NULL;

	assert_non_null(rs);
	memset(&g, 0, sizeof g);
	g.basis = "fixed";
	g.period = "2025-03";
	g.vat = 'S';
	g.fixed_fee = 500000;
	g.bonus = 25000;
	g.budget = -1;
	g.due = "2025-03-31";
	g.completed = "2025-03-20";
	assert_int_equal(fee_engagement(rs, &g, &f->lines, &err), FEE_OK);
	assert_int_equal(f->lines.n, 2);
	assert_int_equal(f->lines.total, 525000);
	memset(&v, 0, sizeof v);
	v.period = "2025-03";
	v.vat = 'O';
	v.subtotal = 300000;
	v.cap = -1;
	v.consumer_before = 1900000;
	assert_int_equal(fee_invoice(rs, &v, &f->lines, &err), FEE_OK);
	assert_int_equal(f->lines.total, -10000);
	assert_int_equal(f->lines.vat, 'O');
	assert_true(strlen(f->lines.vat_reason) > 0);
	v.period = "2025-13";
	assert_int_equal(fee_invoice(rs, &v, &f->lines, &err), FEE_E_INPUT);
	assert_contains(err, "period:");
	free(err);
}

/* Every escape attempt is refused with a stable code and a location. */
static void
test_escapes(void **state)
{
	static const struct {
		const char *name;
		int status;
		const char *message;
	} cases[] = {
		{ "os_execute", FEE_E_RUNTIME, "os_execute.lua:3:" },
		{ "bytecode", FEE_E_RUNTIME, "binary chunk" },
		{ "string_rep", FEE_E_LIMIT, "string.rep: would make more than "
		    "1048576 bytes" },
		{ "c_work", FEE_E_LIMIT, "c_work.lua:6: string.find: work limit "
		    "reached" },
		{ "memory_loop", FEE_E_MEMORY, "memory limit reached" },
		{ "endless", FEE_E_LIMIT, "instruction limit reached" },
		{ "float_amount", FEE_E_CONTRACT, "float_amount.lua:3: amount "
		    "must be an integer, not the float 12750.0" },
		{ "return_float", FEE_E_CONTRACT, "price returned a number" },
		{ "negative", FEE_E_CONTRACT, "negative.lua:3: amount must not "
		    "be negative" },
	};
	struct fixture *f = *state;
	char *err = NULL;
	size_t i;

	for (i = 0; i < nitems(cases); i++) {
		int st = escape(f, cases[i].name, &err);

		if (st != cases[i].status)
			fail_msg("%s: status %s, want %s: %s", cases[i].name,
			    fee_status_name(st), fee_status_name(cases[i].status),
			    err);
		assert_contains(err, cases[i].message);
	}
	assert_int_equal(access("/tmp/expertpool-escaped", F_OK), -1);
	free(err);
}

static void
test_deep_recursion(void **state)
{
	struct fixture *f = *state;
	char *err = NULL;
	int st = escape(f, "recursion", &err);

	if (st != FEE_E_RUNTIME && st != FEE_E_MEMORY)
		fail_msg("recursion: %s: %s", fee_status_name(st), err);
	assert_contains(err, "recursion.lua:");
	free(err);
}

/* Load-time refusals: the file and line, never a half-loaded rule set. */
static void
test_refused_at_load(void **state)
{
	static const struct {
		const char *name;
		const char *message;
	} cases[] = {
		{ "io_open", "io_open.lua:2:" },
		{ "require_os", "no module \"os\"" },
		{ "require_path", "no module \"../../etc/passwd\"" },
		{ "syntax", "syntax.lua:3:" },
		{ "no_price", "no price function" },
		/* Work in C, which no count hook sees, and a finalizer, which
		 * runs with hooks off: refused as the file loads, by line. */
		{ "pattern_bomb", "pattern_bomb.lua:3: string.find: a pattern "
		    "with 4 repetitions (*, + or -) at most, not 30" },
		{ "gc_loop", "gc_loop.lua:3: setmetatable: a finalizer (__gc) "
		    "is not allowed" },
		/* An error raised inside a library function names the line
		 * that called it. */
		{ "rep_inf", "rep_inf.lua:3: bad argument #2 to 'string.rep'" },
		/* The parser's nesting limit names the file. */
		{ "nesting", "nesting.lua: " },
	};
	struct fixture *f = *state;
	char *err = NULL, *path;
	size_t i;

	for (i = 0; i < nitems(cases); i++) {
		assert_int_equal(escape(f, cases[i].name, &err), -1);
		assert_contains(err, cases[i].message);
	}
	path = xprintf("%s/bin.lua", f->dir);
	sh("printf '\\033LuaT\\000' > '%s'", path);
	assert_null(fee_load(f->fe, path, 0, &err));
	assert_contains(err, "binary chunk");
	free(path);
	free(err);
}

static void
test_allow_list(void **state)
{
	struct fixture *f = *state;
	char *err = NULL;

	assert_int_equal(escape(f, "allowlist", &err), FEE_OK);
	assert_int_equal(f->lines.total, 1);
	free(err);
}

/*
 * Prices are cached, so price must keep no state between calls: a rule set
 * whose test entries price differently a second time is refused, at load
 * and by fees check, naming the file and the case.
 */
static void
test_stateful_refused(void **state)
{
	struct fixture *f = *state;
	char *err = NULL, *path;
	int n = -1;

	path = xprintf("%s/tests/fees/stateful.lua", srcdir);
	assert_null(fee_load(f->fe, path, 1, &err));
	assert_contains(err, "fees/stateful.lua: price keeps state between "
	    "calls");
	assert_contains(err, "case \"so is an hour of drafting\" priced 102 "
	    "pence, then 103 pence");
	assert_int_equal(fee_check(f->fe, path, &n, &err), FEE_E_TEST);
	assert_contains(err, "must be a pure function of entry and ctx");
	free(path);
	free(err);
}

/*
 * prepare is held to price's promise: the test run's second look calls it
 * afresh, so one that keeps state is refused, and so is a price that
 * changes what prepare returned.
 */
static void
test_prepare_stateful_refused(void **state)
{
	static const char *const names[] = { "prepare_stateful",
	    "terms_changed" };
	struct fixture *f = *state;
	char *err = NULL, *path;
	size_t i;

	for (i = 0; i < nitems(names); i++) {
		path = xprintf("%s/tests/fees/%s.lua", srcdir, names[i]);
		assert_null(fee_load(f->fe, path, 1, &err));
		assert_contains(err, "price keeps state between calls");
		free(path);
	}
	free(err);
}

/* Same entries, same rule set: same pence, twice and after a reload. */
static void
test_deterministic(void **state)
{
	static const char *const acts[] = { "advice", "travel", "drafting" };
	static const char *const grades[] = { "junior", "standard", "senior",
	    "principal" };
	struct fixture *f = *state;
	struct fee_ruleset *rs;
	char *err = NULL, date[11], hash[65];
	int64_t sums[3] = { 0, 0, 0 };
	int run, i;

	for (run = 0; run < 3; run++) {
		rs = fee_ruleset(f->fe, "standard", &err);
		assert_non_null(rs);
		if (run == 0)
			snprintf(hash, sizeof hash, "%s", fee_ruleset_hash(rs));
		assert_string_equal(fee_ruleset_hash(rs), hash);
		for (i = 0; i < 2000; i++) {
			struct fee_entry e;

			snprintf(date, sizeof date, "2025-%02d-%02d", i % 12 + 1,
			    i % 28 + 1);
			e = entry(i % 500, date, acts[i % 3], grades[i % 4]);
			e.out_of_hours = i % 7 == 0;
			assert_int_equal(fee_price(rs, &e, &f->lines, &err), FEE_OK);
			sums[run] += f->lines.total;
		}
		if (run == 1)
			assert_int_equal(fee_reload(f->fe, &err), 0);
	}
	assert_true(sums[0] > 0);
	assert_int_equal(sums[0], sums[1]);
	assert_int_equal(sums[0], sums[2]);
	free(err);
}

/*
 * A batch prices each entry as fee_price does, strings interned or not
 * (more distinct activities than the intern table holds), and fails whole,
 * naming the entry; each entry keeps its own instruction budget.
 */
static void
test_batch(void **state)
{
	static const char *const grades[] = { "junior", "standard", "senior",
	    "principal" };
	enum { N = 1200 };
	struct fixture *f = *state;
	struct fee_ruleset *rs, *endless;
	struct fee_entry *v = xcalloc(N, sizeof *v);
	struct fee_lines *out = xcalloc(N, sizeof *out);
	char (*dates)[11] = xcalloc(N, sizeof *dates);
	char (*acts)[16] = xcalloc(N, sizeof *acts);
	char *err = NULL, *path;
	size_t failed = 99, i;

	rs = fee_ruleset(f->fe, "standard", &err);
	assert_non_null(rs);
	for (i = 0; i < N; i++) {
		snprintf(dates[i], sizeof dates[i], "2025-%02zu-%02zu", i % 12 + 1,
		    i % 28 + 1);
		snprintf(acts[i], sizeof acts[i], i % 3 ? "advice" : "act%zu", i);
		v[i] = entry((int64_t)(i * 13 % 500), dates[i], acts[i],
		    grades[i % 4]);
		v[i].out_of_hours = i % 7 == 0;
		v[i].vat = i % 5 == 0 ? 'O' : 'S';
	}
	assert_int_equal(fee_price_batch(rs, v, N, out, &failed, &err), FEE_OK);
	for (i = 0; i < N; i++) {
		assert_int_equal(fee_price(rs, &v[i], &f->lines, &err), FEE_OK);
		assert_int_equal(out[i].n, f->lines.n);
		assert_int_equal(out[i].total, f->lines.total);
		if (out[i].n > 0) {
			assert_string_equal(out[i].v[0].description,
			    f->lines.v[0].description);
			assert_int_equal(out[i].v[0].vat, v[i].vat);
		}
	}

	v[17].basis = "weekly";
	assert_int_equal(fee_price_batch(rs, v, N, out, &failed, &err),
	    FEE_E_INPUT);
	assert_int_equal(failed, 17);
	assert_contains(err, "basis:");
	for (i = 0; i < N; i++)
		assert_int_equal(out[i].n, 0);
	v[17].basis = "hourly";

	path = xprintf("%s/tests/fees/endless.lua", srcdir);
	endless = fee_load(f->fe, path, 0, &err);
	free(path);
	assert_non_null(endless);
	assert_int_equal(fee_price_batch(endless, v, 3, out, &failed, &err),
	    FEE_E_LIMIT);
	assert_int_equal(failed, 0);
	assert_contains(err, "instruction limit reached");
	fee_ruleset_free(endless);

	for (i = 0; i < N; i++)
		fee_lines_free(&out[i]);
	free(out);
	free(v);
	free(dates);
	free(acts);
	free(err);
}

/*
 * A large batch is priced uncounted, chunk by chunk, and the outcome is
 * still the counted one: an entry that never returns is stopped and
 * named, one that runs past its budget and then returns is refused all
 * the same, and one within its budget prices as fee_price prices it.
 */
static void
test_batch_uncounted(void **state)
{
	enum { N = 3000 };
	struct fixture *f = *state;
	struct fee_ruleset *rs;
	struct fee_entry *v = xcalloc(N, sizeof *v);
	struct fee_lines *out = xcalloc(N, sizeof *out);
	char *err = NULL, *path;
	size_t failed = 99, i;

	path = xprintf("%s/tests/fees/slow_one.lua", srcdir);
	rs = fee_load(f->fe, path, 0, &err);
	free(path);
	assert_non_null(rs);
	for (i = 0; i < N; i++)
		v[i] = entry((int64_t)(i % 500 + 1), "2025-03-04", "advice",
		    "standard");
	v[2100].minutes = 1003;
	assert_int_equal(fee_price_batch(rs, v, N, out, &failed, &err), FEE_OK);
	for (i = 0; i < N; i++) {
		assert_int_equal(out[i].n, 1);
		assert_int_equal(out[i].total, v[i].minutes);
	}
	assert_int_equal(fee_price(rs, &v[2100], &f->lines, &err), FEE_OK);
	assert_int_equal(f->lines.total, 1003);

	v[1700].minutes = 1002;
	assert_int_equal(fee_price_batch(rs, v, N, out, &failed, &err),
	    FEE_E_LIMIT);
	assert_int_equal(failed, 1700);
	assert_contains(err, "slow_one.lua:");
	assert_contains(err, "instruction limit reached");
	for (i = 0; i < N; i++)
		assert_int_equal(out[i].n, 0);
	assert_int_equal(fee_price(rs, &v[1700], &f->lines, &err),
	    FEE_E_LIMIT);

	v[1700].minutes = 1;
	v[2500].minutes = 1001;
	assert_int_equal(fee_price_batch(rs, v, N, out, &failed, &err),
	    FEE_E_LIMIT);
	assert_int_equal(failed, 2500);
	assert_contains(err, "instruction limit reached");

	v[2500].minutes = 1;
	assert_int_equal(fee_price_batch(rs, v, N, out, &failed, &err), FEE_OK);
	assert_int_equal(out[2500].total, 1);
	fee_ruleset_free(rs);
	for (i = 0; i < N; i++)
		fee_lines_free(&out[i]);
	free(out);
	free(v);
	free(err);
}

/*
 * A rule set's prepare runs once for each group of entries (an
 * engagement's fields), sees those fields and ctx.vat only, and what it
 * returns is price's fourth argument, kept for the same group later;
 * when it fails, the batch fails at the group's first entry.
 */
static void
test_prepare(void **state)
{
	enum { N = 8 };
	struct fixture *f = *state;
	struct fee_ruleset *rs;
	struct fee_entry v[N];
	struct fee_lines out[N];
	char *err = NULL, *path;
	size_t failed, i;

	path = xprintf("%s/tests/fees/prepared.lua", srcdir);
	rs = fee_load(f->fe, path, 0, &err);
	free(path);
	assert_non_null(rs);
	memset(out, 0, sizeof out);
	for (i = 0; i < N; i++) {
		v[i] = entry((int64_t)i + 1, i % 2 ? "2025-03-04" : "2025-03-05",
		    i % 3 ? "advice" : "drafting", i < N / 2 ? "junior" : "senior");
		v[i].vat = i < N / 2 ? 'S' : 'O';
		v[i].calendar = i < N / 2 ? NULL : "scotland";
	}
	v[N - 1].consumer = NULL;	/* a third group */
	assert_int_equal(fee_price_batch(rs, v, N, out, &failed, &err), FEE_OK);
	for (i = 0; i < N; i++) {
		assert_int_equal(out[i].n, 1);
		assert_int_equal(out[i].v[0].quantity,
		    i < N / 2 ? 1 : i < N - 1 ? 2 : 3);
	}
	assert_string_equal(out[0].v[0].description,
	    "junior/hourly/AVD/england-and-wales agreement,basis,calendar,"
	    "consumer,grade,provider,ctx.vat=S");
	assert_string_equal(out[N / 2].v[0].description,
	    "senior/hourly/AVD/scotland agreement,basis,calendar,consumer,"
	    "grade,provider,ctx.vat=O");
	assert_string_equal(out[N - 1].v[0].description,
	    "senior/hourly/nil/scotland agreement,basis,calendar,grade,"
	    "provider,ctx.vat=O");
	/* New entries (not in the price cache) of the same groups: what
	 * prepare returned the first time, but for a group not seen. */
	for (i = 0; i < N; i++)
		v[i].minutes += 100;
	v[0].agreement = 2;
	assert_int_equal(fee_price_batch(rs, v, N, out, &failed, &err), FEE_OK);
	for (i = 0; i < N; i++)
		assert_int_equal(out[i].v[0].quantity,
		    i == 0 ? 4 : i < N / 2 ? 1 : i < N - 1 ? 2 : 3);
	v[0].agreement = 1;

	v[5].grade = "broken";
	assert_int_equal(fee_price_batch(rs, v, N, out, &failed, &err),
	    FEE_E_RUNTIME);
	assert_int_equal(failed, 5);
	assert_contains(err, "prepared.lua:");
	assert_contains(err, "no terms for this grade");
	fee_ruleset_free(rs);
	for (i = 0; i < N; i++)
		fee_lines_free(&out[i]);
	free(err);
}

/* Wants the lines echo.lua gives entry e: each field as price saw it. */
static void
assert_echo(const struct fee_lines *l, const struct fee_entry *e)
{
	char want[12][FEE_DESC_MAX];
	size_t i;

	snprintf(want[0], sizeof want[0], "minutes=%lld",
	    (long long)e->minutes);
	snprintf(want[1], sizeof want[1], "date=%s", e->date);
	snprintf(want[2], sizeof want[2], "activity=%s", e->activity);
	snprintf(want[3], sizeof want[3], "out_of_hours=%s",
	    e->out_of_hours ? "true" : "false");
	snprintf(want[4], sizeof want[4], "grade=%s", e->grade);
	snprintf(want[5], sizeof want[5], "basis=%s", e->basis);
	snprintf(want[6], sizeof want[6], "consumer=%s",
	    e->consumer ? e->consumer : "nil");
	snprintf(want[7], sizeof want[7], "provider=%s",
	    e->provider ? e->provider : "nil");
	snprintf(want[8], sizeof want[8], "agreement=%lld",
	    (long long)e->agreement);
	snprintf(want[9], sizeof want[9], "calendar=%s",
	    e->calendar ? e->calendar : "england-and-wales");
	snprintf(want[10], sizeof want[10], "vat=%c", e->vat == 'O' ? 'O' : 'S');
	snprintf(want[11], sizeof want[11], "today=%s",
	    e->today ? e->today : e->date);
	assert_int_equal(l->n, nitems(want));
	for (i = 0; i < nitems(want); i++)
		assert_string_equal(l->v[i].description, want[i]);
}

/*
 * Each entry of a batch sees its own fields, whatever price wrote into
 * entry and ctx before, whatever the entry before held (a group field
 * gone to nil and back to the same text), after the caller rewrote a
 * string in place between calls, and after a batch refused half way,
 * once an entry's new grade had been taken.
 */
static void
test_batch_fields_fresh(void **state)
{
	enum { N = 64 };
	struct fixture *f = *state;
	struct fee_ruleset *rs;
	struct fee_entry v[N], bad;
	struct fee_lines out[N];
	char grade[16], act[16], *err = NULL, *path;
	size_t failed, i;

	path = xprintf("%s/tests/fees/echo.lua", srcdir);
	rs = fee_load(f->fe, path, 0, &err);
	free(path);
	assert_non_null(rs);
	memset(out, 0, sizeof out);
	strcpy(grade, "junior");
	strcpy(act, "drafting");
	for (i = 0; i < N; i++) {
		v[i] = entry((int64_t)i, i % 3 ? "2025-03-04" : "2025-03-05",
		    i % 2 ? "advice" : act, grade);
		v[i].consumer = i % 8 == 3 ? NULL : "AVD";
		v[i].provider = i % 16 < 8 ? "NRC" : "CDC";
		v[i].agreement = i < N / 2 ? 1 : 2;
		v[i].vat = i % 5 == 0 ? 'O' : 'S';
		v[i].today = i % 4 == 0 ? "2025-04-01" : NULL;
		v[i].out_of_hours = i % 7 == 0;
		v[i].calendar = i % 6 == 1 ? "scotland" : i % 6 == 4 ?
		    "northern-ireland" : i % 6 == 5 ? "england-and-wales" : NULL;
	}
	/* Uncounted (a large batch), counted (a small one), one by one. */
	assert_int_equal(fee_price_batch(rs, v, N, out, &failed, &err), FEE_OK);
	for (i = 0; i < N; i++)
		assert_echo(&out[i], &v[i]);
	assert_int_equal(fee_price_batch(rs, v, 8, out, &failed, &err), FEE_OK);
	for (i = 0; i < 8; i++)
		assert_echo(&out[i], &v[i]);
	for (i = 0; i < 8; i++) {
		assert_int_equal(fee_price(rs, &v[i], &f->lines, &err), FEE_OK);
		assert_echo(&f->lines, &v[i]);
	}

	strcpy(grade, "senior");
	strcpy(act, "meeting");
	assert_int_equal(fee_price_batch(rs, v, N, out, &failed, &err), FEE_OK);
	for (i = 0; i < N; i++)
		assert_echo(&out[i], &v[i]);
	assert_int_equal(fee_price(rs, &v[N - 1], &f->lines, &err), FEE_OK);
	assert_echo(&f->lines, &v[N - 1]);

	bad = v[N - 1];
	bad.grade = "principal";
	bad.basis = "weekly";
	v[1] = bad;
	assert_int_equal(fee_price_batch(rs, v, 2, out, &failed, &err),
	    FEE_E_INPUT);
	assert_int_equal(failed, 1);
	assert_contains(err, "basis:");
	v[1] = v[N - 1];
	v[1].grade = "principal";
	v[1].minutes = 999;
	assert_int_equal(fee_price(rs, &v[1], &f->lines, &err), FEE_OK);
	assert_echo(&f->lines, &v[1]);

	fee_ruleset_free(rs);
	for (i = 0; i < N; i++)
		fee_lines_free(&out[i]);
	free(err);
}

/*
 * The provider's calendar: one of three names (NULL is England and
 * Wales), refused otherwise alone and in a batch, in the same words; and
 * part of the price cache's key: the same entry in two calendars, two
 * prices, in a batch large enough to run from the cache.
 */
static void
test_calendar(void **state)
{
	enum { N = 256 };
	struct fixture *f = *state;
	struct fee_entry e = entry(60, "2032-01-02", "advice", "standard");
	struct fee_entry v[N];
	struct fee_lines out[N];
	struct fee_ruleset *rs = fee_ruleset(f->fe, "standard", NULL);
	char *err = NULL;
	size_t failed, i;
	uint64_t hits = 0, misses = 0;

	assert_non_null(rs);
	e.calendar = "wales";
	assert_int_equal(fee_price(rs, &e, &f->lines, &err), FEE_E_INPUT);
	assert_contains(err, "calendar: must be england-and-wales, scotland or "
	    "northern-ireland");
	e.calendar = "";
	assert_int_equal(fee_price(rs, &e, &f->lines, &err), FEE_E_INPUT);
	assert_contains(err, "calendar:");
	e.calendar = NULL;
	assert_int_equal(fee_price(rs, &e, &f->lines, &err), FEE_OK);
	assert_int_equal(f->lines.total, 8500);
	e.calendar = "england-and-wales";
	assert_int_equal(fee_price(rs, &e, &f->lines, &err), FEE_OK);
	assert_int_equal(f->lines.total, 8500);
	e.calendar = "scotland";
	assert_int_equal(fee_price(rs, &e, &f->lines, &err), FEE_OK);
	assert_int_equal(f->lines.total, 12750);
	e.calendar = "northern-ireland";
	assert_int_equal(fee_price(rs, &e, &f->lines, &err), FEE_OK);
	assert_int_equal(f->lines.total, 8500);

	/* Policies see it too, and refuse a bad one in the same words. */
	e.calendar = "ulster";
	assert_int_equal(fee_policy_auto_approve(f->fe, "BRK", &e, &(int){ 0 },
	    &err), FEE_E_INPUT);
	assert_contains(err, "calendar: must be england-and-wales, scotland or "
	    "northern-ireland");

	memset(out, 0, sizeof out);
	for (i = 0; i < N; i++) {
		v[i] = entry(60, "2032-01-02", "advice", "standard");
		v[i].calendar = i % 2 ? "scotland" : "england-and-wales";
	}
	for (i = 0; i < 3; i++) {
		assert_int_equal(fee_price_batch(rs, v, N, out, &failed, &err),
		    FEE_OK);
		assert_int_equal(out[0].total, 8500);
		assert_int_equal(out[1].total, 12750);
		assert_int_equal(out[N - 2].total, 8500);
		assert_int_equal(out[N - 1].total, 12750);
	}
	fee_memo_stats(rs, &hits, &misses);
	assert_true(hits > 0);
	v[7].calendar = "Scotland";
	assert_int_equal(fee_price_batch(rs, v, N, out, &failed, &err),
	    FEE_E_INPUT);
	assert_int_equal(failed, 7);
	assert_contains(err, "calendar: must be england-and-wales, scotland or "
	    "northern-ireland");
	for (i = 0; i < N; i++)
		fee_lines_free(&out[i]);
	free(err);
}

/* The published bank holidays of the three calendars (tests/fees). */
static void
test_holidays_published(void **state)
{
	struct fixture *f = *state;
	char *err = NULL, *path = xprintf("%s/tests/fees/holidays.lua", srcdir);
	int n = 0;

	if (fee_check(f->fe, path, &n, &err) != FEE_OK)
		fail_msg("%s", err);
	assert_true(n >= 9);
	free(path);
	free(err);
}

static int64_t
price_one(struct fixture *f, struct fee_ruleset *rs)
{
	struct fee_entry e = entry(60, "2025-03-04", "advice", "standard");
	char *err = NULL;

	assert_int_equal(fee_price(rs, &e, &f->lines, &err), FEE_OK);
	free(err);
	return f->lines.total;
}

/*
 * A changed rule set becomes active on reload only when it passes its
 * tests; every active version stays in the store and can re-price.
 */
static void
test_versions_and_reload(void **state)
{
	struct fixture *f = *state;
	struct fee_ruleset *rs;
	char *err = NULL, old[65], *path;
	sqlite3_stmt *s;

	rs = fee_ruleset(f->fe, "standard", &err);
	assert_non_null(rs);
	snprintf(old, sizeof old, "%s", fee_ruleset_hash(rs));
	assert_int_equal(price_one(f, rs), 8500);

	/* A rate change its tests do not expect: refused, old one stays. */
	path = xprintf("%s/fees/standard.lua", f->rules);
	sh("sed -i 's/standard = 8500,/standard = 9000,/' '%s'", path);
	assert_int_equal(fee_reload(f->fe, &err), 1);
	assert_contains(err, "standard_test.lua");
	rs = fee_ruleset(f->fe, "standard", &err);
	assert_string_equal(fee_ruleset_hash(rs), old);
	assert_int_equal(price_one(f, rs), 8500);

	/* A change that passes its tests becomes active. */
	sh("sed -i 's/standard = 9000,/standard = 8500,/' '%s'", path);
	sh("printf '%%s\\n' '-- a comment changes the version' >> '%s'", path);
	assert_int_equal(fee_reload(f->fe, &err), 0);
	rs = fee_ruleset(f->fe, "standard", &err);
	assert_string_not_equal(fee_ruleset_hash(rs), old);

	/* The old version comes back from the store, byte for byte. */
	s = db_stmt(f->db, "SELECT count(*) FROM fee_rulesets");
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 2);
	sqlite3_reset(s);
	sh("rm '%s'", path);
	rs = fee_ruleset_version(f->fe, old, &err);
	assert_non_null(rs);
	assert_string_equal(fee_ruleset_hash(rs), old);
	assert_int_equal(price_one(f, rs), 8500);
	assert_null(fee_ruleset_version(f->fe, "00", &err));
	free(path);
	free(err);
}

static void
test_policies(void **state)
{
	struct fixture *f = *state;
	struct fee_entry e = entry(30, "2025-03-04", "advice", "senior");
	struct fee_request r;
	char *err = NULL, cc[64];
	int yes = -1;

	e.consumer = "AVD";
	assert_int_equal(fee_policy_auto_approve(f->fe, "AVD", &e, &yes, &err),
	    FEE_OK);
	assert_int_equal(yes, 1);
	e.minutes = 600;
	assert_int_equal(fee_policy_auto_approve(f->fe, "AVD", &e, &yes, &err),
	    FEE_OK);
	assert_int_equal(yes, 0);
	assert_int_equal(fee_policy_auto_approve(f->fe, "CSC", &e, &yes, &err),
	    FEE_OK);
	assert_int_equal(yes, 0);

	memset(&r, 0, sizeof r);
	r.consumer = "BRK";
	r.area = "legal";
	r.cost_centre = "LEG";
	r.estimate = 600000;
	yes = 0;
	assert_int_equal(fee_policy_po_required(f->fe, "BRK", &r, &yes, &err),
	    FEE_OK);
	assert_int_equal(yes, 1);
	r.estimate = 10000;
	assert_int_equal(fee_policy_po_required(f->fe, "BRK", &r, &yes, &err),
	    FEE_OK);
	assert_int_equal(yes, 0);
	assert_int_equal(fee_policy_cost_centre(f->fe, "BRK", &r, cc, sizeof cc,
	    &err), FEE_OK);
	assert_string_equal(cc, "BRK-4410-LEGAL");
	assert_int_equal(fee_policy_cost_centre(f->fe, "CSC", &r, cc, sizeof cc,
	    &err), FEE_OK);
	assert_string_equal(cc, "LEG");
	assert_int_equal(fee_policy_cost_centre(f->fe, "bad code", &r, cc,
	    sizeof cc, &err), FEE_E_CONTRACT);
	assert_contains(err, "consumer:");

	/* A policy may not set prices. */
	sh("printf 'return { price = function() end }\\n' > '%s/policy/CSC.lua'",
	    f->rules);
	sh("rm -f '%s/policy/XYZ.lua'", f->rules);
	sh("cp '%s/policy/CSC.lua' '%s/policy/XYZ.lua'", f->rules, f->rules);
	assert_int_equal(fee_policy_auto_approve(f->fe, "XYZ", &e, &yes, &err),
	    FEE_E_CONTRACT);
	assert_contains(err, "may not define price");

	/* Reload: a changed overlay is taken, a removed one is gone. */
	e.minutes = 30;
	sh("sed -i 's/AUTO_MINUTES = 60/AUTO_MINUTES = 10/' '%s/policy/AVD.lua'",
	    f->rules);
	sh("rm '%s/policy/BRK.lua'", f->rules);
	assert_int_equal(fee_reload(f->fe, &err), 0);
	assert_int_equal(fee_policy_auto_approve(f->fe, "AVD", &e, &yes, &err),
	    FEE_OK);
	assert_int_equal(yes, 0);
	assert_int_equal(fee_policy_cost_centre(f->fe, "BRK", &r, cc, sizeof cc,
	    &err), FEE_OK);
	assert_string_equal(cc, "LEG");
	free(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_standard_prices, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_entries_name_the_field,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_engagement_and_invoice, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_escapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deep_recursion, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refused_at_load, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_allow_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deterministic, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stateful_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_uncounted, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_batch_fields_fresh, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_prepare, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prepare_stateful_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_versions_and_reload, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_policies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_calendar, setup, teardown),
		cmocka_unit_test_setup_teardown(test_holidays_published, setup,
		    teardown),
	};

	srcdir = getenv("top_srcdir");
	if (srcdir == NULL)
		srcdir = ".";
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("fee", tests, NULL, NULL);
}
