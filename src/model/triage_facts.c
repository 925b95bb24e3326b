/* triage_facts: what the triage rules read beyond the records — the raw status, environ and maps of a process, its summary, the first bytes of recovered files, names and paths. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "snapshot.h"
#include "triage_int.h"

const char *const triage_env_names[TRIAGE_ENV_VARS] = {
	"LD_PRELOAD", "LD_AUDIT", "LD_LIBRARY_PATH",
};

/* The most of a status member kept: TracerPid is in its first kilobyte. */
#define STATUS_KEEP (64u << 10)

void triage_raw_reset(struct triage_raw *r, int pid)
{
	size_t i;

	buf_reset(&r->line);
	buf_reset(&r->first_anon_exec.path);
	buf_reset(&r->first_wx.path);
	for (i = 0; i < TRIAGE_ENV_VARS; i++) {
		buf_reset(&r->env[i].value);
		r->env[i].set = r->env[i].cut = false;
	}
	r->pid = pid;
	r->status = r->environ = r->maps = false;
	r->tracer = -1;
	r->anon_exec = r->wx = r->anon_x = r->bad_lines = 0;
	r->line_cut = false;
	r->in = NULL;
	r->name_len = 0;
	r->in_value = r->name_cut = false;
	r->var = -1;
}

void triage_raw_free(struct triage_raw *r)
{
	size_t i;

	buf_free(&r->line);
	buf_free(&r->first_anon_exec.path);
	buf_free(&r->first_wx.path);
	for (i = 0; i < TRIAGE_ENV_VARS; i++)
		buf_free(&r->env[i].value);
}

/* ---- environ: NUL-separated NAME=VALUE, fed in pieces ---- */

static void env_end(struct triage_raw *r)
{
	r->name_len = 0;
	r->in_value = r->name_cut = false;
	r->var = -1;
}

static void env_byte(struct triage_raw *r, char c)
{
	size_t i;

	if (!r->in_value) {
		if (c == '\0') {
			env_end(r);
		} else if (c == '=') {
			r->in_value = true;
			for (i = 0; i < TRIAGE_ENV_VARS && !r->name_cut; i++)
				if (strlen(triage_env_names[i]) == r->name_len &&
				    memcmp(triage_env_names[i], r->name, r->name_len) == 0 &&
				    !r->env[i].set)
					r->var = (int)i;
		} else if (r->name_len < sizeof(r->name)) {
			r->name[r->name_len++] = c;
		} else {
			r->name_cut = true;
		}
		return;
	}
	if (c == '\0') {
		env_end(r);
		return;
	}
	if (r->var < 0)
		return;
	/* The first non-empty value of a name: an empty one loads nothing. */
	r->env[r->var].set = true;
	if (r->env[r->var].value.len < TRIAGE_ENV_VALUE_MAX)
		buf_putc(&r->env[r->var].value, c);
	else
		r->env[r->var].cut = true;
}

/* ---- maps: one mapping a line ---- */

/* A mapping with no file: nothing named, the heap, a stack, a named
 * anonymous region, shared anonymous memory (/dev/zero (deleted)).  The
 * kernel's own ([vdso], [vsyscall], [uprobes]) are not the process's. */
bool triage_anonymous_path(const char *p, size_t n)
{
	static const char *const kernel[] = { "[vdso]", "[vsyscall]", "[uprobes]", "[vectors]",
					      "[sigpage]", NULL };
	static const char zero[] = "/dev/zero (deleted)";
	size_t i;

	if (n == 0)
		return true;
	if (n == sizeof(zero) - 1 && memcmp(p, zero, n) == 0)
		return true;
	if (p[0] != '[')
		return false;
	for (i = 0; kernel[i]; i++)
		if (strlen(kernel[i]) == n && memcmp(kernel[i], p, n) == 0)
			return false;
	return true;
}

static void keep_map(struct triage_map *m, const struct parse_map *pm)
{
	m->start = pm->start;
	m->end = pm->end;
	m->offset = pm->offset;
	memcpy(m->perms, pm->perms, sizeof(m->perms));
	buf_reset(&m->path);
	buf_append(&m->path, pm->path, pm->path_len);
}

