/* floor: the least a capture must do — read what procsnap reads, and nothing else. */
/*
 * The benchmark's "floor" (issue #5): for every pid in the proc root it
 * reads stat, status, cmdline, environ and maps; for every fd it does
 * readlinkat, an O_PATH open plus fstat, and reads fdinfo.  No parsing, no
 * archive, no hashing, no compression: whatever procsnap spends above this
 * is the cost of what it does with the bytes.
 *
 * Every file is read to EOF (read() returning 0), as any reader that cannot
 * trust a short read must: /proc/PID/maps is a multi-record seq_file that
 * returns at most one page per read(2).
 *
 *     floor [PROC_ROOT] [PID...]     (default /proc, every process)
 *
 * Prints "floor: P pids, F fds, B bytes" on stderr so a benchmark can check
 * it walked the same workload.  Exit 0, or 2 when the root cannot be read.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char buf[1 << 16];
static unsigned long long nbytes;

static void slurp(int dirfd, const char *name)
{
	ssize_t got;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0)
		return;
	while ((got = read(fd, buf, sizeof(buf))) > 0)
		nbytes += (unsigned long long)got;
	close(fd);
}

static int numeric(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static unsigned long long walk_fds(int piddir)
{
	static const char *const files[] = { "stat", "status", "cmdline", "environ", "maps" };
	unsigned long long n = 0;
	struct dirent *e;
	struct stat st;
	char link[4096];
	DIR *d;
	size_t i;
	int fddir, infodir, pin;

	for (i = 0; i < sizeof(files) / sizeof(*files); i++)
		slurp(piddir, files[i]);
	fddir = openat(piddir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fddir < 0)
		return 0;
	d = fdopendir(fddir);
	if (!d) {
		close(fddir);
		return 0;
	}
	infodir = openat(piddir, "fdinfo", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	while ((e = readdir(d)) != NULL) {
		if (!numeric(e->d_name))
			continue;
		n++;
		if (readlinkat(fddir, e->d_name, link, sizeof(link)) > 0)
			nbytes++;
		pin = openat(fddir, e->d_name, O_PATH | O_CLOEXEC);
		if (pin >= 0) {
			if (fstat(pin, &st) == 0)
				nbytes++;
			close(pin);
		}
		if (infodir >= 0)
			slurp(infodir, e->d_name);
	}
	if (infodir >= 0)
		close(infodir);
	closedir(d);
	return n;
}

static void walk_pid(int rootfd, const char *pid, unsigned long long *npids,
		     unsigned long long *nfds)
{
	int piddir = openat(rootfd, pid, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (piddir < 0)
		return;
	(*npids)++;
	*nfds += walk_fds(piddir);
	close(piddir);
}

int main(int argc, char **argv)
{
	const char *root = "/proc";
	unsigned long long npids = 0, nfds = 0;
	struct dirent *e;
	DIR *d;
	int i = 1;

	if (argc > 1 && !numeric(argv[1]))
		root = argv[i++];
	d = opendir(root);
	if (!d) {
		fprintf(stderr, "floor: %s: %s\n", root, strerror(errno));
		return 2;
	}
	if (i < argc) {
		/* only these processes, as procsnap -p and lsof -p do */
		for (; i < argc; i++)
			walk_pid(dirfd(d), argv[i], &npids, &nfds);
	} else {
		while ((e = readdir(d)) != NULL)
			if (numeric(e->d_name))
				walk_pid(dirfd(d), e->d_name, &npids, &nfds);
	}
	closedir(d);
	fprintf(stderr, "floor: %llu pids, %llu fds, %llu bytes\n", npids, nfds, nbytes);
	return 0;
}
