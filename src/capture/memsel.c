/* memsel: which mappings of a process a memory capture reads — pure rules over maps lines and smaps VmFlags. */
#include <errno.h>
#include <string.h>

#include "memsel.h"

const char *memsel_mode_name(enum capture_memory m)
{
	switch (m) {
	case CAPTURE_MEMORY_EXEC: return "exec";
	case CAPTURE_MEMORY_NONE: return "none";
	case CAPTURE_MEMORY_FULL: return "full";
	}
	return "unknown";
}

int memsel_parse_mode(const char *s, enum capture_memory *m)
{
	if (strcmp(s, "exec") == 0)
		*m = CAPTURE_MEMORY_EXEC;
	else if (strcmp(s, "none") == 0)
		*m = CAPTURE_MEMORY_NONE;
	else if (strcmp(s, "full") == 0)
		*m = CAPTURE_MEMORY_FULL;
	else
		return -EINVAL;
	return 0;
}

const char *memsel_why_name(enum memsel_why w)
{
	switch (w) {
	case MEMSEL_ANON_EXEC: return "anon-exec";
	case MEMSEL_FILELESS: return "fileless-exe";
	case MEMSEL_FULL: return "full";
	case MEMSEL_NO: break;
	}
	return "";
}

static bool path_is(const struct parse_map *pm, const char *s)
{
	size_t n = strlen(s);

	return pm->path_len == n && memcmp(pm->path, s, n) == 0;
}

static bool path_starts(const struct parse_map *pm, const char *s)
{
	size_t n = strlen(s);

	return pm->path_len > n && memcmp(pm->path, s, n) == 0 &&
	       pm->path[pm->path_len - 1] == ']';
}

bool memsel_anonymous(const struct parse_map *pm)
{
	if (pm->inode != 0 || pm->dev_major != 0 || pm->dev_minor != 0)
		return false;
	return pm->path_len == 0 || path_is(pm, "[heap]") || path_is(pm, "[stack]") ||
	       path_starts(pm, "[stack:") || path_starts(pm, "[anon:");
}

bool memsel_never(const struct parse_map *pm)
{
	return (pm->path_len >= 5 && memcmp(pm->path, "[vvar", 5) == 0) ||
	       path_is(pm, "[vsyscall]");
}

enum memsel_why memsel_pick(enum capture_memory mode, const struct parse_map *pm,
			    bool fileless_exe)
{
	bool r = pm->perms[0] == 'r', w = pm->perms[1] == 'w', x = pm->perms[2] == 'x';
	bool anon;

	if (mode == CAPTURE_MEMORY_NONE || memsel_never(pm) || !(r || w || x))
		return MEMSEL_NO;
	anon = memsel_anonymous(pm);
	if (anon && x)
		return MEMSEL_ANON_EXEC;
	if (mode == CAPTURE_MEMORY_EXEC)
		return anon && fileless_exe ? MEMSEL_FILELESS : MEMSEL_NO;
	return r && (anon || pm->perms[3] == 'p') ? MEMSEL_FULL : MEMSEL_NO;
}

bool memsel_maybe_exec(const char *line, size_t len)
{
	const char *sp = memchr(line, ' ', len);

	/* "START-END rwxp ...": x is the third letter after the space. */
	return !sp || (size_t)(sp - line) + 3 >= len || sp[3] == 'x';
}

const char *memsel_refuse(const struct parse_smaps *sm)
{
	if (!sm->has_flags)
		return "no-vmflags";
	if (sm->io || sm->pfnmap)
		return "device";
	return NULL;
}
