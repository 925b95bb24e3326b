/* test_memory: reading process memory (memread, on this process) and capturing it from a fake proc tree (device mappings, bounds). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive_util.h"
#include "capture.h"
/* memread is the capture's own (src/capture/capture_int.h), whose fail()
 * is not cmocka's: cmocka's is put back. */
#undef fail
#include "../src/capture/capture_int.h"
#undef fail
#define fail() _fail(__FILE__, __LINE__)

/* ---- memread on our own memory ---- */

/* Four pages: data, zeros (touched), never touched, data made PROT_NONE. */
struct own {
	char *p;
	size_t pg;
	int dirfd;
	struct memread m;
	struct wd_result r;
};

static int own_setup(void **state)
{
	struct own *o = calloc(1, sizeof(*o));

	o->pg = (size_t)sysconf(_SC_PAGESIZE);
	o->p = mmap(NULL, 4 * o->pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(o->p != MAP_FAILED);
	strcpy(o->p + 16, "MEMREAD-MARKER");
	o->p[o->pg] = 1;
	o->p[o->pg] = 0;
	strcpy(o->p + 3 * o->pg, "HIDDEN-BEHIND-PROT-NONE");
	assert_int_equal(mprotect(o->p + 3 * o->pg, o->pg, PROT_NONE), 0);
	o->dirfd = open("/proc/self", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(o->dirfd >= 0);
	memread_init(&o->m, o->pg);
	memread_begin(&o->m, getpid(), o->dirfd, true);
	*state = o;
	return 0;
}

static int own_teardown(void **state)
{
	struct own *o = *state;

	memread_free(&o->m);
	wd_result_free(&o->r);
	close(o->dirfd);
	munmap(o->p, 4 * o->pg);
	free(o);
	return 0;
}

static struct wd_item own_item(const struct own *o, bool readable)
{
	return (struct wd_item){ .kind = WD_MEM, .start = (uintptr_t)o->p,
				 .end = (uintptr_t)o->p + 4 * o->pg, .anon = true,
				 .readable = readable };
}

/* process_vm_readv: data kept, zeros a hole, the untouched page never
 * read (pagemap), the PROT_NONE page unreadable (EFAULT). */
static void test_memread_readv(void **state)
{
	struct own *o = *state;
	struct wd_item it = own_item(o, true);

	assert_int_equal(memread_range(&o->m, &it, &o->r), 0);
	assert_int_equal(o->r.data.len, o->pg);
	assert_string_equal(o->r.data.data + 16, "MEMREAD-MARKER");
	assert_int_equal(o->r.read, 2 * o->pg);
	assert_int_equal(o->r.nruns, 2);
	assert_int_equal(o->r.runs[0].off, 0);
	assert_int_equal(o->r.runs[0].err, 0);
	assert_int_equal(o->r.runs[1].off, 3 * o->pg);
	assert_int_equal(o->r.runs[1].len, o->pg);
	assert_int_equal(o->r.runs[1].err, -EFAULT);
}

/* A mapping without r goes through /proc/PID/mem, which reads it. */
static void test_memread_mem_file(void **state)
{
	struct own *o = *state;
	struct wd_item it = own_item(o, false);

	assert_int_equal(memread_range(&o->m, &it, &o->r), 0);
	assert_int_equal(o->r.data.len, 2 * o->pg);
	assert_string_equal(o->r.data.data + o->pg, "HIDDEN-BEHIND-PROT-NONE");
	assert_int_equal(o->r.nruns, 2);
	assert_int_equal(o->r.runs[1].off, 3 * o->pg);
	assert_int_equal(o->r.runs[1].err, 0);
	memread_end(&o->m);
}

/* Without pagemap (not anonymous), every page is read. */
static void test_memread_every_page(void **state)
{
	struct own *o = *state;
	struct wd_item it = own_item(o, true);

	it.anon = false;
	assert_int_equal(memread_range(&o->m, &it, &o->r), 0);
	assert_int_equal(o->r.read, 3 * o->pg);
	assert_int_equal(o->r.data.len, o->pg);
}

/* ---- capture of a fake tree ---- */

struct fx {
	char dir[64];
	char root[96];
};

static void put(const char *dir, const char *name, const char *data, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
}

#define PUTS(dir, name, s) put(dir, name, s, strlen(s))

/* pid 100's maps, smaps and mem: three anonymous rwx mappings, the second
 * one device memory (VmFlags pf io); mem is a plain file whose offsets are
 * the addresses. */
static const char maps100[] =
	"00010000-00013000 rwxp 00000000 00:00 0 \n"
	"00020000-00021000 rwxp 00000000 00:00 0 \n"
	"00030000-00038000 r-xp 00000000 00:00 0 \n"
	"00040000-00041000 rw-p 00000000 00:00 0                          [heap]\n";

static void mem_page(int fd, uint64_t at, const char *text)
{
	assert_int_equal(pwrite(fd, text, strlen(text), (off_t)at), (ssize_t)strlen(text));
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char p[512], smaps[2048];
	int fd;

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_memory.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->root, sizeof(f->root), "%s/proc", f->dir);
	assert_int_equal(mkdir(f->root, 0755), 0);
	PUTS(f->root, "stat", "cpu 1 2 3\nbtime 1700000000\n");
	snprintf(p, sizeof(p), "%s/100", f->root);
	assert_int_equal(mkdir(p, 0755), 0);
	PUTS(f->root, "100/stat",
	     "100 (jit) S 1 100 100 0 -1 4194304 0 0 0 0 5 6 0 0 20 0 1 0 250 1000 10 0\n");
	PUTS(f->root, "100/status", "Name:\tjit\nTgid:\t100\nPPid:\t1\nThreads:\t1\n");
	PUTS(f->root, "100/maps", maps100);
	snprintf(smaps, sizeof(smaps),
		 "00010000-00013000 rwxp 00000000 00:00 0 \nRss:  12 kB\nVmFlags: rd wr ex mr mw me ac \n"
		 "00020000-00021000 rwxp 00000000 00:00 0 \nRss:   4 kB\nVmFlags: rd wr ex mr mw me pf io \n"
		 "00030000-00038000 r-xp 00000000 00:00 0 \nVmFlags: rd ex mr mw me \n"
		 "00040000-00041000 rw-p 00000000 00:00 0                          [heap]\nVmFlags: rd wr \n");
	PUTS(f->root, "100/smaps", smaps);
	put(f->root, "100/auxv", "\x06\0\0\0\0\0\0\0\0\x10\0\0\0\0\0\0", 16);
	snprintf(p, sizeof(p), "%s/100/mem", f->root);
	fd = open(p, O_RDWR | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 0x50000), 0);
	mem_page(fd, 0x10010, "FAKE-MARKER");
	mem_page(fd, 0x12000, "FAKE-TAIL");
	mem_page(fd, 0x20000, "DEVICE-BYTES");
	mem_page(fd, 0x30000, "JIT-PAGE-0");
	mem_page(fd, 0x37000, "JIT-PAGE-7");
	close(fd);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static json_t *load(const struct member *m)
{
	json_t *j;

	if (!m) {
		fail_msg("member missing");
		return NULL;
	}
	j = json_loadb(m->data.data, m->data.len, JSON_DISABLE_EOF_CHECK, NULL);
	assert_non_null(j);
	return j;
}

/* The region of process.json starting at hex start. */
static json_t *region(json_t *pj, const char *start)
{
	json_t *mem = json_object_get(pj, "memory"), *r;
	size_t i;

	json_array_foreach(mem, i, r) {
		const char *s = json_string_value(json_object_get(r, "start"));

		if (s && strcmp(s, start) == 0)
			return r;
	}
	fail_msg("no region %s", start);
	return NULL;
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "(absent)";
}

/* process.json's errors name what. */
static bool has_error(json_t *pj, const char *what)
{
	json_t *e;
	size_t i;

	json_array_foreach(json_object_get(pj, "errors"), i, e)
		if (strcmp(str(e, "what"), what) == 0)
			return true;
	return false;
}

/* Runs a capture of the fake tree with o; its members into m[]. */
static size_t run(struct capture_opts *o, struct member *m, size_t max,
		  struct capture_stats *st)
{
	struct capture *c = NULL;
	int out = memfd_create("out", 0);
	size_t n;

	assert_int_equal(capture_new(&c, o), 0);
	assert_int_equal(capture_run(c, out, "TOP"), 0);
	*st = *capture_stats(c);
	capture_free(c);
	n = read_members(out, m, max);
	close(out);
	return n;
}

/* Device memory is never read; the per-process bound cuts the larger
 * region; the captured bytes are the process's, holes included. */
static void test_memory_device_and_bound(void **state)
{
	struct fx *f = *state;
	struct capture_opts o = { .proc_root = f->root, .max_process_memory = 4 * 4096 };
	struct capture_stats st;
	struct member m[32], *a, *b;
	json_t *pj;
	size_t n, i;

	n = run(&o, m, 32, &st);
	a = find_member(m, n, "/proc/100/mem/10000-13000");
	b = find_member(m, n, "/proc/100/mem/30000-31000");
	if (!a || !b) {
		fail_msg("a memory member is missing");
		return;
	}
	assert_int_equal(a->data.len, 3 * 4096);
	assert_string_equal(a->data.data + 0x10, "FAKE-MARKER");
	assert_string_equal(a->data.data + 0x2000, "FAKE-TAIL");
	assert_true(a->sparse_regions >= 1);
	assert_string_equal(b->data.data, "JIT-PAGE-0");
	for (i = 0; i < n; i++) {
		assert_null(strstr(m[i].name, "/mem/20000"));
		assert_null(memmem(m[i].data.data, m[i].data.len, "DEVICE-BYTES", 12));
	}
	pj = load(find_member(m, n, "/proc/100/process.json"));
	assert_string_equal(str(region(pj, "10000"), "status"), "captured");
	assert_string_equal(str(region(pj, "10000"), "why"), "anon-exec");
	assert_int_equal(json_integer_value(json_object_get(region(pj, "10000"), "data")), 2 * 4096);
	assert_string_equal(str(region(pj, "20000"), "status"), "skipped");
	assert_string_equal(str(region(pj, "20000"), "reason"), "device");
	assert_string_equal(str(region(pj, "30000"), "status"), "truncated");
	assert_string_equal(str(region(pj, "30000"), "reason"), "max-process-memory");
	assert_string_equal(str(region(pj, "30000"), "member"), "proc/100/mem/30000-31000");
	/* Not a fileless executable: its heap is not chosen. */
	assert_int_equal(json_array_size(json_object_get(pj, "memory")), 3);
	/* auxv, for a core's NT_AUXV, with the memory it goes with. */
	a = find_member(m, n, "/proc/100/auxv");
	if (!a) {
		fail_msg("no auxv member");
		return;
	}
	assert_int_equal(a->data.len, 16);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(pj, "files"),
									"auxv"), "size")), 16);
	assert_int_equal(st.mem_devices, 1);
	assert_int_equal(st.mem_bounded, 1);
	assert_int_equal(st.mem_captured, 2);
	assert_int_equal(st.mem_bytes, 4 * 4096);
	json_decref(pj);
	free_members(m, n);
}

