#!/usr/bin/env bash
# touch.sh OLD_BUILD NEW_BUILD: what knowing who would notice a read costs
# (issue #20): callgrind's instruction counts (stable on a shared machine)
# of two builds on bench workload A (300 interpreters, each with a deleted
# file) without and with content (the content run reads /proc/locks and
# asks about every file before opening it), with --no-touch-watched (the
# first pass over every process's fds; NEW only), and on one process
# holding an inotify fd of 8,000 marks (every fdinfo line parsed).
#     git worktree add /tmp/before REV && make -C /tmp/before -j2
#     sudo bash tests/bench/touch.sh /tmp/before/build build
# Root only.  About 10 minutes (callgrind).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OLD=$(cd "$1" && pwd)/procsnap
NEW=$(cd "$2" && pwd)/procsnap
B="$ROOT/${BUILD:-build}"
for f in "$OLD" "$NEW" "$B/holder"; do
	[ -x "$f" ] || { echo "touch: $f is missing" >&2; exit 2; }
done
command -v valgrind >/dev/null || { echo "touch: valgrind is missing (make bench-deps)" >&2; exit 2; }
W=$(mktemp -d /var/tmp/procsnap-touch.XXXXXX)
HP=; SP=; IP=
cleanup() {
	for p in $SP $IP; do kill "$p" 2>/dev/null; done
	[ -n "$HP" ] && kill -TERM "$HP" 2>/dev/null
	wait 2>/dev/null; rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 2' INT TERM
mkfifo "$W/in"
"$B/holder" interp "$W" 300 25 <"$W/in" >"$W/out" 2>"$W/err" &
HP=$!
sleep 100000 >"$W/in" &
SP=$!
for _ in $(seq 1 3000); do grep -q '^READY' "$W/out" && break; kill -0 "$HP" || break; sleep 0.1; done
grep -q '^READY' "$W/out" || { echo "touch: the workload did not start: $(cat "$W/err")" >&2; exit 2; }
pid=$(tr ' ' '\n' <"$W/out" | sed -n 's/^pid=//p' | head -n1)
P=""
for p in $pid $(pgrep -P "$pid"); do P="$P -p $p"; done
# One process with an inotify fd of 8,000 marks (open, access, close_nowrite).
mkdir "$W/many"
for i in $(seq 1 8000); do : >"$W/many/f$i"; done
python3 -c '
import ctypes, os, sys, time
libc = ctypes.CDLL(None)
fd = libc.inotify_init1(0)
for i in range(1, 8001):
    libc.inotify_add_watch(fd, ("%s/many/f%d" % (sys.argv[1], i)).encode(), 0x31)
print(os.getpid(), flush=True)
time.sleep(100000)' "$W" >"$W/ino.out" &
IP=$!
for _ in $(seq 1 100); do [ -s "$W/ino.out" ] && break; sleep 0.1; done
ip=$(cat "$W/ino.out")
cg() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
	sed -n 's/.*Collected : *//p'; }
echo "touch: $(wc -w <<<"$P") words of -p (301 processes); instructions (callgrind, user space)"
echo "  A --no-content           old $(cg "$OLD" -q --no-content $P -o -)  new $(cg "$NEW" -q --no-content $P -o -)"
echo "  A with content           old $(cg "$OLD" -q $P -o -)  new $(cg "$NEW" -q $P -o -)"
echo "  A --no-touch-watched     new $(cg "$NEW" -q --no-touch-watched $P -o -)"
echo "  inotify fd, 8,000 marks  old $(cg "$OLD" -q --no-content -p "$ip" -o -)  new $(cg "$NEW" -q --no-content -p "$ip" -o -)"
