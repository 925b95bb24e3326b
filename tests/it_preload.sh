#!/usr/bin/env bash
# it_preload.sh: the userland rootkit a responder meets most often — a
# preloaded library that hides a process from /proc listings and its port
# from /proc/net/tcp (tests/preload/hide.c) — through LD_PRELOAD and
# through /etc/ld.so.preload (an overlay on /etc in a private mount
# namespace: the host's /etc is never written).  procsnap-static must
# capture the process and its port regardless; the dynamic procsnap must
# warn that it carries foreign code and record it in host.json.  Then a
# provider named by OPENSSL_CONF and a gconv module under GCONV_PATH
# (tests/preload/inject.c) must not run inside the capture.  Last, both
# builds write the same archive of a fixed tree.
. "$(dirname "$0")/lib.sh"

STATIC=${PROCSNAP_STATIC:-$B/procsnap-static}
DYNAMIC=$B/procsnap
have_static=0
[ -x "$STATIC" ] && have_static=1
# ASan wants to be the first object loaded; the hook comes before it here.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

for f in "$B/tests/libhide.so" "$B/tests/libinject.so" "$HOLDER"; do
	if [ ! -f "$f" ]; then
		fail "preload: $f" "not built (make integration builds it)"
		finish; exit $?
	fi
done
if ! need_root; then
	skip "preload" "needs root (other users' processes, mounts)"
	finish; exit $?
fi

# The rootkit, configured to hide the processes named hidden-holder and
# the port of the one started here.
mkdir -p "$T/kit"
LIB="$T/kit/libhide.so"
cp "$B/tests/libhide.so" "$LIB"
cp "$HOLDER" "$T/kit/hidden-holder"
HOLDER="$T/kit/hidden-holder" start_holder H sockets || { fail "preload: holder" "did not start"; finish; exit $?; }
pid=$(field "$H" pid)
port=$(field "$H" listen_port)
hexport=$(printf '%04X' "$port")
printf 'process hidden-holder\nport %s\n' "$port" >"$LIB.conf"

# The hook works, or the rest proves nothing: ls and cat, dynamically
# linked, no longer see the process or its listening port.
eq "hook: ls /proc lists the process without it" 1 "$(ls /proc | grep -cx "$pid")"
eq "hook: ls /proc under it misses the process" 0 "$(LD_PRELOAD=$LIB ls /proc | grep -cx "$pid")"
eq "hook: /proc/net/tcp under it misses the listener" 0 \
	"$(LD_PRELOAD=$LIB cat /proc/net/tcp | awk -v p=":$hexport" '$2 ~ p"$" && $4 == "0A"' | wc -l)"

# cap NAME PROGRAM [VAR=VALUE...] [-- WRAPPER...]: a metadata capture into
# $T/NAME (stderr in $T/NAME.err) with the variables set, through the
# wrapper when given; prints the extracted top directory, or nothing.
cap() {
	local n=$1 prog=$2 a; shift 2
	local vars=() wrap=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do vars+=("$1"); shift; done
	[ "${1:-}" = "--" ] && { shift; wrap=("$@"); }
	mkdir -p "$T/$n"
	a=$("${wrap[@]}" env "${vars[@]}" "$prog" -q --no-content -o "$T/$n" 2>"$T/$n.err") || return 0
	extract "$a" "$T/$n/x"
}

# Checks that capture S holds the hidden process and its listening port.
sees_all() {
	local what=$1 S=$2
	eq "$what: the hidden process is captured" hidden-holder \
		"$(jq -r .name "$S/proc/$pid/process.json" 2>/dev/null)"
	eq "$what: its listening socket is in its fds" 1 \
		"$(jq -s --arg p ":$port" '[.[] | select(.socket.state == "LISTEN" and (.socket.local | endswith($p)))] | length' \
		"$S/proc/$pid/fds.jsonl" 2>/dev/null)"
	eq "$what: the port is in host/net/tcp" 1 \
		"$(awk -v p=":$hexport" '$2 ~ p"$" && $4 == "0A"' "$S/host/net/tcp" 2>/dev/null | wc -l)"
}

