/* stack_keys: one snapshot's records into stack keys — executables, command lines, listeners, parents, users, libraries. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "examined.h"
#include "parse.h"
#include "snapshot.h"
#include "stack_int.h"
#include "u64map.h"

/* The most of host/etc/passwd read (a real one is a few KiB). */
#define PASSWD_MAX (4u << 20)

/* A name, held for the end of the snapshot. */
struct name {
	size_t len;
	char p[];
};

/* A process's parent pid and its (shaped) name, resolved at the end of
 * the snapshot: a parent may come after its child in pid order. */
struct pair {
	int64_t ppid;
	struct name *child;
};

struct stack_reader {
	unsigned kinds;
	struct strmap keys;        /* this host's keys (struct stack_entry) */
	struct buf key, a, b, name, shape, exe, line;
	/* One snapshot. */
	struct u64map names;       /* pid -> struct name: parents */
	struct pair *pairs;
	size_t npairs, cap;
	struct u64map euids;       /* uid -> (void *)1 */
	struct u64map users;       /* uid -> struct name, from host/etc/passwd */
	bool passwd;
	/* One process: what came before its process.json. */
	int maps_pid, fds_pid;
	struct buf libs;           /* paths mapped executable: (size_t, bytes)... */
	struct buf listens;        /* listeners: 3 x (size_t, bytes)... */
	struct strmap libsha;      /* path -> recorded SHA-256 (borrowed from the record) */
};

static bool want(const struct stack_reader *rd, enum stack_kind k)
{
	return rd->kinds & (1u << k);
}

struct stack_reader *stack_reader_new(unsigned kinds)
{
	struct stack_reader *rd = calloc(1, sizeof(*rd));

	if (rd)
		rd->kinds = kinds;
	return rd;
}

struct strmap *stack_reader_keys(struct stack_reader *rd)
{
	return &rd->keys;
}

void stack_reader_clear(struct stack_reader *rd)
{
	strmap_clear(&rd->keys, stack_entry_free);
}

/* Forgets one snapshot's names, pairs, users. */
static void end_snapshot(struct stack_reader *rd)
{
	size_t i;

	u64map_free(&rd->names, free);
	u64map_free(&rd->users, free);
	u64map_free(&rd->euids, NULL);
	for (i = 0; i < rd->npairs; i++)
		free(rd->pairs[i].child);
	rd->npairs = 0;
	rd->passwd = false;
	rd->maps_pid = rd->fds_pid = 0;
	buf_reset(&rd->libs);
	buf_reset(&rd->listens);
}

void stack_reader_free(struct stack_reader *rd)
{
	if (!rd)
		return;
	end_snapshot(rd);
	strmap_free(&rd->keys, stack_entry_free);
	strmap_free(&rd->libsha, NULL);
	free(rd->pairs);
	buf_free(&rd->key);
	buf_free(&rd->a);
	buf_free(&rd->b);
	buf_free(&rd->name);
	buf_free(&rd->shape);
	buf_free(&rd->exe);
	buf_free(&rd->line);
	buf_free(&rd->libs);
	buf_free(&rd->listens);
	free(rd);
}

/* ---- adding keys ----------------------------------------------------- */

static struct stack_bytes bytes_of(const struct buf *b)
{
	struct stack_bytes v = { b->data ? b->data : "", b->len };

	return v;
}

static struct stack_bytes str_of(const char *s)
{
	struct stack_bytes v = { s, strlen(s) };

	return v;
}

static struct stack_entry *key(struct stack_reader *rd, enum stack_kind kind,
			       unsigned flags, const struct stack_bytes *parts, size_t n)
{
	return stack_entry_get(&rd->keys, &rd->key, kind, flags, parts, n);
}

