#!/bin/bash
# Install the packages that building and testing dm-remap needs, only those
# that are missing.  Usage: tests/deps.sh [extra-package...]
set -euo pipefail

pkgs=(
	build-essential make gcc pkg-config
	linux-headers-amd64 kmod cpio gzip xz-utils
	qemu-system-x86 busybox-static
	dmsetup e2fsprogs xfsprogs btrfs-progs util-linux fdisk fio jq
	libcmocka-dev clang libclang-rt-dev groff-base
	libdevmapper-dev libjson-c-dev libblkid-dev valgrind
	debootstrap dkms dh-dkms debhelper lintian dpkg-dev
	"$@"
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}"
if [ "$(id -u)" != 0 ]; then
	echo "deps: run as root (or install those packages) first" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
