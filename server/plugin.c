/* plugin.c: the plugin loader: finds, checks, orders and starts plugins. */
#include "server.h"

#include <dirent.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct ep_plugin *plugins;
static struct plugin_migration *migrations;
static size_t nmigrations;
static struct plugin_command *commands;
static size_t ncommands;

/* Registration is allowed only while the plugin's init runs. */
int
plugin_may_register(struct ep_plugin *p, const char *what)
{
	if (p == NULL || !p->registering) {
		log_error("plugin %s: %s refused: registration is allowed only "
		    "during init", p && p->info ? p->info->name : "?", what);
		return 0;
	}
	return 1;
}

/* Registers a CLI subcommand of a plugin, refusing a name already taken. */
int
plugin_command_add(struct ep_plugin *p, const char *name, const char *usage,
    ep_command_fn fn, void *arg)
{
	if (name == NULL || *name == '\0' || fn == NULL) {
		log_error("plugin %s: a command needs a name and a function",
		    p->info->name);
		return -1;
	}
	if (cmd_find(name) != NULL || plugin_command_find(name) != NULL) {
		log_error("plugin %s: command %s is already taken", p->info->name,
		    name);
		return -1;
	}
	commands = xrealloc(commands, sizeof *commands * (ncommands + 1));
	commands[ncommands].owner = p;
	commands[ncommands].name = xstrdup(name);
	commands[ncommands].usage = xstrdup(usage ? usage : "");
	commands[ncommands].fn = fn;
	commands[ncommands].arg = arg;
	ncommands++;
	return 0;
}

/* Registers a plugin's next migration; versions count up from 1. */
int
plugin_migration_add(struct ep_plugin *p, int version, const char *sql)
{
	size_t i;
	int last = 0;

	for (i = 0; i < nmigrations; i++) {
		if (migrations[i].owner == p)
			last = migrations[i].version;
	}
	if (sql == NULL || version != last + 1) {
		log_error("plugin %s: migration %d out of order (expected %d)",
		    p->info->name, version, last + 1);
		return -1;
	}
	migrations = xrealloc(migrations, sizeof *migrations * (nmigrations + 1));
	migrations[nmigrations].owner = p;
	migrations[nmigrations].version = version;
	migrations[nmigrations].sql = sql;
	nmigrations++;
	return 0;
}

/* Removes everything a plugin registered, for a failed init. */
static void
plugin_undo(struct ep_plugin *p)
{
	size_t i, j;

	route_remove_owner(p);
	hook_remove_owner(p);
	job_remove_owner(p);
	nav_remove_owner(p);
	for (i = j = 0; i < nmigrations; i++) {
		if (migrations[i].owner != p)
			migrations[j++] = migrations[i];
	}
	nmigrations = j;
	for (i = j = 0; i < ncommands; i++) {
		if (commands[i].owner == p) {
			free(commands[i].name);
			free(commands[i].usage);
		} else
			commands[j++] = commands[i];
	}
	ncommands = j;
}

/* The host table of ABI 2.0 ends at notify_address_files: no 2.x plugin
 * has less. */
#define PLUGIN_HOST_FIRST (offsetof(struct ep_host, notify_address_files) + \
	sizeof(((struct ep_host *)0)->notify_address_files))

/* A plugin opened and its block checked, not yet started. */
struct plugin_open {
	char *path;
	void *handle;
	const struct ep_plugin_info *info;
};

/* The started plugin of that name, or NULL. */
static struct ep_plugin *
plugin_find(const char *name)
{
	struct ep_plugin *q;

	for (q = plugins; q != NULL; q = q->next) {
		if (strcmp(q->info->name, name) == 0)
			return q;
	}
	return NULL;
}

/*
 * Compares the plugin's block with ours field by field and names the
 * first that differs. The major must be ours; any minor loads (the
 * plugin probes newer members with EP_HOST_HAS), but no 2.x plugin was
 * built with a block or table shorter than 2.0's.
 */
static char *
plugin_check(const char *path, const struct ep_plugin_info *info)
{
	struct ep_plugin *q;

	if (info == NULL)
		return xprintf("%s: the entry point returned no plugin block", path);
	if (info->size == EP_PLUGIN_MAGIC)
		return xprintf("%s: built for plugin ABI 1.x, but this host speaks "
		    "ABI %u.%u (major versions differ): rebuild it", path,
		    EP_ABI_MAJOR, EP_ABI_MINOR);
	if (info->size < sizeof(struct ep_plugin_info))
		return xprintf("%s: plugin block is %u bytes, expected at least "
		    "%zu", path, info->size, sizeof(struct ep_plugin_info));
	if (info->magic != EP_PLUGIN_MAGIC)
		return xprintf("%s: bad magic 0x%08x (expected 0x%08x): not built "
		    "with expertpool/plugin.h", path, info->magic, EP_PLUGIN_MAGIC);
	if (info->abi_major != EP_ABI_MAJOR)
		return xprintf("%s: built for plugin ABI %u.%u, but this host "
		    "speaks ABI %u.%u (major versions differ)", path,
		    info->abi_major, info->abi_minor, EP_ABI_MAJOR, EP_ABI_MINOR);
	if (info->host_size < PLUGIN_HOST_FIRST)
		return xprintf("%s: built with a host table of %u bytes, less than "
		    "ABI %u.0's %zu", path, info->host_size, EP_ABI_MAJOR,
		    PLUGIN_HOST_FIRST);
	if (info->name == NULL || info->name[0] == '\0' || info->init == NULL)
		return xprintf("%s: the plugin block has no name or no init", path);
	if ((q = plugin_find(info->name)) != NULL)
		return xprintf("%s: a plugin named %s is already loaded from %s",
		    path, info->name, q->path);
	return NULL;
}

