/* engagement-pages.c: the engagement's page, its changes and their forms. */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <sqlite3.h>

#define ENGAGEMENT_PARTIES "SELECT consumer_id FROM engagements WHERE " \
	"id = ?1 UNION SELECT provider_id FROM engagements WHERE id = ?1"
#define CHANGE_CONSUMER "SELECT e.consumer_id FROM engagement_changes c " \
	"JOIN engagements e ON e.id = c.engagement_id WHERE c.id = ?1"
#define DECIDERS (EP_ROLE_REQUESTER | EP_ROLE_APPROVER)

static const char *
col(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? (const char *)t : "";
}

static int64_t
param_id(struct ep_req *r)
{
	int64_t id = 0;

	parse_int64(http_param(r, "id"), 1, INT64_MAX, &id);
	return id;
}

/* A budget in words: the amount, or "No budget". */
static void
budget_text(char *out, size_t len, int64_t pence)
{
	if (pence < 0)
		snprintf(out, len, "No budget");
	else
		units_money_text(out, len, pence);
}

/* What one stored change moves from and to, in words, for its kind. */
static void
change_from_to(sqlite3_stmt *s, char *from, char *to, size_t len)
{
	const char *kind = col(s, 1);
	int64_t before = sqlite3_column_type(s, 4) == SQLITE_NULL ? -1 :
	    sqlite3_column_int64(s, 4);
	int64_t after = sqlite3_column_type(s, 5) == SQLITE_NULL ? -1 :
	    sqlite3_column_int64(s, 5);
	char money[32];

	if (strcmp(kind, "budget") == 0) {
		budget_text(from, len, before);
		budget_text(to, len, after);
	} else if (strcmp(kind, "basis") == 0) {
		budget_text(money, sizeof money, after);
		snprintf(from, len, "%s", col(s, 6));
		if (after != before)
			snprintf(to, len, "%s, budget %s", col(s, 7), money);
		else
			snprintf(to, len, "%s", col(s, 7));
	} else if (strcmp(kind, "cancel") == 0) {
		snprintf(from, len, "Active, ending %s", col(s, 2));
		snprintf(to, len, "Cancelled, last day of work %s", col(s, 3));
	} else {
		snprintf(from, len, "Ends %s", col(s, 2));
		snprintf(to, len, "Ends %s", col(s, 3));
	}
}

/* The buttons that agree to or decline one proposed change. */
static void
change_decide_forms(struct evbuffer *b, struct ep_req *r, int64_t id,
    const char *label)
{
	char action[64], field[32];

	snprintf(action, sizeof action, "/engagement-changes/%lld/agree",
	    (long long)id);
	form_begin(b, r, action);
	html_printf(b, "<button type=\"submit\" class=\"govuk-button\">Agree"
	    "<span class=\"govuk-visually-hidden\"> to change %D: %s</span>"
	    "</button>\n</form>\n", id, label);
	snprintf(action, sizeof action, "/engagement-changes/%lld/decline",
	    (long long)id);
	snprintf(field, sizeof field, "reason-%lld", (long long)id);
	form_begin(b, r, action);
	html_printf(b, "<div class=\"govuk-form-group\"><label class=\"govuk-"
	    "label\" for=\"%s\">Reason for declining change %D (optional)"
	    "</label><input class=\"govuk-input\" id=\"%s\" name=\"reason\" "
	    "type=\"text\"></div>\n<button type=\"submit\" class=\"govuk-button "
	    "govuk-button--secondary\">Decline<span class=\"govuk-visually-"
	    "hidden\"> change %D: %s</span></button>\n</form>\n", field, id,
	    field, id, label);
}

