#!/bin/sh
# Installs the Debian packages basalt-imager and the qemu e2e suite need on a build host or CI runner
# (qemu-utils: qemu-img for the VMs' qcow2 overlays; iproute2: ip netns for the VM networks;
# debootstrap: the Debian yardstick of bench/boot-vs-debian.ts).
# Idempotent: apt-get is only called when one of the packages is missing.
set -eu
PACKAGES="qemu-system-x86 ovmf systemd-boot-efi mtools dosfstools gdisk erofs-utils cryptsetup-bin
busybox-static binutils cpio e2fsprogs zstd kmod qemu-utils iproute2 debootstrap"
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
  echo "host packages: all present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "host packages: installing$missing"
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing
