/* reset-pages.c: a forgotten password, reset by a one-time e-mailed link. */
#include "server.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <sqlite3.h>

#define RESET_LIFETIME (30 * 60)	/* seconds a link works */
#define RESET_WINDOW (15 * 60)		/* seconds over which asks count */
#define RESET_PER_ADDRESS 3		/* asks for one e-mail address */
#define RESET_PER_CLIENT 10		/* asks from one client address */
#define RESET_SLOTS 1024
#define RESET_CSRF_COOKIE "ep_reset"

/* Recent asks for one e-mail address or from one client address. */
struct reset_limit {
	char key[160];
	time_t at[RESET_PER_CLIENT];
};

/* Clients and e-mail addresses apart, so that asks for many addresses
 * cannot take over, and so forget, the slot counting their client's. */
static struct reset_limit reset_limits[2][RESET_SLOTS];
static unsigned char reset_limit_key[crypto_shorthash_KEYBYTES];

/* The slot for a key of a kind, found by SipHash under a key drawn at
 * start; a colliding key of the same kind takes the slot over, which
 * only forgets old asks. */
static struct reset_limit *
reset_limit_find(const char *kind, const char *key)
{
	static int keyed;
	unsigned char h[crypto_shorthash_BYTES];
	char full[160];
	uint64_t slot;
	struct reset_limit *l;

	if (!keyed) {
		randombytes_buf(reset_limit_key, sizeof reset_limit_key);
		keyed = 1;
	}
	snprintf(full, sizeof full, "%s:%s", kind, key);
	crypto_shorthash(h, (const unsigned char *)full, strlen(full),
	    reset_limit_key);
	memcpy(&slot, h, sizeof slot);
	l = &reset_limits[strcmp(kind, "client") == 0 ? 0 : 1][slot % RESET_SLOTS];
	if (strcmp(l->key, full) != 0) {
		memset(l, 0, sizeof *l);
		snprintf(l->key, sizeof l->key, "%s", full);
	}
	return l;
}

/* Counts an ask against a key: 0, or -1 when it already had max in the
 * window (and this one is not counted). */
static int
reset_limit_take(const char *kind, const char *key, int max)
{
	struct reset_limit *l = reset_limit_find(kind, key);
	time_t now = time(NULL);
	int i, n = 0, oldest = 0;

	for (i = 0; i < max; i++) {
		if (l->at[i] != 0 && now - l->at[i] < RESET_WINDOW)
			n++;
		if (l->at[i] < l->at[oldest])
			oldest = i;
	}
	if (n >= max)
		return -1;
	l->at[oldest] = now;
	return 0;
}

/* Sets the double-submit cookie for the public forms; out gets its value. */
static void
reset_csrf_set(struct ep_req *r, char *out, size_t len)
{
	char cookie[128];

	token_new(out, len, "");
	snprintf(cookie, sizeof cookie, "%s=%s; Path=/login; HttpOnly; "
	    "SameSite=Strict%s", RESET_CSRF_COOKIE, out, cfg.tls ? "; Secure" :
	    "");
	http_reply_header(r, "Set-Cookie", cookie);
}

/* True when the form's token matches the cookie's. */
static int
reset_csrf_ok(struct ep_req *r)
{
	const char *sent = http_form(r, "csrf");
	char cookie[64];

	return sent != NULL && auth_cookie_value(r, RESET_CSRF_COOKIE, cookie,
	    sizeof cookie) == 0 && strlen(sent) == strlen(cookie) &&
	    sodium_memcmp(sent, cookie, strlen(cookie)) == 0;
}

static void
forgotten_page(struct ep_req *r, int status, const struct form_errors *e,
    const char *email)
{
	struct evbuffer *b = page_begin(r, "Reset your password", e);
	char csrf[48];

	reset_csrf_set(r, csrf, sizeof csrf);
	html_printf(b, "<h1 class=\"govuk-heading-l\">Reset your password</h1>\n"
	    "<p class=\"govuk-body\">Enter the email address of your account. "
	    "We will send a link to reset your password. The link works once, "
	    "for 30 minutes.</p>\n"
	    "<form method=\"post\" action=\"/login/forgotten\" novalidate>\n"
	    "<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n", csrf);
	form_input_auto(b, e, "email", "Email address", NULL, "email", email,
	    "govuk-!-width-two-thirds", "email");
	form_end(b, "Send the link");
	html_printf(b, "<p class=\"govuk-body\"><a class=\"govuk-link\" "
	    "href=\"/login\">Back to sign in</a></p>\n");
	page_end(r, b, status);
}

