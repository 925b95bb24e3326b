/* escape: making raw bytes (names, paths, command lines) safe to print. */
#ifndef PROCSNAP_ESCAPE_H
#define PROCSNAP_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/*
 * True when p[0..n) is well-formed UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF) and holds no NUL byte.  Names from /proc are
 * arbitrary bytes; only such text can go into JSON as a plain string.
 */
bool escape_is_clean_utf8(const void *p, size_t n);

/*
 * Appends p[0..n) for a one-line text display: printable ASCII and valid
 * UTF-8 as is (except backslash, doubled), control bytes as \n \t \r or
 * \xHH, invalid UTF-8 bytes as \xHH.  The result never contains a newline
 * or an escape sequence a terminal would act on.
 */
int escape_text(struct buf *out, const void *p, size_t n);

/* Appends the standard base64 (RFC 4648, padded) of p[0..n). */
int escape_base64(struct buf *out, const void *p, size_t n);

/* Decodes base64; returns 0 or -EINVAL.  out receives the bytes. */
int escape_base64_decode(struct buf *out, const char *s, size_t n);

#endif
