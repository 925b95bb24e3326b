/* verify: checking a whole archive against its MANIFEST.sha256, and the problems it reports. */
#ifndef PROCSNAP_VERIFY_H
#define PROCSNAP_VERIFY_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "digest.h"

/*
 * The problems a verification reports: manifest.h finds the first five
 * by comparing hashes, snapreader.h the last while reading names.
 */
enum verify_problem {
	VERIFY_TAMPERED,      /* the member's bytes hash differently */
	VERIFY_EXTRA,         /* in the archive, not in the manifest */
	VERIFY_MISSING,       /* in the manifest, not in the archive */
	VERIFY_DUPLICATE,     /* a name twice in the archive or the manifest */
	VERIFY_BAD_MANIFEST,  /* a manifest line that is not "HEX  NAME" */
	VERIFY_UNKNOWN,       /* a name outside the format (reported by snapreader) */
};

/* "tampered", "extra", "missing", "duplicate", "bad-manifest", "unknown". */
const char *verify_problem_name(enum verify_problem p);

/*
 * Called once per problem.  name is the member name escaped for display
 * (escape_text: one line, valid UTF-8); message is a whole sentence naming
 * the member and what is wrong.  Both are borrowed for the call only.
 */
typedef void (*verify_fn)(void *arg, enum verify_problem p, const char *name,
			  const char *message);

/* The outcome of verify_archive(). */
struct verify_result {
	bool ok;                 /* complete, and every member matches */
	uint64_t members;        /* members read, the manifest included */
	unsigned long problems;  /* reported through fn */
	int error;               /* 0, or why reading stopped (snapreader) */
	char message[1024];      /* that error, escaped; "" when none */
	char sha256[DIGEST_HEX_LEN + 1]; /* of the archive file; "" if unknown */
	uint64_t bytes;          /* the archive file's length */
};

struct snapreader_progress;

/* How to verify: all may be zero. */
struct verify_opts {
	verify_fn problem;      /* each problem, with arg */
	void *arg;
	/* Borrowed: when it becomes non-zero, reading stops (-EINTR). */
	const volatile sig_atomic_t *stop;
	/* Where the reading is (snapreader.h's snapreader_progress_fn). */
	void (*progress)(void *arg, const struct snapreader_progress *p);
	void *progress_arg;
};

/*
 * Streams the whole archive at path ("-": stdin) once: hashes every member
 * and the file itself, and compares with the manifest (docs/FORMAT.md,
 * "The manifest").  Each problem found goes to o->problem.  Returns 0 when
 * there is a verdict in res (res->ok; a damaged or truncated archive is a
 * verdict: not ok, with res->error and res->message), or -errno when none
 * could be reached (cannot open or read, stopped (-EINTR), an unknown
 * format version, out of memory; res->message says why).  o may be NULL.
 */
int verify_archive(const char *path, const struct verify_opts *o,
		   struct verify_result *res);

#endif
