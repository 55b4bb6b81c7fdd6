/* pager.c: the plugins' list pagination and LIKE patterns (see pager.h). */
#include "pager.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The page asked for in param, from 1 to the last page that has rows. */
int64_t
pager_page(const struct ep_host *h, ep_req *r, const char *param,
    int64_t total, int64_t per)
{
	const char *v = h->req_query(r, param);
	int64_t last = total > 0 ? (total + per - 1) / per : 1;
	char *end;
	long long n = v != NULL ? strtoll(v, &end, 10) : 1;

	if (v == NULL || *v == '\0' || *end != '\0' || n < 1)
		return 1;
	return n > last ? last : (int64_t)n;
}

/* Appends text percent-encoded (RFC 3986 unreserved characters kept). */
static size_t
pager_encode(char *out, const char *text)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *text != '\0'; text++) {
		unsigned char c = (unsigned char)*text;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c) != NULL) {
			out[n++] = (char)c;
			continue;
		}
		out[n++] = '%';
		out[n++] = hex[c >> 4];
		out[n++] = hex[c & 15];
	}
	return n;
}

/* The list's address with the query values named in keep (NULL-ended),
 * ending in '?' or '&' for the page links; NULL when out of memory. */
char *
pager_path(const struct ep_host *h, ep_req *r, const char *base,
    const char *const *keep)
{
	const char *const *k;
	const char *v;
	size_t len = strlen(base) + 2, n;
	char *out;

	for (k = keep; *k != NULL; k++)
		if ((v = h->req_query(r, *k)) != NULL)
			len += strlen(*k) + 2 + 3 * strlen(v);
	if ((out = malloc(len)) == NULL)
		return NULL;
	n = (size_t)snprintf(out, len, "%s?", base);
	for (k = keep; *k != NULL; k++) {
		if ((v = h->req_query(r, *k)) == NULL || *v == '\0')
			continue;
		n += (size_t)snprintf(out + n, len - n, "%s=", *k);
		n += pager_encode(out + n, v);
		out[n++] = '&';
	}
	out[n] = '\0';
	return out;
}

/* "1,234". */
static void
pager_count(char *out, size_t len, int64_t v)
{
	char digits[24];
	size_t nd, i, o = 0;

	nd = (size_t)snprintf(digits, sizeof digits, "%lld", (long long)v);
	for (i = 0; i < nd && o + 2 < len; i++) {
		if (i > 0 && (nd - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
}

/* One link of the pagination: previous, next or a page's number. */
static void
pager_link(const struct ep_host *h, ep_page *b, const char *path,
    const char *param, int64_t n, const char *rel)
{
	h->html(b, "<div class=\"govuk-pagination__%s\"><a class=\"govuk-link "
	    "govuk-pagination__link\" href=\"%s%s=%D\" rel=\"%s\"><span class=\""
	    "govuk-pagination__link-title\">%s<span class=\"govuk-visually-"
	    "hidden\"> page</span></span></a></div>\n", rel, path, param, n, rel,
	    rel[0] == 'p' ? "Previous" : "Next");
}

/* Which rows the page shows and links to the others, as html_pagination. */
void
pager_draw(const struct ep_host *h, ep_page *b, const char *path,
    const char *param, int64_t page, int64_t per, int64_t total,
    const char *things)
{
	int64_t last = total > 0 ? (total + per - 1) / per : 1, n;
	char from[32], to[32], all[32];

	pager_count(from, sizeof from, total == 0 ? 0 : (page - 1) * per + 1);
	pager_count(to, sizeof to, page * per < total ? page * per : total);
	pager_count(all, sizeof all, total);
	h->html(b, "<p class=\"govuk-body\" id=\"%s-showing\">Showing %s to %s "
	    "of %s %s</p>\n", param, from, to, all, things);
	if (last <= 1)
		return;
	h->html(b, "<nav class=\"govuk-pagination\" aria-label=\"Pages of %s\">"
	    "\n", things);
	if (page > 1)
		pager_link(h, b, path, param, page - 1, "prev");
	h->html(b, "<ul class=\"govuk-pagination__list\">");
	for (n = 1; n <= last; n++) {
		if (n != 1 && n != last && (n < page - 1 || n > page + 1)) {
			if (n == 2 || n == last - 1)
				h->html(b, "<li class=\"govuk-pagination__item "
				    "govuk-pagination__item--ellipses\">&ctdot;</li>");
			continue;
		}
		h->html(b, "<li class=\"govuk-pagination__item%R\"><a class=\""
		    "govuk-link govuk-pagination__link\" href=\"%s%s=%D\" "
		    "aria-label=\"Page %D of %D\"%R>%D</a></li>", n == page ?
		    " govuk-pagination__item--current" : "", path, param, n, n,
		    last, n == page ? " aria-current=\"page\"" : "", n);
	}
	h->html(b, "</ul>\n");
	if (page < last)
		pager_link(h, b, path, param, page + 1, "next");
	h->html(b, "</nav>\n");
}

/* A LIKE pattern (ESCAPE '\') finding text anywhere, its %, _ and \ taken
 * literally; NULL for no text (or no memory). Caller frees. */
char *
pager_like(const char *text)
{
	char *out, *o;

	if (text == NULL || *text == '\0' ||
	    (out = malloc(strlen(text) * 2 + 3)) == NULL)
		return NULL;
	o = out;
	*o++ = '%';
	for (; *text != '\0'; text++) {
		if (*text == '%' || *text == '_' || *text == '\\')
			*o++ = '\\';
		*o++ = *text;
	}
	*o++ = '%';
	*o = '\0';
	return out;
}
