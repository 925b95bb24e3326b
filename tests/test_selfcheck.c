/* test_selfcheck: the objects mapped into a process that none of its libraries name, and the loader variables it runs with. */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "jsonw.h"
#include "selfcheck.h"

/* This test program, as linked: nothing foreign, not static. */
static void test_selfcheck_own_libraries(void **state)
{
	struct selfcheck s = SELFCHECK_INIT;
	size_t i;

	(void)state;
	assert_int_equal(selfcheck_run(&s), 0);
	assert_false(s.is_static);
	/* The program, the vdso, the loader, libc at least. */
	assert_true(s.nobjects >= 4);
	for (i = 0; i < s.nforeign; i++)
		print_error("foreign: %s\n", s.foreign[i]);
	assert_int_equal(s.nforeign, 0);
	selfcheck_free(&s);
	selfcheck_free(&s);
}

/* A library no DT_NEEDED names, loaded late, is foreign; once unloaded
 * it is gone again. */
static void test_selfcheck_foreign_object(void **state)
{
	struct selfcheck s = SELFCHECK_INIT;
	void *h = dlopen("libutil.so.1", RTLD_NOW | RTLD_LOCAL);
	size_t i, n = 0;

	(void)state;
	if (!h)
		skip();
	assert_int_equal(selfcheck_run(&s), 0);
	for (i = 0; i < s.nforeign; i++)
		if (strstr(s.foreign[i], "/libutil.so.1"))
			n++;
	assert_int_equal(n, 1);
	selfcheck_free(&s);
	dlclose(h);
}

/* The watched variables are kept with their values, in environ order;
 * the others are not. */
static void test_selfcheck_environment(void **state)
{
	struct selfcheck s = SELFCHECK_INIT;
	struct buf b = BUF_INIT;
	struct jsonw j;
	size_t i, found = 0;

	(void)state;
	setenv("LD_AUDIT", "/tmp/x.so", 1);
	setenv("GCONV_PATH", "/tmp/gconv", 1);
	setenv("LD", "not a loader variable", 1);
	setenv("XOPENSSL_CONF", "nor this", 1);
	assert_int_equal(selfcheck_run(&s), 0);
	for (i = 0; i < s.nenv; i++) {
		if (strcmp(s.env[i].name, "LD_AUDIT") == 0)
			found += strcmp(s.env[i].value, "/tmp/x.so") == 0;
		else if (strcmp(s.env[i].name, "GCONV_PATH") == 0)
			found += strcmp(s.env[i].value, "/tmp/gconv") == 0;
		assert_string_not_equal(s.env[i].name, "LD");
		assert_string_not_equal(s.env[i].name, "XOPENSSL_CONF");
	}
	assert_int_equal(found, 2);
	jsonw_init(&j, &b);
	jsonw_open(&j, NULL);
	selfcheck_json(&s, &j, "self_check");
	jsonw_close(&j);
	assert_int_equal(buf_error(&b), 0);
	assert_non_null(strstr(b.data, "\"linked\":\"dynamic\""));
	assert_non_null(strstr(b.data, "{\"name\":\"LD_AUDIT\",\"value\":\"/tmp/x.so\"}"));
	assert_non_null(strstr(b.data, "\"foreign_objects\":[]"));
	unsetenv("LD_AUDIT");
	unsetenv("GCONV_PATH");
	unsetenv("LD");
	unsetenv("XOPENSSL_CONF");
	buf_free(&b);
	selfcheck_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_selfcheck_own_libraries),
		cmocka_unit_test(test_selfcheck_foreign_object),
		cmocka_unit_test(test_selfcheck_environment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
