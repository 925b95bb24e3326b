/* output: where an archive is written — a partial file renamed when whole, or stdout. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"

int output_open(struct output *o, const char *dir, const char *name)
{
	size_t n;

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
	o->tmp = malloc(n + sizeof(".partial"));
	o->path = malloc(strlen(dir) + n + 2);
	if (!o->name || !o->tmp || !o->path)
		return -ENOMEM;
	snprintf(o->tmp, n + sizeof(".partial"), "%s.partial", name);
	snprintf(o->path, strlen(dir) + n + 2, "%s/%s", dir, name);
	/* Never overwrite: an existing final name is evidence too. */
	if (faccessat(o->dirfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return -EEXIST;
	o->fd = openat(o->dirfd, o->tmp,
		       O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (o->fd < 0) {
		int e = errno;

		free(o->tmp);
		o->tmp = NULL;
		return -e;
	}
	return 0;
}

int output_commit(struct output *o)
{
	if (o->is_stdout)
		return 0;
	if (fsync(o->fd) < 0)
		return -errno;
	/* RENAME_NOREPLACE: two captures in the same second must not
	 * overwrite each other. */
	if (renameat2(o->dirfd, o->tmp, o->dirfd, o->name, RENAME_NOREPLACE) < 0)
		return -errno;
	free(o->tmp);
	o->tmp = NULL;
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
