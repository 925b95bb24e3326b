/* timeline_store: a timeline's memory — text kept in blocks that never move, arrays grown, the bound on items — and its error message. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"
#include "timeline_int.h"

#define BLOCK_SIZE (64u << 10)

int timeline_fail(struct timeline *t, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->err, sizeof(t->err), fmt, ap);
	va_end(ap);
	return err;
}

int timeline_grow(void *v, size_t n, size_t *cap, size_t sz)
{
	void **p = v;
	size_t c;
	void *q;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 16;
	q = realloc(*p, c * sz);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}

const char *timeline_keep(struct timeline *t, const void *p, size_t n)
{
	struct timeline_block *b = t->blocks;
	char *s;

	if (!b || b->cap - b->used < n + 1) {
		size_t cap = n + 1 > BLOCK_SIZE ? n + 1 : BLOCK_SIZE;

		b = malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->used = 0;
		b->cap = cap;
		b->next = t->blocks;
		t->blocks = b;
	}
	s = b->data + b->used;
	if (n)
		memcpy(s, p, n);
	s[n] = '\0';
	b->used += n + 1;
	return s;
}

int timeline_keep_bytes(struct timeline *t, const json_t *obj, const char *key,
			struct timeline_text *out)
{
	struct buf b = BUF_INIT;
	int r = snapshot_bytes(obj, key, &b);

	out->known = false;
	out->p = "";
	out->n = 0;
	if (r == 1) {
		out->p = timeline_keep(t, b.data ? b.data : "", b.len);
		out->n = b.len;
		out->known = true;
		r = out->p ? 0 : -ENOMEM;
	} else if (r == 0 || r == -EBADMSG) {
		r = 0; /* absent, or not base64: not recorded */
	}
	buf_free(&b);
	return r;
}

int timeline_too_many(struct timeline *t)
{
	if (t->nstates + t->nprocs + t->ncaps < TIMELINE_MAX_ITEMS)
		return 0;
	return timeline_fail(t, -EFBIG, "more than %u files, processes and captures to sort",
			     TIMELINE_MAX_ITEMS);
}
