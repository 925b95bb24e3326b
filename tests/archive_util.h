/* archive_util: reading back an archive the tests wrote, member by member. */
#ifndef PROCSNAP_ARCHIVE_UTIL_H
#define PROCSNAP_ARCHIVE_UTIL_H

#include <archive.h>
#include <archive_entry.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "testutil.h"

/* One member as read back. */
struct member {
	char name[256];
	struct buf data;
	int sparse_regions;
};

/* Reads every member of the archive in fd (rewound first) into m[]. */
static inline size_t read_members(int fd, struct member *m, size_t max)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	size_t n = 0;

	lseek(fd, 0, SEEK_SET);
	archive_read_support_filter_all(a);
	archive_read_support_format_all(a);
	assert_int_equal(archive_read_open_fd(a, fd, 65536), ARCHIVE_OK);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		char chunk[65536];
		la_ssize_t got;

		assert_true(n < max);
		snprintf(m[n].name, sizeof(m[n].name), "%s", archive_entry_pathname(e));
		m[n].data = (struct buf)BUF_INIT;
		m[n].sparse_regions = archive_entry_sparse_count(e);
		buf_append(&m[n].data, "", 0);
		while ((got = archive_read_data(a, chunk, sizeof(chunk))) > 0)
			buf_append(&m[n].data, chunk, (size_t)got);
		assert_true(got == 0);
		n++;
	}
	assert_int_equal(archive_read_free(a), ARCHIVE_OK);
	return n;
}

static inline void free_members(struct member *m, size_t n)
{
	while (n--)
		buf_free(&m[n].data);
}

/* The member whose name ends with suffix, or NULL. */
static inline struct member *find_member(struct member *m, size_t n, const char *suffix)
{
	size_t i, sl = strlen(suffix);

	for (i = 0; i < n; i++) {
		size_t l = strlen(m[i].name);

		if (l >= sl && strcmp(m[i].name + l - sl, suffix) == 0)
			return &m[i];
	}
	return NULL;
}

#endif
