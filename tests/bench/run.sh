#!/usr/bin/env bash
# run.sh: the benchmark suite (`make bench`; no timed assertion is in `make check`).
#
# Puts real workloads on this host with fixtures/holder, runs procsnap and
# the tools a responder would reach for side by side on them (alternating,
# several runs, medians; see timeit.c), and writes $BUILD/bench/report.md:
# every target of issue #5 with its measured ratio, then every figure with
# its peak RSS.  docs/PERFORMANCE.md keeps the figures of a reference run.
#
# Environment: BUILD (default build), BENCH_TMP (a directory on the disk to
# test, default /var/tmp), BENCH_QUICK=1 (few runs, 256 MiB instead of
# 1 GiB: for trying the suite, not for figures), BENCH_CALLGRIND=0 (skip
# the instruction counts), BENCH_GZIP=0 (skip the long gzip content runs),
# BENCH_SCOPE=host (capture the whole host, not only the workload's
# processes: on a shared machine, other people's processes then enter the
# figures), BENCH_BASE=DIR (a build of an earlier procsnap, e.g. of main:
# its rows are measured beside this one's, for before-and-after figures
# from the same run).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
B="$ROOT/$BUILD"
PROCSNAP="$B/procsnap"
SNAPREAD="$B/snapread"
HOLDER="$B/holder"
FLOOR="$B/bench/floor"
TIMEIT="$B/bench/timeit"
OUT="$B/bench"
QUICK=${BENCH_QUICK:-0}
CALLGRIND=${BENCH_CALLGRIND:-1}
GZIP_CONTENT=${BENCH_GZIP:-1}
BASE=${BENCH_BASE:+$(cd "$BENCH_BASE" && pwd)/procsnap}
SCOPE=${BENCH_SCOPE:-workload}

for f in "$PROCSNAP" "$SNAPREAD" "$HOLDER" "$FLOOR" "$TIMEIT"; do
	[ -x "$f" ] || { echo "bench: $f is missing (run make bench)" >&2; exit 2; }
done
if [ "$(id -u)" != 0 ]; then
	echo "bench: needs root (the capture, lsof and the floor read every process's fds)" >&2
	exit 2
fi
mkdir -p "$OUT"
RES="$OUT/results.tsv"    # section name runs median min max cpu rss_kib failures
RAW="$OUT/raw.tsv"        # one line per run
ERRLOG="$OUT/errors.log"  # stderr of every run
REPORT="$OUT/report.md"
: >"$RES"; : >"$RAW"; : >"$ERRLOG"
W=$(mktemp -d "${BENCH_TMP:-/var/tmp}/procsnap-bench.XXXXXX") || exit 2
T0=$(date +%s)

if [ "$QUICK" = 1 ]; then
	RUNS=3; RUNS_BIG=2; RUNS_CONTENT=2; CONTENT_SIZE=256M
else
	RUNS=11; RUNS_BIG=5; RUNS_CONTENT=5; CONTENT_SIZE=1G
fi


