/* cmd_show: snapread show — everything recorded about one process. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "escape.h"
#include "examined.h"
#include "objects.h"
#include "snapshot.h"
#include "snapview.h"

/* The raw status shown: /proc/PID/status is about 1.5 KiB. */
#define STATUS_MAX (1u << 20)
/* The environment shown: execve() takes a few MiB at most (ARG_MAX is a
 * quarter of the stack limit); a process may grow it later, rarely. */
#define ENVIRON_MAX (8u << 20)

static const char usage[] =
"usage: snapread show [--json] SNAP PID\n"
"Everything recorded about one process: what of it could not be examined,\n"
"identity and status fields, how it was hidden from the host's /proc\n"
"(mounts over it, missing from the listing), the exe/cwd/root links, its\n"
"namespaces, NSpid and container, its environment (escaped, one variable\n"
"a line), a summary\n"
"of its memory maps and the deleted files it maps (with their ranges),\n"
"the fd tables threads hold of their own, its fds as snapread fds lists\n"
"them, the raw files kept, and every error met while capturing it.\n"
"\n"
"  --json          one JSON object (docs/schema/show.json): process (as ps\n"
"                  --json), fds (as fds --json), maps (the summary), status\n"
"                  (the raw /proc/PID/status text), environ (an array)\n"
"  --help          this help\n";

struct show {
	int pid;
	json_t *proc;         /* process.json */
	json_t *fds;          /* its fd records */
	size_t fd_bytes;
	struct snapview_maps maps;
	bool have_maps;
	struct buf status;    /* raw status text */
	bool have_status;
	bool status_big;
	struct buf environ;   /* raw environ: NUL-separated */
	bool have_environ;
	bool environ_big;
	char machine[64];     /* host.json uname.machine, "" if none */
	struct snapshot *sn;  /* kept open: its users name the ids */
};

/* "  key   " then the escaped value of obj[k]. */
static void field(struct buf *b, const char *label, const json_t *obj, const char *k)
{
	buf_printf(b, "  %-10s ", label);
	snapview_text(b, obj, k, "-");
	buf_putc(b, '\n');
}

static void ints(struct buf *b, const json_t *obj, const char *k)
{
	const json_t *a = json_object_get(obj, k);
	size_t i;

	if (!json_is_array(a)) {
		buf_putc(b, '-');
		return;
	}
	for (i = 0; i < json_array_size(a); i++) {
		const json_t *e = json_array_get(a, i);

		if (json_is_integer(e))
			buf_printf(b, "%s%" PRId64, i ? " " : "", (int64_t)json_integer_value(e));
		else
			buf_printf(b, "%s-", i ? " " : "");
	}
}

static void nums(struct buf *b, const json_t *obj, const char *const *keys)
{
	const char *sep = " ";

	for (; *keys; keys++, sep = "  ") {
		buf_printf(b, "%s%s ", sep, *keys);
		snapview_num(b, 0, obj, *keys);
	}
}

static void flags(struct buf *b, const json_t *proc)
{
	static const char *const names[] = { "kernel_thread", "self", "vanished", NULL };
	const char *const *n;
	bool v, any = false;

	buf_printf(b, "  %-10s", "flags");
	for (n = names; *n; n++)
		if (snapshot_bool(proc, *n, &v) && v) {
			buf_printf(b, " %s", *n);
			any = true;
		}
	buf_puts(b, any ? "\n" : " -\n");
}

