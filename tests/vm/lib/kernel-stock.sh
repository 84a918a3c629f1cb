#!/bin/bash
# Kernel profile "stock": Debian 12's own kernel, matching the installed
# linux-headers-amd64.  Prints the harness contract (KVER, VMLINUZ, MODROOT,
# KDIR, KMAKE, KAPPEND) as shell assignments; progress goes to stderr.
set -euo pipefail

cache=${DMREMAP_CACHE:-/var/cache/dm-remap-test}

# linux-headers-amd64 depends on linux-headers-<KVER>; that names the kernel.
kver=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null |
	grep -o 'linux-headers-[^ ,]*-amd64' | head -n1 | sed 's/^linux-headers-//')
if [ -z "$kver" ]; then
	echo "kernel-stock: linux-headers-amd64 is not installed" >&2
	exit 1
fi
kdir=/usr/src/linux-headers-$kver
[ -f "$kdir/Makefile" ] || { echo "kernel-stock: $kdir missing" >&2; exit 1; }

dir=$cache/stock/$kver
if [ ! -f "$dir/.complete" ]; then
	echo "kernel-stock: fetching linux-image-$kver" >&2
	rm -rf "$dir"
	mkdir -p "$dir/deb"
	# apt drops privileges to _apt for downloads when it can.
	chown _apt "$dir/deb" 2>/dev/null || true
	(cd "$dir/deb" && apt-get download -q "linux-image-$kver" >&2 ||
		apt-get download -q "linux-image-$kver-unsigned" >&2)
	dpkg-deb -x "$dir"/deb/*.deb "$dir/root"
	depmod -b "$dir/root" "$kver"
	rm -rf "$dir/deb"
	touch "$dir/.complete"
fi

printf "KVER='%s'\n" "$kver"
printf "VMLINUZ='%s'\n" "$dir/root/boot/vmlinuz-$kver"
printf "MODROOT='%s'\n" "$dir/root"
printf "KDIR='%s'\n" "$kdir"
printf "KMAKE=''\n"
printf "KAPPEND=''\n"
