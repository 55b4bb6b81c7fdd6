/* db.c: store connections: pragmas, the busy handler and the statement cache. */
#include "server.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

struct db_cache_slot {
	uint64_t hash;
	char *sql;
	sqlite3_stmt *stmt;
};

static atomic_uint_fast64_t db_retries;
static _Atomic uint64_t db_serials;

/* FNV-1a: the cache key; the SQL text itself is compared on a hit. */
static uint64_t
db_hash(const char *s)
{
	uint64_t h = 1469598103934665603u;

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 1099511628211u;
	}
	return h;
}

/* Waits with a growing sleep and counts each retry for /metrics. */
static int
db_busy_cb(void *arg, int count)
{
	const struct ep_db *db = arg;
	struct timespec ts;
	int64_t waited_ms = 0;
	int64_t step;
	int i;

	if (db->nowait)
		return 0;
	for (i = 0; i < count; i++)
		waited_ms += i < 10 ? i + 1 : 10;
	if (waited_ms >= db->busy_timeout_ms)
		return 0;
	atomic_fetch_add(&db_retries, 1);
	step = count < 10 ? count + 1 : 10;
	ts.tv_sec = 0;
	ts.tv_nsec = (long)step * 1000000L;
	nanosleep(&ts, NULL);
	return 1;
}

/* Counts a wait for the write lock made by other means (group.c's). */
void
db_busy_note(void)
{
	atomic_fetch_add(&db_retries, 1);
}

uint64_t
db_busy_retries(void)
{
	return atomic_load(&db_retries);
}

/* Process-wide SQLite settings, once before the first connection: no
 * memory statistics (they take a global mutex on every allocation). */
static void
db_configure(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/*
 * london_date(INSTANT): the London date of a stored UTC instant
 * ("2027-07-01T23:30:00Z" is 2027-07-02 in summer time), for SQL that
 * asks which council day something happened on; NULL for anything else.
 */
static void
db_london_date_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	int y, mo, d, h, mi, sec, n = 0;
	char out[11];

	(void)argc;
	if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h,
	    &mi, &sec, &n) != 6 || n != 19 || mo < 1 || mo > 12 || d < 1 ||
	    d > 31 || h > 23 || mi > 59 || sec > 60) {
		sqlite3_result_null(ctx);
		return;
	}
	day_format(london_day(day_number(y, mo, d) * 86400 + h * 3600 +
	    mi * 60 + sec), out);
	sqlite3_result_text(ctx, out, 10, SQLITE_TRANSIENT);
}

/*
 * Opens (creating if need be) a store in WAL mode with foreign keys on.
 * Every connection gets the same pragmas and functions, server and CLI
 * alike.
 */
struct ep_db *
db_open(const char *path, int64_t busy_timeout_ms, char **err)
{
	static const char *pragmas =
	    "PRAGMA journal_mode=WAL;"
	    "PRAGMA foreign_keys=ON;"
	    "PRAGMA synchronous=NORMAL;"
	    "PRAGMA temp_store=MEMORY;"
	    "PRAGMA cache_size=-16384;";
	struct ep_db *db;
	char *msg = NULL;

	db_configure();
	db = xcalloc(1, sizeof *db);
	if (sqlite3_open_v2(path, &db->sql, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		*err = xprintf("%s: %s", path, db->sql ?
		    sqlite3_errmsg(db->sql) : "cannot open");
		goto fail;
	}
	db->busy_timeout_ms = busy_timeout_ms;
	db->serial = ++db_serials;
	sqlite3_busy_handler(db->sql, db_busy_cb, db);
	sqlite3_extended_result_codes(db->sql, 1);
	sqlite3_create_function(db->sql, "london_date", 1, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL, db_london_date_fn,
	    NULL, NULL);
	if (sqlite3_exec(db->sql, pragmas, NULL, NULL, &msg) != SQLITE_OK) {
		*err = xprintf("%s: %s", path, msg ? msg : "cannot set pragmas");
		sqlite3_free(msg);
		goto fail;
	}
	db->path = xstrdup(path);
	db->cache_size = 64;
	db->cache = xcalloc(db->cache_size, sizeof *db->cache);
	return db;
fail:
	sqlite3_close(db->sql);
	free(db);
	return NULL;
}

void
db_close(struct ep_db *db)
{
	size_t i;

	if (db == NULL)
		return;
	for (i = 0; i < db->cache_size; i++) {
		if (db->cache[i].stmt != NULL) {
			sqlite3_finalize(db->cache[i].stmt);
			free(db->cache[i].sql);
		}
	}
	free(db->cache);
	if (db->sql != NULL) {
		/* Fold the WAL back so the file stands alone after a clean stop. */
		sqlite3_wal_checkpoint_v2(db->sql, NULL, SQLITE_CHECKPOINT_TRUNCATE,
		    NULL, NULL);
		sqlite3_close(db->sql);
	}
	free(db->path);
	free(db);
}

static void
db_cache_grow(struct ep_db *db)
{
	struct db_cache_slot *old = db->cache;
	size_t oldn = db->cache_size, i;

	/* The slots move: forget the remembered addresses. */
	memset(db->recent, 0, sizeof db->recent);
	db->cache_size *= 2;
	db->cache = xcalloc(db->cache_size, sizeof *db->cache);
	for (i = 0; i < oldn; i++) {
		size_t j;

		if (old[i].stmt == NULL)
			continue;
		j = old[i].hash & (db->cache_size - 1);
		while (db->cache[j].stmt != NULL)
			j = (j + 1) & (db->cache_size - 1);
		db->cache[j] = old[i];
	}
	free(old);
}

/* A text column of the current row, "" for NULL; valid until the next step. */
const char *
db_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? (const char *)t : "";
}

