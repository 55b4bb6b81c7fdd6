/* expert.c: the expert directory: experts, skills, leave and free capacity. */
#include "server.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#define EXPERT_NAME_MAX 120
#define EXPERT_NOTE_MAX 200
#define EXPERT_MAX_MINUTES (168 * 60)

/* The grades the fee rule sets price (rules/fees/standard.lua). */
const char *const expert_grades[][2] = {
	{ "junior", "Junior" },
	{ "standard", "Standard" },
	{ "senior", "Senior" },
	{ "principal", "Principal" },
	{ NULL, NULL },
};

/* Skill areas, of experts and of requests; specialities within them are
 * free text. */
const char *const skill_areas[][2] = {
	{ "legal", "Legal" },
	{ "it", "IT" },
	{ "procurement", "Procurement" },
	{ "hr", "HR" },
	{ "finance", "Finance" },
	{ "planning", "Planning" },
	{ NULL, NULL },
};

/* True when value is one of a {value, label} list's values. */
static int
expert_pick_ok(const char *const list[][2], const char *value)
{
	size_t i;

	for (i = 0; list[i][0] != NULL; i++) {
		if (strcmp(list[i][0], value) == 0)
			return 1;
	}
	return 0;
}

/* The grade of an expert must be one the fee rule sets can price. */
int
expert_grade_ok(const char *grade)
{
	return grade != NULL && expert_pick_ok(expert_grades, grade);
}

int
expert_area_ok(const char *area)
{
	return area != NULL && expert_pick_ok(skill_areas, area);
}

/* Lower-case words joined by single dashes: "planning-law". */
static int
expert_speciality_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n >= sizeof ((struct expert_skill *)0)->speciality ||
	    s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '-' && s[i + 1] == '-')
			return 0;
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) &&
		    s[i] != '-')
			return 0;
	}
	return 1;
}

/* A weekly capacity as typed, in the units grammar: 0 to 168 hours. */
int
expert_parse_hours(const char *s, int64_t *minutes)
{
	int64_t m;

	if (units_hours_parse(s, &m) != 0 || m > EXPERT_MAX_MINUTES)
		return -1;
	*minutes = m;
	return 0;
}

/*
 * One skill as "area/speciality:level" or "area:level" (procurement, hr).
 * On failure, why says what is wrong, for the caller to name the field.
 */
int
expert_parse_skill(const char *s, struct expert_skill *out, char *why,
    size_t whylen)
{
	const char *colon = strrchr(s, ':'), *slash;
	size_t alen, slen;
	int64_t level;

	memset(out, 0, sizeof *out);
	if (colon == NULL || parse_int64(colon + 1, 1, 5, &level) != 0) {
		snprintf(why, whylen, "give a level from 1 to 5 after a colon, "
		    "such as legal/contracts:4");
		return -1;
	}
	slash = memchr(s, '/', (size_t)(colon - s));
	alen = (size_t)((slash ? slash : colon) - s);
	if (alen == 0 || alen >= sizeof out->area) {
		snprintf(why, whylen, "the area must be one of legal, it, "
		    "procurement, hr, finance or planning");
		return -1;
	}
	memcpy(out->area, s, alen);
	if (!expert_area_ok(out->area)) {
		snprintf(why, whylen, "the area must be one of legal, it, "
		    "procurement, hr, finance or planning");
		return -1;
	}
	if (slash != NULL) {
		slen = (size_t)(colon - slash - 1);
		if (slen >= sizeof out->speciality)
			slen = sizeof out->speciality - 1;
		memcpy(out->speciality, slash + 1, slen);
		if (!expert_speciality_ok(out->speciality) ||
		    slen != (size_t)(colon - slash - 1)) {
			snprintf(why, whylen, "the speciality must be lower-case "
			    "words joined by dashes, such as planning-law");
			return -1;
		}
	}
	out->level = (int)level;
	return 0;
}

/* The link to a login: same organisation, the expert role, not yet linked. */
static int64_t
expert_check_login(struct ep_db *db, const char *login, int64_t org_id,
    struct form_errors *e)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT p.id, p.org_id, p.roles, "
	    "(SELECT id FROM experts WHERE person_id = p.id) FROM people p "
	    "WHERE p.login = ?");
	int64_t id = 0;

	if (s == NULL)
		return 0;
	sqlite3_bind_text(s, 1, login, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW)
		errs_add(e, "login", "There is no user with login %s", login);
	else if (org_id > 0 && sqlite3_column_int64(s, 1) != org_id)
		errs_add(e, "login", "User %s belongs to another organisation",
		    login);
	else if ((sqlite3_column_int(s, 2) & (int)EP_ROLE_EXPERT) == 0)
		errs_add(e, "login", "User %s does not have the expert role", login);
	else if (sqlite3_column_type(s, 3) != SQLITE_NULL)
		errs_add(e, "login", "User %s is already linked to an expert",
		    login);
	else
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return id;
}

