/* escape: making raw bytes (names, paths, command lines) safe to print. */
#include <errno.h>
#include <openssl/evp.h>
#include <stdint.h>

#include "escape.h"

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && p[1] < 0xa0)
			return 0; /* overlong */
		if (c == 0xed && p[1] >= 0xa0)
			return 0; /* UTF-16 surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
		    (p[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && p[1] < 0x90)
			return 0; /* overlong */
		if (c == 0xf4 && p[1] >= 0x90)
			return 0; /* above U+10FFFF */
		return 4;
	}
	return 0;
}

bool escape_is_clean_utf8(const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i = 0, k;

	while (i < n) {
		if (s[i] == 0)
			return false;
		k = utf8_seq(s + i, n - i);
		if (!k)
			return false;
		i += k;
	}
	return true;
}

int escape_text(struct buf *out, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i = 0, k;

	while (i < n) {
		unsigned char c = s[i];

		if (c == '\\') {
			buf_puts(out, "\\\\");
			i++;
			continue;
		}
		if (c == '\n' || c == '\t' || c == '\r') {
			buf_puts(out, c == '\n' ? "\\n" : c == '\t' ? "\\t" : "\\r");
			i++;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			buf_printf(out, "\\x%02x", c);
			i++;
			continue;
		}
		k = utf8_seq(s + i, n - i);
		/* C1 controls (U+0080..U+009F) can drive a terminal too. */
		if (!k || (k == 2 && c == 0xc2 && s[i + 1] < 0xa0)) {
			for (k = k ? k : 1; k; k--, i++)
				buf_printf(out, "\\x%02x", s[i]);
			continue;
		}
		buf_append(out, s + i, k);
		i += k;
	}
	return buf_error(out);
}

int escape_base64(struct buf *out, const void *p, size_t n)
{
	size_t need = 4 * ((n + 2) / 3);
	int r = buf_reserve(out, need);

	if (r)
		return r;
	if (n > INT32_MAX)
		return -E2BIG;
	EVP_EncodeBlock((unsigned char *)out->data + out->len, p, (int)n);
	out->len += need;
	out->data[out->len] = '\0';
	return 0;
}

int escape_base64_decode(struct buf *out, const char *s, size_t n)
{
	size_t pad = 0;
	int got, r;

	if (n % 4 || n > INT32_MAX)
		return -EINVAL;
	r = buf_reserve(out, n / 4 * 3);
	if (r)
		return r;
	if (n && s[n - 1] == '=')
		pad++;
	if (n > 1 && s[n - 2] == '=')
		pad++;
	got = EVP_DecodeBlock((unsigned char *)out->data + out->len,
			      (const unsigned char *)s, (int)n);
	if (got < 0 || (size_t)got < pad)
		return -EINVAL;
	out->len += (size_t)got - pad;
	out->data[out->len] = '\0';
	return 0;
}
