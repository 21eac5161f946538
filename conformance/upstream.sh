#!/usr/bin/env bash
# Run the upstream OCI runtime validation suite (github.com/opencontainers/runtime-tools), ALREADY BUILT
# elsewhere, against a runtime. This script builds nothing and never touches the network.
#
#   conformance/upstream.sh /path/to/built/runtime-tools [RUNTIME]
#
# /path/to/built/runtime-tools is a runtime-tools checkout after `make runtimetest validation-executables`:
# it holds ./runtimetest, ./rootfs-<arch>.tar.gz and ./validation/<test>/<test>.t.
# RUNTIME (default: this repository's ./tsrunc) is a runc-compatible command: a path or a name in $PATH.
#
# Output: the log directory, then one line per test, `PASS <test>` or `FAIL <test> <first failing TAP
# line, or why there is none>`, and last exactly `N passed, M failed`. Exit status 0 only if all passed.
# A test passes when it exits 0 within the timeout, prints a TAP plan, as many results as the plan
# announces, and no `not ok` line (except TODO ones); or when it exits 0 printing nothing at all, which
# is how the suite's negative tests (*_fail) report that the runtime rejected a bad config.
# Skipped assertions count as passed; the log directory's summary.txt lists them per test.
#
# Environment:
#   UPSTREAM_TIMEOUT   seconds per test (default 300; the suite's own waits are up to ~60s)
#   UPSTREAM_LOGDIR    where to keep each test's TAP (<test>.tap) and stderr (<test>.stderr)
#                      (default: a new /tmp/upstream-<runtime>.XXXXXX)
#   UPSTREAM_TESTS     space-separated test names to run (default: every validation/*/*.t)
#   UPSTREAM_ROOT      runtime state root given with --root: unset = a new private directory
#                      /run/upstream-<runtime>.XXXXXX (removed at the end when empty);
#                      `default` = the runtime's own default root (no --root); else that path.
#
# The suite is run as `make localvalidation` does: from the suite's directory (tests read
# ./runtimetest and ./rootfs-<arch>.tar.gz relative to it), one test at a time (several tests use the
# same fixed cgroup path /cgrouptest), with RUNTIME set to a two-line wrapper that execs the runtime
# with --root. Tests create their bundles under TMPDIR, which this script points at a directory of its
# own. Cleanup, after each test: any container in the state root whose bundle lies in that directory
# was made by the suite, and is removed with `delete --force` (containers of anybody else, even in a
# shared root, are never touched); mounts left under that directory (a runtime run without a mount
# namespace mounts /proc, /dev, ... under the bundle in its own namespace) are unmounted. At the end
# that directory is removed (rm --one-file-system), unless something is still mounted under it.
# Leftover cgroups (e.g. /sys/fs/cgroup/<ctrl>/cgrouptest) are reported in summary.txt, not removed.
# Run as root, like the suite. Do not run two instances at once (the fixed cgroup path).

set -u
shopt -s nullglob

usage() { echo "usage: $0 /path/to/built/runtime-tools [RUNTIME]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
case "$1" in -h|--help) usage ;; esac

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")

suite=$(cd "$1" 2>/dev/null && pwd) || { echo "$0: no such directory: $1" >&2; exit 2; }
arch=$(uname -m)
case "$arch" in x86_64) goarch=amd64 ;; aarch64) goarch=arm64 ;; i?86) goarch=386 ;; *) goarch=$arch ;; esac
[ -x "$suite/runtimetest" ] || { echo "$0: $suite/runtimetest is missing: build the suite first (make runtimetest validation-executables)" >&2; exit 2; }
[ -f "$suite/rootfs-$goarch.tar.gz" ] || { echo "$0: $suite/rootfs-$goarch.tar.gz is missing" >&2; exit 2; }

