/* totp.c: the second factor: TOTP codes (RFC 6238), enrolment by QR code,
 * recovery codes, and a fresh code before money moves. */
#include "server.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <liboath/oath.h>
#include <qrencode.h>
#include <sodium.h>
#include <sqlite3.h>

#define TOTP_SECRET_BYTES 20	/* 160 bits, as RFC 4226 recommends */
#define TOTP_SEALED_BYTES (crypto_secretbox_NONCEBYTES + \
	crypto_secretbox_MACBYTES + TOTP_SECRET_BYTES)
#define TOTP_STEP 30		/* seconds per code */
#define TOTP_WINDOW 1		/* steps either side accepted for clock drift */
#define RECOVERY_CODES 10
#define RECOVERY_CHARS 12	/* base32: 60 bits each */

/* The key TOTP secrets are sealed with. */
static int
totp_key(unsigned char key[SEAL_KEY_BYTES], char *err, size_t len)
{
	return seal_derive(key, "expertpool totp secret v1", err, len);
}

/* Opens a sealed secret: 0, or -1 when it does not open with this key. */
static int
totp_unseal(const unsigned char *in, size_t n,
    unsigned char secret[TOTP_SECRET_BYTES])
{
	unsigned char key[SEAL_KEY_BYTES];
	char why[256];
	int rc;

	if (n != TOTP_SEALED_BYTES || totp_key(key, why, sizeof why) != 0)
		return -1;
	rc = crypto_secretbox_open_easy(secret, in + crypto_secretbox_NONCEBYTES,
	    n - crypto_secretbox_NONCEBYTES, in, key);
	sodium_memzero(key, sizeof key);
	return rc;
}

/* True when the configuration makes these roles show a second factor. */
int
totp_role_required(unsigned roles)
{
	return cfg.two_factor_required &&
	    (roles & (EP_ROLE_ADMIN | EP_ROLE_FINANCE)) != 0;
}

/* True when the person has a confirmed second factor. */
static int
totp_enrolled(struct ep_db *db, int64_t person_id)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT 1 FROM person_totp WHERE "
	    "person_id = ? AND confirmed_at IS NOT NULL");
	int yes = 0;

	if (s == NULL)
		return 0;
	sqlite3_bind_int64(s, 1, person_id);
	yes = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_reset(s);
	return yes;
}

/* True when a person signing in must show a second factor. */
int
totp_needed(struct ep_db *db, int64_t person_id, unsigned roles)
{
	return totp_role_required(roles) || totp_enrolled(db, person_id);
}

/* True when the person has a confirmed second factor (for pages). */
int
totp_is_on(struct ep_db *db, int64_t person_id)
{
	return totp_enrolled(db, person_id);
}

/*
 * For a person who lost their authenticator: an administrator removes
 * their key and recovery codes and ends their sessions, so that they sign
 * in with their password and enrol again (at once, if their role needs
 * it). 1 when there was nothing to remove, 0 done, -1 on a store error.
 */
