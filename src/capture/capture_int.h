/* capture_int: what the files of src/capture/ share — the capture's state, the batches, the lanes. */
#ifndef PROCSNAP_CAPTURE_INT_H
#define PROCSNAP_CAPTURE_INT_H

/*
 * The capture is a pipeline (docs/ARCHITECTURE.md):
 *
 *   collect_*.c     system calls on /proc, nothing else: the bytes read go
 *                   into batches (batch.c), the reads that may block through
 *                   the watchdog (watchdog.c);
 *   record_*.c      the formatter thread parses a batch, writes the JSON
 *                   records and recovers deleted files (recover.c,
 *                   content.c) into the archive writer;
 *   host.c          host facts first, the summary last (host_files.c the
 *                   raw copies of host files, host_pidns.c the pid
 *                   namespace, selfcheck.c the code mapped into procsnap);
 *   capture.c       the orchestration: the threads and what crosses between
 *                   them.
 *
 * Collectors only make the system calls on /proc and keep the bytes they
 * get; the formatter does the rest on another core, so a capture takes
 * about as long as the /proc reads alone.  Reading /proc scales with cores
 * (it takes no lock two processes share), so collection runs in NLANES
 * lanes: the caller's thread takes processes 0, 2, 4... of the list and a
 * helper thread 1, 3, 5...  The formatter takes whole processes from the
 * lanes in turn, so the archive keeps its order.
 *
 * A process goes over as one or more batches, in order: the first holds its
 * raw files, links and errors, each holds up to BATCH_FDS of its fds, the
 * last says the fd table is done.  Each lane's queue is bounded in batches
 * and in pinned files (each an open fd of ours until recovered).
 *
 * Before any of it, the program may call privproc.c (a /proc of
 * procsnap's own, in a mount namespace of its own); before collecting,
 * capture.c asks hidden.c what the host's mounts over /proc hide and
 * unlisted.c which processes /proc's listing leaves out.  A network
 * namespace's sockets are read by both views in netview.c and written by
 * record_net.c.
 *
 * The code a process runs (exec_files: its executable and every file it
 * maps executable) is stat'ed and, the first time a file is met, pinned by
 * collect_exec.c; record_exec.c hashes it once per (dev, ino, size, mtime)
 * (exec_hash.c, the cache the lanes and the formatter share) on a thread
 * walked away from when the read stops (exec_read.c).
 *
 * Dependencies run one way, top to bottom: capture.c; host.c; host_files.c,
 * host_pidns.c, selfcheck.c; record_proc.c; record_fd.c, record_ns.c,
 * record_maps.c, record_mem.c, record_net.c, record_exec.c; record_fields.c,
 * recover.c; collect_proc.c; collect_fd.c, collect_ns.c, collect_maps.c,
 * collect_tasks.c, collect_watch.c, collect_mem.c, collect_exec.c;
 * unlisted.c; hidden.c, netview.c; children.c; touch.c; memsel.c;
 * exec_hash.c, exec_read.c; watchdog.c; memread.c; batch.c; threads.c;
 * progress.c; stamp.c; reuse.c (beside recover.c).
 */

#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "buf.h"
#include "capture.h"
#include "content.h"
#include "fsnotify.h"
#include "jsonw.h"
#include "locks.h"
#include "procfs.h"
#include "reuse.h"
#include "sockets.h"
#include "u64map.h"

#define NLANES 2 /* collector() is the one helper */
#define BATCH_FDS 512
#define BATCH_PINS 64
#define QUEUE_BATCHES 4
#define QUEUE_PINS 128

/* The raw files kept per process, in the order they are read (batch.c):
 * stat first, since its start time is the process's identity.  stat,
 * status and cgroup are single_open() seq files (fs/proc/base.c): one
 * read(2) returns them whole.  cmdline and environ are read page by page
 * from the process's memory, maps one page of records per read. */
#define NRAW 7
#define RAW_STAT 0
#define RAW_STATUS 1
#define RAW_CMDLINE 2
#define RAW_MAPS 4
#define RAW_CGROUP 5
/* auxv, last, is read only for a process whose memory is captured (with
 * it, through the watchdog: collect_mem.c), for a core's NT_AUXV. */
#define RAW_AUXV 6
extern const char *const raw_files[NRAW + 1];
extern const unsigned raw_flags[NRAW];
/* raw_files[RISKY_FIRST..+NRISKY): cmdline, environ and maps, which wait
 * on the process's mmap lock: read through the watchdog. */
#define RISKY_FIRST 2
#define NRISKY 3

#define NLINKS 3
extern const char *const link_names[NLINKS]; /* exe, cwd, root */

/* The namespaces recorded per process: one readlink each of ns/NAME
 * (namespaces(7)); net and mnt first, since the collector needs them. */
#define NNS 8
#define NS_NET 0
#define NS_MNT 1
extern const char *const ns_names[NNS];

/* The /proc/PID/net tables read once per network namespace. */
#define NNET 5

/* Bounds per process: the deleted mappings recorded (each a maps line),
 * the distinct files among them pinned, the fd tables of threads. */
#define MAX_MAPS 1024
#define MAX_MAP_PINS 64
#define MAX_TABLES 64
#define MAX_NSPID 32
/* Memory regions recorded per process (--memory full of a process with
 * tens of thousands of mappings must still fit one process.json). */
#define MAX_MEM_REGIONS 4096
/* Captured memory queued to the formatter per lane, beyond one batch. */
#define QUEUE_MEM (64u << 20)

