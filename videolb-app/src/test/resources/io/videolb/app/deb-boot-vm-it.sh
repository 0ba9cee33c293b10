#!/bin/bash
# Runs INSIDE the VM's systemd mode (a clean Debian 12 disk, systemd as PID 1) for DebianPackageBootVmIT:
#   deb-boot-vm-it.sh first RUN_DIR    boot 1 (the command unit): install the .deb with dpkg, settings,
#                                      enable the units, the agent applies the examples' desired state
#                                      (host broker through IPVS_VM_FWD), reboot files written; reboot
#   deb-boot-vm-it.sh second RUN_DIR   boot 2 (the command unit, after multi-user.target): what the units
#                                      did at boot, in which order, traffic during the agent's start
#   deb-boot-vm-it.sh lab-unit RUN_DIR   boot 2, as videolb-vmit-lab.service (after videolb-restore,
#                                      before videolb-agent): the lab's network (the director's LAN,
#                                      as a real director's interfaces config), the kernel as restored
#   deb-boot-vm-it.sh traffic-unit RUN_DIR  boot 2, as videolb-vmit-traffic.service (before the agent):
#                                      one VIP connection after the other until told to stop (bounded)
# RUN_DIR (host, shared read-write) holds videolb.deb and videolb.properties. Prints "@key value" facts;
# the Java test asserts on them. Exits non-zero only when the setup itself failed.
set -uo pipefail
MODE=$1
RUN=$2
. "$IPVS_VM_TOOLS/scenario-lib.sh" # lab, fact, now_us, since_ms, nap, conn, until_ipvs
STATE=/var/lib/videolb-vmit # on the disk: survives the reboot
mkdir -p "$STATE"
mono_ms() { awk '{printf "%d", $1 * 1000}' /proc/uptime; }
setup_fail() { echo "setup failed: $*" >&2; exit 3; }

