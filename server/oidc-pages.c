/* oidc-pages.c: signing in with a council account, and its settings page. */
#include "server.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#define SSO_STATE_COOKIE "ep_sso"
#define SSO_STATE_TTL 600	/* seconds a sign-in may take at the provider */
#define SSO_STATES_MAX 10000	/* sign-ins under way at once, in all */
#define SSO_CALLBACK "/login/callback"

/*
 * One sign-in through a provider, handed to a WORKER_SSO thread and back.
 * The thread only talks to the provider; the store is read and written
 * on the event loop, before and after.
 */
struct sso_flow {
	struct ep_req *r;
	int64_t org_id;
	char org_code[16];
	char org_name[128];
	char issuer[513];
	char client_id[257];
	char secret[OIDC_SECRET_MAX + 1];
	char code[1024];
	char verifier[64];
	char nonce[64];
	char redirect_uri[600];
	char next[256];
	int64_t now;
	struct oidc_meta meta;
	struct oidc_identity who;
	int ok;
	char err[512];
};

static void
sso_flow_free(struct sso_flow *f)
{
	sodium_memzero(f, sizeof *f);
	free(f);
}

/*
 * The address the provider sends people back to: public_url's, else
 * this request's host. The provider compares it with the one registered,
 * so a forged Host header only makes the provider refuse. -1 when the
 * host is not one an address may hold.
 */
static int
sso_redirect_uri(struct ep_req *r, char *out, size_t len)
{
	const char *host = http_header(r, "Host");
	size_t n;

	if (cfg.public_url != NULL && *cfg.public_url != '\0') {
		n = strlen(cfg.public_url);
		while (n > 0 && cfg.public_url[n - 1] == '/')
			n--;
		snprintf(out, len, "%.*s%s", (int)n, cfg.public_url, SSO_CALLBACK);
		return 0;
	}
	if (host == NULL || *host == '\0' || strlen(host) > 255 ||
	    strpbrk(host, "/\\@?# \t\r\n") != NULL)
		return -1;
	snprintf(out, len, "%s://%s%s", cfg.tls ? "https" : "http", host,
	    SSO_CALLBACK);
	return 0;
}

/* A random base64url text of 32 bytes: states, nonces, verifiers. */
static void
sso_random(char *out, size_t len)
{
	token_new(out, len, "");
}

/* --- Starting a sign-in --- */

static void
sso_discover_work(void *arg)
{
	struct sso_flow *f = arg;

	f->ok = oidc_discover(f->issuer, &f->meta, f->err, sizeof f->err) == 0;
}

/* Keeps a new sign-in's state (hashed), nonce and verifier; ends those
 * older than SSO_STATE_TTL; -1 when too many are under way. */
static int
sso_state_store(struct ep_db *db, const char *state, const struct sso_flow *f)
{
	unsigned char h[TOKEN_HASH_BYTES];
	sqlite3_stmt *s;
	int64_t now = (int64_t)time(NULL);
	int rc = -1;

	s = db_stmt(db, "DELETE FROM sso_states WHERE created_at < ?");
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now - SSO_STATE_TTL);
	sqlite3_step(s);
	sqlite3_reset(s);
	s = db_stmt(db, "SELECT count(*) FROM sso_states");
	if (s == NULL)
		return -1;
	rc = sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int64(s, 0) <
	    SSO_STATES_MAX ? 0 : -1;
	sqlite3_reset(s);
	if (rc != 0)
		return -1;
	token_hash(h, state);
	s = db_stmt(db, "INSERT INTO sso_states (state_hash, org_id, nonce, "
	    "verifier, next, created_at) VALUES (?, ?, ?, ?, ?, ?)");
	if (s == NULL)
		return -1;
	sqlite3_bind_blob(s, 1, h, sizeof h, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, f->org_id);
	sqlite3_bind_text(s, 3, f->nonce, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, f->verifier, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, f->next, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, now);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(s);
	return rc;
}

/* Appends name=value, the value percent-encoded, to an address. */
static void
sso_query_add(struct evbuffer *b, const char *name, const char *value)
{
	char *v = evhttp_encode_uri(value);

	evbuffer_add_printf(b, "&%s=%s", name, v ? v : "");
	free(v);
}

