/* exec_read: a file that runs, read and hashed on a thread of its own, walked away from when its reads stop making progress. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "capture_int.h"

/*
 * An executable or library may live on an NFS or FUSE mount whose server
 * no longer answers: an open(2) or read(2) there waits for as long as the
 * server does, killable but not interruptible, and the formatter must not
 * wait with it.  So a file is opened and read on a hasher thread while the
 * formatter watches its progress: a request that moves no byte for
 * read_timeout_ms is walked away from, as watchdog.c walks away from a
 * hung /proc read.  The thread is then detached and left blocked; it owns
 * its dup of the pin, the fd and its buffer, and whichever of the two
 * lets go last frees it (refs, under its mutex).
 * Progress, not the whole read, is timed: 256 MiB from a slow disk may
 * take longer than the timeout and still be fine.  After MAX_HUNG
 * abandoned hashers no file is read any more (each recorded timed-out,
 * ECANCELED): the next would most likely hang on the same mount.
 */
#define HASH_CHUNK (256u << 10)
#define MAX_HUNG 4
#define SLICE_MS 200 /* how often the formatter looks at the progress and the stop flag */

enum hasher_state { H_IDLE, H_WORK, H_DONE, H_QUIT };

struct hasher {
	pthread_mutex_t mu;
	pthread_cond_t cv;        /* CLOCK_MONOTONIC; state changes */
	pthread_t thread;
	int refs;                 /* the thread's and the formatter's (mu) */
	enum hasher_state state;  /* mu */
	bool abandoned;           /* mu: the formatter walked away */
	int pin;                  /* the request's dup of the pin; the thread closes it */
	enum content_gate gate;   /* how to open it (the guard's decision) */
	struct stat key;          /* its stat when met: size and mtime must hold */
	uint64_t limit;
	uint64_t progress;        /* mu: bytes read of this request */
	struct hash_read out;     /* written by the thread, read once H_DONE */
	char *buf;                /* HASH_CHUNK bytes, the thread's */
};

/* Drops a reference; called with mu held, returns with it released. */
static void hasher_unref(struct hasher *h)
{
	bool last = --h->refs == 0;

	pthread_mutex_unlock(&h->mu);
	if (!last)
		return;
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->cv);
	free(h->buf);
	free(h);
}

/* Reads fd up to limit, hashing; progress is published under mu. */
static void hash_fd(struct hasher *h, int fd, uint64_t limit, struct hash_read *out)
{
	struct digest d = DIGEST_INIT;
	uint64_t got = 0;
	bool gone = false;

	out->err = digest_begin(&d);
	while (!out->err && got < limit && !gone) {
		size_t want = limit - got < HASH_CHUNK ? (size_t)(limit - got) : HASH_CHUNK;
		ssize_t n = read(fd, h->buf, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			out->err = -errno;
			break;
		}
		if (n == 0) {
			out->short_read = true;
			break;
		}
		out->err = digest_update(&d, h->buf, (size_t)n);
		got += (uint64_t)n;
		pthread_mutex_lock(&h->mu);
		h->progress = got;
		gone = h->abandoned;
		pthread_mutex_unlock(&h->mu);
	}
	out->bytes = got;
	if (!out->err && !out->short_read && !gone)
		out->err = digest_end(&d, out->sha256);
	digest_free(&d);
}

/* Whether the file's size or mtime moved since st was taken. */
static bool moved(const struct stat *st, const struct stat *now)
{
	return now->st_size != st->st_size || now->st_mtim.tv_sec != st->st_mtim.tv_sec ||
	       now->st_mtim.tv_nsec != st->st_mtim.tv_nsec;
}

/* One request: the pinned file opened (content.c: O_NOATIME, O_NONBLOCK
 * unless waiting for a lease), read, and checked unchanged. */
static void hash_pinned(struct hasher *h, int pin, struct hash_read *out)
{
	struct content_result cr = { .status = CONTENT_NONE };
	struct stat now;
	int fd = content_open(pin, h->gate, &cr);

	out->opened = cr.opened;
	if (fd < 0) {
		out->err = fd;
		return;
	}
	if (fstat(fd, &now) == 0 && moved(&h->key, &now)) {
		out->changed = true;
	} else {
		hash_fd(h, fd, h->limit, out);
		if (!out->err && !out->short_read && fstat(pin, &now) == 0 && moved(&h->key, &now))
			out->changed = true;
	}
	close(fd);
}

