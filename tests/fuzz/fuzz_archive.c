/* fuzz_archive: one input as a snapshot archive, through every reading entry point but extract. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diff.h"
#include "diffview.h"
#include "fuzz.h"
#include "jsonw.h"
#include "objects.h"
#include "snapreader.h"
#include "snapshot.h"
#include "snapview.h"
#include "triage.h"
#include "triageview.h"
#include "verify.h"

/*
 * Four readings of the same bytes:
 *  1. snapreader with verification, consuming members in varied ways
 *     (slurp, JSON, line by line, chunk by chunk, not at all) so every
 *     reader path meets every member kind; then the manifest check;
 *  2. snapshot_next_process with opts.ordered: exactly the input of
 *     `snapread diff` (two such streams merged); each process and fd is
 *     formatted as `ps` and `fds` show it, text and JSON;
 *  3. snapshot_next with fds, raw and content as `show` reads it: maps
 *     summarised line by line, status slurped, content streamed;
 *  4. verify_archive, as `snapread verify`;
 *  6. triage with the built-in allowlist, as `snapread triage`: every
 *     finding and unknown rendered as text and JSON (after 5, below);
 *  5. diff against a real archive (FUZZ_DIFF_BASE), both ways, each
 *     change rendered as text and JSON, as `snapread diff` does: the
 *     input's fd lines that differ from the base's are parsed, the others
 *     matched by bytes.
 * The input may be a plain tar (libarchive tells), so mutations reach
 * tar, pax and JSON parsing instead of dying in a gzip checksum.
 */

/* The most processes kept for the tree (a few per input in practice). */
#define TREE_MAX 4096

static void on_problem(void *arg, enum verify_problem p, const char *name,
		       const char *message)
{
	unsigned long *n = arg;

	(*n)++;
	if (!verify_problem_name(p)[0])
		fuzz_fail("verify problem %d has no name", (int)p);
	fuzz_check_text("verify problem name", name, strlen(name), true);
	fuzz_check_text("verify problem message", message, strlen(message), true);
}

/* An error: negative, and its message safe to print. */
static void check_error(const char *what, int x, const char *msg)
{
	if (x >= 0)
		return;
	if (!msg || !msg[0])
		fuzz_fail("%s: error %d without a message", what, x);
	fuzz_check_text(what, msg, strlen(msg), true);
}

/* A member read the way its kind is meant to be read. */
static int consume(struct snapreader *r, const struct snap_member *m, struct buf *b)
{
	struct snap_chunk c;
	json_t *j = NULL;
	uint64_t end = 0;
	int x;

	switch (m->kind) {
	case SNAP_M_HOST:
	case SNAP_M_SUMMARY:
	case SNAP_M_PROCESS:
		x = snapreader_json(r, SNAPREADER_MAX_JSON, &j);
		if (!x && !json_is_object(j))
			fuzz_fail("snapreader_json: not an object");
		json_decref(j);
		return x;
	case SNAP_M_FDS:
		while ((x = snapreader_getline(r, SNAPREADER_MAX_LINE, b)) > 0) {
			x = snapreader_parse_json(r, m->name, b->data, b->len, &j);
			json_decref(j);
			if (x)
				return x;
		}
		return x;
	case SNAP_M_CONTENT:
		while ((x = snapreader_data(r, &c)) > 0) {
			if (c.offset != end || c.len > m->size - end)
				fuzz_fail("%s: chunk at %llu+%zu, expected at %llu of %llu",
					  m->name, (unsigned long long)c.offset, c.len,
					  (unsigned long long)end, (unsigned long long)m->size);
			end += c.len;
		}
		if (!x && end != m->size)
			fuzz_fail("%s: %llu bytes read, %llu declared", m->name,
				  (unsigned long long)end, (unsigned long long)m->size);
		return x;
	default:
		while ((x = snapreader_getline(r, SNAPREADER_MAX_LINE, b)) > 0)
			;
		return x;
	}
}

