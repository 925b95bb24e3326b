/* memregion: the captured memory regions of a snapshot as a scanner (triage, YARA) needs them — which, their bytes at their addresses, their records. */
#include <stdlib.h>
#include <string.h>

#include "memregion.h"

bool memregion_of(const struct snapshot_item *it, struct memregion *r)
{
	if (it->kind != SNAPSHOT_MEMORY || !it->member)
		return false;
	r->pid = it->pid;
	r->start = it->member->start;
	r->end = it->member->end;
	r->member = it->member->name;
	return true;
}

int memregion_blocks(struct snapshot *s, const struct memregion *r,
		     int (*fn)(void *arg, uint64_t addr, const void *data, size_t len),
		     void *arg)
{
	struct snapreader *rd = snapshot_reader(s);
	struct snap_chunk c;
	int k;

	while ((k = snapreader_data(rd, &c)) > 0) {
		/* The reader keeps offset + len within the member's size,
		 * which is end - start. */
		if (c.data && c.len && (k = fn(arg, r->start + c.offset, c.data, c.len)) != 0)
			return k;
	}
	return k;
}

/* A record's "start" (hex, as maps writes it) as a number. */
static bool start_of(const json_t *rec, uint64_t *out)
{
	const char *s = snapshot_str(rec, "start");
	char *end;

	if (!s || !*s || strspn(s, "0123456789abcdef") != strlen(s) || strlen(s) > 16)
		return false;
	*out = strtoull(s, &end, 16);
	return !*end;
}

const json_t *memregion_record(const json_t *process, uint64_t start)
{
	const json_t *rec;
	uint64_t a;
	size_t i;

	json_array_foreach(json_object_get(process, "memory"), i, rec)
		if (start_of(rec, &a) && a == start)
			return rec;
	return NULL;
}

bool memregion_unreadable(const json_t *record, uint64_t addr, uint64_t len)
{
	const json_t *u;
	uint64_t start;
	size_t i;

	if (!len || !start_of(record, &start) || addr < start)
		return false;
	json_array_foreach(json_object_get(record, "unreadable"), i, u) {
		int64_t off, n;

		if (!snapshot_int(u, "offset", &off) || !snapshot_int(u, "length", &n) ||
		    off < 0 || n <= 0)
			continue;
		/* [off, off + n) meets [a, a + len), as offsets from start
		 * (off and n are below 2^63: their sum cannot wrap). */
		uint64_t a = addr - start;

		if ((len > UINT64_MAX - a || (uint64_t)off < a + len) &&
		    a < (uint64_t)off + (uint64_t)n)
			return true;
	}
	return false;
}
