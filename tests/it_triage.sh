#!/usr/bin/env bash
# it_triage.sh: snapread triage (#13) on real processes.  First an
# ordinary host (this machine, plus an idle python, a shell pipeline and a
# daemon whose library a package upgrade replaced) must give no high
# finding: the counts by severity are reported.  Then fixtures/planted.c
# and a python web server put real processes into every state a rule
# flags (a deleted executable in /tmp, a memfd executable, a kernel
# thread's name, a renamed process, a reverse shell, LD_PRELOAD, a process
# hidden by a bind mount over /proc/PID, a traced process, rwx and
# anonymous executable memory, a deleted library, a flagged listener, a
# shell under a web server, deleted ELF and #! payloads in /tmp and
# /dev/shm, a memfd holding an ELF, an executable in /tmp, one deleted
# outside /usr, LD_AUDIT and LD_LIBRARY_PATH, inotify tripwires on a deleted file and
# on one in /dev/shm); each rule must fire on its pid.  YARA
# and IOC matching run on recovered files whose bytes the test wrote; the
# kernel's taint and modules come from the fixed tree fixtures/proctree.
# Every process started is killed by its pid, every mount is made in a
# mount namespace of the test's own, every file removed, even on failure.
. "$(dirname "$0")/lib.sh"
PLANTED="$B/planted"

if ! need_root; then
	skip "triage" "capturing other processes, bind mounts and /usr/lib need root"
	finish; exit $?
fi
if ! command -v unshare >/dev/null || ! unshare -m true 2>/dev/null; then
	skip "triage" "no unshare -m here"
	finish; exit $?
fi

# What lives outside $T, removed whatever happens.
ULIB=$(mktemp -d /usr/lib/procsnap-triage.XXXXXX)
VLIB=$(mktemp -d /var/lib/procsnap-triage.XXXXXX)
SHM="/dev/shm/procsnap-triage.$$"
BG_PIDS=()
cleanup_triage() {
	local p
	for p in "${BG_PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done
	rm -rf "$ULIB" "$VLIB" "$SHM"
	cleanup
}
trap cleanup_triage EXIT
mkdir -p "$SHM"

# triage ARCHIVE ARGS...: snapread triage --json into $T/J (its exit in $T/J.rc).
J="$T/triage.jsonl"
triage_json() {
	local a=$1; shift
	"$SNAPREAD" triage --json "$@" "$a" >"$J" 2>"$T/J.err"
	echo $? >"$T/J.rc"
}
# pids RULE: the pids RULE's findings (not suppressed) name, sorted, one line.
pids() {
	jq -r --arg r "$1" 'select(.object == "finding" and .rule == $r and (.suppressed | not)) | .pid' \
		"$J" | sort -nu | tr '\n' ' ' | sed 's/ $//'
}
# fires NAME RULE PID...: RULE fired on exactly these pids.
fires() {
	local name=$1 rule=$2; shift 2
	eq "triage: $name: $rule on pid $*" "$(printf '%s\n' "$@" | sort -n | tr '\n' ' ' | sed 's/ $//')" \
		"$(pids "$rule")"
}
# has NAME JQ-CONDITION: some line of $J meets it.
has() {
	if jq -e -s "map(select($2)) | length > 0" "$J" >/dev/null; then
		ok "triage: $1"
	else
		fail "triage: $1" "no line of triage --json meets: $2"
		return 1
	fi
}

