#!/usr/bin/env bash
# Memory at 100,000 clients (issue 11): each service as its own process, and standalone, for a list of -Xmx values
# side by side in one run. Prints per process and heap: VmRSS and VmHWM (/proc/PID/status), heap used/committed and
# metaspace (jstat -gc), GC pause time in the 30 s hold (-Xlog:gc), and whether it kept working; then the smallest
# -Xmx that kept each working.
#
#   videolb-app/bench/memory-100k.sh [-j JAR] [-o "JVM OPTIONS"] [-x "XMX ..."] [-s "XMX ..."] [-c N] [-N]
#     -j  the shaded jar (default videolb-app/target/videolb.jar)
#     -o  JVM options of every measured process besides -Xmx (default -XX:TieredStopAtLevel=1); "none": no options
#     -x  -Xmx values for the four service processes (default "48m 64m 96m 128m"; "default": the JVM's own;
#         "launcher": the options ./videolb gives each service by default, -o ignored)
#     -s  -Xmx values for standalone (default "160m 192m 256m 384m"); "" skips standalone, as -x "" the services
#     -c  clients (default 100000)
#     -N  also -XX:NativeMemoryTracking=summary and a `jcmd VM.native_memory summary` + class histogram per process
#         (files kept in the work directory, printed at the end)
#
# Must run as root (it makes a network namespace). Everything runs inside a network namespace of its own (loopback
# only, nothing leaves it): a Kafka broker (KRaft, from the same jar, fixed -Xmx384m, not measured) and, per -Xmx
# value, config-service (imports the generated CSV files at start), health-service (probes 160 servers, every one
# mapped to a closed loopback port), ipvs-agent (steering applied for real in the namespace: ipset with every client
# and the one iptables rule; IPVS plan-only, this kernel has none) and alert-service, each `java -jar JAR SERVICE`
# with VIDEOLB_* settings and nothing else of the caller's environment; a fresh topic prefix per -Xmx value, and
# the namespace's ipset/iptables emptied between values. Then the broker stops and standalone runs per -Xmx value
# (fresh data directory, --agent-mode apply with the agent's state and reboot files in the work directory: steering
# applied in the namespace, IPVS plan-only).
#
# The configuration is config-service's benchmark layout (config-service/src/test/.../bench/StateGenerator.java,
# docs/config-service.md): N client /32s from 100.64.0.1 over 20 pools (fwmarks 100-119) of 4 servers in
# 192.0.2.0/24, each with a backup in 198.51.100.0/24.
#
# Working (each bounded, 300 s for the start): config-service: its running line with generation >= 1 and
# GET /api/v1/clients answering total N; agent: videolb_agent_desired_generation equal to config-service's generation
# and the namespace's ipset holding the N clients (+ the ip_domain network; videolb_agent_applied_generation stays 0
# while IPVS is plan-only); health: videolb_health_servers 160 and probes counted; alert:
# videolb_alert_caught_up 1; standalone: its ready line and all of the above through its four ports. Kept working:
# the same checks again after 30 s, the process alive, no OutOfMemoryError in its output, and GC pauses (-Xlog:gc)
# under 10 % of the 30 s. Every process is ended by its PID (SIGTERM, SIGKILL after 20 s).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
jar=$root/videolb-app/target/videolb.jar
opts="-XX:TieredStopAtLevel=1"
svc_xmx="48m 64m 96m 128m"
sa_xmx="160m 192m 256m 384m"
n=100000
nmt=false
while getopts "j:o:x:s:c:N" f; do
    case $f in
        j) jar=$OPTARG ;;
        o) opts=$OPTARG ;;
        x) svc_xmx=$OPTARG ;;
        s) sa_xmx=$OPTARG ;;
        c) n=$OPTARG ;;
        N) nmt=true ;;
        *) sed -n '2,16p' "$0" >&2; exit 2 ;;
    esac
done
[ "$opts" = none ] && opts=""
[ "$(id -u)" = 0 ] || { echo "memory-100k.sh: run as root (network namespace, ipset)" >&2; exit 2; }
[ -f "$jar" ] || { echo "memory-100k.sh: no $jar (mvn -o -B -DskipTests package -pl videolb-app -am)" >&2; exit 2; }
java_bin=$(command -v java)

work=$(mktemp -d /tmp/vlb-mem100k.XXXXXX)
ns=vlbmem$$
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
    echo "work directory (logs, gc logs$($nmt && echo ', NMT')): $work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$ns"
