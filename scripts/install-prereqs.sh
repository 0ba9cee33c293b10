#!/usr/bin/env bash
# Installs what videolb needs on a fresh Debian/Ubuntu machine, only what is missing.
#   scripts/install-prereqs.sh          build + run: JDK 17 and Maven (checked, not installed if present)
#   scripts/install-prereqs.sh --test   also every test tier's peers: iptables/ipset/iproute2 (namespace
#                                       tier), qemu + ipvsadm + socat (IPVS VM tier), nginx RTMP module +
#                                       ffmpeg (health probes against real video servers), keepalived (VRRP
#                                       between two directors, in namespaces and in the VM), chromium +
#                                       chromedriver (admin page in a real browser), python3-prometheus-client
#                                       (every service's /metrics parsed by the reference Prometheus parser),
#                                       mmdebstrap + qemu-utils + e2fsprogs (the Debian image of the package's
#                                       boot test), lintian (the .deb is checked)
set -euo pipefail
want=()
command -v java >/dev/null 2>&1 || want+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || want+=(maven)
if [ "${1:-}" = --test ]; then
    want+=(iptables ipset iproute2 procps ipvsadm kmod socat cpio xz-utils zstd python3 python3-prometheus-client
        qemu-system-x86 qemu-system-data seabios busybox-static
        nginx libnginx-mod-rtmp ffmpeg keepalived chromium chromium-driver docker-compose
        dpkg-dev mmdebstrap qemu-utils e2fsprogs lintian)
fi
missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 ||
    { $SUDO apt-get update -q >&2 && $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; }
