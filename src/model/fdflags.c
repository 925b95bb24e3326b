/* fdflags: an fd's open flags decoded, per architecture (see fdflags.h). */
#include <stdbool.h>
#include <string.h>

#include "fdflags.h"

struct flag {
	uint64_t bit;
	const char *name;
};

/* Octal, as the kernel's fcntl.h headers write them. */
static const struct flag shared[] = {
	{ 0100, "O_CREAT" }, { 0200, "O_EXCL" }, { 0400, "O_NOCTTY" },
	{ 01000, "O_TRUNC" }, { 02000, "O_APPEND" }, { 04000, "O_NONBLOCK" },
	{ 0, NULL },
};

/* asm-generic: x86, riscv, s390, loongarch, ia64 ... */
static const struct flag generic[] = {
	{ 04010000, "O_SYNC" }, { 010000, "O_DSYNC" }, { 020000, "O_ASYNC" }, { 040000, "O_DIRECT" },
	{ 0100000, "O_LARGEFILE" }, { 0200000, "O_DIRECTORY" }, { 0400000, "O_NOFOLLOW" },
	{ 01000000, "O_NOATIME" }, { 02000000, "O_CLOEXEC" },
	{ 010000000, "O_PATH" }, { 020000000, "O_TMPFILE" },
	{ 0, NULL },
};

/* arm and arm64 (arch/arm64/include/uapi/asm/fcntl.h): four bits moved. */
static const struct flag arm[] = {
	{ 04010000, "O_SYNC" }, { 010000, "O_DSYNC" }, { 020000, "O_ASYNC" }, { 040000, "O_DIRECTORY" },
	{ 0100000, "O_NOFOLLOW" }, { 0200000, "O_DIRECT" }, { 0400000, "O_LARGEFILE" },
	{ 01000000, "O_NOATIME" }, { 02000000, "O_CLOEXEC" },
	{ 010000000, "O_PATH" }, { 020000000, "O_TMPFILE" },
	{ 0, NULL },
};

/* powerpc (arch/powerpc/include/uapi/asm/fcntl.h). */
static const struct flag powerpc[] = {
	{ 04010000, "O_SYNC" }, { 010000, "O_DSYNC" }, { 020000, "O_ASYNC" }, { 040000, "O_DIRECTORY" },
	{ 0100000, "O_NOFOLLOW" }, { 0200000, "O_LARGEFILE" }, { 0400000, "O_DIRECT" },
	{ 01000000, "O_NOATIME" }, { 02000000, "O_CLOEXEC" },
	{ 010000000, "O_PATH" }, { 020000000, "O_TMPFILE" },
	{ 0, NULL },
};

/*
 * lsof's names (lsof +fg, its FILE-FLAG column), in the order it prints
 * them: its Pff_tab (dialects/linux/dstore.c), with each flag's bits on
 * each architecture (the tables above: generic, arm, powerpc; and where
 * the architecture is unknown, only the bits all share).  lsof prints an
 * entry when ANY of its bits is set, then clears them all: so O_DSYNC
 * alone is "SYN" (O_SYNC includes O_DSYNC's bit; "DSYN" is never printed
 * on Linux, nor is "RSYN": glibc's O_RSYNC is O_SYNC), and an O_TMPFILE
 * fd (__O_TMPFILE | O_DIRECTORY) is "DTY,...,TMPF".  O_RDONLY has no
 * name.  O_CREAT, O_EXCL, O_NOCTTY and O_TRUNC are never kept in f_flags
 * (the kernel's do_dentry_open clears them) but are named if present.
 * tests/test_objects.c checks each row against the O_* tables above.
 */
enum { ARCH_GENERIC, ARCH_ARM, ARCH_POWERPC, ARCH_UNKNOWN, ARCH_N };

