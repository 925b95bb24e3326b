/* fuzz_records: one input as a process.json or fds.jsonl record, shown every way snapread shows one. */
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "fuzz.h"
#include "jsonfast.h"
#include "objects.h"
#include "snapshot.h"
#include "snapview.h"
#include "users.h"

/*
 * The archive harness reaches records only through tar and the manifest;
 * here the mutations go straight into the JSON.  The input is parsed as
 * the reader parses a member (duplicates refused, \u0000 allowed), then
 * shown as ps, fds and show would: every key may be missing, of the
 * wrong type, huge, negative, or a _b64 that is not base64.
 */

/* Each object of a process after its fds, as fds shows it: text and JSON. */
static int object_row(void *arg, const struct object *o)
{
	struct snapview_ctx ctx = { .machine = "aarch64" };
	struct buf *out = arg, t = BUF_INIT;

	snapview_object_text(&t, &ctx, o);
	fuzz_check_lines("fds object line", t.data, t.len);
	buf_free(&t);
	return snapview_object_json(out, &ctx, o);
}

static void show(const json_t *rec, const struct users *users)
{
	struct snapview_ctx ctx = { .machine = "x86_64", .users = users };
	static const char *const keys[] = {
		"name", "target", "state", "start_time", "type", "anon", "fdinfo",
		"status", "member", "sha256", "reason", "errno", "nope", NULL,
	};
	struct buf out = BUF_INIT, b = BUF_INIT;
	const char *const *k;
	size_t at, i;
	int64_t v;
	bool t;

	snapview_proc_text(&out, rec, users, 3, &at);
	if (at > out.len)
		fuzz_fail("name offset past the line");
	fuzz_check_lines("ps line", out.data, out.len);
	buf_reset(&out);
	snapview_proc_json(&out, rec);
	fuzz_check_json_lines("ps --json", out.data, out.len);
	buf_reset(&out);
	snapview_ctx_process(&ctx, rec);
	snapview_fd_text(&out, &ctx, rec);
	fuzz_check_lines("fds line", out.data, out.len);
	buf_reset(&out);
	snapview_fd_json(&out, &ctx, rec);
	fuzz_check_json_lines("fds --json", out.data, out.len);
	buf_reset(&out);
	ctx.full = true;
	snapview_fd_json(&out, &ctx, rec);
	fuzz_check_json_lines("show --json fd", out.data, out.len);
	buf_reset(&out);
	objects_of_process(rec, object_row, &out);
	fuzz_check_json_lines("fds --json objects", out.data ? out.data : "", out.len);
	buf_reset(&out);
	snapview_cmdline(&out, rec);
	fuzz_check_text("cmdline", out.data ? out.data : "", out.len, true);
	buf_reset(&out);
	snapview_errors_text(&out, rec, "  ");
	fuzz_check_lines("errors", out.data ? out.data : "", out.len);
	buf_reset(&out);
	snapview_exec_text(&out, rec);
	fuzz_check_lines("exec files", out.data, out.len);
	buf_reset(&out);
	snapview_ids(&out, users, rec, "uid", false);
	fuzz_check_text("uids", out.data ? out.data : "", out.len, true);
	buf_reset(&out);
	snapview_ids(&out, users, rec, "gid", true);
	fuzz_check_text("gids", out.data ? out.data : "", out.len, true);
	for (k = keys; *k; k++) {
		buf_reset(&out);
		snapview_text(&out, rec, *k, "-");
		fuzz_check_text(*k, out.data ? out.data : "", out.len, true);
		snapshot_bytes(rec, *k, &b);
		snapshot_str(rec, *k);
		snapshot_int(rec, *k, &v);
		snapshot_bool(rec, *k, &t);
		buf_reset(&out);
		snapview_num(&out, 7, rec, *k);
	}
	for (i = 0; i < json_array_size(json_object_get(rec, "argv")) + 1; i++)
		snapshot_array_bytes(rec, "argv", i, &b);
	snapview_proc_has_uid(rec, 0);
	snapview_fd_type(rec);
	snapview_fd_deleted(rec);
	if (buf_error(&out))
		fuzz_fail("out of memory formatting");
	buf_free(&out);
	buf_free(&b);
}

/* The reader's simdjson path answers as jansson does, or defers to it
 * (jsonfast.h): never a value jansson would not have built, nor one it
 * would have refused; pruned, never one it would have refused. */
static void same_as_jansson(const uint8_t *data, size_t size, const json_t *j)
{
	static struct jsonfast *jf;
	json_t *f, *p;
	char *a, *b;

	if (!jf)
		jf = jsonfast_new();
	f = jsonfast_load(jf, (const char *)data, size, NULL);
	p = jsonfast_load(jf, (const char *)data, size, snapview_fd_lean_prune());
	if ((f || p) && !json_is_object(j))
		fuzz_fail("jsonfast built what jansson refuses");
	a = f ? json_dumps(f, JSON_COMPACT) : NULL;
	b = f ? json_dumps(j, JSON_COMPACT) : NULL;
	if (f && (!a || !b || strcmp(a, b) != 0 || !json_equal(f, j)))
		fuzz_fail("jsonfast built otherwise than jansson");
	free(a);
	free(b);
	json_decref(f);
	json_decref(p);
}

/* The input as an /etc/passwd and /etc/group of a hostile host: names
 * of any bytes, shown escaped. */
static struct users *users_of(const uint8_t *data, size_t size)
{
	static const char known[] = "root:x:0:0::/:\nev\x1b]0;x\x07il:x:1000:1000::/:\n"
				    "a-name-far-longer-than-the-column:x:33:33::/:\n";
	struct users *u = NULL;
	struct buf b = BUF_INIT;
	uint64_t id = 0;
	size_t len, i;

	if (users_new(&u))
		return NULL;
	users_add_passwd(u, known, sizeof(known) - 1);
	users_add_passwd(u, (const char *)data, size);
	users_add_group(u, (const char *)data, size);
	for (i = 0; i < 8; i++) {
		const char *n = users_user(u, i * 500, &len);

		buf_reset(&b);
		snapview_user(&b, u, true, (int64_t)(i * 500), i);
		fuzz_check_text("user", b.data ? b.data : "", b.len, true);
		if (n && !users_uid(u, n, len, &id))
			fuzz_fail("users: uid %zu's name not found back", i * 500);
		users_group(u, i * 500, &len);
	}
	buf_free(&b);
	return u;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t je;
	json_t *j = json_loadb((const char *)data, size,
			       JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
	struct users *u = users_of(data, size);

	same_as_jansson(data, size, j);

	if (json_is_object(j)) {
		show(j, u);
		/* The same record nested where show looks for links and
		 * content: exe, content, socket, stat. */
		json_t *w = json_pack("{s:O,s:{s:O},s:O,s:O}", "exe", j, "content", "x", j,
				      "socket", j, "stat", j);

		if (w) {
			json_object_set(w, "content", j);
			show(w, u);
			json_decref(w);
		}
	}
	json_decref(j);
	users_free(u);
	return 0;
}
