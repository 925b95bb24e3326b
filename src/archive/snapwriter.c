/* snapwriter: the archive writer; every member is hashed into the manifest. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "snapwriter.h"

/*
 * The caller's thread validates and hashes every member (so snapwriter_end
 * returns the digest at once); libarchive's tar writing, compression and
 * the write(2)s run on an archiver thread, fed through a bounded queue of
 * blocks.  Capture and compression then overlap on two cores, and memory
 * stays bounded: at most SW_BLOCKS blocks of SW_BLOCK bytes are in flight.
 */
#define SW_BLOCK (256u << 10)
#define SW_BLOCKS 16
/* A partly filled block is handed over at the end of a member once it
 * holds this much, so the archiver is not left idle behind small members. */
#define SW_FLUSH (64u << 10)
/*
 * libarchive is told to write unbuffered (its default copies everything
 * into 10 KiB blocks); out_write() gathers small writes into a buffer of
 * SW_OUT bytes and passes writes of SW_OUT_DIRECT bytes or more straight
 * to write(2), from the caller's memory.  Copies cost more than anything
 * else when recovering a large file.  Padding is the tar format's own, so
 * the archive's bytes do not depend on any of this.
 */
#define SW_OUT (128u << 10)
#define SW_OUT_DIRECT (32u << 10)

enum sw_op_type { OP_HEADER, OP_DATA, OP_ZEROS, OP_END, OP_CLOSE, OP_LENT };

/* OP_LENT's payload: bytes the caller lent, and how to give them back. */
struct sw_lent {
	const void *p;
	size_t n;
	void (*release)(void *arg);
	void *arg;
};

/* An operation in a block; len payload bytes follow, padded to 8. */
struct sw_op {
	uint32_t type;
	uint32_t len;
	uint64_t arg; /* HEADER: size; ZEROS: count; HEADER: payload is
		       * nregions regions, then the member name */
	uint64_t nregions;
};

struct sw_block {
	struct sw_block *next;
	size_t len;
	unsigned char data[];
};

struct snapwriter {
	struct archive *a;
	struct archive_entry *entry;
	char *top;
	time_t mtime;
	struct buf manifest; /* "<sha256>  <name>\n" per member, in order */
	struct digest d;
	char name[512];      /* the member being streamed */
	uint64_t remaining;  /* bytes still owed to the streamed member */
	int open_member;
	uint64_t bytes;
	int closed;
	char err[512];

	/* The queue to the archiver thread; mu guards everything below. */
	pthread_t thread;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t work, space;
	struct sw_block *head, *tail; /* queued, in order */
	struct sw_block *spare;       /* free blocks */
	size_t nblocks;               /* allocated (<= SW_BLOCKS) */
	int quit;                     /* caller: abandon the archive */
	int exited;                   /* archiver: thread is done */
	int astatus;                  /* archiver: first fatal error, -errno */
	int reached_close;            /* archiver: archive_write_close was called */
	char aerr[512];               /* archiver: its message */
	struct sw_block *cur;         /* caller: the block being filled */
	int sync_ready;               /* mu and the conditions exist */
	int fd;                       /* the output (borrowed) */
	char *obuf;                   /* archiver: small writes gathered */
	size_t olen;
};

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

/* ---- the archiver thread: every libarchive call after open ---- */

/*
 * Records the archiver's first fatal error (later ones would only be
 * consequences) and wakes a caller waiting for room in the queue.
 */
