/* elfcore_check: what the elfcore tests share — a small, strict reader of the cores elfcore writes, and one scenario written every way. */
#ifndef PROCSNAP_ELFCORE_CHECK_H
#define PROCSNAP_ELFCORE_CHECK_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "elfcore.h"

#define PG 4096u

/* ---- a small, strict reader of what elfcore wrote ---- */

static inline uint16_t get16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t get32(const unsigned char *p)
{
	return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16;
}
static inline uint64_t get64(const unsigned char *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

struct ph {
	uint32_t type, flags;
	uint64_t off, vaddr, filesz, memsz, align;
};

struct core {
	int fd;
	uint64_t size, phoff, shoff;
	uint16_t machine, e_phnum, shnum;
	size_t phnum, nloads;
	struct ph *ph;
	unsigned char *notes;
	size_t notes_len;
};

static inline void pread_exact(int fd, void *buf, size_t n, uint64_t off)
{
	assert_int_equal(pread(fd, buf, n, (off_t)off), (ssize_t)n);
}

/*
 * Loads and checks the structure every core must have: a 64-bit LE
 * ET_CORE; PT_NOTE first; then PT_LOADs sorted by address, disjoint,
 * page aligned in memory and in the file, p_filesz == p_memsz, inside
 * the file; the extension header when e_phnum is PN_XNUM.
 */
static inline void core_load_page(struct core *k, int fd, uint64_t page)
{
	unsigned char e[64], p[56], sh[64];
	struct stat st;
	size_t i;

	memset(k, 0, sizeof(*k));
	k->fd = fd;
	assert_int_equal(fstat(fd, &st), 0);
	k->size = (uint64_t)st.st_size;
	pread_exact(fd, e, sizeof(e), 0);
	assert_memory_equal(e, "\177ELF\2\1\1\0", 8);
	assert_int_equal(get16(e + 16), 4);  /* ET_CORE */
	assert_int_equal(get32(e + 20), 1);
	assert_int_equal(get16(e + 52), 64);
	assert_int_equal(get16(e + 54), 56);
	k->machine = get16(e + 18);
	k->phoff = get64(e + 32);
	k->shoff = get64(e + 40);
	k->e_phnum = get16(e + 56);
	k->shnum = get16(e + 60);
	k->phnum = k->e_phnum;
	if (k->e_phnum == 0xffff) {
		assert_int_equal(get16(e + 58), 64);
		assert_int_equal(k->shnum, 1);
		pread_exact(fd, sh, sizeof(sh), k->shoff);
		assert_int_equal(get32(sh + 4), 0);  /* SHT_NULL */
		k->phnum = get32(sh + 44);
		assert_true(k->phnum >= 0xffff);
	} else {
		assert_int_equal(k->shoff, 0);
		assert_int_equal(k->shnum, 0);
	}
	assert_true(k->phnum >= 1);
	assert_true(k->phoff % 8 == 0);
	assert_true(k->phoff + k->phnum * 56 <= k->size);
	k->ph = calloc(k->phnum, sizeof(*k->ph));
	assert_non_null(k->ph);
	for (i = 0; i < k->phnum; i++) {
		struct ph *h = &k->ph[i];

		pread_exact(fd, p, sizeof(p), k->phoff + i * 56);
		h->type = get32(p);
		h->flags = get32(p + 4);
		h->off = get64(p + 8);
		h->vaddr = get64(p + 16);
		h->filesz = get64(p + 32);
		h->memsz = get64(p + 40);
		h->align = get64(p + 48);
		assert_true(h->off <= k->size && h->filesz <= k->size - h->off);
		if (i == 0) {
			assert_int_equal(h->type, 4); /* PT_NOTE */
			assert_int_equal(h->align, 4);
			continue;
		}
		assert_int_equal(h->type, 1); /* PT_LOAD */
		assert_int_equal(h->filesz, h->memsz);
		assert_true(h->filesz > 0);
		assert_int_equal(h->off % page, 0);
		assert_int_equal(h->vaddr % page, 0);
		assert_int_equal(h->filesz % page, 0);
		assert_int_equal(h->align, page);
		assert_int_equal(h->flags & ~7u, 0);
		if (i > 1)
			assert_true(h->vaddr >= k->ph[i - 1].vaddr +
					       k->ph[i - 1].memsz);
		k->nloads++;
	}
	k->notes_len = (size_t)k->ph[0].filesz;
	k->notes = malloc(k->notes_len ? k->notes_len : 1);
	assert_non_null(k->notes);
	pread_exact(fd, k->notes, k->notes_len, k->ph[0].off);
}

static inline void core_load(struct core *k, int fd)
{
	core_load_page(k, fd, PG);
}

static inline void core_free(struct core *k)
{
	free(k->ph);
	free(k->notes);
}

/* The note of that type ("CORE"), *n its size; NULL when absent.  Every
 * note's sizes are checked on the way. */
static const unsigned char *core_note(const struct core *k, uint32_t type,
				      uint32_t *n)
{
	size_t at = 0;

	while (at < k->notes_len) {
		const unsigned char *h = k->notes + at;
		uint32_t namesz, descsz;

		assert_true(k->notes_len - at >= 12);
		namesz = get32(h);
		descsz = get32(h + 4);
		assert_int_equal(namesz, 5);
		assert_memory_equal(h + 12, "CORE", 5);
		assert_true(k->notes_len - at >= 20 + ((descsz + 3) & ~3u));
		if (get32(h + 8) == type) {
			*n = descsz;
			return h + 20;
		}
		at += 20 + ((descsz + 3) & ~3u);
	}
	return NULL;
}

/* The byte at addr: 0..255, or -1 when no PT_LOAD holds it. */
static inline int core_byte(const struct core *k, uint64_t addr)
{
	unsigned char b;
	size_t lo = 1, hi = k->phnum;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ph *h = &k->ph[mid];

		if (addr < h->vaddr) {
			hi = mid;
		} else if (addr >= h->vaddr + h->memsz) {
			lo = mid + 1;
		} else {
			pread_exact(k->fd, &b, 1, h->off + (addr - h->vaddr));
			return b;
		}
	}
	return -1;
}

