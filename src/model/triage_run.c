/* triage_run: an archive streamed into the triage engine — host files, recovered files, raw status, environ and maps, memory regions, fds and process records, one process at a time. */
#include <errno.h>
#include <string.h>

#include "memregion.h"
#include "snapshot.h"
#include "triage_int.h"

/*
 * Nothing is extracted: each member's bytes are handed on in the
 * reader's chunks (triage_add_*) and dropped.  Memory holds one
 * process's fd records (bounded as snapshot_next_process() bounds them),
 * a summary of every process for the relation phase, and the findings.
 */

static bool wanted_raw(const char *file)
{
	return strcmp(file, "status") == 0 || strcmp(file, "environ") == 0 ||
	       strcmp(file, "maps") == 0;
}

/* The member's data, chunk by chunk, to fn; stops early when fn returns 0
 * (it has enough), and on error. */
static int stream(struct snapreader *r, int (*fn)(void *arg, const void *data, size_t len),
		  void *arg)
{
	struct snap_chunk ch;
	int x;

	while ((x = snapreader_data(r, &ch)) > 0) {
		x = fn(arg, ch.data, ch.len);
		if (x <= 0)
			return x;
	}
	return x;
}

struct feed {
	struct triage *t;
	const struct snap_member *m;
	int pid;
};

static int feed_host(void *arg, const void *data, size_t len)
{
	struct feed *f = arg;
	int x = triage_add_host_file(f->t, f->m->file, data, len);

	return x ? x : 1;
}

static int feed_raw(void *arg, const void *data, size_t len)
{
	struct feed *f = arg;
	int x = triage_add_raw(f->t, f->pid, f->m->file, data, len);

	return x ? x : 1;
}

static int feed_content(void *arg, const void *data, size_t len)
{
	struct feed *f = arg;

	return triage_add_content(f->t, f->m->name, data, len, false);
}

struct region_feed {
	struct triage *t;
	const struct memregion *r;
};

/* 0 to go on; 1 (enough: the region's first bytes without --yara) stops. */
static int feed_region(void *arg, uint64_t addr, const void *data, size_t len)
{
	struct region_feed *f = arg;
	int x = triage_add_memory(f->t, f->r->pid, f->r->start, f->r->end, addr, data, len,
				  false);

	return x < 0 ? x : !x;
}

/* A region's runs of bytes at their addresses (memregion.h), then its end. */
static int region(struct triage *t, struct snapshot *s, const struct snapshot_item *it)
{
	struct memregion r;
	struct region_feed f = { t, &r };
	int x;

	if (!memregion_of(it, &r))
		return 0;
	x = memregion_blocks(s, &r, feed_region, &f);
	if (x < 0)
		return x;
	x = triage_add_memory(t, r.pid, r.start, r.end, r.start, NULL, 0, true);
	return x < 0 ? x : 0;
}

static int on_item(struct triage *t, struct snapshot *s, const struct snapshot_item *it,
		   json_t *fds, size_t *fd_bytes)
{
	struct snapreader *r = snapshot_reader(s);
	struct feed f = { t, it->member, it->pid };
	int x;

	switch (it->kind) {
	case SNAPSHOT_HOSTFILE:
		x = triage_add_host_file(t, it->member->file, "", 0);
		return x ? x : stream(r, feed_host, &f);
	case SNAPSHOT_RAW:
		if (!wanted_raw(it->member->file))
			return 0;
		x = triage_add_raw(t, it->pid, it->member->file, "", 0);
		return x ? x : stream(r, feed_raw, &f);
	case SNAPSHOT_CONTENT:
		x = stream(r, feed_content, &f);
		return x ? x : triage_add_content(t, it->member->name, NULL, 0, true);
	case SNAPSHOT_MEMORY:
		return region(t, s, it);
	case SNAPSHOT_FD:
		*fd_bytes += it->len + 1;
		if (*fd_bytes > SNAPSHOT_MAX_FD_BYTES)
			return -EFBIG;
		return json_array_append(fds, it->json) ? -ENOMEM : 0;
	case SNAPSHOT_PROCESS:
		x = triage_add_process(t, it->json, fds);
		*fd_bytes = 0;
		return x ? x : (json_array_clear(fds) ? -ENOMEM : 0);
	default:
		return 0;
	}
}

int triage_run(struct triage *t, const char *path)
{
	struct snapshot_opts so = { .fds = true, .raw = true, .content = true,
				    .memory = true, .host_files = true };
	struct snapshot *s = NULL;
	struct snapshot_item it;
	json_t *fds = json_array();
	size_t fd_bytes = 0;
	int x;

	if (!fds)
		return -ENOMEM;
	x = snapshot_open(&s, path, &so);
	while (!x && (x = snapshot_next(s, &it)) > 0) {
		x = on_item(t, s, &it, fds, &fd_bytes);
		if (x == -EFBIG && fd_bytes > SNAPSHOT_MAX_FD_BYTES) {
			triage_fail_msg(t, "pid %d: more than %u bytes of fd records, the most "
					"held for one process", it.pid, SNAPSHOT_MAX_FD_BYTES);
			break;
		}
	}
	if (x < 0 && !*triage_error(t))
		triage_fail_msg(t, "%s", snapshot_error(s));
	/* What was read is triaged whole (sorted, the host's and the
	 * relations' rules run) also when the archive then turned out bad. */
	if (!x)
		x = triage_end(t, snapshot_host(s));
	else
		triage_end(t, snapshot_host(s));
	snapshot_free(s);
	json_decref(fds);
	return x;
}
