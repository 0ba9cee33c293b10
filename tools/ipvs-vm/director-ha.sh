#!/bin/bash
# director-ha.sh — two LVS/DR directors with IPVS connection sync and keepalived VRRP, INSIDE the IPVS
# VM (tools/ipvs-vm/run-in-ipvs-vm.sh). Used by DirectorPairVmIT (mode agents) and ipvs-agent/bench/director-ha-bench.sh.
#
#   director-ha.sh it                  one takeover A -> B and back (B killed), with assertions left to
#                                      the Java test (facts "@key value"); the young connections of each
#                                      takeover are never synced (the taker's backup daemon stopped first)
#   director-ha.sh measure             the measurements behind the sync decisions (docs/director-ha-kernel.md)
#   director-ha.sh bench N [ADVERTS]   N takeovers per configuration: videolb's (both sync roles at once,
#                                      hot standby sysctls) at each advert interval in ADVERTS (default
#                                      "0.2"), then keepalived's stock VRRP + lvs_sync_daemon at advert 1 s
#   director-ha.sh agents RUN          the REAL agents (io.videolb.agent.AgentMain, HA_CP/HA_JAVA) in both
#                                      director namespaces, each with its env file RUN/agent-DIR.env, driving
#                                      IPVS, sync and keepalived themselves; the host test (DirectorPairVmIT)
#                                      answers cues in RUN/cue with RUN/ack (desired changes, promote, statuses)
#
# Topology (documentation ranges only; nothing leaves the VM):
#   [cl] 203.0.113.10-12 -- [router] 203.0.113.1 | 198.51.100.1 -- bridge br0 (VM root netns)
#   br0: [dirA] 198.51.100.2, [dirB] 198.51.100.3 (directors), [rs1] .11, [rs2] .12 (real servers, the
#   VIP 198.51.100.10 on lo, arp_ignore=1/arp_announce=2, an echo server on VIP:80).
# Each director has the IPVS service as videolb renders it (a fwmark service, DR, persistence) and
# the mark rule in mangle PREROUTING. With HA_CP and HA_JAVA set (mode it), the sync sysctls and
# daemons are set by the agent's own code (io.videolb.agent.e2e.SyncSetupMain, test classpath HA_CP);
# otherwise (bench, measure) the script sets the same values itself. keepalived runs VRRP only (unicast peers, state BACKUP, nopreempt).
# A director is "killed" by SIGKILL of every keepalived process of it plus its link down; it is
# "revived" like a reboot: VIP gone, link up, keepalived started (it must NOT preempt).
set -uo pipefail
MODE=${1:?mode: it, measure or bench}
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d /tmp/dha.XXXXXX)
VIP=198.51.100.10
MARK=1
declare -A IP=([dirA]=198.51.100.2 [dirB]=198.51.100.3)
declare -A PEER=([dirA]=dirB [dirB]=dirA)
declare -A PRIO=([dirA]=150 [dirB]=100)
# sync ids: each director is master with its own id and backup with its peer's id (decision: both roles)
declare -A SYNCID=([dirA]=1 [dirB]=2)
ADVERT=0.2
PROFILE=videolb
OLD_N=${HA_OLD:-8}
YOUNG_N=${HA_YOUNG:-2}
OLD_AGE=${HA_OLD_AGE:-3}
# the viewers' port: the agents steer RTMP (1935) and HLS (8080) only; the kernel-side modes keep 80
PORT=80
[ "$MODE" = agents ] && PORT=1935

# fact, now_us, nap (a sleep without a process), cue (mode agents)
# shellcheck source=tools/ipvs-vm/scenario-lib.sh
. "$HERE/scenario-lib.sh"
export -f agent_applied_gen
log() { echo "# $(date +%T.%N | cut -c1-12) $*"; }
die() { echo "setup failed: $*" >&2; cleanup; exit 3; }

cleanup() {
    [ -n "${TRAFFIC_PID:-}" ] && kill "$TRAFFIC_PID" 2>/dev/null
    for d in dirA dirB; do ka_kill "$d" quiet; done # in mode agents: the agent and its keepalived
    for p in "${SRV_PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done
}
trap cleanup EXIT

