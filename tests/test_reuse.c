/* test_reuse: content a series' earlier round stored — offered, found, sent and loaded. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "reuse.h"

/* A whole copy of n bytes, as content_capture reports one. */
static struct content_result whole(uint64_t n, const char *sha)
{
	struct content_result r = { .status = CONTENT_CAPTURED, .size = n, .stored = n,
				    .read = n, .data = n, .regions = 1 };

	snprintf(r.sha256, sizeof(r.sha256), "%s", sha);
	return r;
}

#define SHA "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

struct fx {
	char dir[64];
	char path[96];
	int fd, pin;
	struct stat st;
};

/* A file of 5 bytes on a disk file system (not tmpfs), pinned O_PATH. */
static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct statfs sf;

	snprintf(f->dir, sizeof(f->dir), "/var/tmp/test_reuse.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/f", f->dir);
	f->fd = open(f->path, O_RDWR | O_CREAT, 0600);
	if (f->fd < 0 || write(f->fd, "hello", 5) != 5)
		return -1;
	f->pin = open(f->path, O_PATH);
	fstat(f->fd, &f->st);
	*state = f;
	if (fstatfs(f->fd, &sf) == 0 && (unsigned long)sf.f_type == 0x01021994UL)
		f->pin = -2; /* /var/tmp on tmpfs: nothing is offered there */
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	close(f->fd);
	if (f->pin >= 0)
		close(f->pin);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* A time long after the file's mtime: the file was quiet before the read. */
static struct timespec later(const struct stat *st, long secs)
{
	struct timespec t = st->st_mtim;

	t.tv_sec += secs;
	return t;
}

/* Offered once quiet, sent, loaded by the series, found by the next round. */
static void test_reuse_round_trip(void **state)
{
	struct fx *f = *state;
	struct reuse *r = NULL, *series = NULL;
	const struct reuse_entry *e;
	struct timespec t = later(&f->st, 5);
	struct content_result res = whole(5, SHA);
	char text[512];
	uint64_t files, bytes;
	int p[2];
	ssize_t n;

	if (f->pin == -2)
		skip();
	assert_int_equal(reuse_new(&r), 0);
	assert_int_equal(reuse_new(&series), 0);
	assert_null(reuse_find(r, f->pin, &f->st));
	assert_int_equal(reuse_offer(r, f->pin, &f->st, &t, "content/1-2", &res), 0);
	/* Pending: not found before the round's archive is complete. */
	assert_null(reuse_find(r, f->pin, &f->st));
	assert_int_equal(pipe(p), 0);
	assert_int_equal(reuse_send(r, p[1]), 0);
	close(p[1]);
	n = read(p[0], text, sizeof(text));
	close(p[0]);
	assert_true(n > 0);
	assert_int_equal(reuse_load(series, text, (size_t)n, "a-000001.tar.gz", "a-000001"), 0);
	assert_int_equal(reuse_count(series), 1);
	e = reuse_find(series, f->pin, &f->st);
	assert_non_null(e);
	assert_string_equal(e->sha256, SHA);
	assert_string_equal(e->archive, "a-000001.tar.gz");
	assert_string_equal(e->top, "a-000001");
	/* The member is made again from numbers, not taken from the line. */
	assert_non_null(strstr(e->member, "content/"));
	assert_int_equal(e->size, 5);
	reuse_hits(series, &files, &bytes);
	assert_int_equal(files, 1);
	assert_int_equal(bytes, 5);
	reuse_free(r);
	reuse_free(series);
}

/* A file written within a second of the read is not offered; one that
 * changed since (size, mtime, ctime) is not found. */
