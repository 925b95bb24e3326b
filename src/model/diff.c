/* diff: compares two snapshots, process by process, into change records; never prints. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "escape.h"
#include "snapshot.h"

/* A cgroup file is a line per hierarchy; v2 hosts have one.  Bigger ones
 * are not compared (and not held). */
#define CGROUP_MAX (64u << 10)

/*
 * Noise: what changes on every read of a live process, so a diff of two
 * captures a minute apart would drown in it.  The single list; --all shows
 * them.  Context switches are only in the raw status member, never
 * compared.
 */
static const char *const noise[] = {
	"utime", "stime",              /* stat(5) fields 14-15: CPU ticks */
	"vsize", "rss_pages",          /* memory moves with every allocation */
	"threads",                     /* worker threads come and go */
	"fd_count", "deleted_fds",     /* counts: the fd lines say what changed */
	/* The offset of a file being read or written, and its size and times
	 * (a log being appended to). */
	"fd.pos", "fd.size", "fd.blocks", "fd.atime", "fd.mtime", "fd.ctime",
	NULL,
};

const char *const *diff_noise(void)
{
	return noise;
}

bool diff_is_noise(const char *field)
{
	const char *const *n;

	for (n = noise; *n; n++)
		if (strcmp(*n, field) == 0)
			return true;
	return false;
}

bool diff_count(struct diff_summary *s, const struct diff_change *c)
{
	bool first = c->in != DIFF_IN_HOST && (c->pid != s->last_pid || c->in != s->last_in);

	s->last_pid = c->pid;
	s->last_in = c->in;
	s->changes++;
	if (first && c->in == DIFF_IN_CHANGED)
		s->changed++;
	switch (c->kind) {
	case DIFF_HOST:
		s->host++;
		if (strcmp(c->field, "boot_id") == 0)
			s->rebooted = true;
		if (strcmp(c->field, "hostname") == 0 && s->rebooted)
			s->other_host = true;
		break;
	case DIFF_STARTED: s->started++; break;
	case DIFF_EXITED: s->exited++; break;
	case DIFF_FIELD: s->fields++; break;
	case DIFF_FD:
		if (!c->before)
			s->fds_opened++;
		else if (!c->after)
			s->fds_closed++;
		else
			s->fds_changed++;
		break;
	case DIFF_DELETED: s->deleted++; break;
	case DIFF_SOCKET:
		if (!c->before)
			s->sockets_appeared++;
		else if (!c->after)
			s->sockets_gone++;
		else
			s->sockets_changed++;
		break;
	case DIFF_LISTEN: s->listening++; break;
	}
	return first;
}

struct ctx {
	const struct diff_opts *o;
	diff_fn fn;
	void *arg;
	int pid;
	const json_t *proc;
	enum diff_in in;
	int tid;          /* the fd table of the fd being compared (0: the process's) */
	struct buf x, y;  /* scratch for exact bytes */
};

static int emit(struct ctx *c, enum diff_kind k, int fd, const char *field,
		const json_t *before, const json_t *after,
		const json_t *before_b64, const json_t *after_b64)
{
	struct diff_change ch = {
		.kind = k, .in = c->in, .pid = c->pid, .fd = fd,
		.tid = fd >= 0 ? c->tid : 0, .proc = c->proc,
		.field = field, .before = before, .after = after,
		.before_b64 = before_b64, .after_b64 = after_b64,
	};

	if (!c->o->all && diff_is_noise(field))
		return 0;
	return c->fn(&ch, c->arg);
}

static const json_t *get(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	return json_is_null(v) ? NULL : v;
}

static const json_t *b64_of(const json_t *o, const char *k)
{
	char key[128];

	snprintf(key, sizeof(key), "%s_b64", k);
	return json_object_get(o, key);
}

/* True when rec's "errors" lists item: a value it lacks was unreadable. */
static bool unread(const json_t *rec, const char *item)
{
	const json_t *errs = json_object_get(rec, "errors");
	size_t i;

	for (i = 0; i < json_array_size(errs); i++) {
		const char *w = snapshot_str(json_array_get(errs, i), "what");

		if (w && strcmp(w, item) == 0)
			return true;
	}
	return false;
}

/* Exact bytes of a[k] and b[k]: 1 equal, 0 different, -errno. */
static int same_bytes(struct ctx *c, const json_t *a, const json_t *b, const char *k)
{
	int ra = snapshot_bytes(a, k, &c->x), rb = snapshot_bytes(b, k, &c->y);

	if (ra < 0 || rb < 0)
		return ra < 0 ? ra : rb;
	if (ra != rb)
		return 0;
	return ra == 0 || (c->x.len == c->y.len && memcmp(c->x.data, c->y.data, c->x.len) == 0);
}

