#!/bin/sh
# createRuntime hook: wire a container's network namespace the way Docker does with its bridge
# driver, minus the bridge: a veth pair, one end moved into the container (renamed eth0) with an
# address and a default route, the other end left on the "host side" with the gateway address.
#
# The host side is a named network namespace (HOST_NETNS, made with `ip netns add`), so the example
# never touches the machine's own network. Configure with environment variables in the hook entry:
#   "hooks": {"createRuntime": [{"path": "/abs/path/veth-network.sh",
#      "env": ["HOST_NETNS=mynet", "CONTAINER_ADDR=10.253.0.2/24", "HOST_ADDR=10.253.0.1/24"]}]}
# The container's state arrives on stdin (runtime.md "State"); only its pid is needed.
set -eu
: "${HOST_NETNS:?HOST_NETNS (a named network namespace) is required}"
: "${CONTAINER_ADDR:?CONTAINER_ADDR (address/prefix) is required}"
: "${HOST_ADDR:?HOST_ADDR (address/prefix) is required}"
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
state=$(cat)
pid=$(printf '%s' "$state" | sed -n 's/.*"pid": *\([0-9][0-9]*\).*/\1/p')
[ -n "$pid" ] || { echo "veth-network: no pid in the state on stdin" >&2; exit 1; }
host_if="veth${pid}"
peer_if="vethc${pid}"
ip -n "$HOST_NETNS" link add "$host_if" type veth peer name "$peer_if"
ip -n "$HOST_NETNS" link set "$peer_if" netns "$pid"
ip -n "$HOST_NETNS" addr add "$HOST_ADDR" dev "$host_if"
ip -n "$HOST_NETNS" link set "$host_if" up
nsenter --net="/proc/$pid/ns/net" sh -c "
  ip link set '$peer_if' name eth0 &&
  ip addr add '$CONTAINER_ADDR' dev eth0 &&
  ip link set lo up && ip link set eth0 up &&
  ip route add default via '${HOST_ADDR%/*}'"
