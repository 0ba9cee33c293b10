#!/bin/bash
# lab-tour.sh — `videolb lab` driven through the scenes docs/lab.md shows, as an operator would type them, with
# every answer kept: the transcript and figures of docs/lab.md come from one run of this script.
#
#   tools/ipvs-vm/lab-tour.sh OUT_DIR
#
# Runs on the host as root (the lab boots the IPVS VM). OUT_DIR gets: up.log (everything `videolb lab up`
# printed: progress, the viewers' lines), events.log (host time of each step, HH:MM:SS.mmm UTC), status-*.txt
# (`videolb lab status`), cli-*.txt (the operator's CLI against the forwarded admin API), page-*.png (the admin
# page in headless chromium). Scenes (defaults of the lab: hold-down 10 s, drain timeout 60 s; lab-guest.sh):
#   1. failover: nginx on rs11 killed -> its viewer moves to the backup rs21; revived -> failback with drain
#   2. load-fed weights: RTMP viewers added to pool 20 -> the weights of rs12/rs13 follow their viewers
#   3. failover gating: rs11 publishes a second camera, rs21 not -> rs11 killed: rs21 refused and mailed;
#      rs21 gets the camera -> it stands in
#   4. a drain that hands viewers over: `videolb server drain` with a 40 s deadline -> at the deadline the
#      server's RTMP subscribers are dropped through rtmp_control and reconnect to the other server
# Every wait is bounded; the lab is taken down at the end and on any exit (Ctrl-C included).
set -uo pipefail
OUT=${1:?usage: lab-tour.sh OUT_DIR}
SCENES=${LAB_TOUR_SCENES:-1 2 3 4} # a subset, e.g. LAB_TOUR_SCENES=3
scene() { [[ " $SCENES " == *" $1 "* ]]; }
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$HERE/../.." && pwd -P)
mkdir -p "$OUT" || exit 2
OUT=$(cd "$OUT" && pwd -P)
export VIDEOLB_LAB_DIR=${VIDEOLB_LAB_DIR:-$OUT/lab} VIDEOLB_LAB_PORT=${VIDEOLB_LAB_PORT:-8480} VIDEOLB_LAB_HOURS=${VIDEOLB_LAB_HOURS:-2}
export VIDEOLB_API=http://127.0.0.1:$VIDEOLB_LAB_PORT VIDEOLB_TOKEN_FILE=$VIDEOLB_LAB_DIR/admin-token
LAB=("$HERE/videolb-lab.sh")
VLB=("$ROOT/videolb")
UP_PID=

ev() { echo "$(date -u +%H:%M:%S.%3N) $*" | tee -a "$OUT/events.log"; }
lab() { "${LAB[@]}" "$@" 2>&1 | tee -a "$OUT/events.log"; }
cli() { # NAME ARGS...: the operator's CLI, answer kept in cli-NAME.txt
    local n=$1
    shift
    ev "videolb $*"
    timeout 120 "${VLB[@]}" "$@" >"$OUT/cli-$n.txt" 2>&1
    echo "  rc $? -> cli-$n.txt" | tee -a "$OUT/events.log"
}
snap() { ev "status snapshot $1"; timeout 150 "${LAB[@]}" status >"$OUT/status-$1.txt" 2>&1; }
shot() { ev "page screenshot $1"; timeout 120 python3 "$HERE/page-shot.py" "$VIDEOLB_API/" "$VIDEOLB_TOKEN_FILE" "$OUT/page-$1.png" 8 2>&1 | tee -a "$OUT/events.log"; }
# viewer_on V SERVERS LIMIT_S: until the newest line of viewer V in up.log says "on S" (S matching the regex SERVERS,
# e.g. rs21 or 'rs13|rs22') with frames/segments growing (+N with N > 0); prints the line
viewer_on() {
    local end=$((SECONDS + $3)) l
    while ((SECONDS < end)); do
        l=$(grep -a -E "^[0-9:]{8} $1 " "$OUT/up.log" | tail -n 1)
        [[ $l =~ \ on\ ($2)\  && $l =~ \(\+([1-9][0-9]*)\) ]] && { echo "$l"; return 0; }
        sleep 0.5
    done
    echo "timeout: $l"
    return 1
}
finish() {
    trap - EXIT INT TERM
    if [ -n "$UP_PID" ] && kill -0 "$UP_PID" 2>/dev/null; then
        ev "videolb lab down"
        timeout 200 "${LAB[@]}" down 2>&1 | tee -a "$OUT/events.log"
        local i
        for ((i = 0; i < 300; i++)); do kill -0 "$UP_PID" 2>/dev/null || break; sleep 0.5; done
        kill -TERM "$UP_PID" 2>/dev/null
    fi
    ev "tour ended"
}
trap finish EXIT
trap 'exit 130' INT TERM

