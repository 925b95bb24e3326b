/* host_files: raw copies of the host files an analyst needs to judge a rootkit — one table line per file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture_int.h"
#include "privproc.h"
#include "procfs.h"

/* A host file is read relative to the proc root in use, or to the host's
 * root directory ("/"; capture_opts.host_root in tests).  FROM_HOST_NS:
 * as the host's mount namespace shows it, so taken by privproc before
 * procsnap left that namespace (else like FROM_PROC: the proc root given
 * is the host's, or no private /proc was tried). */
enum host_base { FROM_PROC, FROM_ROOT, FROM_HOST_NS };

struct host_file {
	const char *member;   /* under TOP/host/ */
	enum host_base base;
	const char *name;     /* relative to that base */
	const char *path;     /* what it is on a host, as host.json says it */
	bool preload;         /* the loader's preload list: its presence is a finding */
};

/* Adding a file is one line here (and its row in docs/FORMAT.md). */
static const struct host_file host_files[] = {
	/* What every dynamically linked program loads first (ld.so(8)):
	 * absent on most hosts, a classic userland rootkit's foothold. */
	{ "etc/ld.so.preload", FROM_ROOT, "etc/ld.so.preload", "/etc/ld.so.preload", true },
	/* Loaded modules with their taint marks ("(OE)") and state. */
	{ "proc/modules", FROM_PROC, "modules", "/proc/modules", false },
	/* Why the kernel is tainted: a bit mask (unsigned, out-of-tree or
	 * forced modules...), see the kernel's tainted-kernels.rst. */
	{ "proc/sys/kernel/tainted", FROM_PROC, "sys/kernel/tainted", "/proc/sys/kernel/tainted", false },
	/* The host's mounts, as mount(8) shows them: a bind mount over
	 * /proc/PID is listed here. */
	{ "proc/mounts", FROM_HOST_NS, "self/mounts", "/proc/mounts", false },
	/* Names for the uids and gids of the records (snapread shows them
	 * beside the numbers), and which machine and system this is. */
	{ "etc/passwd", FROM_ROOT, "etc/passwd", "/etc/passwd", false },
	{ "etc/group", FROM_ROOT, "etc/group", "/etc/group", false },
	{ "etc/hostname", FROM_ROOT, "etc/hostname", "/etc/hostname", false },
	{ "etc/os-release", FROM_ROOT, "etc/os-release", "/etc/os-release", false },
};
#define NFILES (sizeof(host_files) / sizeof(*host_files))

/* Bytes kept of one file: more is stored truncated and marked so. */
#define HOST_FILE_MAX (16u << 20)

/* What was read, kept from before the collectors start until host.json. */
struct host_copies {
	struct buf text;      /* every file's bytes, one after the other */
	struct span sp[NFILES];
	int err[NFILES];      /* -errno */
	bool notreg[NFILES];  /* not a regular file: never opened */
	bool truncated[NFILES];
};

/* One file into h->text.  0, or -errno for h->err (the capture goes on). */
static int read_one(struct host_copies *h, size_t i, int dirfd)
{
	const struct host_file *f = &host_files[i];
	size_t start = h->text.len;
	struct stat st;
	int r;

	if (dirfd < 0)
		return dirfd;
	/* Never opened unless regular: a FIFO or a device planted under the
	 * name must not block or flood the capture (/proc files are
	 * regular). */
	if (fstatat(dirfd, f->name, &st, 0) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode)) {
		h->notreg[i] = true;
		return -EINVAL;
	}
	r = procfs_read_append(dirfd, f->name, HOST_FILE_MAX, 0, &h->text, &h->truncated[i]);
	if (r)
		return r;
	h->sp[i].ok = true;
	h->sp[i].off = start;
	h->sp[i].len = h->text.len - start;
	return 0;
}

/* The copy privproc took in the host's namespace, as if read now. */
static int take_host_ns(struct host_copies *h, size_t i, const struct privproc *pp)
{
	size_t start = h->text.len, n = pp->host_mounts.len;

	if (pp->mounts_err)
		return pp->mounts_err;
	h->truncated[i] = pp->mounts_truncated || n > HOST_FILE_MAX;
	if (n > HOST_FILE_MAX)
		n = HOST_FILE_MAX;
	if (buf_append(&h->text, pp->host_mounts.data, n))
		return -ENOMEM;
	h->sp[i].ok = true;
	h->sp[i].off = start;
	h->sp[i].len = n;
	return 0;
}

int host_files_read(struct capture *c)
{
	const struct privproc *pp = c->o.priv;
	struct host_copies *h = calloc(1, sizeof(*h));
	int rootdir;
	size_t i;

	if (!h)
		return fail(c, -ENOMEM, "out of memory");
	c->host_copies = h;
	rootdir = open(c->o.host_root ? c->o.host_root : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootdir < 0)
		rootdir = -errno;
	for (i = 0; i < NFILES; i++) {
		if (host_files[i].base == FROM_HOST_NS && pp && pp->mounts_read)
			h->err[i] = take_host_ns(h, i, pp);
		else
			h->err[i] = read_one(h, i, host_files[i].base == FROM_ROOT ? rootdir : c->rootfd);
		if (h->err[i] == -ENOMEM)
			break;
	}
	if (rootdir >= 0)
		close(rootdir);
	if (i < NFILES || buf_error(&h->text))
		return fail(c, -ENOMEM, "out of memory");
	return 0;
}

int host_files_record(struct capture *c, struct jsonw *j)
{
	const struct host_copies *h = c->host_copies;
	char member[128];
	size_t i;
	int r;

	if (!h)
		return 0;
	jsonw_aopen(j, "host_files");
	for (i = 0; i < NFILES; i++) {
		const struct host_file *f = &host_files[i];
		int e = h->err[i];

		jsonw_open(j, NULL);
		jsonw_str(j, "path", f->path);
		jsonw_bool(j, "present", e != -ENOENT);
		if (h->sp[i].ok) {
			snprintf(member, sizeof(member), "host/%s", f->member);
			r = snapwriter_add(c->w, member, h->text.data + h->sp[i].off,
					   h->sp[i].len, NULL);
			if (r)
				return wfail(c, r, "%s", snapwriter_error(c->w));
			jsonw_str(j, "member", member);
			jsonw_uint(j, "size", h->sp[i].len);
			jsonw_bool(j, "truncated", h->truncated[i]);
			if (f->preload && h->sp[i].len)
				c->st.ld_so_preload = true;
		} else if (e != -ENOENT) {
			record_error(c, NULL, f->path, e);
			jsonw_str(j, "errno", procfs_errname(e));
			jsonw_str(j, "reason", h->notreg[i] ? "not-regular" : procfs_reason(e));
		}
		jsonw_close(j);
	}
	jsonw_aclose(j);
	return 0;
}

void host_files_free(struct host_copies *h)
{
	if (!h)
		return;
	buf_free(&h->text);
	free(h);
}