int
totp_reset(struct ep_db *db, const struct audit_actor *actor,
    int64_t person_id)
{
	sqlite3_stmt *s;
	char login[72] = "";
	int64_t org = 0;

	if (db_begin(db) != 0)
		return -1;
	if (!totp_enrolled(db, person_id)) {
		db_rollback(db);
		return 1;
	}
	s = db_stmt(db, "SELECT login, org_id FROM people WHERE id = ?");
	if (s == NULL)
		goto fail;
	sqlite3_bind_int64(s, 1, person_id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		snprintf(login, sizeof login, "%s", db_text(s, 0));
		org = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	if (db_run_id(db, "DELETE FROM person_totp WHERE person_id = ?",
	    person_id) != 0 || db_run_id(db, "DELETE FROM recovery_codes WHERE "
	    "person_id = ?", person_id) != 0 || db_run_id(db, "DELETE FROM "
	    "sessions WHERE person_id = ?", person_id) != 0 ||
	    audit_record(db, actor, "two-factor-reset", "person", login, org,
	    "{\"before\":{\"two_factor\":\"on\"},\"after\":{\"two_factor\":"
	    "\"off\"},\"sessions\":\"ended\"}") != 0 || db_commit(db) != 0)
		goto fail;
	return 0;
fail:
	db_rollback(db);
	return -1;
}

/* The person's secret, confirmed or waiting for its first code: 0 with
 * the secret, its newest used step and whether it is confirmed, or -1. */
static int
totp_load(struct ep_db *db, int64_t person_id,
    unsigned char secret[TOTP_SECRET_BYTES], int64_t *last_step,
    int *confirmed)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT secret_sealed, last_step, "
	    "confirmed_at IS NOT NULL FROM person_totp WHERE person_id = ?");
	int rc = -1;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, person_id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		*last_step = sqlite3_column_int64(s, 1);
		*confirmed = sqlite3_column_int(s, 2);
		rc = totp_unseal(sqlite3_column_blob(s, 0),
		    (size_t)sqlite3_column_bytes(s, 0), secret);
	}
	sqlite3_reset(s);
	return rc;
}

/* A new secret waiting for its first code, sealed into the store in place
 * of any unconfirmed one: 0, or -1 with why in err. */
static int
totp_start(struct ep_db *db, int64_t person_id,
    unsigned char secret[TOTP_SECRET_BYTES], char *err, size_t len)
{
	unsigned char key[SEAL_KEY_BYTES], sealed[TOTP_SEALED_BYTES];
	sqlite3_stmt *s;
	int rc;

	if (totp_key(key, err, len) != 0)
		return -1;
	randombytes_buf(secret, TOTP_SECRET_BYTES);
	randombytes_buf(sealed, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(sealed + crypto_secretbox_NONCEBYTES, secret,
	    TOTP_SECRET_BYTES, sealed, key);
	sodium_memzero(key, sizeof key);
	s = db_stmt(db, "INSERT INTO person_totp (person_id, secret_sealed, "
	    "created_at) VALUES (?1, ?2, ?3) ON CONFLICT (person_id) DO UPDATE "
	    "SET secret_sealed = ?2, created_at = ?3, last_step = 0 WHERE "
	    "confirmed_at IS NULL");
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, person_id);
	sqlite3_bind_blob(s, 2, sealed, sizeof sealed, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, (int64_t)time(NULL));
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(s);
	if (rc != 0)
		snprintf(err, len, "the store failed: %s", db_errmsg(db));
	return rc;
}

/*
 * Checks a six-digit code against the secret at the server's clock, one
 * step either side for drift. A step already used (the code seen before)
 * is refused, so a code overheard cannot be used again. 0 with the step
 * in *step, or -1.
 */
static int
totp_code_ok(const unsigned char secret[TOTP_SECRET_BYTES],
    int64_t last_step, const char *code, int64_t *step)
{
	time_t now = time(NULL);
	int pos = 0;
	size_t i;

	if (strlen(code) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		if (code[i] < '0' || code[i] > '9')
			return -1;
	if (oath_totp_validate2((const char *)secret, TOTP_SECRET_BYTES, now,
	    TOTP_STEP, 0, TOTP_WINDOW, &pos, code) < 0)
		return -1;
	*step = (int64_t)(now / TOTP_STEP) + pos;
	return *step > last_step ? 0 : -1;
}

/* A code as typed, with spaces and hyphens dropped and letters lowered. */
static void
totp_normalise(const char *in, char *out, size_t len)
{
	size_t n = 0;

	for (; in != NULL && *in != '\0' && n + 1 < len; in++) {
		if (*in == ' ' || *in == '-' || *in == '\t')
			continue;
		out[n++] = (*in >= 'A' && *in <= 'Z') ? (char)(*in + 32) : *in;
	}
	out[n] = '\0';
}

/* A recovery code's stored hash: BLAKE2b of the code, keyed by the
 * person, so one table of guesses does not fit every account. */
static void
recovery_hash(unsigned char out[TOKEN_HASH_BYTES], int64_t person_id,
    const char *code)
{
	char key[32];

	snprintf(key, sizeof key, "expertpool recovery %lld",
	    (long long)person_id);
	crypto_generichash(out, TOKEN_HASH_BYTES, (const unsigned char *)code,
	    strlen(code), (const unsigned char *)key, strlen(key));
}

/* Uses a recovery code, once: 0 when it was the person's and unused. */
static int
recovery_use(struct ep_db *db, int64_t person_id, const char *code)
{
	unsigned char h[TOKEN_HASH_BYTES];
	sqlite3_stmt *s;
	int rc = -1;

	if (strlen(code) != RECOVERY_CHARS)
		return -1;
	recovery_hash(h, person_id, code);
	s = db_stmt(db, "UPDATE recovery_codes SET used_at = ? WHERE "
	    "person_id = ? AND code_hash = ? AND used_at IS NULL");
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, (int64_t)time(NULL));
	sqlite3_bind_int64(s, 2, person_id);
	sqlite3_bind_blob(s, 3, h, sizeof h, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_DONE && sqlite3_changes(db->sql) == 1)
		rc = 0;
	sqlite3_reset(s);
	return rc;
}

