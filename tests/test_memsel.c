/* test_memsel: which mappings --memory reads, and smaps' VmFlags, on real text (fixtures/proc/smaps.perf). */
#include <string.h>

#include "testutil.h"
#include "memsel.h"
#include "parse.h"

/* smaps.perf: a process with an anonymous rwx mapping at 7f128bc0b000 and
 * a perf_event ring buffer (VmFlags pf io) at 7f128bc0e000 (see
 * fixtures/README.md). */
#define RWX 0x7f128bc0b000ULL
#define PERF 0x7f128bc0e000ULL

/* Every mapping of the fixture: its maps line (the smaps header). */
static size_t headers(const struct buf *b, struct parse_map *pm, size_t max)
{
	size_t off = 0, n = 0;

	while (off < b->len && n < max) {
		const char *line = b->data + off;
		const char *nl = memchr(line, '\n', b->len - off);
		size_t len = nl ? (size_t)(nl - line) : b->len - off;

		/* Field lines ("Rss:  4 kB") are no maps line. */
		if (parse_maps_line(line, len, &pm[n]) == 0)
			n++;
		off += len + 1;
	}
	return n;
}

static const struct parse_map *find(const struct parse_map *pm, size_t n, const char *path)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (pm[i].path_len == strlen(path) && memcmp(pm[i].path, path, pm[i].path_len) == 0)
			return &pm[i];
	return NULL;
}

static const struct parse_map *at(const struct parse_map *pm, size_t n, uint64_t start)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (pm[i].start == start)
			return &pm[i];
	return NULL;
}

static void test_memsel_smaps_vmflags(void **state)
{
	struct buf b = BUF_INIT;
	struct parse_smaps sm;
	size_t pos = 0, n = 0, dev = 0;
	const struct parse_smaps none = { 0 };

	(void)state;
	fixture(&b, "smaps.perf");
	while (parse_smaps_next(b.data, b.len, &pos, &sm) == 1) {
		n++;
		assert_true(sm.has_flags);
		if (sm.start == PERF) {
			assert_true(sm.io && sm.pfnmap);
			assert_string_equal(memsel_refuse(&sm), "device");
		} else if (sm.start == RWX) {
			assert_false(sm.io || sm.pfnmap);
			assert_null(memsel_refuse(&sm));
		}
		dev += sm.io || sm.pfnmap;
	}
	assert_int_equal(n, 26);
	/* the perf ring, [vvar] and [vvar_vclock] */
	assert_int_equal(dev, 3);
	assert_string_equal(memsel_refuse(&none), "no-vmflags");
	/* A damaged text: no header, no mapping. */
	pos = 0;
	assert_int_equal(parse_smaps_next("VmFlags: io\n", 12, &pos, &sm), 0);
	buf_free(&b);
}

static void test_memsel_exec_mode(void **state)
{
	struct buf b = BUF_INIT;
	struct parse_map pm[64];
	size_t n, i, picked = 0;

	(void)state;
	fixture(&b, "smaps.perf");
	n = headers(&b, pm, 64);
	assert_int_equal(n, 26);
	for (i = 0; i < n; i++) {
		enum memsel_why w = memsel_pick(CAPTURE_MEMORY_EXEC, &pm[i], false);

		if (w != MEMSEL_NO) {
			picked++;
			assert_int_equal(pm[i].start, RWX);
			assert_int_equal(w, MEMSEL_ANON_EXEC);
		}
	}
	assert_int_equal(picked, 1);
	/* [vdso] is executable and file-less, but the kernel's, not the process's. */
	assert_false(memsel_anonymous(find(pm, n, "[vdso]")));
	assert_int_equal(memsel_pick(CAPTURE_MEMORY_EXEC, find(pm, n, "[vdso]"), true), MEMSEL_NO);
	assert_true(memsel_never(find(pm, n, "[vvar]")));
	assert_true(memsel_never(find(pm, n, "[vvar_vclock]")));
	assert_true(memsel_never(find(pm, n, "[vsyscall]")));
	/* A fileless executable: its heap, stack and anonymous memory too. */
	assert_int_equal(memsel_pick(CAPTURE_MEMORY_EXEC, find(pm, n, "[heap]"), true), MEMSEL_FILELESS);
	assert_int_equal(memsel_pick(CAPTURE_MEMORY_EXEC, find(pm, n, "[stack]"), true), MEMSEL_FILELESS);
	assert_int_equal(memsel_pick(CAPTURE_MEMORY_EXEC, find(pm, n, "[heap]"), false), MEMSEL_NO);
	assert_int_equal(memsel_pick(CAPTURE_MEMORY_EXEC,
				     find(pm, n, "/usr/lib/x86_64-linux-gnu/libc.so.6"), true),
			 MEMSEL_NO);
	assert_int_equal(memsel_pick(CAPTURE_MEMORY_NONE, at(pm, n, RWX), true), MEMSEL_NO);
	buf_free(&b);
}

