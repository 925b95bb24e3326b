/* sockdiag_dump DIR: the raw sock_diag dumps and /proc/net tables of this
 * network namespace, one file per kind (DIR/KIND.bin, DIR/KIND.txt), for
 * the unit tests (fixtures/README.md, "sockdiag/"). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"
#include "sockdiag.h"
#include "sockets.h"

static int save(const char *dir, const char *name, const char *ext, const struct buf *b)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext);
	f = fopen(path, "wb");
	if (!f || fwrite(b->data, 1, b->len, f) != b->len || fclose(f) != 0) {
		perror(path);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct buf b = BUF_INIT;
	bool truncated;
	int fd, k, r;

	if (argc != 2) {
		fprintf(stderr, "usage: sockdiag_dump DIR\n");
		return 2;
	}
	fd = sockdiag_open();
	if (fd < 0) {
		fprintf(stderr, "sockdiag_open: %s\n", strerror(-fd));
		return 1;
	}
	for (k = 0; k < SOCKDIAG_NKINDS; k++) {
		buf_reset(&b);
		r = sockdiag_dump(fd, (enum sockdiag_kind)k, &b);
		if (r || save(argv[1], sockdiag_names[k], "bin", &b)) {
			fprintf(stderr, "%s: %s\n", sockdiag_names[k], strerror(-r));
			return 1;
		}
	}
	for (k = 0; k < SOCKDIAG_NKINDS; k++) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/%s", sockets_tables[k]);
		if (procfs_read(AT_FDCWD, path, 1 << 20, &b, &truncated) ||
		    save(argv[1], sockdiag_names[k], "txt", &b))
			return 1;
	}
	close(fd);
	buf_free(&b);
	return 0;
}
