/* util.c: growing buffers, money as text, VAT rounding, periods. */
#include "recharge.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Appends printf output; the buffer grows as needed, abort on no memory. */
void
rch_buf_add(struct rch_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		b->cap = b->cap * 2 + (size_t)n + 256;
		if ((b->s = realloc(b->s, b->cap)) == NULL)
			abort();
	}
}

/*
 * The length of the UTF-8 character at p that XML 1.0 allows, or 0: an
 * ill-formed or overlong sequence, a surrogate, U+FFFE or U+FFFF.
 */
static size_t
rch_utf8_len(const unsigned char *p)
{
	uint32_t c;
	size_t n, i;

	if (*p >= 0xc2 && *p <= 0xdf)
		n = 2, c = *p & 0x1fu;
	else if (*p >= 0xe0 && *p <= 0xef)
		n = 3, c = *p & 0x0fu;
	else if (*p >= 0xf0 && *p <= 0xf4)
		n = 4, c = *p & 0x07u;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3fu);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff) || c == 0xfffe || c == 0xffff)
		return 0;
	return n;
}

/*
 * Appends text escaped for XML and HTML content and attributes. XML 1.0
 * has no way to write a control character but tab, line feed and carriage
 * return, even as a reference, so any other becomes a space: a PO
 * reference pasted with one still makes a valid e-invoice. Bytes that are
 * not UTF-8 (text pasted in another encoding) become U+FFFD, for the same
 * reason.
 */
void
rch_buf_xml(struct rch_buf *b, const char *text)
{
	const char *p;
	size_t n;

	for (p = text ? text : ""; *p != '\0'; p++) {
		if ((unsigned char)*p >= 0x80) {
			if ((n = rch_utf8_len((const unsigned char *)p)) == 0)
				rch_buf_add(b, "\xef\xbf\xbd");
			else {
				rch_buf_add(b, "%.*s", (int)n, p);
				p += n - 1;
			}
			continue;
		}
		if (((unsigned char)*p < 0x20 && *p != '\t' && *p != '\n' &&
		    *p != '\r') || *p == 0x7f) {
			rch_buf_add(b, " ");
			continue;
		}
		switch (*p) {
		case '&':
			rch_buf_add(b, "&amp;");
			break;
		case '<':
			rch_buf_add(b, "&lt;");
			break;
		case '>':
			rch_buf_add(b, "&gt;");
			break;
		case '"':
			rch_buf_add(b, "&quot;");
			break;
		case '\'':
			rch_buf_add(b, "&#39;");
			break;
		default:
			rch_buf_add(b, "%c", *p);
		}
	}
}

void
rch_buf_free(struct rch_buf *b)
{
	free(b->s);
	memset(b, 0, sizeof *b);
}

/* VAT on a net amount at a rate in basis points, rounded half to even,
 * once per category as EN 16931 requires. */
int64_t
rch_vat(int64_t net, int64_t bp)
{
	int64_t n = net * bp, q, r;

	q = n / 10000;
	r = n % 10000;
	if (r < 0) {
		q--;
		r += 10000;
	}
	if (2 * r > 10000 || (2 * r == 10000 && (q & 1)))
		q++;
	return q;
}

/* The first day of the month after the period, YYYY-MM-DD. */
void
rch_period_next(const char *p, char out[11])
{
	int y = atoi(p), m = atoi(p + 5);

	if (++m > 12) {
		m = 1;
		y++;
	}
	y = y < 0 ? 0 : y > 9999 ? 9999 : y;
	m = m < 1 ? 1 : m > 12 ? 12 : m;
	snprintf(out, 11, "%04u-%02u-01", (unsigned)y % 10000u,
	    (unsigned)m % 100u);
}

int
rch_copy(char *out, size_t len, const char *in)
{
	size_t n = in != NULL ? strlen(in) : 0;

	if (len == 0)
		return -1;
	if (n >= len) {
		memcpy(out, in, len - 1);
		out[len - 1] = '\0';
		return -1;
	}
	if (n > 0)
		memcpy(out, in, n);
	out[n] = '\0';
	return 0;
}

