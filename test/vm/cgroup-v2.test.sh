# cgroup v2 on a real kernel (the guest's pure cgroup v2 host), once with the cgroupfs driver and once
# with --systemd-cgroup: every linux.resources path that test/unit proves only against a fake
# cgroupfs, plus the commands that read or change a running container's cgroup.

test_memory_limit_reservation_swap() {
	local id b; sleeper '.linux.resources.memory = {limit: 33554432, reservation: 16777216, swap: 50331648}'
	eq "$(cgread "$id" memory.max)" 33554432 memory.max
	eq "$(cgread "$id" memory.low)" 16777216 memory.low
	# The spec's swap is memory+swap; v2's memory.swap.max is swap alone.
	eq "$(cgread "$id" memory.swap.max)" 16777216 memory.swap.max
	gone "$id"
}

test_oom_kill_and_events_oom() {
	local id b; id=$(newid); b=$(bundle "$id" '.linux.resources.memory = {limit: 16777216, swap: 16777216}') || fail bundle
	# busybox tail keeps the whole of an endless line: it grows until the OOM killer takes it; the
	# shell (the init) survives so that events can report the kill. It starts once events is
	# watching (its first stats line is out): events reports only what happens after it starts.
	start "$id" "$b" sh -c 'while [ ! -e /go ]; do sleep 0.2; done; tail /dev/zero; sleep 60'
	rt events --interval 1s "$id" >"$TDIR/events" 2>"$TDIR/events.err" &
	local ev=$!
	wait_for 30 grep -q '"type":"stats"' "$TDIR/events" || fail "events did not start: $(cat "$TDIR/events.err")"
	touch "$b/rootfs/go"
	wait_for 60 grep -q '"type":"oom"' "$TDIR/events" || fail "no oom event from events: $(grep -v '"type":"stats"' "$TDIR/events"; cat "$TDIR/events.err")"
	kill "$ev" 2>/dev/null
	local kills; kills=$(awk '$1 == "oom_kill" {print $2}' "$(cgdir "$id")/memory.events")
	[ "${kills:-0}" -ge 1 ] || fail "memory.events oom_kill is ${kills:-missing}"
	jq -e '.data.memory.usage.failcnt >= 0' < <(rt events --stats "$id") >/dev/null || fail "events --stats after the oom kill"
	gone "$id"
}

test_pids_limit() {
	local id b; sleeper '.linux.resources.pids = {limit: 8}'
	eq "$(cgread "$id" pids.max)" 8 pids.max
	# From an exec'd shell: ash exits when a fork fails, and with systemd an emptied scope is gone.
	rt exec "$id" sh -c 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 60 & done' >/dev/null 2>&1
	wait_for 20 grep -q '^max [1-9]' "$(cgdir "$id")/pids.events" || fail "no fork was refused: pids.events $(cgread "$id" pids.events)"
	[ "$(cgread "$id" pids.current)" -le 8 ] || fail "pids.current $(cgread "$id" pids.current) above the limit"
	gone "$id"
}

test_cpu_weight_max_burst() {
	local id b; sleeper '.linux.resources.cpu = {shares: 2048, quota: 50000, period: 100000, burst: 10000}'
	# runc ConvertCPUSharesToCgroupV2Value: 1 + (2048-2)*9999/262142.
	eq "$(cgread "$id" cpu.weight)" 79 cpu.weight
	eq "$(cgread "$id" cpu.max)" "50000 100000" cpu.max
	eq "$(cgread "$id" cpu.max.burst)" 10000 cpu.max.burst
	gone "$id"
}

test_cpu_idle() {
	local id b; sleeper '.linux.resources.cpu = {idle: 1}'
	eq "$(cgread "$id" cpu.idle)" 1 cpu.idle
	gone "$id"
}

