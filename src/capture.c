/* capture: walking /proc and writing one snapshot archive. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "buf.h"
#include "capture.h"
#include "content.h"
#include "escape.h"
#include "jsonw.h"
#include "parse.h"
#include "procfs.h"
#include "sockets.h"
#include "u64map.h"

/* PF_KTHREAD in the flags field of /proc/PID/stat (include/linux/sched.h). */
#define PF_KTHREAD 0x00200000UL

/* The raw files kept per process, in the order they are read: stat first,
 * since its start time is the process's identity. */
static const char *const raw_files[] = {
	"stat", "status", "cmdline", "environ", "maps", "cgroup", NULL,
};

/* A recovered file, shared by every fd that holds the same (dev, ino). */
struct stored {
	char member[64];
	struct content_result res;
};

struct capture {
	struct capture_opts o;
	struct capture_stats st;
	struct snapwriter *w;
	int rootfd;
	struct timespec t0, m0;
	uint64_t btime;
	long hz;
	struct sockets socks;
	struct u64map stored;     /* (dev, ino) -> struct stored */
	struct buf json, fds, raw, link;
	char err[512];
};

static int fail(struct capture *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct capture *c, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return err;
}

int capture_new(struct capture **out, const struct capture_opts *opts)
{
	struct capture *c = calloc(1, sizeof(*c));

	*out = c;
	if (!c)
		return -ENOMEM;
	c->o = *opts;
	if (!c->o.proc_root)
		c->o.proc_root = "/proc";
	if (!c->o.max_file_size)
		c->o.max_file_size = CAPTURE_DEFAULT_MAX_FILE;
	c->rootfd = -1;
	c->hz = sysconf(_SC_CLK_TCK);
	if (c->hz <= 0)
		c->hz = 100;
	return 0;
}

void capture_utc(char *out, size_t n, time_t t, long nsec)
{
	struct tm tm;
	char s[32];

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	if (nsec >= 0)
		snprintf(out, n, "%s.%09ldZ", s, nsec);
	else
		snprintf(out, n, "%sZ", s);
}

