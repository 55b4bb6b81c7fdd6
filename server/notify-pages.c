/* notify-pages.c: a person's own e-mail address and how they are told. */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

/* What a person keeps about being told. */
struct notify_settings {
	char email[256];
	char notify_by[12]; /* email or messages */
};

/* The choices, as the radios offer them and the store keeps them. */
static const char *const notify_choices[][2] = {
	{ "email", "By email, and on your messages page" },
	{ "messages", "On your messages page only" },
	{ NULL, NULL },
};

/* A person's settings as stored; -1 when there is no such person. */
static int
notify_load(struct ep_db *db, int64_t person_id, struct notify_settings *n)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT email, notify_by FROM people "
	    "WHERE id = ?");
	int rc = -1;

	memset(n, 0, sizeof *n);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, person_id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		snprintf(n->email, sizeof n->email, "%s",
		    (const char *)sqlite3_column_text(s, 0));
		snprintf(n->notify_by, sizeof n->notify_by, "%s",
		    (const char *)sqlite3_column_text(s, 1));
		rc = 0;
	}
	sqlite3_reset(s);
	return rc;
}

/* Checks new settings; NULL keeps what the person had. Errors name the
 * field, in the GOV.UK words. */
static void
notify_check(const struct notify_settings *was, const char *email,
    const char *by, struct notify_settings *out, struct form_errors *e)
{
	*out = *was;
	if (email != NULL) {
		if (*email != '\0' && !outbox_address_ok(email))
			errs_add(e, "email", "Enter an email address in the correct "
			    "format, like name@example.gov.uk");
		else
			snprintf(out->email, sizeof out->email, "%s", email);
	}
	if (by != NULL) {
		if (strcmp(by, "email") != 0 && strcmp(by, "messages") != 0)
			errs_add(e, "notify_by", "Select how you want to be told");
		else
			snprintf(out->notify_by, sizeof out->notify_by, "%s", by);
	}
	if (e->n == 0 && strcmp(out->notify_by, "email") == 0 &&
	    out->email[0] == '\0')
		errs_add(e, "email", "Enter your email address, or choose to be "
		    "told on your messages page only");
}

/* Saves checked settings and audits them with before and after, in one
 * transaction. */
static int
notify_save(struct ep_db *db, const struct principal *who,
    const struct notify_settings *was, const struct notify_settings *now)
{
	struct audit_actor actor;
	sqlite3_stmt *s;
	json_t *sum;
	int rc = -1;

	if (db_begin(db) != 0)
		return -1;
	s = db_stmt(db, "UPDATE people SET email = ?, notify_by = ? WHERE id = ?");
	if (s == NULL)
		goto out;
	sqlite3_bind_text(s, 1, now->email, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, now->notify_by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, who->person_id);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(s);
	if (rc != 0)
		goto out;
	sum = json_pack("{s:{s:s,s:s},s:{s:s,s:s}}", "before", "email",
	    was->email, "notify_by", was->notify_by, "after", "email",
	    now->email, "notify_by", now->notify_by);
	audit_actor_of(&actor, who);
	rc = audit_json_id(db, &actor, "notifications", "person",
	    who->person_id, who->org_id, sum);
	if (rc == 0)
		rc = db_commit(db);
out:
	if (rc != 0)
		db_rollback(db);
	return rc;
}

/* GOV.UK radios for the choice, with the error pattern. */
static void
notify_radios(struct evbuffer *b, const struct form_errors *e,
    const char *value)
{
	const char *msg = e ? errs_get(e, "notify_by") : NULL;
	size_t i;

	html_printf(b, "<div class=\"govuk-form-group%R\">\n<fieldset class=\""
	    "govuk-fieldset\" aria-describedby=\"notify_by-hint%R\">\n<legend "
	    "class=\"govuk-fieldset__legend govuk-fieldset__legend--m\">How do "
	    "you want to be told?</legend>\n<div id=\"notify_by-hint\" class=\""
	    "govuk-hint\">You are told when someone asks you to act, and when "
	    "money moves on your work.</div>\n", msg ?
	    " govuk-form-group--error" : "", msg ? " notify_by-error" : "");
	if (msg != NULL)
		html_printf(b, "<p id=\"notify_by-error\" class=\"govuk-error-"
		    "message\"><span class=\"govuk-visually-hidden\">Error:</span> "
		    "%s</p>\n", msg);
	html_printf(b, "<div class=\"govuk-radios\" data-module=\"govuk-radios\">"
	    "\n");
	for (i = 0; notify_choices[i][0] != NULL; i++)
		html_printf(b, "<div class=\"govuk-radios__item\"><input class=\""
		    "govuk-radios__input\" id=\"notify_by%R%R\" name=\"notify_by\" "
		    "type=\"radio\" value=\"%s\"%R><label class=\"govuk-label "
		    "govuk-radios__label\" for=\"notify_by%R%R\">%s</label></div>\n",
		    i ? "-" : "", i ? notify_choices[i][0] : "",
		    notify_choices[i][0], strcmp(value, notify_choices[i][0]) == 0 ?
		    " checked" : "", i ? "-" : "", i ? notify_choices[i][0] : "",
		    notify_choices[i][1]);
	html_printf(b, "</div>\n</fieldset>\n</div>\n");
}

