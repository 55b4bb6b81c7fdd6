/* report.c: a report's tables, periods, rounding, and CSV, JSON, HTML. */
#include "server.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>

/* The CSV and JSON name of each kind: the unit of the integer given. */
static const char *const rep_kind_units[] = {
	[REP_TEXT] = "text",
	[REP_INT] = "count",
	[REP_MINUTES] = "minutes",
	[REP_PENCE] = "pence",
	[REP_BP] = "basis_points",
	[REP_UNIT] = "text",
};

/* A unit's name (as CSV and JSON give it) in the words pages use. */
static const struct {
	const char *name, *words;
} rep_unit_words[] = {
	{ "pence_per_hour", "Pounds an hour" },
	{ "pence", "Pounds" },
	{ "minutes", "Hours" },
	{ "basis_points", "Per cent" },
	{ "count", "Number" },
};

/* Whether a column holds text: CSV quotes it, JSON gives a string. */
static int
rep_textual(enum rep_kind kind)
{
	return kind == REP_TEXT || kind == REP_UNIT;
}

static const char *
rep_unit_text(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < nitems(rep_unit_words); i++)
		if (strcmp(rep_unit_words[i].name, name) == 0)
			return rep_unit_words[i].words;
	return name != NULL ? name : "";
}

/*
 * Rounds num / den to the nearest integer, ties to the even one: the
 * project's named rounding for money and shares. den must be positive.
 */
int64_t
report_div(int64_t num, int64_t den)
{
	int64_t q = num / den, r = num % den;

	if (r < 0) {		/* floor, with 0 <= r < den */
		r += den;
		q--;
	}
	if (2 * r > den || (2 * r == den && (q & 1) != 0))
		q++;
	return q;
}

/* Pence an hour from pence over minutes, rounded half to even. */
int64_t
report_per_hour(int64_t pence, int64_t minutes)
{
	return minutes <= 0 ? 0 : report_div(pence * 60, minutes);
}

/* A share part / whole in basis points (1/100 of a per cent). */
int64_t
report_bp(int64_t part, int64_t whole)
{
	return whole == 0 ? 0 : report_div(part * 10000, whole);
}

static void
rep_swap64(int64_t *a, int64_t *b)
{
	int64_t t = *a;

	*a = *b;
	*b = t;
}

/*
 * Puts the value of rank k (from 0) of v[lo, hi) at v[k], with none
 * larger before it and none smaller after: a selection by three-way
 * partitions, so that figures most organisations share (often nearly
 * all of them) cost one pass, not a sort.
 */
static void
rep_select64(int64_t *v, size_t lo, size_t hi, size_t k)
{
	while (hi - lo > 1) {
		int64_t a = v[lo], b = v[lo + (hi - lo) / 2], c = v[hi - 1], p;
		size_t lt = lo, i = lo, gt = hi;

		/* The median of the first, middle and last as the pivot. */
		p = a < b ? (b < c ? b : (a < c ? c : a)) :
		    (a < c ? a : (b < c ? c : b));
		while (i < gt) {
			if (v[i] < p)
				rep_swap64(&v[lt++], &v[i++]);
			else if (v[i] > p)
				rep_swap64(&v[i], &v[--gt]);
			else
				i++;
		}
		if (k < lt)
			hi = lt;
		else if (k >= gt)
			lo = gt;
		else
			return;		/* v[lt, gt) all equal v[k] */
	}
}

/*
 * The consortium's spread of one figure: quartiles by the nearest-rank
 * method (the smallest value with at least p% of values at or below it),
 * so every figure shown is some organisation's own. Reorders v: the
 * median is selected first, then each quartile among the values on its
 * side.
 */
void
report_spread(int64_t *v, size_t n, struct rep_spread *out)
{
	static const int ps[3] = { 25, 50, 75 };
	size_t i, at[3], rank;

	out->n = (int64_t)n;
	out->q1 = out->median = out->q3 = 0;
	if (n == 0)
		return;
	for (i = 0; i < 3; i++) {
		rank = ((size_t)ps[i] * n + 99) / 100;
		at[i] = rank > 0 ? rank - 1 : 0;
	}
	rep_select64(v, 0, n, at[1]);
	if (at[0] < at[1])
		rep_select64(v, 0, at[1], at[0]);
	if (at[2] > at[1])
		rep_select64(v, at[1] + 1, n, at[2]);
	out->q1 = v[at[0]];
	out->median = v[at[1]];
	out->q3 = v[at[2]];
}

