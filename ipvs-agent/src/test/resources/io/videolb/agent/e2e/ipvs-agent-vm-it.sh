#!/bin/bash
# Runs INSIDE the IPVS VM for IpvsAgentVmIT:   ipvs-agent-vm-it.sh RUN_DIR
# RUN_DIR (written by the test on the host, shared read-write) holds agent.env (VIDEOLB_* for the
# agent), classpath.txt, java.txt. The REAL agent (io.videolb.agent.AgentMain) runs in the VM's root
# namespace (= the director of lab.sh) and reaches the host's broker through IPVS_VM_FWD.
# Host <-> guest: the guest writes RUN/cue/NAME and waits (bounded) for RUN/ack/NAME, which the
# test writes after publishing to Kafka. Prints "@key value" facts; the Java test asserts on them.
# Exits non-zero only when the setup itself failed (facts tell the rest).
set -uo pipefail
RUN=$1
. "$IPVS_VM_TOOLS/scenario-lib.sh" # lab, fact, now_us, since_ms, nap, conn, until_ipvs, cue
t0=$(now_us)
ms() { echo $((($(now_us) - t0) / 1000)); }
setup_fail() { echo "setup failed: $*" >&2; [ -n "${AGENT_PID:-}" ] && kill -9 "$AGENT_PID" 2>/dev/null; lab down >/dev/null 2>&1; exit 3; }
mkdir -p "$RUN/cue" "$RUN/ack" /tmp/videolb/state /tmp/videolb/etc/iptables
# shellcheck disable=SC1091
. "$RUN/agent.env"
CP=$(<"$RUN/classpath.txt")
JAVA=$(<"$RUN/java.txt")
JOPTS=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -Dorg.slf4j.simpleLogger.showDateTime=true
       -Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS)

