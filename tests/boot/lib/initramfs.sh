#!/bin/bash
# The boot lane's initramfs: busybox, the modules that reach the root file
# system (virtio-blk, ext4) and an init that mounts /dev/vda read-only and
# hands over to the guest's systemd.  Everything else (dm, dm-remap, the
# test disks) is the real system's business.
#   initramfs.sh KVER MODROOT OUTPUT.cpio.gz
set -euo pipefail

kver=$1 modroot=$2 out=$3
st=$(mktemp -d)
trap 'rm -rf "$st"' EXIT
mkdir -p "$st"/{bin,dev,proc,sys,newroot,lib/modules/"$kver"}
cp /bin/busybox "$st/bin/busybox"
mods=(virtio_pci virtio_blk crc32c_generic ext4)
for m in "${mods[@]}"; do
	modprobe -d "$modroot" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' >"$st/order.full"
: >"$st/modules"
while read -r ko; do
	cp "$ko" "$st/lib/modules/$kver/"
	echo "/lib/modules/$kver/$(basename "$ko")" >>"$st/modules"
done <"$st/order.full"
rm "$st/order.full"
cat >"$st/init" <<'EOS'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
while read -r ko; do insmod "$ko" 2>/dev/null || true; done </modules
i=0
while [ ! -b /dev/vda ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
mount -t ext4 -o ro /dev/vda /newroot || { echo "initramfs: cannot mount /dev/vda"; exec sh; }
umount /sys /proc
mount --move /dev /newroot/dev
exec switch_root /newroot /sbin/init
EOS
chmod 0755 "$st/init"
(cd "$st" && find . | cpio -o -H newc --quiet) | gzip -1 >"$out"
