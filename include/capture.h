/* capture: walking /proc and writing one snapshot archive. */
#ifndef PROCSNAP_CAPTURE_H
#define PROCSNAP_CAPTURE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "selfcheck.h"
#include "snapwriter.h"

struct privproc;
struct reuse;

/* The archive format version written; see docs/FORMAT.md. */
#define CAPTURE_FORMAT_VERSION 1
/* Default --max-file-size: a bound on the bytes read (and hashed, holes
 * included) per recovered file, so no file can keep the capture running. */
#define CAPTURE_DEFAULT_MAX_FILE (4ULL << 30)
/* Default --read-timeout: how long a read of cmdline, environ or maps (which
 * wait on the target's mmap lock) may take before it is walked away from. */
#define CAPTURE_DEFAULT_READ_TIMEOUT_MS 5000
/* Default --hash-max-size: the largest executable or library hashed
 * (exec_files); a larger one is recorded "too-large" with its size. */
#define CAPTURE_DEFAULT_HASH_MAX (256ULL << 20)
/* Raw /proc files above this are stored truncated and marked so. */
#define CAPTURE_MAX_RAW (64ULL << 20)
/* Defaults of --max-memory (all processes) and --max-process-memory: the
 * address range of process memory captured, holes included. */
#define CAPTURE_DEFAULT_MAX_MEMORY (512ULL << 20)
#define CAPTURE_DEFAULT_MAX_PROCESS_MEMORY (64ULL << 20)

/* --memory: which regions of process memory are captured (memsel.h). */
enum capture_memory {
	CAPTURE_MEMORY_EXEC,  /* the default: anonymous executable mappings of
			       * every process, and every file-less mapping of
			       * a process running from a deleted, memfd or
			       * tmpfs executable */
	CAPTURE_MEMORY_NONE,
	CAPTURE_MEMORY_FULL,  /* every readable private or anonymous mapping of
			       * the processes named (needs pids) */
};

/* CAPTURE_PROBE_AUTO probes every pid when pid_max is at most this: at
 * about 0.7 us a pid (pidfd_open), 0.1 s (README, "On a compromised
 * host"). */
#define CAPTURE_PROBE_AUTO_MAX 131072

/* Probing every pid up to pid_max for processes missing from /proc's
 * listing (unlisted.c). */
enum capture_probe {
	CAPTURE_PROBE_AUTO = 0,  /* when pid_max <= CAPTURE_PROBE_AUTO_MAX */
	CAPTURE_PROBE_ON,
	CAPTURE_PROBE_OFF,
};

/* One round of a series (procsnap --every, src/cmd/procsnap_series.c), recorded in
 * host.json "series" (docs/FORMAT.md). */
struct capture_series {
	unsigned long round;      /* 1, 2, ... */
	unsigned long count;      /* rounds asked for; 0: until interrupted */
	uint64_t every_ms;        /* from one round's start to the next's */
	uint64_t late_ms;         /* began this long after its slot, because
				   * the previous round overran it; 0 */
	uint64_t previous_ms;     /* how long the previous round took; 0 */
	const char *first;        /* the first round's archive (file name) */
	const char *previous;     /* the previous round's, or NULL */
	bool reuse;               /* content of earlier rounds referenced */
};

/*
 * What a capture has done so far, for a progress display.  The counters
 * are each exact when read, not one instant's set: the formatter moves
 * them while they are copied.
 */
enum capture_phase {
	CAPTURE_COLLECTING,  /* reading /proc, writing records, recovering files */
	CAPTURE_FINISHING,   /* the summary, the manifest, the compressor's end */
	CAPTURE_STOPPING,    /* the stop flag was seen: abandoning */
};

struct capture_progress {
	enum capture_phase phase;
	int stop_signal;         /* the stop flag's value once seen, else 0 */
	uint64_t procs_done;     /* processes written */
	uint64_t procs_total;    /* processes listed (0 until listed) */
	uint64_t fds;            /* fds written */
	uint64_t bytes_done;     /* bytes of deleted files stored so far */
	uint64_t bytes_pinned;   /* bytes of the distinct deleted files pinned
				  * so far, each up to --max-file-size: the
				  * recovery's known work (it grows as the
				  * collectors find more) */
	char file[256];          /* the file being stored (its path, as
				  * /proc/self/fd shows our pin), "" if none */
	uint64_t file_done, file_size;
	double seconds;          /* since the capture began */
};

