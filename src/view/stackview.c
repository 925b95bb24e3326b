/* stackview: how stack's records are shown — one escaped text line, or one JSON object (docs/schema/stack.json). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "jsonw.h"
#include "stackview.h"

const char *stackview_header(void)
{
	return "HOSTS KIND     WHAT\n";
}

static void text(struct buf *out, const struct stack_bytes *b, const char *empty)
{
	if (b->n)
		escape_text(out, b->p, b->n);
	else
		buf_puts(out, empty);
}

/* "a, b, c" (", ..." when more were seen). */
static void text_set(struct buf *out, const struct stack_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (i)
			buf_puts(out, ", ");
		text(out, &s->v[i], "?");
	}
	if (s->more)
		buf_puts(out, ", ...");
}

/* " (a, b)" when the set has values. */
static void text_paren(struct buf *out, const struct stack_set *s)
{
	if (!s->n)
		return;
	buf_puts(out, " (");
	text_set(out, s);
	buf_putc(out, ')');
}

/* The shape: arguments (each NUL-ended) joined by spaces. */
static void text_shape(struct buf *out, const struct stack_bytes *shape)
{
	const char *p = shape->p, *end = shape->p + shape->n, *z;

	while (p < end) {
		z = memchr(p, '\0', (size_t)(end - p));
		if (!z)
			z = end;
		if (p != shape->p)
			buf_putc(out, ' ');
		escape_text(out, p, (size_t)(z - p));
		p = z + 1;
	}
}

static void what_file(struct buf *out, const struct stack_record *r)
{
	if (r->flags & STACK_BY_PATH) {
		text(out, &r->part[0], "?");
		text_paren(out, &r->set[1]);
		buf_puts(out, "  [by path, no hash recorded]");
		return;
	}
	if (r->set[0].n)
		text_set(out, &r->set[0]);
	text_paren(out, &r->set[1]);
	buf_puts(out, "  sha256 ");
	text(out, &r->part[0], "?");
}

static void what(struct buf *out, const struct stack_record *r)
{
	switch (r->kind) {
	case STACK_EXE:
	case STACK_LIBRARY:
		what_file(out, r);
		break;
	case STACK_PROCESS:
		text(out, &r->part[0], "?");
		if (r->flags & STACK_NO_CMDLINE)
			buf_puts(out, ": (command line not recorded)");
		else if (!r->part[1].n)
			buf_puts(out, ": (no command line)");
		else {
			buf_puts(out, ": ");
			text_shape(out, &r->part[1]);
		}
		if (r->flags & STACK_TRUNCATED)
			buf_puts(out, " ...");
		break;
	case STACK_LISTEN:
		text(out, &r->part[0], "?");
		buf_putc(out, ' ');
		text(out, &r->part[1], "(unnamed)");
		buf_putc(out, ' ');
		if (r->flags & STACK_NO_EXE)
			buf_puts(out, "(executable not recorded)");
		else
			text(out, &r->part[2], "?");
		text_paren(out, &r->set[1]);
		if (r->set[0].n) {
			buf_puts(out, " on ");
			text_set(out, &r->set[0]);
		}
		break;
	case STACK_PARENT:
		if (r->flags & STACK_NO_PARENT)
			buf_puts(out, "(no parent)");
		else if (r->flags & STACK_PARENT_MISSING)
			buf_puts(out, "(parent not in the snapshot)");
		else
			text(out, &r->part[0], "?");
		buf_puts(out, " -> ");
		text(out, &r->part[1], "?");
		break;
	case STACK_USER:
		if (r->flags & STACK_BY_UID) {
			buf_puts(out, "uid ");
			text(out, &r->part[0], "?");
			buf_puts(out, " (no passwd in the snapshot)");
		} else {
			text(out, &r->part[0], "?");
			buf_puts(out, " (uid ");
			text_set(out, &r->set[0]);
			buf_putc(out, ')');
		}
		break;
	default:
		buf_puts(out, "?");
	}
}