# Checks that the dynamic capture S (stderr E) reports the hook as foreign.
warns() {
	local what=$1 S=$2 E=$3
	eq "$what: stderr names the foreign object" 1 \
		"$(grep -c "^procsnap: WARNING: foreign code in procsnap: $LIB is none of its libraries.*use procsnap-static" "$E")"
	eq "$what: host.json records it" "$LIB" \
		"$(jq -r '.self_check.foreign_objects[].path' "$S/host.json" 2>/dev/null)"
	eq "$what: host.json says dynamic" dynamic "$(jq -r .self_check.linked "$S/host.json" 2>/dev/null)"
	# What the warning is for: the hook hid the process from the dynamic
	# build's listing of /proc and its port from /proc/net/tcp.  The
	# search outside the listing (children, cgroup.procs, the pidfd
	# probe) and sock_diag, which the hook does not filter, see through
	# it: the process is captured, flagged, and so is its port.
	eq "$what: the hook hid the process from the listing; found outside it" \
		'["not-listed"]' "$(jq -c .hidden "$S/proc/$pid/process.json" 2>/dev/null)"
	eq "$what: its port, hidden from /proc/net/tcp, is flagged" '["proc-net"]' \
		"$(jq -c --arg p ":$port" 'select(.socket.state == "LISTEN" and (.socket.local | endswith($p))) | .socket.hidden' \
		"$S/proc/$pid/fds.jsonl" 2>/dev/null)"
}

# ---- LD_PRELOAD ----
S=$(cap dyn-env "$DYNAMIC" LD_PRELOAD="$LIB")
if [ -n "$S" ]; then
	warns "LD_PRELOAD, dynamic" "$S" "$T/dyn-env.err"
	eq "LD_PRELOAD, dynamic: the variable is warned about" 1 \
		"$(grep -c "^procsnap: WARNING: LD_PRELOAD=$LIB is set" "$T/dyn-env.err")"
	eq "LD_PRELOAD, dynamic: host.json records the variable" "$LIB" \
		"$(jq -r '.self_check.environment[] | select(.name == "LD_PRELOAD") | .value' "$S/host.json")"
else
	fail "LD_PRELOAD, dynamic: capture" "$(cat "$T/dyn-env.err")"
fi
if [ "$have_static" = 1 ]; then
	S=$(cap st-env "$STATIC" LD_PRELOAD="$LIB")
	if [ -n "$S" ]; then
		sees_all "LD_PRELOAD, static" "$S"
		eq "LD_PRELOAD, static: host.json says static, nothing foreign" "static 0" \
			"$(jq -r '"\(.self_check.linked) \(.self_check.foreign_objects | length)"' "$S/host.json")"
		eq "LD_PRELOAD, static: the variable is recorded" "$LIB" \
			"$(jq -r '.self_check.environment[] | select(.name == "LD_PRELOAD") | .value' "$S/host.json")"
		eq "LD_PRELOAD, static: a note, no warning" "1 0" \
			"$(grep -c '^procsnap: note: LD_PRELOAD is set' "$T/st-env.err") $(grep -c WARNING "$T/st-env.err")"
	else
		fail "LD_PRELOAD, static: capture" "$(cat "$T/st-env.err")"
	fi
else
	skip "LD_PRELOAD, static" "$STATIC is not built: SANITIZE=1 cannot link it (the plain make check runs this)"
fi

# ---- /etc/ld.so.preload, in a private mount namespace ----
# The namespace ends with the capture it runs: its overlay with it.
host_preload() { [ -e /etc/ld.so.preload ] && md5sum </etc/ld.so.preload || echo absent; }
before=$(host_preload)
mkdir -p "$T/ov/upper" "$T/ov/work"
printf '%s\n' "$LIB" >"$T/ov/upper/ld.so.preload"
PRELOAD_NS=(unshare -m --propagation private sh -c
	'mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1,workdir=$2" /etc && shift 2 && exec "$@"'
	sh "$T/ov/upper" "$T/ov/work")
