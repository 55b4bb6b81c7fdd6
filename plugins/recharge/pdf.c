/* pdf.c: an issued invoice or credit note as an A4 PDF with its UBL inside. */
#include "config.h"

#include "recharge.h"

#include <stdlib.h>
#include <string.h>

#include <qpdf/qpdf-c.h>
#include <sodium.h>

#include "lazy.h"
#include "pdf-libs.h"

/* qpdf's functions, through a table filled when the first PDF is made
 * (cairo and pango come through pdf-libs.h). */
#define RCH_QPDF_FNS(X) \
	X(qpdf_cleanup) \
	X(qpdf_get_buffer) \
	X(qpdf_get_buffer_length) \
	X(qpdf_get_error) \
	X(qpdf_get_error_full_text) \
	X(qpdf_get_root) \
	X(qpdf_has_error) \
	X(qpdf_init) \
	X(qpdf_init_write_memory) \
	X(qpdf_make_indirect_object) \
	X(qpdf_oh_append_item) \
	X(qpdf_oh_get_dict) \
	X(qpdf_oh_get_key) \
	X(qpdf_oh_is_dictionary) \
	X(qpdf_oh_new_array) \
	X(qpdf_oh_new_dictionary) \
	X(qpdf_oh_new_integer) \
	X(qpdf_oh_new_name) \
	X(qpdf_oh_new_null) \
	X(qpdf_oh_new_stream) \
	X(qpdf_oh_new_string) \
	X(qpdf_oh_new_unicode_string) \
	X(qpdf_oh_replace_key) \
	X(qpdf_oh_replace_stream_data) \
	X(qpdf_read_memory) \
	X(qpdf_set_compress_streams) \
	X(qpdf_set_deterministic_ID) \
	X(qpdf_set_suppress_warnings) \
	X(qpdf_silence_errors) \
	X(qpdf_write)
#define RCH_QPDF_MEMBER(f) __typeof__(f) *f;
static struct rch_qpdf {
	RCH_QPDF_FNS(RCH_QPDF_MEMBER)
} rch_qpdf;
#define RCH_QPDF_ENTRY(f) LAZY_FN_ENTRY(rch_qpdf, f)
static const struct lazy_fn rch_qpdf_fns[] = {
	RCH_QPDF_FNS(RCH_QPDF_ENTRY)
	{ NULL, NULL }
};
static const char *const rch_qpdf_names[] = { EP_SONAME_QPDF, NULL };
static struct lazy_kit rch_qpdf_kit =
    LAZY_KIT(rch_qpdf_names, rch_qpdf_fns, NULL);
#define qpdf_cleanup (rch_qpdf.qpdf_cleanup)
#define qpdf_get_buffer (rch_qpdf.qpdf_get_buffer)
#define qpdf_get_buffer_length (rch_qpdf.qpdf_get_buffer_length)
#define qpdf_get_error (rch_qpdf.qpdf_get_error)
#define qpdf_get_error_full_text (rch_qpdf.qpdf_get_error_full_text)
#define qpdf_get_root (rch_qpdf.qpdf_get_root)
#define qpdf_has_error (rch_qpdf.qpdf_has_error)
#define qpdf_init (rch_qpdf.qpdf_init)
#define qpdf_init_write_memory (rch_qpdf.qpdf_init_write_memory)
#define qpdf_make_indirect_object (rch_qpdf.qpdf_make_indirect_object)
#define qpdf_oh_append_item (rch_qpdf.qpdf_oh_append_item)
#define qpdf_oh_get_dict (rch_qpdf.qpdf_oh_get_dict)
#define qpdf_oh_get_key (rch_qpdf.qpdf_oh_get_key)
#define qpdf_oh_is_dictionary (rch_qpdf.qpdf_oh_is_dictionary)
#define qpdf_oh_new_array (rch_qpdf.qpdf_oh_new_array)
#define qpdf_oh_new_dictionary (rch_qpdf.qpdf_oh_new_dictionary)
#define qpdf_oh_new_integer (rch_qpdf.qpdf_oh_new_integer)
#define qpdf_oh_new_name (rch_qpdf.qpdf_oh_new_name)
#define qpdf_oh_new_null (rch_qpdf.qpdf_oh_new_null)
#define qpdf_oh_new_stream (rch_qpdf.qpdf_oh_new_stream)
#define qpdf_oh_new_string (rch_qpdf.qpdf_oh_new_string)
#define qpdf_oh_new_unicode_string (rch_qpdf.qpdf_oh_new_unicode_string)
#define qpdf_oh_replace_key (rch_qpdf.qpdf_oh_replace_key)
#define qpdf_oh_replace_stream_data (rch_qpdf.qpdf_oh_replace_stream_data)
#define qpdf_read_memory (rch_qpdf.qpdf_read_memory)
#define qpdf_set_compress_streams (rch_qpdf.qpdf_set_compress_streams)
#define qpdf_set_deterministic_ID (rch_qpdf.qpdf_set_deterministic_ID)
#define qpdf_set_suppress_warnings (rch_qpdf.qpdf_set_suppress_warnings)
#define qpdf_silence_errors (rch_qpdf.qpdf_silence_errors)
#define qpdf_write (rch_qpdf.qpdf_write)

