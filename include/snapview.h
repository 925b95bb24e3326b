/* snapview: how snapshot records are shown — one escaped text line, or one JSON object. */
#ifndef PROCSNAP_SNAPVIEW_H
#define PROCSNAP_SNAPVIEW_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "jsonfast.h"
#include "jsonw.h"
#include "objects.h"

struct users;

/*
 * The records are archive data: every byte that came from the host is
 * shown through escape_text() (text: one line per record, whatever the
 * bytes) or jsonw_bytes() (JSON: valid UTF-8, with KEY_b64 holding the
 * exact bytes when they are not clean UTF-8).  Values of the wrong JSON
 * type are shown as missing ("-" / null), never trusted.
 *
 * Each function appends to out and returns buf_error(out) (0 or -ENOMEM).
 */

/* obj[key]'s exact bytes escaped, or dash when it is absent. */
int snapview_text(struct buf *out, const json_t *obj, const char *key,
		  const char *dash);
/* obj[key] as an integer right-aligned in width, or "-". */
int snapview_num(struct buf *out, int width, const json_t *obj, const char *key);

/* ps: the header line and one line per process.  USER is the effective
 * uid's name from the snapshot's /etc/passwd (users, borrowed; NULL or no
 * entry: "-"), beside UID.  depth indents the name (--tree); *name_at
 * (may be NULL) receives the offset in out where the name begins, so a
 * caller may indent later.  MARK has ? when the process's fds, exe or
 * maps could not be examined (examined.h). */
const char *snapview_proc_header(void);
int snapview_proc_text(struct buf *out, const json_t *proc, const struct users *users,
		       unsigned depth, size_t *name_at);
/* ps --csv: the same columns, RFC 4180 (csv.h): host bytes exact and
 * guarded, numbers as numbers, nothing for what is not recorded (MARK
 * empty for none; USER the whole name, empty when none; COMMAND the whole
 * command line). */
const char *snapview_proc_csv_header(void);
int snapview_proc_csv(struct buf *out, const json_t *proc, const struct users *users);
/* The indentation of --tree for depth (capped), appended. */
int snapview_indent(struct buf *out, unsigned depth);
/* ps --json: one object per line, docs/schema/process.json: process.json
 * as recorded (uid an array, exe an object, ...), then euid, cmdline and
 * unexamined, derived. */
int snapview_proc_json(struct buf *out, const json_t *proc);
/* The same fields, into an object the caller opened in w. */
void snapview_proc_fields(struct jsonw *w, const json_t *proc);
/* The effective uid (uid[1]). */
bool snapview_proc_euid(const json_t *proc, int64_t *v);
/* True when the process is in a container whose id starts with id, whose
 * runtime is id, or (id "any") in any container. */
bool snapview_proc_in_container(const json_t *proc, const char *id);
/* True when the process's real or effective uid is uid. */
bool snapview_proc_has_uid(const json_t *proc, int64_t uid);

/* What a row of fds shows beyond its record.  All borrowed; set proc
 * with snapview_ctx_process(). */
struct snapview_ctx {
	const json_t *proc;     /* its process (COMMAND, UID), or NULL */
	const struct users *users; /* names for USER (snapshot_users), or NULL */
	char who[96];           /* COMMAND, padded, then UID: proc's, escaped */
	const char *machine;    /* host.json uname.machine: how fd flags
	                         * decode (fdflags.h); NULL: unknown */
	bool full;              /* JSON: an fd's stat and fdinfo too (show);
	                         * fds --json leaves them out */
};

/*
 * fds: the header line and one line per object (objects.h): an fd, a
 * deleted exe (txt), mapped file (mem) or cwd, or what could not be read
 * (nofd, or txt/mem with a gap).  COMMAND, PID, UID, USER (the effective
 * uid's name, ctx->users), FD as lsof ("3u":
 * fd 3 open read-write; txt, mem, cwd, NOFD), TYPE, SIZE, OFFSET (pos),
 * DEL (del, -, or ? when not known), CONTENT, TARGET and notes.  The one
 * place a row is rendered: every listing of fds uses these.
 */
