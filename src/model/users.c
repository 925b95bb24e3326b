/* users: uid and gid names from an archive's copies of /etc/passwd and /etc/group — hostile text, bounded. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "users.h"

/* One name: its bytes are text.data[off, off + len). */
struct entry {
	uint32_t id;
	uint32_t off, len;
};

struct table {
	struct entry *v;
	size_t n, cap;
	bool have;                /* some text was added */
};

struct users {
	struct buf text;          /* every file added, one after the other */
	struct table user, group;
	size_t skipped;
};

int users_new(struct users **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void users_free(struct users *u)
{
	if (!u)
		return;
	buf_free(&u->text);
	free(u->user.v);
	free(u->group.v);
	free(u);
}

/* ID of a line: decimal digits, at most 4294967295; else -1. */
static int64_t take_id(const char *p, const char *end)
{
	uint64_t v = 0;

	if (p == end)
		return -1;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > UINT32_MAX)
			return -1;
	}
	return (int64_t)v;
}

/*
 * One line (without its newline), NAME:PASSWORD:ID:...: the name's
 * offset and length in the text, and the id.  False for anything else: a
 * comment, an NIS "+"/"-" line, an empty name, a NUL, a bad id.
 */
static bool parse_line(const char *base, const char *line, const char *end, struct entry *e)
{
	const char *c1 = memchr(line, ':', (size_t)(end - line)), *c2, *c3;
	int64_t id;

	if (!c1 || c1 == line || line[0] == '#' || line[0] == '+' || line[0] == '-' ||
	    memchr(line, '\0', (size_t)(end - line)))
		return false;
	c2 = memchr(c1 + 1, ':', (size_t)(end - c1 - 1));
	if (!c2)
		return false;
	c3 = memchr(c2 + 1, ':', (size_t)(end - c2 - 1));
	id = take_id(c2 + 1, c3 ? c3 : end);
	if (id < 0)
		return false;
	e->id = (uint32_t)id;
	e->off = (uint32_t)(line - base);
	e->len = (uint32_t)(c1 - line);
	return true;
}

/* By id, then by place in the text: the first line of an id first. */
static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->id != y->id)
		return (x->id > y->id) - (x->id < y->id);
	return (x->off > y->off) - (x->off < y->off);
}

static int add(struct users *u, struct table *t, const char *text, size_t n)
{
	size_t start = u->text.len, added = 0;
	const char *p, *end;

	if (n > USERS_MAX_BYTES)
		return -EFBIG;
	t->have = true;
	if (!n)
		return 0;
	/* The text is kept whole (the names point into it); every file
	 * together stays under 32 bits of offset. */
	if (start + n > UINT32_MAX || buf_append(&u->text, text, n))
		return -ENOMEM;
	for (p = u->text.data + start, end = p + n; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		struct entry e;

		if (le > p && parse_line(u->text.data, p, le, &e)) {
			if (t->n == USERS_MAX_ENTRIES) {
				u->skipped++;
			} else {
				if (t->n == t->cap) {
					size_t cap = t->cap ? t->cap * 2 : 64;
					struct entry *v = realloc(t->v, cap * sizeof(*v));

					if (!v)
						return -ENOMEM;
					t->v = v;
					t->cap = cap;
				}
				t->v[t->n++] = e;
				added++;
			}
		} else if (le > p) {
			u->skipped++;
		}
		p = le + 1;
	}
	if (added)
		qsort(t->v, t->n, sizeof(*t->v), cmp_entry);
	return 0;
}

int users_add_passwd(struct users *u, const char *text, size_t n)
{
	return add(u, &u->user, text, n);
}

int users_add_group(struct users *u, const char *text, size_t n)
{
	return add(u, &u->group, text, n);
}

/* The first entry of id: the lowest index with that id. */
static const char *lookup(const struct users *u, const struct table *t, uint64_t id,
			  size_t *len)
{
	size_t lo = 0, hi = t->n;

	*len = 0;
	if (id > UINT32_MAX)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == t->n || t->v[lo].id != id)
		return NULL;
	*len = t->v[lo].len;
	return u->text.data + t->v[lo].off;
}

const char *users_user(const struct users *u, uint64_t uid, size_t *len)
{
	*len = 0;
	return u ? lookup(u, &u->user, uid, len) : NULL;
}

const char *users_group(const struct users *u, uint64_t gid, size_t *len)
{
	*len = 0;
	return u ? lookup(u, &u->group, gid, len) : NULL;
}

bool users_uid(const struct users *u, const char *name, size_t len, uint64_t *uid)
{
	const struct entry *best = NULL;
	size_t i;

	for (i = 0; u && i < u->user.n; i++) {
		const struct entry *e = &u->user.v[i];

		if (e->len == len && memcmp(u->text.data + e->off, name, len) == 0 &&
		    (!best || e->off < best->off))
			best = e;
	}
	if (best)
		*uid = best->id;
	return best != NULL;
}

bool users_have_passwd(const struct users *u)
{
	return u && u->user.have;
}

bool users_have_group(const struct users *u)
{
	return u && u->group.have;
}

size_t users_skipped(const struct users *u)
{
	return u ? u->skipped : 0;
}
