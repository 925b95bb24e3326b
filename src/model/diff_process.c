/* diff_process: one process in two snapshots — a start, an exit, or its changed fields. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "diff_int.h"
#include "escape.h"
#include "snapshot.h"

/* The fields of process.json compared, most telling first.  item: the
 * name under which the capture records it unreadable. */
static const struct pfield {
	const char *key, *item;
	enum diff_ftype t;
} pfields[] = {
	{ "name", "stat", DIFF_F_BYTES },
	{ "argv", "cmdline", DIFF_F_ARGV },
	{ "uid", "status", DIFF_F_VALUE },
	{ "gid", "status", DIFF_F_VALUE },
	{ "state", "stat", DIFF_F_BYTES },
	{ "ppid", "stat", DIFF_F_VALUE },
	{ "pgrp", "stat", DIFF_F_VALUE },
	{ "session", "stat", DIFF_F_VALUE },
	{ "tty_nr", "stat", DIFF_F_VALUE },
	{ "kernel_thread", "stat", DIFF_F_VALUE },
	{ "tgid", "status", DIFF_F_VALUE },
	{ "utime", "stat", DIFF_F_VALUE },
	{ "stime", "stat", DIFF_F_VALUE },
	{ "vsize", "stat", DIFF_F_VALUE },
	{ "rss_pages", "stat", DIFF_F_VALUE },
	{ "threads", "status", DIFF_F_VALUE },
	{ "fd_count", "fds", DIFF_F_VALUE },
	{ "deleted_fds", "fds", DIFF_F_VALUE },
};

static const char *const cap_sets[] = { "inh", "prm", "eff", "bnd", "amb" };

/* exe, cwd, root: {"target", "deleted", "stat", "content"} or null. */
static int link_fields(struct diff_ctx *c, const json_t *a, const json_t *b, const char *k)
{
	const json_t *la = diff_get(a, k), *lb = diff_get(b, k);
	char name[32];
	int x;

	if ((!la && diff_unread(a, k)) || (!lb && diff_unread(b, k)))
		return 0;
	if (!la || !lb) {
		/* Only kernel threads have no exe, and they stay kernel
		 * threads: a link that appears or goes is still worth a line. */
		if (la || lb)
			return diff_emit(c, DIFF_FIELD, -1, k, la, lb, NULL, NULL);
		return 0;
	}
	/* Fields are named by their path in the process record
	 * (docs/schema/process.json): exe.target, exe.content.sha256, ... */
	snprintf(name, sizeof(name), "%s.target", k);
	x = diff_field(c, la, lb, "target", name, k, DIFF_F_BYTES, DIFF_FIELD, -1);
	/* cwd.deleted is not in archives written before it, nor where the
	 * directory could not be stat'ed: compared only when both say. */
	if (!x && strcmp(k, "cwd") == 0 && json_is_boolean(json_object_get(la, "deleted")) &&
	    json_is_boolean(json_object_get(lb, "deleted")))
		x = diff_field(c, la, lb, "deleted", "cwd.deleted", k, DIFF_F_VALUE, DIFF_FIELD, -1);
	if (x || strcmp(k, "exe") != 0)
		return x;
	x = diff_field(c, la, lb, "deleted", "exe.deleted", k, DIFF_F_VALUE, DIFF_FIELD, -1);
	if (!x) {
		const json_t *ca = json_object_get(la, "content"), *cb = json_object_get(lb, "content");

		if (json_is_object(ca) && json_is_object(cb))
			x = diff_field(c, ca, cb, "sha256", "exe.content.sha256", k, DIFF_F_BYTES,
				       DIFF_FIELD, -1);
		else if (json_is_object(ca) != json_is_object(cb))
			x = diff_emit(c, DIFF_FIELD, -1, "exe.content.sha256",
				      json_object_get(ca, "sha256"), json_object_get(cb, "sha256"),
				      NULL, NULL);
	}
	if (!x) {
		/* The same path, another file: the binary was replaced.  The
		 * value is the stat's identity, {dev, ino}. */
		const json_t *sa = json_object_get(la, "stat"), *sb = json_object_get(lb, "stat");

		snprintf(name, sizeof(name), "%s.stat", k);
		if (json_is_object(sa) && json_is_object(sb) &&
		    (!json_equal(json_object_get(sa, "dev"), json_object_get(sb, "dev")) ||
		     !json_equal(json_object_get(sa, "ino"), json_object_get(sb, "ino")))) {
			json_t *ia = json_object(), *ib = json_object();

			if (ia && ib) {
				diff_copy(ia, "dev", sa, "dev");
				diff_copy(ia, "ino", sa, "ino");
				diff_copy(ib, "dev", sb, "dev");
				diff_copy(ib, "ino", sb, "ino");
			}
			x = ia && ib ? diff_emit(c, DIFF_FIELD, -1, name, ia, ib, NULL, NULL)
				     : -ENOMEM;
			json_decref(ia);
			json_decref(ib);
		}
	}
	return x;
}

