/* snapwriter: the archive writer; every member is hashed into the manifest. */
#ifndef PROCSNAP_SNAPWRITER_H
#define PROCSNAP_SNAPWRITER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "digest.h"

enum snap_compress {
	SNAP_COMPRESS_GZIP,
	SNAP_COMPRESS_ZSTD,
	SNAP_COMPRESS_NONE,
};

/* Name of the compression ("gzip"), and the archive suffix (".tar.gz"). */
const char *snapwriter_compress_name(enum snap_compress c);
const char *snapwriter_suffix(enum snap_compress c);
/* Parses "gzip" | "zstd" | "none"; returns 0 or -EINVAL. */
int snapwriter_parse_compress(const char *s, enum snap_compress *c);

/* A data region of a sparse member; the gaps between regions are holes. */
struct snap_region {
	uint64_t offset;
	uint64_t length;
};

/* The manifest is the last member; see docs/FORMAT.md. */
#define SNAP_MANIFEST "MANIFEST.sha256"

struct snapwriter;

/*
 * Starts a pax archive on fd (borrowed: never closed here).  Every member
 * name is put under topdir/.  mtime stamps every member.  On failure
 * returns -errno and, when *out could be made, its error text says why.
 * The caller frees *out with snapwriter_free() in every case.
 *
 * Members are hashed on the caller's thread; tar writing, compression and
 * the writes to fd happen on a thread of the writer's own, behind a queue
 * of at most 4 MiB (plus what snapwriter_read_lent lent).  So an error
 * writing fd (a full disk) is returned by a later call, at the latest by
 * snapwriter_finish().  One thread at a time may use a snapwriter; its
 * own thread never takes a signal.
 */
int snapwriter_open(struct snapwriter **out, int fd, enum snap_compress c,
		    const char *topdir, time_t mtime);

/* A whole member from memory.  hex (may be NULL) receives its SHA-256. */
int snapwriter_add(struct snapwriter *w, const char *name, const void *data,
		   size_t len, char hex[DIGEST_HEX_LEN + 1]);

/*
 * A streamed member of exactly `size` logical bytes.  With regions, the
 * member is a pax sparse file: write all `size` bytes in order (holes as
 * zeros, which are hashed but not stored).  snapwriter_end() fails when
 * fewer than `size` bytes were written.
 */
int snapwriter_begin(struct snapwriter *w, const char *name, uint64_t size,
		     const struct snap_region *regions, size_t nregions);
int snapwriter_write(struct snapwriter *w, const void *p, size_t n);
/* Writes n zero bytes (hashed; stored unless inside a hole). */
int snapwriter_write_zeros(struct snapwriter *w, uint64_t n);

/* What a lent read got: bytes read (the rest of the buffer is zeros), and
 * -errno when the read failed (0 at end of file). */
struct snap_read {
	size_t got;
	int err;
};

/*
 * Like snapwriter_write of n bytes of fd at off, but buf (n bytes) is
 * lent: the chunk is read into it by the archive's own thread, which then
 * writes it, or by this thread when it would otherwise wait in
 * snapwriter_hash_reads (so the two share the reading), and hashed here.
 * The bytes go from the read to the write in one core's cache, with no
 * copy in user space.  A short read (end of file, or an error) is made up
 * with zeros, which are what is stored and hashed, and lowers *end to
 * where it ended: a chunk at or past *end is not read (zeros).  *end is
 * shared by the two threads (start it at UINT64_MAX).  *rd is filled
 * before buf is hashed.  release(arg) is called once buf is both written
 * and hashed (or dropped: the archive failed), from whichever thread
 * finished last; exactly once for every call that returned 0, never for
 * one that failed.  fd, buf, *end and *rd must stay until then.  Releases
 * come in call order.
 */
int snapwriter_read_lent(struct snapwriter *w, int fd, uint64_t off, void *buf, size_t n,
			 _Atomic uint64_t *end, struct snap_read *rd,
			 void (*release)(void *arg), void *arg);
/*
 * Hashes the lent reads that are done, in order; with wait, waits for the
 * oldest first.  Returns how many lent reads are still not hashed, or
 * -errno (the archive failed, or it was stopped), and then every lent
 * read not hashed is let go of.  Anything else written to the member, and
 * its end, hashes them all first.
 */
int snapwriter_hash_reads(struct snapwriter *w, bool wait);

int snapwriter_end(struct snapwriter *w, char hex[DIGEST_HEX_LEN + 1]);

/* Bytes of member data written so far (logical, before compression),
 * counted as they are hashed.  Any thread may ask. */
uint64_t snapwriter_bytes(const struct snapwriter *w);

/*
 * stop (borrowed, may be NULL) is the caller's way of abandoning the
 * archive from another thread: once *stop is true, every call fails with
 * -EINTR ("interrupted"), and the writer's own thread stops writing at
 * its next operation, giving back what was lent without writing it, so
 * no queued data is compressed.  Checked for every chunk of a member
 * (at most 1 MiB, or 64 KiB of zeros).  poll (may be NULL) is called
 * with arg on the caller's thread at least every 100 ms while
 * snapwriter_finish waits for the writer's thread: the caller's chance to
 * look at its signals (and set *stop) while the compressor drains.
 */
void snapwriter_set_stop(struct snapwriter *w, const atomic_bool *stop,
			 void (*poll)(void *arg), void *arg);

/*
 * Appends the manifest and closes the archive, flushing the compressor's
 * trailer.  Only a 0 here means the archive is complete.
 */
int snapwriter_finish(struct snapwriter *w);

/* The last error, or "" when none.  Lives as long as w. */
const char *snapwriter_error(const struct snapwriter *w);
void snapwriter_free(struct snapwriter *w);

#endif
