#!/bin/bash
# run-in-ipvs-vm.sh — run a command inside a throw-away QEMU VM whose kernel has
# IPVS (a stock Debian linux-image with ip_vs* as modules), for hosts whose own
# kernel lacks CONFIG_IP_VS.
#
#   run-in-ipvs-vm.sh [--] COMMAND [ARG...]   run COMMAND (via bash) in the VM
#   run-in-ipvs-vm.sh --shell                 interactive shell on the VM console
#   run-in-ipvs-vm.sh --prepare               only install prerequisites and
#                                              build the cache, then exit 0
#
# The guest sees the host's root filesystem read-only through 9p, under an
# overlay with a tmpfs upper layer (so it can write anywhere; the writes vanish
# at power-off). The current directory, and every directory listed in
# IPVS_VM_RW (colon-separated), is shared read-write at the same path. The
# command runs as root in that directory with PATH (and JAVA_HOME, LANG) from
# the host; modules (ip_vs, ip_vs_*, veth, iptables/nft, ipset...) load on
# demand. The VM has no network device: nothing can leave it.
#
# Output: the command's stdout+stderr, merged, streamed to our stdout.
# Exit status: the command's; 124 on timeout; 125 if the VM failed before the
# command finished (the kernel console log is then printed to stderr).
#
# Environment:
#   IPVS_VM_CACHE       cache folder     (default ${XDG_CACHE_HOME:-~/.cache}/ipvs-vm)
#   IPVS_VM_KERNEL_PKG  Debian kernel package, e.g. linux-image-6.1.0-56-amd64
#                       (default: the one cached, else what linux-image-amd64 needs)
#   IPVS_VM_MEM         guest memory in MiB (default 1024)
#   IPVS_VM_CPUS        guest vCPUs (default 1: faster than 2 under TCG on a
#                       2-core host, see the report)
#   IPVS_VM_TB_MB       TCG translation cache in MiB (default 128; QEMU's own
#                       default, 1 GiB, only doubled qemu's RSS in our runs)
#   IPVS_VM_TIMEOUT     seconds before the VM is killed (default 900)
#   IPVS_VM_RW          extra host dirs shared read-write, colon-separated
#   IPVS_VM_ENV         names of extra host variables to pass into the guest
#   IPVS_VM_ACCEL       auto|kvm|tcg (default auto: kvm only if the CPU shows
#                       vmx/svm and /dev/kvm is writable and not PVM, else tcg)
#   IPVS_VM_VERBOSE=1   print the guest kernel console log to stderr at the end
#   IPVS_VM_DEBUG=1     trace the guest init script (set -x) into that log
#   IPVS_VM_FWD         space-separated GUEST_IP:GUEST_PORT=HOST_PORT
#                       forwards, e.g. "10.0.2.100:9093=40123". The VM then gets one
#                       virtio-net NIC on QEMU user networking with restrict=on: the
#                       guest (10.0.2.15/24, no default route) can open TCP connections
#                       only to GUEST_IP:GUEST_PORT, each of which QEMU hands to a new
#                       `socat STDIO TCP:127.0.0.1:HOST_PORT` on the host (guestfwd
#                       cmd:). Nothing else leaves the VM; only host loopback is used.
#                       Unset: no NIC at all (as in the original recipe).
#   IPVS_VM_FWD_LOG     file for socat's debug log (default: none)
#   IPVS_VM_HOSTFWD     space-separated HOST_PORT=GUEST_PORT forwards the other way:
#                       QEMU listens on the host's 127.0.0.1:HOST_PORT and hands each
#                       connection to the guest's 10.0.2.15:GUEST_PORT (hostfwd). Gives
#                       the VM the same restricted NIC as IPVS_VM_FWD (either or both).
#   IPVS_VM_DISK        systemd mode: boot a clean Debian 12 root filesystem (made
#                       by debian-rootfs.sh with mmdebstrap, cached) with systemd as
#                       PID 1, from this qcow2 disk: created as an overlay of the
#                       cached image when missing, kept afterwards, so the next run
#                       with the same disk is a reboot of the same machine. The
#                       command runs as the unit ipvs-vm-cmd.service after
#                       multi-user.target; the VM then powers off cleanly
#                       (systemctl poweroff), or reboots (systemctl reboot, which
#                       ends QEMU too) when the command created /run/ipvs-vm-reboot.
#                       With IPVS_VM_FWD, eth0 is configured at boot by the unit
#                       ipvs-vm-net.service (before network.target). The host's
#                       root is not the guest's here (only the kernel modules and
#                       the read-write shares come from the host).
#   IPVS_VM_BOOT_TIMEOUT seconds the guest may take to reach the command
#                       (default 300; then the VM is killed: "boot failed", 125)
#   IPVS_VM_APT_LOCK_WAIT seconds apt-get waits for the dpkg lock (default 600)
#   IPVS_VM_SERIAL      1 (default): one VM at a time per cache folder (two TCG
#                       VMs on 2 cores slow each other down); a run waits up to
#                       IPVS_VM_LOCK_WAIT seconds (default IPVS_VM_TIMEOUT) for
#                       the lock $IPVS_VM_CACHE/.run.lock; 0: no lock
#
# videolb changes to the reference recipe (/work/shared/design/ipvs-vm):
#   - any shared path works (spaces, commas, non-ASCII...; not control
#     characters): QEMU sees them through symlinks in the per-run folder and
#     the guest gets them single-quoted;
#   - HOME may be unset (CI as root): the cache then goes under root's home;
#   - apt-get waits for the dpkg lock instead of failing; sudo -n when not root;
#   - "ipvs-vm: boot failed: ..." on stderr (exit 125, or 124 on timeout) when
#     the command never started, so callers can tell a broken VM from a failed
#     command; a boot watchdog (IPVS_VM_BOOT_TIMEOUT);
#   - IPVS_VM_TOOLS (this folder) is exported in the guest (lab.sh lives here);
#   - VM runs are serialised (IPVS_VM_SERIAL);
#   - one timing line on stderr at the end ("ipvs-vm: timing ...").
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
if [ -z "${HOME:-}" ]; then # CI runners may start us without HOME
    HOME=$(getent passwd "$(id -u)" | cut -d: -f6)
    [ -n "$HOME" ] || HOME=/root
    export HOME