int stackview_text(struct buf *out, const struct stack_record *r,
		   const struct stack_host *hosts)
{
	size_t i;

	buf_printf(out, "%5u %-8s ", (unsigned)r->hosts, stack_kind_name(r->kind));
	what(out, r);
	buf_puts(out, "  on: ");
	for (i = 0; i < r->listed; i++) {
		if (i)
			buf_puts(out, ", ");
		buf_puts(out, hosts[r->host[i]].label);
	}
	if (r->hosts > r->listed)
		buf_printf(out, " (+%u more)", (unsigned)(r->hosts - r->listed));
	buf_putc(out, '\n');
	return buf_error(out);
}

/* ---- JSON ------------------------------------------------------------ */

/* KEY: [...] of bytes, KEY_b64 parallel when any is not clean, KEY_more. */
static void json_list(struct jsonw *w, const char *key, const struct stack_bytes *v,
		      size_t n, bool more)
{
	char k[64];
	bool clean = true;
	size_t i;

	jsonw_aopen(w, key);
	for (i = 0; i < n; i++) {
		jsonw_bytes(w, NULL, v[i].p, v[i].n);
		clean &= escape_is_clean_utf8(v[i].p, v[i].n);
	}
	jsonw_aclose(w);
	if (!clean) {
		snprintf(k, sizeof(k), "%s_b64", key);
		jsonw_aopen(w, k);
		for (i = 0; i < n; i++) {
			struct buf b = BUF_INIT;

			escape_base64(&b, v[i].p, v[i].n);
			jsonw_str(w, NULL, b.data ? b.data : "");
			buf_free(&b);
		}
		jsonw_aclose(w);
	}
	snprintf(k, sizeof(k), "%s_more", key);
	jsonw_bool(w, k, more);
}

static void json_set(struct jsonw *w, const char *key, const struct stack_set *s)
{
	json_list(w, key, s->v, s->n, s->more);
}

static void json_bytes(struct jsonw *w, const char *key, const struct stack_bytes *b)
{
	jsonw_bytes(w, key, b->p, b->n);
}

/* The shape's arguments as an array. */
static void json_shape(struct jsonw *w, const struct stack_bytes *shape, bool truncated)
{
	struct stack_bytes v[STACK_SHAPE_MAX / 2 + 1];
	const char *p = shape->p, *end = shape->p + shape->n, *z;
	size_t n = 0;

	while (p < end && n < sizeof(v) / sizeof(*v)) {
		z = memchr(p, '\0', (size_t)(end - p));
		if (!z)
			z = end;
		v[n].p = p;
		v[n++].n = (size_t)(z - p);
		p = z + 1;
	}
	json_list(w, "shape", v, n, truncated);
}

static void json_file(struct jsonw *w, const struct stack_record *r)
{
	if (r->flags & STACK_BY_PATH) {
		jsonw_null(w, "sha256");
		jsonw_str(w, "by", "path");
		json_bytes(w, "path", &r->part[0]);
		json_list(w, "paths", &r->part[0], 1, false);
	} else {
		jsonw_str(w, "sha256", r->part[0].p);
		jsonw_str(w, "by", "sha256");
		json_set(w, "paths", &r->set[0]);
	}
	if (r->kind == STACK_EXE)
		json_set(w, "names", &r->set[1]);
}

static void json_uids(struct jsonw *w, const struct stack_record *r)
{
	size_t i;

	jsonw_aopen(w, "uids");
	if (r->flags & STACK_BY_UID)
		jsonw_uint(w, NULL, strtoull(r->part[0].p, NULL, 10));
	else
		for (i = 0; i < r->set[0].n; i++)
			jsonw_uint(w, NULL, strtoull(r->set[0].v[i].p, NULL, 10));
	jsonw_aclose(w);
}

