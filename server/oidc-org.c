/* oidc-org.c: each organisation's identity provider, its secret sealed. */
#include "server.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

/* The key that seals client secrets. */
static int
oidc_secret_key(unsigned char key[SEAL_KEY_BYTES], char *err, size_t len)
{
	return seal_derive(key, "expertpool oidc client secret v1", err, len);
}

/* Seals a secret as nonce then box; *out is malloc'd. */
static int
oidc_seal(const char *secret, unsigned char **out, size_t *outlen, char *err,
    size_t len)
{
	unsigned char key[SEAL_KEY_BYTES];
	size_t n = strlen(secret);

	if (oidc_secret_key(key, err, len) != 0)
		return -1;
	*outlen = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n;
	*out = xmalloc(*outlen);
	randombytes_buf(*out, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(*out + crypto_secretbox_NONCEBYTES,
	    (const unsigned char *)secret, n, *out, key);
	sodium_memzero(key, sizeof key);
	return 0;
}

/* Opens a sealed secret into out (NUL-terminated). */
static int
oidc_unseal(const unsigned char *box, size_t boxlen, char *out, size_t outlen,
    char *err, size_t len)
{
	unsigned char key[SEAL_KEY_BYTES];
	size_t n;
	int rc;

	if (boxlen < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES ||
	    (n = boxlen - crypto_secretbox_NONCEBYTES -
	    crypto_secretbox_MACBYTES) >= outlen) {
		snprintf(err, len, "the sealed client secret is damaged");
		return -1;
	}
	if (oidc_secret_key(key, err, len) != 0)
		return -1;
	rc = crypto_secretbox_open_easy((unsigned char *)out,
	    box + crypto_secretbox_NONCEBYTES, boxlen -
	    crypto_secretbox_NONCEBYTES, box, key);
	sodium_memzero(key, sizeof key);
	if (rc != 0) {
		snprintf(err, len, "the client secret was sealed with another "
		    "sealing key");
		return -1;
	}
	out[n] = '\0';
	return 0;
}

/*
 * An organisation's provider; with unseal, its client secret opened too.
 * 1 when it has one, 0 when not, -1 with why in err.
 */
int
oidc_org_load(struct ep_db *db, int64_t org_id, int unseal,
    struct oidc_org *o, char *err, size_t len)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT o.code, o.name, p.issuer, "
	    "p.client_id, p.client_secret_sealed, p.create_domains, p.passwords "
	    "FROM org_sso p JOIN organisations o ON o.id = p.org_id WHERE "
	    "p.org_id = ?");
	int rc = 0;

	memset(o, 0, sizeof *o);
	o->org_id = org_id;
	o->passwords = 1;
	if (s == NULL) {
		snprintf(err, len, "%s", db_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(s, 1, org_id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		snprintf(o->code, sizeof o->code, "%s", db_text(s, 0));
		snprintf(o->name, sizeof o->name, "%s", db_text(s, 1));
		snprintf(o->issuer, sizeof o->issuer, "%s", db_text(s, 2));
		snprintf(o->client_id, sizeof o->client_id, "%s", db_text(s, 3));
		o->has_secret = sqlite3_column_type(s, 4) == SQLITE_BLOB;
		snprintf(o->domains, sizeof o->domains, "%s", db_text(s, 5));
		o->passwords = sqlite3_column_int(s, 6);
		rc = 1;
		if (unseal && o->has_secret && oidc_unseal(sqlite3_column_blob(s,
		    4), (size_t)sqlite3_column_bytes(s, 4), o->secret,
		    sizeof o->secret, err, len) != 0)
			rc = -1;
	}
	sqlite3_reset(s);
	return rc;
}

/* A domain name: lower-case letters, digits, dots and dashes, with a dot. */
static int
oidc_domain_ok(const char *d, size_t n)
{
	size_t i;

	if (n < 3 || n > 253 || memchr(d, '.', n) == NULL || d[0] == '.' ||
	    d[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!islower((unsigned char)d[i]) && !isdigit((unsigned char)d[i]) &&
		    d[i] != '.' && d[i] != '-')
			return 0;
	return 1;
}

/* The domain list as stored ("a.gov.uk,b.gov.uk"), from one separated by
 * commas or spaces, lower-cased; -1 naming the first bad one in e. */
static int
oidc_domains_normal(const char *in, char *out, size_t outlen,
    struct form_errors *e)
{
	char *copy = xstrdup(in), *p, *tok, *save = NULL;
	size_t used = 0;

	for (p = copy; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	out[0] = '\0';
	for (tok = strtok_r(copy, ", \t\r\n", &save); tok != NULL;
	    tok = strtok_r(NULL, ", \t\r\n", &save)) {
		if (!oidc_domain_ok(tok, strlen(tok))) {
			errs_add(e, "domains", "\"%s\" is not an e-mail domain (for "
			    "example, northshire.gov.uk)", tok);
			break;
		}
		if (used + strlen(tok) + 2 > outlen) {
			errs_add(e, "domains", "The domains must be %zu characters "
			    "or fewer", outlen - 1);
			break;
		}
		used += (size_t)snprintf(out + used, outlen - used, "%s%s",
		    used ? "," : "", tok);
	}
	free(copy);
	return e->n > 0 ? -1 : 0;
}

/* True when email's domain is one of the stored list's. */
int
oidc_org_domain_allowed(const char *domains, const char *email)
{
	const char *at = strrchr(email, '@'), *p = domains, *end;
	size_t n;

	if (at == NULL || at[1] == '\0')
		return 0;
	at++;
	while (*p != '\0') {
		end = strchr(p, ',');
		n = end ? (size_t)(end - p) : strlen(p);
		if (n == strlen(at) && strncasecmp(p, at, n) == 0)
			return 1;
		p += n + (end ? 1 : 0);
	}
	return 0;
}

/* An organisation's code, for the audit trail; -1 when there is none. */
static int
oidc_org_code(struct ep_db *db, int64_t org_id, char *out, size_t len)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT code FROM organisations WHERE "
	    "id = ?");
	int rc = -1;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, org_id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		snprintf(out, len, "%s", db_text(s, 0));
		rc = 0;
	}
	sqlite3_reset(s);
	return rc;
}

