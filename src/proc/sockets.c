/* sockets: the socket inode table built from /proc/net/{tcp,tcp6,udp,udp6,unix}. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sockets.h"

const char *const sockets_tables[] = {
	"net/tcp", "net/tcp6", "net/udp", "net/udp6", "net/unix", NULL,
};

int sockets_add_table(struct sockets *s, const char *name, const char *text,
		      size_t len, unsigned *bad)
{
	const char *p = text, *end = text + len;
	const char *proto = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	int is_unix = strcmp(proto, "unix") == 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		struct parse_sock *sk = malloc(sizeof(*sk));
		int r;

		if (!sk)
			return -ENOMEM;
		r = is_unix ? parse_net_unix(p, (size_t)(le - p), sk)
			    : parse_net_inet(p, (size_t)(le - p), proto, sk);
		if (r == 0 && sk->ino && !u64map_get(&s->by_ino, sk->ino, 0)) {
			r = u64map_put(&s->by_ino, sk->ino, 0, sk);
			if (r) {
				free(sk);
				return r;
			}
		} else {
			if (r == -EINVAL && le > p)
				(*bad)++;
			free(sk);
		}
		p = le + 1;
	}
	return 0;
}

const struct parse_sock *sockets_find(const struct sockets *s, uint64_t ino)
{
	return u64map_get(&s->by_ino, ino, 0);
}

void sockets_free(struct sockets *s)
{
	if (s)
		u64map_free(&s->by_ino, free);
}
