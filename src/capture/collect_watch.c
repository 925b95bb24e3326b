/* collect_watch: every process's inotify and fanotify marks, before any file is read (--no-touch-watched). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture_int.h"
#include "procfs.h"

/*
 * The formatter meets the watchers in pid order, so in one pass a file
 * can be read before the process watching it is met (docs/FORMAT.md,
 * "touched").  To skip every watched file, every process on the host (not
 * only those captured: a watcher need not be one of them) is looked at
 * first: one readlink per fd, and the fdinfo of the inotify and fanotify
 * fds only.  That costs about a third of reading the fd tables again,
 * which is why it is done only when asked for.
 */

/* One process's fd table: the marks of its inotify and fanotify fds.
 * Returns -errno when the table could not be listed. */
static int scan_process(struct capture *c, int pid, struct buf *info)
{
	char name[48];
	int *fds = NULL;
	size_t n = 0, i;
	int piddir, fddir = -1, r;

	batch_decimal(name, pid);
	piddir = procfs_open_dir(c->rootfd, name);
	if (piddir < 0)
		return piddir;
	fddir = openat(piddir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = fddir < 0 ? -errno : procfs_list_numeric_fd(fddir, &fds, &n);
	for (i = 0; i < n && !r; i++) {
		char link[32], fdn[16];
		ssize_t k;
		bool truncated;

		batch_decimal(fdn, fds[i]);
		c->touch.scan_fds++;
		k = readlinkat(fddir, fdn, link, sizeof(link));
		if (!((k == 18 && memcmp(link, "anon_inode:inotify", 18) == 0) ||
		      (k == 21 && memcmp(link, "anon_inode:[fanotify]", 21) == 0)))
			continue;
		snprintf(name, sizeof(name), "fdinfo/%d", fds[i]);
		if (procfs_read(piddir, name, 1 << 20, info, &truncated) == 0)
			r = touch_add_marks(c, pid, fds[i], info->data, info->len, truncated);
		else
			c->touch.marks_unread++;
	}
	free(fds);
	if (fddir >= 0)
		close(fddir);
	close(piddir);
	return r;
}

void collect_watchers(struct capture *c)
{
	struct buf info = BUF_INIT;
	int *pids = NULL;
	size_t n = 0, i;
	int r;

	r = procfs_list_numeric(c->rootfd, ".", &pids, &n);
	if (r)
		c->touch.scan_err = r;
	for (i = 0; i < n && !threads_stopped(c); i++) {
		r = scan_process(c, pids[i], &info);
		/* A process gone is no watcher; one we may not read may be. */
		if (r && r != -ENOENT && r != -ESRCH && !c->touch.scan_err)
			c->touch.scan_err = r;
	}
	free(pids);
	buf_free(&info);
	c->touch.scanned = true;
	c->st.watchers_scanned = true;
	if (c->touch.scan_err)
		c->st.watchers_incomplete = true;
}
