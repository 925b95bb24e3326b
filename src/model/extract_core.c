/* extract_core: a process's captured memory as an ELF core file, written in one pass over a snapshot. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfcore.h"
#include "extract_core.h"
#include "extract_dir.h"
#include "extract_sysroot.h"
#include "parse.h"
#include "snapshot.h"

/* More mappings than a kernel allows (vm.max_map_count is 65530 by
 * default): a hostile maps is cut here. */
#define MAX_MAPPINGS (1u << 20)

/* A line of the process's maps. */
struct map {
	uint64_t start, end, offset;
	unsigned perms;           /* ELFCORE_R | W | X */
	size_t path, path_len;    /* in xc.maps; path_len 0: no file */
};

/* A region written into the core. */
struct reg {
	uint64_t start, end;
	size_t idx;               /* elfcore's */
	char hex[DIGEST_HEX_LEN + 1];
	bool recorded;            /* its process.json record was met */
};

struct xc {
	const struct extract_core_opts *o;
	struct extract_core_result *res;
	struct elfcore *c;
	struct extract_dir d;     /* DIR and res->message */
	int fd;
	char partial[64], name[64];
	unsigned machine;
	uint64_t page;
	struct buf maps, cmdline, auxv, tmp;
	struct map *m;
	size_t nm;
	struct reg *r;
	size_t nr, capr;
	bool seen;                /* the process's process.json */
	unsigned long problems;   /* the archive's verification */
	struct sysroot sys;       /* recovered files the core names */
};

static void note(struct xc *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct xc *x, const char *fmt, ...)
{
	char *t = x->res->notes_text;
	size_t n = strlen(t);
	va_list ap;

	x->res->notes++;
	if (n + 2 >= sizeof(x->res->notes_text))
		return;
	va_start(ap, fmt);
	vsnprintf(t + n, sizeof(x->res->notes_text) - n - 1, fmt, ap);
	va_end(ap);
	n = strlen(t);
	t[n] = '\n';
	t[n + 1] = '\0';
}

static void on_verify(void *arg, enum verify_problem p, const char *name, const char *msg)
{
	struct xc *x = arg;

	(void)p;
	(void)name;
	if (!x->problems++)
		extract_dir_fail(&x->d, -EBADMSG, "the archive does not verify: %s", msg);
}

static unsigned elf_perms(const char *p)
{
	return (p[0] == 'r' ? ELFCORE_R : 0) | (p[1] == 'w' ? ELFCORE_W : 0) |
	       (p[2] == 'x' ? ELFCORE_X : 0);
}

static int cmp_map(const void *a, const void *b)
{
	const struct map *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* The process's maps, kept and parsed into x->m, by address. */
static int read_maps(struct xc *x, struct snapreader *r)
{
	size_t off = 0, n = 0, cap = 0;
	int k = snapreader_slurp(r, SNAPREADER_MAX_RAW, &x->maps);

	if (k)
		return extract_dir_fail(&x->d, k, "%s", snapreader_error(r));
	for (off = 0; off < x->maps.len && n < MAX_MAPPINGS;) {
		const char *line = x->maps.data + off;
		const char *nl = memchr(line, '\n', x->maps.len - off);
		size_t len = nl ? (size_t)(nl - line) : x->maps.len - off;
		struct parse_map pm;
		struct map *v = x->m;

		off += len + 1;
		if (parse_maps_line(line, len, &pm))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = realloc(x->m, cap * sizeof(*v));
			if (!v)
				return extract_dir_fail(&x->d, -ENOMEM, "out of memory");
			x->m = v;
		}
		v[n].start = pm.start;
		v[n].end = pm.end;
		v[n].offset = pm.offset;
		v[n].perms = elf_perms(pm.perms);
		/* NT_FILE lists mappings of files: a path, and an inode. */
		v[n].path = (size_t)(pm.path - x->maps.data);
		v[n].path_len = pm.path_len && pm.path[0] == '/' && pm.inode ? pm.path_len : 0;
		n++;
	}
	x->nm = n;
	if (n > 1)
		qsort(x->m, n, sizeof(*x->m), cmp_map);
	return 0;
}

static const struct map *map_at(const struct xc *x, uint64_t start)
{
	const struct map key = { .start = start };

	return x->nm ? bsearch(&key, x->m, x->nm, sizeof(*x->m), cmp_map) : NULL;
}

