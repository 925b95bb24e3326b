/* snapview_proc: a process record shown — its ps line, its ps --json object, its filters. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "snapshot.h"
#include "snapview_int.h"

/* Element i of an integer array, e.g. uid[1]. */
static bool array_int(const json_t *obj, const char *key, size_t i, int64_t *v)
{
	const json_t *e = json_array_get(json_object_get(obj, key), i);

	if (!json_is_integer(e))
		return false;
	*v = (int64_t)json_integer_value(e);
	return true;
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
	 * V: vanished; H: hidden from the host's /proc. */
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
	if (json_array_size(json_object_get(proc, "hidden")) > 0)
		buf_putc(out, 'H');
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

/* "hidden": the ways the process was hidden from the host's /proc
 * ("bind-mount", "shows-pid-1", "not-listed"...); [] when none. */
static void jput_hidden(struct jsonw *w, const json_t *proc)
{
	const json_t *a = json_object_get(proc, "hidden");
	struct buf b = BUF_INIT;
	size_t i;

	jsonw_aopen(w, "hidden");
	for (i = 0; i < json_array_size(a); i++)
		if (snapshot_array_bytes(proc, "hidden", i, &b) == 1)
			jsonw_bytes(w, NULL, b.data, b.len);
	jsonw_aclose(w);
	buf_free(&b);
}

int snapview_proc_json(struct buf *out, const json_t *proc)
{
	const json_t *exe = json_object_get(proc, "exe");
	const json_t *content = json_object_get(exe, "content");
	struct jsonw w;
	int64_t v;

	jsonw_init(&w, out);
	jsonw_open(&w, NULL);
	snapview_put_int(&w, proc, "pid", "pid");
	snapview_put_int(&w, proc, "ppid", "ppid");
	/* "uid" is the effective uid, as in ps -o uid; ruid the real one. */
	if (array_int(proc, "uid", 1, &v))
		jsonw_int(&w, "uid", v);
	else
		jsonw_null(&w, "uid");
	if (array_int(proc, "uid", 0, &v))
		jsonw_int(&w, "ruid", v);
	else
		jsonw_null(&w, "ruid");
	snapview_put_bytes(&w, proc, "name", "name");
	jput_cmdline(&w, proc);
	jput_argv(&w, proc, "argv");
	snapview_put_bytes(&w, proc, "start_time", "start_time");
	snapview_put_bytes(&w, proc, "state", "state");
	if (json_is_object(exe))
		snapview_put_bytes(&w, exe, "target", "exe");
	else
		jsonw_null(&w, "exe");
	snapview_put_bool(&w, exe, "deleted", "exe_deleted");
	if (json_is_object(content)) {
		snapview_put_bytes(&w, content, "status", "exe_content");
		snapview_put_bytes(&w, content, "sha256", "exe_sha256");
	}
	snapview_put_int(&w, proc, "fd_count", "fd_count");
	snapview_put_int(&w, proc, "deleted_fds", "deleted_fds");
	snapview_put_int(&w, proc, "threads", "threads");
	snapview_put_bool(&w, proc, "kernel_thread", "kernel_thread");
	snapview_put_bool(&w, proc, "vanished", "vanished");
	snapview_put_bool(&w, proc, "self", "self");
	jput_hidden(&w, proc);
	{
		const json_t *ct = json_object_get(proc, "container");

		if (json_is_object(ct)) {
			jsonw_open(&w, "container");
			snapview_put_bytes(&w, ct, "runtime", "runtime");
			snapview_put_bytes(&w, ct, "id", "id");
			jsonw_close(&w);
		} else {
			jsonw_null(&w, "container");
		}
	}
	if (json_object_get(proc, "cgroup"))
		snapview_put_bytes(&w, proc, "cgroup", "cgroup");
	if (json_is_object(json_object_get(proc, "ns")))
		snapview_put_int(&w, json_object_get(proc, "ns"), "net", "net_ns");
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
