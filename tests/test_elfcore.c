/* test_elfcore: ELF cores of captured regions, read back field by field: layouts, pipes, notes, machines. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/procfs.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "elfcore_check.h"

static void test_elfcore_headers_first(void **state)
{
	int fd = memfd();
	struct core k;

	(void)state;
	write_first(fd, 0);
	check_scenario(fd);
	/* the kernel's layout: headers, notes, data from the next page */
	core_load(&k, fd);
	assert_int_equal(k.phoff, 64);
	assert_int_equal(k.ph[0].off, 64 + 5 * 56);
	assert_int_equal(k.ph[1].off, PG);
	/* sized to the end of the last region, itself a hole */
	assert_int_equal(k.size, k.ph[4].off + k.ph[4].filesz);
	core_free(&k);
	close(fd);
}

static void test_elfcore_headers_last(void **state)
{
	int fd = memfd();

	(void)state;
	write_last(fd);
	check_scenario(fd);
	close(fd);
}

/* A pipe gets exactly the bytes of the seekable file, holes as zeros. */
static void test_elfcore_pipe(void **state)
{
	int fd = memfd(), p[2], status;
	unsigned char *a, *b;
	size_t got = 0;
	struct stat st;
	ssize_t r;
	pid_t pid;

	(void)state;
	write_first(fd, 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		write_first(p[1], 0);
		_exit(0);
	}
	close(p[1]);
	b = malloc((size_t)st.st_size + 1);
	a = malloc((size_t)st.st_size);
	assert_non_null(a);
	assert_non_null(b);
	while ((r = read(p[0], b + got, (size_t)st.st_size + 1 - got)) > 0)
		got += (size_t)r;
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(got, (size_t)st.st_size);
	pread_exact(fd, a, got, 0);
	assert_memory_equal(a, b, got);
	free(a);
	free(b);
	close(fd);
}

static void test_elfcore_pipe_order(void **state)
{
	struct elfcore *c = NULL;
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	size_t a, b;

	(void)state;
	assert_true(fd >= 0);
	scenario_new(&c, 0);
	assert_int_equal(elfcore_add_region(c, 0x10000, 0x12000, 4, &a), 0);
	assert_int_equal(elfcore_add_region(c, 0x20000, 0x21000, 4, &b), 0);
	assert_int_equal(elfcore_begin(c, fd, ELFCORE_HEADERS_FIRST), 0);
	assert_int_equal(elfcore_data(c, b, 0, "x", 1), 0);
	/* behind what a stream already wrote: sticky */
	assert_int_equal(elfcore_data(c, a, 0, "x", 1), -ESPIPE);
	assert_non_null(strstr(elfcore_error(c), "not seekable"));
	assert_int_equal(elfcore_data(c, b, 10, "x", 1), -ESPIPE);
	assert_int_equal(elfcore_finish(c), -ESPIPE);
	elfcore_free(c);

	scenario_new(&c, 0);
	assert_int_equal(elfcore_begin(c, fd, ELFCORE_HEADERS_LAST), -ESPIPE);
	elfcore_free(c);
	close(fd);
}

/* A full disk: the error comes back, and stays. */
static void test_elfcore_write_error(void **state)
{
	struct elfcore *c = NULL;
	int fd = open("/dev/full", O_WRONLY | O_CLOEXEC);

	(void)state;
	if (fd < 0)
		skip();
	scenario_new(&c, 0);
	assert_int_equal(elfcore_add_region(c, 0x10000, 0x12000, 4, NULL), 0);
	assert_int_equal(elfcore_begin(c, fd, ELFCORE_HEADERS_FIRST), -ENOSPC);
	assert_int_equal(elfcore_data(c, 0, 0, "x", 1), -ENOSPC);
	assert_int_equal(elfcore_finish(c), -ENOSPC);
	assert_int_equal(elfcore_add_region(c, 0x30000, 0x32000, 4, NULL), -ENOSPC);
	elfcore_free(c);
	close(fd);
}

/* The core starts at the fd's offset; what followed it is cut, so that
 * holes read as zeros and not as an older file's bytes. */
