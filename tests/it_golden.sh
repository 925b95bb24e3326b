#!/usr/bin/env bash
# it_golden.sh: a capture of the fixed tree fixtures/proctree, with the
# host's clock, uname, pid and uids pinned by a preload shim
# (tests/golden/shim.c), must give exactly the members stored in
# fixtures/golden/, byte for byte.  It guards refactoring: any change to
# what the capture writes shows here, and an intended one is accepted with
#     bash tests/it_golden.sh --update     (then review and commit the diff)
. "$(dirname "$0")/lib.sh"

SHIM="$B/tests/golden-shim.so"
EXPECT="$ROOT/fixtures/golden"
update=0
[ "${1:-}" = "--update" ] && update=1

# The shim pins a dynamic program; procsnap-static cannot be pinned.
if ! readelf -lW "$PROCSNAP" 2>/dev/null | grep -q ' INTERP '; then
	skip "golden: $PROCSNAP" "a static program: the preload shim cannot pin its clock"
	finish; exit $?
fi
if [ ! -f "$SHIM" ]; then
	fail "golden: shim" "$SHIM is not built (make $BUILD/tests/golden-shim.so)"
	finish; exit $?
fi
# Paths recorded in host.json (argv[0], --proc, --host-root, and the
# shim, which the self check names as foreign code) are given relative
# and fixed, so the members do not depend on where the checkout or the
# build is: the capture runs in $T, with the shim copied there and the
# fixtures linked.
cp "$SHIM" "$T/golden-shim.so" && ln -s "$ROOT/fixtures" "$T/fixtures" || exit 2
(
	cd "$T" || exit 2
	LD_PRELOAD=./golden-shim.so ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		bash -c 'exec -a procsnap "$0" "$@"' "$PROCSNAP" -q --proc fixtures/proctree \
		--host-root fixtures/hostroot --no-sock-diag --compress none -o - >"$T/golden.tar"
)
eq "golden: capture of the fixed tree succeeds" 0 "$?"
mkdir -p "$T/got"
check "golden: the archive extracts" tar xf "$T/golden.tar" -C "$T/got"
if [ "$update" = 1 ]; then
	rm -rf "$EXPECT" && mkdir -p "$EXPECT" && cp -a "$T/got/." "$EXPECT/"
	echo "golden: fixtures/golden updated; review it with git diff"
fi
if diff -r "$EXPECT" "$T/got" >"$T/diff" 2>&1; then
	ok "golden: every member is byte for byte as stored"
else
	fail "golden: members differ from fixtures/golden" "$(head -c 3000 "$T/diff")"
fi
eq "golden: the same member list" \
	"$(cd "$EXPECT" && find . -type f | sort | md5sum)" "$(cd "$T/got" && find . -type f | sort | md5sum)"

# What snapread shows of that archive, byte for byte (stdout, stderr and
# the exit status of each command), in fixtures/golden-views/.
VIEWS="$ROOT/fixtures/golden-views"
[ "$update" = 1 ] && rm -rf "$VIEWS" && mkdir -p "$VIEWS"
A="$T/golden.tar"
while IFS='|' read -r name args; do
	[ -n "$name" ] || continue
	# shellcheck disable=SC2086
	(cd "$T" && "$SNAPREAD" $args >"$T/v.out" 2>"$T/v.err"; echo "exit $?" >>"$T/v.err")
	sed -i "s|$T|TMP|g" "$T/v.out" "$T/v.err"
	cat "$T/v.out" "$T/v.err" >"$T/view"
	[ "$update" = 1 ] && cp "$T/view" "$VIEWS/$name"
	if cmp -s "$VIEWS/$name" "$T/view"; then
		ok "golden view: snapread $args"
	else
		fail "golden view: snapread $args" "$(diff "$VIEWS/$name" "$T/view" | head -20)"
	fi
done <<VIEWLIST
ps|ps golden.tar
ps-json|ps --json golden.tar
ps-tree|ps --tree golden.tar
fds|fds golden.tar
fds-json|fds --json golden.tar
fds-pid|fds --pid 4449 golden.tar
show-4449|show golden.tar 4449
show-4449-json|show --json golden.tar 4449
show-2|show golden.tar 2
show-4501|show golden.tar 4501
show-4502|show golden.tar 4502
verify|verify golden.tar
verify-json|verify --json golden.tar
diff-same|diff golden.tar golden.tar
diff-json|diff --json golden.tar golden.tar
extract-json|extract --json -o ex golden.tar
triage|triage golden.tar
triage-json|triage --json golden.tar
stack|stack golden.tar
stack-json|stack --json golden.tar
VIEWLIST
finish
