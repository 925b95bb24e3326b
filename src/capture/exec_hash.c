/* exec_hash: the cache of what runs — one result per (dev, ino, size, mtime), claimed by the lanes, filled by the formatter. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "capture_int.h"

/*
 * A library mapped by 300 processes is read once: the first lane to meet
 * a file claims it for its process and pins it; every later process only
 * stats it.  The key is (dev, ino) with the size and mtime: a file
 * rewritten in place during the capture is a new entry, hashed again.
 *
 * The formatter writes processes in ascending pid order, but the two lanes
 * run side by side: lane 1 may meet a file in pid 7 before lane 0 meets
 * it in pid 6.  So a claim names its pid, and a lower pid takes it over
 * (and pins the file too): when the formatter writes a process, every
 * file it runs was claimed by it or by a pid written already.
 */
struct exec_entry {
	uint64_t size;
	struct timespec mtime;
	int claim;                /* the lowest pid holding a pin for it; 0 none */
	bool done;                /* res is set */
	struct exec_result res;
	struct exec_entry *next;  /* the same (dev, ino), another size or mtime */
};

struct exec_cache {
	pthread_mutex_t mu;       /* guards everything below */
	struct u64map files;      /* (dev, ino) -> the first entry */
};

int exec_cache_new(struct capture *c)
{
	struct exec_cache *x = calloc(1, sizeof(*x));

	if (!x)
		return -ENOMEM;
	pthread_mutex_init(&x->mu, NULL);
	c->exec = x;
	return 0;
}

static void free_chain(void *p)
{
	struct exec_entry *e = p;

	while (e) {
		struct exec_entry *next = e->next;

		free(e);
		e = next;
	}
}

void exec_cache_free(struct exec_cache *x)
{
	if (!x)
		return;
	u64map_free(&x->files, free_chain);
	pthread_mutex_destroy(&x->mu);
	free(x);
}

/* st's entry, or NULL (x->mu held). */
static struct exec_entry *find(struct exec_cache *x, const struct stat *st)
{
	struct exec_entry *e = u64map_get(&x->files, (uint64_t)st->st_dev, (uint64_t)st->st_ino);

	for (; e; e = e->next)
		if (e->size == (uint64_t)st->st_size && e->mtime.tv_sec == st->st_mtim.tv_sec &&
		    e->mtime.tv_nsec == st->st_mtim.tv_nsec)
			return e;
	return NULL;
}

/* A new entry for st, chained first (x->mu held); NULL: no memory. */
static struct exec_entry *add(struct exec_cache *x, const struct stat *st)
{
	struct exec_entry *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->size = (uint64_t)st->st_size;
	e->mtime = st->st_mtim;
	e->next = u64map_get(&x->files, (uint64_t)st->st_dev, (uint64_t)st->st_ino);
	if (u64map_put(&x->files, (uint64_t)st->st_dev, (uint64_t)st->st_ino, e)) {
		free(e);
		return NULL;
	}
	return e;
}

bool exec_cache_wanted(struct exec_cache *x, const struct stat *st, int pid)
{
	struct exec_entry *e;
	bool want;

	pthread_mutex_lock(&x->mu);
	e = find(x, st);
	want = !e || (!e->done && (e->claim == 0 || e->claim > pid));
	pthread_mutex_unlock(&x->mu);
	return want;
}

int exec_cache_claim(struct exec_cache *x, const struct stat *st, int pid)
{
	struct exec_entry *e;
	int r = 1;

	pthread_mutex_lock(&x->mu);
	e = find(x, st);
	if (!e && !(e = add(x, st)))
		r = -ENOMEM;
	else if (e->done || (e->claim && e->claim < pid))
		r = 0;
	else
		e->claim = pid;
	pthread_mutex_unlock(&x->mu);
	return r;
}

bool exec_cache_get(struct exec_cache *x, const struct stat *st, struct exec_result *out)
{
	struct exec_entry *e;
	bool known;

	pthread_mutex_lock(&x->mu);
	e = find(x, st);
	known = e && e->done;
	if (known)
		*out = e->res;
	pthread_mutex_unlock(&x->mu);
	return known;
}

int exec_cache_set(struct exec_cache *x, const struct stat *st, const struct exec_result *res)
{
	struct exec_entry *e;
	int r = 0;

	pthread_mutex_lock(&x->mu);
	e = find(x, st);
	if (!e && !(e = add(x, st))) {
		r = -ENOMEM;
	} else if (!e->done) {
		e->res = *res;
		e->done = true;
		r = 1;
	}
	pthread_mutex_unlock(&x->mu);
	return r;
}
