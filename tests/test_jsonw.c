/* test_jsonw: the JSON writer's output always parses, and keeps raw bytes. */
#include <jansson.h>
#include <string.h>

#include "testutil.h"
#include "escape.h"
#include "jsonw.h"

static json_t *parse(const struct buf *b)
{
	json_error_t e;
	json_t *j = json_loadb(b->data, b->len, 0, &e);

	if (!j)
		fail_msg("invalid JSON (%s): %s", e.text, b->data);
	return j;
}

static void test_jsonw_structure(void **state)
{
	struct buf b = BUF_INIT;
	struct jsonw w;
	json_t *j;

	(void)state;
	jsonw_init(&w, &b);
	jsonw_open(&w, NULL);
	jsonw_int(&w, "neg", -5);
	jsonw_uint(&w, "big", UINT64_C(9223372036854775807));
	jsonw_bool(&w, "t", true);
	jsonw_null(&w, "n");
	jsonw_aopen(&w, "arr");
	jsonw_str(&w, NULL, "a");
	jsonw_open(&w, NULL);
	jsonw_close(&w);
	jsonw_aclose(&w);
	jsonw_str(&w, "quote", "say \"hi\"\\\n\t\x01");
	jsonw_close(&w);
	assert_int_equal(buf_error(&b), 0);
	j = parse(&b);
	assert_int_equal(json_integer_value(json_object_get(j, "neg")), -5);
	assert_true(json_is_true(json_object_get(j, "t")));
	assert_true(json_is_null(json_object_get(j, "n")));
	assert_int_equal(json_array_size(json_object_get(j, "arr")), 2);
	assert_string_equal(json_string_value(json_object_get(j, "quote")), "say \"hi\"\\\n\t\x01");
	json_decref(j);
	buf_free(&b);
}

/* The exact text: numbers at their limits, short escapes for \n and \t,
 * \u00XX for other controls and DEL, printable runs as they are. */
static void test_jsonw_exact_text(void **state)
{
	struct buf b = BUF_INIT;
	struct jsonw w;

	(void)state;
	jsonw_init(&w, &b);
	jsonw_open(&w, NULL);
	jsonw_int(&w, "min", INT64_MIN);
	jsonw_int(&w, "max", INT64_MAX);
	jsonw_int(&w, "zero", 0);
	jsonw_uint(&w, "umax", UINT64_MAX);
	jsonw_str(&w, "s", "a b\tc\nd\x01\x1f\x7f\"\\/~");
	jsonw_close(&w);
	assert_int_equal(buf_error(&b), 0);
	assert_int_equal(buf_putc(&b, '\0'), 0);
	assert_string_equal(b.data,
		"{\"min\":-9223372036854775808,\"max\":9223372036854775807,"
		"\"zero\":0,\"umax\":18446744073709551615,"
		"\"s\":\"a b\\tc\\nd\\u0001\\u001f\\u007f\\\"\\\\/~\"}");
	buf_free(&b);
}

/* Keys: plain ones copied, others escaped, long ones whole, in arrays
 * none; the commas right whichever way a key went. */
static void test_jsonw_keys(void **state)
{
	struct buf b = BUF_INIT;
	struct jsonw w;
	char big[81], want[200];

	(void)state;
	memset(big, 'k', 80);
	big[80] = '\0';
	jsonw_init(&w, &b);
	jsonw_open(&w, NULL);
	jsonw_int(&w, "a\"b\n", 1);
	jsonw_int(&w, big, 2);
	jsonw_int(&w, "", 3);
	jsonw_aopen(&w, "l\xc3\xa9");
	jsonw_int(&w, NULL, 4);
	jsonw_int(&w, NULL, 5);
	jsonw_aclose(&w);
	jsonw_int(&w, "x\x01", 6);
	jsonw_close(&w);
	assert_int_equal(buf_error(&b), 0);
	snprintf(want, sizeof(want), "{\"a\\\"b\\n\":1,\"%s\":2,\"\":3,\"l\xc3\xa9\":[4,5],"
		 "\"x\\u0001\":6}", big);
	assert_string_equal(b.data, want);
	assert_int_equal(strlen(b.data), b.len);
	buf_free(&b);
}

/* Bytes that are not UTF-8 become U+FFFD in the string and exact in _b64. */
static void test_jsonw_raw_bytes_lossless(void **state)
{
	static const char raw[] = "x\xff\xfe\0y\n\xe2\x82";
	struct buf b = BUF_INIT, dec = BUF_INIT;
	struct jsonw w;
	const char *s;
	json_t *j;

	(void)state;
	jsonw_init(&w, &b);
	jsonw_open(&w, NULL);
	jsonw_bytes(&w, "name", raw, sizeof(raw) - 1);
	jsonw_bytes(&w, "ok", "caf\xc3\xa9", 5);
	jsonw_close(&w);
	j = parse(&b);
	s = json_string_value(json_object_get(j, "name"));
	assert_non_null(s);
	assert_true(escape_is_clean_utf8(s, strlen(s)));
	assert_non_null(strstr(s, "\xef\xbf\xbd"));
	s = json_string_value(json_object_get(j, "name_b64"));
	assert_non_null(s);
	assert_int_equal(escape_base64_decode(&dec, s, strlen(s)), 0);
	assert_int_equal(dec.len, sizeof(raw) - 1);
	assert_memory_equal(dec.data, raw, dec.len);
	assert_string_equal(json_string_value(json_object_get(j, "ok")), "caf\xc3\xa9");
	assert_null(json_object_get(j, "ok_b64"));
	json_decref(j);
	buf_free(&b);
	buf_free(&dec);
}

static void test_jsonw_depth_limit(void **state)
{
	struct buf b = BUF_INIT;
	struct jsonw w;
	int i;

	(void)state;
	jsonw_init(&w, &b);
	for (i = 0; i < JSONW_MAX_DEPTH + 2; i++)
		jsonw_aopen(&w, NULL);
	assert_int_not_equal(buf_error(&b), 0);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jsonw_structure),
		cmocka_unit_test(test_jsonw_exact_text),
		cmocka_unit_test(test_jsonw_keys),
		cmocka_unit_test(test_jsonw_raw_bytes_lossless),
		cmocka_unit_test(test_jsonw_depth_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