#define RC_PDF_W 595.28 /* A4 in points */
#define RC_PDF_H 841.89
#define RC_PDF_M 50.0   /* the margin */
#define RC_PDF_FOOT 40.0 /* room kept at the foot of each page */
#define RC_PDF_FONT "Liberation Sans"

/* A layout pass: the first only measures and counts pages; the second
 * draws, knowing how many there are. */
struct rch_pdf {
	cairo_t *cr;
	PangoLayout *lay;
	const struct rch_doc *d;
	double y;
	int page, pages, draw;
};

/* A document's file name without its extension: the number, with
 * anything but letters, digits, '-' and '_' as '-'. */
void
rch_pdf_basename(const char *number, char *out, size_t len)
{
	size_t i;

	rch_copy(out, len, *number ? number : "draft");
	for (i = 0; out[i] != '\0'; i++) {
		if (!((out[i] >= 'a' && out[i] <= 'z') || (out[i] >= 'A' &&
		    out[i] <= 'Z') || (out[i] >= '0' && out[i] <= '9') ||
		    out[i] == '-' || out[i] == '_'))
			out[i] = '-';
	}
}

/* How much of what, at what rate: "1.5 hours at £110.00 an hour",
 * "2.5 days at £450.00 a day", "3 × £25.00"; a quantity kept in tenths
 * of an hour or in half days is shown in hours or days. */
static void
rch_pdf_quantity(const char *unit, int64_t q, int64_t price, char *out,
    size_t len)
{
	char rate[32];
	int64_t a = q < 0 ? -q : q;
	const char *sign = q < 0 ? "-" : "";

	if (strcmp(unit, "6 min") == 0) {
		rch_host->pence_text(rate, sizeof rate, price * 10);
		if (a % 10 == 0)
			snprintf(out, len, "%s%lld hour%s at %s an hour", sign,
			    (long long)(a / 10), a == 10 ? "" : "s", rate);
		else
			snprintf(out, len, "%s%lld.%lld hours at %s an hour", sign,
			    (long long)(a / 10), (long long)(a % 10), rate);
	} else if (strcmp(unit, "half day") == 0) {
		rch_host->pence_text(rate, sizeof rate, price * 2);
		if (a % 2 == 0)
			snprintf(out, len, "%s%lld day%s at %s a day", sign,
			    (long long)(a / 2), a == 2 ? "" : "s", rate);
		else
			snprintf(out, len, "%s%lld.5 days at %s a day", sign,
			    (long long)(a / 2), rate);
	} else {
		rch_host->pence_text(rate, sizeof rate, price);
		snprintf(out, len, "%lld × %s", (long long)q, rate);
	}
}

/* The signing key's fingerprint as people compare it: SHA-256 of the
 * Ed25519 public key, in sixteen groups of four hex digits; -1 when the
 * document has no key. */
