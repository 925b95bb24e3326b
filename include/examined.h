/* examined: what of a process's evidence could not be examined — decided once, for every view. */
#ifndef PROCSNAP_EXAMINED_H
#define PROCSNAP_EXAMINED_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Unknown is never shown as clean.  A process whose fd table, executable
 * or memory maps could not be read (denied, vanished, timed out, skipped)
 * may hold deleted files, sockets or a deleted executable that the
 * snapshot cannot show: every command says so, from this one definition
 * over the records (docs/FORMAT.md, "What snapread derives"):
 *
 *  - exe:   an "errors" entry "exe" (the link), "exe-pin" or "exe-fstat"
 *           (whether it is deleted is not known);
 *  - fds:   "fd" (the process's table), "task" (its threads' tables could
 *           not be listed), "task/TID/kcmp" (a thread's table could not be
 *           told apart), or a thread table's own error (fd_tables[].errors);
 *  - maps:  "maps" (the deleted files it maps are not known);
 *  - process: the process vanished before it could be read.
 *
 * What a process lacks by nature is no gap: a kernel thread's exe (the
 * capture records no error for it), and a zombie's exe, maps and fd table
 * once they are gone (state Z or X, reason vanished).
 *
 * An fd record whose open file could not be examined (no "stat", and a
 * type that needs one to say whether it is deleted) is unknown too:
 * examined_fd_unknown().
 */

enum examined_part {
	EXAMINED_EXE,
	EXAMINED_FDS,
	EXAMINED_MAPS,
	EXAMINED_PROCESS,
	EXAMINED_FILE,       /* one fd's open file: examined_fd_unknown() */
};

/* One thing not examined.  error is the record's own {what, errno, reason}
 * (borrowed from the process record); NULL when none was recorded. */
struct examined_gap {
	enum examined_part part;
	const json_t *error;
	int tid;             /* EXAMINED_FDS: a thread's own table; 0 otherwise */
};

/* At most this many gaps are handed out for one process. */
#define EXAMINED_MAX 16

/* "exe", "fds", "maps", "process", "file". */
const char *examined_part_name(enum examined_part p);

/* The gaps of a process record, in the order exe, fds, maps (one per part,
 * but one per thread table): fills gaps[0..min(n, max)) and returns n, 0
 * when everything was examined.  Borrowed from proc. */
size_t examined_process(const json_t *proc, struct examined_gap *gaps, size_t max);

/* True when the fd's open file could not be examined, so whether it is a
 * deleted file is not known; *err (may be NULL) gets the error that says
 * why (borrowed from fd), or NULL. */
bool examined_fd_unknown(const json_t *fd, const json_t **err);

#endif
