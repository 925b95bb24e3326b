/* extract_mem: the captured memory regions of a snapshot written into a directory, each one verified. */
#ifndef PROCSNAP_EXTRACT_MEM_H
#define PROCSNAP_EXTRACT_MEM_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Each region stored as proc/PID/mem/START-END goes to DIR/PID/mem/START-END
 * (holes kept, 0600), named from numbers only.  As extract.h does for
 * recovered files: everything is staged first in a directory of its own
 * inside DIR, and a region gets its name only when the whole archive was
 * read and its member matches the manifest, its bytes hash to the sha256
 * its record in process.json gives, and that process.json matches the
 * manifest.  A region that fails is not placed; the failure goes to
 * problem.  Never over an existing file, never through a link.
 */

struct extract_mem_file {
	const char *path;     /* relative to DIR: "PID/mem/START-END" */
	int pid;
	uint64_t start, end;
	const char *sha256;
	const char *member;   /* "proc/PID/mem/START-END" */
	const char *status;   /* captured or truncated (escaped archive text) */
};

struct extract_mem_opts {
	const char *dir;       /* made (0700) if missing */
	const int *pids;       /* borrowed; npids == 0: every process */
	size_t npids;
	/* Borrowed: when it becomes non-zero, extraction stops with -EINTR. */
	const volatile sig_atomic_t *stop;
	void (*file)(void *arg, const struct extract_mem_file *f);  /* each placed */
	void (*problem)(void *arg, const char *msg);  /* each failed check */
	void *arg;             /* for both; both may be NULL */
};

struct extract_mem_result {
	unsigned long files;      /* regions placed */
	unsigned long problems;   /* failures reported through problem */
	uint64_t bytes;           /* region bytes written, holes included */
	char message[1024];       /* why extract_mem_run failed */
};

/* Reads archive ("-": stdin) once.  0 when it was read to its end
 * (res->problems says whether everything verified), or -errno on trouble
 * (res->message); the staging directory is removed in every case. */
int extract_mem_run(const char *archive, const struct extract_mem_opts *opts,
		    struct extract_mem_result *res);

#endif
