/* snapreader: streaming reader of one untrusted snapshot archive, member by member. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "escape.h"
#include "snapreader.h"

#define IO_SIZE (64u << 10)
/* Holes are handed out in pieces of at most this many bytes. */
#define HOLE_CHUNK (16u << 20)
/* An uncompressed tar ends with two 512-byte zero blocks. */
#define TAIL 1024
/* Archive text quoted in a message is cut to this many bytes. */
#define QUOTE_MAX 160

/* The raw /proc files a snapshot keeps (docs/FORMAT.md). */
static const char *const raw_files[] = {
	"stat", "status", "cmdline", "environ", "maps", "cgroup", NULL,
};

struct snapreader {
	struct snapreader_opts o;
	struct archive *a;
	int fd;
	bool own_fd;
	unsigned char *io;

	/* The archive file's own bytes, hashed as libarchive reads them. */
	struct digest file_d;
	uint64_t file_bytes;
	unsigned char tail[TAIL];
	size_t tail_len;
	uint64_t data_end;    /* offset just past the last non-zero byte read */
	int io_err;
	bool input_eof;
	bool file_done;
	char file_hex[DIGEST_HEX_LEN + 1];

	char top[256];
	size_t toplen;
	json_t *format;

	/* The current member. */
	struct snap_member m;
	char name[SNAPREADER_MAX_NAME + 1];
	char last[SNAPREADER_MAX_NAME + 1]; /* the one before, for messages */
	bool in_member;
	bool format_pending;  /* format.json read by open, not yet returned */
	bool data_eof;
	uint64_t pos;         /* logical bytes fetched */
	uint64_t holes;
	uint64_t hole_left;   /* a hole to hand out before blk */
	const void *blk;
	size_t blk_len;
	struct snap_chunk cur; /* fetched, not yet taken by the caller */
	bool hashing;
	struct digest d;
	bool hex_done;
	char hex[DIGEST_HEX_LEN + 1];

	bool seen_manifest;
	uint64_t count;
	struct verify *v;
	struct buf manifest;
	unsigned long problems;

	bool ended;
	int err;              /* sticky: once set, every call returns it */
	struct buf q;         /* scratch for quoting archive text */
	char msg[1024];
};

const char *snapreader_kind_name(enum snap_kind k)
{
	static const char *const names[] = {
		[SNAP_M_FORMAT] = "format", [SNAP_M_HOST] = "host", [SNAP_M_NET] = "net",
		[SNAP_M_RAW] = "raw", [SNAP_M_CONTENT] = "content", [SNAP_M_FDS] = "fds",
		[SNAP_M_PROCESS] = "process", [SNAP_M_SUMMARY] = "summary",
		[SNAP_M_MANIFEST] = "manifest", [SNAP_M_MOUNTS] = "mounts",
		[SNAP_M_HOSTFILE] = "hostfile",
		[SNAP_M_UNKNOWN] = "unknown",
	};

	return (unsigned)k < sizeof(names) / sizeof(*names) ? names[k] : "unknown";
}

static int fail(struct snapreader *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct snapreader *r, int err, const char *fmt, ...)
{
	va_list ap;

	if (r->err)
		return r->err;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	r->err = err < 0 ? err : -EIO;
	return r->err;
}

/* Archive text made safe for a message: escaped, one line, cut short.
 * Valid until the next quote(). */
static const char *quote(struct snapreader *r, const char *s, size_t n)
{
	buf_reset(&r->q);
	escape_text(&r->q, s, n < QUOTE_MAX ? n : QUOTE_MAX);
	if (n > QUOTE_MAX)
		buf_puts(&r->q, "...");
	return r->q.data && !buf_error(&r->q) ? r->q.data : "?";
}

static const char *quotes(struct snapreader *r, const char *s)
{
	return quote(r, s, strlen(s));
}

/* Where the reader was when it noticed a problem.  With compression the
 * stream is read ahead, so this is where it was noticed, not where the
 * damage is. */
