/* triage_match: the triage checks that match a process's evidence against lists the analyst brings — SHA-256 hashes (--ioc) and YARA rules (--yara; in memory regions: triage_mem). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"
#include "triage_int.h"

/* An object of a process that has (or should have) recovered bytes or a
 * hash: its executable, an fd, a mapping, an exec_files entry. */
struct evidence {
	const char *object;        /* "exe", "lib", "fd", "mapping" */
	const json_t *rec;         /* the record: exe, fd, mapped_deleted entry */
	const json_t *content;     /* its content record, or NULL */
	int fd, tid;
};

typedef void (*evidence_fn)(struct triage_ctx *c, const struct evidence *e, void *arg);

/* What of the evidence could not be examined: the process's parts. */
static bool gaps(struct triage_ctx *c)
{
	if (c->missing & PART_PROCESS) {
		triage_unknown_parts(c, PART_PROCESS);
		return true;
	}
	triage_unknown_parts(c, PART_FDS | PART_MAPS | PART_EXE);
	return false;
}

/* Every object of the process that holds recovered bytes: the deleted
 * executable, each deleted file an fd holds, each deleted file mapped. */
static void each_recovered(struct triage_ctx *c, evidence_fn fn, void *arg)
{
	const json_t *exe = json_object_get(c->proc, "exe"), *fd, *m;
	struct evidence e;
	int64_t n;
	size_t i;

	if (json_is_object(json_object_get(exe, "content"))) {
		e = (struct evidence){ "exe", exe, json_object_get(exe, "content"), -1, 0 };
		fn(c, &e, arg);
	}
	json_array_foreach(c->fds, i, fd) {
		bool del = false;
		const char *type = snapshot_str(fd, "type");

		if (!snapshot_bool(fd, "deleted", &del) || !del || !type ||
		    (strcmp(type, "file") != 0 && strcmp(type, "memfd") != 0))
			continue;
		e = (struct evidence){ "fd", fd, json_object_get(fd, "content"), -1, 0 };
		if (snapshot_int(fd, "fd", &n))
			e.fd = (int)n;
		if (snapshot_int(fd, "tid", &n))
			e.tid = (int)n;
		fn(c, &e, arg);
	}
	json_array_foreach(json_object_get(c->proc, "mapped_deleted"), i, m) {
		const char *kind = snapshot_str(m, "kind");

		/* Shared anonymous memory and SysV segments are not files. */
		if (kind && strcmp(kind, "memfd") != 0)
			continue;
		e = (struct evidence){ "mapping", m, json_object_get(m, "content"), -1, 0 };
		fn(c, &e, arg);
	}
}

/* A finding about e, its path and content filled. */
static struct triage_finding *about(struct triage_ctx *c, const struct evidence *e)
{
	struct triage_finding *f = triage_new(c);
	struct buf p = BUF_INIT;
	const char *key = strcmp(e->object, "exe") == 0 ? "target" :
			  strcmp(e->object, "fd") == 0 ? "target" : "path";

	if (!f)
		return NULL;
	f->object = e->object;
	f->fd = e->fd;
	f->tid = e->tid;
	if (snapshot_bytes(e->rec, key, &p) == 1)
		triage_set_path(f, p.data, p.len);
	buf_free(&p);
	if (e->content)
		triage_set_content(f, e->content);
	if (strcmp(e->object, "mapping") == 0)
		f->mapping = json_incref((json_t *)(uintptr_t)e->rec);
	return f;
}

/* The recovered bytes of e are not in the archive: why, as an unknown. */
static void not_recovered(struct triage_ctx *c, const struct evidence *e, const char *why)
{
	struct buf p = BUF_INIT;
	const char *key = strcmp(e->object, "mapping") == 0 ? "path" : "target";
	const char *status = snapshot_str(e->content, "status");

	if (snapshot_bytes(e->rec, key, &p) != 1 || !p.len || memchr(p.data, '\0', p.len))
		buf_puts(&p, e->object);
	triage_unknown_note(c, PART_CONTENT, NULL, p.data,
			    why ? why : status ? status : "not recorded");
	buf_free(&p);
}

/* ---- --ioc ---- */

/* The (hash, path) pairs flagged for this process: a deleted executable
 * is both an exec_files entry and recovered bytes, one finding. */
struct seen {
	struct buf keys;          /* hex, path, '\0', one after the other */
};

/* True when (hex, path) was flagged for this process already; else
 * remembers it. */
static bool seen_before(struct seen *s, const char *hex, const struct buf *path)
{
	const char *k = s->keys.data, *end = k + s->keys.len;
	size_t n = 64 + path->len;

	for (; k && k < end; k += strlen(k) + 1)
		if (strlen(k) == n && memcmp(k, hex, 64) == 0 &&
		    memcmp(k + 64, path->data ? path->data : "", path->len) == 0)
			return true;
	buf_append(&s->keys, hex, 64);
	buf_append(&s->keys, path->data ? path->data : "", path->len);
	buf_putc(&s->keys, '\0');
	return false;
}