ip netns exec "$ns" ip link set lo up
nsx() { ip netns exec "$ns" "$@"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

# ---- the configuration ----
cfg=$work/config && mkdir -p "$cfg"
printf 'field,value\nlvsIP,203.0.113.10\nip_domain,100.64.0.0/10\nmailid,ops@example.com\npersistence_time,60\nfwdefault,100\nschedule,wlc\n' \
    >"$cfg/param.csv"
awk -v n="$n" 'BEGIN {
    print "IP,fwmark"
    base = 100 * 16777216 + 64 * 65536
    for (i = 0; i < n; i++) { a = base + i + 1
        printf "%d.%d.%d.%d,%d\n", int(a / 16777216), int(a / 65536) % 256, int(a / 256) % 256, a % 256, 100 + i % 20 } }' \
    >"$cfg/client-list.csv"
awk 'BEGIN { print "fwmark,server,schedule"
    for (p = 0; p < 20; p++) { s = ""
        for (k = 0; k < 4; k++) s = s (k ? "," : "") "192.0.2." (1 + p * 4 + k) " weight=" (1 + k)
        printf "%d,\"%s\",wrr\n", 100 + p, s } }' >"$cfg/fwmark-routing-list.csv"
awk 'BEGIN { print "RIP,backup"; for (i = 1; i <= 80; i++) printf "192.0.2.%d,198.51.100.%d\n", i, i }' \
    >"$cfg/realserver-backup-list.csv"
ep=""
for i in $(seq 1 80); do ep="$ep${ep:+,}192.0.2.$i=127.0.0.1:9:9,198.51.100.$i=127.0.0.1:9:9"; done
token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "bench:admin:$(printf %s "$token" | sha256sum | cut -d' ' -f1)" >"$work/api-tokens"
echo "config: $n clients, 20 pools, 160 servers ($(du -k "$cfg/client-list.csv" | cut -f1) KiB client-list.csv); JVM options: ${opts:-none}; load $(load)"

