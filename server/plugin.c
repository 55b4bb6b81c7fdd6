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

/* Compares the plugin's magic block with ours; names the first mismatch. */
static char *
plugin_check(const char *path, const struct ep_plugin_info *info)
{
	struct ep_plugin *q;

	if (info == NULL)
		return xprintf("%s: the entry point returned no plugin block", path);
	if (info->magic != EP_PLUGIN_MAGIC)
		return xprintf("%s: bad magic 0x%08x (expected 0x%08x): not built "
		    "with expertpool/plugin.h", path, info->magic, EP_PLUGIN_MAGIC);
	if (info->abi_major != EP_ABI_MAJOR)
		return xprintf("%s: built for plugin ABI %u.%u, but this host "
		    "speaks ABI %u.%u (major versions differ)", path,
		    info->abi_major, info->abi_minor, EP_ABI_MAJOR, EP_ABI_MINOR);
	if (info->abi_minor > EP_ABI_MINOR)
		return xprintf("%s: built for plugin ABI %u.%u, newer than this "
		    "host's %u.%u", path, info->abi_major, info->abi_minor,
		    EP_ABI_MAJOR, EP_ABI_MINOR);
	if (info->info_size < sizeof(struct ep_plugin_info))
		return xprintf("%s: plugin block is %u bytes, expected at least "
		    "%zu", path, info->info_size, sizeof(struct ep_plugin_info));
	if (info->host_size > sizeof(struct ep_host))
		return xprintf("%s: needs a host table of %u bytes, this host has "
		    "%zu", path, info->host_size, sizeof(struct ep_host));
	if (info->name == NULL || info->name[0] == '\0' || info->init == NULL)
		return xprintf("%s: the plugin block has no name or no init", path);
	for (q = plugins; q != NULL; q = q->next) {
		if (strcmp(q->info->name, info->name) == 0)
			return xprintf("%s: a plugin named %s is already loaded from "
			    "%s", path, info->name, q->path);
	}
	return NULL;
}

/*
 * Loads one plugin: dlopen, find the entry point, check the magic block
 * field by field, then init. On any failure nothing stays registered.
 */
int
plugin_load(const char *path, char **err)
{
	const struct ep_plugin_info *info;
	ep_plugin_entry_fn entry;
	struct ep_plugin *p;
	void *handle;
	int rc;

	handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (handle == NULL) {
		*err = xprintf("%s: cannot load: %s", path, dlerror());
		return -1;
	}
	*(void **)(&entry) = dlsym(handle, EP_PLUGIN_ENTRY_NAME);
	if (entry == NULL) {
		*err = xprintf("%s: no entry point %s(): not an expertpool plugin",
		    path, EP_PLUGIN_ENTRY_NAME);
		dlclose(handle);
		return -1;
	}
	info = entry();
	if ((*err = plugin_check(path, info)) != NULL) {
		dlclose(handle);
		return -1;
	}
	p = xcalloc(1, sizeof *p);
	p->path = xstrdup(path);
	p->handle = handle;
	p->info = info;
	p->registering = 1;
	rc = info->init(p, &host_table);
	p->registering = 0;
	if (rc != 0) {
		*err = xprintf("%s: plugin %s failed to initialise (%d)", path,
		    info->name, rc);
		plugin_undo(p);
		dlclose(handle);
		free(p->path);
		free(p);
		return -1;
	}
	p->next = plugins;
	plugins = p;
	log_info("plugin %s %s loaded from %s", info->name,
	    info->version ? info->version : "", path);
	return 0;
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

/*
 * Loads every *.so in a directory, in name order. A missing directory is
 * no plugins; one that others could write into, or any plugin that is
 * not trusted (plugin_trusted) or fails, is an error.
 */
int
plugin_load_dir(const char *dir, char **err)
{
	struct dirent **names = NULL;
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
	for (i = 0; i < n; i++) {
		char *path = xprintf("%s/%s", dir, names[i]->d_name);

		if (rc == 0 && lstat(path, &st) != 0) {
			*err = xprintf("%s: cannot read it", path);
			rc = -1;
		} else if (rc == 0 && (why = plugin_trusted(&st, 0)) != NULL) {
			*err = xprintf("%s: %s", path, why);
			rc = -1;
		}
		if (rc == 0 && plugin_load(path, err) != 0)
			rc = -1;
		free(path);
		free(names[i]);
	}
	free(names);
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
