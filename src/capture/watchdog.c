/* watchdog: the reads of /proc that may hang (cmdline, environ, maps, smaps, memory), walked away from after a timeout. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture_int.h"
#include "procfs.h"

/* ---- risky reads: cmdline, environ, maps, smaps, memory, on a reader thread ----
 *
 * Reading cmdline and environ takes the target's mmap lock and reads its
 * memory (access_remote_vm), maps takes the lock too (on kernels before
 * the per-VMA maps reader), and so do smaps, pagemap and the reads of the
 * process's memory (memread.c).  A process whose lock is held by a task stuck
 * in a hung NFS/FUSE fault, with a writer queued behind it, makes that
 * read wait for as long as the fault does, and the wait is killable, not
 * interruptible: no signal short of SIGKILL ends it, so it cannot be
 * cancelled.  It is walked away from instead: a lane hands a request, a
 * list of items (a file to read whole, or a range of memory), to its
 * reader thread and waits for at most read_timeout_ms for all of them:
 * the three files of every process in one request (one hand-off per
 * process, see docs/PERFORMANCE.md), then, only for a process with memory
 * to capture, its smaps and then its memory ranges (collect_mem.c).  On timeout the reader is abandoned: detached, left
 * blocked, and whichever of the two lets go of it last frees it (refs,
 * under its mutex); it owns its dup of the process's directory and its
 * buffers, so nothing of the lane's is touched after.  The file that
 * timed out is recorded ETIMEDOUT, the ones after it ECANCELED (they
 * would wait on the same lock), and the next process gets a new reader.
 * At most MAX_ABANDONED are left; past that no risky item is read, each
 * recorded ECANCELED.  Abandoned threads die with us: exit_group() sends
 * them SIGKILL, which ends a killable wait (it-hang checks that procsnap
 * exits).
 */
#define MAX_ABANDONED 16
#define WAIT_SLICE_MS 200 /* how often a waiting lane looks at the stop flag */

enum reader_state { RD_IDLE, RD_WORK, RD_DONE, RD_QUIT };

struct reader {
	pthread_mutex_t mu;
	pthread_cond_t cv;            /* CLOCK_MONOTONIC; state changes */
	pthread_t thread;
	int refs;                     /* the thread's and the lane's (mu) */
	enum reader_state state;      /* mu */
	bool abandoned;               /* mu: the lane walked away */
	int dirfd;                    /* the request's own dup, the thread closes it */
	int pid;
	bool readv;                   /* memread may use process_vm_readv */
	int cur;                      /* mu: items finished of this request */
	/* The request, copied: the lane may walk away from it. */
	struct wd_item *items;
	size_t nitems, cap;
	/* Written by the thread for items >= cur, read (swapped) by the lane
	 * for items < cur (published through mu). */
	struct wd_result *res;
	struct memread mr;            /* the thread's */
};

/* Drops a reference; called with mu held, returns with it released. */
static void reader_unref(struct reader *rd)
{
	bool last = --rd->refs == 0;
	size_t i;

	pthread_mutex_unlock(&rd->mu);
	if (!last)
		return;
	pthread_mutex_destroy(&rd->mu);
	pthread_cond_destroy(&rd->cv);
	for (i = 0; i < rd->cap; i++)
		wd_result_free(&rd->res[i]);
	free(rd->res);
	free(rd->items);
	memread_free(&rd->mr);
	free(rd);
}

/* One item of a request, into res. */
static void run_item(struct reader *rd, const struct wd_item *it, struct wd_result *res,
		     int dirfd)
{
	if (it->kind == WD_MEM) {
		res->err = memread_range(&rd->mr, it, res);
		return;
	}
	wd_result_reset(res);
	res->err = procfs_read_append(dirfd, it->name, it->max, it->flags, &res->data,
				      &res->truncated);
	if (!res->err && buf_error(&res->data))
		res->err = -ENOMEM;
}

