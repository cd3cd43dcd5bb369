#!/bin/sh
# crier-firstboot - one-time set-up of a Raspberry Pi OS card written by
# tools/flash/crier-flash (run by crier-firstboot.service as root).
#
# Each step is idempotent, so a failed run (no network yet) is simply retried
# by systemd.  The trigger file /var/lib/crier-flash/firstboot goes last.
set -eu
state=/var/lib/crier-flash
log() { echo "crier-firstboot: $*"; }

# 1. The package: apt resolves its Depends (SDL2, libmosquitto, ...).
if ! dpkg-query -W -f='${Status}' crier 2>/dev/null | grep -q 'install ok installed'; then
  log "installing crier package"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$state"/crier*.deb
fi

# 2. Keys and config written by crier-flash are root:root; crier reads them
#    through its group (the .deb's postinst created user and group).
chgrp -R crier /etc/crier
chmod 0750 /etc/crier /etc/crier/keys 2>/dev/null || true
find /etc/crier -type f -exec chmod 0640 {} +

# 3. No swap on the card (dphys-swapfile is masked by crier-flash too).
if command -v dphys-swapfile >/dev/null 2>&1; then
  dphys-swapfile swapoff || true
  dphys-swapfile uninstall || true
fi

# 4. The data partition (LABEL=crier-data) holds cache, alerts and logs.
mkdir -p /var/lib/crier
mountpoint -q /var/lib/crier || mount /var/lib/crier || log "warning: data partition not mounted"
mkdir -p /var/lib/crier/cache /var/lib/crier/alerts /var/lib/crier/logs
chown -R crier:crier /var/lib/crier
chmod 0750 /var/lib/crier

systemctl enable crier.service

# 5. Read-only root: Raspberry Pi OS's overlayroot set-up (initramfs based).
if [ ! -e "$state/no-overlay" ] && command -v raspi-config >/dev/null 2>&1; then
  log "enabling the read-only root overlay"
  raspi-config nonint do_overlayfs 0
fi

rm -f "$state"/crier*.deb "$state/firstboot"
systemctl disable crier-firstboot.service || true
log "done; rebooting"
systemctl --no-block reboot
