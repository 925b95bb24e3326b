/* snapview_mem: a process's captured memory regions (process.json "memory") as text. */
#include <string.h>

#include "escape.h"
#include "snapshot.h"
#include "snapview.h"

/* The pathname of a maps line ("address perms offset dev inode path"),
 * or "" for an anonymous mapping: the text after the fifth field. */
static void maps_path(const char *line, size_t n, const char **path, size_t *len)
{
	const char *p = line, *end = line + n;
	int f;

	for (f = 0; f < 5; f++) {
		while (p < end && *p == ' ')
			p++;
		while (p < end && *p != ' ')
			p++;
	}
	while (p < end && *p == ' ')
		p++;
	*path = p;
	*len = (size_t)(end - p);
}

/* The pages that could not be read: "+OFFSET LENGTH ERRNO", one line. */
static void unreadable(struct buf *out, const json_t *r)
{
	const json_t *a = json_object_get(r, "unreadable"), *u;
	size_t i;

	if (!json_array_size(a))
		return;
	buf_puts(out, "    unreadable pages (zeros in the member, not memory):");
	json_array_foreach(a, i, u) {
		if (i == 16) {
			buf_printf(out, " ... %zu more", json_array_size(a) - i);
			break;
		}
		buf_puts(out, " +");
		snapview_num(out, 0, u, "offset");
		buf_putc(out, ' ');
		snapview_num(out, 0, u, "length");
		buf_putc(out, ' ');
		snapview_text(out, u, "errno", "?");
	}
	buf_putc(out, '\n');
}

/* One region: range, perms, why, what became of it, and its path. */
static void region(struct buf *out, const json_t *r, struct buf *bytes)
{
	const char *path = "", *st = json_string_value(json_object_get(r, "status"));
	size_t plen = 0;

	buf_puts(out, "  ");
	snapview_text(out, r, "start", "?");
	buf_putc(out, '-');
	snapview_text(out, r, "end", "?");
	buf_putc(out, ' ');
	snapview_text(out, r, "perms", "?");
	buf_putc(out, ' ');
	snapview_text(out, r, "why", "?");
	buf_putc(out, ' ');
	snapview_text(out, r, "status", "?");
	if (st && (!strcmp(st, "captured") || !strcmp(st, "truncated"))) {
		buf_putc(out, ' ');
		snapview_num(out, 0, r, "size");
		buf_puts(out, " bytes (");
		snapview_num(out, 0, r, "data");
		buf_puts(out, " not zero)");
	}
	if (json_object_get(r, "reason")) {
		buf_puts(out, ": ");
		snapview_text(out, r, "reason", "?");
	}
	if (snapshot_bytes(r, "maps", bytes) == 1)
		maps_path(bytes->data, bytes->len, &path, &plen);
	if (plen) {
		buf_puts(out, "  ");
		escape_text(out, path, plen);
	}
	buf_putc(out, '\n');
	if (json_object_get(r, "member")) {
		buf_puts(out, "    ");
		snapview_text(out, r, "member", "?");
		buf_puts(out, ", sha256 ");
		snapview_text(out, r, "sha256", "?");
		buf_putc(out, '\n');
	}
	unreadable(out, r);
	snapview_errors_text(out, r, "    not read: ");
}

int snapview_memory_text(struct buf *out, const json_t *proc)
{
	const json_t *a = json_object_get(proc, "memory");
	struct buf bytes = BUF_INIT;
	size_t i, stored = 0;
	const json_t *r;

	if (!json_is_array(a))
		return buf_error(out);
	if (!json_array_size(a))
		return buf_puts(out, "memory regions: none chosen\n");
	json_array_foreach(a, i, r)
		stored += json_object_get(r, "member") != NULL;
	buf_printf(out, "memory regions (%zu chosen, %zu stored)\n", json_array_size(a), stored);
	json_array_foreach(a, i, r)
		region(out, r, &bytes);
	buf_free(&bytes);
	return buf_error(out);
}
