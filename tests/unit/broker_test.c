/* broker_test.c: ranking, where skills, leave and committed time each
 * change the order; and the calendar arithmetic under it. */
#include "server.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static char dir[] = "/tmp/ep-broker-XXXXXX";

static int
setup(void **state)
{
	struct ep_db *db;
	char *err = NULL, *path;
	int applied = 0;

	log_init(EP_LOG_ERROR - 1);
	strcpy(dir, "/tmp/ep-broker-XXXXXX");
	assert_non_null(mkdtemp(dir));
	path = xprintf("%s/t.db", dir);
	db = db_open(path, 1000, &err);
	free(path);
	assert_non_null(db);
	assert_int_equal(migrate_core(db, &applied, &err), 0);
	/* Two providers; three legal experts, equal grade (no price: no fee
	 * engine here), 30 hours a week each. */
	assert_int_equal(db_exec(db,
	    "INSERT INTO organisations (code, name, kind) VALUES ('NRC', 'N', "
	    "'centre'), ('AVD', 'A', 'district'), ('BRK', 'B', 'borough');"
	    "INSERT INTO people (org_id, login, name, roles) VALUES (2, 'req', "
	    "'R', 1);"
	    "INSERT INTO experts (org_id, name, grade, weekly_capacity_minutes) "
	    "VALUES (1, 'Ann', 'senior', 1800), (1, 'Ben', 'senior', 1800), "
	    "(3, 'Cat', 'senior', 1800);"
	    "INSERT INTO expert_skills VALUES (1, 'legal', 'contracts', 5), "
	    "(2, 'legal', 'contracts', 4), (3, 'legal', 'property', 5);"
	    "INSERT INTO requests (consumer_id, requester_id, area, speciality, "
	    "title, urgency, wanted_start, wanted_end, estimated_minutes) VALUES "
	    "(2, 1, 'legal', 'contracts', 'T', 'routine', '2026-12-07', "
	    "'2026-12-18', 1200);"), 0);
	*state = db;
	return 0;
}

static int
teardown(void **state)
{
	char *cmd = xprintf("rm -rf '%s'", dir);

	db_close(*state);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	return 0;
}

/* The ranked expert ids, as "1,2,3". */
static const char *
order(struct ep_db *db)
{
	static char out[64];
	struct broker_candidate *v;
	size_t n, total, i, len = 0;

	assert_int_equal(broker_rank(db, 1, 10, &v, &n, &total), 0);
	assert_int_equal(total, n);
	out[0] = '\0';
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(out + len, sizeof out - len, "%s%lld",
		    i ? "," : "", (long long)v[i].expert_id);
	free(v);
	return out;
}

static void
test_skill_orders(void **state)
{
	struct ep_db *db = *state;

	/* Ann (contracts 5) over Ben (contracts 4) over Cat (property). */
	assert_string_equal(order(db), "1,2,3");
	/* Ben up to 5 (1000 points), Ann down to 4 (800). */
	assert_int_equal(db_exec(db, "UPDATE expert_skills SET level = 5 WHERE "
	    "expert_id = 2; UPDATE expert_skills SET level = 4 WHERE "
	    "expert_id = 1"), 0);
	assert_string_equal(order(db), "2,1,3");
	/* Ann down to 2 (400): below Cat's area-only property 5 (500). */
	assert_int_equal(db_exec(db, "UPDATE expert_skills SET level = 2 WHERE "
	    "expert_id = 1"), 0);
	assert_string_equal(order(db), "2,3,1");
}

static void
test_leave_orders(void **state)
{
	struct ep_db *db = *state;
	struct broker_candidate *v;
	size_t n, total;

	/* Ann on leave for the whole window: no free time (1000 + 0 + 300),
	 * below Ben (800 + 1000 + 300) and Cat (500 + 1000 + 300). */
	assert_int_equal(db_exec(db, "INSERT INTO expert_leave (expert_id, "
	    "starts, ends) VALUES (1, '2026-12-05', '2026-12-20')"), 0);
	assert_string_equal(order(db), "2,3,1");
	assert_int_equal(broker_rank(db, 1, 2, &v, &n, &total), 0);
	assert_int_equal(n, 2);
	assert_int_equal(total, 3);
	free(v);
	assert_int_equal(broker_rank(db, 1, 10, &v, &n, &total), 0);
	assert_int_equal(v[2].free_minutes, 0);
	assert_non_null(strstr(v[2].reasons, "some leave"));
	assert_int_equal(v[0].free_minutes, 1800 * 10 / 5);
	free(v);
}

