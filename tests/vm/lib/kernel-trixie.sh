#!/bin/bash
# Kernel profile "trixie": Debian 13's stock kernel (6.12, built with gcc-14).
# Its headers, compiler, image and modules live in a minbase debootstrap
# root cached outside git; modules for it are built inside that root by
# tests/vm/lib/chroot-kbuild.sh (the BUILD_MODULE hook of tests/vm/run).
# Prints the harness contract (KVER, VMLINUZ, MODROOT, KDIR, KMAKE, KAPPEND,
# BUILD_MODULE) as shell assignments; progress goes to stderr.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${DMREMAP_CACHE:-/var/cache/dm-remap-test}
# BUILD_MODULE is split into words by tests/vm/run.
case $cache in *[[:space:]]*) echo "kernel-trixie: DMREMAP_CACHE must not contain spaces" >&2; exit 1 ;; esac
dir=$cache/trixie
root=$dir/root
mirror=${DMREMAP_MIRROR:-http://deb.debian.org/debian}

die() { echo "kernel-trixie: $*" >&2; exit 1; }

# perl: kernel-doc, which W=1 builds run; dkms: tests/pkg/run builds the
# dmremap-dkms package in this root.  The stamp records this list, so
# changing it rebuilds the root.
include=linux-headers-amd64,linux-image-amd64,make,perl,dkms
if [ "$(cat "$dir/.complete" 2>/dev/null)" != "$include" ]; then
	command -v debootstrap >/dev/null || die "debootstrap is not installed"
	[ "$(id -u)" = 0 ] || die "creating $root needs root"
	echo "kernel-trixie: debootstrap trixie into $root (a few minutes)" >&2
	# A debootstrap that was interrupted may have left /proc mounted.
	findmnt -rno TARGET | { grep -F "$root/" || true; } | sort -r | xargs -r -n1 umount -l
	rm -rf --one-file-system "$dir"
	mkdir -p "$dir"
	debootstrap --variant=minbase --include="$include" \
		trixie "$root" "$mirror" >"$dir/debootstrap.log" 2>&1 ||
		die "debootstrap failed; see $dir/debootstrap.log"
	rm -rf "$root"/var/cache/apt/archives/*.deb
	echo "$include" >"$dir/.complete"
fi

kvers=("$root"/lib/modules/*/)
if [ ${#kvers[@]} != 1 ] || [ ! -d "${kvers[0]}" ]; then
	die "expected one kernel in $root/lib/modules"
fi
kver=$(basename "${kvers[0]}")
[ -f "$root/boot/vmlinuz-$kver" ] || die "$root/boot/vmlinuz-$kver missing"
[ -f "$root/usr/src/linux-headers-$kver/Makefile" ] || die "headers for $kver missing in $root"

printf "KVER='%s'\n" "$kver"
printf "VMLINUZ='%s'\n" "$root/boot/vmlinuz-$kver"
printf "MODROOT='%s'\n" "$root"
printf "KDIR='%s'\n" "/usr/src/linux-headers-$kver"
printf "KMAKE=''\n"
printf "KAPPEND=''\n"
printf "BUILD_MODULE='%s'\n" "$here/chroot-kbuild.sh $root"