# ---- helpers ----
# jstart NAME XMX LOG ARGS... (VIDEOLB_* settings in the array `env_vars`): starts java in the namespace, sets $jpid
jstart() {
    local name=$1 xmx=$2 log=$3
    shift 3
    local jo=($opts)
    [ "$xmx" != default ] && jo+=("-Xmx$xmx")
    $nmt && jo+=(-XX:NativeMemoryTracking=summary)
    jo+=("-Xlog:gc:file=$work/gc-$name.log")
    if [ "$xmx" = launcher ]; then # the shipped defaults: ./videolb's options for the subcommand, -Xlog:gc added
        ip netns exec "$ns" env -i PATH="$(dirname "$java_bin"):/usr/sbin:/usr/bin:/sbin:/bin" HOME="$work" \
            JAVA_TOOL_OPTIONS="-Xlog:gc:file=$work/gc-$name.log$($nmt && echo ' -XX:NativeMemoryTracking=summary')" \
            "${env_vars[@]}" bash "$root/videolb" "$@" >"$log" 2>&1 &
    else
        ip netns exec "$ns" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$work" "${env_vars[@]}" \
            "$java_bin" "${jo[@]}" -jar "$jar" "$@" >"$log" 2>&1 &
    fi
    jpid=$!
    pids+=("$jpid")
}
stop() { # PID...: SIGTERM, SIGKILL after 20 s
    for p in "$@"; do kill "$p" 2>/dev/null || true; done
    for p in "$@"; do
        for _ in $(seq 1 200); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
}
http() { nsx curl -s -m 5 "$@" 2>/dev/null || true; }
metric() { # PORT NAME: the sum of series NAME over its labels, as an integer ("" when absent)
    http "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 == m || index($1, m "{") == 1 { s += $NF; f = 1 }
        END { if (f) printf "%d", s }'
}
clients_total() { # PORT: total of GET /api/v1/clients
    http -H "Authorization: Bearer $1" "http://127.0.0.1:$2/api/v1/clients?limit=1" | grep -o '"total":[0-9]*' | cut -d: -f2
}
set_members() { # members of the agent's client set (the clients + the ip_domain network), 0 without one
    nsx ipset list -t videolb-clients 2>/dev/null | awk -F': ' '/Number of entries/ { n = $2 } END { print n + 0 }'
}
flush_kernel() {
    nsx iptables -t mangle -F 2>/dev/null || true
    nsx iptables -t mangle -X 2>/dev/null || true
    for s in $(nsx ipset list -n 2>/dev/null); do nsx ipset destroy "$s" 2>/dev/null || true; done
}
gc_lines() { wc -l <"$work/gc-$1.log" 2>/dev/null || echo 0; }
gc_pause_ms() { # NAME FROM-LINE: sum of the pauses logged after line FROM-LINE
    tail -n +"$(($2 + 1))" "$work/gc-$1.log" 2>/dev/null | awk '/Pause/ { v = $NF; sub(/ms$/, "", v); s += v } END { printf "%.0f", s }'
}
oom() { grep -c "OutOfMemoryError" "$1" 2>/dev/null || true; }
# measure NAME PID: "VmRSS VmHWM heap-used heap-committed metaspace-used" in MB
measure() {
    local rss hwm
    rss=$(awk '/^VmRSS/ { print int($2 / 1024) }' "/proc/$2/status" 2>/dev/null || echo -)
    hwm=$(awk '/^VmHWM/ { print int($2 / 1024) }' "/proc/$2/status" 2>/dev/null || echo -)
    local gc
    gc=$(jstat -gc "$2" 2>/dev/null | awk 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i }
        NR == 2 { u = $c["S0U"] + $c["S1U"] + $c["EU"] + $c["OU"]; k = $c["S0C"] + $c["S1C"] + $c["EC"] + $c["OC"]
                  printf "%d %d %d", u / 1024, k / 1024, $c["MU"] / 1024 }')
    if $nmt; then
        jcmd "$2" VM.native_memory summary >"$work/nmt-$1.txt" 2>&1 || true
        jcmd "$2" GC.class_histogram >"$work/histo-$1.txt" 2>&1 || true
    fi
    echo "${rss:--} ${hwm:--} ${gc:-- - -}"
}
rows=()
row() { # PROCESS XMX RESULT MEASURE GCMS
    rows+=("$(printf '%-15s %-8s %-8s %6s %6s %10s %10s %9s %9s   %s' "$1" "$2" "$3" $4 "$5" "$(load)")")
    echo "${rows[-1]}"
}
header() { printf '%-15s %-8s %-8s %6s %6s %10s %10s %9s %9s   %s\n' process Xmx result "RSS" "HWM" "heap-used" \
    "heap-comm" "metaspace" "GC-in-30s" "load (1/5/15 min)"; }

# ---- the four services, each its own process ----
if [ -n "$svc_xmx" ]; then
    kdir=$work/kafka && mkdir -p "$kdir"
    cat >"$kdir/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:19093
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listeners=PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093
advertised.listeners=PLAINTEXT://127.0.0.1:19092
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$kdir/data
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=3
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.cleaner.dedupe.buffer.size=4194304
log.cleaner.threads=1
EOF
    kjo=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx384m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn)
    "$java_bin" "${kjo[@]}" -cp "$jar" kafka.tools.StorageTool format -t "$(cat /proc/sys/kernel/random/uuid)" \
        -c "$kdir/server.properties" >"$kdir/format.log" 2>&1 || { cat "$kdir/format.log"; exit 1; }
    ip netns exec "$ns" "$java_bin" "${kjo[@]}" -cp "$jar" kafka.Kafka "$kdir/server.properties" >"$kdir/broker.log" 2>&1 &
    kpid=$!
    pids+=("$kpid")
    end=$((SECONDS + 120)); while [ "$SECONDS" -lt "$end" ]; do nsx bash -c 'echo >/dev/tcp/127.0.0.1/19092' 2>/dev/null && break; sleep 1; done
    nsx bash -c 'echo >/dev/tcp/127.0.0.1/19092' 2>/dev/null || { tail -20 "$kdir/broker.log"; exit 1; }
    echo "broker up (pid $kpid); services, each its own process:"
    header
    for x in $svc_xmx; do
        flush_kernel
        pre=mem-${x}
        common=(VIDEOLB_BOOTSTRAP=127.0.0.1:19092 VIDEOLB_TOPIC_PREFIX="$pre" VIDEOLB_TOPIC_REPLICATION_FACTOR=1
            VIDEOLB_TOPIC_SINGLE_REPLICA_ALLOWED=true)
        d=$work/svc-$x && mkdir -p "$d/state" "$d/mail"
        declare -A pid=() ok=() t0=() why=()
        env_vars=("${common[@]}" VIDEOLB_API_TOKENS="$work/api-tokens" VIDEOLB_API_PORT=18181)
        jstart "config-$x" "$x" "$d/config.log" config-service --config "$cfg"
        pid[config]=$jpid
        gen=""
        end=$((SECONDS + 300)); while [ "$SECONDS" -lt "$end" ]; do
            kill -0 "${pid[config]}" 2>/dev/null || break
            gen=$(grep -so 'config-service running (generation [0-9]*' "$d/config.log" | grep -o '[0-9]*$' || true)
            [ -n "$gen" ] && [ "$gen" -ge 1 ] && [ "$(clients_total "$token" 18181)" = "$n" ] && break
            gen=""
            sleep 1
        done
        if [ -z "$gen" ]; then
            why[config]="not working"
            # the others still need the desired state: a config-service with a heap that works, not measured
            stop "${pid[config]}"
            env_vars=("${common[@]}" VIDEOLB_API_TOKENS="$work/api-tokens" VIDEOLB_API_PORT=18181)
            jstart "config-helper-$x" 512m "$d/config-helper.log" config-service --config "$cfg"
            pid[helper]=$jpid
            end=$((SECONDS + 300)); while [ "$SECONDS" -lt "$end" ]; do
                gen=$(grep -o 'config-service running (generation [0-9]*' "$d/config-helper.log" | grep -o '[0-9]*$' || true)
                [ -n "$gen" ] && break
                sleep 1
            done
        fi
        env_vars=("${common[@]}" VIDEOLB_HEALTH_ENDPOINTS="$ep")
        jstart "health-$x" "$x" "$d/health.log" health --http-port 18182
        pid[health]=$jpid
        env_vars=("${common[@]}" VIDEOLB_DIRECTOR="mem$x" VIDEOLB_STATE_DIR="$d/state" VIDEOLB_IPVS_RULES=off
            VIDEOLB_IPTABLES_RULES=off VIDEOLB_IPSET_RULES=off)
        jstart "agent-$x" "$x" "$d/agent.log" agent --http-port 18183
        pid[agent]=$jpid
        env_vars=("${common[@]}" VIDEOLB_ALERT_HTTP=127.0.0.1:18184 VIDEOLB_ALERT_SINK_DIR="$d/mail"
            VIDEOLB_ALERT_INSTANCE="alert-$x")
        jstart "alert-$x" "$x" "$d/alert.log" alert
        pid[alert]=$jpid
        check() { # SERVICE: 0 when it does its work now
            case $1 in
                config) [ "$(clients_total "$token" 18181)" = "$n" ] ;;
                agent) [ "$(metric 18183 videolb_agent_desired_generation)" = "${gen:-x}" ] && [ "$(set_members)" -gt "$n" ] ;;
                health) [ "$(metric 18182 videolb_health_servers)" = 160 ] \
                    && [ "$(metric 18182 videolb_health_probe_seconds_count)" -gt 0 ] 2>/dev/null ;;
                alert) [ "$(metric 18184 videolb_alert_caught_up)" = 1 ] ;;
            esac
        }
        todo=(health agent alert)
        [ -z "${why[config]:-}" ] && todo=(config "${todo[@]}")
        end=$((SECONDS + 300)); while [ "$SECONDS" -lt "$end" ]; do
            left=()
            for s in "${todo[@]}"; do
                if ! kill -0 "${pid[$s]}" 2>/dev/null; then why[$s]="exited"
                elif check "$s"; then ok[$s]=1
                else left+=("$s"); fi
            done
            todo=("${left[@]}")
            [ ${#todo[@]} = 0 ] && break
            sleep 1
        done
        for s in "${todo[@]}"; do why[$s]="not working within 300 s"; done
        for s in config health agent alert; do t0[$s]=$(gc_lines "$s-$x"); done
        sleep 30
        for s in config health agent alert; do
            [ -n "${ok[$s]:-}" ] || continue
            if ! kill -0 "${pid[$s]}" 2>/dev/null; then why[$s]="exited"
            elif [ "$(oom "$d/$s.log")" != 0 ]; then why[$s]="OutOfMemoryError"
            elif ! check "$s"; then why[$s]="stopped working"
            fi
        done
        for s in config health agent alert; do
            m=$(measure "$s-$x" "${pid[$s]}")
            g=$(gc_pause_ms "$s-$x" "${t0[$s]:-0}")
            [ -z "${why[$s]:-}" ] && [ "$g" -gt 3000 ] && why[$s]="GC ${g} ms in 30 s"
            [ -n "${why[$s]:-}" ] && [ "$(oom "$d/$s.log")" != 0 ] && why[$s]="${why[$s]}; OutOfMemoryError in its log"
            res=OK && [ -n "${why[$s]:-}" ] && res=FAIL
            row "$s" "$x" "$res" "$m" "${g}ms"
            [ "$res" = FAIL ] && echo "    $s at $x: ${why[$s]} (log $d/$s.log)"
        done
        stop "${pid[@]}"
        unset pid ok t0 why
    done
    stop "$kpid"
fi

# ---- standalone ----
if [ -n "$sa_xmx" ]; then
    echo "standalone (embedded broker + the four services in one JVM):"
    header
    for x in $sa_xmx; do
        flush_kernel
        d=$work/standalone-$x && mkdir -p "$d"
        mkdir -p "$d/state"
        # apply (auto would choose plan-only without IPVS), with the agent's state and reboot files kept off the host
        env_vars=(VIDEOLB_HEALTH_ENDPOINTS="$ep" VIDEOLB_STATE_DIR="$d/state" VIDEOLB_IPVS_RULES=off
            VIDEOLB_IPTABLES_RULES=off VIDEOLB_IPSET_RULES=off)
        jstart "standalone-$x" "$x" "$d/out.log" standalone --config "$cfg" --data-dir "$d/data" --http-port 28480 \
            --agent-mode apply
        sp=$jpid why="" ok=""
        sa_check() {
            local tk gen
            tk=$(cat "$d/data/admin-token" 2>/dev/null) || return 1
            gen=$(http -H "Authorization: Bearer $tk" http://127.0.0.1:28480/api/v1/generation | grep -o '"generation":[0-9]*' | cut -d: -f2)
            [ -n "$gen" ] && [ "$(clients_total "$tk" 28480)" = "$n" ] \
                && [ "$(metric 28481 videolb_agent_desired_generation)" = "$gen" ] && [ "$(set_members)" -gt "$n" ] \
                && [ "$(metric 28482 videolb_health_servers)" = 160 ] \
                && [ "$(metric 28482 videolb_health_probe_seconds_count)" -gt 0 ] 2>/dev/null \
                && [ "$(metric 28483 videolb_alert_caught_up)" = 1 ]
        }
        end=$((SECONDS + 300)); while [ "$SECONDS" -lt "$end" ]; do
            kill -0 "$sp" 2>/dev/null || { why=exited; break; }
            grep -qs "standalone ready" "$d/out.log" && sa_check && { ok=1; break; }
            sleep 1
        done
        [ -z "$ok" ] && [ -z "$why" ] && why="not working within 300 s"
        t0=$(gc_lines "standalone-$x")
        if [ -n "$ok" ]; then
            sleep 30
            if ! kill -0 "$sp" 2>/dev/null; then why=exited
            elif [ "$(oom "$d/out.log")" != 0 ]; then why=OutOfMemoryError
            elif ! sa_check; then why="stopped working"; fi
        fi
        m=$(measure "standalone-$x" "$sp")
        g=$(gc_pause_ms "standalone-$x" "$t0")
        [ -z "$why" ] && [ "$g" -gt 3000 ] && why="GC ${g} ms in 30 s"
        [ -n "$why" ] && [ "$(oom "$d/out.log")" != 0 ] && why="$why; OutOfMemoryError in its log"
        res=OK && [ -n "$why" ] && res=FAIL
        row standalone "$x" "$res" "$m" "${g}ms"
        [ "$res" = FAIL ] && echo "    standalone at $x: $why (log $d/out.log)"
        stop "$sp"
    done
fi

echo
echo "summary ($(date -u '+%F %H:%M UTC'), $(nproc) cores, $(free -g | awk '/Mem:/ { print $2 }') GiB, JVM options: ${opts:-none}):"
header
printf '%s\n' "${rows[@]}"
for p in config health agent alert standalone; do
    # smallest by size (k/m/g suffixes; "default" and "launcher" count as the largest)
    best=$(printf '%s\n' "${rows[@]}" | awk -v p="$p" '$1 == p && $3 == "OK" { v = $2; n = v + 0
        if (v ~ /[kK]$/) n /= 1024; else if (v ~ /[gG]$/) n *= 1024; else if (v == "default" || v == "launcher") n = 1e12
        print n, v }' | sort -n | head -1 | cut -d' ' -f2)
    [ -n "$(printf '%s\n' "${rows[@]}" | awk -v p="$p" '$1 == p')" ] && echo "smallest -Xmx that kept $p working: ${best:-none of those tried}"
done
if $nmt; then
    for f in "$work"/nmt-*.txt; do echo "== $f"; grep -E "^Total|^-  *[A-Z]" "$f" | head -25; done
fi
