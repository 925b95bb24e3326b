/* test_escape: UTF-8 checks, one-line text escaping and base64. */
#include <errno.h>
#include <string.h>

#include "testutil.h"
#include "escape.h"

static void test_escape_clean_utf8(void **state)
{
	(void)state;
	assert_true(escape_is_clean_utf8("plain", 5));
	assert_true(escape_is_clean_utf8("", 0));
	assert_true(escape_is_clean_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14));
	assert_false(escape_is_clean_utf8("a\0b", 3));        /* NUL */
	assert_false(escape_is_clean_utf8("\xff", 1));        /* never valid */
	assert_false(escape_is_clean_utf8("\xc0\xaf", 2));    /* overlong '/' */
	assert_false(escape_is_clean_utf8("\xe0\x80\xaf", 3));/* overlong */
	assert_false(escape_is_clean_utf8("\xed\xa0\x80", 3));/* surrogate */
	assert_false(escape_is_clean_utf8("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
	assert_false(escape_is_clean_utf8("\xe2\x82", 2));    /* cut short */
}

static void check_text(const char *in, size_t n, const char *want)
{
	struct buf b = BUF_INIT;

	assert_int_equal(escape_text(&b, in, n), 0);
	assert_string_equal(b.data ? b.data : "", want);
	buf_free(&b);
}

static void test_escape_text_one_line(void **state)
{
	(void)state;
	check_text("abc", 3, "abc");
	check_text("new\nline", 8, "new\\nline");
	check_text("tab\there", 8, "tab\\there");
	check_text("back\\slash", 10, "back\\\\slash");
	check_text("\x1b[31mred", 8, "\\x1b[31mred");   /* terminal escape */
	check_text("bad\xff\xfe", 5, "bad\\xff\\xfe");
	check_text("nul\0x", 5, "nul\\x00x");
	check_text("caf\xc3\xa9", 5, "caf\xc3\xa9");
	check_text("\xc2\x9b" "c", 3, "\\xc2\\x9bc");    /* C1 CSI */
	check_text("\x7f", 1, "\\x7f");
}

static void test_escape_base64_round_trip(void **state)
{
	const char raw[] = "nl\nx\xff\x00z";
	struct buf enc = BUF_INIT, dec = BUF_INIT;
	size_t n;

	(void)state;
	for (n = 0; n < sizeof(raw); n++) {
		buf_reset(&enc);
		buf_reset(&dec);
		assert_int_equal(escape_base64(&enc, raw, n), 0);
		assert_int_equal(enc.len % 4, 0);
		assert_int_equal(escape_base64_decode(&dec, enc.data ? enc.data : "", enc.len), 0);
		assert_int_equal(dec.len, n);
		if (n)
			assert_memory_equal(dec.data, raw, n);
	}
	buf_reset(&enc);
	escape_base64(&enc, "nl\nx\xff", 5);
	assert_string_equal(enc.data, "bmwKeP8=");
	buf_reset(&dec);
	assert_int_equal(escape_base64_decode(&dec, "abc", 3), -EINVAL);
	buf_free(&enc);
	buf_free(&dec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_clean_utf8),
		cmocka_unit_test(test_escape_text_one_line),
		cmocka_unit_test(test_escape_base64_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
