/* triage: what looks wrong in a snapshot — rules over its records, an allowlist, IOC hashes and YARA — as findings with their evidence. */
#ifndef PROCSNAP_TRIAGE_H
#define PROCSNAP_TRIAGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/*
 * snapread triage (docs/TRIAGE.md).  A table of rules (src/model/
 * triage_rules.c) runs over each process of an archive as it streams by
 * (process.json, its fds, the raw status, environ and maps, its captured
 * memory regions), over the host
 * files, and at the end over what relates processes (a parent, a tracer).
 * Each hit is a finding: a rule, a severity, an ATT&CK technique, the pid
 * (and fd, mapping or socket), one line saying what was seen, and the
 * evidence (path, sha256, member).  A finding an allowlist entry matches
 * is kept, marked suppressed.
 *
 * Unknown is never clean: a rule that needs what a process's record lacks
 * (its fds could not be read, it vanished, its executables were not
 * hashed...) is not decided for it, and the process is listed among the
 * unknowns with what was missing and which rules were not decided.
 *
 * Nothing here prints or exits: functions return 0 or -errno and keep
 * their message (triage_error()).  Archive bytes in findings are kept
 * exact (struct buf): a view escapes them.
 *
 * Two ways in: triage_run() reads an archive; or a caller feeds records
 * itself (the unit tests) with triage_add_* and ends with triage_end().
 */

enum triage_severity {
	TRIAGE_LOW = 1,
	TRIAGE_MEDIUM = 2,
	TRIAGE_HIGH = 3,
};

/* "low", "medium", "high". */
const char *triage_severity_name(enum triage_severity s);
/* The severity named s: 0, or -EINVAL. */
int triage_severity_parse(const char *s, enum triage_severity *out);

/* A rule of the table, as documented (docs/TRIAGE.md). */
struct triage_rule_info {
	const char *id;                 /* stable: "exe-deleted-staging" */
	enum triage_severity severity;  /* its findings' (yara: the rule's meta
	                                 * may say otherwise) */
	const char *attack;             /* MITRE ATT&CK technique, or NULL */
	const char *title;              /* what it flags, one line */
};

/* The table, in order: rule i, or NULL past its end.  Static. */
const struct triage_rule_info *triage_rule_at(size_t i);

struct triage_opts {
	const char *ioc_path;      /* --ioc: SHA-256 hashes, one a line; or NULL */
	const char *yara_path;     /* --yara: a YARA rules file; or NULL */
	const char *const *allow_paths; /* --allow: allowlist files of one's own */
	size_t nallow;
	bool no_default_allow;     /* leave out the built-in allowlist */
};

/* One finding.  Owned by the triage; valid until triage_free(). */
struct triage_finding {
	const struct triage_rule_info *rule;
	size_t rule_index;         /* the rule's place in the table */
	uint64_t seq;              /* the order it was found in */
	enum triage_severity severity;
	const char *attack;        /* ATT&CK technique, or NULL */
	int pid;                   /* 0: the host (a host file) */
	char start_time[40];       /* the process's, "" when not recorded */
	struct buf command;        /* its name (comm), exact bytes */
	struct buf exe;            /* its executable (the exe link), or empty */
	bool has_euid;
	int64_t euid;
	int fd;                    /* -1: none */
	int tid;                   /* an fd of a thread's own table; else 0 */
	int other_pid;             /* the tracer, the parent: 0 when none */
	const char *other_role;    /* "tracer", "parent"; static; or NULL */
	struct buf other_exe;      /* that process's executable (else its name) */
	const char *object;        /* what the evidence is: "exe", "lib", "fd",
	                            * "mapping", "socket", "host-file", "module",
	                            * "memory" (a captured region), "process";
	                            * static */
	struct buf what;           /* one line: what was seen (exact bytes) */
	struct buf path;           /* evidence: a path, or empty */
	char sha256[65];           /* evidence: a SHA-256, or "" */
	char *member;              /* evidence: the archive member, or NULL */
	char *name;                /* yara: the rule that matched; ioc: the
	                            * list's label for the hash; module: its
	                            * name; or NULL */
	json_t *mapping;           /* a mapping ({start, end, perms, ...}), or NULL */
	json_t *socket;            /* an fd's socket record, or NULL */
	json_t *content;           /* recovered content record, or NULL */
	json_t *region;            /* a captured memory region's record
	                            * (process.json memory), or NULL */
	bool suppressed;           /* an allowlist entry matched */
	const char *allowed_by;    /* then: "FILE:LINE" of the entry */
};

