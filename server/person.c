/* person.c: people, their roles and their passwords (Argon2id). */
#include "server.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

/*
 * Argon2id cost: two passes over 19 MiB, the OWASP minimum for Argon2id,
 * so a login costs tens of milliseconds on a worker thread, not the
 * event loop. Hashes made with other costs are redone at the next login.
 */
#define PASSWORD_OPSLIMIT 2
#define PASSWORD_MEMLIMIT (19u * 1024u * 1024u)
#define PASSWORD_MIN 10
#define PASSWORD_MAX 256

const char *const role_names[][2] = {
	{ "requester", "Requester" },
	{ "approver", "Approver" },
	{ "expert", "Expert" },
	{ "pool-manager", "Pool manager" },
	{ "finance", "Finance officer" },
	{ "admin", "Administrator" },
	{ NULL, NULL },
};

/* "requester,finance" -> bits; names the first unknown role. */
int
roles_parse(const char *csv, unsigned *out, char *bad, size_t badlen)
{
	const char *p = csv;

	*out = 0;
	while (p != NULL && *p != '\0') {
		size_t len = strcspn(p, ", ");
		unsigned i;

		for (i = 0; role_names[i][0] != NULL; i++) {
			if (strlen(role_names[i][0]) == len &&
			    strncmp(role_names[i][0], p, len) == 0)
				break;
		}
		if (role_names[i][0] == NULL) {
			snprintf(bad, badlen, "%.*s", (int)len, p);
			return -1;
		}
		*out |= 1u << i;
		p += len;
		while (*p == ',' || *p == ' ')
			p++;
	}
	return *out == 0 ? -1 : 0;
}

unsigned
role_bit(const char *name)
{
	unsigned i;

	for (i = 0; role_names[i][0] != NULL; i++) {
		if (strcmp(role_names[i][0], name) == 0)
			return 1u << i;
	}
	return 0;
}

void
roles_format(unsigned roles, char *out, size_t len)
{
	size_t used = 0;
	unsigned i;

	out[0] = '\0';
	for (i = 0; role_names[i][0] != NULL; i++) {
		if (roles & (1u << i)) {
			int n = snprintf(out + used, len - used, "%s%s",
			    used ? "," : "", role_names[i][0]);

			if (n < 0 || (size_t)n >= len - used)
				break;
			used += (size_t)n;
		}
	}
}

int
password_hash(const char *password, char *out)
{
	return crypto_pwhash_str(out, password, strlen(password),
	    PASSWORD_OPSLIMIT, PASSWORD_MEMLIMIT);
}

/* Wipes a password held in memory, then frees it; NULL is nothing. */
void
password_free(char *password)
{
	if (password == NULL)
		return;
	sodium_memzero(password, strlen(password));
	free(password);
}

/* 0 when the password matches; *rehash set when the cost has changed. */
int
password_check(const char *hash, const char *password, int *rehash)
{
	if (crypto_pwhash_str_verify(hash, password, strlen(password)) != 0)
		return -1;
	*rehash = crypto_pwhash_str_needs_rehash(hash, PASSWORD_OPSLIMIT,
	    PASSWORD_MEMLIMIT) != 0;
	return 0;
}

void
password_validate(const char *pw, const char *field, struct form_errors *e)
{
	if (pw == NULL || *pw == '\0')
		errs_add(e, field, "Enter a password");
	else if (strlen(pw) < PASSWORD_MIN)
		errs_add(e, field, "Password must be %d characters or more",
		    PASSWORD_MIN);
	else if (strlen(pw) > PASSWORD_MAX)
		errs_add(e, field, "Password must be %d characters or fewer",
		    PASSWORD_MAX);
}

int
login_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 2 || n > 64)
		return 0;
	for (; *s != '\0'; s++) {
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) &&
		    *s != '.' && *s != '-' && *s != '_' && *s != '@')
			return 0;
	}
	return 1;
}

