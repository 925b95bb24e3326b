#!/usr/bin/env bash
# it_exec.sh: exec_files, the SHA-256 of everything that runs (#13): a
# copied program and a library of known bytes, hashed and compared with
# sha256sum; a deleted executable; the size bound; the cache (a library
# many processes map is read once); --no-hash; a watched library left
# unread by --no-touch-watched; a library on a hung FUSE server; and the
# names beside the uids in snapread.
. "$(dirname "$0")/lib.sh"

if ! need_root; then
	skip "exec" "following /proc/PID/map_files needs CAP_SYS_ADMIN"
	finish; exit $?
fi
LIB="$B/tests/libexecmark.so"
if [ ! -f "$LIB" ]; then
	fail "exec: library" "$LIB is not built (make $BUILD/tests/libexecmark.so)"
	finish; exit $?
fi

mkdir -p "$T/bin" "$T/lib" "$T/del"
cp /bin/sleep "$T/bin/mysleep"
cp "$LIB" "$T/lib/libexecmark.so"
SLEEP_SHA=$(sha256sum "$T/bin/mysleep" | cut -c1-64)
LIB_SHA=$(sha256sum "$T/lib/libexecmark.so" | cut -c1-64)
PIDS=()
# run VAR WANT CMD...: starts CMD in the background, its pid into VAR, and
# waits until its maps names WANT: a file only the program maps (the
# shell forked to run it maps libc before it execs).
run() {
	local var=$1 p want=$2; shift 2
	"$@" &
	p=$!
	PIDS+=("$p")
	HOLDER_PIDS+=("$p")
	for _ in $(seq 1 200); do
		grep -q "$want" "/proc/$p/maps" 2>/dev/null && break
		sleep 0.05
	done
	eval "$var=$p"
}
# entry PROCESS_JSON PATH: that file's exec_files entry.
entry() { jq -c --arg p "$2" '.exec_files[] | select(.path == $p)' "$1"; }

# --- a known program and a known library, in three processes ----------
for i in 1 2 3; do
	run "p$i" libexecmark env LD_PRELOAD="$T/lib/libexecmark.so" "$T/bin/mysleep" 1000
done
A=$(capture "$T/c1" --no-content -p "$p1" -p "$p2" -p "$p3")
check "exec: the archive verifies" "$SNAPREAD" verify "$A"
S=$(extract "$A" "$T/c1/x")
P1="$S/proc/$p1/process.json"
e=$(jq -c '.exec_files[0]' "$P1")
eq "exec: the executable comes first" "exe $T/bin/mysleep" "$(jq -r '"\(.kind) \(.path)"' <<<"$e")"
eq "exec: the executable's SHA-256 is sha256sum's" "$SLEEP_SHA" "$(jq -r .sha256 <<<"$e")"
eq "exec: its dev and ino are the file's" "$(stat -c '%d %i %s' "$T/bin/mysleep")" \
	"$(jq -r '"\(.dev) \(.ino) \(.size)"' <<<"$e")"
eq "exec: the same dev and ino as exe.stat" "$(jq -r '"\(.exe.stat.dev) \(.exe.stat.ino)"' "$P1")" \
	"$(jq -r '"\(.dev) \(.ino)"' <<<"$e")"
eq "exec: not deleted" false "$(jq -r .deleted <<<"$e")"
e=$(entry "$P1" "$T/lib/libexecmark.so")
eq "exec: the preloaded library is a lib entry" lib "$(jq -r .kind <<<"$e")"
eq "exec: the library's SHA-256 is sha256sum's" "$LIB_SHA" "$(jq -r .sha256 <<<"$e")"
libc=$(jq -r '.exec_files[] | select(.path | test("/libc[.]so")) | .path' "$P1" | head -n1)
check "exec: libc is listed" test -n "$libc"
eq "exec: libc's SHA-256 is sha256sum's" "$(sha256sum "$libc" | cut -c1-64)" \
	"$(jq -r --arg p "$libc" '.exec_files[] | select(.path == $p) | .sha256' "$P1")"
eq "exec: every entry of every process hashed" 0 \
	"$(cat "$S"/proc/{$p1,$p2,$p3}/process.json | jq -s '[.[].exec_files[] | select(.sha256 | not)] | length')"
eq "exec: each (dev, ino) once a process" \
	"$(jq '.exec_files | length' "$P1")" "$(jq '[.exec_files[] | "\(.dev) \(.ino)"] | unique | length' "$P1")"
