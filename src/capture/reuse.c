/* reuse: content an earlier round of a series stored, referenced by later rounds instead of copied again. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "reuse.h"
#include "u64map.h"

/* statfs(2) f_type of the file systems whose mtime a write through a
 * shared mapping never moves (linux/magic.h). */
#define TMPFS_MAGIC_ 0x01021994L
#define RAMFS_MAGIC_ 0x858458f6L
#define HUGETLBFS_MAGIC_ 0x958458f6L

struct reuse {
	struct u64map map;        /* (dev, ino) -> struct reuse_entry */
	size_t count;
	struct reuse_entry *pending;
	size_t npending, cap;
	uint64_t hits, hit_bytes;
};

int reuse_new(struct reuse **r)
{
	*r = calloc(1, sizeof(**r));
	return *r ? 0 : -ENOMEM;
}

static void entry_free(void *p)
{
	struct reuse_entry *e = p;

	free(e->archive);
	free(e->top);
	free(e);
}

void reuse_free(struct reuse *r)
{
	if (!r)
		return;
	u64map_free(&r->map, entry_free);
	free(r->pending);
	free(r);
}

size_t reuse_count(const struct reuse *r)
{
	return r ? r->count : 0;
}

/* Not on a file system where writes through a mapping leave mtime be. */
static bool mtime_tells(int pinfd)
{
	struct statfs sf;

	if (pinfd < 0 || fstatfs(pinfd, &sf) < 0)
		return false;
	return (long)sf.f_type != TMPFS_MAGIC_ && (long)sf.f_type != RAMFS_MAGIC_ &&
	       (long)sf.f_type != HUGETLBFS_MAGIC_;
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

const struct reuse_entry *reuse_find(struct reuse *r, int pinfd, const struct stat *st)
{
	const struct reuse_entry *e;

	if (!r || !S_ISREG(st->st_mode) || st->st_size < 0)
		return NULL;
	e = u64map_get(&r->map, (uint64_t)st->st_dev, (uint64_t)st->st_ino);
	if (!e || e->size != (uint64_t)st->st_size || !same_time(&e->mtime, &st->st_mtim) ||
	    !same_time(&e->ctime, &st->st_ctim) || !mtime_tells(pinfd))
		return NULL;
	r->hits++;
	r->hit_bytes += e->size;
	return e;
}

void reuse_hits(const struct reuse *r, uint64_t *files, uint64_t *bytes)
{
	*files = r ? r->hits : 0;
	*bytes = r ? r->hit_bytes : 0;
}

/* mtime at least REUSE_QUIET_NS before t. */
static bool quiet_before(const struct timespec *mtime, const struct timespec *t)
{
	int64_t d = ((int64_t)t->tv_sec - (int64_t)mtime->tv_sec) * 1000000000LL +
		    ((int64_t)t->tv_nsec - (int64_t)mtime->tv_nsec);

	return d >= REUSE_QUIET_NS;
}

int reuse_offer(struct reuse *r, int pinfd, const struct stat *st,
		const struct timespec *read_start, const char *member,
		const struct content_result *res)
{
	struct reuse_entry *e;

	if (!r || !S_ISREG(st->st_mode) || st->st_size < 0 ||
	    res->status != CONTENT_CAPTURED || res->changed ||
	    !quiet_before(&st->st_mtim, read_start) || !quiet_before(&st->st_ctim, read_start) ||
	    !mtime_tells(pinfd) || !digest_is_hex(res->sha256, strlen(res->sha256)) ||
	    strlen(res->sha256) != DIGEST_HEX_LEN)
		return 0;
	if (r->npending == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct reuse_entry *v = realloc(r->pending, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		r->pending = v;
		r->cap = cap;
	}
	e = &r->pending[r->npending++];
	memset(e, 0, sizeof(*e));
	e->dev = (uint64_t)st->st_dev;
	e->ino = (uint64_t)st->st_ino;
	e->size = (uint64_t)st->st_size;
	e->mtime = st->st_mtim;
	e->ctime = st->st_ctim;
	snprintf(e->sha256, sizeof(e->sha256), "%s", res->sha256);
	snprintf(e->member, sizeof(e->member), "%s", member);
	e->stored = res->stored;
	e->data = res->data;
	e->regions = res->regions;
	e->holes_filled = res->holes_filled;
	e->sparse = res->sparse;
	return 0;
}

/* The line format: "dev ino size msec mnsec csec cnsec stored data regions
 * holes_filled sparse sha256\n"; the member is content/DEV-INO, made again
 * from numbers. */
int reuse_send(const struct reuse *r, int fd)
{
	char line[256];
	size_t i;

	for (i = 0; r && i < r->npending; i++) {
		const struct reuse_entry *e = &r->pending[i];
		int n = snprintf(line, sizeof(line),
				 "%" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRId64 " %ld %" PRId64
				 " %ld %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %d %s\n",
				 e->dev, e->ino, e->size, (int64_t)e->mtime.tv_sec, e->mtime.tv_nsec,
				 (int64_t)e->ctime.tv_sec, e->ctime.tv_nsec, e->stored, e->data,
				 e->regions, e->holes_filled, e->sparse ? 1 : 0, e->sha256);
		const char *p = line;

		while (n > 0) {
			ssize_t w = write(fd, p, (size_t)n);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return w < 0 ? -errno : -EIO;
			p += w;
			n -= (int)w;
		}
	}
	return 0;
}

/* One line into *e; 0 or -EBADMSG. */
static int parse_line(const char *s, struct reuse_entry *e)
{
	int64_t ms, cs;
	long mn, cn;
	int sparse, used = 0;
	char sha[DIGEST_HEX_LEN + 2];

	memset(e, 0, sizeof(*e));
	if (sscanf(s, "%" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNd64 " %ld %" SCNd64
		   " %ld %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %d %65s%n",
		   &e->dev, &e->ino, &e->size, &ms, &mn, &cs, &cn, &e->stored, &e->data,
		   &e->regions, &e->holes_filled, &sparse, sha, &used) != 13 || s[used] != '\0' ||
	    !digest_is_hex(sha, strlen(sha)) || mn < 0 || mn > 999999999 || cn < 0 ||
	    cn > 999999999 || (sparse != 0 && sparse != 1))
		return -EBADMSG;
	e->mtime.tv_sec = (time_t)ms;
	e->mtime.tv_nsec = mn;
	e->ctime.tv_sec = (time_t)cs;
	e->ctime.tv_nsec = cn;
	e->sparse = sparse;
	memcpy(e->sha256, sha, sizeof(e->sha256)); /* 64 digits and the NUL, as checked */
	snprintf(e->member, sizeof(e->member), "content/%" PRIu64 "-%" PRIu64, e->dev, e->ino);
	return 0;
}

static int put(struct reuse *r, const struct reuse_entry *from, const char *archive,
	       const char *top)
{
	struct reuse_entry *e = malloc(sizeof(*e)), *old;
	int x;

	if (!e)
		return -ENOMEM;
	*e = *from;
	e->archive = strdup(archive);
	e->top = strdup(top);
	if (!e->archive || !e->top) {
		entry_free(e);
		return -ENOMEM;
	}
	old = u64map_get(&r->map, e->dev, e->ino);
	x = u64map_put(&r->map, e->dev, e->ino, e);
	if (x) {
		entry_free(e);
		return x;
	}
	if (old)
		entry_free(old);
	else
		r->count++;
	return 0;
}

int reuse_load(struct reuse *r, const char *text, size_t len, const char *archive,
	       const char *top)
{
	const char *p = text, *end = text + len;
	char line[256];
	int x = 0;

	while (p < end && !x) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct reuse_entry e;

		if (!nl || n >= sizeof(line))
			return -EBADMSG;
		memcpy(line, p, n);
		line[n] = '\0';
		x = parse_line(line, &e);
		if (!x)
			x = put(r, &e, archive, top);
		p = nl + 1;
	}
	return x;
}
