/* diff_fd: the fds of one process compared — by (table, fd), and its sockets by inode. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff_int.h"
#include "snapshot.h"

static json_t *fd_summary(const json_t *fd)
{
	/* An fd record's own keys (docs/schema/fd.json): content is the
	 * recovered content object, as every --json gives it. */
	static const char *const keys[] = { "pid", "fd", "tid", "type", "kind", "target",
		"target_b64", "deleted", "anon", "inode", "socket", "content", NULL };
	const char *const *k;
	json_t *s = json_object();

	if (!s)
		return NULL;
	for (k = keys; *k; k++)
		diff_copy(s, *k, fd, *k);
	return s;
}

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

/* Emits with fd summaries of a and b (either may be NULL). */
int diff_fd_emit(struct diff_ctx *c, enum diff_kind k, const char *name,
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
	c->fa = a;
	c->fb = b;
	x = diff_emit(c, k, (int)n, name, sa, sb, NULL, NULL);
	c->fa = c->fb = NULL;
out:
	json_decref(sa);
	json_decref(sb);
	return x;
}

bool diff_fd_deleted(const json_t *fd)
{
	bool d = false;

	return snapshot_bool(fd, "deleted", &d) && d;
}

static bool is_socket(const json_t *fd, int64_t *inode)
{
	const char *t = snapshot_str(fd, "type");

	return t && strcmp(t, "socket") == 0 && snapshot_int(fd, "inode", inode);
}

bool diff_fd_listening(const json_t *fd)
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
static int same_file(struct diff_ctx *c, const json_t *a, const json_t *b)
{
	const json_t *sa = json_object_get(a, "stat"), *sb = json_object_get(b, "stat");
	int x = diff_same_bytes(c, a, b, "type");

	if (x <= 0)
		return x;
	if (json_is_object(sa) && json_is_object(sb) &&
	    json_object_get(sa, "ino") && json_object_get(sb, "ino"))
		return json_equal(json_object_get(sa, "dev"), json_object_get(sb, "dev")) &&
		       json_equal(json_object_get(sa, "ino"), json_object_get(sb, "ino"));
	if (json_object_get(a, "inode") || json_object_get(b, "inode"))
		return json_equal(json_object_get(a, "inode"), json_object_get(b, "inode"));
	return diff_same_bytes(c, a, b, "target");
}

static int fd_attrs(struct diff_ctx *c, const json_t *a, const json_t *b);

/* One fd number held in both, not a socket: its attributes compared with
 * both records at hand for the changes. */
static int fd_pair(struct diff_ctx *c, const json_t *a, const json_t *b)
{
	int x;

	c->fa = a;
	c->fb = b;
	x = fd_attrs(c, a, b);
	c->fa = c->fb = NULL;
	return x;
}

static int fd_attrs(struct diff_ctx *c, const json_t *a, const json_t *b)
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
		return diff_fd_emit(c, diff_fd_deleted(b) ? DIFF_DELETED : DIFF_FD, "fd", a, b);
	if (!diff_fd_deleted(a) && diff_fd_deleted(b))
		/* Held before, deleted since: its target gained " (deleted)"
		 * too; one line says both. */
		return diff_fd_emit(c, DIFF_DELETED, "fd", a, b);
	x = diff_field(c, a, b, "target", "fd.target", "link", DIFF_F_BYTES, DIFF_FD, (int)n);
	if (!x)
		x = diff_field(c, a, b, "deleted", "fd.deleted", "fstat", DIFF_F_VALUE, DIFF_FD,
			       (int)n);
	if (!x && json_is_object(ca) && json_is_object(cb))
		x = diff_field(c, ca, cb, "sha256", "fd.content.sha256", "content", DIFF_F_BYTES,
			       DIFF_FD, (int)n);
	if (!x)
		x = diff_field(c, a, b, "flags", "fd.flags", "fdinfo", DIFF_F_VALUE, DIFF_FD,
			       (int)n);
	if (!x)
		x = diff_field(c, a, b, "pos", "fd.pos", "fdinfo", DIFF_F_VALUE, DIFF_FD, (int)n);
	for (i = 0; !x && i < sizeof(stat_noise) / sizeof(*stat_noise); i++) {
		snprintf(name, sizeof(name), "fd.stat.%s", stat_noise[i]);
		x = diff_field(c, json_object_get(a, "stat"), json_object_get(b, "stat"),
			       stat_noise[i], name, "fstat", DIFF_F_VALUE, DIFF_FD, (int)n);
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
static int socket_diff(struct diff_ctx *c, const json_t *fa, const json_t *fb)
{
	struct sock *sa = NULL, *sb = NULL;
	size_t na = 0, nb = 0, i = 0, j = 0;
	int x;

	x = sockets(fa, &sa, &na);
	if (!x)
		x = sockets(fb, &sb, &nb);
	while (!x && (i < na || j < nb)) {
		if (j == nb || (i < na && sa[i].inode < sb[j].inode)) {
			x = diff_fd_emit(c, DIFF_SOCKET, "socket", sa[i++].fd, NULL);
		} else if (i == na || sb[j].inode < sa[i].inode) {
			x = diff_fd_emit(c, diff_fd_listening(sb[j].fd) ? DIFF_LISTEN : DIFF_SOCKET,
					 "socket", NULL, sb[j].fd);
			j++;
		} else {
			const json_t *a = sa[i++].fd, *b = sb[j++].fd;

			if (!json_equal(json_object_get(a, "socket"), json_object_get(b, "socket")))
				x = diff_fd_emit(c, diff_fd_listening(b) && !diff_fd_listening(a)
						    ? DIFF_LISTEN : DIFF_SOCKET,
						 "socket", a, b);
		}
	}
	free(sa);
	free(sb);
	return x;
}

/* Both fd lists ascend by fd (the snapshot model checks it). */
int diff_fds(struct diff_ctx *c, const json_t *fa, const json_t *fb)
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
			x = diff_fd_emit(c, DIFF_FD, "fd", a, NULL);
			i++;
		} else if (db < da) {
			x = diff_fd_emit(c, diff_fd_deleted(b) ? DIFF_DELETED : DIFF_FD, "fd",
					 NULL, b);
			j++;
		} else {
			x = fd_pair(c, a, b);
			i++;
			j++;
		}
	}
	return x ? x : socket_diff(c, fa, fb);
}
