#!/bin/bash
# failover-bench-guest.sh — the inside of failover-bench.sh: runs INSIDE the IPVS VM (one boot).
#
#   failover-bench-guest.sh OUT JAR CONFIG_DIR SAMPLE_FLV
#
# Builds the lab once (lab.sh, LAB_MEDIA=nginx: the example cluster with real nginx-rtmp servers fed by ffmpeg),
# then, for each system of BENCH_SYSTEMS in turn, on the same servers, the same client and the same steering:
#   videolb-defaults     `videolb standalone --config CONFIG_DIR --agent-mode apply`, every probe setting at its
#                        default (interval 2000 ms, timeout 1500 ms, fall 3, retry after 200 ms) and
#                        level HLS (RTMP handshake + a fresh playlist: the default level, RTMP, cannot see a frozen
#                        encoder)
#   videolb-kaprobe      the same at keepalived-tight's probe settings: level TCP, interval 500 ms, timeout 500 ms,
#                        fall 3 (= 1 + retry 2), retry after 100 ms
#   keepalived-tight     keepalived 2.2.7's checker (-C): TCP_CHECK delay_loop 0.5 connect_timeout 0.5 retry 2
#                        delay_before_retry 0.1
#   keepalived-defaults  the same with no timing given (keepalived's defaults: delay_loop 60 s, connect_timeout 5 s,
#                        retry 1, delay_before_retry 1 s)
# keepalived gets one fwmark virtual server per pool of CONFIG_DIR (same marks, schedulers, persistence), the
# pool's servers as real servers and the first server's backup as its sorry_server; the steering (ipset + the one
# iptables rule) is the one videolb's agent installed (kept when it stops), so client 203.0.113.21 reaches pool 10:
# rs11 (192.0.2.11), backup rs21.
#
# One run: rs11 alone carries pool 10 in IPVS (videolb: at least the dwell since it came back); EXISTING RTMP viewers
# (failover-viewers.py in cl21) play from it (checked in the director's connection table); a pause at a random phase
# of the probe interval; the fault on rs11, its time taken by the builtin that makes it:
#   kill    nginx + its publisher SIGKILLed (new connections get a RST)
#   silent  rs11's NIC down (every packet dropped)
#   hung    nginx SIGSTOPped (the kernel still completes handshakes; the application is dead)
#   frozen  the publisher SIGSTOPped: the HLS playlist stops advancing behind HTTP 200 (HLS viewers; videolb only)
# then the player reports the first new viewer playing (from rs21: checked in the connection table), each existing
# viewer playing again and the failed attempts; rs11 is revived and the next run waits for it.
# Then LOSS_S seconds with 2 % loss and 20 ms jitter (tc netem) on every server's link, both ways, no fault: every
# change of a pool's set of live servers in IPVS (polled every 0.5 s) is a false failover.
#
# Output in OUT (the host's folder): runs.tsv (one line per run), loss.tsv, log.txt.
# Settings (environment, checked): BENCH_SYSTEMS, BENCH_FAULTS, BENCH_RUNS (per fault, 1..200), BENCH_SLOW_RUNS
# (keepalived-defaults, 1..200), BENCH_EXISTING (0..8), BENCH_LOSS_S (0..3600).
set -uo pipefail
[ $# = 4 ] || { echo "usage: failover-bench-guest.sh OUT JAR CONFIG_DIR SAMPLE_FLV" >&2; exit 2; }
OUT=$1 JAR=$2 CONFIG=$3 SAMPLE=$4
SYSTEMS=${BENCH_SYSTEMS:-videolb-defaults videolb-kaprobe keepalived-tight keepalived-defaults}
FAULTS=${BENCH_FAULTS:-kill silent hung frozen}
RUNS=${BENCH_RUNS:-20} SLOW_RUNS=${BENCH_SLOW_RUNS:-5} EXISTING=${BENCH_EXISTING:-3} LOSS_S=${BENCH_LOSS_S:-600}
die() { echo "failover-bench: $*" >&2; exit 2; }
for s in $SYSTEMS; do [[ $s =~ ^(videolb-defaults|videolb-kaprobe|keepalived-tight|keepalived-defaults)$ ]] || die "BENCH_SYSTEMS: unknown system $s"; done
[ "$FAULTS" = none ] && FAULTS='' # the loss windows only
for f in $FAULTS; do [[ $f =~ ^(kill|silent|hung|frozen)$ ]] || die "BENCH_FAULTS: unknown fault $f"; done
[[ $RUNS =~ ^[0-9]{1,3}$ ]] && ((RUNS >= 1 && RUNS <= 200)) || die "BENCH_RUNS must be 1..200: $RUNS"
[[ $SLOW_RUNS =~ ^[0-9]{1,3}$ ]] && ((SLOW_RUNS >= 1 && SLOW_RUNS <= 200)) || die "BENCH_SLOW_RUNS must be 1..200: $SLOW_RUNS"
[[ $EXISTING =~ ^[0-9]$ ]] && ((EXISTING <= 8)) || die "BENCH_EXISTING must be 0..8: $EXISTING"
[[ $LOSS_S =~ ^[0-9]{1,4}$ ]] && ((LOSS_S <= 3600)) || die "BENCH_LOSS_S must be 0..3600: $LOSS_S"
. "$IPVS_VM_TOOLS/scenario-lib.sh" # lab, nap, now_us, since_ms (after the checks: it makes a FIFO)

export LAB_DIR=${LAB_DIR:-/run/videolb-lab} # lab.sh's folder (its default)
VIP=198.51.100.10 RS=rs11 RS_IP=192.0.2.11 BK=rs21 BK_IP=192.0.2.21 CLIENT_NS=cl21 MARK=10
T0=$(now_us)
log() { printf '[%6d s] %s\n' $((($(now_us) - T0) / 1000000)) "$*" | tee -a "$OUT/log.txt"; }
SYS_PID='' VIEWERS_PID='' VIEWERS_RD='' VIEWERS_WR=''
stop_system() {
    local i
    [ -n "$SYS_PID" ] || return 0
    kill -TERM "$SYS_PID" 2>/dev/null
    for ((i = 0; i < 300; i++)); do kill -0 "$SYS_PID" 2>/dev/null || break; nap 0.1; done
    kill -9 "$SYS_PID" 2>/dev/null
    wait "$SYS_PID" 2>/dev/null
    SYS_PID=''
}
finish() {
    trap - EXIT
    [ -n "$VIEWERS_PID" ] && kill "$VIEWERS_PID" 2>/dev/null
    stop_system
    lab down >/dev/null 2>&1
    log "done"
}
trap finish EXIT

# ---------------------------------------------------------------- the lab
log "building the lab: the example cluster with nginx-rtmp servers"
LAB_MEDIA=nginx LAB_PUBLISH=later LAB_SAMPLE=$SAMPLE lab up >>"$OUT/log.txt" 2>&1 || die "lab.sh up failed"
[ -d "$LAB_DIR/state" ] || die "no $LAB_DIR/state after lab.sh up"
PUBLISHED=''
printf 'system\tfault\trun\tphase_ms\tnew_ms\tnew_server\tnew_failed\texisting_ms\texisting_failed\n' >"$OUT/runs.tsv"
printf 'system\tseconds\tfalse_failovers\tchanges\n' >"$OUT/loss.tsv"

# the live servers of every pool in IPVS: "MARK=IP,IP MARK=IP" (weight > 0), from ipvsadm -Sn
pools_live() {
    local l out='' m ip w
    declare -A live=()
    while read -r l; do
        [[ $l =~ ^-a\ -f\ ([0-9]+)\ -r\ ([0-9.]+):[0-9]+\ .*-w\ ([0-9]+) ]] || continue
        m=${BASH_REMATCH[1]} ip=${BASH_REMATCH[2]} w=${BASH_REMATCH[3]}
        ((w > 0)) && live[$m]+="${live[$m]:+,}$ip"
        [ -n "${live[$m]+x}" ] || live[$m]=''
    done < <(ipvsadm -Sn 2>/dev/null)
    for m in $(printf '%s\n' "${!live[@]}" | sort -n); do out+="$m=${live[$m]} "; done
    echo "${out% }"
}
rs_alone() { [[ " $(pools_live) " == *" $MARK=$RS_IP "* ]]; }

# ---------------------------------------------------------------- the systems
SETTLE_S=0 PHASE_MS=0 BOUND_S=30
start_system() { # NAME
    local i
    case $1 in
        videolb-*)
            local d=/tmp/bench-$1
            rm -rf "$d" && mkdir -p "$d/state" "$d/etc/iptables"
            local -a env=(VIDEOLB_STATE_DIR=$d/state VIDEOLB_IPVS_RULES=$d/etc/ipvsadm.rules
                VIDEOLB_IPTABLES_RULES=$d/etc/iptables/rules.v4 VIDEOLB_IPSET_RULES=$d/etc/iptables/ipsets
                # failback only (not what is measured): rs11 takes pool 10 back as soon as it is up again and rs21
                # drains for at most 5 s, so that runs follow each other quickly. The dwell (least time between two
                # verdicts of one server, default 10 s) is 1 s for the same reason: each run waits SETTLE_S (more
                # than the dwell) after rs11 is back before the fault, so it never delays the DOWN measured
                VIDEOLB_HOLD_DOWN_S=0 VIDEOLB_DRAIN_TIMEOUT_S=5 VIDEOLB_HEALTH_DWELL_MS=1000)
            if [ "$1" = videolb-defaults ]; then
                env+=(VIDEOLB_HEALTH_LEVEL=HLS)
                SETTLE_S=6 PHASE_MS=2000 BOUND_S=30
            else
                env+=(VIDEOLB_HEALTH_LEVEL=TCP VIDEOLB_HEALTH_INTERVAL_MS=500 VIDEOLB_HEALTH_TIMEOUT_MS=500
                    VIDEOLB_HEALTH_FALL=3 VIDEOLB_HEALTH_RETRY_DELAY_MS=100)
                SETTLE_S=6 PHASE_MS=500 BOUND_S=20
            fi
            log "$1: starting videolb standalone (${env[*]})"
            env "${env[@]}" java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -jar "$JAR" standalone \
                --config "$CONFIG" --data-dir "$d/data" --http-port 8480 --agent-mode apply \
                >"$OUT/$1.out" 2>"$OUT/$1.err" </dev/null &
            SYS_PID=$!
            for ((i = 0; i < 1800; i++)); do
                kill -0 "$SYS_PID" 2>/dev/null || { log "$1: standalone exited"; tail -n 20 "$OUT/$1.err"; return 1; }
                IFS= read -r l <"$OUT/$1.out" 2>/dev/null && [[ $l == "videolb standalone ready ("* ]] && break
                nap 0.5
            done
            log "$1: $(head -c 300 "$OUT/$1.out" | head -n 1)" ;;
        keepalived-*)
            steering_present || return 1
            local c=/run/bench-ka/$1.conf
            mkdir -p /run/bench-ka
            keepalived_conf "$1" >"$c" || return 1
            cp "$c" "$OUT/$1.conf"
            ipvsadm -C
            if [ "$1" = keepalived-tight ]; then SETTLE_S=2 PHASE_MS=500 BOUND_S=20; else SETTLE_S=2 PHASE_MS=60000 BOUND_S=80; fi
            log "$1: starting keepalived -C (checkers only) with $c"
            keepalived -n -l -D -C -f "$c" -p /run/bench-ka/ka.pid -c /run/bench-ka/checkers.pid \
                >"$OUT/$1.log" 2>&1 </dev/null &
            SYS_PID=$! ;;
    esac
    if [ -z "$PUBLISHED" ]; then
        LAB_SAMPLE=$SAMPLE lab publish >>"$OUT/log.txt" 2>&1 || log "lab.sh publish failed"
        PUBLISHED=1
    fi
    for ((i = 0; i < 600; i++)); do rs_alone && break; kill -0 "$SYS_PID" 2>/dev/null || return 1; nap 0.5; done
    rs_alone || { log "$1: rs11 never carried pool 10 alone: $(pools_live)"; return 1; }
    log "$1: IPVS live servers: $(pools_live)"
}
steering_present() {
    [[ $(iptables -t mangle -S 2>/dev/null) == *--map-mark* ]] && return 0 # the agent's one rule (ipset skbinfo)
    log "no steering rule left by videolb's agent: installing its reboot files"
    local d
    for d in /tmp/bench-videolb-*; do
        [ -s "$d/etc/iptables/ipsets" ] && [ -s "$d/etc/iptables/rules.v4" ] || continue
        ipset restore -exist <"$d/etc/iptables/ipsets" && iptables-restore --noflush <"$d/etc/iptables/rules.v4" && return 0
    done
    log "no steering available (run a videolb system first)"
    return 1
}
# keepalived_conf NAME: one fwmark virtual server per pool of CONFIG/fwmark-routing-list.csv (header skipped; a
# quoted server list), sorry_server = the backup (realserver-backup-list.csv) of the pool's first server
keepalived_conf() {
    local line mark servers sched s first bk persist timing check
    declare -A backup=()
    while IFS= read -r line; do
        line=${line%$'\r'}
        [[ $line =~ ^([0-9.]+),([0-9.]+)$ ]] && backup[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
    done <"$CONFIG/realserver-backup-list.csv"
    persist=$(sed -n 's/^persistence_time,\([0-9]\{1,5\}\)\r\{0,1\}$/\1/p' "$CONFIG/param.csv")
    [[ $persist =~ ^[0-9]+$ ]] || { log "no persistence_time in $CONFIG/param.csv"; return 1; }
    if [ "$1" = keepalived-tight ]; then
        timing='    delay_loop 0.5'
        check='connect_timeout 0.5
            retry 2
            delay_before_retry 0.1'
    else timing='' check=''; fi
    printf 'global_defs {\n    router_id bench\n}\n'
    while IFS= read -r line; do
        line=${line%$'\r'}
        [[ $line =~ ^([0-9]+),\"?([0-9.,]+)\"?,([a-z]+)$ ]] || continue
        mark=${BASH_REMATCH[1]} servers=${BASH_REMATCH[2]//,/ } sched=${BASH_REMATCH[3]}
        first=${servers%% *}
        bk=${backup[$first]:-}
        printf 'virtual_server fwmark %s {\n%s\n    lb_algo %s\n    lb_kind DR\n    persistence_timeout %s\n' \
            "$mark" "$timing" "$sched" "$persist"
        [ -n "$bk" ] && printf '    sorry_server %s\n' "$bk"
        for s in $servers; do
            printf '    real_server %s {\n        weight 1\n        TCP_CHECK {\n            connect_port 1935\n            %s\n        }\n    }\n' "$s" "$check"
        done
        printf '}\n'
    done <"$CONFIG/fwmark-routing-list.csv"
}

# ---------------------------------------------------------------- one run
media_pid() { local p; p=$(cat "$LAB_DIR/media-$RS/$1.pid.lab" 2>/dev/null); [[ $p =~ ^[0-9]+$ ]] && echo "$p"; }
set_state() { echo "$1" >"$LAB_DIR/state/$RS.tmp" && mv "$LAB_DIR/state/$RS.tmp" "$LAB_DIR/state/$RS"; }
inject() { # FAULT: sets FAULT_US
    local ng ff
    ng=$(media_pid nginx) ff=$(media_pid ffmpeg)
    case $1 in
        kill) FAULT_US=$(now_us); kill -9 "$ng" "$ff"; set_state down ;;
        hung) FAULT_US=$(now_us); kill -STOP "$ng"; set_state hung ;;
        frozen) FAULT_US=$(now_us); kill -STOP "$ff"; set_state frozen ;;
        silent) ip -n "$RS" link set e0 down; FAULT_US=$(now_us) ;;
    esac
}
revive() { # FAULT
    case $1 in
        silent) lab link-up "$RS" >>"$OUT/log.txt" 2>&1 ;;
        *) lab revive-server "$RS" >>"$OUT/log.txt" 2>&1 ;;
    esac
}
dest_of_port() { # PORT: the real server of the client's connection from that port, in the director's table (builtins
    # only: /proc/net/ip_vs_conn in hex, client 203.0.113.21 = CB007115)
    local want proto c cp v vp d rest
    printf -v want '%04X' "$1"
    while read -r proto c cp v vp d rest; do
        if [[ $c == CB007115 && $cp == "$want" && $d =~ ^[0-9A-F]{8}$ ]]; then
            printf '%d.%d.%d.%d\n' "0x${d:0:2}" "0x${d:2:2}" "0x${d:4:2}" "0x${d:6:2}"
            return
        fi
    done </proc/net/ip_vs_conn
    echo "?"
}
# videolb's checker not degraded (its /health on standalone's --http-port + 2, bash's /dev/tcp: no process). Under the
# emulated CPU the JVM starves it for a minute or more after its start; a degraded checker's DOWNs are held back by
# design, which is not the failover this measures. True (0) while degraded or silent; false for keepalived.
checker_degraded() {
    local line d=1
    [[ $CURRENT == videolb-* ]] || return 1
    { exec 3<>/dev/tcp/127.0.0.1/8482; } 2>/dev/null || return 0
    printf 'GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
    while IFS= read -r -t 5 line <&3 || [ -n "$line" ]; do
        [[ $line == *'"degraded":false'* ]] && d=0
        line=
    done
    exec 3<&-
    return $((1 - d))
}
# the viewers: one failover-viewers.py for every run (a Python start costs seconds of the emulated CPU)
viewers_up() {
    local line
    [ -n "$VIEWERS_PID" ] && kill -0 "$VIEWERS_PID" 2>/dev/null && return 0
    coproc PL { exec ip netns exec "$CLIENT_NS" python3 -u "$IPVS_VM_TOOLS/failover-viewers.py" --vip "$VIP" \
        2>>"$OUT/viewers.err"; }
    VIEWERS_PID=$PL_PID VIEWERS_RD=${PL[0]} VIEWERS_WR=${PL[1]}
    read -r -t 120 -u "$VIEWERS_RD" line
    [ "$line" = serving ] && return 0
    log "the viewers did not start: ${line:-nothing in 120 s}"
    viewers_down
    return 1
}
viewers_down() {
    [ -n "$VIEWERS_PID" ] || return 0
    kill "$VIEWERS_PID" 2>/dev/null
    wait "$VIEWERS_PID" 2>/dev/null
    VIEWERS_PID=''
}
viewers_end() { # ends the run; the viewers answer "done"
    local line=''
    echo end >&"$VIEWERS_WR" 2>/dev/null
    read -r -t 60 -u "$VIEWERS_RD" line
    [ "$line" = done ] || { log "the viewers did not end the run: ${line:-nothing in 60 s}"; viewers_down; }
}
one_run() { # SYSTEM FAULT RUN
    local sys=$1 fault=$2 run=$3 i mode=rtmp faulty=- line phase p bad=''
    [ "$fault" = frozen ] && mode=hls faulty=$RS
    local t_back t_back_done t_play t_checked
    # rs11 alone in pool 10
    t_back=$(now_us)
    for ((i = 0; i < 600; i++)); do rs_alone && break; nap 0.5; done
    rs_alone || { log "$sys $fault $run: rs11 not back in pool 10 alone after 300 s: $(pools_live)"; return 1; }
    for ((i = 0; i < 600; i++)); do checker_degraded || break; nap 0.5; done
    t_back_done=$(now_us)
    viewers_up || return 1
    echo "run $mode $EXISTING $BOUND_S $faulty" >&"$VIEWERS_WR"
    line=''
    read -r -t 120 -u "$VIEWERS_RD" line
    t_play=$(now_us)
    if [[ $line != ready* ]]; then
        log "$sys $fault $run: viewers not ready: ${line:-nothing in 120 s}"
        [[ $line == notready* ]] && viewers_end || viewers_down
        return 1
    fi
    if [ "$mode" = rtmp ]; then
        for p in ${line#ready }; do [ "$(dest_of_port "$p")" = "$RS_IP" ] || bad+=" $p"; done
        if [ -n "$bad" ]; then
            log "$sys $fault $run: existing viewers not on rs11 (ports$bad): $(pools_live)"
            viewers_end
            return 1
        fi
    fi
    # SETTLE_S with the viewers playing before the fault: more than videolb's dwell (a server that just came back is
    # not failed again within it, by design) and than its checker's 5 s recovery from lateness (the viewers' start is
    # the lab's own load on the emulated CPU, not the system's)
    t_checked=$(now_us)
    while (($(now_us) - t_checked < SETTLE_S * 1000000)); do nap 0.2; done
    phase=$((RANDOM * 32768 + RANDOM))
    phase=$((phase % (PHASE_MS + 1)))
    nap "$((phase / 1000)).$(printf '%03d' $((phase % 1000)))"
    inject "$fault"
    echo "go $FAULT_US" >&"$VIEWERS_WR"
    line=''
    read -r -t $((BOUND_S + 60)) -u "$VIEWERS_RD" line
    local new_ms=-1 new_port=0 new_failed=-1 ex_ms=- ex_failed=- server=-
    [[ $line =~ new_ms=(-?[0-9]+)\ new_port=([0-9]+)\ new_failed=([0-9]+)\ existing_ms=([-0-9,]+)\ existing_failed=([-0-9,]+) ]] &&
        new_ms=${BASH_REMATCH[1]} new_port=${BASH_REMATCH[2]} new_failed=${BASH_REMATCH[3]} ex_ms=${BASH_REMATCH[4]} ex_failed=${BASH_REMATCH[5]}
    [ "$mode" = rtmp ] && ((new_port > 0)) && server=$(dest_of_port "$new_port")
    [ "$mode" = hls ] && ((new_ms >= 0)) && server=not-$RS
    if [[ $line == result* ]]; then viewers_end; else log "$sys $fault $run: no result: ${line:-nothing}"; viewers_down; fi
    printf '%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\n' "$sys" "$fault" "$run" "$phase" "$new_ms" "$server" "$new_failed" "$ex_ms" "$ex_failed" >>"$OUT/runs.tsv"
    log "$sys $fault $run: phase $phase ms, new viewer $new_ms ms ($server, $new_failed failed attempts), existing $ex_ms ms (failed $ex_failed); before it: rs11 back after $(((t_back_done - t_back) / 1000)) ms, viewers playing $(((t_play - t_back_done) / 1000)) ms, checked $(((t_checked - t_play) / 1000)) ms"
    local t_rev
    t_rev=$(now_us)
    revive "$fault"
    log "$sys $fault $run: revived in $((($(now_us) - t_rev) / 1000)) ms"
}

# ---------------------------------------------------------------- loss: false failovers
netem() { # add|del
    local n
    for n in $(ls /run/netns | grep -E '^rs[0-9]+$'); do
        if [ "$1" = add ]; then
            ip netns exec "$n" tc qdisc replace dev e0 root netem delay 20ms 20ms loss random 2% || return 1
            tc qdisc replace dev "$n" root netem delay 20ms 20ms loss random 2% || return 1
        else
            ip netns exec "$n" tc qdisc del dev e0 root 2>/dev/null
            tc qdisc del dev "$n" root 2>/dev/null
        fi
    done
}
loss_run() { # SYSTEM
    local before now changes=0 false=0 end i
    # the steady state first: the last run's server back in its pool
    for ((i = 0; i < 600; i++)); do rs_alone && break; nap 0.5; done
    before=$(pools_live)
    netem add || { log "$1: tc netem failed"; netem del; return 1; }
    log "$1: $LOSS_S s with 2 % loss and 20 ms jitter on every server link; live servers $before"
    end=$(($(now_us) + LOSS_S * 1000000))
    local last=$before
    while (($(now_us) < end)); do
        now=$(pools_live)
        if [ "$now" != "$last" ]; then
            changes=$((changes + 1))
            [ "$now" != "$before" ] && false=$((false + 1))
            log "$1: IPVS changed under loss: $now"
            last=$now
        fi
        nap 0.5
    done
    netem del
    printf '%s\t%d\t%d\t%d\n' "$1" "$LOSS_S" "$false" "$changes" >>"$OUT/loss.tsv"
    log "$1: loss run: $false false failovers ($changes changes)"
}

CURRENT=''
for sys in $SYSTEMS; do
    CURRENT=$sys
    start_system "$sys" || { log "$sys: did not start"; stop_system; continue; }
    for fault in $FAULTS; do
        [ "$fault" = frozen ] && [[ $sys == keepalived-* ]] && { log "$sys frozen: not run (TCP_CHECK cannot see a playlist)"; continue; }
        n=$RUNS
        [ "$sys" = keepalived-defaults ] && n=$SLOW_RUNS
        # a TCP check cannot see these: one run shows it
        [[ $fault == hung && ($sys == keepalived-* || $sys == videolb-kaprobe) ]] && n=1
        [[ $fault == frozen && $sys == videolb-kaprobe ]] && n=1
        for ((r = 1; r <= n; r++)); do one_run "$sys" "$fault" "$r" || break; done
    done
    ((LOSS_S > 0)) && loss_run "$sys"
    stop_system
    log "$sys: stopped; IPVS live servers left: $(pools_live); steering: $(iptables -t mangle -S | grep -c -e --map-mark) rule(s)"
done
