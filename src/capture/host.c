/* host: what a capture says about the host — format.json, host.json, the view of /proc, summary.json. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "capture_int.h"
#include "memsel.h"
#include "parse.h"
#include "procfs.h"

/* procsnap's own namespace inode of this kind, or 0. */
uint64_t host_own_ns(struct capture *c, const char *name)
{
	char path[32];
	uint64_t ino = 0;

	snprintf(path, sizeof(path), "self/ns/%s", name);
	if (procfs_readlink(c->rootfd, path, &c->raw) == 0 &&
	    parse_ns_link(c->raw.data, c->raw.len, &ino))
		ino = 0;
	return ino;
}

/*
 * The view of /proc in use.  A proc mounted with hidepid=1 ("noaccess")
 * or hidepid=2 ("invisible") hides or locks other users' processes
 * (proc(5)): the snapshot must say that it saw a restricted view.  The
 * mount is found by the mnt_id of our own fd of the proc root (fdinfo),
 * its options in our mountinfo (the super options, after " - proc ").
 */
void host_proc_view(struct capture *c)
{
	struct parse_fdinfo fi;
	char name[48], id[24];
	const char *p, *end;
	bool truncated;
	size_t idl;

	snprintf(name, sizeof(name), "self/fdinfo/%d", c->rootfd);
	if (procfs_read(c->rootfd, name, 4096, &c->raw, &truncated) ||
	    parse_fdinfo(c->raw.data, c->raw.len, &fi) || !fi.has_mnt_id)
		return;
	idl = (size_t)snprintf(id, sizeof(id), "%d ", fi.mnt_id);
	if (procfs_read(c->rootfd, "self/mountinfo", CAPTURE_MAX_RAW, &c->raw, &truncated))
		return;
	for (p = c->raw.data, end = p + c->raw.len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *sep, *o, *h;
		size_t n;

		if ((size_t)(le - p) > idl && memcmp(p, id, idl) == 0 &&
		    (sep = memmem(p, (size_t)(le - p), " - proc ", 8)) != NULL) {
			/* " - proc SOURCE OPTIONS" */
			o = memchr(sep + 8, ' ', (size_t)(le - sep - 8));
			if (!o)
				return;
			o++;
			n = (size_t)(le - o);
			if (n >= sizeof(c->proc_opts))
				n = sizeof(c->proc_opts) - 1;
			memcpy(c->proc_opts, o, n);
			c->proc_opts[n] = '\0';
			c->proc_opts_known = true;
			h = strstr(c->proc_opts, "hidepid=");
			if (h) {
				size_t k = strcspn(h + 8, ",");

				snprintf(c->st.hidepid, sizeof(c->st.hidepid), "%.*s",
					 (int)(k < 15 ? k : 15), h + 8);
				c->st.restricted_view = strcmp(c->st.hidepid, "0") != 0 &&
							strcmp(c->st.hidepid, "off") != 0;
			}
			return;
		}
		p = le + 1;
	}
}

/* format.json: the first member, saying what the archive is. */
static int host_format(struct capture *c, const char *topdir)
{
	struct jsonw j;
	int r;

	buf_reset(&c->json);
	jsonw_init(&j, &c->json);
	jsonw_open(&j, NULL);
	jsonw_str(&j, "format", "procsnap");
	jsonw_int(&j, "version", CAPTURE_FORMAT_VERSION);
	jsonw_str(&j, "top", topdir);
	jsonw_close(&j);
	buf_putc(&c->json, '\n');
	r = snapwriter_add(c->w, "format.json", c->json.data, c->json.len, NULL);
	return r ? wfail(c, r, "%s", snapwriter_error(c->w)) : 0;
}

/* The machine: name, kernel, boot. */
static void host_system(struct capture *c, struct jsonw *j)
{
	struct utsname u;
	bool truncated;
	char t[48];

	if (uname(&u) == 0) {
		jsonw_str(j, "hostname", u.nodename);
		jsonw_open(j, "uname");
		jsonw_str(j, "sysname", u.sysname);
		jsonw_str(j, "release", u.release);
		jsonw_str(j, "version", u.version);
		jsonw_str(j, "machine", u.machine);
		jsonw_close(j);
	}
	if (procfs_read(c->rootfd, "sys/kernel/random/boot_id", 256, &c->raw, &truncated) == 0) {
		while (c->raw.len && c->raw.data[c->raw.len - 1] == '\n')
			c->raw.len--;
		jsonw_bytes(j, "boot_id", c->raw.data, c->raw.len);
	} else {
		jsonw_null(j, "boot_id");
	}
	capture_utc(t, sizeof(t), (time_t)c->btime, -1);
	jsonw_uint(j, "btime", c->btime);
	jsonw_str(j, "boot_time", t);
}

