/* snapview_count: fds --count — rows grouped by what they point at, as text and JSON. */
#include <string.h>

#include "csv.h"
#include "escape.h"
#include "snapshot.h"
#include "snapview_int.h"
#include "tally.h"

/*
 * A key is a tag, the type, a NUL, a note, a NUL, then the target: tag 'T'
 * and the exact bytes of the link, or 'U' and the text of what could not
 * be read.  The note (a socket's endpoints, escaped) is the same for every
 * row of a group, since a socket's link names its inode: it is only shown.
 */
int snapview_count_key(struct buf *key, const struct object *o)
{
	const char *type = snapview_object_type(o);
	const char *k = o->gap ? NULL : o->kind == OBJECT_MEM ? "path" : "target";
	const json_t *sk = o->gap ? NULL : json_object_get(o->rec, "socket");
	int x;

	buf_reset(key);
	buf_putc(key, 'T');
	buf_puts(key, type ? type : "?");
	buf_putc(key, '\0');
	if (json_is_object(sk))
		snapview_socket(key, sk);
	buf_putc(key, '\0');
	if (k) {
		struct buf b = BUF_INIT;

		x = snapshot_bytes(o->rec, k, &b);
		if (x == 1)
			buf_append(key, b.data, b.len);
		buf_free(&b);
		if (x == 1)
			return buf_error(key);
		if (x < 0)
			return x;
	}
	if (buf_error(key))
		return buf_error(key);
	key->data[0] = 'U';
	return snapview_object_target(key, o);
}

const char *snapview_count_header(void)
{
	return "  COUNT TYPE    TARGET\n";
}

/* The parts of a key (see above). */
struct key_parts {
	char tag;
	const char *type, *note, *target;
	size_t type_len, note_len, target_len;
};

static void parts(const struct tally_group *g, struct key_parts *p)
{
	const char *k = g->key, *end = g->key + g->len, *z;

	p->tag = g->len ? k[0] : 'U';
	p->type = g->len ? k + 1 : "";
	z = memchr(p->type, '\0', (size_t)(end - p->type));
	p->type_len = z ? (size_t)(z - p->type) : 0;
	p->note = z ? z + 1 : end;
	z = z ? memchr(p->note, '\0', (size_t)(end - p->note)) : NULL;
	p->note_len = z ? (size_t)(z - p->note) : 0;
	p->target = z ? z + 1 : end;
	p->target_len = (size_t)(end - p->target);
}

int snapview_count_text(struct buf *out, const struct tally_group *g)
{
	struct key_parts p;
	size_t start;

	parts(g, &p);
	buf_printf(out, "%7lu ", g->count);
	start = out->len;
	escape_text(out, p.type, p.type_len);
	snapview_pad(out, start, 7);
	buf_putc(out, ' ');
	if (p.tag == 'T')
		escape_text(out, p.target, p.target_len);
	else
		buf_append(out, p.target, p.target_len); /* escaped already */
	if (p.note_len) {
		buf_puts(out, " (");
		buf_append(out, p.note, p.note_len);
		buf_putc(out, ')');
	}
	buf_putc(out, '\n');
	return buf_error(out);
}

int snapview_count_json(struct buf *out, const struct tally_group *g)
{
	struct key_parts p;
	struct jsonw w;
	size_t i;

	parts(g, &p);
	jsonw_init(&w, out);
	jsonw_open(&w, NULL);
	jsonw_uint(&w, "count", g->count);
	jsonw_bytes(&w, "type", p.type, p.type_len);
	jsonw_bytes(&w, p.tag == 'T' ? "target" : "unknown", p.target, p.target_len);
	jsonw_aopen(&w, "pids");
	for (i = 0; i < g->npids; i++)
		jsonw_int(&w, NULL, g->pids[i]);
	jsonw_aclose(&w);
	jsonw_close(&w);
	buf_putc(out, '\n');
	return buf_error(out);
}

const char *snapview_count_csv_header(void)
{
	return "COUNT,TYPE,TARGET\r\n";
}

int snapview_count_csv(struct buf *out, const struct tally_group *g)
{
	struct key_parts p;

	parts(g, &p);
	csv_int(out, true, (int64_t)g->count);
	csv_text(out, false, p.type, p.type_len);
	csv_text(out, false, p.target, p.target_len);
	csv_end(out);
	return buf_error(out);
}
