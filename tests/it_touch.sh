#!/usr/bin/env bash
# it_touch.sh: what a capture disturbs (issue #20).  Real lease holders and
# inotify/fanotify watchers of deleted files, captured: a lease is never
# broken (no SIGIO, F_GETLEASE unchanged) unless --break-leases; a watcher
# is recorded, and sees nothing with --no-touch-watched; sparse files past
# 1,024 regions and deleted FIFOs, sockets, devices, directories.
. "$(dirname "$0")/lib.sh"

fdrec() { jq -c "select(.fd == $3)" "$1/proc/$2/fds.jsonl"; }
# snap NAME ARGS...: a capture with its summary on stderr ($T/NAME.err).
snap() {
	local n=$1; shift
	mkdir -p "$T/$n"
	A=$("$PROCSNAP" -o "$T/$n" "$@" 2>"$T/$n.err") || { S=; return 1; }
	S=$(extract "$A" "$T/$n/x")
}
# regions ARCHIVE: the data regions of its one content member's sparse map
# (GNU sparse 1.0, as Python's tarfile reads it; 0: not sparse).
regions() {
	python3 -c '
import sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    m = [x for x in t.getmembers() if "/content/" in x.name][0]
    print(len(m.sparse or []))' "$1"
}
shaof() { sha256sum "$1" | cut -c1-64; }
# line VAR PREFIX: the holder's output line beginning with PREFIX.
line() { local o="${1}_OUT"; grep "^$2 " "${!o}"; }

if ! need_root; then
	skip "touch" "lease and watcher holders, captured, need root"
	finish; exit $?
fi
SHM=$(mktemp -d /dev/shm/procsnap-it.XXXXXX)
trap 'cleanup; rm -rf "$SHM"' EXIT

# --- a WRITE lease: not opened, holder untouched ---------------------------
for where in "$T" "$SHM"; do
	fs=$([ "$where" = "$SHM" ] && echo tmpfs || echo disk)
	start_holder H lease "$where" 64K write
	pid=$(field "$H" pid); fd=$(field "$H" fd)
	eq "lease $fs: the holder has its WRITE lease" WRITE "$(field "$H" lease)"
	snap "lease-$fs" -p "$pid"
	rec=$(fdrec "$S" "$pid" "$fd")
	eq "lease $fs: content not read" skipped "$(jq -r .content.status <<<"$rec")"
	eq "lease $fs: no member" null "$(jq -r .content.member <<<"$rec")"
	eq "lease $fs: the reason names the holder" true \
		"$(jq -r .content.reason <<<"$rec" | grep -q "WRITE lease held by pid $pid" && echo true)"
	eq "lease $fs: the lease recorded (/proc/locks device matched)" "$pid WRITE ACTIVE" \
		"$(jq -r '.content.leases[0] | "\(.pid) \(.type) \(.state)"' <<<"$rec")"
	eq "lease $fs: counted" 1 "$(jq .leased "$S/summary.json")"
	eq "lease $fs: said on stderr" 1 "$(grep -c "not read: .*WRITE lease held by pid $pid" "$T/lease-$fs.err")"
	eq "lease $fs: snapread fds shows the lease" 1 \
		"$("$SNAPREAD" fds --pid "$pid" --deleted "$A" | grep -c "skipped .*\[lease WRITE ACTIVE held by pid $pid\]")"
	stop_holder H
	eq "lease $fs: no SIGIO, lease unchanged" "LEASE signals=0 lease=WRITE yielded=0" "$(line H LEASE)"
done

# --- --break-leases: read, and recorded as broken --------------------------
start_holder H lease "$SHM" 64K write
pid=$(field "$H" pid); fd=$(field "$H" fd); sha=$(field "$H" sha256)
snap break --break-leases -p "$pid"
rec=$(fdrec "$S" "$pid" "$fd")
eq "break-leases: captured" captured "$(jq -r .content.status <<<"$rec")"
eq "break-leases: the bytes" "$sha" "$(shaof "$S/$(jq -r .content.member <<<"$rec")")"
eq "break-leases: recorded as broken" true "$(jq -r .content.lease_broken <<<"$rec")"
eq "break-leases: counted" 1 "$(jq .leases_broken "$S/summary.json")"
eq "break-leases: said on stderr" 1 "$(grep -c "LEASE BROKEN: .*pid $pid fd $fd" "$T/break.err")"
eq "break-leases: host.json says so" true "$(jq .break_leases "$S/host.json")"
stop_holder H
eq "break-leases: the holder was signalled, and let go" "LEASE signals=1 lease=UNLCK yielded=1" "$(line H LEASE)"

