/* cmd_stack: snapread stack — across many snapshots, what is on the fewest hosts. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "stack.h"
#include "stackview.h"

static const char usage[] =
"usage: snapread stack [--by KIND[,KIND...]] [--max-hosts N] [--threads N]\n"
"                      [--json] SNAP...\n"
"Stacking (long-tail analysis): across the snapshots, how many hosts have\n"
"each executable, process, listening socket, parent and child, user and\n"
"library; rarest first, with the hosts named.  SNAP is an archive or a\n"
"directory of archives (*.tar, *.tar.gz, *.tgz, *.tar.zst).  A host is a\n"
"host name and boot id: its snapshots count once.  KIND:\n"
"  exe      the executable, by SHA-256 when the snapshot recorded one, else\n"
"           by path (\"by path, no hash recorded\")\n"
"  listen   a listening socket: protocol, port (unix: path), executable\n"
"  process  the process name and the shape of its command line (numbers,\n"
"           hex words and mktemp-like words made #)\n"
"  parent   the parent's name -> the child's\n"
"  user     the effective user: its name from the snapshot's host/etc/passwd,\n"
"           else the uid\n"
"  library  a file mapped executable, by SHA-256 when recorded, else by path\n"
"\n"
"  --by KIND       only these kinds (repeatable, or comma-separated)\n"
"  --max-hosts N   only what is on at most N hosts, each with all its hosts\n"
"                  named (else the first 10 are)\n"
"  --threads N     readers (default 2)\n"
"  --json          JSON Lines: one per host, one per unreadable snapshot,\n"
"                  then one per key (docs/schema/stack.json)\n"
"  --help          this help\n"
"\n"
"Exit status: 0, or 2 when a snapshot could not be read to its end (what\n"
"was read of it counts; the others are all shown).\n";

struct opts {
	unsigned kinds;
	long max_hosts;  /* -1: no bound */
	int threads;
	bool json;
};

static int parse_kinds(const char *s, unsigned *kinds)
{
	char *copy = strdup(s), *tok, *save = NULL;
	int k, rc = 0;

	if (!copy) {
		cmd_error("out of memory");
		return CMD_TROUBLE;
	}
	for (tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
		k = stack_kind_parse(tok);
		if (k < 0)
			rc = cmd_usage_error("--by: '%s' is not one of exe, listen, process, "
					     "parent, user, library", cmd_path(tok));
		else
			*kinds |= 1u << k;
	}
	if (!rc && !*kinds)
		rc = cmd_usage_error("--by: no kind given");
	free(copy);
	return rc;
}

