/* record_proc: a process's record — process.json and fds.jsonl, written batch by batch. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture_int.h"
#include "parse.h"

/* PF_KTHREAD in the flags field of /proc/PID/stat (include/linux/sched.h). */
#define PF_KTHREAD 0x00200000UL

/* Errors met while collecting, but for what a kernel thread lacks by
 * nature: it has no environment (the kernel says ESRCH: it has no mm) and
 * no exe (ENOENT): absent, not lost. */
static void record_collect_errors(struct capture *c, const struct proc_item *p, bool kthread)
{
	int i;

	for (i = 0; i < p->nerrs; i++) {
		const struct item_err *e = &p->errs[i];

		if (kthread && ((e->err == -ESRCH && strcmp(e->what, "environ") == 0) ||
				(e->err == -ENOENT && strcmp(e->what, "exe") == 0)))
			continue;
		record_error(c, &c->errs, e->what, e->err);
		record_gap(c, e->what, e->err, false);
	}
}

/* The raw /proc files as members, listed in "files"; status parsed into
 * *pst (*have_status says whether it could be). */
static int record_files(struct capture *c, struct batch *b, struct parse_status *pst,
			bool *have_status)
{
	struct proc_item *p = &b->proc;
	struct jsonw *j = &c->j;
	char member[96];
	size_t i;
	int rc;

	*have_status = false;
	jsonw_open(j, "files");
	for (i = 0; i < NRAW; i++) {
		const char *data = batch_text(b, &p->raw[i]);
		size_t len = p->raw[i].len;
		char hex[DIGEST_HEX_LEN + 1];

		if (!p->raw[i].ok)
			continue;
		snprintf(member, sizeof(member), "proc/%d/%s", b->pid, raw_files[i]);
		rc = snapwriter_add(c->w, member, data, len, hex);
		if (rc)
			return wfail(c, rc, "%s", snapwriter_error(c->w));
		jsonw_open(j, raw_files[i]);
		jsonw_uint(j, "size", len);
		jsonw_bool(j, "truncated", p->raw_truncated[i]);
		jsonw_close(j);
		if (i == RAW_STATUS)
			*have_status = parse_status(data, len, pst) == 0;
	}
	jsonw_close(j);
	return 0;
}

/* What /proc/PID/stat says: name, parents, state, start, counters. */
static void record_identity(struct capture *c, const struct parse_stat *ps)
{
	struct jsonw *j = &c->j;
	uint64_t secs = ps->starttime / (uint64_t)c->hz;
	long frac = (long)(ps->starttime % (uint64_t)c->hz);
	char t[48];

	jsonw_bytes(j, "name", ps->comm, ps->comm_len);
	jsonw_int(j, "ppid", ps->ppid);
	jsonw_str(j, "state", (char[]){ ps->state, 0 });
	jsonw_int(j, "pgrp", ps->pgrp);
	jsonw_int(j, "session", ps->session);
	jsonw_int(j, "tty_nr", ps->tty_nr);
	jsonw_uint(j, "start_ticks", ps->starttime);
	capture_utc(t, sizeof(t), (time_t)(c->btime + secs), frac * (1000000000L / c->hz));
	jsonw_str(j, "start_time", t);
	jsonw_bool(j, "kernel_thread", (ps->flags & PF_KTHREAD) != 0);
	jsonw_uint(j, "utime", ps->utime);
	jsonw_uint(j, "stime", ps->stime);
	jsonw_uint(j, "vsize", ps->vsize);
	jsonw_int(j, "rss_pages", ps->rss);
}

/* What /proc/PID/status says: thread group, ids, capabilities. */
static void record_status(struct jsonw *j, const struct parse_status *pst)
{
	size_t i;

	jsonw_int(j, "tgid", pst->tgid);
	jsonw_int(j, "threads", pst->threads);
	if (pst->has_ids) {
		jsonw_aopen(j, "uid");
		for (i = 0; i < 4; i++)
			jsonw_uint(j, NULL, pst->uid[i]);
		jsonw_aclose(j);
		jsonw_aopen(j, "gid");
		for (i = 0; i < 4; i++)
			jsonw_uint(j, NULL, pst->gid[i]);
		jsonw_aclose(j);
	}
	if (pst->has_caps) {
		char hx[24];

		jsonw_open(j, "caps");
#define CAP(k, v) snprintf(hx, sizeof(hx), "%016llx", (unsigned long long)(v)), jsonw_str(j, k, hx)
		CAP("inh", pst->cap_inh);
		CAP("prm", pst->cap_prm);
		CAP("eff", pst->cap_eff);
		CAP("bnd", pst->cap_bnd);
		CAP("amb", pst->cap_amb);
#undef CAP
		jsonw_close(j);
	}
}

