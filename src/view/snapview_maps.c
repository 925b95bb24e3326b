/* snapview_maps: a summary of /proc/PID/maps — executable and deleted mappings — text or JSON. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "snapview.h"

/* The next space-separated field of [*p, end). */
static bool field(const char **p, const char *end, const char **f, size_t *n)
{
	const char *s = *p;

	while (s < end && *s == ' ')
		s++;
	*f = s;
	while (s < end && *s != ' ')
		s++;
	*n = (size_t)(s - *f);
	*p = s;
	return *n > 0;
}

static bool hex_range(const char *f, size_t n, uint64_t *lo, uint64_t *hi)
{
	const char *dash = memchr(f, '-', n);
	char a[17], b[17];
	char *e;

	if (!dash || dash == f || (size_t)(dash - f) > 16 || n - (size_t)(dash - f) - 1 > 16 ||
	    n - (size_t)(dash - f) - 1 == 0)
		return false;
	memcpy(a, f, (size_t)(dash - f));
	a[dash - f] = '\0';
	memcpy(b, dash + 1, n - (size_t)(dash - f) - 1);
	b[n - (size_t)(dash - f) - 1] = '\0';
	*lo = strtoull(a, &e, 16);
	if (*e)
		return false;
	*hi = strtoull(b, &e, 16);
	return !*e && *hi >= *lo;
}

/* proc(5): "address perms offset dev inode pathname". */
void snapview_maps_add(struct snapview_maps *m, const char *line, size_t n)
{
	static const char del[] = " (deleted)";
	const char *p = line, *end = line + n, *f, *perm = NULL;
	uint64_t lo, hi;
	size_t fl, i;

	if (!field(&p, end, &f, &fl) || !hex_range(f, fl, &lo, &hi)) {
		m->bad++;
		return;
	}
	for (i = 0; i < 4; i++) {
		if (!field(&p, end, &f, &fl)) {
			m->bad++;
			return;
		}
		if (i == 0)
			perm = fl == 4 ? f : NULL;
	}
	if (!perm) {
		m->bad++;
		return;
	}
	while (p < end && *p == ' ')
		p++;
	m->mappings++;
	m->bytes += hi - lo;
	if (perm[2] == 'x') {
		m->exec++;
		if (p == end)
			m->anon_exec++;
		if (perm[1] == 'w')
			m->write_exec++;
	}
	if ((size_t)(end - p) > sizeof(del) - 1 &&
	    memcmp(end - (sizeof(del) - 1), del, sizeof(del) - 1) == 0) {
		struct buf e = BUF_INIT;

		m->deleted++;
		escape_text(&e, p, (size_t)(end - p));
		/* Consecutive mappings of one file are named once. */
		if (e.data && !(m->last.len == e.len && memcmp(m->last.data, e.data, e.len) == 0)) {
			if (m->named < SNAPVIEW_MAPS_NAMED) {
				buf_append(&m->names, e.data, e.len);
				buf_putc(&m->names, '\n');
				m->named++;
			}
			buf_reset(&m->last);
			buf_append(&m->last, e.data, e.len);
		}
		buf_free(&e);
	}
}

int snapview_maps_text(struct buf *out, const struct snapview_maps *m)
{
	const char *p, *end;

	buf_printf(out, "  %" PRIu64 " mappings, %" PRIu64 " KiB; %" PRIu64 " executable, "
		   "%" PRIu64 " executable without a file, %" PRIu64 " writable and "
		   "executable, %" PRIu64 " of deleted files",
		   m->mappings, m->bytes >> 10, m->exec, m->anon_exec, m->write_exec,
		   m->deleted);
	if (m->bad)
		buf_printf(out, "; %" PRIu64 " lines not understood", m->bad);
	buf_putc(out, '\n');
	/* No deleted mapping: names.data is NULL, and NULL + 0 is undefined
	 * behaviour in C (found by fuzzing with clang's UBSan). */
	p = m->names.data;
	end = p ? p + m->names.len : NULL;
	for (; p && p < end; ) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		buf_puts(out, "  deleted file mapped: ");
		buf_append(out, p, (size_t)(nl - p));
		buf_putc(out, '\n');
		p = nl + 1;
	}
	return buf_error(out);
}

void snapview_maps_json(struct jsonw *w, const char *key, const struct snapview_maps *m)
{
	const char *p, *end;

	jsonw_open(w, key);
	jsonw_uint(w, "mappings", m->mappings);
	jsonw_uint(w, "bytes", m->bytes);
	jsonw_uint(w, "exec", m->exec);
	jsonw_uint(w, "anon_exec", m->anon_exec);
	jsonw_uint(w, "write_exec", m->write_exec);
	jsonw_uint(w, "deleted", m->deleted);
	jsonw_uint(w, "bad_lines", m->bad);
	/* The names are escaped text here (the raw maps member keeps the
	 * bytes): valid UTF-8 by construction. */
	jsonw_aopen(w, "deleted_files");
	p = m->names.data;
	end = p ? p + m->names.len : NULL; /* as in snapview_maps_text */
	for (; p && p < end; ) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		jsonw_bytes(w, NULL, p, (size_t)(nl - p));
		p = nl + 1;
	}
	jsonw_aclose(w);
	jsonw_close(w);
}

void snapview_maps_free(struct snapview_maps *m)
{
	buf_free(&m->names);
	buf_free(&m->last);
}
