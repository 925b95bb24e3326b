/* test_u64map: the (a, b) -> pointer hash map. */
#include "testutil.h"
#include "u64map.h"

static void test_u64map_put_get_grow(void **state)
{
	struct u64map m = U64MAP_INIT;
	static int vals[5000];
	uint64_t i;

	(void)state;
	assert_null(u64map_get(&m, 1, 2));
	for (i = 0; i < 5000; i++)
		assert_int_equal(u64map_put(&m, i, i * 7, &vals[i]), 0);
	assert_int_equal(m.len, 5000);
	for (i = 0; i < 5000; i++)
		assert_ptr_equal(u64map_get(&m, i, i * 7), &vals[i]);
	assert_null(u64map_get(&m, 1, 8));
	assert_int_equal(u64map_put(&m, 3, 21, &vals[0]), 0);
	assert_int_equal(m.len, 5000);
	assert_ptr_equal(u64map_get(&m, 3, 21), &vals[0]);
	assert_int_equal(u64map_put(&m, 9, 9, NULL), -22);
	u64map_free(&m, NULL);
	u64map_free(&m, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64map_put_get_grow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
