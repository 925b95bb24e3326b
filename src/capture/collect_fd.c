/* collect_fd: one process's fd table — link, stat, pin and fdinfo of each fd. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "capture_int.h"
#include "procfs.h"

#define FD_ERR(it, what, err) batch_err((it)->errs, &(it)->nerrs, 4, what, err)

/*
 * A regular file whose bytes are to be read (deleted, or a memfd) is
 * pinned with O_PATH, and the pin's own fstat is the one kept.  A file
 * that is not deleted after all (a live memfd) is let go.
 */
static void pin_file(struct batch *b, struct fd_item *it, int fddir, const char *name,
		     bool memfd_name)
{
	struct statfs sf;
	bool shm;
	int pin = openat(fddir, name, O_PATH | O_CLOEXEC);

	if (pin < 0) {
		FD_ERR(it, "pin", -errno);
		it->have_stat = false;
		return;
	}
	int e = procfs_statx(pin, "", AT_EMPTY_PATH, &it->st, &it->btime);

	if (e) {
		FD_ERR(it, "fstat", e);
		it->have_stat = false;
		close(pin);
		return;
	}
	/* memfd_create(2) files live on the kernel's internal shmem (or
	 * hugetlbfs) mount and their link reads "/memfd:NAME". */
	shm = S_ISREG(it->st.st_mode) && fstatfs(pin, &sf) == 0 &&
	      (sf.f_type == TMPFS_MAGIC || sf.f_type == HUGETLBFS_MAGIC);
	it->memfd_fs = memfd_name && shm;
	it->shmem_fs = shm && it->st.st_nlink == 0;
	if (S_ISREG(it->st.st_mode) && it->st.st_nlink == 0) {
		it->pinfd = pin;
		b->npins++;
	} else {
		close(pin);
	}
}

/*
 * A socket's protocol, as its own file system names it: sockfs answers
 * getxattr "system.sockprotoname" with the protocol's name ("TCP",
 * "UNIX", "NETLINK", "PACKET"...), as lsof reads it.  Only this says
 * what a socket is that no table lists (netlink, packet, raw sockets,
 * and one a rootkit filtered from every table).  getxattr(2) follows the
 * magic link like stat; the path goes through our fd of the directory.
 */
static void sock_proto(struct fd_item *it, int fddir, const char *name)
{
	char path[64] = "/proc/self/fd/";
	size_t l = 14;
	ssize_t n;

	/* "/proc/self/fd/FDDIR/NAME", without snprintf: one per socket. */
	batch_decimal(path + l, fddir);
	l += strlen(path + l);
	path[l++] = '/';
	memcpy(path + l, name, strlen(name) + 1);
	n = getxattr(path, "system.sockprotoname", it->sockproto, sizeof(it->sockproto) - 1);
	if (n < 0) {
		FD_ERR(it, "sockprotoname", -errno);
		n = 0;
	}
	while (n > 0 && it->sockproto[n - 1] == '\0')
		n--;
	it->sockproto[n] = '\0';
}

/*
 * What the fd is, without opening anything: stat(2) follows the
 * /proc/PID/fd/N magic link to the open file itself (proc(5)), exactly as
 * fstat of an O_PATH pin would, in one system call instead of three.  It
 * never reads, never blocks on a FIFO and never runs a device's open
 * routine.  A failure is recorded as "pin": it means what a failed pin
 * meant.
 */
static void stat_fd(struct batch *b, struct fd_item *it, int fddir, const char *name,
		    bool memfd_name)
{
	int e = procfs_statx(fddir, name, 0, &it->st, &it->btime);

	if (e) {
		FD_ERR(it, "pin", e);
		return;
	}
	it->have_stat = true;
	if (S_ISREG(it->st.st_mode) && (it->st.st_nlink == 0 || memfd_name)) {
		pin_file(b, it, fddir, name, memfd_name);
	} else if (S_ISSOCK(it->st.st_mode)) {
		sock_proto(it, fddir, name);
	} else if ((it->st.st_mode & S_IFMT) == 0) {
		/* An anon inode or pidfs file (no file type): which one is
		 * the file system's to say.  statfs(2) follows the magic link
		 * like stat; the path goes through our own fd of the
		 * directory.  Only for these fds. */
		char path[64];
		struct statfs sf;

		snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", fddir, name);
		if (statfs(path, &sf) == 0)
			it->fs_magic = (long)sf.f_type;
	}
}

/* One fd: link, stat, pin (deleted regular files only), fdinfo. */
static int collect_fd(struct batch *b, int fddir, int infodir, int fd, int tid)
{
	struct fd_item *it;
	bool memfd_name = false;
	char name[16];
	int r;

	if (b->nfds == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct fd_item *n = realloc(b->fds, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		b->fds = n;
		b->cap = cap;
	}
	it = &b->fds[b->nfds++];
	memset(it, 0, sizeof(*it));
	it->fd = fd;
	it->tid = tid;
	it->pinfd = -1;
	batch_decimal(name, fd);

	r = batch_keep_link(b, fddir, name, &it->link);
	if (r)
		/* Closed between listing and reading: recorded, not dropped. */
		FD_ERR(it, "link", r);
	else
		memfd_name = it->link.len >= 7 &&
			     memcmp(b->text.data + it->link.off, "/memfd:", 7) == 0;
	stat_fd(b, it, fddir, name, memfd_name);
	/* fdinfo has the same access check as the link: when both the link
	 * and the pin were refused, a third refusal adds nothing. */
	if (!it->link.ok && it->nerrs && it->errs[0].err == -EACCES && !it->have_stat)
		return 0;
	r = infodir < 0 ? infodir
			: batch_keep_file(b, infodir, name, 1 << 20, PROCFS_ONE_SHOT,
					  &it->info, &it->info_truncated);
	if (r)
		FD_ERR(it, "fdinfo", r);
	return 0;
}

/* One fd table's fds into the batches (a full batch is sent on). */
int collect_fds(struct capture *c, struct lane *l, struct batch **bp, int pid,
		int fddir, int infodir, const int *fds, size_t nfds, int tid)
{
	size_t i;
	int rc;

	for (i = 0; i < nfds; i++) {
		if (threads_stopped(c))
			return lfail(l, -EINTR, "interrupted");
		if ((*bp)->nfds == BATCH_FDS || (*bp)->npins == BATCH_PINS) {
			rc = batch_send(c, l, *bp);
			*bp = NULL;
			if (!rc)
				rc = batch_get(c, pid, false, bp);
			if (rc)
				return rc;
		}
		rc = collect_fd(*bp, fddir, infodir, fds[i], tid);
		if (rc)
			return lfail(l, rc, "pid %d: fd table: out of memory", pid);
	}
	return 0;
}