static void maps_line(struct triage_raw *r, const char *s, size_t n)
{
	struct parse_map pm;

	if (n == 0)
		return;
	if (parse_maps_line(s, n, &pm)) {
		r->bad_lines++;
		return;
	}
	if (pm.perms[2] != 'x')
		return;
	r->anon_x += triage_anonymous_path(pm.path, pm.path_len);
	if (pm.perms[1] == 'w') {
		if (!r->wx++)
			keep_map(&r->first_wx, &pm);
	} else if (triage_anonymous_path(pm.path, pm.path_len)) {
		if (!r->anon_exec++)
			keep_map(&r->first_anon_exec, &pm);
	}
}

/* Lines of maps in pieces; a line longer than TRIAGE_LINE_MAX is not
 * understood (counted), never cut into a wrong one. */
static void maps_feed(struct triage_raw *r, const char *p, size_t n)
{
	const char *nl;

	while (n) {
		nl = memchr(p, '\n', n);
		size_t k = nl ? (size_t)(nl - p) : n;

		if (r->line.len + k > TRIAGE_LINE_MAX)
			r->line_cut = true;
		else
			buf_append(&r->line, p, k);
		if (nl) {
			if (r->line_cut)
				r->bad_lines++;
			else
				maps_line(r, r->line.data, r->line.len);
			buf_reset(&r->line);
			r->line_cut = false;
			k++;
		}
		p += k;
		n -= k;
	}
}

void triage_raw_feed(struct triage_raw *r, const char *file, const void *data, size_t len)
{
	static const char zeros[256];
	const char *p = data;
	size_t i, k;

	if (!r->in || strcmp(r->in, file) != 0) {
		buf_reset(&r->line);
		r->line_cut = false;
		r->in = strcmp(file, "status") == 0 ? "status" :
			strcmp(file, "environ") == 0 ? "environ" :
			strcmp(file, "maps") == 0 ? "maps" : NULL;
		env_end(r);
	}
	if (!r->in)
		return;
	while (len) {
		k = len;
		/* A hole is zeros: raw members have none, a hostile one may. */
		if (!data && k > sizeof(zeros))
			k = sizeof(zeros);
		const char *q = data ? p : zeros;

		if (strcmp(r->in, "environ") == 0) {
			for (i = 0; i < k; i++)
				env_byte(r, q[i]);
		} else if (strcmp(r->in, "maps") == 0) {
			maps_feed(r, q, k);
		} else if (r->line.len < STATUS_KEEP) {
			buf_append(&r->line, q, k < STATUS_KEEP - r->line.len ? k : STATUS_KEEP - r->line.len);
		}
		if (data)
			p += k;
		len -= k;
	}
}

void triage_raw_done(struct triage_raw *r, const char *file)
{
	const char *v;
	size_t vl;
	char num[24];

	if (!r->in || strcmp(r->in, file) != 0)
		triage_raw_feed(r, file, "", 0);
	if (!r->in)
		return;
	if (strcmp(r->in, "status") == 0) {
		r->status = true;
		if (r->line.data &&
		    !parse_status_field(r->line.data, r->line.len, "TracerPid", &v, &vl)) {
			while (vl && (*v == ' ' || *v == '\t')) {
				v++;
				vl--;
			}
			if (vl && vl < sizeof(num)) {
				char *e;
				long t;

				memcpy(num, v, vl);
				num[vl] = '\0';
				t = strtol(num, &e, 10);
				if (!*e && t >= 0 && t <= INT32_MAX)
					r->tracer = (int)t;
			}
		}
	} else if (strcmp(r->in, "environ") == 0) {
		r->environ = true;
	} else {
		if (r->line.len)
			maps_feed(r, "\n", 1);
		r->maps = true;
	}
	buf_reset(&r->line);
	r->in = NULL;
}

/* ---- a process's summary ---- */

/* The first fd holding an inet socket in LISTEN. */
static void find_listener(struct triage_pinfo *p, const json_t *fds)
{
	const json_t *fd, *sk;
	const char *state;
	int64_t n;
	size_t i;

	json_array_foreach(fds, i, fd) {
		if (!triage_inet_fd(fd, &sk))
			continue;
		state = snapshot_str(sk, "state");
		if (!state || strcmp(state, "LISTEN") != 0 || !snapshot_int(fd, "fd", &n))
			continue;
		p->listen_fd = (int)n;
		p->listen_socket = json_incref((json_t *)(uintptr_t)sk);
		return;
	}
}

