/* diffview: how diff change records are shown — escaped text lines, or JSON. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "diffview.h"
#include "escape.h"
#include "snapshot.h"
#include "snapview_int.h"

const char *diffview_kind_name(enum diff_kind k)
{
	static const char *const names[] = {
		[DIFF_HOST] = "host", [DIFF_STARTED] = "started", [DIFF_EXITED] = "exited",
		[DIFF_FIELD] = "field", [DIFF_FD] = "fd", [DIFF_DELETED] = "deleted",
		[DIFF_SOCKET] = "socket", [DIFF_LISTEN] = "listen",
	};

	return (unsigned)k < sizeof(names) / sizeof(*names) ? names[k] : "unknown";
}

/* A string's exact bytes (from its base64 sibling when there is one),
 * escaped. */
static void put_string(struct buf *out, const json_t *v, const json_t *b64)
{
	struct buf b = BUF_INIT;

	if (json_is_string(b64) &&
	    escape_base64_decode(&b, json_string_value(b64), json_string_length(b64)) == 0)
		escape_text(out, b.data ? b.data : "", b.len);
	else
		escape_text(out, json_string_value(v), json_string_length(v));
	buf_free(&b);
}

/* Any value for a text line: strings escaped, arrays space-separated,
 * objects as (escaped) compact JSON. */
static void put_value(struct buf *out, const json_t *v, const json_t *b64)
{
	size_t i;

	if (!v || json_is_null(v)) {
		buf_puts(out, "(none)");
	} else if (json_is_string(v)) {
		put_string(out, v, b64);
	} else if (json_is_integer(v)) {
		buf_printf(out, "%" PRId64, (int64_t)json_integer_value(v));
	} else if (json_is_boolean(v)) {
		buf_puts(out, json_is_true(v) ? "true" : "false");
	} else if (json_is_array(v)) {
		const json_t *pb = json_array_size(b64) == json_array_size(v) ? b64 : NULL;

		if (!json_array_size(v))
			buf_puts(out, "(empty)");
		for (i = 0; i < json_array_size(v); i++) {
			if (i)
				buf_putc(out, ' ');
			put_value(out, json_array_get(v, i), json_array_get(pb, i));
		}
	} else {
		char *t = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);

		if (t)
			escape_text(out, t, strlen(t));
		else
			buf_puts(out, "?");
		free(t);
	}
}

static void put_key(struct buf *out, const json_t *obj, const char *k)
{
	char kb[64];

	snprintf(kb, sizeof(kb), "%s_b64", k);
	put_value(out, json_object_get(obj, k), json_object_get(obj, kb));
}

/* An fd summary: the socket's endpoints, else the target, then what
 * makes it evidence. */
static void put_fd(struct buf *out, const json_t *fd)
{
	const json_t *sk = json_object_get(fd, "socket");
	bool del = false;

	if (json_is_object(sk)) {
		snapview_socket(out, sk);
	} else if (json_object_get(fd, "target")) {
		snapview_text(out, fd, "target", "?");
	} else {
		buf_putc(out, '(');
		snapview_text(out, fd, "type", "unknown");
		buf_putc(out, ')');
	}
	if (snapshot_bool(fd, "deleted", &del) && del) {
		const json_t *c = json_object_get(fd, "content");

		buf_puts(out, " [deleted");
		if (json_object_get(c, "sha256")) {
			buf_puts(out, ", sha256 ");
			snapview_text(out, c, "sha256", "?");
		}
		if (json_object_get(c, "size")) {
			buf_puts(out, ", ");
			snapview_num(out, 0, c, "size");
			buf_puts(out, " bytes");
		}
		if (json_object_get(c, "status")) {
			buf_puts(out, ", content ");
			snapview_text(out, c, "status", "?");
		}
		buf_putc(out, ']');
	}
}

/* "2026-11-27T18:04:01.140000000Z" cut to the second. */
static void put_start(struct buf *out, const json_t *proc)
{
	const char *t = snapshot_str(proc, "start_time");

	if (t && strlen(t) >= 19 && strspn(t, "0123456789-T:.Z") == strlen(t)) {
		buf_append(out, t, 19);
		buf_putc(out, 'Z');
	} else {
		snapview_text(out, proc, "start_time", "?");
	}
}

/* "PID NAME": from the record itself. */
static void put_who(struct buf *out, const struct diff_change *c)
{
	buf_printf(out, "%d ", c->pid);
	snapview_text(out, c->proc, "name", "?");
}

static void put_exe(struct buf *out, const json_t *s)
{
	const json_t *exe = json_object_get(s, "exe");
	const json_t *c = json_object_get(exe, "content");
	bool del = false;

	if (!json_is_object(exe))
		return;
	buf_puts(out, " exe ");
	snapview_text(out, exe, "target", "?");
	if (snapshot_bool(exe, "deleted", &del) && del) {
		buf_puts(out, " [deleted");
		if (json_object_get(c, "sha256")) {
			buf_puts(out, ", sha256 ");
			snapview_text(out, c, "sha256", "?");
		}
		buf_putc(out, ']');
	}
}

