/* cmd_ps: snapread ps — the process table of a snapshot. */
#include <errno.h>
#include <getopt.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "cmd.h"
#include "snapshot.h"
#include "snapview.h"
#include "users.h"

/* --tree holds every shown line until the end; this bounds that. */
#define TREE_MAX_BYTES (256u << 20)

static const char usage[] =
"usage: snapread ps [--tree] [--pid PID[,PID...]] [--user UID] [--name REGEX]\n"
"                   [--container ID] [--json | --csv] SNAP\n"
"The process table: PID, PPID, UID (effective) and USER (its name in the\n"
"snapshot's own /etc/passwd, - when it has none), start time (UTC), state,\n"
"MARK, CONTAINER (its id's first 12 characters, from the cgroup), name and\n"
"command line.  MARK: X the executable was deleted, D the process holds\n"
"deleted files, M it maps deleted files, T a thread has its own fd table,\n"
"K kernel thread, V it vanished while captured, ? its fds, executable or\n"
"maps could not be examined (so it may hold what no letter shows; snapread\n"
"show says why), - none.\n"
"\n"
"  --tree          children under their parents, like ps -ejH\n"
"  --pid PID       only these processes (repeatable, or comma-separated)\n"
"  --user USER     only processes whose real or effective uid is USER: a\n"
"                  number, or a name of the snapshot's /etc/passwd\n"
"  --name REGEX    only processes whose name (comm) matches REGEX, a POSIX\n"
"                  extended regular expression (unanchored: ^...$ for all)\n"
"  --container ID  only processes in this container: an id or its prefix,\n"
"                  a runtime (docker, containerd, podman, crio, lxc, ...),\n"
"                  or \"any\" for every containerised process\n"
"  --json          one JSON object per process per line\n"
"                  (docs/schema/process.json)\n"
"  --csv           the same columns as CSV (RFC 4180, a header row, the\n"
"                  whole command line; cells beginning = + - @ written '=)\n"
"  --help          this help\n";

/* A shown process, kept for --tree. */
struct row {
	int pid, ppid;
	size_t at, len, name_at; /* its text in the tree buffer */
};

struct ps {
	bool tree, json, csv;
	int *pids;
	size_t npids;
	bool *pid_met;
	bool by_name;
	regex_t name;
	bool by_user;
	int64_t user;
	const char *user_name;  /* --user NAME, until looked up */
	const char *head;       /* the text or CSV header, until a row (put_head) */
	bool user_unknown;      /* ... the snapshot has no such name */
	const struct users *users; /* the snapshot's names (borrowed) */
	const char *container;
	struct row *rows;
	size_t nrows, cap;
	struct buf text;    /* --tree: every row's text */
	struct buf out;
};

/* The process's name, its exact bytes, matches --name. */
static bool name_matches(const struct ps *p, const json_t *proc)
{
	struct buf b = BUF_INIT;
	regmatch_t m = { 0, 0 };
	bool ok = false;

	if (snapshot_bytes(proc, "name", &b) == 1) {
		/* REG_STARTEND: a NUL in the name does not end it. */
		m.rm_eo = (regoff_t)b.len;
		ok = regexec(&p->name, b.data ? b.data : "", 1, &m, REG_STARTEND) == 0;
	}
	buf_free(&b);
	return ok;
}

static bool wanted(struct ps *p, const json_t *proc, int pid)
{
	uint64_t uid = 0;
	size_t i;

	for (i = 0; i < p->npids; i++)
		if (p->pids[i] == pid)
			p->pid_met[i] = true;
	/* A name: looked up once, at the first process (the names come
	 * before every process); one the snapshot does not know has none. */
	if (p->user_name) {
		p->user_unknown = !users_uid(p->users, p->user_name, strlen(p->user_name), &uid);
		p->user = (int64_t)uid;
		p->user_name = NULL;
	}
	if (p->user_unknown)
		return false;
	if (p->by_user && !snapview_proc_has_uid(proc, p->user))
		return false;
	if (p->by_name && !name_matches(p, proc))
		return false;
	if (p->container && !snapview_proc_in_container(proc, p->container))
		return false;
	return cmd_pid_wanted(p->pids, p->npids, pid);
}

