# Shared by bench/run.sh and bench/parallel.sh (sourced from the repository's top directory).

# make_bundle DIR ARG...: DIR/bundle with a copy of the busybox rootfs and `tsrunc spec`'s config,
# without a terminal, running ARG... (ociVersion 1.0.2: crun 1.8 refuses 1.2+ configs).
make_bundle() {
  local dir=$1
  shift
  mkdir -p "$dir/bundle"
  cp -a rootfs-cache/busybox "$dir/bundle/rootfs"
  (cd "$dir/bundle" && "$OLDPWD/tsrunc" spec)
  node -e '
const fs=require("fs"); const [f, ...args]=process.argv.slice(1); const c=JSON.parse(fs.readFileSync(f));
c.ociVersion="1.0.2"; c.process.terminal=false; c.process.args=args;
fs.writeFileSync(f, JSON.stringify(c));' "$dir/bundle/config.json" "$@"
}

# wrap CMD: CMD in a private mount namespace without the unified cgroup2 mount (crun 1.8 refuses this
# host's hybrid layout otherwise); the same wrapper for every runtime keeps the comparison fair.
wrap() { echo "unshare -m --propagation private sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; $1'"; }

# crun_droppings ID...: run inside wrap (the cgroup2 mount at /sys/fs/cgroup/unified unmounted), crun
# 1.8 still "joins" /sys/fs/cgroup/unified/ID: it makes that directory in the tmpfs below the mount
# point and a regular file cgroup.procs in it, and its delete leaves both (hidden under the mount on
# the host). Removes exactly those: a directory on tmpfs whose only entry is a regular cgroup.procs.
crun_droppings() {
  unshare -m --propagation private sh -c '
    umount /sys/fs/cgroup/unified 2>/dev/null || exit 0
    [ "$(stat -f -c %T /sys/fs/cgroup/unified)" = tmpfs ] || exit 0
    for id; do
      d=/sys/fs/cgroup/unified/$id
      [ -d "$d" ] && [ -f "$d/cgroup.procs" ] && [ "$(ls -A "$d")" = cgroup.procs ] || continue
      rm -f "$d/cgroup.procs" && rmdir "$d"
    done' sh "$@"
}
