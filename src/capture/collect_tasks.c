/* collect_tasks: the threads that have an fd table of their own (kcmp). */
#include <errno.h>
#include <linux/kcmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "capture_int.h"
#include "parse.h"
#include "procfs.h"

/* The first kcmp that could not tell a thread's table is recorded; the
 * others are counted. */
static void kcmp_failed(struct proc_item *p, int err, int tid)
{
	if (!p->kcmp_failed++) {
		p->kcmp_err = err;
		p->kcmp_tid = tid;
	}
}

/* A new distinct table, first met in thread tid: its index, or -ENOMEM. */
static long new_table(struct batch *b, int tid)
{
	if (b->ntables == b->tabcap) {
		size_t cap = b->tabcap ? b->tabcap * 2 : 4;
		struct fd_table *nv = realloc(b->tables, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		memset(nv + b->tabcap, 0, (cap - b->tabcap) * sizeof(*nv));
		b->tables = nv;
		b->tabcap = cap;
	}
	b->tables[b->ntables].tid = tid;
	b->tables[b->ntables].ntids = 0;
	b->tables[b->ntables].err = 0;
	b->tables[b->ntables].fd_count = 0;
	return (long)b->ntables++;
}

/* Thread tid shares table tb. */
static int add_tid(struct fd_table *tb, int tid)
{
	if (tb->ntids == tb->cap) {
		size_t cap = tb->cap ? tb->cap * 2 : 4;
		int *nv = realloc(tb->tids, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		tb->tids = nv;
		tb->cap = cap;
	}
	tb->tids[tb->ntids++] = tid;
	return 0;
}

/* Thread tid of process pid: which table it uses, recorded when it is not
 * the process's own.  0 or -ENOMEM. */
static int place_thread(struct batch *b, int pid, int tid)
{
	struct proc_item *p = &b->proc;
	long k;
	size_t t;

	k = syscall(SYS_kcmp, pid, tid, KCMP_FILES, 0, 0);
	if (k < 0) {
		/* ESRCH: the thread exited; anything else, the table is
		 * unknown: counted and recorded. */
		if (errno != ESRCH)
			kcmp_failed(p, -errno, tid);
		return 0;
	}
	if (k == 0)
		return 0; /* the process's own table */
	for (t = 0; t < b->ntables; t++)
		if (syscall(SYS_kcmp, b->tables[t].tid, tid, KCMP_FILES, 0, 0) == 0)
			break;
	if (t == b->ntables) {
		if (b->ntables == MAX_TABLES) {
			kcmp_failed(p, -E2BIG, tid);
			return 0;
		}
		k = new_table(b, tid);
		if (k < 0)
			return (int)k;
	}
	return add_tid(&b->tables[t], tid);
}

/*
 * Threads with an fd table of their own.  A thread that called
 * unshare(CLONE_FILES) has fds only /proc/PID/task/TID/fd shows.
 * kcmp(KCMP_FILES) tells whether two tasks share a table (kcmp(2)); each
 * distinct table is listed once, with the threads that share it.  Only
 * for processes with more than one thread.
 */
int collect_tasks(struct batch *b, int piddir, int pid)
{
	struct proc_item *p = &b->proc;
	const char *v;
	size_t vl, i, ntids = 0;
	int *tids = NULL, r, taskdir;

	if (!p->raw[RAW_STATUS].ok ||
	    parse_status_field(b->text.data + p->raw[RAW_STATUS].off, p->raw[RAW_STATUS].len,
			       "Threads", &v, &vl) ||
	    strtol(v, NULL, 10) <= 1)
		return 0;
	taskdir = procfs_open_dir(piddir, "task");
	r = taskdir < 0 ? taskdir : procfs_list_numeric_fd(taskdir, &tids, &ntids);
	if (taskdir >= 0)
		close(taskdir);
	if (r) {
		PROC_ERR(p, "task", r);
		return r == -ENOMEM ? r : 0;
	}
	for (i = 0; i < ntids && !r; i++)
		if (tids[i] != pid)
			r = place_thread(b, pid, tids[i]);
	free(tids);
	return r;
}