static void test_memsel_full_mode(void **state)
{
	struct buf b = BUF_INIT;
	struct parse_map pm[64];
	size_t n;

	(void)state;
	fixture(&b, "smaps.perf");
	n = headers(&b, pm, 64);
	assert_int_equal(memsel_pick(CAPTURE_MEMORY_FULL, at(pm, n, RWX), false), MEMSEL_ANON_EXEC);
	assert_int_equal(memsel_pick(CAPTURE_MEMORY_FULL, find(pm, n, "[heap]"), false), MEMSEL_FULL);
	assert_int_equal(memsel_pick(CAPTURE_MEMORY_FULL,
				     find(pm, n, "/usr/lib/x86_64-linux-gnu/libc.so.6"), false),
			 MEMSEL_FULL);
	/* Shared mappings of files (the perf ring) are not private memory. */
	assert_int_equal(memsel_pick(CAPTURE_MEMORY_FULL, find(pm, n, "anon_inode:[perf_event]"), false),
			 MEMSEL_NO);
	assert_int_equal(memsel_pick(CAPTURE_MEMORY_FULL, find(pm, n, "[vvar]"), false), MEMSEL_NO);
	assert_int_equal(memsel_pick(CAPTURE_MEMORY_FULL, find(pm, n, "[vsyscall]"), false), MEMSEL_NO);
	assert_int_equal(memsel_pick(CAPTURE_MEMORY_FULL, find(pm, n, "[vdso]"), false), MEMSEL_FULL);
	buf_free(&b);
}

/* Names the kernel gives, and what a process can make up. */
static void test_memsel_names(void **state)
{
	static const char *const lines[] = {
		"7f0000000000-7f0000001000 rwxp 00000000 00:00 0                          [anon:jit]",
		"7f0000000000-7f0000001000 rwxp 00000000 00:00 0                          [stack:42]",
		"7f0000000000-7f0000001000 ---p 00000000 00:00 0 ",
		"7f0000000000-7f0000001000 --xp 00000000 00:00 0 ",
		"7f0000000000-7f0000001000 rwxs 00000000 00:01 1234                       /dev/zero (deleted)",
		"7f0000000000-7f0000001000 r-xp 00000000 00:00 0                          [uprobes]",
	};
	struct parse_map pm;
	size_t i;
	enum memsel_why want[] = { MEMSEL_ANON_EXEC, MEMSEL_ANON_EXEC, MEMSEL_NO,
				   MEMSEL_ANON_EXEC, MEMSEL_NO, MEMSEL_NO };

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(*lines); i++) {
		assert_int_equal(parse_maps_line(lines[i], strlen(lines[i]), &pm), 0);
		assert_int_equal(memsel_pick(CAPTURE_MEMORY_EXEC, &pm, false), want[i]);
	}
	/* ---p in a fileless process: no access, nothing to read. */
	assert_int_equal(parse_maps_line(lines[2], strlen(lines[2]), &pm), 0);
	assert_int_equal(memsel_pick(CAPTURE_MEMORY_EXEC, &pm, true), MEMSEL_NO);
	assert_true(memsel_maybe_exec(lines[0], strlen(lines[0])));
	assert_false(memsel_maybe_exec(lines[2], strlen(lines[2])));
	assert_string_equal(memsel_why_name(MEMSEL_FILELESS), "fileless-exe");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memsel_smaps_vmflags),
		cmocka_unit_test(test_memsel_exec_mode),
		cmocka_unit_test(test_memsel_full_mode),
		cmocka_unit_test(test_memsel_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
