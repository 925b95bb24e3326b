/* snapreader: streaming reader of one untrusted snapshot archive, member by member. */
#ifndef PROCSNAP_SNAPREADER_H
#define PROCSNAP_SNAPREADER_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "digest.h"
#include "jsonfast.h"
#include "manifest.h"

/*
 * The archive came off a compromised host: every name, length and byte in
 * it is hostile.  The reader therefore
 *  - reads only pax/ustar tar, plain, gzip or zstd (no other libarchive
 *    format or filter: less parser surface, and no external programs);
 *  - requires TOP/format.json first, with format "procsnap" and a version it
 *    knows (SNAPREADER_VERSION), else fails with -EPROTONOSUPPORT;
 *  - accepts only regular-file members whose name is TOP/ plus one of the
 *    patterns of docs/FORMAT.md (absolute names, "..", links, devices,
 *    directories are errors);
 *  - bounds every length it reads (the limits below), so no member can make
 *    it allocate more than the limit, and never holds member data it was
 *    not asked for: skipped members are streamed through, not buffered;
 *  - requires MANIFEST.sha256 last: an archive that ends without it is an
 *    interrupted capture, and reading it ends with an error.
 *
 * Every function returns 0 (or 1 where it says so) or -errno, and never
 * prints.  After an error, snapreader_error() names the problem, with any
 * archive-supplied text escaped (escape_text) so it is safe to print.
 * Errors about the archive's bytes are -EBADMSG (damaged, truncated,
 * hostile) and -EFBIG (a limit below was exceeded); -EPROTONOSUPPORT is
 * another format version (no verdict on the archive); anything else is
 * local trouble (open, read, memory).  Once an error is returned, every
 * later call returns it again.
 */

#define SNAPREADER_VERSION 1

#define SNAPREADER_MAX_NAME     1024          /* a member name, TOP included */
#define SNAPREADER_MAX_FORMAT   (64u << 10)   /* format.json */
#define SNAPREADER_MAX_JSON     (16u << 20)   /* host, summary, process.json */
#define SNAPREADER_MAX_LINE     (1u << 20)    /* one fds.jsonl line */
#define SNAPREADER_MAX_MANIFEST (64u << 20)   /* MANIFEST.sha256 */
#define SNAPREADER_MAX_RAW      (64u << 20)   /* raw /proc copies (the writer caps them) */
/* Holes of a sparse content member are hashed as zeros; this bounds the
 * work a tiny archive can ask for ("2^60 bytes of holes"). */
#define SNAPREADER_MAX_HOLES    (64ULL << 30)

enum snap_kind {
	SNAP_M_FORMAT,   /* format.json */
	SNAP_M_HOST,     /* host.json */
	SNAP_M_NET,      /* host/net/NAME, host/net/NSINO/NAME: a raw /proc/net table */
	SNAP_M_RAW,      /* proc/PID/{stat,status,cmdline,environ,maps,cgroup,auxv} */
	SNAP_M_CONTENT,  /* content/DEV-INO: recovered bytes */
	SNAP_M_FDS,      /* proc/PID/fds.jsonl */
	SNAP_M_PROCESS,  /* proc/PID/process.json */
	SNAP_M_SUMMARY,  /* summary.json */
	SNAP_M_MANIFEST, /* MANIFEST.sha256 */
	SNAP_M_MOUNTS,   /* host/mnt/NSINO/mountinfo: one mount namespace's */
	SNAP_M_MEMORY,   /* proc/PID/mem/START-END: a region of its memory */
	SNAP_M_HOSTFILE, /* host/etc/..., host/proc/...: a raw copy of a host file */
	SNAP_M_UNKNOWN,  /* a safe name no pattern knows (only with allow_unknown) */
};

const char *snapreader_kind_name(enum snap_kind k);

/* One member.  Borrowed from the reader: valid until the next
 * snapreader_next() or snapreader_free(). */
struct snap_member {
	enum snap_kind kind;
	const char *name;   /* relative to TOP/, e.g. "proc/42/fds.jsonl" (ASCII) */
	uint64_t size;      /* logical size: what tar extracts, holes included */
	bool sparse;        /* only content and memory members may be sparse */
	uint64_t index;     /* position in the archive; format.json is 0 */
	int pid;            /* SNAP_M_RAW, SNAP_M_FDS, SNAP_M_PROCESS, SNAP_M_MEMORY; else 0 */
	const char *file;   /* SNAP_M_RAW: "stat"...; SNAP_M_NET: "tcp"...;
			     * SNAP_M_HOSTFILE: "etc/ld.so.preload"...; else "" */
	uint64_t dev, ino;  /* SNAP_M_CONTENT */
	uint64_t start, end; /* SNAP_M_MEMORY: the addresses, start < end; the
			     * member's size is end - start (checked) */
	uint64_t ns;        /* SNAP_M_NET: the namespace's inode, 0 for
			     * procsnap's own; SNAP_M_MOUNTS: the mount ns */
};

/* A piece of member data.  data is NULL for a hole (len zero bytes). */
struct snap_chunk {
	const void *data;   /* borrowed until the next reader call */
	size_t len;
	uint64_t offset;    /* within the member */
};

/*
 * The kind of a name relative to TOP/ (docs/FORMAT.md, "Names"), filling
 * m's kind-specific fields (pid, file, dev, ino; file points into rel).
 * SNAP_M_UNKNOWN when no pattern matches.  Pure: usable on names found in
 * records, e.g. a content "member".
 */
enum snap_kind snapreader_classify(const char *rel, struct snap_member *m);

