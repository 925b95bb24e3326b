/* sockets: a network namespace's socket table, by inode, from /proc/net and sock_diag, and where the two disagree. */
#ifndef PROCSNAP_SOCKETS_H
#define PROCSNAP_SOCKETS_H

#include <stdbool.h>
#include <stdint.h>

#include "parse.h"
#include "sockdiag.h"
#include "u64map.h"

/* The two views of a namespace's sockets (parse_sock views, hidden). */
#define SOCK_VIEW_PROC 0x01 /* /proc/net/{tcp,tcp6,udp,udp6,unix} */
#define SOCK_VIEW_DIAG 0x02 /* netlink sock_diag */

struct sockets {
	struct u64map by_ino;            /* inode -> struct parse_sock (owned) */
	bool proc_ok[SOCKDIAG_NKINDS];   /* that kind's table was parsed */
	bool diag_ok[SOCKDIAG_NKINDS];   /* that kind's dump was parsed */
	uint64_t nhidden;                /* sockets flagged hidden */
};
#define SOCKETS_INIT { U64MAP_INIT, { false }, { false }, 0 }

/* The tables the snapshot keeps raw, relative to the proc root (in the
 * order of enum sockdiag_kind). */
extern const char *const sockets_tables[];

/*
 * Adds every socket of one table's text (name is a sockets_tables entry,
 * e.g. "net/tcp6").  Unparseable lines are skipped and counted in *bad.
 * A socket already known (from sock_diag: add the dumps first, it is
 * cheaper) keeps its fields and is only marked seen by this view.
 */
int sockets_add_table(struct sockets *s, const char *name, const char *text,
		      size_t len, unsigned *bad);

/*
 * Adds every socket of one sock_diag dump (sockdiag_dump's bytes).  A
 * socket already known from /proc/net keeps its fields, but a unix
 * socket takes the dump's state and peer.  0, or the dump's error.
 */
int sockets_add_diag(struct sockets *s, enum sockdiag_kind kind, const void *data,
		     size_t len);

/*
 * Sockets seen by one view only, where both views of their kind were
 * read: how many, and (when kinds is not NULL) which kinds have them.
 * A socket opened or closed between the two reads is one of them too.
 */
size_t sockets_unmatched(const struct sockets *s, bool kinds[SOCKDIAG_NKINDS]);

/*
 * Flags as hidden each socket s saw in one view only, when again (both
 * views read anew, afterwards) still sees it in that view only: it was
 * neither born nor gone between two reads.  Counted in s->nhidden.
 */
void sockets_confirm(struct sockets *s, const struct sockets *again);

/* The socket with this inode, or NULL.  Borrowed: lives as long as s. */
const struct parse_sock *sockets_find(const struct sockets *s, uint64_t ino);

/* Every socket, by kind then inode: a malloc'ed array of borrowed
 * pointers (free it), or NULL with *n 0 (none, or no memory: -ENOMEM). */
int sockets_sorted(const struct sockets *s, const struct parse_sock ***out, size_t *n);

void sockets_free(struct sockets *s);

#endif
