/* test_parse: the /proc parsers on real text kept in fixtures/proc. */
#include <errno.h>
#include <string.h>

#include "testutil.h"
#include "parse.h"

static void test_parse_stat_normal(void **state)
{
	struct buf b = BUF_INIT;
	struct parse_stat s;

	(void)state;
	fixture(&b, "stat.normal");
	assert_int_equal(parse_stat(b.data, b.len, &s), 0);
	assert_int_equal(s.pid, 4447);
	assert_int_equal(s.comm_len, 5);
	assert_memory_equal(s.comm, "sleep", 5);
	assert_int_equal(s.state, 'S');
	assert_int_equal(s.ppid, 4445);
	assert_int_equal(s.pgrp, 4400);
	assert_int_equal(s.num_threads, 1);
	assert_int_equal(s.starttime, 208679);
	assert_int_equal(s.vsize, 2990080);
	assert_int_equal(s.rss, 430);
	buf_free(&b);
}

/* comm may hold ")", spaces, digits: split on the last ')' (procps). */
static void test_parse_stat_smiley(void **state)
{
	struct buf b = BUF_INIT;
	struct parse_stat s;

	(void)state;
	fixture(&b, "stat.smiley");
	assert_int_equal(parse_stat(b.data, b.len, &s), 0);
	assert_int_equal(s.comm_len, 9);
	assert_memory_equal(s.comm, ":-) 1 2 3", 9);
	assert_int_equal(s.state, 'S');
	assert_int_equal(s.ppid, 4445);
	assert_int_equal(s.starttime, 208679);
	buf_free(&b);
}

static void test_parse_stat_newline_and_bytes(void **state)
{
	struct buf b = BUF_INIT;
	struct parse_stat s;

	(void)state;
	fixture(&b, "stat.newline");
	assert_int_equal(parse_stat(b.data, b.len, &s), 0);
	assert_int_equal(s.comm_len, 8);
	assert_memory_equal(s.comm, "new\nline", 8);
	assert_int_equal(s.ppid, 4445);
	fixture(&b, "stat.nonutf8");
	assert_int_equal(parse_stat(b.data, b.len, &s), 0);
	assert_memory_equal(s.comm, "bad\xff\xfename", 9);
	assert_int_equal(s.ppid, 4445);
	buf_free(&b);
}

static void test_parse_stat_kthread_zombie(void **state)
{
	struct buf b = BUF_INIT;
	struct parse_stat s;

	(void)state;
	fixture(&b, "stat.kthread");
	assert_int_equal(parse_stat(b.data, b.len, &s), 0);
	assert_int_equal(s.pid, 2);
	assert_true(s.flags & 0x00200000UL); /* PF_KTHREAD */
	assert_int_equal(s.vsize, 0);
	fixture(&b, "stat.zombie");
	assert_int_equal(parse_stat(b.data, b.len, &s), 0);
	assert_int_equal(s.state, 'Z');
	assert_false(s.flags & 0x00200000UL);
	buf_free(&b);
}

static void test_parse_stat_bad(void **state)
{
	static const char *const bad[] = {
		"", "123", "123 (abc", "abc (x) S 1", "123 (a) S",
		"123 (a) S 1 2 3", "123 (a)S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20",
		"123 (aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa) S 1",
		"99999999999 (a) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20",
	};
	struct parse_stat s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(parse_stat(bad[i], strlen(bad[i]), &s), -EINVAL);
}

static void test_parse_status_fields(void **state)
{
	struct buf b = BUF_INIT;
	struct parse_status s;
	const char *v;
	size_t vl;

	(void)state;
	fixture(&b, "status.normal");
	assert_int_equal(parse_status(b.data, b.len, &s), 0);
	assert_true(s.has_ids);
	assert_int_equal(s.tgid, 4447);
	assert_int_equal(s.ppid, 4445);
	assert_int_equal(s.threads, 1);
	assert_int_equal(s.state, 'S');
	assert_int_equal(s.uid[1], 0);
	assert_true(s.has_caps);
	assert_int_equal(s.cap_eff, 0x000001fffeffffffULL);
	assert_true(s.has_kthread);
	assert_false(s.kthread);
	fixture(&b, "status.kthread");
	assert_int_equal(parse_status(b.data, b.len, &s), 0);
	assert_true(s.kthread);
	/* The kernel escapes a newline in Name: as the two bytes \n. */
	fixture(&b, "status.newline");
	assert_int_equal(parse_status_field(b.data, b.len, "Name", &v, &vl), 0);
	assert_int_equal(vl, 9);
	assert_memory_equal(v, "new\\nline", 9);
	assert_int_equal(parse_status_field(b.data, b.len, "Nope", &v, &vl), -ENOENT);
	fixture(&b, "status.zombie");
	assert_int_equal(parse_status(b.data, b.len, &s), 0);
	assert_int_equal(s.state, 'Z');
	assert_int_equal(parse_status("garbage", 7, &s), -EINVAL);
	buf_free(&b);
}

