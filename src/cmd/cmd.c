/* cmd: what snapread's commands share — messages, operands, numbers, output (see cmd.h). */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "escape.h"
#include "snapshot.h"

void cmd_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("snapread: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cmd_bad_usage(const char *usage_text)
{
	fputs(usage_text, stderr);
	return CMD_TROUBLE;
}

int cmd_operands(int argc, char **argv, int nargs, bool help, const char *usage_text)
{
	if (help) {
		fputs(usage_text, stdout);
		return cmd_finish_output(CMD_OK);
	}
	if (argc - optind != nargs) {
		cmd_error("%s: %s", argv[0], argc - optind < nargs ? "missing operand"
							  : "too many operands");
		return cmd_bad_usage(usage_text);
	}
	return -1;
}

int cmd_number(const char *s, const char *opt, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > INT_MAX) {
		cmd_error("%s: '%s' is not a number", opt, cmd_path(s));
		return CMD_TROUBLE;
	}
	*out = (int)v;
	return 0;
}

int cmd_pids(const char *s, const char *opt, int **list, size_t *n)
{
	char *copy = strdup(s), *tok, *save = NULL;
	int rc = 0, pid;

	if (!copy) {
		cmd_error("out of memory");
		return CMD_TROUBLE;
	}
	for (tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
		int *l;

		rc = cmd_number(tok, opt, &pid);
		if (rc)
			break;
		if (pid == 0) {
			cmd_error("%s: 0 is not a pid", opt);
			rc = CMD_TROUBLE;
			break;
		}
		l = realloc(*list, (*n + 1) * sizeof(*l));
		if (!l) {
			cmd_error("out of memory");
			rc = CMD_TROUBLE;
			break;
		}
		*list = l;
		l[(*n)++] = pid;
	}
	if (!rc && !*n) {
		cmd_error("%s: no pid given", opt);
		rc = CMD_TROUBLE;
	}
	free(copy);
	return rc;
}

bool cmd_pid_wanted(const int *pids, size_t n, int pid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return !n;
}

int cmd_flush(struct buf *b)
{
	if (buf_error(b)) {
		buf_reset(b);
		return -ENOMEM;
	}
	if (b->len && fwrite(b->data, 1, b->len, stdout) != b->len) {
		buf_reset(b);
		return errno ? -errno : -EIO;
	}
	buf_reset(b);
	return 0;
}

int cmd_finish_output(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cmd_error("standard output: %s", strerror(errno ? errno : EIO));
		return CMD_TROUBLE;
	}
	return rc;
}

int cmd_done(struct buf *out, int w, int x, const char *path,
	     const struct snapshot *s)
{
	/* What was read is shown, even when the archive then turns out bad. */
	if (!w)
		w = cmd_flush(out);
	if (w)
		cmd_error("standard output: %s", strerror(-w));
	if (x < 0)
		cmd_error("%s: %s", cmd_path(path), snapshot_error(s));
	return w || x < 0 ? CMD_TROUBLE : cmd_finish_output(CMD_OK);
}

const char *cmd_path(const char *path)
{
	static struct buf b = BUF_INIT;

	if (strcmp(path, "-") == 0)
		return "standard input";
	buf_free(&b); /* kept until the next call; freed then */
	escape_text(&b, path, strlen(path));
	return b.data && !buf_error(&b) ? b.data : "?";
}