/* The core's builder, made on the first region (host.json came first). */
static int builder(struct xc *x)
{
	struct elfcore_opts eo = { .machine = x->machine, .page_size = x->page };
	int k;

	if (x->c)
		return 0;
	k = elfcore_new(&x->c, &eo);
	if (!k)
		k = elfcore_begin(x->c, x->fd, ELFCORE_HEADERS_LAST);
	return k ? extract_dir_fail(&x->d, k, "%s", elfcore_error(x->c)) : 0;
}

/* host.json: the captured host's machine and page size. */
static int on_host(struct xc *x, const json_t *host)
{
	const char *m = snapshot_str(json_object_get(host, "uname"), "machine");
	int64_t pg;

	x->machine = elfcore_machine(m);
	if (!x->machine)
		return extract_dir_fail(&x->d, -ENOTSUP,
					"cores are written for x86_64 and aarch64 hosts only; "
					"this snapshot's host is not one");
	if (snapshot_int(host, "page_size", &pg) && pg > 0)
		x->page = (uint64_t)pg;
	return 0;
}

/* A memory member: a region, its bytes streamed into the core. */
static int on_memory(struct xc *x, struct snapreader *r, const struct snap_member *m)
{
	const struct map *mp = map_at(x, m->start);
	struct snap_chunk ch;
	struct reg *g;
	unsigned perms = mp ? mp->perms : ELFCORE_R;
	int k;

	if ((k = builder(x)) != 0)
		return k;
	if (!mp)
		note(x, "%s: no maps line starts there: its permissions are unknown (r-- given)",
		     m->name);
	if (x->nr == x->capr) {
		size_t cap = x->capr ? x->capr * 2 : 16;
		struct reg *v = realloc(x->r, cap * sizeof(*v));

		if (!v)
			return extract_dir_fail(&x->d, -ENOMEM, "out of memory");
		x->r = v;
		x->capr = cap;
	}
	g = &x->r[x->nr];
	memset(g, 0, sizeof(*g));
	g->start = m->start;
	g->end = m->end;
	k = elfcore_add_region(x->c, m->start, m->end, perms, &g->idx);
	if (k)
		return extract_dir_fail(&x->d, k, "%s: %s", m->name, elfcore_error(x->c));
	x->nr++;
	while ((k = snapreader_data(r, &ch)) > 0) {
		if (x->o->stop && *x->o->stop)
			return extract_dir_fail(&x->d, -EINTR, "interrupted");
		if (ch.data && (k = elfcore_data(x->c, g->idx, ch.offset, ch.data, ch.len)) != 0)
			return extract_dir_fail(&x->d, k, "%s: %s", m->name, elfcore_error(x->c));
	}
	if (!k)
		k = snapreader_member_sha256(r, g->hex);
	if (k)
		return extract_dir_fail(&x->d, k, "%s", snapreader_error(r));
	x->res->regions++;
	x->res->bytes += m->end - m->start;
	return 0;
}

static struct reg *reg_at(struct xc *x, uint64_t start)
{
	size_t i;

	for (i = 0; i < x->nr; i++)
		if (x->r[i].start == start)
			return &x->r[i];
	return NULL;
}

/* A region's record: its bytes as recorded, its unreadable pages. */
static int on_region(struct xc *x, const json_t *rec, const char *pj)
{
	const char *start = snapshot_str(rec, "start"), *sha = snapshot_str(rec, "sha256");
	const json_t *u, *un = json_object_get(rec, "unreadable");
	char *end = NULL;
	uint64_t a = start ? strtoull(start, &end, 16) : 0;
	struct reg *g;
	size_t i;
	int k;

	if (!json_object_get(rec, "member"))
		return 0; /* not stored: in no segment */
	g = start && end && !*end ? reg_at(x, a) : NULL;
	if (!g)
		return extract_dir_fail(&x->d, -EBADMSG,
					"%s: a region with a member (%s) the archive does not "
					"hold before it", pj,
					start ? "its start is not a number" : "no start");
	if (!sha || strcmp(sha, g->hex) != 0)
		return extract_dir_fail(&x->d, -EBADMSG,
					"%s: region %llx: its member hashes to %s, its record "
					"says otherwise", pj, (unsigned long long)a, g->hex);
	g->recorded = true;
	json_array_foreach(un, i, u) {
		int64_t off, len;

		if (!snapshot_int(u, "offset", &off) || !snapshot_int(u, "length", &len) ||
		    off < 0 || len <= 0)
			return extract_dir_fail(&x->d, -EBADMSG,
						"%s: region %llx: an unreadable range without "
						"offset and length", pj, (unsigned long long)a);
		k = elfcore_add_unreadable(x->c, g->idx, (uint64_t)off, (uint64_t)len);
		if (k)
			return extract_dir_fail(&x->d, k, "%s: region %llx: %s", pj,
						(unsigned long long)a, elfcore_error(x->c));
		x->res->unreadable++;
	}
	return 0;
}