AGENT_PID=
AGENT_N=0
AGENT_LOG=
start_agent() {
    AGENT_N=$((AGENT_N + 1))
    AGENT_LOG=$RUN/agent-$AGENT_N.log
    "$JAVA" "${JOPTS[@]}" -cp "$CP" io.videolb.agent.AgentMain >"$AGENT_LOG" 2>&1 &
    AGENT_PID=$!
    AGENT_START=$(now_us)
}
# wait_gen G LIMIT_S: until the running agent reports generation G applied (its last run OK)
wait_gen() {
    local g=$1 end=$(($(now_us) + $2 * 1000000)) a
    while (($(now_us) < end)); do
        kill -0 "$AGENT_PID" 2>/dev/null || { echo "agent $AGENT_N exited" >&2; tail -n 30 "$AGENT_LOG" >&2; return 1; }
        a=$(agent_applied_gen "$VIDEOLB_HTTP_PORT")
        [ "$a" = "$g" ] && return 0
        nap 0.3
    done
    echo "generation $g not applied within $2 s (last answer $a)" >&2
    tail -n 20 "$AGENT_LOG" >&2
    return 1
}
# wait_line FILE TEXT SKIP LIMIT_S: until the (SKIP+1)-th line containing TEXT is in FILE
wait_line() {
    # one grep over the log every 50 ms: reading it line by line with bash builtins first had to catch up with
    # thousands of lines on the emulated CPU, and a kill meant for the middle of an apply came after the apply (in CI
    # all three kill rounds missed once); a grep is a fork per poll, hence 50 ms, not 10
    local f=$1 pat=$2 skip=$3 end=$(($(now_us) + $4 * 1000000))
    while (($(now_us) < end)); do
        (($(count_lines "$f" "$pat") > skip)) && return 0
        nap 0.05
    done
    return 1
}
count_lines() { local n; n=$(grep -c -F -- "$2" "$1") || n=0; echo "$n"; }
# conn_http KEY CLIENT PORT [COUNT]: HTTP GETs read to the end, then closed: the responder has read the
# whole request, so it closes with a FIN (the "who" line of lab.sh connect is never read by it: it
# closes with unread data, i.e. a RST, the client's socket dies without a FIN and the director, which
# sees only the client half in DR, keeps that connection ESTABLISHED (ActiveConn) for 15 min)
conn_http() {
    local key=$1 c=$2 p=$3 n=${4:-1} l
    while IFS= read -r l; do fact "$key" "$c" "$p" "$l"; done < <(ip netns exec "cl${c##*.}" timeout $((10 * n + 10)) bash -c '
        for ((i = 0; i < $3; i++)); do
            if exec 3<>"/dev/tcp/$1/$2"; then
                printf "GET / HTTP/1.0\r\n\r\n" >&3
                last=; while IFS= read -r -t 5 l <&3; do last=$l; done
                echo "${last:-FAIL no-answer}"; exec 3<&-
            else echo "FAIL connect"; fi
        done; exit 0' conn-http 198.51.100.10 "$p" "$n" 2>/dev/null)
}
ipvs_facts() { local l; while IFS= read -r l; do fact "$1" "$l"; done < <(ipvsadm -Sn); }
set_facts() { # KEY: member digest (sorted "NET MARK"), count, set names
    fact "$1-members" "$(ipset save videolb-clients | awk '$1=="add"{print $3, $5}' | LC_ALL=C sort | md5sum | cut -c1-32)" \
        "$(ipset list -t videolb-clients | awk -F': ' '/^Number of entries/{print $2}')"
    fact "$1-sets" $(ipset list -n | LC_ALL=C sort)
    fact "$1-rules" "$(iptables -t mangle -S VIDEOLB-STEER | grep -c '^-A')" "$(iptables -t mangle -S PREROUTING | grep -c 'VIDEOLB-STEER')"
}
# conns_of FWMARK IP: "ACTIVE INACTIVE" of that real server from ipvsadm -Ln ("- -" when absent)
conns_of() {
    local r
    r=$(ipvsadm -Ln | awk -v m="$1" -v ip="$2:0" '$1=="FWM"{cur=$2} $1=="->" && cur==m && $2==ip {print $5, $6}')
    echo "${r:-- -}"
}
# scrape_metrics FILE: the agent's /metrics body into FILE (bash /dev/tcp: no process start); 1 when not answering
scrape_metrics() {
    local line body=0
    { exec 3<>/dev/tcp/127.0.0.1/"$VIDEOLB_HTTP_PORT"; } 2>/dev/null || return 1
    printf 'GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
    : >"$1"
    while IFS= read -r -t 30 line <&3 || [ -n "$line" ]; do
        line=${line%$'\r'}
        if ((body)); then printf '%s\n' "$line" >>"$1"; elif [ -z "$line" ]; then body=1; fi
        line=
    done
    exec 3<&-
    ((body))
}
# metric FILE NAME POOL SERVER: the sample NAME{...,pool="POOL",remote_address="SERVER",...} as "VALUE LABELS" ("-" when absent)
metric() {
    local l v=-
    while IFS= read -r l; do
        [[ $l == "$2{"* && $l == *"remote_address=\"$4\""* && $l == *"pool=\"$3\""* ]] && v="${l##* } ${l%% *}"
    done <"$1"
    echo "$v"
}
# series_facts KEY FILE POOL SERVER...: per server the agent's series (value and labels), builtins only
series_facts() {
    local key=$1 f=$2 pool=$3 s n
    shift 3
    for s in "$@"; do
        for n in node_ipvs_backend_connections_total node_ipvs_backend_connections_active \
            node_ipvs_backend_connections_inactive node_ipvs_backend_incoming_packets_total \
            node_ipvs_backend_outgoing_packets_total node_ipvs_backend_weight; do
            fact "$key" "$pool" "$s" "$n" "$(metric "$f" "$n" "$pool" "$s")"
        done
    done
}
# kernel_facts KEY POOL:SERVER...: "POOL SERVER ACTIVE INACTIVE" of each, from ONE ipvsadm -Ln (one process under TCG)
kernel_facts() {
    local key=$1 l mark= t ps
    local -A seen=()
    shift
    while IFS= read -r l; do
        read -r -a t <<<"$l"
        if [ "${t[0]:-}" = FWM ]; then mark=${t[1]}; elif [ "${t[0]:-}" = "->" ] && [ -n "$mark" ]; then
            seen["$mark:${t[1]%:*}"]="${t[4]:-} ${t[5]:-}"
        fi
    done < <(ipvsadm -Ln)
    for ps in "$@"; do fact "$key" "${ps%%:*}" "${ps#*:}" "${seen[$ps]:-- -}"; done
}
# wait_traffic FILE POOL SERVER CONNS LIMIT_S: scrapes until the server's connections_total is CONNS (the kernel
# publishes Conns/InPkts in its ~2 s estimator), then once more after 2.5 s so that packets have settled too
wait_traffic() {
    local end=$(($(now_us) + $5 * 1000000)) v
    while (($(now_us) < end)); do
        if scrape_metrics "$1"; then
            v=$(metric "$1" node_ipvs_backend_connections_total "$2" "$3")
            [ "${v%% *}" = "$4.0" ] && break
        fi
        nap 1
    done
    nap 2.5
    scrape_metrics "$1"
}

fact timing boot-to-script-ms "$(awk '{printf "%d", $1 * 1000}' /proc/uptime)"
lab up || setup_fail "lab.sh up"
fact timing lab-up-ms "$(ms)"

# ---- (i) the example CSVs -> fwmark DR services, real connections -------------------------------
start_agent
wait_gen 1 240 || setup_fail "first generation"
fact timing agent1-applied-ms "$(ms)" "$((($(now_us) - AGENT_START) / 1000))"
ipvs_facts gen1
set_facts gen1
fact sysctl expire_nodest_conn "$(</proc/sys/net/ipv4/vs/expire_nodest_conn)"
fact sysctl expire_quiescent_template "$(</proc/sys/net/ipv4/vs/expire_quiescent_template)"
while IFS= read -r l; do fact daemon "$l"; done < <(ipvsadm -L --daemon)
conn conn1 203.0.113.21 1935 2
conn conn1 203.0.113.21 8080 1
conn conn1 203.0.113.22 1935 1
conn conn1 203.0.113.99 1935 1
conn conn1 203.0.113.99 8080 1
while read -r c n; do fact counter "$c" "$n"; done < <(lab counters)
# the kernel's traffic counters on the agent's /metrics: the connections just opened, for the servers they reached
ts=$(now_us)
wait_traffic "$RUN/metrics-1.txt" 10 192.0.2.11 3 30
fact traffic-wait-ms "$(since_ms "$ts")"
kernel_facts traffic1-kernel 10:192.0.2.11 20:192.0.2.12 20:192.0.2.13 50:192.0.2.14
series_facts traffic1 "$RUN/metrics-1.txt" 10 192.0.2.11
series_facts traffic1 "$RUN/metrics-1.txt" 20 192.0.2.12 192.0.2.13
series_facts traffic1 "$RUN/metrics-1.txt" 50 192.0.2.14
# the same moment as the kernel prints it (golden input of IpvsTrafficParserTest)
ipvsadm -Ln --stats --exact >"$RUN/ipvsadm-Ln-stats-exact.txt"
ipvsadm -Ln --rate --exact >"$RUN/ipvsadm-Ln-rate-exact.txt"
cp /proc/net/ip_vs "$RUN/proc-ip_vs.txt"
cp /proc/net/ip_vs_stats "$RUN/proc-ip_vs_stats.txt"
fact timing scenario-i-ms "$(ms)"

# ---- (iii) failure and recovery of rs11 (pool 10) on real traffic ------------------------------
lab kill-server rs11 >/dev/null || setup_fail "kill-server"
conn killed 203.0.113.21 1935
cue down-11 || setup_fail "cue down-11"
ts=$(now_us)
until_ipvs "-a -f 10 -r 192.0.2.21:0" 1 60 && until_ipvs "-r 192.0.2.11:0" 0 30
fact failover-ms "$((($(now_us) - ts) / 1000))"
ipvs_facts down
conn_http failover-conn 203.0.113.21 1935 2
# the backup's two connections on /metrics, labelled role=backup in pool 10
wait_traffic "$RUN/metrics-2.txt" 10 192.0.2.21 2 30
series_facts traffic2 "$RUN/metrics-2.txt" 10 192.0.2.21
# One stream that stays open on the backup: the client keeps its socket after the server's answer
# (the server's FIN goes straight to the client in DR), so the director counts it in ActiveConn
# until the client's process ends (SIGTERM below; bounded: 150 s) and its kernel closes the socket.
# ($! is timeout (ip netns exec execs it); on SIGTERM timeout ends its whole process group.)
ip netns exec cl21 timeout 150 bash -c 'exec 3<>/dev/tcp/198.51.100.10/1935 || exit 1; printf "GET / HTTP/1.0\r\n\r\n" >&3
    last=; while IFS= read -r -t 5 l <&3; do last=$l; done; echo "$last"; sleep 140 3<&-; exit 0' >"$RUN/held.out" 2>/dev/null &
HELD_PID=$!
for ((i = 0; i < 50; i++)); do [ -s "$RUN/held.out" ] && break; nap 0.2; done
fact held-conn "$(<"$RUN/held.out")"
lab revive-server rs11 >/dev/null || setup_fail "revive-server"
cue up-11 || setup_fail "cue up-11"
ts=$(now_us)
until_ipvs "-a -f 10 -r 192.0.2.21:0 -g -w 0" 1 90 && until_ipvs "-a -f 10 -r 192.0.2.11:0" 1 10
fact failback-ms "$((($(now_us) - ts) / 1000))"
ipvs_facts failback
conn failback-conn 203.0.113.21 1935 2
# the drain waits for the open stream: two drain polls (2 s each) later the backup is still there. Meanwhile (inside
# those 5 s, so that the drain's 20 s deadline is not pushed closer) the agent's /metrics: the backup draining
tn=$(now_us)
scrape_metrics "$RUN/metrics-3.txt" && series_facts traffic3 "$RUN/metrics-3.txt" 10 192.0.2.21 192.0.2.11
fact traffic3-ms "$(since_ms "$tn")"
left=$((5000 - $(since_ms "$tn")))
((left > 0)) && nap "$((left / 1000)).$(printf '%03d' $((left % 1000)))"
read -r act inact <<<"$(conns_of 10 192.0.2.21)"
fact drain-held "$(ipvsadm -Sn | grep -c -- '-a -f 10 -r 192.0.2.21:0 -g -w 0')" "$act" "$inact"
while IFS= read -r l; do fact conn-table-held "$l"; done < <(ipvsadm -Lnc | grep -F '192.0.2.21:')
kill -TERM "$HELD_PID" 2>/dev/null
tr=$(now_us)
wait "$HELD_PID" 2>/dev/null
nap 1
fact release-conns "$(conns_of 10 192.0.2.21)"
while IFS= read -r l; do fact conn-table-released "$l"; done < <(ipvsadm -Lnc | grep -F '192.0.2.21:')
until_ipvs "-r 192.0.2.21:0" 0 120
fact drain-end-ms "$((($(now_us) - tr) / 1000))"
fact backup-removed-ms "$((($(now_us) - ts) / 1000))"
ipvs_facts drained
grep -h -i "drain" "$AGENT_LOG" | tail -n 5 | while IFS= read -r l; do fact drain-log "$l"; done
fact drain-end "$(grep -h "drain of 192.0.2.21 " "$AGENT_LOG" | tail -n 1 | sed 's/.*reconcile [0-9]*: //')"
fact timing scenario-iii-ms "$(ms)"

# ---- (ii) SIGKILL in the middle of an apply, restart, converge: several kill points -------------
# KILL_POINTS: "ROUND:TEXT:DELAY_S ..." (TEXT = the agent's log line just before it runs a payload)
for point in $KILL_POINTS; do
    k=${point%%:*}
    rest=${point#*:}
    text=${rest%%:*}
    delay=${rest#*:}
    skip=$(count_lines "$AGENT_LOG" "$text payload")
    cue "gen-$k" 120 || setup_fail "cue gen-$k"
    read -r gen _ <<<"$ACK"
    if wait_line "$AGENT_LOG" "$text payload" "$skip" 240; then
        nap "$delay"
        kill -9 "$AGENT_PID"
        ps=$(pgrep -r R,S,D -a '^(ipset|ipvsa)' | tr '\n' ';')
        wait "$AGENT_PID" 2>/dev/null
        fact kill "$k" "$text+${delay}s" "children:${ps:-none}"
    else
        fact kill "$k" "$text" "never-seen"
        kill -9 "$AGENT_PID"
        wait "$AGENT_PID" 2>/dev/null
    fi
    end=$(($(now_us) + 30000000))
    while (($(now_us) < end)); do # let an orphaned restore finish (bounded 30 s)
        pgrep -r R,S,D '^(ipset|ipvsa)' >/dev/null || break
        nap 0.2
    done
    fact after-kill "$k" "tempset=$(ipset list -n | grep -c -- '-tmp$')" \
        "entries=$(ipset list -t videolb-clients | awk -F': ' '/^Number of entries/{print $2}')" \
        "members=$(ipset save videolb-clients | awk '$1=="add"{print $3, $5}' | LC_ALL=C sort | md5sum | cut -c1-32)" \
        "pool20=$(ipvsadm -Sn | awk '$2=="-f" && $3=="20" && $4=="-r"{printf "%s/%s ", $5, $8}')"
    start_agent
    if wait_gen "$gen" 300; then
        fact converged "$k" "$gen" "$((($(now_us) - AGENT_START) / 1000))"
    else
        fact converged "$k" "$gen" FAILED
    fi
    ipvs_facts "round$k"
    set_facts "round$k"
    grep -h "payload" "$AGENT_LOG" | sed 's/.*INFO //' | cut -c1-160 | while IFS= read -r l; do fact restart-log "$k" "$l"; done
done
fact timing scenario-ii-ms "$(ms)"

# ---- plan: the CLI agrees the kernel matches ----------------------------------------------------
ts=$(now_us)
VIDEOLB_PLAN_WAIT_S=120 "$JAVA" "${JOPTS[@]}" -cp "$CP" io.videolb.agent.AgentMain plan >"$RUN/plan.out" 2>"$RUN/plan.err"
fact plan-exit "$?" "$((($(now_us) - ts) / 1000))"
while IFS= read -r l; do fact plan "$l"; done < <(head -n 20 "$RUN/plan.out")

# ---- (iv) reboot files: restore them into an EMPTY kernel (a fresh netns), boot order ipset, iptables, ipvsadm
fact files "$(ls -l "$VIDEOLB_IPVS_RULES" "$VIDEOLB_IPTABLES_RULES" "$VIDEOLB_IPSET_RULES" 2>&1 | wc -l)"
iptables-restore --test <"$VIDEOLB_IPTABLES_RULES" && fact iptables-test ok || fact iptables-test FAIL
# a booted machine has its network up before ipvsadm.rules is loaded: IPVS refuses a real server
# it has no route to ("address not unicast"), so the empty netns gets an interface on the LAN first
ip netns add boot || setup_fail "netns boot"
ip -n boot link set lo up
ip -n boot link add b0 type veth peer name b1 || setup_fail "veth in boot"
ip -n boot addr add 192.0.2.2/24 dev b0
ip -n boot addr add 198.51.100.2/24 dev b0
ip -n boot link set b0 up
ip -n boot link set b1 up
mkdir -p "$RUN/reboot" && cp "$VIDEOLB_IPVS_RULES" "$VIDEOLB_IPTABLES_RULES" "$VIDEOLB_IPSET_RULES" "$RUN/reboot/"
ip netns exec boot ipset restore <"$VIDEOLB_IPSET_RULES" && fact boot ipset ok || fact boot ipset FAIL
ip netns exec boot iptables-restore <"$VIDEOLB_IPTABLES_RULES" && fact boot iptables ok || fact boot iptables FAIL
ip netns exec boot ipvsadm -R <"$VIDEOLB_IPVS_RULES" && fact boot ipvsadm ok || fact boot ipvsadm FAIL
fact boot-ipvs "$(ip netns exec boot ipvsadm -Sn | LC_ALL=C sort | md5sum | cut -c1-32)" "$(ipvsadm -Sn | LC_ALL=C sort | md5sum | cut -c1-32)"
fact boot-set "$(ip netns exec boot ipset save videolb-clients | awk '$1=="add"{print $3, $5}' | LC_ALL=C sort | md5sum | cut -c1-32)" \
    "$(ipset save videolb-clients | awk '$1=="add"{print $3, $5}' | LC_ALL=C sort | md5sum | cut -c1-32)"
fact boot-rule "$(ip netns exec boot iptables-save -t mangle | grep -c -e '-A VIDEOLB-STEER .*--map-mark' -e '-A PREROUTING -j VIDEOLB-STEER')"
ip netns del boot

# ---- stop: SIGTERM, prompt close -----------------------------------------------------------------
ts=$(now_us)
kill -TERM "$AGENT_PID"
for ((i = 0; i < 150; i++)); do kill -0 "$AGENT_PID" 2>/dev/null || break; nap 0.1; done
kill -0 "$AGENT_PID" 2>/dev/null && { fact stop FAIL; kill -9 "$AGENT_PID"; } || fact stop "$((($(now_us) - ts) / 1000))"
fact after-stop-services "$(ipvsadm -Sn | grep -c '^-A')"
fact timing total-ms "$(ms)"
lab down >/dev/null 2>&1
exit 0
