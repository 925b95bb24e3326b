/* timelineview: a timeline written for the analyst's tools — bodyfile for mactime, JSON Lines for Timesketch, CSV for spreadsheets (see timelineview.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "csv.h"
#include "escape.h"
#include "jsonw.h"
#include "timelineview.h"

/* Holders named in a message; the rest are counted ("and N more"), and
 * every pid is in "pids". */
#define MESSAGE_HOLDERS 8

/* plaso's names of the times (Timesketch shows them as they are). */
static const char *const descs[] = {
	[TIMELINE_CAPTURE_START] = "Capture Start",
	[TIMELINE_CAPTURE_END] = "Capture End",
	[TIMELINE_PROCESS_START] = "Process Start",
	[TIMELINE_ATIME] = "Last Access Time",
	[TIMELINE_MTIME] = "Content Modification Time",
	[TIMELINE_CTIME] = "Metadata Modification Time",
	[TIMELINE_BTIME] = "Creation Time",
};

/* One event's fields, as both jsonl and csv write them. */
struct row {
	const struct timeline_event *e;
	struct buf message;
	char datetime[64];
	int64_t timestamp;
	const char *data_type;
	const struct timeline_text *host, *name, *cmdline, *path;
	bool has_pid, has_uid, has_file;
	int64_t pid, uid, size;
	int deleted;              /* -1: not applicable */
	const char *sha256;       /* "" none */
	uint64_t dev, ino;
	char mode[12];
	struct buf holders;       /* "name[pid] how, ...", escaped */
	int *pids;
	size_t npids, cap, shown;
};

/* ls -l's mode: "-rw-r--r--"; "?" for a type it does not name. */
static void mode_string(int64_t mode, char out[12])
{
	static const char rwx[] = "rwxrwxrwx";
	mode_t m = (mode_t)mode;
	int i;

	switch (m & S_IFMT) {
	case S_IFREG: out[0] = '-'; break;
	case S_IFDIR: out[0] = 'd'; break;
	case S_IFLNK: out[0] = 'l'; break;
	case S_IFCHR: out[0] = 'c'; break;
	case S_IFBLK: out[0] = 'b'; break;
	case S_IFIFO: out[0] = 'p'; break;
	case S_IFSOCK: out[0] = 's'; break;
	default: out[0] = '?'; break;
	}
	for (i = 0; i < 9; i++)
		out[1 + i] = (m & (1u << (8 - i))) ? rwx[i] : '-';
	if (m & S_ISUID)
		out[3] = out[3] == 'x' ? 's' : 'S';
	if (m & S_ISGID)
		out[6] = out[6] == 'x' ? 's' : 'S';
	if (m & S_ISVTX)
		out[9] = out[9] == 'x' ? 't' : 'T';
	out[10] = '\0';
	if (mode < 0)
		strcpy(out, "??????????");
}

/* ISO 8601 with microseconds and an explicit UTC offset, which every
 * reader of ISO 8601 takes (Python's fromisoformat, Timesketch). */
static void iso_time(const struct timeline_time *t, char *out, size_t n)
{
	time_t s = (time_t)t->sec;
	struct tm tm;
	char d[32];

	if (!gmtime_r(&s, &tm) || !strftime(d, sizeof(d), "%Y-%m-%dT%H:%M:%S", &tm))
		strcpy(d, "0000-00-00T00:00:00");
	/* nsec is 0..999999999 (timeline.h): six digits of microseconds. */
	snprintf(out, n, "%.19s.%06u+00:00", d, (unsigned)(t->nsec / 1000) % 1000000u);
}

static void put_text(struct buf *out, const struct timeline_text *s)
{
	if (s && s->known)
		escape_text(out, s->p, s->n);
	else
		buf_putc(out, '?');
}

