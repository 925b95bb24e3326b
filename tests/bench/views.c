/* views: what reading a network namespace's sockets costs by each view —
 * /proc/net's five tables read and parsed, and the five sock_diag dumps
 * made and parsed — in the caller's namespace; medians of N runs.
 *     views [N]        (docs/PERFORMANCE.md, "Hidden things") */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "procfs.h"
#include "sockdiag.h"
#include "sockets.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 21, i, k, fd = sockdiag_open();
	double *tp = calloc((size_t)n, sizeof(double)), *td = calloc((size_t)n, sizeof(double));
	struct buf b = BUF_INIT;
	size_t nsock = 0;
	bool truncated;
	unsigned bad;

	if (fd < 0 || !tp || !td || n < 1)
		return 2;
	for (i = 0; i < n; i++) {
		struct sockets s = SOCKETS_INIT, d = SOCKETS_INIT;
		double t0 = now();

		for (k = 0; k < SOCKDIAG_NKINDS; k++)
			if (procfs_read(AT_FDCWD, k == 4 ? "/proc/net/unix" : k == 0 ? "/proc/net/tcp" :
					k == 1 ? "/proc/net/tcp6" : k == 2 ? "/proc/net/udp" : "/proc/net/udp6",
					64 << 20, &b, &truncated) == 0)
				sockets_add_table(&s, sockets_tables[k], b.data, b.len, &bad);
		tp[i] = now() - t0;
		t0 = now();
		for (k = 0; k < SOCKDIAG_NKINDS; k++) {
			buf_reset(&b);
			if (sockdiag_dump(fd, (enum sockdiag_kind)k, &b) == 0)
				sockets_add_diag(&d, (enum sockdiag_kind)k, b.data, b.len);
		}
		td[i] = now() - t0;
		nsock = d.by_ino.len;
		sockets_free(&s);
		sockets_free(&d);
	}
	qsort(tp, (size_t)n, sizeof(*tp), cmp);
	qsort(td, (size_t)n, sizeof(*td), cmp);
	printf("sockets %zu: /proc/net read+parse median %.2f ms, sock_diag dump+parse median %.2f ms (%d runs)\n",
	       nsock, tp[n / 2] * 1e3, td[n / 2] * 1e3, n);
	close(fd);
	buf_free(&b);
	free(tp);
	free(td);
	return 0;
}
