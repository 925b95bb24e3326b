/* triage_ioc: the --ioc list — SHA-256 hashes an analyst brings (one a line, a label after it, '#' comments), looked up by hash. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triage_int.h"

/* A line longer than this is not a hash and a label. */
#define IOC_LINE_MAX 4096
#define IOC_LABEL_MAX 200

struct ioc {
	char hex[65];
	char *label;
};

struct triage_ioc {
	struct ioc *v;
	size_t len, cap;
};

static int cmp(const void *a, const void *b)
{
	return strcmp(((const struct ioc *)a)->hex, ((const struct ioc *)b)->hex);
}

static bool hexdigits(const char *s, size_t n, char out[65])
{
	size_t i;

	if (n != 64)
		return false;
	for (i = 0; i < 64; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
		out[i] = c;
	}
	out[64] = '\0';
	return true;
}

static int add(struct triage_ioc *l, const char *hex, const char *label, size_t ln)
{
	struct ioc *v;

	if (l->len == l->cap) {
		v = realloc(l->v, (l->cap ? l->cap * 2 : 64) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = l->cap ? l->cap * 2 : 64;
	}
	memcpy(l->v[l->len].hex, hex, 65);
	l->v[l->len].label = strndup(label, ln > IOC_LABEL_MAX ? IOC_LABEL_MAX : ln);
	if (!l->v[l->len].label)
		return -ENOMEM;
	l->len++;
	return 0;
}

/* One line: blank, a comment, or HASH [LABEL] (sha256sum's "HASH  FILE",
 * "HASH *FILE" read too). */
static int line(struct triage_ioc *l, char *s, size_t n, const char *path, unsigned no,
		char *err, size_t errlen)
{
	char hex[65];
	size_t k = 0, e;

	while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	while (k < n && (s[k] == ' ' || s[k] == '\t'))
		k++;
	if (k == n || s[k] == '#')
		return 0;
	for (e = k; e < n && s[e] != ' ' && s[e] != '\t'; e++)
		;
	if (!hexdigits(s + k, e - k, hex)) {
		snprintf(err, errlen, "%s:%u: not a SHA-256 (64 hex digits)", path, no);
		return -EINVAL;
	}
	while (e < n && (s[e] == ' ' || s[e] == '\t' || s[e] == '*'))
		e++;
	/* The label ends where a comment starts. */
	for (k = e; k < n && !(s[k] == '#' && (k == e || s[k - 1] == ' ' || s[k - 1] == '\t')); k++)
		;
	while (k > e && (s[k - 1] == ' ' || s[k - 1] == '\t'))
		k--;
	return add(l, hex, s + e, k - e);
}

int triage_ioc_load(struct triage_ioc **out, const char *path, char *err, size_t errlen)
{
	struct triage_ioc *l = calloc(1, sizeof(*l));
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned no = 0;
	FILE *f = NULL;
	int x = 0;

	*out = l;
	if (!l)
		return -ENOMEM;
	f = fopen(path, "re");
	if (!f) {
		x = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-x));
		return x;
	}
	while (!x && (n = getline(&buf, &cap, f)) >= 0) {
		no++;
		if (n > IOC_LINE_MAX || memchr(buf, '\0', (size_t)n)) {
			snprintf(err, errlen, "%s:%u: not a SHA-256 (64 hex digits)", path, no);
			x = -EINVAL;
			break;
		}
		if (n && buf[n - 1] == '\n')
			n--;
		x = line(l, buf, (size_t)n, path, no, err, errlen);
	}
	if (!x && ferror(f)) {
		x = -EIO;
		snprintf(err, errlen, "%s: %s", path, strerror(EIO));
	}
	if (x == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	free(buf);
	fclose(f);
	if (!x && l->len)   /* an empty list's v is NULL: not for qsort */
		qsort(l->v, l->len, sizeof(*l->v), cmp);
	return x;
}

const char *triage_ioc_get(const struct triage_ioc *l, const char *hex)
{
	struct ioc key, *hit;

	if (!l || !l->len || !hex || !hexdigits(hex, strlen(hex), key.hex))
		return NULL;
	hit = bsearch(&key, l->v, l->len, sizeof(*l->v), cmp);
	return hit ? hit->label : NULL;
}

size_t triage_ioc_count(const struct triage_ioc *l)
{
	return l ? l->len : 0;
}

void triage_ioc_free(struct triage_ioc *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->len; i++)
		free(l->v[i].label);
	free(l->v);
	free(l);
}
