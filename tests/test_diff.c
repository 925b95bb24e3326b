/* test_diff: the diff core on hand-built process and fd records, and on real archives. */
#include <errno.h>
#include <string.h>

#include "diff.h"
#include "testutil.h"

#define FIX "../fixtures/hostile/"

/* What the callback saw: one entry per change. */
struct seen {
	size_t n;
	struct {
		enum diff_kind kind;
		enum diff_in in;
		int pid, fd, tid;
		char field[32];
		json_t *before, *after;
	} c[64];
};

static int collect(const struct diff_change *c, void *arg)
{
	struct seen *s = arg;

	if (s->n == sizeof(s->c) / sizeof(*s->c))
		fail_msg("too many changes");
	s->c[s->n].kind = c->kind;
	s->c[s->n].in = c->in;
	s->c[s->n].pid = c->pid;
	s->c[s->n].fd = c->fd;
	s->c[s->n].tid = c->tid;
	snprintf(s->c[s->n].field, sizeof(s->c[s->n].field), "%s", c->field);
	s->c[s->n].before = c->before ? json_deep_copy(c->before) : NULL;
	s->c[s->n].after = c->after ? json_deep_copy(c->after) : NULL;
	s->n++;
	return 0;
}

static void seen_free(struct seen *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		json_decref(s->c[i].before);
		json_decref(s->c[i].after);
	}
	s->n = 0;
}

static json_t *J(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	if (!j)
		fail_msg("bad test JSON: %s: %s", e.text, text);
	return j;
}

/* A process like the capture writes it: pid 42, started at tick 1000. */
#define PROC(extra) \
	"{\"pid\":42,\"self\":false,\"argv\":[\"sshd\",\"-D\"],\"name\":\"sshd\",\"ppid\":1," \
	"\"state\":\"S\",\"pgrp\":42,\"session\":42,\"tty_nr\":0,\"start_ticks\":1000," \
	"\"start_time\":\"2026-11-27T18:04:11.000000000Z\",\"kernel_thread\":false," \
	"\"utime\":5,\"stime\":7,\"vsize\":1000,\"rss_pages\":10,\"tgid\":42,\"threads\":1," \
	"\"uid\":[1000,1000,1000,1000],\"gid\":[1000,1000,1000,1000]," \
	"\"caps\":{\"inh\":\"0000000000000000\",\"prm\":\"0000000000000000\"," \
	"\"eff\":\"0000000000000000\",\"bnd\":\"000001ffffffffff\",\"amb\":\"0000000000000000\"}," \
	"\"exe\":{\"target\":\"/usr/sbin/sshd\",\"deleted\":false,\"stat\":{\"dev\":1,\"ino\":7}}," \
	"\"cwd\":{\"target\":\"/\"},\"root\":{\"target\":\"/\"},\"fd_count\":1,\"deleted_fds\":0," \
	"\"errors\":[]" extra "}"

#define FD_FILE(n, path, ino, pos) \
	"{\"pid\":42,\"fd\":" #n ",\"target\":\"" path "\",\"type\":\"file\",\"deleted\":false," \
	"\"pos\":" #pos ",\"flags\":32768,\"stat\":{\"dev\":1,\"ino\":" #ino ",\"size\":" #pos "}}"

struct side {
	json_t *proc, *fds;
	struct diff_proc p;
};

static void side(struct side *s, const char *proc, const char *fds)
{
	s->proc = J(proc);
	s->fds = J(fds);
	s->p = (struct diff_proc){ 42, s->proc, s->fds, NULL };
}

static void side_free(struct side *s)
{
	json_decref(s->proc);
	json_decref(s->fds);
}

/* Runs diff_process on (a, b) texts into *out. */
static void run(struct seen *out, const char *pa, const char *fa, const char *pb,
		const char *fb, bool all)
{
	struct diff_opts o = { .all = all };
	struct side a, b;

	side(&a, pa, fa);
	side(&b, pb, fb);
	assert_int_equal(diff_process(&a.p, &b.p, &o, collect, out), 0);
	side_free(&a);
	side_free(&b);
}

