/* parse: pure parsers for /proc text.  No I/O; every input is (pointer, length). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "escape.h"
#include "parse.h"

/* Unsigned decimal (or octal/hex with base) at *p, bounded by end. */
static int take_u64(const char **p, const char *end, int base, uint64_t *out)
{
	uint64_t v = 0;
	const char *s = *p;
	int any = 0;

	while (s < end && *s == ' ')
		s++;
	for (; s < end; s++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		if (d >= base)
			break;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return -EINVAL;
		v = v * (uint64_t)base + (uint64_t)d;
		any = 1;
	}
	if (!any)
		return -EINVAL;
	*p = s;
	*out = v;
	return 0;
}

static int take_i64(const char **p, const char *end, int64_t *out)
{
	const char *s = *p;
	uint64_t v;
	int neg = 0;

	while (s < end && *s == ' ')
		s++;
	if (s < end && *s == '-') {
		neg = 1;
		s++;
	}
	if (take_u64(&s, end, 10, &v) || v > (uint64_t)INT64_MAX)
		return -EINVAL;
	*p = s;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

/*
 * /proc/PID/stat is "pid (comm) state ppid ...", and comm is whatever the
 * process chose (up to 15 bytes): it may hold spaces, ')' and newlines.
 * Like procps' stat2proc we take comm up to the *last* ')' in the text.
 */
int parse_stat(const char *s, size_t n, struct parse_stat *out)
{
	const char *end = s + n, *open, *close = NULL, *p;
	int64_t f[40];
	uint64_t pid;
	size_t i;

	memset(out, 0, sizeof(*out));
	open = memchr(s, '(', n);
	if (!open)
		return -EINVAL;
	for (p = end; p > open; p--)
		if (p[-1] == ')') {
			close = p - 1;
			break;
		}
	if (!close)
		return -EINVAL;
	p = s;
	if (take_u64(&p, open, 10, &pid) || pid > INT32_MAX)
		return -EINVAL;
	out->pid = (int)pid;
	out->comm_len = (size_t)(close - open - 1);
	if (out->comm_len >= sizeof(out->comm))
		return -EINVAL;
	memcpy(out->comm, open + 1, out->comm_len);
	p = close + 1;
	if (p + 2 >= end || p[0] != ' ')
		return -EINVAL;
	out->state = p[1];
	p += 2;
	/* Fields 4.. (ppid onwards); f[k] is field k+4 in proc(5) numbering. */
	for (i = 0; i < 20; i++)
		if (take_i64(&p, end, &f[i]))
			return -EINVAL;
	out->ppid = (int)f[0];
	out->pgrp = (int)f[1];
	out->session = (int)f[2];
	out->tty_nr = (int)f[3];
	out->flags = (unsigned long)f[5];
	out->utime = (uint64_t)f[10];
	out->stime = (uint64_t)f[11];
	out->num_threads = (long)f[16];
	out->starttime = (uint64_t)f[18];
	out->vsize = (uint64_t)f[19];
	if (take_i64(&p, end, &f[20]) == 0)
		out->rss = f[20];
	return 0;
}

int parse_status_field(const char *s, size_t n, const char *key,
		       const char **val, size_t *vlen)
{
	size_t klen = strlen(key);
	const char *p = s, *end = s + n;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		if ((size_t)(le - p) > klen && memcmp(p, key, klen) == 0 &&
		    p[klen] == ':') {
			const char *v = p + klen + 1;

			while (v < le && (*v == '\t' || *v == ' '))
				v++;
			*val = v;
			*vlen = (size_t)(le - v);
			return 0;
		}
		p = le + 1;
	}
	return -ENOENT;
}

static int field_u64(const char *s, size_t n, const char *key, int base,
		     uint64_t *out)
{
	const char *v;
	size_t vl;

	if (parse_status_field(s, n, key, &v, &vl))
		return -ENOENT;
	return take_u64(&v, v + vl, base, out);
}

