/* snapview_proc: a process record shown — its ps line, its ps --json object, its filters. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "csv.h"
#include "escape.h"
#include "snapshot.h"
#include "snapview_int.h"
#include "users.h"

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
	return "    PID    PPID    UID USER     START                S MARK  CONTAINER    NAME"
	       "            COMMAND\n";
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

static void put_mark(struct buf *out, const json_t *proc);

int snapview_proc_text(struct buf *out, const json_t *proc, const struct users *users,
		       unsigned depth, size_t *name_at)
{
	int64_t v = -1;
	bool known;
	size_t mark, start;

	snapview_num(out, 7, proc, "pid");
	buf_putc(out, ' ');
	snapview_num(out, 7, proc, "ppid");
	known = snapview_proc_euid(proc, &v);
	if (known)
		buf_printf(out, " %6" PRId64 " ", v);
	else
		buf_puts(out, "      - ");
	/* The name beside the number, as ps -o user shows it (8 wide). */
	snapview_user(out, users, known, v, 8);
	buf_putc(out, ' ');
	put_start(out, proc);
	buf_putc(out, ' ');
	snapview_text(out, proc, "state", "-");
	buf_putc(out, ' ');
	mark = out->len;
	put_mark(out, proc);
	if (out->len == mark)
		buf_putc(out, '-');
	while (out->len < mark + 5)
		buf_putc(out, ' ');
	buf_putc(out, ' ');
	put_container(out, proc, 12);
	buf_putc(out, ' ');
	if (name_at)
		*name_at = out->len;
	snapview_indent(out, depth);
	start = out->len;
	snapview_text(out, proc, "name", "?");
	/* comm is at most 15 bytes (TASK_COMM_LEN): so COMMAND lines up. */
	while (out->len < start + 15)
		buf_putc(out, ' ');
	buf_putc(out, ' ');
	snapview_cmdline(out, proc);
	buf_putc(out, '\n');
	return buf_error(out);
}

/* MARK's letters, none when there is nothing to mark.  X: executable
 * deleted; D: holds deleted files; M: maps deleted files; T: a thread has
 * its own fd table; K: kernel thread; V: vanished; ?: its fds, exe or maps
 * could not be examined, so "none" would be a guess (examined.h); H:
 * hidden from the host's /proc. */
static void put_mark(struct buf *out, const json_t *proc)
{
	bool vanished = false;
	int64_t v;

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
	else if (examined_process(proc, NULL, 0))
		buf_putc(out, '?');
	if (json_array_size(json_object_get(proc, "hidden")) > 0)
		buf_putc(out, 'H');
}

/* The command line joined by spaces, in exact bytes, appended to all. */
static void jput_cmdline_bytes(struct buf *all, const json_t *proc)
{
	struct buf b = BUF_INIT;
	size_t i, n = json_array_size(json_object_get(proc, "argv"));

	for (i = 0; i < n; i++) {
		if (i)
			buf_putc(all, ' ');
		if (snapshot_array_bytes(proc, "argv", i, &b) == 1)
			buf_append(all, b.data, b.len);
	}
	buf_free(&b);
}

/* The command line joined, as ps shows it, in exact bytes. */
static void jput_cmdline(struct jsonw *w, const json_t *proc)
{
	struct buf all = BUF_INIT;

	jput_cmdline_bytes(&all, proc);
	jsonw_bytes(w, "cmdline", all.data ? all.data : "", all.len);
	buf_free(&all);
}

void snapview_proc_fields(struct jsonw *w, const json_t *proc)
{
	struct examined_gap g[EXAMINED_MAX];
	size_t n = examined_process(proc, g, EXAMINED_MAX);
	int64_t v;

	/* The record as the archive has it (docs/schema/process.json), then
	 * what snapread derives from it, under names of their own. */
	snapview_record_process(w, proc);
	if (snapview_proc_euid(proc, &v))
		jsonw_int(w, "euid", v);
	else
		jsonw_null(w, "euid");
	jput_cmdline(w, proc);
	snapview_unexamined(w, g, n < EXAMINED_MAX ? n : EXAMINED_MAX);
}

int snapview_proc_json(struct buf *out, const json_t *proc)
{
	struct jsonw w;

	jsonw_init(&w, out);
	jsonw_open(&w, NULL);
	snapview_proc_fields(&w, proc);
	jsonw_close(&w);
	buf_putc(out, '\n');
	return buf_error(out);
}

bool snapview_proc_euid(const json_t *proc, int64_t *v)
{
	return array_int(proc, "uid", 1, v);
}

bool snapview_proc_has_uid(const json_t *proc, int64_t uid)
{
	int64_t v;

	return (array_int(proc, "uid", 0, &v) && v == uid) ||
	       (array_int(proc, "uid", 1, &v) && v == uid);
}

const char *snapview_proc_csv_header(void)
{
	return "PID,PPID,UID,USER,START,S,MARK,CONTAINER,NAME,COMMAND\r\n";
}

/* A text field of the record, exact bytes; empty when absent. */
static void csv_bytes(struct buf *out, const json_t *obj, const char *key)
{
	struct buf b = BUF_INIT;

	if (snapshot_bytes(obj, key, &b) == 1)
		csv_text(out, false, b.data ? b.data : "", b.len);
	else
		csv_empty(out, false);
	buf_free(&b);
}

/* A number of the record (formatted here: never guarded); empty when absent. */
static void csv_num(struct buf *out, bool first, const json_t *obj, const char *key)
{
	int64_t v;

	if (snapshot_int(obj, key, &v))
		csv_int(out, first, v);
	else
		csv_empty(out, first);
}

int snapview_proc_csv(struct buf *out, const json_t *proc, const struct users *users)
{
	const json_t *ct = json_object_get(proc, "container");
	struct buf b = BUF_INIT;
	const char *name = NULL;
	size_t len = 0;
	int64_t v;

	csv_num(out, true, proc, "pid");
	csv_num(out, false, proc, "ppid");
	if (snapview_proc_euid(proc, &v)) {
		csv_int(out, false, v);
		name = v >= 0 ? users_user(users, (uint64_t)v, &len) : NULL;
	} else {
		csv_empty(out, false);
	}
	/* USER: the whole name, exact (csv_text guards it). */
	if (name)
		csv_text(out, false, name, len);
	else
		csv_empty(out, false);
	/* START as ps shows it when well-formed; else the record's bytes. */
	put_start(&b, proc);
	if (b.len == 20)
		csv_text(out, false, b.data, b.len);
	else
		csv_bytes(out, proc, "start_time");
	buf_reset(&b);
	csv_bytes(out, proc, "state");
	put_mark(&b, proc);
	csv_text(out, false, b.data ? b.data : "", b.len);
	buf_reset(&b);
	if (json_is_object(ct) && snapshot_bytes(ct, "id", &b) == 1 && b.len)
		csv_text(out, false, b.data, b.len < 12 ? b.len : 12);
	else
		csv_empty(out, false);
	csv_bytes(out, proc, "name");
	buf_reset(&b);
	jput_cmdline_bytes(&b, proc);
	csv_text(out, false, b.data ? b.data : "", b.len);
	csv_end(out);
	buf_free(&b);
	return buf_error(out);
}
