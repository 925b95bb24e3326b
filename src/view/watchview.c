/* watchview: how the events of snapread watch are shown — one escaped text line, or one JSON object. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "fdflags.h"
#include "snapshot.h"
#include "snapview_int.h"
#include "watchview.h"

static const char *const kind_names[] = {
	[WATCH_HOST] = "host", [WATCH_STARTED] = "started", [WATCH_EXITED] = "exited",
	[WATCH_OPENED] = "opened", [WATCH_CLOSED] = "closed", [WATCH_DELETED] = "deleted",
	[WATCH_MOVED] = "moved", [WATCH_SUMMARY] = "summary",
};

/* d as an int64_t, clamped: a hostile archive's numbers may be of any size,
 * and converting a double out of range is undefined. */
static int64_t to_int64(double d)
{
	if (d != d)
		return 0;
	if (d >= 9.2e18)
		return INT64_MAX;
	if (d <= -9.2e18)
		return INT64_MIN;
	return (int64_t)d;
}

/* pos as a percentage of size (> 0). */
static int64_t percent(int64_t pos, int64_t size)
{
	return to_int64((double)pos * 100 / (double)size);
}

void watchview_size(struct buf *out, double n)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	int u = -1;

	if (n < 0)
		n = -n;
	if (n < 1024) {
		buf_printf(out, "%.0f B", n);
		return;
	}
	while (n >= 1024 && u < 3) {
		n /= 1024;
		u++;
	}
	buf_printf(out, "%.1f %s", n, units[u]);
}

int watchview_header_text(struct buf *out, const struct watch *w)
{
	size_t n = watch_snapshots(w);
	const char *host = watch_host(w);

	buf_printf(out, "# %zu snapshots of ", n);
	if (host)
		escape_text(out, host, strlen(host));
	else
		buf_puts(out, "?");
	buf_puts(out, " from ");
	escape_text(out, watch_time(w, 0), strlen(watch_time(w, 0)));
	buf_puts(out, " to ");
	escape_text(out, watch_time(w, n - 1), strlen(watch_time(w, n - 1)));
	buf_puts(out, "; times are UTC\n");
	return buf_error(out);
}

/* HH:MM:SS of a "YYYY-MM-DDTHH:MM:SS..." time (ours: watch checked it). */
static void put_clock(struct buf *out, const char *t)
{
	if (t && strlen(t) >= 19)
		buf_append(out, t + 11, 8);
	else
		buf_puts(out, "??:??:??");
}

/* The access letter of an fd record: r, w, u, or nothing. */
static char access_of(const json_t *fd)
{
	int64_t flags;
	char a;

	if (!snapshot_int(fd, "flags", &flags))
		return 0;
	a = fdflags_access((uint64_t)flags);
	return a == ' ' ? 0 : a;
}

static void put_fd(struct buf *out, const struct watch_event *e)
{
	char a = access_of(e->rec);

	buf_printf(out, "fd %d", e->fd);
	if (a)
		buf_putc(out, a);
	if (e->tid)
		buf_printf(out, " (thread %d)", e->tid);
	buf_putc(out, ' ');
}

static void put_target(struct buf *out, const struct watch_event *e)
{
	struct object o = { .kind = OBJECT_FD, .pid = e->pid, .rec = e->rec };

	snapview_object_target(out, &o);
}

/* " 3.1 MiB/7.9 MiB (39%)" for a regular file whose offset is known. */
static void put_progress(struct buf *out, const json_t *fd)
{
	const char *t = snapshot_str(fd, "type");
	int64_t pos, size;

	if (!t || strcmp(t, "file") != 0 || !snapshot_int(fd, "pos", &pos))
		return;
	buf_putc(out, ' ');
	watchview_size(out, (double)pos);
	if (!snapshot_int(json_object_get(fd, "stat"), "size", &size) || size < 0)
		return;
	buf_putc(out, '/');
	watchview_size(out, (double)size);
	if (size > 0)
		buf_printf(out, " (%" PRId64 "%%)", percent(pos, size));
}

