/* content: recovering the bytes of one pinned file into the archive. */
#include <errno.h>
#include <fcntl.h>
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

/* Streams [off, off+len) of fd; bytes the file no longer has become zeros. */
static int copy_range(struct snapwriter *w, int fd, char *chunk, uint64_t off,
		      uint64_t len, struct content_result *res, int *rerr)
{
	int r;

	while (len) {
		size_t want = len < CHUNK ? (size_t)len : CHUNK;
		ssize_t got = *rerr ? 0 : pread(fd, chunk, want, (off_t)off);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			*rerr = -errno;
			got = 0;
		}
		if (got == 0) {
			/* EOF before the pinned size: the file shrank. */
			res->status = CONTENT_SHRUNK;
			return snapwriter_write_zeros(w, len);
		}
		r = snapwriter_write(w, chunk, (size_t)got);
		if (r)
			return r;
		res->read += (uint64_t)got;
		off += (uint64_t)got;
		len -= (uint64_t)got;
	}
	return 0;
}

int content_capture(struct snapwriter *w, int pinfd, const struct stat *st,
		    uint64_t max, const char *name, struct content_result *res)
{
	struct snap_region *reg = NULL;
	struct stat after;
	char *chunk = NULL;
	uint64_t limit, pos = 0;
	size_t n = 0, i;
	int fd = -1, r = 0, rerr = 0;

	memset(res, 0, sizeof(*res));
	res->size = st->st_size > 0 ? (uint64_t)st->st_size : 0;
	if (!S_ISREG(st->st_mode)) {
		res->status = CONTENT_SKIPPED;
		res->why = "not a regular file";
		return 0;
	}
	/* A growing file is read up to its size when pinned, so a busy log
	 * cannot keep the capture running. */
	limit = res->size < max ? res->size : max;
	fd = reopen(pinfd);
	if (fd < 0) {
		res->status = CONTENT_FAILED;
		res->err = fd;
		res->why = "open";
		fd = -1;
		goto out;
	}
	reg = malloc(MAX_REGIONS * sizeof(*reg));
	chunk = malloc(CHUNK);
	if (!reg || !chunk) {
		r = -ENOMEM;
		goto out;
	}
	map_regions(fd, limit, reg, &n, &res->data);
	res->sparse = res->data < limit;
	res->status = CONTENT_CAPTURED;
	r = snapwriter_begin(w, name, limit, res->sparse ? reg : NULL,
			     res->sparse ? n : 0);
	if (r)
		goto out;
	for (i = 0; i < n && !r; i++) {
		/* Holes are fed as zeros: hashed (the manifest is of the
		 * logical file, as tar extracts it) but not stored. */
		r = snapwriter_write_zeros(w, reg[i].offset - pos);
		if (!r)
			r = copy_range(w, fd, chunk, reg[i].offset, reg[i].length,
				       res, &rerr);
		pos = reg[i].offset + reg[i].length;
	}
	if (!r)
		r = snapwriter_write_zeros(w, limit - pos);
	if (!r)
		r = snapwriter_end(w, res->sha256);
	if (r)
		goto out;
	res->stored = limit;
	if (rerr) {
		/* What was read is stored; the rest is zeros.  The member is
		 * kept (its sha256 recorded) but the status says it failed. */
		res->status = CONTENT_FAILED;
		res->err = rerr;
		res->why = "read error; the rest is stored as zeros";
	}
	/* A second fstat tells whether the file moved under us.  If it is now
	 * shorter than what we stored, the tail we stored is zeros, not
	 * evidence: say so. */
	if (fstat(fd, &after) == 0) {
		if (after.st_size != st->st_size ||
		    after.st_mtim.tv_sec != st->st_mtim.tv_sec ||
		    after.st_mtim.tv_nsec != st->st_mtim.tv_nsec)
			res->changed = true;
		if ((uint64_t)after.st_size < limit)
			res->status = CONTENT_SHRUNK;
	}
	if (res->status == CONTENT_CAPTURED && limit < res->size) {
		res->status = CONTENT_TRUNCATED;
		res->why = "larger than --max-file-size";
	}
out:
	if (fd >= 0)
		close(fd);
	free(reg);
	free(chunk);
	return r;
}
