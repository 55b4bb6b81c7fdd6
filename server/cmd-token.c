/* cmd-token.c: expertpool token create|list|revoke, for API clients. */
#include "server.h"

#include <getopt.h>
#include <string.h>

#include <sqlite3.h>

static int
cmd_token_create(struct ep_db *db, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "user", required_argument, NULL, 'u' },
		{ "label", required_argument, NULL, 'l' },
		{ "days", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const char *login = NULL, *label = "";
	int64_t days = cfg.token_days;
	struct audit_actor actor;
	char token[80], idtext[24];
	int64_t person, id, org = 0;
	sqlite3_stmt *s;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'u': login = optarg; break;
		case 'l': label = optarg; break;
		case 'd':
			if (parse_int64(optarg, 1, 366, &days) != 0) {
				fprintf(stderr, "expertpool: token create: --days: "
				    "a whole number of days from 1 to 366\n");
				return CMD_ERROR;
			}
			break;
		default: return cmd_usage("token");
		}
	}
	if (login == NULL || optind != argc)
		return cmd_usage("token");
	if ((person = person_id_by_login(db, login)) <= 0) {
		fprintf(stderr, "expertpool: user: no user %s\n", login);
		return CMD_ERROR;
	}
	s = db_stmt(db, "SELECT org_id FROM people WHERE id = ?");
	sqlite3_bind_int64(s, 1, person);
	if (sqlite3_step(s) == SQLITE_ROW)
		org = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	audit_actor_cli(&actor);
	if (db_begin(db) != 0)
		return CMD_ERROR;
	if (apitoken_create(db, person, label, days, token, sizeof token,
	    &id) != 0)
		goto fail;
	snprintf(idtext, sizeof idtext, "%lld", (long long)id);
	if (audit_record(db, &actor, "create", "api-token", idtext, org,
	    "{}") != 0 || db_commit(db) != 0)
		goto fail;
	printf("%s\n", token);
	fprintf(stderr, "token %lld for %s, for %lld days: shown once, keep it "
	    "safe\n", (long long)id, login, (long long)days);
	return CMD_OK;
fail:
	db_rollback(db);
	fprintf(stderr, "expertpool: the token could not be saved: %s\n",
	    db_errmsg(db));
	return CMD_ERROR;
}

static int
cmd_token_list(struct ep_db *db)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT t.id, p.login, t.label, "
	    "t.created_at, coalesce(t.expires_at, '-'), coalesce(t.revoked_at, "
	    "'-') FROM api_tokens t JOIN people p ON p.id = t.person_id ORDER BY "
	    "t.id");

	if (s == NULL)
		return CMD_ERROR;
	printf("%-4s %-20s %-20s %-20s %-20s %s\n", "ID", "USER", "LABEL",
	    "CREATED", "EXPIRES", "REVOKED");
	while (sqlite3_step(s) == SQLITE_ROW)
		printf("%-4lld %-20s %-20s %-20s %-20s %s\n",
		    (long long)sqlite3_column_int64(s, 0), sqlite3_column_text(s, 1),
		    sqlite3_column_text(s, 2), sqlite3_column_text(s, 3),
		    sqlite3_column_text(s, 4), sqlite3_column_text(s, 5));
	sqlite3_reset(s);
	return CMD_OK;
}

static int
cmd_token_revoke(struct ep_db *db, const char *idtext)
{
	struct audit_actor actor;
	sqlite3_stmt *s;
	int64_t id;
	int changed;

	if (parse_int64(idtext, 1, INT64_MAX, &id) != 0)
		return cmd_usage("token");
	audit_actor_cli(&actor);
	if (db_begin(db) != 0)
		return CMD_ERROR;
	s = db_stmt(db, "UPDATE api_tokens SET revoked_at = strftime("
	    "'%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ? AND revoked_at IS NULL");
	sqlite3_bind_int64(s, 1, id);
	sqlite3_step(s);
	sqlite3_reset(s);
	changed = sqlite3_changes(db->sql);
	if (changed == 0) {
		db_rollback(db);
		fprintf(stderr, "expertpool: id: no live token %s\n", idtext);
		return CMD_ERROR;
	}
	if (audit_record(db, &actor, "revoke", "api-token", idtext, 0, "{}") != 0 ||
	    db_commit(db) != 0) {
		db_rollback(db);
		return CMD_ERROR;
	}
	printf("token %s revoked\n", idtext);
	return CMD_OK;
}

static int
cmd_token_exec(struct ep_db *db, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "create") == 0)
		return cmd_token_create(db, argc - 1, argv + 1);
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return cmd_token_list(db);
	if (argc == 3 && strcmp(argv[1], "revoke") == 0)
		return cmd_token_revoke(db, argv[2]);
	return cmd_usage("token");
}

const struct cmd_entry cmd_token_entry = {
	.name = "token",
	.usage = "create --user LOGIN [--label TEXT] [--days N] | list | revoke ID",
	.help = "create (shown once), list or revoke API bearer tokens",
	.needs_db = 1,
	.exec = cmd_token_exec,
};
