/* audit.c: the append-only, hash-chained audit trail, and its check. */
#include "server.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#define AUDIT_HASH_BYTES 32

static void
audit_feed(crypto_generichash_state *st, const void *p, size_t len)
{
	unsigned char n[8];
	uint64_t v = len;
	int i;

	for (i = 0; i < 8; i++)
		n[i] = (unsigned char)(v >> (8 * i));
	crypto_generichash_update(st, n, sizeof n);
	if (len > 0)
		crypto_generichash_update(st, p, len);
}

static void
audit_feed_text(crypto_generichash_state *st, const char *s)
{
	audit_feed(st, s ? s : "", s ? strlen(s) : 0);
}

static void
audit_feed_int(crypto_generichash_state *st, int64_t v)
{
	char num[32];

	snprintf(num, sizeof num, "%lld", (long long)v);
	audit_feed_text(st, num);
}

/* BLAKE2b over the previous hash and every field, each length-prefixed. */
static void
audit_digest(unsigned char out[AUDIT_HASH_BYTES], const unsigned char *prev,
    const char *at, int64_t actor_id, const char *actor, const char *action,
    const char *entity, const char *entity_id, int64_t org_id,
    const char *summary)
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, AUDIT_HASH_BYTES);
	audit_feed(&st, prev, AUDIT_HASH_BYTES);
	audit_feed_text(&st, at);
	audit_feed_int(&st, actor_id);
	audit_feed_text(&st, actor);
	audit_feed_text(&st, action);
	audit_feed_text(&st, entity);
	audit_feed_text(&st, entity_id);
	audit_feed_int(&st, org_id);
	audit_feed_text(&st, summary);
	crypto_generichash_final(&st, out, AUDIT_HASH_BYTES);
}

/* Now as 2026-01-31T09:15:00.123456Z; the date and time up to the second
 * are formatted again only when the second changes. */
static void
audit_now(char at[40])
{
	static _Thread_local time_t sec = -1;
	static _Thread_local char stamp[20];
	struct timespec ts;
	struct tm tm;
	long us;
	int i;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != sec) {
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
		sec = ts.tv_sec;
	}
	memcpy(at, stamp, 19);
	at[19] = '.';
	us = (ts.tv_nsec / 1000) % 1000000;
	for (i = 25; i >= 20; i--) {
		at[i] = (char)('0' + us % 10);
		us /= 10;
	}
	at[26] = 'Z';
	at[27] = '\0';
}

/*
 * Appends one event. Call inside the transaction that makes the change,
 * so the change and its record commit together or not at all. Inside a
 * write transaction the chain's end is remembered (db.c forgets it at
 * the transaction's end and on any roll-back), so a batch of events
 * reads it once.
 */
