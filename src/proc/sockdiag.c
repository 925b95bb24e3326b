/* sockdiag: sockets from the kernel's netlink sock_diag interface (what ss reads), raw and parsed. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "escape.h"
#include "sockdiag.h"

const char *const sockdiag_names[SOCKDIAG_NKINDS] = { "tcp", "tcp6", "udp", "udp6", "unix" };

/* TCP_CLOSE and TCP_ESTABLISHED etc. (include/net/tcp_states.h). */
#define ST_ESTABLISHED 1
#define ST_SYN_SENT 2
#define ST_CLOSE 7
#define ST_LISTEN 10

int sockdiag_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

	return fd < 0 ? -errno : fd;
}

static int send_request(int fd, enum sockdiag_kind kind)
{
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	struct {
		struct nlmsghdr h;
		union {
			struct inet_diag_req_v2 in;
			struct unix_diag_req un;
		} r;
	} req;
	ssize_t sent;

	memset(&req, 0, sizeof(req));
	req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.h.nlmsg_seq = 1;
	if (kind == SOCKDIAG_UNIX) {
		req.h.nlmsg_len = NLMSG_LENGTH(sizeof(req.r.un));
		req.r.un.sdiag_family = AF_UNIX;
		req.r.un.udiag_states = ~0u;
		req.r.un.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER;
	} else {
		req.h.nlmsg_len = NLMSG_LENGTH(sizeof(req.r.in));
		req.r.in.sdiag_family = kind == SOCKDIAG_TCP || kind == SOCKDIAG_UDP ? AF_INET
										    : AF_INET6;
		req.r.in.sdiag_protocol = kind <= SOCKDIAG_TCP6 ? IPPROTO_TCP : IPPROTO_UDP;
		req.r.in.idiag_states = ~0u;
	}
	do
		sent = sendto(fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&nl, sizeof(nl));
	while (sent < 0 && errno == EINTR);
	return sent < 0 ? -errno : 0;
}

/* The dump's end in datagram p[0..n): 1 (NLMSG_DONE or an error), 0
 * (more to come), -EBADMSG. */
static int dump_ended(const char *p, size_t n)
{
	const struct nlmsghdr *h = (const void *)p;
	size_t left = n;

	while (left >= sizeof(*h)) {
		if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > left)
			return -EBADMSG;
		if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR)
			return 1;
		if (NLMSG_ALIGN(h->nlmsg_len) >= left)
			break;
		left -= NLMSG_ALIGN(h->nlmsg_len);
		h = (const void *)((const char *)h + NLMSG_ALIGN(h->nlmsg_len));
	}
	return 0;
}

int sockdiag_dump(int fd, enum sockdiag_kind kind, struct buf *out)
{
	size_t start = out->len;
	int r = send_request(fd, kind);

	while (!r) {
		ssize_t got;

		r = buf_reserve(out, 65536);
		if (r)
			break;
		/* MSG_TRUNC: the datagram's real length, to refuse a cut one
		 * (the kernel's dump datagrams are at most 32 KiB). */
		got = recv(fd, out->data + out->len, 65536, MSG_TRUNC);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (got == 0 || got > 65536) {
			r = got ? -EMSGSIZE : -EBADMSG;
			break;
		}
		r = dump_ended(out->data + out->len, (size_t)got);
		out->len += (size_t)got;
		while (out->len % 4)
			out->data[out->len++] = '\0';
		if (r == 1) {
			r = 0;
			break;
		}
	}
	if (r)
		out->len = start;
	return r;
}

/* Whether the caller has a socket already (sockdiag_parse's known). */
struct parse_ctx {
	bool (*known)(uint64_t ino, void *arg);
	void *arg;
};

/* "127.0.0.1:80" or "[::1]:80", as parse_net_inet() writes them. */
static void put_addr(char *out, size_t size, int family, const __be32 *a, __be16 port)
{
	char text[INET6_ADDRSTRLEN];

	if (!inet_ntop(family, a, text, sizeof(text)))
		snprintf(text, sizeof(text), "?");
	snprintf(out, size, family == AF_INET6 ? "[%s]:%u" : "%s:%u", text,
		 (unsigned)ntohs(port));
}

/* A parse_sock of the kind, with its inode: the rest empty. */
static void start(struct parse_sock *sk, enum sockdiag_kind kind, uint64_t ino)
{
	memset(sk, 0, sizeof(*sk));
	sk->ino = ino;
	memcpy(sk->proto, sockdiag_names[kind], strlen(sockdiag_names[kind]) + 1);
}

static int parse_inet(const struct nlmsghdr *h, enum sockdiag_kind kind, struct parse_sock *sk,
		      const struct parse_ctx *ctx)
{
	const struct inet_diag_msg *m = NLMSG_DATA(h);
	int family = kind == SOCKDIAG_TCP || kind == SOCKDIAG_UDP ? AF_INET : AF_INET6;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)) || m->idiag_family != family)
		return -EBADMSG;
	start(sk, kind, m->idiag_inode);
	parse_inet_state(sk->proto, m->idiag_state, sk->state, sizeof(sk->state));
	if (sk->ino && !(ctx->known && ctx->known(sk->ino, ctx->arg))) {
		put_addr(sk->local, sizeof(sk->local), family, m->id.idiag_src, m->id.idiag_sport);
		put_addr(sk->remote, sizeof(sk->remote), family, m->id.idiag_dst,
			 m->id.idiag_dport);
	}
	return 0;
}