/* Who the process was: NT_PRPSINFO. */
static int set_process(struct xc *x, const json_t *p)
{
	struct elfcore_proc ep = { .pid = x->o->pid };
	const char *state = snapshot_str(p, "state");
	int64_t v;
	int k;

	if (snapshot_int(p, "ppid", &v))
		ep.ppid = (int32_t)v;
	if (snapshot_int(p, "pgrp", &v))
		ep.pgrp = (int32_t)v;
	if (snapshot_int(p, "session", &v))
		ep.sid = (int32_t)v;
	v = json_integer_value(json_array_get(json_object_get(p, "uid"), 0));
	ep.uid = (uint32_t)v;
	v = json_integer_value(json_array_get(json_object_get(p, "gid"), 0));
	ep.gid = (uint32_t)v;
	ep.state = state ? state[0] : 0;
	if (snapshot_bytes(p, "name", &x->tmp) == 1)
		ep.name = x->tmp.data;
	ep.cmdline = x->cmdline.data;
	ep.cmdline_len = x->cmdline.len;
	k = elfcore_set_process(x->c, &ep);
	return k ? extract_dir_fail(&x->d, k, "%s", elfcore_error(x->c)) : 0;
}

/* NT_FILE: the file-backed mappings (overlapping ones, which no kernel
 * writes, passed over); NT_AUXV. */
static int set_files(struct xc *x)
{
	uint64_t last_end = 0;
	size_t i;
	int k;

	for (i = 0; i < x->nm; i++) {
		const struct map *mp = &x->m[i];

		if (!mp->path_len)
			continue;
		if (mp->start < last_end) {
			note(x, "maps: mapping %llx overlaps the one before: not in NT_FILE",
			     (unsigned long long)mp->start);
			continue;
		}
		buf_reset(&x->tmp);
		buf_append(&x->tmp, x->maps.data + mp->path, mp->path_len);
		if (buf_error(&x->tmp))
			return extract_dir_fail(&x->d, -ENOMEM, "out of memory");
		k = elfcore_add_file(x->c, mp->start, mp->end, mp->offset, x->tmp.data);
		if (k == -ENOMEM)
			return extract_dir_fail(&x->d, k, "out of memory");
		if (k) {
			note(x, "maps: mapping %llx: %s", (unsigned long long)mp->start,
			     elfcore_error(x->c));
			continue;
		}
		last_end = mp->end;
		x->res->files++;
	}
	if (x->auxv.len) {
		k = elfcore_set_auxv(x->c, x->auxv.data, x->auxv.len);
		if (k == -ENOMEM)
			return extract_dir_fail(&x->d, k, "out of memory");
		if (k)
			note(x, "auxv: %s: no NT_AUXV", elfcore_error(x->c));
		x->res->auxv = k == 0;
	}
	return 0;
}

/* The recovered files of the process's executable and deleted mappings,
 * wanted under the sysroot at the paths the core names. */
static int want_files(struct xc *x, const json_t *p)
{
	const json_t *exe = json_object_get(p, "exe"), *m;
	size_t i;
	int k = 0;

	if (snapshot_bytes(exe, "target", &x->tmp) == 1)
		k = sysroot_want(&x->sys, json_object_get(exe, "content"), x->tmp.data,
				 x->tmp.len);
	json_array_foreach(json_object_get(p, "mapped_deleted"), i, m) {
		if (k || snapshot_bytes(m, "path", &x->tmp) != 1)
			continue;
		k = sysroot_want(&x->sys, json_object_get(m, "content"), x->tmp.data,
				 x->tmp.len);
	}
	return k ? extract_dir_fail(&x->d, k, "out of memory") : 0;
}

