/* capture: the pipeline — threads, what crosses between them, and the order of a capture. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "capture_int.h"
#include "procfs.h"

int capture_pid_exists(const char *proc_root, int pid)
{
	char name[16];
	int dir = open(proc_root ? proc_root : "/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

	if (dir < 0)
		return -errno;
	batch_decimal(name, pid);
	r = faccessat(dir, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -errno;
	close(dir);
	return r;
}

int capture_new(struct capture **out, const struct capture_opts *opts)
{
	struct capture *c = calloc(1, sizeof(*c));
	long page = sysconf(_SC_PAGESIZE);

	*out = c;
	if (!c)
		return -ENOMEM;
	c->o = *opts;
	if (!c->o.max_memory)
		c->o.max_memory = CAPTURE_DEFAULT_MAX_MEMORY;
	if (!c->o.max_process_memory)
		c->o.max_process_memory = CAPTURE_DEFAULT_MAX_PROCESS_MEMORY;
	atomic_init(&c->mem_left, c->o.max_memory);
	c->page = page > 0 ? (size_t)page : 4096;
	if (!c->o.proc_root)
		c->o.proc_root = "/proc";
	if (!c->o.max_file_size)
		c->o.max_file_size = CAPTURE_DEFAULT_MAX_FILE;
	if (!c->o.hash_max_size)
		c->o.hash_max_size = CAPTURE_DEFAULT_HASH_MAX;
	if (!c->o.read_timeout_ms)
		c->o.read_timeout_ms = CAPTURE_DEFAULT_READ_TIMEOUT_MS;
	atomic_init(&c->abandoned, 0);
	c->rootfd = -1;
	atomic_init(&c->halt, false);
	c->self = getpid();
	c->tcache_sec = -1;
	c->hz = sysconf(_SC_CLK_TCK);
	if (c->hz <= 0)
		c->hz = 100;
	progress_init(c);
	if (c->o.memory == CAPTURE_MEMORY_FULL && !c->o.npids)
		return fail(c, -EINVAL, "--memory full needs the processes named (-p)");
	return 0;
}

static void *formatter(void *arg)
{
	struct capture *c = arg;
	bool failed = false;
	size_t next = 0;          /* index of the process being written */
	int hr;

	/* Named, so ps -L and profiles tell the threads apart. */
	pthread_setname_np(pthread_self(), "procsnap-format");
	hr = host_record(c, c->topdir);

	pthread_mutex_lock(&c->mu);
	if (hr) {
		failed = true;
		c->wstatus = hr;
		pthread_cond_broadcast(&c->space);
	}
	for (;;) {
		struct lane *l = &c->lanes[next % NLANES];
		struct batch *b;
		size_t pins, mem;
		bool skip, end;
		int r = 0;

		while (!l->head && !l->done)
			pthread_cond_wait(&c->work, &c->mu);
		b = l->head;
		if (!b)
			break; /* that lane's collector stopped: all done, or failed */
		l->head = b->next;
		if (!l->head)
			l->tail = NULL;
		/* Stopped: what is queued is dropped, not written. */
		skip = failed || c->abort || atomic_load(&c->halt);
		pthread_mutex_unlock(&c->mu);
		if (!skip) {
			r = record_batch(c, b);
			progress_formatted(c);
		}
		end = b->end;
		pins = b->npins;
		mem = b->mem_bytes;
		batch_clear(b); /* closes the pins not used */
		pthread_mutex_lock(&c->mu);
		if (r) {
			failed = true;
			c->wstatus = r;
		}
		l->queued--;
		l->queued_pins -= pins;
		l->queued_mem -= mem;
		b->next = c->spare;
		c->spare = b;
		if (end)
			next++;
		pthread_cond_broadcast(&c->space);
	}
	c->fexited = true;
	pthread_cond_broadcast(&c->space);
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/*
 * Collects processes start, start + step, ... of the list; process i goes
 * to lane i % NLANES.  step is NLANES when each lane has its own thread,
 * 1 when this thread does them all, in order (the formatter takes the
 * processes in order, so no lane may run ahead of the others alone).
 */
static void collect_range(struct capture *c, size_t start, size_t step)
{
	struct lane *l = &c->lanes[start % NLANES];
	size_t i;
	int rc = 0;

	for (i = start; i < c->npids && !rc; i += step) {
		l = &c->lanes[i % NLANES];
		rc = threads_stopped(c) ? lfail(l, -EINTR, "interrupted")
				: collect_process(c, l, c->pids[i]);
	}
	for (i = start; i < start + (step == 1 ? NLANES : 1); i++)
		watchdog_stop(&c->lanes[i % NLANES]);
	pthread_mutex_lock(&c->mu);
	if (rc) {
		l->rc = rc;
		c->cstop = true;
	}
	for (i = start; i < start + (step == 1 ? NLANES : 1); i++)
		c->lanes[i % NLANES].done = true;
	pthread_cond_broadcast(&c->work);
	pthread_cond_broadcast(&c->space);
	pthread_mutex_unlock(&c->mu);
}

