/* hidden: what the host's view of /proc hid — its mounts over /proc, and how each process was hidden. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture_int.h"
#include "mountinfo.h"
#include "privproc.h"
#include "procfs.h"

/*
 * A process is hidden from the tools that read the host's /proc by a
 * mount on /proc/PID (a bind mount of an empty directory: the process
 * "vanishes"; of /proc/1: it shows pid 1) or under it (a fake cmdline),
 * and by kernel rootkits that drop its pid from the directory's listing
 * (unlisted.c).  The mounts are in the host's mountinfo, read before
 * procsnap left the host's mount namespace (privproc.c); what such a
 * /proc/PID shows is read through the host's view of /proc, an fd opened
 * there, whose lookups still cross the host's mounts.
 */

int hidden_mark(struct capture *c, int pid, unsigned ways, int shows_pid,
		const char *found_via)
{
	struct hidden_proc *h = u64map_get(&c->hid.procs, (uint64_t)pid, 0);
	int r;

	if (!h) {
		h = calloc(1, sizeof(*h));
		if (!h)
			return -ENOMEM;
		r = u64map_put(&c->hid.procs, (uint64_t)pid, 0, h);
		if (r) {
			free(h);
			return r;
		}
	}
	h->ways |= ways;
	if (shows_pid)
		h->shows_pid = shows_pid;
	if (found_via && !h->found_via)
		h->found_via = found_via;
	return 0;
}

const struct hidden_proc *hidden_get(const struct capture *c, int pid)
{
	return c->hid.procs.len ? u64map_get(&c->hid.procs, (uint64_t)pid, 0) : NULL;
}

/* "/proc/123" or "/proc/123/...": 123; else 0.  *exact: nothing after. */
static int pid_of_point(const char *point, bool *exact)
{
	const char *p = point + 6;
	long v = 0;

	*exact = false;
	if (strncmp(point, "/proc/", 6) != 0 || *p < '1' || *p > '9')
		return 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v > 0x7fffffff)
			return 0;
	}
	if (*p && *p != '/')
		return 0;
	*exact = *p == '\0';
	return (int)v;
}

/* The first number of a stat line: the pid it names; 0 if none. */
static int stat_pid(const char *s, size_t n)
{
	long v = 0;
	size_t i;

	for (i = 0; i < n && s[i] >= '0' && s[i] <= '9' && v <= 0x7fffffff; i++)
		v = v * 10 + (s[i] - '0');
	return i && i < n && s[i] == ' ' && v <= 0x7fffffff ? (int)v : 0;
}

/* A decoded copy of each field, in one allocation owned by m->point. */
static int keep_mount(struct proc_mount *m, const struct mountinfo_entry *e)
{
	size_t n = e->point_len + e->root_len + e->fstype_len + e->source_len + 4;
	char *p = malloc(n);

	if (!p)
		return -ENOMEM;
	m->id = e->id;
	m->parent = e->parent;
	m->point = p;
	p += mountinfo_unescape(e->point, e->point_len, p, e->point_len + 1) + 1;
	m->root = p;
	p += mountinfo_unescape(e->root, e->root_len, p, e->root_len + 1) + 1;
	m->fstype = p;
	p += mountinfo_unescape(e->fstype, e->fstype_len, p, e->fstype_len + 1) + 1;
	m->source = p;
	mountinfo_unescape(e->source, e->source_len, p, e->source_len + 1);
	m->pid = pid_of_point(m->point, &m->on_pid_dir);
	return 0;
}

static int add_mount(const struct mountinfo_entry *e, void *arg)
{
	struct hidden *h = arg;
	struct proc_mount *nm;

	if (!mountinfo_path_is(e->point, e->point_len, "/proc", true))
		return 0;
	nm = realloc(h->mounts, (h->nmounts + 1) * sizeof(*nm));
	if (!nm)
		return -ENOMEM;
	h->mounts = nm;
	if (keep_mount(&nm[h->nmounts], e))
		return -ENOMEM;
	h->nmounts++;
	return 0;
}

