/* oidc.c: OpenID Connect providers: discovery, the code exchange, ID tokens. */
#include "server.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjose/cjose.h>
#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#include "lazy.h"

/* curl's and cjose's functions, through a table filled when someone first
 * signs in through a directory (lazy.h). */
#define OIDC_LIBS_FNS(X) \
	X(cjose_header_get) \
	X(cjose_jwk_import_json) \
	X(cjose_jwk_release) \
	X(cjose_jws_get_plaintext) \
	X(cjose_jws_get_protected) \
	X(cjose_jws_import) \
	X(cjose_jws_release) \
	X(cjose_jws_verify) \
	X(curl_easy_cleanup) \
	X(curl_easy_escape) \
	X(curl_easy_getinfo) \
	X(curl_easy_init) \
	X(curl_easy_perform) \
	X(curl_easy_setopt) \
	X(curl_easy_strerror) \
	X(curl_free) \
	X(curl_global_cleanup) \
	X(curl_global_init) \
	X(curl_slist_append) \
	X(curl_slist_free_all)
#define OIDC_LIBS_MEMBER(f) __typeof__(f) *f;
static struct oidc_libs {
	OIDC_LIBS_FNS(OIDC_LIBS_MEMBER)
} oidc_libs;
#define OIDC_LIBS_ENTRY(f) LAZY_FN_ENTRY(oidc_libs, f)
static const struct lazy_fn oidc_libs_fns[] = {
	OIDC_LIBS_FNS(OIDC_LIBS_ENTRY)
	{ NULL, NULL }
};
static const char *const oidc_libs_names[] = {
	EP_SONAME_CURL, EP_SONAME_CJOSE, NULL
};
static void oidc_libs_loaded(void);
static struct lazy_kit oidc_libs_kit =
    LAZY_KIT(oidc_libs_names, oidc_libs_fns, oidc_libs_loaded);
#define cjose_header_get (oidc_libs.cjose_header_get)
#define cjose_jwk_import_json (oidc_libs.cjose_jwk_import_json)
#define cjose_jwk_release (oidc_libs.cjose_jwk_release)
#define cjose_jws_get_plaintext (oidc_libs.cjose_jws_get_plaintext)
#define cjose_jws_get_protected (oidc_libs.cjose_jws_get_protected)
#define cjose_jws_import (oidc_libs.cjose_jws_import)
#define cjose_jws_release (oidc_libs.cjose_jws_release)
#define cjose_jws_verify (oidc_libs.cjose_jws_verify)
#define curl_easy_cleanup (oidc_libs.curl_easy_cleanup)
#define curl_easy_escape (oidc_libs.curl_easy_escape)
#undef curl_easy_getinfo
#define curl_easy_getinfo (oidc_libs.curl_easy_getinfo)
#define curl_easy_init (oidc_libs.curl_easy_init)
#define curl_easy_perform (oidc_libs.curl_easy_perform)
#undef curl_easy_setopt
#define curl_easy_setopt (oidc_libs.curl_easy_setopt)
#define curl_easy_strerror (oidc_libs.curl_easy_strerror)
#define curl_free (oidc_libs.curl_free)
#define curl_global_cleanup (oidc_libs.curl_global_cleanup)
#define curl_global_init (oidc_libs.curl_global_init)
#define curl_slist_append (oidc_libs.curl_slist_append)
#define curl_slist_free_all (oidc_libs.curl_slist_free_all)

/*
 * Everything here runs on the WORKER_SSO threads (never on the event
 * loop): each call to a provider is bounded by OIDC_TIMEOUT_MS, so a
 * provider that is down delays only the person signing in through it.
 */
#define OIDC_TIMEOUT_MS 5000
#define OIDC_CONNECT_MS 3000
#define OIDC_BODY_MAX (256 * 1024)
#define OIDC_META_TTL 3600	/* seconds a discovery document is kept */
#define OIDC_JWKS_TTL 3600	/* seconds a key set is kept */
#define OIDC_JWKS_REFETCH 60	/* an unknown key id refetches, this often */
#define OIDC_CACHE_SLOTS 32

