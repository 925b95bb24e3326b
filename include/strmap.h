/* strmap: a hash map from byte strings to borrowed pointers. */
#ifndef PROCSNAP_STRMAP_H
#define PROCSNAP_STRMAP_H

#include <stddef.h>
#include <stdint.h>

/*
 * Keys are any bytes (NUL included), compared in full, so two keys never
 * share a value however their hashes collide.  The hash is seeded from
 * getrandom() per map: keys come from hostile archives, and a fixed hash
 * would let them be chosen to collide.  Open addressing, linear probing,
 * grows at 50% load.  The map owns a copy of each key; values are the
 * caller's (strmap_free() calls free_value, which may be NULL, on each).
 * Not thread-safe: one map, one thread at a time.
 */
struct strmap_slot {
	uint64_t hash;
	char *key;       /* NULL: empty slot */
	size_t len;
	void *value;
};

struct strmap {
	struct strmap_slot *slots;
	size_t cap, len;
	uint64_t seed;
};
#define STRMAP_INIT { NULL, 0, 0, 0 }

/* The value of key[0..len), or NULL. */
void *strmap_get(const struct strmap *m, const void *key, size_t len);
/* Inserts or replaces; value must not be NULL.  0, -EINVAL or -ENOMEM. */
int strmap_put(struct strmap *m, const void *key, size_t len, void *value);
/* The i-th slot in table order, for walking every entry: i < m->cap,
 * slot->key NULL for an empty one. */
static inline const struct strmap_slot *strmap_slot(const struct strmap *m, size_t i)
{
	return &m->slots[i];
}
/* Empties the map (free_value on each value), keeping the table. */
void strmap_clear(struct strmap *m, void (*free_value)(void *));
void strmap_free(struct strmap *m, void (*free_value)(void *));

#endif
