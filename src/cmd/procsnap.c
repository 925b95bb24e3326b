/* procsnap: the capture command — options, output, signals, summary. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "escape.h"
#include "memsel.h"
#include "output.h"
#include "parse.h"
#include "selfcheck.h"
#include "privproc.h"
#include "procsnap_series.h"
#include "procsnap_progress.h"
#include "signals.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: procsnap [options]\n"
"Capture every process, its fds and its deleted-but-open files into one\n"
"verifiable archive (pax tar, ending with a SHA-256 manifest).\n"
"\n"
"  -o DIR              write the archive into DIR (default .); '-' streams\n"
"                      it to stdout, writing nothing to this host's disks\n"
"  --compress ALGO     gzip (default, level 1), zstd or none\n"
"  --no-content        metadata only: do not store recovered file bytes\n"
"                      or process memory\n"
"  --max-file-size N   store at most N bytes of each recovered file\n"
"                      (K/M/G/T suffixes; default 4G); larger ones are\n"
"                      stored truncated and marked so\n"
"  --hash-max-size N   hash each executable and library (exec_files) up\n"
"                      to N bytes (default 256M); larger ones are listed\n"
"                      unhashed, too-large\n"
"  --no-hash           list executables and libraries without reading them\n"
"  --read-timeout SECS give up on a read of a process's cmdline, environ\n"
"                      or maps after SECS seconds (default 5; it waits on\n"
"                      the process's memory lock): recorded as ETIMEDOUT,\n"
"                      its other such reads skipped, the capture goes on\n"
"  --memory MODE       process memory to capture: exec (default: every\n"
"                      anonymous executable mapping, and every file-less\n"
"                      mapping of a process running from a deleted, memfd\n"
"                      or tmpfs executable), full (every readable private\n"
"                      or anonymous mapping of the processes named with\n"
"                      -p) or none; device mappings are never read\n"
"  --max-memory N      capture at most N bytes of memory in all (default\n"
"                      512M); what a bound leaves out is recorded\n"
"  --max-process-memory N  at most N bytes of one process's (default 64M)\n"
"  --break-leases      read a deleted file even when a lease on it would\n"
"                      signal its holder (default: not opened, recorded)\n"
"  --no-touch-watched  do not read a deleted file that an inotify or\n"
"                      fanotify watcher would see opened (default: read,\n"
"                      the watchers recorded); reads every process's\n"
"                      watchers first\n"
"  -p, --pid PID       capture only this process (repeatable)\n"
"  --children          with -p: its descendants too\n"
"  --every SECS        a series: a capture every SECS seconds (0.1 or\n"
"                      more), each round a complete archive of its own in\n"
"                      DIR, named so that names sort in time order\n"
"  --count N           with --every: N rounds (default 0: until a signal)\n"
"  --no-reuse          with --every: copy every recovered file in every\n"
"                      round (default: a file an earlier round stored,\n"
"                      unchanged since, is referenced, not copied again)\n"
"  --proc DIR          read this proc tree instead of /proc (testing; no\n"
"                      private /proc then)\n"
"  --host-root DIR     read the host's files outside /proc (/etc/ld.so.preload)\n"
"                      under DIR instead of / (testing)\n"
"  --probe-pids        look for processes hidden from /proc's listing by\n"
"                      probing every pid up to pid_max (default: only when\n"
"                      pid_max <= 131072)\n"
"  --no-probe-pids     never probe\n"
"  --no-sock-diag      read sockets from /proc/net only, not also through\n"
"                      netlink sock_diag (which may load the kernel's\n"
"                      tcp_diag, udp_diag and unix_diag modules)\n"
"  --progress          draw the status line even when stderr is not a\n"
"                      terminal (it is drawn on a terminal unless -q)\n"
"  -q, --quiet         no status line and no summary on stderr (warnings\n"
"                      are still given)\n"
"  -h, --help          this help\n"
"  -V, --version       print the version\n"
"\n"
"The final archive path is printed on stdout.  SIGINT, SIGTERM or SIGHUP\n"
"stops a capture within a second, leaving no archive.  Exit\n"
"status: 0 when a complete archive was written (items that could not be\n"
"read are recorded in it), 2 when no complete archive exists.\n"
"\n"
"On a host that may be compromised, run procsnap-static: it loads no\n"
"library, so LD_PRELOAD and /etc/ld.so.preload cannot filter what it sees.\n");
}

/* A usage error: one line naming it, one saying where help is. */
static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("procsnap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'procsnap --help'.\n", stderr);
	return 2;
}

