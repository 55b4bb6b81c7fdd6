/* report-pdf.c: a report as an A4 PDF, its tables laid out by pango on cairo. */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "pdf-libs.h"

#define RP_W 595.28		/* A4 in points */
#define RP_H 841.89
#define RP_M 50.0		/* the margin */
#define RP_FOOT 30.0		/* room kept at the foot of each page */
#define RP_GAP 4.0		/* between a table's columns */
#define RP_FONT "Liberation Sans"

struct rpdf {
	cairo_t *cr;
	PangoLayout *lay;
	const char *foot;	/* the footer's words, before the page number */
	double y;
	int page;
};

/* Each piece of the PDF as cairo writes it, into the reply's buffer. */
static cairo_status_t
rpdf_write(void *closure, const unsigned char *data, unsigned int len)
{
	return evbuffer_add(closure, data, len) == 0 ? CAIRO_STATUS_SUCCESS :
	    CAIRO_STATUS_WRITE_ERROR;
}

/* Sets out text in a box w points wide at (x, y), in a font such as
 * "Bold 9", aligned left or right, and draws it when draw is set (else
 * only measures it). Its height. */
static double
rpdf_layout(struct rpdf *p, double x, double y, double w, const char *font,
    int right, const char *text, int draw)
{
	PangoFontDescription *fd;
	char name[64];
	int tw, th;

	snprintf(name, sizeof name, "%s %s", RP_FONT, font);
	fd = pango_font_description_from_string(name);
	pango_layout_set_font_description(p->lay, fd);
	pango_font_description_free(fd);
	pango_layout_set_width(p->lay, (int)(w * PANGO_SCALE));
	pango_layout_set_wrap(p->lay, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_alignment(p->lay, right ? PANGO_ALIGN_RIGHT :
	    PANGO_ALIGN_LEFT);
	pango_layout_set_text(p->lay, text, -1);
	if (draw) {
		cairo_move_to(p->cr, x, y);
		pango_cairo_show_layout(p->cr, p->lay);
	}
	pango_layout_get_size(p->lay, &tw, &th);
	return (double)th / PANGO_SCALE;
}

/* Draws text in a box; its height. */
static double
rpdf_text_at(struct rpdf *p, double x, double y, double w, const char *font,
    int right, const char *text)
{
	return rpdf_layout(p, x, y, w, font, right, text, 1);
}

/* A paragraph across the page, moving down past it. */
static void
rpdf_para(struct rpdf *p, const char *font, const char *text, double after)
{
	p->y += rpdf_text_at(p, RP_M, p->y, RP_W - 2 * RP_M, font, 0, text) +
	    after;
}

/* The footer of the page being finished: what it is, and its number. */
static void
rpdf_footer(struct rpdf *p)
{
	char text[256];

	snprintf(text, sizeof text, "%s \xe2\x80\x94 page %d", p->foot,
	    p->page);
	rpdf_text_at(p, RP_M, RP_H - RP_M + 10, RP_W - 2 * RP_M, "8", 0, text);
}

/* Starts a new page when h more points would not fit on this one. */
static int
rpdf_need(struct rpdf *p, double h)
{
	if (p->y + h <= RP_H - RP_M - RP_FOOT)
		return 0;
	rpdf_footer(p);
	cairo_show_page(p->cr);
	p->page++;
	p->y = RP_M;
	return 1;
}

/* A thin rule across the page under a table's heading or row. */
static void
rpdf_rule(struct rpdf *p)
{
	cairo_set_line_width(p->cr, 0.5);
	cairo_move_to(p->cr, RP_M, p->y);
	cairo_line_to(p->cr, RP_W - RP_M, p->y);
	cairo_stroke(p->cr);
	p->y += 3;
}

/*
 * The width of each column shown on the page (those with a title): the
 * first, which names the row, takes a third of the width; the others
 * share the rest. The number shown.
 */
static size_t
rpdf_widths(const struct rep_table *t, double *w, size_t max)
{
	double avail = RP_W - 2 * RP_M;
	size_t c, n = 0;

	for (c = 0; c < t->ncols && c < max; c++)
		if (t->cols[c].title != NULL)
			n++;
	for (c = 0; c < t->ncols && c < max; c++) {
		if (t->cols[c].title == NULL)
			w[c] = 0;
		else if (c == 0 || n == 1)
			w[c] = n == 1 ? avail : avail / 3;
		else
			w[c] = (avail - avail / 3) / (double)(n - 1);
	}
	return n;
}

/* A row's cells as people read them, or its header's titles. The row's
 * height, measured first so a row never breaks across pages; drawn when
 * draw is set. */
static double
rpdf_row(struct rpdf *p, const struct rep_table *t, const double *w,
    size_t r, int header, int draw)
{
	const char *font = header ? "Bold 8" : "8";
	char text[256];
	double x = RP_M, h = 0, ch, pad;
	size_t c;

	for (c = 0; c < t->ncols; c++) {
		int right = report_cell_numeric(t, c);

		if (w[c] <= 0)
			continue;
		if (header)
			snprintf(text, sizeof text, "%s", t->cols[c].title);
		else
			report_cell_text(t, r, c, text, sizeof text);
		/* Text after a column of numbers keeps clear of them. */
		pad = c > 0 && !right ? 2 * RP_GAP : 0;
		ch = rpdf_layout(p, x + pad, p->y, w[c] - RP_GAP - pad, font,
		    right, text, draw);
		if (ch > h)
			h = ch;
		x += w[c];
	}
	return h;
}

/* One table: its title, note, header and every row, the header again at
 * the top of each page it runs onto. */
static void
rpdf_table(struct rpdf *p, const struct report *rep,
    const struct rep_table *t)
{
	double w[16], h;
	size_t r;

	if (t->ncols > nitems(w))
		return;
	rpdf_widths(t, w, nitems(w));
	rpdf_need(p, 60);
	p->y += 8;
	rpdf_para(p, "Bold 12", t->title, 3);
	if (t->note != NULL)
		rpdf_para(p, "8", t->note, 4);
	if (t->nrows == 0) {
		char text[96];

		snprintf(text, sizeof text, "No figures for %s.",
		    rep->period.label);
		rpdf_para(p, "9", text, 4);
		return;
	}
	p->y += rpdf_row(p, t, w, 0, 1, 1) + 2;
	rpdf_rule(p);
	for (r = 0; r < t->nrows; r++) {
		h = rpdf_row(p, t, w, r, 0, 0);
		if (rpdf_need(p, h + 4)) {
			p->y += rpdf_row(p, t, w, 0, 1, 1) + 2;
			rpdf_rule(p);
		}
		rpdf_row(p, t, w, r, 0, 1);
		p->y += h + 3;
	}
}

/*
 * Writes the report as an A4 PDF into out: its title, the organisation
 * and period, then each table in full (every row, as CSV and JSON have
 * them), each figure formatted as on the page. 0, or -1 when cairo
 * failed or could not be loaded.
 */
int
report_pdf(const struct report *rep, const char *title, struct evbuffer *out)
{
	cairo_surface_t *s;
	struct rpdf p;
	char line[256], today[11], err[300];
	size_t i;
	int rc;

	if (pdf_libs_open(err, sizeof err) != 0) {
		log_error("report PDF: %s", err);
		return -1;
	}
	memset(&p, 0, sizeof p);
	s = cairo_pdf_surface_create_for_stream(rpdf_write, out, RP_W, RP_H);
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, title);
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR,
	    "expertpool");
	p.cr = cairo_create(s);
	p.lay = pango_cairo_create_layout(p.cr);
	p.page = 1;
	p.y = RP_M;
	p.foot = title;
	cairo_set_source_rgb(p.cr, 0, 0, 0);
	rpdf_para(&p, "Bold 18", title, 4);
	london_today(today);
	snprintf(line, sizeof line, "%s%sPeriod %s. Made on %s.",
	    rep->org_name, *rep->org_name ? ". " : "", rep->period.label, today);
	rpdf_para(&p, "10", line, 6);
	for (i = 0; i < rep->ntables; i++)
		rpdf_table(&p, rep, rep->tables[i]);
	rpdf_footer(&p);
	g_object_unref(p.lay);
	cairo_destroy(p.cr);
	cairo_surface_finish(s);
	rc = cairo_surface_status(s) == CAIRO_STATUS_SUCCESS ? 0 : -1;
	cairo_surface_destroy(s);
	return rc;
}