static int
rch_pdf_fingerprint(const char *pub_hex, char *out, size_t len)
{
	unsigned char pk[32], hash[crypto_hash_sha256_BYTES];
	char hex[2 * sizeof hash + 1];
	size_t pk_len = 0, i, o = 0;

	if (sodium_hex2bin(pk, sizeof pk, pub_hex, strlen(pub_hex), NULL,
	    &pk_len, NULL) != 0 || pk_len != sizeof pk)
		return -1;
	crypto_hash_sha256(hash, pk, sizeof pk);
	sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
	for (i = 0; hex[i] != '\0' && o + 2 < len; i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = ' ';
		out[o++] = hex[i];
	}
	out[o] = '\0';
	return 0;
}

/* Sets out text in a box w points wide at (x, y), in a font such as
 * "Bold 9", aligned left or right; draws it in the drawing pass. Its
 * height. */
static double
rch_pdf_text(struct rch_pdf *p, double x, double y, double w, const char *font,
    int right, const char *text)
{
	PangoFontDescription *fd;
	char name[64];
	int tw, th;

	snprintf(name, sizeof name, "%s %s", RC_PDF_FONT, font);
	fd = pango_font_description_from_string(name);
	pango_layout_set_font_description(p->lay, fd);
	pango_font_description_free(fd);
	pango_layout_set_width(p->lay, (int)(w * PANGO_SCALE));
	pango_layout_set_wrap(p->lay, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_alignment(p->lay, right ? PANGO_ALIGN_RIGHT :
	    PANGO_ALIGN_LEFT);
	pango_layout_set_text(p->lay, text, -1);
	pango_layout_get_size(p->lay, &tw, &th);
	if (p->draw) {
		cairo_move_to(p->cr, x, y);
		pango_cairo_show_layout(p->cr, p->lay);
	}
	return (double)th / PANGO_SCALE;
}

/* A rule across the text column. */
static void
rch_pdf_rule(struct rch_pdf *p, double y, double width)
{
	if (!p->draw)
		return;
	cairo_set_line_width(p->cr, width);
	cairo_move_to(p->cr, RC_PDF_M, y);
	cairo_line_to(p->cr, RC_PDF_W - RC_PDF_M, y);
	cairo_stroke(p->cr);
}

/* Each page's foot: the document and the page of how many. */
static void
rch_pdf_foot(struct rch_pdf *p)
{
	char text[160];
	const struct rch_doc *d = p->d;

	snprintf(text, sizeof text, "%s %s · page %d of %d",
	    strcmp(d->kind, "credit") == 0 ? "Credit note" : "Invoice",
	    d->number, p->page, p->pages);
	rch_pdf_text(p, RC_PDF_M, RC_PDF_H - RC_PDF_M + 10, RC_PDF_W - 2 *
	    RC_PDF_M, "8", 1, text);
}

/* Ends a page and starts the next, with a heading that says whose it is. */
static void
rch_pdf_next_page(struct rch_pdf *p)
{
	char text[160];

	rch_pdf_foot(p);
	if (p->draw)
		cairo_show_page(p->cr);
	p->page++;
	p->y = RC_PDF_M;
	snprintf(text, sizeof text, "%s %s, continued",
	    strcmp(p->d->kind, "credit") == 0 ? "Credit note" : "Invoice",
	    p->d->number);
	p->y += rch_pdf_text(p, RC_PDF_M, p->y, RC_PDF_W - 2 * RC_PDF_M,
	    "Bold 10", 0, text) + 12;
}

/* Makes room for h points, on a new page when this one has too little. */
static void
rch_pdf_room(struct rch_pdf *p, double h)
{
	if (p->y + h > RC_PDF_H - RC_PDF_M - RC_PDF_FOOT)
		rch_pdf_next_page(p);
}

/* A party under its heading: name, address, VAT number when shown. */
static double
rch_pdf_party(struct rch_pdf *p, double x, double w, const char *label,
    const struct rch_party_doc *party, int with_vat)
{
	char vat[64];
	double y = p->y;

	y += rch_pdf_text(p, x, y, w, "Bold 9", 0, label) + 2;
	y += rch_pdf_text(p, x, y, w, "Bold 10", 0, party->name) + 2;
	y += rch_pdf_text(p, x, y, w, "9", 0, party->address);
	if (with_vat && *party->vat) {
		snprintf(vat, sizeof vat, "VAT number %s", party->vat);
		y += 2 + rch_pdf_text(p, x, y, w, "9", 0, vat);
	}
	return y;
}

/* One "label: value" row of the document's particulars. */
static void
rch_pdf_fact(struct rch_pdf *p, const char *label, const char *value)
{
	double x = RC_PDF_W / 2 - 20, w = RC_PDF_W - RC_PDF_M - x;
	double a, b;

	a = rch_pdf_text(p, x, p->y, 95, "Bold 9", 0, label);
	b = rch_pdf_text(p, x + 95, p->y, w - 95, "9", 0, value);
	p->y += (a > b ? a : b) + 3;
}

/* The title, the particulars beside it, and both parties. */
static void
rch_pdf_head(struct rch_pdf *p)
{
	const struct rch_doc *d = p->d;
	int credit = strcmp(d->kind, "credit") == 0;
	int vat = d->category[0] == 'S';
	char words[40], end[40], period[100], first[11];
	double half = (RC_PDF_W - 2 * RC_PDF_M) / 2 - 10, top = p->y, y1, y2;

	rch_pdf_text(p, RC_PDF_M, p->y, half, "Bold 22", 0, credit ?
	    "Credit note" : "Invoice");
	rch_pdf_fact(p, credit ? "Credit note" : "Invoice number", d->number);
	rch_host->date_words(words, sizeof words, d->issue);
	rch_pdf_fact(p, "Issued", words);
	if (!credit && *d->due) {
		rch_host->date_words(words, sizeof words, d->due);
		rch_pdf_fact(p, "Due", words);
	}
	if (credit && *d->credits)
		rch_pdf_fact(p, "Credits invoice", d->credits);
	snprintf(first, sizeof first, "%s-01", d->period);
	rch_host->date_words(words, sizeof words, first);
	rch_host->date_words(end, sizeof end, d->end);
	snprintf(period, sizeof period, "%s to %s", words, end);
	rch_pdf_fact(p, "Work done", period);
	if (*d->po)
		rch_pdf_fact(p, "Purchase order", d->po);
	if (*d->buyer)
		rch_pdf_fact(p, "Buyer reference", d->buyer);
	p->y = (p->y > top + 40 ? p->y : top + 40) + 14;
	y1 = rch_pdf_party(p, RC_PDF_M, half, "From", &d->seller, vat);
	y2 = rch_pdf_party(p, RC_PDF_W / 2 + 10, half, "To", &d->buyer_party, vat);
	p->y = (y1 > y2 ? y1 : y2) + 18;
	if (credit && *d->reason) {
		snprintf(period, sizeof period, "Reason for the credit");
		p->y += rch_pdf_text(p, RC_PDF_M, p->y, RC_PDF_W - 2 * RC_PDF_M,
		    "Bold 9", 0, period) + 2;
		p->y += rch_pdf_text(p, RC_PDF_M, p->y, RC_PDF_W - 2 * RC_PDF_M,
		    "9", 0, d->reason) + 14;
	}
}

/* The table's columns: number, what, how much at what rate, amount. */
static const double rch_pdf_cols[] = { RC_PDF_M, RC_PDF_M + 22,
	RC_PDF_M + 240, RC_PDF_W - RC_PDF_M - 70, RC_PDF_W - RC_PDF_M };

static void
rch_pdf_table_head(struct rch_pdf *p)
{
	const double *c = rch_pdf_cols;
	double h;

	h = rch_pdf_text(p, c[0], p->y, c[1] - c[0] - 4, "Bold 9", 0, "#");
	rch_pdf_text(p, c[1], p->y, c[2] - c[1] - 8, "Bold 9", 0, "Description");
	rch_pdf_text(p, c[2], p->y, c[3] - c[2] - 8, "Bold 9", 0,
	    "Quantity and rate");
	rch_pdf_text(p, c[3], p->y, c[4] - c[3], "Bold 9", 1, "Amount");
	p->y += h + 4;
	rch_pdf_rule(p, p->y, 1.0);
	p->y += 5;
}

/* One line of the table, its cells measured first so that a line that
 * does not fit starts the next page, under the table's head again. */
static void
rch_pdf_row(struct rch_pdf *p, ep_stmt *s)
{
	const struct ep_host *h = rch_host;
	const double *c = rch_pdf_cols;
	char pos[16], what[1024], qty[128], amount[32];
	const char *title = h->stmt_text(s, 7), *desc = h->stmt_text(s, 1);
	int draw = p->draw;
	double need = 0, x;
	int pass;

	snprintf(pos, sizeof pos, "%lld", (long long)h->stmt_int64(s, 0));
	snprintf(what, sizeof what, "%s%s%s%s%s", title,
	    *title && strcmp(title, desc) != 0 ? "\n" : "",
	    strcmp(title, desc) != 0 ? desc : "",
	    *h->stmt_text(s, 6) ? "\nPurchase order " : "", h->stmt_text(s, 6));
	rch_pdf_quantity(h->stmt_text(s, 2), h->stmt_int64(s, 3),
	    h->stmt_int64(s, 4), qty, sizeof qty);
	h->pence_text(amount, sizeof amount, h->stmt_int64(s, 5));
	for (pass = 0; pass < 2; pass++) {
		p->draw = pass == 1 && draw;
		x = rch_pdf_text(p, c[1], p->y, c[2] - c[1] - 8, "9", 0, what);
		need = x > need ? x : need;
		x = rch_pdf_text(p, c[2], p->y, c[3] - c[2] - 8, "9", 0, qty);
		need = x > need ? x : need;
		rch_pdf_text(p, c[0], p->y, c[1] - c[0] - 4, "9", 0, pos);
		rch_pdf_text(p, c[3], p->y, c[4] - c[3], "9", 1, amount);
		if (pass == 0) {
			p->draw = draw;
			if (p->y + need + 6 > RC_PDF_H - RC_PDF_M - RC_PDF_FOOT) {
				rch_pdf_next_page(p);
				rch_pdf_table_head(p);
			}
		}
	}
	p->draw = draw;
	p->y += need + 4;
	rch_pdf_rule(p, p->y, 0.3);
	p->y += 5;
}

/* The lines, in order, engagement titles first. */
static void
rch_pdf_lines(ep_db *db, struct rch_pdf *p)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT l.position, l.description, "
	    "l.unit, l.quantity, l.unit_price, l.amount, l.po_reference, "
	    "coalesce(r.title, '') FROM recharge_lines l LEFT JOIN engagements "
	    "e ON e.id = l.engagement_id LEFT JOIN requests r ON r.id = "
	    "e.request_id WHERE l.invoice_id = ? ORDER BY l.position");

	rch_pdf_table_head(p);
	h->stmt_bind_int64(s, 1, p->d->id);
	while (h->stmt_step(s) == EP_STEP_ROW)
		rch_pdf_row(p, s);
	h->stmt_reset(s);
}

