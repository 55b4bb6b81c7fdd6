/* seal.c: the sealing key, kept outside the store, and what it anchors. */
#include "server.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <sqlite3.h>

/*
 * The 32-byte key in the file the sealing_key_file setting names (64 hex
 * digits). It never enters the store, so whoever can write the store
 * cannot use it: invoice signing keys are sealed with it, and the audit
 * trail's head is anchored with a key derived from it. 0, or -1 with why
 * in err.
 */
int
seal_key(unsigned char key[SEAL_KEY_BYTES], char *err, size_t len)
{
	const char *path = cfg.sealing_key_file;
	char hex[2 * SEAL_KEY_BYTES + 2 + 64];
	size_t n = 0, got;
	FILE *f;

	if (path == NULL || *path == '\0') {
		snprintf(err, len, "the sealing_key_file setting is not configured "
		    "(a file holding 64 hex digits)");
		return -1;
	}
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, len, "cannot read the sealing key file %s", path);
		return -1;
	}
	got = fread(hex, 1, sizeof hex - 1, f);
	fclose(f);
	hex[got] = '\0';
	while (got > 0 && (hex[got - 1] == '\n' || hex[got - 1] == '\r' ||
	    hex[got - 1] == ' '))
		hex[--got] = '\0';
	if (got != 2 * SEAL_KEY_BYTES || sodium_hex2bin(key, SEAL_KEY_BYTES, hex,
	    got, NULL, &n, NULL) != 0 || n != SEAL_KEY_BYTES) {
		sodium_memzero(hex, sizeof hex);
		snprintf(err, len, "%s must hold 64 hex digits (a 32-byte key)",
		    path);
		return -1;
	}
	sodium_memzero(hex, sizeof hex);
	return 0;
}

/*
 * A key for one use, derived from the sealing key and a context that
 * names the use ("expertpool totp secret v1"): each use has its own, and
 * the sealing key itself is never used for anything else.
 */
int
seal_derive(unsigned char key[SEAL_KEY_BYTES], const char *context, char *err,
    size_t len)
{
	unsigned char sealing[SEAL_KEY_BYTES];

	if (seal_key(sealing, err, len) != 0)
		return -1;
	crypto_generichash(key, SEAL_KEY_BYTES, (const unsigned char *)context,
	    strlen(context), sealing, sizeof sealing);
	sodium_memzero(sealing, sizeof sealing);
	return 0;
}

/* The key that anchors the audit trail. */
static int
seal_anchor_key(unsigned char key[SEAL_KEY_BYTES], char *err, size_t len)
{
	return seal_derive(key, "expertpool audit anchor v1", err, len);
}

/* The MAC of one anchor: its event, the chain's hash there, when, and the
 * anchor before it (so anchors cannot be removed from the middle). */
static void
seal_anchor_mac(unsigned char mac[SEAL_KEY_BYTES],
    const unsigned char key[SEAL_KEY_BYTES], int64_t event_id,
    const unsigned char *head, size_t head_len, const char *at,
    const unsigned char *prev, size_t prev_len)
{
	crypto_generichash_state st;
	unsigned char id[8];
	int i;

	for (i = 0; i < 8; i++)
		id[i] = (unsigned char)((uint64_t)event_id >> (8 * i));
	crypto_generichash_init(&st, key, SEAL_KEY_BYTES, SEAL_KEY_BYTES);
	crypto_generichash_update(&st, id, sizeof id);
	crypto_generichash_update(&st, head, head_len);
	crypto_generichash_update(&st, (const unsigned char *)at, strlen(at) + 1);
	crypto_generichash_update(&st, prev, prev_len);
	crypto_generichash_final(&st, mac, SEAL_KEY_BYTES);
}

/*
 * Anchors the audit trail's head: records, keyed with the sealing key,
 * the last event and the chain's hash there. A store writer without the
 * key can still add events after it, but cannot rewrite any event before
 * it without audit_verify_anchors saying so. 1 when anchored, 0 when there
 * was nothing new (or no sealing key), -1 on error.
 */
