/* examined: what of a process's evidence could not be examined, from its records (see examined.h). */
#include <stdio.h>
#include <string.h>

#include "examined.h"
#include "snapshot.h"

const char *examined_part_name(enum examined_part p)
{
	switch (p) {
	case EXAMINED_EXE: return "exe";
	case EXAMINED_FDS: return "fds";
	case EXAMINED_MAPS: return "maps";
	case EXAMINED_PROCESS: return "process";
	case EXAMINED_FILE: return "file";
	}
	return "process";
}

/* "task/123/kcmp": a thread whose table could not be compared. */
static bool is_kcmp(const char *what)
{
	size_t n = strlen(what);

	return strncmp(what, "task/", 5) == 0 && n > 10 && strcmp(what + n - 5, "/kcmp") == 0;
}

/* Which part an error of process.json leaves unexamined; -1: none. */
static int part_of(const char *what)
{
	if (strcmp(what, "exe") == 0 || strcmp(what, "exe-pin") == 0 ||
	    strcmp(what, "exe-fstat") == 0)
		return EXAMINED_EXE;
	if (strcmp(what, "fd") == 0 || strcmp(what, "task") == 0 || is_kcmp(what))
		return EXAMINED_FDS;
	if (strcmp(what, "maps") == 0)
		return EXAMINED_MAPS;
	return -1;
}

/* A zombie's exe, memory and files are gone before it is reaped: what
 * vanished with them is absent, not lost. */
static bool natural(const json_t *proc, const json_t *err)
{
	const char *state = snapshot_str(proc, "state");
	const char *reason = snapshot_str(err, "reason");

	return state && (strcmp(state, "Z") == 0 || strcmp(state, "X") == 0) &&
	       reason && strcmp(reason, "vanished") == 0;
}

static void add(struct examined_gap *gaps, size_t max, size_t *n, int part,
		const json_t *err, int tid)
{
	if (*n < max) {
		gaps[*n].part = (enum examined_part)part;
		gaps[*n].error = err;
		gaps[*n].tid = tid;
	}
	(*n)++;
}

/* The first error of the record for part, or NULL. */
static const json_t *first_error(const json_t *proc, int part)
{
	const json_t *errs = json_object_get(proc, "errors");
	size_t i;

	for (i = 0; i < json_array_size(errs); i++) {
		const json_t *e = json_array_get(errs, i);
		const char *what = snapshot_str(e, "what");

		if (what && part_of(what) == part && !natural(proc, e))
			return e;
	}
	return NULL;
}

size_t examined_process(const json_t *proc, struct examined_gap *gaps, size_t max)
{
	const json_t *errs = json_object_get(proc, "errors");
	const json_t *tables = json_object_get(proc, "fd_tables");
	const json_t *e;
	size_t i, n = 0;
	int64_t tid;
	bool v;

	if (snapshot_bool(proc, "vanished", &v) && v) {
		add(gaps, max, &n, EXAMINED_PROCESS, json_array_get(errs, 0), 0);
		return n;
	}
	/* Nothing of it could be read (hidden by a mount, no private /proc). */
	for (i = 0; i < json_array_size(errs); i++) {
		const char *what = snapshot_str(json_array_get(errs, i), "what");

		if (what && strcmp(what, "process") == 0) {
			add(gaps, max, &n, EXAMINED_PROCESS, json_array_get(errs, i), 0);
			return n;
		}
	}
	e = first_error(proc, EXAMINED_EXE);
	if (e)
		add(gaps, max, &n, EXAMINED_EXE, e, 0);
	/* Each table that could not be read is its own gap: a thread's
	 * table holds fds the process's does not. */
	for (i = 0; i < json_array_size(errs); i++) {
		const char *what = snapshot_str(json_array_get(errs, i), "what");

		if (what && part_of(what) == EXAMINED_FDS && !natural(proc, json_array_get(errs, i)))
			add(gaps, max, &n, EXAMINED_FDS, json_array_get(errs, i), 0);
	}
	for (i = 0; i < json_array_size(tables); i++) {
		const json_t *t = json_array_get(tables, i);
		const json_t *te = json_object_get(t, "errors");

		if (!json_array_size(te))
			continue;
		tid = 0;
		snapshot_int(t, "tid", &tid);
		add(gaps, max, &n, EXAMINED_FDS, json_array_get(te, 0),
		    tid > 0 && tid <= 0x7fffffff ? (int)tid : 0);
	}
	e = first_error(proc, EXAMINED_MAPS);
	if (e)
		add(gaps, max, &n, EXAMINED_MAPS, e, 0);
	return n;
}

bool examined_fd_unknown(const json_t *fd, const json_t **err)
{
	static const char *const why[] = { "pin", "fstat", "link" };
	const json_t *errs = json_object_get(fd, "errors");
	const char *type = snapshot_str(fd, "type");
	size_t i, k;

	if (err)
		*err = NULL;
	/* Sockets, pipes and anon inodes are typed by their link: whether
	 * they are deleted files is not a question. */
	if (json_is_object(json_object_get(fd, "stat")) ||
	    (type && (strcmp(type, "socket") == 0 || strcmp(type, "pipe") == 0 ||
		      strcmp(type, "anon") == 0)))
		return false;
	for (k = 0; err && k < sizeof(why) / sizeof(*why); k++)
		for (i = 0; i < json_array_size(errs); i++) {
			const char *what = snapshot_str(json_array_get(errs, i), "what");

			if (what && strcmp(what, why[k]) == 0 && !*err)
				*err = json_array_get(errs, i);
		}
	return true;
}