/* One total: label on the left of the amount column, amount in it. */
static void
rch_pdf_total(struct rch_pdf *p, const char *label, int64_t pence, int bold)
{
	char amount[32];
	double h;

	rch_host->pence_text(amount, sizeof amount, pence);
	h = rch_pdf_text(p, rch_pdf_cols[2], p->y, rch_pdf_cols[3] -
	    rch_pdf_cols[2] - 8, bold ? "Bold 10" : "9", 1, label);
	rch_pdf_text(p, rch_pdf_cols[3], p->y, rch_pdf_cols[4] - rch_pdf_cols[3],
	    bold ? "Bold 10" : "9", 1, amount);
	p->y += h + 4;
}

/* Net, VAT and total, kept together, then the notes: VAT treatment,
 * payment, the signature's key and the e-invoice inside. */
static void
rch_pdf_end(struct rch_pdf *p)
{
	const struct rch_doc *d = p->d;
	double w = RC_PDF_W - 2 * RC_PDF_M;
	char label[80], text[600], fp[96], due[40], base[48];

	rch_pdf_room(p, 70);
	p->y += 4;
	rch_pdf_total(p, "Net", d->net, 0);
	if (d->category[0] == 'S')
		snprintf(label, sizeof label, "VAT at %lld%s%%",
		    (long long)(d->bp / 100), d->bp % 100 ? ".5" : "");
	else
		snprintf(label, sizeof label, "VAT (outside the scope)");
	rch_pdf_total(p, label, d->vat, 0);
	rch_pdf_total(p, "Total", d->total, 1);
	p->y += 16;
	rch_pdf_room(p, 120);
	if (d->category[0] != 'S') {
		p->y += rch_pdf_text(p, RC_PDF_M, p->y, w, "9", 0, *d->vat_reason ?
		    d->vat_reason : "Not subject to VAT") + 6;
	}
	if (strcmp(d->kind, "credit") != 0 && *d->due) {
		rch_host->date_words(due, sizeof due, d->due);
		snprintf(text, sizeof text, "Payment within %lld days of the "
		    "invoice date: by %s.", (long long)d->terms, due);
		p->y += rch_pdf_text(p, RC_PDF_M, p->y, w, "9", 0, text) + 6;
	}
	rch_pdf_basename(d->number, base, sizeof base);
	if (rch_pdf_fingerprint(d->public_key, fp, sizeof fp) == 0)
		snprintf(text, sizeof text, "Signed by %s with Ed25519. Key "
		    "fingerprint (SHA-256): %s. Check it with: expertpool invoice "
		    "verify %s.", d->seller.name, fp, d->number);
	else
		snprintf(text, sizeof text, "This document carries no "
		    "signature.");
	p->y += rch_pdf_text(p, RC_PDF_M, p->y, w, "8", 0, text) + 4;
	snprintf(text, sizeof text, "The e-invoice (UBL, Peppol BIS Billing "
	    "3.0) is attached to this PDF as %s.xml.", base);
	p->y += rch_pdf_text(p, RC_PDF_M, p->y, w, "8", 0, text);
}

