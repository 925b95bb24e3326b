/* triage_yara: libyara for --yara — the rules compiled once, each recovered file's bytes scanned as they stream from the archive, the rules that matched kept per member; captured memory regions scanned as blocks at their addresses. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yara.h>

#include "triage_int.h"

/*
 * A member is never written to disk: its bytes are gathered in memory as
 * they stream by and scanned with yr_rules_scan_mem(), whole when it is
 * at most WINDOW bytes (nearly every payload).  A larger one is scanned
 * in windows of WINDOW bytes that overlap by OVERLAP, so a string up to
 * OVERLAP bytes long is found wherever it lies; in those scans a rule's
 * `filesize` and offsets are the window's (docs/TRIAGE.md says so, and
 * the result is marked windowed).  libyara's block iterator would not
 * help: conditions read offsets by walking the blocks again, and an
 * archive stream cannot go back.
 */
#define WINDOW (64u << 20)
#define OVERLAP (1u << 20)
/* Seconds one scan may take before it is abandoned (the member's result
 * then says so: unknown, not clean). */
#define SCAN_TIMEOUT 60

/* A run of a region's bytes at its address: win[off, off + len). */
struct region_block {
	uint64_t base;
	size_t off, len;
};

struct triage_yara {
	YR_RULES *rules;
	bool initialized;
	struct u64map results;      /* (dev, ino) -> struct triage_yara_result */
	/* the member being fed */
	uint64_t dev, ino;
	bool feeding;
	unsigned char *win;
	size_t len, cap;
	size_t fresh;               /* bytes of win not scanned yet */
	bool scanned_once;
	struct triage_yara_result *cur;
	/* the memory region being fed: its blocks, their bytes in win */
	bool region;
	struct region_block *blocks;
	size_t nblocks, blockcap, iter;
	YR_MEMORY_BLOCK yb;          /* the block libyara is handed */
};

struct compile_err {
	char *err;
	size_t errlen;
	bool set;
};

static void on_compile(int level, const char *file, int line, const YR_RULE *rule,
		       const char *message, void *arg)
{
	struct compile_err *c = arg;

	(void)rule;
	if (level != YARA_ERROR_LEVEL_ERROR || c->set)
		return;
	c->set = true;
	snprintf(c->err, c->errlen, "%s:%d: %s", file ? file : "(rules)", line, message);
}

int triage_yara_open(struct triage_yara **out, const char *path, char *err, size_t errlen)
{
	static const char *const externals[] = { "filename", "filepath", "extension", "filetype",
						 "owner", NULL };
	struct compile_err ce = { err, errlen, false };
	struct triage_yara *y = calloc(1, sizeof(*y));
	YR_COMPILER *c = NULL;
	FILE *f = NULL;
	size_t i;
	int x = 0, n;

	*out = y;
	if (!y)
		return -ENOMEM;
	if (yr_initialize() != ERROR_SUCCESS) {
		snprintf(err, errlen, "libyara could not be initialised");
		return -ENOMEM;
	}
	y->initialized = true;
	f = fopen(path, "re");
	if (!f) {
		x = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-x));
		return x;
	}
	if (yr_compiler_create(&c) != ERROR_SUCCESS) {
		x = -ENOMEM;
		goto out;
	}
	yr_compiler_set_callback(c, on_compile, &ce);
	/* What LOKI's and THOR's rule sets ask of their scanner: defined,
	 * empty (a recovered file's name is its holders', known later). */
	for (i = 0; externals[i]; i++)
		if (yr_compiler_define_string_variable(c, externals[i], "") != ERROR_SUCCESS) {
			x = -ENOMEM;
			goto out;
		}
	n = yr_compiler_add_file(c, f, NULL, path);
	if (n > 0) {
		if (!ce.set)
			snprintf(err, errlen, "%s: %d errors", path, n);
		x = -EINVAL;
		goto out;
	}
	if (yr_compiler_get_rules(c, &y->rules) != ERROR_SUCCESS) {
		snprintf(err, errlen, "%s: the rules could not be compiled", path);
		x = -EINVAL;
	}
out:
	if (x == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	if (c)
		yr_compiler_destroy(c);
	fclose(f);
	return x;
}

static void result_free(void *v)
{
	struct triage_yara_result *r = v;
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nhits; i++) {
		free(r->hits[i].rule);
		free(r->hits[i].attack);
	}
	free(r->hits);
	free(r->error);
	free(r);
}

