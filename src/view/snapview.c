/* snapview: how snapshot records are shown — one escaped text line, or one JSON object. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "snapshot.h"
#include "snapview.h"

/* Indentation stops growing here: a hostile chain of a million parents
 * must not make lines a million spaces wide. */
#define MAX_INDENT 64

int snapview_text(struct buf *out, const json_t *obj, const char *key,
		  const char *dash)
{
	struct buf b = BUF_INIT;

	if (snapshot_bytes(obj, key, &b) == 1)
		escape_text(out, b.data, b.len);
	else
		buf_puts(out, dash);
	buf_free(&b);
	return buf_error(out);
}

int snapview_num(struct buf *out, int width, const json_t *obj, const char *key)
{
	int64_t v;

	if (snapshot_int(obj, key, &v))
		buf_printf(out, "%*" PRId64, width, v);
	else
		buf_printf(out, "%*s", width, "-");
	return buf_error(out);
}

int snapview_indent(struct buf *out, unsigned depth)
{
	for (depth = depth < MAX_INDENT ? depth : MAX_INDENT; depth; depth--)
		buf_puts(out, "  ");
	return buf_error(out);
}

/* Element i of an integer array, e.g. uid[1]. */
static bool array_int(const json_t *obj, const char *key, size_t i, int64_t *v)
{
	const json_t *e = json_array_get(json_object_get(obj, key), i);

	if (!json_is_integer(e))
		return false;
	*v = (int64_t)json_integer_value(e);
	return true;
}

/* The JSON writer's counterparts: exact bytes (with KEY_b64), or null. */
static void jput_bytes(struct jsonw *w, const json_t *obj, const char *key,
		       const char *outkey)
{
	struct buf b = BUF_INIT;

	if (snapshot_bytes(obj, key, &b) == 1)
		jsonw_bytes(w, outkey, b.data, b.len);
	else
		jsonw_null(w, outkey);
	buf_free(&b);
}

static void jput_int(struct jsonw *w, const json_t *obj, const char *key,
		     const char *outkey)
{
	int64_t v;

	if (snapshot_int(obj, key, &v))
		jsonw_int(w, outkey, v);
	else
		jsonw_null(w, outkey);
}

static void jput_bool(struct jsonw *w, const json_t *obj, const char *key,
		      const char *outkey)
{
	bool v;

	if (snapshot_bool(obj, key, &v))
		jsonw_bool(w, outkey, v);
}

int snapview_cmdline(struct buf *out, const json_t *proc)
{
	struct buf b = BUF_INIT;
	size_t i, n = json_array_size(json_object_get(proc, "argv"));

	if (n == 0) {
		buf_putc(out, '[');
		snapview_text(out, proc, "name", "?");
		buf_putc(out, ']');
	}
	for (i = 0; i < n; i++) {
		if (i)
			buf_putc(out, ' ');
		if (snapshot_array_bytes(proc, "argv", i, &b) == 1)
			escape_text(out, b.data, b.len);
	}
	buf_free(&b);
	return buf_error(out);
}

/* "2026-11-27T18:04:01.14Z" -> "2026-11-27T18:04:01Z"; other text escaped. */
static void put_start(struct buf *out, const json_t *proc)
{
	const char *t = snapshot_str(proc, "start_time");
	size_t i;

	for (i = 0; t && i < 19; i++)
		if (!(t[i] >= '0' && t[i] <= '9') &&
		    !((i == 4 || i == 7) && t[i] == '-') && !(i == 10 && t[i] == 'T') &&
		    !((i == 13 || i == 16) && t[i] == ':'))
			break;
	if (t && i == 19) {
		buf_append(out, t, 19);
		buf_putc(out, 'Z');
	} else {
		snapview_text(out, proc, "start_time", "-");
	}
}

static bool exe_deleted(const json_t *proc)
{
	bool d = false;

	return snapshot_bool(json_object_get(proc, "exe"), "deleted", &d) && d;
}

/* Maps a deleted file other than its own deleted executable (X says that
 * one already: every process maps its executable). */
