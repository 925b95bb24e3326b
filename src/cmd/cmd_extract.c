/* cmd_extract: snapread extract — the recovered files, written under DIR and verified. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "extract.h"
#include "jsonw.h"
#include "signals.h"

static const char usage[] =
"usage: snapread extract -o DIR [--pid PID[,PID...]] [--fd N|exe] [--json] SNAP\n"
"Writes every recovered file to DIR/PID/fd/N and each deleted executable to\n"
"DIR/PID/exe; content shared by several fds is written once and hard-linked.\n"
"Names come from pid and fd numbers only.  Files are 0600, never executable.\n"
"A file is placed only when its bytes match both the manifest and its fd\n"
"record; a mismatch is named and exits 1.  Prints each file as\n"
"\"SHA256  PID/fd/N\" (sha256sum -c can check it from DIR).\n"
"\n"
"  -o, --output DIR  where to write (made if missing)\n"
"  --pid PID         only these processes (repeatable, or comma-separated)\n"
"  --fd N            only fd N (repeatable); --fd exe: the executable\n"
"  --json            one JSON object per file per line\n"
"  --help            this help\n";

struct out {
	bool json;
	int werr;
	struct buf b;
};

static void on_file(void *arg, const struct extract_file *f)
{
	struct out *o = arg;
	struct jsonw w;

	if (!o->json) {
		buf_printf(&o->b, "%s  %s\n", f->sha256, f->path);
	} else {
		jsonw_init(&w, &o->b);
		jsonw_open(&w, NULL);
		jsonw_str(&w, "path", f->path);
		jsonw_int(&w, "pid", f->pid);
		if (f->fd >= 0)
			jsonw_int(&w, "fd", f->fd);
		else
			jsonw_null(&w, "fd");
		jsonw_bool(&w, "exe", f->fd < 0);
		jsonw_str(&w, "sha256", f->sha256);
		jsonw_uint(&w, "size", f->size);
		jsonw_str(&w, "member", f->member);
		jsonw_str(&w, "status", f->status);
		jsonw_str(&w, "link_of", f->link_of);
		jsonw_close(&w);
		buf_putc(&o->b, '\n');
	}
	if (!o->werr)
		o->werr = cmd_flush(&o->b);
	buf_reset(&o->b);
}

static void on_problem(void *arg, const char *msg)
{
	(void)arg;
	cmd_error("%s", msg);
}

static void on_note(void *arg, const char *msg)
{
	(void)arg;
	cmd_error("note: %s", msg);
}

int cmd_extract(int argc, char **argv)
{
	enum { OPT_PID = 256, OPT_FD, OPT_JSON, OPT_HELP };
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "pid", required_argument, NULL, OPT_PID },
		{ "fd", required_argument, NULL, OPT_FD },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct extract_opts eo = { .file = on_file,
				   .problem = on_problem, .note = on_note };
	struct out o = { .b = BUF_INIT };
	struct extract_result res;
	int *pids = NULL, *fds = NULL;
	size_t npids = 0, nfds = 0;
	bool help = false;
	int opt, rc = CMD_TROUBLE, x;

	while ((opt = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o': eo.dir = optarg; break;
		case OPT_JSON: o.json = true; break;
		case OPT_HELP: help = true; break;
		case OPT_PID:
			if (cmd_pids(optarg, "--pid", &pids, &npids))
				goto out;
			break;
		case OPT_FD: {
			int fd, *v;

			if (strcmp(optarg, "exe") == 0) {
				eo.exe = true;
				fd = -1;
			} else if (cmd_number(optarg, "--fd", &fd)) {
				goto out;
			}
			v = realloc(fds, (nfds + 1) * sizeof(*v));
			if (!v) {
				cmd_error("out of memory");
				goto out;
			}
			fds = v;
			fds[nfds++] = fd;
			break;
		}
		default:
			rc = cmd_bad_usage(usage);
			goto out;
		}
	}
	x = cmd_operands(argc, argv, 1, help, usage);
	if (x >= 0) {
		rc = x;
		goto out;
	}
	if (!eo.dir) {
		cmd_error("extract: -o DIR is required");
		rc = cmd_bad_usage(usage);
		goto out;
	}
	eo.pids = pids;
	eo.npids = npids;
	eo.fds = fds;
	eo.nfds = nfds;
	eo.arg = &o;
	/* Stopped by a signal or a closed pipe, the staging directory must
	 * still be removed: both become errors, not deaths. */
	eo.stop = signals_install();
	x = extract_run(argv[optind], &eo, &res);
	if (x) {
		cmd_error("%s: %s", cmd_path(argv[optind]), res.message);
		rc = CMD_TROUBLE;
	} else if (o.werr) {
		cmd_error("standard output: %s", strerror(-o.werr));
		rc = CMD_TROUBLE;
	} else if (res.problems) {
		cmd_error("%s: verification FAILED: %lu problem%s; %lu file%s extracted",
			  cmd_path(argv[optind]), res.problems, res.problems == 1 ? "" : "s",
			  res.files, res.files == 1 ? "" : "s");
		rc = CMD_FAILED;
	} else {
		rc = CMD_OK;
	}
	rc = cmd_finish_output(rc);
out:
	buf_free(&o.b);
	free(pids);
	free(fds);
	return rc;
}
