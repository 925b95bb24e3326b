/* timeline_int.h: what the files of the timeline share.  Dependencies run
 * one way: timeline (snapshots read, hosts, captures, processes; sorting)
 * -> timeline_files (every sighting of a file merged into its states, and
 * their events) -> timeline_store (text blocks, arrays, the bound, the
 * error) and timeline_time (times parsed and compared). */
#ifndef PROCSNAP_TIMELINE_INT_H
#define PROCSNAP_TIMELINE_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "timeline.h"
#include "u64map.h"

/* Text lives in blocks that never move, so what is handed out stays put. */
struct timeline_block {
	struct timeline_block *next;
	size_t used, cap;
	char data[];
};

struct thost {
	struct timeline_host pub;
	struct u64map files;      /* (dev, ino) -> file index + 1 */
};

struct tfile {
	size_t host;
	uint64_t dev, ino;
	size_t *states;           /* indices into states[] */
	size_t nstates, cap;
};

struct tstate {
	struct timeline_state pub;  /* first: a public pointer is one of these */
	size_t file;
	struct timeline_holder *holders;
	size_t cap;
};

struct tproc {
	struct timeline_process pub;
	const char *boot_id;        /* NUL-terminated, in a block; may be "" */
	int64_t start_ticks;
	struct timeline_time start;
};

struct capture_ev {
	struct timeline_time t;
	enum timeline_kind kind;
	size_t host;
	uint64_t processes;
	bool has_processes;
};

struct timeline {
	struct timeline_block *blocks;
	struct thost *hosts;
	size_t nhosts, hostcap;
	struct tfile *files;
	size_t nfiles, filecap;
	struct tstate *states;
	size_t nstates, statecap;
	struct tproc *procs;
	size_t nprocs, proccap;
	struct u64map procmap;      /* (host << 32 | pid, start_ticks) -> index + 1 */
	struct capture_ev *caps;
	size_t ncaps, capcap;
	struct timeline_event *events;
	size_t nevents;
	size_t *order;              /* states in bodyfile order */
	/* While one snapshot is read. */
	bool have_host;             /* its host.json was read */
	size_t cur_host;
	const char *cur_boot;
	json_t *held;               /* the fd records of the process being read */
	size_t held_bytes;
	char err[512];
};

/* timeline_store.c.  The message of a failure into t->err; returns err. */
int timeline_fail(struct timeline *t, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Grows *v (n used, *cap allocated) to hold one more of size sz: 0 or
 * -ENOMEM. */
int timeline_grow(void *v, size_t n, size_t *cap, size_t sz);
/* A copy of p[0..n) (NUL-terminated) in a block, valid until
 * timeline_free(); NULL when out of memory. */
const char *timeline_keep(struct timeline *t, const void *p, size_t n);
/* obj[key]'s exact bytes, kept; known false when absent.  0 or -ENOMEM. */
int timeline_keep_bytes(struct timeline *t, const json_t *obj, const char *key,
			struct timeline_text *out);
/* -EFBIG (with the message) when one more item would pass
 * TIMELINE_MAX_ITEMS, else 0. */
int timeline_too_many(struct timeline *t);

/* timeline_time.c.  -1, 0 or 1 as a is before, at or after b. */
int timeline_time_cmp(const struct timeline_time *a, const struct timeline_time *b);

/* timeline_files.c.  The files a process.json and the fd records held for
 * it (t->held) saw, each sighting merged into its file's states: open
 * fds, exe, cwd, mapped_deleted, exec_files.  name is the process's,
 * kept.  0 or -errno. */
int timeline_files_add(struct timeline *t, const json_t *proc, int pid,
		       const struct timeline_text *name);
/* Appends to t->events (room made by the caller: TIMELINE_FILE_TIMES a
 * state) the events of every file: each distinct value of each of its
 * times once. */
void timeline_files_events(struct timeline *t);

#endif