static bool maps_other_deleted(const json_t *proc)
{
	const json_t *a = json_object_get(proc, "mapped_deleted");
	const json_t *xs = json_object_get(json_object_get(proc, "exe"), "stat");
	int64_t xd = -1, xi = -1, d, i;
	size_t k;

	snapshot_int(xs, "dev", &xd);
	snapshot_int(xs, "ino", &xi);
	for (k = 0; k < json_array_size(a); k++) {
		const json_t *m = json_array_get(a, k);

		if (!snapshot_int(m, "dev", &d) || !snapshot_int(m, "ino", &i) ||
		    d != xd || i != xi)
			return true;
	}
	return false;
}

const char *snapview_proc_header(void)
{
	return "    PID    PPID    UID START                S MARK CONTAINER    NAME  COMMAND\n";
}

/* The container's id, shortened as docker shows it (12 characters). */
static void put_container(struct buf *out, const json_t *proc, size_t width)
{
	const json_t *ct = json_object_get(proc, "container");
	struct buf id = BUF_INIT;
	size_t start = out->len;

	if (json_is_object(ct) && snapshot_bytes(ct, "id", &id) == 1 && id.len)
		escape_text(out, id.data, id.len < 12 ? id.len : 12);
	else
		buf_putc(out, '-');
	buf_free(&id);
	while (out->len < start + width)
		buf_putc(out, ' ');
}

bool snapview_proc_in_container(const json_t *proc, const char *id)
{
	const json_t *ct = json_object_get(proc, "container");
	struct buf b = BUF_INIT;
	bool match = false;
	size_t n = strlen(id);

	if (!json_is_object(ct))
		return false;
	/* "any": in some container; else an id or its prefix (docker's
	 * 12 characters), or the runtime's name. */
	if (strcmp(id, "any") == 0)
		match = true;
	else if (snapshot_bytes(ct, "id", &b) == 1 && n && b.len >= n &&
		 memcmp(b.data, id, n) == 0)
		match = true;
	else if (snapshot_bytes(ct, "runtime", &b) == 1 && b.len == n &&
		 memcmp(b.data, id, n) == 0)
		match = true;
	buf_free(&b);
	return match;
}

int snapview_proc_text(struct buf *out, const json_t *proc, unsigned depth,
		       size_t *name_at)
{
	int64_t v;
	bool vanished = false;
	size_t mark;

	snapview_num(out, 7, proc, "pid");
	buf_putc(out, ' ');
	snapview_num(out, 7, proc, "ppid");
	if (array_int(proc, "uid", 1, &v))
		buf_printf(out, " %6" PRId64 " ", v);
	else
		buf_puts(out, "      - ");
	put_start(out, proc);
	buf_putc(out, ' ');
	snapview_text(out, proc, "state", "-");
	buf_putc(out, ' ');
	/* X: executable deleted; D: holds deleted files; M: maps deleted
	 * files; T: a thread has its own fd table; K: kernel thread;
	 * V: vanished. */
	mark = out->len;
	if (exe_deleted(proc))
		buf_putc(out, 'X');
	if (snapshot_int(proc, "deleted_fds", &v) && v > 0)
		buf_putc(out, 'D');
	if (maps_other_deleted(proc))
		buf_putc(out, 'M');
	if (json_array_size(json_object_get(proc, "fd_tables")) > 0)
		buf_putc(out, 'T');
	if (snapshot_bool(proc, "kernel_thread", &vanished) && vanished)
		buf_putc(out, 'K');
	vanished = false;
	if (snapshot_bool(proc, "vanished", &vanished) && vanished)
		buf_putc(out, 'V');
	if (out->len == mark)
		buf_putc(out, '-');
	while (out->len < mark + 4)
		buf_putc(out, ' ');
	buf_putc(out, ' ');
	put_container(out, proc, 12);
	buf_putc(out, ' ');
	if (name_at)
		*name_at = out->len;
	snapview_indent(out, depth);
	snapview_text(out, proc, "name", "?");
	buf_puts(out, "  ");
	snapview_cmdline(out, proc);
	buf_putc(out, '\n');
	return buf_error(out);
}