/* Checks every field of a new expert, naming each problem. */
static void
expert_validate(struct ep_db *db, const struct expert_input *in,
    struct form_errors *e, int64_t *org_id, int64_t *minutes,
    int64_t *person_id, struct expert_skill *skills)
{
	char why[160];
	size_t i, j;

	if (in->org_code == NULL || *in->org_code == '\0')
		errs_add(e, "org", "Choose the expert's organisation");
	else if ((*org_id = org_id_by_code(db, in->org_code)) <= 0)
		errs_add(e, "org", "There is no organisation with code %s",
		    in->org_code);
	if (in->name == NULL || *in->name == '\0')
		errs_add(e, "name", "Enter the expert's full name");
	else if (strlen(in->name) > EXPERT_NAME_MAX)
		errs_add(e, "name", "Name must be %d characters or fewer",
		    EXPERT_NAME_MAX);
	if (in->grade == NULL || *in->grade == '\0')
		errs_add(e, "grade", "Choose the expert's grade");
	else if (!expert_grade_ok(in->grade))
		errs_add(e, "grade", "Grade must be junior, standard, senior or "
		    "principal");
	if (in->capacity == NULL || *in->capacity == '\0')
		errs_add(e, "capacity", "Enter the weekly capacity in hours");
	else if (expert_parse_hours(in->capacity, minutes) != 0)
		errs_add(e, "capacity", "Weekly capacity must be hours from 0 to "
		    "168, such as 37.5 or 37:30");
	if (in->login != NULL && *in->login != '\0')
		*person_id = expert_check_login(db, in->login, *org_id, e);
	if (in->nskills == 0)
		errs_add(e, "skills", "Enter at least one skill, such as "
		    "legal/planning-law:4");
	else if (in->nskills > EXPERT_MAX_SKILLS)
		errs_add(e, "skills", "Enter %d skills or fewer", EXPERT_MAX_SKILLS);
	for (i = 0; i < in->nskills && i < EXPERT_MAX_SKILLS; i++) {
		if (expert_parse_skill(in->skills[i], &skills[i], why,
		    sizeof why) != 0) {
			errs_add(e, "skills", "Skill %zu (%s): %s", i + 1,
			    in->skills[i], why);
			break;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(skills[i].area, skills[j].area) == 0 &&
			    strcmp(skills[i].speciality, skills[j].speciality) == 0)
				errs_add(e, "skills", "Skill %zu (%s) is given twice",
				    i + 1, in->skills[i]);
		}
	}
}

/* The audit summary of a new expert, as compact JSON. */
static char *
expert_summary(const struct expert_input *in, int64_t minutes,
    const struct expert_skill *skills)
{
	json_t *o, *list = json_array();
	char *text;
	size_t i;

	for (i = 0; i < in->nskills; i++)
		json_array_append_new(list, json_pack("{s:s,s:s,s:i}", "area",
		    skills[i].area, "speciality", skills[i].speciality, "level",
		    skills[i].level));
	o = json_pack("{s:{s:s,s:s,s:s,s:I,s:s,s:o}}", "after", "org",
	    in->org_code, "name", in->name, "grade", in->grade,
	    "weekly_capacity_minutes", (json_int_t)minutes, "login",
	    in->login ? in->login : "", "skills", list);
	text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return text;
}

/* Inserts one row of an expert's skills. */
static int
expert_insert_skill(struct ep_db *db, int64_t id, const struct expert_skill *k)
{
	sqlite3_stmt *s = db_stmt(db, "INSERT INTO expert_skills (expert_id, "
	    "area, speciality, level) VALUES (?, ?, ?, ?)");
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, k->area, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, k->speciality, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, k->level);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(s);
	return rc;
}

