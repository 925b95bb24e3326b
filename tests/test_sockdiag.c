/* test_sockdiag: the sock_diag parser and the two views' comparison, on real netlink dumps and /proc/net tables kept in fixtures/sockdiag. */
#include <errno.h>
#include <linux/netlink.h>
#include <string.h>

#include "testutil.h"
#include "sockdiag.h"
#include "sockets.h"

/* fixtures/sockdiag/KIND.EXT (made by tests/tools/sockdiag_scene.py). */
static void scene(struct buf *b, int kind, const char *ext)
{
	char name[64];

	snprintf(name, sizeof(name), "../sockdiag/%s.%s", sockdiag_names[kind], ext);
	fixture(b, name);
}

/* The scene's sockets by inode (see fixtures/README.md, "sockdiag/"). */
enum {
	TCP_LISTEN = 3734856, TCP_CLIENT, TCP_SERVER, TCP6_LISTEN, UDP4, UDP6, PAIR_A,
	PAIR_B, DGRAM_BOUND, DGRAM_CLIENT, ABS_LISTEN, ABS_CLIENT, ABS_SERVER,
};

/* Both views of every kind, into s. */
static void both_views(struct sockets *s, int drop_ino)
{
	struct buf b = BUF_INIT;
	unsigned bad = 0;
	int k;

	for (k = 0; k < SOCKDIAG_NKINDS; k++) {
		scene(&b, k, "txt");
		if (drop_ino) {
			/* The table as a rootkit that hides one socket leaves it. */
			char ino[24], *line = b.data;
			size_t il;

			il = (size_t)snprintf(ino, sizeof(ino), " %d", drop_ino);
			while ((line = strstr(line, ino)) && line[il] != ' ' && line[il] != '\n')
				line += il;
			if (line) {
				char *start = line, *end = strchr(line, '\n');

				while (start > b.data && start[-1] != '\n')
					start--;
				memmove(start, end + 1, b.len - (size_t)(end + 1 - b.data) + 1);
				b.len -= (size_t)(end + 1 - start);
			}
		}
		assert_int_equal(sockets_add_table(s, sockets_tables[k], b.data, b.len, &bad), 0);
		scene(&b, k, "bin");
		assert_int_equal(sockets_add_diag(s, (enum sockdiag_kind)k, b.data, b.len), 0);
	}
	assert_int_equal(bad, 0);
	buf_free(&b);
}

static int count(const struct parse_sock *sk, void *arg)
{
	(void)sk;
	(*(int *)arg)++;
	return 0;
}

static void test_sockdiag_counts(void **state)
{
	static const int want[SOCKDIAG_NKINDS] = { 3, 1, 1, 1, 7 };
	struct buf b = BUF_INIT;
	int k, n;

	(void)state;
	for (k = 0; k < SOCKDIAG_NKINDS; k++) {
		n = 0;
		scene(&b, k, "bin");
		assert_int_equal(sockdiag_parse(b.data, b.len, (enum sockdiag_kind)k, NULL, count, &n), 0);
		assert_int_equal(n, want[k]);
	}
	buf_free(&b);
}

/* What sock_diag says matches /proc/net's text, field by field. */
static void test_sockdiag_inet(void **state)
{
	struct sockets s = SOCKETS_INIT;
	const struct parse_sock *sk;

	(void)state;
	both_views(&s, 0);
	sk = sockets_find(&s, TCP_LISTEN);
	assert_non_null(sk);
	assert_string_equal(sk->proto, "tcp");
	assert_string_equal(sk->local, "127.0.0.1:4444");
	assert_string_equal(sk->remote, "0.0.0.0:0");
	assert_string_equal(sk->state, "LISTEN");
	assert_int_equal(sk->views, SOCK_VIEW_PROC | SOCK_VIEW_DIAG);
	sk = sockets_find(&s, TCP_CLIENT);
	assert_string_equal(sk->remote, "127.0.0.1:4444");
	assert_string_equal(sk->state, "ESTABLISHED");
	sk = sockets_find(&s, TCP6_LISTEN);
	assert_string_equal(sk->local, "[::1]:6666");
	sk = sockets_find(&s, UDP4);
	assert_string_equal(sk->local, "127.0.0.1:5353");
	assert_string_equal(sk->state, "UNCONN");
	sk = sockets_find(&s, UDP6);
	assert_string_equal(sk->local, "[::1]:5354");
	assert_int_equal(sockets_unmatched(&s, NULL), 0);
	sockets_free(&s);
}

