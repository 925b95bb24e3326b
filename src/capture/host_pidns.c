/* host_pidns: the pid namespace procsnap runs in, the one the /proc in use shows, and which of that /proc's pids is procsnap. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "capture_int.h"
#include "parse.h"
#include "procfs.h"

/* The initial pid namespace's inode: fixed by the kernel
 * (PROC_PID_INIT_INO, include/linux/proc_ns.h) since Linux 3.8. */
#define PID_NS_INIT_INO 0xEFFFFFFCull

/* The namespace inode of the link at path under the proc root, or 0. */
static uint64_t link_ino(struct capture *c, const char *path)
{
	uint64_t ino = 0;

	if (procfs_readlink(c->rootfd, path, &c->raw) == 0 &&
	    parse_ns_link(c->raw.data, c->raw.len, &ino))
		ino = 0;
	return ino;
}

/*
 * Which pid of the /proc in use is procsnap.  /proc/self names it as that
 * proc numbers it (proc(5): a procfs shows the pids of the namespace it
 * was mounted in).  getpid() does not: in a child pid namespace with a
 * parent's /proc (unshare -p -f without --mount-proc), getpid() is a small
 * number naming some other process of the host, and procsnap's own
 * working fds, the evidence it is copying among them, would be recorded
 * as a stranger's.  A "self" that is not a link is a fake tree (tests):
 * getpid() then; a dangling one means procsnap is not in that proc's
 * namespace at all: no process of it is procsnap.
 */
static int proc_self(struct capture *c)
{
	char *end;
	long v;
	int r;

	r = procfs_readlink(c->rootfd, "self", &c->raw);
	if (r == -EINVAL)
		return getpid();
	if (r || !c->raw.len)
		return 0;
	errno = 0;
	v = strtol(c->raw.data, &end, 10);
	if (errno || *end || v <= 0 || v > INT32_MAX)
		return 0;
	return (int)v;
}

/*
 * The pid namespace the /proc in use shows: pid 1's (pid 1 of a proc lives
 * in the namespace that proc shows), or, when its links are refused (an
 * init that is not dumpable), procsnap's own when its NSpid line there
 * has one entry: NSpid lists the pids from the proc's namespace down to
 * the process's own.  0 when neither tells.
 */
static uint64_t proc_ns(struct capture *c)
{
	uint64_t ino = link_ino(c, "1/ns/pid");
	bool truncated;
	int64_t nspid[2];

	if (ino || !c->self || !c->own_pid)
		return ino;
	if (procfs_read(c->rootfd, "self/status", 1 << 16, &c->raw, &truncated) == 0 &&
	    parse_nspid(c->raw.data, c->raw.len, nspid, 2) == 1)
		return c->own_pid;
	return 0;
}

void host_pidns_probe(struct capture *c)
{
	c->self = proc_self(c);
	c->own_pid = link_ino(c, "self/ns/pid");
	c->proc_pid_ns = proc_ns(c);
	c->st.proc_pid = c->self;
	c->st.child_pid_ns = c->own_pid && c->own_pid != PID_NS_INIT_INO;
}

void host_pidns_json(struct capture *c, struct jsonw *j)
{
	if (c->self)
		jsonw_int(j, "proc_pid", c->self);
	else
		jsonw_null(j, "proc_pid");
	if (c->own_pid)
		jsonw_bool(j, "pid_ns_initial", c->own_pid == PID_NS_INIT_INO);
	if (c->proc_pid_ns)
		jsonw_uint(j, "proc_pid_ns", c->proc_pid_ns);
}