/* One pass over the whole document. */
static void
rch_pdf_pass(ep_db *db, struct rch_pdf *p)
{
	p->page = 1;
	p->y = RC_PDF_M;
	rch_pdf_head(p);
	rch_pdf_lines(db, p);
	rch_pdf_end(p);
	rch_pdf_foot(p);
	if (p->draw)
		cairo_show_page(p->cr);
}

/* cairo's PDF writer hands its bytes here. */
static cairo_status_t
rch_pdf_write_cb(void *closure, const unsigned char *data, unsigned int len)
{
	struct rch_buf *b = closure;

	if (b->len + len + 1 > b->cap) {
		b->cap = (b->len + len) * 2 + 4096;
		if ((b->s = realloc(b->s, b->cap)) == NULL)
			return CAIRO_STATUS_NO_MEMORY;
	}
	memcpy(b->s + b->len, data, len);
	b->len += len;
	return CAIRO_STATUS_SUCCESS;
}

/* The document's title, author and dates, the dates its issue date so
 * that the same invoice always makes the same file. */
static void
rch_pdf_metadata(cairo_surface_t *sf, const struct rch_doc *d)
{
	char title[80], date[32];

	snprintf(title, sizeof title, "%s %s", strcmp(d->kind, "credit") == 0 ?
	    "Credit note" : "Invoice", d->number);
	snprintf(date, sizeof date, "%sT00:00:00Z", d->issue);
	cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_TITLE, title);
	cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_AUTHOR,
	    d->seller.name);
	cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_CREATOR,
	    "expertpool");
	cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_CREATE_DATE, date);
	cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_MOD_DATE, date);
}

