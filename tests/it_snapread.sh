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
# usage CMD ARGS...: a usage error is exit 2, one line that names the
# problem, then "Try 'snapread CMD --help'." — never the whole help.
usage() {
	local c=$1 out r; shift
	out=$(sr "$c" "$@" 2>&1 >/dev/null); r=$?
	eq "usage error: snapread $c $*: exit 2" 2 "$r"
	eq "usage error: snapread $c $*: two lines" 2 "$(wc -l <<<"$out")"
	eq "usage error: snapread $c $*: the problem, named" "snapread: $c: " "$(head -n1 <<<"$out" | cut -c1-$((12 + ${#c})))"
	eq "usage error: snapread $c $*: then Try" "Try 'snapread $c --help'." "$(tail -n1 <<<"$out")"
}
usage ps --frob "$FIX/base.tar.gz"
usage ps
usage ps a b
usage ps --pid x "$FIX/base.tar.gz"
usage ps --name '(' "$FIX/base.tar.gz"
usage fds --type
usage extract "$FIX/base.tar.gz"
usage show "$FIX/base.tar.gz"
usage verify -x "$FIX/base.tar.gz"
usage diff "$FIX/base.tar.gz"
check "usage error: names the option" bash -c "'$SNAPREAD' ps --frob x 2>&1 | grep -qx \"snapread: ps: unknown option '--frob'\""
check "usage error: names the bad regex" bash -c "'$SNAPREAD' ps --name '(' x 2>&1 | grep -q \"^snapread: ps: --name: '(' is not a regular expression\""
msg=$(sr ps "$T/nothing.tar.gz" 2>&1 >/dev/null)
eq "messages start with snapread: COMMAND:" "snapread: ps: " "${msg:0:14}"
eq "a path is named once" 1 "$(grep -o "nothing.tar.gz" <<<"$msg" | wc -l)"
eq "a missing archive: one line" 1 "$(wc -l <<<"$msg")"
eq "verify of a missing archive: no hash of nothing" "" "$(sr verify "$T/nothing.tar.gz" 2>/dev/null)"
eq "verify --json of a missing archive: sha256 null" null "$(sr verify --json "$T/nothing.tar.gz" 2>/dev/null | jq .sha256)"

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
	"$(cd "$T/h" && find . -mindepth 3 | grep -v -E '^\./[^/]+/out/[0-9]+(/fd(/[0-9]+)?|/exe|/mapped(/[0-9a-f]+-[0-9a-f]+)?)?$')"
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
	"$(awk -v p="$dpid" '$1 == p { print $7 }' <<<"$out")"
eq "ps: X marks a deleted executable" X "$(awk -v p="$epid" '$1 == p { print $7 }' <<<"$out")"
check "ps --json: every line is JSON" jsonl < <(sr ps --json "$A")
eq "ps --json: the fields the issue asks for" 5 "$(sr ps --json "$A" | jq -s \
	'[.[] | select(has("pid") and has("ppid") and has("uid") and has("name") and has("cmdline")
	  and has("start_time") and has("state") and has("exe"))] | length')"
eq "ps --json: exe.deleted" true "$(sr ps --json --pid "$epid" "$A" | jq .exe.deleted)"
eq "ps --json: the deleted executable's sha256" "$esha" "$(sr ps --json --pid "$epid" "$A" | jq -r .exe.content.sha256)"
eq "ps --json: uid is the record's array, euid derived" "true" \
	"$(sr ps --json --pid "$dpid" "$A" | jq '(.uid | length) == 4 and .euid == .uid[1]')"
eq "ps --json: nothing unexamined as root" "[]" "$(sr ps --json --pid "$dpid" "$A" | jq -c .unexamined)"
eq "ps: NAME padded, so COMMAND lines up" 1 \
	"$(sr ps "$A" | awk 'NR > 1' | awk '{ print index($0, $10) }' | sort -u | wc -l)"
eq "ps --name: a regex on the name" 4 "$(sr ps --json --name '^hold(er)?$' "$A" | wc -l)"
eq "ps --name: unanchored" 4 "$(sr ps --json --name 'olde' "$A" | wc -l)"
eq "ps --name: the deleted executable's" "$epid" "$(sr ps --json --name '^evil-' "$A" | jq .pid)"
eq "ps --name: no match, no line, exit 0" "0 0" "$(sr ps --json --name '^nope$' "$A" | wc -l) $?"
eq "ps --pid: only that process" "$dpid" "$(sr ps --json --pid "$dpid" "$A" | jq .pid)"
eq "ps --pid a,b" 2 "$(sr ps --json --pid "$dpid,$mpid" "$A" | wc -l)"
eq "ps --user 0" 5 "$(sr ps --json --user 0 "$A" | wc -l)"
eq "ps --user 4242: none" 0 "$(sr ps --json --user 4242 "$A" | wc -l)"
eq "ps --tree: the shared child under its parent" 1 \
	"$(sr ps --tree --json "$A" | jq -s --argjson c "$spid2" '.[] | select(.pid == $c) | .depth')"
