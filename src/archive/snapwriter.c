/* snapwriter: the archive writer's caller side — members validated, hashed into the manifest, queued. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapwriter_int.h"

static const struct {
	const char *name, *suffix;
} compressions[] = {
	[SNAP_COMPRESS_GZIP] = { "gzip", ".tar.gz" },
	[SNAP_COMPRESS_ZSTD] = { "zstd", ".tar.zst" },
	[SNAP_COMPRESS_NONE] = { "none", ".tar" },
};

const char *snapwriter_compress_name(enum snap_compress c)
{
	return compressions[c].name;
}

const char *snapwriter_suffix(enum snap_compress c)
{
	return compressions[c].suffix;
}

int snapwriter_parse_compress(const char *s, enum snap_compress *c)
{
	size_t i;

	for (i = 0; i < sizeof(compressions) / sizeof(*compressions); i++)
		if (strcmp(s, compressions[i].name) == 0) {
			*c = (enum snap_compress)i;
			return 0;
		}
	return -EINVAL;
}

static int fail(struct snapwriter *w, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct snapwriter *w, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->err, sizeof(w->err), fmt, ap);
	va_end(ap);
	return err < 0 ? err : -EIO;
}

/* ---- the caller's side: validation, hashing, queueing ---- */

void snapwriter_set_stop(struct snapwriter *w, const atomic_bool *stop,
			 void (*poll)(void *arg), void *arg)
{
	pthread_mutex_lock(&w->mu);
	w->stop = stop;
	w->poll = poll;
	w->poll_arg = arg;
	pthread_mutex_unlock(&w->mu);
}

/* The caller's thread set w->stop itself, so it reads it without mu. */
static bool stopped(const struct snapwriter *w)
{
	return w->stop && atomic_load_explicit(w->stop, memory_order_relaxed);
}

