/* test_snapshot: the process model — items, processes with their fds, and its checks. */
#include <errno.h>
#include <string.h>

#include "snapshot.h"
#include "testutil.h"

#define FIX "../fixtures/hostile/"
#define PID1 18303
#define PID2 18304

static struct snapshot *open_ok(const char *path, const struct snapshot_opts *o)
{
	struct snapshot *s = NULL;

	if (snapshot_open(&s, path, o))
		fail_msg("%s: %s", path, snapshot_error(s));
	return s;
}

static void test_snapshot_items_in_order(void **state)
{
	struct snapshot_opts o = { .fds = true, .raw = true, .content = true };
	struct snapshot *s = open_ok(FIX "base.tar.gz", &o);
	struct snapshot_item it;
	int n[SNAPSHOT_CONTENT + 1] = { 0 }, x, last_pid = 0;

	(void)state;
	while ((x = snapshot_next(s, &it)) > 0) {
		n[it.kind]++;
		switch (it.kind) {
		case SNAPSHOT_HOST:
			assert_string_equal(snapshot_str(it.json, "hostname"), "vm");
			break;
		case SNAPSHOT_FD:
			assert_true(it.len > 0);
			assert_int_equal(json_integer_value(json_object_get(it.json, "pid")), it.pid);
			break;
		case SNAPSHOT_PROCESS:
			assert_true(it.pid > last_pid);
			last_pid = it.pid;
			break;
		case SNAPSHOT_CONTENT:
			/* Met first in the process whose members precede it. */
			assert_int_equal(it.pid, PID1);
			break;
		default:
			break;
		}
	}
	assert_int_equal(x, 0);
	assert_int_equal(n[SNAPSHOT_HOST], 1);
	assert_int_equal(n[SNAPSHOT_SUMMARY], 1);
	assert_int_equal(n[SNAPSHOT_PROCESS], 2);
	assert_int_equal(n[SNAPSHOT_FD], 12);
	assert_int_equal(n[SNAPSHOT_RAW], 12);
	assert_int_equal(n[SNAPSHOT_CONTENT], 2);
	assert_non_null(snapshot_host(s));
	snapshot_free(s);
}

static void test_snapshot_processes_with_fds(void **state)
{
	struct snapshot_opts o = { .ordered = true };
	struct snapshot *s = open_ok(FIX "base.tar.gz", &o);
	struct snap_process p;
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(snapshot_next_process(s, &p), 1);
	assert_int_equal(p.pid, PID1);
	assert_int_equal(json_array_size(p.fds), 6);
	assert_int_equal(snapshot_bytes(p.process, "name", &b), 1);
	assert_string_equal(b.data, "sleeper");
	assert_int_equal(snapshot_next_process(s, &p), 1);
	assert_int_equal(p.pid, PID2);
	/* Exact bytes from name_b64, not the U+FFFD display string. */
	assert_int_equal(snapshot_bytes(p.process, "name", &b), 1);
	assert_int_equal(b.len, 15);
	assert_memory_equal(b.data, "evil\nname\x1b[31m\xff", 15);
	assert_int_equal(snapshot_array_bytes(p.process, "argv", 0, &b), 1);
	assert_memory_equal(b.data + b.len - 15, "evil\nname\x1b[31m\xff", 15);
	assert_int_equal(snapshot_array_bytes(p.process, "argv", 1, &b), 1);
	assert_string_equal(b.data, "3600");
	assert_int_equal(snapshot_array_bytes(p.process, "argv", 2, &b), 0);
	assert_int_equal(snapshot_next_process(s, &p), 0);
	snapshot_free(s);
	buf_free(&b);
}

static void test_snapshot_value_helpers(void **state)
{
	json_t *j = json_loads("{\"a\":\"x\",\"a_b64\":\"/w==\",\"b\":\"y\",\"bad\":\"z\","
			       "\"bad_b64\":\"!!!\",\"n\":5,\"t\":true,\"s\":3,"
			       "\"nul\":\"a\\u0000b\"}", JSON_ALLOW_NUL, NULL);
	struct buf b = BUF_INIT;
	int64_t v;
	bool t;

	(void)state;
	assert_non_null(j);
	assert_int_equal(snapshot_bytes(j, "a", &b), 1);
	assert_int_equal(b.len, 1);
	assert_int_equal((unsigned char)b.data[0], 0xff);
	assert_int_equal(snapshot_bytes(j, "b", &b), 1);
	assert_string_equal(b.data, "y");
	assert_int_equal(snapshot_bytes(j, "bad", &b), -EBADMSG);
	assert_int_equal(snapshot_bytes(j, "n", &b), 0);
	assert_int_equal(snapshot_bytes(j, "none", &b), 0);
	assert_int_equal(snapshot_bytes(j, "nul", &b), 1);
	assert_int_equal(b.len, 3);
	assert_null(snapshot_str(j, "nul"));
	assert_true(snapshot_int(j, "n", &v) && v == 5);
	assert_false(snapshot_int(j, "a", &v));
	assert_true(snapshot_bool(j, "t", &t) && t);
	assert_false(snapshot_bool(j, "s", &t));
	json_decref(j);
	buf_free(&b);
}

