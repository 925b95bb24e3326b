#!/usr/bin/env bash
# it_hidden.sh: what an intruder hides from /proc (#11) is seen through and
# flagged.  A bind mount of an empty directory over /proc/PID, and of
# /proc/1 over another /proc/PID: the capture reads a proc of its own and
# records both processes whole, flagged; without one (--proc /proc) it
# records them hidden, never with pid 1's data.  A process missing from
# /proc's listing (fixtures/fakeproc.c, a FUSE /proc that hides it as a
# getdents hook would) is found through children, cgroup.procs and the
# probe.  A port missing from /proc/net/tcp is flagged by sock_diag.
#
# Every mount is made in a mount namespace of the test's own (unshare -m,
# private): it dies with that namespace, so nothing ever covers a real
# /proc/PID of this machine, even when a test fails half-way.
. "$(dirname "$0")/lib.sh"
FAKEPROC="$B/fakeproc"

if ! need_root; then
	skip "hidden" "bind mounts and FUSE need root"
	finish; exit $?
fi
if ! command -v unshare >/dev/null || ! unshare -m true 2>/dev/null; then
	skip "hidden" "no unshare -m here"
	finish; exit $?
fi
# The FUSE daemons, killed by pid whatever happens.
FP_PIDS="$T/fakeproc.pids"
: >"$FP_PIDS"
cleanup_hidden() {
	local p
	for p in $(cat "$FP_PIDS" 2>/dev/null); do kill "$p" 2>/dev/null; done
	cleanup
}
trap cleanup_hidden EXIT
# The test's own mounts left in this namespace: over /proc/A or /proc/S,
# or under $T (the machine is shared: others mount meanwhile, so the
# whole table is no measure).
own_mounts() {
	awk -v t="$T/" -v a="/proc/$a" -v s="/proc/$s" \
		'$5 == a || $5 == s || index($5 "/", t) == 1' /proc/self/mountinfo | wc -l
}

start_holder A deleted "$T" 64K || { fail "hidden: holder starts" "see above"; finish; exit $?; }
a=$(field "$A" pid); afd=$(field "$A" fd); asha=$(field "$A" sha256)
start_holder S sockets || { fail "hidden: sockets holder starts" "see above"; finish; exit $?; }
s=$(field "$S" pid); lport=$(field "$S" listen_port); lfd=$(field "$S" listen_fd)
pfd=$(field "$S" unixpair_fd)
mkdir -p "$T/empty" "$T/mnt"

# ---- bind mounts over /proc/PID -------------------------------------------
# In the test's namespace: a's directory covered by an empty one, s's by
# pid 1's.  What its tools see, then three captures: -p both, the whole
# host, and without a private /proc.
unshare -m --propagation private bash -c '
	a=$1 s=$2 T=$3 P=$4
	trap "umount -l /proc/$a /proc/$s 2>/dev/null" EXIT
	mount --bind "$T/empty" "/proc/$a" && mount --bind /proc/1 "/proc/$s" || exit 3
	ls -A "/proc/$a" | wc -l >"$T/seen.a"
	cut -d" " -f1 "/proc/$s/stat" >"$T/seen.s"
	cat /proc/self/mounts >"$T/seen.mounts"
	mkdir -p "$T/bind" "$T/host" "$T/fallback"
	"$P" -o "$T/bind" --no-content -p "$a" -p "$s" >"$T/bind.path" 2>"$T/bind.err"
	"$P" -q -o "$T/host" --no-content --read-timeout 2 >"$T/host.path"
	"$P" -q -o "$T/fallback" --proc /proc -p "$a" -p "$s" >"$T/fallback.path"
' _ "$a" "$s" "$T" "$PROCSNAP"
eq "hidden: the mounts were made" 0 "$?"
eq "hidden: premise: the host's /proc/A is empty" 0 "$(cat "$T/seen.a")"
eq "hidden: premise: the host's /proc/S/stat is pid 1's" 1 "$(cat "$T/seen.s")"
eq "hidden: no mount left in this namespace" 0 "$(own_mounts)"
check "hidden: nothing mounted on /proc/A here" test -n "$(ls -A "/proc/$a")"

X=$(extract "$(cat "$T/bind.path")" "$T/bind/x")
PA="$X/proc/$a/process.json" PS="$X/proc/$s/process.json"
eq "hidden: a private /proc was used" true "$(jq -r .private_proc.used "$X/host.json")"
eq "hidden: A seen through, flagged bind-mount" '["bind-mount"]' "$(jq -c .hidden "$PA")"
eq "hidden: A's stat is its own" "$a" "$(cut -d' ' -f1 "$X/proc/$a/stat")"
eq "hidden: A's name" holder "$(jq -r .name "$PA")"
eq "hidden: A's deleted file recorded" true \
	"$(jq -r "select(.fd == $afd) | .deleted" "$X/proc/$a/fds.jsonl")"
