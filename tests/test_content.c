/* test_content: recovering pinned files — holes, limits, shrinking, non-files. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive_util.h"
#include "content.h"
#include "digest.h"

struct fx {
	char dir[64];
	int out;              /* memfd the archive goes to */
	struct snapwriter *w;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_content.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->out = memfd_create("out", 0);
	assert_int_equal(snapwriter_open(&f->w, f->out, SNAP_COMPRESS_NONE, "T", 0), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	snapwriter_free(f->w);
	close(f->out);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* Makes a deleted file of the given layout and pins it with O_PATH. */
static int pinned_deleted(struct fx *f, const char *data, size_t n, off_t size,
			  struct stat *st)
{
	char path[128];
	int fd, pin;

	snprintf(path, sizeof(path), "%s/victim", f->dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, data, n, 0), (ssize_t)n);
	assert_int_equal(ftruncate(fd, size), 0);
	pin = open(path, O_PATH);
	assert_true(pin >= 0);
	assert_int_equal(unlink(path), 0);
	close(fd);
	assert_int_equal(fstat(pin, st), 0);
	assert_int_equal(st->st_nlink, 0);
	return pin;
}

static void test_content_captured_and_hashed(void **state)
{
	struct fx *f = *state;
	struct content_result r;
	struct stat st;
	char want[DIGEST_HEX_LEN + 1];
	int pin = pinned_deleted(f, "evidence", 8, 8, &st);

	assert_int_equal(content_capture(f->w, pin, &st, 1 << 20, "content/1", NULL, &r), 0);
	digest_buffer("evidence", 8, want);
	assert_int_equal(r.status, CONTENT_CAPTURED);
	assert_string_equal(r.sha256, want);
	assert_int_equal(r.stored, 8);
	assert_int_equal(r.read, 8);
	assert_false(r.sparse);
	close(pin);
}

static void test_content_sparse_keeps_holes(void **state)
{
	struct fx *f = *state;
	struct content_result r;
	struct stat st;
	int pin = pinned_deleted(f, "head", 4, (off_t)1 << 30, &st);
	struct member m[4];
	size_t n;

	assert_int_equal(content_capture(f->w, pin, &st, (uint64_t)4 << 30, "content/2", NULL, &r), 0);
	assert_int_equal(r.status, CONTENT_CAPTURED);
	assert_true(r.sparse);
	assert_int_equal(r.stored, (uint64_t)1 << 30);
	assert_true(r.data < (1 << 20));
	assert_int_equal(snapwriter_finish(f->w), 0);
	/* 1 GiB logical, a few KiB stored. */
	assert_true(lseek(f->out, 0, SEEK_END) < (1 << 20));
	n = read_members(f->out, m, 4);
	assert_int_equal(n, 2);
	assert_true(m[0].sparse_regions >= 1);
	assert_int_equal(m[0].data.len, (size_t)1 << 30);
	assert_memory_equal(m[0].data.data, "head", 4);
	free_members(m, n);
	close(pin);
}

/* More than 1,024 data regions: the smallest holes are filled (stored as
 * the zeros read there), the bytes stay exact, the record says so. */
