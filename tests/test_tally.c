/* test_tally: rows counted by a key, most frequent first (fds --count). */
#include <string.h>

#include "testutil.h"
#include "tally.h"

struct seen {
	char keys[8][16];
	unsigned long counts[8];
	size_t npids[8];
	int pids[8][8];
	size_t n;
};

static int collect(void *arg, const struct tally_group *g)
{
	struct seen *s = arg;

	assert_true(s->n < 8 && g->len < 16 && g->npids <= 8);
	memcpy(s->keys[s->n], g->key, g->len);
	s->keys[s->n][g->len] = '\0';
	s->counts[s->n] = g->count;
	s->npids[s->n] = g->npids;
	memcpy(s->pids[s->n], g->pids, g->npids * sizeof(int));
	s->n++;
	return 0;
}

static void test_tally_most_frequent_first(void **state)
{
	struct tally t = TALLY_INIT;
	struct seen s = { .n = 0 };

	(void)state;
	assert_int_equal(tally_add(&t, "/dev/null", 9, 30), 0);
	assert_int_equal(tally_add(&t, "pipe:[7]", 8, 12), 0);
	assert_int_equal(tally_add(&t, "/dev/null", 9, 10), 0);
	assert_int_equal(tally_add(&t, "/dev/null", 9, 30), 0);  /* same pid twice */
	assert_int_equal(tally_add(&t, "a\0b", 3, 5), 0);         /* any bytes */
	assert_int_equal(tally_add(&t, "a", 1, 6), 0);
	assert_int_equal(tally_groups(&t, collect, &s), 0);
	assert_int_equal(s.n, 4);
	assert_string_equal(s.keys[0], "/dev/null");
	assert_int_equal(s.counts[0], 3);
	assert_int_equal(s.npids[0], 2);               /* distinct, ascending */
	assert_int_equal(s.pids[0][0], 10);
	assert_int_equal(s.pids[0][1], 30);
	/* Equal counts in byte order: "a" < "a\0b" < "pipe:[7]". */
	assert_string_equal(s.keys[1], "a");
	assert_int_equal(s.counts[1], 1);
	assert_int_equal(memcmp(s.keys[2], "a\0b", 3), 0);
	assert_string_equal(s.keys[3], "pipe:[7]");
	tally_free(&t);
}

static int stop_at_first(void *arg, const struct tally_group *g)
{
	(void)g;
	(*(int *)arg)++;
	return 7;
}

static void test_tally_empty_and_stop(void **state)
{
	struct tally t = TALLY_INIT;
	int calls = 0;

	(void)state;
	assert_int_equal(tally_groups(&t, stop_at_first, &calls), 0);
	assert_int_equal(calls, 0);
	assert_int_equal(tally_add(&t, "x", 1, 1), 0);
	assert_int_equal(tally_add(&t, "y", 1, 1), 0);
	assert_int_equal(tally_groups(&t, stop_at_first, &calls), 7);
	assert_int_equal(calls, 1);
	tally_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tally_most_frequent_first),
		cmocka_unit_test(test_tally_empty_and_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
