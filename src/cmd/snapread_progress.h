/* snapread_progress: snapread's status line while it reads a whole archive (verify, extract; program side). */
#ifndef PROCSNAP_SNAPREAD_PROGRESS_H
#define PROCSNAP_SNAPREAD_PROGRESS_H

#include <stdbool.h>

#include "buf.h"
#include "snapreader.h"
#include "statusline.h"

/*
 * "snapread verify 0:03: 512.0 MiB of 1.0 GiB (50%) at 170.2 MiB/s, ETA
 * 0:03; 12 members; reading NAME": the archive file's bytes read (its
 * compressed size: what the rate and the estimate are of), the members
 * begun, and the member being read, escaped, last (a narrow terminal cuts
 * the name, not the numbers).
 */
struct read_progress {
	struct statusline sl;
	const char *what;     /* "snapread verify": borrowed */
	struct buf text;
	struct buf esc;
};

/* on: draw at all (statusline_wanted). */
void read_progress_init(struct read_progress *rp, const char *what, bool on);
/* A snapreader_progress_fn; arg is rp. */
void read_progress_show(void *arg, const struct snapreader_progress *p);
/* Takes the line off the screen, so a message can follow (and again). */
void read_progress_clear(struct read_progress *rp);
/* Clears, and frees what it holds. */
void read_progress_done(struct read_progress *rp);

#endif