# ---- an ordinary host ------------------------------------------------------
# A shell pipeline, reading from this test: it ends when that is closed
# (started before the holders, so that it holds none of their stdins).
exec {PIPE_FD}> >(exec sh -c 'cat | sort | cat >/dev/null')
BG_PIDS+=($!)
# A daemon's library replaced as dpkg does it (a new file renamed over the
# old one): the daemon keeps the old one mapped, deleted.
LIBZ=$(ldconfig -p 2>/dev/null | awk '/libz\.so\.1 .*x86-64/ { print $NF; exit }')
[ -n "$LIBZ" ] || LIBZ=$(find /usr/lib /lib -name 'libz.so.1' 2>/dev/null | head -n1)
cp "$LIBZ" "$ULIB/libz.so.1"
HOLDER=python3 start_holder DAEMON -c '
import ctypes, os, sys
ctypes.CDLL(sys.argv[1])
print("READY pid=%d" % os.getpid(), flush=True)
sys.stdin.read()' "$ULIB/libz.so.1" || fail "triage: ordinary: the daemon starts" "see above"
cp "$LIBZ" "$ULIB/libz.so.1.dpkg-new" && mv -f "$ULIB/libz.so.1.dpkg-new" "$ULIB/libz.so.1"
daemon=$(field "$DAEMON" pid)
HOLDER=python3 start_holder IDLE -c '
import os, sys
print("READY pid=%d" % os.getpid(), flush=True)
sys.stdin.read()' || fail "triage: ordinary: python starts" "see above"
sleep 0.5
# Other sessions work on this machine too, and plant what triage must
# flag: their tests' fixtures, their experiments, and processes a capture
# cannot finish reading (a killed capture left a zombie whose last thread
# waits for ever on a FUSE file system that never answers: procsnap has no
# timeout on that yet, and hangs on it).  The capture takes this
# machine's processes but zombies (nothing left to triage) and those
# started by another session: a process is another session's when it, or
# an ancestor short of this test, runs from (or in) /work, /tmp, /var/tmp
# or /dev/shm, where the sessions work.  Chosen from /proc's stat, exe and
# cwd, which never wait on a process (its cmdline would).  After the
# capture, the same question is asked again of the records with argv.
python3 - "$$" >"$T/ord.pids" <<'PY'
import os, re, sys
me = int(sys.argv[1])
work = re.compile(r"^/(work|tmp|var/tmp|dev/shm)/")
procs = {}
for d in os.listdir("/proc"):
    if not d.isdigit():
        continue
    try:
        fields = open("/proc/%s/stat" % d).read().rsplit(")", 1)[1].split()
        state, ppid = fields[0], int(fields[1])
    except (OSError, ValueError, IndexError):
        continue
    if state in ("Z", "X"):
        continue
    links = []
    for n in ("exe", "cwd"):
        try:
            links.append(os.readlink("/proc/%s/%s" % (d, n)))
        except OSError:
            links.append("")
    procs[int(d)] = (ppid, any(work.search(l) for l in links))
mine_up, q = set(), me
while q in procs and q not in mine_up:
    mine_up.add(q)
    q = procs[q][0]
# Another session's: not this test or its ancestors, not below this test,
# and marked itself or below a marked process that is not this test's
# ancestor (those run where this test runs, in /work).
def other(pid):
    chain, seen = [], set()
    if pid in mine_up:
        return False
    while pid in procs and pid not in seen:
        seen.add(pid)
        if pid == me:
            return False
        if pid not in mine_up:
            chain.append(procs[pid][1])
        pid = procs[pid][0]
    return any(chain)
print(" ".join("-p %d" % p for p in sorted(procs) if not other(p)))
PY
# Other sessions' tests hold deleted files of gigabytes: their first MiB
# is all the rules read (the first bytes), and it keeps the archive small.
mkdir -p "$T/ord"
# shellcheck disable=SC2046
timeout -k 10 600 "$PROCSNAP" -q -o "$T/ord" --read-timeout 2 --max-file-size 1M \
	$(cat "$T/ord.pids") >"$T/ord.path" 2>"$T/ord.err"
