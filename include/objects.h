/* objects: what a process holds, as lsof's FD column lists it — fds, a deleted exe (txt), deleted mapped files (mem), a deleted cwd, and what could not be read. */
#ifndef PROCSNAP_OBJECTS_H
#define PROCSNAP_OBJECTS_H

#include <jansson.h>
#include <stdbool.h>

#include "examined.h"

/*
 * The rows of `snapread fds`, and so every recovered object in one place.
 * A process's fd records are rows of their own (OBJECT_FD); after them,
 * from its process.json, objects_of_process() gives:
 *  - txt: the executable, when it is deleted, or when it could not be
 *    examined (gap set);
 *  - cwd: the working directory, when it is deleted (cwd.deleted);
 *  - mem: each mapping of a deleted file (mapped_deleted) other than the
 *    executable's own (txt holds that file), or one row when the maps
 *    could not be read (gap set);
 *  - nofd: an fd table that could not be read (gap set): the process's,
 *    or a thread's own (gap->tid), as lsof's NOFD.
 * A vanished process has no rows: it is gone, which ps says (V).
 */

enum object_kind {
	OBJECT_FD,
	OBJECT_TXT,
	OBJECT_MEM,
	OBJECT_CWD,
	OBJECT_NOFD,
};

/* Everything borrowed from the records, for the call only. */
struct object {
	enum object_kind kind;
	int pid;
	/* FD: the fd record; TXT: process "exe"; CWD: "cwd"; MEM: an entry
	 * of "mapped_deleted"; NULL for a gap. */
	const json_t *rec;
	const struct examined_gap *gap;   /* what could not be read, or NULL */
};

/* "fd", "txt", "mem", "cwd", "nofd": the row's "object" in JSON. */
const char *object_kind_name(enum object_kind k);

/* Return 0 to go on; anything else stops objects_of_process() and is
 * returned. */
typedef int (*object_fn)(void *arg, const struct object *o);

/* The objects of process.json proc other than its fds, in the order
 * txt, cwd, mem, nofd.  0 or fn's value. */
int objects_of_process(const json_t *proc, object_fn fn, void *arg);

/* The recovered content of the object ({"status", "sha256", ...}), or
 * NULL. */
const json_t *object_content(const struct object *o);
/* True when the object is deleted, or could be (a gap, a mapping whose
 * file could not be examined, an fd whose file could not be): what
 * `fds --deleted` lists.  Unknown is never shown as clean. */
bool object_maybe_deleted(const struct object *o);
/* 1: deleted; 0: not; -1: not known. */
int object_deleted(const struct object *o);
/* True when its content changed (size or mtime) while it was read. */
bool object_changing(const struct object *o);

#endif
