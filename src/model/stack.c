/* stack: many snapshots stacked — the inputs, their hosts, the reader threads and the totals. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "escape.h"
#include "stack_int.h"

static const char *const kind_names[STACK_NKINDS] = {
	[STACK_EXE] = "exe",
	[STACK_LISTEN] = "listen",
	[STACK_PROCESS] = "process",
	[STACK_PARENT] = "parent",
	[STACK_USER] = "user",
	[STACK_LIBRARY] = "library",
};

/* A snapshot and what is known of its host. */
struct snap {
	struct stack_snap pub;
	char *path;
	char *hostname;          /* exact bytes, NUL-ended; NULL: not recorded */
	size_t hostname_len;
	char *boot_id;           /* escaped; NULL: not recorded */
	char error[1024];
};

struct stack {
	struct stack_opts o;
	struct snap *snaps;
	size_t nsnaps, cap;
	struct stack_snap *pub;  /* the snapshots as handed out */
	size_t *order;           /* snapshots grouped by host (those with one) */
	size_t *group;           /* group g is order[group[g] .. group[g + 1]) */
	struct stack_host *hosts;
	char **labels;
	size_t nhosts;
	struct strmap totals;    /* struct stack_entry, with hosts */
	struct stack_record *records;
	size_t nrecords;
	pthread_mutex_t mu;      /* totals */
	atomic_size_t next;      /* the next job of the running phase */
	atomic_int fatal;        /* -errno that stops every worker */
	int phase;               /* 0: hosts; 1: reading */
	char err[1024];
};

static int fail(struct stack *s, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct stack *s, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
	return err;
}

const char *stack_kind_name(enum stack_kind k)
{
	return (unsigned)k < STACK_NKINDS ? kind_names[k] : "?";
}

int stack_kind_parse(const char *name)
{
	int k;

	for (k = 0; k < STACK_NKINDS; k++)
		if (strcmp(name, kind_names[k]) == 0)
			return k;
	return -1;
}