eq "ps --tree: text indents the child" true \
	"$(sr ps --tree "$A" | awk -v c="$spid2" '$1 == c' | grep -q '    holder' && echo true)"
# A pid, fd or type asked for that is not in the snapshot: exit 2, one
# line naming it.
# Nothing on stdout: no table header before the message.
mistake() {
	local name=$1 want=$2 out r; shift 2
	out=$(sr "$@" 2>&1 >"$T/mistake.out"); r=$?
	eq "mistake: $name: exit 2" 2 "$r"
	eq "mistake: $name: one line" 1 "$(wc -l <<<"$out")"
	check "mistake: $name: names it" grep -qF -- "$want" <<<"$out"
	eq "mistake: $name: nothing on stdout" 0 "$(wc -c <"$T/mistake.out")"
}
mistake "ps --pid 999999" "pid 999999 is not in the snapshot" ps --pid 999999 "$A"
mistake "fds --pid 999999" "pid 999999 is not in the snapshot" fds --pid 999999 "$A"
mistake "fds --type sockets" "'sockets'" fds --type sockets "$A"
mistake "show PID 999999" "pid 999999 is not in the snapshot" show "$A" 999999
mistake "extract --fd 99" "fd 99 is not in the snapshot" extract -o "$T/x99" --fd 99 "$A"
mistake "extract --pid 999999" "pid 999999 is not in the snapshot" extract -o "$T/x98" --pid 999999 "$A"
mistake "ps --tree --pid 999999" "pid 999999 is not in the snapshot" ps --tree --pid 999999 "$A"
mistake "ps --csv --pid 999999" "pid 999999 is not in the snapshot" ps --csv --pid 999999 "$A"
mistake "fds --csv --pid 999999" "pid 999999 is not in the snapshot" fds --csv --pid 999999 "$A"
mistake "fds --type sockets, before the archive is read" "'sockets'" fds --type sockets "$T/no-such.tar.gz"
mistake "extract --core 999999" "999999 is not in the snapshot" extract -o "$T/x97" --core 999999 "$A"
eq "extract: a DIR it made and placed nothing in is removed again" "no no no" \
	"$(for d in x99 x98 x97; do [ -e "$T/$d" ] && echo yes || echo no; done | paste -sd' ')"
mkdir "$T/x96"
eq "extract: a DIR that was there stays" "2 yes" \
	"$(rc sr extract -o "$T/x96" --fd 99 "$A") $([ -d "$T/x96" ] && echo yes)"
eq "fds --type io_uring: a kernel kind, none here: the header, exit 0" "1 0" \
	"$(sr fds --type io_uring "$A" | wc -l) $?"
eq "ps --user 4242: none: the header alone, exit 0" "1 0" "$(sr ps --user 4242 "$A" | wc -l) $?"
check "fds --type: the valid types listed" bash -c "'$SNAPREAD' fds --type sockets '$A' 2>&1 | grep -q 'types: file, memfd, dir, socket, pipe'"
eq "fds --type fifo: a type with no fd is an answer: exit 0" 0 "$(rc sr fds --type fifo "$A")"
eq "ps from stdin" 6 "$(sr ps - <"$A" | wc -l)"

# --- fds --------------------------------------------------------------------------
rec=$(sr fds --json --pid "$dpid" "$A" | jq -c "select(.fd == $dfd)")
eq "fds: deleted" true "$(jq .deleted <<<"$rec")"
eq "fds: type" file "$(jq -r .type <<<"$rec")"
eq "fds: size" 1048576 "$(jq .size <<<"$rec")"
eq "fds: content captured" captured "$(jq -r .content.status <<<"$rec")"
eq "fds: sha256 is the holder's" "$dsha" "$(jq -r .content.sha256 <<<"$rec")"
eq "fds --json: COMMAND and UID" "holder 0" "$(jq -r '"\(.command) \(.euid)"' <<<"$rec")"
eq "fds --json: lsof's mode letter and offset (the holder wrote 1 MiB)" "u 1048576" "$(jq -r '"\(.access) \(.pos)"' <<<"$rec")"
eq "fds --json: flags as names" true "$(jq '.flag_names | index("O_RDWR") == 0 and index("O_CLOEXEC") != null' <<<"$rec")"
check "fds --json: every line is JSON" jsonl < <(sr fds --json "$A")
eq "fds --json: every row says what it is, whose, and its fd" 0 "$(sr fds --json "$A" | jq -s \
	'[.[] | select((has("object") and has("pid") and has("command") and has("euid")
	  and (.object != "fd" or (has("fd") and has("type") and has("deleted")))) | not)] | length')"
