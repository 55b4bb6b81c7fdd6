/* worker.c: pools of threads for blocking work off the event loop. */
#include "server.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

struct worker_task {
	void (*work)(void *);
	void (*done)(void *);
	void *arg;
	struct worker_task *next;
};

/*
 * One pool: its own threads and queue, so that work of one kind never
 * waits behind another's (the group commit's fsync behind a flood of
 * password checks). A bounded pool refuses work past max_queued waiting
 * tasks; the caller answers that client "try again later".
 */
struct worker_pool {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct worker_task *queue, *queue_tail;
	struct worker_task *done, *done_tail;
	pthread_t *threads;
	int nthreads;
	int queued;		/* waiting, not yet taken by a thread */
	int max_queued;		/* 0: unbounded */
	int stopping;
	void (*on_exit)(void);	/* each thread, as it ends */
	int pipe[2];
	struct event *event;
};

static struct worker_pool worker_pools[WORKER_NKINDS];

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
	struct worker_pool *p = arg;
	struct worker_task *t;
	char c = 1;

	for (;;) {
		pthread_mutex_lock(&p->lock);
		while (p->queue == NULL && !p->stopping)
			pthread_cond_wait(&p->wake, &p->lock);
		if (p->queue == NULL) {
			pthread_mutex_unlock(&p->lock);
			if (p->on_exit != NULL)
				p->on_exit();
			return NULL;
		}
		t = p->queue;
		p->queue = t->next;
		if (p->queue == NULL)
			p->queue_tail = NULL;
		p->queued--;
		pthread_mutex_unlock(&p->lock);
		t->work(t->arg);
		pthread_mutex_lock(&p->lock);
		worker_push(&p->done, &p->done_tail, t);
		pthread_mutex_unlock(&p->lock);
		if (write(p->pipe[1], &c, 1) < 0)
			log_warn("worker: cannot wake the event loop");
	}
}

/* On the event loop: runs the done callbacks of a pool's finished tasks. */
static void
worker_done_cb(evutil_socket_t fd, short events, void *arg)
{
	struct worker_pool *p = arg;
	struct worker_task *t, *next;
	char buf[256];

	(void)events;
	while (read(fd, buf, sizeof buf) > 0)
		;
	pthread_mutex_lock(&p->lock);
	t = p->done;
	p->done = p->done_tail = NULL;
	pthread_mutex_unlock(&p->lock);
	for (; t != NULL; t = next) {
		next = t->next;
		t->done(t->arg);
		free(t);
	}
}

/* Before worker_start: fn runs on each of the pool's threads as it ends
 * (to close what the thread kept open for its tasks). */
void
worker_on_exit(enum worker_kind kind, void (*fn)(void))
{
	worker_pools[kind].on_exit = fn;
}

/* Starts the pool of one kind: nthreads threads, max_queued (0: any). */
int
worker_start(struct event_base *base, enum worker_kind kind, int nthreads,
    int max_queued)
{
	struct worker_pool *p = &worker_pools[kind];
	void (*on_exit)(void) = p->on_exit;
	int i;

	memset(p, 0, sizeof *p);
	p->on_exit = on_exit;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	p->max_queued = max_queued;
	if (pipe(p->pipe) != 0)
		return -1;
	fcntl(p->pipe[0], F_SETFL, O_NONBLOCK);
	fcntl(p->pipe[1], F_SETFL, O_NONBLOCK);
	p->event = event_new(base, p->pipe[0], EV_READ | EV_PERSIST,
	    worker_done_cb, p);
	event_add(p->event, NULL);
	p->threads = xcalloc((size_t)nthreads, sizeof *p->threads);
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&p->threads[i], NULL, worker_main, p) != 0)
			break;
	}
	p->nthreads = i;
	return i > 0 ? 0 : -1;
}

/*
 * Runs work(arg) on a thread of the pool, then done(arg) on the event loop.
 * -1 when the pool is not running or, bounded, already has max_queued
 * tasks waiting: then neither function is called.
 */
int
worker_run_in(enum worker_kind kind, void (*work)(void *),
    void (*done)(void *), void *arg)
{
	struct worker_pool *p = &worker_pools[kind];
	struct worker_task *t;

	if (p->nthreads == 0)
		return -1;
	pthread_mutex_lock(&p->lock);
	if (p->stopping || (p->max_queued > 0 && p->queued >= p->max_queued)) {
		pthread_mutex_unlock(&p->lock);
		return -1;
	}
	t = xcalloc(1, sizeof *t);
	t->work = work;
	t->done = done;
	t->arg = arg;
	worker_push(&p->queue, &p->queue_tail, t);
	p->queued++;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

/* Blocking work of no particular kind: the general pool, unbounded. */
int
worker_run(void (*work)(void *), void (*done)(void *), void *arg)
{
	return worker_run_in(WORKER_GENERAL, work, done, arg);
}

/* Tasks of the pool waiting for a thread. */
int
worker_queued(enum worker_kind kind)
{
	struct worker_pool *p = &worker_pools[kind];
	int n;

	if (p->nthreads == 0)
		return 0;
	pthread_mutex_lock(&p->lock);
	n = p->queued;
	pthread_mutex_unlock(&p->lock);
	return n;
}

/* Lets every pool's queued work finish, joins the threads, and runs the
 * last callbacks. */
void
worker_stop(void)
{
	struct worker_pool *p;
	int i, k;

	for (k = 0; k < WORKER_NKINDS; k++) {
		p = &worker_pools[k];
		if (p->nthreads == 0 && p->event == NULL)
			continue;
		pthread_mutex_lock(&p->lock);
		p->stopping = 1;
		pthread_cond_broadcast(&p->wake);
		pthread_mutex_unlock(&p->lock);
		for (i = 0; i < p->nthreads; i++)
			pthread_join(p->threads[i], NULL);
		free(p->threads);
		p->threads = NULL;
		p->nthreads = 0;
		if (p->event != NULL) {
			worker_done_cb(p->pipe[0], EV_READ, p);
			event_free(p->event);
			p->event = NULL;
		}
		if (p->pipe[0] >= 0) {
			close(p->pipe[0]);
			close(p->pipe[1]);
			p->pipe[0] = p->pipe[1] = -1;
		}
		pthread_mutex_destroy(&p->lock);
		pthread_cond_destroy(&p->wake);
	}
}
