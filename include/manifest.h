/* manifest: the table of member hashes read from an archive, compared with its MANIFEST.sha256. */
#ifndef PROCSNAP_MANIFEST_H
#define PROCSNAP_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "verify.h"

/*
 * docs/FORMAT.md: the manifest lists every other member exactly once, in
 * archive order, as "<64 hex>  <name relative to TOP/>\n".  Members are
 * added as they are read; the manifest (the last member) is added last;
 * manifest_check() then reports every disagreement.  Memory is O(members),
 * never O(member data).
 */
struct manifest;

int manifest_new(struct manifest **v);
/* A member as read from the archive, with the SHA-256 of its data. */
int manifest_add(struct manifest *v, const char *name, const char hex[DIGEST_HEX_LEN + 1]);
/* The manifest's bytes (bounded by the caller). */
int manifest_parse(struct manifest *v, const char *text, size_t len);
/*
 * Compares and reports (fn may be NULL).  Returns the number of problems
 * (>= 0) or -ENOMEM.  Call once, after manifest_parse().
 */
long manifest_check(struct manifest *v, verify_fn fn, void *arg);

/* After manifest_check: true when name was in the archive once, listed once,
 * with a matching hash. */
bool manifest_member_ok(const struct manifest *v, const char *name);
/* The hash the manifest lists for name, or NULL.  Borrowed from v. */
const char *manifest_expected(const struct manifest *v, const char *name);
/* Members added (the manifest not included). */
uint64_t manifest_count(const struct manifest *v);
void manifest_free(struct manifest *v);

#endif