rc=$?
eq "triage: ordinary: the capture succeeds" 0 "$rc"
[ "$rc" = 0 ] || head -c 2000 "$T/ord.err"
ORD=$(cat "$T/ord.path")
# This machine is a VM whose session tooling runs its helpers from sealed
# memfds: fileless, as exe-fileless says.  A site lists what it knows in
# an allowlist of its own; so does this test (tests/triage-site.allow).
triage_json "$ORD" --all --allow "$ROOT/tests/triage-site.allow"
rc=$(cat "$T/J.rc")
check "triage: ordinary: exit 0 or 1" test "$rc" = 0 -o "$rc" = 1
# The same question of the records, with their command lines: a process
# not started by this test is left out of the count (and counted apart)
# when it or an ancestor is another session's command (a `bash /dev/fd/N`
# of the session tooling), a tests/it_*.sh, bench or integration run, a
# program of a procsnap build tree, or runs from (or in) /work, /tmp,
# /var/tmp or /dev/shm.  This test's own processes stay in.
"$SNAPREAD" ps --json "$ORD" >"$T/ord.ps"
python3 - "$T/ord.ps" "$$" "$J" >"$T/ord.count" <<'PY'
import json, re, sys
procs = {}
for line in open(sys.argv[1]):
    p = json.loads(line)
    procs[p["pid"]] = p
me = int(sys.argv[2])
test = re.compile(r"tests/(it_[a-z_]+\.sh|integration\.sh|bench/)|/build[a-z-]*/(holder|planted|stress|fakeproc|procsnap|snapread)\b|procsnap-it\.|^bash /dev/fd/[0-9]+$")
work = re.compile(r"^/(work|tmp|var/tmp|dev/shm)/")
def marked(p):
    argv = " ".join(p.get("argv") or [])
    exe = (p.get("exe") or {}).get("target") or ""
    cwd = (p.get("cwd") or {}).get("target") or ""
    return bool(test.search(argv) or test.search(exe) or work.search(exe) or work.search(cwd))
mine_up = set()
q = me
while q in procs and q not in mine_up:
    mine_up.add(q)
    q = procs[q].get("ppid")
def other(pid):
    chain, seen = [], set()
    if pid in mine_up:
        return False
    while pid in procs and pid not in seen:
        seen.add(pid)
        if pid == me:
            return False
        if pid not in mine_up:
            chain.append(procs[pid])
        pid = procs[pid].get("ppid")
    return any(marked(p) for p in chain)
excluded = {pid for pid in procs if other(pid)}
count = {"high": 0, "medium": 0, "low": 0}
allc = dict(count)
supp = 0
lines, rules = [], {}
for line in open(sys.argv[3]):
    f = json.loads(line)
    if f["object"] != "finding":
        continue
    if f.get("suppressed"):
        if f["pid"] not in excluded:
            supp += 1
            k = "%s (suppressed)" % f["rule"]
            rules[k] = rules.get(k, 0) + 1
        continue
    allc[f["severity"]] += 1
    if f["pid"] in excluded:
        continue
    count[f["severity"]] += 1
    k = "%s %s" % (f["severity"], f["rule"])
    rules[k] = rules.get(k, 0) + 1
    lines.append("%s %s pid %s %s: %s" % (f["severity"], f["rule"], f["pid"], f.get("command"),
                                          f["what"]))
print("%d %d %d %d %d %d %d %d %d" % (count["high"], count["medium"], count["low"], supp,
      len(procs) - len(excluded), len(excluded), allc["high"], allc["medium"], allc["low"]))
print("by rule: " + (", ".join("%s: %d" % kv for kv in sorted(rules.items())) or "none"))
for h in sorted(lines):
    print(h)
PY
read -r o_high o_med o_low o_supp o_procs o_excl a_high a_med a_low <"$T/ord.count"
echo "     ordinary host: $o_procs processes: $o_high high, $o_med medium, $o_low low," \
	"$o_supp suppressed by the allowlist ($o_excl processes of other tests left out:" \
	"$a_high high, $a_med medium, $a_low low with them)"
eq "triage: ordinary host: no high finding ($o_med medium, $o_low low, $o_supp suppressed)" \
	0 "$o_high"
