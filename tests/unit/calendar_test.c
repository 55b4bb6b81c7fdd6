/* calendar_test.c: the London day of an instant, at the clocks' changes,
 * at midnight and the year's end, and against the time zone database. */
#include "server.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <sqlite3.h>

/* The UTC instant of a date and a time of day. */
static int64_t
at(const char *date, int h, int m, int s)
{
	return day_of(date) * 86400 + h * 3600 + m * 60 + s;
}

static void
assert_london(int64_t t, const char *want, int offset)
{
	char got[11];

	day_format(london_day(t), got);
	assert_string_equal(got, want);
	assert_int_equal(london_offset(t), offset);
}

/* Summer time starts at 01:00 UTC on the last Sunday of March. */
static void
test_clocks_go_forward(void **state)
{
	(void)state;
	assert_london(at("2027-03-28", 0, 59, 59), "2027-03-28", 0);
	assert_london(at("2027-03-28", 1, 0, 0), "2027-03-28", 3600);
	assert_london(at("2027-03-28", 1, 0, 1), "2027-03-28", 3600);
	/* 2026's last Sunday of March is the 29th, 2028's the 26th. */
	assert_london(at("2026-03-29", 0, 30, 0), "2026-03-29", 0);
	assert_london(at("2026-03-29", 1, 30, 0), "2026-03-29", 3600);
	assert_london(at("2028-03-26", 1, 0, 0), "2028-03-26", 3600);
	assert_london(at("2028-03-19", 1, 0, 0), "2028-03-19", 0);
}

/* It ends at 01:00 UTC on the last Sunday of October. */
static void
test_clocks_go_back(void **state)
{
	(void)state;
	assert_london(at("2027-10-31", 0, 59, 59), "2027-10-31", 3600);
	assert_london(at("2027-10-31", 1, 0, 0), "2027-10-31", 0);
	assert_london(at("2026-10-25", 0, 30, 0), "2026-10-25", 3600);
	assert_london(at("2026-10-25", 1, 30, 0), "2026-10-25", 0);
}

/* In summer a London day begins at 23:00 UTC the day before. */
static void
test_midnight(void **state)
{
	(void)state;
	assert_london(at("2027-03-31", 22, 59, 59), "2027-03-31", 3600);
	assert_london(at("2027-03-31", 23, 0, 0), "2027-04-01", 3600);
	assert_london(at("2027-03-31", 23, 30, 0), "2027-04-01", 3600);
	assert_london(at("2027-06-30", 23, 30, 0), "2027-07-01", 3600);
	/* In winter London is UTC: the year ends with UTC's. */
	assert_london(at("2026-12-31", 23, 59, 59), "2026-12-31", 0);
	assert_london(at("2027-01-01", 0, 0, 30), "2027-01-01", 0);
	assert_london(at("2028-02-29", 23, 30, 0), "2028-02-29", 0);
	assert_london(at("2031-01-06", 9, 0, 0), "2031-01-06", 0);
	assert_london(0, "1970-01-01", 0);
}

/* Every hour and half hour of 2020 to 2040 agrees with Europe/London in
 * the system's time zone database (tzdata), where it has one. */
static void
test_against_tzdata(void **state)
{
	int64_t t, from = at("2020-01-01", 0, 0, 0), to = at("2041-01-01", 0,
	    0, 0);
	struct tm tm;
	char want[11], got[11];
	time_t tt;

	(void)state;
	if (setenv("TZ", "Europe/London", 1) != 0)
		fail();
	tzset();
	tt = (time_t)at("2027-07-01", 12, 0, 0);
	localtime_r(&tt, &tm);
	if (tm.tm_gmtoff != 3600)
		skip();		/* no tzdata: the cases above still hold */
	for (t = from; t < to; t += 1800) {
		tt = (time_t)t;
		localtime_r(&tt, &tm);
		strftime(want, sizeof want, "%Y-%m-%d", &tm);
		day_format(london_day(t), got);
		if (strcmp(want, got) != 0 || tm.tm_gmtoff != london_offset(t))
			fail_msg("at %lld: tzdata says %s (%+ld), we say %s (%+d)",
			    (long long)t, want, tm.tm_gmtoff, got, london_offset(t));
	}
	unsetenv("TZ");
	tzset();
}

/* The store's london_date(), which SQL asks a completion's day with. */
static void
test_sql_london_date(void **state)
{
	static const char *const cases[][2] = {
		{ "2027-07-01T23:30:00Z", "2027-07-02" },
		{ "2027-07-01T22:59:59Z", "2027-07-01" },
		{ "2027-12-31T23:30:00Z", "2027-12-31" },
		{ "2027-03-31T23:00:00.250Z", "2027-04-01" },
	};
	struct ep_db *db;
	sqlite3_stmt *s;
	char *err = NULL;
	size_t i;

	(void)state;
	db = db_open(":memory:", 1000, &err);
	assert_non_null(db);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		s = db_stmt(db, "SELECT london_date(?)");
		sqlite3_bind_text(s, 1, cases[i][0], -1, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		assert_string_equal((const char *)sqlite3_column_text(s, 0),
		    cases[i][1]);
		sqlite3_reset(s);
	}
	s = db_stmt(db, "SELECT london_date('not a time') IS NULL, "
	    "london_date(NULL) IS NULL");
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 1);
	assert_int_equal(sqlite3_column_int(s, 1), 1);
	sqlite3_reset(s);
	db_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clocks_go_forward),
		cmocka_unit_test(test_clocks_go_back),
		cmocka_unit_test(test_midnight),
		cmocka_unit_test(test_against_tzdata),
		cmocka_unit_test(test_sql_london_date),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
