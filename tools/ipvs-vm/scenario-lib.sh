#!/bin/bash
# scenario-lib.sh — helpers for the VM scenario scripts of the ITs (sourced INSIDE the IPVS VM:
#   . "$IPVS_VM_TOOLS/scenario-lib.sh"). Builtins wherever a loop runs: under TCG each process start
# costs 0.1-1 s. Every wait is bounded by the caller's limit.
#
#   lab ARGS...                 lab.sh (bash: no need for the exec bit)
#   fact KEY VALUE...           prints "@KEY VALUE..." (the Java test reads them with ScenarioFacts)
#   now_us / since_ms REF_US    wall clock in microseconds / milliseconds since REF_US
#   nap SECONDS                 sleep without a process (a read with timeout on a FIFO, $NAP_FIFO)
#   conn KEY CLIENT PORT [COUNT [DEST]]
#                               lab.sh connect, one fact per connection
#   until_ipvs TEXT PRESENT(1|0) LIMIT_S
#                               polls ipvsadm -Sn until a line with TEXT is there (1) or gone (0)
#   cue NAME [LIMIT_S]          asks the host test to act: writes $RUN/cue/NAME, waits (default 60 s) for
#                               $RUN/ack/NAME, whose text it leaves in $ACK ("no answer" and status 1 after the
#                               limit); RUN is the run folder the test shares with the guest
#   agent_applied_gen PORT      the generation the agent on 127.0.0.1:PORT reports applied on its /health (bash's
#                               /dev/tcp: no process start); -1 when it does not answer, -2 when it says DOWN
#   step NAME                   prints "# step NAME +MS ms (uptime S s)": MS since the script sourced this file
#                               (not a fact: where a run's time goes, in the log; docs/testing-ipvs-vm.md)

lab() { bash "$IPVS_VM_TOOLS/lab.sh" "$@"; }
fact() { echo "@$*"; }
now_us() { echo "${EPOCHREALTIME/./}"; }
since_ms() { echo $((($(now_us) - $1) / 1000)); }
STEP_T0=${EPOCHREALTIME/./}
step() { local u; read -r u _ </proc/uptime; echo "# step $1 +$(since_ms "$STEP_T0") ms (uptime $u s)"; }

NAP_FIFO=/tmp/ipvs-vm-scenario.nap
[ -p "$NAP_FIFO" ] || mkfifo "$NAP_FIFO"
exec 5<>"$NAP_FIFO"
nap() { read -r -t "$1" -u 5 _ || :; }

conn() {
    local key=$1 c=$2 p=$3 n=${4:-1} l
    while read -r l; do fact "$key" "$c" "$p" "$l"; done < <(lab connect "$c" "$p" "$n" ${5:+"$5"})
}

until_ipvs() {
    local end=$(($(now_us) + $3 * 1000000)) s
    while (($(now_us) < end)); do
        s=$(ipvsadm -Sn)
        if [ "$2" = 1 ]; then [[ $s == *"$1"* ]] && return 0; else [[ $s != *"$1"* ]] && return 0; fi
        nap 0.2
    done
    return 1
}

cue() {
    local end=$(($(now_us) + ${2:-60} * 1000000))
    echo "$1" >"$RUN/cue/$1"
    while (($(now_us) < end)); do
        if [ -f "$RUN/ack/$1" ]; then ACK=$(<"$RUN/ack/$1"); return 0; fi
        nap 0.1
    done
    ACK="no answer"
    echo "no answer from the host to cue $1" >&2
    return 1
}

agent_applied_gen() {
    local line g=-1
    { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || { echo -1; return; }
    printf 'GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
    while IFS= read -r -t 3 line <&3 || [ -n "$line" ]; do
        [[ $line =~ \"appliedGeneration\":([0-9]+) ]] && g=${BASH_REMATCH[1]}
        [[ $line =~ \"status\":\"DOWN\" ]] && g=-2
        line=
    done
    exec 3<&-
    echo "$g"
}
