/* units.c: dates, hours and money as people type them and as they read. */
#include "server.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/*
 * One grammar and one print form for each unit, used by the core and,
 * through the host table, by the plugins:
 *
 *   dates   in: YYYY-MM-DD naming a real day from 1900 to 9999;
 *           out: the same, or "2 November 2026" in a sentence.
 *   hours   in: "2", "1.5", "1.25", "1:30", "90m", "1h30", "1h30m",
 *           "1 h 30 m" (the people's form reads back), spaces around;
 *           out: "1 h 30 m" for people, "1:30" for machines (JSON).
 *   money   in: "1234.5", "1,234.56", "£1,234.56", spaces around;
 *           out: "£1,234.56" for people, "1234.56" for CSV and UBL.
 *
 * A form's field is filled with the machine form ("7:30", "2500.00"),
 * which is short, exact and reads back; everything else people read is
 * in the people's form.
 */

static const char *const units_months[] = { "January", "February", "March",
	"April", "May", "June", "July", "August", "September", "October",
	"November", "December" };

/* Reads exactly n digits at s into *v; 0, or -1 when one is not a digit. */
static int
units_fixed_digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* Days in month m of year y. */
static int
units_month_days(int y, int m)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);

	return m == 2 && leap ? 29 : mdays[m - 1];
}

/* YYYY-MM-DD naming a day that exists, from 1900 to 9999. */
int
units_date_ok(const char *s)
{
	int y, m, d;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	if (units_fixed_digits(s, 4, &y) != 0 ||
	    units_fixed_digits(s + 5, 2, &m) != 0 ||
	    units_fixed_digits(s + 8, 2, &d) != 0)
		return 0;
	if (y < 1900 || m < 1 || m > 12 || d < 1)
		return 0;
	return d <= units_month_days(y, m);
}

/* YYYY-MM, a month from 1900 to 9999. */
int
units_month_ok(const char *s)
{
	char day[11];

	if (s == NULL || strlen(s) != 7)
		return 0;
	snprintf(day, sizeof day, "%s-01", s);
	return units_date_ok(day);
}

/* A date as a sentence reads it: "2 November 2026"; anything that is not
 * a date is copied as it is. */
void
units_date_words(char *out, size_t len, const char *date)
{
	if (!units_date_ok(date)) {
		snprintf(out, len, "%s", date != NULL ? date : "");
		return;
	}
	snprintf(out, len, "%d %s %d", atoi(date + 8),
	    units_months[atoi(date + 5) - 1], atoi(date));
}

/* Skips spaces and tabs. */
static const char *
units_skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* Up to max digits at *p into *v, moving *p past them; how many, or -1
 * when there are more. */
static int
units_digits(const char **p, int max, int64_t *v)
{
	int n = 0;

	*v = 0;
	while (isdigit((unsigned char)**p)) {
		if (++n > max)
			return -1;
		*v = *v * 10 + (**p - '0');
		(*p)++;
	}
	return n;
}

/* After a number and a unit letter: the minutes of "1h30", "1 h 30 m". */
static int
units_hours_rest(const char *p, int64_t h, int64_t *minutes)
{
	int64_t m = 0;

	p = units_skip_space(p);
	if (*p != '\0') {
		if (units_digits(&p, 2, &m) <= 0 || m > 59)
			return -1;
		p = units_skip_space(p);
		if (*p == 'm' || *p == 'M')
			p++;
	}
	if (*units_skip_space(p) != '\0')
		return -1;
	*minutes = h * 60 + m;
	return 0;
}

/*
 * Hours as people type them (the grammar at the top of this file), as
 * whole minutes from 0 to UNITS_MAX_HOURS hours; decimals of an hour are
 * rounded to the nearest minute. 0, or -1 when s is not hours; callers
 * refuse zero, or more than their own limit, with their own words.
 */
int
units_hours_parse(const char *s, int64_t *minutes)
{
	const char *p;
	int64_t h, m = 0, frac;
	int n;

	if (s == NULL)
		return -1;
	p = units_skip_space(s);
	if ((n = units_digits(&p, 8, &h)) <= 0)
		return -1;
	switch (*p) {
	case ':':
		p++;
		if (units_digits(&p, 2, &m) != 2 || m > 59)
			return -1;
		break;
	case '.':
		p++;
		if ((n = units_digits(&p, 2, &frac)) <= 0)
			return -1;
		m = (frac * 60 + (n == 1 ? 5 : 50)) / (n == 1 ? 10 : 100);
		break;
	default:
		p = units_skip_space(p);
		if (*p == 'h' || *p == 'H') {
			if (units_hours_rest(p + 1, h, &m) != 0)
				return -1;
			p += strlen(p);
			h = 0;
		} else if (*p == 'm' || *p == 'M') {
			p++;
			m = h;
			h = 0;
		}
		break;
	}
	if (*units_skip_space(p) != '\0' || h > UNITS_MAX_HOURS ||
	    m > UNITS_MAX_HOURS * 60 - h * 60)
		return -1;
	*minutes = h * 60 + m;
	return 0;
}