/* Replaces the first from in b (of size cap) by to. */
static void subst(char *b, size_t cap, const char *from, const char *to)
{
	char *p = strstr(b, from);
	size_t tail;

	if (!p || strlen(b) - strlen(from) + strlen(to) >= cap)
		fail_msg("subst %s", from);
	tail = strlen(p + strlen(from));
	memmove(p + strlen(to), p + strlen(from), tail + 1);
	memcpy(p, to, strlen(to));
}

static int find(const struct seen *s, enum diff_kind k, const char *field)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->c[i].kind == k && strcmp(s->c[i].field, field) == 0)
			return (int)i;
	return -1;
}

static void test_diff_identical_no_changes(void **state)
{
	struct seen s = { 0 };

	(void)state;
	run(&s, PROC(""), "[" FD_FILE(3, "/var/log/auth.log", 9, 100) "]",
	    PROC(""), "[" FD_FILE(3, "/var/log/auth.log", 9, 100) "]", true);
	assert_int_equal(s.n, 0);
}

static void test_diff_pid_reuse_is_exit_and_start(void **state)
{
	struct seen s = { 0 };
	char b[4096];

	(void)state;
	snprintf(b, sizeof(b), "%s", PROC(""));
	memcpy(strstr(b, "\"start_ticks\":1000"), "\"start_ticks\":2000", 18);
	run(&s, PROC(""), "[]", b, "[]", false);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.c[0].kind, DIFF_EXITED);
	assert_int_equal(s.c[0].in, DIFF_IN_EXITED);
	assert_int_equal(s.c[1].kind, DIFF_STARTED);
	assert_int_equal(s.c[1].pid, 42);
	assert_int_equal(json_integer_value(json_object_get(s.c[1].after, "pid")), 42);
	assert_null(s.c[1].before);
	seen_free(&s);
}

static void test_diff_uid_change(void **state)
{
	struct seen s = { 0 };
	char b[4096];
	int i;

	(void)state;
	snprintf(b, sizeof(b), "%s", PROC(""));
	memcpy(strstr(b, "\"uid\":[1000,1000"), "\"uid\":[1000,   0", 16);
	run(&s, PROC(""), "[]", b, "[]", false);
	assert_int_equal(s.n, 1);
	i = find(&s, DIFF_FIELD, "uid");
	assert_int_equal(i, 0);
	assert_int_equal(s.c[0].in, DIFF_IN_CHANGED);
	assert_int_equal(json_integer_value(json_array_get(s.c[0].before, 1)), 1000);
	assert_int_equal(json_integer_value(json_array_get(s.c[0].after, 1)), 0);
	seen_free(&s);
}

static void test_diff_cap_change(void **state)
{
	struct seen s = { 0 };
	char b[4096];

	(void)state;
	snprintf(b, sizeof(b), "%s", PROC(""));
	memcpy(strstr(b, "\"eff\":\"0000000000000000\""), "\"eff\":\"0000000000200000\"", 24);
	run(&s, PROC(""), "[]", b, "[]", false);
	assert_int_equal(s.n, 1);
	assert_int_equal(find(&s, DIFF_FIELD, "caps.eff"), 0);
	assert_string_equal(json_string_value(s.c[0].after), "0000000000200000");
	assert_string_equal(json_string_value(s.c[0].before), "0000000000000000");
	seen_free(&s);
}

static void test_diff_exe_deleted(void **state)
{
	struct seen s = { 0 };
	char b[4096];

	(void)state;
	snprintf(b, sizeof(b), "%s", PROC(""));
	memcpy(strstr(b, "\"target\":\"/usr/sbin/sshd\",\"deleted\":false"),
	       "\"target\":\"/usr/sbin/sshd\",\"deleted\":true ", 41);
	run(&s, PROC(""), "[]", b, "[]", false);
	assert_int_equal(s.n, 1);
	assert_int_equal(find(&s, DIFF_FIELD, "exe.deleted"), 0);
	assert_true(json_is_true(s.c[0].after));
	seen_free(&s);
}