/* How the process was hidden from the host's /proc, one way a line. */
static void hidden(struct buf *b, const json_t *proc)
{
	const json_t *h = json_object_get(proc, "hidden");
	size_t i;

	if (!json_array_size(h))
		return;
	buf_puts(b, "hidden from the host's /proc\n");
	for (i = 0; i < json_array_size(h); i++) {
		const char *w = json_string_value(json_array_get(h, i));

		if (!w)
			continue;
		buf_puts(b, "  ");
		escape_text(b, w, strlen(w));
		if (strcmp(w, "not-listed") == 0) {
			buf_puts(b, ": missing from the listing of /proc (a rootkit's getdents hook); "
				    "found through ");
			snapview_text(b, proc, "found_via", "?");
		} else if (strcmp(w, "no-proc-dir") == 0) {
			buf_puts(b, ": alive, but /proc/PID does not open: nothing could be read");
		} else if (strcmp(w, "bind-mount") == 0) {
			buf_puts(b, ": a mount covers /proc/PID: the host's tools see nothing of it");
		} else if (strncmp(w, "shows-pid-", 10) == 0) {
			buf_puts(b, ": the host's /proc/PID shows another process (pid ");
			escape_text(b, w + 10, strlen(w + 10));
			buf_putc(b, ')');
		} else if (strcmp(w, "covered") == 0) {
			buf_puts(b, ": a mount covers files under /proc/PID: the host's tools see "
				    "what it holds instead");
		}
		buf_putc(b, '\n');
	}
	h = json_object_get(proc, "hidden_mounts");
	for (i = 0; i < json_array_size(h); i++) {
		struct buf m = BUF_INIT;

		buf_puts(b, "  mount on  ");
		if (snapshot_array_bytes(proc, "hidden_mounts", i, &m) == 1)
			escape_text(b, m.data, m.len);
		else
			buf_putc(b, '?');
		buf_putc(b, '\n');
		buf_free(&m);
	}
}

/* ", changing while read" when a recovered file moved under the read. */
static void changing(struct buf *b, const json_t *content)
{
	bool ch;

	if (snapshot_bool(content, "changed", &ch) && ch)
		buf_puts(b, ", CHANGING while read (size or mtime moved)");
}

/* A content record: "STATUS, sha256 HEX, REASON, CHANGING ...". */
static void content_note(struct buf *b, const json_t *c)
{
	snapview_text(b, c, "status", "?");
	if (json_object_get(c, "sha256")) {
		buf_puts(b, ", sha256 ");
		snapview_text(b, c, "sha256", "?");
	}
	if (json_object_get(c, "reason")) {
		buf_puts(b, ", ");
		snapview_text(b, c, "reason", "?");
	}
	changing(b, c);
}

static void namespaces(struct buf *b, const json_t *p)
{
	json_t *ns = json_object_get(p, "ns"), *v;
	const json_t *ct = json_object_get(p, "container");
	const char *k;

	buf_puts(b, "namespaces\n");
	buf_printf(b, "  %-10s", "ns");
	if (!json_is_object(ns) || !json_object_size(ns))
		buf_puts(b, " (not recorded; see errors)");
	json_object_foreach(ns, k, v) {
		buf_putc(b, ' ');
		escape_text(b, k, strlen(k));
		buf_putc(b, ':');
		snapview_num(b, 0, ns, k);
	}
	buf_putc(b, '\n');
	buf_printf(b, "  %-10s ", "nspid");
	ints(b, p, "nspid");
	buf_puts(b, "  (outermost pid namespace first)\n");
	field(b, "cgroup", p, "cgroup");
	buf_printf(b, "  %-10s ", "container");
	if (json_is_object(ct)) {
		snapview_text(b, ct, "runtime", "?");
		buf_putc(b, ' ');
		snapview_text(b, ct, "id", "?");
	} else {
		buf_putc(b, '-');
	}
	buf_putc(b, '\n');
	if (json_object_get(p, "mountinfo"))
		field(b, "mountinfo", p, "mountinfo");
}

