/* login-pages.c: signing in and out, the rate limit on attempts, passwords. */
#include "server.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/http.h>
#include <sodium.h>
#include <sqlite3.h>

#define LOGIN_WINDOW 60     /* seconds over which failures count */
#define LIMIT_SLOTS 4096
#define LIMIT_MAX_TRACK 64
#define LOGIN_CSRF_COOKIE "ep_login"
#define LOGIN_BODY_MAX 4096 /* bytes: login, password, next and the token */

/* Argon2id verifications run, for /metrics and the rate-limit tests. */
static _Atomic uint64_t login_hashes;

uint64_t
login_hash_count(void)
{
	return login_hashes;
}

/* Recent failed attempts for one account or one client address. */
struct limit_entry {
	char key[96];
	int n;
	time_t at[LIMIT_MAX_TRACK]; /* ring of failure times */
	int head;
};

static struct limit_entry limit_table[LIMIT_SLOTS];
static unsigned char limit_key[crypto_shorthash_KEYBYTES];

/* The newest failure an entry holds; 0 when none. */
static time_t
limit_newest(const struct limit_entry *l)
{
	return l->n > 0 ? l->at[(l->head + LIMIT_MAX_TRACK - 1) %
	    LIMIT_MAX_TRACK] : 0;
}

/*
 * The counter for an account or an address. Slots are found by SipHash
 * under a key drawn at start, so nobody can choose keys that collide; a
 * new counter takes a free slot or the stalest of those probed, never one
 * whose failures still count if another has none.
 */
static struct limit_entry *
limit_find(const char *kind, const char *key, int create)
{
	static int keyed;
	unsigned char hb[crypto_shorthash_BYTES];
	char full[96];
	uint64_t h;
	size_t i, slot, stalest = 0;

	if (!keyed) {
		randombytes_buf(limit_key, sizeof limit_key);
		keyed = 1;
	}
	snprintf(full, sizeof full, "%s:%s", kind, key);
	crypto_shorthash(hb, (const unsigned char *)full, strlen(full),
	    limit_key);
	memcpy(&h, hb, sizeof h);
	for (i = 0; i < 8; i++) {
		slot = (h + i) % LIMIT_SLOTS;
		if (strcmp(limit_table[slot].key, full) == 0)
			return &limit_table[slot];
		if (limit_table[slot].key[0] == '\0')
			break;
		if (i == 0 || limit_newest(&limit_table[slot]) <
		    limit_newest(&limit_table[stalest]))
			stalest = slot;
	}
	if (!create)
		return NULL;
	slot = i < 8 ? (h + i) % LIMIT_SLOTS : stalest;
	memset(&limit_table[slot], 0, sizeof limit_table[slot]);
	snprintf(limit_table[slot].key, sizeof limit_table[slot].key, "%s", full);
	return &limit_table[slot];
}

/* Failures in the last minute, and when the oldest of them expires. */
static int
limit_count(struct limit_entry *l, time_t now, time_t *oldest)
{
	int i, n = 0;

	*oldest = now;
	for (i = 0; i < l->n; i++) {
		time_t t = l->at[i];

		if (now - t < LOGIN_WINDOW) {
			n++;
			if (t < *oldest)
				*oldest = t;
		}
	}
	return n;
}

static void
limit_fail(const char *kind, const char *key)
{
	struct limit_entry *l = limit_find(kind, key, 1);

	l->at[l->head] = time(NULL);
	l->head = (l->head + 1) % LIMIT_MAX_TRACK;
	if (l->n < LIMIT_MAX_TRACK)
		l->n++;
}

/* Takes back one failure counted at admission: the attempt succeeded, or
 * was never checked. */
static void
limit_unfail(const char *kind, const char *key)
{
	struct limit_entry *l = limit_find(kind, key, 0);

	if (l == NULL || l->n == 0)
		return;
	l->head = (l->head + LIMIT_MAX_TRACK - 1) % LIMIT_MAX_TRACK;
	l->n--;
}

