/* triage_mem: captured memory regions in triage — the first bytes and the YARA result of each region as its member streams by, and the rules over them: an anonymous executable region that starts with an ELF header, --yara's matches in memory. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memregion.h"
#include "parse.h"
#include "snapshot.h"
#include "triage_int.h"

/*
 * A process's memory members (proc/PID/mem/START-END) come before its
 * process.json (docs/FORMAT.md), whose "memory" records say what each
 * region is (perms, maps line, why it was chosen) and what of it could
 * not be captured.  So each member leaves what the rules will need — its
 * first bytes, its YARA result — and the checks read them when the
 * process's record comes; then they are dropped.  A region the record
 * lists but whose bytes are not all in the archive (skipped or cut by a
 * bound, failed, pages unreadable) is unknown, never clean.
 */

/* Regions of one process named one by one among its unknowns; past
 * that, one line counts the others. */
#define MAX_NOTES 16

/* ---- what is kept ---- */

static void finish(struct triage_regions *r, struct triage_yara *y, struct triage_stats *st,
		   int *x)
{
	struct triage_region *g = &r->v[r->len - 1];
	int k = triage_yara_region_end(y, &g->yara);

	r->feeding = false;
	if (k && !*x)
		*x = k;
	st->regions++;
	st->regions_scanned += g->yara != NULL;
	st->regions_scan_failed += g->yara && g->yara->error;
}

/* A result whose hits findings point into (their technique) lives as
 * long as they do: kept to the end.  0 or -ENOMEM (then freed). */
static int keep_hits(struct triage_regions *r, struct triage_yara_result *y)
{
	struct triage_yara_result **v;

	if (!y->nhits) {
		triage_yara_result_free(y);
		return 0;
	}
	if (r->nkept == r->keptcap) {
		size_t cap = r->keptcap ? r->keptcap * 2 : 16;

		v = realloc(r->kept, cap * sizeof(*v));
		if (!v) {
			triage_yara_result_free(y);
			return -ENOMEM;
		}
		r->kept = v;
		r->keptcap = cap;
	}
	r->kept[r->nkept++] = y;
	return 0;
}

int triage_regions_reset(struct triage_regions *r)
{
	size_t i;
	int x = 0;

	for (i = 0; i < r->len; i++) {
		if (r->v[i].yara && keep_hits(r, r->v[i].yara))
			x = -ENOMEM;
		r->v[i].yara = NULL;
	}
	r->len = 0;
	r->pid = 0;
	r->feeding = false;
	return x;
}

