/* token-pages.c: a person's API tokens on the web: made, listed, revoked. */
#include "server.h"

#include <string.h>

#include <sqlite3.h>

/* The list of the person's tokens and the form to make one; made is a
 * token just made, shown this once, or NULL. */
static void
tokens_page(struct ep_req *r, int status, const struct form_errors *e,
    const char *made, const char *made_expires)
{
	static const char *const heads[] = { "Label", "Made", "Ends",
	    "Last used", "Status", "Action", NULL };
	struct evbuffer *b = page_begin(r, "API tokens", e);
	char days[16];
	sqlite3_stmt *s;

	if (made != NULL) {
		html_notice(b, "Token made");
		html_printf(b, "<div class=\"govuk-inset-text\"><p class=\""
		    "govuk-body\">Your new token, shown only this once, ends on "
		    "%s:</p>\n<p class=\"govuk-body\"><code id=\"new-token\">%s"
		    "</code></p></div>\n", made_expires, made);
	}
	html_printf(b, "<h1 class=\"govuk-heading-l\">API tokens</h1>\n<p class="
	    "\"govuk-body\">Programs that use the API send a token in place of "
	    "your password. Every token ends when you change your password or "
	    "your account is disabled.</p>\n");
	html_table_open(b, "Your tokens", heads);
	s = db_stmt(http_db(), "SELECT id, label, created_at, expires_at, "
	    "coalesce(last_used_at, 'never'), CASE WHEN revoked_at IS NOT NULL "
	    "THEN 'revoked' WHEN expires_at <= strftime('%Y-%m-%dT%H:%M:%SZ', "
	    "'now') THEN 'ended' ELSE 'live' END FROM api_tokens WHERE "
	    "person_id = ? ORDER BY id DESC LIMIT 100");
	if (s != NULL) {
		sqlite3_bind_int64(s, 1, r->who.person_id);
		while (sqlite3_step(s) == SQLITE_ROW) {
			const char *state = db_text(s, 5);

			html_printf(b, "<tr class=\"govuk-table__row\">");
			html_cell(b, db_text(s, 1));
			html_cell(b, db_text(s, 2));
			html_cell(b, db_text(s, 3));
			html_cell(b, db_text(s, 4));
			html_cell(b, state);
			html_printf(b, "<td class=\"govuk-table__cell\">");
			if (strcmp(state, "live") == 0) {
				form_begin(b, r, "/account/tokens/revoke");
				html_printf(b, "<input type=\"hidden\" name=\"id\" "
				    "value=\"%D\"><button type=\"submit\" class=\""
				    "govuk-button govuk-button--secondary govuk-!-"
				    "margin-bottom-0\" data-module=\"govuk-button\">"
				    "Revoke<span class=\"govuk-visually-hidden\"> "
				    "token %s</span></button></form>",
				    sqlite3_column_int64(s, 0), db_text(s, 1));
			}
			html_printf(b, "</td></tr>\n");
		}
		sqlite3_reset(s);
	}
	html_table_close(b);
	snprintf(days, sizeof days, "%lld", (long long)cfg.token_days);
	html_printf(b, "<h2 class=\"govuk-heading-m\">Make a token</h2>\n");
	form_begin(b, r, "/account/tokens");
	form_input(b, e, "label", "What it is for", "For example, the name of "
	    "the program", "text", NULL, "govuk-!-width-one-half");
	form_input(b, e, "days", "Days until it ends", "From 1 to 366",
	    "text", days, "govuk-input--width-4");
	form_end(b, "Make a token");
	page_end(r, b, status);
}

static void
tokens_get_cb(struct ep_req *r, void *arg)
{
	(void)arg;
	tokens_page(r, 200, NULL, NULL, NULL);
}

