# Debian's containerd in the guest with tsrunc as the runc shim's binary (ctr --runc-binary), with
# the systemd cgroup driver (--runc-systemd-cgroup: containerd's SystemdCgroup = true) and without:
# run, exec, ps, pause/resume, metrics, kill, delete.

ctr_() { ctr --timeout 60s "$@"; }

test_ctr_lifecycle() {
	command -v ctr >/dev/null || skip "containerd is not installed in the guest"
	systemctl start containerd || fail "containerd does not start"
	local id rootfs cg flags=(); id=$(newid)
	rootfs="$TDIR/ctr-rootfs"; cp -a "$ROOTFS" "$rootfs"
	if [ "$DRIVER" = systemd ]; then flags=(--runc-systemd-cgroup); cg="system.slice:tsrunc-ctr:$id"; else cg="/tsrunc-ctr/$id"; fi
	ctr_ run -d --runc-binary "$TSRUNC" --runc-root "$TDIR/ctr-state" "${flags[@]}" --cgroup "$cg" --rootfs "$rootfs" "$id" sleep 300 || fail "ctr run"
	trap 'ctr task kill -s KILL '"$id"' 2>/dev/null; sleep 1; ctr task delete '"$id"' 2>/dev/null; ctr container delete '"$id"' 2>/dev/null; cleanup' EXIT
	wait_for 20 sh -c "ctr task ls | grep -q '$id.*RUNNING'" || fail "task not running: $(ctr task ls)"
	eq "$(ctr_ task exec --exec-id e1 "$id" echo hello)" hello "task exec"
	ctr_ task ps "$id" | grep -q '^[0-9]' || fail "task ps"
	ctr_ task pause "$id" || fail pause
	wait_for 10 sh -c "ctr task ls | grep -q '$id.*PAUSED'" || fail "not paused: $(ctr task ls)"
	ctr_ task resume "$id" || fail resume
	wait_for 10 sh -c "ctr task ls | grep -q '$id.*RUNNING'" || fail "not resumed"
	local m; m=$(ctr_ task metrics "$id") || fail "task metrics"
	contains "$m" "memory" metrics
	if [ "$DRIVER" = systemd ]; then
		eq "$(systemctl is-active "tsrunc-ctr-$id.scope")" active "the container's scope"
	else
		[ -d "/sys/fs/cgroup/tsrunc-ctr/$id" ] || fail "no cgroup /tsrunc-ctr/$id"
	fi
	ctr_ task kill -s KILL "$id" || fail kill
	wait_for 20 sh -c "ctr task ls | grep -q '$id.*STOPPED'" || fail "not stopped: $(ctr task ls)"
	ctr_ task delete "$id" || fail "task delete"
	ctr_ container delete "$id" || fail "container delete"
	if [ "$DRIVER" = systemd ]; then
		eq "$(systemctl show -p LoadState --value "tsrunc-ctr-$id.scope")" not-found "scope after delete"
	else
		[ ! -e "/sys/fs/cgroup/tsrunc-ctr/$id" ] || fail "cgroup left after delete"
	fi
}