sed -n 2p "$T/ord.count" | sed 's/^/     ordinary host: /'
[ "$o_high" = 0 ] || tail -n +3 "$T/ord.count" | grep '^high ' | head -20
has "ordinary: the daemon's upgraded library is suppressed by the allowlist" \
	".object == \"finding\" and .rule == \"deleted-lib-exec\" and .pid == $daemon and .suppressed and (.allowed_by | startswith(\"built-in:\"))" ||
	jq -c "select(.pid == $daemon)" "$J" | head -c 2000
eq "triage: ordinary: --fail-on none exits 0" 0 \
	"$("$SNAPREAD" triage --fail-on none "$ORD" >/dev/null 2>&1; echo $?)"
stop_holder DAEMON
stop_holder IDLE
exec {PIPE_FD}>&-

# ---- planted states --------------------------------------------------------
start_p() { HOLDER="$PLANTED" start_holder "$@" || fail "triage: planted $2 starts" "see above"; }
start_p DEXE deleted-exe "$T"; dexe=$(field "$DEXE" pid)
start_p MEMX memfd-exec; memx=$(field "$MEMX" pid)
start_p KW kworker; kw=$(field "$KW" pid); kwport=$(field "$KW" port); kwfd=$(field "$KW" fd)
start_p REN rename sshd; ren=$(field "$REN" pid)
start_p PRE preload; pre=$(field "$PRE" pid)
start_p TR traced; traced=$(field "$TR" pid); tracer=$(field "$TR" tracer)
start_p INJ inject; inj=$(field "$INJ" pid)
start_p DLIB deleted-lib "$T"; dlib=$(field "$DLIB" pid)
start_p REV revshell; rev=$(field "$REV" pid)
start_p MELF memfd-elf; melf=$(field "$MELF" pid); melffd=$(field "$MELF" fd)
start_p HID hold; hid=$(field "$HID" pid)
# An executable run from /tmp (not deleted); one deleted outside the
# staging directories and outside /usr (where the allowlist takes it for
# a package upgrade); LD_AUDIT and
# LD_LIBRARY_PATH in an environment (files that do not exist: the loader
# says so and loads nothing).
cp "$PLANTED" "$T/stagedprog"
HOLDER="$T/stagedprog" start_holder STG hold || fail "triage: planted from /tmp starts" "see above"
stg=$(field "$STG" pid)
cp "$PLANTED" "$VLIB/oldprog"
HOLDER="$VLIB/oldprog" start_holder ODEL hold --unlink "$VLIB/oldprog" ||
	fail "triage: planted deleted outside /tmp starts" "see above"
odel=$(field "$ODEL" pid)
HOLDER=env start_holder AUD LD_AUDIT=/nonexistent-procsnap-planted/audit.so \
	LD_LIBRARY_PATH=/nonexistent-procsnap-planted "$PLANTED" hold ||
	fail "triage: planted with LD_AUDIT starts" "see above"
