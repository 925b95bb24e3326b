/* timeline: the events of one or more snapshots — captures, process starts, file times — merged, deduplicated, in time order (see timeline.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "snapshot.h"
#include "timeline.h"
#include "u64map.h"

/* Text lives in blocks that never move, so what is handed out stays put. */
#define BLOCK_SIZE (64u << 10)

struct block {
	struct block *next;
	size_t used, cap;
	char data[];
};

struct thost {
	struct timeline_host pub;
	struct u64map files;      /* (dev, ino) -> file index + 1 */
};

struct tfile {
	size_t host;
	uint64_t dev, ino;
	size_t *states;           /* indices into states[] */
	size_t nstates, cap;
};

struct tstate {
	struct timeline_state pub;  /* first: a public pointer is one of these */
	size_t file;
	struct timeline_holder *holders;
	size_t cap;
	int64_t first_sec;          /* for the bodyfile's order */
};

struct tproc {
	struct timeline_process pub;
	const char *boot_id;        /* NUL-terminated, in a block; may be "" */
	int64_t start_ticks;
	struct timeline_time start;
};

struct capture_ev {
	struct timeline_time t;
	enum timeline_kind kind;
	size_t host;
	uint64_t processes;
	bool has_processes;
};

struct timeline {
	struct block *blocks;
	struct thost *hosts;
	size_t nhosts, hostcap;
	struct tfile *files;
	size_t nfiles, filecap;
	struct tstate *states;
	size_t nstates, statecap;
	struct tproc *procs;
	size_t nprocs, proccap;
	struct u64map procmap;      /* (host << 32 | pid, start_ticks) -> index + 1 */
	struct capture_ev *caps;
	size_t ncaps, capcap;
	struct timeline_event *events;
	size_t nevents;
	size_t *order;              /* states in bodyfile order */
	/* While one snapshot is read. */
	bool have_host;             /* its host.json was read */
	size_t cur_host;
	const char *cur_boot;
	json_t *held;               /* the fd records of the process being read */
	size_t held_bytes;
	char err[512];
};

static int fail(struct timeline *t, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct timeline *t, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->err, sizeof(t->err), fmt, ap);
	va_end(ap);
	return err;
}

/* Grows *v (n used, *cap allocated) to hold one more of size sz. */
static int grow(void *v, size_t n, size_t *cap, size_t sz)
{
	void **p = v;
	size_t c;
	void *q;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 16;
	q = realloc(*p, c * sz);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}

/* A copy of p[0..n) (NUL-terminated) in a block; NULL when out of memory. */
static const char *keep(struct timeline *t, const void *p, size_t n)
{
	struct block *b = t->blocks;
	char *s;

	if (!b || b->cap - b->used < n + 1) {
		size_t cap = n + 1 > BLOCK_SIZE ? n + 1 : BLOCK_SIZE;

		b = malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->used = 0;
		b->cap = cap;
		b->next = t->blocks;
		t->blocks = b;
	}
	s = b->data + b->used;
	if (n)
		memcpy(s, p, n);
	s[n] = '\0';
	b->used += n + 1;
	return s;
}

/* obj[key]'s exact bytes, kept; known false when absent. */
static int keep_bytes(struct timeline *t, const json_t *obj, const char *key,
		      struct timeline_text *out)
{
	struct buf b = BUF_INIT;
	int r = snapshot_bytes(obj, key, &b);

	out->known = false;
	out->p = "";
	out->n = 0;
	if (r == 1) {
		out->p = keep(t, b.data ? b.data : "", b.len);
		out->n = b.len;
		out->known = true;
		r = out->p ? 0 : -ENOMEM;
	} else if (r == 0 || r == -EBADMSG) {
		r = 0; /* absent, or not base64: not recorded */
	}
	buf_free(&b);
	return r;
}

static int days_from_civil(int64_t y, unsigned m, unsigned d, int64_t *out)
{
	/* Howard Hinnant's days_from_civil: no time zone, no libc state. */
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	*out = era * 146097 + (int64_t)doe - 719468;
	return 0;
}

