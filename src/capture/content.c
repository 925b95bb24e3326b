/* content: recovering the bytes of one pinned file into the archive. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "content.h"

/* A file with more data regions than this is stored with its smallest
 * holes filled (see struct regions): bounded memory for the region list,
 * whatever the file. */
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
	case CONTENT_REUSED: return "reused";
	}
	return "unknown";
}

int content_open(int pinfd, enum content_gate gate, struct content_result *res)
{
	/* O_NONBLOCK: an open that would break a lease fails with
	 * EWOULDBLOCK instead of waiting (it still starts the break, which
	 * is why the guard is asked); without it the open waits until the
	 * holder lets go or lease-break-time passes (fcntl(2)). */
	int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY |
		    (gate == CONTENT_GATE_OPEN_WAIT ? 0 : O_NONBLOCK);
	char path[64];
	int fd;

	if (gate == CONTENT_GATE_REFUSE)
		return -ECANCELED;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", pinfd);
	/* O_NOATIME keeps the evidence's atime; it needs ownership or
	 * CAP_FOWNER, so fall back without it (open(2)). */
	fd = open(path, flags | O_NOATIME);
	if (fd < 0 && errno == EPERM)
		fd = open(path, flags);
	if (fd < 0)
		return -errno;
	res->opened = true;
	return fd;
}

/*
 * The one way a pinned file is opened, for its bytes or its seals.  The
 * guard is asked first: the open is what a lease holder or an fsnotify
 * watcher sees, not the O_PATH pin (fsnotify ignores FMODE_PATH files).
 * Returns the fd, -ECANCELED when the guard refused (res says why), or
 * -errno.
 */
static int guarded_open(int pinfd, const struct stat *st, const struct content_guard *g,
			struct content_result *res)
{
	return content_open(pinfd, g ? g->gate(g->arg, st, res) : CONTENT_GATE_OPEN, res);
}

int content_seals(int pinfd, const struct stat *st, const struct content_guard *guard,
		  int *seals, bool *opened)
{
	struct content_result res = { .status = CONTENT_NONE };
	int fd = guarded_open(pinfd, st, guard, &res), r;

	*seals = 0;
	*opened = res.opened;
	if (fd < 0)
		return fd;
	r = fcntl(fd, F_GET_SEALS);
	*seals = r < 0 ? 0 : r;
	r = r < 0 ? -errno : 0;
	close(fd);
	return r;
}

/*
 * The data regions of [0, limit) from SEEK_DATA/SEEK_HOLE, at most
 * MAX_REGIONS of them.  A file with more (a sparse file written in
 * scattered blocks) has its smallest holes filled: when the list is full,
 * every hole in it smaller than the one a quarter of the way up is merged
 * into the data around it, and so is every later hole smaller than that
 * (the bound only grows).  A merge frees slots, at most about a quarter,
 * so the work stays O(n log n) and the holes kept are the largest.
 * A filled hole is read from the file, which gives zeros: the bytes stay
 * exact, only the member is larger.
 */
