#!/usr/bin/env bash
# it_deep.sh: evidence outside the main fd table (issue #7) and a restricted
# /proc (issue #6): real processes in each state, captured, then checked
# with jq and sha256sum, and through snapread.
. "$(dirname "$0")/lib.sh"

fdrec() { jq -c "select(.fd == $3 and (.tid // 0) == ${4:-0})" "$1/proc/$2/fds.jsonl"; }
snap() {
	local n=$1; shift
	A=$(capture "$T/$n" "$@") || { S=; return 1; }
	S=$(extract "$A" "$T/$n/x")
}
shaof() { sha256sum "$1" | cut -c1-64; }

if ! need_root; then
	skip "deep" "captures of holder processes need root"
	finish; exit $?
fi

# --- a deleted file only mapped: its fd closed after mmap --------------------
start_holder H mapped "$T" 100K
pid=$(field "$H" pid); sha=$(field "$H" sha256); start=$(field "$H" start)
snap mapped -p "$pid"
pj="$S/proc/$pid/process.json"
m=$(jq -c --arg s "$start" '.mapped_deleted[] | select(.start == $s)' "$pj")
eq "mapped: range recorded" "$start $(field "$H" end) r--p 0" "$(jq -r '"\(.start) \(.end) \(.perms) \(.offset)"' <<<"$m")"
eq "mapped: no fd holds it" 0 "$(jq -s '[.[] | select(.deleted)] | length' "$S/proc/$pid/fds.jsonl")"
eq "mapped: recovered through map_files" "$sha" "$(jq -r .content.sha256 <<<"$m")"
eq "mapped: member holds the bytes" "$sha" "$(shaof "$S/$(jq -r .content.member <<<"$m")")"
eq "mapped: summary counts it" true "$(jq '.mapped_deleted >= 1' "$S/summary.json")"
out=$("$SNAPREAD" show "$A" "$pid")
eq "mapped: show lists the range" 1 "$(grep -c "^  $start-$(field "$H" end) r--p off 0 .*lib.so (deleted).*content captured, sha256 $sha" <<<"$out")"
eq "mapped: ps marks M" M "$("$SNAPREAD" ps --pid "$pid" "$A" | awk 'NR == 2 { print $7 }')"
# Everything recovered in one place: fds --deleted lists it (mem), extract
# writes it under a name that says what it is.
eq "mapped: fds --deleted lists it as mem" "mem $start $sha" \
	"$("$SNAPREAD" fds --json --deleted --pid "$pid" "$A" | jq -r --arg s "$start" \
	  'select(.object == "mem" and .start == $s) | "\(.object) \(.start) \(.content.sha256)"')"
check "mapped: fds text, FD mem" bash -c "'$SNAPREAD' fds --deleted --pid $pid '$A' | grep -qE ' mem file .* del captured .*lib.so \(deleted\) \[mapped $start-'"
"$SNAPREAD" extract --json -o "$T/xm" --pid "$pid" "$A" >"$T/xm.json" 2>"$T/xm.err"
eq "mapped: extract writes it, verified" "$sha" "$(shaof "$T/xm/$pid/mapped/$start-$(field "$H" end)")"
eq "mapped: extract --json names it mem" "mem true $sha" \
	"$(jq -r --arg s "$start" 'select(.start == $s) | "\(.object) \(.verified) \(.content.sha256)"' "$T/xm.json")"
stop_holder H

# ... and as a user without CAP_SYS_ADMIN: the denial is recorded.
chmod 755 "$T"; mkdir -p "$T/nobody" && chmod 777 "$T/nobody"
cat >"$T/as-nobody" <<EOS
#!/bin/sh
exec setpriv --reuid=65534 --regid=65534 --clear-groups "$B/holder" "\$@"
EOS
chmod 755 "$T/as-nobody"
HOLDER="$T/as-nobody" start_holder H mapped "$T/nobody" 64K
pid=$(field "$H" pid)
mkdir -p "$T/nob" && chmod 777 "$T/nob"
if A=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$PROCSNAP" -q -o "$T/nob" -p "$pid"); then
	S=$(extract "$A" "$T/nob/x")
	eq "mapped, not root: denial recorded on the range" "denied" \
		"$(jq -r '.mapped_deleted[0].errors[0].reason' "$S/proc/$pid/process.json")"
	eq "mapped, not root: no content claimed" null "$(jq -r '.mapped_deleted[0].content' "$S/proc/$pid/process.json")"
