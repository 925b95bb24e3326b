/* diff: what changed between two snapshots of a host, one change record at a time. */
#ifndef PROCSNAP_DIFF_H
#define PROCSNAP_DIFF_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/*
 * Two snapshots, A (before) and B (after), are compared process by
 * process.  A process is (pid, start time) (docs/FORMAT.md): a pid that
 * names another process in B is one exit plus one start, never a change.
 * A process marked "vanished" has no data (it exited before or while it
 * was read) and counts as absent: present in A and vanished in B is an
 * exit, vanished in A and present in B a start.
 *
 * Every difference is one struct diff_change handed to a callback, in
 * this order: host facts first (a reboot before anything), then by
 * ascending pid; for one pid an exit comes before a start.  Nothing here
 * prints; diffview.h renders the records.
 *
 * Noise: the fields listed by diff_noise() change on every read of a live
 * process (CPU times, memory counters, thread and fd counts, the offset
 * and times of busy files) and are passed over unless opts.all.  So are
 * procsnap's own processes ("self": each capture has its own).
 *
 * A field that could not be read on one side (absent or null there, with
 * an entry in that side's "errors") is not a change: an unreadable value
 * says nothing about the process.
 */

enum diff_kind {
	DIFF_HOST,     /* a host fact: field "boot_id" or "hostname" */
	DIFF_STARTED,  /* a process only in B: after is its summary */
	DIFF_EXITED,   /* a process only in A: before is its summary */
	DIFF_FIELD,    /* a process field (field "uid", "caps.eff", "exe"...) */
	DIFF_FD,       /* an fd other than a socket: opened (before NULL), closed
	                  (after NULL), now another file (field "fd"), or one of
	                  its attributes (field "fd.deleted", "fd.pos"...) */
	DIFF_DELETED,  /* a deleted file newly held on fd: after has sha256 */
	DIFF_SOCKET,   /* a socket appeared (before NULL), went away (after
	                  NULL) or changed endpoints or state; matched by inode */
	DIFF_LISTEN,   /* a socket newly listening */
};

/* Which process group a change belongs to (a started process's new
 * deleted files and listening sockets are DIFF_IN_STARTED). */
enum diff_in {
	DIFF_IN_HOST,
	DIFF_IN_STARTED,
	DIFF_IN_EXITED,
	DIFF_IN_CHANGED,
};

/*
 * One change.  Everything is borrowed for the duration of the callback;
 * json_incref() what must live longer.
 *  - proc: the process record it is about (B's, A's for an exit); NULL
 *    for host facts.
 *  - before/after: the values (NULL when absent).  Strings and argv come
 *    as the archive has them; when the exact bytes are not clean UTF-8,
 *    before_b64/after_b64 hold the parallel KEY_b64 value.  fds and
 *    sockets come as summaries: {"fd","type","target"(+_b64),"deleted",
 *    "inode","sha256","content","size","socket"} as recorded.  Processes
 *    (STARTED, EXITED) as {"pid","ppid","name","start_time","uid","exe",
 *    "exe_deleted","exe_sha256","argv"} (+_b64 siblings).
 */
struct diff_change {
	enum diff_kind kind;
	enum diff_in in;
	int pid;            /* 0 for host facts */
	int fd;             /* fd kinds: B's fd number (A's when gone); else -1 */
	int tid;            /* fd kinds: the thread whose own fd table holds fd
	                       (unshare(CLONE_FILES)); 0: the process's table */
	const json_t *proc;
	const char *field;  /* "fd", "socket", "process" for the kinds that have no field */
	const json_t *before, *after;
	const json_t *before_b64, *after_b64;
	/* fd kinds: the whole fd records compared (before's A's, after's
	 * B's; NULL where absent), for a caller that needs more of them
	 * than the summaries hold (its offset, flags, stat).  Borrowed. */
	const json_t *fd_before, *fd_after;
};

/* Return 0 to go on; anything else stops the diff and is returned. */
typedef int (*diff_fn)(const struct diff_change *c, void *arg);

/* One process as the diff sees it.  cgroup: the raw /proc/PID/cgroup
 * bytes, or NULL when not recorded. */
struct diff_proc;

struct diff_opts {
	bool all;           /* report noise too */
	/*
	 * NULL, or called by diff_run() for every pid, before its changes,
	 * with the process on each side (NULL where the pid is absent; a
	 * vanished or self process is passed as it is).  fds holds what the
	 * diff parsed: every record of a process on one side only (or of
	 * two different processes), only the records that differ for the
	 * same process on both.  Non-zero stops the diff and is returned.
	 */
	int (*each)(void *arg, const struct diff_proc *a, const struct diff_proc *b);
};

struct diff_proc {
	int pid;
	const json_t *process;
	const json_t *fds;   /* array of fd records, ascending fd */
	const struct buf *cgroup;
};

/* Counts of a diff's changes (--summary).  Feed every change, in order,
 * to diff_count(); start from DIFF_SUMMARY_INIT. */
struct diff_summary {
	unsigned long host;        /* host facts that differ */
	bool rebooted;             /* boot_id differs */
	bool other_host;           /* boot_id and hostname differ */
	unsigned long started, exited, changed; /* processes */
	unsigned long fields;      /* process field changes */
	unsigned long fds_opened, fds_closed, fds_changed;
	unsigned long deleted;     /* deleted files newly held (started included) */
	unsigned long sockets_appeared, sockets_gone, sockets_changed;
	unsigned long listening;   /* new listening sockets (started included) */
	unsigned long changes;     /* every record */
	int last_pid;              /* grouping state */
	enum diff_in last_in;
};
#define DIFF_SUMMARY_INIT { .last_pid = -1 }

/* Counts c; returns true when c opens a new process group (the first
 * change of a process), so renderers can group with the same rule. */
bool diff_count(struct diff_summary *s, const struct diff_change *c);

/* The noise fields, NULL-terminated: process keys and "fd.KEY". */
const char *const *diff_noise(void);
bool diff_is_noise(const char *field);

/* Host facts (host.json of A and B).  0, the callback's value, or -ENOMEM. */
int diff_hosts(const json_t *a, const json_t *b, const struct diff_opts *o,
	       diff_fn fn, void *arg);

/* One pid: a and/or b (either may be NULL, not both).  Same identity: the
 * changes; else an exit of a and a start of b. */
int diff_process(const struct diff_proc *a, const struct diff_proc *b,
		 const struct diff_opts *o, diff_fn fn, void *arg);

/* True when the two records are the same process (pid and start time). */
bool diff_same_process(const json_t *a, const json_t *b);

/*
 * The whole diff of two archives, streamed: both are opened ordered and
 * merged by ascending pid, holding one process (with its fds) per side.
 * For the same process on both sides, fd lines that are byte for byte the
 * same are not parsed (they hold no change, and parsing is most of the
 * time); the others are, with the reader's checks.  An exited process's
 * fd lines are not parsed at all.
 * Returns 0, the callback's non-zero value, or -errno with the reason in
 * diff_error() (naming which archive).  -EPROTONOSUPPORT: another format
 * version; -EBADMSG/-EFBIG: a damaged or hostile archive.
 */
struct diff;
int diff_open(struct diff **d, const char *path_a, const char *path_b);
int diff_run(struct diff *d, const struct diff_opts *o, diff_fn fn, void *arg);
/* host.json of A or B (which 0 or 1) once diff_run has started; borrowed. */
const json_t *diff_host(const struct diff *d, int which);
const char *diff_error(const struct diff *d);
void diff_free(struct diff *d);

#endif
