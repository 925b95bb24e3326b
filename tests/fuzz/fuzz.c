/* fuzz.c: the input as a memfd, and the oracles every harness asserts (fuzz.h). */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "escape.h"
#include "fuzz.h"

void fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

int fuzz_file(const uint8_t *data, size_t size, char path[64])
{
	size_t off = 0;
	int fd = memfd_create("fuzz-input", MFD_CLOEXEC);

	/* Not the input's fault: the harness cannot run at all. */
	if (fd < 0)
		fuzz_fail("memfd_create: %s", strerror(errno));
	while (off < size) {
		ssize_t n = write(fd, data + off, size - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fuzz_fail("write to memfd: %s", n ? strerror(errno) : "no progress");
		off += (size_t)n;
	}
	snprintf(path, 64, "/proc/self/fd/%d", fd);
	return fd;
}

/* JSON may carry C1 characters as they are (RFC 8259 escapes only C0):
 * json leaves them out of the check. */
static void check(const char *what, const char *s, size_t n, bool one_line, bool json)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\n' && !one_line)
			continue;
		if (p[i] < 0x20 || p[i] == 0x7f)
			fuzz_fail("%s: control byte 0x%02x at %zu of \"%.*s\"", what, p[i], i,
				  (int)n, s);
		/* C1 controls, U+0080..U+009F: a terminal may act on them. */
		if (!json && p[i] == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f)
			fuzz_fail("%s: C1 control at %zu", what, i);
	}
	if (!escape_is_clean_utf8(s, n))
		fuzz_fail("%s: not valid UTF-8: \"%.*s\"", what, (int)n, s);
}

void fuzz_check_text(const char *what, const char *s, size_t n, bool one_line)
{
	check(what, s, n, one_line, false);
}

void fuzz_check_json_text(const char *what, const char *s, size_t n)
{
	check(what, s, n, true, true);
}

void fuzz_check_lines(const char *what, const char *s, size_t n)
{
	fuzz_check_text(what, s, n, false);
	if (n && s[n - 1] != '\n')
		fuzz_fail("%s: does not end with a newline", what);
}

void fuzz_check_json_lines(const char *what, const char *s, size_t n)
{
	const char *end = s + n;

	check(what, s, n, false, true);
	if (n && s[n - 1] != '\n')
		fuzz_fail("%s: does not end with a newline", what);
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		json_error_t je;
		json_t *j = json_loadb(s, (size_t)(nl - s), 0, &je);

		if (!json_is_object(j))
			fuzz_fail("%s: not a JSON object (%s): %.*s", what, je.text,
				  (int)(nl - s), s);
		json_decref(j);
		s = nl + 1;
	}
}