/* The total bound, shared across processes, says so. */
static void test_memory_total_bound(void **state)
{
	struct fx *f = *state;
	struct capture_opts o = { .proc_root = f->root, .max_memory = 2 * 4096 };
	struct capture_stats st;
	struct member m[32];
	json_t *pj;
	size_t n;

	n = run(&o, m, 32, &st);
	pj = load(find_member(m, n, "/proc/100/process.json"));
	assert_string_equal(str(region(pj, "10000"), "status"), "truncated");
	assert_string_equal(str(region(pj, "10000"), "reason"), "max-memory");
	assert_string_equal(str(region(pj, "30000"), "status"), "skipped");
	assert_string_equal(str(region(pj, "30000"), "reason"), "max-memory");
	assert_int_equal(st.mem_bytes, 2 * 4096);
	json_decref(pj);
	free_members(m, n);
}

/* Without smaps nothing is read (device memory cannot be told apart);
 * --no-content reads nothing either; none looks at nothing. */
static void test_memory_not_read(void **state)
{
	struct fx *f = *state;
	struct capture_opts o = { .proc_root = f->root };
	struct capture_stats st;
	struct member m[32];
	char p[512];
	json_t *pj;
	size_t n;

	snprintf(p, sizeof(p), "%s/100/smaps", f->root);
	assert_int_equal(unlink(p), 0);
	n = run(&o, m, 32, &st);
	pj = load(find_member(m, n, "/proc/100/process.json"));
	assert_string_equal(str(region(pj, "10000"), "reason"), "smaps");
	assert_true(has_error(pj, "smaps"));
	assert_int_equal(st.mem_captured, 0);
	json_decref(pj);
	free_members(m, n);

	o.no_content = true;
	n = run(&o, m, 32, &st);
	pj = load(find_member(m, n, "/proc/100/process.json"));
	assert_string_equal(str(region(pj, "10000"), "reason"), "--no-content");
	assert_false(has_error(pj, "smaps"));
	json_decref(pj);
	free_members(m, n);

	o.memory = CAPTURE_MEMORY_NONE;
	n = run(&o, m, 32, &st);
	pj = load(find_member(m, n, "/proc/100/process.json"));
	assert_null(json_object_get(pj, "memory"));
	json_decref(pj);
	free_members(m, n);
}

/* full needs the processes named. */
static void test_memory_full_needs_pids(void **state)
{
	struct capture_opts o = { .memory = CAPTURE_MEMORY_FULL };
	struct capture *c = NULL;

	(void)state;
	assert_int_equal(capture_new(&c, &o), -EINVAL);
	assert_non_null(strstr(capture_error(c), "-p"));
	capture_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_memread_readv, own_setup, own_teardown),
		cmocka_unit_test_setup_teardown(test_memread_mem_file, own_setup, own_teardown),
		cmocka_unit_test_setup_teardown(test_memread_every_page, own_setup, own_teardown),
		cmocka_unit_test_setup_teardown(test_memory_device_and_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory_total_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory_not_read, setup, teardown),
		cmocka_unit_test(test_memory_full_needs_pids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