static void put_closed(struct buf *out, const struct watch_event *e)
{
	int64_t size = -1;

	put_fd(out, e);
	if (e->finished) {
		buf_puts(out, "finished ");
		put_target(out, e);
		snapshot_int(json_object_get(e->rec, "stat"), "size", &size);
		buf_puts(out, " (");
		watchview_size(out, (double)size);
		buf_putc(out, ')');
		return;
	}
	buf_puts(out, e->replaced ? "left " : "closed ");
	put_target(out, e);
	if (json_object_get(e->rec, "pos")) {
		buf_puts(out, ", when last seen at");
		put_progress(out, e->rec);
	}
}

static void put_moved(struct buf *out, const struct watch_event *e)
{
	put_fd(out, e);
	put_target(out, e);
	put_progress(out, e->rec);
	if (e->moved < 0) {
		buf_puts(out, " moved back ");
		watchview_size(out, (double)-e->moved);
		return;
	}
	buf_puts(out, " +");
	watchview_size(out, e->rate);
	buf_puts(out, "/s");
}

static void put_summary(struct buf *out, const struct watch_totals *t)
{
	buf_puts(out, "summary: ");
	if (t->io) {
		buf_puts(out, "read ");
		watchview_size(out, (double)t->rchar);
		buf_puts(out, ", wrote ");
		watchview_size(out, (double)t->wchar);
		buf_printf(out, " in %.1f s (/proc/PID/io; storage ", t->seconds);
		watchview_size(out, (double)t->read_bytes);
		buf_puts(out, " read, ");
		watchview_size(out, (double)t->write_bytes);
		buf_puts(out, " written)");
	} else {
		buf_printf(out, "io not recorded at both ends (%.1f s)", t->seconds);
	}
	buf_puts(out, "; fd offsets moved ");
	watchview_size(out, (double)t->offsets_read);
	buf_puts(out, " reading, ");
	watchview_size(out, (double)t->offsets_written);
	buf_puts(out, " writing");
	if (t->offsets_both) {
		buf_puts(out, ", ");
		watchview_size(out, (double)t->offsets_both);
		buf_puts(out, " read-write");
	}
}

static void put_host(struct buf *out, const struct watch_event *e)
{
	bool boot = strcmp(e->field, "boot_id") == 0;

	buf_puts(out, boot ? "host rebooted (boot_id " : "another host (hostname ");
	if (json_is_string(e->before))
		escape_text(out, json_string_value(e->before), json_string_length(e->before));
	buf_puts(out, " -> ");
	if (json_is_string(e->after))
		escape_text(out, json_string_value(e->after), json_string_length(e->after));
	buf_puts(out, boot ? "): pids before and after name different processes" : ")");
}

int watchview_text(struct buf *out, const struct watch_event *e)
{
	size_t start;

	put_clock(out, e->time);
	if (e->kind == WATCH_HOST) {
		buf_puts(out, "       - -               ");
		put_host(out, e);
		buf_putc(out, '\n');
		return buf_error(out);
	}
	snapview_int(out, 8, e->pid);
	buf_putc(out, ' ');
	start = out->len;
	snapview_text(out, e->proc, "name", "?");
	snapview_pad(out, start, 15);
	buf_putc(out, ' ');
	switch (e->kind) {
	case WATCH_STARTED:
		buf_puts(out, "started: ");
		snapview_cmdline(out, e->proc);
		buf_puts(out, " (ppid ");
		snapview_num(out, 0, e->proc, "ppid");
		buf_putc(out, ')');
		break;
	case WATCH_EXITED:
		buf_puts(out, "exited");
		break;
	case WATCH_OPENED:
		put_fd(out, e);
		buf_puts(out, e->replaced ? "now " : "opened ");
		put_target(out, e);
		put_progress(out, e->rec);
		break;
	case WATCH_CLOSED:
		put_closed(out, e);
		break;
	case WATCH_DELETED:
		put_fd(out, e);
		put_target(out, e);
		buf_puts(out, ": deleted since");
		break;
	case WATCH_MOVED:
		put_moved(out, e);
		break;
	case WATCH_SUMMARY:
		put_summary(out, e->totals);
		break;
	default:
		break;
	}
	buf_putc(out, '\n');
	return buf_error(out);
}

