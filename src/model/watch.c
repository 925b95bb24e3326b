/* watch: a series of snapshots read in time order into one log of what processes did. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diff.h"
#include "escape.h"
#include "snapshot.h"
#include "u64map.h"
#include "watch.h"

/* One snapshot: where, and when it was taken. */
struct snap {
	const char *path;
	char time[40];             /* capture_start as recorded */
	double t;                  /* ... as seconds since the epoch */
	json_t *host;              /* host.json (a reference) */
};

/* A process over the series, by (pid, start_ticks). */
struct wproc {
	int pid;
	json_t *last;              /* its latest record (a reference) */
	size_t first, lastsnap;    /* snapshots it was first and last seen in */
	json_t *io_first, *io_last; /* its "io" then (references), or NULL */
	struct watch_totals tot;
};

struct watch {
	struct snap *snaps;
	size_t n;
	struct u64map procs;       /* (pid, start_ticks) -> struct wproc */
	/* The pair being compared. */
	size_t cur;                /* index of B */
	const struct watch_opts *o;
	watch_fn fn;
	void *arg;
	const json_t *started_fds; /* the fds of a process that started */
	char err[2048];
};

static int fail(struct watch *w, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct watch *w, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->err, sizeof(w->err), fmt, ap);
	va_end(ap);
	return err;
}

/* "YYYY-MM-DDTHH:MM:SS[.fraction]Z" as seconds; false when it is not. */
static bool parse_time(const char *s, double *out)
{
	struct tm tm;
	const char *p;
	double frac = 0, scale = 0.1;

	memset(&tm, 0, sizeof(tm));
	if (!s || !(p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)))
		return false;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			frac += (*p - '0') * scale;
	if (p[0] != 'Z' || p[1])
		return false;
	*out = (double)timegm(&tm) + frac;
	return true;
}

/* Reads host.json of one snapshot (it comes before every process). */
static int read_host(struct watch *w, struct snap *s)
{
	struct snapshot *ss = NULL;
	struct snapshot_item it;
	struct buf b = BUF_INIT;
	const char *t;
	int x;

	x = snapshot_open(&ss, s->path, NULL);
	while (!x && (x = snapshot_next(ss, &it)) > 0 && it.kind != SNAPSHOT_HOST)
		;
	if (x > 0) {
		x = 0;
		s->host = json_incref(it.json);
	} else if (x == 0) {
		x = -EBADMSG;
	}
	escape_text(&b, s->path, strlen(s->path));
	if (x && x != -EBADMSG)
		fail(w, x, "%s: %s", b.data ? b.data : "?", snapshot_error(ss));
	else if (x)
		fail(w, x, "%s: no host.json", b.data ? b.data : "?");
	t = s->host ? snapshot_str(s->host, "capture_start") : NULL;
	if (!x && (!t || strlen(t) >= sizeof(s->time) || !parse_time(t, &s->t)))
		x = fail(w, -EBADMSG, "%s: host.json has no capture_start a time can be read "
			 "from", b.data ? b.data : "?");
	if (!x)
		snprintf(s->time, sizeof(s->time), "%s", t);
	buf_free(&b);
	snapshot_free(ss);
	return x;
}

static int by_time(const void *p, const void *q)
{
	const struct snap *a = p, *b = q;

	/* By the time, not its text: "12:00:00.5Z" sorts before "12:00:00Z". */
	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	return strcmp(a->path, b->path);
}

int watch_open(struct watch **out, const char *const *paths, size_t n)
{
	struct watch *w = calloc(1, sizeof(*w));
	size_t i;
	int x = 0;

	*out = w;
	if (!w)
		return -ENOMEM;
	if (n < 2)
		return fail(w, -EINVAL, "a series needs at least two snapshots; %zu given", n);
	w->snaps = calloc(n, sizeof(*w->snaps));
	if (!w->snaps)
		return fail(w, -ENOMEM, "out of memory");
	w->n = n;
	for (i = 0; i < n && !x; i++) {
		w->snaps[i].path = paths[i];
		x = read_host(w, &w->snaps[i]);
	}
	if (!x)
		qsort(w->snaps, n, sizeof(*w->snaps), by_time);
	return x;
}

size_t watch_snapshots(const struct watch *w)
{
	return w ? w->n : 0;
}

const char *watch_path(const struct watch *w, size_t i)
{
	return i < w->n ? w->snaps[i].path : NULL;
}

const char *watch_time(const struct watch *w, size_t i)
{
	return i < w->n ? w->snaps[i].time : NULL;
}

