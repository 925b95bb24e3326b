/* cmd_fds: snapread fds — what the processes of a snapshot hold open, lsof-like, a process at a time. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "cmd.h"
#include "objects.h"
#include "snapshot.h"
#include "snapview.h"
#include "tally.h"

static const char usage[] =
"usage: snapread fds [--pid PID[,PID...]] [--fd N] [--deleted] [--changing]\n"
"                    [--type TYPE] [--count] [--json | --csv] SNAP\n"
"What each process holds, as lsof lists it: COMMAND, PID, UID (effective),\n"
"FD (the number and its mode: r read, w write, u both; txt a deleted\n"
"executable, mem a deleted file mapped, cwd a deleted working directory,\n"
"NOFD an fd table that could not be read), TYPE, SIZE, OFFSET, DEL (del:\n"
"deleted; ?: not known, as its file could not be examined), CONTENT\n"
"(captured, truncated, shrunk, skipped, failed; - when there is nothing to\n"
"recover) and the target; sockets show their endpoints.  Then the thread\n"
"whose own fd table holds it, its kind (memfd and its seals, tmpfile,\n"
"pidfd, eventfd, ...) and [changing] when the file's size or mtime moved\n"
"while it was read; a reason, when recorded, in [brackets].  What could\n"
"not be read is a row of its own, never left out.\n"
"\n"
"  --pid PID       only these processes (repeatable, or comma-separated)\n"
"  --fd N          only fd N (repeatable); a table that could not be read\n"
"                  is still a row: it may hold fd N\n"
"  --deleted       only what is deleted, or may be: every recovered object\n"
"  --changing      only files that changed while they were read\n"
"  --type TYPE     only this type: file, memfd, dir, socket, pipe, fifo,\n"
"                  chr, blk, anon, other, unknown; or this kind: tmpfile,\n"
"                  pidfd, eventfd, eventpoll, io_uring, ... (repeatable)\n"
"  --count         count the rows by target (the link, as ls -l shows it),\n"
"                  most frequent first: COUNT, TYPE, TARGET; what could not\n"
"                  be read is counted apart, never as a target\n"
"  --json          one JSON object per row per line (docs/schema/fd.json;\n"
"                  with --count, per target: docs/schema/fds-count.json)\n"
"  --csv           the same columns as CSV (RFC 4180, a header row; TARGET\n"
"                  the exact bytes; cells beginning = + - @ written '=)\n"
"  --help          this help\n";

/* The names --type takes, checked while the options are parsed, before
 * an archive is read (docs/FORMAT.md, fds.jsonl "type" and "kind").  The
 * kinds are procsnap's own and the anon inodes of mainline Linux (the
 * name each anon_inode_getfile() caller gives, brackets dropped, as
 * "anon" records it); a driver's own kind is found with --json and jq. */
static const char *const known_types[] = {
	"file", "memfd", "dir", "socket", "pipe", "fifo", "chr", "blk", "anon", "other",
	"unknown", NULL,
};
static const char *const known_kinds[] = {
	"tmpfile", "shared-anon", "sysv-shm", "pidfd", "eventfd", "eventpoll", "inotify",
	"timerfd", "signalfd", "fanotify", "io_uring", "userfaultfd", "perf_event", "bpf-map",
	"bpf-prog", "bpf_link", "bpf_iter", "btf", "seccomp notify", "fscontext", "kvm-vm",
	"kvm-vcpu", "sync_file", "vfio-device", "landlock-ruleset", NULL,
};

struct fds {
	bool json, csv, deleted, changing, count;
	int *fdnums;              /* --fd */
	size_t nfdnums;
	bool *fd_met;
	struct tally tally;       /* --count */
	struct buf key;
	int *pids;
	size_t npids;
	bool *pid_met;
	const char **types;
	size_t ntypes;
	/* The text or CSV header, until the first row or, when nothing was
	 * asked for that is not there, the end: a mistake prints none. */
	const char *head;
	/* The process being read: its fd records, until its process.json. */
	json_t *held;
	size_t held_bytes;
	/* With --json, its rows instead, but for their process's part: the
	 * heads one after another, ends[i] where row i's ends. */
	struct buf heads, tail;
	size_t *ends, nends, cap_ends;
	struct snapview_ctx ctx;
	struct buf out;
};

