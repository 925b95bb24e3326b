/* stamp: how a capture names its archive and writes times (UTC). */
#include <stdio.h>
#include <time.h>

#include "capture.h"

void capture_utc(char *out, size_t n, time_t t, long nsec)
{
	struct tm tm;
	char s[32];

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	if (nsec >= 0)
		snprintf(out, n, "%s.%09ldZ", s, nsec);
	else
		snprintf(out, n, "%sZ", s);
}

/* The host name as a name may hold it: [A-Za-z0-9._-], else '_'. */
static void host_part(char h[65], const char *host)
{
	size_t i;

	snprintf(h, 65, "%s", host && *host ? host : "unknown");
	for (i = 0; h[i]; i++) {
		char ch = h[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_'))
			h[i] = '_';
	}
}

void capture_basename(char *out, size_t n, const char *host, time_t t)
{
	char h[65], ts[32];
	struct tm tm;

	host_part(h, host);
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(out, n, "procsnap-%s-%s", h, ts);
}

void capture_round_basename(char *out, size_t n, const char *host,
			    const struct timespec *t, unsigned long round)
{
	char h[65], ts[32];
	struct tm tm;

	host_part(h, host);
	gmtime_r(&t->tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%S", &tm);
	snprintf(out, n, "procsnap-%s-%s.%03ldZ-%06lu", h, ts, t->tv_nsec / 1000000L, round);
}
