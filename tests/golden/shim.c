/* shim: an LD_PRELOAD library that pins what a capture takes from the host
 * it runs on (the clock, uname, its pid and uids, and what procsnap sees
 * of itself: no preloaded object, no loader variable), so a capture of
 * fixtures/proctree is the same bytes on every machine (it_golden.sh). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdlib.h>
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

/*
 * procsnap's self check (src/capture/selfcheck.c) would rightly report this
 * shim as foreign code and LD_PRELOAD as set, with this machine's paths.
 * The shim hides itself the way a rootkit would, and takes the variables
 * the check records (the LD_ prefix and its list of names) out of the
 * environment before main: tests/it_preload.sh covers the check.
 */
struct hide {
	int (*cb)(struct dl_phdr_info *, size_t, void *);
	void *arg;
};

static int skip_shim(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct hide *h = arg;

	if (info->dlpi_name && strstr(info->dlpi_name, "golden-shim.so"))
		return 0;
	return h->cb(info, size, h->arg);
}

int dl_iterate_phdr(int (*cb)(struct dl_phdr_info *, size_t, void *), void *arg)
{
	static int (*real)(int (*)(struct dl_phdr_info *, size_t, void *), void *);
	struct hide h = { cb, arg };

	if (!real)
		real = (int (*)(int (*)(struct dl_phdr_info *, size_t, void *), void *))
			dlsym(RTLD_NEXT, "dl_iterate_phdr");
	return real(skip_shim, &h);
}

__attribute__((constructor)) static void pin_environment(void)
{
	static const char *const names[] = {
		"GLIBC_TUNABLES", "GCONV_PATH", "OPENSSL_CONF", "OPENSSL_MODULES",
		"OPENSSL_ENGINES", NULL,
	};
	extern char **environ;
	char ld[16][256];
	size_t i, n, k = 0;

	for (i = 0; names[i]; i++)
		unsetenv(names[i]);
	/* Names first, removed after: unsetenv may reorder environ (and a
	 * shell such as bash, which the shim is loaded into too, keeps its
	 * own). */
	for (i = 0; environ && environ[i] && k < 16; i++) {
		n = strcspn(environ[i], "=");
		if (strncmp(environ[i], "LD_", 3) == 0 && n < sizeof(ld[0])) {
			memcpy(ld[k], environ[i], n);
			ld[k++][n] = '\0';
		}
	}
	for (i = 0; i < k; i++)
		unsetenv(ld[i]);
}