eq "fds: no content, none given" null "$(sr fds --json --pid "$dpid" "$A" | jq -s '.[] | select(.fd == 0) | .content')"
eq "fds --type memfd" "$mpid $mfd" "$(sr fds --json --type memfd "$A" | jq -r '"\(.pid) \(.fd)"')"
eq "fds --deleted: the four deleted fds" 4 "$(sr fds --json --deleted "$A" | jq -s '[.[] | select(.object == "fd")] | length')"
eq "fds --deleted: and the deleted executable, as txt" "$epid $esha" \
	"$(sr fds --json --deleted "$A" | jq -r 'select(.object == "txt") | "\(.pid) \(.content.sha256)"')"
eq "fds --deleted: nothing that is not deleted" 0 \
	"$(sr fds --json --deleted "$A" | jq -s '[.[] | select(.deleted == false)] | length')"
eq "fds text: FD with its mode, deleted mark and status" "${dfd}u del captured" \
	"$(sr fds --pid "$dpid" "$A" | awk -v f="$dfd" '$5 ~ "^"f"[rwu]$" { print $5, $9, $10 }')"
eq "fds text: COMMAND, PID, UID, USER first" "holder $dpid 0 root" \
	"$(sr fds --pid "$dpid" "$A" | awk -v f="$dfd" '$5 ~ "^"f"[rwu]$" { print $1, $2, $3, $4 }')"
eq "fds text: the executable's row" "txt file del captured" \
	"$(sr fds --deleted --pid "$epid" "$A" | awk '$5 == "txt" { print $5, $6, $9, $10 }')"
eq "fds --pid: the same rows as show --json" \
	"$(sr fds --json --pid "$dpid" "$A" | jq -c '{object, fd, target, content}')" \
	"$(sr show --json "$A" "$dpid" | jq -c '.fds[] | {object, fd, target, content}')"

# --- fds --json: lsof_flags, compared with lsof itself ---------------------------
# A holder with fds opened with each open flag; lsof +fg names the flags
# of every fd (its FILE-FLAG column: -F fG +fg gives the same text, one
# field a line, where an empty column cannot shift the others) and
# snapread's lsof_flags must name them alike, fd by fd.
start_holder F flags "$T"
fpid=$(field "$F" pid)
lsof -w -p "$fpid" -F fG +fg 2>/dev/null |
	awk '/^f[0-9]+$/ { if (fd != "") print fd, g; fd = substr($0, 2); g = "" }
	     /^G/ { g = substr($0, 2) }
	     END { if (fd != "") print fd, g }' | sort -n >"$T/lsof.flags"
FA=$(capture "$T/capf" -p "$fpid")
sr fds --json --pid "$fpid" "$FA" |
	jq -r 'select(.object == "fd") | "\(.fd) \(.lsof_flags // [] | join(","))"' |
	sed 's/ $//' | sort -n >"$T/ours.flags"
sed -i 's/ $//' "$T/lsof.flags"
eq "fds --json: lsof_flags, fd by fd, as lsof +fg prints them" "$(cat "$T/lsof.flags")" "$(cat "$T/ours.flags")"
eq "fds --json: lsof saw the holder's fds" true "$([ "$(wc -l <"$T/lsof.flags")" -ge 18 ] && echo true)"
# The comparison covers every name the holder means to show.
names=$(cut -s -d' ' -f2 "$T/ours.flags" | tr ',' '\n' | sort -u | paste -sd' ')
want="AP ASYN CX DTY LG NATM ND NFLK PATH RW SYN TMPF W"
[ "$(field "$F" direct_ok)" = 1 ] && want="AP ASYN CX DIR DTY LG NATM ND NFLK PATH RW SYN TMPF W"
eq "fds --json: lsof_flags, every flag the holder set" "$want" "$names"
eq "fds --json: O_CREAT|O_TRUNC|O_EXCL|O_NOCTTY are not kept" "W,LG" \
	"$(awk -v f="$(field "$F" creat_trunc)" '$1 == f { print $2 }' "$T/ours.flags")"
eq "fds --json: flag_names unchanged beside lsof_flags" '["O_RDWR","O_APPEND","O_NONBLOCK","O_SYNC","O_LARGEFILE","O_NOATIME","O_CLOEXEC"]' \
	"$(sr fds --json --pid "$fpid" "$FA" | jq -c --argjson f "$(field "$F" many)" 'select(.fd == $f) | .flag_names')"
