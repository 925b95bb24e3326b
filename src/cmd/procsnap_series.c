/* procsnap_series: procsnap --every — a capture every SECS, each round an archive of its own, forked. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "procsnap_series.h"
#include "signals.h"

/* How often a wait between rounds looks at the stop flag. */
#define SLICE_MS 100

struct series {
	const struct series_opts *o;
	const volatile sig_atomic_t *stop;
	struct reuse *reuse;
	char host[65];
	char first[256], previous[256];
	struct capture_series info;
	unsigned long done, late;
	struct buf sent;           /* what a round sent back */
	int forwarded;             /* the signal passed on to the round */
};

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* Waits until the monotonic clock reads at (ms); false when stopped. */
static bool wait_until(const struct series *s, uint64_t at)
{
	uint64_t t;

	while (!*s->stop && (t = now_ms()) < at) {
		uint64_t d = at - t < SLICE_MS ? at - t : SLICE_MS;
		struct timespec ts = { (time_t)(d / 1000), (long)(d % 1000) * 1000000L };

		nanosleep(&ts, NULL);
	}
	return !*s->stop;
}

/* A signal the series took goes to the round too, once (one sent from a
 * terminal reached both already; a second is harmless). */
static void forward(struct series *s, pid_t child)
{
	if (*s->stop && !s->forwarded) {
		s->forwarded = (int)*s->stop;
		kill(child, s->forwarded);
	}
}

/* The round's process: its capture, then what it stored, to fd. */
static _Noreturn void round_child(struct series *s, int fd, const char *base,
				  series_round_fn fn, void *arg)
{
	uint64_t files, bytes;
	int rc;

	/* A signal reaches the round from the terminal's process group or
	 * forwarded by the series, which has acknowledged it already. */
	signals_notice_off();
	rc = fn(arg, base, &s->info, s->reuse);

	if (rc == 0 && s->reuse) {
		if (reuse_send(s->reuse, fd))
			rc = 2;
		reuse_hits(s->reuse, &files, &bytes);
		if (!rc && !s->o->quiet && files)
			fprintf(stderr, "procsnap: round %lu: %llu files (%llu bytes) referenced "
				"from earlier rounds, not copied again\n", s->info.round,
				(unsigned long long)files, (unsigned long long)bytes);
	}
	fflush(NULL);
	_exit(rc);
}

/* Reads what the round sends until it closes the pipe, then its status:
 * its exit status, or 2 when it was killed. */
static int collect(struct series *s, pid_t child, int fd)
{
	char chunk[4096];
	int st = 0;

	buf_reset(&s->sent);
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n > 0) {
			buf_append(&s->sent, chunk, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR) {
			forward(s, child);
			continue;
		}
		break;
	}
	while (waitpid(child, &st, 0) < 0) {
		if (errno != EINTR)
			return 2;
		forward(s, child);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 2;
}

/* One round, forked.  Its exit status. */
static int run_round(struct series *s, series_round_fn fn, void *arg)
{
	char base[200], name[256];
	struct timespec rt;
	int p[2], rc;
	pid_t child;

	clock_gettime(CLOCK_REALTIME, &rt);
	capture_round_basename(base, sizeof(base), s->host, &rt, s->info.round);
	snprintf(name, sizeof(name), "%s%s", base, s->o->suffix);
	if (pipe2(p, O_CLOEXEC) < 0) {
		fprintf(stderr, "procsnap: round %lu: %s\n", s->info.round, strerror(errno));
		return 2;
	}
	/* Every round of a series names the first round's archive; the
	 * first names its own. */
	s->info.first = s->first[0] ? s->first : name;
	fflush(NULL);
	child = fork();
	if (child < 0) {
		fprintf(stderr, "procsnap: round %lu: cannot fork: %s\n", s->info.round,
			strerror(errno));
		close(p[0]);
		close(p[1]);
		return 2;
	}
	if (child == 0) {
		close(p[0]);
		round_child(s, p[1], base, fn, arg);
	}
	close(p[1]);
	rc = collect(s, child, p[0]);
	close(p[0]);
	if (rc == 0 && s->reuse &&
	    reuse_load(s->reuse, s->sent.data ? s->sent.data : "", s->sent.len, name, base)) {
		/* The archive is whole; only its offer is lost. */
		fprintf(stderr, "procsnap: round %lu: what it stored cannot be referenced "
			"by the next rounds (out of memory, or a bad line)\n", s->info.round);
	}
	if (rc == 0) {
		if (!s->first[0])
			snprintf(s->first, sizeof(s->first), "%s", name);
		snprintf(s->previous, sizeof(s->previous), "%s", name);
	}
	return rc;
}

/* The next round's slot after one that began at start (ms) and ended
 * now: start + every, or now when it overran, recorded in s->info. */
static uint64_t next_slot(struct series *s, uint64_t start)
{
	uint64_t end = now_ms(), slot = start + s->o->every_ms;

	s->info.late_ms = 0;
	s->info.previous_ms = end - start;
	if (end <= slot)
		return slot;
	s->info.late_ms = end - slot;
	s->late++;
	if (!s->o->quiet && !*s->stop && (!s->o->count || s->info.round < s->o->count))
		fprintf(stderr, "procsnap: round %lu took %.3f s, longer than --every %.3f s: "
			"round %lu starts at once, %.3f s late\n", s->info.round,
			(double)(end - start) / 1000, (double)s->o->every_ms / 1000,
			s->info.round + 1, (double)s->info.late_ms / 1000);
	return end;
}

static void host_name(char out[65])
{
	struct utsname u;

	snprintf(out, 65, "%s", uname(&u) == 0 ? u.nodename : "unknown");
}

/* What the series says at its end, and its exit status. */
static int finish(const struct series *s, int rc)
{
	const struct series_opts *o = s->o;

	if (*s->stop) {
		/* The round stopped said so itself (no archive left). */
		fprintf(stderr, "procsnap: series stopped by signal %d after %lu complete "
			"rounds\n", (int)*s->stop, s->done);
		/* Until interrupted is how --count 0 ends; --count N was not
		 * reached. */
		return s->done && !o->count ? 0 : 2;
	}
	if (rc) {
		fprintf(stderr, "procsnap: round %lu failed: series stopped after %lu complete "
			"rounds\n", s->info.round, s->done);
		return 2;
	}
	if (!o->quiet)
		fprintf(stderr, "procsnap: series: %lu rounds every %.3f s, %lu started late\n",
			s->done, (double)o->every_ms / 1000, s->late);
	return 0;
}

int series_run(const struct series_opts *o, const volatile sig_atomic_t *stop,
	       series_round_fn fn, void *arg)
{
	struct series s = { .o = o, .stop = stop, .sent = BUF_INIT };
	uint64_t start = now_ms(), next = start;
	int rc = 0;

	host_name(s.host);
	if (o->reuse && reuse_new(&s.reuse)) {
		fprintf(stderr, "procsnap: out of memory\n");
		return 2;
	}
	s.info.count = o->count;
	s.info.every_ms = o->every_ms;
	s.info.reuse = o->reuse;
	for (s.info.round = 1; !o->count || s.info.round <= o->count; s.info.round++) {
		if (!wait_until(&s, next))
			break;
		start = now_ms();
		s.info.previous = s.previous[0] ? s.previous : NULL;
		rc = run_round(&s, fn, arg);
		if (rc)
			break;
		s.done++;
		next = next_slot(&s, start);
	}
	reuse_free(s.reuse);
	buf_free(&s.sent);
	return finish(&s, rc);
}