static void where(const struct snapreader *r, char *out, size_t n)
{
	if (r->in_member)
		snprintf(out, n, "noticed while reading member %s", r->m.name);
	else if (r->last[0])
		snprintf(out, n, "noticed after member %s", r->last);
	else
		snprintf(out, n, "noticed before the first member");
}

/* A failed libarchive call: named as truncation when that is what it is. */
static int archive_fail(struct snapreader *r)
{
	const char *s = archive_error_string(r->a);
	char at[SNAPREADER_MAX_NAME + 48];

	if (r->io_err)
		return fail(r, -r->io_err, "cannot read the archive: %s", strerror(r->io_err));
	where(r, at, sizeof(at));
	if (!s)
		return fail(r, -EBADMSG, "truncated or damaged archive: the compressed "
			    "stream does not end properly (%s)", at);
	s = quotes(r, s);
	if (strcasestr(s, "truncated"))
		return fail(r, -EBADMSG, "truncated archive: %s (%s)", s, at);
	if (r->count == 0)
		return fail(r, -EBADMSG, "not a snapshot archive: %s", s);
	return fail(r, -EBADMSG, "damaged archive: %s (%s)", s, at);
}

/* Hashes what libarchive reads, and keeps the last TAIL bytes. */
static void account(struct snapreader *r, const unsigned char *p, size_t n)
{
	size_t keep, z = n;

	digest_update(&r->file_d, p, n);
	while (z && !p[z - 1])
		z--;
	if (z)
		r->data_end = r->file_bytes + z;
	r->file_bytes += n;
	if (n >= TAIL) {
		memcpy(r->tail, p + n - TAIL, TAIL);
		r->tail_len = TAIL;
		return;
	}
	keep = r->tail_len < TAIL - n ? r->tail_len : TAIL - n;
	memmove(r->tail, r->tail + r->tail_len - keep, keep);
	memcpy(r->tail + keep, p, n);
	r->tail_len = keep + n;
}

static ssize_t read_input(struct snapreader *r)
{
	ssize_t n;

	do
		n = read(r->fd, r->io, IO_SIZE);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		r->io_err = errno;
		return -1;
	}
	if (n == 0)
		r->input_eof = true;
	account(r, r->io, (size_t)n);
	return n;
}

/* No skip callback on purpose: libarchive then reads every byte through
 * here, so the custody hash covers the whole file in the same pass. */
static la_ssize_t read_cb(struct archive *a, void *arg, const void **buf)
{
	struct snapreader *r = arg;
	ssize_t n = read_input(r);

	if (n < 0) {
		archive_set_error(a, r->io_err, "read: %s", strerror(r->io_err));
		return -1;
	}
	*buf = r->io;
	return n;
}

/* Reads what libarchive left of the input, for the custody hash. */
static void drain_input(struct snapreader *r)
{
	while (!r->input_eof && !r->io_err && r->fd >= 0)
		if (read_input(r) < 0)
			break;
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
		return fail(r, -EBADMSG, "a member has an empty name");
	if (path[0] == '/')
		return fail(r, -EBADMSG, "absolute member name '%s': a snapshot's names "
			    "are relative to its top directory", quotes(r, path));
	for (c = path; c; c = strchr(c, '/')) {
		if (*c == '/')
			c++;
		if (c[0] == '.' && c[1] == '.' && (c[2] == '/' || c[2] == '\0'))
			return fail(r, -EBADMSG, "member name '%s' climbs out of the "
				    "archive's directory with '..'", quotes(r, path));
	}
	if (n > SNAPREADER_MAX_NAME)
		return fail(r, -EBADMSG, "member name of %zu bytes ('%s'): longer than "
			    "any snapshot name", n, quotes(r, path));
	for (i = 0; i < n; i++)
		if (!name_char(path[i]))
			return fail(r, -EBADMSG, "member name '%s' holds a character no "
				    "snapshot name has", quotes(r, path));
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

		snprintf(q, sizeof(q), "%s", quotes(r, link));
		return fail(r, -EBADMSG, "member %s is %s to '%s': a snapshot holds only "
			    "regular files", quotes(r, path), what, q);
	}
	return fail(r, -EBADMSG, "member %s is %s: a snapshot holds only regular files",
		    quotes(r, path), what);
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