static void ioc_hit(struct triage_ctx *c, struct triage_finding *f, const char *hex,
		    const char *label)
{
	if (!f)
		return;
	memcpy(f->sha256, hex, 65);
	if (*label && !(f->name = strdup(label)))
		f->what.err = -ENOMEM;
	triage_what(f, "%s %s is in the IOC list", strcmp(f->object, "lib") == 0 ? "library" :
		    strcmp(f->object, "exe") == 0 ? "executable" : "recovered file", hex);
	if (*label)
		triage_what(f, " (%s)", label);
	triage_what(f, ": ");
	triage_what_bytes(f, f->path.data, f->path.len);
	triage_emit(c, f);
}

static void ioc_recovered(struct triage_ctx *c, const struct evidence *e, void *arg)
{
	const char *hex = snapshot_str(e->content, "sha256"), *label;
	struct triage_finding *f;

	if (!hex) {
		not_recovered(c, e, NULL);
		return;
	}
	c->stats->hashes_checked++;
	label = triage_ioc_get(c->ioc, hex);
	if (!label)
		return;
	f = about(c, e);
	if (f && seen_before(arg, hex, &f->path))
		triage_finding_free(f);
	else
		ioc_hit(c, f, hex, label);
}

/* exec_files (docs/FORMAT.md): the executable and each file mapped
 * executable, hashed; an entry without a hash is not known. */
static void ioc_exec_files(struct triage_ctx *c, struct seen *s)
{
	const json_t *files = json_object_get(c->proc, "exec_files"), *e;
	const char *hex, *label, *kind;
	struct buf p = BUF_INIT;
	size_t i;

	if (!json_is_array(files)) {
		/* Hashes were not taken (an older capture, --no-hash...). */
		if (json_is_object(json_object_get(c->proc, "exe")))
			triage_unknown_note(c, PART_HASHES, NULL, NULL, "not recorded");
		return;
	}
	json_array_foreach(files, i, e) {
		hex = snapshot_str(e, "sha256");
		kind = snapshot_str(e, "kind");
		if (snapshot_bytes(e, "path", &p) != 1)
			buf_reset(&p);
		if (!hex) {
			c->stats->exec_unhashed++;
			if (!p.len || memchr(p.data, '\0', p.len))
				buf_puts(&p, "exec_files entry");
			triage_unknown_note(c, PART_HASHES, NULL, p.data,
					    snapshot_str(e, "unhashed") ? snapshot_str(e, "unhashed") :
					    "no hash");
			continue;
		}
		c->stats->hashes_checked++;
		label = triage_ioc_get(c->ioc, hex);
		if (label && !seen_before(s, hex, &p)) {
			struct triage_finding *f = triage_new(c);

			if (f) {
				f->object = kind && strcmp(kind, "lib") == 0 ? "lib" : "exe";
				triage_set_path(f, p.data, p.len);
			}
			ioc_hit(c, f, hex, label);
		}
	}
	buf_free(&p);
}

void triage_check_ioc(struct triage_ctx *c)
{
	struct seen s = { BUF_INIT };

	if (!c->ioc || gaps(c))
		return;
	ioc_exec_files(c, &s);
	each_recovered(c, ioc_recovered, &s);
	if (buf_error(&s.keys))
		c->err = -ENOMEM;
	buf_free(&s.keys);
}

/* ---- --yara ---- */

static void yara_recovered(struct triage_ctx *c, const struct evidence *e, void *arg)
{
	const char *member = snapshot_str(e->content, "member");
	const struct triage_yara_result *r;
	struct triage_finding *f;
	size_t i;

	(void)arg;
	if (!member) {
		not_recovered(c, e, NULL);
		return;
	}
	r = triage_yara_get(c->yara, member);
	if (!r || r->error) {
		not_recovered(c, e, r ? r->error : "not in the archive");
		return;
	}
	for (i = 0; i < r->nhits; i++) {
		f = about(c, e);
		if (!f)
			return;
		f->severity = r->hits[i].severity;
		f->attack = r->hits[i].attack;
		if (!(f->name = strdup(r->hits[i].rule)))
			f->what.err = -ENOMEM;
		triage_what(f, "YARA rule %s matches the recovered bytes of ", r->hits[i].rule);
		triage_what_bytes(f, f->path.data, f->path.len);
		if (r->windowed)
			triage_what(f, " (scanned in windows)");
		triage_emit(c, f);
	}
}

void triage_check_yara(struct triage_ctx *c)
{
	if (!c->yara || gaps(c))
		return;
	each_recovered(c, yara_recovered, NULL);
	triage_yara_regions(c);
}
