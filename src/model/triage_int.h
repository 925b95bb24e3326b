/* triage_int: what the triage files (src/model/triage*.c) share: the rule table's shape, a rule's view of a process, findings in the making. */
#ifndef PROCSNAP_TRIAGE_INT_H
#define PROCSNAP_TRIAGE_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "triage.h"
#include "u64map.h"

/*
 * The files, each calling only those below it (tests/tools/layers.py):
 *   triage_run.c     the archive streamed into the engine
 *   triage.c         the engine: parts missing, the table run per phase,
 *                    the relation pass, sorting
 *   triage_rules.c   THE TABLE, and the rules over one process
 *   triage_relate.c  rules over the host files, and between processes
 *                    (parent, tracer, a flagged process's listener)
 *   triage_match.c   rules that match evidence against lists (--ioc, --yara)
 *   triage_mem.c     captured memory regions: what is kept of each as it
 *                    streams by, the rules over them (an ELF header,
 *                    --yara's matches)
 *   triage_watch.c   inotify and fanotify marks joined with the files
 *                    held, run or mapped: a watch as a tripwire
 *   triage_yara.c    libyara: rules compiled, members scanned as streams
 *   triage_ioc.c     the --ioc list of SHA-256 hashes
 *   triage_facts.c   what rules read beyond the records: raw status,
 *                    environ and maps; a process's summary; names and paths
 *   triage_finding.c findings and unknowns in the making
 *   triage_allow.c   the allowlist: parsed, matched
 */