/* Processes whose exe, fds or maps could not be read: what they hold is
 * unknown, so the counts above are what could be examined, not what the
 * host holds (docs/FORMAT.md, summary.json). */
static void summary_unexamined(const struct capture_stats *s)
{
	static const char *const why[] = { "denied", "vanished", "timed out", "other errors" };
	const uint64_t n[] = { s->unexamined_denied, s->unexamined_vanished,
			       s->unexamined_timed_out, s->unexamined_other };
	const char *sep = "";
	size_t i;

	if (!s->procs_unexamined)
		return;
	fprintf(stderr, "procsnap: %llu process%s not examined in full (",
		(unsigned long long)s->procs_unexamined, s->procs_unexamined > 1 ? "es" : "");
	for (i = 0; i < sizeof(n) / sizeof(*n); i++)
		if (n[i]) {
			fprintf(stderr, "%s%llu %s", sep, (unsigned long long)n[i], why[i]);
			sep = ", ";
		}
	fprintf(stderr, "): the fds, sockets and deleted files %s are unknown, "
		"not in the counts above\n", s->procs_unexamined > 1 ? "they hold" : "it holds");
}

/* What was hidden from the host's /proc, and what the capture could not
 * see through. */
static void summary_hidden(const struct capture_stats *s)
{
	if (!s->private_proc)
		fprintf(stderr, "procsnap: no private /proc (%s): mounts over /proc/PID "
			"in this namespace hide what they cover from this capture too\n",
			s->private_proc_why);
	if (s->procs_hidden || s->pid_mounts || s->sockets_hidden)
		fprintf(stderr, "procsnap: HIDDEN: %llu processes hidden from the host's /proc "
			"(%llu missing from its listing, %llu mounts on /proc/PID), "
			"%llu sockets seen by only one of /proc/net and sock_diag; "
			"see \"hidden\" in process.json and fds.jsonl\n",
			(unsigned long long)s->procs_hidden,
			(unsigned long long)s->procs_unlisted,
			(unsigned long long)s->pid_mounts,
			(unsigned long long)s->sockets_hidden);
	if (s->search_seconds[0] > 0)
		fprintf(stderr, "procsnap: unlisted processes looked for in %.3f s (children), "
			"%.3f s (cgroup.procs), %.3f s (probe up to pid_max %llu)\n",
			s->search_seconds[0], s->search_seconds[1], s->search_seconds[2],
			(unsigned long long)s->pid_max);
	if (s->probe_skipped[0] && strcmp(s->probe_skipped, "--no-probe-pids") != 0)
		fprintf(stderr, "procsnap: pids not probed (%s)\n", s->probe_skipped);
}

