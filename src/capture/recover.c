/* recover: the bytes of each deleted file, stored once per (dev, ino) however many hold it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

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

/*
 * The bytes of a deleted regular file, stored once per (dev, ino) however
 * many fds or processes hold it.  Before it is opened, touch.c is asked
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
	} else {
		progress_file(c, src->pinfd, st->st_size > 0 && (uint64_t)st->st_size < c->o.max_file_size
					? (uint64_t)st->st_size : c->o.max_file_size);
		*rc = content_capture(c->w, src->pinfd, st, c->o.max_file_size,
				      s->member, &guard, &s->res);
		progress_file_done(c, *rc ? 0 : s->res.stored);
		if (*rc) {
			wfail(c, *rc, "%s", snapwriter_error(c->w));
			recover_free(s);
			return NULL;
		}
		count(c, s);
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