static int keep(struct ps *p, const json_t *proc, int pid)
{
	struct row *r;
	int64_t ppid = 0;

	if (p->nrows == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		struct row *v = realloc(p->rows, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		p->rows = v;
		p->cap = cap;
	}
	r = &p->rows[p->nrows++];
	snapshot_int(proc, "ppid", &ppid);
	r->pid = pid;
	r->ppid = ppid > 0 && ppid <= INT32_MAX ? (int)ppid : 0;
	r->at = p->text.len;
	if (p->json)
		snapview_proc_json(&p->text, proc);
	else
		snapview_proc_text(&p->text, proc, p->users, 0, &r->name_at);
	r->len = p->text.len - r->at;
	if (buf_error(&p->text))
		return -ENOMEM;
	if (p->text.len > TREE_MAX_BYTES) {
		cmd_error("--tree: more than %u bytes of processes to hold", TREE_MAX_BYTES);
		return -EFBIG;
	}
	return 0;
}

/* The kept rows in tree order, each indented (text) or given its depth
 * (JSON: the object's closing brace is replaced by ,"depth":N}). */
static int print_tree(struct ps *p)
{
	size_t *order = malloc((p->nrows ? p->nrows : 1) * sizeof(*order));
	unsigned *depth = malloc((p->nrows ? p->nrows : 1) * sizeof(*depth));
	int *pid = malloc((p->nrows ? p->nrows : 1) * sizeof(*pid));
	int *ppid = malloc((p->nrows ? p->nrows : 1) * sizeof(*ppid));
	size_t i;
	int r = -ENOMEM;

	if (!order || !depth || !pid || !ppid)
		goto out;
	for (i = 0; i < p->nrows; i++) {
		pid[i] = p->rows[i].pid;
		ppid[i] = p->rows[i].ppid;
	}
	r = snapview_tree(pid, ppid, p->nrows, order, depth);
	for (i = 0; i < p->nrows && !r; i++) {
		const struct row *w = &p->rows[order[i]];
		const char *t = p->text.data + w->at;

		if (p->json) {
			/* Rows end in "}\n". */
			buf_append(&p->out, t, w->len - 2);
			buf_printf(&p->out, ",\"depth\":%u}\n", depth[i]);
		} else {
			buf_append(&p->out, t, w->name_at - w->at);
			snapview_indent(&p->out, depth[i]);
			buf_append(&p->out, p->text.data + w->name_at, w->len - (w->name_at - w->at));
		}
		r = cmd_flush(&p->out);
	}
out:
	free(order);
	free(depth);
	free(pid);
	free(ppid);
	return r;
}

/* The options into p: -1 to go on, else the exit status. */
static int parse(int argc, char **argv, struct ps *p)
{
	enum { OPT_TREE = 256, OPT_PID, OPT_USER, OPT_NAME, OPT_CONTAINER, OPT_JSON, OPT_CSV,
	       OPT_HELP };
	static const struct option longopts[] = {
		{ "tree", no_argument, NULL, OPT_TREE },
		{ "pid", required_argument, NULL, OPT_PID },
		{ "user", required_argument, NULL, OPT_USER },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "container", required_argument, NULL, OPT_CONTAINER },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "csv", no_argument, NULL, OPT_CSV },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	bool help = false;
	char why[256];
	int opt, uid, e;

	while ((opt = cmd_getopt(argc, argv, "", longopts)) != -1) {
		switch (opt) {
		case OPT_TREE: p->tree = true; break;
		case OPT_JSON: p->json = true; break;
		case OPT_CSV: p->csv = true; break;
		case OPT_HELP: help = true; break;
		case OPT_PID:
			if (cmd_pids(optarg, "--pid", &p->pids, &p->npids))
				return CMD_TROUBLE;
			break;
		case OPT_CONTAINER:
			p->container = optarg;
			break;
		case OPT_NAME:
			if (p->by_name)
				return cmd_usage_error("--name: given twice");
			e = regcomp(&p->name, optarg, REG_EXTENDED | REG_NOSUB);
			if (e) {
				regerror(e, &p->name, why, sizeof(why));
				return cmd_usage_error("--name: '%s' is not a regular expression: %s",
						       cmd_path(optarg), why);
			}
			p->by_name = true;
			break;
		case OPT_USER:
			p->by_user = true;
			if (optarg[0] < '0' || optarg[0] > '9') {
				p->user_name = optarg;
				break;
			}
			if (cmd_number(optarg, "--user", &uid))
				return CMD_TROUBLE;
			p->user = uid;
			break;
		default:
			return CMD_TROUBLE;
		}
	}
	if (!help && p->csv && (p->json || p->tree))
		return cmd_usage_error("--csv: not with %s", p->json ? "--json" : "--tree");
	return cmd_operands(argc, argv, 1, help, usage);
}

