/* collect_exec: the files a process runs — its executable and every file it maps executable — stat'ed, and pinned by the first process to meet them. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "capture_int.h"
#include "parse.h"
#include "procfs.h"

/* Bounds per process: the files recorded (a process may map thousands of
 * files to make a capture slow), and the pins held for the formatter. */
#define MAX_EXECS 1024
#define MAX_EXEC_PINS 256

static struct exec_item *add_item(struct batch *b)
{
	struct exec_item *it;

	if (b->nexecs == b->execcap) {
		size_t cap = b->execcap ? b->execcap * 2 : 32;
		struct exec_item *v = realloc(b->execs, cap * sizeof(*v));

		if (!v)
			return NULL;
		b->execs = v;
		b->execcap = cap;
	}
	it = &b->execs[b->nexecs++];
	memset(it, 0, sizeof(*it));
	it->pinfd = -1;
	return it;
}

/* True when an earlier item of the process is the same file. */
static bool met(const struct batch *b, const struct stat *st)
{
	size_t k;

	for (k = 0; k + 1 < b->nexecs; k++)
		if (b->execs[k].have_stat && b->execs[k].st.st_dev == st->st_dev &&
		    b->execs[k].st.st_ino == st->st_ino)
			return true;
	return false;
}

/* "map_files/START-END" for a mapping (proc(5)): lowercase hex, no 0x. */
static void map_files_name(char out[64], const struct parse_map *pm)
{
	snprintf(out, 64, "map_files/%llx-%llx", (unsigned long long)pm->start,
		 (unsigned long long)pm->end);
}

/* Whether it's file is to be pinned by this process: it will be read (not
 * --no-hash, regular, within the bound) and no lower pid met it. */
static bool wants_pin(struct capture *c, const struct batch *b, const struct exec_item *it)
{
	return !c->o.no_hash && S_ISREG(it->st.st_mode) &&
	       (uint64_t)it->st.st_size <= c->o.hash_max_size &&
	       exec_cache_wanted(c->exec, &it->st, b->pid);
}

/*
 * Pins it's file (piddir/name, O_PATH: no one is told), which wants_pin
 * said this process must do: the formatter hashes what the pin holds.
 * The others are recorded from the stat alone.
 */
static int pin(struct capture *c, struct batch *b, struct exec_item *it, int piddir,
	       const char *name, size_t *pins)
{
	struct procfs_btime bt;
	struct stat st;
	int fd, r;

	if (*pins == MAX_EXEC_PINS) {
		it->err = -EMFILE;
		it->what = "exec-pin";
		return 0;
	}
	fd = openat(piddir, name, O_PATH | O_CLOEXEC);
	r = fd < 0 ? -errno : procfs_statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, &st, &bt);
	if (r) {
		it->err = r;
		it->what = "exec-pin";
		if (fd >= 0)
			close(fd);
		return 0;
	}
	/* The file pinned is the one hashed: its stat is the key. */
	it->st = st;
	it->btime = bt;
	r = exec_cache_claim(c->exec, &st, b->pid);
	if (r <= 0) {
		close(fd);
		return r;
	}
	it->pinfd = fd;
	b->npins++;
	(*pins)++;
	return 0;
}

/* The executable, from what collect_links found: first in the list. */
static int add_exe(struct capture *c, struct batch *b, int piddir, size_t *pins)
{
	struct proc_item *p = &b->proc;
	struct exec_item *it;
	int i;

	if (!p->link[0].ok)
		return 0; /* no exe (a kernel thread), or unreadable: in errors */
	it = add_item(b);
	if (!it)
		return -ENOMEM;
	it->exe = true;
	it->path = p->link[0];
	it->what = "exe";
	if (p->exe_have_stat) {
		it->have_stat = true;
		it->st = p->exe_st;
		it->btime = p->exe_btime;
		return wants_pin(c, b, it) ? pin(c, b, it, piddir, "exe", pins) : 0;
	}
	for (i = 0; i < p->nerrs; i++)
		if (strncmp(p->errs[i].what, "exe-", 4) == 0)
			it->err = p->errs[i].err;
	if (!it->err)
		it->err = -EIO;
	return 0;
}

/*
 * The mapped file's stat by its name in the process's root (*rootfd: its
 * /proc/PID/root, opened O_PATH at the first mapping; -2 when that
 * failed), taken only when the file found there has the device and inode
 * the maps line gives: what lsof does.  A path lookup costs a fraction of
 * a map_files one, which makes a proc inode and takes the process's mmap
 * lock for every mapping (300 interpreters map 3,300 executable files).
 * The name is walked from that root: a symbolic link or a ".." met on the
 * way may lead elsewhere, but only the same device and inode are taken.
 * False when the name is not plain (" (deleted)", a memfd, an escape:
 * maps writes a newline as \012) or is another file now (replaced, a
 * mount over it, a file system whose st_dev is not its superblock's:
 * btrfs, overlayfs): map_files decides then.  Both stats take what the
 * kernel has cached (AT_STATX_DONT_SYNC): a FUSE or NFS server that has
 * stopped answering would otherwise hold the collector for ever, outside
 * the watchdog (a FUSE file mapped executable, it_memory's "stuck").
 */
