/* jsonfast: JSON text to jansson values through simdjson, for the many small records a reader parses; jansson decides whatever it does not. */
#ifndef PROCSNAP_JSONFAST_H
#define PROCSNAP_JSONFAST_H

#include <jansson.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * jansson's parser costs about 190 instructions a byte, most of a
 * `snapread fds --json` (docs/PERFORMANCE.md, #18).  simdjson validates
 * and parses the same text in a few; the values are then built with
 * jansson, so every caller keeps its json_t.
 *
 * jsonfast_load() only ever answers with what json_loadb(text, len,
 * JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL) would have built, or NULL:
 * "not decided here, ask jansson" — for every text simdjson refuses, and
 * for every text where the two could differ: not starting with '{', a
 * duplicate key, NUL in a key, a string that is not valid UTF-8 once
 * unescaped (a lone surrogate), a number that is not an integer or does
 * not fit in int64 (jansson's reals and its "too big integer"), deeper
 * than simdjson's 1,024 levels, longer than JSONFAST_MAX.  Errors and
 * their one-line messages so stay jansson's.
 */

/* Longer texts go to jansson: simdjson keeps buffers for the longest
 * text it parsed, some ten times its size. */
#define JSONFAST_MAX (64u << 10)

/*
 * A member of the top-level object the caller never reads: its value is
 * validated like the rest, but not built.  keep NULL: the member is left
 * out; else, when its value is an object, that object is built with its
 * member keep alone (e.g. "stat" keeping "size").  A list ends with key
 * NULL.
 */
struct jsonfast_prune {
	const char *key;
	const char *keep;
};

struct jsonfast;

/* NULL when out of memory (then every text goes to jansson). */
struct jsonfast *jsonfast_new(void);
/* The object text (len bytes) is, or NULL: let json_loadb decide (and
 * build, or say what is wrong).  With prune (may be NULL), those members
 * as it says.  The caller owns the result (json_decref). */
json_t *jsonfast_load(struct jsonfast *jf, const char *text, size_t len,
		      const struct jsonfast_prune *prune);
void jsonfast_free(struct jsonfast *jf);

#ifdef __cplusplus
}
#endif

#endif
