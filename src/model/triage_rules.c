/* triage_rules: THE TABLE of triage rules (id, severity, ATT&CK, what each needs, its check), and the checks over one process's records. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "snapshot.h"
#include "triage_int.h"

/*
 * A new rule is one entry in the table below and one test (tests/
 * test_triage.c; a planted state in tests/it_triage.sh when a real
 * process can be put in it), and its row in docs/TRIAGE.md.  A check
 * reads what its entry's `needs` promise: the engine runs it only when
 * the process's records have those parts, and otherwise lists the rule
 * as not decided for that process.  Checks of the host files and of
 * what relates processes are in triage_relate.c, those that match lists
 * in triage_match.c.
 */

/* ---- the executable ---- */

enum exe_class { EXE_PLAIN, EXE_FILELESS, EXE_DELETED_STAGING, EXE_DELETED, EXE_STAGING };

static enum exe_class exe_class(const struct triage_ctx *c, const char **why)
{
	const json_t *exe = json_object_get(c->proc, "exe");
	const struct buf *t = &c->me->exe;
	size_t n = triage_undeleted(t->data ? t->data : "", t->len);
	bool deleted = false;

	*why = NULL;
	if (!json_is_object(exe) || !t->len)
		return EXE_PLAIN;
	snapshot_bool(exe, "deleted", &deleted);
	/* execveat(2) of a memfd or of an fd: the kernel names no file. */
	if ((t->len >= 7 && memcmp(t->data, "/memfd:", 7) == 0) ||
	    (n >= 6 && memcmp(t->data, "/proc/", 6) == 0) ||
	    (n >= 8 && memcmp(t->data, "/dev/fd/", 8) == 0) || t->data[0] != '/') {
		*why = "memfd";
		return EXE_FILELESS;
	}
	if (triage_staging_path(t->data, t->len, why))
		return deleted ? EXE_DELETED_STAGING : EXE_STAGING;
	return deleted ? EXE_DELETED : EXE_PLAIN;
}

static void exe_finding(struct triage_ctx *c, const char *line, const char *why)
{
	const json_t *exe = json_object_get(c->proc, "exe");
	struct triage_finding *f = triage_new(c);

	if (!f)
		return;
	f->object = "exe";
	triage_what(f, "%s", line);
	if (why)
		triage_what(f, " (%s)", why);
	triage_what(f, ": ");
	triage_what_bytes(f, c->me->exe.data, c->me->exe.len);
	triage_set_path(f, c->me->exe.data, c->me->exe.len);
	triage_set_content(f, json_object_get(exe, "content"));
	triage_emit(c, f);
}

static void exe_deleted_staging(struct triage_ctx *c)
{
	const char *why;

	if (exe_class(c, &why) == EXE_DELETED_STAGING)
		exe_finding(c, "runs an executable deleted from a staging directory", why);
}

static void exe_fileless(struct triage_ctx *c)
{
	const char *why;

	if (exe_class(c, &why) == EXE_FILELESS)
		exe_finding(c, "runs from memory: its executable never had a name", NULL);
}

static void exe_deleted(struct triage_ctx *c)
{
	const char *why;

	if (exe_class(c, &why) == EXE_DELETED)
		exe_finding(c, "runs an executable that was deleted", NULL);
}

static void exe_staging(struct triage_ctx *c)
{
	const char *why;

	if (exe_class(c, &why) == EXE_STAGING)
		exe_finding(c, "runs an executable from a staging directory", why);
}

/* ---- names ---- */

/* n without a version at its end: "python3.11" and "python3" are
 * "python" (a link python3 -> python3.11 names the process python3). */
static size_t unversioned(const char *s, size_t n)
{
	while (n && ((s[n - 1] >= '0' && s[n - 1] <= '9') || s[n - 1] == '.'))
		n--;
	return n;
}

/* comm (at most 15 bytes: TASK_COMM_LEN) is name, or name cut there, or
 * name with another version. */
