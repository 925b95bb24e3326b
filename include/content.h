/* content: recovering the bytes of one pinned file into the archive. */
#ifndef PROCSNAP_CONTENT_H
#define PROCSNAP_CONTENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "digest.h"
#include "snapwriter.h"

enum content_status {
	CONTENT_NONE,      /* nothing to recover (not a deleted regular file) */
	CONTENT_CAPTURED,  /* every byte up to the pinned size is stored */
	CONTENT_TRUNCATED, /* stored up to --max-file-size only */
	CONTENT_SHRUNK,    /* the file shrank while read; the rest is zeros */
	CONTENT_SKIPPED,   /* not read on purpose (--no-content) */
	CONTENT_FAILED,    /* could not be read; see err */
	CONTENT_REUSED,    /* not copied: an earlier round of the series
			      stored these bytes (reuse.h) */
};

const char *content_status_name(enum content_status s);

/* What happened to one file's bytes; recorded in the snapshot. */
struct content_result {
	enum content_status status;
	uint64_t size;     /* st_size when pinned: the bytes expected */
	uint64_t stored;   /* logical bytes in the member (<= size) */
	uint64_t read;     /* bytes actually read from the file */
	uint64_t data;     /* bytes in data regions (excluding holes) */
	bool sparse;       /* stored as a pax sparse member */
	bool changed;      /* size or mtime differed after the read */
	int err;           /* -errno when status is FAILED */
	const char *why;   /* short reason for FAILED / SKIPPED / TRUNCATED */
	char sha256[DIGEST_HEX_LEN + 1]; /* of the stored member */
};

/*
 * Stores the regular file behind pinfd (an O_PATH fd, never read itself)
 * as member `name`, reading at most min(st->st_size, max) bytes.  st is the
 * fstat of pinfd taken when it was pinned.  The file is opened anew
 * through /proc/self/fd, O_RDONLY|O_NONBLOCK|O_NOATIME, so the process's
 * own file offset is never moved.
 *
 * Returns 0 when the outcome is in *res (including FAILED: the capture
 * goes on), or -errno when the archive itself failed (fatal).
 */
int content_capture(struct snapwriter *w, int pinfd, const struct stat *st,
		    uint64_t max, const char *name, struct content_result *res);

/*
 * The seals of a memfd (fcntl F_GET_SEALS, memfd_create(2)) behind pinfd,
 * an O_PATH pin: an O_PATH fd refuses F_GET_SEALS, so the file is opened
 * anew through /proc/self/fd (read-only, never read).  Seals belong to the
 * inode, so the new open file sees the same ones.  0 or -errno.
 */
int content_seals(int pinfd, int *seals);

#endif
