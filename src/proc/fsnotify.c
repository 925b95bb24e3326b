/* fsnotify: a pure parser of the marks in inotify and fanotify fds' fdinfo, and what they see. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "fsnotify.h"

/* inotify(7) and fanotify_mark(2) event bits: the ones a read makes. */
#define IN_ACCESS 0x1u
#define IN_CLOSE_NOWRITE 0x10u
#define IN_OPEN 0x20u
#define IN_EXCL_UNLINK 0x04000000u
#define FAN_PERM_EVENTS 0x00130000u /* OPEN_PERM, ACCESS_PERM, PRE_ACCESS */
#define FAN_OPEN_EXEC_PERM 0x40000u
#define FAN_EVENT_ON_CHILD 0x08000000u

/* "key:HEX" at *p (after spaces); advances past it.  false when absent. */
static bool field(const char **p, const char *end, const char *key, uint64_t max,
		  unsigned base, uint64_t *out)
{
	const char *s = *p;
	size_t kl = strlen(key);
	uint64_t v = 0;
	bool any = false;

	while (s < end && *s == ' ')
		s++;
	if ((size_t)(end - s) <= kl || memcmp(s, key, kl) != 0 || s[kl] != ':')
		return false;
	for (s += kl + 1; s < end && *s != ' '; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else
			return false;
		if (v > (max - d) / base)
			return false;
		v = v * base + d;
		any = true;
	}
	*p = s;
	*out = v;
	return any;
}

static bool starts(const char *s, const char *end, const char *prefix)
{
	size_t n = strlen(prefix);

	return (size_t)(end - s) >= n && memcmp(s, prefix, n) == 0;
}

/* The fields every fanotify mark ends with. */
static bool fan_tail(const char **p, const char *end, struct fsnotify_mark *m)
{
	uint64_t fl, mask, ign;

	if (!field(p, end, "mflags", UINT32_MAX, 16, &fl) ||
	    !field(p, end, "mask", UINT32_MAX, 16, &mask) ||
	    !field(p, end, "ignored_mask", UINT32_MAX, 16, &ign))
		return false;
	m->mflags = (uint32_t)fl;
	m->mask = (uint32_t)mask;
	m->ignored_mask = (uint32_t)ign;
	return true;
}

static int inotify_mark(const char *p, const char *end, struct fsnotify_mark *m)
{
	uint64_t wd, dev, mask, ign;

	if (!field(&p, end, "wd", UINT32_MAX, 16, &wd) ||
	    !field(&p, end, "ino", UINT64_MAX, 16, &m->ino) ||
	    !field(&p, end, "sdev", UINT32_MAX, 16, &dev) ||
	    !field(&p, end, "mask", UINT32_MAX, 16, &mask) ||
	    !field(&p, end, "ignored_mask", UINT32_MAX, 16, &ign))
		return -EINVAL;
	m->on = FSNOTIFY_INODE;
	m->wd = (uint32_t)wd;
	m->sdev = (uint32_t)dev;
	m->mask = (uint32_t)mask;
	m->ignored_mask = (uint32_t)ign;
	return 0;
}

static int fanotify_mark(const char *p, const char *end, struct fsnotify_mark *m)
{
	uint64_t v;

	m->fanotify = true;
	if (starts(p, end, "ino:")) {
		m->on = FSNOTIFY_INODE;
		if (!field(&p, end, "ino", UINT64_MAX, 16, &m->ino) ||
		    !field(&p, end, "sdev", UINT32_MAX, 16, &v))
			return -EINVAL;
		m->sdev = (uint32_t)v;
	} else if (starts(p, end, "mnt_id:")) {
		m->on = FSNOTIFY_MOUNT;
		if (!field(&p, end, "mnt_id", UINT64_MAX, 16, &m->mnt_id))
			return -EINVAL;
	} else if (starts(p, end, "sdev:")) {
		m->on = FSNOTIFY_FS;
		if (!field(&p, end, "sdev", UINT32_MAX, 16, &v))
			return -EINVAL;
		m->sdev = (uint32_t)v;
	} else if (starts(p, end, "mnt_ns:")) {
		/* The namespace's inode, in decimal (its ns/mnt link's). */
		m->on = FSNOTIFY_MNTNS;
		if (!field(&p, end, "mnt_ns", UINT64_MAX, 10, &m->mnt_ns))
			return -EINVAL;
	} else {
		return -ENOENT; /* "fanotify flags:..": the group, not a mark */
	}
	return fan_tail(&p, end, m) ? 0 : -EINVAL;
}