if ! "${PRELOAD_NS[@]}" cat /etc/ld.so.preload >/dev/null 2>"$T/ov.err"; then
	skip "/etc/ld.so.preload" "no overlay on /etc in a private mount namespace: $(cat "$T/ov.err")"
else
	eq "ld.so.preload: ls in the namespace misses the process" 0 \
		"$("${PRELOAD_NS[@]}" ls /proc | grep -cx "$pid")"
	S=$(cap dyn-file "$DYNAMIC" -- "${PRELOAD_NS[@]}")
	if [ -n "$S" ]; then
		warns "ld.so.preload, dynamic" "$S" "$T/dyn-file.err"
		eq "ld.so.preload, dynamic: no loader variable was needed" 0 \
			"$(jq '.self_check.environment | length' "$S/host.json")"
		eq "ld.so.preload, dynamic: the file is warned about" 1 \
			"$(grep -c '^procsnap: WARNING: /etc/ld.so.preload is not empty' "$T/dyn-file.err")"
	else
		fail "ld.so.preload, dynamic: capture" "$(cat "$T/dyn-file.err")"
	fi
	if [ "$have_static" = 1 ]; then
		S=$(cap st-file "$STATIC" -- "${PRELOAD_NS[@]}")
		if [ -n "$S" ]; then
			sees_all "ld.so.preload, static" "$S"
			eq "ld.so.preload, static: the file is stored raw" "$LIB" "$(cat "$S/host/etc/ld.so.preload")"
			eq "ld.so.preload, static: host.json lists it" "true host/etc/ld.so.preload" \
				"$(jq -r '.host_files[] | select(.path == "/etc/ld.so.preload") | "\(.present) \(.member)"' "$S/host.json")"
			eq "ld.so.preload, static: stderr says so" 1 \
				"$(grep -c '^procsnap: /etc/ld.so.preload is not empty.*(procsnap-static does not)' "$T/st-file.err")"
			eq "ld.so.preload, static: nothing foreign" 0 \
				"$(jq '.self_check.foreign_objects | length' "$S/host.json")"
		else
			fail "ld.so.preload, static: capture" "$(cat "$T/st-file.err")"
		fi
	else
		skip "ld.so.preload, static" "$STATIC is not built: SANITIZE=1 cannot link it (the plain make check runs this)"
	fi
	eq "ld.so.preload: the host's own file is as it was" "$before" "$(host_preload)"
	eq "ld.so.preload: no overlay left on the host's /etc" 0 \
		"$(awk '$2 == "/etc" && $3 == "overlay"' /proc/self/mounts | wc -l)"
fi
stop_holder H

# ---- OPENSSL_CONF and GCONV_PATH ----
# A provider module named by an OpenSSL config, and a gconv module for the
# conversion libarchive asks iconv for (names to UTF-8): each writes
# MODULE.ran when its code runs.
mkdir -p "$T/inj/gconv"
cp "$B/tests/libinject.so" "$T/inj/provider.so"
cp "$B/tests/libinject.so" "$T/inj/gconv/INJECT.so"
cat >"$T/inj/openssl.cnf" <<EOF
openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
[provider_sect]
default = default_sect
inject = inject_sect
[default_sect]
activate = 1
[inject_sect]
module = $T/inj/provider.so
activate = 1
EOF
printf 'module ANSI_X3.4-1968// UTF-8// INJECT 1\nmodule ANSI_X3.4-1968// ISO-10646/UTF8/ INJECT 1\n' \
	>"$T/inj/gconv/gconv-modules"
ran() { [ -e "$1.ran" ] && echo ran || echo "not run"; }
# Both traps work, or the rest proves nothing.
OPENSSL_CONF="$T/inj/openssl.cnf" openssl list -providers >/dev/null 2>&1
eq "inject: openssl itself loads the provider" ran "$(ran "$T/inj/provider.so")"
echo x | GCONV_PATH="$T/inj/gconv" iconv -f ANSI_X3.4-1968 -t UTF-8 >/dev/null 2>&1
eq "inject: iconv itself loads the gconv module" ran "$(ran "$T/inj/gconv/INJECT.so")"
rm -f "$T/inj/provider.so.ran" "$T/inj/gconv/INJECT.so.ran"

