/* cmd: what snapread's commands share — messages, operands, numbers, output (see cmd.h). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "escape.h"
#include "snapshot.h"

/* The command being run, for every message: "snapread: ps: ...". */
static const char *cmd_name;

void cmd_set_name(const char *name)
{
	cmd_name = name;
}

static void vsay(const char *fmt, va_list ap)
{
	fflush(stdout);
	fputs("snapread: ", stderr);
	if (cmd_name)
		fprintf(stderr, "%s: ", cmd_name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void cmd_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

int cmd_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	if (cmd_name)
		fprintf(stderr, "Try 'snapread %s --help'.\n", cmd_name);
	else
		fputs("Try 'snapread --help'.\n", stderr);
	return CMD_TROUBLE;
}

int cmd_getopt(int argc, char **argv, const char *shortopts,
	       const struct option *longopts)
{
	char opts[32];
	const char *bad;
	int opt;

	/* Our own messages, not getopt's (which name argv[0], "ps"): a
	 * leading ':' makes a missing argument ':' rather than '?'. */
	snprintf(opts, sizeof(opts), ":%s", shortopts);
	opterr = 0;
	opt = getopt_long(argc, argv, opts, longopts, NULL);
	if (opt != '?' && opt != ':')
		return opt;
	bad = optind > 1 && optind - 1 < argc ? argv[optind - 1] : "?";
	if (opt == ':')
		cmd_usage_error("option '%s' needs an argument", cmd_path(bad));
	else if (optopt && strncmp(bad, "--", 2) != 0)
		cmd_usage_error("unknown option '-%c'", optopt);
	else
		cmd_usage_error("unknown option '%s'", cmd_path(bad));
	return '?';
}

int cmd_operands(int argc, char **argv, int nargs, bool help, const char *usage_text)
{
	if (help) {
		fputs(usage_text, stdout);
		return cmd_finish_output(CMD_OK);
	}
	if (argc - optind < nargs)
		return cmd_usage_error("missing operand");
	if (argc - optind > nargs)
		return cmd_usage_error("extra operand '%s'", cmd_path(argv[optind + nargs]));
	return -1;
}

int cmd_number(const char *s, const char *opt, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > INT_MAX) {
		return cmd_usage_error("%s: '%s' is not a number", opt, cmd_path(s));
	}
	*out = (int)v;
	return 0;
}

int cmd_int_append(int **list, size_t *n, int v)
{
	int *l = realloc(*list, (*n + 1) * sizeof(*l));

	if (!l) {
		cmd_error("out of memory");
		return CMD_TROUBLE;
	}
	*list = l;
	l[(*n)++] = v;
	return 0;
}

int cmd_fd_arg(const char *s, const char *opt, int **list, size_t *n)
{
	int fd;

	return cmd_number(s, opt, &fd) ? CMD_TROUBLE : cmd_int_append(list, n, fd);
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
		rc = cmd_number(tok, opt, &pid);
		if (!rc && pid == 0)
			rc = cmd_usage_error("%s: 0 is not a pid", opt);
		if (!rc)
			rc = cmd_int_append(list, n, pid);
	}
	if (!rc && !*n)
		rc = cmd_usage_error("%s: no pid given", opt);
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
