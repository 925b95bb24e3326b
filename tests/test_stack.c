/* test_stack: stacking — shapes, bounded details and host lists, hosts counted once, unreadable snapshots named. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../src/model/stack_int.h"
#include "stack.h"
#include "testutil.h"

#define FIX "../fixtures/hostile/"

static void shape_is(const char *in, const char *want)
{
	struct buf b = BUF_INIT;

	assert_int_equal(stack_shape(&b, in, strlen(in)), 0);
	assert_int_equal(b.len, strlen(want));
	if (b.len)
		assert_memory_equal(b.data, want, b.len);
	buf_free(&b);
}

static void test_stack_shape(void **state)
{
	(void)state;
	shape_is("kworker/0:1H", "kworker/#:#H");
	shape_is("python3.11", "python#.#");
	shape_is("sleep", "sleep");
	shape_is("4444", "#");
	shape_is("550e8400-e29b-41d4-a716-446655440000", "#-#-#-#-#");
	/* A container id (hex) and mktemp's words (mixed case and digits). */
	shape_is("/sys/fs/cgroup/0123456789abcdef", "/sys/fs/cgroup/#");
	shape_is("/tmp/tmp.Qx7bK2", "/tmp/tmp.#");
	/* Words that are not numbers keep their letters. */
	shape_is("sha256sum", "sha#sum");
	shape_is("cc1", "cc#");
	shape_is("x86_64-linux-gnu", "x#_#-linux-gnu");
	shape_is("beef", "beef");
	shape_is("", "");
	/* Bytes that are not ASCII letters or digits pass through. */
	shape_is("a\xff" "1\n", "a\xff#\n");
}

static void test_stack_kinds(void **state)
{
	int k;

	(void)state;
	for (k = 0; k < STACK_NKINDS; k++)
		assert_int_equal(stack_kind_parse(stack_kind_name(k)), k);
	assert_int_equal(stack_kind_parse("exes"), -1);
	assert_string_equal(stack_kind_name(STACK_LISTEN), "listen");
}

/* Details keep the STACK_SET_MAX smallest, whatever the order they come
 * in; hosts are counted each time and the first listed ascending. */
static void test_stack_entry_bounds(void **state)
{
	struct strmap local = STRMAP_INIT, totals = STRMAP_INIT;
	struct buf key = BUF_INIT;
	struct stack_bytes part = { "/usr/bin/x", 10 };
	struct stack_entry *e, *t;
	char v[16];
	int i;

	(void)state;
	e = stack_entry_get(&local, &key, STACK_EXE, STACK_BY_PATH, &part, 1);
	assert_non_null(e);
	assert_ptr_equal(stack_entry_get(&local, &key, STACK_EXE, STACK_BY_PATH, &part, 1), e);
	/* Another flag, another key. */
	assert_ptr_not_equal(stack_entry_get(&local, &key, STACK_EXE, 0, &part, 1), e);
	for (i = 20; i >= 0; i--) {
		snprintf(v, sizeof(v), "n%02d", i);
		assert_int_equal(stack_entry_detail(e, 1, v, strlen(v)), 0);
		assert_int_equal(stack_entry_detail(e, 1, v, strlen(v)), 0);
	}
	assert_int_equal(e->r.set[1].n, STACK_SET_MAX);
	assert_true(e->r.set[1].more);
	assert_string_equal(e->r.set[1].v[0].p, "n00");
	assert_string_equal(e->r.set[1].v[STACK_SET_MAX - 1].p, "n07");
	assert_int_equal(e->r.set[0].n, 0);
	assert_false(e->r.set[0].more);

	for (i = 9; i >= 0; i--)
		assert_int_equal(stack_entry_merge(&totals, &key, e, (uint32_t)(i * 3), 4), 0);
	t = stack_entry_get(&totals, &key, STACK_EXE, STACK_BY_PATH, &part, 1);
	assert_non_null(t);
	assert_int_equal(t->r.hosts, 10);
	assert_int_equal(t->r.listed, 4);
	assert_int_equal(t->r.host[0], 0);
	assert_int_equal(t->r.host[3], 9);
	assert_int_equal(t->r.set[1].n, STACK_SET_MAX);
	assert_true(t->r.set[1].more);
	strmap_free(&local, stack_entry_free);
	strmap_free(&totals, stack_entry_free);
	buf_free(&key);
}

static struct stack *run(const char *const *paths, size_t n, const struct stack_opts *o)
{
	struct stack *s = NULL;
	size_t i;

	assert_int_equal(stack_new(&s, o), 0);
	for (i = 0; i < n; i++)
		if (stack_add(s, paths[i]))
			fail_msg("%s: %s", paths[i], stack_error(s));
	if (stack_run(s))
		fail_msg("stack_run: %s", stack_error(s));
	return s;
}

static const struct stack_record *find(const struct stack *s, enum stack_kind kind,
				       const char *part0)
{
	const struct stack_record *r;
	size_t n = stack_records(s, &r), i;

	for (i = 0; i < n; i++)
		if (r[i].kind == kind && strcmp(r[i].part[0].p, part0) == 0)
			return &r[i];
	return NULL;
}

/* The same host's snapshots (gzip, plain, zstd: one host, one boot) count
 * once; what the fixture holds comes out, the deleted executable by its
 * recovered content's hash, the others by path. */
