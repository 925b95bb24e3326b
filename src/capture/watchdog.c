/* watchdog: the reads of /proc that may hang (cmdline, environ, maps), walked away from after a timeout. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "capture_int.h"
#include "procfs.h"

/* ---- risky reads: cmdline, environ and maps, on a reader thread ----
 *
 * Reading cmdline and environ takes the target's mmap lock and reads its
 * memory (access_remote_vm), maps takes the lock too (on kernels before
 * the per-VMA maps reader).  A process whose lock is held by a task stuck
 * in a hung NFS/FUSE fault, with a writer queued behind it, makes that
 * read wait for as long as the fault does, and the wait is killable, not
 * interruptible: no signal short of SIGKILL ends it, so it cannot be
 * cancelled.  It is walked away from instead: each lane hands the three
 * files of a process to its reader thread in one request (one hand-off
 * per process, see docs/PERFORMANCE.md) and waits for at most
 * read_timeout_ms.  On timeout the reader is abandoned: detached, left
 * blocked, and whichever of the two lets go of it last frees it (refs,
 * under its mutex); it owns its dup of the process's directory and its
 * buffers, so nothing of the lane's is touched after.  The file that
 * timed out is recorded ETIMEDOUT, the ones after it ECANCELED (they
 * would wait on the same lock), and the next process gets a new reader.
 * At most MAX_ABANDONED are left; past that no risky file is read, each
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
	int cur;                      /* mu: files finished of this request */
	/* Written by the thread for files >= cur, read by the lane for
	 * files < cur (published through mu). */
	struct buf text[NRISKY];
	int err[NRISKY];
	bool truncated[NRISKY];
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
	for (i = 0; i < NRISKY; i++)
		buf_free(&rd->text[i]);
	free(rd);
}

static void *reader_main(void *arg)
{
	struct reader *rd = arg;
	size_t i;

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
		pthread_mutex_unlock(&rd->mu);
		for (i = 0; i < NRISKY && !gone; i++) {
			bool tr = false;
			int r;

			buf_reset(&rd->text[i]);
			r = procfs_read_append(dirfd, raw_files[RISKY_FIRST + i], CAPTURE_MAX_RAW,
					       raw_flags[RISKY_FIRST + i], &rd->text[i], &tr);
			if (!r && buf_error(&rd->text[i]))
				r = -ENOMEM;
			pthread_mutex_lock(&rd->mu);
			rd->err[i] = r;
			rd->truncated[i] = tr;
			rd->cur = (int)i + 1;
			gone = rd->abandoned;
			pthread_mutex_unlock(&rd->mu);
		}
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

static int reader_new(struct reader **out)
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

/* The lane's idle reader told to quit, and joined. */
void watchdog_stop(struct lane *l)
{
	struct reader *rd = l->rd;
	pthread_t t;

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

/* The files the reader finished (rd->mu held) into the batch's arena. */
static void take_results(struct batch *b, struct reader *rd, int done, int *errs)
{
	struct proc_item *p = &b->proc;
	int i;

	for (i = 0; i < done; i++) {
		struct span *sp = &p->raw[RISKY_FIRST + i];

		errs[i] = rd->err[i];
		if (errs[i])
			continue;
		sp->off = b->text.len;
		if (buf_append(&b->text, rd->text[i].data, rd->text[i].len)) {
			errs[i] = -ENOMEM;
			continue;
		}
		sp->ok = true;
		sp->len = rd->text[i].len;
		p->raw_truncated[RISKY_FIRST + i] = rd->truncated[i];
	}
}

/*
 * cmdline, environ and maps of the process in piddir, into p->raw[2..4]
 * with their errors recorded in order.  Returns 0, or -EINTR (stopped
 * while waiting) / -ENOMEM, which end the capture.
 */
int watchdog_read(struct capture *c, struct lane *l, struct batch *b, int piddir)
{
	struct proc_item *p = &b->proc;
	struct reader *rd;
	struct timespec deadline;
	enum wait_end how;
	int errs[NRISKY], done, r, fd;
	size_t i;

	for (i = 0; i < NRISKY; i++)
		errs[i] = -ECANCELED;
	if (!l->rd && atomic_load(&c->abandoned) < MAX_ABANDONED &&
	    (r = reader_new(&l->rd)) != 0 && r == -ENOMEM)
		return r;
	rd = l->rd;
	if (!rd)
		goto record; /* too many readers left blocked, or none could start */
	fd = fcntl(piddir, F_DUPFD_CLOEXEC, 0);
	if (fd < 0) {
		for (i = 0; i < NRISKY; i++)
			errs[i] = -errno;
		goto record;
	}
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	ts_add_ms(&deadline, c->o.read_timeout_ms);
	pthread_mutex_lock(&rd->mu);
	rd->dirfd = fd;
	rd->cur = 0;
	rd->state = RD_WORK;
	pthread_cond_signal(&rd->cv);
	how = wait_reader(c, rd, &deadline);
	done = rd->cur;
	take_results(b, rd, done, errs);
	if (how == WAIT_DONE) {
		rd->state = RD_IDLE;
		pthread_mutex_unlock(&rd->mu);
	} else {
		/* Walked away from: see the comment above. */
		rd->abandoned = true;
		pthread_detach(rd->thread);
		l->rd = NULL;
		atomic_fetch_add(&c->abandoned, 1);
		reader_unref(rd);
		if (done < NRISKY)
			errs[done] = how == WAIT_TIMEOUT ? -ETIMEDOUT : -EINTR;
	}
	if (how == WAIT_STOPPED)
		return lfail(l, -EINTR, "interrupted");
record:
	for (i = 0; i < NRISKY; i++)
		if (errs[i])
			PROC_ERR(p, raw_files[RISKY_FIRST + i], errs[i]);
	return 0;
}
