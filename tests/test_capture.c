/* test_capture: a capture of a fake proc tree, read back member by member. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive_util.h"
#include "capture.h"
#include "output.h"

struct fx {
	char dir[64];
	char root[96];
};

static void put(const char *dir, const char *name, const char *data, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
}

static void sub(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(mkdir(path, 0755), 0);
}

#define PUTS(dir, name, s) put(dir, name, s, sizeof(s) - 1)

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char p[512], target[512];

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_capture.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->root, sizeof(f->root), "%s/proc", f->dir);
	sub(f->dir, "proc");
	PUTS(f->dir, "real.txt", "hello");
	PUTS(f->root, "stat", "cpu 1 2 3\nbtime 1700000000\n");
	sub(f->root, "sys");
	sub(f->root, "sys/kernel");
	sub(f->root, "sys/kernel/random");
	PUTS(f->root, "sys/kernel/random/boot_id", "0123-boot\n");
	sub(f->root, "net");
	PUTS(f->root, "net/tcp",
	     "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	     "   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 100 0 0 10 0\n"
	     "   garbage line\n");
	PUTS(f->root, "net/unix", "Num       RefCount Protocol Flags    Type St Inode Path\n");
	/* A process whose name would break a naive parser. */
	sub(f->root, "4242");
	PUTS(f->root, "4242/stat",
	     "4242 (:-) 1 2 3) S 1 4242 4242 0 -1 4194304 0 0 0 0 5 6 0 0 20 0 1 0 250 1000 10 0\n");
	PUTS(f->root, "4242/status", "Name:\tx\nState:\tS (sleeping)\nTgid:\t4242\nPPid:\t1\n"
	     "Uid:\t1000\t1000\t1000\t1000\nGid:\t100\t100\t100\t100\nThreads:\t1\n");
	put(f->root, "4242/cmdline", "a\0b\xff\0", 5);
	PUTS(f->root, "4242/environ", "A=1\0");
	PUTS(f->root, "4242/maps", "");
	PUTS(f->root, "4242/cgroup", "0::/\n");
	sub(f->root, "4242/fd");
	sub(f->root, "4242/fdinfo");
	snprintf(target, sizeof(target), "%s/real.txt", f->dir);
	snprintf(p, sizeof(p), "%s/4242/fd/3", f->root);
	assert_int_equal(symlink(target, p), 0);
	snprintf(p, sizeof(p), "%s/4242/fd/4", f->root);
	assert_int_equal(symlink("socket:[777]", p), 0);
	PUTS(f->root, "4242/fdinfo/3", "pos:\t5\nflags:\t0100002\nmnt_id:\t9\n");
	snprintf(p, sizeof(p), "%s/4242/exe", f->root);
	assert_int_equal(symlink("/bin/sh", p), 0);
	/* A process that vanished: an empty directory. */
	sub(f->root, "4243");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static json_t *load(const struct member *m)
{
	json_error_t e;
	json_t *j;

	if (!m) {
		fail_msg("member missing");
		return NULL;
	}
	j = json_loadb(m->data.data, m->data.len, JSON_DISABLE_EOF_CHECK, &e);
	if (!j)
		fail_msg("%s: %s", m->name, e.text);
	return j;
}

