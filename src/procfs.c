/* procfs: all I/O on /proc.  Every path is relative to a directory fd. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"

int procfs_open_dir(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int procfs_read(int dirfd, const char *name, size_t max, struct buf *out,
		bool *truncated)
{
	int fd, r = 0;

	buf_reset(out);
	*truncated = false;
	/* O_NONBLOCK: these are /proc files, but a fake tree in a test, or a
	 * FIFO planted where a file was expected, must never block us. */
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t got;
		size_t want;

		if (out->len >= max) {
			char c;

			got = read(fd, &c, 1);
			*truncated = got > 0;
			break;
		}
		want = max - out->len < 65536 ? max - out->len : 65536;
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
	}
	close(fd);
	return r;
}

int procfs_readlink(int dirfd, const char *name, struct buf *out)
{
	size_t size = 256;
	ssize_t got;
	int r;

	buf_reset(out);
	for (;;) {
		r = buf_reserve(out, size);
		if (r)
			return r;
		got = readlinkat(dirfd, name, out->data, size);
		if (got < 0)
			return -errno;
		if ((size_t)got < size) {
			out->len = (size_t)got;
			out->data[got] = '\0';
			return 0;
		}
		if (size >= 1 << 20)
			return -ENAMETOOLONG;
		size *= 2;
	}
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

int procfs_list_numeric(int dirfd, const char *name, int **list, size_t *n)
{
	DIR *d = NULL;
	struct dirent *e;
	int *v = NULL, fd, r = 0;
	size_t len = 0, cap = 0;

	*list = NULL;
	*n = 0;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	for (;;) {
		char *end;
		long x;

		errno = 0;
		e = readdir(d);
		if (!e) {
			r = errno ? -errno : 0;
			break;
		}
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
				break;
			}
			v = nv;
		}
		v[len++] = (int)x;
	}
	closedir(d);
	if (r) {
		free(v);
		return r;
	}
	if (len > 1)
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
	default: return "E?";
	}
}
