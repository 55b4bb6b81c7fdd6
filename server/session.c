/* session.c: browser sessions and API tokens, stored only as hashes. */
#include "server.h"

#include <string.h>
#include <time.h>

#include <sodium.h>
#include <sqlite3.h>

#define TOKEN_BYTES 32

/* A fresh random token as unpadded base64url text. */
void
token_new(char *out, size_t len, const char *prefix)
{
	unsigned char raw[TOKEN_BYTES];
	size_t plen = strlen(prefix);

	randombytes_buf(raw, sizeof raw);
	memcpy(out, prefix, plen);
	sodium_bin2base64(out + plen, len - plen, raw, sizeof raw,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
}

/* BLAKE2b-256 of a token: what the store keeps instead of the token. */
void
token_hash(unsigned char out[TOKEN_HASH_BYTES], const char *token)
{
	crypto_generichash(out, TOKEN_HASH_BYTES, (const unsigned char *)token,
	    strlen(token), NULL, 0);
}

#define PRINCIPAL_COLUMNS "SELECT p.id, p.org_id, p.roles, p.login, p.name, o.code"

/* strlcpy for column text, which may be NULL. */
static void
copy_text(char *out, size_t len, const unsigned char *in)
{
	size_t n = in ? strlen((const char *)in) : 0;

	if (n >= len)
		n = len - 1;
	memcpy(out, in ? (const char *)in : "", n);
	out[n] = '\0';
}

static void
principal_fill(struct principal *who, sqlite3_stmt *s)
{
	memset(who, 0, sizeof *who);
	who->person_id = sqlite3_column_int64(s, 0);
	who->org_id = sqlite3_column_int64(s, 1);
	who->roles = (unsigned)sqlite3_column_int(s, 2);
	copy_text(who->login, sizeof who->login, sqlite3_column_text(s, 3));
	copy_text(who->name, sizeof who->name, sqlite3_column_text(s, 4));
	copy_text(who->org_code, sizeof who->org_code, sqlite3_column_text(s, 5));
}

/* Starts a session for a person; out gets the cookie token. */
int
session_create(struct ep_db *db, int64_t person_id, char *token, size_t len)
{
	unsigned char h[TOKEN_HASH_BYTES];
	char csrf[48];
	sqlite3_stmt *s;
	int64_t now = (int64_t)time(NULL);
	int rc;

	token_new(token, len, "");
	token_new(csrf, sizeof csrf, "");
	token_hash(h, token);
	s = db_stmt(db, "INSERT INTO sessions (token_hash, person_id, csrf_token, "
	    "created_at, last_seen) VALUES (?, ?, ?, ?, ?)");
	if (s == NULL)
		return -1;
	sqlite3_bind_blob(s, 1, h, sizeof h, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, person_id);
	sqlite3_bind_text(s, 3, csrf, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, now);
	sqlite3_bind_int64(s, 5, now);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(s);
	return rc;
}

/*
 * Finds the person behind a session cookie. Sessions end after
 * session_idle seconds unused or session_max seconds in all; the
 * last-seen time is written at most once a minute.
 */
int
session_lookup(struct ep_db *db, const char *token, struct principal *who)
{
	unsigned char h[TOKEN_HASH_BYTES];
	sqlite3_stmt *s;
	int64_t now = (int64_t)time(NULL), created, seen, sid;
	int rc = -1;

	token_hash(h, token);
	s = db_stmt(db, PRINCIPAL_COLUMNS ", s.id, s.csrf_token, s.created_at, "
	    "s.last_seen, coalesce(s.second_factor_at, 0), EXISTS (SELECT 1 "
	    "FROM person_totp t WHERE t.person_id = p.id AND t.confirmed_at IS "
	    "NOT NULL) FROM sessions s JOIN people p ON p.id = s.person_id "
	    "JOIN organisations o ON o.id = p.org_id WHERE s.token_hash = ? "
	    "AND p.disabled = 0");
	if (s == NULL)
		return -1;
	sqlite3_bind_blob(s, 1, h, sizeof h, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW)
		goto out;
	sid = sqlite3_column_int64(s, 6);
	created = sqlite3_column_int64(s, 8);
	seen = sqlite3_column_int64(s, 9);
	if (now - seen > cfg.session_idle || now - created > cfg.session_max) {
		sqlite3_reset(s);
		session_end(db, sid);
		return -1;
	}
	principal_fill(who, s);
	who->session_id = sid;
	copy_text(who->csrf, sizeof who->csrf, sqlite3_column_text(s, 7));
	who->factor_at = sqlite3_column_int64(s, 10);
	who->factor_enrolled = sqlite3_column_int(s, 11);
	rc = 0;
	sqlite3_reset(s);
	if (now - seen >= 60) {
		s = db_stmt(db, "UPDATE sessions SET last_seen = ? WHERE id = ?");
		if (s != NULL) {
			sqlite3_bind_int64(s, 1, now);
			sqlite3_bind_int64(s, 2, sid);
			sqlite3_step(s);
			sqlite3_reset(s);
		}
	}
	return rc;
out:
	sqlite3_reset(s);
	return rc;
}

/* Notes that the session has just shown its second factor. */
int
session_factor_shown(struct ep_db *db, int64_t session_id)
{
	sqlite3_stmt *s = db_stmt(db, "UPDATE sessions SET second_factor_at = ? "
	    "WHERE id = ?");
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, (int64_t)time(NULL));
	sqlite3_bind_int64(s, 2, session_id);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(s);
	return rc;
}

