/*
 * lua_fuzz.c: the fee engine (server/fee*.c) with any rule set and any
 * entry, through the path the server takes: the rule text is loaded from a
 * file (fee_load), then an entry is priced (fee_price). The input's first
 * line is the entry, "MINUTES DATE ACTIVITY OOH GRADE BASIS CALENDAR" (any
 * missing word is left as the standard entry has it), the rest is the
 * rule set's source.
 * Invariants: a refused rule set or entry says why, naming the file; a
 * priced entry's lines are whole pence (integers by type) whose amounts add
 * up to the total, each with a VAT category S, Z, E or O; and every input
 * is done, load and price together, within the bound below, whatever the
 * script does in Lua or in C.
 */
#include "server.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"

/* Seconds of CPU an input may use under the sanitizers; the engine's own
 * limits stop a script long before it, and without sanitizers within a
 * tenth. CPU, not the wall clock: on a busy machine an input waits for a
 * core without using more of one. */
#define LUA_FUZZ_BOUND 3.0

/* Each input runs a script, some of them to the engine's limits. */
const long fuzz_mutations = 2000;

static struct ep_db *db;
static struct fee_engine *fe;
static char dir[64], *rules;

static void
cleanup(void)
{
	char cmd[128];

	fee_close(fe);
	db_close(db);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "lua_fuzz: cannot remove %s\n", dir);
	free(rules);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *top = getenv("top_srcdir");
	char *err = NULL, *path, *rules_dir;
	int applied = 0;

	(void)argc;
	(void)argv;
	log_init(EP_LOG_ERROR - 1);
	snprintf(dir, sizeof dir, "/tmp/ep-lua-fuzz-XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	path = xprintf("%s/store.db", dir);
	db = db_open(path, 1000, &err);
	free(path);
	if (db == NULL || migrate_core(db, &applied, &err) != 0) {
		fprintf(stderr, "lua_fuzz: %s\n", err ? err : "no store");
		abort();
	}
	rules_dir = xprintf("%s/rules", top ? top : ".");
	if ((fe = fee_open(rules_dir, db, &err)) == NULL) {
		fprintf(stderr, "lua_fuzz: %s (set top_srcdir)\n", err);
		abort();
	}
	free(rules_dir);
	rules = xprintf("%s/fuzz.lua", dir);
	atexit(cleanup);
	return 0;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
check_lines(const struct fee_lines *l)
{
	int64_t sum = 0;
	size_t i;

	for (i = 0; i < l->n; i++) {
		FUZZ_ASSERT(strchr("SZEO", l->v[i].vat) != NULL &&
		    l->v[i].vat != '\0');
		FUZZ_ASSERT(!__builtin_add_overflow(sum, l->v[i].amount, &sum));
		FUZZ_ASSERT(memchr(l->v[i].description, '\0',
		    sizeof l->v[i].description) != NULL);
	}
	FUZZ_ASSERT(sum == l->total);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *head, *src, *word[7] = { NULL }, *save = NULL, *err = NULL, *w;
	struct fee_lines lines = { 0 };
	struct fee_ruleset *rs;
	struct fee_entry e;
	double t0 = now();
	int i, rc;
	FILE *f;

	fuzz_split(data, size, &head, &src);
	for (i = 0, w = strtok_r(head, " ", &save); w != NULL && i < 7;
	    w = strtok_r(NULL, " ", &save))
		word[i++] = w;
	memset(&e, 0, sizeof e);
	e.minutes = word[0] ? strtoll(word[0], NULL, 10) : 60;
	e.date = word[1] ? word[1] : "2026-03-04";
	e.activity = word[2] ? word[2] : "advice";
	e.out_of_hours = word[3] ? atoi(word[3]) != 0 : 0;
	e.grade = word[4] ? word[4] : "standard";
	e.basis = word[5] ? word[5] : "hourly";
	e.calendar = word[6];
	e.consumer = "AVD";
	e.provider = "NRC";
	e.agreement = 1;
	e.vat = 'S';
	if ((f = fopen(rules, "wb")) == NULL)
		abort();
	fwrite(src, 1, strlen(src), f);
	fclose(f);
	rs = fee_load(fe, rules, 0, &err);
	if (rs == NULL) {
		if (err == NULL || strstr(err, "fuzz.lua") == NULL)
			fprintf(stderr, "lua_fuzz: refused as \"%s\"\n",
			    err ? err : "(nothing)");
		FUZZ_ASSERT(err != NULL && strstr(err, "fuzz.lua") != NULL);
		goto out;
	}
	rc = fee_price(rs, &e, &lines, &err);
	if (rc != FEE_OK)
		FUZZ_ASSERT(err != NULL && *err != '\0');
	else
		check_lines(&lines);
	fee_ruleset_free(rs);
out:
	if (now() - t0 > LUA_FUZZ_BOUND) {
		fprintf(stderr, "lua_fuzz: an input used %.2f s of CPU\n",
		    now() - t0);
		FUZZ_ASSERT(!"an input finishes within the bound");
	}
	fee_lines_free(&lines);
	free(err);
	free(head);
	free(src);
	return 0;
}
