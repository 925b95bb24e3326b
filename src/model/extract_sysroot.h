/* extract_sysroot: the recovered files a core names, laid out by their paths under its sysroot (extract_sysroot.c, for extract_core.c). */
#ifndef PROCSNAP_EXTRACT_SYSROOT_H
#define PROCSNAP_EXTRACT_SYSROOT_H

#include <jansson.h>
#include <signal.h>
#include <stddef.h>

#include "digest.h"

/*
 * gdb, started with a sysroot, reads a mapping's file from SYSROOT/PATH,
 * PATH as the core's NT_FILE note gives it (the maps text, " (deleted)"
 * included).  The files the capture recovered (a deleted executable, a
 * deleted mapped library, a memfd) are put there, so that gdb shows the
 * code of a program that exists only in memory.  Every path is archive
 * text: only an absolute path of plain components (no "." or "..", none
 * empty but between slashes, none over NAME_MAX, no NUL) is laid out, each
 * directory made (0700) and opened without following a link, each file
 * made new (0600), all under the sysroot's descriptor.
 */

struct sysroot_file {
	char member[64];              /* content/DEV-INO */
	char sha[DIGEST_HEX_LEN + 1]; /* what its record says */
	char *path;                   /* the path gdb will ask for (malloc'ed) */
	size_t len;
};

struct sysroot {
	struct sysroot_file *f;
	size_t n, cap;
	unsigned long placed;         /* files written */
};

/* A record's recovered file (a "content" object) wanted at path (len
 * bytes).  Nothing is added when it has no member or sha256.  0 or
 * -ENOMEM. */
int sysroot_want(struct sysroot *s, const json_t *content, const char *path, size_t len);

/*
 * Reads archive (a file: a second reading) for the wanted members and
 * lays each out under rootfd (borrowed).  A path refused, or bytes that do
 * not hash to the record's sha256, are skipped and said to note(arg, msg).
 * 0, or -errno with msg (size n) set: the archive could not be read, a
 * write failed, stop was set.
 */
int sysroot_fill(struct sysroot *s, const char *archive, int rootfd,
		 const volatile sig_atomic_t *stop, void (*note)(void *arg, const char *msg),
		 void *arg, char *msg, size_t n);

void sysroot_free(struct sysroot *s);

#endif
