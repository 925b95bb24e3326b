/* triage_yara: libyara for --yara — the rules compiled once, each recovered file's bytes scanned as they stream from the archive, the rules that matched kept per member. */
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

void triage_yara_free(struct triage_yara *y)
{
	if (!y)
		return;
	u64map_free(&y->results, result_free);
	free(y->win);
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
		if (y->len == y->cap) {
			size_t cap = y->cap ? y->cap * 2 : 1u << 16;
			unsigned char *w;

			if (cap > WINDOW)
				cap = WINDOW;
			w = realloc(y->win, cap);
			if (!w)
				return -ENOMEM;
			y->win = w;
			y->cap = cap;
		}
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
		if (y->cap > (4u << 20)) {
			free(y->win);
			y->win = NULL;
			y->cap = 0;
		}
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
