/* test_snapreader: the streaming reader over real captures and every hostile fixture. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "snapreader.h"
#include "testutil.h"

#define FIX "../fixtures/hostile/"
/* The two processes of base.tar.gz (see tests/make_hostile.py). */
#define PID1 18303
#define PID2 18304

static struct snapreader *open_ok(const char *path, const struct snapreader_opts *o)
{
	struct snapreader *r = NULL;
	int x = snapreader_open(&r, path, o);

	if (x)
		fail_msg("%s: %d %s", path, x, snapreader_error(r));
	return r;
}

static void test_snapreader_classify(void **state)
{
	static const struct {
		const char *name;
		enum snap_kind kind;
		int pid;
	} names[] = {
		{ "format.json", SNAP_M_FORMAT, 0 },
		{ "host.json", SNAP_M_HOST, 0 },
		{ "summary.json", SNAP_M_SUMMARY, 0 },
		{ "MANIFEST.sha256", SNAP_M_MANIFEST, 0 },
		{ "host/net/tcp6", SNAP_M_NET, 0 },
		{ "host/net/TCP", SNAP_M_UNKNOWN, 0 },
		{ "host/net/", SNAP_M_UNKNOWN, 0 },
		{ "host/net/4026532177/tcp", SNAP_M_NET, 0 },
		{ "host/net/4026532177/", SNAP_M_UNKNOWN, 0 },
		{ "host/net/0/tcp", SNAP_M_UNKNOWN, 0 },
		{ "host/net/12/x/tcp", SNAP_M_UNKNOWN, 0 },
		{ "host/mnt/4026531841/mountinfo", SNAP_M_MOUNTS, 0 },
		{ "host/mnt/4026531841/mounts", SNAP_M_UNKNOWN, 0 },
		{ "host/mnt/x/mountinfo", SNAP_M_UNKNOWN, 0 },
		{ "host/etc/ld.so.preload", SNAP_M_HOSTFILE, 0 },
		{ "host/proc/sys/kernel/tainted", SNAP_M_HOSTFILE, 0 },
		{ "host/proc/mounts", SNAP_M_HOSTFILE, 0 },
		{ "host/etc/", SNAP_M_UNKNOWN, 0 },
		{ "host/etc/a//b", SNAP_M_UNKNOWN, 0 },
		{ "host/etc/../host.json", SNAP_M_UNKNOWN, 0 },
		{ "host/proc/./mounts", SNAP_M_UNKNOWN, 0 },
		{ "host/proc/mounts/", SNAP_M_UNKNOWN, 0 },
		{ "host/etc/pass wd", SNAP_M_UNKNOWN, 0 },
		{ "host/usr/lib/x.so", SNAP_M_UNKNOWN, 0 },
		{ "proc/1/stat", SNAP_M_RAW, 1 },
		{ "proc/42/fds.jsonl", SNAP_M_FDS, 42 },
		{ "proc/2147483647/process.json", SNAP_M_PROCESS, 2147483647 },
		{ "proc/2147483648/process.json", SNAP_M_UNKNOWN, 0 },
		{ "proc/0/stat", SNAP_M_UNKNOWN, 0 },
		{ "proc/7/auxv", SNAP_M_RAW, 7 },
		{ "proc/7/mem/7f0000001000-7f0000003000", SNAP_M_MEMORY, 7 },
		{ "proc/7/mem/0-1000", SNAP_M_MEMORY, 7 },
		{ "proc/7/mem/ffffffffffffe000-ffffffffffffffff", SNAP_M_MEMORY, 7 },
		/* As procsnap prints them only: lowercase, no leading zero,
		 * at most 16 digits, start below end, nothing else. */
		{ "proc/7/mem/7F0000001000-7f0000003000", SNAP_M_UNKNOWN, 0 },
		{ "proc/7/mem/07f0000001000-7f0000003000", SNAP_M_UNKNOWN, 0 },
		{ "proc/7/mem/10000000000000000-10000000000000001", SNAP_M_UNKNOWN, 0 },
		{ "proc/7/mem/2000-1000", SNAP_M_UNKNOWN, 0 },
		{ "proc/7/mem/1000-1000", SNAP_M_UNKNOWN, 0 },
		{ "proc/7/mem/1000-", SNAP_M_UNKNOWN, 0 },
		{ "proc/7/mem/1000-2000/x", SNAP_M_UNKNOWN, 0 },
		{ "proc/7/mem/0x1000-0x2000", SNAP_M_UNKNOWN, 0 },
		{ "proc/7/mem", SNAP_M_UNKNOWN, 0 },
		{ "proc/01/stat", SNAP_M_UNKNOWN, 0 },
		{ "proc/1/limits", SNAP_M_UNKNOWN, 0 },
		{ "proc/1/stat/x", SNAP_M_UNKNOWN, 0 },
		{ "proc/1", SNAP_M_UNKNOWN, 0 },
		{ "content/0-18446744073709551615", SNAP_M_CONTENT, 0 },
		{ "content/1-18446744073709551616", SNAP_M_UNKNOWN, 0 },
		{ "content/1-", SNAP_M_UNKNOWN, 0 },
		{ "content/1-2-3", SNAP_M_UNKNOWN, 0 },
		{ "content/../1-2", SNAP_M_UNKNOWN, 0 },
		{ "MANIFEST.sha256.partial", SNAP_M_UNKNOWN, 0 },
	};
	struct snap_member m;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(*names); i++) {
		memset(&m, 0, sizeof(m));
		if (snapreader_classify(names[i].name, &m) != names[i].kind)
			fail_msg("%s: not kind %d", names[i].name, names[i].kind);
		assert_int_equal(m.pid, names[i].pid);
	}
	snapreader_classify("content/65024-10952814", &m);
	assert_int_equal(m.dev, 65024);
	assert_int_equal(m.ino, 10952814);
	snapreader_classify("proc/7/mem/7f0000001000-7f0000003000", &m);
	assert_int_equal(m.start, 0x7f0000001000ULL);
	assert_int_equal(m.end, 0x7f0000003000ULL);
	snapreader_classify("host/etc/ld.so.preload", &m);
	assert_string_equal(m.file, "etc/ld.so.preload");
}