/*
 * A prepared statement for this SQL text, from the connection's cache,
 * reset and unbound. Statements are never finalized by callers.
 */
sqlite3_stmt *
db_stmt(struct ep_db *db, const char *sql)
{
	struct db_recent *recent = &db->recent[((uintptr_t)sql >> 4) &
	    (DB_RECENT - 1)];
	uint64_t h;
	size_t j;
	sqlite3_stmt *stmt;

	/* Most callers pass the same literal each time: try its address
	 * first, confirming the text (a caller's buffer may be reused). */
	if (recent->sql == sql && strcmp(recent->slot->sql, sql) == 0) {
		stmt = recent->slot->stmt;
		sqlite3_reset(stmt);
		sqlite3_clear_bindings(stmt);
		return stmt;
	}
	h = db_hash(sql);
	j = h & (db->cache_size - 1);
	while (db->cache[j].stmt != NULL) {
		if (db->cache[j].hash == h && strcmp(db->cache[j].sql, sql) == 0) {
			stmt = db->cache[j].stmt;
			recent->sql = sql;
			recent->slot = &db->cache[j];
			sqlite3_reset(stmt);
			sqlite3_clear_bindings(stmt);
			return stmt;
		}
		j = (j + 1) & (db->cache_size - 1);
	}
	if (sqlite3_prepare_v3(db->sql, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &stmt, NULL) != SQLITE_OK) {
		log_error("store: cannot prepare: %s: %s", sqlite3_errmsg(db->sql),
		    sql);
		return NULL;
	}
	if ((db->cache_used + 1) * 2 > db->cache_size) {
		db_cache_grow(db);
		j = h & (db->cache_size - 1);
		while (db->cache[j].stmt != NULL)
			j = (j + 1) & (db->cache_size - 1);
	}
	db->cache[j].hash = h;
	db->cache[j].sql = xstrdup(sql);
	db->cache[j].stmt = stmt;
	db->cache_used++;
	recent->sql = sql;
	recent->slot = &db->cache[j];
	return stmt;
}

size_t
db_cache_count(struct ep_db *db)
{
	return db->cache_used;
}

/* Runs SQL text with no parameters (schema, pragmas, transactions). */
int
db_exec(struct ep_db *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db->sql, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_error("store: %s", msg ? msg : sqlite3_errmsg(db->sql));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Runs one parameterless statement through the cache: no parsing per call. */
static int
db_run(struct ep_db *db, const char *sql)
{
	sqlite3_stmt *s = db_stmt(db, sql);
	int rc;

	if (s == NULL)
		return -1;
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		log_error("store: %s: %s", sql, sqlite3_errmsg(db->sql));
		return -1;
	}
	return 0;
}

