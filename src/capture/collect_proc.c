/* collect_proc: one process, collected in order — raw files, links, namespaces, maps, memory, fd tables. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture_int.h"
#include "parse.h"
#include "procfs.h"

/* The exe/cwd/root links; exe is stat'ed, and pinned when deleted; cwd is
 * stat'ed, so a removed working directory shows (st_nlink 0), whatever
 * its name says. */
static void collect_links(struct batch *b, int piddir)
{
	struct proc_item *p = &b->proc;
	int i;

	for (i = 0; i < NLINKS; i++) {
		int r = batch_keep_link(b, piddir, link_names[i], &p->link[i]);

		if (r) {
			/* Kernel threads have no exe: ENOENT is normal there. */
			PROC_ERR(p, link_names[i], r);
			continue;
		}
		if (i == 1) {
			int e = procfs_statx(piddir, "cwd", 0, &p->cwd_st, &p->cwd_btime);

			p->cwd_have_stat = e == 0;
			if (e)
				PROC_ERR(p, "cwd-stat", e);
			continue;
		}
		if (i != 0)
			continue;
		int e = procfs_statx(piddir, "exe", 0, &p->exe_st, &p->exe_btime);

		if (e) {
			PROC_ERR(p, "exe-pin", e);
		} else if (S_ISREG(p->exe_st.st_mode) && p->exe_st.st_nlink == 0) {
			int pin = openat(piddir, "exe", O_PATH | O_CLOEXEC);

			if (pin < 0) {
				PROC_ERR(p, "exe-pin", -errno);
			} else if ((e = procfs_statx(pin, "", AT_EMPTY_PATH, &p->exe_st,
						     &p->exe_btime)) != 0) {
				PROC_ERR(p, "exe-fstat", e);
				close(pin);
			} else {
				p->exe_have_stat = true;
				p->exe_pin = pin;
				b->npins++;
			}
		} else {
			p->exe_have_stat = true;
		}
	}
}

/* /proc/PID/io: what the process read and wrote so far, which a series
 * turns into rates (snapread watch).  A single_open() file, read whole;
 * it needs the right to ptrace the process, as environ does. */
static void collect_io(struct batch *b, int piddir)
{
	bool truncated;
	int r = batch_keep_file(b, piddir, "io", 4096, PROCFS_ONE_SHOT, &b->proc.io, &truncated);

	if (r)
		PROC_ERR(&b->proc, "io", r);
}

/* An fd table: the process's own (tid 0), or a thread's. */
struct table_dirs {
	int tid, fddir, infodir;
	int *fds;
	size_t nfds;
};

/* Opens and lists one fd table; 0 or -errno (its fd directory). */
static int list_table(struct table_dirs *t, int piddir, int tid)
{
	char path[48];

	memset(t, 0, sizeof(*t));
	t->tid = tid;
	if (tid)
		snprintf(path, sizeof(path), "task/%d/fd", tid);
	t->fddir = procfs_open_dir(piddir, tid ? path : "fd");
	if (tid)
		snprintf(path, sizeof(path), "task/%d/fdinfo", tid);
	t->infodir = procfs_open_dir(piddir, tid ? path : "fdinfo");
	return t->fddir < 0 ? t->fddir : procfs_list_numeric_fd(t->fddir, &t->fds, &t->nfds);
}

static void close_tables(struct table_dirs *td, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (td[i].fddir >= 0)
			close(td[i].fddir);
		if (td[i].infodir >= 0)
			close(td[i].infodir);
		free(td[i].fds);
	}
}

/*
 * The pid that stat (its first field) or status ("Pid:") names, when it
 * is not pid: a bind mount of /proc/1 over /proc/PID shows pid 1's files
 * under PID's name, and they must never be recorded as PID's.  0: fine.
 */
static int names_other_pid(const struct batch *b, size_t i)
{
	const struct span *sp = &b->proc.raw[i];
	const char *t = batch_text(b, sp), *v = t;
	size_t vl = sp->len;
	long n;

	if (!sp->ok || (i == RAW_STATUS && parse_status_field(t, sp->len, "Pid", &v, &vl)))
		return 0;
	n = strtol(v, NULL, 10);
	return n > 0 && n <= 0x7fffffff && (int)n != b->pid ? (int)n : 0;
}

