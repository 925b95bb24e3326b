/* extract: writing a snapshot's recovered files into a directory, each one verified. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "escape.h"
#include "extract.h"
#include "manifest.h"
#include "objects.h"
#include "snapshot.h"
#include "u64map.h"

/* One content member: staged under a counter name, placed by links. */
struct staged {
	char member[64];          /* "content/DEV-INO" */
	char file[24];            /* its name in the staging directory */
	char hex[DIGEST_HEX_LEN + 1];
	uint64_t size;
	bool seen;                /* in the archive (first reading) */
	bool written;             /* staged */
	bool needed;              /* for the second reading */
	char first[64];           /* the first path placed, for link_of */
};

/* Which recovered object, of which process: its name under DIR. */
struct which {
	enum extract_object obj;
	int pid, fd;              /* fd: EXTRACT_FD only */
	char start[17], end[17];  /* EXTRACT_MAPPED: its range, lowercase hex */
};

/* A file to place, from an fd record, a process's exe or a mapping. */
struct want {
	struct which id;
	uint64_t dev, ino;
	char sha[DIGEST_HEX_LEN + 1]; /* what the record says; "" if nothing usable */
	char record[48];          /* the member holding the record */
	char status[32];          /* escaped */
};

struct ex {
	const struct extract_opts *o;
	struct extract_result *res;
	int dirfd, stagefd;
	char stage[64];
	bool seekable;
	struct u64map staged;     /* (dev, ino) -> struct staged */
	struct want *wants;
	size_t nwants, cap;
	unsigned long counter;
	bool *pid_found;
	bool *fd_found;           /* for each --fd N: held by a process chosen */
	const char *record;       /* the process.json being read */
	/* The directories of the pid being placed. */
	int cur_pid, piddir, fddir, mapdir;
};

static int fail(struct ex *x, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct ex *x, int err, const char *fmt, ...)
{
	va_list ap;

	if (x->res->message[0])
		return err;
	va_start(ap, fmt);
	vsnprintf(x->res->message, sizeof(x->res->message), fmt, ap);
	va_end(ap);
	return err;
}

