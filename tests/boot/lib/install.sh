#!/bin/bash
# The dm-remap packages installed in a copy of the boot lane's guest root,
# the DKMS module built once per DKMS source and kernel.
#   install.sh ROOT KVER VERSION DEB...       (root; output: dpkg and dkms)
# dpkg -i with /etc/dkms/no-autoinstall in ROOT (dmremap-dkms's postinst
# then leaves the module alone), then dkms add, build and install in ROOT,
# as the postinst would.  The built tree /var/lib/dkms/dm-remap/VERSION/KVER
# is cached in $DMREMAP_CACHE/boot/dkms/<key>, the key a hash of the DKMS
# source the package installed (/usr/src/dm-remap-VERSION), KVER and the
# version of the kernel headers package in ROOT: on a hit it is put back
# before dkms install, which finds the module built and installs it.
# Prints "dkms: built (N s)" or "dkms: cached (<key>)" as its last line.
set -euo pipefail

root=$1 kver=$2 version=$3
shift 3
cache=${DMREMAP_CACHE:-/var/cache/dm-remap-test}/boot/dkms
in_root() {	# in_root CMD...: in the chroot with /proc and /sys, in a mount namespace of its own
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare --mount --propagation private sh -ec \
		'mount -t proc proc "$1/proc"; mount -t sysfs sys "$1/sys"; r=$1; shift; exec chroot "$r" "$@"' \
		sh "$root" "$@"
}

mkdir -p "$root/tmp/debs" "$root/etc/dkms"
cp "$@" "$root/tmp/debs/"
touch "$root/etc/dkms/no-autoinstall"
in_root sh -c 'dpkg -i /tmp/debs/*.deb'
rm -rf "$root/tmp/debs" "$root/etc/dkms/no-autoinstall"

src=$root/usr/src/dm-remap-$version
[ -f "$src/dkms.conf" ] || { echo "install: no DKMS source in $src" >&2; exit 1; }
# shellcheck disable=SC2016 # a dpkg-query format
headers=$(in_root dpkg-query -W -f '${Version}' "linux-headers-$kver")
key=$( { (cd "$src" && find . -type f -print0 | sort -z | xargs -0 sha256sum --); echo "$kver $headers"; } |
	sha256sum | cut -c1-16)
tree=var/lib/dkms/dm-remap/$version/$kver
in_root dkms add -m dm-remap -v "$version"
if [ -f "$cache/$key/.complete" ]; then
	cp -a "$cache/$key/$kver" "$root/var/lib/dkms/dm-remap/$version/"
	in_root dkms install -m dm-remap -v "$version" -k "$kver"
	echo "dkms: cached ($key)"
else
	t0=$(date +%s)
	in_root dkms build -m dm-remap -v "$version" -k "$kver"
	in_root dkms install -m dm-remap -v "$version" -k "$kver"
	rm -rf "${cache:?}/$key"
	mkdir -p "$cache/$key"
	cp -a "$root/$tree" "$cache/$key/"
	touch "$cache/$key/.complete"
	# Trees of other sources and kernels: kept two weeks.
	find "$cache" -mindepth 1 -maxdepth 1 -type d ! -name "$key" -mtime +14 -exec rm -rf {} + 2>/dev/null || true
	echo "dkms: built ($(($(date +%s) - t0)) s)"
fi