/* Every member, in order; hashes as the manifest lists them. */
static void test_snapreader_base_members(void **state)
{
	struct snapreader_opts o = { .hash = true };
	struct snapreader *r = open_ok(FIX "base.tar.gz", &o);
	const struct snap_member *m;
	struct buf manifest = BUF_INIT, listed = BUF_INIT;
	int kinds[SNAP_M_UNKNOWN + 1] = { 0 }, x;
	char hex[DIGEST_HEX_LEN + 1];

	(void)state;
	assert_string_equal(snapreader_top(r), "procsnap-vm-20261127T190356Z");
	assert_int_equal(json_integer_value(json_object_get(snapreader_format(r), "version")), 1);
	while ((x = snapreader_next(r, &m)) > 0) {
		if (kinds[SNAP_M_FORMAT] == 0)
			assert_int_equal(m->kind, SNAP_M_FORMAT);
		kinds[m->kind]++;
		if (m->kind == SNAP_M_MANIFEST) {
			assert_int_equal(snapreader_slurp(r, SNAPREADER_MAX_MANIFEST, &manifest), 0);
			continue;
		}
		assert_int_equal(snapreader_member_sha256(r, hex), 0);
		buf_printf(&listed, "%s  %s\n", hex, m->name);
		if (m->kind == SNAP_M_RAW || m->kind == SNAP_M_FDS || m->kind == SNAP_M_PROCESS)
			assert_true(m->pid == PID1 || m->pid == PID2);
	}
	assert_int_equal(x, 0);
	assert_int_equal(kinds[SNAP_M_FORMAT], 1);
	assert_int_equal(kinds[SNAP_M_HOST], 1);
	assert_int_equal(kinds[SNAP_M_NET], 5);
	assert_int_equal(kinds[SNAP_M_RAW], 12);
	assert_int_equal(kinds[SNAP_M_CONTENT], 2);
	assert_int_equal(kinds[SNAP_M_FDS], 2);
	assert_int_equal(kinds[SNAP_M_PROCESS], 2);
	assert_int_equal(kinds[SNAP_M_SUMMARY], 1);
	assert_int_equal(kinds[SNAP_M_MANIFEST], 1);
	assert_int_equal(kinds[SNAP_M_UNKNOWN], 0);
	assert_int_equal(snapreader_members(r), 27);
	/* Hashed as read, member by member, the archive is its manifest. */
	assert_int_equal(manifest.len, listed.len);
	assert_memory_equal(manifest.data, listed.data, listed.len);
	/* Past the end, it stays at the end. */
	assert_int_equal(snapreader_next(r, &m), 0);
	snapreader_free(r);
	buf_free(&manifest);
	buf_free(&listed);
}