/* Recovery codes left unused. */
static int64_t
recovery_left(struct ep_db *db, int64_t person_id)
{
	return db_int_id(db, "SELECT count(*) FROM recovery_codes "
	    "WHERE person_id = ? AND used_at IS NULL",
	    person_id);
}

/* Ten new recovery codes in place of any old ones; out gets them as the
 * person reads them (xxxx-xxxx-xxxx), 15 bytes each. */
static int
recovery_make(struct ep_db *db, int64_t person_id,
    char out[RECOVERY_CODES][16])
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char h[TOKEN_HASH_BYTES];
	char code[RECOVERY_CHARS + 1];
	sqlite3_stmt *s;
	int i, j;

	if (db_run_id(db, "DELETE FROM recovery_codes WHERE person_id = ?",
	    person_id) != 0)
		return -1;
	for (i = 0; i < RECOVERY_CODES; i++) {
		for (j = 0; j < RECOVERY_CHARS; j++)
			code[j] = alphabet[randombytes_uniform(32)];
		code[RECOVERY_CHARS] = '\0';
		snprintf(out[i], 16, "%.4s-%.4s-%.4s", code, code + 4, code + 8);
		recovery_hash(h, person_id, code);
		s = db_stmt(db, "INSERT INTO recovery_codes (person_id, code_hash) "
		    "VALUES (?, ?)");
		if (s == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, person_id);
		sqlite3_bind_blob(s, 2, h, sizeof h, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE) {
			sqlite3_reset(s);
			return -1;
		}
		sqlite3_reset(s);
	}
	sodium_memzero(code, sizeof code);
	return 0;
}

/* Marks a step used, so its code is not accepted again. */
static int
totp_step_used(struct ep_db *db, int64_t person_id, int64_t step)
{
	sqlite3_stmt *s = db_stmt(db, "UPDATE person_totp SET last_step = ? "
	    "WHERE person_id = ? AND last_step < ?");
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, step);
	sqlite3_bind_int64(s, 2, person_id);
	sqlite3_bind_int64(s, 3, step);
	rc = sqlite3_step(s) == SQLITE_DONE && sqlite3_changes(db->sql) == 1 ?
	    0 : -1;
	sqlite3_reset(s);
	return rc;
}

/*
 * Checks what a person typed against their confirmed second factor: a
 * code from their app or one of their recovery codes. Runs in the
 * caller's transaction; a recovery code used is audited there. 0 when it
 * was good, -1 when not.
 */