/* The same for a string array (argv with its argv_b64). */
static int same_array_bytes(struct ctx *c, const json_t *a, const json_t *b, const char *k)
{
	size_t i, n = json_array_size(json_object_get(a, k));
	int ra, rb;

	if (n != json_array_size(json_object_get(b, k)))
		return 0;
	for (i = 0; i < n; i++) {
		ra = snapshot_array_bytes(a, k, i, &c->x);
		rb = snapshot_array_bytes(b, k, i, &c->y);
		if (ra < 0 || rb < 0)
			return ra < 0 ? ra : rb;
		if (ra != rb || (ra && (c->x.len != c->y.len ||
					memcmp(c->x.data, c->y.data, c->x.len) != 0)))
			return 0;
	}
	return 1;
}

enum ftype { F_VALUE, F_BYTES, F_ARGV };

static void copy(json_t *to, const char *tk, const json_t *from, const char *k);

/*
 * A field of two records of the same process.  item: what the record's
 * "errors" call it when it could not be read.
 */
static int field(struct ctx *c, const json_t *a, const json_t *b, const char *k,
		 const char *name, const char *item, enum ftype t, enum diff_kind kind, int fd)
{
	const json_t *va = get(a, k), *vb = get(b, k);
	int same;

	if ((!va && unread(a, item)) || (!vb && unread(b, item)))
		return 0;
	if (!c->o->all && diff_is_noise(name))
		return 0;
	if (t == F_BYTES)
		same = same_bytes(c, a, b, k);
	else if (t == F_ARGV)
		same = same_array_bytes(c, a, b, k);
	else
		same = (!va && !vb) || (va && vb && json_equal(va, vb));
	if (same < 0)
		return same;
	if (same)
		return 0;
	return emit(c, kind, fd, name, va, vb, t == F_VALUE ? NULL : b64_of(a, k),
		    t == F_VALUE ? NULL : b64_of(b, k));
}

/* The fields of process.json compared, most telling first.  item: the
 * name under which the capture records it unreadable. */
static const struct pfield {
	const char *key, *item;
	enum ftype t;
} pfields[] = {
	{ "name", "stat", F_BYTES },
	{ "argv", "cmdline", F_ARGV },
	{ "uid", "status", F_VALUE },
	{ "gid", "status", F_VALUE },
	{ "state", "stat", F_BYTES },
	{ "ppid", "stat", F_VALUE },
	{ "pgrp", "stat", F_VALUE },
	{ "session", "stat", F_VALUE },
	{ "tty_nr", "stat", F_VALUE },
	{ "kernel_thread", "stat", F_VALUE },
	{ "tgid", "status", F_VALUE },
	{ "utime", "stat", F_VALUE },
	{ "stime", "stat", F_VALUE },
	{ "vsize", "stat", F_VALUE },
	{ "rss_pages", "stat", F_VALUE },
	{ "threads", "status", F_VALUE },
	{ "fd_count", "fds", F_VALUE },
	{ "deleted_fds", "fds", F_VALUE },
};

static const char *const cap_sets[] = { "inh", "prm", "eff", "bnd", "amb" };

