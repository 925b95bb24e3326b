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
#include "output.h"
#include "parse.h"
#include "privproc.h"
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
"  --max-file-size N   store at most N bytes of each recovered file\n"
"                      (K/M/G/T suffixes; default 4G); larger ones are\n"
"                      stored truncated and marked so\n"
"  --read-timeout SECS give up on a read of a process's cmdline, environ\n"
"                      or maps after SECS seconds (default 5; it waits on\n"
"                      the process's memory lock): recorded as ETIMEDOUT,\n"
"                      its other such reads skipped, the capture goes on\n"
"  -p, --pid PID       capture only this process (repeatable)\n"
"  --proc DIR          read this proc tree instead of /proc (testing; no\n"
"                      private /proc then)\n"
"  --probe-pids        look for processes hidden from /proc's listing by\n"
"                      probing every pid up to pid_max (default: only when\n"
"                      pid_max <= 131072)\n"
"  --no-probe-pids     never probe\n"
"  --no-sock-diag      read sockets from /proc/net only, not also through\n"
"                      netlink sock_diag (which may load the kernel's\n"
"                      tcp_diag, udp_diag and unix_diag modules)\n"
"  --progress          draw the status line even when stderr is not a\n"
"                      terminal (it is drawn on a terminal unless -q)\n"
"  -q, --quiet         no status line and no summary on stderr\n"
"  -h, --help          this help\n"
"  -V, --version       print the version\n"
"\n"
"The final archive path is printed on stdout.  SIGINT, SIGTERM or SIGHUP\n"
"stops a capture within a second and removes the partial archive.  Exit\n"
"status: 0 when a complete archive was written (items that could not be\n"
"read are recorded in it), 2 when no complete archive exists.\n");
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
	if (s->mapped_deleted || s->thread_tables || s->net_namespaces)
		fprintf(stderr,
			"procsnap: %llu mappings of deleted files, %llu threads' own fd "
			"tables (%llu fds), %llu other network namespaces\n",
			(unsigned long long)s->mapped_deleted,
			(unsigned long long)s->thread_tables,
			(unsigned long long)s->thread_fds,
			(unsigned long long)s->net_namespaces);
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
}

/* What the command line asked for. */
struct args {
	struct capture_opts o;
	const char *dir;
	int *pids;        /* malloc'ed; o.pids borrows it */
	size_t npids;
	bool quiet;
	bool progress;    /* --progress */
};

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

/*
 * Parses the command line into *a.  Returns -1 to go on capturing, or the
 * exit status: 0 after --help or --version, 2 after a usage error (said).
 */
static int parse_args(int argc, char **argv, struct args *a)
{
	enum { OPT_COMPRESS = 256, OPT_NO_CONTENT, OPT_MAX, OPT_PROC, OPT_TIMEOUT,
	       OPT_PROBE, OPT_NO_PROBE, OPT_NO_DIAG, OPT_PROGRESS };
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "compress", required_argument, NULL, OPT_COMPRESS },
		{ "no-content", no_argument, NULL, OPT_NO_CONTENT },
		{ "max-file-size", required_argument, NULL, OPT_MAX },
		{ "pid", required_argument, NULL, 'p' },
		{ "proc", required_argument, NULL, OPT_PROC },
		{ "read-timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "probe-pids", no_argument, NULL, OPT_PROBE },
		{ "no-probe-pids", no_argument, NULL, OPT_NO_PROBE },
		{ "no-sock-diag", no_argument, NULL, OPT_NO_DIAG },
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
		case OPT_PROBE:
			a->o.probe = CAPTURE_PROBE_ON;
			break;
		case OPT_NO_PROBE:
			a->o.probe = CAPTURE_PROBE_OFF;
			break;
		case OPT_NO_DIAG:
			a->o.no_sock_diag = true;
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

/* One capture into a->dir: 0 when a complete archive was written, else 2
 * (said on stderr, nothing left under a final name). */
static int capture_once(struct args *a, struct progress_line *pl)
{
	struct output out = OUTPUT_INIT;
	struct privproc priv = PRIVPROC_INIT;
	struct capture *c = NULL;
	struct utsname u;
	char base[160], name[200];
	int rc = 2, r;

	snprintf(base, sizeof(base), "%s", uname(&u) == 0 ? u.nodename : "unknown");
	capture_basename(base, sizeof(base), u.nodename, time(NULL));
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
			: "partial output removed");
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
	if (!a->quiet)
		summary(capture_stats(c), out.is_stdout ? "stdout" : out.path);
	rc = 0;
out:
	output_close(&out, false);
	capture_free(c);
	privproc_release(&priv);
	return rc;
}

int main(int argc, char **argv)
{
	struct args a = { .o = { .compress = SNAP_COMPRESS_GZIP }, .dir = "." };
	struct progress_line pl;
	int rc;

	rc = parse_args(argc, argv, &a);
	if (rc >= 0)
		goto out;
	progress_line_init(&pl, statusline_wanted(a.progress, a.quiet));
	if (pl.sl.on) {
		a.o.progress = progress_line_show;
		a.o.progress_arg = &pl;
	}
	signals_notice("procsnap", strcmp(a.dir, "-") == 0
		       ? "stopping; what is on stdout will not be a complete archive"
		       : "stopping; the partial archive will be removed",
		       isatty(STDERR_FILENO));
	a.o.stop = signals_install();
	rc = capture_once(&a, &pl);
	progress_line_done(&pl);
out:
	free(a.pids);
	return rc;
}
