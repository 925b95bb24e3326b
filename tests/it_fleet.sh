#!/usr/bin/env bash
# it_fleet.sh: contrib/ for many hosts.  The Velociraptor artifact: its YAML,
# its keys, each parameter giving exactly its procsnap option (its VQL
# evaluated), and the command line it would run, run by hand.  The Ansible
# playbook, run for real by ansible-playbook against five hosts on this
# machine: network namespaces on veth pairs, each with its own sshd (own
# config, host key, hostname, key-only root login on a non-default port);
# one has no sshd (unreachable), one fails its capture.  The good hosts'
# archives must come back under their inventory names, verified, with
# matching hashes in the custody log; the failed ones must be listed; every
# host must be left clean.
. "$(dirname "$0")/lib.sh"

PLAYBOOK="$ROOT/contrib/ansible/procsnap.yml"
ARTIFACT="$ROOT/contrib/velociraptor/Linux.Forensics.ProcSnap.yaml"
# Debian's interpreter, with python3-yaml (a pyenv shim may come first).
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

# --- the Velociraptor artifact ----------------------------------------------------
if "$PY" -c 'import yaml' 2>/dev/null; then
	"$PY" - "$ARTIFACT" >"$T/vr.check" 2>&1 <<'EOF'
import sys, yaml
a = yaml.safe_load(open(sys.argv[1]))
def say(ok, what):
    print(("ok " if ok else "FAIL ") + what)
say(isinstance(a, dict), "a mapping")
for k in ("name", "description", "type", "tools", "parameters", "sources"):
    say(k in a, "key " + k)
say(a.get("name") == "Linux.Forensics.ProcSnap", "name matches the file")
say(a.get("type") == "CLIENT", "type CLIENT")
say(any(t.get("name") == "procsnap-static" for t in a.get("tools", [])), "tool procsnap-static")
src = a.get("sources", [])
q = "\n".join(s.get("query", "") for s in src)
say(len(src) > 0 and all(s.get("query") for s in src), "every source has a query")
for w in ("Generic.Utils.FetchBinary", "procsnap-static", "execve(", "upload(", "tempdir("):
    say(w in q, "query uses " + w)
names = [p.get("name") for p in a.get("parameters", [])]
say(len(names) == len(set(names)), "parameter names unique")
for p in names:
    say(p in q, "parameter %s used by the query" % p)
EOF
	[ -s "$T/vr.check" ] || echo "FAIL the checker printed nothing" >"$T/vr.check"
	while read -r r what; do
		case $r in
		ok) ok "velociraptor: $what" ;;
		*) fail "velociraptor: $what" "see $ARTIFACT" ;;
		esac
	done <"$T/vr.check"

	# Each parameter, set alone (the others at their defaults), must give
	# exactly its option: the artifact's own VQL is evaluated
	# (tests/tools/vql_options.py) and compared with this table.  Every
	# parameter needs a row; every option must be one procsnap has.
	vql() { "$PY" "$ROOT/tests/tools/vql_options.py" "$ARTIFACT" "$@"; }
	"$PROCSNAP" --help >"$T/vr.help" 2>&1
	base=$(vql 2>"$T/vr.err" | jq -r 'join(" ")')
	eq "velociraptor: the defaults give procsnap's defaults" "--compress gzip --memory exec" "$base"
	[ -s "$T/vr.err" ] && echo "     ($(cat "$T/vr.err"))"
	VR_TESTED=" " VR_HELPED=" "
	# vr_gives PARAM VALUE ADD [DROP]: PARAM=VALUE gives the defaults'
	# options with DROP (that parameter's default words) taken out and ADD
	# (its option and value) in, once.
	vr_gives() {
		local n=$1 v=$2 add=$3 drop=${4:-} got g b rest w
		VR_TESTED+="$n "
		got=$(vql "$n=$v" 2>&1 | jq -r 'join(" ")' 2>/dev/null)
		g=" $got " b=" $base "
		[ -n "$drop" ] && b=${b/ $drop / }
		rest=$g
		if [ -n "$add" ]; then
			rest=${g/ $add / }
			# Not there, or there twice: leave it so that it fails.
			{ [ "$rest" = "$g" ] || [ "${rest/ $add / }" != "$rest" ]; } && rest="$g (never or twice)"
		fi
		eq "velociraptor: $n=$v gives exactly '${add:-nothing}'" "$b" "$rest"
		for w in $add; do
			w=${w%%=*}
			case $w in --*) ;; *) continue ;; esac
			case $VR_HELPED in *" $w "*) continue ;; esac
			VR_HELPED+="$w "
			check "velociraptor: procsnap has $w" grep -qE -- "(^|[ ,])$w([ ,=]|\$)" "$T/vr.help"
		done
	}
	vr_gives NoContent Y '--no-content'
	vr_gives Compress zstd '--compress zstd' '--compress gzip'
	vr_gives Compress none '--compress none' '--compress gzip'
	vr_gives Pids '12, 34' '--pid=12 --pid=34'
	vr_gives ReadTimeout 2.5 '--read-timeout 2.5'
	vr_gives MaxFileSize 1M '--max-file-size 1M'
	vr_gives HashMaxSize 64M '--hash-max-size 64M'
	vr_gives NoHash Y '--no-hash'
	vr_gives Memory full '--memory full' '--memory exec'
	vr_gives Memory none '--memory none' '--memory exec'
	vr_gives MaxMemory 128M '--max-memory 128M'
	vr_gives MaxProcessMemory 16M '--max-process-memory 16M'
	vr_gives BreakLeases Y '--break-leases'
	vr_gives NoTouchWatched Y '--no-touch-watched'
	vr_gives ProbePids always '--probe-pids'
	vr_gives ProbePids never '--no-probe-pids'
	vr_gives ProbePids auto ''
	vr_gives NoSockDiag Y '--no-sock-diag'
	vql Pids=12x >/dev/null 2>&1
	eq "velociraptor: a value the parameter refuses is refused (exit 2)" 2 "$?"
	eq "velociraptor: every parameter has a row in the table" "" \
		"$("$PY" -c 'import sys, yaml
