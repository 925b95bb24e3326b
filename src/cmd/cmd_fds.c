/* cmd_fds: snapread fds — the open files of a snapshot, lsof-like, in constant memory. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "snapshot.h"
#include "snapview.h"

static const char usage[] =
"usage: snapread fds [--pid PID[,PID...]] [--deleted] [--changing] [--type TYPE]\n"
"                    [--json] SNAP\n"
"The open files: PID, FD, TYPE, SIZE, DEL (the open file is deleted),\n"
"CONTENT (captured, truncated, shrunk, skipped, failed; - when there is\n"
"nothing to recover) and the target; sockets show their endpoints.  Then\n"
"the thread whose own fd table holds it, its kind (memfd and its seals,\n"
"tmpfile, pidfd, eventfd, ...) and [changing] when the file's size or\n"
"mtime moved while it was read; a reason, when recorded, in [brackets].\n"
"\n"
"  --pid PID       only these processes (repeatable, or comma-separated)\n"
"  --deleted       only fds whose open file is deleted\n"
"  --changing      only files that changed while they were read\n"
"  --type TYPE     only this type: file, memfd, dir, socket, pipe, fifo,\n"
"                  chr, blk, anon, other, unknown; or this kind: tmpfile,\n"
"                  pidfd, eventfd, eventpoll, ... (repeatable)\n"
"  --json          one JSON object per fd per line\n"
"  --help          this help\n";

struct fds {
	bool json, deleted, changing;
	int *pids;
	size_t npids;
	const char **types;
	size_t ntypes;
};

/* The filters on the record (the pid is checked first, by cmd_pid_wanted). */
static bool wanted(const struct fds *f, const json_t *fd)
{
	size_t i;
	bool ok;

	if (f->deleted && !snapview_fd_deleted(fd))
		return false;
	if (f->changing && !snapview_fd_changing(fd))
		return false;
	for (i = 0, ok = !f->ntypes; i < f->ntypes && !ok; i++)
		ok = strcmp(f->types[i], snapview_fd_type(fd)) == 0 ||
		     (snapview_fd_kind(fd) && strcmp(f->types[i], snapview_fd_kind(fd)) == 0);
	return ok;
}

/* The options into f: -1 to go on, else the exit status. */
static int parse(int argc, char **argv, struct fds *f)
{
	enum { OPT_PID = 256, OPT_DELETED, OPT_CHANGING, OPT_TYPE, OPT_JSON, OPT_HELP };
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, OPT_PID },
		{ "deleted", no_argument, NULL, OPT_DELETED },
		{ "changing", no_argument, NULL, OPT_CHANGING },
		{ "type", required_argument, NULL, OPT_TYPE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	bool help = false;
	int opt;

	while ((opt = cmd_getopt(argc, argv, "", longopts)) != -1) {
		switch (opt) {
		case OPT_DELETED: f->deleted = true; break;
		case OPT_CHANGING: f->changing = true; break;
		case OPT_JSON: f->json = true; break;
		case OPT_HELP: help = true; break;
		case OPT_PID:
			if (cmd_pids(optarg, "--pid", &f->pids, &f->npids))
				return CMD_TROUBLE;
			break;
		case OPT_TYPE: {
			const char **t = realloc(f->types, (f->ntypes + 1) * sizeof(*t));

			if (!t) {
				cmd_error("out of memory");
				return CMD_TROUBLE;
			}
			f->types = t;
			t[f->ntypes++] = optarg;
			break;
		}
		default:
			return CMD_TROUBLE;
		}
	}
	return cmd_operands(argc, argv, 1, help, usage);
}

/* The fd records of the snapshot at path that f wants: the exit status. */
static int list(const char *path, const struct fds *f)
{
	struct snapshot_opts so = { .fds = true };
	struct buf out = BUF_INIT;
	struct snapshot *s = NULL;
	struct snapshot_item it;
	int rc, x, w = 0;

	/* With --pid, the other processes' records are passed over unparsed:
	 * parsing is most of the time (docs/PERFORMANCE.md). */
	so.fd_text = f->npids > 0;
	x = snapshot_open(&s, path, &so);
	if (!x && !f->json)
		buf_puts(&out, snapview_fd_header());
	/* One record at a time: memory does not grow with the snapshot. */
	while (!x && !w && (x = snapshot_next(s, &it)) > 0) {
		json_t *j = NULL;    /* the record parsed here (fd_text) */
		const json_t *rec;

		x = 0;
		if (it.kind != SNAPSHOT_FD || !cmd_pid_wanted(f->pids, f->npids, it.pid))
			continue;
		if (so.fd_text) {
			x = snapshot_fd_parse(s, it.pid, it.line, it.text, it.len, &j);
			if (x)
				break;
		}
		rec = j ? j : it.json;
		if (wanted(f, rec))
			w = f->json ? snapview_fd_json(&out, rec) : snapview_fd_text(&out, rec);
		json_decref(j);
		if (!w)
			w = cmd_flush(&out);
	}
	rc = cmd_done(&out, w, x, path, s);
	snapshot_free(s);
	buf_free(&out);
	return rc;
}

int cmd_fds(int argc, char **argv)
{
	struct fds f = { 0 };
	int rc = parse(argc, argv, &f);

	if (rc < 0)
		rc = list(argv[optind], &f);
	free(f.pids);
	free(f.types);
	return rc;
}
