#!/bin/bash
# `make test-vm`: builds or reuses the test VM image (build-image.sh), boots it under qemu (software
# emulation, TCG: this machine has no KVM) with the project's build shared in over 9p, runs the tests
# of test/vm/ inside it as a systemd unit, brings the results back and exits with their status.
#   TSRUNC_VM_TIMEOUT  hard limit for the whole boot+test, seconds (default 1620: the VM part must
#                      stay under 30 minutes with the image build reused)
#   TSRUNC_VM_TESTS    which test files of test/vm/ to run (default: all *.test.sh)
#   TSRUNC_VM_KEEP=1   keep the run directory (console log, results) for a look afterwards
set -euo pipefail
. "$(dirname "$0")/lib.sh"
REPO=$(cd "$VM_DIR/../.." && pwd)
TIMEOUT=${TSRUNC_VM_TIMEOUT:-1620}

for f in tsrunc tsrunc.node tsrunc-init rootfs-cache/busybox/bin/busybox; do
	[ -e "$REPO/$f" ] || { echo "tsrunc-vm: $f is missing: run make build rootfs-cache/busybox first" >&2; exit 2; }
done
command -v qemu-system-x86_64 >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-system-x86 qemu-utils >/dev/null

img=$("$VM_DIR/build-image.sh" | tail -1)
run=$(mktemp -d /var/tmp/tsrunc-vm-run.XXXXXX)
qemu_pid=
cleanup() {
	[ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null || true
	if [ "${TSRUNC_VM_KEEP:-}" = 1 ]; then echo "tsrunc-vm: kept $run" >&2; else rm -rf "$run"; fi
}
trap cleanup EXIT

# The share: the build, the busybox rootfs (as a tarball: one 9p read instead of hundreds) and the tests.
share="$run/share"
mkdir -p "$share/out" "$share/test"
cp "$REPO/tsrunc" "$REPO/tsrunc.node" "$REPO/tsrunc-init" "$share/"
tar -C "$REPO/rootfs-cache/busybox" -cf "$share/rootfs.tar" .
cp "$VM_DIR/guest-main.sh" "$share/"
cp "$REPO"/test/vm/*.sh "$share/test/"
echo "${TSRUNC_VM_TESTS:-}" >"$share/tests"

# The guest writes only to a copy-on-write overlay: the cached image stays pristine.
qemu-img create -q -f qcow2 -F raw -b "$img/rootfs.img" "$run/disk.qcow2"

echo "tsrunc-vm: booting $img (timeout ${TIMEOUT}s)" >&2
start=$(date +%s)
set +e
timeout --kill-after=10 "$TIMEOUT" qemu-system-x86_64 \
	-machine q35 -accel tcg,thread=multi -cpu max -smp 2 -m 2048 \
	-kernel "$img/vmlinuz" -initrd "$img/initrd.img" \
	-append "root=/dev/vda rw console=ttyS0 quiet loglevel=3 panic=-1 systemd.unified_cgroup_hierarchy=1 systemd.show_status=0 hugepagesz=2M hugepages=16" \
	-drive "file=$run/disk.qcow2,if=virtio,format=qcow2,cache=unsafe" \
	-virtfs "local,path=$share,mount_tag=share,security_model=passthrough,id=share" \
	-nic none -display none -monitor none -serial "file:$run/console.log" -no-reboot &
qemu_pid=$!
wait "$qemu_pid"
qrc=$?
qemu_pid=
set -e
echo "tsrunc-vm: guest ran for $(( $(date +%s) - start ))s" >&2

if [ -f "$share/out/log" ]; then cat "$share/out/log"; fi
if [ ! -f "$share/out/rc" ]; then
	echo "tsrunc-vm: the guest did not finish the tests (qemu exit $qrc$([ $qrc = 124 ] && echo ", timed out after ${TIMEOUT}s")); console:" >&2
	tail -60 "$run/console.log" >&2
	exit 1
fi
rc=$(cat "$share/out/rc")
echo "tsrunc-vm: tests exited $rc" >&2
exit "$rc"
