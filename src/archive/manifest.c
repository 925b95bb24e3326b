/* manifest: the table of member hashes read from an archive, compared with its MANIFEST.sha256. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "escape.h"
#include "manifest.h"
#include "u64map.h"

/* Bad manifest lines are counted; this many are named. */
#define MAX_BAD_LINES 8

/* One name, met in the archive, in the manifest, or both. */
struct vname {
	char *name;  /* exact bytes; may hold NUL when it came from the manifest */
	size_t len;
	unsigned seen, listed;
	char got[DIGEST_HEX_LEN + 1];  /* first time in the archive */
	char want[DIGEST_HEX_LEN + 1]; /* first listing in the manifest */
};

struct manifest {
	struct u64map by_name;  /* key: 128 bits of the name's SHA-256 */
	struct vname **order;   /* archive order, then manifest-only names */
	size_t n, cap;
	uint64_t added;
	unsigned long bad_lines;
	unsigned long bad_line_no[MAX_BAD_LINES];
	bool checked;
};

int manifest_new(struct manifest **v)
{
	*v = calloc(1, sizeof(**v));
	return *v ? 0 : -ENOMEM;
}

/*
 * Names are hashed with SHA-256, not a fast hash: they come from a hostile
 * archive, and a crafted collision must not merge two names.
 */
static uint64_t hex64(const char *h)
{
	uint64_t x = 0;
	int i;

	for (i = 0; i < 16; i++)
		x = x << 4 | (uint64_t)(h[i] <= '9' ? h[i] - '0' : h[i] - 'a' + 10);
	return x;
}

static int key_of(const char *name, size_t len, uint64_t *a, uint64_t *b)
{
	char hex[DIGEST_HEX_LEN + 1];
	int r = digest_buffer(name, len, hex);

	if (r)
		return r;
	*a = hex64(hex);
	*b = hex64(hex + 16);
	return 0;
}

static struct vname *lookup(const struct manifest *v, const char *name, size_t len)
{
	uint64_t a, b;

	if (key_of(name, len, &a, &b))
		return NULL;
	return u64map_get(&v->by_name, a, b);
}

/* The entry for name, made when new.  NULL when out of memory. */
static struct vname *intern(struct manifest *v, const char *name, size_t len)
{
	struct vname *e;
	uint64_t a, b;

	if (key_of(name, len, &a, &b))
		return NULL;
	e = u64map_get(&v->by_name, a, b);
	if (e)
		return e;
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 256;
		struct vname **o = realloc(v->order, cap * sizeof(*o));

		if (!o)
			return NULL;
		v->order = o;
		v->cap = cap;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->name = malloc(len + 1);
	if (!e->name || u64map_put(&v->by_name, a, b, e)) {
		free(e->name);
		free(e);
		return NULL;
	}
	memcpy(e->name, name, len);
	e->name[len] = '\0';
	e->len = len;
	v->order[v->n++] = e;
	return e;
}

int manifest_add(struct manifest *v, const char *name, const char hex[DIGEST_HEX_LEN + 1])
{
	struct vname *e = intern(v, name, strlen(name));

	if (!e)
		return -ENOMEM;
	if (!e->seen++)
		memcpy(e->got, hex, sizeof(e->got));
	v->added++;
	return 0;
}

static void bad_line(struct manifest *v, unsigned long no)
{
	if (v->bad_lines < MAX_BAD_LINES)
		v->bad_line_no[v->bad_lines] = no;
	v->bad_lines++;
}

int manifest_parse(struct manifest *v, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	unsigned long no = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n;
		struct vname *e;

		no++;
		if (!nl) {
			bad_line(v, no); /* the last line must be whole */
			break;
		}
		n = (size_t)(nl - p);
		/* sha256sum's text format: 64 hex, two spaces, the name. */
		if (n < DIGEST_HEX_LEN + 3 || !digest_is_hex(p, DIGEST_HEX_LEN) ||
		    p[DIGEST_HEX_LEN] != ' ' || p[DIGEST_HEX_LEN + 1] != ' ') {
			bad_line(v, no);
		} else {
			e = intern(v, p + DIGEST_HEX_LEN + 2, n - DIGEST_HEX_LEN - 2);
			if (!e)
				return -ENOMEM;
			if (!e->listed++) {
				memcpy(e->want, p, DIGEST_HEX_LEN);
				e->want[DIGEST_HEX_LEN] = '\0';
			}
		}
		p = nl + 1;
	}
	return 0;
}

