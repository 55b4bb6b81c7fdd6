/* rating-pages.c: the rating's form, engagement page section and JSON. */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <jansson.h>
#include <sqlite3.h>

#define RATING_PARTIES "SELECT consumer_id FROM engagements WHERE " \
	"id = ?1 UNION SELECT provider_id FROM engagements WHERE id = ?1"
#define RATING_CONSUMER "SELECT consumer_id FROM engagements WHERE id = ?1"

/* The rating as JSON; the rater is named only to their own council. */
static json_t *
rating_json(const struct rating *g, int own)
{
	json_t *o = json_pack("{s:I,s:b,s:b,s:s?}", "engagement",
	    (json_int_t)g->engagement_id, "completed", g->completed, "open",
	    g->open, "closes_at", *g->closes_at ? g->closes_at : NULL);

	if (g->score == 0) {
		json_object_set_new(o, "rating", json_null());
		return o;
	}
	json_object_set_new(o, "rating", json_pack("{s:I,s:s,s:s,s:s}", "score",
	    (json_int_t)g->score, "label", rating_label(g->score), "comment",
	    g->comment, "updated_at", g->updated_at));
	json_object_set_new(json_object_get(o, "rating"), "rated_by", own ?
	    json_integer(g->rated_by) : json_string("the requesting council's "
	    "officer"));
	return o;
}

/* GET /api/v1/engagements/{id}/rating: for both parties and the pool. */
static void
api_rating_get_cb(struct ep_req *r, void *arg)
{
	struct rating g;

	(void)arg;
	if (rating_load(http_db(), api_id(r), &g) != 0) {
		http_json_error(r, 404, "not-found", NULL, "There is no such "
		    "engagement");
		return;
	}
	api_reply(r, 200, rating_json(&g, r->who.org_id == g.consumer_id));
}

/* PUT /api/v1/engagements/{id}/rating: {"score": 1-5, "comment": "..."}. */
static void
api_rating_put_cb(struct ep_req *r, void *arg)
{
	struct form_errors e = { 0 };
	struct rating g;
	json_t *o, *v;
	char score[8] = "";
	const char *comment;

	(void)arg;
	if ((o = api_object(r)) == NULL)
		return;
	v = json_object_get(o, "score");
	if (json_is_integer(v))
		snprintf(score, sizeof score, "%lld",
		    (long long)json_integer_value(v));
	else if (json_is_string(v))
		snprintf(score, sizeof score, "%s", json_string_value(v));
	v = json_object_get(o, "comment");
	comment = v == NULL || json_is_null(v) ? "" : json_string_value(v);
	if (comment == NULL)
		errs_add(&e, "comment", "The comment must be text");
	if (e.n > 0 || rating_set(http_db(), &r->who, api_id(r), score,
	    comment, &e) != 0) {
		if (e.n > 0 && strcmp(e.field[0], "engagement") == 0)
			http_json_error(r, 409, "conflict", "engagement", e.msg[0]);
		else
			api_invalid(r, &e);
	} else if (rating_load(http_db(), api_id(r), &g) == 0)
		api_reply(r, 200, rating_json(&g, 1));
	else
		http_json_error(r, 500, "store", NULL, "The store failed");
	errs_free(&e);
	json_decref(o);
}

/* The five radios, with the GOV.UK error pattern. */
static void
rating_radios(struct evbuffer *b, const struct form_errors *e, int64_t score)
{
	const char *err = e != NULL ? errs_get(e, "score") : NULL;
	size_t i;

	html_printf(b, "<div class=\"govuk-form-group%R\">\n<fieldset class=\""
	    "govuk-fieldset\" aria-describedby=\"score-hint%R\">\n<legend class="
	    "\"govuk-fieldset__legend govuk-fieldset__legend--m\">How satisfied "
	    "is your council with the work?</legend>\n<div class=\"govuk-hint\" "
	    "id=\"score-hint\">The provider and the pool see your rating and "
	    "comment, but not your name.</div>\n", err ? " govuk-form-group--"
	    "error" : "", err ? " score-error" : "");
	if (err != NULL)
		html_printf(b, "<p class=\"govuk-error-message\" id=\"score-error\">"
		    "<span class=\"govuk-visually-hidden\">Error:</span> %s</p>\n",
		    err);
	html_printf(b, "<div class=\"govuk-radios\" data-module=\"govuk-radios\">"
	    "\n");
	for (i = 0; rating_scores[i][0] != NULL; i++)
		html_printf(b, "<div class=\"govuk-radios__item\"><input class=\""
		    "govuk-radios__input\" id=\"score%R\" name=\"score\" type=\"radio\""
		    " value=\"%s\"%R><label class=\"govuk-label govuk-radios__label\" "
		    "for=\"score%R\">%s</label></div>\n", i == 0 ? "" :
		    rating_scores[i][0], rating_scores[i][0], score == 5 - (int64_t)i ?
		    " checked" : "", i == 0 ? "" : rating_scores[i][0],
		    rating_scores[i][1]);
	html_printf(b, "</div>\n</fieldset>\n</div>\n");
}

