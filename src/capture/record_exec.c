/* record_exec: process.json "exec_files" — every file a process runs, with its SHA-256 or why it has none. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture_int.h"
#include "procfs.h"

/* The words of "unhashed" for an errno (docs/FORMAT.md, exec_files). */
static const char *why_of(int err)
{
	int e = err < 0 ? -err : err;

	if (e == EACCES || e == EPERM)
		return "denied";
	if (e == ENOENT || e == ESRCH)
		return "vanished";
	if (e == ETIMEDOUT || e == ECANCELED)
		return "timed-out";
	return "io-error";
}

static void unhashed(struct exec_result *res, const char *why, int err, const char *reason)
{
	res->sha256[0] = '\0';
	res->unhashed = why;
	res->err = err;
	res->reason = reason;
}

/*
 * Who would notice the file opened (touch.c): a deleted file's record of
 * recovery when there is one (one decision, one entry in summary.json's
 * touched), else a record of its own.  NULL: no memory.
 */
static struct stored *guard_of(struct capture *c, struct batch *b, const struct exec_item *it,
			       bool deleted)
{
	const struct stat *st = &it->st;
	struct stored *s = deleted ? u64map_get(&c->stored, st->st_dev, st->st_ino) : NULL;

	if (!s)
		s = u64map_get(&c->exec_guards, st->st_dev, st->st_ino);
	if (s)
		return s;
	s = calloc(1, sizeof(*s));
	if (!s || !(s->path = malloc(it->path.len + 1))) {
		free(s);
		return NULL;
	}
	memcpy(s->path, batch_text(b, &it->path), it->path.len);
	s->path[it->path.len] = '\0';
	s->path_len = it->path.len;
	s->live = !deleted;
	s->dev = st->st_dev;
	s->ino = st->st_ino;
	s->pid = b->pid;
	s->fd = -1;
	s->mnt_id = -1;
	if (u64map_put(&c->exec_guards, st->st_dev, st->st_ino, s)) {
		recover_free(s);
		return NULL;
	}
	return s;
}

/* Reads the pinned file through the guard and hashes it.  0 with *res,
 * or -errno when the capture must end. */
static int hash_pinned(struct capture *c, struct batch *b, const struct exec_item *it,
		       bool deleted, struct exec_result *res)
{
	struct stored *g = guard_of(c, b, it, deleted);
	struct touch_ask ask = { c, g, it->pinfd, batch_text(b, &it->path), it->path.len, -1 };
	struct content_result cr = { .status = CONTENT_NONE };
	enum content_gate gate;
	struct hash_read hr;
	int r;

	if (!g)
		return wfail(c, -ENOMEM, "out of memory");
	res->guard = g;
	gate = touch_gate(&ask, &it->st, &cr);
	if (gate == CONTENT_GATE_REFUSE) {
		if (!g->member[0]) /* its own record: summary.json says why */
			g->res.why = cr.why;
		unhashed(res, "skipped", 0, cr.why);
		return 0;
	}
	r = exec_read(c, it->pinfd, gate, &it->st, &hr);
	if (r)
		return wfail(c, r, r == -EINTR ? "interrupted" : "out of memory");
	if (hr.opened)
		touch_opened(c, g);
	c->st.exec_hash_bytes += hr.bytes;
	if (hr.err)
		unhashed(res, why_of(hr.err), hr.err, NULL);
	else if (hr.changed || hr.short_read)
		unhashed(res, "changed", 0, NULL);
	else
		memcpy(res->sha256, hr.sha256, sizeof(res->sha256));
	return 0;
}

/*
 * What is known of the item's file: from the cache, from a deleted file's
 * recovered bytes, from the bounds, or by reading it (when this process
 * pinned it).  *cache says whether the result is the file's for the
 * whole capture.  0, or -errno when the capture must end.
 */
static int resolve(struct capture *c, struct batch *b, const struct exec_item *it,
		   struct exec_result *res, bool *cache)
{
	const struct stat *st = &it->st;
	bool deleted = S_ISREG(st->st_mode) && st->st_nlink == 0;
	struct stored *s = deleted ? u64map_get(&c->stored, st->st_dev, st->st_ino) : NULL;

