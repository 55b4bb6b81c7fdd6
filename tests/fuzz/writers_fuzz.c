/*
 * writers_fuzz.c: the writers that copy people's free text into files
 * other programs read: the recharge plugin's UBL, CSV and HTML exports of
 * an invoice (plugins/recharge/export.c, read whole) and the report CSV
 * (server/report.c). The input is free text: fields split at 0x1e (PO and
 * buyer references, the exemption reason, each party's name, address,
 * e-mail, VAT number and endpoint, two lines' descriptions and PO
 * references, a report cell); its first byte picks invoice or credit note
 * and the VAT category. The store is a stand-in that answers the
 * writers' queries with those fields.
 * Invariants: the UBL is well-formed XML (valid UTF-8, no control
 * character but tab, LF and CR, every & an entity, no < or a quote in
 * text or attribute values, tags balanced); every CSV reads back as the
 * same cells (quotes doubled, one row a record, as many cells as the
 * header), and no cell starts with =, +, -, @, tab or CR unless it is a
 * plain number.
 */
#include "../../plugins/recharge/export.c"

#include <event2/buffer.h>

#include "server.h"

#include "fuzz.h"

const struct ep_host *rch_host;
ep_plugin *rch_self;

#define NFIELDS 18
static char *field[NFIELDS];
static char kind[8], category[2];

/* Which fields the queries answer with. */
enum { F_BUYER_REF, F_PO, F_REASON, F_S_NAME, F_S_ADDR, F_S_MAIL, F_S_VAT,
	F_S_END, F_B_NAME, F_B_ADDR, F_B_MAIL, F_B_VAT, F_B_END, F_DESC1, F_PO1,
	F_DESC2, F_PO2, F_CELL };

struct fake_stmt {
	const char *sql;
	int64_t bound;
	int row;
	int nrows;
	char cols[16][48];
	int ncols;
};
static struct fake_stmt stmt;

static ep_stmt *
fake_prepare(ep_db *db, const char *sql)
{
	const char *p, *end;
	int n = 0;

	(void)db;
	memset(&stmt, 0, sizeof stmt);
	stmt.sql = sql;
	stmt.nrows = strstr(sql, "FROM recharge_lines") ? 2 : 1;
	/* The lines' columns by name, as the writer lists them. */
	p = sql + strlen("SELECT ");
	end = strstr(sql, " FROM");
	while (end && p < end && n < 16) {
		size_t len = 0;
		int depth = 0;

		/* Up to a comma outside parentheses. */
		while (p + len < end && (p[len] != ',' || depth > 0)) {
			depth += p[len] == '(' ? 1 : p[len] == ')' ? -1 : 0;
			len++;
		}
		if (p + len > end)
			len = (size_t)(end - p);
		snprintf(stmt.cols[n++], sizeof stmt.cols[0], "%.*s", (int)len, p);
		p += len;
		while (*p == ',' || *p == ' ')
			p++;
	}
	stmt.ncols = n;
	return (ep_stmt *)&stmt;
}

static int
fake_bind_int64(ep_stmt *s, int idx, int64_t v)
{
	(void)idx;
	((struct fake_stmt *)s)->bound = v;
	return 0;
}

static int
fake_bind_text(ep_stmt *s, int idx, const char *v)
{
	(void)s;
	(void)idx;
	(void)v;
	return 0;
}

static int
fake_step(ep_stmt *s)
{
	struct fake_stmt *f = (struct fake_stmt *)s;

	return f->row++ < f->nrows ? EP_STEP_ROW : EP_STEP_DONE;
}

static void
fake_reset(ep_stmt *s)
{
	(void)s;
}

static const char *
line_col(const char *name, int line)
{
	/* A column the writer names through its table's alias: "l.unit". */
	if (name[0] != '\0' && name[1] == '.')
		name += 2;
	if (strncmp(name, "coalesce(l.", 11) == 0) {
		if (strncmp(name + 11, "engagement_id", 13) == 0)
			return "12";
	}
	if (strncmp(name, "coalesce(e.ledger_code", 22) == 0)
		return field[line ? F_PO2 : F_PO1];
	if (strncmp(name, "coalesce(q.title", 16) == 0)
		return field[line ? F_DESC2 : F_DESC1];
	if (strcmp(name, "position") == 0)
		return line ? "2" : "1";
	if (strcmp(name, "description") == 0)
		return field[line ? F_DESC2 : F_DESC1];
	if (strcmp(name, "po_reference") == 0)
		return field[line ? F_PO2 : F_PO1];
	if (strcmp(name, "unit") == 0)
		return line ? "half day" : "6 min";
	if (strcmp(name, "quantity") == 0)
		return line ? "3" : "15";
	if (strcmp(name, "unit_price") == 0)
		return line ? "37500" : "950";
	if (strcmp(name, "amount") == 0)
		return line ? "112500" : "14250";
	if (strcmp(name, "kind") == 0)
		return "entry";
	if (strcmp(name, "vat") == 0)
		return category;
	if (strcmp(name, "ruleset_hash") == 0)
		return "3b1f0c";
	if (strncmp(name, "coalesce(engagement_id", 22) == 0)
		return "12";
	return "";
}

