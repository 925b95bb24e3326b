/* locks: a pure parser of /proc/locks lines, for the leases a read would break. */
#include <errno.h>
#include <string.h>

#include "locks.h"

/* The next space-separated token of [*p, end): *tok, *len; false at the end. */
static bool token(const char **p, const char *end, const char **tok, size_t *len)
{
	const char *s = *p;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s == end)
		return false;
	*tok = s;
	while (s < end && *s != ' ' && *s != '\t')
		s++;
	*len = (size_t)(s - *tok);
	*p = s;
	return true;
}

static bool is(const char *tok, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(tok, word, len) == 0;
}

/* Digits of base 10 or 16 only, the whole token; false on overflow. */
static bool number(const char *s, size_t n, unsigned base, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++) {
		unsigned d;

		if (s[i] >= '0' && s[i] <= '9')
			d = (unsigned)(s[i] - '0');
		else if (base == 16 && s[i] >= 'a' && s[i] <= 'f')
			d = (unsigned)(s[i] - 'a' + 10);
		else
			return false;
		if (v > (max - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

/* "fe:00:10993892": major and minor in hex, the inode in decimal. */
static int device_inode(const char *s, size_t n, struct locks_entry *out)
{
	const char *c1 = memchr(s, ':', n), *c2;
	uint64_t v;

	if (is(s, n, "<none>:0"))
		return 0;
	if (!c1 || !(c2 = memchr(c1 + 1, ':', (size_t)(s + n - c1 - 1))))
		return -EINVAL;
	if (!number(s, (size_t)(c1 - s), 16, 0xfffff, &v))
		return -EINVAL;
	out->major = (unsigned)v;
	if (!number(c1 + 1, (size_t)(c2 - c1 - 1), 16, 0xfffff, &v))
		return -EINVAL;
	out->minor = (unsigned)v;
	if (!number(c2 + 1, (size_t)(s + n - c2 - 1), 10, UINT64_MAX, &out->ino))
		return -EINVAL;
	out->has_inode = true;
	return 0;
}

static enum locks_class lock_class(const char *t, size_t n)
{
	if (is(t, n, "POSIX"))
		return LOCKS_POSIX;
	if (is(t, n, "FLOCK"))
		return LOCKS_FLOCK;
	if (is(t, n, "OFDLCK"))
		return LOCKS_OFD;
	if (is(t, n, "LEASE"))
		return LOCKS_LEASE;
	if (is(t, n, "DELEG"))
		return LOCKS_DELEG;
	return LOCKS_OTHER;
}

/* Copies a token into a fixed field; false when it does not fit. */
static bool word(char *dst, size_t size, const char *t, size_t n)
{
	if (n >= size)
		return false;
	memcpy(dst, t, n);
	dst[n] = '\0';
	return true;
}

int locks_parse_line(const char *s, size_t n, struct locks_entry *out)
{
	const char *p = s, *end = s + n, *t;
	size_t len;
	uint64_t v;
	bool neg;

	memset(out, 0, sizeof(*out));
	/* "ID:" first; then "->" (once per level of waiting) for a waiter. */
	if (!token(&p, end, &t, &len) || len < 2 || t[len - 1] != ':' ||
	    !number(t, len - 1, 10, UINT64_MAX, &v))
		return -EINVAL;
	if (!token(&p, end, &t, &len))
		return -EINVAL;
	while (is(t, len, "->")) {
		out->waiter = true;
		if (!token(&p, end, &t, &len))
			return -EINVAL;
	}
	out->cls = lock_class(t, len);
	if (!token(&p, end, &t, &len) || !word(out->state, sizeof(out->state), t, len))
		return -EINVAL;
	if (!token(&p, end, &t, &len) || !word(out->type, sizeof(out->type), t, len))
		return -EINVAL;
	/* The pid: -1 for OFD locks, which no process owns. */
	if (!token(&p, end, &t, &len))
		return -EINVAL;
	neg = len > 1 && t[0] == '-';
	if (!number(t + neg, len - neg, 10, 0x7fffffff, &v))
		return -EINVAL;
	out->pid = neg ? -(int)v : (int)v;
	if (!token(&p, end, &t, &len))
		return -EINVAL;
	return device_inode(t, len, out);
}

bool locks_read_conflicts(const struct locks_entry *e)
{
	if ((e->cls != LOCKS_LEASE && e->cls != LOCKS_DELEG) || e->waiter || !e->has_inode)
		return false;
	return strcmp(e->state, "BREAKING") == 0 || strcmp(e->type, "WRITE") == 0;
}
