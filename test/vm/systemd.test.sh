# The systemd cgroup driver against the guest's systemd: the transient scope, its properties, and
# that nothing (no unit, failed or not, no cgroup) is left after delete.
DRIVERS=systemd

unit_of() { echo "tsrunc-vmtest-$1.scope"; }
prop() { systemctl show -p "$2" --value "$(unit_of "$1")"; }

# refused ID BUNDLE TEXT WHAT: run fails saying TEXT, and leaves no state, cgroup, active unit or init.
refused() {
	local out
	out=$(rt run --bundle "$2" "$1" 2>&1 </dev/null) && fail "$4 ran"
	contains "$out" "$3" error
	[ ! -e "$STATE/$1" ] || fail "state left behind"
	[ ! -e "/sys/fs/cgroup/system.slice/$(unit_of "$1")" ] || fail "cgroup left behind"
	[ "$(systemctl is-active "$(unit_of "$1")")" != active ] || fail "unit left active"
	pgrep -f "tsrunc-init.*$1" >/dev/null && fail "an init is left"
	return 0
}

test_scope_with_properties() {
	local id b; id=$(newid)
	b=$(bundle "$id" '.linux.resources.memory = {limit: 33554432, reservation: 16777216} | .linux.resources.pids = {limit: 30} | .linux.resources.cpu = {shares: 2048, quota: 25000, period: 100000, cpus: "0"}') || fail bundle
	start "$id" "$b" sleep 60
	eq "$(systemctl is-active "$(unit_of "$id")")" active "unit state"
	eq "$(cgdir "$id")" "/sys/fs/cgroup/system.slice/$(unit_of "$id")" "cgroup"
	grep -qx "$(jq .pid "$STATE/$id/state.json")" "$(cgdir "$id")/cgroup.procs" || fail "the init is not in the scope"
	eq "$(prop "$id" Delegate)" yes Delegate
	eq "$(prop "$id" MemoryMax)" 33554432 MemoryMax
	eq "$(prop "$id" MemoryLow)" 16777216 MemoryLow
	eq "$(prop "$id" TasksMax)" 30 TasksMax
	eq "$(prop "$id" CPUWeight)" 79 CPUWeight
	eq "$(prop "$id" CPUQuotaPerSecUSec)" 250ms CPUQuotaPerSecUSec
	eq "$(prop "$id" AllowedCPUs)" 0 AllowedCPUs
	# The cgroup files agree with the properties.
	eq "$(cgread "$id" memory.max)" 33554432 memory.max
	eq "$(cgread "$id" cpu.max)" "25000 100000" cpu.max
	gone "$id"
	eq "$(systemctl show -p LoadState --value "$(unit_of "$id")")" not-found "unit after delete"
}

test_update_sets_unit_properties() {
	local id b; id=$(newid); b=$(bundle "$id" '.linux.resources.memory = {limit: 33554432}') || fail bundle
	start "$id" "$b" sleep 60
	rt update --memory 67108864 --pids-limit 40 "$id" || fail update
	eq "$(prop "$id" MemoryMax)" 67108864 "MemoryMax after update"
	eq "$(prop "$id" TasksMax)" 40 "TasksMax after update"
	eq "$(cgread "$id" memory.max)" 67108864 memory.max
	# A daemon-reload re-applies the unit's properties to its cgroup: the update must survive it.
	systemctl daemon-reload
	eq "$(cgread "$id" memory.max)" 67108864 "memory.max after daemon-reload"
	gone "$id"
}

# A scope whose process was OOM-killed ends up "failed"; delete must not leave it behind.
test_no_failed_unit_left() {
	local id b; id=$(newid); b=$(bundle "$id" '.linux.resources.memory = {limit: 16777216, swap: 16777216}') || fail bundle
	start "$id" "$b" sh -c 'tail /dev/zero'
	wait_for 60 init_gone "$id" || fail "the container did not die"
	rt delete "$id" || fail delete
	eq "$(systemctl show -p LoadState --value "$(unit_of "$id")")" not-found "unit after delete"
	systemctl list-units --failed --plain --no-legend | grep -q "$(unit_of "$id")" && fail "a failed unit is left"
	return 0
}

test_exec_joins_the_scope() {
	local id b cg; id=$(newid); b=$(bundle "$id") || fail bundle
	start "$id" "$b" sleep 60
	# Read from the host: the spec template gives a cgroup2-only host a cgroup namespace (runc 1.2+),
	# inside which the exec'd process sees its cgroup as "/".
	rt exec -d --pid-file "$b/exec.pid" "$id" sleep 60 </dev/null >/dev/null 2>"$TDIR/err" || fail "exec: $(cat "$TDIR/err")"
	cg=$(cat "/proc/$(cat "$b/exec.pid")/cgroup") || fail "read the exec'd process's cgroup"
	contains "$cg" "$(unit_of "$id")" "exec'd process's cgroup"
	gone "$id"
}

test_default_cgroups_path() {
	local id b; id=$(newid); b=$(bundle "$id" 'del(.linux.cgroupsPath)') || fail bundle
	start "$id" "$b" sleep 60
	eq "$(systemctl is-active "tsrunc-$id.scope")" active "tsrunc-<id>.scope"
	eq "$(cgdir "$id")" "/sys/fs/cgroup/system.slice/tsrunc-$id.scope" cgroup
	gone "$id"
}