stop_holder F

# --- show -------------------------------------------------------------------------
out=$(sr show "$A" "$dpid"); r=$?
eq "show: exit 0" 0 "$r"
check "show: status fields" grep -q '^  State: ' <<<"$out"
check "show: links" grep -q '^  exe ' <<<"$out"
check "show: maps summary" grep -q ' mappings, ' <<<"$out"
check "show: the deleted fd" grep -qE "^holder +$dpid +0 +root +${dfd}u file .* del captured" <<<"$out"
check "show: the environment, one variable a line" grep -qE "^environment \([0-9]+ variables?\)$" <<<"$out"
check "show: an environment variable of the holder" grep -qx "  PATH=$(tr '\0' '\n' </proc/"$dpid"/environ | sed -n 's/^PATH=//p')" <<<"$out"
eq "show --json: environ, an array" true "$(sr show --json "$A" "$dpid" | jq '.environ | length > 0')"
eq "show: nothing said unexamined as root" 0 "$(grep -c '^not examined' <<<"$out")"
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
eq "extract --json: the executable, as txt, verified, with its sha256" "$epid/exe txt true $esha" \
	"$(sr extract --json -o "$T/xj3" "$A" | jq -r 'select(.object == "txt") | "\(.path) \(.object) \(.verified) \(.content.sha256)"')"
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
	member=$(sr fds --json --pid "$dpid" "$A" | jq -r "select(.fd == $dfd) | .content.member")
	err=$(sr verify "$B" 2>&1 >/dev/null); r=$?
	eq "verify: a modified capture fails with exit 1" 1 "$r"
	check "verify: names the tampered member" grep -q "tampered member $member" <<<"$err"
	err=$(sr extract -o "$T/xb" "$B" 2>&1 >/dev/null); r=$?
	eq "extract: a modified capture exits 1" 1 "$r"
	check "extract: names the file" grep -q "^snapread: extract: $dpid/fd/$dfd: $member hashes to" <<<"$err"
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

# --- a capture by a user who may not look into these processes -------------------
# Unknown is never shown as clean: what was denied is a ?, a NOFD row, a
# section of show and "unexamined" in --json, never "-" or nothing.
chmod 755 "$T"; mkdir -p "$T/nob" && chmod 777 "$T/nob"
if NA=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$PROCSNAP" -q -o "$T/nob" "${args[@]}"); then
	denied=$(sr ps --json "$NA" | jq -r 'select([.errors[]? | select(.reason == "denied" and
		(.what == "fd" or .what == "exe" or .what == "maps"))] | length > 0) | .pid' | sort -n)
	eq "not root: every holder's evidence was denied" 5 "$(wc -w <<<"$denied")"
	eq "not root: each of them is unexamined in ps --json" "$denied" \
		"$(sr ps --json "$NA" | jq -r 'select(.unexamined | length > 0) | .pid' | sort -n)"
	out=$(sr ps "$NA")
	for p in $denied; do
		eq "not root: ps MARK of $p is ?, never -" "?" "$(awk -v p="$p" '$1 == p { print $7 }' <<<"$out")"
	done
	eq "not root: no process shows - in MARK" "" "$(awk 'NR > 1 && $7 == "-"' <<<"$out")"
	out=$(sr fds --pid "$dpid" "$NA"); r=$?
	eq "not root: fds --pid of a denied process: exit 0" 0 "$r"
	check "not root: fds says the fd table was not readable, and why" \
		grep -qE "^holder +$dpid +0 +root +NOFD .*\(fd table not readable: denied, EACCES\)" <<<"$out"
	check "not root: fds says the executable was not examined" \
		grep -qE " txt .*\(executable not examined: denied, EACCES\)" <<<"$out"
	eq "not root: fds --json: a nofd row, denied" "denied" \
		"$(sr fds --json --pid "$dpid" "$NA" | jq -r 'select(.object == "nofd") | .unexamined[0].reason')"
	eq "not root: fds --deleted lists what may be deleted" true \
		"$(sr fds --json --deleted "$NA" | jq -s --argjson p "$dpid" '[.[] | select(.pid == $p and .object == "nofd")] | length == 1')"
	out=$(sr show "$NA" "$dpid")
	check "not root: show says what was not examined" grep -q '^not examined' <<<"$out"
	check "not root: show: the fd table, denied" grep -qE '^  fds +denied \(EACCES, fd\)$' <<<"$out"
	eq "not root: show --json: unexamined parts" "exe fds maps" \
		"$(sr show --json "$NA" "$dpid" | jq -r '[.process.unexamined[].part] | join(" ")')"
else
	fail "not root: capture" "procsnap failed as nobody"
fi

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
