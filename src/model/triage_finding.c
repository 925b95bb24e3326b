/* triage_finding: findings and unknowns in the making — made for the rule at work, matched against the allowlist, kept, sorted. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"
#include "triage_int.h"

const char *triage_severity_name(enum triage_severity s)
{
	switch (s) {
	case TRIAGE_LOW: return "low";
	case TRIAGE_MEDIUM: return "medium";
	case TRIAGE_HIGH: return "high";
	}
	return "none";
}

int triage_severity_parse(const char *s, enum triage_severity *out)
{
	static const enum triage_severity all[] = { TRIAGE_LOW, TRIAGE_MEDIUM, TRIAGE_HIGH };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(*all); i++)
		if (strcmp(s, triage_severity_name(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	return -EINVAL;
}

const char *triage_part_name(unsigned p)
{
	switch (p) {
	case PART_PROCESS: return "process";
	case PART_EXE: return "exe";
	case PART_FDS: return "fds";
	case PART_MAPS: return "maps";
	case PART_STATUS: return "status";
	case PART_ENVIRON: return "environ";
	case PART_HASHES: return "exec_files";
	case PART_HOST: return "host-file";
	case PART_CONTENT: return "content";
	case PART_PARENT: return "parent";
	case PART_MEMORY: return "memory";
	}
	return "process";
}

static void copy_who(struct triage_finding *f, const struct triage_pinfo *p)
{
	f->pid = p->pid;
	memcpy(f->start_time, p->start_time, sizeof(f->start_time));
	buf_append(&f->command, p->comm.data ? p->comm.data : "", p->comm.len);
	buf_append(&f->exe, p->exe.data ? p->exe.data : "", p->exe.len);
	f->has_euid = p->has_euid;
	f->euid = p->euid;
}

struct triage_finding *triage_new(struct triage_ctx *c)
{
	struct triage_finding *f;

	if (c->err)
		return NULL;
	f = calloc(1, sizeof(*f));
	if (!f) {
		c->err = -ENOMEM;
		return NULL;
	}
	f->rule = &c->rule->info;
	f->rule_index = c->rule_index;
	f->severity = c->rule->info.severity;
	f->attack = c->rule->info.attack;
	f->fd = -1;
	f->object = "process";
	if (c->me)
		copy_who(f, c->me);
	return f;
}

void triage_finding_free(struct triage_finding *f)
{
	if (!f)
		return;
	buf_free(&f->command);
	buf_free(&f->exe);
	buf_free(&f->what);
	buf_free(&f->path);
	buf_free(&f->other_exe);
	free(f->member);
	free(f->name);
	json_decref(f->mapping);
	json_decref(f->socket);
	json_decref(f->content);
	json_decref(f->region);
	free(f);
}

static bool failed(const struct triage_finding *f)
{
	return buf_error(&f->command) || buf_error(&f->exe) || buf_error(&f->what) ||
	       buf_error(&f->path) || buf_error(&f->other_exe);
}

void triage_emit(struct triage_ctx *c, struct triage_finding *f)
{
	struct triage_findings *l = c->out;
	struct triage_finding **v;

	if (!f)
		return;
	if (c->err || failed(f)) {
		c->err = -ENOMEM;
		triage_finding_free(f);
		return;
	}
	if (l->len == l->cap) {
		v = realloc(l->v, (l->cap ? l->cap * 2 : 64) * sizeof(*v));
		if (!v) {
			c->err = -ENOMEM;
			triage_finding_free(f);
			return;
		}
		l->v = v;
		l->cap = l->cap ? l->cap * 2 : 64;
	}
	f->seq = c->seq++;
	f->allowed_by = triage_allow_match(c->allow, f);
	f->suppressed = f->allowed_by != NULL;
	l->v[l->len++] = f;
	if (f->suppressed) {
		c->stats->suppressed++;
		return;
	}
	c->stats->findings[f->severity]++;
	if (c->me && f->severity > c->me->flagged)
		c->me->flagged = f->severity;
}

void triage_what(struct triage_finding *f, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	int n;

	if (!f)
		return;
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		buf_append(&f->what, small, (size_t)n);
		return;
	}
	/* Only fixed words and numbers go through here: never this long. */
	buf_append(&f->what, small, sizeof(small) - 1);
}

void triage_what_bytes(struct triage_finding *f, const void *p, size_t n)
{
	if (f)
		buf_append(&f->what, p, n);
}

void triage_set_path(struct triage_finding *f, const void *p, size_t n)
{
	if (!f)
		return;
	buf_reset(&f->path);
	buf_append(&f->path, p, n);
}

