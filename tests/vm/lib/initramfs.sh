#!/bin/bash
# Build the test guest's initramfs.
#   initramfs.sh OUTPUT.cpio[.gz] STAGING_DIR
# Environment (from the kernel profile and the runner):
#   KVER MODROOT       guest kernel release and module root
#   DMR_KO             the dm-remap.ko built for KVER
#   DMR_EXTRA_KO       optional: directory of extra .ko files (test-only modules)
#   DMR_ZFS            optional: ZFS payload to ship (lib/zfs.sh build)
#   DMR_ZFS_UNAVAILABLE  optional: why there is none (the ZFS cases skip)
#   DMR_CASE_FILES     newline-separated "name<TAB>path" of the cases to ship
#   DMR_TOOLS          directory of the static test helpers (tests/vm/tools)
#   DMR_CTL            optional: the dmremapctl binary to ship in /dmr/bin
set -euo pipefail

out=$1 st=$2
here=$(cd "$(dirname "$0")/.." && pwd)

# Kernel modules the cases use; loaded at boot in this order (params allowed).
boot_modules=(
	"crc32c_generic" "crc32c_intel" "libcrc32c" "dm-mod" "dm-flakey" "dm-log-writes" "dm-delay"
	"loop" "null_blk nr_devices=0" "ext4" "xfs" "btrfs"
	"virtio_pci" "virtio_blk"
)
# Of those, the ones a kernel may lack (the debug kernel has no xfs or
# btrfs: its lane runs no case of theirs); left out if not built.
optional_boot=(xfs btrfs)
# Shipped but loaded by the cases themselves (they need parameters, or only
# some cases use them; a kernel without one, such as the debug kernel, lets
# those cases skip).
case_modules=(brd dm-thin-pool scsi_debug sd_mod)

# Userspace tools, with the shared libraries ldd reports.
tools=(
	dmsetup mke2fs e2fsck dumpe2fs tune2fs mkfs.xfs xfs_repair xfs_io
	mkfs.btrfs btrfs fio jq blkdiscard sha256sum sfdisk
)
# util-linux tools whose busybox applets (which busybox sh runs in preference
# to any file of the same name) lack options the cases need: shipped as
# NAME-ul (losetup-ul -P --direct-io --sector-size, blkid-ul -p).
ul_tools=(losetup blkid)
[ -z "${DMR_CTL:-}" ] || tools+=("$DMR_CTL")

rm -rf "$st"
mkdir -p "$st"/{bin,sbin,usr/bin,usr/sbin,lib64,etc,dev,proc,sys,tmp,mnt,dmr/bin,dmr/cases,dmr/extra}

cp /bin/busybox "$st/bin/busybox"
ship() {	# ship TOOL NAME: the binary and the shared libraries ldd reports
	local p
	p=$(command -v "$1") || { echo "initramfs: $1 not installed" >&2; exit 1; }
	cp -L "$p" "$st/dmr/bin/$2"
	ldd "$p" | awk '/=>/ { print $3 } /^\t\/lib64/ { print $1 }' |
	while read -r lib; do
		[ -e "$st$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$st$lib"
	done
}
for t in "${tools[@]}"; do ship "$t" "$(basename "$t")"; done
for t in "${ul_tools[@]}"; do ship "$t" "$t-ul"; done
ln -s mke2fs "$st/dmr/bin/mkfs.ext4"
cp /etc/mke2fs.conf "$st/etc/"
cp "$DMR_TOOLS"/* "$st/dmr/bin/"

# Module closure, laid out as a normal module tree so busybox modprobe works.
mdir=lib/modules/$KVER
mkdir -p "$st/$mdir"
: >"$st/dmr/modules.load"
# ship_module ENTRY LOAD: the module of ENTRY and its dependencies; LOAD 1:
# also loaded at boot.  An optional one the kernel lacks is left out.
ship_module() {
	local name=${1%% *} deps
	if ! deps=$(modprobe -d "$MODROOT" -S "$KVER" --show-depends "$name" 2>/dev/null); then
		[[ " ${case_modules[*]} ${optional_boot[*]} " == *" $name "* ]] && return
		echo "initramfs: module $name not built for $KVER" >&2
		exit 1
	fi
	printf '%s\n' "$deps" | awk '$1 == "insmod" { print $2 }' |
	while read -r ko; do
		install -D -m 0644 "$ko" "$st/${ko#"$MODROOT"/}"
	done
	[ "$2" = 0 ] || echo "$1" >>"$st/dmr/modules.load"
}
for entry in "${boot_modules[@]}"; do ship_module "$entry" 1; done
for entry in "${case_modules[@]}"; do ship_module "$entry" 0; done
cp "$MODROOT/$mdir"/modules.{builtin,builtin.modinfo,order} "$st/$mdir/" 2>/dev/null || true
depmod -b "$st" "$KVER"

cp "$DMR_KO" "$st/dmr/dm-remap.ko"
if [ -n "${DMR_EXTRA_KO:-}" ]; then
	cp "$DMR_EXTRA_KO"/*.ko "$st/dmr/extra/"
fi

printf '%s\n' "$DMR_CASE_FILES" | while IFS=$'\t' read -r name path; do
	cp "$path" "$st/dmr/cases/$name.sh"
done

install -m 0755 "$here/guest/init" "$st/init"
cp "$here/guest/lib.sh" "$st/dmr/lib.sh"
cp "$here/guest/lib-logwrites.sh" "$st/dmr/lib-logwrites.sh"
cp "$here/guest/lib-layouts.sh" "$st/dmr/lib-layouts.sh"
cp "$here/guest/lib-faults.sh" "$st/dmr/lib-faults.sh"
cp "$here/guest/lib-zfs.sh" "$st/dmr/lib-zfs.sh"
if [ -n "${DMR_ZFS:-}" ]; then
	"$here/lib/zfs.sh" stage "$DMR_ZFS" "$st"
elif [ -n "${DMR_ZFS_UNAVAILABLE:-}" ]; then
	echo "$DMR_ZFS_UNAVAILABLE" >"$st/dmr/zfs-unavailable"
fi

# Uncompressed unless OUTPUT ends in .gz: under TCG the guest kernel inflates
# a gzip initramfs (45 MB) about 6 s slower than it copies the 110 MB cpio.
if [[ $out == *.gz ]]; then
	(cd "$st" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$out"
else
	(cd "$st" && find . -print0 | cpio --null -o -H newc --quiet) >"$out"
fi