void capture_basename(char *out, size_t n, const char *host, time_t t)
{
	char h[65], ts[32];
	struct tm tm;
	size_t i;

	snprintf(h, sizeof(h), "%s", host && *host ? host : "unknown");
	for (i = 0; h[i]; i++) {
		char ch = h[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_'))
			h[i] = '_';
	}
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(out, n, "procsnap-%s-%s", h, ts);
}

static bool stopped(const struct capture *c)
{
	return c->o.stop && *c->o.stop;
}

/* Counts an item that could not be read, and records it in errors[]. */
static void note_error(struct capture *c, struct jsonw *errs, const char *what,
		       int err)
{
	int e = err < 0 ? -err : err;

	if (e == EACCES || e == EPERM)
		c->st.denied++;
	else if (e == ENOENT || e == ESRCH)
		c->st.vanished_items++;
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

static void put_time(struct jsonw *j, const char *key, const struct timespec *ts)
{
	char s[48];

	capture_utc(s, sizeof(s), ts->tv_sec, ts->tv_nsec);
	jsonw_str(j, key, s);
}

static void put_stat(struct jsonw *j, const struct stat *st)
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
	put_time(j, "atime", &st->st_atim);
	put_time(j, "mtime", &st->st_mtim);
	put_time(j, "ctime", &st->st_ctim);
	jsonw_close(j);
}

static void put_content(struct jsonw *j, const struct stored *s)
{
	const struct content_result *r = &s->res;

	jsonw_open(j, "content");
	jsonw_str(j, "status", content_status_name(r->status));
	if (r->sha256[0]) { /* a member was stored */
		jsonw_str(j, "member", s->member);
		jsonw_str(j, "sha256", r->sha256);
		jsonw_uint(j, "stored", r->stored);
		jsonw_uint(j, "read", r->read);
		jsonw_uint(j, "data", r->data);
		jsonw_bool(j, "sparse", r->sparse);
	}
	jsonw_uint(j, "size", r->size);
	jsonw_bool(j, "changed", r->changed);
	if (r->why)
		jsonw_str(j, "reason", r->why);
	if (r->err)
		jsonw_str(j, "errno", procfs_errname(r->err));
	jsonw_close(j);
}

static void free_stored(void *p)
{
	free(p);
}

/*
 * The bytes of a deleted regular file, stored once per (dev, ino) however
 * many fds or processes hold it.  Returns the record (borrowed from the
 * table), or NULL with *rc set when the archive itself failed.
 */
static const struct stored *recover(struct capture *c, int pinfd,
				    const struct stat *st, int *rc)
{
	struct stored *s = u64map_get(&c->stored, st->st_dev, st->st_ino);

	*rc = 0;
	if (s)
		return s;
	s = calloc(1, sizeof(*s));
	if (!s) {
		*rc = fail(c, -ENOMEM, "out of memory");
		return NULL;
	}
	snprintf(s->member, sizeof(s->member), "content/%llu-%llu",
		 (unsigned long long)st->st_dev, (unsigned long long)st->st_ino);
	if (c->o.no_content) {
		s->res.status = CONTENT_SKIPPED;
		s->res.size = (uint64_t)st->st_size;
		s->res.why = "--no-content";
	} else {
		*rc = content_capture(c->w, pinfd, st, c->o.max_file_size,
				      s->member, &s->res);
		if (*rc) {
			fail(c, *rc, "%s", snapwriter_error(c->w));
			free(s);
			return NULL;
		}
		switch (s->res.status) {
		case CONTENT_CAPTURED: c->st.recovered++; break;
		case CONTENT_TRUNCATED: c->st.recovered++; c->st.truncated++; break;
		case CONTENT_SHRUNK: c->st.recovered++; c->st.shrunk++; break;
		case CONTENT_FAILED: c->st.failed++; break;
		default: break;
		}
		if (s->res.changed)
			c->st.changed++;
		c->st.content_bytes += s->res.stored;
	}
	*rc = u64map_put(&c->stored, st->st_dev, st->st_ino, s);
	if (*rc) {
		free(s);
		fail(c, *rc, "out of memory");
		return NULL;
	}
	return s;
}

/*
 * The kind of an open file, from its stat (and fstatfs for memfd), never
 * from the link text alone: a path may contain " (deleted)" or "socket:".
 * Link text is used only for the kernel's own pseudo-names, which never
 * begin with '/'.
 */
static const char *fd_type(int pinfd, const struct stat *st, bool pinned,
			   enum parse_link_kind lk, const char *target)
{
	struct statfs sf;

	if (lk == PARSE_LINK_ANON)
		return "anon";
	if (!pinned)
		return lk == PARSE_LINK_SOCKET ? "socket" : lk == PARSE_LINK_PIPE ? "pipe"
										 : "unknown";
	switch (st->st_mode & S_IFMT) {
	case S_IFREG:
		/* memfd_create(2) files live on the kernel's internal shmem
		 * (or hugetlbfs) mount and their link reads "/memfd:NAME". */
		if (strncmp(target, "/memfd:", 7) == 0 && fstatfs(pinfd, &sf) == 0 &&
		    (sf.f_type == TMPFS_MAGIC || sf.f_type == HUGETLBFS_MAGIC))
			return "memfd";
		return "file";
	case S_IFDIR: return "dir";
	case S_IFSOCK: return "socket";
	case S_IFIFO: return lk == PARSE_LINK_PIPE ? "pipe" : "fifo";
	case S_IFCHR: return "chr";
	case S_IFBLK: return "blk";
	case S_IFLNK: return "link";
	case 0: return lk == PARSE_LINK_OTHER ? "other" : "anon";
	}
	return "unknown";
}

/* One fd: link, pin, stat, fdinfo, socket, content.  Appends a JSON line. */
static int capture_fd(struct capture *c, int pid, int fddir, int infodir,
		      int fd, bool *deleted)
{
	struct jsonw j;
	struct stat st;
	struct parse_fdinfo fi;
	char name[16];
	const char *anon = NULL, *type;
	size_t anon_len = 0;
	uint64_t ino = 0;
	enum parse_link_kind lk = PARSE_LINK_OTHER;
	bool pinned = false, truncated;
	int pinfd = -1, r, rc = 0, link_r;
	struct buf errbuf = BUF_INIT;
	struct jsonw errs;

	*deleted = false;
	snprintf(name, sizeof(name), "%d", fd);
	jsonw_init(&j, &c->fds);
	jsonw_init(&errs, &errbuf);
	jsonw_aopen(&errs, NULL);
	jsonw_open(&j, NULL);
	jsonw_int(&j, "pid", pid);
	jsonw_int(&j, "fd", fd);

	link_r = r = procfs_readlink(fddir, name, &c->link);
	if (r) {
		/* Closed between listing and reading: recorded, not dropped. */
		note_error(c, &errs, "link", r);
		buf_reset(&c->link);
	} else {
		jsonw_bytes(&j, "target", c->link.data, c->link.len);
		lk = parse_link(c->link.data, c->link.len, &ino, &anon, &anon_len);
	}
	/* Pin first: an O_PATH open never reads, never blocks on a FIFO and
	 * never runs a device's open routine; fstat then tells what it is. */
	pinfd = openat(fddir, name, O_PATH | O_CLOEXEC);
	if (pinfd < 0)
		note_error(c, &errs, "pin", -errno);
	else if (fstat(pinfd, &st) < 0)
		note_error(c, &errs, "fstat", -errno);
	else
		pinned = true;
	type = fd_type(pinfd, &st, pinned, lk, c->link.data ? c->link.data : "");
	jsonw_str(&j, "type", type);
	if (anon)
		jsonw_bytes(&j, "anon", anon, anon_len);
	*deleted = pinned && S_ISREG(st.st_mode) && st.st_nlink == 0;
	jsonw_bool(&j, "deleted", *deleted);

	/* fdinfo has the same access check as the link: when both the link
	 * and the pin were refused, a third refusal adds nothing. */
	r = link_r == -EACCES && !pinned ? 0
		: procfs_read(infodir, name, 1 << 20, &c->raw, &truncated);
	if (link_r == -EACCES && !pinned) {
		/* nothing */
	} else if (r) {
		note_error(c, &errs, "fdinfo", r);
	} else if (parse_fdinfo(c->raw.data, c->raw.len, &fi) == 0) {
		if (fi.has_pos)
			jsonw_uint(&j, "pos", fi.pos);
		if (fi.has_flags)
			jsonw_uint(&j, "flags", fi.flags);
		if (fi.has_mnt_id)
			jsonw_int(&j, "mnt_id", fi.mnt_id);
		/* Kernel text for eventfd/epoll/inotify/... is kept whole. */
		if (lk == PARSE_LINK_ANON)
			jsonw_bytes(&j, "fdinfo", c->raw.data, c->raw.len);
	}
	if (pinned)
		put_stat(&j, &st);
	if (lk == PARSE_LINK_SOCKET || lk == PARSE_LINK_PIPE)
		jsonw_uint(&j, "inode", ino);
	if (lk == PARSE_LINK_SOCKET) {
		const struct parse_sock *sk = sockets_find(&c->socks, ino);

		c->st.sockets++;
		if (sk) {
			c->st.sockets_resolved++;
			jsonw_open(&j, "socket");
			jsonw_str(&j, "proto", sk->proto);
			jsonw_str(&j, "local", sk->local);
			if (sk->remote[0])
				jsonw_str(&j, "remote", sk->remote);
			jsonw_str(&j, "state", sk->state);
			if (sk->type[0])
				jsonw_str(&j, "socktype", sk->type);
			jsonw_close(&j);
		}
	}
	if (*deleted) {
		const struct stored *s = recover(c, pinfd, &st, &rc);

		if (!s)
			goto out;
		put_content(&j, s);
	}
	jsonw_aclose(&errs);
	if (errbuf.len > 2)
		buf_puts(&c->fds, ",\"errors\":"), buf_append(&c->fds, errbuf.data, errbuf.len);
	jsonw_close(&j);
	buf_putc(&c->fds, '\n');
	c->st.fds++;
out:
	if (pinfd >= 0)
		close(pinfd);
	buf_free(&errbuf);
	return rc;
}

/* The exe/cwd/root links; exe is pinned and recovered when deleted. */
static int capture_links(struct capture *c, struct jsonw *j, struct jsonw *errs,
			 int piddir, bool kthread, bool *exe_deleted)
{
	static const char *const links[] = { "exe", "cwd", "root", NULL };
	int i, r, rc = 0;

	*exe_deleted = false;
	for (i = 0; links[i]; i++) {
		struct stat st;
		int pinfd;

		r = procfs_readlink(piddir, links[i], &c->link);
		if (r) {
			/* Kernel threads have no exe: ENOENT is no loss there. */
			if (!(kthread && r == -ENOENT && i == 0))
				note_error(c, errs, links[i], r);
			jsonw_null(j, links[i]);
			continue;
		}
		jsonw_open(j, links[i]);
		jsonw_bytes(j, "target", c->link.data, c->link.len);
		if (strcmp(links[i], "exe") == 0) {
			pinfd = openat(piddir, "exe", O_PATH | O_CLOEXEC);
			if (pinfd < 0) {
				note_error(c, errs, "exe-pin", -errno);
			} else {
				if (fstat(pinfd, &st) == 0) {
					*exe_deleted = S_ISREG(st.st_mode) && st.st_nlink == 0;
					jsonw_bool(j, "deleted", *exe_deleted);
					put_stat(j, &st);
					if (*exe_deleted) {
						const struct stored *s = recover(c, pinfd, &st, &rc);

						c->st.deleted++;
						if (s)
							put_content(j, s);
					}
				} else {
					note_error(c, errs, "exe-fstat", -errno);
				}
				close(pinfd);
			}
		}
		jsonw_close(j);
		if (rc)
			return rc;
	}
	return 0;
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

static void put_argv(struct jsonw *j, const char *s, size_t n)
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

static int capture_process(struct capture *c, int pid)
{
	struct buf errbuf = BUF_INIT;
	struct jsonw j, errs;
	struct parse_stat ps;
	struct parse_status pst;
	bool have_stat = false, have_status = false, kthread = false;
	bool exe_deleted, truncated;
	char member[96], name[16];
	int piddir = -1, fddir = -1, infodir = -1, *fds = NULL;
	size_t nfds = 0, i;
	uint64_t deleted_fds = 0;
	int r, rc = 0;

	snprintf(name, sizeof(name), "%d", pid);
	buf_reset(&c->json);
	buf_reset(&c->fds);
	jsonw_init(&j, &c->json);
	jsonw_init(&errs, &errbuf);
	jsonw_aopen(&errs, NULL);
	jsonw_open(&j, NULL);
	jsonw_int(&j, "pid", pid);
	jsonw_bool(&j, "self", pid == getpid());

	piddir = procfs_open_dir(c->rootfd, name);
	if (piddir < 0) {
		note_error(c, &errs, "process", piddir);
		jsonw_bool(&j, "vanished", true);
		c->st.procs_vanished++;
		goto finish;
	}
	buf_reset(&c->link); /* holds cmdline until "files" is closed */
	jsonw_open(&j, "files");
	for (i = 0; raw_files[i]; i++) {
		char hex[DIGEST_HEX_LEN + 1];

		r = procfs_read(piddir, raw_files[i], CAPTURE_MAX_RAW, &c->raw, &truncated);
		if (r) {
			/* A kernel thread has no environment: the kernel says
			 * ESRCH (it has no mm).  No evidence is missing. */
			if (!(kthread && r == -ESRCH && strcmp(raw_files[i], "environ") == 0))
				note_error(c, &errs, raw_files[i], r);
			continue;
		}
		snprintf(member, sizeof(member), "proc/%d/%s", pid, raw_files[i]);
		rc = snapwriter_add(c->w, member, c->raw.data, c->raw.len, hex);
		if (rc) {
			fail(c, rc, "%s", snapwriter_error(c->w));
			goto out;
		}
		jsonw_open(&j, raw_files[i]);
		jsonw_uint(&j, "size", c->raw.len);
		jsonw_bool(&j, "truncated", truncated);
		jsonw_close(&j);
		if (i == 0) {
			have_stat = parse_stat(c->raw.data, c->raw.len, &ps) == 0;
			kthread = have_stat && (ps.flags & PF_KTHREAD);
		}
		else if (i == 1)
			have_status = parse_status(c->raw.data, c->raw.len, &pst) == 0;
		else if (i == 2)
			buf_append(&c->link, c->raw.data, c->raw.len);
	}
	jsonw_close(&j);
	put_argv(&j, c->link.data, c->link.len);
	if (have_stat) {
		uint64_t secs = ps.starttime / (uint64_t)c->hz;
		long frac = (long)(ps.starttime % (uint64_t)c->hz);
		char t[48];

		jsonw_bytes(&j, "name", ps.comm, ps.comm_len);
		jsonw_int(&j, "ppid", ps.ppid);
		jsonw_str(&j, "state", (char[]){ ps.state, 0 });
		jsonw_int(&j, "pgrp", ps.pgrp);
		jsonw_int(&j, "session", ps.session);
		jsonw_int(&j, "tty_nr", ps.tty_nr);
		jsonw_uint(&j, "start_ticks", ps.starttime);
		capture_utc(t, sizeof(t), (time_t)(c->btime + secs),
			    frac * (1000000000L / c->hz));
		jsonw_str(&j, "start_time", t);
		jsonw_bool(&j, "kernel_thread", (ps.flags & PF_KTHREAD) != 0);
		jsonw_uint(&j, "utime", ps.utime);
		jsonw_uint(&j, "stime", ps.stime);
		jsonw_uint(&j, "vsize", ps.vsize);
		jsonw_int(&j, "rss_pages", ps.rss);
	}
	if (have_status) {
		jsonw_int(&j, "tgid", pst.tgid);
		jsonw_int(&j, "threads", pst.threads);
		if (pst.has_ids) {
			jsonw_aopen(&j, "uid");
			for (i = 0; i < 4; i++)
				jsonw_uint(&j, NULL, pst.uid[i]);
			jsonw_aclose(&j);
			jsonw_aopen(&j, "gid");
			for (i = 0; i < 4; i++)
				jsonw_uint(&j, NULL, pst.gid[i]);
			jsonw_aclose(&j);
		}
		if (pst.has_caps) {
			char hx[24];

			jsonw_open(&j, "caps");
#define CAP(k, v) snprintf(hx, sizeof(hx), "%016llx", (unsigned long long)(v)), jsonw_str(&j, k, hx)
			CAP("inh", pst.cap_inh);
			CAP("prm", pst.cap_prm);
			CAP("eff", pst.cap_eff);
			CAP("bnd", pst.cap_bnd);
			CAP("amb", pst.cap_amb);
#undef CAP
			jsonw_close(&j);
		}
	}
	rc = capture_links(c, &j, &errs, piddir, kthread, &exe_deleted);
	if (rc)
		goto out;

	fddir = procfs_open_dir(piddir, "fd");
	infodir = procfs_open_dir(piddir, "fdinfo");
	r = fddir < 0 ? fddir : procfs_list_numeric(piddir, "fd", &fds, &nfds);
	if (r)
		note_error(c, &errs, "fd", r);
	for (i = 0; i < nfds && !stopped(c); i++) {
		bool del;

		rc = capture_fd(c, pid, fddir, infodir, fds[i], &del);
		if (rc)
			goto out;
		deleted_fds += del;
	}
	c->st.deleted += deleted_fds;
	jsonw_uint(&j, "fd_count", nfds);
	jsonw_uint(&j, "deleted_fds", deleted_fds);
	if (buf_error(&c->fds)) {
		rc = fail(c, -ENOMEM, "pid %d: fd table: out of memory", pid);
		goto out;
	}
	snprintf(member, sizeof(member), "proc/%d/fds.jsonl", pid);
	rc = snapwriter_add(c->w, member, c->fds.data ? c->fds.data : "", c->fds.len, NULL);
	if (rc) {
		fail(c, rc, "%s", snapwriter_error(c->w));
		goto out;
	}
	/* A process whose stat vanished after its directory opened exited
	 * while being read: what was read is kept, and it is marked. */
	if (!have_stat) {
		jsonw_bool(&j, "vanished", true);
		c->st.procs_vanished++;
	}
finish:
	jsonw_aclose(&errs);
	buf_puts(&c->json, ",\"errors\":");
	buf_append(&c->json, errbuf.data, errbuf.len);
	jsonw_close(&j);
	buf_putc(&c->json, '\n');
	if (buf_error(&c->json)) {
		rc = fail(c, -ENOMEM, "pid %d: out of memory", pid);
		goto out;
	}
	snprintf(member, sizeof(member), "proc/%d/process.json", pid);
	rc = snapwriter_add(c->w, member, c->json.data, c->json.len, NULL);
	if (rc) {
		fail(c, rc, "%s", snapwriter_error(c->w));
		goto out;
	}
	c->st.procs++;
out:
	if (piddir >= 0)
		close(piddir);
	if (fddir >= 0)
		close(fddir);
	if (infodir >= 0)
		close(infodir);
	free(fds);
	buf_free(&errbuf);
	return rc;
}

/* Host facts, and the raw network tables (also parsed for fd sockets). */
static int capture_host(struct capture *c, const char *topdir)
{
	struct utsname u;
	struct jsonw j;
	bool truncated;
	char t[48], member[64];
	int i, r;

	r = procfs_read(c->rootfd, "stat", 1 << 20, &c->raw, &truncated);
	if (r == 0)
		parse_btime(c->raw.data, c->raw.len, &c->btime);
	buf_reset(&c->json);
	jsonw_init(&j, &c->json);
	jsonw_open(&j, NULL);
	jsonw_str(&j, "format", "procsnap");
	jsonw_int(&j, "version", CAPTURE_FORMAT_VERSION);
	jsonw_str(&j, "top", topdir);
	jsonw_close(&j);
	buf_putc(&c->json, '\n');
	r = snapwriter_add(c->w, "format.json", c->json.data, c->json.len, NULL);
	if (r)
		return fail(c, r, "%s", snapwriter_error(c->w));

	buf_reset(&c->json);
	jsonw_init(&j, &c->json);
	jsonw_open(&j, NULL);
	if (uname(&u) == 0) {
		jsonw_str(&j, "hostname", u.nodename);
		jsonw_open(&j, "uname");
		jsonw_str(&j, "sysname", u.sysname);
		jsonw_str(&j, "release", u.release);
		jsonw_str(&j, "version", u.version);
		jsonw_str(&j, "machine", u.machine);
		jsonw_close(&j);
	}
	r = procfs_read(c->rootfd, "sys/kernel/random/boot_id", 256, &c->raw, &truncated);
	if (r == 0) {
		while (c->raw.len && c->raw.data[c->raw.len - 1] == '\n')
			c->raw.len--;
		jsonw_bytes(&j, "boot_id", c->raw.data, c->raw.len);
	} else {
		jsonw_null(&j, "boot_id");
	}
	capture_utc(t, sizeof(t), (time_t)c->btime, -1);
	jsonw_uint(&j, "btime", c->btime);
	jsonw_str(&j, "boot_time", t);
	capture_utc(t, sizeof(t), c->t0.tv_sec, c->t0.tv_nsec);
	jsonw_str(&j, "capture_start", t);
	jsonw_str(&j, "procsnap_version", PROCSNAP_VERSION);
	jsonw_aopen(&j, "command_line");
	for (i = 0; i < c->o.argc; i++)
		jsonw_str(&j, NULL, c->o.argv[i]);
	jsonw_aclose(&j);
	jsonw_uint(&j, "uid", (uint64_t)getuid());
	jsonw_uint(&j, "euid", (uint64_t)geteuid());
	jsonw_int(&j, "pid", getpid());
	jsonw_str(&j, "proc_root", c->o.proc_root);
	jsonw_int(&j, "clock_ticks", c->hz);
	jsonw_str(&j, "compression", snapwriter_compress_name(c->o.compress));
	jsonw_bool(&j, "content", !c->o.no_content);
	jsonw_uint(&j, "max_file_size", c->o.max_file_size);
	jsonw_aopen(&j, "net_tables");
	for (i = 0; sockets_tables[i]; i++) {
		unsigned bad = 0;

		r = procfs_read(c->rootfd, sockets_tables[i], CAPTURE_MAX_RAW, &c->raw, &truncated);
		if (r) {
			note_error(c, NULL, sockets_tables[i], r);
			continue;
		}
		snprintf(member, sizeof(member), "host/%s", sockets_tables[i]);
		r = snapwriter_add(c->w, member, c->raw.data, c->raw.len, NULL);
		if (r)
			return fail(c, r, "%s", snapwriter_error(c->w));
		r = sockets_add_table(&c->socks, sockets_tables[i], c->raw.data, c->raw.len, &bad);
		if (r)
			return fail(c, r, "out of memory");
		jsonw_str(&j, NULL, member);
	}
	jsonw_aclose(&j);
	jsonw_close(&j);
	buf_putc(&c->json, '\n');
	if (buf_error(&c->json))
		return fail(c, -ENOMEM, "out of memory");
	r = snapwriter_add(c->w, "host.json", c->json.data, c->json.len, NULL);
	return r ? fail(c, r, "%s", snapwriter_error(c->w)) : 0;
}

static int capture_summary(struct capture *c)
{
	const struct capture_stats *s = &c->st;
	struct timespec t1;
	struct jsonw j;
	char t[48];

	clock_gettime(CLOCK_REALTIME, &t1);
	buf_reset(&c->json);
	jsonw_init(&j, &c->json);
	jsonw_open(&j, NULL);
	capture_utc(t, sizeof(t), c->t0.tv_sec, c->t0.tv_nsec);
	jsonw_str(&j, "capture_start", t);
	capture_utc(t, sizeof(t), t1.tv_sec, t1.tv_nsec);
	jsonw_str(&j, "capture_end", t);
	jsonw_uint(&j, "processes", s->procs);
	jsonw_uint(&j, "processes_vanished", s->procs_vanished);
	jsonw_uint(&j, "fds", s->fds);
	jsonw_uint(&j, "sockets", s->sockets);
	jsonw_uint(&j, "sockets_resolved", s->sockets_resolved);
	jsonw_uint(&j, "deleted", s->deleted);
	jsonw_uint(&j, "recovered", s->recovered);
	jsonw_uint(&j, "truncated", s->truncated);
	jsonw_uint(&j, "shrunk", s->shrunk);
	jsonw_uint(&j, "failed", s->failed);
	jsonw_uint(&j, "changed", s->changed);
	jsonw_uint(&j, "content_bytes", s->content_bytes);
	jsonw_uint(&j, "denied", s->denied);
	jsonw_uint(&j, "vanished_items", s->vanished_items);
	jsonw_uint(&j, "other_errors", s->other_errors);
	jsonw_close(&j);
	buf_putc(&c->json, '\n');
	if (buf_error(&c->json))
		return fail(c, -ENOMEM, "out of memory");
	if (snapwriter_add(c->w, "summary.json", c->json.data, c->json.len, NULL))
		return fail(c, -EIO, "%s", snapwriter_error(c->w));
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Sorts pids ascending and drops repeats; returns the new count. */
static size_t sort_unique(int *pids, size_t n)
{
	size_t i, k = 0;

	if (n > 1)
		qsort(pids, n, sizeof(*pids), cmp_pid);
	for (i = 0; i < n; i++)
		if (k == 0 || pids[k - 1] != pids[i])
			pids[k++] = pids[i];
	return k;
}

int capture_run(struct capture *c, int fd, const char *topdir)
{
	struct timespec m1;
	int *pids = NULL;
	size_t npids = 0, i;
	int r;

	clock_gettime(CLOCK_REALTIME, &c->t0);
	clock_gettime(CLOCK_MONOTONIC, &c->m0);
	c->rootfd = open(c->o.proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->rootfd < 0)
		return fail(c, -errno, "%s: %s", c->o.proc_root, strerror(errno));
	r = snapwriter_open(&c->w, fd, c->o.compress, topdir, c->t0.tv_sec);
	if (r)
		return fail(c, r, "%s", snapwriter_error(c->w));
	r = capture_host(c, topdir);
	if (r)
		goto out;
	if (c->o.npids) {
		npids = c->o.npids;
		pids = malloc(npids * sizeof(*pids));
		if (!pids) {
			r = fail(c, -ENOMEM, "out of memory");
			goto out;
		}
		memcpy(pids, c->o.pids, npids * sizeof(*pids));
		/* Members must come in ascending pid order, each pid once
		 * (docs/FORMAT.md): -p 2 -p 1 -p 2 is pids 1 and 2. */
		npids = sort_unique(pids, npids);
	} else {
		r = procfs_list_numeric(c->rootfd, ".", &pids, &npids);
		if (r) {
			fail(c, r, "%s: cannot list processes: %s", c->o.proc_root,
			     strerror(-r));
			goto out;
		}
	}
	for (i = 0; i < npids; i++) {
		if (stopped(c)) {
			r = fail(c, -EINTR, "interrupted");
			goto out;
		}
		r = capture_process(c, pids[i]);
		if (r)
			goto out;
	}
	if (stopped(c)) {
		r = fail(c, -EINTR, "interrupted");
		goto out;
	}
	r = capture_summary(c);
	if (r)
		goto out;
	r = snapwriter_finish(c->w);
	if (r)
		fail(c, r, "%s", snapwriter_error(c->w));
out:
	clock_gettime(CLOCK_MONOTONIC, &m1);
	c->st.seconds = (double)(m1.tv_sec - c->m0.tv_sec) +
			(double)(m1.tv_nsec - c->m0.tv_nsec) / 1e9;
	free(pids);
	return r;
}

time_t capture_started(const struct capture *c)
{
	return c->t0.tv_sec;
}

const struct capture_stats *capture_stats(const struct capture *c)
{
	return &c->st;
}

const char *capture_error(const struct capture *c)
{
	return c ? c->err : "out of memory";
}

void capture_free(struct capture *c)
{
	if (!c)
		return;
	snapwriter_free(c->w);
	if (c->rootfd >= 0)
		close(c->rootfd);
	sockets_free(&c->socks);
	u64map_free(&c->stored, free_stored);
	buf_free(&c->json);
	buf_free(&c->fds);
	buf_free(&c->raw);
	buf_free(&c->link);
	free(c);
}
