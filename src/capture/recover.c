/* recover: the bytes of each deleted file, stored once per (dev, ino) however many hold it, or referenced from an earlier round. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture_int.h"

/*
 * The bytes of a deleted regular file, stored once per (dev, ino) however
 * many fds or processes hold it.  Returns the record (borrowed from the
 * table), or NULL with *rc set when the archive itself failed.
 */
/* An earlier round of the series stored this file, unchanged since:
 * the record names its bytes there (reuse.h). */
static void reuse_earlier(struct capture *c, struct stored *s, const struct reuse_entry *e)
{
	s->from = e;
	s->res.status = CONTENT_REUSED;
	s->res.size = e->size;
	s->res.stored = e->stored;
	s->res.data = e->data;
	s->res.sparse = e->sparse;
	memcpy(s->res.sha256, e->sha256, sizeof(s->res.sha256));
	c->st.reused++;
	c->st.reused_bytes += e->size;
}

/* The bytes copied into this archive; a whole copy is offered to the
 * series' later rounds.  0 or -errno (the archive failed). */
static int copy_file(struct capture *c, struct stored *s, int pinfd, const struct stat *st)
{
	struct timespec t;
	int rc;

	clock_gettime(CLOCK_REALTIME, &t);
	rc = content_capture(c->w, pinfd, st, c->o.max_file_size, s->member, &s->res);
	if (rc)
		return wfail(c, rc, "%s", snapwriter_error(c->w));
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
	if (c->o.reuse && s->res.status == CONTENT_CAPTURED && !s->res.changed) {
		rc = reuse_offer(c->o.reuse, pinfd, st, &t, s->member, s->res.sha256,
				 s->res.stored, s->res.data, s->res.sparse);
		if (rc)
			return wfail(c, rc, "out of memory");
	}
	return 0;
}

/*
 * The bytes of a deleted regular file, stored once per (dev, ino) however
 * many fds or processes hold it, or referenced when an earlier round of
 * the series stored them.  Returns the record (borrowed from the table),
 * or NULL with *rc set when the archive itself failed.
 */
const struct stored *recover_file(struct capture *c, int pinfd,
				    const struct stat *st, int *rc)
{
	struct stored *s = u64map_get(&c->stored, st->st_dev, st->st_ino);
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
	if (c->o.no_content) {
		s->res.status = CONTENT_SKIPPED;
		s->res.size = (uint64_t)st->st_size;
		s->res.why = "--no-content";
	} else if ((e = reuse_find(c->o.reuse, pinfd, st)) != NULL) {
		reuse_earlier(c, s, e);
	} else {
		*rc = copy_file(c, s, pinfd, st);
		if (*rc) {
			free(s);
			return NULL;
		}
	}
	*rc = u64map_put(&c->stored, st->st_dev, st->st_ino, s);
	if (*rc) {
		free(s);
		wfail(c, *rc, "out of memory");
		return NULL;
	}
	return s;
}

void recover_free(void *p)
{
	free(p);
}