# ---------------------------------------------------------------- topology
topology() {
    modprobe -a ip_vs ip_vs_wlc ip_vs_sh ip_vs_rr nf_conntrack >/dev/null 2>&1 || die "modprobe ip_vs"
    {
        echo "link add br0 type bridge"
        echo "link set br0 up"
        for ns in router dirA dirB rs1 rs2 cl; do echo "netns add $ns"; done
        for ns in router dirA dirB rs1 rs2; do
            echo "link add e-$ns type veth peer name eth0 netns $ns"
            echo "link set e-$ns master br0 up"
        done
        echo "link add c0 netns cl type veth peer name c1 netns router"
    } | ip -b - || die "ip batch (root)"
    local ns a
    for ns in router:1 dirA:2 dirB:3 rs1:11 rs2:12; do
        a=${ns##*:}; ns=${ns%%:*}
        printf '%s\n' "link set lo up" "addr add 198.51.100.$a/24 dev eth0" "link set eth0 up" | ip -n "$ns" -b - \
            || die "ip batch $ns"
    done
    printf '%s\n' "addr add 203.0.113.1/24 dev c1" "link set c1 up" | ip -n router -b - || die "router"
    printf '%s\n' "link set lo up" "addr add 203.0.113.10/24 dev c0" "addr add 203.0.113.11/24 dev c0" \
        "addr add 203.0.113.12/24 dev c0" "link set c0 up" "route add default via 203.0.113.1" | ip -n cl -b - || die "cl"
    ip netns exec router sysctl -qw net.ipv4.ip_forward=1
    for ns in rs1 rs2; do
        printf '%s\n' "addr add $VIP/32 dev lo" "route add default via 198.51.100.1" | ip -n "$ns" -b - || die "$ns"
        ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
            net.ipv4.conf.eth0.arp_ignore=1 net.ipv4.conf.eth0.arp_announce=2 || die "$ns sysctl"
    done
    SRV_PIDS=()
    for ns in rs1 rs2; do
        ip netns exec "$ns" python3 "$HERE/ha-echo.py" "$VIP" "$PORT" >"$W/srv-$ns.log" 2>&1 &
        SRV_PIDS+=($!)
    done
    # the agents render the services themselves
    [ "$MODE" = agents ] || for d in dirA dirB; do services "$d" wlc 300; done
    # the servers must listen before any client connects (python starts slowly under TCG)
    local i
    for i in $(seq 1 100); do
        [[ $(ip netns exec rs1 ss -ltnH) == *":$PORT "* && $(ip netns exec rs2 ss -ltnH) == *":$PORT "* ]] && break
        nap 0.2
    done
    ((i < 100)) || die "echo servers did not listen"
}

# IPVS service + mark rule as the agent renders them (render/Renderer: "-A -f MARK -s SCHED -p P",
# "-a -f MARK -r RS -g -w W"; mangle PREROUTING marks VIP traffic). Replaces what was there.
services() {
    local d=$1 sched=$2 p=$3 pers=""
    ((p > 0)) && pers=" -p $p"
    ip netns exec "$d" ipvsadm -C
    printf '%s\n' "-A -f $MARK -s $sched$pers" "-a -f $MARK -r 198.51.100.11 -g -w 1" \
        "-a -f $MARK -r 198.51.100.12 -g -w 1" | ip netns exec "$d" ipvsadm -R || die "ipvsadm -R $d"
    printf '%s\n' "*mangle" "-F PREROUTING" "-A PREROUTING -d $VIP/32 -p tcp --dport 80 -j MARK --set-xmark $MARK/0xffffffff" \
        "COMMIT" | ip netns exec "$d" iptables-restore --noflush || die "iptables $d"
}

# ---------------------------------------------------------------- kernel profiles
# videolb: hot standby (backup_only=0), sloppy_tcp=1 for never-synced connections, every connection
# synced (sync_persist_mode=0), sync_version 1, default threshold "3 50"; both sync roles at once.
# stock: kernel defaults; the sync daemon is started/stopped by keepalived's lvs_sync_daemon.
profile() {
    PROFILE=$1
    local d
    for d in dirA dirB; do
        ip netns exec "$d" ipvsadm --stop-daemon master 2>/dev/null
        ip netns exec "$d" ipvsadm --stop-daemon backup 2>/dev/null
        if [ "$PROFILE" = videolb ] && [ -n "${HA_CP:-}" ]; then
            # the agent's own setup code (SyncSetupMain: Sysctls + SyncDaemon, from agent settings)
            ip netns exec "$d" sysctl -qw net.ipv4.vs.conntrack=0
            ip netns exec "$d" "$HA_JAVA" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$HA_CP" \
                io.videolb.agent.e2e.SyncSetupMain VIDEOLB_SYNC_ROLE=both VIDEOLB_SYNC_IFACE=eth0 \
                "VIDEOLB_SYNC_ID=${SYNCID[$d]}" "VIDEOLB_SYNC_PEER_ID=${SYNCID[${PEER[$d]}]}" >"$W/setup-$d" 2>&1 \
                || die "SyncSetupMain $d: $(cat "$W/setup-$d")"
            while read -r l; do fact agent-setup "$d $l"; done <"$W/setup-$d"
        elif [ "$PROFILE" = videolb ]; then
            ip netns exec "$d" sysctl -qw net.ipv4.vs.backup_only=0 net.ipv4.vs.sloppy_tcp=1 \
                net.ipv4.vs.sync_persist_mode=0 net.ipv4.vs.sync_version=1 "net.ipv4.vs.sync_threshold=3 50" \
                net.ipv4.vs.conntrack=0 net.ipv4.vs.expire_nodest_conn=1 net.ipv4.vs.expire_quiescent_template=1
            sync_both "$d"
        else
            ip netns exec "$d" sysctl -qw net.ipv4.vs.backup_only=0 net.ipv4.vs.sloppy_tcp=0 \
                net.ipv4.vs.sync_persist_mode=0 net.ipv4.vs.sync_version=1 "net.ipv4.vs.sync_threshold=3 50" \
                net.ipv4.vs.conntrack=0 net.ipv4.vs.expire_nodest_conn=0 net.ipv4.vs.expire_quiescent_template=0
        fi
    done
}
sync_both() {
    local d=$1
    ip netns exec "$d" ipvsadm --start-daemon master --mcast-interface eth0 --syncid "${SYNCID[$d]}" || die "master $d"
    ip netns exec "$d" ipvsadm --start-daemon backup --mcast-interface eth0 --syncid "${SYNCID[${PEER[$d]}]}" \
        || die "backup $d"
}

# ---------------------------------------------------------------- keepalived
ka_conf() {
    local d=$1 p=${PEER[$1]} ver="" sync=""
    [ "$PROFILE" = videolb ] && ver="  version 3"
    [ "$PROFILE" = stock ] && sync="  lvs_sync_daemon eth0 VI1 id 7"
    cat >"$W/ka-$d.conf" <<KA
global_defs {
  router_id $d
$sync
}
vrrp_instance VI1 {
$ver
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority ${PRIO[$d]}
  advert_int $ADVERT
  nopreempt
  unicast_src_ip ${IP[$d]}
  unicast_peer { ${IP[$p]} }
  virtual_ipaddress { $VIP/32 dev eth0 }
}
KA
}
ka_start() {
    local d=$1
    ka_conf "$d"
    rm -f "/run/ka-$d.pid" "/run/vrrp-$d.pid" "/run/chk-$d.pid"
    ip netns exec "$d" keepalived -n -l -D -f "$W/ka-$d.conf" -p "/run/ka-$d.pid" -r "/run/vrrp-$d.pid" \
        -c "/run/chk-$d.pid" >>"$W/ka-$d.log" 2>&1 &
    echo $! >"/run/ka-$d.bg"
    disown
}
# SIGKILL of every keepalived process of $1 (parent and children, by their pid files), then its link down
ka_kill() {
    local d=$1 f pids=""
    if [ "$MODE" = agents ]; then
        agent_kill "$d"
        [ "${2:-}" = quiet ] || ip -n "$d" link set eth0 down
        return 0
    fi
    for f in "/run/vrrp-$d.pid" "/run/chk-$d.pid" "/run/ka-$d.pid" "/run/ka-$d.bg"; do
        [ -s "$f" ] && pids+=" $(<"$f")"
    done
    # shellcheck disable=SC2086
    [ -n "$pids" ] && kill -9 $pids 2>/dev/null
    [ "${2:-}" = quiet ] && return 0
    ip -n "$d" link set eth0 down
}
# like a reboot of the director: no VIP, link up, keepalived started
revive() {
    local d=$1
    ip -n "$d" addr del "$VIP/32" dev eth0 2>/dev/null
    ip -n "$d" link set eth0 up
    if [ "$MODE" = agents ]; then agent_start "$d"; else ka_start "$d"; fi
}
has_vip() { [[ $(ip -n "$1" -br addr show eth0) == *"$VIP/32"* ]]; }
# waits (bounded by $2 s) until $1 holds the VIP; prints the time of that moment (epoch us) or -1
wait_vip() {
    local end=$(($(now_us) + $2 * 1000000))
    while (($(now_us) < end)); do
        has_vip "$1" && { now_us; return 0; }
        nap 0.02
    done
    echo -1
    return 1
}

# ---------------------------------------------------------------- viewers
traffic_start() {
    mkfifo "$W/cmd"
    : >"$W/out"
    ip netns exec cl python3 "$HERE/ha-traffic.py" "$VIP" "$PORT" "$W/cmd" "$W/out" >"$W/traffic.log" 2>&1 &
    TRAFFIC_PID=$!
    local i
    for i in $(seq 1 150); do grep -q '^ready' "$W/out" && return 0; nap 0.2; done
    die "traffic tool did not start: $(cat "$W/traffic.log")"
}
tcmd() { echo "$*" >"$W/cmd"; }
# sends a command and waits (bounded, 20 s) for the answer line starting with $1
tcall() {
    local want=$1 i
    shift
    : >"$W/out"
    tcmd "$@"
    for i in $(seq 1 200); do
        grep -q "^$want" "$W/out" && return 0
        nap 0.1
    done
    return 1
}

# await_report TAG: the viewers' report once every live connection has answered again and a new one was served (TCP's
# retransmission backoff brings a connection back up to seconds after the VIP moved), bounded (40 reports, ~10 s+);
# kept as $W/report-TAG
await_report() {
    local i
    for i in $(seq 1 40); do
        nap 0.25
        tcall end-report report || continue
        awk '$1=="conn" && $4!="reset" && $4!="closed" && $5<0 {n++} END {exit n>0}' "$W/out" \
            && grep -q '^newconn [0-9]' "$W/out" && break
    done
    cp "$W/out" "$W/report-$1"
}

# open_old: a clean slate, then OLD_N connections "old" from the three client addresses, aged OLD_AGE s (synced)
open_old() {
    local third=$((OLD_N / 3))
    tcall closed closeall
    tcmd open old "$third" 203.0.113.10
    tcmd open old "$third" 203.0.113.11
    tcmd open old "$((OLD_N - 2 * third))" 203.0.113.12
    nap "$OLD_AGE"
}

# ---------------------------------------------------------------- one takeover
# takeover TAG FROM TO [nolinkdown]: OLD_N connections opened OLD_AGE s before the kill (3 source addresses),
# YOUNG_N opened just before it; FROM killed; TO must take the VIP; prints one @round fact:
#   TAG PROFILE ADVERT FROM TO vip_ms existing_ms newconn_ms old_kept old_total young_kept young_total synced_before
# existing_ms = kill -> the LAST old connection answered again (every one resumed); -1 if one never did.
# The kill time is taken just before the link-down command (conservative: it includes that command).
takeover() {
    local tag=$1 from=$2 to=$3 nolink=${4:-}
    has_vip "$from" || { fact round-error "$tag $from does not hold the VIP"; return 1; }
    open_old
    local synced
    synced=$(ip netns exec "$to" ipvsadm -Lnc | grep -c ESTABLISHED)
    # HA_YOUNG_UNSYNCED=1: the taker's backup daemon is stopped first, so the young ones are never synced
    # (only sloppy_tcp and the synced persistence template of their client can keep them)
    [ "${HA_YOUNG_UNSYNCED:-0}" = 1 ] && ip netns exec "$to" ipvsadm --stop-daemon backup
    ((YOUNG_N > 0)) && tcmd open young "$YOUNG_N" 203.0.113.10
    nap 0.3
    local t_kill t_dead
    t_kill=$(now_us)
    tcmd kill "${t_kill:0:10}.${t_kill:10}"
    # dead: its link down first (traffic and adverts stop), then every keepalived process SIGKILLed; nolinkdown: the
    # processes only (a crash: the link, the VIP and the kernel's tables stay)
    if [ -z "$nolink" ]; then
        ip -n "$from" link set eth0 down
        t_dead=$(now_us)
        tcmd dead "${t_dead:0:10}.${t_dead:10}"
        ka_kill "$from" quiet
    else
        ka_kill "$from" quiet
        t_dead=$(now_us)
        tcmd dead "${t_dead:0:10}.${t_dead:10}"
    fi
    local t_vip
    t_vip=$(wait_vip "$to" 20)
    await_report "$tag"
    [ "${HA_YOUNG_UNSYNCED:-0}" = 1 ] && ip netns exec "$to" ipvsadm --start-daemon backup --mcast-interface eth0 \
        --syncid "${SYNCID[$from]}"
    local vip_ms=-1
    [ "$t_vip" != -1 ] && vip_ms=$(((t_vip - t_kill) / 1000))
    awk -v tag="$tag" -v prof="$PROFILE" -v adv="$ADVERT" -v from="$from" -v to="$to" -v vip="$vip_ms" -v synced="$synced" '
        $1=="conn" && $2=="old" { ot++; if ($4=="alive" && $5>=0) { ok++; if ($5>mx) mx=$5 } else bad=1 }
        $1=="conn" && $2=="young" { yt++; if ($4=="alive" && $5>=0) yk++ }
        $1=="newconn" { nc=$2 }
        END { if (bad || ot==0) mx=-1; printf "@round %s %s %s %s %s %d %d %d %d %d %d %d %d\n", tag, prof, adv, from, to, vip, mx, nc, ok, ot, yk, yt, synced }
    ' "$W/out"
    awk '$1=="conn" && ($4!="alive" || $5<0) {print "# lost: " $0}' "$W/out"
    tcall closed closeall
}
# after revive: the returning director must stay BACKUP (no preemption), checked for $2 s
no_preempt() {
    local back=$1 holder=$2 secs=$3 end
    end=$(($(now_us) + secs * 1000000))
    while (($(now_us) < end)); do
        if has_vip "$back" || ! has_vip "$holder"; then
            fact preempted "$back"
            return 1
        fi
        nap 0.2
    done
    fact no-preempt "$back $secs"
}
# entries the peer's sync brought into $1's table (ESTABLISHED, not templates)
synced_count() { ip netns exec "$1" ipvsadm -Lnc | grep -c ESTABLISHED; }
# parity HOLDER OTHER: "N M": the holder's ESTABLISHED connections, and how many of them OTHER's table has
parity() {
    ip netns exec "$1" ipvsadm -Lnc >"$W/p1"
    ip netns exec "$2" ipvsadm -Lnc >"$W/p2"
    awk '$3=="ESTABLISHED" {k=$4" "$5} FNR==NR && $3=="ESTABLISHED" {h[k]=1; n++; next} $3=="ESTABLISHED" && (k in h) {m++}
         END {print n+0, m+0}' "$W/p1" "$W/p2"
}
daemons() { ip netns exec "$1" ipvsadm -L --daemon | while read -r l; do fact daemon "$1 $l"; done; }

start_pair() {
    local first=$1
    ka_start "$first"
    wait_vip "$first" 30 >/dev/null || die "$first did not take the VIP"
    ka_start "${PEER[$first]}"
    nap 2
    has_vip "$first" || die "VIP moved to ${PEER[$first]} at start"
}
stop_pair() {
    ka_kill dirA quiet
    ka_kill dirB quiet
    local d
    for d in dirA dirB; do ip -n "$d" addr del "$VIP/32" dev eth0 2>/dev/null; ip -n "$d" link set eth0 up; done
}
transitions() {
    local d
    local log
    for d in dirA dirB; do
        log=$W/ka-$d.log
        [ "$MODE" = agents ] && log=$RUN/agent-$d.log # keepalived's lines are in its agent's log
        fact transitions "$d $PROFILE $ADVERT $(grep -c 'Entering MASTER STATE' "$log")"
    done
}

# ---------------------------------------------------------------- the real agents (mode agents)
# Each director runs the agent (io.videolb.agent.AgentMain) in its namespace with RUN/agent-DIR.env. It reaches the
# host's broker (IPVS_VM_FWD: BROKER_IP:port -> the host) through a veth of its own to the root namespace, which
# masquerades that traffic onto the VM's restricted NIC; eth0 (VRRP, sync, viewers) is untouched, so a partition
# between the directors leaves Kafka up.
declare -A KIP=([dirA]=192.0.2.2 [dirB]=192.0.2.6)
declare -A KGW=([dirA]=192.0.2.1 [dirB]=192.0.2.5)
AGENT_PORT=9102
JOPTS=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -Dorg.slf4j.simpleLogger.showDateTime=true
       -Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS)