static void test_parse_fdinfo_kinds(void **state)
{
	static const char *const all[] = {
		"fdinfo.regular", "fdinfo.regular-flock", "fdinfo.eventfd",
		"fdinfo.epoll", "fdinfo.inotify", "fdinfo.memfd", "fdinfo.pidfd",
		"fdinfo.pipe", "fdinfo.signalfd", "fdinfo.socket", "fdinfo.timerfd",
	};
	struct buf b = BUF_INIT;
	struct parse_fdinfo f;
	size_t i;

	(void)state;
	fixture(&b, "fdinfo.regular");
	assert_int_equal(parse_fdinfo(b.data, b.len, &f), 0);
	assert_int_equal(f.pos, 100);
	assert_int_equal(f.flags, 02100000);
	assert_int_equal(f.mnt_id, 27);
	fixture(&b, "fdinfo.memfd");
	assert_int_equal(parse_fdinfo(b.data, b.len, &f), 0);
	assert_int_equal(f.pos, 4096);
	assert_int_equal(f.mnt_id, 0);
	for (i = 0; i < sizeof(all) / sizeof(*all); i++) {
		fixture(&b, all[i]);
		assert_int_equal(parse_fdinfo(b.data, b.len, &f), 0);
		assert_true(f.has_pos && f.has_flags && f.has_mnt_id);
	}
	assert_int_equal(parse_fdinfo("x: 1\n", 5, &f), -EINVAL);
	buf_free(&b);
}

