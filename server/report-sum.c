/* report-sum.c: the summary tables the reports read, and the core's triggers. */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

/*
 * The summaries move in the same transaction as the rows they sum, by
 * SQLite triggers on the tables summed. Each table's owner makes them:
 * the core those on requests, here, by report_sum_install() after every
 * migration run; the timesheet plugin those on time_entries and the
 * recharge plugin those on recharge_invoices, in their own migrations.
 * To rebuild a summary the core reads a plugin's rows only through the
 * views the plugin provides (include/expertpool/plugin.h): with the
 * plugin absent there is nothing to sum. Trigger names carry a version:
 * a change to their text gets a new name, and the old ones are dropped.
 *
 * Templates write the row as ROW. (NEW. or OLD.) and the direction as
 * SIGN (1 adds a row's contribution, -1 takes it away).
 */

/*
 * The periods a date (text starting YYYY-MM) falls in, as the labels
 * report_period_parse() takes: its month, its quarter of the financial
 * year (from April) and that financial year. A subquery of one column,
 * period.
 */
#define SUM_FY(d) "(CAST(substr(" d ", 1, 4) AS INTEGER) - " \
	"(substr(" d ", 6, 2) < '04'))"
#define SUM_QUARTER(d) "printf('%04d-Q%d', " SUM_FY(d) ", " \
	"(CAST(substr(" d ", 6, 2) AS INTEGER) + 8) % 12 / 3 + 1)"
#define SUM_YEAR(d) "printf('%04d/%02d', " SUM_FY(d) ", (" SUM_FY(d) \
	" + 1) % 100)"
#define SUM_PERIODS(d) "(SELECT substr(" d ", 1, 7) AS period UNION ALL " \
	"SELECT " SUM_QUARTER(d) " UNION ALL SELECT " SUM_YEAR(d) ")"

static const char sum_hours_rebuild[] =
    "DELETE FROM report_hours;"
    "INSERT INTO report_hours (consumer_id, month, provider_id, area, grade, "
    "entries, minutes, billable_minutes, pence) SELECT e.consumer_id, "
    "substr(t.entry_date, 1, 7), e.provider_id, r.area, x.grade, count(*), "
    "sum(t.minutes), sum(t.minutes * t.billable), sum(t.priced_pence) FROM "
    "timesheet_counted_entries t JOIN engagements e ON e.id = "
    "t.engagement_id JOIN requests r ON r.id = e.request_id JOIN experts x "
    "ON x.id = e.expert_id GROUP BY 1, 2, 3, 4, 5;"
    "DELETE FROM report_consumer;"
    "INSERT INTO report_consumer (month, consumer_id, area, entries, "
    "minutes, pence) SELECT substr(t.entry_date, 1, 7), e.consumer_id, "
    "r.area, count(*), sum(t.minutes), sum(t.priced_pence) FROM "
    "timesheet_counted_entries t JOIN engagements e ON e.id = "
    "t.engagement_id JOIN requests r ON r.id = e.request_id "
    "GROUP BY 1, 2, 3;"
    "DELETE FROM report_load;"
    "INSERT INTO report_load (expert_id, week, entries, minutes) SELECT "
    "e.expert_id, date(t.entry_date, 'weekday 0', '-6 days'), count(*), "
    "sum(t.minutes) FROM timesheet_counted_entries t JOIN engagements e ON "
    "e.id = t.engagement_id GROUP BY 1, 2;"
    "DELETE FROM report_period_hours;"
    "INSERT INTO report_period_hours (period, consumer_id, area, entries, "
    "minutes, pence) SELECT month, consumer_id, area, entries, minutes, "
    "pence FROM report_consumer UNION ALL SELECT " SUM_QUARTER("month")
    ", consumer_id, area, sum(entries), sum(minutes), sum(pence) FROM "
    "report_consumer GROUP BY 1, 2, 3 UNION ALL SELECT " SUM_YEAR("month")
    ", consumer_id, area, sum(entries), sum(minutes), sum(pence) FROM "
    "report_consumer GROUP BY 1, 2, 3;";

