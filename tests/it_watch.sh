#!/usr/bin/env bash
# it_watch.sh: watching processes over time (#14) — where every stderr goes
# (fds --fd 2 --count) over a whole host, a series (procsnap --every) of a
# job reading files in turn at a known rate read back by snapread watch,
# content referenced from an earlier round, and the series' names, rounds,
# signals and mistakes.
. "$(dirname "$0")/lib.sh"

FIX="$ROOT/fixtures/hostile"
PACER="$B/pacer"
sr() { "$SNAPREAD" "$@"; }
# start_pacer VAR MODE ARGS...: start_holder, of fixtures/pacer.
start_pacer() { local HOLDER=$PACER; start_holder "$@"; }
rc() { "$@" >/dev/null 2>&1; echo $?; }
hjson() { tar xf "$1" -O --wildcards '*/host.json'; }
# rate_ok WHAT: the median of the rates on stdin is within 20% of $RATE
# (stdin a redirection, not a pipe: in a pipe's subshell eq would count
# nothing).
rate_ok() {
	local med
	med=$(sort -n | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }')
	eq "$1 within 20% of $RATE B/s (median ${med:-none})" true \
		"$(awk -v m="${med:-0}" -v r="$RATE" 'BEGIN { print (m >= 0.8 * r && m <= 1.2 * r) ? "true" : "false" }')"
}

