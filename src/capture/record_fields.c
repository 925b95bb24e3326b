/* record_fields: how the records write the values every collector shares — errors, times, stat, content, argv. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "capture_int.h"
#include "escape.h"
#include "parse.h"
#include "procfs.h"

/* Counts an item that could not be read, and records it in errors[]. */
void record_error(struct capture *c, struct jsonw *errs, const char *what,
		       int err)
{
	int e = err < 0 ? -err : err;

	if (e == EACCES || e == EPERM) {
		c->st.denied++;
		c->proc_denied = true;
	}
	else if (e == ENOENT || e == ESRCH)
		c->st.vanished_items++;
	else if (e == ETIMEDOUT)
		c->st.read_timeouts++;
	else
		c->st.other_errors++;
	if (!errs)
		return;
	jsonw_open(errs, NULL);
	jsonw_str(errs, "what", what);
	jsonw_str(errs, "errno", procfs_errname(err));
	jsonw_str(errs, "reason", procfs_reason(err));
	jsonw_close(errs);
}

/*
 * Which part of a process an error of its record leaves unexamined: the
 * reader's definition (include/examined.h on the reading side,
 * docs/FORMAT.md "What snapread derives"), so the capture's summary and
 * every snapread view count the same processes.  -1: none.
 */
static int gap_part(const char *what)
{
	size_t n = strlen(what);

	if (strcmp(what, "exe") == 0 || strcmp(what, "exe-pin") == 0 ||
	    strcmp(what, "exe-fstat") == 0)
		return 0;
	if (strcmp(what, "fd") == 0 || strcmp(what, "task") == 0 ||
	    (strncmp(what, "task/", 5) == 0 && n > 10 && strcmp(what + n - 5, "/kcmp") == 0))
		return 1;
	if (strcmp(what, "maps") == 0)
		return 2;
	return -1;
}

void record_gap(struct capture *c, const char *what, int err, bool table)
{
	int e = err < 0 ? -err : err;

	if (!table && gap_part(what) < 0)
		return;
	/* A zombie's exe, maps and fds are gone before it is reaped: what
	 * vanished with them is absent, not lost (a thread's own table is
	 * never excused: the reader does not excuse it either). */
	if (!table && c->proc_zombie && (e == ENOENT || e == ESRCH))
		return;
	if (!c->proc_gap)
		c->proc_gap = err ? -e : -EIO;
}

/* The process just recorded: counted as not examined when a gap was
 * found, by the reason of the first (docs/FORMAT.md, summary.json). */
void record_gap_count(struct capture *c, bool vanished)
{
	int e = vanished ? ENOENT : -c->proc_gap;

	if (!vanished && !c->proc_gap)
		return;
	c->st.procs_unexamined++;
	if (e == EACCES || e == EPERM)
		c->st.unexamined_denied++;
	else if (e == ENOENT || e == ESRCH)
		c->st.unexamined_vanished++;
	else if (e == ETIMEDOUT)
		c->st.unexamined_timed_out++;
	else
		c->st.unexamined_other++;
}

/* Like capture_utc(), with the date of the last second kept: an fd's
 * three times, and most files' times, fall in few distinct seconds. */
void record_time(struct capture *c, struct jsonw *j, const char *key,
		     const struct timespec *ts)
{
	char s[48];
	long ns = ts->tv_nsec;
	size_t n;
	int i;

	if (ns < 0 || ns > 999999999) {
		capture_utc(s, sizeof(s), ts->tv_sec, ns);
		jsonw_str(j, key, s);
		return;
	}
	if (ts->tv_sec != c->tcache_sec) {
		struct tm tm;

		gmtime_r(&ts->tv_sec, &tm);
		strftime(c->tcache, sizeof(c->tcache), "%Y-%m-%dT%H:%M:%S", &tm);
		c->tcache_sec = ts->tv_sec;
	}
	/* Digits and punctuation only: written as they are, in quotes. */
	n = strlen(c->tcache);
	s[0] = '"';
	memcpy(s + 1, c->tcache, n);
	s[n + 1] = '.';
	for (i = 9; i >= 1; i--, ns /= 10)
		s[n + 1 + (size_t)i] = (char)('0' + ns % 10);
	s[n + 11] = 'Z';
	s[n + 12] = '"';
	jsonw_raw(j, key, s, n + 13);
}

