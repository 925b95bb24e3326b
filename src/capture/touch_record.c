/* touch_record: how leases and watchers are written — in fd records, content, marks, summary.json. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "capture_int.h"
#include "procfs.h"

/* Marks written per inotify or fanotify fd record: an fds.jsonl line is
 * bounded (docs/FORMAT.md), and the fd's fdinfo is kept whole beside. */
#define MARKS_RECORDED 256

static void put_name(const char *name, void *arg)
{
	jsonw_str(arg, NULL, name);
}

static void put_events(struct jsonw *j, const char *key, bool fanotify, uint32_t mask)
{
	jsonw_aopen(j, key);
	fsnotify_mask_names(fanotify, mask, put_name, j);
	jsonw_aclose(j);
}

static const char *on_name(enum fsnotify_on on)
{
	switch (on) {
	case FSNOTIFY_INODE: return "inode";
	case FSNOTIFY_MOUNT: return "mount";
	case FSNOTIFY_FS: return "filesystem";
	case FSNOTIFY_MNTNS: return "mount_ns";
	}
	return "unknown";
}

/* What a mark is on: the inode or file system by st_dev's encoding. */
static void put_target(struct jsonw *j, const struct fsnotify_mark *m)
{
	jsonw_str(j, "on", on_name(m->on));
	if (m->on == FSNOTIFY_INODE || m->on == FSNOTIFY_FS)
		jsonw_uint(j, "dev", (uint64_t)fsnotify_dev(m->sdev));
	if (m->on == FSNOTIFY_INODE)
		jsonw_uint(j, "ino", m->ino);
	if (m->on == FSNOTIFY_MOUNT)
		jsonw_uint(j, "mnt_id", m->mnt_id);
	if (m->on == FSNOTIFY_MNTNS)
		jsonw_uint(j, "mnt_ns", m->mnt_ns);
}

struct marks_ctx {
	struct jsonw *j;
	size_t n;
};

static void put_mark(const struct fsnotify_mark *m, void *arg)
{
	struct marks_ctx *x = arg;

	if (x->n++ >= MARKS_RECORDED)
		return;
	jsonw_open(x->j, NULL);
	put_target(x->j, m);
	if (!m->fanotify)
		jsonw_uint(x->j, "wd", m->wd);
	put_events(x->j, "events", m->fanotify, m->mask);
	if (m->ignored_mask)
		put_events(x->j, "ignored", m->fanotify, m->ignored_mask);
	if (m->fanotify)
		jsonw_uint(x->j, "mflags", m->mflags);
	jsonw_close(x->j);
}

void touch_record_marks(struct jsonw *j, const char *text, size_t len)
{
	struct marks_ctx x = { j, 0 };
	size_t bad;

	jsonw_aopen(j, "marks");
	bad = fsnotify_parse_marks(text, len, put_mark, &x);
	jsonw_aclose(j);
	if (x.n > MARKS_RECORDED)
		jsonw_uint(j, "marks_total", x.n);
	if (bad)
		jsonw_uint(j, "marks_unparsed", bad);
}

/* One watcher of a file: who, through which mark, which events. */
static void put_watcher(struct jsonw *j, const struct touch_mark *k, const char *via, bool late)
{
	jsonw_open(j, NULL);
	jsonw_int(j, "pid", k->pid);
	jsonw_int(j, "fd", k->fd);
	jsonw_str(j, "api", k->m.fanotify ? "fanotify" : "inotify");
	if (via)
		jsonw_str(j, "via", via);
	put_events(j, "events", k->m.fanotify, k->m.mask & ~k->m.ignored_mask);
	if (fsnotify_permission_events(&k->m))
		jsonw_bool(j, "permission", true);
	if (late)
		jsonw_bool(j, "late", true);
	jsonw_close(j);
}

void touch_record_fd(struct capture *c, struct jsonw *j, const struct stat *st)
{
	const struct touch *t = &c->touch;
	uintptr_t k;

	if (!t->nmarks)
		return;
	k = (uintptr_t)u64map_get(&t->inodes, (uint64_t)st->st_dev, (uint64_t)st->st_ino);
	if (!k)
		return;
	jsonw_aopen(j, "watchers");
	for (; k; k = t->marks[k - 1].next)
		put_watcher(j, &t->marks[k - 1], NULL, false);
	jsonw_aclose(j);
}

