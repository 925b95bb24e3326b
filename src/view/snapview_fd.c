/* snapview_fd: an fd record shown — its fds line, its fds --json object, sockets and notes. */
#include <inttypes.h>
#include <string.h>

#include "escape.h"
#include "snapshot.h"
#include "snapview_int.h"

const char *snapview_fd_type(const json_t *fd)
{
	const char *t = snapshot_str(fd, "type");

	return t ? t : "unknown";
}

const char *snapview_fd_kind(const json_t *fd)
{
	return snapshot_str(fd, "kind");
}

bool snapview_fd_changing(const json_t *fd)
{
	bool ch = false;

	return snapshot_bool(json_object_get(fd, "content"), "changed", &ch) && ch;
}

bool snapview_fd_deleted(const json_t *fd)
{
	bool d = false;

	return snapshot_bool(fd, "deleted", &d) && d;
}

/* The seals of a memfd, "seal,shrink,grow"; nothing when none recorded. */
static void put_seals(struct buf *out, const json_t *fd)
{
	const json_t *a = json_object_get(fd, "seals");
	size_t i;

	if (!json_is_array(a))
		return;
	buf_puts(out, "; seals ");
	if (!json_array_size(a))
		buf_puts(out, "none");
	for (i = 0; i < json_array_size(a); i++) {
		const char *t = json_string_value(json_array_get(a, i));

		if (i)
			buf_putc(out, ',');
		if (t)
			escape_text(out, t, strlen(t));
	}
}

int snapview_fd_notes(struct buf *out, const json_t *fd)
{
	const char *kind = snapview_fd_kind(fd);
	int64_t tid;

	if (snapshot_int(fd, "tid", &tid))
		buf_printf(out, " (thread %" PRId64 "'s own fd table)", tid);
	if (kind && strcmp(kind, snapview_fd_type(fd)) != 0) {
		buf_puts(out, " [");
		escape_text(out, kind, strlen(kind));
		put_seals(out, fd);
		buf_putc(out, ']');
	} else if (json_object_get(fd, "seals")) {
		buf_puts(out, " [memfd");
		put_seals(out, fd);
		buf_putc(out, ']');
	}
	if (snapview_fd_changing(fd))
		buf_puts(out, " [changing: size or mtime moved while it was read]");
	/* A socket no table resolved: what the kernel calls its protocol. */
	if (!json_is_object(json_object_get(fd, "socket")) && json_object_get(fd, "sockproto")) {
		buf_puts(out, " [");
		snapview_text(out, fd, "sockproto", "?");
		buf_putc(out, ']');
	}
	return buf_error(out);
}

/* The size worth showing: of a file's content, else of a regular file. */
static bool fd_size(const json_t *fd, int64_t *v)
{
	const char *t = snapview_fd_type(fd);

	if (snapshot_int(json_object_get(fd, "content"), "size", v))
		return true;
	return (strcmp(t, "file") == 0 || strcmp(t, "memfd") == 0) &&
	       snapshot_int(json_object_get(fd, "stat"), "size", v);
}

/* "tcp 127.0.0.1:80->10.0.0.2:5000 (ESTABLISHED)", as lsof shows sockets;
 * a listener has no peer (its "remote" is 0.0.0.0:0), so none is shown. */
int snapview_socket(struct buf *out, const json_t *sk)
{
	const char *st = snapshot_str(sk, "state");

	snapview_text(out, sk, "proto", "?");
	if (json_object_get(sk, "socktype")) {
		buf_putc(out, ' ');
		snapview_text(out, sk, "socktype", "");
	}
	buf_putc(out, ' ');
	snapview_text(out, sk, "local", "?");
	if (json_object_get(sk, "remote") && !(st && strcmp(st, "LISTEN") == 0)) {
		buf_puts(out, "->");
		snapview_text(out, sk, "remote", "?");
	}
	if (json_object_get(sk, "state")) {
		buf_puts(out, " (");
		snapview_text(out, sk, "state", "?");
		buf_putc(out, ')');
	}
	if (json_object_get(sk, "peer")) {
		buf_puts(out, " peer ");
		snapview_num(out, 0, sk, "peer");
	}
	if (json_array_size(json_object_get(sk, "hidden")) > 0) {
		const json_t *h = json_object_get(sk, "hidden");
		size_t i;

		buf_puts(out, " HIDDEN from");
		for (i = 0; i < json_array_size(h); i++) {
			const char *v = json_string_value(json_array_get(h, i));

			buf_putc(out, ' ');
			escape_text(out, v ? v : "?", v ? strlen(v) : 1);
		}
	}
	return buf_error(out);
}

/* No target recorded: say why, from the record's errors. */
static void link_error(struct buf *out, const json_t *fd)
{
	const json_t *errs = json_object_get(fd, "errors");
	size_t i;

	for (i = 0; i < json_array_size(errs); i++) {
		const json_t *e = json_array_get(errs, i);
		const char *what = snapshot_str(e, "what");

		if (what && strcmp(what, "link") == 0) {
			buf_puts(out, "(link not read: ");
			snapview_text(out, e, "reason", "?");
			buf_putc(out, ')');
			return;
		}
	}
	buf_puts(out, "(no target recorded)");
}

const char *snapview_fd_header(void)
{
	return "    PID    FD TYPE             SIZE DEL CONTENT    TARGET\n";
}

