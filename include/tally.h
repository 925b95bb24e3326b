/* tally: rows counted by a key of bytes, most frequent first (fds --count). */
#ifndef PROCSNAP_TALLY_H
#define PROCSNAP_TALLY_H

#include <stddef.h>

#include "buf.h"

/*
 * Rows are added one at a time with the key they are counted by (any
 * bytes) and the pid they belong to; tally_groups() then gives each
 * distinct key once, with how many rows had it and the distinct pids
 * among them, the most frequent first, equal counts in byte order of
 * their keys.  Memory grows with the rows added (their keys are kept).
 */
struct tally_entry {
	size_t off, len;          /* the key: text.data[off, off + len) */
	int pid;
};

struct tally {
	struct buf text;
	struct tally_entry *v;
	size_t n, cap;
};
#define TALLY_INIT { BUF_INIT, NULL, 0, 0 }

/* 0 or -ENOMEM. */
int tally_add(struct tally *t, const void *key, size_t len, int pid);

struct tally_group {
	const char *key;          /* borrowed from the tally */
	size_t len;
	unsigned long count;      /* rows */
	const int *pids;          /* distinct, ascending; borrowed */
	size_t npids;
};

/*
 * Calls fn for each group in order, until it returns non-zero (that value
 * is returned).  0, fn's value, or -ENOMEM.  The tally stays usable only
 * for tally_free afterwards.
 */
int tally_groups(struct tally *t, int (*fn)(void *arg, const struct tally_group *g),
		 void *arg);

void tally_free(struct tally *t);

#endif
