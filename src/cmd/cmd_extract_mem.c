/* cmd_extract_mem: the memory side of snapread extract — a process's core (--core PID), and the captured regions. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "cmd_extract_mem.h"
#include "escape.h"
#include "extract_core.h"
#include "extract_mem.h"
#include "jsonw.h"
#include "signals.h"

int extract_cmd_core(const char *path, const char *dir, int pid, bool json)
{
	struct extract_core_opts o = { .dir = dir, .pid = pid };
	struct extract_core_result res;
	struct buf b = BUF_INIT;
	struct jsonw w;
	int x, rc;

	/* Stopped by a signal or a closed pipe, the partial core must still
	 * be removed: both become errors, not deaths. */
	o.stop = signals_install();
	x = extract_core_run(path, &o, &res);
	if (x) {
		cmd_error("%s: %s", cmd_path(path), res.message);
		return x == -EBADMSG ? CMD_FAILED : CMD_TROUBLE;
	}
	if (res.notes_text[0]) {
		char *line = res.notes_text, *nl;

		for (; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
			*nl = '\0';
			cmd_error("note: %s", line);
		}
	}
	if (json) {
		jsonw_init(&w, &b);
		jsonw_open(&w, NULL);
		jsonw_int(&w, "pid", pid);
		jsonw_bytes(&w, "core", res.core, strlen(res.core));
		jsonw_bytes(&w, "sysroot", res.sysroot, strlen(res.sysroot));
		jsonw_bytes(&w, "gdb", res.gdb, strlen(res.gdb));
		jsonw_uint(&w, "regions", res.regions);
		jsonw_uint(&w, "bytes", res.bytes);
		jsonw_uint(&w, "unreadable", res.unreadable);
		jsonw_uint(&w, "files", res.files);
		jsonw_uint(&w, "sysroot_files", res.sysroot_files);
		jsonw_bool(&w, "auxv", res.auxv);
		jsonw_close(&w);
		buf_putc(&b, '\n');
	} else {
		/* The core, then the only safe way to open it: gdb reads every
		 * file the core names from this machine unless given a
		 * sysroot (a FIFO there hangs it). */
		escape_text(&b, res.core, strlen(res.core));
		buf_printf(&b, "\n# %lu regions (%llu bytes), %lu unreadable ranges cut out, "
			   "%lu mapped files named (%lu recovered ones in the sysroot), %s\n",
			   res.regions, (unsigned long long)res.bytes, res.unreadable, res.files,
			   res.sysroot_files, res.auxv ? "auxv" : "no auxv");
		buf_puts(&b, "# open it only with a sysroot (gdb would read the files it names "
			 "from this machine):\n");
		escape_text(&b, res.gdb, strlen(res.gdb));
		buf_putc(&b, '\n');
	}
	rc = cmd_flush(&b) ? CMD_TROUBLE : CMD_OK;
	buf_free(&b);
	return cmd_finish_output(rc);
}

struct out {
	bool json;
	int werr;
	struct buf b;
};

static void on_region(void *arg, const struct extract_mem_file *f)
{
	struct out *o = arg;
	struct jsonw w;
	char hx[24];

	if (!o->json) {
		buf_printf(&o->b, "%s  %s\n", f->sha256, f->path);
	} else {
		/* As extract's other files (docs/schema/extract.json), the
		 * object being "region". */
		jsonw_init(&w, &o->b);
		jsonw_open(&w, NULL);
		jsonw_str(&w, "path", f->path);
		jsonw_str(&w, "object", "region");
		jsonw_int(&w, "pid", f->pid);
		snprintf(hx, sizeof(hx), "%llx", (unsigned long long)f->start);
		jsonw_str(&w, "start", hx);
		snprintf(hx, sizeof(hx), "%llx", (unsigned long long)f->end);
		jsonw_str(&w, "end", hx);
		jsonw_open(&w, "content");
		jsonw_str(&w, "status", f->status);
		jsonw_str(&w, "member", f->member);
		jsonw_str(&w, "sha256", f->sha256);
		jsonw_uint(&w, "size", f->end - f->start);
		jsonw_close(&w);
		jsonw_bool(&w, "verified", true);
		jsonw_null(&w, "link_of");
		jsonw_close(&w);
		buf_putc(&o->b, '\n');
	}
	if (!o->werr)
		o->werr = cmd_flush(&o->b);
	buf_reset(&o->b);
}

static void on_problem(void *arg, const char *msg)
{
	(void)arg;
	cmd_error("%s", msg);
}

int extract_cmd_memory(const char *path, const char *dir, const int *pids, size_t npids,
		       bool json)
{
	struct out o = { .json = json, .b = BUF_INIT };
	struct extract_mem_opts eo = { .dir = dir, .pids = pids, .npids = npids,
				       .file = on_region, .problem = on_problem, .arg = &o };
	struct extract_mem_result res;
	int rc, x;

	if (strcmp(path, "-") == 0) {
		cmd_error("note: memory regions are not extracted from standard input (they "
			  "take a second reading); give the archive as a file");
		return CMD_OK;
	}
	eo.stop = signals_install();
	x = extract_mem_run(path, &eo, &res);
	if (x) {
		cmd_error("%s: %s", cmd_path(path), res.message);
		rc = CMD_TROUBLE;
	} else if (o.werr) {
		cmd_error("standard output: %s", strerror(-o.werr));
		rc = CMD_TROUBLE;
	} else if (res.problems) {
		cmd_error("%s: verification FAILED: %lu problem%s; %lu memory region%s extracted",
			  cmd_path(path), res.problems, res.problems == 1 ? "" : "s", res.files,
			  res.files == 1 ? "" : "s");
		rc = CMD_FAILED;
	} else {
		rc = CMD_OK;
	}
	buf_free(&o.b);
	return cmd_finish_output(rc);
}
