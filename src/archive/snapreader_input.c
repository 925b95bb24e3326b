/* snapreader_input: the archive file — read through libarchive, hashed for custody, its end. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "snapreader_int.h"

/* Hashes what libarchive reads, and keeps the last TAIL bytes. */
static void account(struct snapreader *r, const unsigned char *p, size_t n)
{
	size_t keep, z = n;

	digest_update(&r->file_d, p, n);
	while (z && !p[z - 1])
		z--;
	if (z)
		r->data_end = r->file_bytes + z;
	r->file_bytes += n;
	if (n >= TAIL) {
		memcpy(r->tail, p + n - TAIL, TAIL);
		r->tail_len = TAIL;
		return;
	}
	keep = r->tail_len < TAIL - n ? r->tail_len : TAIL - n;
	memmove(r->tail, r->tail + r->tail_len - keep, keep);
	memcpy(r->tail + keep, p, n);
	r->tail_len = keep + n;
}

static void report(struct snapreader *r)
{
	struct snapreader_progress p = {
		.done = r->file_bytes, .total = r->file_size, .members = r->count,
		.member = r->in_member ? r->name : r->last,
	};

	r->o.progress(r->o.progress_arg, &p);
}

static ssize_t read_input(struct snapreader *r)
{
	ssize_t n;

	if (r->o.stop && *r->o.stop) {
		r->stopped = true;
		r->io_err = EINTR;
		return -1;
	}
	do
		n = read(r->fd, r->io, IO_SIZE);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		r->io_err = errno;
		return -1;
	}
	if (n == 0)
		r->input_eof = true;
	account(r, r->io, (size_t)n);
	if (r->o.progress)
		report(r);
	return n;
}

/* No skip callback on purpose: libarchive then reads every byte through
 * here, so the custody hash covers the whole file in the same pass. */
static la_ssize_t read_cb(struct archive *a, void *arg, const void **buf)
{
	struct snapreader *r = arg;
	ssize_t n = read_input(r);

	if (n < 0) {
		archive_set_error(a, r->io_err, "read: %s", strerror(r->io_err));
		return -1;
	}
	*buf = r->io;
	return n;
}

void snapreader_input_drain(struct snapreader *r)
{
	while (!r->input_eof && !r->io_err && r->fd >= 0)
		if (read_input(r) < 0)
			break;
}

static bool all_zero(const unsigned char *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

int snapreader_input_open(struct snapreader *r, const char *path)
{
	struct stat st;

	if (strcmp(path, "-") == 0) {
		r->fd = STDIN_FILENO;
	} else {
		r->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (r->fd < 0)
			/* The caller names the path (its messages say which
			 * archive): named here too, it would be said twice. */
			return snapreader_fail(r, -errno, "cannot open: %s", strerror(errno));
		r->own_fd = true;
	}
	if (fstat(r->fd, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return snapreader_fail(r, -EISDIR, "a directory, not a snapshot archive");
		if (S_ISREG(st.st_mode) && st.st_size > 0)
			r->file_size = (uint64_t)st.st_size;
	}
	r->a = archive_read_new();
	if (!r->a)
		return snapreader_fail(r, -ENOMEM, "out of memory");
	/* Only what procsnap writes: no other format parser, and a filter
	 * only when libarchive has it built in (else it would run an
	 * external program on hostile bytes). */
	if (archive_read_support_format_tar(r->a) != ARCHIVE_OK ||
	    (archive_zlib_version() &&
	     archive_read_support_filter_gzip(r->a) != ARCHIVE_OK) ||
	    (archive_libzstd_version() &&
	     archive_read_support_filter_zstd(r->a) != ARCHIVE_OK))
		return snapreader_fail(r, -ENOTSUP, "libarchive: %s",
				       archive_error_string(r->a) ? archive_error_string(r->a)
								  : "no support");
	if (archive_read_open(r->a, r, NULL, read_cb, NULL) < ARCHIVE_WARN) {
		if (r->file_bytes == 0 && !r->io_err)
			return snapreader_fail(r, -EBADMSG, "empty file: not a snapshot "
					       "archive");
		return snapreader_archive_fail(r);
	}
	return 0;
}

int snapreader_input_check_end(struct snapreader *r)
{
	/* Bytes after the archive's end are not procsnap's: appended data,
	 * or a second archive that tar would never show.  Zeros are only
	 * padding of a tar to its blocking factor. */
	if (r->data_end > (uint64_t)archive_filter_bytes(r->a, -1))
		return snapreader_fail(r, -EBADMSG, "the file goes on after the end of the "
				       "archive (data appended to it, or a second archive)");
	/* gzip and zstd check their own trailers; a plain tar has only its
	 * two zero blocks to show it was not cut after the manifest. */
	if (archive_filter_code(r->a, 0) == ARCHIVE_FILTER_NONE &&
	    (r->tail_len < TAIL || !all_zero(r->tail, TAIL)))
		return snapreader_fail(r, -EBADMSG, "truncated archive: the tar end-of-"
				       "archive blocks after MANIFEST.sha256 are missing");
	return 0;
}

int snapreader_archive_sha256(struct snapreader *r, char hex[DIGEST_HEX_LEN + 1],
			      uint64_t *bytes)
{
	/* Never opened (or a directory): there is no file to hash, and the
	 * hash of nothing must not pass for a custody record. */
	if (!r->a)
		return -EBADF;
	if (!r->file_done) {
		snapreader_input_drain(r);
		if (r->io_err)
			return -r->io_err;
		if (digest_end(&r->file_d, r->file_hex))
			return -EIO;
		r->file_done = true;
	}
	memcpy(hex, r->file_hex, sizeof(r->file_hex));
	if (bytes)
		*bytes = r->file_bytes;
	return 0;
}