/*
 * True when the account or the address has used up its failed attempts
 * for the last minute; *retry_after says in how many seconds to try again.
 */
int
login_limited(const char *login, const char *address, int *retry_after)
{
	const struct {
		const char *kind, *key;
		int64_t limit;
	} checks[] = {
		{ "login", login, cfg.login_limit_account },
		{ "addr", address, cfg.login_limit_address },
	};
	time_t now = time(NULL), oldest;
	size_t i;

	for (i = 0; i < nitems(checks); i++) {
		struct limit_entry *l = limit_find(checks[i].kind, checks[i].key, 0);

		if (l != NULL && limit_count(l, now, &oldest) >= checks[i].limit) {
			*retry_after = (int)(oldest + LOGIN_WINDOW - now);
			if (*retry_after < 1)
				*retry_after = 1;
			return 1;
		}
	}
	return 0;
}

static void
login_form(struct ep_req *r, int status, const struct form_errors *e,
    const char *login, const char *next)
{
	char csrf[48];
	char cookie[128];
	struct evbuffer *b;

	token_new(csrf, sizeof csrf, "");
	snprintf(cookie, sizeof cookie, "%s=%s; Path=/login; HttpOnly; "
	    "SameSite=Strict%s", LOGIN_CSRF_COOKIE, csrf, cfg.tls ? "; Secure" : "");
	http_reply_header(r, "Set-Cookie", cookie);
	b = page_begin(r, "Sign in", e);
	html_printf(b, "<h1 class=\"govuk-heading-l\">Sign in</h1>\n"
	    "<form method=\"post\" action=\"/login\" novalidate>\n"
	    "<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n"
	    "<input type=\"hidden\" name=\"next\" value=\"%s\">\n", csrf,
	    next ? next : "/");
	form_input_auto(b, e, "login", "Login name", NULL, "text", login,
	    "govuk-!-width-one-half", "username");
	form_input_auto(b, e, "password", "Password", NULL, "password", NULL,
	    "govuk-!-width-one-half", "current-password");
	form_end(b, "Sign in");
	html_printf(b, "<p class=\"govuk-body\"><a class=\"govuk-link\" "
	    "href=\"/login/forgotten\">Forgotten your password?</a></p>\n");
	oidc_login_choices(b);
	page_end(r, b, status);
}

/* Counts a failed attempt of another kind (a second-factor code) against
 * the account and the address, as a failed sign-in. */
void
login_count_failure(const char *login, const char *address)
{
	limit_fail("login", login);
	limit_fail("addr", address);
}

/* Takes back a count made at admission: the attempt succeeded. */
void
login_forgive(const char *login, const char *address)
{
	limit_unfail("login", login);
	limit_unfail("addr", address);
}

static void
login_get_cb(struct ep_req *r, void *arg)
{
	(void)arg;
	if (r->authed) {
		http_redirect(r, "/");
		return;
	}
	login_form(r, 200, NULL, NULL, http_query(r, "next"));
}

/*
 * Only local paths: "/x", never "//host" or "http:...". Browsers drop tabs
 * and line breaks anywhere in a URL and read a backslash as a slash, so
 * "/\t/host" or "/\\host" would lead off-site: any byte that is not
 * printable ASCII, and any backslash, refuses the path whole.
 */
const char *
login_next(const char *next)
{
	const unsigned char *p;

	if (next == NULL || next[0] != '/' || next[1] == '/')
		return "/";
	for (p = (const unsigned char *)next; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == '\\')
			return "/";
	return next;
}

/* The local path to go on to after signing in, or "/". */
const char *
login_safe_next(const char *next)
{
	return login_next(next);
}

/*
 * Password checks wait their turn here, fairly: each client address has a
 * line of its own, at most LOGIN_PER_ADDRESS long, and the password thread
 * takes one from each line in turn. A flood from many addresses then
 * delays a person signing in from another by a check per flooding address
 * at most; it cannot fill the queue and shut them out. At most
 * cfg.login_queue wait in all. Event loop only.
 */
