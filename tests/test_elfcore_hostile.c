/* test_elfcore_hostile: what an archive off a compromised host can ask of elfcore — refused, with the core left usable or the error sticky. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfcore_check.h"

static void test_elfcore_hostile_ranges(void **state)
{
	struct elfcore *c = NULL;
	struct elfcore_opts o = { .page_size = 3000 };
	size_t idx;

	(void)state;
	assert_int_equal(elfcore_new(&c, &o), -EINVAL);
	elfcore_free(c);
	o.page_size = 1 << 20;
	assert_int_equal(elfcore_new(&c, &o), -EINVAL);
	elfcore_free(c);
	o.page_size = 0;
	o.machine = 3; /* EM_386 */
	assert_int_equal(elfcore_new(&c, &o), -ENOTSUP);
	elfcore_free(c);
	o.machine = 0;
	o.flags = 0x80;
	assert_int_equal(elfcore_new(&c, &o), -EINVAL);
	elfcore_free(c);

	scenario_new(&c, 0);
	assert_int_equal(elfcore_set_process(c, NULL), -EINVAL);
	assert_int_equal(elfcore_add_region(c, 0x2000, 0x1000, 4, NULL), -EINVAL);
	assert_non_null(strstr(elfcore_error(c), "0x2000-0x1000"));
	assert_int_equal(elfcore_add_region(c, 0x1000, 0x1000, 4, NULL), -EINVAL);
	assert_int_equal(elfcore_add_region(c, 0x1001, 0x2000, 4, NULL), -EINVAL);
	assert_int_equal(elfcore_add_region(c, 0x1000, 0x2001, 4, NULL), -EINVAL);
	assert_int_equal(elfcore_add_region(c, 0x1000, 0x2000, 8, NULL), -EINVAL);
	/* an end past 2^64 wraps to below its start */
	assert_int_equal(elfcore_add_region(c, 0xfffffffffffff000ULL, 0, 4, NULL),
			 -EINVAL);
	/* the vsyscall page is a real address */
	assert_int_equal(elfcore_add_region(c, 0xffffffffff600000ULL,
					    0xffffffffff601000ULL, 5, NULL), 0);
	assert_int_equal(elfcore_add_region(c, 0x1000, 0x3000, 4, &idx), 0);
	assert_int_equal(idx, 1);

	assert_int_equal(elfcore_add_unreadable(c, 2, 0, PG), -EINVAL);
	assert_int_equal(elfcore_add_unreadable(c, SIZE_MAX, 0, PG), -EINVAL);
	assert_int_equal(elfcore_add_unreadable(c, idx, 0, 0), -EINVAL);
	assert_int_equal(elfcore_add_unreadable(c, idx, 1, PG), -EINVAL);
	assert_int_equal(elfcore_add_unreadable(c, idx, 0, PG + 1), -EINVAL);
	assert_int_equal(elfcore_add_unreadable(c, idx, PG, 2 * PG), -EINVAL);
	assert_int_equal(elfcore_add_unreadable(c, idx, 3 * PG, PG), -EINVAL);
	assert_int_equal(elfcore_add_unreadable(c, idx, PG,
						UINT64_MAX - PG + 1), -EINVAL);
	assert_int_equal(elfcore_add_unreadable(c, idx, UINT64_MAX & ~(uint64_t)(PG - 1),
						PG), -EINVAL);

	assert_int_equal(elfcore_add_file(c, 0x1000, 0x2000, 0, NULL), -EINVAL);
	assert_int_equal(elfcore_add_file(c, 0x1000, 0x2000, 0, ""), -EINVAL);
	assert_int_equal(elfcore_add_file(c, 0x1000, 0x2000, 1, "/x"), -EINVAL);
	assert_int_equal(elfcore_add_file(c, 0x2000, 0x1000, 0, "/x"), -EINVAL);

	assert_int_equal(elfcore_set_auxv(c, "0123456789", 10), -EINVAL);

	/* nothing refused above is sticky */
	assert_int_equal(elfcore_begin(c, -1, ELFCORE_HEADERS_FIRST), -EBADF);
	{
		int fd = memfd();

		assert_int_equal(elfcore_begin(c, fd, (enum elfcore_layout)7), -EINVAL);
		assert_int_equal(elfcore_begin(c, fd, ELFCORE_HEADERS_FIRST), 0);
		assert_int_equal(elfcore_data(c, 5, 0, "x", 1), -EINVAL);
		assert_int_equal(elfcore_data(c, idx, 2 * PG, "x", 1), -EINVAL);
		assert_int_equal(elfcore_data(c, idx, 2 * PG - 1, "xy", 2), -EINVAL);
		assert_int_equal(elfcore_data(c, idx, UINT64_MAX, "x", 1), -EINVAL);
		assert_int_equal(elfcore_data(c, idx, 1, "x", SIZE_MAX), -EINVAL);
		assert_int_equal(elfcore_data(c, idx, 2 * PG, "", 0), 0);
		assert_int_equal(elfcore_data(c, idx, 2 * PG - 1, "x", 1), 0);
		assert_int_equal(elfcore_finish(c), 0);
		close(fd);
	}
	elfcore_free(c);
}

