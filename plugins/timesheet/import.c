/* import.c: CSV import of hours, all or nothing, from the CLI and the web. */
#include "timesheet.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TS_CSV_COLUMNS 6
#define TS_CSV_MAX_RECORD 4096     /* characters in one record */
#define TS_IMPORT_MAX_LINES 200000
#define TS_IMPORT_MAX_BYTES (64 * 1024 * 1024)
#define TS_IMPORT_SHOWN 50         /* bad lines listed on the page */
#define TS_MULTIPART_MAX_PARTS 16

static const char *const ts_csv_header[TS_CSV_COLUMNS] = { "engagement",
	"date", "duration", "activity", "note", "billable" };

/*
 * An RFC 4180 reader over a buffer: fields separated by commas, records
 * by CRLF or LF, fields in double quotes may hold commas, newlines and
 * doubled quotes. One record at a time into a fixed buffer, so a file of
 * any length needs no more memory than its longest line allows.
 */
struct ts_csv {
	const char *p, *end;
	int line;                   /* the next record's first line */
	int record_line;            /* the current record's first line */
	int nfield;
	char *field[TS_CSV_COLUMNS + 1];
	char buf[TS_CSV_MAX_RECORD + 16];
	char err[96];
};

static void
ts_csv_init(struct ts_csv *c, const char *text, size_t len)
{
	memset(c, 0, sizeof *c);
	c->p = text;
	c->end = text + len;
	c->line = 1;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		c->p += 3; /* a spreadsheet's byte order mark */
}

static void
ts_csv_bad(struct ts_csv *c, const char *msg)
{
	if (c->err[0] == '\0')
		snprintf(c->err, sizeof c->err, "%s", msg);
}

/* The next record: 1, 0 at the end, -1 for a malformed one (c->err). */
static int
ts_csv_next(struct ts_csv *c)
{
	size_t n = 0, off[TS_CSV_COLUMNS + 1];
	int quoted, i;
	char ch;

	c->err[0] = '\0';
	if (c->p >= c->end)
		return 0;
	c->record_line = c->line;
	c->nfield = 0;
	for (;;) {
		if (c->nfield == TS_CSV_COLUMNS + 1) {
			ts_csv_bad(c, "more than 6 columns");
			c->nfield--;
		}
		off[c->nfield++] = n;
		quoted = c->p < c->end && *c->p == '"';
		if (quoted)
			c->p++;
		for (;;) {
			if (c->p >= c->end) {
				if (quoted)
					ts_csv_bad(c, "a quoted field is not closed");
				goto record_end;
			}
			ch = *c->p;
			if (quoted && ch == '"') {
				if (c->p + 1 < c->end && c->p[1] == '"')
					c->p++;
				else {
					c->p++;
					quoted = 0;
					if (c->p < c->end && *c->p != ',' &&
					    *c->p != '\r' && *c->p != '\n')
						ts_csv_bad(c, "text after a closing quote");
					continue;
				}
			} else if (!quoted && ch == ',') {
				c->p++;
				break;
			} else if (!quoted && (ch == '\n' || ch == '\r')) {
				c->p += ch == '\r' && c->p + 1 < c->end &&
				    c->p[1] == '\n' ? 2 : 1;
				c->line++;
				goto record_end;
			} else if (!quoted && ch == '"')
				ts_csv_bad(c, "a quote inside an unquoted field");
			else if (ch == '\n')
				c->line++;
			if (n < TS_CSV_MAX_RECORD)
				c->buf[n++] = *c->p;
			else
				ts_csv_bad(c, "the line is too long");
			c->p++;
		}
		if (n < sizeof c->buf - 1)
			c->buf[n++] = '\0';
	}
record_end:
	c->buf[n] = '\0';
	for (i = 0; i < c->nfield; i++)
		c->field[i] = c->buf + off[i];
	return c->err[0] != '\0' ? -1 : 1;
}

/* One bad line, for the report. */
struct ts_import_error {
	int line;
	char *message;
};

/* What an import did: every line read, and each bad one with why. */
struct ts_import {
	int lines;              /* data lines read */
	int64_t minutes;
	struct ts_import_error *errors;
	int nerrors, cap;
	char failure[256];      /* a failure that is no line's fault */
};