eq "exec: the three processes run the same files" \
	"$(jq -c '[.exec_files[] | [.path, .sha256]]' "$P1")" \
	"$(jq -c '[.exec_files[] | [.path, .sha256]]' "$S/proc/$p3/process.json")"
# The cache: each distinct file read once, whichever process met it first.
distinct=$(cat "$S"/proc/*/process.json | jq -s '[.[].exec_files[] | "\(.dev) \(.ino)"] | unique | length')
bytes=$(cat "$S"/proc/*/process.json | jq -s '[.[].exec_files[] | {k: "\(.dev) \(.ino)", s: .size}] | unique_by(.k) | map(.s) | add')
eq "exec: summary counts each distinct file once" "$distinct 0" \
	"$(jq -r '"\(.exec_files_hashed) \(.exec_files_unhashed)"' "$S/summary.json")"
eq "exec: bytes read once a file, not once a process" "$bytes" "$(jq -r .exec_hash_bytes "$S/summary.json")"
eq "exec: host.json says the bound" 268435456 "$(jq -r .hash_max_size "$S/host.json")"

# snapread: the hashes in show, the user name beside the uid.
"$SNAPREAD" show "$A" "$p1" >"$T/show.txt"
eq "exec: show lists the executable with its hash" 1 \
	"$(grep -c "^  exe $SLEEP_SHA  $T/bin/mysleep\$" "$T/show.txt")"
eq "exec: show lists the library with its hash" 1 \
	"$(grep -c "^  lib $LIB_SHA  $T/lib/libexecmark.so\$" "$T/show.txt")"
eq "exec: show names the uid" 1 "$(grep -c '^  uid        0(root) 0(root) 0(root) 0(root)  ' "$T/show.txt")"
eq "exec: ps shows USER beside UID" "0 root" \
	"$("$SNAPREAD" ps --pid "$p1" "$A" | awk 'NR == 2 { print $3, $4 }')"
eq "exec: ps --user takes a name" 3 "$("$SNAPREAD" ps --user root "$A" | tail -n +2 | wc -l)"
eq "exec: ps --user: a name the snapshot lacks matches nothing" 1 \
	"$("$SNAPREAD" ps --user no-such-user "$A" | wc -l)"
eq "exec: ps --json keeps numbers" 0 "$("$SNAPREAD" ps --json --pid "$p1" "$A" | jq -r .euid)"
eq "exec: ps --json has exec_files as recorded" "$SLEEP_SHA" \
	"$("$SNAPREAD" ps --json --pid "$p1" "$A" | jq -r '.exec_files[0].sha256')"
eq "exec: the host's names are in the archive" "$(sha256sum /etc/passwd | cut -c1-64)" \
	"$(sha256sum "$S/host/etc/passwd" | cut -c1-64)"

# --- a name that now leads to another file: the mapped file is hashed ----
# In a mount namespace of its own, the program maps the library, then a
# bind mount puts another file over its name: the maps line still names
# it, /proc/PID/root/NAME is now the other file (another inode), so the
# capture must take the mapped file through map_files.
cp "$LIB" "$T/lib/covered.so"
printf 'not the library\n' >"$T/lib/cover"
COV_SHA=$(sha256sum "$T/lib/covered.so" | cut -c1-64)
unshare -m --propagation private bash -c '
	LD_PRELOAD="$1/lib/covered.so" "$1/bin/mysleep" 1000 &
	for _ in $(seq 1 200); do grep -q covered.so "/proc/$!/maps" 2>/dev/null && break; sleep 0.05; done
	mount --bind "$1/lib/cover" "$1/lib/covered.so" && echo "$!" >"$1/covered.pid"
	wait' _ "$T" &
HOLDER_PIDS+=("$!")
for _ in $(seq 1 200); do [ -s "$T/covered.pid" ] && break; sleep 0.05; done
pc=$(cat "$T/covered.pid" 2>/dev/null)
PIDS+=("$pc")
HOLDER_PIDS+=("$pc")
A=$(capture "$T/cv" --no-content -p "$pc")
S=$(extract "$A" "$T/cv/x")
e=$(entry "$S/proc/$pc/process.json" "$T/lib/covered.so")
eq "covered name: the mapped library, not what its name leads to now" \
	"$COV_SHA $(stat -c %i "$T/lib/covered.so")" "$(jq -r '"\(.sha256) \(.ino)"' <<<"$e")"