static bool digits(const char *s, int n, unsigned *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (unsigned)(s[i] - '0');
	}
	return true;
}

int timeline_parse_time(const char *s, struct timeline_time *out)
{
	unsigned y, mo, d, h, mi, se;
	int64_t days;
	long ns = 0;
	int i;

	if (!s || strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' ||
	    !digits(s + 5, 2, &mo) || s[7] != '-' || !digits(s + 8, 2, &d) || s[10] != 'T' ||
	    !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) ||
	    s[16] != ':' || !digits(s + 17, 2, &se))
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return -EINVAL;
	s += 19;
	if (*s == '.') {
		for (i = 0, s++; *s >= '0' && *s <= '9'; s++, i++)
			if (i < 9)
				ns = ns * 10 + (*s - '0');
		if (i == 0)
			return -EINVAL;
		for (; i < 9; i++)
			ns *= 10;
	}
	if (s[0] != 'Z' || s[1] != '\0')
		return -EINVAL;
	days_from_civil(y, mo, d, &days);
	out->sec = days * 86400 + h * 3600 + mi * 60 + se;
	out->nsec = ns;
	return 0;
}

static int time_cmp(const struct timeline_time *a, const struct timeline_time *b)
{
	if (a->sec != b->sec)
		return a->sec < b->sec ? -1 : 1;
	return a->nsec < b->nsec ? -1 : a->nsec > b->nsec;
}

int timeline_new(struct timeline **out)
{
	struct timeline *t = calloc(1, sizeof(*t));

	*out = t;
	if (!t)
		return -ENOMEM;
	t->held = json_array();
	return t->held ? 0 : -ENOMEM;
}

static size_t items(const struct timeline *t)
{
	return t->nstates + t->nprocs + t->ncaps;
}

static int too_many(struct timeline *t)
{
	if (items(t) < TIMELINE_MAX_ITEMS)
		return 0;
	return fail(t, -EFBIG, "more than %u files, processes and captures to sort",
		    TIMELINE_MAX_ITEMS);
}

/* The host of host.json: the one already met with that name, or a new one. */
static int add_host(struct timeline *t, const json_t *host)
{
	struct timeline_text name;
	const char *boot = snapshot_str(host, "boot_id");
	size_t i;
	int r = keep_bytes(t, host, "hostname", &name);

	if (r)
		return r;
	t->cur_boot = keep(t, boot ? boot : "", boot ? strlen(boot) : 0);
	if (!t->cur_boot)
		return -ENOMEM;
	for (i = 0; i < t->nhosts; i++) {
		const struct timeline_text *h = &t->hosts[i].pub.name;

		if (h->known == name.known && h->n == name.n && memcmp(h->p, name.p, name.n) == 0) {
			t->cur_host = i;
			return 0;
		}
	}
	if (grow(&t->hosts, t->nhosts, &t->hostcap, sizeof(*t->hosts)))
		return -ENOMEM;
	memset(&t->hosts[t->nhosts], 0, sizeof(*t->hosts));
	t->hosts[t->nhosts].pub.name = name;
	t->cur_host = t->nhosts++;
	return 0;
}

static int add_capture(struct timeline *t, const json_t *obj, const char *key,
		       enum timeline_kind kind)
{
	struct capture_ev *c;
	struct timeline_time tm;
	int64_t n;

	if (timeline_parse_time(snapshot_str(obj, key), &tm))
		return 0; /* not recorded (an interrupted capture has no end) */
	if (too_many(t))
		return -EFBIG;
	if (grow(&t->caps, t->ncaps, &t->capcap, sizeof(*t->caps)))
		return -ENOMEM;
	c = &t->caps[t->ncaps++];
	memset(c, 0, sizeof(*c));
	c->t = tm;
	c->kind = kind;
	c->host = t->cur_host;
	if (kind == TIMELINE_CAPTURE_END && snapshot_int(obj, "processes", &n) && n >= 0) {
		c->processes = (uint64_t)n;
		c->has_processes = true;
	}
	return 0;
}

