#!/bin/bash
# lab-guest.sh — the inside of `videolb lab up` (tools/ipvs-vm/videolb-lab.sh): runs INSIDE the IPVS VM.
#
#   lab-guest.sh RUN_DIR JAR CONFIG_DIR SAMPLE_FLV HOST_PORT VIEWERS
#
# Builds the lab with real nginx-rtmp servers (LAB_MEDIA=nginx lab.sh up), starts
# `videolb standalone --config CONFIG_DIR --agent-mode apply` on the director (the VM's root
# namespace), relays the admin page from the VM's NIC (10.0.2.15:8480, reached from the host's
# 127.0.0.1:HOST_PORT through QEMU's hostfwd) to standalone's 127.0.0.1:8480, starts VIEWERS viewers
# (lab-viewers.py: one line per viewer per second on our stdout, which the host prints), then serves
# the control channel until `down`.
#
# Control channel: RUN_DIR is a 9p share with the host. The host drops ID.cmd files (one line:
# "kill|hang|freeze|revive NAME", "cam NAME on|off", "viewers N", "status" or "down") into RUN_DIR/inbox; this loop
# takes them in name order, checks them again (lab.sh checks NAME once more), runs them and answers
# in RUN_DIR/inbox/ID.out (+ ID.rc). No command line reaches a shell: every word is matched first.
set -uo pipefail
RUN=$1 JAR=$2 CONFIG=$3 SAMPLE=$4 HOST_PORT=$5 VIEWERS=$6
. "$IPVS_VM_TOOLS/scenario-lib.sh" # lab, nap, now_us, since_ms
T0=$(now_us)
PORT=8480
say() { # progress on the host's terminal and in RUN_DIR/stage
    printf 'videolb lab: [%4d s in the VM] %s\n' $((($(now_us) - T0) / 1000000)) "$*"
    echo "$*" >"$RUN/stage.tmp" && mv "$RUN/stage.tmp" "$RUN/stage"
}
VLB_PID='' VIEW_PID='' RELAY_PID=''
finish() {
    local i
    trap - EXIT
    [ -n "$VIEW_PID" ] && kill "$VIEW_PID" 2>/dev/null
    if [ -n "$VLB_PID" ] && kill -0 "$VLB_PID" 2>/dev/null; then
        say "stopping standalone (pid $VLB_PID)"
        kill -TERM "$VLB_PID"
        for ((i = 0; i < 300; i++)); do kill -0 "$VLB_PID" 2>/dev/null || break; nap 0.1; done
        kill -9 "$VLB_PID" 2>/dev/null
    fi
    [ -n "$RELAY_PID" ] && kill "$RELAY_PID" 2>/dev/null
    lab down >/dev/null 2>&1
    rm -f "$RUN/ready"
    say "lab down: the VM powers off"
}
trap finish EXIT

say "VM booted; starting nginx-rtmp on each server (the publishers once standalone is ready)"
LAB_MEDIA=nginx LAB_PUBLISH=later LAB_SAMPLE=$SAMPLE lab up || { say "lab.sh up failed"; exit 3; }
lab status | sed -n 's/^server /  server /p'
eval "$(lab env | grep '^LAB_SERVERS=')"
echo "$LAB_SERVERS" >"$RUN/servers"

mkdir -p /tmp/vlb/state /tmp/vlb/etc/iptables
export VIDEOLB_STATE_DIR=/tmp/vlb/state VIDEOLB_IPVS_RULES=/tmp/vlb/etc/ipvsadm.rules \
    VIDEOLB_IPTABLES_RULES=/tmp/vlb/etc/iptables/rules.v4 VIDEOLB_IPSET_RULES=/tmp/vlb/etc/iptables/ipsets \
    VIDEOLB_HEALTH_LEVEL=${VIDEOLB_HEALTH_LEVEL:-HLS}
# what nginx-rtmp tells (issue 16): the stream inventory from each server's rtmp_stat page (failover gating: a backup
# stands in only with the streams its server carried), drains that hand viewers over through rtmp_control at their
# deadline, and pool 20's IPVS weights fed by its servers' viewers against a capacity of 6 each (the lab's scale),
# changed at most every 5 s
# (a literal, not ${X-default}: bash would end the expansion at the "}" of {ip})
[ -n "${VIDEOLB_HEALTH_STATS_URL+set}" ] || VIDEOLB_HEALTH_STATS_URL='http://{ip}:8080/stat'
[ -n "${VIDEOLB_HEALTH_CONTROL_URL+set}" ] || VIDEOLB_HEALTH_CONTROL_URL='http://{ip}:8080/control'
export VIDEOLB_HEALTH_STATS_URL VIDEOLB_HEALTH_CONTROL_URL \
    VIDEOLB_AGENT_POOL_20_LOAD_WEIGHTS=${VIDEOLB_AGENT_POOL_20_LOAD_WEIGHTS-viewers} \
    VIDEOLB_AGENT_POOL_20_CAPACITY=${VIDEOLB_AGENT_POOL_20_CAPACITY-6} \
    VIDEOLB_LOAD_WEIGHT_MIN_INTERVAL_S=${VIDEOLB_LOAD_WEIGHT_MIN_INTERVAL_S-5}
