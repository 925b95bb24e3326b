/* touch: who would notice a read — the leases of /proc/locks, the inotify and fanotify marks met — and whether to open. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "capture_int.h"
#include "parse.h"
#include "procfs.h"

/* /proc/locks is read whole: a line is about 60 bytes, so this is a
 * million locks. */
#define LOCKS_MAX (64u << 20)

/*
 * ---- leases ----
 *
 * An open for reading breaks a WRITE lease: the holder gets SIGIO and its
 * lease drops to a pending break, whether the open is O_NONBLOCK or not
 * (the non-blocking open fails with EWOULDBLOCK, the break is started
 * anyway: fs/locks.c __break_lease).  A READ lease is broken only by an
 * open for writing, which procsnap never does.  /proc/locks lists every
 * lease with its holder's pid (in our pid namespace) and the file's
 * MAJOR:MINOR:INODE, so a lease is known without touching its file.
 * It is read once, when the first file is about to be opened, not at the
 * start: /proc/locks can be watched by anyone (inotify needs only read
 * access), and a capture that opens nothing should not read it.
 */
static void read_leases(struct capture *c)
{
	struct touch *t = &c->touch;
	struct buf b = BUF_INIT;
	const char *p, *end;
	bool truncated;
	size_t cap = 0;
	int r;

	t->locks_read = true;
	r = procfs_read(c->rootfd, "locks", LOCKS_MAX, &b, &truncated);
	if (r) {
		t->locks_err = r;
		goto out;
	}
	if (truncated)
		t->locks_err = -EFBIG;
	for (p = b.data, end = p + b.len; p && p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		struct locks_entry e;

		if (locks_parse_line(p, (size_t)(le - p), &e) == 0 && !e.waiter && e.has_inode &&
		    (e.cls == LOCKS_LEASE || e.cls == LOCKS_DELEG)) {
			if (t->nleases == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				struct locks_entry *n = realloc(t->leases, ncap * sizeof(*n));

				if (!n) {
					t->locks_err = -ENOMEM;
					break;
				}
				t->leases = n;
				cap = ncap;
			}
			t->leases[t->nleases++] = e;
		}
		p = le + 1;
	}
out:
	buf_free(&b);
}

static bool lease_on(const struct locks_entry *e, uint64_t dev, uint64_t ino)
{
	return e->ino == ino && makedev(e->major, e->minor) == dev;
}

/* Why a file is not opened: the first lease an open would break. */
static void lease_why(struct stored *s, const struct locks_entry *e)
{
	if (strcmp(e->state, "BREAKING") == 0)
		snprintf(s->why, sizeof(s->why),
			 "%s held by pid %d is being broken (to %s): an open would wait for it",
			 e->cls == LOCKS_DELEG ? "delegation" : "lease", e->pid, e->type);
	else
		snprintf(s->why, sizeof(s->why),
			 "%s %s held by pid %d: opening the file would signal its holder "
			 "(--break-leases opens it)",
			 e->type, e->cls == LOCKS_DELEG ? "delegation" : "lease", e->pid);
}

/* ---- marks ---- */

/* Adds mark index idx to the watchers of s (once). */
static void add_seen(struct capture *c, struct stored *s, uint32_t idx, enum touch_via via,
		     bool late)
{
	size_t i;

	for (i = 0; i < s->nseen; i++)
		if (s->seen[i].mark == idx)
			return;
	if (s->nseen == s->seencap) {
		size_t cap = s->seencap ? s->seencap * 2 : 4;
		struct touch_seen *n = realloc(s->seen, cap * sizeof(*n));

		if (!n) {
			c->touch.marks_unread++;
			return;
		}
		s->seen = n;
		s->seencap = cap;
	}
	s->seen[s->nseen++] = (struct touch_seen){ idx, via, late };
}

/* Whether a mark on s's directory reports its reads: every child's for
 * a file that is there (s->live, opened to hash it), an unlinked one's
 * only for some marks (fsnotify.h). */
static bool dir_sees(const struct fsnotify_mark *m, const struct stored *s)
{
	return s->live ? fsnotify_sees_children(m) : fsnotify_sees_unlinked_children(m);
}

/* Whether a mark on a mount or a file system covers s. */
static bool global_covers(const struct touch_mark *k, const struct stored *s)
{
	if (k->m.on == FSNOTIFY_FS)
		return k->dev == s->dev;
	/* A mount mark, when s's mount is not known: it may. */
	return k->m.on == FSNOTIFY_MOUNT && (s->mnt_id < 0 || (uint64_t)s->mnt_id == k->m.mnt_id);
}

/*
 * A mark met after some files were already read (its process comes later
 * in pid order than theirs): the files it saw get it as a late watcher.
 * procsnap cannot tell whether the mark was already there at the read;
 * it was when met, so it is listed.
 */