/* Lays the document out on A4 with pango and cairo: the bare PDF. */
static int
rch_pdf_render(ep_db *db, const struct rch_doc *d, struct rch_buf *out,
    char *err, size_t len)
{
	struct rch_pdf p;
	cairo_surface_t *sf;
	cairo_status_t st;
	int rc = -1;

	sf = cairo_pdf_surface_create_for_stream(rch_pdf_write_cb, out, RC_PDF_W,
	    RC_PDF_H);
	cairo_pdf_surface_restrict_to_version(sf, CAIRO_PDF_VERSION_1_5);
	rch_pdf_metadata(sf, d);
	memset(&p, 0, sizeof p);
	p.cr = cairo_create(sf);
	p.lay = pango_cairo_create_layout(p.cr);
	p.d = d;
	cairo_set_source_rgb(p.cr, 0.043, 0.047, 0.047);
	rch_pdf_pass(db, &p);
	p.pages = p.page;
	p.draw = 1;
	rch_pdf_pass(db, &p);
	g_object_unref(p.lay);
	cairo_destroy(p.cr);
	cairo_surface_finish(sf);
	if ((st = cairo_surface_status(sf)) != CAIRO_STATUS_SUCCESS)
		snprintf(err, len, "the PDF could not be written: %s",
		    cairo_status_to_string(st));
	else
		rc = 0;
	cairo_surface_destroy(sf);
	return rc;
}