/* Bytes as a JSON value: a string when clean, else its escaped text plus
 * the exact bytes in base64 (*b64). */
static int bytes_value(const struct buf *v, json_t **out, json_t **b64)
{
	struct buf e = BUF_INIT;
	const char *p = v->data ? v->data : "";
	int x = 0;

	*out = *b64 = NULL;
	if (escape_is_clean_utf8(p, v->len)) {
		*out = json_stringn(p, v->len);
	} else {
		escape_text(&e, p, v->len);
		*out = e.data ? json_stringn(e.data, e.len) : NULL;
		buf_reset(&e);
		escape_base64(&e, p, v->len);
		*b64 = e.data ? json_stringn(e.data, e.len) : NULL;
		if (!*b64)
			x = -ENOMEM;
	}
	if (!*out)
		x = -ENOMEM;
	buf_free(&e);
	return x;
}

/* The namespaces: "ns.NAME" for each link whose inode differs.  A side
 * that could not read them ("ns" absent, an error recorded) says nothing. */
static int ns_fields(struct diff_ctx *c, const json_t *pa, const json_t *pb)
{
	static const char *const names[] = { "mnt", "net", "pid", "user", "uts", "ipc",
					     "cgroup", "time" };
	const json_t *na = diff_get(pa, "ns"), *nb = diff_get(pb, "ns");
	char field[16];
	size_t i;
	int x = 0;

	if (!json_is_object(na) || !json_is_object(nb))
		return 0;
	for (i = 0; !x && i < sizeof(names) / sizeof(*names); i++) {
		const json_t *va = json_object_get(na, names[i]), *vb = json_object_get(nb, names[i]);

		if (!va || !vb || json_equal(va, vb))
			continue;
		snprintf(field, sizeof(field), "ns.%s", names[i]);
		x = diff_emit(c, DIFF_FIELD, -1, field, va, vb, NULL, NULL);
	}
	return x;
}

static int cgroup_field(struct diff_ctx *c, const struct diff_proc *a, const struct diff_proc *b)
{
	json_t *va = NULL, *vb = NULL, *ba = NULL, *bb = NULL;
	int x;

	/* Not recorded on one side (unreadable, or too big): no verdict. */
	if (!a->cgroup || !b->cgroup)
		return 0;
	if (a->cgroup->len == b->cgroup->len &&
	    (!a->cgroup->len || memcmp(a->cgroup->data, b->cgroup->data, a->cgroup->len) == 0))
		return 0;
	x = bytes_value(a->cgroup, &va, &ba);
	if (!x)
		x = bytes_value(b->cgroup, &vb, &bb);
	if (!x)
		x = diff_emit(c, DIFF_FIELD, -1, "cgroup", va, vb, ba, bb);
	json_decref(va);
	json_decref(vb);
	json_decref(ba);
	json_decref(bb);
	return x;
}

static json_t *proc_summary(const json_t *p)
{
	json_t *s = json_object();

	/* A process record's own keys (docs/schema/process.json). */
	if (!s)
		return NULL;
	diff_copy(s, "pid", p, "pid");
	diff_copy(s, "ppid", p, "ppid");
	diff_copy(s, "name", p, "name");
	diff_copy(s, "name_b64", p, "name_b64");
	diff_copy(s, "start_time", p, "start_time");
	diff_copy(s, "uid", p, "uid");
	diff_copy(s, "state", p, "state");
	diff_copy(s, "exe", p, "exe");
	diff_copy(s, "argv", p, "argv");
	diff_copy(s, "argv_b64", p, "argv_b64");
	return s;
}

bool diff_same_process(const json_t *a, const json_t *b)
{
	int64_t ta, tb;
	bool ha = snapshot_int(a, "start_ticks", &ta), hb = snapshot_int(b, "start_ticks", &tb);
	const json_t *sa, *sb;

	if (!json_equal(json_object_get(a, "pid"), json_object_get(b, "pid")))
		return false;
	if (ha && hb)
		return ta == tb;
	sa = json_object_get(a, "start_time");
	sb = json_object_get(b, "start_time");
	if (sa || sb)
		return sa && sb && json_equal(sa, sb);
	/* Neither says when it started: the pid is all there is. */
	return !ha && !hb;
}