static void test_content_many_regions(void **state)
{
	struct fx *f = *state;
	struct content_result r;
	struct stat st;
	char path[128], block[4096];
	struct member m[4];
	uint64_t off = 0, want_data = 0;
	size_t n, i;
	int fd, pin;

	snprintf(path, sizeof(path), "%s/fragmented", f->dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	/* 1,100 blocks; the holes after them 4 KiB, 8 KiB, ... 20 KiB. */
	for (i = 0; i < 1100; i++) {
		memset(block, (int)('A' + i % 26), sizeof(block));
		assert_int_equal(pwrite(fd, block, sizeof(block), (off_t)off), (ssize_t)sizeof(block));
		want_data += sizeof(block);
		off += sizeof(block) + 4096 * (1 + i % 5);
	}
	assert_int_equal(ftruncate(fd, (off_t)off), 0);
	assert_int_equal(fsync(fd), 0);
	pin = open(path, O_PATH);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(fstat(pin, &st), 0);
	assert_int_equal(content_capture(f->w, pin, &st, (uint64_t)1 << 30, "content/8", NULL, &r), 0);
	assert_int_equal(r.status, CONTENT_CAPTURED);
	assert_int_equal(r.regions, 1100);
	assert_int_equal(r.data, want_data);
	assert_true(r.holes_filled > 0);
	/* Only the smallest holes (4 KiB) need go: 1,100 - 1,024 of them. */
	assert_true(r.holes_filled >= (1100 - 1024) * 4096);
	assert_true(r.holes_filled <= 220 * 4096);
	assert_true(r.sparse);
	assert_int_equal(r.read, r.data + r.holes_filled);
	assert_int_equal(snapwriter_finish(f->w), 0);
	n = read_members(f->out, m, 4);
	assert_int_equal(n, 2);
	assert_true(m[0].sparse_regions <= 1024);
	assert_int_equal(m[0].data.len, off);
	for (i = 0, off = 0; i < 1100; i++) {
		assert_int_equal(m[0].data.data[off], 'A' + i % 26);
		assert_int_equal(m[0].data.data[off + 4095], 'A' + i % 26);
		assert_int_equal(m[0].data.data[off + 4096], 0);
		off += 4096 + 4096 * (1 + i % 5);
	}
	free_members(m, n);
	close(fd);
	close(pin);
}

static void test_content_truncated_at_limit(void **state)
{
	struct fx *f = *state;
	struct content_result r;
	struct stat st;
	char want[DIGEST_HEX_LEN + 1];
	int pin = pinned_deleted(f, "0123456789", 10, 10, &st);

	assert_int_equal(content_capture(f->w, pin, &st, 4, "content/3", NULL, &r), 0);
	digest_buffer("0123", 4, want);
	assert_int_equal(r.status, CONTENT_TRUNCATED);
	assert_int_equal(r.stored, 4);
	assert_int_equal(r.size, 10);
	assert_string_equal(r.sha256, want);
	close(pin);
}

/* The pinned size says 16 bytes but only 8 remain: zeros, marked shrunk. */
static void test_content_shrunk_padded(void **state)
{
	struct fx *f = *state;
	struct content_result r;
	struct stat st;
	char want[DIGEST_HEX_LEN + 1];
	char padded[16] = "evidence";
	int pin = pinned_deleted(f, "evidence", 8, 8, &st);

	st.st_size = 16;
	assert_int_equal(content_capture(f->w, pin, &st, 1 << 20, "content/4", NULL, &r), 0);
	digest_buffer(padded, 16, want);
	assert_int_equal(r.status, CONTENT_SHRUNK);
	assert_int_equal(r.read, 8);
	assert_int_equal(r.stored, 16);
	assert_string_equal(r.sha256, want);
	assert_true(r.changed);
	close(pin);
}

/* A FIFO is never opened for reading: it would block or eat data. */
static void test_content_never_reads_non_files(void **state)
{
	struct fx *f = *state;
	struct content_result r;
	struct stat st;
	char path[128];
	int pin;

	snprintf(path, sizeof(path), "%s/fifo", f->dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	pin = open(path, O_PATH);
	assert_true(pin >= 0);
	assert_int_equal(fstat(pin, &st), 0);
	assert_int_equal(content_capture(f->w, pin, &st, 1 << 20, "content/5", NULL, &r), 0);
	assert_int_equal(r.status, CONTENT_SKIPPED);
	assert_string_equal(r.why, "not a regular file");
	close(pin);
}

/* A guard that says what it is told to, and counts the times it is asked. */
struct ask {
	enum content_gate say;
	int asked;
};

static enum content_gate gate(void *arg, const struct stat *st, struct content_result *res)
{
	struct ask *a = arg;

	(void)st;
	a->asked++;
	if (a->say == CONTENT_GATE_REFUSE) {
		res->status = CONTENT_SKIPPED;
		res->why = "refused";
	}
	return a->say;
}

/* The events an inotify watch of the pinned file got (and empties it). */
static int opens_seen(int in)
{
	char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n = read(in, ev, sizeof(ev));
	int opens = 0;
	size_t off = 0;

	while (n > 0 && off < (size_t)n) {
		const struct inotify_event *e = (const void *)(ev + off);

		opens += (e->mask & IN_OPEN) != 0;
		off += sizeof(*e) + e->len;
	}
	return opens;
}

/* The guard is asked before the file is opened, for its bytes and for its
 * seals; when it refuses, an inotify watcher of the file sees nothing. */
static void test_content_guard_before_open(void **state)
{
	struct fx *f = *state;
	struct content_result r;
	struct stat st;
	struct ask a = { CONTENT_GATE_REFUSE, 0 };
	struct content_guard g = { gate, &a };
	char path[64];
	bool opened = true;
	int pin = pinned_deleted(f, "evidence", 8, 8, &st), in, seals;

	in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", pin);
	assert_true(inotify_add_watch(in, path, IN_OPEN | IN_ACCESS | IN_CLOSE_NOWRITE) >= 0);
	assert_int_equal(content_capture(f->w, pin, &st, 1 << 20, "content/6", &g, &r), 0);
	assert_int_equal(a.asked, 1);
	assert_int_equal(r.status, CONTENT_SKIPPED);
	assert_string_equal(r.why, "refused");
	assert_false(r.opened);
	assert_string_equal(r.sha256, ""); /* no member */
	assert_int_equal(content_seals(pin, &st, &g, &seals, &opened), -ECANCELED);
	assert_false(opened);
	assert_int_equal(opens_seen(in), 0);
	/* Allowed: opened once, and seen. */
	a.say = CONTENT_GATE_OPEN;
	assert_int_equal(content_capture(f->w, pin, &st, 1 << 20, "content/7", &g, &r), 0);
	assert_int_equal(r.status, CONTENT_CAPTURED);
	assert_true(r.opened);
	assert_int_equal(opens_seen(in), 1);
	close(in);
	close(pin);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_content_captured_and_hashed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_content_sparse_keeps_holes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_content_many_regions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_content_truncated_at_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_content_shrunk_padded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_content_never_reads_non_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_content_guard_before_open, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
