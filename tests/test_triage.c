/* test_triage: each triage rule on records made to trip it (and to not), the unknowns, the allowlist, --ioc and --yara. */
#include "testutil.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "triage.h"

/*
 * Every rule of the table has a test here: test_triage_every_rule_tested
 * fails when a rule is added without one (list its id in `tested`).
 */
static const char *const tested[] = {
	"exe-deleted-staging", "exe-fileless", "kthread-impostor", "reverse-shell",
	"ld-preload-env", "hidden-process", "hidden-socket", "anon-exec", "wx-mapping",
	"deleted-lib-exec", "memfd-exec-mapping", "payload-tmp", "memfd-elf", "ioc", "yara",
	"ld-so-preload", "module-unsigned", "traced", "shell-from-service", "exe-deleted",
	"exe-staging", "name-mismatch", "kernel-tainted", "module-out-of-tree",
	"ld-library-path", "listener-flagged", "watch-tripwire", "region-elf", NULL,
};

static struct triage *open_t(const struct triage_opts *o)
{
	static const struct triage_opts none = { .no_default_allow = true };
	struct triage *t = NULL;
	int x = triage_open(&t, o ? o : &none);

	if (x)
		fail_msg("triage_open: %s", triage_error(t));
	return t;
}

static json_t *js(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	if (!j)
		fail_msg("bad test JSON: %s: %s", e.text, text);
	return j;
}

/* A process: its raw status, environ and maps (NULL: not in the archive),
 * then its record and fds. */
struct raw {
	const char *status, *environ, *maps;
	size_t environ_len;
};

static void add(struct triage *t, const char *proc, const char *fds, const struct raw *r)
{
	static const struct raw plain = { "Name:\tx\nTracerPid:\t0\n", "", "", 0 };
	json_t *p = js(proc), *f = fds ? js(fds) : NULL;
	json_int_t pid = json_integer_value(json_object_get(p, "pid"));

	if (!r)
		r = &plain;
	if (r->status)
		assert_int_equal(triage_add_raw(t, (int)pid, "status", r->status, strlen(r->status)), 0);
	if (r->environ)
		assert_int_equal(triage_add_raw(t, (int)pid, "environ", r->environ,
						r->environ_len ? r->environ_len : strlen(r->environ)), 0);
	if (r->maps)
		assert_int_equal(triage_add_raw(t, (int)pid, "maps", r->maps, strlen(r->maps)), 0);
	assert_int_equal(triage_add_process(t, p, f), 0);
	json_decref(p);
	json_decref(f);
}

/* Findings of rule about pid (0: the host) not suppressed; the last one
 * into *out. */
static size_t found(const struct triage *t, const char *rule, int pid,
		    const struct triage_finding **out)
{
	const struct triage_finding *f;
	size_t i, n = 0;

	for (i = 0; (f = triage_finding(t, i)) != NULL; i++)
		if (strcmp(f->rule->id, rule) == 0 && f->pid == pid && !f->suppressed) {
			n++;
			if (out)
				*out = f;
		}
	return n;
}

/* The one finding of rule about pid (failing the test when there is not
 * exactly one); never NULL. */
static const struct triage_finding *one(const struct triage *t, const char *rule, int pid)
{
	static const struct triage_finding none;
	const struct triage_finding *f = &none;
	size_t n = found(t, rule, pid, &f);

	if (n != 1)
		fail_msg("%zu findings of %s about pid %d, not 1", n, rule, pid);
	return f ? f : &none;
}

static bool has_unknown(const struct triage *t, int pid)
{
	size_t i;

	for (i = 0; i < triage_unknown_count(t); i++)
		if (triage_unknown(t, i)->pid == pid)
			return true;
	return false;
}

/* The unknown of pid (failing the test when there is none); never NULL. */
static const struct triage_unknown *unknown_of(const struct triage *t, int pid)
{
	static const struct triage_unknown none;
	size_t i;

	for (i = 0; i < triage_unknown_count(t); i++)
		if (triage_unknown(t, i)->pid == pid)
			return triage_unknown(t, i);
	fail_msg("pid %d is not among the unknowns", pid);
	return &none;
}

static size_t rule_index(const char *id)
{
	size_t i;

	for (i = 0; triage_rule_at(i); i++)
		if (strcmp(triage_rule_at(i)->id, id) == 0)
			return i;
	fail_msg("no rule %s", id);
	return 0;
}

#define PROC(pid, extra) \
	"{\"pid\":" #pid ",\"name\":\"x\",\"ppid\":1,\"state\":\"S\",\"uid\":[0,0,0,0]," \
	"\"kernel_thread\":false,\"argv\":[\"x\"],\"mapped_deleted\":[]" extra "}"
#define EXE(path, del) \
	",\"exe\":{\"target\":\"" path "\",\"deleted\":" #del ",\"stat\":{\"dev\":9,\"ino\":9}}"

static void test_triage_every_rule_tested(void **state)
{
	const struct triage_rule_info *r;
	size_t i, k;

	(void)state;
	for (i = 0; (r = triage_rule_at(i)) != NULL; i++) {
		for (k = 0; tested[k] && strcmp(tested[k], r->id) != 0; k++)
			;
		if (!tested[k])
			fail_msg("rule %s has no test in test_triage.c", r->id);
		assert_non_null(r->title);
	}
	assert_true(i <= 64);
}

static void test_triage_exe_rules(void **state)
{
	struct triage *t = open_t(NULL);
	const struct triage_finding *f = NULL;

	(void)state;
	add(t, PROC(10, EXE("/tmp/.x/evil (deleted)", true)
		",\"exe_files\":[]"), "[]", NULL);
	add(t, PROC(11, EXE("/memfd:payload (deleted)", true)), "[]", NULL);
	add(t, PROC(12, EXE("/usr/sbin/daemon (deleted)", true)), "[]", NULL);
	add(t, PROC(13, EXE("/dev/shm/runner", false)), "[]", NULL);
	add(t, PROC(14, EXE("/usr/bin/x", false)), "[]", NULL);
	assert_int_equal(triage_end(t, NULL), 0);
	f = one(t, "exe-deleted-staging", 10);
	assert_string_equal(f->attack, "T1070.004");
	assert_string_equal(f->path.data, "/tmp/.x/evil (deleted)");
	assert_int_equal(f->severity, TRIAGE_HIGH);
	assert_int_equal(found(t, "exe-fileless", 11, NULL), 1);
	assert_int_equal(found(t, "exe-deleted", 12, NULL), 1);
	f = one(t, "exe-staging", 13);
	assert_int_equal(f->severity, TRIAGE_MEDIUM);
	assert_int_equal(found(t, "exe-deleted-staging", 12, NULL) + found(t, "exe-staging", 14, NULL) +
			 found(t, "exe-deleted", 10, NULL) + found(t, "exe-deleted", 11, NULL), 0);
	triage_free(t);
}

