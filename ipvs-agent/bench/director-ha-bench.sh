#!/usr/bin/env bash
# Director takeover benchmark: in ONE boot of the IPVS VM (tools/ipvs-vm, Debian's kernel, TCG), N takeovers
# per configuration, each director in turn killed (link down + SIGKILL of every keepalived process) while
# viewers hold connections through it, then revived (it must not preempt):
#   videolb  - both sync roles at once on each director (distinct ids), backup_only=0, sloppy_tcp=1,
#              keepalived VRRPv3 unicast, nopreempt, at each advert interval given (default 0.2 s)
#   stock    - keepalived's stock VRRP + lvs_sync_daemon (it switches the daemon's role at each transition),
#              kernel defaults, advert 1 s (VRRPv2), nopreempt
# Prints p50/p95/p99/max per configuration for
#   vip      kill -> VIP on the peer (keepalived's view)
#   existing kill -> every established connection answered again through the peer (the slowest of them)
#   new      kill -> first new connection answered
# and the established connections kept (%). Run from the repository root (root; the VM script installs what
# it needs):
#
#   ipvs-agent/bench/director-ha-bench.sh [N] [ADVERTS]      default: 20 "0.2"; e.g. 20 "0.1 0.2"
#   env: HA_OLD (8 old connections per takeover), HA_YOUNG (2 opened 0.3 s before the kill),
#        HA_OLD_AGE (3 s between opening the old ones and the kill), RAW (file for the raw lines)
# Figures and method: docs/director-ha-kernel.md.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
N=${1:-20}
ADVERTS=${2:-0.2}
[[ $N =~ ^[0-9]{1,3}$ ]] || { echo "N: 1..999" >&2; exit 2; }
[[ $ADVERTS =~ ^[0-9.\ ]{1,40}$ ]] || { echo "ADVERTS: numbers like '0.1 0.2'" >&2; exit 2; }
RAW=${RAW:-$(mktemp /tmp/director-ha-bench.XXXXXX)}
export IPVS_VM_TIMEOUT=${IPVS_VM_TIMEOUT:-$((600 + N * 60 * 2))}
export IPVS_VM_ENV="HA_OLD HA_YOUNG HA_OLD_AGE"
export HA_OLD=${HA_OLD:-8} HA_YOUNG=${HA_YOUNG:-2} HA_OLD_AGE=${HA_OLD_AGE:-3}
t0=$(date +%s)
cd "$ROOT"
"$ROOT/tools/ipvs-vm/run-in-ipvs-vm.sh" bash "$ROOT/tools/ipvs-vm/director-ha.sh" bench "$N" "$ADVERTS" | tee "$RAW" \
    | grep -E '^@(round|transitions|preempted|round-error)' || true
echo "raw output: $RAW ($(($(date +%s) - t0)) s, load average $(cut -d' ' -f1-3 /proc/loadavg))"
echo
awk '
function pct(arr, n, p,   i, j, t, k) {
    for (i = 1; i <= n; i++) s[i] = arr[i]
    for (i = 2; i <= n; i++) { t = s[i]; for (j = i - 1; j >= 1 && s[j] > t; j--) s[j + 1] = s[j]; s[j + 1] = t }
    k = int((p / 100) * n + 0.999999); if (k < 1) k = 1; if (k > n) k = n
    return s[k]
}
function row(name, arr, n,   miss) {
    if (n == 0) { printf " | %s: no sample", name; return }
    printf " | %d / %d / %d / %d", pct(arr, n, 50), pct(arr, n, 95), pct(arr, n, 99), pct(arr, n, 100)
}
$1 == "@round" {
    c = $3 " advert " $4
    if (!(c in seen)) { seen[c] = 1; order[++nc] = c }
    runs[c]++
    if ($7 >= 0) { nv[c]++; V[c, nv[c]] = $7 } else fv[c]++
    if ($8 >= 0) { ne[c]++; E[c, ne[c]] = $8 } else fe[c]++
    if ($9 >= 0) { nn[c]++; Nn[c, nn[c]] = $9 } else fn[c]++
    kept[c] += $10; total[c] += $11; yk[c] += $12; yt[c] += $13
}
$1 == "@preempted" { pre++ }
END {
    print "| configuration | takeovers | vip ms p50 / p95 / p99 / max | existing ms p50 / p95 / p99 / max | new ms p50 / p95 / p99 / max | established kept | young (opened 0.3 s before the kill) kept |"
    print "|---|---|---|---|---|---|---|"
    for (i = 1; i <= nc; i++) {
        c = order[i]
        printf "| %s | %d", c, runs[c]
        delete a; for (j = 1; j <= nv[c]; j++) a[j] = V[c, j]; row("vip", a, nv[c])
        delete a; for (j = 1; j <= ne[c]; j++) a[j] = E[c, j]; row("existing", a, ne[c])
        delete a; for (j = 1; j <= nn[c]; j++) a[j] = Nn[c, j]; row("new", a, nn[c])
        printf " | %d / %d (%.1f %%) | %d / %d |\n", kept[c], total[c], total[c] ? 100 * kept[c] / total[c] : 0, yk[c], yt[c]
        if (fe[c]) printf "  (%s: %d takeovers lost at least one established connection: no existing time)\n", c, fe[c]
    }
    printf "preemptions by a returning director: %d\n", pre + 0
}' "$RAW"
