/* test_fsnotify: the inotify and fanotify fdinfo mark parser on real text (fixtures/proc/fdinfo.*). */
#include <errno.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "testutil.h"
#include "fsnotify.h"

struct got {
	struct fsnotify_mark m[8];
	size_t n;
};

static void keep(const struct fsnotify_mark *m, void *arg)
{
	struct got *g = arg;

	if (g->n < 8)
		g->m[g->n] = *m;
	g->n++;
}

static size_t marks(const char *name, struct got *g)
{
	struct buf b = BUF_INIT;
	size_t bad;

	fixture(&b, name);
	memset(g, 0, sizeof(*g));
	bad = fsnotify_parse_marks(b.data, b.len, keep, g);
	buf_free(&b);
	return bad;
}

/* sdev is the kernel's MAJOR << 20 | MINOR; st_dev is not (touch-devs.txt:
 * the disk 254:0 has st_dev 65024, tmpfs 0:27 has 27). */
static void test_fsnotify_dev_encoding(void **state)
{
	(void)state;
	assert_int_equal(fsnotify_dev(0xfe00000), 65024);
	assert_int_equal(fsnotify_dev(0xfe00000), makedev(254, 0));
	assert_int_equal(fsnotify_dev(0x1b), 27);
	/* A minor above 255 is where the two encodings differ for tmpfs. */
	assert_int_equal(fsnotify_dev(300), makedev(0, 300));
	assert_int_not_equal(fsnotify_dev(300), 300);
	assert_int_equal(fsnotify_dev(0x10300005), makedev(0x103, 5));
}

static void test_fsnotify_inotify(void **state)
{
	struct got g;

	(void)state;
	assert_int_equal(marks("fdinfo.inotify-watched", &g), 0);
	assert_int_equal(g.n, 1);
	assert_false(g.m[0].fanotify);
	assert_int_equal(g.m[0].on, FSNOTIFY_INODE);
	assert_int_equal(g.m[0].wd, 1);
	assert_int_equal(g.m[0].ino, 0x380);
	assert_int_equal(fsnotify_dev(g.m[0].sdev), 27);
	assert_int_equal(g.m[0].mask, 0x31);
	assert_int_equal(fsnotify_read_events(&g.m[0]), 0x31);
	assert_int_equal(fsnotify_permission_events(&g.m[0]), 0);
	/* Two directory watches: one excludes unlinked children. */
	assert_int_equal(marks("fdinfo.inotify-dirs", &g), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.m[0].wd, 2);
	assert_int_equal(g.m[0].mask, 0x30);
	assert_true(fsnotify_sees_unlinked_children(&g.m[0]));
	assert_int_equal(g.m[1].ino, 0xa80059);
	assert_int_equal(fsnotify_dev(g.m[1].sdev), 65024);
	assert_int_equal(g.m[1].mask, 0x4000021);
	assert_false(fsnotify_sees_unlinked_children(&g.m[1]));
	assert_int_equal(fsnotify_read_events(&g.m[1]), 0x21);
	/* The older fixture: watches for modify/create only see no read. */
	assert_int_equal(marks("fdinfo.inotify", &g), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(fsnotify_read_events(&g.m[0]), 0);
	assert_int_equal(fsnotify_read_events(&g.m[1]), 0);
}

static void test_fsnotify_fanotify(void **state)
{
	struct got g;

	(void)state;
	/* The holder's group: file system, mount and inode marks. */
	assert_int_equal(marks("fdinfo.fanotify", &g), 0);
	assert_int_equal(g.n, 3);
	assert_true(g.m[0].fanotify);
	assert_int_equal(g.m[0].on, FSNOTIFY_FS);
	assert_int_equal(fsnotify_dev(g.m[0].sdev), 65024);
	assert_int_equal(g.m[0].mask, 0x8);
	assert_int_equal(fsnotify_read_events(&g.m[0]), 0); /* close_write only */
	assert_int_equal(g.m[1].on, FSNOTIFY_MOUNT);
	assert_int_equal(g.m[1].mnt_id, 27); /* hex 1b: mountinfo's 27 */
	assert_int_equal(fsnotify_read_events(&g.m[1]), 0x20);
	assert_int_equal(g.m[2].on, FSNOTIFY_INODE);
	assert_int_equal(g.m[2].ino, 0xa8005e);
	assert_int_equal(g.m[2].mask, 0x31);
	assert_false(fsnotify_sees_unlinked_children(&g.m[2])); /* no event_on_child */
	/* A permission event, and an ignored mask that takes access away. */
	assert_int_equal(marks("fdinfo.fanotify-tmpfs", &g), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.m[1].ino, 0x381);
	assert_int_equal(g.m[1].mask, 0x10001);
	assert_int_equal(g.m[1].ignored_mask, 1);
	assert_int_equal(fsnotify_read_events(&g.m[1]), 0x10000);
	assert_int_equal(fsnotify_permission_events(&g.m[1]), 0x10000);
	/* A mount namespace mark: the namespace inode, in decimal. */
	assert_int_equal(marks("fdinfo.fanotify-mntns", &g), 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.m[0].on, FSNOTIFY_MNTNS);
	assert_int_equal(g.m[0].mnt_ns, 4026531832ull);
	assert_int_equal(fsnotify_read_events(&g.m[0]), 0);
}

static void test_fsnotify_not_marks(void **state)
{
	static const char *const bad[] = {
		"inotify wd:1 ino:zz sdev:1b mask:31 ignored_mask:0",
		"inotify wd:1 ino:380 sdev:1b mask:31",
		"fanotify ino:381 sdev:1b mflags:0 mask:10001",
		"fanotify mnt_id:1b mask:20 ignored_mask:0",
		"fanotify sdev:fffffffff mflags:0 mask:8 ignored_mask:0",
	};
	struct fsnotify_mark m;
	size_t i;
	struct got g;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(fsnotify_parse_mark(bad[i], strlen(bad[i]), &m), -EINVAL);
	assert_int_equal(fsnotify_parse_mark("fanotify flags:3 event-flags:8000", 33, &m), -ENOENT);
	assert_int_equal(fsnotify_parse_mark("pos:\t0", 6, &m), -ENOENT);
	/* Other fdinfo: no marks, nothing bad. */
	assert_int_equal(marks("fdinfo.eventfd", &g), 0);
	assert_int_equal(g.n, 0);
}

struct names {
	char s[256];
};

static void cat(const char *name, void *arg)
{
	struct names *n = arg;

	strcat(n->s, name);
	strcat(n->s, ",");
}

static void test_fsnotify_mask_names(void **state)
{
	struct names n = { "" };

	(void)state;
	fsnotify_mask_names(false, 0x4000031, cat, &n);
	assert_string_equal(n.s, "access,close_nowrite,open,excl_unlink,");
	n.s[0] = '\0';
	fsnotify_mask_names(true, 0x8110001, cat, &n);
	assert_string_equal(n.s, "access,open_perm,pre_access,event_on_child,");
	n.s[0] = '\0';
	fsnotify_mask_names(false, 0x1000, cat, &n);
	assert_string_equal(n.s, "0x1000,");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fsnotify_dev_encoding),
		cmocka_unit_test(test_fsnotify_inotify),
		cmocka_unit_test(test_fsnotify_fanotify),
		cmocka_unit_test(test_fsnotify_not_marks),
		cmocka_unit_test(test_fsnotify_mask_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