static void summary(const struct capture_stats *s, const char *where)
{
	fprintf(stderr,
		"procsnap: %llu processes (%llu vanished), %llu fds, %llu sockets "
		"(%llu resolved)\n"
		"procsnap: %llu deleted-but-open files, %llu recovered (%llu bytes), "
		"%llu truncated, %llu shrunk, %llu changed while read, %llu failed\n"
		"procsnap: not readable: %llu denied, %llu vanished, %llu timed out, "
		"%llu other errors\n"
		"procsnap: %.2f s -> %s\n",
		(unsigned long long)s->procs, (unsigned long long)s->procs_vanished,
		(unsigned long long)s->fds, (unsigned long long)s->sockets,
		(unsigned long long)s->sockets_resolved,
		(unsigned long long)s->deleted, (unsigned long long)s->recovered,
		(unsigned long long)s->content_bytes, (unsigned long long)s->truncated,
		(unsigned long long)s->shrunk, (unsigned long long)s->changed,
		(unsigned long long)s->failed, (unsigned long long)s->denied,
		(unsigned long long)s->vanished_items,
		(unsigned long long)s->read_timeouts,
		(unsigned long long)s->other_errors, s->seconds, where);
	fprintf(stderr, "procsnap: %llu executables and libraries hashed (%llu bytes read), "
		"%llu not hashed (see exec_files)\n", (unsigned long long)s->exec_hashed,
		(unsigned long long)s->exec_hash_bytes, (unsigned long long)s->exec_unhashed);
	if (s->mapped_deleted || s->thread_tables || s->net_namespaces)
		fprintf(stderr,
			"procsnap: %llu mappings of deleted files, %llu threads' own fd "
			"tables (%llu fds), %llu other network namespaces\n",
			(unsigned long long)s->mapped_deleted,
			(unsigned long long)s->thread_tables,
			(unsigned long long)s->thread_fds,
			(unsigned long long)s->net_namespaces);
	if (s->mem_regions)
		fprintf(stderr,
			"procsnap: memory: %llu regions chosen, %llu captured (%llu bytes, %llu "
			"stored), %llu cut by a bound, %llu device mappings not read, %llu bytes "
			"unreadable\n",
			(unsigned long long)s->mem_regions, (unsigned long long)s->mem_captured,
			(unsigned long long)s->mem_bytes, (unsigned long long)s->mem_data,
			(unsigned long long)s->mem_bounded, (unsigned long long)s->mem_devices,
			(unsigned long long)s->mem_unreadable);
	summary_unexamined(s);
	if (s->restricted_view)
		fprintf(stderr, "procsnap: restricted view: /proc is mounted hidepid=%s, "
			"processes of other users may be hidden from this capture\n",
			s->hidepid);
	if (s->not_root)
		fprintf(stderr, "procsnap: not running as root: %llu processes had items "
			"denied (recorded in each process's errors)\n",
			(unsigned long long)s->procs_denied);
	summary_hidden(s);
	if (s->deleted_special)
		fprintf(stderr, "procsnap: %llu deleted FIFOs, sockets, devices or directories "
			"held open (never opened by procsnap)\n",
			(unsigned long long)s->deleted_special);
}

/* One file a lease holder or a watcher concerned: what was done, and who
 * will have seen it. */
static void touch_line(const struct capture_touch *t, void *arg)
{
	static struct buf path = BUF_INIT;
	const char *what;
	char holder[48];
	size_t i;

	(void)arg;
	if (t->fd >= 0)
		snprintf(holder, sizeof(holder), "pid %d fd %d", t->pid, t->fd);
	else if (t->member[0])
		snprintf(holder, sizeof(holder), "pid %d", t->pid);
	else
		snprintf(holder, sizeof(holder), "pid %d, to hash it", t->pid);
	/* A file opened only to hash it has no member: its path, escaped. */
	buf_reset(&path);
	if (!t->member[0])
		escape_text(&path, t->path ? t->path : "?", t->path ? strlen(t->path) : 1);
	what = !t->member[0] && path.data && !buf_error(&path) ? path.data : t->member;
	if (!t->opened) {
		fprintf(stderr, "procsnap: not read: %s (%s): %s\n", what, holder,
			t->why ? t->why : "not opened");
		return;
	}
	if (t->lease_broken)
		fprintf(stderr, "procsnap: LEASE BROKEN: %s (%s) was read through a lease; "
			"its holder was signalled (--break-leases)\n", what, holder);
	for (i = 0; i < t->nshown; i++) {
		const struct capture_watcher *w = &t->watchers[i];

		fprintf(stderr, "procsnap: SEEN: the read of %s (%s) was visible to pid %d "
			"(fd %d, %s on its %s)%s\n", what, holder, w->pid, w->fd,
			w->fanotify ? "fanotify" : "inotify", w->via,
			w->late ? ", met after the read" : "");
	}
	if (t->nwatchers > t->nshown)
		fprintf(stderr, "procsnap: SEEN: ... and by %zu more watchers (summary.json)\n",
			t->nwatchers - t->nshown);
}

