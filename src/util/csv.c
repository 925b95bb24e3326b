/* csv: RFC 4180 fields, guarded against CSV injection (see csv.h). */
#include <inttypes.h>
#include <string.h>

#include "csv.h"
#include "escape.h"

static bool needs_guard(const unsigned char *p, size_t n)
{
	return n && (p[0] == '=' || p[0] == '+' || p[0] == '-' || p[0] == '@' ||
		     p[0] == '\t' || p[0] == '\r');
}

/* Length of the well-formed UTF-8 sequence at p (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t k;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		k = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		k = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		k = 4;
	else
		return 0;
	return k <= n && escape_is_clean_utf8(p, k) ? k : 0;
}

static bool needs_quotes(const unsigned char *p, size_t n, bool guard)
{
	size_t i;

	if (guard)
		return true;
	for (i = 0; i < n; i++)
		if (p[i] == ',' || p[i] == '"' || p[i] == '\n' || p[i] == '\r')
			return true;
	return false;
}

void csv_text(struct buf *out, bool first, const void *v, size_t n)
{
	const unsigned char *p = v;
	bool guard = needs_guard(p, n), quote = needs_quotes(p, n, guard);
	size_t i, k;

	if (!first)
		buf_putc(out, ',');
	if (quote)
		buf_putc(out, '"');
	if (guard)
		buf_putc(out, '\'');
	for (i = 0; i < n; i += k) {
		k = utf8_len(p + i, n - i);
		if (k > 1 || (k == 1 && (p[i] >= 0x20 || p[i] == '\t' || p[i] == '\n' ||
					 p[i] == '\r') && p[i] != 0x7f)) {
			if (p[i] == '"')
				buf_putc(out, '"');
			buf_append(out, p + i, k);
		} else {
			buf_printf(out, "\\x%02x", p[i]);
			k = 1;
		}
	}
	if (quote)
		buf_putc(out, '"');
}

void csv_str(struct buf *out, bool first, const char *s)
{
	csv_text(out, first, s ? s : "", s ? strlen(s) : 0);
}

void csv_int(struct buf *out, bool first, int64_t v)
{
	buf_printf(out, first ? "%" PRId64 : ",%" PRId64, v);
}

void csv_empty(struct buf *out, bool first)
{
	if (!first)
		buf_putc(out, ',');
}

void csv_end(struct buf *out)
{
	buf_puts(out, "\r\n");
}
