/* triage_allow: the allowlist — entries parsed from text (docs/triage-allow.conf and --allow files), and which entry a finding matches. */
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triage_int.h"

/*
 * One entry a line (docs/TRIAGE.md, "The allowlist"):
 *
 *     RULE[,RULE...] FIELD=GLOB [FIELD=GLOB...]   # why
 *
 * RULE is a rule id or '*'; every FIELD=GLOB must match the finding
 * (fnmatch(3) without flags: '*' also matches '/'); a GLOB with spaces
 * is written in double quotes.  '#' starts a comment, blank lines are
 * nothing.  An entry with no field would silence a rule everywhere: it
 * is refused (leave the rule out with --min-severity instead).
 */

enum field { F_EXE, F_COMM, F_PATH, F_PARENT, F_TRACER, F_MODULE, F_NAME, F_N };
static const char *const field_names[F_N] = {
	"exe", "comm", "path", "parent", "tracer", "module", "name",
};

#define MAX_FIELDS 8
#define MAX_RULES 16

struct entry {
	char *rules[MAX_RULES];   /* ids; "*" any */
	size_t nrules;
	struct {
		enum field f;
		char *glob;
	} m[MAX_FIELDS];
	size_t nm;
	char where[160];          /* "SOURCE:LINE" */
};

struct triage_allow {
	struct entry *v;
	size_t len, cap;
};

static void entry_free(struct entry *e)
{
	size_t i;

	for (i = 0; i < e->nrules; i++)
		free(e->rules[i]);
	for (i = 0; i < e->nm; i++)
		free(e->m[i].glob);
}

void triage_allow_free(struct triage_allow *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->len; i++)
		entry_free(&a->v[i]);
	free(a->v);
	free(a);
}

struct parser {
	const char *source;
	unsigned line;
	char *err;
	size_t errlen;
	bool (*known)(const char *id);
};

static int bad(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct parser *p, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "%s:%u: %s", p->source, p->line, why);
	return -EINVAL;
}

/* The next word of [*s, end): up to a blank, or a "quoted" string (after
 * FIELD=).  Returns a new string, NULL at the end of the line; *oom on
 * failure to allocate. */
static char *word(const char **s, const char *end, bool *oom, bool *unclosed)
{
	const char *p = *s, *start;
	char *w;
	size_t n = 0;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end || *p == '#') {
		*s = end;
		return NULL;
	}
	w = malloc((size_t)(end - p) + 1);
	if (!w) {
		*oom = true;
		return NULL;
	}
	start = p;
	while (p < end && *p != ' ' && *p != '\t') {
		if (*p == '"' && p > start && p[-1] == '=') {
			for (p++; p < end && *p != '"'; p++)
				w[n++] = *p;
			if (p == end) {
				*unclosed = true;
				break;
			}
			p++;
			continue;
		}
		w[n++] = *p++;
	}
	w[n] = '\0';
	*s = p;
	return w;
}

static int add_rules(struct parser *p, struct entry *e, const char *list)
{
	const char *c = list, *comma;
	size_t n;

	do {
		comma = strchr(c, ',');
		n = comma ? (size_t)(comma - c) : strlen(c);
		if (e->nrules == MAX_RULES)
			return bad(p, "more than %d rules in one entry", MAX_RULES);
		e->rules[e->nrules] = strndup(c, n);
		if (!e->rules[e->nrules])
			return -ENOMEM;
		if (strcmp(e->rules[e->nrules], "*") != 0 && !p->known(e->rules[e->nrules])) {
			int x = bad(p, "'%s' is not a rule id (snapread triage --list-rules)",
				    e->rules[e->nrules]);

			/* Not counted in nrules: the entry's free would miss it. */
			free(e->rules[e->nrules]);
			e->rules[e->nrules] = NULL;
			return x;
		}
		e->nrules++;
		c = comma ? comma + 1 : NULL;
	} while (c);
	return 0;
}

