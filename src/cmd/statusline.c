/* statusline: one line of progress on stderr, rewritten in place (see statusline.h). */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "statusline.h"

bool statusline_wanted(bool force, bool quiet)
{
	return force || (!quiet && isatty(STDERR_FILENO));
}

void statusline_init(struct statusline *s, bool on)
{
	struct winsize ws;

	memset(s, 0, sizeof(*s));
	s->on = on;
	s->cols = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20 ? ws.ws_col : 100;
	clock_gettime(CLOCK_MONOTONIC, &s->t0);
	s->last = s->t0;
}

static double since(const struct timespec *a)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - a->tv_sec) + (double)(now.tv_nsec - a->tv_nsec) / 1e9;
}

double statusline_elapsed(const struct statusline *s)
{
	return since(&s->t0);
}

/* The byte length of the first max characters of text (UTF-8: a
 * continuation byte never starts a character). */
static size_t fit(const char *text, int max)
{
	size_t i = 0;
	int chars = 0;

	for (; text[i]; i++) {
		if (((unsigned char)text[i] & 0xc0) == 0x80)
			continue;
		if (chars++ == max)
			break;
	}
	return i;
}

static void put(const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(STDERR_FILENO, p, n);

		if (k <= 0)
			return; /* a progress line is not worth an error */
		p += k;
		n -= (size_t)k;
	}
}

bool statusline_due(const struct statusline *s)
{
	return s->on && since(&s->t0) * 1000 >= STATUSLINE_DELAY_MS &&
	       (!s->drawn || since(&s->last) * 1000 >= STATUSLINE_MS);
}

void statusline_draw(struct statusline *s, const char *text, bool now)
{
	char line[1024];
	size_t n;

	if (!s->on || since(&s->t0) * 1000 < STATUSLINE_DELAY_MS)
		return;
	if (!now && !statusline_due(s))
		return;
	clock_gettime(CLOCK_MONOTONIC, &s->last);
	/* One column short of the width: a full line would wrap on some
	 * terminals, and "\r" then rewrites only its second half. */
	n = fit(text, s->cols - 1);
	if (n > sizeof(line) - 8)
		n = sizeof(line) - 8;
	line[0] = '\r';
	memcpy(line + 1, text, n);
	memcpy(line + 1 + n, "\033[K", 3);
	put(line, n + 4);
	s->drawn = true;
}

void statusline_clear(struct statusline *s)
{
	if (!s->drawn)
		return;
	put("\r\033[K", 4);
	s->drawn = false;
}

void statusline_size(char *out, size_t n, uint64_t bytes)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int u = -1;

	if (bytes < 1024) {
		snprintf(out, n, "%llu B", (unsigned long long)bytes);
		return;
	}
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	snprintf(out, n, "%.1f %s", v, units[u]);
}

void statusline_eta(char *out, size_t n, double secs)
{
	unsigned long t = secs > 0 && secs < 360000 ? (unsigned long)(secs + 0.5) : 0;

	if (t >= 3600)
		snprintf(out, n, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(out, n, "%lu:%02lu", t / 60, t % 60);
}