static int
totp_verify(struct ep_db *db, const struct principal *who, const char *typed)
{
	unsigned char secret[TOTP_SECRET_BYTES];
	struct audit_actor actor;
	char code[64], summary[64];
	int64_t last = 0, step;
	int confirmed = 0, rc = -1;

	totp_normalise(typed, code, sizeof code);
	if (totp_load(db, who->person_id, secret, &last, &confirmed) != 0 ||
	    !confirmed)
		goto out;
	if (totp_code_ok(secret, last, code, &step) == 0) {
		rc = totp_step_used(db, who->person_id, step);
		goto out;
	}
	if (recovery_use(db, who->person_id, code) == 0) {
		audit_actor_of(&actor, who);
		snprintf(summary, sizeof summary, "{\"recovery_codes_left\":%lld}",
		    (long long)recovery_left(db, who->person_id));
		rc = audit_record(db, &actor, "recovery-code-use", "person",
		    who->login, who->org_id, summary);
	}
out:
	sodium_memzero(secret, sizeof secret);
	sodium_memzero(code, sizeof code);
	return rc;
}

/* The secret drawn as a QR code in inline SVG, one path of dark modules
 * inside a four-module quiet zone; its title says where the text is. */
static void
totp_qr_svg(struct evbuffer *b, const char *uri)
{
	QRcode *q = QRcode_encodeString(uri, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	int x, y, size;

	if (q == NULL)
		return;
	size = q->width + 8;
	html_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
	    "aria-labelledby=\"qr-title\" class=\"app-qr\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\">"
	    "<title id=\"qr-title\">QR code holding your secret key for an "
	    "authenticator app. The key is also written out as text below."
	    "</title><rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>"
	    "<path fill=\"#0b0c0c\" d=\"", size * 5, size * 5, size, size, size,
	    size);
	for (y = 0; y < q->width; y++)
		for (x = 0; x < q->width; x++)
			if (q->data[y * q->width + x] & 1)
				evbuffer_add_printf(b, "M%d %dh1v1h-1z", x + 4, y + 4);
	html_printf(b, "\"/></svg>\n");
	QRcode_free(q);
}

/* The enrolment page: the QR code, the key as text, a box for the first
 * code. action is where the form posts; next where to go afterwards. */
static void
totp_enrol_page(struct ep_req *r, int status, const struct form_errors *e,
    const char *action, const char *next)
{
	unsigned char secret[TOTP_SECRET_BYTES];
	char why[256], *b32 = NULL, *enc_login, *uri, grouped[64];
	size_t b32len = 0, i, n = 0;
	struct evbuffer *b;
	int64_t last;
	int confirmed = 0;

	if ((totp_load(http_db(), r->who.person_id, secret, &last,
	    &confirmed) != 0 || confirmed) && totp_start(http_db(),
	    r->who.person_id, secret, why, sizeof why) != 0) {
		log_warn("two-factor enrolment for %s: %s", r->who.login, why);
		page_message(r, 409, "Two-factor sign-in is not available",
		    "This service cannot keep second-factor secrets yet (it has "
		    "no sealing key). Tell your administrator.");
		return;
	}
	oath_base32_encode((const char *)secret, sizeof secret, &b32, &b32len);
	sodium_memzero(secret, sizeof secret);
	for (i = 0; b32 != NULL && i < b32len && n + 2 < sizeof grouped; i++) {
		if (i > 0 && i % 4 == 0)
			grouped[n++] = ' ';
		grouped[n++] = b32[i];
	}
	grouped[n] = '\0';
	enc_login = evhttp_encode_uri(r->who.login);
	uri = xprintf("otpauth://totp/expertpool:%s?secret=%s&issuer=expertpool"
	    "&digits=6&period=%d", enc_login, b32 ? b32 : "", TOTP_STEP);
	b = page_begin(r, "Set up two-factor sign-in", e);
	html_printf(b, "<h1 class=\"govuk-heading-l\">Set up two-factor sign-in"
	    "</h1>\n<p class=\"govuk-body\">You will sign in with your password "
	    "and a code from an authenticator app on your phone or computer.</p>"
	    "\n<ol class=\"govuk-list govuk-list--number\">\n<li>Open your "
	    "authenticator app and add an account.</li>\n<li>Scan the QR code, "
	    "or type in the secret key.</li>\n<li>Enter the 6-digit code the app "
	    "shows.</li>\n</ol>\n<div class=\"govuk-!-margin-bottom-4\">");
	totp_qr_svg(b, uri);
	html_printf(b, "</div>\n<h2 class=\"govuk-heading-s\">Secret key</h2>\n"
	    "<p class=\"govuk-body\"><code class=\"app-secret\" id=\"secret\">%s"
	    "</code></p>\n<p class=\"govuk-body\">Choose a time-based key if "
	    "the app asks.</p>\n", grouped);
	form_begin(b, r, action);
	html_printf(b, "<input type=\"hidden\" name=\"next\" value=\"%s\">\n",
	    next);
	form_input_auto(b, e, "code", "Code from the app", "The 6 digits the "
	    "app shows now", "text", NULL, "govuk-input--width-10",
	    "one-time-code");
	form_end(b, "Turn on two-factor sign-in");
	page_end(r, b, status);
	sodium_memzero(grouped, sizeof grouped);
	if (b32 != NULL) {
		sodium_memzero(b32, b32len);
		free(b32);
	}
	free(uri);
	free(enc_login);
}