static void expect_overlap(enum elfcore_layout layout, int what)
{
	struct elfcore *c = NULL;
	int fd = memfd(), r;
	size_t a;

	scenario_new(&c, 0);
	assert_int_equal(elfcore_add_region(c, 0x10000, 0x14000, 4, &a), 0);
	switch (what) {
	case 0: /* partial overlap, declared in reverse */
		assert_int_equal(elfcore_add_region(c, 0x13000, 0x15000, 4, NULL), 0);
		break;
	case 1: /* the same region twice */
		assert_int_equal(elfcore_add_region(c, 0x10000, 0x14000, 4, NULL), 0);
		break;
	case 2: /* one inside another */
		assert_int_equal(elfcore_add_region(c, 0x8000, 0x20000, 4, NULL), 0);
		break;
	case 3: /* unreadable ranges */
		assert_int_equal(elfcore_add_unreadable(c, a, 0, 2 * PG), 0);
		assert_int_equal(elfcore_add_unreadable(c, a, PG, PG), 0);
		break;
	case 4: /* mappings */
		assert_int_equal(elfcore_add_file(c, 0x10000, 0x12000, 0, "/a"), 0);
		assert_int_equal(elfcore_add_file(c, 0x11000, 0x13000, 0, "/b"), 0);
		break;
	}
	r = elfcore_begin(c, fd, layout);
	if (layout == ELFCORE_HEADERS_LAST) {
		assert_int_equal(r, 0);
		assert_int_equal(elfcore_data(c, a, 0, "x", 1), 0);
		r = elfcore_finish(c);
	}
	assert_int_equal(r, -EINVAL);
	assert_non_null(strstr(elfcore_error(c), "overlap"));
	/* sticky */
	assert_int_equal(elfcore_finish(c), -EINVAL);
	assert_int_equal(elfcore_data(c, a, 0, "x", 1), -EINVAL);
	elfcore_free(c);
	close(fd);
}

static void test_elfcore_hostile_overlap(void **state)
{
	int what;

	(void)state;
	for (what = 0; what < 5; what++) {
		expect_overlap(ELFCORE_HEADERS_FIRST, what);
		expect_overlap(ELFCORE_HEADERS_LAST, what);
	}
}

