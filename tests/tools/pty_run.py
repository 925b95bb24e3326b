#!/usr/bin/env python3
"""pty_run.py: runs a command with its stderr (and stdin) on a pseudo-terminal.

    pty_run.py TRANSCRIPT -- CMD ARGS...

What the command writes to the terminal (250 columns wide) goes to
TRANSCRIPT, byte for byte (carriage returns and escape sequences
included); its stdout is inherited.
Exits with the command's status (128 + N when killed by signal N).  Used
by the integration tests to see what a responder at a terminal sees.
"""
import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios

# A wide terminal, so a status line is not cut at 80 columns.
ROWS, COLS = 50, 250


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.stderr.write("usage: pty_run.py TRANSCRIPT -- CMD ARGS...\n")
        return 2
    transcript, cmd = sys.argv[1], sys.argv[3:]
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    proc = subprocess.Popen(cmd, stdin=slave, stderr=slave)
    os.close(slave)
    with open(transcript, "wb") as out:
        while True:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: every holder of the slave closed it
                    data = b""
                if not data:
                    break
                out.write(data)
            elif proc.poll() is not None:
                break
    os.close(master)
    rc = proc.wait()
    return 128 - rc if rc < 0 else rc


if __name__ == "__main__":
    sys.exit(main())
