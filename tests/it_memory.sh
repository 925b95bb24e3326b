#!/usr/bin/env bash
# it_memory.sh: process memory (issue #19).  Real processes hold injected-
# looking code (an rwx mapping with an ELF header and a marker), a program
# run from a memfd, a JIT's large executable region; they are captured,
# the bytes compared with what they wrote, the bounds checked, and each
# process checks its own memory afterwards (unchanged, untouched pages
# still not resident).  Device memory (a perf ring buffer, VmFlags io pf,
# and [vvar]) must never be read.  snapread shows and extracts the
# regions, and extract --core writes a core that gdb, started as snapread
# says, reads at the original addresses.
. "$(dirname "$0")/lib.sh"

snap() {
	local n=$1; shift
	A=$(capture "$T/$n" "$@") || { S=; A=; return 1; }
	S=$(extract "$A" "$T/$n/x")
}
shaof() { sha256sum "$1" | cut -c1-64; }
# region PJ ADDR: the memory record of the region holding ADDR (hex, no
# 0x).  Holding, not starting at: the kernel merges a fixture's mapping
# with an anonymous neighbour of the same protection, above or below
# (under ASan its allocator's mappings land beside it).
region() {
	local a=$((16#$2)) l s e
	while read -r l; do
		read -r s e <<<"$(jq -r '"\(.start) \(.end)"' <<<"$l")"
		if (( a >= 16#$s && a < 16#$e )); then printf '%s\n' "$l"; return; fi
	done < <(jq -c '.memory[]' "$1")
}
# region_bytes PJ_DIR REC ADDR N: N bytes of the captured region REC from ADDR.
region_bytes() {
	tail -c +$(( 16#$3 - 16#$(jq -r .start <<<"$2") + 1 )) "$1/$(jq -r .member <<<"$2")" | head -c "$4"
}
# released VAR NAME: the holder lets go, checks its memory, says so.
# gdb_core LINE OUT EX...: runs the gdb command line snapread printed (it
# sets the sysroot), in batch mode, with the -ex commands given.
gdb_core() {
	local line=$1 out=$2; shift 2
	local ex="" e
	for e in "$@"; do ex+=" -ex $(printf '%q' "$e")"; done
	eval "timeout 300 $line -nx -batch $ex" >"$out" 2>&1
}
released() {
	stop_holder "$1"
	local rc=$? out="${1}_OUT"
	eq "$2: the process ran on unharmed (exit status)" 0 "$rc"
	eq "$2: the process found its memory as it left it" "VERIFIED ok" "$(tail -n1 "${!out}")"
}

if ! need_root; then
	skip "memory" "reading other processes' memory needs root"
	finish; exit $?
fi

# --- injected code: an anonymous rwx mapping ---------------------------------
start_holder H rwx "$T" || { fail "rwx: holder starts" "see above"; finish; exit $?; }
pid=$(field "$H" pid); addr=$(field "$H" addr); sha=$(field "$H" sha256)
marker=$(field "$H" marker); perf=$(field "$H" perf); start=${addr#0x}
end=$(printf '%x' $((addr + $(field "$H" size))))
snap rwx -p "$pid"
pj="$S/proc/$pid/process.json"
r=$(region "$pj" "$start")
eq "rwx: chosen as anonymous executable" "anon-exec captured rwxp" "$(jq -r '"\(.why) \(.status) \(.perms)"' <<<"$r")"
eq "rwx: member named by the range" "proc/$pid/mem/$start-$end" "$(jq -r .member <<<"$r")"
M="$S/proc/$pid/mem/$start-$end"
eq "rwx: the member holds the process's bytes" "$sha" "$(shaof "$M")"
eq "rwx: process.json has the member's sha256" "$sha" "$(jq -r .sha256 <<<"$r")"
eq "rwx: the manifest lists the member" 1 \
	"$(grep -c "^$sha  proc/$pid/mem/$start-$end\$" "$S/MANIFEST.sha256")"
eq "rwx: ELF header at its start" "7f454c46" "$(head -c4 "$M" | od -An -tx1 | tr -d ' \n')"
want="PROCSNAP-MARKER-$pid-c0ffee"
eq "rwx: marker at its address" "$want" "$(tail -c +$((marker - addr + 1)) "$M" | head -c ${#want})"
eq "rwx: the page never touched was not read (a hole)" "$((3 * 4096)) $((3 * 4096))" \
	"$(jq -r '"\(.data) \(.read)"' <<<"$r")"
eq "rwx: its maps line" "$start-$end rwxp 00000000 00:00 0" "$(jq -r '.maps | rtrimstr(" ")' <<<"$r")"
eq "rwx: only the rwx mapping is chosen in exec mode" 1 "$(jq '.memory | length' "$pj")"
eq "rwx: summary counts it" "1 1" "$(jq -r '"\(.memory_regions) \(.memory_captured)"' "$S/summary.json")"
eq "rwx: host.json says how" "exec 536870912 67108864" \
	"$(jq -r '"\(.memory) \(.max_memory) \(.max_process_memory)"' "$S/host.json")"
check "rwx: manifest verifies with sha256sum" sh -c "cd '$S' && sha256sum -c --quiet MANIFEST.sha256"
check "rwx: snapread verify" "$SNAPREAD" verify "$A"
out=$("$SNAPREAD" show "$A" "$pid")
eq "rwx: show lists the region" 1 "$(grep -c "^  $start-$end rwxp anon-exec captured 16384 bytes (12288 not zero)" <<<"$out")"
check "rwx: show names its member and sha256" grep -q "proc/$pid/mem/$start-$end, sha256 $sha" <<<"$out"
"$SNAPREAD" extract -o "$T/rwx/ex" "$A" >"$T/rwx/ex.out"
eq "rwx: extract exits 0" 0 "$?"
eq "rwx: extract writes the region" "$sha" "$(shaof "$T/rwx/ex/$pid/mem/$start-$end")"
check "rwx: extract lists it as sha256sum does" grep -q "^$sha  $pid/mem/$start-$end\$" "$T/rwx/ex.out"
eq "rwx: extract keeps its hole" 12 "$(du -k "$T/rwx/ex/$pid/mem/$start-$end" | cut -f1)"
# --json: extract's schema, the object a region (the wrapper validates it
# against docs/schema/ at the end, show's and the core's too).
"$SNAPREAD" extract --json -o "$T/rwx/exj" "$A" >"$T/rwx/exj.out"
eq "rwx: extract --json places the region as one" \
	"$pid/mem/$start-$end $pid $start $end proc/$pid/mem/$start-$end $sha true" \
	"$(jq -r 'select(.object == "region") | "\(.path) \(.pid) \(.start) \(.end) \(.content.member) \(.content.sha256) \(.verified)"' "$T/rwx/exj.out")"
eq "rwx: show --json has the region's record" "anon-exec $sha" \
	"$("$SNAPREAD" show --json "$A" "$pid" | jq -r --arg s "$start" '.process.memory[] | select(.start == $s) | "\(.why) \(.sha256)"')"
# The core: gdb reads the injected code at its address.
"$SNAPREAD" extract --core "$pid" -o "$T/rwx/core" "$A" >"$T/rwx/core.out"
eq "core: extract --core exits 0" 0 "$?"
eq "core: named PID.core" "$T/rwx/core/$pid.core" "$(head -n1 "$T/rwx/core.out")"
line=$(tail -n1 "$T/rwx/core.out")
eq "core: snapread prints the safe gdb line" \
	"gdb -iex 'set sysroot $T/rwx/core/$pid.sysroot' -c '$T/rwx/core/$pid.core'" "$line"
heap=$(field "$H" heap)
gdb_core "$line" "$T/rwx/core.gdb" "x/s $marker" "x/4xb $addr" "x/xg $((addr + 8192))" \
	"x/s $(field "$H" tail)" "x/xg $heap" "x/s $(field "$H" short)" "info proc mappings"
check "core: gdb prints the marker at its address" \
	grep -qF "$marker:	\"PROCSNAP-MARKER-$pid-c0ffee\"" "$T/rwx/core.gdb"
check "core: the ELF header at the region's start" grep -qF "$addr:	0x7f	0x45	0x4c	0x46" "$T/rwx/core.gdb"
check "core: the page never touched reads as zeros" \
	grep -qF "$(printf '0x%x' $((addr + 8192))):	0x0000000000000000" "$T/rwx/core.gdb"
check "core: the region's tail" grep -qF "\"PROCSNAP-TAIL-$pid\"" "$T/rwx/core.gdb"
check "core: memory not captured is not shown" \
	grep -qF "Cannot access memory at address $heap" "$T/rwx/core.gdb"
check "core: a recovered deleted file it maps is read from the sysroot" \
	grep -qF "$(field "$H" short):	\"SHORT-FILE\"" "$T/rwx/core.gdb"
check "core: NT_FILE names the executable" grep -qF "$B/holder" "$T/rwx/core.gdb"
check "core: NT_PRPSINFO says what ran" grep -qF "Core was generated by \`$B/holder rwx" "$T/rwx/core.gdb"
check "core: gdb looked for files only in the sysroot" \
	grep -qF "Can't open file $B/holder" "$T/rwx/core.gdb"
eq "core: the sysroot holds only what the capture recovered" 1 \
	"$(find "$T/rwx/core/$pid.sysroot" -type f | wc -l)"
readelf -hlnW "$T/rwx/core/$pid.core" >"$T/rwx/readelf" 2>&1
check "core: readelf sees a core with NT_FILE and NT_AUXV" \
	sh -c "grep -q 'CORE (Core file)' '$T/rwx/readelf' && grep -q NT_FILE '$T/rwx/readelf' && grep -q NT_AUXV '$T/rwx/readelf'"
"$SNAPREAD" extract --core "$pid" -o "$T/rwx/core" "$A" >/dev/null 2>"$T/rwx/core.err"
eq "core: never over an existing core" 2 "$?"
"$SNAPREAD" extract --core "$pid" --json -o "$T/rwx/corej" "$A" >"$T/rwx/corej.out"
eq "core --json: the core, its region, its auxv" "$T/rwx/corej/$pid.core 1 true" \
	"$(jq -r '"\(.core) \(.regions) \(.auxv)"' "$T/rwx/corej.out")"
"$SNAPREAD" extract --core 1 -o "$T/rwx/core1" "$A" >/dev/null 2>"$T/rwx/core1.err"
eq "core: a pid not in the snapshot is trouble" 2 "$?"
check "core: ... and says so" grep -q "process 1 is not in the snapshot" "$T/rwx/core1.err"

# full: every readable private or anonymous mapping, never device memory.
if command -v strace >/dev/null; then
	mkdir -p "$T/full"
	strace -f -qq -o "$T/full.strace" -e trace=process_vm_readv,pread64,ptrace,kill,tkill,tgkill,pidfd_send_signal \
		"$PROCSNAP" -q -o "$T/full" --memory full -p "$pid" >"$T/full.path"
	A=$(cat "$T/full.path")
else
	A=$(capture "$T/full" --memory full -p "$pid")
fi
S=$(extract "$A" "$T/full/x")
pj="$S/proc/$pid/process.json"
r=$(jq -c '.memory[] | select(.maps | endswith("[heap]"))' "$pj")
eq "full: the heap is captured" captured "$(jq -r .status <<<"$r")"
check "full: ... with the holder's marker in it" grep -q "PROCSNAP-RWX-HEAP-$pid" "$S/$(jq -r .member <<<"$r")"
eq "full: the stack is captured" captured "$(jq -r '.memory[] | select(.maps | endswith("[stack]")) | .status' "$pj")"
eq "full: libc's private mappings are captured" true \
	"$(jq '[.memory[] | select(.maps | test("libc")) | .status == "captured"] | (length > 0 and all)' "$pj")"
eq "full: [vvar] and [vsyscall] are never chosen" 0 \
	"$(jq '[.memory[] | select(.maps | test("\\[vvar|\\[vsyscall"))] | length' "$pj")"
eq "full: the rwx region still says why" anon-exec "$(region "$pj" "$start" | jq -r .why)"
short=$(field "$H" short)
r=$(region "$pj" "${short#0x}")
eq "full: the page past the mapped file's end is unreadable, recorded" "4096 4096 EFAULT" \
	"$(jq -r '.unreadable[0] | "\(.offset) \(.length) \(.errno)"' <<<"$r")"
eq "full: the file's page is captured, as the process changed it" "PATCHED-IN-MEMORY" \
	"$(tail -c +$((0x100 + 1)) "$S/$(jq -r .member <<<"$r")" | head -c 17)"
"$SNAPREAD" extract --core "$pid" -o "$T/full/core" "$A" >"$T/full/core.out"
eq "full: extract --core exits 0" 0 "$?"
gdb_core "$(tail -n1 "$T/full/core.out")" "$T/full/core.gdb" "x/s $short" "x/s $((short + 0x100))" \
	"x/xg $((short + 4096))" "x/s $marker"
check "full: the file's bytes in the core" grep -qF '"SHORT-FILE"' "$T/full/core.gdb"
check "full: the changed bytes in the core" grep -qF '"PATCHED-IN-MEMORY"' "$T/full/core.gdb"
check "full: the unreadable page is not shown as zeros" \
	grep -qF "Cannot access memory at address $(printf '0x%x' $((short + 4096)))" "$T/full/core.gdb"
check "full: the marker too" grep -qF "PROCSNAP-MARKER-$pid-c0ffee" "$T/full/core.gdb"
if [ "$perf" != "(nil)" ]; then
	pstart=${perf#0x}
	eq "full: the perf ring buffer (VmFlags io pf) is in no region" 0 \
		"$(jq --arg s "$pstart" '[.memory[] | select(.start == $s)] | length' "$pj")"
	eq "full: smaps says the ring buffer is device memory" 1 \
		"$(awk -v s="$pstart-" 'index($1, s) == 1 { on = 1; next } on && /^VmFlags:/ { print (/ io / && / pf /) ? 1 : 0; exit }' "/proc/$pid/smaps")"
	if [ -f "$T/full.strace" ]; then
		# pread64 of /proc/PID/mem at the ring's address, or a remote
		# iovec starting there: neither may appear.
		eq "full: the ring buffer's pages were never read" 0 \
			"$(grep -c -e "$((perf))" -e "$perf" "$T/full.strace")"
		check "full: the capture did read the process's memory" grep -q process_vm_readv "$T/full.strace"
		# Never stopped: no ptrace at all, no signal sent to it (kill(pid,
		# 0), the probe for hidden pids, sends none).
		eq "full: no ptrace, no signal to the process" 0 \
			"$(grep -c -E "^[0-9]+ +(ptrace\(|(kill|tkill|pidfd_send_signal)\($pid, SIG|tgkill\($pid, [0-9]+, SIG)" "$T/full.strace")"
	else
		skip "full: reads traced" "strace is not installed"
	fi
else
	skip "full: device memory" "perf_event_open refused: no io/pf mapping to offer"
fi
# A proc of another pid namespace (--proc /host/proc from a container):
# procsnap runs as pid 1 of a new one, where the holder's pid names no
# process (or another), so process_vm_readv must not be given it.
if unshare --pid --fork true 2>/dev/null; then
	mkdir -p "$T/pidns"
	unshare --pid --fork "$PROCSNAP" -q -o "$T/pidns" --proc /proc -p "$pid" >"$T/pidns.path" \
		2>"$T/pidns.err"
	eq "pidns: the capture exits 0" 0 "$?"
	S=$(extract "$(cat "$T/pidns.path")" "$T/pidns/x")
	eq "pidns: the region is the holder's, read through its mem file" "captured $sha" \
		"$(region "$S/proc/$pid/process.json" "$start" | jq -r '"\(.status) \(.sha256)"')"
else
	skip "pidns" "unshare --pid is not allowed here"
fi
# A tampered region: one byte of its member changed, the manifest not.
A=$(capture "$T/tamper" --compress none -p "$pid")
python3 - "$A" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
i = b.find(b'PROCSNAP-MARKER-')
assert i > 0
b[i] ^= 0x20
open(p, 'wb').write(bytes(b))
PY
"$SNAPREAD" verify "$A" >/dev/null 2>&1
eq "tamper: verify fails" 1 "$?"
"$SNAPREAD" extract --core "$pid" -o "$T/tamper/core" "$A" >/dev/null 2>"$T/tamper/core.err"
eq "tamper: extract --core fails verification" 1 "$?"
eq "tamper: ... and leaves no core" "" "$(ls "$T/tamper/core" 2>/dev/null)"
"$SNAPREAD" extract -o "$T/tamper/ex" "$A" >/dev/null 2>"$T/tamper/ex.err"
eq "tamper: extract fails verification" 1 "$?"
eq "tamper: ... and places no region" 0 "$(find "$T/tamper/ex" -path '*/mem/*' | wc -l)"
check "tamper: ... and names it" grep -q "/mem/$start-$end" "$T/tamper/ex.err"
# Triage (#13) scans the captured regions: the ELF header at the rwx
# region's start is a finding naming it, and YARA rules run on its bytes
# at their addresses, as a scan of the process would; a region a bound
# kept out (or cut) is not decided, never clean.
A=$(capture "$T/triage" -p "$pid")
member="proc/$pid/mem/$start-$end"
cat >"$T/mem.yar" <<YARA
rule rwx_marker
{
	meta:
		severity = "medium"
		mitre_attack = "T1055"
	strings:
		\$m = "PROCSNAP-MARKER-$pid-c0ffee"
	condition:
		\$m
}
rule elf_at_its_address
{
	condition:
		uint32($addr) == 0x464c457f
}
rule elf_at_offset_zero
{
	condition:
		uint32(0) == 0x464c457f
}
YARA
# tri JSONL-OUT ARGS...: snapread triage --json, its exit status in $tri_rc.
tri() { local o=$1; shift; "$SNAPREAD" triage --json "$@" >"$o" 2>"$o.err"; tri_rc=$?; }
# in_region RULE [NAME]: member, perms, severity, technique of the
# findings of RULE (a YARA rule NAME) about the holder.
in_region() {
	jq -r --argjson p "$pid" --arg r "$1" --arg n "${2:-}" 'select(.object == "finding" and
		.pid == $p and .rule == $r and ($n == "" or .evidence.name == $n)) |
		"\(.evidence.object) \(.evidence.member) \(.evidence.region.perms) \(.severity) \(.attack)"' "$3"
}
tri "$T/triage/plain.jsonl" "$A"
eq "triage: exit 1 (a high finding)" 1 "$tri_rc"
eq "triage: the ELF header at the rwx region's start is a finding naming the region" \
	"memory $member rwxp high T1620" "$(in_region region-elf "" "$T/triage/plain.jsonl")"
eq "triage: the summary counts the region examined" "1 0 0" \
	"$(jq -r 'select(.object == "summary") | "\(.memory_regions) \(.memory_scanned) \(.memory_partial)"' "$T/triage/plain.jsonl")"
"$SNAPREAD" triage "$A" >"$T/triage/plain.txt"
check "triage: text names the region, the process and the perms" \
	grep -qE "^high +T1620 +region-elf +$pid holder +an anonymous executable region starts with an ELF header: $start-$end rwxp" "$T/triage/plain.txt"
check "triage: text gives the member as evidence" grep -qF "member $member" "$T/triage/plain.txt"
check "triage: text counts the regions" grep -qx "memory: 1 captured region examined" "$T/triage/plain.txt"
tri "$T/triage/yara.jsonl" --yara "$T/mem.yar" "$A"
eq "triage --yara: the marker rule fires on the memory region (meta: severity, technique)" \
	"memory $member rwxp medium T1055" "$(in_region yara rwx_marker "$T/triage/yara.jsonl")"
eq "triage --yara: a rule reads the region at its address" "memory $member rwxp high null" \
	"$(in_region yara elf_at_its_address "$T/triage/yara.jsonl")"
eq "triage --yara: ... not at offset 0 of the member" "" \
	"$(in_region yara elf_at_offset_zero "$T/triage/yara.jsonl")"
eq "triage --yara: the summary counts the region scanned" "1 1 0" \
	"$(jq -r 'select(.object == "summary") | "\(.memory_regions) \(.memory_scanned) \(.memory_scan_failed)"' "$T/triage/yara.jsonl")"
# --max-memory 1: the region is skipped; 4K: cut after its first page.
A=$(capture "$T/triage/skip" -p "$pid" --max-memory 1)
eq "triage: premise: the bound skipped the region" "skipped max-memory" \
	"$(tar xOf "$A" --wildcards "*/proc/$pid/process.json" | jq -r --arg s "$start" '.memory[] | select(.start == $s) | "\(.status) \(.reason)"')"
tri "$T/triage/skip.jsonl" --yara "$T/mem.yar" "$A"
eq "triage: a region not captured gives no finding" "" \
	"$(in_region region-elf "" "$T/triage/skip.jsonl")$(in_region yara "" "$T/triage/skip.jsonl")"
eq "triage: ... it is not decided, named, for both rules" "$start-$end rwxp|skipped: max-memory|region-elf,yara" \
	"$(jq -r --argjson p "$pid" 'select(.object == "unknown" and .pid == $p) |
		(.missing[] | select(.part == "memory") | "\(.what)|\(.reason)") + "|" +
		([.rules[] | select(. == "region-elf" or . == "yara")] | join(","))' "$T/triage/skip.jsonl")"
eq "triage: ... and counted" "0 1" \
	"$(jq -r 'select(.object == "summary") | "\(.memory_regions) \(.memory_partial)"' "$T/triage/skip.jsonl")"
"$SNAPREAD" triage "$A" >"$T/triage/skip.txt"
check "triage: text lists it among the unknowns" \
	grep -qE "^ *$pid holder +memory $start-$end rwxp \(skipped: max-memory\): .*region-elf" "$T/triage/skip.txt"
A=$(capture "$T/triage/cut" -p "$pid" --max-memory 4K)
tri "$T/triage/cut.jsonl" --yara "$T/mem.yar" "$A"
eq "triage: a region cut after its first page: its ELF header still found" \
	"memory proc/$pid/mem/$start-$(printf '%x' $((addr + 4096))) rwxp high T1620" \
	"$(in_region region-elf "" "$T/triage/cut.jsonl")"
eq "triage: ... the marker past the cut is not found" "" "$(in_region yara rwx_marker "$T/triage/cut.jsonl")"
eq "triage: ... and the rest of the region is not decided for YARA" "truncated by max-memory: 4096 of 16384 bytes captured|yara" \
	"$(jq -r --argjson p "$pid" 'select(.object == "unknown" and .pid == $p) |
		(.missing[] | select(.part == "memory") | .reason) + "|" + (.rules | join(","))' "$T/triage/cut.jsonl")"
released H rwx

# --- a program run from a memfd ----------------------------------------------
start_holder H memfd-exec || { fail "memfd: holder starts" "see above"; finish; exit $?; }
pid=$(field "$H" pid); addr=$(field "$H" addr); sha=$(field "$H" sha256); heap=$(field "$H" heap)
start=${addr#0x}
snap memfd -p "$pid"
pj="$S/proc/$pid/process.json"
eq "memfd: runs from a memfd" "/memfd:holder (deleted)" "$(jq -r .exe.target "$pj")"
r=$(region "$pj" "$start")
eq "memfd: its anonymous rw mapping is chosen (fileless exe)" "fileless-exe captured" \
	"$(jq -r '"\(.why) \(.status)"' <<<"$r")"
eq "memfd: the bytes match" "$sha" \
	"$(region_bytes "$S" "$r" "$start" "$(field "$H" size)" | sha256sum | cut -c1-64)"
hr=$(jq -c --argjson h "$((heap))" '.memory[] | select(.maps | endswith("[heap]"))' "$pj")
check "memfd: the heap holds its marker" grep -q "PROCSNAP-HEAP-$pid" "$S/$(jq -r .member <<<"$hr")"
eq "memfd: every region is file-less" 0 \
	"$(jq '[.memory[] | select(.why != "fileless-exe" and .why != "anon-exec")] | length' "$pj")"
eq "memfd: the executable itself is recovered" captured "$(jq -r .exe.content.status "$pj")"
check "memfd: snapread verify" "$SNAPREAD" verify "$A"
"$SNAPREAD" extract --core "$pid" -o "$T/memfd/core" "$A" >"$T/memfd/core.out"
exe0=$(awk '/memfd:holder/ { split($1, a, "-"); print "0x" a[1]; exit }' "/proc/$pid/maps")
gdb_core "$(tail -n1 "$T/memfd/core.out")" "$T/memfd/core.gdb" "x/s $(field "$H" marker)" "x/s $heap" \
	"x/4xb $exe0"
check "memfd: gdb reads the marker" grep -qF "\"PROCSNAP-MEMFD-$pid\"" "$T/memfd/core.gdb"
check "memfd: gdb reads the heap" grep -qF "\"PROCSNAP-HEAP-$pid\"" "$T/memfd/core.gdb"
eq "memfd: the recovered executable is laid out in the sysroot" "$(jq -r .exe.content.sha256 "$pj")" \
	"$(shaof "$T/memfd/core/$pid.sysroot/memfd:holder (deleted)")"
check "memfd: gdb reads the executable's code from it" \
	grep -qF "$exe0:	0x7f	0x45	0x4c	0x46" "$T/memfd/core.gdb"
released H memfd

# --- code mapped rwx without an execve: a memfd, shared anonymous memory ------
# Neither is private anonymous memory, so no region is chosen: both are
# recovered as deleted mapped files, and the core places them.
start_holder H shared-rwx || { fail "shared: holder starts" "see above"; finish; exit $?; }
pid=$(field "$H" pid)
snap shared -p "$pid"
pj="$S/proc/$pid/process.json"
eq "shared: no region is chosen" 0 "$(jq '.memory | length' "$pj")"
for k in memfd anon; do
	a=$(field "$H" "$k")
	eq "shared: the $k mapping's bytes are recovered, as a mapped deleted file" \
		"rwxs captured $(field "$H" "${k}_sha256")" \
		"$(jq -r --arg s "${a#0x}" '.mapped_deleted[] | select(.start == $s) |
			"\(.perms) \(.content.status) \(.content.sha256)"' "$pj")"
done
"$SNAPREAD" extract --core "$pid" -o "$T/shared/core" "$A" >"$T/shared/core.out"
eq "shared: extract --core makes a core of the recovered files alone" 0 "$?"
check "shared: ... with no region in it" grep -q "^# 0 regions" "$T/shared/core.out"
gdb_core "$(tail -n1 "$T/shared/core.out")" "$T/shared/core.gdb" \
	"x/s $(field "$H" memfd_marker)" "x/s $(field "$H" anon_marker)"
check "shared: gdb reads the memfd's code at its address" \
	grep -qF "$(field "$H" memfd_marker):	\"PROCSNAP-MEMFD-MAP-$pid\"" "$T/shared/core.gdb"
check "shared: gdb reads the shared anonymous code at its address" \
	grep -qF "$(field "$H" anon_marker):	\"PROCSNAP-SHARED-ANON-$pid\"" "$T/shared/core.gdb"
released H shared-rwx

# --- programs run from a deleted file, or from tmpfs --------------------------
start_holder H deleted-exe "$T" || fail "deleted exe: holder starts" "see above"
pid=$(field "$H" pid)
snap delexe -p "$pid"
pj="$S/proc/$pid/process.json"
eq "deleted exe: its heap and stack are chosen" "fileless-exe fileless-exe" \
	"$(jq -r '[.memory[] | select(.maps | test("\\[heap\\]|\\[stack\\]")) | .why] | join(" ")' "$pj")"
stop_holder H
# tmpfs: not deleted, but on a file system that lives only in memory.
if [ -d /dev/shm ] && [ "$(stat -f -c %T /dev/shm)" = tmpfs ]; then
	exe=/dev/shm/procsnap-it-sleep.$$
	cp /bin/sleep "$exe" && chmod 700 "$exe"
	"$exe" 600 &
	spid=$!
	HOLDER_PIDS+=("$spid")
	sleep 0.3
	snap tmpfs -p "$spid"
	rm -f "$exe"
	pj="$S/proc/$spid/process.json"
	eq "tmpfs exe: not deleted" false "$(jq -r .exe.deleted "$pj")"
	eq "tmpfs exe: its stack is chosen all the same" fileless-exe \
		"$(jq -r '.memory[] | select(.maps | endswith("[stack]")) | .why' "$pj")"
	kill "$spid"
else
	skip "tmpfs exe" "/dev/shm is not tmpfs"
fi

# --- a JIT: a large executable region, bounded -------------------------------
start_holder H jit 96M 8M || { fail "jit: holder starts" "see above"; finish; exit $?; }
pid=$(field "$H" pid); addr=$(field "$H" addr); start=${addr#0x}
snap jit --compress zstd -p "$pid" --max-process-memory 8M
pj="$S/proc/$pid/process.json"
r=$(region "$pj" "$start")
eq "jit: cut by the per-process bound" "truncated max-process-memory 8388608" \
	"$(jq -r '"\(.status) \(.reason) \(.size)"' <<<"$r")"
eq "jit: the member holds the first 8 MiB" "$(field "$H" prefix_sha256)" "$(shaof "$S/$(jq -r .member <<<"$r")")"
eq "jit: the region's end is kept" "$(printf '%x' $((addr + 96 * 1048576)))" "$(jq -r .end <<<"$r")"
eq "jit: summary counts one bounded region" 1 "$(jq .memory_bounded "$S/summary.json")"
"$SNAPREAD" extract --core "$pid" -o "$T/jit/core" "$A" >"$T/jit/core.out"
gdb_core "$(tail -n1 "$T/jit/core.out")" "$T/jit/core.gdb" "x/s $((addr + 8 * 1048576 - 16))" \
	"x/s $((addr + 8 * 1048576))"
check "jit: the core holds what was captured" grep -qF '"JIT-PAGE-0007ff' "$T/jit/core.gdb"
check "jit: and nothing past the bound" \
	grep -qF "Cannot access memory at address $(printf '0x%x' $((addr + 8 * 1048576)))" "$T/jit/core.gdb"
# The default bound: 64 MiB.
snap jit64 --compress zstd -p "$pid"
r=$(region "$S/proc/$pid/process.json" "$start")
eq "jit: the default per-process bound is 64 MiB" "truncated $((64 * 1048576))" \
	"$(jq -r '"\(.status) \(.size)"' <<<"$r")"
start_holder J jit 16M 16M || fail "jit: second holder starts" "see above"
pid2=$(field "$J" pid)
snap total --compress zstd -p "$pid" -p "$pid2" --max-process-memory 16M --max-memory 24M
total=$(cat "$S"/proc/*/process.json | jq -s '[.[].memory[]?.size // 0] | add')
eq "jit: the total bound holds" $((24 * 1048576)) "$total"
eq "jit: the region cut by it says so" 1 \
	"$(cat "$S"/proc/*/process.json | jq -s '[.[].memory[]? | select(.reason == "max-memory")] | length')"
released J jit-16M
# none: nothing looked at.
snap none --memory none -p "$pid"
eq "none: no memory record" null "$(jq -r .memory "$S/proc/$pid/process.json")"
eq "none: no memory member" 0 "$(find "$S" -path '*/mem/*' | wc -l)"
"$SNAPREAD" extract --core "$pid" -o "$T/none/core" "$A" >/dev/null 2>"$T/none/core.err"
eq "none: extract --core, with nothing to put in a core, is trouble" 2 "$?"
check "none: ... and says so" grep -q "no memory of process $pid was captured" "$T/none/core.err"
released H jit

# --- a read of memory that never ends: walked away from ------------------------
# A private mapping of a FUSE file whose server stopped: cmdline, maps and
# smaps read as usual, but a read of the mapping's pages waits for ever
# (killably), as on a hung NFS or FUSE mount.
if [ -c /dev/fuse ] && start_holder H stuck-mem "$T"; then
	pid=$(field "$H" pid); map=$(field "$H" map)
	timeout 2 python3 -c 'import os, sys
os.pread(os.open(sys.argv[1], os.O_RDONLY), 1, int(sys.argv[2], 16))' "/proc/$pid/mem" "$map"
	eq "stuck: the premise, a read of the mapping blocks" 124 "$?"
	mkdir -p "$T/stuck"
	t0=$SECONDS
	# LeakSanitizer's exit check would wait for the blocked reader (it_hang.sh).
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" timeout 60 "$PROCSNAP" -q \
		-o "$T/stuck" --memory full --read-timeout 2 -p "$pid" >"$T/stuck.path"
	eq "stuck: procsnap exits 0" 0 "$?"
	took=$((SECONDS - t0))
	check "stuck: procsnap exits within 15 s (took ${took}s)" test "$took" -le 15
	A=$(cat "$T/stuck.path")
	check "stuck: the archive verifies" "$SNAPREAD" verify "$A"
	S=$(extract "$A" "$T/stuck/x")
	pj="$S/proc/$pid/process.json"
	eq "stuck: the mapping's read timed out, recorded" "failed ETIMEDOUT" \
		"$(region "$pj" "${map#0x}" | jq -r '"\(.status) \(.errors[0].errno)"')"
	# Below it: read before it (a sanitizer build's large mappings may be
	# cut by the per-process bound, but none failed); above it: not tried.
	eq "stuck: the regions below it read, those above it not tried" "true ECANCELED" \
		"$(jq -r --arg s "${map#0x}" '.memory | (map(.start) | index($s)) as $i |
			"\([.[:$i][] | .status] | any(. == "captured") and all(. != "failed"))" +
			" \([.[$i + 1:][] | .errors[0].errno] | unique | join(","))"' "$pj")"
	eq "stuck: summary counts the timeout" 1 "$(jq .read_timeouts "$S/summary.json")"
	released H stuck-mem
else
	skip "stuck" "no /dev/fuse, or the stuck-mem holder cannot mount FUSE"
fi

# --- the command line ----------------------------------------------------------
"$PROCSNAP" -q -o "$T" --memory full >/dev/null 2>"$T/full.err"
eq "full without -p: refused" 2 "$?"
check "full without -p: says why" grep -q -- "-p" "$T/full.err"
"$PROCSNAP" -q -o "$T" --memory most >/dev/null 2>&1
eq "unknown mode: refused" 2 "$?"
finish
