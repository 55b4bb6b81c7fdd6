/* units_test.c: the one grammar and the print forms of dates, hours and
 * money, at their edges. */
#include "server.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static void
test_dates(void **state)
{
	static const struct {
		const char *text;
		int ok;
	} cases[] = {
		{ "2026-10-31", 1 }, { "2024-02-29", 1 }, { "2000-02-29", 1 },
		{ "2026-02-29", 0 }, { "1900-02-29", 0 }, { "2100-02-29", 0 },
		{ "2026-02-28", 1 }, { "2026-04-31", 0 }, { "2026-13-01", 0 },
		{ "2026-00-10", 0 }, { "2026-01-00", 0 }, { "2026-1-01", 0 },
		{ "31/10/2026", 0 }, { "", 0 }, { " 2026-10-31", 0 },
		{ "2026-10-31 ", 0 }, { "2026-10-3a", 0 }, { "+026-10-31", 0 },
		{ "1899-12-31", 0 }, { "1900-01-01", 1 }, { "9999-12-31", 1 },
		{ "24:00", 0 }, { "2026-10-31T00:00", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < nitems(cases); i++) {
		if (units_date_ok(cases[i].text) != cases[i].ok)
			fail_msg("units_date_ok(\"%s\") is not %d", cases[i].text,
			    cases[i].ok);
	}
	assert_false(units_date_ok(NULL));
	assert_true(units_month_ok("2026-02"));
	assert_false(units_month_ok("2026-13"));
	assert_false(units_month_ok("2026-2"));
	assert_false(units_month_ok(NULL));
}

static void
test_date_words(void **state)
{
	char out[32];

	(void)state;
	units_date_words(out, sizeof out, "2026-11-02");
	assert_string_equal(out, "2 November 2026");
	units_date_words(out, sizeof out, "2028-02-29");
	assert_string_equal(out, "29 February 2028");
	units_date_words(out, sizeof out, "2027-02-29");
	assert_string_equal(out, "2027-02-29");
	units_date_words(out, sizeof out, NULL);
	assert_string_equal(out, "");
}

/* The London day of an instant on the days the clocks change: the day is
 * right either side of 01:00 UTC, and every one is a valid date. */
static void
test_london_changeover(void **state)
{
	static const struct {
		const char *utc_day;
		int h, m;
		const char *london;
	} cases[] = {
		/* 29 March 2026: clocks go forward at 01:00 UTC. */
		{ "2026-03-28", 23, 59, "2026-03-28" },
		{ "2026-03-29", 0, 59, "2026-03-29" },
		{ "2026-03-29", 23, 30, "2026-03-30" },
		/* 25 October 2026: back at 01:00 UTC. */
		{ "2026-10-24", 23, 30, "2026-10-25" },
		{ "2026-10-25", 0, 59, "2026-10-25" },
		{ "2026-10-25", 23, 30, "2026-10-25" },
		/* A leap day at the edge of summer time's absence. */
		{ "2028-02-29", 23, 59, "2028-02-29" },
	};
	char got[11];
	size_t i;

	(void)state;
	for (i = 0; i < nitems(cases); i++) {
		int64_t t = day_of(cases[i].utc_day) * 86400 + cases[i].h * 3600 +
		    cases[i].m * 60;

		day_format(london_day(t), got);
		assert_string_equal(got, cases[i].london);
		assert_true(units_date_ok(got));
	}
}

static void
test_hours_in(void **state)
{
	static const struct {
		const char *text;
		int64_t minutes; /* -1: refused */
	} cases[] = {
		/* What each of the old parsers took. */
		{ "2", 120 }, { "37.5", 2250 }, { "37:30", 2250 }, { "37.25", 2235 },
		{ "0.01", 1 }, { "0.05", 3 }, { "1.55", 93 }, { "90m", 90 },
		{ "1h30", 90 }, { "1h30m", 90 }, { "1h", 60 }, { "0:45", 45 },
		{ "24:00", 1440 }, { " 20 ", 1200 }, { "0", 0 }, { "0m", 0 },
		/* The people's print form reads back. */
		{ "1 h 30 m", 90 }, { "2 h", 120 }, { "1 h 05 m", 65 },
		{ "90 m", 90 }, { "1H30M", 90 },
		/* Refused. */
		{ "", -1 }, { " ", -1 }, { "abc", -1 }, { "-1", -1 },
		{ "-0:15", -1 }, { "37.", -1 }, { "37.125", -1 }, { "0.005", -1 },
		{ "37:5", -1 }, { "37:60", -1 }, { "24:60", -1 }, { "1e2", -1 },
		{ "1h60", -1 }, { "1h 30 m x", -1 }, { "1 30", -1 }, { "h", -1 },
		{ "m", -1 }, { "1.5h", -1 }, { "1:30m", -1 }, { ":30", -1 },
		{ "100001", -1 }, { "6000001m", -1 }, { "99999999999", -1 },
		{ "9223372036854775807", -1 }, { "100000:01", -1 },
		{ "100000", 6000000 }, { "6000000m", 6000000 },
	};
	size_t i;
	int64_t m;

	(void)state;
	for (i = 0; i < nitems(cases); i++) {
		int rc;

		m = -1;
		rc = units_hours_parse(cases[i].text, &m);
		if (cases[i].minutes < 0 ? rc == 0 :
		    rc != 0 || m != cases[i].minutes)
			fail_msg("units_hours_parse(\"%s\") = %d, %lld",
			    cases[i].text, rc, (long long)m);
	}
	assert_int_equal(units_hours_parse(NULL, &m), -1);
}

static void
test_hours_out(void **state)
{
	char text[48];
	int64_t m, back;

	(void)state;
	units_hours_text(text, sizeof text, 2240);
	assert_string_equal(text, "37 h 20 m");
	units_hours_text(text, sizeof text, 120);
	assert_string_equal(text, "2 h");
	units_hours_text(text, sizeof text, 0);
	assert_string_equal(text, "0 h");
	units_hours_text(text, sizeof text, -15);
	assert_string_equal(text, "minus 0 h 15 m");
	units_hours_text(text, sizeof text, INT64_MIN);
	assert_string_equal(text, "minus 153722867280912930 h 08 m");
	units_hours_clock(text, sizeof text, 2240);
	assert_string_equal(text, "37:20");
	units_hours_clock(text, sizeof text, -15);
	assert_string_equal(text, "-0:15");
	units_hours_clock(text, sizeof text, INT64_MIN);
	assert_string_equal(text, "-153722867280912930:08");
	/* Both forms read back as the minutes they print, for every minute
	 * of a long week. */
	for (m = 0; m <= 168 * 60; m++) {
		back = -1;
		units_hours_text(text, sizeof text, m);
		assert_int_equal(units_hours_parse(text, &back), 0);
		assert_int_equal(back, m);
		back = -1;
		units_hours_clock(text, sizeof text, m);
		assert_int_equal(units_hours_parse(text, &back), 0);
		assert_int_equal(back, m);
	}
}

static void
test_money_in(void **state)
{
	static const struct {
		const char *text;
		int ok;
		int64_t pence;
	} cases[] = {
		{ "15000", 1, 1500000 }, { "15000.00", 1, 1500000 },
		{ "1234.5", 1, 123450 }, { "1,234.5", 1, 123450 },
		{ "\xc2\xa3" "1,234.56", 1, 123456 }, { "0.07", 1, 7 },
		{ "\xc2\xa3" "20", 1, 2000 }, { " 20 ", 1, 2000 }, { ".5", 1, 50 },
		{ "0", 1, 0 }, { "1,000,000", 1, 100000000 },
		{ "100,000,000,000.00", 1, 10000000000000LL },
		{ "100000000000.01", 1, 10000000000001LL },
		/* Refused. */
		{ "", 0, 0 }, { " ", 0, 0 }, { "\xc2\xa3", 0, 0 },
		{ "\xc2\xa3 ", 0, 0 }, { ".", 0, 0 }, { "12.", 0, 0 },
		{ "12.345", 0, 0 }, { "0.005", 0, 0 }, { "-5", 0, 0 },
		{ "-\xc2\xa3" "5", 0, 0 }, { "1e3", 0, 0 }, { "abc", 0, 0 },
		{ "12,34", 0, 0 }, { "1,2345", 0, 0 }, { ",123", 0, 0 },
		{ "1234,567", 0, 0 }, { "1,,234", 0, 0 }, { "1,234,", 0, 0 },
		{ "1.2.3", 0, 0 }, { "\xc2" "20", 0, 0 }, { "20p", 0, 0 },
		{ "100000000001", 0, 0 }, { "869402510000", 0, 0 },
		{ "0000000000000000000000869402510000", 0, 0 },
		{ "92233720368547758.07", 0, 0 },
	};
	size_t i;
	int64_t p;

	(void)state;
	for (i = 0; i < nitems(cases); i++) {
		int rc;

		p = -1;
		rc = units_money_parse(cases[i].text, &p);
		if ((rc == 0) != cases[i].ok || (rc == 0 && p != cases[i].pence))
			fail_msg("units_money_parse(\"%s\") = %d, %lld",
			    cases[i].text, rc, (long long)p);
	}
	assert_int_equal(units_money_parse(NULL, &p), -1);
}

static void
test_money_out(void **state)
{
	char out[48];
	int64_t p, back;

	(void)state;
	units_money_text(out, sizeof out, 123456789);
	assert_string_equal(out, "\xc2\xa3" "1,234,567.89");
	units_money_text(out, sizeof out, 5);
	assert_string_equal(out, "\xc2\xa3" "0.05");
	units_money_text(out, sizeof out, 0);
	assert_string_equal(out, "\xc2\xa3" "0.00");
	units_money_text(out, sizeof out, -250);
	assert_string_equal(out, "-\xc2\xa3" "2.50");
	units_money_text(out, sizeof out, INT64_MAX);
	assert_string_equal(out, "\xc2\xa3" "92,233,720,368,547,758.07");
	units_money_text(out, sizeof out, INT64_MIN);
	assert_string_equal(out, "-\xc2\xa3" "92,233,720,368,547,758.08");
	units_money_plain(out, sizeof out, 123456789);
	assert_string_equal(out, "1234567.89");
	units_money_plain(out, sizeof out, -5);
	assert_string_equal(out, "-0.05");
	units_money_plain(out, sizeof out, INT64_MIN);
	assert_string_equal(out, "-92233720368547758.08");
	/* Both forms read back, across the groupings. */
	for (p = 0; p < 100000000000LL; p = p * 7 + 3) {
		back = -1;
		units_money_text(out, sizeof out, p);
		assert_int_equal(units_money_parse(out, &back), 0);
		assert_int_equal(back, p);
		back = -1;
		units_money_plain(out, sizeof out, p);
		assert_int_equal(units_money_parse(out, &back), 0);
		assert_int_equal(back, p);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_date_words),
		cmocka_unit_test(test_london_changeover),
		cmocka_unit_test(test_hours_in),
		cmocka_unit_test(test_hours_out),
		cmocka_unit_test(test_money_in),
		cmocka_unit_test(test_money_out),
	};

	return cmocka_run_group_tests_name("units", tests, NULL, NULL);
}
