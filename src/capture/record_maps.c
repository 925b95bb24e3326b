/* record_maps: the deleted files a process maps, and its threads' own fd tables. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture_int.h"

/* Deleted files the process maps, with their ranges; their bytes are
 * recovered like an fd's (once per dev, ino). */
int record_maps(struct capture *c, struct batch *b)
{
	struct proc_item *p = &b->proc;
	struct jsonw *j = &c->j;
	char what[64], hx[24];
	size_t i;
	int rc = 0;

	if (!p->maps_scanned)
		return 0;
	jsonw_aopen(j, "mapped_deleted");
	for (i = 0; i < b->nmaps && !rc; i++) {
		struct map_item *m = &b->maps[i];
		bool deleted = m->have_stat && S_ISREG(m->st.st_mode) && m->st.st_nlink == 0;
		const char *kind;

		/* A file named "... (deleted)" that is not: not recorded. */
		if (m->have_stat && !deleted && !m->err)
			continue;
		jsonw_open(j, NULL);
		snprintf(hx, sizeof(hx), "%llx", (unsigned long long)m->start);
		jsonw_str(j, "start", hx);
		snprintf(hx, sizeof(hx), "%llx", (unsigned long long)m->end);
		jsonw_str(j, "end", hx);
		jsonw_uint(j, "offset", m->offset);
		jsonw_str(j, "perms", m->perms);
		jsonw_bytes(j, "path", batch_text(b, &m->path), m->path.len);
		kind = m->shmem_fs ? record_shmem_kind(batch_text(b, &m->path), m->path.len,
						m->path.len > 7 &&
						memcmp(batch_text(b, &m->path), "/memfd:", 7) == 0)
				   : NULL;
		if (kind)
			jsonw_str(j, "kind", kind);
		if (m->have_stat) {
			jsonw_uint(j, "dev", (uint64_t)m->st.st_dev);
			jsonw_uint(j, "ino", (uint64_t)m->st.st_ino);
			jsonw_int(j, "size", (int64_t)m->st.st_size);
			/* Its times (and birth time): the timeline's. */
			record_stat(c, j, &m->st, &m->btime);
		}
		if (deleted && (m->pinfd >= 0 || u64map_get(&c->stored, m->st.st_dev, m->st.st_ino))) {
			struct recover_src src = { m->pinfd, &m->st, b->pid, -1,
						   batch_text(b, &m->path), m->path.len, -1 };
			const struct stored *s = recover_file(c, &src, &rc);

			if (s)
				record_content(c, j, s);
		}
		if (m->pinfd >= 0) {
			close(m->pinfd);
			m->pinfd = -1;
		}
		if (m->err) {
			jsonw_aopen(j, "errors");
			snprintf(what, sizeof(what), "%s", m->what);
			record_error(c, j, what, m->err);
			jsonw_aclose(j);
		}
		c->st.mapped_deleted++;
		jsonw_close(j);
	}
	jsonw_aclose(j);
	if (b->nmaps == MAX_MAPS)
		record_error(c, &c->errs, "mapped_deleted: more than 1024, the rest not recorded",
			   -E2BIG);
	return rc;
}

/* Threads with fd tables of their own, and kcmp refusals. */
void record_tables(struct capture *c, struct batch *b)
{
	struct proc_item *p = &b->proc;
	struct jsonw *j = &c->j;
	char what[64];
	size_t i, k;

	if (p->kcmp_failed) {
		snprintf(what, sizeof(what), "task/%d/kcmp", p->kcmp_tid);
		record_error(c, &c->errs, what, p->kcmp_err);
		record_gap(c, what, p->kcmp_err, false);
		jsonw_uint(j, "threads_table_unknown", p->kcmp_failed);
	}
	if (!b->ntables)
		return;
	jsonw_aopen(j, "fd_tables");
	for (i = 0; i < b->ntables; i++) {
		const struct fd_table *t = &b->tables[i];

		jsonw_open(j, NULL);
		jsonw_int(j, "tid", t->tid);
		jsonw_aopen(j, "tids");
		for (k = 0; k < t->ntids; k++)
			jsonw_int(j, NULL, t->tids[k]);
		jsonw_aclose(j);
		jsonw_uint(j, "fd_count", t->fd_count);
		if (t->err) {
			snprintf(what, sizeof(what), "task/%d/fd", t->tid);
			jsonw_aopen(j, "errors");
			record_error(c, j, what, t->err);
			record_gap(c, what, t->err, true);
			jsonw_aclose(j);
		}
		jsonw_close(j);
		c->st.thread_tables++;
	}
	jsonw_aclose(j);
}