static void read_members(const char *path)
{
	struct snapreader_opts o = { .verify = true, .allow_unknown = true,
				     .problem = on_problem };
	const struct snap_member *m;
	struct snapreader *r = NULL;
	struct buf b = BUF_INIT;
	unsigned long problems = 0;
	struct snap_chunk c;
	char hex[DIGEST_HEX_LEN + 1];
	uint64_t n = 0, bytes;
	int x;

	o.arg = &problems;
	x = snapreader_open(&r, path, &o);
	while (!x && (x = snapreader_next(r, &m)) > 0) {
		x = 0;
		if (m->name[0] == '\0' || snapreader_kind_name(m->kind)[0] == '\0')
			fuzz_fail("member without a name or kind");
		switch (n++ % 4) {
		case 0:
			x = consume(r, m, &b);
			break;
		case 1:
			if (m->size <= (1u << 20)) {
				x = snapreader_slurp(r, 1u << 20, &b);
				if (!x && b.len != m->size)
					fuzz_fail("slurp of %s: %zu bytes, %llu declared",
						  m->name, b.len, (unsigned long long)m->size);
			}
			break;
		case 2:
			/* One chunk, then the hash must still cover it all. */
			x = snapreader_data(r, &c);
			if (x > 0 && c.offset + c.len > m->size)
				fuzz_fail("chunk past the end of %s", m->name);
			break;
		default:
			break; /* left for snapreader_next to skip and hash */
		}
		if (x < 0)
			break;
		x = snapreader_member_sha256(r, hex);
		if (!x && strlen(hex) != DIGEST_HEX_LEN)
			fuzz_fail("member hash of %zu characters", strlen(hex));
	}
	check_error("snapreader", x, r ? snapreader_error(r) : "out of memory");
	/* Past a few bad manifest lines, one message stands for the rest:
	 * never more reports than problems counted. */
	if (!x && problems > snapreader_problems(r))
		fuzz_fail("%lu problems reported, %lu counted", problems,
			  snapreader_problems(r));
	if (r && snapreader_archive_sha256(r, hex, &bytes) == 0 &&
	    strlen(hex) != DIGEST_HEX_LEN)
		fuzz_fail("archive hash of %zu characters", strlen(hex));
	snapreader_free(r);
	buf_free(&b);
}

/* As ps and fds show a process: text and JSON, each line checked. */
/* Each object of a process after its fds, as fds shows it: text and JSON. */
static int object_row(void *arg, const struct object *o)
{
	struct snapview_ctx ctx = { .proc = NULL };
	struct buf *out = arg, t = BUF_INIT;

	snapview_object_text(&t, &ctx, o);
	fuzz_check_lines("fds object line", t.data, t.len);
	buf_free(&t);
	return snapview_object_json(out, &ctx, o);
}

static void show_process(const struct snap_process *p, const struct users *users,
			 struct buf *out)
{
	struct snapview_ctx ctx = { .machine = "x86_64", .users = users };
	size_t i, at;

	buf_reset(out);
	snapview_proc_text(out, p->process, users, (unsigned)p->pid % 80, &at);
	if (at > out->len)
		fuzz_fail("name offset past the line");
	fuzz_check_lines("ps line", out->data, out->len);
	buf_reset(out);
	snapview_proc_json(out, p->process);
	fuzz_check_json_lines("ps --json", out->data, out->len);
	buf_reset(out);
	snapview_errors_text(out, p->process, "  ");
	fuzz_check_lines("errors", out->data ? out->data : "", out->len);
	buf_reset(out);
	snapview_exec_text(out, p->process);
	fuzz_check_lines("exec files", out->data, out->len);
	buf_reset(out);
	snapview_ids(out, users, p->process, "gid", true);
	fuzz_check_text("ids", out->data ? out->data : "", out->len, true);
	snapview_proc_has_uid(p->process, 0);
	snapview_ctx_process(&ctx, p->process);
	buf_reset(out);
	objects_of_process(p->process, object_row, out);
	fuzz_check_json_lines("fds --json objects", out->data ? out->data : "", out->len);
	for (i = 0; i < json_array_size(p->fds); i++) {
		const json_t *fd = json_array_get(p->fds, i);

		buf_reset(out);
		snapview_fd_text(out, &ctx, fd);
		fuzz_check_lines("fds line", out->data, out->len);
		buf_reset(out);
		snapview_fd_json(out, &ctx, fd);
		fuzz_check_json_lines("fds --json", out->data, out->len);
		ctx.full = true;
		buf_reset(out);
		snapview_fd_json(out, &ctx, fd);
		fuzz_check_json_lines("show --json fd", out->data, out->len);
		ctx.full = false;
		buf_reset(out);
		snapview_errors_text(out, fd, "  fd ");
		fuzz_check_lines("fd errors", out->data ? out->data : "", out->len);
		snapview_fd_type(fd);
	}
	if (buf_error(out))
		fuzz_fail("out of memory formatting");
}