static bool in(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

static bool type_wanted(struct fds *f, const struct object *o)
{
	const char *t, *k;
	bool ok = false;
	size_t i;

	if (!f->ntypes)
		return true;
	t = snapview_object_type(o);
	k = snapview_object_kind(o);
	for (i = 0; i < f->ntypes && !ok; i++)
		ok = (t && strcmp(f->types[i], t) == 0) || (k && strcmp(f->types[i], k) == 0);
	/* An fd table that could not be read may hold any type. */
	return ok || o->kind == OBJECT_NOFD;
}

/* --fd: an fd of those numbers, or a table not read (it may hold one). */
static bool fd_wanted(struct fds *f, const struct object *o)
{
	int64_t n;
	size_t i;
	bool ok = false;

	if (!f->nfdnums)
		return true;
	if (o->kind == OBJECT_NOFD)
		return true;
	if (o->kind != OBJECT_FD || !snapshot_int(o->rec, "fd", &n))
		return false;
	for (i = 0; i < f->nfdnums; i++)
		if (f->fdnums[i] == n)
			ok = f->fd_met[i] = true;
	return ok;
}

static bool wanted(struct fds *f, const struct object *o)
{
	if (!fd_wanted(f, o))
		return false;
	if (f->deleted && !object_maybe_deleted(o))
		return false;
	if (f->changing && !object_changing(o))
		return false;
	return type_wanted(f, o);
}

static int row(void *arg, const struct object *o)
{
	struct fds *f = arg;
	int w;

	if (!wanted(f, o))
		return 0;
	if (f->count) {
		w = snapview_count_key(&f->key, o);
		return w ? w : tally_add(&f->tally, f->key.data, f->key.len, o->pid);
	}
	if (f->head) {
		buf_puts(&f->out, f->head);
		f->head = NULL;
	}
	w = f->json ? snapview_object_json(&f->out, &f->ctx, o)
	    : f->csv ? snapview_object_csv(&f->out, &f->ctx, o)
		     : snapview_object_text(&f->out, &f->ctx, o);
	/* A row at a time: the buffer stays small (and in cache). */
	return w ? w : cmd_flush(&f->out);
}

/* One group of --count. */
static int group(void *arg, const struct tally_group *g)
{
	struct fds *f = arg;
	int w = f->json ? snapview_count_json(&f->out, g)
		: f->csv ? snapview_count_csv(&f->out, g) : snapview_count_text(&f->out, g);

	return w ? w : cmd_flush(&f->out);
}

/* The --json rows held: each head, then the process's tail. */
static int json_rows(struct fds *f)
{
	size_t i, at = 0;
	int w = 0;

	buf_reset(&f->tail);
	if (snapview_object_json_tail(&f->tail, &f->ctx))
		return -ENOMEM;
	for (i = 0; i < f->nends && !w; i++) {
		buf_append(&f->out, f->heads.data + at, f->ends[i] - at);
		buf_append(&f->out, f->tail.data, f->tail.len);
		at = f->ends[i];
		w = cmd_flush(&f->out);
	}
	buf_reset(&f->heads);
	f->nends = 0;
	return w;
}

/* The held fds of pid, then its other objects, once its process.json is
 * read: the rows need its name and uid. */
static int process_rows(struct fds *f, const json_t *proc, int pid)
{
	struct object o = { .kind = OBJECT_FD, .pid = pid };
	size_t i;
	int w = 0;

	snapview_ctx_process(&f->ctx, proc);
	if (f->json && !f->count)
		w = json_rows(f);
	for (i = 0; i < json_array_size(f->held) && !w; i++) {
		o.rec = json_array_get(f->held, i);
		w = row(f, &o);
	}
	if (!w)
		w = objects_of_process(proc, row, f);
	json_array_clear(f->held);
	f->held_bytes = 0;
	snapview_ctx_process(&f->ctx, NULL);
	return w;
}

/* Adds --type T: 0, or CMD_TROUBLE (a name neither a type nor a kind
 * is a mistake, said at once: one line that lists them, exit 2). */
static int add_type(struct fds *f, const char *t)
{
	const char **v;

	if (!in(known_types, t) && !in(known_kinds, t)) {
		cmd_error("--type: no type or kind '%s' (types: file, memfd, dir, socket, pipe, "
			  "fifo, chr, blk, anon, other, unknown; kinds: tmpfile, shared-anon, "
			  "sysv-shm, pidfd, eventfd, eventpoll, inotify, timerfd, signalfd, "
			  "fanotify, io_uring, userfaultfd, perf_event, bpf-map, bpf-prog, "
			  "bpf_link, bpf_iter, btf, seccomp notify, fscontext, kvm-vm, kvm-vcpu, "
			  "sync_file, vfio-device, landlock-ruleset)", cmd_path(t));
		return CMD_TROUBLE;
	}
	v = realloc(f->types, (f->ntypes + 1) * sizeof(*v));
	if (!v) {
		cmd_error("out of memory");
		return CMD_TROUBLE;
	}
	f->types = v;
	f->types[f->ntypes++] = t;
	return 0;
}

/* Adds --fd N: 0, or CMD_TROUBLE. */
static int add_fd(struct fds *f, const char *arg)
{
	bool *m = realloc(f->fd_met, (f->nfdnums + 1) * sizeof(*m));

	if (!m) {
		cmd_error("out of memory");
		return CMD_TROUBLE;
	}
	f->fd_met = m;
	m[f->nfdnums] = false;
	return cmd_fd_arg(arg, "--fd", &f->fdnums, &f->nfdnums);
}

/* The options into f: -1 to go on, else the exit status. */
static int parse(int argc, char **argv, struct fds *f)
{
	enum { OPT_PID = 256, OPT_DELETED, OPT_CHANGING, OPT_TYPE, OPT_JSON, OPT_CSV, OPT_HELP,
	       OPT_FD, OPT_COUNT };
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, OPT_PID },
		{ "deleted", no_argument, NULL, OPT_DELETED },
		{ "changing", no_argument, NULL, OPT_CHANGING },
		{ "type", required_argument, NULL, OPT_TYPE },
		{ "fd", required_argument, NULL, OPT_FD },
		{ "count", no_argument, NULL, OPT_COUNT },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "csv", no_argument, NULL, OPT_CSV },
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
		case OPT_CSV: f->csv = true; break;
		case OPT_HELP: help = true; break;
		case OPT_COUNT: f->count = true; break;
		case OPT_FD:
			if (add_fd(f, optarg))
				return CMD_TROUBLE;
			break;
		case OPT_PID:
			if (cmd_pids(optarg, "--pid", &f->pids, &f->npids))
				return CMD_TROUBLE;
			break;
		case OPT_TYPE:
			if (add_type(f, optarg))
				return CMD_TROUBLE;
			break;
		default:
			return CMD_TROUBLE;
		}
	}
	if (!help && f->csv && f->json)
		return cmd_usage_error("--csv: not with --json");
	return cmd_operands(argc, argv, 1, help, usage);
}