/* ---- what a reader thread reads for its lane (watchdog.c, memread.c) ---- */

/* A run of a memory range: data, or pages that could not be read.  The
 * gaps between runs are pages that are all zeros (holes). */
struct mem_run {
	uint64_t off, len;        /* within the range, page aligned */
	int err;                  /* 0: data, its bytes next in the result's
				   * data; else -errno: not readable */
};

enum wd_kind { WD_FILE, WD_MEM };

/* One read of a request, in the order given. */
struct wd_item {
	enum wd_kind kind;
	const char *name;         /* WD_FILE: under /proc/PID (static storage) */
	size_t max;               /* WD_FILE: bytes kept at most */
	unsigned flags;           /* WD_FILE: procfs_read_append's */
	uint64_t start, end;      /* WD_MEM: the range, page aligned */
	bool anon;                /* WD_MEM: read only the pages pagemap says
				   * are present or swapped; the others of an
				   * anonymous mapping are zeros */
	bool readable;            /* WD_MEM: the mapping has r (else it is read
				   * through /proc/PID/mem, FOLL_FORCE) */
};

/* What one item gave.  Owned by whoever holds it: watchdog_run() swaps
 * the reader's into the caller's. */
struct wd_result {
	int err;                  /* 0, or -errno: nothing usable was read */
	bool truncated;           /* WD_FILE: larger than max */
	struct buf data;          /* WD_FILE: its bytes; WD_MEM: the data runs' */
	struct mem_run *runs;     /* WD_MEM: ascending */
	size_t nruns, caprun;
	uint64_t read;            /* WD_MEM: bytes read from the process */
};

/* A watcher's mark, as met in its inotify or fanotify fd's fdinfo. */
struct touch_mark {
	int pid, fd;
	dev_t dev;                /* INODE and FS marks: sdev as st_dev encodes it */
	struct fsnotify_mark m;
	uint32_t next;            /* the next mark on the same inode: index + 1, or 0 */
};

/* How a watcher sees a file's reads: a mark on the file itself, on its
 * directory, on the mount it is opened through, on its file system. */
enum touch_via { TOUCH_VIA_INODE, TOUCH_VIA_DIR, TOUCH_VIA_MOUNT, TOUCH_VIA_FS };

/* A watcher that sees (or would have seen) procsnap open a file. */
struct touch_seen {
	uint32_t mark;            /* index in touch.marks */
	enum touch_via via;
	bool late;                /* met after the file was read */
};

/* A recovered file, shared by every fd that holds the same (dev, ino).
 * The same record guards a file opened only to hash it (exec_files,
 * record_exec.c): then member is "" and path its name. */
struct stored {
	char member[64];
	bool live;                /* not deleted: its directory is found by its
				   * name as it is, and a directory mark sees
				   * it as a live child */
	char *path;               /* a hashed file's name (malloc'ed), or NULL */
	size_t path_len;
	struct content_result res;
	/* Who would notice it opened (touch.c). */
	uint64_t dev, ino;
	int pid, fd;              /* the first holder met (fd -1: exe or mapping) */
	bool have_parent;         /* its directory, found by the name it had */
	uint64_t pdev, pino;
	int mnt_id;               /* the mount it is opened through, or -1 */
	bool lease_conflict;      /* a lease that an open for reading breaks */
	bool lease_broken;        /* ... opened anyway: --break-leases */
	bool gated;               /* touch.c has looked at it (leases, watchers) */
	bool opened;              /* opened, for its bytes or its seals */
	char why[224];            /* res.why, when touch.c said not to open */
	struct touch_seen *seen;  /* the watchers that see its reads (malloc'ed) */
	size_t nseen, seencap;
	struct stored *sibling;   /* the next stored file of the same directory */
	/* CONTENT_REUSED: where an earlier round of the series stored the
	 * bytes (borrowed from the capture's reuse table). */
	const struct reuse_entry *from;
};

/* Who would notice a read: the leases of /proc/locks and every fsnotify
 * mark met.  Filled before the formatter starts (leases; marks too when
 * every process is scanned first), then the formatter's alone. */
struct touch {
	int locks_err;            /* reading /proc/locks: 0 or -errno */
	struct locks_entry *leases; /* leases and delegations only */
	size_t nleases;
	struct touch_mark *marks; /* every mark met, up to TOUCH_MAX_MARKS */
	size_t nmarks, mcap;
	size_t marks_dropped;     /* beyond TOUCH_MAX_MARKS */
	size_t marks_unread;      /* mark lines unparsed, fdinfo cut at its bound */
	struct u64map inodes;     /* (dev, ino) -> first mark on it (index + 1) */
	uint32_t *global;         /* the marks on mounts, file systems, namespaces */
	size_t nglobal, gcap;
	struct u64map dirs;       /* (dev, dir ino) -> first stored file in it */
	bool scanned;             /* every process's marks read before any file */
	bool locks_read;          /* /proc/locks was read (lazily, once) */
	uint64_t proc_dev;        /* st_dev of the /proc in use: marks there
				   * see the capture's own reads of /proc */
	uint32_t *proc;           /* the marks on it */
	size_t nproc, pcap;
	int scan_err;             /* ... the first error listing processes */
	size_t scan_fds;          /* fds looked at by that scan */
};
#define TOUCH_MAX_MARKS (1u << 18)

/* Something that could not be read: what, and -errno. */
struct item_err {
	const char *what;
	int err;
};

/* Text kept in a batch's arena: the bytes are text.data[off, off+len). */
struct span {
	bool ok;
	size_t off, len;
};