static void *collector(void *arg)
{
	pthread_setname_np(pthread_self(), "procsnap-collec");
	collect_range(arg, 1, NLANES);
	return NULL;
}

/*
 * Lets the formatter finish what is queued (or drop it, on abort).  The
 * wait is in slices: recovering a large file takes long, and the stop
 * flag is looked at (and progress told) meanwhile.
 */
static void stop_formatter(struct capture *c, bool abort)
{
	size_t i;

	if (!c->started)
		return;
	pthread_mutex_lock(&c->mu);
	c->abort = abort;
	for (i = 0; i < NLANES; i++)
		c->lanes[i].done = true;
	pthread_cond_broadcast(&c->work);
	while (!c->fexited) {
		batch_wait_space(c);
		pthread_mutex_unlock(&c->mu);
		threads_stopped(c);
		pthread_mutex_lock(&c->mu);
	}
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	c->started = false;
}

/* c->space is waited on in slices (batch_wait_space): a monotonic clock. */
static void init_queues(struct capture *c)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->work, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->space, &ca);
	pthread_condattr_destroy(&ca);
	c->mu_ready = true;
}

/* The formatter, which writes the host's facts while the processes are
 * listed, then takes them from the lanes. */
static int start_formatter(struct capture *c)
{
	int r;

	init_queues(c);
	r = threads_spawn(&c->thread, formatter, c);
	if (r)
		return fail(c, r, "cannot start the formatter: %s", strerror(-r));
	c->started = true;
	return 0;
}

/* Collects every process, in NLANES lanes; returns the first failure. */
static int collect_all(struct capture *c)
{
	pthread_t helper;
	bool helped;
	size_t i;
	int r;

	/* NLANES is 2: one helper.  Without it, this thread does all. */
	helped = c->npids > 1 && threads_spawn(&helper, collector, c) == 0;
	collect_range(c, 0, helped ? NLANES : 1);
	if (helped)
		pthread_join(helper, NULL);
	r = 0;
	for (i = 0; i < NLANES && !r; i++)
		if (c->lanes[i].rc && c->lanes[i].rc != -ECANCELED) {
			r = c->lanes[i].rc;
			memcpy(c->err, c->lanes[i].err, sizeof(c->err));
		}
	stop_formatter(c, r != 0);
	/* The formatter's failure is the cause; the collectors only saw
	 * their batches refused. */
	if (!r && c->wstatus) {
		r = c->wstatus;
		memcpy(c->err, c->werr, sizeof(c->err));
	}
	if (!r)
		for (i = 0; i < NLANES && !r; i++)
			if (c->lanes[i].rc) {
				r = c->lanes[i].rc;
				memcpy(c->err, c->lanes[i].err, sizeof(c->err));
			}
	return r;
}

