/* cmd-user.c: expertpool user add|set|list|passwd|disable|enable. */
#include "server.h"

#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

/* Reads a password from standard input: never from the command line. */
int
read_password(const char *prompt, char *buf, size_t len)
{
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO);
	size_t n;

	if (tty) {
		fprintf(stderr, "%s", prompt);
		tcgetattr(STDIN_FILENO, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
	}
	if (fgets(buf, (int)len, stdin) == NULL)
		buf[0] = '\0';
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSANOW, &old);
		fputc('\n', stderr);
	}
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return n > 0 ? 0 : -1;
}

/* Adds a person, asking for their first password on the terminal. */
static int
cmd_user_add(struct ep_db *db, int argc, char **argv)
{
	struct person_input in = { 0 };
	const char *roles = NULL;
	const struct cmd_option opts[] = {
		{ .name = "org", .value = &in.org_code },
		{ .name = "roles", .value = &roles },
		{ .name = "name", .value = &in.name },
		{ .name = NULL },
	};
	struct form_errors e = { 0 };
	struct audit_actor actor;
	char password[300], bad[64];
	int64_t id;
	int i, rc = CMD_ERROR;

	if ((i = cmd_options("user", argc, argv, opts, 1)) < 0)
		return CMD_USAGE;
	in.login = argv[i];
	if (roles == NULL || roles_parse(roles, &in.roles, bad, sizeof bad) != 0) {
		fprintf(stderr, "expertpool: roles: %s%s%s; choose from requester, "
		    "approver, expert, pool-manager, finance, admin\n",
		    roles ? "unknown role \"" : "give --roles",
		    roles ? bad : "", roles ? "\"" : "");
		return CMD_USAGE;
	}
	read_password("Password: ", password, sizeof password);
	in.password = password;
	audit_actor_cli(&actor);
	if (person_add(db, &actor, &in, &e, &id) != 0) {
		errs_print(&e, stderr);
		goto out;
	}
	printf("user %s created (id %lld)\n", in.login, (long long)id);
	rc = CMD_OK;
out:
	errs_free(&e);
	sodium_memzero(password, sizeof password);
	return rc;
}

/* A person by login, or by id when the argument is a number. */
static int64_t
cmd_user_find(struct ep_db *db, const char *who)
{
	int64_t id = person_id_by_login(db, who);

	if (id <= 0 && parse_int64(who, 1, INT64_MAX, &id) == 0) {
		sqlite3_stmt *s = db_stmt(db, "SELECT id FROM people WHERE id = ?");

		sqlite3_bind_int64(s, 1, id);
		id = sqlite3_step(s) == SQLITE_ROW ? id : 0;
		sqlite3_reset(s);
	}
	return id > 0 ? id : 0;
}

/* Changes a person's name, email address, roles or state. */
static int
cmd_user_set(struct ep_db *db, int argc, char **argv)
{
	struct person_edit in = { .disabled = -1 };
	const struct cmd_option opts[] = {
		{ .name = "name", .value = &in.name },
		{ .name = "email", .value = &in.email },
		{ .name = "roles", .value = &in.roles },
		{ .name = "disable", .flag = &in.disabled, .set = 1 },
		{ .name = "enable", .flag = &in.disabled, .set = 0 },
		{ .name = NULL },
	};
	struct form_errors e = { 0 };
	struct audit_actor actor;
	int64_t id;
	int changed, i;

	if ((i = cmd_options("user", argc, argv, opts, 1)) < 0)
		return CMD_USAGE;
	if ((id = cmd_user_find(db, argv[i])) == 0) {
		fprintf(stderr, "expertpool: login: no user %s\n", argv[i]);
		return CMD_ERROR;
	}
	audit_actor_cli(&actor);
	if (person_update(db, &actor, id, &in, &e, &changed) != 0) {
		errs_print(&e, stderr);
		errs_free(&e);
		return CMD_ERROR;
	}
	printf(changed ? "user %s updated\n" : "user %s unchanged\n",
	    argv[i]);
	return CMD_OK;
}

