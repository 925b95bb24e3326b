/* threads: starting the capture's threads, and the stop flag as each of them sees it. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#include "capture_int.h"

/*
 * The stop flag is set by a signal handler on the caller's thread, and a
 * volatile sig_atomic_t is only meant to be read there: that thread passes
 * it on to the helper collector through an atomic.
 */
bool threads_stopped(struct capture *c)
{
	if (!pthread_equal(pthread_self(), c->caller))
		return atomic_load(&c->halt);
	if (c->o.stop && *c->o.stop) {
		atomic_store(&c->halt, true);
		return true;
	}
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