static void test_reuse_only_what_can_be_trusted(void **state)
{
	struct fx *f = *state;
	struct reuse *r = NULL;
	struct timespec soon = later(&f->st, 0), t = later(&f->st, 5);
	char line[256];
	struct stat st = f->st;
	struct content_result res = whole(5, SHA), bad = whole(5, "abc");
	int p[2];

	if (f->pin == -2)
		skip();
	assert_int_equal(reuse_new(&r), 0);
	assert_int_equal(reuse_offer(r, f->pin, &st, &soon, "content/1-2", &res), 0);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(reuse_send(r, p[1]), 0);
	close(p[1]);
	assert_int_equal(read(p[0], line, sizeof(line)), 0);
	close(p[0]);
	/* Quiet, but not a hash: not offered either. */
	assert_int_equal(reuse_offer(r, f->pin, &st, &t, "content/1-2", &bad), 0);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(reuse_send(r, p[1]), 0);
	close(p[1]);
	assert_int_equal(read(p[0], line, sizeof(line)), 0);
	close(p[0]);
	snprintf(line, sizeof(line), "%llu %llu 5 %lld %ld %lld %ld 5 5 1 0 0 " SHA "\n",
		 (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
		 (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, (long long)st.st_ctim.tv_sec,
		 st.st_ctim.tv_nsec);
	assert_int_equal(reuse_load(r, line, strlen(line), "a.tar.gz", "a"), 0);
	assert_non_null(reuse_find(r, f->pin, &st));
	st.st_size = 6;
	assert_null(reuse_find(r, f->pin, &st));
	st = f->st;
	st.st_mtim.tv_nsec ^= 1;
	assert_null(reuse_find(r, f->pin, &st));
	st = f->st;
	st.st_ctim.tv_sec += 1;
	assert_null(reuse_find(r, f->pin, &st));
	reuse_free(r);
}

/* A memfd (shmem: a write through a mapping leaves mtime be) is never
 * offered nor found. */
static void test_reuse_never_shmem(void **state)
{
	struct reuse *r = NULL;
	struct stat st;
	struct timespec t;
	char line[256];
	struct content_result res = whole(3, SHA);
	int m = memfd_create("x", 0);

	(void)state;
	assert_true(m >= 0);
	assert_int_equal(write(m, "abc", 3), 3);
	fstat(m, &st);
	t = st.st_mtim;
	t.tv_sec += 5;
	assert_int_equal(reuse_new(&r), 0);
	assert_int_equal(reuse_offer(r, m, &st, &t, "content/1-2", &res), 0);
	snprintf(line, sizeof(line), "%llu %llu 3 %lld %ld %lld %ld 3 3 1 0 0 " SHA "\n",
		 (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
		 (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, (long long)st.st_ctim.tv_sec,
		 st.st_ctim.tv_nsec);
	assert_int_equal(reuse_load(r, line, strlen(line), "a.tar.gz", "a"), 0);
	assert_null(reuse_find(r, m, &st));
	close(m);
	reuse_free(r);
}

/* What the series reads back is checked: a line it does not understand
 * is refused. */
static void test_reuse_bad_lines(void **state)
{
	static const char *const bad[] = {
		"1 2 3 4 5 6 7 8 9 1 0 0 " SHA,                   /* no newline */
		"1 2 3 4 5 6 7 8 9 1 0 0\n",                      /* no hash */
		"1 2 3 4 5 6 7 8 9 1 0 0 xyz\n",                  /* not hex */
		"1 2 3 4 5 6 7 8 9 1 0 2 " SHA "\n",              /* sparse 2 */
		"1 2 3 4 1000000000 6 7 8 9 1 0 0 " SHA "\n",     /* nanoseconds */
		"1 2 3 4 5 6 7 8 9 1 0 0 " SHA " more\n",
		"1 2 3 4 5 6 7 8 9 0 " SHA "\n",                  /* the old line */
	};
	struct reuse *r = NULL;
	size_t i;

	(void)state;
	assert_int_equal(reuse_new(&r), 0);
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(reuse_load(r, bad[i], strlen(bad[i]), "a", "a"), -EBADMSG);
	assert_int_equal(reuse_count(r), 0);
	assert_int_equal(reuse_load(r, "", 0, "a", "a"), 0);
	reuse_free(r);
	/* NULL tables: a capture without a series. */
	assert_null(reuse_find(NULL, -1, &(struct stat){ .st_mode = S_IFREG }));
	reuse_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reuse_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reuse_only_what_can_be_trusted, setup, teardown),
		cmocka_unit_test(test_reuse_never_shmem),
		cmocka_unit_test(test_reuse_bad_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
