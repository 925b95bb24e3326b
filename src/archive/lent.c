/* lent: chunks of a file lent to the archive — read by whichever thread gets there first, given back by the last (see snapwriter_int.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snapwriter_int.h"

void sw_ticket_done(struct sw_ticket *t)
{
	if (atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) != 1)
		return;
	t->release(t->arg);
	free(t);
}

/* Lowers *end to e: reads at or past it read nothing. */
static void lower_end(_Atomic uint64_t *end, uint64_t e)
{
	uint64_t cur = atomic_load_explicit(end, memory_order_relaxed);

	while (e < cur && !atomic_compare_exchange_weak(end, &cur, e))
		;
}

/*
 * Fills the buffer from the file with pread(2), as cat would.  A short
 * read (the file shrank, or an error) is made up with zeros, and marks
 * where the file ended: a chunk past that point is not read at all (the
 * member's size is fixed; what is missing is zeros).
 */
static void fill(struct sw_ticket *t, size_t *got, int *err)
{
	char *b = t->buf;
	uint64_t end = atomic_load_explicit(t->end, memory_order_relaxed);

	*got = 0;
	*err = 0;
	while (*got < t->n && t->off + *got < end) {
		ssize_t k = pread(t->fd, b + *got, t->n - *got, (off_t)(t->off + *got));

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			*err = -errno;
		if (k <= 0)
			break;
		*got += (size_t)k;
	}
	if (*got < t->n) {
		lower_end(t->end, t->off + *got);
		memset(b + *got, 0, t->n - *got);
	}
}

bool sw_ticket_read(struct snapwriter *w, struct sw_ticket *t, bool cancel)
{
	int unread = SW_UNREAD;
	size_t got = 0;
	int err = -ECANCELED;

	if (!atomic_compare_exchange_strong(&t->state, &unread, SW_READING))
		return false;
	if (!cancel)
		fill(t, &got, &err);
	atomic_store(&t->state, SW_READ);
	pthread_mutex_lock(&w->mu);
	t->rd->got = got;
	t->rd->err = err;
	t->read_done = true;
	pthread_cond_broadcast(&w->read);
	pthread_mutex_unlock(&w->mu);
	return true;
}

void sw_ticket_wait(struct snapwriter *w, struct sw_ticket *t)
{
	while (!t->read_done)
		pthread_cond_wait(&w->read, &w->mu);
}
