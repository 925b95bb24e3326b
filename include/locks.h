/* locks: a pure parser of /proc/locks lines, for the leases a read would break.  No I/O. */
#ifndef PROCSNAP_LOCKS_H
#define PROCSNAP_LOCKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One line of /proc/locks, as fs/locks.c (lock_get_status) prints it:
 *
 *   1: LEASE  ACTIVE    WRITE 4508 fe:00:10993892 0 EOF
 *   1: -> LEASE  BREAKER   READ 4510 <none>:0 0 EOF
 *   2: POSIX  ADVISORY  WRITE 812 00:1b:777 0 EOF
 *
 * The device is MAJOR:MINOR of the file system's s_dev, in hex; the inode
 * in decimal.  A "->" line is a waiter blocked on the lock above it.
 */
enum locks_class {
	LOCKS_POSIX,
	LOCKS_FLOCK,
	LOCKS_OFD,     /* OFDLCK: open file description locks */
	LOCKS_LEASE,   /* F_SETLEASE */
	LOCKS_DELEG,   /* an NFS server's delegation: a lease by another name */
	LOCKS_OTHER,
};

struct locks_entry {
	enum locks_class cls;
	bool waiter;        /* "->": blocked on the lock listed before it */
	char state[12];     /* leases: ACTIVE, BREAKING, BREAKER; locks: ADVISORY, ... */
	char type[8];       /* READ, WRITE or UNLCK (a breaking lease: what it breaks to) */
	int pid;            /* in procsnap's pid namespace; -1 for OFD locks */
	bool has_inode;     /* false for "<none>:0" (a lease breaker's entry) */
	unsigned major, minor;
	uint64_t ino;
};

/* Returns 0, or -EINVAL when the line is not a lock line. */
int locks_parse_line(const char *s, size_t n, struct locks_entry *out);

/* A lease (or delegation) that an open for reading would break or wait
 * on: a WRITE one, or one breaking already.  A READ lease is broken only
 * by an open for writing (fcntl(2), F_SETLEASE). */
bool locks_read_conflicts(const struct locks_entry *e);

#endif
