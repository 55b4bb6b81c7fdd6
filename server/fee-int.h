/* fee-int.h: the fee engine's internal header, shared by its files. */
#ifndef EXPERTPOOL_FEE_INT_H
#define EXPERTPOOL_FEE_INT_H

#include "server.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#define FEE_MEMORY_LIMIT ((size_t)32 << 20)
#define FEE_ERROR_SLACK ((size_t)1 << 20)
#define FEE_CALL_BUDGET 1000000
#define FEE_LOAD_BUDGET 50000000
/* Work done inside C functions (string matching, copying, sorting), which
 * no count hook sees, is metered in steps: a call's budget of steps is 16
 * per instruction of its budget, at most FEE_CWORK_MAX. */
#define FEE_CWORK_PER_INSN 16
#define FEE_CWORK_MAX ((uint64_t)1 << 26)
#define FEE_PATTERN_MAX 128	/* bytes in a pattern */
#define FEE_PATTERN_REPS 4	/* *, + and - in a pattern */
#define FEE_REP_MAX ((uint64_t)1 << 20) /* bytes string.rep may make */
#define FEE_MAX_LINES 256
#define FEE_MAX_SOURCE ((size_t)1 << 20)
#define FEE_INTERN_SLOTS 1024	/* a power of two; refilled when half full */
#define FEE_INTERN_MAX 32	/* longer strings are pushed, not interned */
#define FEE_SEEN_BITS 9		/* 512 pointers remembered in front of it */
#define FEE_MEMO_BITS 16	/* slots in a rule set's price cache */
#define FEE_MEMO_BYTES ((size_t)8 << 20) /* its records; cleared when full */
#define FEE_MEMO_KEY 512	/* longest key: fixed part and seven strings */
#define FEE_MEMO_TEXT 64	/* a longer string makes an entry uncached */
#define FEE_MEMO_WARM 16384	/* look-ups before the cache is judged */
#define FEE_MEMO_WINDOW 4096	/* look-ups it is then judged on */
#define FEE_MEMO_KEEP 25	/* hits in a hundred look-ups it must make */
#define FEE_MEMO_REST 65536	/* entries it first sits out when it fails */
#define FEE_MEMO_REST_MAX ((uint32_t)1 << 22)	/* the longest rest */

/*
 * Uncounted runs (see fee_fast_ok): a chunk of a batch is priced with no
 * instruction hook and kept only if it took less thread CPU time than
 * FEE_CALL_BUDGET instructions could take at FEE_FAST_PS picoseconds
 * each: a tenth of the quickest Lua instruction measured here (1.3 ns).
 */
#define FEE_FAST_PS 100
#define FEE_FAST_NSEC ((int64_t)FEE_CALL_BUDGET * FEE_FAST_PS / 1000)
#define FEE_FAST_CHUNK 512	/* entries a chunk starts with */
#define FEE_FAST_MIN 32		/* smaller batches are counted throughout */
#define FEE_FAST_WATCH 50	/* ms of CPU time before the watchdog fires */

/*
 * The watchdog is Linux's: a timer on this thread's CPU time signalling
 * this thread (configure checks for each part). glibc names the thread's
 * field sigev_notify_thread_id only from 2.41, before that only privately.
 */
#if defined(HAVE_GETTID) && defined(HAVE_TIMER_CREATE) && \
    HAVE_DECL_SIGEV_THREAD_ID && HAVE_DECL_CLOCK_THREAD_CPUTIME_ID
#if defined(HAVE_STRUCT_SIGEVENT_SIGEV_NOTIFY_THREAD_ID)
#define FEE_WATCHDOG 1
#define FEE_SIGEV_TID(ev) ((ev)->sigev_notify_thread_id)
#elif defined(HAVE_STRUCT_SIGEVENT__SIGEV_UN__TID)
#define FEE_WATCHDOG 1
#define FEE_SIGEV_TID(ev) ((ev)->_sigev_un._tid)
#endif
#endif

/* What an interned string has been checked to be, as an entry field. */
#define FEE_AS_TEXT 0x1		/* activity, grade: 1 to 32 bytes */
#define FEE_AS_DATE 0x2		/* YYYY-MM-DD */
#define FEE_AS_BASIS 0x4	/* hourly, daily, fixed or capped */
#define FEE_AS_ANY 0x8		/* consumer, provider, vat: anything */
#define FEE_AS_CALENDAR 0x10	/* one of fee_calendars */

