#!/bin/bash
# Builds the test VM image (a pure cgroup v2 host with systemd, Debian 12) from Debian's packages only:
# debootstrap from the mirror apt is configured with, a kernel and a small initrd for virtio, and
# mkfs.ext4 -d for the disk. Output: $(vm_image_dir)/{vmlinuz,initrd.img,rootfs.img}, reused until
# the recipe (this file, lib.sh, guest/) changes. A build takes about 10 minutes.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# What the guest needs: systemd + D-Bus (the systemd cgroup driver), containerd and runc (the side by
# side checks), jq (the tests read state/events JSON), busybox-static (nothing else; the container
# rootfs comes from the host through the share).
PACKAGES=linux-image-amd64,systemd-sysv,dbus,udev,kmod,initramfs-tools,jq,procps,iproute2,util-linux,containerd,runc,libseccomp2,e2fsprogs
SUITE=bookworm
DISK_SIZE=3G

out=$(vm_image_dir)
[ -f "$out/ok" ] && { echo "$out"; exit 0; }
mkdir -p "$VM_CACHE_ROOT"
exec 9>"$VM_CACHE_ROOT/.lock"
flock 9
[ -f "$out/ok" ] && { echo "$out"; exit 0; }

for p in debootstrap e2fsprogs; do
	dpkg-query -W -f='${Status}' $p 2>/dev/null | grep -q "ok installed" ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $p >/dev/null
done

work="$out.tmp"
rm -rf "$work"
mkdir -p "$work"
root="$work/root"
mirror=$(vm_debian_mirror)
echo "tsrunc-vm: debootstrap $SUITE from $mirror into $root (about 10 minutes)" >&2
# Two stages, so that the initrd configuration is in place before the kernel's postinst and the
# initramfs-tools trigger build it: with MODULES=most they take minutes each on a loaded machine.
debootstrap --foreign --variant=minbase --include="$PACKAGES" \
	--keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
	"$SUITE" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
	{ tail -30 "$work/debootstrap.log" >&2; exit 1; }
# A small initrd: only what finds and mounts a virtio disk (MODULES=list), ~7 MB instead of ~40.
# (/etc/initramfs-tools/modules is a conffile: dpkg --force-confold, as debootstrap runs it, keeps ours.)
mkdir -p "$root/etc/initramfs-tools/conf.d"
printf 'MODULES=list\nCOMPRESS=zstd\n' >"$root/etc/initramfs-tools/conf.d/tsrunc-vm"
printf '%s\n' virtio_pci virtio_blk ext4 >"$root/etc/initramfs-tools/modules"
chroot "$root" /debootstrap/debootstrap --second-stage >>"$work/debootstrap.log" 2>&1 ||
	{ tail -30 "$work/debootstrap.log" >&2; exit 1; }
kver=$(ls "$root/lib/modules" | sort -V | tail -1)
grep -q "^MODULES=list" "$root/etc/initramfs-tools/conf.d/tsrunc-vm" && grep -qx virtio_blk "$root/etc/initramfs-tools/modules" && [ -s "$root/boot/initrd.img-$kver" ] ||
	{ echo "tsrunc-vm: no initrd for $kver" >&2; exit 1; }

echo tsrunc-vm >"$root/etc/hostname"
printf '/dev/vda / ext4 rw,relatime 0 1\n' >"$root/etc/fstab"
passwd -R "$root" -d root >/dev/null
install -m 0755 "$VM_DIR/guest/tsrunc-vm-entry" "$root/usr/local/sbin/tsrunc-vm-entry"
install -m 0644 "$VM_DIR/guest/tsrunc-vm.service" "$root/etc/systemd/system/tsrunc-vm.service"
ln -sf /etc/systemd/system/tsrunc-vm.service "$root/etc/systemd/system/multi-user.target.wants/tsrunc-vm.service"
# Nothing in the guest should compete with the tests or wait for a network it does not have.
for u in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer containerd.service; do
	rm -f "$root"/etc/systemd/system/*.wants/"$u"
done
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*

cp "$root/boot/vmlinuz-$kver" "$work/vmlinuz"
cp "$root/boot/initrd.img-$kver" "$work/initrd.img"
mkfs.ext4 -q -F -L tsrunc-vm -d "$root" "$work/rootfs.img" "$DISK_SIZE"
rm -rf "$root"
touch "$work/ok"
rm -rf "$out"
mv "$work" "$out"
echo "$out"