/*
 * What the host's tools see at /proc/PID, under a mount: another
 * process (its stat names that pid: "shows-pid-N"), or anything else
 * ("bind-mount": an empty directory, or files that are not a process's).
 * When the host's view cannot be read, the mount's root says it: a proc
 * mount of "/N" shows N.
 */
static int judge_pid_dir(struct capture *c, const struct proc_mount *m)
{
	char name[32];
	bool truncated;
	int shown = 0;

	snprintf(name, sizeof(name), "%d/stat", m->pid);
	if (procfs_read(c->hid.host_fd, name, 4096, &c->raw, &truncated) == 0)
		shown = stat_pid(c->raw.data, c->raw.len);
	else if (strcmp(m->fstype, "proc") == 0 && m->root[0] == '/')
		shown = (int)strtol(m->root + 1, NULL, 10); /* "/1": 1; "/": 0 */
	if (shown && shown != m->pid)
		return hidden_mark(c, m->pid, HID_SHOWS_PID, shown, NULL);
	return hidden_mark(c, m->pid, HID_BIND_MOUNT, 0, NULL);
}

int hidden_mounts(struct capture *c)
{
	const struct privproc *pp = c->o.priv;
	const char *text;
	size_t len, i;
	bool truncated;
	int r;

	c->hid.private_proc = pp && pp->active;
	c->hid.host_fd = pp && pp->host_fd >= 0 ? pp->host_fd : c->rootfd;
	if (pp && pp->host_fd >= 0) {
		c->hid.mounts_err = pp->mountinfo_err;
		text = pp->host_mountinfo.data;
		len = pp->host_mountinfo.len;
	} else {
		/* No private /proc was tried: the proc root is the host's. */
		c->hid.mounts_err = procfs_read(c->rootfd, "self/mountinfo", CAPTURE_MAX_RAW,
						&c->raw, &truncated);
		text = c->raw.data;
		len = c->raw.len;
	}
	if (c->hid.mounts_err)
		return 0;
	r = mountinfo_each(text ? text : "", len, add_mount, &c->hid, NULL);
	if (r)
		return fail(c, r, "out of memory");
	c->st.proc_mounts = c->hid.nmounts;
	for (i = 0; i < c->hid.nmounts; i++) {
		const struct proc_mount *m = &c->hid.mounts[i];

		if (!m->pid)
			continue;
		c->st.pid_mounts++;
		r = m->on_pid_dir ? judge_pid_dir(c, m)
				  : hidden_mark(c, m->pid, HID_COVERED, 0, NULL);
		if (r)
			return fail(c, r, "out of memory");
	}
	return 0;
}

/* An error object: {"errno", "reason"}. */
static void put_err(struct jsonw *j, const char *key, int err)
{
	jsonw_open(j, key);
	jsonw_str(j, "errno", procfs_errname(err));
	jsonw_str(j, "reason", procfs_reason(err));
	jsonw_close(j);
}

/* What effect a mount has on the process it sits on, or NULL. */
static void mount_effect(const struct capture *c, const struct proc_mount *m, char *out,
			 size_t n)
{
	const struct hidden_proc *h = hidden_get(c, m->pid);

	out[0] = '\0';
	if (!m->pid || !h)
		return;
	if (!m->on_pid_dir)
		snprintf(out, n, "covered");
	else if (h->ways & HID_SHOWS_PID)
		snprintf(out, n, "shows-pid-%d", h->shows_pid);
	else
		snprintf(out, n, "bind-mount");
}