/* The raw files, in order; cmdline, environ and maps through the
 * watchdog.  0, or -EINTR/-ENOMEM, which end the capture; 1: the files
 * are another process's (p->foreign_pid), read no further. */
static int collect_raw(struct capture *c, struct lane *l, struct batch *b, int piddir)
{
	struct proc_item *p = &b->proc;
	bool truncated;
	size_t i;
	int r;

	for (i = 0; i < RAW_AUXV; i++) {
		if (i == RISKY_FIRST && (p->foreign_pid = names_other_pid(b, RAW_STAT)) == 0)
			p->foreign_pid = names_other_pid(b, RAW_STATUS);
		if (p->foreign_pid)
			return 1;
		if (i == RISKY_FIRST) {
			r = watchdog_read(c, l, b, piddir);
			if (r)
				return r;
			i += NRISKY - 1;
			continue;
		}
		r = batch_keep_file(b, piddir, raw_files[i], CAPTURE_MAX_RAW, raw_flags[i],
				    &p->raw[i], &truncated);
		p->raw_truncated[i] = truncated;
		if (r)
			PROC_ERR(p, raw_files[i], r);
	}
	return 0;
}

int collect_process(struct capture *c, struct lane *l, int pid)
{
	const struct hidden_proc *h;
	struct batch *b = NULL;
	struct proc_item *p;
	char name[16];
	int piddir = -1;
	/* td[0] is the process's own table, then each thread's own. */
	struct table_dirs td[1 + MAX_TABLES];
	size_t ntd = 0, i;
	int r, rc;

	rc = batch_get(c, pid, true, &b);
	if (rc)
		return lfail(l, rc, "out of memory");
	p = &b->proc;
	/* Without a /proc of our own, a /proc/PID that a mount covers holds
	 * nothing of PID's: nothing is read (hidden.c). */
	h = hidden_get(c, pid);
	if (h && ((h->ways & HID_NO_PROC_DIR) ||
		  (!c->hid.private_proc && (h->ways & HID_UNREADABLE)))) {
		p->dir_err = -EXDEV;
		goto last;
	}
	batch_decimal(name, pid);
	piddir = procfs_open_dir(c->rootfd, name);
	if (piddir < 0) {
		p->dir_err = piddir;
		goto last;
	}
	rc = collect_raw(c, l, b, piddir);
	if (rc == 1) {
		p->dir_err = -EXDEV;
		rc = 0;
		goto last;
	}
	if (rc)
		goto out;
	collect_links(b, piddir);
	collect_io(b, piddir);
	collect_ns(b, piddir);
	rc = collect_netns(c, piddir, pid, p->ns_ino[NS_NET]);
	if (!rc)
		rc = collect_mntns(c, b, piddir, p->ns_ino[NS_MNT]);
	if (!rc)
		rc = collect_maps(b, piddir);
	if (!rc)
		rc = collect_mem(c, l, b, piddir);
	if (!rc)
		rc = collect_exec(c, b, piddir);
	if (!rc)
		rc = collect_tasks(b, piddir, pid);
	if (rc)
		goto out;
	/* The process's table, then the threads' (listed now, while the
	 * first batch, which records them, is still ours); their fds follow
	 * the process's. */
	r = list_table(&td[ntd++], piddir, 0);
	if (r)
		PROC_ERR(p, "fd", r);
	for (i = 0; i < b->ntables; i++) {
		r = list_table(&td[ntd++], piddir, b->tables[i].tid);
		b->tables[i].err = r;
		b->tables[i].fd_count = td[ntd - 1].nfds;
	}
	for (i = 0; i < ntd && !rc; i++)
		rc = collect_fds(c, l, &b, pid, td[i].fddir, td[i].infodir, td[i].fds,
				 td[i].nfds, td[i].tid);
	if (rc)
		goto out;
last:
	b->end = true;
	b->fd_count = ntd ? td[0].nfds : 0;
	rc = batch_send(c, l, b);
	b = NULL;
out:
	batch_free(b);
	if (piddir >= 0)
		close(piddir);
	close_tables(td, ntd);
	if (rc == -ENOMEM && !l->err[0])
		lfail(l, rc, "out of memory");
	return rc;
}
