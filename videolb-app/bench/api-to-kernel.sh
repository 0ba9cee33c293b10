#!/usr/bin/env bash
# API write -> kernel applied (issue 11): `./videolb standalone --config examples --agent-mode apply` (the
# launcher's default JVM options) in a network namespace of its own, and api-to-kernel.py writing through its admin
# API and waiting for the agent's applied generation, then checking the kernel.
#
#   videolb-app/bench/api-to-kernel.sh [-k client|pool] [-n WRITES] [-w WARMUP]
#     -k  client (default): a client moved between pools, the ipset entry changes (steering: any kernel);
#         pool: a pool's server weight edited, one IPVS line changes (needs IPVS: run it in the VM,
#         tools/ipvs-vm/run-in-ipvs-vm.sh videolb-app/bench/api-to-kernel.sh -k pool)
#     -n  writes measured (default 500), -w warm-up writes not measured (default 20)
#     -g  milliseconds between one write applied and the next (default 0: back to back)
#
# Root (it makes the namespace: loopback only, nothing leaves it). Without IPVS the agent runs steering-only, which
# is all the client kind needs. Prints the driver's line: API answer and kernel applied, p50 / p99 / max.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
KIND=client N=500 W=20 G=0
while getopts "k:n:w:g:" o; do
    case $o in
        k) KIND=$OPTARG ;;
        n) N=$OPTARG ;;
        w) W=$OPTARG ;;
        g) G=$OPTARG ;;
        *) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
    esac
done
[[ $KIND =~ ^(client|pool)$ ]] || { echo "api-to-kernel: -k client|pool: $KIND" >&2; exit 2; }
[[ $N =~ ^[0-9]{1,5}$ ]] && ((N >= 1)) || { echo "api-to-kernel: -n 1..99999: $N" >&2; exit 2; }
[[ $W =~ ^[0-9]{1,4}$ ]] || { echo "api-to-kernel: -w 0..9999: $W" >&2; exit 2; }
[[ $G =~ ^[0-9]{1,5}$ ]] && ((G <= 60000)) || { echo "api-to-kernel: -g 0..60000: $G" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "api-to-kernel: run as root (it makes a network namespace)" >&2; exit 2; }
[ -f "$ROOT/videolb-app/target/videolb.jar" ] || { echo "api-to-kernel: no videolb-app/target/videolb.jar" >&2; exit 2; }
NS=vlb-apibench-$$
WORK=$(mktemp -d /tmp/videolb-api-to-kernel.XXXXXX)
PID=''
cleanup() {
    if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
        kill -TERM "$PID"
        for _ in $(seq 1 150); do kill -0 "$PID" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$PID" 2>/dev/null || true
    fi
    ip netns del "$NS" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
ip netns add "$NS"
ip -n "$NS" link set lo up
mkdir -p "$WORK/state" "$WORK/etc/iptables"
ip netns exec "$NS" env VIDEOLB_STATE_DIR="$WORK/state" VIDEOLB_IPVS_RULES="$WORK/etc/ipvsadm.rules" \
    VIDEOLB_IPTABLES_RULES="$WORK/etc/iptables/rules.v4" VIDEOLB_IPSET_RULES="$WORK/etc/iptables/ipsets" \
    "$ROOT/videolb" standalone --config "$ROOT/examples" --data-dir "$WORK/data" --http-port 8480 --agent-mode apply \
    >"$WORK/standalone.out" 2>"$WORK/standalone.err" </dev/null &
PID=$!
for _ in $(seq 1 1800); do # up to 15 min (an emulated CPU)
    kill -0 "$PID" 2>/dev/null || { echo "api-to-kernel: standalone exited:" >&2; tail -n 20 "$WORK/standalone.err" >&2; exit 1; }
    grep -q '^videolb standalone ready' "$WORK/standalone.out" && break
    sleep 0.5
done
grep -q '^videolb standalone ready' "$WORK/standalone.out" || { echo "api-to-kernel: standalone not ready" >&2; exit 1; }
echo "api-to-kernel: $(head -n 1 "$WORK/standalone.out" | cut -c1-160)..."
grep -m1 -o 'agent is running in [a-z-]* mode[^"]*' "$WORK/standalone.err" || true
ip netns exec "$NS" python3 "$ROOT/videolb-app/bench/api-to-kernel.py" --data-dir "$WORK/data" --kind "$KIND" \
    --writes "$N" --warmup "$W" --gap-ms "$G"