static void
ts_import_error(struct ts_import *im, int line, const char *fmt, ...)
    EP_PRINTF(3, 4);

static void
ts_import_error(struct ts_import *im, int line, const char *fmt, ...)
{
	struct ts_import_error *v;
	char msg[600];
	va_list ap;

	if (im->nerrors == im->cap) {
		int cap = im->cap ? im->cap * 2 : 64;

		if ((v = realloc(im->errors, (size_t)cap * sizeof *v)) == NULL)
			return;
		im->errors = v;
		im->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if ((im->errors[im->nerrors].message = strdup(msg)) == NULL)
		return;
	im->errors[im->nerrors++].line = line;
}

static void
ts_import_free(struct ts_import *im)
{
	int i;

	for (i = 0; i < im->nerrors; i++)
		free(im->errors[i].message);
	free(im->errors);
	memset(im, 0, sizeof *im);
}

static char *
ts_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

/* yes/no, y/n, true/false, 1/0; empty is billable. -1 for anything else. */
static int
ts_yes_no(const char *s)
{
	static const char *const yes[] = { "", "yes", "y", "true", "1", NULL };
	static const char *const no[] = { "no", "n", "false", "0", NULL };
	int i;

	for (i = 0; yes[i] != NULL; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
	}
	for (i = 0; no[i] != NULL; i++) {
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	}
	return -1;
}

static int
ts_header_ok(struct ts_csv *c)
{
	int i;

	if (c->nfield != TS_CSV_COLUMNS)
		return 0;
	for (i = 0; i < TS_CSV_COLUMNS; i++) {
		if (strcasecmp(ts_trim(c->field[i]), ts_csv_header[i]) != 0)
			return 0;
	}
	return 1;
}

/* One data record through the same rules as the grid and the API. */
static void
ts_import_line(ep_db *db, const struct ts_actor *a, struct ts_csv *c,
    struct ts_import *im)
{
	const struct ep_host *h = ts_host;
	struct ts_entry_in in;
	struct ts_result res;
	ep_errors *e;
	char *end, activity[16];
	long long engagement;
	size_t i;

	if (c->nfield != TS_CSV_COLUMNS) {
		ts_import_error(im, c->record_line, "expected %d columns (%s), "
		    "found %d", TS_CSV_COLUMNS, "engagement,date,duration,activity,"
		    "note,billable", c->nfield);
		return;
	}
	memset(&in, 0, sizeof in);
	errno = 0;
	engagement = strtoll(ts_trim(c->field[0]), &end, 10);
	if (errno != 0 || *end != '\0' || engagement <= 0) {
		ts_import_error(im, c->record_line, "engagement must be the number "
		    "of one of your engagements, not \"%.40s\"", c->field[0]);
		return;
	}
	if ((in.billable = ts_yes_no(ts_trim(c->field[5]))) < 0) {
		ts_import_error(im, c->record_line, "billable must be yes or no, "
		    "not \"%.40s\"", c->field[5]);
		return;
	}
	snprintf(activity, sizeof activity, "%s", ts_trim(c->field[3]));
	for (i = 0; activity[i] != '\0'; i++)
		activity[i] = (char)tolower((unsigned char)activity[i]);
	in.engagement = engagement;
	in.date = ts_trim(c->field[1]);
	in.duration = ts_trim(c->field[2]);
	in.activity = activity;
	in.note = c->field[4];
	if ((e = h->errors_new()) == NULL)
		return;
	if (ts_entry_save(db, a, 0, &in, "line", e, &res) != 0)
		ts_import_error(im, c->record_line, "%s", h->errors_get(e, "line") ?
		    h->errors_get(e, "line") : "the entry could not be saved");
	else
		im->minutes += res.minutes;
	h->errors_free(e);
}

/*
 * Imports a CSV file's entries for one expert in one transaction: every
 * line is checked (so every bad one is reported with its line number), and
 * only when all are good is anything kept. Returns 0 when all were saved.
 */
static int
ts_import_run(ep_db *db, const struct ts_actor *a, const char *text,
    size_t len, struct ts_import *im)
{
	const struct ep_host *h = ts_host;
	struct ts_csv *c;
	int rc;

	memset(im, 0, sizeof *im);
	if ((a->roles & EP_ROLE_EXPERT) == 0) {
		snprintf(im->failure, sizeof im->failure, "%s is not an expert: "
		    "only experts log hours", a->login);
		return -1;
	}
	if ((c = malloc(sizeof *c)) == NULL) {
		snprintf(im->failure, sizeof im->failure, "out of memory");
		return -1;
	}
	ts_csv_init(c, text, len);
	rc = ts_csv_next(c);
	if (rc <= 0 || !ts_header_ok(c)) {
		ts_import_error(im, 1, "the first line must be the header "
		    "engagement,date,duration,activity,note,billable");
		free(c);
		return -1;
	}
	if (h->db_begin(db) != 0) {
		snprintf(im->failure, sizeof im->failure, "the store is busy: %s",
		    h->db_errmsg(db));
		free(c);
		return -1;
	}
	while ((rc = ts_csv_next(c)) != 0) {
		if (rc > 0 && c->nfield == 1 && *ts_trim(c->field[0]) == '\0')
			continue; /* a blank line */
		if (++im->lines > TS_IMPORT_MAX_LINES) {
			ts_import_error(im, c->record_line, "a file may hold at most "
			    "%d lines; split it", TS_IMPORT_MAX_LINES);
			break;
		}
		if (rc < 0)
			ts_import_error(im, c->record_line, "%s", c->err);
		else
			ts_import_line(db, a, c, im);
	}
	free(c);
	if (im->nerrors == 0 && im->lines == 0)
		ts_import_error(im, 2, "there are no entries after the header");
	if (im->nerrors > 0) {
		h->db_rollback(db);
		return -1;
	}
	if (h->db_commit(db) != 0) {
		snprintf(im->failure, sizeof im->failure, "the store failed: %s",
		    h->db_errmsg(db));
		h->db_rollback(db);
		return -1;
	}
	return 0;
}

/* Reads a whole file, bounded; NULL with errno set. */
static char *
ts_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL, *bigger;
	size_t cap = 0, n = 0, got;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (cap - n < 65536) {
			if (cap >= TS_IMPORT_MAX_BYTES) {
				errno = EFBIG;
				goto fail;
			}
			cap = cap ? cap * 2 : 262144;
			if ((bigger = realloc(buf, cap + 1)) == NULL)
				goto fail;
			buf = bigger;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	free(buf);
	fclose(f);
	return NULL;
}

/*
 * expertpool timesheet import FILE --user LOGIN: an expert's hours from a
 * CSV file, all or nothing. Each bad line is printed as FILE:LINE: why.
 */
int
ts_import_command(ep_db *db, int argc, char **argv, void *arg)
{
	const char *file = NULL, *login = NULL;
	struct ts_actor a;
	struct ts_import im;
	char *text, total[32];
	size_t len = 0;
	int i, rc, bad = 0;

	(void)arg;
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--user") == 0 && i + 1 < argc)
			login = argv[++i];
		else if (argv[i][0] != '-' && file == NULL)
			file = argv[i];
		else
			bad = 1;
	}
	if (argc < 2 || strcmp(argv[1], "import") != 0 || bad || file == NULL ||
	    login == NULL) {
		fprintf(stderr, "usage: expertpool timesheet import FILE "
		    "--user LOGIN\n");
		return 2;
	}
	if (ts_actor_login(db, login, &a) != 0) {
		fprintf(stderr, "expertpool: there is no person \"%s\"\n", login);
		return 1;
	}
	if ((text = ts_read_file(file, &len)) == NULL) {
		fprintf(stderr, "expertpool: %s: %s\n", file, strerror(errno));
		return 1;
	}
	rc = ts_import_run(db, &a, text, len, &im);
	free(text);
	if (rc != 0) {
		for (i = 0; i < im.nerrors; i++)
			fprintf(stderr, "%s:%d: %s\n", file, im.errors[i].line,
			    im.errors[i].message);
		if (im.failure[0] != '\0')
			fprintf(stderr, "expertpool: %s\n", im.failure);
		else
			fprintf(stderr, "%s: %d bad line%s; nothing was imported\n",
			    file, im.nerrors, im.nerrors == 1 ? "" : "s");
		ts_import_free(&im);
		return 1;
	}
	ts_format_minutes(total, sizeof total, im.minutes);
	printf("imported %d entries (%s) for %s from %s\n", im.lines, total,
	    login, file);
	ts_import_free(&im);
	return 0;
}

