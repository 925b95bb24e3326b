#!/usr/bin/env python3
"""sockdiag_scene.py DUMP DIR: in a network namespace of its own (run it
under `unshare -n`), opens a known set of sockets and runs DUMP DIR
(tests/tools/sockdiag_dump.c) while they are open: the raw sock_diag
dumps and /proc/net tables of fixtures/sockdiag/ (see fixtures/README.md).
Prints the inodes of what it made, for the unit test's expectations."""
import os
import socket
import subprocess
import sys

subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
made = {}
t = socket.socket(); t.bind(("127.0.0.1", 4444)); t.listen()
tc = socket.socket(); tc.connect(("127.0.0.1", 4444)); ts, _ = t.accept()
t6 = socket.socket(socket.AF_INET6); t6.bind(("::1", 6666)); t6.listen()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 5353))
u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u6.bind(("::1", 5354))
a, b = socket.socketpair()
path = "/tmp/sockdiag-scene.%d" % os.getpid()
d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); d.bind(path)
dc = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); dc.connect(path)
l = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); l.bind("\0scene\0x"); l.listen()
lc = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); lc.connect("\0scene\0x"); ls, _ = l.accept()
for name, s in [("tcp-listen", t), ("tcp-client", tc), ("tcp-server", ts), ("tcp6-listen", t6),
                ("udp", u), ("udp6", u6), ("pair-a", a), ("pair-b", b), ("dgram-bound", d),
                ("dgram-client", dc), ("abstract-listen", l), ("abstract-client", lc),
                ("abstract-server", ls)]:
    print(name, os.fstat(s.fileno()).st_ino)
subprocess.run([sys.argv[1], sys.argv[2]], check=True)
os.unlink(path)
