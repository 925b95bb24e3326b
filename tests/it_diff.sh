#!/usr/bin/env bash
# it_diff.sh: snapread diff on real captures of a holder before and after it
# changes (new deleted file, a held file deleted, a new listener, a dropped
# euid), a process that exits and one that starts; and on broken archives.
. "$(dirname "$0")/lib.sh"

FIX="$ROOT/fixtures/hostile"
sr() { "$SNAPREAD" "$@"; }
rc() { "$@" >/dev/null 2>&1; echo $?; }
sha() { sha256sum "$1" | cut -c1-64; }

# --- the command line and archives that are not right --------------------------
check "diff --help" bash -c "'$SNAPREAD' diff --help | grep -q '^usage: snapread diff'"
check "help diff" bash -c "'$SNAPREAD' help diff | grep -q '^usage: snapread diff'"
eq "diff: one operand is bad usage" 2 "$(rc sr diff "$FIX/base.tar.gz")"
eq "diff: unknown option" 2 "$(rc sr diff --frob "$FIX/base.tar.gz" "$FIX/base.tar.gz")"
out=$(sr diff "$FIX/base.tar.gz" "$FIX/base.tar.gz"); r=$?
eq "diff A A: exit 0" 0 "$r"
eq "diff A A: nothing printed" "" "$out"
eq "diff A A --json: no changes" "0 0 0 0" \
	"$(sr diff --json "$FIX/base.tar.gz" "$FIX/base.tar.gz" | jq -r '"\(.started|length) \(.exited|length) \(.changed|length) \(.summary.changes)"')"
eq "diff A A --summary --json: counts only" 0 \
	"$(sr diff --summary --json "$FIX/base.tar.gz" "$FIX/base.tar.gz" | jq .changes)"