/* Adds an expert with their skills; audited, all or nothing. */
int
expert_add(struct ep_db *db, const struct audit_actor *actor,
    const struct expert_input *in, struct form_errors *e, int64_t *id)
{
	struct expert_skill skills[EXPERT_MAX_SKILLS];
	int64_t org_id = 0, minutes = 0, person_id = 0;
	char idtext[24];
	char *text = NULL;
	sqlite3_stmt *s;
	size_t i;

	expert_validate(db, in, e, &org_id, &minutes, &person_id, skills);
	if (e->n > 0)
		return -1;
	if (db_begin(db) != 0)
		goto fail;
	s = db_stmt(db, "INSERT INTO experts (org_id, person_id, name, grade, "
	    "weekly_capacity_minutes) VALUES (?, ?, ?, ?, ?)");
	if (s == NULL)
		goto rollback;
	sqlite3_bind_int64(s, 1, org_id);
	if (person_id > 0)
		sqlite3_bind_int64(s, 2, person_id);
	sqlite3_bind_text(s, 3, in->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, in->grade, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, minutes);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_reset(s);
		goto rollback;
	}
	sqlite3_reset(s);
	*id = sqlite3_last_insert_rowid(db->sql);
	for (i = 0; i < in->nskills; i++) {
		if (expert_insert_skill(db, *id, &skills[i]) != 0)
			goto rollback;
	}
	text = expert_summary(in, minutes, skills);
	snprintf(idtext, sizeof idtext, "%lld", (long long)*id);
	if (audit_record(db, actor, "create", "expert", idtext, org_id,
	    text) != 0)
		goto rollback;
	if (db_commit(db) != 0)
		goto rollback;
	free(text);
	return 0;
rollback:
	db_rollback(db);
fail:
	free(text);
	errs_add(e, "name", "The expert could not be saved: %s", db_errmsg(db));
	return -1;
}

/* The organisation of an expert, or 0 when there is no such expert. */
int64_t
expert_org_id(struct ep_db *db, int64_t expert_id)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT org_id FROM experts WHERE id = ?");
	int64_t org = 0;

	if (s == NULL)
		return 0;
	sqlite3_bind_int64(s, 1, expert_id);
	if (sqlite3_step(s) == SQLITE_ROW)
		org = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return org;
}

/* Names the leave already booked that a new period would overlap, if any. */
static int
expert_leave_overlaps(struct ep_db *db, int64_t expert_id, const char *from,
    const char *to, char *what, size_t len)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT starts, ends FROM expert_leave "
	    "WHERE expert_id = ? AND starts <= ? AND ends >= ? ORDER BY starts "
	    "LIMIT 1");
	int found = 0;

	if (s == NULL)
		return 0;
	sqlite3_bind_int64(s, 1, expert_id);
	sqlite3_bind_text(s, 2, to, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, from, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		snprintf(what, len, "%s to %s", sqlite3_column_text(s, 0),
		    sqlite3_column_text(s, 1));
		found = 1;
	}
	sqlite3_reset(s);
	return found;
}

/* Books leave for an expert: real dates, in order, overlapping no other
 * leave of theirs; audited. */
