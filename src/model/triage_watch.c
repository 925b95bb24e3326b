/* triage_watch: each process's inotify and fanotify marks, the files that make a mark a tripwire (deleted, or in /tmp or /dev/shm), and the rule that joins them (#20). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "snapshot.h"
#include "triage_int.h"

/*
 * An implant can watch its own dropped file with inotify or fanotify and
 * learn that a responder read it (IN_OPEN, IN_ACCESS: procsnap's reads
 * are seen too; docs/FORMAT.md "What a read disturbs").  The capture
 * records each notify fd's marks (fd `marks`: the inode's dev and ino),
 * and every file's stat; the join is done here, over the whole snapshot,
 * so the order the processes were met in does not matter: the files are
indexed by (dev, ino) as processes are added (triage_watch_index), and
each mark is one look-up.  Only the files
 * that make a watch suspect are kept: a deleted one, or one in /tmp or
 * /dev/shm.  A mark on an inode no record names (a file nobody holds
 * open, runs or maps) has no path in the archive and is not judged.
 */

static bool in_tmp(const char *p, size_t n)
{
	n = triage_undeleted(p, n);
	return triage_under(p, n, "/tmp") || triage_under(p, n, "/dev/shm");
}

/* Keeps a held file when it is deleted or in /tmp or /dev/shm; target
 * is its name, stat its stat (dev, ino). */
static int add_held(struct triage_pinfo *p, int fd, const json_t *rec, const char *name_key,
		    const json_t *stat, bool deleted, const json_t *content)
{
	struct triage_held *h, *v;
	struct buf name = BUF_INIT;
	int64_t dev, ino;

	if (!snapshot_int(stat, "dev", &dev) || !snapshot_int(stat, "ino", &ino) ||
	    snapshot_bytes(rec, name_key, &name) != 1 || !name.len || name.data[0] != '/' ||
	    !(deleted || in_tmp(name.data, name.len))) {
		buf_free(&name);
		return 0;
	}
	if (p->nheld == p->heldcap) {
		size_t cap = p->heldcap ? p->heldcap * 2 : 8;

		v = realloc(p->held, cap * sizeof(*v));
		if (!v) {
			buf_free(&name);
			return -ENOMEM;
		}
		p->held = v;
		p->heldcap = cap;
	}
	h = &p->held[p->nheld++];
	h->pid = p->pid;
	h->dev = (uint64_t)dev;
	h->ino = (uint64_t)ino;
	h->fd = fd;
	h->deleted = deleted;
	h->path = name;
	h->content = json_is_object(content) ? json_incref((json_t *)(uintptr_t)content) : NULL;
	return 0;
}

/* The marks on inodes of one notify fd record; others (a mount, a file
 * system) are not on a file. */
static int add_marks(struct triage_pinfo *p, const json_t *fd, int n)
{
	const json_t *marks = json_object_get(fd, "marks"), *m;
	const char *kind = snapshot_str(fd, "kind"), *on;
	struct triage_mark *v;
	int64_t dev, ino, total, unparsed;
	bool cut = false;
	size_t i;

	if (!json_is_array(marks)) {
		/* An inotify or fanotify fd whose marks were not recorded. */
		if (kind && (strcmp(kind, "inotify") == 0 || strcmp(kind, "fanotify") == 0) &&
		    p->marks_partial_fd < 0)
			p->marks_partial_fd = n;
		return 0;
	}
	if ((snapshot_int(fd, "marks_total", &total) && (uint64_t)total > json_array_size(marks)) ||
	    (snapshot_int(fd, "marks_unparsed", &unparsed) && unparsed > 0) ||
	    (snapshot_bool(fd, "marks_truncated", &cut) && cut))
		if (p->marks_partial_fd < 0)
			p->marks_partial_fd = n;
	json_array_foreach(marks, i, m) {
		on = snapshot_str(m, "on");
		if (!on || strcmp(on, "inode") != 0 || !snapshot_int(m, "dev", &dev) ||
		    !snapshot_int(m, "ino", &ino))
			continue;
		if (p->nmarks == p->markcap) {
			size_t cap = p->markcap ? p->markcap * 2 : 8;

			v = realloc(p->marks, cap * sizeof(*v));
			if (!v)
				return -ENOMEM;
			p->marks = v;
			p->markcap = cap;
		}
		v = p->marks;
		v[p->nmarks].fd = n;
		v[p->nmarks].dev = (uint64_t)dev;
		v[p->nmarks].ino = (uint64_t)ino;
		v[p->nmarks].api = kind && strcmp(kind, "fanotify") == 0 ? "fanotify" : "inotify";
		v[p->nmarks].events = json_incref(json_object_get(m, "events"));
		p->nmarks++;
	}
	return 0;
}