static void test_elfcore_offset_and_stale_bytes(void **state)
{
	static unsigned char junk[8 * PG];
	struct elfcore *c = NULL;
	unsigned char e[4], b;
	int fd = memfd();

	(void)state;
	memset(junk, 0xee, sizeof(junk));
	assert_int_equal(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	assert_int_equal(lseek(fd, 100, SEEK_SET), 100);
	scenario_new(&c, 0);
	assert_int_equal(elfcore_add_region(c, 0x10000, 0x12000, 4, NULL), 0);
	assert_int_equal(elfcore_begin(c, fd, ELFCORE_HEADERS_FIRST), 0);
	assert_int_equal(elfcore_data(c, 0, 5, "y", 1), 0);
	assert_int_equal(elfcore_finish(c), 0);
	assert_int_equal(lseek(fd, 0, SEEK_END), 100 + (off_t)elfcore_size(c));
	pread_exact(fd, e, 4, 100);
	assert_memory_equal(e, "\177ELF", 4);
	pread_exact(fd, &b, 1, 100 + PG + 5);
	assert_int_equal(b, 'y');
	pread_exact(fd, &b, 1, 100 + PG + 6);
	assert_int_equal(b, 0);
	pread_exact(fd, &b, 1, 99);
	assert_int_equal(b, 0xee);
	elfcore_free(c);
	close(fd);
}

/* O_APPEND would send every pwrite to the end: written in order. */
static void test_elfcore_append(void **state)
{
	struct elfcore *c = NULL;
	char path[64];
	int fd = memfd(), afd;
	struct core k;

	(void)state;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	afd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	assert_true(afd >= 0);
	scenario_new(&c, 0);
	assert_int_equal(elfcore_begin(c, afd, ELFCORE_HEADERS_LAST), -ESPIPE);
	elfcore_free(c);
	scenario_new(&c, 0);
	assert_int_equal(elfcore_add_region(c, 0x10000, 0x12000, 4, NULL), 0);
	assert_int_equal(elfcore_begin(c, afd, ELFCORE_HEADERS_FIRST), 0);
	assert_int_equal(elfcore_data(c, 0, PG, "z", 1), 0);
	assert_int_equal(elfcore_finish(c), 0);
	core_load(&k, fd);
	assert_int_equal(k.size, elfcore_size(c));
	assert_int_equal(core_byte(&k, 0x11000), 'z');
	assert_int_equal(core_byte(&k, 0x10000), 0);
	core_free(&k);
	elfcore_free(c);
	close(afd);
	close(fd);
}

static void test_elfcore_empty(void **state)
{
	struct elfcore *c = NULL;
	int fd = memfd();
	struct core k;
	uint32_t n;
	const unsigned char *d;

	(void)state;
	assert_int_equal(elfcore_new(&c, NULL), 0);
	assert_int_equal(elfcore_begin(c, fd, ELFCORE_HEADERS_FIRST), 0);
	assert_int_equal(elfcore_finish(c), 0);
	core_load(&k, fd);
	assert_int_equal(k.phnum, 1);
	assert_int_equal(k.nloads, 0);
	d = core_note(&k, 0x46494c45, &n);
	assert_non_null(d);
	assert_int_equal(n, 16);
	assert_int_equal(get64(d), 0);
	d = core_note(&k, 3, &n);
	assert_non_null(d);
	assert_int_equal(d[40], 0);
	assert_int_equal(d[56], 0);
	assert_int_equal(d[1], '.');
	core_free(&k);
	elfcore_free(c);
	close(fd);
}

/* The notes read as the C library's own structures. */
static void test_elfcore_notes_match_libc(void **state)
{
	struct elf_prpsinfo ps;
	struct elf_prstatus st;
	int fd = memfd();
	const unsigned char *d;
	struct core k;
	uint32_t n;

	(void)state;
	write_first(fd, ELFCORE_PRSTATUS | ELFCORE_RAW_NAMES);
	core_load(&k, fd);
	d = core_note(&k, 1, &n);
	assert_non_null(d);
#if defined(__x86_64__) || defined(__aarch64__)
	assert_int_equal(n, sizeof(st));
	memcpy(&st, d, sizeof(st));
	assert_int_equal(st.pr_pid, 4242);
	assert_int_equal(st.pr_ppid, 1);
	assert_int_equal(st.pr_sid, 4000);
	assert_int_equal(st.pr_fpvalid, 0);
#else
	(void)st;
#endif
	assert_true(k.notes == d - 20); /* the first note, as the kernel does */
	d = core_note(&k, 3, &n);
	assert_non_null(d);
	assert_int_equal(n, sizeof(ps));
	memcpy(&ps, d, sizeof(ps));
	assert_int_equal(ps.pr_pid, 4242);
	assert_int_equal(ps.pr_uid, 1000);
	assert_int_equal(ps.pr_gid, 100);
	assert_int_equal(ps.pr_sname, 'S');
	/* ELFCORE_RAW_NAMES: the bytes as they were */
	assert_memory_equal(ps.pr_fname, "ev\til\x7fname-long", 16);
	assert_string_equal(ps.pr_psargs, "evil --flag\033[2J x");
	d = core_note(&k, 0x46494c45, &n);
	assert_string_equal((const char *)d + 64, "/usr/bin/ev\033[31mil\n");
	core_free(&k);
	close(fd);
}

static void test_elfcore_aarch64(void **state)
{
	struct elfcore_opts o = { .machine = ELFCORE_EM_AARCH64,
				  .page_size = 65536, .flags = ELFCORE_PRSTATUS };
	struct elfcore *c = NULL;
	int fd = memfd();
	const unsigned char *d;
	struct core k;
	uint32_t n;

	(void)state;
	assert_int_equal(elfcore_machine("aarch64"), ELFCORE_EM_AARCH64);
	assert_int_equal(elfcore_machine("arm64"), ELFCORE_EM_AARCH64);
	assert_int_equal(elfcore_machine("x86_64"), ELFCORE_EM_X86_64);
	assert_int_equal(elfcore_machine("riscv64"), 0);
	assert_int_equal(elfcore_machine(NULL), 0);
	assert_int_equal(elfcore_new(&c, &o), 0);
	assert_int_equal(elfcore_set_process(c, &(struct elfcore_proc){ .pid = 9 }), 0);
	/* 4 KiB alignment is not enough on a 64 KiB page host */
	assert_int_equal(elfcore_add_region(c, 0x11000, 0x20000, 4, NULL), -EINVAL);
	assert_int_equal(elfcore_add_region(c, 0x10000, 0x20000, 4, NULL), 0);
	assert_int_equal(elfcore_add_file(c, 0x10000, 0x20000, 0x30000, "/x"), 0);
	assert_int_equal(elfcore_begin(c, fd, ELFCORE_HEADERS_FIRST), 0);
	assert_int_equal(elfcore_finish(c), 0);
	core_load_page(&k, fd, 65536);
	assert_int_equal(k.machine, 183);
	assert_int_equal(k.ph[1].align, 65536);
	assert_int_equal(k.ph[1].off % 65536, 0);
	d = core_note(&k, 1, &n);
	assert_non_null(d);
	assert_int_equal(n, 392);
	assert_int_equal(get32(d + 32), 9);
	d = core_note(&k, 0x46494c45, &n);
	assert_int_equal(get64(d + 8), 65536);
	assert_int_equal(get64(d + 32), 3); /* offset in 64 KiB pages */
	core_free(&k);
	elfcore_free(c);
	close(fd);
}

/* ---- hostile input ---- */

static void test_elfcore_xnum(void **state)
{
	const uint64_t n = 70000;
	struct elfcore *c = NULL;
	int fd = memfd();
	struct core k;
	uint64_t i;
	size_t idx;

	(void)state;
	scenario_new(&c, 0);
	for (i = n; i-- > 0;)
		assert_int_equal(elfcore_add_region(c, (2 * i + 16) * PG,
						    (2 * i + 17) * PG, 4, NULL), 0);
	/* one more region, cut in three by an unreadable page */
	assert_int_equal(elfcore_add_region(c, 4 * PG, 7 * PG, 5, &idx), 0);
	assert_int_equal(elfcore_add_unreadable(c, idx, PG, PG), 0);
	assert_int_equal(elfcore_begin(c, fd, ELFCORE_HEADERS_FIRST), 0);
	assert_int_equal(elfcore_data(c, idx, 2 * PG, "q", 1), 0);
	assert_int_equal(elfcore_data(c, n - 1, 0, "w", 1), 0);
	assert_int_equal(elfcore_finish(c), 0);
	core_load(&k, fd);
	assert_int_equal(k.e_phnum, 0xffff);
	assert_int_equal(k.phnum, n + 3);
	assert_int_equal(k.nloads, n + 2);
	assert_int_equal(k.shoff, 64 + (n + 3) * 56);
	assert_int_equal(k.ph[0].off, k.shoff + 64);
	assert_int_equal(core_byte(&k, 6 * PG), 'q');
	assert_int_equal(core_byte(&k, 5 * PG), -1);
	assert_int_equal(core_byte(&k, 16 * PG), 'w'); /* declared last: index n - 1 */
	core_free(&k);
	elfcore_free(c);
	close(fd);
}
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elfcore_headers_first),
		cmocka_unit_test(test_elfcore_headers_last),
		cmocka_unit_test(test_elfcore_pipe),
		cmocka_unit_test(test_elfcore_pipe_order),
		cmocka_unit_test(test_elfcore_write_error),
		cmocka_unit_test(test_elfcore_offset_and_stale_bytes),
		cmocka_unit_test(test_elfcore_append),
		cmocka_unit_test(test_elfcore_empty),
		cmocka_unit_test(test_elfcore_notes_match_libc),
		cmocka_unit_test(test_elfcore_aarch64),
		cmocka_unit_test(test_elfcore_xnum),
	};

	/* A reader gone (a closed pipe) must be an error, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
