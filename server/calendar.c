/* calendar.c: dates as day numbers, weekdays, working-day counts, and the
 * London day that is a council's. */
#include "server.h"

#include <stdlib.h>
#include <time.h>

/* Days since 1970-01-01 for a proleptic Gregorian date (civil calendar). */
int64_t
day_number(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* "YYYY-MM-DD" (already checked with units_date_ok) as a day number. */
int64_t
day_of(const char *date)
{
	return day_number(atoi(date), atoi(date + 5), atoi(date + 8));
}

/* 0 = Monday ... 6 = Sunday. */
int
weekday_of(int64_t day)
{
	int64_t w = (day + 3) % 7; /* 1970-01-01 was a Thursday */

	return (int)(w < 0 ? w + 7 : w);
}

/* Monday-to-Friday days before day n, counted from a Monday long ago
 * (day -3, 1969-12-29, was a Monday). */
static int64_t
workdays_before(int64_t n)
{
	int64_t k = n + 3 + 7 * 1000000;
	int64_t r = k % 7;

	return k / 7 * 5 + (r < 5 ? r : 5);
}

/* Monday-to-Friday days in [from, to], inclusive; 0 when to < from. */
int64_t
working_days(int64_t from, int64_t to)
{
	if (to < from)
		return 0;
	return workdays_before(to + 1) - workdays_before(from);
}

void
day_format(int64_t day, char out[11])
{
	int64_t z = day + 719468, era, doe, yoe, y, doy, mp, d, m;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp + (mp < 10 ? 3 : -9);
	y += m <= 2;
	snprintf(out, 11, "%04d-%02d-%02d", (int)y, (int)m, (int)d);
}

/*
 * A council's day is the day in London. United Kingdom summer time runs
 * from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last
 * Sunday of October (Summer Time Order 2002), one hour ahead of UTC;
 * computed by that rule, so it needs no time zone database and touches no
 * process-wide state (localtime_r would read TZ).
 */
static int64_t
london_last_sunday(int y, int m, int last)
{
	int64_t day = day_number(y, m, last);

	return day - (weekday_of(day) + 1) % 7;
}

/* London's offset from UTC, in seconds, at instant t. */
int
london_offset(int64_t t)
{
	int64_t day = t >= 0 ? t / 86400 : (t - 86399) / 86400, start, end;
	char date[11];
	int y;

	day_format(day, date);
	y = atoi(date);
	start = london_last_sunday(y, 3, 31) * 86400 + 3600;
	end = london_last_sunday(y, 10, 31) * 86400 + 3600;
	return t >= start && t < end ? 3600 : 0;
}

/* The London day (days since 1970-01-01) of instant t. */
int64_t
london_day(int64_t t)
{
	int64_t l = t + london_offset(t);

	return l >= 0 ? l / 86400 : (l - 86399) / 86400;
}

/* Today in London, as YYYY-MM-DD. */
void
london_today(char out[11])
{
	day_format(london_day((int64_t)time(NULL)), out);
}
