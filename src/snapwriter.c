/* snapwriter: the archive writer; every member is hashed into the manifest. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "snapwriter.h"

struct snapwriter {
	struct archive *a;
	struct archive_entry *entry;
	char *top;
	time_t mtime;
	struct buf manifest; /* "<sha256>  <name>\n" per member, in order */
	struct digest d;
	char name[512];      /* the member being streamed */
	uint64_t remaining;  /* bytes still owed to the streamed member */
	int open_member;
	uint64_t bytes;
	int closed;
	char err[512];
};

static const struct {
	const char *name, *suffix;
} compressions[] = {
	[SNAP_COMPRESS_GZIP] = { "gzip", ".tar.gz" },
	[SNAP_COMPRESS_ZSTD] = { "zstd", ".tar.zst" },
	[SNAP_COMPRESS_NONE] = { "none", ".tar" },
};

const char *snapwriter_compress_name(enum snap_compress c)
{
	return compressions[c].name;
}

const char *snapwriter_suffix(enum snap_compress c)
{
	return compressions[c].suffix;
}

int snapwriter_parse_compress(const char *s, enum snap_compress *c)
{
	size_t i;

	for (i = 0; i < sizeof(compressions) / sizeof(*compressions); i++)
		if (strcmp(s, compressions[i].name) == 0) {
			*c = (enum snap_compress)i;
			return 0;
		}
	return -EINVAL;
}

static int fail(struct snapwriter *w, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct snapwriter *w, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->err, sizeof(w->err), fmt, ap);
	va_end(ap);
	return err < 0 ? err : -EIO;
}

/*
 * Like bsdtar: ARCHIVE_WARN is noted and work goes on; anything worse is
 * fatal, with libarchive's own message and errno.
 */
/* libarchive's message, with the errno's text when it has one ("Write
 * error" alone does not tell a responder that the disk is full). */
static int archive_failed(struct snapwriter *w, const char *what)
{
	const char *msg = archive_error_string(w->a);
	int e = archive_errno(w->a);

	if (e > 0)
		return fail(w, -e, "%s: %s (%s)", what, msg ? msg : "archive error",
			    strerror(e));
	return fail(w, -EIO, "%s: %s", what, msg ? msg : "archive error");
}

static int check(struct snapwriter *w, int ar, const char *what)
{
	if (ar == ARCHIVE_OK)
		return 0;
	if (ar == ARCHIVE_WARN) {
		snprintf(w->err, sizeof(w->err), "%s: %s", what,
			 archive_error_string(w->a) ? archive_error_string(w->a) : "warning");
		return 0;
	}
	return archive_failed(w, what);
}

int snapwriter_open(struct snapwriter **out, int fd, enum snap_compress c,
		    const char *topdir, time_t mtime)
{
	struct snapwriter *w;
	int r;

	*out = w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->mtime = mtime;
	w->top = strdup(topdir);
	w->a = archive_write_new();
	w->entry = archive_entry_new();
	if (!w->top || !w->a || !w->entry)
		return fail(w, -ENOMEM, "out of memory");
	r = check(w, archive_write_set_format_pax(w->a), "pax format");
	if (r)
		return r;
	switch (c) {
	case SNAP_COMPRESS_GZIP:
		r = check(w, archive_write_add_filter_gzip(w->a), "gzip");
		/* Level 1: a responder wants the capture over quickly; see
		 * README "Compression" and docs/PERFORMANCE.md. */
		if (!r)
			r = check(w, archive_write_set_filter_option(w->a, "gzip",
					"compression-level", "1"), "gzip level");
		break;
	case SNAP_COMPRESS_ZSTD:
		r = check(w, archive_write_add_filter_zstd(w->a), "zstd");
		if (!r)
			r = check(w, archive_write_set_filter_option(w->a, "zstd",
					"compression-level", "3"), "zstd level");
		break;
	case SNAP_COMPRESS_NONE:
		r = check(w, archive_write_add_filter_none(w->a), "no filter");
		break;
	}
	if (r)
		return r;
	/* No padding of the last block to 10240 bytes on a plain tar. */
	archive_write_set_bytes_in_last_block(w->a, 1);
	return check(w, archive_write_open_fd(w->a, fd), "open output");
}

