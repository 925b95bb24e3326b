/* strmap: a hash map from byte strings to borrowed pointers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "strmap.h"

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint64_t hash(uint64_t seed, const unsigned char *p, size_t n)
{
	uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ULL), w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ mix(w)) * 0x87c37b91114253d5ULL;
		h = (h << 31) | (h >> 33);
	}
	w = 0;
	memcpy(&w, p, n);
	h ^= mix(w ^ 0x4cf5ad432745937fULL);
	return mix(h);
}

static struct strmap_slot *find(struct strmap_slot *slots, size_t cap, uint64_t h,
				 const void *key, size_t len)
{
	size_t i = (size_t)h & (cap - 1);

	while (slots[i].key && (slots[i].hash != h || slots[i].len != len ||
				memcmp(slots[i].key, key, len) != 0))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

void *strmap_get(const struct strmap *m, const void *key, size_t len)
{
	if (!m->cap)
		return NULL;
	return find(m->slots, m->cap, hash(m->seed, key, len), key, len)->value;
}

static int grow(struct strmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64, i;
	struct strmap_slot *s = calloc(cap, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (i = 0; i < m->cap; i++)
		if (m->slots[i].key)
			*find(s, cap, m->slots[i].hash, m->slots[i].key, m->slots[i].len) = m->slots[i];
	free(m->slots);
	m->slots = s;
	m->cap = cap;
	return 0;
}

int strmap_put(struct strmap *m, const void *key, size_t len, void *value)
{
	struct strmap_slot *s;
	uint64_t h;
	int r;

	if (!value)
		return -EINVAL;
	if (!m->slots && getrandom(&m->seed, sizeof(m->seed), GRND_NONBLOCK) != sizeof(m->seed))
		m->seed = mix((uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)m);
	if ((m->len + 1) * 2 > m->cap) {
		r = grow(m);
		if (r)
			return r;
	}
	h = hash(m->seed, key, len);
	s = find(m->slots, m->cap, h, key, len);
	if (!s->key) {
		/* One byte more, so a key of 0 bytes is not malloc(0). */
		s->key = malloc(len + 1);
		if (!s->key)
			return -ENOMEM;
		memcpy(s->key, key, len);
		s->key[len] = '\0';
		s->hash = h;
		s->len = len;
		m->len++;
	}
	s->value = value;
	return 0;
}

void strmap_clear(struct strmap *m, void (*free_value)(void *))
{
	size_t i;

	for (i = 0; i < m->cap; i++) {
		if (!m->slots[i].key)
			continue;
		if (free_value)
			free_value(m->slots[i].value);
		free(m->slots[i].key);
		m->slots[i].key = NULL;
		m->slots[i].value = NULL;
	}
	m->len = 0;
}

void strmap_free(struct strmap *m, void (*free_value)(void *))
{
	strmap_clear(m, free_value);
	free(m->slots);
	m->slots = NULL;
	m->cap = 0;
}
