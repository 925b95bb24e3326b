#!/usr/bin/env bash
# it_snapread.sh: the real snapread on real captures of holder processes —
# ps, fds, show, extract, verify — and on the hostile fixtures.
. "$(dirname "$0")/lib.sh"

FIX="$ROOT/fixtures/hostile"
sr() { "$SNAPREAD" "$@"; }
# rc CMD...: the exit status of CMD, output discarded.
rc() { "$@" >/dev/null 2>&1; echo $?; }
# jsonl: every line of stdin is one JSON value (what jq -e would say).
jsonl() { jq -e -s 'length >= 0' >/dev/null; }
sha() { sha256sum "$1" | cut -c1-64; }

# --- the command line ---------------------------------------------------------
check "help" sr --help
eq "help: exit 0 on stdout" 0 "$(rc sr --help)"
eq "version names the format" "snapread" "$(sr --version | cut -d' ' -f1)"
check "version: archive format 1" bash -c "'$SNAPREAD' --version | grep -q 'format 1'"
for c in ps fds show extract verify; do
	check "$c --help" bash -c "'$SNAPREAD' $c --help | grep -q '^usage: snapread $c'"
	check "help $c" bash -c "'$SNAPREAD' help $c | grep -q '^usage: snapread $c'"
done
eq "no command: exit 2" 2 "$(rc sr)"
eq "unknown command: exit 2" 2 "$(rc sr frobnicate)"
eq "unknown option: exit 2" 2 "$(rc sr ps --frob "$FIX/base.tar.gz")"
eq "missing operand: exit 2" 2 "$(rc sr ps)"
eq "extract without -o: exit 2" 2 "$(rc sr extract "$FIX/base.tar.gz")"
eq "bad --pid: exit 2" 2 "$(rc sr ps --pid x "$FIX/base.tar.gz")"
msg=$(sr ps "$T/nothing.tar.gz" 2>&1 >/dev/null)
eq "messages start with snapread:" "snapread: " "${msg:0:10}"