/* Makes a token for the person signed in, audited; shown once. */
static void
tokens_post_cb(struct ep_req *r, void *arg)
{
	const char *label = http_form(r, "label");
	const char *days_text = http_form(r, "days");
	struct form_errors e = { 0 };
	struct ep_db *db = http_db();
	struct audit_actor actor;
	char token[80], idtext[24], summary[160], expires[32] = "";
	int64_t days = 0, id;
	sqlite3_stmt *s;

	(void)arg;
	if (label == NULL || *label == '\0')
		errs_add(&e, "label", "Enter what the token is for");
	else if (strlen(label) > 80)
		errs_add(&e, "label", "What it is for must be 80 characters or "
		    "fewer");
	if (days_text == NULL || parse_int64(days_text, 1, 366, &days) != 0)
		errs_add(&e, "days", "Days until it ends must be a whole number "
		    "from 1 to 366");
	if (e.n > 0)
		goto bad;
	audit_actor_of(&actor, &r->who);
	if (db_begin(db) != 0 || apitoken_create(db, r->who.person_id, label,
	    days, token, sizeof token, &id) != 0)
		goto fail;
	s = db_stmt(db, "SELECT expires_at FROM api_tokens WHERE id = ?");
	if (s != NULL) {
		sqlite3_bind_int64(s, 1, id);
		if (sqlite3_step(s) == SQLITE_ROW)
			snprintf(expires, sizeof expires, "%s", db_text(s, 0));
		sqlite3_reset(s);
	}
	snprintf(idtext, sizeof idtext, "%lld", (long long)id);
	snprintf(summary, sizeof summary, "{\"after\":{\"expires_at\":\"%s\","
	    "\"days\":%lld}}", expires, (long long)days);
	if (audit_record(db, &actor, "create", "api-token", idtext,
	    r->who.org_id, summary) != 0 || db_commit(db) != 0)
		goto fail;
	tokens_page(r, 201, NULL, token, expires);
	return;
fail:
	db_rollback(db);
	errs_add(&e, "label", "The token could not be saved: %s",
	    db_errmsg(db));
bad:
	tokens_page(r, 400, &e, NULL, NULL);
	errs_free(&e);
}

/* Revokes one of the person's own live tokens, audited. */
static void
tokens_revoke_cb(struct ep_req *r, void *arg)
{
	const char *idtext = http_form(r, "id");
	struct ep_db *db = http_db();
	struct audit_actor actor;
	sqlite3_stmt *s;
	int64_t id;
	int changed = 0;

	(void)arg;
	if (idtext == NULL || parse_int64(idtext, 1, INT64_MAX, &id) != 0) {
		page_message(r, 400, "No token was chosen",
		    "Go back and choose the token to revoke.");
		return;
	}
	if (db_begin(db) != 0)
		goto none;
	s = db_stmt(db, "UPDATE api_tokens SET revoked_at = strftime("
	    "'%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ? AND person_id = ? AND "
	    "revoked_at IS NULL");
	if (s != NULL) {
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, r->who.person_id);
		if (sqlite3_step(s) == SQLITE_DONE)
			changed = sqlite3_changes(db->sql);
		sqlite3_reset(s);
	}
	audit_actor_of(&actor, &r->who);
	if (changed != 1 || audit_record(db, &actor, "revoke", "api-token",
	    idtext, r->who.org_id, "{\"before\":{\"state\":\"live\"},"
	    "\"after\":{\"state\":\"revoked\"}}") != 0 || db_commit(db) != 0) {
		db_rollback(db);
		goto none;
	}
	http_redirect(r, "/account/tokens?done=token-revoked");
	return;
none:
	page_message(r, 404, "No such token",
	    "You have no live token with that number.");
}

void
tokens_routes_register(void)
{
	route_add(NULL, "GET", "/account/tokens", EP_ROLE_ANY, tokens_get_cb,
	    NULL);
	route_add(NULL, "POST", "/account/tokens", EP_ROLE_ANY, tokens_post_cb,
	    NULL);
	route_add(NULL, "POST", "/account/tokens/revoke", EP_ROLE_ANY,
	    tokens_revoke_cb, NULL);
}
