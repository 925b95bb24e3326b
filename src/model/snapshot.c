/* snapshot: the process model of an archive, streamed one process (and its fds) at a time. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "snapshot.h"
#include "u64map.h"
#include "users.h"

struct snapshot {
	struct snapshot_opts o;
	struct snapreader *r;
	const struct snap_member *m;
	bool in_fds;             /* reading fds.jsonl lines of m */
	unsigned long line;
	int64_t last_fd;
	int64_t last_tid;        /* 0: the process's own table */
	int fds_pid;             /* fds.jsonl read, its process.json due */
	int block_pid;           /* pid of the last proc/PID member */
	int last_pid;            /* last process.json */
	struct u64map pids;      /* pids whose process.json was read */
	json_t *item;            /* what the last item lent out */
	json_t *host;
	struct users *users;     /* from host/etc/passwd and group, or NULL */
	struct buf text;
	/* snapshot_next_process() */
	json_t *proc, *fds;
	char err[1024];
	int own_err;             /* an error of the model (not the reader's) */
};

static int fail(struct snapshot *s, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct snapshot *s, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
	s->own_err = err;
	return err;
}

int snapshot_open(struct snapshot **out, const char *path,
		  const struct snapshot_opts *opts)
{
	struct snapshot *s = calloc(1, sizeof(*s));

	*out = s;
	if (!s)
		return -ENOMEM;
	if (opts)
		s->o = *opts;
	s->last_fd = -1;
	return snapreader_open(&s->r, path, &s->o.reader);
}

/* The pid a member's JSON claims must be the member's own. */
static int check_pid(struct snapshot *s, const json_t *j, int pid, const char *what)
{
	int64_t v;

	if (!snapshot_int(j, "pid", &v) || v != pid)
		return fail(s, -EBADMSG, "%s: its \"pid\" is not %d", what, pid);
	return 0;
}

/* Parses one fds.jsonl line of pid and checks what the model relies on
 * (but the ascending order, which takes the line before). */
static int parse_fd(struct snapshot *s, int pid, const char *what, const char *text,
		    size_t len, json_t **out, int64_t *fd, int64_t *tid)
{
	json_t *j;
	int x;

	*out = NULL;
	if (len == 0)
		return fail(s, -EBADMSG, "%s is empty", what);
	x = snapreader_parse_json_pruned(s->r, what, text, len, s->o.fd_prune, &j);
	if (x)
		return x;
	x = check_pid(s, j, pid, what);
	if (!x && (!snapshot_int(j, "fd", fd) || *fd < 0 || *fd > INT_MAX))
		x = fail(s, -EBADMSG, "%s: no \"fd\" number", what);
	/* 0: the process's own table; else the thread whose table it is. */
	*tid = 0;
	if (!x && json_object_get(j, "tid") &&
	    (!snapshot_int(j, "tid", tid) || *tid <= 0 || *tid > INT_MAX))
		x = fail(s, -EBADMSG, "%s: \"tid\" is not a thread id", what);
	if (x) {
		json_decref(j);
		return x;
	}
	*out = j;
	return 0;
}

int snapshot_fd_parse(struct snapshot *s, int pid, unsigned long line,
		      const char *text, size_t len, json_t **out)
{
	char what[64];
	int64_t fd, tid;

	*out = NULL;
	if (s->own_err)
		return s->own_err;
	snprintf(what, sizeof(what), "proc/%d/fds.jsonl line %lu", pid, line);
	return parse_fd(s, pid, what, text, len, out, &fd, &tid);
}

/* "NAME line N" into what (sized for the longest member name), for the
 * messages of a parse: made for every line, so without printf. */
static void name_line(char *what, size_t size, const char *name, unsigned long line)
{
	char d[24];
	size_t n = strlen(name), k = sizeof(d);

	do {
		d[--k] = (char)('0' + line % 10);
		line /= 10;
	} while (line);
	if (n > size - 1)
		n = size - 1;
	memcpy(what, name, n);
	if (size - 1 - n >= 6 + sizeof(d) - k) {
		memcpy(what + n, " line ", 6);
		memcpy(what + n + 6, d + k, sizeof(d) - k);
		n += 6 + sizeof(d) - k;
	}
	what[n] = '\0';
}