/* An invoice by its number or its id; 0 when there is none. */
int64_t
rch_lookup(ep_db *db, const char *key)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s;
	int64_t id = 0;

	if (key == NULL || *key == '\0')
		return 0;
	s = h->db_prepare(db, "SELECT id FROM recharge_invoices WHERE "
	    "number = ?1 OR (?1 NOT GLOB '*[^0-9]*' AND id = CAST(?1 AS INTEGER))");
	if (s == NULL)
		return 0;
	h->stmt_bind_text(s, 1, key);
	if (h->stmt_step(s) == EP_STEP_ROW)
		id = h->stmt_int64(s, 0);
	h->stmt_reset(s);
	return id;
}

/*
 * Fills in's engagement fields (basis, budget, fixed fee, bonus, due,
 * completed) and kept's milestones from the inputs JSON a run recorded
 * with the terms; in's strings then point into kept. 0, or -1 with err.
 */
int
rch_eng_inputs_read(ep_db *db, const char *json, struct ep_fee_engagement *in,
    struct rch_eng_inputs *kept, char *err, size_t len)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT json_extract(?1, '$.basis'), "
	    "json_extract(?1, '$.budget'), json_extract(?1, '$.fixed_fee'), "
	    "json_extract(?1, '$.bonus'), coalesce(json_extract(?1, '$.due'), ''), "
	    "coalesce(json_extract(?1, '$.completed'), ''), NULL, NULL, NULL, "
	    "-1 AS k UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, NULL, "
	    "json_extract(value, '$.name'), json_extract(value, '$.amount'), "
	    "coalesce(json_extract(value, '$.done'), ''), key FROM json_each(?1, "
	    "'$.milestones') ORDER BY k");
	int first = 1, step;

	memset(kept, 0, sizeof *kept);
	if (s == NULL) {
		snprintf(err, len, "engagement inputs: %s", h->db_errmsg(db));
		return -1;
	}
	h->stmt_bind_text(s, 1, json);
	while ((step = h->stmt_step(s)) == EP_STEP_ROW) {
		if (first) {
			first = 0;
			rch_copy(kept->basis, sizeof kept->basis, h->stmt_text(s, 0));
			rch_copy(kept->due, sizeof kept->due, h->stmt_text(s, 4));
			rch_copy(kept->completed, sizeof kept->completed,
			    h->stmt_text(s, 5));
			in->basis = kept->basis;
			in->budget = h->stmt_int64(s, 1);
			in->fixed_fee = h->stmt_int64(s, 2);
			in->bonus = h->stmt_int64(s, 3);
			in->due = *kept->due ? kept->due : NULL;
			in->completed = *kept->completed ? kept->completed : NULL;
			continue;
		}
		if (kept->nms == RC_MILESTONES)
			break;
		rch_copy(kept->name[kept->nms], sizeof kept->name[0],
		    h->stmt_text(s, 6));
		kept->ms[kept->nms].size = sizeof kept->ms[0];
		kept->ms[kept->nms].amount = h->stmt_int64(s, 7);
		rch_copy(kept->done[kept->nms], sizeof kept->done[0],
		    h->stmt_text(s, 8));
		kept->ms[kept->nms].name = kept->name[kept->nms];
		kept->ms[kept->nms].done = *kept->done[kept->nms] ?
		    kept->done[kept->nms] : NULL;
		kept->nms++;
	}
	h->stmt_reset(s);
	if (first || (step != EP_STEP_DONE && step != EP_STEP_ROW)) {
		snprintf(err, len, "engagement inputs cannot be read");
		return -1;
	}
	return 0;
}

/* Prices an engagement's terms, with its milestones when it has any. */
int
rch_eng_price(ep_fees *f, const char *ruleset, const char *hash,
    const struct ep_fee_engagement *in, const struct rch_eng_inputs *kept,
    struct ep_fee_result *out)
{
	const struct ep_host *h = rch_host;

	out->size = sizeof *out;
	if (kept != NULL && kept->nms > 0)
		return h->fees_engagement_milestones(f, ruleset, hash, in,
		    kept->ms, kept->nms, out);
	return h->fees_engagement(f, ruleset, hash, in, out);
}
