#!/usr/bin/env bash
# series.sh: what a series costs (`make bench`, after run.sh; issue #14).
#
# A series of SERIES_ROUNDS rounds (default 30) SERIES_EVERY seconds apart
# (default 1) captures the host while fixtures/holder keeps 4 deleted
# files of 4 MiB open and fixtures/pacer reads files at 1 MiB/s; once with
# content reuse (the default) and once with --no-reuse.  For each: the
# rounds' capture times (host.json capture_start to summary.json
# capture_end; median, min, max), how late rounds started, the CPU the
# whole series used per round, and the disk the archives take.  Then
# `snapread watch` over the series.  The report goes to
# $BUILD/bench/series.md; docs/PERFORMANCE.md keeps a reference run.
#
# As run.sh, the series is pointed at the workload's own processes (-p):
# this machine is shared, and other people's processes (once, 5 GiB of
# other tests' deleted files a round) must not enter the figures.
#
# Environment: BUILD, BENCH_TMP (default /var/tmp), SERIES_ROUNDS,
# SERIES_EVERY, BENCH_SCOPE=host (the whole host).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
B="$ROOT/$BUILD"
ROUNDS=${SERIES_ROUNDS:-30}
EVERY=${SERIES_EVERY:-1}
SCOPE=${BENCH_SCOPE:-workload}
OUT="$B/bench"
REPORT="$OUT/series.md"
for f in "$B/procsnap" "$B/snapread" "$B/holder" "$B/pacer"; do
	[ -x "$f" ] || { echo "series: $f is missing (run make bench)" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "series: needs root" >&2; exit 2; }
command -v jq >/dev/null || { echo "series: jq is missing (make bench-deps)" >&2; exit 2; }
mkdir -p "$OUT"
W=$(mktemp -d "${BENCH_TMP:-/var/tmp}/procsnap-series.XXXXXX") || exit 2
PIDS=()
SLEEPERS=()
cleanup() {
	local p
	for p in "${SLEEPERS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -TERM "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

# start VAR PROGRAM ARGS...: a fixture whose stdin is a FIFO only a sleep
# of ours writes; VAR gets its READY line.
start() {
	local var=$1 prog=$2 n=${#PIDS[@]} i
	shift 2
	mkfifo "$W/in$n"
	"$prog" "$@" <"$W/in$n" >"$W/out$n" 2>"$W/err$n" &
	PIDS+=("$!")
	sleep 100000 >"$W/in$n" &
	SLEEPERS+=("$!")
	for ((i = 0; i < 600; i++)); do
		if grep -qs "^READY" "$W/out$n"; then
			printf -v "$var" '%s' "$(grep '^READY' "$W/out$n")"
			return 0
		fi
		sleep 0.1
	done
	echo "series: $prog $* did not start: $(cat "$W/err$n")" >&2
	exit 2
}
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p" | head -n1; }

mkdir -p "$W/files"
for i in 1 2 3 4; do
	start H "$B/holder" deleted "$W/files" 4M
	HPIDS="${HPIDS:-} $(field "$H" pid)"
done
for i in 1 2 3; do head -c 4194304 /dev/urandom >"$W/files/read-$i"; done
start P "$B/pacer" read 1048576 0 "$W/files/read-1" "$W/files/read-2" "$W/files/read-3"
PPID_=$(field "$P" pid)
# The deleted files must be quiet a second before they are first read
# (reuse.h) for the first round's copies to be offered.
sleep 2

ARGS=()
if [ "$SCOPE" != host ]; then
	for p in $HPIDS $PPID_; do ARGS+=(-p "$p"); done
fi

# series NAME OPTIONS...: one series into $W/NAME; prints its figures.
series() {
	local name=$1 t0 t1
	shift
	mkdir -p "$W/$name"
	echo "-- $name: $ROUNDS rounds every $EVERY s" >&2
	/usr/bin/time -f "%e %U %S" -o "$W/$name.time" "$B/procsnap" -q -o "$W/$name" \
		"${ARGS[@]}" --every "$EVERY" --count "$ROUNDS" "$@" >/dev/null 2>"$W/$name.err"
	for f in "$W/$name"/*.tar.gz; do
		tar xf "$f" -O --wildcards '*/host.json' '*/summary.json' 2>/dev/null |
			jq -s -r '"\(.[0].capture_start) \(.[1].capture_end) \(.[0].series.late_ms // 0) \(.[1].processes) \(.[1].fds) \(.[1].content_bytes) \(.[1].reused_bytes // 0)"'
	done >"$W/$name.rounds"
	python3 - "$W/$name.rounds" "$W/$name.time" "$(du -sb "$W/$name" | cut -f1)" \
		"$(ls "$W/$name" | wc -l)" "$name" <<'EOF'
import datetime, statistics, sys
def t(s):
    d, frac = s.rstrip("Z").split(".")
    return datetime.datetime.fromisoformat(d).timestamp() + float("0." + frac)
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
secs = [t(r[1]) - t(r[0]) for r in rows]
late = [int(r[2]) for r in rows]
wall, user, sys_ = (float(x) for x in open(sys.argv[2]).read().split()[-3:])
n = len(rows)
print("| %s | %d | %.3f | %.3f | %.3f | %d | %.3f | %.3f | %.1f | %.1f | %.1f | %s |" % (
    sys.argv[5], n, statistics.median(secs), min(secs), max(secs), sum(1 for x in late if x),
    max(late) / 1000 if late else 0, (user + sys_) / max(n, 1),
    int(sys.argv[3]) / 1048576, int(sys.argv[3]) / 1048576 / max(n, 1),
    sum(int(r[5]) for r in rows) / 1048576,
    "%d procs, %d fds" % (int(rows[0][3]), int(rows[0][4])) if rows else "-"))
EOF
}

{
	echo "# procsnap series benchmark"
	echo
	echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'),"
	echo "scope: $SCOPE; workload: 4 deleted files of 4 MiB held open, a reader at 1 MiB/s."
	echo
	echo "| series | rounds | capture median s | min s | max s | rounds late | latest s | CPU s per round | disk MiB | MiB per round | content copied MiB | first round |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
	series reuse
	series no-reuse --no-reuse
	echo
	start_w=$(date +%s.%N)
	"$B/snapread" watch "$W/reuse" >"$W/watch.out" 2>&1
	end_w=$(date +%s.%N)
	echo "snapread watch over the $ROUNDS archives: $(awk -v a="$start_w" -v b="$end_w" 'BEGIN { printf "%.2f", b - a }') s, $(wc -l <"$W/watch.out") lines."
	echo
	echo "The reader's summary line:"
	echo
	grep "$PPID_ .* summary:" "$W/watch.out" | sed 's/^/    /'
} | tee "$REPORT"
