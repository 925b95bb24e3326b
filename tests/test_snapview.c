/* test_snapview: display of hostile records — one line each, valid JSON, lossless bytes. */
#include <string.h>

#include "snapview.h"
#include "testutil.h"
#include "users.h"

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, JSON_ALLOW_NUL, &e);

	if (!j)
		fail_msg("test JSON: %s", e.text);
	return j;
}

/* A process named with a newline, an escape sequence and a byte that is
 * not UTF-8, as procsnap records it (name_b64, argv_b64). */
static const char evil_proc[] =
	"{\"pid\":7,\"ppid\":1,\"uid\":[1000,0,0,0],\"state\":\"S\","
	"\"start_time\":\"2026-11-27T19:03:56.810000000Z\","
	"\"name\":\"evil\\nname\\u001b[31m\\ufffd\",\"name_b64\":\"ZXZpbApuYW1lG1szMW3/\","
	"\"argv\":[\"a\\nb\",\"\\ufffd\"],\"argv_b64\":[\"YQpi\",\"/w==\"],"
	"\"exe\":{\"target\":\"/x (deleted)\",\"deleted\":true,\"content\":"
	"{\"status\":\"captured\",\"sha256\":\"" "0123456789abcdef0123456789abcdef"
	"0123456789abcdef0123456789abcdef\"}},\"deleted_fds\":2}";

static void test_snapview_proc_text_one_line(void **state)
{
	json_t *p = parse(evil_proc);
	struct buf b = BUF_INIT;
	size_t at = 0;

	(void)state;
	assert_int_equal(snapview_proc_text(&b, p, NULL, 2, &at), 0);
	/* Exactly one line, no control byte, the bytes shown escaped. */
	assert_int_equal(strchr(b.data, '\n') - b.data, (long)b.len - 1);
	assert_null(strchr(b.data, '\x1b'));
	assert_non_null(strstr(b.data, "    evil\\nname\\x1b[31m\\xff a\\nb \\xff\n"));
	assert_non_null(strstr(b.data, "2026-11-27T19:03:56Z S XD    "));
	assert_string_equal(b.data + at, "    evil\\nname\\x1b[31m\\xff a\\nb \\xff\n");
	assert_int_equal(strncmp(b.data, "      7       1      0 ", 23), 0);
	json_decref(p);
	buf_free(&b);
}

static void test_snapview_proc_json_lossless(void **state)
{
	json_t *p = parse(evil_proc), *out;
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(snapview_proc_json(&b, p), 0);
	out = parse(b.data);
	assert_string_equal(json_string_value(json_object_get(out, "name_b64")),
			    "ZXZpbApuYW1lG1szMW3/");
	assert_string_equal(json_string_value(json_array_get(json_object_get(out, "argv_b64"), 1)),
			    "/w==");
	/* The joined command line carries its own exact bytes. */
	assert_string_equal(json_string_value(json_object_get(out, "cmdline_b64")), "YQpiIP8=");
	/* One schema: uid is the record's array, euid derived from it; exe
	 * is the record's object, its content too. */
	assert_int_equal(json_integer_value(json_object_get(out, "euid")), 0);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(out, "uid"), 0)), 1000);
	assert_true(json_is_true(json_object_get(json_object_get(out, "exe"), "deleted")));
	assert_int_equal(strlen(json_string_value(json_object_get(
		json_object_get(json_object_get(out, "exe"), "content"), "sha256"))), 64);
	assert_int_equal(json_array_size(json_object_get(out, "unexamined")), 0);
	assert_string_equal(json_string_value(json_object_get(out, "start_time")),
			    "2026-11-27T19:03:56.810000000Z");
	json_decref(out);
	json_decref(p);
	buf_free(&b);
}

/* Values of the wrong type are shown as missing, never trusted. */
static void test_snapview_wrong_types(void **state)
{
	json_t *p = parse("{\"pid\":\"7\",\"ppid\":[1],\"uid\":\"root\",\"name\":5,"
			  "\"argv\":\"sh\",\"start_time\":\"\\u001b]0;pwned\\u0007\"}");
	struct buf b = BUF_INIT;
	json_t *out;

	(void)state;
	assert_int_equal(snapview_proc_text(&b, p, NULL, 0, NULL), 0);
	assert_non_null(strstr(b.data, "      -       -      - -        \\x1b]0;pwned\\x07 - -     " "-"
				       "            " "?               [?]\n"));
	buf_reset(&b);
	assert_int_equal(snapview_proc_json(&b, p), 0);
	out = parse(b.data);
	/* Left out: missing, never trusted. */
	assert_null(json_object_get(out, "pid"));
	assert_null(json_object_get(out, "name"));
	assert_null(json_object_get(out, "uid"));
	assert_true(json_is_null(json_object_get(out, "euid")));
	json_decref(out);
	json_decref(p);
	buf_free(&b);
}

