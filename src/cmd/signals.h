/* signals: how both programs take SIGINT, SIGTERM and SIGHUP (program side, never the library). */
#ifndef PROCSNAP_SIGNALS_H
#define PROCSNAP_SIGNALS_H

#include <signal.h>

/*
 * Installs one handler for SIGINT, SIGTERM and SIGHUP that stores the
 * signal's number in the returned flag (it stays 0 until one arrives),
 * and ignores SIGPIPE, so a closed output pipe is an error the program
 * reports rather than a silent death.  The flag lives for the program's
 * lifetime; the library reads it through its `stop` option.
 */
const volatile sig_atomic_t *signals_install(void);

#endif
