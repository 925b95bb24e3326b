/* triage_relate: the triage checks over the host files (ld.so.preload, kernel taint, modules) and over what relates processes (a tracer, a parent that serves the network, a flagged process's listener). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"
#include "triage_int.h"

/* ---- host files ---- */

/*
 * What host.json's host_files says of path: 1 its bytes are in b (cut:
 * only its start was kept), 0 the file does not exist on the host, -1 not
 * known (noted as an unknown of the host).
 */
static int host_file(struct triage_ctx *c, const char *path, const struct buf *b)
{
	const json_t *files = json_object_get(c->host, "host_files"), *e;
	const char *p;
	bool present = true;
	size_t i;

	json_array_foreach(files, i, e) {
		p = snapshot_str(e, "path");
		if (!p || strcmp(p, path) != 0)
			continue;
		if (snapshot_bool(e, "present", &present) && !present)
			return 0;
		if (snapshot_str(e, "member") && b)
			return 1;
		triage_unknown_note(c, PART_HOST, NULL, path,
				    snapshot_str(e, "reason") ? snapshot_str(e, "reason") :
				    snapshot_str(e, "member") ? "not in the archive" : "not read");
		return -1;
	}
	triage_unknown_note(c, PART_HOST, NULL, path, "not recorded");
	return -1;
}

static char *member_of(const char *path)
{
	char *m = NULL;

	/* host_files' members mirror the host's path under host/. */
	if (asprintf(&m, "host%s", path) < 0)
		return NULL;
	return m;
}

static bool space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == ':';
}

void triage_check_ld_so_preload(struct triage_ctx *c)
{
	const struct buf *b = c->ld_preload;
	struct triage_finding *f = NULL;
	const char *p, *end, *w;
	unsigned n = 0;

	if (host_file(c, "/etc/ld.so.preload", b) != 1 || !b->len)
		return;
	/* ld.so(8): names separated by white space or colons; a '#' starts
	 * a comment to the end of the line. */
	for (p = b->data, end = b->data + b->len; p < end;) {
		if (*p == '#') {
			while (p < end && *p != '\n')
				p++;
			continue;
		}
		if (space(*p)) {
			p++;
			continue;
		}
		for (w = p; p < end && !space(*p) && *p != '#'; p++)
			;
		if (!n++) {
			f = triage_new(c);
			if (!f)
				return;
			f->object = "host-file";
			f->member = member_of("/etc/ld.so.preload");
			triage_set_path(f, w, (size_t)(p - w));
		}
	}
	if (!f)
		return;
	triage_what(f, "/etc/ld.so.preload makes every dynamically linked program load %u "
		    "librar%s: ", n, n == 1 ? "y" : "ies");
	triage_what_bytes(f, f->path.data, f->path.len);
	if (n > 1)
		triage_what(f, " and %u more", n - 1);
	if (c->ld_preload_cut)
		triage_what(f, " (the file is longer than was read)");
	triage_emit(c, f);
}

/* Documentation/admin-guide/tainted-kernels.rst: bit, letter, meaning. */
static const struct {
	char letter;
	const char *what;
} taints[] = {
	{ 'P', "proprietary module" }, { 'F', "module force-loaded" },
	{ 'S', "out of specification" }, { 'R', "module force-unloaded" },
	{ 'M', "machine check" }, { 'B', "bad page" }, { 'U', "tainted on request" },
	{ 'D', "the kernel died (oops)" }, { 'A', "ACPI table overridden" },
	{ 'W', "a warning" }, { 'C', "staging driver" }, { 'I', "firmware workaround" },
	{ 'O', "out-of-tree module" }, { 'E', "unsigned module" }, { 'L', "soft lockup" },
	{ 'K', "live patched" }, { 'X', "auxiliary taint" }, { 'T', "built with struct randomization" },
	{ 'N', "in-kernel test" },
};