static void
test_commitments_order(void **state)
{
	struct ep_db *db = *state;

	/* Ann fully committed elsewhere over the window; Ben free. */
	assert_int_equal(db_exec(db,
	    "INSERT INTO requests (consumer_id, requester_id, area, title, "
	    "urgency, wanted_start, wanted_end, estimated_minutes, state) VALUES "
	    "(2, 1, 'legal', 'Other', 'routine', '2026-12-07', '2026-12-18', "
	    "3600, 'engaged');"
	    "INSERT INTO offers (request_id, expert_id, provider_id, basis, "
	    "state) VALUES (2, 1, 1, 'hourly', 'accepted');"
	    "INSERT INTO engagements (request_id, offer_id, expert_id, "
	    "provider_id, consumer_id, basis, starts, ends, committed_minutes) "
	    "VALUES (2, 1, 1, 1, 2, 'hourly', '2026-12-07', '2026-12-18', 3600)"),
	    0);
	/* Ann has no free time left (1000 + 0 + 0: NRC now has all recent
	 * work, so no spread points for NRC either); Ben 800 + 1000 + 0 ties
	 * Cat 500 + 1000 + 300, broken by id. */
	assert_string_equal(order(db), "2,3,1");
}

static void
test_preferred(void **state)
{
	struct ep_db *db = *state;

	/* Ben preferred: 800 + 1000 + 300 + 400 passes Ann's 2300. */
	assert_int_equal(db_exec(db, "UPDATE requests SET preferred_expert_id = 2"),
	    0);
	assert_string_equal(order(db), "2,1,3");
}

static void
test_calendar(void **state)
{
	char d[11];

	(void)state;
	assert_int_equal(day_of("1970-01-01"), 0);
	assert_int_equal(weekday_of(day_of("2026-11-28")), 5); /* Saturday */
	assert_int_equal(working_days(day_of("2026-11-30"), day_of("2026-12-04")), 5);
	assert_int_equal(working_days(day_of("2026-11-28"), day_of("2026-11-29")), 0);
	assert_int_equal(working_days(day_of("2026-11-01"), day_of("2026-11-30")), 21);
	assert_int_equal(working_days(day_of("2026-12-05"), day_of("2026-12-04")), 0);
	day_format(day_of("2024-02-29"), d);
	assert_string_equal(d, "2024-02-29");
	day_format(day_of("2026-03-01") - 1, d);
	assert_string_equal(d, "2026-02-28");
}

/* Free time as the broker counts it is the directory's count. */
static void
test_capacity(void **state)
{
	struct expert_span c = { 1, day_of("2026-11-30"), day_of("2026-12-11"),
		600 };
	struct expert_span l = { 1, day_of("2026-12-01"), day_of("2026-12-02"),
		0 };
	int64_t from = day_of("2026-11-30"), to = day_of("2026-12-04");

	(void)state;
	/* 30 h a week, one week: 1800 minutes. */
	assert_int_equal(expert_free_of(1800, from, to, NULL, 0, NULL, 0), 1800);
	/* Two leave days take two fifths. */
	assert_int_equal(expert_free_of(1800, from, to, &l, 1, NULL, 0), 1080);
	/* Half of a two-week, 600-minute engagement falls in this week. */
	assert_int_equal(expert_free_of(1800, from, to, NULL, 0, &c, 1), 1500);
	/* Over-committed is negative; the broker shows it as none. */
	c.minutes = 100000;
	assert_true(expert_free_of(1800, from, to, NULL, 0, &c, 1) < 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_skill_orders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leave_orders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commitments_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_preferred, setup, teardown),
		cmocka_unit_test(test_calendar),
		cmocka_unit_test(test_capacity),
	};

	return cmocka_run_group_tests_name("broker", tests, NULL, NULL);
}