/* The provider's authorisation address for this sign-in. */
static char *
sso_authorize_url(const struct sso_flow *f, const char *state)
{
	struct evbuffer *b = evbuffer_new();
	char challenge[64], *url;
	size_t n;

	oidc_pkce_challenge(f->verifier, challenge, sizeof challenge);
	evbuffer_add_printf(b, "%s%cresponse_type=code",
	    f->meta.authorization_endpoint,
	    strchr(f->meta.authorization_endpoint, '?') ? '&' : '?');
	sso_query_add(b, "client_id", f->client_id);
	sso_query_add(b, "redirect_uri", f->redirect_uri);
	sso_query_add(b, "scope", "openid email profile");
	sso_query_add(b, "state", state);
	sso_query_add(b, "nonce", f->nonce);
	sso_query_add(b, "code_challenge", challenge);
	sso_query_add(b, "code_challenge_method", "S256");
	n = evbuffer_get_length(b);
	url = xmalloc(n + 1);
	evbuffer_remove(b, url, n);
	url[n] = '\0';
	evbuffer_free(b);
	return url;
}

/* Back from discovery: keep the state, set its cookie, go to the provider. */
static void
sso_start_done(void *arg)
{
	struct sso_flow *f = arg;
	struct ep_req *r = f->r;
	char state[48], cookie[160], *url;

	if (!f->ok) {
		log_warn("sign-in with %s's provider: %s", f->org_code, f->err);
		page_message(r, 502, "Your council's sign-in service cannot be "
		    "reached", "expertpool could not reach your council's "
		    "sign-in service. Try again in a few minutes; if it keeps "
		    "happening, tell your administrator.");
		goto out;
	}
	sso_random(state, sizeof state);
	sso_random(f->nonce, sizeof f->nonce);
	sso_random(f->verifier, sizeof f->verifier);
	if (sso_state_store(http_db(), state, f) != 0) {
		http_reply_header(r, "Retry-After", "10");
		page_message(r, 503, "Sign-in is busy", "Too many people are "
		    "signing in at once. Try again in a few seconds.");
		goto out;
	}
	snprintf(cookie, sizeof cookie, "%s=%s; Path=/login; Max-Age=%d; "
	    "HttpOnly; SameSite=Lax%s", SSO_STATE_COOKIE, state, SSO_STATE_TTL,
	    cfg.tls ? "; Secure" : "");
	http_reply_header(r, "Set-Cookie", cookie);
	url = sso_authorize_url(f, state);
	http_redirect(r, url);
	free(url);
out:
	sso_flow_free(f);
}

/* The organisation by its code, with its provider; 0 when it has none. */
static int
sso_org_by_code(const char *code, struct oidc_org *o, int unseal, char *err,
    size_t len)
{
	int64_t id = code ? org_id_by_code(http_db(), code) : 0;

	if (id <= 0)
		return 0;
	return oidc_org_load(http_db(), id, unseal, o, err, len);
}

/* GET /login/sso/{code}: sends the person to their council's provider. */
static void
sso_start_cb(struct ep_req *r, void *arg)
{
	struct oidc_org o;
	struct sso_flow *f;
	char err[256];

	(void)arg;
	if (sso_org_by_code(http_param(r, "code"), &o, 0, err,
	    sizeof err) != 1) {
		page_message(r, 404, "Page not found", "That organisation does "
		    "not sign in with a council account here.");
		return;
	}
	f = xcalloc(1, sizeof *f);
	f->r = r;
	f->org_id = o.org_id;
	snprintf(f->org_code, sizeof f->org_code, "%s", o.code);
	snprintf(f->issuer, sizeof f->issuer, "%s", o.issuer);
	snprintf(f->client_id, sizeof f->client_id, "%s", o.client_id);
	snprintf(f->next, sizeof f->next, "%s", login_next(http_query(r,
	    "next")));
	if (sso_redirect_uri(r, f->redirect_uri, sizeof f->redirect_uri) != 0) {
		sso_flow_free(f);
		page_message(r, 400, "Sign-in is not available", "Signing in "
		    "with a council account needs the public_url setting.");
		return;
	}
	if (worker_run_in(WORKER_SSO, sso_discover_work, sso_start_done,
	    f) != 0) {
		sso_flow_free(f);
		http_reply_header(r, "Retry-After", "5");
		page_message(r, 503, "Sign-in is busy", "Too many people are "
		    "signing in at once. Try again in a few seconds.");
		return;
	}
	http_defer(r);
}

/* --- Coming back from the provider --- */

