/* statusline: one line of progress on stderr, rewritten in place (program side, never the library). */
#ifndef PROCSNAP_STATUSLINE_H
#define PROCSNAP_STATUSLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
 * Drawn only on a terminal (or when forced: --progress), as "\r" + text +
 * clear-to-end-of-line, at most STATUSLINE_MS apart, and not before
 * STATUSLINE_DELAY_MS have passed: a command that is over at once prints
 * nothing.  Whatever else is printed to stderr must clear it first.
 */
#define STATUSLINE_MS 250
#define STATUSLINE_DELAY_MS 500

struct statusline {
	bool on;              /* drawing at all */
	bool drawn;           /* a line is on screen */
	int cols;             /* the terminal's width */
	struct timespec t0, last;
};

/* Whether to draw: forced, or not quiet and stderr is a terminal. */
bool statusline_wanted(bool force, bool quiet);
void statusline_init(struct statusline *s, bool on);
/* Seconds since statusline_init. */
double statusline_elapsed(const struct statusline *s);
/* Whether a draw now would draw (on, after the delay, and the interval
 * since the last one passed): composing a line can wait for it. */
bool statusline_due(const struct statusline *s);
/* Rewrites the line with text (one line, already safe to print: escape
 * archive and /proc text first), if it is time to; now: whatever the
 * time, but still not before the delay. */
void statusline_draw(struct statusline *s, const char *text, bool now);
/* Removes the line (if drawn), so what comes next starts a clean line. */
void statusline_clear(struct statusline *s);

/* "512 B", "1.5 KiB", "512.0 MiB", "1.0 GiB". */
void statusline_size(char *out, size_t n, uint64_t bytes);
/* "0:42", "12:03", "1:02:03". */
void statusline_eta(char *out, size_t n, double secs);

#endif
