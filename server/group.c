/* group.c: group commit: many requests' writes, one transaction, one fsync. */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

struct group_item {
	struct ep_req *r;
	int (*work)(struct ep_db *db, struct ep_req *r, void *arg);
	void (*done)(struct ep_req *r, int rc, void *arg);
	void *arg;
	int rc;
	struct group_item *next;
};

struct group_sync {
	struct group_item *items;
	int fd;
	int failed;
	int error;
};

/* Past this many queued writes a batch runs without waiting for the
 * fsync in progress: it bounds one transaction's size. */
#define GROUP_MAX_QUEUED 512

static struct group_item *group_head, *group_tail;	/* queued */
static struct group_item *group_unsynced;		/* committed, not synced */
static int group_syncing;
static int group_queued;
static struct event *group_event;
static uint64_t group_batches, group_items, group_syncs;
static int group_wal_fd = -1;
static ino_t group_wal_ino;

/* Answers a list of items with their results, in order. */
static void
group_answer(struct group_item *g, int fail)
{
	struct group_item *next;

	for (; g != NULL; g = next) {
		next = g->next;
		if (fail && g->rc == 0)
			g->rc = -1;
		g->done(g->r, g->rc, g->arg);
		free(g);
	}
}

/* The WAL file, opened once and again if a new file took its name. */
static int
group_wal(struct ep_db *db)
{
	char *path = xprintf("%s-wal", db->path);
	struct stat st;

	if (stat(path, &st) != 0) {
		free(path);
		return -1;
	}
	if (group_wal_fd < 0 || st.st_ino != group_wal_ino) {
		if (group_wal_fd >= 0)
			close(group_wal_fd);
		group_wal_fd = open(path, O_RDONLY | O_CLOEXEC);
		group_wal_ino = st.st_ino;
	}
	free(path);
	return group_wal_fd;
}

/* On a worker thread: make everything committed so far durable. */
static void
group_sync_work(void *arg)
{
	struct group_sync *s = arg;

	while (fsync(s->fd) != 0) {
		if (errno != EINTR) {
			s->failed = 1;
			s->error = errno;
			break;
		}
	}
}

static void group_sync_start(void);
static void group_run_cb(evutil_socket_t, short, void *);

/*
 * Back on the loop: the synced items are on disk. What queued during the
 * fsync is committed now, as one transaction, and its fsync started
 * before the synced items are answered, so the disk works while the loop
 * writes the replies.
 */
static void
group_sync_done(void *arg)
{
	struct group_sync *s = arg;

	if (s->failed)
		log_error("group commit: fsync of the WAL failed: %s",
		    strerror(s->error));
	group_syncing = 0;
	if (group_head != NULL && group_event != NULL)
		group_run_cb(-1, 0, NULL);
	if (group_unsynced != NULL && !group_syncing)
		group_sync_start();
	group_answer(s->items, s->failed);
	free(s);
}

/*
 * Starts one fsync of the WAL for every item committed since the last one
 * began. The event loop goes on committing the next batch meanwhile: the
 * fsync covers all frames written before it starts, and nobody is
 * answered before an fsync that began after their commit has finished.
 */
static void
group_sync_start(void)
{
	struct group_sync *s;
	int fd = group_wal(http_db());

	if (fd < 0) {
		log_error("group commit: no WAL file to sync");
		group_answer(group_unsynced, 1);
		group_unsynced = NULL;
		return;
	}
	s = xcalloc(1, sizeof *s);
	s->items = group_unsynced;
	s->fd = fd;
	group_unsynced = NULL;
	group_syncing = 1;
	group_syncs++;
	if (worker_run(group_sync_work, group_sync_done, s) != 0) {
		group_sync_work(s);
		group_sync_done(s);
	}
}

/* Appends a committed batch to the list waiting for durability. */
static void
group_unsynced_add(struct group_item *batch)
{
	struct group_item **tail = &group_unsynced;

	while (*tail != NULL)
		tail = &(*tail)->next;
	*tail = batch;
}

/*
 * Runs every queued item in one transaction: each in its own savepoint (a
 * failing item is undone alone), then one COMMIT. The commit's WAL frames
 * are then made durable by an fsync off the event loop, shared by every
 * batch committed meanwhile; each item is answered only after that. If
 * the commit fails, every item fails at once.
 */
static void
group_run_cb(evutil_socket_t fd, short events, void *arg)
{
	struct ep_db *db = http_db();
	struct group_item *batch = group_head, *g;
	int ok = 1;

	(void)fd;
	(void)events;
	(void)arg;
	group_head = group_tail = NULL;
	group_queued = 0;
	if (batch == NULL)
		return;
	group_batches++;
	if (db_begin(db) != 0)
		ok = 0;
	for (g = batch; g != NULL; g = g->next) {
		group_items++;
		if (!ok || db_begin(db) != 0) {
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
	if (!ok) {
		group_answer(batch, 1);
		return;
	}
	group_unsynced_add(batch);
	if (!group_syncing)
		group_sync_start();
}

/*
 * Queues a request's write for the next group commit; replies come from
 * done(), after the commit is durable. While an fsync runs, writes wait
 * for it to end and then commit together: a reply waits for the next
 * fsync either way, and one transaction for them all writes each shared
 * page once.
 */
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
	group_queued++;
	if ((!group_syncing && g == group_head) ||
	    group_queued == GROUP_MAX_QUEUED)
		event_active(group_event, EV_READ, 0);
	return 0;
}

void
group_start(struct event_base *base)
{
	group_event = event_new(base, -1, 0, group_run_cb, NULL);
}

/* Commits what is queued (at shutdown) and syncs it; the worker's last
 * callbacks answer it. */
void
group_stop(void)
{
	if (group_event == NULL)
		return;
	group_run_cb(-1, 0, NULL);
	if (group_unsynced != NULL && !group_syncing)
		group_sync_start();
	event_free(group_event);
	group_event = NULL;
}

/* After the workers have stopped. */
void
group_close(void)
{
	if (group_wal_fd >= 0) {
		close(group_wal_fd);
		group_wal_fd = -1;
	}
}

void
group_stats(uint64_t *batches, uint64_t *items, uint64_t *syncs)
{
	*batches = group_batches;
	*items = group_items;
	*syncs = group_syncs;
}