/* This capture as a round of a series (procsnap --every). */
static void host_series(struct jsonw *j, const struct capture_series *s)
{
	jsonw_open(j, "series");
	jsonw_uint(j, "round", s->round);
	jsonw_uint(j, "count", s->count);
	jsonw_uint(j, "every_ms", s->every_ms);
	jsonw_str(j, "first", s->first);
	jsonw_str(j, "previous", s->previous);
	if (s->late_ms) {
		jsonw_uint(j, "late_ms", s->late_ms);
		jsonw_uint(j, "previous_ms", s->previous_ms);
	}
	jsonw_bool(j, "reuse", s->reuse);
	jsonw_close(j);
}

/*
 * What the capture would do to a file that someone notices being opened
 * (touch.c), and whether every process's watchers were known before the
 * first read (the leases are read later: summary.json).
 */
static void host_touch(struct capture *c, struct jsonw *j)
{
	jsonw_bool(j, "break_leases", c->o.break_leases);
	jsonw_bool(j, "touch_watched", !c->o.no_touch_watched);
	jsonw_bool(j, "watchers_scanned", c->touch.scanned);
	if (c->touch.scanned)
		jsonw_uint(j, "watch_scan_fds", c->touch.scan_fds);
	if (c->touch.scan_err)
		jsonw_str(j, "watch_scan_error", procfs_errname(c->touch.scan_err));
}

/* The capture itself: when, by whom, through which view of /proc, how. */
static void host_capture(struct capture *c, struct jsonw *j)
{
	char t[48];
	int i;

	capture_utc(t, sizeof(t), c->t0.tv_sec, c->t0.tv_nsec);
	jsonw_str(j, "capture_start", t);
	jsonw_str(j, "procsnap_version", PROCSNAP_VERSION);
	jsonw_aopen(j, "command_line");
	for (i = 0; i < c->o.argc; i++)
		jsonw_str(j, NULL, c->o.argv[i]);
	jsonw_aclose(j);
	jsonw_uint(j, "uid", (uint64_t)getuid());
	jsonw_uint(j, "euid", (uint64_t)geteuid());
	jsonw_int(j, "pid", getpid());
	jsonw_str(j, "proc_root", c->o.proc_root);
	if (c->proc_opts_known)
		jsonw_bytes(j, "proc_options", c->proc_opts, strlen(c->proc_opts));
	jsonw_bool(j, "restricted_view", c->st.restricted_view);
	hidden_record_host(c, j);
	if (c->own_net || c->own_mnt || c->own_pid) {
		jsonw_open(j, "ns");
		if (c->own_net)
			jsonw_uint(j, "net", c->own_net);
		if (c->own_mnt)
			jsonw_uint(j, "mnt", c->own_mnt);
		if (c->own_pid)
			jsonw_uint(j, "pid", c->own_pid);
		jsonw_close(j);
	}
	host_pidns_json(c, j);
	jsonw_int(j, "clock_ticks", c->hz);
	jsonw_str(j, "compression", snapwriter_compress_name(c->o.compress));
	jsonw_bool(j, "content", !c->o.no_content);
	jsonw_uint(j, "max_file_size", c->o.max_file_size);
	jsonw_str(j, "memory", memsel_mode_name(c->o.memory));
	jsonw_uint(j, "max_memory", c->o.max_memory);
	jsonw_uint(j, "max_process_memory", c->o.max_process_memory);
	jsonw_uint(j, "page_size", c->page);
	jsonw_uint(j, "hash_max_size", c->o.no_hash ? 0 : c->o.hash_max_size);
	host_touch(c, j);
	if (c->o.series)
		host_series(j, c->o.series);
}

/* The sockets of procsnap's own namespace, by both views: the raw
 * tables and the sockets member, listed in "net_tables"; how sock_diag
 * went, in "sock_diag". */