/* The diag view alone: the same text /proc/net would have given. */
static int check_unix(const struct parse_sock *sk, void *arg)
{
	(void)arg;
	if (sk->ino == ABS_LISTEN) {
		assert_string_equal(sk->local, "@scene@x");
		assert_string_equal(sk->state, "LISTEN");
		assert_int_equal(sk->peer, 0);
	} else if (sk->ino == DGRAM_BOUND) {
		assert_memory_equal(sk->local, "/tmp/sockdiag-scene.", 20);
	}
	return 0;
}

/* Peers, and the real state of a bound datagram socket. */
static void test_sockdiag_unix(void **state)
{
	struct sockets s = SOCKETS_INIT;
	struct buf b = BUF_INIT;
	const struct parse_sock *sk;

	(void)state;
	scene(&b, SOCKDIAG_UNIX, "bin");
	assert_int_equal(sockdiag_parse(b.data, b.len, SOCKDIAG_UNIX, NULL, check_unix, NULL), 0);
	both_views(&s, 0);
	assert_int_equal(sockets_find(&s, PAIR_A)->peer, PAIR_B);
	assert_int_equal(sockets_find(&s, PAIR_B)->peer, PAIR_A);
	assert_string_equal(sockets_find(&s, PAIR_A)->state, "CONNECTED");
	assert_int_equal(sockets_find(&s, ABS_CLIENT)->peer, ABS_SERVER);
	assert_int_equal(sockets_find(&s, ABS_SERVER)->peer, ABS_CLIENT);
	/* /proc/net/unix says 03 (connected): a client connected to it;
	 * it has no peer of its own. */
	sk = sockets_find(&s, DGRAM_BOUND);
	assert_string_equal(sk->type, "dgram");
	assert_string_equal(sk->state, "UNCONNECTED");
	assert_int_equal(sk->peer, 0);
	sk = sockets_find(&s, DGRAM_CLIENT);
	assert_string_equal(sk->state, "CONNECTED");
	assert_int_equal(sk->peer, DGRAM_BOUND);
	assert_string_equal(sockets_find(&s, ABS_LISTEN)->state, "LISTEN");
	assert_int_equal(sockets_unmatched(&s, NULL), 0);
	sockets_free(&s);
	buf_free(&b);
}

/* The dumps first, then the tables (as the capture does): a socket both
 * list is found in the table by its inode alone, and keeps the dump's
 * fields, which are the table's. */
static void test_sockdiag_diag_first(void **state)
{
	struct sockets s = SOCKETS_INIT, t = SOCKETS_INIT;
	struct buf b = BUF_INIT;
	unsigned bad = 0;
	size_t i;
	int k;

	(void)state;
	for (k = 0; k < SOCKDIAG_NKINDS; k++) {
		scene(&b, k, "bin");
		assert_int_equal(sockets_add_diag(&s, (enum sockdiag_kind)k, b.data, b.len), 0);
		scene(&b, k, "txt");
		assert_int_equal(sockets_add_table(&s, sockets_tables[k], b.data, b.len, &bad), 0);
		assert_int_equal(sockets_add_table(&t, sockets_tables[k], b.data, b.len, &bad), 0);
	}
	assert_int_equal(bad, 0);
	assert_int_equal(s.by_ino.len, t.by_ino.len);
	assert_int_equal(sockets_unmatched(&s, NULL), 0);
	for (i = 0; i < t.by_ino.cap; i++) {
		const struct parse_sock *x = t.by_ino.slots[i].value, *y;

		if (!x)
			continue;
		y = sockets_find(&s, x->ino);
		assert_non_null(y);
		assert_int_equal(y->views, SOCK_VIEW_PROC | SOCK_VIEW_DIAG);
		assert_string_equal(y->proto, x->proto);
		assert_string_equal(y->local, x->local);
		assert_string_equal(y->remote, x->remote);
		assert_string_equal(y->type, x->type);
		if (strcmp(x->proto, "unix") != 0)
			assert_string_equal(y->state, x->state);
	}
	sockets_free(&s);
	sockets_free(&t);
	buf_free(&b);
}

