#!/usr/bin/env bash
# ab.sh OLD_BUILD NEW_BUILD: the metadata capture of bench workload A
# (300 interpreter processes) by two builds of procsnap, side by side:
# alternating timed runs (tests/bench/timeit.c, medians) and callgrind's
# instruction counts, which stay stable on a shared machine.  For "no
# figure got worse" comparisons across a change:
#     git worktree add /tmp/before REV && make -C /tmp/before -j2
#     sudo bash tests/bench/ab.sh /tmp/before/build build
# Root only (procsnap and the floor read other processes' fds).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OLD=$(cd "$1" && pwd)/procsnap
NEW=$(cd "$2" && pwd)/procsnap
B="$ROOT/${BUILD:-build}"
RUNS=${AB_RUNS:-15}
# The options both builds run with (metadata only by default); e.g.
# AB_OPTS="--compress gzip" for the defaults, memory bytes included.
OPTS=${AB_OPTS:---no-content}
for f in "$OLD" "$NEW" "$B/holder" "$B/bench/timeit" "$B/bench/floor"; do
	[ -x "$f" ] || { echo "ab: $f is missing" >&2; exit 2; }
done
W=$(mktemp -d /var/tmp/procsnap-ab.XXXXXX)
HP=; SP=
cleanup() { [ -n "$SP" ] && kill "$SP" 2>/dev/null; [ -n "$HP" ] && kill -TERM "$HP" 2>/dev/null; wait 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
trap 'exit 2' INT TERM
mkfifo "$W/in"
"$B/holder" interp "$W" 300 25 <"$W/in" >"$W/out" 2>"$W/err" &
HP=$!
sleep 100000 >"$W/in" &
SP=$!
for _ in $(seq 1 3000); do grep -q '^READY' "$W/out" && break; kill -0 "$HP" || break; sleep 0.1; done
grep -q '^READY' "$W/out" || { echo "ab: the workload did not start: $(cat "$W/err")" >&2; exit 2; }
pid=$(tr ' ' '\n' <"$W/out" | sed -n 's/^pid=//p' | head -n1)
P=""; F=""
# Its children from /proc/*/stat alone (pgrep also reads command lines,
# and on a shared machine a stuck process's blocks).
kids=$(sed -n 's/^\([0-9]*\) (.*) [A-Za-z] \([0-9]*\) .*/\1 \2/p' /proc/[0-9]*/stat 2>/dev/null | awk -v p="$pid" '$2 == p {print $1}')
for p in $pid $kids; do P="$P -p $p"; F="$F $p"; done
mkdir -p "$W/o"
echo "ab: $(wc -w <<<"$F") processes; $RUNS alternating runs each; options: $OPTS"
"$B/bench/timeit" -n "$RUNS" -w 1 -p "rm -rf $W/o/*" \
	old="$OLD -q $OPTS $P -o $W/o" new="$NEW -q $OPTS $P -o $W/o" \
	floor="$B/bench/floor $F" |
	awk -F'\t' '{printf "  %-6s median %.3f s (min %.3f, max %.3f)  cpu %.3f s  peak RSS %.1f MiB\n", $1, $3, $4, $5, $6, $7/1024}'
# What each build's capture hashed for exec_files (summary.json; "-" for a
# build that does not hash).
for v in old new; do
	bin=$OLD; [ $v = new ] && bin=$NEW
	"$bin" -q --no-content $P -o - 2>/dev/null | tar xzOf - --wildcards '*/summary.json' 2>/dev/null |
		jq -r --arg v "$v" '"  \($v) exec_files: \(.exec_files_hashed // "-") distinct files hashed, \(.exec_files_unhashed // "-") not, \(.exec_hash_bytes // "-") bytes read"'
done
if command -v valgrind >/dev/null; then
	for v in old new; do
		bin=$OLD; [ $v = new ] && bin=$NEW
		n=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" -q $OPTS $P -o - 2>&1 >/dev/null |
			sed -n 's/.*Collected : *//p')
		echo "  $v instructions (callgrind, user space): $n"
	done
fi
