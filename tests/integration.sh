#!/usr/bin/env bash
# integration.sh [TEST...]: runs the given tests/it_*.sh (default: every
# one) and prints the combined count.  PROCSNAP, when set, is the capture
# program they run (tests/lib.sh).
set -u
cd "$(dirname "$0")/.."
export RESULTS=$(mktemp /tmp/procsnap-results.XXXXXX)
status=0
# The schema coverage below is a property of the whole suite: a subset
# (integration-static's capture tests) is not asked for it.
all=0
[ $# -gt 0 ] || { all=1; set -- tests/it_*.sh; }
[ -n "${PROCSNAP:-}" ] && echo "integration: capture program $PROCSNAP"
for t in "$@"; do
	echo "== $t"
	bash "$t" || status=1
done
# Every command's --json was validated against docs/schema/ by some test.
for c in ps fds show extract verify diff timeline triage stack watch; do
	[ "$all" = 1 ] || break
	if grep -qx "json $c" "$RESULTS"; then
		echo "pass json schema: some $c --json output validated" >>"$RESULTS"
	else
		echo "FAIL json schema: no $c --json output was validated"
		echo "fail json schema: $c" >>"$RESULTS"
	fi
done
pass=$(grep -c '^pass' "$RESULTS")
fail=$(grep -c '^fail' "$RESULTS")
skipn=$(grep -c '^skip' "$RESULTS")
rm -f "$RESULTS"
echo "integration: $pass passed, $fail failed, $skipn skipped"
[ "$fail" -eq 0 ] && [ "$status" -eq 0 ]