/* A watcher of /proc: it sees the capture itself. */
static void proc_line(const struct capture_proc_watcher *w, void *arg)
{
	(void)arg;
	if (!w->sees_reads)
		return;
	if (w->path[0])
		fprintf(stderr, "procsnap: WATCHING /proc: pid %d (fd %d, %s) watches %s for "
			"reads: a capture that reads it is seen\n", w->pid, w->fd,
			w->fanotify ? "fanotify" : "inotify", w->path);
	else
		fprintf(stderr, "procsnap: WATCHING /proc: pid %d (fd %d, %s) watches a file "
			"of /proc (inode %llu) for reads: a capture that reads it is seen\n",
			w->pid, w->fd, w->fanotify ? "fanotify" : "inotify",
			(unsigned long long)w->ino);
}

/* Who noticed the capture: leases, watchers (touch.c). */
static void touch_summary(const struct capture *c, bool some_pids)
{
	const struct capture_stats *s = capture_stats(c);

	capture_each_touch(c, touch_line, NULL);
	capture_each_proc_watcher(c, proc_line, NULL);
	if (s->leased || s->leases_broken || s->watched_reads || s->watched_skipped ||
	    s->global_marks)
		fprintf(stderr, "procsnap: %llu files not read for a lease, %llu leases broken, "
			"%llu reads seen by watchers, %llu watched files not read, %llu "
			"fanotify marks on whole mounts or file systems\n",
			(unsigned long long)s->leased, (unsigned long long)s->leases_broken,
			(unsigned long long)s->watched_reads,
			(unsigned long long)s->watched_skipped,
			(unsigned long long)s->global_marks);
	if (s->watchers_incomplete)
		fprintf(stderr, "procsnap: some inotify or fanotify marks could not be read: "
			"a read may have been seen by a watcher not named here\n");
	else if (!s->watchers_scanned && some_pids)
		fprintf(stderr, "procsnap: watchers are known only among the processes "
			"captured (--no-touch-watched looks at every process first)\n");
}

/* Host bytes (a path, an environment value) made safe for one line of
 * stderr; valid until the next call. */
static const char *shown(const char *s)
{
	static struct buf b = BUF_INIT;

	buf_reset(&b);
	escape_text(&b, s, strlen(s));
	return b.data && !buf_error(&b) ? b.data : "?";
}

/*
 * Foreign code in procsnap itself, said before anything is read: the
 * dynamic build is only as honest as the loader that assembled it, and a
 * preloaded library can filter every listing it makes.
 */
static void warn_self(const struct selfcheck *s)
{
	size_t i;

	for (i = 0; i < s->nforeign; i++)
		fprintf(stderr, "procsnap: WARNING: foreign code in procsnap: %s is none of "
			"its libraries (put there by LD_PRELOAD, /etc/ld.so.preload or "
			"LD_AUDIT?); it may hide processes, files and sockets from this "
			"capture: use procsnap-static\n", shown(s->foreign[i]));
	for (i = 0; i < s->nenv; i++) {
		if (s->is_static) {
			fprintf(stderr, "procsnap: note: %s is set in the environment "
				"(recorded in host.json; procsnap-static loads no code "
				"through it)\n", shown(s->env[i].name));
			continue;
		}
		fprintf(stderr, "procsnap: WARNING: %s", shown(s->env[i].name));
		fprintf(stderr, "=%s is set: this dynamically linked procsnap's loader "
			"or libraries act on it: use procsnap-static\n",
			shown(s->env[i].value));
	}
}

/* What the capture learned about where it ran that limits what it saw:
 * said even with -q. */