static int field_ids(const char *s, size_t n, const char *key, uint32_t ids[4])
{
	const char *v, *end;
	size_t vl;
	int i;

	if (parse_status_field(s, n, key, &v, &vl))
		return -ENOENT;
	end = v + vl;
	for (i = 0; i < 4; i++) {
		uint64_t x;

		while (v < end && *v == '\t')
			v++;
		if (take_u64(&v, end, 10, &x) || x > UINT32_MAX)
			return -EINVAL;
		ids[i] = (uint32_t)x;
	}
	return 0;
}

int parse_status(const char *s, size_t n, struct parse_status *out)
{
	uint64_t v;
	const char *val;
	size_t vl;
	int found = 0;

	memset(out, 0, sizeof(*out));
	if (field_ids(s, n, "Uid", out->uid) == 0 &&
	    field_ids(s, n, "Gid", out->gid) == 0)
		out->has_ids = true, found++;
	if (field_u64(s, n, "Tgid", 10, &v) == 0)
		out->tgid = (int)v, found++;
	if (field_u64(s, n, "PPid", 10, &v) == 0)
		out->ppid = (int)v, found++;
	if (field_u64(s, n, "Threads", 10, &v) == 0)
		out->threads = (long)v, found++;
	if (parse_status_field(s, n, "State", &val, &vl) == 0 && vl)
		out->state = val[0], found++;
	if (field_u64(s, n, "CapEff", 16, &out->cap_eff) == 0) {
		out->has_caps = true;
		field_u64(s, n, "CapInh", 16, &out->cap_inh);
		field_u64(s, n, "CapPrm", 16, &out->cap_prm);
		field_u64(s, n, "CapBnd", 16, &out->cap_bnd);
		field_u64(s, n, "CapAmb", 16, &out->cap_amb);
		found++;
	}
	if (field_u64(s, n, "Kthread", 10, &v) == 0) {
		out->has_kthread = true;
		out->kthread = v != 0;
	}
	return found ? 0 : -EINVAL;
}

const char *const parse_io_names[PARSE_IO_FIELDS] = {
	"rchar", "wchar", "syscr", "syscw", "read_bytes", "write_bytes",
	"cancelled_write_bytes",
};

int parse_io(const char *s, size_t n, struct parse_io *out)
{
	int i, found = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < PARSE_IO_FIELDS; i++)
		if (field_u64(s, n, parse_io_names[i], 10, &out->v[i]) == 0)
			out->has[i] = true, found++;
	return found ? 0 : -EINVAL;
}

int parse_fdinfo(const char *s, size_t n, struct parse_fdinfo *out)
{
	uint64_t v;

	memset(out, 0, sizeof(*out));
	if (field_u64(s, n, "pos", 10, &out->pos) == 0)
		out->has_pos = true;
	if (field_u64(s, n, "flags", 8, &v) == 0 && v <= UINT32_MAX) {
		out->flags = (unsigned int)v;
		out->has_flags = true;
	}
	if (field_u64(s, n, "mnt_id", 10, &v) == 0 && v <= INT32_MAX) {
		out->mnt_id = (int)v;
		out->has_mnt_id = true;
	}
	return out->has_pos || out->has_flags ? 0 : -EINVAL;
}

static int bracket_ino(const char *s, size_t n, size_t plen, uint64_t *ino)
{
	const char *p = s + plen;

	if (n < plen + 3 || s[plen] != '[' || s[n - 1] != ']')
		return -EINVAL;
	p++;
	if (take_u64(&p, s + n - 1, 10, ino) || p != s + n - 1)
		return -EINVAL;
	return 0;
}

