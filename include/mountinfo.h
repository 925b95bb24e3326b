/* mountinfo: a pure parser of /proc/PID/mountinfo lines (proc(5)).  No I/O. */
#ifndef PROCSNAP_MOUNTINFO_H
#define PROCSNAP_MOUNTINFO_H

#include <stdbool.h>
#include <stddef.h>

/*
 * One line: "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw".
 * The text fields point into the line (borrowed: they live as long as it)
 * and are as the kernel wrote them: space, tab, newline and backslash in
 * root, mount point and source are octal escapes (\040), undone by
 * mountinfo_unescape().
 */
struct mountinfo_entry {
	int id, parent;
	unsigned major, minor;
	const char *root, *point, *opts, *fstype, *source, *super;
	size_t root_len, point_len, opts_len, fstype_len, source_len, super_len;
};

/* Returns 0, or -EINVAL when the line is not a mountinfo line. */
int mountinfo_parse_line(const char *s, size_t n, struct mountinfo_entry *out);

/*
 * Calls fn for each line of text that parses (lines that do not are
 * counted in *bad when bad is not NULL).  fn returns 0 to go on, anything
 * else to stop; that value is returned.
 */
int mountinfo_each(const char *text, size_t len,
		   int (*fn)(const struct mountinfo_entry *e, void *arg), void *arg,
		   unsigned *bad);

/*
 * The escaped field s[0..n) decoded into out (at most size - 1 bytes, then
 * NUL-terminated; size > 0).  Returns the decoded length, which is larger
 * than size - 1 when out was too small (out then holds a cut prefix).
 */
size_t mountinfo_unescape(const char *s, size_t n, char *out, size_t size);

/* Whether the escaped field s[0..n) is the decoded path; prefix: also true
 * when path continues it with "/..." ("/proc" is a prefix of "/proc/1"). */
bool mountinfo_path_is(const char *s, size_t n, const char *path, bool prefix);

#endif
