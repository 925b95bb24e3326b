/* privproc: a procfs instance of procsnap's own, in a private mount namespace. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "capture.h"
#include "privproc.h"
#include "procfs.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

static int stop(struct privproc *pp, const char *step, int err)
{
	pp->step = step;
	pp->err = err;
	return err;
}

int privproc_enter(struct privproc *pp, const char *proc)
{
	struct statfs sf;
	bool truncated;
	int r;

	pp->proc = proc;
	/* What the host's tools see, before anything changes: an fd opened
	 * now stays in the host's namespace (its lookups cross the host's
	 * mounts), and the host's mount table. */
	pp->host_fd = open(proc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pp->host_fd < 0)
		return stop(pp, "host-proc", -errno);
	r = procfs_read(pp->host_fd, "self/mountinfo", CAPTURE_MAX_RAW, &pp->host_mountinfo,
			&truncated);
	pp->mountinfo_err = r;
	if (unshare(CLONE_NEWNS) < 0)
		return stop(pp, "unshare", -errno);
	/* The copies of shared mounts are still peers of the host's: a
	 * mount made before this would propagate back to the host.  Private,
	 * recursively, first; without it, no mount at all. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return stop(pp, "make-private", -errno);
	/* Over /proc itself, in this namespace only: it covers the host's
	 * proc mount and everything mounted on it, and no directory is
	 * created on the suspect's disks.  Default options: hidepid off. */
	if (mount("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return stop(pp, "mount", -errno);
	r = statfs(proc, &sf) < 0 ? -errno : sf.f_type != PROC_SUPER_MAGIC ? -EINVAL : 0;
	if (r) {
		umount2(proc, MNT_DETACH);
		return stop(pp, "check", r);
	}
	pp->active = true;
	pp->step = NULL;
	pp->err = 0;
	return 0;
}

void privproc_skip(struct privproc *pp, const char *why)
{
	pp->step = why;
	pp->err = 0;
}

void privproc_release(struct privproc *pp)
{
	if (!pp)
		return;
	if (pp->active)
		umount2(pp->proc, MNT_DETACH);
	pp->active = false;
	if (pp->host_fd >= 0)
		close(pp->host_fd);
	pp->host_fd = -1;
	buf_free(&pp->host_mountinfo);
}