static const char *
fake_text(ep_stmt *s, int col)
{
	struct fake_stmt *f = (struct fake_stmt *)s;
	static const char *const doc[] = { NULL, "NRC-000042", "NRC-000041",
		"2026-01", "2026-02-03", "2026-03-05", NULL, NULL, NULL, NULL,
		"126750", "25350", "152100", "2000", "30", "1", "2", "issued" };
	int seller = f->bound == 1;

	if (strstr(f->sql, "FROM recharge_invoices i")) {
		switch (col) {
		case 0: return kind;
		case 6: return category;
		case 7: return field[F_REASON];
		case 8: return field[F_PO];
		case 9: return field[F_BUYER_REF];
		default: return col < (int)nitems(doc) && doc[col] ? doc[col] : "";
		}
	}
	if (strstr(f->sql, "FROM organisations")) {
		switch (col) {
		case 0: return seller ? "NRC" : "AVD";
		case 1: return field[seller ? F_S_NAME : F_B_NAME];
		case 2: return field[seller ? F_S_ADDR : F_B_ADDR];
		case 3: return field[seller ? F_S_VAT : F_B_VAT];
		case 4: return field[seller ? F_S_MAIL : F_B_MAIL];
		case 5: return "0088";
		case 6: return field[seller ? F_S_END : F_B_END];
		default: return "";
		}
	}
	if (strstr(f->sql, "FROM recharge_lines"))
		return col < f->ncols ? line_col(f->cols[col], f->row - 1) : "";
	if (strstr(f->sql, "date("))
		return "2026-01-31";
	return "";
}

static int64_t
fake_int64(ep_stmt *s, int col)
{
	return strtoll(fake_text(s, col), NULL, 10);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static struct ep_host fake;

	(void)argc;
	(void)argv;
	fake.db_prepare = fake_prepare;
	fake.stmt_bind_int64 = fake_bind_int64;
	fake.stmt_bind_text = fake_bind_text;
	fake.stmt_step = fake_step;
	fake.stmt_text = fake_text;
	fake.stmt_int64 = fake_int64;
	fake.stmt_reset = fake_reset;
	fake.pence_text = units_money_text;
	fake.money_plain = units_money_plain;
	fake.date_ok = units_date_ok;
	fake.date_words = units_date_words;
	rch_host = &fake;
	return 0;
}

/* --- the checks --- */

/* The length of one UTF-8 character XML allows at p, 0 if none. */
static size_t
xml_char(const unsigned char *p, const unsigned char *end)
{
	uint32_t c;
	size_t n, i;

	if (*p < 0x80)
		return (*p >= 0x20 && *p != 0x7f) || *p == '\t' || *p == '\n' ||
		    *p == '\r' ? 1 : 0;
	if (*p >= 0xc2 && *p <= 0xdf)
		n = 2, c = *p & 0x1f;
	else if (*p >= 0xe0 && *p <= 0xef)
		n = 3, c = *p & 0x0f;
	else if (*p >= 0xf0 && *p <= 0xf4)
		n = 4, c = *p & 0x07;
	else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff) || c == 0xfffe || c == 0xffff)
		return 0;
	return n;
}

/* An entity or character reference at p ('&'), its length; 0 if none. */
static size_t
xml_entity(const char *p)
{
	static const char *const named[] = { "&amp;", "&lt;", "&gt;", "&quot;",
		"&apos;" };
	size_t i, n;

	for (i = 0; i < nitems(named); i++)
		if (strncmp(p, named[i], strlen(named[i])) == 0)
			return strlen(named[i]);
	if (p[1] != '#')
		return 0;
	if (p[2] == 'x')
		n = 3 + strspn(p + 3, "0123456789abcdefABCDEF");
	else
		n = 2 + strspn(p + 2, "0123456789");
	return n > 3 && p[n] == ';' ? n + 1 : 0;
}

static size_t
xml_name(const char *p)
{
	size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
	    "WXYZ0123456789:_-.");

	return n > 0 && !(p[0] >= '0' && p[0] <= '9') ? n : 0;
}