/* A cwd removed while in use is a change; an archive that did not record
 * cwd.deleted (written before it) says nothing about it. */
static void test_diff_cwd_deleted(void **state)
{
	static const char live[] = "\"cwd\":{\"target\":\"/\"}";
	static const char old_live[] = "\"cwd\":{\"target\":\"/\",\"deleted\":false}";
	static const char gone[] = "\"cwd\":{\"target\":\"/\",\"deleted\":true }";
	struct seen s = { 0 };
	char a[4096], b[4096];

	(void)state;
	snprintf(a, sizeof(a), "%s", PROC(""));
	snprintf(b, sizeof(b), "%s", PROC(""));
	/* Each cwd made longer in place: the rest of the record moved up. */
	memmove(strstr(a, live) + sizeof(old_live) - 1, strstr(a, live) + sizeof(live) - 1,
		strlen(strstr(a, live) + sizeof(live) - 1) + 1);
	memcpy(strstr(a, live), old_live, sizeof(old_live) - 1);
	memmove(strstr(b, live) + sizeof(gone) - 1, strstr(b, live) + sizeof(live) - 1,
		strlen(strstr(b, live) + sizeof(live) - 1) + 1);
	memcpy(strstr(b, live), gone, sizeof(gone) - 1);
	run(&s, a, "[]", b, "[]", false);
	assert_int_equal(s.n, 1);
	assert_int_equal(find(&s, DIFF_FIELD, "cwd.deleted"), 0);
	seen_free(&s);
	run(&s, PROC(""), "[]", b, "[]", false);
	assert_int_equal(s.n, 0);
	seen_free(&s);
}

static void test_diff_new_deleted_fd_with_sha(void **state)
{
	struct seen s = { 0 };
	int i;

	(void)state;
	run(&s, PROC(""), "[" FD_FILE(3, "/etc/passwd", 9, 0) "]",
	    PROC(""), "[" FD_FILE(3, "/etc/passwd", 9, 0) "," "{\"pid\":42,\"fd\":4,"
	    "\"target\":\"/tmp/x (deleted)\",\"type\":\"file\",\"deleted\":true,"
	    "\"stat\":{\"dev\":1,\"ino\":77,\"size\":5},\"content\":{\"status\":\"captured\","
	    "\"sha256\":\"abc123\",\"size\":5}}]", false);
	assert_int_equal(s.n, 1);
	i = find(&s, DIFF_DELETED, "fd");
	assert_int_equal(i, 0);
	assert_int_equal(s.c[0].fd, 4);
	assert_null(s.c[0].before);
	assert_string_equal(json_string_value(json_object_get(json_object_get(s.c[0].after,
									   "content"), "sha256")), "abc123");
	seen_free(&s);

	/* A file held in A and deleted since is newly a deleted file held. */
	run(&s, PROC(""), "[" FD_FILE(4, "/tmp/x", 77, 0) "]", PROC(""),
	    "[{\"pid\":42,\"fd\":4,\"target\":\"/tmp/x (deleted)\",\"type\":\"file\","
	    "\"deleted\":true,\"pos\":0,\"flags\":32768,\"stat\":{\"dev\":1,\"ino\":77,\"size\":0},"
	    "\"content\":{\"status\":\"captured\",\"sha256\":\"e3b0\",\"size\":0}}]", false);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.c[0].kind, DIFF_DELETED);
	assert_non_null(s.c[0].before);
	seen_free(&s);
}

#define SOCK(n, ino, local, remote, st) \
	"{\"pid\":42,\"fd\":" #n ",\"target\":\"socket:[" #ino "]\",\"type\":\"socket\"," \
	"\"deleted\":false,\"inode\":" #ino ",\"socket\":{\"proto\":\"tcp\",\"local\":\"" local \
	"\",\"remote\":\"" remote "\",\"state\":\"" st "\"}}"