for p in yaml.safe_load(open(sys.argv[1]))["parameters"]:
    if " %s " % p["name"] not in sys.argv[2]: print(p["name"])' "$ARTIFACT" "$VR_TESTED" 2>&1)"

	# The command line the artifact would run, from its VQL with the
	# overrides a responder would give, run by hand; twice, to cover every
	# option.  host.json records what each option set.
	# vr_run NAME PARAM=VALUE...: runs it into $T/vr/NAME; sets vra.
	vr_run() {
		local name=$1 opts
		shift
		mkdir -p "$T/vr/$name"
		vra=""
		if ! opts=$(vql "$@" 2>"$T/vr.err"); then
			fail "velociraptor ($name): command line built from the parameters" "$(cat "$T/vr.err")"
			return 1
		fi
		jq -c --arg exe "$PROCSNAP" --arg out "$T/vr/$name" '[$exe, "-o", $out] + .' <<<"$opts" >"$T/vr/$name.argv"
		"$PY" -c 'import json, os, sys; a = json.load(open(sys.argv[1])); os.execv(a[0], a)' \
			"$T/vr/$name.argv" >"$T/vr/$name.out" 2>"$T/vr/$name.err"
		eq "velociraptor ($name): the command line runs (exit 0)" 0 "$?"
		vra=$(tail -n1 "$T/vr/$name.out")
		check "velociraptor ($name): the archive is in the output directory" \
			test -f "$vra" -a "$(dirname "$vra")" = "$T/vr/$name"
		check "velociraptor ($name): it verifies" "$SNAPREAD" verify "$vra"
		check "velociraptor ($name): host.json records exactly that command line" \
			bash -c "bsdtar -xOf '$vra' '*/host.json' | jq -e --slurpfile a '$T/vr/$name.argv' '.command_line[1:] == \$a[0][1:]'"
	}
	# hostjson JQ: JQ holds for the last run's host.json.
	hostjson() { bsdtar -xOf "$vra" '*/host.json' | jq -e "$1" >/dev/null; }
	if vr_run one NoContent=Y "Pids=$$, 1" ReadTimeout=2 MaxFileSize=1M HashMaxSize=64M \
		MaxMemory=128M MaxProcessMemory=16M BreakLeases=Y NoTouchWatched=Y ProbePids=never NoSockDiag=Y; then
		# Not root: only this shell is certain to be readable; as root pid 1 too.
		check "velociraptor: the chosen pids were captured" \
			bash -c "'$SNAPREAD' ps --json '$vra' | jq -se 'map(.pid) | index($$) != null'"
		check "velociraptor: the options took effect (host.json)" hostjson '
			.content == false and .compression == "gzip" and .max_file_size == 1048576
			and .hash_max_size == 67108864 and .memory == "exec" and .max_memory == 134217728
			and .max_process_memory == 16777216 and .break_leases == true
			and .touch_watched == false and .sock_diag.used == false'
	fi
	if vr_run two Compress=zstd NoHash=Y Memory=none ProbePids=always "Pids=$$"; then
		check "velociraptor: the options took effect (host.json)" hostjson '
			.content == true and .compression == "zstd" and .hash_max_size == 0
			and .memory == "none" and .break_leases == false and .touch_watched == true'
	fi