static int holder(void *arg, const struct timeline_holder *h)
{
	struct row *r = arg;
	size_t i;
	void *v = r->pids;

	for (i = 0; i < r->npids && r->pids[i] != h->pid; i++)
		;
	if (i == r->npids) {
		if (r->npids == r->cap) {
			r->cap = r->cap ? r->cap * 2 : 8;
			v = realloc(r->pids, r->cap * sizeof(*r->pids));
			if (!v)
				return -1;
			r->pids = v;
		}
		r->pids[r->npids++] = h->pid;
	}
	if (r->shown++ >= MESSAGE_HOLDERS)
		return 0;
	if (r->holders.len)
		buf_puts(&r->holders, ", ");
	put_text(&r->holders, &h->name);
	buf_printf(&r->holders, "[%d] %s", h->pid, h->how);
	return 0;
}

static void file_row(struct row *r, const struct timeline *t)
{
	const struct timeline_state *s = r->e->state;

	r->data_type = "procsnap:file";
	r->path = &s->path;
	r->deleted = s->deleted;
	r->sha256 = s->sha256;
	r->has_file = true;
	r->dev = s->dev;
	r->ino = s->ino;
	r->size = s->size;
	r->has_uid = s->uid >= 0;
	r->uid = s->uid;
	mode_string(s->mode, r->mode);
	if (timeline_holders(t, r->e, holder, r))
		r->holders.err = -1;
	if (r->shown > MESSAGE_HOLDERS)
		buf_printf(&r->holders, " and %zu more", r->shown - MESSAGE_HOLDERS);
	if (r->npids) {
		r->has_pid = true;
		r->pid = r->pids[0];
	}
	buf_printf(&r->message, "%s of ", descs[r->e->kind]);
	put_text(&r->message, &s->path);
	if (s->deleted && !(s->path.n >= 10 && memcmp(s->path.p + s->path.n - 10, " (deleted)", 10) == 0))
		buf_puts(&r->message, " (deleted)");
	if (r->holders.len) {
		buf_puts(&r->message, "; held by ");
		buf_append(&r->message, r->holders.data, r->holders.len);
	}
	if (s->sha256[0])
		buf_printf(&r->message, "; sha256 %s", s->sha256);
}

static void process_row(struct row *r)
{
	const struct timeline_process *p = r->e->process;

	r->data_type = "procsnap:process";
	r->has_pid = true;
	r->pid = p->pid;
	r->name = &p->name;
	r->cmdline = &p->cmdline;
	r->path = p->exe.known ? &p->exe : NULL;
	r->deleted = p->exe.known ? p->exe_deleted : -1;
	r->sha256 = p->exe_sha256;
	r->has_uid = p->has_euid;
	r->uid = p->euid;
	buf_puts(&r->message, "Process start: ");
	put_text(&r->message, &p->name);
	buf_printf(&r->message, " (pid %d", p->pid);
	if (p->has_ppid)
		buf_printf(&r->message, ", ppid %" PRId64, p->ppid);
	if (p->has_euid)
		buf_printf(&r->message, ", uid %" PRId64, p->euid);
	buf_puts(&r->message, ") ");
	if (p->cmdline.n)
		put_text(&r->message, &p->cmdline);
	else
		buf_puts(&r->message, "[no command line]");
	if (p->exe.known) {
		buf_puts(&r->message, "; exe ");
		put_text(&r->message, &p->exe);
		if (p->exe_deleted)
			buf_puts(&r->message, " [deleted]");
	}
}

static void make_row(struct row *r, const struct timeline *t, const struct timeline_event *e)
{
	const struct timeline_host *h = timeline_host(t, e->host);

	memset(r, 0, sizeof(*r));
	r->e = e;
	r->deleted = -1;
	r->sha256 = "";
	r->host = h ? &h->name : NULL;
	iso_time(&e->t, r->datetime, sizeof(r->datetime));
	r->timestamp = e->t.sec * 1000000 + e->t.nsec / 1000;
	if (e->kind >= TIMELINE_ATIME) {
		file_row(r, t);
	} else if (e->kind == TIMELINE_PROCESS_START) {
		process_row(r);
	} else {
		r->data_type = "procsnap:capture";
		buf_printf(&r->message, "procsnap capture %s on ",
			   e->kind == TIMELINE_CAPTURE_START ? "started" : "ended");
		put_text(&r->message, r->host);
		if (e->has_processes)
			buf_printf(&r->message, ": %" PRIu64 " processes", e->processes);
	}
}