/* Well-formed XML, strictly: what the escaping must guarantee. */
static void
check_xml(const char *doc, size_t len)
{
	const char *p = doc, *end = doc + len, *stack[64];
	size_t n, depth = 0, lens[64], i;
	int roots = 0;

	for (i = 0; i < len; i += n)
		FUZZ_ASSERT((n = xml_char((const unsigned char *)doc + i,
		    (const unsigned char *)end)) > 0);
	FUZZ_ASSERT(strncmp(p, "<?xml ", 6) == 0);
	p = strstr(p, "?>") + 2;
	while (p < end) {
		if (*p == '<' && p[1] == '/') {
			n = xml_name(p + 2);
			FUZZ_ASSERT(n > 0 && depth > 0 && lens[depth - 1] == n &&
			    strncmp(stack[depth - 1], p + 2, n) == 0);
			depth--;
			p += 2 + n;
			FUZZ_ASSERT(*p == '>');
			p++;
		} else if (*p == '<') {
			FUZZ_ASSERT(depth > 0 || roots++ == 0);
			n = xml_name(p + 1);
			FUZZ_ASSERT(n > 0 && depth < nitems(stack));
			stack[depth] = p + 1;
			lens[depth] = n;
			p += 1 + n;
			while (*p == ' ') {
				p++;
				FUZZ_ASSERT((n = xml_name(p)) > 0);
				p += n;
				FUZZ_ASSERT(p[0] == '=' && p[1] == '"');
				for (p += 2; *p != '"'; p += n) {
					FUZZ_ASSERT(*p != '\0' && *p != '<');
					n = *p == '&' ? xml_entity(p) : 1;
					FUZZ_ASSERT(n > 0);
				}
				p++;
			}
			if (*p == '/')
				p++;
			else
				depth++;
			FUZZ_ASSERT(*p == '>');
			p++;
		} else {
			FUZZ_ASSERT(depth > 0 || *p == '\n');
			n = *p == '&' ? xml_entity(p) : 1;
			FUZZ_ASSERT(n > 0);
			FUZZ_ASSERT(*p != '"');
			p += n;
		}
	}
	FUZZ_ASSERT(depth == 0 && roots == 1);
}

/* A cell a spreadsheet would not run as a formula. */
static int
csv_cell_safe(const char *c)
{
	const char *p = c + (*c == '-');

	if (*c == '\0' || strchr("=+-@\t\r", *c) == NULL)
		return 1;
	/* A plain decimal number. */
	if (*p < '0' || *p > '9')
		return 0;
	p += strspn(p, "0123456789");
	if (*p == '.' && p[1] >= '0' && p[1] <= '9')
		p += 1 + strspn(p + 1, "0123456789");
	return *p == '\0';
}

/*
 * Reads CSV back (RFC 4180, CRLF), checking each cell; cells[r][c] are
 * row r's cells, up to 32 rows of 32 cells. Returns the number of rows.
 */
static size_t
csv_read(const char *s, size_t len, char *cells[32][32], size_t ncells[32])
{
	const char *end = s + len;
	size_t rows = 0, c = 0;
	char *cell;
	size_t n;

	if (len == 0)
		return 0;
	for (;;) {
		FUZZ_ASSERT(rows < 32 && c < 32);
		cell = xmalloc(len + 1);
		n = 0;
		if (s < end && *s == '"') {
			for (s++;; s++) {
				FUZZ_ASSERT(s < end);
				if (*s == '"') {
					if (s + 1 < end && s[1] == '"')
						cell[n++] = *s++;
					else
						break;
				} else
					cell[n++] = *s;
			}
			s++;
		} else {
			while (s < end && *s != ',' && *s != '\r') {
				FUZZ_ASSERT(*s != '"' && *s != '\n');
				cell[n++] = *s++;
			}
		}
		cell[n] = '\0';
		if (!csv_cell_safe(cell))
			fprintf(stderr, "a formula in CSV: [%s]\n", cell);
		FUZZ_ASSERT(csv_cell_safe(cell));
		cells[rows][c++] = cell;
		FUZZ_ASSERT(s < end);
		if (*s == ',') {
			s++;
			continue;
		}
		FUZZ_ASSERT(s + 1 < end && s[0] == '\r' && s[1] == '\n');
		s += 2;
		ncells[rows++] = c;
		c = 0;
		if (s == end)
			return rows;
	}
}

static void
csv_free(char *cells[32][32], const size_t ncells[32], size_t rows)
{
	size_t r, c;

	for (r = 0; r < rows; r++)
		for (c = 0; c < ncells[r]; c++)
			free(cells[r][c]);
}

/* The cell as written: the text, or the text after an apostrophe when it
 * starts as a formula would (a number in a text column may get one too). */
