/* lazy.c: shared libraries opened the first time a feature needs them. */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "lazy.h"

#define LAZY_MAX_LIBS 8

/* Opens the kit's libraries and finds each function; sets its state. */
static void
lazy_load(struct lazy_kit *k)
{
	void *h[LAZY_MAX_LIBS], *sym;
	const struct lazy_fn *f;
	size_t i, n;

	for (n = 0; k->libs[n] != NULL; n++) {
		if (n == LAZY_MAX_LIBS) {
			snprintf(k->err, sizeof k->err, "too many libraries");
			return;
		}
		h[n] = dlopen(k->libs[n], RTLD_LAZY | RTLD_LOCAL);
		if (h[n] == NULL) {
			snprintf(k->err, sizeof k->err, "cannot load %s: %s",
			    k->libs[n], dlerror());
			return;
		}
	}
	for (f = k->fns; f->name != NULL; f++) {
		sym = NULL;
		for (i = 0; i < n && sym == NULL; i++)
			sym = dlsym(h[i], f->name);
		if (sym == NULL) {
			snprintf(k->err, sizeof k->err,
			    "%s not found in %s", f->name, k->libs[0]);
			return;
		}
		/* POSIX's way to store dlsym's answer as a function. */
		*f->slot = sym;
	}
	if (k->loaded != NULL)
		k->loaded();
	k->state = 1;
}

/*
 * Makes the kit's functions callable, loading its libraries the first
 * time; 0, or -1 with why in ERR. A library that failed to load is not
 * tried again: the answer is the same until the server restarts.
 */
int
lazy_open(struct lazy_kit *k, char *err, size_t len)
{
	int state;

	pthread_mutex_lock(&k->lock);
	if (k->state == 0) {
		lazy_load(k);
		if (k->state == 0)
			k->state = -1;
	}
	state = k->state;
	pthread_mutex_unlock(&k->lock);
	if (state == 1)
		return 0;
	if (err != NULL && len > 0)
		snprintf(err, len, "%s", k->err);
	return -1;
}

/* Whether the kit's libraries are loaded (without loading them). */
int
lazy_is_open(struct lazy_kit *k)
{
	int state;

	pthread_mutex_lock(&k->lock);
	state = k->state;
	pthread_mutex_unlock(&k->lock);
	return state == 1;
}