static void test_triage_names(void **state)
{
	struct triage *t = open_t(NULL);
	const struct triage_finding *f = NULL;

	(void)state;
	/* A kernel thread's name on a user process: by argv[0] or by comm. */
	add(t, "{\"pid\":20,\"name\":\"planted\",\"argv\":[\"[kworker/1:2]\"],\"kernel_thread\":false"
	    EXE("/tmp/planted", false) "}", "[]", NULL);
	add(t, "{\"pid\":21,\"name\":\"ksoftirqd/3\",\"argv\":[\"x\"],\"kernel_thread\":false"
	    EXE("/opt/x", false) "}", "[]", NULL);
	add(t, "{\"pid\":22,\"name\":\"kworker/0:1\",\"argv\":[],\"kernel_thread\":true,\"exe\":null}",
	    "[]", NULL);
	/* Renamed; and what is usual: a link's name, a script, a login shell,
	 * the comm cut at 15 bytes. */
	add(t, "{\"pid\":23,\"name\":\"sshd\",\"argv\":[\"/srv/a\"]" EXE("/srv/a", false) "}", "[]", NULL);
	add(t, "{\"pid\":24,\"name\":\"python3\",\"argv\":[\"python3\"]"
	    EXE("/usr/bin/python3.11", false) "}", "[]", NULL);
	add(t, "{\"pid\":25,\"name\":\"backup.sh\",\"argv\":[\"/bin/sh\",\"/usr/local/bin/backup.sh\"]"
	    EXE("/usr/bin/dash", false) "}", "[]", NULL);
	add(t, "{\"pid\":26,\"name\":\"bash\",\"argv\":[\"-bash\"]" EXE("/usr/bin/bash", false) "}",
	    "[]", NULL);
	add(t, "{\"pid\":27,\"name\":\"systemd-journal\",\"argv\":[\"/lib/systemd/systemd-journald\"]"
	    EXE("/usr/lib/systemd/systemd-journald", false) "}", "[]", NULL);
	/* Named like its command line, run from outside the system's directories. */
	add(t, "{\"pid\":28,\"name\":\"cron\",\"argv\":[\"cron\"]" EXE("/home/u/.x/m", false) "}",
	    "[]", NULL);
	assert_int_equal(triage_end(t, NULL), 0);
	f = one(t, "kthread-impostor", 20);
	assert_string_equal(f->attack, "T1036.004");
	assert_int_equal(found(t, "kthread-impostor", 21, NULL), 1);
	assert_int_equal(found(t, "kthread-impostor", 22, NULL), 0);
	f = one(t, "name-mismatch", 23);
	assert_string_equal(f->command.data, "sshd");
	assert_int_equal(found(t, "name-mismatch", 24, NULL) + found(t, "name-mismatch", 25, NULL) +
			 found(t, "name-mismatch", 26, NULL) + found(t, "name-mismatch", 27, NULL) +
			 found(t, "name-mismatch", 22, NULL), 0);
	assert_int_equal(found(t, "name-mismatch", 28, NULL), 1);
	triage_free(t);
}

#define SOCKFD(fd, proto, state_) \
	"{\"pid\":30,\"fd\":" #fd ",\"type\":\"socket\",\"sockproto\":\"TCP\",\"socket\":{\"proto\":\"" \
	proto "\",\"local\":\"127.0.0.1:5\",\"remote\":\"10.0.0.9:4444\",\"state\":\"" state_ "\"}}"

static void test_triage_sockets(void **state)
{
	struct triage *t = open_t(NULL);
	const struct triage_finding *f = NULL;

	(void)state;
	add(t, "{\"pid\":30,\"name\":\"bash\",\"argv\":[\"bash\"]" EXE("/usr/bin/bash", false) "}",
	    "[" SOCKFD(0, "tcp", "ESTABLISHED") "," SOCKFD(1, "tcp", "ESTABLISHED") "]", NULL);
	/* ssh's non-tty sessions give a shell socketpairs: not the network. */
	add(t, "{\"pid\":31,\"name\":\"bash\",\"argv\":[\"bash\"]" EXE("/usr/bin/bash", false) "}",
	    "[{\"pid\":31,\"fd\":0,\"type\":\"socket\",\"sockproto\":\"UNIX-STREAM\","
	    "\"socket\":{\"proto\":\"unix\",\"state\":\"CONNECTED\"}}]", NULL);
	/* Not a shell. */
	add(t, "{\"pid\":32,\"name\":\"nginx\",\"argv\":[\"nginx\"]" EXE("/usr/sbin/nginx", false) "}",
	    "[{\"pid\":32,\"fd\":0,\"type\":\"socket\",\"sockproto\":\"TCP\"}]", NULL);
	/* A socket one view hid. */
	add(t, PROC(33, EXE("/usr/sbin/x", false)),
	    "[{\"pid\":33,\"fd\":7,\"type\":\"socket\",\"socket\":{\"proto\":\"tcp\",\"state\":\"LISTEN\","
	    "\"hidden\":[\"proc-net\"]}}]", NULL);
	assert_int_equal(triage_end(t, NULL), 0);
	f = one(t, "reverse-shell", 30);
	assert_int_equal(f->fd, 0);
	assert_non_null(f->socket);
	assert_non_null(strstr(f->what.data, "fd 0,1"));
	assert_int_equal(found(t, "reverse-shell", 31, NULL) + found(t, "reverse-shell", 32, NULL), 0);
	f = one(t, "hidden-socket", 33);
	assert_int_equal(f->fd, 7);
	triage_free(t);
}

static void test_triage_environ(void **state)
{
	static const char env[] = "HOME=/root\0LD_PRELOAD=/dev/shm/.l.so\0LD_AUDIT=\0"
				  "LD_LIBRARY_PATH=/opt/lib\0";
	struct raw r = { "TracerPid:\t0\n", env, "", sizeof(env) - 1 };
	struct raw empty = { "TracerPid:\t0\n", "LD_PRELOAD=\0X=1\0", "", 16 };
	struct triage *t = open_t(NULL);
	const struct triage_finding *f = NULL;

	(void)state;
	add(t, PROC(40, EXE("/usr/bin/x", false)), "[]", &r);
	add(t, PROC(41, EXE("/usr/bin/x", false)), "[]", &empty);
	/* Fed in pieces, split inside a name. */
	assert_int_equal(triage_add_raw(t, 42, "environ", "A=1\0LD_PRE", 10), 0);
	assert_int_equal(triage_add_raw(t, 42, "environ", "LOAD=/x.so\0", 11), 0);
	assert_int_equal(triage_add_raw(t, 42, "maps", "", 0), 0);
	assert_int_equal(triage_add_raw(t, 42, "status", "TracerPid:\t0\n", 13), 0);
	add(t, PROC(42, EXE("/usr/bin/x", false)), "[]", &(struct raw){ NULL, NULL, NULL, 0 });
	assert_int_equal(triage_end(t, NULL), 0);
	f = one(t, "ld-preload-env", 40);
	assert_string_equal(f->path.data, "/dev/shm/.l.so");
	assert_string_equal(f->member, "proc/40/environ");
	f = one(t, "ld-library-path", 40);
	assert_int_equal(f->severity, TRIAGE_LOW);
	assert_int_equal(found(t, "ld-preload-env", 41, NULL), 0);
	f = one(t, "ld-preload-env", 42);
	assert_string_equal(f->path.data, "/x.so");
	triage_free(t);
}