static void test_capture_fake_tree(void **state)
{
	struct fx *f = *state;
	struct capture_opts o = { .proc_root = f->root, .compress = SNAP_COMPRESS_GZIP };
	struct capture *c = NULL;
	struct member m[32];
	struct member *pj, *fds, *vj;
	json_t *j, *fd3, *fd4;
	const char *nl;
	int out = memfd_create("out", 0);
	size_t n;

	(void)state;
	assert_int_equal(capture_new(&c, &o), 0);
	assert_int_equal(capture_run(c, out, "TOP"), 0);
	assert_int_equal(capture_stats(c)->procs, 2);
	assert_int_equal(capture_stats(c)->procs_vanished, 1);
	capture_free(c);

	n = read_members(out, m, 32);
	assert_string_equal(m[0].name, "TOP/format.json");
	assert_string_equal(m[n - 1].name, "TOP/MANIFEST.sha256");

	pj = find_member(m, n, "/proc/4242/process.json");
	assert_non_null(pj);
	j = load(pj);
	assert_string_equal(json_string_value(json_object_get(j, "name")), ":-) 1 2 3");
	assert_int_equal(json_integer_value(json_object_get(j, "ppid")), 1);
	/* btime 1700000000 + 250 ticks at 100 Hz = 2.5 s later. */
	assert_string_equal(json_string_value(json_object_get(j, "start_time")),
			    "2023-11-14T22:13:22.500000000Z");
	assert_int_equal(json_integer_value(json_array_get(json_object_get(j, "uid"), 0)), 1000);
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "argv_b64"), 1)), "Yv8=");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "exe"), "target")), "/bin/sh");
	assert_int_equal(json_integer_value(json_object_get(j, "fd_count")), 2);
	json_decref(j);

	fds = find_member(m, n, "/proc/4242/fds.jsonl");
	fd3 = load(fds);
	if (!fds)
		return;
	nl = memchr(fds->data.data, '\n', fds->data.len);
	assert_non_null(nl);
	fd4 = json_loads(nl + 1, JSON_DISABLE_EOF_CHECK, NULL);
	assert_non_null(fd4);
	assert_int_equal(json_integer_value(json_object_get(fd3, "fd")), 3);
	assert_string_equal(json_string_value(json_object_get(fd3, "type")), "file");
	assert_int_equal(json_integer_value(json_object_get(fd3, "pos")), 5);
	assert_int_equal(json_integer_value(json_object_get(fd3, "flags")), 0100002);
	assert_false(json_is_true(json_object_get(fd3, "deleted")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(fd3, "stat"), "size")), 5);
	/* A socket the pin cannot open is still typed and resolved by inode. */
	assert_string_equal(json_string_value(json_object_get(fd4, "type")), "socket");
	assert_string_equal(json_string_value(json_object_get(json_object_get(fd4, "socket"), "local")),
			    "127.0.0.1:22");
	assert_string_equal(json_string_value(json_object_get(json_object_get(fd4, "socket"), "state")),
			    "LISTEN");
	assert_non_null(json_object_get(fd4, "errors"));
	json_decref(fd3);
	json_decref(fd4);

	vj = find_member(m, n, "/proc/4243/process.json");
	assert_non_null(vj);
	j = load(vj);
	assert_true(json_is_true(json_object_get(j, "vanished")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j, "errors"), 0), "reason")),
			    "vanished");
	json_decref(j);
	free_members(m, n);
	close(out);
}

/* A stop request leaves no complete archive: no manifest. */
static void test_capture_stop_leaves_no_manifest(void **state)
{
	struct fx *f = *state;
	static volatile sig_atomic_t stop = 1;
	struct capture_opts o = { .proc_root = f->root, .stop = &stop };
	struct capture *c = NULL;
	int out = memfd_create("out", 0);

	(void)state;
	assert_int_equal(capture_new(&c, &o), 0);
	assert_int_equal(capture_run(c, out, "TOP"), -EINTR);
	assert_string_equal(capture_error(c), "interrupted");
	capture_free(c);
	close(out);
}

static void test_capture_bad_root(void **state)
{
	struct capture_opts o = { .proc_root = "/nonexistent/proc" };
	struct capture *c = NULL;

	(void)state;
	assert_int_equal(capture_new(&c, &o), 0);
	assert_int_equal(capture_run(c, 1, "TOP"), -ENOENT);
	assert_non_null(strstr(capture_error(c), "/nonexistent/proc"));
	capture_free(c);
}