static void
forgotten_get_cb(struct ep_req *r, void *arg)
{
	(void)arg;
	forgotten_page(r, 200, NULL, NULL);
}

/* The page every well-formed ask gets, known address or not. */
static void
forgotten_sent(struct ep_req *r, const char *email)
{
	struct evbuffer *b = page_begin(r, "Check your email", NULL);

	html_printf(b, "<h1 class=\"govuk-heading-l\">Check your email</h1>\n"
	    "<p class=\"govuk-body\">If %s is the address of an account, we "
	    "have sent it a link to reset the password. The link works once, "
	    "for 30 minutes.</p>\n"
	    "<p class=\"govuk-body\">No email? Check your spam folder, or ask "
	    "your administrator which address your account has.</p>\n"
	    "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/login\">"
	    "Back to sign in</a></p>\n", email);
	page_end(r, b, 200);
}

/* Makes a link for one person and queues the e-mail to the address their
 * account has (not as typed), in one transaction with its audit event. */
static int
reset_send(struct ep_db *db, int64_t person_id, const char *login,
    int64_t org_id, const char *email)
{
	struct audit_actor actor = { 0, "password reset" };
	unsigned char h[TOKEN_HASH_BYTES];
	char token[64], link[128];
	int64_t now = (int64_t)time(NULL);
	sqlite3_stmt *s;

	token_new(token, sizeof token, "");
	token_hash(h, token);
	snprintf(link, sizeof link, "/login/reset?token=%s", token);
	sodium_memzero(token, sizeof token);
	if (db_begin(db) != 0)
		return -1;
	s = db_stmt(db, "INSERT INTO password_resets (token_hash, person_id, "
	    "created_at, expires_at) VALUES (?, ?, ?, ?)");
	if (s == NULL)
		goto fail;
	sqlite3_bind_blob(s, 1, h, sizeof h, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, person_id);
	sqlite3_bind_int64(s, 3, now);
	sqlite3_bind_int64(s, 4, now + RESET_LIFETIME);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_reset(s);
		goto fail;
	}
	sqlite3_reset(s);
	if (outbox_queue_address(db, email, "Reset your expertpool password",
	    "Someone, we hope you, asked to reset the password of your "
	    "expertpool account. Follow the link below to choose a new one.\n\n"
	    "The link works once, for 30 minutes. If you did not ask, ignore "
	    "this email: your password has not changed.", link) != 0 ||
	    audit_record(db, &actor, "password-reset-sent", "person", login,
	    org_id, "{}") != 0 || db_commit(db) != 0)
		goto fail;
	sodium_memzero(link, sizeof link);
	return 0;
fail:
	sodium_memzero(link, sizeof link);
	db_rollback(db);
	return -1;
}

/*
 * An ask for a link. Whether or not the address is an account's, the
 * answer is the same page; only an account's address gets a message.
 * Asks are limited per e-mail address and per client address.
 */