aud=$(field "$AUD" pid)
# The payloads: bytes the test writes, an ELF and a script in /tmp, a
# script in /dev/shm; the marker is what YARA and the IOC list look for.
MARK="procsnap-triage-marker-$$-$RANDOM$RANDOM"
cp "$PLANTED" "$T/dropped.elf"
printf '#!/bin/sh\n# %s\nexec sleep 1\n' "$MARK" >"$T/stage.sh"
printf '#!/bin/sh\necho staged\n' >"$SHM/run.sh"
head -c 5000 /dev/urandom >"$T/blob.bin"; printf '%s' "$MARK" >>"$T/blob.bin"
blob_sha=$(sha256sum "$T/blob.bin" | cut -d' ' -f1)
elf_sha=$(sha256sum "$PLANTED" | cut -d' ' -f1)
start_p DROP hold-files "$T/dropped.elf" "$T/stage.sh" "$SHM/run.sh" "$T/blob.bin"
drop=$(field "$DROP" pid)
IFS=, read -r fd_elf fd_sh fd_shm fd_blob <<<"$(field "$DROP" fds)"
# Tripwires (#20): a process watching its own dropped file (deleted) and
# a file it keeps in /dev/shm; and a deleted file's holder watched by
# another process met after it in pid order (fixtures/holder.c watched).
printf 'tripwire\n' >"$T/trip.bin"
printf 'live\n' >"$SHM/live.txt"
start_p WAT watch-files "$T/trip.bin" --keep "$SHM/live.txt"
wat=$(field "$WAT" pid); watin=$(field "$WAT" inotify)
mkdir -p "$T/wd"
HOLDER="$B/holder" start_holder WD watched "$T/wd" 16K after || fail "triage: the watched holder starts" "see above"
wdh=$(field "$WD" pid); wdw=$(field "$WD" watcher); wdwfd=$(field "$WD" wfd)
# A web server that runs a shell.
HOLDER=python3 start_holder SVC -c '
import http.server, os, subprocess, sys
srv = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
sh = subprocess.Popen(["/bin/sh"], stdin=subprocess.PIPE)
print("READY pid=%d server=%d port=%d" % (sh.pid, os.getpid(), srv.server_port), flush=True)
sys.stdin.read()
sh.stdin.close()
sh.wait()' || fail "triage: the web server starts" "see above"
svc_sh=$(field "$SVC" pid); svc=$(field "$SVC" server)

# One capture of them all, the hidden one behind a bind mount over its
# /proc/PID in a mount namespace of the test's own (it_hidden.sh).
mkdir -p "$T/empty" "$T/planted"
plist=()
for p in "$dexe" "$memx" "$kw" "$ren" "$pre" "$traced" "$tracer" "$inj" "$dlib" "$rev" "$melf" \
	"$hid" "$drop" "$svc_sh" "$svc" "$wat" "$wdh" "$wdw" "$stg" "$odel" "$aud"; do
	plist+=(-p "$p")
done
unshare -m --propagation private bash -c '
	h=$1 T=$2 P=$3; shift 3
	trap "umount -l /proc/$h 2>/dev/null" EXIT
	mount --bind "$T/empty" "/proc/$h" || exit 3
	"$P" -q -o "$T/planted" "$@" >"$T/planted.path" 2>"$T/planted.err"
' _ "$hid" "$T" "$PROCSNAP" "${plist[@]}"
eq "triage: planted: captured (the mount made, in a namespace of its own)" 0 "$?"
PL=$(cat "$T/planted.path")
check "triage: planted: nothing mounted on /proc/HID here" test -n "$(ls -A "/proc/$hid")"

triage_json "$PL"
eq "triage: planted: exit 1 (high findings)" 1 "$(cat "$T/J.rc")"
fires "deleted exe in /tmp" exe-deleted-staging "$dexe"
has "the deleted exe's recovered bytes are the evidence" \
	".rule == \"exe-deleted-staging\" and .pid == $dexe and .evidence.sha256 == \"$elf_sha\" and (.evidence.member | startswith(\"content/\"))"
fires "memfd executable" exe-fileless "$memx"
fires "[kworker] on a user process" kthread-impostor "$kw"
has "name != exe name" ".rule == \"name-mismatch\" and .pid == $ren and .command == \"sshd\""
fires "a shell with a socket on fd 0-2" reverse-shell "$rev"
has "the reverse shell's socket is the evidence" \
	".rule == \"reverse-shell\" and .pid == $rev and .fd == 0 and .evidence.socket.state == \"ESTABLISHED\""