int triage_pinfo_fill(struct triage_pinfo *p, const json_t *proc, const json_t *fds)
{
	const json_t *uid = json_object_get(proc, "uid");
	const char *st = snapshot_str(proc, "start_time");
	int64_t v;
	bool b;

	memset(p, 0, sizeof(*p));
	p->listen_fd = -1;
	if (snapshot_int(proc, "pid", &v) && v > 0 && v <= INT32_MAX)
		p->pid = (int)v;
	if (snapshot_int(proc, "ppid", &v) && v >= 0 && v <= INT32_MAX)
		p->ppid = (int)v;
	if (st)
		snprintf(p->start_time, sizeof(p->start_time), "%s", st);
	if (snapshot_bytes(proc, "name", &p->comm) < 0 ||
	    snapshot_bytes(json_object_get(proc, "exe"), "target", &p->exe) < 0) {
		/* A name that is not base64 is not known: left empty. */
		buf_reset(&p->comm);
		buf_reset(&p->exe);
	}
	if (json_is_integer(json_array_get(uid, 1))) {
		p->has_euid = true;
		p->euid = (int64_t)json_integer_value(json_array_get(uid, 1));
	}
	p->kernel_thread = snapshot_bool(proc, "kernel_thread", &b) && b;
	find_listener(p, fds);
	return buf_error(&p->comm) || buf_error(&p->exe) ? -ENOMEM : 0;
}

void triage_pinfo_free(struct triage_pinfo *p)
{
	size_t i;

	if (!p)
		return;
	buf_free(&p->comm);
	buf_free(&p->exe);
	json_decref(p->listen_socket);
	for (i = 0; i < TRIAGE_PARTS; i++)
		json_decref(p->why[i]);
}

/* ---- recovered files: their first bytes ---- */

bool triage_content_id(const char *member, uint64_t *dev, uint64_t *ino)
{
	struct snap_member m;

	if (!member || snapreader_classify(member, &m) != SNAP_M_CONTENT)
		return false;
	*dev = m.dev;
	*ino = m.ino;
	return true;
}

int triage_heads_add(struct triage_heads *h, const char *member, const void *data, size_t len)
{
	struct triage_head *e;
	uint64_t dev, ino;
	size_t k;

	if (!triage_content_id(member, &dev, &ino))
		return 0;
	e = u64map_get(&h->m, dev, ino);
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e || u64map_put(&h->m, dev, ino, e)) {
			free(e);
			return -ENOMEM;
		}
	}
	k = TRIAGE_HEAD - e->len < len ? TRIAGE_HEAD - e->len : len;
	if (data)
		memcpy(e->b + e->len, data, k);
	else
		memset(e->b + e->len, 0, k);
	e->len += k;
	return 0;
}

const struct triage_head *triage_heads_get(const struct triage_heads *h, const char *member)
{
	uint64_t dev, ino;

	if (!triage_content_id(member, &dev, &ino))
		return NULL;
	return u64map_get(&h->m, dev, ino);
}

void triage_heads_free(struct triage_heads *h)
{
	u64map_free(&h->m, free);
}

/* ---- names and paths ---- */

size_t triage_undeleted(const char *p, size_t n)
{
	static const char del[] = " (deleted)";

	if (n >= sizeof(del) - 1 && memcmp(p + n - (sizeof(del) - 1), del, sizeof(del) - 1) == 0)
		return n - (sizeof(del) - 1);
	return n;
}

void triage_basename(const char *p, size_t n, const char **b, size_t *bn)
{
	const char *slash;

	n = triage_undeleted(p, n);
	slash = n ? memrchr(p, '/', n) : NULL;
	*b = slash ? slash + 1 : p;
	*bn = n - (size_t)(*b - p);
}

/* p starts with the directory d ("/tmp"): d itself or below it. */
bool triage_under(const char *p, size_t n, const char *d)
{
	size_t k = strlen(d);

	return n > k && memcmp(p, d, k) == 0 && p[k] == '/';
}

