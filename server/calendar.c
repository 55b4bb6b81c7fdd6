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

/* Monday-to-Friday days in [from, to], inclusive; 0 when to < from. */
int64_t
working_days(int64_t from, int64_t to)
{
	int64_t n, weeks, rest, i, count;

	if (to < from)
		return 0;
	n = to - from + 1;
	weeks = n / 7;
	rest = n % 7;
	count = weeks * 5;
	for (i = 0; i < rest; i++) {
		if (weekday_of(from + weeks * 7 + i) < 5)
			count++;
	}
	return count;
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
 * An expert's free minutes over [from, to]: weekly capacity spread over
 * five working days, less working days on leave, less each engagement's
 * committed minutes spread evenly over its own working days (the share
 * inside the window, rounded down). Never below zero.
 */
int64_t
capacity_free(int64_t weekly_minutes, int64_t from, int64_t to,
    int64_t leave_days, const struct capacity_commit *commits, size_t ncommits)
{
	int64_t days = working_days(from, to);
	int64_t free_min = weekly_minutes * (days - leave_days) / 5;
	size_t i;

	for (i = 0; i < ncommits; i++) {
		int64_t s = commits[i].starts > from ? commits[i].starts : from;
		int64_t e = commits[i].ends < to ? commits[i].ends : to;
		int64_t all = working_days(commits[i].starts, commits[i].ends);

		if (all > 0 && e >= s)
			free_min -= commits[i].minutes * working_days(s, e) / all;
	}
	return free_min > 0 ? free_min : 0;
}

/* Working days of a leave period that fall inside [from, to]. */
int64_t
leave_days_within(int64_t starts, int64_t ends, int64_t from, int64_t to)
{
	return working_days(starts > from ? starts : from, ends < to ? ends : to);
}
