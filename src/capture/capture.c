/* capture: walking /proc and writing one snapshot archive. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <linux/kcmp.h>
#include <unistd.h>

#include "buf.h"
#include "capture.h"
#include "content.h"
#include "escape.h"
#include "jsonw.h"
#include "parse.h"
#include "procfs.h"
#include "sockets.h"
#include "u64map.h"

/*
 * The work is split by kind.  Collectors only make the system calls on
 * /proc and keep the bytes they get, in batches; the formatter thread
 * parses them, writes the JSON, recovers deleted files and feeds the
 * archive (whose compression runs on a thread of its own, see
 * snapwriter.c).  So a capture takes about as long as the /proc reads
 * alone: the rest happens on another core meanwhile.
 *
 * Reading /proc scales with cores (it takes no lock two processes share),
 * so the collection itself runs in NLANES lanes: the caller's thread takes
 * processes 0, 2, 4... of the list and a helper thread 1, 3, 5...  The
 * formatter takes whole processes from the lanes in turn, so the archive
 * keeps its order.
 *
 * A process goes over as one or more batches, in order: the first holds
 * its raw files, links and errors, each holds up to BATCH_FDS of its fds,
 * the last says the fd table is done.  Each lane's queue is bounded in
 * batches and in pinned files (each an open fd of ours until recovered).
 */
#define NLANES 2 /* collector() is the one helper */
#define BATCH_FDS 512
#define BATCH_PINS 64
#define QUEUE_BATCHES 4
#define QUEUE_PINS 128

/* PF_KTHREAD in the flags field of /proc/PID/stat (include/linux/sched.h). */
#define PF_KTHREAD 0x00200000UL

/* The raw files kept per process, in the order they are read: stat first,
 * since its start time is the process's identity. */
static const char *const raw_files[] = {
	"stat", "status", "cmdline", "environ", "maps", "cgroup", NULL,
};
#define NRAW 6
/* stat, status and cgroup are single_open() seq files (fs/proc/base.c):
 * one read(2) returns them whole.  cmdline and environ are read page by
 * page from the process's memory, maps one page of records per read. */
static const unsigned raw_flags[NRAW] = {
	PROCFS_ONE_SHOT, PROCFS_ONE_SHOT, 0, 0, 0, PROCFS_ONE_SHOT,
};
static const char *const link_names[] = { "exe", "cwd", "root" };
#define NLINKS 3

/* The namespaces recorded per process: one readlink each of ns/NAME
 * (namespaces(7)); net and mnt first, since the collector needs them. */
static const char *const ns_names[] = {
	"net", "mnt", "pid", "user", "uts", "ipc", "cgroup", "time",
};
#define NNS 8
#define NS_NET 0
#define NS_MNT 1

/* The /proc/PID/net tables read once per network namespace. */
#define NNET 5

/* Bounds per process: the deleted mappings recorded (each a maps line),
 * the distinct files among them pinned, the fd tables of threads. */
#define MAX_MAPS 1024
#define MAX_MAP_PINS 64
#define MAX_TABLES 64
#define MAX_NSPID 32

/* fs magics not in every linux/magic.h: pidfs (Linux 6.9) and the anon
 * inode file system. */
#ifndef PIDFS_MAGIC
#define PIDFS_MAGIC 0x50494446
#endif
#ifndef ANON_INODE_FS_MAGIC
#define ANON_INODE_FS_MAGIC 0x09041934
#endif
/* __O_TMPFILE: open(2) keeps it in f_flags, which fdinfo shows. */
#define O_TMPFILE_BIT 020000000

/* A recovered file, shared by every fd that holds the same (dev, ino). */
struct stored {
	char member[64];
	struct content_result res;
};

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
	int pinfd;            /* a deleted regular file's O_PATH pin, or -1 */
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
	int pinfd;            /* the first mapping of a file pins it; or -1 */
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

/* What the collector learned about a process, apart from its fds. */
struct proc_item {
	int dir_err;              /* -errno: /proc/PID could not be opened */
	struct span raw[NRAW];
	bool raw_truncated[NRAW];
	struct span link[NLINKS];
	bool exe_have_stat;
	struct stat exe_st;
	int exe_pin;              /* a deleted exe's O_PATH pin, or -1 */
	struct span ns[NNS];      /* readlink of ns/NAME */
	uint64_t ns_ino[NNS];     /* ... its inode, 0 when unread */
	struct span mountinfo;    /* read when first in its mount namespace */
	bool mountinfo_truncated;
	bool maps_scanned;        /* deleted mappings were looked for */
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
	size_t npins;
	struct buf text;          /* the bytes read, see struct span */
};

/* One collector's queue to the formatter, and how it ended. */
struct lane {
	struct batch *head, *tail;
	size_t queued, queued_pins;
	bool done;                /* its collector has stopped */
	int rc;                   /* ... with this, 0 or -errno */
	char err[512];            /* ... and this message */
	struct reader *rd;        /* its reader thread, or NULL (see risky_reads) */
};

/* A network namespace's tables, read once from the first process met in
 * it by either collector, and parsed by the formatter. */
struct netns {
	bool ready;               /* the collector has read them (nsmu) */
	bool written;             /* formatter: members written, parsed */
	struct buf raw[NNET];
	int err[NNET];
	bool truncated[NNET];
	struct sockets socks;
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
	struct sockets socks;     /* read-only once the formatter runs */
	const struct sockets *cur_socks; /* formatter: the process's netns's */
	uint64_t own_net, own_mnt;    /* procsnap's own namespaces, or 0 */
	/* Namespaces met: nsmu guards them; nscv says a netns is ready. */
	pthread_mutex_t nsmu;
	pthread_cond_t nscv;
	bool ns_ready;
	struct u64map netns;      /* net ns inode -> struct netns */
	struct u64map mntns;      /* mnt ns inode -> (void *)1: claimed */
	/* The view of /proc in use (hidepid), found before collecting. */
	char proc_opts[256];      /* its mount's super options */
	bool proc_opts_known;
	struct u64map stored;     /* formatter: (dev, ino) -> struct stored */
	struct buf json, fds, raw, errbuf, fderr;
	const char *topdir;       /* borrowed during capture_run */
	char err[512];

	/* The formatter's state for the process it is writing. */
	struct jsonw j, errs;
	bool dir_failed, have_stat;
	uint64_t deleted_fds;
	uint64_t thread_fds;      /* fds in threads' own tables */
	bool proc_denied;         /* an item of this process was denied */
	time_t tcache_sec;        /* put_time's last second, formatted */
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
	atomic_int abandoned;     /* reader threads left blocked in a read */
	char werr[512];           /* formatter: its message */
};

/*
 * Sets a message and returns err.  Each thread has its own message:
 * fail() the caller's, wfail() the formatter's (taken by capture_run once
 * the thread is joined), lfail() a collector lane's.
 */
