/* procsnap_series: procsnap --every — a capture every SECS, each round an archive of its own (program side). */
#ifndef PROCSNAP_PROCSNAP_SERIES_H
#define PROCSNAP_PROCSNAP_SERIES_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "capture.h"
#include "reuse.h"

struct series_opts {
	uint64_t every_ms;     /* from one round's start to the next's */
	unsigned long count;   /* rounds; 0: until a signal */
	bool reuse;            /* reference content earlier rounds stored */
	const char *suffix;    /* the archives' suffix (".tar.gz") */
	bool quiet;            /* no lines of the series' own on stderr */
};

/*
 * One round: a complete capture into an archive named base + suffix,
 * recorded as round (host.json "series"), content looked up in and
 * offered to reuse (NULL: --no-reuse).  Returns an exit status: 0 when
 * the archive is complete.  It runs in a process of its own.
 */
typedef int (*series_round_fn)(void *arg, const char *base,
			       const struct capture_series *round, struct reuse *reuse);

/*
 * Runs rounds every o->every_ms until o->count are done or *stop is set.
 * Each round is forked: it starts single-threaded (so it can take a
 * private /proc of its own, privproc.h), reads the host's mounts afresh,
 * and whatever it leaves behind (a reader abandoned on a hung process)
 * ends with it; the series stays in the host's mount namespace.  A round
 * whose archive is complete sends back the content it stored, which the
 * later rounds reference (reuse.h).  A round that overruns its slot
 * delays the next, which starts at once and records how late it is; no
 * round is skipped.  A signal ends the series: the round under way is
 * interrupted (it leaves no archive), the rounds before it stay.
 * Returns procsnap's exit status: 0 when every round that ended, ended
 * with a complete archive, and at least one did; else 2 (said).
 */
int series_run(const struct series_opts *o, const volatile sig_atomic_t *stop,
	       series_round_fn fn, void *arg);

#endif