enum parse_link_kind parse_link(const char *s, size_t n, uint64_t *ino,
				const char **name, size_t *name_len)
{
	*ino = 0;
	*name = NULL;
	*name_len = 0;
	if (n && s[0] == '/')
		return PARSE_LINK_PATH;
	if (n > 7 && memcmp(s, "socket:", 7) == 0 && !bracket_ino(s, n, 6 + 1, ino))
		return PARSE_LINK_SOCKET;
	if (n > 5 && memcmp(s, "pipe:", 5) == 0 && !bracket_ino(s, n, 5, ino))
		return PARSE_LINK_PIPE;
	if (n > 11 && memcmp(s, "anon_inode:", 11) == 0) {
		*name = s + 11;
		*name_len = n - 11;
		if (*name_len >= 2 && (*name)[0] == '[' && (*name)[*name_len - 1] == ']') {
			(*name)++;
			*name_len -= 2;
		}
		return PARSE_LINK_ANON;
	}
	return PARSE_LINK_OTHER;
}

static const char *const tcp_states[] = {
	NULL, "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
	"TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
	"NEW_SYN_RECV",
};

/* "0100007F:1F90" (IPv4) or 32 hex digits ":PORT" (IPv6), host-order words. */
static int take_addr(const char **p, const char *end, int v6, char *out,
		     size_t outlen)
{
	unsigned char bytes[16];
	char text[INET6_ADDRSTRLEN];
	const char *s = *p;
	uint64_t port;
	int words = v6 ? 4 : 1, i;

	while (s < end && *s == ' ')
		s++;
	if ((size_t)(end - s) < (size_t)words * 8 + 2)
		return -EINVAL;
	for (i = 0; i < words; i++) {
		char hex[9];
		const char *q = hex;
		uint64_t w;
		uint32_t w32;

		memcpy(hex, s + 8 * i, 8);
		hex[8] = 0;
		if (take_u64(&q, hex + 8, 16, &w) || q != hex + 8)
			return -EINVAL;
		w32 = (uint32_t)w;
		/* The kernel prints each 32-bit word of the network-order
		 * address as a host-order integer (proc(5), /proc/net/tcp). */
		memcpy(bytes + 4 * i, &w32, 4);
	}
	s += words * 8;
	if (*s++ != ':' || take_u64(&s, end, 16, &port) || port > 65535)
		return -EINVAL;
	if (!inet_ntop(v6 ? AF_INET6 : AF_INET, bytes, text, sizeof(text)))
		return -EINVAL;
	snprintf(out, outlen, v6 ? "[%s]:%u" : "%s:%u", text, (unsigned)port);
	*p = s;
	return 0;
}

void parse_inet_state(const char *proto, unsigned st, char *out, size_t size)
{
	if (strncmp(proto, "tcp", 3) == 0 && st < sizeof(tcp_states) / sizeof(*tcp_states) &&
	    tcp_states[st])
		snprintf(out, size, "%s", tcp_states[st]);
	else if (strncmp(proto, "udp", 3) == 0)
		snprintf(out, size, "%s", st == 1 ? "ESTABLISHED" : st == 7 ? "UNCONN" : "UNKNOWN");
	else
		snprintf(out, size, "%02X", st);
}

int parse_net_inet(const char *line, size_t n, const char *proto,
		   struct parse_sock *out)
{
	const char *p = line, *end = line + n;
	int v6 = strchr(proto, '6') != NULL;
	uint64_t sl, st, skip;
	int i;

	memset(out, 0, sizeof(*out));
	snprintf(out->proto, sizeof(out->proto), "%s", proto);
	if (take_u64(&p, end, 10, &sl)) {
		while (p < end && *p == ' ')
			p++;
		return (size_t)(end - p) >= 2 && memcmp(p, "sl", 2) == 0 ? -ENOENT
									: -EINVAL;
	}
	if (p >= end || *p++ != ':')
		return -EINVAL;
	if (take_addr(&p, end, v6, out->local, sizeof(out->local)) ||
	    take_addr(&p, end, v6, out->remote, sizeof(out->remote)) ||
	    take_u64(&p, end, 16, &st))
		return -EINVAL;
	parse_inet_state(proto, st > 255 ? 255 : (unsigned)st, out->state, sizeof(out->state));
	/* tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode */
	for (i = 0; i < 2; i++) {
		if (take_u64(&p, end, 16, &skip) || p >= end || *p++ != ':' ||
		    take_u64(&p, end, 16, &skip))
			return -EINVAL;
	}
	if (take_u64(&p, end, 16, &skip) || take_u64(&p, end, 10, &skip) ||
	    take_u64(&p, end, 10, &skip) || take_u64(&p, end, 10, &out->ino))
		return -EINVAL;
	return 0;
}