/*
 * A period: YYYY-MM (a month), YYYY-Qn (a quarter of the financial year
 * starting in April of YYYY: Q1 April-June ... Q4 January-March of the
 * next year), or YYYY/YY (the financial year April to March).
 */
static void
rep_month(char out[8], int y, int m)
{
	if (m > 12) {
		m -= 12;
		y++;
	}
	snprintf(out, 8, "%04u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u);
}

int
report_period_parse(const char *s, struct rep_period *p)
{
	int y, m1, m2, n, yy;
	char c;

	memset(p, 0, sizeof *p);
	if (s == NULL || strlen(s) != 7 || strspn(s, "0123456789") != 4)
		return -1;
	if (sscanf(s, "%4d-%2d%c", &y, &m1, &c) == 2 && s[4] == '-' &&
	    s[5] >= '0' && s[5] <= '9' && m1 >= 1 && m1 <= 12) {
		m2 = m1;		/* a month */
	} else if (sscanf(s, "%4d-Q%1d%c", &y, &n, &c) == 2 && n >= 1 &&
	    n <= 4) {
		m1 = 4 + 3 * (n - 1);	/* a quarter of the financial year */
		m2 = m1 + 2;
	} else if (sscanf(s, "%4d/%2d%c", &y, &yy, &c) == 2 && s[4] == '/' &&
	    yy == (y + 1) % 100) {
		m1 = 4;			/* the financial year */
		m2 = 15;
	} else
		return -1;
	if (y < 2000 || y > 2998)
		return -1;
	rep_month(p->first, y, m1);
	rep_month(p->last, y, m2);
	snprintf(p->label, sizeof p->label, "%s", s);
	snprintf(p->from, sizeof p->from, "%s-01", p->first);
	return 0;
}

/* The financial year holding today (London), as a period label. */
void
report_period_current(char *out, size_t len)
{
	char today[11];
	int y;

	london_today(today);
	y = atoi(today) - (atoi(today + 5) < 4 ? 1 : 0);
	snprintf(out, len, "%04d/%02d", y, (y + 1) % 100);
}

/* --- The model --- */

struct rep_table *
report_table(struct report *rep, const char *id, const char *title,
    const struct rep_col *cols, size_t ncols)
{
	struct rep_table *t = xcalloc(1, sizeof *t);
	size_t i;

	if (rep->ntables == REP_MAX_TABLES)
		abort(); /* a report with too many tables is a programming error */
	t->id = id;
	t->title = title;
	t->cols = cols;
	t->ncols = ncols;
	for (i = 0; i < ncols; i++)
		if (strcmp(cols[i].id, "source") == 0)
			t->source_col = i + 1;
	rep->tables[rep->ntables++] = t;
	return t;
}

/* Starts a row: every cell empty (null) until set. */
void
report_row(struct rep_table *t)
{
	if (t->kept == 0)
		t->from = t->nrows;
	else if (t->from + t->kept != t->nrows)
		abort(); /* kept rows must be one run: a programming error */
	if (t->kept == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->cells = xrealloc(t->cells, t->cap * t->ncols * sizeof *t->cells);
	}
	memset(&t->cells[t->kept * t->ncols], 0, t->ncols * sizeof *t->cells);
	t->kept++;
	t->nrows++;
}

/*
 * Counts n rows that hold nothing and are never shown: the rows of a
 * long table outside the page a paged build is for, which the pager
 * counts but nobody reads (CSV, JSON and PDF builds keep every row).
 */
void
report_rows_counted(struct rep_table *t, size_t n)
{
	t->nrows += n;
}

/* Row r's cell in column c; a counted row's cells are all empty. */
static const struct rep_cell *
rep_cell_at(const struct rep_table *t, size_t r, size_t c)
{
	static const struct rep_cell empty;

	if (r < t->from || r - t->from >= t->kept)
		return &empty;
	return &t->cells[(r - t->from) * t->ncols + c];
}

static struct rep_cell *
rep_cell(struct rep_table *t, size_t col)
{
	return &t->cells[(t->kept - 1) * t->ncols + col];
}

void
report_text(struct rep_table *t, size_t col, const char *text)
{
	struct rep_cell *c = rep_cell(t, col);

	free(c->text);
	c->text = xstrdup(text ? text : "");
	c->set = 1;
}

void
report_int(struct rep_table *t, size_t col, int64_t v)
{
	struct rep_cell *c = rep_cell(t, col);

	c->v = v;
	c->set = 1;
}

/* A number whose unit differs from its column's, for one row. */
void
report_int_kind(struct rep_table *t, size_t col, int64_t v,
    enum rep_kind kind)
{
	report_int(t, col, v);
	rep_cell(t, col)->kind = kind;
}

void
report_free(struct report *rep)
{
	size_t i, k;

	for (i = 0; i < rep->ntables; i++) {
		struct rep_table *t = rep->tables[i];

		for (k = 0; k < t->kept * t->ncols; k++)
			free(t->cells[k].text);
		free(t->cells);
		free(t);
	}
	rep->ntables = 0;
}

struct rep_table *
report_find_table(struct report *rep, const char *id)
{
	size_t i;

	for (i = 0; i < rep->ntables; i++)
		if (strcmp(rep->tables[i]->id, id) == 0)
			return rep->tables[i];
	return NULL;
}

static enum rep_kind
rep_kind_of(const struct rep_table *t, const struct rep_cell *c, size_t col)
{
	return c->kind != REP_TEXT ? c->kind : t->cols[col].kind;
}

/* Copies text (n bytes, or up to its end if sooner) into out of len
 * bytes, cut short and terminated as snprintf's "%s" would. */
static void
rep_copy(char *out, size_t len, const char *text, size_t n)
{
	size_t k = 0;

	if (len == 0)
		return;
	while (k < n && k + 1 < len && text[k] != '\0') {
		out[k] = text[k];
		k++;
	}
	out[k] = '\0';
}

/* Basis points as a per cent to two places ("-12.05%") into out (at
 * least 24 bytes, unterminated); returns the length. */
static size_t
rep_bp_text(char *out, int64_t v)
{
	int64_t a = v < 0 ? -v : v, frac = a % 100;
	size_t n = 0;

	if (v < 0)
		out[n++] = '-';
	n += html_int_text(out + n, a / 100);
	out[n++] = '.';
	out[n++] = (char)('0' + frac / 10);
	out[n++] = (char)('0' + frac % 10);
	out[n++] = '%';
	return n;
}

/* A cell as people read it: hours, pounds, per cents. */
static void
rep_format(const struct rep_table *t, const struct rep_cell *c, size_t col,
    char *out, size_t len)
{
	char num[24];

	if (!c->set) {
		rep_copy(out, len, "\xe2\x80\x93", 3);
		return;
	}
	switch (rep_kind_of(t, c, col)) {
	case REP_TEXT:
		rep_copy(out, len, c->text ? c->text : "", SIZE_MAX);
		break;
	case REP_UNIT:
		rep_copy(out, len, rep_unit_text(c->text), SIZE_MAX);
		break;
	case REP_INT:
		rep_copy(out, len, num, html_int_text(num, c->v));
		break;
	case REP_MINUTES:
		units_hours_text(out, len, c->v);
		break;
	case REP_PENCE:
		units_money_text(out, len, c->v);
		break;
	case REP_BP:
		rep_copy(out, len, num, rep_bp_text(num, c->v));
		break;
	}
}

/* A cell as the page shows it, a figure's source report by its title:
 * for layouts other than the page's own (the PDF). */
void
report_cell_text(const struct rep_table *t, size_t r, size_t c, char *out,
    size_t len)
{
	const struct rep_cell *cell = rep_cell_at(t, r, c);
	const struct report_def *def;

	if (strcmp(t->cols[c].id, "source") == 0 && cell->set &&
	    (def = report_def_find(cell->text)) != NULL) {
		snprintf(out, len, "%s", def->title);
		return;
	}
	rep_format(t, cell, c, out, len);
}

/* Whether a column holds numbers, set flush right. */
int
report_cell_numeric(const struct rep_table *t, size_t c)
{
	return !rep_textual(t->cols[c].kind);
}

/* --- CSV --- */

/* One CSV field: quoted when it must be, and never read as a formula
 * (one that starts with =, +, -, @, a tab or a carriage return). */
static void
rep_csv_text(struct evbuffer *b, const char *s)
{
	const char *p;

	if (strpbrk(s, ",\"\r\n") == NULL && strchr("=+-@\t", *s) == NULL) {
		evbuffer_add(b, s, strlen(s));
		return;
	}
	evbuffer_add(b, "\"", 1);
	if (*s != '\0' && strchr("=+-@\t\r", *s) != NULL)
		evbuffer_add(b, "'", 1);
	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			evbuffer_add(b, "\"", 1);
		evbuffer_add(b, p, 1);
	}
	evbuffer_add(b, "\"", 1);
}