static void test_triage_hidden_process(void **state)
{
	struct triage *t = open_t(NULL);
	const struct triage_finding *f = NULL;

	(void)state;
	add(t, PROC(50, EXE("/usr/bin/x", false) ",\"hidden\":[\"not-listed\"],\"found_via\":\"probe\""),
	    "[]", NULL);
	/* Nothing of it could be read: still flagged, and unknown for the rest. */
	add(t, "{\"pid\":51,\"hidden\":[\"bind-mount\"],\"errors\":[{\"what\":\"process\","
	    "\"errno\":\"EXDEV\",\"reason\":\"hidden\"}]}", NULL, &(struct raw){ NULL, NULL, NULL, 0 });
	assert_int_equal(triage_end(t, NULL), 0);
	f = one(t, "hidden-process", 50);
	assert_non_null(strstr(f->what.data, "not-listed (found through probe)"));
	assert_int_equal(found(t, "hidden-process", 51, NULL), 1);
	assert_true(has_unknown(t, 51));
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(unknown_of(t, 51)->missing, 0), "part")), "process");
	assert_true(unknown_of(t, 51)->rules & (1ull << rule_index("reverse-shell")));
	triage_free(t);
}

static void test_triage_memory(void **state)
{
	struct raw r = { "TracerPid:\t0\n", "",
			 "55d0-55e0 r-xp 00000000 fe:00 12 /usr/bin/x\n"
			 "7f00-7f10 rwxp 00000000 00:00 0 \n"
			 "7f10-7f20 r-xp 00000000 00:00 0\n"
			 "7f20-7f30 r-xp 00000000 00:00 0 [anon:jit]\n"
			 "ffff-1000000 r-xp 00000000 00:00 0 [vdso]\n", 0 };
	struct raw clean = { "TracerPid:\t0\n", "",
			     "55d0-55e0 r-xp 00000000 fe:00 12 /usr/bin/x\n"
			     "ffff-1000000 r-xp 00000000 00:00 0 [vdso]\n", 0 };
	struct triage *t = open_t(NULL);
	const struct triage_finding *f = NULL;

	(void)state;
	add(t, PROC(60, EXE("/usr/bin/x", false)), "[]", &r);
	add(t, PROC(61, EXE("/usr/bin/x", false)), "[]", &clean);
	assert_int_equal(triage_end(t, NULL), 0);
	f = one(t, "wx-mapping", 60);
	assert_string_equal(json_string_value(json_object_get(f->mapping, "perms")), "rwxp");
	f = one(t, "anon-exec", 60);
	assert_non_null(strstr(f->what.data, "2 executable anonymous"));
	assert_string_equal(json_string_value(json_object_get(f->mapping, "start")), "7f10");
	assert_int_equal(found(t, "wx-mapping", 61, NULL) + found(t, "anon-exec", 61, NULL), 0);
	triage_free(t);
}

#define MAPPED(path, kind, dev, ino, perms) \
	"{\"start\":\"7f00\",\"end\":\"7f10\",\"offset\":0,\"perms\":\"" perms "\",\"path\":\"" path \
	"\"" kind ",\"dev\":" #dev ",\"ino\":" #ino ",\"content\":{\"status\":\"captured\"," \
	"\"member\":\"content/" #dev "-" #ino "\",\"sha256\":" \
	"\"aa00000000000000000000000000000000000000000000000000000000000000\"}}"

static void test_triage_deleted_mappings(void **state)
{
	struct triage *t = open_t(&(struct triage_opts){ 0 });
	const struct triage_finding *f = NULL;

	(void)state;
	add(t, PROC(70, EXE("/usr/bin/x", false)
		",\"mapped_deleted\":[" MAPPED("/tmp/lib.so (deleted)", "", 5, 6, "r-xp") ","
		MAPPED("/tmp/lib.so (deleted)", "", 5, 6, "r-xp") ","
		MAPPED("/tmp/data (deleted)", "", 5, 7, "rw-p") ","
		MAPPED("/memfd:jit (deleted)", ",\"kind\":\"memfd\"", 1, 8, "r-xp") ","
		MAPPED("/usr/lib/x86_64-linux-gnu/libssl.so.3 (deleted)", "", 5, 9, "r-xp") ","
		MAPPED("/tmp/evil (deleted)", "", 9, 9, "r-xp") "]"), "[]", NULL);
	assert_int_equal(triage_end(t, NULL), 0);
	/* Once a file; the executable's own file and data are not it. */
	f = one(t, "deleted-lib-exec", 70);
	assert_string_equal(f->path.data, "/tmp/lib.so (deleted)");
	assert_string_equal(f->member, "content/5-6");
	f = one(t, "memfd-exec-mapping", 70);
	assert_string_equal(f->attack, "T1620");
	/* The upgraded library: found, suppressed by the built-in list. */
	for (size_t i = 0; (f = triage_finding(t, i)) != NULL; i++)
		if (strstr(f->path.data ? f->path.data : "", "libssl")) {
			assert_true(f->suppressed);
			assert_non_null(strstr(f->allowed_by, "built-in:"));
		}
	assert_int_equal(triage_stats(t)->suppressed, 1);
	triage_free(t);
}

#define DELFD(pid, fd, type, target, member) \
	"{\"pid\":" #pid ",\"fd\":" #fd ",\"type\":\"" type "\",\"deleted\":true,\"target\":\"" \
	target "\",\"content\":{\"status\":\"captured\",\"member\":\"" member "\"}}"