/* A process (or the host, pid 0) some rules could not be decided for. */
struct triage_unknown {
	int pid;
	char start_time[40];
	struct buf command;
	/* What was missing: an array of {"part", "what"?, "errno"?,
	 * "reason"?} (part: process, exe, fds, maps, status, environ,
	 * exec_files, content, parent, host-file, memory). */
	json_t *missing;
	uint64_t rules;            /* bit i: rule triage_rule_at(i) not decided */
};

struct triage_stats {
	uint64_t processes;        /* process records triaged */
	uint64_t findings[4];      /* by severity, not suppressed */
	uint64_t suppressed;
	uint64_t unknown;          /* processes (and the host) with rules not decided */
	uint64_t contents;         /* recovered files (content members) met */
	uint64_t scanned;          /* ... scanned with YARA */
	uint64_t scan_failed;      /* ... whose scan failed (unknown) */
	uint64_t ioc_hashes;       /* hashes in the --ioc list */
	uint64_t hashes_checked;   /* executables, libraries, recovered files
	                            * whose hash was looked up */
	uint64_t exec_unhashed;    /* exec_files entries without a hash */
	uint64_t regions;          /* captured memory regions (members) met */
	uint64_t regions_scanned;  /* ... scanned with YARA */
	uint64_t regions_scan_failed; /* ... whose scan failed (unknown) */
	uint64_t regions_partial;  /* regions recorded but not captured whole
	                            * (skipped, failed, truncated by a bound,
	                            * pages unreadable) */
};

struct triage;

/* Loads the allowlists, the IOC list and compiles the YARA rules.  *t is
 * the caller's (triage_free) whatever this returns.  -EINVAL for a file
 * that is wrong (a rule that does not compile, a line that is not a hash
 * or an entry), with the message in triage_error(); -errno when one could
 * not be read. */
int triage_open(struct triage **t, const struct triage_opts *o);

/* Reads the archive at path ("-": stdin) and triages it: 0, or -errno
 * (an archive's error: snapreader_is_archive_error()). */
int triage_run(struct triage *t, const char *path);

/*
 * Feeding records by hand, in archive order (what triage_run does).
 * Text is the raw member's bytes; data NULL for len zero bytes (a hole).
 */
/* A host file ("etc/ld.so.preload", "proc/modules"...). */
int triage_add_host_file(struct triage *t, const char *file, const void *data, size_t len);
/* A recovered file ("content/DEV-INO"): its bytes, in pieces, last true
 * on the last one (which may be empty).  Every piece is scanned (YARA);
 * the first bytes tell what it is (an ELF, a script). */
int triage_add_content(struct triage *t, const char *member, const void *data, size_t len,
		       bool last);
/* A raw /proc member of pid ("status", "environ", "maps"), in pieces, in
 * order; the pieces of one process precede its triage_add_process(). */
int triage_add_raw(struct triage *t, int pid, const char *file, const void *data, size_t len);
/* A captured memory region of pid ("proc/PID/mem/START-END": [start,
 * end)), as runs of bytes at their addresses, ascending, holes left out
 * (data NULL, len 0: none); last true on its last call.  The regions of a
 * process precede its triage_add_process(), which its record names.  1
 * when more bytes are wanted, 0 when not (without --yara only the first
 * bytes are read), or -errno. */
int triage_add_memory(struct triage *t, int pid, uint64_t start, uint64_t end, uint64_t addr,
		      const void *data, size_t len, bool last);
/* A process: its process.json and its fd records (an array; may be
 * NULL: none recorded).  Both borrowed for the call. */
int triage_add_process(struct triage *t, const json_t *proc, const json_t *fds);
/* The end: host.json (may be NULL: not recorded), then the host rules and
 * those that relate processes run, and findings are sorted: severity
 * first, then pid, rule, fd. */
int triage_end(struct triage *t, const json_t *host);

/* The findings (suppressed ones too), sorted once triage_end() ran. */
size_t triage_count(const struct triage *t);
const struct triage_finding *triage_finding(const struct triage *t, size_t i);
size_t triage_unknown_count(const struct triage *t);
const struct triage_unknown *triage_unknown(const struct triage *t, size_t i);
const struct triage_stats *triage_stats(const struct triage *t);

/* The built-in allowlist's text (docs/triage-allow.conf). Static. */
const char *triage_default_allowlist(void);

const char *triage_error(const struct triage *t);
void triage_free(struct triage *t);

#endif