	*cache = true;
	if (s && s->res.status == CONTENT_CAPTURED && !s->res.changed && s->res.sha256[0] &&
	    s->res.stored == (uint64_t)st->st_size) {
		/* The whole file was recovered: its member's digest is the
		 * file's (holes hashed as zeros, as read(2) gives them). */
		memcpy(res->sha256, s->res.sha256, sizeof(res->sha256));
		res->guard = s;
		return 0;
	}
	if (s && s->gated && !s->opened && s->res.status == CONTENT_SKIPPED) {
		unhashed(res, "skipped", 0, s->res.why); /* a lease or a watcher */
		res->guard = s;
	} else if (c->o.no_hash) {
		unhashed(res, "skipped", 0, "--no-hash");
	} else if (!S_ISREG(st->st_mode)) {
		unhashed(res, "skipped", 0, "not a regular file");
	} else if ((uint64_t)st->st_size > c->o.hash_max_size) {
		unhashed(res, "too-large", 0, NULL);
	} else if (it->pinfd >= 0) {
		return hash_pinned(c, b, it, deleted, res);
	} else {
		/* Not pinned by this process, and no lower pid's result: the
		 * pin failed.  Another process may still read it. */
		*cache = false;
		unhashed(res, why_of(it->err ? it->err : -EIO), it->err ? it->err : -EIO,
			 it->err ? NULL : "not pinned");
	}
	return 0;
}

static void count(struct capture *c, const struct exec_result *res)
{
	if (res->sha256[0])
		c->st.exec_hashed++;
	else
		c->st.exec_unhashed++;
}

static void put_entry(struct capture *c, struct batch *b, const struct exec_item *it,
		      const struct exec_result *res)
{
	struct jsonw *j = &c->j;

	jsonw_open(j, NULL);
	jsonw_str(j, "kind", it->exe ? "exe" : "lib");
	jsonw_bytes(j, "path", batch_text(b, &it->path), it->path.len);
	if (it->have_stat) {
		jsonw_uint(j, "dev", (uint64_t)it->st.st_dev);
		jsonw_uint(j, "ino", (uint64_t)it->st.st_ino);
		jsonw_int(j, "size", (int64_t)it->st.st_size);
		jsonw_bool(j, "deleted", S_ISREG(it->st.st_mode) && it->st.st_nlink == 0);
		/* The whole stat, times and btime with them, as an fd's: a
		 * timeline places every file mapped, deleted or not. */
		record_stat(c, j, &it->st, &it->btime);
	}
	if (res->sha256[0]) {
		jsonw_str(j, "sha256", res->sha256);
	} else {
		jsonw_str(j, "unhashed", res->unhashed);
		if (res->err)
			jsonw_str(j, "errno", procfs_errname(res->err));
	}
	if (res->reason)
		jsonw_str(j, "reason", res->reason);
	if (res->guard)
		touch_record_content(c, j, res->guard);
	jsonw_close(j);
}

int record_exec(struct capture *c, struct batch *b)
{
	struct proc_item *p = &b->proc;
	struct jsonw *j = &c->j;
	size_t i;
	int r;

	if (!p->execs_scanned)
		return 0;
	jsonw_aopen(j, "exec_files");
	for (i = 0; i < b->nexecs; i++) {
		struct exec_item *it = &b->execs[i];
		struct exec_result res = { .unhashed = NULL };
		bool cache = false;

		if (!it->have_stat) {
			unhashed(&res, why_of(it->err), it->err, NULL);
			count(c, &res);
		} else if (!exec_cache_get(c->exec, &it->st, &res)) {
			r = resolve(c, b, it, &res, &cache);
			if (r)
				return r;
			r = cache ? exec_cache_set(c->exec, &it->st, &res) : 1;
			if (r < 0)
				return wfail(c, r, "out of memory");
			if (r)
				count(c, &res);
		}
		if (it->pinfd >= 0) {
			close(it->pinfd);
			it->pinfd = -1;
		}
		put_entry(c, b, it, &res);
	}
	jsonw_aclose(j);
	if (p->execs_dropped)
		record_error(c, &c->errs, "exec_files: more than 1024, the rest not recorded",
			     -E2BIG);
	return 0;
}