static void *hasher_main(void *arg)
{
	struct hasher *h = arg;

	pthread_setname_np(pthread_self(), "procsnap-hash");
	pthread_mutex_lock(&h->mu);
	for (;;) {
		struct hash_read out = { .err = 0 };
		int pin;

		while (h->state == H_IDLE || h->state == H_DONE)
			pthread_cond_wait(&h->cv, &h->mu);
		if (h->state == H_QUIT)
			break;
		pin = h->pin;
		pthread_mutex_unlock(&h->mu);
		hash_pinned(h, pin, &out);
		close(pin);
		pthread_mutex_lock(&h->mu);
		h->pin = -1;
		h->out = out;
		if (h->abandoned)
			break;
		h->state = H_DONE;
		pthread_cond_signal(&h->cv);
	}
	hasher_unref(h);
	return NULL;
}

static int hasher_new(struct hasher **out)
{
	struct hasher *h = calloc(1, sizeof(*h));
	pthread_condattr_t ca;
	int r;

	*out = NULL;
	if (!h || !(h->buf = malloc(HASH_CHUNK))) {
		free(h);
		return -ENOMEM;
	}
	pthread_mutex_init(&h->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->cv, &ca);
	pthread_condattr_destroy(&ca);
	h->pin = -1;
	h->refs = 2;
	r = threads_spawn(&h->thread, hasher_main, h);
	if (r) {
		pthread_mutex_destroy(&h->mu);
		pthread_cond_destroy(&h->cv);
		free(h->buf);
		free(h);
		return r;
	}
	*out = h;
	return 0;
}

void exec_read_stop(struct capture *c)
{
	struct hasher *h = c->hasher;
	pthread_t t;

	if (!h)
		return;
	c->hasher = NULL;
	pthread_mutex_lock(&h->mu);
	h->state = H_QUIT;
	t = h->thread;
	pthread_cond_signal(&h->cv);
	hasher_unref(h);
	pthread_join(t, NULL);
}

static void ms_later(struct timespec *t, const struct timespec *from, long ms)
{
	*t = *from;
	t->tv_sec += ms / 1000;
	t->tv_nsec += (ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

static bool before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Waits (h->mu held) until the hasher is done (0), makes no progress for
 * the timeout (-ETIMEDOUT) or the capture is stopped (-EINTR). */
static int wait_hasher(struct capture *c, struct hasher *h)
{
	struct timespec now, deadline, until;
	uint64_t seen = 0;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms_later(&deadline, &now, c->o.read_timeout_ms);
	while (h->state != H_DONE) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (h->progress != seen) {
			seen = h->progress;
			ms_later(&deadline, &now, c->o.read_timeout_ms);
		}
		if (!before(&now, &deadline))
			return -ETIMEDOUT;
		if (threads_stopped(c))
			return -EINTR;
		ms_later(&until, &now, SLICE_MS);
		if (before(&deadline, &until))
			until = deadline;
		pthread_cond_timedwait(&h->cv, &h->mu, &until);
	}
	return 0;
}

int exec_read(struct capture *c, int pinfd, enum content_gate gate, const struct stat *key,
	      struct hash_read *out)
{
	struct hasher *h;
	int r, pin;

	*out = (struct hash_read){ .err = 0 };
	if (!c->hasher && c->hashers_hung < MAX_HUNG && (r = hasher_new(&c->hasher)) != 0) {
		if (r == -ENOMEM)
			return r;
		out->err = r;
		return 0;
	}
	h = c->hasher;
	if (!h) {
		out->err = -ECANCELED;
		return 0;
	}
	/* The thread's own pin: it may outlive the caller's. */
	pin = fcntl(pinfd, F_DUPFD_CLOEXEC, 0);
	if (pin < 0) {
		out->err = -errno;
		return 0;
	}
	pthread_mutex_lock(&h->mu);
	h->pin = pin;
	h->gate = gate;
	h->key = *key;
	h->limit = (uint64_t)key->st_size;
	h->progress = 0;
	h->state = H_WORK;
	pthread_cond_signal(&h->cv);
	r = wait_hasher(c, h);
	if (!r) {
		*out = h->out;
		h->state = H_IDLE;
		pthread_mutex_unlock(&h->mu);
		return 0;
	}
	/* Walked away from: see the comment above.  Whether it got as far
	 * as the open is not known: taken as opened (a watcher may see it). */
	out->bytes = h->progress;
	out->err = r;
	out->opened = true;
	h->abandoned = true;
	pthread_detach(h->thread);
	c->hasher = NULL;
	c->hashers_hung++;
	hasher_unref(h);
	return r == -EINTR ? r : 0;
}