/* Creates a person with a hashed password; audited, all or nothing. */
int
person_add(struct ep_db *db, const struct audit_actor *actor,
    const struct person_input *in, struct form_errors *e, int64_t *id)
{
	char hash[crypto_pwhash_STRBYTES];
	char roles[128];
	int64_t org_id = 0;
	sqlite3_stmt *s;
	json_t *sum;

	if (in->login == NULL || *in->login == '\0')
		errs_add(e, "login", "Enter a login name");
	else if (!login_ok(in->login))
		errs_add(e, "login", "Login must be 2 to 64 lower-case letters, "
		    "digits, dots, dashes, underscores or @");
	else if (person_id_by_login(db, in->login) > 0)
		errs_add(e, "login", "Login %s is already taken", in->login);
	if (in->name == NULL || *in->name == '\0')
		errs_add(e, "name", "Enter the person's full name");
	else if (strlen(in->name) > 120)
		errs_add(e, "name", "Name must be 120 characters or fewer");
	if (in->org_code == NULL || *in->org_code == '\0')
		errs_add(e, "org", "Choose the person's organisation");
	else if ((org_id = org_id_by_code(db, in->org_code)) <= 0)
		errs_add(e, "org", "There is no organisation with code %s",
		    in->org_code);
	if (in->roles == 0)
		errs_add(e, "roles", "Choose at least one role");
	password_validate(in->password, "password", e);
	if (e->n > 0)
		return -1;
	if (password_hash(in->password, hash) != 0) {
		errs_add(e, "password", "The password could not be hashed (out of "
		    "memory)");
		return -1;
	}
	if (db_begin(db) != 0)
		goto fail;
	s = db_stmt(db, "INSERT INTO people (org_id, login, name, roles, "
	    "password_hash) VALUES (?, ?, ?, ?, ?)");
	if (s == NULL)
		goto rollback;
	sqlite3_bind_int64(s, 1, org_id);
	sqlite3_bind_text(s, 2, in->login, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, in->name, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, (int)in->roles);
	sqlite3_bind_text(s, 5, hash, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_reset(s);
		goto rollback;
	}
	sqlite3_reset(s);
	*id = sqlite3_last_insert_rowid(db->sql);
	roles_format(in->roles, roles, sizeof roles);
	sum = json_pack("{s:{s:s,s:s,s:s,s:s}}", "after", "login", in->login,
	    "name", in->name, "org", in->org_code, "roles", roles);
	if (audit_json(db, actor, "create", "person", in->login, org_id,
	    sum) != 0)
		goto rollback;
	if (db_commit(db) != 0)
		goto rollback;
	return 0;
rollback:
	db_rollback(db);
fail:
	errs_add(e, "login", "The person could not be saved: %s", db_errmsg(db));
	return -1;
}

int64_t
person_id_by_login(struct ep_db *db, const char *login)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT id FROM people WHERE login = ?");
	int64_t id = 0;

	if (s == NULL)
		return 0;
	sqlite3_bind_text(s, 1, login, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return id;
}

/* Runs one UPDATE on a person plus its audit event, in one transaction;
 * the person's sessions end, and with end_tokens their API tokens. */
static int
person_change(struct ep_db *db, const struct audit_actor *actor,
    int64_t person_id, const char *sql, const char *text_arg,
    const char *action, const char *summary, int end_tokens)
{
	sqlite3_stmt *s;
	char login[80] = "";
	int64_t org_id = 0;

	if (db_begin(db) != 0)
		return -1;
	s = db_stmt(db, "SELECT login, org_id FROM people WHERE id = ?");
	if (s == NULL)
		goto rollback;
	sqlite3_bind_int64(s, 1, person_id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		snprintf(login, sizeof login, "%s", sqlite3_column_text(s, 0));
		org_id = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	if (login[0] == '\0')
		goto rollback;
	s = db_stmt(db, sql);
	if (s == NULL)
		goto rollback;
	if (text_arg != NULL) {
		sqlite3_bind_text(s, 1, text_arg, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, person_id);
	} else
		sqlite3_bind_int64(s, 1, person_id);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_reset(s);
		goto rollback;
	}
	sqlite3_reset(s);
	if (session_end_person(db, person_id) != 0 ||
	    (end_tokens && apitoken_revoke_person(db, person_id) != 0) ||
	    audit_record(db, actor, action, "person", login, org_id,
	    summary) != 0)
		goto rollback;
	return db_commit(db);
rollback:
	db_rollback(db);
	return -1;
}

/* Sets a password already hashed (off the event loop, for a change made
 * on the web); every session and API token of the person ends: whoever
 * knew the old one may have made them. */
int
person_set_password_hash(struct ep_db *db, const struct audit_actor *actor,
    int64_t person_id, const char *hash, struct form_errors *e)
{
	if (person_change(db, actor, person_id,
	    "UPDATE people SET password_hash = ? WHERE id = ?", hash,
	    "password", "{\"password\":\"changed\"}", 1) != 0) {
		errs_add(e, "password", "The password could not be saved");
		return -1;
	}
	return 0;
}

/* Checks and hashes a new password, then sets it as above. */
int
person_set_password(struct ep_db *db, const struct audit_actor *actor,
    int64_t person_id, const char *password, struct form_errors *e)
{
	char hash[crypto_pwhash_STRBYTES];

	password_validate(password, "password", e);
	if (e->n > 0)
		return -1;
	if (password_hash(password, hash) != 0) {
		errs_add(e, "password", "The password could not be hashed");
		return -1;
	}
	return person_set_password_hash(db, actor, person_id, hash, e);
}

/* Stores a rehash made at login with the current cost; not a change a
 * person made, so it ends no session. */
int
person_store_rehash(struct ep_db *db, int64_t person_id, const char *hash)
{
	sqlite3_stmt *s = db_stmt(db,
	    "UPDATE people SET password_hash = ? WHERE id = ?");
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, person_id);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(s);
	return rc;
}

/* Disables a person: no sign-in, no tokens; sessions end. Audited as a
 * change of state, before and after. */
int
person_disable(struct ep_db *db, const struct audit_actor *actor,
    int64_t person_id)
{
	struct person_edit in = { .disabled = 1 };
	struct form_errors e = { 0 };
	int changed, rc;

	rc = person_update(db, actor, person_id, &in, &e, &changed);
	errs_free(&e);
	return rc;
}