static void free_row(struct row *r)
{
	buf_free(&r->message);
	buf_free(&r->holders);
	free(r->pids);
}

static void jtext(struct jsonw *w, const char *key, const struct timeline_text *s)
{
	if (s && s->known)
		jsonw_bytes(w, key, s->p, s->n);
	else
		jsonw_null(w, key);
}

int timelineview_jsonl(struct buf *out, const struct timeline *t,
		       const struct timeline_event *e)
{
	struct jsonw w;
	struct row r;
	size_t i;
	int err;

	make_row(&r, t, e);
	jsonw_init(&w, out);
	jsonw_open(&w, NULL);
	jsonw_bytes(&w, "message", r.message.data ? r.message.data : "", r.message.len);
	jsonw_str(&w, "datetime", r.datetime);
	jsonw_int(&w, "timestamp", r.timestamp);
	jsonw_str(&w, "timestamp_desc", descs[e->kind]);
	jsonw_str(&w, "data_type", r.data_type);
	jtext(&w, "host", r.host);
	if (r.has_pid)
		jsonw_int(&w, "pid", r.pid);
	else
		jsonw_null(&w, "pid");
	jsonw_aopen(&w, "pids");
	for (i = 0; i < r.npids; i++)
		jsonw_int(&w, NULL, r.pids[i]);
	if (e->kind == TIMELINE_PROCESS_START)
		jsonw_int(&w, NULL, r.pid);
	jsonw_aclose(&w);
	jtext(&w, "name", r.name);
	jtext(&w, "cmdline", r.cmdline);
	if (r.has_uid)
		jsonw_int(&w, "uid", r.uid);
	else
		jsonw_null(&w, "uid");
	jtext(&w, "path", r.path);
	if (r.deleted >= 0)
		jsonw_bool(&w, "deleted", r.deleted);
	else
		jsonw_null(&w, "deleted");
	if (r.sha256[0])
		jsonw_str(&w, "sha256", r.sha256);
	else
		jsonw_null(&w, "sha256");
	if (r.has_file) {
		jsonw_uint(&w, "dev", r.dev);
		jsonw_uint(&w, "inode", r.ino);
		jsonw_int(&w, "size", r.size);
		jsonw_str(&w, "mode", r.mode);
		jsonw_bytes(&w, "holders", r.holders.data ? r.holders.data : "", r.holders.len);
	} else {
		jsonw_null(&w, "dev");
		jsonw_null(&w, "inode");
		jsonw_null(&w, "size");
		jsonw_null(&w, "mode");
		jsonw_null(&w, "holders");
	}
	jsonw_close(&w);
	buf_putc(out, '\n');
	err = buf_error(&r.message) ? buf_error(&r.message) : buf_error(&r.holders);
	free_row(&r);
	return err ? -ENOMEM : buf_error(out);
}

const char *timelineview_csv_header(void)
{
	return "message,datetime,timestamp,timestamp_desc,data_type,host,pid,pids,name,cmdline,"
	       "uid,path,deleted,sha256,dev,inode,size,mode,holders\r\n";
}

static void ctext(struct buf *out, const struct timeline_text *s)
{
	if (s && s->known)
		csv_text(out, false, s->p, s->n);
	else
		csv_empty(out, false);
}