static void report_unknown(struct snapreader *r)
{
	char msg[SNAPREADER_MAX_NAME + 96];

	r->problems++;
	snprintf(msg, sizeof(msg), "unknown member %s: no member of the snapshot "
		 "format has this name", r->m.name);
	if (r->o.problem)
		r->o.problem(r->o.arg, VERIFY_UNKNOWN, r->m.name, msg);
}

/* The next header: 1 with r->m set, 0 at the end of the archive. */
static int read_header(struct snapreader *r)
{
	struct archive_entry *e;
	const char *path, *rel;
	la_int64_t size;
	uint64_t limit;
	int ar, x;

	ar = archive_read_next_header(r->a, &e);
	if (ar == ARCHIVE_EOF)
		return 0;
	if (ar < ARCHIVE_WARN)
		return archive_fail(r);
	/* ARCHIVE_WARN (a pax attribute libarchive ignored, a name it could
	 * not convert) goes on: the name and type checks below decide. */
	path = archive_entry_pathname(e);
	if (!path)
		return fail(r, -EBADMSG, "a member %s has a name that cannot be read",
			    r->last[0] ? "after" : "at the start");
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
			return fail(r, -EBADMSG, "not a procsnap snapshot: its first member is "
				    "%s, not TOP/format.json", quotes(r, path));
		memcpy(r->top, path, n);
		r->top[n] = '\0';
		r->toplen = n;
	} else if (strncmp(path, r->top, r->toplen) != 0 || path[r->toplen] != '/') {
		return fail(r, -EBADMSG, "member %s is outside the top directory %s",
			    quotes(r, path), r->top);
	}
	rel = path + r->toplen + 1;
	snprintf(r->name, sizeof(r->name), "%s", rel);
	memset(&r->m, 0, sizeof(r->m));
	r->m.name = r->name;
	r->m.kind = snapreader_classify(r->name, &r->m);
	r->m.index = r->count;
	if (r->m.kind == SNAP_M_UNKNOWN && !r->o.allow_unknown)
		return fail(r, -EBADMSG, "unknown member %s: no member of the snapshot "
			    "format has this name", r->name);
	if (r->m.kind == SNAP_M_FORMAT && r->count)
		return fail(r, -EBADMSG, "a second format.json, at member %llu",
			    (unsigned long long)r->count + 1);
	if (r->seen_manifest)
		return fail(r, -EBADMSG, "member %s comes after MANIFEST.sha256, which "
			    "must be the last member", r->name);
	if (!archive_entry_size_is_set(e) || (size = archive_entry_size(e)) < 0)
		return fail(r, -EBADMSG, "member %s has no size", r->name);
	r->m.size = (uint64_t)size;
	limit = size_limit(r->m.kind);
	if (limit && r->m.size > limit)
		return fail(r, -EFBIG, "member %s declares %llu bytes, more than the "
			    "%llu a %s member may have", r->name,
			    (unsigned long long)r->m.size, (unsigned long long)limit,
			    snapreader_kind_name(r->m.kind));
	r->m.sparse = archive_entry_sparse_count(e) > 0;
	if (r->m.sparse && r->m.kind != SNAP_M_CONTENT)
		return fail(r, -EBADMSG, "member %s is sparse: only content members may be",
			    r->name);
	r->in_member = true;
	r->data_eof = false;
	r->pos = r->holes = r->hole_left = 0;
	r->blk_len = 0;
	r->cur.len = 0;
	r->hex_done = false;
	if (r->hashing && digest_begin(&r->d))
		return fail(r, -ENOMEM, "out of memory");
	if (r->m.kind == SNAP_M_MANIFEST) {
		r->seen_manifest = true;
		buf_reset(&r->manifest);
	}
	r->count++;
	if (r->m.kind == SNAP_M_UNKNOWN)
		report_unknown(r);
	return 1;
}