: >"$OUT/events.log"
echo $$ >"$OUT/tour.pid"
ev "videolb lab up 3"
"${LAB[@]}" up 3 >"$OUT/up.log" 2>&1 &
UP_PID=$!
for ((i = 0; i < 2400; i++)); do # 40 min: a VM boot and standalone's start under emulation
    [ -e "$VIDEOLB_LAB_DIR/ready" ] && break
    kill -0 "$UP_PID" 2>/dev/null || { ev "videolb lab up ended before ready"; tail -n 30 "$OUT/up.log"; exit 1; }
    sleep 1
done
[ -e "$VIDEOLB_LAB_DIR/ready" ] || { ev "not ready after 40 min"; exit 1; }
ev "ready"
ev "admin page through the forward: $(curl -s -m 60 -o /dev/null -w "%{http_code} in %{time_total} s" "$VIDEOLB_API/health")"
viewer_on v1 rs11 120 | tee -a "$OUT/events.log"
sleep 20
snap 1-ready
shot 1-ready
cli status-1 status

# ---------------------------------------------------------------- 1. failover and failback with drain
if scene 1; then
    ev "scene 1: kill rs11"
    lab kill rs11
    viewer_on v1 rs21 90 | sed 's/^/  v1 on the backup: /' | tee -a "$OUT/events.log"
    snap 2-failover
    sleep 5
    ev "revive rs11"
    lab revive rs11
    viewer_on v1 rs11 180 | sed 's/^/  v1 back on rs11: /' | tee -a "$OUT/events.log"
    snap 3-failback
fi

# ---------------------------------------------------------------- 2. load-fed weights in pool 20
if scene 2; then
    ev "scene 2: RTMP viewers 5, 7, 9, 11 (203.0.113.101, .103, .105, .107) into pool 20, then 12 viewers"
    for c in 101 103 105 107; do cli "move-$c" client set "203.0.113.$c" 20; done
    # samples FIRST LAST: the kernel's weights and the viewers (videolb lab status) and the agent's load-fed weights
    # (videolb status) into weights.txt, one block per sample, about 5 s apart
    samples() {
        local k
        for ((k = $1; k <= $2; k++)); do
            ev "weights sample $k"
            timeout 60 "${LAB[@]}" status 2>&1 | grep -E 'FWM|->|rtmp' >>"$OUT/weights.txt"
            timeout 60 "${VLB[@]}" status 2>&1 | grep -i -E 'weight|load' >>"$OUT/weights.txt"
            echo "-- sample $k $(date -u +%T)" >>"$OUT/weights.txt"
            sleep 5
        done
    }
    lab viewers 12
    samples 1 12
    ev "down to 3 viewers"
    lab viewers 3
    samples 13 18
fi

# ---------------------------------------------------------------- 3. failover gating
if scene 3; then
    ev "scene 3: a second camera on rs11 only"
    lab cam rs11 on
    sleep 20
    ev "kill rs11 (its backup rs21 lacks live/cam)"
    lab kill rs11
    sleep 20
    snap 4-refused
    cli status-refused status
    cli explain-refused explain 203.0.113.21
    ev "rs21 gets the camera"
    lab cam rs21 on
    viewer_on v1 rs21 90 | sed 's/^/  v1 on the backup: /' | tee -a "$OUT/events.log"
    snap 5-gated-in
    ev "revive rs11; cameras off"
    lab revive rs11
    lab cam rs11 off
    lab cam rs21 off
    viewer_on v1 rs11 180 | sed 's/^/  v1 back on rs11: /' | tee -a "$OUT/events.log"
fi

# ---------------------------------------------------------------- 4. a drain that hands viewers over
if scene 4; then
    ev "scene 4: 6 viewers; drain the pool-20 server v3 (203.0.113.23, RTMP) is on, deadline 40 s"
    lab viewers 6
    sleep 15
    v3=$(grep -a -E '^[0-9:]{8} v3 ' "$OUT/up.log" | tail -n 1)
    ev "v3 before: $v3"
    if [[ $v3 =~ \ on\ rs(1[23])\  ]]; then
        drained=${BASH_REMATCH[1]} other=$((BASH_REMATCH[1] == 12 ? 13 : 12))
        cli drain server drain "192.0.2.$drained" --deadline 40s
        snap 6-draining
        # the other server of the pool, or the drained server's backup standing in for it (rs22)
        viewer_on v3 "rs$other|rs22" 120 | sed 's/^/  v3 elsewhere: /' | tee -a "$OUT/events.log"
        snap 7-handed-over
        cli enable server enable "192.0.2.$drained"
    else
        ev "v3 is not on rs12/rs13: scene 4 skipped"
    fi
fi

sleep 10
shot 2-end
snap 8-end
