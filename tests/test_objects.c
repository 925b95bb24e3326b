/* test_objects: what could not be examined (examined.c), the objects of a process (objects.c), fd flags (fdflags.c). */
#include <string.h>

#include <jansson.h>

#include "examined.h"
#include "fdflags.h"
#include "objects.h"
#include "testutil.h"

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	if (!j)
		fail_msg("test JSON: %s", e.text);
	return j;
}

#define DENIED(w) "{\"what\":\"" w "\",\"errno\":\"EACCES\",\"reason\":\"denied\"}"

/* Another user's process in a capture by a non-root user: its exe, maps
 * and fd table denied.  Three gaps, in the order exe, fds, maps. */
static void test_examined_denied(void **state)
{
	json_t *p = parse("{\"pid\":5,\"state\":\"S\",\"exe\":null,\"errors\":["
			  DENIED("environ") "," DENIED("exe") "," DENIED("maps") ","
			  DENIED("fd") "]}");
	struct examined_gap g[EXAMINED_MAX];

	(void)state;
	assert_int_equal(examined_process(p, g, EXAMINED_MAX), 3);
	assert_int_equal(g[0].part, EXAMINED_EXE);
	assert_int_equal(g[1].part, EXAMINED_FDS);
	assert_int_equal(g[2].part, EXAMINED_MAPS);
	assert_string_equal(json_string_value(json_object_get(g[1].error, "what")), "fd");
	assert_string_equal(examined_part_name(g[2].part), "maps");
	/* Counting only: no gap written. */
	assert_int_equal(examined_process(p, NULL, 0), 3);
	json_decref(p);
}

/* What a process lacks by nature is no gap; a thread's unreadable table
 * and a kcmp refusal are. */
static void test_examined_natural_and_threads(void **state)
{
	json_t *zombie = parse("{\"pid\":6,\"state\":\"Z\",\"errors\":["
			       "{\"what\":\"exe\",\"errno\":\"ENOENT\",\"reason\":\"vanished\"},"
			       "{\"what\":\"fd\",\"errno\":\"ENOENT\",\"reason\":\"vanished\"}]}");
	json_t *kthread = parse("{\"pid\":2,\"state\":\"S\",\"kernel_thread\":true,\"exe\":null,"
				"\"errors\":[]}");
	json_t *threads = parse("{\"pid\":7,\"state\":\"S\",\"errors\":["
				"{\"what\":\"task/9/kcmp\",\"errno\":\"EPERM\",\"reason\":\"denied\"}],"
				"\"fd_tables\":[{\"tid\":8,\"tids\":[8],\"fd_count\":0,\"errors\":["
				DENIED("task/8/fd") "]}]}");
	json_t *gone = parse("{\"pid\":3,\"vanished\":true,\"errors\":["
			     "{\"what\":\"process\",\"errno\":\"ENOENT\",\"reason\":\"vanished\"}]}");
	struct examined_gap g[EXAMINED_MAX];

	(void)state;
	assert_int_equal(examined_process(zombie, g, EXAMINED_MAX), 0);
	assert_int_equal(examined_process(kthread, g, EXAMINED_MAX), 0);
	assert_int_equal(examined_process(threads, g, EXAMINED_MAX), 2);
	assert_int_equal(g[0].part, EXAMINED_FDS);
	assert_int_equal(g[0].tid, 0);
	assert_int_equal(g[1].tid, 8);
	assert_int_equal(examined_process(gone, g, EXAMINED_MAX), 1);
	assert_int_equal(g[0].part, EXAMINED_PROCESS);
	json_decref(zombie);
	json_decref(kthread);
	json_decref(threads);
	json_decref(gone);
}

/* An fd whose file could not be stat'ed: deleted or not is not known,
 * but for sockets, pipes and anon inodes, which the link types. */
static void test_examined_fd(void **state)
{
	json_t *f = parse("{\"pid\":5,\"fd\":3,\"type\":\"unknown\",\"deleted\":false,"
			  "\"target\":\"/x (deleted)\",\"errors\":[" DENIED("pin") "]}");
	json_t *s = parse("{\"pid\":5,\"fd\":4,\"type\":\"socket\",\"deleted\":false,"
			  "\"errors\":[" DENIED("pin") "]}");
	json_t *ok = parse("{\"pid\":5,\"fd\":5,\"type\":\"file\",\"deleted\":false,"
			   "\"stat\":{\"size\":1}}");
	const json_t *e = NULL;
	struct object o = { .kind = OBJECT_FD, .pid = 5 };

	(void)state;
	assert_true(examined_fd_unknown(f, &e));
	assert_string_equal(json_string_value(json_object_get(e, "what")), "pin");
	assert_false(examined_fd_unknown(s, &e));
	assert_false(examined_fd_unknown(ok, NULL));
	o.rec = f;
	assert_int_equal(object_deleted(&o), -1);
	assert_true(object_maybe_deleted(&o));
	o.rec = ok;
	assert_int_equal(object_deleted(&o), 0);
	assert_false(object_maybe_deleted(&o));
	json_decref(f);
	json_decref(s);
	json_decref(ok);
}

struct seen {
	char kinds[64];
	size_t n;
};

static int collect(void *arg, const struct object *o)
{
	struct seen *s = arg;
	const char *k = object_kind_name(o->kind);

	if (s->n)
		strcat(s->kinds, " ");
	strcat(s->kinds, k);
	if (o->gap)
		strcat(s->kinds, "?");
	s->n++;
	return 0;
}

/* txt, cwd, mem (not the exe's own mapping), then the gaps. */
static void test_objects_order(void **state)
{
	json_t *p = parse(
		"{\"pid\":5,\"state\":\"S\","
		"\"exe\":{\"target\":\"/bin/x (deleted)\",\"deleted\":true,"
		"\"stat\":{\"dev\":1,\"ino\":2},\"content\":{\"status\":\"captured\"}},"
		"\"cwd\":{\"target\":\"/tmp/d (deleted)\",\"deleted\":true},"
		"\"mapped_deleted\":["
		"{\"start\":\"1000\",\"end\":\"2000\",\"dev\":1,\"ino\":2},"
		"{\"start\":\"3000\",\"end\":\"4000\",\"dev\":1,\"ino\":3,"
		"\"content\":{\"status\":\"captured\",\"changed\":true}},"
		"{\"start\":\"5000\",\"end\":\"6000\",\"errors\":[" DENIED("map_files") "]}],"
		"\"errors\":[" DENIED("fd") "]}");
	json_t *clean = parse("{\"pid\":6,\"state\":\"S\",\"exe\":{\"target\":\"/bin/y\","
			      "\"deleted\":false},\"cwd\":{\"target\":\"/\",\"deleted\":false},"
			      "\"mapped_deleted\":[],\"errors\":[]}");
	struct seen s = { "", 0 };
	struct object o = { .kind = OBJECT_MEM, .pid = 5 };

	(void)state;
	assert_int_equal(objects_of_process(p, collect, &s), 0);
	assert_string_equal(s.kinds, "txt cwd mem mem nofd?");
	memset(&s, 0, sizeof(s));
	assert_int_equal(objects_of_process(clean, collect, &s), 0);
	assert_int_equal(s.n, 0);
	/* A mapping is deleted when its file was examined, else not known. */
	o.rec = json_array_get(json_object_get(p, "mapped_deleted"), 1);
	assert_int_equal(object_deleted(&o), 1);
	assert_true(object_changing(&o));
	o.rec = json_array_get(json_object_get(p, "mapped_deleted"), 2);
	assert_int_equal(object_deleted(&o), -1);
	json_decref(p);
	json_decref(clean);
}

static void test_fdflags(void **state)
{
	const char *n[FDFLAGS_MAX];
	uint64_t rest;
	size_t k;

	(void)state;
	assert_int_equal(fdflags_access(0), 'r');
	assert_int_equal(fdflags_access(01), 'w');
	assert_int_equal(fdflags_access(02002), 'u');
	/* O_RDWR|O_APPEND|O_LARGEFILE|O_CLOEXEC on x86_64. */
	k = fdflags_names(02102002, "x86_64", n, FDFLAGS_MAX, &rest);
	assert_int_equal(k, 4);
	assert_string_equal(n[0], "O_RDWR");
	assert_string_equal(n[1], "O_APPEND");
	assert_string_equal(n[2], "O_LARGEFILE");
	assert_string_equal(n[3], "O_CLOEXEC");
	assert_int_equal(rest, 0);
	/* On arm64 the same bit 0100000 is O_NOFOLLOW, and O_LARGEFILE is
	 * 0400000. */
	k = fdflags_names(0500000, "aarch64", n, FDFLAGS_MAX, &rest);
	assert_int_equal(k, 3);
	assert_string_equal(n[1], "O_NOFOLLOW");
	assert_string_equal(n[2], "O_LARGEFILE");
	/* O_SYNC is __O_SYNC|O_DSYNC: one name. */
	k = fdflags_names(04010001, "x86_64", n, FDFLAGS_MAX, &rest);
	assert_int_equal(k, 2);
	assert_string_equal(n[1], "O_SYNC");
	/* An unknown architecture: only the shared bits are named. */
	k = fdflags_names(02002002, "sparc64", n, FDFLAGS_MAX, &rest);
	assert_int_equal(k, 2);
	assert_string_equal(n[1], "O_APPEND");
	assert_int_equal(rest, 02000000);
}