static void test_stack_same_host_once(void **state)
{
	static const char *const paths[] = { FIX "base.tar.gz", FIX "base.tar", FIX "base.tar.zst" };
	struct stack_opts o = { .threads = 2 };
	const struct stack_record *r, *exe;
	const struct stack_host *h;
	const struct stack_snap *v;
	struct stack *s;
	size_t n, i;

	(void)state;
	s = run(paths, 3, &o);
	assert_int_equal(stack_hosts(s, &h), 1);
	assert_int_equal(h[0].snapshots, 3);
	assert_int_equal(h[0].processes, 6);
	assert_int_equal(stack_snapshots(s, &v), 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(v[i].err, 0);
		assert_true(v[i].complete);
		assert_int_equal(v[i].host, 0);
	}
	n = stack_records(s, &r);
	assert_true(n >= 6);
	for (i = 0; i < n; i++) {
		assert_int_equal(r[i].hosts, 1);
		assert_int_equal(r[i].listed, 1);
		if (i)
			assert_true(r[i - 1].kind <= r[i].kind);
	}
	exe = find(s, STACK_EXE, "4add4bb89d8ca0e3b1bd861130ddd7ae0fd9617a8055de0a38c8d2ca1ac95723");
	assert_non_null(exe);
	assert_int_equal(exe->flags & STACK_BY_PATH, 0);
	assert_string_equal(exe->set[0].v[0].p, "/tmp/hbase/sleeper (deleted)");
	assert_string_equal(exe->set[1].v[0].p, "sleeper");
	/* The library the process maps, not its own executable. */
	assert_non_null(find(s, STACK_LIBRARY, "/usr/lib/x86_64-linux-gnu/libc.so.6"));
	assert_null(find(s, STACK_LIBRARY, "/tmp/hbase/sleeper (deleted)"));
	assert_non_null(find(s, STACK_USER, "0"));
	assert_int_equal(find(s, STACK_USER, "0")->flags, STACK_BY_UID);
	stack_free(s);
}

/* --by: only the kinds asked for are read and counted. */
static void test_stack_kinds_chosen(void **state)
{
	static const char *const paths[] = { FIX "base.tar.gz" };
	struct stack_opts o = { .kinds = 1u << STACK_USER, .threads = 1 };
	const struct stack_record *r;
	struct stack *s;

	(void)state;
	s = run(paths, 1, &o);
	assert_int_equal(stack_records(s, &r), 1);
	assert_int_equal(r[0].kind, STACK_USER);
	stack_free(s);
}

/* A snapshot that cannot be read, or not to its end, is named with why;
 * the others still count. */
static void test_stack_unreadable_named(void **state)
{
	static const char *const paths[] = { FIX "not-tar.tar.gz", FIX "base.tar.gz",
					     FIX "trunc-member.tar.gz" };
	const struct stack_snap *v;
	const struct stack_host *h;
	struct stack *s;

	(void)state;
	s = run(paths, 3, NULL);
	assert_int_equal(stack_snapshots(s, &v), 3);
	assert_int_equal(v[0].err, -EBADMSG);
	assert_int_equal(v[0].host, SIZE_MAX);
	assert_non_null(strstr(v[0].error, "not a snapshot archive"));
	assert_int_equal(v[1].err, 0);
	assert_true(v[2].err < 0);
	assert_false(v[2].complete);
	assert_non_null(strstr(v[2].error, "truncated"));
	assert_int_equal(stack_hosts(s, &h), 1);
	assert_int_equal(h[0].snapshots, 2);
	stack_free(s);
}

static void test_stack_inputs(void **state)
{
	char dir[] = "/tmp/test_stack.XXXXXX", file[64];
	struct stack *s = NULL;
	const struct stack_snap *v;
	FILE *f;

	(void)state;
	assert_int_equal(stack_new(&s, NULL), 0);
	assert_int_equal(stack_add(s, "/nonexistent/stack"), -ENOENT);
	assert_non_null(strstr(stack_error(s), "/nonexistent/stack"));
	assert_non_null(mkdtemp(dir));
	assert_int_equal(stack_add(s, dir), -ENOENT);
	assert_non_null(strstr(stack_error(s), "no snapshots in it"));
	/* Only archive names are taken from a directory, in name order. */
	snprintf(file, sizeof(file), "%s/b.tar.gz", dir);
	assert_non_null(f = fopen(file, "w"));
	fclose(f);
	snprintf(file, sizeof(file), "%s/a.tar", dir);
	assert_non_null(f = fopen(file, "w"));
	fclose(f);
	snprintf(file, sizeof(file), "%s/notes.txt", dir);
	assert_non_null(f = fopen(file, "w"));
	fclose(f);
	assert_int_equal(stack_add(s, dir), 0);
	assert_int_equal(stack_run(s), 0);
	assert_int_equal(stack_snapshots(s, &v), 2);
	assert_non_null(strstr(v[0].path, "/a.tar"));
	assert_non_null(strstr(v[1].path, "/b.tar.gz"));
	assert_true(v[0].err < 0 && v[1].err < 0);
	stack_free(s);
	snprintf(file, sizeof(file), "%s/a.tar", dir);
	unlink(file);
	snprintf(file, sizeof(file), "%s/b.tar.gz", dir);
	unlink(file);
	snprintf(file, sizeof(file), "%s/notes.txt", dir);
	unlink(file);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stack_shape),
		cmocka_unit_test(test_stack_kinds),
		cmocka_unit_test(test_stack_entry_bounds),
		cmocka_unit_test(test_stack_same_host_once),
		cmocka_unit_test(test_stack_kinds_chosen),
		cmocka_unit_test(test_stack_unreadable_named),
		cmocka_unit_test(test_stack_inputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
