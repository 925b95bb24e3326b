/* test_verify: the manifest table (manifest.h), and verify_archive over the hostile fixtures. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"
#include "manifest.h"
#include "snapreader.h"
#include "verify.h"

#define H(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c \
	     c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c

static const char HA[] = H("a");
static const char HB[] = H("b");

struct seen {
	int n[VERIFY_UNKNOWN + 1];
	char last[512];
	char last_name[256];
};

static void collect(void *arg, enum verify_problem p, const char *name, const char *msg)
{
	struct seen *s = arg;

	s->n[p]++;
	snprintf(s->last, sizeof(s->last), "%s", msg);
	snprintf(s->last_name, sizeof(s->last_name), "%s", name);
}

static struct manifest *make(void)
{
	struct manifest *v = NULL;

	assert_int_equal(manifest_new(&v), 0);
	return v;
}

static void test_manifest_all_match(void **state)
{
	struct manifest *v = make();
	const char m[] = H("a") "  format.json\n" H("b") "  proc/1/stat\n";
	struct seen s = { 0 };

	(void)state;
	assert_int_equal(manifest_add(v, "format.json", HA), 0);
	assert_int_equal(manifest_add(v, "proc/1/stat", HB), 0);
	assert_int_equal(manifest_parse(v, m, strlen(m)), 0);
	assert_int_equal(manifest_check(v, collect, &s), 0);
	assert_true(manifest_member_ok(v, "format.json"));
	assert_true(manifest_member_ok(v, "proc/1/stat"));
	assert_false(manifest_member_ok(v, "proc/2/stat"));
	assert_string_equal(manifest_expected(v, "proc/1/stat"), HB);
	assert_null(manifest_expected(v, "nothing"));
	assert_int_equal(manifest_count(v), 2);
	manifest_free(v);
}

static void test_manifest_tampered_named(void **state)
{
	struct manifest *v = make();
	const char m[] = H("a") "  content/1-2\n";
	struct seen s = { 0 };

	(void)state;
	manifest_add(v, "content/1-2", HB);
	manifest_parse(v, m, strlen(m));
	assert_int_equal(manifest_check(v, collect, &s), 1);
	assert_int_equal(s.n[VERIFY_TAMPERED], 1);
	assert_string_equal(s.last_name, "content/1-2");
	assert_non_null(strstr(s.last, "tampered member content/1-2"));
	assert_non_null(strstr(s.last, HB));
	assert_false(manifest_member_ok(v, "content/1-2"));
	manifest_free(v);
}

static void test_manifest_extra_missing_duplicate(void **state)
{
	struct manifest *v = make();
	const char m[] = H("a") "  a\n" H("a") "  gone\n" H("a") "  twice\n" H("a") "  twice\n";
	struct seen s = { 0 };

	(void)state;
	manifest_add(v, "a", HA);
	manifest_add(v, "a", HA);      /* in the archive twice */
	manifest_add(v, "new", HA);    /* not listed */
	manifest_add(v, "twice", HA);  /* listed twice */
	manifest_parse(v, m, strlen(m));
	assert_int_equal(manifest_check(v, collect, &s), 4);
	assert_int_equal(s.n[VERIFY_DUPLICATE], 2);
	assert_int_equal(s.n[VERIFY_EXTRA], 1);
	assert_int_equal(s.n[VERIFY_MISSING], 1);
	assert_false(manifest_member_ok(v, "a"));
	manifest_free(v);
}

static void test_manifest_bad_lines_counted(void **state)
{
	struct manifest *v = make();
	/* Short hash, one space, upper case, no name, an unterminated line. */
	const char m[] = "abc  x\n" H("a") " x\n" H("A") "  x\n" H("a") "  \n" H("a") "  y";
	struct seen s = { 0 };

	(void)state;
	manifest_parse(v, m, sizeof(m) - 1);
	assert_int_equal(manifest_check(v, collect, &s), 5);
	assert_int_equal(s.n[VERIFY_BAD_MANIFEST], 5);
	assert_non_null(strstr(s.last, "line 5"));
	manifest_free(v);
}

