# Shared by build-image.sh and run.sh (sourced, not executed).
# The image is cached outside the clone, keyed by a hash of its recipe: this file's recipe part,
# build-image.sh and everything under guest/ (baked into the image). Editing the tests in test/vm/
# does not rebuild it: they reach the guest through the 9p share at run time.
VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VM_CACHE_ROOT=${TSRUNC_VM_CACHE:-/var/cache/tsrunc-vm}

vm_recipe_hash() {
	(cd "$VM_DIR" && cat build-image.sh lib.sh $(find guest -type f | LC_ALL=C sort) && find guest -type f | LC_ALL=C sort) |
		sha256sum | cut -c1-16
}

vm_image_dir() { echo "$VM_CACHE_ROOT/$(vm_recipe_hash)"; }

# Debian's mirror as apt on this host is configured (deb822 .sources or one-line sources.list), so the
# image comes from the same place as the host's own packages and nothing else is downloaded.
vm_debian_mirror() {
	local uri
	uri=$(awk '/^URIs:/ && $2 ~ /debian\/?$/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null)
	[ -n "$uri" ] || uri=$(awk '$1=="deb" && $0 ~ / bookworm / && $0 !~ /security/ {for(i=2;i<=NF;i++) if ($i ~ /^https?:/) {print $i; exit}}' /etc/apt/sources.list 2>/dev/null)
	echo "${uri:-http://deb.debian.org/debian}"
}