/* Runs one statement binding ?1 to an id, through the cache: 0 or -1. */
int
db_run_id(struct ep_db *db, const char *sql, int64_t id)
{
	sqlite3_stmt *s = db_stmt(db, sql);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

/* The first column of one statement's first row, binding ?1 to an id,
 * through the cache; 0 when there is no row or the store failed. */
int64_t
db_int_id(struct ep_db *db, const char *sql, int64_t id)
{
	sqlite3_stmt *s = db_stmt(db, sql);
	int64_t n = 0;

	if (s == NULL)
		return 0;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return n;
}

/*
 * Transactions nest: the outermost is BEGIN IMMEDIATE (writers queue on the
 * lock instead of failing at commit); inner ones are savepoints. What the
 * audit chain remembers of its end holds only inside one write
 * transaction, which no other connection can append to; a roll-back
 * forgets it.
 */
int
db_begin(struct ep_db *db)
{
	char sql[48];

	if (db->tx_depth == 0) {
		db->audit_known = 0;
		if (db_run(db, "BEGIN IMMEDIATE") != 0)
			return -1;
	} else {
		snprintf(sql, sizeof sql, "SAVEPOINT sp%d", db->tx_depth);
		if (db_run(db, sql) != 0)
			return -1;
	}
	db->tx_depth++;
	return 0;
}

/*
 * The outermost db_begin without waiting for the write lock: 0 when the
 * transaction is open, 1 when another connection holds the lock (nothing
 * is logged: the caller tries again later), -1 on any other failure.
 */
int
db_begin_nowait(struct ep_db *db)
{
	sqlite3_stmt *s;
	int rc;

	if (db->tx_depth != 0)
		return db_begin(db) == 0 ? 0 : -1;
	if ((s = db_stmt(db, "BEGIN IMMEDIATE")) == NULL)
		return -1;
	db->nowait = 1;
	rc = sqlite3_step(s);
	db->nowait = 0;
	sqlite3_reset(s);
	if (rc == SQLITE_BUSY)
		return 1;
	if (rc != SQLITE_DONE) {
		log_error("store: BEGIN IMMEDIATE: %s", sqlite3_errmsg(db->sql));
		return -1;
	}
	db->audit_known = 0;
	db->tx_depth = 1;
	return 0;
}

int
db_commit(struct ep_db *db)
{
	char sql[48];

	if (db->tx_depth <= 0)
		return -1;
	if (db->tx_depth == 1) {
		db->audit_known = 0;
		if (db_run(db, "COMMIT") != 0)
			return -1;
	} else {
		snprintf(sql, sizeof sql, "RELEASE sp%d", db->tx_depth - 1);
		if (db_run(db, sql) != 0)
			return -1;
	}
	db->tx_depth--;
	return 0;
}

int
db_rollback(struct ep_db *db)
{
	char sql[80];
	int rc;

	db->audit_known = 0;
	if (db->tx_depth <= 0)
		return -1;
	if (db->tx_depth == 1)
		rc = db_run(db, "ROLLBACK");
	else {
		snprintf(sql, sizeof sql, "ROLLBACK TO sp%d", db->tx_depth - 1);
		rc = db_run(db, sql);
		snprintf(sql, sizeof sql, "RELEASE sp%d", db->tx_depth - 1);
		if (db_run(db, sql) != 0)
			rc = -1;
	}
	db->tx_depth--;
	return rc;
}

/* True (0) when the store answers a trivial query. */
int
db_ping(struct ep_db *db)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT 1");
	int rc;

	if (s == NULL)
		return -1;
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : -1;
}

const char *
db_errmsg(struct ep_db *db)
{
	return sqlite3_errmsg(db->sql);
}

int
db_user_version(struct ep_db *db)
{
	sqlite3_stmt *s = db_stmt(db, "PRAGMA user_version");
	int v = -1;

	if (s != NULL && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	if (s != NULL)
		sqlite3_reset(s);
	return v;
}

/*
 * A generation kept in report_generations (a new random value with every
 * change to the tables it covers): 1 with *gen set, 0 when there is none.
 */
int
db_generation(struct ep_db *db, const char *name, int64_t *gen)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT gen FROM report_generations "
	    "WHERE name = ?");
	int found = 0;

	if (s == NULL)
		return 0;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		*gen = sqlite3_column_int64(s, 0);
		found = 1;
	}
	sqlite3_reset(s);
	return found;
}

/* A read snapshot for a request, with cached statements (no SQL parsing
 * per request). Writers must not use it: they take db_begin. */
int
db_read_begin(struct ep_db *db)
{
	sqlite3_stmt *s;

	if (db->tx_depth != 0 || (s = db_stmt(db, "BEGIN")) == NULL)
		return -1;
	db->audit_known = 0;
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_reset(s);
		return -1;
	}
	sqlite3_reset(s);
	db->tx_depth = 1;
	return 0;
}

void
db_read_end(struct ep_db *db)
{
	sqlite3_stmt *s = db_stmt(db, "COMMIT");

	db->tx_depth = 0;
	db->audit_known = 0;
	if (s == NULL || sqlite3_step(s) != SQLITE_DONE)
		db_exec(db, "ROLLBACK");
	if (s != NULL)
		sqlite3_reset(s);
}

/*
 * A LIKE pattern (used with ESCAPE '\') that finds text anywhere in a
 * column, its own %, _ and \ taken literally; NULL for no text, so that
 * "?1 IS NULL OR col LIKE ?1 ESCAPE '\'" keeps every row. Caller frees.
 */
char *
db_like(const char *text)
{
	char *out, *o;

	if (text == NULL || *text == '\0')
		return NULL;
	o = out = xmalloc(strlen(text) * 2 + 3);
	*o++ = '%';
	for (; *text != '\0'; text++) {
		if (*text == '%' || *text == '_' || *text == '\\')
			*o++ = '\\';
		*o++ = *text;
	}
	*o++ = '%';
	*o = '\0';
	return out;
}
