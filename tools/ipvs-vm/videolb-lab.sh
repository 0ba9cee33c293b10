#!/bin/bash
# videolb-lab.sh — `videolb lab ...`: a real video lab on a laptop (the `videolb` launcher runs this).
#
#   videolb lab up [VIEWERS]      boot the IPVS VM (qemu; ~1 min under emulation, then standalone's
#                                 start: minutes), build the example cluster (examples/) with real
#                                 nginx-rtmp + ffmpeg servers, start standalone with the agent applying,
#                                 start VIEWERS viewers (default 3), forward the admin page to
#                                 http://127.0.0.1:$VIDEOLB_LAB_PORT/ and print one line per viewer per
#                                 second. Runs in the foreground: Ctrl-C (or `videolb lab down` from
#                                 another terminal) stops everything.
#   videolb lab down              stop the lab: the VM powers off; nothing is left running
#   videolb lab status            servers, IPVS, the viewers' last lines
#   videolb lab kill SERVER       nginx SIGKILLed (RST)        SERVER: rs11 or 192.0.2.11, a lab server
#   videolb lab hang SERVER       nginx SIGSTOPped (port open, app dead)
#   videolb lab freeze SERVER     its publisher SIGSTOPped (playlist stuck behind HTTP 200)
#   videolb lab revive SERVER     back to normal
#   videolb lab cam SERVER on|off a second camera (live/cam) published on SERVER, or stopped: a backup
#                                 without it is refused for a server that carried it (failover gating)
#   videolb lab viewers N         0..16 viewers (odd: RTMP players, even: HLS fetchers)
#
# The admin API is the operator's as usual, through the forward: VIDEOLB_API=http://127.0.0.1:$VIDEOLB_LAB_PORT
# VIDEOLB_TOKEN_FILE=$VIDEOLB_LAB_DIR/admin-token ./videolb client set|server drain|explain ... (docs/lab.md).
#
# Environment: VIDEOLB_LAB_DIR (state shared with the VM, default ${XDG_RUNTIME_DIR:-~/.cache}/videolb-lab),
# VIDEOLB_LAB_PORT (host port of the admin page, default 8480), VIDEOLB_LAB_HOURS (the VM is stopped
# after this many hours, default 4), and the harness's IPVS_VM_* (tools/ipvs-vm/run-in-ipvs-vm.sh).
# The VM run takes the harness's lock: one VM at a time on this machine.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$HERE/../.." && pwd -P)
RUN=${VIDEOLB_LAB_DIR:-${XDG_RUNTIME_DIR:-${HOME:-/root}/.cache}/videolb-lab}
PORT=${VIDEOLB_LAB_PORT:-8480}
HOURS=${VIDEOLB_LAB_HOURS:-4}
SERVERS_DEFAULT="192.0.2.11 192.0.2.12 192.0.2.13 192.0.2.14 192.0.2.21 192.0.2.22 192.0.2.24"