static int hash(struct snapreader *r, const void *p, size_t n)
{
	if (r->hashing && digest_update(&r->d, p, n))
		return fail(r, -EIO, "SHA-256 failed");
	if (r->o.verify && r->m.kind == SNAP_M_MANIFEST &&
	    buf_append(&r->manifest, p, n))
		return fail(r, -ENOMEM, "out of memory");
	return 0;
}

static int emit_hole(struct snapreader *r)
{
	static const unsigned char zeros[IO_SIZE];
	uint64_t k = r->hole_left < HOLE_CHUNK ? r->hole_left : HOLE_CHUNK, left;

	for (left = k; r->hashing && left; ) {
		size_t z = left < sizeof(zeros) ? (size_t)left : sizeof(zeros);

		if (hash(r, zeros, z))
			return r->err;
		left -= z;
	}
	r->cur.data = NULL;
	r->cur.len = (size_t)k;
	r->cur.offset = r->pos;
	r->pos += k;
	r->hole_left -= k;
	return 1;
}

static int emit_data(struct snapreader *r, const void *p, size_t n)
{
	if (hash(r, p, n))
		return r->err;
	r->cur.data = p;
	r->cur.len = n;
	r->cur.offset = r->pos;
	r->pos += n;
	return 1;
}

static int add_hole(struct snapreader *r, uint64_t n)
{
	if (n > r->o.max_holes - r->holes)
		return fail(r, -EFBIG, "member %s: its holes add up to more than the "
			    "%llu bytes a reader hashes", r->m.name,
			    (unsigned long long)r->o.max_holes);
	r->holes += n;
	r->hole_left = n;
	return 0;
}

/*
 * The next chunk of the current member into r->cur: 1, 0 at its end.
 * Holes between the blocks of a sparse member come out as NULL chunks;
 * every byte, hole or not, is hashed exactly once, here.
 */
static int fetch(struct snapreader *r)
{
	const void *p;
	size_t n;
	la_int64_t off;
	int ar;

	for (;;) {
		if (r->data_eof)
			return 0;
		if (r->hole_left)
			return emit_hole(r);
		if (r->blk_len) {
			n = r->blk_len;
			r->blk_len = 0;
			return emit_data(r, r->blk, n);
		}
		ar = archive_read_data_block(r->a, &p, &n, &off);
		if (ar == ARCHIVE_EOF) {
			/* A sparse member may end in a hole. */
			if (r->pos < r->m.size) {
				if (add_hole(r, r->m.size - r->pos))
					return r->err;
				continue;
			}
			r->data_eof = true;
			return 0;
		}
		if (ar < ARCHIVE_WARN)
			return archive_fail(r);
		if (off < 0 || (uint64_t)off < r->pos || (uint64_t)off > r->m.size ||
		    n > r->m.size - (uint64_t)off)
			return fail(r, -EBADMSG, "member %s: data at offset %lld runs outside "
				    "its %llu declared bytes or back over itself", r->m.name,
				    (long long)off, (unsigned long long)r->m.size);
		if ((uint64_t)off > r->pos) {
			if (add_hole(r, (uint64_t)off - r->pos))
				return r->err;
			r->blk = p;
			r->blk_len = n;
			continue;
		}
		if (n)
			return emit_data(r, p, n);
	}
}

static bool usable(struct snapreader *r)
{
	return !r->err && r->in_member && !r->ended;
}

int snapreader_data(struct snapreader *r, struct snap_chunk *c)
{
	int x;

	if (r->err)
		return r->err;
	if (!usable(r))
		return 0;
	if (!r->cur.len) {
		x = fetch(r);
		if (x <= 0)
			return x;
	}
	*c = r->cur;
	r->cur.len = 0;
	return 1;
}