int fsnotify_parse_mark(const char *line, size_t n, struct fsnotify_mark *out)
{
	const char *end = line + n;

	memset(out, 0, sizeof(*out));
	if (starts(line, end, "inotify wd:"))
		return inotify_mark(line + 8, end, out);
	if (starts(line, end, "fanotify "))
		return fanotify_mark(line + 9, end, out);
	return -ENOENT;
}

size_t fsnotify_parse_marks(const char *s, size_t n,
			    void (*fn)(const struct fsnotify_mark *m, void *arg), void *arg)
{
	const char *p = s, *end = s + n;
	size_t bad = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		struct fsnotify_mark m;
		int r = fsnotify_parse_mark(p, (size_t)(le - p), &m);

		if (r == 0)
			fn(&m, arg);
		else if (r == -EINVAL)
			bad++;
		p = le + 1;
	}
	return bad;
}

dev_t fsnotify_dev(uint32_t sdev)
{
	/* include/linux/kdev_t.h: MINORBITS 20. */
	return makedev(sdev >> 20, sdev & 0xfffffu);
}

uint32_t fsnotify_read_events(const struct fsnotify_mark *m)
{
	uint32_t reads = IN_ACCESS | IN_CLOSE_NOWRITE | IN_OPEN; /* same bits in fanotify */

	if (m->fanotify)
		reads |= FAN_PERM_EVENTS;
	return m->mask & ~m->ignored_mask & reads;
}

uint32_t fsnotify_permission_events(const struct fsnotify_mark *m)
{
	return m->fanotify ? m->mask & ~m->ignored_mask & (FAN_PERM_EVENTS | FAN_OPEN_EXEC_PERM)
			   : 0;
}

bool fsnotify_sees_unlinked_children(const struct fsnotify_mark *m)
{
	if (m->on != FSNOTIFY_INODE)
		return false;
	return m->fanotify ? (m->mask & FAN_EVENT_ON_CHILD) != 0
			   : (m->mask & IN_EXCL_UNLINK) == 0;
}

bool fsnotify_sees_children(const struct fsnotify_mark *m)
{
	if (m->on != FSNOTIFY_INODE)
		return false;
	return !m->fanotify || (m->mask & FAN_EVENT_ON_CHILD) != 0;
}

void fsnotify_mask_names(bool fanotify, uint32_t mask,
			 void (*fn)(const char *name, void *arg), void *arg)
{
	/* Bit i's name, inotify(7) and fanotify_mark(2); NULL: not defined. */
	static const char *const in_names[32] = {
		"access", "modify", "attrib", "close_write", "close_nowrite", "open",
		"moved_from", "moved_to", "create", "delete", "delete_self", "move_self",
		NULL, "unmount", "q_overflow", "ignored", NULL, NULL, NULL, NULL, NULL,
		NULL, NULL, NULL, "onlydir", "dont_follow", "excl_unlink", NULL,
		"mask_create", "mask_add", "isdir", "oneshot",
	};
	static const char *const fan_names[32] = {
		"access", "modify", "attrib", "close_write", "close_nowrite", "open",
		"moved_from", "moved_to", "create", "delete", "delete_self", "move_self",
		"open_exec", NULL, "q_overflow", "fs_error", "open_perm", "access_perm",
		"open_exec_perm", NULL, "pre_access", NULL, NULL, NULL, "mnt_attach",
		"mnt_detach", NULL, "event_on_child", "rename", NULL, "ondir", NULL,
	};
	const char *const *names = fanotify ? fan_names : in_names;
	unsigned i;

	for (i = 0; i < 32; i++) {
		char hex[16];

		if (!(mask & (1u << i)))
			continue;
		if (names[i]) {
			fn(names[i], arg);
		} else {
			snprintf(hex, sizeof(hex), "0x%x", 1u << i);
			fn(hex, arg);
		}
	}
}
