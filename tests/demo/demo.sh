# dm-remap demo: runs inside the test guest (`make demo`).
. "$DMR_LIB"

step() {
	echo
	echo "==> $*"
}
show() {
	echo "# $*"
	"$@"
}

step "Two disks: a 256 MiB main disk and a 16 MiB spare (null_blk, in RAM)"
main=$(nullb_create main 256)
spare=$(nullb_create spare 16)
show blockdev --getsize64 "$main" "$spare"

step "Create the dm-remap device: all I/O goes to main; failed blocks go to spare"
sz=$(dev_sectors "$main")
show dmsetup create demo --table "0 $sz remap $main $spare"
show dmsetup table demo
show dmsetup status demo
echo "  (status: format version, reads, writes, read errors, write errors)"

step "Make an ext4 filesystem on it and mount it"
show mkfs.ext4 -q /dev/mapper/demo
mkdir -p /mnt/demo
show mount /dev/mapper/demo /mnt/demo

step "Write a file, drop caches, read it back"
dd if=/dev/urandom of=/tmp/file bs=1M count=8 2>/dev/null
show cp /tmp/file /mnt/demo/file
show sync
echo 3 >/proc/sys/vm/drop_caches
a=$(sha256sum </tmp/file) b=$(sha256sum </mnt/demo/file)
echo "written:   $a"
echo "read back: $b"
assert_eq "$b" "$a" "file checksum"
show umount /mnt/demo
show e2fsck -fn /dev/mapper/demo

step "Counters after the run"
show dmsetup status demo
show dmsetup remove demo
echo
echo "Demo finished."
