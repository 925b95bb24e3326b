/* triage: the engine — lists loaded, what each process's records lack, the rule table run per phase (process, host, relation), findings sorted. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "examined.h"
#include "snapshot.h"
#include "triage_int.h"

/* The most kept of each host file a rule reads (they are small). */
#define HOST_KEEP (4u << 20)

enum { HF_PRELOAD, HF_MODULES, HF_TAINTED, HF_N };
static const char *const host_names[HF_N] = {
	"etc/ld.so.preload", "proc/modules", "proc/sys/kernel/tainted",
};

struct triage {
	struct triage_allow *allow;
	struct triage_ioc *ioc;
	struct triage_yara *yara;
	struct triage_heads heads;
	struct triage_regions regions; /* the memory regions of the process coming */
	struct u64map held;     /* (dev, ino) -> struct triage_held (triage_watch) */
	struct triage_raw raw;
	struct triage_findings findings;
	struct triage_unknowns unknowns;
	struct triage_pinfo **procs;
	size_t nprocs, cap;
	struct triage_stats stats;
	struct buf host[HF_N];
	bool host_got[HF_N], host_cut[HF_N];
	struct triage_unknown *host_unknown;
	uint64_t seq;
	char err[1024];
};

/* docs/triage-allow.conf, built into the library (build/gen/). */
extern const char triage_allow_builtin[];

const char *triage_default_allowlist(void)
{
	return triage_allow_builtin;
}

static int fail(struct triage *t, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct triage *t, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->err, sizeof(t->err), fmt, ap);
	va_end(ap);
	return err;
}