/* Called on the thread that runs capture_run(), with a snapshot borrowed
 * for the call only.  It must not call into the capture. */
typedef void capture_progress_fn(void *arg, const struct capture_progress *p);

struct capture_opts {
	const char *proc_root;       /* "/proc" normally */
	const char *host_root;       /* "/" normally: where the host's files
				      * outside /proc (/etc/ld.so.preload) are read */
	enum snap_compress compress;
	bool no_content;             /* metadata only */
	uint64_t max_file_size;
	/* The SHA-256 of every executable and executable file mapping
	 * (exec_files), once per (dev, ino, size, mtime): files larger than
	 * hash_max_size (0: CAPTURE_DEFAULT_HASH_MAX) are not read; no_hash
	 * lists them unhashed. */
	bool no_hash;
	uint64_t hash_max_size;
	long read_timeout_ms;        /* 0: CAPTURE_DEFAULT_READ_TIMEOUT_MS */
	enum capture_memory memory;  /* FULL needs pids (capture_new: -EINVAL) */
	uint64_t max_memory;         /* 0: CAPTURE_DEFAULT_MAX_MEMORY */
	uint64_t max_process_memory; /* 0: CAPTURE_DEFAULT_MAX_PROCESS_MEMORY */
	const int *pids;             /* borrowed; NULL/0: every process */
	size_t npids;
	/* A file with a lease that an open for reading breaks (a WRITE
	 * lease: its holder is signalled) is not opened, unless this. */
	bool break_leases;
	/* A file that an inotify or fanotify watcher would see opened or
	 * read is skipped instead of read; every process's marks are read
	 * first, so the watchers met later in pid order are known too. */
	bool no_touch_watched;
	/* Borrowed: the private /proc the program set up (privproc.h), or
	 * why there is none; NULL: not tried.  The proc root is read as
	 * given either way. */
	const struct privproc *priv;
	enum capture_probe probe;
	bool no_sock_diag;           /* /proc/net only, no netlink sock_diag */
	bool children;               /* with pids: their descendants too */
	/* Borrowed: this capture is a round of a series (NULL: not). */
	const struct capture_series *series;
	/* Borrowed: content earlier rounds stored (reuse.h), looked up and
	 * offered to by the formatter thread; NULL: every file copied. */
	struct reuse *reuse;
	int parent_self;             /* procsnap's own too (the series that
				      * forked this round), recorded "self"; 0 */
	int argc;                    /* procsnap's own command line, recorded */
	char *const *argv;
	/* Borrowed; when it becomes non-zero the capture stops, fails with
	 * -EINTR and leaves no complete archive. */
	const volatile sig_atomic_t *stop;
	/* May be NULL.  Called every progress_ms (0: 200) while the capture
	 * runs, at once when the stop flag is first seen, and once at the
	 * end; the stop flag is looked at at least as often, in every phase
	 * (reading /proc, a read that hangs, copying a file, the queues). */
	capture_progress_fn *progress;
	void *progress_arg;
	long progress_ms;
	/* Borrowed: what procsnap found in itself at start, recorded in
	 * host.json; NULL: the capture checks itself when writing it. */
	const struct selfcheck *selfcheck;
};