static void *reader_main(void *arg)
{
	struct reader *rd = arg;
	size_t i, n;

	pthread_setname_np(pthread_self(), "procsnap-read");
	pthread_mutex_lock(&rd->mu);
	for (;;) {
		int dirfd;
		bool gone = false;

		while (rd->state == RD_IDLE || rd->state == RD_DONE)
			pthread_cond_wait(&rd->cv, &rd->mu);
		if (rd->state == RD_QUIT)
			break;
		dirfd = rd->dirfd;
		n = rd->nitems;
		memread_begin(&rd->mr, rd->pid, dirfd, rd->readv);
		pthread_mutex_unlock(&rd->mu);
		for (i = 0; i < n && !gone; i++) {
			run_item(rd, &rd->items[i], &rd->res[i], dirfd);
			pthread_mutex_lock(&rd->mu);
			rd->cur = (int)i + 1;
			gone = rd->abandoned;
			pthread_mutex_unlock(&rd->mu);
		}
		memread_end(&rd->mr);
		close(dirfd);
		pthread_mutex_lock(&rd->mu);
		rd->dirfd = -1;
		if (rd->abandoned)
			break;
		rd->state = RD_DONE;
		pthread_cond_signal(&rd->cv);
	}
	reader_unref(rd);
	return NULL;
}

static int reader_new(struct capture *c, struct reader **out)
{
	struct reader *rd = calloc(1, sizeof(*rd));
	pthread_condattr_t ca;
	int r;

	*out = NULL;
	if (!rd)
		return -ENOMEM;
	pthread_mutex_init(&rd->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&rd->cv, &ca);
	pthread_condattr_destroy(&ca);
	rd->dirfd = -1;
	rd->refs = 2;
	rd->readv = c->pids_ours;
	memread_init(&rd->mr, c->page);
	r = threads_spawn(&rd->thread, reader_main, rd);
	if (r) {
		pthread_mutex_destroy(&rd->mu);
		pthread_cond_destroy(&rd->cv);
		free(rd);
		return r;
	}
	*out = rd;
	return 0;
}

/* The lane's idle reader told to quit, and joined; the lane's buffers
 * freed. */
void watchdog_stop(struct lane *l)
{
	struct reader *rd = l->rd;
	pthread_t t;
	size_t i;

	for (i = 0; i < NRISKY; i++)
		wd_result_free(&l->wres[i]);
	if (!rd)
		return;
	l->rd = NULL;
	pthread_mutex_lock(&rd->mu);
	rd->state = RD_QUIT;
	t = rd->thread;
	pthread_cond_signal(&rd->cv);
	reader_unref(rd);
	pthread_join(t, NULL);
}

static void ts_add_ms(struct timespec *t, long ms)
{
	t->tv_sec += ms / 1000;
	t->tv_nsec += (ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

static bool ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* How a wait for the reader ended. */
enum wait_end { WAIT_DONE, WAIT_TIMEOUT, WAIT_STOPPED };

/* Waits (rd->mu held) until the reader is done, the deadline passes or
 * the capture is stopped, looking at the stop flag every WAIT_SLICE_MS. */
static enum wait_end wait_reader(struct capture *c, struct reader *rd,
				 const struct timespec *deadline)
{
	struct timespec now, until;

	while (rd->state != RD_DONE) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!ts_before(&now, deadline))
			return WAIT_TIMEOUT;
		if (threads_stopped(c))
			return WAIT_STOPPED;
		until = now;
		ts_add_ms(&until, WAIT_SLICE_MS);
		if (ts_before(deadline, &until))
			until = *deadline;
		pthread_cond_timedwait(&rd->cv, &rd->mu, &until);
	}
	return WAIT_DONE;
}

/* Room for n items in the idle reader (rd->mu held).  0 or -ENOMEM. */
static int reader_room(struct reader *rd, size_t n)
{
	struct wd_item *it;
	struct wd_result *res;
	size_t cap = rd->cap ? rd->cap : 4;

	if (n <= rd->cap)
		return 0;
	while (cap < n)
		cap *= 2;
	it = realloc(rd->items, cap * sizeof(*it));
	if (!it)
		return -ENOMEM;
	rd->items = it;
	res = realloc(rd->res, cap * sizeof(*res));
	if (!res)
		return -ENOMEM;
	memset(res + rd->cap, 0, (cap - rd->cap) * sizeof(*res));
	rd->res = res;
	rd->cap = cap;
	return 0;
}