/* Deleted files the process maps: one line per range. */
static void mapped(struct buf *b, const json_t *p)
{
	const json_t *a = json_object_get(p, "mapped_deleted");
	size_t i;

	if (!json_is_array(a))
		return;
	buf_printf(b, "mapped deleted files (%zu ranges)\n", json_array_size(a));
	for (i = 0; i < json_array_size(a); i++) {
		const json_t *m = json_array_get(a, i), *c = json_object_get(m, "content");

		buf_puts(b, "  ");
		snapview_text(b, m, "start", "?");
		buf_putc(b, '-');
		snapview_text(b, m, "end", "?");
		buf_putc(b, ' ');
		snapview_text(b, m, "perms", "?");
		buf_puts(b, " off ");
		snapview_num(b, 0, m, "offset");
		buf_putc(b, ' ');
		snapview_text(b, m, "path", "?");
		if (json_object_get(m, "kind")) {
			buf_puts(b, " [");
			snapview_text(b, m, "kind", "?");
			buf_putc(b, ']');
		}
		if (json_is_object(c)) {
			buf_puts(b, "  [content ");
			content_note(b, c);
			buf_putc(b, ']');
		}
		buf_putc(b, '\n');
		snapview_errors_text(b, m, "    not read: ");
	}
}

static void tables(struct buf *b, const json_t *p)
{
	const json_t *a = json_object_get(p, "fd_tables");
	size_t i;

	if (!json_array_size(a) && !json_object_get(p, "threads_table_unknown"))
		return;
	buf_printf(b, "thread fd tables (%zu, besides the process's own)\n", json_array_size(a));
	for (i = 0; i < json_array_size(a); i++) {
		const json_t *t = json_array_get(a, i);

		buf_puts(b, "  thread ");
		snapview_num(b, 0, t, "tid");
		buf_puts(b, ": ");
		snapview_num(b, 0, t, "fd_count");
		buf_puts(b, " fds, shared by threads ");
		ints(b, t, "tids");
		buf_putc(b, '\n');
		snapview_errors_text(b, t, "    not read: ");
	}
	if (json_object_get(p, "threads_table_unknown")) {
		buf_puts(b, "  threads whose table could not be compared: ");
		snapview_num(b, 0, p, "threads_table_unknown");
		buf_puts(b, " (see errors)\n");
	}
}

static void link_line(struct buf *b, const json_t *proc, const char *k)
{
	const json_t *l = json_object_get(proc, k);
	const json_t *c = json_object_get(l, "content");
	bool del;

	buf_printf(b, "  %-10s ", k);
	if (!json_is_object(l)) {
		buf_puts(b, "(not readable; see errors)\n");
		return;
	}
	snapview_text(b, l, "target", "?");
	if (snapshot_bool(l, "deleted", &del) && del) {
		buf_puts(b, "  [deleted");
		if (json_is_object(c)) {
			buf_puts(b, "; content ");
			content_note(b, c);
		}
		buf_putc(b, ']');
	}
	buf_putc(b, '\n');
}

/* "Key:\tvalue" lines of /proc/PID/status, shown "Key: value", escaped. */
static void status_lines(struct buf *b, const struct buf *st)
{
	const char *p = st->data, *end = p + st->len;

	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *colon = memchr(p, ':', (size_t)(le - p));

		buf_puts(b, "  ");
		if (colon) {
			const char *v = colon + 1;

			escape_text(b, p, (size_t)(colon + 1 - p));
			while (v < le && (*v == '\t' || *v == ' '))
				v++;
			buf_putc(b, ' ');
			/* Tabs separate values in status ("Uid:\t0\t0\t0\t0"):
			 * shown as spaces; every other byte is escaped. */
			for (; v < le; v++)
				if (*v == '\t')
					buf_putc(b, ' ');
				else
					escape_text(b, v, 1);
		} else {
			escape_text(b, p, (size_t)(le - p));
		}
		buf_putc(b, '\n');
		p = nl ? nl + 1 : end;
	}
}