int snapview_fd_text(struct buf *out, const json_t *fd)
{
	const json_t *content = json_object_get(fd, "content");
	const json_t *sk = json_object_get(fd, "socket");
	size_t start;
	int64_t v;

	snapview_num(out, 7, fd, "pid");
	buf_putc(out, ' ');
	snapview_num(out, 5, fd, "fd");
	buf_putc(out, ' ');
	start = out->len;
	escape_text(out, snapview_fd_type(fd), strlen(snapview_fd_type(fd)));
	while (out->len < start + 8)
		buf_putc(out, ' ');
	if (fd_size(fd, &v))
		buf_printf(out, " %12" PRId64, v);
	else
		buf_printf(out, " %12s", "-");
	buf_puts(out, snapview_fd_deleted(fd) ? " del " : " -   ");
	start = out->len;
	if (json_is_object(content))
		snapview_text(out, content, "status", "?");
	else
		buf_putc(out, '-');
	while (out->len < start + 10)
		buf_putc(out, ' ');
	buf_putc(out, ' ');
	if (json_is_object(sk))
		snapview_socket(out, sk);
	else if (json_object_get(fd, "target"))
		snapview_text(out, fd, "target", "?");
	else
		link_error(out, fd);
	snapview_fd_notes(out, fd);
	if (json_is_object(content) && json_object_get(content, "reason")) {
		buf_puts(out, " [");
		snapview_text(out, content, "reason", "");
		if (json_object_get(content, "errno")) {
			buf_puts(out, ": ");
			snapview_text(out, content, "errno", "");
		}
		buf_putc(out, ']');
	}
	buf_putc(out, '\n');
	return buf_error(out);
}

int snapview_fd_json(struct buf *out, const json_t *fd)
{
	const json_t *content = json_object_get(fd, "content");
	const json_t *sk = json_object_get(fd, "socket");
	struct jsonw w;
	int64_t v;

	jsonw_init(&w, out);
	jsonw_open(&w, NULL);
	snapview_put_int(&w, fd, "pid", "pid");
	snapview_put_int(&w, fd, "fd", "fd");
	snapview_put_bytes(&w, fd, "type", "type");
	snapview_put_bytes(&w, fd, "target", "target");
	jsonw_bool(&w, "deleted", snapview_fd_deleted(fd));
	if (fd_size(fd, &v))
		jsonw_int(&w, "size", v);
	else
		jsonw_null(&w, "size");
	if (json_is_object(content)) {
		snapview_put_bytes(&w, content, "sha256", "sha256");
		snapview_put_bytes(&w, content, "status", "content");
		if (json_object_get(content, "reason"))
			snapview_put_bytes(&w, content, "reason", "content_reason");
		if (json_object_get(content, "member"))
			snapview_put_bytes(&w, content, "member", "member");
		if (json_object_get(content, "stored"))
			snapview_put_int(&w, content, "stored", "stored");
	} else {
		jsonw_null(&w, "sha256");
		jsonw_null(&w, "content");
	}
	if (json_is_object(sk)) {
		jsonw_open(&w, "socket");
		snapview_put_bytes(&w, sk, "proto", "proto");
		snapview_put_bytes(&w, sk, "local", "local");
		if (json_object_get(sk, "remote"))
			snapview_put_bytes(&w, sk, "remote", "remote");
		if (json_object_get(sk, "state"))
			snapview_put_bytes(&w, sk, "state", "state");
		if (json_object_get(sk, "socktype"))
			snapview_put_bytes(&w, sk, "socktype", "socktype");
		if (json_object_get(sk, "peer"))
			snapview_put_int(&w, sk, "peer", "peer");
		if (json_is_array(json_object_get(sk, "hidden"))) {
			const json_t *h = json_object_get(sk, "hidden");
			size_t i;

			jsonw_aopen(&w, "hidden");
			for (i = 0; i < json_array_size(h); i++)
				if (json_is_string(json_array_get(h, i)))
					jsonw_str(&w, NULL, json_string_value(json_array_get(h, i)));
			jsonw_aclose(&w);
		}
		jsonw_close(&w);
	}
	if (json_object_get(fd, "sockproto"))
		snapview_put_bytes(&w, fd, "sockproto", "sockproto");
	if (json_object_get(fd, "anon"))
		snapview_put_bytes(&w, fd, "anon", "anon");
	if (json_object_get(fd, "kind"))
		snapview_put_bytes(&w, fd, "kind", "kind");
	if (json_object_get(fd, "tid"))
		snapview_put_int(&w, fd, "tid", "tid");
	if (json_is_array(json_object_get(fd, "seals"))) {
		const json_t *a = json_object_get(fd, "seals");
		size_t i;

		jsonw_aopen(&w, "seals");
		for (i = 0; i < json_array_size(a); i++)
			if (json_is_string(json_array_get(a, i)))
				jsonw_str(&w, NULL, json_string_value(json_array_get(a, i)));
		jsonw_aclose(&w);
	}
	jsonw_bool(&w, "changing", snapview_fd_changing(fd));
	if (json_object_get(fd, "inode"))
		snapview_put_int(&w, fd, "inode", "inode");
	if (json_object_get(fd, "pos"))
		snapview_put_int(&w, fd, "pos", "pos");
	if (json_object_get(fd, "flags"))
		snapview_put_int(&w, fd, "flags", "flags");
	jsonw_close(&w);
	buf_putc(out, '\n');
	return buf_error(out);
}
