/* jsonw: writing JSON text into a buf (writing only; parsing is jansson's). */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "escape.h"
#include "jsonw.h"

void jsonw_init(struct jsonw *w, struct buf *out)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->first[0] = true;
}

/*
 * Bytes that go into a JSON string as they are: printable ASCII but the
 * quote and the backslash.  Runs of them are appended in one copy, which
 * is most of every string /proc gives (paths, fdinfo, status lines).
 */
#define P16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
static const bool plain_tab[256] = {
	P16(0), P16(0),                             /* controls */
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* '"' */
	P16(1), P16(1),
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* '\\' */
	P16(1),
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, /* DEL */
	P16(0), P16(0), P16(0), P16(0), P16(0), P16(0), P16(0), P16(0),
};
#undef P16

static bool plain(unsigned char c)
{
	return plain_tab[c];
}

/* The length of the run of plain bytes that s[0..n) starts with: a
 * table look-up a byte, as most of every row is such runs. */
static size_t plain_run(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n && plain_tab[s[i]])
		i++;
	return i;
}

/* Appends s as a JSON string body; bad UTF-8 bytes become U+FFFD.
 * True when s was plain through (so clean UTF-8, nothing escaped). */
static bool put_string(struct buf *b, const void *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = p;
	size_t i = 0;

	/* Most strings are plain through: one copy, quotes included. */
	if (plain_run(s, n) == n) {
		if (buf_reserve(b, n + 2))
			return true;
		b->data[b->len] = '"';
		if (n)
			memcpy(b->data + b->len + 1, s, n);
		b->data[b->len + n + 1] = '"';
		b->len += n + 2;
		b->data[b->len] = '\0';
		return true;
	}
	buf_putc(b, '"');
	while (i < n) {
		unsigned char c = s[i];
		size_t k;

		if (plain(c)) {
			k = i + 1;
			while (k < n && plain(s[k]))
				k++;
			buf_append(b, s + i, k - i);
			i = k;
			continue;
		}
		if (c >= 0x80) {
			/* Find the length of one valid sequence, if it is one. */
			k = 1;
			while (k < 4 && i + k < n && (s[i + k] & 0xc0) == 0x80)
				k++;
			while (k > 1 && !escape_is_clean_utf8(s + i, k))
				k--;
			if (k == 1 && !escape_is_clean_utf8(s + i, 1))
				buf_puts(b, "\\ufffd");
			else
				buf_append(b, s + i, k);
			i += k;
			continue;
		}
		i++;
		if (c == 0) {
			/* Many JSON readers refuse \u0000; the exact bytes are
			 * in the _b64 sibling anyway. */
			buf_puts(b, "\\ufffd");
		} else if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };

			buf_append(b, e, 2);
		} else if (c == '\n') {
			/* The short escapes of RFC 8259 for what /proc text is
			 * full of (fdinfo, status): smaller than \u000a. */
			buf_append(b, "\\n", 2);
		} else if (c == '\t') {
			buf_append(b, "\\t", 2);
		} else {
			/* The other controls, and DEL, which terminals act on. */
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

			buf_append(b, e, 6);
		}
	}
	buf_putc(b, '"');
	return false;
}

/* Decimal digits of v, without printf's machinery: a capture writes
 * a dozen numbers per fd. */
static void put_u64(struct buf *b, uint64_t v, bool neg)
{
	char d[21];
	size_t n = sizeof(d);

	do {
		d[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (neg)
		d[--n] = '-';
	buf_append(b, d + n, sizeof(d) - n);
}

#define KEY_FAST 64

static void key(struct jsonw *w, const char *k)
{
	struct buf *b = w->out;
	bool comma = !w->first[w->depth];
	size_t len;
	char *d;

	w->first[w->depth] = false;
	if (!k) {
		if (comma)
			buf_putc(b, ',');
		return;
	}
	/* Keys are procsnap's own words: ,"key": copied in place in one
	 * pass (no strlen), when plain and at most KEY_FAST bytes. */
	if (buf_reserve(b, KEY_FAST + 4))
		return;
	d = b->data + b->len;
	if (comma)
		*d++ = ',';
	*d++ = '"';
	for (len = 0; len < KEY_FAST && k[len] && plain_tab[(unsigned char)k[len]]; len++)
		*d++ = k[len];
	if (!k[len]) {
		*d++ = '"';
		*d++ = ':';
		*d = '\0';
		b->len = (size_t)(d - b->data);
		return;
	}
	/* Not plain, or long: escaped from the start (nothing was counted). */
	b->data[b->len] = '\0';
	if (comma)
		buf_putc(b, ',');
	put_string(b, k, strlen(k));
	buf_putc(b, ':');
}

static void push(struct jsonw *w, const char *k, char c)
{
	key(w, k);
	buf_putc(w->out, c);
	if (w->depth + 1 >= JSONW_MAX_DEPTH) {
		w->out->err = -E2BIG;
		return;
	}
	w->first[++w->depth] = true;
}

static void pop(struct jsonw *w, char c)
{
	if (w->depth > 0)
		w->depth--;
	buf_putc(w->out, c);
}

void jsonw_open(struct jsonw *w, const char *k) { push(w, k, '{'); }
void jsonw_close(struct jsonw *w) { pop(w, '}'); }
void jsonw_aopen(struct jsonw *w, const char *k) { push(w, k, '['); }
void jsonw_aclose(struct jsonw *w) { pop(w, ']'); }

void jsonw_str(struct jsonw *w, const char *k, const char *s)
{
	if (!s) {
		jsonw_null(w, k);
		return;
	}
	jsonw_bytes(w, k, s, strlen(s));
}

void jsonw_bytes(struct jsonw *w, const char *k, const void *p, size_t n)
{
	key(w, k);
	if (!put_string(w->out, p, n) && k && !escape_is_clean_utf8(p, n)) {
		buf_putc(w->out, ',');
		buf_putc(w->out, '"');
		buf_puts(w->out, k);
		buf_puts(w->out, "_b64\":\"");
		escape_base64(w->out, p, n);
		buf_putc(w->out, '"');
	}
}

void jsonw_int(struct jsonw *w, const char *k, int64_t v)
{
	key(w, k);
	/* -(v + 1) + 1 keeps INT64_MIN out of signed overflow. */
	if (v < 0)
		put_u64(w->out, (uint64_t)-(v + 1) + 1, true);
	else
		put_u64(w->out, (uint64_t)v, false);
}

void jsonw_uint(struct jsonw *w, const char *k, uint64_t v)
{
	key(w, k);
	put_u64(w->out, v, false);
}

void jsonw_bool(struct jsonw *w, const char *k, bool v)
{
	key(w, k);
	buf_puts(w->out, v ? "true" : "false");
}

void jsonw_null(struct jsonw *w, const char *k)
{
	key(w, k);
	buf_puts(w->out, "null");
}

void jsonw_raw(struct jsonw *w, const char *k, const char *json, size_t n)
{
	key(w, k);
	buf_append(w->out, json, n);
}
