/*
 * csv_fuzz.c: the timesheet import's CSV reader (RFC 4180, one record at
 * a time into a fixed buffer: plugins/timesheet/csv.c) with any bytes.
 * Invariants: a record has 1 to 7 fields (the seventh only to say there
 * are too many), every field lies inside the record buffer, record lines
 * never go backwards, and the reader always reaches the end.
 */
#include "../../plugins/timesheet/timesheet.h"

#include <string.h>

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ts_csv c;
	int rc, i, last = 0;
	size_t records = 0;

	ts_csv_init(&c, (const char *)data, size);
	while ((rc = ts_csv_next(&c)) != 0) {
		FUZZ_ASSERT(rc == 1 || (rc == -1 && c.err[0] != '\0'));
		FUZZ_ASSERT(c.nfield >= 1 && c.nfield <= TS_CSV_COLUMNS + 1);
		FUZZ_ASSERT(c.record_line >= last && c.line > c.record_line - 1);
		for (i = 0; i < c.nfield; i++)
			FUZZ_ASSERT(c.field[i] >= c.buf &&
			    c.field[i] + strlen(c.field[i]) < c.buf + sizeof c.buf);
		last = c.record_line;
		/* Each record consumes at least one byte. */
		FUZZ_ASSERT(++records <= size);
	}
	return 0;
}
