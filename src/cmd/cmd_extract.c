/* cmd_extract: snapread extract — the recovered files, written under DIR and verified. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd_extract_mem.h"
#include "extract.h"
#include "jsonw.h"
#include "signals.h"
#include "snapread_progress.h"

static const char usage[] =
"usage: snapread extract -o DIR [--pid PID[,PID...]] [--fd N|exe] [--json]\n"
"                        [--progress] SNAP\n"
"Writes every recovered object that fds --deleted lists: a deleted file\n"
"held open to DIR/PID/fd/N, a deleted executable to DIR/PID/exe, a deleted\n"
"file a process maps to DIR/PID/mapped/START-END (not with --fd); content\n"
"shared is written once and hard-linked.  Captured memory regions go to\n"
"DIR/PID/mem/START-END (not with --fd).  Names come from numbers only.\n"
"Files are 0600, never executable.  A file is placed only when its bytes\n"
"match both the manifest and its record; a mismatch is named and exits 1.\n"
"Prints each file as \"SHA256  PID/fd/N\" (sha256sum -c can check it from\n"
"DIR).  A --pid or --fd not in the snapshot exits 2; so does SIGINT,\n"
"SIGTERM or SIGHUP, leaving only the files already placed and verified.\n"
"On a terminal a status line shows how far the reading is.\n"
"\n"
"  -o, --output DIR  where to write (made if missing; removed again if\n"
"                    extract fails having placed nothing in it)\n"
"  --pid PID         only these processes (repeatable, or comma-separated)\n"
"  --fd N            only fd N (repeatable); --fd exe: the executable\n"
"  --core PID        instead: DIR/PID.core, an ELF core of the memory captured\n"
"                    of PID, and the gdb command line that opens it safely\n"
"  --json            one JSON object per file per line\n"
"                    (docs/schema/extract.json)\n"
"  --progress        draw the status line even when stderr is no terminal\n"
"  --help            this help\n";

struct out {
	bool json;
	int werr;
	struct buf b;
	struct read_progress rp;
};

/* One file placed, in the report's schema (docs/schema/extract.json):
 * which object it is, as fds names it, and its content as every other
 * --json says it, verified. */
static void file_json(struct buf *b, const struct extract_file *f)
{
	struct jsonw w;

	jsonw_init(&w, b);
	jsonw_open(&w, NULL);
	jsonw_str(&w, "path", f->path);
	jsonw_str(&w, "object", f->object);
	jsonw_int(&w, "pid", f->pid);
	if (f->fd >= 0)
		jsonw_int(&w, "fd", f->fd);
	if (f->start && f->end) {
		jsonw_str(&w, "start", f->start);
		jsonw_str(&w, "end", f->end);
	}
	jsonw_open(&w, "content");
	jsonw_str(&w, "status", f->status);
	jsonw_str(&w, "member", f->member);
	jsonw_str(&w, "sha256", f->sha256);
	jsonw_uint(&w, "size", f->size);
	jsonw_close(&w);
	jsonw_bool(&w, "verified", true);
	jsonw_str(&w, "link_of", f->link_of);
	jsonw_close(&w);
	buf_putc(b, '\n');
}

static void on_file(void *arg, const struct extract_file *f)
{
	struct out *o = arg;

	read_progress_clear(&o->rp);
	if (!o->json)
		buf_printf(&o->b, "%s  %s\n", f->sha256, f->path);
	else
		file_json(&o->b, f);
	if (!o->werr)
		o->werr = cmd_flush(&o->b);
	buf_reset(&o->b);
}

static void on_problem(void *arg, const char *msg)
{
	struct out *o = arg;

	read_progress_clear(&o->rp);
	cmd_error("%s", msg);
}

static void on_note(void *arg, const char *msg)
{
	struct out *o = arg;

	read_progress_clear(&o->rp);
	cmd_error("note: %s", msg);
}

static void on_progress(void *arg, const struct snapreader_progress *p)
{
	struct out *o = arg;

	read_progress_show(&o->rp, p);
}

/* The command line: the options for extract_run and the output's form. */
struct args {
	struct extract_opts eo;
	bool json, progress;
	int *pids, *fds;    /* eo.pids and eo.fds, owned here */
	size_t npids, nfds;
	int core;           /* --core PID, or 0 */
};

/* --fd N or --fd exe: 0, or CMD_TROUBLE after saying why. */
static int add_fd(struct args *a, const char *arg)
{
	if (strcmp(arg, "exe") == 0) {
		a->eo.exe = true;
		return cmd_int_append(&a->fds, &a->nfds, -1);
	}
	return cmd_fd_arg(arg, "--fd", &a->fds, &a->nfds);
}

