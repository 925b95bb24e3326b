#!/usr/bin/env bash
# it_timeline.sh: snapread timeline on two real captures of processes in
# the states a timeline must show — a deleted file held open, a process
# named "=evil" whose executable has known times, a file whose name holds
# commas, quotes and a newline, a library mapped and not deleted — put
# through the real mactime (sleuthkit), checked as Timesketch JSONL and
# parsed back as CSV by Python's csv module; ps --csv and fds --csv the
# same way; birth times as stat says.
. "$(dirname "$0")/lib.sh"

FIX="$ROOT/fixtures/hostile"
sr() { "$SNAPREAD" "$@"; }
rc() { "$@" >/dev/null 2>&1; echo $?; }

# --- usage -----------------------------------------------------------------
check "timeline --help" bash -c "'$SNAPREAD' timeline --help | grep -q '^usage: snapread timeline'"
eq "timeline: no operand is bad usage" 2 "$(rc sr timeline)"
eq "timeline: an unknown format is bad usage" 2 "$(rc sr timeline --format xml "$FIX/base.tar.gz")"
eq "timeline: a missing file exits 2" 2 "$(rc sr timeline "$T/nothing.tar.gz")"
eq "timeline: a corrupt archive exits 2" 2 "$(rc sr timeline "$FIX/bad-json.tar.gz")"
eq "ps: --csv with --json is bad usage" 2 "$(rc sr ps --csv --json "$FIX/base.tar.gz")"
eq "fds: --csv with --json is bad usage" 2 "$(rc sr fds --csv --json "$FIX/base.tar.gz")"
eq "timeline of a small archive: exit 0" 0 "$(rc sr timeline "$FIX/base.tar.gz")"
# Hostile archives: 0 or 2, never a crash, every format.
for f in "$FIX"/*; do
	n=$(basename "$f")
	for fmt in bodyfile jsonl csv; do
		sr timeline --format "$fmt" "$FIX/base.tar.gz" "$f" >/dev/null 2>"$T/$n.err"; r=$?
		eq "hostile $n: timeline --format $fmt exits 0 or 2" true "$([ "$r" = 0 ] || [ "$r" = 2 ] && echo true)"
	done
	eq "hostile $n: no sanitizer report" 0 "$(grep -c -E 'Sanitizer|runtime error' "$T/$n.err")"
done

# --- the states --------------------------------------------------------------
mkdir -p "$T/d"
# A process named "=evil" (comm is its executable's name) holding a file
# whose name has a comma, a quote and a newline.
EVIL="$T/=evil"
cp /bin/sleep "$EVIL"
touch -m -d '2020-01-02 03:04:05 UTC' "$EVIL"
WEIRD="$T/d/we,ird \"na"$'\n'"me"
printf 'x' >"$WEIRD"
bash -c 'exec 3<"$1"; exec "$2" 1000' _ "$WEIRD" "$EVIL" &
EPID=$!
HOLDER_PIDS+=("$EPID")
for _ in $(seq 100); do [ "$(cat /proc/$EPID/comm 2>/dev/null)" = "=evil" ] && break; sleep 0.05; done
eq "=evil runs under its name" "=evil" "$(cat /proc/$EPID/comm 2>/dev/null)"
touch -a -d '2021-02-03 04:05:06 UTC' "$EVIL"
# A library mapped, not deleted: a copy of the zlib snapread links, with
# an mtime of its own, preloaded into a sleep.  Its times are stat's once
# the loader has mapped it (relatime moves its atime then).
LIB="$T/libtl.so"
cp "$(ldd "$SNAPREAD_BIN" | awk '$1 ~ /^libz\.so/ { print $3; exit }')" "$LIB"
touch -m -d '2019-05-06 07:08:09 UTC' "$LIB"
(LD_PRELOAD="$LIB" exec sleep 1000 </dev/null) &
LPID=$!
HOLDER_PIDS+=("$LPID")
for _ in $(seq 100); do grep -qF "$LIB" /proc/$LPID/maps 2>/dev/null && break; sleep 0.05; done
check "the library is mapped by its process" grep -qF "$LIB" /proc/$LPID/maps
# After =evil: a process started later would inherit the holder's stdin
# and it would never see its end.
start_holder DEL deleted "$T/d" 4K || { fail "holder deleted" "did not start"; finish; exit 1; }
DPID=$(field "$DEL" pid)
DSHA=$(field "$DEL" sha256)

A1=$(capture "$T/s1" -p "$DPID" -p "$EPID" -p "$LPID")
eq "capture 1" 0 "$?"
sleep 1.1
A2=$(capture "$T/s2" -p "$DPID" -p "$EPID" -p "$LPID")
eq "capture 2" 0 "$?"

# --- birth times -------------------------------------------------------------
mkdir -p "$T/x1"
tar xf "$A1" -C "$T/x1"
rec=$(cat "$T"/x1/procsnap-*/proc/"$EPID"/fds.jsonl | jq -c 'select(.fd == 3)')
w=$(stat -c %W "$WEIRD")
if [ "$w" != 0 ] && [ "$w" != "-" ]; then
	eq "btime: the fd's stat.btime is statx's birth time" "$w" \
		"$(jq -r '.stat.btime | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601' <<<"$rec")"