static void warn_host(const struct capture_stats *s, bool is_static)
{
	/* A /proc that numbers procsnap differently from getpid() shows
	 * another namespace's pids: a parent's, whose processes it sees. */
	if (s->child_pid_ns && s->proc_pid != getpid())
		fprintf(stderr, "procsnap: running in a child pid namespace, reading a "
			"parent namespace's /proc: processes are recorded under its pids "
			"(procsnap is %d there)\n", s->proc_pid);
	else if (s->child_pid_ns)
		fprintf(stderr, "procsnap: running in a child pid namespace (a "
			"container?): the host's other processes are not visible from "
			"here; capture from the host's initial pid namespace\n");
	if (s->ld_so_preload)
		fprintf(stderr, "procsnap: %s/etc/ld.so.preload is not empty: every "
			"dynamically linked program on this host loads what it names%s; "
			"stored as host/etc/ld.so.preload\n",
			is_static ? "" : "WARNING: ",
			is_static ? " (procsnap-static does not)" :
			", this procsnap included: use procsnap-static");
}

/* What the command line asked for. */
struct args {
	struct capture_opts o;
	const char *dir;
	int *pids;        /* malloc'ed; o.pids borrows it */
	size_t npids;
	bool quiet;
	struct series_opts series; /* every_ms 0: one capture */
	bool count_given;
	bool progress;    /* --progress */
	struct progress_line *pl; /* the status line (main's), for each round */
	struct selfcheck self; /* o.selfcheck borrows it */
};

/* --every SECS, --count N.  0, or 2 after saying why. */
static int set_series(struct args *a, bool every, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (every && (errno || *end || end == s || !(v >= 0.1 && v <= 86400)))
		return usage_error("--every: '%s' is not a number of seconds (0.1 to 86400)", s);
	if (!every && (errno || *end || end == s || !(v >= 0 && v <= 1e9) ||
		       v != (double)(unsigned long)v))
		return usage_error("--count: '%s' is not a number of rounds", s);
	if (every)
		a->series.every_ms = (uint64_t)(v * 1000 + 0.5);
	else
		a->series.count = (unsigned long)v, a->count_given = true;
	return 0;
}

/* The options that go together: 0, or 2 after saying why. */
static int check_series(struct args *a)
{
	if (a->count_given && !a->series.every_ms)
		return usage_error("--count needs --every");
	if (a->o.children && !a->npids)
		return usage_error("--children needs -p PID");
	if (a->series.every_ms && strcmp(a->dir, "-") == 0)
		return usage_error("--every writes an archive per round: give -o DIR, not -o -");
	a->series.suffix = snapwriter_suffix(a->o.compress);
	a->series.quiet = a->quiet;
	return 0;
}

/* -p PID: appended to a->pids.  0, or 2 after saying why. */
static int add_pid(struct args *a, const char *s)
{
	char *end;
	long v;
	int *np;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v <= 0 || v > INT_MAX)
		return usage_error("-p: '%s' is not a pid", s);
	np = realloc(a->pids, (a->npids + 1) * sizeof(*np));
	if (!np) {
		fprintf(stderr, "procsnap: out of memory\n");
		return 2;
	}
	a->pids = np;
	a->pids[a->npids++] = (int)v;
	return 0;
}

/* --read-timeout SECS.  0, or 2 after saying why. */
static int set_timeout(struct args *a, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || end == s || !(v >= 0.001 && v <= 86400))
		return usage_error("--read-timeout: '%s' is not a number of seconds "
				   "(0.001 to 86400)", s);
	a->o.read_timeout_ms = (long)(v * 1000 + 0.5);
	return 0;
}

/* --max-memory N, --max-process-memory N.  0, or 2 after saying why. */
static int set_memory_bound(struct args *a, bool total, const char *s)
{
	uint64_t v;

	if (parse_size(s, &v) || !v)
		return usage_error("--max-%smemory: '%s' is not a size like 64M",
				   total ? "" : "process-", s);
	if (total)
		a->o.max_memory = v;
	else
		a->o.max_process_memory = v;
	return 0;
}

/*
 * Parses the command line into *a.  Returns -1 to go on capturing, or the
 * exit status: 0 after --help or --version, 2 after a usage error (said).
 */
