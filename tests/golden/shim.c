/* shim: an LD_PRELOAD library that pins what a capture takes from the host
 * it runs on (the clock, uname, its pid and uids), so a capture of
 * fixtures/proctree is the same bytes on every machine (it_golden.sh). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <string.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/* 2026-11-23T12:00:00Z; every realtime read returns it. */
#define GOLDEN_TIME 1795435200

int clock_gettime(clockid_t id, struct timespec *ts)
{
	static int (*real)(clockid_t, struct timespec *);

	if (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE) {
		ts->tv_sec = GOLDEN_TIME;
		ts->tv_nsec = 123456789;
		return 0;
	}
	if (!real)
		real = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
	return real(id, ts);
}

time_t time(time_t *t)
{
	if (t)
		*t = GOLDEN_TIME;
	return GOLDEN_TIME;
}

int gettimeofday(struct timeval *tv, void *tz)
{
	(void)tz;
	tv->tv_sec = GOLDEN_TIME;
	tv->tv_usec = 123456;
	return 0;
}

int uname(struct utsname *u)
{
	memset(u, 0, sizeof(*u));
	strcpy(u->sysname, "Linux");
	strcpy(u->nodename, "golden");
	strcpy(u->release, "6.0.0-golden");
	strcpy(u->version, "#1 SMP golden");
	strcpy(u->machine, "x86_64");
	return 0;
}

pid_t getpid(void) { return 99999; }
uid_t getuid(void) { return 0; }
uid_t geteuid(void) { return 0; }