/* What /proc/PID/io says, when it was read (else its error is recorded
 * already); text that is not io's is an error of its own. */
static void record_io(struct capture *c, const struct batch *b)
{
	const struct span *sp = &b->proc.io;
	struct jsonw *j = &c->j;
	struct parse_io io;
	int i;

	if (!sp->ok)
		return;
	if (parse_io(batch_text(b, sp), sp->len, &io)) {
		record_error(c, &c->errs, "io", -EINVAL);
		return;
	}
	jsonw_open(j, "io");
	for (i = 0; i < PARSE_IO_FIELDS; i++)
		if (io.has[i])
			jsonw_uint(j, parse_io_names[i], io.v[i]);
	jsonw_close(j);
}

/* exe, cwd and root; a deleted exe's bytes are recovered; a deleted cwd
 * is said (it has no bytes). */
static int record_links(struct capture *c, struct batch *b)
{
	struct proc_item *p = &b->proc;
	struct jsonw *j = &c->j;
	size_t i;
	int rc = 0;

	for (i = 0; i < NLINKS; i++) {
		if (!p->link[i].ok) {
			jsonw_null(j, link_names[i]);
			continue;
		}
		jsonw_open(j, link_names[i]);
		jsonw_bytes(j, "target", batch_text(b, &p->link[i]), p->link[i].len);
		if (i == 0 && p->exe_have_stat) {
			bool deleted = S_ISREG(p->exe_st.st_mode) && p->exe_st.st_nlink == 0;

			jsonw_bool(j, "deleted", deleted);
			record_stat(c, j, &p->exe_st, &p->exe_btime);
			if (deleted) {
				struct recover_src src = { p->exe_pin, &p->exe_st, b->pid, -1,
							   batch_text(b, &p->link[i]),
							   p->link[i].len, -1 };
				const struct stored *s = recover_file(c, &src, &rc);

				c->st.deleted++;
				if (s)
					record_content(c, j, s);
			}
		}
		if (i == 1 && p->cwd_have_stat) {
			/* rmdir(2) leaves a directory still in use with no
			 * links: deleted, with nothing in it to recover.  Its
			 * stat says which directory it was. */
			bool gone = S_ISDIR(p->cwd_st.st_mode) && p->cwd_st.st_nlink == 0;

			jsonw_bool(j, "deleted", gone);
			if (gone)
				record_stat(c, j, &p->cwd_st, &p->cwd_btime);
		}
		if (i == 0 && p->exe_pin >= 0) {
			close(p->exe_pin);
			p->exe_pin = -1;
		}
		jsonw_close(j);
		if (rc)
			return rc;
	}
	return 0;
}