static void
forgotten_post_cb(struct ep_req *r, void *arg)
{
	const char *email = http_form(r, "email");
	struct form_errors e = { 0 };
	struct ep_db *db = http_db();
	sqlite3_stmt *s;
	struct { int64_t id, org; char login[72], email[128]; } who[8];
	size_t n = 0, i;

	(void)arg;
	if (!reset_csrf_ok(r)) {
		page_message(r, 403, "This form has expired",
		    "Go back, reload the page and try again.");
		return;
	}
	if (email == NULL || *email == '\0')
		errs_add(&e, "email", "Enter your email address");
	else if (!email_ok(email) || strlen(email) > 120)
		errs_add(&e, "email", "Enter an email address in the correct "
		    "format, like name@example.gov.uk");
	if (e.n > 0) {
		forgotten_page(r, 400, &e, email);
		errs_free(&e);
		return;
	}
	if (reset_limit_take("client", http_client_address(r),
	    RESET_PER_CLIENT) != 0 || reset_limit_take("email", email,
	    RESET_PER_ADDRESS) != 0) {
		http_reply_header(r, "Retry-After", "900");
		page_message(r, 429, "Too many requests", "There have been too "
		    "many requests to reset a password. Try again in 15 minutes.");
		return;
	}
	s = db_stmt(db, "SELECT id, org_id, login, email FROM people WHERE "
	    "email = ? COLLATE NOCASE AND disabled = 0 ORDER BY id LIMIT 8");
	if (s != NULL) {
		sqlite3_bind_text(s, 1, email, -1, SQLITE_STATIC);
		while (n < nitems(who) && sqlite3_step(s) == SQLITE_ROW) {
			who[n].id = sqlite3_column_int64(s, 0);
			who[n].org = sqlite3_column_int64(s, 1);
			snprintf(who[n].login, sizeof who[n].login, "%s",
			    sqlite3_column_text(s, 2));
			snprintf(who[n].email, sizeof who[n].email, "%s",
			    sqlite3_column_text(s, 3));
			n++;
		}
		sqlite3_reset(s);
	}
	for (i = 0; i < n; i++)
		if (reset_send(db, who[i].id, who[i].login, who[i].org,
		    who[i].email) != 0)
			log_warn("password reset for %s could not be saved: %s",
			    who[i].login, db_errmsg(db));
	forgotten_sent(r, email);
}

/* The person a live link names: their id, or 0 when the link is unknown,
 * used, expired, or their account is disabled. */
