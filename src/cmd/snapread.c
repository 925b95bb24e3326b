/* snapread: the offline reader — its table of subcommands (src/cmd/cmd_*.c) and main. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "snapreader.h"

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
	{ "timeline", cmd_timeline, "times of snapshots merged: bodyfile, jsonl or csv" },
	{ "watch", cmd_watch, "a series of snapshots as one log: processes, fds, offsets, rates" },
	{ "triage", cmd_triage, "what looks wrong, each finding with its evidence" },
	{ "stack", cmd_stack, "across many hosts' snapshots, what is on the fewest" },
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
"Exit status: 0 fine, 1 a failed verification, differences found by diff\n"
"or findings of triage, 2 trouble (unreadable, corrupt or hostile archive,\n"
"bad usage).\n"
"See snapread(1).\n");
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : NULL;
	size_t i;

	if (!name)
		return cmd_usage_error("no command given");
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
			if (strcmp(argv[2], commands[i].name) == 0) {
				cmd_set_name(commands[i].name);
				return commands[i].fn(2, av);
			}
		return cmd_usage_error("'%s' is not a command", cmd_path(argv[2]));
	}
	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(name, commands[i].name) == 0) {
			cmd_set_name(commands[i].name);
			return commands[i].fn(argc - 1, argv + 1);
		}
	return cmd_usage_error("'%s' is not a command", cmd_path(name));
}