static int parse_args(int argc, char **argv, struct args *a)
{
	enum { OPT_COMPRESS = 256, OPT_NO_CONTENT, OPT_MAX, OPT_PROC, OPT_TIMEOUT,
	       OPT_MEMORY, OPT_MAX_MEMORY, OPT_MAX_PROC_MEMORY, OPT_HOST_ROOT,
	       OPT_BREAK_LEASES, OPT_NO_TOUCH_WATCHED, OPT_PROBE, OPT_NO_PROBE,
	       OPT_NO_DIAG, OPT_HASH_MAX, OPT_NO_HASH, OPT_CHILDREN, OPT_EVERY, OPT_COUNT,
	       OPT_NO_REUSE, OPT_PROGRESS };
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "compress", required_argument, NULL, OPT_COMPRESS },
		{ "no-content", no_argument, NULL, OPT_NO_CONTENT },
		{ "max-file-size", required_argument, NULL, OPT_MAX },
		{ "hash-max-size", required_argument, NULL, OPT_HASH_MAX },
		{ "no-hash", no_argument, NULL, OPT_NO_HASH },
		{ "pid", required_argument, NULL, 'p' },
		{ "proc", required_argument, NULL, OPT_PROC },
		{ "host-root", required_argument, NULL, OPT_HOST_ROOT },
		{ "read-timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "memory", required_argument, NULL, OPT_MEMORY },
		{ "max-memory", required_argument, NULL, OPT_MAX_MEMORY },
		{ "max-process-memory", required_argument, NULL, OPT_MAX_PROC_MEMORY },
		{ "break-leases", no_argument, NULL, OPT_BREAK_LEASES },
		{ "no-touch-watched", no_argument, NULL, OPT_NO_TOUCH_WATCHED },
		{ "probe-pids", no_argument, NULL, OPT_PROBE },
		{ "no-probe-pids", no_argument, NULL, OPT_NO_PROBE },
		{ "no-sock-diag", no_argument, NULL, OPT_NO_DIAG },
		{ "children", no_argument, NULL, OPT_CHILDREN },
		{ "every", required_argument, NULL, OPT_EVERY },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "no-reuse", no_argument, NULL, OPT_NO_REUSE },
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *bad;
	int opt;

	/* Our own messages, not getopt's (which name argv[0], a path): a
	 * leading ':' makes a missing argument ':' rather than '?'. */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:p:qhV", longopts, NULL)) != -1) {
		bad = optind > 1 && optind - 1 < argc ? argv[optind - 1] : "?";
		switch (opt) {
		case 'o':
			a->dir = optarg;
			break;
		case OPT_COMPRESS:
			if (snapwriter_parse_compress(optarg, &a->o.compress))
				return usage_error("--compress: '%s' is not gzip, zstd or none", optarg);
			break;
		case OPT_NO_CONTENT:
			a->o.no_content = true;
			break;
		case OPT_MAX:
			if (parse_size(optarg, &a->o.max_file_size) || !a->o.max_file_size)
				return usage_error("--max-file-size: '%s' is not a size like 512M", optarg);
			break;
		case OPT_HASH_MAX:
			if (parse_size(optarg, &a->o.hash_max_size) || !a->o.hash_max_size) {
				fprintf(stderr, "procsnap: --hash-max-size: '%s' is not a size like "
					"256M\n", optarg);
				return 2;
			}
			break;
		case OPT_NO_HASH:
			a->o.no_hash = true;
			break;
		case 'p':
			if (add_pid(a, optarg))
				return 2;
			break;
		case OPT_TIMEOUT:
			if (set_timeout(a, optarg))
				return 2;
			break;
		case OPT_PROC:
			a->o.proc_root = optarg;
			break;
		case OPT_MEMORY:
			if (memsel_parse_mode(optarg, &a->o.memory))
				return usage_error("--memory: '%s' is not exec, full or none", optarg);
			break;
		case OPT_MAX_MEMORY:
		case OPT_MAX_PROC_MEMORY:
			if (set_memory_bound(a, opt == OPT_MAX_MEMORY, optarg))
				return 2;
			break;
		case OPT_HOST_ROOT:
			a->o.host_root = optarg;
			break;
		case OPT_BREAK_LEASES:
			a->o.break_leases = true;
			break;
		case OPT_NO_TOUCH_WATCHED:
			a->o.no_touch_watched = true;
			break;
		case OPT_PROBE:
			a->o.probe = CAPTURE_PROBE_ON;
			break;
		case OPT_NO_PROBE:
			a->o.probe = CAPTURE_PROBE_OFF;
			break;
		case OPT_NO_DIAG:
			a->o.no_sock_diag = true;
			break;
		case OPT_CHILDREN:
			a->o.children = true;
			break;
		case OPT_EVERY:
		case OPT_COUNT:
			if (set_series(a, opt == OPT_EVERY, optarg))
				return 2;
			break;
		case OPT_NO_REUSE:
			a->series.reuse = false;
			break;
		case 'q':
			a->quiet = true;
			break;
		case OPT_PROGRESS:
			a->progress = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("procsnap %s (archive format %d)\n", PROCSNAP_VERSION,
			       CAPTURE_FORMAT_VERSION);
			return 0;
		case ':':
			return usage_error("option '%s' needs an argument", bad);
		default:
			if (optopt && strncmp(bad, "--", 2) != 0)
				return usage_error("unknown option '-%c'", optopt);
			return usage_error("unknown option '%s'", bad);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (strcmp(a->dir, "-") == 0 && isatty(STDOUT_FILENO))
		return usage_error("refusing to write an archive to a terminal; redirect stdout");
	if (a->o.memory == CAPTURE_MEMORY_FULL && !a->npids)
		return usage_error("--memory full needs the processes named with -p");
	if (check_series(a))
		return 2;
	a->o.pids = a->pids;
	a->o.npids = a->npids;
	a->o.argc = argc;
	a->o.argv = argv;
	return -1;
}