struct capture_stats {
	uint64_t procs;          /* processes recorded */
	uint64_t procs_vanished; /* exited before or while being read */
	uint64_t fds;
	uint64_t sockets, sockets_resolved;
	uint64_t deleted;        /* fds and exes whose open regular file has nlink 0 */
	uint64_t deleted_special;/* fds whose open FIFO, socket file, device node,
				  * directory has nlink 0: never opened */
	uint64_t recovered;      /* distinct files whose bytes were stored */
	uint64_t truncated, shrunk, failed, changed;
	uint64_t content_bytes;  /* logical bytes of recovered files */
	uint64_t reused;         /* files referenced from an earlier round */
	uint64_t reused_bytes;   /* ... their sizes (not copied again) */
	uint64_t denied;         /* items refused with EACCES/EPERM */
	uint64_t vanished_items; /* items gone with ENOENT/ESRCH */
	uint64_t other_errors;
	uint64_t read_timeouts;  /* items whose read took longer than allowed */
	uint64_t procs_denied;   /* processes with at least one item denied */
	/* Processes whose fd table (or a thread's), exe or maps could not be
	 * read, or that vanished before they could be: what they hold is
	 * unknown, not absent (the reader's definition, docs/FORMAT.md).
	 * Split by the reason of the first such item. */
	uint64_t procs_unexamined;
	uint64_t unexamined_denied, unexamined_vanished, unexamined_timed_out,
		 unexamined_other;
	uint64_t mapped_deleted; /* mappings of deleted files */
	uint64_t exec_hashed;    /* distinct executables and libraries hashed */
	uint64_t exec_unhashed;  /* ... not hashed (each with why) */
	uint64_t exec_hash_bytes;/* bytes read to hash them */
	uint64_t thread_tables;  /* threads' own fd tables (unshare(CLONE_FILES)) */
	uint64_t thread_fds;     /* fds in them */
	uint64_t net_namespaces, mount_namespaces; /* distinct, met */
	/* Memory (--memory): regions chosen, stored as members, their bytes
	 * (address range, holes included) and data (stored, not holes);
	 * regions cut or passed over because of a bound; device mappings never
	 * read; bytes of pages that could not be read. */
	uint64_t mem_regions, mem_captured, mem_bytes, mem_data;
	uint64_t mem_bounded, mem_devices, mem_unreadable;
	/* The /proc in use hides processes (hidepid=1/2, "noaccess",
	 * "invisible"): hidepid holds the option's value, else "". */
	bool restricted_view;
	char hidepid[16];
	bool not_root;           /* euid != 0: other users' items are denied */
	/* Who noticed the capture (touch.c): */
	uint64_t leased;         /* files not opened: a lease that breaks */
	uint64_t leases_broken;  /* ... opened all the same (break_leases) */
	uint64_t watched_reads;  /* files opened that a watcher saw */
	uint64_t watched_skipped;/* files not opened: watched (no_touch_watched) */
	uint64_t watch_marks;    /* inotify and fanotify marks met */
	uint64_t global_marks;   /* ... of them on a whole mount or file system */
	uint64_t proc_marks;     /* ... on files of the /proc in use */
	bool watchers_incomplete;/* some marks could not be read or kept */
	bool watchers_scanned;   /* every process's marks were read first */
	/* procsnap runs in a pid namespace that is not the initial one: the
	 * host's other processes are not visible, unless the /proc in use is
	 * a parent namespace's, where procsnap is proc_pid (not its getpid();
	 * 0: it is not in that namespace at all). */
	bool child_pid_ns;
	int proc_pid;
	bool ld_so_preload;      /* /etc/ld.so.preload exists and is not empty */
	/* What was hidden from the host's view (hidden.c, unlisted.c). */
	bool private_proc;       /* read a proc instance of procsnap's own */
	char private_proc_why[96]; /* when not: "STEP: strerror", or a reason */
	uint64_t procs_hidden;   /* processes recorded with "hidden" */
	uint64_t procs_unlisted; /* ... missing from /proc's listing */
	uint64_t proc_mounts;    /* host mounts over /proc or under it */
	uint64_t pid_mounts;     /* ... of them on a /proc/PID or below */
	bool probed;             /* every pid up to pid_max was probed */
	uint64_t pid_max;
	char probe_skipped[64];  /* when not probed: why */
	/* What the search for unlisted processes took: walking children,
	 * walking cgroup.procs, the probe (seconds; not in the archive). */
	double search_seconds[3];
	uint64_t sockets_hidden; /* sockets seen by one view, not the other */
	double seconds;
};

