/* snapreader_data: the current member's data — chunks and holes, lines, a file of its own, JSON, SHA-256. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snapreader_int.h"

/* Holes are handed out in pieces of at most this many bytes. */
#define HOLE_CHUNK (16u << 20)

static int hash(struct snapreader *r, const void *p, size_t n)
{
	if (r->hashing && digest_update(&r->d, p, n))
		return snapreader_fail(r, -EIO, "SHA-256 failed");
	if (r->o.verify && r->m.kind == SNAP_M_MANIFEST &&
	    buf_append(&r->manifest, p, n))
		return snapreader_fail(r, -ENOMEM, "out of memory");
	return 0;
}

static int emit_hole(struct snapreader *r)
{
	static const unsigned char zeros[IO_SIZE];
	uint64_t k = r->hole_left < HOLE_CHUNK ? r->hole_left : HOLE_CHUNK, left;

	for (left = k; r->hashing && left; ) {
		size_t z = left < sizeof(zeros) ? (size_t)left : sizeof(zeros);

		if (hash(r, zeros, z))
			return r->err;
		left -= z;
	}
	r->cur.data = NULL;
	r->cur.len = (size_t)k;
	r->cur.offset = r->pos;
	r->pos += k;
	r->hole_left -= k;
	return 1;
}

static int emit_data(struct snapreader *r, const void *p, size_t n)
{
	if (hash(r, p, n))
		return r->err;
	r->cur.data = p;
	r->cur.len = n;
	r->cur.offset = r->pos;
	r->pos += n;
	return 1;
}

static int add_hole(struct snapreader *r, uint64_t n)
{
	if (n > r->o.max_holes - r->holes)
		return snapreader_fail(r, -EFBIG, "member %s: its holes add up to more than "
				       "the %llu bytes a reader hashes", r->m.name,
				       (unsigned long long)r->o.max_holes);
	r->holes += n;
	r->hole_left = n;
	return 0;
}

/*
 * The next chunk of the current member into r->cur: 1, 0 at its end.
 * Holes between the blocks of a sparse member come out as NULL chunks;
 * every byte, hole or not, is hashed exactly once, here.
 */
static int fetch(struct snapreader *r)
{
	const void *p;
	size_t n;
	la_int64_t off;
	int ar;

	for (;;) {
		if (r->data_eof)
			return 0;
		if (r->hole_left)
			return emit_hole(r);
		if (r->blk_len) {
			n = r->blk_len;
			r->blk_len = 0;
			return emit_data(r, r->blk, n);
		}
		ar = archive_read_data_block(r->a, &p, &n, &off);
		if (ar == ARCHIVE_EOF) {
			/* A sparse member may end in a hole. */
			if (r->pos < r->m.size) {
				if (add_hole(r, r->m.size - r->pos))
					return r->err;
				continue;
			}
			r->data_eof = true;
			return 0;
		}
		if (ar < ARCHIVE_WARN)
			return snapreader_archive_fail(r);
		if (off < 0 || (uint64_t)off < r->pos || (uint64_t)off > r->m.size ||
		    n > r->m.size - (uint64_t)off)
			return snapreader_fail(r, -EBADMSG, "member %s: data at offset %lld "
					       "runs outside its %llu declared bytes or back "
					       "over itself", r->m.name, (long long)off,
					       (unsigned long long)r->m.size);
		if ((uint64_t)off > r->pos) {
			if (add_hole(r, (uint64_t)off - r->pos))
				return r->err;
			r->blk = p;
			r->blk_len = n;
			continue;
		}
		if (n)
			return emit_data(r, p, n);
	}
}

static bool usable(struct snapreader *r)
{
	return !r->err && r->in_member && !r->ended;
}

int snapreader_data(struct snapreader *r, struct snap_chunk *c)
{
	int x;

	if (r->err)
		return r->err;
	if (!usable(r))
		return 0;
	if (!r->cur.len) {
		x = fetch(r);
		if (x <= 0)
			return x;
	}
	*c = r->cur;
	r->cur.len = 0;
	return 1;
}

int snapreader_getline(struct snapreader *r, size_t max, struct buf *line)
{
	int x;

	buf_reset(line);
	if (r->err)
		return r->err;
	if (!usable(r))
		return 0;
	for (;;) {
		const char *p, *nl;
		size_t take;

		if (!r->cur.len) {
			x = fetch(r);
			if (x < 0)
				return x;
			if (x == 0)
				return line->len ? 1 : 0;
		}
		if (!r->cur.data)
			return snapreader_fail(r, -EBADMSG, "member %s has holes where text "
					       "was expected", r->m.name);
		p = r->cur.data;
		nl = memchr(p, '\n', r->cur.len);
		take = nl ? (size_t)(nl - p) : r->cur.len;
		if (take > max || line->len > max - take)
			return snapreader_fail(r, -EFBIG, "member %s: a line at offset %llu is "
					       "longer than %zu bytes", r->m.name,
					       (unsigned long long)(r->cur.offset - line->len),
					       max);
		if (buf_append(line, p, take))
			return snapreader_fail(r, -ENOMEM, "out of memory");
		if (nl)
			take++;
		r->cur.data = p + take;
		r->cur.len -= take;
		r->cur.offset += take;
		if (nl)
			return 1;
	}
}