static void
sso_callback_work(void *arg)
{
	struct sso_flow *f = arg;
	char *id_token = NULL;

	f->ok = oidc_discover(f->issuer, &f->meta, f->err, sizeof f->err) ==
	    0 && oidc_exchange(&f->meta, f->client_id, f->secret, f->code,
	    f->verifier, f->redirect_uri, &id_token, f->err, sizeof f->err) ==
	    0 && oidc_verify(f->issuer, &f->meta, f->client_id, id_token,
	    f->nonce, f->now, &f->who, f->err, sizeof f->err) == 0;
	if (id_token != NULL) {
		sodium_memzero(id_token, strlen(id_token));
		free(id_token);
	}
}

/*
 * Takes the sign-in whose state came back, once: it is deleted as it is
 * read, so the same state never signs anyone in twice. 0, or -1 when
 * there is none or it is older than SSO_STATE_TTL.
 */
static int
sso_state_take(struct ep_db *db, const char *state, struct sso_flow *f)
{
	unsigned char h[TOKEN_HASH_BYTES];
	sqlite3_stmt *s;
	int rc = -1;

	token_hash(h, state);
	s = db_stmt(db, "DELETE FROM sso_states WHERE state_hash = ? "
	    "RETURNING org_id, nonce, verifier, next, created_at");
	if (s == NULL)
		return -1;
	sqlite3_bind_blob(s, 1, h, sizeof h, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW &&
	    sqlite3_column_int64(s, 4) >= (int64_t)time(NULL) - SSO_STATE_TTL) {
		f->org_id = sqlite3_column_int64(s, 0);
		snprintf(f->nonce, sizeof f->nonce, "%s", db_text(s, 1));
		snprintf(f->verifier, sizeof f->verifier, "%s", db_text(s, 2));
		snprintf(f->next, sizeof f->next, "%s", db_text(s, 3));
		rc = 0;
	}
	while (sqlite3_step(s) == SQLITE_ROW)
		;
	sqlite3_reset(s);
	return rc;
}

/* A refusal page for a sign-in that came back wrong. */
static void
sso_expired(struct ep_req *r)
{
	page_message(r, 400, "This sign-in has expired",
	    "This sign-in link has expired or has been used already. Go to the "
	    "sign-in page and choose your council account again.");
}

/* The state the provider sent back is the one this browser started with. */
static int
sso_state_matches(struct ep_req *r, const char *state)
{
	char cookie[64];

	return state != NULL && auth_cookie_value(r, SSO_STATE_COOKIE, cookie,
	    sizeof cookie) == 0 && strlen(cookie) == strlen(state) &&
	    sodium_memcmp(cookie, state, strlen(state)) == 0;
}

/* Why a sign-in found nobody, for the page that says so. */
struct sso_refusal {
	int status;
	char title[96];
	char text[512];
};

static void
sso_refuse(struct sso_refusal *no, int status, const char *title,
    const char *fmt, ...) EP_PRINTF(4, 5);

static void
sso_refuse(struct sso_refusal *no, int status, const char *title,
    const char *fmt, ...)
{
	va_list ap;

	no->status = status;
	snprintf(no->title, sizeof no->title, "%s", title);
	va_start(ap, fmt);
	vsnprintf(no->text, sizeof no->text, fmt, ap);
	va_end(ap);
}

/* The person already signed in as this subject of this provider, or 0. */
static int64_t
sso_by_subject(struct ep_db *db, const struct sso_flow *f, int *disabled)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT id, disabled FROM people WHERE "
	    "sso_issuer = ? AND sso_subject = ? AND org_id = ?");
	int64_t id = 0;

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, f->issuer, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, f->who.subject, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, f->org_id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		*disabled = sqlite3_column_int(s, 1);
	}
	sqlite3_reset(s);
	return id;
}

/* Keeps the provider's subject on a person found by e-mail; audited. */
static int
sso_link(struct ep_db *db, const struct audit_actor *actor, int64_t id,
    const char *login, const struct sso_flow *f)
{
	sqlite3_stmt *s = db_stmt(db, "UPDATE people SET sso_issuer = ?, "
	    "sso_subject = ? WHERE id = ? AND sso_subject IS NULL");
	json_t *sum;
	char *text;
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, f->issuer, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, f->who.subject, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, id);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(s);
	if (rc != 0)
		return -1;
	sum = json_pack("{s:{s:s},s:{s:s,s:s}}", "before", "sso_subject", "",
	    "after", "sso_subject", f->who.subject, "sso_issuer", f->issuer);
	text = json_dumps(sum, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(sum);
	rc = audit_record(db, actor, "sso-link", "person", login, f->org_id,
	    text);
	free(text);
	return rc;
}