/* argv as an array, with a parallel argv_b64 when any element is not
 * clean UTF-8 (the convention of docs/FORMAT.md). */
static void jput_argv(struct jsonw *w, const json_t *proc, const char *outkey)
{
	struct buf b = BUF_INIT, e = BUF_INIT;
	size_t i, n = json_array_size(json_object_get(proc, "argv"));
	bool clean = true;
	char k[64];

	jsonw_aopen(w, outkey);
	for (i = 0; i < n; i++) {
		if (snapshot_array_bytes(proc, "argv", i, &b) != 1) {
			jsonw_null(w, NULL);
			continue;
		}
		jsonw_bytes(w, NULL, b.data, b.len);
		clean = clean && escape_is_clean_utf8(b.data, b.len);
	}
	jsonw_aclose(w);
	if (!clean) {
		snprintf(k, sizeof(k), "%s_b64", outkey);
		jsonw_aopen(w, k);
		for (i = 0; i < n; i++) {
			buf_reset(&e);
			if (snapshot_array_bytes(proc, "argv", i, &b) == 1)
				escape_base64(&e, b.data, b.len);
			jsonw_str(w, NULL, e.data ? e.data : "");
		}
		jsonw_aclose(w);
	}
	buf_free(&b);
	buf_free(&e);
}

/* The command line joined, as ps shows it, in exact bytes. */
static void jput_cmdline(struct jsonw *w, const json_t *proc)
{
	struct buf b = BUF_INIT, all = BUF_INIT;
	size_t i, n = json_array_size(json_object_get(proc, "argv"));

	for (i = 0; i < n; i++) {
		if (i)
			buf_putc(&all, ' ');
		if (snapshot_array_bytes(proc, "argv", i, &b) == 1)
			buf_append(&all, b.data, b.len);
	}
	jsonw_bytes(w, "cmdline", all.data ? all.data : "", all.len);
	buf_free(&b);
	buf_free(&all);
}

int snapview_proc_json(struct buf *out, const json_t *proc)
{
	const json_t *exe = json_object_get(proc, "exe");
	const json_t *content = json_object_get(exe, "content");
	struct jsonw w;
	int64_t v;

	jsonw_init(&w, out);
	jsonw_open(&w, NULL);
	jput_int(&w, proc, "pid", "pid");
	jput_int(&w, proc, "ppid", "ppid");
	/* "uid" is the effective uid, as in ps -o uid; ruid the real one. */
	if (array_int(proc, "uid", 1, &v))
		jsonw_int(&w, "uid", v);
	else
		jsonw_null(&w, "uid");
	if (array_int(proc, "uid", 0, &v))
		jsonw_int(&w, "ruid", v);
	else
		jsonw_null(&w, "ruid");
	jput_bytes(&w, proc, "name", "name");
	jput_cmdline(&w, proc);
	jput_argv(&w, proc, "argv");
	jput_bytes(&w, proc, "start_time", "start_time");
	jput_bytes(&w, proc, "state", "state");
	if (json_is_object(exe))
		jput_bytes(&w, exe, "target", "exe");
	else
		jsonw_null(&w, "exe");
	jput_bool(&w, exe, "deleted", "exe_deleted");
	if (json_is_object(content)) {
		jput_bytes(&w, content, "status", "exe_content");
		jput_bytes(&w, content, "sha256", "exe_sha256");
	}
	jput_int(&w, proc, "fd_count", "fd_count");
	jput_int(&w, proc, "deleted_fds", "deleted_fds");
	jput_int(&w, proc, "threads", "threads");
	jput_bool(&w, proc, "kernel_thread", "kernel_thread");
	jput_bool(&w, proc, "vanished", "vanished");
	jput_bool(&w, proc, "self", "self");
	{
		const json_t *ct = json_object_get(proc, "container");

		if (json_is_object(ct)) {
			jsonw_open(&w, "container");
			jput_bytes(&w, ct, "runtime", "runtime");
			jput_bytes(&w, ct, "id", "id");
			jsonw_close(&w);
		} else {
			jsonw_null(&w, "container");
		}
	}
	if (json_object_get(proc, "cgroup"))
		jput_bytes(&w, proc, "cgroup", "cgroup");
	if (json_is_object(json_object_get(proc, "ns")))
		jput_int(&w, json_object_get(proc, "ns"), "net", "net_ns");
	if (json_is_array(json_object_get(proc, "nspid"))) {
		const json_t *a = json_object_get(proc, "nspid");
		size_t i;

		jsonw_aopen(&w, "nspid");
		for (i = 0; i < json_array_size(a); i++)
			if (json_is_integer(json_array_get(a, i)))
				jsonw_int(&w, NULL, (int64_t)json_integer_value(json_array_get(a, i)));
		jsonw_aclose(&w);
	}
	jsonw_int(&w, "mapped_deleted",
		  (int64_t)json_array_size(json_object_get(proc, "mapped_deleted")));
	jsonw_int(&w, "thread_fd_tables",
		  (int64_t)json_array_size(json_object_get(proc, "fd_tables")));
	jsonw_close(&w);
	buf_putc(out, '\n');
	return buf_error(out);
}

