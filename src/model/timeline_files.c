/* timeline_files: the files a timeline saw — each sighting (an open fd, an executable, a cwd, a mapping, an exec_files entry) merged into its file's states by times — and their events. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"
#include "timeline_int.h"

/* The file (cur_host, dev, ino): found or made.  Its index into *out. */
static int find_file(struct timeline *t, uint64_t dev, uint64_t ino, size_t *out)
{
	struct thost *h = &t->hosts[t->cur_host];
	void *v = u64map_get(&h->files, dev, ino);
	struct tfile *f;

	if (v) {
		*out = (size_t)(uintptr_t)v - 1;
		return 0;
	}
	if (timeline_grow(&t->files, t->nfiles, &t->filecap, sizeof(*t->files)))
		return -ENOMEM;
	f = &t->files[t->nfiles];
	memset(f, 0, sizeof(*f));
	f->host = t->cur_host;
	f->dev = dev;
	f->ino = ino;
	if (u64map_put(&h->files, dev, ino, (void *)(uintptr_t)(t->nfiles + 1)))
		return -ENOMEM;
	*out = t->nfiles++;
	return 0;
}

static bool same_times(const struct timeline_state *a, const struct timeline_state *b)
{
	int k;

	for (k = 0; k < TIMELINE_FILE_TIMES; k++)
		if (a->known[k] != b->known[k] ||
		    (a->known[k] && timeline_time_cmp(&a->t[k], &b->t[k]) != 0))
			return false;
	return true;
}

static int add_holder(struct tstate *s, int pid, const struct timeline_text *name,
		      const char *how)
{
	struct timeline_holder *h;
	size_t i;

	for (i = 0; i < s->pub.nholders; i++)
		if (s->holders[i].pid == pid && strcmp(s->holders[i].how, how) == 0)
			return 0;
	if (timeline_grow(&s->holders, s->pub.nholders, &s->cap, sizeof(*s->holders)))
		return -ENOMEM;
	h = &s->holders[s->pub.nholders++];
	h->pid = pid;
	h->name = *name;
	snprintf(h->how, sizeof(h->how), "%s", how);
	s->pub.holders = s->holders;
	return 0;
}

/* What the file's stat says: its times (1 when it has at least one). */
static int read_stat(const json_t *st, struct timeline_state *s)
{
	static const char *const keys[TIMELINE_FILE_TIMES] = { "atime", "mtime", "ctime", "btime" };
	int k, any = 0;

	for (k = 0; k < TIMELINE_FILE_TIMES; k++) {
		s->known[k] = timeline_parse_time(snapshot_str(st, keys[k]), &s->t[k]) == 0;
		any |= s->known[k];
	}
	s->mode = s->uid = s->gid = s->size = -1;
	snapshot_int(st, "mode", &s->mode);
	snapshot_int(st, "uid", &s->uid);
	snapshot_int(st, "gid", &s->gid);
	snapshot_int(st, "size", &s->size);
	return any;
}

/* The file's sha256 as the record gives it: its recovered bytes'
 * (content.sha256), else the whole file's (an exec_files entry's). */
static const char *sha_of(const json_t *rec)
{
	const char *sha = snapshot_str(json_object_get(rec, "content"), "sha256");

	if (!sha)
		sha = snapshot_str(rec, "sha256");
	return sha && strlen(sha) == 64 ? sha : NULL;
}

/*
 * One sighting of a file: rec has "stat" (and the path under path_key,
 * "deleted", a sha256), held by pid (name) as how.  Merged into the
 * file's state with the same times, or a new state.
 */
static int add_sighting(struct timeline *t, const json_t *rec, const char *path_key,
			int pid, const struct timeline_text *name, const char *how)
{
	const json_t *st = json_object_get(rec, "stat");
	const char *sha = sha_of(rec);
	struct timeline_state probe = { 0 };
	int64_t dev, ino, nlink = -1;
	struct tstate *s;
	struct tfile *f;
	size_t fi, i;
	bool del = false;
	int r;

	if (!json_is_object(st) || !snapshot_int(st, "dev", &dev) ||
	    !snapshot_int(st, "ino", &ino) || !read_stat(st, &probe))
		return 0; /* no times recorded: nothing to place in time */
	r = find_file(t, (uint64_t)dev, (uint64_t)ino, &fi);
	if (r)
		return r;
	f = &t->files[fi];
	for (i = 0; i < f->nstates; i++) {
		s = &t->states[f->states[i]];
		if (!same_times(&s->pub, &probe))
			continue;
		/* The first digest met stands: a recovered file's, before
		 * the exec_files entry of the same file. */
		if (!s->pub.sha256[0] && sha)
			memcpy(s->pub.sha256, sha, 65);
		return add_holder(s, pid, name, how);
	}
	if (timeline_too_many(t))
		return -EFBIG;
	if (timeline_grow(&t->states, t->nstates, &t->statecap, sizeof(*t->states)) ||
	    timeline_grow(&f->states, f->nstates, &f->cap, sizeof(*f->states)))
		return -ENOMEM;
	s = &t->states[t->nstates];
	memset(s, 0, sizeof(*s));
	s->pub = probe;
	s->pub.host = t->cur_host;
	s->pub.dev = (uint64_t)dev;
	s->pub.ino = (uint64_t)ino;
	s->file = fi;
	/* Deleted is the record's (st_nlink == 0 of the open file); a mapping
	 * says it by its stat alone. */
	if (!snapshot_bool(rec, "deleted", &del))
		del = snapshot_int(st, "nlink", &nlink) && nlink == 0;
	s->pub.deleted = del;
	if (sha)
		memcpy(s->pub.sha256, sha, 65);
	r = timeline_keep_bytes(t, rec, path_key, &s->pub.path);
	if (r)
		return r;
	f->states[f->nstates++] = t->nstates++;
	return add_holder(s, pid, name, how);
}