/* The leases on s's file, as /proc/locks listed them. */
static void put_leases(struct capture *c, struct jsonw *j, const struct stored *s)
{
	const struct touch *t = &c->touch;
	bool any = false;
	size_t i;

	for (i = 0; i < t->nleases; i++) {
		const struct locks_entry *e = &t->leases[i];

		if (e->ino != s->ino || makedev(e->major, e->minor) != s->dev)
			continue;
		if (!any)
			jsonw_aopen(j, "leases");
		any = true;
		jsonw_open(j, NULL);
		jsonw_int(j, "pid", e->pid);
		jsonw_str(j, "type", e->type);
		jsonw_str(j, "state", e->state);
		if (e->cls == LOCKS_DELEG)
			jsonw_bool(j, "delegation", true);
		jsonw_close(j);
	}
	if (any)
		jsonw_aclose(j);
}

static void put_seen(struct capture *c, struct jsonw *j, const struct stored *s)
{
	size_t i;

	if (!s->nseen)
		return;
	jsonw_aopen(j, "watchers");
	for (i = 0; i < s->nseen; i++)
		put_watcher(j, &c->touch.marks[s->seen[i].mark], touch_via_name(s->seen[i].via),
			    s->seen[i].late);
	jsonw_aclose(j);
}

void touch_record_content(struct capture *c, struct jsonw *j, const struct stored *s)
{
	put_leases(c, j, s);
	if (s->lease_broken)
		jsonw_bool(j, "lease_broken", true);
	put_seen(c, j, s);
}

/* ---- summary.json ---- */

/* Files a lease or a watcher concerns, in a stable order. */
static int cmp_touched(const void *a, const void *b)
{
	const struct stored *x = *(const struct stored *const *)a;
	const struct stored *y = *(const struct stored *const *)b;

	if (x->pid != y->pid)
		return (x->pid > y->pid) - (x->pid < y->pid);
	if (x->fd != y->fd)
		return (x->fd > y->fd) - (x->fd < y->fd);
	if (strcmp(x->member, y->member))
		return strcmp(x->member, y->member);
	if (x->dev != y->dev)
		return (x->dev > y->dev) - (x->dev < y->dev);
	return (x->ino > y->ino) - (x->ino < y->ino);
}

static bool touched(const struct stored *s)
{
	return s->lease_conflict || s->nseen;
}

/* The touched files, sorted (malloc'ed; NULL when none or no memory):
 * those recovered and those opened only to hash them (exec_files). */
static struct stored **touched_list(const struct capture *c, size_t *n)
{
	const struct u64map *const maps[] = { &c->stored, &c->exec_guards };
	struct stored **v = NULL;
	size_t i, m, k = 0;

	for (m = 0; m < 2; m++)
		for (i = 0; i < maps[m]->cap; i++) {
			const struct stored *s = maps[m]->slots[i].value;

			k += s && touched(s);
		}
	*n = 0;
	if (!k || !(v = malloc(k * sizeof(*v))))
		return NULL;
	for (m = 0; m < 2; m++)
		for (i = 0; i < maps[m]->cap; i++) {
			struct stored *s = maps[m]->slots[i].value;

			if (s && touched(s))
				v[(*n)++] = s;
		}
	qsort(v, *n, sizeof(*v), cmp_touched);
	return v;
}

static void count(struct capture *c, const struct stored *s)
{
	if (s->lease_conflict && !s->lease_broken)
		c->st.leased++;
	if (s->lease_broken)
		c->st.leases_broken++;
	if (s->nseen && s->opened)
		c->st.watched_reads++;
	if (s->nseen && !s->opened && !(s->lease_conflict && !s->lease_broken) &&
	    c->o.no_touch_watched)
		c->st.watched_skipped++;
}

/* A watcher of a /proc file, which saw the capture read it. */
static void put_proc_watcher(const struct capture_proc_watcher *w, void *arg)
{
	struct jsonw *j = arg;

	jsonw_open(j, NULL);
	jsonw_int(j, "pid", w->pid);
	jsonw_int(j, "fd", w->fd);
	jsonw_str(j, "api", w->fanotify ? "fanotify" : "inotify");
	jsonw_uint(j, "ino", w->ino);
	if (w->path[0])
		jsonw_str(j, "path", w->path);
	jsonw_bool(j, "sees_reads", w->sees_reads);
	jsonw_close(j);
}