int parse_net_unix(const char *line, size_t n, struct parse_sock *out)
{
	const char *p = line, *end = line + n;
	uint64_t num, ref, proto, flags, type, st;
	struct buf path = BUF_INIT;

	memset(out, 0, sizeof(*out));
	snprintf(out->proto, sizeof(out->proto), "unix");
	if (take_u64(&p, end, 16, &num)) {
		while (p < end && *p == ' ')
			p++;
		return (size_t)(end - p) >= 3 && memcmp(p, "Num", 3) == 0 ? -ENOENT
									 : -EINVAL;
	}
	if (p >= end || *p++ != ':')
		return -EINVAL;
	if (take_u64(&p, end, 16, &ref) || take_u64(&p, end, 16, &proto) ||
	    take_u64(&p, end, 16, &flags) || take_u64(&p, end, 16, &type) ||
	    take_u64(&p, end, 16, &st) || take_u64(&p, end, 10, &out->ino))
		return -EINVAL;
	snprintf(out->type, sizeof(out->type), "%s",
		 type == 1 ? "stream" : type == 2 ? "dgram" : type == 5 ? "seqpacket" : "other");
	/* __SO_ACCEPTCON (1 << 16) in Flags marks a listening socket. */
	if (flags & 0x10000)
		snprintf(out->state, sizeof(out->state), "LISTEN");
	else
		snprintf(out->state, sizeof(out->state), "%s",
			 st == 1 ? "UNCONNECTED" : st == 2 ? "CONNECTING" :
			 st == 3 ? "CONNECTED" : st == 4 ? "DISCONNECTING" : "UNKNOWN");
	if (p < end && *p == ' ')
		p++;
	if (p < end) {
		escape_text(&path, p, (size_t)(end - p));
		if (!buf_error(&path))
			snprintf(out->local, sizeof(out->local), "%s", path.data);
		buf_free(&path);
	}
	return 0;
}

int parse_btime(const char *s, size_t n, uint64_t *btime)
{
	const char *p = s, *end = s + n;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		if (le - p > 6 && memcmp(p, "btime ", 6) == 0) {
			p += 6;
			return take_u64(&p, le, 10, btime) ? -EINVAL : 0;
		}
		p = le + 1;
	}
	return -ENOENT;
}

int parse_size(const char *s, uint64_t *out)
{
	const char *p = s, *end = s + strlen(s);
	uint64_t v, mul = 1;

	if (take_u64(&p, end, 10, &v) || p == s || s[0] == ' ')
		return -EINVAL;
	if (p < end) {
		switch (*p) {
		case 'k': case 'K': mul = 1ULL << 10; break;
		case 'm': case 'M': mul = 1ULL << 20; break;
		case 'g': case 'G': mul = 1ULL << 30; break;
		case 't': case 'T': mul = 1ULL << 40; break;
		default: return -EINVAL;
		}
		p++;
		if (p < end && (*p == 'i' || *p == 'I'))
			p++;
		if (p < end && (*p == 'b' || *p == 'B'))
			p++;
		if (p != end)
			return -EINVAL;
	}
	if (v > UINT64_MAX / mul)
		return -EINVAL;
	*out = v * mul;
	return 0;
}

void parse_nul_list(const char *s, size_t n,
		    void (*fn)(const char *elem, size_t len, void *arg), void *arg)
{
	const char *p = s, *end = s + n;

	while (p < end) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		const char *e = z ? z : end;

		fn(p, (size_t)(e - p), arg);
		p = e + 1;
	}
}

