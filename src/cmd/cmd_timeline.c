/* cmd_timeline: snapread timeline — the times of one or more snapshots, merged, as a bodyfile, JSON Lines or CSV. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "timeline.h"
#include "timelineview.h"

static const char usage[] =
"usage: snapread timeline [--format bodyfile|jsonl|csv] SNAP...\n"
"The times the snapshots hold, merged into one time-ordered timeline: each\n"
"capture's start and end, each process's start, and the atime, mtime,\n"
"ctime and btime (birth, where the file system keeps one) of every\n"
"distinct file seen (open, executable, deleted cwd, deleted mapped file),\n"
"with whether it is deleted, its sha256 when its bytes were recovered, and\n"
"the processes holding it.  The same file with the same times, or the\n"
"same process, seen in several snapshots is written once.\n"
"\n"
"  --format bodyfile  The Sleuth Kit 3.x body format, files only, for\n"
"                     mactime -b FILE (MD5 is always 0: the snapshot has\n"
"                     SHA-256 only; a deleted file's name ends \" (deleted)\")\n"
"  --format jsonl     one event per line with message, datetime and\n"
"                     timestamp_desc for Timesketch, and typed fields\n"
"                     (docs/schema/timeline.json); the default\n"
"  --format csv       the same fields, RFC 4180 with a header row, cells\n"
"                     beginning = + - @ written '= (CSV injection)\n"
"  --json             the same as --format jsonl\n"
"  --help             this help\n";

enum format { F_JSONL, F_BODYFILE, F_CSV };

static int parse(int argc, char **argv, enum format *f)
{
	enum { OPT_FORMAT = 256, OPT_JSON, OPT_HELP };
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	bool help = false;
	int opt;

	while ((opt = cmd_getopt(argc, argv, "", longopts)) != -1) {
		switch (opt) {
		case OPT_HELP: help = true; break;
		case OPT_JSON: *f = F_JSONL; break;
		case OPT_FORMAT:
			if (strcmp(optarg, "bodyfile") == 0)
				*f = F_BODYFILE;
			else if (strcmp(optarg, "jsonl") == 0 || strcmp(optarg, "json") == 0)
				*f = F_JSONL;
			else if (strcmp(optarg, "csv") == 0)
				*f = F_CSV;
			else
				return cmd_usage_error("--format: '%s' is not bodyfile, jsonl or csv",
						       cmd_path(optarg));
			break;
		default:
			return CMD_TROUBLE;
		}
	}
	if (help)
		return cmd_operands(argc, argv, 0, help, usage);
	if (optind >= argc)
		return cmd_usage_error("missing operand");
	return -1;
}

static int write_all(const struct timeline *t, enum format f, struct buf *out)
{
	size_t i, n = f == F_BODYFILE ? timeline_nstates(t) : timeline_count(t);
	int w = 0;

	if (f == F_CSV)
		buf_puts(out, timelineview_csv_header());
	for (i = 0; i < n && !w; i++) {
		if (f == F_BODYFILE)
			w = timelineview_bodyfile(out, t, timeline_state(t, i));
		else if (f == F_CSV)
			w = timelineview_csv(out, t, timeline_event(t, i));
		else
			w = timelineview_jsonl(out, t, timeline_event(t, i));
		if (!w && out->len > (64u << 10))
			w = cmd_flush(out);
	}
	return w ? w : cmd_flush(out);
}

int cmd_timeline(int argc, char **argv)
{
	struct timeline *t = NULL;
	struct buf out = BUF_INIT;
	enum format f = F_JSONL;
	int rc = parse(argc, argv, &f), i, x = 0;

	if (rc >= 0)
		return rc;
	x = timeline_new(&t);
	for (i = optind; i < argc && !x; i++) {
		x = timeline_add(t, argv[i]);
		if (x)
			cmd_error("%s: %s", cmd_path(argv[i]), timeline_error(t));
	}
	if (!x && timeline_sort(t)) {
		cmd_error("%s", timeline_error(t));
		x = -ENOMEM;
	}
	rc = CMD_TROUBLE;
	if (!x) {
		int w = write_all(t, f, &out);

		if (w)
			cmd_error("standard output: %s", strerror(-w));
		else
			rc = cmd_finish_output(CMD_OK);
	}
	buf_free(&out);
	timeline_free(t);
	return rc;
}
