/* snapview_record: archive records written out in the one schema of snapread's JSON (docs/schema/), field by field. */
#include <string.h>

#include "escape.h"
#include "jsonfast.h"
#include "snapshot.h"
#include "snapview_int.h"

/*
 * Each entity has one set of field names and types in every command's
 * --json: the archive's own (docs/FORMAT.md), checked here.  A known key
 * whose value has the wrong type is left out (missing, never trusted);
 * a key not known here (a newer archive's) is passed on re-encoded, so
 * the output is always valid JSON with U+FFFD + KEY_b64 for unclean bytes.
 * The tables below and the files of docs/schema/ say the same thing: change both.
 */

enum rtype {
	R_INT,      /* a JSON integer */
	R_BOOL,
	R_STR,      /* a string of fixed words (procsnap's own) */
	R_BYTES,    /* host bytes: a string, exact bytes in KEY_b64 */
	R_INTS,     /* an array of integers */
	R_STRS,     /* an array of fixed words */
	R_BYTESV,   /* an array of host bytes, KEY_b64 parallel (argv) */
	R_OBJ,      /* an object of sub */
	R_OBJ_NULL, /* the same, or null (exe, cwd, root: unreadable) */
	R_OBJS,     /* an array of objects of sub */
	R_MAP,      /* an object whose every value is an object of sub */
	R_DERIVED,  /* a name snapread derives (docs/schema): the record's is dropped */
};

struct rfield {
	const char *key;
	enum rtype t;
	const struct rspec *sub;
};

struct rspec {
	const struct rfield *f;
};