static void files(struct buf *b, const json_t *proc)
{
	json_t *f = json_object_get(proc, "files"), *v;
	const char *k;
	bool t;

	buf_puts(b, "raw files\n");
	json_object_foreach(f, k, v) {
		buf_puts(b, "  ");
		escape_text(b, k, strlen(k));
		buf_puts(b, " ");
		snapview_num(b, 0, v, "size");
		buf_puts(b, " bytes");
		if (snapshot_bool(v, "truncated", &t) && t)
			buf_puts(b, " (truncated)");
		buf_putc(b, '\n');
	}
}

/* Who the process is: identity, credentials, counters, flags. */
static void identity(struct buf *b, const json_t *p, const struct users *users)
{
	static const char *const ids[] = { "ppid", "pgrp", "session", "tty_nr", NULL };
	static const char *const cpu[] = { "utime", "stime", "vsize", "rss_pages", NULL };
	static const char *const caps[] = { "inh", "prm", "eff", "bnd", "amb", NULL };
	const char *const *c;

	field(b, "name", p, "name");
	buf_printf(b, "  %-10s ", "cmdline");
	snapview_cmdline(b, p);
	buf_putc(b, '\n');
	field(b, "state", p, "state");
	buf_printf(b, "  %-10s", "ids");
	nums(b, p, ids);
	buf_putc(b, '\n');
	buf_printf(b, "  %-10s ", "started");
	snapview_text(b, p, "start_time", "-");
	buf_puts(b, " (");
	snapview_num(b, 0, p, "start_ticks");
	buf_puts(b, " ticks after boot)\n");
	/* Names beside the numbers, from the snapshot's /etc/passwd and
	 * /etc/group (as id(1) shows them). */
	buf_printf(b, "  %-10s ", "uid");
	snapview_ids(b, users, p, "uid", false);
	buf_puts(b, "  (real effective saved fs)\n");
	buf_printf(b, "  %-10s ", "gid");
	snapview_ids(b, users, p, "gid", true);
	buf_putc(b, '\n');
	buf_printf(b, "  %-10s ", "threads");
	snapview_num(b, 0, p, "threads");
	buf_puts(b, "  tgid ");
	snapview_num(b, 0, p, "tgid");
	buf_putc(b, '\n');
	buf_printf(b, "  %-10s", "caps");
	for (c = caps; *c; c++) {
		buf_printf(b, " %s ", *c);
		snapview_text(b, json_object_get(p, "caps"), *c, "-");
	}
	buf_putc(b, '\n');
	buf_printf(b, "  %-10s", "counters");
	nums(b, p, cpu);
	buf_putc(b, '\n');
	flags(b, p);
}

struct rows {
	struct buf *b;
	struct jsonw *w;            /* --json: into the open "fds" array */
	struct snapview_ctx ctx;
};

static int one_row(void *arg, const struct object *o)
{
	struct rows *r = arg;

	if (!r->w)
		return snapview_object_text(r->b, &r->ctx, o);
	jsonw_open(r->w, NULL);
	snapview_object_fields(r->w, &r->ctx, o);
	jsonw_close(r->w);
	return 0;
}

/* The rows of snapread fds --pid PID: its fds, then its other objects
 * and what could not be read (objects.h). */
static void rows(struct buf *b, struct jsonw *w, const struct show *s)
{
	struct rows r = { .b = b, .w = w, .ctx = { .full = true } };
	struct object o = { .kind = OBJECT_FD, .pid = s->pid };
	size_t i;

	snapview_ctx_process(&r.ctx, s->proc);
	r.ctx.machine = s->machine[0] ? s->machine : NULL;
	r.ctx.users = snapshot_users(s->sn);
	for (i = 0; i < json_array_size(s->fds); i++) {
		o.rec = json_array_get(s->fds, i);
		one_row(&r, &o);
	}
	objects_of_process(s->proc, one_row, &r);
}