/*
 * The person whose e-mail address the provider vouched for, in the
 * organisation, not yet linked to a subject: linked now. 0 when there is
 * none, -1 on a failure or a refusal (in no).
 */
static int64_t
sso_by_email(struct ep_db *db, const struct sso_flow *f,
    struct sso_refusal *no)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT id, login, disabled, sso_subject "
	    "IS NOT NULL FROM people WHERE org_id = ? AND email != '' AND "
	    "lower(email) = lower(?)");
	struct audit_actor actor;
	char login[72] = "";
	int64_t id = 0;
	int n = 0, disabled = 0, linked = 0;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, f->org_id);
	sqlite3_bind_text(s, 2, f->who.email, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (n++ == 0) {
			id = sqlite3_column_int64(s, 0);
			snprintf(login, sizeof login, "%s", db_text(s, 1));
			disabled = sqlite3_column_int(s, 2);
			linked = sqlite3_column_int(s, 3);
		}
	}
	sqlite3_reset(s);
	if (n == 0)
		return 0;
	if (n > 1 || linked) {
		sso_refuse(no, 403, "Your account cannot be matched", "More than "
		    "one account in expertpool could be yours (%s). Ask your "
		    "administrator to sort out the accounts.", f->who.email);
		return -1;
	}
	if (disabled) {
		sso_refuse(no, 403, "Your account is disabled", "Your expertpool "
		    "account is disabled. Ask your administrator to enable it.");
		return -1;
	}
	actor.id = id;
	actor.name = login;
	return sso_link(db, &actor, id, login, f) == 0 ? id : -1;
}

/* Creates a requester for an e-mail address of an allowed domain. */
static int64_t
sso_create(struct ep_db *db, const struct sso_flow *f,
    struct sso_refusal *no)
{
	struct audit_actor actor = { 0, "single sign-on" };
	char login[sizeof f->who.email], *p, *text;
	const char *name = f->who.name[0] ? f->who.name : f->who.email;
	sqlite3_stmt *s;
	json_t *sum;
	int64_t id;

	snprintf(login, sizeof login, "%s", f->who.email);
	for (p = login; *p != '\0'; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	if (!login_ok(login) || person_id_by_login(db, login) > 0) {
		sso_refuse(no, 403, "Your account cannot be created", "An account "
		    "for %s cannot be made by signing in. Ask your administrator "
		    "to add you.", f->who.email);
		return -1;
	}
	s = db_stmt(db, "INSERT INTO people (org_id, login, name, roles, email, "
	    "sso_issuer, sso_subject) VALUES (?, ?, ?, ?, ?, ?, ?)");
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, f->org_id);
	sqlite3_bind_text(s, 2, login, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, EP_ROLE_REQUESTER);
	sqlite3_bind_text(s, 5, f->who.email, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, f->issuer, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, f->who.subject, -1, SQLITE_STATIC);
	id = sqlite3_step(s) == SQLITE_DONE ? sqlite3_last_insert_rowid(db->sql)
	    : -1;
	sqlite3_reset(s);
	if (id < 0)
		return -1;
	sum = json_pack("{s:{s:s,s:s,s:s,s:s,s:s,s:s}}", "after", "login", login,
	    "name", name, "org", f->org_code, "roles", "requester", "email",
	    f->who.email, "sso_subject", f->who.subject);
	text = json_dumps(sum, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(sum);
	if (audit_record(db, &actor, "create", "person", login, f->org_id,
	    text) != 0)
		id = -1;
	free(text);
	return id;
}

/*
 * Who the verified identity is: by the provider's subject; else by the
 * e-mail address on first use; else, when the organisation allows it for
 * the address's domain, a new requester. In the caller's transaction.
 * The person's id, 0 refused (why in no), -1 on a store failure.
 */
static int64_t
sso_match(struct ep_db *db, const struct sso_flow *f, const char *domains,
    struct sso_refusal *no)
{
	int64_t id;
	int disabled = 0;