int snapwriter_begin(struct snapwriter *w, const char *name, uint64_t size,
		     const struct snap_region *regions, size_t nregions)
{
	char path[sizeof(w->name) + 256];
	size_t i;
	int r;

	if (w->open_member || w->closed)
		return fail(w, -EINVAL, "%s: writer busy or closed", name);
	if (strlen(name) >= sizeof(w->name) || size > INT64_MAX)
		return fail(w, -EINVAL, "%s: bad member", name);
	snprintf(w->name, sizeof(w->name), "%s", name);
	snprintf(path, sizeof(path), "%s/%s", w->top, name);
	archive_entry_clear(w->entry);
	archive_entry_set_pathname(w->entry, path);
	archive_entry_set_filetype(w->entry, AE_IFREG);
	archive_entry_set_perm(w->entry, 0600);
	archive_entry_set_size(w->entry, (la_int64_t)size);
	archive_entry_set_mtime(w->entry, w->mtime, 0);
	archive_entry_set_uid(w->entry, 0);
	archive_entry_set_gid(w->entry, 0);
	for (i = 0; i < nregions; i++)
		archive_entry_sparse_add_entry(w->entry, (la_int64_t)regions[i].offset,
					       (la_int64_t)regions[i].length);
	r = check(w, archive_write_header(w->a, w->entry), name);
	if (r)
		return r;
	r = digest_begin(&w->d);
	if (r)
		return fail(w, r, "%s: digest", name);
	w->remaining = size;
	w->open_member = 1;
	return 0;
}

int snapwriter_write(struct snapwriter *w, const void *p, size_t n)
{
	const char *s = p;

	if (!w->open_member)
		return fail(w, -EINVAL, "write outside a member");
	if (n > w->remaining)
		return fail(w, -EINVAL, "%s: more bytes than declared", w->name);
	if (digest_update(&w->d, p, n))
		return fail(w, -EIO, "%s: digest", w->name);
	while (n) {
		la_ssize_t got = archive_write_data(w->a, s, n);

		if (got <= 0)
			return archive_failed(w, w->name);
		s += got;
		n -= (size_t)got;
		w->remaining -= (uint64_t)got;
		w->bytes += (uint64_t)got;
	}
	return 0;
}

int snapwriter_write_zeros(struct snapwriter *w, uint64_t n)
{
	static const char zeros[65536];
	int r = 0;

	while (n && !r) {
		size_t k = n < sizeof(zeros) ? (size_t)n : sizeof(zeros);

		r = snapwriter_write(w, zeros, k);
		n -= k;
	}
	return r;
}

int snapwriter_end(struct snapwriter *w, char hex[DIGEST_HEX_LEN + 1])
{
	char h[DIGEST_HEX_LEN + 1];
	int r;

	if (!w->open_member)
		return fail(w, -EINVAL, "end outside a member");
	w->open_member = 0;
	if (w->remaining)
		return fail(w, -EINVAL, "%s: %llu bytes short", w->name,
			    (unsigned long long)w->remaining);
	r = check(w, archive_write_finish_entry(w->a), w->name);
	if (r)
		return r;
	r = digest_end(&w->d, h);
	if (r)
		return fail(w, r, "%s: digest", w->name);
	buf_printf(&w->manifest, "%s  %s\n", h, w->name);
	if (buf_error(&w->manifest))
		return fail(w, -ENOMEM, "manifest: out of memory");
	if (hex)
		memcpy(hex, h, sizeof(h));
	return 0;
}

int snapwriter_add(struct snapwriter *w, const char *name, const void *data,
		   size_t len, char hex[DIGEST_HEX_LEN + 1])
{
	int r = snapwriter_begin(w, name, len, NULL, 0);

	if (!r)
		r = snapwriter_write(w, data, len);
	if (!r)
		r = snapwriter_end(w, hex);
	return r;
}

uint64_t snapwriter_bytes(const struct snapwriter *w)
{
	return w->bytes;
}

int snapwriter_finish(struct snapwriter *w)
{
	struct buf m = w->manifest;
	int r;

	if (w->open_member || w->closed)
		return fail(w, -EINVAL, "finish: member still open");
	/* The manifest is not listed in itself: it is the last member. */
	w->manifest = (struct buf)BUF_INIT;
	r = snapwriter_begin(w, SNAP_MANIFEST, m.len, NULL, 0);
	if (!r)
		r = snapwriter_write(w, m.data, m.len);
	if (!r) {
		w->open_member = 0;
		digest_free(&w->d);
		r = check(w, archive_write_finish_entry(w->a), SNAP_MANIFEST);
	}
	buf_free(&m);
	if (r)
		return r;
	w->closed = 1;
	/* archive_write_close flushes the compressor's trailer: an archive
	 * whose close failed is not complete. */
	return check(w, archive_write_close(w->a), "close archive");
}

const char *snapwriter_error(const struct snapwriter *w)
{
	return w ? w->err : "out of memory";
}

void snapwriter_free(struct snapwriter *w)
{
	if (!w)
		return;
	if (w->a) {
		/* An archive that never finished must not get a tar trailer
		 * on the way out: it would look whole to a plain tar. */
		if (!w->closed)
			archive_write_fail(w->a);
		archive_write_free(w->a);
	}
	archive_entry_free(w->entry);
	digest_free(&w->d);
	buf_free(&w->manifest);
	free(w->top);
	free(w);
}