/* What the collector learned about one fd. */
struct fd_item {
	int fd;
	struct span link;     /* readlink of /proc/PID/fd/N */
	struct span info;     /* fdinfo/N */
	bool have_stat;       /* st is the open file's */
	bool memfd_fs;        /* on the kernel's internal shmem/hugetlbfs mount */
	bool shmem_fs;        /* S_ISREG on tmpfs with nlink 0 (fstatfs) */
	long fs_magic;        /* statfs f_type of an anon inode fd, or 0 */
	int tid;              /* 0: the process's table; else the thread's */
	struct stat st;
	struct procfs_btime btime; /* st's birth time, when known */
	int pinfd;            /* a deleted regular file's O_PATH pin, or -1 */
	bool info_truncated;  /* fdinfo was longer than its bound */
	char sockproto[16];   /* a socket's system.sockprotoname, or "" */
	struct item_err errs[4];
	int nerrs;
};

/* A mapping of a deleted file (maps line ends " (deleted)"; decided by
 * st_nlink == 0 of the map_files/START-END link's file). */
struct map_item {
	uint64_t start, end, offset;
	char perms[5];
	struct span path;     /* the maps line's path text */
	int err;              /* -errno of the map_files stat or pin; 0 */
	const char *what;     /* what failed: "map_files" or "map_files-pin" */
	bool have_stat;
	bool memfd_fs, shmem_fs;
	struct stat st;
	struct procfs_btime btime;
	int pinfd;            /* the first mapping of a file pins it; or -1 */
};

/* A file the process runs: its executable, or a file it maps executable
 * (collect_exec.c).  Each (dev, ino) once per process. */
struct exec_item {
	bool exe;             /* the executable; else a mapping */
	struct span path;     /* exe's link, or the maps line's path */
	uint64_t start, end;  /* a mapping: its first executable range */
	uint64_t maps_dev, maps_ino; /* ... the device and inode maps gives */
	bool have_stat;
	struct stat st;       /* stat through map_files (or exe) */
	int err;              /* -errno: the stat or the pin failed */
	const char *what;     /* ... which: "exe", "map_files", "exec-pin" */
	int pinfd;            /* O_PATH pin when this process hashes it, or -1 */
};

/* A thread whose fd table is not the process's (unshare(CLONE_FILES)),
 * with the threads that share it. */
struct fd_table {
	int tid;              /* the first thread met with this table */
	int *tids;            /* every thread sharing it (malloc'ed) */
	size_t ntids, cap;
	int err;              /* -errno: its fd directory could not be listed */
	size_t fd_count;
};

/* A mapping chosen by --memory (collect_mem.c, record_mem.c). */
struct mem_item {
	uint64_t start, end, offset;
	char perms[5];
	bool anon;                /* memsel_anonymous */
	unsigned why;             /* enum memsel_why */
	struct span line;         /* its maps line */
	struct span path;         /* its path in that line */
	uint64_t take;            /* bytes from start read: the bounds' share */
	const char *skip;         /* why [start + take, end) was not read:
				   * "max-process-memory", "max-memory",
				   * "device", "no-vmflags", "--no-content",
				   * "smaps"; NULL when it all was */
	struct wd_result res;     /* what was read of [start, start + take) */
};

/* What the collector learned about a process, apart from its fds. */
struct proc_item {
	int dir_err;              /* -errno: /proc/PID could not be opened;
				   * -EXDEV: it is not PID's (hidden.c) */
	int foreign_pid;          /* its stat or status named this pid */
	struct span raw[NRAW];
	bool raw_truncated[NRAW];
	struct span link[NLINKS];
	struct span io;           /* /proc/PID/io */
	bool exe_have_stat;
	struct stat exe_st;
	struct procfs_btime exe_btime;
	int exe_pin;              /* a deleted exe's O_PATH pin, or -1 */
	bool cwd_have_stat;       /* cwd_st holds stat() of the cwd */
	struct stat cwd_st;
	struct procfs_btime cwd_btime;
	struct span ns[NNS];      /* readlink of ns/NAME */
	uint64_t ns_ino[NNS];     /* ... its inode, 0 when unread */
	struct span mountinfo;    /* read when first in its mount namespace */
	bool mountinfo_truncated;
	bool maps_scanned;        /* deleted mappings were looked for */
	bool mem_looked;          /* mappings were chosen by --memory */
	bool mem_more;            /* ... more than MAX_MEM_REGIONS of them */
	bool execs_scanned;       /* exec_files were looked for */
	bool execs_dropped;       /* ... more than the bound: the rest not */
	int kcmp_err;             /* -errno of the first kcmp refused */
	int kcmp_tid;             /* ... for this thread */
	size_t kcmp_failed;       /* threads whose table is unknown */
	struct item_err errs[16]; /* in the order they happened */
	int nerrs;
};

struct batch {
	struct batch *next;
	int pid;
	bool begin, end;          /* the process's first / last batch */
	struct proc_item proc;    /* when begin */
	size_t fd_count;          /* when end: fds listed */
	struct fd_item *fds;
	size_t nfds, cap;
	struct map_item *maps;    /* when begin: deleted mappings */
	size_t nmaps, mapcap;
	struct fd_table *tables;  /* when begin: threads' own fd tables */
	size_t ntables, tabcap;
	struct mem_item *mems;    /* when begin: memory regions chosen */
	size_t nmems, memcap;
	size_t mem_bytes;         /* memory data held (counted by the queue) */
	struct exec_item *execs;  /* when begin: the files it runs */
	size_t nexecs, execcap;
	size_t npins;
	struct buf text;          /* the bytes read, see struct span */
};