/* Whether a pid or an fd number asked for is not in the snapshot (a
 * type with no fd of it is an answer, not a mistake). */
static bool something_missing(const struct fds *f)
{
	size_t i;

	for (i = 0; i < f->npids; i++)
		if (!f->pid_met[i])
			return true;
	for (i = 0; i < f->nfdnums; i++)
		if (!f->fd_met[i])
			return true;
	return false;
}

/* What something_missing found: one line, exit 2. */
static int mistakes(const struct fds *f, const char *path)
{
	size_t i;

	for (i = 0; i < f->npids; i++)
		if (!f->pid_met[i]) {
			cmd_error("%s: pid %d is not in the snapshot", cmd_path(path), f->pids[i]);
			return CMD_TROUBLE;
		}
	for (i = 0; i < f->nfdnums; i++)
		if (!f->fd_met[i]) {
			cmd_error("%s: no process %s holds fd %d", cmd_path(path),
				  f->npids ? "asked for" : "in the snapshot", f->fdnums[i]);
			return CMD_TROUBLE;
		}
	return CMD_OK;
}

/*
 * With --json, a wanted fd's row but for its process's part, written
 * now: the record is freed as soon as it is read (the next snapshot_next),
 * not held by the thousand, which is most of the time a reader spends in
 * malloc.  The row is the same (snapview_object_json_head).
 */
static int hold_head(struct fds *f, json_t *rec, int pid)
{
	struct object o = { .kind = OBJECT_FD, .pid = pid, .rec = rec };
	size_t *e;

	if (!wanted(f, &o))
		return 0;
	if (f->nends == f->cap_ends) {
		e = realloc(f->ends, (f->cap_ends ? f->cap_ends * 2 : 256) * sizeof(*e));
		if (!e)
			return -ENOMEM;
		f->ends = e;
		f->cap_ends = f->cap_ends ? f->cap_ends * 2 : 256;
	}
	if (snapview_object_json_head(&f->heads, &f->ctx, &o))
		return -ENOMEM;
	f->ends[f->nends++] = f->heads.len;
	return 0;
}