static int64_t
reset_find(struct ep_db *db, const char *token, int64_t *reset_id)
{
	unsigned char h[TOKEN_HASH_BYTES];
	sqlite3_stmt *s;
	int64_t person = 0;

	if (token == NULL || strlen(token) < 32 || strlen(token) > 64)
		return 0;
	token_hash(h, token);
	s = db_stmt(db, "SELECT r.id, r.person_id FROM password_resets r JOIN "
	    "people p ON p.id = r.person_id WHERE r.token_hash = ? AND "
	    "r.used_at IS NULL AND r.expires_at > ? AND p.disabled = 0");
	if (s == NULL)
		return 0;
	sqlite3_bind_blob(s, 1, h, sizeof h, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (int64_t)time(NULL));
	if (sqlite3_step(s) == SQLITE_ROW) {
		*reset_id = sqlite3_column_int64(s, 0);
		person = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	return person;
}

static void
reset_dead(struct ep_req *r)
{
	struct evbuffer *b = page_begin(r, "This link has expired", NULL);

	html_printf(b, "<h1 class=\"govuk-heading-l\">This link has expired"
	    "</h1>\n<p class=\"govuk-body\">A link to reset your password works "
	    "once, for 30 minutes. This one has been used, has expired, or is "
	    "not complete.</p>\n<p class=\"govuk-body\"><a class=\"govuk-link\" "
	    "href=\"/login/forgotten\">Ask for a new link</a></p>\n");
	page_end(r, b, 410);
}

static void
reset_page(struct ep_req *r, int status, const struct form_errors *e,
    const char *token)
{
	struct evbuffer *b = page_begin(r, "Choose a new password", e);
	char csrf[48];

	reset_csrf_set(r, csrf, sizeof csrf);
	html_printf(b, "<h1 class=\"govuk-heading-l\">Choose a new password"
	    "</h1>\n<p class=\"govuk-body\">You will be signed out everywhere, "
	    "and your API tokens will stop working.</p>\n"
	    "<form method=\"post\" action=\"/login/reset\" novalidate>\n"
	    "<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n"
	    "<input type=\"hidden\" name=\"token\" value=\"%s\">\n", csrf,
	    token);
	form_input_auto(b, e, "password", "New password", "At least 10 "
	    "characters", "password", NULL, "govuk-!-width-one-half",
	    "new-password");
	form_end(b, "Save the new password");
	page_end(r, b, status);
}

static void
reset_get_cb(struct ep_req *r, void *arg)
{
	const char *token = http_query(r, "token");
	int64_t id;

	(void)arg;
	if (reset_find(http_db(), token, &id) == 0) {
		reset_dead(r);
		return;
	}
	reset_page(r, 200, NULL, token);
}

/* A reset on its way: the new password is hashed on the password thread. */
struct reset_change {
	struct ep_req *r;
	char token[72];
	char *password;
	char hash[crypto_pwhash_STRBYTES];
	int ok;
};

static void
reset_change_free(struct reset_change *c)
{
	password_free(c->password);
	sodium_memzero(c, sizeof *c);
	free(c);
}

static void
reset_change_work(void *arg)
{
	struct reset_change *c = arg;

	c->ok = password_hash(c->password, c->hash) == 0;
}

/* Uses the link, once: marks it and the person's other links used, sets
 * the password (which ends their sessions and API tokens), audits. */
static int
reset_apply(struct ep_db *db, const char *token, const char *hash)
{
	struct form_errors e = { 0 };
	struct audit_actor actor;
	char login[72] = "";
	int64_t person, id = 0, org = 0;
	sqlite3_stmt *s;

	if (db_begin(db) != 0)
		return -1;
	if ((person = reset_find(db, token, &id)) == 0)
		goto fail;
	s = db_stmt(db, "SELECT login, org_id FROM people WHERE id = ?");
	if (s == NULL)
		goto fail;
	sqlite3_bind_int64(s, 1, person);
	if (sqlite3_step(s) == SQLITE_ROW) {
		snprintf(login, sizeof login, "%s", sqlite3_column_text(s, 0));
		org = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	actor.id = person;
	actor.name = login;
	s = db_stmt(db, "UPDATE password_resets SET used_at = ? WHERE "
	    "person_id = ? AND used_at IS NULL");
	if (s == NULL)
		goto fail;
	sqlite3_bind_int64(s, 1, (int64_t)time(NULL));
	sqlite3_bind_int64(s, 2, person);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_reset(s);
		goto fail;
	}
	sqlite3_reset(s);
	if (person_set_password_hash(db, &actor, person, hash, &e) != 0 ||
	    audit_record(db, &actor, "password-reset", "person", login, org,
	    "{\"sessions\":\"ended\",\"api_tokens\":\"revoked\"}") != 0 ||
	    db_commit(db) != 0)
		goto fail;
	return 0;
fail:
	errs_free(&e);
	db_rollback(db);
	return -1;
}

static void
reset_change_done(void *arg)
{
	struct reset_change *c = arg;
	struct ep_req *r = c->r;

	if (!c->ok)
		page_message(r, 500, "Sorry, there is a problem",
		    "Your password could not be saved. Try again later.");
	else if (reset_apply(http_db(), c->token, c->hash) != 0)
		reset_dead(r);
	else
		http_redirect(r, "/login?done=password");
	reset_change_free(c);
}

static void
reset_post_cb(struct ep_req *r, void *arg)
{
	const char *token = http_form(r, "token");
	const char *password = http_form(r, "password");
	struct form_errors e = { 0 };
	struct reset_change *c;
	int64_t id;

	(void)arg;
	if (!reset_csrf_ok(r)) {
		page_message(r, 403, "This form has expired",
		    "Go back, reload the page and try again.");
		return;
	}
	if (reset_find(http_db(), token, &id) == 0) {
		reset_dead(r);
		return;
	}
	password_validate(password, "password", &e);
	if (e.n > 0) {
		reset_page(r, 400, &e, token);
		errs_free(&e);
		return;
	}
	c = xcalloc(1, sizeof *c);
	c->r = r;
	snprintf(c->token, sizeof c->token, "%s", token);
	c->password = xstrdup(password);
	if (login_password_work(r, reset_change_work, reset_change_done, c) != 0)
		reset_change_free(c);
}

void
reset_routes_register(void)
{
	route_add(NULL, "GET", "/login/forgotten", EP_ROLE_PUBLIC,
	    forgotten_get_cb, NULL);
	route_add(NULL, "POST", "/login/forgotten", EP_ROLE_PUBLIC,
	    forgotten_post_cb, NULL);
	route_add(NULL, "GET", "/login/reset", EP_ROLE_PUBLIC, reset_get_cb,
	    NULL);
	route_add(NULL, "POST", "/login/reset", EP_ROLE_PUBLIC, reset_post_cb,
	    NULL);
}
