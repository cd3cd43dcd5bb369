#!/usr/bin/env bash
# build-image.sh - the Crier system image: Debian 12 (bookworm), the crier .deb
# with its Depends, systemd, a kernel, Mesa, e2fsprogs, and the layout of a
# provisioned card (config and keys in /etc/crier, a separate data partition
# at /var/lib/crier, read-only root under a RAM overlay, journal in RAM).
#
#   board/image/build-image.sh --deb FILE [--arch amd64|arm64] [--extra DIR]
#                              [--cache DIR] [--jobs N]
#
# Built without loop devices or mounts: mmdebstrap writes a tarball of the base
# system, the .deb is installed into an unpacked copy with chroot + dpkg -i (its
# maintainer scripts run: user, groups, enable), and the file systems are made
# with `mkfs.ext4 -d`.  Needs root (chroot, file owners); amd64 on amd64, arm64
# needs qemu-user-static with binfmt_misc.
#
# --extra DIR   a tree copied over the root after the package (a provisioned
#               card's /etc/crier/crier.conf, keys, content; tests add a console)
# Output: the last line printed is the image folder
#   $CACHE/img-ARCH-HASH/{root.img,data.img,vmlinuz,initrd.img,manifest}
# Cache (default /var/cache/crier-vm, or $CRIER_VM_CACHE): two layers, each named
# by the hash of its inputs, so a second run with the same inputs is instant:
#   base-ARCH-HASH.tar   mmdebstrap output: this script, customize.sh,
#                        overlay-root, packages.txt, the .deb's Depends line
#   img-ARCH-HASH/       the base hash + the .deb's control and md5sums (its
#                        content, not its timestamps) + the --extra tree
# The newest 2 bases and 3 images per architecture are kept.
# The Debian archive itself is not part of the hash: CRIER_IMAGE_EPOCH=N (any
# text) changes it, to pick up point releases.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
arch=amd64 deb="" extra="" cache=${CRIER_VM_CACHE:-/var/cache/crier-vm}
suite=bookworm
mirror=${CRIER_IMAGE_MIRROR:-http://deb.debian.org/debian}
while (($#)); do
  case $1 in
    --arch) arch=$2; shift ;;
    --deb) deb=$2; shift ;;
    --extra) extra=$2; shift ;;
    --cache) cache=$2; shift ;;
    -h|--help) sed -n '2,33p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-image.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
die() { echo "build-image.sh: $*" >&2; exit 1; }
log() { echo "build-image: $*" >&2; }
[[ -f $deb ]] || die "--deb FILE: the crier package (cpack -G DEB) is needed"
case $arch in amd64|arm64) ;; *) die "--arch amd64 or arm64" ;; esac
[[ $(id -u) -eq 0 ]] || die "needs root (chroot, file owners)"
for t in mmdebstrap mkfs.ext4 dpkg-deb sha256sum; do command -v $t >/dev/null || die "$t missing"; done
deb_arch=$(dpkg-deb -f "$deb" Architecture)
[[ $deb_arch == "$arch" ]] || die "$deb is for $deb_arch, not $arch"
mkdir -p "$cache"

# ---- layer 1: the base system -----------------------------------------------------
depends=$(dpkg-deb -f "$deb" Depends)
# package names of Depends (versions and alternatives dropped: apt takes bookworm's)
dep_pkgs=$(tr ',' '\n' <<<"$depends" | sed -e 's/|.*//' -e 's/(.*)//' -e 's/[[:space:]]//g' | grep -v '^$' | sort -u)
img_pkgs=$(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$here/packages.txt" | grep -v '^$' |
           awk -F: -v a="$arch" 'NF == 1 { print; next } $1 == a { print $2 }' | sort -u)
include=$(printf '%s\n' $img_pkgs $dep_pkgs | sort -u | paste -sd, -)
base_key=$( { echo "$arch $suite $mirror ${CRIER_IMAGE_EPOCH:-}"; mmdebstrap --version; echo "$include";
              cat "$0" "$here/customize.sh" "$here/overlay-root" "$here/packages.txt"; } | sha256sum | cut -c1-16)
base=$cache/base-$arch-$base_key.tar

t0=$SECONDS
if [[ -s $base ]]; then
  log "base $arch $base_key: cached ($base)"