void touch_summary(struct capture *c, struct jsonw *j)
{
	struct touch *t = &c->touch;
	struct stored **v;
	size_t i, n;

	v = touched_list(c, &n);
	jsonw_aopen(j, "touched");
	for (i = 0; i < n; i++) {
		count(c, v[i]);
		jsonw_open(j, NULL);
		if (v[i]->member[0]) {
			jsonw_str(j, "member", v[i]->member);
		} else {
			/* Opened only to hash it (exec_files). */
			jsonw_bytes(j, "path", v[i]->path ? v[i]->path : "", v[i]->path_len);
			jsonw_uint(j, "dev", v[i]->dev);
			jsonw_uint(j, "ino", v[i]->ino);
		}
		jsonw_int(j, "pid", v[i]->pid);
		if (v[i]->fd >= 0)
			jsonw_int(j, "fd", v[i]->fd);
		jsonw_bool(j, "opened", v[i]->opened);
		if (!v[i]->opened && v[i]->res.why)
			jsonw_str(j, "reason", v[i]->res.why);
		touch_record_content(c, j, v[i]);
		jsonw_close(j);
	}
	jsonw_aclose(j);
	free(v);
	if (n && !v)
		c->st.watchers_incomplete = true;
	jsonw_aopen(j, "fanotify_marks");
	for (i = 0; i < t->nglobal; i++) {
		const struct touch_mark *k = &t->marks[t->global[i]];

		jsonw_open(j, NULL);
		jsonw_int(j, "pid", k->pid);
		jsonw_int(j, "fd", k->fd);
		put_target(j, &k->m);
		put_events(j, "events", true, k->m.mask);
		if (fsnotify_permission_events(&k->m))
			jsonw_bool(j, "permission", true);
		jsonw_close(j);
	}
	jsonw_aclose(j);
	jsonw_aopen(j, "proc_watchers");
	touch_each_proc(c, put_proc_watcher, j);
	jsonw_aclose(j);
	c->st.watch_marks = t->nmarks + t->marks_dropped;
	c->st.global_marks = t->nglobal;
	c->st.proc_marks = t->nproc;
	if (t->locks_read && t->locks_err != 0 && t->locks_err != -EFBIG)
		jsonw_str(j, "leases_error", procfs_errname(t->locks_err));
	else if (t->locks_read)
		jsonw_uint(j, "leases_listed", t->nleases);
	if (t->locks_err == -EFBIG)
		jsonw_bool(j, "leases_truncated", true);
	if (t->marks_dropped || t->marks_unread)
		c->st.watchers_incomplete = true;
	jsonw_uint(j, "leased", c->st.leased);
	jsonw_uint(j, "leases_broken", c->st.leases_broken);
	jsonw_uint(j, "watched_reads", c->st.watched_reads);
	jsonw_uint(j, "watched_skipped", c->st.watched_skipped);
	jsonw_uint(j, "watch_marks", c->st.watch_marks);
	jsonw_bool(j, "watchers_incomplete", c->st.watchers_incomplete);
}

void touch_each(const struct capture *c, void (*fn)(const struct capture_touch *t, void *arg),
		void *arg)
{
	struct capture_watcher w[16];
	struct stored **v;
	size_t i, k, n;

	v = touched_list(c, &n);
	for (i = 0; i < n; i++) {
		const struct stored *s = v[i];
		struct capture_touch t = {
			.member = s->member, .path = s->path, .dev = s->dev, .ino = s->ino,
			.pid = s->pid, .fd = s->fd, .opened = s->opened,
			.lease_conflict = s->lease_conflict, .lease_broken = s->lease_broken,
			.why = s->opened ? NULL : s->res.why, .watchers = w,
			.nwatchers = s->nseen,
		};

		for (k = 0; k < s->nseen && k < 16; k++) {
			const struct touch_mark *m = &c->touch.marks[s->seen[k].mark];

			w[k] = (struct capture_watcher){ m->pid, m->fd, touch_via_name(s->seen[k].via),
							 m->m.fanotify, s->seen[k].late };
		}
		t.nshown = k;
		fn(&t, arg);
	}
	free(v);
}