/* Checks a change against what is stored; the normalised domains in out. */
static void
oidc_org_check(const struct oidc_org *old, const struct oidc_org_input *in, char *domains, size_t dlen,
    struct form_errors *e)
{
	const char *issuer = in->issuer ? in->issuer : old->issuer;
	const char *client = in->client_id ? in->client_id : old->client_id;
	const char *p;

	if (*issuer == '\0')
		errs_add(e, "issuer", "Enter the issuer URL of the identity "
		    "provider");
	else if (!oidc_url_ok(issuer) || strlen(issuer) < 8)
		errs_add(e, "issuer", "The issuer URL must start with https:// "
		    "and have no query or fragment");
	if (*client == '\0')
		errs_add(e, "client_id", "Enter the client ID the identity "
		    "provider gave expertpool");
	else if (strlen(client) > 256)
		errs_add(e, "client_id", "The client ID must be 256 characters "
		    "or fewer");
	else
		for (p = client; *p != '\0'; p++)
			if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e) {
				errs_add(e, "client_id", "The client ID must be "
				    "printable characters without spaces");
				break;
			}
	if (in->secret != NULL && strlen(in->secret) > OIDC_SECRET_MAX)
		errs_add(e, "client_secret", "The client secret must be %d "
		    "characters or fewer", OIDC_SECRET_MAX);
	if (in->passwords != NULL && strcmp(in->passwords, "yes") != 0 &&
	    strcmp(in->passwords, "no") != 0)
		errs_add(e, "passwords", "Choose whether people may also sign in "
		    "with a password");
	oidc_domains_normal(in->domains ? in->domains : old->domains, domains,
	    dlen, e);
}

/* Writes the row: insert or replace, the secret sealed or kept. */
static int
oidc_org_write(struct ep_db *db, int64_t org_id, const char *issuer,
    const char *client, const unsigned char *box, size_t boxlen, int keep,
    const char *domains, int passwords)
{
	sqlite3_stmt *s = db_stmt(db, "INSERT INTO org_sso (org_id, issuer, "
	    "client_id, client_secret_sealed, create_domains, passwords) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (org_id) DO UPDATE SET "
	    "issuer = ?2, client_id = ?3, client_secret_sealed = CASE WHEN ?7 "
	    "THEN client_secret_sealed ELSE ?4 END, create_domains = ?5, "
	    "passwords = ?6");
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, org_id);
	sqlite3_bind_text(s, 2, issuer, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, client, -1, SQLITE_STATIC);
	if (box != NULL)
		sqlite3_bind_blob(s, 4, box, (int)boxlen, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 4);
	sqlite3_bind_text(s, 5, domains, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 6, passwords);
	sqlite3_bind_int(s, 7, keep);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(s);
	return rc;
}