void triage_regions_free(struct triage_regions *r)
{
	size_t i;

	for (i = 0; i < r->len; i++)
		triage_yara_result_free(r->v[i].yara);
	for (i = 0; i < r->nkept; i++)
		triage_yara_result_free(r->kept[i]);
	free(r->kept);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

static int begin(struct triage_regions *r, struct triage_yara *y, int pid, uint64_t start,
		 uint64_t end)
{
	struct triage_region *v;

	if (r->pid != pid && triage_regions_reset(r))
		return -ENOMEM;
	r->pid = pid;
	if (r->len == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;

		v = realloc(r->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		r->v = v;
		r->cap = cap;
	}
	v = &r->v[r->len++];
	memset(v, 0, sizeof(*v));
	v->start = start;
	v->end = end;
	r->feeding = true;
	return triage_yara_region_begin(y);
}

int triage_regions_feed(struct triage_regions *r, struct triage_yara *y,
			struct triage_stats *st, int pid, uint64_t start, uint64_t end,
			uint64_t addr, const void *data, size_t len, bool last)
{
	struct triage_region *g = r->feeding ? &r->v[r->len - 1] : NULL;
	size_t k;
	int x = 0;

	if (!g || r->pid != pid || g->start != start) {
		/* A region left unended (a caller's slip) is ended first. */
		if (g)
			finish(r, y, st, &x);
		if (!x)
			x = begin(r, y, pid, start, end);
		if (x)
			return x;
		g = &r->v[r->len - 1];
	}
	if (data && len) {
		/* The first bytes: a run at start, and those right after it;
		 * a run elsewhere first means a hole at start. */
		if (!g->head_done && addr == g->start + g->head_len) {
			k = TRIAGE_HEAD - g->head_len < len ? TRIAGE_HEAD - g->head_len : len;
			memcpy(g->head + g->head_len, data, k);
			g->head_len += k;
			g->head_done = g->head_len == TRIAGE_HEAD;
		} else {
			g->head_done = true;
		}
		x = triage_yara_region_feed(y, addr, data, len);
		if (x)
			return x;
	}
	if (last) {
		finish(r, y, st, &x);
		return x;
	}
	return y || !g->head_done ? 1 : 0;
}

const struct triage_region *triage_regions_get(const struct triage_regions *r, int pid,
					       uint64_t start)
{
	size_t i;

	if (r->pid != pid)
		return NULL;
	for (i = 0; i < r->len; i++)
		if (r->v[i].start == start && !(r->feeding && i == r->len - 1))
			return &r->v[i];
	return NULL;
}

void triage_regions_count(struct triage_stats *st, const json_t *proc)
{
	const json_t *rec;
	const char *s;
	size_t i;

	json_array_foreach(json_object_get(proc, "memory"), i, rec) {
		s = snapshot_str(rec, "status");
		st->regions_partial += !s || strcmp(s, "captured") != 0 ||
				       json_array_size(json_object_get(rec, "unreadable")) > 0;
	}
}

/* ---- a region's record as the rules read it ---- */

struct rview {
	const json_t *rec;
	uint64_t start, end;
	char perms[5];
	const char *status, *why;
	char name[64];              /* "START-END PERMS", as maps has it */
	bool anon_exec;             /* no file behind it, and executable */
	const struct triage_region *got; /* its member's, or NULL: not met */
};

/* Lowercase hex without 0x, as maps and the record write it. */
static bool hex_of(const json_t *rec, const char *key, uint64_t *out)
{
	const char *s = snapshot_str(rec, key);
	char *end;

	if (!s || !*s || strlen(s) > 16 || strspn(s, "0123456789abcdef") != strlen(s))
		return false;
	*out = strtoull(s, &end, 16);
	return !*end;
}

/* No file behind the region: chosen as such (anon-exec, fileless-exe),
 * or (full) its maps line says so. */
static bool anonymous(const json_t *rec, const char *why)
{
	struct buf line = BUF_INIT;
	struct parse_map pm;
	bool yes = false;

	if (why && (strcmp(why, "anon-exec") == 0 || strcmp(why, "fileless-exe") == 0))
		return true;
	if (snapshot_bytes(rec, "maps", &line) == 1 && line.len &&
	    parse_maps_line(line.data, line.len, &pm) == 0)
		yes = pm.inode == 0 && triage_anonymous_path(pm.path, pm.path_len);
	buf_free(&line);
	return yes;
}

static bool rview_of(const struct triage_ctx *c, const json_t *rec, struct rview *v)
{
	const char *perms = snapshot_str(rec, "perms");

	memset(v, 0, sizeof(*v));
	v->rec = rec;
	if (!hex_of(rec, "start", &v->start) || !hex_of(rec, "end", &v->end) || !perms ||
	    strlen(perms) != 4)
		return false;
	memcpy(v->perms, perms, 5);
	v->status = snapshot_str(rec, "status");
	v->why = snapshot_str(rec, "why");
	snprintf(v->name, sizeof(v->name), "%" PRIx64 "-%" PRIx64 " %s", v->start, v->end,
		 v->perms);
	v->anon_exec = v->perms[2] == 'x' && anonymous(rec, v->why);
	v->got = triage_regions_get(c->regions, c->me->pid, v->start);
	return true;
}

/* ---- unknowns ---- */

struct notes {
	unsigned n, more;
};

static void region_unknown(struct triage_ctx *c, struct notes *nt, const struct rview *v,
			   const char *errno_name, const char *reason)
{
	json_t *e;

	if (nt->n >= MAX_NOTES) {
		nt->more++;
		return;
	}
	nt->n++;
	e = json_pack("{s:s, s:s*, s:s*}", "what", v->name, "errno", errno_name, "reason", reason);
	if (!e) {
		c->err = -ENOMEM;
		return;
	}
	triage_unknown_note(c, PART_MEMORY, e, NULL, NULL);
	json_decref(e);
}

static void notes_end(struct triage_ctx *c, const struct notes *nt)
{
	char what[64];

	if (!nt->more)
		return;
	snprintf(what, sizeof(what), "%u more regions", nt->more);
	triage_unknown_note(c, PART_MEMORY, NULL, what, "not all captured");
}

/* Whether v's bytes are in the archive (some of them: see partial());
 * else why not, noted. */
static bool captured(struct triage_ctx *c, struct notes *nt, const struct rview *v)
{
	const char *reason = snapshot_str(v->rec, "reason");

	if (v->status && strcmp(v->status, "skipped") == 0) {
		char why[96];

		snprintf(why, sizeof(why), "skipped: %s", reason ? reason : "no reason recorded");
		region_unknown(c, nt, v, NULL, why);
		return false;
	}
	if (v->status && strcmp(v->status, "failed") == 0) {
		const json_t *e = json_array_get(json_object_get(v->rec, "errors"), 0);

		region_unknown(c, nt, v, snapshot_str(e, "errno"),
			       snapshot_str(e, "reason") ? snapshot_str(e, "reason") : "failed");
		return false;
	}
	if (!v->got) {
		region_unknown(c, nt, v, NULL, "not in the archive");
		return false;
	}
	return true;
}

/* What of a captured region is not in its member: the bytes past a
 * bound, the pages that could not be read; noted. */
static void partial(struct triage_ctx *c, struct notes *nt, const struct rview *v)
{
	const json_t *u = json_object_get(v->rec, "unreadable");
	const char *reason = snapshot_str(v->rec, "reason");
	char why[128];
	int64_t size = -1;

	if (v->status && strcmp(v->status, "truncated") == 0) {
		snapshot_int(v->rec, "size", &size);
		snprintf(why, sizeof(why), "truncated by %s: %" PRId64 " of %" PRIu64 " bytes "
			 "captured", reason ? reason : "a bound", size, v->end - v->start);
		region_unknown(c, nt, v, NULL, why);
	}
	if (json_array_size(u)) {
		snprintf(why, sizeof(why), "%zu run%s of pages unreadable", json_array_size(u),
			 json_array_size(u) == 1 ? "" : "s");
		region_unknown(c, nt, v, snapshot_str(json_array_get(u, 0), "errno"), why);
	}
}

/* ---- findings ---- */

static struct triage_finding *region_finding(struct triage_ctx *c, const struct rview *v)
{
	struct triage_finding *f = triage_new(c);
	const char *member = snapshot_str(v->rec, "member");
	const char *sha = snapshot_str(v->rec, "sha256");

	if (!f)
		return NULL;
	f->object = "memory";
	if (member && !(f->member = strdup(member)))
		f->what.err = -ENOMEM;
	if (sha && strlen(sha) == 64)
		memcpy(f->sha256, sha, 65);
	f->region = json_incref((json_t *)(uintptr_t)v->rec);
	return f;
}

/* " (anon-exec)": why the capture chose it. */
static void why_text(struct triage_finding *f, const struct rview *v)
{
	if (v->why)
		triage_what(f, " (%s)", v->why);
}

void triage_check_region_elf(struct triage_ctx *c)
{
	const json_t *mem = json_object_get(c->proc, "memory"), *rec;
	struct triage_finding *f;
	struct notes nt = { 0, 0 };
	struct rview v;
	size_t i;

	if (!json_is_array(mem)) {
		/* No region was looked at (--memory none, or a capture from
		 * before regions were): what those mappings hold is not known. */
		if (c->raw->anon_x)
			triage_unknown_note(c, PART_MEMORY, NULL, NULL, "not captured");
		return;
	}
	json_array_foreach(mem, i, rec) {
		if (!rview_of(c, rec, &v) || !v.anon_exec || !captured(c, &nt, &v))
			continue;
		if (!v.got->head_len) {
			/* A hole: zeros, or pages that could not be read. */
			if (memregion_unreadable(rec, v.start, 4))
				region_unknown(c, &nt, &v, NULL, "its first page could not be read");
			continue;
		}
		if (v.got->head_len < 4 || memcmp(v.got->head, "\177ELF", 4) != 0 ||
		    !(f = region_finding(c, &v)))
			continue;
		triage_what(f, "an anonymous executable region starts with an ELF header: %s",
			    v.name);
		why_text(f, &v);
		triage_emit(c, f);
	}
	notes_end(c, &nt);
}

void triage_yara_regions(struct triage_ctx *c)
{
	const json_t *rec;
	const struct triage_yara_result *r;
	struct triage_finding *f;
	struct notes nt = { 0, 0 };
	struct rview v;
	size_t i, k;

	json_array_foreach(json_object_get(c->proc, "memory"), i, rec) {
		if (!rview_of(c, rec, &v) || !captured(c, &nt, &v))
			continue;
		r = v.got->yara;
		if (!r || r->error) {
			region_unknown(c, &nt, &v, NULL, r ? r->error : "not scanned");
			continue;
		}
		partial(c, &nt, &v);
		for (k = 0; k < r->nhits && (f = region_finding(c, &v)); k++) {
			f->severity = r->hits[k].severity;
			f->attack = r->hits[k].attack;
			if (!(f->name = strdup(r->hits[k].rule)))
				f->what.err = -ENOMEM;
			triage_what(f, "YARA rule %s matches memory region %s", r->hits[k].rule,
				    v.name);
			why_text(f, &v);
			if (r->windowed)
				triage_what(f, " (scanned in windows)");
			triage_emit(c, f);
		}
	}
	notes_end(c, &nt);
}
