/* output: where an archive is written — a nameless file linked in when whole, or stdout. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"

/*
 * A file being written is what an intruder watching a directory (inotify
 * IN_CREATE) or listing it would see: "procsnap-HOST-TIME.tar.gz.partial"
 * said a capture was under way, for as long as it ran.  An O_TMPFILE
 * file has no name until it is linked in, complete.
 */
static int open_nameless(struct output *o)
{
	o->fd = openat(o->dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (o->fd >= 0)
		return 0;
	/* No O_TMPFILE here (EOPNOTSUPP; EISDIR from kernels before it). */
	if (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL) {
		o->named = true;
		return 1;
	}
	return -errno;
}

/* A partial file under a name no one can guess. */
static int open_named(struct output *o)
{
	unsigned long long rnd;
	int i;

	o->tmp = malloc(32);
	if (!o->tmp)
		return -ENOMEM;
	for (i = 0; i < 16; i++) {
		if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return -EIO;
		snprintf(o->tmp, 32, ".%016llx.partial", rnd);
		o->fd = openat(o->dirfd, o->tmp,
			       O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (o->fd >= 0)
			return 0;
		if (errno != EEXIST)
			break;
	}
	i = errno;
	free(o->tmp);
	o->tmp = NULL;
	return -i;
}

int output_open(struct output *o, const char *dir, const char *name)
{
	size_t n;
	int r;

	if (strcmp(dir, "-") == 0) {
		o->is_stdout = true;
		o->fd = STDOUT_FILENO;
		return 0;
	}
	o->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (o->dirfd < 0)
		return -errno;
	n = strlen(name);
	o->name = strdup(name);
	o->path = malloc(strlen(dir) + n + 2);
	if (!o->name || !o->path)
		return -ENOMEM;
	snprintf(o->path, strlen(dir) + n + 2, "%s/%s", dir, name);
	/* Never overwrite: an existing final name is evidence too. */
	if (faccessat(o->dirfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return -EEXIST;
	r = o->named ? 1 : open_nameless(o);
	return r == 1 ? open_named(o) : r;
}

/* Links the nameless file in: linkat(2) never replaces a name (EEXIST).
 * AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; /proc/self/fd does not. */
static int link_in(struct output *o)
{
	char path[64];

	if (linkat(o->fd, "", o->dirfd, o->name, AT_EMPTY_PATH) == 0)
		return 0;
	if (errno != EPERM && errno != ENOENT && errno != EINVAL)
		return -errno;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", o->fd);
	if (linkat(AT_FDCWD, path, o->dirfd, o->name, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	return -errno;
}

int output_commit(struct output *o)
{
	int r;

	if (o->is_stdout)
		return 0;
	if (fsync(o->fd) < 0)
		return -errno;
	if (!o->tmp) {
		r = link_in(o);
		if (r)
			return r;
	} else {
		/* RENAME_NOREPLACE: two captures in the same second must not
		 * overwrite each other. */
		if (renameat2(o->dirfd, o->tmp, o->dirfd, o->name, RENAME_NOREPLACE) < 0)
			return -errno;
		free(o->tmp);
		o->tmp = NULL;
	}
	fsync(o->dirfd);
	return 0;
}

void output_close(struct output *o, bool keep)
{
	if (!o)
		return;
	if (o->tmp && !keep)
		unlinkat(o->dirfd, o->tmp, 0);
	if (o->fd >= 0 && !o->is_stdout)
		close(o->fd);
	if (o->dirfd >= 0)
		close(o->dirfd);
	free(o->tmp);
	free(o->name);
	free(o->path);
	*o = (struct output)OUTPUT_INIT;
}
