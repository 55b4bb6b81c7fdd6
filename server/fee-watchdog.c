/* fee-watchdog.c: uncounted runs, bounded by thread CPU time and a watchdog. */
#include "fee-int.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * Uncounted runs. A count hook makes Lua stop at every instruction, which
 * costs more than pricing a typical entry; so a large batch is priced in
 * chunks with no hook, and a chunk's results stand only when its thread
 * CPU time shows that no entry in it can have run past its instruction
 * budget (FEE_FAST_NSEC). Otherwise, or on any error, the chunk is priced
 * again with the count hook, which gives exactly what a counted run gives:
 * price is a pure function of entry and ctx, so only the outcome at the
 * budget could differ, and that is always decided by counting. A watchdog,
 * a CPU-time timer signalling this thread, stops an entry that never
 * returns by setting the count hook from the signal handler (as lua.c
 * does on SIGINT). Where the signal or timer cannot be had, every run is
 * counted.
 *
 * A chunk's time is first judged by the monotonic clock, read without
 * entering the kernel: a thread cannot run for longer than the time that
 * passes, so a chunk under the bound by that clock is under it in CPU
 * time. Only a chunk over it (the thread was likely preempted) reads the
 * thread's CPU clock, a system call, and compares it with the last CPU
 * time read, taken no later than the chunk's start.
 */

/* This thread's CPU time in nanoseconds; -1 where it cannot be read. */
static int64_t
fee_thread_cpu(void)
{
#if HAVE_DECL_CLOCK_THREAD_CPUTIME_ID
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return -1;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
#else
	return -1;
#endif
}

/* The monotonic clock in nanoseconds; -1 where it cannot be read. */
static int64_t
fee_wall(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return -1;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * Has the chunk since chunk_wall and cpu_mark (see the top) kept under
 * FEE_FAST_NSEC of CPU time? wall is the monotonic clock now. Keeps the
 * CPU time it had to read as the next mark.
 */
static int
fee_fast_within(struct fee_vm *vm, int64_t wall)
{
	int64_t cpu;

	if (wall >= 0 && vm->watch.chunk_wall >= 0 &&
	    wall - vm->watch.chunk_wall < FEE_FAST_NSEC)
		return 1;
	cpu = fee_thread_cpu();
	if (cpu < 0 || vm->watch.cpu_mark < 0 ||
	    cpu - vm->watch.cpu_mark >= FEE_FAST_NSEC)
		return 0;
	vm->watch.cpu_mark = cpu;
	return 1;
}

#ifdef FEE_WATCHDOG
static int fee_fast_signo;	/* 0: uncounted runs are not available */
static pthread_once_t fee_fast_once = PTHREAD_ONCE_INIT;
static __thread struct fee_vm *fee_fast_vm;
static __thread pid_t fee_fast_tid;	/* this thread's id, once asked */

/* The watchdog went off: the hook stops the entry at its next instruction. */
static void
fee_fast_signal(int sig)
{
	struct fee_vm *vm = fee_fast_vm;

	(void)sig;
	if (vm != NULL && vm->watch.armed) {
		vm->watch.fired = 1;
		lua_sethook(vm->L, fee_hook, LUA_MASKCOUNT, 1);
	}
}

/* A forked child's one thread is not the thread that forked. */
static void
fee_fast_forked(void)
{
	fee_fast_tid = 0;
}

/* Takes a real-time signal for the watchdog, unless someone else has. */
static void
fee_fast_init(void)
{
	struct sigaction sa, old;
	int sig = SIGRTMAX - 2;

	if (sigaction(sig, NULL, &old) != 0 || (old.sa_flags & SA_SIGINFO) ||
	    old.sa_handler != SIG_DFL)
		return;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fee_fast_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(sig, &sa, NULL) == 0 &&
	    pthread_atfork(NULL, NULL, fee_fast_forked) == 0)
		fee_fast_signo = sig;
}

/*
 * May the next n entries be priced uncounted? Only by the outermost call,
 * for a batch worth the set-up, with the watchdog's timer made for this
 * thread and its signal let through.
 */
int
fee_fast_ok(struct fee_vm *vm, size_t n)
{
	struct sigevent ev;
	sigset_t set;
	pid_t tid;

	if (vm->lim.depth != 0 || n < FEE_FAST_MIN)
		return 0;
	pthread_once(&fee_fast_once, fee_fast_init);
	if (fee_fast_signo == 0)
		return 0;
	if (fee_fast_tid == 0)
		fee_fast_tid = gettid();	/* a system call: asked once */
	tid = fee_fast_tid;
	if (vm->watch.timer_tid != tid) {
		if (vm->watch.timer_tid != 0)
			timer_delete(vm->watch.timer);
		vm->watch.timer_tid = 0;
		memset(&ev, 0, sizeof ev);
		ev.sigev_notify = SIGEV_THREAD_ID;
		ev.sigev_signo = fee_fast_signo;
		FEE_SIGEV_TID(&ev) = tid;
		if (timer_create(CLOCK_THREAD_CPUTIME_ID, &ev,
		    &vm->watch.timer) != 0)
			return 0;
		vm->watch.timer_tid = tid;
	}
	sigemptyset(&set);
	sigaddset(&set, fee_fast_signo);
	return pthread_sigmask(SIG_UNBLOCK, &set, NULL) == 0;
}

