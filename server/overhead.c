/* overhead.c: the pool's own time and running costs, and their settings. */
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

const char *const overhead_activities[][2] = {
	{ "brokering", "Brokering" },
	{ "management", "Pool management" },
	{ "training", "Training" },
	{ "governance", "Governance (boards, committees, member reporting)" },
	{ NULL, NULL },
};
const char *const overhead_categories[][2] = {
	{ "accommodation", "Accommodation" },
	{ "systems", "Systems" },
	{ "governance", "Governance" },
	{ "other", "Other" },
	{ NULL, NULL },
};
const char *const overhead_rules[][2] = {
	{ "hours", "By hours consumed" },
	{ "spend", "By spend" },
	{ "equal", "Equal shares" },
	{ NULL, NULL },
};

/* Whether s is one of a NULL-ended option list's values. */
int
overhead_option_ok(const char *const opts[][2], const char *s)
{
	size_t i;

	for (i = 0; s != NULL && opts[i][0] != NULL; i++)
		if (strcmp(opts[i][0], s) == 0)
			return 1;
	return 0;
}

/* The organisation whose finance officers keep the running costs. */
int64_t
overhead_host(struct ep_db *db)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT coalesce(host_org_id, (SELECT "
	    "min(id) FROM organisations WHERE kind = 'centre')) FROM "
	    "overhead_settings WHERE id = 1");
	int64_t id = 0;

	if (s == NULL)
		return 0;
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return id;
}

/* Whether a person may record and correct running costs. */
int
overhead_keeps_costs(struct ep_db *db, const struct principal *who)
{
	if ((who->roles & EP_ROLE_ADMIN) != 0)
		return 1;
	return (who->roles & EP_ROLE_FINANCE) != 0 &&
	    who->org_id == overhead_host(db);
}

/* Runs a prepared insert or update to its end; 0 or -1. */
static int
oh_step(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;

	sqlite3_reset(s);
	return rc;
}

/* Checks overhead time's fields into minutes; -1 with errors in e. */
static int
oh_time_check(const struct overhead_time_input *in, struct form_errors *e,
    int64_t *minutes)
{
	if (!units_date_ok(in->date))
		errs_add(e, "date", "Enter the date as YYYY-MM-DD");
	if (in->hours == NULL || units_hours_parse(in->hours, minutes) != 0 ||
	    *minutes <= 0 || *minutes > 1440)
		errs_add(e, "hours", "Enter the hours as a number from 0:01 to 24, "
		    "such as 1.5 or 1:30");
	if (!overhead_option_ok(overhead_activities, in->activity))
		errs_add(e, "activity", "Choose an activity: brokering, management, "
		    "training or governance");
	if (in->note != NULL && strlen(in->note) > 500)
		errs_add(e, "note", "The note must be 500 characters or fewer");
	return e->n > 0 ? -1 : 0;
}

/*
 * Logs a person's overhead time: a day, hours (units grammar, up to 24),
 * an activity and a note. Every field is checked first; audited.
 */
int
overhead_time_log(struct ep_db *db, const struct audit_actor *actor,
    const struct overhead_time_input *in, struct form_errors *e, int64_t *id)
{
	int64_t minutes = 0;
	sqlite3_stmt *s;
	json_t *o;

	if (in->person_id <= 0)
		errs_add(e, "login", "There is no person with that login");
	if (oh_time_check(in, e, &minutes) != 0)
		return -1;
	if (db_begin(db) != 0)
		goto store;
	s = db_stmt(db, "INSERT INTO overhead_time (person_id, entry_date, "
	    "minutes, activity, note) VALUES (?, ?, ?, ?, ?)");
	if (s == NULL)
		goto rollback;
	sqlite3_bind_int64(s, 1, in->person_id);
	sqlite3_bind_text(s, 2, in->date, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, minutes);
	sqlite3_bind_text(s, 4, in->activity, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, in->note ? in->note : "", -1, SQLITE_STATIC);
	if (oh_step(s) != 0)
		goto rollback;
	*id = sqlite3_last_insert_rowid(db->sql);
	o = json_pack("{s:{s:I,s:s,s:I,s:s,s:s}}", "after", "person_id",
	    (json_int_t)in->person_id, "date", in->date, "minutes",
	    (json_int_t)minutes, "activity", in->activity, "note",
	    in->note ? in->note : "");
	if (audit_json_id(db, actor, "overhead.time", "overhead-time", *id, 0,
	    o) != 0 || db_commit(db) != 0)
		goto rollback;
	return 0;
rollback:
	db_rollback(db);
store:
	errs_add(e, "date", "The time could not be saved: %s", db_errmsg(db));
	return -1;
}