int parse_ns_link(const char *s, size_t n, uint64_t *ino)
{
	const char *open = memchr(s, '[', n);
	const char *p;

	*ino = 0;
	if (!open || n < 3 || s[n - 1] != ']')
		return -EINVAL;
	p = open + 1;
	if (take_u64(&p, s + n - 1, 10, ino) || p != s + n - 1)
		return -EINVAL;
	return 0;
}

int parse_maps_line(const char *s, size_t n, struct parse_map *out)
{
	const char *p = s, *end = s + n;
	uint64_t major, minor;

	memset(out, 0, sizeof(*out));
	if (take_u64(&p, end, 16, &out->start) || p >= end || *p++ != '-' ||
	    take_u64(&p, end, 16, &out->end) || out->end < out->start)
		return -EINVAL;
	if (end - p < 6 || p[0] != ' ')
		return -EINVAL;
	memcpy(out->perms, p + 1, 4);
	out->perms[4] = '\0';
	p += 5;
	/* offset, dev (MAJ:MIN, hex), inode */
	if (take_u64(&p, end, 16, &out->offset) ||
	    take_u64(&p, end, 16, &major) || p >= end || *p++ != ':' ||
	    take_u64(&p, end, 16, &minor) || take_u64(&p, end, 10, &out->inode) ||
	    major > UINT32_MAX || minor > UINT32_MAX)
		return -EINVAL;
	out->dev_major = (unsigned)major;
	out->dev_minor = (unsigned)minor;
	while (p < end && *p == ' ')
		p++;
	out->path = p;
	out->path_len = (size_t)(end - p);
	return 0;
}

/* The VmFlags codes of a smaps field line (after "VmFlags:"). */
static void smaps_flags(const char *v, const char *end, struct parse_smaps *out)
{
	out->has_flags = true;
	while (v + 1 < end) {
		if (v[0] == ' ') {
			v++;
			continue;
		}
		if (v + 2 == end || v[2] == ' ') {
			if (v[0] == 'i' && v[1] == 'o')
				out->io = true;
			else if (v[0] == 'p' && v[1] == 'f')
				out->pfnmap = true;
		}
		while (v < end && *v != ' ')
			v++;
	}
}

int parse_smaps_next(const char *s, size_t n, size_t *pos, struct parse_smaps *out)
{
	static const char key[] = "VmFlags:";
	bool in = false;

	memset(out, 0, sizeof(*out));
	while (*pos < n) {
		const char *line = s + *pos;
		const char *nl = memchr(line, '\n', n - *pos);
		size_t len = nl ? (size_t)(nl - line) : n - *pos;
		struct parse_map pm;

		/* A header is a maps line; a field line starts with a letter
		 * and a word ending in ':', which no hex range has. */
		if (len && line[0] >= '0' && line[0] <= 'f' &&
		    !memchr(line, ':', len < 20 ? len : 20) &&
		    parse_maps_line(line, len, &pm) == 0) {
			if (in)
				return 1; /* the next header: this one ends here */
			in = true;
			out->start = pm.start;
			out->end = pm.end;
		} else if (in && len >= sizeof(key) - 1 && memcmp(line, key, sizeof(key) - 1) == 0) {
			smaps_flags(line + sizeof(key) - 1, line + len, out);
		}
		*pos += len + (nl ? 1 : 0);
	}
	return in ? 1 : 0;
}

int parse_nspid(const char *status, size_t n, int64_t *out, size_t max)
{
	const char *v, *end;
	size_t vl, k = 0;

	if (parse_status_field(status, n, "NSpid", &v, &vl))
		return -ENOENT;
	end = v + vl;
	while (v < end && k < max) {
		uint64_t x;

		while (v < end && (*v == '\t' || *v == ' '))
			v++;
		if (v == end)
			break;
		if (take_u64(&v, end, 10, &x) || x > INT32_MAX)
			return -EINVAL;
		out[k++] = (int64_t)x;
	}
	return (int)k;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* A name an lxc container may have, as its cgroup shows it. */
static bool lxc_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n >= 64)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_' || s[i] == '.'))
			return false;
	return true;
}

