/* snapreader_error: the reader's sticky error, with archive text quoted safely in it. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "snapreader_int.h"

int snapreader_fail(struct snapreader *r, int err, const char *fmt, ...)
{
	va_list ap;

	if (r->err)
		return r->err;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	r->err = err < 0 ? err : -EIO;
	return r->err;
}

/* Archive text made safe for a message: escaped, one line, cut short.
 * Valid until the next snapreader_quote(). */
const char *snapreader_quote(struct snapreader *r, const char *s, size_t n)
{
	buf_reset(&r->q);
	escape_text(&r->q, s, n < QUOTE_MAX ? n : QUOTE_MAX);
	if (n > QUOTE_MAX)
		buf_puts(&r->q, "...");
	return r->q.data && !buf_error(&r->q) ? r->q.data : "?";
}

const char *snapreader_quotes(struct snapreader *r, const char *s)
{
	return snapreader_quote(r, s, strlen(s));
}

/* Where the reader was when it noticed a problem.  With compression the
 * stream is read ahead, so this is where it was noticed, not where the
 * damage is. */
static void where(const struct snapreader *r, char *out, size_t n)
{
	if (r->in_member)
		snprintf(out, n, "noticed while reading member %s", r->m.name);
	else if (r->last[0])
		snprintf(out, n, "noticed after member %s", r->last);
	else
		snprintf(out, n, "noticed before the first member");
}

int snapreader_archive_fail(struct snapreader *r)
{
	const char *s = archive_error_string(r->a);
	char at[SNAPREADER_MAX_NAME + 48];

	if (r->stopped)
		return snapreader_fail(r, -EINTR, "stopped by a signal, %llu of the "
				       "archive's bytes read", (unsigned long long)r->file_bytes);
	if (r->io_err)
		return snapreader_fail(r, -r->io_err, "cannot read the archive: %s",
				       strerror(r->io_err));
	where(r, at, sizeof(at));
	if (!s)
		return snapreader_fail(r, -EBADMSG, "truncated or damaged archive: the "
				       "compressed stream does not end properly (%s)", at);
	s = snapreader_quotes(r, s);
	if (strcasestr(s, "truncated"))
		return snapreader_fail(r, -EBADMSG, "truncated archive: %s (%s)", s, at);
	if (r->count == 0)
		return snapreader_fail(r, -EBADMSG, "not a snapshot archive: %s", s);
	return snapreader_fail(r, -EBADMSG, "damaged archive: %s (%s)", s, at);
}

const char *snapreader_error(const struct snapreader *r)
{
	if (!r)
		return "out of memory";
	return r->err ? r->msg : "";
}

bool snapreader_is_archive_error(int err)
{
	return err == -EBADMSG || err == -EFBIG;
}