/* A person's changeable fields as they are now; -1 when there is none. */
static int
person_state_load(struct ep_db *db, int64_t id, char *login, size_t loginlen,
    char *name, size_t namelen, char *email, size_t emaillen,
    unsigned *roles, int *disabled, int64_t *org_id)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT login, name, email, roles, "
	    "disabled, org_id FROM people WHERE id = ?");
	int rc = -1;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		snprintf(login, loginlen, "%s", sqlite3_column_text(s, 0));
		snprintf(name, namelen, "%s", sqlite3_column_text(s, 1));
		snprintf(email, emaillen, "%s", sqlite3_column_text(s, 2));
		*roles = (unsigned)sqlite3_column_int(s, 3);
		*disabled = sqlite3_column_int(s, 4);
		*org_id = sqlite3_column_int64(s, 5);
		rc = 0;
	}
	sqlite3_reset(s);
	return rc;
}

/* Checks a change to a person, naming each bad field; fills new roles. */
static void
person_edit_check(const struct audit_actor *actor, int64_t id,
    const struct person_edit *in, struct form_errors *e, unsigned *roles)
{
	char bad[64] = "";

	if (in->name != NULL && *in->name == '\0')
		errs_add(e, "name", "Enter the person's full name");
	else if (in->name != NULL && strlen(in->name) > 120)
		errs_add(e, "name", "Name must be 120 characters or fewer");
	if (in->email != NULL && *in->email != '\0' && (strlen(in->email) > 254 ||
	    !email_ok(in->email)))
		errs_add(e, "email", "Enter an email address in the correct "
		    "format, like name@example.gov.uk");
	if (in->roles != NULL && *in->roles == '\0')
		errs_add(e, "roles", "Choose at least one role");
	else if (in->roles != NULL && roles_parse(in->roles, roles, bad,
	    sizeof bad) != 0)
		errs_add(e, "roles", "Unknown role \"%s\": choose from requester, "
		    "approver, expert, pool-manager, finance, admin", bad);
	else if (in->roles != NULL && actor->id == id &&
	    (*roles & EP_ROLE_ADMIN) == 0)
		errs_add(e, "roles", "You cannot remove your own administrator "
		    "role: ask another administrator");
	if (in->disabled == 1 && actor->id == id)
		errs_add(e, "disabled", "You cannot disable your own account");
}

/*
 * Changes a person's name, email address, roles or state: each field of
 * in that is set replaces the current one. Disabling ends their sessions
 * and API tokens. Audited with the fields before and after; *changed is 0
 * when the person was already so.
 */
int
person_update(struct ep_db *db, const struct audit_actor *actor, int64_t id,
    const struct person_edit *in, struct form_errors *e, int *changed)
{
	char login[80], name[256], email[256], r0[128], r1[128];
	unsigned roles, nroles;
	int disabled, ndisabled;
	int64_t org_id;
	sqlite3_stmt *s;
	json_t *before, *after;
	char *text;

	*changed = 0;
	if (person_state_load(db, id, login, sizeof login, name, sizeof name,
	    email, sizeof email, &roles, &disabled, &org_id) != 0) {
		errs_add(e, "id", "There is no person with id %lld", (long long)id);
		return -1;
	}
	nroles = roles;
	person_edit_check(actor, id, in, e, &nroles);
	if (e->n > 0)
		return -1;
	ndisabled = in->disabled >= 0 ? in->disabled : disabled;
	roles_format(roles, r0, sizeof r0);
	roles_format(nroles, r1, sizeof r1);
	before = json_object();
	after = json_object();
	audit_diff_text(before, after, "name", name, in->name ? in->name : name);
	audit_diff_text(before, after, "email", email, in->email ? in->email :
	    email);
	audit_diff_text(before, after, "roles", r0, r1);
	audit_diff_text(before, after, "state", disabled ? "disabled" : "active",
	    ndisabled ? "disabled" : "active");
	if ((text = audit_diff_dump(before, after)) == NULL)
		return 0;
	if (db_begin(db) != 0)
		goto fail;
	s = db_stmt(db, "UPDATE people SET name = ?, email = ?, roles = ?, "
	    "disabled = ? WHERE id = ?");
	if (s == NULL)
		goto rollback;
	sqlite3_bind_text(s, 1, in->name ? in->name : name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, in->email ? in->email : email, -1,
	    SQLITE_STATIC);
	sqlite3_bind_int(s, 3, (int)nroles);
	sqlite3_bind_int(s, 4, ndisabled);
	sqlite3_bind_int64(s, 5, id);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_reset(s);
		goto rollback;
	}
	sqlite3_reset(s);
	if (ndisabled && !disabled && (session_end_person(db, id) != 0 ||
	    apitoken_revoke_person(db, id) != 0))
		goto rollback;
	if (audit_record(db, actor, "update", "person", login, org_id,
	    text) != 0 || db_commit(db) != 0)
		goto rollback;
	free(text);
	*changed = 1;
	return 0;
rollback:
	db_rollback(db);
fail:
	free(text);
	errs_add(e, "name", "The person could not be saved: %s", db_errmsg(db));
	return -1;
}
