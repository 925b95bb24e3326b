/* collect_mem: the memory regions --memory chooses — device mappings left alone, the bounds shared out, the bytes read through the watchdog. */
#include <errno.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "capture_int.h"
#include "memsel.h"

/*
 * Per process, after its maps were read: the mappings memsel chooses (none
 * for most processes, which then cost a glance at each maps line), then
 * only for a process with some: its smaps through the watchdog, to leave
 * device mappings (VmFlags io, pf) unread, then its share of the bounds,
 * then one request to the reader thread for the ranges.  The bytes go to
 * the formatter in the process's first batch.
 */

/* The process runs from a deleted file, a memfd or a file on tmpfs. */
static bool exe_fileless(const struct proc_item *p, int piddir)
{
	struct statfs sf;
	char path[64];

	if (!p->exe_have_stat || !S_ISREG(p->exe_st.st_mode))
		return false;
	if (p->exe_st.st_nlink == 0)
		return true; /* deleted, or a memfd */
	/* tmpfs and ramfs have anonymous devices (major 0), as have some
	 * other file systems: statfs only those. */
	if (major(p->exe_st.st_dev) != 0)
		return false;
	snprintf(path, sizeof(path), "/proc/self/fd/%d/exe", piddir);
	return statfs(path, &sf) == 0 &&
	       (sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC);
}

static struct mem_item *add_mem(struct batch *b)
{
	struct mem_item *m;

	if (b->nmems == b->memcap) {
		size_t cap = b->memcap ? b->memcap * 2 : 8;
		struct mem_item *v = realloc(b->mems, cap * sizeof(*v));

		if (!v)
			return NULL;
		b->mems = v;
		b->memcap = cap;
	}
	m = &b->mems[b->nmems++];
	memset(m, 0, sizeof(*m));
	return m;
}

/* The mappings of maps that mode chooses, into b->mems (ascending). */
static int choose(struct capture *c, struct batch *b, bool fileless)
{
	struct proc_item *p = &b->proc;
	bool quick = c->o.memory == CAPTURE_MEMORY_EXEC && !fileless;
	size_t off = p->raw[RAW_MAPS].off, end = off + p->raw[RAW_MAPS].len;

	while (off < end) {
		const char *line = b->text.data + off;
		const char *nl = memchr(line, '\n', end - off);
		size_t len = nl ? (size_t)(nl - line) : end - off;
		struct parse_map pm;
		enum memsel_why why;
		struct mem_item *m;

		off += len + 1;
		if ((quick && !memsel_maybe_exec(line, len)) || parse_maps_line(line, len, &pm))
			continue;
		why = memsel_pick(c->o.memory, &pm, fileless);
		if (why == MEMSEL_NO || pm.start % c->page || pm.end % c->page)
			continue;
		if (b->nmems == MAX_MEM_REGIONS) {
			p->mem_more = true;
			break;
		}
		m = add_mem(b);
		if (!m)
			return -ENOMEM;
		m->start = pm.start;
		m->end = pm.end;
		m->offset = pm.offset;
		memcpy(m->perms, pm.perms, sizeof(m->perms));
		m->anon = memsel_anonymous(&pm);
		m->why = why;
		m->line = (struct span){ true, (size_t)(line - b->text.data), len };
		m->path = (struct span){ true, (size_t)(pm.path - b->text.data), pm.path_len };
	}
	return 0;
}

/* Leaves unread what smaps says is device memory, or does not say
 * (both lists ascend: one pass).  0, or -EINTR / -ENOMEM. */
static int filter(struct capture *c, struct lane *l, struct batch *b, int piddir)
{
	struct wd_item it = { .kind = WD_FILE, .name = "smaps", .max = CAPTURE_MAX_RAW };
	struct wd_result res = { 0 };
	struct parse_smaps sm = { 0 };
	size_t pos = 0, i;
	bool more = true;
	int r;

	r = watchdog_run(c, l, piddir, b->pid, &it, 1, &res);
	if (r)
		goto out;
	if (res.err)
		PROC_ERR(&b->proc, "smaps", res.err);
	for (i = 0; i < b->nmems; i++) {
		struct mem_item *m = &b->mems[i];
		const struct parse_smaps none = { 0 };

		if (res.err) {
			m->skip = "smaps";
			continue;
		}
		while (more && (sm.end <= m->start || sm.start < m->start))
			more = parse_smaps_next(res.data.data, res.data.len, &pos, &sm) == 1;
		/* The same range, or the mapping changed since maps: unknown. */
		m->skip = memsel_refuse(more && sm.start == m->start && sm.end == m->end ? &sm
											  : &none);
	}
out:
	wd_result_free(&res);
	return r;
}

/* The order the bounds are shared in: executable regions first, then the
 * smallest (more regions whole), then by address. */
struct share {
	bool later;
	uint64_t size, start;
	size_t idx;
};