/* Minutes from a request's submission to one of its later timestamps. */
#define SUM_SINCE(col) "(CAST(strftime('%s', ROW." col ") AS INTEGER) - " \
	"CAST(strftime('%s', ROW.submitted_at) AS INTEGER)) / 60"
static const char sum_flow_add[] =
    "INSERT INTO report_flow (consumer_id, month, area, requests, offered, "
    "engaged, offer_minutes, engage_minutes, within_target) SELECT "
    "ROW.consumer_id, substr(ROW.submitted_at, 1, 7), ROW.area, SIGN, "
    "SIGN * (ROW.first_offer_at IS NOT NULL), "
    "SIGN * (ROW.engaged_at IS NOT NULL), "
    "SIGN * coalesce(" SUM_SINCE("first_offer_at") ", 0), "
    "SIGN * coalesce(" SUM_SINCE("engaged_at") ", 0), "
    "SIGN * coalesce(" SUM_SINCE("first_offer_at") " <= s.target_minutes, 0) "
    "FROM report_settings s WHERE s.id = 1 ON CONFLICT DO UPDATE SET "
    "requests = requests + excluded.requests, offered = offered + "
    "excluded.offered, engaged = engaged + excluded.engaged, offer_minutes = "
    "offer_minutes + excluded.offer_minutes, engage_minutes = engage_minutes "
    "+ excluded.engage_minutes, within_target = within_target + "
    "excluded.within_target;\n"
    "INSERT INTO report_period_flow (period, consumer_id, requests, "
    "offered, engaged, offer_minutes, engage_minutes, within_target) "
    "SELECT p.period, ROW.consumer_id, SIGN, "
    "SIGN * (ROW.first_offer_at IS NOT NULL), "
    "SIGN * (ROW.engaged_at IS NOT NULL), "
    "SIGN * coalesce(" SUM_SINCE("first_offer_at") ", 0), "
    "SIGN * coalesce(" SUM_SINCE("engaged_at") ", 0), "
    "SIGN * coalesce(" SUM_SINCE("first_offer_at") " <= s.target_minutes, 0) "
    "FROM report_settings s, " SUM_PERIODS("ROW.submitted_at") " p WHERE "
    "s.id = 1 ON CONFLICT DO UPDATE SET requests = requests + "
    "excluded.requests, offered = offered + excluded.offered, engaged = "
    "engaged + excluded.engaged, offer_minutes = offer_minutes + "
    "excluded.offer_minutes, engage_minutes = engage_minutes + "
    "excluded.engage_minutes, within_target = within_target + "
    "excluded.within_target;\n";
static const char sum_flow_tidy[] =
    "DELETE FROM report_flow WHERE requests = 0 AND consumer_id = "
    "ROW.consumer_id AND month = substr(ROW.submitted_at, 1, 7);\n"
    "DELETE FROM report_period_flow WHERE requests = 0 AND consumer_id = "
    "ROW.consumer_id AND period IN " SUM_PERIODS("ROW.submitted_at") ";\n";
#define SUM_FLOW_CHANGED "(OLD.submitted_at IS NOT NEW.submitted_at OR " \
	"OLD.first_offer_at IS NOT NEW.first_offer_at OR " \
	"OLD.engaged_at IS NOT NEW.engaged_at OR OLD.area != NEW.area OR " \
	"OLD.consumer_id != NEW.consumer_id)"
#define SUM_SINCE_R(col) "(CAST(strftime('%s', r." col ") AS INTEGER) - " \
	"CAST(strftime('%s', r.submitted_at) AS INTEGER)) / 60"
/* report_flow summed by a period of its months, for the rebuild. */
#define SUM_PERIOD_FLOW(key) "SELECT " key ", consumer_id, sum(requests), " \
	"sum(offered), sum(engaged), sum(offer_minutes), sum(engage_minutes), " \
	"sum(within_target) FROM report_flow GROUP BY 1, 2"