/* One change as a summary card: what, from and to, why, who and when. */
static void
change_card(struct evbuffer *b, struct ep_req *r, sqlite3_stmt *s,
    int can_decide)
{
	int64_t id = sqlite3_column_int64(s, 0);
	const char *label = engagement_kind_label(col(s, 1));
	const char *state = col(s, 9);
	char from[96], to[96], who[200];

	change_from_to(s, from, to, sizeof from);
	html_printf(b, "<div class=\"govuk-summary-card\" id=\"change-%D\"><div "
	    "class=\"govuk-summary-card__title-wrapper\"><h3 class=\"govuk-"
	    "summary-card__title\">Change %D: %s <strong class=\"govuk-tag "
	    "govuk-tag--%R\">%s</strong></h3></div><div class=\"govuk-summary-"
	    "card__content\"><dl class=\"govuk-summary-list\">\n", id, id,
	    label ? label : col(s, 1), strcmp(state, "agreed") == 0 ? "green" :
	    strcmp(state, "proposed") == 0 ? "yellow" : strcmp(state,
	    "declined") == 0 ? "red" : "grey", state);
	html_summary_row(b, "From", from);
	html_summary_row(b, "To", to);
	html_summary_row(b, "Reason", col(s, 8));
	snprintf(who, sizeof who, "%s, %s", *col(s, 10) ? col(s, 10) :
	    "the system", col(s, 11));
	html_summary_row(b, "Proposed by", who);
	if (*col(s, 13) != '\0') {
		snprintf(who, sizeof who, "%s, %s", *col(s, 12) ? col(s, 12) :
		    "the system", col(s, 13));
		html_summary_row(b, strcmp(state, "agreed") == 0 ? "Agreed by" :
		    strcmp(state, "declined") == 0 ? "Declined by" : "Withdrawn",
		    who);
	}
	if (*col(s, 14) != '\0')
		html_summary_row(b, "Reason for declining", col(s, 14));
	html_printf(b, "</dl>\n");
	if (can_decide && strcmp(state, "proposed") == 0)
		change_decide_forms(b, r, id, label ? label : "");
	html_printf(b, "</div></div>\n");
}

/* The engagement's changes, newest first. */
static void
changes_list(struct evbuffer *b, struct ep_req *r, int64_t id, int can_decide)
{
	sqlite3_stmt *s = db_stmt(http_db(), "SELECT c.id, c.kind, "
	    "c.ends_before, c.ends_after, c.budget_before, c.budget_after, "
	    "c.basis_before, c.basis_after, c.reason, c.state, "
	    "coalesce(p.name, ''), c.proposed_at, coalesce(d.name, ''), "
	    "coalesce(c.decided_at, ''), c.decline_reason FROM "
	    "engagement_changes c LEFT JOIN people p ON p.id = c.proposed_by "
	    "LEFT JOIN people d ON d.id = c.decided_by WHERE c.engagement_id = "
	    "? ORDER BY c.id DESC LIMIT 200");
	int any = 0;

	if (s == NULL)
		return;
	sqlite3_bind_int64(s, 1, id);
	while (sqlite3_step(s) == SQLITE_ROW) {
		any = 1;
		change_card(b, r, s, can_decide);
	}
	sqlite3_reset(s);
	if (!any)
		html_printf(b, "<p class=\"govuk-body\">No changes have been "
		    "proposed.</p>\n");
}

/* The engagement's terms as a summary list. */
static void
engagement_summary(struct evbuffer *b, const struct engagement_terms *g)
{
	char text[160];

	html_printf(b, "<dl class=\"govuk-summary-list\">\n<div class=\"govuk-"
	    "summary-list__row\"><dt class=\"govuk-summary-list__key\">Request"
	    "</dt><dd class=\"govuk-summary-list__value\"><a class=\"govuk-link\" "
	    "href=\"/requests/%D\">%s</a></dd></div>\n", g->request_id, g->title);
	html_summary_row(b, "Expert", g->expert);
	html_summary_row(b, "Basis", g->basis);
	snprintf(text, sizeof text, "%s to %s", g->starts, g->ends);
	html_summary_row(b, "Dates", text);
	budget_text(text, sizeof text, g->budget);
	html_summary_row(b, strcmp(g->basis, "fixed") == 0 ? "Fixed fee" :
	    "Budget", text);
	html_summary_row(b, "State", g->state);
	html_printf(b, "</dl>\n");
}