static void check_tree(const int *pid, const int *ppid, size_t n)
{
	size_t *order = malloc((n ? n : 1) * sizeof(*order));
	unsigned *depth = malloc((n ? n : 1) * sizeof(*depth));
	bool *seen = calloc(n ? n : 1, sizeof(*seen));
	size_t i;

	if (!order || !depth || !seen)
		fuzz_fail("out of memory");
	if (snapview_tree(pid, ppid, n, order, depth))
		fuzz_fail("snapview_tree failed");
	/* Hostile parent loops cannot hide a process: a permutation. */
	for (i = 0; i < n; i++) {
		if (order[i] >= n || seen[order[i]])
			fuzz_fail("tree order is not a permutation");
		seen[order[i]] = true;
	}
	free(order);
	free(depth);
	free(seen);
}

static void read_processes(const char *path)
{
	struct snapshot_opts o = { .ordered = true };
	struct snapshot *s = NULL;
	struct snap_process p;
	struct buf out = BUF_INIT;
	int pid[TREE_MAX], ppid[TREE_MAX], last = 0, x;
	size_t n = 0;

	x = snapshot_open(&s, path, &o);
	while (!x && (x = snapshot_next_process(s, &p)) > 0) {
		int64_t v = 0;

		x = 0;
		if (p.pid <= last)
			fuzz_fail("ordered: pid %d after %d", p.pid, last);
		last = p.pid;
		if (!json_is_object(p.process) || !json_is_array(p.fds))
			fuzz_fail("pid %d: process or fds of the wrong type", p.pid);
		show_process(&p, snapshot_users(s), &out);
		if (n < TREE_MAX) {
			snapshot_int(p.process, "ppid", &v);
			pid[n] = p.pid;
			ppid[n++] = v > 0 && v <= INT32_MAX ? (int)v : 0;
		}
	}
	check_error("snapshot_next_process", x, s ? snapshot_error(s) : "out of memory");
	check_tree(pid, ppid, n);
	snapshot_free(s);
	buf_free(&out);
}

/* As show reads one process: every item, raw files and content too. */
static void read_items(const char *path)
{
	struct snapshot_opts o = { .fds = true, .raw = true, .content = true };
	struct snapview_maps maps = SNAPVIEW_MAPS_INIT;
	struct snapshot *s = NULL;
	struct snapshot_item it;
	struct buf line = BUF_INIT, out = BUF_INIT;
	struct snap_chunk c;
	int x;

	x = snapshot_open(&s, path, &o);
	while (!x && (x = snapshot_next(s, &it)) > 0) {
		struct snapreader *r = snapshot_reader(s);

		x = 0;
		if (it.kind == SNAPSHOT_RAW && strcmp(it.member->file, "maps") == 0) {
			while ((x = snapreader_getline(r, SNAPREADER_MAX_LINE, &line)) > 0)
				snapview_maps_add(&maps, line.data, line.len);
		} else if (it.kind == SNAPSHOT_RAW) {
			x = snapreader_slurp(r, 1u << 20, &line);
			if (x == -EFBIG)
				break;
		} else if (it.kind == SNAPSHOT_CONTENT) {
			while ((x = snapreader_data(r, &c)) > 0)
				;
		} else if (it.kind == SNAPSHOT_PROCESS) {
			buf_reset(&out);
			snapview_cmdline(&out, it.json);
			fuzz_check_text("cmdline", out.data ? out.data : "", out.len, true);
		}
		if (x < 0)
			break;
	}
	check_error("snapshot_next", x, s ? snapshot_error(s) : "out of memory");
	snapshot_host(s);
	buf_reset(&out);
	snapview_maps_text(&out, &maps);
	fuzz_check_lines("maps summary", out.data ? out.data : "", out.len);
	snapview_maps_free(&maps);
	snapshot_free(s);
	buf_free(&line);
	buf_free(&out);
}

