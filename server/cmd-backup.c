/* cmd-backup.c: expertpool backup FILE, a checked copy of the live store. */
/*
 * The copy is one consistent snapshot taken through SQLite's online backup
 * while the server keeps running (in WAL mode a reader does not hold up
 * writers). It is written beside FILE under a temporary name, readable by
 * its owner only (it holds password hashes and sealed signing keys),
 * checked (SQLite's integrity check, the schema version, the audit chain)
 * and fsynced before it is renamed into place: FILE is either a good
 * backup or absent, never half of one.
 */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

/* fsyncs the file or directory at path; 0 or -1 with errno set. */
static int
backup_fsync(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	if (close(fd) != 0)
		rc = -1;
	return rc;
}

/* Copies the store behind src into the new file tmp; NULL or an error. */
static char *
backup_copy(struct ep_db *src, const char *tmp)
{
	sqlite3 *dst = NULL;
	sqlite3_backup *b;
	char *err = NULL;
	int fd, rc;

	/* Made here first, so the copy is never readable by others. */
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		return xprintf("%s: %s", tmp, strerror(errno));
	close(fd);
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		err = xprintf("%s: %s", tmp, sqlite3_errmsg(dst));
		goto out;
	}
	if ((b = sqlite3_backup_init(dst, "main", src->sql, "main")) == NULL) {
		err = xprintf("%s: %s", tmp, sqlite3_errmsg(dst));
		goto out;
	}
	/* All pages in one step: one read snapshot of the source. */
	rc = sqlite3_backup_step(b, -1);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE)
		err = xprintf("copying %s: %s", src->path, sqlite3_errstr(rc));
out:
	sqlite3_close(dst);
	return err;
}

/* Checks the copy at tmp; fills its figures, or returns an error. */
static char *
backup_check(const char *tmp, int want_version, int64_t *events,
    int64_t *pages)
{
	struct ep_db *db;
	sqlite3_stmt *s;
	char *err = NULL;
	const char *ok;

	if ((db = db_open(tmp, 1000, &err)) == NULL)
		return err;
	if ((s = db_stmt(db, "PRAGMA integrity_check(1)")) == NULL ||
	    sqlite3_step(s) != SQLITE_ROW) {
		err = xprintf("the copy could not be checked: %s",
		    db_errmsg(db));
		goto out;
	}
	ok = (const char *)sqlite3_column_text(s, 0);
	if (ok == NULL || strcmp(ok, "ok") != 0) {
		err = xprintf("the copy failed SQLite's integrity check: %s",
		    ok ? ok : "no answer");
		sqlite3_reset(s);
		goto out;
	}
	sqlite3_reset(s);
	if (db_user_version(db) != want_version) {
		err = xprintf("the copy has schema version %d, the store %d",
		    db_user_version(db), want_version);
		goto out;
	}
	if ((*events = audit_verify(db, &err)) < 0) {
		char *why = err;

		err = xprintf("the copy's audit chain is broken: %s", why);
		free(why);
		goto out;
	}
	if ((s = db_stmt(db, "PRAGMA page_count")) != NULL &&
	    sqlite3_step(s) == SQLITE_ROW)
		*pages = sqlite3_column_int64(s, 0);
	if (s != NULL)
		sqlite3_reset(s);
out:
	db_close(db);
	return err;
}

static int
cmd_backup_exec(struct ep_db *db, int argc, char **argv)
{
	char *tmp = NULL, *dircopy = NULL, *err = NULL;
	const char *file;
	int64_t events = 0, pages = 0;
	struct stat st;
	int rc = CMD_ERROR;

	if (argc != 2 || argv[1][0] == '\0' || argv[1][0] == '-')
		return cmd_usage("backup");
	file = argv[1];
	if (lstat(file, &st) == 0) {
		fprintf(stderr, "expertpool: backup: %s already exists; "
		    "choose a new name\n", file);
		return CMD_ERROR;
	}
	tmp = xprintf("%s.partial", file);
	if ((err = backup_copy(db, tmp)) != NULL ||
	    (err = backup_check(tmp, db_user_version(db), &events, &pages)) !=
	    NULL)
		goto fail;
	if (backup_fsync(tmp, O_RDONLY) != 0 || rename(tmp, file) != 0) {
		err = xprintf("%s: %s", file, strerror(errno));
		goto fail;
	}
	dircopy = xstrdup(file);
	if (backup_fsync(dirname(dircopy), O_RDONLY | O_DIRECTORY) != 0) {
		err = xprintf("%s: %s", file, strerror(errno));
		goto out;
	}
	printf("backed up %s to %s: schema %d, %lld pages, "
	    "integrity ok, audit chain intact (%lld events)\n", db->path, file,
	    db_user_version(db), (long long)pages, (long long)events);
	rc = CMD_OK;
	goto out;
fail:
	unlink(tmp);
out:
	if (err != NULL)
		fprintf(stderr, "expertpool: backup: %s\n", err);
	free(err);
	free(tmp);
	free(dircopy);
	return rc;
}

const struct cmd_entry cmd_backup_entry = {
	.name = "backup",
	.usage = "FILE",
	.help = "copy the live store to a new file, checked and durable",
	.needs_db = 1,
	.exec = cmd_backup_exec,
};