else
	skip "velociraptor artifact" "python3 with yaml (python3-yaml) is needed"
fi

# --- the Ansible playbook -----------------------------------------------------------
if ! need_root; then
	skip "fleet playbook" "network namespaces, sshd and mounts need root"
	finish; exit $?
fi
for c in ansible-playbook ssh ssh-keygen ip unshare nsenter; do
	if ! command -v "$c" >/dev/null; then
		skip "fleet playbook" "$c is missing (make deps installs ansible, openssh-server, openssh-client)"
		finish; exit $?
	fi
done
if [ ! -x /usr/sbin/sshd ]; then
	skip "fleet playbook" "/usr/sbin/sshd is missing (openssh-server)"
	finish; exit $?
fi

F="$T/fleet"
mkdir -p "$F"
chmod 700 "$T"
PORT=2222
HOSTS=(alpha bravo charlie delta echo)
NS=()      # network namespaces made here
VETH=()    # root-side veth ends made here
SSHD=()    # listening sshd pids started here
MADE_RUNSSHD=""
APID=""    # a running ansible-playbook

fleet_cleanup() {
	local p ns v s
	# An interrupted run: ansible-playbook first (it ignores SIGINT in
	# the background), so it does not go on against dying hosts.
	if [ -n "$APID" ]; then kill "$APID" 2>/dev/null; wait "$APID" 2>/dev/null; fi
	# Every process left in our namespaces (listeners, session children
	# of an interrupted run), by pid, then the namespaces and links.
	for ns in "${NS[@]:-}"; do
		[ -n "$ns" ] || continue
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null; done
	done
	for p in "${SSHD[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done
	# Ansible's ssh masters (their connections are gone with the sshd
	# sessions; ask each by its control socket all the same).
	for s in "$F"/cp/*; do [ -S "$s" ] && ssh -O exit -o ControlPath="$s" x 2>/dev/null; done
	for p in "${SSHD[@]:-}"; do
		[ -n "$p" ] || continue
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
	done
	for v in "${VETH[@]:-}"; do [ -n "$v" ] && ip link del "$v" 2>/dev/null; done
	for ns in "${NS[@]:-}"; do [ -n "$ns" ] && ip netns del "$ns" 2>/dev/null; done
	[ -n "$MADE_RUNSSHD" ] && rmdir /run/sshd 2>/dev/null
	# A work directory a failed run may have left (the tmpfs itself lived
	# in the dead sshd's mount namespace and went with it).
	rm -rf "$F"/work/procsnap.* 2>/dev/null
	# FLEET_KEEP=DIR keeps the run's files (logs, inventory, archives).
	[ -n "${FLEET_KEEP:-}" ] && cp -a "$F" "$FLEET_KEEP"
	cleanup
}
trap fleet_cleanup EXIT
trap 'exit 130' INT TERM

# A /24 of the benchmarking range (RFC 2544) not in use here; one /30 per host.
NET=""
for try in 0 1 2 3 4 5 6 7; do
	o=$(( ($$ + try * 37) % 250 + 1 ))
	if [ -z "$(ip -4 addr show to "198.18.$o.0/24" 2>/dev/null)" ]; then NET="198.18.$o"; break; fi
done
[ -n "$NET" ] || { fail "fleet: a free address block" "198.18.x.0/24 all in use"; finish; exit $?; }

ssh-keygen -q -t ed25519 -N '' -C procsnap-fleet-test -f "$F/id_ed25519"
cp "$F/id_ed25519.pub" "$F/authorized_keys"
: >"$F/known_hosts"
if [ ! -d /run/sshd ]; then mkdir -p /run/sshd && chmod 755 /run/sshd && MADE_RUNSSHD=1; fi
# The work directories go under here on every "host" (they share one file
# system): what is left in it afterwards was not cleaned.
mkdir -p "$F/work"

i=0
setup_ok=1
declare -A ADDR HN PID
for h in "${HOSTS[@]}"; do
	i=$((i + 1))
	ns="psf$$-$h"; vh="psf$$h$i"; vn="psf$$n$i"
	a_h="$NET.$((i * 4 + 1))"; a_n="$NET.$((i * 4 + 2))"
	ip netns add "$ns" || { setup_ok=0; break; }
	NS+=("$ns")
	ip link add "$vh" type veth peer name "$vn" || { setup_ok=0; break; }
	VETH+=("$vh")
	ip link set "$vn" netns "$ns" &&
	ip addr add "$a_h/30" dev "$vh" && ip link set "$vh" up &&
	ip -n "$ns" addr add "$a_n/30" dev "$vn" && ip -n "$ns" link set "$vn" up &&
	ip -n "$ns" link set lo up || { setup_ok=0; break; }
	# The address must be reached through our veth, never a default route.
	ip route get "$a_n" | grep -q "dev $vh " || { setup_ok=0; break; }
	ADDR[$h]=$a_n
	HN[$h]="fleet-$i"
	[ "$h" = delta ] && continue    # no sshd: unreachable
	d="$F/$h"; mkdir -p "$d"
	ssh-keygen -q -t ed25519 -N '' -C "$h" -f "$d/host_key"
	echo "[$a_n]:$PORT $(cut -d' ' -f1,2 "$d/host_key.pub")" >>"$F/known_hosts"
	cat >"$d/sshd_config" <<EOF
Port $PORT
ListenAddress $a_n
HostKey $d/host_key
PidFile none
AuthorizedKeysFile $F/authorized_keys
# The keys live under /tmp (world-writable), which StrictModes refuses.
StrictModes no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
PrintMotd no
X11Forwarding no
AllowTcpForwarding no
Subsystem sftp internal-sftp
EOF
	# Own network namespace, own hostname (UTS); exec keeps the pid.
	ip netns exec "$ns" unshare --uts sh -c 'hostname "$1" && exec /usr/sbin/sshd -D -f "$2" -E "$3"' \
		sh "${HN[$h]}" "$d/sshd_config" "$d/sshd.log" &
	PID[$h]=$!
	SSHD+=("${PID[$h]}")
done
if [ "$setup_ok" != 1 ]; then
	skip "fleet playbook" "could not make network namespaces and veth pairs here"
	finish; exit $?
fi
ok "fleet: five namespaces on veth pairs, four sshd"

# Each sshd answers on its own address, with the key-only root login.
SSHOPTS=(-o UserKnownHostsFile="$F/known_hosts" -o StrictHostKeyChecking=yes
	-o IdentitiesOnly=yes -o BatchMode=yes -o ConnectTimeout=5 -i "$F/id_ed25519" -p "$PORT")
for h in alpha bravo charlie echo; do
	up=""
	for _ in $(seq 1 100); do
		if timeout 1 bash -c "exec 3<>/dev/tcp/${ADDR[$h]}/$PORT" 2>/dev/null; then up=1; break; fi
		kill -0 "${PID[$h]}" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$up" ] || { fail "fleet: sshd of $h listens" "$(cat "$F/$h/sshd.log" 2>/dev/null)"; continue; }
	eq "fleet: $h answers as its own host over ssh" "${HN[$h]}" \
		"$(ssh "${SSHOPTS[@]}" "root@${ADDR[$h]}" hostname 2>"$F/$h.ssh.err")"
done
eq "fleet: no password login (key refused -> denied)" 255 \
	"$(ssh -o UserKnownHostsFile="$F/known_hosts" -o StrictHostKeyChecking=yes -o BatchMode=yes \
		-o IdentitiesOnly=yes -o PubkeyAuthentication=no -p "$PORT" "root@${ADDR[alpha]}" true >/dev/null 2>&1; echo $?)"

# --- the run ----------------------------------------------------------------------------
cat >"$F/inventory.ini" <<EOF
[fleet]
alpha   ansible_host=${ADDR[alpha]}
bravo   ansible_host=${ADDR[bravo]} procsnap_pids="${PID[bravo]}" procsnap_extra_args='["--no-probe-pids", "--memory", "none"]'
charlie ansible_host=${ADDR[charlie]} procsnap_compress=zstd procsnap_read_timeout=2 procsnap_max_file_size=1M procsnap_extra_args="--no-sock-diag --hash-max-size 64M"
delta   ansible_host=${ADDR[delta]}
echo    ansible_host=${ADDR[echo]} procsnap_read_timeout=bogus

[fleet:vars]
ansible_user=root
ansible_port=$PORT
ansible_ssh_private_key_file=$F/id_ed25519
ansible_ssh_common_args='-o UserKnownHostsFile=$F/known_hosts -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o ConnectTimeout=5'
ansible_python_interpreter=/usr/bin/python3
procsnap_become=false
procsnap_no_content=true
procsnap_work_parent=$F/work
EOF
# Hermetic: no ansible.cfg or ~/.ansible of the machine's; ssh masters
# (multiplexing, as Ansible does by default) with their sockets here, shut
# in the cleanup; a remote_tmp that must stay unused (everything is piped
# or staged in the tmpfs).
cat >"$F/ansible.cfg" <<EOF
[defaults]
home = $F/ansible-home
local_tmp = $F/ansible-local
remote_tmp = $F/remote-tmp-must-stay-unused
retry_files_enabled = False
nocolor = True
forks = 10
timeout = 10
[ssh_connection]
ssh_args = -o ControlMaster=auto -o ControlPersist=30s
control_path_dir = $F/cp
EOF
export ANSIBLE_CONFIG="$F/ansible.cfg"
mkdir -p "$F/collected"
t0=$(date +%s%N)
# play ARGS...: ansible-playbook in the background, waited for, so that an
# interrupt (a trapped signal ends `wait` at once) stops the test now.
play() {
	ansible-playbook -i "$F/inventory.ini" "$PLAYBOOK" "$@" &
	APID=$!
	wait "$APID"
	local r=$?
	APID=""
	return "$r"
}
# The playbook sends procsnap-static when it exists (make static, as CI
# builds it), else the dynamic build.
SENT=$PROCSNAP
[ -x "$B/procsnap-static" ] && SENT=$B/procsnap-static
play -e procsnap_dest="$F/collected" \
	-e procsnap_binary="$B/procsnap-static" -e procsnap_binary_fallback="$PROCSNAP" \
	-e procsnap_snapread="$SNAPREAD" >"$F/run.out" 2>"$F/run.err"
rc=$?
took=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "     (ansible-playbook took ${took} ms)"
eq "fleet: ansible-playbook exits 2 (some hosts failed)" 2 "$rc"
[ "$rc" = 2 ] || { cat "$F/run.out" "$F/run.err" | tail -n 60; }

LOG="$F/collected/custody.jsonl"
# rec HOST JQ: JQ holds for HOST's custody record.
rec() { jq -c --arg h "$1" 'select(.host == $h)' "$LOG" | jq -e "$2" >/dev/null; }
# hj HOST JQ: JQ holds for the host.json in HOST's archive.
hj() { bsdtar -xOf "$(jq -r --arg h "$1" 'select(.host == $h) | .archive' "$LOG")" '*/host.json' | jq -e "$2" >/dev/null; }
check "fleet: the custody log exists" test -s "$LOG"
check "fleet: every custody line is JSON" jq -e . "$LOG"
eq "fleet: one custody record per host" "alpha bravo charlie delta echo" \
	"$(jq -r .host "$LOG" | sort | xargs)"
eq "fleet: one run" 1 "$(jq -r .run "$LOG" | sort -u | wc -l)"
eq "fleet: the failed hosts listed at the end" 1 \
	"$(grep -c 'FAILED HOSTS (2): delta, echo\.' "$F/run.out")"
eq "fleet: and in the custody log" "delta echo" \
	"$(jq -r 'select(.status == "failed") | .host' "$LOG" | sort | xargs)"
check "fleet: delta failed as unreachable" rec delta '.error | test("unreachable")'
check "fleet: echo failed at the capture, procsnap's reason kept" \
	rec echo '.error | test("^Capture .*--read-timeout: .bogus. is not")'
eq "fleet: echo was cleaned after its failure" true "$(jq -r 'select(.host == "echo") | .cleaned' "$LOG")"

version=$("$PROCSNAP" -V)
for h in alpha bravo charlie; do
	r=$(jq -c --arg h "$h" 'select(.host == $h)' "$LOG")
	a=$(jq -r .archive <<<"$r")
	eq "$h: status ok" ok "$(jq -r .status <<<"$r")"
	case $(basename "$a") in
	"$h.procsnap-${HN[$h]}-"*) ok "$h: archive named for the inventory host ($(basename "$a"))" ;;
	*) fail "$h: archive named for the inventory host" "got '$a'" ;;
	esac
	check "$h: archive on the controller" test -f "$a" -a "$(dirname "$a")" = "$F/collected"
	sha=$(sha256sum "$a" | cut -c1-64)
	eq "$h: SHA-256 on the host = on the controller = the file's" "$sha $sha true" \
		"$(jq -r '"\(.sha256_host) \(.sha256_controller) \(.sha256_match)"' <<<"$r")"
	eq "$h: snapread verify passed" "ok 0" "$(jq -r '"\(.verify) \(.verify_rc)"' <<<"$r")"
	check "$h: and passes again here" "$SNAPREAD" verify "$a"
	eq "$h: procsnap version recorded" "$version" "$(jq -r .procsnap_version <<<"$r")"
	check "$h: start <= end, UTC, controller and host clocks" jq -e '
		(.start | test("^[0-9-]{10}T[0-9:.]+Z$")) and (.end | test("Z$")) and .start <= .end
		and (.host_start | test("^[0-9-]{10}T[0-9:.]+Z$")) and .host_start <= .host_end' <<<"$r"
	eq "$h: the binary sent is recorded with its hash" "$SENT $(sha256sum "$SENT" | cut -c1-64)" \
		"$(jq -r '"\(.binary) \(.binary_sha256)"' <<<"$r")"
	eq "$h: host cleaned" true "$(jq -r .cleaned <<<"$r")"
	# The archive came from that namespace: its hostname is the one set there.
	eq "$h: the archive is that host's capture" "${HN[$h]}" \
		"$(bsdtar -xOf "$a" '*/host.json' 2>/dev/null | jq -r .hostname)"
