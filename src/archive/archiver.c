/* archiver: the writer's own thread — tar writing, compression and the write(2)s, fed by a queue. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "snapwriter_int.h"

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

int archiver_check(struct snapwriter *w, int ar, const char *what)
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
		r = archiver_check(w, archive_write_header(w->a, w->entry), member(w));
		break;
	case OP_DATA:
		r = write_all(w, payload, op->len, member(w));
		break;
	case OP_ZEROS:
		for (n = op->arg; n && !r && !archiver_stopped(w);) {
			size_t k = n < sizeof(zeros) ? (size_t)n : sizeof(zeros);

			r = write_all(w, zeros, k, member(w));
			n -= k;
		}
		break;
	case OP_END:
		r = archiver_check(w, archive_write_finish_entry(w->a), member(w));
		break;
	case OP_READ: {
		struct sw_ticket *t;

		/* Read here unless the caller got to it first. */
		memcpy(&t, payload, sizeof(t));
		if (!sw_ticket_read(w, t, false)) {
			pthread_mutex_lock(&w->mu);
			sw_ticket_wait(w, t);
			pthread_mutex_unlock(&w->mu);
		}
		r = write_all(w, t->buf, t->n, member(w));
		sw_ticket_done(t);
		break;
	}
	case OP_CLOSE:
		pthread_mutex_lock(&w->mu);
		w->reached_close = 1;
		pthread_mutex_unlock(&w->mu);
		/* archive_write_close flushes the compressor's trailer: an
		 * archive whose close failed is not complete. */
		r = archiver_check(w, archive_write_close(w->a), "close archive");
		break;
	}
	return r;
}

/* Gives back what a block lent, without writing it (the archive failed
 * or is abandoned). */
static void release_lent(struct snapwriter *w, const struct sw_op *op,
			 const unsigned char *payload)
{
	struct sw_ticket *t;

	if (op->type != OP_READ)
		return;
	memcpy(&t, payload, sizeof(t));
	if (!sw_ticket_read(w, t, true)) {
		pthread_mutex_lock(&w->mu);
		sw_ticket_wait(w, t);
		pthread_mutex_unlock(&w->mu);
	}
	sw_ticket_done(t);
}

bool archiver_stopped(struct snapwriter *w)
{
	const atomic_bool *stop;

	pthread_mutex_lock(&w->mu);
	stop = w->stop;
	pthread_mutex_unlock(&w->mu);
	return stop && atomic_load_explicit(stop, memory_order_relaxed);
}

/* Runs a block's operations; once something failed or the caller
 * stopped, only gives lent memory back and notes the CLOSE.  Returns 1
 * when the block held the CLOSE. */
static int run_block(struct snapwriter *w, const struct sw_block *b, int failed)
{
	size_t off = 0;

	while (off < b->len) {
		const unsigned char *payload = b->data + off + sizeof(struct sw_op);
		struct sw_op op;

		memcpy(&op, b->data + off, sizeof(op));
		if (!failed && archiver_stopped(w)) {
			afail(w, -EINTR, "interrupted");
			failed = 1;
		}
		if (failed)
			release_lent(w, &op, payload);
		else if (run_op(w, &op, payload))
			failed = 1;
		if (op.type == OP_CLOSE)
			return 1;
		off += sizeof(op) + pad8(op.len);
	}
	return 0;
}

void archiver_discard(struct snapwriter *w, const struct sw_block *b)
{
	size_t off = 0;

	while (b && off < b->len) {
		struct sw_op op;

		memcpy(&op, b->data + off, sizeof(op));
		release_lent(w, &op, b->data + off + sizeof(op));
		off += sizeof(op) + pad8(op.len);
	}
}

/* ---- the output: libarchive's client callbacks ---- */

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

/*
 * gzip: libarchive writes plain tar (no filter, unbuffered) and its
 * writes, the lent content chunks among them, go through gzstream, which
 * stores what does not compress (README "Compression").  Its sink writes
 * to the output; stored chunks go from the caller's memory in one
 * writev(2).
 */
int archiver_gz_sink(void *arg, const struct iovec *iov0, int n)
{
	struct snapwriter *w = arg;
	struct iovec iov[GZSTREAM_IOV_MAX];
	int i = 0;

	memcpy(iov, iov0, (size_t)n * sizeof(*iov));
	while (i < n) {
		ssize_t got = writev(w->fd, iov + i, n - i);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return got < 0 ? -errno : -EIO;
		while (i < n && (size_t)got >= iov[i].iov_len) {
			got -= (ssize_t)iov[i].iov_len;
			i++;
		}
		if (i < n) {
			iov[i].iov_base = (char *)iov[i].iov_base + got;
			iov[i].iov_len -= (size_t)got;
		}
	}
	return 0;
}

static la_ssize_t gz_write(struct archive *a, struct snapwriter *w, const void *p, size_t n)
{
	int r = gzstream_write(w->gz, p, n);

	if (r) {
		archive_set_error(a, -r, "gzip: %s", gzstream_error(w->gz));
		return -1;
	}
	return (la_ssize_t)n;
}

/* The gzip trailer: only a finished stream passes gzip -t. */
static int gz_close(struct snapwriter *w)
{
	int r = gzstream_finish(w->gz);

	return r ? afail(w, r, "close archive: gzip: %s", gzstream_error(w->gz)) : 0;
}

la_ssize_t archiver_out_write(struct archive *a, void *arg, const void *p, size_t n)
{
	struct snapwriter *w = arg;

	if (w->gz)
		return gz_write(a, w, p, n);
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

/*
 * libarchive drops what its client closer returns (archive_write.c,
 * archive_write_client_close), so a failure here is recorded as the
 * archiver's own: an archive small enough to be written only at close
 * (to /dev/full, or a disk just full) must not be reported as written.
 */
int archiver_out_close(struct archive *a, void *arg)
{
	struct snapwriter *w = arg;
	int r = 0;

	if (w->gz)
		r = gz_close(w);
	else if (w->olen && out_flush(a, w, w->obuf, w->olen))
		r = archive_failed(w, "close archive");
	w->olen = 0;
	return r ? ARCHIVE_FATAL : ARCHIVE_OK;
}

void *archiver_main(void *arg)
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
