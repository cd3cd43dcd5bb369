#!/usr/bin/env bash
# test_flash.sh - tools/flash/crier-flash on real, small disk images.
#
# Builds a 64 MiB sparse two-partition image shaped like Raspberry Pi OS Lite
# (dos label, FAT boot with cmdline.txt/config.txt, ext4 root made with
# mkfs.ext4 -d), provisions it, then checks every written file with
# mtype/mdir (FAT) and debugfs (ext4) against its source, the partition table,
# e2fsck -fn and fsck.vfat -n on partitions cut out with dd.  Every bad input
# must fail with a clear message, create no output, leave no temp file, and
# leave the base image byte-for-byte unchanged.  Batch mode and the refusals
# of `write` are covered too; a real write to a loop device runs when root.
set -euo pipefail
src=${CRIER_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}
flash=$src/tools/flash/crier-flash
for t in sfdisk partx mkfs.vfat fsck.vfat mdir mcopy mtype debugfs mkfs.ext4 e2fsck dpkg-deb; do
  command -v "$t" >/dev/null 2>&1 || { echo "FAIL: $t missing (scripts/deps.sh installs it)"; exit 1; }
done

tmp=$(mktemp -d)
loopdev=""
cleanup() { [[ -z "$loopdev" ]] || losetup -d "$loopdev" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
cd "$tmp"
# Never let a developer's build/crier decide the config check here.
export CRIER_FLASH_CRIER=none

fails=0 passes=0
fail() { echo "FAIL $*" >&2; fails=$((fails + 1)); }
ok() { echo "ok   $*" >&2; passes=$((passes + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else fail "$what"; fi; }

# ------------------------------------------------------------ fixtures

# make_base IMG [ROOT_MIB] [BOOT_FILES=yes|no] [P1_TYPE]
make_base() {
  local img=$1 root_mib=${2:-46} boot_files=${3:-yes} p1type=${4:-c}
  local boot_s=32768 root_start=34816 root_s=$(( root_mib * 2048 ))
  truncate -s $(( (root_start + root_s) * 512 )) "$img"
  printf 'label: dos\nlabel-id: 0x1c2d3e4f\nstart=2048, size=%d, type=%s\nstart=%d, size=%d, type=83\n' \
    "$boot_s" "$p1type" "$root_start" "$root_s" | sfdisk -q "$img"
  mkfs.vfat -n bootfs --offset=2048 "$img" $((boot_s / 2)) >/dev/null 2>&1
  if [[ "$boot_files" == yes ]]; then
    echo 'console=serial0,115200 console=tty1 root=PARTUUID=1c2d3e4f-02 rootfstype=ext4 fsck.repair=yes rootwait quiet init=/usr/lib/raspberrypi-sys-mods/firstboot' >cmdline.src
    printf '# Raspberry Pi config\ndtparam=audio=on\ncamera_auto_detect=1\ndtoverlay=vc4-kms-v3d\nmax_framebuffers=2\n\n[cm4]\notg_mode=1\n' >config.src
    mcopy -i "$img@@$((2048 * 512))" cmdline.src ::/cmdline.txt
    mcopy -i "$img@@$((2048 * 512))" config.src ::/config.txt
  fi
  rm -rf rootdir && mkdir -p rootdir/etc/systemd/system/multi-user.target.wants rootdir/usr/local/sbin rootdir/var/lib
  echo raspberrypi >rootdir/etc/hostname
  printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\traspberrypi\n' >rootdir/etc/hosts
  printf 'proc            /proc           proc    defaults          0       0\nPARTUUID=1c2d3e4f-01  /boot/firmware  vfat    defaults          0       2\nPARTUUID=1c2d3e4f-02  /               ext4    defaults,noatime  0       1\n' >rootdir/etc/fstab
  printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n' >rootdir/etc/os-release
  mkfs.ext4 -q -F -L rootfs -d rootdir -E offset=$((root_start * 512)) "$img" $((root_s / 2))k
}

make_deb() { # OUT ARCH [PAYLOAD_MIB]
  rm -rf debroot && mkdir -p debroot/DEBIAN debroot/usr/bin
  printf 'Package: crier\nVersion: 0.1.0\nArchitecture: %s\nMaintainer: test <t@example.org>\nDescription: test package\n' "$2" >debroot/DEBIAN/control
  printf '#!/bin/sh\necho crier\n' >debroot/usr/bin/crier && chmod 755 debroot/usr/bin/crier
  [[ -z "${3:-}" ]] || head -c $(($3 * 1024 * 1024)) /dev/urandom >debroot/usr/bin/payload
  dpkg-deb -Znone --root-owner-group --build debroot "$1" >/dev/null
}

make_base base.img
make_deb crier_0.1.0_arm64.deb arm64
make_deb crier_0.1.0_amd64.deb amd64
mkdir -p keys/trusted
printf -- '-----BEGIN CERTIFICATE-----\nMIIBroker\n-----END CERTIFICATE-----\n' >keys/ca.crt
echo 'ed25519:cXVpZXQgYWxlcnQga2V5IG9uZQ==' >keys/trusted/office.pub
echo 'ed25519:c2Vjb25kIGFsZXJ0IGtleQ==' >keys/trusted/backup.pub
printf -- '-----BEGIN CERTIFICATE-----\nMIIClient\n-----END CERTIFICATE-----\n' >keys/client.crt
printf -- '-----BEGIN PRIVATE KEY-----\nMIIKey\n-----END PRIVATE KEY-----\n' >keys/client.key
printf '# kiosk in the town hall\nkiosk_id = townhall-1\nbroker_url = mqtts://broker.example.org:8883\nbroker_cafile = /etc/crier/keys/ca.crt\n\nsource.events.url = "https://example.org/feed.xml"\n' >kiosk.conf
printf 'ssid = City Hall Guest\npsk = correct horse battery\ncountry = GB\n' >wifi.conf
base_sum=$(sha256sum base.img | cut -d' ' -f1)
base_unchanged() { [[ "$(sha256sum base.img | cut -d' ' -f1)" == "$base_sum" ]]; }

# ------------------------------------------------------------ provision

start=$(date +%s%N)
mkdir -p out
if "$flash" provision --image base.img --config kiosk.conf --keys keys --wifi wifi.conf \
     --deb crier_0.1.0_arm64.deb --hostname townhall-1 --data-size 16 --out out/townhall-1.img >prov.log 2>&1; then
  ok "provision ($(( ($(date +%s%N) - start) / 1000000 )) ms)"
else
  fail "provision: $(cat prov.log)"
  echo "test_flash: cannot go on"; exit 1
fi
img=out/townhall-1.img
check "base image untouched by provision" base_unchanged
check "provision prints what it wrote" grep -qE 'wrote root:600 +/etc/crier/keys/client.key' prov.log
check "no temp files left" test -z "$(find out -name '.*' -type f)"

# Partition table: boot and root kept, data appended.
mapfile -t parts < <(partx -g -b -o NR,START,SECTORS,TYPE "$img")
check "three partitions" test "${#parts[@]}" -eq 3
read -r _ bstart bsec _ <<<"${parts[0]}"
read -r _ rstart rsec _ <<<"${parts[1]}"
read -r _ dstart dsec dtype <<<"${parts[2]:-0 0 0 0}"
check "boot and root partitions unchanged" test "$bstart/$bsec/$rstart/$rsec" = "2048/32768/34816/94208"
check "data partition 16 MiB, type 83, after root" test "$dsec/$dtype" = "32768/0x83" -a "$dstart" -ge $((rstart + rsec))
check "disk id kept (root=PARTUUID still valid)" bash -c "sfdisk --dump '$img' | grep -q 'label-id: 0x1c2d3e4f'"

# Cut the partitions out with dd and check each on its own.
boot=$tmp/boot.part rootp=$tmp/root.part data=$tmp/data.part
dd if="$img" of="$boot" bs=512 skip="$bstart" count="$bsec" conv=sparse status=none
dd if="$img" of="$rootp" bs=512 skip="$rstart" count="$rsec" conv=sparse status=none
dd if="$img" of="$data" bs=512 skip="$dstart" count="$dsec" conv=sparse status=none
check "fsck.vfat -n boot" fsck.vfat -n "$boot" >/dev/null
check "e2fsck -fn root" e2fsck -fn "$rootp" >/dev/null 2>&1
check "e2fsck -fn data" e2fsck -fn "$data" >/dev/null 2>&1
check "data label crier-data" test "$(e2label "$data")" = crier-data
for d in cache alerts logs; do
  check "data has /$d" bash -c "debugfs -R 'stat /$d' '$data' 2>/dev/null | grep -q 'Type: directory'"
done

# Boot partition.
mtype -i "$boot" ::/cmdline.txt >cmdline.out
check "cmdline.txt is one line" test "$(wc -l <cmdline.out)" -eq 1
for want in root=PARTUUID=1c2d3e4f-02 rootwait console=tty1 consoleblank=0 vt.global_cursor_default=0 \
            video=HDMI-A-1:1920x1080@60D cfg80211.ieee80211_regdom=GB logo.nologo; do
  check "cmdline has $want" grep -qw -- "$want" cmdline.out
done
check "cmdline drops the Pi OS root resize" bash -c "! grep -q 'init=' cmdline.out"
mtype -i "$boot" ::/config.txt >config.out
check "config.txt keeps the original" bash -c "grep -q '^camera_auto_detect=1' config.out && grep -q '^otg_mode=1' config.out"
check "config.txt crier block" bash -c "grep -q '^disable_splash=1' config.out && test \$(grep -c 'crier-flash begin' config.out) -eq 1"
check "config.txt no second vc4-kms-v3d" test "$(grep -c '^dtoverlay=vc4-kms-v3d' config.out)" -eq 1
check "boot has only the two files" test "$(mdir -b -i "$boot" ::/ | wc -l)" -eq 2

# Root file system: content, owner and mode of every file.
ext4_file() { # PATH MODE EXPECTED_FILE
  local path=$1 mode=$2 want=$3 st
  rm -f got.tmp
  debugfs -R "dump $path got.tmp" "$rootp" >/dev/null 2>&1
  st=$(debugfs -R "stat $path" "$rootp" 2>/dev/null)
  if [[ -f got.tmp ]] && cmp -s "$want" got.tmp && grep -q "Mode:  0$mode" <<<"$st" &&
     grep -qE 'User: +0 +Group: +0 ' <<<"$st"; then
    ok "root $path ($mode, root:root, content)"
  else
    fail "root $path: $(head -c 300 <<<"$st")"
  fi
}
ext4_file /etc/crier/crier.conf 640 kiosk.conf
ext4_file /etc/crier/keys/ca.crt 640 keys/ca.crt
ext4_file /etc/crier/keys/trusted/office.pub 640 keys/trusted/office.pub
ext4_file /etc/crier/keys/trusted/backup.pub 640 keys/trusted/backup.pub
ext4_file /etc/crier/keys/client.crt 640 keys/client.crt
ext4_file /etc/crier/keys/client.key 600 keys/client.key
echo townhall-1 >hostname.want
ext4_file /etc/hostname 644 hostname.want
ext4_file /var/lib/crier-flash/crier_0.1.0_arm64.deb 644 crier_0.1.0_arm64.deb
ext4_file /usr/local/sbin/crier-firstboot 755 "$src/board/firstboot.sh"
ext4_file /etc/systemd/system/crier-firstboot.service 644 "$src/board/crier-firstboot.service"
debugfs -R 'cat /etc/hosts' "$rootp" 2>/dev/null >hosts.out
check "hosts: new name, localhost kept" bash -c "grep -qP '^127\\.0\\.1\\.1\\ttownhall-1\$' hosts.out && grep -q '^127.0.0.1' hosts.out && ! grep -q raspberrypi hosts.out"
debugfs -R 'cat /etc/fstab' "$rootp" 2>/dev/null >fstab.out
check "fstab: root kept, data partition added" bash -c "grep -q 'PARTUUID=1c2d3e4f-02  /  ' fstab.out && grep -qE '^LABEL=crier-data +/var/lib/crier +ext4' fstab.out"
debugfs -R 'cat /etc/systemd/journald.conf.d/crier.conf' "$rootp" 2>/dev/null >journald.out
check "journald in RAM" grep -qx 'Storage=volatile' journald.out
debugfs -R 'cat /etc/NetworkManager/system-connections/crier-wifi.nmconnection' "$rootp" 2>/dev/null >wifi.out
check "wifi connection" bash -c "grep -qx 'ssid=City Hall Guest' wifi.out && grep -qx 'psk=correct horse battery' wifi.out && grep -qx 'key-mgmt=wpa-psk' wifi.out"
check "wifi file 0600" bash -c "debugfs -R 'stat /etc/NetworkManager/system-connections/crier-wifi.nmconnection' '$rootp' 2>/dev/null | grep -q 'Mode:  0600'"
link_target() { debugfs -R "stat $1" "$rootp" 2>/dev/null | sed -n 's/^Fast link dest: "\(.*\)"$/\1/p'; }
check "first-boot unit enabled" test "$(link_target /etc/systemd/system/multi-user.target.wants/crier-firstboot.service)" = /etc/systemd/system/crier-firstboot.service
check "swap masked" test "$(link_target /etc/systemd/system/dphys-swapfile.service)" = /dev/null
check "first-boot trigger" bash -c "debugfs -R 'stat /var/lib/crier-flash/firstboot' '$rootp' 2>/dev/null | grep -q 'Type: regular'"
check "data mount point" bash -c "debugfs -R 'stat /var/lib/crier' '$rootp' 2>/dev/null | grep -q 'Type: directory'"
check "no overlay opt-out by default" bash -c "! debugfs -R 'stat /var/lib/crier-flash/no-overlay' '$rootp' 2>&1 | grep -q '^Inode:'"
check "keys never on the FAT partition" bash -c "! mdir -/ -b -i '$boot' ::/ | grep -qiE 'key|crt|pub'"

# Provisioning a provisioned image again: data partition kept, no duplicate blocks.
if "$flash" provision --image "$img" --config kiosk.conf --keys keys --deb crier_0.1.0_arm64.deb \
     --hostname townhall-2 --out out/again.img >again.log 2>&1; then
  check "re-provision keeps 3 partitions" test "$(partx -g -o NR out/again.img | wc -l)" -eq 3
  check "re-provision: one crier block in config.txt" test "$(mtype -i "out/again.img@@$((2048 * 512))" ::/config.txt | grep -c 'crier-flash begin')" -eq 1
  check "re-provision: one video= in cmdline" test "$(mtype -i "out/again.img@@$((2048 * 512))" ::/cmdline.txt | grep -o 'video=' | wc -l)" -eq 1
  check "re-provision: one data line in fstab" test "$(debugfs -R 'cat /etc/fstab' "out/again.img?offset=$((34816 * 512))" 2>/dev/null | grep -c crier-data)" -eq 1
else
  fail "re-provision: $(cat again.log)"
fi
rm -f out/again.img

# ------------------------------------------------------------ bad input

# bad NAME PATTERN ARGS... : must fail, say PATTERN, write nothing, keep base.
bad() {
  local name=$1 pattern=$2; shift 2
  rm -rf badout && mkdir badout
  local before
  before=$(sha256sum "$BAD_IMAGE" | cut -d' ' -f1)
  if "$flash" provision --out badout/k.img "$@" >bad.log 2>&1; then
    fail "$name: provision succeeded"
  elif ! grep -qE "$pattern" bad.log; then
    fail "$name: message '$(tr '\n' ' ' <bad.log)' lacks /$pattern/"
  elif [[ -n "$(ls -A badout)" ]]; then
    fail "$name: left files: $(ls -A badout)"
  elif [[ "$(sha256sum "$BAD_IMAGE" | cut -d' ' -f1)" != "$before" ]]; then
    fail "$name: input image changed"
  else
    ok "bad input: $name -> $(grep -m1 error: bad.log)"
  fi
}
std=(--config kiosk.conf --keys keys --deb crier_0.1.0_arm64.deb)

head -c $((4 * 1024 * 1024)) /dev/urandom >random.img
BAD_IMAGE=random.img bad "not an image" 'not a disk image' --image random.img "${std[@]}"
echo "hello" >text.img
BAD_IMAGE=text.img bad "text file" 'not a disk image' --image text.img "${std[@]}"
make_base noboot.img 46 yes 83
BAD_IMAGE=noboot.img bad "partition 1 not FAT" 'no boot partition' --image noboot.img "${std[@]}"
make_base nocmd.img 46 no
BAD_IMAGE=nocmd.img bad "FAT without cmdline.txt" 'no boot partition' --image nocmd.img "${std[@]}"
make_base tiny.img 4
make_deb big_arm64.deb arm64 6
BAD_IMAGE=tiny.img bad "too little room" 'too little room' --image tiny.img --config kiosk.conf --keys keys --deb big_arm64.deb
BAD_IMAGE=base.img
printf 'kiosk_id = a\nthis line is wrong\n' >bad1.conf
bad "config syntax" 'bad1.conf:2' --image base.img --config bad1.conf --keys keys --deb crier_0.1.0_arm64.deb
printf 'kiosk_id = a\n# c\nkiosk_id = b\n' >bad2.conf
bad "config duplicate key" "bad2.conf:3: key 'kiosk_id' repeats line 1" --image base.img --config bad2.conf --keys keys --deb crier_0.1.0_arm64.deb
: >empty.conf
bad "config empty" 'no settings' --image base.img --config empty.conf --keys keys --deb crier_0.1.0_arm64.deb
printf '#!/bin/sh\n[ "$1 $3" = "--config --check-config" ] || exit 3\necho "config $2 line 4: unknown key mqtt.hots" >&2\nexit 1\n' >checker.sh
chmod +x checker.sh
CRIER_FLASH_CRIER=$tmp/checker.sh bad "crier --check-config rejects" 'line 4: unknown key mqtt.hots' --image base.img "${std[@]}"
bad "config missing" 'not a readable file' --image base.img --config nope.conf --keys keys --deb crier_0.1.0_arm64.deb
cp -r keys keys_noca && rm keys_noca/ca.crt
bad "keys: no CA" 'ca.crt' --image base.img --config kiosk.conf --keys keys_noca --deb crier_0.1.0_arm64.deb
cp -r keys keys_notrust && rm keys_notrust/trusted/*
bad "keys: no trusted key" 'no trusted keys' --image base.img --config kiosk.conf --keys keys_notrust --deb crier_0.1.0_arm64.deb
cp -r keys keys_halfclient && rm keys_halfclient/client.key
bad "keys: client.crt without key" 'go together' --image base.img --config kiosk.conf --keys keys_halfclient --deb crier_0.1.0_arm64.deb
bad "keys: folder missing" 'not a folder' --image base.img --config kiosk.conf --keys nokeys --deb crier_0.1.0_arm64.deb
bad "deb for amd64" 'needs arm64' --image base.img --config kiosk.conf --keys keys --deb crier_0.1.0_amd64.deb
bad "deb not a package" 'not a Debian package' --image base.img --config kiosk.conf --keys keys --deb kiosk.conf
bad "bad hostname" 'hostname' --image base.img "${std[@]}" --hostname 'Bad_Name'
printf 'ssid = x\npsk = short\ncountry = GB\n' >badwifi.conf
bad "wifi psk too short" 'psk must be' --image base.img "${std[@]}" --wifi badwifi.conf
rm -rf badout && mkdir badout && touch badout/k.img
if "$flash" provision --image base.img "${std[@]}" --out badout/k.img >bad.log 2>&1; then
  fail "existing --out replaced without --force"
else
  check "existing --out kept" test ! -s badout/k.img
fi
check "base image untouched by all bad input" base_unchanged

# ------------------------------------------------------------ batch

mkdir -p batch
cat >kiosks.csv <<'EOF'
hostname,config,keys,wifi
library-1,kiosk.conf,keys,wifi.conf
station-2,kiosk.conf,keys,
broken-3,bad1.conf,keys,
EOF
if "$flash" batch --image base.img --csv kiosks.csv --out-dir batch --deb crier_0.1.0_arm64.deb --data-size 8 >batch.log 2>&1; then
  fail "batch with a bad line exited 0"
else
  check "batch summary" grep -q '2 image(s) written, 1 failed: broken-3' batch.log
fi
check "batch images" test -f batch/library-1.img -a -f batch/station-2.img -a ! -e batch/broken-3.img
check "batch hostname" test "$(debugfs -R 'cat /etc/hostname' "batch/station-2.img?offset=$((34816 * 512))" 2>/dev/null)" = station-2
check "batch wifi only where asked" bash -c "! debugfs -R 'stat /etc/NetworkManager/system-connections/crier-wifi.nmconnection' 'batch/station-2.img?offset=$((34816 * 512))' 2>&1 | grep -q '^Inode:'"
check "base image untouched by batch" base_unchanged

# ------------------------------------------------------------ write

writebad() { # NAME PATTERN ARGS...
  local name=$1 pattern=$2; shift 2
  if "$flash" write "$@" >w.log 2>&1; then fail "write $name: succeeded"
  elif grep -qE "$pattern" w.log; then ok "write refuses $name"
  else fail "write $name: $(cat w.log)"; fi
}
cp --sparse=always "$img" target.file
writebad "a regular file" 'not a block device' --image "$img" --device target.file
writebad "a non-image" 'not a disk image' --image random.img --device /dev/null
check "regular-file target untouched" cmp -s "$img" target.file
if [[ $(id -u) -eq 0 ]] && command -v losetup >/dev/null && command -v bmaptool >/dev/null &&
   truncate -s 128M loop.backing && loopdev=$(losetup -f --show loop.backing 2>/dev/null); then
  writebad "a non-removable disk" 'not removable' --image "$img" --device "$loopdev"
  check "refused disk not written" test -z "$(head -c 1048576 "$loopdev" | tr -d '\0' | head -c 1)"
  if "$flash" write --image "$img" --device "$loopdev" --force >w.log 2>&1 && grep -q verified w.log; then
    ok "write --force to $loopdev with bmaptool, verified"
    check "card matches image" cmp -n "$(stat -c %s "$img")" "$img" "$loopdev"
  else
    fail "write --force: $(tail -5 w.log)"
  fi
  writebad "a card over --max-size" 'not removable|max-size' --image "$img" --device "$loopdev" --max-size 0
else
  echo "note: not root or no loop device; the write to a real block device is not exercised" >&2
fi

echo "test_flash: $passes passed, $fails failed"
((fails == 0))
