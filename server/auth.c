/* auth.c: authorisation in one place: who is asking, and may they. */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <sodium.h>
#include <sqlite3.h>

/* Roles that see across the consortium rather than one organisation. */
#define AUTH_CONSORTIUM_ROLES (EP_ROLE_ADMIN | EP_ROLE_POOL_MANAGER)

/* The value of one cookie from the Cookie header, into out. */
static int
auth_cookie(struct ep_req *r, const char *name, char *out, size_t len)
{
	const char *h = http_header(r, "Cookie");
	size_t nlen = strlen(name);

	while (h != NULL && *h != '\0') {
		while (*h == ' ' || *h == ';')
			h++;
		if (strncmp(h, name, nlen) == 0 && h[nlen] == '=') {
			const char *v = h + nlen + 1;
			size_t vlen = strcspn(v, ";");

			if (vlen == 0 || vlen >= len)
				return -1;
			memcpy(out, v, vlen);
			out[vlen] = '\0';
			return 0;
		}
		h = strchr(h, ';');
	}
	return -1;
}

/* Reads a cookie for the login form's double-submit check. */
int
auth_cookie_value(struct ep_req *r, const char *name, char *out, size_t len)
{
	return auth_cookie(r, name, out, len);
}

/* Fills r->who from a bearer token or a session cookie, if either is good. */
static void
auth_identify(struct ep_req *r)
{
	const char *authz = http_header(r, "Authorization");
	char token[128];

	if (authz != NULL && strncmp(authz, "Bearer ", 7) == 0) {
		if (apitoken_lookup(http_db(), authz + 7, &r->who) == 0)
			r->authed = 1;
		return;
	}
	if (auth_cookie(r, SESSION_COOKIE, token, sizeof token) != 0 ||
	    session_lookup(http_db(), token, &r->who) != 0)
		return;
	/* A session that still owes its second factor signs nobody in: only
	 * the two-factor pages, which read r->who, serve it. */
	if (r->who.factor_at == 0 && (r->who.factor_enrolled ||
	    totp_role_required(r->who.roles)))
		r->waiting_factor = 1;
	else
		r->authed = 1;
}

/* Constant-time comparison of the form's CSRF token with the session's. */
static int
auth_csrf_ok(struct ep_req *r)
{
	const char *sent = http_header(r, "X-CSRF-Token");
	size_t n = strlen(r->who.csrf);

	if (sent == NULL)
		sent = http_form(r, "csrf");
	return sent != NULL && strlen(sent) == n && n > 0 &&
	    sodium_memcmp(sent, r->who.csrf, n) == 0;
}

/* The same check for the public two-factor forms, which a session waiting
 * for its second factor posts. */
int
auth_csrf_valid(struct ep_req *r)
{
	return auth_csrf_ok(r);
}

/* True when the organisation owns the record the route names. */
int
auth_owns(struct ep_db *db, const struct route *route, const char *param,
    int64_t org_id)
{
	sqlite3_stmt *s = db_stmt(db, route->owner_sql);
	int owns = 0;

	if (s == NULL)
		return 0;
	sqlite3_bind_text(s, 1, param, -1, SQLITE_STATIC);
	while (!owns && sqlite3_step(s) == SQLITE_ROW)
		owns = sqlite3_column_int64(s, 0) == org_id;
	sqlite3_reset(s);
	return owns;
}

static int
auth_is_write(struct ep_req *r)
{
	const char *m = http_req_method(r);

	return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0;
}

/*
 * Runs before every handler, in a fixed order: identify (cookie or bearer
 * token), then for a protected route: signed in (401, or a redirect to the
 * sign-in page), role (403), CSRF for forms (403), ownership (404: another
 * council's record is indistinguishable from one that does not exist).
 * Returns 0 to run the handler, or 1 when it has replied.
 */
int
auth_check(struct ep_req *r)
{
	const struct route *route = r->route;

	auth_identify(r);
	if (route->roles == EP_ROLE_PUBLIC)
		return 0;
	if (!r->authed) {
		if (http_wants_json(r) || http_header(r, "Authorization") != NULL) {
			http_reply_header(r, "WWW-Authenticate", "Bearer");
			http_json_error(r, 401, "unauthenticated", NULL,
			    "sign in or send a valid bearer token");
		} else {
			char *enc = evhttp_encode_uri(r->path);
			char *loc = xprintf("%s?next=%s", r->waiting_factor ?
			    "/login/two-factor" : "/login", enc);

			http_redirect(r, loc);
			free(loc);
			free(enc);
		}
		return 1;
	}
	if ((route->roles & r->who.roles) == 0) {
		if (http_wants_json(r))
			http_json_error(r, 403, "forbidden", NULL,
			    "your roles do not allow this");
		else
			page_message(r, 403, "You cannot do this",
			    "Your roles do not allow this page. Ask an "
			    "administrator if you need it.");
		return 1;
	}
	if (r->who.session_id != 0 && auth_is_write(r) && !auth_csrf_ok(r)) {
		page_message(r, 403, "This form has expired",
		    "Go back, reload the page and try again.");
		return 1;
	}
	/* A consortium role sees every organisation's records on the routes
	 * it opens; another role it is held with opens only its own. */
	if (route->owner_sql != NULL &&
	    (route->roles & r->who.roles & AUTH_CONSORTIUM_ROLES) == 0 &&
	    !auth_owns(http_db(), route, r->params.value[0], r->who.org_id)) {
		if (http_wants_json(r))
			http_json_error(r, 404, "not_found", NULL, "no such record");
		else
			page_message(r, 404, "Page not found",
			    "If you typed the web address, check it is correct.");
		return 1;
	}
	return 0;
}