bool snapview_proc_has_uid(const json_t *proc, int64_t uid)
{
	int64_t v;

	return (array_int(proc, "uid", 0, &v) && v == uid) ||
	       (array_int(proc, "uid", 1, &v) && v == uid);
}

const char *snapview_fd_type(const json_t *fd)
{
	const char *t = snapshot_str(fd, "type");

	return t ? t : "unknown";
}

const char *snapview_fd_kind(const json_t *fd)
{
	return snapshot_str(fd, "kind");
}

bool snapview_fd_changing(const json_t *fd)
{
	bool ch = false;

	return snapshot_bool(json_object_get(fd, "content"), "changed", &ch) && ch;
}

/* The seals of a memfd, "seal,shrink,grow"; nothing when none recorded. */
static void put_seals(struct buf *out, const json_t *fd)
{
	const json_t *a = json_object_get(fd, "seals");
	size_t i;

	if (!json_is_array(a))
		return;
	buf_puts(out, "; seals ");
	if (!json_array_size(a))
		buf_puts(out, "none");
	for (i = 0; i < json_array_size(a); i++) {
		const char *t = json_string_value(json_array_get(a, i));

		if (i)
			buf_putc(out, ',');
		if (t)
			escape_text(out, t, strlen(t));
	}
}

int snapview_fd_notes(struct buf *out, const json_t *fd)
{
	const char *kind = snapview_fd_kind(fd);
	int64_t tid;

	if (snapshot_int(fd, "tid", &tid))
		buf_printf(out, " (thread %" PRId64 "'s own fd table)", tid);
	if (kind && strcmp(kind, snapview_fd_type(fd)) != 0) {
		buf_puts(out, " [");
		escape_text(out, kind, strlen(kind));
		put_seals(out, fd);
		buf_putc(out, ']');
	} else if (json_object_get(fd, "seals")) {
		buf_puts(out, " [memfd");
		put_seals(out, fd);
		buf_putc(out, ']');
	}
	if (snapview_fd_changing(fd))
		buf_puts(out, " [changing: size or mtime moved while it was read]");
	return buf_error(out);
}

bool snapview_fd_deleted(const json_t *fd)
{
	bool d = false;

	return snapshot_bool(fd, "deleted", &d) && d;
}

/* The size worth showing: of a file's content, else of a regular file. */
static bool fd_size(const json_t *fd, int64_t *v)
{
	const char *t = snapview_fd_type(fd);

	if (snapshot_int(json_object_get(fd, "content"), "size", v))
		return true;
	return (strcmp(t, "file") == 0 || strcmp(t, "memfd") == 0) &&
	       snapshot_int(json_object_get(fd, "stat"), "size", v);
}

/* "tcp 127.0.0.1:80->10.0.0.2:5000 (ESTABLISHED)", as lsof shows sockets;
 * a listener has no peer (its "remote" is 0.0.0.0:0), so none is shown. */