static void test_capture_basename(void **state)
{
	char b[128];

	(void)state;
	capture_basename(b, sizeof(b), "web-01.example", 1700000000);
	assert_string_equal(b, "procsnap-web-01.example-20231114T221320Z");
	capture_basename(b, sizeof(b), "../evil host\n", 0);
	assert_string_equal(b, "procsnap-.._evil_host_-19700101T000000Z");
}

/* Names in a directory, but "." and ".." (how many). */
static int names_in(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

/* The archive has no name until it is whole: nothing while it is
 * written, nothing after a failure, the final name on commit. */
static void test_output_nameless_then_final(void **state)
{
	struct fx *f = *state;
	struct output o = OUTPUT_INIT;
	char p[256], dir[128];

	snprintf(dir, sizeof(dir), "%s/out", f->dir);
	assert_int_equal(mkdir(dir, 0700), 0);

	assert_int_equal(output_open(&o, dir, "a.tar.gz"), 0);
	assert_false(o.named);
	assert_int_equal(write(o.fd, "x", 1), 1);
	assert_int_equal(names_in(dir), 0);
	output_close(&o, false);
	assert_int_equal(names_in(dir), 0);

	assert_int_equal(output_open(&o, dir, "a.tar.gz"), 0);
	assert_int_equal(write(o.fd, "archive", 7), 7);
	assert_int_equal(output_commit(&o), 0);
	output_close(&o, false);
	snprintf(p, sizeof(p), "%s/a.tar.gz", dir);
	assert_int_equal(access(p, F_OK), 0);
	assert_int_equal(names_in(dir), 1);
	/* Never overwrite an existing archive. */
	assert_int_equal(output_open(&o, dir, "a.tar.gz"), -EEXIST);
	output_close(&o, false);
	assert_int_equal(access(p, F_OK), 0);
	/* Taken while written: the commit fails, nothing is replaced. */
	assert_int_equal(output_open(&o, dir, "b.tar.gz"), 0);
	snprintf(p, sizeof(p), "%s/b.tar.gz", dir);
	close(open(p, O_WRONLY | O_CREAT, 0600));
	assert_int_equal(output_commit(&o), -EEXIST);
	output_close(&o, false);
	assert_int_equal(names_in(dir), 2);
}

/* Without O_TMPFILE: a partial file under a random hidden name, renamed
 * on commit, removed otherwise. */
static void test_output_partial_then_final(void **state)
{
	struct fx *f = *state;
	struct output o = OUTPUT_INIT;
	char p[256], first[32], dir[128];

	snprintf(dir, sizeof(dir), "%s/out", f->dir);
	assert_int_equal(mkdir(dir, 0700), 0);

	o.named = true;
	assert_int_equal(output_open(&o, dir, "a.tar.gz"), 0);
	assert_non_null(o.tmp);
	assert_int_equal(strlen(o.tmp), 25); /* "." 16 hex ".partial" */
	assert_int_equal(strncmp(o.tmp + 17, ".partial", 8), 0);
	assert_null(strstr(o.tmp, "a.tar.gz"));
	snprintf(first, sizeof(first), "%s", o.tmp);
	snprintf(p, sizeof(p), "%s/%s", dir, o.tmp);
	assert_int_equal(access(p, F_OK), 0);
	output_close(&o, false);
	assert_int_not_equal(access(p, F_OK), 0);

	o.named = true;
	assert_int_equal(output_open(&o, dir, "a.tar.gz"), 0);
	assert_string_not_equal(o.tmp, first);
	assert_int_equal(output_commit(&o), 0);
	output_close(&o, false);
	snprintf(p, sizeof(p), "%s/a.tar.gz", dir);
	assert_int_equal(access(p, F_OK), 0);
	assert_int_equal(names_in(dir), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_capture_fake_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capture_stop_leaves_no_manifest, setup, teardown),
		cmocka_unit_test(test_capture_bad_root),
		cmocka_unit_test(test_capture_basename),
		cmocka_unit_test_setup_teardown(test_output_nameless_then_final, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_partial_then_final, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