int
session_end(struct ep_db *db, int64_t session_id)
{
	return db_run_id(db, "DELETE FROM sessions WHERE id = ?", session_id);
}

/* Ends every session of a person: on password change and disabling. */
int
session_end_person(struct ep_db *db, int64_t person_id)
{
	return db_run_id(db, "DELETE FROM sessions WHERE person_id = ?", person_id);
}

/* Creates an API token for a person, ending after days; the token is
 * shown once. */
int
apitoken_create(struct ep_db *db, int64_t person_id, const char *label,
    int64_t days, char *token, size_t len, int64_t *id)
{
	unsigned char h[TOKEN_HASH_BYTES];
	sqlite3_stmt *s;
	int rc;

	token_new(token, len, "ept_");
	token_hash(h, token);
	s = db_stmt(db, "INSERT INTO api_tokens (token_hash, person_id, label, "
	    "expires_at) VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now', "
	    "'+' || ? || ' days'))");
	if (s == NULL)
		return -1;
	sqlite3_bind_blob(s, 1, h, sizeof h, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, person_id);
	sqlite3_bind_text(s, 3, label ? label : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, days);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(s);
	*id = sqlite3_last_insert_rowid(db->sql);
	return rc;
}

/* Revokes every live token of a person: their password changed. */
int
apitoken_revoke_person(struct ep_db *db, int64_t person_id)
{
	return db_run_id(db, "UPDATE api_tokens SET revoked_at = "
	    "strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE person_id = ? AND "
	    "revoked_at IS NULL", person_id);
}

/* Notes when a token was used, at most once a minute, so a busy client
 * costs a write a minute rather than one a request. */
static void
apitoken_touch(struct ep_db *db, int64_t id)
{
	sqlite3_stmt *s = db_stmt(db, "UPDATE api_tokens SET last_used_at = "
	    "strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ? AND "
	    "(last_used_at IS NULL OR last_used_at < strftime("
	    "'%Y-%m-%dT%H:%M:%SZ', 'now', '-60 seconds'))");

	if (s == NULL)
		return;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_step(s);
	sqlite3_reset(s);
}

/* Finds the person behind a bearer token neither revoked nor expired. */
int
apitoken_lookup(struct ep_db *db, const char *token, struct principal *who)
{
	unsigned char h[TOKEN_HASH_BYTES];
	sqlite3_stmt *s;
	int64_t id = 0;
	int rc = -1;

	token_hash(h, token);
	s = db_stmt(db, PRINCIPAL_COLUMNS ", t.id, t.last_used_at IS NULL OR "
	    "t.last_used_at < strftime('%Y-%m-%dT%H:%M:%SZ', 'now', "
	    "'-60 seconds') FROM api_tokens t JOIN people p ON "
	    "p.id = t.person_id JOIN organisations o ON o.id = p.org_id WHERE "
	    "t.token_hash = ? AND t.revoked_at IS NULL AND p.disabled = 0 AND "
	    "t.expires_at > strftime('%Y-%m-%dT%H:%M:%SZ', 'now')");
	if (s == NULL)
		return -1;
	sqlite3_bind_blob(s, 1, h, sizeof h, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		principal_fill(who, s);
		if (sqlite3_column_int(s, 7))
			id = sqlite3_column_int64(s, 6);
		rc = 0;
	}
	sqlite3_reset(s);
	if (id != 0)
		apitoken_touch(db, id);
	return rc;
}