else
	fail "mapped, not root: capture" "procsnap failed as nobody"
fi
stop_holder H

# --- a thread with its own fd table holding a deleted file -------------------
start_holder H thread-table "$T" 64K
pid=$(field "$H" pid); tid=$(field "$H" tid); fd=$(field "$H" fd); sha=$(field "$H" sha256)
snap tt -p "$pid"
pj="$S/proc/$pid/process.json"
eq "thread table: found by kcmp" "$tid" "$(jq -r '.fd_tables[0].tid' "$pj")"
eq "thread table: one distinct table" 1 "$(jq '.fd_tables | length' "$pj")"
rec=$(fdrec "$S" "$pid" "$fd" "$tid")
eq "thread table: the deleted file is in the thread's table" true "$(jq -r .deleted <<<"$rec")"
eq "thread table: recovered" "$sha" "$(shaof "$S/$(jq -r .content.member <<<"$rec")")"
eq "thread table: not in the process's table" 0 \
	"$(jq -s --argjson fd "$fd" '[.[] | select(.tid == null and .fd == $fd and .deleted)] | length' "$S/proc/$pid/fds.jsonl")"
eq "thread table: process counts its fds" "$(jq '.fd_tables[0].fd_count' "$pj")" "$(jq '.thread_fds' "$pj")"
check "thread table: snapread verify" "$SNAPREAD" verify "$A"
out=$("$SNAPREAD" fds --pid "$pid" "$A")
eq "thread table: fds says whose table" 1 "$(grep -c "thread $tid's own fd table" <<<"$(grep ' del ' <<<"$out")")"
eq "thread table: show lists the table" 1 "$("$SNAPREAD" show "$A" "$pid" | grep -c "^  thread $tid: ")"
stop_holder H
# Threads sharing the process's table: read once, no thread table.
start_holder H threads 4
pid=$(field "$H" pid)
snap shared-table -p "$pid"
eq "shared table: no thread table" null "$(jq -r .fd_tables "$S/proc/$pid/process.json")"
eq "shared table: fds listed once" "$(jq .fd_count "$S/proc/$pid/process.json")" "$(wc -l <"$S/proc/$pid/fds.jsonl")"
stop_holder H

# --- a listener in its own network namespace ----------------------------------
start_holder H netns
pid=$(field "$H" pid); fd=$(field "$H" fd); port=$(field "$H" port)
ns=$(field "$H" ns | tr -dc 0-9)
snap netns -p "$pid" -p $$
rec=$(fdrec "$S" "$pid" "$fd")
eq "netns: listener resolved in its namespace" "tcp 0.0.0.0:$port LISTEN" \
	"$(jq -r '[.socket.proto, .socket.local, .socket.state] | join(" ")' <<<"$rec")"
eq "netns: process records its net namespace" "$ns" "$(jq -r .ns.net "$S/proc/$pid/process.json")"
eq "netns: its tables stored once" 5 "$(tar tzf "$A" | grep -Ec "/host/net/$ns/(tcp|tcp6|udp|udp6|unix)$")"
eq "netns: its sockets compared with sock_diag, none hidden" "1 0" \
	"$(tar tzf "$A" | grep -c "/host/net/$ns/hidden$") $(wc -c <"$S/host/net/$ns/hidden")"
eq "netns: its socket is not in procsnap's own table" 0 \
	"$(awk -v i="$(field "$H" inode)" '$10 == i' "$S/host/net/tcp" | wc -l)"
eq "netns: its socket is in its namespace's table" 1 \
	"$(awk -v i="$(field "$H" inode)" '$10 == i' "$S/host/net/$ns/tcp" | wc -l)"
eq "netns: host.json names procsnap's own" true "$(jq '.ns.net != null' "$S/host.json")"
eq "netns: summary counts it" 1 "$(jq .net_namespaces "$S/summary.json")"
stop_holder H

