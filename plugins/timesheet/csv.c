/*
 * csv.c: an RFC 4180 reader over a buffer, for the timesheet import:
 * fields separated by commas, records by CRLF or LF, fields in double
 * quotes may hold commas, newlines and doubled quotes. One record at a
 * time into a fixed buffer, so a file of any length needs no more memory
 * than its longest line allows.
 */
#include "timesheet.h"

#include <stdio.h>
#include <string.h>

/* Starts reading text (len bytes), past a byte order mark. */
void
ts_csv_init(struct ts_csv *c, const char *text, size_t len)
{
	memset(c, 0, sizeof *c);
	c->p = text;
	c->end = text + len;
	c->line = 1;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		c->p += 3; /* a spreadsheet's byte order mark */
}

/* Keeps the record's first problem. */
static void
ts_csv_bad(struct ts_csv *c, const char *msg)
{
	if (c->err[0] == '\0')
		snprintf(c->err, sizeof c->err, "%s", msg);
}

/* The next record: 1, 0 at the end, -1 for a malformed one (c->err). */
int
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