# --- mistakes, without root ---------------------------------------------------
eq "procsnap --count without --every exits 2" 2 "$(rc "$PROCSNAP" -o "$T" --count 3)"
eq "procsnap --children without -p exits 2" 2 "$(rc "$PROCSNAP" -o "$T" --children)"
eq "procsnap --every with -o - exits 2" 2 "$(rc "$PROCSNAP" -o - --every 1 --count 2)"
eq "procsnap --every 0.01 exits 2" 2 "$(rc "$PROCSNAP" -o "$T" --every 0.01 --count 2)"
eq "procsnap --count x exits 2" 2 "$(rc "$PROCSNAP" -o "$T" --every 1 --count x)"
check "snapread help watch" bash -c "'$SNAPREAD' help watch | grep -q '^usage: snapread watch'"
eq "watch: no operand exits 2" 2 "$(rc sr watch)"
eq "watch: one snapshot is not a series" 2 "$(rc sr watch "$FIX/base.tar.gz")"
eq "watch: a directory without snapshots exits 2" 2 "$(rc sr watch "$T")"
eq "fds --fd x exits 2" 2 "$(rc sr fds --fd x "$FIX/base.tar.gz")"
# Hostile archives in a series: an answer or one line of trouble, never a crash.
for f in "$FIX"/*; do
	n=$(basename "$f")
	sr watch "$FIX/base.tar.gz" "$f" >/dev/null 2>"$T/$n.err"; r=$?
	eq "hostile $n: watch exits 0 or 2" true "$([ "$r" = 0 ] || [ "$r" = 2 ] && echo true || echo "false ($r)")"
	eq "hostile $n: no sanitizer report" 0 "$(grep -c -E 'Sanitizer|runtime error' "$T/$n.err")"
done

# Numbers at their limits: an offset from 0 to INT64_MAX of a 1-byte file
# in a microsecond, /proc/PID/io from INT64_MIN to INT64_MAX, a negative
# offset.  Shown clamped or left out, never overflowed (UBSan would halt).
python3 - "$FIX/base.tar.gz" "$T/extreme" <<'PY'
import io, json, os, sys, tarfile
src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
def make(name, t, pos, rchar, pid_pos):
    with tarfile.open(src) as a, tarfile.open(os.path.join(out, name), "w:gz") as b:
        for m in a.getmembers():
            data = a.extractfile(m).read() if m.isfile() else None
            if m.name.endswith("/host.json"):
                h = json.loads(data); h["capture_start"] = t; data = json.dumps(h).encode()
            elif m.name.endswith("/process.json"):
                r = json.loads(data)
                r["io"] = {"rchar": rchar, "wchar": 0, "read_bytes": 0, "write_bytes": 0}
                data = json.dumps(r).encode()
            elif m.name.endswith("/fds.jsonl"):
                rows = [json.loads(l) for l in data.decode().splitlines()]
                for r in rows:
                    if r["type"] == "file":
                        r["pos"] = pos if r["pid"] == pid_pos else -pos
                        r["stat"]["size"] = 1
                data = "".join(json.dumps(r) + "\n" for r in rows).encode()
            if data is not None:
                m.size = len(data)
                b.addfile(m, io.BytesIO(data))
            else:
                b.addfile(m)
make("a.tar.gz", "2026-11-27T19:03:56.000001Z", 0, -2**63, 18303)
make("b.tar.gz", "2026-11-27T19:03:56.000002Z", 2**63 - 1, 2**63 - 1, 18303)
PY
sr watch "$T/extreme" >"$T/extreme.txt" 2>"$T/extreme.err"
eq "extreme numbers: watch exits 0" 0 "$?"
eq "extreme numbers: no sanitizer report" 0 "$(grep -c -E 'Sanitizer|runtime error' "$T/extreme.err")"
check "extreme numbers: the percentage clamped" grep -q "(922337203685477580[0-7]%) +" "$T/extreme.txt"
sr watch --json "$T/extreme" >"$T/extreme.json" 2>>"$T/extreme.err"
# (grep, not jq: jq reads numbers as doubles)
eq "extreme numbers: the rate clamped" '"rate":9223372036854775807' \
	"$(grep '"event":"moved"' "$T/extreme.json" | grep '"pid":18303' | grep -o '"rate":[-0-9]*')"
eq "extreme numbers: a negative offset never moves" "" \
	"$(jq -r 'select(.event == "moved" and .pid == 18304) | .pid' "$T/extreme.json")"
eq "extreme numbers: io from a negative count is not read" "null" \
	"$(jq -c 'select(.event == "summary" and .pid == 18303) | .io_growth' "$T/extreme.json")"

if ! need_root; then
	skip "series and stderr counts" "captures of fixture processes need root"
	finish
	exit $?
fi

# --- where every stderr goes, over the whole host -------------------------------
# Five processes write their stderr to a file whose name has a space (the
# awk one-liner splits it), three to one pipe; 201 more (a holder and its
# 200 children) to the holder's log, so the host has many processes
# whatever else runs on it.
ERRF="$T/err log.txt"
start_pacer SE stderr 5 3 "$ERRF" || true
mkdir -p "$T/many"
start_holder MANY many "$T/many" 200 2 || true
if [ -z "${SE:-}" ] || [ -z "${MANY:-}" ]; then
	fail "pacer stderr, holder many" "did not start"
else
	kids=$(field "$SE" children)
	pipe=$(field "$SE" pipe)
	A=$(capture "$T/host" --no-content)
	check "whole-host capture" test -s "$A"
	sr fds --fd 2 --count "$A" >"$T/count.txt"
	eq "fds --fd 2 --count: the file, five times" 5 \
		"$(awk -v f="$ERRF" '$2 == "file" && substr($0, index($0, $3)) == f { print $1 }' "$T/count.txt")"
	eq "fds --fd 2 --count: the pipe, three times" 3 \
		"$(awk -v p="pipe:[$pipe]" '$2 == "pipe" && $3 == p { print $1 }' "$T/count.txt")"
	eq "fds --fd 2 --count: the many holder's log, 201 times" 201 \
		"$(awk -v f="$MANY_OUT.err" '$2 == "file" && $3 == f { print $1 }' "$T/count.txt")"
	eq "fds --fd 2 --count: a host with many processes" true \
		"$([ "$(sr ps --json "$A" | wc -l)" -gt 210 ] && echo true)"
	eq "fds --fd 2 --count: most frequent first" true \
		"$(sed 1d "$T/count.txt" | awk '{ print $1 }' | sort -c -rn && echo true)"
	sr fds --fd 2 --count --json "$A" >"$T/count.json"
	eq "--count --json: the file's processes" "$(tr ',' '\n' <<<"$kids" | head -n5 | sort -n | paste -sd,)" \
		"$(jq -r --arg f "$ERRF" 'select(.target == $f) | .pids | map(tostring) | join(",")' "$T/count.json")"
	eq "--count --json: the pipe's processes" "$(tr ',' '\n' <<<"$kids" | tail -n3 | sort -n | paste -sd,)" \
		"$(jq -r --arg p "pipe:[$pipe]" 'select(.target == $p) | .pids | map(tostring) | join(",")' "$T/count.json")"
	eq "--count: every fd 2 row counted once" "$(sr fds --fd 2 --json "$A" | wc -l)" \
		"$(jq -s 'map(.count) | add' "$T/count.json")"
	eq "--count --type pipe: pipes and what could not be read only" "" \
		"$(sr fds --fd 2 --count --type pipe --json "$A" | jq -r 'select(.type != "pipe" and .type != "?") | .type')"
	eq "--count --pid: one process's stderr" \
		"1 file" "$(sr fds --fd 2 --count --pid "${kids%%,*}" "$A" | sed 1d | awk '{ print $1, $2 }')"
	eq "fds --fd 2 --pid: the file, one row" "$ERRF" \
		"$(sr fds --fd 2 --pid "${kids%%,*}" --json "$A" | jq -r .target)"
	eq "fds --fd 999 held by none exits 2" 2 "$(rc sr fds --fd 999 --pid "${kids%%,*}" "$A")"
	# --children: the parent and its eight children, nothing else.
	C=$(capture "$T/kids" --no-content -p "$SE_PID" --children)
	eq "--children: the parent and its children" \
		"$( (echo "$SE_PID"; tr ',' '\n' <<<"$kids") | sort -n | paste -sd,)" \
		"$(sr ps --json "$C" | jq -r .pid | sort -n | paste -sd,)"
	stop_holder SE
fi
[ -n "${MANY:-}" ] && stop_holder MANY

# --- a series of a job reading files in turn, at a known rate -------------------
# Three files of 1 MiB read at 1 MiB/s on one fd number, 0.6 s of rest at
# each end (longer than a round, so some round sees each file finished).
RATE=1048576
mkdir -p "$T/files"
FILES=()
for i in 1 2 3; do
	FILES+=("$T/files/photo-$i.jpg")
	head -c 1048576 /dev/urandom >"${FILES[-1]}"
done
start_pacer PR read "$RATE" 0.6 "${FILES[@]}" || true
if [ -z "${PR:-}" ]; then
	fail "pacer read" "did not start"
else
	pfd=$(field "$PR" fd)
	mkdir -p "$T/series"
	"$PROCSNAP" -q -o "$T/series" -p "$PR_PID" --every 0.5 --count 11 >"$T/series.out" 2>"$T/series.err"
	eq "series: exit 0" 0 "$?"
	eq "series: 11 archives, one path each" 11 "$(ls "$T/series" | grep -c '\.tar\.gz$')"
	eq "series: the paths printed are the archives" "$(ls -d "$T/series"/*.tar.gz)" "$(cat "$T/series.out")"
	eq "series: no partial file left" 0 "$(ls "$T/series" | grep -c partial)"
	# Names sort in time order: by name is by capture_start, and by round.
	for f in "$T/series"/*.tar.gz; do
		hjson "$f" | jq -r '"\(.capture_start) \(.series.round)"'
	done >"$T/rounds"
	eq "series: names sort in time order" true "$(cut -d' ' -f1 "$T/rounds" | sort -c && echo true)"
	eq "series: rounds 1 to 11, in name order" "$(seq 1 11 | paste -sd' ')" "$(cut -d' ' -f2 "$T/rounds" | paste -sd' ')"
	first=$(ls "$T/series" | head -n1)
	eq "series: every round names the first" "$first" \
		"$(for f in "$T/series"/*.tar.gz; do hjson "$f" | jq -r .series.first; done | sort -u)"
	bad=0
	for f in "$T/series"/*.tar.gz; do sr verify "$f" >/dev/null 2>&1 || bad=$((bad + 1)); done
	eq "series: every archive verifies" 0 "$bad"

	sr watch "$T/series" >"$T/watch.txt" 2>"$T/watch.err"
	eq "watch DIR: exit 0" 0 "$?"
	sr watch "$T/series"/*.tar.gz >"$T/watch2.txt" 2>&1
	eq "watch SNAP...: the same log" "$(cat "$T/watch.txt")" "$(cat "$T/watch2.txt")"
	sr watch --json "$T/series" >"$T/watch.json"
	# Each file in turn: the files opened (fd replaced) follow the loop.
	order=$(jq -r 'select(.event == "opened" or .event == "moved") | .record.target' "$T/watch.json" |
		sed 's|.*/||' | uniq | paste -sd' ')
	eq "watch: all three files seen" 3 "$(tr ' ' '\n' <<<"$order" | sort -u | wc -l)"
	eq "watch: each file in turn" true "$(awk '{ for (i = 2; i <= NF; i++) {
		a = substr($(i-1), 7, 1); b = substr($i, 7, 1); if ((a % 3) + 1 != b) bad = 1 } }
		END { print bad ? "false: " $0 : "true" }' <<<"$order")"
	eq "watch: the same fd number throughout" "$pfd" \
		"$(jq -r 'select(.record) | .fd' "$T/watch.json" | sort -u | paste -sd' ')"
	check "watch: a file finished" grep -q "fd ${pfd}r finished $T/files/photo-" "$T/watch.txt"
	check "watch: a file replaced on the same fd" grep -q "fd ${pfd}r now $T/files/photo-" "$T/watch.txt"
	eq "watch: offsets grow within a file" 0 \
		"$(jq -r 'select(.event == "moved") | "\(.record.target) \(.moved)"' "$T/watch.json" | awk '$2 <= 0' | wc -l)"
	# The rate while reading (not across a file's end, where it rests).
	rate_ok "watch: the read rate" < <(jq -r 'select(.event == "moved" and .percent < 100) | .rate' "$T/watch.json")
	check "watch: the rate in text" grep -qE "fd ${pfd}r $T/files/photo-[123].jpg [0-9.]+ (KiB|MiB)/1.0 MiB \([0-9]+%\) \+[0-9.]+ (KiB|MiB)/s" "$T/watch.txt"
	eq "watch: one summary, of the job" "$PR_PID" "$(jq -r 'select(.event == "summary") | .pid' "$T/watch.json")"
	eq "watch: /proc/PID/io read at both ends" true \
		"$(jq -r 'select(.event == "summary") | .io_growth.rchar > 0' "$T/watch.json")"
	eq "watch: offsets moved for reading, none for writing" "true 0" \
		"$(jq -r 'select(.event == "summary") | "\(.offsets_moved.read > 0) \(.offsets_moved.written)"' "$T/watch.json")"
	eq "watch --fd: only that fd" "$pfd" \
		"$(sr watch --json --fd "$pfd" "$T/series" | jq -r 'select(.fd) | .fd' | sort -u)"
	eq "watch --fd 9 (not held): only the summary" "summary" \
		"$(sr watch --json --fd 9 "$T/series" | jq -r .event | sort -u)"
	eq "watch --pid of a pid in no snapshot exits 2" 2 "$(rc sr watch --pid 1 "$T/series")"
	stop_holder PR
