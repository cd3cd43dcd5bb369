#!/bin/sh
# customize.sh ROOT - mmdebstrap customize hook of board/image/build-image.sh:
# the layout of a provisioned Crier card, minus the crier package itself (added
# by build-image.sh so that a firmware change does not rebuild the base).
#
#   /etc/fstab             data partition LABEL=crier-data at /var/lib/crier
#                          (noatime, nofail, fsck pass 2, as tools/flash/crier-flash
#                          writes it, but 90 s for the device instead of 10 s:
#                          under TCG on a busy host udev took over 30 s to label
#                          the second virtio disk, and crier.service, which needs
#                          the mount (WorkingDirectory=, StateDirectory=), then
#                          never started), /tmp in RAM; no / line (overlay root)
#   journald               Storage=volatile, RuntimeMaxUse=32M (as crier-flash)
#   read-only root         initramfs script overlay-root (tmpfs over the ro root)
#   network                systemd-networkd, DHCP on every wired interface
#   initramfs              built once here (update-initramfs was diverted to a stub
#                          by the essential hook, so package installs did not build it)
set -eu
root=$1
arch=${CRIER_IMAGE_ARCH:?}
here=${CRIER_IMAGE_DIR:?}

install -d "$root/var/lib/crier" "$root/etc/systemd/journald.conf.d" "$root/etc/systemd/network"
cat >"$root/etc/fstab" <<FSTAB
# Crier kiosk (board/image): the root is read-only under a RAM overlay
# (initramfs script crier-overlay), so it has no line here.
LABEL=crier-data  /var/lib/crier  ext4  defaults,noatime,nofail,x-systemd.device-timeout=90s  0  2
tmpfs  /tmp  tmpfs  mode=1777,nosuid,nodev,size=64M  0  0
FSTAB
printf '[Journal]\n# crier-flash: the journal lives in RAM; the card is spared.\nStorage=volatile\nRuntimeMaxUse=32M\n' \
  >"$root/etc/systemd/journald.conf.d/crier.conf"
echo crier-kiosk >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tcrier-kiosk\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
cat >"$root/etc/systemd/network/20-wired.network" <<NET
[Match]
Name=en* eth*

[Network]
DHCP=yes
NET
chroot "$root" systemctl enable systemd-networkd.service systemd-networkd-wait-online.service >/dev/null 2>&1
# Nothing may write the card behind crier's back: no periodic e2scrub, no
# random-seed or timesync state (they would go to the RAM overlay anyway).
chroot "$root" systemctl mask e2scrub_all.timer e2scrub_reap.service >/dev/null 2>&1 || true
# No text logins on tty2..6 (getty-static): the screen belongs to crier.
chroot "$root" systemctl mask getty-static.service >/dev/null 2>&1 || true
# The .deb's postinst adds crier to the render group: make sure it exists (udev
# creates it on a running system; in the chroot nobody did).
chroot "$root" getent group render >/dev/null || chroot "$root" groupadd --system render

# Kernel modules the image never loads.  The amd64 image only ever runs in QEMU
# (virtio); the arm64 one keeps everything a Pi 4 may need (vc4, v3d, CEC,
# sound, Wi-Fi, Ethernet).  Smaller root, faster mkfs.ext4 -d.
if [ "$arch" = amd64 ]; then
  for kdir in "$root"/lib/modules/*/kernel; do
    for d in drivers/net/wireless drivers/net/ethernet drivers/gpu/drm/amd drivers/gpu/drm/nouveau \
             drivers/gpu/drm/i915 drivers/gpu/drm/radeon drivers/media drivers/infiniband drivers/staging \
             drivers/isdn drivers/bluetooth drivers/net/can drivers/scsi/qla2xxx drivers/scsi/lpfc sound \
             net/wireless net/mac80211 net/bluetooth fs/btrfs fs/xfs fs/ocfs2 fs/gfs2 fs/nfs fs/ceph fs/smb; do
      rm -rf "${kdir:?}/$d"
    done
  done
  rm -rf "$root"/lib/firmware/*
  for kver in $(ls "$root/lib/modules"); do chroot "$root" depmod "$kver"; done
fi
rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/*/LC_MESSAGES

# The read-only root and the initramfs, built once.
install -m 0755 "$here/overlay-root" "$root/etc/initramfs-tools/scripts/init-bottom/crier-overlay"
cat >"$root/etc/initramfs-tools/conf.d/crier.conf" <<CONF
# only the listed modules and what the running board needs (no host probing in a chroot)
MODULES=list
CONF
{
  echo "# board/image: the root disk and the overlay"
  echo ext4; echo overlay
  # QEMU's disks (amd64 q35 and arm64 virt); a Pi 4 image would list
  # sdhci_iproc mmc_block here (docs/board.md, arm64 notes)
  printf '%s\n' virtio_pci virtio_mmio virtio_blk virtio_scsi
} >>"$root/etc/initramfs-tools/modules"
rm -f "$root/usr/sbin/update-initramfs"
chroot "$root" dpkg-divert --quiet --local --rename --remove /usr/sbin/update-initramfs
chroot "$root" update-initramfs -c -k all