# the lab's scale: a recovered server takes its viewers back after 10 s (hold-down) and its backup drains for at
# most 60 s (the defaults are 30 s and 300 s)
export VIDEOLB_HOLD_DOWN_S=${VIDEOLB_HOLD_DOWN_S-10} VIDEOLB_DRAIN_TIMEOUT_S=${VIDEOLB_DRAIN_TIMEOUT_S-60}
# An emulated CPU (qemu's TCG, where the host has no KVM) runs standalone's JVM 10-20 times slower: on this project's
# 2-core machine it took 1-1.5 of the VM's two emulated CPUs beside seven nginx-rtmp servers, its checker's loop ran
# up to 6 s late, so the checker reported itself degraded and the agent held every DOWN (as designed: a starved
# checker's verdicts are not acted on), and no rtmp_stat page came back within the default 1.5 s. There the lab probes
# every 3 s with a 2.5 s timeout and calls the checker starved only 8 s late; with KVM (a laptop) the defaults stay.
# The late-probe rule still keeps a failure that completes far past its timeout from counting (docs/lab.md).
if grep -q -m1 -E '^model name.*QEMU' /proc/cpuinfo; then
    export VIDEOLB_HEALTH_INTERVAL_MS=${VIDEOLB_HEALTH_INTERVAL_MS-3000} \
        VIDEOLB_HEALTH_TIMEOUT_MS=${VIDEOLB_HEALTH_TIMEOUT_MS-2500} \
        VIDEOLB_HEALTH_LAG_THRESHOLD_MS=${VIDEOLB_HEALTH_LAG_THRESHOLD_MS-8000}
    say "emulated CPU (no KVM): health probes every ${VIDEOLB_HEALTH_INTERVAL_MS} ms with a ${VIDEOLB_HEALTH_TIMEOUT_MS} ms timeout, checker starved only ${VIDEOLB_HEALTH_LAG_THRESHOLD_MS} ms late (defaults 2000, 1500, 250)"
fi
say "starting videolb standalone --config ${CONFIG##*/}/ --agent-mode apply (the JVM takes minutes under emulation)"
java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -jar "$JAR" standalone --config "$CONFIG" \
    --data-dir /tmp/vlb/data --http-port "$PORT" --agent-mode apply >"$RUN/standalone.out" 2>"$RUN/standalone.err" </dev/null &
VLB_PID=$!
ready=''
for ((i = 0; i < 1800; i++)); do # up to 15 min
    kill -0 "$VLB_PID" 2>/dev/null || break
    if IFS= read -r l 2>/dev/null <"$RUN/standalone.out" && [[ $l == "videolb standalone ready ("* ]]; then ready=$l; break; fi
    [ -e "$RUN/inbox/down" ] && break
    nap 0.5
done
if [ -z "$ready" ]; then
    [ -e "$RUN/inbox/down" ] && { say "down asked while standalone was starting"; exit 0; }
    say "standalone did not become ready; its last lines:"
    tail -n 20 "$RUN/standalone.err"
    exit 3
fi
say "$ready"
say "starting an ffmpeg publisher on each server"
LAB_SAMPLE=$SAMPLE lab publish || say "lab.sh publish failed: the servers without a publisher stay DOWN (no live playlist)"
[ -f /tmp/vlb/data/admin-token ] && cp /tmp/vlb/data/admin-token "$RUN/admin-token"
socat TCP-LISTEN:$PORT,bind=10.0.2.15,fork,reuseaddr TCP:127.0.0.1:$PORT </dev/null >/dev/null 2>&1 &
RELAY_PID=$!
for ((i = 0; i < 120; i++)); do [[ $(ipvsadm -Sn) == *"-a -f "* ]] && break; [ -e "$RUN/inbox/down" ] && exit 0; nap 0.5; done
say "IPVS as the agent applied it:"
ipvsadm -Ln | sed 's/^/  /'
echo "$VIEWERS" >"$RUN/viewers.n"
python3 -u "$IPVS_VM_TOOLS/lab-viewers.py" "$RUN/viewers.n" "$RUN/viewers.log" &
VIEW_PID=$!
touch "$RUN/ready"
say "ready: admin page http://127.0.0.1:$HOST_PORT/ on the host; $VIEWERS viewers (videolb lab viewers N); videolb lab kill|hang|freeze|revive SERVER; videolb lab cam SERVER on|off; videolb lab down"