/* The page that shows the ten recovery codes, once. */
static void
totp_codes_page(struct ep_req *r, char codes[RECOVERY_CODES][16],
    const char *next)
{
	struct evbuffer *b = page_begin(r, "Your recovery codes", NULL);
	int i;

	html_notice(b, "Two-factor sign-in is on");
	html_printf(b, "<h1 class=\"govuk-heading-l\">Your recovery codes</h1>\n"
	    "<p class=\"govuk-body\">If you lose your authenticator app, sign "
	    "in with one of these codes instead. Each code works once.</p>\n"
	    "<div class=\"govuk-warning-text\"><span class=\"govuk-warning-"
	    "text__icon\" aria-hidden=\"true\">!</span><strong class=\"govuk-"
	    "warning-text__text\"><span class=\"govuk-visually-hidden\">"
	    "Warning</span> Keep them somewhere safe now: this is the only time "
	    "they are shown.</strong></div>\n<ul class=\"govuk-list\" "
	    "id=\"recovery-codes\">\n");
	for (i = 0; i < RECOVERY_CODES; i++)
		html_printf(b, "<li><code>%s</code></li>\n", codes[i]);
	html_printf(b, "</ul>\n<a class=\"govuk-button\" href=\"%s\">Continue"
	    "</a>\n", next);
	page_end(r, b, 200);
}

/* Confirms an enrolment with its first code: the secret is kept, the
 * recovery codes made, the session counts as having shown it, audited. */
static int
totp_confirm(struct ep_db *db, const struct principal *who, const char *typed,
    char codes[RECOVERY_CODES][16])
{
	unsigned char secret[TOTP_SECRET_BYTES];
	struct audit_actor actor;
	char code[16];
	int64_t last = 0, step;
	int confirmed = 0, rc = -1;
	sqlite3_stmt *s;

	totp_normalise(typed, code, sizeof code);
	if (db_begin(db) != 0)
		return -1;
	if (totp_load(db, who->person_id, secret, &last, &confirmed) != 0 ||
	    confirmed || totp_code_ok(secret, last, code, &step) != 0)
		goto out;
	s = db_stmt(db, "UPDATE person_totp SET confirmed_at = ?, last_step = ? "
	    "WHERE person_id = ? AND confirmed_at IS NULL");
	if (s == NULL)
		goto out;
	sqlite3_bind_int64(s, 1, (int64_t)time(NULL));
	sqlite3_bind_int64(s, 2, step);
	sqlite3_bind_int64(s, 3, who->person_id);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(s);
	audit_actor_of(&actor, who);
	if (rc != 0 || recovery_make(db, who->person_id, codes) != 0 ||
	    (who->session_id != 0 && session_factor_shown(db,
	    who->session_id) != 0) || audit_record(db, &actor,
	    "two-factor-enrol", "person", who->login, who->org_id,
	    "{\"before\":{\"two_factor\":\"off\"},\"after\":{\"two_factor\":"
	    "\"on\",\"recovery_codes\":10}}") != 0)
		rc = -1;
out:
	sodium_memzero(secret, sizeof secret);
	if (rc == 0 && db_commit(db) == 0)
		return 0;
	db_rollback(db);
	return -1;
}

