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

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static const struct flag *table_for(const char *m)
{
	if (!m)
		return NULL;
	if (strcmp(m, "x86_64") == 0 || (m[0] == 'i' && strcmp(m + 2, "86") == 0) ||
	    starts(m, "riscv") || starts(m, "s390") || starts(m, "loongarch") ||
	    strcmp(m, "ia64") == 0)
		return generic;
	if (strcmp(m, "aarch64") == 0 || strcmp(m, "arm64") == 0 || starts(m, "armv"))
		return arm;
	if (starts(m, "ppc") || starts(m, "powerpc"))
		return powerpc;
	return NULL;
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