int snapreader_write_fd(struct snapreader *r, int fd, const volatile sig_atomic_t *stop,
			bool *write_err)
{
	struct snap_chunk c;
	int k;

	*write_err = false;
	while ((k = snapreader_data(r, &c)) > 0) {
		const char *p = c.data;
		uint64_t off = c.offset;
		size_t n = c.len;

		if (stop && *stop)
			return -EINTR;
		while (p && n) {
			ssize_t w = pwrite(fd, p, n, (off_t)off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				*write_err = true;
				return w < 0 ? -errno : -EIO;
			}
			p += w;
			n -= (size_t)w;
			off += (uint64_t)w;
		}
	}
	if (k < 0)
		return k;
	if (ftruncate(fd, (off_t)r->m.size) < 0) {
		*write_err = true;
		return -errno;
	}
	return 0;
}

int snapreader_slurp(struct snapreader *r, size_t max, struct buf *out)
{
	struct snap_chunk c;
	int x;

	buf_reset(out);
	if (r->err)
		return r->err;
	if (r->in_member && r->m.size > max)
		return snapreader_fail(r, -EFBIG, "member %s: %llu bytes, more than the %zu "
				       "this reader holds in memory", r->m.name,
				       (unsigned long long)r->m.size, max);
	while ((x = snapreader_data(r, &c)) > 0) {
		if (c.data)
			buf_append(out, c.data, c.len);
		else if (!buf_reserve(out, c.len)) {
			memset(out->data + out->len, 0, c.len);
			out->len += c.len;
			out->data[out->len] = '\0';
		}
		if (buf_error(out))
			return snapreader_fail(r, -ENOMEM, "out of memory");
	}
	/* out->data is never NULL on success, so callers may parse it. */
	if (!x && buf_reserve(out, 0))
		return snapreader_fail(r, -ENOMEM, "out of memory");
	return x;
}

int snapreader_parse_json_pruned(struct snapreader *r, const char *what,
				 const char *text, size_t len,
				 const struct jsonfast_prune *prune, json_t **out)
{
	json_error_t je;
	json_t *j;

	*out = NULL;
	if (r->err)
		return r->err;
	if (!r->jf_tried) {
		r->jf = jsonfast_new();
		r->jf_tried = true;
	}
	/* jansson decides (and words the error) whatever jsonfast does not:
	 * the same values either way, jansson's a few times slower. */
	j = jsonfast_load(r->jf, text, len, prune);
	if (j) {
		*out = j;
		return 0;
	}
	j = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
	if (!j)
		return snapreader_fail(r, -EBADMSG, "%s: not valid JSON (line %d, column %d: "
				       "%s)", what, je.line, je.column,
				       snapreader_quotes(r, je.text));
	if (!json_is_object(j)) {
		json_decref(j);
		return snapreader_fail(r, -EBADMSG, "%s: not a JSON object", what);
	}
	*out = j;
	return 0;
}

int snapreader_parse_json(struct snapreader *r, const char *what,
			  const char *text, size_t len, json_t **out)
{
	return snapreader_parse_json_pruned(r, what, text, len, NULL, out);
}

int snapreader_json(struct snapreader *r, size_t max, json_t **out)
{
	struct buf b = BUF_INIT;
	int x;

	*out = NULL;
	x = snapreader_slurp(r, max, &b);
	if (!x)
		x = snapreader_parse_json(r, r->m.name, b.data, b.len, out);
	buf_free(&b);
	return x;
}

int snapreader_member_sha256(struct snapreader *r, char hex[DIGEST_HEX_LEN + 1])
{
	int x;

	if (r->err)
		return r->err;
	if (!r->hashing || !r->in_member)
		return -EINVAL;
	if (!r->hex_done) {
		r->cur.len = 0;
		while ((x = fetch(r)) > 0)
			r->cur.len = 0;
		if (x < 0)
			return x;
		if (digest_end(&r->d, r->hex))
			return snapreader_fail(r, -EIO, "SHA-256 failed");
		r->hex_done = true;
	}
	memcpy(hex, r->hex, sizeof(r->hex));
	return 0;
}