#define SPEC(name, ...) \
	static const struct rfield name##_f[] = { __VA_ARGS__, { NULL, R_INT, NULL } }; \
	static const struct rspec name = { name##_f }

SPEC(s_error, { "what", R_STR, NULL }, { "errno", R_STR, NULL }, { "reason", R_STR, NULL },
     { "part", R_DERIVED, NULL });
SPEC(s_watcher, { "pid", R_INT, NULL }, { "fd", R_INT, NULL }, { "api", R_STR, NULL },
     { "via", R_STR, NULL }, { "on", R_STR, NULL }, { "dev", R_INT, NULL },
     { "ino", R_INT, NULL }, { "mnt_id", R_INT, NULL }, { "mnt_ns", R_INT, NULL },
     { "events", R_STRS, NULL }, { "permission", R_BOOL, NULL }, { "late", R_BOOL, NULL });
SPEC(s_lease, { "pid", R_INT, NULL }, { "type", R_STR, NULL }, { "state", R_STR, NULL },
     { "delegation", R_BOOL, NULL });
SPEC(s_mark, { "on", R_STR, NULL }, { "dev", R_INT, NULL }, { "ino", R_INT, NULL },
     { "mnt_id", R_INT, NULL }, { "mnt_ns", R_INT, NULL }, { "wd", R_INT, NULL },
     { "events", R_STRS, NULL }, { "ignored", R_STRS, NULL }, { "mflags", R_INT, NULL });
SPEC(s_reused, { "archive", R_BYTES, NULL }, { "top", R_BYTES, NULL },
     { "member", R_STR, NULL });
SPEC(s_content, { "status", R_STR, NULL }, { "reused", R_OBJ, &s_reused },
     { "member", R_STR, NULL },
     { "sha256", R_STR, NULL }, { "size", R_INT, NULL }, { "stored", R_INT, NULL },
     { "read", R_INT, NULL }, { "data", R_INT, NULL }, { "sparse", R_BOOL, NULL },
     { "changed", R_BOOL, NULL }, { "reason", R_STR, NULL }, { "errno", R_STR, NULL },
     { "regions", R_INT, NULL }, { "holes_filled", R_INT, NULL },
     { "leases", R_OBJS, &s_lease }, { "lease_broken", R_BOOL, NULL },
     { "watchers", R_OBJS, &s_watcher });
SPEC(s_stat, { "dev", R_INT, NULL }, { "ino", R_INT, NULL }, { "mode", R_INT, NULL },
     { "nlink", R_INT, NULL }, { "uid", R_INT, NULL }, { "gid", R_INT, NULL },
     { "size", R_INT, NULL }, { "blocks", R_INT, NULL }, { "rdev", R_INT, NULL },
     { "atime", R_STR, NULL }, { "mtime", R_STR, NULL }, { "ctime", R_STR, NULL },
     { "btime", R_STR, NULL });
SPEC(s_socket, { "proto", R_STR, NULL }, { "local", R_BYTES, NULL },
     { "remote", R_BYTES, NULL }, { "state", R_STR, NULL }, { "socktype", R_STR, NULL },
     { "peer", R_INT, NULL }, { "hidden", R_STRS, NULL });
SPEC(s_link, { "target", R_BYTES, NULL }, { "deleted", R_BOOL, NULL },
     { "stat", R_OBJ, &s_stat }, { "content", R_OBJ, &s_content });
SPEC(s_mapping, { "start", R_STR, NULL }, { "end", R_STR, NULL }, { "offset", R_INT, NULL },
     { "perms", R_STR, NULL }, { "path", R_BYTES, NULL }, { "kind", R_STR, NULL },
     { "dev", R_INT, NULL }, { "ino", R_INT, NULL }, { "size", R_INT, NULL },
     { "stat", R_OBJ, &s_stat }, { "content", R_OBJ, &s_content },
     { "errors", R_OBJS, &s_error });
SPEC(s_unreadable, { "offset", R_INT, NULL }, { "length", R_INT, NULL },
     { "errno", R_STR, NULL });
SPEC(s_region, { "start", R_STR, NULL }, { "end", R_STR, NULL }, { "perms", R_STR, NULL },
     { "maps", R_BYTES, NULL }, { "why", R_STR, NULL }, { "status", R_STR, NULL },
     { "reason", R_STR, NULL }, { "member", R_STR, NULL }, { "sha256", R_STR, NULL },
     { "size", R_INT, NULL }, { "data", R_INT, NULL }, { "read", R_INT, NULL },
     { "unreadable", R_OBJS, &s_unreadable }, { "errors", R_OBJS, &s_error });
SPEC(s_exec, { "kind", R_STR, NULL }, { "path", R_BYTES, NULL }, { "dev", R_INT, NULL },
     { "ino", R_INT, NULL }, { "size", R_INT, NULL }, { "deleted", R_BOOL, NULL },
     { "stat", R_OBJ, &s_stat },
     { "sha256", R_STR, NULL }, { "unhashed", R_STR, NULL }, { "errno", R_STR, NULL },
     { "reason", R_STR, NULL }, { "leases", R_OBJS, &s_lease },
     { "lease_broken", R_BOOL, NULL }, { "watchers", R_OBJS, &s_watcher });
SPEC(s_table, { "tid", R_INT, NULL }, { "tids", R_INTS, NULL }, { "fd_count", R_INT, NULL },
     { "errors", R_OBJS, &s_error });
SPEC(s_container, { "runtime", R_STR, NULL }, { "id", R_BYTES, NULL });
SPEC(s_ns, { "net", R_INT, NULL }, { "mnt", R_INT, NULL }, { "pid", R_INT, NULL },
     { "user", R_INT, NULL }, { "uts", R_INT, NULL }, { "ipc", R_INT, NULL },
     { "cgroup", R_INT, NULL }, { "time", R_INT, NULL });
SPEC(s_caps, { "inh", R_STR, NULL }, { "prm", R_STR, NULL }, { "eff", R_STR, NULL },
     { "bnd", R_STR, NULL }, { "amb", R_STR, NULL });
SPEC(s_file, { "size", R_INT, NULL }, { "truncated", R_BOOL, NULL });
SPEC(s_io, { "rchar", R_INT, NULL }, { "wchar", R_INT, NULL }, { "syscr", R_INT, NULL },
     { "syscw", R_INT, NULL }, { "read_bytes", R_INT, NULL }, { "write_bytes", R_INT, NULL },
     { "cancelled_write_bytes", R_INT, NULL });

SPEC(s_process, { "pid", R_INT, NULL }, { "self", R_BOOL, NULL },
     { "vanished", R_BOOL, NULL }, { "files", R_MAP, &s_file }, { "argv", R_BYTESV, NULL },
     { "name", R_BYTES, NULL }, { "ppid", R_INT, NULL }, { "state", R_STR, NULL },
     { "pgrp", R_INT, NULL }, { "session", R_INT, NULL }, { "tty_nr", R_INT, NULL },
     { "start_ticks", R_INT, NULL }, { "start_time", R_STR, NULL },
     { "kernel_thread", R_BOOL, NULL }, { "utime", R_INT, NULL }, { "stime", R_INT, NULL },
     { "vsize", R_INT, NULL }, { "rss_pages", R_INT, NULL }, { "tgid", R_INT, NULL },
     { "threads", R_INT, NULL }, { "uid", R_INTS, NULL }, { "gid", R_INTS, NULL },
     { "caps", R_OBJ, &s_caps }, { "io", R_OBJ, &s_io }, { "exe", R_OBJ_NULL, &s_link },
     { "cwd", R_OBJ_NULL, &s_link }, { "root", R_OBJ_NULL, &s_link },
     { "fd_count", R_INT, NULL }, { "deleted_fds", R_INT, NULL }, { "ns", R_OBJ, &s_ns },
     { "nspid", R_INTS, NULL }, { "cgroup", R_BYTES, NULL },
     { "container", R_OBJ, &s_container }, { "mountinfo", R_STR, NULL },
     { "mapped_deleted", R_OBJS, &s_mapping }, { "exec_files", R_OBJS, &s_exec },
     { "fd_tables", R_OBJS, &s_table },
     { "thread_fds", R_INT, NULL }, { "threads_table_unknown", R_INT, NULL },
     { "hidden", R_STRS, NULL }, { "found_via", R_STR, NULL },
     { "hidden_mounts", R_BYTESV, NULL },
     { "errors", R_OBJS, &s_error }, { "euid", R_DERIVED, NULL },
     { "cmdline", R_DERIVED, NULL }, { "cmdline_b64", R_DERIVED, NULL },
     { "unexamined", R_DERIVED, NULL }, { "depth", R_DERIVED, NULL });
SPEC(s_fd, { "pid", R_INT, NULL }, { "fd", R_INT, NULL }, { "tid", R_INT, NULL },
     { "target", R_BYTES, NULL }, { "type", R_STR, NULL }, { "anon", R_BYTES, NULL },
     { "kind", R_STR, NULL }, { "seals", R_STRS, NULL }, { "fdinfo", R_BYTES, NULL },
     { "deleted", R_BOOL, NULL }, { "pos", R_INT, NULL }, { "flags", R_INT, NULL },
     { "mnt_id", R_INT, NULL }, { "stat", R_OBJ, &s_stat }, { "inode", R_INT, NULL },
     { "sockproto", R_BYTES, NULL }, { "socket", R_OBJ, &s_socket }, { "content", R_OBJ, &s_content },
     { "watchers", R_OBJS, &s_watcher }, { "marks", R_OBJS, &s_mark },
     { "marks_total", R_INT, NULL }, { "marks_unparsed", R_INT, NULL },
     { "marks_truncated", R_BOOL, NULL },
     { "errors", R_OBJS, &s_error }, { "object", R_DERIVED, NULL },
     { "command", R_DERIVED, NULL }, { "command_b64", R_DERIVED, NULL },
     { "euid", R_DERIVED, NULL }, { "access", R_DERIVED, NULL },
     { "flag_names", R_DERIVED, NULL }, { "lsof_flags", R_DERIVED, NULL },
     { "unexamined", R_DERIVED, NULL },
     { "size", R_DERIVED, NULL });

/* The field named key; the search starts after *from (the field found
 * last), since records come with their keys in the order of the spec. */
static const struct rfield *find_from(const struct rspec *s, const char *key,
				      const struct rfield **from)
{
	const struct rfield *f;

	for (f = *from ? *from + 1 : s->f; f->key; f++)
		if (f->key[0] == key[0] && strcmp(f->key, key) == 0)
			return *from = f;
	for (f = s->f; f->key && f != *from; f++)
		if (f->key[0] == key[0] && strcmp(f->key, key) == 0)
			return *from = f;
	return NULL;
}

static const struct rfield *find(const struct rspec *s, const char *key)
{
	const struct rfield *from = NULL;

	return find_from(s, key, &from);
}

/* "argv_b64" whose "argv" is host bytes: written again with its value. */
static bool regenerated(const struct rspec *s, const char *key)
{
	size_t n = strlen(key);
	const struct rfield *f;

	if (n <= 4 || strcmp(key + n - 4, "_b64") != 0)
		return false;
	for (f = s->f; f->key; f++)
		if ((f->t == R_BYTES || f->t == R_BYTESV) && strlen(f->key) == n - 4 &&
		    strncmp(f->key, key, n - 4) == 0)
			return true;
	return false;
}

static void put_record(struct jsonw *w, const char *key, const struct rspec *s,
		       const json_t *obj);

/* Host bytes, exact (KEY_b64 decoded); left out when that is not base64.
 * Most strings have no KEY_b64: written straight from the record. */
static void put_bytes(struct jsonw *w, const json_t *obj, const char *key, const json_t *v)
{
	struct buf b = BUF_INIT;
	char k[64];
	size_t n = strlen(key);

	if (n + 5 <= sizeof(k)) {
		memcpy(k, key, n);
		memcpy(k + n, "_b64", 5);
		if (!json_object_get(obj, k)) {
			jsonw_bytes(w, key, json_string_value(v), json_string_length(v));
			return;
		}
	}
	if (snapshot_bytes(obj, key, &b) == 1)
		jsonw_bytes(w, key, b.data ? b.data : "", b.len);
	buf_free(&b);
}

static void put_ints(struct jsonw *w, const char *key, const json_t *a)
{
	size_t i;

	jsonw_aopen(w, key);
	for (i = 0; i < json_array_size(a); i++)
		if (json_is_integer(json_array_get(a, i)))
			jsonw_int(w, NULL, (int64_t)json_integer_value(json_array_get(a, i)));
	jsonw_aclose(w);
}

static void put_strs(struct jsonw *w, const char *key, const json_t *a)
{
	size_t i;

	jsonw_aopen(w, key);
	for (i = 0; i < json_array_size(a); i++) {
		const json_t *e = json_array_get(a, i);

		if (json_is_string(e))
			jsonw_bytes(w, NULL, json_string_value(e), json_string_length(e));
	}
	jsonw_aclose(w);
}

/* argv and its parallel argv_b64 (when any element is not clean). */
static void put_bytesv(struct jsonw *w, const char *key, const json_t *obj)
{
	struct buf b = BUF_INIT, e = BUF_INIT;
	size_t i, n = json_array_size(json_object_get(obj, key));
	bool clean = true;
	char k[64];

	jsonw_aopen(w, key);
	for (i = 0; i < n; i++) {
		if (snapshot_array_bytes(obj, key, i, &b) != 1) {
			jsonw_str(w, NULL, "");
			continue;
		}
		jsonw_bytes(w, NULL, b.data, b.len);
		clean = clean && escape_is_clean_utf8(b.data, b.len);
	}
	jsonw_aclose(w);
	if (clean)
		goto out;
	snprintf(k, sizeof(k), "%s_b64", key);
	jsonw_aopen(w, k);
	for (i = 0; i < n; i++) {
		buf_reset(&e);
		if (snapshot_array_bytes(obj, key, i, &b) == 1)
			escape_base64(&e, b.data, b.len);
		jsonw_str(w, NULL, e.data ? e.data : "");
	}
	jsonw_aclose(w);
out:
	buf_free(&b);
	buf_free(&e);
}

/* One known field; a value of another type is left out. */
static void put_field(struct jsonw *w, const struct rfield *f, const json_t *obj,
		      const json_t *v)
{
	const char *k;
	json_t *e;
	size_t i;

	switch (f->t) {
	case R_INT:
		if (json_is_integer(v))
			jsonw_int(w, f->key, (int64_t)json_integer_value(v));
		break;
	case R_BOOL:
		if (json_is_boolean(v))
			jsonw_bool(w, f->key, json_is_true(v));
		break;
	case R_STR:
		if (json_is_string(v))
			jsonw_bytes(w, f->key, json_string_value(v), json_string_length(v));
		break;
	case R_BYTES:
		if (json_is_string(v))
			put_bytes(w, obj, f->key, v);
		break;
	case R_INTS:
		if (json_is_array(v))
			put_ints(w, f->key, v);
		break;
	case R_STRS:
		if (json_is_array(v))
			put_strs(w, f->key, v);
		break;
	case R_BYTESV:
		if (json_is_array(v))
			put_bytesv(w, f->key, obj);
		break;
	case R_OBJ_NULL:
		if (json_is_null(v))
			jsonw_null(w, f->key);
		/* fall through */
	case R_OBJ:
		if (json_is_object(v))
			put_record(w, f->key, f->sub, v);
		break;
	case R_OBJS:
		if (!json_is_array(v))
			break;
		jsonw_aopen(w, f->key);
		json_array_foreach(v, i, e)
			if (json_is_object(e))
				put_record(w, NULL, f->sub, e);
		jsonw_aclose(w);
		break;
	case R_DERIVED:
		break;
	case R_MAP:
		if (!json_is_object(v))
			break;
		jsonw_open(w, f->key);
		/* jansson iterates only non-const objects; nothing changes. */
		json_object_foreach((json_t *)(uintptr_t)v, k, e)
			if (json_is_object(e))
				put_record(w, k, f->sub, e);
		jsonw_close(w);
		break;
	}
}

/* An fd record as a row of fds --json: the same, but for the stat, the
 * raw fdinfo text and an inotify or fanotify fd's marks, which show --json
 * gives (a listing of 100,000 fds would be twice the size, and twice as
 * slow to write). */
SPEC(s_fd_lean, { "pid", R_INT, NULL }, { "fd", R_INT, NULL }, { "tid", R_INT, NULL },
     { "target", R_BYTES, NULL }, { "type", R_STR, NULL }, { "anon", R_BYTES, NULL },
     { "kind", R_STR, NULL }, { "seals", R_STRS, NULL }, { "fdinfo", R_DERIVED, NULL },
     { "deleted", R_BOOL, NULL }, { "pos", R_INT, NULL }, { "flags", R_INT, NULL },
     { "mnt_id", R_INT, NULL }, { "stat", R_DERIVED, NULL }, { "inode", R_INT, NULL },
     { "sockproto", R_BYTES, NULL }, { "socket", R_OBJ, &s_socket }, { "content", R_OBJ, &s_content },
     { "watchers", R_OBJS, &s_watcher }, { "marks", R_DERIVED, NULL },
     { "marks_total", R_INT, NULL }, { "marks_unparsed", R_INT, NULL },
     { "marks_truncated", R_BOOL, NULL },
     { "errors", R_OBJS, &s_error }, { "object", R_DERIVED, NULL },
     { "command", R_DERIVED, NULL }, { "command_b64", R_DERIVED, NULL },
     { "euid", R_DERIVED, NULL }, { "access", R_DERIVED, NULL },
     { "flag_names", R_DERIVED, NULL }, { "lsof_flags", R_DERIVED, NULL },
     { "unexamined", R_DERIVED, NULL },
     { "size", R_DERIVED, NULL });

/* What a row of s_fd_lean leaves unread of an fd record, for the reader
 * to validate without building (snapshot_opts.fd_prune): the fields it
 * drops, and of "stat" the size (object_size(); that "stat" is an object
 * says the file was examined, examined_fd_unknown()).  "fdinfo_b64" is
 * not dropped by s_fd_lean: it stays.  Change with s_fd_lean. */
static const struct jsonfast_prune fd_lean_prune[] = {
	{ "fdinfo", NULL }, { "marks", NULL }, { "stat", "size" }, { NULL, NULL },
};

const struct jsonfast_prune *snapview_fd_lean_prune(void)
{
	return fd_lean_prune;
}

/* What an fds row adds to a link or a mapping: the record's own keys
 * of these names are dropped, not written twice. */
SPEC(s_row, { "object", R_DERIVED, NULL }, { "pid", R_DERIVED, NULL },
     { "type", R_DERIVED, NULL }, { "size", R_DERIVED, NULL },
     { "command", R_DERIVED, NULL }, { "command_b64", R_DERIVED, NULL },
     { "euid", R_DERIVED, NULL }, { "unexamined", R_DERIVED, NULL });

/* The record's keys in its own order, each by the spec (and row: names
 * the caller writes itself, or NULL). */
static void put_fields_row(struct jsonw *w, const struct rspec *s, const struct rspec *row,
			   const json_t *obj)
{
	const struct rfield *f, *at = NULL;
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)(uintptr_t)obj, k, v) {
		f = find_from(s, k, &at);
		if (!f && row)
			f = find(row, k);
		if (f)
			put_field(w, f, obj, v);
		else if (!regenerated(s, k))
			snapview_json(w, k, v);
	}
}