static void test_manifest_hostile_names_escaped(void **state)
{
	struct manifest *v = make();
	const char m[] = H("a") "  evil\x1b[31m\xff\n";
	struct seen s = { 0 };

	(void)state;
	manifest_parse(v, m, strlen(m));
	assert_int_equal(manifest_check(v, collect, &s), 1);
	assert_int_equal(s.n[VERIFY_MISSING], 1);
	assert_string_equal(s.last_name, "evil\\x1b[31m\\xff");
	assert_null(strchr(s.last, '\x1b'));
	manifest_free(v);
}

/* verify_archive over fixtures: the verdict and the problem named. */
struct expect {
	const char *file;
	int rc;             /* verify_archive's return */
	bool ok;
	int problem;        /* a problem kind expected, or -1 */
	const char *text;   /* in the message or a problem */
};

static const struct expect cases[] = {
	{ "base.tar.gz", 0, true, -1, NULL },
	{ "base.tar", 0, true, -1, NULL },
	{ "base.tar.zst", 0, true, -1, NULL },
	{ "bad-json.tar.gz", 0, true, -1, NULL }, /* intact bytes; not verify's job */
	{ "tampered.tar.gz", 0, false, VERIFY_TAMPERED, "tampered member content/65024-10952814" },
	{ "tampered-fds.tar.gz", 0, false, VERIFY_TAMPERED, "tampered member proc/18303/fds.jsonl" },
	{ "extra.tar.gz", 0, false, VERIFY_EXTRA, "extra member content/7-7" },
	{ "duplicate.tar.gz", 0, false, VERIFY_DUPLICATE, "duplicate member proc/18303/process.json" },
	{ "unknown.tar.gz", 0, false, VERIFY_UNKNOWN, "unknown member evil.sh" },
	{ "no-manifest.tar.gz", 0, false, -1, "missing manifest" },
	{ "trunc-before-manifest.tar.gz", 0, false, -1, "missing manifest" },
	{ "trunc-header.tar.gz", 0, false, -1, "truncated archive" },
	{ "trunc-member.tar.gz", 0, false, -1, "truncated archive" },
	{ "trunc-gzip.tar.gz", 0, false, -1, "truncated gzip input" },
	{ "trunc-trailer.tar.gz", 0, false, -1, "truncated" },
	{ "trunc-eoa.tar", 0, false, -1, "end-of-archive blocks" },
	{ "trunc.tar.zst", 0, false, -1, "Truncated zstd input" },
	{ "after-manifest.tar.gz", 0, false, -1, "comes after MANIFEST.sha256" },
	{ "traversal.tar.gz", 0, false, -1, "climbs out" },
	{ "absolute.tar.gz", 0, false, -1, "absolute member name" },
	{ "symlink.tar.gz", 0, false, -1, "is a symbolic link to '/tmp'" },
	{ "hardlink.tar.gz", 0, false, -1, "is a hard link to '/etc/passwd'" },
	{ "device.tar.gz", 0, false, -1, "is a character device" },
	{ "sparse-bomb.tar.gz", 0, false, -1, "holes add up to more than" },
	{ "not-first.tar.gz", 0, false, -1, "its first member is" },
	{ "empty.tar.gz", 0, false, -1, "empty file" },
	{ "appended.tar.gz", 0, false, -1, "goes on after the end" },
	{ "two-archives.tar.gz", 0, false, -1, "goes on after the end" },
	{ "version2.tar.gz", -EPROTONOSUPPORT, false, -1, "version 2 is not supported" },
	{ "does-not-exist.tar.gz", -ENOENT, false, -1, "cannot open" },
};