fi
CACHE=${IPVS_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ipvs-vm}
T0=$(date +%s%N)
BOOT_TMO=${IPVS_VM_BOOT_TIMEOUT:-300}
APT_WAIT=${IPVS_VM_APT_LOCK_WAIT:-600}
MEM=${IPVS_VM_MEM:-1024}
CPUS=${IPVS_VM_CPUS:-1}
TMO=${IPVS_VM_TIMEOUT:-900}
log() { echo "ipvs-vm: $*" >&2; }
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
# apt-get as root (or through sudo -n), waiting for the dpkg/apt locks that a
# concurrent apt-get (CI setup, another engineer) may hold.
apt_get() {
    local pre=()
    [ "$(id -u)" = 0 ] || pre=(sudo -n)
    "${pre[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout="$APT_WAIT" "$@"
}

mode=run
case "${1:-}" in
    --prepare) mode=prepare ;;
    --shell) mode=shell ;;
    --) shift ;;
    -h | --help | "") sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; [ -n "${1:-}" ]; exit $? ;;
esac

# ---- 1. Debian prerequisites (idempotent: only installs what is missing) ----
# Host tools are also the guest's tools, since the guest runs on the host's /.
need_pkgs() {
    local want=(qemu-system-x86 qemu-system-data seabios cpio kmod ipvsadm ipset
        iptables iproute2 python3 xz-utils zstd) missing=() p
    [ -n "${IPVS_VM_FWD:-}" ] && want+=(socat)
    for p in "${want[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing ${missing[*]}"
    apt_get install -y -q --no-install-recommends "${missing[@]}" >&2 ||
        { apt_get update -q >&2 && apt_get install -y -q --no-install-recommends "${missing[@]}" >&2; } ||
        { log "boot failed: cannot install ${missing[*]} (run as root, or install them)"; exit 125; }
}

