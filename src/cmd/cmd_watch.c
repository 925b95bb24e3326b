/* cmd_watch: snapread watch — a series of snapshots as one time-ordered log of what processes did. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "watch.h"
#include "watchview.h"

static const char usage[] =
"usage: snapread watch [--pid PID[,PID...]] [--fd N] [--json] SNAP... | DIR\n"
"Reads snapshots in time order (a series from procsnap --every, or any\n"
"snapshots of one host; a DIR gives every archive in it) and prints one log,\n"
"each line dated by the snapshot that saw it (UTC): processes started and\n"
"exited; fds opened, closed, or holding another file under the same number\n"
"(\"now\"); and for each fd whose offset moved, the file, the offset, the\n"
"size, the percentage and the rate since the snapshot before:\n"
"  13:02:07    4242 tarsnap         fd 5r /home/u/photos/0412.jpg 3.1 MiB/7.9 MiB (39%) +1.2 MiB/s\n"
"A file left when last seen at its end is \"finished\".  Then, per process\n"
"that read or wrote, a summary: /proc/PID/io's growth between the first and\n"
"the last snapshot it was seen in, and how far its offsets moved.\n"
"procsnap's own processes are left out.\n"
"\n"
"  --pid PID       only these processes (repeatable, or comma-separated)\n"
"  --fd N          only fd N (repeatable): its events and the summaries\n"
"  --json          one JSON object per event per line (docs/schema/watch.json)\n"
"  --help          this help\n";

struct args {
	int *pids, *fds;
	size_t npids, nfds;
	bool json;
	char **paths;          /* owned, each */
	size_t npaths, cap;
};

struct out {
	bool json;
	int werr;              /* the output failed (-errno) */
	struct buf b;
};

static int add_path(struct args *a, const char *p)
{
	char *c = strdup(p);

	if (c && a->npaths == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 32;
		char **v = realloc(a->paths, cap * sizeof(*v));

		if (!v) {
			free(c);
			c = NULL;
		} else {
			a->paths = v;
			a->cap = cap;
		}
	}
	if (!c) {
		cmd_error("out of memory");
		return CMD_TROUBLE;
	}
	a->paths[a->npaths++] = c;
	return 0;
}

/* An archive procsnap writes: .tar.gz, .tar.zst or .tar (not .partial). */
static bool archive_name(const char *n)
{
	static const char *const suffixes[] = { ".tar.gz", ".tar.zst", ".tar" };
	size_t i, len = strlen(n);

	if (n[0] == '.')
		return false;
	for (i = 0; i < sizeof(suffixes) / sizeof(*suffixes); i++) {
		size_t s = strlen(suffixes[i]);

		if (len > s && strcmp(n + len - s, suffixes[i]) == 0)
			return true;
	}
	return false;
}

static int by_name(const struct dirent **x, const struct dirent **y)
{
	return strcmp((*x)->d_name, (*y)->d_name);
}

/* A directory's archives, by name (watch orders them by time anyway). */
static int add_dir(struct args *a, const char *dir)
{
	struct dirent **v = NULL;
	int n = scandir(dir, &v, NULL, by_name), i, rc = 0;
	size_t before = a->npaths;

	if (n < 0) {
		cmd_error("%s: %s", cmd_path(dir), strerror(errno));
		return CMD_TROUBLE;
	}
	for (i = 0; i < n; i++) {
		if (!rc && archive_name(v[i]->d_name)) {
			size_t len = strlen(dir) + strlen(v[i]->d_name) + 2;
			char *p = malloc(len);

			if (p) {
				snprintf(p, len, "%s/%s", dir, v[i]->d_name);
				rc = add_path(a, p);
			} else {
				cmd_error("out of memory");
				rc = CMD_TROUBLE;
			}
			free(p);
		}
		free(v[i]);
	}
	free(v);
	if (!rc && a->npaths == before) {
		cmd_error("%s: no snapshot in it (.tar.gz, .tar.zst, .tar)", cmd_path(dir));
		rc = CMD_TROUBLE;
	}
	return rc;
}

/* The options and operands into a: -1 to go on, else the exit status. */
static int parse(int argc, char **argv, struct args *a)
{
	enum { OPT_PID = 256, OPT_FD, OPT_JSON, OPT_HELP };
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, OPT_PID },
		{ "fd", required_argument, NULL, OPT_FD },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	bool help = false;
	struct stat st;
	int opt;

	while ((opt = cmd_getopt(argc, argv, "", longopts)) != -1) {
		switch (opt) {
		case OPT_JSON: a->json = true; break;
		case OPT_HELP: help = true; break;
		case OPT_PID:
			if (cmd_pids(optarg, "--pid", &a->pids, &a->npids))
				return CMD_TROUBLE;
			break;
		case OPT_FD:
			if (cmd_fd_arg(optarg, "--fd", &a->fds, &a->nfds))
				return CMD_TROUBLE;
			break;
		default:
			return CMD_TROUBLE;
		}
	}
	if (help) {
		fputs(usage, stdout);
		return cmd_finish_output(CMD_OK);
	}
	if (optind >= argc)
		return cmd_usage_error("missing operand");
	for (; optind < argc; optind++) {
		int rc = stat(argv[optind], &st) == 0 && S_ISDIR(st.st_mode)
			 ? add_dir(a, argv[optind]) : add_path(a, argv[optind]);

		if (rc)
			return rc;
	}
	return -1;
}

static int on_event(void *arg, const struct watch_event *e)
{
	struct out *o = arg;
	int w = o->json ? watchview_json(&o->b, e) : watchview_text(&o->b, e);

	if (!w)
		w = cmd_flush(&o->b);
	if (w)
		o->werr = w;
	return w;
}

static int run(struct args *a)
{
	struct watch_opts wo = { .pids = a->pids, .npids = a->npids, .fds = a->fds,
				 .nfds = a->nfds };
	struct out o = { .json = a->json, .b = BUF_INIT };
	struct watch *w = NULL;
	int x, rc = CMD_OK;
	size_t i;

	x = watch_open(&w, (const char *const *)a->paths, a->npaths);
	if (!x && !a->json) {
		x = watchview_header_text(&o.b, w);
		if (!x)
			x = o.werr = cmd_flush(&o.b);
	}
	if (!x)
		x = watch_run(w, &wo, on_event, &o);
	for (i = 0; !x && i < a->npids; i++)
		if (!watch_saw(w, a->pids[i])) {
			cmd_error("pid %d is in none of the %zu snapshots", a->pids[i],
				  watch_snapshots(w));
			rc = CMD_TROUBLE;
			break;
		}
	if (x) {
		/* A write error (EPIPE...) is the output's; else the reader's. */
		if (o.werr && o.werr != -ENOMEM)
			cmd_error("standard output: %s", strerror(-o.werr));
		else
			cmd_error("%s", watch_error(w));
		rc = CMD_TROUBLE;
	}
	watch_free(w);
	buf_free(&o.b);
	return cmd_finish_output(rc);
}

int cmd_watch(int argc, char **argv)
{
	struct args a = { 0 };
	int rc = parse(argc, argv, &a);
	size_t i;

	if (rc < 0)
		rc = run(&a);
	for (i = 0; i < a.npaths; i++)
		free(a.paths[i]);
	free(a.paths);
	free(a.pids);
	free(a.fds);
	return rc;
}