# --- a READ lease: an open for reading does not break it -------------------
start_holder H lease "$T" 64K read
pid=$(field "$H" pid); fd=$(field "$H" fd); sha=$(field "$H" sha256)
snap read-lease -p "$pid"
rec=$(fdrec "$S" "$pid" "$fd")
eq "read lease: captured" "$sha" "$(jq -r .content.sha256 <<<"$rec")"
eq "read lease: recorded" "READ ACTIVE" "$(jq -r '.content.leases[0] | "\(.type) \(.state)"' <<<"$rec")"
eq "read lease: not counted as broken" null "$(jq -r .content.lease_broken <<<"$rec")"
stop_holder H
eq "read lease: no SIGIO, lease unchanged" "LEASE signals=0 lease=READ yielded=0" "$(line H LEASE)"

# --- a lease being broken by someone else: not opened (it would wait) ------
start_holder H lease "$SHM" 8K write-keep
pid=$(field "$H" pid); fd=$(field "$H" fd)
cat "/proc/$pid/fd/$fd" >/dev/null 2>&1 &
breaker=$!
for i in $(seq 1 100); do grep -q "BREAKING" /proc/locks && break; sleep 0.02; done
snap breaking -p "$pid"
rec=$(fdrec "$S" "$pid" "$fd")
eq "breaking lease: not opened" skipped "$(jq -r .content.status <<<"$rec")"
eq "breaking lease: recorded as breaking" BREAKING "$(jq -r '.content.leases[0].state' <<<"$rec")"
eq "breaking lease: the reason says so" true \
	"$(jq -r .content.reason <<<"$rec" | grep -q "is being broken" && echo true)"
kill "$breaker" 2>/dev/null; wait "$breaker" 2>/dev/null
stop_holder H
eq "breaking lease: one SIGIO only (the other opener's)" 1 "$(line H LEASE | sed -n 's/.*signals=\([0-9]*\).*/\1/p')"

# --- an inotify watcher met before the read (lower pid) --------------------
mkdir -p "$T/wb"
start_holder H watched "$T/wb" 16K before
pid=$(field "$H" pid); fd=$(field "$H" fd); w=$(field "$H" watcher); wfd=$(field "$H" wfd)
sha=$(field "$H" sha256)
snap before -p "$pid" -p "$w"
rec=$(fdrec "$S" "$pid" "$fd")
eq "watched before: still read (evidence first)" "$sha" "$(shaof "$S/$(jq -r .content.member <<<"$rec")")"
eq "watched before: the watcher on the fd record" "$w $wfd" "$(jq -r '.watchers[0] | "\(.pid) \(.fd)"' <<<"$rec")"
eq "watched before: the content names who saw the read" "$w $wfd file access,close_nowrite,open" \
	"$(jq -r '.content.watchers[0] | "\(.pid) \(.fd) \(.via) \(.events | sort | join(","))"' <<<"$rec")"
eq "watched before: known before the read" null "$(jq -r '.content.watchers[0].late' <<<"$rec")"
eq "watched before: the watcher's marks recorded" "$(jq -r .stat.ino <<<"$rec")" \
	"$(jq -r '.marks[0].ino' <<<"$(fdrec "$S" "$w" "$wfd")")"