static void test_triage_payloads(void **state)
{
	struct triage *t = open_t(NULL);
	const struct triage_finding *f = NULL;

	(void)state;
	assert_int_equal(triage_add_content(t, "content/1-1", "\177E", 2, false), 1);
	assert_int_equal(triage_add_content(t, "content/1-1", "LF\2\1\1\0\0\0\0", 10, false), 0);
	assert_int_equal(triage_add_content(t, "content/1-1", NULL, 0, true), 0);
	assert_int_equal(triage_add_content(t, "content/1-2", "#!/bin/sh\n", 10, true), 0);
	assert_int_equal(triage_add_content(t, "content/1-3", "MZ\x90", 3, true), 0);
	add(t, PROC(80, EXE("/usr/bin/x", false)),
	    "[" DELFD(80, 3, "file", "/dev/shm/a (deleted)", "content/1-1") ","
	    DELFD(80, 4, "file", "/tmp/b.sh (deleted)", "content/1-2") ","
	    DELFD(80, 5, "file", "/tmp/c (deleted)", "content/1-3") ","
	    DELFD(80, 6, "file", "/home/u/d (deleted)", "content/1-1") ","
	    DELFD(80, 7, "file", "/tmp/e (deleted)", "content/9-9") ","
	    DELFD(80, 8, "memfd", "/memfd:x (deleted)", "content/1-1") "]", NULL);
	assert_int_equal(triage_end(t, NULL), 0);
	assert_int_equal(found(t, "payload-tmp", 80, NULL), 2);
	f = one(t, "memfd-elf", 80);
	assert_int_equal(f->fd, 8);
	/* fd 7's member is not in the archive: not known, said so. */
	assert_true(has_unknown(t, 80));
	assert_true(unknown_of(t, 80)->rules & (1ull << rule_index("payload-tmp")));
	triage_free(t);
}

static void test_triage_relations(void **state)
{
	struct raw traced = { "Name:\tx\nTracerPid:\t91\n", "", "", 0 };
	struct raw traced2 = { "Name:\tx\nTracerPid:\t4000\n", "", "", 0 };
	struct triage *t = open_t(NULL);
	const struct triage_finding *f = NULL;

	(void)state;
	add(t, "{\"pid\":90,\"ppid\":1,\"name\":\"x\",\"argv\":[\"x\"]" EXE("/usr/bin/x", false) "}",
	    "[]", &traced);
	add(t, "{\"pid\":91,\"ppid\":1,\"name\":\"gdb\",\"argv\":[\"gdb\"]" EXE("/usr/bin/gdb", false) "}",
	    "[]", NULL);
	add(t, "{\"pid\":92,\"ppid\":1,\"name\":\"x\",\"argv\":[\"x\"]" EXE("/usr/bin/x", false) "}",
	    "[]", &traced2);
	/* A web server and the shell it runs; sshd's shell is no finding. */
	add(t, "{\"pid\":93,\"ppid\":1,\"name\":\"httpd\",\"argv\":[\"httpd\"]"
	    EXE("/usr/sbin/httpd", false) "}",
	    "[{\"pid\":93,\"fd\":4,\"type\":\"socket\",\"socket\":{\"proto\":\"tcp6\","
	    "\"local\":\"[::]:80\",\"state\":\"LISTEN\"}}]", NULL);
	add(t, "{\"pid\":94,\"ppid\":93,\"name\":\"sh\",\"argv\":[\"sh\"]" EXE("/usr/bin/dash", false) "}",
	    "[]", NULL);
	add(t, "{\"pid\":95,\"ppid\":1,\"name\":\"sshd\",\"argv\":[\"sshd\"]"
	    EXE("/usr/sbin/sshd", false) "}",
	    "[{\"pid\":95,\"fd\":3,\"type\":\"socket\",\"socket\":{\"proto\":\"tcp\","
	    "\"local\":\"0.0.0.0:22\",\"state\":\"LISTEN\"}}]", NULL);
	add(t, "{\"pid\":96,\"ppid\":95,\"name\":\"bash\",\"argv\":[\"-bash\"]"
	    EXE("/usr/bin/bash", false) "}", "[]", NULL);
	/* A shell whose parent is not in the snapshot: not known. */
	add(t, "{\"pid\":97,\"ppid\":5000,\"name\":\"sh\",\"argv\":[\"sh\"]"
	    EXE("/usr/bin/dash", false) "}", "[]", NULL);
	/* Flagged (deleted from /tmp) and listening. */
	add(t, "{\"pid\":98,\"ppid\":1,\"name\":\"x\",\"argv\":[\"x\"]" EXE("/tmp/x (deleted)", true) "}",
	    "[{\"pid\":98,\"fd\":5,\"type\":\"socket\",\"socket\":{\"proto\":\"tcp\","
	    "\"local\":\"0.0.0.0:4444\",\"state\":\"LISTEN\"}}]", NULL);
	assert_int_equal(triage_end(t, NULL), 0);
	f = one(t, "traced", 90);
	assert_int_equal(f->severity, TRIAGE_MEDIUM);
	assert_int_equal(f->other_pid, 91);
	assert_string_equal(f->other_role, "tracer");
	f = one(t, "traced", 92);
	assert_int_equal(f->severity, TRIAGE_HIGH);
	f = one(t, "shell-from-service", 94);
	assert_int_equal(f->other_pid, 93);
	assert_int_equal(found(t, "shell-from-service", 96, NULL), 0);
	assert_int_equal(found(t, "listener-flagged", 93, NULL) + found(t, "listener-flagged", 95, NULL), 0);
	f = one(t, "listener-flagged", 98);
	assert_int_equal(f->severity, TRIAGE_HIGH);
	assert_int_equal(f->fd, 5);
	assert_true(has_unknown(t, 97));
	assert_true(unknown_of(t, 97)->rules & (1ull << rule_index("shell-from-service")));
	triage_free(t);
}

/* A file's fd record: its target and stat (dev 5), deleted or not. */
#define STATFD(pid, fd, target, ino, del) \
	"{\"pid\":" #pid ",\"fd\":" #fd ",\"type\":\"file\",\"deleted\":" #del \
	",\"target\":\"" target "\",\"stat\":{\"dev\":5,\"ino\":" #ino "}" \
	",\"content\":{\"status\":\"captured\",\"member\":\"content/5-" #ino "\"," \
	"\"sha256\":\"" SHA_W "\"}}"
#define SHA_W "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
/* An inotify fd record with marks (JSON objects). */
#define NOTIFYFD(pid, fd, extra, marks) \
	"{\"pid\":" #pid ",\"fd\":" #fd ",\"type\":\"anon\",\"anon\":\"inotify\"," \
	"\"kind\":\"inotify\"" extra ",\"marks\":[" marks "]}"
#define MARK(dev, ino) \
	"{\"on\":\"inode\",\"dev\":" #dev ",\"ino\":" #ino ",\"wd\":1," \
	"\"events\":[\"open\",\"access\"]}"

