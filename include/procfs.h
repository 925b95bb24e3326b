/* procfs: all I/O on /proc.  Every path is relative to a directory fd. */
#ifndef PROCSNAP_PROCFS_H
#define PROCSNAP_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

/*
 * The proc root is a parameter (normally "/proc") so tests can point the
 * reader at a fake tree.  A process is read relative to one open
 * /proc/PID directory fd: if the pid is reused meanwhile, reads through the
 * old fd fail with ESRCH instead of silently mixing two processes.
 *
 * All functions return 0 or -errno and never print.
 */
int procfs_open_dir(int dirfd, const char *name); /* returns fd or -errno */

/*
 * Reads the whole of dirfd/name into out (replacing its content), at most
 * max bytes; *truncated tells whether more was there.
 */
int procfs_read(int dirfd, const char *name, size_t max, struct buf *out,
		bool *truncated);

/* readlinkat(dirfd, name) into out, exact bytes, any length. */
int procfs_readlink(int dirfd, const char *name, struct buf *out);

/*
 * Numeric entries of a directory (pids in the proc root, fds in PID/fd),
 * sorted ascending.  *list is malloc'ed: the caller frees it.
 */
int procfs_list_numeric(int dirfd, const char *name, int **list, size_t *n);

/* A short word for an errno met while reading a process: "vanished",
 * "denied", ... (the snapshot records both the word and the errno name). */
const char *procfs_reason(int err);
/* The errno's symbolic name, "ENOENT"; "E?" when unknown. */
const char *procfs_errname(int err);

#endif