	if ((id = sso_by_subject(db, f, &disabled)) != 0) {
		if (id > 0 && disabled) {
			sso_refuse(no, 403, "Your account is disabled", "Your "
			    "expertpool account is disabled. Ask your "
			    "administrator to enable it.");
			return 0;
		}
		return id;
	}
	if (f->who.email[0] != '\0' && f->who.email_verified != 0) {
		if ((id = sso_by_email(db, f, no)) != 0)
			return id > 0 ? id : (no->status ? 0 : -1);
		if (oidc_org_domain_allowed(domains, f->who.email))
			return (id = sso_create(db, f, no)) > 0 ? id :
			    (no->status ? 0 : -1);
	}
	sso_refuse(no, 403, "Your council account is not set up in expertpool",
	    "You signed in to your council account as %s, but %s has nobody "
	    "in expertpool with that e-mail address. Ask your organisation's "
	    "expertpool administrator to add you.", f->who.email[0] ?
	    f->who.email : "someone without an e-mail address", f->org_name);
	return 0;
}

/* The session for a matched person; audited as a sign-in. */
static int
sso_session(struct ep_db *db, int64_t person_id, const struct sso_flow *f,
    char *token, size_t len)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT login FROM people WHERE id = ?");
	struct audit_actor actor = { person_id, NULL };
	char login[72] = "", *sum;
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, person_id);
	if (sqlite3_step(s) == SQLITE_ROW)
		snprintf(login, sizeof login, "%s", db_text(s, 0));
	sqlite3_reset(s);
	actor.name = login;
	sum = xprintf("{\"method\":\"oidc\",\"org\":\"%s\"}", f->org_code);
	rc = session_create(db, person_id, token, len) == 0 &&
	    audit_record(db, &actor, "sign-in", "person", login, f->org_id,
	    sum) == 0 ? 0 : -1;
	free(sum);
	return rc;
}

/* Back from the provider with a verified identity, or why not. */
static void
sso_callback_done(void *arg)
{
	struct sso_flow *f = arg;
	struct ep_req *r = f->r;
	struct ep_db *db = http_db();
	struct sso_refusal no = { 0 };
	struct oidc_org o;
	char token[64], cookie[160], err[128];
	int64_t id;

	if (!f->ok) {
		log_warn("sign-in with %s's provider refused: %s", f->org_code,
		    f->err);
		page_message(r, 401, "You could not be signed in", "Your council "
		    "account's answer could not be checked, so you have not been "
		    "signed in. Go to the sign-in page and try again; if it keeps "
		    "happening, tell your administrator.");
		goto out;
	}
	if (oidc_org_load(db, f->org_id, 0, &o, err, sizeof err) != 1 ||
	    db_begin(db) != 0)
		goto fail;
	if ((id = sso_match(db, f, o.domains, &no)) <= 0 ||
	    sso_session(db, id, f, token, sizeof token) != 0 ||
	    db_commit(db) != 0) {
		db_rollback(db);
		if (no.status == 0)
			goto fail;
		log_info("sign-in with %s's provider: %s refused: %s",
		    f->org_code, f->who.subject, no.title);
		page_message(r, no.status, no.title, no.text);
		goto out;
	}
	snprintf(cookie, sizeof cookie, "%s=%s; Path=/; HttpOnly; SameSite=Lax%s",
	    SESSION_COOKIE, token, cfg.tls ? "; Secure" : "");
	http_reply_header(r, "Set-Cookie", cookie);
	http_redirect(r, login_next(f->next));
	goto out;
fail:
	page_message(r, 500, "Sorry, there is a problem",
	    "You could not be signed in. Try again later.");
out:
	sodium_memzero(token, sizeof token);
	sso_flow_free(f);
}

/* Says whatever the provider said when it did not sign the person in. */
static void
sso_provider_error(struct ep_req *r, const char *error)
{
	struct evbuffer *b = page_begin(r, "You were not signed in", NULL);

	html_printf(b, "<h1 class=\"govuk-heading-l\">You were not signed in"
	    "</h1>\n<p class=\"govuk-body\">Your council account did not sign "
	    "you in (it said: %s).</p>\n<p class=\"govuk-body\"><a class=\""
	    "govuk-link\" href=\"/login\">Go to the sign-in page</a> and try "
	    "again.</p>\n", error);
	page_end(r, b, 401);
}