static bool comm_is(const struct buf *comm, const char *name, size_t n)
{
	size_t a, b;

	if (!comm->len || !n)
		return false;
	if (comm->len == 15 && n > 15)
		n = 15;
	if (comm->len == n && memcmp(comm->data, name, n) == 0)
		return true;
	a = unversioned(comm->data, comm->len);
	b = unversioned(name, n);
	return a && a == b && memcmp(comm->data, name, a) == 0;
}

static void kthread_impostor(struct triage_ctx *c)
{
	struct buf a0 = BUF_INIT;
	const struct buf *comm = &c->me->comm;
	struct triage_finding *f;
	bool bracket, kname;

	if (c->me->kernel_thread)
		return;
	if (snapshot_array_bytes(c->proc, "argv", 0, &a0) < 0)
		buf_reset(&a0);
	bracket = a0.len >= 2 && a0.data[0] == '[' && a0.data[a0.len - 1] == ']';
	kname = (comm->len && comm->data[0] == '[') ||
		triage_kthread_name(comm->data ? comm->data : "", comm->len);
	if ((bracket || kname) && (f = triage_new(c))) {
		triage_what(f, "a user process named like a kernel thread: name \"");
		triage_what_bytes(f, comm->data, comm->len);
		triage_what(f, "\", argv[0] \"");
		triage_what_bytes(f, a0.data, a0.len);
		triage_what(f, "\", executable ");
		triage_what_bytes(f, c->me->exe.len ? c->me->exe.data : "(not known)",
				  c->me->exe.len ? c->me->exe.len : 11);
		triage_set_path(f, c->me->exe.data, c->me->exe.len);
		triage_emit(c, f);
	}
	buf_free(&a0);
}

/* Where programs that rename themselves legitimately are installed. */
static bool system_path(const struct buf *exe)
{
	static const char *const dirs[] = { "/usr/", "/bin/", "/sbin/", "/lib/", "/lib64/",
					    "/opt/", "/snap/", "/nix/store/", "/gnu/store/", NULL };
	size_t i;

	for (i = 0; dirs[i]; i++)
		if (exe->len > strlen(dirs[i]) && memcmp(exe->data, dirs[i], strlen(dirs[i])) == 0)
			return true;
	return false;
}

/* comm is the base name of argv[i] ("-bash" a login shell's). */
static bool comm_is_arg(const struct triage_ctx *c, size_t i)
{
	struct buf a = BUF_INIT;
	const char *b;
	size_t bn;
	bool yes = false;

	if (snapshot_array_bytes(c->proc, "argv", i, &a) == 1 && a.len) {
		triage_basename(a.data, a.len, &b, &bn);
		if (bn && b[0] == '-') {
			b++;
			bn--;
		}
		yes = comm_is(&c->me->comm, b, bn);
	}
	buf_free(&a);
	return yes;
}

static void name_mismatch(struct triage_ctx *c)
{
	const struct buf *comm = &c->me->comm, *exe = &c->me->exe;
	struct triage_finding *f;
	const char *b;
	size_t bn;
	bool args;

	if (c->me->kernel_thread || !exe->len || !comm->len)
		return;
	triage_basename(exe->data, exe->len, &b, &bn);
	if (comm_is(comm, b, bn))
		return;
	/* A script is named after itself (argv[1]); a program run through a
	 * link (sh -> dash, python3 -> python3.11) after the link (argv[0]). */
	args = comm_is_arg(c, 0) || comm_is_arg(c, 1);
	if (args && system_path(exe))
		return;
	f = triage_new(c);
	if (!f)
		return;
	triage_what(f, "its name \"");
	triage_what_bytes(f, comm->data, comm->len);
	triage_what(f, "\" is not its executable's: ");
	triage_what_bytes(f, exe->data, exe->len);
	if (args)
		triage_what(f, " (named like its command line, outside the system's directories)");
	triage_set_path(f, exe->data, exe->len);
	triage_emit(c, f);
}

/* ---- fds ---- */