/* The file (cur_host, dev, ino): found or made.  Its index into *out. */
static int find_file(struct timeline *t, uint64_t dev, uint64_t ino, size_t *out)
{
	struct thost *h = &t->hosts[t->cur_host];
	void *v = u64map_get(&h->files, dev, ino);
	struct tfile *f;

	if (v) {
		*out = (size_t)(uintptr_t)v - 1;
		return 0;
	}
	if (grow(&t->files, t->nfiles, &t->filecap, sizeof(*t->files)))
		return -ENOMEM;
	f = &t->files[t->nfiles];
	memset(f, 0, sizeof(*f));
	f->host = t->cur_host;
	f->dev = dev;
	f->ino = ino;
	if (u64map_put(&h->files, dev, ino, (void *)(uintptr_t)(t->nfiles + 1)))
		return -ENOMEM;
	*out = t->nfiles++;
	return 0;
}

static bool same_times(const struct timeline_state *a, const struct timeline_state *b)
{
	int k;

	for (k = 0; k < TIMELINE_FILE_TIMES; k++)
		if (a->known[k] != b->known[k] ||
		    (a->known[k] && time_cmp(&a->t[k], &b->t[k]) != 0))
			return false;
	return true;
}

static int add_holder(struct tstate *s, int pid, const struct timeline_text *name,
		      const char *how)
{
	struct timeline_holder *h;
	size_t i;

	for (i = 0; i < s->pub.nholders; i++)
		if (s->holders[i].pid == pid && strcmp(s->holders[i].how, how) == 0)
			return 0;
	if (grow(&s->holders, s->pub.nholders, &s->cap, sizeof(*s->holders)))
		return -ENOMEM;
	h = &s->holders[s->pub.nholders++];
	h->pid = pid;
	h->name = *name;
	snprintf(h->how, sizeof(h->how), "%s", how);
	s->pub.holders = s->holders;
	return 0;
}

/* What the file's stat says: its times (1 when it has at least one). */
static int read_stat(const json_t *st, struct timeline_state *s)
{
	static const char *const keys[TIMELINE_FILE_TIMES] = { "atime", "mtime", "ctime", "btime" };
	int k, any = 0;

	for (k = 0; k < TIMELINE_FILE_TIMES; k++) {
		s->known[k] = timeline_parse_time(snapshot_str(st, keys[k]), &s->t[k]) == 0;
		any |= s->known[k];
	}
	s->mode = s->uid = s->gid = s->size = -1;
	snapshot_int(st, "mode", &s->mode);
	snapshot_int(st, "uid", &s->uid);
	snapshot_int(st, "gid", &s->gid);
	snapshot_int(st, "size", &s->size);
	return any;
}

/*
 * One sighting of a file: rec has "stat" (and the path under path_key,
 * "deleted", "content"), held by pid (name) as how.  Merged into the
 * file's state with the same times, or a new state.
 */