static bool stat_by_name(int piddir, int *rootfd, const struct parse_map *pm, struct stat *st,
			 struct procfs_btime *bt)
{
	static const char del[] = " (deleted)";
	char path[PATH_MAX];
	size_t n = pm->path_len;

	if (n < 2 || pm->path[0] != '/' || n >= PATH_MAX || memchr(pm->path, '\\', n) ||
	    memchr(pm->path, '\0', n) ||
	    (n >= sizeof(del) - 1 && memcmp(pm->path + n - (sizeof(del) - 1), del, sizeof(del) - 1) == 0))
		return false;
	if (*rootfd == -1) {
		*rootfd = openat(piddir, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (*rootfd < 0)
			*rootfd = -2;
	}
	if (*rootfd < 0)
		return false;
	memcpy(path, pm->path + 1, n - 1);
	path[n - 1] = '\0';
	return procfs_statx(*rootfd, path, AT_NO_AUTOMOUNT | AT_STATX_DONT_SYNC, st, bt) == 0 &&
	       st->st_ino == pm->inode &&
	       major(st->st_dev) == pm->dev_major && minor(st->st_dev) == pm->dev_minor;
}

/* One executable file mapping of the maps text: a new item unless its
 * file was met already in this process. */
static int add_map(struct capture *c, struct batch *b, const struct parse_map *pm, int piddir,
		   int *rootfd, size_t *pins)
{
	const struct proc_item *p = &b->proc;
	struct exec_item *it;
	char name[64];
	int e;

	/* Its own executable is mapped too: the exe item has it. */
	if (p->exe_have_stat && pm->inode == (uint64_t)p->exe_st.st_ino &&
	    makedev(pm->dev_major, pm->dev_minor) == p->exe_st.st_dev)
		return 0;
	it = add_item(b);
	if (!it)
		return -ENOMEM;
	it->start = pm->start;
	it->end = pm->end;
	it->maps_dev = makedev(pm->dev_major, pm->dev_minor);
	it->maps_ino = pm->inode;
	it->path.ok = true;
	it->path.off = (size_t)(pm->path - b->text.data);
	it->path.len = pm->path_len;
	it->what = "map_files";
	/* map_files/START-END is the mapped file itself, whatever its name
	 * says now (proc(5)); following it needs CAP_SYS_ADMIN.  Named only
	 * when it is needed: most mappings are not pinned. */
	if (!stat_by_name(piddir, rootfd, pm, &it->st, &it->btime)) {
		map_files_name(name, pm);
		e = procfs_statx(piddir, name, AT_STATX_DONT_SYNC, &it->st, &it->btime);
		if (e) {
			it->err = e;
			return 0;
		}
	}
	it->have_stat = true;
	if (met(b, &it->st)) {
		b->nexecs--;
		return 0;
	}
	if (!wants_pin(c, b, it))
		return 0;
	map_files_name(name, pm);
	return pin(c, b, it, piddir, name, pins);
}

int collect_exec(struct capture *c, struct batch *b, int piddir)
{
	struct proc_item *p = &b->proc;
	size_t off, end, pins = 0, i;
	int r, rootfd = -1;

	r = add_exe(c, b, piddir, &pins);
	if (r)
		return r;
	p->execs_scanned = p->raw[RAW_MAPS].ok || b->nexecs;
	if (!p->raw[RAW_MAPS].ok)
		return 0;
	off = p->raw[RAW_MAPS].off;
	end = off + p->raw[RAW_MAPS].len;
	while (off < end) {
		const char *line = b->text.data + off;
		const char *nl = memchr(line, '\n', end - off);
		size_t len = nl ? (size_t)(nl - line) : end - off;
		const char *sp = memchr(line, ' ', len);
		struct parse_map pm;
		bool again = false;

		off += len + 1;
		/* Executable ("r-xp": the x after the range, looked at before
		 * the line is parsed: most lines are not) and file-backed. */
		if (!sp || (size_t)(sp - line) + 4 >= len || sp[3] != 'x' ||
		    parse_maps_line(line, len, &pm) || !pm.inode || !pm.path_len)
			continue;
		/* A file mapped executable twice: the first range stands. */
		for (i = 0; i < b->nexecs && !again; i++)
			again = !b->execs[i].exe && b->execs[i].maps_ino == pm.inode &&
				b->execs[i].maps_dev == makedev(pm.dev_major, pm.dev_minor);
		if (again)
			continue;
		if (b->nexecs == MAX_EXECS) {
			p->execs_dropped = true;
			break;
		}
		r = add_map(c, b, &pm, piddir, &rootfd, &pins);
		if (r)
			break;
	}
	if (rootfd >= 0)
		close(rootfd);
	return r;
}
