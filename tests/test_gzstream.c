/* test_gzstream: inputs round-tripped through gzstream and zlib's inflate; the mode switches; errors. */
#define ZLIB_CONST
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <zlib.h>

#include "gzstream.h"
#include "testutil.h"

/* The sink: everything in memory; fails with -ENOSPC once more than
 * fail_after bytes would be held (0: never). */
struct mem {
	unsigned char *p;
	size_t len, cap;
	size_t fail_after;
};

static int mem_sink(void *arg, const struct iovec *iov, int n)
{
	struct mem *m = arg;
	int i;

	assert_true(n > 0 && n <= GZSTREAM_IOV_MAX);
	for (i = 0; i < n; i++) {
		if (m->fail_after && m->len + iov[i].iov_len > m->fail_after)
			return -ENOSPC;
		if (m->len + iov[i].iov_len > m->cap) {
			size_t cap = (m->cap + iov[i].iov_len) * 2;
			unsigned char *q = realloc(m->p, cap);

			assert_non_null(q);
			m->p = q;
			m->cap = cap;
		}
		memcpy(m->p + m->len, iov[i].iov_base, iov[i].iov_len);
		m->len += iov[i].iov_len;
	}
	return 0;
}

/* xorshift: the same inputs on every run. */
static uint64_t rng = 88172645463325252ull;

static unsigned char rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned char)(rng >> 24);
}

static size_t rnd_upto(size_t max)
{
	size_t v = (size_t)rnd() << 16 | (size_t)rnd() << 8 | rnd();

	return max ? v % max : 0;
}

/* /proc-like text: compresses about 10:1 at level 1. */
static void fill_text(unsigned char *p, size_t n)
{
	static const char *const words[] = {
		"Name:\t", "bash\n", "State:\tS (sleeping)\n", "VmRSS:\t",
		"7f3a2c000000-7f3a2c021000 rw-p 00000000 00:00 0 ",
		"/usr/lib/x86_64-linux-gnu/libc.so.6\n", "Threads:\t1\n",
		"SigCgt:\t0000000000010000\n", "{\"fd\":3,\"type\":\"socket\"}\n",
	};
	size_t i = 0;

	while (i < n) {
		const char *w = words[rnd() % (sizeof(words) / sizeof(*words))];
		size_t k = strlen(w);

		if (k > n - i)
			k = n - i;
		memcpy(p + i, w, k);
		i += k;
		if (i < n && rnd() < 64)
			p[i++] = (unsigned char)('0' + rnd() % 10);
	}
}

#define BIG (24u << 20)

struct inputs {
	unsigned char *random, *text, *mixed, *repeated;
};

static int setup(void **state)
{
	struct inputs *in = calloc(1, sizeof(*in));
	size_t i;

	assert_non_null(in);
	in->random = malloc(BIG);
	in->text = malloc(BIG);
	in->mixed = malloc(BIG);
	in->repeated = malloc(BIG);
	assert_true(in->random && in->text && in->mixed && in->repeated);
	for (i = 0; i < BIG; i++)
		in->random[i] = rnd();
	fill_text(in->text, BIG);
	/* Regions of random and text of odd sizes: every switch, both ways,
	 * inside chunks and across them. */
	for (i = 0; i < BIG;) {
		size_t k = 1000 + (size_t)rnd() * 3001;

		if (k > BIG - i)
			k = BIG - i;
		memcpy(in->mixed + i, (i / 7) % 2 ? in->random + i : in->text + i, k);
		i += k;
	}
	/* 16 KiB of random bytes, repeated: a flat histogram the probe calls
	 * incompressible, yet deflate's matches shrink it to nothing: only the
	 * periodic trials find that out. */
	for (i = 0; i < BIG; i++)
		in->repeated[i] = in->random[i % 16384];
	*state = in;
	return 0;
}

static int teardown(void **state)
{
	struct inputs *in = *state;

	free(in->random);
	free(in->text);
	free(in->mixed);
	free(in->repeated);
	free(in);
	return 0;
}

/* Inflates m as one gzip member (zlib checks the CRC-32 and the length
 * of the trailer) and compares it with want[0..n). */