static int next_fd(struct snapshot *s, struct snapshot_item *it)
{
	char what[SNAPREADER_MAX_NAME + 32];
	json_t *j = NULL;
	int64_t fd, tid;
	int x;

	x = snapreader_getline(s->r, SNAPREADER_MAX_LINE, &s->text);
	if (x <= 0) {
		s->in_fds = false;
		return x;
	}
	s->line++;
	if (s->text.len == 0)
		return fail(s, -EBADMSG, "%s line %lu is empty", s->m->name, s->line);
	if (!s->o.fd_text) {
		/* Named only for a parse: with fd_text most lines never are. */
		name_line(what, sizeof(what), s->m->name, s->line);
		x = parse_fd(s, s->m->pid, what, s->text.data, s->text.len, &j, &fd, &tid);
		if (x)
			return x;
		s->item = j;
		/* A thread's own fd table ("tid") follows the process's,
		 * tables in ascending tid order, fds ascending in each. */
		if (tid < s->last_tid)
			return fail(s, -EBADMSG, "%s: thread %lld's table after thread %lld's "
				    "(tables ascend)", what, (long long)tid,
				    (long long)s->last_tid);
		if (tid > s->last_tid) {
			s->last_tid = tid;
			s->last_fd = -1;
		}
		if (fd <= s->last_fd)
			return fail(s, -EBADMSG, "%s: fd %lld after fd %lld (fds ascend, "
				    "once each)", what, (long long)fd, (long long)s->last_fd);
		s->last_fd = fd;
	}
	it->kind = SNAPSHOT_FD;
	it->pid = s->m->pid;
	it->json = j;
	it->text = s->text.data;
	it->member = s->m;
	it->line = s->line;
	it->len = s->text.len;
	return 1;
}

static int on_process(struct snapshot *s, struct snapshot_item *it)
{
	const struct snap_member *m = s->m;
	json_t *j;
	int x;

	if (s->fds_pid && s->fds_pid != m->pid)
		return fail(s, -EBADMSG, "proc/%d/fds.jsonl is followed by %s, not by "
			    "proc/%d/process.json", s->fds_pid, m->name, s->fds_pid);
	s->fds_pid = 0;
	if (u64map_get(&s->pids, (uint64_t)m->pid, 0))
		return fail(s, -EBADMSG, "duplicate process: %s appears twice", m->name);
	if (s->o.ordered && m->pid <= s->last_pid)
		return fail(s, -EBADMSG, "%s comes after pid %d: processes are not in "
			    "ascending pid order", m->name, s->last_pid);
	if (u64map_put(&s->pids, (uint64_t)m->pid, 0, s))
		return fail(s, -ENOMEM, "out of memory");
	s->last_pid = m->pid;
	x = snapreader_json(s->r, SNAPREADER_MAX_JSON, &j);
	if (x)
		return x;
	s->item = j;
	x = check_pid(s, j, m->pid, m->name);
	if (x)
		return x;
	it->kind = SNAPSHOT_PROCESS;
	it->pid = m->pid;
	it->json = j;
	it->member = m;
	return 1;
}

/*
 * The host's names for uids and gids (host/etc/passwd, host/etc/group:
 * written before host.json, so known before any process).  A file over
 * USERS_MAX_BYTES gives no names (its text is passed over); only the
 * first copy of each is read.
 */
