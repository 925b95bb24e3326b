/* timeline: one or more snapshots read into a timeline — hosts, captures, process starts, and (timeline_files.c) file times — then merged, deduplicated, in time order (see timeline.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"
#include "timeline_int.h"

int timeline_new(struct timeline **out)
{
	struct timeline *t = calloc(1, sizeof(*t));

	*out = t;
	if (!t)
		return -ENOMEM;
	t->held = json_array();
	return t->held ? 0 : -ENOMEM;
}

/* The host of host.json: the one already met with that name, or a new one. */
static int add_host(struct timeline *t, const json_t *host)
{
	struct timeline_text name;
	const char *boot = snapshot_str(host, "boot_id");
	size_t i;
	int r = timeline_keep_bytes(t, host, "hostname", &name);

	if (r)
		return r;
	t->cur_boot = timeline_keep(t, boot ? boot : "", boot ? strlen(boot) : 0);
	if (!t->cur_boot)
		return -ENOMEM;
	for (i = 0; i < t->nhosts; i++) {
		const struct timeline_text *h = &t->hosts[i].pub.name;

		if (h->known == name.known && h->n == name.n && memcmp(h->p, name.p, name.n) == 0) {
			t->cur_host = i;
			return 0;
		}
	}
	if (timeline_grow(&t->hosts, t->nhosts, &t->hostcap, sizeof(*t->hosts)))
		return -ENOMEM;
	memset(&t->hosts[t->nhosts], 0, sizeof(*t->hosts));
	t->hosts[t->nhosts].pub.name = name;
	t->cur_host = t->nhosts++;
	return 0;
}

static int add_capture(struct timeline *t, const json_t *obj, const char *key,
		       enum timeline_kind kind)
{
	struct capture_ev *c;
	struct timeline_time tm;
	int64_t n;

	if (timeline_parse_time(snapshot_str(obj, key), &tm))
		return 0; /* not recorded (an interrupted capture has no end) */
	if (timeline_too_many(t))
		return -EFBIG;
	if (timeline_grow(&t->caps, t->ncaps, &t->capcap, sizeof(*t->caps)))
		return -ENOMEM;
	c = &t->caps[t->ncaps++];
	memset(c, 0, sizeof(*c));
	c->t = tm;
	c->kind = kind;
	c->host = t->cur_host;
	if (kind == TIMELINE_CAPTURE_END && snapshot_int(obj, "processes", &n) && n >= 0) {
		c->processes = (uint64_t)n;
		c->has_processes = true;
	}
	return 0;
}

/* argv joined by spaces, exact bytes, kept. */
static int keep_cmdline(struct timeline *t, const json_t *proc, struct timeline_text *out)
{
	struct buf b = BUF_INIT, all = BUF_INIT;
	size_t i, n = json_array_size(json_object_get(proc, "argv"));
	int r = 0;

	out->known = json_is_array(json_object_get(proc, "argv"));
	for (i = 0; i < n; i++) {
		if (i)
			buf_putc(&all, ' ');
		if (snapshot_array_bytes(proc, "argv", i, &b) == 1)
			buf_append(&all, b.data, b.len);
	}
	out->n = all.len;
	out->p = buf_error(&all) ? NULL : timeline_keep(t, all.data ? all.data : "", all.len);
	if (!out->p)
		r = -ENOMEM;
	buf_free(&b);
	buf_free(&all);
	return r;
}

