/* timeit: runs commands side by side, alternating, and reports medians and peak RSS. */
/*
 *     timeit [-n RUNS] [-w WARMUP] [-p PREP] [-o RAW] [-e ERRLOG] NAME=CMD...
 *
 * Each round runs every command once, and the order turns by one command
 * each round (round r starts with command r mod k), so no command always
 * runs first, after a cache-warming neighbour or into a disk still busy
 * with the previous one's writes.  WARMUP rounds run first and are not
 * counted.  PREP (a shell command) runs before every run, untimed, with
 * BENCH_NAME set to the name of the command about to run.
 *
 * Every CMD runs as `/bin/sh -c CMD`, stdin on /dev/null, stdout on
 * /dev/null unless CMD redirects it, stderr appended to ERRLOG (default
 * /dev/null).  Times: wall clock (CLOCK_MONOTONIC) around fork..wait4;
 * user and system CPU and peak RSS from wait4's rusage, which covers the
 * shell and everything it waited for (ru_maxrss: the largest of them).
 *
 * stdout gets one tab-separated line per command:
 *     name runs median_s min_s max_s median_cpu_s max_rss_kib failures
 * and RAW (appended) one line per run:
 *     name round wall_s user_s sys_s rss_kib status
 * Exit status: 0, or 2 on a usage or system error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CMDS 16
#define MAX_RUNS 1000

struct cmd {
	const char *name, *line;
	double wall[MAX_RUNS], cpu[MAX_RUNS];
	long rss_max;
	int n, failures;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double tv(const struct timeval *t)
{
	return (double)t->tv_sec + (double)t->tv_usec / 1e6;
}

/* Runs line under /bin/sh; fills the times, returns the wait status or -1. */
static int run(const char *line, const char *name, const char *errlog,
	       double *wall, double *user, double *sys, long *rss)
{
	struct rusage ru;
	double t0 = now();
	int status = 0;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY), out = open("/dev/null", O_WRONLY);
		int err = open(errlog, O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
		    dup2(err, 2) < 0)
			_exit(127);
		if (name)
			setenv("BENCH_NAME", name, 1);
		execl("/bin/sh", "sh", "-c", line, (char *)NULL);
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR)
			return -1;
	*wall = now() - t0;
	*user = tv(&ru.ru_utime);
	*sys = tv(&ru.ru_stime);
	*rss = ru.ru_maxrss;
	return status;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	if (n == 0)
		return 0;
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void usage(void)
{
	fprintf(stderr, "usage: timeit [-n RUNS] [-w WARMUP] [-p PREP] [-o RAW] "
			"[-e ERRLOG] NAME=CMD...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct cmd cmds[MAX_CMDS];
	const char *prep = NULL, *rawpath = NULL, *errlog = "/dev/null";
	FILE *raw = NULL;
	int runs = 5, warmup = 1, k = 0, opt, r, i;

	while ((opt = getopt(argc, argv, "n:w:p:o:e:")) != -1) {
		switch (opt) {
		case 'n': runs = atoi(optarg); break;
		case 'w': warmup = atoi(optarg); break;
		case 'p': prep = optarg; break;
		case 'o': rawpath = optarg; break;
		case 'e': errlog = optarg; break;
		default: usage();
		}
	}
	if (runs < 1 || runs > MAX_RUNS || warmup < 0 || optind == argc ||
	    argc - optind > MAX_CMDS)
		usage();
	for (i = optind; i < argc; i++, k++) {
		char *eq = strchr(argv[i], '=');

		if (!eq || eq == argv[i])
			usage();
		*eq = '\0';
		cmds[k].name = argv[i];
		cmds[k].line = eq + 1;
	}
	if (rawpath && !(raw = fopen(rawpath, "a"))) {
		fprintf(stderr, "timeit: %s: %s\n", rawpath, strerror(errno));
		return 2;
	}
	for (r = -warmup; r < runs; r++) {
		for (i = 0; i < k; i++) {
			struct cmd *c = &cmds[((r + warmup) + i) % k];
			double wall, user, sys, pw, pu, ps;
			long rss, prss;
			int st;

			if (prep && run(prep, c->name, errlog, &pw, &pu, &ps, &prss) < 0)
				return 2;
			st = run(c->line, c->name, errlog, &wall, &user, &sys, &rss);
			if (st < 0) {
				fprintf(stderr, "timeit: cannot run %s: %s\n", c->name, strerror(errno));
				return 2;
			}
			if (r < 0)
				continue;
			c->wall[c->n] = wall;
			c->cpu[c->n] = user + sys;
			c->n++;
			if (rss > c->rss_max)
				c->rss_max = rss;
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
				c->failures++;
			if (raw)
				fprintf(raw, "%s\t%d\t%.4f\t%.4f\t%.4f\t%ld\t%d\n", c->name, r,
					wall, user, sys, rss,
					WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		}
	}
	if (raw)
		fclose(raw);
	for (i = 0; i < k; i++) {
		struct cmd *c = &cmds[i];
		double med = median(c->wall, c->n);

		/* median() sorted wall: min and max are at the ends. */
		printf("%s\t%d\t%.4f\t%.4f\t%.4f\t%.4f\t%ld\t%d\n", c->name, c->n, med,
		       c->wall[0], c->wall[c->n - 1], median(c->cpu, c->n), c->rss_max,
		       c->failures);
	}
	return 0;
}