done
eq "bravo: only the chosen pid (procsnap_pids)" "${PID[bravo]}" \
	"$("$SNAPREAD" ps --json "$(jq -r 'select(.host == "bravo") | .archive' "$LOG")" | jq -sr 'map(.pid) | join(" ")')"
check "charlie: zstd, read-timeout and max-file-size passed" rec charlie '
	(.archive | endswith(".tar.zst")) and (.argv | index("--read-timeout") != null)
	and (.argv | index("--max-file-size") != null) and (.argv | index("--no-content") != null)'
# procsnap_extra_args: a string split at spaces, and a list, appended as is.
check "charlie: procsnap_extra_args as a string, split at spaces" rec charlie '
	.argv[-3:] == ["--no-sock-diag", "--hash-max-size", "64M"]'
check "charlie: and they took effect (host.json)" hj charlie '
	.hash_max_size == 67108864 and .sock_diag.used == false and .max_file_size == 1048576'
check "bravo: procsnap_extra_args as a list" rec bravo '
	.argv[-3:] == ["--no-probe-pids", "--memory", "none"]'
check "bravo: and they took effect (host.json)" hj bravo '.memory == "none"'
check "alpha: the whole host, metadata only" rec alpha '
	.argv == ["-o", (.remote_archive | split("/")[:-1] | join("/")), "--no-content", "--compress", "gzip"]'