# Without hashing nothing is pinned: the listed file is the stat's alone.
A=$(capture "$T/cv2" --no-content --no-hash -p "$pc")
S=$(extract "$A" "$T/cv2/x")
eq "covered name, --no-hash: the mapped file's inode and size listed" \
	"$(stat -c '%i %s' "$T/lib/covered.so")" \
	"$(entry "$S/proc/$pc/process.json" "$T/lib/covered.so" | jq -r '"\(.ino) \(.size)"')"

# --- the bound: a small --hash-max-size ----------------------------------
A=$(capture "$T/c2" --no-content --hash-max-size 16K -p "$p1")
S=$(extract "$A" "$T/c2/x")
e=$(jq -c '.exec_files[0]' "$S/proc/$p1/process.json")
eq "bound: the executable over 16K is too-large" "too-large $(stat -c %s "$T/bin/mysleep")" \
	"$(jq -r '"\(.unhashed) \(.size)"' <<<"$e")"
eq "bound: with no sha256" null "$(jq -r .sha256 <<<"$e")"
small=$(jq -r '[.exec_files[] | select(.size <= 16384)] | length' "$S/proc/$p1/process.json")
eq "bound: the files under it are hashed, the others too-large" \
	"$small $(jq '[.exec_files[] | select(.size > 16384)] | length' "$S/proc/$p1/process.json")" \
	"$(jq -r '"\([.exec_files[] | select(.sha256)] | length) \([.exec_files[] | select(.unhashed == "too-large")] | length)"' "$S/proc/$p1/process.json")"
eq "bound: host.json says it" 16384 "$(jq -r .hash_max_size "$S/host.json")"
"$SNAPREAD" show "$A" "$p1" >"$T/show2.txt"
eq "bound: show says NOT HASHED and the size" 1 \
	"$(grep -c "^  exe NOT HASHED: too-large  *$T/bin/mysleep  \[$(stat -c %s "$T/bin/mysleep") bytes\]\$" "$T/show2.txt")"

# --- --no-hash --------------------------------------------------------------
A=$(capture "$T/c3" --no-content --no-hash -p "$p1")
S=$(extract "$A" "$T/c3/x")
eq "no-hash: every entry skipped, --no-hash" "skipped --no-hash" \
	"$(jq -r '[.exec_files[] | "\(.unhashed) \(.reason)"] | unique | join(",")' "$S/proc/$p1/process.json")"
eq "no-hash: the files are still listed" "$(entry "$T/c1/x/"*/proc/$p1/process.json "$T/lib/libexecmark.so" | jq -r .ino)" \
	"$(entry "$S/proc/$p1/process.json" "$T/lib/libexecmark.so" | jq -r .ino)"
eq "no-hash: nothing read" "0 0" "$(jq -r '"\(.exec_hash_bytes) \(.exec_files_hashed)"' "$S/summary.json")"
eq "no-hash: host.json hash_max_size 0" 0 "$(jq -r .hash_max_size "$S/host.json")"

# --- a deleted executable ----------------------------------------------------
cp /bin/sleep "$T/del/gone"
run pd "$T/del/gone" "$T/del/gone" 1000
rm -f "$T/del/gone"
A=$(capture "$T/c4" -p "$pd")
S=$(extract "$A" "$T/c4/x")
P="$S/proc/$pd/process.json"
e=$(jq -c '.exec_files[0]' "$P")
eq "deleted: the exe entry says deleted" "exe true" "$(jq -r '"\(.kind) \(.deleted)"' <<<"$e")"
eq "deleted: its name as the kernel gives it" "$T/del/gone (deleted)" "$(jq -r .path <<<"$e")"
eq "deleted: hashed" "$SLEEP_SHA" "$(jq -r .sha256 <<<"$e")"
eq "deleted: the same digest as the recovered bytes" "$SLEEP_SHA $SLEEP_SHA" \
	"$(jq -r .exe.content.sha256 "$P") $(jq -r .sha256 <<<"$e")"
eq "deleted: the recovered bytes are the program" "$SLEEP_SHA" \
	"$(sha256sum "$S/$(jq -r .exe.content.member "$P")" | cut -c1-64)"
A=$(capture "$T/c5" --no-content -p "$pd")
S=$(extract "$A" "$T/c5/x")
eq "deleted, --no-content: still hashed, through its pin" "$SLEEP_SHA true" \
	"$(jq -r '.exec_files[0] | "\(.sha256) \(.deleted)"' "$S/proc/$pd/process.json")"