/*
 * Where a reading is, for a status line: the archive file's bytes read so
 * far, of its size (0 when unknown: a pipe), the members begun, and the
 * member being read (its name as the archive spells it: hostile, escape it
 * before printing).  Borrowed for the call only.
 */
struct snapreader_progress {
	uint64_t done;
	uint64_t total;
	uint64_t members;
	const char *member;
};
typedef void (*snapreader_progress_fn)(void *arg, const struct snapreader_progress *p);

struct snapreader_opts {
	bool hash;          /* SHA-256 of each member: snapreader_member_sha256() */
	/* Hash every member, keep the manifest, and at the end compare (see
	 * manifest.h): each problem goes to `problem`; implies hash. */
	bool verify;
	bool allow_unknown; /* SNAP_M_UNKNOWN members instead of an error */
	uint64_t max_holes; /* 0: SNAPREADER_MAX_HOLES */
	verify_fn problem;  /* may be NULL; called with arg */
	void *arg;
	/* Borrowed; when it becomes non-zero, reading stops within one read
	 * of the file and every call returns -EINTR ("stopped by a signal"). */
	const volatile sig_atomic_t *stop;
	/* May be NULL: called after every read of the archive file (64 KiB),
	 * with progress_arg; it decides itself whether to draw. */
	snapreader_progress_fn progress;
	void *progress_arg;
};

struct snapreader;

/*
 * Opens path ("-": standard input, not closed) and reads format.json.
 * opts may be NULL.  The caller frees *r with snapreader_free() whether or
 * not this succeeded (on failure it holds the message).
 */
int snapreader_open(struct snapreader **r, const char *path,
		    const struct snapreader_opts *opts);

/*
 * Moves to the next member; the data of the previous one that was not read
 * is skipped (or hashed, when hashing).  Returns 1 with *m, 0 at the end of
 * a complete archive (manifest last, stream intact, nothing but zeros
 * after it; with verify, the comparison done and its problems reported),
 * or -errno.  format.json is the first member returned; its data is
 * already consumed (snapreader_format() has it parsed).
 */
int snapreader_next(struct snapreader *r, const struct snap_member **m);

/* The next chunk of the current member: 1, 0 at its end, or -errno. */
int snapreader_data(struct snapreader *r, struct snap_chunk *c);

/*
 * One line of the current member into line (replacing it; the newline is
 * not kept; a last line without one is returned too).  Returns 1, 0 at the
 * end of the member, -EFBIG for a line longer than max, -EBADMSG when the
 * member has holes.
 */
int snapreader_getline(struct snapreader *r, size_t max, struct buf *line);

/* The rest of the current member into out (replacing it); -EFBIG, before
 * reading anything, when the member is larger than max. */
int snapreader_slurp(struct snapreader *r, size_t max, struct buf *out);

/*
 * The current member parsed as one JSON object (at most max bytes).  The
 * caller owns *out (json_decref).  Duplicate keys are refused; strings may
 * hold \u0000 (see snapshot_bytes()).
 */
int snapreader_json(struct snapreader *r, size_t max, json_t **out);

/* Parses text as one JSON object, for members read line by line; what
 * names the text in a message ("proc/4/fds.jsonl line 3"). */
int snapreader_parse_json(struct snapreader *r, const char *what,
			  const char *text, size_t len, json_t **out);
/* The same, with the members prune names validated but not built
 * (jsonfast.h; NULL: none).  A text whose pruned members jansson would
 * refuse is refused, in the same words. */
int snapreader_parse_json_pruned(struct snapreader *r, const char *what,
				 const char *text, size_t len,
				 const struct jsonfast_prune *prune, json_t **out);

/*
 * The rest of the current member written into fd (borrowed) at its
 * offsets: holes are not written, so a sparse member stays sparse, and fd
 * is then cut to the member's size.  stop (may be NULL) is looked at
 * before each chunk.  0; -EINTR when stop was set; or -errno, the
 * reader's (snapreader_error() says why) or, with *write_err set, that of
 * a write to fd.
 */
int snapreader_write_fd(struct snapreader *r, int fd, const volatile sig_atomic_t *stop,
			bool *write_err);

/* Reads the rest of the current member and gives its SHA-256 (needs
 * opts.hash or opts.verify). */
int snapreader_member_sha256(struct snapreader *r, char hex[DIGEST_HEX_LEN + 1]);

/* Reads on to the end of the archive (snapreader_next until 0). */
int snapreader_finish(struct snapreader *r);

/*
 * The SHA-256 of the archive file's own bytes, for the custody record.
 * Reads whatever of the input is left (also after an error) so the hash
 * covers the whole file.  *bytes (may be NULL) gets its length.
 */
int snapreader_archive_sha256(struct snapreader *r,
			      char hex[DIGEST_HEX_LEN + 1], uint64_t *bytes);

/* "TOP", the archive's top directory (from format.json). */
const char *snapreader_top(const struct snapreader *r);
/* The format.json object (borrowed, lives as long as r). */
const json_t *snapreader_format(const struct snapreader *r);
/* Members read so far, the manifest included. */
uint64_t snapreader_members(const struct snapreader *r);
/* Problems found by verify (valid once snapreader_next returned 0). */
unsigned long snapreader_problems(const struct snapreader *r);
/* The verification table (NULL without opts.verify); borrowed, lives as
 * long as r.  Complete once snapreader_next returned 0. */
const struct manifest *snapreader_verify(const struct snapreader *r);
/* The last error, or "".  Lives as long as r. */
const char *snapreader_error(const struct snapreader *r);
/* True when err (a return value) is about the archive's bytes
 * (-EBADMSG, -EFBIG) rather than local trouble or an unknown version. */
bool snapreader_is_archive_error(int err);
void snapreader_free(struct snapreader *r);

#endif
