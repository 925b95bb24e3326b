/* parse: pure parsers for /proc text.  No I/O; every input is (pointer, length). */
#ifndef PROCSNAP_PARSE_H
#define PROCSNAP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The fields of /proc/PID/stat that a snapshot interprets (proc(5)). */
struct parse_stat {
	int pid;
	char comm[64]; /* raw bytes, as the kernel printed them */
	size_t comm_len;
	char state;
	int ppid;
	int pgrp;
	int session;
	int tty_nr;
	unsigned long flags;
	uint64_t utime, stime; /* clock ticks */
	long num_threads;
	uint64_t starttime; /* clock ticks after boot */
	uint64_t vsize;
	int64_t rss; /* pages */
};

/* Returns 0, or -EINVAL when the text is not a stat line. */
int parse_stat(const char *s, size_t n, struct parse_stat *out);

/* The fields of /proc/PID/status that a snapshot interprets. */
struct parse_status {
	bool has_ids;
	uint32_t uid[4], gid[4]; /* real, effective, saved, filesystem */
	int tgid, ppid;
	long threads;
	bool has_caps;
	uint64_t cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb;
	char state;
	bool kthread;
	bool has_kthread;
};

/* Missing fields are left zero/false; returns -EINVAL when no field is found. */
int parse_status(const char *s, size_t n, struct parse_status *out);

/*
 * Finds "Key:\t<value>\n" in status-like text.  On success *val points
 * into s and *vlen excludes the newline.  Returns 0 or -ENOENT.
 */
int parse_status_field(const char *s, size_t n, const char *key,
		       const char **val, size_t *vlen);

/* /proc/PID/io (proc(5)): the I/O a process (its threads, and its
 * reaped children's) has done.  rchar and wchar count the bytes read(2)
 * and write(2) moved, whatever the file; read_bytes and write_bytes what
 * reached the storage layer. */
#define PARSE_IO_FIELDS 7
extern const char *const parse_io_names[PARSE_IO_FIELDS];
struct parse_io {
	uint64_t v[PARSE_IO_FIELDS]; /* in the order of parse_io_names */
	bool has[PARSE_IO_FIELDS];
};
/* Returns 0, or -EINVAL when no field is found. */
int parse_io(const char *s, size_t n, struct parse_io *out);

/* /proc/PID/fdinfo/N: pos, flags (octal in the file), mnt_id. */
struct parse_fdinfo {
	uint64_t pos;
	unsigned int flags;
	int mnt_id;
	bool has_pos, has_flags, has_mnt_id;
};

int parse_fdinfo(const char *s, size_t n, struct parse_fdinfo *out);

/* What the text of an fd link says, when it is not a path. */
enum parse_link_kind {
	PARSE_LINK_PATH,   /* starts with '/': a file system object */
	PARSE_LINK_SOCKET, /* socket:[INODE] */
	PARSE_LINK_PIPE,   /* pipe:[INODE] */
	PARSE_LINK_ANON,   /* anon_inode:NAME or anon_inode:[NAME] */
	PARSE_LINK_OTHER,  /* any other kernel pseudo-name, e.g. net:[N] */
};

/*
 * Classifies a link target.  For SOCKET and PIPE *ino receives the inode;
 * for ANON, name/name_len the anon inode's kind ("eventfd").  A path can
 * never be mistaken for a pseudo-name: paths always start with '/'.
 */
enum parse_link_kind parse_link(const char *s, size_t n, uint64_t *ino,
				const char **name, size_t *name_len);

/* One socket from a /proc/net table (or from sock_diag, sockdiag.h). */
struct parse_sock {
	uint64_t ino;
	char proto[8];   /* tcp, tcp6, udp, udp6, unix */
	char local[160]; /* "addr:port", or a unix path (escaped as text) */
	char remote[64];
	char state[16];  /* LISTEN, ESTABLISHED, ... */
	char type[12];   /* unix: stream, dgram, seqpacket */
	uint64_t peer;   /* unix: the peer's inode (sock_diag only); 0: none */
	unsigned char views;  /* SOCK_VIEW_*: where it was seen (sockets.h) */
	unsigned char hidden; /* SOCK_VIEW_*: the views it was hidden from */
};