void triage_yara_result_free(struct triage_yara_result *r)
{
	result_free(r);
}

void triage_yara_free(struct triage_yara *y)
{
	if (!y)
		return;
	u64map_free(&y->results, result_free);
	free(y->win);
	free(y->blocks);
	if (y->rules)
		yr_rules_destroy(y->rules);
	if (y->initialized)
		yr_finalize();
	free(y);
}

/* A rule's severity from its meta: "severity" (low, medium, high), or
 * LOKI's and THOR's "score" (75 and up high, 50 medium, less low). */
static enum triage_severity meta_severity(const YR_RULE *rule)
{
	const YR_META *m;

	yr_rule_metas_foreach(rule, m) {
		if (strcmp(m->identifier, "severity") == 0 && m->type == META_TYPE_STRING) {
			if (strcasecmp(m->string, "low") == 0)
				return TRIAGE_LOW;
			if (strcasecmp(m->string, "medium") == 0)
				return TRIAGE_MEDIUM;
			return TRIAGE_HIGH;
		}
		if (strcmp(m->identifier, "score") == 0 && m->type == META_TYPE_INTEGER)
			return m->integer >= 75 ? TRIAGE_HIGH :
			       m->integer >= 50 ? TRIAGE_MEDIUM : TRIAGE_LOW;
	}
	return TRIAGE_HIGH;
}

/* "T1234" or "T1234.567": an ATT&CK technique id. */
static bool technique(const char *s)
{
	size_t i, n = strlen(s);

	if ((n != 5 && n != 9) || s[0] != 'T' || (n == 9 && s[5] != '.'))
		return false;
	for (i = 1; i < n; i++)
		if (i != 5 && (s[i] < '0' || s[i] > '9'))
			return false;
	return true;
}

/* Meta "mitre_attack", "attack" or "mitre_att" when it names a technique. */
static const char *meta_attack(const YR_RULE *rule)
{
	const YR_META *m;

	yr_rule_metas_foreach(rule, m)
		if (m->type == META_TYPE_STRING && technique(m->string) &&
		    (strcmp(m->identifier, "mitre_attack") == 0 ||
		     strcmp(m->identifier, "attack") == 0 || strcmp(m->identifier, "mitre_att") == 0))
			return m->string;
	return NULL;
}

