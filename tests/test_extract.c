/* test_extract: extraction of every fixture — what is placed, what is refused, nothing outside DIR. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "extract.h"
#include "extract_mem.h"
#include "testutil.h"

#define FIX "../fixtures/hostile/"
#define PID1 18303
#define PID2 18304
/* base.tar.gz's files: the deleted victim, and PID1's deleted executable. */
#define VICTIM_SHA "b2ea267abc3d6d6b8884a69673b50a35f8c6feb01792e181c499e8e029e94e86"

struct run {
	char parent[64];
	char dir[96];
	int rc;
	struct extract_result res;
	unsigned long files, problems, notes;
	char problem[1024];
	char paths[8][48];
};

static void on_file(void *arg, const struct extract_file *f)
{
	struct run *r = arg;

	if (r->files < 8)
		snprintf(r->paths[r->files], sizeof(r->paths[0]), "%s", f->path);
	r->files++;
}

static void on_problem(void *arg, const char *msg)
{
	struct run *r = arg;

	r->problems++;
	snprintf(r->problem, sizeof(r->problem), "%s", msg);
}

static void on_note(void *arg, const char *msg)
{
	(void)msg;
	((struct run *)arg)->notes++;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

static void rm_tree(const char *p)
{
	nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Nothing the hostile fixtures aim at may exist. */
static void assert_nothing_outside(const struct run *r)
{
	glob_t g;
	DIR *d;
	struct dirent *e;
	int n = 0;

	assert_int_equal(glob("/tmp/snapread-hostile-*", 0, NULL, &g), GLOB_NOMATCH);
	globfree(&g);
	d = opendir(r->parent);
	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			assert_string_equal(e->d_name, "out"), n++;
	closedir(d);
	assert_true(n <= 1);
}

/* Inside DIR: PID/fd/N and PID/exe only, regular files 0600, no links. */
static int shape_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	const char *rel = p + f->base;

	(void)rel;
	if (flag == FTW_SL || S_ISLNK(st->st_mode))
		fail_msg("%s: a symbolic link", p);
	if (flag == FTW_F) {
		if (!S_ISREG(st->st_mode) || (st->st_mode & 07777) != 0600)
			fail_msg("%s: mode %o", p, st->st_mode);
		if (!strstr(p, "/fd/") && strcmp(p + f->base, "exe") != 0)
			fail_msg("%s: not PID/fd/N or PID/exe", p);
	} else if (flag == FTW_D && f->level > 0) {
		if (strstr(p, ".snapread-staging"))
			fail_msg("%s: staging left behind", p);
		if ((st->st_mode & 07777) != 0700)
			fail_msg("%s: mode %o", p, st->st_mode);
	}
	return 0;
}

static void assert_shape(const struct run *r)
{
	struct stat st;

	if (stat(r->dir, &st) == 0)
		assert_int_equal(nftw(r->dir, shape_one, 16, FTW_PHYS), 0);
}

static struct run *run(const char *file, const struct extract_opts *base_opts)
{
	struct run *r = calloc(1, sizeof(*r));
	struct extract_opts o = { 0 };
	char path[256];

	if (base_opts)
		o = *base_opts;
	snprintf(r->parent, sizeof(r->parent), "/tmp/snapread-test-extract.XXXXXX");
	assert_non_null(mkdtemp(r->parent));
	snprintf(r->dir, sizeof(r->dir), "%s/out", r->parent);
	o.dir = r->dir;
	o.file = on_file;
	o.problem = on_problem;
	o.note = on_note;
	o.arg = r;
	snprintf(path, sizeof(path), "%s%s", strcmp(file, "-") ? FIX : "", file);
	r->rc = extract_run(path, &o, &r->res);
	assert_int_equal(r->res.files, r->files);
	assert_int_equal(r->res.problems, r->problems);
	assert_nothing_outside(r);
	assert_shape(r);
	return r;
}

static void done(struct run *r)
{
	rm_tree(r->parent);
	free(r);
}

static void sha_of(const char *path, char hex[DIGEST_HEX_LEN + 1])
{
	struct buf b = BUF_INIT;
	char chunk[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_append(&b, chunk, (size_t)n);
	close(fd);
	assert_int_equal(digest_buffer(b.data ? b.data : "", b.len, hex), 0);
	buf_free(&b);
}

static void test_extract_base(void **state)
{
	struct run *r = run("base.tar.gz", NULL);
	char p1[160], p2[160], hex[DIGEST_HEX_LEN + 1];
	struct stat a, b;

	(void)state;
	assert_int_equal(r->rc, 0);
	assert_int_equal(r->problems, 0);
	assert_int_equal(r->files, 3);
	assert_int_equal(r->res.passes, 1);
	snprintf(p1, sizeof(p1), "%s/%d/fd/3", r->dir, PID1);
	snprintf(p2, sizeof(p2), "%s/%d/fd/3", r->dir, PID2);
	/* One content, two fds: written once, hard-linked. */
	assert_int_equal(stat(p1, &a), 0);
	assert_int_equal(stat(p2, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(a.st_nlink, 2);
	sha_of(p1, hex);
	assert_string_equal(hex, VICTIM_SHA);
	snprintf(p1, sizeof(p1), "%s/%d/exe", r->dir, PID1);
	assert_int_equal(stat(p1, &a), 0);
	assert_int_equal(a.st_mode & 0111, 0);
	assert_int_equal(a.st_size, 43888);
	done(r);
}

static void test_extract_filters(void **state)
{
	int pid2 = PID2, fd3 = 3, fdexe = -1;
	struct extract_opts o = { .pids = &pid2, .npids = 1 };
	struct run *r;

	(void)state;
	/* PID2's file was first met under PID1: a second reading fetches it. */
	r = run("base.tar.gz", &o);
	assert_int_equal(r->rc, 0);
	assert_int_equal(r->files, 1);
	assert_string_equal(r->paths[0], "18304/fd/3");
	assert_int_equal(r->res.passes, 2);
	done(r);

	o.npids = 0;
	o.fds = &fdexe;
	o.nfds = 1;
	o.exe = true;
	r = run("base.tar.gz", &o);
	assert_int_equal(r->files, 1);
	assert_string_equal(r->paths[0], "18303/exe");
	done(r);

	o.fds = &fd3;
	o.exe = false;
	r = run("base.tar.gz", &o);
	assert_int_equal(r->files, 2);
	assert_string_equal(r->paths[0], "18303/fd/3");
	assert_string_equal(r->paths[1], "18304/fd/3");
	done(r);
}

static void test_extract_from_stdin(void **state)
{
	int saved = dup(STDIN_FILENO), fd = open(FIX "base.tar.zst", O_RDONLY), pid2 = PID2;
	struct extract_opts o = { .pids = &pid2, .npids = 1 };
	struct run *r;

	(void)state;
	dup2(fd, STDIN_FILENO);
	close(fd);
	/* No second reading of a pipe: everything was staged in the first. */
	r = run("-", &o);
	assert_int_equal(r->rc, 0);
	assert_int_equal(r->files, 1);
	assert_int_equal(r->res.passes, 1);
	done(r);
	dup2(saved, STDIN_FILENO);
	close(saved);
}

static void test_extract_refuses_existing_and_links(void **state)
{
	struct run *r = run("base.tar.gz", NULL);
	struct extract_result res;
	struct extract_opts o = { .dir = r->dir };
	char outside[128], link[128];
	int pid = PID1;
	DIR *d;

	(void)state;
	/* Never over what is there already. */
	assert_int_equal(extract_run(FIX "base.tar.gz", &o, &res), -EEXIST);
	assert_non_null(strstr(res.message, "exists already"));
	rm_tree(r->dir);
	/* A symlink planted where a pid directory goes is not followed. */
	snprintf(outside, sizeof(outside), "%s/elsewhere", r->parent);
	assert_int_equal(mkdir(outside, 0700), 0);
	assert_int_equal(mkdir(r->dir, 0700), 0);
	snprintf(link, sizeof(link), "%s/%d", r->dir, PID1);
	assert_int_equal(symlink(outside, link), 0);
	o.pids = &pid;
	o.npids = 1;
	assert_true(extract_run(FIX "base.tar.gz", &o, &res) < 0);
	d = opendir(outside);
	assert_non_null(d);
	while (readdir(d))
		o.npids++;
	closedir(d);
	assert_int_equal(o.npids, 1 + 2); /* "." and ".." only */
	done(r);
}

static void test_extract_missing_pid(void **state)
{
	int pid = 1;
	struct extract_opts o = { .pids = &pid, .npids = 1 };
	struct run *r = run("base.tar.gz", &o);

	(void)state;
	assert_int_equal(r->rc, -ENOENT);
	assert_string_equal(r->res.message, "pid 1 is not in the snapshot");
	assert_int_equal(r->files, 0);
	done(r);
}

static void test_extract_stops(void **state)
{
	static volatile sig_atomic_t stop = 1;
	struct extract_opts o = { .stop = &stop };
	struct run *r = run("base.tar.gz", &o);

	(void)state;
	assert_int_equal(r->rc, -EINTR);
	assert_int_equal(r->files, 0);
	done(r);
}

/* Every hostile fixture: the outcome, and (in run) nothing outside DIR. */
static const struct {
	const char *file;
	int rc;
	unsigned long files, problems;
	const char *text;   /* in the message, or the last problem */
} cases[] = {
	{ "tampered.tar.gz", 0, 1, 3, "18304/fd/3: content/65024-10952814 hashes to 4ff0c85c" },
	{ "tampered-fds.tar.gz", 0, 2, 2, "18303/fd/3: its record, proc/18303/fds.jsonl, does not match the manifest" },
	{ "record-sha.tar.gz", 0, 2, 1, "but its record in proc/18303/fds.jsonl says 0000" },
	{ "bad-member-ref.tar.gz", 0, 2, 1, "names '../../../../tmp/snapread-hostile-ref', which is not a content member" },
	{ "extra.tar.gz", 0, 3, 1, "extra member content/7-7" },
	{ "traversal.tar.gz", -EBADMSG, 0, 0, "climbs out" },
	{ "absolute.tar.gz", -EBADMSG, 0, 0, "absolute member name" },
	{ "symlink.tar.gz", -EBADMSG, 0, 0, "symbolic link" },
	{ "hardlink.tar.gz", -EBADMSG, 0, 0, "hard link to '/etc/passwd'" },
	{ "device.tar.gz", -EBADMSG, 0, 0, "character device" },
	{ "directory.tar.gz", -EBADMSG, 0, 0, "is a directory" },
	{ "fifo.tar.gz", -EBADMSG, 0, 0, "FIFO" },
	{ "longname.tar.gz", -EBADMSG, 0, 0, "5029 bytes" },
	{ "no-manifest.tar.gz", -EBADMSG, 0, 0, "missing manifest" },
	{ "trunc-header.tar.gz", -EBADMSG, 0, 0, "truncated" },
	{ "trunc-member.tar.gz", -EBADMSG, 0, 0, "truncated" },
	{ "trunc-before-manifest.tar.gz", -EBADMSG, 0, 0, "missing manifest" },
	{ "trunc-gzip.tar.gz", -EBADMSG, 0, 0, "truncated gzip input" },
	{ "trunc-trailer.tar.gz", -EBADMSG, 0, 0, "truncated" },
	{ "trunc-eoa.tar", -EBADMSG, 0, 0, "end-of-archive" },
	{ "trunc.tar.zst", -EBADMSG, 0, 0, "zstd" },
	{ "after-manifest.tar.gz", -EBADMSG, 0, 0, "after MANIFEST.sha256" },
	{ "unknown.tar.gz", -EBADMSG, 0, 0, "unknown member evil.sh" },
	{ "duplicate.tar.gz", -EBADMSG, 0, 0, "duplicate process" },
	{ "version2.tar.gz", -EPROTONOSUPPORT, 0, 0, "version 2" },
	{ "wrong-format.tar.gz", -EBADMSG, 0, 0, "not a procsnap snapshot" },
	{ "not-first.tar.gz", -EBADMSG, 0, 0, "first member" },
	{ "oversize-process.tar.gz", -EFBIG, 0, 0, "17825792" },
	{ "sparse-bomb.tar.gz", -EFBIG, 0, 0, "holes" },
	{ "bad-json.tar.gz", -EBADMSG, 0, 0, "not valid JSON" },
	{ "wrong-pid.tar.gz", -EBADMSG, 0, 0, "\"pid\" is not 18303" },
	{ "orphan-fds.tar.gz", -EBADMSG, 0, 0, "is followed by" },
	{ "empty.tar.gz", -EBADMSG, 0, 0, "empty file" },
	{ "appended.tar.gz", -EBADMSG, 0, 0, "goes on after the end" },
	{ "pax-bomb.tar.gz", -EBADMSG, 0, 0, "Special header too large" },
	{ "not-tar.tar.gz", -EBADMSG, 0, 0, "not a snapshot archive" },
	{ "base.tar", 0, 3, 0, NULL },
	{ "base.tar.zst", 0, 3, 0, NULL },
};

static void test_extract_hostile_fixtures(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct run *r = run(cases[i].file, NULL);

		if (r->rc != cases[i].rc || r->files != cases[i].files ||
		    r->problems != cases[i].problems ||
		    (cases[i].text && !strstr(r->res.message, cases[i].text) &&
		     !strstr(r->problem, cases[i].text)))
			fail_msg("%s: rc %d files %lu problems %lu '%s' '%s'", cases[i].file,
				 r->rc, r->files, r->problems, r->res.message, r->problem);
		done(r);
	}
}

/* Entries in dir, "." and ".." aside; -1 when it cannot be read. */
static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

/*
 * The staging directory made but not opened: with RLIMIT_NOFILE one above
 * the lowest free descriptor, DIR opens and its staging directory, made
 * by mkdirat, cannot (EMFILE).  Extracting files and extracting memory
 * both fail saying so, neither leaves the staging directory behind, and
 * both name it as extract_dir does (memory's was once named by pid, which
 * anyone who can write to DIR could make first).
 */
static void test_extract_staging_open_fails(void **state)
{
	struct extract_opts o = { 0 };
	struct extract_mem_opts mo = { 0 };
	struct extract_result res;
	struct extract_mem_result mres;
	struct rlimit old, lim;
	char parent[64], dir[96];
	int low, k, km;

	(void)state;
	snprintf(parent, sizeof(parent), "/tmp/snapread-test-extract.XXXXXX");
	assert_non_null(mkdtemp(parent));
	snprintf(dir, sizeof(dir), "%s/out", parent);
	o.dir = mo.dir = dir;
	low = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(low >= 0);
	close(low);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)low + 1;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &lim), 0);
	k = extract_run(FIX "base.tar.gz", &o, &res);
	km = extract_mem_run(FIX "base.tar.gz", &mo, &mres);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	k = k == -EMFILE && km == -EMFILE ? entries(dir) : -1;
	rm_tree(parent);
	assert_int_equal(k, 0);
	assert_non_null(strstr(res.message, "/.snapread-staging."));
	assert_non_null(strstr(mres.message, "/.snapread-staging."));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_extract_base),
		cmocka_unit_test(test_extract_filters),
		cmocka_unit_test(test_extract_from_stdin),
		cmocka_unit_test(test_extract_refuses_existing_and_links),
		cmocka_unit_test(test_extract_missing_pid),
		cmocka_unit_test(test_extract_stops),
		cmocka_unit_test(test_extract_hostile_fixtures),
		cmocka_unit_test(test_extract_staging_open_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
