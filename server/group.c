/* group.c: group commit: many requests' writes, one transaction, one fsync. */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <sqlite3.h>

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
	int checkpoint;	/* then fold the WAL back into the database */
	int failed;
	int error;
};

/* Past this many queued writes a batch runs without waiting for the
 * fsync in progress: it bounds one transaction's size. */
#define GROUP_MAX_QUEUED 512
/* WAL frames that make the next fsync checkpoint too (SQLite's default
 * automatic checkpoint, which this replaces on the server's connection). */
#define GROUP_CHECKPOINT_FRAMES 1000

static struct group_item *group_head, *group_tail;	/* queued */
static struct group_item *group_unsynced;		/* committed, not synced */
static int group_syncing;
static int group_queued;
static struct event *group_event;
static uint64_t group_batches, group_items, group_syncs;
static int group_wal_fd = -1;
static ino_t group_wal_ino;
static int group_wal_frames;		/* in the WAL after the last commit */
static int group_running;		/* inside group_run_cb */
static struct event *group_ckpt_event;
static struct ep_db *group_ckpt_db;	/* the worker's, for checkpoints */
static char *group_db_path;
static int64_t group_busy_ms;
static struct event *group_retry_event;	/* the write lock was taken */
static uint64_t group_busy_since;	/* usec; 0 when not waiting */
static int group_busy_tries;
static int group_stopping;		/* the last batch waits for the lock */

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

/* After each commit on the server's connection: how long the WAL is. A
 * commit outside a group (a form, a job's record) that makes it long
 * asks for a checkpoint of its own, from the loop, outside SQLite. */
static int
group_wal_hook(void *arg, sqlite3 *sql, const char *name, int frames)
{
	(void)arg;
	(void)sql;
	(void)name;
	group_wal_frames = frames;
	if (frames >= GROUP_CHECKPOINT_FRAMES && !group_running &&
	    group_ckpt_event != NULL)
		event_active(group_ckpt_event, EV_READ, 0);
	return SQLITE_OK;
}

/*
 * On the worker, after an fsync: copies the WAL's frames into the database
 * through the worker's own connection. The event loop commits nothing
 * meanwhile (the next batch waits for this task), so the checkpoint sees
 * a WAL that stands still, finishes, and the next commit starts the WAL
 * again from its beginning; and the loop never waits for the database
 * file's fsync, as it did when SQLite checkpointed inside a COMMIT.
 */
static void
group_checkpoint(void)
{
	char *err = NULL;
	int rc;

	if (group_ckpt_db == NULL) {
		group_ckpt_db = db_open(group_db_path, group_busy_ms, &err);
		if (group_ckpt_db == NULL) {
			log_error("group commit: cannot open a connection for "
			    "checkpoints: %s", err);
			free(err);
			return;
		}
	}
	rc = sqlite3_wal_checkpoint_v2(group_ckpt_db->sql, NULL,
	    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		log_error("group commit: checkpoint failed: %s",
		    db_errmsg(group_ckpt_db));
}

/* On a worker thread: make everything committed so far durable, then
 * checkpoint if the WAL has grown long. */
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
	if (s->checkpoint && !s->failed)
		group_checkpoint();
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
	if (!group_syncing && (group_unsynced != NULL || (group_event != NULL &&
	    group_wal_frames >= GROUP_CHECKPOINT_FRAMES)))
		group_sync_start();
	group_answer(s->items, s->failed);
	free(s);
}

/* A checkpoint asked for by a commit outside the group: one fsync and
 * checkpoint task, unless one is running (its end looks again). */
static void
group_ckpt_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	if (!group_syncing && group_wal_frames >= GROUP_CHECKPOINT_FRAMES)
		group_sync_start();
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
	/* One attempt per commit that finds the WAL long, as SQLite's own
	 * automatic checkpoint does: the next commit says how long it is. */
	s->checkpoint = group_wal_frames >= GROUP_CHECKPOINT_FRAMES;
	if (s->checkpoint)
		group_wal_frames = 0;
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
	struct timeval tv;
	int ok = 1, begun;

	(void)fd;
	(void)events;
	(void)arg;
	if (batch == NULL || group_running)
		return;
	/*
	 * Another connection (a job, the CLI) may hold the write lock. The
	 * busy handler would sleep on the event loop and stall every request;
	 * instead the batch stays queued and is tried again shortly, the loop
	 * serving meanwhile, until the store's busy timeout has passed.
	 */
	begun = group_stopping ? (db_begin(db) == 0 ? 0 : -1) :
	    db_begin_nowait(db);
	if (begun == 1) {
		if (group_busy_since == 0)
			group_busy_since = mono_usec();
		if ((int64_t)((mono_usec() - group_busy_since) / 1000) <
		    group_busy_ms) {
			db_busy_note();
			group_busy_tries++;
			tv.tv_sec = 0;
			tv.tv_usec = (group_busy_tries < 10 ?
			    group_busy_tries : 10) * 1000;
			evtimer_add(group_retry_event, &tv);
			return;
		}
		log_warn("group commit: the store stayed locked for %lld ms",
		    (long long)group_busy_ms);
	}
	group_busy_since = 0;
	group_busy_tries = 0;
	group_head = group_tail = NULL;
	group_queued = 0;
	group_running = 1;
	group_batches++;
	if (begun != 0)
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
	group_running = 0;
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

/* The server's connection checkpoints through the group's fsyncs, on the
 * worker, instead of inside the COMMIT that crosses the threshold. */
void
group_start(struct event_base *base, struct ep_db *db)
{
	group_event = event_new(base, -1, 0, group_run_cb, NULL);
	group_retry_event = evtimer_new(base, group_run_cb, NULL);
	group_ckpt_event = event_new(base, -1, 0, group_ckpt_cb, NULL);
	group_db_path = xstrdup(db->path);
	group_busy_ms = db->busy_timeout_ms;
	sqlite3_wal_hook(db->sql, group_wal_hook, NULL);
}

/* Commits what is queued (at shutdown) and syncs it; the worker's last
 * callbacks answer it. */
void
group_stop(void)
{
	if (group_event == NULL)
		return;
	group_stopping = 1;
	group_run_cb(-1, 0, NULL);
	group_stopping = 0;
	event_free(group_retry_event);
	group_retry_event = NULL;
	if (group_unsynced != NULL && !group_syncing)
		group_sync_start();
	event_free(group_event);
	group_event = NULL;
	event_free(group_ckpt_event);
	group_ckpt_event = NULL;
}

/* After the workers have stopped. */
void
group_close(void)
{
	if (group_wal_fd >= 0) {
		close(group_wal_fd);
		group_wal_fd = -1;
	}
	db_close(group_ckpt_db);
	group_ckpt_db = NULL;
	free(group_db_path);
	group_db_path = NULL;
}

void
group_stats(uint64_t *batches, uint64_t *items, uint64_t *syncs)
{
	*batches = group_batches;
	*items = group_items;
	*syncs = group_syncs;
}