/*
 * -p: every pid asked for that is not a process now is named, on one
 * line.  Those that do exist are captured (a missing one is recorded as
 * vanished, like a process that exits mid-capture); when none does there
 * is nothing to capture: 2.
 */
static int check_pids(const struct args *a)
{
	char list[512];
	size_t i, len = 0, missing = 0;
	int n;

	for (i = 0; i < a->npids; i++) {
		if (capture_pid_exists(a->o.proc_root, a->pids[i]) == 0)
			continue;
		missing++;
		n = snprintf(list + len, sizeof(list) - len, "%s%d", len ? ", " : "", a->pids[i]);
		if (n > 0 && (size_t)n < sizeof(list) - len)
			len += (size_t)n;
	}
	if (!missing)
		return 0;
	if (missing == a->npids) {
		fprintf(stderr, "procsnap: -p %s: no such process%s\n", list,
			missing > 1 ? "es" : "");
		return 2;
	}
	fprintf(stderr, "procsnap: warning: -p %s: no such process%s (recorded as vanished)\n",
		list, missing > 1 ? "es" : "");
	return 0;
}

/* One capture into a->dir, as base (NULL: named for now), drawing its
 * progress on pl: 0 when a complete archive was written, else 2 (said on
 * stderr, nothing left under a final name). */