static void test_snapview_fd_lines(void **state)
{
	json_t *sock = parse("{\"pid\":9,\"fd\":4,\"type\":\"socket\",\"target\":\"socket:[77]\","
			     "\"deleted\":false,\"socket\":{\"proto\":\"tcp\",\"local\":\"127.0.0.1:80\","
			     "\"remote\":\"10.0.0.2:5000\",\"state\":\"ESTABLISHED\"}}");
	json_t *del = parse("{\"pid\":9,\"fd\":5,\"type\":\"file\",\"target\":\"/tmp/a\\nb (deleted)\","
			    "\"deleted\":true,\"pos\":12,\"flags\":33793,\"stat\":{\"size\":100},"
			    "\"content\":{\"status\":"
			    "\"truncated\",\"size\":100,\"stored\":10,\"member\":\"content/1-2\","
			    "\"sha256\":\"x\",\"reason\":\"larger than --max-file-size\"}}");
	json_t *bad = parse("{\"pid\":9,\"fd\":6,\"type\":\"unknown\",\"deleted\":false,"
			    "\"errors\":[{\"what\":\"link\",\"errno\":\"EACCES\",\"reason\":\"denied\"}]}");
	json_t *proc = parse("{\"pid\":9,\"name\":\"nc\",\"uid\":[1000,33,33,33]}");
	struct snapview_ctx ctx = { .machine = "x86_64" };
	struct buf b = BUF_INIT;
	json_t *out;

	(void)state;
	snapview_ctx_process(&ctx, proc);
	snapview_fd_text(&b, &ctx, sock);
	assert_string_equal(b.data, "nc                    9     33 -             4 socket              -"
				    "          - -   -          "
				    "tcp 127.0.0.1:80->10.0.0.2:5000 (ESTABLISHED)\n");
	buf_reset(&b);
	snapview_fd_text(&b, &ctx, del);
	assert_string_equal(b.data, "nc                    9     33 -            5w file              100"
				    "         12 del truncated  "
				    "/tmp/a\\nb (deleted) [larger than --max-file-size]\n");
	buf_reset(&b);
	snapview_fd_text(&b, &ctx, bad);
	/* Its file could not be examined: whether it is deleted is not known. */
	assert_non_null(strstr(b.data, " ?   -          (link not read: denied) [not examined: "
				       "denied, EACCES]\n"));
	buf_reset(&b);
	snapview_fd_json(&b, &ctx, del);
	out = parse(b.data);
	assert_string_equal(json_string_value(json_object_get(out, "object")), "fd");
	assert_true(json_is_true(json_object_get(out, "deleted")));
	assert_int_equal(json_integer_value(json_object_get(out, "size")), 100);
	assert_string_equal(json_string_value(json_object_get(json_object_get(out, "content"),
							      "status")), "truncated");
	assert_string_equal(json_string_value(json_object_get(out, "target")), "/tmp/a\nb (deleted)");
	assert_string_equal(json_string_value(json_object_get(out, "command")), "nc");
	assert_int_equal(json_integer_value(json_object_get(out, "euid")), 33);
	assert_string_equal(json_string_value(json_object_get(out, "access")), "w");
	assert_string_equal(json_string_value(json_array_get(json_object_get(out, "flag_names"), 0)),
			    "O_WRONLY");
	assert_string_equal(json_string_value(json_array_get(json_object_get(out, "flag_names"), 1)),
			    "O_APPEND");
	/* 0102001: as lsof +fg prints it, W,AP,LG. */
	assert_int_equal(json_array_size(json_object_get(out, "lsof_flags")), 3);
	assert_string_equal(json_string_value(json_array_get(json_object_get(out, "lsof_flags"), 0)),
			    "W");
	assert_string_equal(json_string_value(json_array_get(json_object_get(out, "lsof_flags"), 1)),
			    "AP");
	assert_string_equal(json_string_value(json_array_get(json_object_get(out, "lsof_flags"), 2)),
			    "LG");
	/* fds --json leaves out the stat (show --json has it). */
	assert_null(json_object_get(out, "stat"));
	json_decref(out);
	buf_reset(&b);
	ctx.full = true;
	snapview_fd_json(&b, &ctx, del);
	out = parse(b.data);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(out, "stat"), "size")),
			 100);
	json_decref(out);
	ctx.full = false;
	buf_reset(&b);
	snapview_fd_json(&b, &ctx, bad);
	out = parse(b.data);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(out, "unexamined"), 0), "part")), "file");
	json_decref(out);
	buf_reset(&b);
	snapview_fd_json(&b, &ctx, sock);
	out = parse(b.data);
	assert_null(json_object_get(out, "content"));
	assert_null(json_object_get(out, "size"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(out, "socket"), "remote")),
			    "10.0.0.2:5000");
	json_decref(out);
	json_decref(proc);
	json_decref(sock);
	json_decref(del);
	json_decref(bad);
	buf_free(&b);
}

