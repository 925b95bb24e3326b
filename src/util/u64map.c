/* u64map: a hash map from a pair of 64-bit keys to a borrowed pointer. */
#include <errno.h>
#include <stdlib.h>

#include "u64map.h"

static size_t hash(uint64_t a, uint64_t b)
{
	uint64_t h = a * 0x9e3779b97f4a7c15ULL ^ (b + 0x632be59bd9b4e019ULL);

	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 29;
	return (size_t)h;
}

static struct u64map_slot *find(struct u64map_slot *slots, size_t cap,
				uint64_t a, uint64_t b)
{
	size_t i = hash(a, b) & (cap - 1);

	while (slots[i].value && (slots[i].a != a || slots[i].b != b))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

void *u64map_get(const struct u64map *m, uint64_t a, uint64_t b)
{
	if (!m->cap)
		return NULL;
	return find(m->slots, m->cap, a, b)->value;
}

static int grow(struct u64map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64, i;
	struct u64map_slot *s = calloc(cap, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (i = 0; i < m->cap; i++)
		if (m->slots[i].value)
			*find(s, cap, m->slots[i].a, m->slots[i].b) = m->slots[i];
	free(m->slots);
	m->slots = s;
	m->cap = cap;
	return 0;
}

int u64map_put(struct u64map *m, uint64_t a, uint64_t b, void *value)
{
	struct u64map_slot *s;
	int r;

	if (!value)
		return -EINVAL;
	if ((m->len + 1) * 2 > m->cap) {
		r = grow(m);
		if (r)
			return r;
	}
	s = find(m->slots, m->cap, a, b);
	if (!s->value)
		m->len++;
	s->a = a;
	s->b = b;
	s->value = value;
	return 0;
}

void u64map_free(struct u64map *m, void (*free_value)(void *))
{
	size_t i;

	if (!m)
		return;
	if (free_value)
		for (i = 0; i < m->cap; i++)
			if (m->slots[i].value)
				free_value(m->slots[i].value);
	free(m->slots);
	m->slots = NULL;
	m->cap = m->len = 0;
}