/* GET /login/callback: the provider sends the person back here. */
static void
sso_callback_cb(struct ep_req *r, void *arg)
{
	const char *state = http_query(r, "state"), *code = http_query(r, "code");
	struct sso_flow *f;
	struct oidc_org o;
	char cookie[128], err[256];

	(void)arg;
	snprintf(cookie, sizeof cookie, "%s=; Path=/login; Max-Age=0; HttpOnly; "
	    "SameSite=Lax%s", SSO_STATE_COOKIE, cfg.tls ? "; Secure" : "");
	http_reply_header(r, "Set-Cookie", cookie);
	f = xcalloc(1, sizeof *f);
	f->r = r;
	if (!sso_state_matches(r, state) || sso_state_take(http_db(), state,
	    f) != 0) {
		sso_expired(r);
		goto refused;
	}
	if (http_query(r, "error") != NULL) {
		sso_provider_error(r, http_query(r, "error"));
		goto refused;
	}
	if (code == NULL || *code == '\0' || strlen(code) >= sizeof f->code ||
	    oidc_org_load(http_db(), f->org_id, 1, &o, err, sizeof err) != 1 ||
	    sso_redirect_uri(r, f->redirect_uri, sizeof f->redirect_uri) != 0) {
		if (code != NULL && *code != '\0')
			log_warn("sign-in callback: %s", err);
		sso_expired(r);
		goto refused;
	}
	snprintf(f->code, sizeof f->code, "%s", code);
	snprintf(f->org_code, sizeof f->org_code, "%s", o.code);
	snprintf(f->org_name, sizeof f->org_name, "%s", o.name);
	snprintf(f->issuer, sizeof f->issuer, "%s", o.issuer);
	snprintf(f->client_id, sizeof f->client_id, "%s", o.client_id);
	memcpy(f->secret, o.secret, sizeof f->secret);
	sodium_memzero(&o, sizeof o);
	f->now = (int64_t)time(NULL);
	if (worker_run_in(WORKER_SSO, sso_callback_work, sso_callback_done,
	    f) != 0) {
		page_message(r, 503, "Sign-in is busy", "Too many people are "
		    "signing in at once. Go to the sign-in page and try again.");
		goto refused;
	}
	http_defer(r);
	return;
refused:
	sso_flow_free(f);
}

/* The sign-in page's part: a link per organisation with a provider. */
void
oidc_login_choices(struct evbuffer *b)
{
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT o.code, o.name FROM "
	    "org_sso p JOIN organisations o ON o.id = p.org_id ORDER BY o.name");
	int n = 0;

	if (s == NULL)
		return;
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (n++ == 0)
			html_printf(b, "<h2 class=\"govuk-heading-m\">Sign in with "
			    "your council account</h2>\n<ul class=\"govuk-list\">"
			    "\n");
		html_printf(b, "<li><a class=\"govuk-link\" href=\"/login/sso/%s\">"
		    "%s</a></li>\n", db_text(s, 0), db_text(s, 1));
	}
	sqlite3_reset(s);
	if (n > 0)
		html_printf(b, "</ul>\n");
}

/* --- The settings page --- */

static const char *const sso_yes_no[][2] = {
	{ "yes", "Yes, people may also sign in with a password" },
	{ "no", "No, only with their council account" },
	{ NULL, NULL },
};

