/* content: recovering the bytes of one pinned file into the archive. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "content.h"

/* A file with more data regions than this is stored with its small holes
 * filled: bounded memory for the region list, whatever the file. */
#define MAX_REGIONS 1024
#define CHUNK (1 << 20)

const char *content_status_name(enum content_status s)
{
	switch (s) {
	case CONTENT_NONE: return "none";
	case CONTENT_CAPTURED: return "captured";
	case CONTENT_TRUNCATED: return "truncated";
	case CONTENT_SHRUNK: return "shrunk";
	case CONTENT_SKIPPED: return "skipped";
	case CONTENT_FAILED: return "failed";
	}
	return "unknown";
}

static int reopen(int pinfd)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", pinfd);
	/* O_NOATIME keeps the evidence's atime; it needs ownership or
	 * CAP_FOWNER, so fall back without it (open(2)). */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOATIME | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 && errno == EPERM)
		fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? -errno : fd;
}

int content_seals(int pinfd, int *seals)
{
	int fd = reopen(pinfd), r;

	if (fd < 0)
		return fd;
	r = fcntl(fd, F_GET_SEALS);
	*seals = r < 0 ? 0 : r;
	r = r < 0 ? -errno : 0;
	close(fd);
	return r;
}

/*
 * The data regions of [0, limit) from SEEK_DATA/SEEK_HOLE.  When the file
 * system cannot tell (EINVAL/ENXIO quirks) the whole range is one region.
 * A file with no data at all gets its last byte as a one-byte region, so
 * the member is still sparse and costs nothing.
 */
static int map_regions(int fd, uint64_t limit, struct snap_region *reg,
		       size_t *n, uint64_t *data)
{
	off_t pos = 0;
	size_t k = 0;

	*data = 0;
	while ((uint64_t)pos < limit) {
		off_t d = lseek(fd, pos, SEEK_DATA), h;

		if (d < 0) {
			if (errno == ENXIO)
				break; /* only a hole remains */
			goto whole;
		}
		if ((uint64_t)d >= limit)
			break;
		h = lseek(fd, d, SEEK_HOLE);
		if (h < 0)
			goto whole;
		if ((uint64_t)h > limit)
			h = (off_t)limit;
		if (k == MAX_REGIONS) {
			/* Too fragmented: the last region runs to the end. */
			reg[k - 1].length = limit - reg[k - 1].offset;
			*data += limit - (uint64_t)d;
			k = MAX_REGIONS;
			goto done;
		}
		reg[k].offset = (uint64_t)d;
		reg[k].length = (uint64_t)(h - d);
		*data += reg[k].length;
		k++;
		pos = h;
	}
	if (k == 0 && limit > 0) {
		reg[0].offset = limit - 1;
		reg[0].length = 1;
		k = 1;
		*data = 1;
	}
done:
	*n = k;
	return 0;
whole:
	reg[0].offset = 0;
	reg[0].length = limit;
	*data = limit;
	*n = limit ? 1 : 0;
	return 0;
}

/*
 * Where the bytes of a file go.  Small files are read here and written
 * into the archive (copied).  A large one is lent to the archive's own
 * thread in chunks (snapwriter_read_lent): that thread reads each chunk
 * and writes it at once, as cat does, while this one hashes the chunk
 * before.  So the read, the write and the hash overlap on two cores, no
 * byte is copied in user space, and each chunk goes from the read to the
 * write in one core's cache (a reader thread of its own, reading chunks
 * for this one to hash and the archiver to write, made every byte cross
 * the cores twice: 0.45 of cat's throughput, docs/PERFORMANCE.md).
 * Chunks of 1 MiB: with smaller ones the threads spend their time waking
 * each other (128 KiB chunks took 1.6x as long on 256 MiB).
 */
#define RING 8
#define TCHUNK (1u << 20)
/* Files with at least this much data are lent in chunks. */
#define LEND_MIN (4ull << 20)

struct feed;

struct slot {
	struct feed *f;
	bool busy;              /* mu: lent, not given back */
	char *buf;              /* TCHUNK bytes */
	size_t n;               /* lent: bytes asked for */
	struct snap_read rd;    /* what the read got */
};

struct feed {
	struct snapwriter *w;
	int fd;
	const struct snap_region *reg;
	size_t nreg;
	uint64_t limit;
	struct content_result *res;
	int rerr;               /* the first read error (mu when lending) */
	char *chunk;            /* direct mode: the read buffer */
	size_t chunk_size;
	/* Lending mode: the ring, guarded by mu. */
	bool lending;
	bool mu_ready;          /* mu and cv exist */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct slot ring[RING];
	unsigned lent;          /* chunks lent so far */
	_Atomic uint64_t end;   /* where the file ended, see snapwriter_read_lent */
	bool shrunk;            /* mu: a chunk came back short without error */
};