/* Moves to the first member of kind k (and pid, when non-zero). */
static const struct snap_member *seek(struct snapreader *r, enum snap_kind k, int pid)
{
	const struct snap_member *m;

	while (snapreader_next(r, &m) > 0)
		if (m->kind == k && (!pid || m->pid == pid))
			return m;
	fail_msg("no member of kind %d", k);
	return NULL;
}

static void test_snapreader_lines_and_limits(void **state)
{
	struct snapreader *r = open_ok(FIX "base.tar.gz", NULL);
	const struct snap_member *m;
	struct buf line = BUF_INIT;
	json_t *j = NULL;
	int n = 0, x;

	(void)state;
	seek(r, SNAP_M_FDS, PID1);
	while ((x = snapreader_getline(r, SNAPREADER_MAX_LINE, &line)) > 0) {
		assert_int_equal(snapreader_parse_json(r, "line", line.data, line.len, &j), 0);
		assert_int_equal(json_integer_value(json_object_get(j, "pid")), PID1);
		json_decref(j);
		n++;
	}
	assert_int_equal(x, 0);
	assert_int_equal(n, 6);
	/* fds.jsonl is followed by the same process's process.json. */
	assert_int_equal(snapreader_next(r, &m), 1);
	assert_int_equal(m->kind, SNAP_M_PROCESS);
	assert_int_equal(snapreader_json(r, SNAPREADER_MAX_JSON, &j), 0);
	assert_int_equal(json_integer_value(json_object_get(j, "pid")), PID1);
	json_decref(j);
	/* A line longer than the bound is refused, and named. */
	seek(r, SNAP_M_FDS, PID2);
	assert_int_equal(snapreader_getline(r, 100, &line), -EFBIG);
	assert_non_null(strstr(snapreader_error(r), "longer than 100 bytes"));
	/* ... and the error sticks. */
	assert_int_equal(snapreader_next(r, &m), -EFBIG);
	snapreader_free(r);

	r = open_ok(FIX "base.tar.gz", NULL);
	seek(r, SNAP_M_PROCESS, 0);
	assert_int_equal(snapreader_slurp(r, 10, &line), -EFBIG);
	assert_non_null(strstr(snapreader_error(r), "more than the 10 this reader holds"));
	snapreader_free(r);
	buf_free(&line);
}

/* The strict reader's refusal of each hostile fixture. */
static const struct {
	const char *file;
	int err;
	const char *text;
} refusals[] = {
	{ "traversal.tar.gz", -EBADMSG, "climbs out of the archive's directory with '..'" },
	{ "absolute.tar.gz", -EBADMSG, "absolute member name '/tmp/snapread-hostile-absolute'" },
	{ "symlink.tar.gz", -EBADMSG, "content/1-1 is a symbolic link to '/tmp'" },
	{ "hardlink.tar.gz", -EBADMSG, "content/1-2 is a hard link to '/etc/passwd'" },
	{ "device.tar.gz", -EBADMSG, "content/1-3 is a character device" },
	{ "directory.tar.gz", -EBADMSG, "proc/ is a directory" },
	{ "fifo.tar.gz", -EBADMSG, "content/1-4 is a FIFO" },
	{ "longname.tar.gz", -EBADMSG, "member name of 5029 bytes" },
	{ "unknown.tar.gz", -EBADMSG, "unknown member evil.sh" },
	{ "after-manifest.tar.gz", -EBADMSG, "member content/8-8 comes after MANIFEST.sha256" },
	{ "no-manifest.tar.gz", -EBADMSG, "without MANIFEST.sha256 (missing manifest" },
	{ "trunc-before-manifest.tar.gz", -EBADMSG, "missing manifest" },
	{ "trunc-header.tar.gz", -EBADMSG, "truncated archive: Truncated tar archive (noticed after member proc/18303/cgroup)" },
	{ "trunc-member.tar.gz", -EBADMSG, "truncated archive" },
	{ "trunc-gzip.tar.gz", -EBADMSG, "truncated archive: truncated gzip input" },
	{ "trunc-trailer.tar.gz", -EBADMSG, "truncated" },
	{ "trunc-eoa.tar", -EBADMSG, "the tar end-of-archive blocks after MANIFEST.sha256 are missing" },
	{ "trunc.tar.zst", -EBADMSG, "truncated archive: Truncated zstd input" },
	{ "version2.tar.gz", -EPROTONOSUPPORT, "archive format version 2 is not supported: this snapread reads version 1" },
	{ "wrong-format.tar.gz", -EBADMSG, "not a procsnap snapshot" },
	{ "wrong-top.tar.gz", -EBADMSG, "names a top directory other than" },
	{ "not-first.tar.gz", -EBADMSG, "its first member is procsnap-vm-20261127T190356Z/host.json, not TOP/format.json" },
	{ "oversize-process.tar.gz", -EFBIG, "proc/18303/process.json declares 17825792 bytes, more than the 16777216" },
	{ "appended.tar.gz", -EBADMSG, "the file goes on after the end of the archive" },
	{ "two-archives.tar.gz", -EBADMSG, "the file goes on after the end of the archive" },
	{ "pax-bomb.tar.gz", -EBADMSG, "damaged archive: Special header too large" },
	{ "empty.tar.gz", -EBADMSG, "empty file" },
	{ "not-tar.tar.gz", -EBADMSG, "not a snapshot archive" },
};

