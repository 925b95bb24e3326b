/* fdflags: an fd's open flags (fdinfo "flags") as lsof shows them: its mode letter and O_* names. */
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

/* Enough for every name at once. */
#define FDFLAGS_MAX 24

#endif