/* Holds an fd record of a wanted process until its process.json. */
static int hold(struct fds *f, struct snapshot *s, const struct snapshot_item *it, bool text)
{
	json_t *j = NULL;
	int x;

	f->held_bytes += it->len + 1;
	if (f->held_bytes > SNAPSHOT_MAX_FD_BYTES) {
		cmd_error("pid %d: more than %u bytes of fd records, the most held for one "
			  "process", it->pid, SNAPSHOT_MAX_FD_BYTES);
		return -EFBIG;
	}
	if (text) {
		x = snapshot_fd_parse(s, it->pid, it->line, it->text, it->len, &j);
		if (x)
			return x;
		if (f->json && !f->count) {
			x = hold_head(f, j, it->pid);
			json_decref(j);
			return x;
		}
		return json_array_append_new(f->held, j) ? -ENOMEM : 0;
	}
	if (f->json && !f->count)
		return hold_head(f, it->json, it->pid);
	return json_array_append(f->held, it->json) ? -ENOMEM : 0;
}

static bool pid_wanted(struct fds *f, int pid, bool mark)
{
	size_t i;

	for (i = 0; i < f->npids; i++)
		if (f->pids[i] == pid) {
			if (mark)
				f->pid_met[i] = true;
			return true;
		}
	return !f->npids;
}

/* The rows of the snapshot at path that f wants: the exit status. */
static int list(const char *path, struct fds *f)
{
	struct snapshot_opts so = { .fds = true };
	struct snapshot *s = NULL;
	struct snapshot_item it;
	int rc, x, w = 0;

	/* With --pid, the other processes' records are passed over unparsed:
	 * parsing is most of the time (docs/PERFORMANCE.md). */
	so.fd_text = f->npids > 0;
	/* A --json row leaves the stat, fdinfo and marks unwritten: they are
	 * validated, not built (about half of each record). */
	if (f->json && !f->count)
		so.fd_prune = snapview_fd_lean_prune();
	x = snapshot_open(&s, path, &so);
	if (f->count)
		f->head = f->csv ? snapview_count_csv_header()
			: f->json ? NULL : snapview_count_header();
	else
		f->head = f->csv ? snapview_fd_csv_header() : f->json ? NULL : snapview_fd_header();
	/* One process at a time: memory does not grow with the snapshot. */
	while (!x && !w && (x = snapshot_next(s, &it)) > 0) {
		x = 0;
		if (it.kind == SNAPSHOT_HOST) {
			f->ctx.machine = snapshot_str(json_object_get(snapshot_host(s), "uname"),
						      "machine");
			/* The host's names come before host.json. */
			f->ctx.users = snapshot_users(s);
		}
		else if (it.kind == SNAPSHOT_FD && pid_wanted(f, it.pid, false))
			x = hold(f, s, &it, so.fd_text);
		else if (it.kind == SNAPSHOT_PROCESS && pid_wanted(f, it.pid, true))
			w = process_rows(f, it.json, it.pid);
	}
	/* All that was asked for is there: the header (alone when no row
	 * came), or --count's header and its groups. */
	if (!x && !w && !something_missing(f)) {
		if (f->head)
			buf_puts(&f->out, f->head);
		f->head = NULL;
		if (f->count)
			w = tally_groups(&f->tally, group, f);
	}
	if (x == -EFBIG && f->held_bytes > SNAPSHOT_MAX_FD_BYTES) {
		cmd_flush(&f->out);
		rc = CMD_TROUBLE; /* hold() said why */
	} else {
		rc = cmd_done(&f->out, w, x, path, s);
	}
	if (rc == CMD_OK)
		rc = mistakes(f, path);
	snapshot_free(s);
	return rc;
}

int cmd_fds(int argc, char **argv)
{
	struct fds f = { .out = BUF_INIT, .key = BUF_INIT, .tally = TALLY_INIT,
			 .heads = BUF_INIT, .tail = BUF_INIT };
	int rc = parse(argc, argv, &f);

	if (rc < 0) {
		f.held = json_array();
		f.pid_met = calloc(f.npids ? f.npids : 1, sizeof(*f.pid_met));
		if (!f.held || !f.pid_met) {
			cmd_error("out of memory");
			rc = CMD_TROUBLE;
		} else {
			rc = list(argv[optind], &f);
		}
	}
	json_decref(f.held);
	buf_free(&f.out);
	buf_free(&f.key);
	tally_free(&f.tally);
	free(f.fdnums);
	free(f.fd_met);
	buf_free(&f.heads);
	buf_free(&f.tail);
	free(f.ends);
	free(f.pids);
	free(f.pid_met);
	free(f.types);
	return rc;
}