const char *watch_host(const struct watch *w)
{
	return w && w->n ? snapshot_str(w->snaps[0].host, "hostname") : NULL;
}

bool watch_saw(const struct watch *w, int pid)
{
	size_t i;

	for (i = 0; i < w->procs.cap; i++)
		if (w->procs.slots[i].value && w->procs.slots[i].a == (uint64_t)pid)
			return true;
	return false;
}

const char *watch_error(const struct watch *w)
{
	return !w ? "out of memory" : w->err[0] ? w->err : "unknown error";
}

static bool is_self(const json_t *proc)
{
	bool v;

	return snapshot_bool(proc, "self", &v) && v;
}

static bool pid_wanted(const struct watch *w, int pid)
{
	size_t i;

	for (i = 0; i < w->o->npids; i++)
		if (w->o->pids[i] == pid)
			return true;
	return !w->o->npids;
}

static bool fd_wanted(const struct watch *w, int fd)
{
	size_t i;

	for (i = 0; i < w->o->nfds; i++)
		if (w->o->fds[i] == fd)
			return true;
	return !w->o->nfds;
}

static int64_t get_int(const json_t *o, const char *k, int64_t dflt)
{
	int64_t v;

	return snapshot_int(o, k, &v) ? v : dflt;
}

/* What a summary names a process by, from its record: a new object
 * holding the record's own values. */
static json_t *identity(const json_t *rec)
{
	static const char *const keys[] = { "pid", "name", "name_b64", "start_time",
					    "start_ticks", "argv", "argv_b64", "ppid" };
	json_t *o = json_object();
	size_t i;

	for (i = 0; o && i < sizeof(keys) / sizeof(*keys); i++) {
		json_t *v = json_object_get(rec, keys[i]);

		if (v && json_object_set(o, keys[i], v)) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/* The state of the process in rec, seen in snapshot i; NULL when rec is
 * no live process of interest.  -ENOMEM in *x. */
static struct wproc *track(struct watch *w, const json_t *rec, int pid, size_t i, int *x)
{
	uint64_t start = (uint64_t)get_int(rec, "start_ticks", 0);
	struct wproc *p;
	bool v;

	*x = 0;
	if (!json_is_object(rec) || is_self(rec) || (snapshot_bool(rec, "vanished", &v) && v))
		return NULL;
	p = u64map_get(&w->procs, (uint64_t)pid, start);
	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p || u64map_put(&w->procs, (uint64_t)pid, start, p)) {
			free(p);
			*x = -ENOMEM;
			return NULL;
		}
		p->pid = pid;
		p->first = i;
		p->io_first = json_incref(json_object_get(rec, "io"));
	}
	if (i >= p->lastsnap || !p->last) {
		json_decref(p->last);
		json_decref(p->io_last);
		p->last = identity(rec);
		p->io_last = json_incref(json_object_get(rec, "io"));
		p->lastsnap = i;
		if (!p->last)
			*x = -ENOMEM;
	}
	return p;
}

static struct wproc *state_of(struct watch *w, const json_t *proc, int pid)
{
	return u64map_get(&w->procs, (uint64_t)pid, (uint64_t)get_int(proc, "start_ticks", 0));
}

/* Every process on both sides is tracked (its io, its last record); a
 * process that started keeps its fds at hand for its OPENED events. */
static int on_each(void *arg, const struct diff_proc *a, const struct diff_proc *b)
{
	struct watch *w = arg;
	int x = 0;

	w->started_fds = NULL;
	if (a)
		track(w, a->process, a->pid, w->cur - 1, &x);
	if (!x && b && track(w, b->process, b->pid, w->cur, &x) &&
	    (!a || !diff_same_process(a->process, b->process)))
		w->started_fds = b->fds;
	return x;
}

static int emit(struct watch *w, struct watch_event *e)
{
	e->time = w->snaps[w->cur].time;
	return w->fn(w->arg, e);
}

/* The fd's offset and its file's size, when recorded. */
static bool pos_size(const json_t *fd, int64_t *pos, int64_t *size)
{
	*size = get_int(json_object_get(fd, "stat"), "size", -1);
	/* An offset is never negative: then two differ by less than INT64_MAX. */
	return snapshot_int(fd, "pos", pos) && *pos >= 0;
}