static int capture_once(struct args *a, const char *given, struct progress_line *pl)
{
	struct output out = OUTPUT_INIT;
	struct privproc priv = PRIVPROC_INIT;
	struct capture *c = NULL;
	struct utsname u;
	char base[160], name[200];
	int rc = 2, r;

	if (given)
		snprintf(base, sizeof(base), "%s", given);
	else if (uname(&u) == 0)
		capture_basename(base, sizeof(base), u.nodename, time(NULL));
	else
		capture_basename(base, sizeof(base), "unknown", time(NULL));
	snprintf(name, sizeof(name), "%s%s", base, snapwriter_suffix(a->o.compress));
	r = output_open(&out, a->dir, name);
	if (r) {
		fprintf(stderr, "procsnap: cannot create %s/%s: %s\n", a->dir,
			r == -EEXIST ? name : out.tmp ? out.tmp : name, strerror(-r));
		goto out;
	}
	/* The output is open (its directory resolved in the host's mount
	 * namespace): now procsnap may leave it, before any thread starts. */
	if (a->o.proc_root)
		privproc_skip(&priv, "proc-given");
	else
		privproc_enter(&priv, "/proc");
	a->o.priv = &priv;
	/* -p is checked in the /proc the capture reads: a process hidden
	 * from the host's by a mount over /proc/PID is found there. */
	if (check_pids(a))
		goto out;
	r = capture_new(&c, &a->o);
	if (!r)
		r = capture_run(c, out.fd, base);
	/* Whatever comes next starts a clean line. */
	progress_line_done(pl);
	if (*a->o.stop) {
		/* Stopped: the archive is abandoned, even when its end was
		 * already written, since the responder asked us to stop. */
		fprintf(stderr, "procsnap: stopped by signal %d (%s); %s\n", (int)*a->o.stop,
			signals_name(*a->o.stop), out.is_stdout
			? "what was written to stdout is not a complete archive"
			: "no archive left");
		goto out;
	}
	if (r) {
		fprintf(stderr, "procsnap: capture failed, no archive written: %s\n",
			capture_error(c));
		goto out;
	}
	r = output_commit(&out);
	if (r) {
		fprintf(stderr, "procsnap: cannot finish %s: %s\n", out.path, strerror(-r));
		goto out;
	}
	if (!out.is_stdout) {
		printf("%s\n", out.path);
		if (fflush(stdout) != 0) {
			fprintf(stderr, "procsnap: cannot print the archive path: %s\n", strerror(errno));
		}
	}
	if (!a->quiet) {
		summary(capture_stats(c), out.is_stdout ? "stdout" : out.path);
		touch_summary(c, a->npids > 0);
	}
	warn_host(capture_stats(c), a->self.is_static);
	rc = 0;
out:
	output_close(&out, false);
	capture_free(c);
	privproc_release(&priv);
	return rc;
}

/* One round of a series (procsnap_series.c), in a process of its own: procsnap's
 * own two processes are both "self". */
static int capture_round(void *arg, const char *base, const struct capture_series *round,
			 struct reuse *reuse)
{
	struct args *a = arg;

	a->o.series = round;
	a->o.reuse = reuse;
	a->o.parent_self = (int)getppid();
	return capture_once(a, base, a->pl);
}

int main(int argc, char **argv)
{
	struct args a = { .o = { .compress = SNAP_COMPRESS_GZIP }, .dir = ".",
			  .self = SELFCHECK_INIT, .series = { .reuse = true } };
	struct progress_line pl;
	int rc;

	rc = parse_args(argc, argv, &a);
	if (rc >= 0)
		goto out;
	if (selfcheck_run(&a.self)) {
		fprintf(stderr, "procsnap: out of memory\n");
		rc = 2;
		goto out;
	}
	warn_self(&a.self);
	a.o.selfcheck = &a.self;
	progress_line_init(&pl, statusline_wanted(a.progress, a.quiet));
	if (pl.sl.on) {
		a.o.progress = progress_line_show;
		a.o.progress_arg = &pl;
	}
	signals_notice("procsnap", strcmp(a.dir, "-") == 0
		       ? "stopping; what is on stdout will not be a complete archive"
		       : a.series.every_ms ? "stopping; the rounds already complete are kept"
		       : "stopping; no archive will be left",
		       /* Where a status line is drawn (--progress into a
			* file too), the acknowledgement takes its place. */
		       pl.sl.on || isatty(STDERR_FILENO));
	a.o.stop = signals_install();
	a.pl = &pl;
	if (a.series.every_ms)
		rc = series_run(&a.series, a.o.stop, capture_round, &a);
	else
		rc = capture_once(&a, NULL, &pl);
	progress_line_done(&pl);
out:
	selfcheck_free(&a.self);
	free(a.pids);
	return rc;
}