/*
 * process.json of the process: the regions' records, who it was, its
 * files.  A process of which no region was captured still gets a core
 * when the capture recovered a file it maps (code in a memfd or in
 * shared anonymous memory, mapped rwx without an execve, is recovered as
 * a deleted mapped file, not chosen as a region): its notes place that
 * file, laid out in the sysroot, at its addresses.
 */
static int on_process(struct xc *x, const json_t *p, const char *pj)
{
	const json_t *rec;
	size_t i;
	int k = 0;

	x->seen = true;
	json_array_foreach(json_object_get(p, "memory"), i, rec)
		if ((k = on_region(x, rec, pj)) != 0)
			return k;
	for (i = 0; i < x->nr; i++)
		if (!x->r[i].recorded)
			return extract_dir_fail(&x->d, -EBADMSG,
						"proc/%d/mem/%llx-%llx has no record in %s",
						x->o->pid, (unsigned long long)x->r[i].start,
						(unsigned long long)x->r[i].end, pj);
	k = want_files(x, p);
	if (k || (!x->nr && !x->sys.n))
		return k;
	k = builder(x);
	if (!k)
		k = set_process(x, p);
	return k ? k : set_files(x);
}

static int on_item(struct xc *x, struct snapreader *r, const struct snapshot_item *it)
{
	const char *f = it->member ? it->member->file : "";

	if (it->kind == SNAPSHOT_HOST)
		return on_host(x, it->json);
	if (it->pid != x->o->pid || x->seen)
		return 0;
	switch (it->kind) {
	case SNAPSHOT_RAW:
		if (strcmp(f, "maps") == 0)
			return read_maps(x, r);
		if (strcmp(f, "cmdline") == 0 || strcmp(f, "auxv") == 0)
			return snapreader_slurp(r, SNAPREADER_MAX_RAW,
						f[0] == 'c' ? &x->cmdline : &x->auxv)
				       ? extract_dir_fail(&x->d, -EBADMSG, "%s",
							  snapreader_error(r)) : 0;
		return 0;
	case SNAPSHOT_MEMORY:
		return on_memory(x, r, it->member);
	case SNAPSHOT_PROCESS:
		return on_process(x, it->json, it->member->name);
	default:
		return 0;
	}
}

/* 'text' for sh: single quotes, each ' as '\''. */
static void on_note(void *arg, const char *msg)
{
	note(arg, "%s", msg);
}