# --- file kinds, by file system and stat -------------------------------------
start_holder H kinds "$T"
pid=$(field "$H" pid)
snap kinds -p "$pid"
kind() { fdrec "$S" "$pid" "$(field "$H" "$1")" | jq -r "$2"; }
eq "kinds: memfd" memfd "$(kind memfd .kind)"
eq "kinds: memfd seals" "seal,shrink,grow,write" "$(kind memfd '.seals | join(",")')"
eq "kinds: memfd bytes" "$(field "$H" memfd_sha256)" "$(kind memfd .content.sha256)"
eq "kinds: O_TMPFILE" "tmpfile deleted" "$(kind tmpfile '"\(.kind) \(if .deleted then "deleted" else "" end)"')"
eq "kinds: O_TMPFILE bytes" "$(field "$H" tmpfile_sha256)" "$(kind tmpfile .content.sha256)"
for k in pidfd eventfd timerfd signalfd inotify; do
	eq "kinds: $k" "$k" "$(kind "$k" .kind)"
done
eq "kinds: epoll" eventpoll "$(kind epoll .kind)"
eq "kinds: eventfd keeps its fdinfo" true "$(kind eventfd '.fdinfo | test("eventfd-count")')"
m=$(jq -c --arg s "$(field "$H" shm_start)" '.mapped_deleted[] | select(.start == $s)' "$S/proc/$pid/process.json")
eq "kinds: shared anonymous memory" shared-anon "$(jq -r .kind <<<"$m")"
eq "kinds: shared anonymous bytes" "$(head -c 8192 /dev/zero | tr '\0' Z | sha256sum | cut -c1-64)" "$(jq -r .content.sha256 <<<"$m")"
out=$("$SNAPREAD" fds --pid "$pid" "$A")
eq "kinds: fds shows seals" 1 "$(grep -c '\[memfd; seals seal,shrink,grow,write\]' <<<"$out")"
eq "kinds: fds --type tmpfile" "$(field "$H" tmpfile)" "$("$SNAPREAD" fds --json --type tmpfile "$A" | jq -r .fd)"
eq "kinds: fds --json kind" pidfd "$("$SNAPREAD" fds --json --pid "$pid" "$A" | jq -r "select(.fd == $(field "$H" pidfd)) | .kind")"
stop_holder H

# --- a file that changes while it is read -------------------------------------
start_holder H churn "$T"
pid=$(field "$H" pid); fd=$(field "$H" fd)
snap churn -p "$pid"
rec=$(fdrec "$S" "$pid" "$fd")
eq "churn: marked changing" true "$(jq -r .content.changed <<<"$rec")"
eq "churn: summary counts it" 1 "$(jq .changed "$S/summary.json")"
eq "churn: fds --changing lists it" "$fd" "$("$SNAPREAD" fds --changing --json "$A" | jq -r .fd)"
eq "churn: fds says changing" 1 "$("$SNAPREAD" fds --pid "$pid" "$A" | grep -c '\[changing')"
eq "churn: show says changing" 1 "$("$SNAPREAD" show "$A" "$pid" | grep -c '\[changing')"
stop_holder H

# --- a working directory removed while in use ----------------------------------
# Decided by st_nlink, never by the " (deleted)" the link text gains.
mkdir "$T/gone-cwd"
(cd "$T/gone-cwd" && exec sleep 600) &
cpid=$!
HOLDER_PIDS+=("$cpid")
for _ in $(seq 50); do [ "$(readlink "/proc/$cpid/cwd")" = "$T/gone-cwd" ] && break; sleep 0.1; done
rmdir "$T/gone-cwd"
snap cwd -p "$cpid"
eq "cwd: deleted" true "$(jq .cwd.deleted "$S/proc/$cpid/process.json")"
eq "cwd: its stat kept (st_nlink 0)" 0 "$(jq .cwd.stat.nlink "$S/proc/$cpid/process.json")"
eq "cwd: fds --deleted lists it" "cwd dir $T/gone-cwd (deleted)" \
	"$("$SNAPREAD" fds --json --deleted --pid "$cpid" "$A" | jq -r 'select(.object == "cwd") | "\(.object) \(.type) \(.target)"')"