const char *snapview_fd_header(void);
/* The process the next rows belong to (may be NULL). */
void snapview_ctx_process(struct snapview_ctx *ctx, const json_t *proc);
int snapview_object_text(struct buf *out, const struct snapview_ctx *ctx,
			 const struct object *o);
/* fds --csv: the same columns, RFC 4180 (csv.h): COMMAND and TARGET the
 * exact bytes (TARGET with the text's notes), guarded; numbers as
 * numbers; DEL "del", "?" or empty. */
const char *snapview_fd_csv_header(void);
int snapview_object_csv(struct buf *out, const struct snapview_ctx *ctx,
			const struct object *o);
/* fds --json: docs/schema/fd.json: "object", the record as recorded (an
 * fd record, the exe or cwd link, a mapped_deleted entry), then command,
 * euid, access (r, w, u), flag_names and unexamined, derived. */
int snapview_object_json(struct buf *out, const struct snapview_ctx *ctx,
			 const struct object *o);
/* The same row in two parts, head + tail: what the object's own record
 * gives, and what its process gives (command, euid, and the row's end),
 * the same for every row of a process.  fds writes the heads of a
 * process's fds as it reads them, before its process.json. */
int snapview_object_json_head(struct buf *out, const struct snapview_ctx *ctx,
			      const struct object *o);
int snapview_object_json_tail(struct buf *out, const struct snapview_ctx *ctx);
/* The members of an fd record that a row of fds --json (ctx->full false)
 * never reads, for snapshot_opts.fd_prune.  Static. */
const struct jsonfast_prune *snapview_fd_lean_prune(void);
/* The same fields, into an object the caller opened in w. */
void snapview_object_fields(struct jsonw *w, const struct snapview_ctx *ctx,
			    const struct object *o);
/* The TARGET column of the object's row, escaped: a path, a socket's
 * endpoints, or what could not be read, with the fd's notes. */
int snapview_object_target(struct buf *out, const struct object *o);

/*
 * fds --count: rows grouped by what they point at (tally.h).  A row's key
 * (into key, replaced) is its type and the exact bytes of its target (the
 * link text, as `ls -l /proc/PID/fd/N` shows it: a socket is socket:[N]);
 * a row whose target is not known (an fd table not read, a link not read)
 * is a group of its own kind, by what could not be read.  Then each group
 * as a line (COUNT TYPE TARGET) or a JSON object (docs/schema/fds-count.json).
 */
int snapview_count_key(struct buf *key, const struct object *o);
const char *snapview_count_header(void);
struct tally_group;
int snapview_count_text(struct buf *out, const struct tally_group *g);
int snapview_count_json(struct buf *out, const struct tally_group *g);
/* --count --csv: COUNT,TYPE,TARGET (the target's exact bytes). */
const char *snapview_count_csv_header(void);
int snapview_count_csv(struct buf *out, const struct tally_group *g);

/* The same for an fd record. */
int snapview_fd_text(struct buf *out, const struct snapview_ctx *ctx, const json_t *fd);
int snapview_fd_json(struct buf *out, const struct snapview_ctx *ctx, const json_t *fd);
/* The object's type (an fd's "type"; file, memfd or dir for the others)
 * and kind, as --type matches them; NULL for what could not be read. */
const char *snapview_object_type(const struct object *o);
const char *snapview_object_kind(const struct object *o);
/* A socket record's endpoints: "tcp 127.0.0.1:80->10.0.0.2:5000
 * (ESTABLISHED)"; a listener without its 0.0.0.0:0 peer.  Escaped. */
int snapview_socket(struct buf *out, const json_t *sk);
/* The fd's "type", or "unknown". */
const char *snapview_fd_type(const json_t *fd);
/* The fd's "kind" (memfd, tmpfile, pidfd, eventfd, ...), or NULL.  Still
 * archive text: escape it before printing. */