/*
 * One table as CSV (RFC 4180, CRLF): a header of column ids, then the
 * rows; numbers are plain integers in the unit the id names (docs/
 * reports.md), an empty field where there is no figure.
 */
void
report_csv(const struct rep_table *t, struct evbuffer *b)
{
	size_t r, c;

	for (c = 0; c < t->ncols; c++)
		evbuffer_add_printf(b, "%s%s", c ? "," : "", t->cols[c].id);
	evbuffer_add(b, "\r\n", 2);
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const struct rep_cell *cell = rep_cell_at(t, r, c);

			if (c > 0)
				evbuffer_add(b, ",", 1);
			if (!cell->set)
				continue;
			if (rep_textual(t->cols[c].kind))
				rep_csv_text(b, cell->text ? cell->text : "");
			else
				evbuffer_add_printf(b, "%lld", (long long)cell->v);
		}
		evbuffer_add(b, "\r\n", 2);
	}
}

/* --- JSON --- */

json_t *
report_json(const struct report *rep)
{
	json_t *o = json_object(), *tables = json_array();
	size_t i, r, c;

	json_object_set_new(o, "report", json_string(rep->name));
	json_object_set_new(o, "organisation", json_string(rep->org_code));
	json_object_set_new(o, "period", json_string(rep->period.label));
	json_object_set_new(o, "first_month", json_string(rep->period.first));
	json_object_set_new(o, "last_month", json_string(rep->period.last));
	for (i = 0; i < rep->ntables; i++) {
		const struct rep_table *t = rep->tables[i];
		json_t *jt = json_object(), *cols = json_array(), *rows = json_array();

		json_object_set_new(jt, "id", json_string(t->id));
		json_object_set_new(jt, "title", json_string(t->title));
		for (c = 0; c < t->ncols; c++)
			json_array_append_new(cols, json_pack("{s:s, s:s, s:s}", "id",
			    t->cols[c].id, "title", t->cols[c].title != NULL ?
			    t->cols[c].title : t->cols[c].id, "unit",
			    rep_kind_units[t->cols[c].kind]));
		for (r = 0; r < t->nrows; r++) {
			json_t *row = json_object();

			for (c = 0; c < t->ncols; c++) {
				const struct rep_cell *cell = rep_cell_at(t, r, c);
				json_t *v;

				if (!cell->set)
					v = json_null();
				else if (rep_textual(t->cols[c].kind))
					v = json_string(cell->text ? cell->text : "");
				else
					v = json_integer((json_int_t)cell->v);
				json_object_set_new(row, t->cols[c].id, v);
			}
			json_array_append_new(rows, row);
		}
		json_object_set_new(jt, "columns", cols);
		json_object_set_new(jt, "rows", rows);
		json_array_append_new(tables, jt);
	}
	json_object_set_new(o, "tables", tables);
	return o;
}

