/* output: where an archive is written — a partial file renamed when whole, or stdout. */
#ifndef PROCSNAP_OUTPUT_H
#define PROCSNAP_OUTPUT_H

#include <stdbool.h>

/*
 * In a directory the archive is written as "<name>.partial" (O_EXCL, 0600)
 * and renamed to <name> only by output_commit(), after fsync: a failed or
 * interrupted capture never leaves a file under a final name.
 */
struct output {
	int fd;
	int dirfd;
	bool is_stdout;
	char *tmp;   /* "<name>.partial", relative to dirfd */
	char *name;  /* final name, relative to dirfd */
	char *path;  /* dir + "/" + name, for the user */
};
#define OUTPUT_INIT { -1, -1, false, NULL, NULL, NULL }

/* dir "-" means standard output. */
int output_open(struct output *o, const char *dir, const char *name);
/* Makes the archive final.  Returns 0 or -errno (the partial file stays). */
int output_commit(struct output *o);
/* Removes the partial file, if any; releases everything.  Accepts INIT. */
void output_close(struct output *o, bool keep);

#endif