/* One issuer's discovery document and key set, as last fetched. */
struct oidc_cache {
	char issuer[513];
	struct oidc_meta meta;
	time_t meta_at;
	char *jwks;		/* the JSON text */
	time_t jwks_at;
};

static struct oidc_cache oidc_caches[OIDC_CACHE_SLOTS];
static pthread_mutex_t oidc_lock = PTHREAD_MUTEX_INITIALIZER;

/* A growing response body, refused past OIDC_BODY_MAX. */
struct oidc_body {
	char *data;
	size_t len;
};

/* Once curl is loaded, before it fetches: its globals. */
static void
oidc_libs_loaded(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Loads curl and cjose the first time; 0, or -1 with why in err. */
static int
oidc_libs_open(char *err, size_t len)
{
	return lazy_open(&oidc_libs_kit, err, len);
}

/* At start-up: nothing is loaded until someone signs in through a
 * directory. */
void
oidc_init(void)
{
}

/* At exit: the caches and curl's globals. */
void
oidc_cleanup(void)
{
	size_t i;

	for (i = 0; i < OIDC_CACHE_SLOTS; i++) {
		free(oidc_caches[i].jwks);
		oidc_caches[i].jwks = NULL;
	}
	if (lazy_is_open(&oidc_libs_kit))
		curl_global_cleanup();
}

/*
 * A provider's address must be https; plain http is allowed only on the
 * loopback interface (a provider run beside the server, or a test's).
 * No user name, query or fragment.
 */
int
oidc_url_ok(const char *url)
{
	static const char *const loopback[] = { "http://127.0.0.1",
	    "http://localhost", "http://[::1]" };
	const char *rest = NULL;
	size_t i, n;

	if (url == NULL || strlen(url) > 512 || strpbrk(url, "?#@ \t\r\n\\") !=
	    NULL)
		return 0;
	if (strncmp(url, "https://", 8) == 0)
		return url[8] != '\0' && url[8] != '/';
	for (i = 0; i < nitems(loopback); i++) {
		n = strlen(loopback[i]);
		if (strncmp(url, loopback[i], n) == 0) {
			rest = url + n;
			break;
		}
	}
	return rest != NULL && (*rest == '\0' || *rest == ':' || *rest == '/');
}

static size_t
oidc_write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct oidc_body *b = arg;
	size_t n = size * nmemb;

	if (b->len + n > OIDC_BODY_MAX)
		return 0;	/* curl fails the transfer */
	b->data = xrealloc(b->data, b->len + n + 1);
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

/*
 * GET url, or POST form when it is not NULL (with HTTP Basic
 * authentication as user and pass when user is not NULL); the JSON
 * answer of a 200 into *out. 0, or -1 with why in err.
 */
static int
oidc_fetch(const char *url, const char *form, const char *user,
    const char *pass, json_t **out, char *err, size_t len)
{
	struct oidc_body body = { NULL, 0 };
	struct curl_slist *headers = NULL;
	json_error_t jerr;
	CURLcode rc;
	CURL *c;
	long status = 0;
	int ret = -1;

	*out = NULL;
	if (oidc_libs_open(err, len) != 0)
		return -1;
	if (!oidc_url_ok(url)) {
		snprintf(err, len, "%s is not an https address", url);
		return -1;
	}
	if ((c = curl_easy_init()) == NULL) {
		snprintf(err, len, "cannot start a fetch");
		return -1;
	}
	headers = curl_slist_append(headers, "Accept: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)OIDC_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)OIDC_CONNECT_MS);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "expertpool/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, oidc_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	if (form != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
	if (user != NULL) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, pass);
	}
	if ((rc = curl_easy_perform(c)) != CURLE_OK) {
		snprintf(err, len, "%s: %s", url, curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		snprintf(err, len, "%s answered %ld: %.200s", url, status,
		    body.data ? body.data : "");
		goto out;
	}
	if (body.data == NULL || (*out = json_loadb(body.data, body.len, 0,
	    &jerr)) == NULL || !json_is_object(*out)) {
		snprintf(err, len, "%s did not answer a JSON object", url);
		json_decref(*out);
		*out = NULL;
		goto out;
	}
	ret = 0;
out:
	if (body.data != NULL)
		sodium_memzero(body.data, body.len);
	free(body.data);
	curl_slist_free_all(headers);
	curl_easy_cleanup(c);
	return ret;
}

/* The cache slot of an issuer, or the stalest to reuse. Under oidc_lock. */
static struct oidc_cache *
oidc_cache_slot(const char *issuer)
{
	struct oidc_cache *stalest = &oidc_caches[0];
	size_t i;

	for (i = 0; i < OIDC_CACHE_SLOTS; i++) {
		if (strcmp(oidc_caches[i].issuer, issuer) == 0)
			return &oidc_caches[i];
		if (oidc_caches[i].meta_at < stalest->meta_at)
			stalest = &oidc_caches[i];
	}
	free(stalest->jwks);
	memset(stalest, 0, sizeof *stalest);
	snprintf(stalest->issuer, sizeof stalest->issuer, "%s", issuer);
	return stalest;
}

/* Copies one endpoint of a discovery document; -1 when missing or not
 * an https address. */
static int
oidc_endpoint(json_t *doc, const char *name, char *out, size_t outlen,
    char *err, size_t len)
{
	const char *v = json_string_value(json_object_get(doc, name));

	if (v == NULL || !oidc_url_ok(v) || strlen(v) >= outlen) {
		snprintf(err, len, "the discovery document's %s is missing or "
		    "not an https address", name);
		return -1;
	}
	snprintf(out, outlen, "%s", v);
	return 0;
}

/*
 * The provider's endpoints, from its discovery document
 * (issuer/.well-known/openid-configuration), kept an hour. The document
 * must name the same issuer, exactly.
 */
int
oidc_discover(const char *issuer, struct oidc_meta *m, char *err, size_t len)
{
	struct oidc_cache *slot;
	struct oidc_meta fresh;
	time_t now = time(NULL);
	json_t *doc;
	char *url;
	size_t n = strlen(issuer);
	int rc;

	pthread_mutex_lock(&oidc_lock);
	slot = oidc_cache_slot(issuer);
	if (slot->meta_at != 0 && now - slot->meta_at < OIDC_META_TTL) {
		*m = slot->meta;
		pthread_mutex_unlock(&oidc_lock);
		return 0;
	}
	pthread_mutex_unlock(&oidc_lock);

	url = xprintf("%.*s/.well-known/openid-configuration",
	    (int)(n > 0 && issuer[n - 1] == '/' ? n - 1 : n), issuer);
	rc = oidc_fetch(url, NULL, NULL, NULL, &doc, err, len);
	free(url);
	if (rc != 0)
		return -1;
	memset(&fresh, 0, sizeof fresh);
	if (json_string_value(json_object_get(doc, "issuer")) == NULL ||
	    strcmp(json_string_value(json_object_get(doc, "issuer")),
	    issuer) != 0) {
		snprintf(err, len, "the discovery document names another issuer "
		    "than %s", issuer);
		rc = -1;
	} else if (oidc_endpoint(doc, "authorization_endpoint",
	    fresh.authorization_endpoint, sizeof fresh.authorization_endpoint,
	    err, len) != 0 || oidc_endpoint(doc, "token_endpoint",
	    fresh.token_endpoint, sizeof fresh.token_endpoint, err, len) != 0 ||
	    oidc_endpoint(doc, "jwks_uri", fresh.jwks_uri,
	    sizeof fresh.jwks_uri, err, len) != 0)
		rc = -1;
	json_decref(doc);
	if (rc != 0)
		return -1;
	pthread_mutex_lock(&oidc_lock);
	slot = oidc_cache_slot(issuer);
	if (strcmp(slot->meta.jwks_uri, fresh.jwks_uri) != 0) {
		free(slot->jwks);	/* keys from another address: drop */
		slot->jwks = NULL;
		slot->jwks_at = 0;
	}
	slot->meta = fresh;
	slot->meta_at = now;
	pthread_mutex_unlock(&oidc_lock);
	*m = fresh;
	return 0;
}

/* Form-encodes one value onto a form being built. */
static void
oidc_form_add(char **form, const char *name, const char *value)
{
	char *v = curl_easy_escape(NULL, value, 0);
	char *next = xprintf("%s%s%s=%s", *form ? *form : "", *form ? "&" : "",
	    name, v ? v : "");

	curl_free(v);
	free(*form);
	*form = next;
}

/*
 * Trades the authorisation code (with its PKCE verifier) for tokens at
 * the token endpoint; *id_token gets the ID token. With a client secret
 * the client authenticates with HTTP Basic (client_secret_basic, its id
 * and secret form-encoded first as RFC 6749 2.3.1 says); without one it
 * is a public client and names itself in the form.
 */
int
oidc_exchange(const struct oidc_meta *m, const char *client_id,
    const char *secret, const char *code, const char *verifier,
    const char *redirect_uri, char **id_token, char *err, size_t len)
{
	char *form = NULL, *user = NULL, *pass = NULL;
	const char *tok;
	json_t *res = NULL;
	int rc = -1;

	*id_token = NULL;
	if (oidc_libs_open(err, len) != 0)
		return -1;
	oidc_form_add(&form, "grant_type", "authorization_code");
	oidc_form_add(&form, "code", code);
	oidc_form_add(&form, "redirect_uri", redirect_uri);
	oidc_form_add(&form, "code_verifier", verifier);
	if (secret != NULL && *secret != '\0') {
		user = curl_easy_escape(NULL, client_id, 0);
		pass = curl_easy_escape(NULL, secret, 0);
	} else
		oidc_form_add(&form, "client_id", client_id);
	if (oidc_fetch(m->token_endpoint, form, user, pass, &res, err,
	    len) != 0)
		goto out;
	if ((tok = json_string_value(json_object_get(res, "id_token"))) ==
	    NULL) {
		snprintf(err, len, "the token endpoint gave no ID token");
		goto out;
	}
	*id_token = xstrdup(tok);
	rc = 0;
out:
	if (pass != NULL)
		sodium_memzero(pass, strlen(pass));
	curl_free(user);
	curl_free(pass);
	json_decref(res);
	free(form);
	return rc;
}

/* The key set's JSON, fetched when older than an hour, or when force and
 * older than OIDC_JWKS_REFETCH (a key id not seen: the keys rotated). */
static char *
oidc_jwks(const char *issuer, const struct oidc_meta *m, int force,
    char *err, size_t len)
{
	struct oidc_cache *slot;
	time_t now = time(NULL), at;
	char *text = NULL;
	json_t *set;

	pthread_mutex_lock(&oidc_lock);
	slot = oidc_cache_slot(issuer);
	at = slot->jwks_at;
	if (slot->jwks != NULL && now - at < (force ? OIDC_JWKS_REFETCH :
	    OIDC_JWKS_TTL))
		text = xstrdup(slot->jwks);
	pthread_mutex_unlock(&oidc_lock);
	if (text != NULL)
		return text;
	if (oidc_fetch(m->jwks_uri, NULL, NULL, NULL, &set, err, len) != 0)
		return NULL;
	if (!json_is_array(json_object_get(set, "keys"))) {
		snprintf(err, len, "the key set at %s has no keys", m->jwks_uri);
		json_decref(set);
		return NULL;
	}
	text = json_dumps(set, JSON_COMPACT);
	json_decref(set);
	pthread_mutex_lock(&oidc_lock);
	slot = oidc_cache_slot(issuer);
	free(slot->jwks);
	slot->jwks = xstrdup(text);
	slot->jwks_at = now;
	pthread_mutex_unlock(&oidc_lock);
	return text;
}

/* The key of the set that signed with kid (any signing key when the
 * token names none), or NULL. */
static cjose_jwk_t *
oidc_key_find(const char *jwks, const char *kid)
{
	json_t *set = json_loads(jwks, 0, NULL), *k;
	cjose_jwk_t *jwk = NULL;
	const char *use, *id;
	size_t i;

	json_array_foreach(json_object_get(set, "keys"), i, k) {
		use = json_string_value(json_object_get(k, "use"));
		id = json_string_value(json_object_get(k, "kid"));
		if (use != NULL && strcmp(use, "sig") != 0)
			continue;
		if (kid != NULL && (id == NULL || strcmp(id, kid) != 0))
			continue;
		if ((jwk = cjose_jwk_import_json((cjose_header_t *)k,
		    NULL)) != NULL)
			break;
	}
	json_decref(set);
	return jwk;
}

/* Signature algorithms accepted: public-key ones only, never "none" and
 * never a shared-secret HMAC. */
static int
oidc_alg_ok(const char *alg)
{
	static const char *const ok[] = { "RS256", "RS384", "RS512", "PS256",
	    "PS384", "PS512", "ES256", "ES384", "ES512" };
	size_t i;

	for (i = 0; alg != NULL && i < nitems(ok); i++)
		if (strcmp(alg, ok[i]) == 0)
			return 1;
	return 0;
}

/* The token's claims once its signature verifies against the issuer's
 * keys; NULL with why in err. */
static json_t *
oidc_signed_claims(const char *issuer, const struct oidc_meta *m,
    const char *id_token, char *err, size_t len)
{
	cjose_jws_t *jws;
	cjose_jwk_t *jwk = NULL;
	cjose_header_t *hdr;
	cjose_err cerr;
	const char *alg, *kid;
	uint8_t *plain = NULL;
	size_t plen = 0;
	json_t *claims = NULL;
	char *jwks;
	int pass;

	if (oidc_libs_open(err, len) != 0)
		return NULL;
	if ((jws = cjose_jws_import(id_token, strlen(id_token), &cerr)) ==
	    NULL) {
		snprintf(err, len, "the ID token is not a signed JWT");
		return NULL;
	}
	/* The header names cjose exports as CJOSE_HDR_ALG and _KID: its
	 * functions are looked up, its variables are not. */
	hdr = cjose_jws_get_protected(jws);
	alg = cjose_header_get(hdr, "alg", &cerr);
	kid = cjose_header_get(hdr, "kid", &cerr);
	if (!oidc_alg_ok(alg)) {
		snprintf(err, len, "the ID token is signed with %s, not a "
		    "public-key algorithm", alg ? alg : "nothing");
		goto out;
	}
	for (pass = 0; pass < 2 && jwk == NULL; pass++) {
		if ((jwks = oidc_jwks(issuer, m, pass, err, len)) == NULL)
			goto out;
		jwk = oidc_key_find(jwks, kid);
		free(jwks);
	}
	if (jwk == NULL) {
		snprintf(err, len, "no key of the issuer's key set has id %s",
		    kid ? kid : "(none)");
		goto out;
	}
	if (!cjose_jws_verify(jws, jwk, &cerr)) {
		snprintf(err, len, "the ID token's signature does not verify");
		goto out;
	}
	if (!cjose_jws_get_plaintext(jws, &plain, &plen, &cerr) ||
	    (claims = json_loadb((const char *)plain, plen, 0, NULL)) == NULL ||
	    !json_is_object(claims)) {
		snprintf(err, len, "the ID token's claims are not a JSON object");
		json_decref(claims);
		claims = NULL;
	}
out:
	if (jwk != NULL)
		cjose_jwk_release(jwk);
	cjose_jws_release(jws);
	return claims;
}

/* True when the audience names the client: the string, or an array that
 * holds it (then azp, if given, must be the client too). */
static int
oidc_audience_ok(json_t *claims, const char *client_id)
{
	json_t *aud = json_object_get(claims, "aud"), *v;
	const char *azp = json_string_value(json_object_get(claims, "azp"));
	size_t i;

	if (json_is_string(aud))
		return strcmp(json_string_value(aud), client_id) == 0;
	if (!json_is_array(aud))
		return 0;
	if (azp != NULL && strcmp(azp, client_id) != 0)
		return 0;
	json_array_foreach(aud, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v),
		    client_id) == 0)
			return 1;
	return 0;
}

