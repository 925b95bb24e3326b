/* snapview_fd: a row of fds shown — an fd or another object (txt, mem, cwd, nofd): its line, its --json object, sockets and notes. */
#include <inttypes.h>
#include <string.h>

#include "csv.h"
#include "escape.h"
#include "fdflags.h"
#include "snapshot.h"
#include "snapview_int.h"
#include "users.h"

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

bool snapview_fd_deleted(const json_t *fd)
{
	bool d = false;

	return snapshot_bool(fd, "deleted", &d) && d;
}

const char *snapview_object_type(const struct object *o)
{
	const char *k;

	if (o->gap)
		return NULL;
	switch (o->kind) {
	case OBJECT_FD:
		return snapview_fd_type(o->rec);
	case OBJECT_MEM:
		k = snapshot_str(o->rec, "kind");
		return k && strcmp(k, "memfd") == 0 ? "memfd" : "file";
	case OBJECT_CWD:
		return "dir";
	case OBJECT_TXT:
		return "file";
	case OBJECT_NOFD:
		break;
	}
	return NULL;
}

const char *snapview_object_kind(const struct object *o)
{
	return o->gap || (o->kind != OBJECT_FD && o->kind != OBJECT_MEM) ? NULL
									 : snapshot_str(o->rec, "kind");
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

/* The strings of obj[key], "a,b,c", escaped. */
static void put_list(struct buf *out, const json_t *obj, const char *key)
{
	const json_t *a = json_object_get(obj, key);
	size_t i;

	for (i = 0; i < json_array_size(a); i++) {
		const char *t = json_string_value(json_array_get(a, i));

		if (i)
			buf_putc(out, ',');
		if (t)
			escape_text(out, t, strlen(t));
	}
}

/* Who holds a lease on the file, and whether the capture broke it. */
static void lease_notes(struct buf *out, const json_t *content)
{
	const json_t *a = json_object_get(content, "leases");
	bool broken = false;
	size_t i;

	for (i = 0; i < json_array_size(a); i++) {
		const json_t *l = json_array_get(a, i);

		buf_puts(out, " [lease ");
		snapview_text(out, l, "type", "?");
		buf_putc(out, ' ');
		snapview_text(out, l, "state", "?");
		buf_puts(out, " held by pid ");
		snapview_num(out, 0, l, "pid");
		buf_putc(out, ']');
	}
	if (snapshot_bool(content, "lease_broken", &broken) && broken)
		buf_puts(out, " [LEASE BROKEN by the capture]");
}

/* The watchers who saw the capture read the file (content.watchers), or
 * the marks on the open file (watchers): the first three, and a count. */
static void watcher_notes(struct buf *out, const json_t *fd)
{
	const json_t *a = json_object_get(json_object_get(fd, "content"), "watchers");
	bool read = json_array_size(a) > 0, late;
	size_t i;

	if (!read)
		a = json_object_get(fd, "watchers");
	for (i = 0; i < json_array_size(a) && i < 3; i++) {
		const json_t *w = json_array_get(a, i);

		buf_puts(out, read ? " [read seen by pid " : " [watched by pid ");
		snapview_num(out, 0, w, "pid");
		buf_puts(out, " fd ");
		snapview_num(out, 0, w, "fd");
		buf_puts(out, " (");
		snapview_text(out, w, "api", "?");
		if (json_object_get(w, "via")) {
			buf_puts(out, " on its ");
			snapview_text(out, w, "via", "?");
		}
		buf_puts(out, ": ");
		put_list(out, w, "events");
		buf_putc(out, ')');
		if (snapshot_bool(w, "late", &late) && late)
			buf_puts(out, ", met after the read");
		buf_putc(out, ']');
	}
	if (json_array_size(a) > 3)
		buf_printf(out, " [and %zu more watchers]", json_array_size(a) - 3);
}

/* An inotify or fanotify fd: how many marks, and whether one watches a
 * whole mount or file system. */
static void mark_notes(struct buf *out, const json_t *fd)
{
	const json_t *a = json_object_get(fd, "marks");
	const char *whole = NULL;
	int64_t total;
	size_t i;

	if (!json_is_array(a))
		return;
	for (i = 0; i < json_array_size(a) && !whole; i++) {
		const char *on = snapshot_str(json_array_get(a, i), "on");

		if (on && (strcmp(on, "mount") == 0 || strcmp(on, "filesystem") == 0))
			whole = on;
	}
	if (!snapshot_int(fd, "marks_total", &total))
		total = (int64_t)json_array_size(a);
	buf_printf(out, " [watches: %" PRId64 " mark%s%s%s]", total, total == 1 ? "" : "s",
		   whole ? ", one on a whole " : "", whole ? whole : "");
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
	/* A socket no table resolved: what the kernel calls its protocol. */
	if (!json_is_object(json_object_get(fd, "socket")) && json_object_get(fd, "sockproto")) {
		buf_puts(out, " [");
		snapview_text(out, fd, "sockproto", "?");
		buf_putc(out, ']');
	}
	lease_notes(out, json_object_get(fd, "content"));
	watcher_notes(out, fd);
	mark_notes(out, fd);
	return buf_error(out);
}

/* The size worth showing: of the recovered content, else of the file. */
static bool object_size(const struct object *o, int64_t *v)
{
	const char *t = snapview_object_type(o);

	if (snapshot_int(object_content(o), "size", v))
		return true;
	if (!t || (strcmp(t, "file") != 0 && strcmp(t, "memfd") != 0))
		return false;
	if (o->kind == OBJECT_MEM)
		return snapshot_int(o->rec, "size", v);
	return snapshot_int(json_object_get(o->rec, "stat"), "size", v);
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
	if (json_object_get(sk, "peer")) {
		buf_puts(out, " peer ");
		snapview_num(out, 0, sk, "peer");
	}
	if (json_array_size(json_object_get(sk, "hidden")) > 0) {
		const json_t *h = json_object_get(sk, "hidden");
		size_t i;

		buf_puts(out, " HIDDEN from");
		for (i = 0; i < json_array_size(h); i++) {
			const char *v = json_string_value(json_array_get(h, i));

			buf_putc(out, ' ');
			escape_text(out, v ? v : "?", v ? strlen(v) : 1);
		}
	}
	return buf_error(out);
}

/* "reason (ERRNO)" of an error record. */
static void put_reason(struct buf *out, const json_t *e)
{
	snapview_text(out, e, "reason", "?");
	if (json_object_get(e, "errno")) {
		buf_puts(out, ", ");
		snapview_text(out, e, "errno", "?");
	}
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

/* What could not be read, where the target would be. */
static void put_gap(struct buf *out, const struct examined_gap *g)
{
	const char *what = snapshot_str(g->error, "what");

	if (g->part == EXAMINED_FDS && g->tid)
		buf_printf(out, "(thread %d's own fd table not readable: ", g->tid);
	else if (g->part == EXAMINED_FDS && what && strcmp(what, "task") == 0)
		buf_puts(out, "(threads not listed, their own fd tables unknown: ");
	else if (g->part == EXAMINED_FDS && what && strncmp(what, "task/", 5) == 0)
		buf_puts(out, "(threads' fd tables not compared (kcmp), their own unknown: ");
	else if (g->part == EXAMINED_FDS)
		buf_puts(out, "(fd table not readable: ");
	else if (g->part == EXAMINED_EXE)
		buf_puts(out, "(executable not examined: ");
	else
		buf_puts(out, "(memory maps not readable: ");
	put_reason(out, g->error);
	buf_putc(out, ')');
}

const char *snapview_fd_header(void)
{
	return "COMMAND             PID    UID USER         FD TYPE             SIZE     OFFSET "
	       "DEL CONTENT    TARGET\n";
}

void snapview_ctx_process(struct snapview_ctx *ctx, const json_t *proc)
{
	struct buf b = BUF_INIT;

	/* Once per process, not once per row: the name, escaped and padded
	 * as ps pads it; one too long for who is escaped on each row. */
	ctx->proc = proc;
	ctx->who[0] = '\0';
	snapview_text(&b, proc, "name", "?");
	while (b.len < 15 && !buf_error(&b))
		buf_putc(&b, ' ');
	if (b.data && !buf_error(&b) && b.len < sizeof(ctx->who))
		memcpy(ctx->who, b.data, b.len + 1);
	buf_free(&b);
}

/* COMMAND, PID, UID and USER. */
static void put_who(struct buf *out, const struct snapview_ctx *ctx, int pid)
{
	size_t start = out->len;
	bool known;
	int64_t v = -1;

	if (ctx && ctx->who[0]) {
		buf_puts(out, ctx->who);
	} else {
		snapview_text(out, ctx ? ctx->proc : NULL, "name", "?");
		snapview_pad(out, start, 15);
	}
	snapview_int(out, 8, pid);
	known = ctx && snapview_proc_euid(ctx->proc, &v);
	if (known)
		snapview_int(out, 7, v);
	else
		buf_puts(out, "      -");
	buf_putc(out, ' ');
	snapview_user(out, ctx ? ctx->users : NULL, known, v, 8);
}

/* FD as lsof shows it: the number and the mode letter ("3u"), or txt,
 * mem, cwd, NOFD. */
static void put_fdcol(struct buf *out, const struct object *o)
{
	int64_t fd = -1, flags;
	char a[2] = { 0, 0 };

	buf_putc(out, ' ');
	if (o->kind != OBJECT_FD) {
		snapview_right(out, 6, o->kind == OBJECT_NOFD ? "NOFD" : object_kind_name(o->kind));
	} else {
		snapshot_int(o->rec, "fd", &fd);
		if (snapshot_int(o->rec, "flags", &flags) && fdflags_access((uint64_t)flags) != ' ')
			a[0] = fdflags_access((uint64_t)flags);
		/* The number right-aligned with its letter: width 5 or 6. */
		snapview_int(out, a[0] ? 5 : 6, fd);
		buf_puts(out, a);
	}
	buf_putc(out, ' ');
}

/* obj[key]: escaped for a text line, or its exact bytes (csv, whose
 * writer guards them). */
static void put_name(struct buf *out, const json_t *obj, const char *key, bool exact)
{
	struct buf b = BUF_INIT;

	if (!exact)
		snapview_text(out, obj, key, "?");
	else if (snapshot_bytes(obj, key, &b) == 1)
		buf_append(out, b.data ? b.data : "", b.len);
	else
		buf_putc(out, '?');
	buf_free(&b);
}

static void put_target(struct buf *out, const struct object *o, bool exact)
{
	const json_t *sk = json_object_get(o->rec, "socket");

	if (o->gap) {
		put_gap(out, o->gap);
		return;
	}
	if (o->kind == OBJECT_MEM) {
		put_name(out, o->rec, "path", exact);
		buf_puts(out, " [mapped ");
		snapview_text(out, o->rec, "start", "?");
		buf_putc(out, '-');
		snapview_text(out, o->rec, "end", "?");
		buf_putc(out, ' ');
		snapview_text(out, o->rec, "perms", "?");
		if (json_object_get(o->rec, "kind")) {
			buf_puts(out, "; ");
			snapview_text(out, o->rec, "kind", "?");
		}
		buf_putc(out, ']');
		return;
	}
	if (json_is_object(sk))
		snapview_socket(out, sk);
	else if (json_object_get(o->rec, "target"))
		put_name(out, o->rec, "target", exact);
	else
		link_error(out, o->rec);
	if (o->kind == OBJECT_FD)
		snapview_fd_notes(out, o->rec);
}

int snapview_object_target(struct buf *out, const struct object *o)
{
	put_target(out, o, false);
	return buf_error(out);
}

/* Why a file could not be examined, or its content not recovered. */
static void put_why(struct buf *out, const struct object *o)
{
	const json_t *c = object_content(o), *e = NULL;

	if (!o->gap && o->kind == OBJECT_FD && examined_fd_unknown(o->rec, &e) && e) {
		buf_puts(out, " [not examined: ");
		put_reason(out, e);
		buf_putc(out, ']');
	} else if (o->kind == OBJECT_MEM && !o->gap && json_object_get(o->rec, "errors")) {
		e = json_array_get(json_object_get(o->rec, "errors"), 0);
		buf_puts(out, " [not examined: ");
		put_reason(out, e);
		buf_putc(out, ']');
	}
	if (c && !o->gap && o->kind != OBJECT_FD && object_changing(o))
		buf_puts(out, " [changing: size or mtime moved while it was read]");
	if (c && json_object_get(c, "reason")) {
		buf_puts(out, " [");
		snapview_text(out, c, "reason", "");
		if (json_object_get(c, "errno")) {
			buf_puts(out, ": ");
			snapview_text(out, c, "errno", "");
		}
		buf_putc(out, ']');
	}
}

int snapview_object_text(struct buf *out, const struct snapview_ctx *ctx,
			 const struct object *o)
{
	const json_t *content = object_content(o);
	const char *t = snapview_object_type(o);
	int64_t v;
	size_t start;
	int del;

	put_who(out, ctx, o->pid);
	put_fdcol(out, o);
	start = out->len;
	if (t)
		escape_text(out, t, strlen(t));
	else
		buf_putc(out, '-');
	snapview_pad(out, start, 8);
	if (object_size(o, &v))
		snapview_int(out, 13, v);
	else
		snapview_right(out, 13, "-");
	if (o->kind == OBJECT_FD && snapshot_int(o->rec, "pos", &v))
		snapview_int(out, 11, v);
	else
		snapview_right(out, 11, "-");
	del = object_deleted(o);
	buf_puts(out, del > 0 ? " del " : del < 0 ? " ?   " : " -   ");
	start = out->len;
	if (content)
		snapview_text(out, content, "status", "?");
	else
		buf_putc(out, '-');
	snapview_pad(out, start, 10);
	buf_putc(out, ' ');
	put_target(out, o, false);
	put_why(out, o);
	buf_putc(out, '\n');
	return buf_error(out);
}

const char *snapview_fd_csv_header(void)
{
	return "COMMAND,PID,UID,USER,FD,TYPE,SIZE,OFFSET,DEL,CONTENT,TARGET\r\n";
}

int snapview_object_csv(struct buf *out, const struct snapview_ctx *ctx,
			const struct object *o)
{
	const json_t *content = object_content(o);
	const char *t = snapview_object_type(o), *name = NULL;
	struct buf b = BUF_INIT;
	size_t len = 0;
	int64_t v;
	int del;

	if (snapshot_bytes(ctx ? ctx->proc : NULL, "name", &b) == 1)
		csv_text(out, true, b.data ? b.data : "", b.len);
	else
		csv_empty(out, true);
	csv_int(out, false, o->pid);
	if (ctx && snapview_proc_euid(ctx->proc, &v)) {
		csv_int(out, false, v);
		name = v >= 0 ? users_user(ctx->users, (uint64_t)v, &len) : NULL;
	} else {
		csv_empty(out, false);
	}
	/* USER: the whole name, exact; empty when the snapshot has none. */
	if (name)
		csv_text(out, false, name, len);
	else
		csv_empty(out, false);
	/* FD as the text column has it ("3u", txt, NOFD): snapread's words. */
	buf_reset(&b);
	put_fdcol(&b, o);
	csv_text(out, false, b.data + strspn(b.data, " "), strcspn(b.data + strspn(b.data, " "), " "));
	csv_str(out, false, t ? t : "");
	if (object_size(o, &v))
		csv_int(out, false, v);
	else
		csv_empty(out, false);
	if (o->kind == OBJECT_FD && snapshot_int(o->rec, "pos", &v))
		csv_int(out, false, v);
	else
		csv_empty(out, false);
	del = object_deleted(o);
	csv_str(out, false, del > 0 ? "del" : del < 0 ? "?" : "");
	csv_str(out, false, content ? snapshot_str(content, "status") : "");
	/* TARGET: the exact bytes of the link or path, then the notes. */
	buf_reset(&b);
	put_target(&b, o, true);
	put_why(&b, o);
	csv_text(out, false, b.data ? b.data : "", b.len);
	csv_end(out);
	buf_free(&b);
	return buf_error(out);
}

int snapview_fd_text(struct buf *out, const struct snapview_ctx *ctx, const json_t *fd)
{
	struct object o = { .kind = OBJECT_FD, .rec = fd };
	int64_t pid = 0;

	snapshot_int(fd, "pid", &pid);
	o.pid = pid > 0 && pid <= INT32_MAX ? (int)pid : 0;
	return snapview_object_text(out, ctx, &o);
}

/* flags as names, under key: "flag_names" the O_* names, the access mode
 * first; "lsof_flags" lsof's (+fg) own, in its order.  Bits without a name
 * for the host's architecture as one "0x..." entry, last, as lsof does. */
static void put_flag_names(struct jsonw *w, const struct snapview_ctx *ctx, int64_t flags,
			   const char *key)
{
	const char *names[FDFLAGS_MAX];
	const char *machine = ctx ? ctx->machine : NULL;
	uint64_t rest;
	size_t i, n = strcmp(key, "lsof_flags") == 0
		? fdflags_lsof((uint64_t)flags, machine, names, FDFLAGS_MAX, &rest)
		: fdflags_names((uint64_t)flags, machine, names, FDFLAGS_MAX, &rest);
	char hex[24];

	jsonw_aopen(w, key);
	for (i = 0; i < n; i++)
		jsonw_str(w, NULL, names[i]);
	if (rest) {
		snprintf(hex, sizeof(hex), "0x%" PRIx64, rest);
		jsonw_str(w, NULL, hex);
	}
	jsonw_aclose(w);
}

/* The process's name and effective uid on every row. */
static void put_who_json(struct jsonw *w, const struct snapview_ctx *ctx)
{
	const json_t *p = ctx ? ctx->proc : NULL;
	const json_t *name = json_object_get(p, "name");
	int64_t v;

	if (json_is_string(name) && !json_object_get(p, "name_b64"))
		jsonw_bytes(w, "command", json_string_value(name), json_string_length(name));
	else if (name)
		snapview_put_bytes(w, p, "name", "command");
	if (snapview_proc_euid(p, &v))
		jsonw_int(w, "euid", v);
}

/* All fields but the process's (command, euid), which come last. */
static void object_own_fields(struct jsonw *w, const struct snapview_ctx *ctx,
			      const struct object *o)
{
	const json_t *e = NULL;
	int64_t v;

	jsonw_str(w, "object", object_kind_name(o->kind));
	if (o->kind != OBJECT_FD || o->gap)
		jsonw_int(w, "pid", o->pid);
	/* txt, mem, cwd: their type as an fd's would be (file, memfd, dir). */
	if (o->kind != OBJECT_FD && !o->gap)
		jsonw_str(w, "type", snapview_object_type(o));
	if (o->gap) {
		if (o->gap->tid)
			jsonw_int(w, "tid", o->gap->tid);
		snapview_unexamined(w, o->gap, 1);
	} else if (o->kind == OBJECT_FD) {
		snapview_record_fd(w, o->rec, ctx && ctx->full);
		if (snapshot_int(o->rec, "flags", &v)) {
			char a[2] = { fdflags_access((uint64_t)v), '\0' };

			if (a[0] != ' ')
				jsonw_str(w, "access", a);
			put_flag_names(w, ctx, v, "flag_names");
			put_flag_names(w, ctx, v, "lsof_flags");
		}
		if (examined_fd_unknown(o->rec, &e)) {
			struct examined_gap g = { .part = EXAMINED_FILE, .error = e };

			snapview_unexamined(w, &g, 1);
		}
	} else if (o->kind == OBJECT_MEM) {
		snapview_record_mapping(w, o->rec);
	} else {
		snapview_record_link(w, o->rec);
	}
	/* The SIZE column: of the recovered content, else of the file. */
	if (!o->gap && object_size(o, &v))
		jsonw_int(w, "size", v);
}

void snapview_object_fields(struct jsonw *w, const struct snapview_ctx *ctx,
			    const struct object *o)
{
	object_own_fields(w, ctx, o);
	put_who_json(w, ctx);
}

int snapview_object_json(struct buf *out, const struct snapview_ctx *ctx,
			 const struct object *o)
{
	struct jsonw w;

	jsonw_init(&w, out);
	jsonw_open(&w, NULL);
	snapview_object_fields(&w, ctx, o);
	jsonw_close(&w);
	buf_putc(out, '\n');
	return buf_error(out);
}

int snapview_object_json_head(struct buf *out, const struct snapview_ctx *ctx,
			      const struct object *o)
{
	struct jsonw w;

	jsonw_init(&w, out);
	jsonw_open(&w, NULL);
	object_own_fields(&w, ctx, o);
	return buf_error(out);
}

int snapview_object_json_tail(struct buf *out, const struct snapview_ctx *ctx)
{
	struct jsonw w;

	/* Inside the row's object, after its first field ("object"): the
	 * writer's state as the head left it. */
	jsonw_init(&w, out);
	w.depth = 1;
	w.first[1] = false;
	put_who_json(&w, ctx);
	jsonw_close(&w);
	buf_putc(out, '\n');
	return buf_error(out);
}

int snapview_fd_json(struct buf *out, const struct snapview_ctx *ctx, const json_t *fd)
{
	struct object o = { .kind = OBJECT_FD, .rec = fd };

	return snapview_object_json(out, ctx, &o);
}