/* --- HTML and SVG --- */

/* A row's label for the chart: its text cells joined. */
static void
rep_label(const struct rep_table *t, size_t r, char *out, size_t len)
{
	size_t c, n = 0;

	out[0] = '\0';
	for (c = 0; c < t->ncols && n + 1 < len; c++) {
		const struct rep_cell *cell = rep_cell_at(t, r, c);

		if (t->cols[c].kind != REP_TEXT || !cell->set)
			continue;
		if (n > 0) {
			rep_copy(out + n, len - n, ", ", 2);
			n += strlen(out + n);
		}
		rep_copy(out + n, len - n, cell->text ? cell->text : "",
		    SIZE_MAX);
		n += strlen(out + n);
	}
}

#define SVG_WIDTH 640
#define SVG_LABEL 220
#define SVG_VALUE 110
#define SVG_ROW 26

/* A cell's text as rep_format wrote it: escaped, unless it is a figure
 * (digits, signs, units, a dash), which never needs it. */
static void
rep_html_figure(struct html_w *w, const struct rep_table *t,
    const struct rep_cell *cell, size_t col, const char *text)
{
	if (!cell->set || !rep_textual(rep_kind_of(t, cell, col)))
		html_w_put(w, text, strlen(text));
	else
		html_w_text(w, text);
}