static void
check_cell(const char *cell, const char *text)
{
	if (strcmp(cell, text) == 0)
		return;
	if (cell[0] != '\'' || strcmp(cell + 1, text) != 0)
		fprintf(stderr, "cell [%s], written from [%s]\n", cell, text);
	FUZZ_ASSERT(cell[0] == '\'' && strcmp(cell + 1, text) == 0 &&
	    strchr("=+-@\t\r", text[0]) != NULL && text[0] != '\0');
}

static void
check_invoice_csv(const char *s, size_t len)
{
	char *cells[32][32];
	size_t ncells[32], rows, r;

	rows = csv_read(s, len, cells, ncells);
	FUZZ_ASSERT(rows == 3);
	for (r = 0; r < rows; r++)
		FUZZ_ASSERT(ncells[r] == ncells[0]);
	FUZZ_ASSERT(strcmp(cells[0][10], "description") == 0 &&
	    strcmp(cells[0][16], "po_reference") == 0);
	check_cell(cells[1][10], field[F_DESC1]);
	check_cell(cells[2][10], field[F_DESC2]);
	check_cell(cells[1][16], field[F_PO1]);
	check_cell(cells[2][16], field[F_PO2]);
	/* The ledger code: the fuzzer's text as a line's cost centre; then
	 * the engagement's title, the fuzzer's text too. */
	FUZZ_ASSERT(strcmp(cells[0][18], "cost_centre") == 0 &&
	    strcmp(cells[0][19], "engagement_title") == 0);
	check_cell(cells[1][18], field[F_PO1]);
	check_cell(cells[2][18], field[F_PO2]);
	check_cell(cells[1][19], field[F_DESC1]);
	check_cell(cells[2][19], field[F_DESC2]);
	csv_free(cells, ncells, rows);
}

static void
check_report_csv(void)
{
	static const struct rep_col cols[] = {
		{ .id = "name", .kind = REP_TEXT },
		{ .id = "minutes", .kind = REP_MINUTES },
		{ .id = "note", .kind = REP_TEXT } };
	struct rep_cell row[3];
	struct rep_table t;
	struct evbuffer *b = evbuffer_new();
	char *cells[32][32];
	size_t ncells[32], rows;

	memset(&t, 0, sizeof t);
	memset(row, 0, sizeof row);
	row[0].set = row[1].set = row[2].set = 1;
	row[0].text = field[F_CELL];
	row[1].v = -90;
	row[2].text = field[F_DESC1];
	t.id = "fuzz";
	t.cols = cols;
	t.ncols = nitems(cols);
	t.cells = row;
	t.nrows = 1;
	t.kept = 1;	/* the one row, kept from row 0 */
	report_csv(&t, b);
	rows = csv_read((const char *)evbuffer_pullup(b, -1),
	    evbuffer_get_length(b), cells, ncells);
	FUZZ_ASSERT(rows == 2 && ncells[0] == 3 && ncells[1] == 3);
	check_cell(cells[1][0], field[F_CELL]);
	check_cell(cells[1][2], field[F_DESC1]);
	csv_free(cells, ncells, rows);
	evbuffer_free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const formats[] = { "ubl", "csv", "html" };
	const char *p, *end;
	struct rch_buf out;
	char err[256];
	size_t i;
	int f;

	if (size < 1)
		return 0;
	snprintf(kind, sizeof kind, "%s", data[0] & 1 ? "credit" : "invoice");
	snprintf(category, sizeof category, "%s", data[0] & 2 ? "O" : "S");
	p = (const char *)data + 1;
	end = (const char *)data + size;
	for (i = 0; i < NFIELDS; i++) {
		const char *sep = p < end ? memchr(p, 0x1e, (size_t)(end - p)) : NULL;
		size_t n = p < end ? (size_t)((sep ? sep : end) - p) : 0;

		/* The store holds text: cut at a NUL, as it would be. */
		field[i] = xstrndup(p, n);
		p = sep ? sep + 1 : end;
	}
	for (f = 0; f < (int)nitems(formats); f++) {
		memset(&out, 0, sizeof out);
		err[0] = '\0';
		if (rch_export(NULL, 1, formats[f], &out, err, sizeof err) != 0) {
			/* Only a missing endpoint or VAT number is refused. */
			FUZZ_ASSERT(f == 0 && *err != '\0');
			FUZZ_ASSERT(*field[F_S_END] == '\0' || *field[F_B_END] == '\0' ||
			    (category[0] == 'S' && *field[F_S_VAT] == '\0'));
		} else if (f == 0)
			check_xml(out.s, out.len);
		else if (f == 1)
			check_invoice_csv(out.s, out.len);
		rch_buf_free(&out);
	}
	check_report_csv();
	for (i = 0; i < NFIELDS; i++)
		free(field[i]);
	return 0;
}