check "cwd: fds text, FD cwd" bash -c "'$SNAPREAD' fds --pid $cpid '$A' | grep -qE ' cwd dir .* del '"
eq "cwd: extract says it has no bytes" 1 "$("$SNAPREAD" extract -o "$T/xc" --pid "$cpid" "$A" 2>&1 | grep -c "$cpid/cwd: a deleted directory")"
kill "$cpid" 2>/dev/null; wait "$cpid" 2>/dev/null
snap cwd-live -p $$
eq "cwd: a live cwd is not deleted" false "$(jq .cwd.deleted "$S/proc/$$/process.json")"

# --- kernel threads -----------------------------------------------------------
snap kthread -p 2
eq "kthread: recognised" true "$(jq -r .kernel_thread "$S/proc/2/process.json")"
eq "kthread: no errors for what it cannot have" 0 "$(jq '.errors | length' "$S/proc/2/process.json")"
eq "kthread: ps marks K" K "$("$SNAPREAD" ps --pid 2 "$A" | awk 'NR == 2 { print $7 }')"

# --- namespaces, NSpid, container ---------------------------------------------
snap self -p $$
pj="$S/proc/$$/process.json"
eq "ns: every namespace recorded" true "$(jq '.ns | (.net > 0 and .mnt > 0 and .pid > 0 and .user > 0)' "$pj")"
eq "ns: NSpid chain" "$$" "$(jq -r '.nspid[-1]' "$pj")"
eq "ns: cgroup recorded" true "$(jq '.cgroup | startswith("/")' "$pj")"
eq "ns: mountinfo once per mount namespace" 1 "$(tar tzf "$A" | grep -c "/host/mnt/$(jq .ns.mnt "$pj")/mountinfo$")"
# A process in a pid namespace: its NSpid chain has both pids.
if command -v unshare >/dev/null; then
	unshare -p -f --mount-proc sleep 30 & upid=$!
	HOLDER_PIDS+=("$upid")
	sleep 0.3
	child=$(pgrep -P "$upid" sleep | head -n1)
	if [ -n "$child" ]; then
		snap pidns -p "$child"
		eq "ns: NSpid in a pid namespace" "$child 1" "$(jq -r '.nspid | map(tostring) | join(" ")' "$S/proc/$child/process.json")"
	else
		skip "ns: NSpid in a pid namespace" "unshare -p did not start"
	fi
	kill "$upid" 2>/dev/null
fi

# --- hidepid: a restricted view of /proc, stated -------------------------------
mkdir -p "$T/hp" && chmod 777 "$T/hp"
if unshare -m --propagation private sh -c "mount -t proc -o hidepid=2 proc /proc && \
	setpriv --reuid=65534 --regid=65534 --clear-groups '$PROCSNAP' -o '$T/hp' >'$T/hp.out' 2>'$T/hp.err'"; then
	S=$(extract "$(cat "$T/hp.out")" "$T/hp/x")
	eq "hidepid: summary.json says restricted" true "$(jq .restricted_view "$S/summary.json")"
	eq "hidepid: which option" true "$(jq -r '.hidepid | test("^(2|invisible)$")' "$S/summary.json")"
	eq "hidepid: host.json has the mount options" true "$(jq -r '.proc_options | test("hidepid=")' "$S/host.json")"
	eq "hidepid: stderr states it" 1 "$(grep -c '^procsnap: restricted view: /proc is mounted hidepid=' "$T/hp.err")"
	eq "hidepid: stderr states the non-root denials" 1 "$(grep -c '^procsnap: not running as root: ' "$T/hp.err")"
	eq "hidepid: only nobody's own processes seen" 0 \
		"$(jq -s '[.[] | select(.uid != null and .uid[0] != 65534)] | length' "$S"/proc/*/process.json)"
else
	fail "hidepid: capture in a private /proc" "$(cat "$T/hp.err" 2>/dev/null)"
fi
snap plain -p $$
eq "hidepid: an ordinary /proc is not restricted" false "$(jq .restricted_view "$S/summary.json")"

finish