/* exe, cwd, root: {"target", "deleted", "stat", "content"} or null. */
static int link_fields(struct ctx *c, const json_t *a, const json_t *b, const char *k)
{
	const json_t *la = get(a, k), *lb = get(b, k);
	char name[32];
	int x;

	if ((!la && unread(a, k)) || (!lb && unread(b, k)))
		return 0;
	if (!la || !lb) {
		/* Only kernel threads have no exe, and they stay kernel
		 * threads: a link that appears or goes is still worth a line. */
		if (la || lb)
			return emit(c, DIFF_FIELD, -1, k, la, lb, NULL, NULL);
		return 0;
	}
	x = field(c, la, lb, "target", k, k, F_BYTES, DIFF_FIELD, -1);
	if (x || strcmp(k, "exe") != 0)
		return x;
	x = field(c, la, lb, "deleted", "exe.deleted", k, F_VALUE, DIFF_FIELD, -1);
	if (!x) {
		const json_t *ca = json_object_get(la, "content"), *cb = json_object_get(lb, "content");

		if (json_is_object(ca) && json_is_object(cb))
			x = field(c, ca, cb, "sha256", "exe.sha256", k, F_BYTES, DIFF_FIELD, -1);
		else if (json_is_object(ca) != json_is_object(cb))
			x = emit(c, DIFF_FIELD, -1, "exe.sha256", json_object_get(ca, "sha256"),
				 json_object_get(cb, "sha256"), NULL, NULL);
	}
	if (!x) {
		/* The same path, another file: the binary was replaced. */
		const json_t *sa = json_object_get(la, "stat"), *sb = json_object_get(lb, "stat");

		snprintf(name, sizeof(name), "%s.inode", k);
		if (json_is_object(sa) && json_is_object(sb) &&
		    (!json_equal(json_object_get(sa, "dev"), json_object_get(sb, "dev")) ||
		     !json_equal(json_object_get(sa, "ino"), json_object_get(sb, "ino")))) {
			json_t *ia = json_object(), *ib = json_object();

			if (ia && ib) {
				copy(ia, "dev", sa, "dev");
				copy(ia, "ino", sa, "ino");
				copy(ib, "dev", sb, "dev");
				copy(ib, "ino", sb, "ino");
			}
			x = ia && ib ? emit(c, DIFF_FIELD, -1, name, ia, ib, NULL, NULL) : -ENOMEM;
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
static int ns_fields(struct ctx *c, const json_t *pa, const json_t *pb)
{
	static const char *const names[] = { "mnt", "net", "pid", "user", "uts", "ipc",
					     "cgroup", "time" };
	const json_t *na = get(pa, "ns"), *nb = get(pb, "ns");
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
		x = emit(c, DIFF_FIELD, -1, field, va, vb, NULL, NULL);
	}
	return x;
}

static int cgroup_field(struct ctx *c, const struct diff_proc *a, const struct diff_proc *b)
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
		x = emit(c, DIFF_FIELD, -1, "cgroup", va, vb, ba, bb);
	json_decref(va);
	json_decref(vb);
	json_decref(ba);
	json_decref(bb);
	return x;
}

/* ---- summaries handed out as before/after ---- */

static void copy(json_t *to, const char *tk, const json_t *from, const char *k)
{
	const json_t *v = json_object_get(from, k);

	if (v)
		json_object_set_new(to, tk, json_deep_copy(v));
}

static json_t *proc_summary(const json_t *p)
{
	json_t *s = json_object();
	const json_t *exe = get(p, "exe"), *content = json_object_get(exe, "content");

	if (!s)
		return NULL;
	copy(s, "pid", p, "pid");
	copy(s, "ppid", p, "ppid");
	copy(s, "name", p, "name");
	copy(s, "name_b64", p, "name_b64");
	copy(s, "start_time", p, "start_time");
	copy(s, "uid", p, "uid");
	copy(s, "state", p, "state");
	copy(s, "exe", exe, "target");
	copy(s, "exe_b64", exe, "target_b64");
	copy(s, "exe_deleted", exe, "deleted");
	copy(s, "exe_sha256", content, "sha256");
	copy(s, "argv", p, "argv");
	copy(s, "argv_b64", p, "argv_b64");
	return s;
}

static json_t *fd_summary(const json_t *fd)
{
	static const char *const keys[] = { "fd", "tid", "type", "kind", "target",
		"target_b64", "deleted", "anon", "inode", "socket", NULL };
	const json_t *content = json_object_get(fd, "content");
	const char *const *k;
	json_t *s = json_object();

	if (!s)
		return NULL;
	for (k = keys; *k; k++)
		copy(s, *k, fd, *k);
	copy(s, "sha256", content, "sha256");
	copy(s, "content", content, "status");
	if (json_object_get(content, "size"))
		copy(s, "size", content, "size");
	else
		copy(s, "size", json_object_get(fd, "stat"), "size");
	return s;
}

/* Emits with fd summaries of a and b (either may be NULL). */
/* The fd table a record belongs to: 0 the process's own, else the tid of
 * the thread that has a table of its own (docs/FORMAT.md). */
static int table_of(const json_t *fd)
{
	int64_t t;

	return snapshot_int(fd, "tid", &t) && t > 0 && t <= INT_MAX ? (int)t : 0;
}

/* Where an fd record sorts: tables by tid (the process's first), then fd. */
static int64_t fd_key(const json_t *fd)
{
	int64_t n = INT64_MAX;

	if (!fd || !snapshot_int(fd, "fd", &n) || n < 0 || n > INT_MAX)
		return INT64_MAX;
	return ((int64_t)table_of(fd) << 32) | n;
}

static int emit_fds(struct ctx *c, enum diff_kind k, const char *name,
		    const json_t *a, const json_t *b)
{
	json_t *sa = a ? fd_summary(a) : NULL, *sb = b ? fd_summary(b) : NULL;
	int64_t n = -1;
	int x = -ENOMEM;

	if ((a && !sa) || (b && !sb))
		goto out;
	if (!snapshot_int(b, "fd", &n))
		snapshot_int(a, "fd", &n);
	c->tid = table_of(b ? b : a);
	x = emit(c, k, (int)n, name, sa, sb, NULL, NULL);
out:
	json_decref(sa);
	json_decref(sb);
	return x;
}

/* ---- fds ---- */

static bool fd_deleted(const json_t *fd)
{
	bool d = false;

	return snapshot_bool(fd, "deleted", &d) && d;
}

static bool is_socket(const json_t *fd, int64_t *inode)
{
	const char *t = snapshot_str(fd, "type");

	return t && strcmp(t, "socket") == 0 && snapshot_int(fd, "inode", inode);
}

static bool listening(const json_t *fd)
{
	const char *st = snapshot_str(json_object_get(fd, "socket"), "state");

	return st && strcmp(st, "LISTEN") == 0;
}

/* Nothing about the open file could be read: no verdict on it. */
static bool fd_unknown(const json_t *fd)
{
	return !json_object_get(fd, "target") && !json_object_get(fd, "stat");
}

/* The same open file: same type, then (dev, ino), else the link's inode,
 * else the link text. */
static int same_file(struct ctx *c, const json_t *a, const json_t *b)
{
	const json_t *sa = json_object_get(a, "stat"), *sb = json_object_get(b, "stat");
	int x = same_bytes(c, a, b, "type");

	if (x <= 0)
		return x;
	if (json_is_object(sa) && json_is_object(sb) &&
	    json_object_get(sa, "ino") && json_object_get(sb, "ino"))
		return json_equal(json_object_get(sa, "dev"), json_object_get(sb, "dev")) &&
		       json_equal(json_object_get(sa, "ino"), json_object_get(sb, "ino"));
	if (json_object_get(a, "inode") || json_object_get(b, "inode"))
		return json_equal(json_object_get(a, "inode"), json_object_get(b, "inode"));
	return same_bytes(c, a, b, "target");
}

/* One fd number held in both, not a socket. */
static int fd_pair(struct ctx *c, const json_t *a, const json_t *b)
{
	static const char *const stat_noise[] = { "size", "blocks", "atime", "mtime", "ctime" };
	const json_t *ca = json_object_get(a, "content"), *cb = json_object_get(b, "content");
	int64_t n = -1;
	char name[32];
	size_t i;
	int x;

	if (fd_unknown(a) || fd_unknown(b))
		return 0;
	snapshot_int(b, "fd", &n);
	c->tid = table_of(b);
	x = same_file(c, a, b);
	if (x < 0)
		return x;
	if (!x)
		return emit_fds(c, fd_deleted(b) ? DIFF_DELETED : DIFF_FD, "fd", a, b);
	if (!fd_deleted(a) && fd_deleted(b))
		/* Held before, deleted since: its target gained " (deleted)"
		 * too; one line says both. */
		return emit_fds(c, DIFF_DELETED, "fd", a, b);
	x = field(c, a, b, "target", "fd.target", "link", F_BYTES, DIFF_FD, (int)n);
	if (!x)
		x = field(c, a, b, "deleted", "fd.deleted", "fstat", F_VALUE, DIFF_FD, (int)n);
	if (!x && json_is_object(ca) && json_is_object(cb))
		x = field(c, ca, cb, "sha256", "fd.sha256", "content", F_BYTES, DIFF_FD, (int)n);
	if (!x)
		x = field(c, a, b, "flags", "fd.flags", "fdinfo", F_VALUE, DIFF_FD, (int)n);
	if (!x)
		x = field(c, a, b, "pos", "fd.pos", "fdinfo", F_VALUE, DIFF_FD, (int)n);
	for (i = 0; !x && i < sizeof(stat_noise) / sizeof(*stat_noise); i++) {
		snprintf(name, sizeof(name), "fd.%s", stat_noise[i]);
		x = field(c, json_object_get(a, "stat"), json_object_get(b, "stat"),
			  stat_noise[i], name, "fstat", F_VALUE, DIFF_FD, (int)n);
	}
	return x;
}

struct sock {
	int64_t inode;
	const json_t *fd;
};

static int by_inode(const void *p, const void *q)
{
	const struct sock *a = p, *b = q;

	return (a->inode > b->inode) - (a->inode < b->inode);
}

/* The sockets of an fd list, sorted by inode.  *out is malloc'ed. */
static int sockets(const json_t *fds, struct sock **out, size_t *n)
{
	size_t i, k = 0, total = json_array_size(fds);
	struct sock *v = malloc((total ? total : 1) * sizeof(*v));
	int64_t ino;

	*out = v;
	*n = 0;
	if (!v)
		return -ENOMEM;
	for (i = 0; i < total; i++)
		if (is_socket(json_array_get(fds, i), &ino))
			v[k++] = (struct sock){ ino, json_array_get(fds, i) };
	if (k)
		qsort(v, k, sizeof(*v), by_inode);
	*n = k;
	return 0;
}

/* Sockets are matched by inode, not fd number: a socket dup2'ed to
 * another fd is the same socket. */
static int socket_diff(struct ctx *c, const json_t *fa, const json_t *fb)
{
	struct sock *sa = NULL, *sb = NULL;
	size_t na = 0, nb = 0, i = 0, j = 0;
	int x;

	x = sockets(fa, &sa, &na);
	if (!x)
		x = sockets(fb, &sb, &nb);
	while (!x && (i < na || j < nb)) {
		if (j == nb || (i < na && sa[i].inode < sb[j].inode)) {
			x = emit_fds(c, DIFF_SOCKET, "socket", sa[i++].fd, NULL);
		} else if (i == na || sb[j].inode < sa[i].inode) {
			x = emit_fds(c, listening(sb[j].fd) ? DIFF_LISTEN : DIFF_SOCKET,
				     "socket", NULL, sb[j].fd);
			j++;
		} else {
			const json_t *a = sa[i++].fd, *b = sb[j++].fd;

			if (!json_equal(json_object_get(a, "socket"), json_object_get(b, "socket")))
				x = emit_fds(c, listening(b) && !listening(a) ? DIFF_LISTEN
									 : DIFF_SOCKET,
					     "socket", a, b);
		}
	}
	free(sa);
	free(sb);
	return x;
}

/* Both fd lists ascend by fd (the snapshot model checks it). */
static int fd_diff(struct ctx *c, const json_t *fa, const json_t *fb)
{
	size_t i = 0, j = 0, na = json_array_size(fa), nb = json_array_size(fb);
	int64_t ino;
	int x = 0;

	while (!x && (i < na || j < nb)) {
		const json_t *a = json_array_get(fa, i), *b = json_array_get(fb, j);
		int64_t da, db;

		if (a && is_socket(a, &ino)) {
			i++;
			continue;
		}
		if (b && is_socket(b, &ino)) {
			j++;
			continue;
		}
		/* fd N of the process and fd N of a thread's own table are
		 * two fds: records pair by (table, fd). */
		da = fd_key(a);
		db = fd_key(b);
		if (da < db) {
			x = emit_fds(c, DIFF_FD, "fd", a, NULL);
			i++;
		} else if (db < da) {
			x = emit_fds(c, fd_deleted(b) ? DIFF_DELETED : DIFF_FD, "fd", NULL, b);
			j++;
		} else {
			x = fd_pair(c, a, b);
			i++;
			j++;
		}
	}
	return x ? x : socket_diff(c, fa, fb);
}

/* ---- processes ---- */

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

static int started(struct ctx *c, const struct diff_proc *b)
{
	json_t *s = proc_summary(b->process);
	size_t i;
	int x;

	c->in = DIFF_IN_STARTED;
	c->proc = b->process;
	if (!s)
		return -ENOMEM;
	x = emit(c, DIFF_STARTED, -1, "process", NULL, s, NULL, NULL);
	json_decref(s);
	/* What a new process holds is new: its deleted files and listening
	 * sockets are called out; its other fds would only be a listing. */
	for (i = 0; !x && i < json_array_size(b->fds); i++) {
		const json_t *fd = json_array_get(b->fds, i);

		if (fd_deleted(fd))
			x = emit_fds(c, DIFF_DELETED, "fd", NULL, fd);
		else if (listening(fd))
			x = emit_fds(c, DIFF_LISTEN, "socket", NULL, fd);
	}
	return x;
}

static int exited(struct ctx *c, const struct diff_proc *a)
{
	json_t *s = proc_summary(a->process);
	int x;

	c->in = DIFF_IN_EXITED;
	c->proc = a->process;
	if (!s)
		return -ENOMEM;
	x = emit(c, DIFF_EXITED, -1, "process", s, NULL, NULL, NULL);
	json_decref(s);
	return x;
}

static int changed(struct ctx *c, const struct diff_proc *a, const struct diff_proc *b)
{
	const json_t *pa = a->process, *pb = b->process;
	const json_t *ka = get(pa, "caps"), *kb = get(pb, "caps");
	char name[16];
	size_t i;
	int x;

	c->in = DIFF_IN_CHANGED;
	c->proc = pb;
	/* The executable first: a process that exec'd is the biggest news. */
	x = link_fields(c, pa, pb, "exe");
	for (i = 0; !x && i < 4; i++)
		x = field(c, pa, pb, pfields[i].key, pfields[i].key, pfields[i].item,
			  pfields[i].t, DIFF_FIELD, -1);
	for (i = 0; !x && i < sizeof(cap_sets) / sizeof(*cap_sets); i++) {
		if ((!ka && unread(pa, "status")) || (!kb && unread(pb, "status")))
			break;
		snprintf(name, sizeof(name), "caps.%s", cap_sets[i]);
		x = field(c, ka, kb, cap_sets[i], name, "status", F_BYTES, DIFF_FIELD, -1);
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
		x = field(c, pa, pb, pfields[i].key, pfields[i].key, pfields[i].item,
			  pfields[i].t, DIFF_FIELD, -1);
	if (!x)
		x = fd_diff(c, a->fds, b->fds);
	return x;
}

int diff_process(const struct diff_proc *a, const struct diff_proc *b,
		 const struct diff_opts *o, diff_fn fn, void *arg)
{
	static const struct diff_opts none = { 0 };
	struct ctx c = { .o = o ? o : &none, .fn = fn, .arg = arg,
			 .x = BUF_INIT, .y = BUF_INIT };
	bool na = absent(a, c.o), nb = absent(b, c.o);
	int x = 0;

	c.pid = !na ? a->pid : !nb ? b->pid : 0;
	if (!na && !nb && diff_same_process(a->process, b->process))
		x = changed(&c, a, b);
	else {
		if (!na)
			x = exited(&c, a);
		if (!x && !nb) {
			c.pid = b->pid;
			x = started(&c, b);
		}
	}
	buf_free(&c.x);
	buf_free(&c.y);
	return x;
}

int diff_hosts(const json_t *a, const json_t *b, const struct diff_opts *o,
	       diff_fn fn, void *arg)
{
	static const struct diff_opts none = { 0 };
	static const char *const keys[] = { "boot_id", "hostname" };
	struct ctx c = { .o = o ? o : &none, .fn = fn, .arg = arg, .in = DIFF_IN_HOST,
			 .x = BUF_INIT, .y = BUF_INIT };
	size_t i;
	int x = 0;

	for (i = 0; !x && a && b && i < sizeof(keys) / sizeof(*keys); i++) {
		x = same_bytes(&c, a, b, keys[i]);
		if (x == 0)
			x = emit(&c, DIFF_HOST, -1, keys[i], get(a, keys[i]), get(b, keys[i]),
				 b64_of(a, keys[i]), b64_of(b, keys[i]));
		else if (x == 1)
			x = 0;
	}
	buf_free(&c.x);
	buf_free(&c.y);
	return x;
}

/* ---- two archives, streamed ---- */

/* An fd record's line, unparsed: text[off, off + len). */
struct line {
	size_t off, len;
	unsigned long no;   /* its line in fds.jsonl */
	bool same;          /* the other side has the same bytes */
};

struct side {
	const char *path;
	struct snapshot *s;
	json_t *proc;       /* the current process (a reference) */
	json_t *fds;        /* its fd records, parsed by side_fds() */
	struct buf text;    /* its fd lines, as read */
	struct line *lines;
	size_t nlines, cap;
	struct buf cgroup;
	int cgroup_pid;
	struct diff_proc p;
	bool have;          /* p is a process; false at the end */
};

struct diff {
	struct side side[2];
	char err[2048];
};

static int fail(struct diff *d, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct diff *d, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->err, sizeof(d->err), fmt, ap);
	va_end(ap);
	return err;
}

/* The path for a message, escaped. */
static const char *shown(struct buf *b, const char *path)
{
	buf_reset(b);
	if (strcmp(path, "-") == 0)
		return "standard input";
	escape_text(b, path, strlen(path));
	return b->data && !buf_error(b) ? b->data : "?";
}

static int side_fail(struct diff *d, struct side *s, int err)
{
	struct buf b = BUF_INIT;

	if (err == -ENOMEM && !s->s)
		fail(d, err, "out of memory");
	else
		fail(d, err, "%s: %s", shown(&b, s->path), snapshot_error(s->s));
	buf_free(&b);
	return err;
}

int diff_open(struct diff **out, const char *path_a, const char *path_b)
{
	struct diff *d = calloc(1, sizeof(*d));
	struct snapshot_opts so = { .fds = true, .raw = true, .ordered = true,
				    .fd_text = true };
	int i, x = 0;

	*out = d;
	if (!d)
		return -ENOMEM;
	d->side[0].path = path_a;
	d->side[1].path = path_b;
	if (strcmp(path_a, "-") == 0 && strcmp(path_b, "-") == 0)
		return fail(d, -EINVAL, "only one of the two snapshots can be standard input");
	for (i = 0; i < 2 && !x; i++) {
		struct side *s = &d->side[i];

		s->fds = json_array();
		if (!s->fds)
			return fail(d, -ENOMEM, "out of memory");
		x = snapshot_open(&s->s, s->path, &so);
		if (x)
			return side_fail(d, s, x);
	}
	{
		const json_t *fa = snapreader_format(snapshot_reader(d->side[0].s));
		const json_t *fb = snapreader_format(snapshot_reader(d->side[1].s));

		/* The reader knows one version today; should it learn more,
		 * a diff across versions would compare keys whose meaning
		 * differs (docs/FORMAT.md, Versioning). */
		if (!json_equal(json_object_get(fa, "version"), json_object_get(fb, "version")))
			return fail(d, -EPROTONOSUPPORT, "the snapshots are of different format "
				    "versions; diff compares snapshots of one version");
	}
	return 0;
}

static int keep_line(struct side *s, const struct snapshot_item *it)
{
	if (s->nlines == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct line *v = realloc(s->lines, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->lines = v;
		s->cap = cap;
	}
	s->lines[s->nlines++] = (struct line){ .off = s->text.len, .len = it->len,
					       .no = it->line };
	buf_append(&s->text, it->text, it->len);
	return buf_error(&s->text);
}

/* The byte order of lines: by length, then bytes (any total order does). */
static int cmp_lines(const struct side *sa, const struct line *a,
		     const struct side *sb, const struct line *b)
{
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(sa->text.data + a->off, sb->text.data + b->off, a->len);
}

static int by_bytes(const void *p, const void *q, void *arg)
{
	const struct side *s = arg;

	return cmp_lines(s, &s->lines[*(const size_t *)p], s, &s->lines[*(const size_t *)q]);
}

/* The side's line indices, in byte order. */
static size_t *sorted_lines(struct side *s)
{
	size_t *v = malloc((s->nlines ? s->nlines : 1) * sizeof(*v));
	size_t i;

	if (!v)
		return NULL;
	for (i = 0; i < s->nlines; i++)
		v[i] = i;
	qsort_r(v, s->nlines, sizeof(*v), by_bytes, s);
	return v;
}

/*
 * Marks the lines of a and b that are byte for byte the same on the other
 * side.  Such a pair is the same fd (its number is in the line) with
 * every recorded attribute the same, so it holds no change whatever the
 * options: it need not be parsed.  Parsing is most of a diff's time
 * (jansson: about 25 us a record here), and most fds of a process that
 * lives through both captures do not change.
 */
static int match_lines(struct side *a, struct side *b)
{
	size_t *va = sorted_lines(a), *vb = sorted_lines(b);
	size_t i = 0, k = 0;

	if (!va || !vb) {
		free(va);
		free(vb);
		return -ENOMEM;
	}
	while (i < a->nlines && k < b->nlines) {
		struct line *la = &a->lines[va[i]], *lb = &b->lines[vb[k]];
		int c = cmp_lines(a, la, b, lb);

		if (c == 0) {
			la->same = lb->same = true;
			i++;
			k++;
		} else if (c < 0) {
			i++;
		} else {
			k++;
		}
	}
	free(va);
	free(vb);
	return 0;
}

/* Parses the side's lines that differ from the other side's into s->fds. */
static int parse_lines(struct diff *d, struct side *s)
{
	size_t i;
	int x;

	for (i = 0; i < s->nlines; i++) {
		const struct line *l = &s->lines[i];
		json_t *j;

		if (l->same)
			continue;
		x = snapshot_fd_parse(s->s, s->p.pid, l->no, s->text.data + l->off, l->len, &j);
		if (x)
			return side_fail(d, s, x);
		if (json_array_append_new(s->fds, j))
			return fail(d, -ENOMEM, "out of memory");
	}
	return 0;
}

/*
 * The fd records diff_process() will look at: for the same process on
 * both sides, those whose lines differ; for a process that started, all
 * of B's (its deleted files and listeners are news); for one that exited,
 * none (an exit is reported without its fds).
 */
static int side_fds(struct diff *d, struct side *a, struct side *b, bool ta, bool tb)
{
	bool same = ta && tb && json_is_object(a->proc) && json_is_object(b->proc) &&
		    diff_same_process(a->proc, b->proc);
	int x = 0;

	if (same) {
		x = match_lines(a, b);
		if (x)
			return fail(d, x, "out of memory");
		x = parse_lines(d, a);
	}
	if (!x && tb)
		x = parse_lines(d, b);
	return x;
}

/* The next process of a side and its fds and cgroup: 1, 0 at the end, -errno. */
static int side_next(struct diff *d, struct side *s)
{
	struct snapshot_item it;
	size_t bytes = 0;
	int x;

	json_decref(s->proc);
	s->proc = NULL;
	s->have = false;
	buf_reset(&s->cgroup);
	s->cgroup_pid = 0;
	buf_reset(&s->text);
	s->nlines = 0;
	if (json_array_clear(s->fds))
		return fail(d, -ENOMEM, "out of memory");
	while ((x = snapshot_next(s->s, &it)) > 0) {
		switch (it.kind) {
		case SNAPSHOT_RAW:
			if (strcmp(it.member->file, "cgroup") != 0 || it.member->size > CGROUP_MAX)
				break;
			x = snapreader_slurp(snapshot_reader(s->s), CGROUP_MAX, &s->cgroup);
			if (x)
				return side_fail(d, s, x);
			s->cgroup_pid = it.pid;
			break;
		case SNAPSHOT_FD:
			/* The bound snapshot_next_process() keeps. */
			bytes += it.len + 1;
			if (bytes > SNAPSHOT_MAX_FD_BYTES) {
				struct buf b = BUF_INIT;

				fail(d, -EFBIG, "%s: pid %d: more than %u bytes of fd records, "
				     "the most held for one process", shown(&b, s->path), it.pid,
				     SNAPSHOT_MAX_FD_BYTES);
				buf_free(&b);
				return -EFBIG;
			}
			x = keep_line(s, &it);
			if (x)
				return fail(d, x, "out of memory");
			break;
		case SNAPSHOT_PROCESS:
			s->proc = json_incref(it.json);
			s->p.pid = it.pid;
			s->p.process = s->proc;
			s->p.fds = s->fds;
			s->p.cgroup = s->cgroup_pid == it.pid ? &s->cgroup : NULL;
			s->have = true;
			return 1;
		default:
			break;
		}
	}
	return x < 0 ? side_fail(d, s, x) : 0;
}

int diff_run(struct diff *d, const struct diff_opts *o, diff_fn fn, void *arg)
{
	struct side *a = &d->side[0], *b = &d->side[1];
	int x;

	/* host.json comes before every process: reading the first process of
	 * each side reads it. */
	x = side_next(d, a);
	if (x >= 0)
		x = side_next(d, b);
	if (x < 0)
		return x;
	x = diff_hosts(snapshot_host(a->s), snapshot_host(b->s), o, fn, arg);
	while (!x && (a->have || b->have)) {
		bool ta = a->have && (!b->have || a->p.pid <= b->p.pid);
		bool tb = b->have && (!a->have || b->p.pid <= a->p.pid);

		x = side_fds(d, a, b, ta, tb);
		if (!x)
			x = diff_process(ta ? &a->p : NULL, tb ? &b->p : NULL, o, fn, arg);
		if (x)
			break;
		if (ta)
			x = side_next(d, a);
		if (x >= 0 && tb)
			x = side_next(d, b);
		if (x > 0)
			x = 0;
	}
	if (x == -ENOMEM && !d->err[0])
		fail(d, x, "out of memory");
	return x;
}

const json_t *diff_host(const struct diff *d, int which)
{
	return which == 0 || which == 1 ? snapshot_host(d->side[which].s) : NULL;
}

const char *diff_error(const struct diff *d)
{
	return !d ? "out of memory" : d->err[0] ? d->err : "unknown error";
}

void diff_free(struct diff *d)
{
	int i;

	if (!d)
		return;
	for (i = 0; i < 2; i++) {
		snapshot_free(d->side[i].s);
		json_decref(d->side[i].proc);
		json_decref(d->side[i].fds);
		buf_free(&d->side[i].cgroup);
		buf_free(&d->side[i].text);
		free(d->side[i].lines);
	}
	free(d);
}