/* The enrolment form posted: the codes page, or the form with its error. */
static void
totp_enrol_post(struct ep_req *r, const char *action)
{
	const char *next = login_safe_next(http_form(r, "next"));
	char codes[RECOVERY_CODES][16];
	struct form_errors e = { 0 };
	const char *code = http_form(r, "code");

	if (code == NULL || *code == '\0')
		errs_add(&e, "code", "Enter the 6-digit code from your app");
	else if (totp_confirm(http_db(), &r->who, code, codes) != 0)
		errs_add(&e, "code", "The code is not right: check the app's "
		    "clock, and enter the code it shows now");
	if (e.n > 0) {
		totp_enrol_page(r, 400, &e, action, next);
		errs_free(&e);
		return;
	}
	totp_codes_page(r, codes, next);
	sodium_memzero(codes, sizeof codes);
}

/* The page asking for the code: at sign-in, or again before money moves. */
static void
totp_code_page(struct ep_req *r, int status, const struct form_errors *e,
    const char *next)
{
	struct evbuffer *b = page_begin(r, "Enter your code", e);

	html_printf(b, "<h1 class=\"govuk-heading-l\">Enter your code</h1>\n");
	if (r->authed)
		html_printf(b, "<p class=\"govuk-body\">This needs a code from the "
		    "last %D minutes. Enter the code your authenticator app shows "
		    "now.</p>\n", cfg.two_factor_fresh / 60);
	else
		html_printf(b, "<p class=\"govuk-body\">Enter the code your "
		    "authenticator app shows now.</p>\n");
	form_begin(b, r, "/login/two-factor");
	html_printf(b, "<input type=\"hidden\" name=\"next\" value=\"%s\">\n",
	    next);
	form_input_auto(b, e, "code", "Code", "6 digits, or one of your recovery "
	    "codes if you cannot use the app", "text", NULL,
	    "govuk-input--width-20", "one-time-code");
	form_end(b, "Continue");
	page_end(r, b, status);
}

/* Redirects to a two-factor page with the next path carried along. */
static void
totp_redirect(struct ep_req *r, const char *page, const char *next)
{
	char *enc = evhttp_encode_uri(next);
	char *loc = xprintf("%s?next=%s", page, enc);

	http_redirect(r, loc);
	free(loc);
	free(enc);
}

static void
totp_login_get_cb(struct ep_req *r, void *arg)
{
	const char *next = login_safe_next(http_query(r, "next"));

	(void)arg;
	if (!r->authed && !r->waiting_factor)
		totp_redirect(r, "/login", next);
	else if (!r->who.factor_enrolled)
		totp_redirect(r, r->authed ? "/account/two-factor" :
		    "/login/two-factor/setup", next);
	else
		totp_code_page(r, 200, NULL, next);
}

/* A code posted at sign-in or for a fresh factor: counted like a sign-in
 * attempt, so codes cannot be guessed faster than passwords. */