else
	eq "btime: absent where the file system keeps none" null "$(jq -r '.stat.btime' <<<"$rec")"
fi
# stat_btime FILE: its birth time in seconds as stat gives it, or null
# where the file system keeps none (%W is 0, or - in older coreutils).
stat_btime() { local w; w=$(stat -c %W "$1"); case $w in 0|-) echo null ;; *) echo "$w" ;; esac; }
# json_secs: a stat time of the archive in whole seconds, null when absent.
json_secs='if . == null then "null" else sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601 end'
eq "btime: the exe's stat.btime is statx's birth time (absent where none)" "$(stat_btime "$EVIL")" \
	"$(jq -r ".exe.stat.btime | $json_secs" "$T"/x1/procsnap-*/proc/"$EPID"/process.json)"
lrec=$(jq -c --arg p "$LIB" '.exec_files[] | select(.path == $p)' "$T"/x1/procsnap-*/proc/"$LPID"/process.json)
eq "exec_files: the library's entry, kind lib" lib "$(jq -r .kind <<<"$lrec")"
eq "exec_files: the library's stat has its times, as stat gives them" \
	"$(stat -c '%X %Y %Z' "$LIB") $(stat_btime "$LIB")" \
	"$(jq -r "[.stat.atime, .stat.mtime, .stat.ctime, .stat.btime] | map($json_secs) | join(\" \")" <<<"$lrec")"

# --- bodyfile through the real mactime -----------------------------------------
if command -v mactime >/dev/null; then
	sr timeline --format bodyfile "$A1" "$A2" >"$T/tl.body"
	eq "bodyfile: exit 0" 0 "$?"
	mactime -b "$T/tl.body" -d -y >"$T/mac.csv" 2>"$T/mac.err"
	eq "mactime reads it: exit 0" 0 "$?"
	eq "mactime reads it without complaint (stderr empty)" "" "$(head -c 500 "$T/mac.err")"
	eq "bodyfile: every line has 11 fields" 0 "$(awk -F'|' 'NF != 11' "$T/tl.body" | wc -l)"
	eq "bodyfile: MD5 is 0" 0 "$(cut -d'|' -f1 "$T/tl.body" | grep -vcx 0)"
	check "bodyfile: the newline in a name is %0A" grep -q 'we,ird "na%0Ame|' "$T/tl.body"
	dline=$(grep -F "$T/d/victim.bin (deleted)" "$T/mac.csv" | head -n1)
	check "mactime: the deleted file's line, named '(deleted)'" test -n "$dline"
	eq "mactime: the deleted file's size" 4096 "$(cut -d, -f2 <<<"$dline")"
	eq "mactime: the deleted file once, though in both snapshots" 1 \
		"$(grep -cF "$T/d/victim.bin (deleted)\"" "$T/mac.csv")"
	eq "mactime: the exe's mtime, 2020-01-02T03:04:05Z" "m..." \
		"$(grep -F "\"$EVIL\"" "$T/mac.csv" | grep '^2020-01-02T03:04:05Z' | cut -d, -f3)"
	eq "mactime: the exe's atime, 2021-02-03T04:05:06Z" ".a.." \
		"$(grep -F "\"$EVIL\"" "$T/mac.csv" | grep '^2021-02-03T04:05:06Z' | cut -d, -f3)"
	eq "mactime: in time order" "" \
		"$(tail -n +2 "$T/mac.csv" | cut -d, -f1 | sort -c 2>&1)"
	exe_at=$(grep -n "^2020-01-02T03:04:05Z" "$T/mac.csv" | head -n1 | cut -d: -f1)
	del_at=$(grep -nF "$T/d/victim.bin (deleted)" "$T/mac.csv" | head -n1 | cut -d: -f1)
	check "mactime: the exe's 2020 mtime comes before the deleted file" test "${exe_at:-0}" -gt 0 -a "${exe_at:-0}" -lt "${del_at:-0}"
	# The library mapped and not deleted: one line, stat's inode and
	# times (crtime 0 where the file system keeps none).
	lw=$(stat_btime "$LIB")
	eq "bodyfile: the library mapped, once, with stat's inode and times" \
		"$(stat -c '%i|%X|%Y|%Z' "$LIB")|${lw/null/0}" \
		"$(awk -F'|' -v l="$LIB" '$2 == l { print $3 "|" $8 "|" $9 "|" $10 "|" $11 }' "$T/tl.body")"
	eq "mactime: the library's mtime, 2019-05-06T07:08:09Z" "m..." \
		"$(grep -F "\"$LIB\"" "$T/mac.csv" | grep '^2019-05-06T07:08:09Z' | cut -d, -f3)"