fi

# --- a job that reads and writes: the summary's written side, --no-content ----
# Reads the three files at 1 MiB/s and writes each chunk to one output fd
# (no rest: it writes all the time).
start_pacer CP copy "$RATE" 0 "$T/copy.out" "${FILES[@]}" || true
if [ -z "${CP:-}" ]; then
	fail "pacer copy" "did not start"
else
	ofd=$(field "$CP" out)
	mkdir -p "$T/copy"
	"$PROCSNAP" -q -o "$T/copy" -p "$CP_PID" --no-content --every 0.5 --count 6 >/dev/null 2>&1
	eq "copy series (--no-content): exit 0, six rounds" "0 6" "$? $(ls "$T/copy" | grep -c '\.tar\.gz$')"
	sr watch --json "$T/copy" >"$T/copy.json"
	# What it wrote: /proc/PID/io's wchar, and the output fd's offset over
	# the same span, agree to the byte but for the READY line on stdout.
	eq "copy: written, by io and by the offsets, agree" true \
		"$(jq -r 'select(.event == "summary") | .io_growth.wchar as $w | .offsets_moved.written as $o
			| ($w > 0 and $o > 0 and $o <= $w and $w - $o < 4096)' "$T/copy.json")"
	eq "copy: wrote what it read (within one chunk and a bit)" true \
		"$(jq -r 'select(.event == "summary") | (.io_growth.rchar - .io_growth.wchar) | fabs < 20000' "$T/copy.json")"
	rate_ok "copy: the write rate" < <(jq -r --argjson o "$ofd" 'select(.event == "moved" and .fd == $o) | .rate' "$T/copy.json")
	check "copy: the summary in text says what it wrote" bash -c \
		"'$SNAPREAD' watch --pid '$CP_PID' '$T/copy' | grep -qE ' summary: read [0-9.]+ (KiB|MiB), wrote [0-9.]+ (KiB|MiB) in '"
	stop_holder CP