/* The fds, as snapread fds shows them. */
static void fd_lines(struct buf *b, const struct show *s)
{
	struct buf r = BUF_INIT;

	buf_printf(b, "fds (%zu", json_array_size(s->fds));
	if (json_object_get(s->proc, "deleted_fds")) {
		buf_puts(b, ", ");
		snapview_num(b, 0, s->proc, "deleted_fds");
		buf_puts(b, " deleted");
	}
	if (json_object_get(s->proc, "deleted_special_fds")) {
		buf_puts(b, ", ");
		snapview_num(b, 0, s->proc, "deleted_special_fds");
		buf_puts(b, " deleted FIFOs, sockets, devices or directories");
	}
	buf_puts(b, ")\n");
	rows(&r, NULL, s);
	if (r.len) {
		buf_puts(b, snapview_fd_header());
		buf_append(b, r.data, r.len);
	}
	buf_free(&r);
}

/* What of the process could not be examined: evidence that may be missing
 * from everything below (examined.h). */
static void gaps(struct buf *b, const json_t *p)
{
	struct examined_gap g[EXAMINED_MAX];
	size_t n = examined_process(p, g, EXAMINED_MAX), i;

	if (!n)
		return;
	buf_puts(b, "not examined: what it holds may be missing below\n");
	for (i = 0; i < n && i < EXAMINED_MAX; i++) {
		buf_printf(b, "  %-10s ", examined_part_name(g[i].part));
		if (g[i].tid)
			buf_printf(b, "thread %d's own fd table: ", g[i].tid);
		snapview_text(b, g[i].error, "reason", "?");
		buf_puts(b, " (");
		snapview_text(b, g[i].error, "errno", "?");
		buf_puts(b, ", ");
		snapview_text(b, g[i].error, "what", "?");
		buf_puts(b, ")\n");
	}
}

/* The environment, one variable a line, each escaped. */
static void environment(struct buf *b, const struct show *s)
{
	const char *p = s->environ.data, *end = p + s->environ.len;
	size_t n = 0;

	bool kthread = false;

	if (!s->have_environ) {
		snapshot_bool(s->proc, "kernel_thread", &kthread);
		buf_puts(b, kthread ? "environment (none: a kernel thread has none)\n"
				    : "environment (not recorded; see errors)\n");
		return;
	}
	if (s->environ_big) {
		buf_printf(b, "environment (more than %u bytes: not shown; the raw member has "
			   "it)\n", ENVIRON_MAX);
		return;
	}
	for (; p && p < end; p += strnlen(p, (size_t)(end - p)) + 1)
		n++;
	buf_printf(b, "environment (%zu variable%s)\n", n, n == 1 ? "" : "s");
	for (p = s->environ.data; p && p < end; p += strnlen(p, (size_t)(end - p)) + 1) {
		buf_puts(b, "  ");
		escape_text(b, p, strnlen(p, (size_t)(end - p)));
		buf_putc(b, '\n');
	}
}

/* The environment as an array of exact bytes, environ_b64 parallel when
 * any is not clean (the argv convention of docs/FORMAT.md). */
static void environ_json(struct jsonw *w, const struct show *s)
{
	const char *p, *end = s->environ.data + s->environ.len;
	struct buf e = BUF_INIT;
	bool clean = true;
	size_t n;

	jsonw_aopen(w, "environ");
	for (p = s->environ.data; p && p < end; p += n + 1) {
		n = strnlen(p, (size_t)(end - p));
		jsonw_bytes(w, NULL, p, n);
		clean = clean && escape_is_clean_utf8(p, n);
	}
	jsonw_aclose(w);
	if (clean)
		return;
	jsonw_aopen(w, "environ_b64");
	for (p = s->environ.data; p && p < end; p += n + 1) {
		n = strnlen(p, (size_t)(end - p));
		buf_reset(&e);
		escape_base64(&e, p, n);
		jsonw_str(w, NULL, e.data ? e.data : "");
	}
	jsonw_aclose(w);
	buf_free(&e);
}