static inline bool core_has(const struct core *k, uint64_t addr, const char *s)
{
	size_t i, n = strlen(s);

	for (i = 0; i < n; i++)
		if (core_byte(k, addr + i) != (unsigned char)s[i])
			return false;
	return true;
}

static inline int memfd(void)
{
	int fd = memfd_create("core", MFD_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

/* ---- one scenario, written in every way ---- */

/*
 * Regions, in the order declared (a hostile archive need not sort):
 *  A 0x7f0000003000 +4 pages rwx: ELF header, marker at page 1 +0x10,
 *    page 2 a hole, tail at the end of page 3;
 *  B 0x400000 +3 pages r-x: 'B' page, unreadable page, 50 bytes at +100
 *    of the last page;
 *  C 0x7f0000000000 +1 page rw-: unreadable, so in no PT_LOAD;
 *  D 0x7f0000001000 +2 pages r--: one page of 'D', then a hole.
 * A is last in the file, and its last bytes are a hole: the file must
 * still be sized to its end.
 */
#define A_START 0x7f0000003000ULL
#define B_START 0x400000ULL
#define C_START 0x7f0000000000ULL
#define D_START 0x7f0000001000ULL
#define MARKER "PROCSNAP-MARKER-c0ffee"
#define TAIL "PROCSNAP-TAIL"

enum { RA, RB, RC, RD };

struct chunk {
	int region;
	uint64_t off;
	unsigned char fill; /* 0: the text */
	size_t len;
	const char *text;
};

static const struct chunk chunks[] = {
	/* address order: B, D, A */
	{ RB, 0, 'B', PG, NULL },
	{ RB, 2 * PG + 100, 'b', 50, NULL },
	{ RD, 0, 'D', PG, NULL },
	{ RA, 0, 0, 8, "\177ELF\2\1\1" },
	{ RA, PG + 0x10, 0, sizeof(MARKER), MARKER },
	{ RA, 4 * PG - 64, 0, sizeof(TAIL), TAIL },
};

static const unsigned char cmdline[] = "evil\0--flag\033[2J\0x\0";

static inline void scenario_process(struct elfcore *c)
{
	struct elfcore_proc p;

	memset(&p, 0, sizeof(p));
	p.pid = 4242;
	p.ppid = 1;
	p.pgrp = 4242;
	p.sid = 4000;
	p.uid = 1000;
	p.gid = 100;
	p.state = 'S';
	p.name = "ev\til\x7fname-longer-than-16";
	p.cmdline = cmdline;
	p.cmdline_len = sizeof(cmdline); /* trailing NULs dropped */
	assert_int_equal(elfcore_set_process(c, &p), 0);
}

static inline void scenario_new(struct elfcore **c, unsigned flags)
{
	struct elfcore_opts o = { .machine = ELFCORE_EM_X86_64, .flags = flags };

	assert_int_equal(elfcore_new(c, &o), 0);
	assert_string_equal(elfcore_error(*c), "");
}

static inline void scenario_files(struct elfcore *c)
{
	assert_int_equal(elfcore_add_file(c, 0x7f0000010000ULL, 0x7f0000012000ULL,
					  0x2000, "/lib/x (deleted)"), 0);
	assert_int_equal(elfcore_add_file(c, B_START, B_START + 3 * PG, 0,
					  "/usr/bin/ev\033[31mil\n"), 0);
}

static const uint64_t starts[] = { A_START, B_START, C_START, D_START };
static const uint64_t sizes[] = { 4 * PG, 3 * PG, PG, 2 * PG };
static const unsigned perms[] = { 7, 5, 6, 4 };

static inline void scenario_regions(struct elfcore *c, size_t idx[4])
{
	size_t i;

	for (i = 0; i < 4; i++)
		assert_int_equal(elfcore_add_region(c, starts[i],
						    starts[i] + sizes[i],
						    perms[i], &idx[i]), 0);
}

static inline void scenario_unreadable(struct elfcore *c, const size_t idx[4])
{
	assert_int_equal(elfcore_add_unreadable(c, idx[RB], PG, PG), 0);
	assert_int_equal(elfcore_add_unreadable(c, idx[RC], 0, PG), 0);
}

static inline void scenario_chunk(struct elfcore *c, const size_t idx[4],
			   const struct chunk *k)
{
	unsigned char buf[PG];
	size_t half = k->len / 2;

	if (k->text) {
		memcpy(buf, k->text, k->len);
	} else {
		memset(buf, k->fill, k->len);
	}
	/* In two pieces: a region's bytes may come in any chunking. */
	assert_int_equal(elfcore_data(c, idx[k->region], k->off, buf, half), 0);
	assert_int_equal(elfcore_data(c, idx[k->region], k->off + half,
				      buf + half, k->len - half), 0);
}

static inline void write_first(int fd, unsigned flags)
{
	struct elfcore *c = NULL;
	size_t idx[4], i;

	scenario_new(&c, flags);
	/* a first, wrong process: the last call wins */
	assert_int_equal(elfcore_set_process(c, &(struct elfcore_proc){ .pid = 1, .name = "x" }), 0);
	scenario_process(c);
	scenario_files(c);
	scenario_regions(c, idx);
	scenario_unreadable(c, idx);
	assert_int_equal(elfcore_set_auxv(c, "\x09\0\0\0\0\0\0\0\x78\x56\x34\x12\0\0\0\0", 16), 0);
	assert_int_equal(elfcore_begin(c, fd, ELFCORE_HEADERS_FIRST), 0);
	assert_true(elfcore_size(c) > 0);
	for (i = 0; i < sizeof(chunks) / sizeof(*chunks); i++)
		scenario_chunk(c, idx, &chunks[i]);
	assert_int_equal(elfcore_finish(c), 0);
	elfcore_free(c);
}

/* The archive's way: each region declared when its member comes, bytes
 * in archive order (not address order), unreadable pages and mappings
 * learnt at the end (process.json). */
static inline void write_last(int fd)
{
	static const int archive_order[] = { RA, RC, RB, RD };
	struct elfcore *c = NULL;
	size_t idx[4], i, j;

	scenario_new(&c, 0);
	assert_int_equal(elfcore_begin(c, fd, ELFCORE_HEADERS_LAST), 0);
	for (i = 0; i < 4; i++) {
		int r = archive_order[i];

		assert_int_equal(elfcore_add_region(c, starts[r], starts[r] + sizes[r],
						    perms[r], &idx[r]), 0);
		for (j = sizeof(chunks) / sizeof(*chunks); j-- > 0;)
			if (chunks[j].region == r)
				scenario_chunk(c, idx, &chunks[j]);
	}
	scenario_unreadable(c, idx);
	scenario_files(c);
	scenario_process(c);
	assert_int_equal(elfcore_set_auxv(c, "\x09\0\0\0\0\0\0\0\x78\x56\x34\x12\0\0\0\0", 16), 0);
	assert_int_equal(elfcore_finish(c), 0);
	assert_int_equal(elfcore_size(c), (uint64_t)lseek(fd, 0, SEEK_END));
	elfcore_free(c);
}

static inline void check_scenario(int fd)
{
	struct core k;
	const unsigned char *d;
	uint32_t n;
	uint64_t a;
	int i;

	core_load(&k, fd);
	assert_int_equal(k.machine, 62);
	/* B page 0, B page 2, then D and A (adjacent, separate) */
	assert_int_equal(k.nloads, 4);
	assert_int_equal(k.ph[1].vaddr, B_START);
	assert_int_equal(k.ph[1].memsz, PG);
	assert_int_equal(k.ph[1].flags, 5);
	assert_int_equal(k.ph[2].vaddr, B_START + 2 * PG);
	assert_int_equal(k.ph[2].memsz, PG);
	assert_int_equal(k.ph[3].vaddr, D_START);
	assert_int_equal(k.ph[3].memsz, 2 * PG);
	assert_int_equal(k.ph[3].flags, 4);
	assert_int_equal(k.ph[4].vaddr, A_START);
	assert_int_equal(k.ph[4].memsz, 4 * PG);
	assert_int_equal(k.ph[4].flags, 7);

	assert_true(core_has(&k, A_START, "\177ELF"));
	assert_true(core_has(&k, A_START + PG + 0x10, MARKER));
	assert_true(core_has(&k, A_START + 4 * PG - 64, TAIL));
	for (a = A_START + 2 * PG; a < A_START + 3 * PG; a += 512)
		assert_int_equal(core_byte(&k, a), 0); /* the hole */
	assert_int_equal(core_byte(&k, B_START), 'B');
	assert_int_equal(core_byte(&k, B_START + PG - 1), 'B');
	assert_int_equal(core_byte(&k, B_START + PG), -1); /* unreadable */
	assert_int_equal(core_byte(&k, B_START + 2 * PG - 1), -1);
	assert_int_equal(core_byte(&k, B_START + 2 * PG + 99), 0);
	assert_int_equal(core_byte(&k, B_START + 2 * PG + 100), 'b');
	assert_int_equal(core_byte(&k, B_START + 2 * PG + 149), 'b');
	assert_int_equal(core_byte(&k, B_START + 2 * PG + 150), 0);
	assert_int_equal(core_byte(&k, C_START), -1);
	assert_int_equal(core_byte(&k, D_START + PG - 1), 'D');
	assert_int_equal(core_byte(&k, D_START + PG), 0);
	assert_int_equal(core_byte(&k, D_START + 2 * PG - 1), 0);
	assert_int_equal(core_byte(&k, 0), -1);

	assert_null(core_note(&k, 1, &n)); /* no NT_PRSTATUS by default */
	d = core_note(&k, 3, &n);          /* NT_PRPSINFO */
	assert_non_null(d);
	assert_int_equal(n, 136);
	assert_int_equal(d[0], 1);         /* 'S' in "RSDTZW" */
	assert_int_equal(d[1], 'S');
	assert_int_equal(get32(d + 16), 1000);
	assert_int_equal(get32(d + 20), 100);
	assert_int_equal(get32(d + 24), 4242);
	assert_int_equal(get32(d + 28), 1);
	assert_int_equal(get32(d + 32), 4242);
	assert_int_equal(get32(d + 36), 4000);
	/* control bytes made harmless, 15 bytes and a NUL */
	assert_string_equal((const char *)d + 40, "ev?il?name-long");
	assert_string_equal((const char *)d + 56, "evil --flag?[2J x");
	d = core_note(&k, 6, &n);          /* NT_AUXV */
	assert_non_null(d);
	assert_int_equal(n, 16);
	assert_int_equal(get64(d + 8), 0x12345678);

	d = core_note(&k, 0x46494c45, &n); /* NT_FILE, sorted by start */
	assert_non_null(d);
	assert_int_equal(get64(d), 2);
	assert_int_equal(get64(d + 8), PG);
	assert_int_equal(get64(d + 16), B_START);
	assert_int_equal(get64(d + 24), B_START + 3 * PG);
	assert_int_equal(get64(d + 32), 0);
	assert_int_equal(get64(d + 40), 0x7f0000010000ULL);
	assert_int_equal(get64(d + 48), 0x7f0000012000ULL);
	assert_int_equal(get64(d + 56), 2); /* pages */
	assert_string_equal((const char *)d + 64, "/usr/bin/ev\\x1b[31mil\\x0a");
	i = (int)strlen((const char *)d + 64) + 1;
	assert_string_equal((const char *)d + 64 + i, "/lib/x (deleted)");
	assert_int_equal(n, 64 + (uint32_t)i + sizeof("/lib/x (deleted)"));
	core_free(&k);
}


#endif
