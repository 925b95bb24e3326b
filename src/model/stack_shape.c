/* stack_shape: a name or an argument with its numbers taken out, so that runs of the same program look alike. */
#include "stack.h"

static bool alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* One word (letters and digits only) as stack_shape() says. */
static void shape_word(struct buf *out, const char *w, size_t n)
{
	bool digit = false, hex = true, upper = false, lower = false;
	size_t i;

	for (i = 0; i < n; i++) {
		char c = w[i];

		digit |= c >= '0' && c <= '9';
		upper |= c >= 'A' && c <= 'Z';
		lower |= c >= 'a' && c <= 'z';
		hex &= (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
	}
	if (digit && ((hex && n >= 4) || (n >= 6 && upper && lower))) {
		buf_putc(out, '#');
		return;
	}
	for (i = 0; i < n; i++) {
		if (w[i] >= '0' && w[i] <= '9') {
			if (i == 0 || !(w[i - 1] >= '0' && w[i - 1] <= '9'))
				buf_putc(out, '#');
		} else {
			buf_putc(out, w[i]);
		}
	}
}

int stack_shape(struct buf *out, const char *p, size_t n)
{
	size_t i = 0, j;

	while (i < n) {
		if (!alnum(p[i])) {
			buf_putc(out, p[i++]);
			continue;
		}
		for (j = i; j < n && alnum(p[j]); j++)
			;
		shape_word(out, p + i, j - i);
		i = j;
	}
	return buf_error(out);
}
