/* snapreader_member: what a member may be — its name (docs/FORMAT.md), type, size, place. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "snapreader_int.h"

/* The raw /proc files a snapshot keeps (docs/FORMAT.md). */
static const char *const raw_files[] = {
	"stat", "status", "cmdline", "environ", "maps", "cgroup", "auxv", NULL,
};

const char *snapreader_kind_name(enum snap_kind k)
{
	static const char *const names[] = {
		[SNAP_M_FORMAT] = "format", [SNAP_M_HOST] = "host", [SNAP_M_NET] = "net",
		[SNAP_M_RAW] = "raw", [SNAP_M_CONTENT] = "content", [SNAP_M_FDS] = "fds",
		[SNAP_M_PROCESS] = "process", [SNAP_M_SUMMARY] = "summary",
		[SNAP_M_MANIFEST] = "manifest", [SNAP_M_MOUNTS] = "mounts",
		[SNAP_M_MEMORY] = "memory",
		[SNAP_M_HOSTFILE] = "hostfile",
		[SNAP_M_UNKNOWN] = "unknown",
	};

	return (unsigned)k < sizeof(names) / sizeof(*names) ? names[k] : "unknown";
}

/* A decimal number without a leading zero, at most max; advances *p. */
static bool number(const char **p, uint64_t max, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9'))
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*p = s;
	*out = v;
	return true;
}

/* Lowercase hex as procsnap prints an address (%llx): no leading zero but
 * for 0 itself, at most 16 digits; advances *p. */
