/* extract_sysroot: the recovered files a core names, laid out by their paths under its sysroot, for gdb. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "escape.h"
#include "extract_sysroot.h"
#include "snapshot.h"

int sysroot_want(struct sysroot *s, const json_t *content, const char *path, size_t len)
{
	const char *member = snapshot_str(content, "member");
	const char *sha = snapshot_str(content, "sha256");
	struct sysroot_file *f;

	if (!member || !sha || strlen(member) >= sizeof(f->member) ||
	    strlen(sha) != DIGEST_HEX_LEN || !len)
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct sysroot_file *v = realloc(s->f, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->f = v;
		s->cap = cap;
	}
	f = &s->f[s->n];
	memset(f, 0, sizeof(*f));
	f->path = malloc(len + 1);
	if (!f->path)
		return -ENOMEM;
	memcpy(f->path, path, len);
	f->path[len] = '\0';
	f->len = len;
	snprintf(f->member, sizeof(f->member), "%s", member);
	snprintf(f->sha, sizeof(f->sha), "%s", sha);
	s->n++;
	return 0;
}

void sysroot_free(struct sysroot *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->f[i].path);
	free(s->f);
	memset(s, 0, sizeof(*s));
}

/*
 * The directory that is to hold path's last component, made and opened
 * under root component by component (never through a link); *name gets
 * that component.  -EINVAL for a path that is not plain (see the header),
 * else 0 or -errno.
 */
static int parent_of(int root, const struct sysroot_file *f, int *dirfd, char name[NAME_MAX + 1])
{
	const char *p = f->path, *end = f->path + f->len;
	int d = -1, k = 0;

	if (f->len > PATH_MAX || memchr(f->path, '\0', f->len) || *p != '/')
		return -EINVAL;
	while (p < end) {
		const char *c = p, *slash;
		size_t n;

		while (c < end && *c == '/')
			c++;
		slash = memchr(c, '/', (size_t)(end - c));
		n = slash ? (size_t)(slash - c) : (size_t)(end - c);
		if (!n || n > NAME_MAX || (n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.')) {
			k = -EINVAL;
			break;
		}
		memcpy(name, c, n);
		name[n] = '\0';
		p = c + n;
		if (p >= end || strspn(p, "/") == (size_t)(end - p)) {
			if (p < end) /* "dir/": no file name */
				k = -EINVAL;
			break;
		}
		if (mkdirat(d < 0 ? root : d, name, 0700) < 0 && errno != EEXIST) {
			k = -errno;
			break;
		}
		k = openat(d < 0 ? root : d, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (d >= 0)
			close(d);
		d = -1;
		if (k < 0) {
			k = -errno;
			break;
		}
		d = k;
		k = 0;
	}
	if (k) {
		if (d >= 0)
			close(d);
		return k;
	}
	*dirfd = d < 0 ? fcntl(root, F_DUPFD_CLOEXEC, 0) : d;
	return *dirfd < 0 ? -errno : 0;
}

/* Writes the current content member to dirfd/name: holes kept, hashed. */
static int write_file(struct snapreader *r, int dirfd, const char *name,
		      const volatile sig_atomic_t *stop, char hex[DIGEST_HEX_LEN + 1])
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC |
				     O_NOCTTY, 0600);
	bool write_err;
	int k;

	if (fd < 0)
		return -errno;
	k = snapreader_write_fd(r, fd, stop, &write_err);
	if (close(fd) < 0 && !k)
		k = -errno;
	if (!k)
		k = snapreader_member_sha256(r, hex);
	if (k)
		unlinkat(dirfd, name, 0);
	return k;
}

static void say(void (*note)(void *arg, const char *msg), void *arg,
		const struct sysroot_file *f, const char *why)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, "sysroot: ");
	escape_text(&b, f->path, f->len);
	buf_printf(&b, ": %s; not laid out", why);
	if (note && b.data)
		note(arg, b.data);
	buf_free(&b);
}

/* One content member to every path that wants it: the first written, the
 * others linked to it. */
static int place(struct sysroot *s, struct snapreader *r, const struct snap_member *m,
		 int root, const volatile sig_atomic_t *stop,
		 void (*note)(void *arg, const char *msg), void *arg)
{
	char name[NAME_MAX + 1], hex[DIGEST_HEX_LEN + 1], first[NAME_MAX + 1];
	int firstdir = -1, d = -1, k = 0;
	size_t i;

	for (i = 0; i < s->n && !k; i++) {
		const struct sysroot_file *f = &s->f[i];

		if (strcmp(f->member, m->name) != 0)
			continue;
		d = -1;
		k = parent_of(root, f, &d, name);
		if (k == -EINVAL || k == -EEXIST || k == -ENOTDIR || k == -ELOOP) {
			say(note, arg, f, k == -EINVAL ? "not a plain absolute path"
						       : "a file is in the way");
			k = 0;
			continue;
		}
		if (k)
			break;
		if (firstdir < 0) {
			k = write_file(r, d, name, stop, hex);
			if (!k && strcmp(hex, f->sha) != 0) {
				unlinkat(d, name, 0);
				say(note, arg, f, "its bytes do not match its record");
				close(d);
				return 0;
			}
			if (k == -EEXIST) {
				say(note, arg, f, "named twice");
				k = 0;
				close(d);
				continue;
			}
			if (!k) {
				firstdir = d;
				snprintf(first, sizeof(first), "%s", name);
				s->placed++;
				continue;
			}
		} else if (strcmp(hex, f->sha) != 0) {
			say(note, arg, f, "its bytes do not match its record");
		} else if (linkat(firstdir, first, d, name, 0) == 0) {
			s->placed++;
		} else if (errno != EEXIST) {
			k = -errno;
		}
		if (d >= 0)
			close(d);
		d = -1;
	}
	if (firstdir >= 0)
		close(firstdir);
	return k;
}

int sysroot_fill(struct sysroot *s, const char *archive, int rootfd,
		 const volatile sig_atomic_t *stop, void (*note)(void *arg, const char *msg),
		 void *arg, char *msg, size_t n)
{
	struct snapshot_opts so = { .content = true };
	struct snapshot *sn = NULL;
	struct snapshot_item it;
	int k;

	if (!s->n)
		return 0;
	so.reader.hash = true;
	k = snapshot_open(&sn, archive, &so);
	while (!k && (k = snapshot_next(sn, &it)) > 0)
		k = it.kind == SNAPSHOT_CONTENT
			    ? place(s, snapshot_reader(sn), it.member, rootfd, stop, note, arg)
			    : 0;
	if (k < 0)
		snprintf(msg, n, "laying out the sysroot: %s",
			 sn && snapshot_error(sn)[0] ? snapshot_error(sn) : strerror(-k));
	snapshot_free(sn);
	return k;
}
