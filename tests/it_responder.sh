#!/usr/bin/env bash
# it_responder.sh: what a responder at a terminal sees (#12, the capture's
# half): a signal mid-copy ends the capture within 2 s; a status line on a
# terminal only; snapread verify and extract on a 1 GiB archive draw one
# too and stop as promptly; mistakes are one line and exit 2; denied is
# never clean.
# And the default gzip of an incompressible payload is a standard stream
# (#18): gzip -t and tar xzf accept it.
. "$(dirname "$0")/lib.sh"

if ! need_root; then
	skip "responder" "need root (reading the holders' fds, setpriv)"
	finish; exit $?
fi
PTY="$ROOT/tests/tools/pty_run.py"
GIB=1073741824

# now_ms: a monotonic-enough clock for bounds of seconds.
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# written PID: bytes the process has written so far (its archive is a
# nameless O_TMPFILE file, so there is no partial file to look at).
written() { awk '$1 == "wchar:" {print $2; f = 1} END {if (!f) print 0}' "/proc/$1/io" 2>/dev/null || echo 0; }
no_file_left() { [ -z "$(ls -A "$1" 2>/dev/null)" ]; }

# A cgroup with a CPU quota, for the one capture whose status line must be
# seen drawn several times while it copies: unthrottled, the sanitizer
# build once copied the 1 GiB in less than the 0.75 s the line needs to
# be drawn twice (first after 0.5 s, then every 0.25 s).  A quarter of
# one CPU makes the copy (over 2 CPU-seconds here: reading, hashing,
# writing 1 GiB) take several seconds on any machine, with no knob in
# procsnap.  cgroup v2 (cpu.max) where its cpu controller is
# enabled for children; else the cgroup v1 cpu controller
# (cpu.cfs_quota_us); else CAGE stays empty and the checks are skipped.
# Removed on every exit path, after killing (by pid) whatever is left in it.
CAGE=""
CAGE_QUOTA=25000 CAGE_PERIOD=100000
cage_make() {
	local fstype mnt opts d
	while read -r _ mnt fstype opts _; do
		d="$mnt/procsnap-it-responder.$$"
		if [ "$fstype" = cgroup2 ] &&
		   grep -qw cpu "$mnt/cgroup.subtree_control" 2>/dev/null &&
		   mkdir "$d" 2>/dev/null; then
			if echo "$CAGE_QUOTA $CAGE_PERIOD" >"$d/cpu.max" 2>/dev/null; then
				CAGE=$d; return 0
			fi
			rmdir "$d"
		elif [ "$fstype" = cgroup ] && [[ ",$opts," == *,cpu,* ]] &&
		     mkdir "$d" 2>/dev/null; then
			if echo "$CAGE_PERIOD" >"$d/cpu.cfs_period_us" 2>/dev/null &&
			   echo "$CAGE_QUOTA" >"$d/cpu.cfs_quota_us" 2>/dev/null; then
				CAGE=$d; return 0
			fi
			rmdir "$d"
		fi
	done </proc/self/mounts
	return 1
}
cage_remove() {
	local p t=$((SECONDS + 10))
	[ -n "$CAGE" ] && [ -d "$CAGE" ] || return 0
	for p in $(cat "$CAGE/cgroup.procs" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
	# (cgroup files have no size: read them.)
	while [ -n "$(cat "$CAGE/cgroup.procs" 2>/dev/null)" ] && [ "$SECONDS" -lt "$t" ]; do
		sleep 0.1
	done
	rmdir "$CAGE" || echo "cleanup: cgroup $CAGE not removed" >&2
}
trap 'cage_remove; cleanup' EXIT
# A signal ends the test through the EXIT trap too (a trapped signal also
# ends a `wait` at once: the caged capture is waited for that way).
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

start_holder BIG deleted "$T" 1G || { fail "responder: holder of 1 GiB starts" "see above"; finish; exit $?; }
pid=$(field "$BIG" pid); fd=$(field "$BIG" fd); sha=$(field "$BIG" sha256)

# --- a signal in the middle of copying 1 GiB: stopped within 2 s ----------------
for sig in INT TERM HUP; do
	d="$T/stop$sig"; mkdir -p "$d"
	"$PROCSNAP" -o "$d" -p "$pid" >"$d.out" 2>"$d.err" &
	cp=$!
	# Mid-copy: 64 MiB of the file are in the archive.
	deadline=$((SECONDS + 120))
	while [ "$(written "$cp")" -lt $((64 << 20)) ] && kill -0 "$cp" 2>/dev/null &&
	      [ "$SECONDS" -lt "$deadline" ]; do
		sleep 0.02
	done
	at=$(written "$cp")
	eq "SIG$sig mid-copy: the capture is running when signalled" yes \
		"$(kill -0 "$cp" 2>/dev/null && echo yes)"
	t0=$(now_ms)
	kill -"$sig" "$cp"
	wait "$cp"; rc=$?
	took=$(( $(now_ms) - t0 ))
	check "SIG$sig mid-copy: the signal came while copying ($at bytes written)" \
		test "$at" -ge $((64 << 20)) -a "$at" -lt "$GIB"
	eq "SIG$sig mid-copy: exit 2" 2 "$rc"
	check "SIG$sig mid-copy: stopped within 2 s of the signal (took $took ms)" test "$took" -le 2000
	check "SIG$sig mid-copy: no archive is left" no_file_left "$d"
	eq "SIG$sig mid-copy: acknowledged at once, once" 1 \
		"$(grep -c "^procsnap: SIG$sig received: stopping; no archive will be left$" "$d.err")"
	eq "SIG$sig mid-copy: the last line says it stopped" \
		"procsnap: stopped by signal $(kill -l "$sig") (SIG$sig); no archive left" "$(tail -n1 "$d.err")"
	# (Warnings about where procsnap runs, said at start, aside.)
	eq "SIG$sig mid-copy: two lines on stderr, nothing else" 2 \
		"$(grep -cv '^procsnap: \(WARNING\|note\):' "$d.err")"
	eq "SIG$sig mid-copy: no path on stdout" "" "$(cat "$d.out")"
done

# --- the status line: on a terminal it changes; elsewhere it is not drawn -------
mkdir -p "$T/tty"
# Throttled (the cgroup above) when it can be: its status line is looked at.
IN_CAGE=()
cage_make && IN_CAGE=(sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$CAGE")
python3 "$PTY" "$T/tty.screen" -- "${IN_CAGE[@]}" "$PROCSNAP" -p "$pid" -o "$T/tty" >"$T/tty.out" &
wait $!; rc=$?
eq "tty: capture exits 0" 0 "$rc"
# The lines drawn: each begins with \r and ends with erase-to-end-of-line.
tr '\r' '\n' <"$T/tty.screen" | sed -n 's/\x1b\[K$//p' | grep '^procsnap [0-9:]*: ' >"$T/tty.lines"
if [ -n "$CAGE" ]; then
	n=$(grep -c ' of 1\.0 GiB' "$T/tty.lines")
	check "tty: the status line is drawn (bytes of 1.0 GiB, $n times)" test "$n" -ge 2
	eq "tty: it changes while copying" true \
		"$([ "$(grep -o '[0-9.]* [KMG]iB of 1\.0 GiB' "$T/tty.lines" | sort -u | wc -l)" -ge 2 ] && echo true)"
	check "tty: it shows processes done of the total" grep -q '0/1 processes' "$T/tty.lines"
	check "tty: it names the file being copied, with its share and rate" \
		grep -qE "copying [0-9]+% at [0-9.]+ [KMG]iB/s: $T/victim.bin \(deleted\)" "$T/tty.lines"
	check "tty: it gives an estimate" grep -qE 'ETA [0-9]+:[0-9]{2}' "$T/tty.lines"
	check "tty: erased before the summary" grep -qa $'\r\x1b\\[Kprocsnap: 1 processes' "$T/tty.screen"
else
	skip "tty: the status line while copying" \
		"no cgroup with a CPU quota here (cgroup v2 cpu.max or v1 cpu.cfs_quota_us): unthrottled, the copy may end before the line is drawn twice"
fi
A=$(cat "$T/tty.out")
check "tty: the archive path is on stdout" test -f "$A"

# #18: the default gzip of 1 GiB of random bytes is a standard stream,
# about as large as the input (stored blocks), and reads back whole.
check "gzip: gzip -t accepts the archive" gzip -t "$A"
size=$(stat -c %s "$A")
check "gzip: incompressible data is stored, not inflated ($size bytes for 1 GiB)" \
	test "$size" -lt $((GIB + GIB / 500))
mkdir -p "$T/tty/x"
if tar xzf "$A" -C "$T/tty/x"; then
	ok "gzip: tar xzf accepts the archive"
	top=$(ls -d "$T"/tty/x/procsnap-*)
	check "gzip: the manifest verifies after tar xzf" bash -c "cd '$top' && sha256sum --quiet -c MANIFEST.sha256"
	m=$(jq -r "select(.fd == $fd) | .content.member" "$top/proc/$pid/fds.jsonl")
	eq "gzip: the recovered bytes are the file's" "$sha" "$(sha256sum "$top/$m" | cut -c1-64)"
else
	fail "gzip: tar xzf accepts the archive" "tar xzf failed"
fi

# --- snapread on that 1 GiB archive: a status line; a signal stops it at once ---
python3 "$PTY" "$T/verify.screen" -- "$SNAPREAD" verify "$A" >"$T/verify.out"; rc=$?
eq "snapread verify, tty: exit 0" 0 "$rc"
tr '\r' '\n' <"$T/verify.screen" | sed -n 's/\x1b\[K$//p' | grep '^snapread verify [0-9:]*: ' >"$T/verify.lines"
check "snapread verify, tty: the status line is drawn and changes ($(sort -u "$T/verify.lines" | wc -l) lines)" \
	test "$(grep -o '^snapread verify [0-9:]*: [0-9.]* [KMG]*i*B' "$T/verify.lines" | sort -u | wc -l)" -ge 2
check "snapread verify, tty: the bytes of the archive read, its share, rate and ETA" \
	grep -qE ' [KMG]iB of 1\.0 GiB \([0-9]+%\) at [0-9.]+ [KMG]iB/s, ETA [0-9]+:[0-9]{2}; [0-9]+ members' "$T/verify.lines"
check "snapread verify, tty: the member being read" grep -q '; reading content/' "$T/verify.lines"
check "snapread verify, tty: erased at the end" test "$(tail -c 4 "$T/verify.screen")" = $'\r\x1b[K'
check "snapread verify, tty: the verdict on stdout" grep -q '^verified: ' "$T/verify.out"
"$SNAPREAD" verify "$A" 2>"$T/vnotty.err" >/dev/null
eq "snapread verify, not a tty: no status line" 0 "$(tr -cd '\r\033' <"$T/vnotty.err" | wc -c)"
"$SNAPREAD" verify --progress "$A" 2>"$T/vforced.err" >/dev/null
check "snapread verify --progress: drawn into a file too" grep -q $'\rsnapread verify [0-9:]*: ' "$T/vforced.err"
"$SNAPREAD" extract --progress -o "$T/exprog" "$A" 2>"$T/exprog.err" >/dev/null; rc=$?
eq "snapread extract --progress: exit 0" 0 "$rc"
check "snapread extract --progress: its status line" \
	grep -qE $'\rsnapread extract [0-9:]*: [0-9.]+ [KMG]iB of 1\\.0 GiB' "$T/exprog.err"
rm -rf "$T/exprog"

# read PID: bytes the process has read so far.
read_bytes() { awk '$1 == "rchar:" {print $2; f = 1} END {if (!f) print 0}' "/proc/$1/io" 2>/dev/null || echo 0; }
for cmd in verify extract; do
	for sig in INT TERM; do
		d="$T/sn$cmd$sig"; mkdir -p "$d"
		if [ "$cmd" = verify ]; then
			"$SNAPREAD" verify "$A" >"$d.out" 2>"$d.err" &
		else
			"$SNAPREAD" extract -o "$d" "$A" >"$d.out" 2>"$d.err" &
		fi
		sp=$!
		deadline=$((SECONDS + 120))
		while [ "$(read_bytes "$sp")" -lt $((128 << 20)) ] && kill -0 "$sp" 2>/dev/null &&
		      [ "$SECONDS" -lt "$deadline" ]; do
			sleep 0.02
		done
		at=$(read_bytes "$sp")
		eq "snapread $cmd SIG$sig: running when signalled" yes "$(kill -0 "$sp" 2>/dev/null && echo yes)"
		t0=$(now_ms)
		kill -"$sig" "$sp"
		wait "$sp"; rc=$?
		took=$(( $(now_ms) - t0 ))
		check "snapread $cmd SIG$sig: signalled mid-archive ($at bytes read)" test "$at" -lt "$GIB"
		eq "snapread $cmd SIG$sig: exit 2" 2 "$rc"
		check "snapread $cmd SIG$sig: stopped within 1 s (took $took ms)" test "$took" -le 1000
		check "snapread $cmd SIG$sig: acknowledged at once" \
			grep -q "^snapread: $cmd: SIG$sig received: stopping" "$d.err"
		check "snapread $cmd SIG$sig: the last line says it stopped" \
			bash -c "tail -n1 '$d.err' | grep -q '^snapread: $cmd: .*: stopped by a signal'"
		eq "snapread $cmd SIG$sig: two lines on stderr" 2 "$(wc -l <"$d.err")"
		if [ "$cmd" = verify ]; then
			eq "snapread verify SIG$sig: no verdict, no hash on stdout" "" "$(cat "$d.out")"
		else
			eq "snapread extract SIG$sig: no partial file left" "" "$(find "$d" -type f)"
		fi
	done
done
rm -rf "$T/tty"

"$PROCSNAP" -p "$pid" --compress none -o - 2>"$T/notty.err" >/dev/null; rc=$?
eq "not a tty: capture exits 0" 0 "$rc"
eq "not a tty: no status line (no CR, no escape)" 0 "$(tr -cd '\r\033' <"$T/notty.err" | wc -c)"
"$PROCSNAP" -p "$pid" --compress none --progress -o - 2>"$T/forced.err" >/dev/null
check "--progress: drawn into a file too" grep -q $'\rprocsnap [0-9:]*: 0/1 processes' "$T/forced.err"
python3 "$PTY" "$T/quiet.screen" -- "$PROCSNAP" -q -p "$pid" --compress none -o - >/dev/null
eq "-q on a tty: nothing on the terminal" 0 "$(wc -c <"$T/quiet.screen")"
stop_holder BIG

# --- mistakes: one line, exit 2 --------------------------------------------------
nopid=$(cat /proc/sys/kernel/pid_max) # pids are below it
mkdir -p "$T/nop"
"$PROCSNAP" -o "$T/nop" -p "$nopid" >"$T/nop.out" 2>"$T/nop.err"; rc=$?
eq "-p of no process: exit 2" 2 "$rc"
eq "-p of no process: one line naming it" "procsnap: -p $nopid: no such process" "$(cat "$T/nop.err")"
check "-p of no process: no archive, no partial" no_file_left "$T/nop"
A=$("$PROCSNAP" -o "$T/nop" -p $$ -p "$nopid" 2>"$T/nop2.err"); rc=$?
eq "-p of one process and of none: exit 0" 0 "$rc"
check "-p of one process and of none: warns, naming it" \
	grep -qx "procsnap: warning: -p $nopid: no such process (recorded as vanished)" "$T/nop2.err"
eq "-p of one process and of none: the missing one is recorded vanished" true \
	"$(tar xOzf "$A" --wildcards "*/proc/$nopid/process.json" | jq -r .vanished)"
rm -rf "$T/nop"

while IFS='|' read -r args want; do
	# shellcheck disable=SC2086
	"$PROCSNAP" $args >/dev/null 2>"$T/use.err"; rc=$?
	eq "usage '$args': exit 2" 2 "$rc"
	eq "usage '$args': one line naming it, one Try line" \
		"procsnap: $want|Try 'procsnap --help'." "$(paste -sd'|' "$T/use.err")"
done <<'EOF'
--bogus|unknown option '--bogus'
-z|unknown option '-z'
--compress|option '--compress' needs an argument
--compress bzip2|--compress: 'bzip2' is not gzip, zstd or none
-p abc|-p: 'abc' is not a pid
--max-file-size 12X|--max-file-size: '12X' is not a size like 512M
--read-timeout 0|--read-timeout: '0' is not a number of seconds (0.001 to 86400)
-o /tmp extra|unexpected argument 'extra'
EOF

# --- not examined is never clean: as nobody, root's processes are denied --------
start_holder R deleted "$T" 4K
rpid=$(field "$R" pid)
chmod 755 "$T"; mkdir -p "$T/nob" && chmod 777 "$T/nob"
NA=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$PROCSNAP" -o "$T/nob" -p "$rpid" -p $$ \
	2>"$T/nob.err"); rc=$?
eq "nobody: capture exits 0" 0 "$rc"
check "nobody: the summary says 2 processes were not examined, denied" \
	grep -q '^procsnap: 2 processes not examined in full (2 denied): ' "$T/nob.err"
S=$(tar xOzf "$NA" --wildcards '*/summary.json')
eq "nobody: summary.json counts them" "2 2" "$(jq -r '"\(.processes_unexamined) \(.processes_unexamined_why.denied)"' <<<"$S")"
eq "nobody: snapread ps --json agrees on which are unexamined" 2 \
	"$("$SNAPREAD" ps --json "$NA" | jq -s '[.[] | select(.unexamined | length > 0)] | length')"
stop_holder R

finish