static void test_verify_archive_fixtures(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const struct expect *c = &cases[i];
		struct verify_result res;
		struct seen s = { 0 };
		char path[256];
		int rc;

		snprintf(path, sizeof(path), "../fixtures/hostile/%s", c->file);
		rc = verify_archive(path, &(struct verify_opts){ .problem = collect, .arg = &s },
				    &res);
		if (rc != c->rc || res.ok != c->ok)
			fail_msg("%s: rc %d ok %d (%s)", c->file, rc, res.ok, res.message);
		if (c->problem >= 0 && s.n[c->problem] != 1)
			fail_msg("%s: problem %d not reported once", c->file, c->problem);
		if (c->text && !strstr(res.message, c->text) && !strstr(s.last, c->text))
			fail_msg("%s: '%s' not in '%s' / '%s'", c->file, c->text, res.message, s.last);
		/* The custody hash is there whenever the file could be read. */
		if (c->rc != -ENOENT)
			assert_int_equal(strlen(res.sha256), 64);
	}
}

/* The archive's own hash is that of every byte of the file. */
static void test_verify_archive_sha256_is_the_files(void **state)
{
	struct verify_result res;
	char hex[DIGEST_HEX_LEN + 1];
	struct buf b = BUF_INIT;
	char chunk[4096];
	FILE *f = fopen("../fixtures/hostile/base.tar.gz", "rb");
	struct stat st;
	size_t n;

	(void)state;
	assert_non_null(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	assert_int_equal(digest_buffer(b.data, b.len, hex), 0);
	assert_int_equal(verify_archive("../fixtures/hostile/base.tar.gz", NULL, &res), 0);
	assert_true(res.ok);
	assert_string_equal(res.sha256, hex);
	assert_int_equal(res.bytes, b.len);
	/* Also for an archive read only in part. */
	assert_int_equal(stat("../fixtures/hostile/traversal.tar.gz", &st), 0);
	assert_int_equal(verify_archive("../fixtures/hostile/traversal.tar.gz", NULL, &res), 0);
	assert_false(res.ok);
	assert_int_equal(res.bytes, (uint64_t)st.st_size);
	buf_free(&b);
}

/* What a status line is given: every read of the file, the last at its
 * end; and what a stop flag set from it does. */
struct watch {
	unsigned long calls;
	struct snapreader_progress last;
	volatile sig_atomic_t stop;
	bool stop_at_first;
};

static void on_progress(void *arg, const struct snapreader_progress *p)
{
	struct watch *w = arg;

	w->calls++;
	w->last = *p;
	assert_non_null(p->member);
	if (w->stop_at_first)
		w->stop = SIGINT;
}

static void test_verify_archive_progress_and_stop(void **state)
{
	const char *path = "../fixtures/hostile/base.tar.gz";
	struct watch w = { 0 };
	struct verify_opts o = { .progress = on_progress, .progress_arg = &w, .stop = &w.stop };
	struct verify_result res;
	struct stat st;

	(void)state;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(verify_archive(path, &o, &res), 0);
	assert_true(res.ok);
	assert_true(w.calls >= 1);
	assert_int_equal(w.last.done, (uint64_t)st.st_size);
	assert_int_equal(w.last.total, (uint64_t)st.st_size);
	assert_true(w.last.members >= 2);

	/* Set before the start, or while reading: stopped, no verdict. */
	memset(&w, 0, sizeof(w));
	w.stop = SIGTERM;
	assert_int_equal(verify_archive(path, &o, &res), -EINTR);
	assert_false(res.ok);
	assert_non_null(strstr(res.message, "stopped by a signal"));
	memset(&w, 0, sizeof(w));
	w.stop_at_first = true;
	assert_int_equal(verify_archive(path, &o, &res), -EINTR);
	assert_false(res.ok);
	assert_int_equal(w.calls, 1);
	assert_non_null(strstr(res.message, "stopped by a signal"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_manifest_all_match),
		cmocka_unit_test(test_manifest_tampered_named),
		cmocka_unit_test(test_manifest_extra_missing_duplicate),
		cmocka_unit_test(test_manifest_bad_lines_counted),
		cmocka_unit_test(test_manifest_hostile_names_escaped),
		cmocka_unit_test(test_verify_archive_fixtures),
		cmocka_unit_test(test_verify_archive_sha256_is_the_files),
		cmocka_unit_test(test_verify_archive_progress_and_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