void triage_set_content(struct triage_finding *f, const json_t *content)
{
	const char *sha = snapshot_str(content, "sha256");
	const char *member = snapshot_str(content, "member");

	if (!f || !json_is_object(content))
		return;
	if (sha && strlen(sha) == 64)
		memcpy(f->sha256, sha, 65);
	free(f->member);
	f->member = member ? strdup(member) : NULL;
	if (member && !f->member)
		f->what.err = -ENOMEM;
	json_decref(f->content);
	f->content = json_incref((json_t *)(uintptr_t)content);
}

void triage_set_other(struct triage_finding *f, const char *role,
		      const struct triage_pinfo *o, int pid)
{
	const struct buf *b;

	if (!f)
		return;
	f->other_pid = pid;
	f->other_role = role;
	buf_reset(&f->other_exe);
	if (!o)
		return;
	b = o->exe.len ? &o->exe : &o->comm;
	buf_append(&f->other_exe, b->data ? b->data : "", b->len);
}

/* ---- unknowns ---- */

void triage_unknown_free(struct triage_unknown *u)
{
	if (!u)
		return;
	buf_free(&u->command);
	json_decref(u->missing);
	free(u);
}

static struct triage_unknown *unknown_of(struct triage_ctx *c)
{
	struct triage_unknowns *l = c->unknowns;
	struct triage_unknown **slot = c->me ? &c->me->unknown : &c->host_unknown;
	struct triage_unknown *u, **v;

	if (*slot)
		return *slot;
	u = calloc(1, sizeof(*u));
	if (!u || !(u->missing = json_array()))
		goto oom;
	if (c->me) {
		u->pid = c->me->pid;
		memcpy(u->start_time, c->me->start_time, sizeof(u->start_time));
		if (buf_append(&u->command, c->me->comm.data ? c->me->comm.data : "",
			       c->me->comm.len))
			goto oom;
	}
	if (l->len == l->cap) {
		v = realloc(l->v, (l->cap ? l->cap * 2 : 32) * sizeof(*v));
		if (!v)
			goto oom;
		l->v = v;
		l->cap = l->cap ? l->cap * 2 : 32;
	}
	l->v[l->len++] = u;
	c->stats->unknown++;
	return *slot = u;
oom:
	triage_unknown_free(u);
	c->err = -ENOMEM;
	return NULL;
}

static bool same(const json_t *e, const char *part, const char *what)
{
	const char *p = snapshot_str(e, "part"), *w = snapshot_str(e, "what");

	return p && strcmp(p, part) == 0 &&
	       ((!w && !what) || (w && what && strcmp(w, what) == 0));
}

void triage_unknown_note(struct triage_ctx *c, unsigned part, const json_t *err,
			 const char *what, const char *reason)
{
	const char *pn = triage_part_name(part);
	struct triage_unknown *u;
	const char *errno_name = NULL;
	json_t *e;
	size_t i;

	if (c->err || !(u = unknown_of(c)))
		return;
	u->rules |= 1ull << c->rule_index;
	if (err) {
		what = snapshot_str(err, "what");
		errno_name = snapshot_str(err, "errno");
		reason = snapshot_str(err, "reason");
	}
	json_array_foreach(u->missing, i, e)
		if (same(e, pn, what))
			return;
	e = json_object();
	if (!e || json_object_set_new(e, "part", json_string(pn)) ||
	    (what && json_object_set_new(e, "what", json_stringn_nocheck(what, strlen(what)))) ||
	    (errno_name && json_object_set_new(e, "errno", json_string(errno_name))) ||
	    (reason && json_object_set_new(e, "reason", json_string(reason))) ||
	    json_array_append_new(u->missing, e)) {
		json_decref(e);
		c->err = -ENOMEM;
	}
}

void triage_unknown_parts(struct triage_ctx *c, unsigned parts)
{
	unsigned bit;

	for (bit = 0; bit < TRIAGE_PARTS; bit++)
		if (parts & c->missing & (1u << bit))
			triage_unknown_note(c, 1u << bit, c->why[bit], NULL,
					    c->why[bit] ? NULL : "not recorded");
}

/* ---- order ---- */

static int order(const void *a, const void *b)
{
	const struct triage_finding *x = *(const struct triage_finding *const *)a;
	const struct triage_finding *y = *(const struct triage_finding *const *)b;

	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->rule_index != y->rule_index)
		return x->rule_index < y->rule_index ? -1 : 1;
	if (x->fd != y->fd)
		return x->fd < y->fd ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void triage_findings_sort(struct triage_findings *l)
{
	if (l->len > 1)
		qsort(l->v, l->len, sizeof(*l->v), order);
}