static void
totp_login_post_cb(struct ep_req *r, void *arg)
{
	const char *next = login_safe_next(http_form(r, "next"));
	const char *code = http_form(r, "code");
	const char *address = http_client_address(r);
	struct form_errors e = { 0 };
	struct ep_db *db = http_db();
	int retry;

	(void)arg;
	if ((!r->authed && !r->waiting_factor) || !auth_csrf_valid(r)) {
		page_message(r, 403, "This form has expired",
		    "Go back, reload the page and try again.");
		return;
	}
	if (login_limited(r->who.login, address, &retry)) {
		page_message(r, 429, "Too many attempts",
		    "There were too many attempts. Try again in a minute.");
		return;
	}
	if (code == NULL || *code == '\0') {
		errs_add(&e, "code", "Enter the code from your authenticator app");
		goto bad;
	}
	login_count_failure(r->who.login, address);
	if (db_begin(db) != 0)
		goto busy;
	if (totp_verify(db, &r->who, code) != 0) {
		db_rollback(db);
		errs_add(&e, "code", "The code is not right: enter the code your "
		    "app shows now, or an unused recovery code");
		goto bad;
	}
	if (session_factor_shown(db, r->who.session_id) != 0 ||
	    db_commit(db) != 0) {
		db_rollback(db);
		goto busy;
	}
	login_forgive(r->who.login, address);
	http_redirect(r, next);
	return;
bad:
	totp_code_page(r, 400, &e, next);
	errs_free(&e);
	return;
busy:
	page_message(r, 503, "Sorry, there is a problem",
	    "Your code could not be checked. Try again shortly.");
}

/* Enrolment during sign-in, for a person whose role requires it. */
static void
totp_setup_get_cb(struct ep_req *r, void *arg)
{
	const char *next = login_safe_next(http_query(r, "next"));

	(void)arg;
	if (!r->waiting_factor)
		http_redirect(r, r->authed ? "/account/two-factor" : "/login");
	else if (r->who.factor_enrolled)
		totp_redirect(r, "/login/two-factor", next);
	else
		totp_enrol_page(r, 200, NULL, "/login/two-factor/setup", next);
}

static void
totp_setup_post_cb(struct ep_req *r, void *arg)
{
	(void)arg;
	if (!r->waiting_factor || r->who.factor_enrolled ||
	    !auth_csrf_valid(r)) {
		page_message(r, 403, "This form has expired",
		    "Go back, reload the page and try again.");
		return;
	}
	totp_enrol_post(r, "/login/two-factor/setup");
}

/* The account page: on, with how many recovery codes are left and a way
 * to turn it off; or off, with the enrolment form. */
static void
totp_account_get_cb(struct ep_req *r, void *arg)
{
	struct evbuffer *b;
	char left[32];

	(void)arg;
	if (!r->who.factor_enrolled) {
		totp_enrol_page(r, 200, NULL, "/account/two-factor",
		    "/account/two-factor");
		return;
	}
	snprintf(left, sizeof left, "%lld of %d",
	    (long long)recovery_left(http_db(), r->who.person_id),
	    RECOVERY_CODES);
	b = page_begin(r, "Two-factor sign-in", NULL);
	html_printf(b, "<h1 class=\"govuk-heading-l\">Two-factor sign-in</h1>\n"
	    "<dl class=\"govuk-summary-list\">\n");
	html_summary_row(b, "Status", "On: you sign in with a code from your "
	    "authenticator app");
	html_summary_row(b, "Recovery codes left", left);
	html_printf(b, "</dl>\n");
	if (totp_role_required(r->who.roles)) {
		html_printf(b, "<p class=\"govuk-body\">Your role needs two-factor "
		    "sign-in, so it cannot be turned off. If you lose your app and "
		    "your recovery codes, ask an administrator.</p>\n");
	} else {
		html_printf(b, "<h2 class=\"govuk-heading-m\">Turn it off</h2>\n");
		form_begin(b, r, "/account/two-factor/remove");
		form_input_auto(b, NULL, "code", "Code from the app", "Or a "
		    "recovery code", "text", NULL, "govuk-input--width-20",
		    "one-time-code");
		html_printf(b, "<button type=\"submit\" class=\"govuk-button "
		    "govuk-button--warning\" data-module=\"govuk-button\">Turn off "
		    "two-factor sign-in</button>\n</form>\n");
	}
	page_end(r, b, 200);
}

static void
totp_account_post_cb(struct ep_req *r, void *arg)
{
	(void)arg;
	if (r->who.factor_enrolled) {
		http_redirect(r, "/account/two-factor");
		return;
	}
	totp_enrol_post(r, "/account/two-factor");
}

/* Removes the second factor after a good code, audited; refused when the
 * person's role requires one. */