int
audit_record(struct ep_db *db, const struct audit_actor *actor,
    const char *action, const char *entity, const char *entity_id,
    int64_t org_id, const char *summary)
{
	unsigned char prev[AUDIT_HASH_BYTES], hash[AUDIT_HASH_BYTES];
	char at[40];
	sqlite3_stmt *s;
	int rc;

	memset(prev, 0, sizeof prev);
	if (db->tx_depth > 0 && db->audit_known)
		memcpy(prev, db->audit_last, sizeof prev);
	else {
		s = db_stmt(db, "SELECT hash FROM audit_events ORDER BY id DESC "
		    "LIMIT 1");
		if (s == NULL)
			return -1;
		if (sqlite3_step(s) == SQLITE_ROW &&
		    sqlite3_column_bytes(s, 0) == AUDIT_HASH_BYTES)
			memcpy(prev, sqlite3_column_blob(s, 0), AUDIT_HASH_BYTES);
		sqlite3_reset(s);
	}
	audit_now(at);
	if (summary == NULL)
		summary = "{}";
	if (entity_id == NULL)
		entity_id = "";
	audit_digest(hash, prev, at, actor->id, actor->name, action, entity,
	    entity_id, org_id, summary);
	s = db_stmt(db, "INSERT INTO audit_events (at, actor_id, actor, action, "
	    "entity, entity_id, org_id, summary, prev_hash, hash) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, at, -1, SQLITE_STATIC);
	if (actor->id > 0)
		sqlite3_bind_int64(s, 2, actor->id);
	sqlite3_bind_text(s, 3, actor->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, entity, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, entity_id, -1, SQLITE_STATIC);
	if (org_id > 0)
		sqlite3_bind_int64(s, 7, org_id);
	sqlite3_bind_text(s, 8, summary, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 9, prev, sizeof prev, SQLITE_STATIC);
	sqlite3_bind_blob(s, 10, hash, sizeof hash, SQLITE_STATIC);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
	if (rc != 0)
		log_error("audit: cannot record %s %s: %s", action, entity,
		    db_errmsg(db));
	else if (db->tx_depth > 0) {
		memcpy(db->audit_last, hash, sizeof hash);
		db->audit_known = 1;
	}
	sqlite3_reset(s);
	return rc;
}

/* audit_record with the summary as JSON, which it takes over (NULL is
 * {}), written compact with its keys sorted. */
int
audit_json(struct ep_db *db, const struct audit_actor *actor,
    const char *action, const char *entity, const char *entity_id,
    int64_t org_id, struct json_t *summary)
{
	char *text = summary != NULL ?
	    json_dumps(summary, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	int rc;

	json_decref(summary);
	if (summary != NULL && text == NULL)
		return -1;
	rc = audit_record(db, actor, action, entity, entity_id, org_id, text);
	free(text);
	return rc;
}

/* audit_json for an entity known by its row id. */
int
audit_json_id(struct ep_db *db, const struct audit_actor *actor,
    const char *action, const char *entity, int64_t id, int64_t org_id,
    struct json_t *summary)
{
	char idtext[24];

	snprintf(idtext, sizeof idtext, "%lld", (long long)id);
	return audit_json(db, actor, action, entity, idtext, org_id, summary);
}

/*
 * Walks the chain from the first event. Returns the number of events when
 * every link holds; otherwise -1 with a message naming the first broken one.
 */
int64_t
audit_verify(struct ep_db *db, char **err)
{
	unsigned char prev[AUDIT_HASH_BYTES], hash[AUDIT_HASH_BYTES];
	sqlite3_stmt *s;
	int64_t n = 0, last_id = 0;

	memset(prev, 0, sizeof prev);
	s = db_stmt(db, "SELECT id, at, coalesce(actor_id, 0), actor, action, "
	    "entity, entity_id, coalesce(org_id, 0), summary, prev_hash, hash "
	    "FROM audit_events ORDER BY id");
	if (s == NULL) {
		*err = xprintf("cannot read the audit trail: %s", db_errmsg(db));
		return -1;
	}
	while (sqlite3_step(s) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);

		if (sqlite3_column_bytes(s, 9) != AUDIT_HASH_BYTES ||
		    memcmp(sqlite3_column_blob(s, 9), prev, AUDIT_HASH_BYTES) != 0) {
			*err = xprintf("audit event %lld: does not link to the event "
			    "before it (%lld): an event was removed or reordered",
			    (long long)id, (long long)last_id);
			goto fail;
		}
		audit_digest(hash, prev, (const char *)sqlite3_column_text(s, 1),
		    sqlite3_column_int64(s, 2),
		    (const char *)sqlite3_column_text(s, 3),
		    (const char *)sqlite3_column_text(s, 4),
		    (const char *)sqlite3_column_text(s, 5),
		    (const char *)sqlite3_column_text(s, 6),
		    sqlite3_column_int64(s, 7),
		    (const char *)sqlite3_column_text(s, 8));
		if (sqlite3_column_bytes(s, 10) != AUDIT_HASH_BYTES ||
		    memcmp(sqlite3_column_blob(s, 10), hash, AUDIT_HASH_BYTES) != 0) {
			*err = xprintf("audit event %lld (%s %s %s): its contents do "
			    "not match its hash: it was changed after it was written",
			    (long long)id, sqlite3_column_text(s, 4),
			    sqlite3_column_text(s, 5), sqlite3_column_text(s, 6));
			goto fail;
		}
		memcpy(prev, hash, sizeof prev);
		last_id = id;
		n++;
	}
	sqlite3_reset(s);
	return n;
fail:
	sqlite3_reset(s);
	return -1;
}

/* The CLI acts as "cli:USER", the login of whoever runs it. */
void
audit_actor_cli(struct audit_actor *a)
{
	static char name[80];
	const char *user = getenv("SUDO_USER");

	if (user == NULL)
		user = getenv("USER");
	snprintf(name, sizeof name, "cli:%s", user ? user : "unknown");
	a->id = 0;
	a->name = name;
}

void
audit_actor_of(struct audit_actor *a, const struct principal *who)
{
	a->id = who->person_id;
	a->name = who->login;
}
