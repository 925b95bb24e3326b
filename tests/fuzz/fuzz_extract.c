/* fuzz_extract: one input as a snapshot archive, extracted; nothing may land outside the directory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "extract.h"
#include "extract_core.h"
#include "extract_mem.h"
#include "fuzz.h"
#include "snapreader.h"

/*
 * extract.h promises: only DIR/PID/fd/N and DIR/PID/exe, named from
 * numbers; regular files, mode 0600 at most; nothing outside DIR; the
 * staging directory gone afterwards, whatever happened.  extract_mem.h
 * adds DIR/PID/mem/START-END; extract_core.h (the last process, into a
 * directory of its own) only PID.core and PID.sysroot, which holds only
 * directories (0700) and regular files (0600), never a link.  Each input is
 * extracted twice into a fresh sandbox (under TMPDIR): everything, and
 * only the last process (--pid), which makes extract read the archive a
 * second time when that process holds content first met in another.
 * The sandbox must hold only the two directories afterwards, and the
 * names the hostile fixtures aim at (/tmp/snapread-hostile-*) must not
 * exist.  Then the sandbox is removed.
 */

static void on_msg(void *arg, const char *msg)
{
	(void)arg;
	fuzz_check_text("extract message", msg, strlen(msg), true);
}

static void on_file(void *arg, const struct extract_file *f)
{
	(void)arg;
	fuzz_check_text("extract path", f->path, strlen(f->path), true);
	fuzz_check_text("extract status", f->status, strlen(f->status), true);
}

static void on_region(void *arg, const struct extract_mem_file *f)
{
	(void)arg;
	fuzz_check_text("extract memory path", f->path, strlen(f->path), true);
	fuzz_check_text("extract memory status", f->status, strlen(f->status), true);
}

static bool digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Every entry under the extraction directory must be one it promises. */
static const char *g_root;

/* "START-END": lowercase hex, as extract names a mapped file or a memory
 * region. */
static bool range(const char *s)
{
	size_t a = strspn(s, "0123456789abcdef");

	return a > 0 && a <= 16 && s[a] == '-' && strspn(s + a + 1, "0123456789abcdef") ==
	       strlen(s + a + 1) && strlen(s + a + 1) > 0 && strlen(s + a + 1) <= 16;
}

static int check_entry(const char *path, const struct stat *st, int type,
		       struct FTW *ftw)
{
	const char *rel = path + strlen(g_root);
	char a[4096], b[32], c[32], extra;
	int n;

	(void)ftw;
	if (*rel == '/')
		rel++;
	if (!*rel)
		return 0;
	if (type == FTW_SL || S_ISLNK(st->st_mode))
		fuzz_fail("extract made a symbolic link: %s", rel);
	n = sscanf(rel, "%4095[^/]/%31[^/]/%31[^/]%c", a, b, c, &extra);
	if (!digits(a))
		fuzz_fail("extract made %s: not DIR/PID/...", rel);
	if (n == 1) {
		if (!S_ISDIR(st->st_mode))
			fuzz_fail("extract made %s: not a directory", rel);
		return 0;
	}
	if (n == 2 && (strcmp(b, "fd") == 0 || strcmp(b, "mapped") == 0 || strcmp(b, "mem") == 0) &&
	    S_ISDIR(st->st_mode))
		return 0;
	if ((n == 2 && strcmp(b, "exe") == 0) || (n == 3 && strcmp(b, "fd") == 0 && digits(c)) ||
	    (n == 3 && (strcmp(b, "mapped") == 0 || strcmp(b, "mem") == 0) && range(c))) {
		if (!S_ISREG(st->st_mode) || (st->st_mode & 07177))
			fuzz_fail("extract made %s with mode %o", rel, (unsigned)st->st_mode);
		return 0;
	}
	fuzz_fail("extract made %s: not PID/exe, PID/fd/N, PID/mapped/START-END or "
		  "PID/mem/START-END", rel);
}

static int remove_entry(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((type == FTW_DP ? rmdir(path) : unlink(path)) < 0)
		fuzz_fail("cannot remove %s: %s", path, strerror(errno));
	return 0;
}

static void extract_into(const char *archive, const char *dir, const int *pid)
{
	struct extract_opts o = { .dir = dir, .pids = pid, .npids = pid ? 1 : 0,
				  .file = on_file, .problem = on_msg, .note = on_msg };
	struct extract_mem_opts mo = { .dir = dir, .pids = pid, .npids = pid ? 1 : 0,
				       .file = on_region, .problem = on_msg };
	struct extract_result res;
	struct extract_mem_result mres;
	int x = extract_run(archive, &o, &res);

	if (x > 0 || (x < 0 && !res.message[0]))
		fuzz_fail("extract_run: %d without a message", x);
	fuzz_check_text("extract error", res.message, strlen(res.message), true);
	if (res.passes < 1 || res.passes > 2)
		fuzz_fail("extract read the archive %u times", res.passes);
	x = extract_mem_run(archive, &mo, &mres);
	if (x > 0 || (x < 0 && !mres.message[0]))
		fuzz_fail("extract_mem_run: %d without a message", x);
	fuzz_check_text("extract memory error", mres.message, strlen(mres.message), true);
	g_root = dir;
	if (nftw(dir, check_entry, 16, FTW_PHYS) < 0)
		fuzz_fail("cannot walk %s: %s", dir, strerror(errno));
}

