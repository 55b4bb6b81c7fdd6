/* db_test.c: store pragmas, migrations, the statement cache, transactions. */
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
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	char *err = NULL;

	log_init(EP_LOG_ERROR - 1);
	strcpy(f->dir, "/tmp/ep-db-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->path = xprintf("%s/test.db", f->dir);
	f->db = db_open(f->path, 1000, &err);
	assert_non_null(f->db);
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

static const char *
one_text(struct ep_db *db, const char *sql)
{
	static char buf[64];
	sqlite3_stmt *s = db_stmt(db, sql);

	assert_non_null(s);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	snprintf(buf, sizeof buf, "%s", sqlite3_column_text(s, 0));
	sqlite3_reset(s);
	return buf;
}

static void
test_pragmas(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(one_text(f->db, "PRAGMA journal_mode"), "wal");
	assert_string_equal(one_text(f->db, "PRAGMA foreign_keys"), "1");
	assert_int_equal(db_ping(f->db), 0);
}

static void
test_migrate_twice(void **state)
{
	struct fixture *f = *state;
	int applied = 0;
	char *err = NULL;

	assert_int_equal(db_user_version(f->db), 0);
	assert_int_equal(migrate_core(f->db, &applied, &err), 0);
	assert_int_equal(applied, (int)core_nmigrations);
	assert_int_equal(db_user_version(f->db),
	    core_migrations[core_nmigrations - 1].version);
	applied = 0;
	assert_int_equal(migrate_core(f->db, &applied, &err), 0);
	assert_int_equal(applied, 0);
	/* A foreign key the schema declares is enforced. */
	assert_int_equal(db_exec(f->db, "INSERT INTO people (org_id, login, name) "
	    "VALUES (999, 'ghost', 'Ghost')"), -1);
}

static void
test_newer_schema_refused(void **state)
{
	struct fixture *f = *state;
	int applied = 0;
	char *err = NULL;

	assert_int_equal(db_exec(f->db, "PRAGMA user_version=9999"), 0);
	assert_int_equal(migrate_core(f->db, &applied, &err), -1);
	assert_non_null(strstr(err, "9999"));
	free(err);
}

static void
test_plugin_migration_once(void **state)
{
	struct fixture *f = *state;
	int applied = 0;
	char *err = NULL;

	assert_int_equal(migrate_core(f->db, &applied, &err), 0);
	applied = 0;
	assert_int_equal(migrate_plugin(f->db, "demo", 1,
	    "CREATE TABLE demo_things (id INTEGER PRIMARY KEY)", &applied, &err), 0);
	assert_int_equal(migrate_plugin(f->db, "demo", 1,
	    "CREATE TABLE demo_things (id INTEGER PRIMARY KEY)", &applied, &err), 0);
	assert_int_equal(applied, 1);
	assert_string_equal(one_text(f->db,
	    "SELECT count(*) FROM plugin_migrations WHERE plugin = 'demo'"), "1");
	/* A failing migration leaves neither its tables nor its record. */
	assert_int_equal(migrate_plugin(f->db, "demo", 2,
	    "CREATE TABLE demo_more (id INTEGER); SELECT nope FROM nowhere",
	    &applied, &err), -1);
	assert_non_null(strstr(err, "plugin demo migration 2"));
	free(err);
	assert_string_equal(one_text(f->db, "SELECT count(*) FROM sqlite_schema "
	    "WHERE name = 'demo_more'"), "0");
	assert_string_equal(one_text(f->db,
	    "SELECT count(*) FROM plugin_migrations WHERE plugin = 'demo'"), "1");
}

static void
test_statement_cache(void **state)
{
	struct fixture *f = *state;
	sqlite3_stmt *a, *b, *c;
	char sql[64];
	int i;

	a = db_stmt(f->db, "SELECT 1");
	b = db_stmt(f->db, "SELECT 2");
	c = db_stmt(f->db, "SELECT 1");
	assert_ptr_equal(a, c);
	assert_ptr_not_equal(a, b);
	for (i = 0; i < 200; i++) {
		snprintf(sql, sizeof sql, "SELECT %d", i + 3);
		assert_non_null(db_stmt(f->db, sql));
	}
	assert_ptr_equal(db_stmt(f->db, "SELECT 1"), a);
	assert_int_equal(db_cache_count(f->db), 202);
	assert_null(db_stmt(f->db, "SELECT FROM WHERE"));
}

static void
test_nested_transactions(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(db_exec(f->db, "CREATE TABLE t (x INTEGER)"), 0);
	assert_int_equal(db_begin(f->db), 0);
	assert_int_equal(db_exec(f->db, "INSERT INTO t VALUES (1)"), 0);
	assert_int_equal(db_begin(f->db), 0);
	assert_int_equal(db_exec(f->db, "INSERT INTO t VALUES (2)"), 0);
	assert_int_equal(db_rollback(f->db), 0);
	assert_int_equal(db_commit(f->db), 0);
	assert_string_equal(one_text(f->db, "SELECT group_concat(x) FROM t"), "1");
	assert_int_equal(db_commit(f->db), -1);
}

/*
 * The audit chain's end is remembered inside a write transaction: it must
 * be forgotten when a savepoint rolls back an event, and when another
 * connection may have appended between transactions.
 */
static void
test_audit_chain_end(void **state)
{
	struct fixture *f = *state;
	struct audit_actor who = { 0, "test" };
	struct ep_db *other;
	char *err = NULL;
	int64_t before;
	int applied = 0;

	assert_int_equal(migrate_core(f->db, &applied, &err), 0);
	before = audit_verify(f->db, &err);
	assert_true(before >= 0);
	other = db_open(f->path, 1000, &err);
	assert_non_null(other);
	assert_int_equal(db_begin(f->db), 0);
	assert_int_equal(audit_record(f->db, &who, "a", "thing", "1", 0, NULL), 0);
	assert_int_equal(audit_record(f->db, &who, "b", "thing", "1", 0, NULL), 0);
	assert_int_equal(db_begin(f->db), 0);
	assert_int_equal(audit_record(f->db, &who, "undone", "thing", "1", 0,
	    NULL), 0);
	assert_int_equal(db_rollback(f->db), 0);
	assert_int_equal(audit_record(f->db, &who, "c", "thing", "1", 0, NULL), 0);
	assert_int_equal(db_commit(f->db), 0);
	assert_int_equal(audit_record(other, &who, "d", "thing", "2", 0, NULL), 0);
	assert_int_equal(db_begin(f->db), 0);
	assert_int_equal(audit_record(f->db, &who, "e", "thing", "1", 0, NULL), 0);
	assert_int_equal(db_commit(f->db), 0);
	assert_int_equal(db_begin(other), 0);
	assert_int_equal(audit_record(other, &who, "f", "thing", "2", 0, NULL), 0);
	assert_int_equal(db_commit(other), 0);
	assert_int_equal(db_begin(f->db), 0);
	assert_int_equal(audit_record(f->db, &who, "g", "thing", "1", 0, NULL), 0);
	assert_int_equal(db_commit(f->db), 0);
	db_close(other);
	assert_int_equal(audit_verify(f->db, &err), before + 7);
	assert_string_equal(one_text(f->db, "SELECT group_concat(action, '') "
	    "FROM (SELECT action FROM audit_events WHERE entity = 'thing' "
	    "ORDER BY id)"), "abcdefg");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pragmas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_plugin_migration_once, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_statement_cache, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_nested_transactions, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_audit_chain_end, setup,
		    teardown),
	};

	return cmocka_run_group_tests_name("db", tests, NULL, NULL);
}
