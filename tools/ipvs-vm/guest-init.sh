#!/bin/sh
# /init of the ipvs-vm initramfs (busybox sh). Built into the initramfs by
# run-in-ipvs-vm.sh; not meant to be run on the host.
#
# Phase 1 (PID 1 in the initramfs):
#   load virtio/9p/overlay modules; mount the 9p share "xfer" (host temp dir
#   holding env + cmd, receiving rc); mount the host root (9p "hostroot",
#   read-only) under an overlay whose upper layer is tmpfs, so the guest can
#   write anywhere without touching the host; mount fresh /proc /sys /dev /run
#   /tmp; bind the cached Debian kernel modules onto /lib/modules/$KVER;
#   mount the read-write shares (cwd + extra dirs) at their host paths;
#   switch_root into it and run phase 2.
# Phase 2 (PID 1 in the new root, run by the host's /bin/sh):
#   run the user command with output on the virtio port "ipvsvm.out",
#   write its exit code to /ipvs-vm/rc, power off.
# Systemd mode (IPVSVM_DISK=1, run-in-ipvs-vm.sh's IPVS_VM_DISK): phase 1 mounts
#   the Debian root filesystem from the virtio disk instead (ext4, read-write,
#   kept by the host), adds the kernel modules, the shares and two runtime units
#   in /run/systemd/system (ipvs-vm-cmd.service after multi-user.target: runs
#   this script's "unitcmd"; with a NIC, ipvs-vm-net.service before
#   network.target), and switch_roots into systemd as PID 1.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH

die() {
    echo "ipvs-vm init: $*" >/dev/console 2>&1
    [ -d /xfer ] && echo "init: $*" >>/xfer/init-error 2>/dev/null
    sync
    echo o >/proc/sysrq-trigger
    sleep 5 2>/dev/null
    exit 1
}

if [ "$1" = net ]; then # systemd mode: ipvs-vm-net.service
    . /ipvs-vm/net
    exit $?
fi
if [ "$1" = unitcmd ]; then # systemd mode: ipvs-vm-cmd.service
    . /ipvs-vm/env
    out=/dev/console
    for d in /sys/class/virtio-ports/*; do
        [ "$(cat "$d/name" 2>/dev/null)" = ipvsvm.out ] && out=/dev/${d##*/}
    done
    export HOME=/root TERM=dumb IPVS_VM=1 IPVS_VM_KVER="$IPVSVM_KVER"
    cd "$IPVSVM_CWD" 2>/dev/null || cd /
    cat /proc/uptime >/ipvs-vm/started
    /bin/bash /ipvs-vm/cmd >"$out" 2>&1 </dev/null
    rc=$?
    echo "$rc" >/ipvs-vm/rc.tmp && mv /ipvs-vm/rc.tmp /ipvs-vm/rc
    sync
    # a clean shutdown: every unit is stopped in order, the disk is unmounted
    if [ -e /run/ipvs-vm-reboot ]; then systemctl --no-block reboot; else systemctl --no-block poweroff; fi
    exit 0
fi
if [ "$1" = stage2 ]; then
    # ---------------- phase 2: in the new root ----------------
    grep -q ipvsvm.debug /proc/cmdline && set -x
    . /ipvs-vm/env
    out=/dev/console
    for d in /sys/class/virtio-ports/*; do
        [ "$(cat "$d/name" 2>/dev/null)" = ipvsvm.out ] && out=/dev/${d##*/}
    done
    ip link set lo up 2>/dev/null
    hostname ipvs-vm 2>/dev/null
    # The guest kernel may load modules on demand (ipvsadm, iptables, ipset do).
    echo /sbin/modprobe >/proc/sys/kernel/modprobe
    # Kernel messages at warning level and above still go to the serial log only.
    echo 4 >/proc/sys/kernel/printk
    export HOME=/root TERM=dumb IPVS_VM=1 IPVS_VM_KVER="$IPVSVM_KVER"
    cd "$IPVSVM_CWD" 2>/dev/null || cd /
    # Tells the host that the VM booted (and when): from here on, a failure is
    # the command's, not the VM's.
    cat /proc/uptime >/ipvs-vm/started
    if [ -n "$IPVSVM_TTY" ]; then # --shell: interactive, job control on ttyS0
        setsid -c /bin/bash /ipvs-vm/cmd <"$IPVSVM_TTY" >"$IPVSVM_TTY" 2>&1
    else
        /bin/bash /ipvs-vm/cmd >"$out" 2>&1 </dev/null
    fi
    rc=$?
    echo "$rc" >/ipvs-vm/rc.tmp && mv /ipvs-vm/rc.tmp /ipvs-vm/rc
    sync
    echo o >/proc/sysrq-trigger
    sleep 10 2>/dev/null
    exit 0
fi

# ---------------- phase 1: in the initramfs ----------------
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
grep -q ipvsvm.debug /proc/cmdline && set -x