/*
 * Corrects overhead time: in->person_id's own, or anyone's when it is 0
 * (a pool manager's correction). Every field is checked first; audited
 * with the changed fields before and after. -1 with no error added when
 * there is no such entry to correct.
 */
int
overhead_time_edit(struct ep_db *db, const struct audit_actor *actor,
    int64_t id, const struct overhead_time_input *in, struct form_errors *e)
{
	int64_t minutes = 0, old;
	sqlite3_stmt *s;
	json_t *before, *after;
	char *text, date[11], activity[16], *note, idtext[24];

	if (oh_time_check(in, e, &minutes) != 0)
		return -1;
	if (db_begin(db) != 0)
		goto store;
	s = db_stmt(db, "SELECT entry_date, minutes, activity, note FROM "
	    "overhead_time WHERE id = ?1 AND (?2 = 0 OR person_id = ?2)");
	if (s == NULL)
		goto rollback;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, in->person_id);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		db_rollback(db);
		return -1;
	}
	snprintf(date, sizeof date, "%s", db_text(s, 0));
	old = sqlite3_column_int64(s, 1);
	snprintf(activity, sizeof activity, "%s", db_text(s, 2));
	note = xstrdup(db_text(s, 3));
	sqlite3_reset(s);
	before = json_object();
	after = json_object();
	audit_diff_text(before, after, "date", date, in->date);
	audit_diff_int(before, after, "minutes", old, minutes);
	audit_diff_text(before, after, "activity", activity, in->activity);
	audit_diff_text(before, after, "note", note, in->note ? in->note : "");
	free(note);
	if ((text = audit_diff_dump(before, after)) == NULL) {
		db_rollback(db);
		return 0;	/* nothing changed */
	}
	s = db_stmt(db, "UPDATE overhead_time SET entry_date = ?, minutes = ?, "
	    "activity = ?, note = ? WHERE id = ?");
	if (s == NULL) {
		free(text);
		goto rollback;
	}
	sqlite3_bind_text(s, 1, in->date, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, minutes);
	sqlite3_bind_text(s, 3, in->activity, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, in->note ? in->note : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, id);
	snprintf(idtext, sizeof idtext, "%lld", (long long)id);
	if (oh_step(s) != 0 || audit_record(db, actor, "overhead.time-edit",
	    "overhead-time", idtext, 0, text) != 0) {
		free(text);
		goto rollback;
	}
	free(text);
	if (db_commit(db) != 0)
		goto rollback;
	return 0;
rollback:
	db_rollback(db);
store:
	errs_add(e, "date", "The time could not be saved: %s", db_errmsg(db));
	return -1;
}

/* Checks a running cost's fields into month, category and pence. */
static int
oh_cost_check(const struct overhead_cost_input *in, struct form_errors *e,
    int64_t *pence)
{
	if (!units_month_ok(in->month))
		errs_add(e, "month", "Enter the month as YYYY-MM, such as 2026-10");
	if (!overhead_option_ok(overhead_categories, in->category))
		errs_add(e, "category", "Choose a category: accommodation, "
		    "systems, governance or other");
	if (in->amount == NULL || *in->amount == '\0')
		errs_add(e, "amount", "Enter the amount in pounds, such as "
		    "1250.00");
	else if (units_money_parse(in->amount, pence) != 0)
		errs_add(e, "amount", "Enter the amount in pounds as a number "
		    "that is not negative, such as 1250.00");
	if (in->note != NULL && strlen(in->note) > 500)
		errs_add(e, "note", "The note must be 500 characters or fewer");
	return e->n > 0 ? -1 : 0;
}

