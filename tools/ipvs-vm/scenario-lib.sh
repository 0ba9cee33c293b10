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