eq "hidden: A's covering mount named" "[\"/proc/$a\"]" "$(jq -c .hidden_mounts "$PA")"
eq "hidden: S seen through, flagged shows-pid-1" '["shows-pid-1"]' "$(jq -c .hidden "$PS")"
eq "hidden: S's stat is its own, not pid 1's" "$s" "$(cut -d' ' -f1 "$X/proc/$s/stat")"
eq "hidden: S's name" holder "$(jq -r .name "$PS")"
eq "hidden: S's listener recorded" "127.0.0.1:$lport" \
	"$(jq -r "select(.fd == $lfd) | .socket.local" "$X/proc/$s/fds.jsonl")"
eq "hidden: S's sockets name their protocol" "TCP UNIX-STREAM" \
	"$(jq -r "select(.fd == $lfd or .fd == $pfd) | .sockproto" "$X/proc/$s/fds.jsonl" | tr '\n' ' ' | sed 's/ $//')"
eq "hidden: host.json lists A's mount" bind-mount \
	"$(jq -r ".proc_mounts[] | select(.mount_point == \"/proc/$a\") | .effect" "$X/host.json")"
eq "hidden: host.json lists S's mount" "shows-pid-1 proc /1" \
	"$(jq -r ".proc_mounts[] | select(.mount_point == \"/proc/$s\") | \"\(.effect) \(.fstype) \(.root)\"" "$X/host.json")"
# The host's mount table as its own tools show it (this namespace is
# private: no other mount comes in meanwhile), not procsnap's, whose
# private /proc would be one line more.
eq "hidden: host/proc/mounts is the host's, as mount(8) shows it" \
	"$(md5sum <"$T/seen.mounts")" "$(md5sum <"$X/host/proc/mounts")"
check "hidden: host/proc/mounts lists the mounts over /proc/A and /proc/S" \
	bash -c "grep -q ' /proc/$a ' '$X/host/proc/mounts' && grep -q ' /proc/$s ' '$X/host/proc/mounts'"
eq "hidden: summary counts 2 hidden" 2 "$(jq -r .processes_hidden "$X/summary.json")"
check "hidden: stderr counts them" grep -q "HIDDEN: 2 processes hidden" "$T/bind.err"

# What snapread shows of it.
BA=$(cat "$T/bind.path")
eq "hidden: ps --json: A's hidden" '["bind-mount"]' \
	"$("$SNAPREAD" ps --json "$BA" | jq -c "select(.pid == $a) | .hidden")"
eq "hidden: ps --json: S's hidden" '["shows-pid-1"]' \
	"$("$SNAPREAD" ps --json "$BA" | jq -c "select(.pid == $s) | .hidden")"
check "hidden: ps: an H mark for A" \
	bash -c "'$SNAPREAD' ps '$BA' | awk '\$1 == $a && \$7 ~ /H/' | grep -q ."
check "hidden: show: how A was hidden, and the mount" \
	bash -c "'$SNAPREAD' show '$BA' $a | grep -q 'bind-mount: a mount covers /proc/PID' &&
		 '$SNAPREAD' show '$BA' $a | grep -q 'mount on  /proc/$a'"
check "hidden: show: what S showed instead" \
	bash -c "'$SNAPREAD' show '$BA' $s | grep -q 'shows another process (pid 1)'"

H=$(extract "$(cat "$T/host.path")" "$T/host/x")
eq "hidden: whole host: A flagged" '["bind-mount"]' "$(jq -c .hidden "$H/proc/$a/process.json")"
eq "hidden: whole host: S flagged" '["shows-pid-1"]' "$(jq -c .hidden "$H/proc/$s/process.json")"
eq "hidden: whole host: no process missing from the listing" 0 \
	"$(jq -r .processes_unlisted "$H/summary.json")"

F=$(extract "$(cat "$T/fallback.path")" "$T/fallback/x")
eq "hidden: --proc: no private /proc, and why" "false proc-given" \
	"$(jq -r '"\(.private_proc.used) \(.private_proc.step)"' "$F/host.json")"
eq "hidden: --proc: A recorded hidden, unread" '["bind-mount"] EXDEV hidden' \
	"$(jq -r '"\(.hidden | tojson) \(.errors[0].errno) \(.errors[0].reason)"' "$F/proc/$a/process.json")"