static const char sum_flow_rebuild[] =
    "DELETE FROM report_flow;"
    "INSERT INTO report_flow (consumer_id, month, area, requests, offered, "
    "engaged, offer_minutes, engage_minutes, within_target) SELECT "
    "r.consumer_id, substr(r.submitted_at, 1, 7), r.area, count(*), "
    "count(r.first_offer_at), count(r.engaged_at), "
    "coalesce(sum(" SUM_SINCE_R("first_offer_at") "), 0), "
    "coalesce(sum(" SUM_SINCE_R("engaged_at") "), 0), "
    "count(CASE WHEN " SUM_SINCE_R("first_offer_at") " <= "
    "(SELECT target_minutes FROM report_settings WHERE id = 1) THEN 1 END) "
    "FROM requests r WHERE r.submitted_at IS NOT NULL GROUP BY 1, 2, 3;"
    "DELETE FROM report_period_flow;"
    "INSERT INTO report_period_flow (period, consumer_id, requests, offered, "
    "engaged, offer_minutes, engage_minutes, within_target) "
    SUM_PERIOD_FLOW("month") " UNION ALL " SUM_PERIOD_FLOW(SUM_QUARTER("month"))
    " UNION ALL " SUM_PERIOD_FLOW(SUM_YEAR("month")) ";";

/*
 * Each organisation's benchmark figures for a period in one row
 * (migration 0023), summed from the two period summaries above; their
 * triggers keep it after that.
 */
#define SUM_ORG_AREA(a, c) "iif(area = '" a "', minutes, 0) AS " c "m, " \
	"iif(area = '" a "', pence, 0) AS " c "p, "
static const char sum_period_orgs_rebuild[] =
    "DELETE FROM report_period_orgs;"
    "INSERT INTO report_period_orgs SELECT period, consumer_id, sum(h), "
    "sum(m), sum(p), sum(lm), sum(lp), sum(im), sum(ip), sum(pm), sum(pp), "
    "sum(hm), sum(hp), sum(fm), sum(fp), sum(nm), sum(np), sum(f), sum(rq), "
    "sum(ofr), sum(om), sum(en), sum(em), sum(wt) FROM (SELECT period, "
    "consumer_id, 1 AS h, minutes AS m, pence AS p, "
    SUM_ORG_AREA("legal", "l") SUM_ORG_AREA("it", "i")
    SUM_ORG_AREA("procurement", "p") SUM_ORG_AREA("hr", "h")
    SUM_ORG_AREA("finance", "f") SUM_ORG_AREA("planning", "n")
    "0 AS f, 0 AS rq, 0 AS ofr, 0 AS om, 0 AS en, 0 AS em, 0 AS wt FROM "
    "report_period_hours UNION ALL SELECT period, consumer_id, 0, 0, 0, 0, "
    "0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, requests, offered, offer_minutes, "
    "engaged, engage_minutes, within_target FROM report_period_flow) "
    "GROUP BY period, consumer_id;";

/* A credit note counts against the period it credits. */
static const char sum_invoice_rebuild[] =
    "DELETE FROM report_invoices;"
    "INSERT INTO report_invoices (consumer_id, month, provider_id, "
    "documents, net_pence, vat_pence, total_pence) SELECT consumer_id, "
    "period, provider_id, count(*), sum(CASE WHEN kind = 'credit' THEN "
    "-abs(net_pence) ELSE net_pence END), sum(CASE WHEN kind = 'credit' "
    "THEN -abs(vat_pence) ELSE vat_pence END), sum(CASE WHEN kind = "
    "'credit' THEN -abs(total_pence) ELSE total_pence END) FROM "
    "recharge_documents GROUP BY 1, 2, 3;";

struct sum_trigger {
	const char *name;
	const char *when;	/* the trigger's event and condition */
	const char *row;	/* NEW or OLD */
	const char *sign;
	const char *body;
	const char *tidy;	/* run after taking away, or NULL */
};