/* A PDF date, D:YYYYMMDD000000Z, from an ISO date. */
static void
rch_pdf_date(const char *iso, char *out, size_t len)
{
	snprintf(out, len, "D:%.4s%.2s%.2s000000Z", iso, iso + 5, iso + 8);
}

/* The embedded file stream: the UBL, typed text/xml, with its size and
 * date. */
static qpdf_oh
rch_pdf_ef(qpdf_data q, const struct rch_buf *xml, const char *date)
{
	qpdf_oh ef = qpdf_oh_new_stream(q), dict, params;

	qpdf_oh_replace_stream_data(q, ef, (const unsigned char *)xml->s,
	    xml->len, qpdf_oh_new_null(q), qpdf_oh_new_null(q));
	dict = qpdf_oh_get_dict(q, ef);
	qpdf_oh_replace_key(q, dict, "/Type", qpdf_oh_new_name(q,
	    "/EmbeddedFile"));
	qpdf_oh_replace_key(q, dict, "/Subtype", qpdf_oh_new_name(q,
	    "/text/xml"));
	params = qpdf_oh_new_dictionary(q);
	qpdf_oh_replace_key(q, params, "/Size", qpdf_oh_new_integer(q,
	    (long long)xml->len));
	qpdf_oh_replace_key(q, params, "/ModDate", qpdf_oh_new_string(q, date));
	qpdf_oh_replace_key(q, dict, "/Params", params);
	return ef;
}

/* The file specification that names the embedded file and says what it
 * is to the document (ISO 32000-2 associated files): an alternative
 * form of the same invoice, for a system to import. */
static qpdf_oh
rch_pdf_filespec(qpdf_data q, qpdf_oh ef, const char *name)
{
	qpdf_oh fs = qpdf_oh_new_dictionary(q), efd = qpdf_oh_new_dictionary(q);

	qpdf_oh_replace_key(q, efd, "/F", ef);
	qpdf_oh_replace_key(q, efd, "/UF", ef);
	qpdf_oh_replace_key(q, fs, "/Type", qpdf_oh_new_name(q, "/Filespec"));
	qpdf_oh_replace_key(q, fs, "/F", qpdf_oh_new_string(q, name));
	qpdf_oh_replace_key(q, fs, "/UF", qpdf_oh_new_unicode_string(q, name));
	qpdf_oh_replace_key(q, fs, "/Desc", qpdf_oh_new_unicode_string(q,
	    "The e-invoice: UBL 2.1, Peppol BIS Billing 3.0"));
	qpdf_oh_replace_key(q, fs, "/AFRelationship", qpdf_oh_new_name(q,
	    "/Alternative"));
	qpdf_oh_replace_key(q, fs, "/EF", efd);
	return qpdf_make_indirect_object(q, fs);
}

/* Hangs the file specification on the catalog: the /EmbeddedFiles name
 * tree (one leaf; cairo's PDF has no /Names) and the /AF array. */
