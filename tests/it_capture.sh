#!/usr/bin/env bash
# it_capture.sh: real processes in every state that matters, captured by the
# real procsnap, checked with tar, jq and sha256sum as a responder would.
. "$(dirname "$0")/lib.sh"

# fdrec DIR PID FD: the fds.jsonl record of one fd.
fdrec() { jq -c "select(.fd == $3)" "$1/proc/$2/fds.jsonl"; }
# snap NAME ARGS...: capture into $T/NAME and extract; sets S (top dir), A (archive).
snap() {
	local n=$1; shift
	A=$(capture "$T/$n" "$@") || { S=; return 1; }
	S=$(extract "$A" "$T/$n/x")
}

if ! need_root; then
	skip "capture" "integration tests of the capture need root (they read other processes' fds)"
	finish; exit $?
fi

# --- a deleted file --------------------------------------------------------
start_holder H deleted "$T" 1M
pid=$(field "$H" pid); fd=$(field "$H" fd); sha=$(field "$H" sha256)
snap deleted -p "$pid"
check "deleted: tar lists the archive" tar tzf "$A"
check "deleted: manifest passes sha256sum -c" bash -c "cd '$S' && sha256sum -c --quiet MANIFEST.sha256"
rec=$(fdrec "$S" "$pid" "$fd")
eq "deleted: decided deleted" true "$(jq -r .deleted <<<"$rec")"
eq "deleted: content captured" captured "$(jq -r .content.status <<<"$rec")"
eq "deleted: recorded sha256 is what was written" "$sha" "$(jq -r .content.sha256 <<<"$rec")"
eq "deleted: stored bytes hash to what was written" "$sha" \
	"$(sha256sum "$S/$(jq -r .content.member <<<"$rec")" | cut -c1-64)"
eq "deleted: size recorded" 1048576 "$(jq -r .content.stored <<<"$rec")"
eq "deleted: process marks it" 1 "$(jq -r .deleted_fds "$S/proc/$pid/process.json")"
eq "deleted: process start time recorded" true \
	"$(jq -r '.start_time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$")' "$S/proc/$pid/process.json")"
for f in stat status cmdline environ maps cgroup; do
	check "deleted: raw $f kept" test -f "$S/proc/$pid/$f"
done
# The capture must not have moved the victim's own file offset.
eq "deleted: victim's offset untouched" "$(jq -r .pos <<<"$rec")" \
	"$(sed -n 's/^pos:[[:space:]]*//p' /proc/$pid/fdinfo/$fd)"
stop_holder H

# --- the same inode held by two processes ----------------------------------
start_holder H shared "$T" 256K
pid=$(field "$H" pid); fd=$(field "$H" fd); pid2=$(field "$H" pid2); fd2=$(field "$H" fd2)
sha=$(field "$H" sha256)
snap shared -p "$pid" -p "$pid2"
m1=$(fdrec "$S" "$pid" "$fd" | jq -r .content.member)
m2=$(fdrec "$S" "$pid2" "$fd2" | jq -r .content.member)
eq "shared: both fds point at one member" "$m1" "$m2"
eq "shared: stored once" 1 "$(tar tzf "$A" | grep -c "/$m1\$")"
eq "shared: bytes match" "$sha" "$(sha256sum "$S/$m1" | cut -c1-64)"
stop_holder H

# --- a memfd ---------------------------------------------------------------
start_holder H memfd 300K
pid=$(field "$H" pid); fd=$(field "$H" fd); sha=$(field "$H" sha256)
snap memfd -p "$pid"
rec=$(fdrec "$S" "$pid" "$fd")
eq "memfd: typed memfd" memfd "$(jq -r .type <<<"$rec")"
eq "memfd: deleted (nlink 0)" true "$(jq -r .deleted <<<"$rec")"
eq "memfd: bytes match" "$sha" "$(sha256sum "$S/$(jq -r .content.member <<<"$rec")" | cut -c1-64)"
stop_holder H

# --- a live file literally named "x (deleted)" -----------------------------
start_holder H named "$T" 64K
pid=$(field "$H" pid); fd=$(field "$H" fd)
snap named -p "$pid"
rec=$(fdrec "$S" "$pid" "$fd")
eq "named: link text ends in (deleted)" true "$(jq -r '.target | endswith("x (deleted)")' <<<"$rec")"
eq "named: not taken for deleted" false "$(jq -r .deleted <<<"$rec")"
eq "named: no content stored" null "$(jq -r .content <<<"$rec")"
stop_holder H

# --- an unlinked FIFO with unread data: never read --------------------------
start_holder H fifo "$T"
pid=$(field "$H" pid); fd=$(field "$H" fd); sha=$(field "$H" sha256)
snap fifo -p "$pid"
rec=$(fdrec "$S" "$pid" "$fd")
eq "fifo: typed fifo" fifo "$(jq -r .type <<<"$rec")"
eq "fifo: not recovered" null "$(jq -r .content <<<"$rec")"
stop_holder H
left=$(grep '^LEFT' "$H_OUT")
eq "fifo: victim's 4096 bytes still unread" 4096 "$(field "$left" n)"
eq "fifo: victim's bytes unchanged" "$sha" "$(field "$left" sha256)"

