/* fee-store.c: rule sets and their versions, kept in the store, reloaded. */
#include "fee-int.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>
#include <sqlite3.h>

void
fee_ruleset_destroy(struct fee_ruleset *rs)
{
	size_t i;

	fee_vm_close(&rs->vm);
	for (i = 0; i < rs->nmods; i++) {
		free(rs->mods[i].name);
		free(rs->mods[i].source);
	}
	free(rs->mods);
	free(rs->name);
	free(rs->path);
	free(rs->chunk);
	free(rs->source);
	free(rs);
}

void
fee_ruleset_free(struct fee_ruleset *rs)
{
	if (rs != NULL)
		fee_ruleset_destroy(rs);
}

const char *
fee_ruleset_hash(const struct fee_ruleset *rs)
{
	return rs->hash;
}

const char *
fee_ruleset_name(const struct fee_ruleset *rs)
{
	return rs->name;
}

static int
fee_module_cmp(const void *a, const void *b)
{
	return strcmp(((const struct fee_module *)a)->name,
	    ((const struct fee_module *)b)->name);
}

static void
fee_hash_part(crypto_generichash_state *h, const char *name, const char *src,
    size_t len)
{
	unsigned char n[8];
	size_t i;

	for (i = 0; i < 8; i++)
		n[i] = (unsigned char)((uint64_t)len >> (8 * i));
	crypto_generichash_update(h, (const unsigned char *)name,
	    strlen(name) + 1);
	crypto_generichash_update(h, n, sizeof n);
	crypto_generichash_update(h, (const unsigned char *)src, len);
}

/*
 * A version is the BLAKE2b-256 of the rule set's source and of the helper
 * modules it was loaded with (sorted by name): change either and pricing
 * may change, so the hash does.
 */
static void
fee_compute_hash(struct fee_ruleset *rs)
{
	crypto_generichash_state h;
	unsigned char out[32];

	if (rs->nmods > 1)
		qsort(rs->mods, rs->nmods, sizeof *rs->mods, fee_module_cmp);
	crypto_generichash_init(&h, NULL, 0, sizeof out);
	fee_hash_part(&h, "", rs->source, rs->len);
	for (size_t i = 0; i < rs->nmods; i++)
		fee_hash_part(&h, rs->mods[i].name, rs->mods[i].source,
		    rs->mods[i].len);
	crypto_generichash_final(&h, out, sizeof out);
	sodium_bin2hex(rs->hash, sizeof rs->hash, out, sizeof out);
}

