/* snapshot: the process model of an archive, streamed one process (and its fds) at a time. */
#ifndef PROCSNAP_SNAPSHOT_H
#define PROCSNAP_SNAPSHOT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "snapreader.h"

/*
 * Over a snapreader, the members become items: host.json, each fd record of
 * each proc/PID/fds.jsonl (one line at a time, never the whole file), each
 * proc/PID/process.json, and on request the raw /proc copies and the content
 * members (their data left unread for the caller to stream).
 *
 * Per process the archive holds, in this order (docs/FORMAT.md): raw files,
 * memory members and content members first met in this process, fds.jsonl,
 * process.json.  A
 * process that vanished before it was read has process.json only.  The
 * model checks what it relies on, and fails with -EBADMSG naming it:
 *  - an fd record's "pid" is its file's pid, "fd" an integer, fds ascending;
 *  - process.json's "pid" is its member's pid, and each pid appears once;
 *  - fds.jsonl is directly followed by the same pid's process.json;
 *  - a memory member follows its own process's raw files;
 *  - with opts.ordered, pids ascend strictly (what a merge of two archives,
 *    e.g. a diff, needs; FORMAT.md promises it).
 *
 * Memory is bounded by one member's limit (SNAPREADER_MAX_JSON, _LINE), plus
 * for snapshot_next_process() one process's fd records, bounded by
 * SNAPSHOT_MAX_FD_BYTES; and a table entry per pid seen.
 */

/* The most fd-record text snapshot_next_process() holds for one process. */
#define SNAPSHOT_MAX_FD_BYTES (64u << 20)

enum snapshot_kind {
	SNAPSHOT_HOST,     /* host.json */
	SNAPSHOT_SUMMARY,  /* summary.json */
	SNAPSHOT_FD,       /* one fds.jsonl record (opts.fds) */
	SNAPSHOT_PROCESS,  /* process.json */
	SNAPSHOT_RAW,      /* proc/PID/<file>, data unread (opts.raw) */
	SNAPSHOT_CONTENT,  /* content/DEV-INO, data unread (opts.content) */
	SNAPSHOT_MEMORY,   /* proc/PID/mem/START-END, data unread (opts.memory):
			    * member->start, member->end */
	SNAPSHOT_HOSTFILE, /* host/etc/..., host/proc/...: a raw copy of a host
	                    * file, data unread (opts.host_files) */
	SNAPSHOT_OTHER,    /* any other member but format.json and the manifest,
	                    * data unread (opts.other): host/net and host/mnt
	                    * tables, and with opts.reader.allow_unknown the
	                    * members this reader has no name for (e.g. the
	                    * host files of a newer capture, host/etc/passwd) */
};

struct snapshot_opts {
	bool fds;          /* parse fds.jsonl into SNAPSHOT_FD items (else skipped) */
	bool raw;          /* hand out raw /proc members */
	bool content;      /* hand out content members */
	bool memory;       /* hand out memory members */
	bool host_files;   /* hand out host files (host/etc/..., host/proc/...);
	                    * etc/passwd and etc/group come with their data
	                    * read already, into snapshot_users() */
	bool ordered;      /* refuse pids that do not ascend */
	bool fd_text;      /* with fds: FD items unparsed, json NULL; see
	                    * snapshot_fd_parse() */
	bool other;        /* hand out SNAPSHOT_OTHER members; without
	                    * host_files, host files come as such too (their
	                    * data unread: snapshot_users() then has none) */
	/* With fds: members of each fd record the caller never reads,
	 * validated but not built (snapreader_parse_json_pruned; NULL: none).
	 * Borrowed: lives as long as the snapshot. */
	const struct jsonfast_prune *fd_prune;
	struct snapreader_opts reader; /* hashing, verification, problems */
};

/*
 * An item.  Everything in it is borrowed: json, member and the data of a
 * RAW/CONTENT member stay valid until the next snapshot_next() (or
 * snapshot_next_process()) or snapshot_free().  json_incref() what must
 * live longer.
 */
