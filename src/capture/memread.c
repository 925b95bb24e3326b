/* memread: reading one range of a process's memory — pagemap, process_vm_readv or /proc/PID/mem, holes, unreadable pages. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "capture_int.h"

/*
 * Runs on a reader thread (watchdog.c): every read here may wait on the
 * process's mmap lock.  The process is never stopped or attached to.
 *
 * - Which pages: of an anonymous mapping, only those /proc/PID/pagemap
 *   says are present or swapped (bits 63, 62; Documentation/admin-guide/
 *   mm/pagemap.rst).  Any other page of it is zeros, and reading it would
 *   fault it in: the target would gain page tables, and a page of a
 *   userfaultfd range would wait for its handler.  When pagemap cannot be
 *   read, every page is read.
 * - How: process_vm_readv(2) for a mapping with r.  It pins pages with
 *   pin_user_pages_remote, which refuses VM_IO and VM_PFNMAP mappings
 *   outright and never falls back to a driver's ->access hook, so even a
 *   device mapping that replaced a region after its smaps entry was read
 *   is not touched.  It names the process by pid: after each range the
 *   process's directory is looked at, and a range read after the process
 *   went (its pid may be another's by then) is dropped.  A mapping without
 *   r (execute-only code) is read with pread on /proc/PID/mem, whose
 *   FOLL_FORCE reads it; that file is bound to the process's mm when
 *   opened.  A proc root whose pids are not of procsnap's own pid
 *   namespace (a test tree, a proc of another pid namespace given with
 *   --proc: capture.c, pids_ours) is read through its "mem" file only: a
 *   pid there names another process here, or none.  That path has only
 *   smaps to keep it off device memory.
 * - What comes back: pages that are all zeros become holes; a page that
 *   cannot be read (EFAULT, EIO: past the end of a mapped file, a guard
 *   page, a page gone meanwhile) is a run with its errno, and the read
 *   goes on after it.
 */

void wd_result_reset(struct wd_result *r)
{
	r->err = 0;
	r->truncated = false;
	buf_reset(&r->data);
	r->nruns = 0;
	r->read = 0;
}

void wd_result_free(struct wd_result *r)
{
	buf_free(&r->data);
	free(r->runs);
	memset(r, 0, sizeof(*r));
}

void memread_init(struct memread *m, size_t page)
{
	memset(m, 0, sizeof(*m));
	m->dirfd = -1;
	m->pagemap = m->mem = -1;
	m->page = page;
}

void memread_begin(struct memread *m, int pid, int dirfd, bool readv)
{
	m->pid = pid;
	m->dirfd = dirfd;
	m->readv = readv;
}

void memread_end(struct memread *m)
{
	if (m->pagemap >= 0)
		close(m->pagemap);
	if (m->mem >= 0)
		close(m->mem);
	m->pagemap = m->mem = -1;
	m->dirfd = -1;
}

void memread_free(struct memread *m)
{
	memread_end(m);
	free(m->scratch);
	free(m->pm);
	m->scratch = NULL;
	m->pm = NULL;
}

