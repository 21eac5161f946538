# Helpers for the tests that run inside the test VM (scripts/vm/run.sh): plain bash driving the real
# ./tsrunc, because node starts in 2-3 s under the VM's software emulation and jest in far more.
# Every test runs in its own subshell with its own --root, bundle and container ids, under one cgroup
# driver ($DRIVER: cgroupfs or systemd); cleanup() deletes what it made even when a check failed.
: "${TSRUNC:?}" "${ROOTFS:?}" "${DRIVER:=cgroupfs}"
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
	(cd "$b" && "$TSRUNC" spec) || fail "tsrunc spec"
	jq --arg cg "$(cgpath "$id")" ".process.terminal = false | .linux.cgroupsPath = \$cg | $filter" "$b/config.json" >"$b/c.json" || fail "jq $filter"
	mv "$b/c.json" "$b/config.json"
	echo "$b"
}

# start ID BUNDLE ARGS...: run -d with process.args = ARGS.
start() {
	local id=$1 b=$2; shift 2
	jq --args '.process.args = $ARGS.positional' "$@" <"$b/config.json" >"$b/c.json" && mv "$b/c.json" "$b/config.json"
	rt run -d --bundle "$b" "$id" </dev/null >/dev/null 2>"$TDIR/err" || fail "run -d $id: $(cat "$TDIR/err")"
}

# The container's cgroup v2 directory, as recorded in its state.
cgdir() { jq -r '.cgroup.paths.unified' "$STATE/$1/state.json"; }
cgread() { cat "$(cgdir "$1")/$2"; }

# wait_for SECONDS COMMAND...: poll until COMMAND succeeds.
wait_for() {
	local n=$(($1 * 10)); shift
	while ! "$@" 2>/dev/null; do n=$((n - 1)); [ $n -gt 0 ] || return 1; sleep 0.1; done
}

cleanup() {
	local id
	for id in $(ls "$STATE" 2>/dev/null); do rt delete --force "$id" >/dev/null 2>&1; done
	for id in $(ls "$STATE.runc" 2>/dev/null); do runc_rt delete --force "$id" >/dev/null 2>&1; done
	rm -rf "$TDIR"
}
trap cleanup EXIT

# gone ID: delete --force ID and check that its cgroup went with it.
gone() {
	local dir; dir=$(cgdir "$1")
	rt delete --force "$1" 2>"$TDIR/err" || fail "delete --force $1: $(cat "$TDIR/err")"
	[ ! -e "$dir" ] || fail "$dir is left behind after delete"
}
