/* recover: the bytes of each deleted file, stored once per (dev, ino) however many hold it, or referenced from an earlier round. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture_int.h"

/* Counts what happened to a file's bytes. */
static void count(struct capture *c, const struct stored *s)
{
	switch (s->res.status) {
	case CONTENT_CAPTURED: c->st.recovered++; break;
	case CONTENT_TRUNCATED: c->st.recovered++; c->st.truncated++; break;
	case CONTENT_SHRUNK: c->st.recovered++; c->st.shrunk++; break;
	case CONTENT_FAILED: c->st.failed++; break;
	default: break;
	}
	if (s->res.changed)
		c->st.changed++;
	c->st.content_bytes += s->res.stored;
}

/* An earlier round of the series stored this file, unchanged since:
 * the record names its bytes there (reuse.h).  It is not opened, so no
 * lease holder or watcher sees anything. */
static void reuse_earlier(struct capture *c, struct stored *s, const struct reuse_entry *e)
{
	s->from = e;
	s->res.status = CONTENT_REUSED;
	s->res.size = e->size;
	s->res.stored = e->stored;
	s->res.data = e->data;
	s->res.regions = e->regions;
	s->res.holes_filled = e->holes_filled;
	s->res.sparse = e->sparse;
	memcpy(s->res.sha256, e->sha256, sizeof(s->res.sha256));
	c->st.reused++;
	c->st.reused_bytes += e->size;
}

/* The bytes copied into this archive, through touch.c's guard; a whole
 * copy is offered to the series' later rounds.  0 or -errno (the archive
 * failed). */
static int copy_file(struct capture *c, struct stored *s, const struct recover_src *src,
		     const struct content_guard *guard)
{
	struct timespec t;
	int rc;

	clock_gettime(CLOCK_REALTIME, &t);
	progress_file(c, src->pinfd,
		      src->st->st_size > 0 && (uint64_t)src->st->st_size < c->o.max_file_size
		      ? (uint64_t)src->st->st_size : c->o.max_file_size);
	rc = content_capture(c->w, src->pinfd, src->st, c->o.max_file_size, s->member, guard,
			     &s->res);
	progress_file_done(c, rc ? 0 : s->res.stored);
	if (rc)
		return wfail(c, rc, "%s", snapwriter_error(c->w));
	count(c, s);
	rc = reuse_offer(c->o.reuse, src->pinfd, src->st, &t, s->member, &s->res);
	if (rc)
		return wfail(c, rc, "out of memory");
	return 0;
}

/*
 * The bytes of a deleted regular file, stored once per (dev, ino) however
 * many fds or processes hold it, or referenced when an earlier round of
 * the series stored them.  Before it is opened, touch.c is asked
 * whether a lease holder or a watcher would see that.  Returns the record
 * (borrowed from the table), or NULL with *rc set when the archive itself
 * failed.
 */
struct stored *recover_file(struct capture *c, const struct recover_src *src, int *rc)
{
	const struct stat *st = src->st;
	struct stored *s = u64map_get(&c->stored, st->st_dev, st->st_ino);
	struct touch_ask ask = { c, NULL, src->pinfd, src->path, src->path_len, src->mnt_id };
	struct content_guard guard = { touch_gate, &ask };
	const struct reuse_entry *e;

	*rc = 0;
	if (s)
		return s;
	s = calloc(1, sizeof(*s));
	if (!s) {
		*rc = wfail(c, -ENOMEM, "out of memory");
		return NULL;
	}
	snprintf(s->member, sizeof(s->member), "content/%llu-%llu",
		 (unsigned long long)st->st_dev, (unsigned long long)st->st_ino);
	s->dev = st->st_dev;
	s->ino = st->st_ino;
	s->pid = src->pid;
	s->fd = src->fd;
	s->mnt_id = -1;
	ask.s = s;
	if (c->o.no_content) {
		s->res.status = CONTENT_SKIPPED;
		s->res.size = (uint64_t)st->st_size;
		s->res.why = "--no-content";
	} else if ((e = reuse_find(c->o.reuse, src->pinfd, st)) != NULL) {
		reuse_earlier(c, s, e);
	} else {
		*rc = copy_file(c, s, src, &guard);
		if (*rc) {
			recover_free(s);
			return NULL;
		}
	}
	*rc = u64map_put(&c->stored, st->st_dev, st->st_ino, s);
	if (*rc) {
		recover_free(s);
		wfail(c, *rc, "out of memory");
		return NULL;
	}
	if (s->res.opened)
		touch_opened(c, s);
	return s;
}

void recover_free(void *p)
{
	struct stored *s = p;

	if (s) {
		free(s->seen);
		free(s->path);
	}
	free(s);
}

/* The seals of a recovered memfd, asking touch.c before the open. */
int recover_seals(struct capture *c, struct stored *s, const struct recover_src *src,
		  int *seals)
{
	struct touch_ask ask = { c, s, src->pinfd, src->path, src->path_len, src->mnt_id };
	struct content_guard guard = { touch_gate, &ask };
	bool opened;
	int r = content_seals(src->pinfd, src->st, &guard, seals, &opened);

	if (opened)
		touch_opened(c, s);
	return r;
}