/* The name as /proc/net/unix prints it (af_unix.c, unix_seq_show): an
 * abstract name starts with '@', a path loses its final NUL, other NULs
 * show as '@'; then escaped as parse_net_unix() escapes it. */
static void put_unix_name(struct parse_sock *sk, const char *name, size_t n)
{
	struct buf path = BUF_INIT;
	char shown[108];
	size_t i;

	if (n > sizeof(shown))
		n = sizeof(shown);
	if (n && name[0] != '\0' && name[n - 1] == '\0')
		n--;
	for (i = 0; i < n; i++)
		shown[i] = name[i] ? name[i] : '@';
	escape_text(&path, shown, n);
	if (!buf_error(&path) && path.data)
		snprintf(sk->local, sizeof(sk->local), "%s", path.data);
	buf_free(&path);
}

static int parse_unix(const struct nlmsghdr *h, struct parse_sock *sk,
		      const struct parse_ctx *ctx)
{
	const struct unix_diag_msg *m = NLMSG_DATA(h);
	const char *p, *end = (const char *)h + h->nlmsg_len, *type;
	bool has_peer = false, named;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)) || m->udiag_family != AF_UNIX)
		return -EBADMSG;
	start(sk, SOCKDIAG_UNIX, m->udiag_ino);
	named = sk->ino && !(ctx->known && ctx->known(sk->ino, ctx->arg));
	type = m->udiag_type == SOCK_STREAM ? "stream" : m->udiag_type == SOCK_DGRAM ? "dgram" :
	       m->udiag_type == SOCK_SEQPACKET ? "seqpacket" : "other";
	memcpy(sk->type, type, strlen(type) + 1);
	for (p = (const char *)(m + 1); p + sizeof(struct nlattr) <= end;) {
		const struct nlattr *a = (const void *)p;
		size_t alen = a->nla_len;

		if (alen < sizeof(*a) || alen > (size_t)(end - p))
			return -EBADMSG;
		if ((a->nla_type & NLA_TYPE_MASK) == UNIX_DIAG_NAME && named)
			put_unix_name(sk, p + NLA_HDRLEN, alen - NLA_HDRLEN);
		else if ((a->nla_type & NLA_TYPE_MASK) == UNIX_DIAG_PEER && alen >= NLA_HDRLEN + 4) {
			uint32_t peer;

			memcpy(&peer, p + NLA_HDRLEN, 4);
			sk->peer = peer;
			has_peer = peer != 0;
		}
		p += NLA_ALIGN(alen);
	}
	/*
	 * The state, as a socket's user would say it.  Since Linux 6.x a
	 * datagram socket that another connects to is TCP_ESTABLISHED too
	 * (so both /proc/net/unix and ss say connected): only one that has
	 * a peer of its own is connected.
	 */
	type = m->udiag_state == ST_LISTEN ? "LISTEN" :
	       m->udiag_state == ST_SYN_SENT ? "CONNECTING" :
	       m->udiag_state == ST_ESTABLISHED &&
		       (has_peer || m->udiag_type != SOCK_DGRAM) ? "CONNECTED" :
	       m->udiag_state == ST_ESTABLISHED || m->udiag_state == ST_CLOSE ? "UNCONNECTED" :
	       "UNKNOWN";
	memcpy(sk->state, type, strlen(type) + 1);
	return 0;
}

int sockdiag_parse(const void *data, size_t len, enum sockdiag_kind kind,
		   bool (*known)(uint64_t ino, void *arg),
		   int (*fn)(const struct parse_sock *sk, void *arg), void *arg)
{
	const struct parse_ctx ctx = { known, arg };
	const char *p = data, *end = p + len;

	while ((size_t)(end - p) >= sizeof(struct nlmsghdr)) {
		struct nlmsghdr h;
		struct parse_sock sk;
		int r;

		memcpy(&h, p, sizeof(h));
		if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > (size_t)(end - p) || ((size_t)p & 3))
			return -EBADMSG;
		if (h.nlmsg_type == NLMSG_DONE)
			return 0;
		if (h.nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA((const struct nlmsghdr *)p);

			if (h.nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				return -EBADMSG;
			return e->error < 0 ? e->error : -EBADMSG;
		}
		if (h.nlmsg_type == SOCK_DIAG_BY_FAMILY) {
			r = kind == SOCKDIAG_UNIX ? parse_unix((const void *)p, &sk, &ctx)
						  : parse_inet((const void *)p, kind, &sk, &ctx);
			if (r)
				return r;
			if (sk.ino) {
				r = fn(&sk, arg);
				if (r)
					return r;
			}
		}
		if (NLMSG_ALIGN(h.nlmsg_len) > (size_t)(end - p))
			break;
		p += NLMSG_ALIGN(h.nlmsg_len);
	}
	return -EBADMSG; /* no NLMSG_DONE: not a whole dump */
}
