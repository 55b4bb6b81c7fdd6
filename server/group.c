/* group.c: group commit: many requests' writes, one transaction, one fsync. */
#include "server.h"

#include <stdlib.h>

#include <event2/event.h>

struct group_item {
	struct ep_req *r;
	int (*work)(struct ep_db *db, struct ep_req *r, void *arg);
	void (*done)(struct ep_req *r, int rc, void *arg);
	void *arg;
	int rc;
	struct group_item *next;
};

static struct group_item *group_head, *group_tail;
static struct event *group_event;
static uint64_t group_batches, group_items;

/*
 * Runs every queued item in one transaction with synchronous=FULL: each in
 * its own savepoint (a failing item is undone alone), then one COMMIT, so
 * one fsync covers everyone who arrived meanwhile. Each is answered only
 * after the commit; if the commit fails, every item fails.
 */
static void
group_run_cb(evutil_socket_t fd, short events, void *arg)
{
	struct ep_db *db = http_db();
	struct group_item *batch = group_head, *g, *next;
	int ok = 1;

	(void)fd;
	(void)events;
	(void)arg;
	group_head = group_tail = NULL;
	if (batch == NULL)
		return;
	group_batches++;
	if (db_sync(db, 1) != 0 || db_begin(db) != 0)
		ok = 0;
	for (g = batch; g != NULL; g = g->next) {
		group_items++;
		if (!ok) {
			g->rc = -1;
			continue;
		}
		if (db_begin(db) != 0) {
			g->rc = -1;
			continue;
		}
		g->rc = g->work(db, g->r, g->arg);
		if (g->rc == 0)
			db_commit(db);
		else
			db_rollback(db);
	}
	if (ok && db_commit(db) != 0) {
		db_rollback(db);
		ok = 0;
	}
	db_sync(db, 0);
	for (g = batch; g != NULL; g = next) {
		next = g->next;
		if (!ok && g->rc == 0)
			g->rc = -1;
		g->done(g->r, g->rc, g->arg);
		free(g);
	}
}

/* Queues a request's write for the next group commit; replies come from
 * done(), after the commit. */
int
group_commit(struct ep_req *r, int (*work)(struct ep_db *, struct ep_req *,
    void *), void (*done)(struct ep_req *, int, void *), void *arg)
{
	struct group_item *g;

	if (group_event == NULL)
		return -1;
	g = xcalloc(1, sizeof *g);
	g->r = r;
	g->work = work;
	g->done = done;
	g->arg = arg;
	http_defer(r);
	if (group_tail != NULL)
		group_tail->next = g;
	else
		group_head = g;
	group_tail = g;
	if (g == group_head)
		event_active(group_event, EV_READ, 0);
	return 0;
}

void
group_start(struct event_base *base)
{
	group_event = event_new(base, -1, 0, group_run_cb, NULL);
}

/* Commits what is queued (at shutdown), then stops. */
void
group_stop(void)
{
	if (group_event == NULL)
		return;
	group_run_cb(-1, 0, NULL);
	event_free(group_event);
	group_event = NULL;
}

void
group_stats(uint64_t *batches, uint64_t *items)
{
	*batches = group_batches;
	*items = group_items;
}