/* Sets the message triage_error() gives (triage_run: the archive's). */
int triage_fail_msg(struct triage *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* What a rule needs of a process; a part the record lacks leaves the
 * rule undecided for it (unknown, never clean). */
enum triage_part {
	PART_PROCESS  = 1u << 0,  /* anything: it vanished, or nothing was read */
	PART_EXE      = 1u << 1,  /* the exe link and stat */
	PART_FDS      = 1u << 2,  /* every fd table */
	PART_MAPS     = 1u << 3,  /* maps: the raw member and mapped_deleted */
	PART_STATUS   = 1u << 4,  /* the raw status */
	PART_ENVIRON  = 1u << 5,  /* the raw environ */
	PART_HASHES   = 1u << 6,  /* exec_files: every executable hashed */
	PART_HOST     = 1u << 7,  /* a host file */
	PART_CONTENT  = 1u << 8,  /* a recovered file's bytes */
	PART_PARENT   = 1u << 9,  /* the parent process's fds */
	PART_MEMORY   = 1u << 10, /* a memory region's bytes (process.json memory) */
};
#define TRIAGE_PARTS 11

/* "process", "exe", ... for the one bit of p. */
const char *triage_part_name(unsigned p);

enum triage_phase {
	PHASE_PROCESS,   /* per process, as its records stream by */
	PHASE_HOST,      /* once, over the host files, at the end */
	PHASE_RELATION,  /* per process at the end: what relates it to others */
};

struct triage_ctx;

struct triage_rule {
	struct triage_rule_info info;
	enum triage_phase phase;
	unsigned needs;             /* parts (PART_*) */
	void (*check)(struct triage_ctx *c);
};

/* The checks the table names from other files: triage_relate.c ... */
void triage_check_ld_so_preload(struct triage_ctx *c);
void triage_check_kernel_tainted(struct triage_ctx *c);
void triage_check_module_unsigned(struct triage_ctx *c);
void triage_check_module_out_of_tree(struct triage_ctx *c);
void triage_check_traced(struct triage_ctx *c);
void triage_check_shell_from_service(struct triage_ctx *c);
void triage_check_listener_flagged(struct triage_ctx *c);
/* ... triage_watch.c */
void triage_check_watch_tripwire(struct triage_ctx *c);
/* ... and triage_match.c */
void triage_check_ioc(struct triage_ctx *c);
void triage_check_yara(struct triage_ctx *c);
/* ... and triage_mem.c */
void triage_check_region_elf(struct triage_ctx *c);

/* The table (triage_rules.c). */
extern const struct triage_rule triage_table[];
extern const size_t triage_table_len;

/* ---- facts (triage_facts.c) ---- */

/* A mapping as a rule names it. */
struct triage_map {
	uint64_t start, end, offset;
	char perms[5];
	struct buf path;            /* exact bytes, may be empty */
};

#define TRIAGE_ENV_VARS 3       /* LD_PRELOAD, LD_AUDIT, LD_LIBRARY_PATH */
#define TRIAGE_ENV_VALUE_MAX 4096
#define TRIAGE_LINE_MAX 8192    /* a maps or status line kept whole */

/* What the raw status, environ and maps of one process say. */
struct triage_raw {
	int pid;                    /* whose (0: none yet) */
	bool status;                /* read */
	int tracer;                 /* TracerPid, -1 when not found */
	bool environ;               /* read */
	struct {
		bool set;           /* present with a non-empty value */
		struct buf value;   /* the first non-empty value (capped) */
		bool cut;           /* ... longer than TRIAGE_ENV_VALUE_MAX */
	} env[TRIAGE_ENV_VARS];
	bool maps;                  /* read */
	unsigned anon_exec, wx;     /* mappings executable without a file;
	                             * writable and executable */
	unsigned anon_x;            /* executable without a file, writable or not */
	struct triage_map first_anon_exec, first_wx;
	unsigned bad_lines;         /* maps lines not understood */
	/* parsing state */
	struct buf line;            /* a status or maps line in pieces */
	bool line_cut;
	const char *in;             /* the member being fed */
	char name[32];              /* environ: the variable's name so far */
	size_t name_len;
	bool in_value, name_cut;
	int var;                    /* its index in env[], -1 */
};

/* The variable names env[] holds, in order. */
extern const char *const triage_env_names[TRIAGE_ENV_VARS];

void triage_raw_reset(struct triage_raw *r, int pid);
/* A piece of member file ("status", "environ", "maps") of r->pid. */
void triage_raw_feed(struct triage_raw *r, const char *file, const void *data, size_t len);
/* The member file has no more pieces. */
void triage_raw_done(struct triage_raw *r, const char *file);
void triage_raw_free(struct triage_raw *r);

/* A process as the relation phase, and findings, know it. */
struct triage_pinfo {
	int pid, ppid;
	char start_time[40];
	struct buf comm, exe;       /* exact bytes; exe empty when unknown */
	bool has_euid;
	int64_t euid;
	bool kernel_thread;
	bool fds_known;             /* every fd table read */
	bool status_known;
	int tracer;                 /* TracerPid; 0 none */
	int listen_fd;              /* an inet socket it LISTENs on, -1 none */
	json_t *listen_socket;      /* ... that fd's socket record (owned) */
	enum triage_severity flagged; /* its worst finding not suppressed; 0 */
	unsigned missing;           /* the parts its records lack (PART_*) */
	json_t *why[TRIAGE_PARTS];  /* ... each one's error, or NULL (owned) */
	struct triage_unknown *unknown; /* its entry among the unknowns, or NULL */
	/* triage_watch.c: its inotify and fanotify marks on inodes, and the
	 * files it holds, runs or maps that a watch would make a tripwire */
	struct triage_mark *marks;
	size_t nmarks, markcap;
	int marks_partial_fd;       /* a notify fd whose marks were not all
	                             * recorded, -1 none */
	struct triage_held *held;
	size_t nheld, heldcap;
};

/* An inotify or fanotify mark on an inode. */
struct triage_mark {
	int fd;                     /* the notify fd */
	uint64_t dev, ino;          /* st_dev, as the fd records' stat */
	const char *api;            /* "inotify", "fanotify"; static */
	json_t *events;             /* the mark's events (owned), or NULL */
};

/* A file a process holds, runs or maps that is deleted, or in /tmp or
 * /dev/shm. */
struct triage_held {
	int pid;                    /* whose */
	uint64_t dev, ino;
	int fd;                     /* TRIAGE_HELD_EXE, TRIAGE_HELD_MAP, or the fd */
	bool deleted;
	struct buf path;            /* exact bytes */
	json_t *content;            /* its recovered content record (owned), or NULL */
};
#define TRIAGE_HELD_EXE (-1)
#define TRIAGE_HELD_MAP (-2)

/* Fills p's marks and held files from its records (triage_pinfo_fill()
 * done); 0 or -ENOMEM.  triage_watch_free() frees them. */
int triage_watch_fill(struct triage_pinfo *p, const json_t *proc, const json_t *fds);
/* Puts p's held files into m by (dev, ino), a deleted one before any
 * other; 0 or -ENOMEM.  The entries stay p's. */
int triage_watch_index(struct u64map *m, const struct triage_pinfo *p);
void triage_watch_free(struct triage_pinfo *p);

/* pinfo from process.json (and its fds); 0 or -ENOMEM. */
int triage_pinfo_fill(struct triage_pinfo *p, const json_t *proc, const json_t *fds);
void triage_pinfo_free(struct triage_pinfo *p);

/* The first bytes of each recovered file, by member name. */
#define TRIAGE_HEAD 8
struct triage_head {
	unsigned char b[TRIAGE_HEAD];
	size_t len;
};
struct triage_heads {
	struct u64map m;            /* (dev, ino) -> struct triage_head */
};
int triage_heads_add(struct triage_heads *h, const char *member, const void *data,
		     size_t len);
/* NULL when the member was not met. */
const struct triage_head *triage_heads_get(const struct triage_heads *h, const char *member);
void triage_heads_free(struct triage_heads *h);
/* (dev, ino) of "content/DEV-INO"; false for another name. */
bool triage_content_id(const char *member, uint64_t *dev, uint64_t *ino);

/* A maps line's path p[0..n) names no file: empty, [heap], [stack],
 * [anon:NAME], /dev/zero (deleted); not the kernel's [vdso] and the like. */
bool triage_anonymous_path(const char *p, size_t n);

/* Names and paths (bytes p[0..n)). */
/* The last component of a path, " (deleted)" left off. */
void triage_basename(const char *p, size_t n, const char **b, size_t *bn);
/* n without a trailing " (deleted)". */
size_t triage_undeleted(const char *p, size_t n);
/* p is below directory d ("/tmp": "/tmp/x", not "/tmp" or "/tmpx"). */
bool triage_under(const char *p, size_t n, const char *d);
/* Under /tmp, /var/tmp, /dev/shm, /run/user or a hidden directory
 * (a component starting with '.'): where intruders stage files. */
bool triage_staging_path(const char *p, size_t n, const char **why);
/* A shell; a shell or script interpreter (by the executable's name). */
bool triage_is_shell(const char *name, size_t n);
bool triage_is_interpreter(const char *name, size_t n);
/* A debugger or tracer people run on purpose (gdb, strace, ...). */
bool triage_is_debugger(const char *name, size_t n);
/* A name kernel threads have (kworker/0:1, ksoftirqd/0, ...). */
bool triage_kthread_name(const char *name, size_t n);
/* True when the fd is an inet (tcp, udp; v4 or v6) socket; *socket its
 * socket record, or NULL when no table resolved it (the kernel's
 * protocol name, sockproto, said inet). */
bool triage_inet_fd(const json_t *fd, const json_t **socket);

/* ---- the allowlist (triage_allow.c) ---- */

struct triage_allow;
/* Parses the text of an allowlist named source ("FILE", or "built-in")
 * into *a (created when NULL); known(id) says whether a rule id exists.
 * -EINVAL with "SOURCE:LINE: why" in err. */
int triage_allow_parse(struct triage_allow **a, const char *source, const char *text,
		       size_t len, bool (*known)(const char *id), char *err, size_t errlen);
/* The entry matching f: its "SOURCE:LINE" (static while a lives), or NULL. */
const char *triage_allow_match(const struct triage_allow *a, const struct triage_finding *f);
void triage_allow_free(struct triage_allow *a);

/* ---- the --ioc list (triage_ioc.c) ---- */

struct triage_ioc;
/* Reads path: one SHA-256 (64 hex digits) a line, then optionally a label
 * (sha256sum's output reads); '#' starts a comment.  -EINVAL with
 * "PATH:LINE: why" in err, or -errno. */
int triage_ioc_load(struct triage_ioc **i, const char *path, char *err, size_t errlen);
/* The label of hex (64 hex digits) when it is listed ("" without one), or
 * NULL. */
const char *triage_ioc_get(const struct triage_ioc *i, const char *hex);
size_t triage_ioc_count(const struct triage_ioc *i);
void triage_ioc_free(struct triage_ioc *i);

/* ---- YARA (triage_yara.c) ---- */

struct triage_yara;
/* One rule that matched a member. */
struct triage_yara_hit {
	char *rule;                 /* its identifier */
	enum triage_severity severity; /* meta "severity" (low, medium, high), else high */
	char *attack;               /* meta "mitre_attack"/"attack" (T1234...), or NULL */
};
/* What a member's scan gave. */
struct triage_yara_result {
	struct triage_yara_hit *hits;
	size_t nhits;
	char *error;                /* the scan failed: why (unknown), or NULL */
	bool windowed;              /* larger than one window: scanned in
	                             * overlapping windows */
};
/* Compiles path.  -EINVAL with "PATH:LINE: message" in err. */
int triage_yara_open(struct triage_yara **y, const char *path, char *err, size_t errlen);
/* The bytes of member (NULL data: zeros), in pieces; last ends it and
 * stores its result.  -ENOMEM only: a scan's failure is its result. */
int triage_yara_feed(struct triage_yara *y, const char *member, const void *data, size_t len,
		     bool last);
/* A member's result, or NULL when it was not scanned. */
const struct triage_yara_result *triage_yara_get(const struct triage_yara *y,
						 const char *member);
/* A captured memory region, scanned as a process's memory is: begin,
 * its runs of bytes at their addresses (ascending; holes left out), end.
 * *out is then its result (the caller's: triage_yara_result_free), or
 * NULL without rules.  No content member is fed meanwhile.  -ENOMEM only. */
int triage_yara_region_begin(struct triage_yara *y);
int triage_yara_region_feed(struct triage_yara *y, uint64_t addr, const void *data, size_t len);
int triage_yara_region_end(struct triage_yara *y, struct triage_yara_result **out);
void triage_yara_result_free(struct triage_yara_result *r);
void triage_yara_free(struct triage_yara *y);

/* ---- captured memory regions (triage_mem.c) ---- */

/* A region of the process being read whose member was met. */
struct triage_region {
	uint64_t start, end;        /* the member's: [start, end) */
	unsigned char head[TRIAGE_HEAD]; /* the bytes at start ... */
	size_t head_len;            /* ... 0 when its first page is a hole */
	bool head_done;             /* no more of them will come */
	struct triage_yara_result *yara; /* its scan (owned), or NULL: none */
};
/* The regions of one process: its memory members come before its
 * process.json (docs/FORMAT.md), which names what each region is. */
struct triage_regions {
	int pid;                    /* whose (0: none yet) */
	struct triage_region *v;
	size_t len, cap;
	bool feeding;               /* v[len - 1]'s bytes are coming */
	/* results with hits of regions dropped: findings point into them */
	struct triage_yara_result **kept;
	size_t nkept, keptcap;
};
/* A run of region [start, end) of pid at addr (data NULL and len 0: none);
 * last ends the region.  Regions of another pid drop those kept.  1 when
 * more bytes are wanted, 0 when not (no --yara, the first bytes known),
 * -ENOMEM. */
int triage_regions_feed(struct triage_regions *r, struct triage_yara *y,
			struct triage_stats *st, int pid, uint64_t start, uint64_t end,
			uint64_t addr, const void *data, size_t len, bool last);
/* The region of pid starting at start, or NULL when its member was not met. */
const struct triage_region *triage_regions_get(const struct triage_regions *r, int pid,
					       uint64_t start);
/* What process.json's memory records say that triage counts (regions not
 * captured whole). */
void triage_regions_count(struct triage_stats *st, const json_t *proc);
/* Drops every region kept (a YARA result with hits lives on until
 * _free, which frees everything): 0 or -ENOMEM. */
int triage_regions_reset(struct triage_regions *r);
void triage_regions_free(struct triage_regions *r);
/* Each captured region of c->proc a --yara rule matched: a finding of
 * the current rule (yara); a region not scanned whole is unknown. */
void triage_yara_regions(struct triage_ctx *c);

/* ---- a rule at work (triage_finding.c) ---- */

/* The unknowns of a run, one per process (and the host). */
struct triage_unknowns {
	struct triage_unknown **v;
	size_t len, cap;
};
struct triage_findings {
	struct triage_finding **v;
	size_t len, cap;
};

/* What a rule's check sees, and where its findings go. */
struct triage_ctx {
	const struct triage_rule *rule;
	size_t rule_index;
	/* PHASE_PROCESS */
	const json_t *proc, *fds;
	const struct triage_raw *raw;
	/* PHASE_PROCESS and PHASE_RELATION: the parts the process's records
	 * lack, and for each (by bit) the record's error saying why, or NULL */
	unsigned missing;
	const json_t *why[TRIAGE_PARTS];
	/* PHASE_PROCESS and PHASE_RELATION: the process; NULL: the host */
	struct triage_pinfo *me;
	/* PHASE_RELATION: every process, by pid */
	struct triage_pinfo *const *procs;
	size_t nprocs;
	/* PHASE_HOST */
	const json_t *host;          /* host.json, or NULL */
	const struct buf *ld_preload, *modules, *tainted; /* host files, or NULL */
	bool ld_preload_cut, modules_cut;
	/* lists and results */
	const struct triage_ioc *ioc;
	const struct triage_yara *yara;
	const struct triage_heads *heads;
	const struct triage_regions *regions; /* the process's memory regions met */
	const struct u64map *held;   /* every process's held files (triage_watch) */
	const struct triage_allow *allow;
	struct triage_stats *stats;
	/* out */
	struct triage_findings *out;
	struct triage_unknowns *unknowns;
	struct triage_unknown *host_unknown; /* the host's (pid 0), or NULL */
	uint64_t seq;                /* findings made so far */
	int err;                     /* sticky: -ENOMEM */
};

/* A finding of the current rule about c->me (or the host), with the
 * rule's severity and technique; NULL (c->err set) when out of memory.
 * Fill it, then triage_emit() it. */
struct triage_finding *triage_new(struct triage_ctx *c);
/* Matches the allowlist and keeps f (owned from now on). */
void triage_emit(struct triage_ctx *c, struct triage_finding *f);
/* Appends printf text to f->what / sets the evidence path (exact bytes). */
void triage_what(struct triage_finding *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void triage_what_bytes(struct triage_finding *f, const void *p, size_t n);
void triage_set_path(struct triage_finding *f, const void *p, size_t n);
/* Evidence from a content record: sha256, member, and the record. */
void triage_set_content(struct triage_finding *f, const json_t *content);
/* The pid of the process the finding is about for a relation, and its
 * executable (else name). */
void triage_set_other(struct triage_finding *f, const char *role,
		      const struct triage_pinfo *o, int pid);

/* The current rule could not be decided for c->me (or the host): part
 * (PART_*) was missing; err is the record's error saying why (copied), or
 * NULL with what/reason (may be NULL) instead. */
void triage_unknown_note(struct triage_ctx *c, unsigned part, const json_t *err,
			 const char *what, const char *reason);
/* The same for each part of parts that c->missing has, with c->why. */
void triage_unknown_parts(struct triage_ctx *c, unsigned parts);

void triage_finding_free(struct triage_finding *f);
void triage_unknown_free(struct triage_unknown *u);
/* Sorts the findings: severity (high first), pid, rule, fd. */
void triage_findings_sort(struct triage_findings *l);

#endif
