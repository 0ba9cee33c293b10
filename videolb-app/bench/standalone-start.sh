#!/usr/bin/env bash
# Standalone start side by side: `videolb standalone --config examples/` from each given jar, rotated,
# N runs each (default 3), probes mapped to a closed loopback port (nothing leaves the host), agent
# plan-only. Prints the ready line's startup-ms and the RSS 5 s after ready, per run and as a median.
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
declare -A starts rss
for ((i = 1; i <= n; i++)); do
    for spec in "$@"; do
        name=${spec%%=*} jar=${spec#*=}
        d="$work/$name-$i" && mkdir -p "$d"
        VIDEOLB_HEALTH_ENDPOINTS=$ep java -XX:TieredStopAtLevel=1 -jar "$jar" standalone --config "$root/examples" \
            --data-dir "$d/data" --http-port 28480 --agent-mode plan-only >"$d/out.log" 2>&1 &
        pid=$!
        for _ in $(seq 1 120); do grep -q "standalone ready" "$d/out.log" && break; sleep 0.5; done
        ms=$(grep -o 'startup-ms=[0-9]*' "$d/out.log" | cut -d= -f2 || true)
        sleep 5
        kb=$(awk '/^VmRSS/{print $2}' "/proc/$pid/status")
        kill "$pid" && wait "$pid" || true
        echo "$name run $i: ready ${ms:-none} ms, RSS $((kb / 1024)) MB"
        starts[$name]+="${ms:-999999} " rss[$name]+="$((kb / 1024)) "
    done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
for spec in "$@"; do
    name=${spec%%=*}
    echo "$name: median ready $(echo "${starts[$name]}" | median) ms, median RSS $(echo "${rss[$name]}" | median) MB (n=$n)"
done
