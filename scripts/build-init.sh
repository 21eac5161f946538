#!/bin/sh
# scripts/build-init.sh OUT: build tsrunc-init (addon/init.c), the static program every container
# process starts as (executed from a sealed memfd copy: addon/spawn.cc), with musl instead of glibc.
# binding.gyp runs it. Why musl (issue 12): the program makes only raw syscalls and string calls, yet
# a static glibc links in locale, stdio and dynamic-loader support: 727 kB, copied into a memfd for
# every create, run and exec (sendfile, ~0.5 ms here) and resident in every created container's init
# until `start` (Pss 724 kB). With musl it is ~60 kB and the waiting init's Pss ~120 kB.
# Debian's musl-gcc sees no kernel headers; the linux/, asm/ and asm-generic/ ones of the build host
# (linux-libc-dev) are linked into a private include directory beside OUT.
set -eu
out=${1:?usage: build-init.sh OUT}
top=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v musl-gcc >/dev/null; then
  echo "build-init.sh: musl-gcc not found (apt-get install musl-tools; make setup installs it)" >&2
  exit 1
fi
inc=$(dirname "$out")/musl-include
mkdir -p "$inc"
arch=$(gcc -print-multiarch)
ln -sfn /usr/include/linux "$inc/linux"
ln -sfn "/usr/include/$arch/asm" "$inc/asm"
ln -sfn /usr/include/asm-generic "$inc/asm-generic"
musl-gcc -static -s -O2 -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -fno-strict-aliasing \
  -ffunction-sections -fdata-sections -Wl,--gc-sections -isystem "$inc" \
  "$top/addon/init.c" "$top/addon/child.c" "$top/addon/scm.c" -o "$out"
