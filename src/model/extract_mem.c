/* extract_mem: the captured memory regions of a snapshot written into a directory, each one verified. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "escape.h"
#include "extract_dir.h"
#include "extract_mem.h"
#include "manifest.h"
#include "snapshot.h"

/* A region met in the archive, staged under a counter name. */
struct region {
	int pid;
	uint64_t start, end;
	char member[64];              /* proc/PID/mem/START-END */
	char file[24];                /* in the staging directory */
	char hex[DIGEST_HEX_LEN + 1]; /* of the member's bytes */
	char sha[DIGEST_HEX_LEN + 1]; /* what its record says; "" when none */
	char record[48];              /* the process.json holding the record */
	char status[32];              /* escaped */
};

struct xm {
	const struct extract_mem_opts *o;
	struct extract_mem_result *res;
	struct extract_dir d;     /* DIR, its staging directory, res->message */
	struct region *r;
	size_t nr, cap;
	struct buf tmp;
};

static void problem(struct xm *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct xm *x, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	x->res->problems++;
	if (x->o->problem)
		x->o->problem(x->o->arg, msg);
}

static void on_verify(void *arg, enum verify_problem p, const char *name, const char *msg)
{
	(void)p;
	(void)name;
	problem(arg, "%s", msg);
}

static bool wanted(const struct xm *x, int pid)
{
	size_t i;

	for (i = 0; i < x->o->npids; i++)
		if (x->o->pids[i] == pid)
			return true;
	return !x->o->npids;
}

static bool stopped(const struct xm *x)
{
	return x->o->stop && *x->o->stop;
}