#define LOGIN_PER_ADDRESS 2
#define LOGIN_IN_FLIGHT 2	/* handed to the thread: one running, one next */

struct login_turn {
	struct login_turn *next;	/* in its address's line */
	void (*work)(void *);
	void (*done)(void *);
	void *arg;
};

struct login_line {
	struct login_line *next;	/* in the ring of lines waiting */
	char address[64];
	struct login_turn *head, *tail;
	int n;
};

static struct login_line *login_ring, *login_ring_tail;
static int login_waiting, login_in_flight;

static void login_dispatch(void);

static void
login_turn_work(void *arg)
{
	struct login_turn *t = arg;

	t->work(t->arg);
}

static void
login_turn_done(void *arg)
{
	struct login_turn *t = arg;

	login_in_flight--;
	t->done(t->arg);
	free(t);
	login_dispatch();
}

/* Hands the thread the next check, one address after another. */
static void
login_dispatch(void)
{
	struct login_line *l;
	struct login_turn *t;

	while (login_in_flight < LOGIN_IN_FLIGHT && (l = login_ring) != NULL) {
		t = l->head;
		l->head = t->next;
		l->n--;
		login_waiting--;
		login_ring = l->next;
		if (login_ring == NULL)
			login_ring_tail = NULL;
		if (l->n > 0) {		/* to the back of the ring */
			l->next = NULL;
			if (login_ring_tail != NULL)
				login_ring_tail->next = l;
			else
				login_ring = l;
			login_ring_tail = l;
		} else {
			free(l);
		}
		login_in_flight++;
		if (worker_run_in(WORKER_PASSWORD, login_turn_work,
		    login_turn_done, t) != 0) {
			/* The thread is gone (never while serving): inline. */
			login_turn_work(t);
			login_turn_done(t);
		}
	}
}

/* Queues a check for address: 0, or -1 when its line or the whole queue
 * is full (the caller answers 503 with Retry-After). */
static int
login_enqueue(const char *address, void (*work)(void *),
    void (*done)(void *), void *arg)
{
	struct login_line *l;
	struct login_turn *t;

	if (login_waiting >= cfg.login_queue)
		return -1;
	for (l = login_ring; l != NULL; l = l->next)
		if (strcmp(l->address, address) == 0)
			break;
	if (l != NULL && l->n >= LOGIN_PER_ADDRESS)
		return -1;
	if (l == NULL) {
		l = xcalloc(1, sizeof *l);
		snprintf(l->address, sizeof l->address, "%s", address);
		if (login_ring_tail != NULL)
			login_ring_tail->next = l;
		else
			login_ring = l;
		login_ring_tail = l;
	}
	t = xcalloc(1, sizeof *t);
	t->work = work;
	t->done = done;
	t->arg = arg;
	if (l->tail != NULL)
		l->tail->next = t;
	else
		l->head = t;
	l->tail = t;
	l->n++;
	login_waiting++;
	login_dispatch();
	return 0;
}

/*
 * Queues Argon2id work for r on the password thread, in the same fair line
 * as sign-ins, and defers r's reply to done: 0. When the line is full it
 * answers 503 with Retry-After itself and returns -1; arg is the caller's
 * to free.
 */
int
login_password_work(struct ep_req *r, void (*work)(void *),
    void (*done)(void *), void *arg)
{
	if (login_enqueue(http_client_address(r), work, done, arg) != 0) {
		http_reply_header(r, "Retry-After", "2");
		page_message(r, 503, "Busy", "Too many people are signing in at "
		    "once. Try again in a few seconds.");
		return -1;
	}
	http_defer(r);
	return 0;
}

struct login_attempt {
	struct ep_req *r;
	int64_t person_id;
	unsigned roles;
	char login[72];
	char address[64];
	char next[256];
	char *password;
	char hash[crypto_pwhash_STRBYTES];
	char rehash[crypto_pwhash_STRBYTES];
	int ok;
	int want_rehash;
};