/* Each line of fdlinks.txt is "<kind>\t<target>" as read from a real fd. */
static void test_parse_link_real_targets(void **state)
{
	struct buf b = BUF_INIT;
	char *line, *save = NULL;
	int seen = 0;

	(void)state;
	fixture(&b, "fdlinks.txt");
	for (line = strtok_r(b.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t'), *t;
		const char *name;
		size_t nl;
		uint64_t ino;
		enum parse_link_kind k;

		assert_non_null(tab);
		*tab = 0;
		t = tab + 1;
		k = parse_link(t, strlen(t), &ino, &name, &nl);
		if (strcmp(line, "socket") == 0 || strcmp(line, "unix-socket") == 0) {
			assert_int_equal(k, PARSE_LINK_SOCKET);
			assert_true(ino > 0);
		} else if (strcmp(line, "pipe") == 0) {
			assert_int_equal(k, PARSE_LINK_PIPE);
			assert_int_equal(ino, 49347);
		} else if (strcmp(line, "eventfd") == 0) {
			assert_int_equal(k, PARSE_LINK_ANON);
			assert_int_equal(nl, 7);
			assert_memory_equal(name, "eventfd", 7);
		} else if (strcmp(line, "inotify") == 0) {
			assert_int_equal(k, PARSE_LINK_ANON);
			assert_memory_equal(name, "inotify", 7);
		} else if (strncmp(line, "epoll", 5) == 0 || strcmp(line, "timerfd") == 0 ||
			   strcmp(line, "signalfd") == 0 || strcmp(line, "pidfd") == 0) {
			assert_int_equal(k, PARSE_LINK_ANON);
		} else {
			/* Every path, "(deleted)" or not, is just a path. */
			assert_int_equal(k, PARSE_LINK_PATH);
		}
		seen++;
	}
	assert_true(seen >= 10);
	{
		uint64_t ino;
		const char *name;
		size_t nl;

		assert_int_equal(parse_link("socket:[12", 10, &ino, &name, &nl), PARSE_LINK_OTHER);
		assert_int_equal(parse_link("socket:[1x]", 11, &ino, &name, &nl), PARSE_LINK_OTHER);
		assert_int_equal(parse_link("net:[4026531840]", 16, &ino, &name, &nl), PARSE_LINK_OTHER);
		assert_int_equal(parse_link("", 0, &ino, &name, &nl), PARSE_LINK_OTHER);
	}
	buf_free(&b);
}

/* Finds the socket with inode ino in a table's text. */
static int find_sock(const char *fixture_name, const char *proto, uint64_t ino,
		     struct parse_sock *out)
{
	struct buf b = BUF_INIT;
	char *line, *save = NULL;
	int found = -1;

	fixture(&b, fixture_name);
	for (line = strtok_r(b.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int r = proto ? parse_net_inet(line, strlen(line), proto, out)
			      : parse_net_unix(line, strlen(line), out);

		if (r == -ENOENT)
			continue;
		assert_int_equal(r, 0);
		if (out->ino == ino) {
			found = 0;
			break;
		}
	}
	buf_free(&b);
	return found;
}

static void test_parse_net_tables(void **state)
{
	struct parse_sock s;

	(void)state;
	assert_int_equal(find_sock("net.tcp", "tcp", 49360, &s), 0);
	assert_string_equal(s.local, "127.0.0.1:36757");
	assert_string_equal(s.state, "LISTEN");
	assert_int_equal(find_sock("net.tcp", "tcp", 49361, &s), 0);
	assert_string_equal(s.local, "127.0.0.1:51414");
	assert_string_equal(s.remote, "127.0.0.1:36757");
	assert_string_equal(s.state, "ESTABLISHED");
	assert_int_equal(find_sock("net.tcp6", "tcp6", 49364, &s), 0);
	assert_string_equal(s.local, "[::1]:33929");
	assert_string_equal(s.state, "LISTEN");
	assert_int_equal(find_sock("net.udp", "udp", 49363, &s), 0);
	assert_string_equal(s.local, "127.0.0.1:37843");
	assert_string_equal(s.state, "UNCONN");
	assert_int_equal(find_sock("net.unix", NULL, 49368, &s), 0);
	assert_string_equal(s.local, "/tmp/procsnap-fixtures/my sock");
	assert_string_equal(s.state, "LISTEN");
	assert_string_equal(s.type, "stream");
	assert_int_equal(find_sock("net.unix", NULL, 49369, &s), 0);
	assert_string_equal(s.type, "dgram");
	assert_int_equal(parse_net_inet("garbage", 7, "tcp", &s), -EINVAL);
	assert_int_equal(parse_net_inet("   0: 0100007F:1F90", 19, "tcp", &s), -EINVAL);
	assert_int_equal(parse_net_unix("zz", 2, &s), -EINVAL);
}

static void test_parse_btime_and_size(void **state)
{
	struct buf b = BUF_INIT;
	uint64_t v;

	(void)state;
	fixture(&b, "stat.host");
	assert_int_equal(parse_btime(b.data, b.len, &v), 0);
	assert_int_equal(v, 1795802641ULL);
	assert_int_equal(parse_btime("cpu 1 2\n", 8, &v), -ENOENT);
	assert_int_equal(parse_size("100K", &v), 0);
	assert_int_equal(v, 102400);
	assert_int_equal(parse_size("4G", &v), 0);
	assert_int_equal(v, 4ULL << 30);
	assert_int_equal(parse_size("512MiB", &v), 0);
	assert_int_equal(v, 512ULL << 20);
	assert_int_equal(parse_size("7", &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(parse_size("", &v), -EINVAL);
	assert_int_equal(parse_size("1.5G", &v), -EINVAL);
	assert_int_equal(parse_size("12X", &v), -EINVAL);
	assert_int_equal(parse_size("-1", &v), -EINVAL);
	assert_int_equal(parse_size("99999999999999T", &v), -EINVAL);
	buf_free(&b);
}

static void test_parse_ns_and_nspid(void **state)
{
	static const char status[] = "Name:\tsh\nNSpid:\t4242\t17\t1\nNSsid:\t1\n";
	int64_t v[4];
	uint64_t ino;

	(void)state;
	assert_int_equal(parse_ns_link("net:[4026531840]", 16, &ino), 0);
	assert_int_equal(ino, 4026531840ULL);
	assert_int_equal(parse_ns_link("net:4026531840", 14, &ino), -EINVAL);
	assert_int_equal(parse_ns_link("net:[12x]", 9, &ino), -EINVAL);
	assert_int_equal(parse_nspid(status, strlen(status), v, 4), 3);
	assert_int_equal(v[0], 4242);
	assert_int_equal(v[2], 1);
	assert_int_equal(parse_nspid(status, strlen(status), v, 2), 2);
	assert_int_equal(parse_nspid("Pid:\t1\n", 7, v, 4), -ENOENT);
}

static void test_parse_maps_line(void **state)
{
	static const char l[] =
		"7f348aeeb000-7f348aeed000 r--s 00001000 fe:00 10954210                   /tmp/x (deleted)";
	struct parse_map m;

	(void)state;
	assert_int_equal(parse_maps_line(l, strlen(l), &m), 0);
	assert_int_equal(m.start, 0x7f348aeeb000ULL);
	assert_int_equal(m.end, 0x7f348aeed000ULL);
	assert_int_equal(m.offset, 0x1000);
	assert_string_equal(m.perms, "r--s");
	assert_int_equal(m.path_len, strlen("/tmp/x (deleted)"));
	assert_memory_equal(m.path, "/tmp/x (deleted)", m.path_len);
	assert_int_equal(m.dev_major, 0xfe);
	assert_int_equal(m.dev_minor, 0);
	assert_int_equal(m.inode, 10954210);
	/* An anonymous mapping: inode 0, no path; a device of two hex digits
	 * each side (103:02 is major 0x103). */
	assert_int_equal(parse_maps_line("7ffd1-7ffd2 rw-p 00000000 00:00 0 ", 34, &m), 0);
	assert_int_equal(m.inode, 0);
	assert_int_equal(m.path_len, 0);
	assert_int_equal(parse_maps_line("1000-2000 r-xp 00000000 103:02 42 /bin/x", 40, &m), 0);
	assert_int_equal(m.dev_major, 0x103);
	assert_int_equal(m.dev_minor, 2);
	assert_int_equal(m.inode, 42);
	assert_int_equal(parse_maps_line("zz-1 r--p", 9, &m), -EINVAL);
	assert_int_equal(parse_maps_line("2-1 r--p 0 0:0 0", 16, &m), -EINVAL);
}

static void test_parse_container(void **state)
{
	static const char docker[] =
		"0::/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope\n";
	static const char v1[] =
		"12:pids:/docker/fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210\n"
		"1:name=systemd:/docker/fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210\n";
	static const char k8s[] =
		"0::/kubepods.slice/kubepods-besteffort.slice/cri-containerd-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.scope\n";
	static const char lxc[] = "0::/lxc.payload.web1/system.slice\n";
	static const char host[] = "0::/user.slice/user-1000.slice/session-2.scope\n";
	static const char almost[] = "0::/docker-0123456789abcdef.scope\n";
	struct parse_container c;

	(void)state;
	assert_int_equal(parse_container(docker, strlen(docker), &c), 0);
	assert_string_equal(c.runtime, "docker");
	assert_string_equal(c.id, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	assert_int_equal(parse_container(v1, strlen(v1), &c), 0);
	assert_string_equal(c.runtime, "docker");
	assert_string_equal(c.path, "/docker/fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210");
	assert_int_equal(parse_container(k8s, strlen(k8s), &c), 0);
	assert_string_equal(c.runtime, "containerd");
	assert_int_equal(parse_container(lxc, strlen(lxc), &c), 0);
	assert_string_equal(c.runtime, "lxc");
	assert_string_equal(c.id, "web1");
	assert_int_equal(parse_container(host, strlen(host), &c), 0);
	assert_string_equal(c.path, "/user.slice/user-1000.slice/session-2.scope");
	assert_string_equal(c.id, "");
	assert_int_equal(parse_container(almost, strlen(almost), &c), 0);
	assert_string_equal(c.id, "");
	assert_int_equal(parse_container("junk", 4, &c), -ENOENT);
}

/* /proc/PID/io, as a process read it of itself. */
static void test_parse_io(void **state)
{
	struct buf b = BUF_INIT;
	struct parse_io io;
	int i;

	(void)state;
	fixture(&b, "io");
	assert_int_equal(parse_io(b.data, b.len, &io), 0);
	for (i = 0; i < PARSE_IO_FIELDS; i++)
		assert_true(io.has[i]);
	assert_string_equal(parse_io_names[0], "rchar");
	assert_int_equal(io.v[0], 6976ULL);
	assert_int_equal(io.v[1], 0ULL);
	assert_int_equal(io.v[2], 10ULL);
	assert_string_equal(parse_io_names[6], "cancelled_write_bytes");
	/* A field alone is enough; none is -EINVAL. */
	assert_int_equal(parse_io("wchar: 12\n", 10, &io), 0);
	assert_false(io.has[0]);
	assert_true(io.has[1]);
	assert_int_equal(io.v[1], 12);
	assert_int_equal(parse_io("nothing\n", 8, &io), -EINVAL);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_stat_normal),
		cmocka_unit_test(test_parse_stat_smiley),
		cmocka_unit_test(test_parse_stat_newline_and_bytes),
		cmocka_unit_test(test_parse_stat_kthread_zombie),
		cmocka_unit_test(test_parse_stat_bad),
		cmocka_unit_test(test_parse_status_fields),
		cmocka_unit_test(test_parse_fdinfo_kinds),
		cmocka_unit_test(test_parse_link_real_targets),
		cmocka_unit_test(test_parse_net_tables),
		cmocka_unit_test(test_parse_btime_and_size),
		cmocka_unit_test(test_parse_ns_and_nspid),
		cmocka_unit_test(test_parse_maps_line),
		cmocka_unit_test(test_parse_container),
		cmocka_unit_test(test_parse_io),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
