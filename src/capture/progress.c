/* progress: what a capture has done so far — counted by its threads, handed to the program on the caller's thread. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "capture_int.h"

#define DEFAULT_MS 200

void progress_init(struct capture *c)
{
	struct progress *g = &c->pg;

	atomic_init(&g->procs_done, 0);
	atomic_init(&g->fds, 0);
	atomic_init(&g->bytes_pinned, 0);
	g->pinned = (struct u64map)U64MAP_INIT;
	pthread_mutex_init(&g->fmu, NULL);
	g->fmu_ready = true;
	g->phase = CAPTURE_COLLECTING;
	clock_gettime(CLOCK_MONOTONIC, &g->last);
}

void progress_free(struct capture *c)
{
	u64map_free(&c->pg.pinned, NULL);
	if (c->pg.fmu_ready)
		pthread_mutex_destroy(&c->pg.fmu);
	c->pg.fmu_ready = false;
}

/* One pinned file, counted once per (dev, ino) however many hold it, at
 * most --max-file-size of it: what recovering it will store. */
static void pinned(struct capture *c, const struct stat *st)
{
	struct progress *g = &c->pg;
	uint64_t size = st->st_size > 0 ? (uint64_t)st->st_size : 0;

	if (u64map_get(&g->pinned, st->st_dev, st->st_ino) ||
	    u64map_put(&g->pinned, st->st_dev, st->st_ino, (void *)1))
		return; /* counted, or no memory to remember it: the count is a hint */
	if (size > c->o.max_file_size)
		size = c->o.max_file_size;
	atomic_store_explicit(&g->bytes_pinned,
			      atomic_load_explicit(&g->bytes_pinned, memory_order_relaxed) + size,
			      memory_order_relaxed);
}

void progress_pins(struct capture *c, const struct batch *b)
{
	size_t i;

	if (!c->o.progress || !b->npins || c->o.no_content)
		return;
	if (b->begin && b->proc.exe_pin >= 0)
		pinned(c, &b->proc.exe_st);
	for (i = 0; i < b->nfds; i++)
		if (b->fds[i].pinfd >= 0)
			pinned(c, &b->fds[i].st);
	for (i = 0; i < b->nmaps; i++)
		if (b->maps[i].pinfd >= 0)
			pinned(c, &b->maps[i].st);
}

void progress_file(struct capture *c, int pinfd, uint64_t size)
{
	struct progress *g = &c->pg;
	char path[64], name[sizeof(g->file)];
	ssize_t n;

	if (!c->o.progress)
		return; /* nobody to tell: not even a readlink */
	/* The pin's own link: the path the holder opened, " (deleted)"
	 * included, or "/memfd:NAME (deleted)". */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", pinfd);
	n = readlink(path, name, sizeof(name) - 1);
	name[n > 0 ? n : 0] = '\0';
	pthread_mutex_lock(&g->fmu);
	memcpy(g->file, name, sizeof(name));
	g->file_size = size;
	g->file_base = snapwriter_bytes(c->w);
	pthread_mutex_unlock(&g->fmu);
}

void progress_file_done(struct capture *c, uint64_t stored)
{
	struct progress *g = &c->pg;

	if (!c->o.progress)
		return;
	pthread_mutex_lock(&g->fmu);
	g->bytes_done += stored;
	g->file[0] = '\0';
	g->file_size = 0;
	pthread_mutex_unlock(&g->fmu);
}

void progress_formatted(struct capture *c)
{
	atomic_store_explicit(&c->pg.procs_done, c->st.procs, memory_order_relaxed);
	atomic_store_explicit(&c->pg.fds, c->st.fds, memory_order_relaxed);
}

static double seconds_since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* The snapshot handed to the program. */
static void snapshot(struct capture *c, const struct timespec *now, struct capture_progress *p)
{
	struct progress *g = &c->pg;
	uint64_t written;

	memset(p, 0, sizeof(*p));
	p->stop_signal = c->o.stop ? (int)*c->o.stop : 0;
	p->phase = p->stop_signal ? CAPTURE_STOPPING : g->phase;
	p->procs_total = c->npids;
	p->procs_done = atomic_load_explicit(&g->procs_done, memory_order_relaxed);
	p->fds = atomic_load_explicit(&g->fds, memory_order_relaxed);
	p->bytes_pinned = atomic_load_explicit(&g->bytes_pinned, memory_order_relaxed);
	p->seconds = seconds_since(&c->m0, now);
	pthread_mutex_lock(&g->fmu);
	p->bytes_done = g->bytes_done;
	if (g->file[0] && c->w) {
		/* Counted as hashed: the archiver is at most its queue behind. */
		written = snapwriter_bytes(c->w) - g->file_base;
		p->file_done = written < g->file_size ? written : g->file_size;
		p->file_size = g->file_size;
		memcpy(p->file, g->file, sizeof(p->file));
		p->bytes_done += p->file_done;
	}
	pthread_mutex_unlock(&g->fmu);
	/* Files met only in processes the collectors have not handed over
	 * yet may be stored before they are counted as pinned. */
	if (p->bytes_pinned < p->bytes_done)
		p->bytes_pinned = p->bytes_done;
}

void progress_tick(struct capture *c, bool force)
{
	struct progress *g = &c->pg;
	long ms = c->o.progress_ms > 0 ? c->o.progress_ms : DEFAULT_MS;
	struct capture_progress p;
	struct timespec now;

	if (!c->o.progress)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!force && seconds_since(&g->last, &now) * 1000 < (double)ms)
		return;
	g->last = now;
	snapshot(c, &now, &p);
	c->o.progress(c->o.progress_arg, &p);
}