/* Every error met capturing the process, its own then its fds'. */
static void errors(struct buf *b, const struct show *s)
{
	size_t i, mark;

	buf_puts(b, "errors\n");
	mark = b->len;
	snapview_errors_text(b, s->proc, "  ");
	for (i = 0; i < json_array_size(s->fds); i++) {
		const json_t *fd = json_array_get(s->fds, i);
		struct buf pre = BUF_INIT;

		buf_puts(&pre, "  fd ");
		snapview_num(&pre, 0, fd, "fd");
		buf_puts(&pre, " ");
		snapview_errors_text(b, fd, pre.data ? pre.data : "  fd ");
		buf_free(&pre);
	}
	if (b->len == mark)
		buf_puts(b, "  none\n");
}

static void text(struct buf *b, const struct show *s)
{
	const json_t *p = s->proc;

	buf_printf(b, "process %d\n", s->pid);
	gaps(b, p);
	identity(b, p, snapshot_users(s->sn));
	hidden(b, p);
	buf_puts(b, "links\n");
	link_line(b, p, "exe");
	link_line(b, p, "cwd");
	link_line(b, p, "root");
	namespaces(b, p);
	environment(b, s);
	if (s->have_status) {
		buf_puts(b, "status\n");
		if (s->status_big)
			buf_printf(b, "  (more than %u bytes: not shown; the raw member has it)\n",
				   STATUS_MAX);
		else
			status_lines(b, &s->status);
	}
	if (s->have_maps) {
		buf_puts(b, "maps\n");
		snapview_maps_text(b, &s->maps);
	}
	mapped(b, p);
	snapview_memory_text(b, p);
	snapview_exec_text(b, p);
	tables(b, p);
	fd_lines(b, s);
	files(b, p);
	errors(b, s);
}

static int json(struct buf *b, const struct show *s)
{
	struct jsonw w;

	jsonw_init(&w, b);
	jsonw_open(&w, NULL);
	/* The process as ps --json gives it, its rows as fds --json: one
	 * schema (docs/schema/). */
	jsonw_open(&w, "process");
	snapview_proc_fields(&w, s->proc);
	jsonw_close(&w);
	jsonw_aopen(&w, "fds");
	rows(b, &w, s);
	jsonw_aclose(&w);
	if (s->have_maps)
		snapview_maps_json(&w, "maps", &s->maps);
	if (s->have_status && !s->status_big)
		jsonw_bytes(&w, "status", s->status.data ? s->status.data : "", s->status.len);
	if (s->have_environ && !s->environ_big)
		environ_json(&w, s);
	jsonw_close(&w);
	buf_putc(b, '\n');
	return buf_error(b);
}

/* Streams the maps member into the summary, a line at a time. */
static int read_maps(struct snapreader *r, struct show *s)
{
	struct buf line = BUF_INIT;
	int x;

	while ((x = snapreader_getline(r, SNAPREADER_MAX_LINE, &line)) > 0)
		snapview_maps_add(&s->maps, line.data, line.len);
	buf_free(&line);
	s->have_maps = x == 0;
	return x;
}