int snapview_socket(struct buf *out, const json_t *sk)
{
	const char *st = snapshot_str(sk, "state");

	snapview_text(out, sk, "proto", "?");
	if (json_object_get(sk, "socktype")) {
		buf_putc(out, ' ');
		snapview_text(out, sk, "socktype", "");
	}
	buf_putc(out, ' ');
	snapview_text(out, sk, "local", "?");
	if (json_object_get(sk, "remote") && !(st && strcmp(st, "LISTEN") == 0)) {
		buf_puts(out, "->");
		snapview_text(out, sk, "remote", "?");
	}
	if (json_object_get(sk, "state")) {
		buf_puts(out, " (");
		snapview_text(out, sk, "state", "?");
		buf_putc(out, ')');
	}
	return buf_error(out);
}

/* No target recorded: say why, from the record's errors. */
static void link_error(struct buf *out, const json_t *fd)
{
	const json_t *errs = json_object_get(fd, "errors");
	size_t i;

	for (i = 0; i < json_array_size(errs); i++) {
		const json_t *e = json_array_get(errs, i);
		const char *what = snapshot_str(e, "what");

		if (what && strcmp(what, "link") == 0) {
			buf_puts(out, "(link not read: ");
			snapview_text(out, e, "reason", "?");
			buf_putc(out, ')');
			return;
		}
	}
	buf_puts(out, "(no target recorded)");
}

const char *snapview_fd_header(void)
{
	return "    PID    FD TYPE             SIZE DEL CONTENT    TARGET\n";
}

int snapview_fd_text(struct buf *out, const json_t *fd)
{
	const json_t *content = json_object_get(fd, "content");
	const json_t *sk = json_object_get(fd, "socket");
	size_t start;
	int64_t v;

	snapview_num(out, 7, fd, "pid");
	buf_putc(out, ' ');
	snapview_num(out, 5, fd, "fd");
	buf_putc(out, ' ');
	start = out->len;
	escape_text(out, snapview_fd_type(fd), strlen(snapview_fd_type(fd)));
	while (out->len < start + 8)
		buf_putc(out, ' ');
	if (fd_size(fd, &v))
		buf_printf(out, " %12" PRId64, v);
	else
		buf_printf(out, " %12s", "-");
	buf_puts(out, snapview_fd_deleted(fd) ? " del " : " -   ");
	start = out->len;
	if (json_is_object(content))
		snapview_text(out, content, "status", "?");
	else
		buf_putc(out, '-');
	while (out->len < start + 10)
		buf_putc(out, ' ');
	buf_putc(out, ' ');
	if (json_is_object(sk))
		snapview_socket(out, sk);
	else if (json_object_get(fd, "target"))
		snapview_text(out, fd, "target", "?");
	else
		link_error(out, fd);
	snapview_fd_notes(out, fd);
	if (json_is_object(content) && json_object_get(content, "reason")) {
		buf_puts(out, " [");
		snapview_text(out, content, "reason", "");
		if (json_object_get(content, "errno")) {
			buf_puts(out, ": ");
			snapview_text(out, content, "errno", "");
		}
		buf_putc(out, ']');
	}
	buf_putc(out, '\n');
	return buf_error(out);
}

