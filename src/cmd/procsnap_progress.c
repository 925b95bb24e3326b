/* procsnap_progress: procsnap's status line, from the capture's progress (see procsnap_progress.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "procsnap_progress.h"
#include "signals.h"

/* How much of the rate is the newest sample's (per second of it). */
#define RATE_WEIGHT 0.5

void progress_line_init(struct progress_line *pl, bool on)
{
	memset(pl, 0, sizeof(*pl));
	statusline_init(&pl->sl, on);
	pl->esc = (struct buf)BUF_INIT;
}

void progress_line_done(struct progress_line *pl)
{
	statusline_clear(&pl->sl);
	buf_free(&pl->esc);
}

/* Smooths the rate of recovery over the samples; a file change resets
 * the file's own clock. */
static void sample(struct progress_line *pl, const struct capture_progress *p)
{
	double dt = p->seconds - pl->t, w;

	if (dt > 0.05 && p->bytes_done >= pl->bytes) {
		double now = (double)(p->bytes_done - pl->bytes) / dt;

		w = dt * RATE_WEIGHT > 1 ? 1 : dt * RATE_WEIGHT;
		pl->rate = pl->rate > 0 ? pl->rate * (1 - w) + now * w : now;
		pl->t = p->seconds;
		pl->bytes = p->bytes_done;
	}
	if (strcmp(pl->file, p->file) != 0) {
		memcpy(pl->file, p->file, sizeof(pl->file));
		pl->file_t0 = p->seconds;
		pl->file_done0 = p->file_done;
	}
}

static void say(struct progress_line *pl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(struct progress_line *pl, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (pl->len >= sizeof(pl->text) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(pl->text + pl->len, sizeof(pl->text) - pl->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		pl->len += (size_t)n < sizeof(pl->text) - pl->len ? (size_t)n
								   : sizeof(pl->text) - pl->len - 1;
}

/* ", 256.0 MiB of 1.0 GiB, ETA 0:04": what is recovered of what the
 * collectors found pinned so far (it grows as they find more). */
static void bytes_part(struct progress_line *pl, const struct capture_progress *p)
{
	char done[32], total[32], eta[32];

	if (!p->bytes_pinned)
		return;
	statusline_size(done, sizeof(done), p->bytes_done);
	statusline_size(total, sizeof(total), p->bytes_pinned);
	say(pl, ", %s of %s", done, total);
	if (pl->rate < 1 || p->bytes_done >= p->bytes_pinned)
		return;
	statusline_eta(eta, sizeof(eta), (double)(p->bytes_pinned - p->bytes_done) / pl->rate);
	say(pl, ", ETA %s", eta);
}

/* "; copying 45% at 180.2 MiB/s: NAME": last, so a narrow terminal cuts
 * the name rather than the numbers.  The name is /proc text: escaped. */
static void file_part(struct progress_line *pl, const struct capture_progress *p)
{
	double dt = p->seconds - pl->file_t0;
	char rate[32];

	if (!p->file[0])
		return;
	say(pl, "; copying");
	if (p->file_size)
		say(pl, " %d%%", (int)(p->file_done * 100 / p->file_size));
	if (dt >= 0.5 && p->file_done > pl->file_done0) {
		statusline_size(rate, sizeof(rate),
				(uint64_t)((double)(p->file_done - pl->file_done0) / dt));
		say(pl, " at %s/s", rate);
	}
	buf_reset(&pl->esc);
	escape_text(&pl->esc, p->file, strlen(p->file));
	say(pl, ": %.*s", (int)pl->esc.len, pl->esc.data ? pl->esc.data : "");
}

void progress_line_show(void *arg, const struct capture_progress *p)
{
	struct progress_line *pl = arg;
	char el[32];

	sample(pl, p);
	pl->len = 0;
	statusline_eta(el, sizeof(el), p->seconds);
	say(pl, "procsnap %s: ", el);
	switch (p->phase) {
	case CAPTURE_STOPPING:
		say(pl, "stopping (%s): abandoning the archive", signals_name(p->stop_signal));
		break;
	case CAPTURE_FINISHING:
		say(pl, "%llu processes, %llu fds: writing the summary and the manifest",
		    (unsigned long long)p->procs_done, (unsigned long long)p->fds);
		break;
	case CAPTURE_COLLECTING:
		if (p->procs_total)
			say(pl, "%llu/%llu processes, %llu fds", (unsigned long long)p->procs_done,
			    (unsigned long long)p->procs_total, (unsigned long long)p->fds);
		else
			say(pl, "listing processes");
		bytes_part(pl, p);
		file_part(pl, p);
		break;
	}
	statusline_draw(&pl->sl, pl->text, p->phase != CAPTURE_COLLECTING);
}