static const struct lsof_flag {
	const char *lsof, *flag;
	uint64_t bit[ARCH_N];
} lsof_order[] = {
	{ "W", "O_WRONLY", { 01, 01, 01, 01 } },
	{ "RW", "O_RDWR", { 02, 02, 02, 02 } },
	{ "CR", "O_CREAT", { 0100, 0100, 0100, 0100 } },
	{ "EXCL", "O_EXCL", { 0200, 0200, 0200, 0200 } },
	{ "NTTY", "O_NOCTTY", { 0400, 0400, 0400, 0400 } },
	{ "TR", "O_TRUNC", { 01000, 01000, 01000, 01000 } },
	{ "AP", "O_APPEND", { 02000, 02000, 02000, 02000 } },
	{ "ND", "O_NONBLOCK", { 04000, 04000, 04000, 04000 } },
	{ "SYN", "O_SYNC", { 04010000, 04010000, 04010000, 0 } },
	{ "ASYN", "O_ASYNC", { 020000, 020000, 020000, 0 } },
	{ "DIR", "O_DIRECT", { 040000, 0200000, 0400000, 0 } },
	{ "DTY", "O_DIRECTORY", { 0200000, 040000, 040000, 0 } },
	{ "NFLK", "O_NOFOLLOW", { 0400000, 0100000, 0100000, 0 } },
	{ "NATM", "O_NOATIME", { 01000000, 01000000, 01000000, 0 } },
	{ "DSYN", "O_DSYNC", { 010000, 010000, 010000, 0 } },
	{ "LG", "O_LARGEFILE", { 0100000, 0400000, 0200000, 0 } },
	{ "CX", "O_CLOEXEC", { 02000000, 02000000, 02000000, 0 } },
	{ "PATH", "O_PATH", { 010000000, 010000000, 010000000, 0 } },
	{ "TMPF", "O_TMPFILE", { 020000000, 020000000, 020000000, 0 } },
};

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int arch_of(const char *m)
{
	if (!m)
		return ARCH_UNKNOWN;
	if (strcmp(m, "x86_64") == 0 || (m[0] == 'i' && strcmp(m + 2, "86") == 0) ||
	    starts(m, "riscv") || starts(m, "s390") || starts(m, "loongarch") ||
	    strcmp(m, "ia64") == 0)
		return ARCH_GENERIC;
	if (strcmp(m, "aarch64") == 0 || strcmp(m, "arm64") == 0 || starts(m, "armv"))
		return ARCH_ARM;
	if (starts(m, "ppc") || starts(m, "powerpc"))
		return ARCH_POWERPC;
	return ARCH_UNKNOWN;
}

static const struct flag *table_for(const char *m)
{
	static const struct flag *const tables[ARCH_N] = { generic, arm, powerpc, NULL };

	return tables[arch_of(m)];
}

char fdflags_access(uint64_t flags)
{
	static const char letter[] = { 'r', 'w', 'u', ' ' };

	return letter[flags & 3];
}

static size_t put(const char **names, size_t max, size_t n, const char *name)
{
	if (n < max)
		names[n] = name;
	return n + 1;
}

size_t fdflags_names(uint64_t flags, const char *machine, const char **names,
		     size_t max, uint64_t *rest)
{
	static const char *const acc[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", NULL };
	const struct flag *t[2] = { shared, table_for(machine) };
	size_t n = 0, i, k;

	if (acc[flags & 3])
		n = put(names, max, n, acc[flags & 3]);
	flags &= ~(uint64_t)3;
	for (k = 0; k < 2; k++)
		for (i = 0; t[k] && t[k][i].name; i++)
			/* O_SYNC is __O_SYNC | O_DSYNC: named once, first. */
			if ((flags & t[k][i].bit) == t[k][i].bit) {
				n = put(names, max, n, t[k][i].name);
				flags &= ~t[k][i].bit;
			}
	if (rest)
		*rest = flags;
	return n < max ? n : max;
}

size_t fdflags_lsof(uint64_t flags, const char *machine, const char **names, size_t max,
		    uint64_t *rest)
{
	int a = arch_of(machine);
	size_t n = 0, i;

	for (i = 0; i < sizeof(lsof_order) / sizeof(lsof_order[0]); i++)
		if (flags & lsof_order[i].bit[a]) {
			n = put(names, max, n, lsof_order[i].lsof);
			flags &= ~lsof_order[i].bit[a];
		}
	if (rest)
		*rest = flags;
	return n < max ? n : max;
}

const char *fdflags_lsof_row(size_t i, const char *machine, uint64_t *bit, const char **flag)
{
	if (i >= sizeof(lsof_order) / sizeof(lsof_order[0]))
		return NULL;
	*bit = lsof_order[i].bit[arch_of(machine)];
	*flag = lsof_order[i].flag;
	return lsof_order[i].lsof;
}
