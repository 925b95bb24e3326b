#!/usr/bin/env bash
# it_bounds.sh: big processes and process churn are captured whole — no
# truncation, no failure — and processes that vanish are marked as such.
. "$(dirname "$0")/lib.sh"
STRESS="$B/stress"

if ! need_root; then
	skip "bounds" "need root to read other processes"
	finish; exit $?
fi

# start_stress VAR ARGS...: like start_holder, for fixtures/stress.c.
start_stress() { local v=$1; shift; HOLDER=$STRESS start_holder "$v" "$@"; }

snap() {
	local n=$1; shift
	A=$(capture "$T/$n" "$@") || { S=; return 1; }
	S=$(extract "$A" "$T/$n/x")
}

# --- 100,000 fds: six processes of 16,700 (the fd hard limit here is 20,000)
pids=()
for i in 1 2 3 4 5 6; do
	start_stress "F$i" fds 16700 || break
	v="F$i"; pids+=("$(field "${!v}" pid)")
done
args=(); live=0
for p in "${pids[@]}"; do args+=(-p "$p"); live=$((live + $(ls /proc/"$p"/fd | wc -l))); done
if snap fds "${args[@]}" --compress none; then ok "100k fds: capture completes"; else fail "100k fds: capture completes" "procsnap failed"; fi
total=0
for p in "${pids[@]}"; do total=$((total + $(wc -l <"$S/proc/$p/fds.jsonl"))); done
eq "100k fds: at least 100,000 fds held" true "$([ "$live" -ge 100000 ] && echo true)"
eq "100k fds: every fd recorded" "$live" "$total"
eq "100k fds: fd_count agrees" "$(wc -l <"$S/proc/${pids[0]}/fds.jsonl")" \
	"$(jq -r .fd_count "$S/proc/${pids[0]}/process.json")"
for i in 1 2 3 4 5 6; do stop_holder "F$i"; done

# --- a maps file of 50,000 lines --------------------------------------------
start_stress M maps 50000
pid=$(field "$M" pid)
snap maps -p "$pid"
eq "maps: all lines kept" true "$([ "$(wc -l <"$S/proc/$pid/maps")" -ge 50000 ] && echo true)"
eq "maps: not truncated" false "$(jq -r .files.maps.truncated "$S/proc/$pid/process.json")"
stop_holder M

# --- an environ of 1 MiB -----------------------------------------------------
start_stress E environ 1048576
pid=$(field "$E" pid)
want=$(sha256sum </proc/"$pid"/environ | cut -c1-64)
snap environ -p "$pid"
eq "environ: 1 MiB kept" 1048576 "$(jq -r .files.environ.size "$S/proc/$pid/process.json")"
eq "environ: exact bytes" "$want" "$(sha256sum <"$S/proc/$pid/environ" | cut -c1-64)"
stop_holder E

# --- 500 threads sharing one fd table: read once ------------------------------
start_holder TH threads 500
pid=$(field "$TH" pid)
snap threads -p "$pid"
eq "threads: one fd table, not one per thread" "$(ls /proc/"$pid"/fd | wc -l)" \
	"$(wc -l <"$S/proc/$pid/fds.jsonl")"
eq "threads: thread count recorded" 501 "$(jq -r .threads "$S/proc/$pid/process.json")"
stop_holder TH

# --- churn: hundreds of processes a second come and go -----------------------
start_stress C churn 400
if snap churn; then ok "churn: capture completes"; else fail "churn: capture completes" "procsnap failed"; fi
check "churn: manifest passes" bash -c "cd '$S' && sha256sum -c --quiet MANIFEST.sha256"
# Every process is either complete (has its stat) or marked vanished with
# what was missed.
bad=$(cat "$S"/proc/*/process.json | jq -s '[.[] | select((.start_time == null) and (.vanished != true))] | length')
eq "churn: every process complete or marked vanished" 0 "$bad"
bad=$(cat "$S"/proc/*/process.json | jq -s '[.[] | select(.vanished == true and (.errors | length) == 0)] | length')
eq "churn: every vanished process says what was missed" 0 "$bad"
stop_holder C
grep -q forked "$C_OUT.err" && echo "   ($(cat "$C_OUT.err"))"

finish