fi

# --- processes that start and exit during a series (--children) ---------------
bash -c 'sleep 0.7; sleep 1.2 & wait; exec sleep 30' &
BP=$!
HOLDER_PIDS+=("$BP")
mkdir -p "$T/kids-series"
"$PROCSNAP" -q -o "$T/kids-series" -p "$BP" --children --every 0.4 --count 7 >/dev/null 2>&1
sr watch --json "$T/kids-series" >"$T/kids.json"
eq "watch: a child that exited" true \
	"$(jq -r 'select(.event == "exited") | .name' "$T/kids.json" | grep -qx sleep && echo true)"
eq "watch: a child that started, with its command line" true \
	"$(jq -r 'select(.event == "started") | .process.argv | join(" ")' "$T/kids.json" | grep -qx 'sleep 1.2' && echo true)"
eq "watch: the series' own processes left out" 0 \
	"$(jq -r 'select(.name == "procsnap")' "$T/kids.json" | wc -l)"
check "watch: started in text" bash -c "'$SNAPREAD' watch '$T/kids-series' | grep -q ' started: sleep 1.2 (ppid $BP)'"
kill "$BP" 2>/dev/null

# --- content referenced from an earlier round -----------------------------------
start_holder HD deleted "$T" 4M || true
if [ -z "${HD:-}" ]; then
	fail "holder deleted" "did not start"
