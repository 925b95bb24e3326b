/* stack_int.h: what the files of stack share.  Dependencies run one way:
 * stack (inputs, hosts, threads, totals) -> stack_keys (one snapshot's
 * records into keys) -> stack_entry (a key, its details, its hosts) and
 * stack_shape (names and arguments with their numbers taken out). */
#ifndef PROCSNAP_STACK_INT_H
#define PROCSNAP_STACK_INT_H

#include <stdint.h>

#include "buf.h"
#include "stack.h"
#include "strmap.h"

/* A key with its details: in a reader's set (one host's keys) and in the
 * totals (with hosts).  The record's bytes point into the entry's own
 * copies. */
struct stack_entry {
	struct stack_record r;
	char *parts;                         /* every part, each NUL-ended */
	char *own[2][STACK_SET_MAX];         /* the details' bytes (r.set[].v[].p) */
	uint32_t *host;                      /* totals only: the hosts listed */
	size_t cap;                          /* of host[] (at most list_hosts) */
};

/*
 * The entry of (kind, flags, parts) in m, made when absent (no host, no
 * detail).  key is scratch.  NULL when out of memory.
 */
struct stack_entry *stack_entry_get(struct strmap *m, struct buf *key,
				    enum stack_kind kind, unsigned flags,
				    const struct stack_bytes *parts, size_t n);
/* Adds a detail value to set i of e (bounded: STACK_SET_MAX smallest). */
int stack_entry_detail(struct stack_entry *e, int i, const char *p, size_t n);
/* Adds local (one host's entry) into totals: the host counted once,
 * named when among the list_hosts first, the details merged. */
int stack_entry_merge(struct strmap *totals, struct buf *key,
		      const struct stack_entry *local, uint32_t host,
		      size_t list_hosts);
void stack_entry_free(void *e);

/* One reader: a worker thread's state, reused from snapshot to snapshot. */
struct stack_reader;

struct stack_reader *stack_reader_new(unsigned kinds);
void stack_reader_free(struct stack_reader *rd);
/* The keys read so far (one host's, until stack_reader_clear()). */
struct strmap *stack_reader_keys(struct stack_reader *rd);
void stack_reader_clear(struct stack_reader *rd);

/* What reading one snapshot gave. */
struct stack_read {
	uint64_t processes, unexamined;
	bool complete;                /* to the end of the archive */
	char error[1024];             /* when it stopped: why (escaped) */
};

/* Reads the snapshot at path into rd's keys.  0, or -errno with
 * out->error; what was read before an error stays counted.  -ENOMEM is
 * the caller's to treat as fatal. */
int stack_reader_read(struct stack_reader *rd, const char *path, struct stack_read *out);

/* The host of the snapshot at path: host.json's hostname (exact bytes,
 * malloc'd, NUL-ended, into *name, *len) and boot_id (escaped, malloc'd,
 * or NULL).  0, or -errno with the message in err. */
int stack_host_of(const char *path, char **name, size_t *len, char **boot_id,
		  char *err, size_t errlen);

#endif