fires "LD_PRELOAD or LD_AUDIT in environ" ld-preload-env "$pre" "$aud"
has "LD_AUDIT named" ".rule == \"ld-preload-env\" and .pid == $aud and (.what | test(\"LD_AUDIT=/nonexistent-procsnap-planted/audit.so\"))"
fires "LD_LIBRARY_PATH in environ" ld-library-path "$aud"
# (python3 may run from a hidden directory here, ~/.pyenv: exe-staging too.)
has "an executable run from /tmp: exe-staging" ".rule == \"exe-staging\" and .pid == $stg and .severity == \"medium\""
fires "an executable deleted outside the staging directories" exe-deleted "$odel"
fires "hidden by a bind mount" hidden-process "$hid"
fires "traced by a tracer that is no debugger" traced "$traced"
has "the tracer named" ".rule == \"traced\" and .pid == $traced and .tracer == $tracer and .severity == \"high\""
fires "rwx anonymous mapping" wx-mapping "$inj"
fires "executable anonymous mapping" anon-exec "$inj"
fires "deleted library mapped executable" deleted-lib-exec "$dlib"
# (A process flagged medium holds a listener too: the web server, when its
# python runs from a hidden directory such as ~/.pyenv; that one is medium.)
eq "triage: a listener held by a process flagged high: listener-flagged on pid $kw" "$kw" \
	"$(jq -r 'select(.rule == "listener-flagged" and .severity == "high") | .pid' "$J" | sort -nu | tr '\n' ' ' | sed 's/ $//')"
has "the flagged listener's fd and port" \
	".rule == \"listener-flagged\" and .pid == $kw and .fd == $kwfd and (.evidence.socket.local | endswith(\":$kwport\"))"
fires "a shell whose parent serves the web" shell-from-service "$svc_sh"
has "the web server named as the parent" ".rule == \"shell-from-service\" and .parent == $svc"
fires "deleted ELF and #! files in /tmp and /dev/shm" payload-tmp "$drop"
eq "triage: payload-tmp: the ELF, the script and /dev/shm's, not the blob" \
	"$fd_elf $fd_sh $fd_shm" \
	"$(jq -r "select(.rule == \"payload-tmp\" and .pid == $drop) | .fd" "$J" | sort -n | tr '\n' ' ' | sed 's/ $//')"
fires "a memfd holding an ELF" memfd-elf "$melf"
fires "inotify watches on a deleted file or one in /dev/shm" watch-tripwire "$wat" "$wdw"
has "watch-tripwire: its own deleted file, high, the inotify fd and the recovered bytes" \
	".rule == \"watch-tripwire\" and .pid == $wat and .fd == $watin and .severity == \"high\" and .evidence.path == \"$T/trip.bin (deleted)\" and (.evidence.member | startswith(\"content/\"))"
has "watch-tripwire: a file kept in /dev/shm, medium" \
	".rule == \"watch-tripwire\" and .pid == $wat and .severity == \"medium\" and .evidence.path == \"$SHM/live.txt\""
has "watch-tripwire: another process's deleted file, the holder named" \
	".rule == \"watch-tripwire\" and .pid == $wdw and .fd == $wdwfd and .severity == \"high\" and (.what | test(\"held by pid $wdh as fd\"))"
# What no fixture should trip.
eq "triage: planted: no ld.so.preload, no taint here" "" \
	"$(jq -r 'select(.object == "finding" and .pid == null) | .rule' "$J")"

# Text: sorted by severity; filters; the exit status follows --fail-on.
"$SNAPREAD" triage "$PL" >"$T/text" 2>&1
check "triage: text: severities never rise down the list" \
	bash -c "awk '/^(high|medium|low) / { r = \$1 == \"high\" ? 3 : \$1 == \"medium\" ? 2 : 1;
		if (p && r > p) exit 1; p = r }' '$T/text'"
check "triage: text: the reverse shell's line" \
	grep -qE "^high +T1059\.004 +reverse-shell +$rev sh " "$T/text"
eq "triage: --min-severity high: no medium line" 0 \
	"$("$SNAPREAD" triage --min-severity high "$PL" | grep -c '^medium ')"
eq "triage: --fail-on none: exit 0" 0 "$("$SNAPREAD" triage --fail-on none "$PL" >/dev/null; echo $?)"
eq "triage: --min-severity bogus: exit 2, one line and a Try" "2 2" \
	"$("$SNAPREAD" triage --min-severity bogus "$PL" >/dev/null 2>"$T/e"; echo "$? $(wc -l <"$T/e")")"

