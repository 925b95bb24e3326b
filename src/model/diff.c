/* diff: two snapshots compared — host facts, then processes merged by pid — into changes. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff_int.h"
#include "escape.h"
#include "snapshot.h"

/* A cgroup file is a line per hierarchy; v2 hosts have one.  Bigger ones
 * are not compared (and not held). */
#define CGROUP_MAX (64u << 10)

int diff_hosts(const json_t *a, const json_t *b, const struct diff_opts *o,
	       diff_fn fn, void *arg)
{
	static const struct diff_opts none = { 0 };
	static const char *const keys[] = { "boot_id", "hostname" };
	struct diff_ctx c = { .o = o ? o : &none, .fn = fn, .arg = arg, .in = DIFF_IN_HOST,
			 .x = BUF_INIT, .y = BUF_INIT };
	size_t i;
	int x = 0;

	for (i = 0; !x && a && b && i < sizeof(keys) / sizeof(*keys); i++) {
		x = diff_same_bytes(&c, a, b, keys[i]);
		if (x == 0)
			x = diff_emit(&c, DIFF_HOST, -1, keys[i], diff_get(a, keys[i]),
				      diff_get(b, keys[i]), diff_b64_of(a, keys[i]),
				      diff_b64_of(b, keys[i]));
		else if (x == 1)
			x = 0;
	}
	buf_free(&c.x);
	buf_free(&c.y);
	return x;
}

/* An fd record's line, unparsed: text[off, off + len). */
struct line {
	size_t off, len;
	unsigned long no;   /* its line in fds.jsonl */
	bool same;          /* the other side has the same bytes */
};

struct side {
	const char *path;
	struct snapshot *s;
	json_t *proc;       /* the current process (a reference) */
	json_t *fds;        /* its fd records, parsed by side_fds() */
	struct buf text;    /* its fd lines, as read */
	struct line *lines;
	size_t nlines, cap;
	struct buf cgroup;
	int cgroup_pid;
	struct diff_proc p;
	bool have;          /* p is a process; false at the end */
};

struct diff {
	struct side side[2];
	char err[2048];
};

static int fail(struct diff *d, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct diff *d, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->err, sizeof(d->err), fmt, ap);
	va_end(ap);
	return err;
}

/* The path for a message, escaped. */
static const char *shown(struct buf *b, const char *path)
{
	buf_reset(b);
	if (strcmp(path, "-") == 0)
		return "standard input";
	escape_text(b, path, strlen(path));
	return b->data && !buf_error(b) ? b->data : "?";
}

static int side_fail(struct diff *d, struct side *s, int err)
{
	struct buf b = BUF_INIT;

	if (err == -ENOMEM && !s->s)
		fail(d, err, "out of memory");
	else
		fail(d, err, "%s: %s", shown(&b, s->path), snapshot_error(s->s));
	buf_free(&b);
	return err;
}

int diff_open(struct diff **out, const char *path_a, const char *path_b)
{
	struct diff *d = calloc(1, sizeof(*d));
	struct snapshot_opts so = { .fds = true, .raw = true, .ordered = true,
				    .fd_text = true };
	int i, x = 0;

	*out = d;
	if (!d)
		return -ENOMEM;
	d->side[0].path = path_a;
	d->side[1].path = path_b;
	if (strcmp(path_a, "-") == 0 && strcmp(path_b, "-") == 0)
		return fail(d, -EINVAL, "only one of the two snapshots can be standard input");
	for (i = 0; i < 2 && !x; i++) {
		struct side *s = &d->side[i];

		s->fds = json_array();
		if (!s->fds)
			return fail(d, -ENOMEM, "out of memory");
		x = snapshot_open(&s->s, s->path, &so);
		if (x)
			return side_fail(d, s, x);
	}
	{
		const json_t *fa = snapreader_format(snapshot_reader(d->side[0].s));
		const json_t *fb = snapreader_format(snapshot_reader(d->side[1].s));

		/* The reader knows one version today; should it learn more,
		 * a diff across versions would compare keys whose meaning
		 * differs (docs/FORMAT.md, Versioning). */
		if (!json_equal(json_object_get(fa, "version"), json_object_get(fb, "version")))
			return fail(d, -EPROTONOSUPPORT, "the snapshots are of different format "
				    "versions; diff compares snapshots of one version");
	}
	return 0;
}