/* The name a process is known by: its executable's base name, else comm. */
static void run_name(const struct triage_ctx *c, const char **n, size_t *len)
{
	if (c->me->exe.len) {
		triage_basename(c->me->exe.data, c->me->exe.len, n, len);
		return;
	}
	*n = c->me->comm.data ? c->me->comm.data : "";
	*len = c->me->comm.len;
}

static void reverse_shell(struct triage_ctx *c)
{
	const json_t *fd, *sk, *first = NULL, *first_sk = NULL;
	struct triage_finding *f;
	const char *name;
	size_t i, nlen;
	int64_t n;
	char which[16] = "";

	run_name(c, &name, &nlen);
	if (!triage_is_interpreter(name, nlen) &&
	    !triage_is_interpreter(c->me->comm.data ? c->me->comm.data : "", c->me->comm.len))
		return;
	json_array_foreach(c->fds, i, fd) {
		if (json_object_get(fd, "tid") || !snapshot_int(fd, "fd", &n) || n < 0 || n > 2 ||
		    !triage_inet_fd(fd, &sk))
			continue;
		if (!first) {
			first = fd;
			first_sk = sk;
		}
		snprintf(which + strlen(which), sizeof(which) - strlen(which), "%s%d",
			 *which ? "," : "", (int)n);
	}
	if (!first || !(f = triage_new(c)))
		return;
	snapshot_int(first, "fd", &n);
	f->fd = (int)n;
	f->object = "socket";
	triage_what(f, "a shell or interpreter (");
	triage_what_bytes(f, name, nlen);
	triage_what(f, ") with a network socket on fd %s", which);
	if (first_sk) {
		const char *l = snapshot_str(first_sk, "local"), *r = snapshot_str(first_sk, "remote");

		triage_what(f, ": %s %s -> %s", snapshot_str(first_sk, "proto") ?
			    snapshot_str(first_sk, "proto") : "?", l ? l : "?", r ? r : "?");
		f->socket = json_incref((json_t *)(uintptr_t)first_sk);
	}
	triage_set_path(f, c->me->exe.data, c->me->exe.len);
	triage_emit(c, f);
}

static void hidden_socket(struct triage_ctx *c)
{
	const json_t *fd, *sk, *how;
	struct triage_finding *f;
	int64_t n;
	size_t i;

	json_array_foreach(c->fds, i, fd) {
		sk = json_object_get(fd, "socket");
		how = json_object_get(sk, "hidden");
		if (!json_array_size(how) || !snapshot_int(fd, "fd", &n) || !(f = triage_new(c)))
			continue;
		f->fd = (int)n;
		f->object = "socket";
		if (snapshot_int(fd, "tid", &n))
			f->tid = (int)n;
		triage_what(f, "holds a socket that %s did not list",
			    json_string_value(json_array_get(how, 0)) ?
			    json_string_value(json_array_get(how, 0)) : "one view");
		f->socket = json_incref((json_t *)(uintptr_t)sk);
		triage_emit(c, f);
	}
}

static bool is_elf(const struct triage_head *h)
{
	return h && h->len >= 4 && memcmp(h->b, "\177ELF", 4) == 0;
}

static bool elf_or_script(const struct triage_head *h, const char **kind)
{
	if (is_elf(h)) {
		*kind = "an ELF executable";
		return true;
	}
	if (h && h->len >= 2 && memcmp(h->b, "#!", 2) == 0) {
		*kind = "a #! script";
		return true;
	}
	return false;
}

/* A deleted regular file the fd holds: what it starts with, or why that
 * is not known (an unknown noted).  NULL when it is not such a file. */
static const struct triage_head *held_head(struct triage_ctx *c, const json_t *fd,
					   const json_t **content)
{
	const char *type = snapshot_str(fd, "type");
	const char *member;
	const struct triage_head *h;
	bool del = false;

	*content = json_object_get(fd, "content");
	if (!type || (strcmp(type, "file") != 0 && strcmp(type, "memfd") != 0) ||
	    !snapshot_bool(fd, "deleted", &del) || !del)
		return NULL;
	member = snapshot_str(*content, "member");
	h = triage_heads_get(c->heads, member);
	if (!h)
		triage_unknown_note(c, PART_CONTENT, NULL, member ? member : "fd",
				    member ? "not in the archive" :
				    (snapshot_str(*content, "status") ?
				     snapshot_str(*content, "status") : "not recorded"));
	return h;
}