/* fdinfo flags' access mode: 0 read, 1 write, 2 both. */
static void count_moved(struct wproc *p, const json_t *fd, int64_t moved)
{
	int64_t flags = get_int(fd, "flags", -1);

	if (!p || moved <= 0 || flags < 0)
		return;
	if ((flags & 3) == 0)
		p->tot.offsets_read += (uint64_t)moved;
	else if ((flags & 3) == 1)
		p->tot.offsets_written += (uint64_t)moved;
	else
		p->tot.offsets_both += (uint64_t)moved;
}

/* An fd now held: opened, or (replaced) the same number on another file.
 * What its offset already moved through since is counted. */
static int opened(struct watch *w, struct watch_event *e, const json_t *fd, bool replaced)
{
	int64_t pos, size;

	e->kind = WATCH_OPENED;
	e->rec = fd;
	e->replaced = replaced;
	if (pos_size(fd, &pos, &size) && snapshot_str(fd, "type") &&
	    strcmp(snapshot_str(fd, "type"), "file") == 0)
		count_moved(state_of(w, e->proc, e->pid), fd, pos);
	return emit(w, e);
}

static int closed(struct watch *w, struct watch_event *e, const json_t *fd, bool replaced)
{
	int64_t pos, size;

	e->kind = WATCH_CLOSED;
	e->rec = fd;
	e->replaced = replaced;
	e->finished = pos_size(fd, &pos, &size) && size > 0 && pos >= size;
	return emit(w, e);
}

static bool same_file(const json_t *a, const json_t *b)
{
	const json_t *sa = json_object_get(a, "stat"), *sb = json_object_get(b, "stat");

	return json_is_object(sa) && json_is_object(sb) &&
	       json_equal(json_object_get(sa, "dev"), json_object_get(sb, "dev")) &&
	       json_equal(json_object_get(sa, "ino"), json_object_get(sb, "ino"));
}

static int moved(struct watch *w, struct watch_event *e, const json_t *a, const json_t *b)
{
	int64_t pa, pb, size;

	if (!a || !b || !pos_size(a, &pa, &size) || !pos_size(b, &pb, &size))
		return 0;
	e->kind = WATCH_MOVED;
	e->rec = b;
	e->prev = a;
	e->moved = pb - pa;
	e->seconds = w->snaps[w->cur].t - w->snaps[w->cur - 1].t;
	e->rate = e->seconds > 0 ? (double)e->moved / e->seconds : 0;
	count_moved(state_of(w, e->proc, e->pid), b, e->moved);
	return emit(w, e);
}

/* What a process that started holds that is worth a line: files and
 * sockets (its pipes, terminals and anonymous inodes would only be a
 * listing). */
static int started_fds(struct watch *w, struct watch_event *e)
{
	size_t i;
	int x = 0;

	for (i = 0; !x && i < json_array_size(w->started_fds); i++) {
		const json_t *fd = json_array_get(w->started_fds, i);
		const char *t = snapshot_str(fd, "type");

		e->fd = (int)get_int(fd, "fd", -1);
		e->tid = (int)get_int(fd, "tid", 0);
		if (t && (strcmp(t, "file") == 0 || strcmp(t, "memfd") == 0 ||
			  strcmp(t, "socket") == 0) && fd_wanted(w, e->fd))
			x = opened(w, e, fd, false);
	}
	return x;
}

/* An fd change of a process seen on both sides. */
static int fd_change(struct watch *w, const struct diff_change *c, struct watch_event *e)
{
	const json_t *a = c->fd_before, *b = c->fd_after;
	bool sock = c->kind == DIFF_SOCKET || c->kind == DIFF_LISTEN;
	int x;

	if (!fd_wanted(w, c->fd))
		return 0;
	if (strcmp(c->field, "fd.pos") == 0)
		return moved(w, e, a, b);
	if (strcmp(c->field, "fd") != 0 && !sock)
		return 0;
	if (!a && b)
		return opened(w, e, b, false);
	if (a && !b)
		return closed(w, e, a, false);
	if (sock || !a || !b)
		return 0;  /* a socket's endpoints or state changed */
	if (c->kind == DIFF_DELETED && same_file(a, b)) {
		e->kind = WATCH_DELETED;
		e->rec = b;
		return emit(w, e);
	}
	/* The same number, another file: done with one, on to the next. */
	x = closed(w, e, a, true);
	return x ? x : opened(w, e, b, true);
}