/* The first batch of a process: its raw files, identity and links. */
static int record_begin(struct capture *c, struct batch *b)
{
	struct proc_item *p = &b->proc;
	struct jsonw *j = &c->j;
	struct parse_stat ps;
	struct parse_status pst;
	bool have_status;
	int rc;

	buf_reset(&c->json);
	buf_reset(&c->fds);
	buf_reset(&c->errbuf);
	jsonw_init(j, &c->json);
	jsonw_init(&c->errs, &c->errbuf);
	jsonw_aopen(&c->errs, NULL);
	jsonw_open(j, NULL);
	jsonw_int(j, "pid", b->pid);
	jsonw_bool(j, "self", b->pid == c->self ||
		   (c->o.parent_self > 0 && b->pid == c->o.parent_self));
	c->have_stat = false;
	c->deleted_fds = 0;
	c->deleted_special = 0;
	c->thread_fds = 0;
	c->proc_denied = false;
	c->proc_zombie = false;
	c->proc_gap = 0;
	c->cur_socks = &c->ownnet.socks;
	c->dir_failed = p->dir_err != 0;
	hidden_record_proc(c, b);
	if (c->dir_failed) {
		/* -EXDEV: /proc/PID was there, but not PID's (hidden.c). */
		record_error(c, &c->errs, "process", p->dir_err);
		c->proc_gap = p->dir_err; /* not examined at all */
		if (p->dir_err != -EXDEV) {
			jsonw_bool(j, "vanished", true);
			c->st.procs_vanished++;
		}
		return 0;
	}
	c->have_stat = p->raw[RAW_STAT].ok &&
		       parse_stat(batch_text(b, &p->raw[RAW_STAT]), p->raw[RAW_STAT].len, &ps) == 0;
	c->proc_zombie = c->have_stat && (ps.state == 'Z' || ps.state == 'X');
	record_collect_errors(c, p, c->have_stat && (ps.flags & PF_KTHREAD));
	rc = record_files(c, b, &pst, &have_status);
	if (rc)
		return rc;
	record_argv(j, batch_text(b, &p->raw[RAW_CMDLINE]), p->raw[RAW_CMDLINE].len);
	if (c->have_stat)
		record_identity(c, &ps);
	if (have_status)
		record_status(j, &pst);
	record_io(c, b);
	rc = record_links(c, b);
	if (!rc)
		rc = record_namespaces(c, b, have_status);
	if (!rc)
		rc = record_maps(c, b);
	if (!rc)
		rc = record_mem(c, b);
	if (!rc)
		rc = record_exec(c, b);
	if (!rc)
		record_tables(c, b);
	return rc;
}

/* The last batch of a process: fds.jsonl and process.json. */
static int record_end(struct capture *c, struct batch *b)
{
	struct jsonw *j = &c->j;
	char member[96];
	int rc;

	if (!c->dir_failed) {
		c->st.deleted += c->deleted_fds;
		jsonw_uint(j, "fd_count", b->fd_count);
		jsonw_uint(j, "deleted_fds", c->deleted_fds);
		if (c->deleted_special)
			jsonw_uint(j, "deleted_special_fds", c->deleted_special);
		c->st.deleted_special += c->deleted_special;
		if (c->thread_fds)
			jsonw_uint(j, "thread_fds", c->thread_fds);
		c->st.thread_fds += c->thread_fds;
		if (buf_error(&c->fds))
			return wfail(c, -ENOMEM, "pid %d: fd table: out of memory", b->pid);
		snprintf(member, sizeof(member), "proc/%d/fds.jsonl", b->pid);
		rc = snapwriter_add(c->w, member, c->fds.data ? c->fds.data : "",
				    c->fds.len, NULL);
		if (rc)
			return wfail(c, rc, "%s", snapwriter_error(c->w));
		/* A process whose stat vanished after its directory opened
		 * exited while being read: what was read is kept, and it is
		 * marked. */
		if (!c->have_stat) {
			jsonw_bool(j, "vanished", true);
			c->st.procs_vanished++;
		}
	}
	jsonw_aclose(&c->errs);
	if (c->proc_denied)
		c->st.procs_denied++;
	record_gap_count(c, c->dir_failed ? c->proc_gap != -EXDEV : !c->have_stat);
	buf_puts(&c->json, ",\"errors\":");
	buf_append(&c->json, c->errbuf.data, c->errbuf.len);
	jsonw_close(j);
	buf_putc(&c->json, '\n');
	if (buf_error(&c->json))
		return wfail(c, -ENOMEM, "pid %d: out of memory", b->pid);
	snprintf(member, sizeof(member), "proc/%d/process.json", b->pid);
	rc = snapwriter_add(c->w, member, c->json.data, c->json.len, NULL);
	if (rc)
		return wfail(c, rc, "%s", snapwriter_error(c->w));
	c->st.procs++;
	return 0;
}

int record_batch(struct capture *c, struct batch *b)
{
	size_t i;
	int rc = 0;

	if (b->begin)
		rc = record_begin(c, b);
	for (i = 0; i < b->nfds && !rc && !c->dir_failed; i++)
		rc = record_fd(c, b, &b->fds[i]);
	if (!rc && b->end)
		rc = record_end(c, b);
	return rc;
}
