/* unlisted: processes that /proc still opens but no longer lists — found through children, cgroup.procs and a probe of every pid. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "capture_int.h"
#include "mountinfo.h"
#include "parse.h"
#include "procfs.h"

/*
 * Kernel rootkits (Diamorphine, Reptile, adore-ng...) hide a process by
 * dropping its pid from the listing of /proc (getdents64), while
 * /proc/PID itself still opens: everything else about the process is
 * left as it was.  So the pid is looked for through what else names
 * processes, and each candidate is opened:
 *  - every thread's task/TID/children (the children of each listed and
 *    each found process: a hidden process's children are found too);
 *  - cgroup.procs of every cgroup, in the v2 hierarchy and in one v1
 *    hierarchy when mounted (each process is in exactly one cgroup of
 *    every hierarchy);
 *  - every pid up to pid_max, with pidfd_open(2), as unhide and chkproc
 *    probe: it succeeds only for a thread-group leader, so threads (which
 *    /proc also opens, unlisted, by tid) are not mistaken for processes.
 * All of this happens before the collectors start: the archive lists
 * processes in ascending pid order, so the list must be whole first.  It
 * runs on two threads (the collectors' two): each walks the children of
 * every other listed process, then one walks the cgroups, the other
 * probes; what they found is merged after.
 * A candidate that started after the listing began (its start time,
 * stat field 22, counts clock ticks of CLOCK_BOOTTIME) was merely born
 * meanwhile, and one listed at a second look was only passing: both are
 * captured, not flagged.
 */

#define VIA_CHILDREN 0
#define VIA_CGROUP 1
#define VIA_PROBE 2
static const char *const via_names[] = { "children", "cgroup", "probe", "pid-option" };
#define MAX_CGROUP_DEPTH 32

/* A process found outside the listing. */
struct found {
	int pid;
	unsigned ways;              /* HID_NO_PROC_DIR, besides not-listed */
	int via;
	bool born_after;            /* started after the listing began */
};

