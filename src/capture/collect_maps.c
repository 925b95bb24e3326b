/* collect_maps: the mappings of deleted files, decided and pinned through map_files. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "capture_int.h"
#include "parse.h"

/* "map_files/START-END" for a mapping (proc(5)): lowercase hex, no 0x. */
static void map_files_name(char *out, size_t n, uint64_t start, uint64_t end)
{
	snprintf(out, n, "map_files/%llx-%llx", (unsigned long long)start,
		 (unsigned long long)end);
}

/* A new map item for the mapping pm (its path in the batch's text). */
static struct map_item *add_map(struct batch *b, const struct parse_map *pm)
{
	struct map_item *m;

	if (b->nmaps == b->mapcap) {
		size_t cap = b->mapcap ? b->mapcap * 2 : 16;
		struct map_item *v = realloc(b->maps, cap * sizeof(*v));

		if (!v)
			return NULL;
		b->maps = v;
		b->mapcap = cap;
	}
	m = &b->maps[b->nmaps++];
	memset(m, 0, sizeof(*m));
	m->pinfd = -1;
	m->start = pm->start;
	m->end = pm->end;
	m->offset = pm->offset;
	memcpy(m->perms, pm->perms, sizeof(m->perms));
	m->path.ok = true;
	m->path.off = (size_t)(pm->path - b->text.data);
	m->path.len = pm->path_len;
	return m;
}

/* The file behind m, already met in an earlier mapping of this batch: that
 * mapping's item, or NULL. */
static const struct map_item *seen_file(const struct batch *b, const struct map_item *m)
{
	size_t k;

	for (k = 0; k + 1 < b->nmaps; k++)
		if (b->maps[k].have_stat && b->maps[k].st.st_dev == m->st.st_dev &&
		    b->maps[k].st.st_ino == m->st.st_ino)
			return &b->maps[k];
	return NULL;
}

/* Pins the deleted file behind map_files/name for m (O_PATH). */
static void pin_map(struct batch *b, struct map_item *m, int piddir, const char *name)
{
	struct statfs sf;
	int pin = openat(piddir, name, O_PATH | O_CLOEXEC);
	int e = pin < 0 ? -errno : procfs_statx(pin, "", AT_EMPTY_PATH, &m->st, &m->btime);

	if (e) {
		m->err = e;
		m->what = "map_files-pin";
		if (pin >= 0)
			close(pin);
		return;
	}
	if (fstatfs(pin, &sf) == 0 && (sf.f_type == TMPFS_MAGIC || sf.f_type == HUGETLBFS_MAGIC))
		m->shmem_fs = true;
	m->pinfd = pin;
	b->npins++;
}

/* Decides whether m's file is deleted (stat through map_files), and pins
 * it the first time it is met; *pins counts the pins of this process. */
static void look_map(struct batch *b, struct map_item *m, int piddir, size_t *pins)
{
	const struct map_item *first;
	char name[64];

	map_files_name(name, sizeof(name), m->start, m->end);
	int e = procfs_statx(piddir, name, 0, &m->st, &m->btime);

	if (e) {
		m->err = e;
		m->what = "map_files";
		return;
	}
	m->have_stat = true;
	if (!S_ISREG(m->st.st_mode) || m->st.st_nlink != 0)
		return;
	first = seen_file(b, m);
	if (first) {
		m->memfd_fs = first->memfd_fs;
		m->shmem_fs = first->shmem_fs;
		if (first->pinfd < 0 && first->err) {
			m->err = first->err;
			m->what = first->what;
		}
		return; /* pinned already (or its pin failed) */
	}
	if (*pins == MAX_MAP_PINS) {
		m->err = -EMFILE;
		m->what = "map_files-pin";
		return;
	}
	pin_map(b, m, piddir, name);
	if (m->pinfd >= 0)
		(*pins)++;
}

/*
 * Mappings of deleted files.  The kernel appends " (deleted)" to the path
 * of an unlinked file (d_path), so only those lines are looked at; the
 * suffix is a hint, a file may be named so: the file behind the
 * map_files/START-END link decides, by st_nlink == 0.  Following that
 * link needs CAP_SYS_ADMIN (or CAP_CHECKPOINT_RESTORE): a refusal is
 * recorded per mapping.  Each distinct file is pinned once (O_PATH), the
 * mapping that met it first holds the pin.
 */
int collect_maps(struct batch *b, int piddir)
{
	static const char del[] = " (deleted)";
	const size_t dl = sizeof(del) - 1;
	struct proc_item *p = &b->proc;
	size_t off, end, pins = 0;

	if (!p->raw[RAW_MAPS].ok)
		return 0;
	p->maps_scanned = true;
	off = p->raw[RAW_MAPS].off;
	end = off + p->raw[RAW_MAPS].len;
	while (off < end) {
		const char *line = b->text.data + off;
		const char *nl = memchr(line, '\n', end - off);
		size_t len = nl ? (size_t)(nl - line) : end - off;
		struct parse_map pm;
		struct map_item *m;

		off += len + 1;
		if (len <= dl || memcmp(line + len - dl, del, dl) != 0 ||
		    parse_maps_line(line, len, &pm))
			continue;
		if (b->nmaps == MAX_MAPS)
			break; /* counted: the formatter says how many */
		m = add_map(b, &pm);
		if (!m)
			return -ENOMEM;
		look_map(b, m, piddir, &pins);
	}
	return 0;
}
