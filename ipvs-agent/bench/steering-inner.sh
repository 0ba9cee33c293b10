#!/usr/bin/env bash
# Runs INSIDE the benchmark's director namespace (ip netns exec NS bash steering-inner.sh OP ...), so
# that timed commands are plain processes, as on a director (no `ip netns exec` per call).
# Prints "key value" lines; times in seconds, taken with $EPOCHREALTIME around the commands only.
#   ipset-install DIR          videolb: ipset restore < install.ipset; iptables-restore --noflush < install.iptables
#                              (time = both; ipset_time, ipt_time = each)
#   ipset-variants DIR         the same set restored under two scratch names, as rendered (hashsize sized for N) and
#                              with hashsize 1024 (the rendering before issue 11), alternately; each destroyed after
#   ipset-change DIR           videolb: ipset restore < change.ipset (the agent's in-place add -exist), verified
#   agent-read                 what the agent runs to observe the kernel before planning (not part of the change above)
#   rule-install IPT DIR LIM   original: 2 `IPT -A` processes per client + the default rule; stops (FAIL) after LIM s
#   rule-preload IPT DIR       original layout loaded with one IPT-restore (only to get the layout in place)
#   rule-change IPT DIR        original: -D old mark on both ports, -A new mark on both ports (4 processes), verified
#   rule-sample IPT K          K single `IPT -A` processes (fresh filler addresses), mean seconds per call and rules present before
set -uo pipefail
OP=$1; shift
el() { echo "$2 - $1" | bc -l | sed 's/^\./0./'; }
fail() { echo "error $*"; exit 1; }
rules_present() { "${1}-save" -t mangle 2>/dev/null | grep -c -- '^-A PREROUTING' || true; }

case $OP in
  ipset-install)
    D=$1
    t0=$EPOCHREALTIME
    ipset restore < "$D/install.ipset" || fail "ipset restore"
    tm=$EPOCHREALTIME
    iptables-restore --noflush < "$D/install.iptables" || fail "iptables-restore"
    t1=$EPOCHREALTIME
    echo "time $(el $t0 $t1)"
    echo "ipset_time $(el $t0 $tm)"
    echo "ipt_time $(el $tm $t1)"
    echo "entries $(ipset list -t videolb-clients | awk -F': ' '/Number of entries/{print $2}')"
    ;;
  ipset-variants)
    D=$1
    sed '1,/^create /s/^create videolb-clients /create vlbbench-sized /; s/^add videolb-clients /add vlbbench-sized /' "$D/install.ipset" > "$D/v-sized.ipset"
    sed 's/^create vlbbench-sized \(.*\) hashsize [0-9]* /create vlbbench-h1024 \1 hashsize 1024 /; s/^add vlbbench-sized /add vlbbench-h1024 /' "$D/v-sized.ipset" > "$D/v-h1024.ipset"
    for v in sized h1024 sized h1024; do
      t0=$EPOCHREALTIME
      ipset restore < "$D/v-$v.ipset" || fail "ipset restore ($v)"
      t1=$EPOCHREALTIME
      echo "restore_$v $(el $t0 $t1)"
      echo "hashsize_$v $(ipset list -t vlbbench-$v | awk '/^Header/{for(i=1;i<NF;i++) if($i=="hashsize") print $(i+1)}')"
      ipset destroy vlbbench-$v || fail "ipset destroy ($v)"
    done
    rm -f "$D/v-sized.ipset" "$D/v-h1024.ipset"
    ;;
  ipset-change)
    D=$1; read -r ip old new < "$D/change.meta"
    t0=$EPOCHREALTIME
    ipset restore < "$D/change.ipset" || fail "ipset restore (change)"
    t1=$EPOCHREALTIME
    echo "time $(el $t0 $t1)"
    echo "check $(ipset save videolb-clients | grep -c -- "^add videolb-clients $ip skbmark $new\$")"
    ;;
  agent-read)
    t0=$EPOCHREALTIME
    ipset list -n > /dev/null && ipset save videolb-clients > /dev/null && iptables-save -t mangle > /dev/null 2>&1 || fail "agent read"
    t1=$EPOCHREALTIME
    echo "time $(el $t0 $t1)"
    ;;
  rule-install)
    IPT=$1; D=$2; LIM=$3; n=0
    t0=$EPOCHREALTIME
    while read -r ip m; do
      "$IPT" -t mangle -A PREROUTING -s "$ip" -p tcp --dport 1935 -j MARK --set-mark "$m" || fail "$IPT -A"
      "$IPT" -t mangle -A PREROUTING -s "$ip" -p tcp --dport 8080 -j MARK --set-mark "$m" || fail "$IPT -A"
      n=$((n + 1))
      if (( n % 100 == 0 )) && [ "$(el $t0 $EPOCHREALTIME | cut -d. -f1)" -ge "$LIM" ]; then echo "time FAIL"; echo "error over ${LIM}s after $n clients"; exit 1; fi
    done < "$D/perrule.args"
    "$IPT" -t mangle -A PREROUTING -s 203.0.113.0/24 -p tcp -m multiport --dports 1935,8080 -m mark --mark 0x0 -j MARK --set-mark 0x1 || fail "$IPT -A default"
    t1=$EPOCHREALTIME
    echo "time $(el $t0 $t1)"
    echo "rules $(rules_present "$IPT")"
    ;;
  rule-preload)
    IPT=$1; D=$2
    t0=$EPOCHREALTIME
    "${IPT}-restore" < "$D/perrule.rules" || fail "${IPT}-restore"
    t1=$EPOCHREALTIME
    echo "time $(el $t0 $t1)"
    echo "rules $(rules_present "$IPT")"
    ;;
  rule-change)
    IPT=$1; D=$2; read -r ip old new < "$D/change.meta"
    t0=$EPOCHREALTIME
    for p in 1935 8080; do "$IPT" -t mangle -D PREROUTING -s "$ip" -p tcp --dport $p -j MARK --set-mark "$old" || fail "$IPT -D"; done
    for p in 1935 8080; do "$IPT" -t mangle -A PREROUTING -s "$ip" -p tcp --dport $p -j MARK --set-mark "$new" || fail "$IPT -A"; done
    t1=$EPOCHREALTIME
    echo "time $(el $t0 $t1)"
    echo "check $("${IPT}-save" -t mangle 2>/dev/null | grep -c -- "-s $ip/32 .*--set-xmark $new/0xffffffff")"
    ;;
  rule-sample)
    IPT=$1; K=$2
    r=$(rules_present "$IPT")
    t0=$EPOCHREALTIME
    for ((i = 1; i <= K && i <= 200; i++)); do
      "$IPT" -t mangle -A PREROUTING -s "198.19.250.$i" -p tcp --dport 1935 -j MARK --set-mark 0x5 || fail "$IPT -A (sample)"
    done
    t1=$EPOCHREALTIME
    echo "rules $r"
    echo "percall $(echo "($t1 - $t0) / $K" | bc -l | sed 's/^\./0./')"
    ;;
  *) fail "unknown op $OP" ;;
esac
