/* privproc: a procfs instance of procsnap's own, in a private mount namespace. */
#ifndef PROCSNAP_PRIVPROC_H
#define PROCSNAP_PRIVPROC_H

#include <stdbool.h>

#include "buf.h"

/*
 * A bind mount over /proc/PID in the host's mount namespace (an empty
 * directory, or another process's directory) hides a process from every
 * tool that reads /proc, procsnap included.  A fresh proc mount has no
 * mounts on it: privproc_enter() moves procsnap into a mount namespace of
 * its own (unshare(CLONE_NEWNS)), makes every mount there private, so
 * nothing done there propagates back to the host, and mounts over /proc
 * there the host's proc bound alone (a bind that is not recursive takes
 * none of the mounts on it), or, when the host's proc is not plain (not
 * the kernel's, another pid namespace's, hidepid= or subset=), a new
 * proc instance.  Only the mount namespace changes: the pid
 * namespace (what the new proc shows) and every fd already open (the
 * archive's output directory, opened before) stay as they were.  The new
 * mount dies with procsnap's namespace, that is with procsnap.
 *
 * Before unsharing it keeps what the host's tools see: an fd of the
 * host's /proc (lookups through it cross the host namespace's mounts) and
 * the host's mountinfo, from which the capture tells what was hidden,
 * and its mounts file, stored as the host's (after unsharing, self/mounts
 * would be procsnap's own namespace, its private /proc included).
 *
 * unshare(CLONE_NEWNS) refuses a process with more than one thread: call
 * it before any thread starts.  It never prints; it returns 0 or -errno
 * and records the step that failed.
 */
struct privproc {
	bool active;             /* /proc is now a mount of our own */
	const char *how;         /* "bind": the host's proc, bound alone;
				  * "mount": a fresh instance */
	const char *proc;        /* where it is mounted (borrowed) */
	const char *step;        /* when not: what stopped it, see below */
	int err;                 /* ... with this -errno (0: not tried) */
	int host_fd;             /* the host's /proc, opened first; or -1 */
	struct buf host_mountinfo; /* the host's mountinfo (empty: unread) */
	int mountinfo_err;       /* -errno of reading it, or 0 */
	struct buf host_mounts;  /* the host's /proc/self/mounts, as mount(8) shows */
	int mounts_err;          /* -errno of reading it, or 0 */
	bool mounts_read;        /* host_mounts was tried (before unsharing) */
	bool mounts_truncated;
};
#define PRIVPROC_INIT { false, NULL, NULL, NULL, 0, -1, BUF_INIT, 0, BUF_INIT, 0, false, false }

/*
 * Steps ("step"): "host-proc" (the host's /proc could not be opened),
 * "unshare" (no CAP_SYS_ADMIN, a seccomp filter, or threads already
 * running), "make-private", "mount" (a container that forbids proc
 * mounts), "check" (what got mounted is not proc), or the reason given
 * to privproc_skip().
 */
int privproc_enter(struct privproc *pp, const char *proc);

/* Not tried, for this reason (a short word, e.g. "proc-given"): the
 * capture reads the proc root it was given, and says why. */
void privproc_skip(struct privproc *pp, const char *why);

/* Unmounts the private instance (when active) and frees what pp holds.
 * procsnap stays in its own mount namespace. */
void privproc_release(struct privproc *pp);

#endif