eq "hidden: --proc: S recorded hidden, unread" '["shows-pid-1"] EXDEV hidden' \
	"$(jq -r '"\(.hidden | tojson) \(.errors[0].errno) \(.errors[0].reason)"' "$F/proc/$s/process.json")"
eq "hidden: --proc: nothing of pid 1's under S" "null false" \
	"$(jq -r '"\(.name) \(has("argv"))"' "$F/proc/$s/process.json")"
check "hidden: --proc: no raw file of S stored" test ! -e "$F/proc/$s/stat"
eq "hidden: --proc: not counted as vanished" 0 "$(jq -r .processes_vanished "$F/summary.json")"

eq "hidden: the host's plain proc bound alone" bind "$(jq -r .private_proc.how "$X/host.json")"

# A /proc that hides (a new instance mounted hidepid=invisible, in the
# test's namespace only): not bound but replaced by a fresh instance.
unshare -m --propagation private bash -c '
	a=$1 T=$2 P=$3
	mount -t proc -o hidepid=invisible proc /proc || exit 3
	mount --bind "$T/empty" "/proc/$a" || exit 3
	mkdir -p "$T/fresh"
	"$P" -q -o "$T/fresh" --no-content -p "$a" >"$T/fresh.path"
' _ "$a" "$T" "$PROCSNAP"
eq "hidden: hidepid /proc: capture exits 0" 0 "$?"
R=$(extract "$(cat "$T/fresh.path")" "$T/fresh/x")
eq "hidden: hidepid /proc: a fresh proc instance instead" "true mount" \
	"$(jq -r '"\(.private_proc.used) \(.private_proc.how)"' "$R/host.json")"
eq "hidden: hidepid /proc: A seen through" 'holder ["bind-mount"]' \
	"$(jq -r '"\(.name) \(.hidden | tojson)"' "$R/proc/$a/process.json")"

# Not root: no private /proc, and host.json says why.
mkdir -p "$T/nr" && chmod 0777 "$T/nr" && chmod 0711 "$T"
if command -v setpriv >/dev/null; then
	setpriv --reuid 65534 --regid 65534 --clear-groups "$PROCSNAP" -q -o "$T/nr" \
		--no-content -p $$ >"$T/nr.path" 2>/dev/null
	N=$(extract "$(cat "$T/nr.path")" "$T/nr/x")
	eq "hidden: not root: no private /proc (unshare EPERM)" "false unshare EPERM" \
		"$(jq -r '"\(.private_proc.used) \(.private_proc.step) \(.private_proc.error.errno)"' "$N/host.json")"
fi

# ---- a process missing from the listing -----------------------------------
# fakeproc serves /proc without A in its listing; A is found through its
# parent's children, then (children hidden too) through cgroup.procs, then
# (no cgroup mounts either) by the probe.
notlisted() { # NAME PROCSNAP-ARGS... -- FAKEPROC-ARGS...
	local name=$1; shift
	local pargs=() fargs=()
	while [ "$1" != "--" ]; do pargs+=("$1"); shift; done; shift
	fargs=("$@")
	mkdir -p "$T/$name"
	unshare -m --propagation private bash -c '
		T=$1 name=$2 FP=$3 P=$4 FPP=$5; shift 5
		pargs=(); while [ "$1" != "--" ]; do pargs+=("$1"); shift; done; shift
		"$FP" "$T/mnt" "$@" >"$T/$name.fp" 2>&1 & f=$!
		echo "$f" >>"$FPP"
		trap "umount -l \"$T/mnt\" 2>/dev/null; kill $f 2>/dev/null; wait $f" EXIT
		for _ in $(seq 100); do grep -q READY "$T/$name.fp" && break; kill -0 $f || exit 3; sleep 0.05; done
		"$P" --proc "$T/mnt" -o "$T/$name" --no-content --read-timeout 2 "${pargs[@]}" \
			>"$T/$name.path" 2>"$T/$name.err"
	' _ "$T" "$name" "$FAKEPROC" "$PROCSNAP" "$FP_PIDS" "${pargs[@]}" -- "${fargs[@]}"
}
for way in children cgroup probe; do
	case $way in
	children) notlisted nl-$way -- --hide "$a" ;;
	cgroup) notlisted nl-$way -- --hide "$a" --hide-children ;;
	probe) notlisted nl-$way --probe-pids -- --hide "$a" --hide-children --no-cgroup ;;
	esac
	eq "hidden: not listed ($way): capture exits 0" 0 "$?"
	if [ ! -s "$T/nl-$way.path" ]; then
		fail "hidden: not listed ($way)" "no archive: $(cat "$T/nl-$way.err" "$T/nl-$way.fp")"
		continue
	fi
	Y=$(extract "$(cat "$T/nl-$way.path")" "$T/nl-$way/x")
	eq "hidden: not listed ($way): A captured, flagged" "holder [\"not-listed\"] $way" \
		"$(jq -r '"\(.name) \(.hidden | tojson) \(.found_via)"' "$Y/proc/$a/process.json")"
	# Through FUSE, fd links are plain symlinks: the file is not reached,
	# its link text is.
	check "hidden: not listed ($way): A's deleted file listed" \
		grep -q "\"fd\":$afd,\"target\":\"$T/victim.bin (deleted)\"" "$Y/proc/$a/fds.jsonl"
	eq "hidden: not listed ($way): no other process flagged" 1 \
		"$(jq -r .processes_unlisted "$Y/summary.json")"
	eq "hidden: not listed ($way): counted as found by $way" 1 \
		"$(jq -r ".unlisted_search.\"$way\".found" "$Y/summary.json")"