/* Records a month's running cost; audited with what was recorded. */
int
overhead_cost_add(struct ep_db *db, const struct audit_actor *actor,
    const struct overhead_cost_input *in, struct form_errors *e, int64_t *id)
{
	int64_t pence = 0;
	sqlite3_stmt *s;
	json_t *o;

	if (oh_cost_check(in, e, &pence) != 0)
		return -1;
	if (db_begin(db) != 0)
		goto store;
	s = db_stmt(db, "INSERT INTO overhead_costs (month, category, pence, "
	    "note, entered_by) VALUES (?, ?, ?, ?, nullif(?, 0))");
	if (s == NULL)
		goto rollback;
	sqlite3_bind_text(s, 1, in->month, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, in->category, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, pence);
	sqlite3_bind_text(s, 4, in->note ? in->note : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, actor->id);
	if (oh_step(s) != 0)
		goto rollback;
	*id = sqlite3_last_insert_rowid(db->sql);
	o = json_pack("{s:{s:s,s:s,s:I,s:s}}", "after", "month", in->month,
	    "category", in->category, "pence", (json_int_t)pence, "note",
	    in->note ? in->note : "");
	if (audit_json_id(db, actor, "overhead.cost", "overhead-cost", *id, 0,
	    o) != 0 || db_commit(db) != 0)
		goto rollback;
	return 0;
rollback:
	db_rollback(db);
store:
	errs_add(e, "amount", "The cost could not be saved: %s", db_errmsg(db));
	return -1;
}

/*
 * Corrects a running cost in place: every field checked first, audited
 * with the changed fields before and after. -1 with no error added when
 * there is no such cost.
 */
int
overhead_cost_edit(struct ep_db *db, const struct audit_actor *actor,
    int64_t id, const struct overhead_cost_input *in, struct form_errors *e)
{
	int64_t pence = 0;
	sqlite3_stmt *s;
	json_t *before, *after;
	char *text, month[8], category[16], *note = NULL;
	int64_t old;

	if (oh_cost_check(in, e, &pence) != 0)
		return -1;
	if (db_begin(db) != 0)
		goto store;
	s = db_stmt(db, "SELECT month, category, pence, note FROM "
	    "overhead_costs WHERE id = ?");
	if (s == NULL)
		goto rollback;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		db_rollback(db);
		return -1;
	}
	snprintf(month, sizeof month, "%s", db_text(s, 0));
	snprintf(category, sizeof category, "%s", db_text(s, 1));
	old = sqlite3_column_int64(s, 2);
	note = xstrdup(db_text(s, 3));
	sqlite3_reset(s);
	before = json_object();
	after = json_object();
	audit_diff_text(before, after, "month", month, in->month);
	audit_diff_text(before, after, "category", category, in->category);
	audit_diff_int(before, after, "pence", old, pence);
	audit_diff_text(before, after, "note", note, in->note ? in->note : "");
	free(note);
	if ((text = audit_diff_dump(before, after)) == NULL) {
		db_rollback(db);
		return 0;	/* nothing changed */
	}
	s = db_stmt(db, "UPDATE overhead_costs SET month = ?, category = ?, "
	    "pence = ?, note = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', "
	    "'now') WHERE id = ?");
	if (s == NULL) {
		free(text);
		goto rollback;
	}
	sqlite3_bind_text(s, 1, in->month, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, in->category, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, pence);
	sqlite3_bind_text(s, 4, in->note ? in->note : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, id);
	snprintf(month, sizeof month, "%lld", (long long)id);
	if (oh_step(s) != 0 || audit_record(db, actor, "overhead.cost-edit",
	    "overhead-cost", month, 0, text) != 0) {
		free(text);
		goto rollback;
	}
	free(text);
	if (db_commit(db) != 0)
		goto rollback;
	return 0;
rollback:
	db_rollback(db);
store:
	errs_add(e, "amount", "The cost could not be saved: %s", db_errmsg(db));
	return -1;
}

