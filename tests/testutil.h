/* testutil: what every cmocka test program includes. */
#ifndef PROCSNAP_TESTUTIL_H
#define PROCSNAP_TESTUTIL_H

/* Debian's cmocka 1.1 wants these before <cmocka.h>. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "buf.h"

/* Reads ../fixtures/proc/NAME (tests run with cwd = tests/) into b. */
static inline void fixture(struct buf *b, const char *name)
{
	char path[256];
	char chunk[4096];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "../fixtures/proc/%s", name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("missing fixture %s", path);
	buf_reset(b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(b, chunk, n);
	fclose(f);
	assert_int_equal(buf_error(b), 0);
}

#endif