# ---- 2. kernel + modules + initramfs in the cache (built once, under a lock) ----
# The kernel .deb is extracted, not installed. Modules nobody needs in a VM
# (sound, GPU, NIC/wireless drivers...) are pruned to save ~300 MB.
prepare_kernel() {
    mkdir -p "$CACHE"
    exec 8>"$CACHE/.lock"
    flock 8
    # The first kernel resolved from linux-image-amd64 is remembered in
    # default-pkg, so later runs (and offline runs) keep using the same one.
    local pkg=${IPVS_VM_KERNEL_PKG:-} tmp=''
    [ -z "$pkg" ] && [ -f "$CACHE/default-pkg" ] && pkg=$(cat "$CACHE/default-pkg")
    resolve() {
        apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}'
    }
    download() { # download PKG into $tmp; refresh the apt lists once if needed
        (cd "$tmp" && { apt-get download "$1" busybox-static 2>/dev/null ||
            { apt_get update -q && apt-get download "$1" busybox-static; }; }) >&2
    }
    if [ -z "$pkg" ]; then
        pkg=$(resolve)
        [ -n "$pkg" ] || { apt_get update -q >&2; pkg=$(resolve); }
        [ -n "$pkg" ] || { log "boot failed: cannot resolve linux-image-amd64"; exit 125; }
    fi
    if [ ! -f "$CACHE/$pkg/.ok" ]; then
        log "preparing $pkg in $CACHE/$pkg"
        tmp=$(mktemp -d "$CACHE/.dl.XXXXXX")
        chmod 755 "$tmp" # apt-get download runs as _apt where it can
        if ! download "$pkg"; then
            # Superseded kernel ABIs leave the archive: fall back to the current
            # one, unless the caller asked for this exact package.
            [ -z "${IPVS_VM_KERNEL_PKG:-}" ] || { log "boot failed: cannot download $pkg"; exit 125; }
            pkg=$(resolve)
            log "falling back to $pkg"
            rm -f "$tmp"/*.deb
            [ -f "$CACHE/$pkg/.ok" ] || download "$pkg" || { log "boot failed: cannot download $pkg"; exit 125; }
        fi
    fi
    [ -z "${IPVS_VM_KERNEL_PKG:-}" ] && echo "$pkg" >"$CACHE/default-pkg"
    KDIR=$CACHE/$pkg
    KVER=${pkg#linux-image-}
    if [ ! -f "$KDIR/.ok" ]; then
        rm -rf "$KDIR"
        mkdir -p "$KDIR/root" "$KDIR/bb"
        dpkg-deb -x "$tmp"/linux-image-*.deb "$KDIR/root"
        dpkg-deb -x "$tmp"/busybox-static_*.deb "$KDIR/bb"
        dpkg-deb -f "$tmp"/linux-image-*.deb Version >"$KDIR/version"
        local m=$KDIR/root/lib/modules/$KVER/kernel d
        rm -rf "$m/sound"
        for d in "$m"/drivers/*; do
            case ${d##*/} in virtio | char | block | net | tty) ;; *) rm -rf "$d" ;; esac
        done
        rm -rf "$m"/drivers/net/{wireless,ethernet,usb,can,wwan,ieee802154,hamradio,arcnet,fddi,plip}
        depmod -b "$KDIR/root" "$KVER"
        cp "$KDIR/root/boot/vmlinuz-$KVER" "$KDIR/vmlinuz"
        # Unpack the bzImage payload (XZ on Debian 12's 6.1, ZSTD on 6.12) to an
        # ELF vmlinux: QEMU boots it through its PVH entry, skipping the
        # real-mode setup and the in-guest decompression (4-8 s under TCG).
        # On any failure the bzImage is booted instead.
        python3 - "$KDIR/vmlinuz" "$KDIR/vmlinux" <<'PY' || rm -f "$KDIR/vmlinux"
import lzma, struct, subprocess, sys
b = open(sys.argv[1], 'rb').read()
start = (b[0x1f1] + 1) * 512                      # protected-mode code
off, length = struct.unpack_from('<II', b, 0x248)  # payload_offset/length
payload = b[start + off:start + off + length]
if payload[:6] == b'\xfd7zXZ\x00':
    elf = lzma.LZMADecompressor().decompress(payload)
