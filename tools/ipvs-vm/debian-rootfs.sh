#!/bin/bash
# debian-rootfs.sh — a clean Debian 12 root filesystem image for the VM's
# systemd mode (run-in-ipvs-vm.sh with IPVS_VM_ROOTFS=debian12), built once
# with mmdebstrap from Debian's archive and cached:
#
#   debian-rootfs.sh            print the cached image's path (build it first if missing)
#
# The image is raw ext4 ($IPVS_VM_CACHE/rootfs-<key>/root.img); runs never
# write to it: each run boots a qcow2 overlay on top of it (IPVS_VM_DISK), so
# two boots of the same overlay are a reboot of the same machine. The key is a
# hash of the recipe (package list, hooks), so changing it rebuilds the image.
#
# What is in it: Debian 12 minbase + systemd as init, the tools a director
# needs (ipvsadm ipset iptables keepalived), a Java 17 runtime, python3 and
# iproute2 (lab.sh), adduser. No kernel: the VM's kernel and modules come from
# the kernel cache (run-in-ipvs-vm.sh). Root has no password; there is no
# getty (the VM's console is a log); journald keeps its journal on disk.
#
# Environment: IPVS_VM_CACHE (as run-in-ipvs-vm.sh), IPVS_VM_APT_LOCK_WAIT,
# IPVS_VM_ROOTFS_MIRROR (default: the host's apt sources).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
if [ -z "${HOME:-}" ]; then
    HOME=$(getent passwd "$(id -u)" | cut -d: -f6)
    [ -n "$HOME" ] || HOME=/root
    export HOME
fi
CACHE=${IPVS_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ipvs-vm}
APT_WAIT=${IPVS_VM_APT_LOCK_WAIT:-600}
log() { echo "debian-rootfs: $*" >&2; }

# recipe begin (the image's key is a hash of these lines up to "recipe end")
PKGS=systemd-sysv,udev,iproute2,kmod,procps,python3,ipvsadm,ipset,iptables,keepalived,adduser,openjdk-17-jre-headless
KEY=$(sed -n '/^# recipe begin/,/^# recipe end/p' "$HERE/debian-rootfs.sh" | sha256sum | cut -c1-12)
DIR=$CACHE/rootfs-bookworm-$KEY
IMG=$DIR/root.img

if [ -s "$IMG" ] && [ -f "$DIR/done" ]; then
    echo "$IMG"
    exit 0
fi
mkdir -p "$CACHE"
exec 9>"$CACHE/.rootfs.lock"
flock -w 1800 9 || { log "cannot lock $CACHE/.rootfs.lock"; exit 1; }
if [ -s "$IMG" ] && [ -f "$DIR/done" ]; then
    echo "$IMG"
    exit 0
fi
for p in mmdebstrap e2fsprogs qemu-utils; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
        log "installing $p"
        env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout="$APT_WAIT" install -y -q \
            --no-install-recommends "$p" >&2 ||
            { apt-get -o DPkg::Lock::Timeout="$APT_WAIT" update -q >&2 &&
                env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout="$APT_WAIT" install -y -q \
                    --no-install-recommends "$p" >&2; }
    fi
done
rm -rf "$DIR"
mkdir -p "$DIR"
t0=$(date +%s%N)
tree=$DIR/tree
mirror=()
[ -n "${IPVS_VM_ROOTFS_MIRROR:-}" ] && mirror=("$IPVS_VM_ROOTFS_MIRROR")
# Root mode (we are root): a plain directory, then mke2fs -d makes the image
# without loop devices. Customisations run as hooks inside the new root. The
# man folder must exist although man pages are left out: openjdk's postinst
# links its man page with update-alternatives and fails without it.
mmdebstrap --mode=root --variant=minbase --include="$PKGS" --aptopt='Apt::Install-Recommends "false"' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --essential-hook='mkdir -p "$1/usr/share/man/man1"' \
    --customize-hook='echo ipvs-vm >"$1/etc/hostname"' \
    --customize-hook='printf "127.0.0.1 localhost\n127.0.1.1 ipvs-vm\n" >"$1/etc/hosts"' \
    --customize-hook='passwd --root "$1" -d root' \
    --customize-hook=': >"$1/etc/fstab"; : >"$1/etc/machine-id"' \
    --customize-hook='mkdir -p "$1/var/log/journal"' \
    --customize-hook='chroot "$1" systemctl mask getty@tty1.service serial-getty@ttyS0.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer keepalived.service' \
    --customize-hook='chroot "$1" apt-get clean' \
    bookworm "$tree" "${mirror[@]}" >"$DIR/mmdebstrap.log" 2>&1 ||
    # recipe end
    { tail -30 "$DIR/mmdebstrap.log" >&2; log "mmdebstrap failed (log: $DIR/mmdebstrap.log)"; exit 1; }
t1=$(date +%s%N)
size_mb=$(du -sm "$tree" | cut -f1)
# Room for the package, logs and the journal: the tree plus 1 GiB (sparse file).
mke2fs -q -t ext4 -L videolb-root -d "$tree" "$IMG.tmp" "$((size_mb + 1024))M" >"$DIR/mke2fs.log" 2>&1 ||
    { cat "$DIR/mke2fs.log" >&2; log "mke2fs failed"; exit 1; }
rm -rf "$tree"
mv "$IMG.tmp" "$IMG"
t2=$(date +%s%N)
# images of older versions of this script
find "$CACHE" -maxdepth 1 -name 'rootfs-bookworm-*' ! -path "$DIR" -exec rm -rf {} +
echo "mmdebstrap $(((t1 - t0) / 1000000)) ms, mke2fs $(((t2 - t1) / 1000000)) ms, tree ${size_mb} MB" >"$DIR/done"
log "built $IMG: $(cat "$DIR/done")"
echo "$IMG"