struct reader;
struct exec_cache;
struct hasher;

/* One collector's queue to the formatter, and how it ended. */
struct lane {
	struct batch *head, *tail;
	size_t queued, queued_pins, queued_mem;
	bool done;                /* its collector has stopped */
	int rc;                   /* ... with this, 0 or -errno */
	char err[512];            /* ... and this message */
	struct reader *rd;        /* its reader thread, or NULL (watchdog.c) */
	struct wd_result wres[NRISKY]; /* cmdline, environ, maps, reused */
};

/* A network namespace's sockets through both views (netview.c). */
struct netview {
	struct buf raw[NNET];     /* /proc/net tables, as first read */
	int err[NNET];
	bool truncated[NNET];
	struct sockets socks;     /* both views, merged and compared */
	const char *diag_step;    /* sock_diag not read: the step that failed */
	int diag_err;             /* ... its -errno (0: a choice) */
	int dump_err[NNET];       /* per kind: the dump's -errno */
	bool rechecked;           /* views disagreed: both were read again */
};

/* A network namespace's tables, read once from the first process met in
 * it by either collector, and written by the formatter. */
struct netns {
	bool ready;               /* the collector has read them (nsmu) */
	bool written;             /* formatter: members written */
	struct netview v;
};

/* How a process was hidden from the host's view of /proc (hidden.c). */
#define HID_NOT_LISTED  0x01u /* missing from the listing of /proc */
#define HID_BIND_MOUNT  0x02u /* a mount covers /proc/PID */
#define HID_SHOWS_PID   0x04u /* /proc/PID shows another process */
#define HID_COVERED     0x08u /* a mount covers something under /proc/PID */
#define HID_NO_PROC_DIR 0x10u /* alive (pidfd_open), /proc/PID does not open */
/* In the host's /proc, PID's own files are not there to read. */
#define HID_UNREADABLE (HID_BIND_MOUNT | HID_SHOWS_PID)

struct hidden_proc {
	unsigned ways;
	int shows_pid;            /* HID_SHOWS_PID: the process shown instead */
	const char *found_via;    /* HID_NOT_LISTED: "children", "cgroup",
				   * "probe" or "pid-option" */
};

/* A mount over /proc or under it in the host's namespace. */
struct proc_mount {
	int id, parent;
	char *point, *root, *fstype, *source; /* decoded (one allocation) */
	int pid;                  /* on /proc/PID or under it: PID; else 0 */
	bool on_pid_dir;          /* on /proc/PID itself */
};

/* What the capture knows of hiding; built before the collectors start
 * and read-only while they run. */
struct hidden {
	bool private_proc;        /* reading a proc instance of our own */
	int host_fd;              /* the host's view of /proc (borrowed) */
	struct proc_mount *mounts;
	size_t nmounts;
	int mounts_err;           /* -errno: the host's mountinfo was unread */
	struct u64map procs;      /* pid -> struct hidden_proc */
	/* The search for unlisted pids (unlisted.c), for summary.json. */
	uint64_t children_files, cgroup_files, found[4];
	int cgroup_err;           /* -errno: no cgroup hierarchy was read */
};

/*
 * What the capture has done, for capture_progress (progress.c).  The
 * formatter writes the counters (relaxed atomics: it is their only
 * writer), the file being stored under fmu; the collectors count the
 * files they pin under the capture's mu; the caller's thread reads them
 * all and calls the program's callback.
 */
struct progress {
	_Atomic uint64_t procs_done, fds;
	_Atomic uint64_t bytes_pinned;  /* written under c->mu */
	struct u64map pinned;           /* c->mu: (dev, ino) already counted */
	pthread_mutex_t fmu;
	bool fmu_ready;
	uint64_t bytes_done;            /* fmu: of the files finished */
	uint64_t file_base;             /* fmu: snapwriter_bytes() at its start */
	uint64_t file_size;             /* fmu */
	char file[256];                 /* fmu: "" when none */
	/* The caller's thread only. */
	enum capture_phase phase;
	struct timespec last;
};

struct capture {
	struct capture_opts o;
	struct capture_stats st;  /* counted by the formatter */
	struct snapwriter *w;
	int rootfd;
	int self;                 /* our own pid */
	struct timespec t0, m0;
	uint64_t btime;
	long hz;
	struct netview ownnet;    /* procsnap's own namespace: the formatter's */
	const struct sockets *cur_socks; /* formatter: the process's netns's */
	uint64_t own_net, own_mnt;    /* procsnap's own namespaces, or 0 */
	uint64_t own_pid, proc_pid_ns; /* its pid namespace, the /proc's; or 0 */
	struct host_copies *host_copies; /* host_files.c: read before collecting */
	/* Namespaces met: nsmu guards them; nscv says a netns is ready. */
	pthread_mutex_t nsmu;
	pthread_cond_t nscv;
	bool ns_ready;
	struct u64map netns;      /* net ns inode -> struct netns */
	struct u64map mntns;      /* mnt ns inode -> (void *)1: claimed */
	/* The view of /proc in use (hidepid), found before collecting. */
	char proc_opts[256];      /* its mount's super options */
	bool proc_opts_known;
	struct hidden hid;        /* hidden.c, unlisted.c */
	struct u64map stored;     /* formatter: (dev, ino) -> struct stored */
	struct exec_cache *exec;  /* exec_hash.c: shared, its own mutex */
	struct u64map exec_guards;/* formatter: (dev, ino) -> struct stored of a
				   * file opened only to hash it */
	struct hasher *hasher;    /* formatter: exec_read.c's thread, or NULL */
	int hashers_hung;         /* formatter: hashers walked away from */
	struct touch touch;       /* leases and watchers (touch.c) */
	struct buf json, fds, raw, errbuf, fderr;
	const char *topdir;       /* borrowed during capture_run */
	char err[512];