/* On a worker thread: Argon2id, and a fresh hash if the cost changed. */
static void
login_verify_work(void *arg)
{
	struct login_attempt *a = arg;
	int rehash = 0;

	login_hashes++;
	a->ok = password_check(a->hash, a->password, &rehash) == 0 &&
	    a->person_id > 0;
	if (a->ok && rehash && password_hash(a->password, a->rehash) == 0)
		a->want_rehash = 1;
}

/* Back on the event loop: start the session or say it did not match. */
static void
login_verify_done(void *arg)
{
	struct login_attempt *a = arg;
	struct ep_req *r = a->r;
	struct ep_db *db = http_db();
	struct audit_actor actor = { a->person_id, a->login };
	char token[64], cookie[160];

	if (!a->ok) {
		struct form_errors e = { 0 };

		/* Counted already, when it was admitted. */
		errs_add(&e, "login", "Enter a correct login name and password");
		login_form(r, 401, &e, a->login, a->next);
		errs_free(&e);
		goto out;
	}
	limit_unfail("login", a->login);
	limit_unfail("addr", a->address);
	if (oidc_passwords_off(db, a->person_id)) {
		struct form_errors e = { 0 };

		errs_add(&e, "login", "Your organisation signs in with its council "
		    "account, not a password: choose \"Sign in with your council "
		    "account\" below");
		login_form(r, 403, &e, a->login, a->next);
		errs_free(&e);
		goto out;
	}
	if (db_begin(db) != 0)
		goto fail;
	if ((a->want_rehash && person_store_rehash(db, a->person_id,
	    a->rehash) != 0) ||
	    session_create(db, a->person_id, token, sizeof token) != 0 ||
	    audit_record(db, &actor, "sign-in", "person", a->login, 0,
	    "{}") != 0 || db_commit(db) != 0) {
		db_rollback(db);
		goto fail;
	}
	snprintf(cookie, sizeof cookie, "%s=%s; Path=/; HttpOnly; SameSite=Lax%s",
	    SESSION_COOKIE, token, cfg.tls ? "; Secure" : "");
	http_reply_header(r, "Set-Cookie", cookie);
	if (totp_needed(db, a->person_id, a->roles)) {
		char *enc = evhttp_encode_uri(login_next(a->next));
		char *loc = xprintf("/login/two-factor?next=%s", enc);

		http_redirect(r, loc);
		free(loc);
		free(enc);
	} else
		http_redirect(r, login_next(a->next));
	goto out;
fail:
	page_message(r, 500, "Sorry, there is a problem",
	    "You could not be signed in. Try again later.");
out:
	password_free(a->password);
	sodium_memzero(a, sizeof *a);
	free(a);
}

/* A hash to verify against for unknown logins, so timing tells nothing. */
static const char *
login_dummy_hash(void)
{
	static char dummy[crypto_pwhash_STRBYTES];

	if (dummy[0] == '\0')
		password_hash("not a real password at all", dummy);
	return dummy;
}

