#!/bin/bash
# upgrade-purge-check.sh — run INSIDE the VM's systemd mode (clean Debian 12), from a folder holding
# videolb.deb: install, an operator's edit of the settings conffile and of /etc/ipvsadm.rules, the units
# enabled, install again (dpkg's upgrade path: prerm upgrade, postinst configure OLD), then purge.
# Prints what was kept and what went. By hand (about 4 minutes under TCG):
#   mkdir -p /tmp/deb-check && cp videolb-app/target/videolb_*_all.deb /tmp/deb-check/videolb.deb
#   cd /tmp/deb-check && IPVS_VM_DISK=/tmp/deb-check/disk.qcow2 \
#       /path/to/repo/tools/ipvs-vm/run-in-ipvs-vm.sh bash /path/to/repo/packaging/debian/upgrade-purge-check.sh
set -u
dpkg -i videolb.deb >/dev/null 2>&1; echo "install rc=$?"
echo "VIDEOLB_DIRECTOR=edited-by-operator" >>/etc/videolb/videolb.properties
echo "-A -t 198.51.100.99:80 -s rr" >>/etc/ipvsadm.rules
systemctl enable videolb-restore videolb-agent >/dev/null 2>&1
dpkg -i videolb.deb >/tmp/up.log 2>&1; echo "upgrade (reinstall) rc=$?"
grep -c edited-by-operator /etc/videolb/videolb.properties | sed 's/^/operator line kept: /'
stat -c 'api-tokens %U:%G %a' /etc/videolb/api-tokens
dpkg --purge videolb >/tmp/purge.log 2>&1; echo "purge rc=$?"
for p in /etc/videolb /var/lib/videolb /usr/share/videolb /etc/systemd/system/multi-user.target.wants/videolb-agent.service; do [ -e "$p" ] && echo "left: $p" || echo "gone: $p"; done
grep -c '198.51.100.99' /etc/ipvsadm.rules | sed 's/^/operator ipvsadm.rules kept: /'
getent passwd videolb >/dev/null && echo "user videolb kept"
dpkg-statoverride --list | grep -c videolb | sed 's/^/statoverrides left: /'
