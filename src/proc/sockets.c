/* sockets: a network namespace's socket table, by inode, from /proc/net and sock_diag, and where the two disagree. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sockets.h"

const char *const sockets_tables[] = {
	"net/tcp", "net/tcp6", "net/udp", "net/udp6", "net/unix", NULL,
};

static int kind_of(const char *proto)
{
	int k;

	for (k = 0; k < SOCKDIAG_NKINDS; k++)
		if (strcmp(proto, sockdiag_names[k]) == 0)
			return k;
	return -1;
}

/*
 * The inode field of a table line, without parsing the rest: field 10 of
 * tcp/udp lines, 7 of unix lines (whitespace-separated).  0: none found.
 * A socket that sock_diag listed already is only marked seen, so a table
 * costs little more than its read.
 */
static uint64_t line_inode(const char *p, const char *end, bool is_unix)
{
	int field = is_unix ? 6 : 9, i;
	uint64_t v = 0;

	for (i = 0; p < end; i++) {
		while (p < end && *p == ' ')
			p++;
		if (i == field)
			break;
		while (p < end && *p != ' ')
			p++;
	}
	for (; p < end && *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	return p < end && *p != ' ' ? 0 : v;
}

int sockets_add_table(struct sockets *s, const char *name, const char *text,
		      size_t len, unsigned *bad)
{
	const char *p = text, *end = text + len;
	const char *proto = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	int is_unix = strcmp(proto, "unix") == 0, k = kind_of(proto);

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		uint64_t ino = s->by_ino.len ? line_inode(p, le, is_unix) : 0;
		struct parse_sock *sk, *old = ino ? u64map_get(&s->by_ino, ino, 0) : NULL;
		int r;

		if (old) {
			old->views |= SOCK_VIEW_PROC;
			p = le + 1;
			continue;
		}
		sk = malloc(sizeof(*sk));
		if (!sk)
			return -ENOMEM;
		r = is_unix ? parse_net_unix(p, (size_t)(le - p), sk)
			    : parse_net_inet(p, (size_t)(le - p), proto, sk);
		old = r == 0 && sk->ino ? u64map_get(&s->by_ino, sk->ino, 0) : NULL;
		if (r == 0 && sk->ino && !old) {
			sk->views = SOCK_VIEW_PROC;
			r = u64map_put(&s->by_ino, sk->ino, 0, sk);
			if (r) {
				free(sk);
				return r;
			}
		} else {
			if (old)
				old->views |= SOCK_VIEW_PROC;
			if (r == -EINVAL && le > p)
				(*bad)++;
			free(sk);
		}
		p = le + 1;
	}
	if (k >= 0)
		s->proc_ok[k] = true;
	return 0;
}

static int add_diag(const struct parse_sock *sk, void *arg)
{
	struct sockets *s = arg;
	struct parse_sock *old = u64map_get(&s->by_ino, sk->ino, 0), *n;
	int r;

	if (old) {
		old->views |= SOCK_VIEW_DIAG;
		if (strcmp(old->proto, "unix") == 0 && strcmp(sk->proto, "unix") == 0) {
			memcpy(old->state, sk->state, sizeof(old->state));
			old->peer = sk->peer;
		}
		return 0;
	}
	n = malloc(sizeof(*n));
	if (!n)
		return -ENOMEM;
	*n = *sk;
	n->views = SOCK_VIEW_DIAG;
	r = u64map_put(&s->by_ino, n->ino, 0, n);
	if (r)
		free(n);
	return r;
}

static bool known(uint64_t ino, void *arg)
{
	return u64map_get(&((struct sockets *)arg)->by_ino, ino, 0) != NULL;
}

int sockets_add_diag(struct sockets *s, enum sockdiag_kind kind, const void *data,
		     size_t len)
{
	int r = sockdiag_parse(data, len, kind, known, add_diag, s);

	if (!r)
		s->diag_ok[kind] = true;
	return r;
}

/* Seen by one view while both views of its kind were read. */
static bool one_sided(const struct sockets *s, const struct parse_sock *sk, int *kind)
{
	*kind = kind_of(sk->proto);
	return *kind >= 0 && s->proc_ok[*kind] && s->diag_ok[*kind] &&
	       (sk->views == SOCK_VIEW_PROC || sk->views == SOCK_VIEW_DIAG);
}

size_t sockets_unmatched(const struct sockets *s, bool kinds[SOCKDIAG_NKINDS])
{
	size_t i, n = 0;
	int k;

	for (i = 0; i < s->by_ino.cap; i++) {
		const struct parse_sock *sk = s->by_ino.slots[i].value;

		if (sk && one_sided(s, sk, &k)) {
			n++;
			if (kinds)
				kinds[k] = true;
		}
	}
	return n;
}

void sockets_confirm(struct sockets *s, const struct sockets *again)
{
	size_t i;
	int k, k2;

	for (i = 0; i < s->by_ino.cap; i++) {
		struct parse_sock *sk = s->by_ino.slots[i].value;
		const struct parse_sock *a;

		if (!sk || !one_sided(s, sk, &k))
			continue;
		a = sockets_find(again, sk->ino);
		if (!a || !one_sided(again, a, &k2) || k2 != k || a->views != sk->views)
			continue;
		/* Seen by one view twice, by the other twice not. */
		sk->hidden = (unsigned char)(SOCK_VIEW_PROC | SOCK_VIEW_DIAG) & ~sk->views;
		s->nhidden++;
	}
}

const struct parse_sock *sockets_find(const struct sockets *s, uint64_t ino)
{
	return u64map_get(&s->by_ino, ino, 0);
}

static int cmp_sock(const void *a, const void *b)
{
	const struct parse_sock *x = *(const struct parse_sock *const *)a;
	const struct parse_sock *y = *(const struct parse_sock *const *)b;
	int kx = kind_of(x->proto), ky = kind_of(y->proto);

	if (kx != ky)
		return (kx > ky) - (kx < ky);
	return (x->ino > y->ino) - (x->ino < y->ino);
}

int sockets_sorted(const struct sockets *s, const struct parse_sock ***out, size_t *n)
{
	const struct parse_sock **v;
	size_t i, k = 0;

	*out = NULL;
	*n = 0;
	if (!s->by_ino.len)
		return 0;
	v = malloc(s->by_ino.len * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < s->by_ino.cap; i++)
		if (s->by_ino.slots[i].value)
			v[k++] = s->by_ino.slots[i].value;
	qsort(v, k, sizeof(*v), cmp_sock);
	*out = v;
	*n = k;
	return 0;
}

void sockets_free(struct sockets *s)
{
	if (s)
		u64map_free(&s->by_ino, free);
}