bool triage_staging_path(const char *p, size_t n, const char **why)
{
	static const char *const dirs[] = { "/tmp", "/var/tmp", "/dev/shm", "/run/user", NULL };
	const char *c, *end;
	size_t i;

	n = triage_undeleted(p, n);
	for (i = 0; dirs[i]; i++)
		if (triage_under(p, n, dirs[i])) {
			*why = dirs[i];
			return true;
		}
	/* A component that starts with a dot ("/usr/bin/.x", "/root/.cache/x"). */
	for (c = p, end = p + n; c < end; c++) {
		if (*c != '/' || c + 1 >= end || c[1] != '.')
			continue;
		if ((c + 2 == end || c[2] == '/') ||
		    (c[2] == '.' && (c + 3 == end || c[3] == '/')))
			continue;
		*why = "a hidden directory";
		return true;
	}
	return false;
}

static bool in_list(const char *const *list, const char *s, size_t n)
{
	for (; *list; list++)
		if (strlen(*list) == n && memcmp(*list, s, n) == 0)
			return true;
	return false;
}

/* s is prefix followed by nothing or only digits and dots ("python3.11"). */
static bool versioned(const char *const *prefixes, const char *s, size_t n)
{
	size_t k, i;

	for (; *prefixes; prefixes++) {
		k = strlen(*prefixes);
		if (n < k || memcmp(*prefixes, s, k) != 0)
			continue;
		for (i = k; i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.'); i++)
			;
		if (i == n)
			return true;
	}
	return false;
}

bool triage_is_shell(const char *name, size_t n)
{
	static const char *const shells[] = {
		"sh", "bash", "dash", "zsh", "ksh", "ksh93", "mksh", "pdksh", "csh", "tcsh",
		"fish", "ash", "busybox", "rbash", "yash", "posh", NULL,
	};

	return in_list(shells, name, n);
}

bool triage_is_interpreter(const char *name, size_t n)
{
	static const char *const interp[] = {
		"python", "perl", "ruby", "php", "lua", "luajit", "node", "nodejs", "tclsh",
		"wish", "pwsh", "guile", NULL,
	};
	static const char *const fixed[] = {
		"awk", "gawk", "mawk", "nawk", "expect", "socat", NULL,
	};

	return triage_is_shell(name, n) || versioned(interp, name, n) || in_list(fixed, name, n);
}

bool triage_is_debugger(const char *name, size_t n)
{
	static const char *const dbg[] = {
		"gdb", "gdbserver", "strace", "ltrace", "lldb", "lldb-server", "rr", "criu",
		"proot", NULL,
	};

	return in_list(dbg, name, n);
}

bool triage_kthread_name(const char *name, size_t n)
{
	static const char *const exact[] = {
		"kthreadd", "kswapd0", "kauditd", "khungtaskd", "oom_reaper", "kcompactd0",
		"khugepaged", "ksmd", "kdevtmpfs", "khelper", "kblockd", "watchdogd",
		"kintegrityd", "kthrotld", "writeback", NULL,
	};
	static const char *const prefix[] = {
		"kworker/", "ksoftirqd/", "migration/", "rcu_", "cpuhp/", "idle_inject/",
		"watchdog/", "irq/", "jbd2/", "kswapd", "kcompactd", "scsi_eh_", "xfsaild/",
		"napi/", NULL,
	};
	size_t i, k;

	if (in_list(exact, name, n))
		return true;
	for (i = 0; prefix[i]; i++) {
		k = strlen(prefix[i]);
		if (n > k && memcmp(prefix[i], name, k) == 0)
			return true;
	}
	return false;
}

bool triage_inet_fd(const json_t *fd, const json_t **socket)
{
	static const char *const inet[] = { "tcp", "tcp6", "udp", "udp6", NULL };
	static const char *const inet_proto[] = { "TCP", "TCPv6", "UDP", "UDPv6", "UDPLITE",
						  "UDPLITEv6", "MPTCP", "MPTCPv6", NULL };
	const json_t *sk = json_object_get(fd, "socket");
	const char *proto = snapshot_str(sk, "proto");
	const char *sp = snapshot_str(fd, "sockproto");
	const char *type = snapshot_str(fd, "type");

	*socket = NULL;
	if (!type || strcmp(type, "socket") != 0)
		return false;
	if (proto && in_list(inet, proto, strlen(proto))) {
		*socket = sk;
		return true;
	}
	/* Not resolved by a table, but the kernel named an inet protocol. */
	return !json_is_object(sk) && sp && in_list(inet_proto, sp, strlen(sp));
}
