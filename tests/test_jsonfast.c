/* test_jsonfast: simdjson's parse gives jansson's values or defers to jansson, never a third answer. */
#include <stdlib.h>
#include <string.h>

#include "jsonfast.h"
#include "testutil.h"

#define JFLAGS (JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL)

static const struct jsonfast_prune lean[] = {
	{ "fdinfo", NULL }, { "marks", NULL }, { "stat", "size" }, { NULL, NULL },
};

/* What jansson's parse of text becomes with prune applied by hand. */
static json_t *jansson_pruned(const char *text, size_t len, const struct jsonfast_prune *p)
{
	json_error_t je;
	json_t *j = json_loadb(text, len, JFLAGS, &je), *v;

	for (; j && p && p->key; p++) {
		v = json_object_get(j, p->key);
		if (!v)
			continue;
		if (!p->keep) {
			json_object_del(j, p->key);
		} else if (json_is_object(v)) {
			json_t *k = json_object();

			if (json_object_get(v, p->keep))
				json_object_set(k, p->keep, json_object_get(v, p->keep));
			json_object_set_new(j, p->key, k);
		}
	}
	return j;
}

/* Key order matters (rows are written in the record's order): compared
 * as dumped, which keeps it. */
static char *dump(const json_t *j)
{
	return j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
}

/* jsonfast answers as jansson does, or not at all: 1 it answered, 0 it
 * deferred. */
static int agrees(struct jsonfast *jf, const char *text, size_t len,
		  const struct jsonfast_prune *prune)
{
	json_t *a = jsonfast_load(jf, text, len, prune);
	json_t *b = jansson_pruned(text, len, prune);
	char *da = dump(a), *db = dump(b);
	int answered = a != NULL;

	if (a) {
		assert_non_null(b);
		assert_true(json_is_object(b));
		assert_string_equal(da, db);
		assert_true(json_equal(a, b));
	}
	free(da);
	free(db);
	json_decref(a);
	json_decref(b);
	return answered;
}

static int both(struct jsonfast *jf, const char *text, size_t len)
{
	int x = agrees(jf, text, len, NULL);

	assert_int_equal(agrees(jf, text, len, lean), x);
	return x;
}

#define S(lit) lit, sizeof(lit) - 1

static void test_jsonfast_records(void **state)
{
	struct jsonfast *jf = jsonfast_new();

	(void)state;
	assert_non_null(jf);
	assert_int_equal(both(jf, S("{\"pid\":4,\"fd\":3,\"target\":\"/tmp/a b\",\"type\":\"file\","
				    "\"deleted\":false,\"pos\":0,\"flags\":32770,\"mnt_id\":24,"
				    "\"stat\":{\"dev\":6,\"ino\":3,\"size\":12,\"atime\":\"x\"},"
				    "\"fdinfo\":\"pos:\\t0\\n\",\"marks\":[{\"on\":\"inode\"}],"
				    "\"x\":[1,-2,true,null,\"\\u00e9\\ud83d\\ude00\",{}],"
				    "\"target_b64\":\"AA==\",\"nul\":\"a\\u0000b\"}")), 1);
	assert_int_equal(both(jf, S("{}")), 1);
	assert_int_equal(both(jf, S("{\"\":-9223372036854775808}")), 1);
	assert_int_equal(both(jf, S("{\"stat\":[1,2]}")), 1);
	assert_int_equal(both(jf, S("{\"stat\":null,\"marks\":7}")), 1);
	assert_int_equal(both(jf, S("{\"a\":1}  \n")), 1);
	/* Keys alike in length and first 8 bytes are not duplicates. */
	assert_int_equal(both(jf, S("{\"marks\":[{\"abcdefghX\":1,\"abcdefghY\":2,\"abc\":3,"
				    "\"abd\":4}],\"stat\":{\"size\":1,\"sizes\":2}}")), 1);
	jsonfast_free(jf);
}

/* Each is refused by jansson (so jsonfast must defer), or is where the
 * two could differ (so it may defer, never answer otherwise). */