struct regions {
	struct snap_region *reg;  /* MAX_REGIONS */
	uint64_t *holes;          /* MAX_REGIONS: scratch for the median */
	size_t n;
	uint64_t fill_below;      /* holes smaller than this are filled */
	uint64_t found;           /* data regions in the file */
	uint64_t data;            /* bytes in them */
	uint64_t filled;          /* bytes of holes stored as data */
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Fills the holes smaller than the one a quarter of the way up. */
static void compact(struct regions *r)
{
	uint64_t bound;
	size_t i, k = 0;

	for (i = 1; i < r->n; i++)
		r->holes[i - 1] = r->reg[i].offset - (r->reg[i - 1].offset + r->reg[i - 1].length);
	qsort(r->holes, r->n - 1, sizeof(*r->holes), cmp_u64);
	bound = r->holes[(r->n - 1) / 4];
	if (bound == r->holes[0])
		bound++; /* the smallest quarter is one size: those go */
	if (bound > r->fill_below)
		r->fill_below = bound;
	for (i = 1; i < r->n; i++) {
		struct snap_region *last = &r->reg[k];
		uint64_t end = last->offset + last->length, hole = r->reg[i].offset - end;

		if (hole < r->fill_below) {
			r->filled += hole;
			last->length = r->reg[i].offset + r->reg[i].length - last->offset;
		} else {
			r->reg[++k] = r->reg[i];
		}
	}
	r->n = k + 1;
}

static void add_region(struct regions *r, uint64_t off, uint64_t len)
{
	struct snap_region *last = r->n ? &r->reg[r->n - 1] : NULL;

	r->found++;
	r->data += len;
	if (last && off - (last->offset + last->length) < r->fill_below) {
		r->filled += off - (last->offset + last->length);
		last->length = off + len - last->offset;
		return;
	}
	if (r->n == MAX_REGIONS) {
		compact(r);
		last = &r->reg[r->n - 1];
		if (off - (last->offset + last->length) < r->fill_below) {
			r->filled += off - (last->offset + last->length);
			last->length = off + len - last->offset;
			return;
		}
	}
	r->reg[r->n].offset = off;
	r->reg[r->n].length = len;
	r->n++;
}

/* When the file system cannot tell (EINVAL/ENXIO quirks) the whole range
 * is one region.  A file with no data at all gets its last byte as a
 * one-byte region, so the member is still sparse and costs nothing. */
static void map_regions(int fd, uint64_t limit, struct regions *r)
{
	off_t pos = 0;

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
		add_region(r, (uint64_t)d, (uint64_t)(h - d));
		pos = h;
	}
	if (r->n == 0 && limit > 0) {
		r->reg[0].offset = limit - 1;
		r->reg[0].length = 1;
		r->n = 1;
		r->data = 1;
	}
	return;
whole:
	r->reg[0].offset = 0;
	r->reg[0].length = limit;
	r->data = limit;
	r->found = r->n = limit ? 1 : 0;
	r->filled = 0;
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
		    uint64_t max, const char *name, const struct content_guard *guard,
		    struct content_result *res)
{
	struct feed f = { .w = w, .fd = -1, .res = res };
	struct regions rg = { 0 };
	size_t i;
	int r = 0;

	memset(res, 0, sizeof(*res));
	res->size = st->st_size > 0 ? (uint64_t)st->st_size : 0;
	if (!S_ISREG(st->st_mode)) {
		res->status = CONTENT_SKIPPED;
		res->why = "not a regular file";
		return 0;
	}
	f.fd = guarded_open(pinfd, st, guard, res);
	if (f.fd == -ECANCELED && !res->opened) {
		f.fd = -1; /* the guard's decision is in res */
		goto out;
	}
	if (f.fd < 0) {
		res->status = CONTENT_FAILED;
		res->err = f.fd;
		res->why = "open";
		f.fd = -1;
		goto out;
	}
	rg.reg = malloc(MAX_REGIONS * sizeof(*rg.reg));
	rg.holes = malloc(MAX_REGIONS * sizeof(*rg.holes));
	if (!rg.reg || !rg.holes) {
		r = -ENOMEM;
		goto out;
	}
	/* A growing file is read up to its size when pinned, so a busy log
	 * cannot keep the capture running. */
	f.limit = res->size < max ? res->size : max;
	map_regions(f.fd, f.limit, &rg);
	res->data = rg.data;
	res->regions = rg.found;
	res->holes_filled = rg.filled;
	/* What the member stores (data, and the holes filled) is what is
	 * read; sparse when that is less than the whole. */
	res->sparse = rg.data + rg.filled < f.limit;
	res->status = CONTENT_CAPTURED;
	f.reg = rg.reg;
	f.nreg = rg.n;
	r = feed_setup(&f);
	if (!r)
		r = snapwriter_begin(w, name, f.limit, res->sparse ? rg.reg : NULL,
				     res->sparse ? rg.n : 0);
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
	free(rg.reg);
	free(rg.holes);
	free(f.chunk);
	for (i = 0; i < RING; i++)
		free(f.ring[i].buf);
	return r;
}