/* Starts the watchdog; if it cannot be started, the run is counted. */
static void
fee_fast_arm(struct fee_vm *vm)
{
	struct itimerspec its;

	memset(&its, 0, sizeof its);
	its.it_value.tv_sec = FEE_FAST_WATCH / 1000;
	its.it_value.tv_nsec = (long)(FEE_FAST_WATCH % 1000) * 1000000;
	fee_fast_vm = vm;
	vm->watch.armed = 1;
	if (timer_settime(vm->watch.timer, 0, &its, NULL) != 0) {
		vm->watch.fired = 1;
		lua_sethook(vm->L, fee_hook, LUA_MASKCOUNT, 1);
	}
}

/* Stops the watchdog before the state is used counted again. */
static void
fee_fast_disarm(struct fee_vm *vm)
{
	struct itimerspec its;

	if (!vm->watch.armed)
		return;
	memset(&its, 0, sizeof its);
	timer_settime(vm->watch.timer, 0, &its, NULL);
	vm->watch.armed = 0;
	fee_fast_vm = NULL;
}

/* Deletes the state's timer, if this thread made one. */
void
fee_fast_close(struct fee_vm *vm)
{
	if (vm->watch.timer_tid != 0)
		timer_delete(vm->watch.timer);
	vm->watch.timer_tid = 0;
}
#else
/* No thread CPU-time timers here (see configure.ac): every run counted. */
int
fee_fast_ok(struct fee_vm *vm, size_t n)
{
	(void)vm;
	(void)n;
	return 0;
}

/* Never armed where fee_fast_ok refuses every run. */
static void
fee_fast_arm(struct fee_vm *vm)
{
	vm->watch.fired = 1;
}

static void
fee_fast_disarm(struct fee_vm *vm)
{
	(void)vm;
}

void
fee_fast_close(struct fee_vm *vm)
{
	(void)vm;
}
#endif

/* Keeps in the cache what the chunk's entries were priced to. */
static void
fee_fast_keep(struct fee_vm *vm)
{
	size_t i, k;

	for (k = 0; k < vm->watch.npriced; k++) {
		i = vm->watch.priced[k];
		fee_memo_put(vm->cache.memo, &vm->batch.v[i], &vm->batch.out[i]);
	}
	vm->watch.npriced = 0;
}

/*
 * The end of an uncounted chunk: its results stand if it took less CPU
 * time than its budget allows, else the run stops here and the chunk is
 * priced again, counted. Chunks shrink when they take half that time
 * (by the monotonic clock) and grow back when they take less than a
 * quarter.
 */
void
fee_fast_step(lua_State *L, struct fee_vm *vm)
{
	int64_t now = fee_wall(), used = now - vm->watch.chunk_wall;

	if (used >= FEE_FAST_NSEC / 2 && vm->watch.chunk_len > FEE_FAST_MIN)
		vm->watch.chunk_len /= 2;
	else if (used < FEE_FAST_NSEC / 4 && vm->watch.chunk_len < FEE_FAST_CHUNK)
		vm->watch.chunk_len *= 2;
	if (!fee_fast_within(vm, now)) {
		vm->watch.fired = 1;
		lua_pushliteral(L, "uncounted chunk over its time");
		lua_error(L);
	}
	fee_fast_keep(vm);
	vm->watch.chunk_start = vm->batch.i;
	vm->watch.chunk_wall = now;
}

/*
 * Runs from entry start on uncounted (see fee_fast_ok), chunk by chunk;
 * returns where it got to: n when done, else the start of the chunk that
 * must be priced again, counted.
 */
size_t
fee_vm_run_fast(struct fee_vm *vm, size_t start, size_t n)
{
	char *err = NULL;
	int st;

	vm->watch.fast = 1;
	vm->watch.fired = 0;
	vm->watch.chunk_start = start;
	if (vm->watch.chunk_len == 0)
		vm->watch.chunk_len = FEE_FAST_CHUNK;
	vm->watch.cpu_mark = fee_thread_cpu();
	vm->watch.chunk_wall = fee_wall();
	fee_fast_arm(vm);
	st = fee_vm_run(vm, start, n, &err);
	fee_fast_disarm(vm);
	lua_sethook(vm->L, NULL, 0, 0);
	vm->watch.fast = 0;
	free(err);
	if (st == FEE_OK && !vm->watch.fired && fee_fast_within(vm, fee_wall())) {
		fee_fast_keep(vm);
		return n;
	}
	if (vm->watch.chunk_len > FEE_FAST_MIN)
		vm->watch.chunk_len /= 2;
	vm->watch.npriced = 0;
	vm->watch.fired = 0;
	return vm->watch.chunk_start;
}
