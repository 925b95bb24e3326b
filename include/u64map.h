/* u64map: a hash map from a pair of 64-bit keys to a borrowed pointer. */
#ifndef PROCSNAP_U64MAP_H
#define PROCSNAP_U64MAP_H

#include <stddef.h>
#include <stdint.h>

/*
 * Open addressing, linear probing, grows at 50% load.  Values are owned
 * by the caller; u64map_free() frees only the table, after calling
 * free_value (may be NULL) on each value.
 */
struct u64map_slot {
	uint64_t a, b;
	void *value; /* NULL: empty slot */
};

struct u64map {
	struct u64map_slot *slots;
	size_t cap, len;
};
#define U64MAP_INIT { NULL, 0, 0 }

void *u64map_get(const struct u64map *m, uint64_t a, uint64_t b);
/* Inserts or replaces; value must not be NULL.  Returns 0 or -ENOMEM. */
int u64map_put(struct u64map *m, uint64_t a, uint64_t b, void *value);
void u64map_free(struct u64map *m, void (*free_value)(void *));

#endif
