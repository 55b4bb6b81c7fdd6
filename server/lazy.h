/* lazy.h: shared libraries opened the first time a feature needs them. */
#ifndef EP_LAZY_H
#define EP_LAZY_H

#include <pthread.h>
#include <stddef.h>

/* One function of a kit: its name and where its address goes. */
struct lazy_fn {
	const char	*name;
	void		**slot;
};

/*
 * A kit: the libraries one feature uses (PDF, sign-in through a directory)
 * and the functions it calls in them. A command that never uses the
 * feature never loads them, which spares every process the tens of
 * milliseconds their loading and relocation cost.
 */
struct lazy_kit {
	const char *const	*libs;		/* sonames, NULL-terminated */
	const struct lazy_fn	*fns;		/* NULL-terminated */
	void			(*loaded)(void); /* run once, or NULL */
	pthread_mutex_t		 lock;
	int			 state;		/* 0 untried, 1 ready, -1 failed */
	char			 err[256];
};

#define LAZY_KIT(libs, fns, loaded) \
	{ (libs), (fns), (loaded), PTHREAD_MUTEX_INITIALIZER, 0, "" }

/* Entries of a kit's function list, from an X-macro list of names. */
#define LAZY_FN_ENTRY(table, f) { #f, (void **)&(table).f },

int	lazy_open(struct lazy_kit *kit, char *err, size_t len);
int	lazy_is_open(struct lazy_kit *kit);

#endif