int triage_fail_msg(struct triage *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->err, sizeof(t->err), fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

const char *triage_error(const struct triage *t)
{
	return t ? t->err : "out of memory";
}

static bool known_rule(const char *id)
{
	size_t i;

	for (i = 0; i < triage_table_len; i++)
		if (strcmp(triage_table[i].info.id, id) == 0)
			return true;
	return false;
}

static int load_allow(struct triage *t, const char *path)
{
	struct buf b = BUF_INIT;
	char chunk[8192];
	size_t n;
	FILE *f = fopen(path, "re");
	int x = 0;

	if (!f)
		return fail(t, -errno, "%s: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len < (16u << 20))
		buf_append(&b, chunk, n);
	if (ferror(f))
		x = fail(t, -EIO, "%s: %s", path, strerror(EIO));
	else if (b.len >= (16u << 20))
		x = fail(t, -EFBIG, "%s: larger than 16 MiB", path);
	else if (buf_error(&b))
		x = fail(t, -ENOMEM, "out of memory");
	else
		x = triage_allow_parse(&t->allow, path, b.data ? b.data : "", b.len, known_rule,
				       t->err, sizeof(t->err));
	fclose(f);
	buf_free(&b);
	return x;
}

int triage_open(struct triage **out, const struct triage_opts *o)
{
	struct triage *t = calloc(1, sizeof(*t));
	size_t i;
	int x = 0;

	*out = t;
	if (!t)
		return -ENOMEM;
	triage_raw_reset(&t->raw, 0);
	if (!o->no_default_allow)
		x = triage_allow_parse(&t->allow, "built-in", triage_allow_builtin,
				       strlen(triage_allow_builtin), known_rule, t->err,
				       sizeof(t->err));
	for (i = 0; !x && i < o->nallow; i++)
		x = load_allow(t, o->allow_paths[i]);
	if (!x && o->ioc_path) {
		x = triage_ioc_load(&t->ioc, o->ioc_path, t->err, sizeof(t->err));
		t->stats.ioc_hashes = triage_ioc_count(t->ioc);
	}
	if (!x && o->yara_path)
		x = triage_yara_open(&t->yara, o->yara_path, t->err, sizeof(t->err));
	return x;
}

void triage_free(struct triage *t)
{
	size_t i;

	if (!t)
		return;
	triage_allow_free(t->allow);
	triage_ioc_free(t->ioc);
	triage_yara_free(t->yara);
	triage_heads_free(&t->heads);
	triage_regions_free(&t->regions);
	u64map_free(&t->held, NULL);
	triage_raw_free(&t->raw);
	for (i = 0; i < t->findings.len; i++)
		triage_finding_free(t->findings.v[i]);
	free(t->findings.v);
	for (i = 0; i < t->unknowns.len; i++)
		triage_unknown_free(t->unknowns.v[i]);
	free(t->unknowns.v);
	for (i = 0; i < t->nprocs; i++) {
		triage_watch_free(t->procs[i]);
		triage_pinfo_free(t->procs[i]);
		free(t->procs[i]);
	}
	free(t->procs);
	for (i = 0; i < HF_N; i++)
		buf_free(&t->host[i]);
	free(t);
}

/* ---- feeding ---- */

int triage_add_host_file(struct triage *t, const char *file, const void *data, size_t len)
{
	size_t i, k;

	for (i = 0; i < HF_N && strcmp(host_names[i], file) != 0; i++)
		;
	if (i == HF_N)
		return 0;
	t->host_got[i] = true;
	k = HOST_KEEP - t->host[i].len < len ? HOST_KEEP - t->host[i].len : len;
	if (k < len)
		t->host_cut[i] = true;
	if (data)
		buf_append(&t->host[i], data, k);
	else
		while (k--)
			buf_putc(&t->host[i], '\0');
	if (buf_reserve(&t->host[i], 0))
		return fail(t, -ENOMEM, "out of memory");
	return 0;
}

int triage_add_content(struct triage *t, const char *member, const void *data, size_t len,
		       bool last)
{
	const struct triage_head *h;
	int x;

	x = triage_heads_add(&t->heads, member, data, len);
	if (!x)
		x = triage_yara_feed(t->yara, member, data, len, last);
	if (x)
		return fail(t, x, "out of memory");
	if (last) {
		const struct triage_yara_result *r = triage_yara_get(t->yara, member);

		t->stats.contents++;
		t->stats.scanned += r != NULL;
		t->stats.scan_failed += r && r->error;
		return 0;
	}
	if (t->yara)
		return 1;
	/* Without YARA the rules read only the first bytes. */
	h = triage_heads_get(&t->heads, member);
	return h && h->len >= TRIAGE_HEAD ? 0 : 1;
}

int triage_add_memory(struct triage *t, int pid, uint64_t start, uint64_t end, uint64_t addr,
		      const void *data, size_t len, bool last)
{
	int x = triage_regions_feed(&t->regions, t->yara, &t->stats, pid, start, end, addr, data,
				    len, last);

	return x < 0 ? fail(t, x, "out of memory") : x;
}

int triage_add_raw(struct triage *t, int pid, const char *file, const void *data, size_t len)
{
	if (t->raw.pid != pid) {
		triage_raw_reset(&t->raw, pid);
	} else if (t->raw.in && strcmp(t->raw.in, file) != 0) {
		triage_raw_done(&t->raw, t->raw.in);
	}
	triage_raw_feed(&t->raw, file, data, len);
	return 0;
}

/* ---- a process ---- */

static const json_t *record_error(const json_t *proc, const char *what)
{
	const json_t *e;
	const char *w;
	size_t i;

	json_array_foreach(json_object_get(proc, "errors"), i, e) {
		w = snapshot_str(e, "what");
		if (w && strcmp(w, what) == 0)
			return e;
	}
	return NULL;
}

static void lack(struct triage_ctx *c, unsigned part, const json_t *why)
{
	unsigned bit = 0;

	while (!(part & (1u << bit)))
		bit++;
	if (!(c->missing & part))
		c->why[bit] = why;
	c->missing |= part;
}

/* What the process's records lack (c->missing, c->why): what could not
 * be examined (examined.h), the raw members the rules read, the hashes. */
static void parts_missing(struct triage_ctx *c, const json_t *proc, const struct triage_raw *raw)
{
	static const unsigned part_of[] = {
		[EXAMINED_EXE] = PART_EXE, [EXAMINED_FDS] = PART_FDS,
		[EXAMINED_MAPS] = PART_MAPS, [EXAMINED_PROCESS] = PART_PROCESS,
		[EXAMINED_FILE] = 0,
	};
	struct examined_gap gaps[EXAMINED_MAX];
	const char *state = snapshot_str(proc, "state");
	size_t n = examined_process(proc, gaps, EXAMINED_MAX), i;
	/* What a kernel thread or a zombie lacks by nature is no gap. */
	bool natural = c->me->kernel_thread ||
		       (state && (strcmp(state, "Z") == 0 || strcmp(state, "X") == 0));

	c->missing = 0;
	memset(c->why, 0, sizeof(c->why));
	for (i = 0; i < n && i < EXAMINED_MAX; i++)
		if (part_of[gaps[i].part])
			lack(c, part_of[gaps[i].part], gaps[i].error);
	if (c->missing & PART_PROCESS)
		return;
	if (!raw->status)
		lack(c, PART_STATUS, record_error(proc, "status"));
	if (!raw->environ && !natural)
		lack(c, PART_ENVIRON, record_error(proc, "environ"));
	if (!raw->maps && !natural)
		lack(c, PART_MAPS, record_error(proc, "maps"));
	if (!json_is_array(json_object_get(proc, "exec_files")) &&
	    json_is_object(json_object_get(proc, "exe")))
		lack(c, PART_HASHES, NULL);
}

static void run_rule(struct triage_ctx *c, size_t i)
{
	c->rule = &triage_table[i];
	c->rule_index = i;
	if (c->rule->needs & c->missing)
		triage_unknown_parts(c, c->rule->needs);
	else
		c->rule->check(c);
}

static void run_phase(struct triage_ctx *c, enum triage_phase phase)
{
	size_t i;

	for (i = 0; i < triage_table_len && !c->err; i++)
		if (triage_table[i].phase == phase)
			run_rule(c, i);
}

/* The context every phase shares; the caller sets what is its own. */
static void base_ctx(struct triage *t, struct triage_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->ioc = t->ioc;
	c->yara = t->yara;
	c->heads = &t->heads;
	c->regions = &t->regions;
	c->held = &t->held;
	c->allow = t->allow;
	c->stats = &t->stats;
	c->out = &t->findings;
	c->unknowns = &t->unknowns;
	c->host_unknown = t->host_unknown;
	c->seq = t->seq;
}

static void end_ctx(struct triage *t, struct triage_ctx *c)
{
	t->host_unknown = c->host_unknown;
	t->seq = c->seq;
}

static int keep(struct triage *t, struct triage_pinfo *p)
{
	struct triage_pinfo **v;

	if (t->nprocs == t->cap) {
		v = realloc(t->procs, (t->cap ? t->cap * 2 : 256) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		t->procs = v;
		t->cap = t->cap ? t->cap * 2 : 256;
	}
	t->procs[t->nprocs++] = p;
	return 0;
}

int triage_add_process(struct triage *t, const json_t *proc, const json_t *fds)
{
	struct triage_pinfo *p = calloc(1, sizeof(*p));
	json_t *none = NULL;
	struct triage_ctx c;
	size_t i;
	int x;

	if (!p || keep(t, p)) {
		free(p);
		return fail(t, -ENOMEM, "out of memory");
	}
	if (triage_pinfo_fill(p, proc, fds) || triage_watch_fill(p, proc, fds) ||
	    triage_watch_index(&t->held, p))
		return fail(t, -ENOMEM, "out of memory");
	if (t->raw.pid != p->pid)
		triage_raw_reset(&t->raw, p->pid);
	else if (t->raw.in)
		triage_raw_done(&t->raw, t->raw.in);
	if (!fds && !(fds = none = json_array()))
		return fail(t, -ENOMEM, "out of memory");
	base_ctx(t, &c);
	c.proc = proc;
	c.fds = fds;
	c.raw = &t->raw;
	c.me = p;
	parts_missing(&c, proc, &t->raw);
	/* What the relation phase needs of it, once its records are gone. */
	p->missing = c.missing;
	for (i = 0; i < TRIAGE_PARTS; i++)
		p->why[i] = json_incref((json_t *)(uintptr_t)c.why[i]);
	p->fds_known = !(c.missing & (PART_FDS | PART_PROCESS));
	p->status_known = !(c.missing & (PART_STATUS | PART_PROCESS));
	p->tracer = t->raw.tracer > 0 ? t->raw.tracer : 0;
	run_phase(&c, PHASE_PROCESS);
	end_ctx(t, &c);
	t->stats.processes++;
	triage_regions_count(&t->stats, proc);
	triage_raw_reset(&t->raw, 0);
	json_decref(none);
	x = c.err ? c.err : triage_regions_reset(&t->regions);
	return x ? fail(t, x, "out of memory") : 0;
}

/* ---- the end ---- */

static int by_pid(const void *a, const void *b)
{
	const struct triage_pinfo *x = *(struct triage_pinfo *const *)a;
	const struct triage_pinfo *y = *(struct triage_pinfo *const *)b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

int triage_end(struct triage *t, const json_t *host)
{
	struct triage_ctx c;
	size_t i;

	/* No process (an archive of host files alone): procs is NULL, which
	 * qsort must not be given even for zero elements. */
	if (t->nprocs)
		qsort(t->procs, t->nprocs, sizeof(*t->procs), by_pid);
	base_ctx(t, &c);
	c.host = host;
	c.ld_preload = t->host_got[HF_PRELOAD] ? &t->host[HF_PRELOAD] : NULL;
	c.modules = t->host_got[HF_MODULES] ? &t->host[HF_MODULES] : NULL;
	c.tainted = t->host_got[HF_TAINTED] ? &t->host[HF_TAINTED] : NULL;
	c.ld_preload_cut = t->host_cut[HF_PRELOAD];
	c.modules_cut = t->host_cut[HF_MODULES];
	run_phase(&c, PHASE_HOST);
	c.procs = t->procs;
	c.nprocs = t->nprocs;
	for (i = 0; i < t->nprocs && !c.err; i++) {
		c.me = t->procs[i];
		c.missing = c.me->missing;
		memcpy(c.why, c.me->why, sizeof(c.why));
		run_phase(&c, PHASE_RELATION);
	}
	end_ctx(t, &c);
	if (c.err)
		return fail(t, c.err, "out of memory");
	triage_findings_sort(&t->findings);
	return 0;
}

size_t triage_count(const struct triage *t)
{
	return t->findings.len;
}

const struct triage_finding *triage_finding(const struct triage *t, size_t i)
{
	return i < t->findings.len ? t->findings.v[i] : NULL;
}

size_t triage_unknown_count(const struct triage *t)
{
	return t->unknowns.len;
}

const struct triage_unknown *triage_unknown(const struct triage *t, size_t i)
{
	return i < t->unknowns.len ? t->unknowns.v[i] : NULL;
}

const struct triage_stats *triage_stats(const struct triage *t)
{
	return &t->stats;
}