/* A run at off: merged into the last one when they touch and agree. */
static int add_run(struct wd_result *out, uint64_t off, uint64_t len, int err)
{
	struct mem_run *last = out->nruns ? &out->runs[out->nruns - 1] : NULL;

	if (last && last->off + last->len == off && last->err == err) {
		last->len += len;
		return 0;
	}
	if (out->nruns == out->caprun) {
		size_t cap = out->caprun ? out->caprun * 2 : 16;
		struct mem_run *v = realloc(out->runs, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		out->runs = v;
		out->caprun = cap;
	}
	out->runs[out->nruns].off = off;
	out->runs[out->nruns].len = len;
	out->runs[out->nruns].err = err;
	out->nruns++;
	return 0;
}

/* fd of dirfd/name, opened on first need: >= 0, or -errno. */
static int lazy_open(struct memread *m, int *fd, const char *name)
{
	if (*fd == -1) {
		*fd = openat(m->dirfd, name, O_RDONLY | O_CLOEXEC);
		if (*fd < 0) {
			int err = -errno;

			*fd = -2;
			return err;
		}
	}
	return *fd >= 0 ? *fd : -EACCES;
}

/* want[i]: page i of [addr, addr + n pages) is to be read. */
static void pages_to_read(struct memread *m, const struct wd_item *it, uint64_t addr,
			  size_t n, bool *want)
{
	size_t i, got = 0;
	int fd;

	if (it->anon && (fd = lazy_open(m, &m->pagemap, "pagemap")) >= 0) {
		ssize_t r = pread(fd, m->pm, n * sizeof(*m->pm),
				  (off_t)(addr / m->page * sizeof(*m->pm)));

		got = r > 0 ? (size_t)r / sizeof(*m->pm) : 0;
	}
	for (i = 0; i < n; i++)
		want[i] = i >= got || (m->pm[i] >> 62) != 0; /* present or swapped */
}

/* n bytes at addr into p: the bytes read, or -errno (-ESRCH: gone). */
static ssize_t peek(struct memread *m, const struct wd_item *it, uint64_t addr, char *p,
		    size_t n)
{
	ssize_t r;
	int fd;

	if (it->readable && m->readv) {
		struct iovec local = { p, n }, remote = { (void *)(uintptr_t)addr, n };

		do
			r = process_vm_readv(m->pid, &local, 1, &remote, 1, 0);
		while (r < 0 && errno == EINTR);
		return r < 0 ? -errno : r;
	}
	fd = lazy_open(m, &m->mem, "mem");
	if (fd < 0)
		return fd;
	if (addr > INT64_MAX)
		return -EINVAL;
	do
		r = pread(fd, p, n, (off_t)addr);
	while (r < 0 && errno == EINTR);
	/* mem_rw() reads nothing once the process's mm is gone. */
	return r < 0 ? -errno : r == 0 ? -ESRCH : r;
}

static bool all_zeros(const char *p, size_t n)
{
	return p[0] == 0 && memcmp(p, p + 1, n - 1) == 0;
}

/* Pages [i, j) of the chunk at off: read, kept or made holes, the pages
 * that fail recorded.  0, or -ESRCH / -ENOMEM. */
static int read_pages(struct memread *m, const struct wd_item *it, struct wd_result *out,
		      uint64_t off, size_t i, size_t j)
{
	const size_t pg = m->page;

	while (i < j) {
		char *p = m->scratch + i * pg;
		ssize_t got = peek(m, it, it->start + off + i * pg, p, (j - i) * pg);
		size_t k, whole;
		int r;

		/* A page that cannot be read is EFAULT (process_vm_readv)
		 * or EIO (/proc/PID/mem); anything else is about the
		 * whole range: the process is gone, access is refused. */
		if (got < 0 && got != -EFAULT && got != -EIO)
			return (int)got;
		whole = got > 0 ? (size_t)got / pg : 0;
		if (whole == 0) {
			r = add_run(out, off + i * pg, pg, got < 0 ? (int)got : -EFAULT);
			if (r)
				return r;
			i++;
			continue;
		}
		for (k = 0; k < whole; k++, p += pg) {
			if (all_zeros(p, pg))
				continue;
			if (buf_append(&out->data, p, pg) ||
			    add_run(out, off + (i + k) * pg, pg, 0))
				return -ENOMEM;
		}
		out->read += whole * pg;
		i += whole;
	}
	return 0;
}

int memread_range(struct memread *m, const struct wd_item *it, struct wd_result *out)
{
	const size_t pg = m->page, per = MEMREAD_CHUNK / m->page;
	uint64_t size = it->end - it->start, off;
	bool want[MEMREAD_CHUNK / 4096];
	struct stat st;

	wd_result_reset(out);
	if (!m->scratch) {
		m->scratch = malloc(MEMREAD_CHUNK);
		m->pm = malloc(per * sizeof(*m->pm));
		if (!m->scratch || !m->pm)
			return -ENOMEM;
	}
	for (off = 0; off < size; off += per * pg) {
		size_t n = size - off < per * pg ? (size_t)((size - off) / pg) : per;
		size_t i = 0, j;
		int r;

		pages_to_read(m, it, it->start + off, n, want);
		while (i < n) {
			if (!want[i]) {
				i++;
				continue;
			}
			for (j = i; j < n && want[j]; j++)
				;
			r = read_pages(m, it, out, off, i, j);
			if (r)
				return r;
			i = j;
		}
	}
	/* process_vm_readv named the process by pid: if its directory is
	 * gone now, the pid may have been another's during the read. */
	if (it->readable && m->readv && fstatat(m->dirfd, "stat", &st, 0) < 0)
		return -ESRCH;
	return 0;
}