/* Adjacent is not overlapping: regions, ranges and mappings. */
static void test_elfcore_adjacent(void **state)
{
	struct elfcore *c = NULL;
	int fd = memfd();
	struct core k;
	size_t a;

	(void)state;
	scenario_new(&c, 0);
	assert_int_equal(elfcore_add_region(c, 0x11000, 0x14000, 6, &a), 0);
	assert_int_equal(elfcore_add_region(c, 0x10000, 0x11000, 4, NULL), 0);
	assert_int_equal(elfcore_add_unreadable(c, a, PG, PG), 0);
	assert_int_equal(elfcore_add_unreadable(c, a, 0, PG), 0);
	assert_int_equal(elfcore_add_file(c, 0x11000, 0x12000, 0, "/b"), 0);
	assert_int_equal(elfcore_add_file(c, 0x10000, 0x11000, 0, "/a"), 0);
	assert_int_equal(elfcore_begin(c, fd, ELFCORE_HEADERS_FIRST), 0);
	assert_int_equal(elfcore_data(c, 1, 0, "l", 1), 0);
	assert_int_equal(elfcore_data(c, a, 2 * PG, "r", 1), 0);
	assert_int_equal(elfcore_finish(c), 0);
	core_load(&k, fd);
	assert_int_equal(k.nloads, 2);
	assert_int_equal(core_byte(&k, 0x10000), 'l');
	assert_int_equal(core_byte(&k, 0x11000), -1);
	assert_int_equal(core_byte(&k, 0x12fff), -1);
	assert_int_equal(core_byte(&k, 0x13000), 'r');
	assert_int_equal(k.ph[2].flags, 6);
	core_free(&k);
	elfcore_free(c);
	close(fd);
}

static void test_elfcore_hostile_sizes(void **state)
{
	struct elfcore_opts p = { .max_bytes = 16 * PG };
	struct elfcore *c = NULL;
	uint64_t a;

	(void)state;
	scenario_new(&c, 0);
	/* 2^63 bytes of region: refused before anything is written */
	assert_int_equal(elfcore_add_region(c, 0, 1ULL << 63, 4, NULL), -EFBIG);
	assert_int_equal(elfcore_add_region(c, 0x1000, 0xfffffffffffff000ULL, 4, NULL),
			 -EFBIG);
	/* up to the default limit, one region at a time */
	for (a = 0; a < 1024; a++)
		assert_int_equal(elfcore_add_region(c, a << 30, (a + 1) << 30, 4, NULL), 0);
	assert_int_equal(elfcore_add_region(c, 1024ULL << 30, (1024ULL << 30) + PG,
					    4, NULL), -EFBIG);
	assert_non_null(strstr(elfcore_error(c), "more than"));
	elfcore_free(c);

	assert_int_equal(elfcore_new(&c, &p), 0);
	assert_int_equal(elfcore_add_region(c, 0, 16 * PG, 4, NULL), 0);
	assert_int_equal(elfcore_add_region(c, 16 * PG, 17 * PG, 4, NULL), -EFBIG);
	elfcore_free(c);

	/* a caller's max_bytes is capped: offsets still fit an off_t */
	p.max_bytes = UINT64_MAX;
	assert_int_equal(elfcore_new(&c, &p), 0);
	assert_int_equal(elfcore_add_region(c, 0, ELFCORE_LIMIT_MAX_BYTES, 4, NULL), 0);
	assert_int_equal(elfcore_add_region(c, ELFCORE_LIMIT_MAX_BYTES,
					    ELFCORE_LIMIT_MAX_BYTES + PG, 4, NULL),
			 -EFBIG);
	elfcore_free(c);
}