# --- sockets ---------------------------------------------------------------
start_holder H sockets
pid=$(field "$H" pid)
snap sockets -p "$pid"
rec=$(fdrec "$S" "$pid" "$(field "$H" listen_fd)")
eq "sockets: tcp listener resolved" "tcp 127.0.0.1:$(field "$H" listen_port) LISTEN" \
	"$(jq -r '[.socket.proto, .socket.local, .socket.state] | join(" ")' <<<"$rec")"
rec=$(fdrec "$S" "$pid" "$(field "$H" client_fd)")
eq "sockets: tcp client endpoints" "127.0.0.1:$(field "$H" client_port) 127.0.0.1:$(field "$H" listen_port) ESTABLISHED" \
	"$(jq -r '[.socket.local, .socket.remote, .socket.state] | join(" ")' <<<"$rec")"
rec=$(fdrec "$S" "$pid" "$(field "$H" udp_fd)")
eq "sockets: udp resolved" "udp 127.0.0.1:$(field "$H" udp_port)" \
	"$(jq -r '[.socket.proto, .socket.local] | join(" ")' <<<"$rec")"
if [ "$(field "$H" tcp6_port)" != 0 ]; then
	rec=$(fdrec "$S" "$pid" "$(field "$H" tcp6_fd)")
	eq "sockets: tcp6 listener resolved" "tcp6 [::1]:$(field "$H" tcp6_port) LISTEN" \
		"$(jq -r '[.socket.proto, .socket.local, .socket.state] | join(" ")' <<<"$rec")"
fi
rec=$(fdrec "$S" "$pid" "$(field "$H" unix_listen_fd)")
eq "sockets: unix listener resolved" "unix @procsnap-test-$pid LISTEN" \
	"$(jq -r '[.socket.proto, .socket.local, .socket.state] | join(" ")' <<<"$rec")"
eq "sockets: socket inode kept" true "$(jq -r '.inode > 0' <<<"$rec")"
stop_holder H

# --- a big sparse deleted file: holes kept ----------------------------------
start_holder H sparse "$T" 2G
pid=$(field "$H" pid); fd=$(field "$H" fd); sha=$(field "$H" sha256)
snap sparse -p "$pid"
rec=$(fdrec "$S" "$pid" "$fd")
eq "sparse: stored as sparse" true "$(jq -r .content.sparse <<<"$rec")"
eq "sparse: logical size kept" 2147483648 "$(jq -r .content.stored <<<"$rec")"
eq "sparse: recorded sha256 is of the logical file" "$sha" "$(jq -r .content.sha256 <<<"$rec")"
eq "sparse: extracted file hashes right" "$sha" "$(sha256sum "$S/$(jq -r .content.member <<<"$rec")" | cut -c1-64)"
size=$(stat -c %s "$A")
eq "sparse: 2 GiB with 192 KiB of data costs < 1 MiB" true "$([ "$size" -lt 1048576 ] && echo true || echo "false ($size bytes)")"
stop_holder H

# --- a file being appended to: read up to its pinned size --------------------
start_holder H growing "$T"
pid=$(field "$H" pid); fd=$(field "$H" fd)
if snap growing -p "$pid"; then ok "growing: capture finished"; else fail "growing: capture finished" "procsnap failed"; fi
rec=$(fdrec "$S" "$pid" "$fd")
eq "growing: stored what was expected when pinned" "$(jq -r .content.size <<<"$rec")" "$(jq -r .content.stored <<<"$rec")"
eq "growing: at least the initial MiB" true "$(jq -r '.content.stored >= 1048576' <<<"$rec")"
eq "growing: member matches its record" "$(jq -r .content.sha256 <<<"$rec")" \
	"$(sha256sum "$S/$(jq -r .content.member <<<"$rec")" | cut -c1-64)"
stop_holder H

# --- a deleted executable ---------------------------------------------------
start_holder H deleted-exe "$T"
pid=$(field "$H" pid); sha=$(field "$H" sha256)
snap exe -p "$pid"
pj="$S/proc/$pid/process.json"
eq "exe: marked deleted" true "$(jq -r .exe.deleted "$pj")"
eq "exe: recovered bytes match the binary" "$sha" "$(jq -r .exe.content.sha256 "$pj")"
eq "exe: member matches" "$sha" "$(sha256sum "$S/$(jq -r .exe.content.member "$pj")" | cut -c1-64)"
stop_holder H