eq "diff: a missing file exits 2" 2 "$(rc sr diff "$FIX/base.tar.gz" "$T/nothing.tar.gz")"
err=$(sr diff "$FIX/base.tar.gz" "$FIX/version2.tar.gz" 2>&1 >/dev/null); r=$?
eq "diff: another format version exits 2" 2 "$r"
check "diff: the version is named" grep -q 'version2.tar.gz: .*version 2 is not supported' <<<"$err"
eq "diff: both from stdin is refused" 2 "$(rc sr diff - - <"$FIX/base.tar.gz")"
eq "diff: B from stdin" 0 "$(rc sr diff "$FIX/base.tar.gz" - <"$FIX/base.tar.gz")"
for f in "$FIX"/*; do
	n=$(basename "$f")
	sr diff "$FIX/base.tar.gz" "$f" >/dev/null 2>"$T/$n.err"; r=$?
	case $n in
	# diff never reads recovered contents: a sparse bomb is not met.
	base.*|tampered*|record-sha*|bad-member-ref*|extra*|sparse-bomb*) want="0 1" ;;
	*) want=2 ;;
	esac
	eq "hostile $n: diff exits $want" true "$(grep -qw "$r" <<<"$want" && echo true || echo "false ($r)")"
	sr diff "$f" "$FIX/base.tar.gz" >/dev/null 2>>"$T/$n.err"; r=$?
	eq "hostile $n: reversed, exits 0, 1 or 2" true "$([ "$r" -le 2 ] && echo true)"
	eq "hostile $n: no control bytes in messages" 0 "$(LC_ALL=C grep -c '[[:cntrl:]]' "$T/$n.err")"
	eq "hostile $n: no sanitizer report" 0 "$(grep -c -E 'Sanitizer|runtime error' "$T/$n.err")"
done

# Another host: base with a new hostname and boot_id, the manifest made again.
if command -v python3 >/dev/null; then
	python3 - "$ROOT/tests" "$T/other.tar.gz" <<'EOF'
import json, sys
sys.path.insert(0, sys.argv[1])
import make_hostile as h
def other(d):
    j = json.loads(d)
    j["hostname"] = "db7"
    j["boot_id"] = "00000000-1111-2222-3333-444444444444"
    return json.dumps(j, separators=(",", ":")).encode()
ms = h.fix_manifest(h.edit(h.load(), "host.json", other))
open(sys.argv[2], "wb").write(h.gz(h.tar_bytes(ms)))
EOF
	sr diff "$FIX/base.tar.gz" "$T/other.tar.gz" >"$T/other.out" 2>"$T/other.err"; r=$?
	eq "other host: exit 1" 1 "$r"
	check "other host: a warning line" grep -q '^snapread: diff: warning: .*two different hosts (vm, then db7)' "$T/other.err"
	check "other host: the reboot said first" grep -q '^host: REBOOTED' <(head -n1 "$T/other.out")
	check "other host: hostname line" grep -qx 'host: hostname now db7 (was vm)' "$T/other.out"
	eq "other host --json" "true db7" \
		"$(sr diff --json "$FIX/base.tar.gz" "$T/other.tar.gz" 2>/dev/null | jq -r '"\(.summary.other_host) \(.host[] | select(.field == "hostname") | .after)"')"
else
	skip "other host" "python3 is needed to make the archive"
fi

if ! need_root; then
	skip "diff of captures" "captures of holder processes need root"
	finish; exit $?
fi

# --- two captures of live processes ------------------------------------------------
mkdir -p "$T/chg"
start_holder C change "$T/chg" 256K
start_holder K deleted "$T" 64K
cpid=$(field "$C" pid); hfd=$(field "$C" held_fd)
kpid=$(field "$K" pid)
pids() { for p in $(printf '%s\n' "$@" | sort -n); do printf -- '-p %s ' "$p"; done; }
A=$(capture "$T/a" $(pids "$cpid" "$kpid"))

kill -USR1 "$cpid"
for i in $(seq 1 100); do grep -q '^CHANGED' "$C_OUT" && break; sleep 0.05; done
CH=$(grep '^CHANGED' "$C_OUT")
check "holder changed" test -n "$CH"
dfd=$(field "$CH" dropped_fd); dsha=$(field "$CH" sha256)
lfd=$(field "$CH" listen_fd); lport=$(field "$CH" listen_port)
stop_holder K
start_holder N memfd 4K
npid=$(field "$N" pid)
B=$(capture "$T/b" $(pids "$cpid" "$kpid" "$npid"))

eq "diff A A of a capture: exit 0 and silent" "0:" "$(sr diff "$A" "$A"; echo "$?:")" 2>/dev/null
eq "diff A A: exit 0" 0 "$(rc sr diff "$A" "$A")"
sr diff "$A" "$B" >"$T/d.txt" 2>"$T/d.err"; r=$?
eq "diff A B: exit 1" 1 "$r"
eq "diff A B: nothing on stderr" "" "$(cat "$T/d.err")"
sr diff --json "$A" "$B" >"$T/d.json"; r=$?
eq "diff --json: exit 1" 1 "$r"
check "diff --json: one JSON document" jq -e 'has("started") and has("exited") and has("changed") and has("summary")' "$T/d.json"
eq "started: the new process" "$npid" "$(jq '.started[].pid' "$T/d.json")"
eq "exited: the killed one" "$kpid" "$(jq '.exited[].pid' "$T/d.json")"
eq "changed: the holder only" "$cpid" "$(jq '.changed[].pid' "$T/d.json")"
ch() { jq -c --argjson p "$cpid" ".changed[] | select(.pid == \$p) | .changes[] | $1" "$T/d.json"; }
eq "new deleted file: its sha256 is the holder's" "$dsha" \
	"$(ch "select(.kind == \"deleted\" and .fd == $dfd) | .after.content.sha256" | tr -d '"')"
eq "new deleted file: was not held" null "$(ch "select(.kind == \"deleted\" and .fd == $dfd) | .before")"
eq "held file deleted since: called out, same fd" true \
	"$(ch "select(.kind == \"deleted\" and .fd == $hfd) | .before.deleted == false and .after.deleted")"
eq "new listening port" true \
	"$(ch "select(.kind == \"listen\" and .fd == $lfd) | .after.socket.local | endswith(\":$lport\")")"
eq "euid now 65534 (saved uid 0 kept)" "[0,65534,0,65534]" "$(ch 'select(.field == "uid") | .after')"
eq "uid before" "[0,0,0,0]" "$(ch 'select(.field == "uid") | .before')"
eq "effective capabilities dropped" '"0000000000000000"' "$(ch 'select(.field == "caps.eff") | .after')"
eq "noise left out (no fd.pos, no utime)" "" "$(ch 'select(.field == "fd.pos" or .field == "utime")')"
eq "--all: the noise, named by its path in the fd record" true \
	"$(sr diff --all --json "$A" "$B" | jq '[.changed[].changes[].field] | any(. == "fd.pos" or startswith("fd.stat."))')"
eq "a started process: the process schema (uid an array, exe an object)" true \
	"$(jq --argjson p "$npid" '.started[] | select(.pid == $p) | (.uid | type) == "array" and (.exe | type) == "object"' "$T/d.json")"
eq "new memfd of the started process called out" true \
	"$(jq --argjson p "$npid" '.started[] | select(.pid == $p) | [.changes[] | select(.kind == "deleted")] | length == 1' "$T/d.json")"
# The sha256 the diff reports is that of the bytes recovered.
sr extract -o "$T/x" --pid "$cpid" "$B" >/dev/null 2>&1
eq "new deleted file: sha256sum of the recovered bytes" "$dsha" "$(sha "$T/x/$cpid/fd/$dfd")"

# Text: grouped by process, a line per change.
check "text: start line" grep -qE "^\\+ $npid holder started " "$T/d.txt"
check "text: exit line" grep -qE "^- $kpid holder exited " "$T/d.txt"
check "text: changed group" grep -qE "^~ $cpid holder \\(started " "$T/d.txt"
check "text: new deleted file with sha256" grep -qE "^    NEW DELETED FILE held on fd $dfd: .*dropped.bin \\(deleted\\) \\[deleted, sha256 $dsha" "$T/d.txt"
check "text: new listening socket" grep -qE "^    NEW LISTENING SOCKET on fd $lfd: tcp 127.0.0.1:$lport .*\\(LISTEN\\)" "$T/d.txt"
check "text: uid now, was" grep -qx "    uid now 0 65534 0 65534 (was 0 0 0 0)" "$T/d.txt"
# Newest evidence first: starts, then changes, then exits (whatever the pids).
eq "text: groups in order started, changed, exited" "+~-" \
	"$(grep -oE '^[-+~]' "$T/d.txt" | uniq | tr -d '\n')"
eq "text: every line is a group or an indented change" "" \
	"$(grep -vE '^([-+~] [0-9]+ |    |host: )' "$T/d.txt")"
eq "--all shows more" true "$([ "$(sr diff --all "$A" "$B" | wc -l)" -gt "$(wc -l <"$T/d.txt")" ] && echo true)"
sr diff --summary --json "$A" "$B" >"$T/s.json"; r=$?
eq "--summary --json: exit 1" 1 "$r"
eq "--summary --json: counts" "1 1 1 1" "$(jq -r '"\(.started) \(.exited) \(.changed) \(.listening)"' "$T/s.json")"
eq "--summary --json: the deleted files" 3 "$(jq .deleted "$T/s.json")"
check "--summary text" bash -c "'$SNAPREAD' diff --summary '$A' '$B' | grep -qE '^started +1$'"
eq "diff from stdin" 1 "$(rc sr diff "$A" - <"$B")"
head -c $(( $(stat -c %s "$B") / 2 )) "$B" >"$T/half.tar.gz"
eq "diff: a truncated B exits 2" 2 "$(rc sr diff "$A" "$T/half.tar.gz")"
err=$(sr diff "$A" "$T/half.tar.gz" 2>&1 >/dev/null)
check "diff: the truncated archive named" grep -q "half.tar.gz: .*truncated" <<<"$err"
stop_holder N; stop_holder C
finish