/* Seconds with milliseconds, as a JSON number. */
static void put_seconds(struct jsonw *w, const char *key, double v)
{
	char n[32];

	snprintf(n, sizeof(n), "%.3f", v);
	jsonw_raw(w, key, n, strlen(n));
}

static void fd_json(struct jsonw *w, const struct watch_event *e)
{
	const char *t = snapshot_str(e->rec, "type");
	char a[2] = { access_of(e->rec), 0 };
	int64_t pos, size;

	jsonw_int(w, "fd", e->fd);
	if (e->tid)
		jsonw_int(w, "tid", e->tid);
	if (a[0])
		jsonw_str(w, "access", a);
	if (e->kind == WATCH_OPENED || e->kind == WATCH_CLOSED)
		jsonw_bool(w, "replaced", e->replaced);
	if (e->kind == WATCH_CLOSED)
		jsonw_bool(w, "finished", e->finished);
	if (t && strcmp(t, "file") == 0 && snapshot_int(e->rec, "pos", &pos) && pos >= 0 &&
	    snapshot_int(json_object_get(e->rec, "stat"), "size", &size) && size > 0)
		jsonw_int(w, "percent", percent(pos, size));
	if (e->kind == WATCH_MOVED) {
		jsonw_int(w, "moved", e->moved);
		put_seconds(w, "seconds", e->seconds);
		jsonw_int(w, "rate", to_int64(e->rate));
	}
	jsonw_open(w, "record");
	snapview_record_fd(w, e->rec, true);
	jsonw_close(w);
}

static void summary_json(struct jsonw *w, const struct watch_totals *t)
{
	jsonw_str(w, "first", t->first);
	jsonw_str(w, "last", t->last);
	put_seconds(w, "seconds", t->seconds);
	if (t->io) {
		jsonw_open(w, "io_growth");
		jsonw_uint(w, "rchar", t->rchar);
		jsonw_uint(w, "wchar", t->wchar);
		jsonw_uint(w, "read_bytes", t->read_bytes);
		jsonw_uint(w, "write_bytes", t->write_bytes);
		jsonw_close(w);
	} else {
		jsonw_null(w, "io_growth");
	}
	jsonw_open(w, "offsets_moved");
	jsonw_uint(w, "read", t->offsets_read);
	jsonw_uint(w, "written", t->offsets_written);
	jsonw_uint(w, "both", t->offsets_both);
	jsonw_close(w);
}

int watchview_json(struct buf *out, const struct watch_event *e)
{
	struct jsonw w;

	jsonw_init(&w, out);
	jsonw_open(&w, NULL);
	jsonw_str(&w, "time", e->time);
	jsonw_str(&w, "event", kind_names[e->kind]);
	if (e->kind == WATCH_HOST) {
		jsonw_str(&w, "field", e->field);
		snapview_json(&w, "before", e->before);
		snapview_json(&w, "after", e->after);
	} else {
		jsonw_int(&w, "pid", e->pid);
		snapview_put_bytes(&w, e->proc, "name", "name");
		snapview_put_bytes(&w, e->proc, "start_time", "start_time");
	}
	if (e->kind == WATCH_STARTED) {
		jsonw_open(&w, "process");
		snapview_record_process(&w, e->proc);
		jsonw_close(&w);
	} else if (e->kind == WATCH_SUMMARY) {
		summary_json(&w, e->totals);
	} else if (e->rec) {
		fd_json(&w, e);
	}
	jsonw_close(&w);
	buf_putc(out, '\n');
	return buf_error(out);
}
