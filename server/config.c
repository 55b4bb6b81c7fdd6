/* config.c: the configuration options table and the Lua configuration file. */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#ifndef EP_PKGLIBDIR
#define EP_PKGLIBDIR "/usr/local/lib/expertpool"
#endif
#ifndef EP_PKGDATADIR
#define EP_PKGDATADIR "/usr/local/share/expertpool"
#endif
#ifndef EP_LOCALSTATEDIR
#define EP_LOCALSTATEDIR "/usr/local/var"
#endif

struct config cfg;

#define OPT(n, t, lo, hi, d, h) \
	{ #n, t, offsetof(struct config, n), lo, hi, d, h }

/* Every setting, its bounds, default and help, in one place. */
const struct config_option config_options[] = {
	OPT(listen, CONFIG_STRING, 0, 0, "127.0.0.1:8080",
	    "address and port to serve HTTP on (ADDR:PORT; port 0 picks one)"),
	OPT(db, CONFIG_STRING, 0, 0, EP_LOCALSTATEDIR "/lib/expertpool/expertpool.db",
	    "path of the SQLite store"),
	OPT(plugins, CONFIG_STRING, 0, 0, EP_PKGLIBDIR,
	    "directory of plugin modules (*.so), loaded at start-up"),
	OPT(rules, CONFIG_STRING, 0, 0, EP_PKGDATADIR "/rules",
	    "directory of Lua fee rule sets (fees/) and local policies "
	    "(policy/)"),
	OPT(max_header_bytes, CONFIG_INT, 1024, 1048576, "16384",
	    "largest request header block accepted (bytes)"),
	OPT(max_body_bytes, CONFIG_INT, 1024, 268435456, "4194304",
	    "largest request body accepted (bytes)"),
	OPT(request_timeout, CONFIG_INT, 1, 3600, "30",
	    "seconds a connection may take to send a request or read a reply"),
	OPT(max_connections, CONFIG_INT, 1, 100000, "1024",
	    "open client connections at most; beyond it accepting pauses"),
	OPT(max_connections_per_client, CONFIG_INT, 1, 100000, "64",
	    "open connections one client address may hold (an IPv6 /64 counts "
	    "as one; trusted_proxies are not limited); beyond it 429"),
	OPT(request_deadline, CONFIG_INT, 1, 3600, "60",
	    "seconds a request may take to arrive whole, headers and body, "
	    "from its first byte; then 408 and the connection closes"),
	OPT(max_request_memory, CONFIG_INT, 65536, 68719476736LL, "268435456",
	    "bytes of requests being received, over all connections; a "
	    "connection that would pass it gets 503"),
	OPT(busy_timeout_ms, CONFIG_INT, 0, 600000, "5000",
	    "milliseconds to wait for a locked store before giving up"),
	OPT(shutdown_grace, CONFIG_INT, 0, 3600, "10",
	    "seconds to let requests and jobs in flight finish at shutdown"),
	OPT(log_requests, CONFIG_BOOL, 0, 1, "true",
	    "log one line per request"),
	OPT(tls, CONFIG_BOOL, 0, 1, "false",
	    "the site is served over TLS by a proxy: cookies are marked Secure"),
	OPT(session_idle, CONFIG_INT, 60, 86400, "3600",
	    "seconds a session may sit unused before it ends"),
	OPT(session_max, CONFIG_INT, 300, 604800, "43200",
	    "seconds a session may last in all"),
	OPT(login_limit_account, CONFIG_INT, 1, 1000, "10",
	    "failed sign-ins per account per minute before refusing"),
	OPT(login_limit_address, CONFIG_INT, 1, 100000, "50",
	    "failed sign-ins per client address per minute before refusing"),
	OPT(job_threads, CONFIG_INT, 1, 64, "2",
	    "background jobs (imports, invoice runs, what-if pricing) run at "
	    "once; each holds a connection to the store"),
	OPT(job_queue, CONFIG_INT, 1, 10000, "64",
	    "background jobs that may wait for a thread before more are "
	    "refused"),
	OPT(jobs_per_person, CONFIG_INT, 1, 100, "3",
	    "background jobs one person may have queued or running"),
	OPT(audit_anchor_seconds, CONFIG_INT, 60, 86400, "3600",
	    "seconds between seals of the audit trail's head (with a key from "
	    "the sealing key), and at start and stop"),
	OPT(token_days, CONFIG_INT, 1, 366, "90",
	    "days an API token lasts unless made with --days"),
	OPT(login_queue, CONFIG_INT, 1, 1000, "64",
	    "sign-ins waiting for their password check before more are "
	    "answered 503 (checks run on one thread of their own, each "
	    "client address in turn, two waiting from one address at most)"),
	OPT(requesters_choose, CONFIG_BOOL, 0, 1, "false",
	    "requesters may see the ranked experts for their own requests and "
	    "make the offer themselves"),
	OPT(accessibility_contact, CONFIG_STRING, 0, CONFIG_MAY_BE_EMPTY, "",
	    "e-mail address (or a sentence) the accessibility statement gives "
	    "for reporting a problem; empty: the person's own council"),
	OPT(accessibility_date, CONFIG_STRING, 0, CONFIG_MAY_BE_EMPTY, "",
	    "day (YYYY-MM-DD) the accessibility statement was last reviewed; "
	    "empty: the day this build was made"),
	OPT(metrics_from, CONFIG_STRING, 0, CONFIG_MAY_BE_EMPTY, "127.0.0.1, ::1",
	    "addresses /metrics answers, directly and never through a proxy, "
	    "comma-separated; empty: nobody"),
	OPT(trusted_proxies, CONFIG_STRING, 0, CONFIG_MAY_BE_EMPTY, "",
	    "addresses of reverse proxies whose X-Forwarded-For is believed, "
	    "comma-separated (such as \"127.0.0.1, ::1\"); empty: none"),
	OPT(sendmail, CONFIG_STRING, 0, CONFIG_MAY_BE_EMPTY, "",
	    "command that delivers a message on standard input (sendmail -t); "
	    "empty keeps messages in the outbox"),
	OPT(public_url, CONFIG_STRING, 0, CONFIG_MAY_BE_EMPTY, "",
	    "the site's address as people reach it (https://expertpool."
	    "example.gov.uk), put before the page a message links to; empty: "
	    "e-mails name the page by its path alone"),
	OPT(sealing_key_file, CONFIG_STRING, 0, CONFIG_MAY_BE_EMPTY, "",
	    "file holding the 32-byte key (64 hex digits) that seals each "
	    "organisation's invoice signing key in the store"),
	OPT(two_factor_required, CONFIG_BOOL, 0, 1, "false",
	    "administrators and finance officers must sign in with a second "
	    "factor (a code from an authenticator app); those without one are "
	    "sent to set it up when they next sign in"),
	OPT(two_factor_fresh, CONFIG_INT, 60, 86400, "900",
	    "seconds a session's second factor counts before an invoice is "
	    "issued; older, the code is asked for again"),
	OPT(assets, CONFIG_STRING, 0, CONFIG_MAY_BE_EMPTY, "",
	    "directory holding a govuk-frontend.min.css to serve instead of "
	    "the one built in; empty: the built-in one"),
};
const size_t config_noptions = nitems(config_options);

/* Settings renamed since a release: a file or flag may still use the old
 * name, which means the new one. */
static const struct {
	const char *old;
	const char *now;
} config_renamed[] = {
	{ "scripts", "rules" },
};

/* The option a name stands for, by its name or its old name. */
static const struct config_option *
config_find(const char *name)
{
	size_t i;

	for (i = 0; i < nitems(config_renamed); i++) {
		if (strcmp(config_renamed[i].old, name) == 0)
			name = config_renamed[i].now;
	}
	for (i = 0; i < config_noptions; i++) {
		if (strcmp(config_options[i].name, name) == 0)
			return &config_options[i];
	}
	return NULL;
}

/*
 * A file that sets a setting by its old name sets it by its new one; one
 * that sets both is refused, since which it meant cannot be known. The
 * table of globals is at the top of the stack.
 */
static int
config_rename(lua_State *L, const char *path, char **err)
{
	size_t i;
	int was, now;

	for (i = 0; i < nitems(config_renamed); i++) {
		was = lua_getfield(L, -1, config_renamed[i].old);
		if (was == LUA_TNIL) {
			lua_pop(L, 1);
			continue;
		}
		now = lua_getfield(L, -2, config_renamed[i].now);
		lua_pop(L, 1);
		if (now != LUA_TNIL) {
			*err = xprintf("%s: %s and %s are the same setting (%s "
			    "is its old name): set only %s", path,
			    config_renamed[i].now, config_renamed[i].old,
			    config_renamed[i].old, config_renamed[i].now);
			lua_pop(L, 1);
			return -1;
		}
		lua_setfield(L, -2, config_renamed[i].now);
		lua_pushnil(L);
		lua_setfield(L, -2, config_renamed[i].old);
	}
	return 0;
}

static int
config_apply(struct config *c, const struct config_option *o,
    const char *value, char **err)
{
	char *base = (char *)c;
	int64_t v;

	switch (o->type) {
	case CONFIG_STRING: {
		char **slot = (char **)(void *)(base + o->offset);

		if (*value == '\0' && o->max != CONFIG_MAY_BE_EMPTY) {
			*err = xprintf("%s: must not be empty", o->name);
			return -1;
		}
		free(*slot);
		*slot = xstrdup(value);
		return 0;
	}
	case CONFIG_BOOL:
		if (strcmp(value, "true") == 0 || strcmp(value, "1") == 0)
			v = 1;
		else if (strcmp(value, "false") == 0 || strcmp(value, "0") == 0)
			v = 0;
		else {
			*err = xprintf("%s: expected true or false, got \"%s\"",
			    o->name, value);
			return -1;
		}
		break;
	case CONFIG_INT:
	default:
		if (parse_int64(value, o->min, o->max, &v) != 0) {
			*err = xprintf("%s: expected a whole number from %lld to "
			    "%lld, got \"%s\"", o->name, (long long)o->min,
			    (long long)o->max, value);
			return -1;
		}
		break;
	}
	*(int64_t *)(void *)(base + o->offset) = v;
	return 0;
}

void
config_defaults(struct config *c)
{
	size_t i;
	char *err = NULL;

	memset(c, 0, sizeof *c);
	for (i = 0; i < config_noptions; i++) {
		if (config_apply(c, &config_options[i], config_options[i].def,
		    &err) != 0)
			abort(); /* the table itself is wrong */
	}
}

void
config_free(struct config *c)
{
	size_t i;

	for (i = 0; i < config_noptions; i++) {
		if (config_options[i].type == CONFIG_STRING) {
			char **slot = (char **)(void *)((char *)c +
			    config_options[i].offset);
			free(*slot);
			*slot = NULL;
		}
	}
}

/* Set one option by name, as from a command-line flag. */
int
config_set(struct config *c, const char *name, const char *value, char **err)
{
	const struct config_option *o = config_find(name);

	if (o == NULL) {
		*err = xprintf("unknown setting \"%s\"", name);
		return -1;
	}
	return config_apply(c, o, value, err);
}

/* Read one global of the evaluated file into its option. */
static int
config_take(lua_State *L, struct config *c, const char *path,
    const struct config_option *o, char **err)
{
	char num[32];
	const char *value;
	int t = lua_getfield(L, -1, o->name);
	int rc;

	if (t == LUA_TNIL) {
		lua_pop(L, 1);
		return 0;
	}
	if (o->type == CONFIG_BOOL && t == LUA_TBOOLEAN)
		value = lua_toboolean(L, -1) ? "true" : "false";
	else if (o->type == CONFIG_INT && lua_isinteger(L, -1)) {
		snprintf(num, sizeof num, "%lld", (long long)lua_tointeger(L, -1));
		value = num;
	} else if (o->type == CONFIG_STRING && t == LUA_TSTRING)
		value = lua_tostring(L, -1);
	else {
		*err = xprintf("%s: %s: expected %s, got %s", path, o->name,
		    o->type == CONFIG_STRING ? "a string" :
		    o->type == CONFIG_INT ? "a whole number" : "true or false",
		    lua_typename(L, t));
		lua_pop(L, 1);
		return -1;
	}
	rc = config_apply(c, o, value, err);
	if (rc != 0) {
		char *inner = *err;

		*err = xprintf("%s: %s", path, inner);
		free(inner);
	}
	lua_pop(L, 1);
	return rc;
}

/*
 * The configuration file is Lua, evaluated with no libraries and an empty
 * environment: it can only assign values. Unknown names are errors, so a
 * typo never passes silently.
 */
int
config_load(struct config *c, const char *path, char **err)
{
	lua_State *L = luaL_newstate();
	size_t i;
	int rc = -1;

	if (L == NULL) {
		*err = xprintf("%s: cannot create a Lua state", path);
		return -1;
	}
	if (luaL_loadfilex(L, path, "t") != LUA_OK) {
		*err = xprintf("%s", lua_tostring(L, -1));
		goto out;
	}
	lua_newtable(L);
	lua_pushvalue(L, -1);
	lua_setupvalue(L, -3, 1); /* the chunk's _ENV */
	lua_insert(L, -2);
	if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
		*err = xprintf("%s", lua_tostring(L, -1));
		goto out;
	}
	if (config_rename(L, path, err) != 0)
		goto out;
	lua_pushnil(L);
	while (lua_next(L, -2) != 0) {
		const char *k = lua_type(L, -2) == LUA_TSTRING ?
		    lua_tostring(L, -2) : "?";

		if (config_find(k) == NULL) {
			*err = xprintf("%s: unknown setting \"%s\"", path, k);
			goto out;
		}
		lua_pop(L, 1);
	}
	for (i = 0; i < config_noptions; i++) {
		if (config_take(L, c, path, &config_options[i], err) != 0)
			goto out;
	}
	rc = 0;
out:
	lua_close(L);
	return rc;
}

void
config_help(FILE *f)
{
	size_t i;

	for (i = 0; i < config_noptions; i++) {
		fprintf(f, "  %-20s %s (default %s)\n", config_options[i].name,
		    config_options[i].help, config_options[i].def);
	}
	for (i = 0; i < nitems(config_renamed); i++)
		fprintf(f, "  %-20s the old name of %s, still accepted\n",
		    config_renamed[i].old, config_renamed[i].now);
}

/* A setting as text, for plugins: "" when unset, NULL when unknown. */
const char *
config_get(const char *name)
{
	static __thread char num[32];
	const struct config_option *o = config_find(name);
	const char *base = (const char *)&cfg;

	if (o == NULL)
		return NULL;
	switch (o->type) {
	case CONFIG_STRING: {
		char *const *slot = (char *const *)(const void *)(base + o->offset);

		return *slot ? *slot : "";
	}
	case CONFIG_BOOL:
		return *(const int64_t *)(const void *)(base + o->offset) ?
		    "true" : "false";
	default:
		snprintf(num, sizeof num, "%lld", (long long)
		    *(const int64_t *)(const void *)(base + o->offset));
		return num;
	}
}