die() { echo "videolb lab: $*" >&2; exit 2; }
say() { echo "videolb lab: $*"; }
usage() { sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
vm_pid() { # the run-in-ipvs-vm.sh of a running lab, else empty
    local p
    p=$(cat "$RUN/vm.pid" 2>/dev/null) || return 0
    [[ $p =~ ^[0-9]+$ ]] && kill -0 "$p" 2>/dev/null && echo "$p"
    return 0
}

# server NAME|IP -> rsN when it is one of the lab's servers (the list the VM wrote, else the example's)
server_name() {
    local a=$1 known s n
    known=$(cat "$RUN/servers" 2>/dev/null) || known=$SERVERS_DEFAULT
    [ -n "$known" ] || known=$SERVERS_DEFAULT
    if [[ $a =~ ^rs([0-9]{1,3})$ ]]; then n=${BASH_REMATCH[1]}
    elif [[ $a =~ ^192\.0\.2\.([0-9]{1,3})$ ]]; then n=${BASH_REMATCH[1]}
    else return 1; fi
    for s in $known; do [ "$s" = "192.0.2.$((10#$n))" ] && { echo "rs$((10#$n))"; return 0; }; done
    return 1
}

# send LINE: one command through the control channel; prints the answer, returns its exit code
send() {
    local id tmp i rc
    [ -n "$(vm_pid)" ] || die "the lab is not up (videolb lab up)"
    [ -e "$RUN/ready" ] || die "the lab is still starting (stage: $(cat "$RUN/stage" 2>/dev/null || echo booting))"
    id=$(date +%s%N)
    tmp=$RUN/inbox/.$id.tmp
    printf '%s\n' "$1" >"$tmp" && mv "$tmp" "$RUN/inbox/$id.cmd" || die "cannot write to $RUN/inbox"
    local end=$((SECONDS + 120)) # a revive restarts nginx under emulation; a starved VM answers late
    while ((SECONDS < end)); do
        if [ -f "$RUN/inbox/$id.rc" ]; then
            cat "$RUN/inbox/$id.out"
            rc=$(cat "$RUN/inbox/$id.rc")
            rm -f "$RUN/inbox/$id.out" "$RUN/inbox/$id.rc"
            return "$rc"
        fi
        [ -n "$(vm_pid)" ] || die "the lab went down"
        sleep 0.1
    done
    rm -f "$RUN/inbox/$id.cmd"
    die "no answer from the VM in 120 s"
}

cmd_up() {
    local viewers=${1:-3} jar sample cache pid t0 rc ticker=''
    [[ $viewers =~ ^[0-9]{1,2}$ ]] && ((10#$viewers <= 16)) || die "up [VIEWERS]: a number 0..16: $viewers"
    [[ $PORT =~ ^[0-9]{1,5}$ ]] && ((PORT >= 1024 && PORT <= 65535)) || die "VIDEOLB_LAB_PORT must be 1024..65535: $PORT"
    [[ $HOURS =~ ^[0-9]{1,3}$ ]] && ((HOURS >= 1)) || die "VIDEOLB_LAB_HOURS must be a whole number >= 1: $HOURS"
    [ -z "$(vm_pid)" ] || die "a lab is already up (pid $(vm_pid)); videolb lab down first"
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && die "127.0.0.1:$PORT is taken (set VIDEOLB_LAB_PORT)"
    local m
    for m in nginx ffmpeg qemu-system-x86_64 socat; do command -v "$m" >/dev/null || die "needs $m (scripts/install-prereqs.sh)"; done
    [ -f /usr/lib/nginx/modules/ngx_rtmp_module.so ] || die "needs libnginx-mod-rtmp"
    jar=$ROOT/videolb-app/target/videolb.jar
    [ -f "$jar" ] || die "no $jar (the videolb launcher builds it)"
    # the publishers copy a sample (no encoding in the VM): made once, on the host
    cache=${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/videolb-lab
    sample=$cache/sample-320x240-5fps-video.flv
    if [ ! -s "$sample" ]; then
        say "making the test stream once: $sample (20 s, 320x240 5 fps H.264, no audio: each packet costs the emulated CPU, seven publishers and their nginx share it with standalone)"
        mkdir -p "$cache"
        ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i testsrc=size=320x240:rate=5 \
            -t 20 -an -c:v libx264 -preset ultrafast \
            -g 10 -keyint_min 10 -sc_threshold 0 -b:v 100k -pix_fmt yuv420p \
            -f flv "$sample.tmp" && mv "$sample.tmp" "$sample" || die "ffmpeg could not make $sample"
    fi
    rm -rf "$RUN"
    mkdir -p "$RUN/inbox" || die "cannot create $RUN"
    echo "booting the VM" >"$RUN/stage"
    t0=$SECONDS
    say "booting the IPVS VM (qemu; about a minute under emulation, then standalone's start takes minutes)"
    (
        cd "$RUN" || exit 125
        # two emulated vCPUs: standalone's JVM (broker + four services) beside seven nginx, their publishers and
        # the viewers; with one, standalone took 127 s to its ready line on a quiet host (decision 119 measured the
        # same JVM's scenario at 228 s with two against 511 s with one)
        export IPVS_VM_MEM=${IPVS_VM_MEM:-2048} IPVS_VM_CPUS=${IPVS_VM_CPUS:-2} IPVS_VM_TIMEOUT=$((HOURS * 3600)) IPVS_VM_HOSTFWD="$PORT=8480" \
            IPVS_VM_LOCK_WAIT=${IPVS_VM_LOCK_WAIT:-1800}
        exec "$HERE/run-in-ipvs-vm.sh" bash "$HERE/lab-guest.sh" "$RUN" "$jar" "$ROOT/examples" "$sample" "$PORT" "$viewers"
    ) &
    pid=$!
    echo "$pid" >"$RUN/vm.pid"
    stop() { # Ctrl-C / TERM: the harness kills qemu on its way out
        trap - INT TERM
        [ -n "$ticker" ] && kill "$ticker" 2>/dev/null
        say "stopping (pid $pid)"
        kill -TERM "$pid" 2>/dev/null
        end=$((SECONDS + 15))
        while ((SECONDS < end)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$pid" 2>/dev/null
        rm -f "$RUN/vm.pid" "$RUN/ready"
        say "down"
        exit 130
    }
    trap stop INT TERM
    (   # progress while nothing else is printed: boot and the JVM's start are slow under emulation
        trap - INT TERM
        for ((i = 0; i < 360; i++)); do
            sleep 10
            [ -e "$RUN/ready" ] && exit 0
            kill -0 "$pid" 2>/dev/null || exit 0
            say "$((SECONDS - t0)) s: $(cat "$RUN/stage" 2>/dev/null) ..."
        done
    ) &
    ticker=$!
    wait "$pid"
    rc=$?
    kill "$ticker" 2>/dev/null
    rm -f "$RUN/vm.pid" "$RUN/ready"
    say "down after $((SECONDS - t0)) s (VM exit $rc)"
    [ "$rc" = 0 ]
}

cmd_down() {
    local pid end
    pid=$(vm_pid)
    [ -n "$pid" ] || { say "the lab is not up"; rm -f "$RUN/vm.pid" "$RUN/ready"; return 0; }
    touch "$RUN/inbox/down" # also ends a start that is still waiting for standalone
    [ -e "$RUN/ready" ] && send down >/dev/null 2>&1
    local end=$((SECONDS + 90)) # bounded in time: on a loaded machine 900 x sleep 0.1 took 175 s
    while ((SECONDS < end)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
        say "the VM did not stop in 90 s: stopping it (pid $pid)"
        kill -TERM "$pid" 2>/dev/null
        end=$((SECONDS + 15))
        while ((SECONDS < end)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$pid" 2>/dev/null
    fi
    rm -f "$RUN/vm.pid" "$RUN/ready"
    say "down"
}

sub=${1:-}
[ $# -gt 0 ] && shift
case $sub in
    up) [ $# -le 1 ] || die "usage: videolb lab up [VIEWERS]"; cmd_up "$@" ;;
    down) [ $# = 0 ] || die "usage: videolb lab down"; cmd_down ;;
    status) [ $# = 0 ] || die "usage: videolb lab status"; send status ;;
    kill | hang | freeze | revive)
        [ $# = 1 ] || die "usage: videolb lab $sub SERVER (rs11 or 192.0.2.11)"
        name=$(server_name "$1") || die "not a lab server: '$1' (one of: $(cat "$RUN/servers" 2>/dev/null || echo "$SERVERS_DEFAULT"), or rs11..)"
        send "$sub $name" ;;
    cam)
        [ $# = 2 ] || die "usage: videolb lab cam SERVER on|off"
        name=$(server_name "$1") || die "not a lab server: '$1' (one of: $(cat "$RUN/servers" 2>/dev/null || echo "$SERVERS_DEFAULT"), or rs11..)"
        [[ $2 =~ ^(on|off)$ ]] || die "cam: on or off: '$2'"
        send "cam $name $2" ;;
    viewers)
        [ $# = 1 ] || die "usage: videolb lab viewers N (0..16)"
        [[ $1 =~ ^[0-9]{1,2}$ ]] && ((10#$1 <= 16)) || die "viewers: a number 0..16: '$1'"
        send "viewers $((10#$1))" ;;
    -h | --help | help) usage ;;
    *) [ -n "$sub" ] && echo "videolb lab: unknown command: $sub" >&2; usage ;;
esac
