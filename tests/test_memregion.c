/* test_memregion: the captured memory regions of a real snapshot, as a scanner sees them. */
#include <jansson.h>
#include <string.h>

#include "testutil.h"
#include "digest.h"
#include "memregion.h"
#include "snapshot.h"

/* A capture of the holder's rwx mode (fixtures/README.md): one region of
 * 4 rwx pages, the third a hole, the marker at page 1 + 0x10. */
#define SEED "../fixtures/fuzz/seed/archive/memory-rwx.tar"

struct scan {
	struct memregion r;
	unsigned char *image;     /* the region, holes as zeros */
	size_t blocks;
	uint64_t last;            /* address just past the last block */
	bool ordered;
};

static int on_block(void *arg, uint64_t addr, const void *data, size_t len)
{
	struct scan *s = arg;

	if (addr < s->last || addr < s->r.start || addr + len > s->r.end)
		s->ordered = false;
	else
		memcpy(s->image + (addr - s->r.start), data, len);
	s->last = addr + len;
	s->blocks++;
	return 0;
}

static void test_memregion_scan(void **state)
{
	struct snapshot_opts o = { .memory = true };
	struct snapshot *sn = NULL;
	struct snapshot_item it;
	struct scan s = { .ordered = true };
	char hex[DIGEST_HEX_LEN + 1];
	json_t *rec = NULL;
	int k, regions = 0;

	(void)state;
	assert_int_equal(snapshot_open(&sn, SEED, &o), 0);
	while ((k = snapshot_next(sn, &it)) > 0) {
		if (memregion_of(&it, &s.r)) {
			regions++;
			s.image = calloc(1, s.r.end - s.r.start);
			assert_non_null(s.image);
			assert_int_equal(memregion_blocks(sn, &s.r, on_block, &s), 0);
		} else if (it.kind == SNAPSHOT_PROCESS && it.pid == s.r.pid) {
			const json_t *r = memregion_record(it.json, s.r.start);

			assert_non_null(r);
			rec = json_deep_copy(r);
		}
	}
	assert_int_equal(k, 0);
	assert_int_equal(regions, 1);
	assert_true(s.ordered);
	assert_int_equal(s.r.end - s.r.start, 4 * 4096);
	assert_memory_equal(s.image, "\177ELF", 4);
	assert_memory_equal(s.image + 4096 + 16, "PROCSNAP-MARKER-", 16);
	/* The bytes, holes as zeros, are what the record's sha256 says. */
	assert_int_equal(digest_buffer(s.image, s.r.end - s.r.start, hex), 0);
	assert_string_equal(json_string_value(json_object_get(rec, "sha256")), hex);
	assert_string_equal(json_string_value(json_object_get(rec, "why")), "anon-exec");
	assert_false(memregion_unreadable(rec, s.r.start, 4 * 4096));
	json_decref(rec);
	rec = json_object();
	assert_null(memregion_record(rec, s.r.start));
	json_decref(rec);
	free(s.image);
	snapshot_free(sn);
}

static void test_memregion_unreadable(void **state)
{
	json_t *rec = json_loads("{\"start\":\"10000\",\"unreadable\":[{\"offset\":4096,"
				 "\"length\":8192,\"errno\":\"EFAULT\"},{\"offset\":-1,\"length\":1},"
				 "{\"offset\":0}]}", 0, NULL);

	(void)state;
	assert_non_null(rec);
	assert_false(memregion_unreadable(rec, 0x10000, 4096));
	assert_true(memregion_unreadable(rec, 0x10000, 4097));
	assert_true(memregion_unreadable(rec, 0x12fff, 1));
	assert_false(memregion_unreadable(rec, 0x13000, 4096));
	assert_false(memregion_unreadable(rec, 0xf000, 4096));  /* before the region */
	assert_true(memregion_unreadable(rec, 0x10000, UINT64_MAX)); /* no wrap */
	assert_false(memregion_unreadable(rec, 0x11000, 0));
	json_decref(rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memregion_scan),
		cmocka_unit_test(test_memregion_unreadable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
