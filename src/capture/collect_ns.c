/* collect_ns: a process's namespaces, and the tables read once per network and mount namespace. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "capture_int.h"
#include "parse.h"
#include "procfs.h"

/*
 * The namespace links (one readlinkat each).  They share one access check
 * (ptrace read access, proc(5)): when the first is refused, the others
 * would be too, and one error says so.
 */
void collect_ns(struct batch *b, int piddir)
{
	struct proc_item *p = &b->proc;
	char name[16];
	int i, r;

	for (i = 0; i < NNS; i++) {
		snprintf(name, sizeof(name), "ns/%s", ns_names[i]);
		r = batch_keep_link(b, piddir, name, &p->ns[i]);
		if (r) {
			if (i == 0 && (r == -EACCES || r == -EPERM)) {
				PROC_ERR(p, "ns", r);
				return;
			}
			/* ns/time is new in Linux 5.6: absent, not lost. */
			if (!(r == -ENOENT && strcmp(ns_names[i], "time") == 0))
				PROC_ERR(p, ns_names[i], r);
			continue;
		}
		if (parse_ns_link(b->text.data + p->ns[i].off, p->ns[i].len, &p->ns_ino[i]))
			p->ns_ino[i] = 0;
	}
}

/*
 * Network tables of the process's namespace, the first time any collector
 * meets it (procsnap's own was read with the host facts).  The claim and
 * the publication are under nsmu; the reading is not.  The formatter waits
 * for `ready`: the reader never blocks in between, so it always comes.
 */
int collect_netns(struct capture *c, int piddir, int pid, uint64_t ino)
{
	struct netns *ns;
	int nsfd, r;

	if (!ino || ino == c->own_net)
		return 0;
	pthread_mutex_lock(&c->nsmu);
	ns = u64map_get(&c->netns, ino, 0);
	if (ns) {
		pthread_mutex_unlock(&c->nsmu);
		return 0;
	}
	ns = calloc(1, sizeof(*ns));
	r = ns ? u64map_put(&c->netns, ino, 0, ns) : -ENOMEM;
	pthread_mutex_unlock(&c->nsmu);
	if (r) {
		free(ns);
		return r;
	}
	/* /proc/PID/net shows the namespace of PID (proc(5)); sock_diag is
	 * read from inside it, entered through its ns/net, or through a
	 * pidfd (setns(2) takes one since Linux 5.8) where ns/net is not a
	 * namespace file (a proc tree that is not the kernel's).  The socket
	 * made there is checked to be in namespace ino either way. */
	nsfd = c->o.no_sock_diag ? -1 : openat(piddir, "ns/net", O_RDONLY | O_CLOEXEC);
	if (nsfd < 0 && !c->o.no_sock_diag) {
		int e = errno;

		nsfd = (int)syscall(SYS_pidfd_open, pid, 0);
		if (nsfd < 0) {
			ns->v.diag_step = "open-ns";
			ns->v.diag_err = -e;
		}
	}
	r = netview_read(&ns->v, piddir, nsfd, ino, c->o.no_sock_diag || nsfd < 0);
	if (nsfd >= 0)
		close(nsfd);
	pthread_mutex_lock(&c->nsmu);
	ns->ready = true;
	pthread_cond_broadcast(&c->nscv);
	pthread_mutex_unlock(&c->nsmu);
	return r;
}

/* mountinfo, once per mount namespace: kept in the batch of the first
 * process met in it. */
int collect_mntns(struct capture *c, struct batch *b, int piddir, uint64_t ino)
{
	struct proc_item *p = &b->proc;
	bool claim;
	int r;

	if (!ino)
		return 0;
	pthread_mutex_lock(&c->nsmu);
	claim = !u64map_get(&c->mntns, ino, 0);
	r = claim ? u64map_put(&c->mntns, ino, 0, (void *)1) : 0;
	pthread_mutex_unlock(&c->nsmu);
	if (r || !claim)
		return r;
	r = batch_keep_file(b, piddir, "mountinfo", CAPTURE_MAX_RAW, 0, &p->mountinfo,
		      &p->mountinfo_truncated);
	if (r)
		PROC_ERR(p, "mountinfo", r);
	return 0;
}

void collect_netns_free(void *p)
{
	struct netns *ns = p;

	netview_free(&ns->v);
	free(ns);
}