/* The member's bytes into a new staging file: holes not written. */
static int stage(struct xm *x, struct snapreader *r, const struct snap_member *m)
{
	struct region *g;
	bool write_err;
	int fd, k;

	if (x->nr == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 16;
		struct region *v = realloc(x->r, cap * sizeof(*v));

		if (!v)
			return extract_dir_fail(&x->d, -ENOMEM, "out of memory");
		x->r = v;
		x->cap = cap;
	}
	g = &x->r[x->nr];
	memset(g, 0, sizeof(*g));
	g->pid = m->pid;
	g->start = m->start;
	g->end = m->end;
	snprintf(g->member, sizeof(g->member), "%s", m->name);
	snprintf(g->file, sizeof(g->file), "%zu", x->nr);
	fd = openat(x->d.stagefd, g->file,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return extract_dir_fail(&x->d, -errno, "cannot create a file in %s/%s: %s",
					x->o->dir, x->d.stage, strerror(errno));
	x->nr++;
	k = snapreader_write_fd(r, fd, x->o->stop, &write_err);
	if (write_err)
		k = extract_dir_fail(&x->d, k, "cannot write to %s/%s: %s", x->o->dir, x->d.stage,
				     strerror(-k));
	if (close(fd) < 0 && !k)
		k = extract_dir_fail(&x->d, -errno, "cannot write to %s/%s: %s", x->o->dir,
				     x->d.stage, strerror(errno));
	if (!k)
		k = snapreader_member_sha256(r, g->hex);
	if (k == -EINTR)
		return extract_dir_fail(&x->d, k, "interrupted");
	return k ? extract_dir_fail(&x->d, k, "%s", snapreader_error(r)) : 0;
}

/* The record's status, escaped, for the report. */
static void status(struct xm *x, const json_t *rec, struct region *g)
{
	buf_reset(&x->tmp);
	if (snapshot_bytes(rec, "status", &x->tmp) == 1) {
		struct buf e = BUF_INIT;

		escape_text(&e, x->tmp.data, x->tmp.len);
		snprintf(g->status, sizeof(g->status), "%s", e.data ? e.data : "");
		buf_free(&e);
	}
}

/* process.json: each stored region's recorded sha256 and status. */
static void records(struct xm *x, const json_t *p, const char *name)
{
	const json_t *rec;
	size_t i, k;

	json_array_foreach(json_object_get(p, "memory"), i, rec) {
		const char *member = snapshot_str(rec, "member"), *sha = snapshot_str(rec, "sha256");

		for (k = 0; member && k < x->nr; k++) {
			struct region *g = &x->r[k];

			if (strcmp(g->member, member) != 0 || g->record[0])
				continue;
			snprintf(g->sha, sizeof(g->sha), "%s", sha && strlen(sha) == DIGEST_HEX_LEN
							      ? sha : "");
			snprintf(g->record, sizeof(g->record), "%s", name);
			status(x, rec, g);
			break;
		}
	}
}

/* A staged region, checked, gets its name: DIR/PID/mem/START-END. */
static int place(struct xm *x, const struct manifest *v, const struct region *g)
{
	const char *expect = manifest_expected(v, g->member);
	char path[96], name[48];
	int pd, md, k = 0;

	snprintf(name, sizeof(name), "%llx-%llx", (unsigned long long)g->start,
		 (unsigned long long)g->end);
	snprintf(path, sizeof(path), "%d/mem/%s", g->pid, name);
	if (!manifest_member_ok(v, g->member) || !expect || strcmp(expect, g->hex) != 0) {
		problem(x, "%s: %s hashes to %s, the manifest %s%s; not extracted", path,
			g->member, g->hex, expect ? "lists " : "does not list it",
			expect ? expect : "");
		return 0;
	}
	if (!g->record[0] || strcmp(g->sha, g->hex) != 0) {
		problem(x, "%s: %s hashes to %s, but %s; not extracted", path, g->member, g->hex,
			g->record[0] ? "its record says otherwise" : "no process.json records it");
		return 0;
	}
	if (!manifest_member_ok(v, g->record)) {
		problem(x, "%s: its record, %s, does not match the manifest; not extracted", path,
			g->record);
		return 0;
	}
	snprintf(path, sizeof(path), "%d", g->pid);
	pd = extract_dir_sub(x->d.fd, path);
	md = pd < 0 ? pd : extract_dir_sub(pd, "mem");
	snprintf(path, sizeof(path), "%d/mem/%s", g->pid, name);
	if (md < 0)
		k = extract_dir_fail(&x->d, md, "cannot make %s/%d/mem: %s", x->o->dir, g->pid,
				     strerror(-md));
	else if (renameat2(x->d.stagefd, g->file, md, name, RENAME_NOREPLACE) < 0)
		k = extract_dir_fail(&x->d, -errno, "cannot place %s/%s: %s", x->o->dir, path,
				     extract_dir_strerror(errno));
	if (pd >= 0)
		close(pd);
	if (md >= 0)
		close(md);
	if (k)
		return k;
	x->res->files++;
	x->res->bytes += g->end - g->start;
	if (x->o->file) {
		struct extract_mem_file f = {
			.path = path, .pid = g->pid, .start = g->start, .end = g->end,
			.sha256 = g->hex, .member = g->member, .status = g->status,
		};

		x->o->file(x->o->arg, &f);
	}
	return 0;
}

/* The staging directory and what is left in it, removed. */
static void cleanup(struct xm *x)
{
	size_t i;

	if (x->d.stagefd >= 0)
		for (i = 0; i < x->nr; i++)
			unlinkat(x->d.stagefd, x->r[i].file, 0);
	extract_dir_close(&x->d);
	free(x->r);
	buf_free(&x->tmp);
}

int extract_mem_run(const char *archive, const struct extract_mem_opts *o,
		    struct extract_mem_result *res)
{
	struct xm x = { .o = o, .res = res, .d = EXTRACT_DIR_INIT(o->dir, res->message) };
	struct snapshot_opts so = { .memory = true };
	struct snapshot *s = NULL;
	struct snapshot_item it;
	size_t i;
	int k;

	memset(res, 0, sizeof(*res));
	so.reader.verify = true;
	so.reader.problem = on_verify;
	so.reader.arg = &x;
	k = extract_dir_open(&x.d);
	if (!k)
		k = extract_dir_stage(&x.d);
	if (!k)
		k = snapshot_open(&s, archive, &so);
	while (!k && (k = snapshot_next(s, &it)) > 0) {
		k = 0;
		if (stopped(&x))
			k = extract_dir_fail(&x.d, -EINTR, "interrupted");
		else if (it.kind == SNAPSHOT_MEMORY && wanted(&x, it.pid))
			k = stage(&x, snapshot_reader(s), it.member);
		else if (it.kind == SNAPSHOT_PROCESS && wanted(&x, it.pid))
			records(&x, it.json, it.member->name);
	}
	if (k < 0)
		extract_dir_fail(&x.d, k, "%s", s ? snapshot_error(s) : "out of memory");
	for (i = 0; !k && i < x.nr; i++)
		k = place(&x, snapreader_verify(snapshot_reader(s)), &x.r[i]);
	snapshot_free(s);
	cleanup(&x);
	return k;
}