/* Appends an unsigned number's digits, at least width of them (zeros
 * before), to buf at *n: the report pages write thousands of figures,
 * and printf's parsing of a format for each cost more than the figure. */
static void
units_decimal(char *buf, size_t *n, uint64_t v, size_t width)
{
	char tmp[24];
	size_t k = 0;

	do {
		tmp[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (k < width)
		tmp[k++] = '0';
	while (k > 0)
		buf[(*n)++] = tmp[--k];
}

/* Copies n bytes of text into out of len bytes, cut short (and always
 * terminated) as snprintf would. */
static void
units_put(char *out, size_t len, const char *text, size_t n)
{
	if (len == 0)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(out, text, n);
	out[n] = '\0';
}

/* Minutes as people read hours: "2 h", "1 h 05 m", "minus 0 h 15 m". */
void
units_hours_text(char *out, size_t len, int64_t minutes)
{
	uint64_t m = minutes < 0 ? -(uint64_t)minutes : (uint64_t)minutes;
	char buf[64];
	size_t n = 0;

	if (minutes < 0) {
		memcpy(buf, "minus ", 6);
		n = 6;
	}
	units_decimal(buf, &n, m / 60, 1);
	memcpy(buf + n, " h", 2);
	n += 2;
	if (m % 60 != 0) {
		buf[n++] = ' ';
		units_decimal(buf, &n, m % 60, 2);
		memcpy(buf + n, " m", 2);
		n += 2;
	}
	units_put(out, len, buf, n);
}

/* Minutes as machines read hours, exactly: "1:30", "-0:15". */
void
units_hours_clock(char *out, size_t len, int64_t minutes)
{
	uint64_t m = minutes < 0 ? -(uint64_t)minutes : (uint64_t)minutes;

	snprintf(out, len, "%s%llu:%02llu", minutes < 0 ? "-" : "",
	    (unsigned long long)(m / 60), (unsigned long long)(m % 60));
}

/* The whole pounds of a money amount: digits, grouped by commas in
 * threes or not at all; -1 when not, or when past UNITS_MAX_POUNDS. */
static int
units_pounds(const char **p, int64_t *pounds)
{
	const char *s = *p;
	int group = 0, grouped = 0;

	*pounds = 0;
	for (; isdigit((unsigned char)*s) || *s == ','; s++) {
		if (*s == ',') {
			if (group == 0 || group > 3 || (grouped && group != 3))
				return -1;
			grouped = 1;
			group = 0;
			continue;
		}
		if (*pounds > UNITS_MAX_POUNDS / 10)
			return -1;
		*pounds = *pounds * 10 + (*s - '0');
		group++;
	}
	if (grouped && group != 3)
		return -1;
	if (*pounds > UNITS_MAX_POUNDS)
		return -1;
	*p = s;
	return 0;
}

/*
 * Money as people type it (the grammar at the top of this file) as
 * pence, never negative, at most UNITS_MAX_POUNDS pounds; more than two
 * decimals ("0.005") is refused, not rounded. 0, or -1.
 */
int
units_money_parse(const char *s, int64_t *pence)
{
	const char *p, *start;
	int64_t pounds, frac = 0;
	int n = 0;

	if (s == NULL)
		return -1;
	p = units_skip_space(s);
	if (strncmp(p, "\xc2\xa3", 2) == 0)
		p += 2;
	start = p;
	if (units_pounds(&p, &pounds) != 0)
		return -1;
	if (*p == '.') {
		p++;
		if ((n = units_digits(&p, 2, &frac)) <= 0)
			return -1;
		if (n == 1)
			frac *= 10;
	}
	if (p == start || *units_skip_space(p) != '\0')
		return -1;
	*pence = pounds * 100 + frac;
	return 0;
}

/* The pounds and pence of an amount, safe for INT64_MIN. */
static void
units_money_split(int64_t pence, uint64_t *pounds, unsigned *p)
{
	uint64_t v = pence < 0 ? -(uint64_t)pence : (uint64_t)pence;

	*pounds = v / 100;
	*p = (unsigned)(v % 100);
}

/* Money as people read it on pages: "£1,234.56", "-£0.50". */
void
units_money_text(char *out, size_t len, int64_t pence)
{
	char digits[24], buf[64];
	uint64_t pounds;
	unsigned p;
	size_t n = 0, i, j = 0;

	units_money_split(pence, &pounds, &p);
	units_decimal(digits, &n, pounds, 1);
	if (pence < 0)
		buf[j++] = '-';
	memcpy(buf + j, "\xc2\xa3", 2);
	j += 2;
	for (i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[j++] = ',';
		buf[j++] = digits[i];
	}
	buf[j++] = '.';
	units_decimal(buf, &j, p, 2);
	units_put(out, len, buf, j);
}

/* Money as CSV, UBL and the command line's figures read it: "1234.56",
 * "-0.50". */
void
units_money_plain(char *out, size_t len, int64_t pence)
{
	uint64_t pounds;
	unsigned p;

	units_money_split(pence, &pounds, &p);
	snprintf(out, len, "%s%llu.%02u", pence < 0 ? "-" : "",
	    (unsigned long long)pounds, p);
}
