/* watch: a series of snapshots read in time order into one log of what processes did. */
#ifndef PROCSNAP_WATCH_H
#define PROCSNAP_WATCH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The snapshots are put in time order (host.json capture_start, then the
 * path), and each is compared with the next by the diff library (diff.h,
 * with its noise: offsets move on every read).  What changed becomes
 * events, all dated by the later snapshot's capture_start:
 *  - a process started or exited (a process is (pid, start time));
 *  - an fd opened (a started process's files and sockets too), closed,
 *    or now holding another file under the same number (a closing and an
 *    opening, both marked replaced); a file held that was deleted since;
 *  - an fd whose offset moved in the same file: how far, and the rate
 *    over the time between the two captures;
 *  - the host rebooted, or the snapshots are of another host.
 * A file closed (or replaced) when last seen at its end (offset = size)
 * was finished; else how far it had got when last seen is all that is
 * known.  After the last pair, a summary per process that moved anything:
 * what /proc/PID/io says it read and wrote between the first and the last
 * snapshot it was seen in (rchar, wchar: every read(2) and write(2);
 * read_bytes, write_bytes: what reached storage), and how far its fds'
 * offsets moved forward (only opts.fds's, when given), by the mode they
 * were open in (a lower bound: files opened and closed between two
 * snapshots are not seen).
 * procsnap's own processes ("self") are left out.  Nothing here prints.
 */

enum watch_kind {
	WATCH_HOST,      /* field: "boot_id" (rebooted) or "hostname" */
	WATCH_STARTED,
	WATCH_EXITED,
	WATCH_OPENED,    /* fd: rec is its record */
	WATCH_CLOSED,    /* fd: rec is its record as last seen */
	WATCH_DELETED,   /* fd: the file it holds was deleted since */
	WATCH_MOVED,     /* fd: its offset moved in the same file */
	WATCH_SUMMARY,   /* a process, after the last pair: totals */
};

/* What a process did over the series (WATCH_SUMMARY). */
struct watch_totals {
	const char *first, *last;   /* capture_start of the first and last
				     * snapshots it was seen in */
	double seconds;             /* between them */
	bool io;                    /* /proc/PID/io read at both ends */
	uint64_t rchar, wchar, read_bytes, write_bytes; /* io: the growth */
	uint64_t offsets_read;      /* offsets moved on fds open for reading */
	uint64_t offsets_written;   /* ... for writing */
	uint64_t offsets_both;      /* ... for both (which, not known) */
};

/* One event.  Everything is borrowed for the callback's duration. */
struct watch_event {
	enum watch_kind kind;
	const char *time;           /* when seen: a snapshot's capture_start */
	double seconds;             /* MOVED: since the previous snapshot */
	int pid;                    /* 0 for HOST */
	const json_t *proc;         /* the process record (the last one seen) */
	int fd, tid;                /* fd kinds; tid: a thread's own table, or 0 */
	const json_t *rec;          /* fd kinds: the fd record */
	const json_t *prev;         /* MOVED: the fd record before */
	bool replaced;              /* OPENED/CLOSED: same fd, another file */
	bool finished;              /* CLOSED: last seen at its end */
	int64_t moved;              /* MOVED: bytes (negative: moved back) */
	double rate;                /* MOVED: moved / seconds */
	const char *field;          /* HOST */
	const json_t *before, *after; /* HOST: the values */
	const struct watch_totals *totals; /* SUMMARY */
};

/* Return 0 to go on; anything else stops watch_run() and is returned. */
typedef int (*watch_fn)(void *arg, const struct watch_event *e);

struct watch_opts {
	const int *pids;            /* borrowed; npids 0: every process */
	size_t npids;
	const int *fds;             /* borrowed; nfds 0: every fd.  With fds,
				     * only fd events (and summaries) */
	size_t nfds;
};

struct watch;

/*
 * The snapshots at paths[0..n) (borrowed; they must outlive w), put in
 * time order: each is opened to read its host.json.  At least two are
 * needed.  0 or -errno with the reason in watch_error().
 */
int watch_open(struct watch **w, const char *const *paths, size_t n);
/* The snapshots in time order: path and capture_start.  Borrowed. */
size_t watch_snapshots(const struct watch *w);
const char *watch_path(const struct watch *w, size_t i);
const char *watch_time(const struct watch *w, size_t i);
/* The host name of the first snapshot, or NULL.  Archive text. */
const char *watch_host(const struct watch *w);

/*
 * Compares each snapshot with the next, handing the events to fn in
 * time order, then the summaries by pid.  0, fn's value, or -errno (the
 * reason in watch_error(), naming the archive).
 */
int watch_run(struct watch *w, const struct watch_opts *o, watch_fn fn, void *arg);
/* After watch_run: true when pid was seen alive in some snapshot (not
 * as one of procsnap's own). */
bool watch_saw(const struct watch *w, int pid);
const char *watch_error(const struct watch *w);
void watch_free(struct watch *w);

#endif