eq "fleet: no other archives on the controller" 3 "$(ls "$F/collected" | grep -c '\.tar')"
# What the run collected is what snapread stack takes: the directory, as
# it is (the custody log beside the archives is not one).
"$SNAPREAD" stack --json --by user "$F/collected" >"$F/stack.jsonl" 2>"$F/stack.err"
eq "fleet: snapread stack reads the collected directory (exit 0)" 0 "$?"
eq "fleet: three hosts, by their hostnames" "fleet-1 fleet-2 fleet-3" \
	"$(jq -r 'select(.kind == "host") | .host' "$F/stack.jsonl" | xargs)"

# Nothing left on the hosts: no work directory, no tmpfs in any sshd's
# mount namespace (ip netns exec gives each its own), no staging directory.
eq "fleet: no work directory left on the hosts" "" "$(ls -A "$F/work")"
for h in alpha bravo charlie echo; do
	eq "$h: no procsnap tmpfs left mounted" 0 "$(grep -c '^procsnap ' "/proc/${PID[$h]}/mounts")"
done
check "fleet: ansible's remote_tmp was never used (all in the tmpfs)" test ! -e "$F/remote-tmp-must-stay-unused"

# --- a second run appends, and an error on the controller stops before any host ----------
play -l alpha -e procsnap_dest="$F/collected" -e procsnap_binary="$F/none" -e procsnap_binary_fallback="$F/none2" \
	-e procsnap_snapread="$SNAPREAD" >"$F/run2.out" 2>&1
eq "fleet: no binary on the controller: ansible-playbook fails" 2 "$?"
check "fleet: and says why" grep -q "no procsnap to send" "$F/run2.out"
eq "fleet: and no host was touched (custody log unchanged)" 5 "$(wc -l <"$LOG")"

finish
