/* buf: a growable byte buffer with a sticky allocation error. */
#ifndef PROCSNAP_BUF_H
#define PROCSNAP_BUF_H

#include <stddef.h>

/*
 * The buffer owns data; buf_free() releases it.  data is always
 * NUL-terminated after a successful append (not counted in len), so text
 * can be handed to C string functions, but it may also hold NUL bytes.
 * Once an allocation fails, err is -ENOMEM and every later append is a
 * no-op: callers that build a long text check buf_error() once at the end.
 */
struct buf {
	char *data;
	size_t len;
	size_t cap;
	int err;
};
#define BUF_INIT { NULL, 0, 0, 0 }

int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Empties the buffer and clears a sticky error, keeping the allocation. */
void buf_reset(struct buf *b);
void buf_free(struct buf *b);
static inline int buf_error(const struct buf *b) { return b->err; }

#endif