static bool absent(const struct diff_proc *p, const struct diff_opts *o)
{
	bool v;

	if (!p || !json_is_object(p->process))
		return true;
	if (snapshot_bool(p->process, "vanished", &v) && v)
		return true;
	return !o->all && snapshot_bool(p->process, "self", &v) && v;
}

/* A start (k DIFF_STARTED) or an exit: one change with the process's
 * summary as its after or its before. */
static int whole(struct diff_ctx *c, enum diff_kind k, const json_t *proc)
{
	json_t *s = proc_summary(proc);
	int x;

	c->in = k == DIFF_STARTED ? DIFF_IN_STARTED : DIFF_IN_EXITED;
	c->proc = proc;
	if (!s)
		return -ENOMEM;
	x = diff_emit(c, k, -1, "process", k == DIFF_STARTED ? NULL : s,
		      k == DIFF_STARTED ? s : NULL, NULL, NULL);
	json_decref(s);
	return x;
}

static int started(struct diff_ctx *c, const struct diff_proc *b)
{
	size_t i;
	int x;

	x = whole(c, DIFF_STARTED, b->process);
	/* What a new process holds is new: its deleted files and listening
	 * sockets are called out; its other fds would only be a listing. */
	for (i = 0; !x && i < json_array_size(b->fds); i++) {
		const json_t *fd = json_array_get(b->fds, i);

		if (diff_fd_deleted(fd))
			x = diff_fd_emit(c, DIFF_DELETED, "fd", NULL, fd);
		else if (diff_fd_listening(fd))
			x = diff_fd_emit(c, DIFF_LISTEN, "socket", NULL, fd);
	}
	return x;
}

static int changed(struct diff_ctx *c, const struct diff_proc *a, const struct diff_proc *b)
{
	const json_t *pa = a->process, *pb = b->process;
	const json_t *ka = diff_get(pa, "caps"), *kb = diff_get(pb, "caps");
	char name[16];
	size_t i;
	int x;

	c->in = DIFF_IN_CHANGED;
	c->proc = pb;
	/* The executable first: a process that exec'd is the biggest news. */
	x = link_fields(c, pa, pb, "exe");
	for (i = 0; !x && i < 4; i++)
		x = diff_field(c, pa, pb, pfields[i].key, pfields[i].key, pfields[i].item,
			       pfields[i].t, DIFF_FIELD, -1);
	for (i = 0; !x && i < sizeof(cap_sets) / sizeof(*cap_sets); i++) {
		if ((!ka && diff_unread(pa, "status")) || (!kb && diff_unread(pb, "status")))
			break;
		snprintf(name, sizeof(name), "caps.%s", cap_sets[i]);
		x = diff_field(c, ka, kb, cap_sets[i], name, "status", DIFF_F_BYTES, DIFF_FIELD,
			       -1);
	}
	if (!x)
		x = link_fields(c, pa, pb, "cwd");
	if (!x)
		x = link_fields(c, pa, pb, "root");
	if (!x)
		x = ns_fields(c, pa, pb);
	if (!x)
		x = cgroup_field(c, a, b);
	for (i = 4; !x && i < sizeof(pfields) / sizeof(*pfields); i++)
		x = diff_field(c, pa, pb, pfields[i].key, pfields[i].key, pfields[i].item,
			       pfields[i].t, DIFF_FIELD, -1);
	if (!x)
		x = diff_fds(c, a->fds, b->fds);
	return x;
}

int diff_process(const struct diff_proc *a, const struct diff_proc *b,
		 const struct diff_opts *o, diff_fn fn, void *arg)
{
	static const struct diff_opts none = { 0 };
	struct diff_ctx c = { .o = o ? o : &none, .fn = fn, .arg = arg,
			 .x = BUF_INIT, .y = BUF_INIT };
	bool na = absent(a, c.o), nb = absent(b, c.o);
	int x = 0;

	c.pid = !na ? a->pid : !nb ? b->pid : 0;
	if (!na && !nb && diff_same_process(a->process, b->process))
		x = changed(&c, a, b);
	else {
		if (!na)
			x = whole(&c, DIFF_EXITED, a->process);
		if (!x && !nb) {
			c.pid = b->pid;
			x = started(&c, b);
		}
	}
	buf_free(&c.x);
	buf_free(&c.y);
	return x;
}