/* A parameter of a header value (boundary=, name=), unquoted, into out. */
static int
ts_header_param(const char *v, size_t vlen, const char *name, char *out,
    size_t len)
{
	size_t nlen = strlen(name), n = 0;
	const char *p = v, *end = v + vlen;

	for (; p + nlen < end; p++) {
		if ((p == v || p[-1] == ';' || p[-1] == ' ') &&
		    strncasecmp(p, name, nlen) == 0 && p[nlen] == '=')
			break;
	}
	if (p + nlen >= end)
		return -1;
	p += nlen + 1;
	if (p < end && *p == '"') {
		for (p++; p < end && *p != '"' && n + 1 < len; p++)
			out[n++] = *p;
		if (p >= end || *p != '"')
			return -1;
	} else {
		for (; p < end && *p != ';' && *p != ' ' && *p != '\r' &&
		    n + 1 < len; p++)
			out[n++] = *p;
	}
	out[n] = '\0';
	return n > 0 ? 0 : -1;
}

/*
 * The content of the multipart/form-data part named `name` (RFC 7578):
 * the boundary from the Content-Type, parts found with memmem, at most
 * TS_MULTIPART_MAX_PARTS looked at. Points into the body; -1 if absent
 * or the body is not well formed.
 */
static int
ts_multipart_part(const char *type, const char *body, size_t len,
    const char *name, const char **out, size_t *outlen)
{
	char boundary[80], delim[84], part_name[64];
	const char *p = body, *end = body + len, *hdr_end, *next;
	size_t dlen;
	int parts;

	if (type == NULL || strncasecmp(type, "multipart/form-data", 19) != 0 ||
	    ts_header_param(type, strlen(type), "boundary", boundary,
	    sizeof boundary) != 0 || strlen(boundary) > 70)
		return -1;
	dlen = (size_t)snprintf(delim, sizeof delim, "\r\n--%s", boundary);
	/* The first delimiter may open the body without its CRLF. */
	if (len >= dlen - 2 && memcmp(p, delim + 2, dlen - 2) == 0)
		p += dlen - 2;
	else if ((p = memmem(p, len, delim, dlen)) != NULL)
		p += dlen;
	else
		return -1;
	for (parts = 0; parts < TS_MULTIPART_MAX_PARTS; parts++) {
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			return -1; /* the closing delimiter: not found */
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			return -1;
		p += 2;
		hdr_end = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
		if (hdr_end == NULL || hdr_end - p > 4096)
			return -1;
		next = memmem(hdr_end + 4, (size_t)(end - hdr_end - 4), delim, dlen);
		if (next == NULL)
			return -1;
		part_name[0] = '\0';
		{
			const char *cd = p;

			while (cd < hdr_end && strncasecmp(cd,
			    "content-disposition:", 20) != 0) {
				cd = memmem(cd, (size_t)(hdr_end - cd), "\r\n", 2);
				cd = cd ? cd + 2 : hdr_end;
			}
			if (cd < hdr_end) {
				const char *eol = memmem(cd, (size_t)(hdr_end - cd),
				    "\r\n", 2);

				ts_header_param(cd, (size_t)((eol ? eol : hdr_end) -
				    cd), "name", part_name, sizeof part_name);
			}
		}
		if (strcmp(part_name, name) == 0) {
			*out = hdr_end + 4;
			*outlen = (size_t)(next - *out);
			return 0;
		}
		p = next + dlen;
	}
	return -1;
}

