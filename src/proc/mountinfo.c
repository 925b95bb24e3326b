/* mountinfo: a pure parser of /proc/PID/mountinfo lines (proc(5)).  No I/O. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "mountinfo.h"

/* The next space-separated field of [*p, end): start and length. */
static bool field(const char **p, const char *end, const char **f, size_t *n)
{
	const char *s = *p, *e;

	if (s >= end)
		return false;
	e = memchr(s, ' ', (size_t)(end - s));
	if (!e)
		e = end;
	if (e == s)
		return false; /* two spaces in a row: not mountinfo */
	*f = s;
	*n = (size_t)(e - s);
	*p = e < end ? e + 1 : end;
	return true;
}

static bool number(const char *s, size_t n, char stop, unsigned long max,
		   unsigned long *out, size_t *used)
{
	unsigned long v = 0;
	size_t i;

	for (i = 0; i < n && s[i] != stop; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (max - (unsigned long)(s[i] - '0')) / 10)
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (i == 0)
		return false;
	*out = v;
	*used = i;
	return true;
}

int mountinfo_parse_line(const char *s, size_t n, struct mountinfo_entry *out)
{
	const char *p = s, *end = s + n, *f;
	unsigned long v;
	size_t fl, used;

	memset(out, 0, sizeof(*out));
	if (!field(&p, end, &f, &fl) || !number(f, fl, ' ', INT32_MAX, &v, &used) || used != fl)
		return -EINVAL;
	out->id = (int)v;
	if (!field(&p, end, &f, &fl) || !number(f, fl, ' ', INT32_MAX, &v, &used) || used != fl)
		return -EINVAL;
	out->parent = (int)v;
	/* MAJOR:MINOR */
	if (!field(&p, end, &f, &fl) || !number(f, fl, ':', UINT32_MAX, &v, &used) ||
	    used >= fl)
		return -EINVAL;
	out->major = (unsigned)v;
	if (!number(f + used + 1, fl - used - 1, ' ', UINT32_MAX, &v, &used))
		return -EINVAL;
	out->minor = (unsigned)v;
	if (!field(&p, end, &out->root, &out->root_len) ||
	    !field(&p, end, &out->point, &out->point_len) ||
	    !field(&p, end, &out->opts, &out->opts_len))
		return -EINVAL;
	/* Optional fields ("shared:1", "master:2"...) up to the "-". */
	for (;;) {
		if (!field(&p, end, &f, &fl))
			return -EINVAL;
		if (fl == 1 && f[0] == '-')
			break;
	}
	if (!field(&p, end, &out->fstype, &out->fstype_len) ||
	    !field(&p, end, &out->source, &out->source_len))
		return -EINVAL;
	/* The super options are the rest (they hold no spaces). */
	out->super = p;
	out->super_len = (size_t)(end - p);
	return 0;
}

int mountinfo_each(const char *text, size_t len,
		   int (*fn)(const struct mountinfo_entry *e, void *arg), void *arg,
		   unsigned *bad)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		struct mountinfo_entry e;
		int r;

		if (le > p) {
			if (mountinfo_parse_line(p, (size_t)(le - p), &e) == 0) {
				r = fn(&e, arg);
				if (r)
					return r;
			} else if (bad) {
				(*bad)++;
			}
		}
		p = le + 1;
	}
	return 0;
}

/* The byte escaped as \ooo at s[i] (seq_file's mangle of space, tab,
 * newline and backslash), or -1 when s[i] starts no escape. */
static int octal_at(const char *s, size_t n, size_t i)
{
	if (s[i] != '\\' || n - i < 4 || s[i + 1] < '0' || s[i + 1] > '3' ||
	    s[i + 2] < '0' || s[i + 2] > '7' || s[i + 3] < '0' || s[i + 3] > '7')
		return -1;
	return ((s[i + 1] - '0') << 6) | ((s[i + 2] - '0') << 3) | (s[i + 3] - '0');
}

size_t mountinfo_unescape(const char *s, size_t n, char *out, size_t size)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		int o = octal_at(s, n, i);
		char c = o < 0 ? s[i] : (char)o;

		if (o >= 0)
			i += 3;
		if (k + 1 < size)
			out[k] = c;
		k++;
	}
	out[k + 1 < size ? k : size - 1] = '\0';
	return k;
}

bool mountinfo_path_is(const char *s, size_t n, const char *path, bool prefix)
{
	size_t pl = strlen(path), i = 0, k = 0;

	/* Escaped s against plain path, decoding as we go. */
	while (i < n && k < pl) {
		int o = octal_at(s, n, i);

		if ((o < 0 ? s[i] : (char)o) != path[k])
			return false;
		i += o < 0 ? 1 : 4;
		k++;
	}
	if (k != pl)
		return false;
	return i == n || (prefix && s[i] == '/');
}