static int cmp_pid(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Sorts pids ascending and drops repeats; returns the new count. */
static size_t sort_unique(int *pids, size_t n)
{
	size_t i, k = 0;

	if (n > 1)
		qsort(pids, n, sizeof(*pids), cmp_pid);
	for (i = 0; i < n; i++)
		if (k == 0 || pids[k - 1] != pids[i])
			pids[k++] = pids[i];
	return k;
}

/*
 * process_vm_readv(2) names a process by its pid in procsnap's own pid
 * namespace.  The proc root's pids are those only when it is procfs and
 * its "self" is procsnap: a proc of another pid namespace (--proc
 * /host/proc from a container) numbers other processes, and a pid read
 * there may name an unrelated process here.  Otherwise memory is read
 * through /proc/PID/mem, bound to the process's own mm when opened.
 */
static bool pids_ours(const struct capture *c)
{
	struct statfs sf;
	char self[24], want[24];
	ssize_t n;

	if (fstatfs(c->rootfd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC)
		return false;
	n = readlinkat(c->rootfd, "self", self, sizeof(self) - 1);
	if (n <= 0)
		return false;
	self[n] = '\0';
	/* getpid(), not c->self: that becomes the proc's own view of us
	 * (host_pidns.c), which is what is compared here. */
	snprintf(want, sizeof(want), "%d", (int)getpid());
	return strcmp(self, want) == 0;
}

/* The writer's poll while it drains: the stop flag, and progress. */
static void poll_stop(void *arg)
{
	threads_stopped(arg);
}

int capture_run(struct capture *c, int fd, const char *topdir)
{
	struct timespec m1;
	int *pids = NULL;
	size_t npids = 0;
	int r;

	clock_gettime(CLOCK_REALTIME, &c->t0);
	clock_gettime(CLOCK_MONOTONIC, &c->m0);
	c->caller = pthread_self();
	c->rootfd = open(c->o.proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->rootfd < 0)
		return fail(c, -errno, "%s: %s", c->o.proc_root, strerror(errno));
	c->pids_ours = pids_ours(c);
	c->st.not_root = geteuid() != 0;
	c->own_net = host_own_ns(c, "net");
	c->own_mnt = host_own_ns(c, "mnt");
	host_pidns_probe(c);
	host_proc_view(c);
	r = host_files_read(c);
	if (r)
		return r;
	r = hidden_mounts(c);
	if (r)
		return r;
	r = exec_cache_new(c);
	if (r)
		return fail(c, r, "out of memory");
	pthread_mutex_init(&c->nsmu, NULL);
	pthread_cond_init(&c->nscv, NULL);
	c->ns_ready = true;
	r = snapwriter_open(&c->w, fd, c->o.compress, topdir, c->t0.tv_sec);
	if (r)
		return fail(c, r, "%s", snapwriter_error(c->w));
	/* Stopped, the writer fails its next call and drops what is queued:
	 * an abandoned archive is not compressed to its end. */
	snapwriter_set_stop(c->w, &c->halt, poll_stop, c);
	c->topdir = topdir;
	/* Before any file is opened: who would notice (touch.c); and before
	 * the formatter, whose host.json says whether every process's marks
	 * were read. */
	touch_start(c);
	if (c->o.no_touch_watched)
		collect_watchers(c);
	r = start_formatter(c);
	if (r)
		goto out;
	if (c->o.npids) {
		npids = c->o.npids;
		pids = malloc(npids * sizeof(*pids));
		if (!pids) {
			r = fail(c, -ENOMEM, "out of memory");
			goto out;
		}
		memcpy(pids, c->o.pids, npids * sizeof(*pids));
		/* Members must come in ascending pid order, each pid once
		 * (docs/FORMAT.md): -p 2 -p 1 -p 2 is pids 1 and 2. */
		if (c->o.children)
			r = children_add(c, &pids, &npids);
		npids = sort_unique(pids, npids);
		if (!r)
			r = unlisted_check_given(c, pids, npids);
	} else {
		uint64_t listed_at = unlisted_clock(c);

		r = procfs_list_numeric(c->rootfd, ".", &pids, &npids);
		if (r) {
			fail(c, r, "%s: cannot list processes: %s", c->o.proc_root,
			     strerror(-r));
			goto out;
		}
		r = unlisted_find(c, listed_at, &pids, &npids);
	}
	if (r)
		goto out;
	c->pids = pids;
	c->npids = npids;
	r = collect_all(c);
	if (r)
		goto out;
	if (threads_stopped(c)) {
		r = fail(c, -EINTR, "interrupted");
		goto out;
	}
	c->pg.phase = CAPTURE_FINISHING;
	progress_tick(c, true);
	r = host_summary(c);
	if (r)
		goto out;
	r = snapwriter_finish(c->w);
	if (r)
		fail(c, r, "%s", snapwriter_error(c->w));
out:
	clock_gettime(CLOCK_MONOTONIC, &m1);
	c->st.seconds = (double)(m1.tv_sec - c->m0.tv_sec) +
			(double)(m1.tv_nsec - c->m0.tv_nsec) / 1e9;
	c->pids = NULL;
	free(pids);
	return r;
}

time_t capture_started(const struct capture *c)
{
	return c->t0.tv_sec;
}

const struct capture_stats *capture_stats(const struct capture *c)
{
	return &c->st;
}

void capture_each_proc_watcher(const struct capture *c,
			       void (*fn)(const struct capture_proc_watcher *w, void *arg),
			       void *arg)
{
	touch_each_proc(c, fn, arg);
}

void capture_each_touch(const struct capture *c,
			void (*fn)(const struct capture_touch *t, void *arg), void *arg)
{
	touch_each(c, fn, arg);
}

const char *capture_error(const struct capture *c)
{
	return c ? c->err : "out of memory";
}

void capture_free(struct capture *c)
{
	size_t i;

	if (!c)
		return;
	stop_formatter(c, true);
	exec_read_stop(c);
	for (i = 0; i < NLANES; i++)
		batch_free(c->lanes[i].head);
	batch_free(c->spare);
	if (c->mu_ready) {
		pthread_mutex_destroy(&c->mu);
		pthread_cond_destroy(&c->work);
		pthread_cond_destroy(&c->space);
	}
	snapwriter_free(c->w);
	if (c->rootfd >= 0)
		close(c->rootfd);
	netview_free(&c->ownnet);
	u64map_free(&c->netns, collect_netns_free);
	u64map_free(&c->mntns, NULL);
	hidden_free(&c->hid);
	if (c->ns_ready) {
		pthread_mutex_destroy(&c->nsmu);
		pthread_cond_destroy(&c->nscv);
	}
	u64map_free(&c->stored, recover_free);
	u64map_free(&c->exec_guards, recover_free);
	exec_cache_free(c->exec);
	progress_free(c);
	touch_free(&c->touch);
	host_files_free(c->host_copies);
	buf_free(&c->json);
	buf_free(&c->fds);
	buf_free(&c->raw);
	buf_free(&c->errbuf);
	buf_free(&c->fderr);
	free(c);
}