else
	sha=$(field "$HD" sha256)
	dfd=$(field "$HD" fd)
	# The copy is offered once the file was quiet a second before it was
	# read (reuse.h): rounds 2 and 3 reference round 1.
	sleep 1.2
	mkdir -p "$T/reuse" "$T/noreuse"
	"$PROCSNAP" -q -o "$T/reuse" -p "$HD_PID" --every 0.3 --count 3 >/dev/null 2>"$T/reuse.err"
	eq "reuse series: exit 0" 0 "$?"
	set -- "$T/reuse"/*.tar.gz
	r1=$1 r2=$2 r3=$3
	st() { tar xf "$1" -O --wildcards '*/fds.jsonl' | jq -r "select(.fd == $dfd) | .content.$2"; }
	eq "round 1 stores the bytes" "captured $sha" "$(st "$r1" status) $(st "$r1" sha256)"
	eq "round 2 references them" "reused $sha" "$(st "$r2" status) $(st "$r2" sha256)"
	eq "round 3 references round 1's archive" "$(basename "$r1")" "$(st "$r3" reused.archive)"
	eq "the reference names round 1's member" "$(st "$r1" member)" "$(st "$r2" reused.member)"
	eq "a referenced round is 4 MiB smaller" true \
		"$([ $(($(stat -c %s "$r1") - $(stat -c %s "$r2"))) -gt 4000000 ] && echo true)"
	eq "summary.json counts what was referenced" "1 4194304" \
		"$(tar xf "$r2" -O --wildcards '*/summary.json' | jq -r '"\(.reused) \(.reused_bytes)"')"
	bad=0
	for f in "$r1" "$r2" "$r3"; do
		mkdir -p "$T/alone.$$" && cp "$f" "$T/alone.$$/"
		sr verify "$T/alone.$$/$(basename "$f")" >/dev/null 2>&1 || bad=$((bad + 1))
		rm -rf "$T/alone.$$"
	done
	eq "each round verifies on its own" 0 "$bad"
	sr extract -o "$T/x2" "$r2" >"$T/x2.out" 2>"$T/x2.err"
	eq "extract of a referencing round: exit 0" 0 "$?"
	check "extract says where the bytes are" grep -q \
		"$HD_PID/fd/$dfd: its bytes are not in this archive: .* stored them in $(basename "$r1"), member $(basename "$r1" .tar.gz)/$(st "$r1" member) (sha256 $sha)" "$T/x2.err"
	top=$(basename "$r1" .tar.gz)
	eq "the member named holds the bytes" "$sha" \
		"$(tar xf "$r1" -O "$top/$(st "$r2" reused.member)" | sha256sum | cut -c1-64)"
	check "fds shows reused" bash -c "'$SNAPREAD' fds --deleted '$r2' | grep -q ' reused '"
	"$PROCSNAP" -q -o "$T/noreuse" -p "$HD_PID" --every 0.3 --count 2 --no-reuse >/dev/null 2>&1
	eq "--no-reuse: every round stores the bytes" "captured captured" \
		"$(for f in "$T/noreuse"/*.tar.gz; do st "$f" status; done | paste -sd' ')"
	mkdir -p "$T/nocontent"
	"$PROCSNAP" -q -o "$T/nocontent" -p "$HD_PID" --every 0.3 --count 2 --no-content >/dev/null 2>&1
	eq "--no-content series: no round stores or references the bytes" "skipped skipped" \
		"$(for f in "$T/nocontent"/*.tar.gz; do st "$f" status; done | paste -sd' ')"
	stop_holder HD
