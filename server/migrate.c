/* migrate.c: schema migrations, the core's by user_version, plugins' apart. */
#include "server.h"

#include <stdlib.h>

#include <sqlite3.h>

/* Runs one migration's SQL and its bookkeeping in one transaction. */
static int
migrate_apply(struct ep_db *db, const char *what, const char *sql,
    const char *record_sql, const char *plugin, int version, char **err)
{
	sqlite3_stmt *s;

	if (db_begin(db) != 0) {
		*err = xprintf("%s: cannot begin: %s", what, db_errmsg(db));
		return -1;
	}
	if (db_exec(db, sql) != 0) {
		*err = xprintf("%s: %s", what, db_errmsg(db));
		goto fail;
	}
	if (plugin == NULL) {
		char pragma[48];

		snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", version);
		if (db_exec(db, pragma) != 0) {
			*err = xprintf("%s: %s", what, db_errmsg(db));
			goto fail;
		}
	} else {
		s = db_stmt(db, record_sql);
		if (s == NULL) {
			*err = xprintf("%s: %s", what, db_errmsg(db));
			goto fail;
		}
		sqlite3_bind_text(s, 1, plugin, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 2, version);
		if (sqlite3_step(s) != SQLITE_DONE) {
			*err = xprintf("%s: %s", what, db_errmsg(db));
			sqlite3_reset(s);
			goto fail;
		}
		sqlite3_reset(s);
	}
	if (db_commit(db) != 0) {
		*err = xprintf("%s: cannot commit: %s", what, db_errmsg(db));
		goto fail;
	}
	return 0;
fail:
	db_rollback(db);
	return -1;
}

/* Brings the core schema up to the newest compiled-in migration. */
int
migrate_core(struct ep_db *db, int *applied, char **err)
{
	int current = db_user_version(db);
	size_t i;

	if (current < 0) {
		*err = xprintf("cannot read the schema version: %s", db_errmsg(db));
		return -1;
	}
	if (core_nmigrations > 0 &&
	    current > core_migrations[core_nmigrations - 1].version) {
		*err = xprintf("the store's schema version %d is newer than this "
		    "program's %d", current,
		    core_migrations[core_nmigrations - 1].version);
		return -1;
	}
	for (i = 0; i < core_nmigrations; i++) {
		const struct migration *m = &core_migrations[i];
		char *what;
		int rc;

		if (m->version <= current)
			continue;
		what = xprintf("migration %04d-%s", m->version, m->name);
		rc = migrate_apply(db, what, m->sql, NULL, NULL, m->version, err);
		free(what);
		if (rc != 0)
			return -1;
		(*applied)++;
	}
	return 0;
}

/* Applies one plugin migration unless plugin_migrations records it. */
int
migrate_plugin(struct ep_db *db, const char *plugin, int version,
    const char *sql, int *applied, char **err)
{
	sqlite3_stmt *s = db_stmt(db,
	    "SELECT 1 FROM plugin_migrations WHERE plugin = ? AND version = ?");
	char *what;
	int done, rc;

	if (s == NULL) {
		*err = xprintf("plugin %s: %s", plugin, db_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(s, 1, plugin, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, version);
	done = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_reset(s);
	if (done)
		return 0;
	what = xprintf("plugin %s migration %d", plugin, version);
	rc = migrate_apply(db, what, sql,
	    "INSERT INTO plugin_migrations (plugin, version) VALUES (?, ?)",
	    plugin, version, err);
	free(what);
	if (rc == 0)
		(*applied)++;
	return rc;
}

/*
 * The core first, then every loaded plugin's, in registration order; then
 * the reports' summary triggers on whichever watched tables now exist.
 */
int
migrate_all(struct ep_db *db, int *applied, char **err)
{
	size_t i;

	if (migrate_core(db, applied, err) != 0)
		return -1;
	for (i = 0; i < plugin_nmigrations(); i++) {
		const struct plugin_migration *m = plugin_migration_at(i);

		if (migrate_plugin(db, m->owner->info->name, m->version, m->sql,
		    applied, err) != 0)
			return -1;
	}
	return report_sum_install(db, err);
}