static void test_diff_sockets_by_inode(void **state)
{
	struct seen s = { 0 };
	int i;

	(void)state;
	/* 100 stays (moved from fd 5 to fd 9: the same socket), 200 goes,
	 * 300 appears, 400 appears listening. */
	run(&s, PROC(""),
	    "[" SOCK(5, 100, "10.0.0.1:22", "10.0.0.9:5000", "ESTABLISHED") ","
	    SOCK(6, 200, "10.0.0.1:22", "10.0.0.8:5001", "ESTABLISHED") "]",
	    PROC(""),
	    "[" SOCK(6, 300, "10.0.0.1:41000", "203.0.113.5:443", "ESTABLISHED") ","
	    SOCK(7, 400, "0.0.0.0:4444", "0.0.0.0:0", "LISTEN") ","
	    SOCK(9, 100, "10.0.0.1:22", "10.0.0.9:5000", "ESTABLISHED") "]", false);
	assert_int_equal(s.n, 3);
	i = find(&s, DIFF_SOCKET, "socket");
	assert_true(i >= 0);
	assert_null(s.c[i].after);
	assert_int_equal(s.c[i].fd, 6);
	assert_int_equal(json_integer_value(json_object_get(s.c[i].before, "inode")), 200);
	assert_int_equal(s.c[i + 1].kind, DIFF_SOCKET);
	assert_null(s.c[i + 1].before);
	assert_int_equal(json_integer_value(json_object_get(s.c[i + 1].after, "inode")), 300);
	i = find(&s, DIFF_LISTEN, "socket");
	assert_true(i >= 0);
	assert_int_equal(s.c[i].fd, 7);
	assert_string_equal(json_string_value(json_object_get(json_object_get(s.c[i].after,
		"socket"), "local")), "0.0.0.0:4444");
	seen_free(&s);
}

static void test_diff_noise_only_with_all(void **state)
{
	struct seen s = { 0 };
	char b[4096];

	(void)state;
	snprintf(b, sizeof(b), "%s", PROC(""));
	memcpy(strstr(b, "\"utime\":5"), "\"utime\":9", 9);
	memcpy(strstr(b, "\"vsize\":1000"), "\"vsize\":9000", 12);
	run(&s, PROC(""), "[" FD_FILE(3, "/var/log/x", 9, 100) "]",
	    b, "[" FD_FILE(3, "/var/log/x", 9, 900) "]", false);
	assert_int_equal(s.n, 0);
	run(&s, PROC(""), "[" FD_FILE(3, "/var/log/x", 9, 100) "]",
	    b, "[" FD_FILE(3, "/var/log/x", 9, 900) "]", true);
	assert_true(find(&s, DIFF_FIELD, "utime") >= 0);
	assert_true(find(&s, DIFF_FIELD, "vsize") >= 0);
	assert_true(find(&s, DIFF_FD, "fd.pos") >= 0);
	assert_true(find(&s, DIFF_FD, "fd.stat.size") >= 0);
	assert_int_equal(s.n, 4);
	assert_true(diff_is_noise("utime"));
	assert_false(diff_is_noise("uid"));
	seen_free(&s);
}

/* What watch needs of a change: the whole fd records compared, whichever
 * field changed, and NULL where the fd is absent. */
struct records {
	int64_t pos_before, pos_after;
	int opened, replaced;
};

static int fd_records(const struct diff_change *c, void *arg)
{
	struct records *r = arg;

	if (c->kind == DIFF_FD && strcmp(c->field, "fd.pos") == 0) {
		assert_non_null(c->fd_before);
		assert_non_null(c->fd_after);
		r->pos_before = json_integer_value(json_object_get(c->fd_before, "pos"));
		r->pos_after = json_integer_value(json_object_get(c->fd_after, "pos"));
		assert_non_null(json_object_get(c->fd_after, "stat"));
	} else if (c->kind == DIFF_FD && strcmp(c->field, "fd") == 0 && !c->fd_before) {
		assert_non_null(c->fd_after);
		assert_int_equal(json_integer_value(json_object_get(c->fd_after, "fd")), c->fd);
		r->opened++;
	} else if (c->kind == DIFF_FD && strcmp(c->field, "fd") == 0) {
		assert_non_null(c->fd_after);
		assert_string_equal(json_string_value(json_object_get(c->fd_before, "target")),
				    "/photos/1.jpg");
		r->replaced++;
	} else if (c->kind == DIFF_FIELD) {
		assert_null(c->fd_before);
		assert_null(c->fd_after);
	}
	return 0;
}