runtime_arg=${2:-$repo/tsrunc}
if [[ "$runtime_arg" == */* ]]; then
	runtime=$(cd "$(dirname "$runtime_arg")" 2>/dev/null && pwd)/$(basename "$runtime_arg") || runtime=""
else
	runtime=$(command -v "$runtime_arg" || true)
fi
[ -n "$runtime" ] && [ -x "$runtime" ] && [ ! -d "$runtime" ] || { echo "$0: runtime not found or not executable: $runtime_arg" >&2; exit 2; }
rname=$(basename "$runtime")

if [ "$(id -u)" != 0 ]; then echo "$0: the suite needs root" >&2; exit 2; fi

tests=()
if [ -n "${UPSTREAM_TESTS:-}" ]; then
	for t in $UPSTREAM_TESTS; do
		[ -x "$suite/validation/$t/$t.t" ] || { echo "$0: no built test $suite/validation/$t/$t.t" >&2; exit 2; }
		tests+=("$t")
	done
else
	for f in "$suite"/validation/*/*.t; do
		t=$(basename "$f" .t)
		[ "$f" = "$suite/validation/$t/$t.t" ] && [ -x "$f" ] && tests+=("$t")
	done
fi
[ ${#tests[@]} -gt 0 ] || { echo "$0: no validation/*/*.t in $suite: build the suite first" >&2; exit 2; }

timeout_s=${UPSTREAM_TIMEOUT:-300}
logdir=${UPSTREAM_LOGDIR:-}
if [ -z "$logdir" ]; then
	logdir=$(mktemp -d "/tmp/upstream-$rname.XXXXXX") || exit 2
else
	mkdir -p "$logdir" || exit 2
	logdir=$(cd "$logdir" && pwd)
fi

# Our own scratch directory: the runtime wrapper and TMPDIR (the tests' bundles).
work=$(mktemp -d "/tmp/upstream-work-$rname.XXXXXX") || exit 2
chmod 755 "$work" # like /tmp: reachable from a container's user namespace (the bundles are 0700 anyway)
bundles=$work/tmp
mkdir "$bundles"

private_root=""
root_flag=()
case "${UPSTREAM_ROOT:-}" in
	"") private_root=$(mktemp -d "/run/upstream-$rname.XXXXXX") || exit 2
	    chmod 711 "$private_root" # as tsrunc makes /run/tsrunc: a user-namespaced init opens its exec fifo there
	    root_flag=(--root "$private_root") ;;
	default) ;;
	*) mkdir -p "$UPSTREAM_ROOT" || exit 2; root_flag=(--root "$(cd "$UPSTREAM_ROOT" && pwd)") ;;
esac

wrapper=$work/$rname
{
	echo '#!/bin/sh'
	printf 'exec %q' "$runtime"
	[ ${#root_flag[@]} -gt 0 ] && printf ' %q %q' "${root_flag[@]}"
	echo ' "$@"'
} >"$wrapper"
chmod 755 "$wrapper"

rt() { "$runtime" "${root_flag[@]}" "$@"; }

# Remove every container in the state root whose bundle is one of the suite's (under $bundles).
cleanup_containers() { # $1: log file for notes
	local id st n=0
	while read -r id; do
		[ -n "$id" ] || continue
		st=$(rt state "$id" 2>/dev/null | tr -d '\n' | sed 's/"[[:space:]]*:[[:space:]]*"/":"/g') || continue
		# In our private root every container is the suite's; elsewhere only those with our bundles.
		[ -n "$private_root" ] && st="\"bundle\":\"$bundles/"
		case "$st" in
			*"\"bundle\":\"$bundles/"*)
				n=$((n + 1))
				if rt delete --force "$id" >>"$1" 2>&1; then
					echo "cleanup: deleted leftover container $id" >>"$1"
				else
					echo "cleanup: could not delete leftover container $id" >>"$1"
					echo "$0: could not delete leftover container $id (root ${root_flag[1]:-default})" >&2
				fi ;;
		esac
	done < <(rt list -q 2>/dev/null)
	return 0
}

leftover_cgroups() {
	local d
	for d in /sys/fs/cgroup/*/cgrouptest /sys/fs/cgroup/cgrouptest /sys/fs/cgroup/*/testdir /sys/fs/cgroup/testdir; do
		[ -d "$d" ] && echo "$d"
	done
}

mounts_under() { # mount points at or below $1 in this mount namespace, deepest first
	awk -v p="$1" '$5 == p || index($5, p "/") == 1 { print length($5) " " $5 }' /proc/self/mountinfo |
		sort -rn | cut -d' ' -f2-
}
mounted_under() { [ -n "$(mounts_under "$1")" ]; }

# A runtime given a config without a mount namespace mounts in its own (this) namespace, under the
# bundle; `delete` need not undo that. Those bundles are ours (under $bundles): unmount them.
cleanup_mounts() { # $1: test name, $2: log file for notes
	local m n=0
	while read -r m; do
		[ -n "$m" ] || continue
		n=$((n + 1))
		umount -l "$m" 2>>"$2" || echo "$0: could not unmount $m" >&2
	done < <(mounts_under "$bundles")
	if [ "$n" -gt 0 ]; then
		echo "note: $1 left $n mount(s) under its bundles in the runtime's mount namespace (unmounted)" >>"$summary"
		echo "cleanup: unmounted $n mount(s) left under the bundles in $bundles" >>"$2"
	fi
}

# Final cleanup: our bundles directory (unless something is still mounted there), the private root.
final_cleanup() {
	cleanup_containers "$logdir/cleanup.log"
	cleanup_mounts "(final cleanup)" "$logdir/cleanup.log"
	if mounted_under "$work"; then
		echo "$0: something is still mounted under $work: left in place" >&2
	else
		rm -rf --one-file-system "$work"
	fi
	if [ -n "$private_root" ]; then
		# Ours alone: remove it once the runtime lists no container in it.
		if [ -z "$(rt list -q 2>/dev/null)" ] && ! mounted_under "$private_root"; then
			rm -rf --one-file-system "$private_root"
		else
			echo "$0: state root $private_root still holds containers: left in place" >&2
		fi
	fi
}
running=""
interrupted() {
	trap - INT TERM HUP
	echo "$0: interrupted: cleaning up" >&2
	if [ -n "$running" ]; then kill -TERM "$running" 2>/dev/null; wait "$running" 2>/dev/null; fi
	final_cleanup
	exit 130
}
trap interrupted INT TERM HUP

summary=$logdir/summary.txt
{
	echo "suite:   $suite"
	echo "runtime: $runtime $(rt --version 2>/dev/null | head -1)"
	echo "root:    ${root_flag[1]:-default}"
	echo "timeout: ${timeout_s}s per test"
	echo "date:    $(date -Is)"
} >"$summary"

echo "logs: $logdir"
passed=0 failed=0
for t in "${tests[@]}"; do
	tap=$logdir/$t.tap err=$logdir/$t.stderr
	cgroups_before=$(leftover_cgroups)
	start=$(date +%s)
	(cd "$suite" && exec env RUNTIME="$wrapper" TMPDIR="$bundles" \
		timeout -k 10 "$timeout_s" "./validation/$t/$t.t") </dev/null >"$tap" 2>"$err" &
	running=$!
	wait "$running"
	rc=$?
	running=""
	secs=$(( $(date +%s) - start ))

	plan=$(grep -m1 -E '^1\.\.[0-9]+' "$tap" | sed -E 's/^1\.\.([0-9]+).*/\1/')
	results=$(grep -cE '^(not )?ok( |$)' "$tap")
	firstfail=$(grep -E '^not ok' "$tap" | grep -v -m1 '# TODO')
	[ -n "$firstfail" ] || firstfail=$(grep -m1 -E '^Bail out!' "$tap" || true)
	reason=""
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		reason="timeout after ${timeout_s}s${firstfail:+; $firstfail}"
	elif [ -n "$firstfail" ]; then
		reason=$firstfail
	elif [ "$rc" != 0 ]; then
		reason="exit status $rc: $(grep -m1 -v '^[[:space:]]*$' "$err" | cut -c1-300)"
	elif [ ! -s "$tap" ]; then
		# The suite's negative tests (process_rlimits_fail, process_capabilities_fail) print nothing
		# and exit 0 when the runtime rejects the config as it must, and exit 1 otherwise.
		echo "note: $t printed no TAP and exited 0: the runtime refused the config as the test wants" >>"$summary"
	elif [ -z "$plan" ]; then
		reason="no TAP plan in the output: $(grep -m1 -v '^[[:space:]]*$' "$err" | cut -c1-300)"
	elif [ "$results" != "$plan" ]; then
		reason="plan 1..$plan but $results results"
	fi
	skipped=$(grep -cE '^ok [0-9]+ # SKIP' "$tap")
	todo=$(grep -E '^not ok' "$tap" | grep -c '# TODO')
	if [ -z "$reason" ]; then
		passed=$((passed + 1)); echo "PASS $t"
		echo "PASS $t (${results} results, $skipped skipped, $todo todo, ${secs}s)" >>"$summary"
	else
		failed=$((failed + 1)); echo "FAIL $t $reason"
		echo "FAIL $t (${results:-0} results, plan ${plan:-none}, $skipped skipped, $todo todo, exit $rc, ${secs}s) $reason" >>"$summary"
	fi
	grep -E '^ok [0-9]+ # SKIP' "$tap" | sed "s/^/    /" >>"$summary"

	cleanup_containers "$err"
	cleanup_mounts "$t" "$err"
	for d in $(leftover_cgroups); do
		if ! grep -qxF "$d" <<<"$cgroups_before"; then
			echo "note: $t left the cgroup $d" >>"$summary"
			echo "cleanup: the test left the cgroup $d (not removed)" >>"$err"
		fi
	done
done

final_cleanup
trap - INT TERM HUP
echo "$passed passed, $failed failed" >>"$summary"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