int
expert_leave_add(struct ep_db *db, const struct audit_actor *actor,
    int64_t expert_id, const struct leave_input *in, struct form_errors *e,
    int64_t *id)
{
	const char *note = in->note ? in->note : "";
	char what[64], idtext[24];
	int64_t org_id = expert_org_id(db, expert_id);
	sqlite3_stmt *s;
	json_t *sum;
	char *text = NULL;

	if (org_id <= 0)
		errs_add(e, "expert", "There is no expert with id %lld",
		    (long long)expert_id);
	if (in->from == NULL || *in->from == '\0')
		errs_add(e, "from", "Enter the first day of leave");
	else if (!units_date_ok(in->from))
		errs_add(e, "from", "First day must be a real date as YYYY-MM-DD");
	if (in->to == NULL || *in->to == '\0')
		errs_add(e, "to", "Enter the last day of leave");
	else if (!units_date_ok(in->to))
		errs_add(e, "to", "Last day must be a real date as YYYY-MM-DD");
	else if (errs_get(e, "from") == NULL && strcmp(in->to, in->from) < 0)
		errs_add(e, "to", "Last day must be on or after the first day");
	if (strlen(note) > EXPERT_NOTE_MAX)
		errs_add(e, "note", "Note must be %d characters or fewer",
		    EXPERT_NOTE_MAX);
	if (e->n == 0 && expert_leave_overlaps(db, expert_id, in->from, in->to,
	    what, sizeof what))
		errs_add(e, "from", "This overlaps leave already booked from %s",
		    what);
	if (e->n > 0)
		return -1;
	if (db_begin(db) != 0)
		goto fail;
	s = db_stmt(db, "INSERT INTO expert_leave (expert_id, starts, ends, note) "
	    "VALUES (?, ?, ?, ?)");
	if (s == NULL)
		goto rollback;
	sqlite3_bind_int64(s, 1, expert_id);
	sqlite3_bind_text(s, 2, in->from, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, in->to, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, note, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_reset(s);
		goto rollback;
	}
	sqlite3_reset(s);
	*id = sqlite3_last_insert_rowid(db->sql);
	sum = json_pack("{s:{s:I,s:s,s:s,s:s}}", "after", "expert",
	    (json_int_t)expert_id, "starts", in->from, "ends", in->to, "note",
	    note);
	text = json_dumps(sum, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(sum);
	snprintf(idtext, sizeof idtext, "%lld", (long long)*id);
	if (audit_record(db, actor, "create", "expert_leave", idtext, org_id,
	    text) != 0)
		goto rollback;
	if (db_commit(db) != 0)
		goto rollback;
	free(text);
	return 0;
rollback:
	db_rollback(db);
fail:
	free(text);
	errs_add(e, "from", "The leave could not be saved: %s", db_errmsg(db));
	return -1;
}

/* Takes an expert out of the directory's searches, or puts them back. */
int
expert_set_active(struct ep_db *db, const struct audit_actor *actor,
    int64_t expert_id, int active)
{
	int64_t org_id = expert_org_id(db, expert_id);
	sqlite3_stmt *s;
	char idtext[24];

	if (org_id <= 0 || db_begin(db) != 0)
		return -1;
	s = db_stmt(db, "UPDATE experts SET active = ? WHERE id = ?");
	if (s == NULL)
		goto rollback;
	sqlite3_bind_int(s, 1, active ? 1 : 0);
	sqlite3_bind_int64(s, 2, expert_id);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_reset(s);
		goto rollback;
	}
	sqlite3_reset(s);
	snprintf(idtext, sizeof idtext, "%lld", (long long)expert_id);
	if (audit_record(db, actor, active ? "activate" : "deactivate", "expert",
	    idtext, org_id, active ? "{\"after\":{\"active\":true}}" :
	    "{\"after\":{\"active\":false}}") != 0)
		goto rollback;
	return db_commit(db);
rollback:
	db_rollback(db);
	return -1;
}

/* An expert's skills as "legal/contracts:4, procurement:3", for a diff. */
static void
expert_skills_text(const struct expert_skill *k, size_t n, char *out,
    size_t len)
{
	size_t i, used = 0;
	int w;

	out[0] = '\0';
	for (i = 0; i < n && used < len; i++) {
		w = snprintf(out + used, len - used, "%s%s%s%s:%d", i ? ", " : "",
		    k[i].area, *k[i].speciality ? "/" : "", k[i].speciality,
		    k[i].level);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

/* Checks a change to an expert: each field given must be good. */
static void
expert_edit_check(const struct expert_edit *in, struct form_errors *e,
    int64_t *minutes, struct expert_skill *skills)
{
	char why[160];
	size_t i, j;

	if (in->grade != NULL && !expert_grade_ok(in->grade))
		errs_add(e, "grade", "Grade must be junior, standard, senior or "
		    "principal");
	if (in->capacity != NULL && *in->capacity == '\0')
		errs_add(e, "capacity", "Enter the weekly capacity in hours");
	else if (in->capacity != NULL && expert_parse_hours(in->capacity,
	    minutes) != 0)
		errs_add(e, "capacity", "Weekly capacity must be hours from 0 to "
		    "168, such as 37.5 or 37:30");
	if (in->skills == NULL)
		return;
	if (in->nskills == 0)
		errs_add(e, "skills", "Enter at least one skill, such as "
		    "legal/planning-law:4");
	else if (in->nskills > EXPERT_MAX_SKILLS)
		errs_add(e, "skills", "Enter %d skills or fewer", EXPERT_MAX_SKILLS);
	for (i = 0; i < in->nskills && i < EXPERT_MAX_SKILLS; i++) {
		if (expert_parse_skill(in->skills[i], &skills[i], why,
		    sizeof why) != 0) {
			errs_add(e, "skills", "Skill %zu (%s): %s", i + 1,
			    in->skills[i], why);
			return;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(skills[i].area, skills[j].area) == 0 &&
			    strcmp(skills[i].speciality, skills[j].speciality) == 0) {
				errs_add(e, "skills", "Skill %zu (%s) is given twice",
				    i + 1, in->skills[i]);
				return;
			}
		}
	}
}

/* Replaces an expert's grade, capacity and skills in the store. */
static int
expert_edit_write(struct ep_db *db, int64_t id, const char *grade,
    int64_t minutes, const struct expert_skill *skills, size_t nskills)
{
	sqlite3_stmt *s = db_stmt(db, "UPDATE experts SET grade = ?, "
	    "weekly_capacity_minutes = ? WHERE id = ?");
	size_t i;

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, grade, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, minutes);
	sqlite3_bind_int64(s, 3, id);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_reset(s);
		return -1;
	}
	sqlite3_reset(s);
	if (skills == NULL)
		return 0;
	if (db_run_id(db, "DELETE FROM expert_skills WHERE expert_id = ?",
	    id) != 0)
		return -1;
	for (i = 0; i < nskills; i++) {
		if (expert_insert_skill(db, id, &skills[i]) != 0)
			return -1;
	}
	return 0;
}

