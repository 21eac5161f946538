# Helpers for the tests that run inside the test VM (scripts/vm/run.sh): plain bash driving the real
# ./tsrunc, because node starts in 2-3 s under the VM's software emulation and jest in far more.
# Every test runs in its own subshell with its own --root, bundle and container ids, under one cgroup
# driver ($DRIVER: cgroupfs or systemd); cleanup() deletes what it made even when a check failed.
# Every tsrunc command costs ~2 s under the VM's software emulation: the tests make as few as they can
# and poll with shell builtins. $SPEC is `tsrunc spec`'s config, made once by the runner.
: "${TSRUNC:?}" "${ROOTFS:?}" "${SPEC:?}" "${DRIVER:=cgroupfs}"
TDIR=$(mktemp -d /tmp/tsrunc-vmtest.XXXXXX)
STATE="$TDIR/state"

fail() { echo "    FAIL: $*" >&2; exit 1; }
skip() { echo "    SKIP: $*" >&2; exit 77; }
eq() { [ "$1" = "$2" ] || fail "${3:-value}: got '$1', want '$2'"; }
contains() { case "$1" in *"$2"*) ;; *) fail "${3:-output}: '$1' does not contain '$2'";; esac; }

# The runtime with this test's --root and cgroup driver.
rt() {
	if [ "$DRIVER" = systemd ]; then "$TSRUNC" --root "$STATE" --systemd-cgroup "$@"; else "$TSRUNC" --root "$STATE" "$@"; fi
}
runc_rt() {
	if [ "$DRIVER" = systemd ]; then runc --root "$STATE.runc" --systemd-cgroup "$@"; else runc --root "$STATE.runc" "$@"; fi
}

# A fresh container id; cleanup() finds every container through the state directory, so ids made in
# a command substitution need no registering.
newid() { echo "vmt${BASHPID}-$RANDOM"; }

# cgroupsPath for container $1 in this driver's syntax: cgroupfs "/tsrunc-vmtest/<id>",
# systemd "system.slice:tsrunc-vmtest:<id>" (unit tsrunc-vmtest-<id>.scope).
cgpath() {
	if [ "$DRIVER" = systemd ]; then echo "system.slice:tsrunc-vmtest:$1"; else echo "/tsrunc-vmtest/$1"; fi
}

# bundle ID [JQ-FILTER]: a bundle for container ID with `tsrunc spec`'s config, terminal off,
# cgroupsPath set for the driver, then JQ-FILTER applied. Prints its directory.
bundle() {
	local id=$1 filter=${2:-.} b="$TDIR/b-$1"
	mkdir -p "$b" && cp -a "$ROOTFS" "$b/rootfs"
	jq --arg cg "$(cgpath "$id")" ".process.terminal = false | .linux.cgroupsPath = \$cg | $filter" "$SPEC" >"$b/config.json" || fail "jq $filter"
	echo "$b"
}

# start ID BUNDLE ARGS...: run -d with process.args = ARGS.
start() {
	local id=$1 b=$2; shift 2
	# (not jq --args: jq takes an argument "-c" for its own option)
	local args; args=$(printf '%s\n' "$@" | jq -R . | jq -s .)
	jq --argjson a "$args" '.process.args = $a' "$b/config.json" >"$b/c.json" && mv "$b/c.json" "$b/config.json"
	rt run -d --bundle "$b" "$id" </dev/null >/dev/null 2>"$TDIR/err" || fail "run -d $id: $(cat "$TDIR/err")"
}

# sleeper [JQ-FILTER]: a new container from bundle's config with JQ-FILTER, running sleep 60. Sets
# the caller's id and b (declare them local first).
sleeper() {
	id=$(newid); b=$(bundle "$id" "${1:-.}") || fail bundle
	start "$id" "$b" sleep 60
}

# The container's cgroup v2 directory, as recorded in its state.
cgdir() { jq -r '.cgroup.paths.unified' "$STATE/$1/state.json"; }
cgread() { cat "$(cgdir "$1")/$2"; }

# wait_for SECONDS COMMAND...: poll until COMMAND (best a shell function: no fork) succeeds.
wait_for() {
	local end=$((SECONDS + $1)); shift
	while ! "$@" 2>/dev/null; do [ $SECONDS -lt $end ] || return 1; sleep 0.2; done
}
# Cheap predicates for wait_for.
has_line() { local l; while read -r l; do [[ $l == $2* ]] && return 0; done <"$1"; return 1; }
lines_ge() { local n=0 l; while read -r l; do n=$((n + 1)); done <"$1"; [ $n -ge "$2" ]; }
is_empty() { [ ! -s "$1" ]; }
init_gone() { local pid; pid=$(jq .pid "$STATE/$1/state.json"); [ ! -e "/proc/$pid" ] || grep -q '^State:.*Z' "/proc/$pid/status"; }

cleanup() {
	local id
	for id in $(ls "$STATE" 2>/dev/null); do rt delete --force "$id" >/dev/null 2>&1; done
	for id in $(ls "$STATE.runc" 2>/dev/null); do runc_rt delete --force "$id" >/dev/null 2>&1; done
	rm -rf "$TDIR"
}
trap cleanup EXIT

# root_enable CONTROLLER: the cgroupfs driver enables controllers only in the levels it makes (never
# in a cgroup it did not make: src/cgroups/v2.ts), so a controller systemd does not enable at the root
# (cpuset, hugetlb) is enabled here as a host administrator would. The systemd driver, like runc's,
# enables what the kernel has along the scope's slices itself.
root_enable() {
	[ "$DRIVER" = systemd ] && return 0
	grep -qw "$1" /sys/fs/cgroup/cgroup.subtree_control || echo "+$1" >/sys/fs/cgroup/cgroup.subtree_control || fail "cannot enable $1 at the root"
}

# gone ID: delete --force ID and check that its cgroup went with it.
gone() {
	local dir=
	[ -e "$STATE/$1/state.json" ] && dir=$(cgdir "$1")
	rt delete --force "$1" 2>"$TDIR/err" || fail "delete --force $1: $(cat "$TDIR/err")"
	[ -z "$dir" ] || [ ! -e "$dir" ] || fail "$dir is left behind after delete"
}