static int host_net_tables(struct capture *c, struct jsonw *j)
{
	int r = netview_read(&c->ownnet, c->rootfd, -1, c->own_net, c->o.no_sock_diag);

	if (r)
		return wfail(c, r, "out of memory");
	jsonw_aopen(j, "net_tables");
	r = record_netview(c, &c->ownnet, 0, j, NULL);
	jsonw_aclose(j);
	if (r)
		return r;
	record_netview_status(j, &c->ownnet);
	return 0;
}

/* What code runs in procsnap: the program's own check from its start
 * when it gave one, else one made now. */
static int host_self_check(struct capture *c, struct jsonw *j)
{
	struct selfcheck own = SELFCHECK_INIT;

	if (c->o.selfcheck) {
		selfcheck_json(c->o.selfcheck, j, "self_check");
		return 0;
	}
	if (selfcheck_run(&own)) {
		selfcheck_free(&own);
		return wfail(c, -ENOMEM, "out of memory");
	}
	selfcheck_json(&own, j, "self_check");
	selfcheck_free(&own);
	return 0;
}

/*
 * Host facts, and the raw network tables (also parsed for fd sockets).
 * Run by the formatter before any process: these members come first in
 * the archive, and reading the tables (tens of ms with thousands of
 * sockets: the kernel walks its socket hash tables) overlaps with the
 * collector's first processes.
 */
int host_record(struct capture *c, const char *topdir)
{
	struct jsonw j;
	bool truncated;
	int r;

	if (procfs_read(c->rootfd, "stat", 1 << 20, &c->raw, &truncated) == 0)
		parse_btime(c->raw.data, c->raw.len, &c->btime);
	r = host_format(c, topdir);
	if (r)
		return r;
	buf_reset(&c->json);
	jsonw_init(&j, &c->json);
	jsonw_open(&j, NULL);
	host_system(c, &j);
	host_capture(c, &j);
	r = host_self_check(c, &j);
	if (!r)
		r = host_net_tables(c, &j);
	if (!r)
		r = host_files_record(c, &j);
	if (r)
		return r;
	jsonw_close(&j);
	buf_putc(&c->json, '\n');
	if (buf_error(&c->json))
		return wfail(c, -ENOMEM, "out of memory");
	r = snapwriter_add(c->w, "host.json", c->json.data, c->json.len, NULL);
	return r ? wfail(c, r, "%s", snapwriter_error(c->w)) : 0;
}

/* Processes whose exe, fds or maps could not be examined, and why: what
 * they hold is unknown, so the counts above are lower bounds. */
static void summary_unexamined(struct jsonw *j, const struct capture_stats *s)
{
	jsonw_uint(j, "processes_unexamined", s->procs_unexamined);
	jsonw_open(j, "processes_unexamined_why");
	if (s->unexamined_denied)
		jsonw_uint(j, "denied", s->unexamined_denied);
	if (s->unexamined_vanished)
		jsonw_uint(j, "vanished", s->unexamined_vanished);
	if (s->unexamined_timed_out)
		jsonw_uint(j, "timed-out", s->unexamined_timed_out);
	if (s->unexamined_other)
		jsonw_uint(j, "other", s->unexamined_other);
	jsonw_close(j);
}

/* What was hidden, and how the unlisted processes were looked for. */
static void host_summary_hidden(struct capture *c, struct jsonw *j)
{
	const struct capture_stats *s = &c->st;
	const struct hidden *h = &c->hid;

	jsonw_uint(j, "processes_hidden", s->procs_hidden);
	jsonw_uint(j, "processes_unlisted", s->procs_unlisted);
	jsonw_uint(j, "proc_mounts", s->proc_mounts);
	jsonw_uint(j, "pid_mounts", s->pid_mounts);
	jsonw_uint(j, "sockets_hidden", s->sockets_hidden);
	if (c->o.npids)
		return; /* -p: no search */
	jsonw_open(j, "unlisted_search");
	jsonw_open(j, "children");
	jsonw_uint(j, "files", h->children_files);
	jsonw_uint(j, "found", h->found[0]);
	jsonw_close(j);
	jsonw_open(j, "cgroup");
	jsonw_uint(j, "files", h->cgroup_files);
	jsonw_uint(j, "found", h->found[1]);
	if (h->cgroup_err)
		jsonw_str(j, "errno", procfs_errname(h->cgroup_err));
	jsonw_close(j);
	jsonw_open(j, "probe");
	jsonw_bool(j, "done", s->probed);
	jsonw_uint(j, "pid_max", s->pid_max);
	if (s->probed) {
		jsonw_uint(j, "found", h->found[2]);
	} else {
		jsonw_str(j, "skipped", s->probe_skipped);
	}
	jsonw_close(j);
	jsonw_close(j);
}

