/* snapview_exec: a process's exec_files shown — each file it runs, with its SHA-256 or why it has none. */
#include <string.h>

#include "snapshot.h"
#include "snapview_int.h"

/* The SHA-256 column, or why there is none: padded to a digest's width. */
static void put_digest(struct buf *out, const json_t *e)
{
	const char *h = snapshot_str(e, "sha256");
	size_t start = out->len;

	if (h && strlen(h) == 64 && strspn(h, "0123456789abcdef") == 64) {
		buf_append(out, h, 64);
		return;
	}
	/* Unknown, never clean: said in capitals. */
	buf_puts(out, "NOT HASHED: ");
	snapview_text(out, e, "unhashed", "?");
	if (json_object_get(e, "errno")) {
		buf_puts(out, " (");
		snapview_text(out, e, "errno", "?");
		buf_putc(out, ')');
	}
	snapview_pad(out, start, 64);
}

/* What follows the path: deleted, the size of what was too large, the
 * reason, and who would have seen the read. */
static void put_notes(struct buf *out, const json_t *e)
{
	const char *why = snapshot_str(e, "unhashed");
	bool del = false;

	if (snapshot_bool(e, "deleted", &del) && del)
		buf_puts(out, "  [deleted]");
	if (why && strcmp(why, "too-large") == 0 && json_object_get(e, "size")) {
		buf_puts(out, "  [");
		snapview_num(out, 0, e, "size");
		buf_puts(out, " bytes]");
	}
	if (json_object_get(e, "reason")) {
		buf_puts(out, "  [");
		snapview_text(out, e, "reason", "?");
		buf_putc(out, ']');
	}
	if (json_array_size(json_object_get(e, "leases")))
		buf_puts(out, "  [leased]");
	if (json_array_size(json_object_get(e, "watchers")))
		buf_printf(out, "  [read seen by %zu watchers]",
			   json_array_size(json_object_get(e, "watchers")));
}

int snapview_exec_text(struct buf *out, const json_t *proc)
{
	const json_t *a = json_object_get(proc, "exec_files");
	size_t i, unhashed = 0;
	bool kthread = false;

	if (!json_is_array(a)) {
		buf_puts(out, "exec files (not recorded: the code this process runs is unknown)\n");
		return buf_error(out);
	}
	if (!json_array_size(a) && snapshot_bool(proc, "kernel_thread", &kthread) && kthread) {
		buf_puts(out, "exec files (none: a kernel thread runs no file)\n");
		return buf_error(out);
	}
	for (i = 0; i < json_array_size(a); i++)
		unhashed += !snapshot_str(json_array_get(a, i), "sha256");
	buf_printf(out, "exec files (%zu", json_array_size(a));
	if (unhashed)
		buf_printf(out, ", %zu not hashed: unknown", unhashed);
	buf_puts(out, ")\n");
	for (i = 0; i < json_array_size(a); i++) {
		const json_t *e = json_array_get(a, i);
		size_t start;

		buf_puts(out, "  ");
		start = out->len;
		snapview_text(out, e, "kind", "?");
		snapview_pad(out, start, 3);
		buf_putc(out, ' ');
		put_digest(out, e);
		buf_puts(out, "  ");
		snapview_text(out, e, "path", "?");
		put_notes(out, e);
		buf_putc(out, '\n');
	}
	return buf_error(out);
}
