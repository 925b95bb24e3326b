/* test_csv: RFC 4180 fields, the CSV-injection guard, numbers never guarded; timeline times parsed. */
#include <errno.h>
#include <string.h>

#include "testutil.h"
#include "csv.h"
#include "timeline.h"

static void check_field(const char *in, size_t n, const char *want)
{
	struct buf b = BUF_INIT;

	csv_text(&b, true, in, n);
	assert_int_equal(buf_error(&b), 0);
	assert_string_equal(b.data ? b.data : "", want);
	buf_free(&b);
}

static void test_csv_quoting(void **state)
{
	(void)state;
	check_field("plain", 5, "plain");
	check_field("", 0, "");
	check_field("a,b", 3, "\"a,b\"");
	check_field("say \"hi\"", 8, "\"say \"\"hi\"\"\"");
	check_field("two\nlines", 9, "\"two\nlines\"");
	check_field("cr\rhere", 7, "\"cr\rhere\"");
	check_field("caf\xc3\xa9", 5, "caf\xc3\xa9");
	/* Not UTF-8, NUL and control bytes: \xHH, as the text views write. */
	check_field("a\xff" "b", 3, "a\\xffb");
	check_field("a\0b", 3, "a\\x00b");
	check_field("esc\x1b[2J", 7, "esc\\x1b[2J");
}

static void test_csv_injection_guard(void **state)
{
	(void)state;
	check_field("=cmd|' /C calc'!A0", 18, "\"'=cmd|' /C calc'!A0\"");
	check_field("+1+1", 4, "\"'+1+1\"");
	check_field("-2+3", 4, "\"'-2+3\"");
	check_field("@SUM(A1)", 8, "\"'@SUM(A1)\"");
	check_field("\tx", 2, "\"'\tx\"");
	check_field("=\"a,b\"", 6, "\"'=\"\"a,b\"\"\"");
	/* Only the first byte counts. */
	check_field("a=b", 3, "a=b");
	/* A number that came from the host is text: guarded too. */
	check_field("-5", 2, "\"'-5\"");
}

static void test_csv_numbers_and_records(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	/* snapread's own numbers are numbers: a negative one is not guarded. */
	csv_int(&b, true, -5);
	csv_int(&b, false, 42);
	csv_empty(&b, false);
	csv_str(&b, false, "=x");
	csv_end(&b);
	assert_int_equal(buf_error(&b), 0);
	assert_string_equal(b.data, "-5,42,,\"'=x\"\r\n");
	buf_free(&b);
}

static void test_csv_timeline_time(void **state)
{
	struct timeline_time t;

	(void)state;
	assert_int_equal(timeline_parse_time("2026-11-30T17:23:52.123456789Z", &t), 0);
	assert_int_equal(t.sec, 1796059432);
	assert_int_equal(t.nsec, 123456789);
	assert_int_equal(timeline_parse_time("1970-01-01T00:00:00Z", &t), 0);
	assert_int_equal(t.sec, 0);
	assert_int_equal(t.nsec, 0);
	assert_int_equal(timeline_parse_time("2020-01-02T03:04:05.5Z", &t), 0);
	assert_int_equal(t.sec, 1577934245);
	assert_int_equal(t.nsec, 500000000);
	assert_int_equal(timeline_parse_time("1969-12-31T23:59:59Z", &t), 0);
	assert_int_equal(t.sec, -1);
	assert_int_equal(timeline_parse_time("2026-11-30 17:23:52Z", &t), -EINVAL);
	assert_int_equal(timeline_parse_time("2026-11-30T17:23:52", &t), -EINVAL);
	assert_int_equal(timeline_parse_time("2026-13-30T17:23:52Z", &t), -EINVAL);
	assert_int_equal(timeline_parse_time("2026-11-30T17:23:52.Z", &t), -EINVAL);
	assert_int_equal(timeline_parse_time("2026-11-30T17:23:52Zjunk", &t), -EINVAL);
	assert_int_equal(timeline_parse_time(NULL, &t), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_quoting),
		cmocka_unit_test(test_csv_injection_guard),
		cmocka_unit_test(test_csv_numbers_and_records),
		cmocka_unit_test(test_csv_timeline_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