static int add_sighting(struct timeline *t, const json_t *rec, const char *path_key,
			int pid, const struct timeline_text *name, const char *how)
{
	const json_t *st = json_object_get(rec, "stat");
	const char *sha = snapshot_str(json_object_get(rec, "content"), "sha256");
	struct timeline_state probe = { 0 };
	int64_t dev, ino, nlink = -1;
	struct tstate *s;
	struct tfile *f;
	size_t fi, i;
	bool del = false;
	int r;

	if (!json_is_object(st) || !snapshot_int(st, "dev", &dev) ||
	    !snapshot_int(st, "ino", &ino) || !read_stat(st, &probe))
		return 0; /* no times recorded: nothing to place in time */
	r = find_file(t, (uint64_t)dev, (uint64_t)ino, &fi);
	if (r)
		return r;
	f = &t->files[fi];
	for (i = 0; i < f->nstates; i++) {
		s = &t->states[f->states[i]];
		if (same_times(&s->pub, &probe))
			return add_holder(s, pid, name, how);
	}
	if (too_many(t))
		return -EFBIG;
	if (grow(&t->states, t->nstates, &t->statecap, sizeof(*t->states)) ||
	    grow(&f->states, f->nstates, &f->cap, sizeof(*f->states)))
		return -ENOMEM;
	s = &t->states[t->nstates];
	memset(s, 0, sizeof(*s));
	s->pub = probe;
	s->pub.host = t->cur_host;
	s->pub.dev = (uint64_t)dev;
	s->pub.ino = (uint64_t)ino;
	s->file = fi;
	/* Deleted is the record's (st_nlink == 0 of the open file); a mapping
	 * says it by its stat alone. */
	if (!snapshot_bool(rec, "deleted", &del))
		del = snapshot_int(st, "nlink", &nlink) && nlink == 0;
	s->pub.deleted = del;
	if (sha && strlen(sha) == 64)
		memcpy(s->pub.sha256, sha, 65);
	r = keep_bytes(t, rec, path_key, &s->pub.path);
	if (r)
		return r;
	f->states[f->nstates++] = t->nstates++;
	return add_holder(s, pid, name, how);
}

/* Types whose open file has a name in a file system, and so times worth
 * a timeline (a socket's, a pipe's or an anon inode's are not a file's). */
static bool fd_type_timed(const json_t *fd)
{
	static const char *const types[] = { "file", "memfd", "dir", "chr", "blk", "fifo", NULL };
	const char *ty = snapshot_str(fd, "type");
	size_t i;

	for (i = 0; ty && types[i]; i++)
		if (strcmp(ty, types[i]) == 0)
			return true;
	return false;
}

/* argv joined by spaces, exact bytes, kept. */
static int keep_cmdline(struct timeline *t, const json_t *proc, struct timeline_text *out)
{
	struct buf b = BUF_INIT, all = BUF_INIT;
	size_t i, n = json_array_size(json_object_get(proc, "argv"));
	int r = 0;

	out->known = json_is_array(json_object_get(proc, "argv"));
	for (i = 0; i < n; i++) {
		if (i)
			buf_putc(&all, ' ');
		if (snapshot_array_bytes(proc, "argv", i, &b) == 1)
			buf_append(&all, b.data, b.len);
	}
	out->n = all.len;
	out->p = buf_error(&all) ? NULL : keep(t, all.data ? all.data : "", all.len);
	if (!out->p)
		r = -ENOMEM;
	buf_free(&b);
	buf_free(&all);
	return r;
}

/* The process's start, once per (host, boot_id, pid, start_ticks). */
static int add_process(struct timeline *t, const json_t *proc, int pid,
		       const struct timeline_text *name)
{
	const json_t *exe = json_object_get(proc, "exe");
	struct timeline_time start;
	int64_t ticks = -1, v;
	const char *sha;
	struct tproc *p;
	void *hit;
	int r;

	if (timeline_parse_time(snapshot_str(proc, "start_time"), &start))
		return 0;
	snapshot_int(proc, "start_ticks", &ticks);
	hit = u64map_get(&t->procmap, (uint64_t)t->cur_host << 32 | (uint32_t)pid, (uint64_t)ticks);
	if (hit && strcmp(t->procs[(uintptr_t)hit - 1].boot_id, t->cur_boot) == 0)
		return 0;
	if (too_many(t))
		return -EFBIG;
	if (grow(&t->procs, t->nprocs, &t->proccap, sizeof(*t->procs)))
		return -ENOMEM;
	p = &t->procs[t->nprocs];
	memset(p, 0, sizeof(*p));
	p->pub.host = t->cur_host;
	p->pub.pid = pid;
	p->pub.name = *name;
	p->boot_id = t->cur_boot;
	p->start_ticks = ticks;
	p->start = start;
	p->pub.has_ppid = snapshot_int(proc, "ppid", &p->pub.ppid);
	v = 0;
	if (json_is_integer(json_array_get(json_object_get(proc, "uid"), 1))) {
		v = (int64_t)json_integer_value(json_array_get(json_object_get(proc, "uid"), 1));
		p->pub.has_euid = true;
		p->pub.euid = v;
	}
	snapshot_bool(exe, "deleted", &p->pub.exe_deleted);
	sha = snapshot_str(json_object_get(exe, "content"), "sha256");
	if (sha && strlen(sha) == 64)
		memcpy(p->pub.exe_sha256, sha, 65);
	r = keep_cmdline(t, proc, &p->pub.cmdline);
	if (!r && json_is_object(exe))
		r = keep_bytes(t, exe, "target", &p->pub.exe);
	if (r)
		return r;
	if (!hit && u64map_put(&t->procmap, (uint64_t)t->cur_host << 32 | (uint32_t)pid,
			       (uint64_t)ticks, (void *)(uintptr_t)(t->nprocs + 1)))
		return -ENOMEM;
	t->nprocs++;
	return 0;
}

