/* html.c: server-rendered pages: escaping, the layout, forms and errors. */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

/* Records a message for a form field; the first per field wins. The name
 * is copied: callers (the timesheet grid) build it in a reused buffer. */
void
errs_add(struct form_errors *e, const char *field, const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	if (e->n >= FORM_MAX_ERRORS || errs_get(e, field) != NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	e->field[e->n] = xstrdup(field);
	e->msg[e->n] = xstrdup(buf);
	e->n++;
}

const char *
errs_get(const struct form_errors *e, const char *field)
{
	int i;

	for (i = 0; i < e->n; i++) {
		if (strcmp(e->field[i], field) == 0)
			return e->msg[i];
	}
	return NULL;
}

void
errs_free(struct form_errors *e)
{
	int i;

	for (i = 0; i < e->n; i++) {
		free(e->field[i]);
		free(e->msg[i]);
	}
	e->n = 0;
}

/* Joins the messages as "field: message" lines, for the CLI. */
void
errs_print(const struct form_errors *e, FILE *f)
{
	int i;

	for (i = 0; i < e->n; i++)
		fprintf(f, "expertpool: %s: %s\n", e->field[i], e->msg[i]);
}

/*
 * Text on its way into a page: gathered in a local buffer (struct html_w,
 * server.h) and handed to the evbuffer in one evbuffer_add when the
 * buffer fills or the writer ends. A page is written in thousands of
 * small pieces (a cell's tags, its escaped text, a number), and
 * evbuffer_add's locking and callback checks on each were a fifth of a
 * list page's cost.
 */
void
html_w_begin(struct html_w *w, struct evbuffer *b)
{
	w->b = b;
	w->n = 0;
}

void
html_w_end(struct html_w *w)
{
	if (w->n > 0)
		evbuffer_add(w->b, w->buf, w->n);
	w->n = 0;
}

/* html_w_put's way when the buffer has no room: sends it on first. */
void
html_w_spill(struct html_w *w, const char *p, size_t len)
{
	html_w_end(w);
	if (len >= sizeof w->buf) {
		evbuffer_add(w->b, p, len);
		return;
	}
	memcpy(w->buf, p, len);
	w->n = len;
}

/* Escaped text. */
void
html_w_text(struct html_w *w, const char *s)
{
	size_t n;

	if (s == NULL)
		return;
	for (;;) {
		n = strcspn(s, "&<>\"'");
		html_w_put(w, s, n);
		s += n;
		switch (*s) {
		case '\0':
			return;
		case '&':
			html_w_put(w, "&amp;", 5);
			break;
		case '<':
			html_w_put(w, "&lt;", 4);
			break;
		case '>':
			html_w_put(w, "&gt;", 4);
			break;
		case '"':
			html_w_put(w, "&quot;", 6);
			break;
		default:
			html_w_put(w, "&#39;", 5);
			break;
		}
		s++;
	}
}

/* An integer in decimal, written in place when there is room (a chart
 * writes thousands of coordinates). */
void
html_w_int(struct html_w *w, int64_t v)
{
	char num[24];

	if (sizeof w->buf - w->n < sizeof num) {
		html_w_put(w, num, html_int_text(num, v));
		return;
	}
	w->n += html_int_text(w->buf + w->n, v);
}

void
html_escape(struct evbuffer *b, const char *s)
{
	struct html_w w;

	html_w_begin(&w, b);
	html_w_text(&w, s);
	html_w_end(&w);
}

/*
 * printf for HTML: %s is escaped text, %R raw trusted markup, %d an int,
 * %D an int64_t, %P pence as pounds, %% a percent sign.
 */
void
html_printf(struct evbuffer *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	html_vprintf(b, fmt, ap);
	va_end(ap);
}

/*
 * An integer in decimal, as printf's %lld writes it, into out (at least
 * 21 bytes, left unterminated); returns its length. The pages write
 * thousands of numbers (chart coordinates above all): printf's parsing
 * of its format for each was much of a long page's cost.
 */
size_t
html_int_text(char *out, int64_t v)
{
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v, t;
	size_t n = 1, i;

	for (t = u; t >= 10; t /= 10)
		n++;
	if (v < 0)
		*out++ = '-';
	for (i = n; i-- > 0; u /= 10)
		out[i] = (char)('0' + u % 10);
	return n + (v < 0);
}

void
html_vprintf(struct evbuffer *b, const char *fmt, va_list ap)
{
	struct html_w w;

	html_w_begin(&w, b);
	html_w_vprintf(&w, fmt, ap);
	html_w_end(&w);
}

/* html_printf through a writer, for a page written in many pieces. */
void
html_w_printf(struct html_w *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	html_w_vprintf(w, fmt, ap);
	va_end(ap);
}

void
html_w_vprintf(struct html_w *w, const char *fmt, va_list ap)
{
	const char *run = fmt;
	char num[48];

	while ((fmt = strchr(run, '%')) != NULL) {
		html_w_put(w, run, (size_t)(fmt - run));
		fmt++;
		switch (*fmt) {
		case 's':
			html_w_text(w, va_arg(ap, const char *));
			break;
		case 'R': {
			const char *raw = va_arg(ap, const char *);

			if (raw != NULL)
				html_w_put(w, raw, strlen(raw));
			break;
		}
		case 'd':
			html_w_put(w, num, html_int_text(num, va_arg(ap, int)));
			break;
		case 'D':
			html_w_put(w, num, html_int_text(num, va_arg(ap, int64_t)));
			break;
		case 'P':
			units_money_text(num, sizeof num, va_arg(ap, int64_t));
			html_w_text(w, num);
			break;
		case '%':
			html_w_put(w, "%", 1);
			break;
		default:
			abort(); /* a bad format is a programming error */
		}
		run = fmt + 1;
	}
	html_w_put(w, run, strlen(run));
}

struct nav_item {
	unsigned roles;
	const char *href;
	const char *label;
};

/* The header's navigation: each link shown to the roles it serves. */
static const struct nav_item nav_items[] = {
	{ EP_ROLE_REQUESTER | EP_ROLE_APPROVER | EP_ROLE_FINANCE |
	  EP_ROLE_ADMIN | EP_ROLE_POOL_MANAGER, "/requests", "Requests" },
	{ EP_ROLE_POOL_MANAGER | EP_ROLE_ADMIN, "/queue", "Queue" },
	{ EP_ROLE_EXPERT, "/offers", "Your offers" },
	{ EP_ROLE_ANY, "/messages", "Messages" },
	{ EP_ROLE_ADMIN, "/admin/organisations", "Organisations" },
	{ EP_ROLE_ADMIN, "/admin/people", "People" },
	{ EP_ROLE_ADMIN | EP_ROLE_FINANCE, "/admin/agreements", "Agreements" },
	{ EP_ROLE_ADMIN | EP_ROLE_FINANCE, "/admin/fees", "Fee rules" },
	{ EP_ROLE_ANY, "/experts", "Experts" },
	{ EP_ROLE_REQUESTER | EP_ROLE_APPROVER | EP_ROLE_FINANCE |
	  EP_ROLE_ADMIN | EP_ROLE_POOL_MANAGER, "/reports", "Reports" },
};

/* Links plugins add to the header and the home page. */
struct nav_extra {
	struct ep_plugin *owner;
	unsigned roles;
	char *href, *label, *description;
};

static struct nav_extra *nav_extras;
static size_t nnav_extras;

int
nav_add(struct ep_plugin *owner, unsigned roles, const char *href,
    const char *label, const char *description)
{
	if (href == NULL || href[0] != '/' || label == NULL) {
		log_error("nav: a link needs a local href and a label");
		return -1;
	}
	nav_extras = xrealloc(nav_extras, sizeof *nav_extras * (nnav_extras + 1));
	nav_extras[nnav_extras].owner = owner;
	nav_extras[nnav_extras].roles = roles ? roles : EP_ROLE_ANY;
	nav_extras[nnav_extras].href = xstrdup(href);
	nav_extras[nnav_extras].label = xstrdup(label);
	nav_extras[nnav_extras].description = xstrdup(description ?
	    description : "");
	nnav_extras++;
	return 0;
}

void
nav_remove_owner(struct ep_plugin *owner)
{
	size_t i, j = 0;

	for (i = 0; i < nnav_extras; i++) {
		if (nav_extras[i].owner == owner) {
			free(nav_extras[i].href);
			free(nav_extras[i].label);
			free(nav_extras[i].description);
		} else
			nav_extras[j++] = nav_extras[i];
	}
	nnav_extras = j;
	if (nnav_extras == 0) {
		free(nav_extras);
		nav_extras = NULL;
	}
}

/* Home-page links plugins added, for the roles held. */
void
nav_home_links(struct evbuffer *b, unsigned roles)
{
	size_t i;

	for (i = 0; i < nnav_extras; i++) {
		if (roles & nav_extras[i].roles)
			html_printf(b, "<li><a class=\"govuk-link\" href=\"%s\">%s</a>"
			    "%R%s</li>\n", nav_extras[i].href, nav_extras[i].label,
			    nav_extras[i].description[0] ? " \xe2\x80\x93 " : "",
			    nav_extras[i].description);
	}
}

/*
 * What an action that succeeded did, by the key its redirect puts in
 * ?done= ("/requests/7?done=sent"): the page it lands on opens with it in
 * the GOV.UK success banner. A key, never the text, travels in the address,
 * so nobody can put words in the service's mouth with a link.
 */
static const char *const page_done[][2] = {
	{ "accepted", "Offer accepted: the engagement has begun" },
	{ "active", "The expert is available again" },
	{ "agreement", "Agreement added" },
	{ "agreement-varied", "New terms saved" },
	{ "approved", "Hours approved" },
	{ "change-agreed", "You agreed the change. The engagement now has its "
	    "new terms." },
	{ "change-declined", "You declined the change. The engagement is "
	    "unchanged." },
	{ "change-proposed", "The change is proposed. The consuming council has "
	    "been asked to agree it." },
	{ "completed", "The work is marked complete" },
	{ "credited", "Credit note issued" },
	{ "declined", "Offer declined" },
	{ "disabled", "Account disabled: the person can no longer sign in" },
	{ "enabled", "Account enabled" },
	{ "endpoint", "Peppol endpoint saved" },
	{ "excluded", "Line left out of the draft" },
	{ "expert", "Expert added" },
	{ "expert-updated", "Expert updated" },
	{ "inactive", "The expert is marked unavailable" },
	{ "invoice-sent", "Queued to be sent by email, with its PDF and UBL" },
	{ "issued", "Invoice issued" },
	{ "issued-sent", "Invoice issued and queued to be sent by email, with "
	    "its PDF and UBL" },
	{ "issued-unsent", "Invoice issued, but it could not be sent: send it "
	    "again below to see why" },
	{ "leave", "Leave booked" },
	{ "milestone", "Milestone marked done" },
	{ "notifications", "Your notification settings are saved" },
	{ "offered", "Offer made" },
	{ "organisation", "Organisation added" },
	{ "organisation-updated", "Organisation updated" },
	{ "overhead-cost", "Running cost recorded" },
	{ "overhead-cost-updated", "Running cost corrected" },
	{ "overhead-settings", "Overhead settings saved" },
	{ "overhead-time", "Overhead time logged" },
	{ "overhead-time-updated", "Overhead time corrected" },
	{ "paid", "Invoice marked paid" },
	{ "password", "Password changed: sign in with your new password" },
	{ "person", "Person added" },
	{ "person-updated", "Person updated" },
	{ "rated", "Rating saved: the provider and the pool see it, but not "
	    "your name" },
	{ "queried", "Hours queried: the expert has been asked to look again" },
	{ "request-changed", "Your request has been changed" },
	{ "sent", "Request sent" },
	{ "sso", "Council account sign-in saved" },
	{ "sso-removed", "Council account sign-in removed" },
	{ "token-revoked", "Token revoked: it no longer works" },
	{ "two-factor-off", "Two-factor sign-in is off" },
	{ "two-factor-reset", "Two-factor sign-in reset: their sessions have "
	  "ended, and they set it up again when they next sign in" },
	{ "two-factor-was-off", "Two-factor sign-in was already off" },
	{ "unchanged", "No changes were made" },
	{ "withdrawn", "Request withdrawn" },
};

/* The success banner for the ?done= key a page was sent to, if any. */
static void
page_done_notice(struct ep_req *r, struct evbuffer *b)
{
	const char *key = http_query(r, "done");
	size_t i;

	if (key == NULL)
		return;
	for (i = 0; i < nitems(page_done); i++) {
		if (strcmp(page_done[i][0], key) == 0) {
			html_notice(b, page_done[i][1]);
			return;
		}
	}
}

/* Starts a page: the GOV.UK template, header, and the error summary or
 * the success banner. */
struct evbuffer *
page_begin(struct ep_req *r, const char *title, const struct form_errors *e)
{
	struct evbuffer *b = evbuffer_new();
	size_t i;

	evbuffer_expand(b, 8192);
	html_printf(b,
	    "<!DOCTYPE html>\n<html lang=\"en\" class=\"govuk-template\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<title>%R%s \xe2\x80\x93 expertpool</title>\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	    "<link rel=\"stylesheet\" href=\"/assets/govuk-frontend.min.css\">\n"
	    "<link rel=\"stylesheet\" href=\"/assets/app.css\">\n</head>\n"
	    "<body class=\"govuk-template__body\">\n"
	    "<a href=\"#main-content\" class=\"govuk-skip-link\">Skip to main "
	    "content</a>\n"
	    "<header class=\"govuk-header\">\n"
	    "<div class=\"govuk-header__container govuk-width-container\">\n"
	    "<div class=\"govuk-header__logo\"><a href=\"/\" class=\"govuk-header__"
	    "link govuk-header__link--homepage\"><span class=\"govuk-header__"
	    "logotype-text\">expertpool</span></a></div>\n",
	    e != NULL && e->n > 0 ? "Error: " : "", title);
	if (r->authed) {
		html_printf(b, "<div class=\"govuk-header__content\">\n"
		    "<nav aria-label=\"Menu\" class=\"govuk-header__navigation\">\n"
		    "<ul class=\"govuk-header__navigation-list\">\n");
		for (i = 0; i < nitems(nav_items); i++) {
			if ((r->who.roles & nav_items[i].roles) == 0)
				continue;
			html_printf(b, "<li class=\"govuk-header__navigation-item\">"
			    "<a class=\"govuk-header__link\" href=\"%s\">%s</a></li>\n",
			    nav_items[i].href, nav_items[i].label);
		}
		for (i = 0; i < nnav_extras; i++) {
			if ((r->who.roles & nav_extras[i].roles) == 0)
				continue;
			html_printf(b, "<li class=\"govuk-header__navigation-item\">"
			    "<a class=\"govuk-header__link\" href=\"%s\">%s</a></li>\n",
			    nav_extras[i].href, nav_extras[i].label);
		}
		html_printf(b, "</ul>\n</nav>\n</div>\n");
	}
	html_printf(b, "</div>\n</header>\n<div class=\"govuk-width-container\">\n");
	if (r->authed) {
		html_printf(b, "<nav class=\"ep-account govuk-body-s\" aria-label="
		    "\"Account\">Signed in as "
		    "<strong>%s</strong> (%s)", r->who.name, r->who.org_code);
		if (r->who.session_id != 0)
			html_printf(b, " <form method=\"post\" action=\"/logout\" "
			    "class=\"ep-inline\"><input type=\"hidden\" name=\"csrf\" "
			    "value=\"%s\"><button class=\"govuk-button govuk-button--"
			    "secondary ep-small\" type=\"submit\">Sign out</button>"
			    "</form>", r->who.csrf);
		html_printf(b, "</nav>\n");
	}
	html_printf(b, "<main class=\"govuk-main-wrapper\" id=\"main-content\">\n");
	if (e != NULL && e->n > 0) {
		int k;

		html_printf(b, "<div class=\"govuk-error-summary\" "
		    "data-module=\"govuk-error-summary\">\n<div role=\"alert\">\n"
		    "<h2 class=\"govuk-error-summary__title\">There is a problem</h2>\n"
		    "<div class=\"govuk-error-summary__body\">\n<ul class=\"govuk-list "
		    "govuk-error-summary__list\">\n");
		for (k = 0; k < e->n; k++)
			html_printf(b, "<li><a href=\"#%s\">%s</a></li>\n", e->field[k],
			    e->msg[k]);
		html_printf(b, "</ul>\n</div>\n</div>\n</div>\n");
	} else
		page_done_notice(r, b);
	return b;
}

/* Ends the page and sends it. */
void
page_end(struct ep_req *r, struct evbuffer *b, int status)
{
	html_printf(b, "</main>\n</div>\n<footer class=\"govuk-footer\">\n"
	    "<div class=\"govuk-width-container\"><h2 class=\"govuk-visually-"
	    "hidden\">Support links</h2><ul class=\"govuk-footer__inline-list\">"
	    "<li class=\"govuk-footer__inline-list-item\"><a class=\"govuk-"
	    "footer__link\" href=\"/accessibility\">Accessibility statement</a>"
	    "</li></ul><p class=\"govuk-body-s\">expertpool %s</p></div>\n"
	    "</footer>\n</body>\n</html>\n", PACKAGE_VERSION);
	http_reply_header(r, "Cache-Control", "no-store");
	http_reply_buffer(r, status, "text/html; charset=utf-8", b);
	evbuffer_free(b);
}

/* A whole page with a heading and one paragraph. */
void
page_message(struct ep_req *r, int status, const char *title,
    const char *message)
{
	struct evbuffer *b = page_begin(r, title, NULL);

	html_printf(b, "<h1 class=\"govuk-heading-l\">%s</h1>\n"
	    "<p class=\"govuk-body\">%s</p>\n", title, message);
	page_end(r, b, status);
}

/* A GET route's handler for a form's page: arg is its struct form_page. */
void
form_page_cb(struct ep_req *r, void *arg)
{
	const struct form_page *p = arg;

	p->draw(r, 200, NULL);
}

/* The {id} in the path, or 0 after answering 404 that there is no such
 * what. */
int64_t
page_id(struct ep_req *r, const char *what)
{
	char message[64];
	int64_t id;

	if (parse_int64(http_param(r, "id"), 1, INT64_MAX, &id) != 0) {
		snprintf(message, sizeof message, "There is no such %s.", what);
		page_message(r, 404, "Page not found", message);
		return 0;
	}
	return id;
}

/*
 * The end of a form's post, one way for every record: refused (rc not 0),
 * the form again with its errors at status; saved, to where (with /id
 * when id is not 0) saying what was done.
 */
void
form_saved(struct ep_req *r, int rc, struct form_errors *e,
    form_page_fn *form, int status, const char *where, int64_t id,
    const char *done)
{
	char loc[160];

	if (rc != 0) {
		form(r, status, e);
		errs_free(e);
		return;
	}
	if (id != 0)
		snprintf(loc, sizeof loc, "%s/%lld?done=%s", where,
		    (long long)id, done);
	else
		snprintf(loc, sizeof loc, "%s?done=%s", where, done);
	http_redirect(r, loc);
}

/* Opens a POST form carrying the session's CSRF token. */
void
form_begin(struct evbuffer *b, struct ep_req *r, const char *action)
{
	html_printf(b, "<form method=\"post\" action=\"%s\" novalidate>\n"
	    "<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n", action,
	    r->who.csrf);
}

void
form_end(struct evbuffer *b, const char *button)
{
	html_printf(b, "<button type=\"submit\" class=\"govuk-button\" "
	    "data-module=\"govuk-button\">%s</button>\n</form>\n", button);
}

static void
form_group_open(struct evbuffer *b, const struct form_errors *e,
    const char *name, const char *label, const char *hint)
{
	const char *msg = e ? errs_get(e, name) : NULL;

	html_printf(b, "<div class=\"govuk-form-group%R\">\n"
	    "<label class=\"govuk-label\" for=\"%s\">%s</label>\n",
	    msg ? " govuk-form-group--error" : "", name, label);
	if (hint != NULL)
		html_printf(b, "<div id=\"%s-hint\" class=\"govuk-hint\">%s</div>\n",
		    name, hint);
	if (msg != NULL)
		html_printf(b, "<p id=\"%s-error\" class=\"govuk-error-message\">"
		    "<span class=\"govuk-visually-hidden\">Error:</span> %s</p>\n",
		    name, msg);
}

static void
form_described_by(struct evbuffer *b, const struct form_errors *e,
    const char *name, const char *hint)
{
	int err = e != NULL && errs_get(e, name) != NULL;

	if (hint == NULL && !err)
		return;
	html_printf(b, " aria-describedby=\"");
	if (hint != NULL)
		html_printf(b, "%s-hint%R", name, err ? " " : "");
	if (err)
		html_printf(b, "%s-error", name);
	html_printf(b, "\"");
}

/* A labelled text input; type is "text", "email", "password", "date"... */
void
form_input(struct evbuffer *b, const struct form_errors *e, const char *name,
    const char *label, const char *hint, const char *type, const char *value,
    const char *extra_class)
{
	form_input_auto(b, e, name, label, hint, type, value, extra_class, NULL);
}

/* form_input with the autocomplete token browsers and password managers
 * fill it from ("username", "current-password", "new-password"...). */
void
form_input_auto(struct evbuffer *b, const struct form_errors *e,
    const char *name, const char *label, const char *hint, const char *type,
    const char *value, const char *extra_class, const char *autocomplete)
{
	int err = e != NULL && errs_get(e, name) != NULL;

	form_group_open(b, e, name, label, hint);
	html_printf(b, "<input class=\"govuk-input%R%R%R\" id=\"%s\" name=\"%s\" "
	    "type=\"%s\"", err ? " govuk-input--error" : "",
	    extra_class ? " " : "", extra_class ? extra_class : "", name, name,
	    type);
	if (autocomplete != NULL)
		html_printf(b, " autocomplete=\"%s\" spellcheck=\"false\"",
		    autocomplete);
	if (value != NULL && strcmp(type, "password") != 0)
		html_printf(b, " value=\"%s\"", value);
	form_described_by(b, e, name, hint);
	html_printf(b, ">\n</div>\n");
}

void
form_textarea(struct evbuffer *b, const struct form_errors *e,
    const char *name, const char *label, const char *hint, const char *value)
{
	int err = e != NULL && errs_get(e, name) != NULL;

	form_group_open(b, e, name, label, hint);
	html_printf(b, "<textarea class=\"govuk-textarea%R\" id=\"%s\" name=\"%s\" "
	    "rows=\"4\"", err ? " govuk-textarea--error" : "", name, name);
	form_described_by(b, e, name, hint);
	html_printf(b, ">%s</textarea>\n</div>\n", value ? value : "");
}

/* A select from pairs {value, label}, ending with a NULL value. */
void
form_select(struct evbuffer *b, const struct form_errors *e, const char *name,
    const char *label, const char *hint, const char *const options[][2],
    const char *value)
{
	form_select_blank(b, e, name, label, hint, NULL, options, value);
}

/* The same, led by an empty choice labelled blank (no choice, or any) when
 * blank is not NULL. */
void
form_select_blank(struct evbuffer *b, const struct form_errors *e,
    const char *name, const char *label, const char *hint, const char *blank,
    const char *const options[][2], const char *value)
{
	int err = e != NULL && errs_get(e, name) != NULL;
	size_t i;

	form_group_open(b, e, name, label, hint);
	html_printf(b, "<select class=\"govuk-select%R\" id=\"%s\" name=\"%s\"",
	    err ? " govuk-select--error" : "", name, name);
	form_described_by(b, e, name, hint);
	html_printf(b, ">\n");
	if (blank != NULL)
		html_printf(b, "<option value=\"\"%R>%s</option>\n",
		    value == NULL || *value == '\0' ? " selected" : "", blank);
	for (i = 0; options[i][0] != NULL; i++)
		html_printf(b, "<option value=\"%s\"%R>%s</option>\n", options[i][0],
		    value && strcmp(value, options[i][0]) == 0 ? " selected" : "",
		    options[i][1]);
	html_printf(b, "</select>\n</div>\n");
}

/* A set of checkboxes named name, one per {value, label}; checked holds
 * the values to tick. */
void
form_checkboxes(struct evbuffer *b, const struct form_errors *e,
    const char *name, const char *legend, const char *const options[][2],
    int (*checked)(const char *value, void *arg), void *arg)
{
	const char *msg = e ? errs_get(e, name) : NULL;
	size_t i;

	html_printf(b, "<div class=\"govuk-form-group%R\">\n<fieldset class=\""
	    "govuk-fieldset\"", msg ? " govuk-form-group--error" : "");
	if (msg != NULL)
		html_printf(b, " aria-describedby=\"%s-error\"", name);
	html_printf(b, ">\n<legend class=\"govuk-fieldset__legend "
	    "govuk-fieldset__legend--s\">%s</legend>\n", legend);
	if (msg != NULL)
		html_printf(b, "<p id=\"%s-error\" class=\"govuk-error-message\">"
		    "<span class=\"govuk-visually-hidden\">Error:</span> %s</p>\n",
		    name, msg);
	html_printf(b, "<div class=\"govuk-checkboxes govuk-checkboxes--small\" "
	    "data-module=\"govuk-checkboxes\">\n");
	for (i = 0; options[i][0] != NULL; i++) {
		html_printf(b, "<div class=\"govuk-checkboxes__item\">"
		    "<input class=\"govuk-checkboxes__input\" id=\"%s%R%s\" "
		    "name=\"%s\" type=\"checkbox\" value=\"%s\"%R>"
		    "<label class=\"govuk-label govuk-checkboxes__label\" "
		    "for=\"%s%R%s\">%s</label></div>\n",
		    name, i == 0 ? "" : "-", i == 0 ? "" : options[i][0], name,
		    options[i][0], checked(options[i][0], arg) ? " checked" : "",
		    name, i == 0 ? "" : "-", i == 0 ? "" : options[i][0],
		    options[i][1]);
	}
	html_printf(b, "</div>\n</fieldset>\n</div>\n");
}

/*
 * Opens the region a wide table scrolls in, so the page itself never scrolls
 * sideways at 320 px (WCAG reflow): focusable, so a keyboard can scroll it,
 * and named after the table's caption. Closed by html_scroll_close.
 */
void
html_scroll_open(struct evbuffer *b, const char *label)
{
	html_printf(b, "<div class=\"ep-table-scroll\" role=\"region\" "
	    "aria-label=\"%s\" tabindex=\"0\">\n", label);
}

void
html_scroll_close(struct evbuffer *b)
{
	html_printf(b, "</div>\n");
}

/* A GOV.UK table's opening, caption and column headings, in a scroll
 * region of its own. */
void
html_table_open(struct evbuffer *b, const char *caption,
    const char *const *heads)
{
	html_scroll_open(b, caption);
	html_printf(b, "<table class=\"govuk-table\">\n<caption class=\"govuk-"
	    "table__caption govuk-table__caption--m\">%s</caption>\n<thead class="
	    "\"govuk-table__head\"><tr class=\"govuk-table__row\">", caption);
	for (; *heads != NULL; heads++)
		html_printf(b, "<th scope=\"col\" class=\"govuk-table__header\">%s"
		    "</th>", *heads);
	html_printf(b, "</tr></thead>\n<tbody class=\"govuk-table__body\">\n");
}

void
html_table_close(struct evbuffer *b)
{
	html_printf(b, "</tbody>\n</table>\n</div>\n");
}

/* A count with thousands separated by commas: "1,234". */
static void
html_count(char *out, size_t len, int64_t n)
{
	char digits[24];
	size_t nd, i, o = 0;

	nd = (size_t)snprintf(digits, sizeof digits, "%lld", (long long)n);
	for (i = 0; i < nd && o + 2 < len; i++) {
		if (i > 0 && digits[0] != '-' && (nd - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
}

/* The page of a list the query asks for (?page=N, from 1), within pages. */
int64_t
html_page_number(struct ep_req *r, int64_t total, int64_t per)
{
	return html_page_number_of(r, "page", total, per);
}

/* html_page_number for a page that holds two lists, each paged by its own
 * parameter. */
int64_t
html_page_number_of(struct ep_req *r, const char *param, int64_t total,
    int64_t per)
{
	int64_t page = 1, last = total > 0 ? (total + per - 1) / per : 1;

	if (parse_int64(http_query(r, param), 1, INT64_MAX / per, &page) != 0)
		page = 1;
	return page > last ? last : page;
}

/*
 * Says which rows of a list a page shows ("Showing 51 to 100 of 1,234
 * requests") and links to the pages before and after it, in the GOV.UK
 * pagination pattern. path is the list's address with its query so far,
 * ending in '?' or '&'.
 */
void
html_pagination(struct evbuffer *b, const char *path, int64_t page,
    int64_t per, int64_t total, const char *things)
{
	html_pagination_of(b, path, "page", page, per, total, things);
}

/* html_pagination by another parameter than "page" (its count's id is
 * "PARAM-showing"), for a page that holds two lists. */
void
html_pagination_of(struct evbuffer *b, const char *path, const char *param,
    int64_t page, int64_t per, int64_t total, const char *things)
{
	int64_t last = total > 0 ? (total + per - 1) / per : 1, n;
	char from[32], to[32], all[32];

	html_count(from, sizeof from, total == 0 ? 0 : (page - 1) * per + 1);
	html_count(to, sizeof to, page * per < total ? page * per : total);
	html_count(all, sizeof all, total);
	html_printf(b, "<p class=\"govuk-body\" id=\"%s%R\">Showing %s to %s "
	    "of %s %s</p>\n", strcmp(param, "page") == 0 ? "" : param,
	    strcmp(param, "page") == 0 ? "showing" : "-showing", from, to, all,
	    things);
	if (last <= 1)
		return;
	html_printf(b, "<nav class=\"govuk-pagination\" aria-label=\"Pages of "
	    "%s\">\n", things);
	if (page > 1)
		html_printf(b, "<div class=\"govuk-pagination__prev\"><a class=\""
		    "govuk-link govuk-pagination__link\" href=\"%s%s=%D\" rel="
		    "\"prev\"><span class=\"govuk-pagination__link-title\">Previous"
		    "<span class=\"govuk-visually-hidden\"> page</span></span></a>"
		    "</div>\n", path, param, page - 1);
	/* The first and last pages, and those either side of this one. */
	html_printf(b, "<ul class=\"govuk-pagination__list\">");
	for (n = 1; n <= last; n++) {
		if (n != 1 && n != last && (n < page - 1 || n > page + 1)) {
			if (n == 2 || n == last - 1)
				html_printf(b, "<li class=\"govuk-pagination__item "
				    "govuk-pagination__item--ellipses\">&ctdot;</li>");
			continue;
		}
		html_printf(b, "<li class=\"govuk-pagination__item%R\"><a class=\""
		    "govuk-link govuk-pagination__link\" href=\"%s%s=%D\" "
		    "aria-label=\"Page %D of %D\"%R>%D</a></li>", n == page ?
		    " govuk-pagination__item--current" : "", path, param, n, n, last,
		    n == page ? " aria-current=\"page\"" : "", n);
	}
	html_printf(b, "</ul>\n");
	if (page < last)
		html_printf(b, "<div class=\"govuk-pagination__next\"><a class=\""
		    "govuk-link govuk-pagination__link\" href=\"%s%s=%D\" rel="
		    "\"next\"><span class=\"govuk-pagination__link-title\">Next"
		    "<span class=\"govuk-visually-hidden\"> page</span></span></a>"
		    "</div>\n", path, param, page + 1);
	html_printf(b, "</nav>\n");
}

/*
 * The GOV.UK success banner that tells a person what they have just done
 * ("Request sent"), drawn at the top of the page an action redirects to.
 * heading is escaped; role="alert" has screen readers say it at once.
 */
void
html_notice(struct evbuffer *b, const char *heading)
{
	html_printf(b, "<div class=\"govuk-notification-banner govuk-"
	    "notification-banner--success\" role=\"alert\" aria-labelledby=\""
	    "notice-title\" id=\"notice\" data-module=\"govuk-notification-"
	    "banner\">\n<div class=\"govuk-notification-banner__header\"><h2 "
	    "class=\"govuk-notification-banner__title\" id=\"notice-title\">"
	    "Success</h2></div>\n<div class=\"govuk-notification-banner__"
	    "content\"><p class=\"govuk-notification-banner__heading\">%s</p>"
	    "</div></div>\n", heading);
}

/* One table cell of escaped text (NULL shows as empty). */
void
html_cell(struct evbuffer *b, const char *text)
{
	html_printf(b, "<td class=\"govuk-table__cell\">%s</td>",
	    text ? text : "");
}

/* One row of a GOV.UK summary list. */
void
html_summary_row(struct evbuffer *b, const char *key, const char *value)
{
	html_printf(b, "<div class=\"govuk-summary-list__row\"><dt class=\""
	    "govuk-summary-list__key\">%s</dt><dd class=\"govuk-summary-list__"
	    "value\">%s</dd></div>\n", key, value ? value : "");
}

/* One row of a GOV.UK summary list with a "Change" link to href; the
 * link's hidden text names what it changes, for screen readers. */
void
html_summary_change(struct evbuffer *b, const char *key, const char *value,
    const char *href)
{
	html_printf(b, "<div class=\"govuk-summary-list__row\"><dt class=\""
	    "govuk-summary-list__key\">%s</dt><dd class=\"govuk-summary-list__"
	    "value\">%s</dd><dd class=\"govuk-summary-list__actions\"><a class="
	    "\"govuk-link\" href=\"%s\">Change<span class=\"govuk-visually-"
	    "hidden\"> %s</span></a></dd></div>\n", key, value ? value : "",
	    href, key);
}

/*
 * A list's address with the filters it was asked for, ending in '?' or
 * '&', for html_pagination's links: each name in keep (NULL-ended) that
 * the query carries, percent-encoded. Caller frees.
 */
char *
html_list_path(struct ep_req *r, const char *base, const char *const *keep)
{
	struct evbuffer *b = evbuffer_new();
	const char *v;
	char *enc, *out;
	size_t len;

	evbuffer_add_printf(b, "%s?", base);
	for (; *keep != NULL; keep++) {
		if ((v = http_query(r, *keep)) == NULL || *v == '\0')
			continue;
		enc = evhttp_encode_uri(v);
		evbuffer_add_printf(b, "%s=%s&", *keep, enc ? enc : "");
		free(enc);
	}
	len = evbuffer_get_length(b);
	out = xmalloc(len + 1);
	evbuffer_remove(b, out, len);
	out[len] = '\0';
	evbuffer_free(b);
	return out;
}

/* Opens a list's filters: a GET form, so that the address holds them and
 * a filtered page can be bookmarked, shared and paged through. */
void
html_filter_begin(struct evbuffer *b, const char *action, const char *legend)
{
	html_printf(b, "<form method=\"get\" action=\"%s\" novalidate id=\""
	    "filters\">\n<fieldset class=\"govuk-fieldset\">\n<legend class=\""
	    "govuk-fieldset__legend govuk-fieldset__legend--m\">%s</legend>\n",
	    action, legend);
}

/* Closes the filters with their button and a link back to the whole list. */
void
html_filter_end(struct evbuffer *b, const char *clear)
{
	html_printf(b, "</fieldset>\n<div class=\"govuk-button-group\"><button "
	    "type=\"submit\" class=\"govuk-button govuk-button--secondary\" "
	    "data-module=\"govuk-button\">Apply filters</button><a class=\""
	    "govuk-link\" href=\"%s\" id=\"clear-filters\">Clear filters</a>"
	    "</div>\n</form>\n", clear);
}

/*
 * Ends a page of work still running: a link the person follows to see how
 * far it has got (the page never reloads itself), and the script that,
 * where scripts run, checks for them and reads the news into the page's
 * polite live region (data-ep-progress), then shows the result.
 */
void
html_progress_link(struct evbuffer *b, const char *path, int64_t id)
{
	html_printf(b, "<p class=\"govuk-body\"><a class=\"govuk-link\" id=\""
	    "check-progress\" href=\"%s%D\">Check progress</a></p>\n<script "
	    "src=\"/assets/progress.js\" defer></script>\n", path, id);
}

/* A state as a coloured GOV.UK tag. */
void
html_state_tag(struct evbuffer *b, const char *state)
{
	const char *colour = "grey";

	if (strcmp(state, "submitted") == 0)
		colour = "blue";
	else if (strcmp(state, "offered") == 0 || strcmp(state, "open") == 0)
		colour = "yellow";
	else if (strcmp(state, "engaged") == 0 || strcmp(state, "active") == 0 ||
	    strcmp(state, "accepted") == 0)
		colour = "green";
	else if (strcmp(state, "declined") == 0 || strcmp(state, "cancelled") == 0)
		colour = "red";
	html_printf(b, "<strong class=\"govuk-tag govuk-tag--%R\">%s</strong>",
	    colour, state);
}