# applied generation from the agent's /health; -1 when not answering
applied_gen() {
    local line g=-1
    { exec 3<>/dev/tcp/127.0.0.1/9102; } 2>/dev/null || { echo -1; return; }
    printf 'GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
    while IFS= read -r -t 3 line <&3 || [ -n "$line" ]; do
        [[ $line =~ \"appliedGeneration\":([0-9]+) ]] && g=${BASH_REMATCH[1]}
        line=
    done
    exec 3<&-
    echo "$g"
}
wait_gen() { # G LIMIT_S
    local end=$(($(now_us) + $2 * 1000000)) a=-1
    while (($(now_us) < end)); do
        a=$(applied_gen)
        [ "$a" = "$1" ] && return 0
        nap 0.5
    done
    echo "generation $1 not applied within $2 s (last answer $a)" >&2
    journalctl -u videolb-agent --no-pager -n 30 >&2
    return 1
}
# the kernel, as facts under KEY: services (ipvsadm -Sn), set members, rule+jump, counters
kernel_facts() {
    local k=$1 l
    while IFS= read -r l; do fact "$k-ipvs" "$l"; done < <(ipvsadm -Sn)
    fact "$k-members" "$(ipset save videolb-clients 2>/dev/null | awk '$1=="add"' | LC_ALL=C sort | md5sum | cut -c1-32)" \
        "$(ipset save videolb-clients 2>/dev/null | grep -c '^add ')"
    fact "$k-rules" "$(iptables -t mangle -S VIDEOLB-STEER 2>/dev/null | grep -c '^-A')" \
        "$(iptables -t mangle -S PREROUTING | grep -c 'VIDEOLB-STEER')"
    # packets of our mark rule and connections per fwmark service: a flush + re-add would reset them
    fact "$k-rule-pkts" "$(iptables -t mangle -L VIDEOLB-STEER -v -x -n 2>/dev/null | awk 'NR>2{s+=$1} END{print s+0}')"
    while IFS= read -r l; do fact "$k-conns" "$l"; done < <(ipvsadm -Ln --stats | awk '$1=="FWM"{print $2, $3}')
}

case "$MODE" in
first)
    fact timing boot1-uptime-ms "$(mono_ms)"
    fact pid1 "$(ps -p 1 -o comm=)"
    t=$(now_us)
    dpkg -i "$RUN/videolb.deb" >"$RUN/dpkg-install.log" 2>&1 || { cat "$RUN/dpkg-install.log" >&2; setup_fail "dpkg -i"; }
    fact timing dpkg-install-ms "$((($(now_us) - t) / 1000))"
    fact dpkg-status "$(dpkg-query -W -f='${Status} ${Version}' videolb)"
    fact user "$(getent passwd videolb | cut -d: -f1,6,7)"
    for f in /etc/videolb/videolb.properties /etc/videolb/api-tokens /etc/videolb/smtp-password /usr/bin/videolb \
        /usr/share/videolb/videolb.jar /usr/lib/videolb/videolb-restore; do
        fact mode "$f" "$(stat -c '%U:%G %a' "$f")"
    done
    fact conffiles "$(dpkg-query -W -f='${Conffiles}' videolb | awk 'NF{print $1}' | tr '\n' ' ')"
    for u in videolb-restore videolb-agent videolb-config-service videolb-health videolb-alert; do
        fact unit-verify "$u" "$(systemd-analyze verify "/lib/systemd/system/$u.service" 2>&1 | grep -v 'is not executable\|/run/systemd/system' | tr '\n' ' ' | cut -c1-300)"
    done
    fact agent-caps "$(systemctl show -p CapabilityBoundingSet --value videolb-agent)"
    a=$(systemctl show -p User --value videolb-agent)
    fact agent-user "agent=${a:-root}" "health=$(systemctl show -p User --value videolb-health)"
    # the operator's settings (a conffile: kept on upgrade, asserted below by the host)
    cat "$RUN/videolb.properties" >>/etc/videolb/videolb.properties
    # config-service's CSV folder (the examples, already imported by the host: its start finds them unchanged)
    # readable by the service's group only, and a read token appended to the package's token file
    install -d -o root -g videolb -m 0750 /etc/videolb/csv || setup_fail "csv folder"
    install -o root -g videolb -m 0640 "$RUN"/csv/*.csv /etc/videolb/csv/ || setup_fail "csv files"
    cat "$RUN/api-tokens.line" >>/etc/videolb/api-tokens
    # the test's own units: the lab's network at boot (before the agent, as a director's interfaces)
    # and a VIP client that runs during the agent's start
    cat >/etc/systemd/system/videolb-vmit-lab.service <<UNIT
[Unit]
Description=videolb VM test: the lab's network (the director's LAN)
After=videolb-restore.service network-pre.target
Before=videolb-agent.service network.target
Wants=network-pre.target

[Service]
Type=oneshot
RemainAfterExit=yes
Environment=IPVS_VM_TOOLS=$IPVS_VM_TOOLS
ExecStart=/bin/bash $0 lab-unit $RUN
TimeoutStartSec=180

[Install]
WantedBy=multi-user.target
UNIT
    cat >/etc/systemd/system/videolb-vmit-traffic.service <<UNIT
[Unit]
Description=videolb VM test: a viewer connecting to the VIP during the agent's start
After=videolb-vmit-lab.service
Requires=videolb-vmit-lab.service
Before=videolb-agent.service

[Service]
Type=simple
Environment=IPVS_VM_TOOLS=$IPVS_VM_TOOLS
ExecStart=/bin/bash $0 traffic-unit $RUN

[Install]
WantedBy=multi-user.target
UNIT
    systemctl daemon-reload
    systemctl enable videolb-restore.service videolb-agent.service >"$RUN/enable.log" 2>&1 || setup_fail "enable"
    fact enabled "$(systemctl is-enabled videolb-restore videolb-agent | tr '\n' ' ')"
    # boot 1 has no saved rules yet: the lab now, then the agent
    systemctl start videolb-vmit-lab.service || setup_fail "lab"
    t=$(now_us)
    systemctl start videolb-agent.service || setup_fail "start agent"
    wait_gen 1 240 || setup_fail "first generation"
    fact timing agent1-applied-ms "$((($(now_us) - t) / 1000))"
    kernel_facts boot1
    while IFS= read -r l; do fact conn1 "$l"; done < <(lab connect 203.0.113.21 1935 2; lab connect 203.0.113.99 8080 1)
    for f in /etc/iptables/ipsets /etc/iptables/rules.v4 /etc/ipvsadm.rules; do
        fact reboot-file "$f" "$([ -s "$f" ] && echo present || echo missing)"
        cp "$f" "$RUN/boot1-$(basename "$f")" 2>/dev/null
    done
    # enable the test's units only now: boot 2 runs them
    systemctl enable videolb-vmit-lab.service videolb-vmit-traffic.service >>"$RUN/enable.log" 2>&1 || setup_fail "enable test units"
    touch /run/ipvs-vm-reboot
    fact timing boot1-done-uptime-ms "$(mono_ms)"
    exit 0
    ;;

lab-unit)
    if [ ! -e "$STATE/boot2" ]; then # boot 1: just the lab
        touch "$STATE/boot2"
        lab up >/run/vmit-lab.log 2>&1 || { cat /run/vmit-lab.log; exit 1; }
        exit 0
    fi
    {
        echo "@restore-before-lab $(systemctl show -p ActiveState --value videolb-restore)"
        kernel_facts before-lan # restored while the LAN had no address yet
    } >"$STATE/before-lan.facts" 2>&1
    lab up >/run/vmit-lab.log 2>&1 || { cat /run/vmit-lab.log; exit 1; }
    {
        echo "@lab-up-uptime-ms $(mono_ms)"
        echo "@agent-state-at-lab $(systemctl show -p ActiveState --value videolb-agent)"
        kernel_facts before-agent
    } >"$STATE/before-agent.facts" 2>&1
    exit 0
    ;;

traffic-unit)
    # one connection at a time to the VIP (RTMP port, client .21 -> rs11), "UPTIME_MS answer", until
    # /run/vmit-stop exists; at most 600 connections / 300 s
    end=$(($(now_us) + 300 * 1000000))
    for ((i = 0; i < 600; i++)); do
        [ -e /run/vmit-stop ] && break
        (($(now_us) < end)) || break
        t=$(mono_ms)
        r=$(lab connect 203.0.113.21 1935 1 2>&1 | tail -n 1)
        echo "$t $(mono_ms) $r" >>"$STATE/traffic.log"
        nap 0.2
    done
    exit 0
    ;;

second)
    fact timing boot2-uptime-ms "$(mono_ms)"
    fact pid1 "$(ps -p 1 -o comm=)"
    cat "$STATE/before-lan.facts" "$STATE/before-agent.facts" 2>/dev/null
    for u in videolb-restore videolb-vmit-lab videolb-vmit-traffic videolb-agent; do
        fact unit "$u" "$(systemctl show -p ActiveState --value "$u")" \
            "$(systemctl show -p ExecMainStartTimestampMonotonic --value "$u")" \
            "$(systemctl show -p ExecMainExitTimestampMonotonic --value "$u")" \
            "$(systemctl show -p ActiveEnterTimestampMonotonic --value "$u")"
    done
    fact network-pre "$(systemctl show -p ActiveEnterTimestampMonotonic --value network-pre.target)"
    journalctl -b -u videolb-restore -o cat --no-pager | while IFS= read -r l; do fact restore-log "$l"; done
    t=$(now_us)
    wait_gen 1 240 || setup_fail "generation after the reboot"
    fact timing agent2-applied-ms "$((($(now_us) - t) / 1000))"
    fact agent-converged-uptime-ms "$(mono_ms)"
    nap 3 # a few more connections after convergence
    touch /run/vmit-stop
    for ((i = 0; i < 100; i++)); do
        [ "$(systemctl show -p ActiveState --value videolb-vmit-traffic)" = active ] || break
        nap 0.2
    done
    while IFS= read -r l; do fact traffic "$l"; done <"$STATE/traffic.log"
    kernel_facts after-agent
    # what the agent did at its start: a payload line for every kernel change it made
    fact agent-payloads "$(journalctl -b -u videolb-agent -o cat --no-pager | grep -c ' payload, ')"
    # the rest of the control plane on this director, as deployment.md's step 5 has the operator do it:
    # `systemctl enable --now` of each unit in turn (one JVM start at a time: the emulated CPU), each waited for
    # on its HTTP port; then the verdicts of health-service and the agent's status through config-service's API
    t=$(now_us)
    python3 -u - "$(<"$RUN/api-token")" <<'PY'
import json, subprocess, sys, time, urllib.request, urllib.error
token = sys.argv[1]
def get(url, auth=False):
    req = urllib.request.Request(url, headers={"Authorization": "Bearer " + token} if auth else {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError:
        return 0, b""
def servers(node, out):
    if isinstance(node, dict):
        if isinstance(node.get("server"), str) and isinstance(node.get("health"), str):
            out[node["server"]] = node["health"]
        for v in node.values():
            servers(v, out)
    elif isinstance(node, list):
        for v in node:
            servers(v, out)
    return out
# health-service last: once it runs it probes every server every interval, and the emulated CPU it takes slows
# the next JVM start several times over (alert-service after it: more than 180 s; before it: as config-service)
for unit, key, url in (("videolb-config-service", "ready-http", "http://127.0.0.1:8088/ready"),
                       ("videolb-alert", "alert-http", "http://127.0.0.1:8093/health"),
                       ("videolb-health", "health-http", "http://127.0.0.1:9103/health")):
    start = time.monotonic()
    rc = subprocess.run(["systemctl", "enable", "--now", unit + ".service"], capture_output=True).returncode
    code = 0
    while time.monotonic() - start < 180 and code != 200:  # bounded: one JVM start under emulation
        time.sleep(2)
        code = get(url)[0]
    print("@enable-now %s %d" % (unit, rc))
    print("@%s %d" % (key, code))
    print("@timing %s-ms %d" % (unit, (time.monotonic() - start) * 1000))
start = time.monotonic()
status, health, directors = {}, {}, []
while time.monotonic() - start < 120:  # bounded: rise x interval per server, a few agent status periods
    code, body = get("http://127.0.0.1:8088/api/v1/status", auth=True)
    if code == 200:
        status = json.loads(body)
        health = servers(status, {})
        directors = [(d.get("director"), d.get("appliedGeneration")) for d in status.get("directors", [])]
        if len(health) == 7 and all(h == "UP" for h in health.values()) and directors:
            break
    time.sleep(2)
print("@timing api-all-up-ms %d" % ((time.monotonic() - start) * 1000))
print("@api-generation %s" % status.get("generation", "none"))
for d, g in directors:
    print("@api-director %s %s" % (d, g))
print("@api-servers %d %d" % (len(health), sum(1 for h in health.values() if h == "UP")))
for s, h in sorted(health.items()):
    print("@api-server %s %s" % (s, h))
PY
    # each under its unit's identity
    fact videolb-uid "$(id -u videolb)"
    for u in videolb-config-service videolb-health videolb-alert; do
        pid=$(systemctl show -p MainPID --value "$u")
        fact service "$u" "$(systemctl show -p ActiveState --value "$u")" "$(systemctl show -p NRestarts --value "$u")" \
            "$(awk '$1=="Uid:"{print $2} $1=="CapEff:"{print $2} $1=="NoNewPrivs:"{print $2}' "/proc/$pid/status" 2>/dev/null | tr '\n' ' ')"
    done
    fact timing control-plane-ms "$((($(now_us) - t) / 1000))"
    fact config-import "$(journalctl -b -u videolb-config-service -o cat --no-pager | grep -o 'import of /etc/videolb/csv: .*' | head -n 1)"
    fact alert-mails "$(find /var/lib/videolb-alert -name '*.eml' 2>/dev/null | wc -l)"
    for u in videolb-config-service videolb-health videolb-alert; do
        journalctl -b -u "$u" -o short-monotonic --no-pager | tail -n 60 >"$RUN/boot2-$u.log"
    done
    journalctl -b -u videolb-agent -o short-monotonic --no-pager | tail -n 40 >"$RUN/boot2-agent.log"
    journalctl -b -o short-monotonic --no-pager >"$RUN/boot2-journal.log"
    systemd-analyze critical-chain videolb-agent.service >"$RUN/boot2-critical-chain.txt" 2>&1
    fact timing boot2-done-uptime-ms "$(mono_ms)"
    exit 0
    ;;
*)
    echo "usage: deb-boot-vm-it.sh first|second|lab-unit|traffic-unit RUN_DIR" >&2
    exit 2
    ;;
esac