/*
 * Changes an expert's grade, weekly capacity or skills: each field of in
 * that is set replaces the current one (skills as a whole list). Audited
 * with the fields before and after; *changed is 0 when nothing differs.
 */
int
expert_update(struct ep_db *db, const struct audit_actor *actor, int64_t id,
    const struct expert_edit *in, struct form_errors *e, int *changed)
{
	struct expert_skill skills[EXPERT_MAX_SKILLS];
	struct expert_row *x = xcalloc(1, sizeof *x);
	char k0[1024], k1[1024], idtext[24];
	int64_t minutes;
	json_t *before, *after;
	char *text = NULL;
	int rc = -1;

	*changed = 0;
	if (expert_get(db, id, x) != 0) {
		errs_add(e, "id", "There is no expert with id %lld", (long long)id);
		goto out;
	}
	minutes = x->weekly;
	expert_edit_check(in, e, &minutes, skills);
	if (e->n > 0)
		goto out;
	expert_skills_text(x->skills, x->nskills, k0, sizeof k0);
	if (in->skills != NULL)
		expert_skills_text(skills, in->nskills, k1, sizeof k1);
	else
		snprintf(k1, sizeof k1, "%s", k0);
	before = json_object();
	after = json_object();
	audit_diff_text(before, after, "grade", x->grade, in->grade ? in->grade :
	    x->grade);
	audit_diff_int(before, after, "weekly_capacity_minutes", x->weekly,
	    minutes);
	audit_diff_text(before, after, "skills", k0, k1);
	if ((text = audit_diff_dump(before, after)) == NULL) {
		rc = 0;
		goto out;
	}
	snprintf(idtext, sizeof idtext, "%lld", (long long)id);
	if (db_begin(db) != 0)
		goto fail;
	if (expert_edit_write(db, id, in->grade ? in->grade : x->grade, minutes,
	    in->skills ? skills : NULL, in->nskills) != 0 ||
	    audit_record(db, actor, "update", "expert", idtext, x->org_id,
	    text) != 0 || db_commit(db) != 0) {
		db_rollback(db);
		goto fail;
	}
	*changed = 1;
	rc = 0;
	goto out;
fail:
	errs_add(e, "grade", "The expert could not be saved: %s", db_errmsg(db));
out:
	free(text);
	free(x);
	return rc;
}

/* --- Free capacity --- */

/* Days since 1970-01-01 of a valid YYYY-MM-DD (the civil calendar). */
static int64_t
expert_days(const char *date)
{
	return day_of(date);
}

static int64_t
expert_workdays_days(int64_t from, int64_t to)
{
	if (to < from)
		return 0;
	return working_days(from, to);
}

/* Working days (Monday to Friday) from one date to another, inclusive. */
int64_t
expert_workdays(const char *from, const char *to)
{
	if (!units_date_ok(from) || !units_date_ok(to))
		return 0;
	return expert_workdays_days(expert_days(from), expert_days(to));
}

/*
 * An expert's free capacity, in minutes, over the dates from..to inclusive:
 *
 *   capacity  = weekly capacity x (working days - working days on leave) / 5
 *   committed = for each active engagement overlapping the range, its
 *               committed minutes x (its working days in the range) /
 *               (its working days), i.e. spread evenly over its working
 *               days; an engagement with no working day is spread over its
 *               calendar days instead
 *   free      = capacity - committed
 *
 * Working days are Monday to Friday (bank holidays are not known here;
 * book them as leave). Integer arithmetic throughout: capacity rounds down
 * and each engagement's share rounds up, so free time is never overstated.
 * Overlapping leave periods count once. The result is negative when the
 * expert is over-committed, and 0 for an unknown or inactive expert or a
 * range that is not two valid dates in order.
 */