# --- limits and options ----------------------------------------------------
start_holder H deleted "$T" 1M
pid=$(field "$H" pid); fd=$(field "$H" fd)
want=$(head -c 102400 "/proc/$pid/fd/$fd" | sha256sum | cut -c1-64)
snap trunc -p "$pid" --max-file-size 100K
rec=$(fdrec "$S" "$pid" "$fd")
eq "max-file-size: marked truncated" truncated "$(jq -r .content.status <<<"$rec")"
eq "max-file-size: stored 100K" 102400 "$(jq -r .content.stored <<<"$rec")"
eq "max-file-size: first 100K kept" "$want" "$(jq -r .content.sha256 <<<"$rec")"
snap nocontent -p "$pid" --no-content
eq "no-content: marked skipped" skipped "$(jq -r .content.status "$S/proc/$pid/fds.jsonl" | grep -v null)"
eq "no-content: no content member" 0 "$(tar tzf "$A" | grep -c /content/)"
for c in zstd none; do
	snap "c$c" -p "$pid" --compress "$c"
	case $c in zstd) sfx=.tar.zst ;; none) sfx=.tar ;; esac
	eq "compress $c: named $sfx" true "$([[ $A == *"$sfx" ]] && echo true)"
	check "compress $c: manifest passes" bash -c "cd '$S' && sha256sum -c --quiet MANIFEST.sha256"
done
# Streaming: nothing written to the current directory, archive on stdout.
mkdir -p "$T/stream" && (cd "$T/stream" && "$PROCSNAP" -q -o - -p "$pid" >"$T/stream.tgz")
eq "stdout: nothing written in cwd" "" "$(ls -A "$T/stream")"
check "stdout: archive on stdout lists" tar tzf "$T/stream.tgz"
stop_holder H

# --- odd process names ------------------------------------------------------
cp /bin/sleep "$T/:-) 1 2 3"
cp /bin/sleep "$T/"$'nl\nx\xff'
"$T/:-) 1 2 3" 60 & p1=$!
"$T/"$'nl\nx\xff' 60 & p2=$!
HOLDER_PIDS+=("$p1" "$p2")
sleep 0.2
snap names -p "$p1" -p "$p2"
eq "names: comm with ')' split on the last paren" ":-) 1 2 3" "$(jq -r .name "$S/proc/$p1/process.json")"
eq "names: ppid still parsed after odd comm" "$$" "$(jq -r .ppid "$S/proc/$p1/process.json")"
eq "names: non-UTF-8 comm kept losslessly in name_b64" "$(printf 'nl\nx\xff' | base64)" \
	"$(jq -r .name_b64 "$S/proc/$p2/process.json")"
eq "names: argv exact bytes in argv_b64" "$(printf '%s' "$T/"$'nl\nx\xff' | base64 -w0)" \
	"$(jq -r '.argv_b64[0]' "$S/proc/$p2/process.json")"
eq "names: member names never come from names" 0 "$(tar tzf "$A" | grep -c -v -E '^procsnap-[^/]+/(format.json|host.json|summary.json|MANIFEST.sha256|host/net/([0-9]+/)?[a-z0-9]+|host/mnt/[0-9]+/mountinfo|host/etc/(ld\.so\.preload|passwd|group|hostname|os-release)|host/proc/(modules|mounts|sys/kernel/tainted)|proc/[0-9]+/[a-z.]+|content/[0-9]+-[0-9]+)$')"
kill "$p1" "$p2"

# --- processes that are gone, and the whole host ----------------------------
# Asked for beside one that exists (alone, it is a mistake: exit 2,
# it_responder.sh): recorded as vanished.
snap gone -p 2147483646 -p $$
eq "vanished pid: recorded, not fatal" true "$(jq -r .vanished "$S/proc/2147483646/process.json")"
eq "vanished pid: reason recorded" vanished "$(jq -r '.errors[0].reason' "$S/proc/2147483646/process.json")"
snap all
eq "all: procsnap marks itself" 1 "$(cat "$S"/proc/*/process.json | jq -s '[.[] | select(.self)] | length')"
check "all: manifest passes" bash -c "cd '$S' && sha256sum -c --quiet MANIFEST.sha256"
eq "all: manifest is the last member" MANIFEST.sha256 "$(tar tzf "$A" | tail -n1 | sed 's,.*/,,')"
eq "all: format.json is the first member" format.json "$(tar tzf "$A" | head -n1 | sed 's,.*/,,')"
check "all: bsdtar reads it" bsdtar tzf "$A"

# --- not root: works, and records what was denied ---------------------------
chmod 755 "$T" && mkdir -p "$T/user" && chmod 777 "$T/user"
if setpriv --reuid=65534 --regid=65534 --clear-groups "$PROCSNAP" -q -o "$T/user" >/dev/null 2>&1; then
	ok "non-root: capture completes"
	S=$(extract "$T/user"/procsnap-*.tar.gz "$T/user/x")
	eq "non-root: denials recorded" true "$(jq -s '[.[] | .errors[]? | select(.reason == "denied")] | length > 0' "$S"/proc/*/process.json)"
else
	fail "non-root: capture completes" "procsnap failed as nobody"
fi

finish
