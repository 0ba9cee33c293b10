#!/bin/bash
# Runs INSIDE the IPVS VM for IpvsLabIT (the template for later VM tests):
#   ipvs-lab-it.sh RUN_DIR
# RUN_DIR (written by the test on the host, shared read-write) holds the
# payloads: steering.ipset (ipset restore), steering.iptables
# (iptables-restore --noflush) and services.ipvs (ipvsadm -R).
# Prints facts as "@key value..." lines; the Java test asserts on them. Exits
# non-zero only when the setup itself failed.
set -uo pipefail
RUN=$1
. "$IPVS_VM_TOOLS/scenario-lib.sh" # lab, fact, now_us, since_ms, nap, conn, until_ipvs
VIP=198.51.100.10
t0=${EPOCHREALTIME/./}
ms() { echo $(((${EPOCHREALTIME/./} - t0) / 1000)); }
setup_fail() { echo "setup failed: $*" >&2; lab down >/dev/null 2>&1; exit 3; }

fact timing boot-to-script-ms "$(awk '{printf "%d", $1 * 1000}' /proc/uptime)"
lab up || setup_fail "lab.sh up"
fact timing lab-up-ms "$(ms)"

# ---- director: IPVS sysctls, steering, services (the agent's job, by hand here) ----
modprobe ip_vs || setup_fail "modprobe ip_vs"
echo 1 >/proc/sys/net/ipv4/vs/expire_nodest_conn
echo 1 >/proc/sys/net/ipv4/vs/expire_quiescent_template
ipset restore <"$RUN/steering.ipset" && fact applied ipset ok || setup_fail "ipset restore"
iptables-restore --noflush <"$RUN/steering.iptables" && fact applied iptables ok || setup_fail "iptables-restore"
ipvsadm -R <"$RUN/services.ipvs" && fact applied ipvs ok || setup_fail "ipvsadm -R"
fact rules-in-chain "$(iptables -t mangle -S VIDEOLB-STEER | grep -c '^-A')"
fact timing applied-ms "$(ms)"

# ---- traffic through the VIP ----
conn conn 203.0.113.21 1935 2
conn conn 203.0.113.21 8080 1
conn conn 203.0.113.22 1935 2
conn conn 203.0.113.22 8080 1
conn conn 203.0.113.23 1935 1
conn conn 203.0.113.23 8080 1
conn conn 203.0.113.99 1935 1
conn conn 203.0.113.99 8080 1
fact timing traffic-ms "$(ms)"

# ---- DR proof: the director only saw the inbound half ----
# IPVS counters are published by a 2 s estimator timer: wait for them (<= 10 s).
for ((i = 0; i < 20; i++)); do
    ipvsadm -Ln --stats | awk '$1=="FWM" && $4==0 {z=1} END {exit !z}' || break
    sleep 0.5
done
while read -r fwm id conns inpkts outpkts _; do
    [ "$fwm" = FWM ] && fact stats "$id" "$conns" "$inpkts" "$outpkts"
done < <(ipvsadm -Ln --stats)
while read -r c n; do fact counter "$c" "$n"; done < <(lab counters)

# ---- the mark is only for the VIP's ports 1935/8080 ----
conn other-port 203.0.113.21 9999

# ---- ipvsadm -Sn round trip ----
saved=$(ipvsadm -Sn)
while read -r l; do fact save "$l"; done <<<"$saved"
ipvsadm -C
echo "$saved" | ipvsadm -R
if [ "$(ipvsadm -Sn)" = "$saved" ]; then fact roundtrip same; else fact roundtrip different; ipvsadm -Sn; fi

# ---- failover by hand: rs11 dies, its backup rs21 replaces it ----
lab kill-server rs11 >/dev/null || setup_fail "kill-server"
conn after-kill 203.0.113.21 1935
ipvsadm -a -f 10 -r 192.0.2.21:0 -g -w 1 && ipvsadm -d -f 10 -r 192.0.2.11:0 || setup_fail "swap"
conn after-swap 203.0.113.21 1935
lab revive-server rs11 >/dev/null || setup_fail "revive-server"
conn revived-direct 203.0.113.21 1935 1 192.0.2.11

lab down >/dev/null
fact timing total-ms "$(ms)"
