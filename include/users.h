/* users: uid and gid names from an archive's copies of /etc/passwd and /etc/group (hostile text, bounded). */
#ifndef PROCSNAP_USERS_H
#define PROCSNAP_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The text comes from a possibly compromised host (host/etc/passwd and
 * host/etc/group, docs/FORMAT.md "Host files"): any bytes, any length.
 * So the table
 *  - reads at most USERS_MAX_BYTES of each file (the capture stores at
 *    most 16 MiB) and keeps at most USERS_MAX_ENTRIES names of each kind;
 *  - takes a line only when it is NAME:PASSWORD:ID:... with a non-empty
 *    NAME without NUL, and ID decimal digits up to 4294967295 (uid_t);
 *    comments, NIS "+"/"-" lines and anything else are passed over and
 *    counted;
 *  - gives the first name of an id, as getpwuid(3) does: a second name for
 *    uid 0 further down does not replace "root";
 *  - hands out names as raw bytes: a caller shows them escaped
 *    (escape_text) and keeps the number beside them.
 * Nothing here prints or exits.
 */
#define USERS_MAX_BYTES (16u << 20)
#define USERS_MAX_ENTRIES (1u << 20)

struct users;

/* An empty table into *out (the caller frees it with users_free). 0 or -ENOMEM. */
int users_new(struct users **out);

/* The entries of passwd (name:password:uid:...) or group
 * (name:password:gid:...) text, added after those already in: a second
 * file's entries come after the first's.  0, -EFBIG (more than
 * USERS_MAX_BYTES: nothing added) or -ENOMEM. */
int users_add_passwd(struct users *u, const char *text, size_t n);
int users_add_group(struct users *u, const char *text, size_t n);

/* The name of uid (gid), its length in *len: NULL when unknown (no table,
 * no entry).  Borrowed from u: valid until u is changed or freed. */
const char *users_user(const struct users *u, uint64_t uid, size_t *len);
const char *users_group(const struct users *u, uint64_t gid, size_t *len);

/* The uid of the first passwd line named name (len bytes): true with
 * *uid, false when none is (or u is NULL). */
bool users_uid(const struct users *u, const char *name, size_t len, uint64_t *uid);

/* Whether passwd (group) text was added; lines passed over in both. */
bool users_have_passwd(const struct users *u);
bool users_have_group(const struct users *u);
size_t users_skipped(const struct users *u);

/* NULL is fine. */
void users_free(struct users *u);

#endif