static int afail(struct snapwriter *w, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int afail(struct snapwriter *w, int err, const char *fmt, ...)
{
	char msg[sizeof(w->aerr)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	err = err < 0 ? err : -EIO;
	pthread_mutex_lock(&w->mu);
	if (!w->astatus) {
		memcpy(w->aerr, msg, sizeof(msg));
		w->astatus = err;
	}
	pthread_cond_broadcast(&w->space);
	pthread_mutex_unlock(&w->mu);
	return err;
}

/*
 * Like bsdtar: ARCHIVE_WARN is noted and work goes on; anything worse is
 * fatal, with libarchive's own message and errno.
 */
/* libarchive's message, with the errno's text when it has one ("Write
 * error" alone does not tell a responder that the disk is full). */
static int archive_failed(struct snapwriter *w, const char *what)
{
	const char *msg = archive_error_string(w->a);
	int e = archive_errno(w->a);

	if (e > 0)
		return afail(w, -e, "%s: %s (%s)", what, msg ? msg : "archive error",
			     strerror(e));
	return afail(w, -EIO, "%s: %s", what, msg ? msg : "archive error");
}

static int check(struct snapwriter *w, int ar, const char *what)
{
	if (ar == ARCHIVE_OK)
		return 0;
	if (ar == ARCHIVE_WARN) {
		pthread_mutex_lock(&w->mu);
		if (!w->astatus)
			snprintf(w->aerr, sizeof(w->aerr), "%s: %s", what,
				 archive_error_string(w->a) ? archive_error_string(w->a) : "warning");
		pthread_mutex_unlock(&w->mu);
		return 0;
	}
	return archive_failed(w, what);
}

static size_t pad8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static int write_all(struct snapwriter *w, const void *p, size_t n, const char *what)
{
	const char *s = p;

	while (n) {
		la_ssize_t got = archive_write_data(w->a, s, n);

		if (got <= 0)
			return archive_failed(w, what);
		s += got;
		n -= (size_t)got;
	}
	return 0;
}

/* The member being written, as the caller named it (without TOP/). */
static const char *member(const struct snapwriter *w)
{
	const char *p = archive_entry_pathname(w->entry);
	size_t n = strlen(w->top);

	if (p && strncmp(p, w->top, n) == 0 && p[n] == '/')
		return p + n + 1;
	return p ? p : "?";
}

/* Carries out one operation; returns 0 or -errno (recorded by afail). */
static int run_op(struct snapwriter *w, const struct sw_op *op,
		  const unsigned char *payload)
{
	static const char zeros[65536];
	uint64_t i, n;
	const char *path;
	int r = 0;

	switch (op->type) {
	case OP_HEADER:
		path = (const char *)payload + op->nregions * 16;
		archive_entry_clear(w->entry);
		archive_entry_set_pathname(w->entry, path);
		archive_entry_set_filetype(w->entry, AE_IFREG);
		archive_entry_set_perm(w->entry, 0600);
		archive_entry_set_size(w->entry, (la_int64_t)op->arg);
		archive_entry_set_mtime(w->entry, w->mtime, 0);
		archive_entry_set_uid(w->entry, 0);
		archive_entry_set_gid(w->entry, 0);
		for (i = 0; i < op->nregions; i++) {
			uint64_t reg[2];

			memcpy(reg, payload + i * 16, sizeof(reg));
			archive_entry_sparse_add_entry(w->entry, (la_int64_t)reg[0],
						       (la_int64_t)reg[1]);
		}
		r = check(w, archive_write_header(w->a, w->entry), member(w));
		break;
	case OP_DATA:
		r = write_all(w, payload, op->len, member(w));
		break;
	case OP_ZEROS:
		for (n = op->arg; n && !r;) {
			size_t k = n < sizeof(zeros) ? (size_t)n : sizeof(zeros);

			r = write_all(w, zeros, k, member(w));
			n -= k;
		}
		break;
	case OP_END:
		r = check(w, archive_write_finish_entry(w->a), member(w));
		break;
	case OP_LENT: {
		struct sw_lent l;

		memcpy(&l, payload, sizeof(l));
		r = write_all(w, l.p, l.n, member(w));
		l.release(l.arg);
		break;
	}
	case OP_CLOSE:
		pthread_mutex_lock(&w->mu);
		w->reached_close = 1;
		pthread_mutex_unlock(&w->mu);
		/* archive_write_close flushes the compressor's trailer: an
		 * archive whose close failed is not complete. */
		r = check(w, archive_write_close(w->a), "close archive");
		break;
	}
	return r;
}

/* Gives back what a block lent, without writing it (the archive failed
 * or is abandoned). */
static void release_lent(const struct sw_op *op, const unsigned char *payload)
{
	struct sw_lent l;

	if (op->type != OP_LENT)
		return;
	memcpy(&l, payload, sizeof(l));
	l.release(l.arg);
}

/* Runs a block's operations; once something failed, only gives lent
 * memory back and notes the CLOSE.  Returns 1 when the block held the
 * CLOSE. */
static int run_block(struct snapwriter *w, const struct sw_block *b, int failed)
{
	size_t off = 0;

	while (off < b->len) {
		const unsigned char *payload = b->data + off + sizeof(struct sw_op);
		struct sw_op op;

		memcpy(&op, b->data + off, sizeof(op));
		if (failed)
			release_lent(&op, payload);
		else if (run_op(w, &op, payload))
			failed = 1;
		if (op.type == OP_CLOSE)
			return 1;
		off += sizeof(op) + pad8(op.len);
	}
	return 0;
}

static void discard_block(const struct sw_block *b)
{
	size_t off = 0;

	while (b && off < b->len) {
		struct sw_op op;

		memcpy(&op, b->data + off, sizeof(op));
		release_lent(&op, b->data + off + sizeof(op));
		off += sizeof(op) + pad8(op.len);
	}
}

/* ---- the output: libarchive's client callbacks (archiver thread) ---- */

static int out_flush(struct archive *a, struct snapwriter *w, const char *p, size_t n)
{
	while (n) {
		ssize_t got = write(w->fd, p, n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			archive_set_error(a, got < 0 ? errno : EIO, "Write error");
			return -1;
		}
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

static la_ssize_t out_write(struct archive *a, void *arg, const void *p, size_t n)
{
	struct snapwriter *w = arg;

	if (n < SW_OUT_DIRECT && w->olen + n <= SW_OUT) {
		memcpy(w->obuf + w->olen, p, n);
		w->olen += n;
		return (la_ssize_t)n;
	}
	if (w->olen && out_flush(a, w, w->obuf, w->olen))
		return -1;
	w->olen = 0;
	if (n < SW_OUT_DIRECT) {
		memcpy(w->obuf, p, n);
		w->olen = n;
		return (la_ssize_t)n;
	}
	return out_flush(a, w, p, n) ? -1 : (la_ssize_t)n;
}

static int out_close(struct archive *a, void *arg)
{
	struct snapwriter *w = arg;
	int r = w->olen ? out_flush(a, w, w->obuf, w->olen) : 0;

	w->olen = 0;
	return r ? ARCHIVE_FATAL : ARCHIVE_OK;
}

static void *archiver(void *arg)
{
	struct snapwriter *w = arg;
	int closed = 0;

	pthread_setname_np(pthread_self(), "procsnap-archiv");
	pthread_mutex_lock(&w->mu);
	while (!closed) {
		struct sw_block *b;
		int failed;

		while (!w->head && !w->quit)
			pthread_cond_wait(&w->work, &w->mu);
		if (w->quit)
			break;
		b = w->head;
		w->head = b->next;
		if (!w->head)
			w->tail = NULL;
		failed = w->astatus != 0;
		pthread_mutex_unlock(&w->mu);
		closed = run_block(w, b, failed);
		pthread_mutex_lock(&w->mu);
		b->next = w->spare;
		w->spare = b;
		pthread_cond_broadcast(&w->space);
	}
	w->exited = 1;
	pthread_cond_broadcast(&w->space);
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* ---- the caller's side: validation, hashing, queueing ---- */

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
		discard_block(b);
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
	w->mtime = mtime;
	w->top = strdup(topdir);
	w->a = archive_write_new();
	w->entry = archive_entry_new();
	if (!w->top || !w->a || !w->entry)
		return fail(w, -ENOMEM, "out of memory");
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->space, NULL);
	w->sync_ready = 1;
	r = check(w, archive_write_set_format_pax(w->a), "pax format");
	if (r)
		return fail(w, r, "%s", w->aerr);
	switch (c) {
	case SNAP_COMPRESS_GZIP:
		r = check(w, archive_write_add_filter_gzip(w->a), "gzip");
		/* Level 1: a responder wants the capture over quickly; see
		 * README "Compression" and docs/PERFORMANCE.md. */
		if (!r)
			r = check(w, archive_write_set_filter_option(w->a, "gzip",
					"compression-level", "1"), "gzip level");
		break;
	case SNAP_COMPRESS_ZSTD:
		r = check(w, archive_write_add_filter_zstd(w->a), "zstd");
		if (!r)
			r = check(w, archive_write_set_filter_option(w->a, "zstd",
					"compression-level", "3"), "zstd level");
		break;
	case SNAP_COMPRESS_NONE:
		r = check(w, archive_write_add_filter_none(w->a), "no filter");
		break;
	}
	if (r)
		return fail(w, r, "%s", w->aerr);
	w->fd = fd;
	w->obuf = malloc(SW_OUT);
	if (!w->obuf)
		return fail(w, -ENOMEM, "out of memory");
	/* Unbuffered (see SW_OUT), so no padding of a last block either. */
	r = check(w, archive_write_set_bytes_per_block(w->a, 0), "block size");
	if (r)
		return fail(w, r, "%s", w->aerr);
	r = check(w, archive_write_open(w->a, w, NULL, out_write, out_close),
		  "open output");
	if (r)
		return fail(w, r, "%s", w->aerr);
	/* Signals stay with the caller's thread: the archiver never sees
	 * one, so its write(2)s are not interrupted. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = -pthread_create(&w->thread, NULL, archiver, w);
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

/* Checks that n more bytes fit the open member and hashes them. */
static int hash_in(struct snapwriter *w, const void *p, size_t n)
{
	if (!w->open_member)
		return fail(w, -EINVAL, "write outside a member");
	if (n > w->remaining)
		return fail(w, -EINVAL, "%s: more bytes than declared", w->name);
	if (digest_update(&w->d, p, n))
		return fail(w, -EIO, "%s: digest", w->name);
	return 0;
}

int snapwriter_write(struct snapwriter *w, const void *p, size_t n)
{
	int r = hash_in(w, p, n);

	if (!r)
		r = put_data(w, p, n);
	if (r)
		return r;
	w->remaining -= n;
	w->bytes += n;
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
	w->bytes += n;
	return 0;
}

int snapwriter_write_lent(struct snapwriter *w, const void *p, size_t n,
			  void (*release)(void *arg), void *arg)
{
	struct sw_lent l = { p, n, release, arg };
	unsigned char *dst;
	int r = hash_in(w, p, n);

	if (r || !(dst = put_op(w, OP_LENT, sizeof(l), 0, 0, &r)))
		return r;
	memcpy(dst, &l, sizeof(l));
	w->remaining -= n;
	w->bytes += n;
	/* Handed over at once: the lender waits for its memory back. */
	return push_block(w);
}

int snapwriter_end(struct snapwriter *w, char hex[DIGEST_HEX_LEN + 1])
{
	char h[DIGEST_HEX_LEN + 1];
	int r;

	if (!w->open_member)
		return fail(w, -EINVAL, "end outside a member");
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
	return w->bytes;
}

/* Waits for the archiver thread to exit. */
static void join(struct snapwriter *w, int quit)
{
	if (!w->started)
		return;
	if (quit) {
		pthread_mutex_lock(&w->mu);
		w->quit = 1;
		pthread_cond_signal(&w->work);
		pthread_mutex_unlock(&w->mu);
	}
	pthread_join(w->thread, NULL);
	w->started = 0;
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
	join(w, 0);
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
	discard_block(w->cur);
	for (b = w->head; b; b = b->next)
		discard_block(b);
	free_blocks(w->cur);
	free_blocks(w->head);
	free_blocks(w->spare);
	if (w->sync_ready) {
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->work);
		pthread_cond_destroy(&w->space);
	}
	free(w->obuf);
	free(w->top);
	free(w);
}