static void match_late(struct capture *c, uint32_t idx)
{
	/* The files recovered, and those opened only to hash them. */
	struct u64map *const maps[] = { &c->stored, &c->exec_guards };
	const struct touch_mark *k = &c->touch.marks[idx];
	struct stored *s;
	size_t i, m;

	if (!fsnotify_read_events(&k->m))
		return;
	if (k->m.on == FSNOTIFY_INODE) {
		for (m = 0; m < 2; m++) {
			s = u64map_get(maps[m], k->dev, k->m.ino);
			if (s && s->opened)
				add_seen(c, s, idx, TOUCH_VIA_INODE, true);
		}
		for (s = u64map_get(&c->touch.dirs, k->dev, k->m.ino); s; s = s->sibling)
			if (dir_sees(&k->m, s))
				add_seen(c, s, idx, TOUCH_VIA_DIR, true);
		return;
	}
	for (m = 0; m < 2; m++)
		for (i = 0; i < maps[m]->cap; i++) {
			s = maps[m]->slots[i].value;
			if (s && s->opened && global_covers(k, s))
				add_seen(c, s, idx,
					 k->m.on == FSNOTIFY_FS ? TOUCH_VIA_FS : TOUCH_VIA_MOUNT,
					 true);
		}
}

struct add_ctx {
	struct capture *c;
	int pid, fd;
	int err;
};

/* Appends idx to a list of mark indexes. */
static int add_list(uint32_t **v, size_t *n, size_t *cap, uint32_t idx)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		uint32_t *p = realloc(*v, nc * sizeof(*p));

		if (!p)
			return -ENOMEM;
		*v = p;
		*cap = nc;
	}
	(*v)[(*n)++] = idx;
	return 0;
}

static void add_mark(const struct fsnotify_mark *m, void *arg)
{
	struct add_ctx *a = arg;
	struct touch *t = &a->c->touch;
	struct touch_mark *k;
	uint32_t idx;

	if (a->err)
		return;
	if (t->nmarks == TOUCH_MAX_MARKS) {
		t->marks_dropped++;
		return;
	}
	if (t->nmarks == t->mcap) {
		size_t cap = t->mcap ? t->mcap * 2 : 64;
		struct touch_mark *n = realloc(t->marks, cap * sizeof(*n));

		if (!n) {
			a->err = -ENOMEM;
			return;
		}
		t->marks = n;
		t->mcap = cap;
	}
	idx = (uint32_t)t->nmarks++;
	k = &t->marks[idx];
	*k = (struct touch_mark){ .pid = a->pid, .fd = a->fd, .m = *m };
	if (m->on == FSNOTIFY_INODE || m->on == FSNOTIFY_FS)
		k->dev = fsnotify_dev(m->sdev);
	if ((m->on != FSNOTIFY_INODE && add_list(&t->global, &t->nglobal, &t->gcap, idx)) ||
	    (m->on == FSNOTIFY_INODE && t->proc_dev && k->dev == t->proc_dev &&
	     add_list(&t->proc, &t->nproc, &t->pcap, idx))) {
		t->nmarks--;
		a->err = -ENOMEM;
		return;
	}
	if (m->on == FSNOTIFY_INODE) {
		/* Chained in the order met: the first mark on an inode heads. */
		uintptr_t head = (uintptr_t)u64map_get(&t->inodes, k->dev, m->ino);

		if (!head) {
			if (u64map_put(&t->inodes, k->dev, m->ino, (void *)(uintptr_t)(idx + 1))) {
				t->nmarks--;
				a->err = -ENOMEM;
				return;
			}
		} else {
			while (t->marks[head - 1].next)
				head = t->marks[head - 1].next;
			t->marks[head - 1].next = idx + 1;
		}
	}
	match_late(a->c, idx);
}

int touch_add_marks(struct capture *c, int pid, int fd, const char *text, size_t len,
		    bool truncated)
{
	struct add_ctx a = { c, pid, fd, 0 };

	/* Scanned before any read: this fd's marks are in already. */
	if (c->touch.scanned)
		return 0;
	c->touch.marks_unread += fsnotify_parse_marks(text, len, add_mark, &a);
	if (truncated)
		c->touch.marks_unread++;
	return a.err;
}

/* ---- where a file lives ---- */

/*
 * The directory of a deleted file, by the name the kernel gives it
 * ("/dir/name (deleted)"): a watch on that directory sees the reads of
 * its unlinked children.  The name is resolved first in the holder's root
 * (/proc/PID/root: right for a process in another mount namespace), then
 * in ours; it must be a directory on the file's own device.  A name is
 * only a name: a directory renamed since the unlink is not found.  A file
 * that is not deleted (s->live: a library opened to hash it) has its
 * name as it is.  Both stats take what the kernel has cached
 * (AT_STATX_DONT_SYNC): the directory may be on a FUSE or NFS server
 * that has stopped answering, and this runs outside the watchdog.
 */
