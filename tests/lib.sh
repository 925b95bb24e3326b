# lib.sh: shared helpers for the integration tests (sourced by tests/it_*.sh).
# Each test file calls `check NAME CMD...` / `ok NAME` / `fail NAME WHY`,
# and ends with `finish`.  Results go to $RESULTS (one line per check).
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-build}
B="$ROOT/$BUILD"
# PROCSNAP from the environment runs the capture tests against another
# build of the program (make integration-static: procsnap-static).
PROCSNAP=${PROCSNAP:-$B/procsnap}
SNAPREAD_BIN="$B/snapread"
HOLDER="$B/holder"
RESULTS=${RESULTS:-/dev/null}
T=$(mktemp -d /tmp/procsnap-it.XXXXXX)
HOLDER_PIDS=()
HOLDER_FDS=()
_pass=0
_fail=0
_skip=0

# Every --json output of snapread is kept and, at finish, validated
# against the schema of its command (docs/schema/, tests/tools/
# schema_check.py): $SNAPREAD is a wrapper that tees the output of a run
# with --json into $JSON_OUT (COMMAND.XXXXXX), and passes everything else
# through untouched (exit status, stdin, stderr).
JSON_OUT="$T/json-out"
mkdir -p "$JSON_OUT" "$T/bin"
SNAPREAD="$T/bin/snapread"
cat >"$SNAPREAD" <<WRAPPER
#!/usr/bin/env bash
json=0 sum=
for a in "\$@"; do
	case \$a in
	--json) json=1 ;;
	--summary) sum=-summary ;;
	--count) sum=-count ;;
	--help|-h) json=0; break ;;
	esac
done
if [ "\$json" = 1 ] && [ -n "\${1:-}" ] && [ "\$1" != help ]; then
	f=\$(mktemp "$JSON_OUT/\$1\$sum.XXXXXX")
	"$SNAPREAD_BIN" "\$@" | tee "\$f"
	exit "\${PIPESTATUS[0]}"
fi
exec "$SNAPREAD_BIN" "\$@"
WRAPPER
chmod +x "$SNAPREAD"