int diffview_group_text(struct buf *out, const struct diff_change *c)
{
	const json_t *s = c->kind == DIFF_STARTED ? c->after : c->before;

	switch (c->in) {
	case DIFF_IN_STARTED:
		buf_puts(out, "+ ");
		put_who(out, c);
		buf_puts(out, " started ");
		put_start(out, c->proc);
		buf_puts(out, " uid ");
		put_key(out, c->proc, "uid");
		put_exe(out, s);
		buf_puts(out, ": ");
		snapview_cmdline(out, c->proc);
		buf_putc(out, '\n');
		break;
	case DIFF_IN_EXITED:
		buf_puts(out, "- ");
		put_who(out, c);
		buf_puts(out, " exited (started ");
		put_start(out, c->proc);
		buf_puts(out, ")");
		put_exe(out, s);
		buf_puts(out, ": ");
		snapview_cmdline(out, c->proc);
		buf_putc(out, '\n');
		break;
	case DIFF_IN_CHANGED:
		buf_puts(out, "~ ");
		put_who(out, c);
		buf_puts(out, " (started ");
		put_start(out, c->proc);
		buf_puts(out, ")\n");
		break;
	default:
		break;
	}
	return buf_error(out);
}

static void now_was(struct buf *out, const struct diff_change *c)
{
	buf_puts(out, " now ");
	put_value(out, c->after, c->after_b64);
	buf_puts(out, " (was ");
	put_value(out, c->before, c->before_b64);
	buf_puts(out, ")");
}

/* "fd N", and whose table when a thread has its own (unshare(CLONE_FILES)):
 * such fds are invisible to tools that read /proc/PID/fd only. */
static void put_fdno(struct buf *out, const struct diff_change *c)
{
	buf_printf(out, "fd %d", c->fd);
	if (c->tid > 0)
		buf_printf(out, " of thread %d's own fd table", c->tid);
}

/* LEAD "fd N" SEP */
static void put_on(struct buf *out, const char *lead, const struct diff_change *c,
		   const char *sep)
{
	buf_puts(out, lead);
	put_fdno(out, c);
	buf_puts(out, sep);
}

/* LEAD "fd N" SEP [now] [" (was " was ")"]: every fd and socket line. */
static void fd_line(struct buf *out, const char *lead, const struct diff_change *c,
		    const char *sep, const json_t *now, const json_t *was)
{
	put_on(out, lead, c, sep);
	if (now)
		put_fd(out, now);
	if (was) {
		buf_puts(out, " (was ");
		put_fd(out, was);
		buf_putc(out, ')');
	}
}

int diffview_text(struct buf *out, const struct diff_change *c)
{
	switch (c->kind) {
	case DIFF_STARTED:
	case DIFF_EXITED:
		/* The group line says it all. */
		return buf_error(out);
	case DIFF_HOST:
		if (strcmp(c->field, "boot_id") == 0)
			buf_puts(out, "host: REBOOTED between the snapshots: a pid in one and the same "
				 "pid in the other are not the same process, so most of what follows "
				 "means little\n");
		buf_puts(out, "host: ");
		buf_puts(out, c->field);
		now_was(out, c);
		break;
	case DIFF_FIELD:
		buf_printf(out, "    %s", c->field);
		now_was(out, c);
		break;
	case DIFF_FD:
		if (strcmp(c->field, "fd") != 0) {
			put_on(out, "    ", c, " ");
			buf_puts(out, c->field + 3);
			now_was(out, c);
		} else if (!c->before) {
			fd_line(out, "    ", c, " opened: ", c->after, NULL);
		} else if (!c->after) {
			fd_line(out, "    ", c, " closed", NULL, c->before);
		} else {
			fd_line(out, "    ", c, " now ", c->after, c->before);
		}
		break;
	case DIFF_DELETED:
		fd_line(out, "    NEW DELETED FILE held on ", c, ": ", c->after, c->before);
		break;
	case DIFF_LISTEN:
		fd_line(out, "    NEW LISTENING SOCKET on ", c, ": ", c->after, c->before);
		break;
	case DIFF_SOCKET:
		if (!c->before)
			fd_line(out, "    socket appeared on ", c, ": ", c->after, NULL);
		else if (!c->after)
			fd_line(out, "    socket gone from ", c, "", NULL, c->before);
		else
			fd_line(out, "    socket on ", c, " now ", c->after, c->before);
		break;
	}
	buf_putc(out, '\n');
	return buf_error(out);
}

int diffview_summary_text(struct buf *out, const struct diff_summary *s)
{
	buf_printf(out, "host changes      %lu%s\n", s->host,
		   s->other_host ? " (different hosts?)" : s->rebooted ? " (rebooted)" : "");
	buf_printf(out, "started           %lu\n", s->started);
	buf_printf(out, "exited            %lu\n", s->exited);
	buf_printf(out, "changed           %lu\n", s->changed);
	buf_printf(out, "field changes     %lu\n", s->fields);
	buf_printf(out, "fds opened        %lu\n", s->fds_opened);
	buf_printf(out, "fds closed        %lu\n", s->fds_closed);
	buf_printf(out, "fds changed       %lu\n", s->fds_changed);
	buf_printf(out, "deleted files     %lu (newly held)\n", s->deleted);
	buf_printf(out, "sockets appeared  %lu\n", s->sockets_appeared);
	buf_printf(out, "sockets gone      %lu\n", s->sockets_gone);
	buf_printf(out, "sockets changed   %lu\n", s->sockets_changed);
	buf_printf(out, "listening         %lu (new)\n", s->listening);
	return buf_error(out);
}

/* A JSON value from the archive, re-encoded by jansson (valid JSON
 * whatever the archive held). */
static int raw(struct jsonw *w, const char *key, const json_t *v)
{
	if (!v) {
		jsonw_null(w, key);
		return 0;
	}
	return snapview_json(w, key, v);
}

static const char *change_word(const struct diff_change *c)
{
	bool sock = c->kind == DIFF_SOCKET || c->kind == DIFF_LISTEN;

	if (!c->before)
		return sock ? "appeared" : "opened";
	if (!c->after)
		return sock ? "gone" : "closed";
	return "changed";
}

/* An fd's summary (an fd record's own keys) in the fd schema. */
static void fd_value(struct jsonw *w, const char *key, const json_t *v)
{
	if (!json_is_object(v)) {
		jsonw_null(w, key);
		return;
	}
	jsonw_open(w, key);
	snapview_record_fd(w, v, true);
	jsonw_close(w);
}

int diffview_json(struct jsonw *w, const struct diff_change *c)
{
	bool fdish = c->kind == DIFF_FD && strcmp(c->field, "fd") == 0;
	int x = 0;

	/* An fd, a socket or a deleted file: before and after are fd
	 * records (docs/schema/fd.json); a field's are its values. */
	fdish = fdish || c->kind == DIFF_DELETED || c->kind == DIFF_SOCKET ||
		c->kind == DIFF_LISTEN;
	jsonw_open(w, NULL);
	jsonw_str(w, "kind", diffview_kind_name(c->kind));
	jsonw_str(w, "field", c->field);
	if (c->fd >= 0)
		jsonw_int(w, "fd", c->fd);
	if (c->fd >= 0 && c->tid > 0)
		jsonw_int(w, "tid", c->tid);
	if (c->kind != DIFF_FIELD && c->kind != DIFF_HOST)
		jsonw_str(w, "change", change_word(c));
	if (fdish) {
		fd_value(w, "before", c->before);
		fd_value(w, "after", c->after);
		jsonw_close(w);
		return buf_error(w->out);
	}
	x = raw(w, "before", c->before);
	if (!x && c->before_b64)
		x = raw(w, "before_b64", c->before_b64);
	if (!x)
		x = raw(w, "after", c->after);
	if (!x && c->after_b64)
		x = raw(w, "after_b64", c->after_b64);
	jsonw_close(w);
	return x ? x : buf_error(w->out);
}

int diffview_group_json(struct jsonw *w, const struct diff_change *c)
{
	const json_t *s = c->kind == DIFF_STARTED ? c->after :
			  c->kind == DIFF_EXITED ? c->before : NULL;
	int x = 0;

	/* A start or an exit: the process's summary, in the process schema
	 * (docs/schema/process.json). */
	if (s) {
		snapview_record_process(w, s);
		return buf_error(w->out);
	}
	jsonw_int(w, "pid", c->pid);
	x = raw(w, "name", json_object_get(c->proc, "name"));
	if (!x && json_object_get(c->proc, "name_b64"))
		x = raw(w, "name_b64", json_object_get(c->proc, "name_b64"));
	if (!x)
		x = raw(w, "start_time", json_object_get(c->proc, "start_time"));
	return x ? x : buf_error(w->out);
}

void diffview_summary_json(struct jsonw *w, const struct diff_summary *s)
{
	jsonw_bool(w, "rebooted", s->rebooted);
	jsonw_bool(w, "other_host", s->other_host);
	jsonw_uint(w, "host", s->host);
	jsonw_uint(w, "started", s->started);
	jsonw_uint(w, "exited", s->exited);
	jsonw_uint(w, "changed", s->changed);
	jsonw_uint(w, "fields", s->fields);
	jsonw_uint(w, "fds_opened", s->fds_opened);
	jsonw_uint(w, "fds_closed", s->fds_closed);
	jsonw_uint(w, "fds_changed", s->fds_changed);
	jsonw_uint(w, "deleted", s->deleted);
	jsonw_uint(w, "sockets_appeared", s->sockets_appeared);
	jsonw_uint(w, "sockets_gone", s->sockets_gone);
	jsonw_uint(w, "sockets_changed", s->sockets_changed);
	jsonw_uint(w, "listening", s->listening);
	jsonw_uint(w, "changes", s->changes);
}