static bool hex_address(const char **p, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	int n = 0;

	for (; (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f'); s++, n++) {
		if (n == 16 || (n == 1 && v == 0))
			return false;
		v = v << 4 | (uint64_t)(*s <= '9' ? *s - '0' : *s - 'a' + 10);
	}
	if (n == 0)
		return false;
	*p = s;
	*out = v;
	return true;
}

/* "mem/START-END" of proc/PID/: a memory region, START < END. */
static bool memory_name(const char *p, struct snap_member *m)
{
	uint64_t a, b;

	if (strncmp(p, "mem/", 4) != 0)
		return false;
	p += 4;
	if (!hex_address(&p, &a) || *p++ != '-' || !hex_address(&p, &b) || *p || a >= b)
		return false;
	m->start = a;
	m->end = b;
	return true;
}

/*
 * host/etc/PATH, host/proc/PATH: a raw copy of a host file, PATH as on
 * the host (docs/FORMAT.md, "Host files").  Any such PATH of plain
 * segments ([A-Za-z0-9._-], no "." or ".."), so that a file added to the
 * writer's table needs no reader change.
 */
static bool host_file_name(const char *rel)
{
	const char *p, *seg;

	if (strncmp(rel, "host/etc/", 9) == 0)
		p = rel + 9;
	else if (strncmp(rel, "host/proc/", 10) == 0)
		p = rel + 10;
	else
		return false;
	if (strlen(p) > 128)
		return false;
	for (seg = p;; p++) {
		if (*p == '/' || !*p) {
			size_t n = (size_t)(p - seg);

			if (n == 0 || (n == 1 && seg[0] == '.') ||
			    (n == 2 && seg[0] == '.' && seg[1] == '.'))
				return false;
			if (!*p)
				return true;
			seg = p + 1;
		} else if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			     (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-')) {
			return false;
		}
	}
}

enum snap_kind snapreader_classify(const char *rel, struct snap_member *m)
{
	const char *p;
	uint64_t a, b;
	size_t i;

	m->pid = 0;
	m->file = "";
	m->dev = m->ino = m->ns = 0;
	m->start = m->end = 0;
	if (strcmp(rel, "format.json") == 0)
		return SNAP_M_FORMAT;
	if (strcmp(rel, "host.json") == 0)
		return SNAP_M_HOST;
	if (strcmp(rel, "summary.json") == 0)
		return SNAP_M_SUMMARY;
	if (strcmp(rel, "MANIFEST.sha256") == 0)
		return SNAP_M_MANIFEST;
	if (host_file_name(rel)) {
		m->file = rel + 5;
		return SNAP_M_HOSTFILE;
	}
	if (strncmp(rel, "host/mnt/", 9) == 0) {
		p = rel + 9;
		if (!number(&p, UINT64_MAX, &a) || a == 0 || strcmp(p, "/mountinfo") != 0)
			return SNAP_M_UNKNOWN;
		m->ns = a;
		m->file = p + 1;
		return SNAP_M_MOUNTS;
	}
	if (strncmp(rel, "host/net/", 9) == 0) {
		p = rel + 9;
		/* host/net/NSINO/NAME: another network namespace's table. */
		if (*p >= '0' && *p <= '9') {
			if (!number(&p, UINT64_MAX, &a) || a == 0 || *p++ != '/')
				return SNAP_M_UNKNOWN;
			m->ns = a;
		}
		for (i = 0; p[i]; i++)
			if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9')))
				return SNAP_M_UNKNOWN;
		if (i == 0 || i > 16)
			return SNAP_M_UNKNOWN;
		m->file = p;
		return SNAP_M_NET;
	}
	if (strncmp(rel, "proc/", 5) == 0) {
		p = rel + 5;
		if (!number(&p, INT_MAX, &a) || a == 0 || *p++ != '/')
			return SNAP_M_UNKNOWN;
		m->pid = (int)a;
		m->file = p;
		if (strcmp(p, "fds.jsonl") == 0)
			return SNAP_M_FDS;
		if (strcmp(p, "process.json") == 0)
			return SNAP_M_PROCESS;
		for (i = 0; raw_files[i]; i++)
			if (strcmp(p, raw_files[i]) == 0)
				return SNAP_M_RAW;
		if (memory_name(p, m))
			return SNAP_M_MEMORY;
		m->pid = 0;
		m->file = "";
		return SNAP_M_UNKNOWN;
	}
	if (strncmp(rel, "content/", 8) == 0) {
		p = rel + 8;
		if (!number(&p, UINT64_MAX, &a) || *p++ != '-' ||
		    !number(&p, UINT64_MAX, &b) || *p)
			return SNAP_M_UNKNOWN;
		m->dev = a;
		m->ino = b;
		return SNAP_M_CONTENT;
	}
	return SNAP_M_UNKNOWN;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '/';
}

/*
 * A name is checked for what could escape a directory first (absolute,
 * ".."), then for anything a procsnap name never holds.  Names are made
 * by procsnap from numbers and fixed words only (docs/FORMAT.md), so the
 * allowed alphabet is small.
 */
static int check_name(struct snapreader *r, const char *path)
{
	size_t n = strlen(path), i;
	const char *c;

	if (n == 0)
		return snapreader_fail(r, -EBADMSG, "a member has an empty name");
	if (path[0] == '/')
		return snapreader_fail(r, -EBADMSG, "absolute member name '%s': a snapshot's "
				       "names are relative to its top directory",
				       snapreader_quotes(r, path));
	for (c = path; c; c = strchr(c, '/')) {
		if (*c == '/')
			c++;
		if (c[0] == '.' && c[1] == '.' && (c[2] == '/' || c[2] == '\0'))
			return snapreader_fail(r, -EBADMSG, "member name '%s' climbs out of "
					       "the archive's directory with '..'",
					       snapreader_quotes(r, path));
	}
	if (n > SNAPREADER_MAX_NAME)
		return snapreader_fail(r, -EBADMSG, "member name of %zu bytes ('%s'): longer "
				       "than any snapshot name", n, snapreader_quotes(r, path));
	for (i = 0; i < n; i++)
		if (!name_char(path[i]))
			return snapreader_fail(r, -EBADMSG, "member name '%s' holds a "
					       "character no snapshot name has",
					       snapreader_quotes(r, path));
	return 0;
}

/* A snapshot holds regular files only (docs/FORMAT.md). */
static int check_type(struct snapreader *r, struct archive_entry *e, const char *path)
{
	const char *what, *link = NULL;

	if (archive_entry_hardlink(e)) {
		link = archive_entry_hardlink(e);
		what = "a hard link";
	} else {
		switch (archive_entry_filetype(e)) {
		case AE_IFREG: return 0;
		case AE_IFLNK: what = "a symbolic link"; link = archive_entry_symlink(e); break;
		case AE_IFDIR: what = "a directory"; break;
		case AE_IFCHR: what = "a character device"; break;
		case AE_IFBLK: what = "a block device"; break;
		case AE_IFIFO: what = "a FIFO"; break;
		case AE_IFSOCK: what = "a socket"; break;
		default: what = "not a regular file"; break;
		}
	}
	if (link) {
		char q[QUOTE_MAX * 4 + 8];

		snprintf(q, sizeof(q), "%s", snapreader_quotes(r, link));
		return snapreader_fail(r, -EBADMSG, "member %s is %s to '%s': a snapshot "
				       "holds only regular files", snapreader_quotes(r, path),
				       what, q);
	}
	return snapreader_fail(r, -EBADMSG, "member %s is %s: a snapshot holds only "
			       "regular files", snapreader_quotes(r, path), what);
}

/* The most a member of this kind may declare; 0: unbounded (streamed). */
static uint64_t size_limit(enum snap_kind k)
{
	switch (k) {
	case SNAP_M_FORMAT: return SNAPREADER_MAX_FORMAT;
	case SNAP_M_HOST: case SNAP_M_SUMMARY: case SNAP_M_PROCESS: return SNAPREADER_MAX_JSON;
	case SNAP_M_MANIFEST: return SNAPREADER_MAX_MANIFEST;
	case SNAP_M_RAW: case SNAP_M_NET: case SNAP_M_MOUNTS: case SNAP_M_HOSTFILE:
		return SNAPREADER_MAX_RAW;
	default: return 0;
	}
}

int snapreader_member_name(struct snapreader *r, struct archive_entry *e)
{
	const char *path = archive_entry_pathname(e);
	int x;

	if (!path)
		return snapreader_fail(r, -EBADMSG, "a member %s has a name that cannot be "
				       "read", r->last[0] ? "after" : "at the start");
	x = check_name(r, path);
	if (!x)
		x = check_type(r, e, path);
	if (x)
		return x;
	if (r->count == 0) {
		const char *slash = strchr(path, '/');
		size_t n = slash ? (size_t)(slash - path) : 0;

		if (!slash || strcmp(slash + 1, "format.json") != 0 || n == 0 ||
		    n >= sizeof(r->top) || (n == 1 && path[0] == '.'))
			return snapreader_fail(r, -EBADMSG, "not a procsnap snapshot: its "
					       "first member is %s, not TOP/format.json",
					       snapreader_quotes(r, path));
		memcpy(r->top, path, n);
		r->top[n] = '\0';
		r->toplen = n;
	} else if (strncmp(path, r->top, r->toplen) != 0 || path[r->toplen] != '/') {
		return snapreader_fail(r, -EBADMSG, "member %s is outside the top directory %s",
				       snapreader_quotes(r, path), r->top);
	}
	snprintf(r->name, sizeof(r->name), "%s", path + r->toplen + 1);
	return 0;
}

int snapreader_member_check(struct snapreader *r, struct archive_entry *e)
{
	la_int64_t size;
	uint64_t limit;

	memset(&r->m, 0, sizeof(r->m));
	r->m.name = r->name;
	r->m.kind = snapreader_classify(r->name, &r->m);
	r->m.index = r->count;
	if (r->m.kind == SNAP_M_UNKNOWN && !r->o.allow_unknown)
		return snapreader_fail(r, -EBADMSG, "unknown member %s: no member of the "
				       "snapshot format has this name", r->name);
	if (r->m.kind == SNAP_M_FORMAT && r->count)
		return snapreader_fail(r, -EBADMSG, "a second format.json, at member %llu",
				       (unsigned long long)r->count + 1);
	if (r->seen_manifest)
		return snapreader_fail(r, -EBADMSG, "member %s comes after MANIFEST.sha256, "
				       "which must be the last member", r->name);
	if (!archive_entry_size_is_set(e) || (size = archive_entry_size(e)) < 0)
		return snapreader_fail(r, -EBADMSG, "member %s has no size", r->name);
	r->m.size = (uint64_t)size;
	limit = size_limit(r->m.kind);
	if (limit && r->m.size > limit)
		return snapreader_fail(r, -EFBIG, "member %s declares %llu bytes, more than "
				       "the %llu a %s member may have", r->name,
				       (unsigned long long)r->m.size, (unsigned long long)limit,
				       snapreader_kind_name(r->m.kind));
	if (r->m.kind == SNAP_M_MEMORY && r->m.size != r->m.end - r->m.start)
		return snapreader_fail(r, -EBADMSG, "member %s holds %llu bytes, not the "
				       "%llu of the range its name gives", r->name,
				       (unsigned long long)r->m.size,
				       (unsigned long long)(r->m.end - r->m.start));
	r->m.sparse = archive_entry_sparse_count(e) > 0;
	if (r->m.sparse && r->m.kind != SNAP_M_CONTENT && r->m.kind != SNAP_M_MEMORY)
		return snapreader_fail(r, -EBADMSG, "member %s is sparse: only content and "
				       "memory members may be", r->name);
	return 0;
}