# ---- workloads: started here, always cleaned up --------------------------
# A holder's stdin is a FIFO whose only writer is a `sleep` of ours: killing
# the sleep is the EOF that releases it.  Neither this shell nor a later
# holder ever holds a FIFO's write end, so no holder is kept alive by an fd
# another one inherited.
SLEEPERS=()
HOLDERS=()
cleanup() {
	local p
	for p in "${SLEEPERS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done
	for p in "${HOLDERS[@]:-}"; do [ -n "$p" ] && kill -TERM "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

# start_holder VAR TIMEOUT MODE ARGS...: VAR gets the READY line.
start_holder() {
	local var=$1 timeout=$2; shift 2
	local n=${#HOLDERS[@]} i
	local fifo="$W/holder$n.in" out="$W/holder$n.out"
	mkfifo "$fifo"
	"$HOLDER" "$@" <"$fifo" >"$out" 2>"$out.err" &
	HOLDERS+=("$!")
	sleep 100000 >"$fifo" &
	SLEEPERS+=("$!")
	eval "${var}_IDX=$n"
	for ((i = 0; i < timeout * 10; i++)); do
		if grep -q '^READY' "$out" 2>/dev/null; then
			eval "$var=\$(grep '^READY' \"$out\")"
			return 0
		fi
		kill -0 "${HOLDERS[$n]}" 2>/dev/null || break
		sleep 0.1
	done
	echo "bench: holder $* did not start: $(cat "$out.err")" >&2
	exit 2
}
stop_holder() {
	local idx="${1}_IDX"
	local n=${!idx} i
	kill "${SLEEPERS[$n]}" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "${HOLDERS[$n]}" 2>/dev/null || break
		sleep 0.1
	done
	kill -TERM "${HOLDERS[$n]}" 2>/dev/null
	wait "${HOLDERS[$n]}" 2>/dev/null
	SLEEPERS[$n]=; HOLDERS[$n]=
	sleep 1 # PID 1 reaps the holder's orphans lazily here
}
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p" | head -n1; }
# children PID: its child processes, from /proc/*/stat alone (pgrep also
# reads command lines, and on a shared machine a stuck process's blocks).
children() { sed -n 's/^\([0-9]*\) (.*) [A-Za-z] \([0-9]*\) .*/\1 \2/p' /proc/[0-9]*/stat 2>/dev/null | awk -v p="$1" '$2 == p {print $1}'; }
# base NAME ARGS: B_ARG becomes the timeit argument that runs the base
# build with ARGS, when there is one (else nothing): "${B_ARG[@]}".
base() { B_ARG=(); [ -n "$BASE" ] && B_ARG=("$1=$BASE $2"); return 0; }

# measure SECTION TIMEIT-ARGS...: runs timeit, keeps its lines under SECTION.
measure() {
	local sec=$1; shift
	echo "-- $sec" >&2
	"$TIMEIT" -o "$W/raw.part" -e "$ERRLOG" "$@" >"$W/res.part" || { echo "bench: timeit failed" >&2; exit 2; }
	sed "s/^/$sec\t/" "$W/res.part" | tee -a "$RES" | awk -F'\t' \
		'{printf "   %-14s median %8.3f s  (min %.3f, max %.3f)  cpu %.3f s  peak RSS %6.1f MiB%s\n", $2, $4, $5, $6, $7, $8/1024, ($9 > 0 ? "  FAILED " $9 : "")}' >&2
	sed "s/^/$sec\t/" "$W/raw.part" >>"$RAW"
	rm -f "$W/raw.part"
}
# Looking results up: val SECTION NAME COLUMN (3 runs 4 median 5 min 6 max 7 cpu 8 rss 9 failures)
val() { awk -F'\t' -v s="$1" -v n="$2" -v c="$3" '$1 == s && $2 == n {print $c; exit}' "$RES"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
mib() { awk -v k="$1" 'BEGIN { if (k == "") print "n/a"; else printf "%.1f", k / 1024 }'; }
# verdict VALUE OP LIMIT: "met" or "MISSED"
verdict() { awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN { if (v == "n/a" || v == "") { print "n/a"; exit } ok = (op == "<=") ? (v + 0 <= l + 0) : (v + 0 >= l + 0); print ok ? "met" : "MISSED" }'; }

# hostfds [PID...]: "PIDS FDS" as the floor counts them (default: the whole host).
hostfds() { "$FLOOR" "$@" 2>&1 >/dev/null | awk '{print $2, $4}'; }

# scope HOLDER_PID: the processes every tool is pointed at, as arguments
# for procsnap (S_SNAP), lsof (S_LSOF), ps (S_PS) and the floor (S_FLOOR):
# the holder and its children, or with BENCH_SCOPE=host everything.
scope() {
	local pids p
	pids="$1 $(children "$1" | tr '\n' ' ')"
	S_PIDS=$pids
	if [ "$SCOPE" = host ]; then
		S_SNAP=""; S_LSOF=""; S_PS="aux"; S_FLOOR=""
		return
	fi
	S_SNAP=""; S_FLOOR=""
	for p in $pids; do S_SNAP="$S_SNAP -p $p"; S_FLOOR="$S_FLOOR $p"; done
	S_LSOF="-p $(tr ' ' '\n' <<<"$pids" | grep . | paste -sd,)"
	S_PS="u -p $(tr ' ' '\n' <<<"$pids" | grep . | paste -sd,)"
}

NOTES=()
note() { NOTES+=("$*"); echo "note: $*" >&2; }

# profile NAME CMD: a perf profile of one run of CMD (a shell command) into
# $OUT/profile-NAME.txt: CPU by thread (procsnap names its threads:
# procsnap, the caller's, and procsnap-collec collect; procsnap-format;
# procsnap-archiv; procsnap-read), then the top symbols.
PERF_OK=0
command -v perf >/dev/null && perf record -q -o "$W/p.data" true 2>/dev/null && PERF_OK=1
PROFILES=()
profile() {
	local name=$1 cmd=$2
	[ "$PERF_OK" = 1 ] || return 0
	perf record -q -o "$W/p.data" -- sh -c "$cmd" 2>>"$ERRLOG" >/dev/null
	{
		echo "# $name: CPU samples by thread, then the top symbols (thread, library, symbol)"
		perf report -i "$W/p.data" --sort comm 2>/dev/null | grep '%' | grep -v '^#'
		echo
		perf report -i "$W/p.data" --sort comm,dso,sym 2>/dev/null | grep '%' | grep -v '^#' | head -n 14
	} >"$OUT/profile-$name.txt"
	PROFILES+=("$name")
}

# ---- the machine -----------------------------------------------------------
read -r base_pids base_fds <<<"$(hostfds)"
MACHINE=$(cat <<EOF
- CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), $(nproc) cores ($(grep -o -w sha_ni /proc/cpuinfo | head -n1 || echo "no") SHA extensions); memory $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)
- kernel $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME")
- disk under test: $(df -T "$W" | awk 'NR==2 {print $1 " (" $2 ")"}'), directory $(dirname "$W")
- tools: $(lsof -v 2>&1 | sed -n 's/^ *revision: */lsof /p' | head -n1), $(ps --version | head -n1), $(gzip --version | head -n1), $(zstd -V | sed 's/.*\(v[0-9.]*\).*/zstd \1/'), $(bsdtar --version | grep -o 'libarchive [0-9.]*'), $(valgrind --version 2>/dev/null)
- host before the workloads: $base_pids processes, $base_fds fds; load average $(cut -d' ' -f1-3 /proc/loadavg)
EOF
)
echo "$MACHINE" >&2

# ---- A: 300 interpreter processes, metadata ---------------------------------
echo "== A: 300 processes of a dynamically linked interpreter" >&2
start_holder A 300 interp "$W" 300 25
scope "$(field "$A" pid)"
read -r a_pids a_fds <<<"$(hostfds $S_FLOOR)"
a_maps=$(awk 'END {print NR}' /proc/"$(children "$(field "$A" pid)" | head -n1)"/maps)
mkdir -p "$W/o"
base procsnap-base "-q --no-content $S_SNAP -o $W/o"
measure A -n "$RUNS" -w 1 -p "rm -rf $W/o/* $W/x.txt" \
	procsnap="$PROCSNAP -q --no-content $S_SNAP -o $W/o" \
	lsof="lsof -n -P $S_LSOF >$W/x.txt" \
	floor="$FLOOR $S_FLOOR" \
	"ps=ps $S_PS >$W/x.txt" \
	procsnap-zstd="$PROCSNAP -q --no-content --compress zstd $S_SNAP -o $W/o" \
	procsnap-none="$PROCSNAP -q --no-content --compress none $S_SNAP -o $W/o" \
	procsnap-nohash="$PROCSNAP -q --no-content --no-hash $S_SNAP -o $W/o" \
	"${B_ARG[@]}"
# Sizes, and the uncompressed archive for the compression study.
mkdir -p "$W/levels"
"$PROCSNAP" -q --no-content --compress none $S_SNAP -o - >"$W/levels/meta-300.tar" 2>>"$ERRLOG"
# What exec_files read (summary.json): distinct files hashed, bytes.
a_exec=$(tar xOf "$W/levels/meta-300.tar" --wildcards '*/summary.json' 2>/dev/null |
	jq -r '"\(.exec_files_hashed // "-") files hashed (\(.exec_files_unhashed // "-") not), \(.exec_hash_bytes // "-") bytes read"' 2>/dev/null)
a_size_none=$(stat -c %s "$W/levels/meta-300.tar")
a_size_gzip=$("$PROCSNAP" -q --no-content $S_SNAP -o - 2>>"$ERRLOG" | wc -c)
a_size_zstd=$("$PROCSNAP" -q --no-content --compress zstd $S_SNAP -o - 2>>"$ERRLOG" | wc -c)
a_lsof_lines=$(lsof -n -P $S_LSOF 2>/dev/null | wc -l)

CG=""
if [ "$CALLGRIND" = 1 ] && command -v valgrind >/dev/null; then
	echo "-- A: callgrind instruction counts (user space only)" >&2
	# instr CMD...: instructions executed in user space by CMD and its children.
	instr() {
		valgrind --tool=callgrind --trace-children=yes --callgrind-out-file=/dev/null \
			"$@" 2>&1 >/dev/null | sed -n 's/.*Collected : \([0-9]*\).*/\1/p' |
			awk '{s += $1} END {print s + 0}'
	}
	cg_procsnap=$(instr "$PROCSNAP" -q --no-content $S_SNAP -o -)
	cg_floor=$(instr "$FLOOR" $S_FLOOR)
	cg_lsof=$(instr lsof -n -P $S_LSOF)
	cg_ps=$(instr ps $S_PS)
	CG=1
fi
profile metadata-A "$PROCSNAP -q --no-content $S_SNAP -o -"
stop_holder A

# ---- B: 100,000 fds ----------------------------------------------------------
# The fd hard limit here is 20,000 per process and root has no
# CAP_SYS_RESOURCE to raise it: 100,000 fds are 20 processes of 5,000.
echo "== B: 20 processes x 5,000 fds" >&2
start_holder BW 120 many "$W" 20 5000
scope "$(field "$BW" pid)"
read -r b_pids b_fds <<<"$(hostfds $S_FLOOR)"
measure B -n "$RUNS_BIG" -w 1 -p "rm -rf $W/o/* $W/x.txt" \
	procsnap="$PROCSNAP -q --no-content $S_SNAP -o $W/o" \
	lsof="lsof -n -P $S_LSOF >$W/x.txt" \
	floor="$FLOOR $S_FLOOR" \
	"ps=ps $S_PS >$W/x.txt"
profile metadata-B "$PROCSNAP -q --no-content $S_SNAP -o -"
# Two snapshots of it for the reader.
mkdir -p "$W/snap1" "$W/snap2"
SNAP1=$("$PROCSNAP" -q --no-content $S_SNAP -o "$W/snap1" 2>>"$ERRLOG")
sleep 1
SNAP2=$("$PROCSNAP" -q --no-content $S_SNAP -o "$W/snap2" 2>>"$ERRLOG")
# A third after an "intruder" started 2 more processes of 5,000 fds each:
# SNAP1 against SNAP2 is the diff of an idle host (fd lines the same on
# both sides are not parsed), SNAP1 against SNAP3 one with news in it
# (every fd of a new process is parsed).
mkdir -p "$W/snap3" "$W/x"
start_holder BX 120 many "$W/x" 2 5000
x_pid=$(field "$BX" pid)
x_snap=""
[ "$SCOPE" = host ] || for p in $x_pid $(children "$x_pid"); do x_snap="$x_snap -p $p"; done
SNAP3=$("$PROCSNAP" -q --no-content $S_SNAP $x_snap -o "$W/snap3" 2>>"$ERRLOG")
stop_holder BX
"$PROCSNAP" -q --no-content --compress none $S_SNAP -o - >"$W/levels/meta-100k.tar" 2>>"$ERRLOG"
stop_holder BW

# ---- T: 500 threads sharing one fd table ----------------------------------------
echo "== T: 500 threads sharing one fd table of 1,000 fds" >&2
start_holder TH 60 threads 500 1000
start_holder T1 60 threads 1 1000
th_pid=$(field "$TH" pid); t1_pid=$(field "$T1" pid)
th_fds=$(ls /proc/"$th_pid"/fd | wc -l)
th_tasks=$(ls /proc/"$th_pid"/task | wc -l)
# syscalls NAME PID: readlinkat calls procsnap makes for that one process.
syscalls() {
	strace -f -c -e trace=readlinkat -o "$W/strace.$1" "$PROCSNAP" -q --no-content -p "$2" -o - >/dev/null 2>>"$ERRLOG"
	awk '$NF == "readlinkat" {print $4}' "$W/strace.$1"
}
th_readlink=$(syscalls th "$th_pid")
t1_readlink=$(syscalls t1 "$t1_pid")
measure T -n "$RUNS" -w 1 \
	procsnap-500="$PROCSNAP -q --no-content -p $th_pid -o -" \
	procsnap-1="$PROCSNAP -q --no-content -p $t1_pid -o -" \
	lsof-500="lsof -n -P -p $th_pid" \
	lsof-1="lsof -n -P -p $t1_pid"
stop_holder TH
stop_holder T1

# ---- C: a deleted file of 1 GiB ------------------------------------------------
echo "== C: recovering a deleted $CONTENT_SIZE file" >&2
start_holder DEL 300 deleted "$W" "$CONTENT_SIZE"
dpid=$(field "$DEL" pid); dfd=$(field "$DEL" fd); dsha=$(field "$DEL" sha256); dsize=$(field "$DEL" size)
C="$W/c"; mkdir -p "$C"
# Sanity: procsnap recovered the right bytes.
"$PROCSNAP" -q --compress none -p "$dpid" -o - >"$C/check.tar" 2>>"$ERRLOG"
got=$(tar -xOf "$C/check.tar" --wildcards "*/proc/$dpid/fds.jsonl" | jq -r "select(.fd == $dfd) | .content.sha256")
[ "$got" = "$dsha" ] || note "content check: procsnap recorded sha256 $got, the holder wrote $dsha"
rm -f "$C/check.tar"
base procsnap-base "-q --compress none -p $dpid -o - >$C/o.tar"
measure C-none -n "$RUNS_CONTENT" -w 1 -p "rm -f $C/*" \
	procsnap="$PROCSNAP -q --compress none -p $dpid -o - >$C/o.tar" \
	cat="cat /proc/$dpid/fd/$dfd >$C/cat.bin" \
	"${B_ARG[@]}"
# The same with the data on disk when the command returns: procsnap fsyncs
# an archive written into a directory before naming it final.
measure C-durable -n "$RUNS_CONTENT" -w 0 -p "rm -f $C/*" \
	procsnap="$PROCSNAP -q --compress none -p $dpid -o $C" \
	cat+fsync="cat /proc/$dpid/fd/$dfd >$C/cat.bin && sync $C/cat.bin"
measure C-zstd -n "$RUNS_CONTENT" -w 0 -p "rm -f $C/*" \
	procsnap="$PROCSNAP -q --compress zstd -p $dpid -o - >$C/o.tar.zst" \
	zstd-3="zstd -3 -T1 -q -c </proc/$dpid/fd/$dfd >$C/o.zst"
# gzip of an incompressible payload (#18): stored blocks, so about the
# speed of --compress none, and still a stream gzip -t and tar accept.
measure C-gzip -n "$RUNS_CONTENT" -w 1 -p "rm -f $C/*" \
	procsnap="$PROCSNAP -q -p $dpid -o - >$C/o.tar.gz" \
	procsnap-none="$PROCSNAP -q --compress none -p $dpid -o - >$C/o.tar"
"$PROCSNAP" -q -p "$dpid" -o - >"$C/o.tar.gz" 2>>"$ERRLOG"
c_gz_size=$(stat -c %s "$C/o.tar.gz")
c_gz_ok=$( { gzip -t "$C/o.tar.gz" && tar tzf "$C/o.tar.gz" >/dev/null; } 2>>"$ERRLOG" && echo yes || echo NO)
rm -f "$C"/*
if [ "$GZIP_CONTENT" = 1 ]; then
	base procsnap-base "-q -p $dpid -o - >$C/o.tar.gz"
	measure C-gzip-slow -n $((QUICK == 1 ? 1 : 3)) -w 0 -p "rm -f $C/*" \
		gzip-1="gzip -1 -c </proc/$dpid/fd/$dfd >$C/o.gz" \
		"${B_ARG[@]}"
fi
profile content-none "$PROCSNAP -q --compress none -p $dpid -o - >$C/o.tar"
rm -f "$C"/*
# A sample of incompressible payload for the compression study.
head -c 64M "/proc/$dpid/fd/$dfd" >"$W/levels/random-64M.bin"
stop_holder DEL

# ---- G: a deleted file of binaries (compressible) ----------------------------
echo "== G: recovering a deleted $CONTENT_SIZE file of binaries, gzip" >&2
find /usr/bin /usr/lib/x86_64-linux-gnu -maxdepth 1 -type f -size +100k 2>/dev/null | sort |
	xargs cat 2>/dev/null | head -c 512M >"$W/bins.src"
start_holder BIN 600 copied "$W" "$W/bins.src" "$CONTENT_SIZE"
rm -f "$W/bins.src"
gpid=$(field "$BIN" pid); gfd=$(field "$BIN" fd)
if [ "$GZIP_CONTENT" = 1 ]; then
	base procsnap-base "-q -p $gpid -o - >$C/o.tar.gz"
	measure G -n $((QUICK == 1 ? 1 : 3)) -w 0 -p "rm -f $C/*" \
		procsnap="$PROCSNAP -q -p $gpid -o - >$C/o.tar.gz" \
		gzip-1="gzip -1 -c </proc/$gpid/fd/$gfd >$C/o.gz" \
		"${B_ARG[@]}"
fi
stop_holder BIN

# ---- L: compression levels --------------------------------------------------
echo "== L: compression levels on procsnap's own archives and on payloads" >&2
cat /usr/bin/python3.11 /usr/lib/x86_64-linux-gnu/libcrypto.so.3 /usr/bin/perl 2>/dev/null >"$W/levels/binaries.bin"
for input in meta-300.tar meta-100k.tar binaries.bin random-64M.bin; do
	args=()
	while IFS=: read -r name cmd; do
		[ -n "$name" ] && args+=("$name=$cmd -q -c <$W/levels/$input >$W/levels/out.$name" )
	done < <(printf '%s\n' "gzip-1:gzip -1" "gzip-6:gzip -6" "gzip-9:gzip -9" "zstd-1:zstd -1 -T1" "zstd-3:zstd -3 -T1" "zstd-9:zstd -9 -T1")
	measure "L-$input" -n 3 -w 0 "${args[@]}"
	for name in gzip-1 gzip-6 gzip-9 zstd-1 zstd-3 zstd-9; do
		echo -e "L-$input\t$name\t$(stat -c %s "$W/levels/out.$name")\t$(stat -c %s "$W/levels/$input")" >>"$OUT/sizes.tsv.part"
	done
done
mv "$OUT/sizes.tsv.part" "$OUT/sizes.tsv"

# ---- R: the reader ------------------------------------------------------------
echo "== R: snapread on the 100,000-fd snapshots" >&2
READER=()
for cmd in ps fds diff; do
	if "$SNAPREAD" "$cmd" --help >/dev/null 2>&1; then
		READER+=("$cmd")
	else
		note "snapread $cmd: not in $BUILD/snapread yet ($("$SNAPREAD" "$cmd" --help 2>&1 | head -n1)); its rows are skipped"
	fi
done
if [ -n "${READER[*]:-}" ]; then
	args=("gunzip-1=gzip -dc $SNAP1 >/dev/null" "gunzip-2=gzip -dc $SNAP1 >/dev/null && gzip -dc $SNAP2 >/dev/null"
	      "gunzip-3=gzip -dc $SNAP1 >/dev/null && gzip -dc $SNAP3 >/dev/null")
	for cmd in "${READER[@]}"; do
		case $cmd in
		ps) args+=("ps=$SNAPREAD ps $SNAP1 >/dev/null") ;;
		fds) args+=("fds-json=$SNAPREAD fds --json $SNAP1 >/dev/null") ;;
		# diff(1) exit codes: 1 means "differences", which is fine here
		diff) args+=("diff=$SNAPREAD diff $SNAP1 $SNAP2 >/dev/null; [ \$? -le 1 ]"
			     "diff-news=$SNAPREAD diff $SNAP1 $SNAP3 >/dev/null; [ \$? -le 1 ]") ;;
		esac
	done
	measure R -n "$RUNS_BIG" -w 1 "${args[@]}"
fi
r_size1=$(stat -c %s "$SNAP1" 2>/dev/null)

# ---- S: snapread stack on 100 snapshots (its own script and workload) ------------
echo "== S: snapread stack on 100 snapshots of workload A" >&2
rm -f "$OUT/stack.md"
if "$SNAPREAD" stack --help >/dev/null 2>&1; then
	BUILD=$BUILD BENCH_TMP=${BENCH_TMP:-/var/tmp} STACK_RUNS=$((QUICK == 1 ? 2 : 5)) \
		bash "$ROOT/tests/bench/stack.sh" >/dev/null || note "stack bench failed (tests/bench/stack.sh)"
else
	note "snapread stack: not in $BUILD/snapread yet; section S skipped"
fi

# ---- the report ------------------------------------------------------------------
T1=$(date +%s)
{
	echo "# procsnap benchmark report"
	echo
	echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), $((T1 - T0)) s in all$( [ "$QUICK" = 1 ] && echo ", QUICK run (not for figures)")."
	echo
	echo "$MACHINE"
	echo
	echo "Scope: $( [ "$SCOPE" = host ] && echo "the whole host (BENCH_SCOPE=host)" || echo "the workload's processes only (-p lists for procsnap, lsof, ps and the floor), so that other processes on a shared machine stay out of the figures")."
	echo
	echo "Workloads: A = $a_pids processes / $a_fds fds (300 python3 interpreters of 25+ fds, maps of $a_maps lines); B = $b_pids processes / $b_fds fds (20 x 5,000); T = one process of $th_tasks threads and $th_fds fds; C = one deleted file of $dsize bytes (incompressible); G = one deleted file of $CONTENT_SIZE of binaries (/usr/bin and /usr/lib, repeated)."
	[ -n "$BASE" ] && echo && echo "Rows procsnap-base: $BASE, measured beside this build in the same runs."
	echo
	echo "## Targets"
	echo
	echo "| target | measured | ratio | goal | verdict |"
	echo "|---|---|---|---|---|"
	p=$(val A procsnap 4); l=$(val A lsof 4); f=$(val A floor 4)
	r=$(ratio "$p" "$l"); echo "| A metadata: procsnap vs lsof -n -P | $p s vs $l s | $r | <= 0.6 | $(verdict "$r" '<=' 0.6) |"
	r=$(ratio "$p" "$f"); echo "| A metadata: procsnap vs the floor | $p s vs $f s | $r | <= 1.3 | $(verdict "$r" '<=' 1.3) |"
	p=$(val B procsnap 4); l=$(val B lsof 4)
	r=$(ratio "$p" "$l"); echo "| B 100,000 fds: procsnap vs lsof -n -P | $p s vs $l s | $r | <= 0.5 | $(verdict "$r" '<=' 0.5) |"
	r=$(ratio "$th_readlink" "$th_fds"); echo "| T 500 threads: fd table read once (readlinkat calls / fds) | $th_readlink calls for $th_fds fds ($t1_readlink with 1 thread) | $r | ~1 (fds + exe, cwd, root) | $( [ "$th_readlink" = "$t1_readlink" ] && echo met || echo MISSED) |"
	rc=$(for s in C-none C-durable C-zstd C-gzip G; do val "$s" procsnap 8; done | sort -n | tail -n1)
	r=$(mib "$rc"); echo "| C peak RSS recovering the file (any compression) | $r MiB | | <= 32 MiB | $(verdict "$r" '<=' 32) |"
	r=$(mib "$(val B procsnap 8)"); echo "| B peak RSS, 100,000 fds | $r MiB | | <= 64 MiB | $(verdict "$r" '<=' 64) |"
	p=$(val C-none procsnap 4); c=$(val C-none cat 4)
	r=$(ratio "$c" "$p"); echo "| C no compression: throughput vs cat | $p s vs $c s | $r | >= 0.8 | $(verdict "$r" '>=' 0.8) |"
	p=$(val C-durable procsnap 4); c=$(val C-durable cat+fsync 4)
	r=$(ratio "$c" "$p"); echo "| C no compression, on disk (fsync) vs cat + sync | $p s vs $c s | $r | >= 0.8 | $(verdict "$r" '>=' 0.8) |"
	p=$(val C-zstd procsnap 4); c=$(val C-zstd zstd-3 4)
	r=$(ratio "$p" "$c"); echo "| C zstd: procsnap vs zstd -3 | $p s vs $c s | $r | <= 1.1 | $(verdict "$r" '<=' 1.1) |"
	p=$(val C-gzip procsnap 4); c=$(val C-gzip-slow gzip-1 4)
	r=$(ratio "$p" "$c"); echo "| C gzip: procsnap vs gzip -1 | ${p:-skipped} s vs ${c:-skipped} s | $r | <= 1.1 | $(verdict "$r" '<=' 1.1) |"
	echo "| **#18 targets** | | | | |"
	p=$(val C-gzip procsnap 4); c=$(val C-gzip procsnap-none 4)
	r=$(ratio "$c" "$p"); echo "| C gzip of incompressible data: throughput vs --compress none | $p s vs $c s | $r | >= 0.6 | $(verdict "$r" '>=' 0.6) |"
	echo "| C its output: gzip -t and tar tzf accept it; size / input | $c_gz_ok; $(awk -v a="$c_gz_size" -v b="$dsize" 'BEGIN { printf "%.5f", a / b }') | | yes | $( [ "$c_gz_ok" = yes ] && echo met || echo MISSED) |"
	p=$(val G procsnap 4); c=$(val G gzip-1 4); o=$(val G procsnap-base 4)
	r=$(ratio "$p" "$c"); echo "| G gzip of binaries: procsnap vs gzip -1 (base build: $(ratio "$o" "$c")) | ${p:-skipped} s vs ${c:-skipped} s | $r | no worse than before (0.81) | $(verdict "$r" '<=' "$(ratio "$o" "$c" | sed 's/n\/a/0.81/')") |"
	p=$(val C-none procsnap 4); c=$(val C-none cat 4)
	r=$(ratio "$c" "$p"); echo "| C --compress none vs cat | $p s vs $c s | $r | >= 0.7 | $(verdict "$r" '>=' 0.7) |"
	p=$(val A procsnap 4); f=$(val A floor 4)
	r=$(ratio "$p" "$f"); echo "| A metadata: procsnap vs the floor | $p s vs $f s | $r | <= 1.0 | $(verdict "$r" '<=' 1.0) |"
	p=$(val A procsnap 7); f=$(val A floor 7)
	r=$(ratio "$p" "$f"); echo "| A metadata: CPU, procsnap vs the floor | $p s vs $f s | $r | <= 1.3 | $(verdict "$r" '<=' 1.3) |"
	d1=$(val R gunzip-1 4); d2=$(val R gunzip-2 4)
	p=$(val R fds-json 4); r=$(ratio "$p" "$d1")
	echo "| R snapread fds --json vs decompressing | ${p:-skipped} s vs ${d1:-?} s | $r | <= 2 (#18) | $(verdict "$r" '<=' 2) |"
	p=$(val R diff 4); r=$(ratio "$p" "$d2")
	echo "| R snapread diff vs decompressing both (idle host) | ${p:-skipped} s vs ${d2:-?} s | $r | <= 2.5 | $(verdict "$r" '<=' 2.5) |"
	d3=$(val R gunzip-3 4); p=$(val R diff-news 4); r=$(ratio "$p" "$d3")
	echo "| R snapread diff vs decompressing both (2 new processes, 10,000 new fds) | ${p:-skipped} s vs ${d3:-?} s | $r | <= 2.5 | $(verdict "$r" '<=' 2.5) |"
	p=$(val R ps 4); r=$(ratio "$p" "$d1")
	echo "| R snapread ps vs decompressing (no target) | ${p:-skipped} s vs ${d1:-?} s | $r | | |"
	echo
	echo "## Every figure"
	echo
	echo "Wall-clock medians of alternating runs (timeit.c); CPU = user + system; peak RSS = the largest of the runs."
	echo
	echo "| section | command | runs | median s | min s | max s | CPU s | peak RSS MiB | ratio to procsnap | failed runs |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	awk -F'\t' '{ if ($2 == "procsnap") base[$1] = $4 } { rows[NR] = $0 }
		END { for (i = 1; i <= NR; i++) { split(rows[i], f, "\t");
			r = (f[1] in base && base[f[1]] > 0) ? sprintf("%.2f", f[4] / base[f[1]]) : "";
			printf "| %s | %s | %s | %.3f | %.3f | %.3f | %.3f | %.1f | %s | %s |\n", f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8] / 1024, r, f[9] } }' "$RES"
	echo
	echo "Archive sizes, workload A metadata: gzip $a_size_gzip, zstd $a_size_zstd, none $a_size_none bytes (lsof -n -P printed $a_lsof_lines lines). Snapshot for the reader: $r_size1 bytes."
	echo
	echo "Executables and libraries of workload A (exec_files, summary.json): ${a_exec:-not recorded}; procsnap-nohash is the same capture with --no-hash (listed, not read)."
	echo
	if [ -n "$CG" ]; then
		echo "## Instruction counts (callgrind, user space only; the kernel's work is not in them)"
		echo
		echo "| workload A | instructions | ratio to procsnap |"
		echo "|---|---|---|"
		for n in procsnap floor lsof ps; do
			v=$(eval echo "\$cg_$n")
			echo "| $n | $v | $(ratio "$v" "$cg_procsnap") |"
		done
		echo
	fi
	echo "## Compression levels (command-line tools on procsnap's archives and on payloads)"
	echo
	echo "| input | MB | tool | median s | MB/s | output / input |"
	echo "|---|---|---|---|---|---|"
	while IFS=$'\t' read -r sec name osize isize; do
		t=$(val "$sec" "$name" 4)
		awk -v s="${sec#L-}" -v n="$name" -v t="$t" -v o="$osize" -v i="$isize" \
			'BEGIN { printf "| %s | %.1f | %s | %.3f | %.0f | %.3f |\n", s, i / 1e6, n, t, i / 1e6 / t, o / i }'
	done <"$OUT/sizes.tsv"
	echo
	for n in "${PROFILES[@]:-}"; do
		[ -n "$n" ] || continue
		echo "## Profile: $n"
		echo
		echo '```'
		cat "$OUT/profile-$n.txt"
		echo '```'
		echo
	done
	if [ -s "$OUT/stack.md" ]; then
		cat "$OUT/stack.md"
		echo
	fi
	if [ ${#NOTES[@]} -gt 0 ]; then
		echo "## Notes"
		echo
		for n in "${NOTES[@]}"; do echo "- $n"; done
		echo
	fi
	echo "Raw runs: $RAW; stderr of every run: $ERRLOG."
} >"$REPORT"
cat "$REPORT"
failed=$(awk -F'\t' '$2 ~ /^procsnap/ && $9 > 0' "$RES" | wc -l)
if [ "$failed" -gt 0 ]; then
	echo "bench: $failed procsnap rows had failed runs; see $ERRLOG" >&2
	exit 1
fi
exit 0
