#!/bin/bash
# In the guest (started by tsrunc-vm.service from the 9p share, as root): puts the build on the
# guest's own disk, runs the test files, writes out/log and out/rc to the share, and returns (the
# unit then powers the guest off).
set -u
share=/mnt/share
out=$share/out
exec >"$out/log" 2>&1
echo "guest: $(uname -r), $(nproc) cpus, cgroup $(stat -fc %T /sys/fs/cgroup), systemd $(systemctl --version | head -1 | cut -d' ' -f2)"

# The build is 112 MB: executing it from 9p pages it in through virtio-9p for every run, so it is
# copied to the guest's disk once (the timings below show the difference).
opt=/opt/tsrunc
mkdir -p "$opt"
t0=$(date +%s.%N)
cp "$share/tsrunc" "$share/tsrunc.node" "$share/tsrunc-init" "$opt/"
t1=$(date +%s.%N)
"$share/tsrunc" --version >/dev/null; t2=$(date +%s.%N)
"$opt/tsrunc" --version >/dev/null; t3=$(date +%s.%N)
"$opt/tsrunc" --version >/dev/null; t4=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v e="$t4" 'BEGIN { printf "guest: copy %.1fs; tsrunc --version from 9p %.2fs, from disk %.2fs (first) %.2fs (second)\n", b-a, c-b, d-c, e-d }'
mkdir -p "$opt/rootfs"
tar -C "$opt/rootfs" -xf "$share/rootfs.tar"
cp -r "$share/test" "$opt/"

(cd "$opt" && ./tsrunc spec) || { echo "guest: tsrunc spec failed"; echo 1 >"$out/rc"; exit 1; }
export TSRUNC="$opt/tsrunc" ROOTFS="$opt/rootfs" SPEC="$opt/config.json"
rc=0
bash "$opt/test/runner.sh" $(cat "$share/tests") || rc=$?
echo "$rc" >"$out/rc"
sync
