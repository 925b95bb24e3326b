/* fuzz_parse: one input as /proc text (stat, status, fdinfo, links, net tables, maps, mountinfo), as a sock_diag dump, and as raw host bytes. */
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "fsnotify.h"
#include "fuzz.h"
#include "jsonw.h"
#include "locks.h"
#include "mountinfo.h"
#include "parse.h"
#include "sockdiag.h"
#include "snapview.h"

/*
 * /proc text is shaped by whoever runs on the inspected host: a process
 * names itself ":-) 1 2 3" or "a\nb", a unix socket's path is any bytes.
 * Every parser gets the whole input and each of its lines, as an exact
 * heap copy (ASan sees one byte past the end).  The same bytes go
 * through escape_text (safe to print), base64 both ways and jsonw_bytes
 * (valid JSON that gives back the exact bytes).
 */

static void *copy(const void *p, size_t n)
{
	void *c = malloc(n ? n : 1);

	if (!c)
		fuzz_fail("out of memory");
	memcpy(c, p, n);
	return c;
}

static void on_elem(const char *elem, size_t len, void *arg)
{
	const char **bounds = arg;

	if (elem < bounds[0] || elem + len > bounds[1])
		fuzz_fail("parse_nul_list: element outside its input");
}

static void within(const char *what, const char *p, size_t n, const char *s, size_t sn)
{
	if (p < s || p + n > s + sn)
		fuzz_fail("%s: result outside its input", what);
}

static void check_sock(const struct parse_sock *k)
{
	if (strnlen(k->proto, sizeof(k->proto)) == sizeof(k->proto) ||
	    strnlen(k->local, sizeof(k->local)) == sizeof(k->local) ||
	    strnlen(k->remote, sizeof(k->remote)) == sizeof(k->remote) ||
	    strnlen(k->state, sizeof(k->state)) == sizeof(k->state) ||
	    strnlen(k->type, sizeof(k->type)) == sizeof(k->type))
		fuzz_fail("parse_net: a field is not NUL-terminated");
	fuzz_check_text("socket local", k->local, strlen(k->local), true);
}

/* A mark from fdinfo: its names are what a record writes. */
static void on_mark(const struct fsnotify_mark *m, void *arg)
{
	size_t *count = arg;

	if (m->on > FSNOTIFY_MNTNS)
		fuzz_fail("fsnotify: mark on nothing known");
	(void)fsnotify_dev(m->sdev);
	(void)fsnotify_read_events(m);
	(void)fsnotify_sees_unlinked_children(m);
	(*count)++;
}

static void on_name(const char *name, void *arg)
{
	(void)arg;
	fuzz_check_text("fsnotify mask name", name, strlen(name), false);
}

static int on_sock(const struct parse_sock *k, void *arg)
{
	(void)arg;
	check_sock(k);
	return 0;
}

static void parse_mountinfo_line(const char *s, size_t n)
{
	struct mountinfo_entry e;
	char path[64];

	if (mountinfo_parse_line(s, n, &e))
		return;
	within("mountinfo root", e.root, e.root_len, s, n);
	within("mountinfo point", e.point, e.point_len, s, n);
	within("mountinfo fstype", e.fstype, e.fstype_len, s, n);
	within("mountinfo source", e.source, e.source_len, s, n);
	within("mountinfo super", e.super, e.super_len, s, n);
	if (mountinfo_unescape(e.point, e.point_len, path, sizeof(path)) > e.point_len)
		fuzz_fail("mountinfo_unescape: longer than its input");
	mountinfo_path_is(e.point, e.point_len, "/proc", true);
}

static void parse_text(const char *s, size_t n)
{
	size_t marks = 0;
	struct parse_stat st;
	struct parse_status ss;
	struct parse_fdinfo fi;
	const char *val, *name, *bounds[2] = { s, s + n };
	size_t vlen, name_len;
	uint64_t ino, v;
	int k;

	if (parse_stat(s, n, &st) == 0 && st.comm_len > sizeof(st.comm))
		fuzz_fail("parse_stat: comm of %zu bytes", st.comm_len);
	parse_status(s, n, &ss);
	if (parse_status_field(s, n, "Name", &val, &vlen) == 0)
		within("parse_status_field", val, vlen, s, n);
	parse_fdinfo(s, n, &fi);
	if (parse_link(s, n, &ino, &name, &name_len) == PARSE_LINK_ANON)
		within("parse_link", name, name_len, s, n);
	parse_btime(s, n, &v);
	parse_nul_list(s, n, on_elem, bounds);
	fsnotify_parse_marks(s, n, on_mark, &marks);
	if (n >= 4) {
		uint32_t mask;

		memcpy(&mask, s, 4);
		fsnotify_mask_names(s[0] & 1, mask, on_name, NULL);
	}
	/* s is a heap copy: aligned, as a dump read into a buffer is. */
	for (k = 0; k < SOCKDIAG_NKINDS; k++)
		sockdiag_parse(s, n, (enum sockdiag_kind)k, NULL, on_sock, NULL);
}

