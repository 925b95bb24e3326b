/* test_mountinfo: the mountinfo parser on real text kept in fixtures/proc. */
#include <errno.h>
#include <string.h>

#include "testutil.h"
#include "mountinfo.h"

struct seen {
	int n, on_proc;
	char pid_dirs[4][64];
	int npid;
	char with_space[128];
};

static int collect(const struct mountinfo_entry *e, void *arg)
{
	struct seen *s = arg;

	s->n++;
	if (mountinfo_path_is(e->point, e->point_len, "/proc", true))
		s->on_proc++;
	if (e->point_len > 6 && memcmp(e->point, "/proc/1", 7) == 0 && s->npid < 4)
		snprintf(s->pid_dirs[s->npid++], 64, "%.*s %.*s %.*s", (int)e->point_len, e->point,
			 (int)e->fstype_len, e->fstype, (int)e->root_len, e->root);
	if (memchr(e->root, '\\', e->root_len))
		mountinfo_unescape(e->root, e->root_len, s->with_space, sizeof(s->with_space));
	return 0;
}

/* Bind mounts over /proc/PID, as `mount --bind` leaves them. */
static void test_mountinfo_hidden(void **state)
{
	struct buf b = BUF_INIT;
	struct seen s;
	unsigned bad = 0;

	(void)state;
	memset(&s, 0, sizeof(s));
	fixture(&b, "mountinfo.hidden");
	assert_int_equal(mountinfo_each(b.data, b.len, collect, &s, &bad), 0);
	assert_int_equal(bad, 0);
	assert_int_equal(s.n, 24);
	assert_int_equal(s.on_proc, 4); /* /proc and three under it */
	assert_int_equal(s.npid, 3);
	assert_string_equal(s.pid_dirs[0], "/proc/13171 ext4 /tmp/hid/an\\040empty\\040dir");
	assert_string_equal(s.pid_dirs[1], "/proc/13175 proc /1");
	assert_string_equal(s.pid_dirs[2], "/proc/13176/cmdline devtmpfs /null");
	assert_string_equal(s.with_space, "/tmp/hid/an empty dir");
	buf_free(&b);
}

/* Optional fields ("shared:1") before the separator. */
static void test_mountinfo_optional_fields(void **state)
{
	struct mountinfo_entry e;
	const char *line = "42 27 254:0 /run/netns /run/netns rw,relatime shared:1 master:3 - "
			   "ext4 /dev/vda rw,discard";

	(void)state;
	assert_int_equal(mountinfo_parse_line(line, strlen(line), &e), 0);
	assert_int_equal(e.id, 42);
	assert_int_equal(e.parent, 27);
	assert_int_equal(e.major, 254);
	assert_int_equal(e.minor, 0);
	assert_int_equal(e.fstype_len, 4);
	assert_memory_equal(e.fstype, "ext4", 4);
	assert_int_equal(e.source_len, 8);
	assert_memory_equal(e.super, "rw,discard", 10);
}

static void test_mountinfo_host(void **state)
{
	struct buf b = BUF_INIT;
	struct seen s;
	unsigned bad = 0;

	(void)state;
	memset(&s, 0, sizeof(s));
	fixture(&b, "mountinfo.host");
	assert_int_equal(mountinfo_each(b.data, b.len, collect, &s, &bad), 0);
	assert_int_equal(bad, 0);
	assert_true(s.n > 10);
	assert_int_equal(s.on_proc, 1);
	buf_free(&b);
}

static void test_mountinfo_bad_lines(void **state)
{
	struct mountinfo_entry e;
	static const char *const bad[] = {
		"", "x 1 0:1 / / rw - proc proc rw", "1 2 0:1 / / rw proc proc rw",
		"1 2 01 / / rw - proc proc rw", "1 2 0:1 / /  rw - proc proc rw",
		"1 2 0:1 / / rw -", "99999999999 2 0:1 / / rw - proc proc rw",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(mountinfo_parse_line(bad[i], strlen(bad[i]), &e), -EINVAL);
}

static void test_mountinfo_path_is(void **state)
{
	(void)state;
	assert_true(mountinfo_path_is("/proc", 5, "/proc", false));
	assert_true(mountinfo_path_is("/proc/1", 7, "/proc", true));
	assert_false(mountinfo_path_is("/proc/1", 7, "/proc", false));
	assert_false(mountinfo_path_is("/procfs", 7, "/proc", true));
	assert_false(mountinfo_path_is("/pro", 4, "/proc", true));
	assert_true(mountinfo_path_is("/a\\040b", 7, "/a b", false));
	assert_false(mountinfo_path_is("/a\\04", 5, "/a b", false));
}

static void test_mountinfo_unescape_cut(void **state)
{
	char out[4];

	(void)state;
	assert_int_equal(mountinfo_unescape("/a\\040b\\134", 11, out, sizeof(out)), 5);
	assert_string_equal(out, "/a "); /* size - 1 bytes, cut */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mountinfo_hidden),
		cmocka_unit_test(test_mountinfo_optional_fields),
		cmocka_unit_test(test_mountinfo_host),
		cmocka_unit_test(test_mountinfo_bad_lines),
		cmocka_unit_test(test_mountinfo_path_is),
		cmocka_unit_test(test_mountinfo_unescape_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