/* Links to the change forms, for the pool while the engagement is active. */
static void
engagement_change_links(struct evbuffer *b, const struct engagement_terms *g)
{
	size_t i;

	html_printf(b, "<h2 class=\"govuk-heading-m\">Propose a change</h2>\n"
	    "<p class=\"govuk-body\">The consuming council's requester or "
	    "approver must agree a change before it takes effect.</p>\n<ul "
	    "class=\"govuk-list\">\n");
	for (i = 0; engagement_change_kinds[i][0] != NULL; i++)
		html_printf(b, "<li><a class=\"govuk-link\" href=\"/engagements/%D/"
		    "changes/new?kind=%s\">%s</a></li>\n", g->id,
		    engagement_change_kinds[i][0], engagement_change_kinds[i][1]);
	html_printf(b, "</ul>\n");
}

static void
engagement_view_cb(struct ep_req *r, void *arg)
{
	struct engagement_terms g;
	struct evbuffer *b;
	int decider;

	(void)arg;
	if (engagement_load(http_db(), param_id(r), &g) != 0) {
		page_message(r, 404, "Page not found", "There is no such "
		    "engagement.");
		return;
	}
	decider = r->who.org_id == g.consumer_id && (r->who.roles & DECIDERS);
	b = page_begin(r, g.title, NULL);
	html_printf(b, "<span class=\"govuk-caption-l\">Engagement %D</span>\n"
	    "<h1 class=\"govuk-heading-l\">%s</h1>\n", g.id, g.title);
	engagement_summary(b, &g);
	if ((r->who.roles & EP_ROLE_POOL_MANAGER) &&
	    strcmp(g.state, "active") == 0)
		engagement_change_links(b, &g);
	html_printf(b, "<h2 class=\"govuk-heading-m\" id=\"changes\">Changes"
	    "</h2>\n");
	changes_list(b, r, g.id, decider);
	rating_section(b, r, g.id);
	page_end(r, b, 200);
}

/* No kind of change chosen yet (or not one there is): which, first. */
static void
change_choose(struct ep_req *r, int status, const struct form_errors *e,
    const struct engagement_terms *g)
{
	struct evbuffer *b = page_begin(r, "Propose a change", e);
	char action[64];

	html_printf(b, "<span class=\"govuk-caption-l\">Engagement %D: %s</span>"
	    "\n<h1 class=\"govuk-heading-l\">Propose a change</h1>\n", g->id,
	    g->title);
	snprintf(action, sizeof action, "/engagements/%lld/changes/new",
	    (long long)g->id);
	html_printf(b, "<form method=\"get\" action=\"%s\" novalidate>\n",
	    action);
	form_select(b, e, "kind", "What do you want to change?", NULL,
	    engagement_change_kinds, http_query(r, "kind"));
	html_printf(b, "<button type=\"submit\" class=\"govuk-button\" data-"
	    "module=\"govuk-button\">Continue</button>\n</form>\n");
	page_end(r, b, status);
}