# --- a watched library: the guard of touch.c -------------------------------
cp "$LIB" "$T/lib/watched.so"
W_SHA=$(sha256sum "$T/lib/watched.so" | cut -c1-64)
python3 -c '
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init()
# IN_ACCESS | IN_CLOSE_NOWRITE | IN_OPEN on the directory: its children'"'"'s reads.
if fd < 0 or libc.inotify_add_watch(fd, sys.argv[1].encode(), 0x1 | 0x10 | 0x20) < 0:
    sys.exit(1)
print("READY", os.getpid(), fd, flush=True)
time.sleep(1000)
' "$T/lib" >"$T/watcher.out" &
wp=$!
HOLDER_PIDS+=("$wp")
for _ in $(seq 1 100); do grep -q READY "$T/watcher.out" && break; sleep 0.05; done
wfd=$(awk '{ print $3 }' "$T/watcher.out")
run pw watched.so env LD_PRELOAD="$T/lib/watched.so" "$T/bin/mysleep" 1000
A=$(capture "$T/c6" --no-content --no-touch-watched -p "$pw")
S=$(extract "$A" "$T/c6/x")
e=$(entry "$S/proc/$pw/process.json" "$T/lib/watched.so")
eq "watched: --no-touch-watched leaves the library unread" skipped "$(jq -r .unhashed <<<"$e")"
eq "watched: the reason names the watcher" 1 \
	"$(jq -r .reason <<<"$e" | grep -c "^watched: pid $wp (fd $wfd, inotify on its directory)")"
eq "watched: its watcher recorded" "$wp" "$(jq -r '.watchers[0].pid' <<<"$e")"
eq "watched: summary.json touched names the file, not opened" "$T/lib/watched.so false" \
	"$(jq -r --arg p "$T/lib/watched.so" '.touched[] | select(.path == $p) | "\(.path) \(.opened)"' "$S/summary.json")"
eq "watched: the executable beside it is read (its directory is not watched)" "$SLEEP_SHA" \
	"$(jq -r '.exec_files[0].sha256' "$S/proc/$pw/process.json")"
mkdir -p "$T/c7"
A=$("$PROCSNAP" -o "$T/c7" --no-content -p "$wp" -p "$pw" 2>"$T/c7.err")
S=$(extract "$A" "$T/c7/x")
eq "watched: by default read, evidence first" "$W_SHA" \
	"$(entry "$S/proc/$pw/process.json" "$T/lib/watched.so" | jq -r .sha256)"
eq "watched: ... and the read recorded as seen" "$wp true" \
	"$(jq -r --arg p "$T/lib/watched.so" '.touched[] | select(.path == $p) | "\(.watchers[0].pid) \(.opened)"' "$S/summary.json")"
eq "watched: ... and said on stderr" 1 \
	"$(grep -c "SEEN: the read of $T/lib/watched.so (pid [0-9]*, to hash it) was visible to pid $wp" "$T/c7.err")"
eq "watched: counted as a watched read" 1 "$(jq -r '.watched_reads >= 1' "$S/summary.json" | grep -c true)"

# --- a library on a hung FUSE server: walked away from ---------------------
if [ -c /dev/fuse ]; then
	start_holder HX hungexec "$T" || fail "hung: holder starts" "see above"
	hp=$(field "$HX" pid); hf=$(field "$HX" file)
	mkdir -p "$T/c8"
	t0=$SECONDS
	# LeakSanitizer's exit check cannot stop a thread blocked in FUSE.
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" timeout 120 \
		"$PROCSNAP" -q --no-content --read-timeout 2 -o "$T/c8" -p "$hp" -p "$p1" >"$T/c8.path"
	eq "hung: procsnap completes" 0 "$?"
	took=$((SECONDS - t0))
	check "hung: within 60 s (took ${took}s)" test "$took" -le 60
	S=$(extract "$(cat "$T/c8.path")" "$T/c8/x")
	e=$(entry "$S/proc/$hp/process.json" "$hf")
	eq "hung: the hung file timed out" "timed-out ETIMEDOUT" "$(jq -r '"\(.unhashed) \(.errno)"' <<<"$e")"
	eq "hung: every other file of both processes hashed" 0 \
		"$(cat "$S/proc/$hp/process.json" "$S/proc/$p1/process.json" | jq -s --arg p "$hf" \
			'[.[].exec_files[] | select(.path != $p) | select(.sha256 | not)] | length')"
	stop_holder HX
else
	skip "hung" "no /dev/fuse"
fi

for p in "${PIDS[@]}" "$wp"; do kill "$p" 2>/dev/null; done
finish