else
	fail "mactime" "not installed (make deps installs sleuthkit)"
fi

# --- JSONL as Timesketch wants it --------------------------------------------
sr timeline --json "$A1" "$A2" >"$T/tl.jsonl"
eq "jsonl: exit 0" 0 "$?"
out=$(python3 - "$T/tl.jsonl" "$DSHA" "$EPID" "$EVIL" "$T/d/victim.bin (deleted)" "$LIB" \
	"$LPID" "$(sha256sum "$LIB" | cut -d' ' -f1)" <<'EOF'
import json, sys
from datetime import datetime, timezone
path, dsha, epid, evil, victim, lib, lpid, lsha = sys.argv[1:9]
bad, prev = [], None
lines = open(path, encoding="utf-8").read().splitlines()
evs = [json.loads(l) for l in lines]
for i, e in enumerate(evs):
    for k, t in (("message", str), ("datetime", str), ("timestamp_desc", str), ("timestamp", int)):
        if not isinstance(e.get(k), t) or (t is str and not e[k]):
            bad.append(f"line {i+1}: {k} is {e.get(k)!r}")
    try:
        d = datetime.fromisoformat(e["datetime"])
        if d.utcoffset() is None or d.utcoffset().total_seconds() != 0:
            bad.append(f"line {i+1}: datetime not UTC")
        us = round((d - datetime(1970, 1, 1, tzinfo=timezone.utc)).total_seconds() * 1e6)
        if abs(us - e["timestamp"]) > 1:
            bad.append(f"line {i+1}: timestamp {e['timestamp']} is not datetime {us}")
    except Exception as x:
        bad.append(f"line {i+1}: datetime {e.get('datetime')!r}: {x}")
    for k, t in (("pid", int), ("path", str), ("sha256", str), ("deleted", bool), ("host", str), ("uid", int)):
        if e.get(k) is not None and not isinstance(e[k], t):
            bad.append(f"line {i+1}: {k} is {type(e[k]).__name__}")
    if prev is not None and e["timestamp"] < prev:
        bad.append(f"line {i+1}: out of order")
    prev = e["timestamp"]
def count(f):
    return sum(1 for e in evs if f(e))
print("fields", "ok" if not bad else "; ".join(bad[:5]))
print("victim-mtime", count(lambda e: e["path"] == victim and e["timestamp_desc"] == "Content Modification Time"))
print("victim-sha", ",".join(sorted({e["sha256"] or "-" for e in evs if e["path"] == victim})) == dsha)
print("victim-deleted", all(e["deleted"] is True for e in evs if e["path"] == victim))
print("victim-pid", sorted({e["pid"] for e in evs if e["path"] == victim}))
print("evil-start", count(lambda e: e["timestamp_desc"] == "Process Start" and e["pid"] == int(epid) and e["name"] == "=evil" and e["path"] == evil))
print("captures", count(lambda e: e["timestamp_desc"] == "Capture Start"), count(lambda e: e["timestamp_desc"] == "Capture End"))
mt = [e["timestamp"] for e in evs if e["path"] == evil and e["timestamp_desc"] == "Content Modification Time"]
ps = [e["timestamp"] for e in evs if e["timestamp_desc"] == "Process Start" and e["pid"] == int(epid)]
cs = [e["timestamp"] for e in evs if e["timestamp_desc"] == "Capture Start"]
print("order", bool(mt and ps and cs and mt[0] < ps[0] < cs[0] and mt[0] == 1577934245000000))
le = [e for e in evs if e["path"] == lib]
print("lib", sorted({e["timestamp_desc"] for e in le if e["timestamp_desc"] != "Creation Time"}),
      {e["pid"] for e in le} == {int(lpid)}, {e["sha256"] for e in le} == {lsha},
      {e["deleted"] for e in le} == {False}, all(e["holders"].endswith(f"[{lpid}] mem") for e in le))
EOF
)
eq "jsonl: message, datetime (ISO 8601, UTC), timestamp_desc and typed fields on every line, in order" "fields ok" "$(grep '^fields' <<<"$out")"
eq "jsonl: the deleted file's mtime once across two snapshots" "victim-mtime 1" "$(grep '^victim-mtime' <<<"$out")"
eq "jsonl: the deleted file's sha256 is the holder's" "victim-sha True" "$(grep '^victim-sha' <<<"$out")"
eq "jsonl: the deleted file is deleted" "victim-deleted True" "$(grep '^victim-deleted' <<<"$out")"
eq "jsonl: the deleted file's holder" "victim-pid [$DPID]" "$(grep '^victim-pid' <<<"$out")"
eq "jsonl: =evil's start once, with its exe" "evil-start 1" "$(grep '^evil-start' <<<"$out")"
eq "jsonl: two captures, each started and ended" "captures 2 2" "$(grep '^captures' <<<"$out")"
eq "jsonl: exe mtime, then process start, then capture" "order True" "$(grep '^order' <<<"$out")"
eq "jsonl: the library's times, held by its process as mem, its whole file's sha256, not deleted" \
	"lib ['Content Modification Time', 'Last Access Time', 'Metadata Modification Time'] True True True True" \
	"$(grep '^lib' <<<"$out")"