/* The rating form: new, changed, or again with errors. */
static void
rating_form(struct ep_req *r, int status, const struct form_errors *e,
    const struct rating *g, int64_t score, const char *comment)
{
	struct evbuffer *b = page_begin(r, "Rate the engagement", e);
	char action[64];

	snprintf(action, sizeof action, "/engagements/%lld/rating",
	    (long long)g->engagement_id);
	html_printf(b, "<span class=\"govuk-caption-l\">Engagement %D</span>\n"
	    "<h1 class=\"govuk-heading-l\">Rate the engagement</h1>\n<p class=\""
	    "govuk-body\">Rating is optional. You can change it until %s.</p>"
	    "\n", g->engagement_id, g->closes_on);
	form_begin(b, r, action);
	rating_radios(b, e, score);
	form_textarea(b, e, "comment", "Comment (optional)", "What went well, "
	    "or what could have been better. 1000 characters at most.", comment);
	form_end(b, "Save rating");
	html_printf(b, "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\""
	    "/engagements/%D\">Back to the engagement</a></p>\n",
	    g->engagement_id);
	page_end(r, b, status);
}

/* The engagement id in a page's path, 0 when it is not one. */
static int64_t
rating_param_id(struct ep_req *r)
{
	int64_t id = 0;

	parse_int64(http_param(r, "id"), 1, INT64_MAX, &id);
	return id;
}

/* GET /engagements/{id}/rating: the form, while it may be rated. */
static void
rating_form_cb(struct ep_req *r, void *arg)
{
	struct rating g;

	(void)arg;
	if (rating_load(http_db(), rating_param_id(r), &g) != 0) {
		page_message(r, 404, "Page not found", "There is no such "
		    "engagement.");
		return;
	}
	if (!g.completed || !g.open) {
		page_message(r, 409, "This engagement cannot be rated now",
		    g.completed ? "Ratings can be given or changed for 30 days "
		    "after completion." : "The engagement is not complete yet.");
		return;
	}
	rating_form(r, 200, NULL, &g, g.score, g.comment);
}

/* POST /engagements/{id}/rating: saved, or the form again with errors. */
static void
rating_save_cb(struct ep_req *r, void *arg)
{
	struct form_errors e = { 0 };
	const char *score = http_form(r, "score"), *comment = http_form(r,
	    "comment");
	struct rating g;
	char loc[64];

	(void)arg;
	if (rating_set(http_db(), &r->who, rating_param_id(r), score, comment,
	    &e) == 0) {
		snprintf(loc, sizeof loc, "/engagements/%lld?done=rated#rating",
		    (long long)rating_param_id(r));
		http_redirect(r, loc);
	} else if (strcmp(e.field[0], "engagement") == 0)
		page_message(r, 409, "This engagement cannot be rated now",
		    e.msg[0]);
	else if (rating_load(http_db(), rating_param_id(r), &g) == 0)
		rating_form(r, 400, &e, &g, score && strlen(score) == 1 ?
		    score[0] - '0' : 0, comment);
	else
		page_message(r, 404, "Page not found", "There is no such "
		    "engagement.");
	errs_free(&e);
}

/* The rater by name: for their own council's eyes only. */
static void
rating_rater_row(struct evbuffer *b, int64_t person_id)
{
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT name FROM people WHERE "
	    "id = ?");

	if (s == NULL)
		return;
	sqlite3_bind_int64(s, 1, person_id);
	if (sqlite3_step(s) == SQLITE_ROW)
		html_summary_row(b, "Rated by", (const char *)sqlite3_column_text(s,
		    0));
	sqlite3_reset(s);
}

/*
 * The rating section of the engagement page: the rating (the rater named
 * to their own council only, as "the requesting council's officer" to
 * others) and, for the consumer's requesters and approvers while it is
 * open, a link to give or change it.
 */
void
rating_section(struct evbuffer *b, struct ep_req *r, int64_t engagement_id)
{
	struct rating g;
	int own;

	if (rating_load(http_db(), engagement_id, &g) != 0 || !g.completed)
		return;
	own = r->who.org_id == g.consumer_id;
	html_printf(b, "<h2 class=\"govuk-heading-m\" id=\"rating\">Rating</h2>"
	    "\n");
	if (g.score == 0)
		html_printf(b, "<p class=\"govuk-body\">The requesting council has "
		    "not rated this engagement.</p>\n");
	else {
		html_printf(b, "<dl class=\"govuk-summary-list\">\n");
		html_summary_row(b, "Rating", rating_label(g.score));
		html_summary_row(b, "Comment", *g.comment ? g.comment : "None");
		if (own)
			rating_rater_row(b, g.rated_by);
		else
			html_summary_row(b, "Rated by", "The requesting council's "
			    "officer");
		html_printf(b, "</dl>\n");
	}
	if (own && (r->who.roles & RATERS) && g.open)
		html_printf(b, "<p class=\"govuk-body\"><a class=\"govuk-link\" "
		    "href=\"/engagements/%D/rating\">%s</a> (until %s)</p>\n",
		    g.engagement_id, g.score ? "Change the rating" :
		    "Rate this engagement", g.closes_on);
}

/* The rating's pages and API: the consumer rates, both parties read. */
void
rating_routes_register(void)
{
	route_add_owned(NULL, "GET", "/api/v1/engagements/{id}/rating",
	    EP_ROLE_ANY, RATING_PARTIES, api_rating_get_cb, NULL);
	route_add_owned(NULL, "PUT", "/api/v1/engagements/{id}/rating", RATERS,
	    RATING_CONSUMER, api_rating_put_cb, NULL);
	route_add_owned(NULL, "GET", "/engagements/{id}/rating", RATERS,
	    RATING_CONSUMER, rating_form_cb, NULL);
	route_add_owned(NULL, "POST", "/engagements/{id}/rating", RATERS,
	    RATING_CONSUMER, rating_save_cb, NULL);
}