void hidden_record_host(struct capture *c, struct jsonw *j)
{
	const struct privproc *pp = c->o.priv;
	char effect[32];
	size_t i;

	c->st.private_proc = c->hid.private_proc;
	jsonw_open(j, "private_proc");
	jsonw_bool(j, "used", c->hid.private_proc);
	if (c->hid.private_proc && pp->how)
		jsonw_str(j, "how", pp->how);
	if (!c->hid.private_proc) {
		const char *step = pp && pp->step ? pp->step : "not-tried";

		jsonw_str(j, "step", step);
		if (pp && pp->err)
			put_err(j, "error", pp->err);
		snprintf(c->st.private_proc_why, sizeof(c->st.private_proc_why), "%s%s%s",
			 step, pp && pp->err ? ": " : "",
			 pp && pp->err ? strerror(-pp->err) : "");
	}
	jsonw_close(j);
	if (c->hid.mounts_err) {
		jsonw_null(j, "proc_mounts");
		put_err(j, "proc_mounts_error", c->hid.mounts_err);
		return;
	}
	jsonw_aopen(j, "proc_mounts");
	for (i = 0; i < c->hid.nmounts; i++) {
		const struct proc_mount *m = &c->hid.mounts[i];

		jsonw_open(j, NULL);
		jsonw_int(j, "mount_id", m->id);
		jsonw_int(j, "parent_id", m->parent);
		jsonw_bytes(j, "mount_point", m->point, strlen(m->point));
		jsonw_bytes(j, "root", m->root, strlen(m->root));
		jsonw_bytes(j, "fstype", m->fstype, strlen(m->fstype));
		jsonw_bytes(j, "source", m->source, strlen(m->source));
		if (m->pid)
			jsonw_int(j, "pid", m->pid);
		mount_effect(c, m, effect, sizeof(effect));
		if (effect[0])
			jsonw_str(j, "effect", effect);
		jsonw_close(j);
	}
	jsonw_aclose(j);
}

void hidden_record_proc(struct capture *c, struct batch *b)
{
	const struct hidden_proc *h = hidden_get(c, b->pid);
	struct jsonw *j = &c->j;
	unsigned ways = h ? h->ways : 0;
	int shows = h ? h->shows_pid : 0;
	char way[32];
	size_t i;

	/* The collector found /proc/PID naming another pid. */
	if (b->proc.foreign_pid) {
		ways |= HID_SHOWS_PID;
		shows = b->proc.foreign_pid;
	}
	if (!ways)
		return;
	c->st.procs_hidden++;
	if (ways & HID_NOT_LISTED)
		c->st.procs_unlisted++;
	jsonw_aopen(j, "hidden");
	if (ways & HID_NOT_LISTED)
		jsonw_str(j, NULL, "not-listed");
	if (ways & HID_NO_PROC_DIR)
		jsonw_str(j, NULL, "no-proc-dir");
	if (ways & HID_SHOWS_PID) {
		snprintf(way, sizeof(way), "shows-pid-%d", shows);
		jsonw_str(j, NULL, way);
	} else if (ways & HID_BIND_MOUNT) {
		jsonw_str(j, NULL, "bind-mount");
	}
	if (ways & HID_COVERED)
		jsonw_str(j, NULL, "covered");
	jsonw_aclose(j);
	if (h && h->found_via)
		jsonw_str(j, "found_via", h->found_via);
	if (!(ways & (HID_BIND_MOUNT | HID_SHOWS_PID | HID_COVERED)) || !h)
		return;
	jsonw_aopen(j, "hidden_mounts");
	for (i = 0; i < c->hid.nmounts; i++)
		if (c->hid.mounts[i].pid == b->pid)
			jsonw_bytes(j, NULL, c->hid.mounts[i].point, strlen(c->hid.mounts[i].point));
	jsonw_aclose(j);
}

void hidden_free(struct hidden *h)
{
	size_t i;

	for (i = 0; i < h->nmounts; i++)
		free(h->mounts[i].point);
	free(h->mounts);
	h->mounts = NULL;
	h->nmounts = 0;
	u64map_free(&h->procs, free);
}