kafka_path() {
    local d broker
    broker=$(<"$RUN/broker-ip.txt")
    for d in dirA dirB; do
        ip link add "k-$d" type veth peer name k0 netns "$d" || die "veth k-$d"
        printf '%s\n' "addr add ${KGW[$d]}/30 dev k-$d" "link set k-$d up" | ip -b - || die "k-$d"
        printf '%s\n' "addr add ${KIP[$d]}/30 dev k0" "link set k0 up" "route add $broker/32 via ${KGW[$d]}" \
            | ip -n "$d" -b - || die "k0 $d"
    done
    sysctl -qw net.ipv4.ip_forward=1 || die "ip_forward"
    iptables -t nat -A POSTROUTING -s 192.0.2.0/24 -d "$broker/32" -j MASQUERADE || die "masquerade"
}
agent_start() {
    local d=$1
    mkdir -p "/tmp/videolb-$d"
    rm -f "/tmp/videolb-$d/agent.rc" "/tmp/videolb-$d/agent.pid"
    # a subshell that waits for the agent and writes its exit status (ip netns exec execs the JVM: $! is the JVM)
    (
        set -a
        # shellcheck disable=SC1090
        . "$RUN/agent-$d.env"
        set +a
        ip netns exec "$d" "$HA_JAVA" "${JOPTS[@]}" -cp "$HA_CP" io.videolb.agent.AgentMain &
        echo $! >"/tmp/videolb-$d/agent.pid"
        wait $!
        echo $? >"/tmp/videolb-$d/agent.rc"
    ) >>"$RUN/agent-$d.log" 2>&1 &
    disown
    log "agent $d started"
}
# SIGKILL of every process of director $1 (the agent and the keepalived processes it started: all that runs in its
# namespace); the sync daemons are kernel threads and die with nothing
agent_kill() {
    local pids
    pids=$(ip netns pids "$1" 2>/dev/null | tr '\n' ' ')
    # shellcheck disable=SC2086
    [ -n "${pids// /}" ] && kill -9 $pids 2>/dev/null
    return 0
}
# SIGTERM to the agent (a clean stop: it stops keepalived, which removes the VIP); waits (bounded, 30 s) for its exit
# status; "none" if it did not end
agent_stop() {
    local d=$1 i
    kill -TERM "$(<"/tmp/videolb-$d/agent.pid")" 2>/dev/null
    for i in $(seq 1 150); do [ -s "/tmp/videolb-$d/agent.rc" ] && break; nap 0.2; done
    if [ -s "/tmp/videolb-$d/agent.rc" ]; then cat "/tmp/videolb-$d/agent.rc"; else echo none; fi
}
# applied generation from the agent's /health, asked on the director's own loopback (the agent tells a non-loopback
# peer only UP or DOWN): scenario-lib's agent_applied_gen in a bash in the director's namespace
agent_gen() { ip netns exec "$1" bash -c 'agent_applied_gen "$0"' "$AGENT_PORT"; }
# wait_gen DIR G LIMIT_S: until DIR's agent reports generation G applied
wait_gen() {
    local d=$1 g=$2 end=$(($(now_us) + $3 * 1000000)) a=-1
    while (($(now_us) < end)); do
        a=$(agent_gen "$d")
        [ "$a" = "$g" ] && return 0
        nap 0.5
    done
    echo "$d: generation $g not applied within $3 s (last answer $a)" >&2
    tail -n 25 "$RUN/agent-$d.log" >&2
    return 1
}
holder() { if has_vip dirA; then echo dirA; elif has_vip dirB; then echo dirB; else echo none; fi; }
kernel_facts() { # TAG: each director's IPVS table as ipvsadm -Sn prints it, the mark rule and the sync daemons
    local d
    for d in dirA dirB; do
        while read -r l; do fact "$1-ipvs" "$d $l"; done < <(ip netns exec "$d" ipvsadm -Sn)
        fact "$1-rules" "$d $(ip netns exec "$d" iptables-save -t mangle | grep -c -- '--match-set videolb-clients')"
    done
}
# promote_round TAG FROM TO: OLD_N connections through FROM (the holder), then an operator's promote of TO (the host
# publishes the command on Kafka): FROM yields, TO takes the VIP; every connection must go on (no kill here: FROM's
# kernel still forwards what reaches it until the router learns the VIP's new address)
promote_round() {
    local tag=$1 from=$2 to=$3
    open_old
    cue "parity-$to" 90
    fact parity-before-promote "$ACK"
    local t_kill t_vip
    t_kill=$(now_us)
    tcmd kill "${t_kill:0:10}.${t_kill:10}"
    tcmd dead "${t_kill:0:10}.${t_kill:10}"
    cue "promote-$to" 30 || fact round-error "$tag promote not published"
    t_vip=$(wait_vip "$to" 30)
    await_report "$tag"
    local vip_ms=-1
    [ "$t_vip" != -1 ] && vip_ms=$(((t_vip - t_kill) / 1000))
    # the old connections were never interrupted: "resume" is their first echo after the promote, and their longest
    # gap between two echoes (MAXGAP_MS) is what a viewer saw
    awk -v tag="$tag" -v from="$from" -v to="$to" -v vip="$vip_ms" '
        $1=="conn" && $2=="old" { ot++; if ($4=="alive") ok++; if ($6>mg) mg=$6 }
        $1=="newconn" { nc=$2 }
        END { printf "@promote %s %s %s %d %d %d %d %d\n", tag, from, to, vip, ok, ot, mg, nc }
    ' "$W/out"
    awk '$1=="conn" && $4!="alive" {print "# lost: " $0}' "$W/out"
    tcall closed closeall
}