static void test_triage_watchers(void **state)
{
	struct triage *t = open_t(NULL);
	const struct triage_finding *f = NULL, *g;
	size_t i, high = 0, medium = 0;

	(void)state;
	/* The holder: a deleted file and a live one in /tmp, one at home. */
	add(t, PROC(110, EXE("/usr/bin/x", false)),
	    "[" STATFD(110, 3, "/tmp/drop (deleted)", 50, true) ","
	    STATFD(110, 4, "/tmp/live", 51, false) "," STATFD(110, 5, "/home/u/f", 52, false) "]",
	    NULL);
	/* Its watcher (met after it), and marks no record resolves: an inode
	 * nobody holds, a whole mount. */
	add(t, PROC(111, EXE("/usr/bin/x", false)),
	    "[" NOTIFYFD(111, 7, "", MARK(5, 50) "," MARK(5, 51) "," MARK(5, 52) "," MARK(5, 99) ","
			 "{\"on\":\"mount\",\"mnt_id\":3}") "]", NULL);
	/* A watcher whose marks were not all recorded: not decided. */
	add(t, PROC(112, EXE("/usr/bin/x", false)),
	    "[" NOTIFYFD(112, 3, ",\"marks_total\":300", MARK(5, 99)) "]", NULL);
	/* A watcher met before the file it watches: its own deleted
	 * executable (dev 9, ino 9), which pid 114 runs. */
	add(t, PROC(113, EXE("/usr/bin/y", false)), "[" NOTIFYFD(113, 4, "", MARK(9, 9)) "]", NULL);
	add(t, PROC(114, EXE("/var/lib/x (deleted)", true)), "[]", NULL);
	/* A process that watches nothing suspect is never a finding. */
	add(t, PROC(115, EXE("/usr/bin/x", false)), "[" NOTIFYFD(115, 3, "", MARK(5, 52)) "]", NULL);
	assert_int_equal(triage_end(t, NULL), 0);
	assert_int_equal(found(t, "watch-tripwire", 111, NULL), 2);
	for (i = 0; (g = triage_finding(t, i)) != NULL; i++) {
		if (strcmp(g->rule->id, "watch-tripwire") != 0 || g->pid != 111)
			continue;
		assert_int_equal(g->fd, 7);
		if (g->severity == TRIAGE_HIGH) {
			high++;
			assert_memory_equal(g->path.data, "/tmp/drop (deleted)", g->path.len);
			assert_string_equal(g->sha256, SHA_W);
			assert_non_null(strstr(g->what.data, "held by pid 110 as fd 3"));
			assert_non_null(strstr(g->what.data, "(inotify open,access)"));
		} else if (g->severity == TRIAGE_MEDIUM) {
			medium++;
			assert_memory_equal(g->path.data, "/tmp/live", g->path.len);
		}
	}
	assert_int_equal(high, 1);
	assert_int_equal(medium, 1);
	assert_true(has_unknown(t, 112));
	assert_true(unknown_of(t, 112)->rules & (1ull << rule_index("watch-tripwire")));
	assert_int_equal(found(t, "watch-tripwire", 112, NULL), 0);
	f = one(t, "watch-tripwire", 113);
	assert_int_equal(f->severity, TRIAGE_HIGH);
	assert_non_null(strstr(f->what.data, "the executable of pid 114"));
	assert_int_equal(found(t, "watch-tripwire", 115, NULL), 0);
	assert_int_equal(found(t, "watch-tripwire", 110, NULL) + found(t, "watch-tripwire", 114, NULL), 0);
	triage_free(t);
}

static void test_triage_unknown_parts(void **state)
{
	struct triage *t = open_t(NULL);
	const struct triage_unknown *u;

	(void)state;
	/* Its fds denied, its status, environ and maps not in the archive. */
	add(t, PROC(100, EXE("/usr/bin/bash", false)
		",\"errors\":[{\"what\":\"fd\",\"errno\":\"EACCES\",\"reason\":\"denied\"}]"), NULL,
	    &(struct raw){ NULL, NULL, NULL, 0 });
	add(t, "{\"pid\":101,\"vanished\":true}", NULL, &(struct raw){ NULL, NULL, NULL, 0 });
	assert_int_equal(triage_end(t, NULL), 0);
	u = unknown_of(t, 100);
	assert_true(u->rules & (1ull << rule_index("reverse-shell")));
	assert_true(u->rules & (1ull << rule_index("ld-preload-env")));
	assert_true(u->rules & (1ull << rule_index("anon-exec")));
	assert_true(u->rules & (1ull << rule_index("traced")));
	assert_false(u->rules & (1ull << rule_index("exe-deleted")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(u->missing, 0),
							       "reason")), "denied");
	u = unknown_of(t, 101);
	assert_true(u->rules & (1ull << rule_index("exe-deleted-staging")));
	/* And the host: no host.json, so its files are not known. */
	assert_true(has_unknown(t, 0));
	assert_true(unknown_of(t, 0)->rules & (1ull << rule_index("ld-so-preload")));
	triage_free(t);
}

#define HOST_FILES \
	"{\"host_files\":[{\"path\":\"/etc/ld.so.preload\",\"present\":true," \
	"\"member\":\"host/etc/ld.so.preload\"},{\"path\":\"/proc/modules\",\"present\":true," \
	"\"member\":\"host/proc/modules\"},{\"path\":\"/proc/sys/kernel/tainted\"," \
	"\"present\":true,\"member\":\"host/proc/sys/kernel/tainted\"}]}"

static void test_triage_host_files(void **state)
{
	static const char mods[] =
		"hidemod 16384 0 - Live 0x0 (OE)\n"
		"vbox 16384 0 - Live 0x0 (O)\n"
		"ext4 1003520 1 - Live 0x0\n";
	struct triage *t = open_t(NULL);
	const struct triage_finding *f = NULL;
	json_t *host = js(HOST_FILES);
	size_t i;

	(void)state;
	assert_int_equal(triage_add_host_file(t, "etc/ld.so.preload", "# x\n/lib/", 9), 0);
	assert_int_equal(triage_add_host_file(t, "etc/ld.so.preload", "h.so:/lib/i.so\n", 15), 0);
	assert_int_equal(triage_add_host_file(t, "proc/modules", mods, sizeof(mods) - 1), 0);
	assert_int_equal(triage_add_host_file(t, "proc/sys/kernel/tainted", "12289\n", 6), 0);
	assert_int_equal(triage_end(t, host), 0);
	f = one(t, "ld-so-preload", 0);
	assert_string_equal(f->path.data, "/lib/h.so");
	assert_non_null(strstr(f->what.data, "2 libraries"));
	f = one(t, "module-unsigned", 0);
	assert_string_equal(f->name, "hidemod");
	f = one(t, "module-out-of-tree", 0);
	assert_string_equal(f->name, "vbox");
	f = one(t, "kernel-tainted", 0);
	assert_non_null(strstr(f->what.data, "P proprietary module, O out-of-tree module, "
				"E unsigned module"));
	/* Host findings come first among the high ones (pid 0). */
	assert_string_equal(triage_finding(t, 0)->rule->id, "ld-so-preload");
	for (i = 1; triage_finding(t, i); i++)
		assert_true(triage_finding(t, i)->severity <= triage_finding(t, i - 1)->severity);
	assert_false(has_unknown(t, 0));
	triage_free(t);
	/* Absent files are clean; an empty ld.so.preload or one of comments too. */
	t = open_t(NULL);
	json_decref(host);
	host = js("{\"host_files\":[{\"path\":\"/etc/ld.so.preload\",\"present\":false},"
		  "{\"path\":\"/proc/modules\",\"present\":true,\"member\":\"host/proc/modules\"},"
		  "{\"path\":\"/proc/sys/kernel/tainted\",\"errno\":\"EACCES\",\"reason\":\"denied\"}]}");
	assert_int_equal(triage_add_host_file(t, "proc/modules", "", 0), 0);
	assert_int_equal(triage_end(t, host), 0);
	assert_int_equal(triage_count(t), 0);
	assert_true(has_unknown(t, 0));
	assert_int_equal(unknown_of(t, 0)->rules, 1ull << rule_index("kernel-tainted"));
	json_decref(host);
	triage_free(t);
}