static int load_users(struct snapshot *s, const struct snap_member *m)
{
	bool passwd = strcmp(m->file, "etc/passwd") == 0;
	int x;

	if ((!passwd && strcmp(m->file, "etc/group") != 0) || m->size > USERS_MAX_BYTES ||
	    (s->users && (passwd ? users_have_passwd(s->users) : users_have_group(s->users))))
		return 0;
	if (!s->users && users_new(&s->users))
		return fail(s, -ENOMEM, "out of memory");
	x = snapreader_slurp(s->r, USERS_MAX_BYTES, &s->text);
	if (x)
		return x;
	x = passwd ? users_add_passwd(s->users, s->text.data, s->text.len)
		   : users_add_group(s->users, s->text.data, s->text.len);
	if (x == -ENOMEM)
		return fail(s, x, "out of memory");
	return 0;
}

int snapshot_next(struct snapshot *s, struct snapshot_item *it)
{
	const struct snap_member *m;
	json_t *j;
	int x;

	memset(it, 0, sizeof(*it));
	json_decref(s->item);
	s->item = NULL;
	if (s->own_err)
		return s->own_err;
	for (;;) {
		if (s->in_fds) {
			x = next_fd(s, it);
			if (x)
				return x;
		}
		x = snapreader_next(s->r, &m);
		if (x <= 0) {
			if (x == 0 && s->fds_pid)
				return fail(s, -EBADMSG, "proc/%d/fds.jsonl has no process.json",
					    s->fds_pid);
			return x;
		}
		s->m = m;
		if (s->fds_pid && m->kind != SNAP_M_PROCESS)
			return fail(s, -EBADMSG, "proc/%d/fds.jsonl is followed by %s, not "
				    "by proc/%d/process.json", s->fds_pid, m->name, s->fds_pid);
		switch (m->kind) {
		case SNAP_M_HOST:
		case SNAP_M_SUMMARY:
			x = snapreader_json(s->r, SNAPREADER_MAX_JSON, &j);
			if (x)
				return x;
			if (m->kind == SNAP_M_HOST && !s->host)
				s->host = json_incref(j);
			s->item = j;
			it->kind = m->kind == SNAP_M_HOST ? SNAPSHOT_HOST : SNAPSHOT_SUMMARY;
			it->json = j;
			it->member = m;
			return 1;
		case SNAP_M_RAW:
			s->block_pid = m->pid;
			if (!s->o.raw)
				break;
			it->kind = SNAPSHOT_RAW;
			it->pid = m->pid;
			it->member = m;
			return 1;
		case SNAP_M_MEMORY:
			/* Its process's maps came first (docs/FORMAT.md). */
			if (s->block_pid != m->pid)
				return fail(s, -EBADMSG, "%s is not among its process's members",
					    m->name);
			if (!s->o.memory)
				break;
			it->kind = SNAPSHOT_MEMORY;
			it->pid = m->pid;
			it->member = m;
			return 1;
		case SNAP_M_CONTENT:
			if (!s->o.content)
				break;
			it->kind = SNAPSHOT_CONTENT;
			it->pid = s->block_pid;
			it->member = m;
			return 1;
		case SNAP_M_FDS:
			s->block_pid = m->pid;
			s->fds_pid = m->pid;
			s->in_fds = s->o.fds;
			s->line = 0;
			s->last_fd = -1;
			s->last_tid = 0;
			break;
		case SNAP_M_PROCESS:
			s->block_pid = m->pid;
			return on_process(s, it);
		case SNAP_M_HOSTFILE:
			/* A reader that asks for other members, not host files
			 * (snapread stack), reads them itself, data unread. */
			if (!s->o.host_files && s->o.other) {
				it->kind = SNAPSHOT_OTHER;
				it->member = m;
				return 1;
			}
			x = load_users(s, m);
			if (x)
				return x;
			if (!s->o.host_files)
				break;
			it->kind = SNAPSHOT_HOSTFILE;
			it->member = m;
			return 1;
		case SNAP_M_FORMAT:
		case SNAP_M_MANIFEST:
			break;
		default:
			if (!s->o.other)
				break;
			it->kind = SNAPSHOT_OTHER;
			it->member = m;
			return 1;
		}
	}
}

