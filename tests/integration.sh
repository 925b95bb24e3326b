#!/usr/bin/env bash
# integration.sh [TEST...]: runs the given tests/it_*.sh (default: every
# one) and prints the combined count.  PROCSNAP, when set, is the capture
# program they run (tests/lib.sh).
set -u
cd "$(dirname "$0")/.."
export RESULTS=$(mktemp /tmp/procsnap-results.XXXXXX)
status=0
[ $# -gt 0 ] || set -- tests/it_*.sh
[ -n "${PROCSNAP:-}" ] && echo "integration: capture program $PROCSNAP"
for t in "$@"; do
	echo "== $t"
	bash "$t" || status=1
done
pass=$(grep -c '^pass' "$RESULTS")
fail=$(grep -c '^fail' "$RESULTS")
skipn=$(grep -c '^skip' "$RESULTS")
rm -f "$RESULTS"
echo "integration: $pass passed, $fail failed, $skipn skipped"
[ "$fail" -eq 0 ] && [ "$status" -eq 0 ]