static int keep_line(struct side *s, const struct snapshot_item *it)
{
	if (s->nlines == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct line *v = realloc(s->lines, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->lines = v;
		s->cap = cap;
	}
	s->lines[s->nlines++] = (struct line){ .off = s->text.len, .len = it->len,
					       .no = it->line };
	buf_append(&s->text, it->text, it->len);
	return buf_error(&s->text);
}

/* The byte order of lines: by length, then bytes (any total order does). */
static int cmp_lines(const struct side *sa, const struct line *a,
		     const struct side *sb, const struct line *b)
{
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(sa->text.data + a->off, sb->text.data + b->off, a->len);
}

static int by_bytes(const void *p, const void *q, void *arg)
{
	const struct side *s = arg;

	return cmp_lines(s, &s->lines[*(const size_t *)p], s, &s->lines[*(const size_t *)q]);
}

/* The side's line indices, in byte order. */
static size_t *sorted_lines(struct side *s)
{
	size_t *v = malloc((s->nlines ? s->nlines : 1) * sizeof(*v));
	size_t i;

	if (!v)
		return NULL;
	for (i = 0; i < s->nlines; i++)
		v[i] = i;
	qsort_r(v, s->nlines, sizeof(*v), by_bytes, s);
	return v;
}

/*
 * Marks the lines of a and b that are byte for byte the same on the other
 * side.  Such a pair is the same fd (its number is in the line) with
 * every recorded attribute the same, so it holds no change whatever the
 * options: it need not be parsed.  Parsing is most of a diff's time
 * (jansson: about 25 us a record here), and most fds of a process that
 * lives through both captures do not change.
 */
static int match_lines(struct side *a, struct side *b)
{
	size_t *va = sorted_lines(a), *vb = sorted_lines(b);
	size_t i = 0, k = 0;

	if (!va || !vb) {
		free(va);
		free(vb);
		return -ENOMEM;
	}
	while (i < a->nlines && k < b->nlines) {
		struct line *la = &a->lines[va[i]], *lb = &b->lines[vb[k]];
		int c = cmp_lines(a, la, b, lb);

		if (c == 0) {
			la->same = lb->same = true;
			i++;
			k++;
		} else if (c < 0) {
			i++;
		} else {
			k++;
		}
	}
	free(va);
	free(vb);
	return 0;
}

/* Parses the side's lines that differ from the other side's into s->fds. */
static int parse_lines(struct diff *d, struct side *s)
{
	size_t i;
	int x;

	for (i = 0; i < s->nlines; i++) {
		const struct line *l = &s->lines[i];
		json_t *j;

		if (l->same)
			continue;
		x = snapshot_fd_parse(s->s, s->p.pid, l->no, s->text.data + l->off, l->len, &j);
		if (x)
			return side_fail(d, s, x);
		if (json_array_append_new(s->fds, j))
			return fail(d, -ENOMEM, "out of memory");
	}
	return 0;
}

/*
 * The fd records diff_process() will look at: for the same process on
 * both sides, those whose lines differ; for a process that started, all
 * of B's (its deleted files and listeners are news); for one that exited,
 * none (an exit is reported without its fds).
 */
static int side_fds(struct diff *d, struct side *a, struct side *b, bool ta, bool tb)
{
	bool same = ta && tb && json_is_object(a->proc) && json_is_object(b->proc) &&
		    diff_same_process(a->proc, b->proc);
	int x = 0;

	if (same) {
		x = match_lines(a, b);
		if (x)
			return fail(d, x, "out of memory");
		x = parse_lines(d, a);
	}
	if (!x && tb)
		x = parse_lines(d, b);
	return x;
}

/* The next process of a side and its fds and cgroup: 1, 0 at the end, -errno. */
static int side_next(struct diff *d, struct side *s)
{
	struct snapshot_item it;
	size_t bytes = 0;
	int x;

	json_decref(s->proc);
	s->proc = NULL;
	s->have = false;
	buf_reset(&s->cgroup);
	s->cgroup_pid = 0;
	buf_reset(&s->text);
	s->nlines = 0;
	if (json_array_clear(s->fds))
		return fail(d, -ENOMEM, "out of memory");
	while ((x = snapshot_next(s->s, &it)) > 0) {
		switch (it.kind) {
		case SNAPSHOT_RAW:
			if (strcmp(it.member->file, "cgroup") != 0 || it.member->size > CGROUP_MAX)
				break;
			x = snapreader_slurp(snapshot_reader(s->s), CGROUP_MAX, &s->cgroup);
			if (x)
				return side_fail(d, s, x);
			s->cgroup_pid = it.pid;
			break;
		case SNAPSHOT_FD:
			/* The bound snapshot_next_process() keeps. */
			bytes += it.len + 1;
			if (bytes > SNAPSHOT_MAX_FD_BYTES) {
				struct buf b = BUF_INIT;

				fail(d, -EFBIG, "%s: pid %d: more than %u bytes of fd records, "
				     "the most held for one process", shown(&b, s->path), it.pid,
				     SNAPSHOT_MAX_FD_BYTES);
				buf_free(&b);
				return -EFBIG;
			}
			x = keep_line(s, &it);
			if (x)
				return fail(d, x, "out of memory");
			break;
		case SNAPSHOT_PROCESS:
			s->proc = json_incref(it.json);
			s->p.pid = it.pid;
			s->p.process = s->proc;
			s->p.fds = s->fds;
			s->p.cgroup = s->cgroup_pid == it.pid ? &s->cgroup : NULL;
			s->have = true;
			return 1;
		default:
			break;
		}
	}
	return x < 0 ? side_fail(d, s, x) : 0;
}

int diff_run(struct diff *d, const struct diff_opts *o, diff_fn fn, void *arg)
{
	struct side *a = &d->side[0], *b = &d->side[1];
	int x;

	/* host.json comes before every process: reading the first process of
	 * each side reads it. */
	x = side_next(d, a);
	if (x >= 0)
		x = side_next(d, b);
	if (x < 0)
		return x;
	x = diff_hosts(snapshot_host(a->s), snapshot_host(b->s), o, fn, arg);
	while (!x && (a->have || b->have)) {
		bool ta = a->have && (!b->have || a->p.pid <= b->p.pid);
		bool tb = b->have && (!a->have || b->p.pid <= a->p.pid);

		x = side_fds(d, a, b, ta, tb);
		if (!x && o && o->each)
			x = o->each(arg, ta ? &a->p : NULL, tb ? &b->p : NULL);
		if (!x)
			x = diff_process(ta ? &a->p : NULL, tb ? &b->p : NULL, o, fn, arg);
		if (x)
			break;
		if (ta)
			x = side_next(d, a);
		if (x >= 0 && tb)
			x = side_next(d, b);
		if (x > 0)
			x = 0;
	}
	if (x == -ENOMEM && !d->err[0])
		fail(d, x, "out of memory");
	return x;
}

const json_t *diff_host(const struct diff *d, int which)
{
	return which == 0 || which == 1 ? snapshot_host(d->side[which].s) : NULL;
}

const char *diff_error(const struct diff *d)
{
	return !d ? "out of memory" : d->err[0] ? d->err : "unknown error";
}

void diff_free(struct diff *d)
{
	int i;

	if (!d)
		return;
	for (i = 0; i < 2; i++) {
		snapshot_free(d->side[i].s);
		json_decref(d->side[i].proc);
		json_decref(d->side[i].fds);
		buf_free(&d->side[i].cgroup);
		buf_free(&d->side[i].text);
		free(d->side[i].lines);
	}
	free(d);
}
