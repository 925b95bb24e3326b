/* stack_entry: one stacked key, its bounded details and the hosts that have it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stack_int.h"

/* kind, flags, then each part as 4 bytes of length and its bytes: no two
 * keys share an encoding, whatever bytes the parts hold. */
static int encode(struct buf *key, enum stack_kind kind, unsigned flags,
		  const struct stack_bytes *parts, size_t n)
{
	size_t i;

	buf_reset(key);
	buf_putc(key, (char)kind);
	buf_putc(key, (char)flags);
	for (i = 0; i < n; i++) {
		uint32_t len = parts[i].n > UINT32_MAX ? UINT32_MAX : (uint32_t)parts[i].n;

		buf_append(key, &len, sizeof(len));
		buf_append(key, parts[i].p, len);
	}
	return buf_error(key);
}

static struct stack_entry *make(enum stack_kind kind, unsigned flags,
				const struct stack_bytes *parts, size_t n)
{
	struct stack_entry *e = calloc(1, sizeof(*e));
	size_t i, total = 0, at = 0;

	if (!e)
		return NULL;
	for (i = 0; i < n; i++)
		total += parts[i].n + 1;
	e->parts = malloc(total ? total : 1);
	if (!e->parts) {
		free(e);
		return NULL;
	}
	e->r.kind = kind;
	e->r.flags = flags;
	e->r.nparts = n;
	for (i = 0; i < n; i++) {
		if (parts[i].n)
			memcpy(e->parts + at, parts[i].p, parts[i].n);
		e->parts[at + parts[i].n] = '\0';
		e->r.part[i].p = e->parts + at;
		e->r.part[i].n = parts[i].n;
		at += parts[i].n + 1;
	}
	return e;
}

struct stack_entry *stack_entry_get(struct strmap *m, struct buf *key,
				    enum stack_kind kind, unsigned flags,
				    const struct stack_bytes *parts, size_t n)
{
	struct stack_entry *e;

	if (n > 3 || encode(key, kind, flags, parts, n))
		return NULL;
	e = strmap_get(m, key->data, key->len);
	if (e)
		return e;
	e = make(kind, flags, parts, n);
	if (e && strmap_put(m, key->data, key->len, e)) {
		stack_entry_free(e);
		e = NULL;
	}
	return e;
}

/* Bytewise order, a shorter prefix first. */
static int compare(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	if (c)
		return c;
	return an < bn ? -1 : an > bn;
}

int stack_entry_detail(struct stack_entry *e, int i, const char *p, size_t n)
{
	struct stack_set *s = &e->r.set[i];
	size_t at = 0, j;
	char *copy;
	int c = 1;

	while (at < s->n && (c = compare(s->v[at].p, s->v[at].n, p, n)) < 0)
		at++;
	if (at < s->n && c == 0)
		return 0;
	if (at == STACK_SET_MAX) {
		s->more = true;
		return 0;
	}
	copy = malloc(n + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, p, n);
	copy[n] = '\0';
	if (s->n == STACK_SET_MAX) {
		/* Full: the largest goes, so the kept ones do not depend on
		 * the order in which hosts were read. */
		free(e->own[i][s->n - 1]);
		s->n--;
		s->more = true;
	}
	for (j = s->n; j > at; j--) {
		s->v[j] = s->v[j - 1];
		e->own[i][j] = e->own[i][j - 1];
	}
	e->own[i][at] = copy;
	s->v[at].p = copy;
	s->v[at].n = n;
	s->n++;
	return 0;
}

/* host into the ascending list of the first list_hosts, which grows as
 * hosts come (most keys are on few hosts). */
static int add_host(struct stack_entry *t, uint32_t host, size_t list_hosts)
{
	size_t at = t->r.listed, j;

	if (t->r.listed == t->cap && t->cap < list_hosts) {
		size_t cap = t->cap ? t->cap * 2 : 2;
		uint32_t *v;

		if (cap > list_hosts)
			cap = list_hosts;
		v = realloc(t->host, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		t->host = v;
		t->r.host = v;
		t->cap = cap;
	}
	t->r.hosts++;
	while (at > 0 && t->host[at - 1] > host)
		at--;
	if (at == list_hosts)
		return 0;
	if (t->r.listed == list_hosts)
		t->r.listed--;
	for (j = t->r.listed; j > at; j--)
		t->host[j] = t->host[j - 1];
	t->host[at] = host;
	t->r.listed++;
	return 0;
}

int stack_entry_merge(struct strmap *totals, struct buf *key,
		      const struct stack_entry *local, uint32_t host,
		      size_t list_hosts)
{
	struct stack_entry *t = stack_entry_get(totals, key, local->r.kind, local->r.flags,
						 local->r.part, local->r.nparts);
	size_t i, j;

	if (!t || add_host(t, host, list_hosts ? list_hosts : 1))
		return -ENOMEM;
	for (i = 0; i < 2; i++) {
		for (j = 0; j < local->r.set[i].n; j++)
			if (stack_entry_detail(t, (int)i, local->r.set[i].v[j].p,
					       local->r.set[i].v[j].n))
				return -ENOMEM;
		if (local->r.set[i].more)
			t->r.set[i].more = true;
	}
	return 0;
}

void stack_entry_free(void *p)
{
	struct stack_entry *e = p;
	size_t i, j;

	if (!e)
		return;
	for (i = 0; i < 2; i++)
		for (j = 0; j < e->r.set[i].n; j++)
			free(e->own[i][j]);
	free(e->parts);
	free(e->host);
	free(e);
}
