/* output: where an archive is written — a nameless file linked in when whole, or stdout. */
#ifndef PROCSNAP_OUTPUT_H
#define PROCSNAP_OUTPUT_H

#include <stdbool.h>

/*
 * In a directory the archive is written nameless (O_TMPFILE, 0600) and
 * linked in as <name> only by output_commit(), after fsync: a failed,
 * interrupted or killed capture never leaves a file, and while it runs
 * the directory shows no name that says a capture is under way.  Where
 * the file system has no O_TMPFILE (vfat, some FUSE and network file
 * systems) it is written as ".<16 random hex digits>.partial" (O_EXCL)
 * and renamed.
 */
struct output {
	int fd;
	int dirfd;
	bool is_stdout;
	bool named;  /* set before output_open: a named partial file even where
		      * O_TMPFILE works (tests); set by it when it had to */
	char *tmp;   /* the partial file's name, relative to dirfd, or NULL */
	char *name;  /* final name, relative to dirfd */
	char *path;  /* dir + "/" + name, for the user */
};
#define OUTPUT_INIT { -1, -1, false, false, NULL, NULL, NULL }

/* dir "-" means standard output. */
int output_open(struct output *o, const char *dir, const char *name);
/* Makes the archive final.  Returns 0 or -errno (-EEXIST: the name was
 * taken meanwhile; nothing is ever replaced). */
int output_commit(struct output *o);
/* Removes the partial file, if any; releases everything.  Accepts INIT. */
void output_close(struct output *o, bool keep);

#endif