/* Types whose open file has a name in a file system, and so times worth
 * a timeline (a socket's, a pipe's or an anon inode's are not a file's). */
static bool fd_type_timed(const json_t *fd)
{
	static const char *const types[] = { "file", "memfd", "dir", "chr", "blk", "fifo", NULL };
	const char *ty = snapshot_str(fd, "type");
	size_t i;

	for (i = 0; ty && types[i]; i++)
		if (strcmp(ty, types[i]) == 0)
			return true;
	return false;
}

int timeline_files_add(struct timeline *t, const json_t *proc, int pid,
		       const struct timeline_text *name)
{
	const json_t *maps = json_object_get(proc, "mapped_deleted");
	const json_t *execs = json_object_get(proc, "exec_files");
	char how[24];
	size_t i;
	int64_t fd;
	int r = 0;

	for (i = 0; !r && i < json_array_size(t->held); i++) {
		const json_t *rec = json_array_get(t->held, i);

		if (!fd_type_timed(rec) || !snapshot_int(rec, "fd", &fd))
			continue;
		snprintf(how, sizeof(how), "fd %lld", (long long)fd);
		r = add_sighting(t, rec, "target", pid, name, how);
	}
	if (!r && json_is_object(json_object_get(proc, "exe")))
		r = add_sighting(t, json_object_get(proc, "exe"), "target", pid, name, "txt");
	if (!r && json_is_object(json_object_get(proc, "cwd")))
		r = add_sighting(t, json_object_get(proc, "cwd"), "target", pid, name, "cwd");
	for (i = 0; !r && i < json_array_size(maps); i++)
		r = add_sighting(t, json_array_get(maps, i), "path", pid, name, "mem");
	/* Every file it runs, deleted or not: the executable again (its
	 * whole file's sha256) and each library.  Same file, same times:
	 * the state above, one event. */
	for (i = 0; !r && i < json_array_size(execs); i++) {
		const json_t *e = json_array_get(execs, i);
		const char *kind = snapshot_str(e, "kind");

		r = add_sighting(t, e, "path", pid, name,
				 kind && strcmp(kind, "exe") == 0 ? "txt" : "mem");
	}
	return r;
}

/* The events of file f: each distinct value of each of its times once,
 * pointing at the first state with it. */
static void file_events(struct timeline *t, const struct tfile *f)
{
	size_t i, j;
	int k;

	for (k = 0; k < TIMELINE_FILE_TIMES; k++)
		for (i = 0; i < f->nstates; i++) {
			const struct tstate *s = &t->states[f->states[i]];
			struct timeline_event *e;

			if (!s->pub.known[k])
				continue;
			for (j = 0; j < i; j++) {
				const struct tstate *o = &t->states[f->states[j]];

				if (o->pub.known[k] &&
				    timeline_time_cmp(&o->pub.t[k], &s->pub.t[k]) == 0)
					break;
			}
			if (j < i)
				continue;
			e = &t->events[t->nevents++];
			memset(e, 0, sizeof(*e));
			e->t = s->pub.t[k];
			e->kind = (enum timeline_kind)(TIMELINE_ATIME + k);
			e->host = f->host;
			e->state = &s->pub;
		}
}

void timeline_files_events(struct timeline *t)
{
	size_t i;

	for (i = 0; i < t->nfiles; i++)
		file_events(t, &t->files[i]);
}

static int holder_cmp(const void *pa, const void *pb)
{
	const struct timeline_holder *a = *(const struct timeline_holder *const *)pa;
	const struct timeline_holder *b = *(const struct timeline_holder *const *)pb;

	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	return strcmp(a->how, b->how);
}

int timeline_holders(const struct timeline *t, const struct timeline_event *e,
		     timeline_holder_fn fn, void *arg)
{
	const struct tstate *first = (const struct tstate *)e->state;
	const struct tfile *f;
	const struct timeline_holder **v = NULL;
	size_t i, j, n = 0, cap = 0;
	int k, r = 0;

	if (!first || e->kind < TIMELINE_ATIME)
		return 0;
	k = (int)e->kind - TIMELINE_ATIME;
	f = &t->files[first->file];
	for (i = 0; i < f->nstates && !r; i++) {
		const struct tstate *s = &t->states[f->states[i]];

		if (!s->pub.known[k] || timeline_time_cmp(&s->pub.t[k], &e->t) != 0)
			continue;
		for (j = 0; j < s->pub.nholders && !r; j++) {
			r = timeline_grow(&v, n, &cap, sizeof(*v));
			if (!r)
				v[n++] = &s->holders[j];
		}
	}
	if (r)
		goto out;
	qsort(v, n, sizeof(*v), holder_cmp);
	for (i = 0; i < n && !r; i++)
		if (i == 0 || holder_cmp(&v[i - 1], &v[i]) != 0)
			r = fn(arg, v[i]);
out:
	free(v);
	return r;
}