static void payload_tmp(struct triage_ctx *c)
{
	struct buf t = BUF_INIT;
	const json_t *fd, *content;
	const struct triage_head *h;
	struct triage_finding *f;
	const char *kind, *why;
	int64_t n;
	size_t i;

	json_array_foreach(c->fds, i, fd) {
		if (snapshot_bytes(fd, "target", &t) != 1 ||
		    !triage_staging_path(t.data, t.len, &why) || !(h = held_head(c, fd, &content)) ||
		    !elf_or_script(h, &kind) || !snapshot_int(fd, "fd", &n) || !(f = triage_new(c)))
			continue;
		f->fd = (int)n;
		f->object = "fd";
		if (snapshot_int(fd, "tid", &n))
			f->tid = (int)n;
		triage_what(f, "holds a deleted file in %s that is %s: ", why, kind);
		triage_what_bytes(f, t.data, t.len);
		triage_set_path(f, t.data, t.len);
		triage_set_content(f, content);
		triage_emit(c, f);
	}
	buf_free(&t);
}

static void memfd_elf(struct triage_ctx *c)
{
	struct buf t = BUF_INIT;
	const json_t *fd, *content;
	const struct triage_head *h;
	struct triage_finding *f;
	const char *type;
	int64_t n;
	size_t i;

	json_array_foreach(c->fds, i, fd) {
		type = snapshot_str(fd, "type");
		if (!type || strcmp(type, "memfd") != 0 || !(h = held_head(c, fd, &content)) ||
		    !is_elf(h) || !snapshot_int(fd, "fd", &n) || !(f = triage_new(c)))
			continue;
		f->fd = (int)n;
		f->object = "fd";
		if (snapshot_bytes(fd, "target", &t) == 1)
			triage_set_path(f, t.data, t.len);
		triage_what(f, "holds a memfd that is an ELF executable: ");
		triage_what_bytes(f, t.data, t.len);
		triage_set_content(f, content);
		triage_emit(c, f);
	}
	buf_free(&t);
}

/* ---- environment ---- */

static void env_finding(struct triage_ctx *c, size_t var)
{
	const struct buf *v = &c->raw->env[var].value;
	struct triage_finding *f;

	if (!c->raw->env[var].set || !(f = triage_new(c)))
		return;
	f->object = "process";
	triage_what(f, "its environment sets %s=", triage_env_names[var]);
	triage_what_bytes(f, v->data, v->len);
	if (c->raw->env[var].cut)
		triage_what(f, "...");
	triage_set_path(f, v->data, v->len);
	if (asprintf(&f->member, "proc/%d/environ", c->me->pid) < 0)
		f->member = NULL;
	triage_emit(c, f);
}

static void ld_preload_env(struct triage_ctx *c)
{
	env_finding(c, 0);   /* LD_PRELOAD */
	env_finding(c, 1);   /* LD_AUDIT */
}

static void ld_library_path(struct triage_ctx *c)
{
	env_finding(c, 2);
}

/* ---- hidden ---- */

static void hidden_process(struct triage_ctx *c)
{
	const json_t *how = json_object_get(c->proc, "hidden");
	const char *via = snapshot_str(c->proc, "found_via");
	struct buf m = BUF_INIT;
	struct triage_finding *f;
	size_t i;

	if (!json_array_size(how) || !(f = triage_new(c)))
		return;
	triage_what(f, "hidden from the host's /proc:");
	for (i = 0; i < json_array_size(how); i++)
		if (json_is_string(json_array_get(how, i)))
			triage_what(f, "%s %s", i ? "," : "",
				    json_string_value(json_array_get(how, i)));
	if (via)
		triage_what(f, " (found through %s)", via);
	if (snapshot_array_bytes(c->proc, "hidden_mounts", 0, &m) == 1) {
		triage_what(f, ", a mount on ");
		triage_what_bytes(f, m.data, m.len);
		triage_set_path(f, m.data, m.len);
	}
	buf_free(&m);
	triage_emit(c, f);
}

