/* reuse: content an earlier round of a series stored, referenced by later rounds instead of copied again. */
#ifndef PROCSNAP_REUSE_H
#define PROCSNAP_REUSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "content.h"
#include "digest.h"

/*
 * A series (procsnap --every) captures the same host again and again: a
 * deleted file held for the whole series would be stored by every round.
 * The table maps a file's (st_dev, st_ino) to the round that stored its
 * bytes: the archive, the member, the SHA-256, and the size, mtime and
 * ctime the file had then.  A later round whose pinned file still has the
 * same (dev, ino, size, mtime, ctime) records the hash and names that
 * archive and member instead of copying the bytes (docs/FORMAT.md,
 * "Content referenced from an earlier round").  ctime is in the key
 * because utimensat(2) can set mtime back but not ctime.
 *
 * Only what can be trusted is offered (reuse_offer): a copy that is whole
 * (captured, not changed while read), of a file whose mtime was at least
 * REUSE_QUIET_NS older than the read that began copying it: a write after
 * the read then shows in mtime, however coarse the file system's clock.
 * Files on shmem, ramfs or hugetlbfs (memfds, tmpfs, System V shared
 * memory) are never offered: a write through a shared mapping of them
 * never moves mtime.
 *
 * A round works on its own copy of the table (the series forks each
 * round): it looks files up (reuse_find) and notes what it stored
 * (reuse_offer, pending); when its archive is complete it sends the
 * pending entries to the series (reuse_send), which adds them to its
 * table for the rounds after (reuse_load).  The table is used by one
 * thread at a time (the capture's formatter during a round).
 */

/* How much older than the read a file's mtime must be for its copy to
 * be offered: more than any file system's timestamp granularity. */
#define REUSE_QUIET_NS 1000000000LL

struct reuse_entry {
	uint64_t dev, ino, size;
	struct timespec mtime, ctime;
	char sha256[DIGEST_HEX_LEN + 1];
	uint64_t stored, data;    /* as the storing round recorded them */
	uint64_t regions, holes_filled;
	bool sparse;
	char member[64];          /* "content/DEV-INO", relative to top */
	char *archive;            /* the archive's file name, in the series'
				   * directory; NULL while pending */
	char *top;                /* its top directory; NULL while pending */
};

struct reuse;

/* An empty table.  0 or -ENOMEM; free *r with reuse_free() either way. */
int reuse_new(struct reuse **r);

/*
 * The entry holding the bytes of the file st describes, when its (dev,
 * ino, size, mtime, ctime) are unchanged since that round stored it, and
 * the file is not on shmem, ramfs or hugetlbfs (pinfd, an O_PATH fd of
 * it, is fstatfs'ed); else NULL.  A hit is counted (reuse_hits).
 * Borrowed: lives as long as r.
 */
const struct reuse_entry *reuse_find(struct reuse *r, int pinfd, const struct stat *st);

/*
 * This round stored the whole file st describes as member (res: how),
 * read from read_start on: offered to later rounds (pending until
 * reuse_send) when it may be trusted, as above.  0 or -ENOMEM.
 */
int reuse_offer(struct reuse *r, int pinfd, const struct stat *st,
		const struct timespec *read_start, const char *member,
		const struct content_result *res);

/* Files referenced this round and their bytes (sizes). */
void reuse_hits(const struct reuse *r, uint64_t *files, uint64_t *bytes);

/* Writes the pending entries to fd, one text line each (made of numbers
 * and fixed words only).  0 or -errno. */
int reuse_send(const struct reuse *r, int fd);

/*
 * Adds the entries in text (what reuse_send wrote), stored in the
 * complete archive named archive with top directory top, replacing older
 * entries of the same (dev, ino).  0, -EBADMSG (a line not understood:
 * nothing of it added) or -ENOMEM.
 */
int reuse_load(struct reuse *r, const char *text, size_t len, const char *archive,
	       const char *top);

/* Entries in the table (pending ones apart). */
size_t reuse_count(const struct reuse *r);

void reuse_free(struct reuse *r);

#endif
