# dm-remap demo: runs inside the test guest (`make demo`).
. "$DMR_LIB"

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

step "Create the dm-remap device with dmremapctl: all I/O goes to the failing"
echo "    disk; a block it cannot write is moved to the spare"
echo "    (--format initialises the spare's remap table, once)"
show dmremapctl create demo "$disk" "$spare" --format
show dmremapctl list
echo "  (dmremapctl drives the kernel target; the same device with dmsetup:)"
show dmsetup table demo

step "Make an ext4 file system on it: the write errors are absorbed"
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

step "What dm-remap did: every write error became a remapped block"
show dmremapctl status demo
echo
echo "# dmremapctl remaps demo | head -n 6   (main block -> spare block)"
dmremapctl remaps demo | head -n 6
show dmremapctl health demo
remapped=$(dmremapctl status --json demo | jq '.devices[0].remapped')
[ "$remapped" -gt 0 ] || fail "nothing was remapped"
assert_eq "$(dmremapctl status --json demo | jq -r '.devices[0].health.level')" ok "health"

step "The same status as JSON, for scripts and monitoring (schema: dmremapctl(8))"
show dmremapctl status --json --pretty demo
