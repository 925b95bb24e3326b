/* snapview: how snapshot records are shown — the primitives the text and JSON views share. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "snapshot.h"
#include "snapview_int.h"

/* Indentation stops growing here: a hostile chain of a million parents
 * must not make lines a million spaces wide. */
#define MAX_INDENT 64

int snapview_text(struct buf *out, const json_t *obj, const char *key,
		  const char *dash)
{
	struct buf b = BUF_INIT;

	if (snapshot_bytes(obj, key, &b) == 1)
		escape_text(out, b.data, b.len);
	else
		buf_puts(out, dash);
	buf_free(&b);
	return buf_error(out);
}

int snapview_num(struct buf *out, int width, const json_t *obj, const char *key)
{
	int64_t v;

	if (snapshot_int(obj, key, &v))
		snapview_int(out, width, v);
	else
		snapview_right(out, width, "-");
	return buf_error(out);
}

/* Spaces, without printf's machinery: a listing pads a dozen columns
 * per line. */
static void spaces(struct buf *out, size_t n)
{
	static const char sp[] = "                                ";

	while (n > 0) {
		size_t k = n < sizeof(sp) - 1 ? n : sizeof(sp) - 1;

		buf_append(out, sp, k);
		n -= k;
	}
}

void snapview_pad(struct buf *out, size_t start, size_t width)
{
	if (out->len < start + width)
		spaces(out, start + width - out->len);
}

void snapview_right(struct buf *out, int width, const char *s)
{
	size_t n = strlen(s);

	if (width > 0 && n < (size_t)width)
		spaces(out, (size_t)width - n);
	buf_append(out, s, n);
}

void snapview_int(struct buf *out, int width, int64_t v)
{
	char d[24];
	size_t n = sizeof(d) - 1;
	uint64_t u = v < 0 ? (uint64_t)-(v + 1) + 1 : (uint64_t)v;

	d[n] = '\0';
	do {
		d[--n] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		d[--n] = '-';
	snapview_right(out, width, d + n);
}

int snapview_indent(struct buf *out, unsigned depth)
{
	for (depth = depth < MAX_INDENT ? depth : MAX_INDENT; depth; depth--)
		buf_puts(out, "  ");
	return buf_error(out);
}

/* The JSON writer's counterparts: exact bytes (with KEY_b64), or null. */
void snapview_put_bytes(struct jsonw *w, const json_t *obj, const char *key,
			const char *outkey)
{
	struct buf b = BUF_INIT;

	if (snapshot_bytes(obj, key, &b) == 1)
		jsonw_bytes(w, outkey, b.data, b.len);
	else
		jsonw_null(w, outkey);
	buf_free(&b);
}

void snapview_put_int(struct jsonw *w, const json_t *obj, const char *key,
		      const char *outkey)
{
	int64_t v;

	if (snapshot_int(obj, key, &v))
		jsonw_int(w, outkey, v);
	else
		jsonw_null(w, outkey);
}

void snapview_put_bool(struct jsonw *w, const json_t *obj, const char *key,
		       const char *outkey)
{
	bool v;

	if (snapshot_bool(obj, key, &v))
		jsonw_bool(w, outkey, v);
}

int snapview_errors_text(struct buf *out, const json_t *rec, const char *prefix)
{
	const json_t *errs = json_object_get(rec, "errors");
	size_t i;

	for (i = 0; i < json_array_size(errs); i++) {
		const json_t *e = json_array_get(errs, i);

		buf_puts(out, prefix);
		snapview_text(out, e, "what", "?");
		buf_puts(out, ": ");
		snapview_text(out, e, "reason", "?");
		buf_puts(out, " (");
		snapview_text(out, e, "errno", "?");
		buf_puts(out, ")\n");
	}
	return buf_error(out);
}

int snapview_json(struct jsonw *w, const char *key, const json_t *v)
{
	const char *k;
	json_t *e;
	size_t i;
	char *t;
	int x = 0;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
	case JSON_ARRAY:
		/* Deeper than the writer goes: the value as text, a string. */
		if (w->depth + 2 >= JSONW_MAX_DEPTH) {
			t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
			if (!t)
				return -ENOMEM;
			jsonw_bytes(w, key, t, strlen(t));
			free(t);
			break;
		}
		if (json_is_array(v)) {
			jsonw_aopen(w, key);
			json_array_foreach(v, i, e)
				if (!x)
					x = snapview_json(w, NULL, e);
			jsonw_aclose(w);
		} else {
			jsonw_open(w, key);
			/* A key with a NUL in it reaches here cut at the NUL.
			 * jansson iterates only non-const objects; nothing is
			 * changed. */
			json_t *o = (json_t *)(uintptr_t)v;

			json_object_foreach(o, k, e)
				if (!x)
					x = snapview_json(w, k, e);
			jsonw_close(w);
		}
		break;
	case JSON_STRING:
		/* Through the writer, so a NUL becomes U+FFFD (with KEY_b64
		 * in an object), never \u0000: the archive's own JSON may
		 * hold one (its readers allow it), snapread's output does not. */
		jsonw_bytes(w, key, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		jsonw_int(w, key, json_integer_value(v));
		break;
	case JSON_REAL:
		t = json_dumps(v, JSON_ENCODE_ANY);
		if (!t)
			return -ENOMEM;
		jsonw_raw(w, key, t, strlen(t));
		free(t);
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		jsonw_bool(w, key, json_is_true(v));
		break;
	default:
		jsonw_null(w, key);
		break;
	}
	return x ? x : buf_error(w->out);
}