int snapview_fd_json(struct buf *out, const json_t *fd)
{
	const json_t *content = json_object_get(fd, "content");
	const json_t *sk = json_object_get(fd, "socket");
	struct jsonw w;
	int64_t v;

	jsonw_init(&w, out);
	jsonw_open(&w, NULL);
	jput_int(&w, fd, "pid", "pid");
	jput_int(&w, fd, "fd", "fd");
	jput_bytes(&w, fd, "type", "type");
	jput_bytes(&w, fd, "target", "target");
	jsonw_bool(&w, "deleted", snapview_fd_deleted(fd));
	if (fd_size(fd, &v))
		jsonw_int(&w, "size", v);
	else
		jsonw_null(&w, "size");
	if (json_is_object(content)) {
		jput_bytes(&w, content, "sha256", "sha256");
		jput_bytes(&w, content, "status", "content");
		if (json_object_get(content, "reason"))
			jput_bytes(&w, content, "reason", "content_reason");
		if (json_object_get(content, "member"))
			jput_bytes(&w, content, "member", "member");
		if (json_object_get(content, "stored"))
			jput_int(&w, content, "stored", "stored");
	} else {
		jsonw_null(&w, "sha256");
		jsonw_null(&w, "content");
	}
	if (json_is_object(sk)) {
		jsonw_open(&w, "socket");
		jput_bytes(&w, sk, "proto", "proto");
		jput_bytes(&w, sk, "local", "local");
		if (json_object_get(sk, "remote"))
			jput_bytes(&w, sk, "remote", "remote");
		if (json_object_get(sk, "state"))
			jput_bytes(&w, sk, "state", "state");
		if (json_object_get(sk, "socktype"))
			jput_bytes(&w, sk, "socktype", "socktype");
		jsonw_close(&w);
	}
	if (json_object_get(fd, "anon"))
		jput_bytes(&w, fd, "anon", "anon");
	if (json_object_get(fd, "kind"))
		jput_bytes(&w, fd, "kind", "kind");
	if (json_object_get(fd, "tid"))
		jput_int(&w, fd, "tid", "tid");
	if (json_is_array(json_object_get(fd, "seals"))) {
		const json_t *a = json_object_get(fd, "seals");
		size_t i;

		jsonw_aopen(&w, "seals");
		for (i = 0; i < json_array_size(a); i++)
			if (json_is_string(json_array_get(a, i)))
				jsonw_str(&w, NULL, json_string_value(json_array_get(a, i)));
		jsonw_aclose(&w);
	}
	jsonw_bool(&w, "changing", snapview_fd_changing(fd));
	if (json_object_get(fd, "inode"))
		jput_int(&w, fd, "inode", "inode");
	if (json_object_get(fd, "pos"))
		jput_int(&w, fd, "pos", "pos");
	if (json_object_get(fd, "flags"))
		jput_int(&w, fd, "flags", "flags");
	jsonw_close(&w);
	buf_putc(out, '\n');
	return buf_error(out);
}

int snapview_errors_text(struct buf *out, const json_t *rec, const char *prefix)
{
	const json_t *errs = json_object_get(rec, "errors");
	size_t i;

	for (i = 0; i < json_array_size(errs); i++) {
		const json_t *e = json_array_get(errs, i);

		buf_puts(out, prefix);
		snapview_text(out, e, "what", "?");
		buf_puts(out, ": ");
		snapview_text(out, e, "reason", "?");
		buf_puts(out, " (");
		snapview_text(out, e, "errno", "?");
		buf_puts(out, ")\n");
	}
	return buf_error(out);
}

/* ---- the tree ---- */

struct node {
	int pid;
	size_t idx;
};

static int by_pid(const void *a, const void *b)
{
	const struct node *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Position of pid in the sorted nodes, or n. */
static size_t find(const struct node *v, size_t n, int pid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo].pid == pid ? lo : n;
}

int snapview_tree(const int *pid, const int *ppid, size_t n, size_t *order,
		  unsigned *depth)
{
	struct node *v = malloc((n ? n : 1) * sizeof(*v));
	size_t *parent = malloc((n ? n : 1) * sizeof(*parent));
	size_t *first = calloc(n + 1, sizeof(*first));
	size_t *kids = malloc((n ? n : 1) * sizeof(*kids));
	size_t *stack = malloc((n ? n : 1) * sizeof(*stack));
	unsigned *dep = calloc(n ? n : 1, sizeof(*dep));
	bool *seen = calloc(n ? n : 1, sizeof(*seen));
	size_t i, k, out = 0, pass;
	int r = -ENOMEM;

	if (!v || !parent || !first || !kids || !stack || !dep || !seen)
		goto done;
	for (i = 0; i < n; i++)
		v[i] = (struct node){ pid[i], i };
	qsort(v, n, sizeof(*v), by_pid);
	/* Children lists, in pid order, in one array (counting sort). */
	for (i = 0; i < n; i++) {
		parent[i] = find(v, n, ppid[v[i].idx]);
		if (parent[i] == i)
			parent[i] = n;
		if (parent[i] < n)
			first[parent[i] + 1]++;
	}
	for (i = 0; i < n; i++)
		first[i + 1] += first[i];
	{
		size_t *fill = stack; /* borrowed as scratch before the walk */

		memcpy(fill, first, n * sizeof(*fill));
		for (i = 0; i < n; i++)
			if (parent[i] < n)
				kids[fill[parent[i]]++] = i;
	}
	/* Pass 0 starts from true roots; pass 1 from whatever a parent loop
	 * kept out of reach. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			size_t sp = 0;

			if (seen[i] || (pass == 0 && parent[i] < n))
				continue;
			seen[i] = true;
			dep[i] = 0;
			stack[sp++] = i;
			while (sp) {
				size_t x = stack[--sp];

				order[out] = v[x].idx;
				depth[out++] = dep[x];
				/* Pushed in reverse so the lowest pid comes out first. */
				for (k = first[x + 1]; k > first[x]; k--) {
					size_t c = kids[k - 1];

					if (seen[c])
						continue;
					seen[c] = true;
					dep[c] = dep[x] + 1;
					stack[sp++] = c;
				}
			}
		}
	}
	r = 0;
