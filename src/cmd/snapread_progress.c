/* snapread_progress: snapread's status line while it reads a whole archive (see snapread_progress.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "snapread_progress.h"

void read_progress_init(struct read_progress *rp, const char *what, bool on)
{
	memset(rp, 0, sizeof(*rp));
	statusline_init(&rp->sl, on);
	rp->what = what;
	rp->text = (struct buf)BUF_INIT;
	rp->esc = (struct buf)BUF_INIT;
}

void read_progress_show(void *arg, const struct snapreader_progress *p)
{
	struct read_progress *rp = arg;
	char el[32], done[32], total[32], r[32], eta[32];
	double secs, rate;

	/* Composing costs more than the check: most reads are not drawn. */
	if (!statusline_due(&rp->sl))
		return;
	secs = statusline_elapsed(&rp->sl);
	rate = secs > 0.2 ? (double)p->done / secs : 0;
	statusline_eta(el, sizeof(el), secs);
	statusline_size(done, sizeof(done), p->done);
	buf_reset(&rp->text);
	buf_printf(&rp->text, "%s %s: %s", rp->what, el, done);
	if (p->total && p->done <= p->total) {
		statusline_size(total, sizeof(total), p->total);
		buf_printf(&rp->text, " of %s (%d%%)", total, (int)(p->done * 100 / p->total));
	} else {
		buf_printf(&rp->text, " read");
	}
	if (rate >= 1) {
		statusline_size(r, sizeof(r), (uint64_t)rate);
		buf_printf(&rp->text, " at %s/s", r);
		if (p->total > p->done) {
			statusline_eta(eta, sizeof(eta), (double)(p->total - p->done) / rate);
			buf_printf(&rp->text, ", ETA %s", eta);
		}
	}
	buf_printf(&rp->text, "; %" PRIu64 " member%s", p->members, p->members == 1 ? "" : "s");
	if (p->member && p->member[0]) {
		buf_reset(&rp->esc);
		escape_text(&rp->esc, p->member, strlen(p->member));
		buf_printf(&rp->text, "; reading %s", rp->esc.data ? rp->esc.data : "");
	}
	if (!buf_error(&rp->text))
		statusline_draw(&rp->sl, rp->text.data, false);
}

void read_progress_clear(struct read_progress *rp)
{
	statusline_clear(&rp->sl);
}

void read_progress_done(struct read_progress *rp)
{
	statusline_clear(&rp->sl);
	buf_free(&rp->text);
	buf_free(&rp->esc);
}