/* The options into a: -1 to go on, else the exit status. */
static int parse(int argc, char **argv, struct args *a)
{
	enum { OPT_PID = 256, OPT_FD, OPT_JSON, OPT_PROGRESS, OPT_HELP, OPT_CORE };
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "pid", required_argument, NULL, OPT_PID },
		{ "fd", required_argument, NULL, OPT_FD },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "core", required_argument, NULL, OPT_CORE },
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	bool help = false;
	int opt, x;

	while ((opt = cmd_getopt(argc, argv, "o:", longopts)) != -1) {
		switch (opt) {
		case 'o': a->eo.dir = optarg; break;
		case OPT_JSON: a->json = true; break;
		case OPT_PROGRESS: a->progress = true; break;
		case OPT_HELP: help = true; break;
		case OPT_PID:
			if (cmd_pids(optarg, "--pid", &a->pids, &a->npids))
				return CMD_TROUBLE;
			break;
		case OPT_FD:
			if (add_fd(a, optarg))
				return CMD_TROUBLE;
			break;
		case OPT_CORE:
			if (cmd_number(optarg, "--core", &a->core))
				return CMD_TROUBLE;
			if (a->core <= 0) {
				cmd_error("--core: '%s' is not a pid", optarg);
				return CMD_TROUBLE;
			}
			break;
		default:
			return CMD_TROUBLE;
		}
	}
	x = cmd_operands(argc, argv, 1, help, usage);
	if (x >= 0)
		return x;
	if (!a->eo.dir)
		return cmd_usage_error("-o DIR is required");
	return -1;
}

/* Extracts from the snapshot at path: the exit status. */
static int run(const char *path, struct args *a)
{
	struct out o = { .json = a->json, .b = BUF_INIT };
	struct extract_result res;
	int rc, x;

	a->eo.pids = a->pids;
	a->eo.npids = a->npids;
	a->eo.fds = a->fds;
	a->eo.nfds = a->nfds;
	a->eo.arg = &o;
	a->eo.progress = on_progress;
	read_progress_init(&o.rp, "snapread extract", statusline_wanted(a->progress, false));
	/* Stopped by a signal or a closed pipe, the staging directory must
	 * still be removed: both become errors, not deaths. */
	signals_notice("snapread: extract", "stopping; the files placed so far stay",
		       o.rp.sl.on);
	a->eo.stop = signals_install();
	x = extract_run(path, &a->eo, &res);
	read_progress_done(&o.rp);
	if (x) {
		cmd_error("%s: %s", cmd_path(path), res.message);
		rc = CMD_TROUBLE;
	} else if (o.werr) {
		cmd_error("standard output: %s", strerror(-o.werr));
		rc = CMD_TROUBLE;
	} else if (res.problems) {
		cmd_error("%s: verification FAILED: %lu problem%s; %lu file%s extracted",
			  cmd_path(path), res.problems, res.problems == 1 ? "" : "s",
			  res.files, res.files == 1 ? "" : "s");
		rc = CMD_FAILED;
	} else {
		rc = CMD_OK;
	}
	buf_free(&o.b);
	return cmd_finish_output(rc);
}

/* True when there is nothing at dir: extract will make it. */
static bool dir_missing(const char *dir)
{
	struct stat st;

	return lstat(dir, &st) < 0 && errno == ENOENT;
}

int cmd_extract(int argc, char **argv)
{
	struct args a = { .eo = { .file = on_file, .problem = on_problem, .note = on_note } };
	int rc = parse(argc, argv, &a);
	bool made = rc < 0 && dir_missing(a.eo.dir);

	if (rc < 0 && a.core) {
		rc = extract_cmd_core(argv[optind], a.eo.dir, a.core, a.json);
	} else if (rc < 0) {
		rc = run(argv[optind], &a);
		/* The memory regions (not asked for by --fd) need their own
		 * reading of the archive. */
		if (rc != CMD_TROUBLE && !a.nfds) {
			int m = extract_cmd_memory(argv[optind], a.eo.dir, a.pids, a.npids, a.json);

			rc = m > rc ? m : rc;
		}
	}
	/* An extract that failed leaves no DIR it made with nothing in it
	 * (rmdir removes only an empty one; a DIR that was there stays). */
	if (made && rc != CMD_OK)
		rmdir(a.eo.dir);
	free(a.pids);
	free(a.fds);
	return rc;
}
