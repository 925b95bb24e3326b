/* tally: rows counted by a key of bytes, most frequent first (fds --count). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tally.h"

int tally_add(struct tally *t, const void *key, size_t len, int pid)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		struct tally_entry *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n] = (struct tally_entry){ .off = t->text.len, .len = len, .pid = pid };
	buf_append(&t->text, key, len);
	if (buf_error(&t->text))
		return -ENOMEM;
	t->n++;
	return 0;
}

static int cmp_key(const struct buf *text, const struct tally_entry *a,
		   const struct tally_entry *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = n ? memcmp(text->data + a->off, text->data + b->off, n) : 0;

	if (c)
		return c;
	return (a->len > b->len) - (a->len < b->len);
}

/* By key, then pid. */
static int by_key(const void *p, const void *q, void *arg)
{
	const struct tally_entry *a = p, *b = q;
	int c = cmp_key(arg, a, b);

	return c ? c : (a->pid > b->pid) - (a->pid < b->pid);
}

/* A group as the entries sorted by key hold it: v[first, first + rows). */
struct run {
	size_t first, rows;
};


static int by_count(const void *p, const void *q, void *arg)
{
	const struct run *a = p, *b = q;
	const struct tally *t = arg;

	if (a->rows != b->rows)
		return a->rows > b->rows ? -1 : 1;
	return cmp_key(&t->text, &t->v[a->first], &t->v[b->first]);
}

int tally_groups(struct tally *t, int (*fn)(void *arg, const struct tally_group *g),
		 void *arg)
{
	struct run *runs;
	int *pids;
	size_t nruns = 0, i, k;
	int x = 0;

	if (!t->n)
		return 0;
	qsort_r(t->v, t->n, sizeof(*t->v), by_key, &t->text);
	runs = malloc(t->n * sizeof(*runs));
	pids = malloc(t->n * sizeof(*pids));
	if (!runs || !pids) {
		free(runs);
		free(pids);
		return -ENOMEM;
	}
	for (i = 0; i < t->n; i++) {
		if (i == 0 || cmp_key(&t->text, &t->v[i - 1], &t->v[i]) != 0)
			runs[nruns++] = (struct run){ .first = i, .rows = 0 };
		runs[nruns - 1].rows++;
	}
	qsort_r(runs, nruns, sizeof(*runs), by_count, t);
	for (i = 0; i < nruns && !x; i++) {
		const struct tally_entry *e = &t->v[runs[i].first];
		struct tally_group g = { .key = t->text.data + e->off, .len = e->len,
					 .count = runs[i].rows, .pids = pids };

		for (k = 0; k < runs[i].rows; k++)
			if (!g.npids || pids[g.npids - 1] != e[k].pid)
				pids[g.npids++] = e[k].pid;
		x = fn(arg, &g);
	}
	free(runs);
	free(pids);
	return x;
}

void tally_free(struct tally *t)
{
	buf_free(&t->text);
	free(t->v);
	*t = (struct tally)TALLY_INIT;
}
