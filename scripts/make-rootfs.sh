#!/bin/sh
# Build a busybox root filesystem from Debian's busybox-static: scripts/make-rootfs.sh DIR
# Used by the demo bundle, the tests and the benchmarks. Idempotent.
set -eu
dir=${1:?usage: make-rootfs.sh DIR}
bb=/bin/busybox
if ! "$bb" --list >/dev/null 2>&1 || ! ldd "$bb" 2>&1 | grep -q "not a dynamic"; then
  echo "make-rootfs: need a static busybox at $bb (apt-get install busybox-static)" >&2
  exit 1
fi
mkdir -p "$dir/bin" "$dir/sbin" "$dir/usr/bin" "$dir/usr/sbin" "$dir/etc" "$dir/proc" "$dir/sys" \
  "$dir/dev" "$dir/tmp" "$dir/root" "$dir/var" "$dir/run" "$dir/home"
chmod 1777 "$dir/tmp"
cp -f "$bb" "$dir/bin/busybox"
for applet in $("$bb" --list-full); do
  [ -e "$dir/$applet" ] || ln -s /bin/busybox "$dir/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$dir/etc/passwd"
printf 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n' > "$dir/etc/group"
printf 'tsrunc\n' > "$dir/etc/hostname"
