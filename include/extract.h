/* extract: writing a snapshot's recovered files into a directory, each one verified. */
#ifndef PROCSNAP_EXTRACT_H
#define PROCSNAP_EXTRACT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "snapreader.h"

/*
 * Every recovered object (objects.h) lands in the directory, named from
 * numbers only: DIR/PID/fd/N for a deleted-but-open file, DIR/PID/exe for
 * a deleted executable, DIR/PID/mapped/START-END for a deleted file the
 * process maps (its range, hex, from mapped_deleted; the executable's own
 * mappings are its exe).  A deleted cwd has no bytes: a note says so.  No
 * name, path or link target from the archive is ever used as a path.
 * Content held by several fds or mappings (one content member) is
 * written once and hard-linked.
 *
 * Every file is written first under a staging directory inside DIR (made
 * by us, 0700), with openat/O_EXCL|O_NOFOLLOW, mode 0600, holes kept; all
 * directories are made with mkdirat and opened O_NOFOLLOW, so nothing is
 * ever written outside DIR.  Only when the whole archive has been read
 * and verified does a file get its final name, and only if
 *  - its content member matches the manifest,
 *  - its bytes hash to the sha256 its fd (or exe) record gives, and
 *  - that record's member (fds.jsonl / process.json) matches the manifest.
 * A file that fails is not placed (its staged copy is removed) and the
 * failure goes to opts.problem, naming the file.  Any other problem the
 * verification finds in the archive goes there too.
 *
 * One pass reads the archive.  With --pid, content first met in a process
 * that was not chosen is staged only when the input cannot be read twice
 * (stdin); from a file it is fetched by a second pass, when needed.
 */

enum extract_object {
	EXTRACT_FD,
	EXTRACT_EXE,
	EXTRACT_MAPPED,
};

struct extract_file {
	const char *path;     /* relative to DIR: "PID/fd/N", "PID/exe",
	                       * "PID/mapped/START-END" */
	const char *object;   /* as fds lists it: "fd", "txt", "mem" */
	int pid;
	int fd;               /* -1 but for an fd */
	const char *start, *end; /* a mapping's range (hex), else NULL */
	const char *sha256;
	uint64_t size;
	const char *member;   /* "content/DEV-INO" */
	const char *status;   /* captured, truncated, shrunk: escaped archive text */
	const char *link_of;  /* an earlier path with the same content, or NULL */
};

typedef void (*extract_file_fn)(void *arg, const struct extract_file *f);
typedef void (*extract_msg_fn)(void *arg, const char *msg);

struct extract_opts {
	const char *dir;       /* made (0700) if missing */
	const int *pids;       /* borrowed; npids == 0: every process */
	size_t npids;
	const int *fds;        /* borrowed; nfds == 0: every fd, the exe and
	                        * the mapped files; an fd no process chosen
	                        * holds is trouble (-ENOENT) */
	size_t nfds;
	bool exe;              /* with fds: the executable too */
	/* Borrowed: when it becomes non-zero, extraction stops with -EINTR. */
	const volatile sig_atomic_t *stop;
	extract_file_fn file;  /* each file placed, after verification */
	extract_msg_fn problem; /* each verification failure: exit status 1 */
	extract_msg_fn note;   /* deleted files recorded without content */
	/* Where each reading of the archive is (snapreader.h); a second
	 * reading starts again from 0. */
	snapreader_progress_fn progress;
	void *arg;             /* for the four callbacks; all may be NULL */
};

struct extract_result {
	unsigned long files;      /* names placed (hard links included) */
	unsigned long problems;   /* failures reported through problem */
	uint64_t bytes;           /* content bytes written (once per file) */
	unsigned passes;          /* readings of the archive: 1 or 2 */
	char message[1024];       /* why extract_run failed, escaped */
};

/*
 * Extracts from archive ("-": stdin).  Returns 0 when the archive was read
 * to its end (res->problems says whether everything verified), or -errno
 * on trouble (res->message): a damaged archive, a file that exists
 * already, a write error, a --pid or --fd not in the snapshot.  On trouble the
 * staging directory is removed; files placed before it stay (verified).
 */
int extract_run(const char *archive, const struct extract_opts *opts,
		struct extract_result *res);

#endif
