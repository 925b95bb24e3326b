/* children: the descendants of the processes given with -p, for --children. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture_int.h"
#include "parse.h"
#include "procfs.h"

/* The list being grown: pids given, then each descendant met, once. */
struct family {
	int *pids;
	size_t n, cap;
	struct u64map seen;
	struct buf text;
};

static int add(struct family *f, long pid)
{
	int r;

	if (pid <= 0 || pid > 0x7fffffff || u64map_get(&f->seen, (uint64_t)pid, 0))
		return 0;
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		int *v = realloc(f->pids, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		f->pids = v;
		f->cap = cap;
	}
	r = u64map_put(&f->seen, (uint64_t)pid, 0, (void *)1);
	if (!r)
		f->pids[f->n++] = (int)pid;
	return r;
}

/* Each decimal number of text, added. */
static int add_numbers(struct family *f, const char *p, size_t n)
{
	const char *end = p + n;
	int r = 0;

	while (p < end && !r) {
		long v = 0;

		if (*p < '0' || *p > '9') {
			p++;
			continue;
		}
		for (; p < end && *p >= '0' && *p <= '9'; p++)
			v = v < 0x7fffffff ? v * 10 + (*p - '0') : v;
		r = add(f, v);
	}
	return r;
}

/* The children of pid, from each of its threads' task/TID/children (a
 * child is listed under the thread that forked it; proc(5)).  0 or
 * -ENOMEM.  A process that is gone has no children to follow. */
static int children_of(struct family *f, int rootfd, int pid)
{
	char name[48];
	int *tids = NULL, taskdir, r = 0;
	size_t ntids = 0, i;
	bool truncated;

	snprintf(name, sizeof(name), "%d/task", pid);
	taskdir = procfs_open_dir(rootfd, name);
	if (taskdir < 0)
		return 0;
	if (procfs_list_numeric_fd(taskdir, &tids, &ntids) == -ENOMEM)
		r = -ENOMEM;
	for (i = 0; i < ntids && !r; i++) {
		snprintf(name, sizeof(name), "%d/children", tids[i]);
		if (procfs_read(taskdir, name, 1 << 20, &f->text, &truncated) == 0)
			r = add_numbers(f, f->text.data, f->text.len);
	}
	free(tids);
	close(taskdir);
	return r;
}

/* Without children files: every process's parent, from its stat. */
static int by_parents(struct family *f, int rootfd)
{
	int *all = NULL;
	size_t nall = 0, i, k;
	struct parse_stat ps;
	bool truncated;
	char name[32];
	int r = procfs_list_numeric(rootfd, ".", &all, &nall);
	int *ppid = r ? NULL : calloc(nall ? nall : 1, sizeof(*ppid));

	if (!r && !ppid)
		r = -ENOMEM;
	for (i = 0; i < nall && !r; i++) {
		snprintf(name, sizeof(name), "%d/stat", all[i]);
		if (procfs_read(rootfd, name, 4096, &f->text, &truncated) == 0 &&
		    parse_stat(f->text.data, f->text.len, &ps) == 0)
			ppid[i] = ps.ppid;
	}
	/* Breadth first over the list as it grows. */
	for (k = 0; k < f->n && !r; k++)
		for (i = 0; i < nall && !r; i++)
			if (ppid[i] == f->pids[k])
				r = add(f, all[i]);
	free(all);
	free(ppid);
	return r == -ENOMEM ? r : 0;
}

int children_add(struct capture *c, int **pids, size_t *n)
{
	struct family f = { .seen = U64MAP_INIT, .text = BUF_INIT };
	size_t i;
	int r = 0;

	for (i = 0; i < *n && !r; i++)
		r = add(&f, (*pids)[i]);
	/* A kernel without CONFIG_PROC_CHILDREN (or a proc tree given with
	 * --proc) has no children files: every parent is read instead. */
	if (!r && faccessat(c->rootfd, "thread-self/children", F_OK, 0) < 0)
		r = by_parents(&f, c->rootfd);
	else
		/* The list grows while it is walked: grandchildren follow. */
		for (i = 0; i < f.n && !r; i++)
			r = children_of(&f, c->rootfd, f.pids[i]);
	if (!r) {
		free(*pids);
		*pids = f.pids;
		*n = f.n;
		f.pids = NULL;
	}
	free(f.pids);
	u64map_free(&f.seen, NULL);
	buf_free(&f.text);
	return r ? fail(c, r, "out of memory") : 0;
}