/* The form, with what the person has or has just typed. */
static void
notify_page(struct ep_req *r, int status, const struct form_errors *e,
    const struct notify_settings *n)
{
	struct evbuffer *b = page_begin(r, "How you are told", e);
	html_printf(b, "<h1 class=\"govuk-heading-l\">How you are told</h1>\n"
	    "<p class=\"govuk-body\">Every message is kept on <a class=\"govuk-"
	    "link\" href=\"/messages\">your messages page</a>.</p>\n");
	form_begin(b, r, "/account/notifications");
	form_input_auto(b, e, "email", "Email address", "We send your messages "
	    "here when you choose email", "email", n->email,
	    "govuk-!-width-two-thirds", "email");
	notify_radios(b, e, n->notify_by);
	form_end(b, "Save");
	page_end(r, b, status);
}

static void
notify_get_cb(struct ep_req *r, void *arg)
{
	struct notify_settings n;

	(void)arg;
	if (notify_load(http_db(), r->who.person_id, &n) != 0) {
		page_message(r, 500, "Sorry, there is a problem", "Try again.");
		return;
	}
	notify_page(r, 200, NULL, &n);
}

static void
notify_post_cb(struct ep_req *r, void *arg)
{
	struct notify_settings was, now;
	struct form_errors e = { 0 };
	const char *email = http_form(r, "email");

	(void)arg;
	if (notify_load(http_db(), r->who.person_id, &was) != 0) {
		page_message(r, 500, "Sorry, there is a problem", "Try again.");
		return;
	}
	notify_check(&was, email ? email : "", http_form(r, "notify_by") ?
	    http_form(r, "notify_by") : "", &now, &e);
	if (e.n == 0 && notify_save(http_db(), &r->who, &was, &now) != 0)
		errs_add(&e, "email", "Your settings could not be saved: %s",
		    db_errmsg(http_db()));
	if (e.n > 0) {
		/* What they typed, so they can correct it. */
		snprintf(now.email, sizeof now.email, "%s", email ? email : "");
		notify_page(r, 400, &e, &now);
	} else
		http_redirect(r, "/account/notifications?done=notifications");
	errs_free(&e);
}

/* The settings as the API shows them. */
static void
notify_api_reply(struct ep_req *r, const struct notify_settings *n)
{
	api_reply(r, 200, json_pack("{s:s,s:s}", "email", n->email,
	    "notify_by", n->notify_by));
}

static void
notify_api_get_cb(struct ep_req *r, void *arg)
{
	struct notify_settings n;

	(void)arg;
	if (notify_load(http_db(), r->who.person_id, &n) != 0)
		http_json_error(r, 500, "store", NULL, "the store failed");
	else
		notify_api_reply(r, &n);
}

/* Changes the settings named in the body; those left out stay. */
static void
notify_api_post_cb(struct ep_req *r, void *arg)
{
	struct notify_settings was, now;
	struct form_errors e = { 0 };
	const char *email, *by;
	json_t *o;

	(void)arg;
	if ((o = api_object(r)) == NULL)
		return;
	if (notify_load(http_db(), r->who.person_id, &was) != 0) {
		http_json_error(r, 500, "store", NULL, "the store failed");
		goto out;
	}
	email = api_text(o, "email", &e);
	by = api_text(o, "notify_by", &e);
	if (e.n == 0)
		notify_check(&was, email, by, &now, &e);
	if (e.n > 0)
		api_invalid(r, &e);
	else if (notify_save(http_db(), &r->who, &was, &now) != 0)
		http_json_error(r, 500, "store", NULL, "the store failed");
	else
		notify_api_reply(r, &now);
out:
	errs_free(&e);
	json_decref(o);
}

void
notify_settings_routes_register(void)
{
	route_add(NULL, "GET", "/account/notifications", EP_ROLE_ANY,
	    notify_get_cb, NULL);
	route_add(NULL, "POST", "/account/notifications", EP_ROLE_ANY,
	    notify_post_cb, NULL);
	route_add(NULL, "GET", "/api/v1/account/notifications", EP_ROLE_ANY,
	    notify_api_get_cb, NULL);
	route_add(NULL, "POST", "/api/v1/account/notifications", EP_ROLE_ANY,
	    notify_api_post_cb, NULL);
}
