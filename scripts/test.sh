#!/usr/bin/env bash
# Runs every test tier of videolb on a Debian/Ubuntu machine (as root: the namespace and VM tiers
# create network namespaces and boot a qemu VM with a real IPVS kernel).
#   unit (*Test)        pure logic, state-based kernel fakes
#   integration (*IT)   embedded Kafka broker, GreenMail, real iptables/ipset in private network
#                       namespaces, real nginx-rtmp + ffmpeg on loopback, headless Chromium
#   end-to-end (*IT)    qemu VM with Debian's kernel: real IPVS, LVS/DR through the VIP
# A tier that cannot run fails loudly; set VIDEOLB_VM_TESTS=skip or VIDEOLB_NETNS_TESTS=skip
# to skip one deliberately (reported as skipped, never as passed).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-prereqs.sh --test
# The VM tier downloads and caches Debian's kernel once (about 70 MB, ~20 s).
tools/ipvs-vm/run-in-ipvs-vm.sh --prepare
# The package's boot test (DebianPackageBootVmIT) boots a clean Debian 12 image made with mmdebstrap once
# and cached next to the kernel (145 s here, 433 s while a Maven build ran; nothing when cached).
time tools/ipvs-vm/debian-rootfs.sh >/dev/null
# docker-compose.yml must stay valid against the compose schema in both layouts (no Docker engine needed);
# duplicate keys, which docker-compose accepts, fail videolb-app's ComposeFileTest; ComposeProcessIT runs the stack.
docker-compose -f docker-compose.yml config -q
docker-compose -f docker-compose.yml --env-file deploy/cluster.env config -q
mvn -B -ntp -fae verify "$@"
# the Debian package built by videolb-app's package phase: lintian clean (overrides justified in
# docs/deployment.md#lintian)
lintian --fail-on error,warning videolb-app/target/videolb_*_all.deb
