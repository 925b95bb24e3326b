/* elfcore_int: what the two files of elfcore share — the builder's state, the ELF constants, the error helpers. */
#ifndef PROCSNAP_ELFCORE_INT_H
#define PROCSNAP_ELFCORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elfcore.h"

/* elfcore.c holds the declarations (elfcore_new, elfcore_add_*,
 * elfcore_set_*), elfcore_write.c the output (elfcore_begin, _data,
 * _finish): layout, program headers, notes.  elfcore_write.c uses
 * elfcore.c, not the other way round. */

/*
 * ELF (elf(5)) and Linux core (binfmt_elf.c, elfcore.h) constants, spelled
 * out and every field written little-endian byte by byte: the core is the
 * same whatever the host, and no struct padding leaks into it.  Only
 * 64-bit little-endian machines are described (x86_64, aarch64).
 */
#define EHDR_SIZE 64u
#define PHDR_SIZE 56u
#define SHDR_SIZE 64u
#define ET_CORE 4u
#define EV_CURRENT 1u
#define PT_LOAD 1u
#define PT_NOTE 4u
#define PN_XNUM 0xffffu
#define NT_PRSTATUS 1u
#define NT_PRPSINFO 3u
#define NT_AUXV 6u
#define NT_FILE 0x46494c45u
/* A note is namesz, descsz, type, then "CORE\0" padded to 8 bytes. */
#define NOTE_HEAD 20u
/* struct elf_prpsinfo (LP64): pr_fname at 40, pr_psargs at 56. */
#define PRPSINFO_SIZE 136u
#define PR_FNAME_LEN 16u
#define PR_PSARGS_LEN 80u
/* struct elf_prstatus (LP64): pr_pid at 32, pr_reg at 112, then
 * pr_fpvalid; x86_64 has 27 general registers, aarch64 34. */
#define PRSTATUS_X86_64 336u
#define PRSTATUS_AARCH64 392u

#define OUTBUF (64u << 10)


enum state { ST_NEW, ST_BEGUN, ST_DONE };

struct region {
	uint64_t start, end;
	uint64_t foff;      /* file offset of the byte at start: set by
			     * elfcore_begin(), or when added after it */
	unsigned perms;
};

struct unreadable {
	uint64_t start, end; /* absolute addresses, inside one region */
};

struct fmap {
	uint64_t start, end, offset;
	char *path;          /* as written in NT_FILE (escaped unless raw) */
	size_t len;          /* without the NUL */
};

struct elfcore {
	unsigned machine, flags;
	uint64_t page, max_bytes;
	int32_t pid, ppid, pgrp, sid;
	uint32_t uid, gid;
	char state;
	char fname[PR_FNAME_LEN];
	char psargs[PR_PSARGS_LEN];

	struct region *reg;
	size_t nreg, capreg;
	uint64_t reg_bytes;          /* sum of region sizes, <= max_bytes */
	struct unreadable *unr;
	size_t nunr, capunr;
	struct fmap *files;
	size_t nfiles, capfiles;
	uint64_t file_desc;          /* NT_FILE descsz so far */
	unsigned char *auxv;
	size_t auxv_len;

	enum state st;
	enum elfcore_layout layout;
	int fd;
	bool seekable;               /* a regular file: pwrite at base + off */
	uint64_t base;
	uint64_t written;            /* not seekable: bytes written so far */
	uint64_t next;               /* HEADERS_LAST: where the next region goes */
	uint64_t size;

	/* Headers and notes are staged here and written in OUTBUF pieces. */
	unsigned char *out;
	size_t outlen;
	uint64_t outoff;

	int err;                     /* sticky, once writing went wrong */
	char msg[256];
};

/* A refused input: the core is unchanged and may be used further. */
int elfcore_refuse(struct elfcore *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Writing failed or cannot go on: sticky. */
int elfcore_fail(struct elfcore *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline void put16(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static inline void put32(unsigned char *p, uint32_t v)
{
	put16(p, v & 0xffffu);
	put16(p + 2, v >> 16);
}

static inline void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static inline uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static inline uint32_t prstatus_size(unsigned machine)
{
	return machine == ELFCORE_EM_AARCH64 ? PRSTATUS_AARCH64 : PRSTATUS_X86_64;
}

#endif
