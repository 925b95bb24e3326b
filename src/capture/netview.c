/* netview: one network namespace's sockets through both views — /proc/net's text and netlink sock_diag — and where they disagree. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/sockios.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "capture_int.h"
#include "procfs.h"
#include "sockdiag.h"

/*
 * A rootkit that hides a port filters one view, seldom both: the text of
 * /proc/net/tcp (hooking tcp4_seq_show, or a preloaded read()) or the
 * netlink dump.  A socket in one view only is read again in both before
 * it is flagged: one opened or closed between the two reads is in one
 * view only too, but not twice in the same one.
 */

/* The sock_diag socket of another namespace: made by a thread of its
 * own that enters it (setns(2) changes only the calling thread's network
 * namespace, and a socket stays in the namespace it was made in). */
struct joiner {
	int nsfd, fd, err;
	const char *step;
};

static void *join_and_open(void *arg)
{
	struct joiner *j = arg;

	if (setns(j->nsfd, CLONE_NEWNET) < 0) {
		j->step = "setns";
		j->err = -errno;
		return NULL;
	}
	j->fd = sockdiag_open();
	if (j->fd < 0) {
		j->step = "socket";
		j->err = j->fd;
	}
	return NULL;
}

/* A sock_diag socket in the namespace of nsfd (-1: ours): fd, or -errno
 * with v->diag_step set. */
static int open_diag(struct netview *v, int nsfd)
{
	struct joiner j = { .nsfd = nsfd, .fd = -1 };
	pthread_t t;
	int r;

	if (nsfd < 0) {
		j.fd = sockdiag_open();
		if (j.fd < 0) {
			j.step = "socket";
			j.err = j.fd;
		}
	} else {
		r = threads_spawn(&t, join_and_open, &j);
		if (r) {
			j.step = "thread";
			j.err = r;
		} else {
			pthread_join(t, NULL);
		}
	}
	if (j.fd < 0) {
		v->diag_step = j.step;
		v->diag_err = j.err;
		return j.err;
	}
	return j.fd;
}

/*
 * Whether the socket is in namespace ino: SIOCGSKNS (CAP_NET_ADMIN) gives
 * its namespace.  A proc tree that is not the kernel's (tests: --proc)
 * may name another namespace than the one the dump would be of; without
 * SIOCGSKNS, only a kernel procfs is trusted to match.
 */
static bool same_ns(int fd, uint64_t ino, int dirfd)
{
	struct statfs sf;
	struct stat st;
	int nsfd = ioctl(fd, SIOCGSKNS);

	if (nsfd >= 0) {
		bool same = fstat(nsfd, &st) == 0 && (!ino || (uint64_t)st.st_ino == ino);

		close(nsfd);
		return same;
	}
	return fstatfs(dirfd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
}

/* One kind's dump into s: 0, the dump's -errno, or -ENOMEM. */
static int add_dump(struct sockets *s, int fd, int kind)
{
	struct buf tmp = BUF_INIT;
	int r = sockdiag_dump(fd, (enum sockdiag_kind)kind, &tmp);

	if (!r)
		r = sockets_add_diag(s, (enum sockdiag_kind)kind, tmp.data, tmp.len);
	buf_free(&tmp);
	return r;
}

/* Both views again, of the kinds that disagreed, into s: 0 or -ENOMEM. */
static int read_again(struct sockets *s, int dirfd, int fd, const bool kinds[NNET],
		      struct buf *raw)
{
	bool truncated;
	unsigned bad;
	int i, r = 0;

	for (i = 0; i < NNET && !r; i++) {
		if (!kinds[i])
			continue;
		if (add_dump(s, fd, i) == -ENOMEM)
			r = -ENOMEM;
		if (!r && procfs_read(dirfd, sockets_tables[i], CAPTURE_MAX_RAW, &raw[i],
				      &truncated) == 0)
			r = sockets_add_table(s, sockets_tables[i], raw[i].data, raw[i].len, &bad);
	}
	return r;
}

/* The tables read first (kept raw for the archive), then the dumps; the
 * dumps parsed first: a socket both list is then only looked up in the
 * tables' text, not parsed twice. */
static int read_both(struct netview *v, int dirfd, int fd)
{
	bool truncated;
	unsigned bad = 0;
	int i, r;

	for (i = 0; i < NNET; i++) {
		v->err[i] = procfs_read(dirfd, sockets_tables[i], CAPTURE_MAX_RAW, &v->raw[i],
					&truncated);
		v->truncated[i] = truncated;
	}
	for (i = 0; i < NNET && fd >= 0; i++) {
		v->dump_err[i] = add_dump(&v->socks, fd, i);
		if (v->dump_err[i] == -ENOMEM)
			return -ENOMEM;
	}
	for (i = 0; i < NNET; i++) {
		if (v->err[i])
			continue;
		r = sockets_add_table(&v->socks, sockets_tables[i], v->raw[i].data, v->raw[i].len,
				      &bad);
		if (r)
			return r;
	}
	return 0;
}

int netview_read(struct netview *v, int dirfd, int nsfd, uint64_t ino, bool no_diag)
{
	struct sockets again = SOCKETS_INIT;
	struct buf raw2[NNET];
	bool kinds[NNET] = { false };
	int i, fd = -1, r;

	if (no_diag || v->diag_step) {
		if (!v->diag_step)
			v->diag_step = "off";
	} else {
		fd = open_diag(v, nsfd);
		if (fd >= 0 && !same_ns(fd, ino, dirfd)) {
			v->diag_step = "other-namespace";
			close(fd);
			fd = -1;
		}
	}
	for (i = 0; i < NNET; i++)
		raw2[i] = (struct buf)BUF_INIT;
	r = read_both(v, dirfd, fd);
	if (!r && fd >= 0 && sockets_unmatched(&v->socks, kinds)) {
		v->rechecked = true;
		r = read_again(&again, dirfd, fd, kinds, raw2);
		if (!r)
			sockets_confirm(&v->socks, &again);
	}
	if (fd >= 0)
		close(fd);
	sockets_free(&again);
	for (i = 0; i < NNET; i++)
		buf_free(&raw2[i]);
	return r;
}

void netview_free(struct netview *v)
{
	int i;

	for (i = 0; i < NNET; i++)
		buf_free(&v->raw[i]);
	sockets_free(&v->socks);
}
