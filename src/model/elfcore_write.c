/* elfcore_write: writing an ELF core in one pass — layout, program headers, notes, data. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfcore_int.h"

static const unsigned char zeros[OUTBUF];

/* ---- output ---- */

/* p[0..n) to fd: at offset off (pwrite), or where fd stands when off is
 * negative (write: a pipe). */
static int write_all(int fd, const void *p, size_t n, int64_t off)
{
	const unsigned char *b = p;

	while (n) {
		ssize_t w = off < 0 ? write(fd, b, n) : pwrite(fd, b, n, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;
		b += w;
		n -= (size_t)w;
		if (off >= 0)
			off += w;
	}
	return 0;
}

/* Not seekable: zeros up to off, which must not be behind us. */
static int stream_to(struct elfcore *c, uint64_t off)
{
	int r;

	if (off < c->written)
		return elfcore_fail(c, -ESPIPE, "output is not seekable: offset %llu "
			    "is behind %llu already written",
			    (unsigned long long)off,
			    (unsigned long long)c->written);
	while (c->written < off) {
		uint64_t k = off - c->written;

		if (k > sizeof(zeros))
			k = sizeof(zeros);
		if ((r = write_all(c->fd, zeros, (size_t)k, -1)) < 0)
			return elfcore_fail(c, r, "writing the core: %s", strerror(-r));
		c->written += k;
	}
	return 0;
}

/* p[0..n) at file offset off (relative to the core's start). */
static int put(struct elfcore *c, uint64_t off, const void *p, size_t n)
{
	int r;

	if (c->seekable) {
		r = write_all(c->fd, p, n, (int64_t)(c->base + off));
		if (r < 0)
			return elfcore_fail(c, r, "writing the core at %llu: %s",
				    (unsigned long long)off, strerror(-r));
		return 0;
	}
	if ((r = stream_to(c, off)) < 0)
		return r;
	if ((r = write_all(c->fd, p, n, -1)) < 0)
		return elfcore_fail(c, r, "writing the core: %s", strerror(-r));
	c->written += n;
	return 0;
}

static int flush(struct elfcore *c)
{
	int r;

	if (!c->outlen)
		return 0;
	r = put(c, c->outoff, c->out, c->outlen);
	c->outoff += c->outlen;
	c->outlen = 0;
	return r;
}

static int emit(struct elfcore *c, const void *p, size_t n)
{
	const unsigned char *b = p;
	int r;

	while (n) {
		size_t k = OUTBUF - c->outlen;

		if (k > n)
			k = n;
		memcpy(c->out + c->outlen, b, k);
		c->outlen += k;
		b += k;
		n -= k;
		if (c->outlen == OUTBUF && (r = flush(c)) < 0)
			return r;
	}
	return 0;
}

/* ---- layout ---- */

static int cmp_region(const void *a, const void *b)
{
	const struct region *x = *(const struct region *const *)a;
	const struct region *y = *(const struct region *const *)b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static int cmp_unreadable(const void *a, const void *b)
{
	const struct unreadable *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static int cmp_fmap(const void *a, const void *b)
{
	const struct fmap *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* The regions by address into *order (the caller frees it); every
 * overlap refused.  Files and unreadable ranges are sorted in place. */
static int sort_and_check(struct elfcore *c, struct region ***order)
{
	struct region **o;
	size_t i;

	*order = NULL;
	o = malloc((c->nreg ? c->nreg : 1) * sizeof(*o));
	if (!o)
		return elfcore_fail(c, -ENOMEM, "out of memory");
	*order = o;
	for (i = 0; i < c->nreg; i++)
		o[i] = &c->reg[i];
	/* qsort's base must not be NULL, even for no elements. */
	if (c->nreg > 1)
		qsort(o, c->nreg, sizeof(*o), cmp_region);
	for (i = 1; i < c->nreg; i++)
		if (o[i]->start < o[i - 1]->end)
			return elfcore_fail(c, -EINVAL, "regions %#llx-%#llx and "
				    "%#llx-%#llx overlap",
				    (unsigned long long)o[i - 1]->start,
				    (unsigned long long)o[i - 1]->end,
				    (unsigned long long)o[i]->start,
				    (unsigned long long)o[i]->end);
	if (c->nunr > 1)
		qsort(c->unr, c->nunr, sizeof(*c->unr), cmp_unreadable);
	for (i = 1; i < c->nunr; i++)
		if (c->unr[i].start < c->unr[i - 1].end)
			return elfcore_fail(c, -EINVAL, "unreadable ranges at %#llx and "
				    "%#llx overlap",
				    (unsigned long long)c->unr[i - 1].start,
				    (unsigned long long)c->unr[i].start);
	if (c->nfiles > 1)
		qsort(c->files, c->nfiles, sizeof(*c->files), cmp_fmap);
	for (i = 1; i < c->nfiles; i++)
		if (c->files[i].start < c->files[i - 1].end)
			return elfcore_fail(c, -EINVAL, "file mappings %#llx-%#llx and "
				    "%#llx-%#llx overlap",
				    (unsigned long long)c->files[i - 1].start,
				    (unsigned long long)c->files[i - 1].end,
				    (unsigned long long)c->files[i].start,
				    (unsigned long long)c->files[i].end);
	return 0;
}

/*
 * The PT_LOADs: each region in address order, cut around its unreadable
 * ranges (sorted; each inside one region, regions disjoint, so a
 * region's ranges are the next ones in the list).  Counts them into
 * *count, and emits them when emit_them.
 */
static int walk_loads(struct elfcore *c, struct region *const *order,
		      bool emit_them, uint64_t *count)
{
	unsigned char ph[PHDR_SIZE];
	size_t i, j = 0;
	int r;

	*count = 0;
	for (i = 0; i < c->nreg; i++) {
		const struct region *g = order[i];
		uint64_t at = g->start;

		for (;;) {
			uint64_t stop = g->end, skip_to = g->end;

			if (j < c->nunr && c->unr[j].start < g->end) {
				stop = c->unr[j].start;
				skip_to = c->unr[j].end;
				j++;
			}
			if (stop > at) {
				(*count)++;
				if (emit_them) {
					memset(ph, 0, sizeof(ph));
					put32(ph, PT_LOAD);
					put32(ph + 4, g->perms);
					put64(ph + 8, g->foff + (at - g->start));
					put64(ph + 16, at);
					put64(ph + 32, stop - at);
					put64(ph + 40, stop - at);
					put64(ph + 48, c->page);
					if ((r = emit(c, ph, sizeof(ph))) < 0)
						return r;
				}
			}
			if (skip_to > at)
				at = skip_to;
			if (at >= g->end)
				break;
		}
	}
	return 0;
}

static uint64_t note_size(uint64_t desc)
{
	return NOTE_HEAD + align_up(desc, 4);
}

static uint64_t file_desc(const struct elfcore *c)
{
	return c->file_desc ? c->file_desc : 16;
}

static uint64_t notes_size(const struct elfcore *c)
{
	uint64_t n = note_size(PRPSINFO_SIZE) + note_size(file_desc(c));

	if (c->flags & ELFCORE_PRSTATUS)
		n += note_size(prstatus_size(c->machine));
	if (c->auxv_len)
		n += note_size(c->auxv_len);
	return n;
}

static int emit_note_head(struct elfcore *c, uint32_t type, uint64_t desc)
{
	unsigned char h[NOTE_HEAD];

	memset(h, 0, sizeof(h));
	put32(h, 5);                 /* "CORE" and its NUL */
	put32(h + 4, (uint32_t)desc); /* bounded by ELFCORE_MAX_NOTE */
	put32(h + 8, type);
	memcpy(h + 12, "CORE", 4);
	return emit(c, h, sizeof(h));
}

static int emit_pad4(struct elfcore *c, uint64_t n)
{
	return emit(c, zeros, (size_t)(align_up(n, 4) - n));
}

static int emit_prstatus(struct elfcore *c)
{
	unsigned char d[PRSTATUS_AARCH64];
	uint32_t n = prstatus_size(c->machine);
	int r;

	memset(d, 0, sizeof(d));
	put32(d + 32, (uint32_t)c->pid);
	put32(d + 36, (uint32_t)c->ppid);
	put32(d + 40, (uint32_t)c->pgrp);
	put32(d + 44, (uint32_t)c->sid);
	if ((r = emit_note_head(c, NT_PRSTATUS, n)) < 0)
		return r;
	return emit(c, d, n);
}

static int emit_prpsinfo(struct elfcore *c)
{
	static const char states[] = "RSDTZW";
	unsigned char d[PRPSINFO_SIZE];
	const char *s = c->state ? strchr(states, c->state) : NULL;
	int r;

	memset(d, 0, sizeof(d));
	d[0] = s ? (unsigned char)(s - states) : 0;
	d[1] = c->state > 0x20 && c->state < 0x7f ? (unsigned char)c->state : '.';
	d[2] = c->state == 'Z';
	put32(d + 16, c->uid);
	put32(d + 20, c->gid);
	put32(d + 24, (uint32_t)c->pid);
	put32(d + 28, (uint32_t)c->ppid);
	put32(d + 32, (uint32_t)c->pgrp);
	put32(d + 36, (uint32_t)c->sid);
	memcpy(d + 40, c->fname, PR_FNAME_LEN);
	memcpy(d + 56, c->psargs, PR_PSARGS_LEN);
	if ((r = emit_note_head(c, NT_PRPSINFO, sizeof(d))) < 0)
		return r;
	return emit(c, d, sizeof(d));
}

/* NT_FILE (fs/binfmt_elf.c fill_files_note): count, page size, then
 * start, end, offset in pages per mapping, then the NUL-terminated
 * names in the same order. */
static int emit_file(struct elfcore *c)
{
	unsigned char w[24];
	uint64_t desc = file_desc(c);
	size_t i;
	int r;

	if ((r = emit_note_head(c, NT_FILE, desc)) < 0)
		return r;
	put64(w, c->nfiles);
	put64(w + 8, c->page);
	if ((r = emit(c, w, 16)) < 0)
		return r;
	for (i = 0; i < c->nfiles; i++) {
		put64(w, c->files[i].start);
		put64(w + 8, c->files[i].end);
		put64(w + 16, c->files[i].offset / c->page);
		if ((r = emit(c, w, sizeof(w))) < 0)
			return r;
	}
	for (i = 0; i < c->nfiles; i++)
		if ((r = emit(c, c->files[i].path, c->files[i].len + 1)) < 0)
			return r;
	return emit_pad4(c, desc);
}

static int emit_notes(struct elfcore *c)
{
	int r;

	/* The kernel's order: gdb takes the first NT_PRSTATUS as the
	 * thread that stopped. */
	if ((c->flags & ELFCORE_PRSTATUS) && (r = emit_prstatus(c)) < 0)
		return r;
	if ((r = emit_prpsinfo(c)) < 0)
		return r;
	if (c->auxv_len) {
		if ((r = emit_note_head(c, NT_AUXV, c->auxv_len)) < 0 ||
		    (r = emit(c, c->auxv, c->auxv_len)) < 0)
			return r;
	}
	return emit_file(c);
}

static void ehdr(const struct elfcore *c, unsigned char *e, uint64_t phoff,
		 uint64_t phnum, uint64_t shoff)
{
	bool xnum = phnum >= PN_XNUM;

	memset(e, 0, EHDR_SIZE);
	memcpy(e, "\177ELF", 4);
	e[4] = 2;                    /* ELFCLASS64 */
	e[5] = 1;                    /* ELFDATA2LSB */
	e[6] = EV_CURRENT;
	e[7] = 0;                    /* ELFOSABI_NONE, as Linux writes */
	put16(e + 16, ET_CORE);
	put16(e + 18, c->machine);
	put32(e + 20, EV_CURRENT);
	put64(e + 32, phoff);
	put64(e + 40, xnum ? shoff : 0);
	put16(e + 52, EHDR_SIZE);
	put16(e + 54, PHDR_SIZE);
	put16(e + 56, xnum ? PN_XNUM : (uint32_t)phnum);
	put16(e + 58, xnum ? SHDR_SIZE : 0);
	put16(e + 60, xnum ? 1 : 0);
}

/*
 * Program headers (PT_NOTE, then the PT_LOADs), the extension section
 * header when there are PN_XNUM or more, then the notes, emitted from the
 * current emit offset, which must be 8-aligned.  *notes_off receives
 * where the notes start.
 */
static int emit_headers(struct elfcore *c, struct region *const *order,
			uint64_t phnum, uint64_t *notes_off)
{
	unsigned char ph[PHDR_SIZE], sh[SHDR_SIZE];
	uint64_t count, phoff = c->outoff + c->outlen;
	bool xnum = phnum >= PN_XNUM;
	int r;

	*notes_off = phoff + phnum * PHDR_SIZE + (xnum ? SHDR_SIZE : 0);
	memset(ph, 0, sizeof(ph));
	put32(ph, PT_NOTE);
	put64(ph + 8, *notes_off);
	put64(ph + 32, notes_size(c));
	put64(ph + 48, 4);
	if ((r = emit(c, ph, sizeof(ph))) < 0)
		return r;
	if ((r = walk_loads(c, order, true, &count)) < 0)
		return r;
	if (xnum) {
		/* fs/binfmt_elf.c fill_extnum_info: section 0, SHT_NULL,
		 * sh_size = e_shnum, sh_info = the real e_phnum. */
		memset(sh, 0, sizeof(sh));
		put64(sh + 32, 1);
		put32(sh + 44, (uint32_t)phnum);
		if ((r = emit(c, sh, sizeof(sh))) < 0)
			return r;
	}
	return emit_notes(c);
}

/* PT_NOTE plus the PT_LOADs; more than 2^32 - 1 cannot be written. */
static int count_phdrs(struct elfcore *c, struct region *const *order,
		       uint64_t *phnum)
{
	uint64_t loads;
	int r;

	if ((r = walk_loads(c, order, false, &loads)) < 0)
		return r;
	if (loads >= UINT32_MAX)
		return elfcore_fail(c, -E2BIG, "%llu segments", (unsigned long long)loads);
	*phnum = loads + 1;
	return 0;
}

int elfcore_begin(struct elfcore *c, int fd, enum elfcore_layout layout)
{
	unsigned char e[EHDR_SIZE];
	struct region **order = NULL;
	uint64_t phnum = 0, notes_off, at;
	struct stat st;
	off_t pos;
	size_t i;
	int fl, r;

	if (c->err)
		return c->err;
	if (c->st != ST_NEW)
		return elfcore_refuse(c, -EINVAL, "elfcore_begin called twice");
	if (layout != ELFCORE_HEADERS_FIRST && layout != ELFCORE_HEADERS_LAST)
		return elfcore_refuse(c, -EINVAL, "unknown layout %d", (int)layout);
	if (fstat(fd, &st) < 0 || (fl = fcntl(fd, F_GETFL)) < 0) {
		r = -errno;
		return elfcore_refuse(c, r, "output fd %d: %s", fd, strerror(-r));
	}
	/* Only a regular file is written out of order and left with holes;
	 * O_APPEND would send every pwrite to the end. */
	c->seekable = S_ISREG(st.st_mode) && !(fl & O_APPEND);
	if (c->seekable) {
		pos = lseek(fd, 0, SEEK_CUR);
		if (pos < 0 || (uint64_t)pos > ELFCORE_LIMIT_MAX_BYTES) {
			r = pos < 0 ? -errno : -EFBIG;
			return elfcore_refuse(c, r, "output offset: %s", strerror(-r));
		}
		c->base = (uint64_t)pos;
	}
	if (!c->seekable && layout == ELFCORE_HEADERS_LAST)
		return elfcore_refuse(c, -ESPIPE, "headers last needs a regular file");
	if (c->seekable && ftruncate(fd, (off_t)c->base) < 0) {
		/* Bytes already past base would show through the holes. */
		r = -errno;
		return elfcore_refuse(c, r, "cutting the output: %s", strerror(-r));
	}
	c->fd = fd;
	c->layout = layout;
	c->st = ST_BEGUN;

	if (layout == ELFCORE_HEADERS_LAST) {
		/* The ELF header is written by finish; the data starts at
		 * the first page boundary after it. */
		c->next = c->page;
		for (i = 0; i < c->nreg; i++) {
			c->reg[i].foff = c->next;
			c->next += c->reg[i].end - c->reg[i].start;
		}
		return 0;
	}

	if ((r = sort_and_check(c, &order)) < 0 ||
	    (r = count_phdrs(c, order, &phnum)) < 0)
		goto out;
	/* The layout of the kernel's cores: ELF header, program headers
	 * (the extension section header after them), notes, then the
	 * regions in address order from the next page boundary. */
	notes_off = EHDR_SIZE + phnum * PHDR_SIZE +
		    (phnum >= PN_XNUM ? SHDR_SIZE : 0);
	at = align_up(notes_off + notes_size(c), c->page);
	for (i = 0; i < c->nreg; i++) {
		order[i]->foff = at;
		at += order[i]->end - order[i]->start;
	}
	c->size = at;
	ehdr(c, e, EHDR_SIZE, phnum, EHDR_SIZE + phnum * PHDR_SIZE);
	c->outoff = 0;
	if ((r = emit(c, e, sizeof(e))) < 0 ||
	    (r = emit_headers(c, order, phnum, &notes_off)) < 0 ||
	    (r = flush(c)) < 0)
		goto out;
	r = 0;
out:
	free(order);
	return r;
}

int elfcore_data(struct elfcore *c, size_t idx, uint64_t off,
		 const void *p, size_t n)
{
	const struct region *g;

	if (c->err)
		return c->err;
	if (c->st != ST_BEGUN)
		return elfcore_refuse(c, -EINVAL, "data %s elfcore_begin",
			      c->st == ST_NEW ? "before" : "after finishing");
	if (idx >= c->nreg)
		return elfcore_refuse(c, -EINVAL, "no region %zu", idx);
	g = &c->reg[idx];
	if (off > g->end - g->start || n > g->end - g->start - off)
		return elfcore_refuse(c, -EINVAL, "%zu bytes at +%#llx: outside region "
			      "%#llx-%#llx", n, (unsigned long long)off,
			      (unsigned long long)g->start,
			      (unsigned long long)g->end);
	if (n == 0)
		return 0;
	return put(c, g->foff + off, p, n);
}

int elfcore_finish(struct elfcore *c)
{
	unsigned char e[EHDR_SIZE];
	struct region **order = NULL;
	uint64_t phnum = 0, notes_off;
	int r;

	if (c->err)
		return c->err;
	if (c->st != ST_BEGUN)
		return elfcore_refuse(c, -EINVAL, "elfcore_finish %s",
			      c->st == ST_NEW ? "before elfcore_begin" : "twice");
	if (c->layout == ELFCORE_HEADERS_LAST) {
		if ((r = sort_and_check(c, &order)) < 0 ||
		    (r = count_phdrs(c, order, &phnum)) < 0)
			goto out;
		/* Program headers, notes after the data (c->next is page
		 * aligned, so 8-aligned); the ELF header at 0 points there. */
		c->outoff = c->next;
		if ((r = emit_headers(c, order, phnum, &notes_off)) < 0 ||
		    (r = flush(c)) < 0)
			goto out;
		c->size = notes_off + notes_size(c);
		ehdr(c, e, c->next, phnum, c->next + phnum * PHDR_SIZE);
		if ((r = put(c, 0, e, sizeof(e))) < 0)
			goto out;
	}
	if (c->seekable) {
		/* The last region may end in a hole. */
		if (ftruncate(c->fd, (off_t)(c->base + c->size)) < 0) {
			r = elfcore_fail(c, -errno, "sizing the core: %s", strerror(errno));
			goto out;
		}
	} else if ((r = stream_to(c, c->size)) < 0) {
		goto out;
	}
	c->st = ST_DONE;
	r = 0;
out:
	free(order);
	return r;
}