static int add_hit(struct triage_yara_result *r, const YR_RULE *rule)
{
	struct triage_yara_hit *v;
	const char *attack = meta_attack(rule);
	size_t i;

	/* Overlapping windows meet a rule again. */
	for (i = 0; i < r->nhits; i++)
		if (strcmp(r->hits[i].rule, rule->identifier) == 0)
			return 0;
	v = realloc(r->hits, (r->nhits + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	r->hits = v;
	v[r->nhits].rule = strdup(rule->identifier);
	v[r->nhits].attack = attack ? strdup(attack) : NULL;
	v[r->nhits].severity = meta_severity(rule);
	if (!v[r->nhits].rule || (attack && !v[r->nhits].attack)) {
		free(v[r->nhits].rule);
		free(v[r->nhits].attack);
		return -ENOMEM;
	}
	r->nhits++;
	return 0;
}

static int on_scan(YR_SCAN_CONTEXT *ctx, int message, void *data, void *arg)
{
	(void)ctx;
	if (message == CALLBACK_MSG_RULE_MATCHING && add_hit(arg, data))
		return CALLBACK_ERROR;
	return CALLBACK_CONTINUE;
}

static void set_error(struct triage_yara_result *r, int n)
{
	char why[128];

	if (r->error)
		return;
	if (n == ERROR_SCAN_TIMEOUT)
		snprintf(why, sizeof(why), "the scan took more than %d s", SCAN_TIMEOUT);
	else
		snprintf(why, sizeof(why), "libyara error %d", n);
	r->error = strdup(why);
}

static int scan(struct triage_yara *y)
{
	static const uint8_t empty[1];
	int n;

	if (!y->fresh && y->scanned_once)
		return 0;
	n = yr_rules_scan_mem(y->rules, y->win ? y->win : empty, y->len,
			      SCAN_FLAGS_FAST_MODE | SCAN_FLAGS_REPORT_RULES_MATCHING, on_scan,
			      y->cur, SCAN_TIMEOUT);
	y->scanned_once = true;
	y->fresh = 0;
	if (n == ERROR_SUCCESS)
		return 0;
	if (n == ERROR_CALLBACK_ERROR || n == ERROR_INSUFFICIENT_MEMORY)
		return -ENOMEM;
	set_error(y->cur, n);
	return 0;
}

static int begin(struct triage_yara *y, const char *member)
{
	if (!triage_content_id(member, &y->dev, &y->ino))
		return 1;
	result_free(u64map_get(&y->results, y->dev, y->ino));
	y->cur = calloc(1, sizeof(*y->cur));
	if (!y->cur || u64map_put(&y->results, y->dev, y->ino, y->cur)) {
		free(y->cur);
		y->cur = NULL;
		return -ENOMEM;
	}
	y->feeding = true;
	y->len = y->fresh = 0;
	y->scanned_once = false;
	return 0;
}

/* The window grows by doubling, up to WINDOW: 0, or -ENOMEM. */
static int grow_window(struct triage_yara *y)
{
	size_t cap = y->cap ? y->cap * 2 : 1u << 16;
	unsigned char *w;

	if (cap > WINDOW)
		cap = WINDOW;
	w = realloc(y->win, cap);
	if (!w)
		return -ENOMEM;
	y->win = w;
	y->cap = cap;
	return 0;
}

/* A window over 4 MiB is not kept for the next file or region. */
static void shrink_window(struct triage_yara *y)
{
	if (y->cap > (4u << 20)) {
		free(y->win);
		y->win = NULL;
		y->cap = 0;
	}
}

/* Appends len bytes (zeros when data is NULL), scanning each full window. */
static int append(struct triage_yara *y, const unsigned char *data, size_t len)
{
	size_t k;
	int x;

	while (len) {
		if (y->len == WINDOW) {
			x = scan(y);
			if (x)
				return x;
			y->cur->windowed = true;
			memmove(y->win, y->win + WINDOW - OVERLAP, OVERLAP);
			y->len = OVERLAP;
		}
		if (y->len == y->cap && grow_window(y))
			return -ENOMEM;
		k = y->cap - y->len < len ? y->cap - y->len : len;
		if (data) {
			memcpy(y->win + y->len, data, k);
			data += k;
		} else {
			memset(y->win + y->len, 0, k);
		}
		y->len += k;
		y->fresh += k;
		len -= k;
	}
	return 0;
}

int triage_yara_feed(struct triage_yara *y, const char *member, const void *data, size_t len,
		     bool last)
{
	int x;

	if (!y || !y->rules)
		return 0;
	if (!y->feeding) {
		x = begin(y, member);
		if (x)
			return x < 0 ? x : 0;
	}
	x = append(y, data, len);
	if (!x && last) {
		x = scan(y);
		y->feeding = false;
		/* A member's window is not kept for the next one: most are small. */
		shrink_window(y);
	}
	return x;
}

const struct triage_yara_result *triage_yara_get(const struct triage_yara *y,
						 const char *member)
{
	uint64_t dev, ino;

	if (!y || !triage_content_id(member, &dev, &ino))
		return NULL;
	return u64map_get(&y->results, dev, ino);
}

/* ---- captured memory regions ---- */

/*
 * A region (proc/PID/mem/START-END) is scanned as a process's memory is
 * (yr_rules_scan_mem_blocks, SCAN_FLAGS_PROCESS_MEMORY): its runs of
 * bytes are blocks at their addresses, so a rule's offsets, `entrypoint`
 * and the elf module see the region where the process had it; `filesize`
 * is undefined, as in a process scan.  Holes (pages of zeros, pages that
 * could not be read) are no block.  libyara walks the blocks again for a
 * condition that reads memory, so they are kept until the scan: whole up
 * to WINDOW bytes, past that in windows that overlap by OVERLAP, as a
 * recovered file is.
 */

static const uint8_t *block_data(YR_MEMORY_BLOCK *b)
{
	struct triage_yara *y = b->context;

	return y->win + y->blocks[y->iter].off;
}

static YR_MEMORY_BLOCK *block_at(YR_MEMORY_BLOCK_ITERATOR *it, size_t i)
{
	struct triage_yara *y = it->context;

	it->last_error = ERROR_SUCCESS;
	if (i >= y->nblocks)
		return NULL;
	y->iter = i;
	y->yb.base = y->blocks[i].base;
	y->yb.size = y->blocks[i].len;
	y->yb.context = y;
	y->yb.fetch_data = block_data;
	return &y->yb;
}

static YR_MEMORY_BLOCK *blocks_first(YR_MEMORY_BLOCK_ITERATOR *it)
{
	return block_at(it, 0);
}

static YR_MEMORY_BLOCK *blocks_next(YR_MEMORY_BLOCK_ITERATOR *it)
{
	struct triage_yara *y = it->context;

	return block_at(it, y->iter + 1);
}

static int scan_blocks(struct triage_yara *y)
{
	YR_MEMORY_BLOCK_ITERATOR it = { y, blocks_first, blocks_next, NULL, ERROR_SUCCESS };
	int n;

	if (!y->fresh && y->scanned_once)
		return 0;
	n = yr_rules_scan_mem_blocks(y->rules, &it,
				     SCAN_FLAGS_FAST_MODE | SCAN_FLAGS_PROCESS_MEMORY |
				     SCAN_FLAGS_REPORT_RULES_MATCHING, on_scan, y->cur, SCAN_TIMEOUT);
	y->scanned_once = true;
	y->fresh = 0;
	if (n == ERROR_SUCCESS)
		return 0;
	if (n == ERROR_CALLBACK_ERROR || n == ERROR_INSUFFICIENT_MEMORY)
		return -ENOMEM;
	set_error(y->cur, n);
	return 0;
}

int triage_yara_region_begin(struct triage_yara *y)
{
	if (!y || !y->rules)
		return 0;
	y->cur = calloc(1, sizeof(*y->cur));
	if (!y->cur)
		return -ENOMEM;
	y->region = true;
	y->len = y->fresh = y->nblocks = 0;
	y->scanned_once = false;
	return 0;
}

/* The window is full: scanned, then only the last OVERLAP bytes of its
 * last block are kept, as the next window's first block. */
static int region_slide(struct triage_yara *y)
{
	struct region_block *last = &y->blocks[y->nblocks - 1];
	size_t keep = last->len < OVERLAP ? last->len : OVERLAP;
	int x = scan_blocks(y);

	if (x)
		return x;
	y->cur->windowed = true;
	memmove(y->win, y->win + last->off + last->len - keep, keep);
	y->blocks[0] = (struct region_block){ last->base + last->len - keep, 0, keep };
	y->nblocks = keep ? 1 : 0;
	y->len = keep;
	return 0;
}

/* Room for one more block, and for at least one more byte in win. */
static int region_room(struct triage_yara *y)
{
	if (y->len == WINDOW) {
		int x = region_slide(y);

		if (x)
			return x;
	}
	if (y->len == y->cap && grow_window(y))
		return -ENOMEM;
	if (y->nblocks == y->blockcap) {
		size_t n = y->blockcap ? y->blockcap * 2 : 64;
		struct region_block *b = realloc(y->blocks, n * sizeof(*b));

		if (!b)
			return -ENOMEM;
		y->blocks = b;
		y->blockcap = n;
	}
	return 0;
}

int triage_yara_region_feed(struct triage_yara *y, uint64_t addr, const void *data, size_t len)
{
	const unsigned char *p = data;
	struct region_block *last;
	size_t k;
	int x;

	if (!y || !y->region)
		return 0;
	while (len) {
		x = region_room(y);
		if (x)
			return x;
		last = y->nblocks ? &y->blocks[y->nblocks - 1] : NULL;
		/* Runs that follow each other are one block: a string across
		 * the reader's chunks is found. */
		if (!last || last->base + last->len != addr || last->off + last->len != y->len) {
			y->blocks[y->nblocks++] = (struct region_block){ addr, y->len, 0 };
			last = &y->blocks[y->nblocks - 1];
		}
		k = y->cap - y->len < len ? y->cap - y->len : len;
		memcpy(y->win + y->len, p, k);
		last->len += k;
		y->len += k;
		y->fresh += k;
		p += k;
		addr += k;
		len -= k;
	}
	return 0;
}

int triage_yara_region_end(struct triage_yara *y, struct triage_yara_result **out)
{
	int x;

	*out = NULL;
	if (!y || !y->region)
		return 0;
	/* A region all holes is scanned all the same (no block): a rule
	 * may match without a string. */
	x = scan_blocks(y);
	y->region = false;
	if (x) {
		result_free(y->cur);
	} else {
		*out = y->cur;
	}
	y->cur = NULL;
	shrink_window(y);
	return x;
}
