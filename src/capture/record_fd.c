/* record_fd: one fd's line in fds.jsonl — type, kind, fdinfo, stat, socket, content. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture_int.h"
#include "escape.h"
#include "parse.h"

/* fs magics not in every linux/magic.h: pidfs (Linux 6.9) and the anon
 * inode file system. */
#ifndef PIDFS_MAGIC
#define PIDFS_MAGIC 0x50494446
#endif
#ifndef ANON_INODE_FS_MAGIC
#define ANON_INODE_FS_MAGIC 0x09041934
#endif
/* __O_TMPFILE: open(2) keeps it in f_flags, which fdinfo shows. */
#define O_TMPFILE_BIT 020000000

/*
 * The kind of an open file, from its stat (and fstatfs for memfd), never
 * from the link text alone: a path may contain " (deleted)" or "socket:".
 * Link text is used only for the kernel's own pseudo-names, which never
 * begin with '/'.
 */
static const char *fd_type(const struct fd_item *it, enum parse_link_kind lk)
{
	if (lk == PARSE_LINK_ANON)
		return "anon";
	if (!it->have_stat)
		return lk == PARSE_LINK_SOCKET ? "socket" : lk == PARSE_LINK_PIPE ? "pipe"
										 : "unknown";
	switch (it->st.st_mode & S_IFMT) {
	case S_IFREG: return it->memfd_fs ? "memfd" : "file";
	case S_IFDIR: return "dir";
	case S_IFSOCK: return "socket";
	case S_IFIFO: return lk == PARSE_LINK_PIPE ? "pipe" : "fifo";
	case S_IFCHR: return "chr";
	case S_IFBLK: return "blk";
	case S_IFLNK: return "link";
	case 0: return lk == PARSE_LINK_OTHER ? "other" : "anon";
	}
	return "unknown";
}