/*
 * Container runtimes name a container's cgroup after its 64-hex-digit id:
 * docker-ID.scope (systemd driver) or /docker/ID, cri-containerd-ID.scope,
 * crio-ID.scope, libpod-ID.scope (podman), .../kubepods.../ID; lxc uses
 * lxc.payload.NAME or /lxc/NAME.  The innermost match wins.
 */
static void container_of(const char *path, struct parse_container *out)
{
	const char *p = path, *prev = NULL;
	size_t prevn = 0;

	while (*p) {
		const char *c, *e;
		size_t cn, i;

		while (*p == '/')
			p++;
		c = p;
		while (*p && *p != '/')
			p++;
		cn = (size_t)(p - c);
		if (!cn)
			break;
		e = c + cn;
		if (cn > 12 && memcmp(c, "lxc.payload.", 12) == 0 && lxc_name(c + 12, cn - 12)) {
			snprintf(out->runtime, sizeof(out->runtime), "lxc");
			snprintf(out->id, sizeof(out->id), "%.*s", (int)(cn - 12), c + 12);
		} else if (prev && prevn == 3 && memcmp(prev, "lxc", 3) == 0 && lxc_name(c, cn)) {
			snprintf(out->runtime, sizeof(out->runtime), "lxc");
			snprintf(out->id, sizeof(out->id), "%.*s", (int)cn, c);
		}
		for (i = 0; i + 64 <= cn; i++) {
			const char *h = c + i;
			size_t k = 0, pre;
			const char *rt = NULL;

			if (i && is_hex(h[-1]))
				continue;
			while (h + k < e && is_hex(h[k]))
				k++;
			if (k != 64) {
				i += k;
				continue;
			}
			pre = i;
			while (pre && (c[pre - 1] == '-' || c[pre - 1] == '_'))
				pre--;
			if (pre == 6 && memcmp(c, "docker", 6) == 0)
				rt = "docker";
			else if (pre == 14 && memcmp(c, "cri-containerd", 14) == 0)
				rt = "containerd";
			else if (pre == 4 && memcmp(c, "crio", 4) == 0)
				rt = "crio";
			else if (pre == 6 && memcmp(c, "libpod", 6) == 0)
				rt = "podman";
			else if (pre == 0 && prev && prevn == 6 && memcmp(prev, "docker", 6) == 0)
				rt = "docker";
			else if (strstr(path, "kubepods"))
				rt = "kubepods";
			else
				rt = "unknown";
			snprintf(out->runtime, sizeof(out->runtime), "%s", rt);
			snprintf(out->id, sizeof(out->id), "%.64s", h);
			break;
		}
		prev = c;
		prevn = cn;
	}
}

int parse_container(const char *s, size_t n, struct parse_container *out)
{
	const char *p = s, *end = s + n, *best = NULL;
	size_t bestn = 0;

	memset(out, 0, sizeof(*out));
	/* "hierarchy-ID:controllers:path" (cgroups(7)); v2 is "0::path". */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *c1 = memchr(p, ':', (size_t)(le - p));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(le - c1 - 1)) : NULL;

		if (c2) {
			bool v2 = c1 - p == 1 && p[0] == '0' && c2 == c1 + 1;

			if (!best || v2) {
				best = c2 + 1;
				bestn = (size_t)(le - best);
			}
			if (v2)
				break;
		}
		p = le + 1;
	}
	if (!best)
		return -ENOENT;
	if (bestn >= sizeof(out->path)) {
		out->truncated = true;
		bestn = sizeof(out->path) - 1;
	}
	memcpy(out->path, best, bestn);
	out->path[bestn] = '\0';
	/* A NUL in the path would hide the rest from the matcher: it is
	 * text from the kernel, which never prints one. */
	container_of(out->path, out);
	return 0;
}