static void test_elfcore_hostile_counts(void **state)
{
	struct elfcore *c = NULL;
	static char path[ELFCORE_MAX_PATH + 2];
	uint64_t i, at;
	int r = 0;

	(void)state;
	scenario_new(&c, 0);
	for (i = 0; i < ELFCORE_MAX_REGIONS; i++)
		if (elfcore_add_region(c, i * PG, (i + 1) * PG, 4, NULL) < 0)
			fail_msg("region %llu refused", (unsigned long long)i);
	assert_int_equal(elfcore_add_region(c, i * PG, (i + 1) * PG, 4, NULL), -E2BIG);
	for (i = 0; i < ELFCORE_MAX_UNREADABLE; i++)
		if (elfcore_add_unreadable(c, (size_t)i, 0, PG) < 0)
			fail_msg("range %llu refused", (unsigned long long)i);
	assert_int_equal(elfcore_add_unreadable(c, 0, 0, PG), -E2BIG);
	elfcore_free(c);

	scenario_new(&c, 0);
	memset(path, 'p', sizeof(path) - 1);
	path[0] = '/';
	assert_int_equal(elfcore_add_file(c, 0, PG, 0, path), -ENAMETOOLONG);
	path[ELFCORE_MAX_PATH] = 0;
	/* 4096-byte paths until the note would pass 64 MiB */
	for (i = 0, at = 0; i < ELFCORE_MAX_NOTE / ELFCORE_MAX_PATH + 1; i++, at += PG)
		if ((r = elfcore_add_file(c, at, at + PG, 0, path)) < 0)
			break;
	assert_int_equal(r, -E2BIG);
	assert_true(i > 16000);
	elfcore_free(c);

	scenario_new(&c, 0);
	for (i = 0; i < 8; i++)
		path[i + 1] = 1; /* every byte escaped: 4 bytes each */
	path[ELFCORE_MAX_PATH] = 0;
	assert_int_equal(elfcore_add_file(c, 0, PG, 0, path), 0);
	{
		static unsigned char big[ELFCORE_MAX_AUXV + 16];

		assert_int_equal(elfcore_set_auxv(c, big, sizeof(big)), -E2BIG);
		assert_int_equal(elfcore_set_auxv(c, big, ELFCORE_MAX_AUXV), 0);
		assert_int_equal(elfcore_set_auxv(c, NULL, 0), 0);
	}
	elfcore_free(c);
}

static void test_elfcore_call_order(void **state)
{
	struct elfcore *c = NULL;
	int fd = memfd();

	(void)state;
	scenario_new(&c, 0);
	assert_int_equal(elfcore_data(c, 0, 0, "x", 1), -EINVAL);
	assert_int_equal(elfcore_finish(c), -EINVAL);
	assert_int_equal(elfcore_add_region(c, 0x1000, 0x2000, 4, NULL), 0);
	assert_int_equal(elfcore_begin(c, fd, ELFCORE_HEADERS_FIRST), 0);
	/* headers written: nothing more can be declared */
	assert_int_equal(elfcore_add_region(c, 0x3000, 0x4000, 4, NULL), -EINVAL);
	assert_int_equal(elfcore_add_unreadable(c, 0, 0, PG), -EINVAL);
	assert_int_equal(elfcore_add_file(c, 0x3000, 0x4000, 0, "/x"), -EINVAL);
	assert_int_equal(elfcore_set_auxv(c, NULL, 0), -EINVAL);
	assert_int_equal(elfcore_set_process(c, &(struct elfcore_proc){ .pid = 2 }), -EINVAL);
	assert_int_equal(elfcore_begin(c, fd, ELFCORE_HEADERS_FIRST), -EINVAL);
	assert_int_equal(elfcore_finish(c), 0);
	assert_int_equal(elfcore_finish(c), -EINVAL);
	assert_int_equal(elfcore_data(c, 0, 0, "x", 1), -EINVAL);
	assert_int_equal(elfcore_add_region(c, 0x3000, 0x4000, 4, NULL), -EINVAL);
	elfcore_free(c);
	elfcore_free(NULL);
	assert_string_equal(elfcore_error(NULL), "");
	assert_int_equal(elfcore_size(NULL), 0);
	close(fd);
}

/* More than 65534 PT_LOADs: e_phnum PN_XNUM, the count in section 0. */
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elfcore_hostile_ranges),
		cmocka_unit_test(test_elfcore_hostile_overlap),
		cmocka_unit_test(test_elfcore_adjacent),
		cmocka_unit_test(test_elfcore_hostile_sizes),
		cmocka_unit_test(test_elfcore_hostile_counts),
		cmocka_unit_test(test_elfcore_call_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