done:
	free(v);
	free(parent);
	free(first);
	free(kids);
	free(stack);
	free(dep);
	free(seen);
	return r;
}

/* ---- maps ---- */

/* The next space-separated field of [*p, end). */
static bool field(const char **p, const char *end, const char **f, size_t *n)
{
	const char *s = *p;

	while (s < end && *s == ' ')
		s++;
	*f = s;
	while (s < end && *s != ' ')
		s++;
	*n = (size_t)(s - *f);
	*p = s;
	return *n > 0;
}

static bool hex_range(const char *f, size_t n, uint64_t *lo, uint64_t *hi)
{
	const char *dash = memchr(f, '-', n);
	char a[17], b[17];
	char *e;

	if (!dash || dash == f || (size_t)(dash - f) > 16 || n - (size_t)(dash - f) - 1 > 16 ||
	    n - (size_t)(dash - f) - 1 == 0)
		return false;
	memcpy(a, f, (size_t)(dash - f));
	a[dash - f] = '\0';
	memcpy(b, dash + 1, n - (size_t)(dash - f) - 1);
	b[n - (size_t)(dash - f) - 1] = '\0';
	*lo = strtoull(a, &e, 16);
	if (*e)
		return false;
	*hi = strtoull(b, &e, 16);
	return !*e && *hi >= *lo;
}

/* proc(5): "address perms offset dev inode pathname". */
void snapview_maps_add(struct snapview_maps *m, const char *line, size_t n)
{
	static const char del[] = " (deleted)";
	const char *p = line, *end = line + n, *f, *perm = NULL;
	uint64_t lo, hi;
	size_t fl, i;

	if (!field(&p, end, &f, &fl) || !hex_range(f, fl, &lo, &hi)) {
		m->bad++;
		return;
	}
	for (i = 0; i < 4; i++) {
		if (!field(&p, end, &f, &fl)) {
			m->bad++;
			return;
		}
		if (i == 0)
			perm = fl == 4 ? f : NULL;
	}
	if (!perm) {
		m->bad++;
		return;
	}
	while (p < end && *p == ' ')
		p++;
	m->mappings++;
	m->bytes += hi - lo;
	if (perm[2] == 'x') {
		m->exec++;
		if (p == end)
			m->anon_exec++;
		if (perm[1] == 'w')
			m->write_exec++;
	}
	if ((size_t)(end - p) > sizeof(del) - 1 &&
	    memcmp(end - (sizeof(del) - 1), del, sizeof(del) - 1) == 0) {
		struct buf e = BUF_INIT;

		m->deleted++;
		escape_text(&e, p, (size_t)(end - p));
		/* Consecutive mappings of one file are named once. */
		if (e.data && !(m->last.len == e.len && memcmp(m->last.data, e.data, e.len) == 0)) {
			if (m->named < SNAPVIEW_MAPS_NAMED) {
				buf_append(&m->names, e.data, e.len);
				buf_putc(&m->names, '\n');
				m->named++;
			}
			buf_reset(&m->last);
			buf_append(&m->last, e.data, e.len);
		}
		buf_free(&e);
	}
}