/* Opens a plugin and checks its block; 0, or -1 with *err. */
static int
plugin_open(const char *path, struct plugin_open *o, char **err)
{
	ep_plugin_entry_fn entry;

	memset(o, 0, sizeof *o);
	o->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (o->handle == NULL) {
		*err = xprintf("%s: cannot load: %s", path, dlerror());
		return -1;
	}
	*(void **)(&entry) = dlsym(o->handle, EP_PLUGIN_ENTRY_NAME);
	if (entry == NULL) {
		*err = xprintf("%s: no entry point %s(): not an expertpool plugin",
		    path, EP_PLUGIN_ENTRY_NAME);
		dlclose(o->handle);
		return -1;
	}
	o->info = entry();
	if ((*err = plugin_check(path, o->info)) != NULL) {
		dlclose(o->handle);
		return -1;
	}
	o->path = xstrdup(path);
	return 0;
}

/* Closes a plugin opened and never started. */
static void
plugin_close(struct plugin_open *o)
{
	if (o->handle != NULL)
		dlclose(o->handle);
	free(o->path);
	memset(o, 0, sizeof *o);
}

/* The first plugin o requires that is not started, or NULL. */
static const char *
plugin_missing(const struct plugin_open *o)
{
	const char *const *r;

	for (r = o->info->requires; r != NULL && *r != NULL; r++) {
		if (plugin_find(*r) == NULL)
			return *r;
	}
	return NULL;
}

/*
 * Starts an opened plugin: its requirements must be started already;
 * then init. On any failure nothing stays registered and o is closed;
 * on success the plugin owns the handle.
 */
static int
plugin_start(struct plugin_open *o, char **err)
{
	const struct ep_plugin_info *info = o->info;
	struct ep_plugin *p;
	const char *missing;
	int rc;

	if (plugin_find(info->name) != NULL) {
		*err = xprintf("%s: a plugin named %s is already loaded", o->path,
		    info->name);
		plugin_close(o);
		return -1;
	}
	if ((missing = plugin_missing(o)) != NULL) {
		*err = xprintf("%s: plugin %s requires plugin %s, which is not "
		    "loaded", o->path, info->name, missing);
		plugin_close(o);
		return -1;
	}
	p = xcalloc(1, sizeof *p);
	p->path = o->path;
	p->handle = o->handle;
	p->info = info;
	p->registering = 1;
	rc = info->init(p, &host_table);
	p->registering = 0;
	if (rc != 0) {
		*err = xprintf("%s: plugin %s failed to initialise (%d)", o->path,
		    info->name, rc);
		plugin_undo(p);
		free(p);
		plugin_close(o);
		return -1;
	}
	p->next = plugins;
	plugins = p;
	log_info("plugin %s %s loaded from %s", info->name,
	    info->version ? info->version : "", o->path);
	memset(o, 0, sizeof *o);
	return 0;
}

/*
 * Loads one plugin: dlopen, find the entry point, check the block field
 * by field, check that what it requires is loaded, then init.
 */
int
plugin_load(const char *path, char **err)
{
	struct plugin_open o;

	if (plugin_open(path, &o, err) != 0)
		return -1;
	return plugin_start(&o, err);
}

static int
plugin_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 3 && strcmp(d->d_name + n - 3, ".so") == 0;
}

/*
 * Whoever can write a plugin runs code as the server: a plugin and its
 * directory must be owned by root or by the server's own user, and
 * writable by nobody else; a plugin must be a file, not a link to one
 * somewhere else. NULL when path passes, else why not.
 */
static const char *
plugin_trusted(const struct stat *st, int is_dir)
{
	if (!is_dir && !S_ISREG(st->st_mode))
		return S_ISLNK(st->st_mode) ? "refusing a symbolic link" :
		    "refusing what is not a regular file";
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return is_dir ? "refusing a directory owned by another user" :
		    "refusing a plugin owned by another user";
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return is_dir ? "refusing a directory that its group or others "
		    "can write" : "refusing a plugin that its group or others "
		    "can write";
	return NULL;
}

