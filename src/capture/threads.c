/* threads: starting the capture's threads, and the stop flag as each of them sees it. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#include "capture_int.h"

/*
 * The stop flag is set by a signal handler on the caller's thread, and a
 * volatile sig_atomic_t is only meant to be read there: that thread passes
 * it on to every other (collector, formatter, archiver) through an atomic.
 * So the caller's thread never waits for long without looking (its waits
 * are slices: batch.c, watchdog.c, capture.c), and it is where the
 * program's progress callback runs: the first sight of the flag is told
 * at once.
 */
bool threads_stopped(struct capture *c)
{
	bool first;

	if (!pthread_equal(pthread_self(), c->caller))
		return atomic_load(&c->halt);
	if (c->o.stop && *c->o.stop) {
		first = !atomic_exchange(&c->halt, true);
		progress_tick(c, first);
		return true;
	}
	progress_tick(c, false);
	return false;
}

/* Starts a thread, with every signal left to the caller's thread. */
int threads_spawn(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int r;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = -pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}