/* The upload form, with the bad lines of a refused file listed above it. */
static void
ts_import_page(ep_req *r, int status, const struct ts_import *im,
    const char *notice)
{
	const struct ep_host *h = ts_host;
	ep_page *b = h->page_begin(r, "Import hours", NULL);
	int i, shown;

	if (im != NULL && (im->nerrors > 0 || im->failure[0] != '\0')) {
		h->html(b, "<div class=\"govuk-error-summary\" data-module=\"govuk-"
		    "error-summary\"><div role=\"alert\"><h2 class=\"govuk-error-"
		    "summary__title\">There is a problem: nothing was imported</h2>"
		    "<div class=\"govuk-error-summary__body\"><ul class=\"govuk-list "
		    "govuk-error-summary__list\">\n");
		if (im->failure[0] != '\0')
			h->html(b, "<li><a href=\"#file\">%s</a></li>\n", im->failure);
		shown = im->nerrors < TS_IMPORT_SHOWN ? im->nerrors :
		    TS_IMPORT_SHOWN;
		for (i = 0; i < shown; i++)
			h->html(b, "<li><a href=\"#file\">Line %d: %s</a></li>\n",
			    im->errors[i].line, im->errors[i].message);
		if (im->nerrors > shown)
			h->html(b, "<li id=\"more-errors\">and %d more bad lines</li>\n",
			    im->nerrors - shown);
		h->html(b, "</ul></div></div></div>\n");
	}
	h->html(b, "<h1 class=\"govuk-heading-l\">Import hours</h1>\n");
	if (notice != NULL)
		h->html(b, "<div class=\"govuk-notification-banner govuk-"
		    "notification-banner--success\" role=\"alert\" id=\"notice\">"
		    "<div class=\"govuk-notification-banner__content\"><p class=\""
		    "govuk-notification-banner__heading\">%s</p></div></div>\n",
		    notice);
	h->html(b, "<p class=\"govuk-body\">A CSV file with the header line "
	    "<code>engagement,date,duration,activity,note,billable</code> and one "
	    "entry a line, such as <code>12,2026-11-02,1:30,advice,\"Call, then "
	    "letter\",yes</code>. Every line is checked; if any is wrong, nothing "
	    "is imported and each bad line is listed.</p>\n");
	h->form_begin(b, r, "/timesheet/import");
	h->html(b, "<div class=\"govuk-form-group%R\">\n<label class=\"govuk-"
	    "label\" for=\"file\">CSV file</label>\n<input class=\"govuk-file-"
	    "upload\" id=\"file\" name=\"file\" type=\"file\" accept=\".csv,"
	    "text/csv\">\n</div>\n<button type=\"submit\" class=\"govuk-button\" "
	    "formenctype=\"multipart/form-data\">Import</button>\n</form>\n",
	    im != NULL ? " govuk-form-group--error" : "");
	h->page_end(r, b, status);
}