else:  # zstd (the last 4 bytes are the decompressed size, not zstd data)
    elf = subprocess.run(['zstd', '-dc'], input=payload[:-4], capture_output=True).stdout
assert elf[:4] == b'\x7fELF'
open(sys.argv[2], 'wb').write(elf)
PY
        touch "$KDIR/.ok"
    fi
    [ -z "$tmp" ] || rm -rf "$tmp"
    # initramfs: static busybox + guest-init.sh + virtio/9p/overlay modules.
    # Rebuilt when guest-init.sh changes.
    local sum
    # virtio_blk + ext4 for the systemd mode's disk (crc32c-intel is left out: TCG's
    # CPU has no SSE4.2, its insmod fails; crc32c_generic serves ext4's checksums)
    local mods="virtio_pci 9pnet_virtio 9p overlay virtio_console virtio_blk ext4 crc32c_generic"
    sum=$({ cat "$HERE/guest-init.sh"; echo "$mods"; } | md5sum | cut -c1-12)
    INITRD=$KDIR/initrd-$sum.gz
    if [ ! -f "$INITRD" ]; then
        local ird f
        ird=$(mktemp -d "$CACHE/.ird.XXXXXX")
        mkdir -p "$ird"/{bin,modules,proc,sys,dev}
        cp "$KDIR/bb/bin/busybox" "$ird/bin/"
        for f in sh mount umount insmod mkdir switch_root cat sleep sync cp grep ln; do ln -s busybox "$ird/bin/$f"; done
        cp "$HERE/guest-init.sh" "$ird/init"
        chmod 755 "$ird/init"
        for f in $mods; do
            modprobe -d "$KDIR/root" -S "$KVER" --show-depends "$f" | awk '$1=="insmod"{print $2}'
        done | awk '!seen[$0]++ && !/crc32c-intel/' | while read -r f; do
            b=$(basename "$f")
            case $b in # busybox insmod wants plain .ko (6.12 ships .ko.xz)
                *.ko.xz) b=${b%.xz}; xz -dc "$f" >"$ird/modules/$b" ;;
                *.ko.zst) b=${b%.zst}; zstd -qdc "$f" >"$ird/modules/$b" ;;
                *) cp "$f" "$ird/modules/" ;;
            esac
            echo "$b" >>"$ird/modules/order"
        done
        (cd "$ird" && find . | cpio -o -H newc --quiet | gzip -1) >"$INITRD.tmp"
        mv "$INITRD.tmp" "$INITRD"
        rm -rf "$ird"
        find "$KDIR" -maxdepth 1 -name 'initrd-*.gz' ! -path "$INITRD" -delete
    fi
    flock -u 8
    exec 8>&-
}

# Any failure while preparing is a boot failure (exit 125), not the command's.
trap 'log "boot failed: preparing the VM failed (line $LINENO of $0)"; exit 125' ERR
need_pkgs
prepare_kernel
BASE_IMG=
if [ -n "${IPVS_VM_DISK:-}" ]; then
    BASE_IMG=$(bash "$HERE/debian-rootfs.sh") || { log "boot failed: no Debian root filesystem (debian-rootfs.sh failed)"; exit 125; }
fi
trap - ERR
[ "$mode" = prepare ] && { log "ready: $KDIR ($(cat "$KDIR/version")) in $(ms_since "$T0") ms"; exit 0; }