/* ---- memory ---- */

static json_t *map_json(const struct triage_map *m)
{
	json_t *j = json_object();
	char a[24], b[24];

	snprintf(a, sizeof(a), "%" PRIx64, m->start);
	snprintf(b, sizeof(b), "%" PRIx64, m->end);
	/* The path is host bytes: kept exact, the view writes it. */
	if (!j || json_object_set_new(j, "start", json_string(a)) ||
	    json_object_set_new(j, "end", json_string(b)) ||
	    json_object_set_new(j, "offset", json_integer((json_int_t)m->offset)) ||
	    json_object_set_new(j, "perms", json_stringn_nocheck(m->perms, strlen(m->perms))) ||
	    json_object_set_new(j, "path", json_stringn_nocheck(m->path.data ? m->path.data : "",
								  m->path.len))) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static void map_finding(struct triage_ctx *c, unsigned count, const struct triage_map *m,
			const char *what)
{
	struct triage_finding *f;

	if (!count || !(f = triage_new(c)))
		return;
	f->object = "mapping";
	triage_what(f, "%u %s mapping%s, the first %" PRIx64 "-%" PRIx64 " %s", count, what,
		    count == 1 ? "" : "s", m->start, m->end, m->perms);
	if (m->path.len) {
		triage_what(f, " ");
		triage_what_bytes(f, m->path.data, m->path.len);
	}
	f->mapping = map_json(m);
	if (!f->mapping)
		c->err = -ENOMEM;
	if (asprintf(&f->member, "proc/%d/maps", c->me->pid) < 0)
		f->member = NULL;
	triage_emit(c, f);
}

static void anon_exec(struct triage_ctx *c)
{
	map_finding(c, c->raw->anon_exec, &c->raw->first_anon_exec,
		    "executable anonymous (no file)");
}

static void wx_mapping(struct triage_ctx *c)
{
	map_finding(c, c->raw->wx, &c->raw->first_wx, "writable and executable");
}

/* Each deleted file mapped executable (once a file), but the
 * executable's own; memfds (memfd) or the others. */
static void deleted_mapped(struct triage_ctx *c, bool memfd)
{
	const json_t *exe_stat = json_object_get(json_object_get(c->proc, "exe"), "stat");
	const json_t *maps = json_object_get(c->proc, "mapped_deleted"), *m;
	int64_t dev, ino, xdev = -1, xino = -1, seen[64][2];
	struct buf p = BUF_INIT;
	struct triage_finding *f;
	const char *perms, *kind;
	size_t i, k, nseen = 0;

	snapshot_int(exe_stat, "dev", &xdev);
	snapshot_int(exe_stat, "ino", &xino);
	json_array_foreach(maps, i, m) {
		perms = snapshot_str(m, "perms");
		kind = snapshot_str(m, "kind");
		if (!perms || strlen(perms) < 3 || perms[2] != 'x')
			continue;
		/* shared-anon and sysv-shm have no file: anon-exec's. */
		if (memfd != (kind && strcmp(kind, "memfd") == 0) || (!memfd && kind))
			continue;
		if (json_array_size(json_object_get(m, "errors"))) {
			/* map_files refused: whether it is deleted is not known. */
			triage_unknown_note(c, PART_MAPS,
					    json_array_get(json_object_get(m, "errors"), 0), NULL, NULL);
			continue;
		}
		if (!snapshot_int(m, "dev", &dev) || !snapshot_int(m, "ino", &ino) ||
		    (dev == xdev && ino == xino))
			continue;
		for (k = 0; k < nseen && (seen[k][0] != dev || seen[k][1] != ino); k++)
			;
		if (k < nseen)
			continue;
		if (nseen < 64) {
			seen[nseen][0] = dev;
			seen[nseen++][1] = ino;
		}
		if (snapshot_bytes(m, "path", &p) != 1 || !(f = triage_new(c)))
			continue;
		f->object = "mapping";
		triage_what(f, memfd ? "maps a memfd executable: " :
			    "maps executable a file deleted from disk: ");
		triage_what_bytes(f, p.data, p.len);
		triage_what(f, " at %s-%s %s", snapshot_str(m, "start") ? snapshot_str(m, "start") : "?",
			    snapshot_str(m, "end") ? snapshot_str(m, "end") : "?", perms);
		triage_set_path(f, p.data, p.len);
		triage_set_content(f, json_object_get(m, "content"));
		f->mapping = json_incref((json_t *)(uintptr_t)m);
		triage_emit(c, f);
	}
	buf_free(&p);
}

static void deleted_lib_exec(struct triage_ctx *c)
{
	deleted_mapped(c, false);
}

static void memfd_exec_mapping(struct triage_ctx *c)
{
	deleted_mapped(c, true);
}

/* ---- the table ---- */

#define P PART_PROCESS
const struct triage_rule triage_table[] = {
	{ { "exe-deleted-staging", TRIAGE_HIGH, "T1070.004",
	    "the executable was deleted while it runs, from /tmp, /var/tmp, /dev/shm, "
	    "/run/user or a hidden directory" },
	  PHASE_PROCESS, P | PART_EXE, exe_deleted_staging },
	{ { "exe-fileless", TRIAGE_HIGH, "T1620",
	    "it runs from a memfd or another file that never had a name" },
	  PHASE_PROCESS, P | PART_EXE, exe_fileless },
	{ { "kthread-impostor", TRIAGE_HIGH, "T1036.004",
	    "a user process named like a kernel thread ([kworker/0:1], kthreadd...)" },
	  PHASE_PROCESS, P, kthread_impostor },
	{ { "reverse-shell", TRIAGE_HIGH, "T1059.004",
	    "a shell or interpreter with a network socket on fd 0, 1 or 2" },
	  PHASE_PROCESS, P | PART_FDS, reverse_shell },
	{ { "ld-preload-env", TRIAGE_HIGH, "T1574.006",
	    "LD_PRELOAD or LD_AUDIT in the process's environment" },
	  PHASE_PROCESS, P | PART_ENVIRON, ld_preload_env },
	{ { "hidden-process", TRIAGE_HIGH, "T1014",
	    "the capture found the process hidden from the host's /proc" },
	  PHASE_PROCESS, 0, hidden_process },
	{ { "hidden-socket", TRIAGE_HIGH, "T1014",
	    "a socket one view of the kernel's tables did not list" },
	  PHASE_PROCESS, P | PART_FDS, hidden_socket },
	{ { "anon-exec", TRIAGE_HIGH, "T1055",
	    "an executable mapping with no file, in a process that is not a known JIT" },
	  PHASE_PROCESS, P | PART_MAPS, anon_exec },
	{ { "wx-mapping", TRIAGE_HIGH, "T1055",
	    "a mapping both writable and executable, in a process that is not a known JIT" },
	  PHASE_PROCESS, P | PART_MAPS, wx_mapping },
	{ { "deleted-lib-exec", TRIAGE_HIGH, "T1055",
	    "a deleted file mapped executable (an injected library removed from disk)" },
	  PHASE_PROCESS, P | PART_MAPS, deleted_lib_exec },
	{ { "memfd-exec-mapping", TRIAGE_HIGH, "T1620",
	    "a memfd mapped executable (code loaded from memory)" },
	  PHASE_PROCESS, P | PART_MAPS, memfd_exec_mapping },
	{ { "payload-tmp", TRIAGE_HIGH, "T1070.004",
	    "a deleted file held open in /tmp, /var/tmp, /dev/shm, /run/user or a hidden "
	    "directory that starts with an ELF header or a #! line" },
	  PHASE_PROCESS, P | PART_FDS, payload_tmp },
	{ { "memfd-elf", TRIAGE_HIGH, "T1620",
	    "a memfd held open that holds an ELF executable" },
	  PHASE_PROCESS, P | PART_FDS, memfd_elf },
	{ { "region-elf", TRIAGE_HIGH, "T1620",
	    "a captured anonymous executable memory region that starts with an ELF header "
	    "(an executable loaded with no file)" },
	  PHASE_PROCESS, P | PART_MAPS, triage_check_region_elf },
	{ { "ioc", TRIAGE_HIGH, NULL,
	    "an executable, library or recovered file whose SHA-256 is in the --ioc list" },
	  PHASE_PROCESS, 0, triage_check_ioc },
	{ { "yara", TRIAGE_HIGH, NULL,
	    "a recovered file or a captured memory region a --yara rule matches (severity "
	    "and technique from the rule's meta)" },
	  PHASE_PROCESS, 0, triage_check_yara },
	{ { "ld-so-preload", TRIAGE_HIGH, "T1574.006",
	    "/etc/ld.so.preload is not empty" },
	  PHASE_HOST, PART_HOST, triage_check_ld_so_preload },
	{ { "module-unsigned", TRIAGE_HIGH, "T1547.006",
	    "a kernel module loaded without a valid signature (taint E)" },
	  PHASE_HOST, PART_HOST, triage_check_module_unsigned },
	{ { "traced", TRIAGE_HIGH, "T1055.008",
	    "traced by another process (TracerPid), not a known debugger (then medium)" },
	  PHASE_RELATION, P | PART_STATUS, triage_check_traced },
	{ { "shell-from-service", TRIAGE_HIGH, "T1505.003",
	    "a shell whose parent is a network service (listens on TCP; sshd and init "
	    "excepted)" },
	  PHASE_RELATION, P, triage_check_shell_from_service },
	{ { "watch-tripwire", TRIAGE_HIGH, "T1497.002",
	    "watches (inotify, fanotify) a deleted file (high) or a file in /tmp or /dev/shm "
	    "(medium): a tripwire that sees a responder read it" },
	  PHASE_RELATION, P | PART_FDS, triage_check_watch_tripwire },
	{ { "exe-deleted", TRIAGE_MEDIUM, "T1070.004",
	    "the executable was deleted while it runs" },
	  PHASE_PROCESS, P | PART_EXE, exe_deleted },
	{ { "exe-staging", TRIAGE_MEDIUM, "T1564",
	    "the executable is in /tmp, /var/tmp, /dev/shm, /run/user or a hidden directory" },
	  PHASE_PROCESS, P | PART_EXE, exe_staging },
	{ { "name-mismatch", TRIAGE_MEDIUM, "T1036.005",
	    "the process's name is not its executable's, where that is unusual" },
	  PHASE_PROCESS, P | PART_EXE, name_mismatch },
	{ { "kernel-tainted", TRIAGE_MEDIUM, "T1547.006",
	    "the kernel is tainted (its taint flags named)" },
	  PHASE_HOST, PART_HOST, triage_check_kernel_tainted },
	{ { "module-out-of-tree", TRIAGE_MEDIUM, "T1547.006",
	    "an out-of-tree kernel module (taint O), signed" },
	  PHASE_HOST, PART_HOST, triage_check_module_out_of_tree },
	{ { "ld-library-path", TRIAGE_LOW, "T1574.006",
	    "LD_LIBRARY_PATH in the process's environment" },
	  PHASE_PROCESS, P | PART_ENVIRON, ld_library_path },
	{ { "listener-flagged", TRIAGE_HIGH, "T1571",
	    "a listening socket held by a process flagged above (its severity is that "
	    "flag's)" },
	  PHASE_RELATION, P | PART_FDS, triage_check_listener_flagged },
};
#undef P

const size_t triage_table_len = sizeof(triage_table) / sizeof(*triage_table);

_Static_assert(sizeof(triage_table) / sizeof(*triage_table) <= 64,
	       "struct triage_unknown's rules is a 64-bit mask");

const struct triage_rule_info *triage_rule_at(size_t i)
{
	return i < triage_table_len ? &triage_table[i].info : NULL;
}
