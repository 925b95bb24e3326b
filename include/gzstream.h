/* gzstream: a gzip stream that deflates what compresses and stores what does not. */
#ifndef PROCSNAP_GZSTREAM_H
#define PROCSNAP_GZSTREAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <time.h>

/*
 * The output: one standard gzip member (RFC 1952) of raw deflate blocks
 * (RFC 1951), readable by gzip, zcat, tar xzf and every inflate.  The
 * input is cut into chunks of GZSTREAM_CHUNK bytes; a chunk is deflated
 * (zlib, at the level given) or, when it would not compress, written as
 * stored blocks straight from the caller's memory.  See gzstream.c for how
 * that is decided.
 */
#define GZSTREAM_CHUNK (128u << 10)

/*
 * Receives the stream, in order: must take every byte of iov[0..iovcnt)
 * or fail, and returns 0 or -errno (passed back to the caller of
 * gzstream_write/finish as is).  The iovecs and the memory they point to
 * are borrowed for the duration of the call only: some point into the
 * compressor's buffers, some into the caller's gzstream_write buffer.
 * iovcnt is at most GZSTREAM_IOV_MAX (well under IOV_MAX).
 */
typedef int gzstream_sink(void *arg, const struct iovec *iov, int iovcnt);
#define GZSTREAM_IOV_MAX 16

struct gzstream_stats {
	uint64_t in;           /* bytes given to gzstream_write */
	uint64_t out;          /* bytes handed to the sink */
	uint64_t deflated;     /* chunks deflated */
	uint64_t stored;       /* chunks stored */
	uint64_t trials;       /* chunks deflated to see whether stored data
				* had become compressible */
	uint64_t failed;       /* ... of which did not compress */
};

struct gzstream;

/*
 * Starts a gzip member: deflate level 1..9 (procsnap uses 1), mtime goes
 * in the header (0: none).  sink and arg are borrowed and must outlive
 * the gzstream.  Nothing is written before the first gzstream_write or
 * gzstream_finish.  Returns 0 or -errno (-EINVAL, -ENOMEM); the caller
 * frees *out with gzstream_free() in every case (*out may be NULL).
 */
int gzstream_open(struct gzstream **out, int level, time_t mtime,
		  gzstream_sink *sink, void *arg);

/*
 * Compresses p[0..n).  Whole chunks are compressed at once, a remainder
 * is kept (copied) for the next call, so the sink is called from inside
 * this call, or not at all.  p is not used after the call returns.
 * Returns 0 or -errno; after any failure the stream is dead and every
 * later call returns the same error.
 */
int gzstream_write(struct gzstream *g, const void *p, size_t n);

/*
 * Compresses what is kept and writes the last block and the gzip trailer
 * (CRC-32, length).  Only a 0 here means the member is complete.  No
 * gzstream_write after it.
 */
int gzstream_finish(struct gzstream *g);

/* Counters so far; never fails. */
void gzstream_stats(const struct gzstream *g, struct gzstream_stats *st);

/* The first error, or "" when none.  Lives as long as g. */
const char *gzstream_error(const struct gzstream *g);

/* Frees g (NULL is fine).  An unfinished member is left unfinished: what
 * the sink got has no trailer, and gzip -t rejects it. */
void gzstream_free(struct gzstream *g);

#endif