/* A verification failure (problem) or a remark (note), to its callback. */
static void say(struct ex *x, bool is_problem, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(struct ex *x, bool is_problem, const char *fmt, ...)
{
	extract_msg_fn fn = is_problem ? x->o->problem : x->o->note;
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (is_problem)
		x->res->problems++;
	if (fn)
		fn(x->o->arg, msg);
}

/* Problems the reader's verification finds. */
static void on_verify(void *arg, enum verify_problem p, const char *name,
		      const char *msg)
{
	(void)p;
	(void)name;
	say(arg, true, "%s", msg);
}

static bool stopped(const struct ex *x)
{
	return x->o->stop && *x->o->stop;
}

static bool pid_selected(struct ex *x, int pid)
{
	size_t i;

	if (!x->o->npids)
		return true;
	for (i = 0; i < x->o->npids; i++)
		if (x->o->pids[i] == pid) {
			x->pid_found[i] = true;
			return true;
		}
	return false;
}

/* fd -1 is the executable. */
static bool fd_selected(struct ex *x, int fd)
{
	size_t i;

	if (!x->o->nfds)
		return true;
	if (fd < 0)
		return x->o->exe;
	for (i = 0; i < x->o->nfds; i++)
		if (x->o->fds[i] == fd) {
			x->fd_found[i] = true;
			return true;
		}
	return false;
}

/* Names from numbers only: DIR/PID/fd/N, DIR/PID/exe, DIR/PID/mapped/START-END. */
static void path_of(char *out, size_t n, const struct which *id)
{
	if (id->obj == EXTRACT_EXE)
		snprintf(out, n, "%d/exe", id->pid);
	else if (id->obj == EXTRACT_MAPPED)
		snprintf(out, n, "%d/mapped/%s-%s", id->pid, id->start, id->end);
	else
		snprintf(out, n, "%d/fd/%d", id->pid, id->fd);
}

static struct staged *staged_get(struct ex *x, const struct snap_member *m)
{
	struct staged *s = u64map_get(&x->staged, m->dev, m->ino);

	if (s)
		return s;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	snprintf(s->member, sizeof(s->member), "%s", m->name);
	if (u64map_put(&x->staged, m->dev, m->ino, s)) {
		free(s);
		return NULL;
	}
	return s;
}

/*
 * Streams the current content member into a new staging file.  Holes are
 * not written, so a sparse file stays sparse; ftruncate gives the length.
 */
static int stage(struct ex *x, struct snapreader *r, const struct snap_member *m,
		 struct staged *s)
{
	bool reader = false, write_err;
	int fd, e = 0;

	snprintf(s->file, sizeof(s->file), "%lu", ++x->counter);
	fd = openat(x->stagefd, s->file,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return fail(x, -errno, "cannot create a file in %s/%s: %s",
			    x->o->dir, x->stage, strerror(errno));
	/* umask may have taken bits away; never more than 0600. */
	if (fchmod(fd, 0600) < 0)
		e = -errno;
	if (!e) {
		e = snapreader_write_fd(r, fd, x->o->stop, &write_err);
		reader = e && e != -EINTR && !write_err;
	}
	if (close(fd) < 0 && !e)
		e = -errno;
	if (!e) {
		e = snapreader_member_sha256(r, s->hex);
		reader = e != 0;
	}
	if (e) {
		unlinkat(x->stagefd, s->file, 0);
		if (reader)
			return fail(x, e, "%s", snapreader_error(r));
		if (e == -EINTR)
			return fail(x, e, "stopped by a signal");
		return fail(x, e, "cannot write %s to %s/%s: %s", m->name, x->o->dir,
			    x->stage, strerror(-e));
	}
	s->written = true;
	s->size = m->size;
	x->res->bytes += m->size;
	return 0;
}

/* obj[key] escaped into b, at most 200 bytes of it; "?" when absent. */
static const char *shown_key(struct buf *b, const json_t *obj, const char *key)
{
	struct buf raw = BUF_INIT;

	buf_reset(b);
	if (snapshot_bytes(obj, key, &raw) == 1)
		escape_text(b, raw.data, raw.len < 200 ? raw.len : 200);
	buf_free(&raw);
	return b->data && b->len && !buf_error(b) ? b->data : "?";
}

/* Content an earlier round of a series stored (docs/FORMAT.md, "Content
 * referenced from an earlier round"): where to find it, as a note. */
static void referenced(struct ex *x, const char *path, const json_t *content)
{
	const json_t *from = json_object_get(content, "reused");
	struct buf a = BUF_INIT, t = BUF_INIT, m = BUF_INIT, h = BUF_INIT;

	say(x, false, "%s: its bytes are not in this archive: an earlier round of the series "
	    "stored them in %s, member %s/%s (sha256 %s); extract them from that archive",
	    path, shown_key(&a, from, "archive"), shown_key(&t, from, "top"),
	    shown_key(&m, from, "member"), shown_key(&h, content, "sha256"));
	buf_free(&a);
	buf_free(&t);
	buf_free(&m);
	buf_free(&h);
}

/* A deleted fd whose bytes the capture reads: a regular file (type file,
 * memfd; no type in old records).  A deleted FIFO, socket file, device or
 * directory has none: nothing to extract, nothing missing. */
static bool has_bytes(const json_t *fd)
{
	const char *t = snapshot_str(fd, "type");

	return !t || strcmp(t, "file") == 0 || strcmp(t, "memfd") == 0;
}

/* Records a file to place from a record's "content" object. */
static int want(struct ex *x, const json_t *content, const struct which *id,
		const char *record, bool deleted)
{
	struct snap_member cm;
	struct buf st = BUF_INIT, raw = BUF_INIT;
	const char *member, *sha;
	char path[64];
	struct want *w;

	path_of(path, sizeof(path), id);
	if (!json_is_object(content)) {
		if (deleted)
			say(x, false, "%s: deleted, but no content was recorded", path);
		else if (x->o->nfds && id->obj == EXTRACT_FD)
			say(x, false, "%s: not a deleted file: nothing to extract", path);
		return 0;
	}
	if (snapshot_bytes(content, "status", &raw) == 1)
		escape_text(&st, raw.data, raw.len < 64 ? raw.len : 64);
	buf_free(&raw);
	member = snapshot_str(content, "member");
	if (!member && json_is_object(json_object_get(content, "reused"))) {
		referenced(x, path, content);
		buf_free(&st);
		return 0;
	}
	if (!member) {
		struct buf why = BUF_INIT;

		if (snapshot_bytes(content, "reason", &why) == 1) {
			struct buf e = BUF_INIT;

			escape_text(&e, why.data, why.len);
			say(x, false, "%s: content not recovered: %s (%s)", path,
			     st.data ? st.data : "?", e.data ? e.data : "");
			buf_free(&e);
		} else {
			say(x, false, "%s: content not recovered: %s", path, st.data ? st.data : "?");
		}
		buf_free(&why);
		buf_free(&st);
		return 0;
	}
	if (snapreader_classify(member, &cm) != SNAP_M_CONTENT) {
		struct buf e = BUF_INIT;

		escape_text(&e, member, strlen(member) < 100 ? strlen(member) : 100);
		say(x, true, "%s: its record names '%s', which is not a content member; "
			"not extracted", path, e.data ? e.data : "");
		buf_free(&e);
		buf_free(&st);
		return 0;
	}
	if (x->nwants == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 64;
		struct want *v = realloc(x->wants, cap * sizeof(*v));

		if (!v) {
			buf_free(&st);
			return fail(x, -ENOMEM, "out of memory");
		}
		x->wants = v;
		x->cap = cap;
	}
	w = &x->wants[x->nwants++];
	memset(w, 0, sizeof(*w));
	w->id = *id;
	w->dev = cm.dev;
	w->ino = cm.ino;
	sha = snapshot_str(content, "sha256");
	if (sha && digest_is_hex(sha, strlen(sha)))
		snprintf(w->sha, sizeof(w->sha), "%s", sha);
	snprintf(w->record, sizeof(w->record), "%s", record);
	/* The escaped status can be long; a short prefix is enough to show. */
	snprintf(w->status, sizeof(w->status), "%.31s", st.data ? st.data : "?");
	buf_free(&st);
	return 0;
}

/* A mapping's start or end as part of a name: lowercase hex digits only
 * (docs/FORMAT.md); false for anything else the archive may hold. */
static bool hex_of(const json_t *m, const char *key, char out[17])
{
	const char *a = snapshot_str(m, key);

	if (!a || !*a || strlen(a) > 16 || strspn(a, "0123456789abcdef") != strlen(a))
		return false;
	snprintf(out, 17, "%s", a);
	return true;
}

/* The recovered objects of a process other than its fds (objects.h): its
 * deleted executable, and, unless --fd chose fds, the deleted files it
 * maps; a deleted cwd has no bytes to recover. */
static int process_object(void *arg, const struct object *o)
{
	struct ex *x = arg;
	struct which id = { .pid = o->pid };
	char path[64];

	if (o->gap)
		return 0;
	switch (o->kind) {
	case OBJECT_TXT:
		if (!fd_selected(x, -1))
			return 0;
		id.obj = EXTRACT_EXE;
		return want(x, object_content(o), &id, x->record, true);
	case OBJECT_MEM:
		if (x->o->nfds)
			return 0;
		id.obj = EXTRACT_MAPPED;
		if (!hex_of(o->rec, "start", id.start) || !hex_of(o->rec, "end", id.end)) {
			say(x, true, "%d: a mapped file whose range is not hex; not extracted", o->pid);
			return 0;
		}
		return want(x, object_content(o), &id, x->record, object_deleted(o) > 0);
	case OBJECT_CWD:
		if (x->o->nfds)
			return 0;
		snprintf(path, sizeof(path), "%d/cwd", o->pid);
		say(x, false, "%s: a deleted directory: it has no bytes to recover", path);
		return 0;
	default:
		return 0;
	}
}

static int on_item(struct ex *x, struct snapreader *r, const struct snapshot_item *it,
		   bool first)
{
	struct staged *s;
	int64_t fd;

	switch (it->kind) {
	case SNAPSHOT_CONTENT:
		s = staged_get(x, it->member);
		if (!s)
			return fail(x, -ENOMEM, "out of memory");
		if (s->written)
			return 0; /* a second copy: verification reports it */
		if (first) {
			s->seen = true;
			/* From stdin there is no second reading: keep all. */
			if (!x->o->npids || !x->seekable || pid_selected(x, it->pid))
				return stage(x, r, it->member, s);
			return 0;
		}
		return s->needed ? stage(x, r, it->member, s) : 0;
	case SNAPSHOT_FD: {
		struct which id = { .obj = EXTRACT_FD, .pid = it->pid };
		bool del = false;

		snapshot_int(it->json, "fd", &fd);
		if (!pid_selected(x, it->pid) || !fd_selected(x, (int)fd))
			return 0;
		id.fd = (int)fd;
		snapshot_bool(it->json, "deleted", &del);
		return want(x, json_object_get(it->json, "content"), &id, it->member->name,
			    del && has_bytes(it->json));
	}
	case SNAPSHOT_PROCESS:
		if (!pid_selected(x, it->pid))
			return 0;
		x->record = it->member->name;
		return objects_of_process(it->json, process_object, x);
	default:
		return 0;
	}
}

/* One reading of the archive.  The first keeps its snapshot in *keep, for
 * the verification table. */
static int pass(struct ex *x, const char *archive, bool first, struct snapshot **keep)
{
	struct snapshot_opts so = { .fds = first, .content = true };
	struct snapshot_item it;
	struct snapshot *s = NULL;
	int k;

	so.reader.verify = first;
	so.reader.hash = true;
	so.reader.problem = on_verify;
	so.reader.arg = x;
	so.reader.stop = x->o->stop;
	so.reader.progress = x->o->progress;
	so.reader.progress_arg = x->o->arg;
	x->res->passes++;
	k = snapshot_open(&s, archive, &so);
	while (!k && (k = snapshot_next(s, &it)) > 0) {
		if (stopped(x))
			k = fail(x, -EINTR, "stopped by a signal");
		else
			k = on_item(x, snapshot_reader(s), &it, first);
	}
	if (k < 0)
		fail(x, k, "%s", snapshot_error(s));
	if (first)
		*keep = s;
	else
		snapshot_free(s);
	return k;
}

/* Opens (making it) the directory name under dirfd, never through a link. */
static int subdir(int dirfd, const char *name)
{
	int fd;

	if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static void close_pid(struct ex *x)
{
	if (x->fddir >= 0)
		close(x->fddir);
	if (x->mapdir >= 0)
		close(x->mapdir);
	if (x->piddir >= 0)
		close(x->piddir);
	x->fddir = x->mapdir = x->piddir = -1;
	x->cur_pid = 0;
}

/* The directory of pid (DIR/PID), opened for the pid being placed. */
static int pid_dir(struct ex *x, int pid)
{
	char name[16];
	int k;

	if (x->cur_pid == pid)
		return 0;
	close_pid(x);
	snprintf(name, sizeof(name), "%d", pid);
	k = subdir(x->dirfd, name);
	if (k < 0)
		return fail(x, k, "cannot make %s/%s: %s", x->o->dir, name, strerror(-k));
	x->piddir = k;
	x->cur_pid = pid;
	return 0;
}

/* DIR/PID/NAME (fd, mapped) into *fd, made and opened once. */
static int sub_dir(struct ex *x, int *fd, const char *name)
{
	int k;

	if (*fd >= 0)
		return 0;
	k = subdir(x->piddir, name);
	if (k < 0)
		return fail(x, k, "cannot make %s/%d/%s: %s", x->o->dir, x->cur_pid, name,
			    strerror(-k));
	*fd = k;
	return 0;
}

static const char *object_name(enum extract_object o)
{
	return o == EXTRACT_EXE ? "txt" : o == EXTRACT_MAPPED ? "mem" : "fd";
}

static int place(struct ex *x, const struct want *w, struct staged *s, const char *path)
{
	char name[48];
	int k, at;

	k = pid_dir(x, w->id.pid);
	if (!k && w->id.obj == EXTRACT_FD)
		k = sub_dir(x, &x->fddir, "fd");
	if (!k && w->id.obj == EXTRACT_MAPPED)
		k = sub_dir(x, &x->mapdir, "mapped");
	if (k)
		return k;
	at = w->id.obj == EXTRACT_FD ? x->fddir : w->id.obj == EXTRACT_MAPPED ? x->mapdir
										: x->piddir;
	if (w->id.obj == EXTRACT_FD)
		snprintf(name, sizeof(name), "%d", w->id.fd);
	else if (w->id.obj == EXTRACT_MAPPED)
		snprintf(name, sizeof(name), "%s-%s", w->id.start, w->id.end);
	else
		snprintf(name, sizeof(name), "exe");
	if (linkat(x->stagefd, s->file, at, name, 0) < 0)
		return fail(x, -errno, "cannot place %s/%s: %s", x->o->dir, path,
			    errno == EEXIST ? "it exists already (extract into a new directory)"
					    : strerror(errno));
	x->res->files++;
	if (x->o->file) {
		struct extract_file f = {
			.path = path, .object = object_name(w->id.obj), .pid = w->id.pid,
			.fd = w->id.obj == EXTRACT_FD ? w->id.fd : -1,
			.start = w->id.obj == EXTRACT_MAPPED ? w->id.start : NULL,
			.end = w->id.obj == EXTRACT_MAPPED ? w->id.end : NULL,
			.sha256 = s->hex, .size = s->size, .member = s->member,
			.status = w->status, .link_of = s->first[0] ? s->first : NULL,
		};

		x->o->file(x->o->arg, &f);
	}
	if (!s->first[0])
		snprintf(s->first, sizeof(s->first), "%s", path);
	return 0;
}

/* Every check a file must pass before it gets its name. */
static int settle(struct ex *x, const struct manifest *v, const struct want *w)
{
	struct staged *s = u64map_get(&x->staged, w->dev, w->ino);
	char path[64], member[64];
	const char *expect;

	path_of(path, sizeof(path), &w->id);
	snprintf(member, sizeof(member), "content/%llu-%llu",
		 (unsigned long long)w->dev, (unsigned long long)w->ino);
	if (!s || !s->seen) {
		say(x, true, "%s: its content member %s is not in the archive; not extracted",
			path, member);
		return 0;
	}
	if (!s->written) {
		say(x, true, "%s: %s could not be read again; not extracted", path, member);
		return 0;
	}
	expect = manifest_expected(v, s->member);
	if (!manifest_member_ok(v, s->member) || !expect || strcmp(expect, s->hex) != 0) {
		say(x, true, "%s: %s hashes to %s, the manifest %s%s; not extracted", path,
			s->member, s->hex, expect ? "lists " : "does not list it",
			expect ? expect : "");
		return 0;
	}
	if (strcmp(w->sha, s->hex) != 0) {
		say(x, true, "%s: %s hashes to %s, but its record in %s says %s; not extracted",
			path, s->member, s->hex, w->record, w->sha[0] ? w->sha : "nothing");
		return 0;
	}
	if (!manifest_member_ok(v, w->record)) {
		say(x, true, "%s: its record, %s, does not match the manifest; not extracted",
			path, w->record);
		return 0;
	}
	return place(x, w, s, path);
}

static int open_dirs(struct ex *x)
{
	unsigned i;

	if (mkdir(x->o->dir, 0700) < 0 && errno != EEXIST)
		return fail(x, -errno, "cannot make %s: %s", x->o->dir, strerror(errno));
	x->dirfd = open(x->o->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (x->dirfd < 0)
		return fail(x, -errno, "cannot open %s: %s", x->o->dir, strerror(errno));
	/* A name no one can guess: a staging directory named by our pid
	 * could be made first (it is an mkdir, EEXIST only) by anyone who
	 * can write to DIR. */
	for (i = 0; i < 100; i++) {
		unsigned long long rnd;

		if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return fail(x, -EIO, "cannot make a staging directory name");
		snprintf(x->stage, sizeof(x->stage), ".snapread-staging.%016llx", rnd);
		if (mkdirat(x->dirfd, x->stage, 0700) == 0)
			break;
		if (errno != EEXIST)
			return fail(x, -errno, "cannot make %s/%s: %s", x->o->dir, x->stage,
				    strerror(errno));
	}
	if (i == 100)
		return fail(x, -EEXIST, "cannot make a staging directory in %s", x->o->dir);
	x->stagefd = openat(x->dirfd, x->stage,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (x->stagefd < 0) {
		int e = errno;

		fail(x, -e, "cannot open %s/%s: %s", x->o->dir, x->stage, strerror(e));
		unlinkat(x->dirfd, x->stage, AT_REMOVEDIR);
		x->stage[0] = '\0';
		return -e;
	}
	return 0;
}

static void free_staged(void *p)
{
	free(p);
}

/* Removes the staging directory: placed files live on through their links. */
static void cleanup(struct ex *x)
{
	size_t i;

	close_pid(x);
	for (i = 0; i < x->staged.cap; i++) {
		const struct staged *s = x->staged.slots[i].value;

		if (s && s->written)
			unlinkat(x->stagefd, s->file, 0);
	}
	if (x->stagefd >= 0)
		close(x->stagefd);
	if (x->stage[0])
		unlinkat(x->dirfd, x->stage, AT_REMOVEDIR);
	if (x->dirfd >= 0)
		close(x->dirfd);
	u64map_free(&x->staged, free_staged);
	free(x->wants);
	free(x->pid_found);
	free(x->fd_found);
}

/* Marks what the second reading must fetch; true when there is any. */
static bool plan_second(struct ex *x)
{
	bool any = false;
	size_t i;

	for (i = 0; i < x->nwants; i++) {
		struct staged *s = u64map_get(&x->staged, x->wants[i].dev, x->wants[i].ino);

		if (s && s->seen && !s->written) {
			s->needed = true;
			any = true;
		}
	}
	return any;
}

int extract_run(const char *archive, const struct extract_opts *o,
		struct extract_result *res)
{
	struct ex x = { .o = o, .res = res, .dirfd = -1, .stagefd = -1,
			.piddir = -1, .fddir = -1, .mapdir = -1 };
	struct snapshot *first = NULL;
	struct stat st;
	size_t i;
	int k;

	memset(res, 0, sizeof(*res));
	x.seekable = strcmp(archive, "-") != 0 && stat(archive, &st) == 0 &&
		     S_ISREG(st.st_mode);
	x.pid_found = calloc(o->npids ? o->npids : 1, sizeof(*x.pid_found));
	x.fd_found = calloc(o->nfds ? o->nfds : 1, sizeof(*x.fd_found));
	if (!x.pid_found || !x.fd_found) {
		k = fail(&x, -ENOMEM, "out of memory");
		goto out;
	}
	k = open_dirs(&x);
	if (k)
		goto out;
	k = pass(&x, archive, true, &first);
	if (k)
		goto out;
	for (i = 0; i < o->npids; i++)
		if (!x.pid_found[i]) {
			k = fail(&x, -ENOENT, "pid %d is not in the snapshot", o->pids[i]);
			goto out;
		}
	for (i = 0; i < o->nfds; i++)
		if (o->fds[i] >= 0 && !x.fd_found[i]) {
			k = fail(&x, -ENOENT, "fd %d is not in the snapshot%s", o->fds[i],
				 o->npids ? " for the pids given" : "");
			goto out;
		}
	if (plan_second(&x)) {
		k = pass(&x, archive, false, NULL);
		if (k)
			goto out;
	}
	for (i = 0; i < x.nwants && !k; i++)
		k = settle(&x, snapreader_verify(snapshot_reader(first)), &x.wants[i]);
out:
	cleanup(&x);
	snapshot_free(first);
	return k;
}