else
  log "base $arch $base_key: building with mmdebstrap (packages: $include)"
  tmp_base=${base%.tar}.tmp$$.tar
  # update-initramfs is diverted to a stub while packages install, so the kernel,
  # udev, kmod ... do not each build an initramfs; customize.sh builds it once.
  CRIER_IMAGE_ARCH=$arch CRIER_IMAGE_DIR=$here \
  mmdebstrap --variant=minbase --arch="$arch" --include="$include" \
    --essential-hook='chroot "$1" dpkg-divert --quiet --local --rename --add /usr/sbin/update-initramfs &&
      printf "#!/bin/sh\necho \"update-initramfs: deferred to customize.sh\"\n" >"$1/usr/sbin/update-initramfs" &&
      chmod 0755 "$1/usr/sbin/update-initramfs"' \
    --customize-hook="$here/customize.sh \"\$1\"" \
    --customize-hook='rm -rf "$1"/var/cache/apt/*.bin "$1"/var/lib/apt/lists/*_Packages' \
    "$suite" "$tmp_base" \
    "deb $mirror $suite main" "deb $mirror $suite-updates main" \
    "deb http://deb.debian.org/debian-security $suite-security main" >&2 ||
    { rm -f "$tmp_base"; die "mmdebstrap failed"; }
  mv "$tmp_base" "$base"
  log "base $arch built in $((SECONDS - t0)) s ($(du -h "$base" | cut -f1))"
fi
t_base=$((SECONDS - t0))

# ---- layer 2: the kiosk image -------------------------------------------------------
extra_sum=none
if [[ -n $extra ]]; then
  [[ -d $extra ]] || die "--extra $extra is not a folder"
  extra_sum=$(cd "$extra" && find . -printf '%p %m %y\n' | LC_ALL=C sort && find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum)
fi
img_key=$( { echo "$base_key"; dpkg-deb -I "$deb" control md5sums; echo "$extra_sum"; } | sha256sum | cut -c1-16)
img=$cache/img-$arch-$img_key
if [[ -s $img/root.img && -s $img/manifest ]]; then
  log "image $arch $img_key: cached"
  echo "$img"
  exit 0
fi
t1=$SECONDS
work=$(mktemp -d "$cache/work.XXXXXX")
trap 'rm -rf "$work"' EXIT
rootfs=$work/root
mkdir -p "$rootfs" "$work/data" "$work/out"
tar -C "$rootfs" --numeric-owner -xpf "$base"
cp "$deb" "$rootfs/tmp/crier.deb"
# dpkg -i: the package's postinst makes the crier user and enables the unit.
chroot "$rootfs" env DEBIAN_FRONTEND=noninteractive dpkg -i /tmp/crier.deb >&2 || die "dpkg -i crier.deb failed"
rm -f "$rootfs/tmp/crier.deb"
chroot "$rootfs" systemctl is-enabled crier.service >/dev/null || die "crier.service not enabled by the package"
if [[ -n $extra ]]; then
  cp -a --no-preserve=ownership "$extra/." "$rootfs/"
fi
# What crier-firstboot does on a Pi: /etc/crier to the crier group, keys 0640.
gid=$(awk -F: '$1 == "crier" { print $3 }' "$rootfs/etc/group")
uid=$(awk -F: '$1 == "crier" { print $3 }' "$rootfs/etc/passwd")
[[ -n $uid && -n $gid ]] || die "no crier user in the image"
chown -R "0:$gid" "$rootfs/etc/crier"
find "$rootfs/etc/crier" -type d -exec chmod 0750 {} +
find "$rootfs/etc/crier" -type f -exec chmod 0640 {} +
# The data partition: cache, alerts, logs (crier-firstboot step 4).
install -d -o "$uid" -g "$gid" -m 0750 "$work/data/cache" "$work/data/alerts" "$work/data/logs"
chown "$uid:$gid" "$work/data" && chmod 0750 "$work/data"

kver=$(ls "$rootfs/lib/modules" | sort -V | tail -1)
cp "$rootfs/boot/vmlinuz-$kver" "$work/out/vmlinuz"
cp "$rootfs/boot/initrd.img-$kver" "$work/out/initrd.img"
used_mb=$(du -sm "$rootfs" | cut -f1)
size_mb=$((used_mb * 115 / 100 + 64))
mkfs.ext4 -q -F -L crier-root -b 4096 -d "$rootfs" "$work/out/root.img" "${size_mb}M" >&2
mkfs.ext4 -q -F -L crier-data -b 4096 -d "$work/data" "$work/out/data.img" 256M >&2
{
  echo "arch=$arch"
  echo "kernel=$kver"
  echo "base_key=$base_key"
  echo "image_key=$img_key"
  echo "crier=$(dpkg-deb -f "$deb" Version)"
  echo "root_mb=$size_mb used_mb=$used_mb"
  echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "base_s=$t_base image_s=$((SECONDS - t1))"
} >"$work/out/manifest"
rm -rf "$img"
mv "$work/out" "$img"
log "image $arch $img_key built in $((SECONDS - t1)) s (root ${size_mb} MiB, ${used_mb} MiB used)"

# Keep the newest 2 bases and 3 images of this architecture.
ls -1t "$cache"/base-"$arch"-*.tar 2>/dev/null | tail -n +3 | xargs -r rm -f
ls -1dt "$cache"/img-"$arch"-* 2>/dev/null | tail -n +4 | xargs -r rm -rf
echo "$img"