/* A watcher that saw (or would have seen) procsnap open a file. */
struct capture_watcher {
	int pid, fd;
	const char *via;         /* "file", "directory", "mount", "filesystem" */
	bool fanotify;           /* else inotify */
	bool late;               /* met after the read, in pid order */
};

/* A mark on a file of the /proc in use: its watcher saw the capture. */
struct capture_proc_watcher {
	int pid, fd;
	bool fanotify;
	uint64_t ino;            /* of the /proc file or directory watched */
	const char *path;        /* "/proc/1234/status", or "" when not found */
	bool sees_reads;         /* open, access or close_nowrite events */
};

/* A file whose opening a lease holder or watcher notices: what was done. */
struct capture_touch {
	const char *member;      /* content/DEV-INO; "" for a file opened only
				  * to hash it (exec_files) */
	const char *path;        /* that file's path, as the kernel gave it
				  * (raw bytes: escape them), or NULL */
	uint64_t dev, ino;
	int pid, fd;             /* its first holder met; fd -1: exe or mapping */
	bool opened;
	bool lease_conflict, lease_broken;
	const char *why;         /* why it was not opened, or NULL */
	const struct capture_watcher *watchers; /* the first nshown of nwatchers */
	size_t nwatchers, nshown;
};

struct capture;

/* Whether pid is a process under proc_root ("/proc" when NULL) now:
 * 0 when it is, -ENOENT when not (or hidden from us, hidepid=), or
 * another -errno. */
int capture_pid_exists(const char *proc_root, int pid);

/* opts is copied; the pointers inside it are borrowed for c's lifetime. */
int capture_new(struct capture **c, const struct capture_opts *opts);

/*
 * Captures into a new archive written to fd (borrowed), every member under
 * topdir/.  Returns 0 only when the archive is complete (manifest written
 * and the compressor's trailer flushed).  Items that could not be read do
 * not fail the capture: they are recorded in the snapshot.
 *
 * It runs four threads (see capture.c and snapwriter.c): the caller's and
 * one more read /proc, one formats and recovers files, one compresses;
 * plus one reader per collector for the reads that may block (cmdline,
 * environ, maps, smaps, process memory), and any reader left blocked past
 * read_timeout_ms (at most 16, detached; they end when the process exits).
 * The others block every signal, so the stop flag is set on the caller's.
 */
int capture_run(struct capture *c, int fd, const char *topdir);

/* Start of the capture (UTC), known once capture_run() has begun. */
time_t capture_started(const struct capture *c);
const struct capture_stats *capture_stats(const struct capture *c);
/* Calls fn for every file a lease or a watcher concerned, in (pid, fd)
 * order; after capture_run.  What fn is given lives until it returns. */
void capture_each_touch(const struct capture *c,
			void (*fn)(const struct capture_touch *t, void *arg), void *arg);

/* Calls fn for every inotify or fanotify mark met on a file of the /proc
 * in use (anyone may watch /proc, /proc/locks or another process's
 * world-readable files; a process its own); after capture_run. */
void capture_each_proc_watcher(const struct capture *c,
			       void (*fn)(const struct capture_proc_watcher *w, void *arg),
			       void *arg);

/* Why capture_run failed; "" if it did not.  Lives as long as c. */
const char *capture_error(const struct capture *c);
void capture_free(struct capture *c);

/*
 * "procsnap-HOST-YYYYMMDDTHHMMSSZ": the archive's base name and top
 * directory.  Bytes of host outside [A-Za-z0-9._-] become '_'.
 */
void capture_basename(char *out, size_t n, const char *host, time_t t);

/*
 * A round of a series: "procsnap-HOST-YYYYMMDDTHHMMSS.mmmZ-NNNNNN", t with
 * its milliseconds, then the round (6 digits or more): names sort in time
 * order and two rounds never share one, however close.
 */
void capture_round_basename(char *out, size_t n, const char *host,
			    const struct timespec *t, unsigned long round);

/* Formats t (+ nsec) as "YYYY-MM-DDTHH:MM:SS[.nnnnnnnnn]Z" (UTC). */
void capture_utc(char *out, size_t n, time_t t, long nsec);

#endif
