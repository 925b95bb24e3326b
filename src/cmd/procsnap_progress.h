/* procsnap_progress: procsnap's status line — what a capture has done, drawn on a terminal (program side). */
#ifndef PROCSNAP_PROCSNAP_PROGRESS_H
#define PROCSNAP_PROCSNAP_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "capture.h"
#include "statusline.h"

/*
 * The state of the line between calls: the rate of recovery is smoothed
 * over the last seconds, and the file being copied gets its own.
 */
struct progress_line {
	struct statusline sl;
	double t;             /* seconds of the last sample */
	uint64_t bytes;       /* bytes_done then */
	double rate;          /* bytes a second, smoothed; 0 until known */
	char file[256];       /* the file of the last sample */
	double file_t0;       /* when it was first seen */
	uint64_t file_done0;  /* its bytes then */
	char text[1024];      /* the line being composed */
	size_t len;
	struct buf esc;
};

/* on: draw at all (statusline_wanted). */
void progress_line_init(struct progress_line *pl, bool on);
/* The capture's progress callback (capture_opts.progress); arg is pl. */
void progress_line_show(void *arg, const struct capture_progress *p);
/* Takes the line off the screen and frees what it holds. */
void progress_line_done(struct progress_line *pl);

#endif