/* The rule in force for a month: the latest set from it or before. */
void
overhead_rule_at(struct ep_db *db, const char *month, char out[8])
{
	sqlite3_stmt *s = db_stmt(db, "SELECT rule FROM overhead_rules WHERE "
	    "from_month <= ? ORDER BY from_month DESC LIMIT 1");

	snprintf(out, 8, "hours");
	if (s == NULL)
		return;
	sqlite3_bind_text(s, 1, month, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		snprintf(out, 8, "%s", db_text(s, 0));
	sqlite3_reset(s);
}

/*
 * Sets the apportionment rule from a month on (until a later one set):
 * audited with the rule that was in force for that month and the new.
 */
int
overhead_rule_set(struct ep_db *db, const struct audit_actor *actor,
    const char *rule, const char *from, struct form_errors *e)
{
	char before[8], summary[128];
	sqlite3_stmt *s;

	if (!overhead_option_ok(overhead_rules, rule))
		errs_add(e, "rule", "Choose a rule: hours, spend or equal");
	if (!units_month_ok(from))
		errs_add(e, "from", "Enter the month the rule applies from as "
		    "YYYY-MM, such as 2026-04");
	if (e->n > 0)
		return -1;
	if (db_begin(db) != 0)
		goto store;
	overhead_rule_at(db, from, before);
	s = db_stmt(db, "INSERT INTO overhead_rules (from_month, rule) VALUES "
	    "(?, ?) ON CONFLICT DO UPDATE SET rule = excluded.rule");
	if (s == NULL)
		goto rollback;
	sqlite3_bind_text(s, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, rule, -1, SQLITE_STATIC);
	if (oh_step(s) != 0)
		goto rollback;
	snprintf(summary, sizeof summary, "{\"before\":{\"rule\":\"%s\"},"
	    "\"after\":{\"rule\":\"%s\"},\"from\":\"%s\"}", before, rule, from);
	if (audit_record(db, actor, "overhead.rule", "overhead-rule", from, 0,
	    summary) != 0 || db_commit(db) != 0)
		goto rollback;
	return 0;
rollback:
	db_rollback(db);
store:
	errs_add(e, "rule", "The rule could not be saved: %s", db_errmsg(db));
	return -1;
}

/* The consortium's rate for overhead time, pence an hour; -1 on failure. */
int64_t
overhead_default_rate(struct ep_db *db)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT default_rate_pence FROM "
	    "overhead_settings WHERE id = 1");
	int64_t v = -1;

	if (s == NULL)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return v;
}

/*
 * Sets an internal cost rate (pounds an hour) for a person, or, with
 * person_id 0, the consortium's rate for everyone without one. Audited
 * with the rate before and after.
 */
int
overhead_rate_set(struct ep_db *db, const struct audit_actor *actor,
    int64_t person_id, const char *rate, struct form_errors *e)
{
	int64_t pence = 0, before = -1;
	sqlite3_stmt *s;
	char summary[160], idtext[24];

	if (rate == NULL || units_money_parse(rate, &pence) != 0)
		errs_add(e, "rate", "Enter the rate in pounds an hour as a number "
		    "that is not negative, such as 45.00");
	if (e->n > 0)
		return -1;
	if (db_begin(db) != 0)
		goto store;
	s = db_stmt(db, person_id > 0 ? "SELECT pence_per_hour FROM "
	    "overhead_rates WHERE person_id = ?" : "SELECT default_rate_pence "
	    "FROM overhead_settings WHERE id = 1 AND ? = 0");
	if (s == NULL)
		goto rollback;
	sqlite3_bind_int64(s, 1, person_id);
	if (sqlite3_step(s) == SQLITE_ROW)
		before = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	s = db_stmt(db, person_id > 0 ? "INSERT INTO overhead_rates (person_id, "
	    "pence_per_hour) VALUES (?1, ?2) ON CONFLICT DO UPDATE SET "
	    "pence_per_hour = excluded.pence_per_hour" : "UPDATE "
	    "overhead_settings SET default_rate_pence = ?2 WHERE id = 1 AND "
	    "?1 = 0");
	if (s == NULL)
		goto rollback;
	sqlite3_bind_int64(s, 1, person_id);
	sqlite3_bind_int64(s, 2, pence);
	if (oh_step(s) != 0)
		goto rollback;
	if (before < 0)
		snprintf(summary, sizeof summary, "{\"before\":{\"pence_per_hour\":"
		    "null},\"after\":{\"pence_per_hour\":%lld}}", (long long)pence);
	else
		snprintf(summary, sizeof summary, "{\"before\":{\"pence_per_hour\":"
		    "%lld},\"after\":{\"pence_per_hour\":%lld}}", (long long)before,
		    (long long)pence);
	snprintf(idtext, sizeof idtext, "%lld", (long long)person_id);
	if (audit_record(db, actor, "overhead.rate", person_id > 0 ? "person" :
	    "overhead-settings", person_id > 0 ? idtext : "1", 0, summary) != 0 ||
	    db_commit(db) != 0)
		goto rollback;
	return 0;
rollback:
	db_rollback(db);
store:
	errs_add(e, "rate", "The rate could not be saved: %s", db_errmsg(db));
	return -1;
}
