/* diff_change: a change record — the noise list, counting, one field compared into one. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "diff_int.h"
#include "snapshot.h"

/*
 * Noise: what changes on every read of a live process, so a diff of two
 * captures a minute apart would drown in it.  The single list; --all shows
 * them.  Context switches are only in the raw status member, never
 * compared.
 */
static const char *const noise[] = {
	"utime", "stime",              /* stat(5) fields 14-15: CPU ticks */
	"vsize", "rss_pages",          /* memory moves with every allocation */
	"threads",                     /* worker threads come and go */
	"fd_count", "deleted_fds",     /* counts: the fd lines say what changed */
	/* The offset of a file being read or written, and its size and times
	 * (a log being appended to). */
	"fd.pos", "fd.stat.size", "fd.stat.blocks", "fd.stat.atime", "fd.stat.mtime",
	"fd.stat.ctime",
	NULL,
};

const char *const *diff_noise(void)
{
	return noise;
}

bool diff_is_noise(const char *field)
{
	const char *const *n;

	for (n = noise; *n; n++)
		if (strcmp(*n, field) == 0)
			return true;
	return false;
}

bool diff_count(struct diff_summary *s, const struct diff_change *c)
{
	bool first = c->in != DIFF_IN_HOST && (c->pid != s->last_pid || c->in != s->last_in);

	s->last_pid = c->pid;
	s->last_in = c->in;
	s->changes++;
	if (first && c->in == DIFF_IN_CHANGED)
		s->changed++;
	switch (c->kind) {
	case DIFF_HOST:
		s->host++;
		if (strcmp(c->field, "boot_id") == 0)
			s->rebooted = true;
		if (strcmp(c->field, "hostname") == 0 && s->rebooted)
			s->other_host = true;
		break;
	case DIFF_STARTED: s->started++; break;
	case DIFF_EXITED: s->exited++; break;
	case DIFF_FIELD: s->fields++; break;
	case DIFF_FD:
		if (!c->before)
			s->fds_opened++;
		else if (!c->after)
			s->fds_closed++;
		else
			s->fds_changed++;
		break;
	case DIFF_DELETED: s->deleted++; break;
	case DIFF_SOCKET:
		if (!c->before)
			s->sockets_appeared++;
		else if (!c->after)
			s->sockets_gone++;
		else
			s->sockets_changed++;
		break;
	case DIFF_LISTEN: s->listening++; break;
	}
	return first;
}

int diff_emit(struct diff_ctx *c, enum diff_kind k, int fd, const char *field,
	      const json_t *before, const json_t *after,
	      const json_t *before_b64, const json_t *after_b64)
{
	struct diff_change ch = {
		.kind = k, .in = c->in, .pid = c->pid, .fd = fd,
		.tid = fd >= 0 ? c->tid : 0, .proc = c->proc,
		.field = field, .before = before, .after = after,
		.before_b64 = before_b64, .after_b64 = after_b64,
		.fd_before = c->fa, .fd_after = c->fb,
	};

	if (!c->o->all && diff_is_noise(field))
		return 0;
	return c->fn(&ch, c->arg);
}

const json_t *diff_get(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	return json_is_null(v) ? NULL : v;
}

const json_t *diff_b64_of(const json_t *o, const char *k)
{
	char key[128];

	snprintf(key, sizeof(key), "%s_b64", k);
	return json_object_get(o, key);
}

/* True when rec's "errors" lists item: a value it lacks was unreadable. */
bool diff_unread(const json_t *rec, const char *item)
{
	const json_t *errs = json_object_get(rec, "errors");
	size_t i;

	for (i = 0; i < json_array_size(errs); i++) {
		const char *w = snapshot_str(json_array_get(errs, i), "what");

		if (w && strcmp(w, item) == 0)
			return true;
	}
	return false;
}

/* Exact bytes of a[k] and b[k]: 1 equal, 0 different, -errno. */
int diff_same_bytes(struct diff_ctx *c, const json_t *a, const json_t *b, const char *k)
{
	int ra = snapshot_bytes(a, k, &c->x), rb = snapshot_bytes(b, k, &c->y);

	if (ra < 0 || rb < 0)
		return ra < 0 ? ra : rb;
	if (ra != rb)
		return 0;
	return ra == 0 || (c->x.len == c->y.len && memcmp(c->x.data, c->y.data, c->x.len) == 0);
}

/* The same for a string array (argv with its argv_b64). */
static int same_array_bytes(struct diff_ctx *c, const json_t *a, const json_t *b,
			    const char *k)
{
	size_t i, n = json_array_size(json_object_get(a, k));
	int ra, rb;

	if (n != json_array_size(json_object_get(b, k)))
		return 0;
	for (i = 0; i < n; i++) {
		ra = snapshot_array_bytes(a, k, i, &c->x);
		rb = snapshot_array_bytes(b, k, i, &c->y);
		if (ra < 0 || rb < 0)
			return ra < 0 ? ra : rb;
		if (ra != rb || (ra && (c->x.len != c->y.len ||
					memcmp(c->x.data, c->y.data, c->x.len) != 0)))
			return 0;
	}
	return 1;
}

/*
 * A field of two records of the same process.  item: what the record's
 * "errors" call it when it could not be read.
 */
int diff_field(struct diff_ctx *c, const json_t *a, const json_t *b, const char *k,
	       const char *name, const char *item, enum diff_ftype t, enum diff_kind kind,
	       int fd)
{
	const json_t *va = diff_get(a, k), *vb = diff_get(b, k);
	int same;

	if ((!va && diff_unread(a, item)) || (!vb && diff_unread(b, item)))
		return 0;
	if (!c->o->all && diff_is_noise(name))
		return 0;
	if (t == DIFF_F_BYTES)
		same = diff_same_bytes(c, a, b, k);
	else if (t == DIFF_F_ARGV)
		same = same_array_bytes(c, a, b, k);
	else
		same = (!va && !vb) || (va && vb && json_equal(va, vb));
	if (same < 0)
		return same;
	if (same)
		return 0;
	return diff_emit(c, kind, fd, name, va, vb,
			 t == DIFF_F_VALUE ? NULL : diff_b64_of(a, k),
			 t == DIFF_F_VALUE ? NULL : diff_b64_of(b, k));
}

void diff_copy(json_t *to, const char *tk, const json_t *from, const char *k)
{
	const json_t *v = json_object_get(from, k);

	if (v)
		json_object_set_new(to, tk, json_deep_copy(v));
}