static void test_jsonfast_hostile(void **state)
{
	static const char *const bad[] = {
		"{\"a\":1,\"a\":2}", "{\"s\":{\"b\":1,\"b\":1}}", "{\"stat\":{\"size\":1,\"size\":2}}",
		"{\"stat\":{\"dev\":1,\"dev\":2}}", "{\"marks\":[{\"on\":1,\"on\":2}]}",
		"{\"fdinfo\":1,\"fdinfo\":2}", "{\"marks\":[{\"abcdefghX\":1,\"abcdefghX\":2}]}",
		"{\"stat\":{\"\":1,\"\":2}}", "{\"stat\":{},\"stat\":{}}",
		"{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00\"}", "{\"marks\":\"\\ud800x\"}",
		"{\"stat\":{\"atime\":\"\\udfff\"}}", "{\"a\\u0000\":1}", "{\"marks\":{\"\\u0000\":1}}",
		"{\"a\":9223372036854775808}", "{\"a\":-9223372036854775809}",
		"{\"a\":18446744073709551616}", "{\"a\":1.0}", "{\"a\":1e2}", "{\"a\":-0}",
		"{\"a\":-0.0}", "{\"a\":01}", "{\"a\":1}x", "{\"a\":1}{}", "{\"a\":1", "{\"a\" 1}",
		"{\"a\":tru}", "{\"a\":nul}", "{\"a\":[1,]}", "{\"a\":1,}", "{'a':1}",
		"\xef\xbb\xbf{\"a\":1}", " {\"a\":1}", "[1]", "\"s\"", "", "{\"a\":\"\x01\"}",
		"{\"a\":\"\xc0\x80\"}", "{\"a\":\"\xed\xa0\x80\"}", "{\"a\":\"\xf4\x90\x80\x80\"}",
		"{\"a\":\"\xff\"}", "{\"\xc3\":1}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}",
		"{\"a\":\"\\u12g4\"}", "{\"marks\":1e400}", "{\"a\":1}\x00", "{\"a\":\"b\x00\"}",
		NULL,
	};
	struct jsonfast *jf = jsonfast_new();
	char deep[2 * 1100 + 16];
	size_t i, n = 0;

	(void)state;
	assert_non_null(jf);
	for (i = 0; bad[i]; i++)
		both(jf, bad[i], strlen(bad[i]));
	/* Raw NUL bytes, which strlen would cut. */
	both(jf, "{\"a\":1}\0", 8);
	both(jf, "{\"a\":\"\0\"}", 9);
	/* Deeper than simdjson goes, shallower than jansson's limit. */
	n += (size_t)sprintf(deep, "{\"a\":");
	for (i = 0; i < 1100; i++)
		deep[n++] = '[';
	for (i = 0; i < 1100; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	both(jf, deep, n);
	/* Longer than JSONFAST_MAX: deferred. */
	{
		size_t len = JSONFAST_MAX + 16;
		char *big = malloc(len);

		assert_non_null(big);
		memset(big, ' ', len);
		memcpy(big, "{\"a\":1}", 7);
		assert_int_equal(both(jf, big, len), 0);
		free(big);
	}
	jsonfast_free(jf);
	/* Without a parser (out of memory), everything is deferred. */
	assert_null(jsonfast_load(NULL, S("{}"), NULL));
}

/* A pruned object with more members than are compared pair by pair. */
static void test_jsonfast_prune_wide(void **state)
{
	struct jsonfast *jf = jsonfast_new();
	char t[4096];
	size_t i, n;

	(void)state;
	n = (size_t)sprintf(t, "{\"stat\":{");
	for (i = 0; i < 100; i++)
		n += (size_t)sprintf(t + n, "%s\"k%zu\":%zu", i ? "," : "", i, i);
	n += (size_t)sprintf(t + n, "}}");
	/* Built whole it is jansson's hash that finds duplicates; pruned,
	 * more than 64 members are jansson's to parse. */
	assert_int_equal(agrees(jf, t, n, NULL), 1);
	assert_int_equal(agrees(jf, t, n, lean), 0);
	jsonfast_free(jf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jsonfast_records),
		cmocka_unit_test(test_jsonfast_hostile),
		cmocka_unit_test(test_jsonfast_prune_wide),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