# mails: the newest alert mails standalone wrote (its mail folder is in the VM): file and subject, and the incidents
# of the newest one (its body is base64: MimeText, so no body line can ever pass for a header)
mails() {
    local m last=''
    echo "alert mails (newest last):"
    for m in $(ls /tmp/vlb/data/alert-mail/*.eml 2>/dev/null | tail -n 5); do
        echo "  ${m##*/}: $(grep -m1 -i '^Subject:' "$m" | tr -d '\r')"
        last=$m
    done
    [ -n "$last" ] && tr -d '\r' <"$last" | sed '1,/^$/d' | base64 -d -i 2>/dev/null | grep -E '^(== |\* )' | head -n 12 | sed 's/^/    /'
}

# ---------------------------------------------------------------- the control loop
answer() { # ID RC TEXT
    printf '%s\n' "$3" >"$RUN/inbox/$1.out.tmp"
    mv "$RUN/inbox/$1.out.tmp" "$RUN/inbox/$1.out"
    echo "$2" >"$RUN/inbox/$1.rc.tmp" && mv "$RUN/inbox/$1.rc.tmp" "$RUN/inbox/$1.rc"
}
while :; do
    for f in "$RUN"/inbox/*.cmd; do
        [ -f "$f" ] || continue
        id=${f##*/}
        id=${id%.cmd}
        IFS= read -r -n 200 line <"$f" || [ -n "$line" ]
        rm -f "$f"
        [[ $id =~ ^[0-9]{1,25}$ ]] || continue
        read -r -a w <<<"$line"
        case "${w[0]:-}:${#w[@]}" in
            kill:2 | hang:2 | freeze:2 | revive:2)
                if [[ ${w[1]} =~ ^(rs[0-9]{1,3}|192\.0\.2\.[0-9]{1,3})$ ]]; then
                    out=$(lab "${w[0]}-server" "${w[1]}" 2>&1)
                    rc=$?
                    say "${w[0]} ${w[1]}: $out"
                    answer "$id" "$rc" "$out"
                else
                    answer "$id" 2 "not a lab server: ${w[1]}"
                fi ;;
            cam:3)
                if [[ ${w[1]} =~ ^(rs[0-9]{1,3}|192\.0\.2\.[0-9]{1,3})$ && ${w[2]} =~ ^(on|off)$ ]]; then
                    out=$(lab cam "${w[1]}" "${w[2]}" 2>&1)
                    rc=$?
                    say "cam ${w[1]} ${w[2]}: $out"
                    answer "$id" "$rc" "$out"
                else
                    answer "$id" 2 "cam: a lab server and on|off: ${w[1]} ${w[2]}"
                fi ;;
            viewers:2)
                if [[ ${w[1]} =~ ^[0-9]{1,2}$ ]] && ((10#${w[1]} <= 16)); then
                    echo "$((10#${w[1]}))" >"$RUN/viewers.n"
                    say "viewers: $((10#${w[1]}))"
                    answer "$id" 0 "viewers $((10#${w[1]}))"
                else
                    answer "$id" 2 "viewers: a number 0..16: ${w[1]}"
                fi ;;
            status:1)
                answer "$id" 0 "$(lab status 2>&1; echo; ipvsadm -Ln 2>&1; echo; tail -n "$(cat "$RUN/viewers.n")" "$RUN/viewers.log" 2>/dev/null; echo; mails; echo; echo "the VM's CPU (emulated: slow):"; top -b -n 1 -w 120 2>/dev/null | head -n 16)" ;;
            down:1)
                answer "$id" 0 "going down"
                exit 0 ;;
            *) answer "$id" 2 "unknown command: ${line:0:60}" ;;
        esac
    done
    kill -0 "$VLB_PID" 2>/dev/null || { say "standalone exited; its last lines:"; tail -n 20 "$RUN/standalone.err"; exit 1; }
    # `videolb lab down` typed while the lab was still starting (no channel yet): it left this file
    [ -e "$RUN/inbox/down" ] && { say "down asked"; exit 0; }
    nap 0.3
done
