#!/usr/bin/env bash
# it_pidns.sh: procsnap in a child pid namespace (unshare -p -f), with a
# /proc of its own (--mount-proc, as in a container) and with the host's
# /proc: host.json says which namespace it ran in, stderr says what it
# could not see, and procsnap recognises itself ("self") whichever pids
# the /proc in use shows — never taking the host's pid 1 for itself.
. "$(dirname "$0")/lib.sh"

if ! need_root; then
	skip "pidns" "needs root (unshare -p)"
	finish; exit $?
fi
if ! unshare -p -f true 2>"$T/unshare.err"; then
	skip "pidns" "no child pid namespace here: $(cat "$T/unshare.err")"
	finish; exit $?
fi

# In the initial namespace: the baseline.
A=$(capture "$T/init" --no-content 2>"$T/init.err")
S=$(extract "$A" "$T/init/x")
if [ "$(readlink /proc/self/ns/pid)" = "pid:[4026531836]" ]; then
	eq "initial: pid_ns_initial" true "$(jq -r .pid_ns_initial "$S/host.json")"
	eq "initial: ns.pid" 4026531836 "$(jq -r .ns.pid "$S/host.json")"
	eq "initial: nothing said about namespaces" 0 "$(grep -c 'pid namespace' "$T/init.err")"
else
	skip "initial" "this test itself runs in a child pid namespace"
fi
eq "initial: proc_pid is its pid" "$(jq -r .pid "$S/host.json")" "$(jq -r .proc_pid "$S/host.json")"

# self_check SCOPE DIR ARCHIVE: exactly one process is procsnap's own, the
# one /proc/self named (host.json proc_pid), running procsnap and holding
# the archive it was writing: one fd, nameless (O_TMPFILE, not yet linked
# in), of the inode the archive has now.
# Only the archive's inode is counted, not every "/#N (deleted)" fd:
# procsnap's own table also holds, while it runs, the O_PATH pins its
# collectors took of other processes' deleted files (collect_fd.c), until
# the formatter has recorded them.  With the host's /proc, another
# procsnap running on the machine (another test, another engineer's
# make check) holds its own nameless archive, which ours pins like any
# deleted file: a loaded run recorded 2 to 5 such fds in procsnap's
# table, each O_PATH (fdinfo flags 012000000), the others' archives.
# Its own archive is such a file too: a pin of it, taken while procsnap
# reads its own table, may be listed with it (CI's static run recorded
# one).  So the fds counted are the archive's inode opened for writing,
# not O_PATH (flags & 010000000, 2097152): exactly one, the nameless file.
self_check() {
	local what=$1 S=$2 A=$3 selfpid ino dev
	selfpid=$(jq -r .proc_pid "$S/host.json")
	eq "$what: one process is self" "$selfpid" \
		"$(jq -r 'select(.self == true) | .pid' "$S"/proc/*/process.json | tr '\n' ' ' | sed 's/ $//')"
	eq "$what: it runs procsnap" "$PROCSNAP" "$(jq -r '.argv[0]' "$S/proc/$selfpid/process.json")"
	ino=$(stat -c %i "$A") dev=$(stat -c %d "$A")
	eq "$what: its fds hold the archive being written, once, nameless" "1 tmpfile" \
		"$(jq -rs --argjson i "$ino" --argjson d "$dev" \
			'[.[] | select(.stat.ino == $i and .stat.dev == $d and
				      ((.flags / 2097152 | floor) % 2) == 0)] |
			 "\(length) \([.[] | select(.target | test("/#[0-9]+ \\(deleted\\)$")) | .kind] | join(","))"' \
			"$S/proc/$selfpid/fds.jsonl")"
}

# With a /proc of its own: only the namespace's processes exist there.
mkdir -p "$T/own"
unshare -p -f --mount-proc "$PROCSNAP" -q --no-content -o "$T/own" >"$T/own.out" 2>"$T/own.err"
eq "own /proc: capture succeeds" 0 "$?"
S=$(extract "$(cat "$T/own.out")" "$T/own/x")
eq "own /proc: pid_ns_initial false" false "$(jq -r .pid_ns_initial "$S/host.json")"
eq "own /proc: ns.pid is the namespace's, not the host's" true \
	"$(jq --arg h "$(readlink /proc/self/ns/pid | tr -dc 0-9)" '.ns.pid != ($h | tonumber)' "$S/host.json")"
eq "own /proc: procsnap is pid 1 there" "1 1" "$(jq -r '"\(.pid) \(.proc_pid)"' "$S/host.json")"
eq "own /proc: the /proc shows procsnap's namespace" true \
	"$(jq '.proc_pid_ns == .ns.pid' "$S/host.json")"
eq "own /proc: only procsnap is captured" 1 "$(jq -r .processes "$S/summary.json")"
self_check "own /proc" "$S" "$(cat "$T/own.out")"
eq "own /proc: stderr says the host's processes are not visible" 1 \
	"$(grep -c "^procsnap: running in a child pid namespace (a container?): the host's other processes are not visible" "$T/own.err")"

# With the host's /proc: every process, under the host's pids.  procsnap
# is pid 1 in its namespace; the host's pid 1 is not procsnap.
mkdir -p "$T/host"
unshare -p -f "$PROCSNAP" -q --no-content -o "$T/host" >"$T/host.out" 2>"$T/host.err"
eq "host /proc: capture succeeds" 0 "$?"
S=$(extract "$(cat "$T/host.out")" "$T/host/x")
eq "host /proc: pid_ns_initial false" false "$(jq -r .pid_ns_initial "$S/host.json")"
eq "host /proc: pid 1 in its namespace" 1 "$(jq -r .pid "$S/host.json")"
eq "host /proc: proc_pid is another pid" true "$(jq '.proc_pid > 1' "$S/host.json")"
self_check "host /proc" "$S" "$(cat "$T/host.out")"
eq "host /proc: the host's pid 1 is not self" false "$(jq -r .self "$S/proc/1/process.json")"
eq "host /proc: the host's processes are captured" true \
	"$(jq -r '.processes > 1' "$S/summary.json")"
eq "host /proc: stderr says whose pids are recorded" 1 \
	"$(grep -c "^procsnap: running in a child pid namespace, reading a parent namespace's /proc: processes are recorded under its pids (procsnap is $(jq -r .proc_pid "$S/host.json") there)" "$T/host.err")"
finish
