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
echo "  main:  $main, $(blockdev --getsize64 "$main") bytes"
echo "  spare: $spare, $(blockdev --getsize64 "$spare") bytes"

step "The main disk starts failing: writes to 3 ranges fail (reads still work)"
disk=$(wfail_create failing "$main" 2-9 4096-4159 300000-300063)
dmsetup table failing-w | sed 's/^/  /'
echo "# mkfs.ext4 -q $disk   (directly on the failing disk)"
if mkfs.ext4 -q -F "$disk" >/tmp/mkfs.log 2>&1; then
	fail "mkfs.ext4 succeeded on the failing disk"
fi
echo "  mkfs.ext4 failed on the bare disk:"
sed 's/^/    /' /tmp/mkfs.log | head -n 3

step "Create the dm-remap device: all I/O goes to main; failed blocks go to spare"
sz=$(dev_sectors "$main")
show dmsetup create demo --table "0 $sz remap $disk $spare"
show dmsetup table demo
show dmsetup status demo
echo "  (status: version reads writes read_errors write_errors remapped pending"
echo "   spare_used spare_total retired errors_suppressed spare_errors suppress health)"

step "Make an ext4 filesystem on it: the write errors are absorbed"
show mkfs.ext4 -q /dev/mapper/demo
mkdir -p /mnt/demo
show mount /dev/mapper/demo /mnt/demo

step "Write a file over the bad data area, drop caches, read it back"
dd if=/dev/urandom of=/tmp/file bs=1M count=200 2>/dev/null
show cp /tmp/file /mnt/demo/file
show sync
echo 3 >/proc/sys/vm/drop_caches
a=$(sha256sum </tmp/file) b=$(sha256sum </mnt/demo/file)
echo "written:   $a"
echo "read back: $b"
assert_eq "$b" "$a" "file checksum"
show umount /mnt/demo
show e2fsck -fn /dev/mapper/demo

step "What dm-remap did"
show dmsetup status demo
dmsetup message demo 0 stats | tr ' ' '\n' | sed 's/^/  /'
echo "# dmsetup message demo 0 list 0 5"
dmsetup message demo 0 list 0 5 | sed 's/^/  /'
assert_eq "$(status_field demo 14)" ok "health"
[ "$(status_field demo 6)" -gt 0 ] || fail "nothing was remapped"
show dmsetup remove demo
echo
echo "Demo finished."
