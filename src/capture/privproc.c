/* privproc: a procfs instance of procsnap's own, in a private mount namespace. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "capture.h"
#include "mountinfo.h"
#include "parse.h"
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

/* The mount of the host's /proc (host_fd's, by its mnt_id): proc, with no
 * option that hides anything. */
struct host_mount {
	int id;
	bool found, plain;
};

static int check_mount(const struct mountinfo_entry *e, void *arg)
{
	struct host_mount *m = arg;
	char opts[256];

	if (e->id != m->id)
		return 0;
	m->found = true;
	mountinfo_unescape(e->super, e->super_len, opts, sizeof(opts));
	m->plain = e->fstype_len == 4 && memcmp(e->fstype, "proc", 4) == 0 &&
		   !strstr(opts, "subset=") &&
		   (!strstr(opts, "hidepid=") || strstr(opts, "hidepid=0") ||
		    strstr(opts, "hidepid=off"));
	return 1;
}

/*
 * Whether the host's /proc can serve as it is, bound without what is
 * mounted on it: the kernel's proc, not restricted by hidepid= or
 * subset=, of procsnap's pid namespace or an ancestor of it (its "self"
 * names procsnap, by whatever pid that namespace gives it).  An
 * ancestor's proc shows more than a fresh instance would: a proc mounted
 * now shows procsnap's own namespace only (unshare -p -f without
 * --mount-proc, a container given the host's /proc).  A proc where
 * procsnap has no pid (a descendant namespace's, mounted over /proc to
 * show a chosen few) is not used.  Read before unsharing.
 */
static bool bindable(struct privproc *pp)
{
	struct host_mount m = { 0, false, false };
	struct parse_fdinfo fi;
	struct buf b = BUF_INIT;
	struct statfs sf;
	char name[48], self[24];
	bool truncated;
	ssize_t n;

	if (fstatfs(pp->host_fd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC || pp->mountinfo_err)
		return false;
	n = readlinkat(pp->host_fd, "self", self, sizeof(self) - 1);
	if (n <= 0)
		return false;
	self[n] = '\0';
	if (strtol(self, NULL, 10) <= 0)
		return false;
	snprintf(name, sizeof(name), "self/fdinfo/%d", pp->host_fd);
	if (procfs_read(pp->host_fd, name, 4096, &b, &truncated) == 0 &&
	    parse_fdinfo(b.data, b.len, &fi) == 0 && fi.has_mnt_id) {
		m.id = fi.mnt_id;
		mountinfo_each(pp->host_mountinfo.data, pp->host_mountinfo.len, check_mount, &m,
			       NULL);
	}
	buf_free(&b);
	return m.found && m.plain;
}

int privproc_enter(struct privproc *pp, const char *proc)
{
	struct statfs sf;
	bool truncated, bind;
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
	pp->mounts_err = procfs_read(pp->host_fd, "self/mounts", CAPTURE_MAX_RAW, &pp->host_mounts,
				     &pp->mounts_truncated);
	pp->mounts_read = true;
	bind = bindable(pp);
	if (unshare(CLONE_NEWNS) < 0)
		return stop(pp, "unshare", -errno);
	/* The copies of shared mounts are still peers of the host's: a
	 * mount made before this would propagate back to the host.  Private,
	 * recursively, first; without it, no mount at all. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return stop(pp, "make-private", -errno);
	/*
	 * Over /proc itself, in this namespace only: it covers the host's
	 * proc mount and everything mounted on it, and no directory is
	 * created on the suspect's disks.  Where the host's proc is plain,
	 * it is bound there again, alone (MS_BIND without MS_REC takes no
	 * mount from under it): the same instance, whose caches are warm (a
	 * fresh instance makes every /proc/PID/fd/N anew: 0.15 s of CPU more
	 * for the bench's 300 processes), with nothing over /proc/PID.
	 * Else a fresh instance, default options (hidepid off).
	 */
	if (bind && mount(proc, proc, NULL, MS_BIND, NULL) == 0) {
		pp->how = "bind";
	} else if (mount("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0) {
		pp->how = "mount";
	} else {
		return stop(pp, "mount", -errno);
	}
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
	buf_free(&pp->host_mounts);
}
