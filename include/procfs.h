/* procfs: all I/O on /proc.  Every path is relative to a directory fd. */
#ifndef PROCSNAP_PROCFS_H
#define PROCSNAP_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

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

/*
 * PROCFS_ONE_SHOT: the file is made whole by one ->show() call (a
 * single_open() seq_file: stat, status, cgroup, fdinfo), so a read(2) that
 * returns less than asked for is the end and no read returning 0 is needed.
 * Never for multi-record files such as maps, which return one page per read.
 */
#define PROCFS_ONE_SHOT 1u

/*
 * Like procfs_read, but appends to out (at most max bytes of this file):
 * the file's bytes are out->data[len before the call .. out->len).  On
 * failure out is left as it was.
 */
int procfs_read_append(int dirfd, const char *name, size_t max, unsigned flags,
		       struct buf *out, bool *truncated);

/*
 * A file's birth time, which struct stat has no room for: statx(2)
 * STATX_BTIME, when the file system keeps one (ext4, xfs, btrfs, tmpfs
 * since 5.x); known is false when it does not say, never a zero time.
 */
struct procfs_btime {
	struct timespec ts;
	bool known;
};

/*
 * fstatat(dirfd, name, st, flags) through statx(2), which also gives the
 * birth time into *bt (may be NULL).  flags: 0 (follows a magic link such
 * as fd/N or exe to the open file, as stat(2) does) or AT_EMPTY_PATH with
 * name "" for an fd itself (an O_PATH pin).  Where statx is refused
 * (ENOSYS: an old kernel; EPERM: a seccomp filter that predates it) the
 * stat comes from fstatat and the birth time is not known.  0 or -errno.
 */
int procfs_statx(int dirfd, const char *name, int flags, struct stat *st,
		 struct procfs_btime *bt);

/* readlinkat(dirfd, name) into out, exact bytes, any length. */
int procfs_readlink(int dirfd, const char *name, struct buf *out);

/* Like procfs_readlink, but appends; on failure out is left as it was. */
int procfs_readlink_append(int dirfd, const char *name, struct buf *out);

/*
 * Numeric entries of a directory (pids in the proc root, fds in PID/fd),
 * sorted ascending.  *list is malloc'ed: the caller frees it.
 */
int procfs_list_numeric(int dirfd, const char *name, int **list, size_t *n);

/*
 * The same for a directory already open as fd (borrowed, not closed; its
 * read position is consumed), so a caller that keeps the directory open
 * for openat() does not open it twice.
 */
int procfs_list_numeric_fd(int fd, int **list, size_t *n);

/* A short word for an errno met while reading a process: "vanished",
 * "denied", ... (the snapshot records both the word and the errno name). */
const char *procfs_reason(int err);
/* The errno's symbolic name, "ENOENT"; "E?" when unknown. */
const char *procfs_errname(int err);

#endif
