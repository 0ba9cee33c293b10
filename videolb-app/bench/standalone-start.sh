#!/usr/bin/env bash
# Standalone start side by side: `videolb standalone --config examples/` from each given jar, rotated,
# N runs each (default 3), probes mapped to a closed loopback port (nothing leaves the host), agent
# plan-only. Prints the ready line's startup-ms, the CPU time the process had used when it printed it (user + system,
# the figure that a busy shared machine changes least) and the RSS 5 s after ready, per run and as min/median/max.
#   videolb-app/bench/standalone-start.sh [-n N] NAME=JAR [NAME=JAR ...]
# Each run uses a fresh data directory under a temp folder; every process is stopped by its PID.
set -euo pipefail
n=3
if [ "${1:-}" = "-n" ]; then n=$2; shift 2; fi
(($# >= 1)) || { echo "usage: $0 [-n N] NAME=JAR [NAME=JAR ...]" >&2; exit 2; }
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ep=""
for s in 11 12 13 14 21 22 24; do ep="${ep:+$ep,}192.0.2.$s=127.0.0.1:9:9"; done
declare -A starts rss cpus
for ((i = 1; i <= n; i++)); do
    for spec in "$@"; do
        name=${spec%%=*} jar=${spec#*=}
        d="$work/$name-$i" && mkdir -p "$d"
        VIDEOLB_HEALTH_ENDPOINTS=$ep java -XX:TieredStopAtLevel=1 -jar "$jar" standalone --config "$root/examples" \
            --data-dir "$d/data" --http-port 28480 --agent-mode plan-only >"$d/out.log" 2>&1 &
        pid=$!
        for _ in $(seq 1 600); do grep -q "standalone ready" "$d/out.log" && break; sleep 0.2; done
        read -r ut st < <(awk '{print $14, $15}' "/proc/$pid/stat")
        cpu=$(((ut + st) * 1000 / $(getconf CLK_TCK)))
        ms=$(grep -o 'startup-ms=[0-9]*' "$d/out.log" | cut -d= -f2 || true)
        sleep 5
        kb=$(awk '/^VmRSS/{print $2}' "/proc/$pid/status")
        kill "$pid" && wait "$pid" || true
        echo "$name run $i: ready ${ms:-none} ms, CPU at ready $cpu ms, RSS $((kb / 1024)) MB (load $(cut -d' ' -f1 /proc/loadavg))"
        starts[$name]+="${ms:-999999} " rss[$name]+="$((kb / 1024)) " cpus[$name]+="$cpu "
    done
done
# min/median/max
mmm() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[1] "/" a[int((NR + 1) / 2)] "/" a[NR]}'; }
for spec in "$@"; do
    name=${spec%%=*}
    echo "$name (n=$n, min/median/max): ready $(echo "${starts[$name]}" | mmm) ms, CPU at ready $(echo "${cpus[$name]}" | mmm) ms, RSS $(echo "${rss[$name]}" | mmm) MB"
done