# An allowlist of one's own: the renamed process is known here.
printf '# ours\nname-mismatch comm=sshd exe=%s  # a test\n' "$PLANTED" >"$T/allow.conf"
triage_json "$PL" --all --allow "$T/allow.conf"
has "--allow: the renamed process suppressed, with its entry" \
	".rule == \"name-mismatch\" and .pid == $ren and .suppressed and .allowed_by == \"$T/allow.conf:2\""
eq "triage: --allow: suppressed findings are not listed without --all" 0 \
	"$("$SNAPREAD" triage --allow "$T/allow.conf" "$PL" | grep -cE "name-mismatch +$ren sshd ")"
check "triage: --all lists them, saying which entry" \
	bash -c "'$SNAPREAD' triage --all --allow '$T/allow.conf' '$PL' | grep -q 'suppressed by $T/allow.conf:2'"
printf 'no-such-rule exe=/x\n' >"$T/bad.conf"
"$SNAPREAD" triage --allow "$T/bad.conf" "$PL" >/dev/null 2>"$T/e"
eq "triage: a bad allowlist: exit 2, one line naming FILE:LINE" "2 1" "$? $(wc -l <"$T/e")"
check "triage: a bad allowlist: the line named" grep -q "bad.conf:1: 'no-such-rule' is not a rule id" "$T/e"

# ---- YARA and IOC on the recovered bytes -----------------------------------
cat >"$T/rules.yar" <<YARA
rule planted_marker : test
{
	meta:
		severity = "high"
		mitre_attack = "T1105"
	strings:
		\$m = "$MARK"
	condition:
		\$m
}
rule any_elf
{
	meta:
		severity = "low"
	condition:
		uint32(0) == 0x464c457f
}
YARA
triage_json "$PL" --yara "$T/rules.yar"
eq "triage: --yara: the marker found in the blob and the script the test wrote" \
	"$fd_sh $fd_blob" \
	"$(jq -r "select(.rule == \"yara\" and .evidence.name == \"planted_marker\") | \"\(.pid) \(.fd)\"" "$J" |
	   awk -v p="$drop" '$1 == p { print $2 }' | sort -n | tr '\n' ' ' | sed 's/ $//')"
has "--yara: the rule's meta gives severity and technique" \
	".rule == \"yara\" and .evidence.name == \"planted_marker\" and .severity == \"high\" and .attack == \"T1105\" and .evidence.sha256 == \"$blob_sha\""
has "--yara: the deleted executable's bytes scanned (ELF, low)" \
	".rule == \"yara\" and .pid == $dexe and .evidence.name == \"any_elf\" and .severity == \"low\" and .evidence.object == \"exe\""
has "--yara: the memfd's bytes scanned" ".rule == \"yara\" and .pid == $melf and .fd == $melffd and .evidence.name == \"any_elf\""
has "--yara: the summary counts the scanned files" ".object == \"summary\" and .yara_scanned >= 6 and .yara_failed == 0"
printf 'rule broken {\n condition: nonsense(\n}\n' >"$T/broken.yar"
"$SNAPREAD" triage --yara "$T/broken.yar" "$PL" >"$T/o" 2>"$T/e"
eq "triage: --yara rules that do not compile: exit 2, one line, no output" "2 1 0" \
	"$? $(wc -l <"$T/e") $(wc -c <"$T/o")"
check "triage: --yara: the error names the file and line" grep -q "broken.yar:[0-9]*: " "$T/e"

# The C library every planted process maps: a library's hash (exec_files).
LIBC=$(awk '$NF ~ /\/libc\.so\.6$/ { print $NF; exit }' "/proc/$ren/maps")
libc_sha=$(sha256sum "$LIBC" | cut -d' ' -f1)
printf '# the test'"'"'s IOCs\n%s  blob.bin\n%s *planted\n%s libc # a library\n' \
	"$blob_sha" "$elf_sha" "$libc_sha" >"$T/ioc.txt"