struct snapshot_item {
	enum snapshot_kind kind;
	/* FD, PROCESS, RAW, MEMORY: the process.  CONTENT: the pid whose
	 * members came just before (the process that first held the file); 0
	 * if none.  HOSTFILE: 0 (member->file names it: "etc/ld.so.preload"...). */
	int pid;
	json_t *json;                     /* HOST, SUMMARY, FD (unless opts.fd_text), PROCESS */
	const char *text;                 /* FD: the line, len bytes, no newline */
	const struct snap_member *member; /* the member the item comes from */
	unsigned long line;               /* FD: its line in fds.jsonl (1-based) */
	size_t len;                       /* FD: the bytes of that line */
};

struct snapshot;

/* opts may be NULL (process records only).  Free *s with snapshot_free()
 * whatever this returns; on failure snapshot_error() says why. */
int snapshot_open(struct snapshot **s, const char *path,
		  const struct snapshot_opts *opts);

/* 1 with *it, 0 at the end of a complete archive, or -errno. */
int snapshot_next(struct snapshot *s, struct snapshot_item *it);

/*
 * With opts.fd_text, parses an FD item's line (it.pid, it.line, it.text,
 * it.len) when the caller needs it, with the checks next would have made
 * but the ascending order.  A caller comparing two archives can so pass
 * over lines that are byte for byte the same on both sides.  *out is the
 * caller's (json_decref); -EBADMSG with the reason in snapshot_error().
 */
int snapshot_fd_parse(struct snapshot *s, int pid, unsigned long line,
		      const char *text, size_t len, json_t **out);

/* One process and its fds (forces opts.fds; RAW, CONTENT, HOSTFILE, HOST
 * and SUMMARY items are passed over). */
struct snap_process {
	int pid;
	json_t *process;  /* process.json, an object */
	json_t *fds;      /* an array of fd records, ascending fd; may be empty */
	/* Both borrowed until the next call or snapshot_free(). */
};

/* 1 with *p, 0 at the end, or -errno (-EFBIG when one process's fd records
 * exceed SNAPSHOT_MAX_FD_BYTES). */
int snapshot_next_process(struct snapshot *s, struct snap_process *p);

/* The reader underneath, to stream a RAW or CONTENT item's data, get a
 * member's hash or the archive's.  Borrowed; lives as long as s. */
struct snapreader *snapshot_reader(struct snapshot *s);
/* host.json, once read (it comes before every process); else NULL.
 * Borrowed; lives as long as s. */
const json_t *snapshot_host(const struct snapshot *s);
/* The host's user and group names (users.h), from host/etc/passwd and
 * host/etc/group, which come before every process; NULL when the archive
 * has neither (written before they were captured).  Borrowed; lives as
 * long as s. */
struct users;
const struct users *snapshot_users(const struct snapshot *s);
const char *snapshot_error(const struct snapshot *s);
void snapshot_free(struct snapshot *s);

/*
 * Reading values of the JSON conventions (docs/FORMAT.md).  Host bytes are
 * a JSON string plus, when not clean UTF-8, a sibling KEY_b64 with the
 * exact bytes: these helpers return the exact bytes.
 */

/* obj[key] as exact bytes into out (replaced).  1: found; 0: absent or not
 * a string; -EBADMSG: KEY_b64 is not base64; -ENOMEM. */
int snapshot_bytes(const json_t *obj, const char *key, struct buf *out);
/* Element i of the string array obj[key], exact (KEY_b64 parallel array). */
int snapshot_array_bytes(const json_t *obj, const char *key, size_t i,
			 struct buf *out);
/* obj[key] when it is a JSON integer. */
bool snapshot_int(const json_t *obj, const char *key, int64_t *out);
/* obj[key] when it is true or false. */
bool snapshot_bool(const json_t *obj, const char *key, bool *out);
/* obj[key] when it is a string without NUL, else NULL.  Borrowed from
 * obj.  Still archive text: escape it before printing. */
const char *snapshot_str(const json_t *obj, const char *key);

#endif
