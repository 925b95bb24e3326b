/* test_locks: the /proc/locks parser on real text (fixtures/proc/locks.leases). */
#include <errno.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "testutil.h"
#include "locks.h"

/* Line i (0-based) of the fixture, parsed. */
static int line(const struct buf *b, int i, struct locks_entry *e)
{
	const char *p = b->data, *end = b->data + b->len, *nl;

	for (; i > 0; i--) {
		nl = memchr(p, '\n', (size_t)(end - p));
		assert_non_null(nl);
		p = nl + 1;
	}
	nl = memchr(p, '\n', (size_t)(end - p));
	assert_non_null(nl);
	return locks_parse_line(p, (size_t)(nl - p), e);
}

/* Every line of the real text: leases, a breaker, OFD, POSIX, flock. */
static void test_locks_real_lines(void **state)
{
	struct buf b = BUF_INIT;
	struct locks_entry e;

	(void)state;
	fixture(&b, "locks.leases");
	/* A WRITE lease whose holder was signalled: breaking, to READ. */
	assert_int_equal(line(&b, 0, &e), 0);
	assert_int_equal(e.cls, LOCKS_LEASE);
	assert_false(e.waiter);
	assert_string_equal(e.state, "BREAKING");
	assert_string_equal(e.type, "READ");
	assert_int_equal(e.pid, 8633);
	assert_true(e.has_inode);
	assert_int_equal(e.major, 0);
	assert_int_equal(e.minor, 0x1b);
	assert_int_equal(e.ino, 895);
	assert_true(locks_read_conflicts(&e));
	/* The blocked opener: "->", no inode, never a reason not to open. */
	assert_int_equal(line(&b, 1, &e), 0);
	assert_true(e.waiter);
	assert_string_equal(e.state, "BREAKER");
	assert_false(e.has_inode);
	assert_int_equal(e.pid, 8645);
	assert_false(locks_read_conflicts(&e));
	/* An active WRITE lease on the disk (254:0, st_dev 0xfe00). */
	assert_int_equal(line(&b, 2, &e), 0);
	assert_string_equal(e.state, "ACTIVE");
	assert_string_equal(e.type, "WRITE");
	assert_int_equal(makedev(e.major, e.minor), 65024);
	assert_int_equal(e.ino, 11010138);
	assert_true(locks_read_conflicts(&e));
	/* OFD lock: pid -1; locks never stop a read. */
	assert_int_equal(line(&b, 3, &e), 0);
	assert_int_equal(e.cls, LOCKS_OFD);
	assert_int_equal(e.pid, -1);
	assert_false(locks_read_conflicts(&e));
	assert_int_equal(line(&b, 4, &e), 0);
	assert_int_equal(e.cls, LOCKS_POSIX);
	assert_int_equal(line(&b, 5, &e), 0);
	assert_int_equal(e.cls, LOCKS_FLOCK);
	assert_false(locks_read_conflicts(&e));
	/* A READ lease: an open for reading does not break it. */
	assert_int_equal(line(&b, 6, &e), 0);
	assert_int_equal(e.cls, LOCKS_LEASE);
	assert_string_equal(e.type, "READ");
	assert_false(locks_read_conflicts(&e));
	buf_free(&b);
}

static void test_locks_bad_lines(void **state)
{
	static const char *const bad[] = {
		"", "1:", "x: LEASE ACTIVE WRITE 1 fe:00:1 0 EOF", "1: LEASE ACTIVE WRITE",
		"1: LEASE ACTIVE WRITE 12a fe:00:1 0 EOF", "1: LEASE ACTIVE WRITE 1 fe:00 0 EOF",
		"1: LEASE ACTIVE WRITE 1 fe:zz:1 0 EOF", "1: LEASE ACTIVE WRITE 1 fe:00:1x 0 EOF",
		"1: LEASE ACTIVE WRITE 1 fe:00:99999999999999999999 0 EOF",
		"1: LEASE ACTIVEACTIVEACTIVE WRITE 1 fe:00:1 0 EOF", "1: ->",
	};
	struct locks_entry e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(locks_parse_line(bad[i], strlen(bad[i]), &e), -EINVAL);
	/* Extra spaces and a nested waiter still read. */
	assert_int_equal(locks_parse_line("12:  ->  -> DELEG  ACTIVE  WRITE  7 103:5:42 0 EOF",
					 strlen("12:  ->  -> DELEG  ACTIVE  WRITE  7 103:5:42 0 EOF"), &e), 0);
	assert_true(e.waiter);
	assert_int_equal(e.cls, LOCKS_DELEG);
	assert_int_equal(e.major, 0x103);
	assert_int_equal(e.minor, 5);
	assert_int_equal(e.ino, 42);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_locks_real_lines),
		cmocka_unit_test(test_locks_bad_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