/* Opens one file of a plugins directory, if it may be trusted. */
static int
plugin_open_trusted(const char *path, struct plugin_open *o, char **err)
{
	struct stat st;
	const char *why;

	if (lstat(path, &st) != 0) {
		*err = xprintf("%s: cannot read it", path);
		return -1;
	}
	if ((why = plugin_trusted(&st, 0)) != NULL) {
		*err = xprintf("%s: %s", path, why);
		return -1;
	}
	return plugin_open(path, o, err);
}

/*
 * Says why none of the plugins left can start: one requires a plugin that
 * is not in the directory, or they require each other.
 */
static char *
plugin_unordered(const char *dir, struct plugin_open *o, size_t n)
{
	const char *missing = NULL;
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (o[i].info == NULL || (missing = plugin_missing(&o[i])) == NULL)
			continue;
		for (j = 0; j < n; j++) {
			if (o[j].info != NULL && strcmp(o[j].info->name, missing) == 0)
				break;
		}
		if (j == n)
			return xprintf("%s: plugin %s requires plugin %s, which is "
			    "not loaded (not in %s)", o[i].path, o[i].info->name,
			    missing, dir);
	}
	for (i = 0; i < n && o[i].info == NULL; i++)
		;
	return xprintf("%s: plugin %s and the plugins it requires require "
	    "each other", o[i].path, o[i].info->name);
}

/*
 * Starts the opened plugins, each after those it requires: every round
 * starts the first in name order whose requirements are started.
 */
static int
plugin_start_all(const char *dir, struct plugin_open *o, size_t n,
    char **err)
{
	size_t i, left = n;

	while (left > 0) {
		for (i = 0; i < n; i++) {
			if (o[i].info != NULL && plugin_missing(&o[i]) == NULL)
				break;
		}
		if (i == n) {
			*err = plugin_unordered(dir, o, n);
			return -1;
		}
		if (plugin_start(&o[i], err) != 0)
			return -1;
		left--;
	}
	return 0;
}

/*
 * Loads every *.so in a directory: opens and checks them all, then starts
 * them in name order, each after the plugins it requires. A missing
 * directory is no plugins; one that others could write into, or any
 * plugin that is not trusted (plugin_trusted) or fails, is an error.
 */
int
plugin_load_dir(const char *dir, char **err)
{
	struct dirent **names = NULL;
	struct plugin_open *o;
	struct stat st;
	const char *why;
	int i, n, rc = 0;

	if (stat(dir, &st) != 0)
		return 0;
	if (!S_ISDIR(st.st_mode)) {
		*err = xprintf("%s: plugins: not a directory", dir);
		return -1;
	}
	if ((why = plugin_trusted(&st, 1)) != NULL) {
		*err = xprintf("%s: plugins: %s", dir, why);
		return -1;
	}
	n = scandir(dir, &names, plugin_filter, alphasort);
	if (n < 0) {
		*err = xprintf("%s: plugins: cannot read the directory", dir);
		return -1;
	}
	o = xcalloc((size_t)n + 1, sizeof *o);
	for (i = 0; i < n; i++) {
		char *path = xprintf("%s/%s", dir, names[i]->d_name);

		if (rc == 0 && plugin_open_trusted(path, &o[i], err) != 0)
			rc = -1;
		free(path);
		free(names[i]);
	}
	free(names);
	if (rc == 0)
		rc = plugin_start_all(dir, o, (size_t)n, err);
	for (i = 0; i < n; i++)
		plugin_close(&o[i]);
	free(o);
	return rc;
}

void
plugin_unload_all(void)
{
	struct ep_plugin *p;
	size_t i;

	while ((p = plugins) != NULL) {
		plugins = p->next;
		if (p->info->fini != NULL)
			p->info->fini(p);
		route_remove_owner(p);
		hook_remove_owner(p);
		job_remove_owner(p);
		nav_remove_owner(p);
		dlclose(p->handle);
		free(p->path);
		free(p);
	}
	for (i = 0; i < ncommands; i++) {
		free(commands[i].name);
		free(commands[i].usage);
	}
	free(commands);
	commands = NULL;
	ncommands = 0;
	free(migrations);
	migrations = NULL;
	nmigrations = 0;
}

struct ep_plugin *
plugin_first(void)
{
	return plugins;
}

size_t
plugin_nmigrations(void)
{
	return nmigrations;
}

const struct plugin_migration *
plugin_migration_at(size_t i)
{
	return i < nmigrations ? &migrations[i] : NULL;
}

size_t
plugin_ncommands(void)
{
	return ncommands;
}

const struct plugin_command *
plugin_command_at(size_t i)
{
	return i < ncommands ? &commands[i] : NULL;
}

const struct plugin_command *
plugin_command_find(const char *name)
{
	size_t i;

	for (i = 0; i < ncommands; i++) {
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	}
	return NULL;
}