static void test_diff_fd_records(void **state)
{
	struct diff_opts o = { .all = true };
	struct records r = { 0 };
	struct side a, b;
	char pb[4096];

	(void)state;
	snprintf(pb, sizeof(pb), "%s", PROC(""));
	memcpy(strstr(pb, "\"utime\":5"), "\"utime\":9", 9);
	side(&a, PROC(""), "[" FD_FILE(3, "/var/log/x", 9, 100) "," FD_FILE(5, "/photos/1.jpg", 20, 7) "]");
	side(&b, pb, "[" FD_FILE(3, "/var/log/x", 9, 900) "," FD_FILE(5, "/photos/2.jpg", 21, 3) ","
		 FD_FILE(6, "/etc/hosts", 22, 0) "]");
	assert_int_equal(diff_process(&a.p, &b.p, &o, fd_records, &r), 0);
	assert_int_equal(r.pos_before, 100);
	assert_int_equal(r.pos_after, 900);
	assert_int_equal(r.opened, 1);
	assert_int_equal(r.replaced, 1);
	side_free(&a);
	side_free(&b);
}

/* diff_opts.each: every pid once, with both sides; its value stops the
 * diff. */
struct pairs {
	int calls, both;
	size_t changes;
};

static int on_each(void *arg, const struct diff_proc *a, const struct diff_proc *b)
{
	struct pairs *p = arg;

	p->calls++;
	p->both += a && b && a->pid == b->pid;
	return 0;
}

static int stop_each(void *arg, const struct diff_proc *a, const struct diff_proc *b)
{
	(void)a;
	(void)b;
	return ++((struct pairs *)arg)->calls == 2 ? 9 : 0;
}

static int count_pairs(const struct diff_change *c, void *arg)
{
	(void)c;
	((struct pairs *)arg)->changes++;
	return 0;
}

static void test_diff_each(void **state)
{
	struct diff_opts o = { .all = true, .each = on_each };
	struct pairs p = { 0 };
	struct diff *d = NULL;

	(void)state;
	assert_int_equal(diff_open(&d, FIX "base.tar.gz", FIX "base.tar.gz"), 0);
	assert_int_equal(diff_run(d, &o, count_pairs, &p), 0);
	assert_true(p.calls > 1);
	assert_int_equal(p.both, p.calls);
	assert_int_equal(p.changes, 0);
	diff_free(d);
	d = NULL;
	o.each = stop_each;
	p.calls = 0;
	assert_int_equal(diff_open(&d, FIX "base.tar.gz", FIX "base.tar.gz"), 0);
	assert_int_equal(diff_run(d, &o, count_pairs, &p), 9);
	assert_int_equal(p.calls, 2);
	diff_free(d);
}

static void test_diff_fds_opened_closed_elsewhere(void **state)
{
	struct seen s = { 0 };

	(void)state;
	run(&s, PROC(""), "[" FD_FILE(3, "/a", 1, 0) "," FD_FILE(4, "/b", 2, 0) "]",
	    PROC(""), "[" FD_FILE(4, "/c", 3, 0) "," FD_FILE(5, "/d", 4, 0) "]", false);
	assert_int_equal(s.n, 3);
	assert_true(s.c[0].kind == DIFF_FD && s.c[0].fd == 3 && !s.c[0].after);
	assert_true(s.c[1].kind == DIFF_FD && s.c[1].fd == 4 && s.c[1].before && s.c[1].after);
	assert_string_equal(json_string_value(json_object_get(s.c[1].after, "target")), "/c");
	assert_true(s.c[2].kind == DIFF_FD && s.c[2].fd == 5 && !s.c[2].before);
	seen_free(&s);
}