int snapreader_getline(struct snapreader *r, size_t max, struct buf *line)
{
	int x;

	buf_reset(line);
	if (r->err)
		return r->err;
	if (!usable(r))
		return 0;
	for (;;) {
		const char *p, *nl;
		size_t take;

		if (!r->cur.len) {
			x = fetch(r);
			if (x < 0)
				return x;
			if (x == 0)
				return line->len ? 1 : 0;
		}
		if (!r->cur.data)
			return fail(r, -EBADMSG, "member %s has holes where text was expected",
				    r->m.name);
		p = r->cur.data;
		nl = memchr(p, '\n', r->cur.len);
		take = nl ? (size_t)(nl - p) : r->cur.len;
		if (take > max || line->len > max - take)
			return fail(r, -EFBIG, "member %s: a line at offset %llu is longer "
				    "than %zu bytes", r->m.name,
				    (unsigned long long)(r->cur.offset - line->len), max);
		if (buf_append(line, p, take))
			return fail(r, -ENOMEM, "out of memory");
		if (nl)
			take++;
		r->cur.data = p + take;
		r->cur.len -= take;
		r->cur.offset += take;
		if (nl)
			return 1;
	}
}

int snapreader_slurp(struct snapreader *r, size_t max, struct buf *out)
{
	struct snap_chunk c;
	int x;

	buf_reset(out);
	if (r->err)
		return r->err;
	if (r->in_member && r->m.size > max)
		return fail(r, -EFBIG, "member %s: %llu bytes, more than the %zu this "
			    "reader holds in memory", r->m.name,
			    (unsigned long long)r->m.size, max);
	while ((x = snapreader_data(r, &c)) > 0) {
		if (c.data)
			buf_append(out, c.data, c.len);
		else if (!buf_reserve(out, c.len)) {
			memset(out->data + out->len, 0, c.len);
			out->len += c.len;
			out->data[out->len] = '\0';
		}
		if (buf_error(out))
			return fail(r, -ENOMEM, "out of memory");
	}
	/* out->data is never NULL on success, so callers may parse it. */
	if (!x && buf_reserve(out, 0))
		return fail(r, -ENOMEM, "out of memory");
	return x;
}

int snapreader_parse_json(struct snapreader *r, const char *what,
			  const char *text, size_t len, json_t **out)
{
	json_error_t je;
	json_t *j;

	*out = NULL;
	if (r->err)
		return r->err;
	j = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
	if (!j)
		return fail(r, -EBADMSG, "%s: not valid JSON (line %d, column %d: %s)",
			    what, je.line, je.column, quotes(r, je.text));
	if (!json_is_object(j)) {
		json_decref(j);
		return fail(r, -EBADMSG, "%s: not a JSON object", what);
	}
	*out = j;
	return 0;
}

int snapreader_json(struct snapreader *r, size_t max, json_t **out)
{
	struct buf b = BUF_INIT;
	int x;

	*out = NULL;
	x = snapreader_slurp(r, max, &b);
	if (!x)
		x = snapreader_parse_json(r, r->m.name, b.data, b.len, out);
	buf_free(&b);
	return x;
}

int snapreader_member_sha256(struct snapreader *r, char hex[DIGEST_HEX_LEN + 1])
{
	int x;

	if (r->err)
		return r->err;
	if (!r->hashing || !r->in_member)
		return -EINVAL;
	if (!r->hex_done) {
		r->cur.len = 0;
		while ((x = fetch(r)) > 0)
			r->cur.len = 0;
		if (x < 0)
			return x;
		if (digest_end(&r->d, r->hex))
			return fail(r, -EIO, "SHA-256 failed");
		r->hex_done = true;
	}
	memcpy(hex, r->hex, sizeof(r->hex));
	return 0;
}

/* Leaves the current member: its data skipped or hashed through. */
static int end_member(struct snapreader *r)
{
	char hex[DIGEST_HEX_LEN + 1];
	int x;

	if (!r->in_member)
		return 0;
	if (r->hashing) {
		x = snapreader_member_sha256(r, hex);
		if (x)
			return x;
		/* The manifest does not list itself. */
		if (r->v && r->m.kind != SNAP_M_MANIFEST && verify_add(r->v, r->m.name, hex))
			return fail(r, -ENOMEM, "out of memory");
	} else if (!r->data_eof) {
		if (archive_read_data_skip(r->a) < ARCHIVE_WARN)
			return archive_fail(r);
	}
	snprintf(r->last, sizeof(r->last), "%s", r->m.name);
	r->in_member = false;
	return 0;
}

