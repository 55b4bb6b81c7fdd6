/* job.c: background jobs on a fixed pool of threads, each job with its own
 * connection to the store; at most a few queued per person. */
#include "server.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

struct job_type {
	struct ep_plugin *owner;
	char *name;
	ep_job_fn fn;
	void *arg;
};

struct ep_job {
	int64_t id;
	const struct job_type *type;
	char *arg;
	struct ep_db *db;
	uint64_t last_progress;
	char *failure;
	struct ep_job *next;	/* in the queue */
};

static struct job_type *job_types;
static size_t njob_types;
static char *job_db_path;
static atomic_int job_nrunning;	/* queued or running */
static pthread_mutex_t job_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t job_done = PTHREAD_COND_INITIALIZER;
static pthread_cond_t job_wake = PTHREAD_COND_INITIALIZER;
static struct ep_job *job_queue, *job_queue_tail;
static int job_nqueued;
static pthread_t *job_threads;
static int job_nthreads;
static int job_stopping;

int
job_add(struct ep_plugin *owner, const char *name, ep_job_fn fn, void *arg)
{
	size_t i;

	if (name == NULL || fn == NULL) {
		log_error("job: a name and a function are required");
		return -1;
	}
	for (i = 0; i < njob_types; i++) {
		if (strcmp(job_types[i].name, name) == 0) {
			log_error("job: %s is already registered", name);
			return -1;
		}
	}
	job_types = xrealloc(job_types, sizeof *job_types * (njob_types + 1));
	job_types[njob_types].owner = owner;
	job_types[njob_types].name = xstrdup(name);
	job_types[njob_types].fn = fn;
	job_types[njob_types].arg = arg;
	njob_types++;
	return 0;
}

void
job_remove_owner(struct ep_plugin *owner)
{
	size_t i, j = 0;

	for (i = 0; i < njob_types; i++) {
		if (job_types[i].owner == owner)
			free(job_types[i].name);
		else
			job_types[j++] = job_types[i];
	}
	njob_types = j;
}

/*
 * At start-up: jobs a previous server left queued or running can never
 * finish (their threads died with it), so they are failed, saying so;
 * pages that follow a job then stop waiting. Returns how many, or -1.
 */
int
job_reap(struct ep_db *db)
{
	sqlite3_stmt *s = db_stmt(db, "UPDATE jobs SET state = 'failed', "
	    "message = 'the server stopped before this finished; start it "
	    "again', finished_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE "
	    "state IN ('queued', 'running')");
	int n = -1;

	if (s == NULL)
		return -1;
	if (sqlite3_step(s) == SQLITE_DONE)
		n = sqlite3_changes(db->sql);
	sqlite3_reset(s);
	return n;
}

/* The store's path, for threads that open a connection of their own. */
const char *
job_db(void)
{
	return job_db_path;
}

void
job_set_db_path(const char *path)
{
	free(job_db_path);
	job_db_path = path ? xstrdup(path) : NULL;
}

int
job_running(void)
{
	return atomic_load(&job_nrunning);
}

static void
job_update(struct ep_job *job, const char *sql, int64_t a, int64_t b,
    const char *text)
{
	sqlite3_stmt *s = db_stmt(job->db, sql);

	if (s == NULL)
		return;
	sqlite3_bind_int64(s, 1, a);
	sqlite3_bind_int64(s, 2, b);
	if (text != NULL)
		sqlite3_bind_text(s, 3, text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 4, job->id);
	if (sqlite3_step(s) != SQLITE_DONE)
		log_warn("job %lld: cannot record progress: %s",
		    (long long)job->id, db_errmsg(job->db));
	sqlite3_reset(s);
}

/* Records progress at most ten times a second, and always at the end. */
void
job_progress(ep_job *job, int64_t done, int64_t total)
{
	uint64_t now = mono_usec();

	if (done < total && now - job->last_progress < 100000)
		return;
	job->last_progress = now;
	job_update(job, "UPDATE jobs SET done = ?1, total = ?2 WHERE id = ?4",
	    done, total, NULL);
}

