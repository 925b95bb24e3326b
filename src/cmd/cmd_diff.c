/* cmd_diff: snapread diff — what changed between two snapshots of a host. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "diff.h"
#include "diffview.h"
#include "escape.h"
#include "snapshot.h"

/*
 * Text: newest evidence first.  Host facts (a reboot above all), then the
 * processes that started, the processes that changed, the processes that
 * exited; within each, the most recently started first.  So the text is
 * kept, one chunk per process group, and sorted at the end: memory grows
 * with the differences, not with the archives.
 */
struct chunk {
	int rank;          /* host facts 0, started 1, changed 2, exited 3 */
	int64_t ticks;     /* start time in clock ticks since boot; -1 unknown */
	int pid;
	size_t off, len;   /* in struct out's text */
};

static const char usage[] =
"usage: snapread diff [--json] [--summary] [--all] A B\n"
"What changed from snapshot A (before) to snapshot B (after), by process.\n"
"A process is (pid, start time): a reused pid is an exit plus a start.\n"
"  + PID NAME started ...   a process only in B, with its deleted files\n"
"                           and listening sockets\n"
"  - PID NAME exited ...    a process only in A\n"
"  ~ PID NAME (started ...) a process in both, then one line per change:\n"
"                           FIELD now NEW (was OLD); fd N opened/closed/now;\n"
"                           NEW DELETED FILE, NEW LISTENING SOCKET, socket\n"
"                           appeared/gone\n"
"A reboot between the two (boot_id) is said first; two different hosts\n"
"get a warning.  Counters that move on every read (CPU times, memory,\n"
"thread and fd counts, file offsets and sizes) are left out.\n"
"\n"
"  --all           report those counters too, and procsnap's own process\n"
"  --json          one JSON object: host, started, exited, changed (each\n"
"                  entry with pid and its changes, before and after),\n"
"                  summary\n"
"  --summary       the counts only (with --json: one object of counts)\n"
"  --help          this help\n"
"\n"
"Exit status: 0 no differences, 1 differences, 2 trouble.\n";

struct group {
	struct buf b;      /* the JSON array's elements */
	struct jsonw w;    /* the open entry */
	bool open;
};

struct out {
	bool json, summary;
	struct diff_summary sum;
	struct buf text;
	struct chunk *chunks;
	size_t nchunks, cap;
	struct buf host;
	struct jsonw hw;
	struct group g[3]; /* started, exited, changed */
	struct group *cur;
};

static struct group *group_of(struct out *o, enum diff_in in)
{
	return in == DIFF_IN_STARTED ? &o->g[0] : in == DIFF_IN_EXITED ? &o->g[1] : &o->g[2];
}

static void close_group(struct out *o)
{
	if (o->cur && o->cur->open) {
		jsonw_aclose(&o->cur->w);
		jsonw_close(&o->cur->w);
		o->cur->open = false;
	}
	o->cur = NULL;
}

static int json_change(struct out *o, const struct diff_change *c, bool first)
{
	struct group *g;
	int x;

	if (c->in == DIFF_IN_HOST)
		return diffview_json(&o->hw, c);
	if (first) {
		close_group(o);
		g = o->cur = group_of(o, c->in);
		if (g->b.len)
			buf_putc(&g->b, ',');
		jsonw_init(&g->w, &g->b);
		jsonw_open(&g->w, NULL);
		x = diffview_group_json(&g->w, c);
		if (x)
			return x;
		jsonw_aopen(&g->w, "changes");
		g->open = true;
	}
	if (c->kind == DIFF_STARTED || c->kind == DIFF_EXITED || !o->cur)
		return 0;
	return diffview_json(&o->cur->w, c);
}

static void warn_hosts(const struct diff_change *c)
{
	struct buf a = BUF_INIT, b = BUF_INIT;

	/* boot_id differs too (it came first): not a renamed host. */
	escape_text(&a, json_string_value(c->before), json_string_length(c->before));
	escape_text(&b, json_string_value(c->after), json_string_length(c->after));
	cmd_error("warning: the snapshots look like two different hosts (%s, then %s): "
		  "their processes are unrelated", a.data ? a.data : "?", b.data ? b.data : "?");
	buf_free(&a);
	buf_free(&b);
}