int stack_new(struct stack **out, const struct stack_opts *opts)
{
	struct stack *s = calloc(1, sizeof(*s));

	*out = s;
	if (!s)
		return -ENOMEM;
	if (opts)
		s->o = *opts;
	if (!s->o.kinds)
		s->o.kinds = (1u << STACK_NKINDS) - 1;
	if (!s->o.threads)
		s->o.threads = 2;
	if (!s->o.list_hosts)
		s->o.list_hosts = STACK_LIST_HOSTS;
	if (pthread_mutex_init(&s->mu, NULL)) {
		free(s);
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* ---- inputs ------------------------------------------------------------ */

/* The path escaped for a message; lives until the next call. */
static const char *shown(const char *path)
{
	static _Thread_local char text[512];
	struct buf b = BUF_INIT;

	escape_text(&b, path, strlen(path));
	snprintf(text, sizeof(text), "%s", b.data ? b.data : "");
	buf_free(&b);
	return text;
}

static int add_file(struct stack *s, const char *path)
{
	struct snap *v;

	if (s->nsnaps == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;

		v = realloc(s->snaps, cap * sizeof(*v));
		if (!v)
			return fail(s, -ENOMEM, "out of memory");
		s->snaps = v;
		s->cap = cap;
	}
	v = &s->snaps[s->nsnaps];
	memset(v, 0, sizeof(*v));
	v->path = strdup(path);
	if (!v->path)
		return fail(s, -ENOMEM, "out of memory");
	v->pub.path = v->path;
	v->pub.host = SIZE_MAX;
	s->nsnaps++;
	return 0;
}

static bool archive_name(const char *n)
{
	static const char *const ends[] = { ".tar", ".tar.gz", ".tgz", ".tar.zst" };
	size_t len = strlen(n), i;

	if (n[0] == '.')
		return false;
	for (i = 0; i < sizeof(ends) / sizeof(*ends); i++)
		if (len > strlen(ends[i]) && strcmp(n + len - strlen(ends[i]), ends[i]) == 0)
			return true;
	return false;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_dir(struct stack *s, const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char **names = NULL, *full;
	size_t n = 0, cap = 0, i;
	int x = 0;

	if (!d)
		return fail(s, -errno, "%s: %s", shown(path), strerror(errno));
	while (!x && (errno = 0, e = readdir(d))) {
		char **v;

		if (!archive_name(e->d_name) || e->d_type == DT_DIR)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = realloc(names, cap * sizeof(*v));
			if (!v) {
				x = fail(s, -ENOMEM, "out of memory");
				break;
			}
			names = v;
		}
		if (asprintf(&full, "%s/%s", path, e->d_name) < 0)
			x = fail(s, -ENOMEM, "out of memory");
		else
			names[n++] = full;
	}
	if (!x && errno)
		x = fail(s, -errno, "%s: %s", shown(path), strerror(errno));
	closedir(d);
	if (!x && n == 0)
		x = fail(s, -ENOENT, "%s: no snapshots in it (*.tar, *.tar.gz, *.tgz, *.tar.zst)",
			 shown(path));
	if (n)
		qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++) {
		if (!x)
			x = add_file(s, names[i]);
		free(names[i]);
	}
	free(names);
	return x;
}

int stack_add(struct stack *s, const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return fail(s, -errno, "%s: %s", shown(path), strerror(errno));
	if (S_ISDIR(st.st_mode))
		return add_dir(s, path);
	return add_file(s, path);
}

/* ---- the workers --------------------------------------------------------- */

/* Phase 0: the host of one snapshot. */
static void host_job(struct stack *s, size_t i)
{
	struct snap *v = &s->snaps[i];
	int x = stack_host_of(v->path, &v->hostname, &v->hostname_len, &v->boot_id,
			      v->error, sizeof(v->error));

	if (x == -ENOMEM)
		atomic_store(&s->fatal, x);
	else if (x) {
		v->pub.err = x;
		v->pub.error = v->error;
	}
}

/* Adds one host's keys to the totals. */
static int merge(struct stack *s, struct stack_reader *rd, uint32_t host, struct buf *key)
{
	const struct strmap *m = stack_reader_keys(rd);
	size_t i;
	int x = 0;

	pthread_mutex_lock(&s->mu);
	for (i = 0; i < m->cap && !x; i++) {
		const struct strmap_slot *sl = strmap_slot(m, i);

		if (sl->key)
			x = stack_entry_merge(&s->totals, key, sl->value, host, s->o.list_hosts);
	}
	pthread_mutex_unlock(&s->mu);
	stack_reader_clear(rd);
	return x;
}

/* Phase 1: every snapshot of host g, then its keys into the totals. */
static int group_job(struct stack *s, struct stack_reader *rd, size_t g, struct buf *key)
{
	struct stack_host *h = &s->hosts[g];
	struct stack_read r;
	size_t i;
	int x;

	for (i = s->group[g]; i < s->group[g + 1]; i++) {
		struct snap *v = &s->snaps[s->order[i]];

		x = stack_reader_read(rd, v->path, &r);
		h->processes += r.processes;
		h->unexamined += r.unexamined;
		v->pub.complete = r.complete;
		if (x == -ENOMEM)
			return x;
		if (x) {
			v->pub.err = x;
			snprintf(v->error, sizeof(v->error), "%s", r.error);
			v->pub.error = v->error;
		}
	}
	return merge(s, rd, (uint32_t)g, key);
}

static void *work(void *arg)
{
	struct stack *s = arg;
	struct stack_reader *rd = NULL;
	struct buf key = BUF_INIT;
	size_t n = s->phase ? s->nhosts : s->nsnaps, i;
	int x = 0;

	if (s->phase && !(rd = stack_reader_new(s->o.kinds)))
		x = -ENOMEM;
	while (!x && !atomic_load(&s->fatal) && (i = atomic_fetch_add(&s->next, 1)) < n) {
		if (s->phase)
			x = group_job(s, rd, i, &key);
		else
			host_job(s, i);
	}
	if (x)
		atomic_store(&s->fatal, x);
	stack_reader_free(rd);
	buf_free(&key);
	return NULL;
}

/* Runs the phase on the caller and threads - 1 more threads. */
static int run_phase(struct stack *s, int phase)
{
	pthread_t t[16];
	unsigned n = s->o.threads > 16 ? 16 : s->o.threads, i, started = 0;

	s->phase = phase;
	atomic_store(&s->next, 0);
	for (i = 1; i < n; i++) {
		if (pthread_create(&t[started], NULL, work, s))
			break;  /* fewer threads: the work still gets done */
		started++;
	}
	work(s);
	for (i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	if (atomic_load(&s->fatal))
		return fail(s, atomic_load(&s->fatal), "%s", strerror(-atomic_load(&s->fatal)));
	return 0;
}

/* ---- hosts ----------------------------------------------------------------- */

/* Snapshots of one host: same hostname bytes and boot id.  One with
 * neither recorded is a host of its own, named by its path. */
static int cmp_host(const struct snap *a, const struct snap *b)
{
	int c;

	if (!a->hostname != !b->hostname)
		return a->hostname ? -1 : 1;
	if (a->hostname) {
		c = memcmp(a->hostname, b->hostname, a->hostname_len < b->hostname_len ?
			   a->hostname_len : b->hostname_len);
		if (c || a->hostname_len != b->hostname_len)
			return c ? c : (a->hostname_len < b->hostname_len ? -1 : 1);
	}
	if (!a->boot_id != !b->boot_id)
		return a->boot_id ? -1 : 1;
	if (a->boot_id && (c = strcmp(a->boot_id, b->boot_id)))
		return c;
	if (!a->hostname && !a->boot_id)
		return strcmp(a->path, b->path);
	return 0;
}

static int cmp_order(const void *x, const void *y, void *arg)
{
	const struct snap *snaps = arg;
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	int c = cmp_host(&snaps[a], &snaps[b]);

	return c ? c : (a < b ? -1 : a > b);
}

static bool same_name(const struct snap *a, const struct snap *b)
{
	return a->hostname && b->hostname && a->hostname_len == b->hostname_len &&
	       memcmp(a->hostname, b->hostname, a->hostname_len) == 0;
}

/* How views name host g (escaped). */
static int label(struct stack *s, size_t g)
{
	const struct snap *v = &s->snaps[s->order[s->group[g]]];
	struct buf b = BUF_INIT;
	bool shared;

	/* Hosts are in hostname order: those sharing a name are neighbours. */
	shared = (g > 0 && same_name(v, &s->snaps[s->order[s->group[g - 1]]])) ||
		 (g + 1 < s->nhosts && same_name(v, &s->snaps[s->order[s->group[g + 1]]]));
	if (v->hostname)
		escape_text(&b, v->hostname, v->hostname_len);
	else
		escape_text(&b, v->path, strlen(v->path));
	if (shared)
		buf_printf(&b, "/%.8s", v->boot_id ? v->boot_id : "-");
	buf_putc(&b, '\0');
	if (buf_error(&b))
		return -ENOMEM;
	s->labels[g] = b.data;
	return 0;
}

static int make_hosts(struct stack *s)
{
	size_t i, n = 0, g;

	s->order = calloc(s->nsnaps + 1, sizeof(*s->order));
	s->group = calloc(s->nsnaps + 2, sizeof(*s->group));
	if (!s->order || !s->group)
		return -ENOMEM;
	for (i = 0; i < s->nsnaps; i++)
		if (!s->snaps[i].pub.err)
			s->order[n++] = i;
	qsort_r(s->order, n, sizeof(*s->order), cmp_order, s->snaps);
	for (i = 0; i < n; i++)
		if (i == 0 || cmp_host(&s->snaps[s->order[i - 1]], &s->snaps[s->order[i]]))
			s->group[s->nhosts++] = i;
	s->group[s->nhosts] = n;
	s->hosts = calloc(s->nhosts + 1, sizeof(*s->hosts));
	s->labels = calloc(s->nhosts + 1, sizeof(*s->labels));
	if (!s->hosts || !s->labels)
		return -ENOMEM;
	/* Labels once every group is known (a label looks at neighbours). */
	for (g = 0; g < s->nhosts; g++) {
		const struct snap *v = &s->snaps[s->order[s->group[g]]];

		if (label(s, g))
			return -ENOMEM;
		s->hosts[g].hostname.p = v->hostname ? v->hostname : "";
		s->hosts[g].hostname.n = v->hostname ? v->hostname_len : 0;
		s->hosts[g].boot_id = v->boot_id;
		s->hosts[g].label = s->labels[g];
		s->hosts[g].snapshots = s->group[g + 1] - s->group[g];
		for (i = s->group[g]; i < s->group[g + 1]; i++)
			s->snaps[s->order[i]].pub.host = g;
	}
	return 0;
}

/* ---- the records ------------------------------------------------------------ */

static int cmp_bytes(const struct stack_bytes *a, const struct stack_bytes *b)
{
	int c = memcmp(a->p, b->p, a->n < b->n ? a->n : b->n);

	return c ? c : (a->n < b->n ? -1 : a->n > b->n);
}

/* Rarest first; then kind; then the key. */
static int cmp_record(const void *x, const void *y)
{
	const struct stack_record *a = x, *b = y;
	size_t i;
	int c;

	if (a->hosts != b->hosts)
		return a->hosts < b->hosts ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	for (i = 0; i < a->nparts && i < b->nparts; i++)
		if ((c = cmp_bytes(&a->part[i], &b->part[i])))
			return c;
	return a->flags < b->flags ? -1 : a->flags > b->flags;
}

static int make_records(struct stack *s)
{
	size_t i;

	s->records = calloc(s->totals.len + 1, sizeof(*s->records));
	if (!s->records)
		return -ENOMEM;
	for (i = 0; i < s->totals.cap; i++) {
		const struct strmap_slot *sl = strmap_slot(&s->totals, i);

		if (sl->key)
			s->records[s->nrecords++] = ((const struct stack_entry *)sl->value)->r;
	}
	qsort(s->records, s->nrecords, sizeof(*s->records), cmp_record);
	return 0;
}

int stack_run(struct stack *s)
{
	size_t i;
	int x;

	x = run_phase(s, 0);
	if (!x && make_hosts(s))
		x = fail(s, -ENOMEM, "out of memory");
	if (!x)
		x = run_phase(s, 1);
	if (!x && make_records(s))
		x = fail(s, -ENOMEM, "out of memory");
	if (x)
		return x;
	s->pub = calloc(s->nsnaps + 1, sizeof(*s->pub));
	if (!s->pub)
		return fail(s, -ENOMEM, "out of memory");
	for (i = 0; i < s->nsnaps; i++)
		s->pub[i] = s->snaps[i].pub;
	return 0;
}

size_t stack_records(const struct stack *s, const struct stack_record **r)
{
	*r = s->records;
	return s->nrecords;
}

size_t stack_hosts(const struct stack *s, const struct stack_host **h)
{
	*h = s->hosts;
	return s->nhosts;
}

size_t stack_snapshots(const struct stack *s, const struct stack_snap **v)
{
	*v = s->pub;
	return s->pub ? s->nsnaps : 0;
}

const char *stack_error(const struct stack *s)
{
	return s ? s->err : "out of memory";
}

void stack_free(struct stack *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nsnaps; i++) {
		free(s->snaps[i].path);
		free(s->snaps[i].hostname);
		free(s->snaps[i].boot_id);
	}
	for (i = 0; i < s->nhosts; i++)
		free(s->labels[i]);
	strmap_free(&s->totals, stack_entry_free);
	pthread_mutex_destroy(&s->mu);
	free(s->snaps);
	free(s->pub);
	free(s->order);
	free(s->group);
	free(s->hosts);
	free(s->labels);
	free(s->records);
	free(s);
}
