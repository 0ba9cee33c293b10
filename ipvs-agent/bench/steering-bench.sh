#!/usr/bin/env bash
# Steering benchmark: videolb's ipset path vs the original one-iptables-call-per-rule path, side by side,
# inside private network namespaces (never touches the host's rules). Run as root:
#   ipvs-agent/bench/steering-bench.sh [sizes...]        default sizes: 1000 10000 100000
# Per-rule install is measured at 1000 only (10k takes ~5 min, 100k hours: see netfilter-perf.md, figures labelled "extrapolated").
set -euo pipefail
SIZES=${*:-1000 10000 100000}
W=$(mktemp -d); NS=vlb-bench-$$; CL=vlb-bcl-$$
cleanup() { ip netns del $NS 2>/dev/null || true; ip netns del $CL 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT
now() { date +%s.%N; }
ms() { echo "($2 - $1) * 1000" | bc -l | xargs printf '%.1f'; }
gen() { # N -> ipset payload (videolb's rendering) and per-rule commands (original design)
  python3 - "$1" "$W" <<'PY'
import sys
n=int(sys.argv[1]); w=sys.argv[2]
with open(f"{w}/set.{n}","w") as s, open(f"{w}/rules.{n}","w") as r:
    s.write(f"create videolb-clients hash:net family inet hashsize 1024 maxelem {max(65536, 1<<(2*n-1).bit_length())} skbinfo\n")
    for i in range(n-1):
        ip=f"198.{18+(i>>16)}.{(i>>8)&255}.{i&255}"
        m=16+(i%32)
        s.write(f"add videolb-clients {ip} skbmark {hex(m)}\n")
        r.write(f"{ip} {hex(m)}\n")
    s.write("add videolb-clients 203.0.113.10 skbmark 0x42\nadd videolb-clients 203.0.113.0/24 skbmark 0x1\n")
    r.write("203.0.113.10 0x42\n")
PY
}
fresh() {
  ip netns del $NS 2>/dev/null || true; ip netns del $CL 2>/dev/null || true; sleep 1
  ip netns add $NS; ip netns add $CL
  ip link add vc$$ netns $CL type veth peer name vd$$ netns $NS
  ip -n $CL addr add 203.0.113.10/24 dev vc$$; ip -n $CL link set vc$$ up; ip -n $CL link set lo up
  ip -n $CL route add 192.0.2.0/24 via 203.0.113.1
  ip -n $NS addr add 203.0.113.1/24 dev vd$$; ip -n $NS addr add 192.0.2.10/32 dev lo
  ip -n $NS link set vd$$ up; ip -n $NS link set lo up
}
RULE="-d 192.0.2.10/32 -p tcp -m multiport --dports 1935,8080 -m set --match-set videolb-clients src -j SET --map-set videolb-clients src --map-mark"
conn_rate() { # TCP connections/s from the client namespace to VIP:1935 for 3 s
  ip netns exec $NS python3 -c '
import socket,threading
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1); s.bind(("192.0.2.10",1935)); s.listen(512)
while True:
    c,_=s.accept(); c.close()' & local srv=$!
  sleep 0.5
  ip netns exec $CL python3 -c '
import socket,time
n=0; t0=time.time()
while time.time()-t0<3:
    c=socket.create_connection(("192.0.2.10",1935),timeout=2); c.close(); n+=1
print(int(n/(time.time()-t0)))'
  kill $srv; wait $srv 2>/dev/null || true
}
printf "%-8s | %-22s | %-22s | %-18s | %-18s | %-16s\n" N "ipset install (ms)" "per-rule install (ms)" "1-client chg (ms)" "conn/s ipset" "conn/s per-rule"
for N in $SIZES; do
  gen $N
  fresh
  t0=$(now); ip netns exec $NS ipset restore < $W/set.$N
  printf '*mangle\n:VIDEOLB-STEER - [0:0]\n-A VIDEOLB-STEER %s\n-I PREROUTING 1 -j VIDEOLB-STEER\nCOMMIT\n' "$RULE" | ip netns exec $NS iptables-restore --noflush; t1=$(now)
  inst=$(ms $t0 $t1)
  t0=$(now); ip netns exec $NS ipset add videolb-clients 198.18.0.7 skbmark 0x7f -exist; t1=$(now); chg=$(ms $t0 $t1)
  ip netns exec $NS iptables -t mangle -A INPUT -m mark --mark 0x42 -j ACCEPT
  cr_set=$(conn_rate)
  marked=$(ip netns exec $NS iptables -t mangle -L INPUT -v -n -x | awk '/mark match 0x42/{print $1}')
  pr="n/a"; cr_rule="n/a"
  if [ "$N" -le 1000 ]; then
    fresh
    t0=$(now)
    while read ip m; do
      ip netns exec $NS iptables -t mangle -A PREROUTING -s $ip -p tcp --dport 1935 -j MARK --set-mark $m
      ip netns exec $NS iptables -t mangle -A PREROUTING -s $ip -p tcp --dport 8080 -j MARK --set-mark $m
    done < $W/rules.$N
    ip netns exec $NS iptables -t mangle -A PREROUTING -s 203.0.113.0/24 -p tcp -m multiport --dports 1935,8080 -m mark --mark 0x0 -j MARK --set-mark 0x1
    t1=$(now); pr=$(ms $t0 $t1)
    cr_rule=$(conn_rate)
  fi
  printf "%-8s | %-22s | %-22s | %-18s | %-18s | %-16s\n" $N "$inst" "$pr" "$chg" "$cr_set (marked $marked)" "$cr_rule"
done
