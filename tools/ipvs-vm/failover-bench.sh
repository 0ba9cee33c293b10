#!/bin/bash
# failover-bench.sh — failover measured side by side: videolb and keepalived 2.2.7, same VM boot, same nginx-rtmp
# servers, same client, same faults (issue 11's benchmark; docs/failover-benchmark.md).
#
#   tools/ipvs-vm/failover-bench.sh OUT_DIR
#
# Boots the IPVS VM once (tools/ipvs-vm, Debian's kernel; qemu TCG on a machine without KVM) and runs
# failover-bench-guest.sh there: the example cluster of examples/ with real nginx + libnginx-mod-rtmp servers fed by
# ffmpeg, videolb standalone (agent applying to the real IPVS) and keepalived's checker in turn. Writes
# OUT_DIR/runs.tsv, loss.tsv, log.txt, each system's log, and OUT_DIR/table.md (p50/p95/p99/max per fault and
# system, failed attempts, false failovers under loss), which it also prints.
#
# Environment (passed to the VM, checked there): BENCH_SYSTEMS (default: videolb-defaults videolb-kaprobe
# keepalived-tight keepalived-defaults), BENCH_FAULTS (kill silent hung frozen; none: the loss windows only), BENCH_RUNS (20 per fault),
# BENCH_SLOW_RUNS (5: keepalived at its defaults probes every 60 s), BENCH_EXISTING (3 viewers), BENCH_LOSS_S (600);
# BENCH_VM_HOURS (6). The full default run takes hours under TCG; docs/failover-benchmark.md gives the figures of
# the last run with its settings.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$HERE/../.." && pwd -P)
die() { echo "failover-bench: $*" >&2; exit 2; }
[ $# = 1 ] || die "usage: failover-bench.sh OUT_DIR"
OUT=$1
HOURS=${BENCH_VM_HOURS:-6}
[[ $HOURS =~ ^[0-9]{1,2}$ ]] && ((HOURS >= 1)) || die "BENCH_VM_HOURS must be 1..99: $HOURS"
for m in nginx ffmpeg qemu-system-x86_64 keepalived python3; do
    command -v "$m" >/dev/null || die "needs $m (scripts/install-prereqs.sh --test)"
done
[ -f /usr/lib/nginx/modules/ngx_rtmp_module.so ] || die "needs libnginx-mod-rtmp"
JAR=$ROOT/videolb-app/target/videolb.jar
[ -f "$JAR" ] || die "no $JAR (mvn -pl videolb-app -am package -DskipTests)"
mkdir -p "$OUT" || die "cannot create $OUT"
OUT=$(cd "$OUT" && pwd -P)
cache=${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/videolb-lab
# the lab's stream with a keyframe every 0.4 s: nginx-rtmp starts a new player at a keyframe, so a viewer's first
# frame comes at most 0.4 s after its `play` on a healthy server (the lab's sample: 2 s), the same for every system
sample=$cache/sample-320x240-5fps-gop2.flv
if [ ! -s "$sample" ]; then
    mkdir -p "$cache"
    ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i testsrc=size=320x240:rate=5 -t 20 -an \
        -c:v libx264 -preset ultrafast -g 2 -keyint_min 2 -sc_threshold 0 -b:v 150k -pix_fmt yuv420p \
        -f flv "$sample.tmp" && mv "$sample.tmp" "$sample" || die "ffmpeg could not make $sample"
fi
echo "failover-bench: booting the IPVS VM; output in $OUT"
(
    cd "$OUT" || exit 125
    export IPVS_VM_MEM=${IPVS_VM_MEM:-3072} IPVS_VM_CPUS=${IPVS_VM_CPUS:-2} IPVS_VM_TIMEOUT=$((HOURS * 3600)) \
        IPVS_VM_LOCK_WAIT=${IPVS_VM_LOCK_WAIT:-1800} \
        IPVS_VM_ENV="BENCH_SYSTEMS BENCH_FAULTS BENCH_RUNS BENCH_SLOW_RUNS BENCH_EXISTING BENCH_LOSS_S"
    exec "$HERE/run-in-ipvs-vm.sh" bash "$HERE/failover-bench-guest.sh" "$OUT" "$JAR" "$ROOT/examples" "$sample"
)
rc=$?
[ -s "$OUT/runs.tsv" ] || die "no runs (VM exit $rc); see $OUT/log.txt"
python3 "$HERE/failover-table.py" "$OUT/runs.tsv" "$OUT/loss.tsv" >"$OUT/table.md" || die "table failed"
cat "$OUT/table.md"
exit "$rc"