/* Streams [off, off+len) of the file through one buffer; bytes it no
 * longer has become zeros. */
static int copy_range(struct feed *f, uint64_t off, uint64_t len)
{
	int r;

	while (len) {
		size_t want = len < f->chunk_size ? (size_t)len : f->chunk_size;
		ssize_t got = f->rerr ? 0 : pread(f->fd, f->chunk, want, (off_t)off);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			f->rerr = -errno;
			got = 0;
		}
		if (got == 0) {
			/* EOF before the pinned size: the file shrank. */
			f->res->status = CONTENT_SHRUNK;
			return snapwriter_write_zeros(f->w, len);
		}
		r = snapwriter_write(f->w, f->chunk, (size_t)got);
		if (r)
			return r;
		f->res->read += (uint64_t)got;
		off += (uint64_t)got;
		len -= (uint64_t)got;
	}
	return 0;
}

/* A lent chunk is back, written and hashed (called by whichever thread
 * was last): what its read got is counted. */
static void give_back(void *arg)
{
	struct slot *s = arg;
	struct feed *f = s->f;

	pthread_mutex_lock(&f->mu);
	f->res->read += s->rd.got;
	if (s->rd.err && !f->rerr)
		f->rerr = s->rd.err;
	else if (s->rd.got < s->n && !s->rd.err)
		f->shrunk = true;
	s->busy = false;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

/* Waits until s is back: its hash is ours to do (the reads are hashed in
 * order, so s's comes first), its write the archiver's. */
static int slot_wait(struct feed *f, struct slot *s)
{
	bool busy;
	int r;

	pthread_mutex_lock(&f->mu);
	busy = s->busy;
	pthread_mutex_unlock(&f->mu);
	if (!busy)
		return 0;
	r = snapwriter_hash_reads(f->w, true);
	pthread_mutex_lock(&f->mu);
	while (s->busy && r >= 0)
		pthread_cond_wait(&f->cv, &f->mu);
	pthread_mutex_unlock(&f->mu);
	return r < 0 ? r : 0;
}

/* Lends [off, off+len) of the file, chunk by chunk. */
static int lend_range(struct feed *f, uint64_t off, uint64_t len)
{
	while (len) {
		size_t want = len < TCHUNK ? (size_t)len : TCHUNK;
		struct slot *s = &f->ring[f->lent % RING];
		int r = slot_wait(f, s);

		if (r)
			return r;
		s->n = want;
		s->rd.got = 0;
		s->rd.err = 0;
		pthread_mutex_lock(&f->mu);
		s->busy = true;
		pthread_mutex_unlock(&f->mu);
		r = snapwriter_read_lent(f->w, f->fd, off, s->buf, want, &f->end, &s->rd,
					 give_back, s);
		if (r) {
			/* Nothing was lent: the slot is ours. */
			pthread_mutex_lock(&f->mu);
			s->busy = false;
			pthread_mutex_unlock(&f->mu);
			return r;
		}
		f->lent++;
		off += want;
		len -= want;
	}
	return 0;
}

/* The whole member: holes are fed as zeros, hashed (the manifest is of the
 * logical file, as tar extracts it) but not stored. */
static int feed_file(struct feed *f)
{
	uint64_t pos = 0;
	size_t i;
	int r = 0;

	for (i = 0; i < f->nreg && !r; i++) {
		uint64_t gap = f->reg[i].offset - pos;

		r = gap ? snapwriter_write_zeros(f->w, gap) : 0;
		if (!r)
			r = f->lending ? lend_range(f, f->reg[i].offset, f->reg[i].length)
				       : copy_range(f, f->reg[i].offset, f->reg[i].length);
		pos = f->reg[i].offset + f->reg[i].length;
	}
	if (!r && f->limit > pos)
		r = snapwriter_write_zeros(f->w, f->limit - pos);
	return r;
}

/* Lending mode: every chunk hashed, then every chunk back from the
 * archive (also when the archive failed: it gives back what it drops). */
static int feed_settle(struct feed *f, int r)
{
	unsigned i;
	int h = 0;

	/* Also after a failure: hashing what is read costs little, and a
	 * failed archive lets go of the rest. */
	while ((h = snapwriter_hash_reads(f->w, true)) > 0)
		;
	if (!r && h < 0)
		r = h;
	pthread_mutex_lock(&f->mu);
	for (i = 0; i < RING; i++)
		while (f->ring[i].busy)
			pthread_cond_wait(&f->cv, &f->mu);
	if (f->shrunk && f->res->status == CONTENT_CAPTURED)
		f->res->status = CONTENT_SHRUNK;
	pthread_mutex_unlock(&f->mu);
	return r;
}

/* The feed's buffers: a ring of chunks to lend when the file has LEND_MIN
 * bytes of data or more, else one chunk sized to the file. */
static int feed_setup(struct feed *f)
{
	size_t i;

	f->lending = f->res->data >= LEND_MIN;
	if (!f->lending) {
		/* A small file gets a small buffer: no 1 MiB allocation (an
		 * mmap and its page faults) per 4 KiB file. */
		f->chunk_size = f->limit < CHUNK ? (size_t)f->limit + 1 : CHUNK;
		f->chunk = malloc(f->chunk_size);
		return f->chunk ? 0 : -ENOMEM;
	}
	atomic_init(&f->end, UINT64_MAX);
	for (i = 0; i < RING; i++) {
		f->ring[i].f = f;
		f->ring[i].buf = malloc(TCHUNK);
		if (!f->ring[i].buf)
			return -ENOMEM;
	}
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	f->mu_ready = true;
	return 0;
}

/*
 * The outcome once the member is written: a read error, a file that moved
 * or shrank under us (a second fstat), or one truncated by the limit.
 */
static void judge(const struct feed *f, const struct stat *st, struct content_result *res)
{
	struct stat after;

	res->stored = f->limit;
	if (f->rerr) {
		/* What was read is stored; the rest is zeros.  The member is
		 * kept (its sha256 recorded) but the status says it failed. */
		res->status = CONTENT_FAILED;
		res->err = f->rerr;
		res->why = "read error; the rest is stored as zeros";
	}
	/* If the file is now shorter than what we stored, the tail we stored
	 * is zeros, not evidence: say so. */
	if (fstat(f->fd, &after) == 0) {
		if (after.st_size != st->st_size ||
		    after.st_mtim.tv_sec != st->st_mtim.tv_sec ||
		    after.st_mtim.tv_nsec != st->st_mtim.tv_nsec)
			res->changed = true;
		if ((uint64_t)after.st_size < f->limit)
			res->status = CONTENT_SHRUNK;
	}
	if (res->status == CONTENT_CAPTURED && f->limit < res->size) {
		res->status = CONTENT_TRUNCATED;
		res->why = "larger than --max-file-size";
	}
}

int content_capture(struct snapwriter *w, int pinfd, const struct stat *st,
		    uint64_t max, const char *name, struct content_result *res)
{
	struct feed f = { .w = w, .fd = -1, .res = res };
	struct snap_region *reg = NULL;
	size_t n = 0, i;
	int r = 0;

	memset(res, 0, sizeof(*res));
	res->size = st->st_size > 0 ? (uint64_t)st->st_size : 0;
	if (!S_ISREG(st->st_mode)) {
		res->status = CONTENT_SKIPPED;
		res->why = "not a regular file";
		return 0;
	}
	f.fd = reopen(pinfd);
	if (f.fd < 0) {
		res->status = CONTENT_FAILED;
		res->err = f.fd;
		res->why = "open";
		f.fd = -1;
		goto out;
	}
	reg = malloc(MAX_REGIONS * sizeof(*reg));
	if (!reg) {
		r = -ENOMEM;
		goto out;
	}
	/* A growing file is read up to its size when pinned, so a busy log
	 * cannot keep the capture running. */
	f.limit = res->size < max ? res->size : max;
	map_regions(f.fd, f.limit, reg, &n, &res->data);
	res->sparse = res->data < f.limit;
	res->status = CONTENT_CAPTURED;
	f.reg = reg;
	f.nreg = n;
	r = feed_setup(&f);
	if (!r)
		r = snapwriter_begin(w, name, f.limit, res->sparse ? reg : NULL,
				     res->sparse ? n : 0);
	if (!r)
		r = feed_file(&f);
	if (f.mu_ready)
		r = feed_settle(&f, r);
	if (f.mu_ready) {
		pthread_mutex_destroy(&f.mu);
		pthread_cond_destroy(&f.cv);
	}
	if (!r)
		r = snapwriter_end(w, res->sha256);
	if (!r)
		judge(&f, st, res);
out:
	if (f.fd >= 0)
		close(f.fd);
	free(reg);
	free(f.chunk);
	for (i = 0; i < RING; i++)
		free(f.ring[i].buf);
	return r;
}
