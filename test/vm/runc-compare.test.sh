# Side by side with runc (Debian's, in the guest) where the two could differ: the same config under
# both runtimes and drivers must give the same cgroup files (and, with systemd, unit properties).

# compare_files FILTER FILE...: run the same bundle with runc and tsrunc, compare each FILE.
compare_files() {
	local filter=$1; shift
	local id rid b rb f
	id=$(newid); rid=$(newid)
	b=$(bundle "$id" "$filter | .process.args = [\"sleep\", \"60\"]") || fail bundle
	rb=$(bundle "$rid" "$filter | .process.args = [\"sleep\", \"60\"]") || fail bundle
	rt run -d --bundle "$b" "$id" </dev/null >/dev/null || fail "tsrunc run"
	runc_rt run -d --bundle "$rb" "$rid" </dev/null >/dev/null 2>"$TDIR/runc.err" || fail "runc run: $(cat "$TDIR/runc.err")"
	local rdir; rdir=$(dirname "$(cgdir "$id")")/$(basename "$(cgdir "$id")" | sed "s/$id/$rid/")
	for f in "$@"; do
		eq "$(cat "$(cgdir "$id")/$f")" "$(cat "$rdir/$f")" "$f (tsrunc vs runc)"
	done
	if [ "$DRIVER" = systemd ]; then
		for p in MemoryMax MemoryLow TasksMax CPUWeight CPUQuotaPerSecUSec Delegate; do
			eq "$(systemctl show -p $p --value "tsrunc-vmtest-$id.scope")" "$(systemctl show -p $p --value "tsrunc-vmtest-$rid.scope")" "unit property $p (tsrunc vs runc)"
		done
	fi
	runc_rt delete --force "$rid"
	gone "$id"
}

test_same_memory_cpu_pids_files_as_runc() {
	compare_files '.linux.resources.memory = {limit: 33554432, reservation: 16777216, swap: 67108864} | .linux.resources.cpu = {shares: 512, quota: 30000, period: 60000} | .linux.resources.pids = {limit: 50}' \
		memory.max memory.low memory.swap.max cpu.weight cpu.max pids.max
}

test_same_defaults_as_runc() {
	compare_files '.' memory.max memory.swap.max cpu.weight cpu.max pids.max
}
