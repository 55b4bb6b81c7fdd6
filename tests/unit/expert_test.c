/* expert_test.c: free capacity over leave, engagements and weekends; the
 * directory's parsers and its all-or-nothing validation. */
#include "server.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

struct fixture {
	char dir[64];
	char *path;
	struct ep_db *db;
	struct audit_actor actor;
	int64_t full;	/* 37.5 hours a week: 450 minutes a working day */
	int64_t odd;	/* 10:01 a week: 120.2 minutes a day, rounds down */
};

static int64_t
add_expert(struct fixture *f, const char *name, const char *capacity)
{
	const char *skills[] = { "legal/planning-law:4" };
	struct expert_input in = {
		.org_code = "AVD", .name = name, .grade = "senior",
		.capacity = capacity, .skills = skills, .nskills = 1,
	};
	struct form_errors e = { 0 };
	int64_t id = 0;

	if (expert_add(f->db, &f->actor, &in, &e, &id) != 0) {
		errs_print(&e, stderr);
		fail();
	}
	return id;
}

static void
exec_ok(struct ep_db *db, const char *sql)
{
	if (db_exec(db, sql) != 0)
		fail_msg("%s: %s", sql, db_errmsg(db));
}

/* An engagement needs a request and an offer behind it. */
static void
add_engagement(struct fixture *f, int64_t expert, const char *starts,
    const char *ends, int64_t minutes, const char *state)
{
	static int n;
	char *sql;

	n++;
	sql = xprintf("INSERT INTO requests (id, consumer_id, requester_id, "
	    "area, title, urgency, wanted_start, wanted_end, estimated_minutes) "
	    "VALUES (%d, 1, 1, 'legal', 'r%d', 'routine', '%s', '%s', 60);"
	    "INSERT INTO offers (id, request_id, expert_id, provider_id, basis) "
	    "VALUES (%d, %d, %lld, 1, 'hourly');"
	    "INSERT INTO engagements (request_id, offer_id, expert_id, "
	    "provider_id, consumer_id, basis, starts, ends, committed_minutes, "
	    "state) VALUES (%d, %d, %lld, 1, 1, 'hourly', '%s', '%s', %lld, '%s')",
	    n, n, starts, ends, n, n, (long long)expert, n, n, (long long)expert,
	    starts, ends, (long long)minutes, state);
	exec_ok(f->db, sql);
	free(sql);
}

