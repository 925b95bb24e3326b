/* timeline: the times of one or more snapshots as events — captures, process starts, file times — merged, deduplicated and in time order. */
#ifndef PROCSNAP_TIMELINE_H
#define PROCSNAP_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * What a snapshot says about time (docs/FORMAT.md):
 *  - the capture's start (host.json capture_start) and end (summary.json
 *    capture_end);
 *  - each process's start (process.json start_time);
 *  - for every distinct file it saw with a stat (an fd's open file of a
 *    type with a name in a file system: file, memfd, dir, chr, blk, fifo;
 *    an executable; a deleted cwd; a deleted mapped file; every file
 *    mapped executable, deleted or not: exec_files), its atime, mtime,
 *    ctime and, when recorded, btime.
 * A file is (host, dev, ino); what one snapshot saw of it with one set of
 * times is a state (its path, deleted, sha256 and the processes holding
 * it).  The same file with the same times, seen in several snapshots or
 * by several processes, is one state, and each of its times one event;
 * the same process (host, boot_id, pid, start_ticks) one start event.
 *
 * Everything lives in the struct timeline; pointers it hands out stay
 * valid until timeline_free().  Text (names, paths, command lines) is the
 * host's exact bytes, counted: escape it before showing it.
 */

/* Bound on states, processes and events together: a timeline is sorted
 * in memory. */
#define TIMELINE_MAX_ITEMS (16u << 20)

enum timeline_kind {
	TIMELINE_CAPTURE_START,
	TIMELINE_CAPTURE_END,
	TIMELINE_PROCESS_START,
	/* A file's times, in the order of a stat's (and the index of
	 * struct timeline_state's t[] and known[]). */
	TIMELINE_ATIME,
	TIMELINE_MTIME,
	TIMELINE_CTIME,
	TIMELINE_BTIME,
};
#define TIMELINE_FILE_TIMES 4

struct timeline_time {
	int64_t sec;      /* since the epoch, UTC */
	long nsec;        /* 0 .. 999999999 */
};

/* Counted bytes of the host, borrowed from the timeline. */
struct timeline_text {
	const char *p;
	size_t n;
	bool known;       /* false: not recorded */
};

struct timeline_host {
	struct timeline_text name;     /* host.json hostname */
};

/* A process holding a file, and how: "fd 3", "txt", "mem", "cwd". */
struct timeline_holder {
	int pid;
	struct timeline_text name;
	char how[24];
};

/* One set of times of one file, as the snapshots saw it. */
struct timeline_state {
	size_t host;                    /* index of timeline_host() */
	uint64_t dev, ino;
	struct timeline_time t[TIMELINE_FILE_TIMES];  /* atime, mtime, ctime, btime */
	bool known[TIMELINE_FILE_TIMES];
	int64_t mode, uid, gid, size;
	bool deleted;                   /* st_nlink == 0, as recorded */
	struct timeline_text path;      /* the link or maps text, as recorded */
	char sha256[65];                /* of the recovered bytes, else the whole
	                                 * file's (exec_files); "" when none */
	const struct timeline_holder *holders;
	size_t nholders;
};

struct timeline_process {
	size_t host;
	int pid;
	bool has_ppid, has_euid;
	int64_t ppid, euid;
	struct timeline_text name, cmdline, exe;  /* cmdline: argv joined by spaces */
	bool exe_deleted;
	char exe_sha256[65];            /* a deleted exe's recovered bytes; "" */
};

struct timeline_event {
	struct timeline_time t;
	enum timeline_kind kind;
	size_t host;
	/* CAPTURE_*: nothing; PROCESS_START: process; file times: state, the
	 * first state with this time (others with the same time of the same
	 * file are merged into it: see timeline_holders()). */
	const struct timeline_process *process;
	const struct timeline_state *state;
	uint64_t processes;             /* CAPTURE_END: summary's "processes" */
	bool has_processes;
};

struct timeline;

/* *t is the caller's: timeline_free() it whatever this returns. */
int timeline_new(struct timeline **t);

/* Reads the snapshot at path and adds what it says.  0, or -errno with
 * the reason in timeline_error() (a bad archive, -EFBIG past
 * TIMELINE_MAX_ITEMS). */
int timeline_add(struct timeline *t, const char *path);

/* After the last timeline_add(): the events in time order (then kind,
 * host, pid or inode), each once.  0 or -ENOMEM. */
int timeline_sort(struct timeline *t);

size_t timeline_count(const struct timeline *t);
const struct timeline_event *timeline_event(const struct timeline *t, size_t i);
const struct timeline_host *timeline_host(const struct timeline *t, size_t i);

/* The distinct states (one line of a bodyfile each), in the order of their
 * earliest time.  Valid after timeline_sort(). */
size_t timeline_nstates(const struct timeline *t);
const struct timeline_state *timeline_state(const struct timeline *t, size_t i);

/*
 * The processes holding the file of a file-time event: those of every
 * state of that file with the same time, each (pid, how) once, in pid
 * order.  fn returns 0 to go on.  0 or fn's value.
 */
typedef int (*timeline_holder_fn)(void *arg, const struct timeline_holder *h);
int timeline_holders(const struct timeline *t, const struct timeline_event *e,
		     timeline_holder_fn fn, void *arg);

const char *timeline_error(const struct timeline *t);
void timeline_free(struct timeline *t);

/* "2026-11-30T17:23:52.123456789Z" (any number of fraction digits, or
 * none) into *out: 0, or -EINVAL for anything else. */
int timeline_parse_time(const char *s, struct timeline_time *out);

#endif