static int on_change(const struct diff_change *c, void *arg)
{
	struct watch *w = arg;
	struct watch_event e = { .pid = c->pid, .proc = c->proc, .fd = c->fd,
				 .tid = c->tid };
	int x;

	if (c->kind == DIFF_HOST) {
		e.kind = WATCH_HOST;
		e.field = c->field;
		e.before = c->before;
		e.after = c->after;
		/* Whatever the filters: pids before and after a reboot name
		 * different processes. */
		return emit(w, &e);
	}
	if (!c->proc || is_self(c->proc) || !pid_wanted(w, c->pid))
		return 0;
	switch (c->kind) {
	case DIFF_STARTED:
		e.kind = WATCH_STARTED;
		x = w->o->nfds ? 0 : emit(w, &e);
		return x ? x : started_fds(w, &e);
	case DIFF_EXITED:
		e.kind = WATCH_EXITED;
		return w->o->nfds ? 0 : emit(w, &e);
	case DIFF_FIELD:
		return 0;
	default:
		/* A started process's deleted files and listeners were
		 * listed with it. */
		return c->in == DIFF_IN_STARTED ? 0 : fd_change(w, c, &e);
	}
}

/* io[k] grew by *out from first to last. */
static bool io_growth(const struct wproc *p, const char *k, uint64_t *out)
{
	int64_t a, b;

	/* a >= 0: b - a cannot overflow, whatever a hostile archive says. */
	if (!snapshot_int(p->io_first, k, &a) || !snapshot_int(p->io_last, k, &b) || a < 0 ||
	    b < a)
		return false;
	*out = (uint64_t)(b - a);
	return true;
}

static int by_pid(const void *x, const void *y)
{
	const struct wproc *a = *(struct wproc *const *)x, *b = *(struct wproc *const *)y;

	if (a->pid != b->pid)
		return (a->pid > b->pid) - (a->pid < b->pid);
	return (a->first > b->first) - (a->first < b->first);
}

/* The summaries: each process that read, wrote or moved an offset. */
static int summaries(struct watch *w)
{
	struct wproc **v = malloc((w->procs.len ? w->procs.len : 1) * sizeof(*v));
	size_t i, k = 0;
	int x = 0;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < w->procs.cap; i++)
		if (w->procs.slots[i].value)
			v[k++] = w->procs.slots[i].value;
	qsort(v, k, sizeof(*v), by_pid);
	for (i = 0; i < k && !x; i++) {
		struct wproc *p = v[i];
		struct watch_totals *t = &p->tot;
		struct watch_event e = { .kind = WATCH_SUMMARY, .pid = p->pid, .proc = p->last,
					 .fd = -1, .totals = t };

		t->first = w->snaps[p->first].time;
		t->last = w->snaps[p->lastsnap].time;
		t->seconds = w->snaps[p->lastsnap].t - w->snaps[p->first].t;
		t->io = io_growth(p, "rchar", &t->rchar) &&
			io_growth(p, "wchar", &t->wchar);
		if (t->io) {
			io_growth(p, "read_bytes", &t->read_bytes);
			io_growth(p, "write_bytes", &t->write_bytes);
		}
		if (!pid_wanted(w, p->pid) || p->lastsnap == p->first ||
		    !(t->rchar || t->wchar || t->offsets_read || t->offsets_written ||
		      t->offsets_both))
			continue;
		e.time = t->last;
		x = w->fn(w->arg, &e);
	}
	free(v);
	return x;
}

int watch_run(struct watch *w, const struct watch_opts *o, watch_fn fn, void *arg)
{
	struct diff_opts dopts = { .all = true, .each = on_each };
	struct diff *d = NULL;
	int x = 0;

	w->o = o;
	w->fn = fn;
	w->arg = arg;
	for (w->cur = 1; w->cur < w->n && !x; w->cur++) {
		x = diff_open(&d, w->snaps[w->cur - 1].path, w->snaps[w->cur].path);
		if (!x)
			x = diff_run(d, &dopts, on_change, w);
		if (x < 0)
			fail(w, x, "%s", diff_error(d));
		diff_free(d);
		d = NULL;
	}
	if (!x)
		x = summaries(w);
	if (x == -ENOMEM && !w->err[0])
		fail(w, x, "out of memory");
	return x;
}

static void wproc_free(void *v)
{
	struct wproc *p = v;

	json_decref(p->last);
	json_decref(p->io_first);
	json_decref(p->io_last);
	free(p);
}

void watch_free(struct watch *w)
{
	size_t i;

	if (!w)
		return;
	for (i = 0; i < w->n; i++)
		json_decref(w->snaps[i].host);
	free(w->snaps);
	u64map_free(&w->procs, wproc_free);
	free(w);
}
