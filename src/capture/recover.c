/* recover: the bytes of each deleted file, stored once per (dev, ino) however many hold it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "capture_int.h"

/*
 * The bytes of a deleted regular file, stored once per (dev, ino) however
 * many fds or processes hold it.  Returns the record (borrowed from the
 * table), or NULL with *rc set when the archive itself failed.
 */
const struct stored *recover_file(struct capture *c, int pinfd,
				    const struct stat *st, int *rc)
{
	struct stored *s = u64map_get(&c->stored, st->st_dev, st->st_ino);

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
	} else {
		progress_file(c, pinfd, st->st_size > 0 && (uint64_t)st->st_size < c->o.max_file_size
					? (uint64_t)st->st_size : c->o.max_file_size);
		*rc = content_capture(c->w, pinfd, st, c->o.max_file_size,
				      s->member, &s->res);
		progress_file_done(c, *rc ? 0 : s->res.stored);
		if (*rc) {
			wfail(c, *rc, "%s", snapwriter_error(c->w));
			free(s);
			return NULL;
		}
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