/* A port missing from /proc/net/tcp, twice: hidden from proc-net. */
static void test_sockdiag_hidden_from_proc(void **state)
{
	struct sockets s = SOCKETS_INIT, again = SOCKETS_INIT;
	bool kinds[SOCKDIAG_NKINDS] = { false };
	const struct parse_sock *sk;

	(void)state;
	both_views(&s, TCP_LISTEN);
	assert_int_equal(sockets_unmatched(&s, kinds), 1);
	assert_true(kinds[SOCKDIAG_TCP]);
	assert_false(kinds[SOCKDIAG_UNIX]);
	both_views(&again, TCP_LISTEN);
	sockets_confirm(&s, &again);
	assert_int_equal(s.nhidden, 1);
	sk = sockets_find(&s, TCP_LISTEN);
	assert_int_equal(sk->views, SOCK_VIEW_DIAG);
	assert_int_equal(sk->hidden, SOCK_VIEW_PROC);
	assert_string_equal(sk->local, "127.0.0.1:4444"); /* from the dump */
	assert_int_equal(sockets_find(&s, TCP_CLIENT)->hidden, 0);
	sockets_free(&s);
	sockets_free(&again);
}

/* Missing once, present when read again: born between two reads, not
 * hidden. */
static void test_sockdiag_race_not_hidden(void **state)
{
	struct sockets s = SOCKETS_INIT, again = SOCKETS_INIT;

	(void)state;
	both_views(&s, PAIR_A);
	assert_int_equal(sockets_unmatched(&s, NULL), 1);
	both_views(&again, 0);
	sockets_confirm(&s, &again);
	assert_int_equal(s.nhidden, 0);
	assert_int_equal(sockets_find(&s, PAIR_A)->hidden, 0);
	sockets_free(&s);
	sockets_free(&again);
}

/* A kind whose dump failed compares nothing: nothing is hidden. */
static void test_sockdiag_one_view_only(void **state)
{
	struct sockets s = SOCKETS_INIT;
	struct buf b = BUF_INIT;
	unsigned bad = 0;

	(void)state;
	scene(&b, SOCKDIAG_TCP, "txt");
	assert_int_equal(sockets_add_table(&s, "net/tcp", b.data, b.len, &bad), 0);
	assert_int_equal(sockets_unmatched(&s, NULL), 0);
	sockets_free(&s);
	buf_free(&b);
}

/* Cut dumps, an error answer, a message too short. */
static void test_sockdiag_bad_input(void **state)
{
	struct buf b = BUF_INIT;
	struct {
		struct nlmsghdr h;
		struct nlmsgerr e;
	} err;
	int n = 0;

	(void)state;
	scene(&b, SOCKDIAG_TCP, "bin");
	assert_int_equal(sockdiag_parse(b.data, b.len - 20, SOCKDIAG_TCP, NULL, count, &n), -EBADMSG);
	assert_int_equal(sockdiag_parse(b.data, 12, SOCKDIAG_TCP, NULL, count, &n), -EBADMSG);
	assert_int_equal(sockdiag_parse(b.data, 0, SOCKDIAG_TCP, NULL, count, &n), -EBADMSG);
	/* A tcp dump is not a unix dump. */
	assert_int_equal(sockdiag_parse(b.data, b.len, SOCKDIAG_UNIX, NULL, count, &n), -EBADMSG);
	memset(&err, 0, sizeof(err));
	err.h.nlmsg_len = sizeof(err);
	err.h.nlmsg_type = NLMSG_ERROR;
	err.e.error = -ENOENT;
	assert_int_equal(sockdiag_parse(&err, sizeof(err), SOCKDIAG_UDP, NULL, count, &n), -ENOENT);
	err.h.nlmsg_len = sizeof(err.h) + 2;
	assert_int_equal(sockdiag_parse(&err, sizeof(err), SOCKDIAG_UDP, NULL, count, &n), -EBADMSG);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sockdiag_counts),
		cmocka_unit_test(test_sockdiag_inet),
		cmocka_unit_test(test_sockdiag_unix),
		cmocka_unit_test(test_sockdiag_diag_first),
		cmocka_unit_test(test_sockdiag_hidden_from_proc),
		cmocka_unit_test(test_sockdiag_race_not_hidden),
		cmocka_unit_test(test_sockdiag_one_view_only),
		cmocka_unit_test(test_sockdiag_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