/* A process.json and the fd records held for it. */
static int add_proc_record(struct timeline *t, const json_t *proc, int pid)
{
	const json_t *maps = json_object_get(proc, "mapped_deleted");
	struct timeline_text name;
	char how[24];
	size_t i;
	int64_t fd;
	int r = keep_bytes(t, proc, "name", &name);

	if (!r)
		r = add_process(t, proc, pid, &name);
	for (i = 0; !r && i < json_array_size(t->held); i++) {
		const json_t *rec = json_array_get(t->held, i);

		if (!fd_type_timed(rec) || !snapshot_int(rec, "fd", &fd))
			continue;
		snprintf(how, sizeof(how), "fd %lld", (long long)fd);
		r = add_sighting(t, rec, "target", pid, &name, how);
	}
	if (!r && json_is_object(json_object_get(proc, "exe")))
		r = add_sighting(t, json_object_get(proc, "exe"), "target", pid, &name, "txt");
	if (!r && json_is_object(json_object_get(proc, "cwd")))
		r = add_sighting(t, json_object_get(proc, "cwd"), "target", pid, &name, "cwd");
	for (i = 0; !r && i < json_array_size(maps); i++)
		r = add_sighting(t, json_array_get(maps, i), "path", pid, &name, "mem");
	json_array_clear(t->held);
	t->held_bytes = 0;
	return r;
}

static int add_item(struct timeline *t, const struct snapshot_item *it)
{
	switch (it->kind) {
	case SNAPSHOT_HOST: {
		int r = add_host(t, it->json);

		t->have_host = !r;
		return r ? r : add_capture(t, it->json, "capture_start", TIMELINE_CAPTURE_START);
	}
	case SNAPSHOT_SUMMARY:
		return add_capture(t, it->json, "capture_end", TIMELINE_CAPTURE_END);
	case SNAPSHOT_FD:
		t->held_bytes += it->len + 1;
		if (t->held_bytes > SNAPSHOT_MAX_FD_BYTES)
			return fail(t, -EFBIG, "pid %d: more than %u bytes of fd records",
				    it->pid, SNAPSHOT_MAX_FD_BYTES);
		return json_array_append(t->held, it->json) ? -ENOMEM : 0;
	case SNAPSHOT_PROCESS:
		return add_proc_record(t, it->json, it->pid);
	default:
		return 0;
	}
}

int timeline_add(struct timeline *t, const char *path)
{
	struct snapshot_opts so = { .fds = true };
	struct snapshot *s = NULL;
	struct snapshot_item it;
	int x;

	t->err[0] = '\0';
	t->have_host = false;
	x = snapshot_open(&s, path, &so);
	while (!x && (x = snapshot_next(s, &it)) > 0) {
		/* Every record comes after host.json (FORMAT.md): a host to
		 * file them under exists. */
		if (it.kind != SNAPSHOT_HOST && !t->have_host)
			continue;
		x = add_item(t, &it);
	}
	if (x < 0 && !t->err[0])
		snprintf(t->err, sizeof(t->err), "%s",
			 x == -ENOMEM ? "out of memory" : snapshot_error(s));
	json_array_clear(t->held);
	t->held_bytes = 0;
	snapshot_free(s);
	return x < 0 ? x : 0;
}