/* lsof's names joined with ',' as lsof +fg prints them. */
static const char *lsof_joined(uint64_t flags, const char *machine)
{
	static char out[256];
	const char *n[FDFLAGS_MAX];
	uint64_t rest;
	size_t k = fdflags_lsof(flags, machine, n, FDFLAGS_MAX, &rest), i;
	int len = 0;

	out[0] = '\0';
	for (i = 0; i < k; i++)
		len += snprintf(out + len, sizeof(out) - (size_t)len, "%s%s", i ? "," : "", n[i]);
	if (rest)
		snprintf(out + len, sizeof(out) - (size_t)len, "%s0x%llx", k ? "," : "",
			 (unsigned long long)rest);
	return out;
}

/* fdinfo flags and what lsof 4.95 printed for them on x86_64 (+fg). */
static void test_fdflags_lsof(void **state)
{
	(void)state;
	assert_string_equal(lsof_joined(0100000, "x86_64"), "LG");
	assert_string_equal(lsof_joined(0100001, "x86_64"), "W,LG");
	assert_string_equal(lsof_joined(02100002, "x86_64"), "RW,LG,CX");
	assert_string_equal(lsof_joined(0102001, "x86_64"), "W,AP,LG");
	assert_string_equal(lsof_joined(0104000, "x86_64"), "ND,LG");
	/* O_SYNC, and O_DSYNC alone: both "SYN" (any bit of O_SYNC). */
	assert_string_equal(lsof_joined(04110001, "x86_64"), "W,SYN,LG");
	assert_string_equal(lsof_joined(0110001, "x86_64"), "W,SYN,LG");
	assert_string_equal(lsof_joined(0140000, "x86_64"), "DIR,LG");
	assert_string_equal(lsof_joined(01100000, "x86_64"), "NATM,LG");
	assert_string_equal(lsof_joined(010000000, "x86_64"), "PATH");
	assert_string_equal(lsof_joined(020300002, "x86_64"), "RW,DTY,LG,TMPF");
	assert_string_equal(lsof_joined(0500000, "x86_64"), "NFLK,LG");
	assert_string_equal(lsof_joined(05156002, "x86_64"), "RW,AP,ND,SYN,DIR,NATM,LG");
	assert_string_equal(lsof_joined(0, "x86_64"), "");
	/* Bits lsof has no name for: one trailing hex entry. */
	assert_string_equal(lsof_joined(040100000, "x86_64"), "LG,0x800000");
	/* arm64: O_LARGEFILE is 0400000, 0100000 is O_NOFOLLOW. */
	assert_string_equal(lsof_joined(0500002, "aarch64"), "RW,NFLK,LG");
	/* An unknown architecture: the shared bits only. */
	assert_string_equal(lsof_joined(0102001, "sparc64"), "W,AP,0x8000");
}

/* Each row of lsof's table names, on each architecture, the bits
 * fdflags_names() decodes as its O_* flag (one table cannot drift from
 * the other). */
static void test_fdflags_lsof_rows(void **state)
{
	static const char *const machines[] = { "x86_64", "aarch64", "ppc64le", "sparc64" };
	const char *n[FDFLAGS_MAX], *flag, *lsof;
	uint64_t bit, rest;
	size_t i, m, k, rows = 0;

	(void)state;
	for (m = 0; m < sizeof(machines) / sizeof(machines[0]); m++)
		for (i = 0; (lsof = fdflags_lsof_row(i, machines[m], &bit, &flag)); i++) {
			rows++;
			if (!bit)
				continue;
			k = fdflags_names(bit, machines[m], n, FDFLAGS_MAX, &rest);
			assert_int_equal(rest, 0);
			/* O_TMPFILE's own bit is __O_TMPFILE: named O_TMPFILE. */
			assert_string_equal(n[k - 1], flag);
		}
	assert_int_equal(rows, 4 * 19);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_examined_denied),
		cmocka_unit_test(test_examined_natural_and_threads),
		cmocka_unit_test(test_examined_fd),
		cmocka_unit_test(test_objects_order),
		cmocka_unit_test(test_fdflags),
		cmocka_unit_test(test_fdflags_lsof),
		cmocka_unit_test(test_fdflags_lsof_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