static void assert_inflates_to(const struct mem *m, const unsigned char *want, size_t n)
{
	unsigned char *got = malloc(n + 1);
	z_stream z;
	int zr;

	assert_non_null(got);
	memset(&z, 0, sizeof(z));
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = m->p;
	z.avail_in = (uInt)m->len;
	z.next_out = got;
	z.avail_out = (uInt)n + 1;
	zr = inflate(&z, Z_FINISH);
	assert_int_equal(zr, Z_STREAM_END);
	assert_int_equal(z.total_out, n);
	assert_int_equal(z.avail_in, 0); /* nothing after the member */
	assert_true(n == 0 || memcmp(got, want, n) == 0);
	inflateEnd(&z);
	free(got);
}

/* Writes in[0..n) in pieces of step bytes (0: random sizes up to 3 MiB),
 * finishes, checks the round trip and the trailer against zlib's crc32;
 * the counters go to *st. */
static void roundtrip(const unsigned char *in, size_t n, size_t step, int level,
		      struct gzstream_stats *st)
{
	struct mem m = { 0 };
	struct gzstream *g = NULL;
	uint32_t crc, len;
	size_t off = 0;

	assert_int_equal(gzstream_open(&g, level, 1700000000, mem_sink, &m), 0);
	while (off < n) {
		size_t k = step ? step : 1 + rnd_upto(3u << 20);

		if (k > n - off)
			k = n - off;
		assert_int_equal(gzstream_write(g, in + off, k), 0);
		off += k;
	}
	assert_int_equal(gzstream_finish(g), 0);
	gzstream_stats(g, st);
	assert_int_equal(st->in, n);
	assert_int_equal(st->out, m.len);
	assert_string_equal(gzstream_error(g), "");
	/* RFC 1952: magic, deflate, mtime; CRC-32 and ISIZE last. */
	assert_true(m.len >= 18);
	assert_int_equal(m.p[0], 0x1f);
	assert_int_equal(m.p[1], 0x8b);
	assert_int_equal(m.p[2], 8);
	assert_int_equal(m.p[4] | m.p[5] << 8 | m.p[6] << 16 | (uint32_t)m.p[7] << 24, 1700000000);
	memcpy(&crc, m.p + m.len - 8, 4);
	memcpy(&len, m.p + m.len - 4, 4);
	assert_int_equal(le32toh(crc), (uint32_t)crc32_z(0, n ? in : Z_NULL, n));
	assert_int_equal(le32toh(len), (uint32_t)n);
	assert_inflates_to(&m, in, n);
	gzstream_free(g);
	free(m.p);
}

static void test_gzstream_empty_and_tiny(void **state)
{
	struct inputs *in = *state;
	struct gzstream_stats st;

	roundtrip(in->random, 0, 1, 1, &st);
	assert_int_equal(st.deflated + st.stored, 0);
	roundtrip(in->random, 1, 1, 1, &st);
	roundtrip(in->text, 4095, 1000, 1, &st);
}

/* Random bytes are stored, apart from the few trials. */
static void test_gzstream_random_is_stored(void **state)
{
	struct inputs *in = *state;
	struct gzstream_stats st;

	roundtrip(in->random, BIG, 1u << 20, 1, &st);
	assert_true(st.stored > 10 * st.deflated);
	assert_true(st.trials > 0);
	assert_int_equal(st.trials, st.failed);
	roundtrip(in->random, BIG / 8, 512, 1, &st);
	roundtrip(in->random, BIG, 0, 1, &st);
	roundtrip(in->random, GZSTREAM_CHUNK, GZSTREAM_CHUNK, 1, &st);
	roundtrip(in->random, GZSTREAM_CHUNK + 1, 7, 1, &st);
	roundtrip(in->random, 3 * GZSTREAM_CHUNK - 1, GZSTREAM_CHUNK + 3, 1, &st);
}

/* Text is deflated, at every level. */
static void test_gzstream_text_is_deflated(void **state)
{
	struct inputs *in = *state;
	struct gzstream_stats st;

	roundtrip(in->text, BIG, 1u << 20, 1, &st);
	assert_int_equal(st.stored, 0);
	assert_true(st.deflated >= BIG / GZSTREAM_CHUNK);
	roundtrip(in->text, BIG / 4, 0, 6, &st);
	roundtrip(in->text, BIG / 16, 0, 9, &st);
	assert_int_equal(st.stored, 0);
}

