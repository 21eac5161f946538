#!/usr/bin/env bash
# Start-up benchmarks: `run` of a busybox `true` bundle, then `exec true` in a running container, with
# tsrunc (standalone and Node entry), runc and crun, each in ONE hyperfine invocation so the ratios
# are comparable. crun 1.8 refuses this machine's
# hybrid cgroup layout, so every command runs inside a private mount namespace where the cgroup2 mount
# at /sys/fs/cgroup/unified is unmounted (the same wrapper for all, so the comparison stays fair).
set -euo pipefail
cd "$(dirname "$0")/.."
for p in hyperfine runc crun; do
  command -v $p >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine runc crun >/dev/null; break; }
done
runs=${RUNS:-50}
work=$(mktemp -d /tmp/tsrunc-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bundle"
cp -a rootfs-cache/busybox "$work/bundle/rootfs"
(cd "$work/bundle" && "$OLDPWD/tsrunc" spec)
node -e '
const fs=require("fs"); const f=process.argv[1]; const c=JSON.parse(fs.readFileSync(f));
c.ociVersion="1.0.2"; c.process.terminal=false; c.process.args=["true"];
fs.writeFileSync(f, JSON.stringify(c));' "$work/bundle/config.json"
tsrunc=$PWD/tsrunc
node_entry="node $PWD/dist/tsrunc.js"
wrap() { echo "unshare -m --propagation private sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; $1'"; }
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
# compare NAME FN: one hyperfine invocation of `FN BINARY NAME` for the four runtimes, then the ratios.
compare() {
  local args=()
  for i in "${!names[@]}"; do args+=(-n "${labels[$i]}" "$($2 "${bins[$i]}" "${names[$i]}")"); done
  hyperfine -N --warmup 5 --runs "$runs" --export-json "$work/$1.json" "${args[@]}"
  ratios "$work/$1.json" "$1"
}
run_cmd() { wrap "$1 --root $work/state-$2 run --bundle $work/bundle bench-$2"; }
compare run run_cmd

# exec: one long-running container per runtime (made and removed through the same wrapper).
node -e '
const fs=require("fs"); const f=process.argv[1]; const c=JSON.parse(fs.readFileSync(f));
c.process.args=["sleep","100000"]; fs.writeFileSync(f, JSON.stringify(c));' "$work/bundle/config.json"
cleanup() {
  for i in "${!names[@]}"; do
    sh -c "$(wrap "${bins[$i]} --root $work/state-${names[$i]} delete --force exec-${names[$i]}")" >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
for i in "${!names[@]}"; do
  sh -c "$(wrap "${bins[$i]} --root $work/state-${names[$i]} run -d --bundle $work/bundle exec-${names[$i]}")" </dev/null >/dev/null
done
exec_cmd() { wrap "$1 --root $work/state-$2 exec exec-$2 true"; }
compare exec exec_cmd