struct sum_group {
	const char *name;
	const char *type;	/* of the source: "table" or "view" */
	const char *source;	/* what the summary sums */
	const struct sum_trigger *triggers; /* the core's own, or none */
	size_t ntriggers;
	const char *rebuild;
};

static const struct sum_trigger sum_flow_triggers[] = {
	{ "report_v2_flow_ins", "AFTER INSERT ON requests WHEN "
	  "NEW.submitted_at IS NOT NULL", "NEW", "1", sum_flow_add, NULL },
	{ "report_v2_flow_old", "AFTER UPDATE ON requests WHEN "
	  "OLD.submitted_at IS NOT NULL AND " SUM_FLOW_CHANGED, "OLD", "-1",
	  sum_flow_add, sum_flow_tidy },
	{ "report_v2_flow_new", "AFTER UPDATE ON requests WHEN "
	  "NEW.submitted_at IS NOT NULL AND " SUM_FLOW_CHANGED, "NEW", "1",
	  sum_flow_add, NULL },
	{ "report_v2_flow_del", "AFTER DELETE ON requests WHEN "
	  "OLD.submitted_at IS NOT NULL", "OLD", "-1", sum_flow_add,
	  sum_flow_tidy },
};

static const struct sum_group sum_groups[] = {
	{ "flow", "table", "requests", sum_flow_triggers,
	  nitems(sum_flow_triggers), sum_flow_rebuild },
	{ "hours", "view", "timesheet_counted_entries", NULL, 0,
	  sum_hours_rebuild },
	{ "invoices", "view", "recharge_documents", NULL, 0,
	  sum_invoice_rebuild },
};

/* A template with ROW. and SIGN replaced: constant text, never input. */
static char *
sum_expand(const char *tmpl, const char *row, const char *sign)
{
	size_t cap = strlen(tmpl) * 2 + 64, n = 0;
	char *out = xmalloc(cap);

	while (*tmpl != '\0') {
		const char *with = NULL;
		size_t skip = 0, wlen;

		if (strncmp(tmpl, "ROW.", 4) == 0) {
			with = row;
			skip = 3;
		} else if (strncmp(tmpl, "SIGN", 4) == 0) {
			with = sign;
			skip = 4;
		}
		if (with == NULL) {
			out[n++] = *tmpl++;
			continue;
		}
		wlen = strlen(with);
		memcpy(out + n, with, wlen);
		n += wlen;
		tmpl += skip;
	}
	out[n] = '\0';
	return out;
}

/* True when the schema holds an object of that type and name. */
static int
sum_exists(struct ep_db *db, const char *type, const char *name)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT 1 FROM sqlite_master WHERE "
	    "type = ? AND name = ?");
	int found;

	if (s == NULL)
		return 0;
	sqlite3_bind_text(s, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	found = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_reset(s);
	return found;
}

/* Creates one group's triggers, replacing any of an older version. */
static int
sum_create_triggers(struct ep_db *db, const struct sum_group *g)
{
	sqlite3_stmt *s;
	char **old = NULL;
	size_t nold = 0, i;
	int rc = -1;

	/* Older versions of this group's triggers go first. */
	s = db_stmt(db, "SELECT name FROM sqlite_master WHERE type = 'trigger' "
	    "AND tbl_name = ? AND name GLOB 'report_v*'");
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, g->source, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW) {
		old = xrealloc(old, (nold + 1) * sizeof *old);
		old[nold++] = xstrdup((const char *)sqlite3_column_text(s, 0));
	}
	sqlite3_reset(s);
	for (i = 0; i < nold; i++) {
		char *sql = xprintf("DROP TRIGGER \"%s\"", old[i]);
		int bad = db_exec(db, sql);

		free(sql);
		if (bad)
			goto out;
	}
	for (i = 0; i < g->ntriggers; i++) {
		const struct sum_trigger *t = &g->triggers[i];
		char *body = sum_expand(t->body, t->row, t->sign);
		char *tidy = t->tidy ? sum_expand(t->tidy, t->row, t->sign) : NULL;
		char *sql = xprintf("CREATE TRIGGER %s %s BEGIN\n%s%sEND;", t->name,
		    t->when, body, tidy ? tidy : "");
		int bad = db_exec(db, sql);

		free(sql);
		free(tidy);
		free(body);
		if (bad)
			goto out;
	}
	rc = 0;
