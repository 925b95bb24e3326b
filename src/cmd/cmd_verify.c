/* cmd_verify: snapread verify — is the archive complete and every member intact? */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "escape.h"
#include "jsonw.h"
#include "signals.h"
#include "snapread_progress.h"
#include "verify.h"

static const char usage[] =
"usage: snapread verify [--json] [--progress] SNAP\n"
"Reads the whole archive once, hashes every member and the archive file\n"
"itself, and checks them against MANIFEST.sha256.  Prints the archive's\n"
"own SHA-256 (for the custody record), in sha256sum's format.\n"
"Exit status 0 only when every member matches, no member is missing or\n"
"extra, and the archive is complete; 1 when it is not (each problem is\n"
"named: tampered, missing, extra, duplicate or unknown member, missing\n"
"manifest, truncated or damaged archive); 2 when no verdict could be\n"
"reached (unreadable file, unknown format version, stopped by SIGINT,\n"
"SIGTERM or SIGHUP).  On a terminal a status line shows how far it is.\n"
"\n"
"  --json          one JSON object: archive, sha256, bytes, ok, members,\n"
"                  problems [{kind, member, message}], error\n"
"  --progress      draw the status line even when stderr is no terminal\n"
"  --help          this help\n";

struct report {
	bool json;
	struct read_progress rp;
	struct buf problems; /* --json: the problems array */
	struct jsonw w;
};

static void on_problem(void *arg, enum verify_problem p, const char *name,
		       const char *msg)
{
	struct report *r = arg;

	if (!r->json) {
		read_progress_clear(&r->rp);
		cmd_error("%s", msg);
		return;
	}
	jsonw_open(&r->w, NULL);
	jsonw_str(&r->w, "kind", verify_problem_name(p));
	jsonw_str(&r->w, "member", name);
	jsonw_str(&r->w, "message", msg);
	jsonw_close(&r->w);
}

static int print_json(const char *path, const struct verify_result *res,
		      struct report *rep, int err)
{
	struct buf out = BUF_INIT;
	struct jsonw w;

	jsonw_init(&w, &out);
	jsonw_open(&w, NULL);
	jsonw_bytes(&w, "archive", path, strlen(path));
	if (res->sha256[0]) {
		jsonw_str(&w, "sha256", res->sha256);
		jsonw_uint(&w, "bytes", res->bytes);
	} else {
		jsonw_null(&w, "sha256");
		jsonw_null(&w, "bytes");
	}
	jsonw_bool(&w, "ok", !err && res->ok);
	jsonw_uint(&w, "members", res->members);
	jsonw_aclose(&rep->w);
	jsonw_raw(&w, "problems", rep->problems.data ? rep->problems.data : "[]",
		  rep->problems.len);
	if (res->message[0])
		jsonw_str(&w, "error", res->message);
	else
		jsonw_null(&w, "error");
	jsonw_close(&w);
	buf_putc(&out, '\n');
	err = cmd_flush(&out);
	buf_free(&out);
	return err;
}

int cmd_verify(int argc, char **argv)
{
	enum { OPT_JSON = 256, OPT_PROGRESS, OPT_HELP };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct report rep = { .problems = BUF_INIT };
	struct verify_opts vo = { .problem = on_problem, .arg = &rep };
	struct verify_result res;
	struct buf line = BUF_INIT;
	const char *path;
	bool help = false, progress = false;
	int opt, rc = CMD_TROUBLE, x;

	while ((opt = cmd_getopt(argc, argv, "", longopts)) != -1) {
		switch (opt) {
		case OPT_JSON: rep.json = true; break;
		case OPT_PROGRESS: progress = true; break;
		case OPT_HELP: help = true; break;
		default: return CMD_TROUBLE;
		}
	}
	x = cmd_operands(argc, argv, 1, help, usage);
	if (x >= 0)
		return x;
	path = argv[optind];
	jsonw_init(&rep.w, &rep.problems);
	jsonw_aopen(&rep.w, NULL);
	read_progress_init(&rep.rp, "snapread verify", statusline_wanted(progress, false));
	vo.progress = read_progress_show;
	vo.progress_arg = &rep.rp;
	signals_notice("snapread: verify", "stopping", rep.rp.sl.on);
	vo.stop = signals_install();
	x = verify_archive(path, &vo, &res);
	read_progress_done(&rep.rp);
	if (rep.json) {
		if (print_json(path, &res, &rep, x))
			cmd_error("standard output: write failed");
	} else if (res.sha256[0]) {
		/* sha256sum's format, so the line can go into a custody log. */
		escape_text(&line, path, strlen(path));
		printf("%s  %s\n", res.sha256, line.data ? line.data : "?");
	}
	if (x) {
		cmd_error("%s: %s", cmd_path(path), res.message);
		rc = CMD_TROUBLE;
	} else if (!res.ok) {
		if (res.error && res.problems)
			cmd_error("%s: verification FAILED: %s; and %lu problem%s before",
				  cmd_path(path), res.message, res.problems,
				  res.problems == 1 ? "" : "s");
		else if (res.error)
			cmd_error("%s: verification FAILED: %s", cmd_path(path), res.message);
		else
			cmd_error("%s: verification FAILED: %lu problem%s", cmd_path(path),
				  res.problems, res.problems == 1 ? "" : "s");
		rc = CMD_FAILED;
	} else {
		if (!rep.json)
			printf("verified: %llu members match MANIFEST.sha256; the archive is "
			       "complete\n", (unsigned long long)res.members - 1);
		rc = CMD_OK;
	}
	rc = cmd_finish_output(rc);
	buf_free(&rep.problems);
	buf_free(&line);
	return rc;
}