int64_t
job_id(const ep_job *job)
{
	return job->id;
}

/* The person a job runs for, from its own connection; 0 for nobody. */
int64_t
job_person(ep_job *job)
{
	sqlite3_stmt *s = db_stmt(job->db, "SELECT coalesce(person_id, 0) FROM "
	    "jobs WHERE id = ?");
	int64_t v = 0;

	if (s == NULL)
		return 0;
	sqlite3_bind_int64(s, 1, job->id);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return v;
}

void
job_fail(ep_job *job, const char *message)
{
	free(job->failure);
	job->failure = xstrdup(message ? message : "failed");
}

/* Runs one job on a pool thread, with a connection of its own. */
static void
job_run(struct ep_job *job)
{
	char *err = NULL;
	int rc;

	job->db = db_open(job_db_path, cfg.busy_timeout_ms, &err);
	if (job->db == NULL) {
		log_error("job %lld: %s", (long long)job->id, err);
		free(err);
		goto out;
	}
	job_update(job, "UPDATE jobs SET state = 'running', started_at = "
	    "strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), done = ?1, total = ?2 "
	    "WHERE id = ?4", 0, 0, NULL);
	rc = job->type->fn(job, job->db, job->arg, job->type->arg);
	if (rc != 0 && job->failure == NULL)
		job->failure = xstrdup("failed");
	job_update(job, "UPDATE jobs SET state = CASE WHEN ?1 THEN 'failed' "
	    "ELSE 'done' END, message = ?3, finished_at = "
	    "strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?4",
	    job->failure != NULL, 0, job->failure);
	log_info("job %lld (%s) %s%s", (long long)job->id, job->type->name,
	    job->failure ? "failed: " : "done", job->failure ? job->failure : "");
	db_close(job->db);
out:
	free(job->failure);
	free(job->arg);
	free(job);
	pthread_mutex_lock(&job_lock);
	atomic_fetch_sub(&job_nrunning, 1);
	pthread_cond_broadcast(&job_done);
	pthread_mutex_unlock(&job_lock);
}

/* A pool thread: takes queued jobs in order until the pool stops. */
static void *
job_thread(void *arg)
{
	struct ep_job *job;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&job_lock);
		while (job_queue == NULL && !job_stopping)
			pthread_cond_wait(&job_wake, &job_lock);
		if (job_stopping) {
			pthread_mutex_unlock(&job_lock);
			return NULL;
		}
		job = job_queue;
		job_queue = job->next;
		if (job_queue == NULL)
			job_queue_tail = NULL;
		job_nqueued--;
		pthread_mutex_unlock(&job_lock);
		job_run(job);
	}
}

/*
 * Starts the pool: however many jobs are asked for, no more than nthreads
 * run at once (each holds a connection and may hold a fee engine), and no
 * more than cfg.job_queue wait.
 */
int
job_pool_start(int nthreads)
{
	int i;

	job_stopping = 0;
	job_threads = xcalloc((size_t)nthreads, sizeof *job_threads);
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&job_threads[i], NULL, job_thread, NULL) != 0)
			break;
	}
	job_nthreads = i;
	return i > 0 ? 0 : -1;
}

/* The jobs a person has queued or running. */
static int64_t
job_count_for(struct ep_db *db, int64_t person_id)
{
	return db_int_id(db, "SELECT count(*) FROM jobs WHERE "
	    "person_id = ? AND state IN ('queued', 'running')",
	    person_id);
}

/*
 * Queues a job by name for a person (0: for nobody in particular); the
 * pool runs it when a thread is free. Its id, or EP_JOB_ERROR, or
 * EP_JOB_PERSON_BUSY when the person already has cfg.jobs_per_person
 * queued or running, or EP_JOB_FULL when the queue is full.
 */
