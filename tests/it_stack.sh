#!/usr/bin/env bash
# it_stack.sh: snapread stack on real captures of three simulated hosts.
# Each host is a pid, UTS and network namespace of its own (unshare), with
# its own hostname, running the same workload: a sleeper and a python3
# TCP listener on port 8080.  One host (bravo) also runs what an intruder
# would: a copy of sleep under another name in a hidden directory, and a
# python3 listener on port 4444.  Everything only bravo has must come out
# first, named as bravo's alone; what all three have, on 3 hosts; a second
# capture of alpha must not make alpha count twice.  Then the same
# captures with a host/etc/passwd added (as the capture of the triage
# issue stores it): users by name.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)

# --- usage -------------------------------------------------------------------
"$SNAPREAD" stack >/dev/null 2>"$T/e"
eq "stack: no operand exits 2" 2 "$?"
check "stack: and says so" grep -q "^snapread: stack: missing operand" "$T/e"
"$SNAPREAD" stack --by bogus x >/dev/null 2>"$T/e"
eq "stack: --by of an unknown kind exits 2" 2 "$?"
check "stack: and names it" grep -q "'bogus' is not one of exe" "$T/e"
"$SNAPREAD" stack --max-hosts 0 x >/dev/null 2>"$T/e"
eq "stack: --max-hosts 0 exits 2" 2 "$?"
"$SNAPREAD" stack - >/dev/null 2>"$T/e"
eq "stack: standard input exits 2" 2 "$?"
"$SNAPREAD" stack "$T/none" >/dev/null 2>"$T/e"
eq "stack: a missing path exits 2" 2 "$?"
check "stack: and names it" grep -q "$T/none" "$T/e"
mkdir -p "$T/empty"
"$SNAPREAD" stack "$T/empty" >/dev/null 2>"$T/e"
eq "stack: a directory without snapshots exits 2" 2 "$?"
check "stack: --help" "$SNAPREAD" stack --help

# --- the hosts -------------------------------------------------------------------
if ! need_root; then
	skip "stack hosts" "pid, UTS and network namespaces need root"
	finish; exit $?
fi
if ! unshare --pid --fork --mount-proc --uts --net true 2>/dev/null; then
	skip "stack hosts" "unshare --pid --uts --net does not work here"
	finish; exit $?
fi

H="$T/hosts"
mkdir -p "$H" "$T/.cache/upd"
# A copy of sleep with a byte more: the capture hashes what runs
# (exec_files), and stack keys executables by that hash; an exact copy
# would rightly stack with sleep itself.
cp /bin/sleep "$T/.cache/upd/kdevtmpd"
printf '\n' >>"$T/.cache/upd/kdevtmpd"
# The common listener and the planted one: the same interpreter, other code.
LISTEN='import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8080)); s.listen(); time.sleep(600)'
BACKDOOR='import socket, time
b = socket.socket(); b.bind(("0.0.0.0", 4444)); b.listen(); time.sleep(600)'

# host NAME [planted]: captures one simulated host into $H.  The name goes
# through the environment, not argv, so that every host's processes have
# the same command lines.  procsnap's own process is left out by stack;
# the namespace's shell, sleeper and listener are the same on every host.
host() {
	STACK_HOST=$1 STACK_PLANT=${2:-} STACK_PY=$PY STACK_LISTEN=$LISTEN STACK_BACKDOOR=$BACKDOOR \
	STACK_OUT=$H STACK_PROCSNAP=$PROCSNAP STACK_EVIL="$T/.cache/upd/kdevtmpd" \
	timeout 120 unshare --pid --fork --mount-proc --uts --net bash -c '
		hostname "$STACK_HOST" || exit 3
		ip link set lo up 2>/dev/null
		sleep 600 & s=$!
		"$STACK_PY" -c "$STACK_LISTEN" & l=$!
		b=""; e=""
		if [ -n "$STACK_PLANT" ]; then
			"$STACK_EVIL" 600 & e=$!
			"$STACK_PY" -c "$STACK_BACKDOOR" & b=$!
		fi
		for _ in $(seq 1 100); do
			if [ -z "$b" ]; then grep -q " 00000000:1F90 .* 0A " /proc/net/tcp && break
			else grep -q " 00000000:1F90 .* 0A " /proc/net/tcp && grep -q " 00000000:115C .* 0A " /proc/net/tcp && break
			fi
			sleep 0.1
		done
		"$STACK_PROCSNAP" -q --no-content -o "$STACK_OUT"; r=$?
		kill $s $l $b $e 2>/dev/null
		wait 2>/dev/null
		exit $r' >"$T/host.out" 2>"$T/host.err"
}
host alpha;        eq "stack: alpha captured" 0 "$?"
host bravo plant;  eq "stack: bravo captured (with the planted processes)" 0 "$?"
host charlie;      eq "stack: charlie captured" 0 "$?"
sleep 1            # a second of alpha: another archive name
host alpha;        eq "stack: alpha captured again" 0 "$?"
[ -s "$T/host.err" ] && echo "     (last capture said: $(head -c 300 "$T/host.err"))"
eq "stack: four archives" 4 "$(ls "$H" | grep -c '\.tar\.gz$')"
for a in "$H"/*.tar.gz; do
	eq "stack: $(basename "$a") names its host" 1 \
		"$(bsdtar -xOf "$a" '*/host.json' | jq -r .hostname | grep -cx 'alpha\|bravo\|charlie')"
