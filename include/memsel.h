/* memsel: which mappings of a process a memory capture reads — pure rules over maps lines and smaps VmFlags. */
#ifndef PROCSNAP_MEMSEL_H
#define PROCSNAP_MEMSEL_H

#include <stdbool.h>
#include <stddef.h>

#include "capture.h"
#include "parse.h"

/*
 * The rules of --memory (docs/FORMAT.md, "memory"), apart from the I/O so
 * that they are tested on real maps and smaps text.  No function here
 * reads anything or fails.
 *
 * "Anonymous" is decided by the kernel's own fields, never by a name the
 * process chose: inode 0 on device 0:0 (no file behind the mapping), with
 * no path or one of the kernel's names for a process's own memory:
 * [heap], [stack], [stack:TID] and [anon:NAME] (prctl PR_SET_VMA_ANON_NAME:
 * the kernel always prints the prefix, so a name cannot pass as another
 * kind).  The kernel's special mappings ([vdso], [vvar], [vsyscall],
 * [uprobes]...) are not the process's memory.
 */

/* --memory: "exec", "none", "full". */
const char *memsel_mode_name(enum capture_memory m);
/* Parses one of those names; 0 or -EINVAL. */
int memsel_parse_mode(const char *s, enum capture_memory *m);

/* Why a mapping is captured. */
enum memsel_why {
	MEMSEL_NO,          /* it is not */
	MEMSEL_ANON_EXEC,   /* "anon-exec": anonymous and executable */
	MEMSEL_FILELESS,    /* "fileless-exe": anonymous, in a process running
			     * from a deleted, memfd or tmpfs executable */
	MEMSEL_FULL,        /* "full": --memory full */
};

/* "anon-exec", "fileless-exe", "full"; "" for MEMSEL_NO. */
const char *memsel_why_name(enum memsel_why w);

/* The mapping is the process's own anonymous memory (see above). */
bool memsel_anonymous(const struct parse_map *pm);

/* Never read, whatever the mode: [vvar], [vvar_vclock] (any [vvar...]:
 * the kernel's data pages, mapped by PFN) and [vsyscall]. */
bool memsel_never(const struct parse_map *pm);

/*
 * Whether mode captures the mapping pm of a process whose executable is
 * deleted, a memfd or on tmpfs (fileless_exe):
 *  exec  anonymous with x: MEMSEL_ANON_EXEC; with fileless_exe, every
 *        other anonymous mapping with any access (r, w or x):
 *        MEMSEL_FILELESS;
 *  full  every readable private or anonymous mapping (MEMSEL_ANON_EXEC
 *        when it is also anonymous and executable, else MEMSEL_FULL);
 *  none  nothing.
 * Mappings with no access at all (---p: guard pages, reservations) are
 * not captured by exec or full.
 */
enum memsel_why memsel_pick(enum capture_memory mode, const struct parse_map *pm,
			    bool fileless_exe);

/*
 * A cheap first look at one maps line for exec mode without a fileless
 * executable: false when the line cannot be chosen (its perms have no x),
 * so that a process with nothing to capture costs a memchr per line.
 */
bool memsel_maybe_exec(const char *line, size_t len);

/*
 * Why the smaps entry of a chosen mapping forbids reading it, or NULL
 * when it may be read: "device" (VmFlags io or pf: VM_IO, VM_PFNMAP,
 * device memory whose reads can hang or have side effects),
 * "no-vmflags" (the entry has no VmFlags line: unknown, so not read).
 */
const char *memsel_refuse(const struct parse_smaps *sm);

#endif