static int new_chunk(struct out *o, const struct diff_change *c)
{
	struct chunk *k;
	int64_t t;

	if (o->nchunks == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 64;
		struct chunk *v = realloc(o->chunks, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		o->chunks = v;
		o->cap = cap;
	}
	k = &o->chunks[o->nchunks++];
	k->rank = c->in == DIFF_IN_HOST ? 0 : c->in == DIFF_IN_STARTED ? 1
		: c->in == DIFF_IN_CHANGED ? 2 : 3;
	k->ticks = c->proc && snapshot_int(c->proc, "start_ticks", &t) ? t : -1;
	k->pid = c->pid;
	k->off = o->text.len;
	k->len = 0;
	return 0;
}

static int on_change(const struct diff_change *c, void *arg)
{
	struct out *o = arg;
	bool first = diff_count(&o->sum, c);
	int x;

	if (c->kind == DIFF_HOST && strcmp(c->field, "hostname") == 0 && o->sum.rebooted)
		warn_hosts(c);
	if (o->summary)
		return 0;
	if (o->json)
		return json_change(o, c, first);
	if (first || !o->nchunks) {
		x = new_chunk(o, c);
		if (x)
			return x;
		if (first)
			diffview_group_text(&o->text, c);
	}
	x = diffview_text(&o->text, c);
	o->chunks[o->nchunks - 1].len = o->text.len - o->chunks[o->nchunks - 1].off;
	return x ? x : buf_error(&o->text);
}

static int by_evidence(const void *p, const void *q)
{
	const struct chunk *a = p, *b = q;

	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	if (a->ticks != b->ticks)
		return a->ticks > b->ticks ? -1 : 1;   /* newest first */
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	return a->off < b->off ? -1 : a->off > b->off;
}

/* The kept text, in evidence order (see struct chunk). */
static int finish_text(struct out *o)
{
	size_t i;

	if (buf_error(&o->text))
		return -ENOMEM;
	if (o->nchunks) /* qsort(NULL, 0, ...) is undefined */
		qsort(o->chunks, o->nchunks, sizeof(*o->chunks), by_evidence);
	for (i = 0; i < o->nchunks; i++) {
		const struct chunk *k = &o->chunks[i];

		if (k->len && fwrite(o->text.data + k->off, 1, k->len, stdout) != k->len)
			return errno ? -errno : -EIO;
	}
	buf_reset(&o->text);
	return 0;
}

static int finish_json(struct out *o)
{
	static const char *const names[] = { "started", "exited", "changed" };
	struct buf *b = &o->text;
	struct jsonw w;
	size_t i;

	close_group(o);
	jsonw_aclose(&o->hw);
	jsonw_init(&w, b);
	jsonw_open(&w, NULL);
	if (!o->summary) {
		jsonw_raw(&w, "host", o->host.data, o->host.len);
		for (i = 0; i < 3; i++) {
			buf_putc(b, ',');
			buf_printf(b, "\"%s\":[", names[i]);
			buf_append(b, o->g[i].b.data ? o->g[i].b.data : "", o->g[i].b.len);
			buf_putc(b, ']');
		}
		jsonw_open(&w, "summary");
	}
	diffview_summary_json(&w, &o->sum);
	if (!o->summary)
		jsonw_close(&w);
	jsonw_close(&w);
	buf_putc(b, '\n');
	for (i = 0; i < 3; i++)
		if (buf_error(&o->g[i].b))
			return -ENOMEM;
	return buf_error(&o->host) ? -ENOMEM : cmd_flush(b);
}

int cmd_diff(int argc, char **argv)
{
	enum { OPT_JSON = 256, OPT_SUMMARY, OPT_ALL, OPT_HELP };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "summary", no_argument, NULL, OPT_SUMMARY },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct out o = { .sum = DIFF_SUMMARY_INIT, .text = BUF_INIT, .host = BUF_INIT };
	struct diff_opts dopts = { 0 };
	struct diff *d = NULL;
	bool help = false;
	int opt, rc = CMD_TROUBLE, x;
	size_t i;

	for (i = 0; i < 3; i++)
		o.g[i].b = (struct buf)BUF_INIT;
	while ((opt = cmd_getopt(argc, argv, "", longopts)) != -1) {
		switch (opt) {
		case OPT_JSON: o.json = true; break;
		case OPT_SUMMARY: o.summary = true; break;
		case OPT_ALL: dopts.all = true; break;
		case OPT_HELP: help = true; break;
		default: return CMD_TROUBLE;
		}
	}
	x = cmd_operands(argc, argv, 2, help, usage);
	if (x >= 0)
		return x;
	jsonw_init(&o.hw, &o.host);
	jsonw_aopen(&o.hw, NULL);
	x = diff_open(&d, argv[optind], argv[optind + 1]);
	if (!x)
		x = diff_run(d, &dopts, on_change, &o);
	if (x) {
		/* What was found is shown; the exit status says the diff is
		 * incomplete. */
		if (!o.json && !o.summary)
			finish_text(&o);
		cmd_error("%s", x == -ENOMEM ? "out of memory" : diff_error(d));
		goto out;
	}
	if (o.json)
		x = finish_json(&o);
	else if (o.summary)
		x = diffview_summary_text(&o.text, &o.sum) ? -ENOMEM : cmd_flush(&o.text);
	else
		x = finish_text(&o);
	if (x) {
		cmd_error("standard output: %s", strerror(-x));
		goto out;
	}
	rc = cmd_finish_output(o.sum.changes ? CMD_FAILED : CMD_OK);
out:
	diff_free(d);
	buf_free(&o.text);
	free(o.chunks);
	buf_free(&o.host);
	for (i = 0; i < 3; i++)
		buf_free(&o.g[i].b);
	return rc;
}