test_cpuset() {
	[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs"
	root_enable cpuset
	local id b; sleeper '.linux.resources.cpu = {cpus: "1", mems: "0"}'
	eq "$(cgread "$id" cpuset.cpus)" 1 cpuset.cpus
	eq "$(cgread "$id" cpuset.mems)" 0 cpuset.mems
	eq "$(rt exec "$id" sh -c 'grep Cpus_allowed_list /proc/self/status | cut -f2')" 1 "Cpus_allowed_list inside"
	gone "$id"
}

test_io_weight_and_max() {
	local dev; dev=$(cat /sys/block/vda/dev) || skip "no /sys/block/vda"
	local maj=${dev%:*} min=${dev#*:}
	local id b; id=$(newid)
	b=$(bundle "$id" ".linux.resources.blockIO = {weight: 500, throttleReadBpsDevice: [{major: $maj, minor: $min, rate: 1048576}], throttleWriteIOPSDevice: [{major: $maj, minor: $min, rate: 100}]}") || fail bundle
	start "$id" "$b" sleep 60
	local d; d=$(cgdir "$id")
	if [ -e "$d/io.bfq.weight" ]; then
		contains "$(cat "$d/io.bfq.weight")" "default 500" io.bfq.weight
	else
		# runc ConvertBlkIOToIOWeightValue: 1 + (500-10)*9999/990.
		contains "$(cat "$d/io.weight")" "default 4950" io.weight
	fi
	eq "$(grep "^$dev " "$d/io.max")" "$dev rbps=1048576 wbps=max riops=max wiops=100" io.max
	gone "$id"
}

test_hugetlb() {
	[ "$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages 2>/dev/null || echo 0)" -gt 0 ] || skip "no 2 MB huge pages in this guest"
	root_enable hugetlb
	local id b; sleeper '.linux.resources.hugepageLimits = [{pageSize: "2MB", limit: 4194304}]'
	eq "$(cgread "$id" hugetlb.2MB.max)" 4194304 hugetlb.2MB.max
	gone "$id"
}

test_pause_resume() {
	local id b; sleeper
	rt pause "$id" || fail pause
	eq "$(cgread "$id" cgroup.freeze)" 1 cgroup.freeze
	wait_for 10 has_line "$(cgdir "$id")/cgroup.events" "frozen 1" || fail "cgroup.events: not frozen"
	eq "$(rt state "$id" | jq -r .status)" paused status
	rt resume "$id" || fail resume
	eq "$(cgread "$id" cgroup.freeze)" 0 cgroup.freeze
	eq "$(rt state "$id" | jq -r .status)" running status
	gone "$id"
}

test_kill_all() {
	local id b; id=$(newid); b=$(bundle "$id") || fail bundle
	start "$id" "$b" sh -c 'sleep 100 & sleep 100 & sleep 100'
	wait_for 20 lines_ge "$(cgdir "$id")/cgroup.procs" 3 || fail "the sleeps did not start"
	rt kill --all "$id" KILL || fail "kill --all"
	wait_for 10 is_empty "$(cgdir "$id")/cgroup.procs" || fail "processes left: $(cgread "$id" cgroup.procs)"
	wait_for 10 init_gone "$id" || fail "the init is still there"
	gone "$id"
}

# The eBPF device filter: /dev/vda made in the container by linux.devices, usable only when
# linux.resources.devices allows it.
test_device_filter() {
	local dev; dev=$(cat /sys/block/vda/dev) || skip "no /sys/block/vda"
	local maj=${dev%:*} min=${dev#*:}
	local allow_r="{allow: true, type: \"b\", major: $maj, minor: $min, access: \"r\"}"
	# vda_run RULES ARGS: a container with /dev/vda, RULES added to linux.resources.devices, running
	# ARGS (a JSON list) in the foreground; its stdout in $TDIR/vda.out, its stderr in vda.err.
	vda_run() {
		local node="{path: \"/dev/vda\", type: \"b\", major: $maj, minor: $min, fileMode: 432, uid: 0, gid: 0}"
		local id b rc; id=$(newid); b=$(bundle "$id" ".linux.devices = [$node] | .linux.resources.devices += [$1] | .process.args = $2") || fail bundle
		rt run --bundle "$b" "$id" </dev/null >"$TDIR/vda.out" 2>"$TDIR/vda.err"; rc=$?
		gone "$id"
		return $rc
	}
	vda_run "" '["head", "-c", "512", "/dev/vda"]'
	eq "$(cat "$TDIR/vda.out" "$TDIR/vda.err" | wc -c)" "$(printf 'head: /dev/vda: Operation not permitted\n' | wc -c)" "reading a device the rules deny"
	vda_run "$allow_r" '["head", "-c", "512", "/dev/vda"]'
	eq "$(wc -c <"$TDIR/vda.out")" 512 "bytes read from an allowed device"
	vda_run "$allow_r" '["sh", "-c", "echo x > /dev/vda"]' && fail "writing to a read-only allowed device succeeded"
	return 0
}

test_update() {
	local id b; sleeper '.linux.resources.memory = {limit: 33554432} | .linux.resources.pids = {limit: 10}'
	rt update --memory 67108864 --pids-limit 20 --cpu-quota 20000 --cpu-period 100000 "$id" || fail update
	eq "$(cgread "$id" memory.max)" 67108864 memory.max
	eq "$(cgread "$id" pids.max)" 20 pids.max
	eq "$(cgread "$id" cpu.max)" "20000 100000" cpu.max
	echo '{"memory": {"limit": 50331648}, "cpu": {"shares": 512}}' | rt update --resources - "$id" || fail "update --resources -"
	eq "$(cgread "$id" memory.max)" 50331648 memory.max
	eq "$(cgread "$id" cpu.weight)" 20 cpu.weight
	gone "$id"
}

test_events_stats() {
	local id b s; id=$(newid); b=$(bundle "$id" '.linux.resources.pids = {limit: 10}') || fail bundle
	start "$id" "$b" sh -c 'sleep 60 & sleep 60 & wait'
	s=$(rt events --stats "$id") || fail "events --stats"
	eq "$(echo "$s" | jq -r .type)" stats type
	eq "$(echo "$s" | jq -r .id)" "$id" id
	[ "$(echo "$s" | jq .data.memory.usage.usage)" -gt 0 ] || fail "memory usage: $s"
	eq "$(echo "$s" | jq .data.pids.current)" 3 pids.current
	eq "$(echo "$s" | jq .data.pids.limit)" 10 pids.limit
	[ "$(echo "$s" | jq .data.cpu.usage.total)" -gt 0 ] || fail "cpu usage: $s"
	gone "$id"
}

test_exec_cgroup() {
	local id b; sleeper
	mkdir "$(cgdir "$id")/sub" || fail "mkdir sub"
	local cg; cg=$(rt exec --cgroup sub "$id" cat /proc/self/cgroup) || fail "exec --cgroup"
	case "$cg" in 0::*/sub) ;; *) fail "exec --cgroup sub: /proc/self/cgroup is $cg";; esac
	rt exec --cgroup nosuch "$id" true 2>/dev/null && fail "exec into a missing sub-cgroup succeeded"
	gone "$id"
}

test_nested_cgroups_path() {
	local id b p; id=$(newid)
	if [ "$DRIVER" = systemd ]; then p="tsrunc-vmt-a.slice:tsrunc-vmtest:$id"; else p="/tsrunc-vmtest/a/b/$id"; fi
	b=$(bundle "$id" ".linux.cgroupsPath = \"$p\"") || fail bundle
	start "$id" "$b" sleep 60
	local d; d=$(cgdir "$id")
	if [ "$DRIVER" = systemd ]; then
		eq "$d" "/sys/fs/cgroup/tsrunc.slice/tsrunc-vmt.slice/tsrunc-vmt-a.slice/tsrunc-vmtest-$id.scope" "cgroup of $p"
	else
		eq "$d" "/sys/fs/cgroup/tsrunc-vmtest/a/b/$id" "cgroup of $p"
	fi
	grep -qx "$(cat "$STATE/$id/state.json" | jq .pid)" "$d/cgroup.procs" || fail "the init is not in $d"
	gone "$id"
	[ "$DRIVER" = systemd ] || [ ! -e /sys/fs/cgroup/tsrunc-vmtest/a ] || fail "the parents it made are left behind"
}

test_cgroupns_cgroup2_mount() {
	local id b out; id=$(newid)
	b=$(bundle "$id" '.linux.namespaces |= (map(select(.type != "cgroup")) + [{type: "cgroup"}]) | .mounts |= (map(select(.destination != "/sys/fs/cgroup")) + [{destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "relatime", "ro"]}]) | .linux.resources.memory = {limit: 33554432} | .process.args = ["sh", "-c", "cat /proc/self/cgroup; cat /sys/fs/cgroup/memory.max; grep -c . /sys/fs/cgroup/cgroup.procs"]') || fail bundle
	out=$(rt run --bundle "$b" "$id" </dev/null 2>&1) || fail "run: $out"
	eq "$out" "$(printf '0::/\n33554432\n1')" "cgroup view inside"
	gone "$id"
}
