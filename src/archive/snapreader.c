/* snapreader: streaming reader of one untrusted snapshot archive, member by member. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snapreader_int.h"

static void report_unknown(struct snapreader *r)
{
	char msg[SNAPREADER_MAX_NAME + 96];

	r->problems++;
	snprintf(msg, sizeof(msg), "unknown member %s: no member of the snapshot "
		 "format has this name", r->m.name);
	if (r->o.problem)
		r->o.problem(r->o.arg, VERIFY_UNKNOWN, r->m.name, msg);
}

/* A member begins: nothing of it fetched or hashed yet. */
static int begin_member(struct snapreader *r)
{
	r->in_member = true;
	r->data_eof = false;
	r->pos = r->holes = r->hole_left = 0;
	r->blk_len = 0;
	r->cur.len = 0;
	r->hex_done = false;
	if (r->hashing && digest_begin(&r->d))
		return snapreader_fail(r, -ENOMEM, "out of memory");
	if (r->m.kind == SNAP_M_MANIFEST) {
		r->seen_manifest = true;
		buf_reset(&r->manifest);
	}
	r->count++;
	if (r->m.kind == SNAP_M_UNKNOWN)
		report_unknown(r);
	return 1;
}

/* The next header: 1 with r->m set, 0 at the end of the archive. */
static int read_header(struct snapreader *r)
{
	struct archive_entry *e;
	int ar, x;

	ar = archive_read_next_header(r->a, &e);
	if (ar == ARCHIVE_EOF)
		return 0;
	if (ar < ARCHIVE_WARN)
		return snapreader_archive_fail(r);
	/* ARCHIVE_WARN (a pax attribute libarchive ignored, a name it could
	 * not convert) goes on: the name and type checks decide. */
	x = snapreader_member_name(r, e);
	if (!x)
		x = snapreader_member_check(r, e);
	return x ? x : begin_member(r);
}

/* Leaves the current member: its data skipped or hashed through. */
static int end_member(struct snapreader *r)
{
	char hex[DIGEST_HEX_LEN + 1];
	int x;

	if (!r->in_member)
		return 0;
	if (r->hashing) {
		x = snapreader_member_sha256(r, hex);
		if (x)
			return x;
		/* The manifest does not list itself. */
		if (r->v && r->m.kind != SNAP_M_MANIFEST && manifest_add(r->v, r->m.name, hex))
			return snapreader_fail(r, -ENOMEM, "out of memory");
	} else if (!r->data_eof) {
		if (archive_read_data_skip(r->a) < ARCHIVE_WARN)
			return snapreader_archive_fail(r);
	}
	snprintf(r->last, sizeof(r->last), "%s", r->m.name);
	r->in_member = false;
	return 0;
}

/* The end of the tar stream: is the archive complete? */
static int end_archive(struct snapreader *r)
{
	long p;
	int x;

	snapreader_input_drain(r);
	if (r->io_err)
		return snapreader_archive_fail(r);
	if (!r->seen_manifest)
		return snapreader_fail(r, -EBADMSG, "incomplete archive: it ends after member "
				       "%s without MANIFEST.sha256 (missing manifest: the "
				       "capture was interrupted, or the archive was cut short)",
				       r->last);
	x = snapreader_input_check_end(r);
	if (x)
		return x;
	if (r->v) {
		if (manifest_parse(r->v, r->manifest.data ? r->manifest.data : "",
				   r->manifest.len))
			return snapreader_fail(r, -ENOMEM, "out of memory");
		p = manifest_check(r->v, r->o.problem, r->o.arg);
		if (p < 0)
			return snapreader_fail(r, -ENOMEM, "out of memory");
		r->problems += (unsigned long)p;
	}
	r->ended = true;
	return 0;
}

int snapreader_next(struct snapreader *r, const struct snap_member **m)
{
	int x;

	if (r->err)
		return r->err;
	if (r->ended)
		return 0;
	if (r->format_pending) {
		r->format_pending = false;
		*m = &r->m;
		return 1;
	}
	x = end_member(r);
	if (x)
		return x;
	x = read_header(r);
	if (x < 0)
		return x;
	if (x == 0)
		return end_archive(r);
	*m = &r->m;
	return 1;
}

int snapreader_finish(struct snapreader *r)
{
	const struct snap_member *m;
	int x;

	while ((x = snapreader_next(r, &m)) > 0)
		;
	return x;
}

/* format.json: {"format":"procsnap","version":1,"top":"TOP"}. */
static int check_format(struct snapreader *r)
{
	json_t *f, *v, *t;
	int x;

	x = snapreader_json(r, SNAPREADER_MAX_FORMAT, &r->format);
	if (x)
		return x;
	f = json_object_get(r->format, "format");
	v = json_object_get(r->format, "version");
	t = json_object_get(r->format, "top");
	if (!json_is_string(f) || strcmp(json_string_value(f), "procsnap") != 0)
		return snapreader_fail(r, -EBADMSG, "not a procsnap snapshot: format.json does "
				       "not say \"format\": \"procsnap\"");
	if (!json_is_integer(v))
		return snapreader_fail(r, -EBADMSG, "format.json has no integer \"version\"");
	if (json_integer_value(v) != SNAPREADER_VERSION)
		return snapreader_fail(r, -EPROTONOSUPPORT, "archive format version %lld is "
				       "not supported: this snapread reads version %d only",
				       (long long)json_integer_value(v), SNAPREADER_VERSION);
	if (!json_is_string(t) || strcmp(json_string_value(t), r->top) != 0)
		return snapreader_fail(r, -EBADMSG, "format.json names a top directory other "
				       "than %s, where its members are", r->top);
	return 0;
}

int snapreader_open(struct snapreader **out, const char *path,
		    const struct snapreader_opts *opts)
{
	struct snapreader *r = calloc(1, sizeof(*r));
	int x;

	*out = r;
	if (!r)
		return -ENOMEM;
	r->fd = -1;
	if (opts)
		r->o = *opts;
	if (!r->o.max_holes)
		r->o.max_holes = SNAPREADER_MAX_HOLES;
	r->hashing = r->o.hash || r->o.verify;
	r->io = malloc(IO_SIZE);
	if (!r->io || digest_begin(&r->file_d) || (r->o.verify && manifest_new(&r->v)))
		return snapreader_fail(r, -ENOMEM, "out of memory");
	x = snapreader_input_open(r, path);
	if (x)
		return x;
	x = read_header(r);
	if (x < 0)
		return x;
	if (x == 0)
		return snapreader_fail(r, -EBADMSG, "empty archive: no format.json");
	x = check_format(r);
	if (x)
		return x;
	r->format_pending = true;
	return 0;
}

const char *snapreader_top(const struct snapreader *r)
{
	return r->top;
}

const json_t *snapreader_format(const struct snapreader *r)
{
	return r->format;
}

uint64_t snapreader_members(const struct snapreader *r)
{
	return r->count;
}

unsigned long snapreader_problems(const struct snapreader *r)
{
	return r->problems;
}

const struct manifest *snapreader_verify(const struct snapreader *r)
{
	return r->v;
}

void snapreader_free(struct snapreader *r)
{
	if (!r)
		return;
	if (r->a)
		archive_read_free(r->a);
	if (r->own_fd && r->fd >= 0)
		close(r->fd);
	digest_free(&r->file_d);
	digest_free(&r->d);
	json_decref(r->format);
	manifest_free(r->v);
	buf_free(&r->manifest);
	buf_free(&r->q);
	jsonfast_free(r->jf);
	free(r->io);
	free(r);
}