# --- hostile fixtures through the real binary -----------------------------------
for f in "$FIX"/*; do
	n=$(basename "$f")
	mkdir -p "$T/h/$n"
	sr extract -o "$T/h/$n/out" "$f" >/dev/null 2>"$T/h/$n.err"
	r=$?
	case $n in
	base.*) want=0 ;;
	tampered*|record-sha*|bad-member-ref*|extra*) want=1 ;;
	*) want=2 ;;
	esac
	eq "hostile $n: extract exit $want" "$want" "$r"
	eq "hostile $n: one line of error per problem, no control bytes" 0 \
		"$(LC_ALL=C grep -c '[[:cntrl:]]' "$T/h/$n.err")"
	for c in ps fds verify; do
		sr $c "$f" >/dev/null 2>>"$T/h/$n.err"
		r=$?
		eq "hostile $n: $c exits 0, 1 or 2" true "$([ "$r" -le 2 ] && echo true)"
	done
	# A sanitizer build reports with exit status 1: look for its words too.
	eq "hostile $n: no sanitizer report" 0 "$(grep -c -E 'Sanitizer|runtime error' "$T/h/$n.err")"
done
eq "hostile: nothing written outside DIR" "" "$(ls -d /tmp/snapread-hostile-* 2>/dev/null)"
eq "hostile: only numeric names inside DIR" "" \
	"$(cd "$T/h" && find . -mindepth 3 | grep -v -E '^\./[^/]+/out/[0-9]+(/fd(/[0-9]+)?|/exe)?$')"
eq "hostile: no symlink inside DIR" "" "$(find "$T/h" -type l)"
eq "verify: tampered exits 1" 1 "$(rc sr verify "$FIX/tampered.tar.gz")"
eq "verify: version 2 refused with exit 2" 2 "$(rc sr verify "$FIX/version2.tar.gz")"
check "verify: version 2 named" bash -c "'$SNAPREAD' ps '$FIX/version2.tar.gz' 2>&1 | grep -q 'version 2 is not supported'"
out=$(sr ps "$FIX/base.tar.gz")
eq "ps: a hostile name stays on one line" 3 "$(wc -l <<<"$out")"
check "ps: the hostile name escaped" grep -qF 'evil\nname\x1b[31m\xff' <<<"$out"
eq "ps --json: exact bytes in name_b64" "$(printf 'evil\nname\e[31m\xff' | base64)" \
	"$(sr ps --json "$FIX/base.tar.gz" | jq -r 'select(.name_b64) | .name_b64')"

if ! need_root; then
	skip "capture" "captures of holder processes need root (they read other processes' fds)"
	finish; exit $?
fi

# --- a capture of holders in every state extract cares about ---------------------
# Each holder inherits the stdin pipes of those started before it, so they
# are stopped in reverse order.
start_holder D deleted "$T" 1M
start_holder M memfd 300K
start_holder S shared "$T" 256K
start_holder E deleted-exe "$T"
dpid=$(field "$D" pid); dfd=$(field "$D" fd); dsha=$(field "$D" sha256)
mpid=$(field "$M" pid); mfd=$(field "$M" fd); msha=$(field "$M" sha256)
spid=$(field "$S" pid); sfd=$(field "$S" fd); spid2=$(field "$S" pid2); sfd2=$(field "$S" fd2)
ssha=$(field "$S" sha256)
epid=$(field "$E" pid); esha=$(field "$E" sha256)
args=()
for p in $(printf '%s\n' "$dpid" "$mpid" "$spid" "$spid2" "$epid" | sort -n); do args+=(-p "$p"); done
A=$(capture "$T/cap" "${args[@]}")
check "capture made" test -f "$A"

# --- ps ---------------------------------------------------------------------------
out=$(sr ps "$A"); r=$?
eq "ps: exit 0" 0 "$r"
eq "ps: a header and one line per process" 6 "$(wc -l <<<"$out")"
eq "ps: D marks a process holding a deleted file" D \
	"$(awk -v p="$dpid" '$1 == p { print $6 }' <<<"$out")"
eq "ps: X marks a deleted executable" X "$(awk -v p="$epid" '$1 == p { print $6 }' <<<"$out")"
check "ps --json: every line is JSON" jsonl < <(sr ps --json "$A")
eq "ps --json: the fields the issue asks for" 5 "$(sr ps --json "$A" | jq -s \
	'[.[] | select(has("pid") and has("ppid") and has("uid") and has("name") and has("cmdline")
	  and has("start_time") and has("state") and has("exe"))] | length')"
eq "ps --json: exe_deleted" true "$(sr ps --json --pid "$epid" "$A" | jq .exe_deleted)"
eq "ps --json: the deleted executable's sha256" "$esha" "$(sr ps --json --pid "$epid" "$A" | jq -r .exe_sha256)"
eq "ps --pid: only that process" "$dpid" "$(sr ps --json --pid "$dpid" "$A" | jq .pid)"
eq "ps --pid a,b" 2 "$(sr ps --json --pid "$dpid,$mpid" "$A" | wc -l)"
eq "ps --user 0" 5 "$(sr ps --json --user 0 "$A" | wc -l)"
eq "ps --user 4242: none" 0 "$(sr ps --json --user 4242 "$A" | wc -l)"
eq "ps --tree: the shared child under its parent" 1 \
	"$(sr ps --tree --json "$A" | jq -s --argjson c "$spid2" '.[] | select(.pid == $c) | .depth')"
eq "ps --tree: text indents the child" true \
	"$(sr ps --tree "$A" | awk -v c="$spid2" '$1 == c' | grep -q '    holder' && echo true)"
eq "ps from stdin" 6 "$(sr ps - <"$A" | wc -l)"

# --- fds --------------------------------------------------------------------------
rec=$(sr fds --json --pid "$dpid" "$A" | jq -c "select(.fd == $dfd)")
eq "fds: deleted" true "$(jq .deleted <<<"$rec")"
eq "fds: type" file "$(jq -r .type <<<"$rec")"
eq "fds: size" 1048576 "$(jq .size <<<"$rec")"
eq "fds: content captured" captured "$(jq -r .content <<<"$rec")"
eq "fds: sha256 is the holder's" "$dsha" "$(jq -r .sha256 <<<"$rec")"
check "fds --json: every line is JSON" jsonl < <(sr fds --json "$A")
eq "fds --json: the fields the issue asks for" 0 "$(sr fds --json "$A" | jq -s \
	'[.[] | select((has("pid") and has("fd") and has("type") and has("target") and has("deleted")
	  and has("size") and has("sha256") and has("content")) | not)] | length')"
eq "fds: sha256 null without content" null "$(sr fds --json --pid "$dpid" "$A" | jq -s '.[] | select(.fd == 0) | .sha256')"
eq "fds --type memfd" "$mpid $mfd" "$(sr fds --json --type memfd "$A" | jq -r '"\(.pid) \(.fd)"')"
eq "fds --deleted: the four deleted fds" 4 "$(sr fds --json --deleted "$A" | wc -l)"
eq "fds text: deleted mark and status" "del captured" \
	"$(sr fds --pid "$dpid" "$A" | awk -v f="$dfd" '$2 == f { print $5, $6 }')"

# --- show -------------------------------------------------------------------------
out=$(sr show "$A" "$dpid"); r=$?
eq "show: exit 0" 0 "$r"
check "show: status fields" grep -q '^  State: ' <<<"$out"
check "show: links" grep -q '^  exe ' <<<"$out"
check "show: maps summary" grep -q ' mappings, ' <<<"$out"
check "show: the deleted fd" grep -qE "^ +$dpid +$dfd file .* del captured" <<<"$out"
check "show: errors section" grep -q '^errors$' <<<"$out"
eq "show --json" "$dpid" "$(sr show --json "$A" "$dpid" | jq .process.pid)"
eq "show --json: its fds" true "$(sr show --json "$A" "$dpid" | jq '.fds | length > 2')"
eq "show: a pid not there exits 2" 2 "$(rc sr show "$A" 1)"

# --- extract ------------------------------------------------------------------------
X="$T/x"
sr extract -o "$X" "$A" >"$T/extract.out" 2>"$T/extract.err"; r=$?
eq "extract: exit 0" 0 "$r"
eq "extract: deleted file" "$dsha" "$(sha "$X/$dpid/fd/$dfd")"
eq "extract: memfd" "$msha" "$(sha "$X/$mpid/fd/$mfd")"
eq "extract: shared, first holder" "$ssha" "$(sha "$X/$spid/fd/$sfd")"
eq "extract: shared, second holder" "$ssha" "$(sha "$X/$spid2/fd/$sfd2")"
eq "extract: shared content hard-linked" "$(stat -c %i "$X/$spid/fd/$sfd")" "$(stat -c %i "$X/$spid2/fd/$sfd2")"
eq "extract: deleted executable" "$esha" "$(sha "$X/$epid/exe")"
eq "extract: files 0600, never executable" "600" "$(stat -c %a "$X/$epid/exe")"
eq "extract: no file of another mode" "" "$(find "$X" -type f ! -perm 600)"
check "extract: output checks with sha256sum -c from DIR" bash -c "cd '$X' && sha256sum -c --quiet '$T/extract.out'"
eq "extract: nothing but pid directories" "" "$(ls -A "$X" | grep -v -E '^[0-9]+$')"
check "extract --json: every line is JSON" jsonl < <(sr extract --json -o "$T/xj" "$A")
eq "extract --json: link_of names the first copy" "$spid/fd/$sfd" \
	"$(sr extract --json -o "$T/xj2" "$A" | jq -r --arg p "$spid2/fd/$sfd2" 'select(.path == $p) | .link_of')"
sr extract -o "$T/x1" --pid "$spid2" "$A" >/dev/null 2>&1; r=$?
eq "extract --pid: the second holder alone" "0 $ssha" "$r $(sha "$T/x1/$spid2/fd/$sfd2")"
eq "extract --pid: nothing else" "$spid2" "$(ls "$T/x1")"
sr extract -o "$T/x2" --pid "$epid" --fd exe "$A" >/dev/null 2>&1
eq "extract --fd exe" "exe" "$(ls "$T/x2/$epid")"
eq "extract: into an existing tree exits 2" 2 "$(rc sr extract -o "$X" "$A")"

# --- verify -----------------------------------------------------------------------
out=$(sr verify "$A"); r=$?
eq "verify: a real capture passes" 0 "$r"
eq "verify: prints the archive's own SHA-256" "$(sha "$A")  $A" "$(head -n1 <<<"$out")"
eq "verify --json: ok" true "$(sr verify --json "$A" | jq .ok)"
eq "verify --json: archive sha256" "$(sha "$A")" "$(sr verify --json "$A" | jq -r .sha256)"
eq "verify: from stdin" 0 "$(rc sr verify - <"$A")"
if command -v python3 >/dev/null; then
	# One byte of the deleted file's content flipped, the archive rewritten
	# the way procsnap would (same member order, manifest untouched).
	B="$T/modified.tar.gz"
	python3 - "$A" "$B" "$dpid" <<'EOF'
import gzip, io, sys, tarfile
src, dst, pid = sys.argv[1], sys.argv[2], sys.argv[3]
raw = bytearray(gzip.decompress(open(src, "rb").read()))
with tarfile.open(fileobj=io.BytesIO(bytes(raw))) as t:
    for ti in t.getmembers():
        if "/content/" in ti.name and ti.size == 1048576:
            raw[ti.offset_data + 1000] ^= 1
open(dst, "wb").write(gzip.compress(bytes(raw)))
EOF
	member=$(sr fds --json --pid "$dpid" "$A" | jq -r "select(.fd == $dfd) | .member")
	err=$(sr verify "$B" 2>&1 >/dev/null); r=$?
	eq "verify: a modified capture fails with exit 1" 1 "$r"
	check "verify: names the tampered member" grep -q "tampered member $member" <<<"$err"
	err=$(sr extract -o "$T/xb" "$B" 2>&1 >/dev/null); r=$?
	eq "extract: a modified capture exits 1" 1 "$r"
	check "extract: names the file" grep -q "^snapread: $dpid/fd/$dfd: $member hashes to" <<<"$err"
	eq "extract: the bad file is not left" false "$([ -e "$T/xb/$dpid/fd/$dfd" ] && echo true || echo false)"
	eq "extract: the good files are" "$msha" "$(sha "$T/xb/$mpid/fd/$mfd")"
else
	skip "verify: modified capture" "python3 is needed to rewrite the archive"
fi
head -c $(( $(stat -c %s "$A") / 2 )) "$A" >"$T/half.tar.gz"
err=$(sr verify "$T/half.tar.gz" 2>&1 >/dev/null); r=$?
eq "verify: a truncated capture fails with exit 1" 1 "$r"
check "verify: says truncated" grep -q "truncated" <<<"$err"
eq "ps: a truncated capture exits 2" 2 "$(rc sr ps "$T/half.tar.gz")"

# --- constant memory: fds and ps do not hold recovered contents ----------------------
stop_holder E; stop_holder S; stop_holder M; stop_holder D
start_holder BIG deleted "$T" 64M
bpid=$(field "$BIG" pid)
BA=$(capture "$T/big" -p "$bpid")
for c in "fds --json" "ps --json"; do
	kb=$( { /usr/bin/time -f %M "$SNAPREAD" $c "$BA" >/dev/null; } 2>&1 | tail -n1)
	eq "$c: memory does not grow with 64 MiB of content" true \
		"$([ "${kb:-999999}" -lt 32768 ] && echo true || echo "false (${kb} KiB)")"
done
stop_holder BIG
finish