out:
	for (i = 0; i < nold; i++)
		free(old[i]);
	free(old);
	return rc;
}

/*
 * Called after every migration run (server start, each CLI command): for
 * each summary with triggers of the core's whose table exists and whose
 * triggers are missing, creates them and rebuilds the summary, in one
 * transaction. Idempotent: the usual run only reads sqlite_master.
 */
int
report_sum_install(struct ep_db *db, char **err)
{
	size_t i;

	for (i = 0; i < nitems(sum_groups); i++) {
		const struct sum_group *g = &sum_groups[i];

		if (g->ntriggers == 0 || !sum_exists(db, g->type, g->source) ||
		    sum_exists(db, "trigger", g->triggers[0].name))
			continue;
		if (db_begin(db) != 0)
			goto fail;
		if (sum_create_triggers(db, g) != 0 || db_exec(db, g->rebuild) != 0) {
			db_rollback(db);
			goto fail;
		}
		if (db_commit(db) != 0)
			goto fail;
		log_info("reports: %s summary triggers installed", g->name);
	}
	return 0;
fail:
	*err = xprintf("reports: cannot install the summary triggers: %s",
	    db_errmsg(db));
	return -1;
}

/* Recreates every summary from its rows; the caller holds a transaction. */
static int
sum_rebuild_all(struct ep_db *db)
{
	size_t i;

	for (i = 0; i < nitems(sum_groups); i++) {
		const struct sum_group *g = &sum_groups[i];

		if (!sum_exists(db, g->type, g->source))
			continue;
		if (db_exec(db, g->rebuild) != 0)
			return -1;
	}
	if (db_exec(db, sum_period_orgs_rebuild) != 0)
		return -1;
	return report_quality_rebuild(db);
}

