/* snapview_user: user and group names shown beside the numbers, from the snapshot's own /etc/passwd and /etc/group. */
#include <inttypes.h>

#include "escape.h"
#include "snapview_int.h"
#include "users.h"

int snapview_user(struct buf *out, const struct users *u, bool known, int64_t uid,
		  size_t width)
{
	struct buf b = BUF_INIT;
	size_t start = out->len, len = 0, cut;
	const char *name = known && uid >= 0 ? users_user(u, (uint64_t)uid, &len) : NULL;

	if (!name) {
		buf_putc(out, '-');
		snapview_pad(out, start, width);
		return buf_error(out);
	}
	escape_text(&b, name, len);
	if (!width || b.len <= width) {
		buf_append(out, b.data, b.len);
		snapview_pad(out, start, width);
	} else {
		/* Too long for the column: cut, and the last byte is '+', as
		 * ps(1) shows "systemd+".  Never inside a UTF-8 character. */
		cut = width - 1;
		while (cut > 0 && ((unsigned char)b.data[cut] & 0xc0) == 0x80)
			cut--;
		buf_append(out, b.data, cut);
		buf_putc(out, '+');
		snapview_pad(out, start, width);
	}
	buf_free(&b);
	return buf_error(out);
}

int snapview_ids(struct buf *out, const struct users *u, const json_t *obj, const char *key,
		 bool group)
{
	const json_t *a = json_object_get(obj, key);
	size_t i, len;

	if (!json_is_array(a)) {
		buf_putc(out, '-');
		return buf_error(out);
	}
	for (i = 0; i < json_array_size(a); i++) {
		const json_t *e = json_array_get(a, i);
		int64_t v;
		const char *name;

		if (i)
			buf_putc(out, ' ');
		if (!json_is_integer(e)) {
			buf_putc(out, '-');
			continue;
		}
		v = (int64_t)json_integer_value(e);
		buf_printf(out, "%" PRId64, v);
		name = v < 0 ? NULL : group ? users_group(u, (uint64_t)v, &len)
					    : users_user(u, (uint64_t)v, &len);
		if (name) {
			buf_putc(out, '(');
			escape_text(out, name, len);
			buf_putc(out, ')');
		}
	}
	return buf_error(out);
}
