/* worker.c: threads for blocking work (password hashing) off the event loop. */
#include "server.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/event.h>

struct worker_task {
	void (*work)(void *);
	void (*done)(void *);
	void *arg;
	struct worker_task *next;
};

static pthread_mutex_t worker_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t worker_wake = PTHREAD_COND_INITIALIZER;
static struct worker_task *worker_queue, *worker_queue_tail;
static struct worker_task *worker_done, *worker_done_tail;
static pthread_t *worker_threads;
static int worker_nthreads;
static int worker_stopping;
static int worker_pipe[2] = { -1, -1 };
static struct event *worker_event;

static void
worker_push(struct worker_task **head, struct worker_task **tail,
    struct worker_task *t)
{
	t->next = NULL;
	if (*tail != NULL)
		(*tail)->next = t;
	else
		*head = t;
	*tail = t;
}

static void *
worker_main(void *arg)
{
	struct worker_task *t;
	char c = 1;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&worker_lock);
		while (worker_queue == NULL && !worker_stopping)
			pthread_cond_wait(&worker_wake, &worker_lock);
		if (worker_queue == NULL) {
			pthread_mutex_unlock(&worker_lock);
			return NULL;
		}
		t = worker_queue;
		worker_queue = t->next;
		if (worker_queue == NULL)
			worker_queue_tail = NULL;
		pthread_mutex_unlock(&worker_lock);
		t->work(t->arg);
		pthread_mutex_lock(&worker_lock);
		worker_push(&worker_done, &worker_done_tail, t);
		pthread_mutex_unlock(&worker_lock);
		if (write(worker_pipe[1], &c, 1) < 0)
			log_warn("worker: cannot wake the event loop");
	}
}

/* On the event loop: runs the done callbacks of finished tasks. */
static void
worker_done_cb(evutil_socket_t fd, short events, void *arg)
{
	struct worker_task *t, *next;
	char buf[256];

	(void)events;
	(void)arg;
	while (read(fd, buf, sizeof buf) > 0)
		;
	pthread_mutex_lock(&worker_lock);
	t = worker_done;
	worker_done = worker_done_tail = NULL;
	pthread_mutex_unlock(&worker_lock);
	for (; t != NULL; t = next) {
		next = t->next;
		t->done(t->arg);
		free(t);
	}
}

int
worker_start(struct event_base *base, int nthreads)
{
	int i;

	if (pipe(worker_pipe) != 0)
		return -1;
	fcntl(worker_pipe[0], F_SETFL, O_NONBLOCK);
	fcntl(worker_pipe[1], F_SETFL, O_NONBLOCK);
	worker_event = event_new(base, worker_pipe[0], EV_READ | EV_PERSIST,
	    worker_done_cb, NULL);
	event_add(worker_event, NULL);
	worker_threads = xcalloc((size_t)nthreads, sizeof *worker_threads);
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&worker_threads[i], NULL, worker_main, NULL) != 0)
			break;
	}
	worker_nthreads = i;
	return i > 0 ? 0 : -1;
}

/* Runs work(arg) on a worker thread, then done(arg) on the event loop. */
int
worker_run(void (*work)(void *), void (*done)(void *), void *arg)
{
	struct worker_task *t;

	if (worker_nthreads == 0)
		return -1;
	t = xcalloc(1, sizeof *t);
	t->work = work;
	t->done = done;
	t->arg = arg;
	pthread_mutex_lock(&worker_lock);
	worker_push(&worker_queue, &worker_queue_tail, t);
	pthread_cond_signal(&worker_wake);
	pthread_mutex_unlock(&worker_lock);
	return 0;
}

/* Lets queued work finish, joins the threads, and runs the last callbacks. */
void
worker_stop(void)
{
	int i;

	pthread_mutex_lock(&worker_lock);
	worker_stopping = 1;
	pthread_cond_broadcast(&worker_wake);
	pthread_mutex_unlock(&worker_lock);
	for (i = 0; i < worker_nthreads; i++)
		pthread_join(worker_threads[i], NULL);
	free(worker_threads);
	worker_threads = NULL;
	worker_nthreads = 0;
	if (worker_event != NULL) {
		worker_done_cb(worker_pipe[0], EV_READ, NULL);
		event_free(worker_event);
		worker_event = NULL;
	}
	if (worker_pipe[0] >= 0) {
		close(worker_pipe[0]);
		close(worker_pipe[1]);
		worker_pipe[0] = worker_pipe[1] = -1;
	}
}