done

# ---- a port missing from /proc/net/tcp -------------------------------------
notlisted port -p "$s" -- --hide-port "$lport"
if [ -s "$T/port.path" ]; then
	Z=$(extract "$(cat "$T/port.path")" "$T/port/x")
	rec=$(jq -c "select(.fd == $lfd)" "$Z/proc/$s/fds.jsonl")
	eq "hidden: port: the listener flagged hidden from proc-net" \
		"127.0.0.1:$lport LISTEN [\"proc-net\"]" \
		"$(jq -r '"\(.socket.local) \(.socket.state) \(.socket.hidden | tojson)"' <<<"$rec")"
	eq "hidden: port: its line in host/net/hidden" '["sock-diag"] ["proc-net"]' \
		"$(jq -r "select(.inode == $(jq -r .inode <<<"$rec")) | \"\(.views | tojson) \(.hidden | tojson)\"" "$Z/host/net/hidden")"
	# The accepted connection has the same local port: hidden too.
	afd2=$(field "$S" accepted_fd)
	eq "hidden: port: the accepted connection too" '["proc-net"]' \
		"$(jq -c "select(.fd == $afd2) | .socket.hidden" "$Z/proc/$s/fds.jsonl")"
	eq "hidden: port: no other socket flagged" 2 "$(jq -r .sockets_hidden "$Z/summary.json")"
	eq "hidden: port: read again before flagging" true "$(jq -r .sock_diag.rechecked "$Z/host.json")"
	check "hidden: port: snapread fds says HIDDEN" \
		bash -c "'$SNAPREAD' fds '$(cat "$T/port.path")' | grep ':$lport ' | grep -q 'HIDDEN from proc-net'"
	check "hidden: port: stderr says so" grep -q "2 sockets seen by only one" "$T/port.err"
	# The unix pair's ends name each other (sock_diag's peer).
	pino=$(jq -r "select(.fd == $pfd) | .socket.peer" "$Z/proc/$s/fds.jsonl")
	eq "hidden: unix pair: the peer is the other end, held by the holder" \
		"$(jq -r "select(.fd == $pfd) | .inode" "$Z/proc/$s/fds.jsonl")" \
		"$(jq -r "select(.inode == $pino) | .socket.peer" "$Z/proc/$s/fds.jsonl")"
else
	fail "hidden: port" "no archive: $(cat "$T/port.err" "$T/port.fp")"
fi

# The same in another network namespace: its tables through /proc/PID/net,
# its dump from a thread that entered it.
start_holder NS netns || { fail "hidden: netns holder starts" "see above"; finish; exit $?; }
n=$(field "$NS" pid); nport=$(field "$NS" port); nfd=$(field "$NS" fd)
nsino=$(field "$NS" ns | tr -dc 0-9)
notlisted netport -p "$n" -- --hide-port "$nport"
if [ -s "$T/netport.path" ]; then
	W=$(extract "$(cat "$T/netport.path")" "$T/netport/x")
	eq "hidden: netns port: flagged hidden from proc-net" '["proc-net"]' \
		"$(jq -c "select(.fd == $nfd) | .socket.hidden" "$W/proc/$n/fds.jsonl")"
	eq "hidden: netns port: in host/net/NSINO/hidden" '["proc-net"]' \
		"$(jq -c "select(.hidden) | .hidden" "$W/host/net/$nsino/hidden")"
else
	fail "hidden: netns port" "no archive: $(cat "$T/netport.err" "$T/netport.fp")"
fi
stop_holder NS
stop_holder S
stop_holder A
eq "hidden: no mount left at the end" 0 "$(own_mounts)"
finish