void triage_check_kernel_tainted(struct triage_ctx *c)
{
	const struct buf *b = c->tainted;
	struct triage_finding *f;
	unsigned long long mask;
	char num[32], *e;
	size_t i, n;
	bool first = true;

	if (host_file(c, "/proc/sys/kernel/tainted", b) != 1)
		return;
	n = b->len < sizeof(num) - 1 ? b->len : sizeof(num) - 1;
	memcpy(num, b->data ? b->data : "", n);
	num[n] = '\0';
	mask = strtoull(num, &e, 10);
	if (e == num || (*e && *e != '\n')) {
		triage_unknown_note(c, PART_HOST, NULL, "/proc/sys/kernel/tainted",
				    "not a number");
		return;
	}
	if (!mask || !(f = triage_new(c)))
		return;
	f->object = "host-file";
	f->member = member_of("/proc/sys/kernel/tainted");
	triage_what(f, "the kernel is tainted (%llu):", mask);
	for (i = 0; i < sizeof(taints) / sizeof(*taints); i++)
		if (mask & (1ull << i)) {
			triage_what(f, "%s %c %s", first ? "" : ",", taints[i].letter, taints[i].what);
			first = false;
		}
	if (mask >> (sizeof(taints) / sizeof(*taints)))
		triage_what(f, "%s bits unknown here", first ? "" : ",");
	triage_emit(c, f);
}

/* Each line of /proc/modules: "name size refs deps state addr [(flags)]". */
static void modules(struct triage_ctx *c, bool unsigned_ones)
{
	const struct buf *b = c->modules;
	const char *p, *end, *nl, *sp, *open, *close;
	struct triage_finding *f;
	bool e, o;

	if (host_file(c, "/proc/modules", b) != 1)
		return;
	for (p = b->data, end = b->data + b->len; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		sp = memchr(p, ' ', (size_t)(nl - p));
		close = nl > p && nl[-1] == ')' ? nl - 1 : NULL;
		open = close ? memrchr(p, '(', (size_t)(close - p)) : NULL;
		if (!sp || !open || open < sp)
			continue;
		e = memchr(open, 'E', (size_t)(close - open)) != NULL;
		o = memchr(open, 'O', (size_t)(close - open)) != NULL;
		if (unsigned_ones ? !e : (!o || e))
			continue;
		f = triage_new(c);
		if (!f)
			return;
		f->object = "module";
		f->member = member_of("/proc/modules");
		f->name = strndup(p, (size_t)(sp - p));
		if (!f->name)
			f->what.err = -ENOMEM;
		triage_what(f, "kernel module ");
		triage_what_bytes(f, p, (size_t)(sp - p));
		triage_what(f, unsigned_ones ? " has no valid signature (taint E%s)" :
			    " is out of tree (taint O)", o ? ", out of tree" : "");
		triage_emit(c, f);
	}
}

void triage_check_module_unsigned(struct triage_ctx *c)
{
	modules(c, true);
}

void triage_check_module_out_of_tree(struct triage_ctx *c)
{
	modules(c, false);
}

/* ---- between processes ---- */

static int by_pid(const void *key, const void *elem)
{
	int pid = *(const int *)key;
	const struct triage_pinfo *p = *(struct triage_pinfo *const *)elem;

	return pid < p->pid ? -1 : pid > p->pid;
}

/* The process pid, or NULL (c->procs is sorted by pid). */
static const struct triage_pinfo *lookup(const struct triage_ctx *c, int pid)
{
	struct triage_pinfo *const *hit = bsearch(&pid, c->procs, c->nprocs, sizeof(*c->procs),
						  by_pid);

	return hit ? *hit : NULL;
}

static void run_name(const struct triage_pinfo *p, const char **n, size_t *len)
{
	if (p->exe.len) {
		triage_basename(p->exe.data, p->exe.len, n, len);
		return;
	}
	*n = p->comm.data ? p->comm.data : "";
	*len = p->comm.len;
}