/* A chart's x for value v, on the scale from lo over span. */
static int
rep_svg_x(int64_t v, int64_t lo, int64_t span)
{
	return SVG_LABEL + (int)((v - lo) * (SVG_WIDTH - SVG_LABEL -
	    SVG_VALUE) / span);
}

/*
 * A horizontal bar chart of one column, drawn on the server: no script,
 * every bar with its figure written beside it. The table that follows
 * carries the same figures for screen readers, so the drawing is hidden
 * from them and says where to look. Labels, bars, ticks and figures are
 * drawn in a group each, which holds what they share (font, colour): a
 * hundred rows repeated it a hundred times. Nothing overlaps but a tick
 * its bar, drawn after it, so the picture is the same.
 */
static void
rep_svg(struct html_w *w, const struct rep_table *t, size_t first,
    size_t end)
{
	size_t col = (size_t)t->chart, mk = (size_t)t->marker, r;
	int64_t lo = 0, hi = 0, span;
	int height = (int)(end - first) * SVG_ROW + 12, plot = SVG_WIDTH -
	    SVG_LABEL - SVG_VALUE, zero;
	char text[160];

	for (r = first; r < end; r++) {
		const struct rep_cell *c = rep_cell_at(t, r, col);
		const struct rep_cell *m = rep_cell_at(t, r, mk);

		if (c->set && c->v < lo)
			lo = c->v;
		if (c->set && c->v > hi)
			hi = c->v;
		if (t->marker > 0 && m->set && m->v > hi)
			hi = m->v;
		if (t->marker > 0 && m->set && m->v < lo)
			lo = m->v;
	}
	span = hi - lo > 0 ? hi - lo : 1;
	zero = SVG_LABEL + (int)((-lo) * plot / span);
	html_w_printf(w, "<svg class=\"ep-chart\" xmlns=\"http://www.w3.org/"
	    "2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role="
	    "\"img\" aria-labelledby=\"chart-%s-title\" data-table=\"table-%s\">"
	    "<title id=\"chart-%s-title\">%s: chart of %s; the figures are in "
	    "the table that follows</title>\n", SVG_WIDTH, height, SVG_WIDTH,
	    height, t->id, t->id, t->id, t->title, t->cols[col].title);
	html_w_printf(w, "<line x1=\"%d\" y1=\"0\" x2=\"%d\" y2=\"%d\" "
	    "stroke=\"#0b0c0c\"/>\n", zero, zero, height);
	/* Each row's label, right-aligned against the axis. */
	html_w_lit(w, "<g font-size=\"14\" text-anchor=\"end\">");
	for (r = first; r < end; r++) {
		rep_label(t, r, text, sizeof text);
		if (strlen(text) > 30)
			memcpy(text + 27, "...", 4);
		html_w_lit(w, "<text x=\"");
		html_w_int(w, SVG_LABEL - 6);
		html_w_lit(w, "\" y=\"");
		html_w_int(w, (int)(r - first) * SVG_ROW + 21);
		html_w_lit(w, "\">");
		html_w_text(w, text);
		html_w_lit(w, "</text>");
	}
	html_w_lit(w, "</g>\n<g fill=\"#1d70b8\">");
	for (r = first; r < end; r++) {
		const struct rep_cell *c = rep_cell_at(t, r, col);
		int bw = (int)((c->v < 0 ? -c->v : c->v) * plot / span);

		if (!c->set)
			continue;
		html_w_lit(w, "<rect x=\"");
		html_w_int(w, c->v < 0 ? rep_svg_x(c->v, lo, span) : zero);
		html_w_lit(w, "\" y=\"");
		html_w_int(w, (int)(r - first) * SVG_ROW + 6);
		html_w_lit(w, "\" width=\"");
		html_w_int(w, bw > 0 ? bw : 1);
		html_w_lit(w, "\" height=\"");
		html_w_int(w, SVG_ROW - 8);
		html_w_lit(w, "\"/>");
	}
	html_w_lit(w, "</g>\n");
	if (t->marker > 0) {
		html_w_lit(w, "<g class=\"ep-marker\" stroke=\"#d4351c\" "
		    "stroke-width=\"3\">");
		for (r = first; r < end; r++) {
			const struct rep_cell *m = rep_cell_at(t, r, mk);
			int y = (int)(r - first) * SVG_ROW + 6, mx;

			if (!m->set)
				continue;
			mx = rep_svg_x(m->v, lo, span);
			html_w_lit(w, "<line x1=\"");
			html_w_int(w, mx);
			html_w_lit(w, "\" y1=\"");
			html_w_int(w, y - 3);
			html_w_lit(w, "\" x2=\"");
			html_w_int(w, mx);
			html_w_lit(w, "\" y2=\"");
			html_w_int(w, y + SVG_ROW - 5);
			html_w_lit(w, "\"/>");
		}
		html_w_lit(w, "</g>\n");
	}
	/* Each row's figure, after the bars. */
	html_w_lit(w, "<g font-size=\"14\">");
	for (r = first; r < end; r++) {
		const struct rep_cell *c = rep_cell_at(t, r, col);

		rep_format(t, c, col, text, sizeof text);
		html_w_lit(w, "<text x=\"");
		html_w_int(w, SVG_WIDTH - SVG_VALUE + 6);
		html_w_lit(w, "\" y=\"");
		html_w_int(w, (int)(r - first) * SVG_ROW + 21);
		html_w_lit(w, "\">");
		rep_html_figure(w, t, c, col, text);
		html_w_lit(w, "</text>");
	}
	html_w_lit(w, "</g>\n</svg>\n");
}