/* Copies a string claim, "" when missing. */
static void
oidc_claim(json_t *claims, const char *name, char *out, size_t len)
{
	const char *v = json_string_value(json_object_get(claims, name));

	snprintf(out, len, "%s", v ? v : "");
}

/* The checks on the claims of a token whose signature verified. */
static int
oidc_claims_ok(json_t *c, const char *issuer, const char *client_id,
    const char *nonce, int64_t now, char *err, size_t len)
{
	const char *iss = json_string_value(json_object_get(c, "iss"));
	const char *got = json_string_value(json_object_get(c, "nonce"));
	json_t *exp = json_object_get(c, "exp"), *iat = json_object_get(c, "iat");

	if (iss == NULL || strcmp(iss, issuer) != 0)
		snprintf(err, len, "the ID token's issuer is %s, not %s",
		    iss ? iss : "missing", issuer);
	else if (!oidc_audience_ok(c, client_id))
		snprintf(err, len, "the ID token is for another audience than "
		    "%s", client_id);
	else if (!json_is_integer(exp) && !json_is_real(exp))
		snprintf(err, len, "the ID token has no expiry");
	else if ((int64_t)json_number_value(exp) + OIDC_LEEWAY < now)
		snprintf(err, len, "the ID token expired at %lld",
		    (long long)json_number_value(exp));
	else if (json_is_number(iat) && (int64_t)json_number_value(iat) >
	    now + OIDC_LEEWAY)
		snprintf(err, len, "the ID token was issued in the future");
	else if (got == NULL || strlen(got) != strlen(nonce) ||
	    sodium_memcmp(got, nonce, strlen(nonce)) != 0)
		snprintf(err, len, "the ID token's nonce is not this sign-in's");
	else if (json_string_value(json_object_get(c, "sub")) == NULL ||
	    *json_string_value(json_object_get(c, "sub")) == '\0' ||
	    strlen(json_string_value(json_object_get(c, "sub"))) > 255)
		snprintf(err, len, "the ID token has no subject");
	else
		return 0;
	return -1;
}