/* The form that names an organisation's provider. */
static void
sso_form(struct ep_req *r, int status, const struct form_errors *e)
{
	struct oidc_org o;
	struct evbuffer *b;
	char action[80], uri[600], title[160], err[128];
	const char *typed;
	int has;

	if ((has = oidc_org_load(http_db(), (int64_t)strtoll(http_param(r, "id"),
	    NULL, 10), 0, &o, err, sizeof err)) < 0) {
		page_message(r, 500, "Sorry, there is a problem", err);
		return;
	}
	snprintf(action, sizeof action, "/admin/organisations/%s/sso",
	    http_param(r, "id"));
	snprintf(title, sizeof title, "Council account sign-in");
	b = page_begin(r, title, e);
	html_printf(b, "<h1 class=\"govuk-heading-l\">Council account sign-in"
	    "</h1>\n");
	if (sso_redirect_uri(r, uri, sizeof uri) == 0)
		html_printf(b, "<div class=\"govuk-inset-text\">Register this "
		    "redirect URI with the identity provider: <code>%s</code>"
		    "</div>\n", uri);
	form_begin(b, r, action);
	typed = http_form(r, "issuer");
	form_input(b, e, "issuer", "Issuer URL", "For Microsoft Entra ID, "
	    "https://login.microsoftonline.com/ followed by your tenant ID and "
	    "/v2.0", "url", typed ? typed : o.issuer, NULL);
	typed = http_form(r, "client_id");
	form_input(b, e, "client_id", "Client ID", "The application (client) "
	    "ID the provider gave expertpool", "text", typed ? typed :
	    o.client_id, NULL);
	form_input_auto(b, e, "client_secret", "Client secret", o.has_secret ?
	    "A secret is kept. Leave this empty to keep it" : "Leave empty "
	    "for a public client (PKCE only)", "password", NULL, NULL, "off");
	typed = http_form(r, "domains");
	form_input(b, e, "domains", "E-mail domains that may create accounts "
	    "(optional)", "Someone signing in with an address at one of these "
	    "domains who has no account gets one, as a requester. Separate "
	    "domains with commas", "text", typed ? typed : o.domains, NULL);
	typed = http_form(r, "passwords");
	form_select(b, e, "passwords", "May people also sign in with a "
	    "password?", NULL, sso_yes_no, typed ? typed : (o.passwords ? "yes" :
	    "no"));
	form_end(b, "Save");
	if (has == 1) {
		snprintf(action, sizeof action, "/admin/organisations/%s/sso/remove",
		    http_param(r, "id"));
		form_begin(b, r, action);
		html_printf(b, "<button type=\"submit\" class=\"govuk-button "
		    "govuk-button--warning\" data-module=\"govuk-button\">Remove "
		    "council account sign-in</button>\n</form>\n");
	}
	page_end(r, b, status);
}

/* Saves the settings form; an empty secret keeps the one kept. */
static void
sso_save_cb(struct ep_req *r, void *arg)
{
	struct oidc_org_input in = { 0 };
	struct form_errors e = { 0 };
	struct audit_actor actor;
	const char *secret = http_form(r, "client_secret");
	int64_t id;
	int changed = 0, rc;

	(void)arg;
	if ((id = page_id(r, "organisation")) == 0)
		return;
	in.issuer = http_form_text(r, "issuer");
	in.client_id = http_form_text(r, "client_id");
	in.secret = secret != NULL && *secret != '\0' ? secret : NULL;
	in.domains = http_form_text(r, "domains");
	in.passwords = http_form_text(r, "passwords");
	audit_actor_of(&actor, &r->who);
	rc = oidc_org_set(http_db(), &actor, id, &in, &e, &changed);
	form_saved(r, rc, &e, sso_form, errs_get(&e, "id") ? 404 : 400,
	    "/organisations", id, changed ? "sso" : "unchanged");
}

static void
sso_remove_cb(struct ep_req *r, void *arg)
{
	struct audit_actor actor;
	char loc[96];
	int64_t id;
	int changed;

	(void)arg;
	if ((id = page_id(r, "organisation")) == 0)
		return;
	audit_actor_of(&actor, &r->who);
	if (oidc_org_remove(http_db(), &actor, id, &changed) != 0) {
		page_message(r, 500, "Sorry, there is a problem", "The sign-in "
		    "settings could not be removed. Try again later.");
		return;
	}
	snprintf(loc, sizeof loc, "/organisations/%lld?done=%s", (long long)id,
	    changed ? "sso-removed" : "unchanged");
	http_redirect(r, loc);
}

void
oidc_routes_register(void)
{
	static struct form_page sso_form_page = { sso_form };

	route_add(NULL, "GET", "/login/sso/{code}", EP_ROLE_PUBLIC,
	    sso_start_cb, NULL);
	route_add(NULL, "GET", SSO_CALLBACK, EP_ROLE_PUBLIC, sso_callback_cb,
	    NULL);
	route_add_owned(NULL, "GET", "/admin/organisations/{id}/sso",
	    EP_ROLE_ADMIN, "SELECT id FROM organisations WHERE id = ?1",
	    form_page_cb, &sso_form_page);
	route_add_owned(NULL, "POST", "/admin/organisations/{id}/sso",
	    EP_ROLE_ADMIN, "SELECT id FROM organisations WHERE id = ?1",
	    sso_save_cb, NULL);
	route_add_owned(NULL, "POST", "/admin/organisations/{id}/sso/remove",
	    EP_ROLE_ADMIN, "SELECT id FROM organisations WHERE id = ?1",
	    sso_remove_cb, NULL);
}
