/* jsonw: writing JSON text into a buf (writing only; parsing is jansson's). */
#ifndef PROCSNAP_JSONW_H
#define PROCSNAP_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define JSONW_MAX_DEPTH 16

/*
 * A writer appends to a borrowed buf and tracks where commas go.  key is
 * the member name inside an object and must be NULL inside an array.
 * Errors are the buf's sticky error: check buf_error() at the end.
 *
 * Raw bytes: jsonw_bytes() writes key as a JSON string.  When the bytes are
 * not clean UTF-8 (see escape_is_clean_utf8) the string has U+FFFD in place
 * of each bad byte and a sibling "<key>_b64" holds the exact bytes in
 * base64, so nothing is lost and the JSON stays valid.
 */
struct jsonw {
	struct buf *out;
	int depth;
	bool first[JSONW_MAX_DEPTH];
};

void jsonw_init(struct jsonw *w, struct buf *out);
void jsonw_open(struct jsonw *w, const char *key);  /* { */
void jsonw_close(struct jsonw *w);                  /* } */
void jsonw_aopen(struct jsonw *w, const char *key); /* [ */
void jsonw_aclose(struct jsonw *w);                 /* ] */
void jsonw_str(struct jsonw *w, const char *key, const char *s);
void jsonw_bytes(struct jsonw *w, const char *key, const void *p, size_t n);
void jsonw_int(struct jsonw *w, const char *key, int64_t v);
void jsonw_uint(struct jsonw *w, const char *key, uint64_t v);
void jsonw_bool(struct jsonw *w, const char *key, bool v);
void jsonw_null(struct jsonw *w, const char *key);
/* JSON text made elsewhere (e.g. json_dumpb), written as the value of key.
 * The caller vouches that it is one valid JSON value. */
void jsonw_raw(struct jsonw *w, const char *key, const char *json, size_t n);

#endif
