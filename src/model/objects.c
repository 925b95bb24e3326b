/* objects: a process's open objects after its fds — txt, cwd, mem, nofd (see objects.h). */
#include <stdint.h>
#include <string.h>

#include "objects.h"
#include "snapshot.h"

const char *object_kind_name(enum object_kind k)
{
	switch (k) {
	case OBJECT_FD: return "fd";
	case OBJECT_TXT: return "txt";
	case OBJECT_MEM: return "mem";
	case OBJECT_CWD: return "cwd";
	case OBJECT_NOFD: return "nofd";
	}
	return "fd";
}

static bool flag(const json_t *obj, const char *key)
{
	bool v = false;

	return snapshot_bool(obj, key, &v) && v;
}

/* A mapping of the executable's own file: txt shows that one. */
static bool of_exe(const json_t *m, const json_t *exe)
{
	const json_t *xs = json_object_get(exe, "stat");
	int64_t xd, xi, d, i;

	return snapshot_int(xs, "dev", &xd) && snapshot_int(xs, "ino", &xi) &&
	       snapshot_int(m, "dev", &d) && snapshot_int(m, "ino", &i) && d == xd && i == xi;
}

static int gap_row(const struct examined_gap *g, size_t n, enum examined_part part,
		   enum object_kind kind, int pid, object_fn fn, void *arg)
{
	struct object o = { .kind = kind, .pid = pid };
	size_t i;
	int x = 0;

	for (i = 0; i < n && !x; i++)
		if (g[i].part == part) {
			o.gap = &g[i];
			x = fn(arg, &o);
		}
	return x;
}

int objects_of_process(const json_t *proc, object_fn fn, void *arg)
{
	const json_t *exe = json_object_get(proc, "exe"), *cwd = json_object_get(proc, "cwd");
	const json_t *maps = json_object_get(proc, "mapped_deleted");
	struct examined_gap g[EXAMINED_MAX];
	struct object o = { .pid = 0 };
	size_t n = examined_process(proc, g, EXAMINED_MAX), i;
	int64_t pid = 0;
	int x = 0;

	if (n > EXAMINED_MAX)
		n = EXAMINED_MAX;
	if (n && g[0].part == EXAMINED_PROCESS)
		return 0;
	snapshot_int(proc, "pid", &pid);
	o.pid = pid > 0 && pid <= INT32_MAX ? (int)pid : 0;
	if (json_is_object(exe) && flag(exe, "deleted")) {
		o.kind = OBJECT_TXT;
		o.rec = exe;
		x = fn(arg, &o);
	}
	if (!x)
		x = gap_row(g, n, EXAMINED_EXE, OBJECT_TXT, o.pid, fn, arg);
	if (!x && json_is_object(cwd) && flag(cwd, "deleted")) {
		o.kind = OBJECT_CWD;
		o.rec = cwd;
		x = fn(arg, &o);
	}
	for (i = 0; !x && i < json_array_size(maps); i++) {
		const json_t *m = json_array_get(maps, i);

		if (!json_is_object(m) || of_exe(m, exe))
			continue;
		o.kind = OBJECT_MEM;
		o.rec = m;
		x = fn(arg, &o);
	}
	if (!x)
		x = gap_row(g, n, EXAMINED_MAPS, OBJECT_MEM, o.pid, fn, arg);
	if (!x)
		x = gap_row(g, n, EXAMINED_FDS, OBJECT_NOFD, o.pid, fn, arg);
	return x;
}

const json_t *object_content(const struct object *o)
{
	const json_t *c = o->gap ? NULL : json_object_get(o->rec, "content");

	return json_is_object(c) ? c : NULL;
}

int object_deleted(const struct object *o)
{
	if (o->gap)
		return -1;
	switch (o->kind) {
	case OBJECT_FD:
		if (examined_fd_unknown(o->rec, NULL))
			return -1;
		return flag(o->rec, "deleted");
	case OBJECT_MEM:
		/* Listed from maps by its " (deleted)" text; only the file
		 * behind map_files (st_nlink) says, and a refusal leaves it
		 * unknown (docs/FORMAT.md, mapped_deleted). */
		return json_is_integer(json_object_get(o->rec, "ino")) ? 1 : -1;
	case OBJECT_TXT:
	case OBJECT_CWD:
		return flag(o->rec, "deleted");
	case OBJECT_NOFD:
		return -1;
	}
	return -1;
}

bool object_maybe_deleted(const struct object *o)
{
	return object_deleted(o) != 0;
}

bool object_changing(const struct object *o)
{
	return flag(object_content(o), "changed");
}