/* The options into o: -1 to go on, else the exit status. */
static int parse(int argc, char **argv, struct opts *o)
{
	enum { OPT_BY = 256, OPT_MAX, OPT_THREADS, OPT_JSON, OPT_HELP };
	static const struct option longopts[] = {
		{ "by", required_argument, NULL, OPT_BY },
		{ "max-hosts", required_argument, NULL, OPT_MAX },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	bool help = false;
	int opt, n;

	while ((opt = cmd_getopt(argc, argv, "", longopts)) != -1) {
		switch (opt) {
		case OPT_BY:
			if (parse_kinds(optarg, &o->kinds))
				return CMD_TROUBLE;
			break;
		case OPT_MAX:
			if (cmd_number(optarg, "--max-hosts", &n))
				return CMD_TROUBLE;
			if (n == 0)
				return cmd_usage_error("--max-hosts: 0 hosts would show nothing");
			o->max_hosts = n;
			break;
		case OPT_THREADS:
			if (cmd_number(optarg, "--threads", &n))
				return CMD_TROUBLE;
			if (n < 1 || n > 16)
				return cmd_usage_error("--threads: %d is not between 1 and 16", n);
			o->threads = n;
			break;
		case OPT_JSON: o->json = true; break;
		case OPT_HELP: help = true; break;
		default:
			return CMD_TROUBLE;
		}
	}
	if (help) {
		fputs(usage, stdout);
		return cmd_finish_output(CMD_OK);
	}
	if (argc - optind < 1)
		return cmd_usage_error("missing operand");
	for (n = optind; n < argc; n++)
		if (strcmp(argv[n], "-") == 0)
			return cmd_usage_error("standard input cannot be stacked: name the "
					       "snapshots or their directory");
	return -1;
}

/* The head of the text output: what was read, and where keys may be
 * missing. */
static void head(struct buf *out, const struct stack *s, size_t shown)
{
	const struct stack_host *h;
	const struct stack_snap *v;
	size_t nh = stack_hosts(s, &h), nv = stack_snapshots(s, &v), i;

	buf_printf(out, "%zu snapshot%s of %zu host%s; %zu key%s shown\n", nv, nv == 1 ? "" : "s",
		   nh, nh == 1 ? "" : "s", shown, shown == 1 ? "" : "s");
	for (i = 0; i < nh; i++)
		if (h[i].unexamined)
			buf_printf(out, "note: %s: %llu of %llu processes not fully examined "
				   "(exe, fds or maps): keys may be missing there\n", h[i].label,
				   (unsigned long long)h[i].unexamined,
				   (unsigned long long)h[i].processes);
	for (i = 0; i < nv; i++)
		if (v[i].err)
			buf_printf(out, "note: %s: %s\n", cmd_path(v[i].path),
				   v[i].host == SIZE_MAX ? "not read (see the error)" :
				   "read in part (see the error)");
	buf_puts(out, stackview_header());
}

static bool shown(const struct opts *o, const struct stack_record *r)
{
	return o->max_hosts < 0 || r->hosts <= (unsigned long)o->max_hosts;
}

static int print(const struct opts *o, const struct stack *s, struct buf *out)
{
	const struct stack_record *r;
	const struct stack_host *h;
	const struct stack_snap *v;
	size_t nr = stack_records(s, &r), nh = stack_hosts(s, &h), nv = stack_snapshots(s, &v);
	size_t i, count = 0;
	int w = 0;

	for (i = 0; i < nr; i++)
		count += shown(o, &r[i]);
	if (o->json) {
		for (i = 0; i < nh && !w; i++)
			w = stackview_host_json(out, &h[i]);
		for (i = 0; i < nv && !w; i++)
			if (v[i].err)
				w = stackview_snap_json(out, &v[i], h);
	} else {
		head(out, s, count);
	}
	for (i = 0; i < nr && !w; i++) {
		if (!shown(o, &r[i]))
			continue;
		w = o->json ? stackview_json(out, &r[i], h) : stackview_text(out, &r[i], h);
		if (!w && out->len > (1u << 16))
			w = cmd_flush(out);
	}
	return w ? w : cmd_flush(out);
}

int cmd_stack(int argc, char **argv)
{
	struct opts o = { .max_hosts = -1 };
	struct stack_opts so = { 0 };
	struct stack *s = NULL;
	struct buf out = BUF_INIT;
	const struct stack_snap *v;
	size_t nv, i;
	int rc = parse(argc, argv, &o), x = 0, w;

	if (rc >= 0)
		return rc;
	so.kinds = o.kinds;
	so.threads = (unsigned)o.threads;
	so.list_hosts = o.max_hosts > 0 ? (size_t)o.max_hosts : 0;
	x = stack_new(&s, &so);
	for (i = (size_t)optind; !x && i < (size_t)argc; i++)
		x = stack_add(s, argv[i]);
	if (!x)
		x = stack_run(s);
	if (x) {
		cmd_error("%s", stack_error(s));
		stack_free(s);
		return CMD_TROUBLE;
	}
	rc = CMD_OK;
	nv = stack_snapshots(s, &v);
	for (i = 0; i < nv; i++)
		if (v[i].err) {
			cmd_error("%s: %s", cmd_path(v[i].path), v[i].error);
			rc = CMD_TROUBLE;
		}
	w = print(&o, s, &out);
	if (w) {
		cmd_error("standard output: %s", strerror(-w));
		rc = CMD_TROUBLE;
	}
	buf_free(&out);
	stack_free(s);
	return cmd_finish_output(rc);
}