	/* The formatter's state for the process it is writing. */
	struct jsonw j, errs;
	bool dir_failed, have_stat;
	uint64_t deleted_fds;
	uint64_t deleted_special;  /* deleted fds of other kinds (never opened) */
	uint64_t thread_fds;      /* fds in threads' own tables */
	bool proc_denied;         /* an item of this process was denied */
	bool proc_zombie;         /* state Z or X: its exe, maps, fds are gone */
	int proc_gap;             /* -errno of the first item that leaves this
				   * process unexamined (fds, exe, maps), or 0 */
	time_t tcache_sec;        /* record_time's last second, formatted */
	char tcache[32];

	/* The queues; mu guards what follows. */
	pthread_t thread;         /* the formatter */
	bool started;
	bool mu_ready;            /* mu and the conditions exist */
	pthread_mutex_t mu;
	pthread_cond_t work, space;
	struct lane lanes[NLANES];
	struct batch *spare;      /* free batches, shared */
	const int *pids;          /* the processes, in archive order */
	size_t npids;
	bool abort;               /* drop what is queued */
	bool cstop;               /* a collector failed: the others stop too */
	pthread_t caller;         /* capture_run's thread, where signals land */
	atomic_bool halt;         /* the stop flag, as the helper sees it */
	bool fexited;             /* the formatter has stopped taking batches */
	int wstatus;              /* formatter: its first fatal error */
	struct progress pg;
	atomic_int abandoned;     /* reader threads left blocked in a read */
	size_t page;              /* the host's page size */
	bool pids_ours;           /* the proc root's pids are those of our
				   * own pid namespace (process_vm_readv) */
	_Atomic uint64_t mem_left; /* --max-memory not yet given to a process */
	char werr[512];           /* formatter: its message */
};

/*
 * Sets a message and returns err.  Each thread has its own message:
 * fail() the caller's, wfail() the formatter's (taken by capture_run once
 * the thread is joined), lfail() a collector lane's.
 */