# ---- 3. per-run transfer folder (9p tag "xfer"): env, cmd in; rc out ----
# Everything QEMU sees goes through this folder (symlinks), so its path must be
# plain: it goes into comma-separated QEMU options.
plain() { case $1 in *[!A-Za-z0-9_./+=@-]*) return 1 ;; esac; }
tmpd=${TMPDIR:-/tmp}
plain "$tmpd" && [ -d "$tmpd" ] && [ -w "$tmpd" ] || tmpd=/tmp
X=$(mktemp -d "$tmpd/ipvs-vm.XXXXXX")
catpid='' qpid='' wdpid=''
cleanup() {
    [ -n "$wdpid" ] && kill "$wdpid" 2>/dev/null
    [ -n "$qpid" ] && kill "$qpid" 2>/dev/null
    [ -n "$catpid" ] && kill "$catpid" 2>/dev/null
    rm -rf "$X"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

q() { printf '%q' "$1"; }
sq() { printf "'%s'" "${1//\'/\'\\\'\'}"; } # POSIX single quotes, for busybox sh
cwd=$(pwd -P)
rw=()
[ "$cwd" != / ] && rw+=("$cwd")
IFS=: read -r -a extra <<<"${IPVS_VM_RW:-}"
for d in "${extra[@]}"; do
    [ -n "$d" ] || continue
    d=$(cd "$d" && pwd -P) || { log "boot failed: IPVS_VM_RW entry is not a folder"; exit 125; }
    rw+=("$d")
done
# systemd mode: the guest's root is not the host's, so this folder (lab.sh,
# IPVS_VM_TOOLS) is shared too, at the same path
if [ -n "${IPVS_VM_DISK:-}" ]; then
    case "$HERE/" in "$cwd"/*) ;; *) rw+=("$HERE") ;; esac
fi
for d in "${rw[@]}"; do
    case $d in *[[:cntrl:]]*) log "boot failed: control character in shared path $(q "$d")"; exit 125 ;; esac
done
{
    echo "IPVSVM_KVER=$(sq "$KVER")"
    echo "IPVSVM_KDIR=$(sq "$KDIR/root")"
    echo "IPVSVM_CWD=$(sq "$cwd")"
    echo "IPVSVM_NRW=${#rw[@]}"
    for i in "${!rw[@]}"; do echo "IPVSVM_RW$i=$(sq "${rw[$i]}")"; done
    [ "$mode" = shell ] && echo "IPVSVM_TTY=/dev/ttyS0"
    [ -n "${IPVS_VM_DISK:-}" ] && echo "IPVSVM_DISK=1"
    [ -n "${IPVS_VM_FWD:-}${IPVS_VM_HOSTFWD:-}" ] && echo "IPVSVM_NET=1"
} >"$X/env"
drive=()
if [ -n "${IPVS_VM_DISK:-}" ]; then
    case $IPVS_VM_DISK in *[[:cntrl:]]*) log "boot failed: control character in IPVS_VM_DISK"; exit 125 ;; esac
    if [ ! -f "$IPVS_VM_DISK" ]; then
        mkdir -p "$(dirname "$IPVS_VM_DISK")"
        qemu-img create -q -f qcow2 -F raw -b "$BASE_IMG" "$IPVS_VM_DISK" >&2 ||
            { log "boot failed: cannot create $IPVS_VM_DISK over $BASE_IMG"; exit 125; }
    fi
    ln -s "$(cd "$(dirname "$IPVS_VM_DISK")" && pwd -P)/$(basename "$IPVS_VM_DISK")" "$X/disk"
    drive=(-drive "file=$X/disk,if=virtio,format=qcow2,cache=writeback")
fi
# the guest's NIC setup (IPVS_VM_FWD): in the command's prelude, or in systemd
# mode as the unit ipvs-vm-net.service (the services started at boot need it)
{
    echo 'modprobe virtio_net &&'
    echo 'i=0; while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done'
    echo 'ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0'
} >"$X/net"
# QEMU option values: symlinks with plain names stand for the real paths.
ln -s "$KDIR" "$X/kdir"
for i in "${!rw[@]}"; do ln -s "${rw[$i]}" "$X/rw$i"; done
{
    if [ -n "${IPVS_VM_FWD:-}${IPVS_VM_HOSTFWD:-}" ] && [ -z "${IPVS_VM_DISK:-}" ]; then
        # virtio_net is a module in Debian's kernel; no udev, so the NIC is eth0.
        echo '. /ipvs-vm/net ||'
        echo '    { echo "ipvs-vm: boot failed: guest network setup failed" >&2; exit 125; }'
        # the host resolv.conf (seen through the read-only root) is useless here
        echo 'echo "nameserver 127.0.0.1" >/etc/resolv.conf'
    fi
    echo "export IPVS_VM_TOOLS=$(q "$HERE")"
    for v in PATH JAVA_HOME LANG ${IPVS_VM_ENV:-}; do
        [[ $v =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || { log "boot failed: bad name in IPVS_VM_ENV: $(q "$v")"; exit 125; }
        [ -n "${!v+x}" ] && echo "export $v=$(q "${!v}")"
    done
    if [ "$mode" = shell ]; then
        echo "exec bash -i"
    else
        printf 'exec'
        printf ' %q' "$@"
        echo
    fi
} >"$X/cmd"

# ---- 4. boot ----
accel=${IPVS_VM_ACCEL:-auto}
if [ "$accel" = auto ]; then
    accel=tcg
    if [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo && [ ! -d /sys/module/kvm_pvm ]; then accel=kvm; fi
fi
if [ "$accel" = kvm ]; then acc=(-accel kvm -cpu host); else acc=(-accel "tcg,thread=multi,tb-size=${IPVS_VM_TB_MB:-128}"); fi
shares=()
share() { # share ID HOST_PATH TAG [,extra fsdev options]
    shares+=(-fsdev "local,id=$1,path=$2,security_model=none,multidevs=remap${4:-}"
        -device "virtio-9p-pci,fsdev=$1,mount_tag=$3")
}
share fx "$X" xfer
share fr / hostroot ,readonly=on
for i in "${!rw[@]}"; do share "f$i" "$X/rw$i" "rw$i"; done
if [ "$mode" = shell ]; then
    console=(-serial mon:stdio)
    cons_out=(-chardev "null,id=out")
else
    mkfifo "$X/out"
    console=(-serial "file:$X/console.log")
    cons_out=(-chardev "file,id=out,path=$X/out")
    cat "$X/out" &
    catpid=$!
fi
bios=()
[ -f /usr/share/qemu/qboot.rom ] && bios=(-bios /usr/share/qemu/qboot.rom) # faster than SeaBIOS
KIMG=$X/kdir/vmlinuz
[ -f "$KDIR/vmlinux" ] && KIMG=$X/kdir/vmlinux
dbg=
[ "${IPVS_VM_DEBUG:-0}" = 1 ] && dbg=" ipvsvm.debug"
[ -n "${IPVS_VM_DISK:-}" ] && dbg+=" net.ifnames=0"
nic=(-nic none)
if [ -n "${IPVS_VM_FWD:-}${IPVS_VM_HOSTFWD:-}" ]; then
    # QEMU user networking (slirp), restricted: the guest reaches only the guestfwd
    # targets. cmd: (not a tcp: chardev) so that every guest connection gets its
    # own host-side connection, made when the guest connects.
    [ -z "${IPVS_VM_FWD:-}" ] || command -v socat >/dev/null || { log "boot failed: IPVS_VM_FWD needs socat on the host"; exit 125; }
    fwdlog=/dev/null
    if [ -n "${IPVS_VM_FWD_LOG:-}" ]; then
        : >>"$IPVS_VM_FWD_LOG"
        ln -s "$(cd "$(dirname "$IPVS_VM_FWD_LOG")" && pwd -P)/$(basename "$IPVS_VM_FWD_LOG")" "$X/fwd.log"
        fwdlog=$X/fwd.log
    fi
    n="user,model=virtio-net-pci,restrict=on,ipv6=off,net=10.0.2.0/24,host=10.0.2.2"
    for f in ${IPVS_VM_FWD:-}; do
        [[ $f =~ ^10\.0\.2\.[0-9]{1,3}:[0-9]{1,5}=[0-9]{1,5}$ ]] ||
            { log "boot failed: bad IPVS_VM_FWD entry: $f (want 10.0.2.X:PORT=HOST_PORT)"; exit 125; }
        # socat's stderr is the guest's connection too: log to a file (or nowhere)
        n+=",guestfwd=tcp:${f%%=*}-cmd:socat ${IPVS_VM_FWD_LOG:+-d -d }-lf $fwdlog STDIO TCP:127.0.0.1:${f#*=}"
    done
    for f in ${IPVS_VM_HOSTFWD:-}; do
        [[ $f =~ ^[0-9]{1,5}=[0-9]{1,5}$ ]] && [ "${f%%=*}" -ge 1 ] && [ "${f%%=*}" -le 65535 ] &&
            [ "${f#*=}" -ge 1 ] && [ "${f#*=}" -le 65535 ] ||
            { log "boot failed: bad IPVS_VM_HOSTFWD entry: $f (want HOST_PORT=GUEST_PORT)"; exit 125; }
        # restrict=on does not affect explicit forwarding rules (QEMU's documentation)
        n+=",hostfwd=tcp:127.0.0.1:${f%%=*}-10.0.2.15:${f#*=}"
    done
    nic=(-nic "$n")
fi
qemu=(qemu-system-x86_64 "${acc[@]}" "${bios[@]}" -smp "$CPUS" -m "$MEM"
    -nodefaults -display none -vga none -monitor none -no-reboot "${nic[@]}"
    -kernel "$KIMG" -initrd "$X/kdir/${INITRD##*/}"
    -append "console=ttyS0 panic=-1 quiet loglevel=4 mitigations=off$dbg"
    "${console[@]}" "${shares[@]}" "${drive[@]}"
    -device virtio-serial-pci "${cons_out[@]}" -device "virtserialport,chardev=out,name=ipvsvm.out")