static int add_field(struct parser *p, struct entry *e, char *w)
{
	char *eq = strchr(w, '=');
	size_t i;

	if (!eq)
		return bad(p, "'%s' is not FIELD=GLOB", w);
	*eq = '\0';
	for (i = 0; i < F_N && strcmp(field_names[i], w) != 0; i++)
		;
	if (i == F_N)
		return bad(p, "no field '%s' (fields: exe, comm, path, parent, tracer, "
			   "module, name)", w);
	if (e->nm == MAX_FIELDS)
		return bad(p, "more than %d fields in one entry", MAX_FIELDS);
	e->m[e->nm].f = (enum field)i;
	e->m[e->nm].glob = strdup(eq + 1);
	if (!e->m[e->nm].glob)
		return -ENOMEM;
	e->nm++;
	return 0;
}

/* One line into e: 1 an entry, 0 nothing (blank, comment), -errno. */
static int parse_line(struct parser *p, const char *s, const char *end, struct entry *e)
{
	bool oom = false, unclosed = false;
	char *w;
	int x = 0;

	w = word(&s, end, &oom, &unclosed);
	if (!w)
		return oom ? -ENOMEM : 0;
	x = add_rules(p, e, w);
	free(w);
	while (!x && (w = word(&s, end, &oom, &unclosed)) != NULL) {
		x = unclosed ? bad(p, "a quote is not closed") : add_field(p, e, w);
		free(w);
	}
	if (!x && oom)
		x = -ENOMEM;
	if (!x && !e->nm)
		x = bad(p, "an entry needs at least one FIELD=GLOB");
	return x ? x : 1;
}

static int push(struct triage_allow *a, struct entry *e)
{
	struct entry *v;

	if (a->len == a->cap) {
		v = realloc(a->v, (a->cap ? a->cap * 2 : 16) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		a->v = v;
		a->cap = a->cap ? a->cap * 2 : 16;
	}
	a->v[a->len++] = *e;
	return 0;
}

int triage_allow_parse(struct triage_allow **a, const char *source, const char *text,
		       size_t len, bool (*known)(const char *id), char *err, size_t errlen)
{
	struct parser p = { source, 0, err, errlen, known };
	const char *s = text, *end = text + len, *nl;
	struct entry e;
	int x = 0;

	if (!*a && !(*a = calloc(1, sizeof(**a))))
		return -ENOMEM;
	while (s < end && !x) {
		nl = memchr(s, '\n', (size_t)(end - s));
		p.line++;
		memset(&e, 0, sizeof(e));
		if (memchr(s, '\0', (size_t)((nl ? nl : end) - s)))
			x = bad(&p, "a NUL byte");
		else
			x = parse_line(&p, s, nl ? nl : end, &e);
		if (x == 1) {
			snprintf(e.where, sizeof(e.where), "%s:%u", source, p.line);
			x = push(*a, &e);
		}
		if (x)
			entry_free(&e);
		s = nl ? nl + 1 : end;
	}
	if (x == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	return x;
}

/* The finding's value of field f, NUL-terminated; "" when it has none. */
static const char *value(const struct triage_finding *f, enum field k)
{
	const struct buf *b = NULL;

	switch (k) {
	case F_EXE: b = &f->exe; break;
	case F_COMM: b = &f->command; break;
	case F_PATH: b = &f->path; break;
	case F_PARENT:
	case F_TRACER:
		if (f->other_role && strcmp(f->other_role, field_names[k]) == 0)
			b = &f->other_exe;
		break;
	case F_MODULE:
		return f->object && strcmp(f->object, "module") == 0 && f->name ? f->name : "";
	case F_NAME:
		return f->name ? f->name : "";
	case F_N:
		break;
	}
	if (!b || !b->data)
		return "";
	/* Host bytes with a NUL match no glob. */
	return strlen(b->data) == b->len ? b->data : NULL;
}

static bool matches(const struct entry *e, const struct triage_finding *f)
{
	size_t i;
	bool rule = false;

	for (i = 0; i < e->nrules && !rule; i++)
		rule = strcmp(e->rules[i], "*") == 0 || strcmp(e->rules[i], f->rule->id) == 0;
	if (!rule)
		return false;
	for (i = 0; i < e->nm; i++) {
		const char *v = value(f, e->m[i].f);

		if (!v || fnmatch(e->m[i].glob, v, 0) != 0)
			return false;
	}
	return true;
}

const char *triage_allow_match(const struct triage_allow *a, const struct triage_finding *f)
{
	size_t i;

	for (i = 0; a && i < a->len; i++)
		if (matches(&a->v[i], f))
			return a->v[i].where;
	return NULL;
}