int64_t
expert_free_minutes(struct ep_db *db, int64_t expert_id, const char *from,
    const char *to)
{
	struct expert_span *leave = NULL, *commits = NULL;
	size_t nleave = 0, ncommits = 0;
	int64_t weekly = 0, free_m = 0;
	sqlite3_stmt *s;
	int found = 0;

	if (!units_date_ok(from) || !units_date_ok(to) || strcmp(to, from) < 0)
		return 0;
	s = db_stmt(db, "SELECT weekly_capacity_minutes FROM experts WHERE "
	    "id = ? AND active = 1");
	if (s == NULL)
		return 0;
	sqlite3_bind_int64(s, 1, expert_id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		weekly = sqlite3_column_int64(s, 0);
		found = 1;
	}
	sqlite3_reset(s);
	if (!found)
		return 0;
	s = db_stmt(db, "SELECT expert_id, starts, ends, 0 FROM expert_leave "
	    "WHERE expert_id = ?1 AND starts <= ?2 AND ends >= ?3 ORDER BY starts");
	if (s == NULL)
		goto out;
	expert_spans(s, expert_id, from, to, &leave, &nleave);
	s = db_stmt(db, "SELECT expert_id, starts, ends, committed_minutes FROM "
	    "engagements WHERE expert_id = ?1 AND state = 'active' AND "
	    "starts <= ?2 AND ends >= ?3");
	if (s == NULL)
		goto out;
	expert_spans(s, expert_id, from, to, &commits, &ncommits);
	free_m = expert_free_of(weekly, expert_days(from), expert_days(to),
	    leave, nleave, commits, ncommits);
out:
	free(leave);
	free(commits);
	return free_m;
}

/*
 * Reads (expert, starts, ends, minutes) rows overlapping from..to, binding
 * expert ?1 (0 for any), to ?2 and from ?3: leave or engagements, for
 * expert_free_of(), as day numbers. Grows *v; the runs keep the
 * statement's order.
 */
void
expert_spans(sqlite3_stmt *s, int64_t expert_id, const char *from,
    const char *to, struct expert_span **v, size_t *n)
{
	size_t cap = *n;
	/* Rows often share dates; parse each distinct one once in a row. */
	char last_st[11] = "", last_en[11] = "";
	int64_t day_st = 0, day_en = 0;

	if (expert_id > 0)
		sqlite3_bind_int64(s, 1, expert_id);
	sqlite3_bind_text(s, 2, to, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, from, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *st = (const char *)sqlite3_column_text(s, 1);
		const char *en = (const char *)sqlite3_column_text(s, 2);

		if (st == NULL || en == NULL)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*v = xrealloc(*v, cap * sizeof **v);
		}
		if (*last_st == '\0' ||
		    strncmp(st, last_st, sizeof last_st) != 0) {
			snprintf(last_st, sizeof last_st, "%s", st);
			day_st = expert_days(st);
		}
		if (*last_en == '\0' ||
		    strncmp(en, last_en, sizeof last_en) != 0) {
			snprintf(last_en, sizeof last_en, "%s", en);
			day_en = expert_days(en);
		}
		(*v)[*n].expert_id = sqlite3_column_int64(s, 0);
		(*v)[*n].starts = day_st;
		(*v)[*n].ends = day_en;
		(*v)[(*n)++].minutes = sqlite3_column_int64(s, 3);
	}
	sqlite3_reset(s);
}

/*
 * The arithmetic of expert_free_minutes() over days a..b, given the
 * expert's weekly capacity, their leave ordered by start, and their
 * active engagements, all overlapping a..b: for the report that counts
 * every expert at once.
 */