fi
# A file that changes, and a memfd (written through a mapping, mtime never
# moves) are copied in every round.
start_holder GR growing "$T" || true
start_holder MF memfd 64K || true
if [ -n "${GR:-}" ] && [ -n "${MF:-}" ]; then
	sleep 1.2
	mkdir -p "$T/change"
	"$PROCSNAP" -q -o "$T/change" -p "$GR_PID" -p "$MF_PID" --every 0.3 --count 3 >/dev/null 2>&1
	eq "a growing file and a memfd: never referenced" 0 \
		"$(for f in "$T/change"/*.tar.gz; do tar xf "$f" -O --wildcards '*/fds.jsonl'; done |
			jq -r 'select(.content.status == "reused") | .fd' | wc -l)"
	stop_holder GR
	stop_holder MF
else
	fail "holder growing, memfd" "did not start"
fi

# --- rounds below a second apart, overruns, a signal ---------------------------
sleep 600 &
SP=$!
HOLDER_PIDS+=("$SP")
mkdir -p "$T/fast" "$T/late" "$T/sig" "$T/sigmid"
"$PROCSNAP" -q -o "$T/fast" -p "$SP" --every 0.1 --count 5 >/dev/null 2>&1
eq "--every 0.1: five archives, five names" 5 "$(ls "$T/fast" | grep -c '\.tar\.gz$')"
eq "--every 0.1: names in round order" "000001 000002 000003 000004 000005" \
	"$(ls "$T/fast" | sed 's/.*-\([0-9]*\)\.tar\.gz$/\1/' | paste -sd' ')"
# Copying 32 MiB of random bytes takes longer than 0.1 s, on any machine:
# every round overruns its slot, the next starts late, none is skipped.
start_holder BIG deleted "$T" 32M || true
"$PROCSNAP" -o "$T/late" -p "${BIG_PID:-$SP}" --no-reuse --every 0.1 --count 3 >/dev/null 2>"$T/late.err"
# A signal in the middle of a round (each overruns its slot, so the
# series is nearly always inside one): acknowledged once, by the series,
# though the round gets it too.
if [ -n "${BIG:-}" ]; then
	"$PROCSNAP" -o "$T/sigmid" -p "$BIG_PID" --no-reuse --every 0.1 --count 0 \
		>/dev/null 2>"$T/sigmid.err" &
	mpid=$!
	for _ in $(seq 1 600); do
		[ "$(ls "$T/sigmid" 2>/dev/null | grep -c '\.tar\.gz$')" -ge 1 ] && break
		sleep 0.1
	done
	sleep 0.05
	kill -INT "$mpid"
	wait "$mpid"
	eq "signal mid-round: acknowledged once" 1 "$(grep -c 'SIGINT received' "$T/sigmid.err")"
	eq "signal mid-round: no partial left" 0 "$(ls "$T/sigmid" | grep -c partial)"
fi
[ -n "${BIG:-}" ] && stop_holder BIG
eq "overrun: three rounds" 3 "$(ls "$T/late" | grep -c '\.tar\.gz$')"
eq "overrun: said on stderr, of rounds 2 and 3" "2 3" \
	"$(sed -n 's/.*round \([0-9]*\) starts at once.*/\1/p' "$T/late.err" | paste -sd' ')"
eq "overrun: recorded in the rounds that started late" "2 3" \
	"$(for f in "$T/late"/*.tar.gz; do hjson "$f" | jq -r 'select(.series.late_ms > 0) | .series.round'; done | paste -sd' ')"
"$PROCSNAP" -q -o "$T/sig" -p "$SP" --every 0.2 --count 0 >/dev/null 2>"$T/sig.err" &
spid=$!
# Two rounds kept, then the signal (rounds take longer on a loaded machine).
for _ in $(seq 1 600); do
	[ "$(ls "$T/sig" | grep -c '\.tar\.gz$')" -ge 2 ] && break
	sleep 0.1
done
kill -INT "$spid"
wait "$spid"
eq "--count 0 ended by a signal: exit 0" 0 "$?"
check "--count 0: rounds were kept" test "$(ls "$T/sig" | grep -c '\.tar\.gz$')" -ge 2
eq "--count 0: no partial left" 0 "$(ls "$T/sig" | grep -c partial)"
check "--count 0: the end said" grep -q 'series stopped by signal 2 after' "$T/sig.err"
eq "--count 0: the signal acknowledged once" 1 "$(grep -c 'SIGINT received' "$T/sig.err")"
kill "$SP" 2>/dev/null

finish