/* Regions switching between the two: both kinds of block, in every
 * order, written in odd pieces. */
static void test_gzstream_mixed_switches(void **state)
{
	struct inputs *in = *state;
	struct gzstream_stats st;

	roundtrip(in->mixed, BIG, 0, 1, &st);
	roundtrip(in->mixed, BIG, 4093, 1, &st);
	roundtrip(in->mixed, BIG, 1u << 20, 1, &st);
}

/* What the probe cannot see, the periodic trials find. */
static void test_gzstream_repeats_found_by_trials(void **state)
{
	struct inputs *in = *state;
	struct gzstream_stats st;
	unsigned char *zeros = calloc(1, BIG);

	roundtrip(in->repeated, BIG, 1u << 20, 1, &st);
	assert_true(st.deflated > st.stored);
	assert_non_null(zeros);
	roundtrip(zeros, BIG, 1u << 20, 1, &st);
	assert_int_equal(st.stored, 0);
	free(zeros);
}

/* The trailer's CRC-32 (libdeflate's) against zlib's, over random
 * lengths and alignments: 1 to 300 bytes, around 64 and its multiples
 * where a folding CRC changes paths, and long ones. */
static void test_gzstream_crc_matches_zlib(void **state)
{
	struct inputs *in = *state;
	struct gzstream_stats st;
	size_t i;

	for (i = 1; i <= 300; i++)
		roundtrip(in->random + rnd_upto(64), i, 1 + rnd_upto(i), 1, &st);
	for (i = 0; i < 200; i++) {
		size_t n = 1 + rnd_upto(3 * GZSTREAM_CHUNK);

		roundtrip((i % 2 ? in->random : in->mixed) + rnd_upto(4096), n, 1 + rnd_upto(n), 1, &st);
	}
}

/* A sink failing half way: its -errno comes back, and stays. */
static void test_gzstream_sink_error_sticks(void **state)
{
	struct inputs *in = *state;
	struct mem m = { .fail_after = 3u << 20 };
	struct gzstream *g = NULL;
	size_t i;
	int r = 0;

	assert_int_equal(gzstream_open(&g, 1, 0, mem_sink, &m), 0);
	for (i = 0; !r && i < BIG; i += 1u << 20)
		r = gzstream_write(g, in->random + i, 1u << 20);
	assert_int_equal(r, -ENOSPC);
	assert_int_equal(gzstream_write(g, in->random, 10), -ENOSPC);
	assert_int_equal(gzstream_finish(g), -ENOSPC);
	assert_non_null(strstr(gzstream_error(g), "output"));
	gzstream_free(g);
	free(m.p);
}

static void test_gzstream_misuse(void **state)
{
	struct mem m = { 0 };
	struct gzstream *g = NULL;

	(void)state;
	assert_int_equal(gzstream_open(&g, 0, 0, mem_sink, &m), -EINVAL);
	gzstream_free(g);
	assert_int_equal(gzstream_open(&g, 10, 0, mem_sink, &m), -EINVAL);
	gzstream_free(g);
	assert_int_equal(gzstream_open(&g, 1, 0, NULL, &m), -EINVAL);
	gzstream_free(g);
	assert_int_equal(gzstream_open(&g, 1, 0, mem_sink, &m), 0);
	assert_int_equal(gzstream_finish(g), 0);
	assert_int_equal(gzstream_write(g, "x", 1), -EINVAL);
	assert_int_equal(gzstream_finish(g), -EINVAL);
	gzstream_free(g);
	gzstream_free(NULL);
	free(m.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gzstream_empty_and_tiny),
		cmocka_unit_test(test_gzstream_random_is_stored),
		cmocka_unit_test(test_gzstream_text_is_deflated),
		cmocka_unit_test(test_gzstream_mixed_switches),
		cmocka_unit_test(test_gzstream_repeats_found_by_trials),
		cmocka_unit_test(test_gzstream_crc_matches_zlib),
		cmocka_unit_test(test_gzstream_sink_error_sticks),
		cmocka_unit_test(test_gzstream_misuse),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