static void
add_leave(struct fixture *f, int64_t expert, const char *from, const char *to)
{
	struct leave_input in = { .from = from, .to = to, .note = "" };
	struct form_errors e = { 0 };
	int64_t id;

	if (expert_leave_add(f->db, &f->actor, expert, &in, &e, &id) != 0) {
		errs_print(&e, stderr);
		fail();
	}
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	struct org_input org = { .code = "AVD", .name = "Avondale",
		.kind = "district" };
	struct form_errors e = { 0 };
	char *err = NULL;
	int applied;
	int64_t id;

	log_init(EP_LOG_ERROR - 1);
	strcpy(f->dir, "/tmp/ep-expert-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->path = xprintf("%s/test.db", f->dir);
	f->db = db_open(f->path, 1000, &err);
	assert_non_null(f->db);
	assert_int_equal(migrate_core(f->db, &applied, &err), 0);
	audit_actor_cli(&f->actor);
	assert_int_equal(org_add(f->db, &f->actor, &org, &e, &id), 0);
	exec_ok(f->db, "INSERT INTO people (id, org_id, login, name, roles) "
	    "VALUES (1, 1, 'rita', 'Rita', 1)");
	f->full = add_expert(f, "Full Time", "37.5");
	f->odd = add_expert(f, "Odd Hours", "10:01");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd;

	db_close(f->db);
	cmd = xprintf("rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(f->path);
	free(f);
	return 0;
}

#define FREE(f, x, a, b) expert_free_minutes((f)->db, (x), (a), (b))

/* 2025-03-03 is a Monday. */
static void
test_free_weekends(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(FREE(f, f->full, "2025-03-03", "2025-03-09"), 2250);
	assert_int_equal(FREE(f, f->full, "2025-03-08", "2025-03-09"), 0);
	assert_int_equal(FREE(f, f->full, "2025-03-05", "2025-03-05"), 450);
	assert_int_equal(FREE(f, f->full, "2025-03-01", "2025-03-04"), 900);
	assert_int_equal(FREE(f, f->full, "2025-03-03", "2025-03-16"), 4500);
	/* Across a leap day (a Thursday) and a new year. */
	assert_int_equal(FREE(f, f->full, "2024-02-28", "2024-03-01"), 1350);
	assert_int_equal(FREE(f, f->full, "2024-12-30", "2025-01-05"), 2250);
	assert_int_equal(expert_workdays("2025-01-01", "2025-12-31"), 261);
	assert_int_equal(expert_workdays("2025-03-09", "2025-03-03"), 0);
	/* Capacity rounds down: 601 / 5 = 120.2 a day. */
	assert_int_equal(FREE(f, f->odd, "2025-03-03", "2025-03-03"), 120);
	assert_int_equal(FREE(f, f->odd, "2025-03-03", "2025-03-09"), 601);
}

static void
test_free_unknown(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(FREE(f, 999, "2025-03-03", "2025-03-09"), 0);
	assert_int_equal(FREE(f, f->full, "2025-03-09", "2025-03-03"), 0);
	assert_int_equal(FREE(f, f->full, "2025-02-30", "2025-03-03"), 0);
	assert_int_equal(expert_set_active(f->db, &f->actor, f->full, 0), 0);
	assert_int_equal(FREE(f, f->full, "2025-03-03", "2025-03-09"), 0);
	assert_int_equal(expert_set_active(f->db, &f->actor, f->full, 1), 0);
	assert_int_equal(FREE(f, f->full, "2025-03-03", "2025-03-09"), 2250);
}

static void
test_free_leave(void **state)
{
	struct fixture *f = *state;

	add_leave(f, f->full, "2025-03-04", "2025-03-05");	/* Tue, Wed */
	assert_int_equal(FREE(f, f->full, "2025-03-03", "2025-03-09"), 1350);
	/* Friday to Monday: one working day in each week. */
	add_leave(f, f->full, "2025-03-07", "2025-03-10");
	assert_int_equal(FREE(f, f->full, "2025-03-03", "2025-03-09"), 900);
	assert_int_equal(FREE(f, f->full, "2025-03-10", "2025-03-16"), 1800);
	/* Leave outside the range does not count; a range all on leave is 0. */
	assert_int_equal(FREE(f, f->full, "2025-03-17", "2025-03-21"), 2250);
	assert_int_equal(FREE(f, f->full, "2025-03-04", "2025-03-05"), 0);
	/* Overlapping rows (written past expert_leave_add) count once. */
	exec_ok(f->db, "INSERT INTO expert_leave (expert_id, starts, ends) "
	    "VALUES (1, '2025-03-03', '2025-03-04')");
	assert_int_equal(FREE(f, f->full, "2025-03-03", "2025-03-09"), 450);
}

static void
test_free_engagements(void **state)
{
	struct fixture *f = *state;

	/* 600 minutes over two weeks' 10 working days: 60 a day. */
	add_engagement(f, f->full, "2025-03-03", "2025-03-14", 600, "active");
	assert_int_equal(FREE(f, f->full, "2025-03-03", "2025-03-09"), 1950);
	assert_int_equal(FREE(f, f->full, "2025-03-08", "2025-03-11"), 900 - 120);
	assert_int_equal(FREE(f, f->full, "2025-03-17", "2025-03-21"), 2250);
	/* Closed and cancelled engagements take no time. */
	add_engagement(f, f->full, "2025-03-03", "2025-03-07", 900, "completed");
	add_engagement(f, f->full, "2025-03-03", "2025-03-07", 900, "cancelled");
	assert_int_equal(FREE(f, f->full, "2025-03-03", "2025-03-09"), 1950);
	/* A share rounds up: 100 over Mon to Wed is 33.3 on Monday -> 34. */
	add_engagement(f, f->odd, "2025-03-03", "2025-03-05", 100, "active");
	assert_int_equal(FREE(f, f->odd, "2025-03-03", "2025-03-03"), 120 - 34);
	assert_int_equal(FREE(f, f->odd, "2025-03-03", "2025-03-05"), 360 - 100);
	/* A weekend-only engagement spreads over its calendar days. */
	add_engagement(f, f->odd, "2025-03-08", "2025-03-09", 120, "active");
	assert_int_equal(FREE(f, f->odd, "2025-03-09", "2025-03-09"), -60);
	/* Over-committed: negative. */
	add_engagement(f, f->full, "2025-03-03", "2025-03-03", 1000, "active");
	assert_int_equal(FREE(f, f->full, "2025-03-03", "2025-03-03"),
	    450 - 60 - 1000);
	/* Leave and engagements together. */
	add_leave(f, f->full, "2025-03-05", "2025-03-05");
	assert_int_equal(FREE(f, f->full, "2025-03-03", "2025-03-09"),
	    1800 - 300 - 1000);
}

static void
test_hours(void **state)
{
	static const struct {
		const char *text;
		int64_t minutes; /* -1: refused */
	} cases[] = {
		{ "37.5", 2250 }, { "37:30", 2250 }, { "37", 2220 }, { "0", 0 },
		{ "168", 10080 }, { "168:01", -1 }, { "169", -1 }, { "37.25", 2235 },
		{ "0.01", 1 }, { "0.05", 3 }, { "37.125", -1 }, { "37:5", -1 },
		{ "37:60", -1 }, { "-1", -1 }, { "", -1 }, { "abc", -1 },
		{ "37.", -1 }, { "1e2", -1 }, { " 20 ", 1200 },
		{ "37 h 30 m", 2250 }, { "168 h", 10080 }, { "168 h 01 m", -1 },
	};
	size_t i;
	int64_t m;

	(void)state;
	for (i = 0; i < nitems(cases); i++) {
		int rc = expert_parse_hours(cases[i].text, &m);

		if (cases[i].minutes < 0 ? rc == 0 : rc != 0 || m != cases[i].minutes)
			fail_msg("expert_parse_hours(\"%s\") = %d, %lld", cases[i].text,
			    rc, (long long)m);
	}
}

static void
test_skills(void **state)
{
	struct expert_skill k;
	char why[160];

	(void)state;
	assert_int_equal(expert_parse_skill("legal/planning-law:5", &k, why,
	    sizeof why), 0);
	assert_string_equal(k.area, "legal");
	assert_string_equal(k.speciality, "planning-law");
	assert_int_equal(k.level, 5);
	assert_int_equal(expert_parse_skill("procurement:3", &k, why, sizeof why),
	    0);
	assert_string_equal(k.speciality, "");
	assert_int_equal(expert_parse_skill("legal/contracts:6", &k, why,
	    sizeof why), -1);
	assert_non_null(strstr(why, "level"));
	assert_int_equal(expert_parse_skill("legal/contracts", &k, why,
	    sizeof why), -1);
	assert_int_equal(expert_parse_skill("law/contracts:3", &k, why,
	    sizeof why), -1);
	assert_non_null(strstr(why, "area"));
	assert_int_equal(expert_parse_skill("legal/Contracts:3", &k, why,
	    sizeof why), -1);
	assert_non_null(strstr(why, "speciality"));
	assert_int_equal(expert_parse_skill("legal/-x:3", &k, why, sizeof why),
	    -1);
	assert_int_equal(expert_parse_skill("legal/a--b:3", &k, why, sizeof why),
	    -1);
	assert_int_equal(expert_parse_skill("legal/:3", &k, why, sizeof why), -1);
}

static int64_t
count(struct ep_db *db, const char *sql)
{
	sqlite3_stmt *s = db_stmt(db, sql);
	int64_t n;

	assert_non_null(s);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return n;
}

/* Every bad field is named, and nothing at all is saved. */
static void
test_add_all_or_nothing(void **state)
{
	struct fixture *f = *state;
	const char *skills[] = { "legal/contracts:4", "it/architecture:9" };
	const char *twice[] = { "hr:2", "hr:3" };
	struct expert_input in = {
		.org_code = "ZZZ", .name = "", .grade = "boss", .capacity = "170",
		.login = "rita", .skills = skills, .nskills = 2,
	};
	struct form_errors e = { 0 };
	int64_t experts = count(f->db, "SELECT count(*) FROM experts");
	int64_t events = count(f->db, "SELECT count(*) FROM audit_events");
	int64_t id = 0;

	assert_int_equal(expert_add(f->db, &f->actor, &in, &e, &id), -1);
	assert_non_null(errs_get(&e, "org"));
	assert_non_null(errs_get(&e, "name"));
	assert_non_null(errs_get(&e, "grade"));
	assert_non_null(errs_get(&e, "capacity"));
	assert_non_null(strstr(errs_get(&e, "skills"), "Skill 2"));
	errs_free(&e);
	/* Rita is a requester, not an expert. */
	in.org_code = "AVD";
	in.name = "Ok";
	in.grade = "junior";
	in.capacity = "10";
	in.nskills = 1;
	assert_int_equal(expert_add(f->db, &f->actor, &in, &e, &id), -1);
	assert_int_equal(e.n, 1);
	assert_non_null(strstr(errs_get(&e, "login"), "expert role"));
	errs_free(&e);
	in.login = NULL;
	in.skills = twice;
	in.nskills = 2;
	assert_int_equal(expert_add(f->db, &f->actor, &in, &e, &id), -1);
	assert_non_null(strstr(errs_get(&e, "skills"), "twice"));
	errs_free(&e);
	in.nskills = 0;
	assert_int_equal(expert_add(f->db, &f->actor, &in, &e, &id), -1);
	assert_non_null(errs_get(&e, "skills"));
	errs_free(&e);
	assert_int_equal(count(f->db, "SELECT count(*) FROM experts"), experts);
	assert_int_equal(count(f->db, "SELECT count(*) FROM audit_events"),
	    events);
	/* Linked to an expert login of the organisation: saved and audited. */
	exec_ok(f->db, "UPDATE people SET roles = 4 WHERE login = 'rita'");
	in.login = "rita";
	in.nskills = 1;
	assert_int_equal(expert_add(f->db, &f->actor, &in, &e, &id), 0);
	assert_int_equal(count(f->db, "SELECT count(*) FROM expert_skills "
	    "WHERE expert_id = (SELECT max(id) FROM experts)"), 1);
	assert_int_equal(count(f->db, "SELECT count(*) FROM audit_events"),
	    events + 1);
	assert_int_equal(expert_add(f->db, &f->actor, &in, &e, &id), -1);
	assert_non_null(strstr(errs_get(&e, "login"), "already linked"));
	errs_free(&e);
}

static void
test_leave_checks(void **state)
{
	struct fixture *f = *state;
	struct leave_input in = { .from = "2025-03-10", .to = "2025-03-14" };
	struct form_errors e = { 0 };
	int64_t id;

	assert_int_equal(expert_leave_add(f->db, &f->actor, f->full, &in, &e,
	    &id), 0);
	in.from = "2025-03-14";
	in.to = "2025-03-20";
	assert_int_equal(expert_leave_add(f->db, &f->actor, f->full, &in, &e,
	    &id), -1);
	assert_non_null(strstr(errs_get(&e, "from"), "2025-03-10 to 2025-03-14"));
	errs_free(&e);
	in.from = "2025-03-21";
	in.to = "2025-03-20";
	assert_int_equal(expert_leave_add(f->db, &f->actor, f->full, &in, &e,
	    &id), -1);
	assert_non_null(errs_get(&e, "to"));
	errs_free(&e);
	in.from = "2025-02-29";
	in.to = "";
	assert_int_equal(expert_leave_add(f->db, &f->actor, 999, &in, &e, &id),
	    -1);
	assert_non_null(errs_get(&e, "expert"));
	assert_non_null(errs_get(&e, "from"));
	assert_non_null(errs_get(&e, "to"));
	errs_free(&e);
	/* Another expert's leave is no overlap. */
	in.from = "2025-03-10";
	in.to = "2025-03-14";
	assert_int_equal(expert_leave_add(f->db, &f->actor, f->odd, &in, &e,
	    &id), 0);
	assert_int_equal(count(f->db, "SELECT count(*) FROM expert_leave"), 2);
}

static void
test_search(void **state)
{
	struct fixture *f = *state;
	struct expert_filter flt = { .area = "legal",
		.speciality = "planning-law", .from = "2025-03-03",
		.to = "2025-03-09" };
	struct form_errors e = { 0 };
	struct expert_list l;

	add_leave(f, f->full, "2025-03-03", "2025-03-07");
	assert_int_equal(expert_search(f->db, &flt, &e, &l), 0);
	/* The full-timer is away all week: only Odd Hours has free time. */
	assert_int_equal(l.n, 1);
	assert_string_equal(l.rows[0].name, "Odd Hours");
	assert_int_equal(l.rows[0].free, 601);
	assert_int_equal(l.rows[0].nskills, 1);
	expert_list_free(&l);
	flt.from = flt.to = NULL;
	flt.speciality = "contracts";
	assert_int_equal(expert_search(f->db, &flt, &e, &l), 0);
	assert_int_equal(l.n, 0);
	expert_list_free(&l);
	flt.area = "law";
	flt.org = "ZZZ";
	flt.to = "2025-03-01";
	assert_int_equal(expert_search(f->db, &flt, &e, &l), -1);
	assert_non_null(errs_get(&e, "area"));
	assert_non_null(errs_get(&e, "provider"));
	assert_non_null(errs_get(&e, "from"));
	errs_free(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_free_weekends, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_free_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_leave, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_engagements, setup,
		    teardown),
		cmocka_unit_test(test_hours),
		cmocka_unit_test(test_skills),
		cmocka_unit_test_setup_teardown(test_add_all_or_nothing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_leave_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search, setup, teardown),
	};

	return cmocka_run_group_tests_name("expert", tests, NULL, NULL);
}