/*
 * The entry's string fields, in the order nxt() checks them: those that
 * change from entry to entry, then the engagement's (its group).
 */
enum fee_field {
	FEE_F_DATE, FEE_F_TODAY, FEE_F_ACTIVITY, FEE_F_GRADE, FEE_F_BASIS,
	FEE_F_CONSUMER, FEE_F_PROVIDER, FEE_F_CALENDAR, FEE_NFIELDS
};

/*
 * What a field held in the last entry: when the next entry holds the
 * same text, nxt() returns the same interned string again, or for a group
 * field nothing, with no hash, look-up or check. Within one call the
 * caller's strings cannot change, so the caller's pointer it last matched
 * stands for the text until the call returns.
 */
struct fee_last {
	int kept;		/* 1: the text last taken is interned; 2: nil */
	const char *p;		/* that text in the caller's entries, this call */
	size_t slot;		/* its slot and index in the intern table, */
	int idx;		/* while the table is not */
	unsigned epoch;		/* started again */
};

/*
 * A string the entry path has turned into a Lua string once: the state
 * keeps it at index idx of the table nxt() holds, so pushing it again is
 * an array read, not a hash and intern.
 */
struct fee_intern {
	uint32_t hash;
	int idx;		/* 0: the slot is free */
	unsigned char len;
	unsigned char as;	/* FEE_AS_* it has passed */
	char s[FEE_INTERN_MAX + 1];
};

/*
 * Where a caller's string pointer was last interned: checked by content,
 * unless it was seen in the pricing call under way (see fee_last).
 */
struct fee_seen {
	const char *p;
	size_t slot;
	uint64_t call;
};

/*
 * One priced entry in the cache: its lines, then its key (every input
 * price sees, from fee_memo_key), padded to 8 bytes.
 */
struct fee_memo_rec {
	uint64_t hash;
	uint32_t keylen;
	uint32_t nlines;
	int64_t total;
	struct fee_line lines[];
};

/*
 * The price cache of one rule-set version: price is a pure function of
 * entry and ctx (the contract; fee_run_tests checks it), so an entry
 * priced once need not run again. Records live in one arena; when it or
 * the table fills, everything is dropped and the cache starts again.
 */
struct fee_memo {
	struct fee_memo_slot {
		uint64_t hash;		/* probes compare it before the record */
		struct fee_memo_rec *rec;
	} *slot;			/* 1 << FEE_MEMO_BITS, open addressing */
	unsigned char *arena;		/* FEE_MEMO_BYTES */
	size_t used;
	size_t n;
	uint64_t hits, misses;
	uint64_t lookups;
	uint32_t window, window_hits;	/* look-ups and hits since judged */
	uint32_t rest;			/* entries left to sit out */
	uint32_t next_rest;		/* the next rest, doubled each time */
	const struct fee_entry *missed;	/* the last entry looked up in vain, */
	unsigned char key[FEE_MEMO_KEY]; /* its key, */
	size_t keylen;
	uint64_t hash;			/* and hash, for fee_memo_put */
};

/* A t.price call in a test run and its lines, to price again later. */
struct fee_replay {
	struct fee_entry e;
	char *text[8];		/* the entry's strings, owned */
	struct fee_lines lines;
	int ncase;		/* the test case it came from, from 1 */
};

struct fee_module {
	char *name;
	char *source;
	size_t len;
};

/* What bounds the call under way (fee-limits.c). */
struct fee_limits {
	size_t mem;		/* bytes the state holds */
	size_t mem_limit;
	uint64_t cwork;		/* steps of work done in C this call */
	uint64_t cwork_limit;	/* the call's budget of them */
	int spent;
	int oom;
	int in_error;
	int contract;
	int input;
	int depth;		/* fee_vm_pcall calls under way */
};

/* The batch nxt() hands out (fee.c, fee-intern.c). */
struct fee_batch {
	const struct fee_entry *v;	/* the entries being priced */
	struct fee_lines *out;		/* their lines */
	size_t n;
	size_t i;			/* the next entry nxt() hands out */
	size_t stop;			/* nxt hands out entries up to here */
	int budget;			/* each entry gets its own budget */
};

/*
 * What lines:add writes to, and the strings it accepted last (fee.c):
 * unit and vat the last one each, upvalues 2 and 3 of lines:add; the
 * descriptions, which a rule set cycles through (one per activity), by
 * address in FEE_KEPT_DESC slots of the table at upvalue 1.
 */