int64_t
expert_free_of(int64_t weekly, int64_t a, int64_t b,
    const struct expert_span *leave, size_t nleave,
    const struct expert_span *commits, size_t ncommits)
{
	int64_t days = expert_workdays_days(a, b), off = 0, committed = 0;
	int64_t upto = a - 1;
	size_t i;

	/* Leave counts each day once, however the periods overlap. */
	for (i = 0; i < nleave; i++) {
		int64_t ls = leave[i].starts, le = leave[i].ends;

		if (ls <= upto)
			ls = upto + 1;
		if (le > b)
			le = b;
		if (ls <= le) {
			off += expert_workdays_days(ls, le);
			upto = le;
		}
	}
	for (i = 0; i < ncommits; i++) {
		int64_t es = commits[i].starts, ee = commits[i].ends;
		int64_t c = commits[i].minutes;
		int64_t whole = expert_workdays_days(es, ee), part;

		if (whole > 0)
			part = expert_workdays_days(es > a ? es : a, ee < b ? ee : b);
		else {
			whole = ee - es + 1;
			part = (ee < b ? ee : b) - (es > a ? es : a) + 1;
		}
		/* c x part / whole, rounded up, without overflowing. */
		committed += c / whole * part +
		    (c % whole * part + whole - 1) / whole;
	}
	return weekly * (days - off) / 5 - committed;
}

/* --- Reading the directory --- */

/* Fills an expert's skills, ordered by area and speciality. */
static int
expert_load_skills(struct ep_db *db, struct expert_row *x)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT area, speciality, level FROM "
	    "expert_skills WHERE expert_id = ? ORDER BY area, speciality");

	if (s == NULL)
		return -1;
	x->nskills = 0;
	sqlite3_bind_int64(s, 1, x->id);
	while (sqlite3_step(s) == SQLITE_ROW && x->nskills < EXPERT_MAX_SKILLS) {
		struct expert_skill *k = &x->skills[x->nskills++];

		snprintf(k->area, sizeof k->area, "%s", sqlite3_column_text(s, 0));
		snprintf(k->speciality, sizeof k->speciality, "%s",
		    sqlite3_column_text(s, 1));
		k->level = sqlite3_column_int(s, 2);
	}
	sqlite3_reset(s);
	return 0;
}

#define EXPERT_COLUMNS "x.id, x.org_id, o.code, o.name, x.name, x.grade, " \
	"x.weekly_capacity_minutes, x.active, coalesce(p.login, ''), " \
	"o.calendar FROM " \
	"experts x JOIN organisations o ON o.id = x.org_id LEFT JOIN people p " \
	"ON p.id = x.person_id"

static void
expert_row_fill(sqlite3_stmt *s, struct expert_row *x)
{
	memset(x, 0, sizeof *x);
	x->id = sqlite3_column_int64(s, 0);
	x->org_id = sqlite3_column_int64(s, 1);
	snprintf(x->org_code, sizeof x->org_code, "%s", sqlite3_column_text(s, 2));
	snprintf(x->org_name, sizeof x->org_name, "%s", sqlite3_column_text(s, 3));
	snprintf(x->name, sizeof x->name, "%s", sqlite3_column_text(s, 4));
	snprintf(x->grade, sizeof x->grade, "%s", sqlite3_column_text(s, 5));
	x->weekly = sqlite3_column_int64(s, 6);
	x->active = sqlite3_column_int(s, 7);
	snprintf(x->login, sizeof x->login, "%s", sqlite3_column_text(s, 8));
	snprintf(x->org_calendar, sizeof x->org_calendar, "%s",
	    sqlite3_column_text(s, 9));
}

/* One expert with their skills; -1 when there is no such expert. */
int
expert_get(struct ep_db *db, int64_t id, struct expert_row *x)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT " EXPERT_COLUMNS " WHERE x.id = ?");
	int found = 0;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		expert_row_fill(s, x);
		found = 1;
	}
	sqlite3_reset(s);
	if (!found)
		return -1;
	return expert_load_skills(db, x);
}