/* Vanished: no data, so absent; unreadable fields are no change. */
static void test_diff_vanished_and_unreadable(void **state)
{
	struct seen s = { 0 };
	char b[4096];

	(void)state;
	run(&s, PROC(""), "[]", "{\"pid\":42,\"self\":false,\"vanished\":true,\"errors\":[]}",
	    "[]", false);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.c[0].kind, DIFF_EXITED);
	seen_free(&s);
	snprintf(b, sizeof(b), "%s", PROC(""));
	subst(b, sizeof(b), "\"cwd\":{\"target\":\"/\"}", "\"cwd\":null");
	subst(b, sizeof(b), "\"errors\":[]", "\"errors\":[{\"what\":\"cwd\"}]");
	run(&s, PROC(""), "[]", b, "[]", false);
	assert_int_equal(s.n, 0);
}

static void test_diff_hosts_reboot_first(void **state)
{
	json_t *a = J("{\"hostname\":\"web1\",\"boot_id\":\"aaaa\"}");
	json_t *b = J("{\"hostname\":\"web2\",\"boot_id\":\"bbbb\"}");
	struct diff_summary sum = DIFF_SUMMARY_INIT;
	struct seen s = { 0 };
	struct diff_change c = { 0 };
	size_t i;

	(void)state;
	assert_int_equal(diff_hosts(a, b, NULL, collect, &s), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.c[0].field, "boot_id");
	assert_string_equal(s.c[1].field, "hostname");
	for (i = 0; i < s.n; i++) {
		c.kind = s.c[i].kind;
		c.in = s.c[i].in;
		c.field = s.c[i].field;
		diff_count(&sum, &c);
	}
	assert_true(sum.rebooted && sum.other_host);
	seen_free(&s);
	assert_int_equal(diff_hosts(a, a, NULL, collect, &s), 0);
	assert_int_equal(s.n, 0);
	json_decref(a);
	json_decref(b);
}

static int count(const struct diff_change *c, void *arg)
{
	(void)c;
	(*(size_t *)arg)++;
	return 0;
}

/* Real archives: one compared with itself has no changes; broken ones
 * fail with a message naming the archive. */
static void test_diff_archives(void **state)
{
	struct diff *d = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(diff_open(&d, FIX "base.tar.gz", FIX "base.tar.gz"), 0);
	assert_int_equal(diff_run(d, NULL, count, &n), 0);
	assert_int_equal(n, 0);
	assert_non_null(diff_host(d, 1));
	diff_free(d);

	d = NULL;
	assert_int_equal(diff_open(&d, FIX "base.tar.gz", FIX "version2.tar.gz"), -EPROTONOSUPPORT);
	assert_non_null(strstr(diff_error(d), "version2.tar.gz"));
	diff_free(d);

	d = NULL;
	assert_int_equal(diff_open(&d, FIX "base.tar.gz", FIX "trunc-member.tar.gz"), 0);
	assert_int_equal(diff_run(d, NULL, count, &n), -EBADMSG);
	assert_non_null(strstr(diff_error(d), "trunc-member.tar.gz: "));
	diff_free(d);

	d = NULL;
	assert_int_equal(diff_open(&d, FIX "duplicate.tar.gz", FIX "base.tar.gz"), 0);
	assert_int_equal(diff_run(d, NULL, count, &n), -EBADMSG);
	assert_non_null(strstr(diff_error(d), "duplicate process"));
	diff_free(d);
}

/* A thread with its own fd table (unshare(CLONE_FILES)): its fd 3 is not
 * the process's fd 3.  Records pair by (table, fd); the change names the
 * thread. */