static void test_snapview_tree(void **state)
{
	/* 1 -> 3 -> 5, 1 -> 2; 9 has an absent parent; 7 and 8 are each
	 * other's parent (a loop); 4 is its own parent. */
	int pid[] = { 5, 3, 1, 2, 9, 7, 8, 4 };
	int ppid[] = { 3, 1, 0, 1, 100, 8, 7, 4 };
	size_t order[8];
	unsigned depth[8];
	int want_pid[] = { 1, 2, 3, 5, 4, 9, 7, 8 };
	unsigned want_depth[] = { 0, 1, 1, 2, 0, 0, 0, 1 };
	size_t i;

	(void)state;
	assert_int_equal(snapview_tree(pid, ppid, 8, order, depth), 0);
	for (i = 0; i < 8; i++) {
		assert_int_equal(pid[order[i]], want_pid[i]);
		assert_int_equal(depth[i], want_depth[i]);
	}
	assert_int_equal(snapview_tree(pid, ppid, 0, order, depth), 0);
}

/* A chain a million deep: no recursion, and the indent is capped. */
static void test_snapview_tree_deep(void **state)
{
	size_t n = 1000000, i;
	int *pid = malloc(n * sizeof(*pid)), *ppid = malloc(n * sizeof(*ppid));
	size_t *order = malloc(n * sizeof(*order));
	unsigned *depth = malloc(n * sizeof(*depth));
	struct buf b = BUF_INIT;

	(void)state;
	for (i = 0; i < n; i++) {
		pid[i] = (int)i + 1;
		ppid[i] = (int)i;
	}
	assert_int_equal(snapview_tree(pid, ppid, n, order, depth), 0);
	assert_int_equal(depth[n - 1], n - 1);
	snapview_indent(&b, depth[n - 1]);
	assert_int_equal(b.len, 128);
	free(pid);
	free(ppid);
	free(order);
	free(depth);
	buf_free(&b);
}

static void test_snapview_maps(void **state)
{
	static const char *const lines[] = {
		"55d4c0000000-55d4c0002000 r--p 00000000 fe:00 123 /usr/bin/sleep",
		"55d4c0002000-55d4c0006000 r-xp 00002000 fe:00 123 /tmp/x (deleted)",
		"55d4c0006000-55d4c0008000 r--p 00006000 fe:00 123 /tmp/x (deleted)",
		"7f0000000000-7f0000001000 rwxp 00000000 00:00 0 ",
		"7f0000001000-7f0000002000 r-xp 00000000 00:00 0",
		"7f0000002000-7f0000003000 r--p 00000000 00:01 5 /memfd:\x1b[2J (deleted)",
		"garbage",
		"1000-0 r--p 0 0 0",
	};
	struct snapview_maps m = SNAPVIEW_MAPS_INIT;
	struct buf b = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(*lines); i++)
		snapview_maps_add(&m, lines[i], strlen(lines[i]));
	assert_int_equal(m.mappings, 6);
	assert_int_equal(m.bad, 2);
	assert_int_equal(m.exec, 3);
	assert_int_equal(m.anon_exec, 2);
	assert_int_equal(m.write_exec, 1);
	assert_int_equal(m.deleted, 3);
	assert_int_equal(m.named, 2); /* /tmp/x once */
	snapview_maps_text(&b, &m);
	assert_non_null(strstr(b.data, "deleted file mapped: /tmp/x (deleted)\n"));
	assert_non_null(strstr(b.data, "deleted file mapped: /memfd:\\x1b[2J (deleted)\n"));
	assert_null(strchr(b.data, '\x1b'));
	snapview_maps_free(&m);
	buf_free(&b);
}