static void count(struct snapwriter *w, uint64_t n)
{
	atomic_store_explicit(&w->bytes, atomic_load_explicit(&w->bytes, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

/* The archiver's error, as the caller's (mu held). */
static int take_async_error(struct snapwriter *w)
{
	memcpy(w->err, w->aerr, sizeof(w->err));
	return w->astatus;
}

/* Hands the block being filled to the archiver. */
static int push_block(struct snapwriter *w)
{
	struct sw_block *b = w->cur;
	int r = 0;

	if (!b || !b->len)
		return 0;
	w->cur = NULL;
	pthread_mutex_lock(&w->mu);
	if (w->astatus) {
		/* Not under mu: giving a lent read back takes mu itself
		 * (sw_ticket_read), and the block is ours alone now. */
		pthread_mutex_unlock(&w->mu);
		archiver_discard(w, b);
		pthread_mutex_lock(&w->mu);
		b->next = w->spare;
		w->spare = b;
		r = take_async_error(w);
	} else {
		b->next = NULL;
		if (w->tail)
			w->tail->next = b;
		else
			w->head = b;
		w->tail = b;
		pthread_cond_signal(&w->work);
	}
	pthread_mutex_unlock(&w->mu);
	return r;
}

/* Makes w->cur an empty block, waiting for the archiver to free one. */
static int take_block(struct snapwriter *w)
{
	struct sw_block *b = NULL;
	int r = 0, alloc = 0;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		if (w->astatus) {
			r = take_async_error(w);
			break;
		}
		if (w->spare) {
			b = w->spare;
			w->spare = b->next;
			break;
		}
		if (w->nblocks < SW_BLOCKS) {
			w->nblocks++;
			alloc = 1;
			break;
		}
		pthread_cond_wait(&w->space, &w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	if (r)
		return r;
	if (alloc) {
		b = malloc(sizeof(*b) + SW_BLOCK);
		if (!b) {
			pthread_mutex_lock(&w->mu);
			w->nblocks--;
			pthread_mutex_unlock(&w->mu);
			return fail(w, -ENOMEM, "out of memory");
		}
	}
	b->next = NULL;
	b->len = 0;
	w->cur = b;
	return 0;
}

/* Room for need bytes in w->cur. */
static int reserve(struct snapwriter *w, size_t need)
{
	int r;

	if (w->cur && SW_BLOCK - w->cur->len >= need)
		return 0;
	r = push_block(w);
	if (!r && !w->cur)
		r = take_block(w);
	return r;
}

/* Appends an operation with a payload of len bytes; returns where the
 * payload goes, or NULL with *rc set. */
static unsigned char *put_op(struct snapwriter *w, uint32_t type, uint32_t len,
			     uint64_t arg, uint64_t nregions, int *rc)
{
	struct sw_op op = { type, len, arg, nregions };
	unsigned char *p;

	*rc = reserve(w, sizeof(op) + pad8(len));
	if (*rc)
		return NULL;
	p = w->cur->data + w->cur->len;
	memcpy(p, &op, sizeof(op));
	w->cur->len += sizeof(op) + pad8(len);
	return p + sizeof(op);
}

static int put_data(struct snapwriter *w, const void *p, size_t n)
{
	const unsigned char *s = p;
	int r = 0;

	while (n) {
		size_t room;
		unsigned char *dst;

		/* Split at block ends, but not into slivers. */
		if (!w->cur || SW_BLOCK - w->cur->len < sizeof(struct sw_op) + 4096) {
			r = push_block(w);
			if (!r && !w->cur)
				r = take_block(w);
			if (r)
				return r;
		}
		room = SW_BLOCK - w->cur->len - sizeof(struct sw_op);
		if (room > n)
			room = n;
		dst = put_op(w, OP_DATA, (uint32_t)room, 0, 0, &r);
		if (!dst)
			return r;
		memcpy(dst, s, room);
		s += room;
		n -= room;
	}
	return 0;
}

int snapwriter_open(struct snapwriter **out, int fd, enum snap_compress c,
		    const char *topdir, time_t mtime)
{
	struct snapwriter *w;
	sigset_t all, old;
	int r;

	*out = w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	atomic_init(&w->bytes, 0);
	w->mtime = mtime;
	w->top = strdup(topdir);
	w->a = archive_write_new();
	w->entry = archive_entry_new();
	if (!w->top || !w->a || !w->entry)
		return fail(w, -ENOMEM, "out of memory");
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->space, NULL);
	pthread_cond_init(&w->read, NULL);
	w->sync_ready = 1;
	r = archiver_check(w, archive_write_set_format_pax(w->a), "pax format");
	if (r)
		return fail(w, r, "%s", w->aerr);
	switch (c) {
	case SNAP_COMPRESS_GZIP:
		/* Ours (gzstream, in the output callback) rather than
		 * libarchive's filter: level 1, and what does not compress is
		 * stored instead of crawling through deflate.  See README
		 * "Compression" and docs/PERFORMANCE.md. */
		r = archiver_check(w, archive_write_add_filter_none(w->a), "no filter");
		if (!r && (r = gzstream_open(&w->gz, 1, mtime, archiver_gz_sink, w)) != 0)
			return fail(w, r, "gzip: %s", gzstream_error(w->gz));
		break;
	case SNAP_COMPRESS_ZSTD:
		r = archiver_check(w, archive_write_add_filter_zstd(w->a), "zstd");
		if (!r)
			r = archiver_check(w, archive_write_set_filter_option(w->a, "zstd",
					"compression-level", "3"), "zstd level");
		break;
	case SNAP_COMPRESS_NONE:
		r = archiver_check(w, archive_write_add_filter_none(w->a), "no filter");
		break;
	}
	if (r)
		return fail(w, r, "%s", w->aerr);
	w->fd = fd;
	w->obuf = malloc(SW_OUT);
	if (!w->obuf)
		return fail(w, -ENOMEM, "out of memory");
	/* Unbuffered (see SW_OUT), so no padding of a last block either. */
	r = archiver_check(w, archive_write_set_bytes_per_block(w->a, 0), "block size");
	if (r)
		return fail(w, r, "%s", w->aerr);
	r = archiver_check(w, archive_write_open(w->a, w, NULL, archiver_out_write, archiver_out_close),
		  "open output");
	if (r)
		return fail(w, r, "%s", w->aerr);
	/* Signals stay with the caller's thread: the archiver never sees
	 * one, so its write(2)s are not interrupted. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = -pthread_create(&w->thread, NULL, archiver_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r)
		return fail(w, r, "cannot start the archive writer: %s", strerror(-r));
	w->started = 1;
	return 0;
}

int snapwriter_begin(struct snapwriter *w, const char *name, uint64_t size,
		     const struct snap_region *regions, size_t nregions)
{
	char path[sizeof(w->name) + 256];
	unsigned char *p;
	size_t i, plen;
	int r;

	if (stopped(w))
		return fail(w, -EINTR, "interrupted");
	if (w->open_member || w->closed)
		return fail(w, -EINVAL, "%s: writer busy or closed", name);
	if (strlen(name) >= sizeof(w->name) || size > INT64_MAX)
		return fail(w, -EINVAL, "%s: bad member", name);
	snprintf(w->name, sizeof(w->name), "%s", name);
	snprintf(path, sizeof(path), "%s/%s", w->top, name);
	plen = nregions * 16 + strlen(path) + 1;
	if (nregions > SW_BLOCK / 32 || plen > SW_BLOCK - sizeof(struct sw_op))
		return fail(w, -EINVAL, "%s: too many sparse regions", name);
	p = put_op(w, OP_HEADER, (uint32_t)plen, size, nregions, &r);
	if (!p)
		return r;
	for (i = 0; i < nregions; i++) {
		uint64_t reg[2] = { regions[i].offset, regions[i].length };

		memcpy(p + i * 16, reg, sizeof(reg));
	}
	memcpy(p + nregions * 16, path, strlen(path) + 1);
	r = digest_begin(&w->d);
	if (r)
		return fail(w, r, "%s: digest", name);
	w->remaining = size;
	w->open_member = 1;
	return 0;
}

static int drain_reads(struct snapwriter *w);

/* Checks that n more bytes fit the open member. */
static int check_in(struct snapwriter *w, size_t n)
{
	if (stopped(w))
		return fail(w, -EINTR, "interrupted");
	if (!w->open_member)
		return fail(w, -EINVAL, "write outside a member");
	if (n > w->remaining)
		return fail(w, -EINVAL, "%s: more bytes than declared", w->name);
	return 0;
}

/* Checks that n more bytes fit the open member and hashes them, after
 * the lent reads before them. */
static int hash_in(struct snapwriter *w, const void *p, size_t n)
{
	int r = check_in(w, n);

	if (!r)
		r = drain_reads(w);
	if (!r && digest_update(&w->d, p, n))
		r = fail(w, -EIO, "%s: digest", w->name);
	return r;
}

int snapwriter_write(struct snapwriter *w, const void *p, size_t n)
{
	int r = hash_in(w, p, n);

	if (!r)
		r = put_data(w, p, n);
	if (r)
		return r;
	w->remaining -= n;
	count(w, n);
	return 0;
}

int snapwriter_write_zeros(struct snapwriter *w, uint64_t n)
{
	static const char zeros[65536];
	uint64_t left = n;
	int r = 0;

	if (!n)
		return 0;
	r = hash_in(w, zeros, 0); /* the checks, before anything is hashed */
	if (!r && n > w->remaining)
		r = fail(w, -EINVAL, "%s: more bytes than declared", w->name);
	/* Hashed here (the manifest is of the logical bytes); the archiver
	 * writes them, and skips them inside a sparse member's holes. */
	while (left && !r) {
		size_t k = left < sizeof(zeros) ? (size_t)left : sizeof(zeros);

		r = hash_in(w, zeros, k);
		left -= k;
	}
	if (r || !put_op(w, OP_ZEROS, 0, n, 0, &r))
		return r;
	w->remaining -= n;
	count(w, n);
	return 0;
}

int snapwriter_read_lent(struct snapwriter *w, int fd, uint64_t off, void *buf, size_t n,
			 _Atomic uint64_t *end, struct snap_read *rd,
			 void (*release)(void *arg), void *arg)
{
	struct sw_ticket *t;
	unsigned char *dst;
	int r = check_in(w, n);

	if (r)
		return r;
	t = calloc(1, sizeof(*t));
	if (!t)
		return fail(w, -ENOMEM, "out of memory");
	atomic_init(&t->refs, 2);
	atomic_init(&t->state, SW_UNREAD);
	t->release = release;
	t->arg = arg;
	t->fd = fd;
	t->off = off;
	t->buf = buf;
	t->n = n;
	t->end = end;
	t->rd = rd;
	dst = put_op(w, OP_READ, sizeof(t), 0, 0, &r);
	if (!dst) {
		free(t);
		return r;
	}
	memcpy(dst, &t, sizeof(t));
	w->remaining -= n;
	count(w, n);
	/* Handed over at once: the archiver reads while we hash. */
	r = push_block(w);
	if (r) {
		/* Discarded unread (the archiver's part is done): on failure
		 * nothing stays lent, the lender keeps its buffer. */
		free(t);
		return r;
	}
	if (w->rtail)
		w->rtail->next = t;
	else
		w->rhead = t;
	w->rtail = t;
	return 0;
}

/* Lets go of every lent read not hashed: the archive failed. */
static void drop_reads(struct snapwriter *w)
{
	while (w->rhead) {
		struct sw_ticket *t = w->rhead;

		w->rhead = t->next;
		sw_ticket_done(t);
	}
	w->rtail = NULL;
}

/* Rather than wait for the archiver to read t, reads the newest chunk
 * nobody has claimed (the archiver reads from the oldest): false when
 * there is none. */
static bool steal_read(struct snapwriter *w)
{
	struct sw_ticket *t, *last = NULL;

	for (t = w->rhead; t; t = t->next)
		if (atomic_load_explicit(&t->state, memory_order_relaxed) == SW_UNREAD)
			last = t;
	return last && sw_ticket_read(w, last, false);
}

int snapwriter_hash_reads(struct snapwriter *w, bool wait)
{
	struct sw_ticket *t;
	int r = 0, n = 0;

	while (w->rhead && !r) {
		t = w->rhead;
		pthread_mutex_lock(&w->mu);
		while (!t->read_done && wait) {
			pthread_mutex_unlock(&w->mu);
			if (stopped(w) || !steal_read(w)) {
				pthread_mutex_lock(&w->mu);
				sw_ticket_wait(w, t);
				break;
			}
			pthread_mutex_lock(&w->mu);
		}
		if (!t->read_done) {
			pthread_mutex_unlock(&w->mu);
			break;
		}
		r = w->astatus ? take_async_error(w) : 0;
		pthread_mutex_unlock(&w->mu);
		if (!r && stopped(w))
			r = fail(w, -EINTR, "interrupted");
		if (!r && digest_update(&w->d, t->buf, t->n))
			r = fail(w, -EIO, "%s: digest", w->name);
		if (r)
			break;
		w->rhead = t->next;
		if (!w->rhead)
			w->rtail = NULL;
		sw_ticket_done(t);
		wait = false; /* then only those already read */
	}
	if (r) {
		drop_reads(w);
		return r;
	}
	for (t = w->rhead; t; t = t->next)
		n++;
	return n;
}

/* Every lent read hashed, before anything else is: the digest is of the
 * member's bytes in order. */
static int drain_reads(struct snapwriter *w)
{
	int r = 0;

	while (w->rhead && r >= 0)
		r = snapwriter_hash_reads(w, true);
	return r < 0 ? r : 0;
}

int snapwriter_end(struct snapwriter *w, char hex[DIGEST_HEX_LEN + 1])
{
	char h[DIGEST_HEX_LEN + 1];
	int r;

	if (!w->open_member)
		return fail(w, -EINVAL, "end outside a member");
	r = drain_reads(w);
	if (r)
		return r;
	w->open_member = 0;
	if (w->remaining)
		return fail(w, -EINVAL, "%s: %llu bytes short", w->name,
			    (unsigned long long)w->remaining);
	if (!put_op(w, OP_END, 0, 0, 0, &r))
		return r;
	r = digest_end(&w->d, h);
	if (r)
		return fail(w, r, "%s: digest", w->name);
	buf_printf(&w->manifest, "%s  %s\n", h, w->name);
	if (buf_error(&w->manifest))
		return fail(w, -ENOMEM, "manifest: out of memory");
	if (hex)
		memcpy(hex, h, sizeof(h));
	if (w->cur && w->cur->len >= SW_FLUSH)
		return push_block(w);
	return 0;
}

int snapwriter_add(struct snapwriter *w, const char *name, const void *data,
		   size_t len, char hex[DIGEST_HEX_LEN + 1])
{
	int r = snapwriter_begin(w, name, len, NULL, 0);

	if (!r)
		r = snapwriter_write(w, data, len);
	if (!r)
		r = snapwriter_end(w, hex);
	return r;
}

uint64_t snapwriter_bytes(const struct snapwriter *w)
{
	return atomic_load_explicit(&w->bytes, memory_order_relaxed);
}

/* How long a stopped writer waits for its thread to end. */
#define SW_STOP_GRACE_MS 300

/*
 * Waits for the archiver thread to exit.  Once stopped, only briefly: a
 * thread blocked in a write(2) to an output that no longer reads (a pipe
 * whose reader stalled: ssh, a full disk over NFS) would keep the caller
 * from stopping for ever, and signals never reach it.  Such a thread is
 * left (w->stuck) to the process's exit, with what it uses.
 */
static void join(struct snapwriter *w, int quit)
{
	struct timespec t;

	if (!w->started)
		return;
	if (quit) {
		pthread_mutex_lock(&w->mu);
		w->quit = 1;
		pthread_cond_signal(&w->work);
		pthread_mutex_unlock(&w->mu);
	}
	if (stopped(w)) {
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += SW_STOP_GRACE_MS * 1000000L;
		if (t.tv_nsec >= 1000000000L) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000L;
		}
		if (pthread_timedjoin_np(w->thread, NULL, &t) != 0) {
			w->stuck = 1;
			return;
		}
	} else {
		pthread_join(w->thread, NULL);
	}
	w->started = 0;
}

/* Waits for the archiver to write what is queued and exit, calling the
 * caller's poll every 100 ms meanwhile (archiver_main broadcasts space
 * when it exits). */
static void drain(struct snapwriter *w)
{
	struct timespec t;

	pthread_mutex_lock(&w->mu);
	while (w->poll && !w->exited) {
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += 100 * 1000000L;
		if (t.tv_nsec >= 1000000000L) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&w->space, &w->mu, &t);
		if (w->exited)
			break;
		pthread_mutex_unlock(&w->mu);
		w->poll(w->poll_arg);
		pthread_mutex_lock(&w->mu);
		/* Stopped: join() waits a little, no more. */
		if (stopped(w))
			break;
	}
	pthread_mutex_unlock(&w->mu);
	join(w, 0);
}

int snapwriter_finish(struct snapwriter *w)
{
	struct buf m = w->manifest;
	char path[sizeof(w->name) + 256];
	unsigned char *p;
	int r;

	if (w->open_member || w->closed || !w->started)
		return fail(w, -EINVAL, "finish: member still open");
	/* The manifest is not listed in itself: it is the last member. */
	w->manifest = (struct buf)BUF_INIT;
	snprintf(path, sizeof(path), "%s/%s", w->top, SNAP_MANIFEST);
	p = put_op(w, OP_HEADER, (uint32_t)strlen(path) + 1, m.len, 0, &r);
	if (p)
		memcpy(p, path, strlen(path) + 1);
	if (!r)
		r = put_data(w, m.data, m.len);
	if (!r && put_op(w, OP_END, 0, 0, 0, &r))
		put_op(w, OP_CLOSE, 0, 0, 0, &r);
	if (!r)
		r = push_block(w);
	buf_free(&m);
	if (r)
		return r;
	drain(w);
	if (w->stuck)
		return fail(w, -EINTR, "interrupted");
	w->closed = w->reached_close;
	if (w->astatus)
		return take_async_error(w);
	return 0;
}

const char *snapwriter_error(const struct snapwriter *w)
{
	return w ? w->err : "out of memory";
}

static void free_blocks(struct sw_block *b)
{
	while (b) {
		struct sw_block *next = b->next;

		free(b);
		b = next;
	}
}

void snapwriter_free(struct snapwriter *w)
{
	struct sw_block *b;

	if (!w)
		return;
	join(w, 1);
	/* Its thread, stuck in a write(2), still uses all of it. */
	if (w->stuck)
		return;
	if (w->a) {
		/* An archive that never finished must not get a tar trailer
		 * on the way out: it would look whole to a plain tar. */
		if (!w->closed)
			archive_write_fail(w->a);
		archive_write_free(w->a);
	}
	archive_entry_free(w->entry);
	digest_free(&w->d);
	buf_free(&w->manifest);
	archiver_discard(w, w->cur);
	for (b = w->head; b; b = b->next)
		archiver_discard(w, b);
	drop_reads(w);
	free_blocks(w->cur);
	free_blocks(w->head);
	free_blocks(w->spare);
	if (w->sync_ready) {
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->work);
		pthread_cond_destroy(&w->space);
		pthread_cond_destroy(&w->read);
	}
	gzstream_free(w->gz);
	free(w->obuf);
	free(w->top);
	free(w);
}