# ppid_of PID: the parent of PID, from /proc/PID/stat (which, unlike
# cmdline, never waits on the process's memory lock); empty when gone.
ppid_of() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	s=${s##*) }
	set -- $s
	[ "$1" = Z ] || echo "$2"
}
# mine PID: PID is a live child of this shell (a holder not yet stopped),
# not a process that took a reaped holder's pid.
mine() { [ "$(ppid_of "$1")" = "$$" ]; }
# fuse_abort PID: aborts every FUSE connection mounted under $T in PID's
# mount namespace (the stuck holders' own): each request waiting on it
# ends at once, even one its server took, so nothing stays stuck in a
# FUSE read whatever way the test ends.  mountinfo never waits on a lock
# the stuck tasks hold; the bound is there all the same.
fuse_abort() {
	local dev c
	for dev in $(timeout 2 awk -v t="$T/" '$5 ~ "^" t && / - fuse / { print $3 }' \
		"/proc/$1/mountinfo" 2>/dev/null); do
		grep -q ' /sys/fs/fuse/connections fusectl ' /proc/self/mounts ||
			mount -t fusectl none /sys/fs/fuse/connections 2>/dev/null
		c=/sys/fs/fuse/connections/${dev#0:}/abort
		[ -e "$c" ] && timeout 2 sh -c "echo 1 >'$c'" 2>/dev/null
	done
}
# On every exit path: the FUSE connections of the holders still running
# aborted, each holder killed by its pid (TERM, then KILL after 10 s),
# reaped, and the temp dir removed.  A holder stopped already is not
# signalled: its pid may be another process's now.
cleanup() {
	local p live=() t=$((SECONDS + 10))
	for p in "${HOLDER_PIDS[@]:-}"; do
		[ -n "$p" ] && mine "$p" && live+=("$p")
	done
	for p in "${live[@]:-}"; do [ -n "$p" ] && fuse_abort "$p"; done
	for p in "${live[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done
	for p in "${live[@]:-}"; do
		[ -n "$p" ] || continue
		while mine "$p" && [ "$SECONDS" -lt "$t" ]; do sleep 0.1; done
		if mine "$p"; then
			kill -KILL "$p" 2>/dev/null
			sleep 0.2
		fi
		mine "$p" && echo "cleanup: holder $p did not die" >&2 || wait "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT

ok()   { _pass=$((_pass+1)); echo "ok   $1"; echo "pass $1" >>"$RESULTS"; }
fail() { _fail=$((_fail+1)); echo "FAIL $1: $2"; echo "fail $1" >>"$RESULTS"; }
skip() { _skip=$((_skip+1)); echo "skip $1: $2"; echo "skip $1" >>"$RESULTS"; }
# check NAME CMD...: passes when CMD exits 0.
check() { local n=$1; shift; if "$@" >/dev/null 2>&1; then ok "$n"; else fail "$n" "command failed: $*"; fi; }
# eq NAME EXPECTED ACTUAL
eq() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "expected '$2', got '$3'"; fi; }
need_root() { [ "$(id -u)" = 0 ]; }

# start_holder VAR MODE ARGS...: starts fixtures/holder with a pipe on its
# stdin, waits for its READY line and stores it in VAR; the holder runs until
# stop_holder closes the pipe.  Values: field VAR key.
start_holder() {
	local var=$1; shift
	local fifo_in="$T/holder.in.$RANDOM$RANDOM" out="$T/holder.out.$RANDOM$RANDOM"
	mkfifo "$fifo_in"
	# The new holder must not inherit the stdin pipes of earlier ones, or
	# they would never see EOF while it lives.
	local closes="" f
	for f in "${HOLDER_FDS[@]:-}"; do [ -n "$f" ] && closes+=" $f>&-"; done
	eval '"$HOLDER" "$@" <"$fifo_in" >"$out" 2>"$out.err"'"$closes"' &'
	local hp=$!
	HOLDER_PIDS+=("$hp")
	exec {fd}>"$fifo_in"
	HOLDER_FDS+=("$fd")
	eval "${var}_FD=$fd"
	eval "${var}_OUT=$out"
	eval "${var}_PID=$hp"
	# Generous: a sanitizer build on a loaded 2-core machine took 11 s to
	# write the 192 KiB of a 2 GiB sparse file.  A holder that died ends
	# the wait at once.
	local deadline=$((SECONDS + 120))
	while [ "$SECONDS" -lt "$deadline" ]; do
		if grep -q '^READY' "$out" 2>/dev/null; then
			eval "$var=\$(grep '^READY' \"$out\")"
			return 0
		fi
		kill -0 "$hp" 2>/dev/null || break
		sleep 0.05
	done
	echo "holder $* did not start: $(cat "$out.err")" >&2
	return 1
}
# stop_holder VAR: closes the holder's stdin and waits for it.
stop_holder() {
	local fdv="${1}_FD" pidv="${1}_PID"
	eval "exec ${!fdv}>&-"
	wait "${!pidv}" 2>/dev/null
}
# field "READY a=1 b=2" b -> 2
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p" | head -n1; }

# capture OUTDIR ARGS...: runs procsnap, prints the archive path.
capture() { local d=$1; shift; mkdir -p "$d"; "$PROCSNAP" -q -o "$d" "$@"; }
# extract ARCHIVE DIR: untars; prints the top directory.
extract() { mkdir -p "$2"; tar xf "$1" -C "$2" && ls -d "$2"/procsnap-*; }

# check_json_schema: every --json output of this test file validates.
check_json_schema() {
	local out
	[ -n "$(ls -A "$JSON_OUT" 2>/dev/null)" ] || return 0
	if ! python3 -c 'import jsonschema' 2>/dev/null; then
		fail "json schema" "python3-jsonschema is missing (make deps)"
		return
	fi
	if out=$(python3 "$ROOT/tests/tools/schema_check.py" "$ROOT/docs/schema" "$JSON_OUT" 2>&1); then
		ok "json schema: every --json output validates ($(tail -n1 <<<"$out"))"
	else
		fail "json schema: every --json output validates" "$(head -c 3000 <<<"$out")"
	fi
	# Which commands were seen, for integration.sh's check that all are.
	ls "$JSON_OUT" | sed 's/[.-].*//' | sort -u | sed 's/^/json /' >>"$RESULTS"
}

finish() {
	check_json_schema
	echo "$(basename "$0"): $_pass passed, $_fail failed, $_skip skipped"
	[ "$_fail" -eq 0 ]
}
