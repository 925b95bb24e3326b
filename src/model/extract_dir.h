/* extract_dir: what the extractions share (extract.c, extract_mem.c, extract_core.c): the directory they write into, a staging directory in it, and the message of their first failure. */
#ifndef PROCSNAP_EXTRACT_DIR_H
#define PROCSNAP_EXTRACT_DIR_H

#include <stddef.h>

/*
 * path and msg are borrowed (the caller's options and result) and must
 * outlive the struct.  fd and stagefd are the struct's: extract_dir_close()
 * closes them and removes the staging directory, which the caller has
 * emptied of what it did not place.
 */
struct extract_dir {
	const char *path;     /* the directory, as given */
	char *msg;            /* the result's message: the first failure's */
	size_t msgsize;
	int fd;               /* the directory, or -1 */
	int stagefd;          /* the staging directory, or -1 */
	char stage[64];       /* its name in the directory; "" when none */
};

/* For a result whose message is an array. */
#define EXTRACT_DIR_INIT(dir, message) { (dir), (message), sizeof(message), -1, -1, "" }

/* The message of the first failure only (the cause, not what followed
 * from it), into d->msg.  Returns err. */
int extract_dir_fail(struct extract_dir *d, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Makes the directory (0700) when missing and opens it: 0 or -errno
 * with the message. */
int extract_dir_open(struct extract_dir *d);

/* Makes and opens a staging directory (0700) in the opened directory,
 * under a name no one can guess: 0, or -errno with the message and no
 * staging directory left behind. */
int extract_dir_stage(struct extract_dir *d);

/* strerror(err), but for EEXIST what to do about it: a name placed is
 * never replaced. */
const char *extract_dir_strerror(int err);

/* Opens (making it, 0700) the directory name under dirfd, never through
 * a link: its fd (the caller's), or -errno. */
int extract_dir_sub(int dirfd, const char *name);

/* Closes both, removing the staging directory (it must be empty by
 * then).  Safe on a struct never opened, and twice. */
void extract_dir_close(struct extract_dir *d);

#endif
