#!/usr/bin/env bash
# it_hang.sh: a process whose cmdline read blocks (its mmap lock stays taken:
# holder stuck) must not hang the capture: the read is abandoned after
# --read-timeout, recorded, and every other process is captured whole.
. "$(dirname "$0")/lib.sh"
# Under the sanitizer build, LeakSanitizer's exit check stops every thread
# with ptrace, and a reader left blocked in a killable kernel wait never
# stops: procsnap would hang at exit there (and only there).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

if ! need_root; then
	skip "hang" "the stuck holder mounts FUSE in its own mount namespace (root)"
	finish; exit $?
fi
if [ ! -c /dev/fuse ]; then
	skip "hang" "no /dev/fuse"
	finish; exit $?
fi

# Its premise, a writer queued behind a read that holds the mmap lock over
# a FUSE fault, is timing dependent (the kernel may drop the lock to wait
# for the page): a holder that could not set it up exits, and is tried
# once more before the test fails.
start_holder ST stuck "$T" || start_holder ST stuck "$T" ||
	{ fail "hang: stuck holder starts" "see above"; finish; exit $?; }
spid=$(field "$ST" pid)
# The premise: a plain read of its cmdline really blocks.
timeout 2 cat "/proc/$spid/cmdline" >/dev/null 2>&1
eq "hang: cmdline of the stuck holder blocks" 124 "$?"

start_holder H deleted "$T" 256K
pid=$(field "$H" pid); fd=$(field "$H" fd); sha=$(field "$H" sha256)

mkdir -p "$T/hang"
t0=$SECONDS
timeout 60 "$PROCSNAP" -q -o "$T/hang" --read-timeout 2 -p "$spid" -p "$pid" \
	>"$T/hang.path" 2>"$T/hang.err"
rc=$?
took=$((SECONDS - t0))
eq "hang: procsnap exits 0" 0 "$rc"
check "hang: procsnap exits within 15 s (took ${took}s)" test "$took" -le 15
A=$(cat "$T/hang.path")
check "hang: archive verifies" "$SNAPREAD" verify "$A"
S=$(extract "$A" "$T/hang/x")
P="$S/proc/$spid/process.json"
eq "hang: cmdline timed out" ETIMEDOUT \
	"$(jq -r '.errors[] | select(.what == "cmdline") | .errno' "$P")"
eq "hang: environ skipped" "ECANCELED skipped" \
	"$(jq -r '.errors[] | select(.what == "environ") | "\(.errno) \(.reason)"' "$P")"
eq "hang: maps skipped" "ECANCELED skipped" \
	"$(jq -r '.errors[] | select(.what == "maps") | "\(.errno) \(.reason)"' "$P")"
check "hang: stuck process's stat still kept" test -s "$S/proc/$spid/stat"
check "hang: stuck process's fds still listed" test -f "$S/proc/$spid/fds.jsonl"
eq "hang: summary counts one timeout" 1 "$(jq -r .read_timeouts "$S/summary.json")"
eq "hang: the other process has no errors" 0 "$(jq -r '.errors | length' "$S/proc/$pid/process.json")"
for f in cmdline environ maps; do
	check "hang: the other process's $f kept" test -f "$S/proc/$pid/$f"
done
rec=$(jq -c "select(.fd == $fd)" "$S/proc/$pid/fds.jsonl")
eq "hang: deleted file's bytes match" "$sha" \
	"$(sha256sum "$S/$(jq -r .content.member <<<"$rec")" | cut -c1-64)"

# A signal while the capture waits on the stuck read (a long timeout):
# it stops within 2 s all the same, and leaves no archive.
mkdir -p "$T/sig"
"$PROCSNAP" -o "$T/sig" --read-timeout 60 -p "$spid" >/dev/null 2>"$T/sig.err" &
cp=$!
sleep 1
eq "hang: SIGINT during the stuck read: the capture is still waiting on it" yes \
	"$(kill -0 "$cp" 2>/dev/null && echo yes)"
t0=$(date +%s%N)
kill -INT "$cp"
# Stopped when it says so: the exit itself can wait longer, on the kernel
# (an abandoned reader whose FUSE request the daemon took is released
# only when that request ends; procsnap(1), --read-timeout).
until grep -q 'stopped by signal' "$T/sig.err" || ! kill -0 "$cp" 2>/dev/null ||
      [ $(( ($(date +%s%N) - t0) / 1000000 )) -gt 10000 ]; do
	sleep 0.01
done
took=$(( ($(date +%s%N) - t0) / 1000000 ))
wait "$cp"; rc=$?
eq "hang: SIGINT during the stuck read: exit 2" 2 "$rc"
check "hang: SIGINT during the stuck read: stopped within 2 s (took $took ms)" test "$took" -le 2000
eq "hang: SIGINT during the stuck read: nothing left" "" "$(ls -A "$T/sig")"
check "hang: SIGINT during the stuck read: acknowledged" grep -q '^procsnap: SIGINT received: stopping' "$T/sig.err"

# A whole-host capture goes on past it too (and no reader thread outlives
# procsnap: timeout would kill it, and the shell's wait would hang).
# Metadata only: the hang is in the reads of /proc, and the time bound
# must not depend on how many gigabytes of deleted files other processes
# on this host happen to hold.
mkdir -p "$T/host"
t0=$SECONDS
timeout 60 "$PROCSNAP" -q -o "$T/host" --no-content --read-timeout 1 >"$T/host.path" 2>/dev/null
rc=$?
eq "hang: whole-host capture exits 0" 0 "$rc"
check "hang: whole-host capture within 15 s" test $((SECONDS - t0)) -le 15
check "hang: whole-host archive verifies" "$SNAPREAD" verify "$(cat "$T/host.path")"

stop_holder H
stop_holder ST
finish
