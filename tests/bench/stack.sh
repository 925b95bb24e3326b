#!/usr/bin/env bash
# stack.sh: `snapread stack` on 100 snapshots of about 300 processes each,
# against the time to decompress them all (issue #16: at most twice).
#
# The snapshots come from real captures of the bench's workload A
# (fixtures/holder interp: 300 python3 interpreters with files, pipes,
# TCP listeners and UDP sockets): CAPTURES captures of the workload's
# processes (--no-content: the generator cannot write pax sparse members;
# stack never reads content anyway), each copied by tests/bench/stackgen.py
# into hosts with their own hostname and boot id, and a manifest made anew.
#
#     sudo bash tests/bench/stack.sh           (alone; also part of make bench)
#
# Environment: BUILD, BENCH_TMP (default /var/tmp), STACK_HOSTS (100),
# STACK_CAPTURES (4), STACK_RUNS (5); STACK_KEEP=DIR keeps the generated
# snapshots there, STACK_CORPUS=DIR measures the snapshots in DIR instead
# (no workload, no capture: for trying a change).  Writes $BUILD/bench/stack.tsv
# (timeit's lines) and stack.md (the figures), and prints them.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
B="$ROOT/$BUILD"
PROCSNAP="$B/procsnap"
SNAPREAD="$B/snapread"
HOLDER="$B/holder"
TIMEIT="$B/bench/timeit"
OUT="$B/bench"
HOSTS=${STACK_HOSTS:-100}
CAPTURES=${STACK_CAPTURES:-4}
RUNS=${STACK_RUNS:-5}

for f in "$PROCSNAP" "$SNAPREAD" "$HOLDER" "$TIMEIT"; do
	[ -x "$f" ] || { echo "stack bench: $f is missing (run make bench)" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "stack bench: needs root (it captures the workload)" >&2; exit 2; }
mkdir -p "$OUT"
W=$(mktemp -d "${BENCH_TMP:-/var/tmp}/procsnap-stack.XXXXXX") || exit 2
HP=""; SP=""
cleanup() {
	[ -n "$SP" ] && kill "$SP" 2>/dev/null
	[ -n "$HP" ] && { sleep 1; kill -TERM "$HP" 2>/dev/null; }
	wait 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

if [ -n "${STACK_CORPUS:-}" ]; then
	mkdir -p "$W/hosts" && cp "$STACK_CORPUS"/*.tar.gz "$W/hosts/" || exit 2
	CAPTURES="?"
else
# The workload, released by killing the only writer of its stdin FIFO.
mkfifo "$W/in"
"$HOLDER" interp "$W" 300 25 <"$W/in" >"$W/holder.out" 2>"$W/holder.err" &
HP=$!
sleep 100000 >"$W/in" &
SP=$!
for _ in $(seq 1 3000); do
	grep -q '^READY' "$W/holder.out" 2>/dev/null && break
	kill -0 "$HP" 2>/dev/null || break
	sleep 0.1
done
grep -q '^READY' "$W/holder.out" || { echo "stack bench: holder: $(cat "$W/holder.err")" >&2; exit 2; }
pids="$HP $(pgrep -P "$HP" | tr '\n' ' ')"
scope=""
for p in $pids; do scope="$scope -p $p"; done
mkdir -p "$W/real" "$W/hosts"
for i in $(seq 1 "$CAPTURES"); do
	# shellcheck disable=SC2086
	"$PROCSNAP" -q --no-content $scope -o "$W/real" >/dev/null 2>>"$W/errors" ||
		{ echo "stack bench: capture failed: $(tail -n3 "$W/errors")" >&2; exit 2; }
	sleep 1
done
kill "$SP" 2>/dev/null; SP=""
python3 "$ROOT/tests/bench/stackgen.py" "$W/hosts" "$HOSTS" "$W"/real/*.tar.gz || exit 2
[ -n "${STACK_KEEP:-}" ] && mkdir -p "$STACK_KEEP" && cp "$W"/hosts/*.tar.gz "$STACK_KEEP/"
fi
"$SNAPREAD" verify "$(ls "$W"/hosts/*.tar.gz | head -n1)" >/dev/null ||
	{ echo "stack bench: a generated snapshot does not verify" >&2; exit 2; }

n=$(ls "$W"/hosts/*.tar.gz | wc -l)
bytes=$(cat "$W"/hosts/*.tar.gz | wc -c)
raw=$(gzip -dc "$(ls "$W"/hosts/*.tar.gz | head -n1)" | wc -c)
procs=$("$SNAPREAD" ps "$(ls "$W"/hosts/*.tar.gz | head -n1)" | tail -n +2 | wc -l)
fds=$("$SNAPREAD" fds "$(ls "$W"/hosts/*.tar.gz | head -n1)" | tail -n +2 | wc -l)
echo "-- stack: $n snapshots of $procs processes / $fds fds, $bytes bytes compressed, $raw bytes each uncompressed" >&2
"$TIMEIT" -n "$RUNS" -w 1 -o "$W/raw.tsv" -e "$W/errors" \
	"gunzip-all=for f in $W/hosts/*.tar.gz; do gzip -dc \"\$f\"; done >/dev/null" \
	"gunzip-all-2=ls $W/hosts/*.tar.gz | xargs -P 2 -n 10 sh -c 'for f; do gzip -dc \"\$f\"; done' sh >/dev/null" \
	"stack=$SNAPREAD stack $W/hosts >/dev/null" \
	"stack-1-thread=$SNAPREAD stack --threads 1 $W/hosts >/dev/null" \
	"stack-json=$SNAPREAD stack --json $W/hosts >/dev/null" \
	>"$OUT/stack.tsv" || { echo "stack bench: timeit failed" >&2; exit 2; }
keys=$("$SNAPREAD" stack --json "$W/hosts" | grep -vc '"kind":"host"')
val() { awk -F'\t' -v n="$1" -v c="$2" '$1 == n {print $c; exit}' "$OUT/stack.tsv"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
{
	echo "## snapread stack: $n snapshots"
	echo
	echo "$(date -u +%Y-%m-%dT%H:%M:%SZ); $n snapshots (from $CAPTURES real captures of workload A, $procs processes and $fds fds each, $((raw / 1024)) KiB uncompressed, $((bytes / n / 1024)) KiB gzip -1); $keys keys; load average $(cut -d' ' -f1-3 /proc/loadavg)."
	echo
	echo "| command | median s | min s | max s | CPU s | peak RSS MiB | ratio to gunzip-all |"
	echo "|---|---|---|---|---|---|---|"
	g=$(val gunzip-all 3)
	while IFS=$'\t' read -r name _ med mn mx cpu rss _; do
		printf '| %s | %.3f | %.3f | %.3f | %.3f | %.1f | %s |\n' "$name" "$med" "$mn" "$mx" "$cpu" \
			"$(awk -v k="$rss" 'BEGIN {print k / 1024}')" "$(ratio "$med" "$g")"
	done <"$OUT/stack.tsv"
	echo
	r=$(ratio "$(val stack 3)" "$g")
	echo "Target: stack <= 2 x gunzip-all: $r ($(awk -v r="$r" 'BEGIN { print (r != "n/a" && r + 0 <= 2) ? "met" : "MISSED" }'))."
} >"$OUT/stack.md"
cat "$OUT/stack.md"