static void verify(const char *path)
{
	struct verify_result res;
	unsigned long problems = 0;
	struct verify_opts o = { .problem = on_problem, .arg = &problems };
	int x = verify_archive(path, &o, &res);

	if (x > 0 || (x < 0 && !res.message[0]))
		fuzz_fail("verify_archive: %d without a message", x);
	fuzz_check_text("verify message", res.message, strlen(res.message), true);
	if (problems > res.problems)
		fuzz_fail("verify: %lu problems reported, %lu counted", problems, res.problems);
	if (res.ok && (res.error || res.problems))
		fuzz_fail("verify: ok with an error or problems");
}

struct diff_out {
	struct buf text, json;
	struct diff_summary sum;
};

static int on_change(const struct diff_change *c, void *arg)
{
	struct diff_out *o = arg;
	struct jsonw w;

	if (diff_count(&o->sum, c))
		diffview_group_text(&o->text, c);
	diffview_text(&o->text, c);
	buf_reset(&o->json);
	jsonw_init(&w, &o->json);
	if (diffview_json(&w, c))
		fuzz_fail("diffview_json failed");
	buf_putc(&o->json, '\n');
	if (buf_error(&o->text) || buf_error(&o->json))
		fuzz_fail("diff rendering: out of memory");
	fuzz_check_json_lines("diff --json change", o->json.data, o->json.len);
	return 0;
}

static void diff_with_base(const char *a, const char *b)
{
	struct diff_out o = { .text = BUF_INIT, .json = BUF_INIT, .sum = DIFF_SUMMARY_INIT };
	struct diff_opts opts = { .all = true };
	struct diff *d = NULL;
	int x = diff_open(&d, a, b);

	if (!x)
		x = diff_run(d, &opts, on_change, &o);
	check_error("diff", x, diff_error(d));
	fuzz_check_lines("diff text", o.text.data ? o.text.data : "", o.text.len);
	diff_free(d);
	buf_free(&o.text);
	buf_free(&o.json);
}

/* snapread triage: whatever the archive holds, findings print safely. */
static void triage(const char *path)
{
	const struct triage_opts o = { 0 };
	struct triage *t = NULL;
	struct buf out = BUF_INIT, js = BUF_INIT;
	const struct triage_finding *f;
	size_t i;
	int x;

	if (triage_open(&t, &o))
		fuzz_fail("triage_open: %s", triage_error(t));
	x = triage_run(t, path);
	check_error("triage_run", x, triage_error(t));
	buf_puts(&out, triageview_header());
	for (i = 0; (f = triage_finding(t, i)) != NULL; i++) {
		if (i && f->severity > triage_finding(t, i - 1)->severity)
			fuzz_fail("triage: findings are not sorted by severity");
		triageview_finding_text(&out, f);
		triageview_finding_json(&js, f);
	}
	for (i = 0; i < triage_unknown_count(t); i++)
		triageview_unknown_json(&js, triage_unknown(t, i));
	triageview_footer_text(&out, t, triage_count(t), true);
	triageview_summary_json(&js, t);
	if (buf_error(&out) || buf_error(&js))
		fuzz_fail("triage: out of memory");
	fuzz_check_lines("triage text", out.data, out.len);
	fuzz_check_json_lines("triage --json", js.data, js.len);
	buf_free(&out);
	buf_free(&js);
	triage_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = fuzz_file(data, size, path);

	read_members(path);
	read_processes(path);
	read_items(path);
	verify(path);
	diff_with_base(path, FUZZ_DIFF_BASE);
	diff_with_base(FUZZ_DIFF_BASE, path);
	triage(path);
	close(fd);
	return 0;
}
