/* sockets: the socket inode table built from /proc/net/{tcp,tcp6,udp,udp6,unix}. */
#ifndef PROCSNAP_SOCKETS_H
#define PROCSNAP_SOCKETS_H

#include <stdint.h>

#include "parse.h"
#include "u64map.h"

struct sockets {
	struct u64map by_ino; /* inode -> struct parse_sock (owned) */
};
#define SOCKETS_INIT { U64MAP_INIT }

/* The tables the snapshot keeps raw, relative to the proc root. */
extern const char *const sockets_tables[];

/*
 * Adds every socket of one table's text (name is a sockets_tables entry,
 * e.g. "net/tcp6").  Unparseable lines are skipped and counted in *bad.
 */
int sockets_add_table(struct sockets *s, const char *name, const char *text,
		      size_t len, unsigned *bad);

/* The socket with this inode, or NULL.  Borrowed: lives as long as s. */
const struct parse_sock *sockets_find(const struct sockets *s, uint64_t ino);

void sockets_free(struct sockets *s);

#endif