done

"$SNAPREAD" stack "$H" >"$T/stack.txt" 2>"$T/stack.err"
eq "stack: exits 0" 0 "$?"
eq "stack: nothing on stderr" "" "$(cat "$T/stack.err")"
eq "stack: 4 snapshots of 3 hosts" "4 snapshots of 3 hosts" "$(head -n1 "$T/stack.txt" | cut -d';' -f1)"
first=$(grep -A1 '^HOSTS KIND' "$T/stack.txt" | tail -n1)
evil_sha=$(sha256sum "$T/.cache/upd/kdevtmpd" | cut -d' ' -f1)
case $first in
"    1 exe      $T/.cache/upd/kdevtmpd (kdevtmpd)  sha256 $evil_sha  on: bravo") ok "stack: the planted executable comes out first, on bravo alone" ;;
*) fail "stack: the planted executable comes out first, on bravo alone" "first line: '$first'" ;;
esac

"$SNAPREAD" stack --json "$H" >"$T/stack.jsonl"
eq "stack --json: exits 0" 0 "$?"
J="$T/stack.jsonl"
eq "stack --json: three hosts, alpha with two snapshots" "alpha 2 bravo 1 charlie 1" \
	"$(jq -r 'select(.kind == "host") | "\(.host) \(.snapshots)"' "$J" | xargs)"
