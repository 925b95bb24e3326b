/* cmd: the snapread subcommands (src/cmd/cmd_*.c) and the helpers they share (src/cmd/cmd.c). */
#ifndef PROCSNAP_CMD_H
#define PROCSNAP_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Exit statuses, as diff(1): fine; a failed verification or differences; trouble. */
#define CMD_OK      0
#define CMD_FAILED  1
#define CMD_TROUBLE 2

/* Each takes argv[0] = its own name; returns an exit status. */
int cmd_ps(int argc, char **argv);
int cmd_fds(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_extract(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_timeline(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_triage(int argc, char **argv);
int cmd_stack(int argc, char **argv);

struct option;

/* The command every message names, set by main before it runs it (NULL:
 * none yet).  name is borrowed for the life of the program. */
void cmd_set_name(const char *name);

/* "snapread: COMMAND: " + the message + "\n" on stderr.  Archive text in
 * it must already be escaped; a path is named once. */
void cmd_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A usage error: the one-line message as cmd_error(), then "Try
 * 'snapread COMMAND --help'."; returns CMD_TROUBLE. */
int cmd_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* getopt_long(), with snapread's messages: an unknown option or a missing
 * argument is reported by cmd_usage_error() and returned as '?'. */
int cmd_getopt(int argc, char **argv, const char *shortopts,
	       const struct option *longopts);

/*
 * The end of option parsing: with --help (help set) prints usage on stdout
 * and returns CMD_OK; when the number of operands is not nargs, a usage
 * error (CMD_TROUBLE); otherwise -1 (go on).  usage is the command's whole
 * help text.
 */
int cmd_operands(int argc, char **argv, int nargs, bool help, const char *usage);

/* Adds the pids of "1,2,3" to *list (realloc'ed; the caller frees).
 * Returns 0, or CMD_TROUBLE after a usage error. */
int cmd_pids(const char *s, const char *opt, int **list, size_t *n);
/* Appends v to *list (realloc'ed; the caller frees).  0, or CMD_TROUBLE
 * after saying why. */
int cmd_int_append(int **list, size_t *n, int v);
/* Adds the fd number s (an option's argument, --fd) to *list, as above;
 * a usage error when it is not a number. */
int cmd_fd_arg(const char *s, const char *opt, int **list, size_t *n);
/* True when pid is in pids[n], or n is 0 (no --pid: every process). */
bool cmd_pid_wanted(const int *pids, size_t n, int pid);
/* A non-negative int, e.g. an fd; else a usage error, CMD_TROUBLE. */
int cmd_number(const char *s, const char *opt, int *out);

/* Writes b to stdout and empties it; -errno on error (e.g. EPIPE). */
int cmd_flush(struct buf *b);
/* Flushes stdout; prints the error and returns CMD_TROUBLE when output
 * was lost, else rc. */
int cmd_finish_output(int rc);

struct snapshot;
/*
 * The end of a listing: flushes out, reports an output error w (<0) and
 * the snapshot's error x (<0) on stderr.  Returns the exit status: 0 when
 * neither happened and stdout took everything, else CMD_TROUBLE.
 */
int cmd_done(struct buf *out, int w, int x, const char *path,
	     const struct snapshot *s);

/* The path the user gave, escaped for a message ("-" is "standard input").
 * Lives until the next call. */
const char *cmd_path(const char *path);

#endif