static void
ts_import_get_cb(ep_req *r, void *arg)
{
	const char *done = ts_host->req_query(r, "imported");
	char notice[96];
	char *end = NULL;
	long n = done ? strtol(done, &end, 10) : -1;

	(void)arg;
	if (n >= 0 && *end == '\0')
		snprintf(notice, sizeof notice, "%ld entries were imported as "
		    "drafts", n);
	ts_import_page(r, 200, NULL, n >= 0 && *end == '\0' ? notice : NULL);
}

/* The upload: the file part of the form, through the same import. */
static void
ts_import_post_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = ts_host;
	struct ts_actor a;
	struct ts_import im;
	const char *body, *csv;
	size_t len = 0, csvlen = 0;
	char loc[64];

	(void)arg;
	ts_actor_of(r, &a);
	body = h->req_body(r, &len);
	if (ts_multipart_part(h->req_header(r, "Content-Type"), body, len,
	    "file", &csv, &csvlen) != 0 || csvlen == 0) {
		memset(&im, 0, sizeof im);
		snprintf(im.failure, sizeof im.failure, "Choose a CSV file to "
		    "import");
		ts_import_page(r, 400, &im, NULL);
		return;
	}
	if (ts_import_run(h->req_db(r), &a, csv, csvlen, &im) != 0) {
		ts_import_page(r, 400, &im, NULL);
		ts_import_free(&im);
		return;
	}
	snprintf(loc, sizeof loc, "/timesheet/import?imported=%d", im.lines);
	ts_import_free(&im);
	h->redirect(r, loc);
}

void
ts_import_routes(void)
{
	ts_host->route_add(ts_self, "GET", "/timesheet/import", EP_ROLE_EXPERT,
	    ts_import_get_cb, NULL);
	ts_host->route_add(ts_self, "POST", "/timesheet/import", EP_ROLE_EXPERT,
	    ts_import_post_cb, NULL);
}