#define FEE_KEPT_DESC 64	/* a power of two */
struct fee_add {
	struct fee_lines *out;
	int negative_ok;
	struct fee_kept {
		const void *obj;	/* the string, kept alive as said above, */
		const char *s;		/* its text and length */
		size_t len;
	} kept[3], desc[FEE_KEPT_DESC];	/* kept[0] unused */
};

/* The price cache as the state uses it (fee-memo.c). */
struct fee_cache {
	int on;				/* cache prices (not in test runs) */
	struct fee_memo *memo;		/* made on first use */
	size_t checked;			/* batch entries looked up so far */
	int pending;			/* the last one went to price: keep it */
};

/* A test run's t.price calls, to price again (fee-harness.c). */
struct fee_testrun {
	struct fee_replay *replay;
	size_t nreplay;
	int ncase;			/* the case under way, from 1 */
	struct fee_lines scratch;
};

/* The state's registry references (fee-sandbox.c). */
struct fee_refs {
	int msgh, rules, price, entry, ctx, lines, period_ctx, base, loaded;
};

/* Uncounted runs and their watchdog (fee-watchdog.c). */
struct fee_watch {
	int fast;			/* an uncounted run (fee_fast_ok) */
	volatile sig_atomic_t armed;	/* the watchdog may fire */
	volatile sig_atomic_t fired;	/* it did */
	size_t chunk_start, chunk_len;	/* the chunk being priced */
	int64_t chunk_wall;		/* the monotonic clock at its start, ns */
	int64_t cpu_mark;		/* thread CPU time no later than that */
	size_t npriced;
#ifdef FEE_WATCHDOG
	timer_t timer;			/* the watchdog, on thread timer_tid */
	pid_t timer_tid;
#endif
	size_t priced[FEE_FAST_CHUNK];	/* the chunk's entries price ran for */
};

/*
 * What prepare returned for a group (fee-intern.c), by the group's
 * interned strings (-1 for nil), VAT and agreement; the value itself is
 * at index slot + 1 of the table grp() holds.
 */
#define FEE_PREP_SLOTS 256	/* a power of two */
#define FEE_PREP_PROBE 4	/* slots a group may take */
struct fee_prep {
	int used;
	int idx[5];		/* grade, basis, consumer, provider, calendar */
	char vat;
	int64_t agreement;
	unsigned epoch;		/* the intern table's, when kept */
};

/*
 * The entry path's interned strings and what the last entry held
 * (fee-intern.c); a group's fields are valid while the intern table is
 * not started again (epoch).
 */
struct fee_names {
	struct fee_intern *intern;
	int nintern;
	unsigned epoch;			/* bumped when the table starts again */
	uint64_t call;			/* the pricing call under way */
	lua_Integer group;		/* bumped when a group field changes */
	lua_Integer group_given;	/* the one grp() last handed out */
	int group_idx[FEE_NFIELDS];	/* their interned strings */
	unsigned group_epoch[FEE_NFIELDS];
	char group_vat;
	int64_t group_agreement;
	int group_known;
	/* The group fields of the last entry nxt() took whole, as the
	 * caller's pointers: valid this call, while gp_call is it. */
	const char *gp[5];
	char gp_vat;
	int64_t gp_agreement;
	uint64_t gp_call;
	struct fee_prep prep[FEE_PREP_SLOTS];
	struct fee_last last[FEE_NFIELDS];
	struct fee_seen seen[1 << FEE_SEEN_BITS];
};

/*
 * One Lua state and what bounds it; extra space points back here. The
 * parts every call reads come first, the large arrays last.
 */
struct fee_vm {
	lua_State *L;
	struct fee_ruleset *rs;
	struct fee_limits lim;
	struct fee_batch batch;
	struct fee_add add;
	struct fee_cache cache;
	struct fee_refs ref;
	struct fee_testrun test;
	struct fee_watch watch;
	struct fee_names names;
};

struct fee_ruleset {
	struct fee_engine *fe;
	char *name;
	char *path;
	char *chunk;
	char *source;
	size_t len;
	struct fee_module *mods;
	size_t nmods;
	int from_store;
	int policy;
	int missing;
	char hash[65];
	struct fee_vm vm;
	struct fee_ruleset *next;
};

struct fee_engine {
	char *dir;
	struct ep_db *db;
	struct fee_ruleset *active;
	struct fee_ruleset *versions;
	struct fee_ruleset *policies;
};

/* The one wording of a refused calendar, from C and from nxt(). */
#define FEE_CALENDAR_ERROR "calendar: must be england-and-wales, scotland " \
	"or northern-ireland"

