/* calendar.c: dates as day numbers, weekdays and working-day counts. */
#include "server.h"

#include <stdlib.h>

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

/* "YYYY-MM-DD" (already checked with date_ok) as a day number. */
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