triage_json "$PL" --ioc "$T/ioc.txt"
has "--ioc: the recovered blob, with its label" \
	".rule == \"ioc\" and .pid == $drop and .fd == $fd_blob and .evidence.sha256 == \"$blob_sha\" and .evidence.name == \"blob.bin\""
has "--ioc: the deleted executable's recovered bytes" \
	".rule == \"ioc\" and .pid == $dexe and .evidence.object == \"exe\" and .evidence.sha256 == \"$elf_sha\""
has "--ioc: the memfd holding the same bytes" ".rule == \"ioc\" and .pid == $melf and .fd == $melffd"
has "--ioc: a running executable, by its exec_files hash" \
	".rule == \"ioc\" and .pid == $ren and .evidence.object == \"exe\" and .evidence.sha256 == \"$elf_sha\" and .evidence.path == \"$PLANTED\""
has "--ioc: a library mapped, with its label" \
	".rule == \"ioc\" and .pid == $ren and .evidence.object == \"lib\" and .evidence.sha256 == \"$libc_sha\" and .evidence.name == \"libc\""
eq "triage: --ioc: once per hash and process (the deleted exe's bytes and its exec_files entry are one)" 1 \
	"$(jq -r "select(.rule == \"ioc\" and .pid == $dexe and .evidence.sha256 == \"$elf_sha\") | .pid" "$J" | wc -l)"
# Executables not hashed (--no-hash): not known, never clean.
mkdir -p "$T/nohash"
"$PROCSNAP" -q -o "$T/nohash" --no-hash -p "$ren" >"$T/nohash.path"
triage_json "$(cat "$T/nohash.path")" --ioc "$T/ioc.txt"
has "--ioc: executables not hashed are unknown, not clean" \
	".object == \"unknown\" and .pid == $ren and (.missing | map(select(.part == \"exec_files\" and .reason == \"skipped\")) | length > 0) and (.rules | index(\"ioc\"))"
eq "triage: --ioc: and no finding of them" "" "$(jq -r 'select(.rule == "ioc") | .pid' "$J")"
printf 'not-a-hash\n' >"$T/badioc.txt"
"$SNAPREAD" triage --ioc "$T/badioc.txt" "$PL" >/dev/null 2>"$T/e"
eq "triage: --ioc with a line that is not a hash: exit 2, one line" "2 1" "$? $(wc -l <"$T/e")"

for v in DEXE MEMX KW REN PRE TR INJ DLIB REV MELF HID DROP SVC WAT WD STG ODEL AUD; do stop_holder "$v"; done

# ---- the kernel: taint, modules, ld.so.preload -----------------------------
# The fixed tree holds a tainted kernel (12288: O and E) with an unsigned
# out-of-tree module, and a host root whose /etc/ld.so.preload names one.
mkdir -p "$T/fix"
(cd "$ROOT" && "$PROCSNAP" -q --proc fixtures/proctree --host-root fixtures/hostroot \
	--no-sock-diag -o "$T/fix" >"$T/fix.path" 2>/dev/null)
triage_json "$(cat "$T/fix.path")"
has "kernel taint named" ".rule == \"kernel-tainted\" and .pid == null and (.what | test(\"O out-of-tree module, E unsigned module\")) and .evidence.member == \"host/proc/sys/kernel/tainted\""
has "the unsigned module named" ".rule == \"module-unsigned\" and .evidence.name == \"hidemod\" and .severity == \"high\""
has "/etc/ld.so.preload's library named" \
	".rule == \"ld-so-preload\" and .evidence.path == \"/nonexistent-procsnap-golden/lib/libhide.so\" and .evidence.member == \"host/etc/ld.so.preload\""
has "what could not be read is unknown, not clean" \
	".object == \"unknown\" and .pid == 4502 and .missing[0].part == \"process\""

finish