static void
login_post_cb(struct ep_req *r, void *arg)
{
	const char *login, *password, *csrf;
	const char *address = http_client_address(r);
	char cookie[64], wait[160];
	struct form_errors e = { 0 };
	struct login_attempt *a;
	sqlite3_stmt *s;
	size_t len;
	int retry;

	(void)arg;
	/* Anyone may post here, signed in or not: a body longer than the
	 * form can make is refused before a byte of it is parsed. */
	http_body(r, &len);
	if (len > LOGIN_BODY_MAX) {
		page_message(r, 413, "The form was too long",
		    "Go back, reload the sign-in page and try again.");
		return;
	}
	login = http_form(r, "login");
	password = http_form(r, "password");
	csrf = http_form(r, "csrf");
	if (csrf == NULL || auth_cookie_value(r, LOGIN_CSRF_COOKIE, cookie,
	    sizeof cookie) != 0 || strlen(csrf) != strlen(cookie) ||
	    sodium_memcmp(csrf, cookie, strlen(cookie)) != 0) {
		page_message(r, 403, "This form has expired",
		    "Go back, reload the sign-in page and try again.");
		return;
	}
	if (login == NULL || *login == '\0')
		errs_add(&e, "login", "Enter your login name");
	if (password == NULL || *password == '\0')
		errs_add(&e, "password", "Enter your password");
	if (e.n > 0) {
		login_form(r, 400, &e, login, http_form(r, "next"));
		errs_free(&e);
		return;
	}
	if (login_limited(login, address, &retry)) {
		snprintf(wait, sizeof wait, "There were too many sign-in attempts. "
		    "Try again in %d second%s.", retry, retry == 1 ? "" : "s");
		snprintf(cookie, sizeof cookie, "%d", retry);
		http_reply_header(r, "Retry-After", cookie);
		page_message(r, 429, "Too many attempts", wait);
		return;
	}
	a = xcalloc(1, sizeof *a);
	a->r = r;
	snprintf(a->login, sizeof a->login, "%s", login);
	snprintf(a->address, sizeof a->address, "%s", address);
	snprintf(a->next, sizeof a->next, "%s", login_next(http_form(r, "next")));
	a->password = xstrdup(password);
	s = db_stmt(http_db(), "SELECT id, password_hash, roles FROM people WHERE "
	    "login = ? AND disabled = 0 AND password_hash IS NOT NULL");
	if (s != NULL) {
		sqlite3_bind_text(s, 1, login, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW) {
			a->person_id = sqlite3_column_int64(s, 0);
			snprintf(a->hash, sizeof a->hash, "%s",
			    sqlite3_column_text(s, 1));
			a->roles = (unsigned)sqlite3_column_int(s, 2);
		}
		sqlite3_reset(s);
	}
	if (a->person_id == 0)
		snprintf(a->hash, sizeof a->hash, "%s", login_dummy_hash());
	/*
	 * The attempt counts as a failure from now, before its hash is done,
	 * so however many arrive at once no more than the limit are checked;
	 * a success takes its count back. Checks run on a thread of their
	 * own, each address in turn, with a bounded queue: past it, "try
	 * again shortly".
	 */
	limit_fail("login", a->login);
	limit_fail("addr", a->address);
	if (login_password_work(r, login_verify_work, login_verify_done,
	    a) != 0) {
		limit_unfail("login", a->login);
		limit_unfail("addr", a->address);
		password_free(a->password);
		free(a);
	}
}

static void
logout_cb(struct ep_req *r, void *arg)
{
	char cookie[128];

	(void)arg;
	if (r->who.session_id != 0)
		session_end(http_db(), r->who.session_id);
	snprintf(cookie, sizeof cookie, "%s=; Path=/; HttpOnly; SameSite=Lax; "
	    "Max-Age=0%s", SESSION_COOKIE, cfg.tls ? "; Secure" : "");
	http_reply_header(r, "Set-Cookie", cookie);
	http_redirect(r, "/login");
}

static void
password_page(struct ep_req *r, int status, const struct form_errors *e)
{
	struct evbuffer *b = page_begin(r, "Change your password", e);

	html_printf(b, "<h1 class=\"govuk-heading-l\">Change your password</h1>\n"
	    "<p class=\"govuk-body\">You will be signed out everywhere and asked to "
	    "sign in again.</p>\n");
	form_begin(b, r, "/account/password");
	form_input_auto(b, e, "current", "Current password", NULL, "password",
	    NULL, "govuk-!-width-one-half", "current-password");
	form_input_auto(b, e, "password", "New password", "At least 10 "
	    "characters", "password", NULL, "govuk-!-width-one-half",
	    "new-password");
	form_end(b, "Change password");
	page_end(r, b, status);
}