static void test_snapreader_hostile_refused(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(refusals) / sizeof(*refusals); i++) {
		struct snapreader *r = NULL;
		char path[256];
		int x;

		snprintf(path, sizeof(path), FIX "%s", refusals[i].file);
		x = snapreader_open(&r, path, NULL);
		if (!x)
			x = snapreader_finish(r);
		if (x != refusals[i].err || !strstr(snapreader_error(r), refusals[i].text))
			fail_msg("%s: %d '%s'", refusals[i].file, x, snapreader_error(r));
		assert_true(snapreader_is_archive_error(x) == (x != -EPROTONOSUPPORT));
		snapreader_free(r);
	}
}

/* Hostile names stay out of messages unescaped. */
static void test_snapreader_messages_escaped(void **state)
{
	struct snapreader *r = NULL;
	const char *e;

	(void)state;
	assert_int_equal(snapreader_open(&r, FIX "longname.tar.gz", NULL), 0);
	assert_int_equal(snapreader_finish(r), -EBADMSG);
	e = snapreader_error(r);
	assert_true(strlen(e) < 400); /* quoted names are cut short */
	snapreader_free(r);
}

static void test_snapreader_stdin(void **state)
{
	int saved = dup(STDIN_FILENO), fd = open(FIX "base.tar.zst", O_RDONLY);
	struct snapreader_opts o = { .verify = true };
	struct snapreader *r;
	char hex[DIGEST_HEX_LEN + 1];

	(void)state;
	assert_true(fd >= 0 && saved >= 0);
	dup2(fd, STDIN_FILENO);
	close(fd);
	r = open_ok("-", &o);
	assert_int_equal(snapreader_finish(r), 0);
	assert_int_equal(snapreader_problems(r), 0);
	assert_int_equal(snapreader_archive_sha256(r, hex, NULL), 0);
	snapreader_free(r);
	dup2(saved, STDIN_FILENO);
	close(saved);
}

static void test_snapreader_open_errors(void **state)
{
	struct snapreader *r = NULL;

	(void)state;
	assert_int_equal(snapreader_open(&r, FIX "missing.tar.gz", NULL), -ENOENT);
	assert_non_null(strstr(snapreader_error(r), "cannot open"));
	snapreader_free(r);
	r = NULL;
	assert_int_equal(snapreader_open(&r, FIX, NULL), -EISDIR);
	snapreader_free(r);
}

/* ---- over archives made by the capture code ---- */

struct made {
	char path[64];
	int victim;          /* a deleted file this process holds */
	char sha[DIGEST_HEX_LEN + 1];
	uint64_t size;
};

/* A deleted sparse file held open: 8 MiB with 64 KiB of data at 4 MiB. */
static void hold_victim(struct made *m)
{
	char tmpl[] = "/tmp/snapread-test-victim.XXXXXX";
	static char data[65536];
	struct digest d = DIGEST_INIT;
	static const char zero[65536];
	uint64_t off;

	m->victim = mkstemp(tmpl);
	assert_true(m->victim >= 0);
	unlink(tmpl);
	memset(data, 'v', sizeof(data));
	m->size = 8u << 20;
	assert_int_equal(ftruncate(m->victim, (off_t)m->size), 0);
	assert_int_equal(pwrite(m->victim, data, sizeof(data), 4u << 20), (ssize_t)sizeof(data));
	digest_begin(&d);
	for (off = 0; off < m->size; off += sizeof(zero))
		digest_update(&d, off == (4u << 20) ? data : zero, sizeof(zero));
	digest_end(&d, m->sha);
}

static void capture_self(struct made *m, enum snap_compress c)
{
	int pid = getpid(), fd;
	struct capture_opts o = { .compress = c, .pids = &pid, .npids = 1 };
	struct capture *cap = NULL;

	snprintf(m->path, sizeof(m->path), "/tmp/snapread-test-cap.XXXXXX");
	fd = mkstemp(m->path);
	assert_true(fd >= 0);
	assert_int_equal(capture_new(&cap, &o), 0);
	if (capture_run(cap, fd, "procsnap-unit-20260101T000000Z"))
		fail_msg("capture: %s", capture_error(cap));
	capture_free(cap);
	close(fd);
}

static int setup_capture(void **state)
{
	struct made *m = calloc(1, sizeof(*m));

	hold_victim(m);
	capture_self(m, SNAP_COMPRESS_GZIP);
	*state = m;
	return 0;
}

static int teardown_capture(void **state)
{
	struct made *m = *state;

	unlink(m->path);
	close(m->victim);
	free(m);
	return 0;
}

static void test_snapreader_capture_verifies(void **state)
{
	struct made *made = *state;
	struct snapreader_opts o = { .verify = true };
	struct snapreader *r = open_ok(made->path, &o);
	const struct snap_member *m;
	bool found = false;
	int x;

	while ((x = snapreader_next(r, &m)) > 0) {
		struct snap_chunk c;
		uint64_t data = 0, holes = 0;
		char hex[DIGEST_HEX_LEN + 1];

		if (m->kind != SNAP_M_CONTENT || m->size != made->size)
			continue;
		/* Holes come out as NULL chunks; data and holes tile the file. */
		while ((x = snapreader_data(r, &c)) > 0) {
			assert_int_equal(c.offset, data + holes);
			if (c.data)
				data += c.len;
			else
				holes += c.len;
		}
		assert_int_equal(x, 0);
		assert_true(m->sparse);
		assert_int_equal(data + holes, made->size);
		assert_true(holes >= (7u << 20));
		assert_int_equal(snapreader_member_sha256(r, hex), 0);
		assert_string_equal(hex, made->sha);
		found = true;
	}
	assert_int_equal(x, 0);
	assert_true(found);
	assert_int_equal(snapreader_problems(r), 0);
	snapreader_free(r);
}

static void test_snapreader_capture_hole_bound(void **state)
{
	struct made *made = *state;
	struct snapreader_opts o = { .hash = true, .max_holes = 1u << 20 };
	struct snapreader *r = open_ok(made->path, &o);

	assert_int_equal(snapreader_finish(r), -EFBIG);
	assert_non_null(strstr(snapreader_error(r), "holes add up to more than the 1048576"));
	snapreader_free(r);
	/* Without hashing, skipping costs nothing and nothing is refused. */
	r = open_ok(made->path, NULL);
	assert_int_equal(snapreader_finish(r), 0);
	snapreader_free(r);
}

static void test_snapreader_capture_zstd_and_none(void **state)
{
	struct made *made = *state;
	enum snap_compress cs[] = { SNAP_COMPRESS_ZSTD, SNAP_COMPRESS_NONE };
	size_t i;

	for (i = 0; i < 2; i++) {
		struct made m2 = *made;
		struct snapreader_opts o = { .verify = true };
		struct snapreader *r;

		capture_self(&m2, cs[i]);
		r = open_ok(m2.path, &o);
		assert_int_equal(snapreader_finish(r), 0);
		assert_int_equal(snapreader_problems(r), 0);
		snapreader_free(r);
		unlink(m2.path);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapreader_classify),
		cmocka_unit_test(test_snapreader_base_members),
		cmocka_unit_test(test_snapreader_lines_and_limits),
		cmocka_unit_test(test_snapreader_hostile_refused),
		cmocka_unit_test(test_snapreader_messages_escaped),
		cmocka_unit_test(test_snapreader_stdin),
		cmocka_unit_test(test_snapreader_open_errors),
		cmocka_unit_test(test_snapreader_capture_verifies),
		cmocka_unit_test(test_snapreader_capture_hole_bound),
		cmocka_unit_test(test_snapreader_capture_zstd_and_none),
	};

	return cmocka_run_group_tests(tests, setup_capture, teardown_capture);
}
