/* fuzz_elfcore: hostile declarations and data into elfcore; every core it accepts is well formed. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfcore.h"
#include "fuzz.h"

/*
 * The input is a program: each op byte is followed by its operands, read
 * from the input (zeros when it runs out).  Addresses come either small
 * and page-scaled (to meet each other) or as raw 64-bit words (to
 * overflow).  When elfcore_finish() succeeds on a regular file, the core
 * is read back and every offset and size checked; anything wrong is a
 * broken promise (fuzz_fail).
 */

struct in {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct in *in, size_t bytes)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < bytes; i++) {
		v = v << 8 | (in->n ? *in->p : 0);
		if (in->n) {
			in->p++;
			in->n--;
		}
	}
	return v;
}

static uint64_t addr(struct in *in)
{
	uint8_t sel = (uint8_t)take(in, 1);

	if (sel & 1)
		return take(in, 8);
	return take(in, 2) * 4096 + (sel & 2 ? take(in, 1) : 0);
}

static uint64_t get(const uint8_t *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* Reads the core back: what a reader trusting its headers would use. */
static void check(int fd, uint64_t size)
{
	uint8_t e[64], ph[56], sh[64];
	uint64_t phoff, phnum, i, prev_end = 0;
	struct stat st;

	if (fstat(fd, &st) || (uint64_t)st.st_size != size)
		fuzz_fail("the core is not elfcore_size() bytes");
	if (pread(fd, e, 64, 0) != 64 || memcmp(e, "\177ELF\2\1\1", 7))
		fuzz_fail("no ELF header");
	phoff = get(e + 32, 8);
	phnum = get(e + 56, 2);
	if (phnum == 0xffff) {
		if (pread(fd, sh, 64, (off_t)get(e + 40, 8)) != 64)
			fuzz_fail("PN_XNUM without its section header");
		phnum = get(sh + 44, 4);
		if (phnum < 0xffff)
			fuzz_fail("PN_XNUM for %llu program headers", (unsigned long long)phnum);
	}
	if (phnum == 0 || phoff > size || phnum * 56 > size - phoff)
		fuzz_fail("program headers outside the core");
	for (i = 0; i < phnum; i++) {
		uint64_t off, va, fs, ms;

		if (pread(fd, ph, 56, (off_t)(phoff + i * 56)) != 56)
			fuzz_fail("program header %llu unreadable", (unsigned long long)i);
		off = get(ph + 8, 8);
		va = get(ph + 16, 8);
		fs = get(ph + 32, 8);
		ms = get(ph + 40, 8);
		if (off > size || fs > size - off)
			fuzz_fail("segment %llu outside the core", (unsigned long long)i);
		if (i == 0) {
			uint64_t at = 0;
			uint8_t *notes;

			if (get(ph, 4) != 4)
				fuzz_fail("the first program header is not PT_NOTE");
			notes = malloc(fs + 1);
			if (!notes || pread(fd, notes, fs, (off_t)off) != (ssize_t)fs)
				fuzz_fail("notes unreadable");
			while (at < fs) {
				uint64_t d;

				if (fs - at < 20 || get(notes + at, 4) != 5)
					fuzz_fail("a note without its header");
				d = (get(notes + at + 4, 4) + 3) & ~3ULL;
				if (d > fs - at - 20)
					fuzz_fail("a note past PT_NOTE");
				at += 20 + d;
			}
			free(notes);
			continue;
		}
		if (get(ph, 4) != 1 || fs != ms || fs == 0 || (off | va | fs) & 4095)
			fuzz_fail("PT_LOAD %llu: bad type, size or alignment", (unsigned long long)i);
		if (i > 1 && va < prev_end)
			fuzz_fail("PT_LOAD %llu: not in address order, or overlapping",
				  (unsigned long long)i);
		if (va + fs < va)
			fuzz_fail("PT_LOAD %llu: wraps around", (unsigned long long)i);
		prev_end = va + fs;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[8192];
	struct elfcore_opts o = { .max_bytes = 64 << 20 };
	struct in in = { data, size };
	struct elfcore *c = NULL;
	int fd = -1, pipe_like = 0, begun = 0, done = 0, ops = 0;
	char path[17];

	memset(buf, 0x5a, sizeof(buf));
	o.flags = (unsigned)take(&in, 1) & 3;
	if (elfcore_new(&c, &o) < 0)
		goto out;
	while (in.n && ops++ < 256) {
		uint8_t op = (uint8_t)take(&in, 1);
		uint64_t a, b, k;
		size_t i;

		switch (op % 8) {
		case 0:
			a = addr(&in);
			b = take(&in, 1) & 1 ? addr(&in) : a + take(&in, 1) * 4096;
			elfcore_add_region(c, a, b, (unsigned)take(&in, 1) & 15, NULL);
			break;
		case 1:
			i = (size_t)take(&in, 1);
			elfcore_add_unreadable(c, i, addr(&in), addr(&in));
			break;
		case 2:
			a = addr(&in);
			b = addr(&in);
			k = take(&in, 1) * 4096;
			for (i = 0; i < 16; i++)
				path[i] = (char)take(&in, 1);
			path[16] = 0;
			elfcore_add_file(c, a, b, k, path);
			break;
		case 3:
			if (begun)
				break;
			if (fd >= 0)
				close(fd); /* a refused begin leaves it unused */
			pipe_like = (int)take(&in, 1) & 1;
			fd = pipe_like ? open("/dev/null", O_WRONLY | O_CLOEXEC)
				       : memfd_create("core", MFD_CLOEXEC);
			if (fd < 0)
				fuzz_fail("no output fd");
			begun = elfcore_begin(c, fd, (enum elfcore_layout)(take(&in, 1) & 1)) == 0;
			break;
		case 4:
			i = (size_t)take(&in, 1);
			a = take(&in, 1) & 1 ? take(&in, 8) : take(&in, 2);
			elfcore_data(c, i, a, buf, (size_t)take(&in, 2) % sizeof(buf));
			break;
		case 5:
			if (begun)
				done = elfcore_finish(c) == 0;
			break;
		case 6:
			elfcore_set_auxv(c, buf, (size_t)take(&in, 1) * 8);
			break;
		case 7: {
			struct elfcore_proc p = { .pid = (int32_t)take(&in, 4),
						  .state = (char)take(&in, 1),
						  .name = (const char *)buf };

			k = take(&in, 1);
			for (i = 0; i < k && i < sizeof(path) - 1; i++)
				path[i] = (char)take(&in, 1);
			p.cmdline = path;
			p.cmdline_len = (size_t)i;
			buf[sizeof(buf) - 1] = 0;
			elfcore_set_process(c, &p);
			break;
		}
		}
		if (done)
			break;
	}
	if (!begun) {
		if (fd >= 0)
			close(fd);
		pipe_like = 0;
		fd = memfd_create("core", MFD_CLOEXEC);
		if (fd < 0)
			fuzz_fail("no memfd");
		begun = elfcore_begin(c, fd, ELFCORE_HEADERS_FIRST) == 0;
	}
	if (begun && !done)
		done = elfcore_finish(c) == 0;
	if (done && !pipe_like)
		check(fd, elfcore_size(c));
out:
	elfcore_free(c);
	if (fd >= 0)
		close(fd);
	return 0;
}
