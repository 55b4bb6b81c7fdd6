/* invoice-run-baseline.c: the floor for bench/invoice-run: one pass over
 * the month's approved entries in C, summing minutes x the grade's rate. */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

int
main(int argc, char **argv)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	long long pence = 0, n = 0;

	if (argc != 2 || sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY,
	    NULL) != SQLITE_OK)
		return 2;
	if (sqlite3_prepare_v2(db, "SELECT t.minutes, x.grade FROM engagements "
	    "e JOIN experts x ON x.id = e.expert_id JOIN time_entries t ON "
	    "t.engagement_id = e.id WHERE t.state = 'approved' AND "
	    "t.entry_date < '2026-11-01'", -1, &s, NULL) != SQLITE_OK)
		return 2;
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *g = (const char *)sqlite3_column_text(s, 1);
		long long rate = strcmp(g, "senior") == 0 ? 11000 :
		    strcmp(g, "junior") == 0 ? 6000 : 8500;

		pence += sqlite3_column_int64(s, 0) * rate / 60;
		n++;
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	printf("%lld entries, %lld pence\n", n, pence);
	return 0;
}
