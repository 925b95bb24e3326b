/* stack: across many snapshots, how many hosts have each executable, command line, listener, parent and child, user and library. */
#ifndef PROCSNAP_STACK_H
#define PROCSNAP_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/*
 * Stacking (long-tail analysis): what is on one or two hosts out of a
 * hundred is where an intruder is.  Each snapshot is read as a stream
 * (snapshot.h), never held; what is kept is one entry per distinct key
 * with the number of hosts that have it, the first hosts by name and a
 * few details, so memory grows with the number of distinct keys, not
 * with the number of snapshots (plus one small entry per snapshot and per
 * host, to name them).
 *
 * A host is (host.json "hostname", "boot_id"): snapshots of the same
 * host count once.  A host rebooted between two captures has another
 * boot id and counts as another host; clones that call themselves the
 * same are told apart by their boot ids.  Snapshots are grouped by host
 * first (a pass that reads only up to each host.json), and each group is
 * read by one of the worker threads into a set of its own; the set is
 * added to the totals once, so a key counts one for each host that has
 * it, however many snapshots and processes of that host have it.
 *
 * The keys (docs/snapread.1, "stack"):
 *  - exe:     the executable, by its SHA-256 when the snapshot recorded
 *             one (exe.sha256, exe.content.sha256 of a deleted executable
 *             fully recovered, or the exec_files entry of kind "exe"),
 *             else by its path,
 *             flagged STACK_BY_PATH ("by path, no hash recorded");
 *             details: the paths, the process names;
 *  - process: the process name with the shape of its command line
 *             (numbers and hex words made "#", see stack_shape());
 *  - listen:  a listening socket: protocol, port (a unix socket: its
 *             path), and the executable holding it; details: the local
 *             addresses, the process names;
 *  - parent:  the parent's name and the child's;
 *  - user:    the effective user running a process: its name from the
 *             snapshot's host/etc/passwd when it has one, else the uid
 *             (STACK_BY_UID); details: the uids of a name;
 *  - library: a file mapped executable that is not the process's own
 *             executable, by SHA-256 when recorded (process.json
 *             exec_files[].sha256 of kind "lib", or
 *             mapped_deleted[].content.sha256),
 *             else by path (STACK_BY_PATH); details: the paths.
 * A process whose exe, fds or maps could not be examined is counted on
 * its host (stack_host.unexamined): its keys there may be missing.
 *
 * The library never prints.  Functions return 0 or -errno, with the
 * message in stack_error().  A snapshot that cannot be read, or not to
 * its end, does not stop the others: its error is in its stack_snap, and
 * what was read of it before the error counts.
 */

enum stack_kind {
	STACK_EXE,
	STACK_LISTEN,
	STACK_PROCESS,
	STACK_PARENT,
	STACK_USER,
	STACK_LIBRARY,
	STACK_NKINDS
};

/* "exe", "listen", "process", "parent", "user", "library". */
const char *stack_kind_name(enum stack_kind k);
/* The kind named, or -1. */
int stack_kind_parse(const char *name);

/* Flags of a record, part of its key. */
#define STACK_BY_PATH        0x01u /* exe, library: no hash recorded */
#define STACK_BY_UID         0x02u /* user: no passwd in the snapshot */
#define STACK_NO_PARENT      0x04u /* parent: ppid 0 (the first process, kthreadd) */
#define STACK_PARENT_MISSING 0x08u /* parent: ppid not in the snapshot */
#define STACK_NO_EXE         0x10u /* listen: the executable was not recorded */
#define STACK_TRUNCATED      0x20u /* process: the shape was cut at STACK_SHAPE_MAX */
#define STACK_NO_CMDLINE     0x40u /* process: the command line was not recorded */

/* A command line's shape keeps at most this many bytes. */
#define STACK_SHAPE_MAX 1024
/* Details keep this many values (the smallest, bytewise). */
#define STACK_SET_MAX 8
/* Hosts named per record, unless stack_opts.list_hosts says otherwise. */
#define STACK_LIST_HOSTS 10

struct stack_bytes {
	const char *p;   /* exact bytes from the archive; NUL-terminated */
	size_t n;
};

/* At most STACK_SET_MAX distinct values, ascending; more: others were
 * seen that are not kept. */