static void find_parent(struct capture *c, struct stored *s, const char *path, size_t len)
{
	static const char suffix[] = " (deleted)";
	char dir[PATH_MAX], via[PATH_MAX + 32];
	struct stat st;
	size_t n;

	/* A memfd has no directory: its name is the kernel's. */
	if (!path || !len || path[0] != '/' || (len >= 7 && memcmp(path, "/memfd:", 7) == 0))
		return;
	if (!s->live && (len < sizeof(suffix) ||
			 memcmp(path + len - (sizeof(suffix) - 1), suffix, sizeof(suffix) - 1) != 0))
		return;
	if (!s->live)
		len -= sizeof(suffix) - 1;
	for (n = len; n > 0 && path[n - 1] != '/'; n--)
		;
	if (n == 0 || n >= sizeof(dir) || memchr(path, '\0', len))
		return;
	memcpy(dir, path, n);
	dir[n > 1 ? n - 1 : 1] = '\0'; /* "/a/b/" -> "/a/b"; "/" stays */
	if (s->pid > 0 && snprintf(via, sizeof(via), "%d/root%s", s->pid, dir) < (int)sizeof(via) &&
	    procfs_statx(c->rootfd, via, AT_NO_AUTOMOUNT | AT_STATX_DONT_SYNC, &st, NULL) == 0 &&
	    S_ISDIR(st.st_mode) && st.st_dev == s->dev)
		goto found;
	if (procfs_statx(AT_FDCWD, dir, AT_NO_AUTOMOUNT | AT_STATX_DONT_SYNC, &st, NULL) == 0 &&
	    S_ISDIR(st.st_mode) &&
	    st.st_dev == s->dev)
		goto found;
	return;
found:
	s->have_parent = true;
	s->pdev = st.st_dev;
	s->pino = st.st_ino;
}

/* Where a file about to be opened lives: its directory, its mount. */
static void locate(struct capture *c, struct stored *s, const struct touch_ask *a)
{
	struct parse_fdinfo fi;
	struct buf b = BUF_INIT;
	char name[48];
	bool truncated;

	/* The mount a mount mark watches is the one the file is opened
	 * through: the holder's fd's (its fdinfo), else our pin's. */
	s->mnt_id = a->mnt_id;
	snprintf(name, sizeof(name), "self/fdinfo/%d", a->pinfd);
	if (s->mnt_id < 0 && a->pinfd >= 0 &&
	    procfs_read(c->rootfd, name, 4096, &b, &truncated) == 0 &&
	    parse_fdinfo(b.data, b.len, &fi) == 0 && fi.has_mnt_id)
		s->mnt_id = fi.mnt_id;
	buf_free(&b);
	find_parent(c, s, a->path, a->path_len);
}

/* ---- the decision ---- */

/* The watchers known now that would see s opened; its leases. */
static void look(struct capture *c, struct stored *s, const struct touch_ask *a)
{
	struct touch *t = &c->touch;
	const struct locks_entry *lease = NULL;
	uintptr_t k;
	size_t i;

	s->gated = true;
	if (!t->locks_read)
		read_leases(c);
	locate(c, s, a);
	for (i = 0; i < t->nleases && !lease; i++)
		if (lease_on(&t->leases[i], s->dev, s->ino) && locks_read_conflicts(&t->leases[i]))
			lease = &t->leases[i];
	if (lease) {
		s->lease_conflict = true;
		lease_why(s, lease);
	}
	if (!t->nmarks)
		return;
	for (k = (uintptr_t)u64map_get(&t->inodes, s->dev, s->ino); k; k = t->marks[k - 1].next)
		if (fsnotify_read_events(&t->marks[k - 1].m))
			add_seen(c, s, (uint32_t)(k - 1), TOUCH_VIA_INODE, false);
	if (s->have_parent)
		for (k = (uintptr_t)u64map_get(&t->inodes, s->pdev, s->pino); k;
		     k = t->marks[k - 1].next)
			if (fsnotify_read_events(&t->marks[k - 1].m) &&
			    dir_sees(&t->marks[k - 1].m, s))
				add_seen(c, s, (uint32_t)(k - 1), TOUCH_VIA_DIR, false);
	for (i = 0; i < t->nglobal; i++) {
		const struct touch_mark *m = &t->marks[t->global[i]];

		if (fsnotify_read_events(&m->m) && global_covers(m, s))
			add_seen(c, s, t->global[i],
				 m->m.on == FSNOTIFY_FS ? TOUCH_VIA_FS : TOUCH_VIA_MOUNT, false);
	}
}

