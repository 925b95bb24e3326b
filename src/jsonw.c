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

/* Appends s as a JSON string body; bad UTF-8 bytes become U+FFFD. */
static void put_string(struct buf *b, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i = 0;

	buf_putc(b, '"');
	while (i < n) {
		unsigned char c = s[i];
		size_t k;

		if (c == 0) {
			/* Many JSON readers refuse \u0000; the exact bytes are
			 * in the _b64 sibling anyway. */
			buf_puts(b, "\\ufffd");
			i++;
		} else if (c == '"' || c == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, (char)c);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			buf_printf(b, "\\u%04x", c);
			i++;
		} else if (c < 0x80) {
			buf_putc(b, (char)c);
			i++;
		} else {
			/* Find the length of one valid sequence, if it is one. */
			k = 1;
			while (k < 4 && i + k < n && (s[i + k] & 0xc0) == 0x80)
				k++;
			while (k > 1 && !escape_is_clean_utf8(s + i, k))
				k--;
			if (k == 1 && !escape_is_clean_utf8(s + i, 1)) {
				buf_puts(b, "\\ufffd");
				i++;
			} else {
				buf_append(b, s + i, k);
				i += k;
			}
		}
	}
	buf_putc(b, '"');
}

static void key(struct jsonw *w, const char *k)
{
	if (!w->first[w->depth])
		buf_putc(w->out, ',');
	w->first[w->depth] = false;
	if (k) {
		put_string(w->out, k, strlen(k));
		buf_putc(w->out, ':');
	}
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
	put_string(w->out, p, n);
	if (k && !escape_is_clean_utf8(p, n)) {
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
	buf_printf(w->out, "%" PRId64, v);
}

void jsonw_uint(struct jsonw *w, const char *k, uint64_t v)
{
	key(w, k);
	buf_printf(w->out, "%" PRIu64, v);
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