eq "watched before: said on stderr" 1 "$(grep -c "SEEN: .*pid $pid fd $fd) was visible to pid $w (fd $wfd, inotify on its file)$" "$T/before.err")"
eq "watched before: counted" 1 "$(jq .watched_reads "$S/summary.json")"
eq "watched before: snapread fds names who saw the read" 1 \
	"$("$SNAPREAD" fds --deleted --pid "$pid" "$A" | grep -c "\[read seen by pid $w fd $wfd (inotify on its file: ")"
eq "watched before: fds --json too" "$w" \
	"$("$SNAPREAD" fds --json --deleted --pid "$pid" "$A" | jq -r '.content.watchers[0].pid')"
eq "watched before: show marks the watcher's fd" 1 \
	"$("$SNAPREAD" show "$A" "$w" | grep -c " ${wfd}[rwu]\? anon .*\[watches: 1 mark\]")"
stop_holder H
eq "watched before: the watcher did see it (recorded, not hidden)" true \
	"$([ "$(line H EVENTS | sed -n 's/.*open=\([0-9]*\).*/\1/p')" -ge 1 ] && echo true)"

# --- ... met after the read (higher pid): listed late, summary complete -----
mkdir -p "$T/wa"
start_holder H watched "$T/wa" 16K after
pid=$(field "$H" pid); fd=$(field "$H" fd); w=$(field "$H" watcher); wfd=$(field "$H" wfd)
snap after -p "$pid" -p "$w"
eq "watched after: in summary.json, late" "$pid $fd $w $wfd true" \
	"$(jq -r '.touched[0] | "\(.pid) \(.fd) \(.watchers[0].pid) \(.watchers[0].fd) \(.watchers[0].late)"' "$S/summary.json")"
eq "watched after: said on stderr, late" 1 "$(grep -c "SEEN: .*pid $pid fd $fd) was visible to pid $w (fd $wfd, inotify on its file), met after the read" "$T/after.err")"
stop_holder H

# --- --no-touch-watched: every process scanned first; nothing seen --------
mkdir -p "$T/wn"
start_holder H watched "$T/wn" 16K after
pid=$(field "$H" pid); fd=$(field "$H" fd); w=$(field "$H" watcher)
# Only the holder is captured: the watcher is found by the scan of every
# process.
snap nowatch --no-touch-watched -p "$pid"
rec=$(fdrec "$S" "$pid" "$fd")
eq "no-touch-watched: not read" skipped "$(jq -r .content.status <<<"$rec")"
eq "no-touch-watched: the reason names the watcher, not captured" true \
	"$(jq -r .content.reason <<<"$rec" | grep -q "watched: pid $w " && echo true)"
eq "no-touch-watched: every process scanned" true "$(jq .watchers_scanned "$S/host.json")"
eq "no-touch-watched: counted" 1 "$(jq .watched_skipped "$S/summary.json")"
stop_holder H
eq "no-touch-watched: the watcher saw nothing" "EVENTS n=0 open=0 access=0 close_nowrite=0" "$(line H EVENTS)"
# A watch on the directory sees its unlinked children read.
mkdir -p "$T/wd"
start_holder H watched "$T/wd" 16K dir
pid=$(field "$H" pid); fd=$(field "$H" fd); w=$(field "$H" watcher)
snap dirwatch -p "$pid" -p "$w"
eq "directory watch: recorded" "$w directory" \
	"$(jq -r '.content.watchers[0] | "\(.pid) \(.via)"' <<<"$(fdrec "$S" "$pid" "$fd")")"
stop_holder H
start_holder H watched "$T/wd" 16K dir
pid=$(field "$H" pid); fd=$(field "$H" fd)
snap dirnowatch --no-touch-watched -p "$pid"
eq "directory watch, no-touch-watched: not read" skipped \
	"$(jq -r .content.status <<<"$(fdrec "$S" "$pid" "$fd")")"
stop_holder H
eq "directory watch, no-touch-watched: the watcher saw nothing" "EVENTS n=0 open=0 access=0 close_nowrite=0" "$(line H EVENTS)"

# --- fanotify: inode, mount and file system marks --------------------------
mkdir -p "$T/fan"
start_holder H fanotify "$T/fan" 8K
pid=$(field "$H" pid); fd=$(field "$H" fd)
snap fan -p "$pid"
eq "fanotify: mount and file system marks reported once" "filesystem mount" \
	"$(jq -r '[.fanotify_marks[].on] | sort | join(" ")' "$S/summary.json")"
eq "fanotify: the mount mark is the file's mount" "$(jq -r .mnt_id <<<"$(fdrec "$S" "$pid" "$fd")")" \
	"$(jq -r '.fanotify_marks[] | select(.on == "mount") | .mnt_id' "$S/summary.json")"
# (The deleted file's entry: the holder's executable, hashed for
# exec_files, is on that mount too and its read is listed as well.)
eq "fanotify: who saw the read (the close_write-only mark did not)" "file mount" \
	"$(jq -r '[.touched[] | select(.member) | .watchers[].via] | sort | join(" ")' "$S/summary.json")"
eq "fanotify: the hashing of the executable on that mount seen by the mount mark" "mount" \
	"$(jq -r --arg e "$(readlink -f "$HOLDER")" '[.touched[] | select(.path == $e) | .watchers[].via] | join(" ")' "$S/summary.json")"
stop_holder H

# --- a process watching its own /proc files: it sees the capture -----------
start_holder H procwatch
pid=$(field "$H" pid); wfd=$(field "$H" wfd)
snap procwatch -p "$pid"
eq "procwatch: its /proc watches listed" "/proc/$pid /proc/$pid/status" \
	"$(jq -r '[.proc_watchers[] | select(.pid == '"$pid"') | .path] | sort | join(" ")' "$S/summary.json")"
eq "procwatch: said on stderr" 2 "$(grep -c "WATCHING /proc: pid $pid (fd $wfd, inotify) watches /proc/$pid" "$T/procwatch.err")"
stop_holder H
eq "procwatch: it did see the capture (recorded, not avoidable)" true \
	"$([ "$(line H EVENTS | sed -n 's/.*open=\([0-9]*\).*/\1/p')" -ge 1 ] && echo true)"

# --- more than 1,024 data regions ------------------------------------------
for where in "$T" "$SHM"; do
	fs=$([ "$where" = "$SHM" ] && echo tmpfs || echo disk)
	start_holder H fragmented "$where" 1500
	pid=$(field "$H" pid); fd=$(field "$H" fd); sha=$(field "$H" sha256)
	snap "frag-$fs" -p "$pid"
	rec=$(fdrec "$S" "$pid" "$fd")
	eq "1,500 regions $fs: the bytes are exact" "$sha" "$(shaof "$S/$(jq -r .content.member <<<"$rec")")"
	eq "1,500 regions $fs: all counted" "1500 $(field "$H" data)" "$(jq -r '.content | "\(.regions) \(.data)"' <<<"$rec")"
	eq "1,500 regions $fs: holes filled, said" true "$(jq '.content.holes_filled > 0 and .content.sparse' <<<"$rec")"
	n=$(regions "$A")
	eq "1,500 regions $fs: sparse, at most 1,024 regions in the member" true \
		"$([ "$n" -gt 1 ] && [ "$n" -le 1024 ] && echo true)"
	check "1,500 regions $fs: snapread verify" "$SNAPREAD" verify "$A"
	stop_holder H
done

# --- deleted FIFO, socket file, device node, directory ---------------------
mkdir -p "$T/sp"
start_holder H special "$T/sp"
pid=$(field "$H" pid)
snap special -p "$pid"
for k in fifo_fd:fifo sock_fd:socket chr_fd:chr dir_fd:dir; do
	fd=$(field "$H" "${k%%:*}")
	[ "$fd" = -1 ] && { skip "deleted ${k#*:}" "no device node (mknod refused)"; continue; }
	rec=$(fdrec "$S" "$pid" "$fd")
	eq "deleted ${k#*:}: deleted, its kind" "true ${k#*:}" "$(jq -r '"\(.deleted) \(.type)"' <<<"$rec")"
	eq "deleted ${k#*:}: never opened, no content" null "$(jq -r .content <<<"$rec")"
done
n=$(grep -c . <<<"$(for k in fifo_fd sock_fd chr_fd dir_fd; do [ "$(field "$H" $k)" != -1 ] && echo x; done)")
eq "deleted special: counted apart from regular files" "$n 0" \
	"$(jq -r '"\(.deleted_special_fds) \(.deleted_fds)"' "$S/proc/$pid/process.json")"
eq "deleted special: snapread fds --deleted lists them, no content" "$n" \
	"$("$SNAPREAD" fds --deleted --pid "$pid" "$A" | grep -c " del -  ")"
eq "deleted special: show counts them" 1 \
	"$("$SNAPREAD" show "$A" "$pid" | grep -c "^fds ([0-9]*, 0 deleted, $n deleted FIFOs, sockets, devices or directories)")"
"$SNAPREAD" extract -o "$T/special-x" --pid "$pid" "$A" >"$T/special-x.out" 2>&1
eq "deleted special: extract has nothing to say, nothing missing" "" \
	"$(grep -v '^$' "$T/special-x.out")"
stop_holder H
eq "deleted FIFO: its data untouched" "LEFT n=4096 sha256=$(field "$H" sha256)" "$(line H LEFT)"

finish