int
audit_anchor(struct ep_db *db, char **err)
{
	unsigned char key[SEAL_KEY_BYTES], mac[SEAL_KEY_BYTES];
	unsigned char head[64], prev[SEAL_KEY_BYTES];
	size_t head_len = 0, prev_len = 0;
	int64_t event = 0, anchored = 0;
	char why[256], at[32], hex[2 * SEAL_KEY_BYTES + 1];
	sqlite3_stmt *s;
	int rc = -1;

	if (seal_anchor_key(key, why, sizeof why) != 0)
		return 0;
	if (db_begin(db) != 0)
		goto out;
	s = db_stmt(db, "SELECT id, hash FROM audit_events ORDER BY id DESC "
	    "LIMIT 1");
	if (s != NULL && sqlite3_step(s) == SQLITE_ROW &&
	    (size_t)sqlite3_column_bytes(s, 1) <= sizeof head) {
		event = sqlite3_column_int64(s, 0);
		head_len = (size_t)sqlite3_column_bytes(s, 1);
		memcpy(head, sqlite3_column_blob(s, 1), head_len);
	}
	if (s != NULL)
		sqlite3_reset(s);
	s = db_stmt(db, "SELECT event_id, mac FROM audit_anchors ORDER BY id "
	    "DESC LIMIT 1");
	if (s != NULL && sqlite3_step(s) == SQLITE_ROW &&
	    sqlite3_column_bytes(s, 1) == SEAL_KEY_BYTES) {
		anchored = sqlite3_column_int64(s, 0);
		prev_len = SEAL_KEY_BYTES;
		memcpy(prev, sqlite3_column_blob(s, 1), prev_len);
	}
	if (s != NULL)
		sqlite3_reset(s);
	if (event == 0 || event == anchored) {
		db_rollback(db);
		rc = 0;
		goto out;
	}
	{
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	seal_anchor_mac(mac, key, event, head, head_len, at, prev, prev_len);
	s = db_stmt(db, "INSERT INTO audit_anchors (event_id, head, at, mac) "
	    "VALUES (?, ?, ?, ?)");
	if (s == NULL)
		goto fail;
	sqlite3_bind_int64(s, 1, event);
	sqlite3_bind_blob(s, 2, head, (int)head_len, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, at, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 4, mac, sizeof mac, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_reset(s);
		goto fail;
	}
	sqlite3_reset(s);
	if (db_commit(db) != 0)
		goto fail;
	/* The log keeps a copy out of the store's reach too. */
	sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
	log_info("audit: anchored at event %lld, %.16s", (long long)event, hex);
	rc = 1;
	goto out;
fail:
	*err = xprintf("cannot anchor the audit trail: %s", db_errmsg(db));
	db_rollback(db);
out:
	sodium_memzero(key, sizeof key);
	return rc;
}

/*
 * Checks every anchor: its MAC under the key, its link to the anchor
 * before it, and that the event it names still has the hash it anchored
 * (audit_verify has checked the chain up to there). The number of
 * anchors, 0 with *unkeyed set when there is no sealing key to check
 * them with, or -1 with a message naming the first bad anchor.
 */
int64_t
audit_verify_anchors(struct ep_db *db, int64_t *last_event, int *unkeyed,
    char **err)
{
	unsigned char key[SEAL_KEY_BYTES], mac[SEAL_KEY_BYTES];
	unsigned char prev[SEAL_KEY_BYTES];
	size_t prev_len = 0;
	sqlite3_stmt *s, *e;
	char why[256];
	int64_t n = 0, id, event;

	*unkeyed = 0;
	*last_event = 0;
	if (seal_anchor_key(key, why, sizeof why) != 0) {
		*unkeyed = 1;
		return 0;
	}
	s = db_stmt(db, "SELECT id, event_id, head, at, mac FROM audit_anchors "
	    "ORDER BY id");
	e = db_stmt(db, "SELECT hash FROM audit_events WHERE id = ?");
	if (s == NULL || e == NULL) {
		*err = xprintf("cannot read the anchors: %s", db_errmsg(db));
		n = -1;
		goto out;
	}
	while (sqlite3_step(s) == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		event = sqlite3_column_int64(s, 1);
		seal_anchor_mac(mac, key, event, sqlite3_column_blob(s, 2),
		    (size_t)sqlite3_column_bytes(s, 2),
		    (const char *)sqlite3_column_text(s, 3), prev, prev_len);
		if (sqlite3_column_bytes(s, 4) != SEAL_KEY_BYTES ||
		    sodium_memcmp(sqlite3_column_blob(s, 4), mac, sizeof mac) != 0) {
			*err = xprintf("audit anchor %lld (event %lld): its seal does "
			    "not match: it, or an anchor before it, was changed or "
			    "removed", (long long)id, (long long)event);
			n = -1;
			break;
		}
		sqlite3_bind_int64(e, 1, event);
		if (sqlite3_step(e) != SQLITE_ROW ||
		    sqlite3_column_bytes(e, 0) != sqlite3_column_bytes(s, 2) ||
		    memcmp(sqlite3_column_blob(e, 0), sqlite3_column_blob(s, 2),
		    (size_t)sqlite3_column_bytes(s, 2)) != 0) {
			sqlite3_reset(e);
			*err = xprintf("audit event %lld: not the event anchor %lld "
			    "sealed: the trail up to it was rewritten",
			    (long long)event, (long long)id);
			n = -1;
			break;
		}
		sqlite3_reset(e);
		memcpy(prev, mac, sizeof prev);
		prev_len = sizeof prev;
		*last_event = event;
		n++;
	}
	sqlite3_reset(s);
out:
	sodium_memzero(key, sizeof key);
	return n;
}