static void
totp_remove_post_cb(struct ep_req *r, void *arg)
{
	struct ep_db *db = http_db();
	struct audit_actor actor;
	const char *code = http_form(r, "code");
	int retry;

	(void)arg;
	if (!r->who.factor_enrolled || totp_role_required(r->who.roles)) {
		page_message(r, 409, "Two-factor sign-in stays on",
		    r->who.factor_enrolled ? "Your role needs two-factor sign-in."
		    : "Two-factor sign-in is not on.");
		return;
	}
	if (login_limited(r->who.login, http_client_address(r), &retry)) {
		page_message(r, 429, "Too many attempts",
		    "There were too many attempts. Try again in a minute.");
		return;
	}
	login_count_failure(r->who.login, http_client_address(r));
	if (db_begin(db) != 0)
		goto fail;
	if (code == NULL || totp_verify(db, &r->who, code) != 0) {
		db_rollback(db);
		page_message(r, 400, "The code is not right",
		    "Go back and enter the code your app shows now, or an unused "
		    "recovery code.");
		return;
	}
	audit_actor_of(&actor, &r->who);
	if (db_run_id(db, "DELETE FROM person_totp WHERE person_id = ?",
	    r->who.person_id) != 0 || db_run_id(db, "DELETE FROM "
	    "recovery_codes WHERE person_id = ?", r->who.person_id) != 0 ||
	    audit_record(db, &actor, "two-factor-remove", "person",
	    r->who.login, r->who.org_id, "{\"before\":{\"two_factor\":\"on\"},"
	    "\"after\":{\"two_factor\":\"off\"}}") != 0 || db_commit(db) != 0) {
		db_rollback(db);
		goto fail;
	}
	login_forgive(r->who.login, http_client_address(r));
	http_redirect(r, "/account/two-factor?done=two-factor-off");
	return;
fail:
	page_message(r, 503, "Sorry, there is a problem",
	    "Two-factor sign-in could not be turned off. Try again shortly.");
}

/*
 * Before an action that moves money: 0 when the person needs no second
 * factor, or their session showed one within two_factor_fresh seconds.
 * Otherwise it replies (a page to the code form, coming back to next; an
 * API client 403) and returns -1.
 */
int
totp_fresh(struct ep_req *r, const char *next)
{
	int64_t now = (int64_t)time(NULL);
	int needed = r->who.session_id != 0 ? r->who.factor_enrolled ||
	    totp_role_required(r->who.roles) : totp_needed(http_db(),
	    r->who.person_id, r->who.roles);

	if (!needed)
		return 0;
	if (r->who.session_id != 0 && r->who.factor_at != 0 &&
	    now - r->who.factor_at <= cfg.two_factor_fresh)
		return 0;
	if (r->who.session_id == 0)
		http_json_error(r, 403, "second_factor", NULL, "this needs a "
		    "second factor shown in a browser session");
	else
		totp_redirect(r, "/login/two-factor", login_safe_next(next));
	return -1;
}

void
totp_routes_register(void)
{
	oath_init();
	route_add(NULL, "GET", "/login/two-factor", EP_ROLE_PUBLIC,
	    totp_login_get_cb, NULL);
	route_add(NULL, "POST", "/login/two-factor", EP_ROLE_PUBLIC,
	    totp_login_post_cb, NULL);
	route_add(NULL, "GET", "/login/two-factor/setup", EP_ROLE_PUBLIC,
	    totp_setup_get_cb, NULL);
	route_add(NULL, "POST", "/login/two-factor/setup", EP_ROLE_PUBLIC,
	    totp_setup_post_cb, NULL);
	route_add(NULL, "GET", "/account/two-factor", EP_ROLE_ANY,
	    totp_account_get_cb, NULL);
	route_add(NULL, "POST", "/account/two-factor", EP_ROLE_ANY,
	    totp_account_post_cb, NULL);
	route_add(NULL, "POST", "/account/two-factor/remove", EP_ROLE_ANY,
	    totp_remove_post_cb, NULL);
}