static void json_key(struct jsonw *w, const struct stack_record *r)
{
	switch (r->kind) {
	case STACK_EXE:
	case STACK_LIBRARY:
		json_file(w, r);
		break;
	case STACK_PROCESS:
		json_bytes(w, "name", &r->part[0]);
		jsonw_bool(w, "cmdline_recorded", !(r->flags & STACK_NO_CMDLINE));
		json_shape(w, &r->part[1], r->flags & STACK_TRUNCATED);
		break;
	case STACK_LISTEN:
		jsonw_str(w, "proto", r->part[0].p);
		if (strcmp(r->part[0].p, "unix") == 0) {
			jsonw_null(w, "port");
			json_bytes(w, "path", &r->part[1]);
		} else {
			char *e;
			unsigned long port = strtoul(r->part[1].p, &e, 10);

			if (*e || e == r->part[1].p || port > 65535)
				jsonw_null(w, "port");
			else
				jsonw_uint(w, "port", port);
			jsonw_null(w, "path");
		}
		if (r->flags & STACK_NO_EXE)
			jsonw_null(w, "exe");
		else
			json_bytes(w, "exe", &r->part[2]);
		json_set(w, "addresses", &r->set[0]);
		json_set(w, "names", &r->set[1]);
		break;
	case STACK_PARENT:
		if (r->flags & (STACK_NO_PARENT | STACK_PARENT_MISSING)) {
			jsonw_null(w, "parent");
			jsonw_str(w, "parent_missing", r->flags & STACK_NO_PARENT ?
				  "no-parent" : "not-in-snapshot");
		} else {
			json_bytes(w, "parent", &r->part[0]);
		}
		json_bytes(w, "child", &r->part[1]);
		break;
	case STACK_USER:
		if (r->flags & STACK_BY_UID)
			jsonw_null(w, "user");
		else
			json_bytes(w, "user", &r->part[0]);
		json_uids(w, r);
		break;
	default:
		break;
	}
}

int stackview_json(struct buf *out, const struct stack_record *r,
		   const struct stack_host *hosts)
{
	struct jsonw w;
	size_t i;

	jsonw_init(&w, out);
	jsonw_open(&w, NULL);
	jsonw_str(&w, "kind", stack_kind_name(r->kind));
	jsonw_uint(&w, "host_count", r->hosts);
	jsonw_aopen(&w, "hosts");
	for (i = 0; i < r->listed; i++)
		jsonw_str(&w, NULL, hosts[r->host[i]].label);
	jsonw_aclose(&w);
	jsonw_uint(&w, "hosts_omitted", r->hosts - r->listed);
	json_key(&w, r);
	jsonw_close(&w);
	buf_putc(out, '\n');
	return buf_error(out);
}

int stackview_host_json(struct buf *out, const struct stack_host *h)
{
	struct jsonw w;

	jsonw_init(&w, out);
	jsonw_open(&w, NULL);
	jsonw_str(&w, "kind", "host");
	jsonw_str(&w, "host", h->label);
	if (h->hostname.n)
		json_bytes(&w, "hostname", &h->hostname);
	else
		jsonw_null(&w, "hostname");
	if (h->boot_id)
		jsonw_str(&w, "boot_id", h->boot_id);
	else
		jsonw_null(&w, "boot_id");
	jsonw_uint(&w, "snapshots", h->snapshots);
	jsonw_uint(&w, "processes", h->processes);
	jsonw_uint(&w, "unexamined", h->unexamined);
	jsonw_close(&w);
	buf_putc(out, '\n');
	return buf_error(out);
}

int stackview_snap_json(struct buf *out, const struct stack_snap *v,
			const struct stack_host *hosts)
{
	struct jsonw w;

	jsonw_init(&w, out);
	jsonw_open(&w, NULL);
	jsonw_str(&w, "kind", "unreadable");
	jsonw_bytes(&w, "path", v->path, strlen(v->path));
	if (v->host == SIZE_MAX)
		jsonw_null(&w, "host");
	else
		jsonw_str(&w, "host", hosts[v->host].label);
	jsonw_str(&w, "error", v->error ? v->error : "");
	jsonw_bool(&w, "complete", v->complete);
	jsonw_close(&w);
	buf_putc(out, '\n');
	return buf_error(out);
}