static void
rch_pdf_catalog(qpdf_data q, qpdf_oh fs, const char *name)
{
	qpdf_oh root = qpdf_get_root(q), names, tree, leaf, af;

	leaf = qpdf_oh_new_array(q);
	qpdf_oh_append_item(q, leaf, qpdf_oh_new_string(q, name));
	qpdf_oh_append_item(q, leaf, fs);
	tree = qpdf_oh_new_dictionary(q);
	qpdf_oh_replace_key(q, tree, "/Names", leaf);
	names = qpdf_oh_get_key(q, root, "/Names");
	if (!qpdf_oh_is_dictionary(q, names)) {
		names = qpdf_oh_new_dictionary(q);
		qpdf_oh_replace_key(q, root, "/Names", names);
	}
	qpdf_oh_replace_key(q, names, "/EmbeddedFiles", tree);
	af = qpdf_oh_new_array(q);
	qpdf_oh_append_item(q, af, fs);
	qpdf_oh_replace_key(q, root, "/AF", af);
	qpdf_oh_replace_key(q, root, "/PageMode", qpdf_oh_new_name(q,
	    "/UseAttachments"));
}

/*
 * Attaches the UBL to the laid-out PDF with qpdf's library, which reads
 * the whole file and writes it anew (cross-reference, object streams)
 * rather than appending an update by hand. The ID is derived from the
 * content, so the same invoice always gives the same bytes.
 */
static int
rch_pdf_attach(const struct rch_buf *pdf, const struct rch_buf *xml,
    const char *name, const char *issue, struct rch_buf *out, char *err,
    size_t len)
{
	qpdf_data q = qpdf_init();
	char date[24];
	int rc = -1;

	qpdf_silence_errors(q);
	qpdf_set_suppress_warnings(q, QPDF_TRUE);
	rch_pdf_date(issue, date, sizeof date);
	if (qpdf_read_memory(q, name, pdf->s, (unsigned long long)pdf->len,
	    NULL) & QPDF_ERRORS)
		goto fail;
	rch_pdf_catalog(q, rch_pdf_filespec(q, rch_pdf_ef(q, xml, date), name),
	    name);
	if (qpdf_has_error(q) || qpdf_init_write_memory(q) & QPDF_ERRORS)
		goto fail;
	qpdf_set_deterministic_ID(q, QPDF_TRUE);
	qpdf_set_compress_streams(q, QPDF_TRUE);
	if (qpdf_write(q) & QPDF_ERRORS)
		goto fail;
	rch_pdf_write_cb(out, qpdf_get_buffer(q),
	    (unsigned int)qpdf_get_buffer_length(q));
	rc = 0;
	goto out;
fail:
	if (qpdf_has_error(q))
		snprintf(err, len, "the UBL could not be attached to the PDF: %s",
		    qpdf_get_error_full_text(q, qpdf_get_error(q)));
	else
		snprintf(err, len, "the UBL could not be attached to the PDF");
out:
	qpdf_cleanup(&q);
	return rc;
}

/* An issued invoice or credit note as a PDF for people, A4, with its UBL
 * attached for systems: one file both read. Drafts have none. */
int
rch_pdf(ep_db *db, int64_t invoice_id, struct rch_buf *out, char *err,
    size_t len)
{
	struct rch_doc d;
	struct rch_buf ubl = { 0 }, bare = { 0 };
	char base[48], name[56];
	int rc = -1;

	if (rch_doc_read(db, invoice_id, &d) != 0) {
		snprintf(err, len, "there is no such invoice");
		return -1;
	}
	if (*d.number == '\0') {
		snprintf(err, len, "a draft has no PDF: issue it first");
		return -1;
	}
	if (pdf_libs_open(err, len) != 0 ||
	    lazy_open(&rch_qpdf_kit, err, len) != 0)
		return -1;
	if (rch_export(db, invoice_id, "ubl", &ubl, err, len) != 0)
		goto out;
	if (rch_pdf_render(db, &d, &bare, err, len) != 0)
		goto out;
	rch_pdf_basename(d.number, base, sizeof base);
	snprintf(name, sizeof name, "%s.xml", base);
	rc = rch_pdf_attach(&bare, &ubl, name, d.issue, out, err, len);
out:
	rch_buf_free(&ubl);
	rch_buf_free(&bare);
	return rc;
}
