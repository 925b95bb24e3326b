/* timeline_time: the archive's UTC times ("2026-11-30T17:23:52.123456789Z") parsed without libc's time zone state, and compared. */
#include <errno.h>
#include <string.h>

#include "timeline_int.h"

static int days_from_civil(int64_t y, unsigned m, unsigned d, int64_t *out)
{
	/* Howard Hinnant's days_from_civil: no time zone, no libc state. */
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	*out = era * 146097 + (int64_t)doe - 719468;
	return 0;
}

static bool digits(const char *s, int n, unsigned *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (unsigned)(s[i] - '0');
	}
	return true;
}

int timeline_parse_time(const char *s, struct timeline_time *out)
{
	unsigned y, mo, d, h, mi, se;
	int64_t days;
	long ns = 0;
	int i;

	if (!s || strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' ||
	    !digits(s + 5, 2, &mo) || s[7] != '-' || !digits(s + 8, 2, &d) || s[10] != 'T' ||
	    !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) ||
	    s[16] != ':' || !digits(s + 17, 2, &se))
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return -EINVAL;
	s += 19;
	if (*s == '.') {
		for (i = 0, s++; *s >= '0' && *s <= '9'; s++, i++)
			if (i < 9)
				ns = ns * 10 + (*s - '0');
		if (i == 0)
			return -EINVAL;
		for (; i < 9; i++)
			ns *= 10;
	}
	if (s[0] != 'Z' || s[1] != '\0')
		return -EINVAL;
	days_from_civil(y, mo, d, &days);
	out->sec = days * 86400 + h * 3600 + mi * 60 + se;
	out->nsec = ns;
	return 0;
}

int timeline_time_cmp(const struct timeline_time *a, const struct timeline_time *b)
{
	if (a->sec != b->sec)
		return a->sec < b->sec ? -1 : 1;
	return a->nsec < b->nsec ? -1 : a->nsec > b->nsec;
}