int snapview_maps_text(struct buf *out, const struct snapview_maps *m)
{
	const char *p, *end;

	buf_printf(out, "  %" PRIu64 " mappings, %" PRIu64 " KiB; %" PRIu64 " executable, "
		   "%" PRIu64 " executable without a file, %" PRIu64 " writable and "
		   "executable, %" PRIu64 " of deleted files",
		   m->mappings, m->bytes >> 10, m->exec, m->anon_exec, m->write_exec,
		   m->deleted);
	if (m->bad)
		buf_printf(out, "; %" PRIu64 " lines not understood", m->bad);
	buf_putc(out, '\n');
	/* No deleted mapping: names.data is NULL, and NULL + 0 is undefined
	 * behaviour in C (found by fuzzing with clang's UBSan). */
	p = m->names.data;
	end = p ? p + m->names.len : NULL;
	for (; p && p < end; ) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		buf_puts(out, "  deleted file mapped: ");
		buf_append(out, p, (size_t)(nl - p));
		buf_putc(out, '\n');
		p = nl + 1;
	}
	return buf_error(out);
}

void snapview_maps_json(struct jsonw *w, const char *key, const struct snapview_maps *m)
{
	const char *p, *end;

	jsonw_open(w, key);
	jsonw_uint(w, "mappings", m->mappings);
	jsonw_uint(w, "bytes", m->bytes);
	jsonw_uint(w, "exec", m->exec);
	jsonw_uint(w, "anon_exec", m->anon_exec);
	jsonw_uint(w, "write_exec", m->write_exec);
	jsonw_uint(w, "deleted", m->deleted);
	jsonw_uint(w, "bad_lines", m->bad);
	/* The names are escaped text here (the raw maps member keeps the
	 * bytes): valid UTF-8 by construction. */
	jsonw_aopen(w, "deleted_files");
	p = m->names.data;
	end = p ? p + m->names.len : NULL; /* as in snapview_maps_text */
	for (; p && p < end; ) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		jsonw_bytes(w, NULL, p, (size_t)(nl - p));
		p = nl + 1;
	}
	jsonw_aclose(w);
	jsonw_close(w);
}

void snapview_maps_free(struct snapview_maps *m)
{
	buf_free(&m->names);
	buf_free(&m->last);
}

int snapview_json(struct jsonw *w, const char *key, const json_t *v)
{
	const char *k;
	json_t *e;
	size_t i;
	char *t;
	int x = 0;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
	case JSON_ARRAY:
		/* Deeper than the writer goes: the value as text, a string. */
		if (w->depth + 2 >= JSONW_MAX_DEPTH) {
			t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
			if (!t)
				return -ENOMEM;
			jsonw_bytes(w, key, t, strlen(t));
			free(t);
			break;
		}
		if (json_is_array(v)) {
			jsonw_aopen(w, key);
			json_array_foreach(v, i, e)
				if (!x)
					x = snapview_json(w, NULL, e);
			jsonw_aclose(w);
		} else {
			jsonw_open(w, key);
			/* A key with a NUL in it reaches here cut at the NUL.
			 * jansson iterates only non-const objects; nothing is
			 * changed. */
			json_t *o = (json_t *)(uintptr_t)v;

			json_object_foreach(o, k, e)
				if (!x)
					x = snapview_json(w, k, e);
			jsonw_close(w);
		}
		break;
	case JSON_STRING:
		/* Through the writer, so a NUL becomes U+FFFD (with KEY_b64
		 * in an object), never \u0000: the archive's own JSON may
		 * hold one (its readers allow it), snapread's output does not. */
		jsonw_bytes(w, key, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		jsonw_int(w, key, json_integer_value(v));
		break;
	case JSON_REAL:
		t = json_dumps(v, JSON_ENCODE_ANY);
		if (!t)
			return -ENOMEM;
		jsonw_raw(w, key, t, strlen(t));
		free(t);
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		jsonw_bool(w, key, json_is_true(v));
		break;
	default:
		jsonw_null(w, key);
		break;
	}
	return x ? x : buf_error(w->out);
}
