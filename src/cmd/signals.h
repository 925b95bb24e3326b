/* signals: how both programs take SIGINT, SIGTERM and SIGHUP (program side, never the library). */
#ifndef PROCSNAP_SIGNALS_H
#define PROCSNAP_SIGNALS_H

#include <signal.h>
#include <stdbool.h>

/*
 * Installs one handler for SIGINT, SIGTERM and SIGHUP that stores the
 * number of the first signal in the returned flag (it stays 0 until one
 * arrives; later ones change nothing), and ignores SIGPIPE, so a closed
 * output pipe is an error the program reports rather than a silent death.
 * The flag lives for the program's lifetime; the library reads it through
 * its `stop` option.
 */
const volatile sig_atomic_t *signals_install(void);

/*
 * Has the handler acknowledge the first signal at once, on stderr:
 * "PROG: SIGINT received: WHAT", so a responder sees that the stop was
 * heard while the program is still stopping.  clear_line: erase a status
 * line first (stderr is a terminal that may be showing one).  Call
 * before signals_install; the strings are copied.
 */
void signals_notice(const char *prog, const char *what, bool clear_line);

/*
 * No acknowledgement from this process from now on (the stop flag still
 * works): for a forked worker whose parent acknowledges the same signal,
 * so a responder reads it once.
 */
void signals_notice_off(void);

/* "SIGINT", "SIGTERM", "SIGHUP", else "a signal". */
const char *signals_name(int sig);

#endif