static void
password_get_cb(struct ep_req *r, void *arg)
{
	(void)arg;
	password_page(r, 200, NULL);
}

/* Checks the current password (Argon2id, here on the loop: rare and
 * rate limited like sign-in), sets the new one, ends every session. */
/* A password change: both Argon2id runs (the current password checked,
 * the new one hashed) on the password thread, not the event loop. */
struct password_change {
	struct ep_req *r;
	char *current, *next;
	char hash[crypto_pwhash_STRBYTES];	/* stored, then the new one */
	int ok;
};

static void
password_change_free(struct password_change *c)
{
	password_free(c->current);
	password_free(c->next);
	sodium_memzero(c, sizeof *c);
	free(c);
}

static void
password_change_work(void *arg)
{
	struct password_change *c = arg;
	int rehash;

	login_hashes++;
	c->ok = password_check(c->hash, c->current, &rehash) == 0 &&
	    password_hash(c->next, c->hash) == 0;
}

static void
password_change_done(void *arg)
{
	struct password_change *c = arg;
	struct ep_req *r = c->r;
	struct form_errors e = { 0 };
	struct audit_actor actor;

	if (!c->ok) {
		/* Counted already, when it was admitted. */
		errs_add(&e, "current", "Your current password is not correct");
	} else {
		limit_unfail("login", r->who.login);
		audit_actor_of(&actor, &r->who);
		person_set_password_hash(http_db(), &actor, r->who.person_id,
		    c->hash, &e);
	}
	if (e.n > 0)
		password_page(r, 400, &e);
	else
		http_redirect(r, "/login?done=password");
	errs_free(&e);
	password_change_free(c);
}

static void
password_post_cb(struct ep_req *r, void *arg)
{
	const char *current = http_form(r, "current");
	const char *next = http_form(r, "password");
	struct form_errors e = { 0 };
	struct password_change *c;
	sqlite3_stmt *s;
	int retry;

	(void)arg;
	if (login_limited(r->who.login, http_client_address(r), &retry)) {
		page_message(r, 429, "Too many attempts",
		    "There were too many attempts. Try again in a minute.");
		return;
	}
	if (current == NULL || *current == '\0')
		errs_add(&e, "current", "Enter your current password");
	password_validate(next, "password", &e);
	if (e.n > 0) {
		password_page(r, 400, &e);
		errs_free(&e);
		return;
	}
	c = xcalloc(1, sizeof *c);
	c->r = r;
	c->current = xstrdup(current);
	c->next = xstrdup(next);
	s = db_stmt(http_db(), "SELECT password_hash FROM people WHERE id = ?");
	if (s != NULL) {
		sqlite3_bind_int64(s, 1, r->who.person_id);
		if (sqlite3_step(s) == SQLITE_ROW)
			snprintf(c->hash, sizeof c->hash, "%s",
			    sqlite3_column_text(s, 0));
		sqlite3_reset(s);
	}
	if (c->hash[0] == '\0')
		snprintf(c->hash, sizeof c->hash, "%s", login_dummy_hash());
	/* Counted as a failure from admission, as a sign-in is. */
	limit_fail("login", r->who.login);
	if (login_password_work(r, password_change_work, password_change_done,
	    c) != 0) {
		limit_unfail("login", r->who.login);
		password_change_free(c);
	}
}

void
login_routes_register(void)
{
	route_add(NULL, "GET", "/login", EP_ROLE_PUBLIC, login_get_cb, NULL);
	route_add(NULL, "POST", "/login", EP_ROLE_PUBLIC, login_post_cb, NULL);
	route_add(NULL, "POST", "/logout", EP_ROLE_ANY, logout_cb, NULL);
	route_add(NULL, "GET", "/account/password", EP_ROLE_ANY, password_get_cb,
	    NULL);
	route_add(NULL, "POST", "/account/password", EP_ROLE_ANY,
	    password_post_cb, NULL);
}
