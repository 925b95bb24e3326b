/* sockdiag: sockets from the kernel's netlink sock_diag interface (what ss reads), raw and parsed. */
#ifndef PROCSNAP_SOCKDIAG_H
#define PROCSNAP_SOCKDIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "parse.h"

/*
 * sock_diag (linux/sock_diag.h, inet_diag.h, unix_diag.h) lists a network
 * namespace's sockets straight from the kernel's socket tables, apart
 * from the text of /proc/net/{tcp,udp,unix}, which a rootkit can filter
 * on its own (hooking tcp4_seq_show, or a preloaded read()).  It also
 * says what /proc/net/unix cannot: a unix socket's peer, and its real
 * state.  A netlink socket belongs to the network namespace it was
 * created in: the dump is of that namespace.
 *
 * The kinds are in the order of sockets_tables: tcp, tcp6, udp, udp6,
 * unix.  Functions return 0 or -errno and never print.
 */
enum sockdiag_kind {
	SOCKDIAG_TCP, SOCKDIAG_TCP6, SOCKDIAG_UDP, SOCKDIAG_UDP6, SOCKDIAG_UNIX,
	SOCKDIAG_NKINDS
};

/* "tcp", "tcp6", "udp", "udp6", "unix". */
extern const char *const sockdiag_names[SOCKDIAG_NKINDS];

/* A NETLINK_SOCK_DIAG socket in the calling thread's network namespace:
 * an fd (close it), or -errno. */
int sockdiag_open(void);

/*
 * One dump of every socket of a kind, appended to out as the netlink
 * messages came (each datagram padded to 4 bytes), up to and including
 * NLMSG_DONE.  A kind the kernel cannot dump (udp_diag not built) is
 * -ENOENT or -EOPNOTSUPP: the netlink error it answered.
 */
int sockdiag_dump(int fd, enum sockdiag_kind kind, struct buf *out);

/*
 * Parses what sockdiag_dump() appended: fn is called for each socket
 * with an inode (time-wait and request sockets have none), with a
 * parse_sock filled as parse_net_inet()/parse_net_unix() fill it from
 * /proc/net, plus the unix peer.  When known (may be NULL) says the
 * caller has that inode already, only ino, state, type and peer are
 * filled (addresses and names, the costly part, are left empty).  fn
 * returns 0 to go on.  Returns 0, fn's value, the netlink error the dump
 * ended with, or -EBADMSG for bytes that are not a whole dump.  Pure: no
 * I/O.
 */
int sockdiag_parse(const void *data, size_t len, enum sockdiag_kind kind,
		   bool (*known)(uint64_t ino, void *arg),
		   int (*fn)(const struct parse_sock *sk, void *arg), void *arg);

#endif
