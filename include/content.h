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
	uint64_t regions;  /* data regions in the file (SEEK_DATA/SEEK_HOLE) */
	uint64_t holes_filled; /* bytes of holes stored as data: the file had
				* more than 1,024 regions, its smallest holes
				* were filled (with the zeros read there) */
	bool sparse;       /* stored as a pax sparse member */
	bool changed;      /* size or mtime differed after the read */
	bool opened;       /* the file was opened: lease holders and watchers saw it */
	int err;           /* -errno when status is FAILED */
	const char *why;   /* short reason for FAILED / SKIPPED / TRUNCATED */
	char sha256[DIGEST_HEX_LEN + 1]; /* of the stored member */
};

/*
 * Opening a file is what others can see: it breaks a write lease (the
 * holder gets SIGIO, fcntl(2) F_SETLEASE) and an inotify or fanotify
 * watcher gets IN_OPEN, IN_ACCESS and IN_CLOSE_NOWRITE (O_NOATIME hides
 * none of them).  So every open of a pinned file asks a guard first.
 */
enum content_gate {
	CONTENT_GATE_OPEN,      /* open it; a lease makes the open fail, not wait */
	CONTENT_GATE_OPEN_WAIT, /* open it, waiting for a lease to be broken
				 * (at most /proc/sys/fs/lease-break-time) */
	CONTENT_GATE_REFUSE,    /* leave it: the guard set res->status and why */
};

struct content_guard {
	/* Asked with the pin's fstat; may note in res what it decided. */
	enum content_gate (*gate)(void *arg, const struct stat *st,
				  struct content_result *res);
	void *arg;
};

/*
 * Opens the file behind pinfd (an O_PATH pin) for reading, as the guard's
 * decision gate says (the caller asked it): through /proc/self/fd,
 * O_RDONLY|O_NOATIME (without O_NOATIME where it is refused), and
 * O_NONBLOCK unless CONTENT_GATE_OPEN_WAIT.  Returns the fd (res->opened
 * set), -ECANCELED for CONTENT_GATE_REFUSE, or -errno.
 */
int content_open(int pinfd, enum content_gate gate, struct content_result *res);

/*
 * Stores the regular file behind pinfd (an O_PATH fd, never read itself)
 * as member `name`, reading at most min(st->st_size, max) bytes.  st is the
 * fstat of pinfd taken when it was pinned.  The file is opened anew
 * through /proc/self/fd, O_RDONLY|O_NONBLOCK|O_NOATIME, so the process's
 * own file offset is never moved, and only when guard (borrowed; NULL:
 * no one to ask) says so.
 *
 * Returns 0 when the outcome is in *res (including FAILED, and SKIPPED by
 * the guard: the capture goes on), or -errno when the archive itself
 * failed (fatal).
 */
int content_capture(struct snapwriter *w, int pinfd, const struct stat *st,
		    uint64_t max, const char *name, const struct content_guard *guard,
		    struct content_result *res);

/*
 * The seals of a memfd (fcntl F_GET_SEALS, memfd_create(2)) behind pinfd,
 * an O_PATH pin: an O_PATH fd refuses F_GET_SEALS, so the file is opened
 * anew through /proc/self/fd (read-only, never read), when guard says so.
 * Seals belong to the inode, so the new open file sees the same ones.
 * 0, -ECANCELED (the guard said no), or -errno; *opened says whether the
 * file was opened.
 */
int content_seals(int pinfd, const struct stat *st, const struct content_guard *guard,
		  int *seals, bool *opened);

#endif