eq "stack --json: no unreadable snapshot" 0 "$(jq -c 'select(.kind == "unreadable")' "$J" | wc -l)"
eq "stack --json: the first key is the planted executable, by its hash" \
	"exe 1 bravo sha256 $evil_sha $T/.cache/upd/kdevtmpd kdevtmpd" \
	"$(jq -r 'select(.kind != "host") | "\(.kind) \(.host_count) \(.hosts | join(",")) \(.by) \(.sha256) \(.paths // [] | join(",")) \(.names // [] | join(","))"' "$J" | head -n1)"
# Everything on one host is bravo's, and is what was planted there.
eq "stack --json: every key on one host is bravo's" "bravo" \
	"$(jq -r 'select(.kind != "host" and .host_count == 1) | .hosts[]' "$J" | sort -u | xargs)"
check "stack --json: the planted listener, port 4444, on bravo only" jq -se '
	map(select(.kind == "listen" and .port == 4444)) | length == 1 and .[0].host_count == 1
	and .[0].proto == "tcp" and (.[0].exe | test("python")) and .[0].addresses == ["0.0.0.0"]' "$J"
check "stack --json: the planted process's shape" jq -se '
	map(select(.kind == "process" and .name == "kdevtmpd")) | length == 1
	and (.[0].shape | length == 2 and (.[0] | endswith("/.cache/upd/kdevtmpd")) and .[1] == "#")
	and .[0].hosts == ["bravo"]' "$J"
check "stack --json: bash -> kdevtmpd, bravo's only" jq -se '
	map(select(.kind == "parent" and .child == "kdevtmpd")) | .[0].parent == "bash" and .[0].host_count == 1' "$J"
# What every host has counts 3, though alpha was captured twice.
check "stack --json: the common listener on all 3 hosts" jq -se '
	map(select(.kind == "listen" and .port == 8080)) | length == 1 and .[0].host_count == 3
	and .[0].hosts == ["alpha", "bravo", "charlie"]' "$J"
check "stack --json: sleep on all 3" jq -se '
	map(select(.kind == "process" and .name == "sleep")) | .[0].host_count == 3 and .[0].shape == ["sleep", "#"]' "$J"
check "stack --json: root on all 3, by name (the capture stores host/etc/passwd)" jq -se '
	map(select(.kind == "user")) | length == 1 and .[0].user == "root" and .[0].uids == [0] and .[0].host_count == 3' "$J"
check "stack --json: libraries by their hash (exec_files), none on more than 3 hosts" jq -se '
	map(select(.kind == "library")) | length > 0 and all(.by == "sha256" and (.sha256 | length) == 64 and .host_count <= 3)' "$J"
check "stack --json: procsnap itself is not counted" jq -se '
	map(select(.kind == "exe" and (.path // "" | endswith("/procsnap")))) | length == 0' "$J"
check "stack --json: rarest first" jq -se '
	map(select(.kind != "host") | .host_count) | . == sort' "$J"

# --max-hosts and --by
"$SNAPREAD" stack --max-hosts 1 --by exe,listen "$H" >"$T/m.txt"
eq "stack --max-hosts 1 --by exe,listen: the two planted ones" 2 "$(grep -c ' on: bravo$' "$T/m.txt")"
eq "stack --max-hosts 1 --by exe,listen: and nothing else" 2 "$(sed '1,/^HOSTS/d' "$T/m.txt" | wc -l)"
check "stack --max-hosts 1: listen line" grep -q '^    1 listen   tcp 4444 /.*python.* (python#) on 0.0.0.0  on: bravo$' "$T/m.txt"
"$SNAPREAD" stack --json --max-hosts 3 --by listen "$H" >"$T/m.jsonl"
check "stack --max-hosts 3: all three hosts named" jq -se '
	map(select(.kind == "listen" and .port == 8080)) | .[0].hosts == ["alpha", "bravo", "charlie"] and .[0].hosts_omitted == 0' "$T/m.jsonl"
eq "stack --threads 1: the same output" "$(cat "$T/stack.txt")" "$("$SNAPREAD" stack --threads 1 "$H")"

# An unreadable snapshot among them: named, the rest counted, exit 2.
cp "$ROOT/fixtures/hostile/not-tar.tar.gz" "$H/zz-broken.tar.gz"
"$SNAPREAD" stack --json "$H" >"$T/b.jsonl" 2>"$T/b.err"
eq "stack: an unreadable snapshot exits 2" 2 "$?"
check "stack: it is named on stderr" grep -q "zz-broken.tar.gz: not a snapshot archive" "$T/b.err"
check "stack --json: and in an unreadable record" jq -se '
	map(select(.kind == "unreadable")) | length == 1 and .[0].host == null and (.[0].path | endswith("zz-broken.tar.gz"))' "$T/b.jsonl"
eq "stack: the others still counted" 3 "$(jq -c 'select(.kind == "host")' "$T/b.jsonl" | wc -l)"
rm -f "$H/zz-broken.tar.gz"

# STACK_KEEP=DIR keeps the three hosts' snapshots.
[ -n "${STACK_KEEP:-}" ] && mkdir -p "$STACK_KEEP" && cp "$H"/*.tar.gz "$STACK_KEEP/"

# --- user names from host/etc/passwd -------------------------------------------------
# The captures store the host's own host/etc/passwd; each also gets a
# second one after host.json (manifest made anew) that names uid 0 again,
# as "responder": the first one read names a uid, so root stays root.
mkdir -p "$T/pw"
printf 'root:x:0:0:root:/root:/bin/bash\nresponder:x:0:0::/:/bin/sh\n' >"$T/passwd"
"$PY" - "$T/passwd" "$T/pw" "$H"/*.tar.gz <<'EOF'
import gzip, hashlib, io, os, sys, tarfile
tarfile.RECORDSIZE = tarfile.BLOCKSIZE  # no padding after the end blocks, as procsnap
pw, out, srcs = open(sys.argv[1], "rb").read(), sys.argv[2], sys.argv[3:]
for src in srcs:
    with tarfile.open(src) as t:
        items = [(m, t.extractfile(m).read()) for m in t]
    top = items[0][0].name.split("/")[0]
    man, dst = [], os.path.join(out, os.path.basename(src))
    with open(dst, "wb") as f, gzip.GzipFile(fileobj=f, mode="wb", compresslevel=1) as gz, \
         tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as w:
        def add(name, data, like):
            ti = tarfile.TarInfo(name); ti.size = len(data); ti.mode = like.mode; ti.mtime = like.mtime
            w.addfile(ti, io.BytesIO(data))
            if not name.endswith("/MANIFEST.sha256"):
                man.append("%s  %s\n" % (hashlib.sha256(data).hexdigest(), name.split("/", 1)[1]))
        for m, data in items:
            if m.name.endswith("/MANIFEST.sha256"):
                data = "".join(man).encode()
            add(m.name, data, m)
            if m.name.endswith("/host.json"):
                add(top + "/host/etc/passwd", pw, m)
EOF
eq "stack: snapshots with host/etc/passwd made" 4 "$(ls "$T/pw" | wc -l)"
"$SNAPREAD" stack --json --by user "$T/pw" >"$T/pw.jsonl" 2>"$T/pw.err"
eq "stack: they read (exit 0)" 0 "$?"
check "stack --json: root by name, uid 0, on 3 hosts" jq -se '
	map(select(.kind == "user")) | length == 1 and .[0].user == "root" and .[0].uids == [0] and .[0].host_count == 3' "$T/pw.jsonl"
check "stack: root (uid 0) in text" grep -q '^    3 user     root (uid 0)  on: alpha, bravo, charlie$' \
	<("$SNAPREAD" stack --by user "$T/pw")

finish