/* The state a Lua call runs in: extra space points back to it. */
static inline struct fee_vm *
fee_vm_of(lua_State *L)
{
	return *(struct fee_vm **)lua_getextraspace(L);
}

/* Empties lines for reuse, keeping their array. */
static inline void
fee_lines_reset(struct fee_lines *l, char vat)
{
	l->n = 0;
	l->total = 0;
	l->vat = vat;
	l->vat_reason[0] = '\0';
}

/* An entry's calendar as the rules see it: NULL is England and Wales. */
static inline const char *
fee_calendar_of(const struct fee_entry *e)
{
	return e->calendar != NULL ? e->calendar : fee_calendars[0][0];
}

/* fee.c */
void fee_set_error(char **err, const char *fmt, ...) EP_PRINTF(2, 3);
char *fee_read_file(const char *path, size_t *len);
char *fee_chunk_name(const char *path);
int64_t fee_arg_int(lua_State *L, int i, const char *what);
int fee_lua_add(lua_State *L);
void fee_set_text(lua_State *L, int t, const char *k, const char *v);
void fee_set_int(lua_State *L, int t, const char *k, int64_t v);
void fee_set_vat(lua_State *L, int t, char vat);
int fee_entry_check(const struct fee_entry *e, char **err);
void fee_fill_entry(lua_State *L, const struct fee_entry *e);
void fee_fill_ctx(lua_State *L, char vat, const char *today,
    const char *period);
int fee_push_fn(struct fee_vm *vm, const char *fn);
int fee_vm_run(struct fee_vm *vm, size_t start, size_t stop, char **err);
int fee_vm_price(struct fee_vm *vm, const struct fee_entry *v, size_t n,
    struct fee_lines *out, size_t *failed, char **err);
int fee_vm_engagement(struct fee_vm *vm, const struct fee_engagement_in *eng,
    struct fee_lines *out, char **err);
int fee_vm_invoice(struct fee_vm *vm, const struct fee_invoice_in *inv,
    struct fee_lines *out, char **err);

/* fee-harness.c */
int fee_run_tests(struct fee_ruleset *rs, const char *test_path, int *ncases,
    char **err);
void fee_replay_free(struct fee_vm *vm);

/* fee-intern.c */
void fee_last_forget(struct fee_vm *vm);
void fee_prep_forget(struct fee_vm *vm);
int fee_driver(struct fee_vm *vm);

/* fee-limits.c */
void *fee_alloc(void *ud, void *ptr, size_t osize, size_t nsize);
void fee_hook(lua_State *L, lua_Debug *ar);
int fee_contract(lua_State *L, const char *fmt, ...);
int fee_has_where(const char *msg);
int fee_msgh(lua_State *L);
int fee_vm_pcall(struct fee_vm *vm, int nargs, int nres, int msgh,
    int budget, char **err);
void fee_meter_all(lua_State *L, const char *lib);

/* fee-memo.c */
void fee_memo_clear(struct fee_memo *m);
void fee_memo_free(struct fee_memo *m);
void fee_memo_put(struct fee_memo *m, const struct fee_entry *e,
    const struct fee_lines *l);
void fee_memo_serve(struct fee_vm *vm);
struct fee_memo *fee_memo_of(struct fee_vm *vm);

/* fee-policy.c: the fee_policy_* calls in server.h. */
struct fee_ruleset *fee_policy(struct fee_engine *fe, const char *code,
    char **err);

/* fee-sandbox.c */
int fee_load_chunk(lua_State *L, struct fee_vm *vm, const char *src,
    size_t len, const char *chunk);
int fee_vm_open(struct fee_vm *vm, struct fee_ruleset *rs, char **err);
void fee_vm_close(struct fee_vm *vm);

/* fee-store.c */
struct fee_ruleset *fee_ruleset_new(struct fee_engine *fe, const char *name,
    const char *path);
void fee_ruleset_destroy(struct fee_ruleset *rs);
struct fee_ruleset *fee_load_kind(struct fee_engine *fe, const char *path,
    int run_tests, int policy, char **err);
int fee_valid_name(const char *name, int upper);

/* fee-watchdog.c */
int fee_fast_ok(struct fee_vm *vm, size_t n);
void fee_fast_step(lua_State *L, struct fee_vm *vm);
size_t fee_vm_run_fast(struct fee_vm *vm, size_t start, size_t n);
void fee_fast_close(struct fee_vm *vm);

#endif
