#!/bin/bash
# The boot lane's base guest root: Debian 12 (minbase) with systemd, udev,
# kmod, e2fsprogs, dmsetup, the runtime libraries of the dm-remap packages,
# DKMS and the headers of the stock kernel (so that installing dmremap-dkms
# in it builds the module for that kernel), and the stock kernel's modules.
#   image.sh KVER MODROOT      prints the directory of the cached root
# Cached in $DMREMAP_CACHE/boot/<KVER>-<key>/root, the key a hash of this
# file, KVER and the mirrors: whatever changes what goes in, changes the key.
# A cold cache takes a few minutes (debootstrap and apt from the archive).
set -euo pipefail

kver=$1 modroot=$2
cache=${DMREMAP_CACHE:-/var/cache/dm-remap-test}
mirror=${DMREMAP_MIRROR:-http://deb.debian.org/debian}
secmirror=${DMREMAP_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
die() { echo "boot-image: $*" >&2; exit 1; }

# debootstrap takes packages from the release suite only; the stock kernel's
# headers may be in bookworm-security, so they come in a second, apt, stage.
include=systemd-sysv,udev,kmod,e2fsprogs,dmsetup,libdevmapper1.02.1,libjson-c5,procps
second=(dkms "linux-headers-$kver" make)
key=$( { cat "$0"; echo "$kver $mirror $secmirror $include ${second[*]}"; } | sha256sum | cut -c1-12)
dir=$cache/boot/$kver-$key
root=$dir/root

if [ -f "$dir/.complete" ]; then
	echo "$root"
	exit 0
fi
[ "$(id -u)" = 0 ] || die "building the guest root needs root"
command -v debootstrap >/dev/null || die "debootstrap is not installed"
[ -d "$modroot/lib/modules/$kver" ] || die "no modules for $kver in $modroot"

in_root() {	# in_root CMD...: in the chroot with /proc, in a mount namespace of its own
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare --mount --propagation private sh -ec \
		'mount -t proc proc "$1/proc"; mount -t sysfs sys "$1/sys"; r=$1; shift; exec chroot "$r" "$@"' \
		sh "$root" "$@"
}

echo "boot-image: building the Debian 12 guest root in $root (a few minutes)" >&2
mkdir -p "$cache/boot"
# Older roots for other keys are stale; a half-built one of this key too.
find "$cache/boot" -mindepth 1 -maxdepth 1 -type d -name "$kver-*" ! -name "$kver-$key" \
	-exec rm -rf --one-file-system {} + 2>/dev/null || true
rm -rf --one-file-system "$dir"
mkdir -p "$dir"
log=$dir/build.log
debootstrap --variant=minbase --include="$include" bookworm "$root" "$mirror" >"$log" 2>&1 ||
	die "debootstrap failed; see $log"

cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $secmirror bookworm-security main
EOF
# No daemons start in the chroot; no documentation is needed in the guest.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"
{
	in_root apt-get update -q &&
	DEBIAN_FRONTEND=noninteractive in_root apt-get install -y -q --no-install-recommends "${second[@]}"
} >>"$log" 2>&1 || die "apt-get in the guest root failed; see $log"
in_root apt-get clean >>"$log" 2>&1
rm -rf "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/* \
	"$root"/usr/share/locale/* "$root"/usr/share/info/*

# The stock kernel's modules (the image is the same linux-image package the
# other lanes boot), less the drivers a QEMU guest without network, sound or
# graphics never loads.
mkdir -p "$root/lib/modules"
tar -C "$modroot/lib/modules" \
	--exclude="$kver/kernel/drivers/gpu" --exclude="$kver/kernel/drivers/net" \
	--exclude="$kver/kernel/drivers/media" --exclude="$kver/kernel/drivers/infiniband" \
	--exclude="$kver/kernel/drivers/staging" --exclude="$kver/kernel/sound" \
	--exclude="$kver/kernel/net" --exclude="$kver/kernel/drivers/bluetooth" \
	--exclude="$kver/kernel/drivers/iio" --exclude="$kver/kernel/drivers/usb" \
	-cf - "$kver" | tar -C "$root/lib/modules" -xf -
# linux-headers creates /lib/modules/KVER/build only with the image package.
ln -sfn "/usr/src/linux-headers-$kver" "$root/lib/modules/$kver/build"
in_root depmod "$kver" >>"$log" 2>&1 || die "depmod failed; see $log"

# A quiet, fast guest: a fixed machine id (not a first boot, so no
# systemd-firstboot prompt), no gettys, no timers, a persistent journal.
echo dmrboot >"$root/etc/hostname"
echo 5e1f0d3c2b4a49e8a7d6c5b4a3928170 >"$root/etc/machine-id"
printf '/dev/vda / ext4 rw,errors=remount-ro 0 0\n' >"$root/etc/fstab"
mkdir -p "$root/var/log/journal"
for u in getty@tty1.service serial-getty@ttyS0.service getty.target \
	apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
	e2scrub_reap.service fstrim.timer systemd-timesyncd.service dkms.service; do
	ln -sfn /dev/null "$root/etc/systemd/system/$u"
done
ln -sfn /lib/systemd/system/multi-user.target "$root/etc/systemd/system/default.target"
passwd -R "$root" -d root >/dev/null 2>&1 || true
du -sh "$root" >>"$log"
touch "$dir/.complete"
echo "boot-image: done ($(du -sh "$root" | cut -f1))" >&2
echo "$root"