/* The pid of the last process.json, without hashing: 0 if none. */
static int last_pid(const char *archive)
{
	struct snapreader_opts o = { .allow_unknown = true };
	const struct snap_member *m;
	struct snapreader *r = NULL;
	int pid = 0;

	if (!snapreader_open(&r, archive, &o))
		while (snapreader_next(r, &m) > 0)
			if (m->kind == SNAP_M_PROCESS)
				pid = m->pid;
	snapreader_free(r);
	return pid;
}

/* Under a sysroot: directories and regular files, no more access than
 * 0700 and 0600, never a link. */
static int check_sysroot(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type == FTW_SL || S_ISLNK(st->st_mode))
		fuzz_fail("extract --core made a symbolic link: %s", path);
	if (S_ISDIR(st->st_mode) ? (st->st_mode & 07077) : !S_ISREG(st->st_mode) ||
							     (st->st_mode & 07177))
		fuzz_fail("extract --core made %s with mode %o", path, (unsigned)st->st_mode);
	return 0;
}

/* extract --core PID: only PID.core (0600) and PID.sysroot. */
static void core_into(const char *archive, const char *dir, int pid)
{
	struct extract_core_opts o = { .dir = dir, .pid = pid };
	struct extract_core_result res;
	char want[2][32];
	struct dirent *e;
	struct stat st;
	DIR *d;
	int x = extract_core_run(archive, &o, &res);

	if (x > 0 || (x < 0 && !res.message[0]))
		fuzz_fail("extract_core_run: %d without a message", x);
	fuzz_check_text("core error", res.message, strlen(res.message), true);
	fuzz_check_lines("core notes", res.notes_text, strlen(res.notes_text));
	snprintf(want[0], sizeof(want[0]), "%d.core", pid);
	snprintf(want[1], sizeof(want[1]), "%d.sysroot", pid);
	d = opendir(dir);
	if (!d)
		fuzz_fail("cannot open %s: %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		char p[8192];

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (lstat(p, &st) < 0)
			fuzz_fail("cannot stat %s", p);
		if (x == 0 && !strcmp(e->d_name, want[0]) && S_ISREG(st.st_mode) &&
		    !(st.st_mode & 07177))
			continue;
		if (x == 0 && !strcmp(e->d_name, want[1]) && S_ISDIR(st.st_mode)) {
			if (nftw(p, check_sysroot, 16, FTW_PHYS) < 0)
				fuzz_fail("cannot walk %s: %s", p, strerror(errno));
			continue;
		}
		fuzz_fail("extract --core left %s (returned %d)", e->d_name, x);
	}
	closedir(d);
}

static void check_sandbox(const char *box)
{
	struct dirent *e;
	DIR *d = opendir(box);
	glob_t g;

	if (!d)
		fuzz_fail("cannot open %s: %s", box, strerror(errno));
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    strcmp(e->d_name, "all") && strcmp(e->d_name, "one") &&
		    strcmp(e->d_name, "core"))
			fuzz_fail("extract wrote outside its directory: %s/%s", box, e->d_name);
	closedir(d);
	if (glob("/tmp/snapread-hostile-*", 0, NULL, &g) == 0)
		fuzz_fail("extract wrote outside its directory: %s", g.gl_pathv[0]);
	globfree(&g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *tmp = getenv("TMPDIR");
	char path[64], box[4096], dir[4200];
	int fd = fuzz_file(data, size, path), pid;

	snprintf(box, sizeof(box), "%s/procsnap-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(box))
		fuzz_fail("mkdtemp %s: %s", box, strerror(errno));
	snprintf(dir, sizeof(dir), "%s/all", box);
	extract_into(path, dir, NULL);
	pid = last_pid(path);
	if (pid > 0) {
		snprintf(dir, sizeof(dir), "%s/one", box);
		extract_into(path, dir, &pid);
		snprintf(dir, sizeof(dir), "%s/core", box);
		core_into(path, dir, pid);
	}
	check_sandbox(box);
	if (nftw(box, remove_entry, 16, FTW_DEPTH | FTW_PHYS) < 0)
		fuzz_fail("cannot remove %s: %s", box, strerror(errno));
	close(fd);
	return 0;
}
