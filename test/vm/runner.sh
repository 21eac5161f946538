#!/bin/bash
# Runs the test functions (test_*) of test/vm/*.test.sh, each in its own subshell, once per cgroup
# driver (a file sets DRIVERS to limit that), TAP-like output; exits 1 if any failed.
#   runner.sh [FILE-SUBSTRING...]
cd "$(dirname "$0")"
pass=0 failed=0 skipped=0 failures=()
for file in *.test.sh; do
	if [ $# -gt 0 ]; then
		sel=; for w in "$@"; do case "$file" in *"$w"*) sel=1;; esac; done
		[ -n "$sel" ] || continue
	fi
	DRIVERS=$(bash -c ". ./$file >/dev/null 2>&1; echo \${DRIVERS:-cgroupfs systemd}" 2>/dev/null </dev/null)
	tests=$(bash -c "TSRUNC=x ROOTFS=x; . ./$file >/dev/null 2>&1; declare -F" </dev/null | awk '$3 ~ /^test_/ {print $3}')
	for driver in $DRIVERS; do
		for t in $tests; do
			t0=$(date +%s.%N)
			( export DRIVER=$driver; . ./lib.sh; . "./$file"; set -o pipefail; "$t" ) </dev/null
			rc=$?
			dt=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
			name="$file $t [$driver]"
			case $rc in
			0) pass=$((pass + 1)); echo "ok - $name (${dt}s)";;
			77) skipped=$((skipped + 1)); echo "ok - $name # SKIP";;
			*) failed=$((failed + 1)); failures+=("$name"); echo "not ok - $name (${dt}s)";;
			esac
		done
	done
done
echo "# $pass passed, $failed failed, $skipped skipped"
for f in "${failures[@]}"; do echo "# FAILED: $f"; done
[ "$failed" = 0 ]