/* The name of an inet socket's state st (include/net/tcp_states.h) as
 * the snapshot writes it: TCP's names, UDP's ESTABLISHED or UNCONN. */
void parse_inet_state(const char *proto, unsigned st, char *out, size_t size);

/*
 * Parses one data line of /proc/net/{tcp,tcp6,udp,udp6} (proto names the
 * table) or /proc/net/unix.  Returns 0, -ENOENT for the header line, or
 * -EINVAL.
 */
int parse_net_inet(const char *line, size_t n, const char *proto,
		   struct parse_sock *out);
int parse_net_unix(const char *line, size_t n, struct parse_sock *out);

/* "btime N" from /proc/stat.  Returns 0 or -ENOENT. */
int parse_btime(const char *s, size_t n, uint64_t *btime);

/*
 * A size with an optional K, M, G or T suffix (powers of 1024) into *out.
 * Returns 0 or -EINVAL (empty, junk, overflow).
 */
int parse_size(const char *s, uint64_t *out);

/* Splits a NUL-separated cmdline/environ; calls fn for each element. */
void parse_nul_list(const char *s, size_t n,
		    void (*fn)(const char *elem, size_t len, void *arg),
		    void *arg);

/* "net:[4026531840]", the text of a /proc/PID/ns/ link: the inode.
 * Returns 0 or -EINVAL. */
int parse_ns_link(const char *s, size_t n, uint64_t *ino);

/* One line of /proc/PID/maps (proc(5)): "start-end perms offset dev inode
 * path".  path/path_len point into the line (may be empty). */
struct parse_map {
	uint64_t start, end, offset;
	char perms[5];
	unsigned dev_major, dev_minor;
	uint64_t inode;    /* 0: no file behind it (anonymous, or the kernel's) */
	const char *path;
	size_t path_len;
};

int parse_maps_line(const char *s, size_t n, struct parse_map *out);

/*
 * One mapping of /proc/PID/smaps: its header (a maps line), and the
 * VmFlags line's two-letter codes that decide whether it may be read
 * (proc(5); fs/proc/task_mmu.c show_smap_vma_flags): "io" VM_IO and "pf"
 * VM_PFNMAP, device memory whose reads can hang or have side effects, and
 * "um" VM_UFFD_MISSING, a userfaultfd range.
 */
struct parse_smaps {
	uint64_t start, end;
	bool has_flags;    /* a VmFlags line was met */
	bool io, pfnmap;
};

/*
 * The next mapping of smaps text s[0..n) from *pos (0 to begin), which
 * moves past it.  Returns 1 with *out, 0 at the end.  Lines that are
 * neither a header nor a field of one (a damaged text) are passed over.
 */
int parse_smaps_next(const char *s, size_t n, size_t *pos, struct parse_smaps *out);

/*
 * The "NSpid:" field of status: the pid in each pid namespace, outermost
 * first.  Fills up to max entries; returns how many, or -ENOENT.
 */
int parse_nspid(const char *status, size_t n, int64_t *out, size_t max);

/* The container a process belongs to, from its /proc/PID/cgroup text. */
struct parse_container {
	char path[256];    /* the unified (v2) cgroup path, else the first */
	bool truncated;    /* the path was longer than path[] (cut) */
	char runtime[16];  /* docker, containerd, podman, crio, lxc, kubepods, "" */
	char id[80];       /* the container id (64 hex digits, or an lxc name) */
};

/* Returns 0 (path set; runtime/id empty when no container is recognised)
 * or -ENOENT when the text has no cgroup line. */
int parse_container(const char *s, size_t n, struct parse_container *out);

#endif
