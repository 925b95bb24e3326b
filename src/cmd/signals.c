/* signals: the stop flag both programs hand the library (see signals.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "signals.h"

static volatile sig_atomic_t stop_flag;

/* The acknowledgement of each signal, composed before any can arrive: a
 * handler may only write(2) (signal-safety(7)). */
static char notice[3][256];
static size_t notice_len[3];
static const int stop_signals[3] = { SIGINT, SIGTERM, SIGHUP };

static void on_signal(int sig)
{
	int saved = errno;
	size_t i;

	if (stop_flag) {
		errno = saved;
		return; /* the first one is being acted on */
	}
	stop_flag = sig;
	for (i = 0; i < 3; i++)
		if (stop_signals[i] == sig && notice_len[i])
			(void)!write(STDERR_FILENO, notice[i], notice_len[i]);
	errno = saved;
}

const volatile sig_atomic_t *signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return &stop_flag;
}

void signals_notice(const char *prog, const char *what, bool clear_line)
{
	static const char *const names[3] = { "SIGINT", "SIGTERM", "SIGHUP" };
	size_t i;
	int n;

	for (i = 0; i < 3; i++) {
		n = snprintf(notice[i], sizeof(notice[i]), "%s%s: %s received: %s\n",
			     clear_line ? "\r\033[K" : "", prog, names[i], what);
		notice_len[i] = n > 0 && (size_t)n < sizeof(notice[i]) ? (size_t)n : 0;
	}
}

void signals_notice_off(void)
{
	size_t i;

	for (i = 0; i < 3; i++)
		notice_len[i] = 0;
}

const char *signals_name(int sig)
{
	switch (sig) {
	case SIGINT: return "SIGINT";
	case SIGTERM: return "SIGTERM";
	case SIGHUP: return "SIGHUP";
	}
	return "a signal";
}