static int event_cmp(const void *pa, const void *pb)
{
	const struct timeline_event *a = pa, *b = pb;
	int c = time_cmp(&a->t, &b->t);

	if (c)
		return c;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->host != b->host)
		return a->host < b->host ? -1 : 1;
	if (a->process && b->process && a->process->pid != b->process->pid)
		return a->process->pid < b->process->pid ? -1 : 1;
	if (a->state && b->state) {
		if (a->state->dev != b->state->dev)
			return a->state->dev < b->state->dev ? -1 : 1;
		if (a->state->ino != b->state->ino)
			return a->state->ino < b->state->ino ? -1 : 1;
	}
	/* Distinct processes with the same pid and start (two boots). */
	return a->process && b->process ? (a->process > b->process) - (a->process < b->process)
					: 0;
}

/* The events of file f: each distinct value of each of its times once,
 * pointing at the first state with it. */
static void file_events(struct timeline *t, const struct tfile *f)
{
	size_t i, j;
	int k;

	for (k = 0; k < TIMELINE_FILE_TIMES; k++)
		for (i = 0; i < f->nstates; i++) {
			const struct tstate *s = &t->states[f->states[i]];
			struct timeline_event *e;

			if (!s->pub.known[k])
				continue;
			for (j = 0; j < i; j++) {
				const struct tstate *o = &t->states[f->states[j]];

				if (o->pub.known[k] && time_cmp(&o->pub.t[k], &s->pub.t[k]) == 0)
					break;
			}
			if (j < i)
				continue;
			e = &t->events[t->nevents++];
			memset(e, 0, sizeof(*e));
			e->t = s->pub.t[k];
			e->kind = (enum timeline_kind)(TIMELINE_ATIME + k);
			e->host = f->host;
			e->state = &s->pub;
		}
}

/* The earliest of a state's times. */
static struct timeline_time first_time(const struct timeline_state *s)
{
	struct timeline_time m = { INT64_MAX, 0 };
	int k;

	for (k = 0; k < TIMELINE_FILE_TIMES; k++)
		if (s->known[k] && time_cmp(&s->t[k], &m) < 0)
			m = s->t[k];
	return m;
}

static int state_cmp(const void *pa, const void *pb, void *arg)
{
	const struct timeline *t = arg;
	const struct timeline_state *a = &t->states[*(const size_t *)pa].pub;
	const struct timeline_state *b = &t->states[*(const size_t *)pb].pub;
	struct timeline_time ta = first_time(a), tb = first_time(b);
	int c = time_cmp(&ta, &tb);

	if (c)
		return c;
	if (a->host != b->host)
		return a->host < b->host ? -1 : 1;
	if (a->dev != b->dev)
		return a->dev < b->dev ? -1 : 1;
	if (a->ino != b->ino)
		return a->ino < b->ino ? -1 : 1;
	return (*(const size_t *)pa > *(const size_t *)pb) - (*(const size_t *)pa < *(const size_t *)pb);
}