/* Most free time first, then by organisation and name. */
static int
expert_row_cmp(const void *a, const void *b)
{
	const struct expert_row *x = a, *y = b;
	int c;

	if (x->free != y->free)
		return x->free > y->free ? -1 : 1;
	if ((c = strcmp(x->org_code, y->org_code)) != 0)
		return c;
	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Checks a search's filters, naming each bad one. */
static void
expert_filter_check(struct ep_db *db, const struct expert_filter *f,
    struct form_errors *e)
{
	int from = f->from != NULL && *f->from != '\0';
	int to = f->to != NULL && *f->to != '\0';
	int both_ok = from && to && units_date_ok(f->from) && units_date_ok(f->to);

	if (f->area != NULL && *f->area != '\0' && !expert_area_ok(f->area))
		errs_add(e, "area", "Skill area must be one of legal, it, "
		    "procurement, hr, finance or planning");
	if (f->speciality != NULL && *f->speciality != '\0') {
		if (f->area == NULL || *f->area == '\0')
			errs_add(e, "area", "Choose the skill area of the speciality");
		if (!expert_speciality_ok(f->speciality))
			errs_add(e, "speciality", "Speciality must be lower-case words "
			    "joined by dashes, such as planning-law");
	}
	if (f->org != NULL && *f->org != '\0' && org_id_by_code(db, f->org) <= 0)
		errs_add(e, "provider", "There is no organisation with code %s",
		    f->org);
	if (from && !units_date_ok(f->from))
		errs_add(e, "from", "Available from must be a real date as "
		    "YYYY-MM-DD");
	else if (!from && to)
		errs_add(e, "from", "Enter the first day the expert is needed");
	if (to && !units_date_ok(f->to))
		errs_add(e, "to", "Available to must be a real date as YYYY-MM-DD");
	else if (from && !to)
		errs_add(e, "to", "Enter the last day the expert is needed");
	else if (both_ok && strcmp(f->to, f->from) < 0)
		errs_add(e, "to", "Available to must be on or after available from");
	else if (both_ok && expert_days(f->to) - expert_days(f->from) > 3660)
		errs_add(e, "to", "Search ten years or less at a time");
}

static const char *
expert_nonempty(const char *s)
{
	return s != NULL && *s != '\0' ? s : NULL;
}

/*
 * Searches the directory: by skill area (and speciality), by provider, and
 * with a date range, by free time in it (only experts with some free time
 * are listed, most free first). Active experts only, unless f->all.
 */
int
expert_search(struct ep_db *db, const struct expert_filter *f,
    struct form_errors *e, struct expert_list *out)
{
	sqlite3_stmt *s;
	size_t i, kept = 0;

	memset(out, 0, sizeof *out);
	expert_filter_check(db, f, e);
	if (e->n > 0)
		return -1;
	out->window = expert_nonempty(f->from) != NULL;
	s = db_stmt(db, "SELECT " EXPERT_COLUMNS " WHERE (?1 IS NULL OR EXISTS "
	    "(SELECT 1 FROM expert_skills k WHERE k.expert_id = x.id AND "
	    "k.area = ?1 AND (?2 IS NULL OR k.speciality = ?2))) AND (?3 IS NULL "
	    "OR o.code = ?3) AND (?4 OR x.active = 1) ORDER BY o.code, x.name, "
	    "x.id");
	if (s == NULL) {
		errs_add(e, "area", "The directory could not be read: %s",
		    db_errmsg(db));
		return -1;
	}
	if (expert_nonempty(f->area))
		sqlite3_bind_text(s, 1, f->area, -1, SQLITE_STATIC);
	if (expert_nonempty(f->speciality))
		sqlite3_bind_text(s, 2, f->speciality, -1, SQLITE_STATIC);
	if (expert_nonempty(f->org))
		sqlite3_bind_text(s, 3, f->org, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, f->all);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (out->n == out->alloc) {
			out->alloc = out->alloc ? out->alloc * 2 : 16;
			out->rows = xrealloc(out->rows, out->alloc * sizeof *out->rows);
		}
		expert_row_fill(s, &out->rows[out->n++]);
	}
	sqlite3_reset(s);
	for (i = 0; i < out->n; i++) {
		struct expert_row *x = &out->rows[i];

		if (out->window) {
			x->free = expert_free_minutes(db, x->id, f->from, f->to);
			if (x->free <= 0)
				continue;
		}
		expert_load_skills(db, x);
		if (kept != i)
			out->rows[kept] = *x;
		kept++;
	}
	out->n = kept;
	if (out->window && out->n > 1)
		qsort(out->rows, out->n, sizeof *out->rows, expert_row_cmp);
	return 0;
}

void
expert_list_free(struct expert_list *l)
{
	free(l->rows);
	memset(l, 0, sizeof *l);
}

/* "legal/planning-law:5, it:3": the form the CLI and forms take. */
void
expert_skills_format(const struct expert_row *x, char *out, size_t len)
{
	size_t i, used = 0;

	out[0] = '\0';
	for (i = 0; i < x->nskills; i++) {
		const struct expert_skill *k = &x->skills[i];
		int n = snprintf(out + used, len - used, "%s%s%s%s:%d",
		    i ? ", " : "", k->area, *k->speciality ? "/" : "",
		    k->speciality, k->level);

		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
}