static void put_seals(struct jsonw *j, int seals)
{
	static const struct { int bit; const char *name; } names[] = {
		{ 0x0001, "seal" }, { 0x0002, "shrink" }, { 0x0004, "grow" },
		{ 0x0008, "write" }, { 0x0010, "future_write" }, { 0x0020, "exec" },
	};
	size_t i;

	jsonw_aopen(j, "seals");
	for (i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (seals & names[i].bit)
			jsonw_str(j, NULL, names[i].name);
	jsonw_aclose(j);
}

/*
 * kind: finer than type, decided by the file system (fstatfs) and stat,
 * and fdinfo's flags; the kernel's own names only say which of a file
 * system's users made the file.  NULL when none applies; may point into
 * akind (32 bytes).
 */
static const char *fd_kind(const struct fd_item *it, const char *target, const char *anon,
			   size_t anon_len, const struct parse_fdinfo *fi, char *akind)
{
	const char *kind = NULL;

	if (it->have_stat && S_ISREG(it->st.st_mode) && (it->memfd_fs || it->shmem_fs))
		kind = record_shmem_kind(target, it->link.len, it->memfd_fs);
	else if (it->fs_magic == PIDFS_MAGIC)
		kind = "pidfd";
	else if (it->fs_magic == ANON_INODE_FS_MAGIC && anon && anon_len < 32) {
		memcpy(akind, anon, anon_len);
		akind[anon_len] = '\0';
		if (escape_is_clean_utf8(akind, anon_len))
			kind = akind;
	}
	if (!kind && fi && fi->has_flags && (fi->flags & O_TMPFILE_BIT) &&
	    it->have_stat && S_ISREG(it->st.st_mode))
		kind = "tmpfile";
	return kind;
}

/* A socket fd: its inode resolved in the process's network namespace,
 * by /proc/net or sock_diag (the views that hid it, when one did). */
static void record_socket(struct capture *c, struct jsonw *j, uint64_t ino)
{
	const struct parse_sock *sk = sockets_find(c->cur_socks, ino);

	c->st.sockets++;
	if (!sk)
		return;
	c->st.sockets_resolved++;
	jsonw_open(j, "socket");
	jsonw_str(j, "proto", sk->proto);
	jsonw_str(j, "local", sk->local);
	if (sk->remote[0])
		jsonw_str(j, "remote", sk->remote);
	jsonw_str(j, "state", sk->state);
	if (sk->type[0])
		jsonw_str(j, "socktype", sk->type);
	if (sk->peer)
		jsonw_uint(j, "peer", sk->peer);
	if (sk->hidden) {
		jsonw_aopen(j, "hidden");
		if (sk->hidden & SOCK_VIEW_PROC)
			jsonw_str(j, NULL, "proc-net");
		if (sk->hidden & SOCK_VIEW_DIAG)
			jsonw_str(j, NULL, "sock-diag");
		jsonw_aclose(j);
	}
	jsonw_close(j);
}

/* What fdinfo says: offset, flags, mount; anon inodes' text whole. */
static void record_fdinfo(struct jsonw *j, const struct parse_fdinfo *fi,
			  enum parse_link_kind lk, const char *text, size_t len)
{
	if (fi->has_pos)
		jsonw_uint(j, "pos", fi->pos);
	if (fi->has_flags)
		jsonw_uint(j, "flags", fi->flags);
	if (fi->has_mnt_id)
		jsonw_int(j, "mnt_id", fi->mnt_id);
	/* Kernel text for eventfd/epoll/inotify/... is kept whole. */
	if (lk == PARSE_LINK_ANON)
		jsonw_bytes(j, "fdinfo", text, len);
}

/*
 * Deleted: the open file has no name left, st_nlink == 0.  Only a file
 * that lives in a directory can lose its name: a regular file (and a
 * memfd, which never had one), a directory, a FIFO, a socket file (held
 * by an O_PATH fd), a device node, a symlink.  Pipes, sockets and anon
 * inodes never had a name; their inodes count one link.
 */
static bool fd_deleted(const struct fd_item *it)
{
	return it->have_stat && it->st.st_nlink == 0 && (it->st.st_mode & S_IFMT) != 0;
}

/* An inotify or fanotify fd: its marks, kept for the files met later and
 * written in its record.  0 or -ENOMEM. */
static int record_marks(struct capture *c, struct batch *b, struct fd_item *it,
			struct jsonw *j, const char *anon, size_t anon_len)
{
	const char *text = batch_text(b, &it->info);

	/* The anon inode's name is the kernel's: a path begins with '/'. */
	if (!it->info.ok || !((anon_len == 7 && memcmp(anon, "inotify", 7) == 0) ||
			      (anon_len == 8 && memcmp(anon, "fanotify", 8) == 0)))
		return 0;
	touch_record_marks(j, text, it->info.len);
	if (it->info_truncated)
		jsonw_bool(j, "marks_truncated", true);
	return touch_add_marks(c, b->pid, it->fd, text, it->info.len, it->info_truncated);
}

/* A deleted regular file's bytes (once per file), and a memfd's seals,
 * both through touch.c's guard; *sp the stored record, or NULL (only when
 * the archive failed, *rc set). */
static void record_recover(struct capture *c, struct batch *b, struct fd_item *it,
			   const struct parse_fdinfo *fi, struct jsonw *j, struct jsonw *errs,
			   struct stored **sp, int *rc)
{
	struct recover_src src = { it->pinfd, &it->st, b->pid, it->fd,
				   batch_text(b, &it->link), it->link.len,
				   fi && fi->has_mnt_id ? fi->mnt_id : -1 };
	int seals = 0, sr;

	*sp = recover_file(c, &src, rc);
	if (!*sp || !it->memfd_fs || it->pinfd < 0)
		return;
	sr = recover_seals(c, *sp, &src, &seals);
	if (sr == 0)
		put_seals(j, seals);
	else
		record_error(c, errs, "seals", sr);
}

/* One fd's JSON line. */
int record_fd(struct capture *c, struct batch *b, struct fd_item *it)
{
	const char *target = batch_text(b, &it->link), *anon = NULL, *kind;
	size_t anon_len = 0;
	char akind[32];
	bool have_fi;
	struct parse_fdinfo fi;
	struct jsonw j, errs;
	struct stored *s = NULL;
	uint64_t ino = 0;
	enum parse_link_kind lk = PARSE_LINK_OTHER;
	bool deleted, recover;
	int i, rc = 0;

	buf_reset(&c->fderr);
	jsonw_init(&j, &c->fds);
	jsonw_init(&errs, &c->fderr);
	jsonw_aopen(&errs, NULL);
	for (i = 0; i < it->nerrs; i++)
		record_error(c, &errs, it->errs[i].what, it->errs[i].err);
	jsonw_open(&j, NULL);
	jsonw_int(&j, "pid", b->pid);
	jsonw_int(&j, "fd", it->fd);
	if (it->tid) {
		jsonw_int(&j, "tid", it->tid);
		c->thread_fds++;
	}
	if (it->link.ok) {
		jsonw_bytes(&j, "target", target, it->link.len);
		lk = parse_link(target, it->link.len, &ino, &anon, &anon_len);
	}
	jsonw_str(&j, "type", fd_type(it, lk));
	if (anon)
		jsonw_bytes(&j, "anon", anon, anon_len);
	deleted = fd_deleted(it);
	/* Only regular files are ever read; any other deleted file is never
	 * opened, nor pinned. */
	recover = deleted && S_ISREG(it->st.st_mode);
	jsonw_bool(&j, "deleted", deleted);
	have_fi = it->info.ok &&
		  parse_fdinfo(batch_text(b, &it->info), it->info.len, &fi) == 0;
	kind = fd_kind(it, target, anon, anon_len, have_fi ? &fi : NULL, akind);
	if (kind)
		jsonw_str(&j, "kind", kind);
	if (recover) {
		/* Read now, where the seals are written; recorded below. */
		record_recover(c, b, it, have_fi ? &fi : NULL, &j, &errs, &s, &rc);
		if (it->pinfd >= 0) {
			close(it->pinfd);
			it->pinfd = -1;
		}
		if (!s)
			return rc;
	}
	if (have_fi)
		record_fdinfo(&j, &fi, lk, batch_text(b, &it->info), it->info.len);
	if (lk == PARSE_LINK_ANON && record_marks(c, b, it, &j, anon, anon_len))
		return wfail(c, -ENOMEM, "pid %d: fd %d: out of memory", b->pid, it->fd);
	if (it->have_stat) {
		record_stat(c, &j, &it->st, &it->btime);
		touch_record_fd(c, &j, &it->st);
	}
	if (lk == PARSE_LINK_SOCKET || lk == PARSE_LINK_PIPE)
		jsonw_uint(&j, "inode", ino);
	if (it->sockproto[0])
		jsonw_bytes(&j, "sockproto", it->sockproto, strlen(it->sockproto));
	if (lk == PARSE_LINK_SOCKET)
		record_socket(c, &j, ino);
	if (recover) {
		record_content(c, &j, s);
		c->deleted_fds++;
	} else if (deleted) {
		c->deleted_special++;
	}
	jsonw_aclose(&errs);
	if (c->fderr.len > 2)
		buf_puts(&c->fds, ",\"errors\":"), buf_append(&c->fds, c->fderr.data, c->fderr.len);
	jsonw_close(&j);
	buf_putc(&c->fds, '\n');
	c->st.fds++;
	return 0;
}