const char *snapview_fd_kind(const json_t *fd);
/* True when its content changed (size or mtime) while read. */
bool snapview_fd_changing(const json_t *fd);
/* What follows an fd's target in text: the thread whose own table holds
 * it, its kind and seals, "changing". */
int snapview_fd_notes(struct buf *out, const json_t *fd);
bool snapview_fd_deleted(const json_t *fd);

/* The command line for display: exact argv bytes escaped and joined by
 * spaces; "[name]" when argv is empty (a kernel thread, like ps). */
int snapview_cmdline(struct buf *out, const json_t *proc);

/*
 * A process tree like ps -ejH: roots (parent not in the snapshot) in pid
 * order, each followed by its children, depth first.  order[] receives
 * indices into pid[]/ppid[], depth[] each one's depth.  Hostile parent
 * loops cannot hide a process: what no root reaches is shown from the
 * lowest pid of each loop.  Iterative; O(n log n).  0 or -ENOMEM.
 */
int snapview_tree(const int *pid, const int *ppid, size_t n, size_t *order,
		  unsigned *depth);

/* A summary of /proc/PID/maps, fed one line at a time. */
#define SNAPVIEW_MAPS_NAMED 8
struct snapview_maps {
	uint64_t mappings;
	uint64_t bytes;        /* sum of end - start */
	uint64_t exec;         /* executable mappings */
	uint64_t anon_exec;    /* executable with no file: injected code? */
	uint64_t write_exec;   /* writable and executable */
	uint64_t deleted;      /* mappings of a file whose name ends " (deleted)" */
	uint64_t bad;          /* lines not understood */
	struct buf names;      /* deleted files mapped, escaped, one per line */
	unsigned named;        /* ... at most SNAPVIEW_MAPS_NAMED */
	struct buf last;       /* the last one met */
};
#define SNAPVIEW_MAPS_INIT { 0, 0, 0, 0, 0, 0, 0, BUF_INIT, 0, BUF_INIT }

void snapview_maps_add(struct snapview_maps *m, const char *line, size_t n);
int snapview_maps_text(struct buf *out, const struct snapview_maps *m);
void snapview_maps_json(struct jsonw *w, const char *key, const struct snapview_maps *m);
void snapview_maps_free(struct snapview_maps *m);

/* show: the memory regions of process.json ("memory"), one line each
 * (range, perms, why, status, size, path) with its member, sha256 and
 * unreadable pages; nothing when the process has no "memory". */
int snapview_memory_text(struct buf *out, const json_t *proc);
/* A user name as a column: the name of uid (when known is true) in the
 * snapshot's /etc/passwd (users.h), escaped, cut to width with a last
 * '+' as ps(1) does, padded to width (0: whole, unpadded); "-" when
 * there is none. */
int snapview_user(struct buf *out, const struct users *u, bool known, int64_t uid,
		  size_t width);
/* obj[key], an array of uids (group: gids), as "0(root) 1000(alice) 7":
 * each number, with its escaped name when the snapshot has one; "-" for
 * what is not a number. */
int snapview_ids(struct buf *out, const struct users *u, const json_t *obj, const char *key,
		 bool group);
/* show: the process's exec_files, one line each: kind, sha256 or why
 * not, path (escaped), deleted, who noticed the read.  A process without
 * exec_files is said to be unknown. */
int snapview_exec_text(struct buf *out, const json_t *proc);

/* The "errors" list of a record as text lines "  what: reason (errno)",
 * each prefixed by prefix. */
int snapview_errors_text(struct buf *out, const json_t *rec, const char *prefix);

/*
 * Archive JSON (v, borrowed) written into w as member key (NULL in an
 * array), by the writer's rules: a string with a NUL or bad UTF-8 comes
 * out as U+FFFD plus KEY_b64, never as \u0000 (which the archive's JSON
 * may hold, and many JSON readers refuse).  0, or -ENOMEM.
 */
int snapview_json(struct jsonw *w, const char *key, const json_t *v);

#endif