static void test_diff_thread_table_fds(void **state)
{
	const char *a = "[" FD_FILE(3, "/etc/passwd", 11, 0) ","
		"{\"pid\":42,\"tid\":43,\"fd\":3,\"target\":\"/tmp/t\",\"type\":\"file\","
		"\"deleted\":false,\"pos\":0,\"flags\":32768,\"stat\":{\"dev\":1,\"ino\":12}}]";
	const char *b = "[" FD_FILE(3, "/etc/passwd", 11, 0) ","
		"{\"pid\":42,\"tid\":43,\"fd\":3,\"target\":\"/tmp/t\",\"type\":\"file\","
		"\"deleted\":false,\"pos\":0,\"flags\":32768,\"stat\":{\"dev\":1,\"ino\":12}},"
		"{\"pid\":42,\"tid\":43,\"fd\":4,\"target\":\"/tmp/p (deleted)\",\"type\":\"file\","
		"\"deleted\":true,\"pos\":0,\"flags\":32768,\"stat\":{\"dev\":1,\"ino\":13},"
		"\"content\":{\"status\":\"captured\",\"sha256\":\"ab\"}}]";
	struct seen s = { 0 };

	(void)state;
	run(&s, PROC(""), a, PROC(""), a, false);
	assert_int_equal(s.n, 0);
	run(&s, PROC(""), a, PROC(""), b, false);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.c[0].kind, DIFF_DELETED);
	assert_int_equal(s.c[0].fd, 4);
	assert_int_equal(s.c[0].tid, 43);
	assert_int_equal(json_integer_value(json_object_get(s.c[0].after, "tid")), 43);
	seen_free(&s);
	/* The thread's fd 3 closed: one close, of the thread's fd 3. */
	run(&s, PROC(""), a, PROC(""), "[" FD_FILE(3, "/etc/passwd", 11, 0) "]", false);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.c[0].kind, DIFF_FD);
	assert_int_equal(s.c[0].fd, 3);
	assert_int_equal(s.c[0].tid, 43);
	assert_null(s.c[0].after);
	seen_free(&s);
	/* The process's fd 3 closed, the thread's kept: not "fd 3 now /tmp/t". */
	run(&s, PROC(""), a, PROC(""),
	    "[{\"pid\":42,\"tid\":43,\"fd\":3,\"target\":\"/tmp/t\",\"type\":\"file\","
	    "\"deleted\":false,\"pos\":0,\"flags\":32768,\"stat\":{\"dev\":1,\"ino\":12}}]",
	    false);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.c[0].kind, DIFF_FD);
	assert_int_equal(s.c[0].tid, 0);
	assert_non_null(s.c[0].before);
	assert_null(s.c[0].after);
	seen_free(&s);
}

/* A process moved into another network namespace (setns, a container
 * escape or entry): one "ns.net" line; a side without "ns" says nothing. */
static void test_diff_namespace_change(void **state)
{
	struct seen s = { 0 };

	(void)state;
	run(&s, PROC(",\"ns\":{\"net\":4026531840,\"mnt\":4026531841}"), "[]",
	    PROC(",\"ns\":{\"net\":4026532999,\"mnt\":4026531841}"), "[]", false);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.c[0].field, "ns.net");
	assert_int_equal(json_integer_value(s.c[0].before), 4026531840LL);
	assert_int_equal(json_integer_value(s.c[0].after), 4026532999LL);
	seen_free(&s);
	run(&s, PROC(",\"ns\":{\"net\":4026531840}"), "[]", PROC(""), "[]", false);
	assert_int_equal(s.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff_identical_no_changes),
		cmocka_unit_test(test_diff_pid_reuse_is_exit_and_start),
		cmocka_unit_test(test_diff_uid_change),
		cmocka_unit_test(test_diff_cap_change),
		cmocka_unit_test(test_diff_exe_deleted),
		cmocka_unit_test(test_diff_cwd_deleted),
		cmocka_unit_test(test_diff_new_deleted_fd_with_sha),
		cmocka_unit_test(test_diff_sockets_by_inode),
		cmocka_unit_test(test_diff_noise_only_with_all),
		cmocka_unit_test(test_diff_fd_records),
		cmocka_unit_test(test_diff_each),
		cmocka_unit_test(test_diff_fds_opened_closed_elsewhere),
		cmocka_unit_test(test_diff_vanished_and_unreadable),
		cmocka_unit_test(test_diff_hosts_reboot_first),
		cmocka_unit_test(test_diff_archives),
		cmocka_unit_test(test_diff_thread_table_fds),
		cmocka_unit_test(test_diff_namespace_change),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