TL=$(date +%s%N)
if [ "${IPVS_VM_SERIAL:-1}" = 1 ] && [ "$mode" = run ]; then
    exec 7>"$CACHE/.run.lock"
    if ! flock -n 7; then
        log "waiting for another VM run to end (lock $CACHE/.run.lock; IPVS_VM_SERIAL=0 disables it)"
        flock -w "${IPVS_VM_LOCK_WAIT:-$TMO}" 7 ||
            { log "boot failed: another VM run held $CACHE/.run.lock for ${IPVS_VM_LOCK_WAIT:-$TMO}s"; exit 125; }
    fi
fi
TB=$(date +%s%N)
set +e
if [ "$mode" = shell ]; then
    timeout --foreground -k 10 "$TMO" "${qemu[@]}"
else
    timeout -k 10 "$TMO" "${qemu[@]}" </dev/null &
    qpid=$!
    # Boot watchdog: the guest writes $X/started just before the command.
    (
        trap - EXIT INT TERM
        for ((i = 0; i < BOOT_TMO * 5; i++)); do
            [ -e "$X/started" ] && exit 0
            kill -0 "$qpid" 2>/dev/null || exit 0
            sleep 0.2
        done
        touch "$X/boot-timeout"
        kill "$qpid" 2>/dev/null
    ) &
    wdpid=$!
    wait "$qpid"
