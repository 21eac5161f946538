#!/usr/bin/env bash
# Start-up benchmarks (issue 12): `--version`, `state` and `list`, `run` of a busybox `true` bundle, `exec
# true` and `kill` in a running container, with tsrunc (standalone and Node entry), runc, crun and a bare Bun
# executable (the floor), each in ONE hyperfine invocation so the ratios are comparable; then the Pss
# of a created container's init per runtime. Writes bench/RESULTS.md and bench/results.svg. crun 1.8 refuses this machine's
# hybrid cgroup layout, so every command runs inside a private mount namespace where the cgroup2 mount
# at /sys/fs/cgroup/unified is unmounted (the same wrapper for all, so the comparison stays fair).
set -euo pipefail
cd "$(dirname "$0")/.."
for p in hyperfine runc crun perf; do
  command -v $p >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine runc crun linux-perf >/dev/null; break; }
done
runs=${RUNS:-50}
work=$(mktemp -d /tmp/tsrunc-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
. bench/lib.sh
make_bundle "$work" true
tsrunc=$PWD/tsrunc
node_entry="node $PWD/dist/tsrunc.js"
# The floor (issue 12): a Bun executable built with tsrunc's own flags (Makefile) that prints one line.
floor=$PWD/bench/floor
[ -x "$floor" ] || make -s bench/floor
names=(tsrunc node runc crun)
bins=("$tsrunc" "$node_entry" runc crun)
labels=("tsrunc (bun executable)" "tsrunc (node dist/tsrunc.js)" runc crun)
ratios() {
  node -e '
const r=JSON.parse(require("fs").readFileSync(process.argv[1])).results;
const runc=r.find(x=>x.command==="runc").mean;
console.log("\n" + process.argv[2] + ": mean, and ratio to runc:");
for (const x of r) console.log(`  ${x.command.padEnd(30)} ${(x.mean*1000).toFixed(1).padStart(7)} ms  ${(x.mean/runc).toFixed(2)}x`);' "$1" "$2"
}
groups=()
# compare NAME TITLE FN: `FN BINARY NAME` prints the command for one runtime. One hyperfine invocation
# runs it for the four runtimes and the bare Bun executable (the floor), each through wrap; then the
# ratios; then the page faults of each (perf stat inside the same wrapper, so the wrapper's own
# unshare/sh/umount are not counted): faults do not depend on the load, times do.
compare() {
  local labs=("bare Bun executable (floor)") cmds=("$floor") args=() i n pf="{"
  for i in "${!names[@]}"; do labs+=("${labels[$i]}"); cmds+=("$($3 "${bins[$i]}" "${names[$i]}")"); done
  for i in "${!cmds[@]}"; do args+=(-n "${labs[$i]}" "$(wrap "${cmds[$i]}")"); done
  hyperfine -N --warmup 5 --runs "$runs" ${IGNORE_FAILURE:+-i} ${PREPARE:+--prepare "$PREPARE"} --export-json "$work/$1.json" "${args[@]}"
  ratios "$work/$1.json" "$1"
  for i in "${!cmds[@]}"; do
    [ -z "${PREPARE:-}" ] || break # the same commands as the back-to-back table: the same faults
    rm -f "$work/pf.csv"
    sh -c "$(wrap "perf stat -x, -e page-faults -r ${FAULT_RUNS:-10} -o $work/pf.csv ${cmds[$i]} >/dev/null 2>&1")" </dev/null || true
    n=$(awk -F, '/page-faults/ {print $1}' "$work/pf.csv" 2>/dev/null)
    pf+="\"${labs[$i]}\": ${n:-null},"
  done
  echo "${pf%,}}" > "$work/$1-faults.json"
  groups+=("{\"name\":\"$1\",\"title\":\"$2\",\"note\":\"${4:-}\",\"command\":\"$(wrap "$($3 RUNTIME x)" | sed -e "s|$work|\$WORK|g" -e 's/"/\\"/g')\"}")
}
version_cmd() { echo "$1 --version"; }
compare version "--version" version_cmd
state_cmd() { echo "$1 --root $work/state-$2 state missing-container"; }
IGNORE_FAILURE=1 compare state "state of a missing container (exits 1)" state_cmd
list_cmd() { echo "$1 --root $work/state-$2 list"; }
compare list "list (no containers)" list_cmd
run_cmd() { echo "$1 --root $work/state-$2 run --bundle $work/bundle bench-$2"; }
compare run "run of a busybox true" run_cmd
PREPARE='sleep 0.1' compare run-paced "run of a busybox true, paced (100 ms idle before each)" run_cmd "hyperfine --prepare 'sleep 0.1': each run starts after 100 ms idle, as containers are started in practice. Back to back (the table above) a runtime whose previous run joined its cgroups less than about one RCU grace period before finds the kernel's cgroup migration lock still warm and skips a 5-25 ms wait (strace shows crun often does); paced, every runtime pays that wait once per container (docs/ARCHITECTURE.md §7)."

# exec: one long-running container per runtime (made and removed through the same wrapper).
node -e '
const fs=require("fs"); const f=process.argv[1]; const c=JSON.parse(fs.readFileSync(f));
c.process.args=["sleep","100000"]; fs.writeFileSync(f, JSON.stringify(c));' "$work/bundle/config.json"
cleanup() {
  for i in "${!names[@]}"; do
    for id in exec-${names[$i]} pss-${names[$i]}; do
      sh -c "$(wrap "${bins[$i]} --root $work/state-${names[$i]} delete --force $id")" >/dev/null 2>&1 || true
    done
  done
  crun_droppings bench-crun exec-crun pss-crun
  rm -rf "$work"
}
trap cleanup EXIT
for i in "${!names[@]}"; do
  sh -c "$(wrap "${bins[$i]} --root $work/state-${names[$i]} run -d --bundle $work/bundle exec-${names[$i]}")" </dev/null >/dev/null
done
exec_cmd() { echo "$1 --root $work/state-$2 exec exec-$2 true"; }
compare exec "exec true in a running container" exec_cmd
PREPARE='sleep 0.1' compare exec-paced "exec true in a running container, paced (100 ms idle before each)" exec_cmd "The same pacing as for run above."
# kill (issue 12: state, kill and list within 5 ms of the floor): a signal the container's sleep ignores.
kill_cmd() { echo "$1 --root $work/state-$2 kill exec-$2 WINCH"; }
compare kill "kill WINCH to a running container" kill_cmd

# Memory: Pss of a created (not started) container's init, the process that waits for `start`.
pss="{"
for i in "${!names[@]}"; do
  sh -c "$(wrap "${bins[$i]} --root $work/state-${names[$i]} create --bundle $work/bundle pss-${names[$i]}")" </dev/null >/dev/null
  pid=$(sh -c "$(wrap "${bins[$i]} --root $work/state-${names[$i]} state pss-${names[$i]}")" | jq .pid)
  kb=$(awk '/^Pss:/ {print $2}' /proc/$pid/smaps_rollup)
  pss+="\"${labels[$i]}\": $kb,"
  sh -c "$(wrap "${bins[$i]} --root $work/state-${names[$i]} delete --force pss-${names[$i]}")" >/dev/null 2>&1 || true
done
echo "${pss%,}}" > "$work/pss.json"
echo "[$(IFS=,; echo "${groups[*]}")]" > "$work/groups.json"
node bench/report.js "$work" bench