int64_t
job_start_for(int64_t person_id, const char *name, const char *arg)
{
	const struct job_type *type = NULL;
	struct ep_db *db = http_db();
	struct ep_job *job;
	sqlite3_stmt *s;
	size_t i;
	int full;

	for (i = 0; i < njob_types; i++) {
		if (strcmp(job_types[i].name, name) == 0)
			type = &job_types[i];
	}
	if (type == NULL || db == NULL || job_db_path == NULL ||
	    job_nthreads == 0) {
		log_error("job: cannot start %s: %s", name, type == NULL ?
		    "no such job" : job_nthreads == 0 ? "no job threads" :
		    "no store");
		return EP_JOB_ERROR;
	}
	if (person_id > 0 && job_count_for(db, person_id) >= cfg.jobs_per_person)
		return EP_JOB_PERSON_BUSY;
	pthread_mutex_lock(&job_lock);
	full = job_stopping || job_nqueued >= cfg.job_queue;
	pthread_mutex_unlock(&job_lock);
	if (full)
		return EP_JOB_FULL;
	s = db_stmt(db, "INSERT INTO jobs (name, arg, person_id) VALUES (?, ?, "
	    "?)");
	if (s == NULL)
		return EP_JOB_ERROR;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, arg ? arg : "", -1, SQLITE_STATIC);
	if (person_id > 0)
		sqlite3_bind_int64(s, 3, person_id);
	if (sqlite3_step(s) != SQLITE_DONE) {
		log_error("job: cannot queue %s: %s", name, db_errmsg(db));
		sqlite3_reset(s);
		return EP_JOB_ERROR;
	}
	sqlite3_reset(s);
	job = xcalloc(1, sizeof *job);
	job->id = sqlite3_last_insert_rowid(db->sql);
	job->type = type;
	job->arg = xstrdup(arg ? arg : "");
	atomic_fetch_add(&job_nrunning, 1);
	pthread_mutex_lock(&job_lock);
	if (job_queue_tail != NULL)
		job_queue_tail->next = job;
	else
		job_queue = job;
	job_queue_tail = job;
	job_nqueued++;
	pthread_cond_signal(&job_wake);
	pthread_mutex_unlock(&job_lock);
	return job->id;
}

/* Queues a job for nobody in particular. */
int64_t
job_start(const char *name, const char *arg)
{
	return job_start_for(0, name, arg);
}

/* Stops queued jobs from starting and waits for running ones, at most
 * timeout_ms; returns how many still run. */
int
job_wait_all(int64_t timeout_ms)
{
	struct timespec deadline;
	int left;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&job_lock);
	job_stopping = 1;	/* no queued job starts from here */
	pthread_cond_broadcast(&job_wake);
	while (atomic_load(&job_nrunning) > job_nqueued) {
		if (pthread_cond_timedwait(&job_done, &job_lock, &deadline) != 0)
			break;
	}
	left = atomic_load(&job_nrunning) - job_nqueued;
	pthread_mutex_unlock(&job_lock);
	return left;
}

/*
 * Stops the pool once its running jobs are done (job_wait_all first).
 * Jobs still queued stay queued in the store; the next server's
 * job_reap fails them, saying so. Threads still running are left to end
 * with the process.
 */
void
job_pool_stop(void)
{
	struct ep_job *job, *next;
	int i, busy;

	pthread_mutex_lock(&job_lock);
	job_stopping = 1;
	pthread_cond_broadcast(&job_wake);
	job = job_queue;
	job_queue = job_queue_tail = NULL;
	atomic_fetch_sub(&job_nrunning, job_nqueued);
	job_nqueued = 0;
	busy = atomic_load(&job_nrunning);
	pthread_mutex_unlock(&job_lock);
	for (; job != NULL; job = next) {
		next = job->next;
		free(job->arg);
		free(job);
	}
	for (i = 0; i < job_nthreads; i++) {
		if (busy == 0)
			pthread_join(job_threads[i], NULL);
		else
			pthread_detach(job_threads[i]);
	}
	free(job_threads);
	job_threads = NULL;
	job_nthreads = 0;
}