/* The recovered files under the sysroot: a second reading, from a file. */
static int fill_sysroot(struct xc *x, const char *archive, const char *sys)
{
	char why[512];
	int fd, k;

	if (!x->sys.n)
		return 0;
	if (strcmp(archive, "-") == 0) {
		note(x, "sysroot: the recovered files it could hold take a second reading, "
		     "not possible from standard input");
		return 0;
	}
	fd = openat(x->d.fd, sys, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return extract_dir_fail(&x->d, -errno, "cannot open %s/%s: %s", x->o->dir, sys,
					strerror(errno));
	k = sysroot_fill(&x->sys, archive, fd, x->o->stop, on_note, x, why, sizeof(why));
	close(fd);
	x->res->sysroot_files = x->sys.placed;
	/* The core is whole and named: a sysroot left short is a remark. */
	if (k)
		note(x, "%s", why);
	return 0;
}

static void quote(struct buf *b, const char *text)
{
	buf_putc(b, '\'');
	for (; *text; text++) {
		if (*text == '\'')
			buf_puts(b, "'\\''");
		else
			buf_putc(b, *text);
	}
	buf_putc(b, '\'');
}

/* The core gets its name, the sysroot is made (and filled), the gdb line
 * written. */
static int settle(struct xc *x, const char *archive)
{
	struct buf g = BUF_INIT;
	char sys[64];
	int k = elfcore_finish(x->c);

	if (k)
		return extract_dir_fail(&x->d, k, "%s", elfcore_error(x->c));
	if (fsync(x->fd) < 0)
		return extract_dir_fail(&x->d, -errno, "writing %s/%s: %s", x->o->dir, x->partial,
					strerror(errno));
	snprintf(sys, sizeof(sys), "%d.sysroot", x->o->pid);
	if (mkdirat(x->d.fd, sys, 0700) < 0 && errno != EEXIST)
		return extract_dir_fail(&x->d, -errno, "cannot make %s/%s: %s", x->o->dir, sys,
					strerror(errno));
	if (renameat2(x->d.fd, x->partial, x->d.fd, x->name, RENAME_NOREPLACE) < 0)
		return extract_dir_fail(&x->d, -errno, "cannot name %s/%s: %s", x->o->dir, x->name,
					errno == EEXIST ? "it exists already" : strerror(errno));
	x->partial[0] = '\0';
	k = fill_sysroot(x, archive, sys);
	if (k)
		return k;
	snprintf(x->res->core, sizeof(x->res->core), "%s/%s", x->o->dir, x->name);
	snprintf(x->res->sysroot, sizeof(x->res->sysroot), "%s/%s", x->o->dir, sys);
	buf_puts(&g, "gdb -iex ");
	buf_reset(&x->tmp);
	buf_printf(&x->tmp, "set sysroot %s", x->res->sysroot);
	quote(&g, x->tmp.data ? x->tmp.data : "");
	buf_puts(&g, " -c ");
	quote(&g, x->res->core);
	snprintf(x->res->gdb, sizeof(x->res->gdb), "%s", g.data ? g.data : "");
	k = buf_error(&g) || strlen(x->res->gdb) != g.len ? -ENAMETOOLONG : 0;
	buf_free(&g);
	if (k)
		return extract_dir_fail(&x->d, k, "the directory's name is too long for the gdb "
					"command line");
	return 0;
}

/* The output directory and the partial core in it. */
static int open_out(struct xc *x)
{
	int k = extract_dir_open(&x->d);

	if (k)
		return k;
	snprintf(x->name, sizeof(x->name), "%d.core", x->o->pid);
	snprintf(x->partial, sizeof(x->partial), "%d.core.partial", x->o->pid);
	if (faccessat(x->d.fd, x->name, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		x->partial[0] = '\0';
		return extract_dir_fail(&x->d, -EEXIST, "%s/%s exists already", x->o->dir, x->name);
	}
	x->fd = openat(x->d.fd, x->partial,
		       O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (x->fd < 0) {
		int e = errno;

		x->partial[0] = '\0';
		return extract_dir_fail(&x->d, -e, "cannot create %s/%d.core.partial: %s",
					x->o->dir, x->o->pid, strerror(e));
	}
	return 0;
}

int extract_core_run(const char *archive, const struct extract_core_opts *o,
		     struct extract_core_result *res)
{
	struct xc x = { .o = o, .res = res, .d = EXTRACT_DIR_INIT(o->dir, res->message),
			.fd = -1, .page = 4096 };
	struct snapshot_opts so = { .raw = true, .memory = true };
	struct snapshot *s = NULL;
	struct snapshot_item it;
	int k;

	memset(res, 0, sizeof(*res));
	so.reader.verify = true;
	so.reader.problem = on_verify;
	so.reader.arg = &x;
	k = open_out(&x);
	if (!k)
		k = snapshot_open(&s, archive, &so);
	while (!k && (k = snapshot_next(s, &it)) > 0) {
		k = o->stop && *o->stop ? extract_dir_fail(&x.d, -EINTR, "interrupted")
					: on_item(&x, snapshot_reader(s), &it);
	}
	if (k < 0)
		extract_dir_fail(&x.d, k, "%s", s ? snapshot_error(s) : "out of memory");
	else if (x.problems)
		k = -EBADMSG; /* the message is the first problem */
	else if (!x.seen)
		k = extract_dir_fail(&x.d, -ENOENT, "process %d is not in the snapshot", o->pid);
	else if (!x.c)
		k = extract_dir_fail(&x.d, -ENOENT,
				     "no memory of process %d was captured, nor any file it "
				     "maps recovered (snapread show says why)", o->pid);
	else
		k = settle(&x, archive);
	snapshot_free(s);
	elfcore_free(x.c);
	if (x.fd >= 0)
		close(x.fd);
	if (x.partial[0])
		unlinkat(x.d.fd, x.partial, 0);
	extract_dir_close(&x.d);
	free(x.m);
	free(x.r);
	buf_free(&x.maps);
	buf_free(&x.cmdline);
	buf_free(&x.auxv);
	buf_free(&x.tmp);
	sysroot_free(&x.sys);
	return k;
}
