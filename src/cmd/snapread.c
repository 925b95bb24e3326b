/* snapread: the offline reader — a table of subcommands, and what they share. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "escape.h"
#include "snapreader.h"
#include "snapshot.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "ps", cmd_ps, "the process table (--tree, --pid, --user)" },
	{ "fds", cmd_fds, "the open files, lsof-like (--pid, --deleted, --type)" },
	{ "show", cmd_show, "everything recorded about one process" },
	{ "extract", cmd_extract, "write the recovered files to a directory, verified" },
	{ "verify", cmd_verify, "check every member against the manifest" },
	{ "diff", cmd_diff, "what changed between two snapshots (A before, B after)" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(*commands))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
"usage: snapread COMMAND [options] SNAP ...\n"
"Read, extract and verify a procsnap snapshot offline.  SNAP is the archive\n"
"(.tar.gz, .tar.zst or .tar), or - for standard input.\n"
"\n"
"commands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(f,
"\n"
"Every command takes --json (JSON Lines for lists) and --help.\n"
"  snapread --version      the version and the archive format it reads\n"
"  snapread help COMMAND   the help of one command\n"
"\n"
"Exit status: 0 fine, 1 a failed verification or differences found by\n"
"diff, 2 trouble (unreadable, corrupt or hostile archive, bad usage).\n"
"See snapread(1).\n");
}

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

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : NULL;
	size_t i;

	if (!name) {
		usage(stderr);
		return CMD_TROUBLE;
	}
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
		usage(stdout);
		return cmd_finish_output(CMD_OK);
	}
	if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
		printf("snapread %s (reads archive format %d)\n", PROCSNAP_VERSION,
		       SNAPREADER_VERSION);
		return cmd_finish_output(CMD_OK);
	}
	if (strcmp(name, "help") == 0 && argc == 3) {
		char help[] = "--help";
		char *av[] = { argv[2], help, NULL };

		for (i = 0; i < NCOMMANDS; i++)
			if (strcmp(argv[2], commands[i].name) == 0)
				return commands[i].fn(2, av);
		cmd_error("no command '%s'; try snapread --help", cmd_path(argv[2]));
		return CMD_TROUBLE;
	}
	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(name, commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	cmd_error("no command '%s'; try snapread --help", cmd_path(name));
	return CMD_TROUBLE;
}