/*
 * The rows [first, end) that page (from 0) of a table of nrows shows, at
 * page_rows a page (0: all on one); a page past the end shows the last.
 * Returns the page shown.
 */
size_t
report_page_span(size_t nrows, size_t page_rows, size_t page, size_t *first,
    size_t *end)
{
	*first = 0;
	*end = nrows;
	if (page_rows == 0 || nrows <= page_rows)
		return 0;
	if (page > (nrows - 1) / page_rows)
		page = (nrows - 1) / page_rows;
	*first = page * page_rows;
	*end = *first + page_rows < nrows ? *first + page_rows : nrows;
	return page;
}

/* Links to the other pages of a long table, and which rows this is. */
static void
rep_pager(struct html_w *w, const struct rep_table *t, size_t page,
    size_t first, size_t end, const char *base)
{
	size_t pages = (t->nrows + t->page_rows - 1) / t->page_rows;

	html_w_printf(w, "<nav class=\"govuk-pagination\" aria-label=\"%s: "
	    "pages\"><p class=\"govuk-body-s\">Rows %D to %D of %D; the CSV "
	    "and JSON carry them all.</p><ul class=\"govuk-pagination__list\">",
	    t->title, (int64_t)first + 1, (int64_t)end, (int64_t)t->nrows);
	if (page > 0)
		html_w_printf(w, "<li class=\"govuk-pagination__item\"><a class=\""
		    "govuk-link\" href=\"%s&amp;page=%D#%s\" rel=\"prev\">Previous"
		    "</a></li>", base, (int64_t)page, t->id);
	if (page + 1 < pages)
		html_w_printf(w, "<li class=\"govuk-pagination__item\"><a class=\""
		    "govuk-link\" href=\"%s&amp;page=%D#%s\" rel=\"next\">Next</a>"
		    "</li>", base, (int64_t)page + 2, t->id);
	html_w_lit(w, "</ul></nav>\n");
}

/* A cell naming the report a figure comes from, as a link to it for the
 * same organisation and period. */
static void
rep_html_source(struct html_w *w, const struct report *rep,
    const char *name)
{
	const struct report_def *def = report_def_find(name);
	char *enc;

	if (def == NULL) {
		html_w_printf(w, "<td class=\"govuk-table__cell\">%s</td>", name);
		return;
	}
	enc = evhttp_encode_uri(rep->period.label);
	html_w_printf(w, "<td class=\"govuk-table__cell\"><a class=\"govuk-"
	    "link\" href=\"/reports/%s/%s?period=%s\">%s</a></td>",
	    rep->org_code, def->name, enc, def->title);
	free(enc);
}

