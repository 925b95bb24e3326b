/* memregion: the captured memory regions of a snapshot as a scanner (triage, YARA) needs them — which, their bytes at their addresses, their records. */
#ifndef PROCSNAP_MEMREGION_H
#define PROCSNAP_MEMREGION_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

/*
 * Over a snapshot opened with opts.memory, each SNAPSHOT_MEMORY item is a
 * region: proc/PID/mem/START-END, the bytes of [START, END) of PID's
 * memory.  Its data is left unread by the snapshot: memregion_blocks()
 * hands it to a scanner as blocks at their addresses (what libyara's
 * yr_rules_scan_mem_blocks() iterates), never as one copy: a region may be
 * tens of MiB.  Holes (pages of zeros) are not handed out: a scanner that
 * needs them contiguous treats the gaps as zeros.
 *
 * The region's record (perms, why it was chosen, the pages that could not
 * be read, which are zeros in the member and not memory) is in its
 * process's process.json, which comes after the process's memory members
 * (docs/FORMAT.md): keep (pid, start) to name a finding, and look the
 * record up with memregion_record() when that process's SNAPSHOT_PROCESS
 * item comes.  Nothing here prints or exits.
 */

struct memregion {
	int pid;
	uint64_t start, end;      /* addresses of the member's bytes */
	const char *member;       /* "proc/PID/mem/START-END"; borrowed like the item */
};

/* The region of a SNAPSHOT_MEMORY item; false for any other item. */
bool memregion_of(const struct snapshot_item *it, struct memregion *r);

/*
 * The current member's data blocks, in address order: fn(arg, addr, data,
 * len) for each run of bytes that is not a hole (data borrowed for the
 * call).  A non-zero return from fn stops and is returned; otherwise 0,
 * or -errno from the reader (snapshot_error(s) says why).  Call once, right
 * after the item, before the next snapshot_next().
 */
int memregion_blocks(struct snapshot *s, const struct memregion *r,
		     int (*fn)(void *arg, uint64_t addr, const void *data, size_t len),
		     void *arg);

/* The record of the region starting at start in process.json (its
 * "memory" array), or NULL.  Borrowed from process. */
const json_t *memregion_record(const json_t *process, uint64_t start);

/* True when the record lists any byte of [addr, addr + len) as
 * unreadable: there the member holds zeros, not memory; a match there is
 * no finding. */
bool memregion_unreadable(const json_t *record, uint64_t addr, uint64_t len);

#endif