static inline int errf(char *buf, size_t size, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static inline int errf(char *buf, size_t size, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return err;
}
#define fail(c, e, ...) errf((c)->err, sizeof((c)->err), (e), __VA_ARGS__)
#define wfail(c, e, ...) errf((c)->werr, sizeof((c)->werr), (e), __VA_ARGS__)
#define lfail(l, e, ...) errf((l)->err, sizeof((l)->err), (e), __VA_ARGS__)

/* ---- threads.c: starting threads, the stop flag ---- */

/* Starts a thread, with every signal left to the caller's thread. */
int threads_spawn(pthread_t *t, void *(*fn)(void *), void *arg);
/* The stop flag, on any thread (see threads.c). */
bool threads_stopped(struct capture *c);

/* ---- progress.c: what the capture has done, for the program ---- */

void progress_init(struct capture *c);
void progress_free(struct capture *c);
/* Collectors, with c->mu held: counts the files b pinned that no batch
 * pinned before. */
void progress_pins(struct capture *c, const struct batch *b);
/* Formatter: the bytes of the file behind pinfd (size of them to store)
 * begin, and end with `stored` stored. */
void progress_file(struct capture *c, int pinfd, uint64_t size);
void progress_file_done(struct capture *c, uint64_t stored);
/* Formatter: a batch is written (processes and fds so far). */
void progress_formatted(struct capture *c);
/* The caller's thread: calls the program's callback when progress_ms
 * passed since the last call, or now when force. */
void progress_tick(struct capture *c, bool force);

/* ---- batch.c: a batch's arena and the lanes' queues ---- */

/* The bytes of a span ("" when it holds none); borrowed from b. */
const char *batch_text(const struct batch *b, const struct span *sp);
void batch_err(struct item_err *errs, int *n, int max, const char *what, int err);
#define PROC_ERR(p, what, err) \
	batch_err((p)->errs, &(p)->nerrs, (int)(sizeof((p)->errs) / sizeof(*(p)->errs)), what, err)
/* dirfd/name read into the batch's arena; the outcome goes to *sp. */
int batch_keep_file(struct batch *b, int dirfd, const char *name, size_t max,
		    unsigned flags, struct span *sp, bool *truncated);
int batch_keep_link(struct batch *b, int dirfd, const char *name, struct span *sp);
/* An empty batch for pid (the first of its process when begin). */
int batch_get(struct capture *c, int pid, bool begin, struct batch **out);
/* Hands a batch to the formatter (taking it over, also on failure),
 * waiting while the lane's queue is full.  -ECANCELED: the formatter or
 * another collector failed; -EINTR: stopped. */
int batch_send(struct capture *c, struct lane *l, struct batch *b);
/* Waits on c->space, c->mu held, for at most a slice (100 ms). */
void batch_wait_space(struct capture *c);
/* Empties b for reuse, closing the pins it still holds. */
void batch_clear(struct batch *b);
/* Frees a list of batches (NULL is fine). */
void batch_free(struct batch *b);
/* A pid or fd as a file name, without snprintf. */
void batch_decimal(char *out, int num);

/* ---- memread.c: reading a range of a process's memory ---- */

void wd_result_reset(struct wd_result *r);
void wd_result_free(struct wd_result *r);

/* The tools of a reader thread for one process's memory. */
struct memread {
	int pid;
	bool readv;               /* process_vm_readv may name it by pid */
	int dirfd;                /* borrowed: its /proc/PID */
	int pagemap, mem;         /* opened on first need: -1 not yet, -2 failed */
	size_t page;
	char *scratch;            /* MEMREAD_CHUNK bytes, the reader's */
	uint64_t *pm;             /* pagemap entries of a chunk */
};
#define MEMREAD_CHUNK (256u << 10)

void memread_init(struct memread *m, size_t page);
/* A request begins (pid, its directory) or ends (its fds closed). */
void memread_begin(struct memread *m, int pid, int dirfd, bool readv);
void memread_end(struct memread *m);
void memread_free(struct memread *m);
/*
 * it's range into out (reset first): the pages that are not all zeros in
 * out->data, runs of data and of pages that could not be read (each with
 * its errno; the capture goes on past them) in out->runs.  Readable
 * mappings are read with process_vm_readv (which never calls a driver's
 * access hook), others through /proc/PID/mem.  Returns 0, or -ESRCH (the
 * process is gone: what was read may be another's, dropped), -ENOMEM, or
 * another -errno that concerns the whole range (EPERM, EACCES...).
 */
int memread_range(struct memread *m, const struct wd_item *it, struct wd_result *out);

/* ---- netview.c: a network namespace's sockets, by both views ---- */

/*
 * The /proc/net tables under dirfd (the proc root, or /proc/PID), and
 * unless no_diag the sock_diag dumps of the namespace of nsfd (-1: the
 * calling thread's), which must be namespace ino (0: unknown; a kernel
 * procfs is then trusted).  Sockets seen by one view only are read again
 * by both before being flagged.  0, or -ENOMEM; what could not be read is
 * in v.
 */
int netview_read(struct netview *v, int dirfd, int nsfd, uint64_t ino, bool no_diag);
void netview_free(struct netview *v);

/* ---- watchdog.c: the reads that may block, on a reader thread ---- */

/*
 * Runs items[0..n) on the lane's reader thread for the process in piddir
 * (pid), waiting at most read_timeout_ms for all of them.  res[i] (the
 * caller's, initialised) receives item i's outcome: what the reader made
 * is swapped in, so the buffers res[] held go to the reader for reuse.  An
 * item the reader did not finish gets -ETIMEDOUT (the one in progress) or
 * -ECANCELED (not started, or no reader could be had).  Returns 0, or
 * -EINTR (stopped while waiting) / -ENOMEM, which end the capture.
 */
int watchdog_run(struct capture *c, struct lane *l, int piddir, int pid,
		 const struct wd_item *items, size_t n, struct wd_result *res);
/* cmdline, environ and maps of the process in piddir, into
 * p->raw[RISKY_FIRST..] with their errors recorded in order.  Returns 0,
 * or -EINTR (stopped while waiting) / -ENOMEM, which end the capture. */
int watchdog_read(struct capture *c, struct lane *l, struct batch *b, int piddir);
/* The lane's idle reader told to quit, and joined; the lane's buffers
 * freed. */
void watchdog_stop(struct lane *l);

/* ---- the collectors: collect_*.c ---- */

/* One fd table's fds into the batches (a full batch is sent on). */
int collect_fds(struct capture *c, struct lane *l, struct batch **bp, int pid,
		int fddir, int infodir, const int *fds, size_t nfds, int tid);
/* The namespace links, and the tables and mountinfo of namespaces met for
 * the first time. */
void collect_ns(struct batch *b, int piddir);
int collect_netns(struct capture *c, int piddir, int pid, uint64_t ino);
int collect_mntns(struct capture *c, struct batch *b, int piddir, uint64_t ino);
void collect_netns_free(void *p);
/* Mappings of deleted files, from the maps already read. */
int collect_maps(struct batch *b, int piddir);
/* Threads with an fd table of their own. */
int collect_tasks(struct batch *b, int piddir, int pid);
/* The memory regions --memory chooses, read through the watchdog. */
int collect_mem(struct capture *c, struct lane *l, struct batch *b, int piddir);
/* One whole process, into one or more batches sent to the lane. */
int collect_process(struct capture *c, struct lane *l, int pid);

/* Every process's inotify and fanotify marks, before any file is read
 * (--no-touch-watched): into c->touch, c->touch.scanned set. */
void collect_watchers(struct capture *c);

/* ---- touch.c: who would notice a read — leases and fsnotify marks ---- */

/* The /proc in use, whose watchers see the capture itself. */
void touch_start(struct capture *c);
/* The marks in the fdinfo text of pid's inotify or fanotify fd: kept,
 * and matched against the files already read (a watcher met late).
 * Returns 0 or -ENOMEM. */
int touch_add_marks(struct capture *c, int pid, int fd, const char *text, size_t len,
		    bool truncated);
/* The record of such an fd: its marks ("marks"), dev in st_dev's encoding. */
void touch_record_marks(struct jsonw *j, const char *text, size_t len);
/* What content.c asks before it opens a file (see content_guard): the
 * first time, where the file lives is found (touch.c, locate): its
 * directory, by the name the kernel gives it (path: an fd link's, an
 * exe's or a mapping's text), and the mount it is opened through. */
struct touch_ask {
	struct capture *c;
	struct stored *s;         /* s->dev, s->ino, s->pid set */
	int pinfd;
	const char *path;
	size_t path_len;
	int mnt_id;               /* the holder's fd's mount (fdinfo), or -1 */
};
enum content_gate touch_gate(void *ask, const struct stat *st, struct content_result *res);
/* s's file was opened (for its bytes or its seals): indexed by its
 * directory, for the watchers met later (out of memory: counted in
 * marks_unread, since the watchers are then not all known). */
void touch_opened(struct capture *c, struct stored *s);
/* In a content object: leases and the watchers that see its reads. */
void touch_record_content(struct capture *c, struct jsonw *j, const struct stored *s);
/* In an fd record: the marks on the open file itself ("watchers"). */
void touch_record_fd(struct capture *c, struct jsonw *j, const struct stat *st);
/* summary.json: what the leases and watchers changed, and the marks that
 * see a whole mount or file system. */
void touch_summary(struct capture *c, struct jsonw *j);
/* See capture_each_proc_watcher. */
void touch_each_proc(const struct capture *c,
		     void (*fn)(const struct capture_proc_watcher *w, void *arg), void *arg);
/* See capture_each_touch. */
void touch_each(const struct capture *c, void (*fn)(const struct capture_touch *t, void *arg),
		void *arg);
void touch_free(struct touch *t);
/* The watchers of a mark, as text for the stderr summary. */
const char *touch_via_name(enum touch_via via);

/* ---- the formatter: record_*.c, recover.c ---- */

/* Counts an item that could not be read, and records it in errs[] (when
 * errs is not NULL). */
void record_error(struct capture *c, struct jsonw *errs, const char *what, int err);
/* An error of the process being recorded (table: of a thread's own fd
 * table) that may leave its exe, fds or maps unexamined; noted in
 * c->proc_gap.  record_gap_count() counts the process at its end. */
void record_gap(struct capture *c, const char *what, int err, bool table);
void record_gap_count(struct capture *c, bool vanished);
void record_time(struct capture *c, struct jsonw *j, const char *key,
		 const struct timespec *ts);
/* "stat": st's fields and times; "btime" only when bt says it is known. */
void record_stat(struct capture *c, struct jsonw *j, const struct stat *st,
		 const struct procfs_btime *bt);
void record_content(struct capture *c, struct jsonw *j, const struct stored *s);
void record_argv(struct jsonw *j, const char *s, size_t n);
/* The kind of a file on the kernel's internal shmem mount, or NULL. */
const char *record_shmem_kind(const char *target, size_t n, bool memfd);

/* The bytes of a deleted regular file, stored once per (dev, ino).
 * Returns the record (borrowed from c->stored), or NULL with *rc set when
 * the archive itself failed. */
struct recover_src {
	int pinfd;                /* the O_PATH pin, or -1 */
	const struct stat *st;    /* the pin's fstat */
	int pid, fd;              /* who holds it (fd -1: exe, mapping) */
	const char *path;         /* the name the kernel gives it, for its directory */
	size_t path_len;
	int mnt_id;               /* the holder's fdinfo mnt_id, or -1 */
};
struct stored *recover_file(struct capture *c, const struct recover_src *src, int *rc);
/* A memfd's seals, through the same guard as its bytes: 0, -ECANCELED
 * (not opened: a lease or a watcher, see s's content), or -errno. */
int recover_seals(struct capture *c, struct stored *s, const struct recover_src *src,
		  int *seals);
void recover_free(void *p);

int record_fd(struct capture *c, struct batch *b, struct fd_item *it);
int record_namespaces(struct capture *c, struct batch *b, bool have_status);
int record_maps(struct capture *c, struct batch *b);
/* The memory regions: members proc/PID/mem/START-END and "memory". */
int record_mem(struct capture *c, struct batch *b);
void record_tables(struct capture *c, struct batch *b);
/* One batch: a process's first (its record opens), its fds, its last
 * (fds.jsonl and process.json written). */
int record_batch(struct capture *c, struct batch *b);

/* ---- exec_files: the code a process runs, hashed once a file ---- */

/* What is known of one file (dev, ino, size, mtime) that runs. */
struct exec_result {
	char sha256[DIGEST_HEX_LEN + 1]; /* "" when not hashed */
	const char *unhashed;     /* else why: "too-large", "denied", "vanished",
				   * "io-error", "timed-out", "skipped", "changed" */
	int err;                  /* -errno, or 0 */
	const char *reason;       /* more words, or NULL (static, or the guard's
				   * why: lives as long as the capture) */
	struct stored *guard;     /* who would notice it opened, or NULL */
};

/* exec_hash.c: the cache, by (dev, ino, size, mtime), shared by the lanes
 * (which claim a file the first time they meet it, and pin it) and the
 * formatter (which hashes what a process claimed, in pid order).  The
 * formatter takes processes in ascending pid order, so a file claimed by
 * a lower pid is known by the time a higher pid is written. */
int exec_cache_new(struct capture *c);
void exec_cache_free(struct exec_cache *x);
/* Whether process pid must pin st's file for it to be hashed: no one met
 * it yet, or only higher pids did. */
bool exec_cache_wanted(struct exec_cache *x, const struct stat *st, int pid);
/* pid holds a pin of st's file: 1 claimed (keep the pin), 0 a lower pid
 * claimed it meanwhile (close it), or -ENOMEM. */
int exec_cache_claim(struct exec_cache *x, const struct stat *st, int pid);
/* The formatter: the result known for st's file, copied into *out. */
bool exec_cache_get(struct exec_cache *x, const struct stat *st, struct exec_result *out);
/* The formatter: st's file's result (1 when it was new, for the counts),
 * or -ENOMEM. */
int exec_cache_set(struct exec_cache *x, const struct stat *st, const struct exec_result *res);

/* exec_read.c: the file behind pinfd (borrowed) opened as gate says
 * (content_open) and hashed whole, on a thread of the formatter's that is
 * walked away from when the open or a read makes no progress for
 * read_timeout_ms (a hung NFS or FUSE server).  key is its stat when met:
 * its size is read, and a size or mtime that moves makes it "changed".
 * 0 with *out, or -EINTR (the capture was stopped) / -ENOMEM, which end
 * the capture. */
struct hash_read {
	char sha256[DIGEST_HEX_LEN + 1]; /* set when read whole, unchanged */
	uint64_t bytes;           /* read */
	int err;                  /* -errno of the open or a read; -ETIMEDOUT
				   * walked away; -ECANCELED too many hung */
	bool short_read;          /* end of file before its size */
	bool changed;             /* size or mtime moved */
	bool opened;              /* opened (or may have been: walked away) */
};
int exec_read(struct capture *c, int pinfd, enum content_gate gate, const struct stat *key,
	      struct hash_read *out);
/* The idle hasher told to quit, and joined. */
void exec_read_stop(struct capture *c);

/* collect_exec.c: the executable and every file mapped executable, from
 * the maps already read: stat'ed, and pinned when this process is the
 * first (lowest pid) to meet them.  0, or -ENOMEM. */
int collect_exec(struct capture *c, struct batch *b, int piddir);

/* record_exec.c: process.json "exec_files", hashing what this process
 * pinned.  0, or -errno when the capture must end. */
int record_exec(struct capture *c, struct batch *b);

/* ---- hidden.c, unlisted.c: what was hidden from the host's /proc ---- */

/* The host's mounts over /proc, and what they hide, into c->hid; before
 * the collectors start. */
int hidden_mounts(struct capture *c);
/* Adds ways (and the pid shown / how found, when given) to pid's record. */
int hidden_mark(struct capture *c, int pid, unsigned ways, int shows_pid,
		const char *found_via);
/* pid's record, or NULL: nothing hidden known. */
const struct hidden_proc *hidden_get(const struct capture *c, int pid);
/* host.json: "private_proc" and "proc_mounts". */
void hidden_record_host(struct capture *c, struct jsonw *j);
/* process.json: "hidden", "found_via", "hidden_mounts", counted. */
void hidden_record_proc(struct capture *c, struct batch *b);
void hidden_free(struct hidden *h);

/* Pids reachable but missing from the sorted list (*pids, *n), found
 * through task/ * /children, cgroup.procs and the probe: added to the list
 * (kept sorted) and marked HID_NOT_LISTED. */
int unlisted_find(struct capture *c, uint64_t listed_at, int **pids, size_t *n);
/* Now, in clock ticks after boot (stat's start_ticks): taken before the
 * listing, so that a process born meanwhile is not flagged. */
uint64_t unlisted_clock(const struct capture *c);
/* -p pids that exist but are missing from the listing: marked. */
int unlisted_check_given(struct capture *c, const int *pids, size_t n);

/* ---- children.c: --children ---- */

/* The descendants of the pids in *pids (malloc'ed; replaced), added
 * after them, each once: from task/ * /children, or every process's
 * parent where the kernel has no such file.  0 or -ENOMEM (said). */
int children_add(struct capture *c, int **pids, size_t *n);

/* ---- record_net.c: a network namespace's members ---- */

/* Its raw tables and the sockets one view hid (host/net/[INO/]...), each
 * listed in list when not NULL; what was not read goes to errs (NULL:
 * counted only).  ino 0: procsnap's own namespace.  The raw tables are
 * freed once written. */
int record_netview(struct capture *c, struct netview *v, uint64_t ino, struct jsonw *list,
		   struct jsonw *errs);
/* host.json's "sock_diag": how procsnap's own namespace was read. */
void record_netview_status(struct jsonw *j, const struct netview *v);

/* ---- host.c: what the capture says about the host ---- */

/* procsnap's own namespace inode of this kind, or 0. */
uint64_t host_own_ns(struct capture *c, const char *name);
/* The view of /proc in use (hidepid), into c->proc_opts and c->st. */
void host_proc_view(struct capture *c);
/* format.json, host.json, the host's network tables and host files. */
int host_record(struct capture *c, const char *topdir);
/* summary.json. */
int host_summary(struct capture *c);

/* ---- host_files.c: raw copies of host files (/etc/ld.so.preload...) ---- */

/* Reads them, before any collector starts (so /proc/self/mounts is the
 * mount namespace procsnap was started in).  0, or -ENOMEM (said). */
int host_files_read(struct capture *c);
/* Their members, and host.json's "host_files" list.  0 or -errno (said). */
int host_files_record(struct capture *c, struct jsonw *j);
void host_files_free(struct host_copies *h);

/* ---- host_pidns.c: pid namespaces, and which pid is procsnap ---- */

/* c->self, c->own_pid, c->proc_pid_ns and their stats, from the proc root. */
void host_pidns_probe(struct capture *c);
/* host.json's "proc_pid", "pid_ns_initial", "proc_pid_ns". */
void host_pidns_json(struct capture *c, struct jsonw *j);

#endif
