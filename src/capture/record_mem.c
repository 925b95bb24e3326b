/* record_mem: a process's captured memory — one sparse member per region, and the regions in process.json. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture_int.h"
#include "memsel.h"
#include "procfs.h"

/* A member with more data runs than this stores the gaps between some of
 * them as zeros: a bounded sparse map (snapwriter's limit is 8192). */
#define MEM_MAX_SPARSE 1024

/*
 * The member's data regions, from the result's runs: data runs are data,
 * everything else (pages of zeros, pages that could not be read) a hole.
 * Past MEM_MAX_SPARSE, consecutive data runs are grouped into one region.
 * A member without data gets its last byte as a one-byte region, as a
 * recovered file without data does, so it is still sparse.
 */
static size_t sparse_map(const struct wd_result *r, uint64_t size, struct snap_region *reg)
{
	size_t i, nd = 0, per, j = 0, k = 0;

	for (i = 0; i < r->nruns; i++)
		nd += r->runs[i].err == 0;
	if (nd == 0) {
		reg[0] = (struct snap_region){ size - 1, 1 };
		return 1;
	}
	per = (nd + MEM_MAX_SPARSE - 1) / MEM_MAX_SPARSE;
	for (i = 0; i < r->nruns; i++) {
		const struct mem_run *u = &r->runs[i];

		if (u->err)
			continue;
		if (j++ % per == 0)
			reg[k++] = (struct snap_region){ u->off, u->len };
		else
			reg[k - 1].length = u->off + u->len - reg[k - 1].offset;
	}
	return k;
}

/* The member of region m: its data runs' bytes, zeros between. */
static int write_member(struct capture *c, struct mem_item *m, const char *name,
			char hex[DIGEST_HEX_LEN + 1])
{
	const struct wd_result *r = &m->res;
	struct snap_region *reg = malloc(MEM_MAX_SPARSE * sizeof(*reg));
	uint64_t pos = 0;
	size_t i, n, at = 0;
	int rc;

	if (!reg)
		return wfail(c, -ENOMEM, "out of memory");
	n = sparse_map(r, m->take, reg);
	rc = snapwriter_begin(c->w, name, m->take, reg, n);
	for (i = 0; i < r->nruns && !rc; i++) {
		const struct mem_run *u = &r->runs[i];

		if (u->err)
			continue;
		rc = snapwriter_write_zeros(c->w, u->off - pos);
		if (!rc)
			rc = snapwriter_write(c->w, r->data.data + at, u->len);
		at += u->len;
		pos = u->off + u->len;
	}
	if (!rc)
		rc = snapwriter_write_zeros(c->w, m->take - pos);
	if (!rc)
		rc = snapwriter_end(c->w, hex);
	free(reg);
	return rc ? wfail(c, rc, "%s", snapwriter_error(c->w)) : 0;
}

/* The pages of m that could not be read, each run with its errno. */
static void record_unreadable(struct capture *c, struct jsonw *j, const struct mem_item *m)
{
	const struct wd_result *r = &m->res;
	size_t i;
	bool open = false;

	for (i = 0; i < r->nruns; i++) {
		const struct mem_run *u = &r->runs[i];

		if (!u->err)
			continue;
		if (!open)
			jsonw_aopen(j, "unreadable");
		open = true;
		jsonw_open(j, NULL);
		jsonw_uint(j, "offset", u->off);
		jsonw_uint(j, "length", u->len);
		jsonw_str(j, "errno", procfs_errname(u->err));
		jsonw_close(j);
		c->st.mem_unreadable += u->len;
	}
	if (open)
		jsonw_aclose(j);
}

/* What was stored of m: its member, hash, sizes, holes and gaps. */
static int record_captured(struct capture *c, struct batch *b, struct mem_item *m)
{
	struct jsonw *j = &c->j;
	char name[96], hex[DIGEST_HEX_LEN + 1];
	int rc;

	snprintf(name, sizeof(name), "proc/%d/mem/%llx-%llx", b->pid,
		 (unsigned long long)m->start, (unsigned long long)(m->start + m->take));
	rc = write_member(c, m, name, hex);
	if (rc)
		return rc;
	jsonw_str(j, "status", m->take < m->end - m->start ? "truncated" : "captured");
	if (m->skip)
		jsonw_str(j, "reason", m->skip);
	jsonw_str(j, "member", name);
	jsonw_str(j, "sha256", hex);
	jsonw_uint(j, "size", m->take);
	jsonw_uint(j, "data", m->res.data.len);
	jsonw_uint(j, "read", m->res.read);
	record_unreadable(c, j, m);
	c->st.mem_captured++;
	c->st.mem_bytes += m->take;
	c->st.mem_data += m->res.data.len;
	return 0;
}

/* One region's record (and member). */
static int record_region(struct capture *c, struct batch *b, struct mem_item *m)
{
	struct jsonw *j = &c->j;
	char hx[24];
	int rc = 0;

	jsonw_open(j, NULL);
	snprintf(hx, sizeof(hx), "%llx", (unsigned long long)m->start);
	jsonw_str(j, "start", hx);
	snprintf(hx, sizeof(hx), "%llx", (unsigned long long)m->end);
	jsonw_str(j, "end", hx);
	jsonw_str(j, "perms", m->perms);
	jsonw_bytes(j, "maps", batch_text(b, &m->line), m->line.len);
	jsonw_str(j, "why", memsel_why_name((enum memsel_why)m->why));
	if (m->take && !m->res.err) {
		rc = record_captured(c, b, m);
	} else if (m->take) {
		jsonw_str(j, "status", "failed");
		jsonw_aopen(j, "errors");
		record_error(c, j, "mem", m->res.err);
		jsonw_aclose(j);
	} else {
		jsonw_str(j, "status", "skipped");
		jsonw_str(j, "reason", m->skip ? m->skip : "");
	}
	if (m->skip && (!strcmp(m->skip, "max-memory") || !strcmp(m->skip, "max-process-memory")))
		c->st.mem_bounded++;
	else if (m->skip && !strcmp(m->skip, "device"))
		c->st.mem_devices++;
	c->st.mem_regions++;
	jsonw_close(j);
	wd_result_free(&m->res); /* its bytes are in the archive now */
	return rc;
}

int record_mem(struct capture *c, struct batch *b)
{
	struct jsonw *j = &c->j;
	size_t i;
	int rc = 0;

	if (!b->proc.mem_looked)
		return 0;
	jsonw_aopen(j, "memory");
	for (i = 0; i < b->nmems && !rc; i++)
		rc = record_region(c, b, &b->mems[i]);
	jsonw_aclose(j);
	if (b->proc.mem_more)
		record_error(c, &c->errs, "memory: more than 4096 regions, the rest not recorded",
			     -E2BIG);
	return rc;
}
