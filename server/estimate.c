/* estimate.c: fee estimates before an expert is chosen, from the fee rules. */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

static const char *const estimate_grades[] = { "junior", "standard", "senior",
	"principal" };

/*
 * The agreement that prices a consumer's request on a date: its own
 * agreement in force (any provider: the expert is not chosen yet), else
 * the consortium-wide default. The calendar is the agreement's provider's
 * when it names one, else the consumer's own: most experts a council
 * hires work in its part of the UK.
 */
static int
estimate_agreement(struct ep_db *db, int64_t consumer_id, const char *date,
    int64_t *id, char *ruleset, size_t len, char *vat, char *consumer_code,
    size_t codelen, char *calendar, size_t calendarlen)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT a.id, a.ruleset, a.vat_category, "
	    "(SELECT code FROM organisations WHERE id = ?1), coalesce((SELECT "
	    "calendar FROM organisations WHERE id = a.provider_id), (SELECT "
	    "calendar FROM organisations WHERE id = ?1)) FROM agreements a "
	    "WHERE (a.consumer_id = ?1 OR a.consumer_id IS NULL) AND "
	    "a.valid_from <= ?2 AND (a.valid_to IS NULL OR a.valid_to >= ?2) "
	    "ORDER BY a.consumer_id IS NULL, a.valid_from DESC, a.id LIMIT 1");
	int rc = -1;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, consumer_id);
	sqlite3_bind_text(s, 2, date, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		snprintf(ruleset, len, "%s", sqlite3_column_text(s, 1));
		*vat = ((const char *)sqlite3_column_text(s, 2))[0];
		snprintf(consumer_code, codelen, "%s", sqlite3_column_text(s, 3));
		snprintf(calendar, calendarlen, "%s", sqlite3_column_text(s, 4));
		rc = 0;
	}
	sqlite3_reset(s);
	return rc;
}

/* Estimated hours are priced as days of work: an entry is at most a day. */
#define ESTIMATE_DAY_MINUTES 450	/* 7.5 hours */

/*
 * Prices the request's estimated minutes as advice at each grade, with the
 * consumer's rule set, as the entries an expert would log: whole working
 * days of 7.5 hours and what is left, all on the start date. Returns how
 * many grades it priced (0 when there is no agreement or no fee engine:
 * the form then says no estimate is known).
 */
size_t
estimate_by_grade(struct ep_db *db, int64_t consumer_id, const char *area,
    int64_t minutes, const char *date, struct grade_price *out, size_t max)
{
	struct fee_engine *fe = fee_server();
	struct fee_ruleset *rs;
	struct fee_lines lines = { 0 };
	struct fee_entry e;
	char ruleset[80], vat = 'S', consumer[16], calendar[24];
	const int64_t days = minutes / ESTIMATE_DAY_MINUTES;
	const int64_t rest = minutes % ESTIMATE_DAY_MINUTES;
	int64_t agreement, total;
	char *err = NULL;
	size_t i, n = 0;
	int k, ok;

	(void)area;
	if (fe == NULL || minutes <= 0 || !units_date_ok(date) ||
	    estimate_agreement(db, consumer_id, date, &agreement, ruleset,
	    sizeof ruleset, &vat, consumer, sizeof consumer, calendar,
	    sizeof calendar) != 0)
		return 0;
	if ((rs = fee_ruleset(fe, ruleset, &err)) == NULL) {
		log_warn("estimate: rule set %s: %s", ruleset, err ? err : "?");
		free(err);
		return 0;
	}
	for (i = 0; i < nitems(estimate_grades) && n < max; i++) {
		total = 0;
		ok = 1;
		/* k = 0: one whole day, counted days times; k = 1: the rest. */
		for (k = 0; k < 2 && ok; k++) {
			if ((k == 0 ? days : rest) == 0)
				continue;
			memset(&e, 0, sizeof e);
			e.minutes = k == 0 ? ESTIMATE_DAY_MINUTES : rest;
			e.date = date;
			e.activity = "advice";
			e.grade = estimate_grades[i];
			e.basis = "hourly";
			e.consumer = consumer;
			e.provider = "";
			e.agreement = agreement;
			e.vat = vat;
			e.calendar = calendar;
			if (fee_price(rs, &e, &lines, &err) != FEE_OK) {
				log_warn("estimate: %s", err ? err : "pricing failed");
				free(err);
				err = NULL;
				ok = 0;
				break;
			}
			total += lines.total * (k == 0 ? days : 1);
		}
		if (!ok)
			continue;
		snprintf(out[n].grade, sizeof out[n].grade, "%s", estimate_grades[i]);
		out[n].pence = total;
		snprintf(out[n].ruleset, sizeof out[n].ruleset, "%s",
		    fee_ruleset_hash(rs));
		n++;
	}
	fee_lines_free(&lines);
	return n;
}

/* The lowest and highest estimate across grades, and the rule set's hash. */
int
request_estimate(struct ep_db *db, int64_t consumer_id, const char *area,
    int64_t minutes, const char *date, int64_t *low, int64_t *high,
    char *ruleset, size_t len)
{
	struct grade_price p[8];
	size_t n = estimate_by_grade(db, consumer_id, area, minutes, date, p,
	    nitems(p)), i;

	*low = *high = 0;
	ruleset[0] = '\0';
	for (i = 0; i < n; i++) {
		if (*low == 0 || p[i].pence < *low)
			*low = p[i].pence;
		if (p[i].pence > *high)
			*high = p[i].pence;
		snprintf(ruleset, len, "%s", p[i].ruleset);
	}
	return n > 0 ? 0 : -1;
}