static int on_item(struct snapshot *sn, const struct snapshot_item *it, struct show *s)
{
	struct snapreader *r = snapshot_reader(sn);

	if (it->kind == SNAPSHOT_HOST) {
		const char *m = snapshot_str(json_object_get(it->json, "uname"), "machine");

		snprintf(s->machine, sizeof(s->machine), "%s", m ? m : "");
		return 0;
	}
	if (it->pid != s->pid)
		return 0;
	switch (it->kind) {
	case SNAPSHOT_RAW:
		if (strcmp(it->member->file, "maps") == 0)
			return read_maps(r, s);
		if (strcmp(it->member->file, "status") == 0) {
			s->have_status = true;
			s->status_big = it->member->size > STATUS_MAX;
			return s->status_big ? 0 : snapreader_slurp(r, STATUS_MAX, &s->status);
		}
		if (strcmp(it->member->file, "environ") == 0) {
			s->have_environ = true;
			s->environ_big = it->member->size > ENVIRON_MAX;
			return s->environ_big ? 0 : snapreader_slurp(r, ENVIRON_MAX, &s->environ);
		}
		return 0;
	case SNAPSHOT_FD: {
		json_t *j;
		int x;

		s->fd_bytes += it->len;
		if (s->fd_bytes > SNAPSHOT_MAX_FD_BYTES)
			return -EFBIG;
		/* Lines come unparsed (opts.fd_text): only this process's are
		 * parsed, the other processes' are passed over. */
		x = snapshot_fd_parse(sn, it->pid, it->line, it->text, it->len, &j);
		if (x)
			return x;
		return json_array_append_new(s->fds, j) ? -ENOMEM : 0;
	}
	case SNAPSHOT_PROCESS:
		s->proc = json_incref(it->json);
		return 1;
	default:
		return 0;
	}
}

/* Reads the snapshot at path up to s->pid's process.json: 0, or the exit
 * status after saying why not. */
static int read_process(const char *path, struct show *s)
{
	struct snapshot_opts so = { .fds = true, .raw = true, .fd_text = true };
	struct snapshot *sn = NULL;
	struct snapshot_item it;
	int x, k = 0;

	/* The process is the last of its members: reading stops there.  The
	 * snapshot stays open for its names (freed by cmd_show). */
	x = snapshot_open(&sn, path, &so);
	s->sn = sn;
	while (!x && !k && (x = snapshot_next(sn, &it)) > 0) {
		x = 0;
		k = on_item(sn, &it, s);
	}
	if (k < 0 && s->fd_bytes > SNAPSHOT_MAX_FD_BYTES)
		cmd_error("%s: pid %d: more than %u bytes of fd records to show",
			  cmd_path(path), s->pid, SNAPSHOT_MAX_FD_BYTES);
	else if (k == -ENOMEM)
		cmd_error("out of memory");
	else if (x < 0 || k < 0)
		cmd_error("%s: %s", cmd_path(path), snapshot_error(sn));
	else if (!s->proc)
		cmd_error("%s: pid %d is not in the snapshot", cmd_path(path), s->pid);
	return x < 0 || k < 0 || !s->proc ? CMD_TROUBLE : 0;
}

int cmd_show(int argc, char **argv)
{
	enum { OPT_JSON = 256, OPT_HELP };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct show s = { .maps = SNAPVIEW_MAPS_INIT, .status = BUF_INIT,
			  .environ = BUF_INIT };
	struct buf out = BUF_INIT;
	bool help = false, as_json = false;
	int opt, rc = CMD_TROUBLE, x;

	while ((opt = cmd_getopt(argc, argv, "", longopts)) != -1) {
		switch (opt) {
		case OPT_JSON: as_json = true; break;
		case OPT_HELP: help = true; break;
		default: return CMD_TROUBLE;
		}
	}
	x = cmd_operands(argc, argv, 2, help, usage);
	if (x >= 0)
		return x;
	x = cmd_number(argv[optind + 1], "PID", &s.pid);
	if (x)
		return x;
	s.fds = json_array();
	if (!s.fds) {
		cmd_error("out of memory");
		goto out;
	}
	if (read_process(argv[optind], &s))
		goto out;
	x = as_json ? json(&out, &s) : (text(&out, &s), buf_error(&out));
	if (!x)
		x = cmd_flush(&out);
	if (x) {
		cmd_error("standard output: %s", strerror(-x));
		goto out;
	}
	rc = cmd_finish_output(CMD_OK);
out:
	json_decref(s.proc);
	json_decref(s.fds);
	snapshot_free(s.sn);
	snapview_maps_free(&s.maps);
	buf_free(&s.status);
	buf_free(&s.environ);
	buf_free(&out);
	return rc;
}