/* One thread's search; read-only but for its own fields. */
struct search {
	struct capture *c;
	const int *listed;          /* sorted, borrowed */
	size_t nlisted;
	size_t first, step;         /* its share of listed, for children */
	struct found *found;        /* in the order found */
	size_t nfound, cap;
	uint64_t files[2];          /* children, cgroup.procs files read */
	double secs[3];             /* children, cgroup, probe */
	int r;
	struct u64map seen;         /* pid -> (void *)1: tried already */
	struct buf text;            /* a children or cgroup.procs file */
	struct buf status;          /* a candidate's status */
	bool procfs;                /* the proc root is a kernel procfs */
	uint64_t listed_at;         /* the listing began: ticks after boot */
};

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static bool in_sorted(const int *v, size_t n, int pid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] == pid)
			return true;
		if (v[mid] < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* A live thread-group leader that /proc opens: its status says Tgid N.
 * *born_after: it started after the listing began. */
static bool opens_as_process(struct search *s, int pid, bool *born_after)
{
	struct parse_stat ps;
	char name[32];
	const char *v;
	size_t vl;
	bool truncated;

	*born_after = false;
	snprintf(name, sizeof(name), "%d/status", pid);
	if (procfs_read(s->c->rootfd, name, 1 << 16, &s->status, &truncated) ||
	    parse_status_field(s->status.data, s->status.len, "Tgid", &v, &vl) ||
	    (int)strtol(v, NULL, 10) != pid)
		return false;
	snprintf(name, sizeof(name), "%d/stat", pid);
	*born_after = procfs_read(s->c->rootfd, name, 1 << 16, &s->status, &truncated) == 0 &&
		      parse_stat(s->status.data, s->status.len, &ps) == 0 &&
		      ps.starttime >= s->listed_at;
	return true;
}

/* Clock ticks after boot now, rounded down: a process whose start_ticks
 * is below it started before now. */
static uint64_t ticks_now(const struct capture *c)
{
	struct timespec t;

	clock_gettime(CLOCK_BOOTTIME, &t);
	return (uint64_t)t.tv_sec * (uint64_t)c->hz +
	       (uint64_t)t.tv_nsec / (1000000000ULL / (uint64_t)c->hz);
}

/* A process missing from the listing: kept for apply(). */
static int add_found(struct search *s, int pid, unsigned ways, int via, bool born_after)
{
	if (s->nfound == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct found *nv = realloc(s->found, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		s->found = nv;
		s->cap = cap;
	}
	s->found[s->nfound++] = (struct found){ pid, ways, via, born_after };
	return 0;
}

/* A pid named somewhere: a candidate when neither listed nor tried. */
static int consider(struct search *s, int pid, int via)
{
	bool born_after;
	int r;

	if (pid <= 0 || in_sorted(s->listed, s->nlisted, pid) ||
	    u64map_get(&s->seen, (uint64_t)pid, 0))
		return 0;
	r = u64map_put(&s->seen, (uint64_t)pid, 0, (void *)1);
	if (r)
		return r;
	return opens_as_process(s, pid, &born_after) ? add_found(s, pid, 0, via, born_after) : 0;
}

/* Each decimal number of a children or cgroup.procs text. */
static int consider_text(struct search *s, const char *p, size_t n, int via)
{
	const char *end = p + n;
	int r;

	while (p < end) {
		long v = 0;

		while (p < end && (*p < '0' || *p > '9'))
			p++;
		if (p >= end)
			break;
		for (; p < end && *p >= '0' && *p <= '9'; p++)
			v = v < 0x7fffffff ? v * 10 + (*p - '0') : v;
		r = consider(s, v <= 0x7fffffff ? (int)v : -1, via);
		if (r)
			return r;
	}
	return 0;
}

/* task/ * /children of one process. */
static int children_of(struct search *s, int pid)
{
	char name[48];
	int *tids = NULL, taskdir, r;
	size_t ntids = 0, i;
	bool truncated;

	snprintf(name, sizeof(name), "%d/task", pid);
	taskdir = procfs_open_dir(s->c->rootfd, name);
	if (taskdir < 0)
		return 0; /* gone, or a tree without it: nothing to follow */
	r = procfs_list_numeric_fd(taskdir, &tids, &ntids);
	for (i = 0; i < ntids && !r; i++) {
		snprintf(name, sizeof(name), "%d/children", tids[i]);
		if (procfs_read(taskdir, name, 1 << 20, &s->text, &truncated) == 0) {
			s->files[0]++;
			r = consider_text(s, s->text.data, s->text.len, VIA_CHILDREN);
		}
	}
	free(tids);
	close(taskdir);
	return r == -ENOMEM ? r : 0;
}

static int walk_children(struct search *s)
{
	size_t i;
	int r = 0;

	for (i = s->first; i < s->nlisted && !r; i += s->step) {
		if (threads_stopped(s->c))
			return -EINTR;
		r = children_of(s, s->listed[i]);
	}
	/* The found ones' children too (s->found grows meanwhile). */
	for (i = 0; i < s->nfound && !r; i++)
		r = children_of(s, s->found[i].pid);
	return r;
}

/* One cgroup directory: its cgroup.procs, then its children. */
static int walk_cgroup(struct search *s, int dir, int depth)
{
	bool truncated;
	char dbuf[8192];
	int r = 0;

	if (procfs_read(dir, "cgroup.procs", 64 << 20, &s->text, &truncated) == 0) {
		s->files[1]++;
		r = consider_text(s, s->text.data, s->text.len, VIA_CGROUP);
	}
	if (depth >= MAX_CGROUP_DEPTH)
		return r;
	while (!r) {
		ssize_t got = getdents64(dir, dbuf, sizeof(dbuf)), off;

		if (got <= 0)
			break;
		for (off = 0; off < got && !r; ) {
			const struct dirent64 *e = (const void *)(dbuf + off);
			int sub;

			off += e->d_reclen;
			if (e->d_type != DT_DIR || e->d_name[0] == '.')
				continue;
			sub = openat(dir, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
			if (sub < 0)
				continue;
			r = walk_cgroup(s, sub, depth + 1);
			close(sub);
		}
	}
	return r;
}

/* Which cgroup mounts to walk: every cgroup2 one and the first v1
 * hierarchy, each superblock once. */
struct cg_mounts {
	char paths[8][256];
	unsigned dev[8];
	size_t n;
	bool v1;
};

static int pick_cgroup(const struct mountinfo_entry *e, void *arg)
{
	struct cg_mounts *m = arg;
	unsigned dev = e->major << 20 | e->minor;
	bool v2 = e->fstype_len == 7 && memcmp(e->fstype, "cgroup2", 7) == 0;
	bool v1 = e->fstype_len == 6 && memcmp(e->fstype, "cgroup", 6) == 0;
	size_t i;

	if ((!v1 && !v2) || (v1 && m->v1) || m->n == 8)
		return 0;
	for (i = 0; i < m->n; i++)
		if (m->dev[i] == dev)
			return 0;
	if (mountinfo_unescape(e->point, e->point_len, m->paths[m->n], sizeof(m->paths[0])) >=
	    sizeof(m->paths[0]))
		return 0;
	m->dev[m->n++] = dev;
	m->v1 = m->v1 || v1;
	return 0;
}

static int walk_cgroups(struct search *s)
{
	struct cg_mounts m;
	bool truncated;
	size_t i;
	int r = 0;

	memset(&m, 0, sizeof(m));
	/* Our own mount table: the private namespace keeps every mount of
	 * the host's but /proc, so its cgroup mounts are the host's. */
	s->c->hid.cgroup_err = procfs_read(s->c->rootfd, "self/mountinfo", CAPTURE_MAX_RAW,
					   &s->text, &truncated);
	if (s->c->hid.cgroup_err)
		return 0;
	mountinfo_each(s->text.data, s->text.len, pick_cgroup, &m, NULL);
	/* m holds copies: s->text is free for the walk. */
	if (!m.n)
		s->c->hid.cgroup_err = -ENOENT;
	for (i = 0; i < m.n && !r; i++) {
		int dir = open(m.paths[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (dir < 0)
			continue;
		r = walk_cgroup(s, dir, 0);
		close(dir);
	}
	return r;
}

/* pid_max from the proc root, or 0. */
static uint64_t read_pid_max(struct search *s)
{
	bool truncated;
	long v;

	if (procfs_read(s->c->rootfd, "sys/kernel/pid_max", 64, &s->text, &truncated))
		return 0;
	v = strtol(s->text.data, NULL, 10);
	return v > 0 && v <= (1L << 22) ? (uint64_t)v : 0;
}

/*
 * A pid alive as a thread-group leader: pidfd_open(2) (Linux 5.3)
 * refuses threads.  Where it is missing or filtered, kill(pid, 0) says
 * alive, threads included, and opens_as_process() then checks the Tgid.
 * 1: a leader (or alive, with kill); 0: none; <0: pidfd unusable.
 */
static int alive(int pid, bool use_kill)
{
	int fd;

	if (use_kill)
		return kill(pid, 0) == 0 || errno == EPERM;
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	return errno == ENOSYS || errno == EPERM ? -1 : 0;
}

/* An alive pid: reachable through /proc (found), or, on a kernel procfs,
 * alive still but with no /proc/PID at all (recorded as such). */
static int probe_one(struct search *s, int pid)
{
	char name[16];
	struct stat st;
	bool born_after;
	int r;

	r = u64map_put(&s->seen, (uint64_t)pid, 0, (void *)1);
	if (r)
		return r;
	if (opens_as_process(s, pid, &born_after))
		return add_found(s, pid, 0, VIA_PROBE, born_after);
	/* No start time to tell when it was born: only a pid alive from
	 * before the listing to after this check is flagged. */
	batch_decimal(name, pid);
	if (s->procfs && fstatat(s->c->rootfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 &&
	    errno == ENOENT && alive(pid, false) == 1)
		return add_found(s, pid, HID_NO_PROC_DIR, VIA_PROBE, false);
	return 0;
}

static int probe(struct search *s)
{
	struct capture *c = s->c;
	bool use_kill = false;
	uint64_t max = read_pid_max(s);
	int pid, a, r = 0;

	/* Only this search's thread writes these. */
	c->st.pid_max = max;
	if (c->o.probe == CAPTURE_PROBE_OFF)
		snprintf(c->st.probe_skipped, sizeof(c->st.probe_skipped), "--no-probe-pids");
	else if (!max)
		snprintf(c->st.probe_skipped, sizeof(c->st.probe_skipped), "pid_max unreadable");
	else if (c->o.probe == CAPTURE_PROBE_AUTO && max > CAPTURE_PROBE_AUTO_MAX)
		snprintf(c->st.probe_skipped, sizeof(c->st.probe_skipped),
			 "pid_max %llu: use --probe-pids", (unsigned long long)max);
	if (c->st.probe_skipped[0])
		return 0;
	for (pid = 1; (uint64_t)pid < max && !r; pid++) {
		if ((pid & 4095) == 0 && threads_stopped(c))
			return -EINTR;
		if (in_sorted(s->listed, s->nlisted, pid))
			continue;
		a = alive(pid, use_kill);
		if (a < 0) {
			use_kill = true;
			a = alive(pid, true);
		}
		if (a == 1 && !u64map_get(&s->seen, (uint64_t)pid, 0))
			r = probe_one(s, pid);
	}
	c->st.probed = !r;
	return r;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/*
 * A second look at the candidates, the listing taken again: one that is
 * listed now, or no longer opens as a process, was only passing (a
 * process exiting, or exec'ing from a thread, drops out of the listing
 * for a moment): captured, not flagged.  What a rootkit hides stays
 * alive and unlisted.
 */
static int second_look(struct search *const *ss, size_t nss)
{
	struct search *s = ss[0];
	int *now = NULL;
	size_t n = 0, i, k;
	bool again;
	int r = procfs_list_numeric(s->c->rootfd, ".", &now, &n);

	if (r)
		return r == -ENOMEM ? r : 0;
	for (k = 0; k < nss; k++)
		for (i = 0; i < ss[k]->nfound; i++) {
			struct found *f = &ss[k]->found[i];
			bool still;

			if (f->born_after)
				continue;
			if (f->ways & HID_NO_PROC_DIR)
				still = !in_sorted(now, n, f->pid) && alive(f->pid, false) == 1 &&
					!opens_as_process(s, f->pid, &again);
			else
				still = !in_sorted(now, n, f->pid) &&
					opens_as_process(s, f->pid, &again);
			f->born_after = !still;
		}
	free(now);
	return 0;
}

/* What the searches found, each pid once (by the first way in the order
 * children, cgroup, probe), flagged unless born after the listing or
 * only passing, and added to the listing, sorted, in *pids. */
static int apply(struct capture *c, struct search *const *ss, size_t nss, int **pids,
		 size_t *n)
{
	struct u64map done = U64MAP_INIT;
	size_t i, k, total = 0;
	int *v, r = 0;

	for (k = 0; k < nss; k++)
		total += ss[k]->nfound;
	if (!total)
		return 0;
	r = second_look(ss, nss);
	if (r)
		return r;
	v = realloc(*pids, (*n + total) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	*pids = v;
	for (k = 0; k < nss && !r; k++)
		for (i = 0; i < ss[k]->nfound && !r; i++) {
			const struct found *f = &ss[k]->found[i], *best = f;
			size_t k2, j;

			if (u64map_get(&done, (uint64_t)f->pid, 0))
				continue;
			for (k2 = k; k2 < nss; k2++)
				for (j = 0; j < ss[k2]->nfound; j++)
					if (ss[k2]->found[j].pid == f->pid &&
					    ss[k2]->found[j].via < best->via)
						best = &ss[k2]->found[j];
			r = u64map_put(&done, (uint64_t)f->pid, 0, (void *)1);
			if (r)
				break;
			v[(*n)++] = f->pid;
			if (best->born_after)
				continue; /* captured, not flagged */
			r = hidden_mark(c, f->pid, HID_NOT_LISTED | best->ways, 0,
					via_names[best->via]);
			c->hid.found[best->via]++;
		}
	u64map_free(&done, NULL);
	if (!r)
		qsort(v, *n, sizeof(*v), cmp_int);
	return r;
}

static void search_free(struct search *s)
{
	free(s->found);
	u64map_free(&s->seen, NULL);
	buf_free(&s->text);
	buf_free(&s->status);
}

/* The second thread's share: children of every other process, then the
 * probe. */
static void *search_probe(void *arg)
{
	struct search *s = arg;
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	s->r = walk_children(s);
	s->secs[0] = seconds_since(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!s->r)
		s->r = probe(s);
	s->secs[2] = seconds_since(&t0);
	return NULL;
}

int unlisted_find(struct capture *c, uint64_t listed_at, int **pids, size_t *n)
{
	struct search s0 = { .c = c, .listed = *pids, .nlisted = *n, .listed_at = listed_at,
			     .first = 0, .step = 2 };
	struct search s1 = s0, *both[2] = { &s0, &s1 };
	struct statfs sf;
	struct timespec t0;
	pthread_t helper;
	bool helped;
	int r;

	s0.procfs = fstatfs(c->rootfd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
	s1.procfs = s0.procfs;
	s1.first = 1;
	helped = threads_spawn(&helper, search_probe, &s1) == 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = walk_children(&s0);
	s0.secs[0] = seconds_since(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!r)
		r = walk_cgroups(&s0);
	s0.secs[1] = seconds_since(&t0);
	if (helped)
		pthread_join(helper, NULL);
	else
		search_probe(&s1);
	if (!r)
		r = s1.r;
	c->hid.children_files = s0.files[0] + s1.files[0];
	c->hid.cgroup_files = s0.files[1];
	c->st.search_seconds[0] = s0.secs[0] > s1.secs[0] ? s0.secs[0] : s1.secs[0];
	c->st.search_seconds[1] = s0.secs[1];
	c->st.search_seconds[2] = s1.secs[2];
	if (!r)
		r = apply(c, both, 2, pids, n);
	search_free(&s0);
	search_free(&s1);
	if (r == -EINTR)
		return fail(c, r, "interrupted");
	return r ? fail(c, r, "looking for unlisted processes: %s", strerror(-r)) : 0;
}

uint64_t unlisted_clock(const struct capture *c)
{
	return ticks_now(c);
}

int unlisted_check_given(struct capture *c, const int *pids, size_t n)
{
	struct search s = { .c = c, .listed_at = ticks_now(c) };
	int *listed = NULL;
	size_t nlisted = 0, i;
	bool born_after;
	int r = procfs_list_numeric(c->rootfd, ".", &listed, &nlisted);

	if (r)
		return r == -ENOMEM ? fail(c, r, "out of memory") : 0;
	s.listed = listed;
	s.nlisted = nlisted;
	for (i = 0; i < n && !r; i++)
		if (!in_sorted(listed, nlisted, pids[i]) &&
		    opens_as_process(&s, pids[i], &born_after) && !born_after)
			r = add_found(&s, pids[i], 0, 3, false);
	if (!r && s.nfound)
		r = second_look((struct search *[]){ &s }, 1);
	for (i = 0; i < s.nfound && !r; i++)
		if (!s.found[i].born_after)
			r = hidden_mark(c, s.found[i].pid, HID_NOT_LISTED, 0, via_names[3]);
	free(listed);
	free(s.found);
	buf_free(&s.status);
	return r ? fail(c, r, "out of memory") : 0;
}