static bool all_zero(const unsigned char *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/* The end of the tar stream: is the archive complete? */
static int end_archive(struct snapreader *r)
{
	long p;

	drain_input(r);
	if (r->io_err)
		return fail(r, -r->io_err, "cannot read the archive: %s", strerror(r->io_err));
	if (!r->seen_manifest)
		return fail(r, -EBADMSG, "incomplete archive: it ends after member %s "
			    "without MANIFEST.sha256 (missing manifest: the capture was "
			    "interrupted, or the archive was cut short)", r->last);
	/* Bytes after the archive's end are not procsnap's: appended data,
	 * or a second archive that tar would never show.  Zeros are only
	 * padding of a tar to its blocking factor. */
	if (r->data_end > (uint64_t)archive_filter_bytes(r->a, -1))
		return fail(r, -EBADMSG, "the file goes on after the end of the archive "
			    "(data appended to it, or a second archive)");
	/* gzip and zstd check their own trailers; a plain tar has only its
	 * two zero blocks to show it was not cut after the manifest. */
	if (archive_filter_code(r->a, 0) == ARCHIVE_FILTER_NONE &&
	    (r->tail_len < TAIL || !all_zero(r->tail, TAIL)))
		return fail(r, -EBADMSG, "truncated archive: the tar end-of-archive "
			    "blocks after MANIFEST.sha256 are missing");
	if (r->v) {
		if (verify_manifest(r->v, r->manifest.data ? r->manifest.data : "",
				    r->manifest.len))
			return fail(r, -ENOMEM, "out of memory");
		p = verify_check(r->v, r->o.problem, r->o.arg);
		if (p < 0)
			return fail(r, -ENOMEM, "out of memory");
		r->problems += (unsigned long)p;
	}
	r->ended = true;
	return 0;
}

int snapreader_next(struct snapreader *r, const struct snap_member **m)
{
	int x;

	if (r->err)
		return r->err;
	if (r->ended)
		return 0;
	if (r->format_pending) {
		r->format_pending = false;
		*m = &r->m;
		return 1;
	}
	x = end_member(r);
	if (x)
		return x;
	x = read_header(r);
	if (x < 0)
		return x;
	if (x == 0)
		return end_archive(r);
	*m = &r->m;
	return 1;
}

int snapreader_finish(struct snapreader *r)
{
	const struct snap_member *m;
	int x;

	while ((x = snapreader_next(r, &m)) > 0)
		;
	return x;
}

/* format.json: {"format":"procsnap","version":1,"top":"TOP"}. */
static int check_format(struct snapreader *r)
{
	json_t *f, *v, *t;
	int x;

	x = snapreader_json(r, SNAPREADER_MAX_FORMAT, &r->format);
	if (x)
		return x;
	f = json_object_get(r->format, "format");
	v = json_object_get(r->format, "version");
	t = json_object_get(r->format, "top");
	if (!json_is_string(f) || strcmp(json_string_value(f), "procsnap") != 0)
		return fail(r, -EBADMSG, "not a procsnap snapshot: format.json does not "
			    "say \"format\": \"procsnap\"");
	if (!json_is_integer(v))
		return fail(r, -EBADMSG, "format.json has no integer \"version\"");
	if (json_integer_value(v) != SNAPREADER_VERSION)
		return fail(r, -EPROTONOSUPPORT, "archive format version %lld is not "
			    "supported: this snapread reads version %d only",
			    (long long)json_integer_value(v), SNAPREADER_VERSION);
	if (!json_is_string(t) || strcmp(json_string_value(t), r->top) != 0)
		return fail(r, -EBADMSG, "format.json names a top directory other than "
			    "%s, where its members are", r->top);
	return 0;
}

int snapreader_open(struct snapreader **out, const char *path,
		    const struct snapreader_opts *opts)
{
	struct snapreader *r = calloc(1, sizeof(*r));
	struct stat st;
	int x;

	*out = r;
	if (!r)
		return -ENOMEM;
	r->fd = -1;
	if (opts)
		r->o = *opts;
	if (!r->o.max_holes)
		r->o.max_holes = SNAPREADER_MAX_HOLES;
	r->hashing = r->o.hash || r->o.verify;
	r->io = malloc(IO_SIZE);
	if (!r->io || digest_begin(&r->file_d) || (r->o.verify && verify_new(&r->v)))
		return fail(r, -ENOMEM, "out of memory");
	if (strcmp(path, "-") == 0) {
		r->fd = STDIN_FILENO;
	} else {
		r->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (r->fd < 0)
			return fail(r, -errno, "cannot open %s: %s", quotes(r, path),
				    strerror(errno));
		r->own_fd = true;
	}
	if (fstat(r->fd, &st) == 0 && S_ISDIR(st.st_mode))
		return fail(r, -EISDIR, "%s is a directory, not a snapshot archive",
			    quotes(r, path));
	r->a = archive_read_new();
	if (!r->a)
		return fail(r, -ENOMEM, "out of memory");
	/* Only what procsnap writes: no other format parser, and a filter
	 * only when libarchive has it built in (else it would run an
	 * external program on hostile bytes). */
	if (archive_read_support_format_tar(r->a) != ARCHIVE_OK ||
	    (archive_zlib_version() &&
	     archive_read_support_filter_gzip(r->a) != ARCHIVE_OK) ||
	    (archive_libzstd_version() &&
	     archive_read_support_filter_zstd(r->a) != ARCHIVE_OK))
		return fail(r, -ENOTSUP, "libarchive: %s",
			    archive_error_string(r->a) ? archive_error_string(r->a) : "no support");
	if (archive_read_open(r->a, r, NULL, read_cb, NULL) < ARCHIVE_WARN) {
		if (r->file_bytes == 0 && !r->io_err)
			return fail(r, -EBADMSG, "empty file: not a snapshot archive");
		return archive_fail(r);
	}
	x = read_header(r);
	if (x < 0)
		return x;
	if (x == 0)
		return fail(r, -EBADMSG, "empty archive: no format.json");
	x = check_format(r);
	if (x)
		return x;
	r->format_pending = true;
	return 0;
}

int snapreader_archive_sha256(struct snapreader *r, char hex[DIGEST_HEX_LEN + 1],
			      uint64_t *bytes)
{
	if (!r->file_done) {
		drain_input(r);
		if (r->io_err)
			return -r->io_err;
		if (digest_end(&r->file_d, r->file_hex))
			return -EIO;
		r->file_done = true;
	}
	memcpy(hex, r->file_hex, sizeof(r->file_hex));
	if (bytes)
		*bytes = r->file_bytes;
	return 0;
}

const char *snapreader_top(const struct snapreader *r)
{
	return r->top;
}

const json_t *snapreader_format(const struct snapreader *r)
{
	return r->format;
}

uint64_t snapreader_members(const struct snapreader *r)
{
	return r->count;
}

unsigned long snapreader_problems(const struct snapreader *r)
{
	return r->problems;
}

const struct verify *snapreader_verify(const struct snapreader *r)
{
	return r->v;
}

const char *snapreader_error(const struct snapreader *r)
{
	if (!r)
		return "out of memory";
	return r->err ? r->msg : "";
}

bool snapreader_is_archive_error(int err)
{
	return err == -EBADMSG || err == -EFBIG;
}

void snapreader_free(struct snapreader *r)
{
	if (!r)
		return;
	if (r->a)
		archive_read_free(r->a);
	if (r->own_fd && r->fd >= 0)
		close(r->fd);
	digest_free(&r->file_d);
	digest_free(&r->d);
	json_decref(r->format);
	verify_free(r->v);
	buf_free(&r->manifest);
	buf_free(&r->q);
	free(r->io);
	free(r);
}