/* Rows of a summary that differ from the rebuilt one, either way. */
static int64_t
sum_diff(struct ep_db *db, const char *table)
{
	char *sql = xprintf("SELECT (SELECT count(*) FROM (SELECT * FROM "
	    "temp.\"sum_%s\" EXCEPT SELECT * FROM main.\"%s\")) + (SELECT "
	    "count(*) FROM (SELECT * FROM main.\"%s\" EXCEPT SELECT * FROM "
	    "temp.\"sum_%s\"))", table, table, table, table);
	sqlite3_stmt *s = NULL;
	int64_t n = -1;

	if (sqlite3_prepare_v2(db->sql, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	free(sql);
	return n;
}

/*
 * Rebuilds every summary from the raw rows, in one transaction, and
 * gives the directory a new generation (migration 0007). With
 * check set, compares the kept summaries with the rebuilt ones instead,
 * reports each table's differing rows through cb, and changes nothing.
 * Returns the number of differing rows, or -1 on a store error.
 */
int64_t
report_sum_rebuild(struct ep_db *db, int check,
    void (*cb)(const char *table, int64_t rows, int64_t differ, void *arg),
    void *arg)
{
	static const char *const tables[] = { "report_consumer", "report_flow",
		"report_hours", "report_invoices", "report_load",
		"report_period_flow", "report_period_hours", "report_period_orgs",
		"report_quality" };
	int64_t total = 0, n;
	size_t i;
	char *sql;

	if (db_begin(db) != 0)
		return -1;
	for (i = 0; check && i < nitems(tables); i++) {
		sql = xprintf("DROP TABLE IF EXISTS temp.\"sum_%s\"; CREATE TEMP "
		    "TABLE \"sum_%s\" AS SELECT * FROM main.\"%s\"", tables[i],
		    tables[i], tables[i]);
		n = db_exec(db, sql);
		free(sql);
		if (n != 0)
			goto fail;
	}
	if (sum_rebuild_all(db) != 0)
		goto fail;
	/* Whatever servers keep of the directory's figures is recomputed. */
	if (!check && sum_exists(db, "table", "report_generations") &&
	    db_exec(db, "UPDATE report_generations SET gen = random()") != 0)
		goto fail;
	for (i = 0; i < nitems(tables); i++) {
		sqlite3_stmt *s;
		int64_t rows = 0;

		sql = xprintf("SELECT count(*) FROM main.\"%s\"", tables[i]);
		if (sqlite3_prepare_v2(db->sql, sql, -1, &s, NULL) == SQLITE_OK &&
		    sqlite3_step(s) == SQLITE_ROW)
			rows = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
		free(sql);
		n = check ? sum_diff(db, tables[i]) : 0;
		if (n < 0)
			goto fail;
		total += n;
		if (cb != NULL)
			cb(tables[i], rows, n, arg);
	}
	if (check) {
		for (i = 0; i < nitems(tables); i++) {
			sql = xprintf("DROP TABLE temp.\"sum_%s\"", tables[i]);
			db_exec(db, sql);
			free(sql);
		}
		if (db_rollback(db) != 0)
			return -1;
		return total;
	}
	if (db_commit(db) != 0)
		return -1;
	return 0;
fail:
	db_rollback(db);
	return -1;
}

/*
 * The response target as typed (CLI or form), in the units grammar: a
 * whole number of hours ("48", "48 h", "48:00") from 1 to
 * REPORT_TARGET_MAX_HOURS, in minutes.
 */
int
report_target_parse(const char *hours, int64_t *minutes)
{
	int64_t m;

	if (units_hours_parse(hours, &m) != 0 || m % 60 != 0 || m < 60 ||
	    m > REPORT_TARGET_MAX_HOURS * 60)
		return -1;
	*minutes = m;
	return 0;
}

/* The consortium's response target in minutes, or -1 on a store error. */
int64_t
report_target_get(struct ep_db *db)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT target_minutes FROM "
	    "report_settings WHERE id = 1");
	int64_t minutes = -1;

	if (s == NULL)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		minutes = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return minutes;
}

/*
 * Sets the consortium's response target (a first offer within this many
 * minutes), audited, and rebuilds the flow summaries that count against
 * it in the same transaction, so no report sees the new target with the
 * old counts.
 */
int
report_target_set(struct ep_db *db, const struct audit_actor *actor,
    int64_t minutes)
{
	sqlite3_stmt *s;
	int64_t before = 0;
	char summary[96];

	if (minutes <= 0)
		return -1;
	if (db_begin(db) != 0)
		return -1;
	s = db_stmt(db, "SELECT target_minutes FROM report_settings "
	    "WHERE id = 1");
	if (s == NULL)
		goto fail;
	if (sqlite3_step(s) == SQLITE_ROW)
		before = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	s = db_stmt(db, "UPDATE report_settings SET target_minutes = ? "
	    "WHERE id = 1");
	if (s == NULL)
		goto fail;
	sqlite3_bind_int64(s, 1, minutes);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_reset(s);
		goto fail;
	}
	sqlite3_reset(s);
	snprintf(summary, sizeof summary, "{\"before\":{\"target_minutes\":%lld},"
	    "\"after\":{\"target_minutes\":%lld}}", (long long)before,
	    (long long)minutes);
	if (audit_record(db, actor, "set-target", "report-settings", "1", 0,
	    summary) != 0)
		goto fail;
	if (sum_exists(db, "table", "requests") &&
	    db_exec(db, sum_flow_rebuild) != 0)
		goto fail;
	return db_commit(db);
fail:
	db_rollback(db);
	return -1;
}