/* The process's start, once per (host, boot_id, pid, start_ticks). */
static int add_process(struct timeline *t, const json_t *proc, int pid,
		       const struct timeline_text *name)
{
	const json_t *exe = json_object_get(proc, "exe");
	struct timeline_time start;
	int64_t ticks = -1, v;
	const char *sha;
	struct tproc *p;
	void *hit;
	int r;

	if (timeline_parse_time(snapshot_str(proc, "start_time"), &start))
		return 0;
	snapshot_int(proc, "start_ticks", &ticks);
	hit = u64map_get(&t->procmap, (uint64_t)t->cur_host << 32 | (uint32_t)pid, (uint64_t)ticks);
	if (hit && strcmp(t->procs[(uintptr_t)hit - 1].boot_id, t->cur_boot) == 0)
		return 0;
	if (timeline_too_many(t))
		return -EFBIG;
	if (timeline_grow(&t->procs, t->nprocs, &t->proccap, sizeof(*t->procs)))
		return -ENOMEM;
	p = &t->procs[t->nprocs];
	memset(p, 0, sizeof(*p));
	p->pub.host = t->cur_host;
	p->pub.pid = pid;
	p->pub.name = *name;
	p->boot_id = t->cur_boot;
	p->start_ticks = ticks;
	p->start = start;
	p->pub.has_ppid = snapshot_int(proc, "ppid", &p->pub.ppid);
	v = 0;
	if (json_is_integer(json_array_get(json_object_get(proc, "uid"), 1))) {
		v = (int64_t)json_integer_value(json_array_get(json_object_get(proc, "uid"), 1));
		p->pub.has_euid = true;
		p->pub.euid = v;
	}
	snapshot_bool(exe, "deleted", &p->pub.exe_deleted);
	sha = snapshot_str(json_object_get(exe, "content"), "sha256");
	if (sha && strlen(sha) == 64)
		memcpy(p->pub.exe_sha256, sha, 65);
	r = keep_cmdline(t, proc, &p->pub.cmdline);
	if (!r && json_is_object(exe))
		r = timeline_keep_bytes(t, exe, "target", &p->pub.exe);
	if (r)
		return r;
	if (!hit && u64map_put(&t->procmap, (uint64_t)t->cur_host << 32 | (uint32_t)pid,
			       (uint64_t)ticks, (void *)(uintptr_t)(t->nprocs + 1)))
		return -ENOMEM;
	t->nprocs++;
	return 0;
}

/* A process.json and the fd records held for it. */
static int add_proc_record(struct timeline *t, const json_t *proc, int pid)
{
	struct timeline_text name;
	int r = timeline_keep_bytes(t, proc, "name", &name);

	if (!r)
		r = add_process(t, proc, pid, &name);
	if (!r)
		r = timeline_files_add(t, proc, pid, &name);
	json_array_clear(t->held);
	t->held_bytes = 0;
	return r;
}

static int add_item(struct timeline *t, const struct snapshot_item *it)
{
	switch (it->kind) {
	case SNAPSHOT_HOST: {
		int r = add_host(t, it->json);

		t->have_host = !r;
		return r ? r : add_capture(t, it->json, "capture_start", TIMELINE_CAPTURE_START);
	}
	case SNAPSHOT_SUMMARY:
		return add_capture(t, it->json, "capture_end", TIMELINE_CAPTURE_END);
	case SNAPSHOT_FD:
		t->held_bytes += it->len + 1;
		if (t->held_bytes > SNAPSHOT_MAX_FD_BYTES)
			return timeline_fail(t, -EFBIG, "pid %d: more than %u bytes of fd records",
					     it->pid, SNAPSHOT_MAX_FD_BYTES);
		return json_array_append(t->held, it->json) ? -ENOMEM : 0;
	case SNAPSHOT_PROCESS:
		return add_proc_record(t, it->json, it->pid);
	default:
		return 0;
	}
}

int timeline_add(struct timeline *t, const char *path)
{
	struct snapshot_opts so = { .fds = true };
	struct snapshot *s = NULL;
	struct snapshot_item it;
	int x;

	t->err[0] = '\0';
	t->have_host = false;
	x = snapshot_open(&s, path, &so);
	while (!x && (x = snapshot_next(s, &it)) > 0) {
		/* Every record comes after host.json (FORMAT.md): a host to
		 * file them under exists. */
		if (it.kind != SNAPSHOT_HOST && !t->have_host)
			continue;
		x = add_item(t, &it);
	}
	if (x < 0 && !t->err[0])
		snprintf(t->err, sizeof(t->err), "%s",
			 x == -ENOMEM ? "out of memory" : snapshot_error(s));
	json_array_clear(t->held);
	t->held_bytes = 0;
	snapshot_free(s);
	return x < 0 ? x : 0;
}

static int event_cmp(const void *pa, const void *pb)
{
	const struct timeline_event *a = pa, *b = pb;
	int c = timeline_time_cmp(&a->t, &b->t);

	if (c)
		return c;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->host != b->host)
		return a->host < b->host ? -1 : 1;
	if (a->process && b->process && a->process->pid != b->process->pid)
		return a->process->pid < b->process->pid ? -1 : 1;
	if (a->state && b->state) {
		if (a->state->dev != b->state->dev)
			return a->state->dev < b->state->dev ? -1 : 1;
		if (a->state->ino != b->state->ino)
			return a->state->ino < b->state->ino ? -1 : 1;
	}
	/* Distinct processes with the same pid and start (two boots). */
	return a->process && b->process ? (a->process > b->process) - (a->process < b->process)
					: 0;
}