static const char *write_tmp(char *path, const char *text)
{
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

#define SHA_A "1111111111111111111111111111111111111111111111111111111111111111"
#define SHA_B "2222222222222222222222222222222222222222222222222222222222222222"

static void test_triage_ioc(void **state)
{
	char path[] = "/tmp/test_triage.ioc.XXXXXX";
	struct triage_opts o = { .no_default_allow = true };
	struct triage *t;
	const struct triage_finding *f = NULL;
	const struct triage_unknown *u;

	(void)state;
	o.ioc_path = write_tmp(path, "# list\n" SHA_A "  evil.so\n" "\n" SHA_B " *dropper # x\n");
	t = open_t(&o);
	assert_int_equal(triage_stats(t)->ioc_hashes, 2);
	add(t, PROC(110, EXE("/usr/bin/x", false) ",\"exec_files\":["
		"{\"kind\":\"exe\",\"path\":\"/usr/bin/x\",\"sha256\":\"" SHA_B "\"},"
		"{\"kind\":\"lib\",\"path\":\"/usr/lib/evil.so\",\"sha256\":\"" SHA_A "\"},"
		"{\"kind\":\"lib\",\"path\":\"/usr/lib/big.so\",\"unhashed\":\"too-large\"}]"),
	    "[" DELFD(110, 3, "file", "/tmp/p (deleted)", "content/1-1") "]", NULL);
	add(t, PROC(111, EXE("/usr/bin/y", false)), "[]", NULL);
	assert_int_equal(triage_end(t, NULL), 0);
	assert_int_equal(found(t, "ioc", 110, NULL), 2);
	for (size_t i = 0; (f = triage_finding(t, i)) != NULL; i++)
		if (strcmp(f->rule->id, "ioc") == 0 && strcmp(f->object, "lib") == 0) {
			assert_string_equal(f->name, "evil.so");
			assert_string_equal(f->sha256, SHA_A);
		}
	u = unknown_of(t, 110);
	assert_true(u->rules & (1ull << rule_index("ioc")));
	/* No exec_files at all: not known either. */
	assert_true(has_unknown(t, 111));
	assert_int_equal(triage_stats(t)->exec_unhashed, 1);
	triage_free(t);
	unlink(path);
	/* A line that is not a hash. */
	write_tmp(strcpy(path, "/tmp/test_triage.ioc.XXXXXX"), SHA_A "\nabc\n");
	o.ioc_path = path;
	t = NULL;
	assert_int_equal(triage_open(&t, &o), -EINVAL);
	assert_non_null(strstr(triage_error(t), ":2: not a SHA-256"));
	triage_free(t);
	unlink(path);
}

static void test_triage_yara(void **state)
{
	char path[] = "/tmp/test_triage.yar.XXXXXX";
	struct triage_opts o = { .no_default_allow = true };
	struct triage *t;
	const struct triage_finding *f = NULL;
	static const char rules[] =
		"rule dropper { meta: severity = \"medium\" attack = \"T1105\"\n"
		" strings: $a = \"EVIL-MARKER\" condition: $a }\n"
		"rule at_zero { condition: uint16(0) == 0x5a4d }\n";

	(void)state;
	o.yara_path = write_tmp(path, rules);
	t = open_t(&o);
	/* The marker split across two pieces is still found. */
	assert_int_equal(triage_add_content(t, "content/1-1", "MZ....EVIL-MA", 13, false), 1);
	assert_int_equal(triage_add_content(t, "content/1-1", "RKER", 4, false), 1);
	assert_int_equal(triage_add_content(t, "content/1-1", NULL, 0, true), 0);
	assert_int_equal(triage_add_content(t, "content/1-2", "clean", 5, true), 0);
	add(t, PROC(120, EXE("/usr/bin/x", false)),
	    "[" DELFD(120, 3, "file", "/tmp/p (deleted)", "content/1-1") ","
	    DELFD(120, 4, "file", "/tmp/q (deleted)", "content/1-2") ","
	    "{\"pid\":120,\"fd\":5,\"type\":\"file\",\"deleted\":true,\"target\":\"/x (deleted)\","
	    "\"content\":{\"status\":\"skipped\",\"reason\":\"a lease\"}}]", NULL);
	assert_int_equal(triage_end(t, NULL), 0);
	assert_int_equal(found(t, "yara", 120, NULL), 2);
	for (size_t i = 0; (f = triage_finding(t, i)) != NULL; i++)
		if (f->name && strcmp(f->name, "dropper") == 0) {
			assert_int_equal(f->severity, TRIAGE_MEDIUM);
			assert_string_equal(f->attack, "T1105");
			assert_int_equal(f->fd, 3);
		}
	assert_int_equal(triage_stats(t)->scanned, 2);
	/* The skipped file was not scanned: not known. */
	assert_true(has_unknown(t, 120));
	triage_free(t);
	unlink(path);
	/* Rules that do not compile: one line naming the file and line. */
	write_tmp(strcpy(path, "/tmp/test_triage.yar.XXXXXX"), "rule x {\n condition: y(\n}\n");
	o.yara_path = path;
	t = NULL;
	assert_int_equal(triage_open(&t, &o), -EINVAL);
	assert_non_null(strstr(triage_error(t), path));
	assert_null(strchr(triage_error(t), '\n'));
	triage_free(t);
	unlink(path);
}

/* A region's record in process.json memory: [start, end), its status,
 * what else (",\"reason\":..."). */
#define REGION(start, end, perms, why, status, extra) \
	"{\"start\":\"" start "\",\"end\":\"" end "\",\"perms\":\"" perms "\",\"maps\":\"" \
	start "-" end " " perms " 00000000 00:00 0 \",\"why\":\"" why "\",\"status\":\"" status \
	"\"" extra "}"
#define MEMBER(pid, start, end) ",\"member\":\"proc/" #pid "/mem/" start "-" end "\""

/* Feeds region [start, end) of pid as the archive would: runs at their
 * addresses, then its end. */
static void region_feed(struct triage *t, int pid, uint64_t start, uint64_t end,
			const uint64_t *addr, const char *const *data, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		assert_true(triage_add_memory(t, pid, start, end, addr[i], data[i], strlen(data[i]),
					      false) >= 0);
	assert_int_equal(triage_add_memory(t, pid, start, end, start, NULL, 0, true), 0);
}

static bool missing_has(const struct triage_unknown *u, const char *what, const char *reason)
{
	const json_t *e;
	size_t i;

	json_array_foreach(u->missing, i, e) {
		const char *w = json_string_value(json_object_get(e, "what"));
		const char *r = json_string_value(json_object_get(e, "reason"));

		if (strcmp(json_string_value(json_object_get(e, "part")), "memory") == 0 &&
		    (!what || (w && strcmp(w, what) == 0)) && (!reason || (r && strstr(r, reason))))
			return true;
	}
	return false;
}

static void test_triage_regions(void **state)
{
	char path[] = "/tmp/test_triage.yar.XXXXXX";
	struct triage_opts o = { .no_default_allow = true };
	static const char rules[] =
		"rule injected { meta: severity = \"medium\" mitre_attack = \"T1055\"\n"
		" strings: $a = \"EVIL-MARKER\" condition: $a }\n"
		/* An address, not an offset: the region is where the process had it. */
		"rule at_address { condition: uint32(0x7f1000) == 0x4c495645 }\n"
		"rule at_offset { condition: uint32(0x1000) == 0x4c495645 }\n";
	static const char maps[] =
		"7f0000-7f3000 rwxp 00000000 00:00 0 \n"
		"7f4000-7f5000 r-xp 00000000 00:00 0 \n"
		"7f6000-7f7000 r-xp 00000000 00:00 0 \n"
		"7f8000-7fa000 rwxp 00000000 00:00 0 \n"
		"800000-801000 r-xp 00000000 fe:00 12 /usr/lib/x.so\n";
	const uint64_t a_at[] = { 0x7f0000, 0x7f1000, 0x7f1007 }, d_at[] = { 0x800000 };
	const char *const a_data[] = { "\177ELF\2\1\1", "EVIL-MA", "RKER" };
	const char *const d_data[] = { "\177ELF\2\1\1" };
	struct raw r = { "TracerPid:\t0\n", "", maps, 0 };
	struct triage *t;
	const struct triage_finding *f = NULL;
	const struct triage_unknown *u;
	size_t i, n = 0;

	(void)state;
	o.yara_path = write_tmp(path, rules);
	t = open_t(&o);
	/* A: rwx, an ELF header at its start, the marker across two runs.
	 * B: r-x, all holes.  C: skipped by the bound.  D: file-backed (full)
	 * starting with an ELF header: no finding.  E: cut by a bound, its
	 * first page unreadable. */
	region_feed(t, 130, 0x7f0000, 0x7f3000, a_at, a_data, 3);
	region_feed(t, 130, 0x7f4000, 0x7f5000, NULL, NULL, 0);
	region_feed(t, 130, 0x800000, 0x801000, d_at, d_data, 1);
	region_feed(t, 130, 0x7f8000, 0x7f9000, NULL, NULL, 0);
	add(t, PROC(130, EXE("/usr/bin/x", false) ",\"memory\":["
		REGION("7f0000", "7f3000", "rwxp", "anon-exec", "captured",
		       MEMBER(130, "7f0000", "7f3000")) ","
		REGION("7f4000", "7f5000", "r-xp", "anon-exec", "captured",
		       MEMBER(130, "7f4000", "7f5000")) ","
		REGION("7f6000", "7f7000", "r-xp", "anon-exec", "skipped",
		       ",\"reason\":\"max-memory\"") ","
		"{\"start\":\"800000\",\"end\":\"801000\",\"perms\":\"r-xp\",\"maps\":"
		"\"800000-801000 r-xp 00000000 fe:00 12 /usr/lib/x.so\",\"why\":\"full\","
		"\"status\":\"captured\"" MEMBER(130, "800000", "801000") "},"
		REGION("7f8000", "7fa000", "rwxp", "anon-exec", "truncated",
		       ",\"reason\":\"max-process-memory\",\"size\":4096"
		       MEMBER(130, "7f8000", "7f9000")
		       ",\"unreadable\":[{\"offset\":0,\"length\":4096,\"errno\":\"EIO\"}]") "]"),
	    "[]", &r);
	/* F: no memory captured at all (--memory none), anonymous code mapped. */
	add(t, PROC(131, EXE("/usr/bin/x", false)), "[]", &r);
	assert_int_equal(triage_end(t, NULL), 0);

	f = one(t, "region-elf", 130);
	assert_string_equal(f->object, "memory");
	assert_string_equal(f->member, "proc/130/mem/7f0000-7f3000");
	assert_string_equal(json_string_value(json_object_get(f->region, "perms")), "rwxp");
	assert_non_null(strstr(f->what.data, "7f0000-7f3000 rwxp"));
	for (i = 0; (f = triage_finding(t, i)) != NULL; i++) {
		if (strcmp(f->rule->id, "yara") != 0 || f->pid != 130)
			continue;
		n++;
		assert_string_equal(f->member, "proc/130/mem/7f0000-7f3000");
		assert_string_equal(f->object, "memory");
		if (strcmp(f->name, "injected") == 0) {
			assert_int_equal(f->severity, TRIAGE_MEDIUM);
			assert_string_equal(f->attack, "T1055");
		} else {
			assert_string_equal(f->name, "at_address");
		}
	}
	assert_int_equal(n, 2);
	/* What was not captured is unknown, naming the region, never clean. */
	u = unknown_of(t, 130);
	assert_true(missing_has(u, "7f6000-7f7000 r-xp", "skipped: max-memory"));
	/* (One entry a region: the first rule's reason, both rules named.) */
	assert_true(missing_has(u, "7f8000-7fa000 rwxp", "its first page could not be read"));
	assert_true(u->rules & (1ull << rule_index("region-elf")));
	assert_true(u->rules & (1ull << rule_index("yara")));
	u = unknown_of(t, 131);
	assert_true(missing_has(u, NULL, "not captured"));
	assert_true(u->rules & (1ull << rule_index("region-elf")));
	assert_int_equal(triage_stats(t)->regions, 4);
	assert_int_equal(triage_stats(t)->regions_scanned, 4);
	assert_int_equal(triage_stats(t)->regions_partial, 2);
	triage_free(t);
	unlink(path);
	/* A region of more than 64 MiB: scanned in windows that overlap, the
	 * marker across the first window's end found at its address. */
	o.yara_path = write_tmp(strcpy(path, "/tmp/test_triage.yar.XXXXXX"), rules);
	t = open_t(&o);
	{
		const size_t piece = 1u << 20, total = 65u << 20;
		const uint64_t base = 0x10000000, mark = base + (64u << 20) - 5;
		char *buf = malloc(piece);
		size_t off;

		assert_non_null(buf);
		for (off = 0; off < total; off += piece) {
			memset(buf, 'A', piece);
			for (size_t j = 0; j < 11; j++)
				if (mark + j >= base + off && mark + j < base + off + piece)
					buf[mark + j - base - off] = "EVIL-MARKER"[j];
			assert_int_equal(triage_add_memory(t, 140, base, base + total, base + off, buf,
							   piece, false), 1);
		}
		free(buf);
		assert_int_equal(triage_add_memory(t, 140, base, base + total, base, NULL, 0, true), 0);
	}
	add(t, PROC(140, EXE("/usr/bin/x", false) ",\"memory\":["
		REGION("10000000", "14100000", "rwxp", "full", "captured",
		       MEMBER(140, "10000000", "14100000")) "]"), "[]", &r);
	assert_int_equal(triage_end(t, NULL), 0);
	n = 0;
	for (i = 0; (f = triage_finding(t, i)) != NULL; i++)
		if (f->pid == 140 && f->name && strcmp(f->name, "injected") == 0) {
			n++;
			assert_non_null(strstr(f->what.data, "(scanned in windows)"));
		}
	assert_int_equal(n, 1);
	triage_free(t);
	unlink(path);
	/* Without --yara only the first bytes are read: enough after them. */
	t = open_t(NULL);
	assert_int_equal(triage_add_memory(t, 1, 0x1000, 0x3000, 0x1000, "\177ELF\2\1\1\0", 8,
					   false), 0);
	assert_int_equal(triage_add_memory(t, 1, 0x1000, 0x3000, 0x1000, NULL, 0, true), 0);
	assert_int_equal(triage_add_memory(t, 1, 0x4000, 0x5000, 0x4000, "\177E", 2, false), 1);
	assert_int_equal(triage_add_memory(t, 1, 0x4000, 0x5000, 0x4000, NULL, 0, true), 0);
	triage_free(t);
}

static void test_triage_allowlist(void **state)
{
	char path[] = "/tmp/test_triage.allow.XXXXXX";
	struct triage_opts o = { .no_default_allow = true, .nallow = 1 };
	const char *paths[1];
	struct triage *t;
	const struct triage_finding *f = NULL;

	(void)state;
	/* The built-in list parses. */
	t = open_t(&(struct triage_opts){ 0 });
	triage_free(t);
	assert_non_null(strstr(triage_default_allowlist(), "deleted-lib-exec"));
	paths[0] = write_tmp(path, "# mine\nname-mismatch,exe-staging comm=\"my tool\" "
			     "exe=/opt/*   # ours\n");
	o.allow_paths = paths;
	t = open_t(&o);
	add(t, "{\"pid\":130,\"name\":\"my tool\",\"argv\":[\"z\"]" EXE("/opt/t/z", false) "}", "[]",
	    NULL);
	add(t, "{\"pid\":131,\"name\":\"other\",\"argv\":[\"z\"]" EXE("/opt/t/z", false) "}", "[]",
	    NULL);
	assert_int_equal(triage_end(t, NULL), 0);
	assert_int_equal(found(t, "name-mismatch", 130, NULL), 0);
	assert_int_equal(found(t, "name-mismatch", 131, NULL), 1);
	for (size_t i = 0; (f = triage_finding(t, i)) != NULL; i++)
		if (f->pid == 130) {
			assert_true(f->suppressed);
			assert_non_null(strstr(f->allowed_by, ":2"));
		}
	triage_free(t);
	unlink(path);
	/* Mistakes: a rule that does not exist, a field, an entry with none. */
	static const char *const bad[] = {
		"nope exe=/x\n", "exe-deleted size=1\n", "exe-deleted\n", "exe-deleted exe\n",
		"exe-deleted exe=\"/x\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		write_tmp(strcpy(path, "/tmp/test_triage.allow.XXXXXX"), bad[i]);
		t = NULL;
		assert_int_equal(triage_open(&t, &o), -EINVAL);
		assert_non_null(strstr(triage_error(t), ":1: "));
		triage_free(t);
		unlink(path);
	}
}

/* Values of the wrong type from a hostile archive: nothing trusted,
 * nothing crashes. */
static void test_triage_hostile_values(void **state)
{
	struct triage *t = open_t(NULL);

	(void)state;
	add(t, "{\"pid\":140,\"name\":7,\"argv\":\"x\",\"exe\":{\"target\":[1],\"deleted\":\"yes\"},"
	    "\"mapped_deleted\":{\"a\":1},\"hidden\":\"x\",\"uid\":\"0\",\"kernel_thread\":1}",
	    "[{\"pid\":140,\"fd\":\"0\",\"type\":5,\"socket\":[]},7,{\"fd\":2,\"type\":\"socket\","
	    "\"socket\":{\"proto\":\"tcp\",\"state\":7,\"hidden\":\"yes\"}}]",
	    &(struct raw){ "TracerPid:\t-5\n", "\0\0==\0LD_PRELOAD", "zz\n7f-1 rwxp\n", 15 });
	assert_int_equal(triage_add_raw(t, 141, "maps", NULL, 4096), 0);
	add(t, PROC(141, ""), "[]", NULL);
	json_t *host = js("{\"host_files\":7}");

	assert_int_equal(triage_add_content(t, "not/content", "x", 1, true), 0);
	assert_int_equal(triage_end(t, host), 0);
	json_decref(host);
	triage_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_triage_every_rule_tested),
		cmocka_unit_test(test_triage_exe_rules),
		cmocka_unit_test(test_triage_names),
		cmocka_unit_test(test_triage_sockets),
		cmocka_unit_test(test_triage_environ),
		cmocka_unit_test(test_triage_hidden_process),
		cmocka_unit_test(test_triage_memory),
		cmocka_unit_test(test_triage_deleted_mappings),
		cmocka_unit_test(test_triage_payloads),
		cmocka_unit_test(test_triage_relations),
		cmocka_unit_test(test_triage_watchers),
		cmocka_unit_test(test_triage_unknown_parts),
		cmocka_unit_test(test_triage_host_files),
		cmocka_unit_test(test_triage_ioc),
		cmocka_unit_test(test_triage_yara),
		cmocka_unit_test(test_triage_regions),
		cmocka_unit_test(test_triage_allowlist),
		cmocka_unit_test(test_triage_hostile_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