int triage_watch_fill(struct triage_pinfo *p, const json_t *proc, const json_t *fds)
{
	const json_t *exe = json_object_get(proc, "exe"), *m, *fd;
	bool del = false;
	int64_t n;
	size_t i;
	int x;

	p->marks_partial_fd = -1;
	snapshot_bool(exe, "deleted", &del);
	x = add_held(p, TRIAGE_HELD_EXE, exe, "target", json_object_get(exe, "stat"), del,
		     json_object_get(exe, "content"));
	json_array_foreach(json_object_get(proc, "mapped_deleted"), i, m)
		if (!x)
			x = add_held(p, TRIAGE_HELD_MAP, m, "path", m, true, json_object_get(m, "content"));
	json_array_foreach(fds, i, fd) {
		if (x || !snapshot_int(fd, "fd", &n) || n < 0 || n > INT32_MAX)
			continue;
		del = false;
		snapshot_bool(fd, "deleted", &del);
		x = add_held(p, (int)n, fd, "target", json_object_get(fd, "stat"), del,
			     json_object_get(fd, "content"));
		if (!x)
			x = add_marks(p, fd, (int)n);
	}
	return x;
}

void triage_watch_free(struct triage_pinfo *p)
{
	size_t i;

	for (i = 0; i < p->nmarks; i++)
		json_decref(p->marks[i].events);
	for (i = 0; i < p->nheld; i++) {
		buf_free(&p->held[i].path);
		json_decref(p->held[i].content);
	}
	free(p->marks);
	free(p->held);
	p->marks = NULL;
	p->held = NULL;
	p->nmarks = p->nheld = p->markcap = p->heldcap = 0;
}

int triage_watch_index(struct u64map *m, const struct triage_pinfo *p)
{
	const struct triage_held *old;
	size_t i;

	for (i = 0; i < p->nheld; i++) {
		old = u64map_get(m, p->held[i].dev, p->held[i].ino);
		if (old && (old->deleted || !p->held[i].deleted))
			continue;
		if (u64map_put(m, p->held[i].dev, p->held[i].ino, (void *)(uintptr_t)&p->held[i]))
			return -ENOMEM;
	}
	return 0;
}

static void held_how(struct triage_finding *f, const struct triage_held *h)
{
	if (h->fd == TRIAGE_HELD_EXE)
		triage_what(f, ", the executable of pid %d", h->pid);
	else if (h->fd == TRIAGE_HELD_MAP)
		triage_what(f, ", mapped by pid %d", h->pid);
	else
		triage_what(f, ", held by pid %d as fd %d", h->pid, h->fd);
}

void triage_check_watch_tripwire(struct triage_ctx *c)
{
	const struct triage_pinfo *me = c->me;
	const struct triage_held *h;
	struct triage_finding *f;
	const json_t *e;
	char what[32];
	size_t i, k;

	if (me->marks_partial_fd >= 0) {
		snprintf(what, sizeof(what), "fd %d", me->marks_partial_fd);
		triage_unknown_note(c, PART_FDS, NULL, what, "not every mark of it was recorded");
	}
	for (i = 0; i < me->nmarks; i++) {
		h = u64map_get(c->held, me->marks[i].dev, me->marks[i].ino);
		if (!h || !(f = triage_new(c)))
			continue;
		f->severity = h->deleted ? TRIAGE_HIGH : TRIAGE_MEDIUM;
		f->fd = me->marks[i].fd;
		f->object = "fd";
		triage_what(f, "watches (%s", me->marks[i].api);
		json_array_foreach(me->marks[i].events, k, e)
			if (json_is_string(e))
				triage_what(f, "%s%s", k ? "," : " ", json_string_value(e));
		triage_what(f, ") %s: ", h->deleted ? "a deleted file" : "a file in /tmp or /dev/shm");
		triage_what_bytes(f, h->path.data, h->path.len);
		held_how(f, h);
		triage_set_path(f, h->path.data, h->path.len);
		triage_set_content(f, h->content);
		triage_emit(c, f);
	}
}
