/* baseline.c: what a skill area cost an organisation outside the pool. */
#include "server.h"

#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

/* One rate: whole pence from the CLI, pounds and pence from a form. */
static int
baseline_rate(const char *s, int pounds, int64_t *out)
{
	if (s == NULL || *s == '\0')
		return -1;
	if (pounds)
		return units_money_parse(s, out) != 0 || *out < 0 ? -1 : 0;
	return parse_int64(s, 0, INT64_C(100000000), out);
}

/*
 * Records (or replaces) an organisation's baseline for a skill area from
 * a date: in-house cost per hour (salary and overheads) and the market
 * rate per hour, in pence. Every field is checked first; audited.
 */
int
baseline_set(struct ep_db *db, const struct audit_actor *actor,
    const struct baseline_input *in, struct form_errors *e)
{
	int64_t org = 0, inhouse = 0, market = 0;
	sqlite3_stmt *s;
	char summary[160];
	int rc = -1;

	if (in->org_code == NULL || *in->org_code == '\0' ||
	    (org = org_id_by_code(db, in->org_code)) <= 0)
		errs_add(e, "org", "There is no organisation with code %s",
		    in->org_code ? in->org_code : "");
	if (!expert_area_ok(in->area))
		errs_add(e, "area", "Choose a skill area: legal, it, procurement, "
		    "hr, finance or planning");
	if (baseline_rate(in->inhouse, in->pounds, &inhouse) != 0)
		errs_add(e, "inhouse", in->pounds ? "Enter the in-house cost per "
		    "hour in pounds, such as 52.40" : "Enter the in-house cost per "
		    "hour in whole pence, such as 5240");
	if (baseline_rate(in->market, in->pounds, &market) != 0)
		errs_add(e, "market", in->pounds ? "Enter the market rate per "
		    "hour in pounds, such as 95.00" : "Enter the market rate per "
		    "hour in whole pence, such as 9500");
	if (!units_date_ok(in->from))
		errs_add(e, "from", "Enter the date the baseline applies from as "
		    "YYYY-MM-DD");
	if (e->n > 0)
		return -1;
	if (db_begin(db) != 0)
		goto store;
	s = db_stmt(db, "INSERT INTO baselines (org_id, area, valid_from, "
	    "inhouse_pence, market_pence) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO "
	    "UPDATE SET inhouse_pence = excluded.inhouse_pence, market_pence = "
	    "excluded.market_pence, set_at = strftime('%Y-%m-%dT%H:%M:%SZ', "
	    "'now')");
	if (s == NULL)
		goto rollback;
	sqlite3_bind_int64(s, 1, org);
	sqlite3_bind_text(s, 2, in->area, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, in->from, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, inhouse);
	sqlite3_bind_int64(s, 5, market);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(s);
	if (rc != 0)
		goto rollback;
	snprintf(summary, sizeof summary, "%s from %s: in-house %lld, market "
	    "%lld pence an hour", in->area, in->from, (long long)inhouse,
	    (long long)market);
	if (audit_record(db, actor, "baseline.set", "organisation",
	    in->org_code, org, summary) != 0 || db_commit(db) != 0)
		goto rollback;
	return 0;
rollback:
	db_rollback(db);
store:
	errs_add(e, "org", "The baseline could not be saved: %s",
	    db_errmsg(db));
	return -1;
}
