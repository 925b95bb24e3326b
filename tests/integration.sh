#!/usr/bin/env bash
# integration.sh: runs every tests/it_*.sh and prints the combined count.
set -u
cd "$(dirname "$0")/.."
export RESULTS=$(mktemp /tmp/procsnap-results.XXXXXX)
status=0
for t in tests/it_*.sh; do
	echo "== $t"
	bash "$t" || status=1
done
# Every command's --json was validated against docs/schema/ by some test.
for c in ps fds show extract verify diff watch; do
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