/* The reader's outcome of items [0, done) swapped into res. */
static void take_results(struct reader *rd, int done, struct wd_result *res)
{
	int i;

	for (i = 0; i < done; i++) {
		struct wd_result t = res[i];

		res[i] = rd->res[i];
		rd->res[i] = t;
	}
}

int watchdog_run(struct capture *c, struct lane *l, int piddir, int pid,
		 const struct wd_item *items, size_t n, struct wd_result *res)
{
	struct reader *rd;
	struct timespec deadline;
	enum wait_end how;
	int done, r, fd;
	size_t i;

	for (i = 0; i < n; i++)
		res[i].err = -ECANCELED;
	if (!l->rd && atomic_load(&c->abandoned) < MAX_ABANDONED &&
	    (r = reader_new(c, &l->rd)) != 0 && r == -ENOMEM)
		return r;
	rd = l->rd;
	if (!rd || !n)
		return 0; /* too many readers left blocked, or none could start */
	fd = fcntl(piddir, F_DUPFD_CLOEXEC, 0);
	if (fd < 0) {
		for (i = 0; i < n; i++)
			res[i].err = -errno;
		return 0;
	}
	pthread_mutex_lock(&rd->mu);
	if (reader_room(rd, n)) {
		pthread_mutex_unlock(&rd->mu);
		close(fd);
		return -ENOMEM;
	}
	memcpy(rd->items, items, n * sizeof(*items));
	rd->nitems = n;
	rd->dirfd = fd;
	rd->pid = pid;
	rd->cur = 0;
	rd->state = RD_WORK;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	ts_add_ms(&deadline, c->o.read_timeout_ms);
	pthread_cond_signal(&rd->cv);
	how = wait_reader(c, rd, &deadline);
	done = rd->cur;
	take_results(rd, done, res);
	if (how == WAIT_DONE) {
		rd->state = RD_IDLE;
		pthread_mutex_unlock(&rd->mu);
		return 0;
	}
	/* Walked away from: see the comment above. */
	rd->abandoned = true;
	pthread_detach(rd->thread);
	l->rd = NULL;
	atomic_fetch_add(&c->abandoned, 1);
	reader_unref(rd);
	if ((size_t)done < n)
		res[done].err = how == WAIT_TIMEOUT ? -ETIMEDOUT : -EINTR;
	return how == WAIT_STOPPED ? lfail(l, -EINTR, "interrupted") : 0;
}

/*
 * cmdline, environ and maps of the process in piddir, into p->raw[2..4]
 * with their errors recorded in order.  Returns 0, or -EINTR (stopped
 * while waiting) / -ENOMEM, which end the capture.
 */
int watchdog_read(struct capture *c, struct lane *l, struct batch *b, int piddir)
{
	struct proc_item *p = &b->proc;
	struct wd_item items[NRISKY];
	size_t i;
	int r;

	for (i = 0; i < NRISKY; i++) {
		memset(&items[i], 0, sizeof(items[i]));
		items[i].kind = WD_FILE;
		items[i].name = raw_files[RISKY_FIRST + i];
		items[i].max = CAPTURE_MAX_RAW;
		items[i].flags = raw_flags[RISKY_FIRST + i];
	}
	r = watchdog_run(c, l, piddir, b->pid, items, NRISKY, l->wres);
	if (r)
		return r;
	for (i = 0; i < NRISKY; i++) {
		struct wd_result *w = &l->wres[i];
		struct span *sp = &p->raw[RISKY_FIRST + i];

		if (!w->err) {
			sp->off = b->text.len;
			if (buf_append(&b->text, w->data.data, w->data.len))
				w->err = -ENOMEM;
		}
		if (w->err) {
			PROC_ERR(p, raw_files[RISKY_FIRST + i], w->err);
			continue;
		}
		sp->ok = true;
		sp->len = w->data.len;
		p->raw_truncated[RISKY_FIRST + i] = w->truncated;
	}
	return 0;
}