int timelineview_csv(struct buf *out, const struct timeline *t,
		     const struct timeline_event *e)
{
	struct buf pids = BUF_INIT;
	struct row r;
	size_t i;
	int err;

	make_row(&r, t, e);
	csv_text(out, true, r.message.data ? r.message.data : "", r.message.len);
	csv_str(out, false, r.datetime);
	csv_int(out, false, r.timestamp);
	csv_str(out, false, descs[e->kind]);
	csv_str(out, false, r.data_type);
	ctext(out, r.host);
	if (r.has_pid)
		csv_int(out, false, r.pid);
	else
		csv_empty(out, false);
	for (i = 0; i < r.npids; i++)
		buf_printf(&pids, i ? " %d" : "%d", r.pids[i]);
	if (e->kind == TIMELINE_PROCESS_START)
		buf_printf(&pids, "%" PRId64, r.pid);
	csv_text(out, false, pids.data ? pids.data : "", pids.len);
	ctext(out, r.name);
	ctext(out, r.cmdline);
	if (r.has_uid)
		csv_int(out, false, r.uid);
	else
		csv_empty(out, false);
	ctext(out, r.path);
	if (r.deleted >= 0)
		csv_str(out, false, r.deleted ? "true" : "false");
	else
		csv_empty(out, false);
	csv_str(out, false, r.sha256);
	if (r.has_file) {
		csv_int(out, false, (int64_t)r.dev);
		csv_int(out, false, (int64_t)r.ino);
		csv_int(out, false, r.size);
		csv_str(out, false, r.mode);
		csv_text(out, false, r.holders.data ? r.holders.data : "", r.holders.len);
	} else {
		for (i = 0; i < 5; i++)
			csv_empty(out, false);
	}
	csv_end(out);
	err = buf_error(&r.message) ? buf_error(&r.message) : buf_error(&r.holders);
	err = err ? err : buf_error(&pids);
	free_row(&r);
	buf_free(&pids);
	return err ? -ENOMEM : buf_error(out);
}

/* A bodyfile field: | and % (the format's own) and bytes that are not
 * printable UTF-8 as %XX, which mactime's tm_split decodes. */
static void body_text(struct buf *out, const char *p, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i += k) {
		const unsigned char c = (unsigned char)p[i];

		k = 1;
		if (c >= 0x80) {
			for (k = 4; k > 1; k--)
				if (i + k <= n && escape_is_clean_utf8(p + i, k))
					break;
			if (k > 1) {
				buf_append(out, p + i, k);
				continue;
			}
		}
		if (c < 0x20 || c == 0x7f || c >= 0x80 || c == '|' || c == '%')
			buf_printf(out, "%%%02X", c);
		else
			buf_putc(out, (char)c);
	}
}

static int64_t body_time(const struct timeline_state *s, int k)
{
	return s->known[k] ? s->t[k].sec : 0;
}

int timelineview_bodyfile(struct buf *out, const struct timeline *t,
			  const struct timeline_state *s)
{
	static const char tsk[] = "-rdpcbls"; /* TSK's letters: reg, dir, fifo, ... */
	char mode[12];
	char type;

	(void)t;
	mode_string(s->mode, mode);
	switch ((mode_t)s->mode & S_IFMT) {
	case S_IFREG: type = tsk[1]; break;
	case S_IFDIR: type = tsk[2]; break;
	case S_IFIFO: type = tsk[3]; break;
	case S_IFCHR: type = tsk[4]; break;
	case S_IFBLK: type = tsk[5]; break;
	case S_IFLNK: type = tsk[6]; break;
	case S_IFSOCK: type = tsk[7]; break;
	default: type = tsk[0]; break;
	}
	if (s->mode < 0)
		type = '-';
	buf_puts(out, "0|");
	body_text(out, s->path.p, s->path.n);
	if (s->deleted && !(s->path.n >= 10 &&
			    memcmp(s->path.p + s->path.n - 10, " (deleted)", 10) == 0))
		buf_puts(out, " (deleted)");
	/* mode_as_string as fls writes it: name type / meta type, then the
	 * permissions ("r/rrw-r--r--"). */
	buf_printf(out, "|%" PRIu64 "|%c/%c%s|%" PRId64 "|%" PRId64 "|%" PRId64, s->ino, type, type,
		   mode + 1, s->uid < 0 ? 0 : s->uid, s->gid < 0 ? 0 : s->gid,
		   s->size < 0 ? 0 : s->size);
	buf_printf(out, "|%" PRId64 "|%" PRId64 "|%" PRId64 "|%" PRId64 "\n", body_time(s, 0),
		   body_time(s, 1), body_time(s, 2), body_time(s, 3));
	return buf_error(out);
}