static void put_fields(struct jsonw *w, const struct rspec *s, const json_t *obj)
{
	put_fields_row(w, s, NULL, obj);
}

static void put_record(struct jsonw *w, const char *key, const struct rspec *s,
		       const json_t *obj)
{
	jsonw_open(w, key);
	put_fields(w, s, obj);
	jsonw_close(w);
}

void snapview_record_process(struct jsonw *w, const json_t *proc)
{
	put_fields(w, &s_process, proc);
}

void snapview_record_fd(struct jsonw *w, const json_t *fd, bool full)
{
	put_fields(w, full ? &s_fd : &s_fd_lean, fd);
}

void snapview_record_link(struct jsonw *w, const json_t *link)
{
	put_fields_row(w, &s_link, &s_row, link);
}

void snapview_record_mapping(struct jsonw *w, const json_t *m)
{
	put_fields_row(w, &s_mapping, &s_row, m);
}

void snapview_unexamined(struct jsonw *w, const struct examined_gap *g, size_t n)
{
	size_t i;

	jsonw_aopen(w, "unexamined");
	for (i = 0; i < n; i++) {
		jsonw_open(w, NULL);
		jsonw_str(w, "part", examined_part_name(g[i].part));
		if (json_is_object(g[i].error))
			put_fields(w, &s_error, g[i].error);
		jsonw_close(w);
	}
	jsonw_aclose(w);
}

void snapview_record_error(struct jsonw *w, const char *key, const json_t *e)
{
	put_record(w, key, &s_error, e);
}

void snapview_record_content(struct jsonw *w, const char *key, const json_t *c)
{
	put_record(w, key, &s_content, c);
}

void snapview_record_socket(struct jsonw *w, const char *key, const json_t *sk)
{
	put_record(w, key, &s_socket, sk);
}

void snapview_record_map(struct jsonw *w, const char *key, const json_t *m)
{
	put_record(w, key, &s_mapping, m);
}

void snapview_record_region(struct jsonw *w, const char *key, const json_t *r)
{
	put_record(w, key, &s_region, r);
}