/* A SHA-256 as the records write it: 64 lowercase hex digits. */
static const char *sha256_of(const json_t *obj)
{
	const char *h = snapshot_str(obj, "sha256");
	size_t i;

	if (!h || strlen(h) != 64)
		return NULL;
	for (i = 0; i < 64; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			return NULL;
	return h;
}

/* The hash of a file that the record gives: its own "sha256" (the
 * capture hashed it), else a fully captured content's. */
static const char *recorded_sha256(const json_t *obj)
{
	const json_t *content = json_object_get(obj, "content");
	const char *h = sha256_of(obj), *status;

	if (h || !json_is_object(content))
		return h;
	status = snapshot_str(content, "status");
	return status && strcmp(status, "captured") == 0 ? sha256_of(content) : NULL;
}

/* exe or library: by hash when there is one, else by path. */
static int add_file(struct stack_reader *rd, enum stack_kind kind, const char *sha,
		    const struct stack_bytes *path, const struct stack_bytes *name)
{
	struct stack_bytes k = sha ? str_of(sha) : *path;
	struct stack_entry *e = key(rd, kind, sha ? 0 : STACK_BY_PATH, &k, 1);

	if (!e)
		return -ENOMEM;
	if (sha && stack_entry_detail(e, 0, path->p, path->n))
		return -ENOMEM;
	if (name && stack_entry_detail(e, 1, name->p, name->n))
		return -ENOMEM;
	return 0;
}

/* ---- before process.json: maps, fds, host files --------------------- */

/* Appends (len, bytes) to an arena. */
static void put_field(struct buf *arena, const void *p, size_t n)
{
	buf_append(arena, &n, sizeof(n));
	buf_append(arena, p, n);
}

/* The next (len, bytes) of an arena at *at. */
static struct stack_bytes get_field(const struct buf *arena, size_t *at)
{
	struct stack_bytes v;

	memcpy(&v.n, arena->data + *at, sizeof(v.n));
	v.p = arena->data + *at + sizeof(v.n);
	*at += sizeof(v.n) + v.n;
	return v;
}

/* A path as /proc/PID/maps writes it, to its bytes: the kernel writes a
 * newline in a path as "\012" (seq_file_path(..., "\n")), and nothing
 * else, so "\012" is taken back to the newline exe's link has. */
static void put_maps_path(struct buf *arena, const char *p, size_t n)
{
	size_t at = arena->len, i, o = 0;
	char *d;

	put_field(arena, p, n);
	if (buf_error(arena) || !memmem(p, n, "\\012", 4))
		return;
	d = arena->data + at + sizeof(size_t);
	for (i = 0; i < n; i++) {
		if (i + 4 <= n && memcmp(p + i, "\\012", 4) == 0) {
			d[o++] = '\n';
			i += 3;
		} else {
			d[o++] = p[i];
		}
	}
	memcpy(arena->data + at, &o, sizeof(o));
	arena->len = at + sizeof(size_t) + o;
}

/* proc/PID/maps: the files it maps executable (a path, not [vdso]). */
static int on_maps(struct stack_reader *rd, struct snapshot *s, int pid)
{
	struct snapreader *r = snapshot_reader(s);
	struct parse_map m;
	int x;

	rd->maps_pid = pid;
	buf_reset(&rd->libs);
	while ((x = snapreader_getline(r, SNAPREADER_MAX_LINE, &rd->line)) > 0) {
		const char *sp = memchr(rd->line.data, ' ', rd->line.len);

		/* "start-end rwxp ...": most mappings are not executable, and
		 * are passed over before the numbers are parsed. */
		if (!sp || (size_t)(rd->line.data + rd->line.len - sp) < 5 || sp[3] != 'x')
			continue;
		if (parse_maps_line(rd->line.data, rd->line.len, &m) == 0 &&
		    m.perms[2] == 'x' && m.path_len && m.path[0] == '/')
			put_maps_path(&rd->libs, m.path, m.path_len);
	}
	return x ? x : buf_error(&rd->libs);
}

/*
 * The socket of an fd record that may be a listener, parsed; NULL when the
 * line cannot be one.  Most fds are files, pipes and eventfds, and a parse
 * of every line would cost more than decompressing the archive: a line is
 * looked at only if it holds "state":"LISTEN or "state":"UNCONN as
 * procsnap writes them, or a \u escape (which could spell either).  When
 * it holds no \" either, no string in it holds a quote, so its "socket":{
 * is the key and that object alone is parsed; any other candidate is
 * parsed whole, with the model's checks.  (A tampered archive could hide
 * a listener from this by spacing its JSON; it could as well leave it
 * out.)
 */
static int listener_socket(struct snapshot *s, const struct snapshot_item *it, json_t **sock)
{
	static const char state[] = "\"state\":\"", key[] = "\"socket\":{";
	const char *t = it->text, *p;
	size_t n = it->len;
	json_t *j = NULL;
	int x;

	*sock = NULL;
	p = memmem(t, n, state, sizeof(state) - 1);
	if (!p && !memmem(t, n, "\\u", 2))
		return 0;
	if (p && !memmem(t, n, "\\u", 2)) {
		p += sizeof(state) - 1;
		if ((size_t)(t + n - p) < 6 ||
		    (memcmp(p, "LISTEN", 6) != 0 && memcmp(p, "UNCONN", 6) != 0))
			return 0;
		p = memmem(t, n, key, sizeof(key) - 1);
		if (!p)
			return 0;
		if (!memmem(t, n, "\\\"", 2)) {
			p += sizeof(key) - 2;
			*sock = json_loadb(p, (size_t)(t + n - p),
					   JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, NULL);
			return 0;
		}
	}
	x = snapshot_fd_parse(s, it->pid, it->line, t, n, &j);
	if (x)
		return x;
	*sock = json_incref(json_object_get(j, "socket"));
	json_decref(j);
	return 0;
}

/* An fd record: a listener (TCP LISTEN, UDP bound to a port, unix LISTEN)
 * is kept for its process's record, which comes next. */
static int on_fd(struct stack_reader *rd, struct snapshot *s, const struct snapshot_item *it)
{
	const char *proto, *state, *colon;
	json_t *sk = NULL;
	bool inet;
	int x;

	x = listener_socket(s, it, &sk);
	if (x || !sk)
		return x;
	if (rd->fds_pid != it->pid) {
		rd->fds_pid = it->pid;
		buf_reset(&rd->listens);
	}
	proto = snapshot_str(sk, "proto");
	state = snapshot_str(sk, "state");
	if (!proto || !state || snapshot_bytes(sk, "local", &rd->a) != 1)
		goto out;
	inet = strncmp(proto, "tcp", 3) == 0 || strncmp(proto, "udp", 3) == 0;
	colon = inet ? memrchr(rd->a.data, ':', rd->a.len) : NULL;
	if (inet && !colon)
		goto out;
	if (!(strcmp(state, "LISTEN") == 0 ||
	      (strncmp(proto, "udp", 3) == 0 && strcmp(state, "UNCONN") == 0 &&
	       strcmp(colon + 1, "0") != 0)))
		goto out;
	put_field(&rd->listens, proto, strlen(proto));
	if (inet) {
		put_field(&rd->listens, colon + 1, rd->a.len - (size_t)(colon + 1 - rd->a.data));
		put_field(&rd->listens, rd->a.data, (size_t)(colon - rd->a.data));
	} else {
		put_field(&rd->listens, rd->a.data, rd->a.len);
		put_field(&rd->listens, "", 0);
	}
	x = buf_error(&rd->listens);
out:
	json_decref(sk);
	return x;
}

static struct name *name_new(const char *p, size_t n)
{
	struct name *v = malloc(sizeof(*v) + n + 1);

	if (v) {
		v->len = n;
		memcpy(v->p, p, n);
		v->p[n] = '\0';
	}
	return v;
}

/* host/etc/passwd (a host file of the capture, when it has them): uid ->
 * name, the first line of a uid winning, as getpwuid() does. */
static int on_passwd(struct stack_reader *rd, struct snapshot *s, uint64_t size)
{
	const char *p, *end, *nl, *c1, *c2, *c3;
	int x;

	/* Larger than any real one: users stay uids (a slurp refused would
	 * end the reading of the snapshot). */
	if (size > PASSWD_MAX)
		return 0;
	x = snapreader_slurp(snapshot_reader(s), PASSWD_MAX, &rd->a);
	if (x)
		return x;
	rd->passwd = true;
	for (p = rd->a.data, end = p + rd->a.len; p && p < end; p = nl ? nl + 1 : NULL) {
		char *e;
		unsigned long uid;
		struct name *v;

		nl = memchr(p, '\n', (size_t)(end - p));
		c1 = memchr(p, ':', (size_t)((nl ? nl : end) - p));
		c2 = c1 ? memchr(c1 + 1, ':', (size_t)((nl ? nl : end) - c1 - 1)) : NULL;
		c3 = c2 ? memchr(c2 + 1, ':', (size_t)((nl ? nl : end) - c2 - 1)) : NULL;
		if (!c3 || c1 == p || c3 == c2 + 1 || c2[1] < '0' || c2[1] > '9')
			continue;
		uid = strtoul(c2 + 1, &e, 10);
		if (e != c3 || uid > UINT32_MAX || u64map_get(&rd->users, uid, 0))
			continue;
		v = name_new(p, (size_t)(c1 - p));
		if (!v || u64map_put(&rd->users, uid, 0, v)) {
			free(v);
			return -ENOMEM;
		}
	}
	return 0;
}

/* ---- process.json ---------------------------------------------------- */

/* The command line's shape into rd->shape: each argument shaped and
 * followed by a NUL; *flags gets STACK_TRUNCATED or STACK_NO_CMDLINE. */
static int shape_argv(struct stack_reader *rd, const json_t *proc, unsigned *flags)
{
	const json_t *argv = json_object_get(proc, "argv");
	size_t i;

	buf_reset(&rd->shape);
	if (!json_is_array(argv)) {
		*flags |= STACK_NO_CMDLINE;
		return 0;
	}
	for (i = 0; i < json_array_size(argv); i++) {
		if (snapshot_array_bytes(proc, "argv", i, &rd->a) != 1)
			buf_reset(&rd->a);
		stack_shape(&rd->shape, rd->a.data, rd->a.len);
		buf_putc(&rd->shape, '\0');
		if (rd->shape.len > STACK_SHAPE_MAX) {
			rd->shape.len = STACK_SHAPE_MAX;
			*flags |= STACK_TRUNCATED;
			break;
		}
	}
	return buf_error(&rd->shape);
}

static int add_process(struct stack_reader *rd, const json_t *proc)
{
	unsigned flags = 0;
	struct stack_bytes parts[2];

	if (shape_argv(rd, proc, &flags))
		return -ENOMEM;
	parts[0] = bytes_of(&rd->name);
	parts[1] = bytes_of(&rd->shape);
	return key(rd, STACK_PROCESS, flags, parts, 2) ? 0 : -ENOMEM;
}

/* The listeners of fds.jsonl, with the executable that holds them. */
static int add_listens(struct stack_reader *rd, const struct stack_bytes *exe)
{
	struct stack_bytes parts[3], addr;
	struct stack_entry *e;
	size_t at = 0;

	while (at < rd->listens.len) {
		parts[0] = get_field(&rd->listens, &at);
		parts[1] = get_field(&rd->listens, &at);
		addr = get_field(&rd->listens, &at);
		parts[2] = exe ? *exe : str_of("");
		e = key(rd, STACK_LISTEN, exe ? 0 : STACK_NO_EXE, parts, 3);
		if (!e || (addr.n && stack_entry_detail(e, 0, addr.p, addr.n)) ||
		    stack_entry_detail(e, 1, rd->name.data ? rd->name.data : "", rd->name.len))
			return -ENOMEM;
	}
	return 0;
}

/* path -> SHA-256 of the files the record says it maps, with a hash:
 * exec_files (the capture's hash of each file a process runs, "lib": a
 * file mapped executable, its path as maps writes it) and mapped_deleted
 * (deleted files recovered). */
static int index_hashes(struct stack_reader *rd, const json_t *proc, const char *key_name)
{
	const json_t *arr = json_object_get(proc, key_name);
	size_t i;

	for (i = 0; i < json_array_size(arr); i++) {
		const json_t *m = json_array_get(arr, i);
		const char *sha = recorded_sha256(m), *kind = snapshot_str(m, "kind");

		if (!sha || (kind && strcmp(kind, "exe") == 0) ||
		    snapshot_bytes(m, "path", &rd->a) != 1)
			continue;
		buf_reset(&rd->b);
		put_maps_path(&rd->b, rd->a.data, rd->a.len);
		if (buf_error(&rd->b))
			return -ENOMEM;
		/* The bytes after the length put_maps_path() wrote. */
		memmove(rd->b.data, rd->b.data + sizeof(size_t), rd->b.len - sizeof(size_t));
		rd->b.len -= sizeof(size_t);
		/* strmap values are not const: the hash is only read back. */
		if (!strmap_get(&rd->libsha, rd->b.data, rd->b.len) &&
		    strmap_put(&rd->libsha, rd->b.data, rd->b.len, (void *)(uintptr_t)sha))
			return -ENOMEM;
	}
	return 0;
}

static int add_libraries(struct stack_reader *rd, const json_t *proc,
			 const struct stack_bytes *exe)
{
	struct stack_bytes path;
	const char *sha;
	size_t at = 0;
	int x;

	strmap_clear(&rd->libsha, NULL);
	x = index_hashes(rd, proc, "exec_files");
	if (!x)
		x = index_hashes(rd, proc, "mapped_deleted");
	while (!x && at < rd->libs.len) {
		path = get_field(&rd->libs, &at);
		if (exe && exe->n == path.n && memcmp(exe->p, path.p, path.n) == 0)
			continue;
		sha = strmap_get(&rd->libsha, path.p, path.n);
		x = add_file(rd, STACK_LIBRARY, sha, &path, NULL);
	}
	return x;
}

/* Parents and users wait for the end of the snapshot. */
static int note_parent_user(struct stack_reader *rd, const json_t *proc, int pid)
{
	const json_t *uid = json_array_get(json_object_get(proc, "uid"), 1);
	struct name *v;
	int64_t ppid;

	if (want(rd, STACK_USER) && json_is_integer(uid) && json_integer_value(uid) >= 0 &&
	    u64map_put(&rd->euids, (uint64_t)json_integer_value(uid), 0, (void *)(uintptr_t)1))
		return -ENOMEM;
	if (!want(rd, STACK_PARENT))
		return 0;
	v = name_new(rd->name.data ? rd->name.data : "", rd->name.len);
	if (!v || u64map_put(&rd->names, (uint64_t)pid, 0, v)) {
		free(v);
		return -ENOMEM;
	}
	if (!snapshot_int(proc, "ppid", &ppid))
		return 0;
	if (rd->npairs == rd->cap) {
		size_t cap = rd->cap ? rd->cap * 2 : 256;
		struct pair *p = realloc(rd->pairs, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		rd->pairs = p;
		rd->cap = cap;
	}
	rd->pairs[rd->npairs].ppid = ppid;
	rd->pairs[rd->npairs].child = name_new(v->p, v->len);
	if (!rd->pairs[rd->npairs].child)
		return -ENOMEM;
	rd->npairs++;
	return 0;
}

/* The executable's hash: the record's own (exe.sha256, or a deleted one's
 * recovered content), else the capture's hash of it in exec_files (the
 * entry of kind "exe"). */
static const char *exe_sha256(const json_t *proc, const json_t *exe)
{
	const json_t *arr = json_object_get(proc, "exec_files");
	const char *sha = recorded_sha256(exe), *kind;
	size_t i;

	for (i = 0; !sha && i < json_array_size(arr); i++) {
		kind = snapshot_str(json_array_get(arr, i), "kind");
		if (kind && strcmp(kind, "exe") == 0)
			sha = sha256_of(json_array_get(arr, i));
	}
	return sha;
}

static int on_process(struct stack_reader *rd, const json_t *proc, int pid,
		      struct stack_read *out)
{
	const json_t *exe = json_object_get(proc, "exe");
	struct stack_bytes path, name, *ep = NULL;
	bool v;
	int x = 0;

	/* A vanished process has no data; procsnap's own is the collector,
	 * not the host (its paths are a fresh temporary directory each time). */
	if ((snapshot_bool(proc, "vanished", &v) && v) || (snapshot_bool(proc, "self", &v) && v))
		return 0;
	out->processes++;
	if (examined_process(proc, NULL, 0))
		out->unexamined++;
	buf_reset(&rd->name);
	if (snapshot_bytes(proc, "name", &rd->a) == 1)
		stack_shape(&rd->name, rd->a.data, rd->a.len);
	buf_putc(&rd->name, '\0');
	rd->name.len--;
	if (json_is_object(exe) && snapshot_bytes(exe, "target", &rd->exe) == 1) {
		path = bytes_of(&rd->exe);
		ep = &path;
	}
	name = bytes_of(&rd->name);
	if (ep && want(rd, STACK_EXE))
		x = add_file(rd, STACK_EXE, exe_sha256(proc, exe), ep, &name);
	if (!x && want(rd, STACK_PROCESS))
		x = add_process(rd, proc);
	if (!x && rd->fds_pid == pid)
		x = add_listens(rd, ep);
	if (!x && rd->maps_pid == pid)
		x = add_libraries(rd, proc, ep);
	if (!x)
		x = note_parent_user(rd, proc, pid);
	return x ? x : buf_error(&rd->name);
}

/* ---- the end of a snapshot: parents and users ------------------------- */

static int add_parents(struct stack_reader *rd)
{
	struct stack_bytes parts[2];
	const struct name *parent;
	unsigned flags;
	size_t i;

	for (i = 0; i < rd->npairs; i++) {
		const struct pair *p = &rd->pairs[i];

		flags = 0;
		parent = p->ppid > 0 ? u64map_get(&rd->names, (uint64_t)p->ppid, 0) : NULL;
		if (p->ppid <= 0)
			flags = STACK_NO_PARENT;
		else if (!parent)
			flags = STACK_PARENT_MISSING;
		parts[0] = parent ? (struct stack_bytes){ parent->p, parent->len } : str_of("");
		parts[1] = (struct stack_bytes){ p->child->p, p->child->len };
		if (!key(rd, STACK_PARENT, flags, parts, 2))
			return -ENOMEM;
	}
	return 0;
}

static int add_users(struct stack_reader *rd)
{
	struct stack_entry *e;
	struct stack_bytes k;
	char num[24];
	size_t i;

	for (i = 0; i < rd->euids.cap; i++) {
		const struct u64map_slot *sl = &rd->euids.slots[i];
		const struct name *n;

		if (!sl->value)
			continue;
		snprintf(num, sizeof(num), "%llu", (unsigned long long)sl->a);
		n = u64map_get(&rd->users, sl->a, 0);
		k = n ? (struct stack_bytes){ n->p, n->len } : str_of(num);
		e = key(rd, STACK_USER, n ? 0 : STACK_BY_UID, &k, 1);
		if (!e || (n && stack_entry_detail(e, 0, num, strlen(num))))
			return -ENOMEM;
	}
	return 0;
}

/* ---- one snapshot ------------------------------------------------------ */

static int on_item(struct stack_reader *rd, struct snapshot *s,
		   const struct snapshot_item *it, struct stack_read *out)
{
	switch (it->kind) {
	case SNAPSHOT_RAW:
		if (want(rd, STACK_LIBRARY) && strcmp(it->member->file, "maps") == 0)
			return on_maps(rd, s, it->pid);
		return 0;
	case SNAPSHOT_FD:
		return on_fd(rd, s, it);
	case SNAPSHOT_PROCESS:
		return on_process(rd, it->json, it->pid, out);
	case SNAPSHOT_OTHER:
		if (want(rd, STACK_USER) && strcmp(it->member->name, "host/etc/passwd") == 0)
			return on_passwd(rd, s, it->member->size);
		return 0;
	default:
		return 0;
	}
}

int stack_reader_read(struct stack_reader *rd, const char *path, struct stack_read *out)
{
	struct snapshot_opts o = {
		.raw = want(rd, STACK_LIBRARY),
		.fds = want(rd, STACK_LISTEN),
		.fd_text = true,
		.other = want(rd, STACK_USER),
		/* Members newer captures add (host files) are read by name. */
		.reader = { .allow_unknown = true },
	};
	struct snapshot *s = NULL;
	struct snapshot_item it;
	int x, y;

	memset(out, 0, sizeof(*out));
	x = snapshot_open(&s, path, &o);
	while (!x && (x = snapshot_next(s, &it)) > 0)
		x = on_item(rd, s, &it, out);
	if (x == 0)
		out->complete = true;
	else if (s && *snapshot_error(s))
		snprintf(out->error, sizeof(out->error), "%s", snapshot_error(s));
	else
		snprintf(out->error, sizeof(out->error), "%s", strerror(-x));
	/* What was read counts, also when the archive ends early. */
	y = x == -ENOMEM ? 0 : add_parents(rd);
	if (!y)
		y = add_users(rd);
	end_snapshot(rd);
	snapshot_free(s);
	if (y && !x) {
		snprintf(out->error, sizeof(out->error), "out of memory");
		x = y;
	}
	return x;
}

int stack_host_of(const char *path, char **name, size_t *len, char **boot_id,
		  char *err, size_t errlen)
{
	struct snapshot_opts o = { .reader = { .allow_unknown = true } };
	struct snapshot *s = NULL;
	struct snapshot_item it;
	struct buf b = BUF_INIT;
	const json_t *host = NULL;
	const char *bid;
	int x;

	*name = *boot_id = NULL;
	*len = 0;
	x = snapshot_open(&s, path, &o);
	/* host.json comes before every process (docs/FORMAT.md). */
	while (!x && (x = snapshot_next(s, &it)) > 0 && it.kind != SNAPSHOT_PROCESS) {
		x = 0;
		if (it.kind == SNAPSHOT_HOST) {
			host = it.json;
			break;
		}
	}
	if (x < 0) {
		snprintf(err, errlen, "%s", snapshot_error(s));
		goto out;
	}
	x = 0;
	if (host && snapshot_bytes(host, "hostname", &b) == 1) {
		*name = malloc(b.len + 1);
		if (!*name)
			goto nomem;
		memcpy(*name, b.data, b.len);
		(*name)[b.len] = '\0';
		*len = b.len;
	}
	bid = host ? snapshot_str(host, "boot_id") : NULL;
	if (bid && *bid) {
		buf_reset(&b);
		escape_text(&b, bid, strlen(bid));
		*boot_id = buf_error(&b) ? NULL : strdup(b.data);
		if (!*boot_id)
			goto nomem;
	}
	goto out;
nomem:
	snprintf(err, errlen, "out of memory");
	x = -ENOMEM;
out:
	buf_free(&b);
	snapshot_free(s);
	return x;
}