enum content_gate touch_gate(void *arg, const struct stat *st, struct content_result *res)
{
	struct touch_ask *a = arg;
	struct capture *c = a->c;
	struct stored *s = a->s;

	(void)st;
	if (!s->gated)
		look(c, s, a);
	if (s->lease_conflict && !c->o.break_leases) {
		res->status = CONTENT_SKIPPED;
		res->why = s->why;
		return CONTENT_GATE_REFUSE;
	}
	if (s->nseen && c->o.no_touch_watched) {
		const struct touch_mark *m = &c->touch.marks[s->seen[0].mark];

		snprintf(s->why, sizeof(s->why),
			 "watched: pid %d (fd %d, %s on its %s)%s would see it read "
			 "(--no-touch-watched)",
			 m->pid, m->fd, m->m.fanotify ? "fanotify" : "inotify",
			 touch_via_name(s->seen[0].via), s->nseen > 1 ? " and others" : "");
		res->status = CONTENT_SKIPPED;
		res->why = s->why;
		return CONTENT_GATE_REFUSE;
	}
	if (s->lease_conflict) {
		s->lease_broken = true;
		return CONTENT_GATE_OPEN_WAIT;
	}
	return CONTENT_GATE_OPEN;
}

void touch_opened(struct capture *c, struct stored *s)
{
	if (s->opened)
		return;
	s->opened = true;
	if (!s->have_parent)
		return;
	s->sibling = u64map_get(&c->touch.dirs, s->pdev, s->pino);
	if (u64map_put(&c->touch.dirs, s->pdev, s->pino, s)) {
		s->sibling = NULL;
		c->touch.marks_unread++;
	}
}

/*
 * The /proc in use.  Reading a /proc file is an open and a read like any
 * other: a mark on it sees them.  And no privilege is needed to put one:
 * inotify asks only for read access, so anyone can watch /proc itself,
 * /proc/locks, or the world-readable files of any process (its status,
 * stat, cmdline, its directory), and a process its own.  Such marks are
 * the capture's own watchers; they are listed apart (proc_watchers).
 */
void touch_start(struct capture *c)
{
	struct statfs sf;
	struct stat st;

	/* A proc root that is not procfs (--proc DIR, tests) has none. */
	if (fstatfs(c->rootfd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC &&
	    fstat(c->rootfd, &st) == 0)
		c->touch.proc_dev = (uint64_t)st.st_dev;
}

const char *touch_via_name(enum touch_via via)
{
	static const char *const names[] = { "file", "directory", "mount", "filesystem" };

	return names[via];
}

void touch_free(struct touch *t)
{
	free(t->leases);
	free(t->marks);
	free(t->global);
	free(t->proc);
	u64map_free(&t->inodes, NULL);
	u64map_free(&t->dirs, NULL);
	memset(t, 0, sizeof(*t));
}

/* What a mark on /proc is on: the watcher's own files and the host's
 * are tried (stat(2) is no event), else only the inode is known. */
static void proc_name(const struct capture *c, const struct touch_mark *k, char *out, size_t n)
{
	static const char *const top[] = { "", "locks", "stat", "mounts", "self", NULL };
	static const char *const per[] = {
		"", "status", "stat", "cmdline", "environ", "maps", "cgroup", "fd", "fdinfo",
		"task", "ns", "mountinfo", "exe", "net", "smaps", "io", NULL,
	};
	char path[64];
	struct stat st;
	size_t i;

	for (i = 0; top[i]; i++)
		if (fstatat(c->rootfd, top[i][0] ? top[i] : ".", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    st.st_ino == k->m.ino) {
			snprintf(out, n, "/proc/%s", top[i]);
			return;
		}
	for (i = 0; per[i]; i++) {
		snprintf(path, sizeof(path), "%d%s%s", k->pid, per[i][0] ? "/" : "", per[i]);
		if (fstatat(c->rootfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_ino == k->m.ino) {
			snprintf(out, n, "/proc/%s", path);
			return;
		}
	}
	out[0] = '\0';
}

void touch_each_proc(const struct capture *c,
		     void (*fn)(const struct capture_proc_watcher *w, void *arg), void *arg)
{
	const struct touch *t = &c->touch;
	char name[96];
	size_t i;

	for (i = 0; i < t->nproc; i++) {
		const struct touch_mark *k = &t->marks[t->proc[i]];
		struct capture_proc_watcher w = { k->pid, k->fd, k->m.fanotify, k->m.ino, name,
						  fsnotify_read_events(&k->m) != 0 };

		proc_name(c, k, name, sizeof(name));
		fn(&w, arg);
	}
}
