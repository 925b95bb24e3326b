/* test_snapwriter: members, sparse members and the manifest, read back. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "archive_util.h"
#include "digest.h"
#include "snapwriter.h"

static void test_snapwriter_manifest_matches_members(void **state)
{
	enum snap_compress cs[] = { SNAP_COMPRESS_GZIP, SNAP_COMPRESS_ZSTD, SNAP_COMPRESS_NONE };
	size_t k;

	(void)state;
	for (k = 0; k < 3; k++) {
		struct snapwriter *w = NULL;
		struct member m[8];
		char hex[DIGEST_HEX_LEN + 1], want[DIGEST_HEX_LEN + 1], line[200];
		int fd = memfd_create("t", 0);
		size_t n;

		assert_int_equal(snapwriter_open(&w, fd, cs[k], "TOP", 1000), 0);
		assert_int_equal(snapwriter_add(w, "format.json", "{}", 2, hex), 0);
		digest_buffer("{}", 2, want);
		assert_string_equal(hex, want);
		assert_int_equal(snapwriter_add(w, "empty", "", 0, NULL), 0);
		assert_int_equal(snapwriter_finish(w), 0);
		snapwriter_free(w);

		n = read_members(fd, m, 8);
		assert_int_equal(n, 3);
		assert_string_equal(m[0].name, "TOP/format.json");
		assert_string_equal(m[1].name, "TOP/empty");
		assert_string_equal(m[2].name, "TOP/" SNAP_MANIFEST);
		snprintf(line, sizeof(line), "%s  format.json\n", want);
		assert_non_null(strstr(m[2].data.data, line));
		digest_buffer("", 0, want);
		snprintf(line, sizeof(line), "%s  empty\n", want);
		assert_non_null(strstr(m[2].data.data, line));
		/* The manifest does not list itself. */
		assert_null(strstr(m[2].data.data, SNAP_MANIFEST));
		free_members(m, n);
		close(fd);
	}
}

static void test_snapwriter_sparse_round_trip(void **state)
{
	const struct snap_region reg[] = { { 4096, 10 }, { 1 << 20, 5 } };
	struct snapwriter *w = NULL;
	struct member m[4];
	char hex[DIGEST_HEX_LEN + 1];
	int fd = memfd_create("t", 0);
	size_t n;
	uint64_t size = (1 << 20) + 4096;

	(void)state;
	assert_int_equal(snapwriter_open(&w, fd, SNAP_COMPRESS_NONE, "T", 0), 0);
	assert_int_equal(snapwriter_begin(w, "sparse", size, reg, 2), 0);
	assert_int_equal(snapwriter_write_zeros(w, 4096), 0);
	assert_int_equal(snapwriter_write(w, "0123456789", 10), 0);
	assert_int_equal(snapwriter_write_zeros(w, (1 << 20) - 4096 - 10), 0);
	assert_int_equal(snapwriter_write(w, "abcde", 5), 0);
	assert_int_equal(snapwriter_write_zeros(w, 4096 - 5), 0);
	assert_int_equal(snapwriter_end(w, hex), 0);
	assert_int_equal(snapwriter_finish(w), 0);
	snapwriter_free(w);
	/* Holes are not stored: the tar is far smaller than the file. */
	assert_true(lseek(fd, 0, SEEK_END) < 64 * 1024);
	n = read_members(fd, m, 4);
	assert_int_equal(n, 2);
	assert_true(m[0].sparse_regions >= 2);
	/* Reading fills the holes back in: the logical file comes out. */
	assert_int_equal(m[0].data.len, size);
	assert_memory_equal(m[0].data.data + 4096, "0123456789", 10);
	assert_memory_equal(m[0].data.data + (1 << 20), "abcde", 5);
	assert_int_equal(m[0].data.data[0], 0);
	free_members(m, n);
	close(fd);
}

static void test_snapwriter_refuses_wrong_sizes(void **state)
{
	struct snapwriter *w = NULL;
	int fd = memfd_create("t", 0);

	(void)state;
	assert_int_equal(snapwriter_open(&w, fd, SNAP_COMPRESS_GZIP, "T", 0), 0);
	assert_int_equal(snapwriter_begin(w, "m", 4, NULL, 0), 0);
	assert_int_equal(snapwriter_write(w, "12345", 5), -EINVAL);
	assert_int_equal(snapwriter_write(w, "12", 2), 0);
	assert_int_equal(snapwriter_finish(w), -EINVAL); /* member still open */
	assert_int_equal(snapwriter_end(w, NULL), -EINVAL); /* 2 bytes short */
	assert_non_null(strstr(snapwriter_error(w), "short"));
	snapwriter_free(w);
	close(fd);
}

/* A write error (here: a read-only fd) is reported with its cause. */
static void test_snapwriter_reports_output_errors(void **state)
{
	struct snapwriter *w = NULL;
	int fd = open("/dev/full", O_WRONLY);
	static char big[1 << 20];
	int r;

	(void)state;
	assert_true(fd >= 0);
	r = snapwriter_open(&w, fd, SNAP_COMPRESS_NONE, "T", 0);
	if (!r)
		r = snapwriter_add(w, "big", big, sizeof(big), NULL);
	if (!r)
		r = snapwriter_finish(w);
	assert_int_equal(r, -ENOSPC);
	assert_non_null(strstr(snapwriter_error(w), "No space"));
	snapwriter_free(w);
	close(fd);
}

/* An archive small enough to reach the output only when it is closed is
 * still refused when that last write fails (libarchive ignores what its
 * client's close returns): for each compression. */
static void test_snapwriter_reports_errors_at_close(void **state)
{
	static const enum snap_compress cs[] = { SNAP_COMPRESS_NONE, SNAP_COMPRESS_GZIP,
						  SNAP_COMPRESS_ZSTD };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
		struct snapwriter *w = NULL;
		int fd = open("/dev/full", O_WRONLY);
		int r;

		assert_true(fd >= 0);
		r = snapwriter_open(&w, fd, cs[i], "T", 0);
		if (!r)
			r = snapwriter_add(w, "small", "abc", 3, NULL);
		if (!r)
			r = snapwriter_finish(w);
		assert_int_equal(r, -ENOSPC);
		assert_non_null(strstr(snapwriter_error(w), "No space"));
		snapwriter_free(w);
		close(fd);
	}
}

static void test_snapwriter_compress_names(void **state)
{
	enum snap_compress c;

	(void)state;
	assert_int_equal(snapwriter_parse_compress("zstd", &c), 0);
	assert_int_equal(c, SNAP_COMPRESS_ZSTD);
	assert_string_equal(snapwriter_suffix(c), ".tar.zst");
	assert_int_equal(snapwriter_parse_compress("bzip2", &c), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapwriter_manifest_matches_members),
		cmocka_unit_test(test_snapwriter_sparse_round_trip),
		cmocka_unit_test(test_snapwriter_refuses_wrong_sizes),
		cmocka_unit_test(test_snapwriter_reports_output_errors),
		cmocka_unit_test(test_snapwriter_reports_errors_at_close),
		cmocka_unit_test(test_snapwriter_compress_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