static int errf(char *buf, size_t size, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int errf(char *buf, size_t size, int err, const char *fmt, ...)
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

int capture_new(struct capture **out, const struct capture_opts *opts)
{
	struct capture *c = calloc(1, sizeof(*c));

	*out = c;
	if (!c)
		return -ENOMEM;
	c->o = *opts;
	if (!c->o.proc_root)
		c->o.proc_root = "/proc";
	if (!c->o.max_file_size)
		c->o.max_file_size = CAPTURE_DEFAULT_MAX_FILE;
	if (!c->o.read_timeout_ms)
		c->o.read_timeout_ms = CAPTURE_DEFAULT_READ_TIMEOUT_MS;
	atomic_init(&c->abandoned, 0);
	c->rootfd = -1;
	atomic_init(&c->halt, false);
	c->self = getpid();
	c->tcache_sec = -1;
	c->hz = sysconf(_SC_CLK_TCK);
	if (c->hz <= 0)
		c->hz = 100;
	return 0;
}

void capture_utc(char *out, size_t n, time_t t, long nsec)
{
	struct tm tm;
	char s[32];

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	if (nsec >= 0)
		snprintf(out, n, "%s.%09ldZ", s, nsec);
	else
		snprintf(out, n, "%sZ", s);
}

void capture_basename(char *out, size_t n, const char *host, time_t t)
{
	char h[65], ts[32];
	struct tm tm;
	size_t i;

	snprintf(h, sizeof(h), "%s", host && *host ? host : "unknown");
	for (i = 0; h[i]; i++) {
		char ch = h[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_'))
			h[i] = '_';
	}
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(out, n, "procsnap-%s-%s", h, ts);
}

/*
 * The stop flag is set by a signal handler on the caller's thread, and a
 * volatile sig_atomic_t is only meant to be read there: that thread passes
 * it on to the helper collector through an atomic.
 */
static bool stopped(struct capture *c)
{
	if (!pthread_equal(pthread_self(), c->caller))
		return atomic_load(&c->halt);
	if (c->o.stop && *c->o.stop) {
		atomic_store(&c->halt, true);
		return true;
	}
	return false;
}

/* Counts an item that could not be read, and records it in errors[]. */
static void note_error(struct capture *c, struct jsonw *errs, const char *what,
		       int err)
{
	int e = err < 0 ? -err : err;

	if (e == EACCES || e == EPERM) {
		c->st.denied++;
		c->proc_denied = true;
	}
	else if (e == ENOENT || e == ESRCH)
		c->st.vanished_items++;
	else if (e == ETIMEDOUT)
		c->st.read_timeouts++;
	else
		c->st.other_errors++;
	if (!errs)
		return;
	jsonw_open(errs, NULL);
	jsonw_str(errs, "what", what);
	jsonw_str(errs, "errno", procfs_errname(err));
	jsonw_str(errs, "reason", procfs_reason(err));
	jsonw_close(errs);
}

/* Like capture_utc(), with the date of the last second kept: an fd's
 * three times, and most files' times, fall in few distinct seconds. */
static void put_time(struct capture *c, struct jsonw *j, const char *key,
		     const struct timespec *ts)
{
	char s[48];
	long ns = ts->tv_nsec;
	size_t n;
	int i;

	if (ns < 0 || ns > 999999999) {
		capture_utc(s, sizeof(s), ts->tv_sec, ns);
		jsonw_str(j, key, s);
		return;
	}
	if (ts->tv_sec != c->tcache_sec) {
		struct tm tm;

		gmtime_r(&ts->tv_sec, &tm);
		strftime(c->tcache, sizeof(c->tcache), "%Y-%m-%dT%H:%M:%S", &tm);
		c->tcache_sec = ts->tv_sec;
	}
	/* Digits and punctuation only: written as they are, in quotes. */
	n = strlen(c->tcache);
	s[0] = '"';
	memcpy(s + 1, c->tcache, n);
	s[n + 1] = '.';
	for (i = 9; i >= 1; i--, ns /= 10)
		s[n + 1 + (size_t)i] = (char)('0' + ns % 10);
	s[n + 11] = 'Z';
	s[n + 12] = '"';
	jsonw_raw(j, key, s, n + 13);
}

static void put_stat(struct capture *c, struct jsonw *j, const struct stat *st)
{
	jsonw_open(j, "stat");
	jsonw_uint(j, "dev", (uint64_t)st->st_dev);
	jsonw_uint(j, "ino", (uint64_t)st->st_ino);
	jsonw_uint(j, "mode", (uint64_t)st->st_mode);
	jsonw_uint(j, "nlink", (uint64_t)st->st_nlink);
	jsonw_uint(j, "uid", (uint64_t)st->st_uid);
	jsonw_uint(j, "gid", (uint64_t)st->st_gid);
	jsonw_int(j, "size", (int64_t)st->st_size);
	jsonw_int(j, "blocks", (int64_t)st->st_blocks);
	jsonw_uint(j, "rdev", (uint64_t)st->st_rdev);
	put_time(c, j, "atime", &st->st_atim);
	put_time(c, j, "mtime", &st->st_mtim);
	put_time(c, j, "ctime", &st->st_ctim);
	jsonw_close(j);
}

static void put_content(struct jsonw *j, const struct stored *s)
{
	const struct content_result *r = &s->res;

	jsonw_open(j, "content");
	jsonw_str(j, "status", content_status_name(r->status));
	if (r->sha256[0]) { /* a member was stored */
		jsonw_str(j, "member", s->member);
		jsonw_str(j, "sha256", r->sha256);
		jsonw_uint(j, "stored", r->stored);
		jsonw_uint(j, "read", r->read);
		jsonw_uint(j, "data", r->data);
		jsonw_bool(j, "sparse", r->sparse);
	}
	jsonw_uint(j, "size", r->size);
	jsonw_bool(j, "changed", r->changed);
	if (r->why)
		jsonw_str(j, "reason", r->why);
	if (r->err)
		jsonw_str(j, "errno", procfs_errname(r->err));
	jsonw_close(j);
}

static void free_stored(void *p)
{
	free(p);
}

static void free_netns(void *p)
{
	struct netns *ns = p;
	int i;

	for (i = 0; i < NNET; i++)
		buf_free(&ns->raw[i]);
	sockets_free(&ns->socks);
	free(ns);
}

/*
 * The bytes of a deleted regular file, stored once per (dev, ino) however
 * many fds or processes hold it.  Returns the record (borrowed from the
 * table), or NULL with *rc set when the archive itself failed.
 */
static const struct stored *recover(struct capture *c, int pinfd,
				    const struct stat *st, int *rc)
{
	struct stored *s = u64map_get(&c->stored, st->st_dev, st->st_ino);

	*rc = 0;
	if (s)
		return s;
	s = calloc(1, sizeof(*s));
	if (!s) {
		*rc = wfail(c, -ENOMEM, "out of memory");
		return NULL;
	}
	snprintf(s->member, sizeof(s->member), "content/%llu-%llu",
		 (unsigned long long)st->st_dev, (unsigned long long)st->st_ino);
	if (c->o.no_content) {
		s->res.status = CONTENT_SKIPPED;
		s->res.size = (uint64_t)st->st_size;
		s->res.why = "--no-content";
	} else {
		*rc = content_capture(c->w, pinfd, st, c->o.max_file_size,
				      s->member, &s->res);
		if (*rc) {
			wfail(c, *rc, "%s", snapwriter_error(c->w));
			free(s);
			return NULL;
		}
		switch (s->res.status) {
		case CONTENT_CAPTURED: c->st.recovered++; break;
		case CONTENT_TRUNCATED: c->st.recovered++; c->st.truncated++; break;
		case CONTENT_SHRUNK: c->st.recovered++; c->st.shrunk++; break;
		case CONTENT_FAILED: c->st.failed++; break;
		default: break;
		}
		if (s->res.changed)
			c->st.changed++;
		c->st.content_bytes += s->res.stored;
	}
	*rc = u64map_put(&c->stored, st->st_dev, st->st_ino, s);
	if (*rc) {
		free(s);
		wfail(c, *rc, "out of memory");
		return NULL;
	}
	return s;
}

/*
 * The kind of an open file, from its stat (and fstatfs for memfd), never
 * from the link text alone: a path may contain " (deleted)" or "socket:".
 * Link text is used only for the kernel's own pseudo-names, which never
 * begin with '/'.
 */
static const char *fd_type(const struct fd_item *it, enum parse_link_kind lk)
{
	if (lk == PARSE_LINK_ANON)
		return "anon";
	if (!it->have_stat)
		return lk == PARSE_LINK_SOCKET ? "socket" : lk == PARSE_LINK_PIPE ? "pipe"
										 : "unknown";
	switch (it->st.st_mode & S_IFMT) {
	case S_IFREG: return it->memfd_fs ? "memfd" : "file";
	case S_IFDIR: return "dir";
	case S_IFSOCK: return "socket";
	case S_IFIFO: return lk == PARSE_LINK_PIPE ? "pipe" : "fifo";
	case S_IFCHR: return "chr";
	case S_IFBLK: return "blk";
	case S_IFLNK: return "link";
	case 0: return lk == PARSE_LINK_OTHER ? "other" : "anon";
	}
	return "unknown";
}

/* ---- the collector: system calls on /proc, nothing else ---- */

static void item_err(struct item_err *errs, int *n, int max, const char *what, int err)
{
	if (*n < max) {
		errs[*n].what = what;
		errs[*n].err = err;
		(*n)++;
	}
}

#define PROC_ERR(p, what, err) \
	item_err((p)->errs, &(p)->nerrs, (int)(sizeof((p)->errs) / sizeof(*(p)->errs)), what, err)

/* Reads dirfd/name into the batch's arena; the outcome goes to *sp. */
static int keep_file(struct batch *b, int dirfd, const char *name, size_t max,
		     unsigned flags, struct span *sp, bool *truncated)
{
	size_t off = b->text.len;
	int r = procfs_read_append(dirfd, name, max, flags, &b->text, truncated);

	sp->ok = r == 0;
	sp->off = off;
	sp->len = r ? 0 : b->text.len - off;
	return r;
}

static int keep_link(struct batch *b, int dirfd, const char *name, struct span *sp)
{
	size_t off = b->text.len;
	int r = procfs_readlink_append(dirfd, name, &b->text);

	sp->ok = r == 0;
	sp->off = off;
	sp->len = r ? 0 : b->text.len - off;
	return r;
}

/* ---- risky reads: cmdline, environ and maps, on a reader thread ----
 *
 * Reading cmdline and environ takes the target's mmap lock and reads its
 * memory (access_remote_vm), maps takes the lock too (on kernels before
 * the per-VMA maps reader).  A process whose lock is held by a task stuck
 * in a hung NFS/FUSE fault, with a writer queued behind it, makes that
 * read wait for as long as the fault does, and the wait is killable, not
 * interruptible: no signal short of SIGKILL ends it, so it cannot be
 * cancelled.  It is walked away from instead: each lane hands the three
 * files of a process to its reader thread in one request (one hand-off
 * per process, see docs/PERFORMANCE.md) and waits for at most
 * read_timeout_ms.  On timeout the reader is abandoned: detached, left
 * blocked, and whichever of the two lets go of it last frees it (refs,
 * under its mutex); it owns its dup of the process's directory and its
 * buffers, so nothing of the lane's is touched after.  The file that
 * timed out is recorded ETIMEDOUT, the ones after it ECANCELED (they
 * would wait on the same lock), and the next process gets a new reader.
 * At most MAX_ABANDONED are left; past that no risky file is read, each
 * recorded ECANCELED.  Abandoned threads die with us: exit_group() sends
 * them SIGKILL, which ends a killable wait (it-hang checks that procsnap
 * exits).
 */
#define RISKY_FIRST 2 /* raw_files[2..4]: cmdline, environ, maps */
#define NRISKY 3
#define MAX_ABANDONED 16
#define WAIT_SLICE_MS 200 /* how often a waiting lane looks at the stop flag */

enum reader_state { RD_IDLE, RD_WORK, RD_DONE, RD_QUIT };

struct reader {
	pthread_mutex_t mu;
	pthread_cond_t cv;            /* CLOCK_MONOTONIC; state changes */
	pthread_t thread;
	int refs;                     /* the thread's and the lane's (mu) */
	enum reader_state state;      /* mu */
	bool abandoned;               /* mu: the lane walked away */
	int dirfd;                    /* the request's own dup, the thread closes it */
	int cur;                      /* mu: files finished of this request */
	/* Written by the thread for files >= cur, read by the lane for
	 * files < cur (published through mu). */
	struct buf text[NRISKY];
	int err[NRISKY];
	bool truncated[NRISKY];
};

/* Drops a reference; called with mu held, returns with it released. */
static void reader_unref(struct reader *rd)
{
	bool last = --rd->refs == 0;
	size_t i;

	pthread_mutex_unlock(&rd->mu);
	if (!last)
		return;
	pthread_mutex_destroy(&rd->mu);
	pthread_cond_destroy(&rd->cv);
	for (i = 0; i < NRISKY; i++)
		buf_free(&rd->text[i]);
	free(rd);
}

static void *reader_main(void *arg)
{
	struct reader *rd = arg;
	size_t i;

	pthread_setname_np(pthread_self(), "procsnap-read");
	pthread_mutex_lock(&rd->mu);
	for (;;) {
		int dirfd;
		bool gone = false;

		while (rd->state == RD_IDLE || rd->state == RD_DONE)
			pthread_cond_wait(&rd->cv, &rd->mu);
		if (rd->state == RD_QUIT)
			break;
		dirfd = rd->dirfd;
		pthread_mutex_unlock(&rd->mu);
		for (i = 0; i < NRISKY && !gone; i++) {
			bool tr = false;
			int r;

			buf_reset(&rd->text[i]);
			r = procfs_read_append(dirfd, raw_files[RISKY_FIRST + i], CAPTURE_MAX_RAW,
					       raw_flags[RISKY_FIRST + i], &rd->text[i], &tr);
			if (!r && buf_error(&rd->text[i]))
				r = -ENOMEM;
			pthread_mutex_lock(&rd->mu);
			rd->err[i] = r;
			rd->truncated[i] = tr;
			rd->cur = (int)i + 1;
			gone = rd->abandoned;
			pthread_mutex_unlock(&rd->mu);
		}
		close(dirfd);
		pthread_mutex_lock(&rd->mu);
		rd->dirfd = -1;
		if (rd->abandoned)
			break;
		rd->state = RD_DONE;
		pthread_cond_signal(&rd->cv);
	}
	reader_unref(rd);
	return NULL;
}

static int spawn(pthread_t *t, void *(*fn)(void *), void *arg);

static int reader_new(struct reader **out)
{
	struct reader *rd = calloc(1, sizeof(*rd));
	pthread_condattr_t ca;
	int r;

	*out = NULL;
	if (!rd)
		return -ENOMEM;
	pthread_mutex_init(&rd->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&rd->cv, &ca);
	pthread_condattr_destroy(&ca);
	rd->dirfd = -1;
	rd->refs = 2;
	r = spawn(&rd->thread, reader_main, rd);
	if (r) {
		pthread_mutex_destroy(&rd->mu);
		pthread_cond_destroy(&rd->cv);
		free(rd);
		return r;
	}
	*out = rd;
	return 0;
}

/* The lane's idle reader told to quit, and joined. */
static void reader_stop(struct lane *l)
{
	struct reader *rd = l->rd;
	pthread_t t;

	if (!rd)
		return;
	l->rd = NULL;
	pthread_mutex_lock(&rd->mu);
	rd->state = RD_QUIT;
	t = rd->thread;
	pthread_cond_signal(&rd->cv);
	reader_unref(rd);
	pthread_join(t, NULL);
}

static void ts_add_ms(struct timespec *t, long ms)
{
	t->tv_sec += ms / 1000;
	t->tv_nsec += (ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

static bool ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/*
 * cmdline, environ and maps of the process in piddir, into p->raw[2..4]
 * with their errors recorded in order.  Returns 0, or -EINTR (stopped
 * while waiting) / -ENOMEM, which end the capture.
 */
static int risky_reads(struct capture *c, struct lane *l, struct batch *b, int piddir)
{
	struct proc_item *p = &b->proc;
	struct reader *rd;
	struct timespec deadline, now, until;
	int errs[NRISKY], done = 0, r, fd;
	bool timed_out = false, interrupted = false;
	size_t i;

	for (i = 0; i < NRISKY; i++)
		errs[i] = -ECANCELED;
	if (!l->rd && atomic_load(&c->abandoned) < MAX_ABANDONED &&
	    (r = reader_new(&l->rd)) != 0 && r == -ENOMEM)
		return r;
	rd = l->rd;
	if (!rd)
		goto record; /* too many readers left blocked, or none could start */
	fd = fcntl(piddir, F_DUPFD_CLOEXEC, 0);
	if (fd < 0) {
		for (i = 0; i < NRISKY; i++)
			errs[i] = -errno;
		goto record;
	}
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	ts_add_ms(&deadline, c->o.read_timeout_ms);
	pthread_mutex_lock(&rd->mu);
	rd->dirfd = fd;
	rd->cur = 0;
	rd->state = RD_WORK;
	pthread_cond_signal(&rd->cv);
	while (rd->state != RD_DONE) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!ts_before(&now, &deadline)) {
			timed_out = true;
			break;
		}
		if (stopped(c)) {
			interrupted = true;
			break;
		}
		until = now;
		ts_add_ms(&until, WAIT_SLICE_MS);
		if (ts_before(&deadline, &until))
			until = deadline;
		pthread_cond_timedwait(&rd->cv, &rd->mu, &until);
	}
	done = rd->cur;
	for (i = 0; i < (size_t)done; i++) {
		struct span *sp = &p->raw[RISKY_FIRST + i];

		errs[i] = rd->err[i];
		if (errs[i])
			continue;
		sp->off = b->text.len;
		if (buf_append(&b->text, rd->text[i].data, rd->text[i].len)) {
			errs[i] = -ENOMEM;
			continue;
		}
		sp->ok = true;
		sp->len = rd->text[i].len;
		p->raw_truncated[RISKY_FIRST + i] = rd->truncated[i];
	}
	if (rd->state == RD_DONE) {
		rd->state = RD_IDLE;
		pthread_mutex_unlock(&rd->mu);
	} else {
		/* Walked away from: see the comment above. */
		rd->abandoned = true;
		pthread_detach(rd->thread);
		l->rd = NULL;
		atomic_fetch_add(&c->abandoned, 1);
		reader_unref(rd);
		if (done < NRISKY)
			errs[done] = timed_out ? -ETIMEDOUT : -EINTR;
	}
	if (interrupted)
		return lfail(l, -EINTR, "interrupted");
record:
	for (i = 0; i < NRISKY; i++)
		if (errs[i])
			PROC_ERR(p, raw_files[RISKY_FIRST + i], errs[i]);
	return 0;
}

/* A pid or fd as a file name, without snprintf. */
static void decimal(char *out, int num)
{
	char tmp[16];
	int n = 0;
	unsigned v = (unsigned)num;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*out++ = tmp[--n];
	*out = '\0';
}

/* One fd: link, stat, pin (deleted regular files only), fdinfo. */
static int collect_fd(struct batch *b, int fddir, int infodir, int fd, int tid)
{
	struct fd_item *it;
	bool truncated, memfd_name = false;
	char name[16];
	int r;

	if (b->nfds == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct fd_item *n = realloc(b->fds, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		b->fds = n;
		b->cap = cap;
	}
	it = &b->fds[b->nfds++];
	memset(it, 0, sizeof(*it));
	it->fd = fd;
	it->tid = tid;
	it->pinfd = -1;
	decimal(name, fd);

	r = keep_link(b, fddir, name, &it->link);
	if (r)
		/* Closed between listing and reading: recorded, not dropped. */
		item_err(it->errs, &it->nerrs, 4, "link", r);
	else
		memfd_name = it->link.len >= 7 &&
			     memcmp(b->text.data + it->link.off, "/memfd:", 7) == 0;
	/*
	 * What the fd is, without opening anything: stat(2) follows the
	 * /proc/PID/fd/N magic link to the open file itself (proc(5)), exactly
	 * as fstat of an O_PATH pin would, in one system call instead of
	 * three.  It never reads, never blocks on a FIFO and never runs a
	 * device's open routine.  Only a file whose bytes are to be read is
	 * pinned, and then the pin's own fstat is the one kept.  A failure is
	 * recorded as "pin": it means what a failed pin meant.
	 */
	if (fstatat(fddir, name, &it->st, 0) < 0) {
		item_err(it->errs, &it->nerrs, 4, "pin", -errno);
	} else {
		it->have_stat = true;
		if (S_ISREG(it->st.st_mode) && (it->st.st_nlink == 0 || memfd_name)) {
			struct statfs sf;
			int pin = openat(fddir, name, O_PATH | O_CLOEXEC);

			if (pin < 0) {
				item_err(it->errs, &it->nerrs, 4, "pin", -errno);
				it->have_stat = false;
			} else if (fstat(pin, &it->st) < 0) {
				item_err(it->errs, &it->nerrs, 4, "fstat", -errno);
				it->have_stat = false;
				close(pin);
			} else {
				/* memfd_create(2) files live on the kernel's
				 * internal shmem (or hugetlbfs) mount and their
				 * link reads "/memfd:NAME". */
				bool shm = S_ISREG(it->st.st_mode) &&
					   fstatfs(pin, &sf) == 0 &&
					   (sf.f_type == TMPFS_MAGIC ||
					    sf.f_type == HUGETLBFS_MAGIC);

				it->memfd_fs = memfd_name && shm;
				it->shmem_fs = shm && it->st.st_nlink == 0;
				if (S_ISREG(it->st.st_mode) && it->st.st_nlink == 0) {
					it->pinfd = pin;
					b->npins++;
				} else {
					close(pin);
				}
			}
		} else if ((it->st.st_mode & S_IFMT) == 0) {
			/* An anon inode or pidfs file (no file type): which
			 * one is the file system's to say.  statfs(2) follows
			 * the magic link like stat; the path goes through our
			 * own fd of the directory.  Only for these fds. */
			char path[64];
			struct statfs sf;

			snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", fddir, name);
			if (statfs(path, &sf) == 0)
				it->fs_magic = (long)sf.f_type;
		}
	}
	/* fdinfo has the same access check as the link: when both the link
	 * and the pin were refused, a third refusal adds nothing. */
	if (!it->link.ok && it->nerrs && it->errs[0].err == -EACCES && !it->have_stat)
		return 0;
	r = infodir < 0 ? infodir
			: keep_file(b, infodir, name, 1 << 20, PROCFS_ONE_SHOT,
				    &it->info, &truncated);
	if (r)
		item_err(it->errs, &it->nerrs, 4, "fdinfo", r);
	return 0;
}

/* The exe/cwd/root links; exe is stat'ed, and pinned when deleted. */
static void collect_links(struct batch *b, int piddir)
{
	struct proc_item *p = &b->proc;
	int i;

	for (i = 0; i < NLINKS; i++) {
		int r = keep_link(b, piddir, link_names[i], &p->link[i]);

		if (r) {
			/* Kernel threads have no exe: ENOENT is normal there. */
			PROC_ERR(p, link_names[i], r);
			continue;
		}
		if (i != 0)
			continue;
		if (fstatat(piddir, "exe", &p->exe_st, 0) < 0) {
			PROC_ERR(p, "exe-pin", -errno);
		} else if (S_ISREG(p->exe_st.st_mode) && p->exe_st.st_nlink == 0) {
			int pin = openat(piddir, "exe", O_PATH | O_CLOEXEC);

			if (pin < 0) {
				PROC_ERR(p, "exe-pin", -errno);
			} else if (fstat(pin, &p->exe_st) < 0) {
				PROC_ERR(p, "exe-fstat", -errno);
				close(pin);
			} else {
				p->exe_have_stat = true;
				p->exe_pin = pin;
				b->npins++;
			}
		} else {
			p->exe_have_stat = true;
		}
	}
}

/*
 * The namespace links (one readlinkat each).  They share one access check
 * (ptrace read access, proc(5)): when the first is refused, the others
 * would be too, and one error says so.
 */
static void collect_ns(struct batch *b, int piddir)
{
	struct proc_item *p = &b->proc;
	char name[16];
	int i, r;

	for (i = 0; i < NNS; i++) {
		snprintf(name, sizeof(name), "ns/%s", ns_names[i]);
		r = keep_link(b, piddir, name, &p->ns[i]);
		if (r) {
			if (i == 0 && (r == -EACCES || r == -EPERM)) {
				PROC_ERR(p, "ns", r);
				return;
			}
			/* ns/time is new in Linux 5.6: absent, not lost. */
			if (!(r == -ENOENT && strcmp(ns_names[i], "time") == 0))
				PROC_ERR(p, ns_names[i], r);
			continue;
		}
		if (parse_ns_link(b->text.data + p->ns[i].off, p->ns[i].len, &p->ns_ino[i]))
			p->ns_ino[i] = 0;
	}
}

/*
 * Network tables of the process's namespace, the first time any collector
 * meets it (procsnap's own was read with the host facts).  The claim and
 * the publication are under nsmu; the reading is not.  The formatter waits
 * for `ready`: the reader never blocks in between, so it always comes.
 */
static int collect_netns(struct capture *c, int piddir, uint64_t ino)
{
	struct netns *ns;
	bool truncated;
	int i, r;

	if (!ino || ino == c->own_net)
		return 0;
	pthread_mutex_lock(&c->nsmu);
	ns = u64map_get(&c->netns, ino, 0);
	if (ns) {
		pthread_mutex_unlock(&c->nsmu);
		return 0;
	}
	ns = calloc(1, sizeof(*ns));
	r = ns ? u64map_put(&c->netns, ino, 0, ns) : -ENOMEM;
	pthread_mutex_unlock(&c->nsmu);
	if (r) {
		free(ns);
		return r;
	}
	for (i = 0; i < NNET; i++) {
		/* /proc/PID/net shows the namespace of PID (proc(5)). */
		ns->err[i] = procfs_read(piddir, sockets_tables[i], CAPTURE_MAX_RAW,
					 &ns->raw[i], &truncated);
		ns->truncated[i] = truncated;
	}
	pthread_mutex_lock(&c->nsmu);
	ns->ready = true;
	pthread_cond_broadcast(&c->nscv);
	pthread_mutex_unlock(&c->nsmu);
	return 0;
}

/* mountinfo, once per mount namespace: kept in the batch of the first
 * process met in it. */
static int collect_mntns(struct capture *c, struct batch *b, int piddir, uint64_t ino)
{
	struct proc_item *p = &b->proc;
	bool claim;
	int r;

	if (!ino)
		return 0;
	pthread_mutex_lock(&c->nsmu);
	claim = !u64map_get(&c->mntns, ino, 0);
	r = claim ? u64map_put(&c->mntns, ino, 0, (void *)1) : 0;
	pthread_mutex_unlock(&c->nsmu);
	if (r || !claim)
		return r;
	r = keep_file(b, piddir, "mountinfo", CAPTURE_MAX_RAW, 0, &p->mountinfo,
		      &p->mountinfo_truncated);
	if (r)
		PROC_ERR(p, "mountinfo", r);
	return 0;
}

/* "map_files/START-END" for a mapping (proc(5)): lowercase hex, no 0x. */
static void map_files_name(char *out, size_t n, uint64_t start, uint64_t end)
{
	snprintf(out, n, "map_files/%llx-%llx", (unsigned long long)start,
		 (unsigned long long)end);
}

/*
 * Mappings of deleted files.  The kernel appends " (deleted)" to the path
 * of an unlinked file (d_path), so only those lines are looked at; the
 * suffix is a hint, a file may be named so: the file behind the
 * map_files/START-END link decides, by st_nlink == 0.  Following that
 * link needs CAP_SYS_ADMIN (or CAP_CHECKPOINT_RESTORE): a refusal is
 * recorded per mapping.  Each distinct file is pinned once (O_PATH), the
 * mapping that met it first holds the pin.
 */
static int collect_maps(struct batch *b, int piddir)
{
	static const char del[] = " (deleted)";
	const size_t dl = sizeof(del) - 1;
	struct proc_item *p = &b->proc;
	size_t off, end, pins = 0, k;

	if (!p->raw[4].ok)
		return 0;
	p->maps_scanned = true;
	off = p->raw[4].off;
	end = off + p->raw[4].len;
	while (off < end) {
		const char *line = b->text.data + off;
		const char *nl = memchr(line, '\n', end - off);
		size_t len = nl ? (size_t)(nl - line) : end - off;
		struct parse_map pm;
		struct map_item *m;
		char name[64];

		off += len + 1;
		if (len <= dl || memcmp(line + len - dl, del, dl) != 0 ||
		    parse_maps_line(line, len, &pm))
			continue;
		if (b->nmaps == MAX_MAPS)
			break; /* counted: the formatter says how many */
		if (b->nmaps == b->mapcap) {
			size_t cap = b->mapcap ? b->mapcap * 2 : 16;
			struct map_item *v = realloc(b->maps, cap * sizeof(*v));

			if (!v)
				return -ENOMEM;
			b->maps = v;
			b->mapcap = cap;
		}
		m = &b->maps[b->nmaps++];
		memset(m, 0, sizeof(*m));
		m->pinfd = -1;
		m->start = pm.start;
		m->end = pm.end;
		m->offset = pm.offset;
		memcpy(m->perms, pm.perms, sizeof(m->perms));
		m->path.ok = true;
		m->path.off = (size_t)(pm.path - b->text.data);
		m->path.len = pm.path_len;
		map_files_name(name, sizeof(name), pm.start, pm.end);
		if (fstatat(piddir, name, &m->st, 0) < 0) {
			m->err = -errno;
			m->what = "map_files";
			continue;
		}
		m->have_stat = true;
		if (!S_ISREG(m->st.st_mode) || m->st.st_nlink != 0)
			continue;
		for (k = 0; k + 1 < b->nmaps; k++)
			if (b->maps[k].have_stat && b->maps[k].st.st_dev == m->st.st_dev &&
			    b->maps[k].st.st_ino == m->st.st_ino)
				break;
		if (k + 1 < b->nmaps) {
			m->memfd_fs = b->maps[k].memfd_fs;
			m->shmem_fs = b->maps[k].shmem_fs;
			if (b->maps[k].pinfd < 0 && b->maps[k].err) {
				m->err = b->maps[k].err;
				m->what = b->maps[k].what;
			}
			continue; /* pinned already (or its pin failed) */
		}
		if (pins == MAX_MAP_PINS) {
			m->err = -EMFILE;
			m->what = "map_files-pin";
			continue;
		}
		{
			struct statfs sf;
			int pin = openat(piddir, name, O_PATH | O_CLOEXEC);

			if (pin < 0 || fstat(pin, &m->st) < 0) {
				m->err = -errno;
				m->what = "map_files-pin";
				if (pin >= 0)
					close(pin);
				continue;
			}
			if (fstatfs(pin, &sf) == 0 &&
			    (sf.f_type == TMPFS_MAGIC || sf.f_type == HUGETLBFS_MAGIC))
				m->shmem_fs = true;
			m->pinfd = pin;
			pins++;
			b->npins++;
		}
	}
	return 0;
}

/*
 * Threads with an fd table of their own.  A thread that called
 * unshare(CLONE_FILES) has fds only /proc/PID/task/TID/fd shows.
 * kcmp(KCMP_FILES) tells whether two tasks share a table (kcmp(2)); each
 * distinct table is listed once, with the threads that share it.  Only
 * for processes with more than one thread.
 */
static int collect_tables(struct batch *b, int piddir, int pid)
{
	struct proc_item *p = &b->proc;
	const char *v;
	size_t vl, i, t;
	int *tids = NULL, r, taskdir;
	size_t ntids = 0;
	long threads;

	if (!p->raw[1].ok ||
	    parse_status_field(b->text.data + p->raw[1].off, p->raw[1].len, "Threads", &v, &vl))
		return 0;
	threads = strtol(v, NULL, 10);
	if (threads <= 1)
		return 0;
	taskdir = procfs_open_dir(piddir, "task");
	r = taskdir < 0 ? taskdir : procfs_list_numeric_fd(taskdir, &tids, &ntids);
	if (taskdir >= 0)
		close(taskdir);
	if (r) {
		PROC_ERR(p, "task", r);
		return r == -ENOMEM ? r : 0;
	}
	for (i = 0; i < ntids; i++) {
		struct fd_table *tb;
		long k;

		if (tids[i] == pid)
			continue;
		k = syscall(SYS_kcmp, pid, tids[i], KCMP_FILES, 0, 0);
		if (k < 0) {
			/* ESRCH: the thread exited; anything else, the
			 * table is unknown: counted and recorded. */
			if (errno != ESRCH) {
				if (!p->kcmp_failed++) {
					p->kcmp_err = -errno;
					p->kcmp_tid = tids[i];
				}
			}
			continue;
		}
		if (k == 0)
			continue; /* the process's own table */
		for (t = 0; t < b->ntables; t++) {
			k = syscall(SYS_kcmp, b->tables[t].tid, tids[i], KCMP_FILES, 0, 0);
			if (k == 0)
				break;
		}
		if (t == b->ntables) {
			if (b->ntables == MAX_TABLES) {
				if (!p->kcmp_failed++) {
					p->kcmp_err = -E2BIG;
					p->kcmp_tid = tids[i];
				}
				continue;
			}
			if (b->ntables == b->tabcap) {
				size_t cap = b->tabcap ? b->tabcap * 2 : 4;
				struct fd_table *nv = realloc(b->tables, cap * sizeof(*nv));

				if (!nv) {
					r = -ENOMEM;
					goto out;
				}
				memset(nv + b->tabcap, 0, (cap - b->tabcap) * sizeof(*nv));
				b->tables = nv;
				b->tabcap = cap;
			}
			b->tables[t].tid = tids[i];
			b->tables[t].ntids = 0;
			b->tables[t].err = 0;
			b->tables[t].fd_count = 0;
			b->ntables++;
		}
		tb = &b->tables[t];
		if (tb->ntids == tb->cap) {
			size_t cap = tb->cap ? tb->cap * 2 : 4;
			int *nv = realloc(tb->tids, cap * sizeof(*nv));

			if (!nv) {
				r = -ENOMEM;
				goto out;
			}
			tb->tids = nv;
			tb->cap = cap;
		}
		tb->tids[tb->ntids++] = tids[i];
	}
	r = 0;
out:
	free(tids);
	return r;
}

/* ---- the queue ---- */

static void batch_clear(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->nfds; i++)
		if (b->fds[i].pinfd >= 0)
			close(b->fds[i].pinfd);
	if (b->begin && b->proc.exe_pin >= 0)
		close(b->proc.exe_pin);
	for (i = 0; i < b->nmaps; i++)
		if (b->maps[i].pinfd >= 0)
			close(b->maps[i].pinfd);
	b->nmaps = 0;
	b->ntables = 0;
	b->next = NULL;
	b->pid = 0;
	b->begin = b->end = false;
	b->fd_count = 0;
	b->nfds = 0;
	b->npins = 0;
	buf_reset(&b->text);
}

static void batch_free(struct batch *b)
{
	while (b) {
		struct batch *next = b->next;

		batch_clear(b);
		free(b->fds);
		free(b->maps);
		while (b->tabcap)
			free(b->tables[--b->tabcap].tids);
		free(b->tables);
		buf_free(&b->text);
		free(b);
		b = next;
	}
}

/* An empty batch for pid (the first of its process when begin). */
static int batch_get(struct capture *c, int pid, bool begin, struct batch **out)
{
	struct batch *b;

	pthread_mutex_lock(&c->mu);
	b = c->spare;
	if (b)
		c->spare = b->next;
	pthread_mutex_unlock(&c->mu);
	if (!b) {
		b = calloc(1, sizeof(*b));
		if (!b)
			return -ENOMEM;
	}
	b->next = NULL;
	b->pid = pid;
	b->begin = begin;
	if (begin) {
		memset(&b->proc, 0, sizeof(b->proc));
		b->proc.exe_pin = -1;
	}
	*out = b;
	return 0;
}

/*
 * Hands a batch to the formatter (taking it over, also on failure),
 * waiting while the lane's queue is full.  -ECANCELED: the formatter or
 * another collector failed.
 */
static int batch_send(struct capture *c, struct lane *l, struct batch *b)
{
	pthread_mutex_lock(&c->mu);
	while (!c->wstatus && !c->cstop && !c->fexited && l->queued &&
	       (l->queued >= QUEUE_BATCHES || l->queued_pins + b->npins > QUEUE_PINS))
		pthread_cond_wait(&c->space, &c->mu);
	if (c->wstatus || c->cstop || c->fexited) {
		pthread_mutex_unlock(&c->mu);
		batch_free(b);
		return -ECANCELED;
	}
	if (l->tail)
		l->tail->next = b;
	else
		l->head = b;
	l->tail = b;
	l->queued++;
	l->queued_pins += b->npins;
	pthread_cond_signal(&c->work);
	pthread_mutex_unlock(&c->mu);
	return 0;
}

/* One fd table's fds into the batches (a full batch is sent on). */
static int collect_fds(struct capture *c, struct lane *l, struct batch **bp, int pid,
		       int fddir, int infodir, const int *fds, size_t nfds, int tid)
{
	size_t i;
	int rc;

	for (i = 0; i < nfds; i++) {
		if (stopped(c))
			return lfail(l, -EINTR, "interrupted");
		if ((*bp)->nfds == BATCH_FDS || (*bp)->npins == BATCH_PINS) {
			rc = batch_send(c, l, *bp);
			*bp = NULL;
			if (!rc)
				rc = batch_get(c, pid, false, bp);
			if (rc)
				return rc;
		}
		rc = collect_fd(*bp, fddir, infodir, fds[i], tid);
		if (rc)
			return lfail(l, rc, "pid %d: fd table: out of memory", pid);
	}
	return 0;
}

/* A thread's own fd table, listed while the first batch is still ours. */
struct table_dirs {
	int tid, fddir, infodir;
	int *fds;
	size_t nfds;
};

static int collect_process(struct capture *c, struct lane *l, int pid)
{
	struct batch *b = NULL;
	struct proc_item *p;
	char name[16];
	int piddir = -1, fddir = -1, infodir = -1, *fds = NULL;
	struct table_dirs td[MAX_TABLES];
	size_t nfds = 0, ntd = 0, i;
	bool truncated;
	int r, rc;

	rc = batch_get(c, pid, true, &b);
	if (rc)
		return lfail(l, rc, "out of memory");
	p = &b->proc;
	decimal(name, pid);
	piddir = procfs_open_dir(c->rootfd, name);
	if (piddir < 0) {
		p->dir_err = piddir;
		goto last;
	}
	for (i = 0; i < NRAW; i++) {
		if (i == RISKY_FIRST) {
			rc = risky_reads(c, l, b, piddir);
			if (rc)
				goto out;
			i += NRISKY - 1;
			continue;
		}
		r = keep_file(b, piddir, raw_files[i], CAPTURE_MAX_RAW, raw_flags[i],
			      &p->raw[i], &truncated);
		p->raw_truncated[i] = truncated;
		if (r)
			PROC_ERR(p, raw_files[i], r);
	}
	collect_links(b, piddir);
	collect_ns(b, piddir);
	rc = collect_netns(c, piddir, p->ns_ino[NS_NET]);
	if (!rc)
		rc = collect_mntns(c, b, piddir, p->ns_ino[NS_MNT]);
	if (!rc)
		rc = collect_maps(b, piddir);
	if (!rc)
		rc = collect_tables(b, piddir, pid);
	if (rc)
		goto out;
	/* The threads' tables are listed now, while the first batch (which
	 * records them) is still ours; their fds follow the process's. */
	for (i = 0; i < b->ntables; i++) {
		struct table_dirs *t = &td[ntd++];
		char path[48];

		memset(t, 0, sizeof(*t));
		t->tid = b->tables[i].tid;
		snprintf(path, sizeof(path), "task/%d/fd", t->tid);
		t->fddir = procfs_open_dir(piddir, path);
		snprintf(path, sizeof(path), "task/%d/fdinfo", t->tid);
		t->infodir = procfs_open_dir(piddir, path);
		r = t->fddir < 0 ? t->fddir : procfs_list_numeric_fd(t->fddir, &t->fds, &t->nfds);
		b->tables[i].err = r;
		b->tables[i].fd_count = t->nfds;
	}

	fddir = procfs_open_dir(piddir, "fd");
	infodir = procfs_open_dir(piddir, "fdinfo");
	r = fddir < 0 ? fddir : procfs_list_numeric_fd(fddir, &fds, &nfds);
	if (r)
		PROC_ERR(p, "fd", r);
	rc = collect_fds(c, l, &b, pid, fddir, infodir, fds, nfds, 0);
	for (i = 0; i < ntd && !rc; i++)
		rc = collect_fds(c, l, &b, pid, td[i].fddir, td[i].infodir, td[i].fds,
				 td[i].nfds, td[i].tid);
	if (rc)
		goto out;
last:
	b->end = true;
	b->fd_count = nfds;
	rc = batch_send(c, l, b);
	b = NULL;
out:
	batch_free(b);
	if (piddir >= 0)
		close(piddir);
	if (fddir >= 0)
		close(fddir);
	if (infodir >= 0)
		close(infodir);
	free(fds);
	for (i = 0; i < ntd; i++) {
		if (td[i].fddir >= 0)
			close(td[i].fddir);
		if (td[i].infodir >= 0)
			close(td[i].infodir);
		free(td[i].fds);
	}
	if (rc == -ENOMEM && !l->err[0])
		lfail(l, rc, "out of memory");
	return rc;
}

struct argv_ctx {
	struct jsonw *j;
	bool clean;
};

static void put_arg(const char *s, size_t n, void *arg)
{
	struct argv_ctx *a = arg;

	jsonw_bytes(a->j, NULL, s, n);
	if (!escape_is_clean_utf8(s, n))
		a->clean = false;
}

static void put_arg_b64(const char *s, size_t n, void *arg)
{
	struct jsonw *j = arg;
	struct buf b = BUF_INIT;

	escape_base64(&b, s, n);
	jsonw_str(j, NULL, b.data ? b.data : "");
	buf_free(&b);
}

static void put_argv(struct jsonw *j, const char *s, size_t n)
{
	struct argv_ctx a = { j, true };

	/* cmdline ends with a NUL; drop it so the last arg is not empty. */
	if (n && s[n - 1] == '\0')
		n--;
	jsonw_aopen(j, "argv");
	if (n)
		parse_nul_list(s, n, put_arg, &a);
	jsonw_aclose(j);
	if (!a.clean) {
		jsonw_aopen(j, "argv_b64");
		parse_nul_list(s, n, put_arg_b64, j);
		jsonw_aclose(j);
	}
}

/* ---- the formatter: JSON, content and the archive ---- */

static const char *span_data(const struct batch *b, const struct span *sp)
{
	return sp->ok && b->text.data ? b->text.data + sp->off : "";
}

static void put_seals(struct jsonw *j, int seals)
{
	static const struct { int bit; const char *name; } names[] = {
		{ 0x0001, "seal" }, { 0x0002, "shrink" }, { 0x0004, "grow" },
		{ 0x0008, "write" }, { 0x0010, "future_write" }, { 0x0020, "exec" },
	};
	size_t i;

	jsonw_aopen(j, "seals");
	for (i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (seals & names[i].bit)
			jsonw_str(j, NULL, names[i].name);
	jsonw_aclose(j);
}

/*
 * The kind of a file on the kernel's internal shmem mount (fstatfs said
 * tmpfs, stat a regular file with no link): the name the kernel gave it
 * tells which of its users made it.  Never a path a user could create on
 * that mount: it has none.
 */
static const char *shmem_kind(const char *target, size_t n, bool memfd)
{
	if (memfd)
		return "memfd";
	if (n == 19 && memcmp(target, "/dev/zero (deleted)", 19) == 0)
		return "shared-anon";
	if (n > 5 && memcmp(target, "/SYSV", 5) == 0)
		return "sysv-shm";
	return NULL;
}

/* Writes a netns's tables (the first time) and returns its sockets;
 * procsnap's own when the namespace is unknown.  Waits for a collector
 * still reading them. */
static int use_netns(struct capture *c, uint64_t ino, const struct sockets **out)
{
	struct netns *ns = NULL;
	char member[96];
	int i, r;

	*out = &c->socks;
	if (!ino || ino == c->own_net)
		return 0;
	pthread_mutex_lock(&c->nsmu);
	ns = u64map_get(&c->netns, ino, 0);
	while (ns && !ns->ready)
		pthread_cond_wait(&c->nscv, &c->nsmu);
	pthread_mutex_unlock(&c->nsmu);
	if (!ns)
		return 0; /* cannot happen: the collector claimed it first */
	*out = &ns->socks;
	if (ns->written)
		return 0;
	ns->written = true;
	c->st.net_namespaces++;
	for (i = 0; i < NNET; i++) {
		unsigned bad = 0;

		if (ns->err[i]) {
			snprintf(member, sizeof(member), "net namespace %llu: %s",
				 (unsigned long long)ino, sockets_tables[i]);
			note_error(c, &c->errs, member, ns->err[i]);
			continue;
		}
		/* sockets_tables[i] is "net/tcp": host/net/INO/tcp. */
		snprintf(member, sizeof(member), "host/net/%llu/%s", (unsigned long long)ino,
			 sockets_tables[i] + 4);
		r = snapwriter_add(c->w, member, ns->raw[i].data ? ns->raw[i].data : "",
				   ns->raw[i].len, NULL);
		if (r)
			return wfail(c, r, "%s", snapwriter_error(c->w));
		r = sockets_add_table(&ns->socks, sockets_tables[i], ns->raw[i].data,
				      ns->raw[i].len, &bad);
		if (r)
			return wfail(c, r, "out of memory");
		buf_free(&ns->raw[i]);
	}
	return 0;
}

/* ns, nspid, cgroup and container: what a process shares with others. */
static int fmt_namespaces(struct capture *c, struct batch *b, bool have_status)
{
	struct proc_item *p = &b->proc;
	struct jsonw *j = &c->j;
	struct parse_container pc;
	int64_t nspid[MAX_NSPID];
	char member[96];
	bool any = false;
	int i, n, r;

	for (i = 0; i < NNS; i++)
		any = any || p->ns_ino[i];
	if (any) {
		jsonw_open(j, "ns");
		for (i = 0; i < NNS; i++)
			if (p->ns_ino[i])
				jsonw_uint(j, ns_names[i], p->ns_ino[i]);
		jsonw_close(j);
	}
	n = have_status ? parse_nspid(span_data(b, &p->raw[1]), p->raw[1].len, nspid, MAX_NSPID)
			: -ENOENT;
	if (n > 0) {
		jsonw_aopen(j, "nspid");
		for (i = 0; i < n; i++)
			jsonw_int(j, NULL, nspid[i]);
		jsonw_aclose(j);
	}
	if (p->raw[5].ok &&
	    parse_container(span_data(b, &p->raw[5]), p->raw[5].len, &pc) == 0) {
		jsonw_bytes(j, "cgroup", pc.path, strlen(pc.path));
		if (pc.id[0]) {
			jsonw_open(j, "container");
			jsonw_str(j, "runtime", pc.runtime);
			jsonw_bytes(j, "id", pc.id, strlen(pc.id));
			jsonw_close(j);
		}
	}
	if (p->mountinfo.ok) {
		snprintf(member, sizeof(member), "host/mnt/%llu/mountinfo",
			 (unsigned long long)p->ns_ino[NS_MNT]);
		r = snapwriter_add(c->w, member, span_data(b, &p->mountinfo),
				   p->mountinfo.len, NULL);
		if (r)
			return wfail(c, r, "%s", snapwriter_error(c->w));
		c->st.mount_namespaces++;
		jsonw_str(j, "mountinfo", member);
	}
	return use_netns(c, p->ns_ino[NS_NET], &c->cur_socks);
}

/* Deleted files the process maps, with their ranges; their bytes are
 * recovered like an fd's (once per dev, ino). */
static int fmt_maps(struct capture *c, struct batch *b)
{
	struct proc_item *p = &b->proc;
	struct jsonw *j = &c->j;
	char what[64], hx[24];
	size_t i;
	int rc = 0;

	if (!p->maps_scanned)
		return 0;
	jsonw_aopen(j, "mapped_deleted");
	for (i = 0; i < b->nmaps && !rc; i++) {
		struct map_item *m = &b->maps[i];
		bool deleted = m->have_stat && S_ISREG(m->st.st_mode) && m->st.st_nlink == 0;
		const char *kind;

		/* A file named "... (deleted)" that is not: not recorded. */
		if (m->have_stat && !deleted && !m->err)
			continue;
		jsonw_open(j, NULL);
		snprintf(hx, sizeof(hx), "%llx", (unsigned long long)m->start);
		jsonw_str(j, "start", hx);
		snprintf(hx, sizeof(hx), "%llx", (unsigned long long)m->end);
		jsonw_str(j, "end", hx);
		jsonw_uint(j, "offset", m->offset);
		jsonw_str(j, "perms", m->perms);
		jsonw_bytes(j, "path", span_data(b, &m->path), m->path.len);
		kind = m->shmem_fs ? shmem_kind(span_data(b, &m->path), m->path.len,
						m->path.len > 7 &&
						memcmp(span_data(b, &m->path), "/memfd:", 7) == 0)
				   : NULL;
		if (kind)
			jsonw_str(j, "kind", kind);
		if (m->have_stat) {
			jsonw_uint(j, "dev", (uint64_t)m->st.st_dev);
			jsonw_uint(j, "ino", (uint64_t)m->st.st_ino);
			jsonw_int(j, "size", (int64_t)m->st.st_size);
		}
		if (deleted && (m->pinfd >= 0 || u64map_get(&c->stored, m->st.st_dev, m->st.st_ino))) {
			const struct stored *s = recover(c, m->pinfd, &m->st, &rc);

			if (s)
				put_content(j, s);
		}
		if (m->pinfd >= 0) {
			close(m->pinfd);
			m->pinfd = -1;
		}
		if (m->err) {
			jsonw_aopen(j, "errors");
			snprintf(what, sizeof(what), "%s", m->what);
			note_error(c, j, what, m->err);
			jsonw_aclose(j);
		}
		c->st.mapped_deleted++;
		jsonw_close(j);
	}
	jsonw_aclose(j);
	if (b->nmaps == MAX_MAPS)
		note_error(c, &c->errs, "mapped_deleted: more than 1024, the rest not recorded",
			   -E2BIG);
	return rc;
}

/* Threads with fd tables of their own, and kcmp refusals. */
static void fmt_tables(struct capture *c, struct batch *b)
{
	struct proc_item *p = &b->proc;
	struct jsonw *j = &c->j;
	char what[64];
	size_t i, k;

	if (p->kcmp_failed) {
		snprintf(what, sizeof(what), "task/%d/kcmp", p->kcmp_tid);
		note_error(c, &c->errs, what, p->kcmp_err);
		jsonw_uint(j, "threads_table_unknown", p->kcmp_failed);
	}
	if (!b->ntables)
		return;
	jsonw_aopen(j, "fd_tables");
	for (i = 0; i < b->ntables; i++) {
		const struct fd_table *t = &b->tables[i];

		jsonw_open(j, NULL);
		jsonw_int(j, "tid", t->tid);
		jsonw_aopen(j, "tids");
		for (k = 0; k < t->ntids; k++)
			jsonw_int(j, NULL, t->tids[k]);
		jsonw_aclose(j);
		jsonw_uint(j, "fd_count", t->fd_count);
		if (t->err) {
			snprintf(what, sizeof(what), "task/%d/fd", t->tid);
			jsonw_aopen(j, "errors");
			note_error(c, j, what, t->err);
			jsonw_aclose(j);
		}
		jsonw_close(j);
		c->st.thread_tables++;
	}
	jsonw_aclose(j);
}

/* The first batch of a process: its raw files, identity and links. */
static int fmt_begin(struct capture *c, struct batch *b)
{
	struct proc_item *p = &b->proc;
	struct jsonw *j = &c->j;
	struct parse_stat ps;
	struct parse_status pst;
	char member[96];
	bool have_status = false, kthread;
	size_t i;
	int rc = 0;

	buf_reset(&c->json);
	buf_reset(&c->fds);
	buf_reset(&c->errbuf);
	jsonw_init(j, &c->json);
	jsonw_init(&c->errs, &c->errbuf);
	jsonw_aopen(&c->errs, NULL);
	jsonw_open(j, NULL);
	jsonw_int(j, "pid", b->pid);
	jsonw_bool(j, "self", b->pid == c->self);
	c->have_stat = false;
	c->deleted_fds = 0;
	c->thread_fds = 0;
	c->proc_denied = false;
	c->cur_socks = &c->socks;
	c->dir_failed = p->dir_err != 0;
	if (c->dir_failed) {
		note_error(c, &c->errs, "process", p->dir_err);
		jsonw_bool(j, "vanished", true);
		c->st.procs_vanished++;
		return 0;
	}
	c->have_stat = p->raw[0].ok &&
		       parse_stat(span_data(b, &p->raw[0]), p->raw[0].len, &ps) == 0;
	kthread = c->have_stat && (ps.flags & PF_KTHREAD);
	for (i = 0; i < (size_t)p->nerrs; i++) {
		const struct item_err *e = &p->errs[i];

		/* A kernel thread has no environment (the kernel says ESRCH:
		 * it has no mm) and no exe (ENOENT): absent, not lost. */
		if (kthread && ((e->err == -ESRCH && strcmp(e->what, "environ") == 0) ||
				(e->err == -ENOENT && strcmp(e->what, "exe") == 0)))
			continue;
		note_error(c, &c->errs, e->what, e->err);
	}
	jsonw_open(j, "files");
	for (i = 0; i < NRAW; i++) {
		const char *data = span_data(b, &p->raw[i]);
		size_t len = p->raw[i].len;
		char hex[DIGEST_HEX_LEN + 1];

		if (!p->raw[i].ok)
			continue;
		snprintf(member, sizeof(member), "proc/%d/%s", b->pid, raw_files[i]);
		rc = snapwriter_add(c->w, member, data, len, hex);
		if (rc)
			return wfail(c, rc, "%s", snapwriter_error(c->w));
		jsonw_open(j, raw_files[i]);
		jsonw_uint(j, "size", len);
		jsonw_bool(j, "truncated", p->raw_truncated[i]);
		jsonw_close(j);
		if (i == 1)
			have_status = parse_status(data, len, &pst) == 0;
	}
	jsonw_close(j);
	put_argv(j, span_data(b, &p->raw[2]), p->raw[2].len);
	if (c->have_stat) {
		uint64_t secs = ps.starttime / (uint64_t)c->hz;
		long frac = (long)(ps.starttime % (uint64_t)c->hz);
		char t[48];

		jsonw_bytes(j, "name", ps.comm, ps.comm_len);
		jsonw_int(j, "ppid", ps.ppid);
		jsonw_str(j, "state", (char[]){ ps.state, 0 });
		jsonw_int(j, "pgrp", ps.pgrp);
		jsonw_int(j, "session", ps.session);
		jsonw_int(j, "tty_nr", ps.tty_nr);
		jsonw_uint(j, "start_ticks", ps.starttime);
		capture_utc(t, sizeof(t), (time_t)(c->btime + secs),
			    frac * (1000000000L / c->hz));
		jsonw_str(j, "start_time", t);
		jsonw_bool(j, "kernel_thread", (ps.flags & PF_KTHREAD) != 0);
		jsonw_uint(j, "utime", ps.utime);
		jsonw_uint(j, "stime", ps.stime);
		jsonw_uint(j, "vsize", ps.vsize);
		jsonw_int(j, "rss_pages", ps.rss);
	}
	if (have_status) {
		jsonw_int(j, "tgid", pst.tgid);
		jsonw_int(j, "threads", pst.threads);
		if (pst.has_ids) {
			jsonw_aopen(j, "uid");
			for (i = 0; i < 4; i++)
				jsonw_uint(j, NULL, pst.uid[i]);
			jsonw_aclose(j);
			jsonw_aopen(j, "gid");
			for (i = 0; i < 4; i++)
				jsonw_uint(j, NULL, pst.gid[i]);
			jsonw_aclose(j);
		}
		if (pst.has_caps) {
			char hx[24];

			jsonw_open(j, "caps");
#define CAP(k, v) snprintf(hx, sizeof(hx), "%016llx", (unsigned long long)(v)), jsonw_str(j, k, hx)
			CAP("inh", pst.cap_inh);
			CAP("prm", pst.cap_prm);
			CAP("eff", pst.cap_eff);
			CAP("bnd", pst.cap_bnd);
			CAP("amb", pst.cap_amb);
#undef CAP
			jsonw_close(j);
		}
	}
	for (i = 0; i < NLINKS; i++) {
		if (!p->link[i].ok) {
			jsonw_null(j, link_names[i]);
			continue;
		}
		jsonw_open(j, link_names[i]);
		jsonw_bytes(j, "target", span_data(b, &p->link[i]), p->link[i].len);
		if (i == 0 && p->exe_have_stat) {
			bool deleted = S_ISREG(p->exe_st.st_mode) && p->exe_st.st_nlink == 0;

			jsonw_bool(j, "deleted", deleted);
			put_stat(c, j, &p->exe_st);
			if (deleted) {
				const struct stored *s = recover(c, p->exe_pin, &p->exe_st, &rc);

				c->st.deleted++;
				if (s)
					put_content(j, s);
			}
		}
		if (i == 0 && p->exe_pin >= 0) {
			close(p->exe_pin);
			p->exe_pin = -1;
		}
		jsonw_close(j);
		if (rc)
			return rc;
	}
	rc = fmt_namespaces(c, b, have_status);
	if (!rc)
		rc = fmt_maps(c, b);
	if (!rc)
		fmt_tables(c, b);
	return rc;
}

/* One fd's JSON line. */
static int fmt_fd(struct capture *c, struct batch *b, struct fd_item *it)
{
	const char *target = span_data(b, &it->link), *anon = NULL, *kind = NULL;
	size_t anon_len = 0;
	char akind[32];
	bool have_fi;
	struct parse_fdinfo fi;
	struct jsonw j, errs;
	uint64_t ino = 0;
	enum parse_link_kind lk = PARSE_LINK_OTHER;
	bool deleted;
	int i, rc = 0;

	buf_reset(&c->fderr);
	jsonw_init(&j, &c->fds);
	jsonw_init(&errs, &c->fderr);
	jsonw_aopen(&errs, NULL);
	for (i = 0; i < it->nerrs; i++)
		note_error(c, &errs, it->errs[i].what, it->errs[i].err);
	jsonw_open(&j, NULL);
	jsonw_int(&j, "pid", b->pid);
	jsonw_int(&j, "fd", it->fd);
	if (it->tid) {
		jsonw_int(&j, "tid", it->tid);
		c->thread_fds++;
	}
	if (it->link.ok) {
		jsonw_bytes(&j, "target", target, it->link.len);
		lk = parse_link(target, it->link.len, &ino, &anon, &anon_len);
	}
	jsonw_str(&j, "type", fd_type(it, lk));
	if (anon)
		jsonw_bytes(&j, "anon", anon, anon_len);
	deleted = it->have_stat && S_ISREG(it->st.st_mode) && it->st.st_nlink == 0;
	jsonw_bool(&j, "deleted", deleted);
	have_fi = it->info.ok &&
		  parse_fdinfo(span_data(b, &it->info), it->info.len, &fi) == 0;
	/* kind: finer than type, decided by the file system (fstatfs) and
	 * stat, and fdinfo's flags; the kernel's own names only say which
	 * of a file system's users made the file. */
	if (it->have_stat && S_ISREG(it->st.st_mode) && (it->memfd_fs || it->shmem_fs))
		kind = shmem_kind(target, it->link.len, it->memfd_fs);
	else if (it->fs_magic == PIDFS_MAGIC)
		kind = "pidfd";
	else if (it->fs_magic == ANON_INODE_FS_MAGIC && anon && anon_len < sizeof(akind)) {
		memcpy(akind, anon, anon_len);
		akind[anon_len] = '\0';
		if (escape_is_clean_utf8(akind, anon_len))
			kind = akind;
	}
	if (!kind && have_fi && fi.has_flags && (fi.flags & O_TMPFILE_BIT) &&
	    it->have_stat && S_ISREG(it->st.st_mode))
		kind = "tmpfile";
	if (kind)
		jsonw_str(&j, "kind", kind);
	if (it->memfd_fs && it->pinfd >= 0) {
		int seals = 0, sr = content_seals(it->pinfd, &seals);

		if (sr == 0)
			put_seals(&j, seals);
		else
			note_error(c, &errs, "seals", sr);
	}
	if (have_fi) {
		if (fi.has_pos)
			jsonw_uint(&j, "pos", fi.pos);
		if (fi.has_flags)
			jsonw_uint(&j, "flags", fi.flags);
		if (fi.has_mnt_id)
			jsonw_int(&j, "mnt_id", fi.mnt_id);
		/* Kernel text for eventfd/epoll/inotify/... is kept whole. */
		if (lk == PARSE_LINK_ANON)
			jsonw_bytes(&j, "fdinfo", span_data(b, &it->info), it->info.len);
	}
	if (it->have_stat)
		put_stat(c, &j, &it->st);
	if (lk == PARSE_LINK_SOCKET || lk == PARSE_LINK_PIPE)
		jsonw_uint(&j, "inode", ino);
	if (lk == PARSE_LINK_SOCKET) {
		const struct parse_sock *sk = sockets_find(c->cur_socks, ino);

		c->st.sockets++;
		if (sk) {
			c->st.sockets_resolved++;
			jsonw_open(&j, "socket");
			jsonw_str(&j, "proto", sk->proto);
			jsonw_str(&j, "local", sk->local);
			if (sk->remote[0])
				jsonw_str(&j, "remote", sk->remote);
			jsonw_str(&j, "state", sk->state);
			if (sk->type[0])
				jsonw_str(&j, "socktype", sk->type);
			jsonw_close(&j);
		}
	}
	if (deleted) {
		const struct stored *s = recover(c, it->pinfd, &it->st, &rc);

		if (it->pinfd >= 0) {
			close(it->pinfd);
			it->pinfd = -1;
		}
		if (!s)
			return rc;
		put_content(&j, s);
		c->deleted_fds++;
	}
	jsonw_aclose(&errs);
	if (c->fderr.len > 2)
		buf_puts(&c->fds, ",\"errors\":"), buf_append(&c->fds, c->fderr.data, c->fderr.len);
	jsonw_close(&j);
	buf_putc(&c->fds, '\n');
	c->st.fds++;
	return 0;
}

/* The last batch of a process: fds.jsonl and process.json. */
static int fmt_end(struct capture *c, struct batch *b)
{
	struct jsonw *j = &c->j;
	char member[96];
	int rc;

	if (!c->dir_failed) {
		c->st.deleted += c->deleted_fds;
		jsonw_uint(j, "fd_count", b->fd_count);
		jsonw_uint(j, "deleted_fds", c->deleted_fds);
		if (c->thread_fds)
			jsonw_uint(j, "thread_fds", c->thread_fds);
		c->st.thread_fds += c->thread_fds;
		if (buf_error(&c->fds))
			return wfail(c, -ENOMEM, "pid %d: fd table: out of memory", b->pid);
		snprintf(member, sizeof(member), "proc/%d/fds.jsonl", b->pid);
		rc = snapwriter_add(c->w, member, c->fds.data ? c->fds.data : "",
				    c->fds.len, NULL);
		if (rc)
			return wfail(c, rc, "%s", snapwriter_error(c->w));
		/* A process whose stat vanished after its directory opened
		 * exited while being read: what was read is kept, and it is
		 * marked. */
		if (!c->have_stat) {
			jsonw_bool(j, "vanished", true);
			c->st.procs_vanished++;
		}
	}
	jsonw_aclose(&c->errs);
	if (c->proc_denied)
		c->st.procs_denied++;
	buf_puts(&c->json, ",\"errors\":");
	buf_append(&c->json, c->errbuf.data, c->errbuf.len);
	jsonw_close(j);
	buf_putc(&c->json, '\n');
	if (buf_error(&c->json))
		return wfail(c, -ENOMEM, "pid %d: out of memory", b->pid);
	snprintf(member, sizeof(member), "proc/%d/process.json", b->pid);
	rc = snapwriter_add(c->w, member, c->json.data, c->json.len, NULL);
	if (rc)
		return wfail(c, rc, "%s", snapwriter_error(c->w));
	c->st.procs++;
	return 0;
}

static int fmt_batch(struct capture *c, struct batch *b)
{
	size_t i;
	int rc = 0;

	if (b->begin)
		rc = fmt_begin(c, b);
	for (i = 0; i < b->nfds && !rc && !c->dir_failed; i++)
		rc = fmt_fd(c, b, &b->fds[i]);
	if (!rc && b->end)
		rc = fmt_end(c, b);
	return rc;
}

/*
 * Host facts, and the raw network tables (also parsed for fd sockets).
 * Run by the formatter before any process: these members come first in
 * the archive, and reading the tables (tens of ms with thousands of
 * sockets: the kernel walks its socket hash tables) overlaps with the
 * collector's first processes.
 */
static int capture_host(struct capture *c, const char *topdir)
{
	struct utsname u;
	struct jsonw j;
	bool truncated;
	char t[48], member[64];
	int i, r;

	r = procfs_read(c->rootfd, "stat", 1 << 20, &c->raw, &truncated);
	if (r == 0)
		parse_btime(c->raw.data, c->raw.len, &c->btime);
	buf_reset(&c->json);
	jsonw_init(&j, &c->json);
	jsonw_open(&j, NULL);
	jsonw_str(&j, "format", "procsnap");
	jsonw_int(&j, "version", CAPTURE_FORMAT_VERSION);
	jsonw_str(&j, "top", topdir);
	jsonw_close(&j);
	buf_putc(&c->json, '\n');
	r = snapwriter_add(c->w, "format.json", c->json.data, c->json.len, NULL);
	if (r)
		return wfail(c, r, "%s", snapwriter_error(c->w));

	buf_reset(&c->json);
	jsonw_init(&j, &c->json);
	jsonw_open(&j, NULL);
	if (uname(&u) == 0) {
		jsonw_str(&j, "hostname", u.nodename);
		jsonw_open(&j, "uname");
		jsonw_str(&j, "sysname", u.sysname);
		jsonw_str(&j, "release", u.release);
		jsonw_str(&j, "version", u.version);
		jsonw_str(&j, "machine", u.machine);
		jsonw_close(&j);
	}
	r = procfs_read(c->rootfd, "sys/kernel/random/boot_id", 256, &c->raw, &truncated);
	if (r == 0) {
		while (c->raw.len && c->raw.data[c->raw.len - 1] == '\n')
			c->raw.len--;
		jsonw_bytes(&j, "boot_id", c->raw.data, c->raw.len);
	} else {
		jsonw_null(&j, "boot_id");
	}
	capture_utc(t, sizeof(t), (time_t)c->btime, -1);
	jsonw_uint(&j, "btime", c->btime);
	jsonw_str(&j, "boot_time", t);
	capture_utc(t, sizeof(t), c->t0.tv_sec, c->t0.tv_nsec);
	jsonw_str(&j, "capture_start", t);
	jsonw_str(&j, "procsnap_version", PROCSNAP_VERSION);
	jsonw_aopen(&j, "command_line");
	for (i = 0; i < c->o.argc; i++)
		jsonw_str(&j, NULL, c->o.argv[i]);
	jsonw_aclose(&j);
	jsonw_uint(&j, "uid", (uint64_t)getuid());
	jsonw_uint(&j, "euid", (uint64_t)geteuid());
	jsonw_int(&j, "pid", getpid());
	jsonw_str(&j, "proc_root", c->o.proc_root);
	if (c->proc_opts_known)
		jsonw_bytes(&j, "proc_options", c->proc_opts, strlen(c->proc_opts));
	jsonw_bool(&j, "restricted_view", c->st.restricted_view);
	if (c->own_net || c->own_mnt) {
		jsonw_open(&j, "ns");
		if (c->own_net)
			jsonw_uint(&j, "net", c->own_net);
		if (c->own_mnt)
			jsonw_uint(&j, "mnt", c->own_mnt);
		jsonw_close(&j);
	}
	jsonw_int(&j, "clock_ticks", c->hz);
	jsonw_str(&j, "compression", snapwriter_compress_name(c->o.compress));
	jsonw_bool(&j, "content", !c->o.no_content);
	jsonw_uint(&j, "max_file_size", c->o.max_file_size);
	jsonw_aopen(&j, "net_tables");
	for (i = 0; sockets_tables[i]; i++) {
		unsigned bad = 0;

		r = procfs_read(c->rootfd, sockets_tables[i], CAPTURE_MAX_RAW, &c->raw, &truncated);
		if (r) {
			note_error(c, NULL, sockets_tables[i], r);
			continue;
		}
		snprintf(member, sizeof(member), "host/%s", sockets_tables[i]);
		r = snapwriter_add(c->w, member, c->raw.data, c->raw.len, NULL);
		if (r)
			return wfail(c, r, "%s", snapwriter_error(c->w));
		r = sockets_add_table(&c->socks, sockets_tables[i], c->raw.data, c->raw.len, &bad);
		if (r)
			return wfail(c, r, "out of memory");
		jsonw_str(&j, NULL, member);
	}
	jsonw_aclose(&j);
	jsonw_close(&j);
	buf_putc(&c->json, '\n');
	if (buf_error(&c->json))
		return wfail(c, -ENOMEM, "out of memory");
	r = snapwriter_add(c->w, "host.json", c->json.data, c->json.len, NULL);
	return r ? wfail(c, r, "%s", snapwriter_error(c->w)) : 0;
}

static void *formatter(void *arg)
{
	struct capture *c = arg;
	bool failed = false;
	size_t next = 0;          /* index of the process being written */
	int hr;

	/* Named, so ps -L and profiles tell the threads apart. */
	pthread_setname_np(pthread_self(), "procsnap-format");
	hr = capture_host(c, c->topdir);

	pthread_mutex_lock(&c->mu);
	if (hr) {
		failed = true;
		c->wstatus = hr;
		pthread_cond_broadcast(&c->space);
	}
	for (;;) {
		struct lane *l = &c->lanes[next % NLANES];
		struct batch *b;
		size_t pins;
		bool skip, end;
		int r = 0;

		while (!l->head && !l->done)
			pthread_cond_wait(&c->work, &c->mu);
		b = l->head;
		if (!b)
			break; /* that lane's collector stopped: all done, or failed */
		l->head = b->next;
		if (!l->head)
			l->tail = NULL;
		skip = failed || c->abort;
		pthread_mutex_unlock(&c->mu);
		if (!skip)
			r = fmt_batch(c, b);
		end = b->end;
		pins = b->npins;
		batch_clear(b); /* closes the pins not used */
		pthread_mutex_lock(&c->mu);
		if (r) {
			failed = true;
			c->wstatus = r;
		}
		l->queued--;
		l->queued_pins -= pins;
		b->next = c->spare;
		c->spare = b;
		if (end)
			next++;
		pthread_cond_broadcast(&c->space);
	}
	c->fexited = true;
	pthread_cond_broadcast(&c->space);
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/*
 * Collects processes start, start + step, ... of the list; process i goes
 * to lane i % NLANES.  step is NLANES when each lane has its own thread,
 * 1 when this thread does them all, in order (the formatter takes the
 * processes in order, so no lane may run ahead of the others alone).
 */
static void collect_range(struct capture *c, size_t start, size_t step)
{
	struct lane *l = &c->lanes[start % NLANES];
	size_t i;
	int rc = 0;

	for (i = start; i < c->npids && !rc; i += step) {
		l = &c->lanes[i % NLANES];
		rc = stopped(c) ? lfail(l, -EINTR, "interrupted")
				: collect_process(c, l, c->pids[i]);
	}
	for (i = start; i < start + (step == 1 ? NLANES : 1); i++)
		reader_stop(&c->lanes[i % NLANES]);
	pthread_mutex_lock(&c->mu);
	if (rc) {
		l->rc = rc;
		c->cstop = true;
	}
	for (i = start; i < start + (step == 1 ? NLANES : 1); i++)
		c->lanes[i % NLANES].done = true;
	pthread_cond_broadcast(&c->work);
	pthread_cond_broadcast(&c->space);
	pthread_mutex_unlock(&c->mu);
}

static void *collector(void *arg)
{
	pthread_setname_np(pthread_self(), "procsnap-collec");
	collect_range(arg, 1, NLANES);
	return NULL;
}

static int capture_summary(struct capture *c)
{
	const struct capture_stats *s = &c->st;
	struct timespec t1;
	struct jsonw j;
	char t[48];

	clock_gettime(CLOCK_REALTIME, &t1);
	buf_reset(&c->json);
	jsonw_init(&j, &c->json);
	jsonw_open(&j, NULL);
	capture_utc(t, sizeof(t), c->t0.tv_sec, c->t0.tv_nsec);
	jsonw_str(&j, "capture_start", t);
	capture_utc(t, sizeof(t), t1.tv_sec, t1.tv_nsec);
	jsonw_str(&j, "capture_end", t);
	jsonw_uint(&j, "processes", s->procs);
	jsonw_uint(&j, "processes_vanished", s->procs_vanished);
	jsonw_uint(&j, "fds", s->fds);
	jsonw_uint(&j, "sockets", s->sockets);
	jsonw_uint(&j, "sockets_resolved", s->sockets_resolved);
	jsonw_uint(&j, "deleted", s->deleted);
	jsonw_uint(&j, "recovered", s->recovered);
	jsonw_uint(&j, "truncated", s->truncated);
	jsonw_uint(&j, "shrunk", s->shrunk);
	jsonw_uint(&j, "failed", s->failed);
	jsonw_uint(&j, "changed", s->changed);
	jsonw_uint(&j, "content_bytes", s->content_bytes);
	jsonw_uint(&j, "denied", s->denied);
	jsonw_uint(&j, "vanished_items", s->vanished_items);
	jsonw_uint(&j, "other_errors", s->other_errors);
	jsonw_uint(&j, "read_timeouts", s->read_timeouts);
	jsonw_uint(&j, "processes_denied", s->procs_denied);
	jsonw_uint(&j, "mapped_deleted", s->mapped_deleted);
	jsonw_uint(&j, "thread_fd_tables", s->thread_tables);
	jsonw_uint(&j, "thread_fds", s->thread_fds);
	jsonw_uint(&j, "net_namespaces", s->net_namespaces);
	jsonw_uint(&j, "mount_namespaces", s->mount_namespaces);
	jsonw_bool(&j, "not_root", s->not_root);
	jsonw_bool(&j, "restricted_view", s->restricted_view);
	if (s->restricted_view)
		jsonw_str(&j, "hidepid", s->hidepid);
	jsonw_close(&j);
	buf_putc(&c->json, '\n');
	if (buf_error(&c->json))
		return fail(c, -ENOMEM, "out of memory");
	if (snapwriter_add(c->w, "summary.json", c->json.data, c->json.len, NULL))
		return fail(c, -EIO, "%s", snapwriter_error(c->w));
	return 0;
}

/* Starts a thread, with every signal left to the caller's thread. */
static int spawn(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int r;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = -pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

/* Lets the formatter finish what is queued (or drop it, on abort). */
static void stop_formatter(struct capture *c, bool abort)
{
	size_t i;

	if (!c->started)
		return;
	pthread_mutex_lock(&c->mu);
	c->abort = abort;
	for (i = 0; i < NLANES; i++)
		c->lanes[i].done = true;
	pthread_cond_broadcast(&c->work);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	c->started = false;
}

/* Collects every process, in NLANES lanes; returns the first failure. */
static int collect_all(struct capture *c)
{
	pthread_t helper;
	bool helped;
	size_t i;
	int r;

	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->work, NULL);
	pthread_cond_init(&c->space, NULL);
	c->mu_ready = true;
	r = spawn(&c->thread, formatter, c);
	if (r)
		return fail(c, r, "cannot start the formatter: %s", strerror(-r));
	c->started = true;
	/* NLANES is 2: one helper.  Without it, this thread does all. */
	helped = c->npids > 1 && spawn(&helper, collector, c) == 0;
	collect_range(c, 0, helped ? NLANES : 1);
	if (helped)
		pthread_join(helper, NULL);
	r = 0;
	for (i = 0; i < NLANES && !r; i++)
		if (c->lanes[i].rc && c->lanes[i].rc != -ECANCELED) {
			r = c->lanes[i].rc;
			memcpy(c->err, c->lanes[i].err, sizeof(c->err));
		}
	stop_formatter(c, r != 0);
	/* The formatter's failure is the cause; the collectors only saw
	 * their batches refused. */
	if (!r && c->wstatus) {
		r = c->wstatus;
		memcpy(c->err, c->werr, sizeof(c->err));
	}
	if (!r)
		for (i = 0; i < NLANES && !r; i++)
			if (c->lanes[i].rc) {
				r = c->lanes[i].rc;
				memcpy(c->err, c->lanes[i].err, sizeof(c->err));
			}
	return r;
}

static int cmp_pid(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Sorts pids ascending and drops repeats; returns the new count. */
static size_t sort_unique(int *pids, size_t n)
{
	size_t i, k = 0;

	if (n > 1)
		qsort(pids, n, sizeof(*pids), cmp_pid);
	for (i = 0; i < n; i++)
		if (k == 0 || pids[k - 1] != pids[i])
			pids[k++] = pids[i];
	return k;
}

/* procsnap's own namespace inode of this kind, or 0. */
static uint64_t own_ns(struct capture *c, const char *name)
{
	char path[32];
	uint64_t ino = 0;

	snprintf(path, sizeof(path), "self/ns/%s", name);
	if (procfs_readlink(c->rootfd, path, &c->raw) == 0 &&
	    parse_ns_link(c->raw.data, c->raw.len, &ino))
		ino = 0;
	return ino;
}

/*
 * The view of /proc in use.  A proc mounted with hidepid=1 ("noaccess")
 * or hidepid=2 ("invisible") hides or locks other users' processes
 * (proc(5)): the snapshot must say that it saw a restricted view.  The
 * mount is found by the mnt_id of our own fd of the proc root (fdinfo),
 * its options in our mountinfo (the super options, after " - proc ").
 */
static void proc_view(struct capture *c)
{
	struct parse_fdinfo fi;
	char name[48], id[24];
	const char *p, *end;
	bool truncated;
	size_t idl;

	snprintf(name, sizeof(name), "self/fdinfo/%d", c->rootfd);
	if (procfs_read(c->rootfd, name, 4096, &c->raw, &truncated) ||
	    parse_fdinfo(c->raw.data, c->raw.len, &fi) || !fi.has_mnt_id)
		return;
	idl = (size_t)snprintf(id, sizeof(id), "%d ", fi.mnt_id);
	if (procfs_read(c->rootfd, "self/mountinfo", CAPTURE_MAX_RAW, &c->raw, &truncated))
		return;
	for (p = c->raw.data, end = p + c->raw.len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *sep, *o, *h;
		size_t n;

		if ((size_t)(le - p) > idl && memcmp(p, id, idl) == 0 &&
		    (sep = memmem(p, (size_t)(le - p), " - proc ", 8)) != NULL) {
			/* " - proc SOURCE OPTIONS" */
			o = memchr(sep + 8, ' ', (size_t)(le - sep - 8));
			if (!o)
				return;
			o++;
			n = (size_t)(le - o);
			if (n >= sizeof(c->proc_opts))
				n = sizeof(c->proc_opts) - 1;
			memcpy(c->proc_opts, o, n);
			c->proc_opts[n] = '\0';
			c->proc_opts_known = true;
			h = strstr(c->proc_opts, "hidepid=");
			if (h) {
				size_t k = strcspn(h + 8, ",");

				snprintf(c->st.hidepid, sizeof(c->st.hidepid), "%.*s",
					 (int)(k < 15 ? k : 15), h + 8);
				c->st.restricted_view = strcmp(c->st.hidepid, "0") != 0 &&
							strcmp(c->st.hidepid, "off") != 0;
			}
			return;
		}
		p = le + 1;
	}
}

int capture_run(struct capture *c, int fd, const char *topdir)
{
	struct timespec m1;
	int *pids = NULL;
	size_t npids = 0;
	int r;

	clock_gettime(CLOCK_REALTIME, &c->t0);
	clock_gettime(CLOCK_MONOTONIC, &c->m0);
	c->caller = pthread_self();
	c->rootfd = open(c->o.proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->rootfd < 0)
		return fail(c, -errno, "%s: %s", c->o.proc_root, strerror(errno));
	c->st.not_root = geteuid() != 0;
	c->own_net = own_ns(c, "net");
	c->own_mnt = own_ns(c, "mnt");
	proc_view(c);
	pthread_mutex_init(&c->nsmu, NULL);
	pthread_cond_init(&c->nscv, NULL);
	c->ns_ready = true;
	r = snapwriter_open(&c->w, fd, c->o.compress, topdir, c->t0.tv_sec);
	if (r)
		return fail(c, r, "%s", snapwriter_error(c->w));
	c->topdir = topdir;
	if (c->o.npids) {
		npids = c->o.npids;
		pids = malloc(npids * sizeof(*pids));
		if (!pids) {
			r = fail(c, -ENOMEM, "out of memory");
			goto out;
		}
		memcpy(pids, c->o.pids, npids * sizeof(*pids));
		/* Members must come in ascending pid order, each pid once
		 * (docs/FORMAT.md): -p 2 -p 1 -p 2 is pids 1 and 2. */
		npids = sort_unique(pids, npids);
	} else {
		r = procfs_list_numeric(c->rootfd, ".", &pids, &npids);
		if (r) {
			fail(c, r, "%s: cannot list processes: %s", c->o.proc_root,
			     strerror(-r));
			goto out;
		}
	}
	c->pids = pids;
	c->npids = npids;
	r = collect_all(c);
	if (r)
		goto out;
	if (stopped(c)) {
		r = fail(c, -EINTR, "interrupted");
		goto out;
	}
	r = capture_summary(c);
	if (r)
		goto out;
	r = snapwriter_finish(c->w);
	if (r)
		fail(c, r, "%s", snapwriter_error(c->w));
out:
	clock_gettime(CLOCK_MONOTONIC, &m1);
	c->st.seconds = (double)(m1.tv_sec - c->m0.tv_sec) +
			(double)(m1.tv_nsec - c->m0.tv_nsec) / 1e9;
	c->pids = NULL;
	free(pids);
	return r;
}

time_t capture_started(const struct capture *c)
{
	return c->t0.tv_sec;
}

const struct capture_stats *capture_stats(const struct capture *c)
{
	return &c->st;
}

const char *capture_error(const struct capture *c)
{
	return c ? c->err : "out of memory";
}

void capture_free(struct capture *c)
{
	size_t i;

	if (!c)
		return;
	stop_formatter(c, true);
	for (i = 0; i < NLANES; i++)
		batch_free(c->lanes[i].head);
	batch_free(c->spare);
	if (c->mu_ready) {
		pthread_mutex_destroy(&c->mu);
		pthread_cond_destroy(&c->work);
		pthread_cond_destroy(&c->space);
	}
	snapwriter_free(c->w);
	if (c->rootfd >= 0)
		close(c->rootfd);
	sockets_free(&c->socks);
	u64map_free(&c->netns, free_netns);
	u64map_free(&c->mntns, NULL);
	if (c->ns_ready) {
		pthread_mutex_destroy(&c->nsmu);
		pthread_cond_destroy(&c->nscv);
	}
	u64map_free(&c->stored, free_stored);
	buf_free(&c->json);
	buf_free(&c->fds);
	buf_free(&c->raw);
	buf_free(&c->errbuf);
	buf_free(&c->fderr);
	free(c);
}
