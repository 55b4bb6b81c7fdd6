/*
 * reader.c: long reads for requests, off the event loop (the host's
 * req_read). A request whose answer takes a long read (verifying an
 * invoice prices it all again) must not hold up every other client: its
 * work runs on a reader thread, with a store connection that thread keeps
 * and that may only read, and its reply is made back on the event loop.
 * The queue is bounded: past it the handler answers 503.
 */
#include "server.h"

#include <stdlib.h>

#define READER_THREADS 2
#define READER_QUEUE 32

struct reader_task {
	ep_req *r;
	int (*work)(ep_db *db, void *arg);
	void (*done)(ep_req *r, int rc, void *arg);
	void *arg;
	int rc;
};

static __thread struct ep_db *reader_db;

/* As each reader thread ends. */
static void
reader_exit(void)
{
	if (reader_db != NULL)
		db_close(reader_db);
	reader_db = NULL;
}

static void
reader_work(void *arg)
{
	struct reader_task *t = arg;
	char *err = NULL;

	if (reader_db == NULL) {
		reader_db = db_open(job_db(), cfg.busy_timeout_ms, &err);
		if (reader_db == NULL) {
			log_error("reader: %s", err);
			free(err);
			t->rc = -1;
			return;
		}
		db_exec(reader_db, "PRAGMA query_only = ON");
	}
	t->rc = t->work((ep_db *)reader_db, t->arg);
}

static void
reader_done(void *arg)
{
	struct reader_task *t = arg;

	t->done(t->r, t->rc, t->arg);
	free(t);
}

int
reader_start(struct event_base *base)
{
	worker_on_exit(WORKER_READ, reader_exit);
	return worker_start(base, WORKER_READ, READER_THREADS, READER_QUEUE);
}

/* The host's req_read: see include/expertpool/plugin.h. */
int
reader_run(ep_req *r, int (*work)(ep_db *db, void *arg),
    void (*done)(ep_req *r, int rc, void *arg), void *arg)
{
	struct reader_task *t = xcalloc(1, sizeof *t);

	t->r = r;
	t->work = work;
	t->done = done;
	t->arg = arg;
	if (worker_run_in(WORKER_READ, reader_work, reader_done, t) != 0) {
		free(t);
		return -1;
	}
	http_defer(r);
	return 0;
}