void record_stat(struct capture *c, struct jsonw *j, const struct stat *st,
		 const struct procfs_btime *bt)
{
	jsonw_open(j, "stat");
	jsonw_uint(j, "dev", (uint64_t)st->st_dev);
	jsonw_uint(j, "ino", (uint64_t)st->st_ino);
	jsonw_uint(j, "mode", (uint64_t)st->st_mode);
	jsonw_uint(j, "nlink", (uint64_t)st->st_nlink);
	jsonw_uint(j, "uid", (uint64_t)st->st_uid);
	jsonw_uint(j, "gid", (uint64_t)st->st_gid);
	jsonw_int(j, "size", (int64_t)st->st_size);
	jsonw_int(j, "blocks", (int64_t)st->st_blocks);
	jsonw_uint(j, "rdev", (uint64_t)st->st_rdev);
	record_time(c, j, "atime", &st->st_atim);
	record_time(c, j, "mtime", &st->st_mtim);
	record_time(c, j, "ctime", &st->st_ctim);
	/* Absent when the file system keeps none (or statx was refused):
	 * unknown, never 1970. */
	if (bt && bt->known)
		record_time(c, j, "btime", &bt->ts);
	jsonw_close(j);
}

void record_content(struct capture *c, struct jsonw *j, const struct stored *s)
{
	const struct content_result *r = &s->res;

	jsonw_open(j, "content");
	jsonw_str(j, "status", content_status_name(r->status));
	if (s->from) {
		/* The bytes are in an earlier round's archive (reuse.h). */
		jsonw_open(j, "reused");
		jsonw_str(j, "archive", s->from->archive);
		jsonw_str(j, "top", s->from->top);
		jsonw_str(j, "member", s->from->member);
		jsonw_close(j);
	}
	if (r->sha256[0]) { /* a member was stored, here or earlier */
		if (!s->from)
			jsonw_str(j, "member", s->member);
		jsonw_str(j, "sha256", r->sha256);
		jsonw_uint(j, "stored", r->stored);
		jsonw_uint(j, "read", r->read);
		jsonw_uint(j, "data", r->data);
		jsonw_uint(j, "regions", r->regions);
		if (r->holes_filled)
			jsonw_uint(j, "holes_filled", r->holes_filled);
		jsonw_bool(j, "sparse", r->sparse);
	}
	jsonw_uint(j, "size", r->size);
	jsonw_bool(j, "changed", r->changed);
	if (r->why)
		jsonw_str(j, "reason", r->why);
	if (r->err)
		jsonw_str(j, "errno", procfs_errname(r->err));
	touch_record_content(c, j, s);
	jsonw_close(j);
}

struct argv_ctx {
	struct jsonw *j;
	bool clean;
};

static void put_arg(const char *s, size_t n, void *arg)
{
	struct argv_ctx *a = arg;

	jsonw_bytes(a->j, NULL, s, n);
	if (!escape_is_clean_utf8(s, n))
		a->clean = false;
}

static void put_arg_b64(const char *s, size_t n, void *arg)
{
	struct jsonw *j = arg;
	struct buf b = BUF_INIT;

	escape_base64(&b, s, n);
	jsonw_str(j, NULL, b.data ? b.data : "");
	buf_free(&b);
}

void record_argv(struct jsonw *j, const char *s, size_t n)
{
	struct argv_ctx a = { j, true };

	/* cmdline ends with a NUL; drop it so the last arg is not empty. */
	if (n && s[n - 1] == '\0')
		n--;
	jsonw_aopen(j, "argv");
	if (n)
		parse_nul_list(s, n, put_arg, &a);
	jsonw_aclose(j);
	if (!a.clean) {
		jsonw_aopen(j, "argv_b64");
		parse_nul_list(s, n, put_arg_b64, j);
		jsonw_aclose(j);
	}
}

/*
 * The kind of a file on the kernel's internal shmem mount (fstatfs said
 * tmpfs, stat a regular file with no link): the name the kernel gave it
 * tells which of its users made it.  Never a path a user could create on
 * that mount: it has none.
 */
const char *record_shmem_kind(const char *target, size_t n, bool memfd)
{
	if (memfd)
		return "memfd";
	if (n == 19 && memcmp(target, "/dev/zero (deleted)", 19) == 0)
		return "shared-anon";
	if (n > 5 && memcmp(target, "/SYSV", 5) == 0)
		return "sysv-shm";
	return NULL;
}