/* The earliest of a state's times. */
static struct timeline_time first_time(const struct timeline_state *s)
{
	struct timeline_time m = { INT64_MAX, 0 };
	int k;

	for (k = 0; k < TIMELINE_FILE_TIMES; k++)
		if (s->known[k] && timeline_time_cmp(&s->t[k], &m) < 0)
			m = s->t[k];
	return m;
}

static int state_cmp(const void *pa, const void *pb, void *arg)
{
	const struct timeline *t = arg;
	const struct timeline_state *a = &t->states[*(const size_t *)pa].pub;
	const struct timeline_state *b = &t->states[*(const size_t *)pb].pub;
	struct timeline_time ta = first_time(a), tb = first_time(b);
	int c = timeline_time_cmp(&ta, &tb);

	if (c)
		return c;
	if (a->host != b->host)
		return a->host < b->host ? -1 : 1;
	if (a->dev != b->dev)
		return a->dev < b->dev ? -1 : 1;
	if (a->ino != b->ino)
		return a->ino < b->ino ? -1 : 1;
	return (*(const size_t *)pa > *(const size_t *)pb) - (*(const size_t *)pa < *(const size_t *)pb);
}

int timeline_sort(struct timeline *t)
{
	size_t i, n = t->ncaps + t->nprocs + t->nstates * TIMELINE_FILE_TIMES, w;

	free(t->events);
	free(t->order);
	t->nevents = 0;
	t->events = malloc((n ? n : 1) * sizeof(*t->events));
	t->order = malloc((t->nstates ? t->nstates : 1) * sizeof(*t->order));
	if (!t->events || !t->order)
		return timeline_fail(t, -ENOMEM, "out of memory");
	for (i = 0; i < t->ncaps; i++) {
		struct timeline_event *e = &t->events[t->nevents++];

		memset(e, 0, sizeof(*e));
		e->t = t->caps[i].t;
		e->kind = t->caps[i].kind;
		e->host = t->caps[i].host;
		e->processes = t->caps[i].processes;
		e->has_processes = t->caps[i].has_processes;
	}
	for (i = 0; i < t->nprocs; i++) {
		struct timeline_event *e = &t->events[t->nevents++];

		memset(e, 0, sizeof(*e));
		e->t = t->procs[i].start;
		e->kind = TIMELINE_PROCESS_START;
		e->host = t->procs[i].pub.host;
		e->process = &t->procs[i].pub;
	}
	timeline_files_events(t);
	qsort(t->events, t->nevents, sizeof(*t->events), event_cmp);
	/* The same capture given twice: its two events once. */
	for (i = w = 0; i < t->nevents; i++) {
		if (w && t->events[i].kind <= TIMELINE_CAPTURE_END &&
		    event_cmp(&t->events[w - 1], &t->events[i]) == 0)
			continue;
		t->events[w++] = t->events[i];
	}
	t->nevents = w;
	for (i = 0; i < t->nstates; i++)
		t->order[i] = i;
	qsort_r(t->order, t->nstates, sizeof(*t->order), state_cmp, t);
	return 0;
}

size_t timeline_count(const struct timeline *t)
{
	return t->nevents;
}

const struct timeline_event *timeline_event(const struct timeline *t, size_t i)
{
	return i < t->nevents ? &t->events[i] : NULL;
}

const struct timeline_host *timeline_host(const struct timeline *t, size_t i)
{
	return i < t->nhosts ? &t->hosts[i].pub : NULL;
}

size_t timeline_nstates(const struct timeline *t)
{
	return t->order ? t->nstates : 0;
}

const struct timeline_state *timeline_state(const struct timeline *t, size_t i)
{
	return t->order && i < t->nstates ? &t->states[t->order[i]].pub : NULL;
}

const char *timeline_error(const struct timeline *t)
{
	return t && t->err[0] ? t->err : "unknown error";
}

void timeline_free(struct timeline *t)
{
	size_t i;

	if (!t)
		return;
	while (t->blocks) {
		struct timeline_block *b = t->blocks;

		t->blocks = b->next;
		free(b);
	}
	for (i = 0; i < t->nhosts; i++)
		u64map_free(&t->hosts[i].files, NULL);
	for (i = 0; i < t->nfiles; i++)
		free(t->files[i].states);
	for (i = 0; i < t->nstates; i++)
		free(t->states[i].holders);
	u64map_free(&t->procmap, NULL);
	free(t->hosts);
	free(t->files);
	free(t->states);
	free(t->procs);
	free(t->caps);
	free(t->events);
	free(t->order);
	json_decref(t->held);
	free(t);
}