# ================================================================ modes
topology
traffic_start
case $MODE in
it)
    ADVERT=${HA_ADVERT:-0.2}
    HA_YOUNG_UNSYNCED=1
    profile videolb
    daemons dirA
    daemons dirB
    for k in backup_only sloppy_tcp sync_persist_mode sync_version sync_threshold; do
        fact sysctl "dirB $k $(ip netns exec dirB cat /proc/sys/net/ipv4/vs/$k | tr '\t' ' ')"
    done
    start_pair dirA
    takeover t1 dirA dirB
    revive dirA
    no_preempt dirA dirB 4
    # B's own master (id 2) syncs what B now carries to A's backup (id 2): A catches up
    tcmd open back 4 203.0.113.11
    nap "$OLD_AGE"
    fact parity "$(parity dirB dirA)"
    tcall closed closeall
    takeover t2 dirB dirA
    revive dirB
    no_preempt dirB dirA 3
    transitions
    for d in dirA dirB; do tail -n 12 "$W/ka-$d.log" | sed "s/^/# ka-$d: /"; done
    ;;
measure)
    ADVERT=0.2
    profile videolb
    daemons dirA
    daemons dirB
    # (b) switching roles at a takeover: what it costs on the standby
    t=$(now_us)
    ip netns exec dirB ipvsadm --stop-daemon backup
    ip netns exec dirB ipvsadm --stop-daemon master
    ip netns exec dirB ipvsadm --start-daemon master --mcast-interface eth0 --syncid 1
    fact switch-ms "$((($(now_us) - t) / 1000))"
    ip netns exec dirB ipvsadm --stop-daemon master
    sync_both dirB
    start_pair dirA
    # sync delay: time until B lists a fresh connection of A
    tcmd open probe 1 203.0.113.10
    t=$(now_us)
    for i in $(seq 1 100); do (($(synced_count dirB) > 0)) && break; nap 0.1; done
    fact sync-delay-ms "$((($(now_us) - t) / 1000)) after $i polls"
    tcall closed closeall
    takeover m1 dirA dirB
    revive dirA
    no_preempt dirA dirB 3
    tcmd open back 4 203.0.113.11
    nap "$OLD_AGE"
    fact parity "$(parity dirB dirA)"
    tcall closed closeall
    # never-synced connections: A's backup stopped, then B killed -> A sees only mid-stream packets
    for sched in wlc sh; do
        for d in dirA dirB; do services "$d" "$sched" 300; done
        holder=dirB; standby=dirA
        has_vip dirA && { holder=dirA; standby=dirB; }
        ip netns exec "$standby" ipvsadm --stop-daemon backup
        for sl in 1; do
            OLD_N=6 YOUNG_N=0 takeover "unsynced-$sched-sloppy$sl" "$holder" "$standby"
        done
        ip netns exec "$standby" ipvsadm --start-daemon backup --mcast-interface eth0 --syncid "${SYNCID[$holder]}"
        revive "$holder"
        nap 2
    done
    # sloppy_tcp=0 on the taker: the never-synced connection gets a RST (ha-vm.md); check once
    holder=dirB; standby=dirA
    has_vip dirA && { holder=dirA; standby=dirB; }
    ip netns exec "$standby" sysctl -qw net.ipv4.vs.sloppy_tcp=0
    ip netns exec "$standby" ipvsadm --stop-daemon backup
    OLD_N=3 YOUNG_N=0 takeover unsynced-sh-sloppy0 "$holder" "$standby"
    transitions
    ;;
