/* cmd_extract_mem: the memory side of snapread extract (cmd_extract_mem.c) — a process's core, and the captured regions. */
#ifndef PROCSNAP_CMD_EXTRACT_MEM_H
#define PROCSNAP_CMD_EXTRACT_MEM_H

#include <stdbool.h>
#include <stddef.h>

/* extract --core PID: DIR/PID.core and the gdb line to open it with.
 * Returns the exit status. */
int extract_cmd_core(const char *path, const char *dir, int pid, bool json);

/* extract (without --fd): the memory regions of the processes chosen
 * (pids[npids], none: all) to DIR/PID/mem/START-END, printed as extract
 * prints files.  A second reading of the archive: not from stdin (said).
 * Returns the exit status. */
int extract_cmd_memory(const char *path, const char *dir, const int *pids, size_t npids,
		       bool json);

#endif
