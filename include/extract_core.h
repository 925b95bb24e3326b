/* extract_core: a process's captured memory as an ELF core file, written in one pass over a snapshot. */
#ifndef PROCSNAP_EXTRACT_CORE_H
#define PROCSNAP_EXTRACT_CORE_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * DIR/PID.core holds a PT_LOAD for each memory region captured of PID
 * (proc/PID/mem/START-END), at its original address, with the
 * permissions its maps line gives (the process's maps comes before its
 * memory in the archive).  Pages the capture could not read are cut out,
 * so gdb says "Cannot access memory" rather than show zeros; pages of
 * zeros stay holes.  Notes: NT_PRPSINFO (name, arguments, ids from
 * process.json and cmdline), NT_AUXV when auxv was captured (gdb places a
 * PIE executable by it), NT_FILE for every file-backed mapping of maps.
 * Memory that was not captured is in no segment.  A process of which no
 * region was captured still gets a core, without PT_LOAD, when the
 * capture recovered a file it maps (a memfd or shared anonymous memory
 * mapped rwx, which are recovered files, not regions): the notes and the
 * sysroot place it.
 *
 * gdb opens every NT_FILE path on the analyst's machine unless it starts
 * with -iex 'set sysroot DIR' (an -ex comes too late: the core is loaded
 * first).  A FIFO at such a path hangs it for good, and a file of the
 * same name, the analyst's own libc, is shown as the process's memory.
 * So DIR/PID.sysroot is made, and res->gdb is the command line to give
 * the analyst: always print it.  The files the capture recovered that
 * the core names (a deleted or memfd executable, deleted mapped files)
 * are laid out in it by their paths (extract_sysroot.h), so that gdb shows
 * their code too: a second reading of the archive, from a file only.
 *
 * The core is written as DIR/PID.core.partial (never over an existing
 * file) and gets its name only when the archive was read to its end and
 * verified: every member matches the manifest, and every region's bytes
 * hash to the sha256 of its record in process.json.  Anything else leaves
 * no core, and res->message says why.  Every number in the archive is
 * hostile: elfcore checks each before using it.
 */

struct extract_core_opts {
	const char *dir;            /* made (0700) if missing */
	int pid;
	/* Borrowed: when it becomes non-zero, extraction stops with -EINTR. */
	const volatile sig_atomic_t *stop;
};

struct extract_core_result {
	char core[PATH_MAX];        /* DIR/PID.core */
	char sysroot[PATH_MAX];     /* DIR/PID.sysroot */
	char gdb[3 * PATH_MAX];     /* gdb -iex 'set sysroot ...' -c ..., quoted for sh */
	unsigned long regions;      /* regions in the core */
	unsigned long unreadable;   /* ranges of them cut out, unreadable */
	unsigned long files;        /* file-backed mappings in NT_FILE */
	uint64_t bytes;             /* bytes of the regions, holes included */
	bool auxv;                  /* NT_AUXV written */
	unsigned long sysroot_files; /* recovered files laid out under the sysroot */
	unsigned long notes;        /* remarks (see message_notes) */
	char notes_text[1024];      /* the first remarks, one per line */
	char message[1024];         /* why extract_core_run failed */
};

/*
 * Writes the core of opts->pid from archive ("-": stdin).  Returns 0 with
 * res filled, or -errno with res->message: -ENOENT (no such process, or
 * neither a region nor a file it maps was captured), -EBADMSG (the
 * archive is damaged or does not verify), -EEXIST (the core exists
 * already), or local trouble.
 */
int extract_core_run(const char *archive, const struct extract_core_opts *opts,
		     struct extract_core_result *res);

#endif
