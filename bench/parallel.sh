#!/usr/bin/env bash
# bench/parallel.sh (issue 12): 100 containers created, started and deleted, 10 at a time, per
# runtime (tsrunc, runc; crun too where it runs). Reports failures, the total wall time, and the peak
# of the summed Pss (shared pages split between their users, so the sum is real memory) of every
# runtime process alive at once, sampled every 5 ms from /proc; the containers' own processes are
# not counted: only processes whose executable is the runtime's. A first row gives the same peak for
# P bare Bun executables alive at once (the floor of any Bun-built runtime).
# Usage: bash bench/parallel.sh [N=100] [P=10]. Appends its table to bench/RESULTS.md when that
# file exists (make bench writes it first).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100}
par=${2:-10}
work=$(mktemp -d /tmp/tsrunc-par.XXXXXX)
trap 'rm -rf "$work"' EXIT
. bench/lib.sh
make_bundle "$work" sleep 5

# sample EXE_REALPATH OUT: every 5 ms, the sum of Pss (kB) of the processes running EXE; the max
# (in one node process: a shell loop forking readlink per pid takes seconds per pass).
sample() {
  node -e '
const fs = require("fs");
const [exe, out, stop] = process.argv.slice(1);
let peak = 0, peakAnon = 0, peakProcs = 0;
const tick = () => {
  let sum = 0, anon = 0, procs = 0;
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (fs.readlinkSync(`/proc/${d}/exe`) !== exe) continue;
      const r = fs.readFileSync(`/proc/${d}/smaps_rollup`, "utf8");
      const m = /^Pss:\s+(\d+)/m.exec(r), a = /^Pss_Anon:\s+(\d+)/m.exec(r);
      if (m) { sum += Number(m[1]); procs++; }
      if (a) anon += Number(a[1]);
    } catch { /* gone or not ours */ }
  }
  if (sum > peak) { peak = sum; peakAnon = anon; peakProcs = procs; }
  if (fs.existsSync(stop)) { fs.writeFileSync(out, `${peak} ${peakAnon} ${peakProcs}\n`); return; }
  setTimeout(tick, 5);
};
tick();' "$1" "$2" "$work/stop"
}

rows=""
for rt in tsrunc runc crun; do
  case $rt in
    tsrunc) bin=$PWD/tsrunc ;;
    *) bin=$(command -v $rt) || continue ;;
  esac
  exe=$(readlink -f "$bin")
  rm -f "$work/stop"
  sample "$exe" "$work/peak-$rt" &
  sampler=$!
  start=$(date +%s.%N)
  fails=$(seq 1 "$n" | xargs -P "$par" -I{} sh -c "$(wrap "$bin --root $work/state-$rt create --bundle $work/bundle par-$rt-{} && $bin --root $work/state-$rt start par-$rt-{} && $bin --root $work/state-$rt delete --force par-$rt-{}")"' >/dev/null 2>&1 || echo fail' | grep -c fail || true)
  end=$(date +%s.%N)
  touch "$work/stop"
  wait $sampler
  total=$(echo "$end - $start" | bc)
  read -r peak anon procs < "$work/peak-$rt"
  echo "$rt: $n containers, $par at a time: $fails failed, ${total}s, peak Pss of runtime processes ${peak} kB ($anon kB anonymous, $procs processes)"
  rows+="| $rt | $fails | $(printf %.2f "$total") | $peak | $anon | $((peak - anon)) | $procs |"$'\n'
done
crun_droppings $(seq -f "par-crun-%g" 1 "$n")
# The floor (issue 12): $par bare Bun executables (bench/floor-hold.ts, built with tsrunc's flags) alive
# at once, idle after their start, sampled the same way. No Bun executable's processes, $par at a
# time, can hold less than this.
hold=$PWD/bench/floor-hold
[ -x "$hold" ] || make -s bench/floor-hold
rm -f "$work/stop"
sample "$(readlink -f "$hold")" "$work/peak-floor" &
sampler=$!
holders=()
for _ in $(seq 1 "$par"); do "$hold" 1000 >/dev/null & holders+=($!); done
wait "${holders[@]}"
touch "$work/stop"
wait $sampler
read -r peak anon procs < "$work/peak-floor"
echo "floor: $par bare Bun executables at once: peak Pss ${peak} kB ($anon kB anonymous, $procs processes)"
rows="| bare Bun executable (floor), $par alive at once, idle | | | $peak | $anon | $((peak - anon)) | $procs |"$'\n'"$rows"
if [ -f bench/RESULTS.md ]; then
  {
    printf '\n## %s containers created, started and deleted, %s at a time\n\n' "$n" "$par"
    printf 'Pss splits a shared page between the processes mapping it, so the sum counts the executable'"'"'s pages\n'
    printf 'in the page cache once (file-backed) and each process'"'"'s own heap and stacks (anonymous) in full.\n\n'
    printf '| runtime | failures | total (s) | peak Pss of all runtime processes (kB) | of which anonymous (kB) | file-backed (kB) | processes at the peak |\n|---|---|---|---|---|---|---|\n%s' "$rows"
  } >> bench/RESULTS.md
fi