/* The audit summary of a change; the secret only as "set" or "none". */
static char *
oidc_org_diff(const struct oidc_org *old, int exists, const char *issuer,
    const char *client, int has_secret, const char *domains, int passwords)
{
	json_t *before = json_object(), *after = json_object();

	audit_diff_text(before, after, "issuer", exists ? old->issuer : "",
	    issuer);
	audit_diff_text(before, after, "client_id", exists ? old->client_id :
	    "", client);
	audit_diff_text(before, after, "client_secret", exists &&
	    old->has_secret ? "set" : "none", has_secret ? "set" : "none");
	audit_diff_text(before, after, "create_domains", exists ? old->domains :
	    "", domains);
	audit_diff_text(before, after, "passwords", !exists || old->passwords ?
	    "yes" : "no", passwords ? "yes" : "no");
	return audit_diff_dump(before, after);
}

/*
 * Sets an organisation's provider (all of it the first time, any fields
 * after), sealing a new client secret; audited with before and after, all
 * or nothing. *changed says whether anything differed.
 */
int
oidc_org_set(struct ep_db *db, const struct audit_actor *actor,
    int64_t org_id, const struct oidc_org_input *in, struct form_errors *e,
    int *changed)
{
	struct oidc_org old;
	char domains[1025], err[256];
	unsigned char *box = NULL;
	size_t boxlen = 0;
	const char *issuer, *client;
	int exists, keep, passwords, has_secret;
	char *sum = NULL;

	*changed = 0;
	if ((exists = oidc_org_load(db, org_id, 0, &old, err, sizeof err)) < 0) {
		errs_add(e, "issuer", "The provider could not be read: %s", err);
		return -1;
	}
	if (!exists && oidc_org_code(db, org_id, old.code, sizeof old.code) != 0) {
		errs_add(e, "id", "There is no such organisation");
		return -1;
	}
	oidc_org_check(&old, in, domains, sizeof domains, e);
	if (e->n > 0)
		return -1;
	issuer = in->issuer ? in->issuer : old.issuer;
	client = in->client_id ? in->client_id : old.client_id;
	keep = in->secret == NULL;
	has_secret = keep ? old.has_secret : *in->secret != '\0';
	passwords = in->passwords ? strcmp(in->passwords, "yes") == 0 :
	    old.passwords;
	if (!keep && *in->secret != '\0' && oidc_seal(in->secret, &box, &boxlen,
	    err, sizeof err) != 0) {
		errs_add(e, "client_secret", "The client secret cannot be kept: "
		    "%s", err);
		return -1;
	}
	sum = oidc_org_diff(&old, exists, issuer, client, has_secret, domains,
	    passwords);
	if (sum == NULL && !(box != NULL && old.has_secret)) {
		free(box);
		return 0;
	}
	if (sum == NULL)	/* a new secret in place of another */
		sum = xstrdup("{\"after\":{\"client_secret\":\"replaced\"},"
		    "\"before\":{\"client_secret\":\"set\"}}");
	if (db_begin(db) != 0)
		goto fail;
	if (oidc_org_write(db, org_id, issuer, client, box, boxlen, keep,
	    domains, passwords) != 0 || audit_record(db, actor, "sso-update",
	    "organisation", old.code, org_id, sum) != 0 ||
	    db_commit(db) != 0) {
		db_rollback(db);
		goto fail;
	}
	*changed = 1;
	free(box);
	free(sum);
	return 0;
fail:
	errs_add(e, "issuer", "The provider could not be saved: %s",
	    db_errmsg(db));
	free(box);
	free(sum);
	return -1;
}

/* Removes an organisation's provider; its people keep their subjects so
 * naming the same provider again finds them. Audited. */
int
oidc_org_remove(struct ep_db *db, const struct audit_actor *actor,
    int64_t org_id, int *changed)
{
	struct oidc_org old;
	char err[256], *sum;
	int rc;

	*changed = 0;
	if ((rc = oidc_org_load(db, org_id, 0, &old, err, sizeof err)) <= 0)
		return rc;
	sum = oidc_org_diff(&old, 1, "", "", 0, "", 1);
	if (db_begin(db) != 0) {
		free(sum);
		return -1;
	}
	if (db_run_id(db, "DELETE FROM org_sso WHERE org_id = ?", org_id) != 0 ||
	    audit_record(db, actor, "sso-remove", "organisation", old.code,
	    org_id, sum) != 0 || db_commit(db) != 0) {
		db_rollback(db);
		free(sum);
		return -1;
	}
	free(sum);
	*changed = 1;
	return 0;
}

/* True when the person's organisation has turned local passwords off. */
int
oidc_passwords_off(struct ep_db *db, int64_t person_id)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT 1 FROM people p JOIN org_sso o "
	    "ON o.org_id = p.org_id WHERE p.id = ? AND o.passwords = 0");
	int off;

	if (s == NULL)
		return 0;
	sqlite3_bind_int64(s, 1, person_id);
	off = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_reset(s);
	return off;
}