fi
qrc=$?
qpid=
kill "$wdpid" 2>/dev/null
wdpid=
set -e
if [ -n "$catpid" ]; then
    # qemu closed the fifo on exit, so cat ends; if qemu never opened it, stop cat.
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$catpid" 2>/dev/null || break; sleep 0.2; done
    kill "$catpid" 2>/dev/null || true
    wait "$catpid" 2>/dev/null || true
    catpid=
fi
if [ "${IPVS_VM_VERBOSE:-0}" = 1 ] && [ -f "$X/console.log" ]; then cat "$X/console.log" >&2; fi
up='?'
[ -s "$X/started" ] && up=$(cut -d' ' -f1 "$X/started")
log "timing: prepare $(((TL - T0) / 1000000)) ms, lock wait $(((TB - TL) / 1000000)) ms, guest uptime at command start ${up} s, VM $(ms_since "$TB") ms, total $(ms_since "$T0") ms"
if [ -f "$X/rc" ]; then exit "$(cat "$X/rc")"; fi
[ -f "$X/init-error" ] && cat "$X/init-error" >&2
[ -f "$X/console.log" ] && [ "${IPVS_VM_VERBOSE:-0}" != 1 ] && tail -n 40 "$X/console.log" >&2
if [ ! -e "$X/started" ]; then
    if [ -e "$X/boot-timeout" ]; then
        log "boot failed: the command did not start within ${BOOT_TMO}s (IPVS_VM_BOOT_TIMEOUT)"
        exit 125
    fi
    if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then log "boot failed: timed out after ${TMO}s before the command started"; exit 124; fi
    log "boot failed: the VM ended before the command started (qemu exit $qrc)"
    exit 125
fi
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then log "timed out after ${TMO}s"; exit 124; fi
log "VM ended without a result (qemu exit $qrc)"
exit 125