static void test_snapview_deep(void **state)
{
	json_t *p = parse("{\"pid\":7,\"ppid\":1,\"uid\":[0,0,0,0],\"name\":\"x\",\"argv\":[\"x\"],"
			  "\"mapped_deleted\":[{\"start\":\"1000\"}],\"fd_tables\":[{\"tid\":8}],"
			  "\"container\":{\"runtime\":\"docker\",\"id\":\"0123456789abcdef0123\"}}");
	json_t *fd = parse("{\"pid\":7,\"fd\":3,\"tid\":8,\"type\":\"memfd\",\"kind\":\"memfd\","
			   "\"target\":\"/memfd:m (deleted)\",\"deleted\":true,\"seals\":[\"seal\",\"grow\"],"
			   "\"content\":{\"status\":\"captured\",\"size\":1,\"changed\":true}}");
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(snapview_proc_text(&b, p, NULL, 0, NULL), 0);
	assert_non_null(strstr(b.data, " MT    0123456789ab x               x\n"));
	assert_true(snapview_proc_in_container(p, "0123"));
	assert_true(snapview_proc_in_container(p, "docker"));
	assert_true(snapview_proc_in_container(p, "any"));
	assert_false(snapview_proc_in_container(p, "0124"));
	buf_reset(&b);
	assert_int_equal(snapview_fd_text(&b, NULL, fd), 0);
	assert_non_null(strstr(b.data, "/memfd:m (deleted) (thread 8's own fd table) [memfd; seals seal,grow]"
				       " [changing: size or mtime moved while it was read]\n"));
	assert_true(snapview_fd_changing(fd));
	json_decref(p);
	json_decref(fd);
	buf_free(&b);
}

/* Names beside the uids, from the snapshot's /etc/passwd: escaped, cut
 * to the column as ps does, the numbers kept; show's ids as id(1). */
static void test_snapview_user_names(void **state)
{
	static const char pw[] = "root:x:0:0::/:\nwww-data:x:33:33::/:\n"
				 "ev\x1b[31mil-and-long:x:1001:1001::/:\n";
	json_t *proc = parse("{\"pid\":9,\"name\":\"nc\",\"uid\":[1000,33,33,33],"
			     "\"gid\":[0,\"x\",7,1001]}");
	json_t *evil = parse("{\"pid\":7,\"uid\":[0,1001,0,1001]}");
	json_t *sock = parse("{\"pid\":9,\"fd\":4,\"type\":\"pipe\",\"target\":\"pipe:[1]\"}");
	struct snapview_ctx ctx = { .machine = "x86_64" };
	struct users *u = NULL;
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(users_new(&u), 0);
	assert_int_equal(users_add_passwd(u, pw, sizeof(pw) - 1), 0);
	assert_int_equal(users_add_group(u, "root:x:0:\n", 10), 0);
	ctx.users = u;
	snapview_ctx_process(&ctx, proc);
	snapview_fd_text(&b, &ctx, sock);
	assert_int_equal(strncmp(b.data, "nc                    9     33 www-data      4 ", 47), 0);
	buf_reset(&b);
	assert_int_equal(snapview_proc_text(&b, evil, u, 0, NULL), 0);
	/* Escaped, then cut: the escape byte never reaches the terminal. */
	assert_int_equal(strncmp(b.data, "      7       -   1001 ev\\x1b[+ ", 32), 0);
	assert_null(strchr(b.data, '\x1b'));
	buf_reset(&b);
	assert_int_equal(snapview_ids(&b, u, proc, "uid", false), 0);
	assert_string_equal(b.data, "1000 33(www-data) 33(www-data) 33(www-data)");
	buf_reset(&b);
	assert_int_equal(snapview_ids(&b, u, proc, "gid", true), 0);
	assert_string_equal(b.data, "0(root) - 7 1001");
	buf_reset(&b);
	assert_int_equal(snapview_ids(&b, u, evil, "gid", true), 0);
	assert_string_equal(b.data, "-");
	buf_reset(&b);
	assert_int_equal(snapview_user(&b, u, true, 1001, 0), 0);
	assert_string_equal(b.data, "ev\\x1b[31mil-and-long");
	users_free(u);
	json_decref(proc);
	json_decref(evil);
	json_decref(sock);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapview_proc_text_one_line),
		cmocka_unit_test(test_snapview_proc_json_lossless),
		cmocka_unit_test(test_snapview_wrong_types),
		cmocka_unit_test(test_snapview_deep),
		cmocka_unit_test(test_snapview_fd_lines),
		cmocka_unit_test(test_snapview_user_names),
		cmocka_unit_test(test_snapview_tree),
		cmocka_unit_test(test_snapview_tree_deep),
		cmocka_unit_test(test_snapview_maps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
