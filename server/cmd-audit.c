/* cmd-audit.c: expertpool audit verify|list. */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

static int
cmd_audit_list(struct ep_db *db)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT id, at, actor, action, entity, "
	    "entity_id, summary FROM audit_events ORDER BY id");

	if (s == NULL)
		return CMD_ERROR;
	while (sqlite3_step(s) == SQLITE_ROW)
		printf("%lld %s %s %s %s %s %s\n",
		    (long long)sqlite3_column_int64(s, 0), sqlite3_column_text(s, 1),
		    sqlite3_column_text(s, 2), sqlite3_column_text(s, 3),
		    sqlite3_column_text(s, 4), sqlite3_column_text(s, 5),
		    sqlite3_column_text(s, 6));
	sqlite3_reset(s);
	return CMD_OK;
}

/* The chain, then its anchors: what a store writer cannot forge. */
static int
cmd_audit_verify(struct ep_db *db)
{
	char *err = NULL;
	int64_t n, anchors, last = 0;
	int unkeyed;

	n = audit_verify(db, &err);
	if (n < 0) {
		fprintf(stderr, "expertpool: audit chain broken: %s\n", err);
		free(err);
		return CMD_ERROR;
	}
	printf("audit chain intact: %lld events\n", (long long)n);
	anchors = audit_verify_anchors(db, &last, &unkeyed, &err);
	if (anchors < 0) {
		fprintf(stderr, "expertpool: audit anchors broken: %s\n", err);
		free(err);
		return CMD_ERROR;
	}
	if (unkeyed)
		printf("anchors not checked: no sealing key (--config with "
		    "sealing_key_file)\n");
	else
		printf("anchors intact: %lld, the last at event %lld; %lld "
		    "event%s since\n", (long long)anchors, (long long)last,
		    (long long)(n - last), n - last == 1 ? "" : "s");
	return CMD_OK;
}

static int
cmd_audit_anchor(struct ep_db *db)
{
	char *err = NULL;
	int rc = audit_anchor(db, &err);

	if (rc < 0) {
		fprintf(stderr, "expertpool: %s\n", err);
		free(err);
		return CMD_ERROR;
	}
	if (rc == 0 && cfg.sealing_key_file[0] == '\0') {
		fprintf(stderr, "expertpool: audit anchor: no sealing key "
		    "(--config with sealing_key_file)\n");
		return CMD_ERROR;
	}
	printf(rc ? "audit trail anchored\n" : "nothing new to anchor\n");
	return CMD_OK;
}

static int
cmd_audit_exec(struct ep_db *db, int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return cmd_audit_list(db);
	if (argc == 2 && strcmp(argv[1], "verify") == 0)
		return cmd_audit_verify(db);
	if (argc == 2 && strcmp(argv[1], "anchor") == 0)
		return cmd_audit_anchor(db);
	return cmd_usage("audit");
}

const struct cmd_entry cmd_audit_entry = {
	.name = "audit",
	.usage = "verify | anchor | list",
	.help = "check the audit trail's hash chain and its sealed anchors, "
	    "anchor its head now, or list its events",
	.needs_db = 1,
	.exec = cmd_audit_exec,
};