static int report(verify_fn fn, void *arg, enum verify_problem p,
		  const struct vname *e, struct buf *name, struct buf *msg)
{
	buf_reset(name);
	buf_reset(msg);
	if (e)
		escape_text(name, e->name, e->len);
	switch (p) {
	case VERIFY_TAMPERED:
		buf_printf(msg, "tampered member %s: its SHA-256 is %s, the manifest lists %s",
			   name->data, e->got, e->want);
		break;
	case VERIFY_EXTRA:
		buf_printf(msg, "extra member %s: it is not listed in the manifest",
			   name->data);
		break;
	case VERIFY_MISSING:
		buf_printf(msg, "missing member %s: the manifest lists it, the archive does not hold it",
			   name->data);
		break;
	case VERIFY_DUPLICATE:
		if (e->seen > 1)
			buf_printf(msg, "duplicate member %s: it appears %u times in the archive",
				   name->data, e->seen);
		else
			buf_printf(msg, "duplicate member %s: the manifest lists it %u times",
				   name->data, e->listed);
		break;
	case VERIFY_BAD_MANIFEST:
	case VERIFY_UNKNOWN:
		break; /* not made here */
	}
	if (buf_error(name) || buf_error(msg))
		return -ENOMEM;
	if (fn)
		fn(arg, p, name->data ? name->data : "", msg->data ? msg->data : "");
	return 0;
}

long manifest_check(struct manifest *v, verify_fn fn, void *arg)
{
	struct buf name = BUF_INIT, msg = BUF_INIT;
	long problems = 0;
	size_t i;
	int r = 0;

	v->checked = true;
	for (i = 0; i < v->n && !r; i++) {
		const struct vname *e = v->order[i];
		int p = -1;

		if (e->seen > 1 || e->listed > 1)
			p = VERIFY_DUPLICATE;
		else if (e->seen && !e->listed)
			p = VERIFY_EXTRA;
		else if (!e->seen && e->listed)
			p = VERIFY_MISSING;
		else if (strcmp(e->got, e->want) != 0)
			p = VERIFY_TAMPERED;
		if (p < 0)
			continue;
		problems++;
		r = report(fn, arg, (enum verify_problem)p, e, &name, &msg);
	}
	for (i = 0; i < v->bad_lines && i < MAX_BAD_LINES && !r; i++) {
		buf_reset(&msg);
		buf_printf(&msg, "bad manifest line %lu: not \"<sha256>  <name>\"",
			   v->bad_line_no[i]);
		if (buf_error(&msg))
			r = -ENOMEM;
		else if (fn)
			fn(arg, VERIFY_BAD_MANIFEST, "MANIFEST.sha256", msg.data);
	}
	if (!r && v->bad_lines > MAX_BAD_LINES && fn) {
		buf_reset(&msg);
		buf_printf(&msg, "bad manifest lines: %lu more", v->bad_lines - MAX_BAD_LINES);
		if (buf_error(&msg))
			r = -ENOMEM;
		else
			fn(arg, VERIFY_BAD_MANIFEST, "MANIFEST.sha256", msg.data);
	}
	problems += (long)v->bad_lines;
	buf_free(&name);
	buf_free(&msg);
	return r ? r : problems;
}

bool manifest_member_ok(const struct manifest *v, const char *name)
{
	const struct vname *e = lookup(v, name, strlen(name));

	return v->checked && e && e->seen == 1 && e->listed == 1 &&
	       strcmp(e->got, e->want) == 0;
}

const char *manifest_expected(const struct manifest *v, const char *name)
{
	const struct vname *e = lookup(v, name, strlen(name));

	return e && e->listed ? e->want : NULL;
}

uint64_t manifest_count(const struct manifest *v)
{
	return v->added;
}

static void free_vname(void *p)
{
	struct vname *e = p;

	free(e->name);
	free(e);
}

void manifest_free(struct manifest *v)
{
	if (!v)
		return;
	u64map_free(&v->by_name, free_vname);
	free(v->order);
	free(v);
}