int timeline_sort(struct timeline *t)
{
	size_t i, n = t->ncaps + t->nprocs + t->nstates * TIMELINE_FILE_TIMES, w;

	free(t->events);
	free(t->order);
	t->nevents = 0;
	t->events = malloc((n ? n : 1) * sizeof(*t->events));
	t->order = malloc((t->nstates ? t->nstates : 1) * sizeof(*t->order));
	if (!t->events || !t->order)
		return fail(t, -ENOMEM, "out of memory");
	for (i = 0; i < t->ncaps; i++) {
		struct timeline_event *e = &t->events[t->nevents++];

		memset(e, 0, sizeof(*e));
		e->t = t->caps[i].t;
		e->kind = t->caps[i].kind;
		e->host = t->caps[i].host;
		e->processes = t->caps[i].processes;
		e->has_processes = t->caps[i].has_processes;
	}
	for (i = 0; i < t->nprocs; i++) {
		struct timeline_event *e = &t->events[t->nevents++];

		memset(e, 0, sizeof(*e));
		e->t = t->procs[i].start;
		e->kind = TIMELINE_PROCESS_START;
		e->host = t->procs[i].pub.host;
		e->process = &t->procs[i].pub;
	}
	for (i = 0; i < t->nfiles; i++)
		file_events(t, &t->files[i]);
	qsort(t->events, t->nevents, sizeof(*t->events), event_cmp);
	/* The same capture given twice: its two events once. */
	for (i = w = 0; i < t->nevents; i++) {
		if (w && t->events[i].kind <= TIMELINE_CAPTURE_END &&
		    event_cmp(&t->events[w - 1], &t->events[i]) == 0)
			continue;
		t->events[w++] = t->events[i];
	}
	t->nevents = w;
	for (i = 0; i < t->nstates; i++)
		t->order[i] = i;
	qsort_r(t->order, t->nstates, sizeof(*t->order), state_cmp, t);
	return 0;
}

size_t timeline_count(const struct timeline *t)
{
	return t->nevents;
}

const struct timeline_event *timeline_event(const struct timeline *t, size_t i)
{
	return i < t->nevents ? &t->events[i] : NULL;
}

const struct timeline_host *timeline_host(const struct timeline *t, size_t i)
{
	return i < t->nhosts ? &t->hosts[i].pub : NULL;
}

size_t timeline_nstates(const struct timeline *t)
{
	return t->order ? t->nstates : 0;
}

const struct timeline_state *timeline_state(const struct timeline *t, size_t i)
{
	return t->order && i < t->nstates ? &t->states[t->order[i]].pub : NULL;
}

static int holder_cmp(const void *pa, const void *pb)
{
	const struct timeline_holder *a = *(const struct timeline_holder *const *)pa;
	const struct timeline_holder *b = *(const struct timeline_holder *const *)pb;

	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	return strcmp(a->how, b->how);
}

int timeline_holders(const struct timeline *t, const struct timeline_event *e,
		     timeline_holder_fn fn, void *arg)
{
	const struct tstate *first = (const struct tstate *)e->state;
	const struct tfile *f;
	const struct timeline_holder **v = NULL;
	size_t i, j, n = 0, cap = 0;
	int k, r = 0;

	if (!first || e->kind < TIMELINE_ATIME)
		return 0;
	k = (int)e->kind - TIMELINE_ATIME;
	f = &t->files[first->file];
	for (i = 0; i < f->nstates && !r; i++) {
		const struct tstate *s = &t->states[f->states[i]];

		if (!s->pub.known[k] || time_cmp(&s->pub.t[k], &e->t) != 0)
			continue;
		for (j = 0; j < s->pub.nholders && !r; j++) {
			r = grow(&v, n, &cap, sizeof(*v));
			if (!r)
				v[n++] = &s->holders[j];
		}
	}
	if (r)
		goto out;
	qsort(v, n, sizeof(*v), holder_cmp);
	for (i = 0; i < n && !r; i++)
		if (i == 0 || holder_cmp(&v[i - 1], &v[i]) != 0)
			r = fn(arg, v[i]);
out:
	free(v);
	return r;
}

const char *timeline_error(const struct timeline *t)
{
	return t && t->err[0] ? t->err : "unknown error";
}

void timeline_free(struct timeline *t)
{
	size_t i;

	if (!t)
		return;
	while (t->blocks) {
		struct block *b = t->blocks;

		t->blocks = b->next;
		free(b);
	}
	for (i = 0; i < t->nhosts; i++)
		u64map_free(&t->hosts[i].files, NULL);
	for (i = 0; i < t->nfiles; i++)
		free(t->files[i].states);
	for (i = 0; i < t->nstates; i++)
		free(t->states[i].holders);
	u64map_free(&t->procmap, NULL);
	free(t->hosts);
	free(t->files);
	free(t->states);
	free(t->procs);
	free(t->caps);
	free(t->events);
	free(t->order);
	json_decref(t->held);
	free(t);
}