/* The first pid asked for that the snapshot does not have, or -1. */
static ssize_t missing_pid(const struct ps *p)
{
	size_t i;

	for (i = 0; i < p->npids; i++)
		if (!p->pid_met[i])
			return (ssize_t)i;
	return -1;
}

/* A pid asked for that the snapshot does not have is a mistake: exit 2. */
static int missing(const struct ps *p, const char *path)
{
	ssize_t i = missing_pid(p);

	if (i < 0)
		return CMD_OK;
	cmd_error("%s: pid %d is not in the snapshot", cmd_path(path), p->pids[i]);
	return CMD_TROUBLE;
}

/* The header goes out before the first row, or alone at the end when
 * nothing asked for is missing: a mistake leaves stdout empty. */
static void put_head(struct ps *p)
{
	if (p->head)
		buf_puts(&p->out, p->head);
	p->head = NULL;
}

/* The processes of the snapshot at path that p wants: the exit status. */
static int list(const char *path, struct ps *p)
{
	struct snapshot *s = NULL;
	struct snapshot_item it;
	int rc = CMD_TROUBLE, x, w = 0;

	x = snapshot_open(&s, path, NULL);
	p->head = p->csv ? snapview_proc_csv_header() : p->json ? NULL : snapview_proc_header();
	while (!x && !w && (x = snapshot_next(s, &it)) > 0) {
		x = 0;
		if (it.kind != SNAPSHOT_PROCESS)
			continue;
		p->users = snapshot_users(s);
		if (!wanted(p, it.json, it.pid))
			continue;
		if (!p->tree)
			put_head(p);
		if (p->tree)
			w = keep(p, it.json, it.pid);
		else if (p->json)
			w = snapview_proc_json(&p->out, it.json);
		else if (p->csv)
			w = snapview_proc_csv(&p->out, it.json, p->users);
		else
			w = snapview_proc_text(&p->out, it.json, p->users, 0, NULL);
		if (!w)
			w = cmd_flush(&p->out);
	}
	if (p->tree && !w) {
		if (p->nrows)
			put_head(p);
		w = print_tree(p);
	}
	if (!x && !w && missing_pid(p) < 0)
		put_head(p);
	if (w == -EFBIG) /* keep() said why */
		cmd_flush(&p->out);
	else
		rc = cmd_done(&p->out, w, x, path, s);
	snapshot_free(s);
	return rc == CMD_OK ? missing(p, path) : rc;
}

int cmd_ps(int argc, char **argv)
{
	struct ps p = { .text = BUF_INIT, .out = BUF_INIT };
	int rc = parse(argc, argv, &p);

	if (rc < 0) {
		p.pid_met = calloc(p.npids ? p.npids : 1, sizeof(*p.pid_met));
		if (!p.pid_met) {
			cmd_error("out of memory");
			rc = CMD_TROUBLE;
		} else {
			rc = list(argv[optind], &p);
		}
	}
	if (p.by_name)
		regfree(&p.name);
	free(p.pid_met);
	buf_free(&p.text);
	buf_free(&p.out);
	free(p.rows);
	free(p.pids);
	return rc;
}