int host_summary(struct capture *c)
{
	const struct capture_stats *s = &c->st;
	struct timespec t1;
	struct jsonw j;
	char t[48];

	clock_gettime(CLOCK_REALTIME, &t1);
	buf_reset(&c->json);
	jsonw_init(&j, &c->json);
	jsonw_open(&j, NULL);
	capture_utc(t, sizeof(t), c->t0.tv_sec, c->t0.tv_nsec);
	jsonw_str(&j, "capture_start", t);
	capture_utc(t, sizeof(t), t1.tv_sec, t1.tv_nsec);
	jsonw_str(&j, "capture_end", t);
	jsonw_uint(&j, "processes", s->procs);
	jsonw_uint(&j, "processes_vanished", s->procs_vanished);
	jsonw_uint(&j, "fds", s->fds);
	jsonw_uint(&j, "sockets", s->sockets);
	jsonw_uint(&j, "sockets_resolved", s->sockets_resolved);
	jsonw_uint(&j, "deleted", s->deleted);
	jsonw_uint(&j, "deleted_special", s->deleted_special);
	jsonw_uint(&j, "recovered", s->recovered);
	jsonw_uint(&j, "truncated", s->truncated);
	jsonw_uint(&j, "shrunk", s->shrunk);
	jsonw_uint(&j, "failed", s->failed);
	jsonw_uint(&j, "changed", s->changed);
	jsonw_uint(&j, "content_bytes", s->content_bytes);
	if (c->o.series) {
		jsonw_uint(&j, "reused", s->reused);
		jsonw_uint(&j, "reused_bytes", s->reused_bytes);
	}
	jsonw_uint(&j, "denied", s->denied);
	jsonw_uint(&j, "vanished_items", s->vanished_items);
	jsonw_uint(&j, "other_errors", s->other_errors);
	jsonw_uint(&j, "read_timeouts", s->read_timeouts);
	jsonw_uint(&j, "processes_denied", s->procs_denied);
	summary_unexamined(&j, s);
	jsonw_uint(&j, "mapped_deleted", s->mapped_deleted);
	jsonw_uint(&j, "exec_files_hashed", s->exec_hashed);
	jsonw_uint(&j, "exec_files_unhashed", s->exec_unhashed);
	jsonw_uint(&j, "exec_hash_bytes", s->exec_hash_bytes);
	jsonw_uint(&j, "thread_fd_tables", s->thread_tables);
	jsonw_uint(&j, "thread_fds", s->thread_fds);
	jsonw_uint(&j, "net_namespaces", s->net_namespaces);
	jsonw_uint(&j, "mount_namespaces", s->mount_namespaces);
	jsonw_uint(&j, "memory_regions", s->mem_regions);
	jsonw_uint(&j, "memory_captured", s->mem_captured);
	jsonw_uint(&j, "memory_bytes", s->mem_bytes);
	jsonw_uint(&j, "memory_data", s->mem_data);
	jsonw_uint(&j, "memory_bounded", s->mem_bounded);
	jsonw_uint(&j, "memory_devices", s->mem_devices);
	jsonw_uint(&j, "memory_unreadable", s->mem_unreadable);
	touch_summary(c, &j);
	host_summary_hidden(c, &j);
	jsonw_bool(&j, "not_root", s->not_root);
	jsonw_bool(&j, "restricted_view", s->restricted_view);
	if (s->restricted_view)
		jsonw_str(&j, "hidepid", s->hidepid);
	jsonw_close(&j);
	buf_putc(&c->json, '\n');
	if (buf_error(&c->json))
		return fail(c, -ENOMEM, "out of memory");
	if (snapwriter_add(c->w, "summary.json", c->json.data, c->json.len, NULL))
		return fail(c, -EIO, "%s", snapwriter_error(c->w));
	return 0;
}