/* Keeps a version's sources in the store, once, so it can be re-run. */
static int
fee_record(struct fee_engine *fe, struct fee_ruleset *rs, char **err)
{
	sqlite3_stmt *s;
	size_t i;

	if (fe == NULL || fe->db == NULL || rs->from_store)
		return FEE_OK;
	if (db_begin(fe->db) != 0)
		goto fail;
	s = db_stmt(fe->db, "INSERT OR IGNORE INTO fee_rulesets "
	    "(hash, name, source) VALUES (?, ?, ?)");
	if (s == NULL)
		goto rollback;
	sqlite3_bind_text(s, 1, rs->hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, rs->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, rs->source, (int)rs->len, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto rollback;
	for (i = 0; i < rs->nmods; i++) {
		s = db_stmt(fe->db, "INSERT OR IGNORE INTO fee_ruleset_modules "
		    "(ruleset_hash, name, source) VALUES (?, ?, ?)");
		if (s == NULL)
			goto rollback;
		sqlite3_bind_text(s, 1, rs->hash, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, rs->mods[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, rs->mods[i].source, (int)rs->mods[i].len,
		    SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE)
			goto rollback;
	}
	if (db_commit(fe->db) != 0)
		goto rollback;
	return FEE_OK;
rollback:
	fee_set_error(err, "store: %s", db_errmsg(fe->db));
	db_rollback(fe->db);
	return FEE_E_STORE;
fail:
	fee_set_error(err, "store: %s", db_errmsg(fe->db));
	return FEE_E_STORE;
}

struct fee_ruleset *
fee_ruleset_new(struct fee_engine *fe, const char *name, const char *path)
{
	struct fee_ruleset *rs = xcalloc(1, sizeof *rs);

	rs->fe = fe;
	rs->name = xstrdup(name);
	rs->path = xstrdup(path);
	rs->chunk = fee_chunk_name(path);
	return rs;
}

/* "standard" from ".../standard.lua"; NULL when the name is unusable. */
static char *
fee_name_of(const char *path)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b ? b + 1 : path;
	n = strlen(b);
	if (n <= 4 || strcmp(b + n - 4, ".lua") != 0)
		return NULL;
	return xstrndup(b, n - 4);
}

/*
 * Loads a rule set from a file: the state that will price, then its tests
 * (NAME_test.lua beside it) in a throwaway state. Neither activated nor
 * recorded: a candidate changes nothing until it becomes active.
 */
struct fee_ruleset *
fee_load_kind(struct fee_engine *fe, const char *path, int run_tests,
    int policy, char **err)
{
	struct fee_ruleset *rs = NULL;
	char *name, *test_path = NULL;
	int st, n;

	name = fee_name_of(path);
	if (name == NULL) {
		fee_set_error(err, "%s: a rule set is a .lua file", path);
		return NULL;
	}
	rs = fee_ruleset_new(fe, name, path);
	rs->policy = policy;
	rs->source = fee_read_file(path, &rs->len);
	if (rs->source == NULL) {
		fee_set_error(err, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (fee_vm_open(&rs->vm, rs, err) != FEE_OK)
		goto fail;
	if (run_tests) {
		test_path = xprintf("%.*s_test.lua", (int)(strlen(path) - 4), path);
		st = fee_run_tests(rs, test_path, &n, err);
		if (st != FEE_OK)
			goto fail;
	}
	fee_compute_hash(rs);
	free(test_path);
	free(name);
	return rs;
fail:
	free(test_path);
	free(name);
	fee_ruleset_destroy(rs);
	return NULL;
}

struct fee_ruleset *
fee_load(struct fee_engine *fe, const char *path, int run_tests, char **err)
{
	return fee_load_kind(fe, path, run_tests, 0, err);
}

/* expertpool fees check: load, sandbox, run the tests; count the cases. */
int
fee_check(struct fee_engine *fe, const char *path, int *ncases, char **err)
{
	struct fee_ruleset *rs;
	char *name, *test_path;
	int st;

	*ncases = 0;
	name = fee_name_of(path);
	if (name == NULL) {
		fee_set_error(err, "%s: a rule set is a .lua file", path);
		return FEE_E_INPUT;
	}
	rs = fee_ruleset_new(fe, name, path);
	free(name);
	rs->source = fee_read_file(path, &rs->len);
	if (rs->source == NULL) {
		fee_set_error(err, "%s: %s", path, strerror(errno));
		fee_ruleset_destroy(rs);
		return FEE_E_IO;
	}
	st = fee_vm_open(&rs->vm, rs, err);
	if (st == FEE_OK) {
		test_path = xprintf("%.*s_test.lua", (int)(strlen(path) - 4), path);
		st = fee_run_tests(rs, test_path, ncases, err);
		free(test_path);
	}
	fee_ruleset_destroy(rs);
	return st;
}

struct fee_engine *
fee_open(const char *rules_dir, struct ep_db *db, char **err)
{
	struct fee_engine *fe;
	struct stat sb;

	if (stat(rules_dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		fee_set_error(err, "rules: %s is not a directory", rules_dir);
		return NULL;
	}
	fe = xcalloc(1, sizeof *fe);
	fe->dir = xstrdup(rules_dir);
	fe->db = db;
	return fe;
}

static void
fee_list_free(struct fee_ruleset *rs)
{
	struct fee_ruleset *next;

	for (; rs != NULL; rs = next) {
		next = rs->next;
		fee_ruleset_destroy(rs);
	}
}

void
fee_close(struct fee_engine *fe)
{
	if (fe == NULL)
		return;
	fee_list_free(fe->active);
	fee_list_free(fe->versions);
	fee_list_free(fe->policies);
	free(fe->dir);
	free(fe);
}

int
fee_valid_name(const char *name, int upper)
{
	const char *p;

	if (name == NULL || *name == '\0' || strlen(name) > 64)
		return 0;
	for (p = name; *p != '\0'; p++) {
		if (upper ? !((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))
		    : !((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '_' || *p == '-'))
			return 0;
	}
	return 1;
}

/*
 * The active version of a rule set (rules/fees/NAME.lua), loaded and
 * tested on first use. Valid until the next fee_reload or fee_close.
 */
struct fee_ruleset *
fee_ruleset(struct fee_engine *fe, const char *name, char **err)
{
	struct fee_ruleset *rs;
	char *path;

	if (!fee_valid_name(name, 0) || strstr(name, "_test") != NULL) {
		fee_set_error(err, "ruleset: \"%s\" is not a rule set name",
		    name ? name : "");
		return NULL;
	}
	for (rs = fe->active; rs != NULL; rs = rs->next) {
		if (strcmp(rs->name, name) == 0)
			return rs;
	}
	path = xprintf("%s/fees/%s.lua", fe->dir, name);
	rs = fee_load(fe, path, 1, err);
	free(path);
	if (rs == NULL)
		return NULL;
	if (fee_record(fe, rs, err) != FEE_OK) {
		fee_ruleset_destroy(rs);
		return NULL;
	}
	rs->next = fe->active;
	fe->active = rs;
	return rs;
}

/*
 * An exact version by hash: the active one if it matches, else rebuilt
 * from the sources the store kept when it was first loaded.
 */
struct fee_ruleset *
fee_ruleset_version(struct fee_engine *fe, const char *hash, char **err)
{
	struct fee_ruleset *rs;
	sqlite3_stmt *s;
	char *path;

	for (rs = fe->active; rs != NULL; rs = rs->next)
		if (strcmp(rs->hash, hash) == 0)
			return rs;
	for (rs = fe->versions; rs != NULL; rs = rs->next)
		if (strcmp(rs->hash, hash) == 0)
			return rs;
	if (fe->db == NULL || (s = db_stmt(fe->db,
	    "SELECT name, source FROM fee_rulesets WHERE hash = ?")) == NULL) {
		fee_set_error(err, "ruleset %s: no store", hash);
		return NULL;
	}
	sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		fee_set_error(err, "ruleset %s: no such version in the store",
		    hash);
		return NULL;
	}
	path = xprintf("%s/fees/%s.lua", fe->dir,
	    (const char *)sqlite3_column_text(s, 0));
	rs = fee_ruleset_new(fe, (const char *)sqlite3_column_text(s, 0), path);
	free(path);
	rs->len = (size_t)sqlite3_column_bytes(s, 1);
	rs->source = xstrndup((const char *)sqlite3_column_text(s, 1), rs->len);
	sqlite3_reset(s);
	rs->from_store = 1;
	s = db_stmt(fe->db, "SELECT name, source FROM fee_ruleset_modules "
	    "WHERE ruleset_hash = ?");
	sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW) {
		struct fee_module *m;

		rs->mods = xrealloc(rs->mods, (rs->nmods + 1) * sizeof *rs->mods);
		m = &rs->mods[rs->nmods++];
		m->name = xstrdup((const char *)sqlite3_column_text(s, 0));
		m->len = (size_t)sqlite3_column_bytes(s, 1);
		m->source = xstrndup((const char *)sqlite3_column_text(s, 1),
		    m->len);
	}
	sqlite3_reset(s);
	if (fee_vm_open(&rs->vm, rs, err) != FEE_OK) {
		fee_ruleset_destroy(rs);
		return NULL;
	}
	fee_compute_hash(rs);
	if (strcmp(rs->hash, hash) != 0) {
		fee_set_error(err, "ruleset %s: the stored sources hash to %s",
		    hash, rs->hash);
		fee_ruleset_destroy(rs);
		return NULL;
	}
	rs->next = fe->versions;
	fe->versions = rs;
	return rs;
}

/* How often the rule set's price cache answered, and how often price ran. */
void
fee_memo_stats(const struct fee_ruleset *rs, uint64_t *hits,
    uint64_t *misses)
{
	*hits = rs->vm.cache.memo != NULL ? rs->vm.cache.memo->hits : 0;
	*misses = rs->vm.cache.memo != NULL ? rs->vm.cache.memo->misses : 0;
}

/* Appends "what: message" to a reload's report. */
static void
fee_report(char **all, const char *msg)
{
	char *n;

	if (*all == NULL)
		n = xstrdup(msg);
	else
		n = xprintf("%s; %s", *all, msg);
	free(*all);
	*all = n;
}

/*
 * Swaps in a new version of rs when its file changed, loads and passes its
 * tests; otherwise the old one stays active. Returns 1 when refused.
 */
static int
fee_reload_one(struct fee_engine *fe, struct fee_ruleset **slot, char **all)
{
	struct fee_ruleset *old = *slot, *rs;
	char *err = NULL, *test_path;
	struct stat sb;
	int policy = old->policy;

	if (policy) {
		test_path = xprintf("%.*s_test.lua", (int)(strlen(old->path) - 4),
		    old->path);
		rs = fee_load_kind(fe, old->path, stat(test_path, &sb) == 0, 1,
		    &err);
		free(test_path);
		if (rs == NULL && stat(old->path, &sb) != 0) {
			/* The overlay was removed: the council has none now. */
			free(err);
			*slot = old->next;
			fee_ruleset_destroy(old);
			return 0;
		}
	} else
		rs = fee_load(fe, old->path, 1, &err);
	if (rs == NULL) {
		log_error("fee: %s kept at %.12s: %s", old->name, old->hash, err);
		fee_report(all, err);
		free(err);
		return 1;
	}
	free(rs->name);
	rs->name = xstrdup(old->name);
	if (strcmp(rs->hash, old->hash) == 0) {
		fee_ruleset_destroy(rs);
		return 0;
	}
	if (!policy && fee_record(fe, rs, &err) != FEE_OK) {
		log_error("fee: %s kept at %.12s: %s", old->name, old->hash, err);
		fee_report(all, err);
		free(err);
		fee_ruleset_destroy(rs);
		return 1;
	}
	log_info("fee: %s now %.12s (was %.12s)", rs->name, rs->hash, old->hash);
	rs->next = old->next;
	*slot = rs;
	fee_ruleset_destroy(old);
	return 0;
}

/*
 * SIGHUP and the admin page: every rule set and overlay in use is read
 * again; a new version replaces the active one only when it loads and
 * passes its tests. New rule-set files in rules/fees are loaded too.
 * Returns the number refused, their reasons in *err.
 */
int
fee_reload(struct fee_engine *fe, char **err)
{
	struct fee_ruleset **slot, *rs;
	char *all = NULL, *path, *name;
	int refused = 0;
	DIR *d;
	struct dirent *de;

	/* A reload starts every price cache afresh, kept versions' too. */
	for (rs = fe->active; rs != NULL; rs = rs->next)
		fee_memo_clear(rs->vm.cache.memo);
	for (rs = fe->versions; rs != NULL; rs = rs->next)
		fee_memo_clear(rs->vm.cache.memo);
	for (slot = &fe->active; *slot != NULL; slot = &(*slot)->next)
		refused += fee_reload_one(fe, slot, &all);
	for (slot = &fe->policies; *slot != NULL;) {
		struct fee_ruleset *before = *slot, *after = before->next;

		if (before->missing) {
			*slot = after;
			fee_ruleset_destroy(before);
			continue;
		}
		refused += fee_reload_one(fe, slot, &all);
		if (*slot != after)	/* not removed: kept or replaced */
			slot = &(*slot)->next;
	}
	path = xprintf("%s/fees", fe->dir);
	d = opendir(path);
	free(path);
	while (d != NULL && (de = readdir(d)) != NULL) {
		char *e = NULL;

		name = fee_name_of(de->d_name);
		if (name != NULL && fee_valid_name(name, 0) &&
		    strstr(name, "_test") == NULL &&
		    fee_ruleset(fe, name, &e) == NULL) {
			log_error("fee: %s refused: %s", name, e);
			fee_report(&all, e);
			refused++;
		}
		free(e);
		free(name);
	}
	if (d != NULL)
		closedir(d);
	if (err != NULL) {
		free(*err);
		*err = all;
	} else
		free(all);
	return refused;
}