/*
 * Verifies an ID token as OpenID Connect Core 3.1.3.7 asks: signature
 * by a key of the issuer's set, issuer, audience, expiry (with
 * OIDC_LEEWAY seconds of leeway), nonce. 0 with *who filled, or -1 with
 * why in err.
 */
int
oidc_verify(const char *issuer, const struct oidc_meta *m,
    const char *client_id, const char *id_token, const char *nonce,
    int64_t now, struct oidc_identity *who, char *err, size_t len)
{
	json_t *c, *ev;
	int rc = -1;

	memset(who, 0, sizeof *who);
	if ((c = oidc_signed_claims(issuer, m, id_token, err, len)) == NULL)
		return -1;
	if (oidc_claims_ok(c, issuer, client_id, nonce, now, err, len) != 0)
		goto out;
	oidc_claim(c, "sub", who->subject, sizeof who->subject);
	oidc_claim(c, "email", who->email, sizeof who->email);
	oidc_claim(c, "name", who->name, sizeof who->name);
	ev = json_object_get(c, "email_verified");
	who->email_verified = json_is_boolean(ev) ? json_is_true(ev) : -1;
	rc = 0;
out:
	json_decref(c);
	return rc;
}

/* The PKCE S256 challenge of a verifier: base64url(SHA-256(verifier)). */
void
oidc_pkce_challenge(const char *verifier, char *out, size_t len)
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)verifier,
	    strlen(verifier));
	sodium_bin2base64(out, len, h, sizeof h,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}
