/* extract_dir: the directory an extraction writes into, made and opened; a staging directory in it no one can guess; the message of the first failure. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "extract_dir.h"

/* Tries at a name before giving up: a collision of 64 random bits is
 * someone making our names, not chance. */
#define STAGE_TRIES 100

int extract_dir_fail(struct extract_dir *d, int err, const char *fmt, ...)
{
	va_list ap;

	if (d->msg[0])
		return err;
	va_start(ap, fmt);
	vsnprintf(d->msg, d->msgsize, fmt, ap);
	va_end(ap);
	return err;
}

int extract_dir_open(struct extract_dir *d)
{
	if (mkdir(d->path, 0700) < 0 && errno != EEXIST)
		return extract_dir_fail(d, -errno, "cannot make %s: %s", d->path, strerror(errno));
	d->fd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->fd < 0)
		return extract_dir_fail(d, -errno, "cannot open %s: %s", d->path, strerror(errno));
	return 0;
}

int extract_dir_stage(struct extract_dir *d)
{
	unsigned i;
	int e;

	/* A name no one can guess: a staging directory named by our pid
	 * could be made first (it is an mkdir, EEXIST only) by anyone who
	 * can write to the directory. */
	for (i = 0; i < STAGE_TRIES; i++) {
		unsigned long long rnd;

		if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return extract_dir_fail(d, -EIO, "cannot make a staging directory name");
		snprintf(d->stage, sizeof(d->stage), ".snapread-staging.%016llx", rnd);
		if (mkdirat(d->fd, d->stage, 0700) == 0)
			break;
		if (errno != EEXIST) {
			e = errno;
			extract_dir_fail(d, -e, "cannot make %s/%s: %s", d->path, d->stage,
					 strerror(e));
			d->stage[0] = '\0';
			return -e;
		}
	}
	if (i == STAGE_TRIES) {
		d->stage[0] = '\0';
		return extract_dir_fail(d, -EEXIST, "cannot make a staging directory in %s",
					d->path);
	}
	d->stagefd = openat(d->fd, d->stage, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d->stagefd < 0) {
		e = errno;
		extract_dir_fail(d, -e, "cannot open %s/%s: %s", d->path, d->stage, strerror(e));
		unlinkat(d->fd, d->stage, AT_REMOVEDIR);
		d->stage[0] = '\0';
		return -e;
	}
	return 0;
}

const char *extract_dir_strerror(int err)
{
	return err == EEXIST ? "it exists already (extract into a new directory)" : strerror(err);
}

int extract_dir_sub(int dirfd, const char *name)
{
	int fd;

	if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

void extract_dir_close(struct extract_dir *d)
{
	if (d->stagefd >= 0)
		close(d->stagefd);
	d->stagefd = -1;
	if (d->stage[0] && d->fd >= 0)
		unlinkat(d->fd, d->stage, AT_REMOVEDIR);
	d->stage[0] = '\0';
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}