struct stack_set {
	struct stack_bytes v[STACK_SET_MAX];
	size_t n;
	bool more;
};

/*
 * One key and who has it.  part[] by kind:
 *  exe, library: [0] the SHA-256 in hex, or with STACK_BY_PATH the path;
 *  process:      [0] the name, [1] the shape: each argument followed by
 *                a NUL byte (empty: no command line, a kernel thread);
 *  listen:       [0] the protocol (tcp, tcp6, udp, udp6, unix), [1] the
 *                port in decimal (unix: the socket's path), [2] the
 *                executable's path (empty with STACK_NO_EXE);
 *  parent:       [0] the parent's name (empty with STACK_NO_PARENT or
 *                STACK_PARENT_MISSING), [1] the child's;
 *  user:         [0] the user name, or with STACK_BY_UID the uid.
 * set[] by kind: exe: paths, names; library: paths; listen: addresses,
 * names; user: uids; else empty.  Names are as stack_shape() makes them.
 */
struct stack_record {
	enum stack_kind kind;
	unsigned flags;
	struct stack_bytes part[3];
	size_t nparts;
	struct stack_set set[2];
	uint32_t hosts;          /* hosts that have it */
	const uint32_t *host;    /* the first of them (indices into the hosts), ascending */
	size_t listed;           /* entries in host[]: min(hosts, list_hosts) */
};

struct stack_host {
	struct stack_bytes hostname; /* as recorded; empty when not */
	const char *boot_id;         /* as recorded (escaped), or NULL */
	const char *label;           /* escaped, how views name it: the
	                              * hostname, with "/" and the boot id's
	                              * first 8 characters when two hosts
	                              * share a name, or the first snapshot's
	                              * path when nothing was recorded */
	size_t snapshots;
	uint64_t processes;          /* processes read (vanished ones not) */
	uint64_t unexamined;         /* of them, with exe, fds or maps not examined */
};

struct stack_snap {
	const char *path;
	size_t host;                 /* index into the hosts; SIZE_MAX: none */
	int err;                     /* 0, or what stopped its reading (-errno) */
	const char *error;           /* with err: the message (escaped) */
	bool complete;               /* read to the end of the archive */
};

struct stack_opts {
	unsigned kinds;        /* 1u << kind for each kind wanted; 0: all */
	unsigned threads;      /* readers; 0: 2 */
	size_t list_hosts;     /* hosts named per record; 0: STACK_LIST_HOSTS */
};

struct stack;

/* opts may be NULL.  Free *s with stack_free() whatever this returns. */
int stack_new(struct stack **s, const struct stack_opts *opts);

/* A snapshot, or a directory: its archives (files named *.tar, *.tar.gz,
 * *.tgz, *.tar.zst), by name; not its subdirectories.  -ENOENT with the
 * message when a directory has none. */
int stack_add(struct stack *s, const char *path);

/* Reads every snapshot added.  0 (see each stack_snap for the ones that
 * could not be read), or -errno when nothing could be counted (memory,
 * a thread). */
int stack_run(struct stack *s);

/* After stack_run(): the records, rarest first (fewest hosts, then kind
 * in enum order, then key bytes); the hosts (by hostname, boot id); the
 * snapshots in the order added.  All borrowed until stack_free(). */
size_t stack_records(const struct stack *s, const struct stack_record **r);
size_t stack_hosts(const struct stack *s, const struct stack_host **h);
size_t stack_snapshots(const struct stack *s, const struct stack_snap **v);

/*
 * The shape of a name or an argument, appended to out: in each word (a
 * run of ASCII letters and digits), a word of 4 or more hex digits that
 * holds a digit becomes "#", and so does a word of 6 or more that mixes upper
 * case, lower case and digits (mktemp's XXXXXX); else every run of digits
 * becomes "#".  So "kworker/0:1H" is "kworker/#:#H", "python3.11"
 * "python#.#", a pid, a port, a container id or a UUID "#" or
 * "#-#-#-#-#", "/tmp/tmp.Qx7bK2" "/tmp/tmp.#".  Pure; 0 or -ENOMEM.
 */
int stack_shape(struct buf *out, const char *p, size_t n);

const char *stack_error(const struct stack *s);
void stack_free(struct stack *s);

#endif