static void parse_line(const char *s, size_t n, struct snapview_maps *maps)
{
	static const char *const protos[] = { "tcp", "tcp6", "udp", "udp6" };
	struct parse_sock k;
	struct locks_entry le;
	size_t i;

	if (locks_parse_line(s, n, &le) == 0 &&
	    (strnlen(le.state, sizeof(le.state)) == sizeof(le.state) ||
	     strnlen(le.type, sizeof(le.type)) == sizeof(le.type)))
		fuzz_fail("locks_parse_line: a field is not NUL-terminated");
	for (i = 0; i < sizeof(protos) / sizeof(*protos); i++) {
		memset(&k, 0, sizeof(k));
		if (parse_net_inet(s, n, protos[i], &k) == 0)
			check_sock(&k);
	}
	memset(&k, 0, sizeof(k));
	if (parse_net_unix(s, n, &k) == 0)
		check_sock(&k);
	parse_mountinfo_line(s, n);
	snapview_maps_add(maps, s, n);
}

/* jsonw_bytes must give back the exact bytes: the string when clean,
 * else KEY_b64. */
static void check_jsonw(const char *s, size_t n)
{
	struct buf out = BUF_INIT, raw = BUF_INIT;
	struct jsonw w;
	json_error_t je;
	json_t *j, *v, *b;

	jsonw_init(&w, &out);
	jsonw_open(&w, NULL);
	jsonw_bytes(&w, "k", s, n);
	jsonw_close(&w);
	if (buf_error(&out))
		fuzz_fail("out of memory");
	fuzz_check_json_text("jsonw output", out.data, out.len);
	j = json_loadb(out.data, out.len, 0, &je);
	if (!j)
		fuzz_fail("jsonw_bytes: invalid JSON (%s): %s", je.text, out.data);
	v = json_object_get(j, "k");
	b = json_object_get(j, "k_b64");
	if (!json_is_string(v))
		fuzz_fail("jsonw_bytes: no string");
	if (escape_is_clean_utf8(s, n)) {
		if (b || json_string_length(v) != n || memcmp(json_string_value(v), s, n))
			fuzz_fail("jsonw_bytes: clean text changed");
	} else {
		if (!json_is_string(b) ||
		    escape_base64_decode(&raw, json_string_value(b), json_string_length(b)) ||
		    raw.len != n || (n && memcmp(raw.data, s, n)))
			fuzz_fail("jsonw_bytes: _b64 does not give the bytes back");
	}
	json_decref(j);
	buf_free(&out);
	buf_free(&raw);
}

static void check_escape(const char *s, size_t n)
{
	struct buf e = BUF_INIT, b64 = BUF_INIT, back = BUF_INIT;

	escape_text(&e, s, n);
	fuzz_check_text("escape_text", e.data ? e.data : "", e.len, true);
	escape_base64(&b64, s, n);
	if (escape_base64_decode(&back, b64.data ? b64.data : "", b64.len) ||
	    back.len != n || (n && memcmp(back.data, s, n)))
		fuzz_fail("base64 does not give the bytes back");
	/* Hostile base64 (a _b64 key) must fail cleanly or decode. */
	buf_reset(&back);
	escape_base64_decode(&back, s, n);
	buf_free(&e);
	buf_free(&b64);
	buf_free(&back);
}

/* ps --tree over hostile parent links (loops, self-parents, duplicate
 * pids): the input's bytes as (pid, ppid) pairs of 8 bits each, so that
 * links collide.  Every process appears exactly once. */
static void check_tree(const uint8_t *data, size_t size)
{
	size_t n = size / 2, i;
	int *pid = malloc((n ? n : 1) * sizeof(*pid));
	int *ppid = malloc((n ? n : 1) * sizeof(*ppid));
	size_t *order = malloc((n ? n : 1) * sizeof(*order));
	unsigned *depth = malloc((n ? n : 1) * sizeof(*depth));
	bool *seen = calloc(n ? n : 1, sizeof(*seen));

	if (!pid || !ppid || !order || !depth || !seen)
		fuzz_fail("out of memory");
	for (i = 0; i < n; i++) {
		pid[i] = data[2 * i];
		ppid[i] = data[2 * i + 1];
	}
	if (snapview_tree(pid, ppid, n, order, depth))
		fuzz_fail("snapview_tree failed");
	for (i = 0; i < n; i++) {
		if (order[i] >= n || seen[order[i]])
			fuzz_fail("tree order is not a permutation");
		seen[order[i]] = true;
	}
	free(pid);
	free(ppid);
	free(order);
	free(depth);
	free(seen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snapview_maps maps = SNAPVIEW_MAPS_INIT;
	struct buf out = BUF_INIT;
	char *s = copy(data, size), *z;
	const char *p = s, *end = s + size;
	uint64_t v;

	parse_text(s, size);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line = copy(p, n);

		parse_line(line, n, &maps);
		free(line);
		p += n + (nl != NULL);
	}
	snapview_maps_text(&out, &maps);
	fuzz_check_lines("maps summary", out.data ? out.data : "", out.len);
	snapview_maps_free(&maps);
	buf_free(&out);
	check_escape(s, size);
	check_jsonw(s, size);
	z = malloc(size + 1);
	if (!z)
		fuzz_fail("out of memory");
	memcpy(z, data, size);
	z[size] = '\0';
	parse_size(z, &v);
	free(z);
	check_tree(data, size);
	free(s);
	return 0;
}