bench)
    N=${2:?bench N}
    for adv in ${3:-0.2}; do
        ADVERT=$adv
        profile videolb
        start_pair dirA
        from=dirA
        for r in $(seq 1 "$N"); do
            to=${PEER[$from]}
            takeover "r$r" "$from" "$to"
            revive "$from"
            no_preempt "$from" "$to" 2
            from=$to
        done
        transitions
        stop_pair
    done
    ADVERT=1
    profile stock
    start_pair dirA
    nap 2
    daemons dirA
    daemons dirB
    from=dirA
    for r in $(seq 1 "$N"); do
        to=${PEER[$from]}
        takeover "r$r" "$from" "$to"
        revive "$from"
        no_preempt "$from" "$to" 4
        from=$to
    done
    transitions
    stop_pair
    ;;
agents)
    # DirectorPairVmIT: the real agents. Both start together (nopreempt, both BACKUP: who hears no master first
    # takes the VIP); the scenario follows whoever holds it.
    RUN=${2:?agents RUN}
    ADVERT=$(sed -n "s/^export VIDEOLB_VRRP_ADVERT_S='\(.*\)'$/\1/p" "$RUN/agent-dirA.env")
    PROFILE=agents
    kafka_path
    t=$(now_us)
    agent_start dirA
    agent_start dirB
    wait_gen dirA 1 240 || die "dirA did not apply generation 1"
    wait_gen dirB 1 240 || die "dirB did not apply generation 1"
    fact both-applied-ms "$((($(now_us) - t) / 1000))"
    # keepalived starts after the first apply; give VRRP its master-down time
    for i in $(seq 1 150); do [ "$(holder)" != none ] && break; nap 0.2; done
    nap 2
    H=$(holder)
    [ "$H" = none ] && die "nobody took the VIP"
    S=${PEER[$H]}
    has_vip "$S" && die "both hold the VIP at start"
    fact start-holder "$H"
    cue "roles-$H-$S" 90
    fact roles "$ACK"
    kernel_facts gen1
    daemons dirA
    daemons dirB
    for k in backup_only sloppy_tcp sync_persist_mode; do
        fact sysctl "$S $k $(ip netns exec "$S" cat /proc/sys/net/ipv4/vs/$k | tr '\t' ' ')"
    done
    fact ka-conf "$S $(grep -c -E 'nopreempt|state BACKUP|198\.51\.100\.10/32 dev eth0' /tmp/videolb-$S/keepalived/videolb.conf)"

    # 1. the holder dies (link down, then SIGKILL of its agent and keepalived): the standby takes over with the
    # connections; the young ones were never synced (the taker's backup daemon stopped first)
    HA_YOUNG_UNSYNCED=1
    takeover t1 "$H" "$S"
    HA_YOUNG_UNSYNCED=0
    cue "took-over-$S" 60
    fact took-over "$ACK"
    # 4. a desired change while the survivor holds the VIP, then the dead one comes back and applies it too
    cue gen2 30
    fact gen2 "$ACK"
    wait_gen "$S" 2 60 && fact gen2-applied "$S"
    kernel_facts gen2
    # 2. the dead one comes back (as after a reboot): it applies the newest generation and does NOT preempt
    revive "$H"
    wait_gen "$H" 2 240 && fact gen2-applied "$H"
    no_preempt "$H" "$S" 6
    cue "blocked-$H" 60
    fact blocked "$ACK"
    # ... an operator promotes it back once its table has caught up: no connection is cut
    promote_round p1 "$S" "$H"
    no_preempt "$S" "$H" 3
    # 1b. the holder's agent and keepalived SIGKILLed, its link up (a crash, not a dead machine): the peer takes over
    # with the connections; the VIP the killed keepalived left behind must be gone once its agent is back
    takeover t2 "$H" "$S" nolinkdown
    fact vip-left-on-killed "$(has_vip "$H" && echo yes || echo no)"
    agent_start "$H"
    wait_gen "$H" 2 240 && fact restarted-applied "$H"
    for i in $(seq 1 50); do has_vip "$H" || break; nap 0.2; done
    fact vip-after-restart "$H $(has_vip "$H" && echo yes || echo no) $S $(has_vip "$S" && echo yes || echo no)"
    no_preempt "$H" "$S" 3
    # 3. a partition between the directors only (VRRP dropped both ways, Kafka up): both MASTER, detected from the
    # agents' statuses; VRRP decides when it heals (nopreempt: the higher priority, then the higher address)
    for d in dirA dirB; do ip netns exec "$d" iptables -I INPUT -p vrrp -j DROP || die "partition $d"; done
    t=$(now_us)
    for i in $(seq 1 100); do has_vip dirA && has_vip dirB && break; nap 0.1; done
    fact split-both-ms "$((($(now_us) - t) / 1000))"
    cue split 60
    fact split "$ACK"
    for d in dirA dirB; do ip netns exec "$d" iptables -D INPUT -p vrrp -j DROP; done
    t=$(now_us)
    for i in $(seq 1 100); do { has_vip dirA && has_vip dirB; } || break; nap 0.1; done
    fact split-healed-ms "$((($(now_us) - t) / 1000)) $(holder)"
    cue split-over 60
    fact split-over "$ACK"
    # a clean stop of both: each agent stops its keepalived, which removes the VIP
    # (exit status, VIP left or not, processes left in the director's namespace: keepalived must be gone too)
    for d in dirA dirB; do
        rc=$(agent_stop "$d")
        fact stop "$d $rc $(has_vip "$d" && echo vip || echo novip) $(ip netns pids "$d" | wc -l)"
    done
    transitions
    for d in dirA dirB; do grep -E 'WARN|ERROR' "$RUN/agent-$d.log" | tail -n 15 | sed "s/^/# agent-$d: /"; done
    ;;
*) die "unknown mode $MODE" ;;
esac
fact done "$MODE"
