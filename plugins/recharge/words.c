/* words.c: an invoice line's quantity and price as people read them. */
#include "recharge.h"

#include <string.h>

/* A count of tenths ("15" tenths is "1.5"), with no ".0" on a whole one. */
static void
rch_tenths(char *out, size_t len, int64_t tenths)
{
	int64_t a = tenths < 0 ? -tenths : tenths;

	if (a % 10 == 0)
		snprintf(out, len, "%s%lld", tenths < 0 ? "-" : "",
		    (long long)(a / 10));
	else
		snprintf(out, len, "%s%lld.%lld", tenths < 0 ? "-" : "",
		    (long long)(a / 10), (long long)(a % 10));
}

/*
 * A line's quantity and price in words: six-minute units as hours at an
 * hourly rate ("1.5 hours at £110.00 an hour"), half days as they are
 * ("3 half days at £400.00 a half day"), anything else as a count ("1 at
 * £500.00 each"). The amount stays quantity x unit price; only the way it
 * is said changes.
 */
void
rch_line_words(char *out, size_t len, int64_t quantity, const char *unit,
    int64_t unit_price)
{
	char n[32], price[40];

	if (strcmp(unit, "6 min") == 0) {
		rch_tenths(n, sizeof n, quantity);
		rch_host->pence_text(price, sizeof price, unit_price * 10);
		snprintf(out, len, "%s %s at %s an hour", n, quantity == 10 ||
		    quantity == -10 ? "hour" : "hours", price);
	} else if (strcmp(unit, "half day") == 0) {
		rch_host->pence_text(price, sizeof price, unit_price);
		snprintf(out, len, "%lld %s at %s a half day", (long long)quantity,
		    quantity == 1 || quantity == -1 ? "half day" : "half days",
		    price);
	} else {
		rch_host->pence_text(price, sizeof price, unit_price);
		snprintf(out, len, "%lld at %s each", (long long)quantity, price);
	}
}

/* The quantity alone, in the unit people count ("1.5 hours"), for a
 * column of its own. */
void
rch_line_quantity(char *out, size_t len, int64_t quantity, const char *unit)
{
	char n[32];

	if (strcmp(unit, "6 min") == 0) {
		rch_tenths(n, sizeof n, quantity);
		snprintf(out, len, "%s %s", n, quantity == 10 || quantity == -10 ?
		    "hour" : "hours");
	} else if (strcmp(unit, "half day") == 0)
		snprintf(out, len, "%lld %s", (long long)quantity, quantity == 1 ||
		    quantity == -1 ? "half day" : "half days");
	else
		snprintf(out, len, "%lld", (long long)quantity);
}

/* The price per the unit people count ("£110.00 an hour"). */
void
rch_line_rate(char *out, size_t len, const char *unit, int64_t unit_price)
{
	char price[40];

	if (strcmp(unit, "6 min") == 0) {
		rch_host->pence_text(price, sizeof price, unit_price * 10);
		snprintf(out, len, "%s an hour", price);
	} else if (strcmp(unit, "half day") == 0) {
		rch_host->pence_text(price, sizeof price, unit_price);
		snprintf(out, len, "%s a half day", price);
	} else {
		rch_host->pence_text(price, sizeof price, unit_price);
		snprintf(out, len, "%s each", price);
	}
}