static int cmp_share(const void *a, const void *b)
{
	const struct share *x = a, *y = b;

	if (x->later != y->later)
		return x->later ? 1 : -1;
	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* Takes up to want bytes of --max-memory; returns what it got. */
static uint64_t reserve(struct capture *c, uint64_t want)
{
	uint64_t left = atomic_load(&c->mem_left), got;

	do
		got = left < want ? left : want;
	while (!atomic_compare_exchange_weak(&c->mem_left, &left, left - got));
	return got;
}

/* Each region's share of the bounds (m->take), cut ones marked why. */
static int allot(struct capture *c, struct batch *b)
{
	struct share *o = malloc(b->nmems * sizeof(*o));
	uint64_t total = 0, want, got, left;
	size_t i, n = 0;

	if (!o)
		return -ENOMEM;
	for (i = 0; i < b->nmems; i++) {
		struct mem_item *m = &b->mems[i];

		if (m->skip)
			continue;
		o[n++] = (struct share){ m->why != MEMSEL_ANON_EXEC, m->end - m->start, m->start, i };
		total += m->end - m->start;
	}
	if (n > 1)
		qsort(o, n, sizeof(*o), cmp_share);
	want = total < c->o.max_process_memory ? total : c->o.max_process_memory;
	got = left = reserve(c, want);
	for (i = 0; i < n; i++) {
		struct mem_item *m = &b->mems[o[i].idx];
		uint64_t take = o[i].size < left ? o[i].size : left - left % c->page;

		m->take = take;
		left -= take;
		if (take < o[i].size)
			m->skip = got < want ? "max-memory" : "max-process-memory";
	}
	atomic_fetch_add(&c->mem_left, left);
	free(o);
	return 0;
}

/* auxv, the first item's result, into the batch's arena. */
static void keep_auxv(struct batch *b, struct wd_result *res)
{
	struct proc_item *p = &b->proc;
	struct span *sp = &p->raw[RAW_AUXV];

	sp->off = b->text.len;
	if (!res->err && buf_append(&b->text, res->data.data, res->data.len))
		res->err = -ENOMEM;
	if (res->err) {
		PROC_ERR(p, raw_files[RAW_AUXV], res->err);
		return;
	}
	sp->ok = true;
	sp->len = res->data.len;
	p->raw_truncated[RAW_AUXV] = res->truncated;
}

/* auxv, then the ranges, in one request.  0, or -EINTR / -ENOMEM. */
static int read_mems(struct capture *c, struct lane *l, struct batch *b, int piddir)
{
	struct wd_item *items = calloc(b->nmems + 1, sizeof(*items));
	struct wd_result *res = calloc(b->nmems + 1, sizeof(*res));
	size_t *of = calloc(b->nmems + 1, sizeof(*of));
	size_t i, n = 1;
	int r = -ENOMEM;

	if (!items || !res || !of)
		goto out;
	items[0] = (struct wd_item){ .kind = WD_FILE, .name = raw_files[RAW_AUXV],
				     .max = CAPTURE_MAX_RAW, .flags = raw_flags[RAW_AUXV] };
	for (i = 0; i < b->nmems; i++) {
		struct mem_item *m = &b->mems[i];

		if (!m->take)
			continue;
		items[n] = (struct wd_item){ .kind = WD_MEM, .start = m->start,
					     .end = m->start + m->take, .anon = m->anon,
					     .readable = m->perms[0] == 'r' };
		of[n++] = i;
	}
	r = 0;
	if (n == 1)
		goto out; /* nothing to read: the bounds left no room */
	r = watchdog_run(c, l, piddir, b->pid, items, n, res);
	keep_auxv(b, &res[0]);
	wd_result_free(&res[0]);
	for (i = 1; i < n; i++) {
		struct mem_item *m = &b->mems[of[i]];

		m->res = res[i]; /* taken over: res[i] is not freed here */
		b->mem_bytes += m->res.data.len;
		if (m->res.err) /* nothing captured: its share goes back */
			atomic_fetch_add(&c->mem_left, m->take);
	}
out:
	free(items);
	free(res);
	free(of);
	return r;
}

int collect_mem(struct capture *c, struct lane *l, struct batch *b, int piddir)
{
	struct proc_item *p = &b->proc;
	size_t i;
	int r;

	if (c->o.memory == CAPTURE_MEMORY_NONE || !p->raw[RAW_MAPS].ok)
		return 0;
	p->mem_looked = true;
	r = choose(c, b, exe_fileless(p, piddir));
	if (r || !b->nmems)
		return r;
	if (c->o.no_content) {
		for (i = 0; i < b->nmems; i++)
			b->mems[i].skip = "--no-content";
		return 0;
	}
	r = filter(c, l, b, piddir);
	if (!r)
		r = allot(c, b);
	if (!r)
		r = read_mems(c, l, b, piddir);
	return r;
}
