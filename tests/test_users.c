/* test_users: uid and gid names from real /etc/passwd and /etc/group text (fixtures/etc/), and hostile text. */
#include <errno.h>
#include <string.h>

#include "testutil.h"
#include "users.h"

/* name of uid (gid when group) equals want, or is unknown (want NULL). */
static void expect(const struct users *u, bool group, uint64_t id, const char *want)
{
	size_t len;
	const char *n = group ? users_group(u, id, &len) : users_user(u, id, &len);

	if (!want) {
		assert_null(n);
		return;
	}
	assert_non_null(n);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(n, want, len);
}

/* A Debian host's files, as procsnap stores them (host/etc/passwd...). */
static void test_users_real_files(void **state)
{
	struct users *u = NULL;
	struct buf b = BUF_INIT;
	uint64_t uid = 0;

	(void)state;
	assert_int_equal(users_new(&u), 0);
	assert_false(users_have_passwd(u));
	fixture(&b, "../etc/passwd");
	assert_int_equal(users_add_passwd(u, b.data, b.len), 0);
	fixture(&b, "../etc/group");
	assert_int_equal(users_add_group(u, b.data, b.len), 0);
	assert_true(users_have_passwd(u));
	assert_true(users_have_group(u));
	expect(u, false, 0, "root");
	expect(u, false, 1, "daemon");
	expect(u, false, 33, "www-data");
	expect(u, false, 65534, "nobody");
	expect(u, false, 998, "systemd-network");
	expect(u, false, 1000, "cloudsdk");
	expect(u, false, 4242, NULL); /* no such user */
	expect(u, true, 0, "root");
	expect(u, true, 27, "sudo");
	expect(u, true, 65534, "nogroup");
	expect(u, true, 999, "systemd-journal");
	expect(u, true, 4242, NULL);
	/* Groups are not users: 999 is a group only. */
	expect(u, false, 999, NULL);
	assert_true(users_uid(u, "sshd", 4, &uid));
	assert_int_equal(uid, 102);
	assert_false(users_uid(u, "ssh", 3, &uid));
	assert_int_equal(users_skipped(u), 0);
	users_free(u);
	buf_free(&b);
}

/* What a compromised host may write there: every line that is not an
 * entry passed over and counted, the first name of an id kept, bytes kept
 * as they are (the views escape them). */
static void test_users_hostile(void **state)
{
	static const char pw[] =
		"root:x:0:0:root:/root:/bin/bash\n"
		"toor:x:0:0:second name for 0:/root:/bin/sh\n"  /* root stays */
		"# comment\n"
		"+@netgroup::::::\n"                           /* NIS */
		"-baduser::::::\n"
		":x:5:5::/:/bin/sh\n"                           /* no name */
		"nocolons\n"
		"neg:x:-1:0::/:/bin/sh\n"
		"big:x:4294967296:0::/:/bin/sh\n"               /* over uid_t */
		"max:x:4294967295:0::/:/bin/sh\n"
		"hex:x:0x10:0::/:/bin/sh\n"
		"empty:x::0::/:/bin/sh\n"
		"ev\x1b[31mil:x:1001:1001::/:/bin/sh\n"
		"nul\0byte:x:1002:0::/:/bin/sh\n"
		"short:x:1003\n"                                /* no fields after the id */
		"\n"
		"crlf:x:1004:0::/:/bin/sh\r\n"
		"last:x:1005:0::/:/bin/sh";                     /* no newline at the end */
	struct users *u = NULL;

	(void)state;
	assert_int_equal(users_new(&u), 0);
	assert_int_equal(users_add_passwd(u, pw, sizeof(pw) - 1), 0);
	expect(u, false, 0, "root");
	expect(u, false, 5, NULL);
	expect(u, false, 16, NULL);
	expect(u, false, 4294967295u, "max");
	expect(u, false, 4294967296ull, NULL);
	expect(u, false, 1001, "ev\x1b[31mil");
	expect(u, false, 1002, NULL);
	expect(u, false, 1003, "short");
	expect(u, false, 1004, "crlf");
	expect(u, false, 1005, "last");
	/* comment, +, -, no name, nocolons, neg, big, hex, empty, nul. */
	assert_int_equal(users_skipped(u), 10);
	/* No group text: no group names, whatever the passwd says. */
	assert_false(users_have_group(u));
	expect(u, true, 0, NULL);
	users_free(u);
}

/* Bounded: text over USERS_MAX_BYTES adds nothing; an empty file is a
 * file; a NULL table names nobody. */
static void test_users_bounds(void **state)
{
	struct users *u = NULL;
	uint64_t uid = 7;
	size_t len = 9;

	(void)state;
	assert_int_equal(users_new(&u), 0);
	assert_int_equal(users_add_passwd(u, "root:x:0:0::/:\n", (size_t)USERS_MAX_BYTES + 1),
			 -EFBIG);
	assert_false(users_have_passwd(u));
	assert_int_equal(users_add_group(u, "", 0), 0);
	assert_true(users_have_group(u));
	expect(u, true, 0, NULL);
	users_free(u);
	assert_null(users_user(NULL, 0, &len));
	assert_int_equal(len, 0);
	assert_false(users_uid(NULL, "root", 4, &uid));
	assert_false(users_have_passwd(NULL));
	users_free(NULL);
}

/* Many names, looked up by binary search: each id finds its own. */
static void test_users_many(void **state)
{
	struct users *u = NULL;
	struct buf b = BUF_INIT;
	char name[32];
	int i;

	(void)state;
	for (i = 5000; i > 0; i--)
		buf_printf(&b, "u%d:x:%d:%d::/:/bin/sh\n", i, i * 3, i);
	assert_int_equal(users_new(&u), 0);
	assert_int_equal(users_add_passwd(u, b.data, b.len), 0);
	for (i = 1; i <= 5000; i += 7) {
		snprintf(name, sizeof(name), "u%d", i);
		expect(u, false, (uint64_t)i * 3, name);
		expect(u, false, (uint64_t)i * 3 + 1, NULL);
	}
	users_free(u);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_users_real_files),
		cmocka_unit_test(test_users_hostile),
		cmocka_unit_test(test_users_bounds),
		cmocka_unit_test(test_users_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
