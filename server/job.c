/* job.c: background jobs on their own threads, each with its own store. */
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
};

static struct job_type *job_types;
static size_t njob_types;
static char *job_db_path;
static atomic_int job_nrunning;
static pthread_mutex_t job_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t job_done = PTHREAD_COND_INITIALIZER;

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

void
job_fail(ep_job *job, const char *message)
{
	free(job->failure);
	job->failure = xstrdup(message ? message : "failed");
}

static void *
job_thread(void *arg)
{
	struct ep_job *job = arg;
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
	return NULL;
}

/* Queues a job by name and starts its thread; returns its id or -1. */
int64_t
job_start(const char *name, const char *arg)
{
	const struct job_type *type = NULL;
	struct ep_db *db = http_db();
	struct ep_job *job;
	pthread_attr_t attr;
	pthread_t t;
	sqlite3_stmt *s;
	size_t i;

	for (i = 0; i < njob_types; i++) {
		if (strcmp(job_types[i].name, name) == 0)
			type = &job_types[i];
	}
	if (type == NULL || db == NULL || job_db_path == NULL) {
		log_error("job: cannot start %s: %s", name, type == NULL ?
		    "no such job" : "no store");
		return -1;
	}
	s = db_stmt(db, "INSERT INTO jobs (name, arg) VALUES (?, ?)");
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, arg ? arg : "", -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		log_error("job: cannot queue %s: %s", name, db_errmsg(db));
		sqlite3_reset(s);
		return -1;
	}
	sqlite3_reset(s);
	job = xcalloc(1, sizeof *job);
	job->id = sqlite3_last_insert_rowid(db->sql);
	job->type = type;
	job->arg = xstrdup(arg ? arg : "");
	atomic_fetch_add(&job_nrunning, 1);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, job_thread, job) != 0) {
		atomic_fetch_sub(&job_nrunning, 1);
		log_error("job: cannot start a thread for %s", name);
		free(job->arg);
		free(job);
		pthread_attr_destroy(&attr);
		return -1;
	}
	pthread_attr_destroy(&attr);
	return job->id;
}

/* Waits for running jobs, at most timeout_ms; returns how many still run. */
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
	while (atomic_load(&job_nrunning) > 0) {
		if (pthread_cond_timedwait(&job_done, &job_lock, &deadline) != 0)
			break;
	}
	left = atomic_load(&job_nrunning);
	pthread_mutex_unlock(&job_lock);
	return left;
}
