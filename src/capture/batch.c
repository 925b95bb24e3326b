/* batch: what a collector hands the formatter — the bytes read, the items, the lanes' queues. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture_int.h"
#include "procfs.h"

const char *const raw_files[NRAW + 1] = {
	"stat", "status", "cmdline", "environ", "maps", "cgroup", "auxv", NULL,
};
const unsigned raw_flags[NRAW] = {
	PROCFS_ONE_SHOT, PROCFS_ONE_SHOT, 0, 0, 0, PROCFS_ONE_SHOT, 0,
};
const char *const link_names[NLINKS] = { "exe", "cwd", "root" };
const char *const ns_names[NNS] = {
	"net", "mnt", "pid", "user", "uts", "ipc", "cgroup", "time",
};

const char *batch_text(const struct batch *b, const struct span *sp)
{
	return sp->ok && b->text.data ? b->text.data + sp->off : "";
}

void batch_err(struct item_err *errs, int *n, int max, const char *what, int err)
{
	if (*n < max) {
		errs[*n].what = what;
		errs[*n].err = err;
		(*n)++;
	}
}

/* Reads dirfd/name into the batch's arena; the outcome goes to *sp. */
int batch_keep_file(struct batch *b, int dirfd, const char *name, size_t max,
		     unsigned flags, struct span *sp, bool *truncated)
{
	size_t off = b->text.len;
	int r = procfs_read_append(dirfd, name, max, flags, &b->text, truncated);

	sp->ok = r == 0;
	sp->off = off;
	sp->len = r ? 0 : b->text.len - off;
	return r;
}

int batch_keep_link(struct batch *b, int dirfd, const char *name, struct span *sp)
{
	size_t off = b->text.len;
	int r = procfs_readlink_append(dirfd, name, &b->text);

	sp->ok = r == 0;
	sp->off = off;
	sp->len = r ? 0 : b->text.len - off;
	return r;
}

/* A pid or fd as a file name, without snprintf. */
void batch_decimal(char *out, int num)
{
	char tmp[16];
	int n = 0;
	unsigned v = (unsigned)num;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*out++ = tmp[--n];
	*out = '\0';
}

/* ---- the queue ---- */

void batch_clear(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->nfds; i++)
		if (b->fds[i].pinfd >= 0)
			close(b->fds[i].pinfd);
	if (b->begin && b->proc.exe_pin >= 0)
		close(b->proc.exe_pin);
	for (i = 0; i < b->nmaps; i++)
		if (b->maps[i].pinfd >= 0)
			close(b->maps[i].pinfd);
	for (i = 0; i < b->nexecs; i++)
		if (b->execs[i].pinfd >= 0)
			close(b->execs[i].pinfd);
	b->nmaps = 0;
	for (i = 0; i < b->nmems; i++)
		wd_result_free(&b->mems[i].res);
	b->nmems = 0;
	b->mem_bytes = 0;
	b->nexecs = 0;
	b->ntables = 0;
	b->next = NULL;
	b->pid = 0;
	b->begin = b->end = false;
	b->fd_count = 0;
	b->nfds = 0;
	b->npins = 0;
	buf_reset(&b->text);
}

void batch_free(struct batch *b)
{
	while (b) {
		struct batch *next = b->next;

		batch_clear(b);
		free(b->fds);
		free(b->maps);
		free(b->mems);
		free(b->execs);
		while (b->tabcap)
			free(b->tables[--b->tabcap].tids);
		free(b->tables);
		buf_free(&b->text);
		free(b);
		b = next;
	}
}

/* An empty batch for pid (the first of its process when begin). */
int batch_get(struct capture *c, int pid, bool begin, struct batch **out)
{
	struct batch *b;

	pthread_mutex_lock(&c->mu);
	b = c->spare;
	if (b)
		c->spare = b->next;
	pthread_mutex_unlock(&c->mu);
	if (!b) {
		b = calloc(1, sizeof(*b));
		if (!b)
			return -ENOMEM;
	}
	b->next = NULL;
	b->pid = pid;
	b->begin = begin;
	if (begin) {
		memset(&b->proc, 0, sizeof(b->proc));
		b->proc.exe_pin = -1;
	}
	*out = b;
	return 0;
}

/* Waits on c->space (CLOCK_MONOTONIC, c->mu held) for at most a slice:
 * the caller's thread must look at the stop flag at least that often. */
#define SLICE_MS 100
void batch_wait_space(struct capture *c)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_nsec += SLICE_MS * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&c->space, &c->mu, &t);
}

/*
 * Hands a batch to the formatter (taking it over, also on failure),
 * waiting while the lane's queue is full.  -ECANCELED: the formatter or
 * another collector failed; -EINTR: the capture was stopped.
 */
int batch_send(struct capture *c, struct lane *l, struct batch *b)
{
	bool stopped = threads_stopped(c);

	pthread_mutex_lock(&c->mu);
	while (!stopped && !c->wstatus && !c->cstop && !c->fexited && l->queued &&
	       (l->queued >= QUEUE_BATCHES || l->queued_pins + b->npins > QUEUE_PINS ||
		l->queued_mem + b->mem_bytes > QUEUE_MEM)) {
		batch_wait_space(c);
		pthread_mutex_unlock(&c->mu);
		stopped = threads_stopped(c);
		pthread_mutex_lock(&c->mu);
	}
	if (stopped || c->wstatus || c->cstop || c->fexited) {
		pthread_mutex_unlock(&c->mu);
		batch_free(b);
		return stopped ? lfail(l, -EINTR, "interrupted") : -ECANCELED;
	}
	progress_pins(c, b);
	if (l->tail)
		l->tail->next = b;
	else
		l->head = b;
	l->tail = b;
	l->queued++;
	l->queued_pins += b->npins;
	l->queued_mem += b->mem_bytes;
	pthread_cond_signal(&c->work);
	pthread_mutex_unlock(&c->mu);
	return 0;
}