# Modules are listed in load order by the builder.
while read -r m; do
    insmod "/modules/$m" || die "insmod $m failed"
done </modules/order

O9P="trans=virtio,version=9p2000.L,msize=262144"
mkdir -p /xfer /lower /rw /newroot
mount -t 9p -o "$O9P,cache=none" xfer /xfer || die "mount xfer failed"
. /xfer/env || die "no /xfer/env"
mount -t 9p -o "$O9P,ro,cache=loose" hostroot /lower || die "mount hostroot failed"
mount -t tmpfs -o mode=755 tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot \
    || die "overlay mount failed"

if [ -n "${IPVSVM_DISK:-}" ]; then
    # ---------------- systemd mode: the Debian disk is the root ----------------
    umount /newroot # the overlay of the host's root is not used; /lower still gives the modules
    for _ in 1 2 3 4 5 6 7 8 9 10; do [ -b /dev/vda ] && break; sleep 0.2; done
    mount -t ext4 -o rw,noatime /dev/vda /newroot || die "cannot mount the root disk /dev/vda"
    R=/newroot
    [ -x $R/lib/systemd/systemd ] || die "no systemd on the root disk"
    mount -t tmpfs -o mode=755,nosuid,nodev tmpfs $R/run
    mkdir -p $R/ipvs-vm $R/lib/modules/"$IPVSVM_KVER" $R/run/systemd/system/multi-user.target.wants
    mount --move /xfer $R/ipvs-vm
    mount --bind "/lower$IPVSVM_KDIR/lib/modules/$IPVSVM_KVER" $R/lib/modules/"$IPVSVM_KVER" \
        || die "cannot bind kernel modules from $IPVSVM_KDIR"
    i=0
    while [ "$i" -lt "${IPVSVM_NRW:-0}" ]; do
        p=""; eval "p=\$IPVSVM_RW$i"
        mkdir -p "$R$p"
        mount -t 9p -o "$O9P,cache=mmap" "rw$i" "$R$p" || die "mount rw$i ($p) failed"
        i=$((i + 1))
    done
    cp /init $R/run/ipvs-vm-init.sh
    U=$R/run/systemd/system
    cat >$U/ipvs-vm-cmd.service <<'UNIT'
[Unit]
Description=ipvs-vm: the command of this run
After=multi-user.target

[Service]
Type=oneshot
ExecStart=/bin/sh /run/ipvs-vm-init.sh unitcmd
StandardInput=null
StandardOutput=journal
TimeoutStartSec=infinity
UNIT
    ln -s ../ipvs-vm-cmd.service $U/multi-user.target.wants/ipvs-vm-cmd.service
    if [ -n "${IPVSVM_NET:-}" ]; then
        cat >$U/ipvs-vm-net.service <<'UNIT'
[Unit]
Description=ipvs-vm: eth0 to the host's forwards
DefaultDependencies=no
After=network-pre.target systemd-udevd.service
Wants=network-pre.target
Before=network.target network-online.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh /run/ipvs-vm-init.sh net
UNIT
        ln -s ../ipvs-vm-net.service $U/multi-user.target.wants/ipvs-vm-net.service
    fi
    mount --move /proc $R/proc
    mount --move /sys $R/sys
    mount --move /dev $R/dev
    exec switch_root $R /lib/systemd/systemd
fi

R=/newroot
mount -t tmpfs -o mode=755,nosuid,nodev tmpfs $R/run
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs $R/tmp
mkdir -p $R/ipvs-vm $R/lib/modules/"$IPVSVM_KVER"
mount --move /xfer $R/ipvs-vm
mount --bind "/lower$IPVSVM_KDIR/lib/modules/$IPVSVM_KVER" $R/lib/modules/"$IPVSVM_KVER" \
    || die "cannot bind kernel modules from $IPVSVM_KDIR"
# Read-write shares: tags rw0..rwN, mounted at the same path as on the host.
i=0
while [ "$i" -lt "${IPVSVM_NRW:-0}" ]; do
    p=""; eval "p=\$IPVSVM_RW$i"
    mkdir -p "$R$p"
    mount -t 9p -o "$O9P,cache=mmap" "rw$i" "$R$p" || die "mount rw$i ($p) failed"
    i=$((i + 1))
done
mount --move /proc $R/proc
mount --move /sys $R/sys
mount --move /dev $R/dev
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts -o mode=620,ptmxmode=666 devpts $R/dev/pts
mount -t tmpfs -o mode=1777 tmpfs $R/dev/shm
ln -sf /proc/self/fd $R/dev/fd
ln -sf /proc/self/fd/0 $R/dev/stdin
ln -sf /proc/self/fd/1 $R/dev/stdout
ln -sf /proc/self/fd/2 $R/dev/stderr
cp /init $R/ipvs-vm-init.sh
exec switch_root $R /bin/sh /ipvs-vm-init.sh stage2
