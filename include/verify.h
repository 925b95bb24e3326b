/* verify: comparing the members read from an archive with its MANIFEST.sha256. */
#ifndef PROCSNAP_VERIFY_H
#define PROCSNAP_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "digest.h"

/*
 * docs/FORMAT.md: the manifest lists every other member exactly once, in
 * archive order, as "<64 hex>  <name relative to TOP/>\n".  Members are
 * added as they are read; the manifest (the last member) is added last;
 * verify_check() then reports every disagreement.  Memory is O(members),
 * never O(member data).
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

struct verify;

int verify_new(struct verify **v);
/* A member as read from the archive, with the SHA-256 of its data. */
int verify_add(struct verify *v, const char *name, const char hex[DIGEST_HEX_LEN + 1]);
/* The manifest's bytes (bounded by the caller). */
int verify_manifest(struct verify *v, const char *text, size_t len);
/*
 * Compares and reports (fn may be NULL).  Returns the number of problems
 * (>= 0) or -ENOMEM.  Call once, after verify_manifest().
 */
long verify_check(struct verify *v, verify_fn fn, void *arg);

/* After verify_check: true when name was in the archive once, listed once,
 * with a matching hash. */
bool verify_member_ok(const struct verify *v, const char *name);
/* The hash the manifest lists for name, or NULL.  Borrowed from v. */
const char *verify_expected(const struct verify *v, const char *name);
/* Members added (the manifest not included). */
uint64_t verify_count(const struct verify *v);
void verify_free(struct verify *v);

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

/*
 * Streams the whole archive at path ("-": stdin) once: hashes every member
 * and the file itself, and compares with the manifest (docs/FORMAT.md,
 * "The manifest").  Each problem found goes to fn.  Returns 0 when there
 * is a verdict in res (res->ok; a damaged or truncated archive is a
 * verdict: not ok, with res->error and res->message), or -errno when none
 * could be reached (cannot open or read, an unknown format version, out of
 * memory; res->message says why).
 */
int verify_archive(const char *path, verify_fn fn, void *arg,
		   struct verify_result *res);

#endif