static const struct {
	const char *file;
	int err;
	const char *text;
} broken[] = {
	{ "bad-json.tar.gz", -EBADMSG, "proc/18303/process.json: not valid JSON" },
	{ "wrong-pid.tar.gz", -EBADMSG, "proc/18303/fds.jsonl line 1: its \"pid\" is not 18303" },
	{ "orphan-fds.tar.gz", -EBADMSG, "proc/18303/fds.jsonl is followed by proc/18304/stat, not by proc/18303/process.json" },
	{ "duplicate.tar.gz", -EBADMSG, "duplicate process: proc/18303/process.json appears twice" },
	{ "no-manifest.tar.gz", -EBADMSG, "missing manifest" },
	{ "traversal.tar.gz", -EBADMSG, "climbs out" },
};

static void test_snapshot_broken_named(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(broken) / sizeof(*broken); i++) {
		struct snapshot_opts o = { .fds = true };
		struct snapshot *s = NULL;
		struct snapshot_item it;
		char path[256];
		int x = 0, n = 0;

		snprintf(path, sizeof(path), FIX "%s", broken[i].file);
		x = snapshot_open(&s, path, &o);
		while (!x && (x = snapshot_next(s, &it)) > 0)
			x = 0, n++;
		if (x != broken[i].err || !strstr(snapshot_error(s), broken[i].text))
			fail_msg("%s: %d '%s'", broken[i].file, x, snapshot_error(s));
		/* The error sticks. */
		if (s)
			assert_int_equal(snapshot_next(s, &it), x);
		snapshot_free(s);
	}
}

/* fd_text: lines handed out unparsed, parsed on demand with the same
 * checks (a wrong pid is named). */
static void test_snapshot_fd_text(void **state)
{
	struct snapshot_opts o = { .fds = true, .fd_text = true };
	struct snapshot *s = open_ok(FIX "base.tar.gz", &o);
	struct snapshot_item it;
	json_t *j;
	int x, n = 0;

	(void)state;
	while ((x = snapshot_next(s, &it)) > 0) {
		if (it.kind != SNAPSHOT_FD)
			continue;
		assert_null(it.json);
		assert_non_null(it.text);
		assert_int_equal(it.text[0], '{');
		assert_int_equal(snapshot_fd_parse(s, it.pid, it.line, it.text, it.len, &j), 0);
		assert_int_equal(json_integer_value(json_object_get(j, "pid")), it.pid);
		json_decref(j);
		n++;
	}
	assert_int_equal(x, 0);
	assert_int_equal(n, 12);
	assert_int_equal(snapshot_fd_parse(s, PID1, 7, "{\"pid\":1,\"fd\":3}", 16, &j),
			 -EBADMSG);
	assert_null(j);
	assert_non_null(strstr(snapshot_error(s), "proc/18303/fds.jsonl line 7: its \"pid\" is not 18303"));
	snapshot_free(s);

	s = open_ok(FIX "base.tar.gz", &o);
	assert_int_equal(snapshot_fd_parse(s, PID1, 1, "{\"pid\":18303,\"fd\":-1}", 21, &j),
			 -EBADMSG);
	assert_non_null(strstr(snapshot_error(s), "no \"fd\" number"));
	snapshot_free(s);
}

/* Ascending pids are checked only when asked for. */
static void test_snapshot_ordered(void **state)
{
	struct snapshot_opts o = { .ordered = true };
	struct snapshot *s = open_ok(FIX "duplicate.tar.gz", &o);
	struct snap_process p;

	(void)state;
	assert_int_equal(snapshot_next_process(s, &p), 1);
	assert_int_equal(snapshot_next_process(s, &p), -EBADMSG);
	assert_non_null(strstr(snapshot_error(s), "duplicate process"));
	snapshot_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot_items_in_order),
		cmocka_unit_test(test_snapshot_processes_with_fds),
		cmocka_unit_test(test_snapshot_value_helpers),
		cmocka_unit_test(test_snapshot_broken_named),
		cmocka_unit_test(test_snapshot_ordered),
		cmocka_unit_test(test_snapshot_fd_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