test_bad_path_leaves_nothing() {
	local id b out; id=$(newid); b=$(bundle "$id" '.linux.cgroupsPath = "/not/systemd"') || fail bundle
	out=$(rt run --bundle "$b" "$id" 2>&1 </dev/null) && fail "a cgroupfs path with --systemd-cgroup ran"
	contains "$out" 'linux.cgroupsPath' error
	contains "$out" 'slice:prefix:name' error
	[ ! -e "$STATE/$id" ] || fail "state left behind"
	# A slice as the container's unit: systemd would refuse to delegate it; refused before anything exists.
	id=$(newid); b=$(bundle "$id" ".linux.cgroupsPath = \"system.slice::system-tsrunctest${id//-/}.slice\"") || fail bundle
	out=$(rt run --bundle "$b" "$id" 2>&1 </dev/null) && fail "a slice unit ran"
	contains "$out" "linux.cgroupsPath" error
	contains "$out" "must be a scope" error
	[ ! -e "$STATE/$id" ] || fail "state left behind"
	# (systemd shows any slice name as loaded: it needs no unit file)
	[ "$(systemctl is-active "system-tsrunctest${id//-/}.slice")" != active ] || fail "a slice unit is active"
	[ ! -e "/sys/fs/cgroup/system.slice/system-tsrunctest${id//-/}.slice" ] || fail "a slice cgroup is left"
	# A unified value systemd's property cannot take is refused after the state directory exists:
	# the error names it and create's cleanup leaves nothing.
	id=$(newid); b=$(bundle "$id" '.linux.resources.unified = {"pids.max": "lots"}') || fail bundle
	refused "$id" "$b" "linux.resources.unified.pids.max" "a bad unified value"
}

# Without a usable system bus the driver reaches systemd on its private socket, as runc's go-systemd
# does as root; busctl, which tsrunc ran before its own D-Bus client, could not.
test_private_socket_without_bus() {
	local id b; id=$(newid); b=$(bundle "$id" '.linux.resources.pids = {limit: 25}') || fail bundle
	export DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent/bus
	start "$id" "$b" sleep 60
	eq "$(systemctl is-active "$(unit_of "$id")")" active "unit state"
	eq "$(prop "$id" TasksMax)" 25 TasksMax
	rt update --pids-limit 26 "$id" || fail update
	eq "$(prop "$id" TasksMax)" 26 "TasksMax after update"
	gone "$id"
	eq "$(systemctl show -p LoadState --value "$(unit_of "$id")")" not-found "unit after delete"
}

# runc's "org.systemd.property.<Name>" annotations: extra unit properties in GVariant text, a
# ...Sec name converted to ...USec; a bad one refused before anything exists.
test_annotation_properties() {
	local id b out
	id=$(newid); b=$(bundle "$id" '.annotations = {"org.systemd.property.TimeoutStopSec": "7", "org.systemd.property.CollectMode": "'"'inactive-or-failed'"'", "org.systemd.property.Wants": "['"'tsrunc-vmtest-dummy.service'"']"}') || fail bundle
	start "$id" "$b" sleep 60
	eq "$(prop "$id" TimeoutStopUSec)" 7s TimeoutStopUSec
	eq "$(prop "$id" CollectMode)" inactive-or-failed CollectMode
	contains "$(prop "$id" Wants)" tsrunc-vmtest-dummy.service Wants
	gone "$id"
	id=$(newid); b=$(bundle "$id" '.annotations = {"org.systemd.property.TimeoutStopSec": "'"'soon'"'"}') || fail bundle
	out=$(rt run --bundle "$b" "$id" 2>&1 </dev/null) && fail "a bad annotation ran"
	contains "$out" 'org.systemd.property.TimeoutStopSec' error
	[ ! -e "$STATE/$id" ] || fail "state left behind"
	eq "$(systemctl show -p LoadState --value "$(unit_of "$id")")" not-found "unit after the refusal"
	# A property systemd does not know fails StartTransientUnit, after the init exists: systemd's
	# reason is shown and nothing is left (no state, no process, no cgroup, no active unit).
	id=$(newid); b=$(bundle "$id" '.annotations = {"org.systemd.property.NoSuchThing": "true"}') || fail bundle
	refused "$id" "$b" NoSuchThing "an unknown property"
}

# linux.resources.unified and cpu.idle become unit properties too (runc unifiedResToSystemdProps,
# shouldSetCPUIdle), so a daemon-reload keeps them in the files.
test_unified_and_idle_survive_daemon_reload() {
	local id b
	id=$(newid); b=$(bundle "$id" '.linux.resources.cpu = {idle: 1} | .linux.resources.unified = {"memory.high": "50331648", "pids.max": "33", "cpu.max": "20000 100000"}') || fail bundle
	start "$id" "$b" sleep 60
	eq "$(prop "$id" MemoryHigh)" 50331648 MemoryHigh
	eq "$(prop "$id" TasksMax)" 33 TasksMax
	eq "$(prop "$id" CPUQuotaPerSecUSec)" 200ms CPUQuotaPerSecUSec
	eq "$(cgread "$id" cpu.idle)" 1 cpu.idle
	systemctl daemon-reload
	eq "$(cgread "$id" memory.high)" 50331648 "memory.high after daemon-reload"
	eq "$(cgread "$id" pids.max)" 33 "pids.max after daemon-reload"
	eq "$(cgread "$id" cpu.max)" "20000 100000" "cpu.max after daemon-reload"
	eq "$(cgread "$id" cpu.idle)" 1 "cpu.idle after daemon-reload"
	gone "$id"
}
