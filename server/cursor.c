/* cursor.c: keyset pages of the JSON lists: limit, after and next. */
#include "server.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>

/*
 * Reads ?limit (1 to max, default def) and ?after (an id: the list goes
 * on below it, newest first) for a list. On bad input answers 400 naming
 * the field and returns -1.
 */
int
cursor_read(struct ep_req *r, int64_t def, int64_t max, struct cursor *c)
{
	const char *limit = http_query(r, "limit");
	const char *after = http_query(r, "after");
	char msg[80];

	c->limit = def;
	c->after = INT64_MAX;
	c->n = 0;
	c->last = 0;
	c->more = 0;
	if (limit != NULL && parse_int64(limit, 1, max, &c->limit) != 0) {
		snprintf(msg, sizeof msg, "limit must be a whole number from 1 to "
		    "%lld", (long long)max);
		http_json_error(r, 400, "invalid", "limit", msg);
		return -1;
	}
	if (after != NULL && parse_int64(after, 1, INT64_MAX, &c->after) != 0) {
		http_json_error(r, 400, "invalid", "after",
		    "after must be the id of a record from the list");
		return -1;
	}
	return 0;
}

/* Counts a row with this id onto the page: 0 to keep it, -1 when the page
 * is full and the row only shows that there is more. Lists ask for one
 * row more than the limit. */
int
cursor_take(struct cursor *c, int64_t id)
{
	if (c->n == c->limit) {
		c->more = 1;
		return -1;
	}
	c->n++;
	c->last = id;
	return 0;
}

/*
 * Replies {"items": [...], "next": "<path>?...&after=<id>&limit=<n>"},
 * next null on the last page; next keeps the query values named in keep
 * (NULL-ended). Takes items.
 */
void
cursor_reply(struct ep_req *r, const char *path, const char *const *keep,
    const struct cursor *c, json_t *items)
{
	struct evbuffer *b;
	json_t *next = json_null();
	const char *v;
	char *enc;

	if (c->more) {
		b = evbuffer_new();
		evbuffer_add_printf(b, "%s?", path);
		for (; *keep != NULL; keep++) {
			if ((v = http_query(r, *keep)) == NULL || *v == '\0')
				continue;
			enc = evhttp_encode_uri(v);
			evbuffer_add_printf(b, "%s=%s&", *keep, enc ? enc : "");
			free(enc);
		}
		evbuffer_add_printf(b, "after=%lld&limit=%lld", (long long)c->last,
		    (long long)c->limit);
		next = json_stringn((const char *)evbuffer_pullup(b, -1),
		    evbuffer_get_length(b));
		evbuffer_free(b);
	}
	api_reply(r, 200, json_pack("{s:o,s:o}", "items", items, "next",
	    next));
}