/* One row of a table's figures: the first cell heads the row. */
static void
rep_html_row(struct html_w *w, const struct report *rep,
    const struct rep_table *t, size_t r)
{
	char text[160];
	size_t c;

	html_w_lit(w, "<tr class=\"govuk-table__row\">");
	for (c = 0; c < t->ncols; c++) {
		const struct rep_cell *cell = rep_cell_at(t, r, c);

		if (t->cols[c].title == NULL)
			continue;
		if (t->source_col == c + 1 && cell->set) {
			rep_html_source(w, rep, cell->text);
			continue;
		}
		rep_format(t, cell, c, text, sizeof text);
		if (c == 0)
			html_w_lit(w, "<th scope=\"row\" class=\"govuk-table__"
			    "header\">");
		else if (rep_textual(t->cols[c].kind))
			html_w_lit(w, "<td class=\"govuk-table__cell\">");
		else
			html_w_lit(w, "<td class=\"govuk-table__cell govuk-table__"
			    "cell--numeric\">");
		rep_html_figure(w, t, cell, c, text);
		if (c == 0)
			html_w_lit(w, "</th>");
		else
			html_w_lit(w, "</td>");
	}
	html_w_lit(w, "</tr>\n");
}

/*
 * One table: heading, chart, the figures, and its CSV. A table with
 * page_rows shows that many rows at a time (chart and figures alike),
 * with links to the others: a page of a thousand experts is too long to
 * read, and costs the server as much to send.
 */
static void
rep_html_table(struct html_w *w, const struct report *rep,
    const struct rep_table *t, const char *csv_base)
{
	size_t r, c, first, end, page;

	page = report_page_span(t->nrows, t->page_rows, rep->page, &first, &end);

	html_w_printf(w, "<section class=\"ep-report-table\" id=\"%s\">\n"
	    "<h2 class=\"govuk-heading-m\">%s</h2>\n", t->id, t->title);
	if (t->note != NULL)
		html_w_printf(w, "<p class=\"govuk-body-s\">%s</p>\n", t->note);
	if (t->nrows == 0) {
		html_w_printf(w, "<p class=\"govuk-body\">No figures for %s.</p>\n"
		    "</section>\n", rep->period.label);
		return;
	}
	if (t->chart > 0)
		rep_svg(w, t, first, end);
	html_w_printf(w, "<div class=\"ep-table-scroll\" role=\"region\" "
	    "aria-label=\"%s, %s\" tabindex=\"0\">\n", t->title,
	    rep->period.label);
	html_w_printf(w, "<table class=\"govuk-table\" id=\"table-%s\">\n"
	    "<caption class=\"govuk-table__caption govuk-table__caption--s\">"
	    "%s, %s</caption>\n<thead class=\"govuk-table__head\"><tr class=\""
	    "govuk-table__row\">", t->id, t->title, rep->period.label);
	for (c = 0; c < t->ncols; c++)
		if (t->cols[c].title != NULL)
			html_w_printf(w, "<th scope=\"col\" class=\"govuk-table__"
			    "header%R\">%s</th>", rep_textual(t->cols[c].kind) ? "" :
			    " govuk-table__header--numeric", t->cols[c].title);
	html_w_lit(w, "</tr></thead>\n<tbody class=\"govuk-table__body\">\n");
	for (r = first; r < end; r++)
		rep_html_row(w, rep, t, r);
	html_w_lit(w, "</tbody>\n</table>\n</div>\n");
	if (end - first < t->nrows && csv_base != NULL)
		rep_pager(w, t, page, first, end, csv_base);
	if (csv_base != NULL)
		html_w_printf(w, "<p class=\"govuk-body-s\"><a class=\"govuk-link\" "
		    "href=\"%s&amp;format=csv&amp;table=%s\" download>Download "
		    "%s as CSV</a></p>\n", csv_base, t->id, t->title);
	html_w_lit(w, "</section>\n");
}

/* Every table of a report, for its page. */
void
report_html(struct evbuffer *b, const struct report *rep,
    const char *csv_base)
{
	struct html_w w;
	size_t i;

	html_w_begin(&w, b);
	for (i = 0; i < rep->ntables; i++)
		rep_html_table(&w, rep, rep->tables[i], csv_base);
	html_w_end(&w);
}
