#!/usr/bin/env bash
# it_faults.sh: output faults and interruptions give a clear message, a
# non-zero exit, and never leave a file under a final archive name.
. "$(dirname "$0")/lib.sh"

if ! need_root; then
	skip "faults" "need root (tmpfs mounts, reading other processes)"
	finish; exit $?
fi

# no_final DIR: no complete-looking archive and no partial left in DIR.
no_final() { [ -z "$(ls -A "$1" 2>/dev/null)" ]; }
# writing PID DIR: procsnap PID has its nameless archive file in DIR open
# (O_TMPFILE: its link reads "DIR/#INODE (deleted)").
writing() { ls -l "/proc/$1/fd" 2>/dev/null | grep -q -- "-> $2/#[0-9]* (deleted)"; }

out=$("$PROCSNAP" -q -o "$T/does-not-exist" 2>&1); rc=$?
eq "bad -o: exit 2" 2 "$rc"
eq "bad -o: says why" true "$(grep -q 'does-not-exist.*No such file' <<<"$out" && echo true)"
out=$("$PROCSNAP" --compress bzip2 2>&1); rc=$?
eq "bad --compress: exit 2" 2 "$rc"
out=$("$PROCSNAP" --max-file-size 12X 2>&1); rc=$?
eq "bad --max-file-size: exit 2" 2 "$rc"
out=$("$PROCSNAP" -p abc 2>&1); rc=$?
eq "bad -p: exit 2" 2 "$rc"

# A full disk: a tiny tmpfs as the output directory.
if mkdir -p "$T/tiny" && mount -t tmpfs -o size=64k tmpfs "$T/tiny" 2>/dev/null; then
	"$PROCSNAP" -q -o "$T/tiny" --compress none >/dev/null 2>"$T/tiny.err"; rc=$?
	eq "full disk: exit 2" 2 "$rc"
	check "full disk: nothing left behind" no_final "$T/tiny"
	eq "full disk: says why" true "$(grep -q 'No space left' "$T/tiny.err" && echo true)"
	# The same on a disk with a few KiB left: one process's archive fits
	# the page cache but not the disk.
	head -c $((60 << 10)) /dev/zero >"$T/tiny/filler" 2>/dev/null
	"$PROCSNAP" -q -p 1 -o "$T/tiny" >/dev/null 2>"$T/tiny1.err"; rc=$?
	rm -f "$T/tiny/filler"
	eq "full disk, one process: exit 2" 2 "$rc"
	check "full disk, one process: nothing left behind" no_final "$T/tiny"
	eq "full disk, one process: says why" true "$(grep -q 'No space left' "$T/tiny1.err" && echo true)"
	umount "$T/tiny"
else
	skip "full disk" "cannot mount a tmpfs here"
fi

# /dev/full behind -o -.
"$PROCSNAP" -q -o - >/dev/full 2>"$T/full.err"; rc=$?
eq "/dev/full: exit 2" 2 "$rc"
eq "/dev/full: says why" true "$(grep -q 'No space left' "$T/full.err" && echo true)"
# An archive small enough to be written only when it is closed (one
# process): the failed last write is still a failed capture.
for c in gzip none zstd; do
	"$PROCSNAP" -q -p 1 --compress "$c" -o - >/dev/full 2>"$T/full1.err"; rc=$?
	eq "/dev/full, one process, $c: exit 2" 2 "$rc"
	eq "/dev/full, one process, $c: says why" true \
		"$(grep -q 'No space left' "$T/full1.err" && echo true)"
done

# A reader that goes away: EPIPE, not a silent death by SIGPIPE.
start_holder H deleted "$T" 64M
pid=$(field "$H" pid)

"$PROCSNAP" -q -o - -p "$pid" --compress none 2>"$T/pipe.err" | head -c 1000 >/dev/null
rc=${PIPESTATUS[0]}
set +o pipefail
eq "closed pipe: exit 2" 2 "$rc"
eq "closed pipe: says why" true "$(grep -q 'Broken pipe' "$T/pipe.err" && echo true)"

# SIGINT / SIGTERM in the middle of recovering a large file.
for sig in INT TERM; do
	mkdir -p "$T/sig$sig"
	"$PROCSNAP" -q -o "$T/sig$sig" -p "$pid" --compress gzip >/dev/null 2>"$T/sig$sig.err" &
	cp=$!
	# Wait until the archive is being written, so the signal lands
	# mid-capture; it has no name meanwhile (O_TMPFILE).
	for i in $(seq 1 100); do writing "$cp" "$T/sig$sig" && break; sleep 0.02; done
	eq "SIG$sig: the archive being written has no name" "" "$(ls -A "$T/sig$sig")"
	kill -"$sig" "$cp"
	wait "$cp"; rc=$?
	eq "SIG$sig: non-zero exit" true "$([ "$rc" -ne 0 ] && echo true)"
	check "SIG$sig: no file left, final or partial" no_final "$T/sig$sig"
	eq "SIG$sig: says it was stopped" true "$(grep -q 'stopped by signal' "$T/sig$sig.err" && echo true)"
done
# SIGKILL cannot be caught: a named partial file would stay behind; the
# nameless one goes with the process.
mkdir -p "$T/sigKILL"
"$PROCSNAP" -q -o "$T/sigKILL" -p "$pid" --compress gzip >/dev/null 2>&1 &
cp=$!
for i in $(seq 1 100); do writing "$cp" "$T/sigKILL" && break; sleep 0.02; done
kill -KILL "$cp"; wait "$cp" 2>/dev/null
check "SIGKILL: nothing left behind" no_final "$T/sigKILL"
# Streaming interrupted: what reached stdout has no manifest.
"$PROCSNAP" -q -o - -p "$pid" --compress none >"$T/stream.tar" 2>/dev/null &
cp=$!
sleep 0.05; kill -TERM "$cp"; wait "$cp"; rc=$?
eq "SIGTERM stream: non-zero exit" true "$([ "$rc" -ne 0 ] && echo true)"
eq "SIGTERM stream: no manifest in what was written" 0 \
	"$( (tar tf "$T/stream.tar" 2>/dev/null || true) | grep -c MANIFEST)"
stop_holder H

finish