S=$(cap dyn-ssl "$DYNAMIC" OPENSSL_CONF="$T/inj/openssl.cnf")
eq "OPENSSL_CONF, dynamic: capture" true "$([ -n "$S" ] && echo true)"
# digest.c hashes with SHA256_*, which read no configuration.
eq "OPENSSL_CONF, dynamic: the provider never runs" "not run" "$(ran "$T/inj/provider.so")"
eq "OPENSSL_CONF, dynamic: the variable is warned about" 1 \
	"$(grep -c '^procsnap: WARNING: OPENSSL_CONF=' "$T/dyn-ssl.err")"
S=$(cap dyn-gconv "$DYNAMIC" GCONV_PATH="$T/inj/gconv")
eq "GCONV_PATH, dynamic: the variable is warned about" 1 \
	"$(grep -c '^procsnap: WARNING: GCONV_PATH=' "$T/dyn-gconv.err")"
rm -f "$T/inj/gconv/INJECT.so.ran"
if [ "$have_static" = 1 ]; then
	S=$(cap st-inject "$STATIC" OPENSSL_CONF="$T/inj/openssl.cnf" GCONV_PATH="$T/inj/gconv")
	if [ -n "$S" ]; then
		eq "OPENSSL_CONF, static: the provider never runs" "not run" "$(ran "$T/inj/provider.so")"
		eq "GCONV_PATH, static: the gconv module never runs" "not run" "$(ran "$T/inj/gconv/INJECT.so")"
		eq "inject, static: both variables recorded" "GCONV_PATH OPENSSL_CONF" \
			"$(jq -r '[.self_check.environment[].name] | sort | join(" ")' "$S/host.json")"
		check "inject, static: the archive verifies" "$SNAPREAD" verify "$T"/st-inject/*.tar.gz
	else
		fail "inject, static: capture" "$(cat "$T/st-inject.err")"
	fi
else
	skip "OPENSSL_CONF and GCONV_PATH, static" "$STATIC is not built: SANITIZE=1 cannot link it (the plain make check runs this)"
fi

# ---- the same archive format ----
# Both builds capture the fixed tree (tests/it_golden.sh): the same
# members, modes, owners and sizes, and the same bytes in every member but
# those that say when and by whom (host.json, summary.json, the manifest).
if [ "$have_static" = 1 ]; then
	for b in dynamic static; do
		prog=$DYNAMIC; [ $b = static ] && prog=$STATIC
		(cd "$ROOT" && "$prog" -q --proc fixtures/proctree --host-root fixtures/hostroot \
			--compress none -o - >"$T/fmt-$b.tar" 2>"$T/fmt-$b.err")
		mkdir -p "$T/fmt-$b"
		tar xf "$T/fmt-$b.tar" -C "$T/fmt-$b"
		tar tvf "$T/fmt-$b.tar" | awk '$6 !~ /(host|summary)\.json$|MANIFEST/ {print $1, $2, $3, $NF}' \
			| sed 's|procsnap-[^/]*/||' >"$T/fmt-$b.list"
	done
	eq "format: both builds write the same members, modes, owners, sizes" "" \
		"$(diff "$T/fmt-dynamic.list" "$T/fmt-static.list")"
	check "format: the fixed tree's capture has members" test -s "$T/fmt-static.list"
	# format.json names the top directory, which carries the second each
	# capture started: compared without it.
	eq "format: the same bytes in every member but host.json, summary.json, the manifest" "" \
		"$(diff -r -x host.json -x summary.json -x MANIFEST.sha256 -x format.json \
			"$T"/fmt-dynamic/procsnap-* "$T"/fmt-static/procsnap-*)"
	eq "format: the same format.json but its top directory's time" \
		"$(jq -c 'del(.top)' "$T"/fmt-dynamic/procsnap-*/format.json)" \
		"$(jq -c 'del(.top)' "$T"/fmt-static/procsnap-*/format.json)"
else
	skip "format, static" "$STATIC is not built: SANITIZE=1 cannot link it (the plain make check runs this)"
fi
finish
