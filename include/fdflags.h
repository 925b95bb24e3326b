/* fdflags: an fd's open flags (fdinfo "flags") as lsof shows them: its mode letter, O_* names and lsof's own names. */
#ifndef PROCSNAP_FDFLAGS_H
#define PROCSNAP_FDFLAGS_H

#include <stddef.h>
#include <stdint.h>

/*
 * The bits of f_flags differ between architectures (the kernel's
 * include/uapi/asm-generic/fcntl.h, and arch/ARCH/include/uapi/asm/fcntl.h
 * where an architecture has its own): the host's uname machine
 * (host.json) says which table applies.  The access mode (O_ACCMODE) and
 * the bits below O_NONBLOCK are the same on the architectures known here.
 */

/* lsof's mode letter: 'r' (O_RDONLY), 'w' (O_WRONLY), 'u' (O_RDWR), or
 * ' ' (O_ACCMODE 3: no access, e.g. an O_PATH-like open). */
char fdflags_access(uint64_t flags);

/* The names of the flags, "O_RDWR", "O_APPEND", "O_CLOEXEC", ..., the
 * access mode first, for machine (NULL or unknown: only the bits every
 * architecture shares).  Up to max names into names[] (static strings);
 * returns how many.  Bits without a name are left in *rest. */
size_t fdflags_names(uint64_t flags, const char *machine, const char **names,
		     size_t max, uint64_t *rest);

/* The same flags as lsof +fg prints them (its FILE-FLAG column), in its
 * order: "W" or "RW" (nothing for O_RDONLY), then "AP", "ND", "SYN",
 * "DIR", "DTY", "NFLK", "NATM", "LG", "CX", "PATH", "TMPF", ... for
 * machine as fdflags_names() decodes it.  Up to max names into names[]
 * (static strings); returns how many.  Bits without a name are left in
 * *rest (lsof prints them as one trailing 0x... entry). */
size_t fdflags_lsof(uint64_t flags, const char *machine, const char **names, size_t max,
		    uint64_t *rest);

/* Row i of that table, in lsof's order: returns lsof's name (NULL past
 * the end), and sets *bit to its bits on machine (0: none there) and
 * *flag to the O_* name fdflags_names() gives them. */
const char *fdflags_lsof_row(size_t i, const char *machine, uint64_t *bit, const char **flag);

/* Enough for every name at once. */
#define FDFLAGS_MAX 24

#endif