static bool named(const struct triage_pinfo *p, bool (*is)(const char *, size_t))
{
	const char *n;
	size_t len;

	run_name(p, &n, &len);
	return is(n, len) || is(p->comm.data ? p->comm.data : "", p->comm.len);
}

static void who(struct triage_finding *f, const struct triage_pinfo *p)
{
	triage_what(f, " (");
	triage_what_bytes(f, p->comm.data, p->comm.len);
	if (p->exe.len) {
		triage_what(f, ", ");
		triage_what_bytes(f, p->exe.data, p->exe.len);
	}
	triage_what(f, ")");
}

void triage_check_traced(struct triage_ctx *c)
{
	const struct triage_pinfo *me = c->me, *t;
	struct triage_finding *f;

	if (me->tracer <= 0 || !(f = triage_new(c)))
		return;
	t = lookup(c, me->tracer);
	/* A debugger run on purpose, or a process tracing its own kind
	 * (LeakSanitizer's tracer at exit): worth a look, not an alarm. */
	if (t && (named(t, triage_is_debugger) ||
		  (t->exe.len && t->exe.len == me->exe.len &&
		   memcmp(t->exe.data, me->exe.data, me->exe.len) == 0)))
		f->severity = TRIAGE_MEDIUM;
	triage_what(f, "traced by pid %d", me->tracer);
	if (t)
		who(f, t);
	else
		triage_what(f, ", which is not in the snapshot");
	triage_set_other(f, "tracer", t, me->tracer);
	triage_set_path(f, me->exe.data, me->exe.len);
	triage_emit(c, f);
}

static bool is_sshd_or_init(const char *n, size_t len)
{
	static const char *const names[] = { "sshd", "sshd-session", "systemd", "init", NULL };
	size_t i;

	for (i = 0; names[i]; i++)
		if (strlen(names[i]) == len && memcmp(names[i], n, len) == 0)
			return true;
	return false;
}

static void socket_text(struct triage_finding *f, const json_t *sk)
{
	const char *proto = snapshot_str(sk, "proto"), *local = snapshot_str(sk, "local");

	triage_what(f, "%s %s", proto ? proto : "inet", local ? local : "?");
}

void triage_check_shell_from_service(struct triage_ctx *c)
{
	const struct triage_pinfo *me = c->me, *p;
	struct triage_finding *f;
	char what[32];

	if (me->kernel_thread || me->ppid <= 1 || !named(me, triage_is_shell))
		return;
	p = lookup(c, me->ppid);
	snprintf(what, sizeof(what), "pid %d", me->ppid);
	if (!p || !p->fds_known) {
		triage_unknown_note(c, PART_PARENT, NULL, what,
				    p ? "its fds could not be examined" : "not in the snapshot");
		return;
	}
	if (p->listen_fd < 0 || p->pid == 1 || named(p, is_sshd_or_init) || !(f = triage_new(c)))
		return;
	triage_what(f, "a shell whose parent %d", p->pid);
	who(f, p);
	triage_what(f, " listens on ");
	socket_text(f, p->listen_socket);
	triage_set_other(f, "parent", p, p->pid);
	triage_set_path(f, me->exe.data, me->exe.len);
	triage_emit(c, f);
}

void triage_check_listener_flagged(struct triage_ctx *c)
{
	struct triage_pinfo *me = c->me;
	struct triage_finding *f;

	if (me->listen_fd < 0 || me->flagged < TRIAGE_MEDIUM || !(f = triage_new(c)))
		return;
	f->severity = me->flagged;
	f->fd = me->listen_fd;
	f->object = "socket";
	triage_what(f, "listens on ");
	socket_text(f, me->listen_socket);
	triage_what(f, ", and is flagged %s above", triage_severity_name(me->flagged));
	f->socket = json_incref(me->listen_socket);
	triage_set_path(f, me->exe.data, me->exe.len);
	triage_emit(c, f);
}