/* The form for one kind of change, with the fields that kind needs. */
static void
change_form(struct ep_req *r, int status, const struct form_errors *e,
    const char *kind)
{
	const char *label = engagement_kind_label(kind);
	struct engagement_terms g;
	struct evbuffer *b;
	char action[64], hint[160], money[32];

	if (engagement_load(http_db(), param_id(r), &g) != 0) {
		page_message(r, 404, "Page not found", "There is no such "
		    "engagement.");
		return;
	}
	if (label == NULL) {
		change_choose(r, status, e, &g);
		return;
	}
	b = page_begin(r, label, e);
	html_printf(b, "<span class=\"govuk-caption-l\">Engagement %D: %s</span>"
	    "\n<h1 class=\"govuk-heading-l\">%s</h1>\n", g.id, g.title, label);
	engagement_summary(b, &g);
	snprintf(action, sizeof action, "/engagements/%lld/changes",
	    (long long)g.id);
	form_begin(b, r, action);
	html_printf(b, "<input type=\"hidden\" name=\"kind\" value=\"%s\">\n",
	    kind);
	if (strcmp(kind, "extend") == 0) {
		snprintf(hint, sizeof hint, "After the current end date, %s. As "
		    "YYYY-MM-DD", g.ends);
		form_input(b, e, "ends", "New end date", hint, "text",
		    http_form(r, "ends"), "govuk-input--width-10");
	} else if (strcmp(kind, "budget") == 0) {
		budget_text(money, sizeof money, g.budget);
		snprintf(hint, sizeof hint, "Now %s. For example, 3500.00", money);
		form_input(b, e, "budget", "New budget in pounds", hint, "text",
		    http_form(r, "budget"), "govuk-input--width-10");
	} else if (strcmp(kind, "basis") == 0) {
		form_select(b, e, "basis", "New basis", NULL, engagement_bases,
		    http_form(r, "basis"));
		form_input(b, e, "budget", "Budget in pounds (optional)", "Needed "
		    "for a fixed fee or a cap when the engagement has no budget; "
		    "leave empty to keep the budget it has", "text",
		    http_form(r, "budget"), "govuk-input--width-10");
	} else {
		snprintf(hint, sizeof hint, "Hours logged up to and on this day "
		    "stay billable; none can be logged after it, and entries after "
		    "it are refused. From %s to %s. As YYYY-MM-DD", g.starts, g.ends);
		form_input(b, e, "last_day", "Last day of work", hint, "text",
		    http_form(r, "last_day"), "govuk-input--width-10");
	}
	form_textarea(b, e, "reason", "Reason", "Why the engagement should "
	    "change: the consuming council reads this", http_form(r, "reason"));
	form_end(b, "Propose the change");
	html_printf(b, "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\""
	    "/engagements/%D\">Back to the engagement</a></p>\n", g.id);
	page_end(r, b, status);
}

static void
change_new_cb(struct ep_req *r, void *arg)
{
	(void)arg;
	change_form(r, 200, NULL, http_query(r, "kind"));
}

static void
change_propose_cb(struct ep_req *r, void *arg)
{
	struct change_input in = {
		.kind = http_form(r, "kind"),
		.ends = http_form(r, "ends"),
		.budget = http_form(r, "budget"),
		.basis = http_form(r, "basis"),
		.last_day = http_form(r, "last_day"),
		.reason = http_form(r, "reason"),
	};
	struct form_errors e = { 0 };
	char loc[64];
	int64_t id = param_id(r), change;

	(void)arg;
	if (engagement_change_propose(http_db(), &r->who, id, &in, &e,
	    &change) != 0) {
		change_form(r, 400, &e, in.kind);
		errs_free(&e);
		return;
	}
	snprintf(loc, sizeof loc, "/engagements/%lld?done=change-proposed#change-%lld",
	    (long long)id, (long long)change);
	http_redirect(r, loc);
}

static void
change_decide_cb(struct ep_req *r, void *arg)
{
	int agree = arg != NULL;
	char err[200], loc[80];
	int64_t engagement = 0;

	if (engagement_change_decide(http_db(), &r->who, param_id(r), agree,
	    agree ? NULL : http_form(r, "reason"), &engagement, err,
	    sizeof err) != 0) {
		page_message(r, 409, "This change cannot be decided now", err);
		return;
	}
	snprintf(loc, sizeof loc, "/engagements/%lld?done=%s#change-%lld",
	    (long long)engagement, agree ? "change-agreed" : "change-declined",
	    (long long)param_id(r));
	http_redirect(r, loc);
}

void
engagement_routes_register(void)
{
	route_add_owned(NULL, "GET", "/engagements/{id}", EP_ROLE_ANY,
	    ENGAGEMENT_PARTIES, engagement_view_cb, NULL);
	route_add_owned(NULL, "GET", "/engagements/{id}/changes/new",
	    EP_ROLE_POOL_MANAGER, ENGAGEMENT_PARTIES, change_new_cb, NULL);
	route_add_owned(NULL, "POST", "/engagements/{id}/changes",
	    EP_ROLE_POOL_MANAGER, ENGAGEMENT_PARTIES, change_propose_cb, NULL);
	route_add_owned(NULL, "POST", "/engagement-changes/{id}/agree",
	    DECIDERS, CHANGE_CONSUMER, change_decide_cb, (void *)"agree");
	route_add_owned(NULL, "POST", "/engagement-changes/{id}/decline",
	    DECIDERS, CHANGE_CONSUMER, change_decide_cb, NULL);
}
