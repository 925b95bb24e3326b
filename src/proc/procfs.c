/* procfs: all I/O on /proc.  Every path is relative to a directory fd. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "procfs.h"

int procfs_open_dir(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static struct timespec ts_of(const struct statx_timestamp *t)
{
	struct timespec ts = { .tv_sec = (time_t)t->tv_sec, .tv_nsec = (long)t->tv_nsec };

	return ts;
}

int procfs_statx(int dirfd, const char *name, int flags, struct stat *st,
		 struct procfs_btime *bt)
{
	struct statx sx;

	if (bt)
		bt->known = false;
	if (statx(dirfd, name, flags | AT_STATX_SYNC_AS_STAT,
		  STATX_BASIC_STATS | STATX_BTIME, &sx) < 0) {
		if (errno != ENOSYS && errno != EPERM)
			return -errno;
		return fstatat(dirfd, name, st, flags) < 0 ? -errno : 0;
	}
	memset(st, 0, sizeof(*st));
	st->st_dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
	st->st_ino = (ino_t)sx.stx_ino;
	st->st_mode = (mode_t)sx.stx_mode;
	st->st_nlink = (nlink_t)sx.stx_nlink;
	st->st_uid = (uid_t)sx.stx_uid;
	st->st_gid = (gid_t)sx.stx_gid;
	st->st_rdev = makedev(sx.stx_rdev_major, sx.stx_rdev_minor);
	st->st_size = (off_t)sx.stx_size;
	st->st_blksize = (blksize_t)sx.stx_blksize;
	st->st_blocks = (blkcnt_t)sx.stx_blocks;
	st->st_atim = ts_of(&sx.stx_atime);
	st->st_mtim = ts_of(&sx.stx_mtime);
	st->st_ctim = ts_of(&sx.stx_ctime);
	/* stx_mask says what the file system filled: a birth time it does
	 * not keep is absent, not 1970. */
	if (bt && (sx.stx_mask & STATX_BTIME)) {
		bt->ts = ts_of(&sx.stx_btime);
		bt->known = true;
	}
	return 0;
}

int procfs_read(int dirfd, const char *name, size_t max, struct buf *out,
		bool *truncated)
{
	buf_reset(out);
	return procfs_read_append(dirfd, name, max, 0, out, truncated);
}

int procfs_read_append(int dirfd, const char *name, size_t max, unsigned flags,
		       struct buf *out, bool *truncated)
{
	size_t start = out->len;
	int fd, r = 0;

	*truncated = false;
	/* O_NONBLOCK: these are /proc files, but a fake tree in a test, or a
	 * FIFO planted where a file was expected, must never block us. */
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	for (;;) {
		size_t have = out->len - start, want;
		ssize_t got;

		if (have >= max) {
			char c;

			got = read(fd, &c, 1);
			*truncated = got > 0;
			break;
		}
		want = max - have < 65536 ? max - have : 65536;
		r = buf_reserve(out, want);
		if (r)
			break;
		got = read(fd, out->data + out->len, want);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (got == 0)
			break;
		out->len += (size_t)got;
		out->data[out->len] = '\0';
		/* seq_read_iter() (fs/seq_file.c) fills the whole user buffer
		 * from a single_open() file's one record, growing its own
		 * buffer until the record fits: a short read is the end. */
		if ((flags & PROCFS_ONE_SHOT) && (size_t)got < want)
			break;
	}
	close(fd);
	if (r) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
	}
	return r;
}

int procfs_readlink(int dirfd, const char *name, struct buf *out)
{
	buf_reset(out);
	return procfs_readlink_append(dirfd, name, out);
}

int procfs_readlink_append(int dirfd, const char *name, struct buf *out)
{
	size_t start = out->len, size = 256;
	ssize_t got;
	int r;

	for (;;) {
		r = buf_reserve(out, size);
		if (r)
			return r;
		got = readlinkat(dirfd, name, out->data + start, size);
		if (got < 0) {
			r = -errno;
			break;
		}
		if ((size_t)got < size) {
			out->len = start + (size_t)got;
			out->data[out->len] = '\0';
			return 0;
		}
		if (size >= 1 << 20) {
			r = -ENAMETOOLONG;
			break;
		}
		size *= 2;
	}
	out->data[start] = '\0';
	return r;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

int procfs_list_numeric(int dirfd, const char *name, int **list, size_t *n)
{
	int fd, r;

	*list = NULL;
	*n = 0;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = procfs_list_numeric_fd(fd, list, n);
	close(fd);
	return r;
}

int procfs_list_numeric_fd(int fd, int **list, size_t *n)
{
	/* getdents64 straight into one buffer: a directory of 20,000 fds
	 * takes a handful of calls, and no DIR stream owns (closes) fd. */
	size_t len = 0, cap = 0, bufsize = 65536;
	char *dbuf = malloc(bufsize);
	int *v = NULL, r = 0;
	bool sorted = true;

	*list = NULL;
	*n = 0;
	if (!dbuf)
		return -ENOMEM;
	for (;;) {
		ssize_t got = getdents64(fd, dbuf, bufsize), off;

		if (got < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (got == 0)
			break;
		for (off = 0; off < got;) {
			const struct dirent64 *e = (const void *)(dbuf + off);
			char *end;
			long x;

			off += e->d_reclen;
			if (e->d_name[0] < '0' || e->d_name[0] > '9')
				continue;
			x = strtol(e->d_name, &end, 10);
			if (*end || x < 0 || x > 0x7fffffff)
				continue;
			if (len == cap) {
				int *nv;

				cap = cap ? cap * 2 : 256;
				nv = realloc(v, cap * sizeof(*v));
				if (!nv) {
					r = -ENOMEM;
					goto out;
				}
				v = nv;
			}
			if (len && v[len - 1] > (int)x)
				sorted = false;
			v[len++] = (int)x;
		}
	}
out:
	free(dbuf);
	if (r) {
		free(v);
		return r;
	}
	/* /proc lists pids and fds in ascending order already; sort anyway
	 * for any other tree, only when needed. */
	if (!sorted)
		qsort(v, len, sizeof(*v), cmp_int);
	*list = v;
	*n = len;
	return 0;
}

const char *procfs_reason(int err)
{
	switch (err < 0 ? -err : err) {
	case 0: return "ok";
	case ESRCH: case ENOENT: return "vanished";
	case EACCES: case EPERM: return "denied";
	case EIO: return "io-error";
	case ENOMEM: return "no-memory";
	case EAGAIN: return "busy";
	case ENAMETOOLONG: return "too-long";
	case ETIMEDOUT: return "timed-out";
	case ECANCELED: return "skipped";
	/* procsnap's own: /proc/PID exists but is not PID's (a mount covers
	 * it, or it names another pid). */
	case EXDEV: return "hidden";
	default: return "error";
	}
}

const char *procfs_errname(int err)
{
	switch (err < 0 ? -err : err) {
	case 0: return "0";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case ENXIO: return "ENXIO";
	case E2BIG: return "E2BIG";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EINVAL: return "EINVAL";
	case ENFILE: return "ENFILE";
	case EMFILE: return "EMFILE";
	case EFBIG: return "EFBIG";
	case ENOSPC: return "ENOSPC";
	case ESPIPE: return "ESPIPE";
	case ELOOP: return "ELOOP";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	case EOVERFLOW: return "EOVERFLOW";
	case ENOTDIR: return "ENOTDIR";
	case EISDIR: return "EISDIR";
	case ETIMEDOUT: return "ETIMEDOUT";
	case ECANCELED: return "ECANCELED";
	case EXDEV: return "EXDEV";
	default: return "E?";
	}
}