static int
cmd_user_list(struct ep_db *db)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT p.login, o.code, p.roles, "
	    "p.disabled, p.name FROM people p JOIN organisations o ON "
	    "o.id = p.org_id ORDER BY o.code, p.login");
	char roles[128];

	if (s == NULL)
		return CMD_ERROR;
	printf("%-20s %-8s %-40s %-8s %s\n", "LOGIN", "ORG", "ROLES", "STATE",
	    "NAME");
	while (sqlite3_step(s) == SQLITE_ROW) {
		roles_format((unsigned)sqlite3_column_int(s, 2), roles, sizeof roles);
		printf("%-20s %-8s %-40s %-8s %s\n", sqlite3_column_text(s, 0),
		    sqlite3_column_text(s, 1), roles,
		    sqlite3_column_int(s, 3) ? "disabled" : "active",
		    sqlite3_column_text(s, 4));
	}
	sqlite3_reset(s);
	return CMD_OK;
}

static int
cmd_user_change(struct ep_db *db, const char *what, const char *login)
{
	struct form_errors e = { 0 };
	struct audit_actor actor;
	char password[300];
	int64_t id = person_id_by_login(db, login);
	int rc;

	if (id <= 0) {
		fprintf(stderr, "expertpool: login: no user %s\n", login);
		return CMD_ERROR;
	}
	audit_actor_cli(&actor);
	if (strcmp(what, "two-factor-reset") == 0) {
		rc = totp_reset(db, &actor, id);
		if (rc < 0) {
			fprintf(stderr, "expertpool: the store failed: %s\n",
			    db_errmsg(db));
			return CMD_ERROR;
		}
		printf(rc == 0 ? "two-factor sign-in of %s reset; their sessions "
		    "have ended\n" : "%s has no two-factor sign-in\n", login);
		return CMD_OK;
	}
	if (strcmp(what, "disable") == 0) {
		if (person_disable(db, &actor, id) != 0) {
			fprintf(stderr, "expertpool: %s could not be disabled\n", login);
			return CMD_ERROR;
		}
		printf("user %s disabled; their sessions have ended\n", login);
		return CMD_OK;
	}
	read_password("New password: ", password, sizeof password);
	rc = person_set_password(db, &actor, id, password, &e);
	sodium_memzero(password, sizeof password);
	if (rc != 0) {
		errs_print(&e, stderr);
		errs_free(&e);
		return CMD_ERROR;
	}
	printf("password of %s changed; their sessions have ended\n", login);
	return CMD_OK;
}

static int
cmd_user_exec(struct ep_db *db, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return cmd_user_add(db, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "set") == 0)
		return cmd_user_set(db, argc - 1, argv + 1);
	if (argc == 3 && strcmp(argv[1], "enable") == 0) {
		char *args[] = { argv[1], (char *)"--enable", argv[2], NULL };

		return cmd_user_set(db, 3, args);
	}
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return cmd_user_list(db);
	if (argc == 3 && (strcmp(argv[1], "passwd") == 0 ||
	    strcmp(argv[1], "disable") == 0 ||
	    strcmp(argv[1], "two-factor-reset") == 0))
		return cmd_user_change(db, argv[1], argv[2]);
	return cmd_usage("user");
}

const struct cmd_entry cmd_user_entry = {
	.name = "user",
	.usage = "add LOGIN --org CODE --roles ROLE[,ROLE...] --name NAME "
	    "(password on stdin) | set LOGIN|ID [--name NAME] [--email ADDR] "
	    "[--roles ROLE[,ROLE...]] [--disable|--enable] | list | "
	    "passwd LOGIN | disable LOGIN | enable LOGIN | "
	    "two-factor-reset LOGIN",
	.help = "add, change, list, set the password of, disable or enable "
	    "people, or reset the two-factor sign-in of one who lost it",
	.needs_db = 1,
	.exec = cmd_user_exec,
};