# --- CSV, read back by Python's csv module -----------------------------------
sr timeline --format csv "$A1" "$A2" >"$T/tl.csv"
eq "csv: exit 0" 0 "$?"
sr ps --csv "$A1" >"$T/ps.csv"
eq "ps --csv: exit 0" 0 "$?"
sr fds --csv "$A1" >"$T/fds.csv"
eq "fds --csv: exit 0" 0 "$?"
out=$(python3 - "$T" "$WEIRD" "$EPID" "$T/tl.jsonl" <<'EOF'
import csv, json, sys
t, weird, epid, jl = sys.argv[1:5]
def rows(name):
    with open(f"{t}/{name}", newline="", encoding="utf-8") as f:
        return list(csv.reader(f, strict=True))
tl = rows("tl.csv")
n_json = len(open(jl, encoding="utf-8").read().splitlines())
print("tl-header", tl[0][:4] == ["message", "datetime", "timestamp", "timestamp_desc"],
      len(tl) - 1 == n_json, all(len(r) == len(tl[0]) for r in tl))
h = {k: i for i, k in enumerate(tl[0])}
print("tl-evil", sum(1 for r in tl[1:] if r[h["name"]] == "'=evil" and r[h["pid"]] == epid))
print("tl-weird", sum(1 for r in tl[1:] if r[h["path"]] == weird) > 0)
print("tl-formula", [c for r in tl[1:] for c in r if c[:1] and c[0] in "=+-@"])
ps = rows("ps.csv")
print("ps", ps[0] == ["PID", "PPID", "UID", "USER", "START", "S", "MARK", "CONTAINER", "NAME",
                      "COMMAND"],
      [r[8] for r in ps[1:] if r[0] == epid], [r[3] for r in ps[1:] if r[0] == epid])
fd = rows("fds.csv")
print("fds", fd[0][:5] == ["COMMAND", "PID", "UID", "USER", "FD"],
      [r[10] for r in fd[1:] if r[1] == epid and r[4] == "3r"] == [weird],
      [r[0] for r in fd[1:] if r[1] == epid][:1], [r[3] for r in fd[1:] if r[1] == epid][:1])
EOF
)
eq "csv: a header row, a record per jsonl event, every record whole" "tl-header True True True" "$(grep '^tl-header' <<<"$out")"
eq "csv: =evil's start, its name guarded as '=evil" "tl-evil 1" "$(grep '^tl-evil' <<<"$out")"
eq "csv: the path with commas, quotes and a newline reads back exact" "tl-weird True" "$(grep '^tl-weird' <<<"$out")"
eq "csv: no cell a spreadsheet would run" "tl-formula []" "$(grep '^tl-formula' <<<"$out")"
# USER: the host's name for the uid, from the snapshot's own /etc/passwd.
u=$(getent passwd "$(id -u)" | cut -d: -f1)
eq "ps --csv: its columns; =evil guarded; USER" "ps True [\"'=evil\"] ['$u']" "$(grep '^ps' <<<"$out")"
eq "fds --csv: the weird path exact in TARGET; COMMAND guarded; USER" "fds True True [\"'=evil\"] ['$u']" "$(grep '^fds' <<<"$out")"
check "csv: records end in CRLF" bash -c "head -n1 '$T/tl.csv' | od -c | grep -q '\\\\r  \\\\n'"

stop_holder DEL
kill "$EPID" "$LPID" 2>/dev/null
finish
