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

void capture_basename(char *out, size_t n, const char *host, time_t t)
{
	char h[65], ts[32];
	struct tm tm;
	size_t i;

	snprintf(h, sizeof(h), "%s", host && *host ? host : "unknown");
	for (i = 0; h[i]; i++) {
		char ch = h[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_'))
			h[i] = '_';
	}
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(out, n, "procsnap-%s-%s", h, ts);
}
