/* diff_int: what the files of the diff (src/model/diff*.c) share: a context, its primitives. */
#ifndef PROCSNAP_DIFF_INT_H
#define PROCSNAP_DIFF_INT_H

#include <jansson.h>
#include <stdbool.h>

#include "buf.h"
#include "diff.h"

/*
 * The diff is four files, each calling only those listed before it:
 *   diff_change.c   a change record: the noise list, counting, emitting
 *                   one change, comparing one field of two records
 *   diff_fd.c       one process's fds, paired by (table, fd); its sockets
 *                   by inode
 *   diff_process.c  one process: its fields, links, namespaces, cgroup and
 *                   fds; a start, an exit or the changes
 *   diff.c          two archives streamed and merged by pid, after the
 *                   host facts
 */

/* One comparison under way: where its changes go, and what they are about. */
struct diff_ctx {
	const struct diff_opts *o;
	diff_fn fn;
	void *arg;
	int pid;
	const json_t *proc;
	enum diff_in in;
	int tid;          /* the fd table of the fd being compared (0: the process's) */
	const json_t *fa, *fb; /* the fd records being compared, or NULL */
	struct buf x, y;  /* scratch for exact bytes */
};

/* How a field's two values are compared: as JSON, as exact bytes (KEY and
 * KEY_b64), or as an array of exact bytes (argv). */
enum diff_ftype { DIFF_F_VALUE, DIFF_F_BYTES, DIFF_F_ARGV };

/* diff_change.c.  One change to the callback, unless it is noise (then 0). */
int diff_emit(struct diff_ctx *c, enum diff_kind k, int fd, const char *field,
	      const json_t *before, const json_t *after,
	      const json_t *before_b64, const json_t *after_b64);
/* o[k], NULL when absent or null. */
const json_t *diff_get(const json_t *o, const char *k);
/* o[k + "_b64"], or NULL. */
const json_t *diff_b64_of(const json_t *o, const char *k);
/* True when rec's "errors" lists item: a value it lacks was unreadable. */
bool diff_unread(const json_t *rec, const char *item);
/* Exact bytes of a[k] and b[k]: 1 equal, 0 different, -errno. */
int diff_same_bytes(struct diff_ctx *c, const json_t *a, const json_t *b, const char *k);
/* Compares a[k] and b[k] of the same process, emitting kind with field
 * name when they differ; item: what the record's "errors" call it when it
 * could not be read.  0, the callback's value, or -errno. */
int diff_field(struct diff_ctx *c, const json_t *a, const json_t *b, const char *k,
	       const char *name, const char *item, enum diff_ftype t, enum diff_kind kind,
	       int fd);
/* to[tk] = a deep copy of from[k], when there is one. */
void diff_copy(json_t *to, const char *tk, const json_t *from, const char *k);

/* diff_fd.c.  The fds and sockets of two records of one process. */
int diff_fds(struct diff_ctx *c, const json_t *fa, const json_t *fb);
/* Emits k with the fd summaries of a and b (either may be NULL). */
int diff_fd_emit(struct diff_ctx *c, enum diff_kind k, const char *name,
		 const json_t *a, const json_t *b);
bool diff_fd_deleted(const json_t *fd);
bool diff_fd_listening(const json_t *fd);

#endif