/* Appends a borrowed fd record, counting its text against the bound. */
static int keep_fd(struct snapshot *s, json_t *fd, size_t *bytes, int pid)
{
	*bytes += s->text.len + 1;
	/* Parsed, a record takes a few times its text; the bound is on text. */
	if (*bytes > SNAPSHOT_MAX_FD_BYTES)
		return fail(s, -EFBIG, "pid %d: more than %u bytes of fd records, the "
			    "most held for one process", pid, SNAPSHOT_MAX_FD_BYTES);
	if (json_array_append(s->fds, fd))
		return fail(s, -ENOMEM, "out of memory");
	return 0;
}

int snapshot_next_process(struct snapshot *s, struct snap_process *p)
{
	struct snapshot_item it;
	size_t bytes = 0;
	int x;

	s->o.fds = true;
	s->o.fd_text = false;
	json_decref(s->proc);
	json_decref(s->fds);
	s->proc = NULL;
	s->fds = json_array();
	if (!s->fds)
		return fail(s, -ENOMEM, "out of memory");
	while ((x = snapshot_next(s, &it)) > 0) {
		if (it.kind == SNAPSHOT_FD) {
			x = keep_fd(s, it.json, &bytes, it.pid);
			if (x)
				return x;
		} else if (it.kind == SNAPSHOT_PROCESS) {
			/* snapshot_next() made sure fds.jsonl came right before
			 * process.json: what was collected is this process's. */
			s->proc = json_incref(it.json);
			p->pid = it.pid;
			p->process = s->proc;
			p->fds = s->fds;
			return 1;
		}
	}
	return x;
}

struct snapreader *snapshot_reader(struct snapshot *s)
{
	return s->r;
}

const json_t *snapshot_host(const struct snapshot *s)
{
	return s->host;
}

const struct users *snapshot_users(const struct snapshot *s)
{
	return s ? s->users : NULL;
}

const char *snapshot_error(const struct snapshot *s)
{
	if (!s)
		return "out of memory";
	return s->own_err ? s->err : snapreader_error(s->r);
}

void snapshot_free(struct snapshot *s)
{
	if (!s)
		return;
	snapreader_free(s->r);
	u64map_free(&s->pids, NULL);
	json_decref(s->item);
	json_decref(s->host);
	json_decref(s->proc);
	json_decref(s->fds);
	buf_free(&s->text);
	users_free(s->users);
	free(s);
}

static int decode(const json_t *v, const json_t *b64, struct buf *out)
{
	buf_reset(out);
	if (json_is_string(b64)) {
		if (escape_base64_decode(out, json_string_value(b64), json_string_length(b64)))
			return buf_error(out) ? -ENOMEM : -EBADMSG;
		return 1;
	}
	if (!json_is_string(v))
		return 0;
	if (buf_append(out, json_string_value(v), json_string_length(v)) ||
	    buf_reserve(out, 0))
		return -ENOMEM;
	return 1;
}

int snapshot_bytes(const json_t *obj, const char *key, struct buf *out)
{
	char k[128];

	snprintf(k, sizeof(k), "%s_b64", key);
	return decode(json_object_get(obj, key), json_object_get(obj, k), out);
}

int snapshot_array_bytes(const json_t *obj, const char *key, size_t i,
			 struct buf *out)
{
	char k[128];
	const json_t *b;

	snprintf(k, sizeof(k), "%s_b64", key);
	b = json_object_get(obj, k);
	/* The _b64 array is only trusted when it runs parallel to the other. */
	if (json_array_size(b) != json_array_size(json_object_get(obj, key)))
		b = NULL;
	return decode(json_array_get(json_object_get(obj, key), i),
		      json_array_get(b, i), out);
}

bool snapshot_int(const json_t *obj, const char *key, int64_t *out)
{
	const json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v))
		return false;
	*out = (int64_t)json_integer_value(v);
	return true;
}

bool snapshot_bool(const json_t *obj, const char *key, bool *out)
{
	const json_t *v = json_object_get(obj, key);

	if (!json_is_boolean(v))
		return false;
	*out = json_is_true(v);
	return true;
}

const char *snapshot_str(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}
